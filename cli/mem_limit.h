/*
 * mem_limit.h - how much memory a sim, real or sweep command will need,
 * estimated before any work starts, and the memory it may have: a command
 * that cannot fit is refused with the estimate instead of being ended by
 * the OOM killer hours later (issue 17; docs/reliability.md, "Memory").
 *
 * The estimate counts what the commands keep: every run's summary (and its
 * per-device attribution) until the end, a sweep's point records (with the
 * traces it keeps), the result file's /summary rows, and the peak of one
 * run in progress (its trace, its tasks' stacks, the engine's per-device
 * state).  The per-device and per-record constants were measured
 * (docs/reliability.md) and rounded up.
 */
#ifndef SWITCHOVER_CLI_MEM_LIMIT_H
#define SWITCHOVER_CLI_MEM_LIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scenario.h"
#include "sweep.h"

enum mem_world { MEM_WORLD_SIM = 0, MEM_WORLD_REAL };

/* An estimate, in bytes, by what the memory holds. */
struct mem_need {
	uint64_t program; /* the program itself (libraries, SimGrid's platform) */
	uint64_t kept;    /* results kept until the command ends (every run) */
	uint64_t run;     /* a run in progress, at its peak, in this process */
	uint64_t workers; /* other processes (sweep -j): all of them */
	uint64_t runs;    /* how many runs `kept` is for */
	/* The largest process's tasks alive at once (sim actors, real
	 * threads) and their stacks, reserved whole: address space, of which
	 * the pages a task touches are counted in `run`. */
	uint64_t tasks;
	uint64_t stacks;
	/* Address space of the largest process (this one or a worker): its
	 * memory plus `stacks`. */
	uint64_t address;
};

/* Trace events one run of `s` records at most (the estimate). */
uint64_t mem_run_events(const struct scenario *s);
/* The peak of one run of `s` in progress: its trace, tasks and devices. */
uint64_t mem_run_peak(const struct scenario *s, enum mem_world w);
/* `sim`/`real`: n_strategies x s->runs runs, with a result file or not. */
void mem_estimate_runs(const struct scenario *s, enum mem_world w, size_t n_strategies, bool output,
                       struct mem_need *out);
/* `sweep`: every point of the plan (its traces as pl->traces says), in
 * this process (jobs 1) or in `jobs` worker processes. */
void mem_estimate_study(const struct sweep_plan *pl, unsigned jobs, bool output,
                        struct mem_need *out);

/* Memory for this process and its children. */
uint64_t mem_need_total(const struct mem_need *n);

/* What the command may use: the smallest of MemAvailable (/proc/meminfo)
 * and, when set, RLIMIT_AS and RLIMIT_DATA less what this process already
 * uses; `source` names it.  SWITCHOVER_MEM_AVAILABLE=BYTES in the
 * environment replaces MemAvailable (tests, or a machine shared with jobs
 * to come).  UINT64_MAX when nothing is known. */
struct mem_avail {
	uint64_t machine; /* for mem_need_total() */
	const char *machine_source;
	uint64_t address; /* for mem_need.address */
	const char *address_source;
};
void mem_available(struct mem_avail *a);

/* 0 when `need` fits `avail`; else -1 with err saying how much `what` ("this
 * sim", "this study") needs, of what, and what is available. */
int mem_check(const struct mem_need *need, const struct mem_avail *avail, const char *what,
              char *err, size_t errlen);

#endif
