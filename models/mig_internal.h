/*
 * mig_internal.h - the state of one migration, shared by the engine's
 * mig_*.c files and migration.c; nothing outside models/ sees it, and the
 * strategies see only what strategy.h hands them.
 *
 * Which file does what, and who may call whom, is at the top of
 * migration.h.  Every function a concern offers the others is declared in
 * that concern's own header (mig_ack.h, mig_stream.h, ...).
 */
#ifndef SWITCHOVER_MIG_INTERNAL_H
#define SWITCHOVER_MIG_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "device.h"
#include "migration.h"
#include "rng.h"
#include "runtime.h"
#include "scenario.h"
#include "strategy.h"
#include "trace.h"
#include "vmstate.h"

/* The engine's task names. */
#define SRC_TASK "migration"   /* the source migration thread */
#define DST_TASK "load"        /* the destination load thread */
#define RP_TASK  "return-path" /* the source's return-path thread */

struct mig;
struct mig_devstate;
struct mig_multifd;
struct mig_side;

/* The engine's view of one device on one side. */
struct mig_device {
	struct mig *m;
	struct mig_side *side;
	struct device *dev;
	int index;
	int depth;
	/* source: switchover-ack and REINIT state (VFIOMigration's fields) */
	bool v2_enabled;         /* PRECOPY_INFOv2 opted in */
	bool queried;            /* first precopy query after setup done */
	bool init_data_sent;     /* INIT_DATA_SENT sent for the current initial bytes */
	const char *ack_request; /* a request for the next pending query to collect: reason */
	uint64_t init_left;      /* initial bytes still to read, as last queried */
	bool reinit_wait;        /* an outstanding request came from a REINIT */
	/* destination: legacy approval given */
	bool approved;
};

struct mig_side {
	enum rt_side side;
	struct vmstate_registry reg;
	struct mig_device *devs;
	size_t n;
	const char *task; /* task that runs this side's notifies */
	/* What the strategy sees of this side and of its devices (strat.devs,
	 * one per devs[i]); the strategy's own state hangs off them. */
	struct strategy_side strat;
};

/* A non-VFIO change-state handler of the scenario (mig_handlers.c). */
struct mig_handler {
	struct mig *m;
	const struct scn_handler *h;
	struct rng_lazy rng;
};

struct mig {
	const struct mig_config *cfg;
	struct rt *rt;
	const struct scenario *scn;
	struct trace *tr;
	bool has_src, has_dst;
	struct mig_side src, dst;
	struct mig_handler *handlers;
	size_t n_handlers;
	struct rt_chan *stream;
	struct rt_chan *ret;         /* return path */
	struct mig_multifd *multifd; /* multifd channels (mig_multifd.c) */
	unsigned n_multifd;
	struct mig_devstate *devstate; /* device state over multifd (mig_devstate.c) */
	/* Where a multifd receiver hands each MIG_REC_DEV_STATE frame (QEMU's
	 * load_state_buffer handler; mig_devstate.c sets it), as its task, or
	 * NULL when its channel broke.  Returns 0, or -errno when the frame is
	 * refused (the migration has failed). */
	int (*load_state_buffer)(struct mig *m, const struct rt_frame *f, const char *task);
	void *buf; /* chunk buffer when the world carries data */
	struct mig_result *res;
	const char *task;      /* the task running migration setup and teardown */
	struct rt_mutex *lock; /* res, ack_pending, failed, reinit_wait: touched by several tasks */
	atomic_int failed;
	int ack_pending; /* source switchover-ack counter */
	struct rng_lazy stop_gap_rng;
};

static inline void mig_lock(struct mig *m)
{
	m->rt->ops->mutex_lock(m->lock);
}
static inline void mig_unlock(struct mig *m)
{
	m->rt->ops->mutex_unlock(m->lock);
}
/* Whether a failure has been recorded (mig_fail). */
static inline bool mig_failed(struct mig *m)
{
	return atomic_load(&m->failed) != 0;
}

#endif
