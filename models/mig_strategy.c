/*
 * mig_strategy.c - the engine's half of strategy.h: what a strategy may do
 * to the migration, on a device it was handed.
 */
#include <stdarg.h>

#include "mig_device.h"
#include "mig_fail.h"
#include "strategy.h"

int strategy_transition(struct strategy_dev *d, bool running, int pass, const char *task)
{
	return mig_device_transition(d->md, running, pass, task);
}

void strategy_fail(struct strategy_dev *d, int err, const char *task, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	mig_vfail(d->md->m, err, task, fmt, ap);
	va_end(ap);
}
