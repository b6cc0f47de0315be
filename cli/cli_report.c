/*
 * cli_report.c - `switchover report`: pictures of result files (plot.h).
 *
 * Every file gets a timeline of its median run per strategy and a downtime
 * distribution; the files together get a downtime-vs-devices sweep when
 * their runs have several device counts, and a per-phase comparison (sim vs
 * real) when two or more hold the same scenario with the same devices.  A
 * sweep file gets the study plots (downtime vs each axis, heatmap, phases).
 */
#include <errno.h>
#include <getopt.h>
#include <glib.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "names.h"
#include "plots.h"
#include "store.h"

#define report_errorf(...) cli_error("report", __VA_ARGS__)

void cli_report_help(FILE *out)
{
	fprintf(out,
	        "usage: switchover report FILE.h5 [FILE.h5 ...] [OPTIONS]\n\n"
	        "Draw pictures of result files (written by `switchover sim -o FILE.h5`):\n"
	        "  SCENARIO-timeline.EXT      the run with the median downtime as a Gantt chart:\n"
	        "                             a row per device and side, per task and per\n"
	        "                             non-VFIO handler, bars coloured by VFIO device\n"
	        "                             state, the downtime window shaded, VM stop/start/\n"
	        "                             running lines, thread spawn/join ticks, errors\n"
	        "                             (SCENARIO-STRATEGY-timeline.EXT when the file has\n"
	        "                             several strategies: one per strategy)\n"
	        "  SCENARIO-downtime.EXT      downtime of every run, a box per strategy\n"
	        "  devices-sweep.EXT          median downtime vs number of devices, a line per\n"
	        "                             strategy (when the runs have several device counts)\n"
	        "  sim-vs-real.EXT            the phases of the downtime side by side, a bar per\n"
	        "                             file (when files hold the same scenario with the\n"
	        "                             same devices, e.g. a sim and a real result)\n"
	        "SCENARIO is the scenario's name, or the file's name without .h5 when several\n"
	        "files share a scenario name.  The paths written are printed on stdout.\n"
	        "A sweep file (switchover sweep -o STUDY.h5, docs/sweep.md) gets instead:\n"
	        "  STUDY-downtime-vs-AXIS.EXT median downtime (p5-p95 band) vs each numeric\n"
	        "                             axis, a line per strategy (log scale once the\n"
	        "                             axis spans 8x, the downtime once it spans 10x)\n"
	        "  STUDY-STRATEGY-phases.EXT  where the downtime goes: the phase medians\n"
	        "                             stacked, a bar per value of the first axis\n"
	        "  STUDY-STRATEGY-heatmap.EXT with two axes or more: the median downtime over\n"
	        "                             the first two, with a colour scale\n\n"
	        "options:\n"
	        "  -o, --output DIR   where to write (default: the current directory; created\n"
	        "                     when missing)\n"
	        "  --format F         png (default) | svg\n"
	        "  --run N            the timeline of run N (/runs/N) instead of the median runs\n"
	        "  --whole-run        timelines from migration setup, not only around the\n"
	        "                     downtime window\n"
	        "  --strategy S       the strategy sim-vs-real compares (default: the first that\n"
	        "                     every file has)\n"
	        "  --plots LIST       only these, comma-separated: timeline, downtime, sweep,\n"
	        "                     sim-vs-real; asking for a plot the files cannot give is\n"
	        "                     an error\n"
	        "  -h, --help         this help\n\n"
	        "exit status: 0 pictures written, 2 bad input (command line, a missing file,\n"
	        "a file that is not a result file, a plot the files cannot give) or a picture\n"
	        "could not be written.\n");
}

enum report_plot { REPORT_TIMELINE, REPORT_DOWNTIME, REPORT_SWEEP, REPORT_PHASES, REPORT_COUNT };
static const char *const report_plot_words[] = {[REPORT_TIMELINE] = "timeline",
                                                [REPORT_DOWNTIME] = "downtime",
                                                [REPORT_SWEEP] = "sweep",
                                                [REPORT_PHASES] = "sim-vs-real"};
static const struct names report_plot_names = NAMES(report_plot_words);

struct report_opts {
	const char *dir;
	enum plot_format fmt;
	long run; /* -1: median runs */
	bool whole_run;
	int strategy; /* -1: the first all files share */
	bool want[REPORT_COUNT];
	bool explicit_plots;
};

static int parse_plots(const char *list, struct report_opts *o)
{
	char *copy = strdup(list), *save = NULL;
	if (!copy)
		return -1;
	o->explicit_plots = true;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int k = names_parse(&report_plot_names, tok);
		if (k < 0) {
			report_errorf("--plots: unknown plot '%s'; plots are timeline, downtime, "
			              "sweep, sim-vs-real\n",
			              tok);
			free(copy);
			return -1;
		}
		o->want[k] = true;
	}
	free(copy);
	return 0;
}

/* 0 and the first file argument's index, -1 (help printed) or an exit status. */
static int parse_opts(int argc, char **argv, struct report_opts *o, int *first)
{
	static const struct option longopts[] = {
	    {"output", required_argument, NULL, 'o'},   {"format", required_argument, NULL, 'f'},
	    {"run", required_argument, NULL, 'r'},      {"whole-run", no_argument, NULL, 'w'},
	    {"strategy", required_argument, NULL, 's'}, {"plots", required_argument, NULL, 'p'},
	    {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
	};
	*o = (struct report_opts){.dir = ".", .fmt = PLOT_PNG, .run = -1, .strategy = -1};
	for (int k = 0; k < REPORT_COUNT; k++)
		o->want[k] = true;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":ho:", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o->dir = optarg;
			break;
		case 'f': {
			int f = plot_format_parse(optarg);
			if (f < 0) {
				report_errorf("--format '%s': expected png or svg\n", optarg);
				return CLI_EXIT_ERROR;
			}
			o->fmt = (enum plot_format)f;
			break;
		}
		case 'r': {
			char *end;
			errno = 0;
			long v = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || v < 0) {
				report_errorf("--run '%s': expected a run number (0, 1, ...)\n",
				              optarg);
				return CLI_EXIT_ERROR;
			}
			o->run = v;
			break;
		}
		case 'w':
			o->whole_run = true;
			break;
		case 's':
			if ((o->strategy = strategy_parse(optarg)) < 0) {
				report_errorf("--strategy '%s': expected sequential, parallel-prio "
				              "or parallel-barrier\n",
				              optarg);
				return CLI_EXIT_ERROR;
			}
			break;
		case 'p':
			for (int k = 0; k < REPORT_COUNT; k++)
				o->want[k] = false;
			if (parse_plots(optarg, o))
				return CLI_EXIT_ERROR;
			break;
		case 'h':
			cli_report_help(stdout);
			return -1;
		case ':':
			report_errorf("%s needs a value (see switchover report --help)\n",
			              argv[optind - 1]);
			return CLI_EXIT_ERROR;
		default:
			report_errorf("unknown option '%s' (see switchover report --help)\n",
			              argv[optind - 1]);
			return CLI_EXIT_ERROR;
		}
	}
	if (optind == argc) {
		report_errorf("missing result FILE.h5 (see switchover report --help)\n");
		return CLI_EXIT_ERROR;
	}
	*first = optind;
	return 0;
}

/* mkdir -p */
static int make_dirs(const char *dir)
{
	char path[4096];
	if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(path, 0777) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(path, 0777) && errno != EEXIST)
		return -1;
	struct stat st;
	if (stat(path, &st))
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

struct report_file {
	const char *path;
	struct results *r;
	char stem[256];  /* output name prefix */
	char label[300]; /* "sim: base.h5" */
};

/* Scenario name as stem, or the file's base name when names repeat. */
static void name_files(struct report_file *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool shared = false;
		for (size_t j = 0; j < n; j++)
			shared |= j != i && !strcmp(f[i].r->scenario_name, f[j].r->scenario_name);
		char copy[4096];
		snprintf(copy, sizeof copy, "%s", f[i].path);
		const char *base = basename(copy);
		snprintf(f[i].label, sizeof f[i].label, "%s: %s", f[i].r->backend, base);
		if (shared) {
			size_t len = strlen(base);
			if (len > 3 && !strcmp(base + len - 3, ".h5"))
				len -= 3;
			snprintf(f[i].stem, sizeof f[i].stem, "%.*s", (int)len, base);
		} else {
			snprintf(f[i].stem, sizeof f[i].stem, "%s", f[i].r->scenario_name);
		}
		/* a name is a file name: no directories */
		for (char *p = f[i].stem; *p; p++)
			if (*p == '/')
				*p = '_';
	}
}

static bool has_strategy(const struct results *r, int s)
{
	for (size_t i = 0; i < r->n_runs; i++)
		if ((int)r->runs[i].strategy == s && r->runs[i].sum.status == 0)
			return true;
	return false;
}

static size_t strategies_in(const struct results *r)
{
	size_t n = 0;
	for (int s = 0; s < STRATEGY_COUNT; s++) {
		bool any = false;
		for (size_t i = 0; i < r->n_runs; i++)
			any |= (int)r->runs[i].strategy == s;
		n += any;
	}
	return n;
}

/* Draw one picture; print its path.  0 or an exit status. */
static int wrote(int rc, const char *path, const char *err)
{
	if (rc) {
		report_errorf("%s\n", err);
		return CLI_EXIT_ERROR;
	}
	printf("%s\n", path);
	return 0;
}

static int report_timelines(const struct report_opts *o, const struct report_file *f)
{
	char path[4600], err[1024], note[96];
	const char *ext = plot_format_ext(o->fmt);
	struct plot_timeline_opts topts = {.whole_run = o->whole_run};
	if (o->run >= 0) {
		if ((size_t)o->run >= f->r->n_runs) {
			report_errorf("--run %ld: %s has runs 0..%zu\n", o->run, f->path,
			              f->r->n_runs ? f->r->n_runs - 1 : 0);
			return CLI_EXIT_ERROR;
		}
		snprintf(path, sizeof path, "%s/%s-timeline.%s", o->dir, f->stem, ext);
		return wrote(
		    plot_timeline(f->r, (size_t)o->run, &topts, o->fmt, path, err, sizeof err),
		    path, err);
	}
	bool several = strategies_in(f->r) > 1;
	for (int s = 0; s < STRATEGY_COUNT; s++) {
		long run = plot_median_run(f->r, (enum strategy_kind)s);
		if (run < 0)
			continue;
		size_t n = 0;
		for (size_t i = 0; i < f->r->n_runs; i++)
			n += (int)f->r->runs[i].strategy == s && f->r->runs[i].sum.status == 0;
		snprintf(note, sizeof note, n ? "the median of %zu" : "no run completed", n);
		topts.note = note;
		if (several)
			snprintf(path, sizeof path, "%s/%s-%s-timeline.%s", o->dir, f->stem,
			         strategy_name((enum strategy_kind)s), ext);
		else
			snprintf(path, sizeof path, "%s/%s-timeline.%s", o->dir, f->stem, ext);
		int rc =
		    wrote(plot_timeline(f->r, (size_t)run, &topts, o->fmt, path, err, sizeof err),
		          path, err);
		if (rc)
			return rc;
	}
	return 0;
}

/* Files of one scenario with the same device count: the first such group of
 * two or more, in command-line order (at most 6).  Returns its size. */
static size_t phase_group(const struct report_file *f, size_t n, size_t *idx)
{
	for (size_t i = 0; i < n; i++) {
		size_t k = 0;
		idx[k++] = i;
		size_t dev_i = f[i].r->n_runs ? f[i].r->runs[0].sum.n_devices : 0;
		for (size_t j = i + 1; j < n && k < 6; j++) {
			size_t dev_j = f[j].r->n_runs ? f[j].r->runs[0].sum.n_devices : 0;
			if (!strcmp(f[i].r->scenario_name, f[j].r->scenario_name) && dev_i == dev_j)
				idx[k++] = j;
		}
		if (k >= 2)
			return k;
	}
	return 0;
}

static int report_phases(const struct report_opts *o, const struct report_file *f, size_t n)
{
	size_t idx[6];
	size_t k = phase_group(f, n, idx);
	if (k < 2) {
		if (!o->explicit_plots)
			return 0;
		report_errorf("sim-vs-real needs two files of the same scenario with the same "
		              "devices (a sim and a real result, say)\n");
		return CLI_EXIT_ERROR;
	}
	const struct results *files[6];
	const char *labels[6];
	for (size_t i = 0; i < k; i++) {
		files[i] = f[idx[i]].r;
		labels[i] = f[idx[i]].label;
	}
	int s = o->strategy;
	for (int c = 0; s < 0 && c < STRATEGY_COUNT; c++) {
		bool all = true;
		for (size_t i = 0; i < k; i++)
			all &= has_strategy(files[i], c);
		if (all)
			s = c;
	}
	if (s < 0) {
		if (!o->explicit_plots)
			return 0;
		report_errorf("sim-vs-real: %s and %s have no strategy with completed runs in "
		              "common\n",
		              f[idx[0]].path, f[idx[1]].path);
		return CLI_EXIT_ERROR;
	}
	char path[4600], err[1024];
	snprintf(path, sizeof path, "%s/sim-vs-real.%s", o->dir, plot_format_ext(o->fmt));
	return wrote(
	    plot_phases(files, labels, k, (enum strategy_kind)s, o->fmt, path, err, sizeof err),
	    path, err);
}

static int report_all(const struct report_opts *o, struct report_file *f, size_t n)
{
	char path[4600], err[1024];
	const char *ext = plot_format_ext(o->fmt);
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		if (o->want[REPORT_TIMELINE])
			rc = report_timelines(o, &f[i]);
		if (!rc && o->want[REPORT_DOWNTIME]) {
			snprintf(path, sizeof path, "%s/%s-downtime.%s", o->dir, f[i].stem, ext);
			rc = wrote(plot_downtime(f[i].r, o->fmt, path, err, sizeof err), path, err);
		}
	}
	const struct results **all = calloc(n, sizeof *all);
	if (!all) {
		report_errorf("out of memory\n");
		return CLI_EXIT_ERROR;
	}
	for (size_t i = 0; i < n; i++)
		all[i] = f[i].r;
	if (!rc && o->want[REPORT_SWEEP]) {
		if (plot_device_counts(all, n) >= 2) {
			snprintf(path, sizeof path, "%s/devices-sweep.%s", o->dir, ext);
			rc = wrote(plot_devices_sweep(all, n, o->fmt, path, err, sizeof err), path,
			           err);
		} else if (o->explicit_plots) {
			report_errorf("sweep: the runs have a single device count; give files "
			              "(or a sweep file) with several\n");
			rc = CLI_EXIT_ERROR;
		}
	}
	free(all);
	if (!rc && o->want[REPORT_PHASES])
		rc = report_phases(o, f, n);
	return rc;
}

/* A sweep file (docs/sweep.md): downtime vs each numeric axis, and for
 * each strategy the heatmap of the first two axes and the phases stacked
 * along the first numeric one. */
static int report_study(const struct report_opts *o, const char *file,
                        const struct results_table *t)
{
	char copy[4096], stem[256], path[4700], err[1024];
	const char *ext = plot_format_ext(o->fmt);
	snprintf(copy, sizeof copy, "%s", file);
	snprintf(stem, sizeof stem, "%s", basename(copy));
	size_t len = strlen(stem);
	if (len > 3 && !strcmp(stem + len - 3, ".h5"))
		stem[len - 3] = 0;
	long strat = results_table_col(t, "strategy"), first = -1;
	int rc = 0;
	for (long c = 2; c < strat && !rc; c++) {
		if (t->is_text[c])
			continue;
		if (first < 0)
			first = c;
		/* The axis key in a file name: devices[0].count -> devices_0_.count */
		char axis[128];
		snprintf(axis, sizeof axis, "%s", t->names[c]);
		for (char *p = axis; *p; p++)
			if (!g_ascii_isalnum(*p) && *p != '.' && *p != '-')
				*p = '_';
		snprintf(path, sizeof path, "%s/%s-downtime-vs-%s.%s", o->dir, stem, axis, ext);
		rc = wrote(plot_study_downtime(t, t->names[c], stem, o->fmt, path, err, sizeof err),
		           path, err);
	}
	if (first < 0) {
		report_errorf("%s: the study has no numeric axis to draw along\n", file);
		return CLI_EXIT_ERROR;
	}
	/* Per strategy: the first two axes (numbers or texts) as a heatmap,
	 * and the phases along the first numeric axis. */
	bool two_axes = strat >= 4;
	for (int s = 0; s < STRATEGY_COUNT && !rc; s++) {
		const char *name = strategy_name((enum strategy_kind)s);
		bool has = false;
		for (size_t r = 0; r < t->n_rows; r++)
			has |= !strcmp(t->text[r * t->n_cols + strat], name);
		if (!has)
			continue;
		if (two_axes) {
			snprintf(path, sizeof path, "%s/%s-%s-heatmap.%s", o->dir, stem, name, ext);
			rc = wrote(plot_study_heatmap(t, t->names[2], t->names[3], stem,
			                              (enum strategy_kind)s, o->fmt, path, err,
			                              sizeof err),
			           path, err);
		}
		snprintf(path, sizeof path, "%s/%s-%s-phases.%s", o->dir, stem, name, ext);
		if (!rc)
			rc =
			    wrote(plot_study_phases(t, t->names[first], stem, (enum strategy_kind)s,
			                            o->fmt, path, err, sizeof err),
			          path, err);
	}
	return rc;
}

int cli_report(int argc, char **argv)
{
	struct report_opts o;
	int first = 0;
	int rc = parse_opts(argc, argv, &o, &first);
	if (rc)
		return rc < 0 ? CLI_EXIT_OK : rc;
	size_t n = (size_t)(argc - first);
	struct report_file *f = calloc(n, sizeof *f);
	if (!f) {
		report_errorf("out of memory\n");
		return CLI_EXIT_ERROR;
	}
	char err[1024];
	size_t n_runs = 0;
	struct results_table **studies = calloc(n + 1, sizeof *studies);
	if (!rc && make_dirs(o.dir)) {
		report_errorf("-o %s: cannot create the directory: %s\n", o.dir, strerror(errno));
		rc = CLI_EXIT_ERROR;
	}
	/* Sweep files (with /points) get the study plots; the others are run
	 * files, drawn together. */
	for (int i = first; i < argc && !rc; i++) {
		if (studies &&
		    !results_table_read(argv[i], "points", &studies[i - first], err, sizeof err)) {
			rc = report_study(&o, argv[i], studies[i - first]);
			continue;
		}
		f[n_runs].path = argv[i];
		if (results_read(f[n_runs].path, &f[n_runs].r, err, sizeof err)) {
			report_errorf("%s\n", err);
			rc = CLI_EXIT_ERROR;
		}
		n_runs++;
	}
	if (!rc && n_runs) {
		name_files(f, n_runs);
		rc = report_all(&o, f, n_runs);
	}
	for (size_t i = 0; studies && i < n; i++)
		results_table_free(studies[i]);
	free(studies);
	for (size_t i = 0; i < n_runs; i++)
		if (f[i].r)
			results_free(f[i].r);
	free(f);
	return rc;
}
