/*
 * cli_import.c - `switchover import qemu`: a real QEMU migration's trace
 * logs (and QMP events) as a result file of the project's schema, so that
 * report and compare take it like a run of their own (docs/import.md).
 */
#include <getopt.h>
#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "qemu_log.h"
#include "scenario_load.h"
#include "store.h"
#include "strategy.h"
#include "summary.h"

#define errorf(...) cli_error("import", __VA_ARGS__)

void cli_import_help(FILE *out)
{
	fprintf(out,
	        "usage: switchover import qemu --source SRC.log [--destination DST.log]\n"
	        "                             [--events QMP.jsonl] [--query-migrate QM.json]\n"
	        "                             -o RUN.h5 [options]\n\n"
	        "Read the trace logs a real QEMU migration left (QEMU's `log` trace backend\n"
	        "with -msg timestamp=on, one line per event: PID@SEC.USEC:event args, or an\n"
	        "ISO 8601 time first in newer QEMU) and write them as a result file: every\n"
	        "device state change, the precopy rounds\n"
	        "and pending queries, switchover-ACKs, REINIT reports, the downtime window and\n"
	        "its phases, loads and multifd device-state threads.  `report` and `compare`\n"
	        "take the file unchanged.  docs/import.md says which -trace patterns to use.\n\n"
	        "options:\n"
	        "  --source FILE       the source QEMU's log (required)\n"
	        "  --destination FILE  the destination QEMU's log\n"
	        "  --events FILE       QMP events as JSON lines (VFIO_MIGRATION with\n"
	        "                      migration-events=on), wall-clock timestamps\n"
	        "  --query-migrate FILE\n"
	        "                      QEMU's query-migrate answer (JSON): its downtime,\n"
	        "                      total and setup times go into the notes\n"
	        "  --device-id ID=NAME the QMP events' device-id ID is the device the\n"
	        "                      trace calls NAME (its host address), repeatable\n"
	        "  --device-map GUEST=HOST\n"
	        "                      the device QEMU's vmstate_downtime_save/_load call\n"
	        "                      GUEST (its guest address, 0000:00:05.0, or the whole\n"
	        "                      idstr 0000:00:05.0/vfio) is the VF the vfio_* events\n"
	        "                      call HOST (0000:3b:00.1); repeatable.  Not needed with\n"
	        "                      multifd device state, whose events name both\n"
	        "  -o, --output FILE   the result file (written as FILE.tmp-PID, then renamed)\n"
	        "  --all               every migration of the logs (default: the first)\n"
	        "  --clock C           align (default): the two ends have two clocks, aligned\n"
	        "                      from events both record, with the uncertainty stated;\n"
	        "                      same: one host, one clock (and switchover's own logs)\n"
	        "  --strategy S        the strategy the QEMU ran, for compare (default\n"
	        "                      sequential: upstream QEMU)\n"
	        "  --name NAME         scenario name in the file (default qemu-import)\n"
	        "  -h, --help          this help\n\n"
	        "Lines it cannot read are warnings naming file and line; events it does not\n"
	        "know are counted and listed; a phase the logs cannot give is NaN with a note.\n"
	        "exit status: 0 written, 1 written but a migration did not complete,\n"
	        "2 bad input (unreadable log, no migration in it, bad option).\n");
}

/* QEMU's device names (PCI addresses: 0000:3b:00.1) as scenario device names. */
static void scenario_device(GString *yaml, const char *qemu_name)
{
	GString *n = g_string_new("");
	for (const char *p = qemu_name; *p && n->len < DEVICE_NAME_LEN - 2; p++)
		g_string_append_c(n, g_ascii_isalnum(*p) || *p == '-' || *p == '_' ? *p : '_');
	/* a name ending in digits would read as an instance of a group: end it
	 * with a letter */
	if (!n->len || g_ascii_isdigit(n->str[n->len - 1]))
		g_string_append_c(n, 'd');
	g_string_append_printf(yaml, "  - name: \"%s\"\n    profile: null\n", n->str);
	g_string_free(n, TRUE);
}

/* The scenario of the imported runs: one null device per QEMU device (the
 * runs' costs are in their traces), and a description that keeps where the
 * runs came from and every note of what the logs could not give. */
static struct scenario *import_scenario(const struct qemu_import *im, guint n_used,
                                        const char *name, enum strategy_kind strategy,
                                        const char *src, const char *dst)
{
	GString *y = g_string_new("");
	g_string_append_printf(y, "name: %s\nmigration:\n  strategy: %s\ndevices:\n", name,
	                       strategy_name(strategy));
	for (guint i = 0; i < im->devices->len; i++)
		scenario_device(y, im->devices->pdata[i]);
	g_string_append_printf(y, "runs: %u\n", n_used);
	struct scenario *s = NULL;
	char err[1024];
	if (scenario_load_text("(imported)", y->str, y->len, NULL, 0, &s, err, sizeof err))
		errorf("%s (--name gives the scenario name)\n", err);
	g_string_free(y, TRUE);
	if (!s)
		return NULL;
	GString *d = g_string_new("");
	g_string_append_printf(d, "imported from QEMU trace logs %s%s%s", src, dst ? " and " : "",
	                       dst ? dst : "");
	for (guint k = 0; k < n_used; k++) {
		const struct qemu_migration *m = im->migrations->pdata[k];
		for (guint i = 0; i < m->notes->len; i++)
			g_string_append_printf(d, "; migration %u: %s", k,
			                       (const char *)m->notes->pdata[i]);
	}
	free(s->description);
	s->description = strdup(d->str);
	g_string_free(d, TRUE);
	if (!s->description) {
		errorf("out of memory\n");
		scenario_free(s);
		return NULL;
	}
	return s;
}

struct import_opts {
	const char *src, *dst, *events, *query, *output, *name;
	GHashTable *ids; /* --device-id: QMP id -> trace name */
	GHashTable *map; /* --device-map: section idstr or guest address -> trace name */
	bool all;
	enum qemu_import_clock clock;
	enum strategy_kind strategy;
};

static int parse(int argc, char **argv, struct import_opts *o)
{
	static const struct option longopts[] = {
	    {"source", required_argument, NULL, 's'},
	    {"destination", required_argument, NULL, 'd'},
	    {"events", required_argument, NULL, 'e'},
	    {"output", required_argument, NULL, 'o'},
	    {"all", no_argument, NULL, 'a'},
	    {"clock", required_argument, NULL, 'c'},
	    {"strategy", required_argument, NULL, 'S'},
	    {"name", required_argument, NULL, 'n'},
	    {"device-id", required_argument, NULL, 'i'},
	    {"device-map", required_argument, NULL, 'm'},
	    {"query-migrate", required_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	*o = (struct import_opts){
	    .name = "qemu-import",
	    .strategy = STRATEGY_SEQUENTIAL,
	    .ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free),
	    .map = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free)};
	if (argc < 2 || strcmp(argv[1], "qemu") != 0) {
		if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
			cli_import_help(stdout);
			return -1;
		}
		errorf("expected `switchover import qemu ...` (see switchover import --help)\n");
		return CLI_EXIT_ERROR;
	}
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc - 1, argv + 1, ":ho:", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o->src = optarg;
			break;
		case 'd':
			o->dst = optarg;
			break;
		case 'e':
			o->events = optarg;
			break;
		case 'q':
			o->query = optarg;
			break;
		case 'o':
			o->output = optarg;
			break;
		case 'a':
			o->all = true;
			break;
		case 'n':
			o->name = optarg;
			break;
		case 'i':
		case 'm': {
			const char *eq = strchr(optarg, '=');
			if (!eq || eq == optarg || !eq[1]) {
				errorf(c == 'i' ? "--device-id '%s': expected ID=NAME\n"
				                : "--device-map '%s': expected GUEST=HOST, e.g. "
				                  "0000:00:05.0=0000:3b:00.1\n",
				       optarg);
				return CLI_EXIT_ERROR;
			}
			g_hash_table_replace(c == 'i' ? o->ids : o->map,
			                     g_strndup(optarg, (size_t)(eq - optarg)),
			                     g_strdup(eq + 1));
			break;
		}
		case 'c':
			if (!strcmp(optarg, "same"))
				o->clock = QEMU_IMPORT_CLOCK_SAME;
			else if (!strcmp(optarg, "align"))
				o->clock = QEMU_IMPORT_CLOCK_ALIGN;
			else {
				errorf("--clock '%s': expected align or same\n", optarg);
				return CLI_EXIT_ERROR;
			}
			break;
		case 'S': {
			int k = strategy_parse(optarg);
			if (k < 0) {
				errorf("--strategy '%s': expected sequential, parallel-prio or "
				       "parallel-barrier\n",
				       optarg);
				return CLI_EXIT_ERROR;
			}
			o->strategy = (enum strategy_kind)k;
			break;
		}
		case 'h':
			cli_import_help(stdout);
			return -1;
		case ':':
			errorf("%s needs a value (see switchover import --help)\n", argv[optind]);
			return CLI_EXIT_ERROR;
		default:
			errorf("unknown option '%s' (see switchover import --help)\n",
			       argv[optind]);
			return CLI_EXIT_ERROR;
		}
	}
	if (optind != argc - 1) {
		errorf("unexpected argument '%s' (see switchover import --help)\n",
		       argv[optind + 1]);
		return CLI_EXIT_ERROR;
	}
	if (!o->src || !o->output) {
		errorf("%s is required (see switchover import --help)\n",
		       o->src ? "-o RUN.h5" : "--source SRC.log");
		return CLI_EXIT_ERROR;
	}
	return 0;
}

static void report_import(const struct qemu_import *im, guint n_used)
{
	for (guint i = 0; i < im->warnings->len; i++)
		errorf("warning: %s\n", (const char *)im->warnings->pdata[i]);
	if (g_hash_table_size(im->unknown)) {
		GList *keys = g_list_sort(g_hash_table_get_keys(im->unknown), (GCompareFunc)strcmp);
		errorf("%u event kinds not used (not migration events, or unknown):",
		       g_hash_table_size(im->unknown));
		for (GList *k = keys; k; k = k->next)
			fprintf(stderr, " %s x%u", (const char *)k->data,
			        GPOINTER_TO_UINT(g_hash_table_lookup(im->unknown, k->data)));
		fputc('\n', stderr);
		g_list_free(keys);
	}
	for (guint k = 0; k < n_used; k++) {
		const struct qemu_migration *m = im->migrations->pdata[k];
		for (guint i = 0; i < m->notes->len; i++)
			errorf("migration %u: %s\n", k, (const char *)m->notes->pdata[i]);
	}
}

int cli_import(int argc, char **argv)
{
	struct import_opts o;
	int rc = parse(argc, argv, &o);
	if (rc) {
		g_hash_table_destroy(o.ids);
		g_hash_table_destroy(o.map);
		return rc < 0 ? CLI_EXIT_OK : rc;
	}
	struct qemu_import im;
	char err[1024];
	if (qemu_import_logs(o.src, o.dst, o.clock, &im, err, sizeof err) ||
	    (o.events && qemu_import_events(&im, o.events, o.ids, err, sizeof err)) ||
	    (o.query && qemu_import_query_migrate(&im, o.query, err, sizeof err)) ||
	    qemu_import_device_times(&im, o.map, err, sizeof err)) {
		errorf("%s\n", err);
		qemu_import_free(&im);
		g_hash_table_destroy(o.ids);
		g_hash_table_destroy(o.map);
		return CLI_EXIT_ERROR;
	}
	g_hash_table_destroy(o.ids);
	g_hash_table_destroy(o.map);
	guint n_used = o.all ? im.migrations->len : 1;
	if (!o.all && im.migrations->len > 1)
		errorf("warning: %s holds %u migrations; importing the first (--all for every "
		       "one)\n",
		       o.src, im.migrations->len);
	report_import(&im, n_used);
	if (!im.devices->len) {
		errorf("%s:1: no VFIO device in the log (no vfio_migration_set_state line: "
		       "-trace 'vfio_migration_*', docs/import.md)\n",
		       o.src);
		qemu_import_free(&im);
		return CLI_EXIT_ERROR;
	}
	g_ptr_array_set_size(im.migrations, n_used);
	struct scenario *s = import_scenario(&im, n_used, o.name, o.strategy, o.src, o.dst);
	if (!s) {
		qemu_import_free(&im);
		return CLI_EXIT_ERROR;
	}
	GString *line = g_string_new("switchover");
	for (int i = 0; i < argc; i++)
		g_string_append_printf(line, " %s", argv[i]);
	struct results_writer *w = NULL;
	int status = CLI_EXIT_OK;
	if (results_writer_open(&w, o.output, s, "qemu", line->str, err, sizeof err)) {
		errorf("%s\n", err);
		status = CLI_EXIT_ERROR;
	}
	for (guint k = 0; w && k < n_used && status != CLI_EXIT_ERROR; k++) {
		const struct qemu_migration *m = im.migrations->pdata[k];
		struct mig_result res = {.status = m->completed ? 0 : -EIO};
		if (!m->completed)
			snprintf(res.error, sizeof res.error,
			         "the destination VM never ran in the logs (no "
			         "dst-precopy-bh-vm-started checkpoint)");
		struct run_summary sum;
		int bad = summary_from_trace(s, &m->tr, &res, &sum);
		/* the scenario's devices are the import's, in its order */
		for (size_t d = 0; !bad && d < sum.n_devices; d++) {
			sum.dev[d].qemu_save_s = m->qemu_save_s[d];
			sum.dev[d].qemu_load_s = m->qemu_load_s[d];
		}
		if (bad || results_writer_add_run(w, s, k, &m->tr, &sum, err, sizeof err)) {
			errorf("%s\n", sum.error[0] && !err[0] ? sum.error : err);
			status = CLI_EXIT_ERROR;
		} else {
			printf("migration %u: %s, downtime %.3f ms", k,
			       m->completed ? "completed" : "not completed", sum.downtime_s * 1e3);
			for (int p = 0; p < PHASE_COUNT; p++)
				printf(", %s %.3f", phase_name((enum phase)p),
				       sum.phase_s[p] * 1e3);
			printf("\n");
			if (!m->completed && status == CLI_EXIT_OK)
				status = CLI_EXIT_FAILED_RUNS;
		}
		summary_free(&sum);
	}
	if (w && status == CLI_EXIT_ERROR)
		results_writer_abort(w);
	else if (w && results_writer_finish(w, err, sizeof err)) {
		errorf("%s\n", err);
		status = CLI_EXIT_ERROR;
	}
	g_string_free(line, TRUE);
	scenario_free(s);
	qemu_import_free(&im);
	return status;
}
