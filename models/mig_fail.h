/*
 * mig_fail.h - recording the migration's failure (mig_fail.c).
 */
#ifndef SWITCHOVER_MIG_FAIL_H
#define SWITCHOVER_MIG_FAIL_H

#include <stdarg.h>

#include "mig_internal.h"

/* Record a failure: traced as `task`'s error; the first one sets the
 * result's status and message, and mig_failed() is true from then on.
 * Any task may call it; does not block; no sim time. */
void mig_fail(struct mig *m, int err, const char *task, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void mig_vfail(struct mig *m, int err, const char *task, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

#endif
