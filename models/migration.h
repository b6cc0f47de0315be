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
#include <stdbool.h>
#include <stddef.h>

#include "device.h"
#include "runtime.h"
#include "scenario.h"
#include "trace.h"
#include "vmstate.h"

/* Migration-stream record kinds (struct rt_frame.kind). */
enum mig_rec {
	MIG_REC_SETUP = 1,  /* device section setup: destination goes STOP -> RESUMING */
	MIG_REC_SETUP_DONE, /* all devices set up; the return path is open */
	MIG_REC_RAM,        /* RAM pages; bytes */
	MIG_REC_DEV_DATA,   /* device state chunk; device, bytes; value = DEVICE_DATA_* hint */
	MIG_REC_DEV_FLAG,   /* device flag; device; value = MIG_FLAG_* */
	MIG_REC_EOS,        /* end of stream: destination starts the VM */
	MIG_REC_ABORT,      /* the source failed: destination must not start the VM */
};
#define MIG_FLAG_INIT_DATA_SENT 1u /* VFIO_MIG_FLAG_DEV_INIT_DATA_SENT */

/* Return-path messages (destination -> source, struct rt_frame.kind). */
enum mig_ret {
	MIG_RET_ACK = 1,     /* switchover ACK; device = the approving device or -1 */
	MIG_RET_RUNNING = 2, /* destination VM running: the migration completed */
	MIG_RET_FAILED = 3,  /* destination failed; value = errno */
};

/* QEMU's migration rate-limit window (BUFFER_DELAY): a precopy round run
 * while waiting for a switchover ACK (or with nothing to send) lasts at
 * least this long. */
#define MIG_IDLE_ROUND_S 0.1

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
	/* Task carrying the transition of each pass (parallel-prio), or
	 * [TRACE_PASS_PREPARE] carrying both steps (parallel-barrier): a thread
	 * created for it, or the pool worker it was handed to; NULL when none
	 * is outstanding. */
	struct rt_task *thread[2];
	int thread_pass;    /* pass the running thread performs (parallel-prio) */
	int thread_running; /* direction the running thread performs */
	char task_name[2][64];
	/* migration.threads: pool.  The device's persistent worker, created at
	 * migration setup: it waits on `go`, runs `job` (NULL: ends), posts
	 * `done`.  NULL when the strategy gives the device no thread. */
	struct rt_task *worker;
	struct rt_sem *go, *done;
	rt_task_fn job;
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
	struct device **src; /* scenario_device_count() devices, initially RUNNING;
	                        NULL when this process only runs the destination */
	struct device **dst; /* the same count, initially STOP; NULL when this
	                        process only runs the source */
	unsigned run;        /* run index: seeds the random streams of the run */
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
	bool has_src, has_dst;
	struct mig_side src, dst;
	struct mig_handler *handlers;
	size_t n_handlers;
	struct rt_chan *stream;
	struct rt_chan *ret;         /* return path */
	struct mig_multifd *multifd; /* multifd channels (migration.c) */
	unsigned n_multifd;
	void *buf; /* chunk buffer when the world carries data */
	struct mig_result *res;
	const char *task;      /* the task running migration setup and teardown */
	struct rt_mutex *lock; /* res, ack_pending, failed: touched by several tasks */
	atomic_int failed;
	int ack_pending; /* source switchover-ack counter */
	gsl_rng *stop_gap_rng;
};

/*
 * Run one migration, both ends in this process (cfg->src and cfg->dst
 * given).  Blocks the calling task (the world's root task on the source
 * side) until the destination VM runs or the migration failed and the
 * source recovered.  Returns 0 when it ran (res->status says whether the
 * migration completed), or a negative errno when it could not run at all
 * (res->error says why).
 */
int migration_run(const struct mig_config *cfg, struct mig_result *res);
/* The source end alone (cfg->dst NULL): the destination runs elsewhere,
 * reached through the world's channels ("main", "multifd<i>",
 * "return-path").  Returns when the destination reported running or
 * failed, or the return path broke. */
int migration_run_source(const struct mig_config *cfg, struct mig_result *res);
/* The destination end alone (cfg->src NULL). */
int migration_run_destination(const struct mig_config *cfg, struct mig_result *res);

/* Move a device to `target` one direct arc at a time (vfio_fsm_next),
 * tracing every arc with `step` (enum trace_pass or -1) and `reason`, and
 * emitting the QMP events of the scenario's event design (one transition is
 * one QEMU set_state call).  Returns 0 or the first arc's negative errno. */
int mig_device_goto(struct mig_device *md, enum vfio_state target, int step, const char *task,
                    const char *reason);

/* The transition a VFIO handler performs (QEMU's vfio_vmstate_change_prepare
 * for the prepare pass, with the final REINIT check on the source;
 * vfio_vmstate_change for the main pass). */
int mig_device_transition(struct mig_device *md, bool running, int pass, const char *task);

/* The QOM path QEMU gives a -device with id `name` ("/machine/peripheral/vf0"). */
void mig_qom_path(const char *name, char *buf, size_t len);

/* Record a failure (first one wins) in the result and the trace. */
void mig_fail(struct mig *m, int err, const char *task, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* strategy.c: register the VFIO handler entries of every device of `side`
 * as the scenario's strategy does, and with migration.threads: pool start
 * the devices' workers (called by m->task; a worker that cannot be created
 * fails the migration).  Returns 0 or -ENOMEM. */
int strategy_register(struct mig *m, struct mig_side *side);
/* Reset per-notify strategy state (the barrier rendezvous) before a notify. */
void strategy_before_notify(struct mig_side *side);
/* End and join `side`'s pool workers (migration.threads: pool), if any: the
 * migration is over.  Called by m->task; idempotent. */
void strategy_end(struct mig_side *side);
/* Free what strategy_register allocated for `side` (its workers ended first). */
void strategy_release(struct mig_side *side);

#endif
