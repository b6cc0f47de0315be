/*
 * test_mem_limit.c - the memory estimates of sim, real and sweep (exact
 * numbers for given scenarios and studies), the memory available (the
 * environment override, RLIMIT_AS) and the refusal's message.
 */
#include <CUnit/CUnit.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mem_limit.h"
#include "scenario_load.h"
#include "store.h"
#include "study.h"
#include "summary.h"
#include "sweep.h"
#include "test_util.h"
#include "trace.h"

#define MIB ((uint64_t)1 << 20)

static struct scenario *load(const char *const *sets, size_t n)
{
	struct scenario *s = NULL;
	char err[1024];
	int rc =
	    scenario_load_file(test_src_path("scenarios/null.yaml"), sets, n, &s, err, sizeof err);
	if (rc)
		fprintf(stderr, "\n%s\n", err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	return s;
}

/* null.yaml with 8 devices of 10 MiB in 1 MiB chunks: 80 records. */
static const char *const eight[] = {"devices.count=8", "devices.state_size=10MiB",
                                    "migration.chunk_size=1MiB"};

static void test_run_estimate(void)
{
	struct scenario *s = load(eight, 3);
	CU_ASSERT_EQUAL(scenario_run_records(s), 80.0);
	/* 2 events per record, 128 per device, 1024 per run */
	CU_ASSERT_EQUAL(mem_run_events(s), 2 * 80 + 128 * 8 + 1024);
	uint64_t events = 2208, per_device = 256 + 65536;
	uint64_t sim = 2 * events * sizeof(struct trace_event) + 8 * per_device;
	CU_ASSERT_EQUAL(mem_run_peak(s, MEM_WORLD_SIM), sim);
	/* real: each device's 64 KiB buffer and two records in flight */
	CU_ASSERT_EQUAL(mem_run_peak(s, MEM_WORLD_REAL), sim + 8 * (65536 + 2 * MIB));

	struct mem_need n;
	uint64_t run_kept = sizeof(struct run_summary) + 8 * sizeof(struct device_attribution) + 64;
	mem_estimate_runs(s, MEM_WORLD_SIM, 1, false, &n);
	CU_ASSERT_EQUAL(n.program, 64 * MIB);
	CU_ASSERT_EQUAL(n.runs, 3);
	CU_ASSERT_EQUAL(n.kept, 3 * run_kept);
	CU_ASSERT_EQUAL(n.run, sim);
	CU_ASSERT_EQUAL(n.workers, 0);
	CU_ASSERT_EQUAL(mem_need_total(&n), 64 * MIB + 3 * run_kept + sim);
	/* per-pass threads: one task with a 256 KiB stack per device */
	CU_ASSERT_EQUAL(n.tasks, 8);
	CU_ASSERT_EQUAL(n.stacks, 8 * 256 * 1024);
	CU_ASSERT_EQUAL(n.address, mem_need_total(&n) + 8 * 256 * 1024);
	/* real: and each emulated device's data thread on each end (128 KiB) */
	mem_estimate_runs(s, MEM_WORLD_REAL, 1, false, &n);
	CU_ASSERT_EQUAL(n.tasks, 8 * 3);
	CU_ASSERT_EQUAL(n.stacks, 8 * (256 + 2 * 128) * 1024);
	CU_ASSERT_EQUAL(n.address, mem_need_total(&n) + n.stacks);
	/* every strategy, 1000 runs, a result file: its /summary rows too */
	s->runs = 1000;
	mem_estimate_runs(s, MEM_WORLD_SIM, 3, true, &n);
	CU_ASSERT_EQUAL(n.runs, 3000);
	CU_ASSERT_EQUAL(n.kept, 3000 * (run_kept + results_summary_row_size()));
	/* the pool: a worker per device on each end */
	s->threads = THREADS_POOL;
	mem_estimate_runs(s, MEM_WORLD_SIM, 3, true, &n);
	CU_ASSERT_EQUAL(n.tasks, 2 * 8);
	CU_ASSERT_EQUAL(n.stacks, 2 * 8 * 256 * 1024);
	CU_ASSERT_EQUAL(n.address, mem_need_total(&n) + 2 * 8 * 256 * 1024);
	scenario_free(s);
}

/* The example: 65,536 devices x 1,000,000 runs. */
static void test_too_large_refused(void)
{
	static const char *const big[] = {"devices.count=65536", "runs=1000000"};
	struct scenario *s = load(big, 2);
	struct mem_need n;
	mem_estimate_runs(s, MEM_WORLD_SIM, 1, true, &n);
	uint64_t run_kept = sizeof(struct run_summary) + 65536 * sizeof(struct device_attribution) +
	                    64 + results_summary_row_size();
	CU_ASSERT_EQUAL(n.kept, 1000000 * run_kept);
	CU_ASSERT(n.kept > ((uint64_t)4 << 40)); /* over 4 TiB */
	struct mem_avail a = {.machine = (uint64_t)64 << 30,
	                      .machine_source = "MemAvailable in /proc/meminfo",
	                      .address = UINT64_MAX};
	char err[1024];
	CU_ASSERT_EQUAL(mem_check(&n, &a, "this sim", err, sizeof err), -1);
	char want[128];
	snprintf(want, sizeof want, "this sim needs about %.2f TiB",
	         (double)mem_need_total(&n) / (double)((uint64_t)1 << 40));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
	if (!strstr(err, want))
		fprintf(stderr, "\n  '%s' not in: %s\n", want, err);
	snprintf(want, sizeof want, "(%llu bytes)", (unsigned long long)mem_need_total(&n));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "the results of 1000000 runs kept until the end"));
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(err, "64.0 GiB is available (MemAvailable in /proc/meminfo)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "--no-memory-check"));
	/* the stacks: 65,536 tasks of 256 KiB, address space, not memory */
	CU_ASSERT_EQUAL(n.tasks, 65536);
	CU_ASSERT_EQUAL(n.stacks, (uint64_t)16 << 30);
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(err, "(and the stacks of 65536 tasks reserve 16.0 GiB of address space)"));
	/* exactly what is needed fits; a byte less does not */
	a.machine = mem_need_total(&n);
	CU_ASSERT_EQUAL(mem_check(&n, &a, "this sim", err, sizeof err), 0);
	a.machine--;
	CU_ASSERT_EQUAL(mem_check(&n, &a, "this sim", err, sizeof err), -1);
	/* the address space (RLIMIT_AS) counts the stacks too */
	a.machine = UINT64_MAX;
	a.address = n.address - 1;
	a.address_source = "RLIMIT_AS (ulimit -v) less the address space in use";
	CU_ASSERT_EQUAL(mem_check(&n, &a, "this sim", err, sizeof err), -1);
	snprintf(want, sizeof want, "(%llu bytes of address space)", (unsigned long long)n.address);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
	/* ... which the breakdown's parts add up to, the stacks among them */
	CU_ASSERT_EQUAL(n.address, n.kept + n.run + n.program + n.stacks);
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(err, "for the program, 16.0 GiB for the stacks of 65536 tasks;"));
	if (!strstr(err, "for the stacks of 65536 tasks;"))
		fprintf(stderr, "\n  %s\n", err);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "RLIMIT_AS"));
	scenario_free(s);
}

/* A study keeps every point's record, with the traces it asks for. */
static void test_study_estimate(void)
{
	struct study *st = study_new();
	char err[1024];
	st->scenarios = g_new0(char *, 2);
	st->scenarios[0] = g_strdup(test_src_path("scenarios/null.yaml"));
	st->n_scenarios = 1;
	CU_ASSERT_EQUAL_FATAL(study_add_axis(st, "devices.count=1,8", err, sizeof err), 0);
	struct sweep_plan pl = {0};
	int rc = sweep_plan_build(&pl, st, eight + 1, 2, STUDY_TRACES_NONE, err, sizeof err);
	if (rc)
		fprintf(stderr, "\n%s\n", err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL_FATAL(pl.n_points, 2);
	uint64_t runs = pl.sc[0]->runs; /* null.yaml's 3, each point */
	struct mem_need none, all, jobs;
	mem_estimate_study(&pl, 1, false, &none);
	CU_ASSERT_EQUAL(none.runs, 2 * runs);
	uint64_t rec1 = runs *
	                (sizeof(struct run_summary) + 1 * sizeof(struct device_attribution) + 1),
	         rec8 = runs *
	                (sizeof(struct run_summary) + 8 * sizeof(struct device_attribution) + 1);
	CU_ASSERT_EQUAL(none.kept, rec1 + rec8 + 2 * runs * 64);
	/* one process: the larger point's run and its record being built */
	CU_ASSERT_EQUAL(none.run, mem_run_peak(pl.sc[1], MEM_WORLD_SIM) + 2 * rec8);
	/* every run's trace kept: each traced event with its strings */
	pl.traces = STUDY_TRACES_ALL;
	mem_estimate_study(&pl, 1, false, &all);
	uint64_t ev1 = mem_run_events(pl.sc[0]), ev8 = mem_run_events(pl.sc[1]);
	CU_ASSERT_EQUAL(all.kept - none.kept,
	                runs * (8 + ev1 * (sizeof(struct trace_event) + 40)) +
	                    runs * (8 + ev8 * (sizeof(struct trace_event) + 40)));
	/* -j 4: four workers, each with the program, a run and a record */
	mem_estimate_study(&pl, 4, false, &jobs);
	uint64_t rec8_all = rec8 + runs * (8 + ev8 * (sizeof(struct trace_event) + 40));
	CU_ASSERT_EQUAL(jobs.workers,
	                4 * (64 * MIB + mem_run_peak(pl.sc[1], MEM_WORLD_SIM) + 2 * rec8_all));
	CU_ASSERT_EQUAL(jobs.run, rec8_all);
	/* the largest point's stacks: 8 per-pass tasks */
	CU_ASSERT_EQUAL(jobs.tasks, 8);
	CU_ASSERT_EQUAL(jobs.stacks, 8 * 256 * 1024);
	CU_ASSERT_EQUAL(none.address, mem_need_total(&none) + 8 * 256 * 1024);
	sweep_plan_free(&pl);
	study_free(st);
}

static void test_available(void)
{
	struct mem_avail a;
	setenv("SWITCHOVER_MEM_AVAILABLE", "123456789", 1);
	mem_available(&a);
	CU_ASSERT_EQUAL(a.machine, 123456789);
	CU_ASSERT_STRING_EQUAL(a.machine_source, "SWITCHOVER_MEM_AVAILABLE");
	setenv("SWITCHOVER_MEM_AVAILABLE", "12x", 1); /* not a number: ignored */
	mem_available(&a);
	CU_ASSERT_STRING_EQUAL(a.machine_source, "MemAvailable in /proc/meminfo");
	CU_ASSERT(a.machine > 0 && a.machine != UINT64_MAX);
	unsetenv("SWITCHOVER_MEM_AVAILABLE");
	/* RLIMIT_AS, in a child: the limit less the address space in use */
	pid_t pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		struct mem_avail c;
		mem_available(&c);
		uint64_t before = c.address;
		FILE *f = fopen("/proc/self/statm", "r");
		unsigned long long pages = 0;
		if (!f || fscanf(f, "%llu", &pages) != 1)
			_exit(3);
		fclose(f);
		uint64_t vm = pages * (uint64_t)sysconf(_SC_PAGESIZE);
		struct rlimit rl = {vm + 64 * MIB, vm + 64 * MIB};
		if (setrlimit(RLIMIT_AS, &rl))
			_exit(4);
		mem_available(&c);
		_exit(before == UINT64_MAX && c.address <= 64 * MIB && c.address >= 32 * MIB &&
		              strstr(c.address_source, "RLIMIT_AS")
		          ? 0
		          : 1);
	}
	int status;
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

void register_tests(void)
{
	TEST_SUITE("mem_limit", TEST(test_run_estimate), TEST(test_too_large_refused),
	           TEST(test_study_estimate), TEST(test_available));
}
