/*
 * test_qemu_import.c - QEMU trace logs, both ways (results/qemu_log_write.c,
 * results/qemu_import.c): a sim run written as QEMU's logs and imported
 * back gives the same phases, device arcs and counters to the log's
 * microsecond; two clocks are aligned within the stated uncertainty;
 * excerpts written by hand in QEMU's format (tests/data/qemu/) give the
 * phases worked out by hand, with warnings naming file and line for
 * damaged, truncated and interleaved lines; bad input is an error naming
 * the file and line.
 */
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "migration.h"
#include "qemu_log.h"
#include "scenario_load.h"
#include "sim_world.h"
#include "summary.h"
#include "test_util.h"

static char dir[64];

static const char *tmp_path(const char *name)
{
	return test_path_in(dir, name);
}

static void setup_dir(void)
{
	if (!dir[0]) {
		snprintf(dir, sizeof dir, "/tmp/test_qemu_import.XXXXXX");
		CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	}
}

/* The log's resolution: each time is rounded to the microsecond, so two
 * differences of rounded times agree within 1 us (plus float noise). */
#define US          1.0e-6
#define CLOSE(a, b) (fabs((a) - (b)) <= 1.0 * US + 1e-9)

struct sim_run {
	struct scenario *s;
	struct trace tr;
	struct run_summary sum;
	const char **names;
	char *name_buf;
};

/* `extra`: a second --set, or NULL. */
static void sim_run(struct sim_run *r, const char *file, const char *strategy, const char *extra)
{
	char err[1024];
	const char *sets[2] = {strategy, extra};
	CU_ASSERT_FATAL(scenario_load_file(test_src_path(file), sets, extra ? 2 : 1, &r->s, err,
	                                   sizeof err) == 0);
	trace_init(&r->tr);
	struct mig_result res;
	CU_ASSERT_FATAL(sim_world_run(r->s, 0, &r->tr, &res, err, sizeof err) == 0);
	CU_ASSERT_FATAL(res.status == 0);
	CU_ASSERT_FATAL(summary_from_trace(r->s, &r->tr, &res, &r->sum) == 0);
	size_t n = scenario_device_count(r->s);
	r->names = calloc(n, sizeof *r->names);
	r->name_buf = calloc(n, DEVICE_NAME_LEN);
	for (size_t i = 0; i < n; i++) {
		r->names[i] = r->name_buf + i * DEVICE_NAME_LEN;
		scenario_device_name(r->s, i, r->name_buf + i * DEVICE_NAME_LEN, DEVICE_NAME_LEN);
	}
}

static void sim_run_free(struct sim_run *r)
{
	summary_free(&r->sum);
	trace_free(&r->tr);
	scenario_free(r->s);
	free(r->names);
	free(r->name_buf);
}

/* Write the run's logs, with the destination's clock `shift_s` ahead. */
static void write_logs(const struct sim_run *r, double shift_s)
{
	FILE *src = fopen(tmp_path("run.src"), "w");
	FILE *dst = fopen(tmp_path("run.dst"), "w");
	CU_ASSERT_FATAL(src && dst);
	CU_ASSERT(qemu_log_write(&r->tr, r->names, 1700000000.0, src, NULL) == 0);
	CU_ASSERT(qemu_log_write(&r->tr, r->names, 1700000000.0 + shift_s, NULL, dst) == 0);
	fclose(src);
	fclose(dst);
}

static double first_of(const struct trace *tr, enum trace_kind k)
{
	for (size_t i = 0; i < tr->n; i++)
		if (tr->ev[i].kind == k)
			return tr->ev[i].t;
	return NAN;
}

/* The imported device of the run's device i (matched by name). */
static int imported_device(const struct qemu_import *im, const char *name)
{
	for (guint i = 0; i < im->devices->len; i++)
		if (!strcmp(im->devices->pdata[i], name))
			return (int)i;
	return -1;
}

/* The imported migration has the run's phases, arcs (device, side, step,
 * states, begin and end) and counters. */
static void check_round_trip(const char *file, const char *strategy, const char *extra)
{
	struct sim_run r;
	sim_run(&r, file, strategy, extra);
	write_logs(&r, 0);
	struct qemu_import im;
	char err[1024] = "";
	CU_ASSERT_FATAL(qemu_import_logs(tmp_path("run.src"), tmp_path("run.dst"),
	                                 QEMU_IMPORT_CLOCK_SAME, &im, err, sizeof err) == 0);
	CU_ASSERT_EQUAL(im.warnings->len, 0);
	CU_ASSERT_EQUAL(g_hash_table_size(im.unknown), 0);
	CU_ASSERT_FATAL(im.migrations->len == 1);
	CU_ASSERT_FATAL(im.devices->len == scenario_device_count(r.s));
	struct qemu_migration *m = im.migrations->pdata[0];
	CU_ASSERT(m->completed);

	/* the imported scenario: the same devices, in the import's order */
	GString *y = g_string_new("name: rt\nmigration:\n  strategy: sequential\ndevices:\n");
	for (guint i = 0; i < im.devices->len; i++)
		g_string_append_printf(y, "  - {name: %s, profile: null}\n",
		                       (const char *)im.devices->pdata[i]);
	struct scenario *is = NULL;
	CU_ASSERT_FATAL(scenario_load_text("rt", y->str, y->len, NULL, 0, &is, err, sizeof err) ==
	                0);
	g_string_free(y, TRUE);
	struct mig_result ok = {0};
	struct run_summary sum;
	CU_ASSERT_FATAL(summary_from_trace(is, &m->tr, &ok, &sum) == 0);

	CU_ASSERT(CLOSE(sum.downtime_s, r.sum.downtime_s));
	for (int p = 0; p < PHASE_COUNT; p++) {
		CU_ASSERT(!isnan(sum.phase_s[p]));
		if (!CLOSE(sum.phase_s[p], r.sum.phase_s[p]))
			fprintf(stderr, "%s %s: phase %s %.9f, run %.9f\n", file, strategy,
			        phase_name((enum phase)p), sum.phase_s[p], r.sum.phase_s[p]);
		CU_ASSERT(CLOSE(sum.phase_s[p], r.sum.phase_s[p]));
	}
	CU_ASSERT_EQUAL(sum.precopy_rounds, r.sum.precopy_rounds);
	CU_ASSERT_EQUAL(sum.acks_requested, r.sum.acks_requested);
	CU_ASSERT_EQUAL(sum.acks_received, r.sum.acks_received);
	CU_ASSERT_EQUAL(sum.acks_sent, r.sum.acks_sent);
	CU_ASSERT_EQUAL(sum.reinits_seen, r.sum.reinits_seen);
	for (size_t i = 0; i < scenario_device_count(r.s); i++) {
		int d = imported_device(&im, r.names[i]);
		CU_ASSERT_FATAL(d >= 0);
		CU_ASSERT_EQUAL(sum.dev[d].stopcopy_bytes, r.sum.dev[i].stopcopy_bytes);
		CU_ASSERT(CLOSE(sum.dev[d].src_main_s, r.sum.dev[i].src_main_s));
		CU_ASSERT(CLOSE(sum.dev[d].dst_prepare_s, r.sum.dev[i].dst_prepare_s));
	}

	/* every arc, in order per (device, side), times from the VM stop */
	double shift = first_of(&r.tr, TRACE_VM_STOP) - first_of(&m->tr, TRACE_VM_STOP);
	GArray *a = trace_arcs(&r.tr), *b = trace_arcs(&m->tr);
	CU_ASSERT_FATAL(a->len == b->len);
	for (guint k = 0; k < a->len; k++) {
		const struct trace_arc *x = &g_array_index(a, struct trace_arc, k);
		/* the k-th arc of the same device and side in the import */
		unsigned nth = 0;
		for (guint j = 0; j < k; j++) {
			const struct trace_event *e = g_array_index(a, struct trace_arc, j).end;
			nth += e->device == x->end->device && e->side == x->end->side;
		}
		int d = imported_device(&im, r.names[x->end->device]);
		const struct trace_arc *y = NULL;
		for (guint j = 0; j < b->len && !y; j++) {
			const struct trace_event *e = g_array_index(b, struct trace_arc, j).end;
			if (e->device == d && e->side == x->end->side && nth-- == 0)
				y = &g_array_index(b, struct trace_arc, j);
		}
		CU_ASSERT_FATAL(y && y->begin && x->begin);
		CU_ASSERT_EQUAL(y->end->from, x->end->from);
		CU_ASSERT_EQUAL(y->end->to, x->end->to);
		CU_ASSERT_EQUAL(y->end->pass, x->end->pass);
		CU_ASSERT(CLOSE(y->begin->t + shift, x->begin->t));
		CU_ASSERT(CLOSE(y->end->t + shift, x->end->t));
	}
	g_array_unref(a);
	g_array_unref(b);
	summary_free(&sum);
	scenario_free(is);
	qemu_import_free(&im);
	sim_run_free(&r);
}

static void test_round_trip(void)
{
	static const char *const files[] = {"scenarios/cx7-2vf.yaml", "scenarios/cx7-4vf.yaml",
	                                    "scenarios/reinit-on.yaml",
	                                    "scenarios/ack-legacy-vs-new.yaml"};
	static const char *const strategies[] = {"migration.strategy=sequential",
	                                         "migration.strategy=parallel-prio",
	                                         "migration.strategy=parallel-barrier"};
	setup_dir();
	for (size_t f = 0; f < sizeof files / sizeof files[0]; f++)
		for (size_t k = 0; k < sizeof strategies / sizeof strategies[0]; k++)
			check_round_trip(files[f], strategies[k], NULL);
}

/* The last event of `kind` by the device's task "vfio-<name>-<what>", or NULL. */
static const struct trace_event *devstate_last(const struct trace *tr, const char *name,
                                               const char *what, enum trace_kind kind)
{
	char task[128];
	snprintf(task, sizeof task, "vfio-%s-%s", name, what);
	const struct trace_event *last = NULL;
	for (size_t k = 0; k < tr->n; k++)
		if (tr->ev[k].kind == kind && tr->ev[k].task && !strcmp(tr->ev[k].task, task))
			last = &tr->ev[k];
	return last;
}

/* Multifd device-state transfer (models/mig_devstate.c): the round trip
 * keeps the phases and arcs, and each device gets one save thread on the
 * source and one load thread on the destination, the save thread from the
 * final query to its last send, the load thread ending at its last load. */
static void test_round_trip_multifd(void)
{
	static const char *const strategies[] = {"migration.strategy=sequential",
	                                         "migration.strategy=parallel-prio"};
	setup_dir();
	for (size_t k = 0; k < sizeof strategies / sizeof strategies[0]; k++)
		check_round_trip("scenarios/cx7-4vf.yaml", strategies[k],
		                 "network.multifd_channels=2");

	struct sim_run r;
	sim_run(&r, "scenarios/cx7-4vf.yaml", "migration.strategy=parallel-prio",
	        "network.multifd_channels=2");
	write_logs(&r, 0);
	struct qemu_import im;
	char err[1024] = "";
	CU_ASSERT_FATAL(qemu_import_logs(tmp_path("run.src"), tmp_path("run.dst"),
	                                 QEMU_IMPORT_CLOCK_SAME, &im, err, sizeof err) == 0);
	CU_ASSERT_FATAL(im.migrations->len == 1);
	const struct trace *tr = &((struct qemu_migration *)im.migrations->pdata[0])->tr;
	double shift = first_of(&r.tr, TRACE_VM_STOP) - first_of(tr, TRACE_VM_STOP);
	double final_query = NAN;
	for (size_t k = 0; k < r.tr.n; k++)
		if (r.tr.ev[k].kind == TRACE_MARK && r.tr.ev[k].from == TRACE_MARK_FINAL_QUERY_END)
			final_query = r.tr.ev[k].t;
	CU_ASSERT_FATAL(!isnan(final_query));
	for (size_t i = 0; i < scenario_device_count(r.s); i++) {
		int d = imported_device(&im, r.names[i]);
		const struct trace_event *save =
		    devstate_last(&r.tr, r.names[i], "save", TRACE_SEND);
		const struct trace_event *load =
		    devstate_last(&r.tr, r.names[i], "load", TRACE_LOAD_END);
		CU_ASSERT_FATAL(save && load);
		/* per side: [spawn, join] times, count */
		double at[2][2] = {{NAN, NAN}, {NAN, NAN}};
		int count[2][2] = {{0}};
		for (size_t k = 0; k < tr->n; k++) {
			const struct trace_event *e = &tr->ev[k];
			if (e->device != d || !e->text || strcmp(e->text, "multifd") != 0 ||
			    (e->kind != TRACE_THREAD_SPAWN && e->kind != TRACE_THREAD_JOIN))
				continue;
			int j = e->kind == TRACE_THREAD_JOIN;
			at[e->side & 1][j] = e->t + shift;
			count[e->side & 1][j]++;
		}
		for (int s = 0; s < 2; s++)
			for (int j = 0; j < 2; j++)
				CU_ASSERT_EQUAL(count[s][j], 1);
		CU_ASSERT(CLOSE(at[RT_SIDE_SRC][0], final_query));
		CU_ASSERT(CLOSE(at[RT_SIDE_SRC][1], save->t));
		CU_ASSERT(at[RT_SIDE_DST][0] <= at[RT_SIDE_DST][1]);
		CU_ASSERT(CLOSE(at[RT_SIDE_DST][1], load->t));
	}
	qemu_import_free(&im);
	sim_run_free(&r);
}

/* The destination's clock 5 s ahead: the offset found brackets it. */
static void test_two_clocks(void)
{
	struct sim_run r;
	setup_dir();
	sim_run(&r, "scenarios/ack-legacy-vs-new.yaml", "migration.strategy=parallel-prio", NULL);
	write_logs(&r, 5.0);
	struct qemu_import im;
	char err[1024];
	CU_ASSERT_FATAL(qemu_import_logs(tmp_path("run.src"), tmp_path("run.dst"),
	                                 QEMU_IMPORT_CLOCK_ALIGN, &im, err, sizeof err) == 0);
	struct qemu_migration *m = im.migrations->pdata[0];
	CU_ASSERT(isfinite(m->offset_uncertainty_s));
	CU_ASSERT(fabs(m->offset_s - 5.0) <= m->offset_uncertainty_s + US);
	/* the bounds come from the stream and the return path: well under 1 s */
	CU_ASSERT(m->offset_uncertainty_s < 1.0);
	qemu_import_free(&im);
	sim_run_free(&r);
}

static bool has_warning(const struct qemu_import *im, const char *needle)
{
	for (guint i = 0; i < im->warnings->len; i++)
		if (strstr(im->warnings->pdata[i], needle))
			return true;
	return false;
}

static bool has_note(const struct qemu_migration *m, const char *needle)
{
	for (guint i = 0; i < m->notes->len; i++)
		if (strstr(m->notes->pdata[i], needle))
			return true;
	return false;
}

/* The hand-written excerpt (tests/data/qemu/{src,dst}-9.2.log, paths into
 * src and dst) imported with the clocks aligned. */
static void import_excerpt(struct qemu_import *im, char src[1024], char dst[1024])
{
	char err[1024];
	snprintf(src, 1024, "%s", test_src_path("tests/data/qemu/src-9.2.log"));
	snprintf(dst, 1024, "%s", test_src_path("tests/data/qemu/dst-9.2.log"));
	CU_ASSERT_FATAL(qemu_import_logs(src, dst, QEMU_IMPORT_CLOCK_ALIGN, im, err, sizeof err) ==
	                0);
}

/* Hand-written excerpts (the .log files of tests/data/qemu; the expected values are
 * worked out in the comments of those files). */
static void test_excerpt(void)
{
	struct qemu_import im;
	char err[1024], src[1024], dst[1024];
	import_excerpt(&im, src, dst);
	CU_ASSERT_FATAL(im.migrations->len == 1);
	CU_ASSERT_EQUAL(im.devices->len, 2);
	CU_ASSERT_STRING_EQUAL(im.devices->pdata[0], "0000:3b:00.1");
	/* damaged, interleaved and truncated lines, each named by file:line */
	CU_ASSERT(has_warning(&im, "src-9.2.log:14: damaged line"));
	CU_ASSERT(has_warning(&im, "src-9.2.log:19: interleaved line"));
	CU_ASSERT(has_warning(&im, "dst-9.2.log:27: last line has no newline"));
	CU_ASSERT(has_warning(&im, "src-9.2.log:36: vfio_save_block: arguments not in QEMU's"));
	CU_ASSERT(has_warning(&im, "src-9.2.log:37: vfio_save_block without a device"));
	CU_ASSERT(has_warning(&im, "src-9.2.log:2: 1 line(s) without a trace timestamp"));
	CU_ASSERT_EQUAL(GPOINTER_TO_UINT(g_hash_table_lookup(im.unknown, "kvm_set_user_memory")),
	                2);
	struct qemu_migration *m = im.migrations->pdata[0];
	CU_ASSERT(m->completed);
	/* QMP events: vf0 is 0000:3b:00.1; vf9 is no device of the logs */
	GHashTable *ids = g_hash_table_new(g_str_hash, g_str_equal);
	g_hash_table_insert(ids, "vf0", "0000:3b:00.1");
	CU_ASSERT(qemu_import_events(&im, test_src_path("tests/data/qemu/qmp-9.2.jsonl"), ids, err,
	                             sizeof err) == 0);
	CU_ASSERT(has_warning(&im, "qmp-9.2.jsonl:5: VFIO_MIGRATION of device 'vf9'"));
	CU_ASSERT(qemu_import_events(&im, test_src_path("tests/data/qemu/bad-qmp.jsonl"), ids, err,
	                             sizeof err) == -1);
	CU_ASSERT(strstr(err, "bad-qmp.jsonl:2: not a JSON object") != NULL);
	g_hash_table_destroy(ids);
	for (size_t k = 1; k < m->tr.n; k++)
		CU_ASSERT(m->tr.ev[k - 1].t <= m->tr.ev[k].t);
	/* upper bounds (a record is loaded after it was sent): first destination
	 * line 100.000500 - source setup 100.000000 = +500 us, loadvm completed
	 * 101.050000 - iterable saved 101.040000 = +10 ms; lower bound (the ACK is
	 * received after it was sent): 100.600000 - 100.600300 = -300 us.  The
	 * offset is the middle, +100 us, +/- 400 us. */
	CU_ASSERT(fabs(m->offset_s - 0.000100) < 1e-9);
	CU_ASSERT(fabs(m->offset_uncertainty_s - 0.000400) < 1e-9);
	CU_ASSERT(has_note(m, "clocks: destination offset"));

	GString *y = g_string_new("name: x\ndevices:\n  - {name: a, profile: null}\n"
	                          "  - {name: b, profile: null}\n");
	struct scenario *s = NULL;
	CU_ASSERT_FATAL(scenario_load_text("x", y->str, y->len, NULL, 0, &s, err, sizeof err) == 0);
	g_string_free(y, TRUE);
	struct mig_result ok = {0};
	struct run_summary sum;
	CU_ASSERT_FATAL(summary_from_trace(s, &m->tr, &ok, &sum) == 0);
	/* src-downtime-start 101.000000; last prepare 101.010000; src-vm-stopped
	 * 101.030000; final exact query 101.031000; src-iterable-saved
	 * 101.040000; then on the destination, 100 us earlier on the source's
	 * clock: bh-announced 101.060000, last prepare 101.070000, bh-vm-started
	 * 101.075000 */
	const double want[PHASE_COUNT] = {0.010, 0.020, 0.001, 0.009, 0.0199, 0.010, 0.005};
	for (int p = 0; p < PHASE_COUNT; p++)
		CU_ASSERT(fabs(sum.phase_s[p] - want[p]) < 1e-9);
	CU_ASSERT(fabs(sum.downtime_s - 0.0749) < 1e-9);
	CU_ASSERT_EQUAL(sum.acks_requested, 1);
	CU_ASSERT_EQUAL(sum.acks_received, 1);
	CU_ASSERT_EQUAL(sum.reinits_seen, 1);
	CU_ASSERT_EQUAL(sum.threads_spawned, 2); /* the multifd save and load threads */
	CU_ASSERT_EQUAL(sum.qmp_events, 3);
	summary_free(&sum);
	scenario_free(s);
	qemu_import_free(&im);
}

/* A log without checkpoints (QEMU before 8.2): the window's phases are NaN
 * with a note; nothing is guessed. */
/* The excerpt's lines rewritten in qemu_log's ISO 8601 form (QEMU 10.1
 * and later with -msg timestamp=on), the time computed here with gmtime_r:
 * style 0 "TIME PID@SEC.USEC:EVENT" (both prefixes), 1 "TIME EVENT",
 * 2 "TIME PROG: EVENT", 3 "TIME GUEST PROG: EVENT", 4 "TIME GUEST EVENT".
 * QEMU's other messages get "TIME PROG: " in styles 2 and 3 (timed, not
 * trace events); lines without a clean legacy prefix are kept as they are. */
static void write_iso(const char *from, const char *to, int style)
{
	gchar *text = NULL;
	CU_ASSERT_FATAL(g_file_get_contents(from, &text, NULL, NULL));
	GString *out = g_string_new("");
	gchar **lines = g_strsplit(text, "\n", -1);
	for (gchar **l = lines; *l; l++) {
		int pid = 0, n = 0;
		long long sec = 0, usec = 0;
		bool rec = sscanf(*l, "%d@%lld.%6lld:%n", &pid, &sec, &usec, &n) == 3 && n > 0 &&
		           (*l)[n - 8] == '.';
		if (!rec) {
			/* QEMU's other messages already start with "PROG: " */
			if (**l && strchr(*l, '@') == NULL && (style == 2 || style == 3))
				g_string_append(out, style == 2
				                         ? "2024-12-02T00:48:20.5Z "
				                         : "2024-12-02T00:48:20.5Z guest-1 ");
			g_string_append(out, *l);
		} else {
			time_t t = (time_t)sec;
			struct tm tm;
			gmtime_r(&t, &tm);
			char iso[64];
			strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%S", &tm);
			g_string_append(out, iso);
			if (usec)
				g_string_append_printf(out, ".%06lld", usec);
			g_string_append(out, "Z ");
			static const char *const ctx[] = {
			    "", "",
			    "qemu-system-x86_64: ", "guest-1 qemu-system-x86_64: ", "guest-1 "};
			g_string_append(out, ctx[style]);
			if (style == 0)
				g_string_append_len(out, *l, n);
			g_string_append(out, *l + n);
		}
		if (l[1])
			g_string_append_c(out, '\n');
	}
	CU_ASSERT_FATAL(g_file_set_contents(to, out->str, (gssize)out->len, NULL));
	g_strfreev(lines);
	g_string_free(out, TRUE);
	g_free(text);
}

/* Every ISO 8601 form gives the migration the legacy prefix gives: the
 * same devices and, event by event, the same trace to the microsecond. */
static void test_iso_timestamps(void)
{
	setup_dir();
	char err[1024], src[1024], dst[1024];
	struct qemu_import ref;
	import_excerpt(&ref, src, dst);
	const struct qemu_migration *a = ref.migrations->pdata[0];
	for (int style = 0; style <= 4; style++) {
		char isrc[1024], idst[1024];
		snprintf(isrc, sizeof isrc, "%s", tmp_path("iso.src"));
		snprintf(idst, sizeof idst, "%s", tmp_path("iso.dst"));
		write_iso(src, isrc, style);
		write_iso(dst, idst, style);
		struct qemu_import im;
		CU_ASSERT_FATAL(qemu_import_logs(isrc, idst, QEMU_IMPORT_CLOCK_ALIGN, &im, err,
		                                 sizeof err) == 0);
		CU_ASSERT_EQUAL(im.migrations->len, ref.migrations->len);
		CU_ASSERT_FATAL(im.devices->len == ref.devices->len);
		for (guint i = 0; i < im.devices->len; i++)
			CU_ASSERT_STRING_EQUAL(im.devices->pdata[i], ref.devices->pdata[i]);
		/* style 4's guest name is told from an event only before a known
		 * event: lines of unknown events are then not counted as events */
		if (style != 4)
			CU_ASSERT_EQUAL(g_hash_table_size(im.unknown),
			                g_hash_table_size(ref.unknown));
		if (style == 2 || style == 3)
			CU_ASSERT(has_warning(&im,
			                      "iso.src:2: 1 timestamped line(s) that are not trace "
			                      "events"));
		const struct qemu_migration *b = im.migrations->pdata[0];
		CU_ASSERT_EQUAL(b->t0_us, a->t0_us);
		if (b->tr.n != a->tr.n)
			fprintf(stderr, "style %d: %zu events, legacy %zu\n", style, b->tr.n,
			        a->tr.n);
		CU_ASSERT_FATAL(b->tr.n == a->tr.n);
		for (size_t k = 0; k < a->tr.n; k++) {
			const struct trace_event *x = &a->tr.ev[k], *y = &b->tr.ev[k];
			CU_ASSERT_EQUAL(y->kind, x->kind);
			CU_ASSERT_EQUAL(y->device, x->device);
			CU_ASSERT_EQUAL(y->side, x->side);
			CU_ASSERT(fabs(y->t - x->t) <= 1e-9);
		}
		qemu_import_free(&im);
	}
	qemu_import_free(&ref);
	/* a damaged ISO time is no prefix: the line is one of QEMU's untimed ones */
	static const char bad[] = "2024-13-02T00:48:20Z migrate_set_state new state setup\n"
	                          "2024-12-02T00:48:20.Z migrate_set_state new state setup\n"
	                          "2024-12-02T00:48:20.000001 migrate_set_state new state setup\n"
	                          "2024-12-02T24:48:20Z migrate_set_state new state setup\n";
	CU_ASSERT_FATAL(g_file_set_contents(tmp_path("bad-iso.log"), bad, -1, NULL));
	struct qemu_import im;
	CU_ASSERT(qemu_import_logs(tmp_path("bad-iso.log"), NULL, QEMU_IMPORT_CLOCK_ALIGN, &im, err,
	                           sizeof err) == -1);
	CU_ASSERT(strstr(err, "bad-iso.log:1: no trace line with a timestamp") != NULL);
}

/* vmstate_downtime_save/_load per device: the excerpt's multifd save
 * thread names the section 0000:00:03.0/vfio with its device 0000:3b:00.1;
 * --device-map overrides that and names what nothing names; a map to a
 * device the logs lack is an error. */
static void test_device_times(void)
{
	struct qemu_import im;
	char err[1024], src[1024], dst[1024];
	import_excerpt(&im, src, dst);
	CU_ASSERT_FATAL(qemu_import_device_times(&im, NULL, err, sizeof err) == 0);
	const struct qemu_migration *m = im.migrations->pdata[0];
	/* src-9.2.log:34 downtime=8500, dst-9.2.log:13 downtime=13000 (us) */
	CU_ASSERT_DOUBLE_EQUAL(m->qemu_save_s[0], 8500e-6, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(m->qemu_load_s[0], 13000e-6, 1e-12);
	CU_ASSERT(isnan(m->qemu_save_s[1]) && isnan(m->qemu_load_s[1]));

	GHashTable *map = g_hash_table_new(g_str_hash, g_str_equal);
	g_hash_table_insert(map, "0000:00:03.0", "0000:3b:00.2");
	CU_ASSERT_FATAL(qemu_import_device_times(&im, map, err, sizeof err) == 0);
	CU_ASSERT(isnan(m->qemu_save_s[0]) && isnan(m->qemu_load_s[0]));
	CU_ASSERT_DOUBLE_EQUAL(m->qemu_save_s[1], 8500e-6, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(m->qemu_load_s[1], 13000e-6, 1e-12);
	g_hash_table_remove_all(map);
	g_hash_table_insert(map, "0000:00:03.0/vfio", "0000:3b:00.9");
	CU_ASSERT(qemu_import_device_times(&im, map, err, sizeof err) == -1);
	CU_ASSERT(strstr(err, "--device-map 0000:00:03.0/vfio=0000:3b:00.9: 0000:3b:00.9 is no "
	                      "VFIO device") != NULL);
	g_hash_table_destroy(map);
	qemu_import_free(&im);

	/* without the thread event or a map: a note naming the section */
	setup_dir();
	gchar *text = NULL;
	CU_ASSERT_FATAL(g_file_get_contents(src, &text, NULL, NULL));
	GString *cut = g_string_new("");
	gchar **lines = g_strsplit(text, "\n", -1);
	for (gchar **l = lines; *l; l++)
		if (!strstr(*l, "thread_start"))
			g_string_append_printf(cut, "%s%s", *l, l[1] ? "\n" : "");
	CU_ASSERT_FATAL(g_file_set_contents(tmp_path("nothread.src"), cut->str, -1, NULL));
	g_strfreev(lines);
	g_string_free(cut, TRUE);
	g_free(text);
	CU_ASSERT_FATAL(qemu_import_logs(tmp_path("nothread.src"), NULL, QEMU_IMPORT_CLOCK_ALIGN,
	                                 &im, err, sizeof err) == 0);
	CU_ASSERT_FATAL(qemu_import_device_times(&im, NULL, err, sizeof err) == 0);
	m = im.migrations->pdata[0];
	CU_ASSERT(isnan(m->qemu_save_s[0]));
	bool noted = false;
	for (guint i = 0; i < m->notes->len; i++)
		noted |= strstr(m->notes->pdata[i], "save iterable 0000:00:03.0/vfio instance 0: "
		                                    "8500 us inside the downtime (no device: "
		                                    "--device-map") != NULL;
	CU_ASSERT(noted);
	qemu_import_free(&im);
	unlink(tmp_path("nothread.src"));
}

static void test_no_checkpoints(void)
{
	struct qemu_import im;
	char err[1024];
	CU_ASSERT_FATAL(qemu_import_logs(test_src_path("tests/data/qemu/src-8.1.log"), NULL,
	                                 QEMU_IMPORT_CLOCK_ALIGN, &im, err, sizeof err) == 0);
	struct qemu_migration *m = im.migrations->pdata[0];
	CU_ASSERT(!m->completed);
	CU_ASSERT(has_note(m, "unknown: source VM stop"));
	CU_ASSERT(has_note(m, "unknown: destination VM running"));
	/* QEMU 8.1: one set_state line per arc, where it ended */
	GArray *arcs = trace_arcs(&m->tr);
	CU_ASSERT_EQUAL(arcs->len, 2);
	CU_ASSERT(has_note(m, "QEMU before 9.1"));
	g_array_unref(arcs);
	qemu_import_free(&im);
}

static void expect_error(const char *file, const char *needle)
{
	struct qemu_import im;
	char err[1024] = "";
	CU_ASSERT(qemu_import_logs(test_src_path(file), NULL, QEMU_IMPORT_CLOCK_ALIGN, &im, err,
	                           sizeof err) == -1);
	if (!strstr(err, needle))
		fprintf(stderr, "error '%s' lacks '%s'\n", err, needle);
	CU_ASSERT(strstr(err, needle) != NULL);
	qemu_import_free(&im);
}

static void test_bad_input(void)
{
	expect_error("tests/data/qemu/bad-no-timestamps.log",
	             "bad-no-timestamps.log:1: no trace line");
	expect_error("tests/data/qemu/bad-no-migration.log",
	             "bad-no-migration.log:3: no migration");
	expect_error("tests/data/qemu/empty.log", "empty.log: empty");
	expect_error("tests/data/qemu/does-not-exist.log",
	             "does-not-exist.log: cannot open: No such file");
}

static void test_cleanup(void)
{
	if (!dir[0])
		return;
	unlink(tmp_path("run.src"));
	unlink(tmp_path("run.dst"));
	unlink(tmp_path("iso.src"));
	unlink(tmp_path("iso.dst"));
	unlink(tmp_path("bad-iso.log"));
	CU_ASSERT(rmdir(dir) == 0);
}

void register_tests(void);
void register_tests(void)
{
	TEST_SUITE("qemu_import", TEST(test_round_trip), TEST(test_round_trip_multifd),
	           TEST(test_two_clocks), TEST(test_excerpt), TEST(test_iso_timestamps),
	           TEST(test_device_times), TEST(test_no_checkpoints), TEST(test_bad_input),
	           TEST(test_cleanup));
}
