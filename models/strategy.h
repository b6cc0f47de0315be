/*
 * strategy.h - transition strategies as an ops table, like fio's ioengines.
 *
 * A strategy decides how the VFIO devices of one side register their VM
 * change-state handlers (vmstate.h) and which tasks carry their transitions;
 * nothing in a strategy computes a downtime, the time is whatever those
 * tasks take in the world they run in.  One file per strategy under
 * models/strategies/, each defining a `const struct strategy_ops` named in
 * STRATEGY_LIST (strategy_list.h); models/strategies/threads.h is the helper
 * the parallel ones share to start and collect the task carrying a
 * transition (migration.threads: per-pass or pool).
 *
 * The engine (mig_side.c) calls a strategy only through the table below,
 * via the strategy_*() dispatchers at the end.  A strategy acts on the
 * migration only through the small API in the middle (run a device's
 * transition, fail the migration; start and collect a task in threads.h)
 * and sees of the engine only what struct strategy_side and struct
 * strategy_dev carry: it never reaches into struct mig.
 */
#ifndef SWITCHOVER_STRATEGY_H
#define SWITCHOVER_STRATEGY_H

#include <stdbool.h>
#include <stddef.h>

#include "runtime.h"
#include "strategy_list.h"
#include "trace.h"
#include "vmstate.h"

struct mig_device; /* the engine's device; opaque here */
struct strategy_ops;

/* What a strategy knows of one side of the migration.  Filled in by the
 * engine before setup; `priv` is the strategy's own. */
struct strategy_side {
	struct rt *rt;
	struct trace *tr;
	enum rt_side side;
	const char *task;     /* the task that runs this side's notifies */
	const char *run_task; /* the task that runs migration setup and teardown */
	struct vmstate_registry *reg;
	bool pooled; /* migration.threads: pool */
	struct strategy_dev *devs;
	size_t n;
	const struct strategy_ops *ops;
	void *priv; /* the strategy's per-side state */
};

/* What a strategy knows of one VFIO device of a side. */
struct strategy_dev {
	struct strategy_side *side;
	struct mig_device *md; /* handed back to the engine's API below */
	const char *name;      /* the device's name; outlives the registry */
	int index;             /* device index in the scenario */
	int depth;             /* qdev depth */
	bool p2p;              /* has the P2P states: gets a prepare_cb */
	void *priv;            /* the strategy's per-device state */
};

/*
 * A strategy.  Every entry is called by the engine with the side it acts
 * on; entries marked optional may be NULL.
 */
struct strategy_ops {
	/* Register the handler entries of every device of the side in
	 * side->reg (vmstate_add, in device order; the scenario's other
	 * handlers register after), set up the strategy's per-side and
	 * per-device state, and start the tasks it keeps for the whole
	 * migration (pool workers).  Called once per side by side->run_task at
	 * migration setup, before the `setup` event.  Does not block; in sim it
	 * costs what starting its tasks costs (thread_create each), nothing
	 * otherwise.  A task that cannot be started fails the migration
	 * (strategy_fail) instead of failing setup.  Returns 0 or -ENOMEM;
	 * release runs either way. */
	int (*setup)(struct strategy_side *side);
	/* Optional.  Reset per-notify state (a rendezvous) before the side's
	 * handlers run for a VM stop or start.  Called by side->task right
	 * before vmstate_notify; does not block; no sim time. */
	void (*before_notify)(struct strategy_side *side);
	/* Optional.  The migration is over (completed or failed): end the
	 * tasks setup started.  Called by side->run_task after the flow and
	 * before the `run-end` event, and again from release: idempotent.
	 * Blocks until they ended; in sim each costs a thread_join. */
	void (*end)(struct strategy_side *side);
	/* Optional.  Free what setup allocated, also after a failed setup.
	 * Called by side->run_task after end; does not block; no sim time. */
	void (*release)(struct strategy_side *side);
	/* A task launched in a device's prepare_cb is collected by its cb, in
	 * the main pass, not in the pass that launched it: what the
	 * threads-joined invariant (summary.c) expects of the strategy. */
	bool collects_in_main_pass;
};

/* ---- what a strategy may do (implemented by the engine, mig_strategy.c) -- */

/* Run the transition a VFIO handler performs for `pass` (enum trace_pass)
 * of a VM start (`running`) or stop, on behalf of `task`: QEMU's
 * vfio_vmstate_change_prepare (prepare pass, with the final REINIT check on
 * the source) or vfio_vmstate_change (main pass).  Blocks for the device's
 * arcs.  A failure is recorded in the migration; returns 0 or its
 * negative errno. */
int strategy_transition(struct strategy_dev *d, bool running, int pass, const char *task);

/* Fail the migration (the first failure wins) with a message about `d`,
 * traced as `task`'s error.  Does not block; no sim time. */
void strategy_fail(struct strategy_dev *d, int err, const char *task, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ---- how the engine calls a strategy (strategy.c) ---------------------- */

/* The ops table of `kind`, or NULL for a value outside STRATEGY_LIST. */
const struct strategy_ops *strategy_ops_of(enum strategy_kind kind);

/* side->ops's entries, skipping optional ones it leaves NULL; release ends
 * the side first.  Both are no-ops on a side that never got its ops. */
int strategy_setup(struct strategy_side *side);
void strategy_before_notify(struct strategy_side *side);
void strategy_end(struct strategy_side *side);
void strategy_release(struct strategy_side *side);

#endif
