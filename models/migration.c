/*
 * migration.c - one migration run: set up the shared state (lock, random
 * streams, both sides, channels, multifd), run the source and/or the
 * destination, tear it all down.  The flow itself is in mig_source.c and
 * mig_destination.c (see migration.h for the map of the engine).
 */
#include "migration.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mig_destination.h"
#include "mig_devstate.h"
#include "mig_handlers.h"
#include "mig_internal.h"
#include "mig_multifd.h"
#include "mig_side.h"
#include "mig_source.h"
#include "rng.h"

/* Random stream of the decision-to-stop gap (devices and handlers use
 * their own). */
#define RNG_STREAM_STOP_GAP (RNG_STREAM_HANDLER - 1)

static int mig_init(struct mig *m)
{
	const struct scenario *s = m->scn;
	const struct rt_ops *o = m->rt->ops;
	if (!(m->lock = o->mutex_new(m->rt)))
		return -ENOMEM;
	if (rng_lazy_init(&m->stop_gap_rng, s->seed, m->cfg->run, RNG_STREAM_STOP_GAP))
		return -ENOMEM;
	int rc = mig_handlers_new(m);
	if (!rc && m->has_src)
		rc = mig_side_init(m, &m->src, RT_SIDE_SRC, m->cfg->src, SRC_TASK);
	if (!rc && m->has_dst)
		rc = mig_side_init(m, &m->dst, RT_SIDE_DST, m->cfg->dst, DST_TASK);
	if (rc)
		return rc;
	if (m->rt->carries_data && !(m->buf = malloc(s->chunk_bytes)))
		return -ENOMEM;
	m->stream = o->chan_new(m->rt, RT_SIDE_SRC, "main");
	m->ret = o->chan_new(m->rt, RT_SIDE_DST, "return-path");
	if (!m->stream || !m->ret)
		return -ENOMEM;
	if ((rc = mig_devstate_new(m)))
		return rc;
	return mig_multifd_start(m);
}

static void mig_release(struct mig *m)
{
	mig_multifd_free(m);
	mig_devstate_free(m);
	if (m->stream)
		m->rt->ops->chan_free(m->stream);
	if (m->ret)
		m->rt->ops->chan_free(m->ret);
	mig_side_free(&m->src);
	mig_side_free(&m->dst);
	mig_handlers_free(m);
	rng_lazy_free(&m->stop_gap_rng);
	free(m->buf);
	if (m->lock)
		m->rt->ops->mutex_free(m->lock);
}

static int run(const struct mig_config *cfg, struct mig_result *res, bool src, bool dst)
{
	struct mig m = {.cfg = cfg,
	                .rt = cfg->rt,
	                .scn = cfg->scn,
	                .tr = cfg->trace,
	                .res = res,
	                .has_src = src,
	                .has_dst = dst};
	memset(res, 0, sizeof *res);
	const char *task = src ? SRC_TASK : DST_TASK;
	m.task = task;
	TRACE_ADD(m.tr, .t = rt_now(m.rt), .task = task, .kind = TRACE_RUN_BEGIN);
	int rc = mig_init(&m);
	if (rc) {
		snprintf(res->error, sizeof res->error, "cannot set up the migration: %s",
		         strerror(-rc));
		res->status = rc;
		mig_multifd_quit(&m);
		mig_multifd_join(&m, RT_SIDE_SRC);
		mig_multifd_join(&m, RT_SIDE_DST);
		mig_release(&m);
		return rc;
	}
	struct rt_task *load = NULL;
	if (src && dst)
		load = rt_spawn(m.rt, RT_SIDE_DST, DST_TASK, mig_destination_task, &m);
	if (src)
		mig_source_run(&m);
	else
		mig_destination_run(&m);
	if (load)
		rt_join(m.rt, load);
	strategy_end(&m.src.strat);
	strategy_end(&m.dst.strat);
	TRACE_ADD(m.tr, .t = rt_now(m.rt), .task = task, .kind = TRACE_RUN_END,
	          .value = res->status, .text = res->status ? res->error : NULL);
	mig_release(&m);
	return 0;
}

int migration_run(const struct mig_config *cfg, struct mig_result *res)
{
	return run(cfg, res, true, true);
}

int migration_run_source(const struct mig_config *cfg, struct mig_result *res)
{
	return run(cfg, res, true, false);
}

int migration_run_destination(const struct mig_config *cfg, struct mig_result *res)
{
	return run(cfg, res, false, true);
}
