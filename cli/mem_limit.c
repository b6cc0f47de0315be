/*
 * mem_limit.c - memory estimates of sim, real and sweep, and the memory
 * they may have (mem_limit.h).
 */
#include "mem_limit.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "store.h"
#include "summary.h"
#include "trace.h"
#include "units.h"

/* The constants below were measured on cx7 scenarios (docs/reliability.md,
 * "Memory") and rounded up: an estimate that refuses a run which would
 * have fitted costs a --no-memory-check; one that lets an OOM through costs
 * the run. */

/* The program before any run: libraries, SimGrid and its platform (46 MiB
 * measured, resident, for a 16-device sim run). */
#define MEM_PROGRAM ((uint64_t)64 << 20)
/* Trace events per run: each record is loaded on the destination between
 * two events; each device adds its arcs, handlers, threads, queries and
 * QMP events (73 measured per cx7 device with 16 MiB chunks, 2 records
 * each); a run adds its marks, rounds and passes. */
#define MEM_EVENTS_PER_RECORD 2
#define MEM_EVENTS_PER_DEVICE 128
#define MEM_EVENTS_PER_RUN    1024
/* The trace's array doubles when full: up to twice its events. */
#define MEM_TRACE_SLACK 2
/* Interned task names of a device's tasks (name and hash-table entry). */
#define MEM_STRINGS_PER_DEVICE 256
/* Tasks alive at once per device, each with a 256 KiB stack
 * (sim_runtime.c, rt_pthread.c) of which little is touched: with the pool,
 * a worker on each end (2,000 devices: 518 KiB of address space per
 * device at the peak); per-pass threads, one (parallel: 270 KiB). */
#define MEM_TASKS_PER_DEVICE_POOL     2
#define MEM_TASKS_PER_DEVICE_PER_PASS 1
#define MEM_STACK_BYTES               ((uint64_t)256 << 10)
/* real: an emulated device's data thread on each end while its state
 * moves, each with a 128 KiB stack (devices/emu.c). */
#define MEM_REAL_DATA_THREADS     2
#define MEM_REAL_DATA_STACK_BYTES ((uint64_t)128 << 10)
/* Engine state and touched stack pages per device, beyond its trace
 * events (about 25 KiB measured at 2,000 parallel devices). */
#define MEM_DEVICE_BYTES ((uint64_t)64 << 10)
/* real: each emulated device's 64 KiB I/O buffer, and records in flight
 * (copied into the channel, being written on the other end). */
#define MEM_REAL_DEVICE_BYTES ((uint64_t)64 << 10)
#define MEM_REAL_RECORDS      2
/* Per run kept by the command line: the sorted copies of its figures the
 * aggregates and the text table make. */
#define MEM_RUN_AGGREGATE 64
/* A sweep record's traced event: the event, its task and text as lengths
 * and bytes (sweep_record.c). */
#define MEM_RECORD_EVENT (sizeof(struct trace_event) + 40)

static uint64_t clamp(double v)
{
	return v >= 0x1p64 ? UINT64_MAX : v <= 0 ? 0 : (uint64_t)v;
}

static uint64_t add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

uint64_t mem_run_events(const struct scenario *s)
{
	return clamp(MEM_EVENTS_PER_RECORD * scenario_run_records(s) +
	             (double)MEM_EVENTS_PER_DEVICE * (double)scenario_device_count(s) +
	             MEM_EVENTS_PER_RUN);
}

uint64_t mem_run_peak(const struct scenario *s, enum mem_world w)
{
	double n = (double)scenario_device_count(s);
	double bytes = (double)MEM_TRACE_SLACK * (double)mem_run_events(s) *
	                   (double)sizeof(struct trace_event) +
	               n * (MEM_STRINGS_PER_DEVICE + (double)MEM_DEVICE_BYTES);
	if (w == MEM_WORLD_REAL)
		bytes +=
		    n * ((double)MEM_REAL_DEVICE_BYTES + MEM_REAL_RECORDS * (double)s->chunk_bytes);
	return clamp(bytes);
}

/* The tasks of a run of `s` alive at once and their stacks' bytes. */
static void stacks(const struct scenario *s, enum mem_world w, uint64_t *tasks, uint64_t *bytes)
{
	double n = (double)scenario_device_count(s);
	double per_device =
	    s->threads == THREADS_POOL ? MEM_TASKS_PER_DEVICE_POOL : MEM_TASKS_PER_DEVICE_PER_PASS;
	double b = n * per_device * (double)MEM_STACK_BYTES;
	if (w == MEM_WORLD_REAL) {
		per_device += MEM_REAL_DATA_THREADS;
		b += n * MEM_REAL_DATA_THREADS * (double)MEM_REAL_DATA_STACK_BYTES;
	}
	*tasks = clamp(n * per_device);
	*bytes = clamp(b);
}

/* One run's summary as the command keeps it until the end. */
static double run_kept(const struct scenario *s)
{
	return (double)sizeof(struct run_summary) +
	       (double)scenario_device_count(s) * (double)sizeof(struct device_attribution);
}

uint64_t mem_need_total(const struct mem_need *n)
{
	return add(add(add(n->program, n->kept), n->run), n->workers);
}

void mem_estimate_runs(const struct scenario *s, enum mem_world w, size_t n_strategies, bool output,
                       struct mem_need *out)
{
	double runs = (double)n_strategies * s->runs;
	double per_run =
	    run_kept(s) + MEM_RUN_AGGREGATE + (output ? (double)results_summary_row_size() : 0);
	*out = (struct mem_need){.program = MEM_PROGRAM,
	                         .kept = clamp(runs * per_run),
	                         .run = mem_run_peak(s, w),
	                         .runs = clamp(runs)};
	stacks(s, w, &out->tasks, &out->stacks);
	out->address = add(mem_need_total(out), out->stacks);
}

/* Bytes of point p's record (sweep_record.c): every run's summary, and the
 * traces the study keeps. */
static double point_record(const struct sweep_plan *pl, size_t p)
{
	enum strategy_kind list[STRATEGY_COUNT];
	const struct scenario *s = pl->sc[p];
	double strategies = (double)sweep_plan_strategies(pl, p, list);
	double traced = pl->traces == STUDY_TRACES_ALL     ? s->runs
	                : pl->traces == STUDY_TRACES_FIRST ? 1
	                                                   : 0;
	double trace = 8 + (double)mem_run_events(s) * (double)MEM_RECORD_EVENT;
	return strategies * ((run_kept(s) + 1) * s->runs + traced * trace);
}

void mem_estimate_study(const struct sweep_plan *pl, unsigned jobs, bool output,
                        struct mem_need *out)
{
	double kept = 0, runs = 0, rec_max = 0, worker_max = 0;
	uint64_t tasks_max = 0, stacks_max = 0;
	double row = (double)MEM_RUN_AGGREGATE + (output ? (double)results_summary_row_size() : 0);
	for (size_t p = 0; p < pl->n_points; p++) {
		enum strategy_kind list[STRATEGY_COUNT];
		const struct scenario *s = pl->sc[p];
		double n = (double)sweep_plan_strategies(pl, p, list) * s->runs;
		double rec = point_record(pl, p);
		/* a record is built in an array that doubles, then copied */
		double worker = (double)mem_run_peak(s, MEM_WORLD_SIM) + 2 * rec;
		kept += rec + n * row;
		runs += n;
		rec_max = fmax(rec_max, rec);
		worker_max = fmax(worker_max, worker);
		uint64_t tasks, bytes;
		stacks(s, MEM_WORLD_SIM, &tasks, &bytes);
		if (bytes > stacks_max) {
			stacks_max = bytes;
			tasks_max = tasks;
		}
	}
	*out = (struct mem_need){.program = MEM_PROGRAM,
	                         .kept = clamp(kept),
	                         .runs = clamp(runs),
	                         .tasks = tasks_max,
	                         .stacks = stacks_max};
	if (jobs > 1) {
		/* the points run in the workers; this process decodes one at a
		 * time into the result file */
		out->run = clamp(rec_max);
		out->workers = clamp(jobs * ((double)MEM_PROGRAM + worker_max));
		out->address =
		    (uint64_t)fmax((double)add(add(MEM_PROGRAM, out->kept), out->run),
		                   (double)MEM_PROGRAM + worker_max + (double)stacks_max);
	} else {
		out->run = clamp(worker_max);
		out->address = add(mem_need_total(out), stacks_max);
	}
}

/* MemAvailable of /proc/meminfo in bytes, or UINT64_MAX. */
static uint64_t meminfo_available(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	unsigned long long kib;
	uint64_t v = UINT64_MAX;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "MemAvailable: %llu kB", &kib) == 1) {
			v = (uint64_t)kib * 1024;
			break;
		}
	if (f)
		fclose(f);
	return v;
}

/* This process's address space and data segment now (/proc/self/statm). */
static void self_usage(uint64_t *vm, uint64_t *data)
{
	unsigned long long size = 0, rss, shared, text, lib, dat = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f && fscanf(f, "%llu %llu %llu %llu %llu %llu", &size, &rss, &shared, &text, &lib,
	                &dat) != 6)
		size = dat = 0;
	if (f)
		fclose(f);
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	*vm = size * page;
	*data = dat * page;
}

void mem_available(struct mem_avail *a)
{
	*a = (struct mem_avail){.machine = meminfo_available(),
	                        .machine_source = "MemAvailable in /proc/meminfo",
	                        .address = UINT64_MAX,
	                        .address_source = NULL};
	const char *env = getenv("SWITCHOVER_MEM_AVAILABLE");
	if (env && *env) {
		char *end;
		errno = 0;
		unsigned long long v = strtoull(env, &end, 10);
		if (!errno && !*end) {
			a->machine = v;
			a->machine_source = "SWITCHOVER_MEM_AVAILABLE";
		}
	}
	uint64_t vm, data;
	self_usage(&vm, &data);
	struct rlimit rl;
	if (!getrlimit(RLIMIT_AS, &rl) && rl.rlim_cur != RLIM_INFINITY) {
		a->address = rl.rlim_cur > vm ? rl.rlim_cur - vm : 0;
		a->address_source = "RLIMIT_AS (ulimit -v) less the address space in use";
	}
	if (!getrlimit(RLIMIT_DATA, &rl) && rl.rlim_cur != RLIM_INFINITY) {
		uint64_t left = rl.rlim_cur > data ? rl.rlim_cur - data : 0;
		if (left < a->address) {
			a->address = left;
			a->address_source = "RLIMIT_DATA (ulimit -d) less the data in use";
		}
	}
}

int mem_check(const struct mem_need *need, const struct mem_avail *avail, const char *what,
              char *err, size_t errlen)
{
	uint64_t total = mem_need_total(need);
	bool machine = total > avail->machine;
	if (!machine && need->address <= avail->address)
		return 0;
	char t[32], k[32], r[32], g[32], w[32], a[32], st[32], stacks[160];
	units_format_bytes(machine ? total : need->address, t, sizeof t);
	units_format_bytes(need->kept, k, sizeof k);
	units_format_bytes(need->run, r, sizeof r);
	units_format_bytes(need->program, g, sizeof g);
	units_format_bytes(need->workers, w, sizeof w);
	units_format_bytes(machine ? avail->machine : avail->address, a, sizeof a);
	units_format_bytes(need->stacks, st, sizeof st);
	/* Reserved stacks are address space; the pages a task touches are
	 * part of the run in progress. */
	snprintf(stacks, sizeof stacks,
	         machine ? " (and the stacks of %llu tasks reserve %s of address space)"
	                 : ", %2$s for the stacks of %1$llu tasks",
	         (unsigned long long)need->tasks, st);
	snprintf(err, errlen,
	         "%s needs about %s (%llu bytes%s): %s for the results of %llu run%s kept until "
	         "the end, %s for a run in progress, %s for the program%s%s%s%s; %s is available "
	         "(%s): fewer runs, devices or kept traces, or --no-memory-check to try anyway",
	         what, t, (unsigned long long)(machine ? total : need->address),
	         machine ? "" : " of address space", k, (unsigned long long)need->runs,
	         need->runs == 1 ? "" : "s", r, g, need->workers ? ", " : "",
	         need->workers ? w : "", need->workers ? " for the worker processes" : "", stacks,
	         a, machine ? avail->machine_source : avail->address_source);
	return -1;
}
