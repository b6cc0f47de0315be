/*
 * test_store.c - the HDF5 result file (results/store.c): every field comes
 * back as written, runs of every strategy; a killed or aborted writer leaves
 * nothing under the final name; the reader rejects foreign, newer, damaged
 * and truncated files with a message naming the file and the object, and
 * never crashes on one.
 */
#include <fcntl.h>
#include <hdf5.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "migration.h"
#include "scenario_emit.h"
#include "scenario_load.h"
#include "sim_world.h"
#include "store.h"
#include "summary.h"
#include "test_util.h"

/* 2 runs under each strategy, then one hand-made failed run. */
#define RUNS_PER_STRATEGY 2
#define N_RUNS            (STRATEGY_COUNT * RUNS_PER_STRATEGY + 1)

struct fixture {
	struct scenario *s; /* as loaded: its strategy is the one in /scenario */
	struct trace tr[N_RUNS];
	struct run_summary sum[N_RUNS];
	enum strategy_kind strategy[N_RUNS];
	unsigned run[N_RUNS];
};

static struct fixture fx;
static char dir[64];

static const char *tmp_path(const char *name)
{
	return test_path_in(dir, name);
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* A failed run with strings HDF5 must keep apart: NULL, "", UTF-8. */
static void synthetic_run(size_t k)
{
	struct trace *tr = &fx.tr[k];
	struct run_summary *sum = &fx.sum[k];
	trace_init(tr);
	TRACE_ADD(tr, .t = 0, .kind = TRACE_RUN_BEGIN, .task = "migration");
	TRACE_ADD(tr, .t = 0.25, .kind = TRACE_ARC_BEGIN, .task = "vfio-deep0-prepare", .device = 0,
	          .side = 1, .pass = TRACE_PASS_MAIN, .from = 2, .to = 6, .text = "");
	TRACE_ADD(tr, .t = 0.5, .kind = TRACE_ERROR, .task = "load",
	          .text = "caf\xc3\xa9 \xe2\x86\x92 -5");
	TRACE_ADD(tr, .t = 1.0 / 3, .kind = TRACE_RUN_END, .task = "migration", .value = -5,
	          .text = "device deep0: injected failure");
	size_t n = scenario_device_count(fx.s);
	/* Field by field on zeroed memory: check_run compares whole structs. */
	memset(sum, 0, sizeof *sum);
	sum->status = -5;
	sum->downtime_s = NAN;
	sum->total_s = INFINITY;
	sum->precopy_rounds = 7;
	sum->forced_switchover = true;
	sum->precopy_bytes = UINT64_MAX;
	sum->stopcopy_bytes = 1;
	sum->threads_spawned = 3;
	sum->bound_s = -0.0;
	sum->serial_s = 1e-300;
	sum->efficiency = NAN;
	sum->acks_requested = 4;
	sum->acks_received = 3;
	sum->acks_sent = 2;
	sum->reinits_seen = 1;
	sum->ack_delay_s = 0.0625;
	sum->rounds_waiting_ack = 5;
	sum->rounds_added_by_reinit = 6;
	sum->recovery_s = NAN;
	sum->qmp_events = 8;
	sum->rdma_guards = 9;
	sum->rdma_misses = UINT32_MAX;
	sum->n_devices = n;
	snprintf(sum->error, sizeof sum->error, "device deep0: injected failure \xc3\xa9");
	snprintf(sum->switchover_reason, sizeof sum->switchover_reason, "forced: max iterations");
	for (int p = 0; p < PHASE_COUNT; p++)
		sum->phase_s[p] = p == 3 ? NAN : p * 0.125;
	for (int i = 0; i < INV_COUNT; i++) {
		sum->inv[i].held = i % 2;
		sum->inv[i].t = i + 0.5;
	}
	snprintf(sum->inv[0].first_violation, sizeof sum->inv[0].first_violation,
	         "source deep1 left PRE_COPY_P2P before deep0 reached P2P");
	sum->dev = calloc(n, sizeof *sum->dev);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sum->dev);
	for (size_t i = 0; i < n; i++) {
		sum->dev[i].src_prepare_s = i;
		sum->dev[i].src_main_s = 2.0 * i;
		sum->dev[i].load_s = 0.5;
		sum->dev[i].dst_prepare_s = 1e-9;
		sum->dev[i].stopcopy_bytes = i << 20;
		sum->dev[i].total_s = 3.5 * i;
		sum->dev[i].event_lead_s = i % 2 ? NAN : -0.25 * i;
		sum->dev[i].rdma_miss = i % 2;
		sum->dev[i].qemu_save_s = i % 2 ? NAN : 1e-3 * i;
		sum->dev[i].qemu_load_s = 2e-3 * i;
	}
	fx.strategy[k] = STRATEGY_PARALLEL_BARRIER;
	fx.run[k] = 99;
}

static void fixture_build(void)
{
	if (fx.s)
		return;
	static const char *const sets[] = {"devices.count=2"};
	char err[1024];
	int rc = scenario_load_file(test_src_path("scenarios/demo/depths-stragglers.yaml"), sets, 1,
	                            &fx.s, err, sizeof err);
	if (rc)
		fprintf(stderr, "%s\n", err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	enum strategy_kind own = fx.s->strategy;
	size_t k = 0;
	for (int st = 0; st < STRATEGY_COUNT; st++) {
		fx.s->strategy = (enum strategy_kind)st;
		for (unsigned r = 0; r < RUNS_PER_STRATEGY; r++, k++) {
			struct mig_result res;
			trace_init(&fx.tr[k]);
			CU_ASSERT_EQUAL_FATAL(
			    sim_world_run(fx.s, r, &fx.tr[k], &res, err, sizeof err), 0);
			CU_ASSERT_EQUAL_FATAL(summary_from_trace(fx.s, &fx.tr[k], &res, &fx.sum[k]),
			                      0);
			fx.strategy[k] = (enum strategy_kind)st;
			fx.run[k] = r;
		}
	}
	fx.s->strategy = own;
	synthetic_run(k);
}

/* Write the fixture's runs (the first n) to path; 0 or -1. */
static int write_runs(const char *path, size_t n)
{
	fixture_build();
	struct results_writer *w;
	char err[1024];
	if (results_writer_open(&w, path, fx.s, "sim", "switchover test \"quoted\"", err,
	                        sizeof err)) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	enum strategy_kind own = fx.s->strategy;
	for (size_t k = 0; k < n; k++) {
		fx.s->strategy = fx.strategy[k];
		if (results_writer_add_run(w, fx.s, fx.run[k], &fx.tr[k], &fx.sum[k], err,
		                           sizeof err)) {
			fprintf(stderr, "%s\n", err);
			fx.s->strategy = own;
			results_writer_abort(w);
			return -1;
		}
	}
	fx.s->strategy = own;
	if (results_writer_finish(w, err, sizeof err)) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static bool same_bits(double a, double b)
{
	return memcmp(&a, &b, sizeof a) == 0;
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void check_run(const struct results_run *got, size_t k)
{
	const struct run_summary *a = &got->sum, *b = &fx.sum[k];
	CU_ASSERT_EQUAL(got->strategy, fx.strategy[k]);
	CU_ASSERT_EQUAL(got->run, fx.run[k]);
	CU_ASSERT_EQUAL(a->status, b->status);
	CU_ASSERT_STRING_EQUAL(a->error, b->error);
	CU_ASSERT(same_bits(a->downtime_s, b->downtime_s));
	CU_ASSERT(same_bits(a->total_s, b->total_s));
	CU_ASSERT(same_bits(a->bound_s, b->bound_s));
	CU_ASSERT(same_bits(a->serial_s, b->serial_s));
	CU_ASSERT(same_bits(a->efficiency, b->efficiency));
	for (int p = 0; p < PHASE_COUNT; p++)
		CU_ASSERT(same_bits(a->phase_s[p], b->phase_s[p]));
	CU_ASSERT_EQUAL(a->precopy_rounds, b->precopy_rounds);
	CU_ASSERT_EQUAL(a->forced_switchover, b->forced_switchover);
	CU_ASSERT_STRING_EQUAL(a->switchover_reason, b->switchover_reason);
	CU_ASSERT_EQUAL(a->precopy_bytes, b->precopy_bytes);
	CU_ASSERT_EQUAL(a->stopcopy_bytes, b->stopcopy_bytes);
	CU_ASSERT_EQUAL(a->threads_spawned, b->threads_spawned);
	for (int i = 0; i < INV_COUNT; i++) {
		CU_ASSERT_EQUAL(a->inv[i].held, b->inv[i].held);
		CU_ASSERT(same_bits(a->inv[i].t, b->inv[i].t));
		CU_ASSERT_STRING_EQUAL(a->inv[i].first_violation, b->inv[i].first_violation);
	}
	CU_ASSERT_EQUAL_FATAL(a->n_devices, b->n_devices);
	CU_ASSERT(memcmp(a->dev, b->dev, a->n_devices * sizeof *a->dev) == 0);
	/* Whole structs, bit for bit: a run_summary field added later and not
	 * stored fails here.  (Both sides start from zeroed memory.) */
	struct run_summary sx, sy;
	memcpy(&sx, a, sizeof sx);
	memcpy(&sy, b, sizeof sy);
	sx.dev = sy.dev = NULL;
	CU_ASSERT(memcmp(&sx, &sy, sizeof sx) == 0);

	const struct trace *x = &got->trace, *y = &fx.tr[k];
	CU_ASSERT_EQUAL_FATAL(x->n, y->n);
	size_t bad = 0;
	for (size_t i = 0; i < x->n; i++) {
		const struct trace_event *e = &x->ev[i], *f = &y->ev[i];
		bad += !same_bits(e->t, f->t) || !same_bits(e->value, f->value) ||
		       e->kind != f->kind || e->device != f->device || e->side != f->side ||
		       e->pass != f->pass || e->from != f->from || e->to != f->to ||
		       !same_str(e->task, f->task) || !same_str(e->text, f->text);
	}
	CU_ASSERT_EQUAL(bad, 0);
}

static void test_round_trip(void)
{
	const char *path = tmp_path("round.h5");
	CU_ASSERT_EQUAL_FATAL(write_runs(path, N_RUNS), 0);
	struct results *r;
	char err[1024];
	int rc = results_read(path, &r, err, sizeof err);
	if (rc)
		fprintf(stderr, "%s\n", err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL(r->schema_version, RESULTS_SCHEMA_VERSION);
	CU_ASSERT_STRING_EQUAL(r->backend, "sim");
	CU_ASSERT_STRING_EQUAL(r->scenario_name, "demo-depths-stragglers");
	CU_ASSERT_STRING_EQUAL(r->command_line, "switchover test \"quoted\"");
	CU_ASSERT_EQUAL(r->seed, fx.s->seed);
	CU_ASSERT(strlen(r->tool_version) > 0);
	CU_ASSERT(strlen(r->git_revision) > 0);
	CU_ASSERT(strlen(r->host) > 0);
	CU_ASSERT_EQUAL(strlen(r->start_time), 20); /* 2024-01-02T03:04:05Z */
	CU_ASSERT_EQUAL(r->start_time[10], 'T');
	CU_ASSERT_EQUAL(r->start_time[19], 'Z');
	CU_ASSERT_PTR_NOT_NULL_FATAL(r->scenario);
	CU_ASSERT(scenario_equal(r->scenario, fx.s));
	char *yaml = scenario_to_yaml(fx.s);
	CU_ASSERT_STRING_EQUAL(r->scenario_yaml, yaml);
	free(yaml);
	CU_ASSERT_EQUAL_FATAL(r->n_runs, N_RUNS);
	for (size_t k = 0; k < N_RUNS; k++)
		check_run(&r->runs[k], k);
	/* The barrier runs break an invariant: a real first-violation text. */
	CU_ASSERT(!r->runs[2 * RUNS_PER_STRATEGY].sum.inv[INV_P2P_BEFORE_NON_VFIO_MAIN].held);
	CU_ASSERT(strlen(r->runs[2 * RUNS_PER_STRATEGY]
	                     .sum.inv[INV_P2P_BEFORE_NON_VFIO_MAIN]
	                     .first_violation) > 0);
	results_free(r);

	/* From /summary: the same summaries but the first violations (no
	 * columns), the same devices, empty traces. */
	CU_ASSERT_EQUAL_FATAL(results_read_flags(path, RESULTS_READ_SUMMARY, &r, err, sizeof err),
	                      0);
	CU_ASSERT_EQUAL_FATAL(r->n_runs, N_RUNS);
	for (size_t k = 0; k < N_RUNS; k++) {
		struct run_summary want = fx.sum[k], *got = &r->runs[k].sum;
		CU_ASSERT_EQUAL(r->runs[k].strategy, fx.strategy[k]);
		CU_ASSERT_EQUAL(r->runs[k].run, fx.run[k]);
		CU_ASSERT_EQUAL(r->runs[k].trace.n, 0);
		CU_ASSERT_EQUAL_FATAL(got->n_devices, want.n_devices);
		CU_ASSERT(memcmp(got->dev, want.dev, got->n_devices * sizeof *got->dev) == 0);
		for (int i = 0; i < INV_COUNT; i++) {
			CU_ASSERT_STRING_EQUAL(got->inv[i].first_violation, "");
			CU_ASSERT_EQUAL(got->inv[i].t, 0);
			memset(want.inv[i].first_violation, 0, sizeof want.inv[i].first_violation);
			want.inv[i].t = 0;
		}
		want.dev = got->dev;
		CU_ASSERT(memcmp(&want, got, sizeof want) == 0);
	}
	results_free(r);
	unlink(path);
}

/* The phase table: the run's phases add up to the downtime, and every arc
 * of the downtime window is a row of its step's phase. */
static void test_phases_table(void)
{
	const char *path = tmp_path("phases.h5");
	CU_ASSERT_EQUAL_FATAL(write_runs(path, 1), 0);
	hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	CU_ASSERT_FATAL(f >= 0);
	hid_t d = H5Dopen2(f, "/runs/0/phases", H5P_DEFAULT);
	CU_ASSERT_FATAL(d >= 0);
	struct row {
		int device;
		char *phase;
		double start, end;
	} rows[256];
	hid_t str = H5Tcopy(H5T_C_S1);
	H5Tset_size(str, H5T_VARIABLE);
	hid_t mt = H5Tcreate(H5T_COMPOUND, sizeof rows[0]);
	H5Tinsert(mt, "device", offsetof(struct row, device), H5T_NATIVE_INT);
	H5Tinsert(mt, "phase", offsetof(struct row, phase), str);
	H5Tinsert(mt, "start", offsetof(struct row, start), H5T_NATIVE_DOUBLE);
	H5Tinsert(mt, "end", offsetof(struct row, end), H5T_NATIVE_DOUBLE);
	hid_t sp = H5Dget_space(d);
	hssize_t n = H5Sget_simple_extent_npoints(sp);
	CU_ASSERT_FATAL(n > PHASE_COUNT && n <= 256);
	CU_ASSERT_FATAL(H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) >= 0);
	double total = 0;
	for (int p = 0; p < PHASE_COUNT; p++) {
		CU_ASSERT_EQUAL(rows[p].device, -1);
		CU_ASSERT_STRING_EQUAL(rows[p].phase, phase_name((enum phase)p));
		CU_ASSERT_DOUBLE_EQUAL(rows[p].end - rows[p].start, fx.sum[0].phase_s[p], 1e-12);
		if (p)
			CU_ASSERT_EQUAL(rows[p].start, rows[p - 1].end);
		total += rows[p].end - rows[p].start;
	}
	CU_ASSERT_DOUBLE_EQUAL(total, fx.sum[0].downtime_s, 1e-12);
	/* Device 0's source main-pass arcs add up to its attribution. */
	double src_main = 0;
	for (hssize_t i = PHASE_COUNT; i < n; i++) {
		CU_ASSERT(rows[i].device >= 0 && rows[i].end >= rows[i].start);
		if (rows[i].device == 0 && !strcmp(rows[i].phase, "src_main"))
			src_main += rows[i].end - rows[i].start;
	}
	CU_ASSERT_DOUBLE_EQUAL(src_main, fx.sum[0].dev[0].src_main_s, 1e-12);
	H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, rows);
	H5Sclose(sp);
	H5Tclose(mt);
	H5Tclose(str);
	H5Dclose(d);
	H5Fclose(f);
	unlink(path);
}

static void test_abort_leaves_nothing(void)
{
	fixture_build();
	const char *path = tmp_path("aborted.h5");
	struct results_writer *w;
	char err[1024], tmp[300];
	CU_ASSERT_EQUAL_FATAL(results_writer_open(&w, path, fx.s, "sim", "", err, sizeof err), 0);
	snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid());
	CU_ASSERT(exists(tmp));
	CU_ASSERT(!exists(path));
	CU_ASSERT_EQUAL(results_writer_add_run(w, fx.s, 0, &fx.tr[0], &fx.sum[0], err, sizeof err),
	                0);
	results_writer_abort(w);
	CU_ASSERT(!exists(tmp));
	CU_ASSERT(!exists(path));

	/* A directory that does not exist: named in the message, nothing made. */
	const char *nowhere = tmp_path("no-such-dir/x.h5");
	CU_ASSERT_EQUAL(results_writer_open(&w, nowhere, fx.s, "sim", "", err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, nowhere));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "No such file or directory"));
}

/* A writer killed with SIGKILL in the middle of a long file leaves its
 * temporary file behind, and nothing under the final name. */
static void test_killed_writer(void)
{
	fixture_build();
	const char *path = tmp_path("killed.h5");
	fflush(NULL);
	pid_t pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		struct results_writer *w;
		char err[1024];
		if (results_writer_open(&w, path, fx.s, "sim", "", err, sizeof err))
			_exit(3);
		for (unsigned r = 0; r < 1000000; r++)
			if (results_writer_add_run(w, fx.s, r, &fx.tr[0], &fx.sum[0], err,
			                           sizeof err))
				_exit(4);
		results_writer_finish(w, err, sizeof err);
		_exit(5);
	}
	char tmp[300];
	snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)pid);
	struct stat st = {0};
	/* Let it write a few megabytes (many runs) first, however slowly this
	 * machine writes them: only a writer that stops writing fails here. */
	for (int i = 0; i < TEST_HANG_S * 100 && (stat(tmp, &st) || st.st_size < (4 << 20)); i++)
		nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
	CU_ASSERT(st.st_size >= (4 << 20));
	kill(pid, SIGKILL);
	int status;
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	CU_ASSERT(!exists(path));
	CU_ASSERT(exists(tmp));
	unlink(tmp);
}

/* ---- reader errors ---------------------------------------------------- */

/* results_read must fail with a message starting "PATH: " containing want. */
static void expect_error(const char *path, const char *want)
{
	struct results *r = NULL;
	char err[1024] = "";
	int rc = results_read(path, &r, err, sizeof err);
	CU_ASSERT_EQUAL(rc, -1);
	CU_ASSERT_PTR_NULL(r);
	CU_ASSERT_EQUAL(strncmp(err, path, strlen(path)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
	if (rc != -1 || !strstr(err, want))
		fprintf(stderr, "\n  expected '%s', got rc %d: %s\n", want, rc, err);
	if (!rc)
		results_free(r);
}

static void write_bytes(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(fwrite(data, 1, n, f), n);
	fclose(f);
}

static char *read_bytes(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fseek(f, 0, SEEK_END);
	*n = (size_t)ftell(f);
	rewind(f);
	char *buf = malloc(*n + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	CU_ASSERT_EQUAL(fread(buf, 1, *n, f), *n);
	fclose(f);
	return buf;
}

/* Blank the checksummed header, as a file rewritten by another HDF5 tool
 * would have it: the reader then relies on its object checks alone. */
static void strip_header(const char *path)
{
	int fd = open(path, O_WRONLY);
	char zero[512] = {0};
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(pwrite(fd, zero, sizeof zero, 0), 512);
	close(fd);
}

static void test_read_not_result_files(void)
{
	expect_error(tmp_path("absent.h5"), "No such file or directory");
	const char *text = tmp_path("text.h5");
	write_bytes(text, "name: not hdf5\n", 15);
	expect_error(text, ": not an HDF5 file");
	write_bytes(text, "", 0);
	expect_error(text, ": not an HDF5 file");
	expect_error(dir, "not a regular file");

	/* A valid HDF5 file of somebody else's. */
	const char *foreign = tmp_path("foreign.h5");
	hid_t f = H5Fcreate(foreign, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
	CU_ASSERT_FATAL(f >= 0);
	hsize_t dims = 4;
	hid_t sp = H5Screate_simple(1, &dims, NULL);
	hid_t d = H5Dcreate2(f, "temperatures", H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT,
	                     H5P_DEFAULT);
	double v[4] = {1, 2, 3, 4};
	H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
	H5Dclose(d);
	H5Sclose(sp);
	H5Fclose(f);
	expect_error(foreign, ": /meta missing: not a switchover result file");
	unlink(text);
	unlink(foreign);
}

/* Replace attribute obj/name by an int (HDF5 1.10 cannot rewrite some
 * attributes in place: "can't locate open attribute"). */
/* Replace attribute obj/name by one of file type ft holding *v (memory type mt). */
static void set_attr(const char *path, const char *obj, const char *name, hid_t ft, hid_t mt,
                     const void *v)
{
	hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
	CU_ASSERT_FATAL(f >= 0);
	CU_ASSERT(H5Adelete_by_name(f, obj, name, H5P_DEFAULT) >= 0);
	hid_t sp = H5Screate(H5S_SCALAR);
	hid_t a = H5Acreate_by_name(f, obj, name, ft, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	CU_ASSERT_FATAL(a >= 0);
	CU_ASSERT(H5Awrite(a, mt, v) >= 0);
	H5Aclose(a);
	H5Sclose(sp);
	H5Fclose(f);
}

static void set_int_attr(const char *path, const char *obj, const char *name, int v)
{
	set_attr(path, obj, name, H5T_STD_I32LE, H5T_NATIVE_INT, &v);
}

static void set_str_attr(const char *path, const char *obj, const char *name, const char *v)
{
	char buf[16] = {0};
	snprintf(buf, sizeof buf, "%s", v);
	hid_t t = H5Tcopy(H5T_C_S1);
	H5Tset_size(t, sizeof buf);
	set_attr(path, obj, name, t, t, buf);
	H5Tclose(t);
}

static void test_read_newer_schema(void)
{
	const char *path = tmp_path("newer.h5");
	CU_ASSERT_EQUAL_FATAL(write_runs(path, 1), 0);
	/* The header says so first ... */
	size_t n;
	char *buf = read_bytes(path, &n);
	char *v = strstr(buf, "schema_version 2\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	v[strlen("schema_version ")] = '3';
	write_bytes(path, buf, n);
	free(buf);
	expect_error(path, ": schema version 3 is newer than this switchover (2)");
	/* ... and /meta when there is no header. */
	strip_header(path);
	set_int_attr(path, "/meta", "schema_version", 3);
	expect_error(path, ": schema version 3 is newer than this switchover (2)");
	set_int_attr(path, "/meta", "schema_version", 0);
	expect_error(path, ": /meta: schema version 0 is not valid");
	unlink(path);
}

/* A file of schema version 1 (tests/data/results/v1-null-1run.h5, written
 * by `switchover sim scenarios/null.yaml --runs 1 -o` at version 1) still
 * reads, whole and in summary mode. */
static void test_read_v1_file(void)
{
	const char *path = test_src_path("tests/data/results/v1-null-1run.h5");
	for (unsigned flags = 0; flags <= RESULTS_READ_SUMMARY; flags += RESULTS_READ_SUMMARY) {
		struct results *r = NULL;
		char err[1024] = "";
		int rc = results_read_flags(path, flags, &r, err, sizeof err);
		if (rc)
			fprintf(stderr, "\n  %s\n", err);
		CU_ASSERT_EQUAL_FATAL(rc, 0);
		CU_ASSERT_EQUAL(r->schema_version, 1);
		CU_ASSERT_STRING_EQUAL(r->scenario_name, "null");
		CU_ASSERT_EQUAL_FATAL(r->n_runs, 1);
		CU_ASSERT_EQUAL(r->runs[0].sum.status, 0);
		CU_ASSERT_EQUAL(r->runs[0].sum.n_devices, 4);
		CU_ASSERT(flags ? r->runs[0].trace.n == 0 : r->runs[0].trace.n > 0);
		results_free(r);
	}
}

/* A 5-run file without its header, open for rewriting with the HDF5 API. */
static hid_t broken_file(const char *path)
{
	CU_ASSERT_EQUAL_FATAL(write_runs(path, 5), 0);
	strip_header(path);
	struct results *r;
	char err[1024];
	CU_ASSERT_EQUAL_FATAL(results_read(path, &r, err, sizeof err), 0); /* fine without it */
	results_free(r);
	hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
	CU_ASSERT_FATAL(f >= 0);
	return f;
}

/* Replace loc/name by an n-row dataset of type t. */
static void replace_dataset(hid_t f, const char *name, hid_t t, hsize_t n)
{
	CU_ASSERT(H5Ldelete(f, name, H5P_DEFAULT) >= 0);
	hid_t sp = H5Screate_simple(1, &n, NULL);
	hid_t d = H5Dcreate2(f, name, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	CU_ASSERT(d >= 0);
	H5Dclose(d);
	H5Sclose(sp);
}

static void test_read_missing_column(void)
{
	const char *path = tmp_path("column.h5");
	hid_t f = broken_file(path);
	/* The trace table with every column but 'value'. */
	hid_t str = H5Tcopy(H5T_C_S1), kind = H5Tenum_create(H5T_STD_U16LE);
	H5Tset_size(str, H5T_VARIABLE);
	uint16_t zero = 0;
	H5Tenum_insert(kind, "run-begin", &zero);
	hid_t t = H5Tcreate(H5T_COMPOUND, 64);
	H5Tinsert(t, "t", 0, H5T_IEEE_F64LE);
	H5Tinsert(t, "task", 8, str);
	H5Tinsert(t, "device", 24, H5T_STD_I32LE);
	H5Tinsert(t, "kind", 28, kind);
	H5Tinsert(t, "side", 30, H5T_STD_I8LE);
	H5Tinsert(t, "pass", 31, H5T_STD_I8LE);
	H5Tinsert(t, "from", 32, H5T_STD_I8LE);
	H5Tinsert(t, "to", 33, H5T_STD_I8LE);
	H5Tinsert(t, "text", 40, str);
	replace_dataset(f, "/runs/3/trace", t, 2);
	H5Tclose(t);
	H5Tclose(kind);
	H5Tclose(str);
	H5Fclose(f);
	expect_error(path, ": /runs/3/trace: column 'value' missing");
	unlink(path);
}

/* A file written before the devices table had its qemu_save_s and
 * qemu_load_s columns (the fuzz corpus keeps one) reads, with them NaN. */
static void test_read_before_qemu_columns(void)
{
	struct results *r;
	char err[1024];
	int rc =
	    results_read(test_src_path("fuzz/corpus/results/null-1run.h5"), &r, err, sizeof err);
	if (rc)
		fprintf(stderr, "%s\n", err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_FATAL(r->n_runs > 0 && r->runs[0].sum.n_devices > 0);
	for (size_t k = 0; k < r->n_runs; k++)
		for (size_t i = 0; i < r->runs[k].sum.n_devices; i++) {
			CU_ASSERT(isnan(r->runs[k].sum.dev[i].qemu_save_s));
			CU_ASSERT(isnan(r->runs[k].sum.dev[i].qemu_load_s));
		}
	results_free(r);
}

static void test_read_broken_objects(void)
{
	const char *path = tmp_path("broken.h5");
	hid_t f = broken_file(path);
	CU_ASSERT(H5Adelete_by_name(f, "/runs/2", "downtime_s", H5P_DEFAULT) >= 0);
	H5Fclose(f);
	expect_error(path, ": /runs/2: attribute 'downtime_s' missing");

	f = broken_file(path);
	replace_dataset(f, "/runs/1/devices", H5T_IEEE_F64LE, 4);
	H5Fclose(f);
	expect_error(path, ": /runs/1/devices is a floating-point number, expected a table");

	f = broken_file(path);
	CU_ASSERT(H5Ldelete(f, "/runs/1", H5P_DEFAULT) >= 0);
	H5Fclose(f);
	expect_error(path, ": /runs/1 missing");
	/* Read from /summary, the runs it has no group for are found too. */
	struct results *r;
	char err[1024];
	CU_ASSERT_EQUAL(results_read_flags(path, RESULTS_READ_SUMMARY, &r, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, ": /summary: 5 rows, expected one per run (4)"));

	/* Without /devices (a file written before it existed): each run's own
	 * devices table, the same attribution. */
	f = broken_file(path);
	CU_ASSERT(H5Ldelete(f, "/devices", H5P_DEFAULT) >= 0);
	H5Fclose(f);
	struct results *full;
	CU_ASSERT_EQUAL_FATAL(results_read(path, &full, err, sizeof err), 0);
	CU_ASSERT_EQUAL_FATAL(results_read_flags(path, RESULTS_READ_SUMMARY, &r, err, sizeof err),
	                      0);
	CU_ASSERT_EQUAL_FATAL(r->n_runs, full->n_runs);
	for (size_t k = 0; k < r->n_runs; k++) {
		CU_ASSERT_EQUAL_FATAL(r->runs[k].sum.n_devices, full->runs[k].sum.n_devices);
		CU_ASSERT(memcmp(r->runs[k].sum.dev, full->runs[k].sum.dev,
		                 r->runs[k].sum.n_devices * sizeof *r->runs[k].sum.dev) == 0);
	}
	results_free(r);
	results_free(full);
	/* /devices that is no table, or has rows out of order */
	f = broken_file(path);
	replace_dataset(f, "/devices", H5T_IEEE_F64LE, 4);
	H5Fclose(f);
	CU_ASSERT_EQUAL(results_read_flags(path, RESULTS_READ_SUMMARY, &r, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(err, ": /devices is a floating-point number, expected a table"));
	f = broken_file(path);
	hid_t dd = H5Dopen2(f, "/devices", H5P_DEFAULT), dsp = H5Dget_space(dd);
	hid_t n_only = H5Tcreate(H5T_COMPOUND, sizeof(uint32_t));
	H5Tinsert(n_only, "n", 0, H5T_NATIVE_UINT32);
	hsize_t rows = (hsize_t)H5Sget_simple_extent_npoints(dsp);
	uint32_t *ns = calloc(rows, sizeof *ns);
	CU_ASSERT_FATAL(rows >= 2 && ns &&
	                H5Dread(dd, n_only, H5S_ALL, H5S_ALL, H5P_DEFAULT, ns) >= 0);
	uint32_t t = ns[0];
	ns[0] = ns[rows - 1];
	ns[rows - 1] = t;
	CU_ASSERT(H5Dwrite(dd, n_only, H5S_ALL, H5S_ALL, H5P_DEFAULT, ns) >= 0);
	free(ns);
	H5Tclose(n_only);
	H5Sclose(dsp);
	H5Dclose(dd);
	H5Fclose(f);
	CU_ASSERT_EQUAL(results_read_flags(path, RESULTS_READ_SUMMARY, &r, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, ": /devices: row 0 is run 4 device 0, expected run 0 "
	                                   "device 0 (a row per run and device, in order)"));

	f = broken_file(path);
	CU_ASSERT(H5Ldelete(f, "/summary", H5P_DEFAULT) >= 0);
	H5Fclose(f);
	expect_error(path, ": /summary missing");

	f = broken_file(path);
	CU_ASSERT(H5Adelete_by_name(f, "/meta", "seed", H5P_DEFAULT) >= 0);
	hid_t sp = H5Screate(H5S_SCALAR);
	hid_t a = H5Acreate_by_name(f, "/meta", "seed", H5T_IEEE_F64LE, sp, H5P_DEFAULT,
	                            H5P_DEFAULT, H5P_DEFAULT);
	H5Aclose(a);
	H5Sclose(sp);
	H5Fclose(f);
	expect_error(path,
	             ": /meta: attribute 'seed' is a floating-point number, expected an integer");

	/* /scenario that no longer loads: the loader's message, under the file's name. */
	f = broken_file(path);
	hid_t str = H5Tcopy(H5T_C_S1);
	H5Tset_size(str, H5T_VARIABLE);
	CU_ASSERT(H5Ldelete(f, "/scenario", H5P_DEFAULT) >= 0);
	sp = H5Screate(H5S_SCALAR);
	hid_t d = H5Dcreate2(f, "/scenario", str, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	const char *yaml = "name: x\ndevices: 3\n";
	H5Dwrite(d, str, H5S_ALL, H5S_ALL, H5P_DEFAULT, &yaml);
	H5Dclose(d);
	H5Sclose(sp);
	H5Tclose(str);
	H5Fclose(f);
	expect_error(path, ":/scenario:");
	unlink(path);
}

/* Add `delta` to column `col` (float64) of row `row` of table `name`;
 * *was gets the value it had. */
static void edit_cell(hid_t f, const char *name, const char *col, size_t row, double delta,
                      double *was)
{
	hid_t d = H5Dopen2(f, name, H5P_DEFAULT), sp = H5Dget_space(d);
	hid_t one = H5Tcreate(H5T_COMPOUND, sizeof(double));
	H5Tinsert(one, col, 0, H5T_NATIVE_DOUBLE);
	hsize_t rows = (hsize_t)H5Sget_simple_extent_npoints(sp);
	double *v = calloc(rows, sizeof *v);
	CU_ASSERT_FATAL(d >= 0 && row < rows && v &&
	                H5Dread(d, one, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
	*was = v[row];
	v[row] += delta;
	CU_ASSERT(H5Dwrite(d, one, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
	free(v);
	H5Tclose(one);
	H5Sclose(sp);
	H5Dclose(d);
}

/* A file without the header whose /summary or /devices says other than
 * its runs (/runs/<n>) is refused by the full reader (show, report), the
 * row, the column and both values named; the summary reader (compare)
 * reads only the tables and has nothing to hold them against. */
static void test_read_tables_disagree(void)
{
	const char *path = tmp_path("disagree.h5");
	char want[256];
	double was;
	hid_t f = broken_file(path);
	edit_cell(f, "/summary", "downtime_s", 2, 0.25, &was);
	H5Fclose(f);
	snprintf(want, sizeof want,
	         ": /summary row 2 disagrees with /runs/2: downtime_s is %.17g in the table, "
	         "%.17g in the run (the tables do not match the runs: damaged or edited)",
	         was + 0.25, was);
	expect_error(path, want);
	struct results *r;
	char err[1024];
	CU_ASSERT_EQUAL(results_read_flags(path, RESULTS_READ_SUMMARY, &r, err, sizeof err), 0);
	results_free(r);

	size_t nd = scenario_device_count(fx.s), row = nd + nd - 1;
	f = broken_file(path);
	edit_cell(f, "/devices", "load_s", row, 1e-3, &was);
	H5Fclose(f);
	snprintf(want, sizeof want,
	         ": /devices row %zu disagrees with /runs/1/devices row %zu: load_s is %.17g in "
	         "the table, %.17g in the run",
	         row, nd - 1, was + 1e-3, was);
	expect_error(path, want);

	/* One row more than the runs have devices. */
	f = broken_file(path);
	hid_t d = H5Dopen2(f, "/devices", H5P_DEFAULT);
	hsize_t dims;
	hid_t sp = H5Dget_space(d);
	H5Sget_simple_extent_dims(sp, &dims, NULL);
	dims++;
	CU_ASSERT(H5Dset_extent(d, &dims) >= 0);
	H5Sclose(sp);
	H5Dclose(d);
	H5Fclose(f);
	snprintf(want, sizeof want, ": /devices: %llu rows, expected %zu (5 runs of %zu devices)",
	         (unsigned long long)dims, 5 * nd, nd);
	expect_error(path, want);
	unlink(path);
}

/* Truncated files: rejected by their length, or (without the header) by
 * HDF5, never a crash. */
static void test_read_truncated(void)
{
	const char *good = tmp_path("good.h5"), *cut = tmp_path("cut.h5");
	CU_ASSERT_EQUAL_FATAL(write_runs(good, N_RUNS), 0);
	size_t n;
	char *buf = read_bytes(good, &n);
	size_t at[] = {0, 8, 511, 512, 520, 1024, 4096, n / 5, n / 3, n / 2, n - 4096, n - 1};
	for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
		write_bytes(cut, buf, at[i]);
		expect_error(cut, at[i] < 512 ? ": not an HDF5 file" : ": damaged: ");
		if (at[i] < 1024)
			continue;
		strip_header(cut);
		expect_error(cut, ": "); /* HDF5's own reason */
	}
	free(buf);
	unlink(good);
	unlink(cut);
}

/* A damaged file reads (the damage was harmless) or is refused with a
 * message naming it; either way the reader returns. */
static void read_or_refuse(const char *path)
{
	struct results *r = NULL;
	char err[1024] = "";
	if (results_read(path, &r, err, sizeof err) == 0)
		results_free(r);
	else
		CU_ASSERT_EQUAL(strncmp(err, path, strlen(path)), 0);
}

/*
 * Flipped bytes all over the file: the checksum catches every one, before
 * HDF5 sees the file.  (HDF5 1.10 itself crashes on some: a flipped length
 * in the global heap of variable-length strings makes H5Dread copy out of
 * bounds; that is why the header exists, and docs/results.md says a file
 * without it gets no such protection.)  Flips in the header itself either
 * break the checksum check or leave intact HDF5 data that reads.
 */
static void test_read_flipped(void)
{
	const char *good = tmp_path("good.h5"), *bad = tmp_path("flipped.h5");
	CU_ASSERT_EQUAL_FATAL(write_runs(good, 2), 0);
	size_t n;
	char *buf = read_bytes(good, &n);
	unsigned tries = 0;
	for (size_t off = 512; off < n; off += 101 + off / 13, tries++) {
		buf[off] ^= 0x5a;
		write_bytes(bad, buf, n);
		expect_error(bad, ": damaged: checksum");
		buf[off] ^= 0x5a;
	}
	CU_ASSERT(tries > 50);
	for (size_t off = 0; off < 120; off++) {
		buf[off] ^= 0x01;
		write_bytes(bad, buf, n);
		read_or_refuse(bad);
		buf[off] ^= 0x01;
	}
	free(buf);
	unlink(good);
	unlink(bad);
}

/* Byte 0 of the header changed: the file was read as one without the
 * header, with no checksum (issue 17, defect 2). */
static void test_read_header_damaged(void)
{
	const char *path = tmp_path("header.h5");
	CU_ASSERT_EQUAL_FATAL(write_runs(path, 2), 0);
	size_t n;
	char *buf = read_bytes(path, &n);
	for (size_t off = 0; off < 16; off++) {
		buf[off] ^= 0x20;
		write_bytes(path, buf, n);
		expect_error(path, ": damaged: the header (first 512 bytes) cannot be parsed");
		buf[off] ^= 0x20;
	}
	free(buf);
	unlink(path);
}

/* Flipped bytes in a file without the header: HDF5 1.10 crashes on some;
 * read_path() reads such a file in a child process first, so the reader
 * returns an error naming the file and never crashes (defect 2). */
static void test_read_headerless_flipped(void)
{
	const char *good = tmp_path("nohead.h5"), *bad = tmp_path("nohead-flipped.h5");
	CU_ASSERT_EQUAL_FATAL(write_runs(good, 2), 0);
	strip_header(good);
	size_t n;
	char *buf = read_bytes(good, &n);
	unsigned tries = 0;
	for (size_t off = 512; off < n; off += 1 + n / 120, tries++) {
		buf[off] ^= (char)(1u << (off % 8));
		write_bytes(bad, buf, n);
		read_or_refuse(bad);
		buf[off] ^= (char)(1u << (off % 8));
	}
	CU_ASSERT(tries >= 100);
	free(buf);
	unlink(good);
	unlink(bad);
}

/* Values no switchover writes, in a file without the header to catch
 * them: refused with the object named (defect 12). */
static void test_read_nonsense_values(void)
{
	const char *path = tmp_path("nonsense.h5");
	CU_ASSERT_EQUAL_FATAL(write_runs(path, 2), 0);
	strip_header(path);
	CU_ASSERT_EQUAL_FATAL(fx.sum[0].status, 0);
	double nan = NAN, inf = INFINITY;
	set_attr(path, "/runs/0", "downtime_s", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &nan);
	expect_error(path, ": /runs/0: downtime_s is nan in a completed run");
	set_attr(path, "/runs/0", "downtime_s", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &inf);
	expect_error(path, ": /runs/0: downtime_s is inf in a completed run");
	CU_ASSERT_EQUAL_FATAL(write_runs(path, 2), 0);
	strip_header(path);
	set_str_attr(path, "/meta", "backend", "vax");
	expect_error(path, ": /meta: backend 'vax' unknown (expected sim, real or qemu)");
	set_str_attr(path, "/meta", "backend", "sim");
	set_str_attr(path, "/meta", "scenario_name", "other");
	expect_error(path, "but /meta says 'other'");
	/* run indices: compare pairs and indexes runs by them */
	CU_ASSERT_EQUAL_FATAL(write_runs(path, 2), 0);
	strip_header(path);
	CU_ASSERT_EQUAL_FATAL(fx.strategy[0], fx.strategy[1]);
	uint32_t huge = UINT32_MAX, zero = 0;
	set_attr(path, "/runs/1", "run", H5T_STD_U32LE, H5T_NATIVE_UINT32, &huge);
	expect_error(path, ": /runs/1: run 4294967295 out of range (runs are 0 to 999999)");
	set_attr(path, "/runs/1", "run", H5T_STD_U32LE, H5T_NATIVE_UINT32, &zero);
	expect_error(path, ": /runs/1: run 0 of ");
	expect_error(path, " is in the file twice");
	unlink(path);
}

/* A trace row the summary could not index (a depth below -1) is refused
 * by the reader with the row, as a peer's trace is by the transport: one
 * check, trace_event_check. */
static void test_read_bad_trace_event(void)
{
	const char *path = tmp_path("bad-trace.h5");
	fixture_build();
	struct trace *tr = &fx.tr[0];
	size_t n = tr->n;
	TRACE_ADD(tr, .t = 0.5, .kind = TRACE_THREAD_SPAWN, .task = "vfio-deep0-prepare",
	          .device = 0, .side = 0, .pass = TRACE_PASS_MAIN, .value = -100);
	CU_ASSERT_EQUAL_FATAL(write_runs(path, 1), 0);
	tr->n = n;
	char want[64];
	snprintf(want, sizeof want, "row %zu: thread-spawn depth -100 out of range -1..32767", n);
	expect_error(path, want);
	unlink(path);
}

static void cleanup(void)
{
	for (size_t k = 0; fx.s && k < N_RUNS; k++) {
		trace_free(&fx.tr[k]);
		summary_free(&fx.sum[k]);
	}
	scenario_free(fx.s);
	fx.s = NULL;
	rmdir(dir);
}

static void test_cleanup(void)
{
	cleanup();
}

void register_tests(void)
{
	snprintf(dir, sizeof dir, "/tmp/test_store.XXXXXX");
	if (!mkdtemp(dir))
		snprintf(dir, sizeof dir, "/tmp");
	TEST_SUITE("store", TEST(test_round_trip), TEST(test_phases_table),
	           TEST(test_abort_leaves_nothing), TEST(test_killed_writer),
	           TEST(test_read_not_result_files), TEST(test_read_newer_schema), TEST(test_read_v1_file),
	           TEST(test_read_missing_column), TEST(test_read_before_qemu_columns),
	           TEST(test_read_broken_objects), TEST(test_read_truncated),
	           TEST(test_read_flipped), TEST(test_read_header_damaged),
	           TEST(test_read_headerless_flipped), TEST(test_read_nonsense_values),
	           TEST(test_read_bad_trace_event), TEST(test_read_tables_disagree),
	           TEST(test_cleanup));
}
