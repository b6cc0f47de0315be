/*
 * cli_run.c - `switchover sim` (and every other world's run command): run a
 * scenario N times in a world and print downtime, its breakdown, invariants
 * and efficiency.  The world is a struct cli_world; the options, the
 * statistics and the output are the same for all of them.
 */
#include <errno.h>
#include <getopt.h>
#include <glib.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aggregate.h"
#include "cli.h"
#include "outfile.h"
#include "output.h"
#include "profile_file.h"
#include "qemu_log.h"
#include "scenario.h"
#include "scenario_emit.h"
#include "scenario_load.h"
#include "store.h"
#include "summary.h"

/* The world whose command is running (one per process). */
static const struct cli_world *cur;

#define errorf(...) cli_error(cur->name, __VA_ARGS__)

void cli_run_help(const struct cli_world *w, FILE *out)
{
	fprintf(out,
	        "usage: switchover %s FILE [OPTIONS]\n\n"
	        "Run the scenario FILE (YAML, see docs/scenarios.md) in\n"
	        "%s.\n"
	        "Print the downtime (median, p5, p95, mean over the runs), its breakdown into\n"
	        "phases, each device's share, the ordering invariants and the efficiency\n"
	        "against the ideal-parallel bound.\n\n"
	        "options:\n"
	        "  --strategy S     sequential | parallel-prio | parallel-barrier, or 'all' to\n"
	        "                   run and compare the three (default: the scenario's)\n"
	        "  --runs N         runs per strategy (default: the scenario's `runs`)\n"
	        "  --seed X         base seed (default: the scenario's `seed`); run i of seed X\n"
	        "                   always draws the same numbers\n"
	        "  --set KEY=VALUE  override a scenario key before validation, repeatable:\n"
	        "                   --set vm.ram=8GiB --set devices[0].count=16\n"
	        "                   --set devices.count=4 (every device group)\n"
	        "  --format F       table (default) | json | csv (one row per run)\n"
	        "  --trace          print the event timeline of one run (stdout, before the\n"
	        "                   results); times in ms since the run started\n"
	        "  --trace-run K    which run --trace prints (default 0)\n"
	        "  -o, --output FILE.h5\n"
	        "                   also write every run (summary, phases, trace) to the HDF5\n"
	        "                   result file FILE.h5 (docs/results.md); it appears only when\n"
	        "                   complete (written as FILE.h5.tmp-PID, then renamed)\n"
	        "  --quiet          no progress on stderr\n"
	        "  --events FILE    write the runs' QMP migration events (VFIO_MIGRATION,\n"
	        "                   VFIO_MIGRATION_PREPARE) to FILE as JSON lines; timestamps\n"
	        "                   are seconds since the run started\n"
	        "  --qemu-trace FILE\n"
	        "                   write every run as the trace logs QEMU's `log` backend would\n"
	        "                   (-trace, -msg timestamp=on): the source's to FILE.src, the\n"
	        "                   destination's to FILE.dst; `switchover import qemu` reads\n"
	        "                   them back (docs/import.md)\n"
	        "  --resolved       print the scenario with every default filled in (YAML)\n"
	        "                   after --set, and exit without running\n"
	        "  --profile-path DIR[:DIR...]\n"
	        "                   also look for device and host profiles in these folders\n"
	        "                   (after the built-in ones, before SWITCHOVER_PROFILE_PATH\n"
	        "                   and the scenario's folder; `switchover profile list`)\n"
	        "  --no-memory-check\n"
	        "                   run even when the memory estimate says the runs will not\n"
	        "                   fit (by default such a command is refused before it starts,\n"
	        "                   with the estimate: docs/reliability.md)\n"
	        "  -h, --help       this help\n\n"
	        "json: {scenario, strategy, devices, runs, completed, failed, seed, status,\n"
	        "downtime_s:{median,p5,p95,mean,min,max}, phases_s:{phase: median}, bound_s,\n"
	        "serial_s, efficiency, over_bound_s:{...}, total_s, precopy_rounds,\n"
	        "forced_switchovers, threads_per_run, switchover_ack:{...}, failures:{...},\n"
	        "events:{...}, invariants:{name: held}, violations:{name: first violation},\n"
	        "device_attribution_s:[{device, ...}]}; with --strategy all, {scenario,\n"
	        "results:[...]}; and profile_assumptions:[{profile, values, assumptions}]\n"
	        "when a device profile has values that are assumptions (the table says so\n"
	        "in one line per profile).\n\n"
	        "phases: src_prepare, src_main, final_query, stopcopy, dst_load, dst_prepare,\n"
	        "dst_main; they add up to the downtime (source VM stop to destination running).\n"
	        "invariants: p2p_before_leaving_p2p, prepare_pass_before_main_pass,\n"
	        "threads_joined_in_depth_and_pass, vfio_p2p_before_non_vfio_main (the last\n"
	        "one is expected to break under parallel-barrier).\n\n"
	        "exit status: 0 all migrations completed, 1 some migration failed,\n"
	        "2 bad input or the world could not run.\n",
	        w->name, w->describe);
}

/* Progress on stderr: on a terminal a live counter, otherwise a line every
 * 10 s, so long CI runs show they are alive, and in a world that says_start
 * a line when the first run starts (scripts wait for it: the run is under
 * way, and `real` handles SIGINT by then).  Both say how long is left, from
 * the mean time per run so far over every strategy of the command. */
struct progress {
	bool quiet, tty, says_start;
	double start, last;
	unsigned done, total; /* runs, over every strategy */
};

static void progress_left(char *buf, size_t len, const struct progress *p, double now)
{
	if (!p->done) {
		snprintf(buf, len, "?");
		return;
	}
	cli_format_left((now - p->start) / p->done * (p->total - p->done), buf, len);
}

/* Run `run` (0-based) of `runs` of this strategy is about to start. */
static void progress_start(struct progress *p, const char *what, unsigned run, unsigned runs)
{
	if (!p->quiet && !p->tty && p->says_start && p->done == 0 && run == 0)
		fprintf(stderr, "%s: run 1/%u started\n", what, runs);
}

static void progress_update(struct progress *p, const char *what, unsigned done, unsigned total)
{
	p->done++;
	if (p->quiet)
		return;
	double now = cli_wall_now();
	char left[32];
	progress_left(left, sizeof left, p, now);
	if (p->tty && (now - p->last >= 0.2 || done == total)) {
		fprintf(stderr, "\r\033[K%s: run %u/%u, %s left", what, done, total, left);
		if (done == total)
			fprintf(stderr, "\r\033[K");
		p->last = now;
	} else if (!p->tty && now - p->last >= 10) {
		fprintf(stderr, "%s: run %u/%u (%.0f s, about %s left)\n", what, done, total,
		        now - p->start, left);
		p->last = now;
	}
}

struct sim_opts {
	const char *file;
	int strategy; /* -1: scenario's, STRATEGY_COUNT: all */
	long long runs, seed_set;
	unsigned long long seed;
	const char **sets;
	size_t n_sets;
	enum output_format format;
	bool trace;
	unsigned trace_run;
	bool quiet;
	bool resolved;
	const char *events_path;
	FILE *events; /* open on events_tmp while running */
	char events_tmp[4200];
	const char *qemu_trace; /* --qemu-trace FILE: FILE.src, FILE.dst */
	FILE *qemu[2];          /* open on qemu_tmp[] while running */
	char qemu_tmp[2][4200], qemu_final[2][4200];
	double qemu_base_s; /* wall-clock time of the next run's t = 0 (sim: a fixed epoch) */
	const char *output; /* -o FILE.h5 */
	bool no_memory_check;
};

static int parse_sim_opts(int argc, char **argv, struct sim_opts *o)
{
	static const struct option longopts[] = {
	    {"strategy", required_argument, NULL, 's'},
	    {"runs", required_argument, NULL, 'r'},
	    {"seed", required_argument, NULL, 'x'},
	    {"set", required_argument, NULL, 'S'},
	    {"format", required_argument, NULL, 'f'},
	    {"trace", no_argument, NULL, 't'},
	    {"trace-run", required_argument, NULL, 'T'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"resolved", no_argument, NULL, 'R'},
	    {"help", no_argument, NULL, 'h'},
	    {"output", required_argument, NULL, 'o'},
	    {"events", required_argument, NULL, 'E'},
	    {"qemu-trace", required_argument, NULL, 'Q'},
	    {"profile-path", required_argument, NULL, 'P'},
	    {"no-memory-check", no_argument, NULL, 'M'},
	    {NULL, 0, NULL, 0},
	};
	*o = (struct sim_opts){.strategy = -1, .runs = -1, .seed_set = 0};
	o->sets = calloc((size_t)argc + 1, sizeof *o->sets);
	if (!o->sets)
		return CLI_EXIT_ERROR;
	optind = 1;
	opterr = 0;
	int c;
	unsigned long long v;
	while ((c = getopt_long(argc, argv, ":ho:", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (cli_parse_strategy_or_all(cur->name, optarg, &o->strategy))
				return CLI_EXIT_ERROR;
			break;
		case 'r':
			if (cli_parse_uint(cur->name, "--runs", optarg, 1, 1000000, &v))
				return CLI_EXIT_ERROR;
			o->runs = (long long)v;
			break;
		case 'x':
			if (cli_parse_uint(cur->name, "--seed", optarg, 0, UINT64_MAX, &o->seed))
				return CLI_EXIT_ERROR;
			o->seed_set = 1;
			break;
		case 'S':
			o->sets[o->n_sets++] = optarg;
			break;
		case 'f':
			if ((int)(o->format = output_format_parse(optarg)) < 0) {
				errorf("--format '%s': expected table, json or csv\n", optarg);
				return CLI_EXIT_ERROR;
			}
			break;
		case 't':
			o->trace = true;
			break;
		case 'T':
			if (cli_parse_uint(cur->name, "--trace-run", optarg, 0, 1000000, &v))
				return CLI_EXIT_ERROR;
			o->trace_run = (unsigned)v;
			o->trace = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'R':
			o->resolved = true;
			break;
		case 'E':
			o->events_path = optarg;
			break;
		case 'Q':
			o->qemu_trace = optarg;
			break;
		case 'o':
			o->output = optarg;
			break;
		case 'P':
			profile_file_set_path(optarg);
			break;
		case 'M':
			o->no_memory_check = true;
			break;
		case 'h':
			cli_run_help(cur, stdout);
			return -1;
		case ':':
			errorf("%s needs a value (see switchover %s --help)\n", argv[optind - 1],
			       cur->name);
			return CLI_EXIT_ERROR;
		default:
			errorf("unknown option '%s' (see switchover %s --help)\n", argv[optind - 1],
			       cur->name);
			return CLI_EXIT_ERROR;
		}
	}
	if (optind != argc - 1) {
		errorf("%s (see switchover %s --help)\n",
		       optind == argc ? "missing scenario FILE"
		                      : "expected one scenario FILE, got several",
		       cur->name);
		return CLI_EXIT_ERROR;
	}
	o->file = argv[optind];
	return 0;
}

/* One JSON line per QMP event of the run (QEMU's event layout, plus which
 * run, strategy and end it came from). */
static void write_events(FILE *f, const struct scenario *s, unsigned run, const struct trace *tr)
{
	for (size_t k = 0; k < tr->n; k++) {
		const struct trace_event *e = &tr->ev[k];
		if (e->kind != TRACE_QMP_EVENT || e->device < 0)
			continue;
		char name[DEVICE_NAME_LEN], qom[96];
		scenario_device_name(s, (size_t)e->device, name, sizeof name);
		mig_qom_path(name, qom, sizeof qom);
		double sec = floor(e->t);
		json_t *ev =
		    json_pack("{s:s,s:{s:o,s:o,s:o},s:{s:o,s:o},s:I,s:s,s:s}", "event",
		              e->from == TRACE_QMP_MIGRATION_PREPARE ? "VFIO_MIGRATION_PREPARE"
		                                                     : "VFIO_MIGRATION",
		              "data", "device-id", output_json_string(name), "qom-path",
		              output_json_string(qom), "device-state", output_json_string(e->text),
		              "timestamp", "seconds", output_json_number(sec), "microseconds",
		              output_json_number(floor((e->t - sec) * 1e6)), "run", (json_int_t)run,
		              "strategy", strategy_name(s->strategy), "side",
		              rt_side_name((enum rt_side)e->side));
		output_json_write(f, ev, JSON_COMPACT);
	}
}

/* The device names of `s`, index = device (one allocation; g_free it). */
static const char **device_names(const struct scenario *s)
{
	size_t n = scenario_device_count(s);
	const char **names = g_malloc0((n + 1) * sizeof *names + (n + 1) * DEVICE_NAME_LEN);
	char *buf = (char *)(names + n + 1);
	for (size_t i = 0; i < n; i++) {
		names[i] = buf + DEVICE_NAME_LEN * i;
		scenario_device_name(s, i, buf + DEVICE_NAME_LEN * i, DEVICE_NAME_LEN);
	}
	return names;
}

/* The run as QEMU's two trace logs.  A sim run is placed at a fixed epoch
 * (the logs of a scenario and seed are always the same), each run one
 * second after the previous one ended; a real run at the wall-clock time
 * it started. */
static int write_qemu_trace(struct sim_opts *o, const struct scenario *s, const struct trace *tr,
                            double wall_start_s)
{
	const char **names = device_names(s);
	double base = cur->wall_clock ? wall_start_s : o->qemu_base_s;
	int rc = qemu_log_write(tr, names, base, o->qemu[0], o->qemu[1]);
	g_free(names);
	double end = tr->n ? tr->ev[tr->n - 1].t : 0;
	o->qemu_base_s += ceil(end) + 1;
	if (rc)
		errorf("--qemu-trace %s: cannot write: %s\n", o->qemu_trace, strerror(errno));
	return rc;
}

/* Run every run of `s` with its current strategy into runs[] (and into the
 * result file when there is one). */
static int run_strategy(const struct scenario *s, struct sim_opts *o, struct run_summary *runs,
                        struct progress *prog, struct results_writer *w)
{
	char what[96];
	snprintf(what, sizeof what, "%s %s %s", cur->name, s->name, strategy_name(s->strategy));
	for (unsigned r = 0; r < s->runs; r++) {
		struct trace tr;
		struct mig_result res;
		char err[512] = "";
		trace_init(&tr);
		progress_start(prog, what, r, s->runs);
		double wall_start_s = (double)g_get_real_time() * 1e-6;
		int rc = cur->run(s, r, &tr, &res, err, sizeof err);
		if (rc) {
			errorf("%s: run %u: %s\n", s->file ? s->file : s->name, r, err);
			trace_free(&tr);
			return -1;
		}
		if (o->trace && r == o->trace_run) {
			const char **names = device_names(s);
			printf("# trace: %s, strategy %s, run %u (times in ms)\n", s->name,
			       strategy_name(s->strategy), r);
			trace_print(&tr, stdout, names);
			g_free(names);
		}
		if (o->events)
			write_events(o->events, s, r, &tr);
		if (o->qemu_trace && write_qemu_trace(o, s, &tr, wall_start_s)) {
			trace_free(&tr);
			return -1;
		}
		rc = summary_from_trace(s, &tr, &res, &runs[r]);
		if (!rc && w && results_writer_add_run(w, s, r, &tr, &runs[r], err, sizeof err)) {
			errorf("%s\n", err);
			trace_free(&tr);
			return -1;
		}
		trace_free(&tr);
		if (rc) {
			errorf("%s: run %u: %s\n", s->file ? s->file : s->name, r, runs[r].error);
			return -1;
		}
		progress_update(prog, what, r + 1, s->runs);
	}
	return 0;
}

/* --qemu-trace FILE: FILE.src and FILE.dst, each written beside its final
 * name and renamed when complete (like -o and --events). */
static int qemu_trace_open(struct sim_opts *o)
{
	static const char *const ext[2] = {"src", "dst"};
	o->qemu_base_s = 1700000000.0;
	for (int k = 0; k < 2; k++) {
		snprintf(o->qemu_final[k], sizeof o->qemu_final[k], "%s.%s", o->qemu_trace, ext[k]);
		snprintf(o->qemu_tmp[k], sizeof o->qemu_tmp[k], "%s.%s.tmp-%ld", o->qemu_trace,
		         ext[k], (long)getpid());
		if (!(o->qemu[k] = fopen(o->qemu_tmp[k], "w"))) {
			errorf("--qemu-trace %s: cannot write: %s\n", o->qemu_final[k],
			       strerror(errno));
			for (int j = 0; j < k; j++) {
				fclose(o->qemu[j]);
				unlink(o->qemu_tmp[j]);
			}
			return -1;
		}
	}
	return 0;
}

static int qemu_trace_close(struct sim_opts *o, bool keep)
{
	int rc = 0;
	for (int k = 0; k < 2; k++) {
		bool ok = fclose(o->qemu[k]) == 0 && keep;
		if (ok && rename(o->qemu_tmp[k], o->qemu_final[k]) != 0) {
			errorf("--qemu-trace %s: cannot write: %s\n", o->qemu_final[k],
			       strerror(errno));
			ok = false;
			rc = -1;
		}
		if (!ok)
			unlink(o->qemu_tmp[k]);
	}
	return rc;
}

/* Start the result file of -o: the command line is recorded as typed. */
static int output_open(const struct sim_opts *o, const struct scenario *s, int argc, char **argv,
                       struct results_writer **w)
{
	GString *line = g_string_new("switchover");
	for (int i = 0; i < argc; i++)
		g_string_append_printf(line, " %s", argv[i]);
	char err[1024];
	int rc = results_writer_open(w, o->output, s, cur->name, line->str, err, sizeof err);
	g_string_free(line, TRUE);
	if (rc)
		errorf("%s\n", err);
	return rc;
}

/* The result file is kept only when the command did not fail. */
static int output_close(struct results_writer *w, int exit_status)
{
	char err[1024];
	if (!w)
		return exit_status;
	if (exit_status == CLI_EXIT_ERROR) {
		results_writer_abort(w);
		return exit_status;
	}
	if (results_writer_finish(w, err, sizeof err)) {
		errorf("%s\n", err);
		return CLI_EXIT_ERROR;
	}
	return exit_status;
}

int cli_run_world(const struct cli_world *w, int argc, char **argv)
{
	cur = w;
	struct sim_opts o;
	int rc = parse_sim_opts(argc, argv, &o);
	if (rc) {
		free(o.sets);
		return rc < 0 ? CLI_EXIT_OK : rc;
	}
	struct scenario *s = NULL;
	char err[1024];
	if (scenario_load_file(o.file, o.sets, o.n_sets, &s, err, sizeof err)) {
		errorf("%s\n", err);
		free(o.sets);
		return CLI_EXIT_ERROR;
	}
	free(o.sets);
	if (o.runs > 0)
		s->runs = (unsigned)o.runs;
	if (o.seed_set)
		s->seed = o.seed;
	if (o.resolved) {
		char *yaml = scenario_to_yaml(s);
		int st = yaml && fputs(yaml, stdout) >= 0 && fflush(stdout) == 0 ? CLI_EXIT_OK
		                                                                 : CLI_EXIT_ERROR;
		if (st)
			errorf("cannot print the resolved scenario\n");
		free(yaml);
		scenario_free(s);
		return st;
	}
	if (o.trace && o.trace_run >= s->runs) {
		errorf("--trace-run %u: the scenario has runs 0..%u\n", o.trace_run, s->runs - 1);
		scenario_free(s);
		return CLI_EXIT_ERROR;
	}
	enum strategy_kind list[STRATEGY_COUNT];
	size_t n_strat = 0;
	if (o.strategy == STRATEGY_COUNT)
		for (int k = 0; k < STRATEGY_COUNT; k++)
			list[n_strat++] = (enum strategy_kind)k;
	else
		list[n_strat++] = o.strategy >= 0 ? (enum strategy_kind)o.strategy : s->strategy;
	/* Refused before any file is made or run started, not ended by the
	 * OOM killer when the memory runs out. */
	if (!o.no_memory_check) {
		struct mem_need need;
		struct mem_avail avail;
		char what[64];
		snprintf(what, sizeof what, "this %s", cur->name);
		mem_estimate_runs(s, cur->memory, n_strat, o.output != NULL, &need);
		mem_available(&avail);
		if (mem_check(&need, &avail, what, err, sizeof err)) {
			errorf("%s\n", err);
			scenario_free(s);
			return CLI_EXIT_ERROR;
		}
	}
	struct results_writer *out = NULL;
	if (o.output && output_open(&o, s, argc, argv, &out)) {
		scenario_free(s);
		return CLI_EXIT_ERROR;
	}

	if (o.events_path) {
		/* Written beside the final name and renamed when complete. */
		if (outfile_begin(o.events_path, o.events_tmp, sizeof o.events_tmp, err,
		                  sizeof err)) {
			errorf("--events %s\n", err);
			scenario_free(s);
			return output_close(out, CLI_EXIT_ERROR);
		}
		if (!(o.events = fopen(o.events_tmp, "w"))) {
			errorf("--events %s: cannot write: %s\n", o.events_path, strerror(errno));
			outfile_discard(o.events_tmp);
			scenario_free(s);
			return output_close(out, CLI_EXIT_ERROR);
		}
	}

	if (o.qemu_trace && qemu_trace_open(&o)) {
		if (o.events) {
			fclose(o.events);
			unlink(o.events_tmp);
		}
		scenario_free(s);
		output_close(out, CLI_EXIT_ERROR);
		return CLI_EXIT_ERROR;
	}

	struct output_result res[STRATEGY_COUNT];
	struct aggregate agg[STRATEGY_COUNT];
	struct run_summary *runs[STRATEGY_COUNT] = {0};
	struct progress prog = {.quiet = o.quiet,
	                        .tty = isatty(2),
	                        .says_start = cur->says_start,
	                        .start = cli_wall_now(),
	                        .total = (unsigned)n_strat * s->runs};
	prog.last = prog.start;
	size_t done = 0;
	int exit_status = CLI_EXIT_OK;
	for (size_t k = 0; k < n_strat; k++) {
		s->strategy = list[k];
		runs[k] = calloc(s->runs, sizeof *runs[k]);
		if (!runs[k] || run_strategy(s, &o, runs[k], &prog, out)) {
			if (!runs[k])
				errorf("out of memory\n");
			exit_status = CLI_EXIT_ERROR;
			break;
		}
		if (aggregate_runs(runs[k], s->runs, &agg[k])) {
			errorf("out of memory\n");
			exit_status = CLI_EXIT_ERROR;
			break;
		}
		res[k] = (struct output_result){list[k], runs[k], &agg[k]};
		done++;
		if (agg[k].failed)
			exit_status = CLI_EXIT_FAILED_RUNS;
	}
	struct output_profile_note *notes = NULL;
	size_t n_notes = 0;
	if (exit_status != CLI_EXIT_ERROR &&
	    cli_profile_notes(s, &notes, &n_notes, err, sizeof err)) {
		errorf("%s\n", err);
		exit_status = CLI_EXIT_ERROR;
	}
	if (exit_status != CLI_EXIT_ERROR) {
		if (o.format == OUTPUT_JSON)
			output_json(stdout, s, res, done, notes, n_notes);
		else if (o.format == OUTPUT_CSV)
			output_csv(stdout, s, res, done);
		else
			output_table(stdout, s, res, done, notes, n_notes);
	}
	cli_profile_notes_free(notes, n_notes);
	for (size_t k = 0; k < n_strat; k++) {
		if (k < done)
			aggregate_free(&agg[k]);
		for (unsigned r = 0; runs[k] && r < s->runs; r++)
			summary_free(&runs[k][r]);
		free(runs[k]);
	}
	if (o.events) {
		/* A full disk shows only here, when the buffer is flushed. */
		bool written = !ferror(o.events);
		written &= fclose(o.events) == 0;
		if (exit_status == CLI_EXIT_ERROR) {
			outfile_discard(o.events_tmp);
		} else if (!written) {
			errorf("--events %s: cannot write: %s\n", o.events_path, strerror(errno));
			outfile_discard(o.events_tmp);
			exit_status = CLI_EXIT_ERROR;
		} else if (outfile_commit(o.events_tmp, o.events_path, err, sizeof err)) {
			errorf("--events %s\n", err);
			exit_status = CLI_EXIT_ERROR;
		}
	}
	if (o.qemu_trace && qemu_trace_close(&o, exit_status != CLI_EXIT_ERROR))
		exit_status = CLI_EXIT_ERROR;
	scenario_free(s);
	if (fflush(stdout) != 0) {
		errorf("writing the results failed\n");
		exit_status = CLI_EXIT_ERROR;
	}
	return output_close(out, exit_status);
}
