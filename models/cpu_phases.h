/*
 * cpu_phases.h - the CPU a run spends inside each phase of its downtime, by
 * thread kind (bench_agreement --window-cpu).
 *
 * The downtime [source VM stop, destination VM running] is cut at the
 * trace's marks into four phases (each a union of consecutive phases of
 * summary.h, so that the two tables line up):
 *   stop      VM stop -> final query end (src_prepare, src_main, final_query)
 *   stopcopy  final query end -> stop-copy sent (stopcopy)
 *   load      stop-copy sent -> destination VM start (dst_load)
 *   start     VM start -> VM running (dst_prepare, dst_main)
 * with "run" before the stop and "after" past the VM running.  A world
 * reports its CPU as it is spent (cpu_phases_charge: a thread or task name,
 * seconds of CPU, the phase it was spent in); cpu_phases_event, given every
 * trace event as it is added (trace_on_add), moves the phase on at each
 * mark, after asking the world (the flush function) to report everything
 * spent until then, so that no charge straddles a mark.  Phases only move
 * forward: a mark that comes after a later one (the real world's source and
 * destination add theirs on different threads) is counted in
 * late_marks and otherwise ignored, and a phase skipped over has length 0.
 *
 * Names become kinds (cpu_kind_of, as rtp_cpu_add's): every run of digits
 * is "N" ("vfio-vf12-save" -> "vfio-vfN-save").  Charges may come from concurrent
 * threads (real world); events are serialised with each other.
 */
#ifndef SWITCHOVER_CPU_PHASES_H
#define SWITCHOVER_CPU_PHASES_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "trace.h"

enum cpu_phase {
	CPU_PHASE_RUN = 0, /* run start -> VM stop */
	CPU_PHASE_STOP,
	CPU_PHASE_STOPCOPY,
	CPU_PHASE_LOAD,
	CPU_PHASE_START,
	CPU_PHASE_AFTER, /* VM running -> run end */
	CPU_PHASE_COUNT
};
const char *cpu_phase_name(enum cpu_phase p); /* "stopcopy" */
/* A thread's or task's kind: its name with every run of digits as "N",
 * cut to size - 1 bytes ("vfio-vf12-save" -> "vfio-vfN-save"). */
void cpu_kind_of(const char *name, char *kind, size_t size);
/* A task's name as both worlds charge it to the phases: its end, then its
 * name ("dst vfio-vf3-load"), cut to size - 1 bytes. */
void cpu_task_name(bool dst, const char *name, char *out, size_t size);
/* The phase event e starts (CPU_PHASE_STOP .. CPU_PHASE_AFTER), or -1. */
int cpu_phase_started_by(const struct trace_event *e);

struct cpu_phase_kind {
	char kind[48];
	double cpu_s[CPU_PHASE_COUNT];
};

struct cpu_phases;
/* Report all CPU spent until now (cpu_phases_charge) before the phase
 * becomes `next`.  The real world's flush charges each thread's CPU since
 * the last flush to the phase that ends, and moves its own phase to `next`
 * at the same instant (see rtp_cpu_mark). */
typedef void cpu_phases_flush_fn(struct cpu_phases *cp, int next);

struct cpu_phases {
	pthread_mutex_t lock;       /* the kinds */
	pthread_mutex_t event_lock; /* one event at a time */
	int phase;                  /* in progress */
	double t[CPU_PHASE_COUNT];  /* run time each phase began (trace time), NAN: not reached */
	unsigned late_marks;        /* marks that came after a later phase had begun */
	struct cpu_phase_kind *kinds;
	size_t n, cap;
	int oom; /* a kind could not be added: the table is incomplete */
	cpu_phases_flush_fn *flush;
	void *arg; /* the flush's */
};

/* An empty table in phase "run"; flush may be NULL (nothing to report). */
int cpu_phases_init(struct cpu_phases *cp, cpu_phases_flush_fn *flush, void *arg);
void cpu_phases_free(struct cpu_phases *cp);
/* Add cpu_s seconds of `name`'s CPU to its kind in `phase`. */
void cpu_phases_charge(struct cpu_phases *cp, int phase, const char *name, double cpu_s);
/* A trace_on_add observer (arg: the struct cpu_phases). */
void cpu_phases_event(void *cp, const struct trace_event *e);
/* Length of phase p in seconds: from its start to the start of the next
 * phase reached; NAN if p or no later phase was reached. */
double cpu_phases_length(const struct cpu_phases *cp, enum cpu_phase p);

#endif
