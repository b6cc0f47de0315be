/*
 * migration.h - one live migration of a VM with VFIO devices, source and
 * destination, written once for both worlds.
 *
 * migration_run() is called by a world from its root task.  It plays QEMU's
 * migration thread (setup, precopy rounds, switchover decision, VM stop with
 * the change-state handlers, final query, stop-copy transfer) and spawns the
 * destination's load task (load setup, device data loads, VM start with the
 * handlers).  Everything it does lands in the trace; summary.c derives the
 * downtime breakdown, invariants and bounds from that trace.
 */
#ifndef SWITCHOVER_MIGRATION_H
#define SWITCHOVER_MIGRATION_H

#include <stdatomic.h>
#include <stddef.h>

#include "device.h"
#include "runtime.h"
#include "scenario.h"
#include "trace.h"
#include "vmstate.h"

/* Migration-stream record kinds (struct rt_frame.kind). */
enum mig_rec {
	MIG_REC_SETUP = 1, /* device section setup: destination goes STOP -> RESUMING */
	MIG_REC_RAM,       /* RAM pages; bytes */
	MIG_REC_DEV_DATA,  /* device state chunk; device, bytes; value = MIG_DATA_* */
	MIG_REC_EOS,       /* end of stream: destination starts the VM */
};
#define MIG_DATA_PRECOPY 0u
#define MIG_DATA_STOPCOPY 1u

struct mig;
struct mig_multifd;
struct mig_side;

/* The engine's view of one device on one side. */
struct mig_device {
	struct mig *m;
	struct mig_side *side;
	struct device *dev;
	int index;
	int depth;
	/* Transition task per pass (parallel-prio), or [TRACE_PASS_PREPARE]
	 * carrying both steps (parallel-barrier). */
	struct rt_task *thread[2];
	int thread_pass; /* pass the running thread performs (parallel-prio) */
	int thread_running; /* direction the running thread performs */
	char task_name[2][64];
};

struct mig_side {
	enum rt_side side;
	struct vmstate_registry reg;
	struct mig_device *devs;
	size_t n;
	const char *task; /* task that runs this side's notifies */
	/* parallel-barrier rendezvous: devices taking part, arrivals, event */
	unsigned n_rendezvous;
	atomic_uint arrived;
	struct rt_event *all_p2p;
	void *strategy_priv; /* strategy.c's per-side allocation */
};

struct mig_handler {
	struct mig *m;
	const struct scn_handler *h;
	gsl_rng *rng;
};

struct mig_config {
	struct rt *rt;
	const struct scenario *scn;
	struct device **src; /* scenario_device_count() devices, initially RUNNING */
	struct device **dst; /* the same count, initially STOP */
	unsigned run;        /* run index: seeds the handlers' random streams */
	struct trace *trace;
};

struct mig_result {
	int status; /* 0 completed, negative errno when the migration failed */
	char error[256];
};

struct mig {
	const struct mig_config *cfg;
	struct rt *rt;
	const struct scenario *scn;
	struct trace *tr;
	struct mig_side src, dst;
	struct mig_handler *handlers;
	size_t n_handlers;
	struct rt_chan *stream;
	struct mig_multifd *multifd; /* multifd channels (migration.c) */
	unsigned n_multifd;
	void *buf; /* chunk buffer when the world carries data */
	struct mig_result *res;
};

/*
 * Run one migration.  Blocks the calling task (the world's root task on
 * the source side) until the destination VM runs or the migration failed.
 * Returns 0 when it ran (res->status says whether the migration completed),
 * or a negative errno when it could not run at all (res->error says why).
 */
int migration_run(const struct mig_config *cfg, struct mig_result *res);

/* Move a device to `target` one direct arc at a time (vfio_fsm_next),
 * tracing every arc with `step` (enum trace_pass or -1).  Returns 0 or the
 * first arc's negative errno. */
int mig_device_goto(struct mig_device *md, enum vfio_state target, int step, const char *task);

/* The transition a VFIO handler performs (QEMU's vfio_vmstate_change_prepare
 * for the prepare pass, vfio_vmstate_change for the main pass). */
int mig_device_transition(struct mig_device *md, bool running, int pass, const char *task);

/* Record a failure (first one wins) in the result and the trace. */
void mig_fail(struct mig *m, int err, const char *task, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* strategy.c: register the VFIO handler entries of every device of `side`
 * as the scenario's strategy does.  Returns 0 or -ENOMEM. */
int strategy_register(struct mig *m, struct mig_side *side);
/* Reset per-notify strategy state (the barrier rendezvous) before a notify. */
void strategy_before_notify(struct mig_side *side);
/* Free what strategy_register allocated for `side`. */
void strategy_release(struct mig_side *side);

#endif
