/*
 * sim_runtime.h - the SimGrid world's runtime: struct rt_ops on SimGrid 3.32
 * actors, synchronisation objects and its network model.
 *
 * One process holds one SimGrid engine with one fixed platform: two hosts,
 * "src" and "dst" (each with a speed step per core count, SIM_MAX_CORES of
 * them, selected per run), joined by one full-duplex link (each direction has the
 * whole bandwidth; flows in the same direction share it equally, max-min).
 * The engine is started once (sim_runtime_global_init) and then drives any
 * number of runs, one after another; each run sets the link to its rt's
 * configuration and starts its clock at 0.
 *
 * Each host has `cores` cores (0: unlimited).  CPU work ("compute", c
 * seconds of one core) runs on the calling task's host: it takes c while
 * the host runs at most `cores` executions, and SimGrid shares the cores
 * max-min fairly beyond that (4 tasks of 1 s on 2 cores all end at 2 s);
 * with unlimited cores it is a sleep of c.
 *
 * Costs in simulated time (everything else is free):
 *   sleep(dt)      dt
 *   compute(c)     c of CPU work, as above
 *   spawn          thread_create_s of CPU work (the caller's host's when it
 *                  sets one), plus its thread_create_new_stack_s when the
 *                  new task's host has no free stack in its stack cache,
 *                  paid by the caller before the task starts, then the
 *                  host's thread_create_wait_s, a wait
 *   join           waiting for the task, then thread_join_s of CPU work
 *   wake           when it wakes a parked task: thread_wake_s of CPU work
 *                  (the caller's host's when it sets one), paid by the
 *                  caller before the semaphore is released, then the
 *                  host's thread_wake_wait_s, a wait; free when no task is
 *                  parked on the semaphore (the worker is still busy)
 *   sem_release    on a host that sets thread_wake, that host's
 *                  thread_wake_s of CPU work when the release wakes a parked
 *                  task (the first releaser to claim it); otherwise free
 *   chan_send      (RT_FRAME_HEADER_BYTES + bytes) / bandwidth share, whether
 *                  or not a receiver is waiting, and meanwhile the copy,
 *                  (header + bytes) x send_cpu_s_per_byte
 *                  + send_cpu_s_per_frame of CPU work: the
 *                  send ends when both have; the receiver gets the frame
 *                  latency_s after its last byte left (a stream pays the
 *                  latency once, not once per record).  A transfer alone
 *                  on its direction is a timed wait of the same length
 *                  (struct link_dir in sim_runtime.c)
 *   chan_send_ahead  chan_send's costs and dates, but a frame that would
 *                  be alone on its direction (and whose copy is a wait) is
 *                  not waited for: the task's next call of any op waits
 *                  until the frame's end first, so a stream of records is one
 *                  wait (sim_runtime.c, settle_task); the receiver gets each
 *                  frame at chan_send's date
 *   chan_recv      waiting for the frame, then its copy, (header + bytes) x
 *                  recv_cpu_s_per_byte + recv_cpu_s_per_frame of CPU work on
 *                  the receiver's host
 *   waits          until the object is signalled (mutex, event, sem, barrier)
 *
 * Determinism: the same calls give bit-identical times, in any run of the
 * process, as long as the process has simulated less than 18 h in total
 * (SimGrid's clock only goes forward; see run_start() in sim_runtime.c).
 * Times have a resolution of 2^-36 s (15 ps).
 *
 * Threading: SimGrid is process-global, so runs never overlap or nest.
 * Objects (mutex, event, sem, barrier, channel) may be made and freed
 * outside a run; every other rt entry point must be called by a task of the
 * run in progress.
 */
#ifndef SWITCHOVER_SIM_RUNTIME_H
#define SWITCHOVER_SIM_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime.h"

/* The most cores a host may have (the platform has one pstate per count). */
#define SIM_MAX_CORES 1024
/* The speed of one core, flops/s: a power of two, so that CPU seconds
 * convert to flops and back exactly. */
#define SIM_CORE_FLOPS 1073741824.0

/* One end's machine. */
struct sim_host_config {
	unsigned cores;             /* 0: unlimited (CPU work never waits for a core) */
	double send_cpu_s_per_byte; /* CPU per byte a task on this host sends; >= 0 */
	double recv_cpu_s_per_byte; /* CPU per byte a task on this host receives; >= 0 */
	double wake_latency_s;      /* added to every sleep > 0 of a task here; >= 0 */
	double task_cpu_s;    /* CPU of each task here, half as it starts, half as it ends; >= 0 */
	double sleep_cpu_s;   /* CPU each sleep > 0 of a task here costs it, as it wakes; >= 0 */
	double unblock_cpu_s; /* CPU a task here that blocked on a semaphore, lock or event
	                       * spends as it resumes; >= 0 */
	double send_cpu_s_per_frame; /* CPU per frame a task on this host sends; >= 0 */
	double recv_cpu_s_per_frame; /* CPU per frame a task on this host receives; >= 0 */
	/* A spawn or a wake (that wakes a parked task) by a task on this host:
	 * its CPU is thread_create_s / thread_wake_s here when has_* is set
	 * (else the runtime's), then the caller waits *_wait_s (no CPU, no wake
	 * latency) after the task was started or the semaphore released. */
	bool has_thread_create, has_thread_wake;
	double thread_create_s, thread_wake_s;           /* >= 0 */
	double thread_create_wait_s, thread_wake_wait_s; /* >= 0 */
	/* The thread library's stack cache of this host's process (one for
	 * both ends on a shared host): a joined task's stack is kept, up to
	 * thread_stack_cache of them; a spawn takes one if any is free, else
	 * maps a new one, which costs its caller thread_create_new_stack_s of
	 * CPU more (the caller's host's; 0: nothing).  Empty as each run
	 * starts. */
	double thread_create_new_stack_s; /* >= 0 */
	unsigned thread_stack_cache;
};

struct sim_runtime_config {
	double bandwidth_Bps;   /* link bandwidth, bytes/s, each direction; > 0 */
	double latency_s;       /* one-way link latency; >= 0 */
	double thread_create_s; /* charged to the caller of spawn; >= 0 */
	double thread_join_s;   /* charged to the caller of join, after the task ended; >= 0 */
	double thread_wake_s;   /* charged to the caller of a wake that wakes a parked task,
	                         * before the release; >= 0 */
	struct sim_host_config host[2]; /* [RT_SIDE_SRC], [RT_SIDE_DST]; zero: unlimited, free */
	/* One machine plays both ends: every task runs on the source host's
	 * cores (host[RT_SIDE_SRC].cores), each with its own side's CPU costs. */
	bool shared_host;
};

/*
 * Actor-level operations this rt performed over all its runs, so that a
 * benchmark can replay the same amount of work on bare SimGrid
 * (bench_bare_simgrid) and compare.  Only operations that reach SimGrid count.
 */
struct sim_runtime_stats {
	uint64_t spawns;   /* actors started, the root task of every run included */
	uint64_t joins;    /* sg_actor_join calls */
	uint64_t sleeps;   /* sg_actor_sleep_for calls, spawn/join charges included */
	uint64_t sends;    /* frames sent: one transfer each (see alone) */
	uint64_t recvs;    /* frames received (a wait only when none was queued) */
	uint64_t sync_ops; /* mutex/sem/barrier/cond calls made for mutex, event, sem, barrier */
	uint64_t computes; /* executions started on a host with limited cores */
	uint64_t alone;    /* of `sends`, begun alone on the link direction: a timed wait */
	uint64_t cut;      /* of `alone`, cut by a later transfer (the rest through SimGrid) */
	uint64_t ahead;    /* of `alone`, sent ahead (chan_send_ahead): no wait of their own */
	uint64_t ahead_overlaps; /* transfers or channels begun on a direction during a run
	                          * ahead: the caller broke chan_send_ahead's promise (0) */
	/* of `spawns` by a task, those that found no free stack in the cache */
	uint64_t new_stacks;
};

/*
 * Initialise SimGrid and load the two-host platform, once per process; later
 * calls return the first call's result.  Logging is set to critical only.
 * Returns 0, or -1 when the platform file could not be written.  SimGrid
 * aborts the process on errors of its own (a broken installation).
 */
int sim_runtime_global_init(void);

/* A runtime with `cfg` (copied; checked by sim_runtime_run).  NULL on ENOMEM.
 * Does not need SimGrid to be initialised. */
struct rt *sim_runtime_new(const struct sim_runtime_config *cfg);

/*
 * Run fn(arg) as the root task on the "src" host and drive the simulation
 * until every task of this run has ended.  now() is 0 when fn starts.
 * Initialises SimGrid if needed.  Returns 0, or:
 *   -EDEADLK  tasks were left blocked forever; err names each of them and
 *             what it was blocked in.  SimGrid has killed them (their
 *             functions never return), so their own allocations are lost;
 *             every object of this runtime stays valid and must be freed
 *             as usual.  The next run works normally.
 *   -EINVAL   the configuration is invalid (err says which field);
 *   -EBUSY    a run is already in progress in this process;
 *   -ENOMEM, -EIO  the root task could not be created / SimGrid could not
 *             be initialised.
 * err (may be NULL) receives a one-line message; "" on success.
 */
int sim_runtime_run(struct rt *rt, rt_task_fn fn, void *arg, char *err, size_t errlen);

void sim_runtime_get_stats(const struct rt *rt, struct sim_runtime_stats *out);

/* Free a runtime between runs (never during one).  NULL is allowed. */
void sim_runtime_free(struct rt *rt);

/*
 * Where the sim's CPU goes, for benchmarks that compare it with the real
 * world's (bench_agreement --task-cpu): while `fn` is set, every task calls
 * it as it ends with its name and the CPU work it was charged (task_cpu,
 * spawns, wakes, copies, frames, device calls, unblocks; CPU work on a host
 * with unlimited cores included).  A task killed before it ends (a failed
 * run) is not counted.  NULL (the default) turns it off.  Not thread-safe:
 * set it before runs, from one thread.
 */
void sim_runtime_cpu_hook(void (*fn)(const char *task, double cpu_s));

/*
 * CPU work as it is done, for observers that cut a run into intervals
 * (bench_agreement --window-cpu): fn(task name, its side, cpu_s) for each piece of
 * CPU work of a task (every charge counted by sim_runtime_cpu_hook) as it
 * is done, so that the pieces reported by a given moment add up to the work
 * done by then: a charge is reported whole when its wait ends, and
 * sim_runtime_cpu_flush() reports the part done so far of every charge in
 * progress (on a host with cores, what SimGrid's CPU model has executed of
 * it: n executions on c cores each run at min(1, c / n) cores, its max-min
 * sharing of executions bounded to one core, followed from each start and
 * end of an execution; on a host without cores, the time since it began,
 * at one core's speed), the rest coming at its end or at a later flush.  A
 * piece is thus always CPU done between the previous flush and the moment
 * it is reported.  NULL (the default) turns it off, and then no charge is
 * tracked.  Not thread-safe: set it before runs, from one thread.
 */
void sim_runtime_cpu_progress_hook(void (*fn)(const char *task, enum rt_side side, double cpu_s));
/* The largest error of the progress above against SimGrid's executions
 * (seconds; 0 when it follows SimGrid exactly), since the hook was last
 * set to a function: the work of an execution not yet counted done when it
 * ended, or how long before its end one that its task waited for at once
 * was counted done.  For tests. */
double sim_runtime_cpu_progress_error(void);
/* With the progress hook set, report the part done so far of every charge
 * in progress; called by a task of the run in progress (e.g. from a trace
 * observer, trace_on_add).  Outside a run, nothing. */
void sim_runtime_cpu_flush(void);
/* The sim's side of a struct cpu_phases (models/cpu_phases.h): from now on
 * every task's CPU goes to cp's phase in progress as it is done (the
 * progress hook; the kind is the task's name after its side, "src root",
 * "dst multifd0"), and sim_runtime_cpu_phases_flush, cp's flush function
 * (cpu_phases_init), reports what is in progress at each of its marks.
 * NULL detaches (and turns the progress hook off). */
struct cpu_phases;
void sim_runtime_cpu_phases(struct cpu_phases *cp);
void sim_runtime_cpu_phases_flush(struct cpu_phases *cp, int next);

#endif
