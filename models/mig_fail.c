/*
 * mig_fail.c - recording the migration's failure: the first one wins the
 * result, every one is traced.  Any task may fail the migration.
 */
#include "mig_fail.h"

#include <errno.h>
#include <stdio.h>

void mig_vfail(struct mig *m, int err, const char *task, const char *fmt, va_list ap)
{
	char msg[sizeof m->res->error];
	vsnprintf(msg, sizeof msg, fmt, ap);
	TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = task, .kind = TRACE_ERROR, .value = err,
	          .text = msg);
	mig_lock(m);
	if (m->res->status == 0) {
		m->res->status = err < 0 ? err : -EIO;
		snprintf(m->res->error, sizeof m->res->error, "%s", msg);
	}
	atomic_store(&m->failed, 1);
	mig_unlock(m);
}

void mig_fail(struct mig *m, int err, const char *task, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	mig_vfail(m, err, task, fmt, ap);
	va_end(ap);
}
