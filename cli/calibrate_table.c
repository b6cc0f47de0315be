/*
 * calibrate_table.c - `switchover calibrate table OBSERVATIONS.csv --free
 * KEY=LOW..HIGH ... -o FITTED.yaml`: read the observations and the free
 * keys, fit (calibrate_fit.c), print the report and write the fitted
 * profile (calibrate_profile.c).  docs/calibration.md, "From a table".
 */
#include <getopt.h>
#include <glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calibrate_table.h"
#include "cli.h"
#include "device_profile.h"
#include "input_file.h"
#include "outfile.h"
#include "scenario_load.h"
#include "units.h"

#define CMD "calibrate table"
/* Observations files are small tables; anything larger is a mistake. */
#define CALT_MAX_CSV_BYTES (16u << 20)
#define CALT_DEFAULT_RUNS  20
#define CALT_DEFAULT_ITER  400

void calibrate_table_help(FILE *out)
{
	fprintf(out,
	        "usage: switchover calibrate table OBSERVATIONS.csv --free KEY=LOW..HIGH ...\n"
	        "                                  [-o FITTED.yaml] [OPTIONS]\n\n"
	        "Fit scenario keys to observed downtimes by running the simulation: each\n"
	        "evaluation runs every observation's scenario in the SimGrid world with the\n"
	        "free keys set (as --set would) and the same seed (common random numbers),\n"
	        "and GSL's Nelder-Mead simplex (nmsimplex2) minimises the weighted squared\n"
	        "relative error over the logs of the values, kept inside LOW..HIGH.\n"
	        "It prints the fitted values with 95%% intervals from the curvature of the\n"
	        "objective at the fit (a finite-difference Hessian), the directions the rows\n"
	        "cannot pin down (flat: near-zero curvature), each row's residual and its\n"
	        "leave-one-out error (refit without the row, then predict it), next to a\n"
	        "naive baseline: a least-squares straight line of the observed values\n"
	        "against the rows' device counts, and its leave-one-out error.\n\n"
	        "OBSERVATIONS.csv: a header row naming the columns, then one row per\n"
	        "observation ('#' lines and blank lines are skipped; fields may be quoted):\n"
	        "  scenario     scenario file, relative to the CSV's folder\n"
	        "  set          --set overrides for this row, separated by ';' (may be empty)\n"
	        "  strategy     sequential | parallel-prio | parallel-barrier\n"
	        "  statistic    median | mean | pNN (a downtime percentile, p5..p95) |\n"
	        "               phase:NAME (the median of a phase, e.g. phase:dst_load)\n"
	        "  observed     the observed value, with its unit (497ms)\n"
	        "  uncertainty  optional column: 2ms or 3%%; empty or absent: 1%% of observed\n"
	        "  note         optional column, ignored (where the number comes from)\n\n"
	        "options:\n"
	        "  --free KEY=LOW..HIGH\n"
	        "                   a key to fit (any key --set takes, usually a device key\n"
	        "                   of every group: devices.load.rate=100MiB/s..10GiB/s),\n"
	        "                   within LOW..HIGH (both > 0, same unit kind); repeatable\n"
	        "  -o, --output FILE.yaml\n"
	        "                   write the fitted device profile (docs/scenarios.md,\n"
	        "                   \"Device profiles\"): the base profile with each fitted\n"
	        "                   devices.* key replaced and marked `source: fitted`; it\n"
	        "                   appears only when complete\n"
	        "  --report FILE.json\n"
	        "                   also write the report as JSON: the fitted values with\n"
	        "                   their intervals, the eigen-directions, and every row\n"
	        "                   (line, scenario, set, strategy, statistic, devices,\n"
	        "                   observed, fitted, leave-one-out) with the straight-line\n"
	        "                   baseline's fit and leave-one-out beside it; times in\n"
	        "                   seconds, errors as fractions (docs/calibration.md)\n"
	        "  --profile NAME   base profile of the output (default mlx5-cx7)\n"
	        "  --name NAME      name of the fitted profile (default: the base's)\n"
	        "  --runs N         simulated runs per row and evaluation (default %d)\n"
	        "  --seed X         seed of every evaluation (default 1)\n"
	        "  --max-iter N     minimiser iterations per fit (default %d)\n"
	        "  --quiet          no progress line on stderr\n"
	        "  -h, --help       this help\n\n"
	        "The uncertainty sets each row's weight: the objective is the sum of\n"
	        "((simulated - observed) / uncertainty)^2.  Output is the same, byte for\n"
	        "byte, for the same inputs.\n"
	        "exit status: 0 fitted, 2 bad input or a scenario that cannot run.\n",
	        CALT_DEFAULT_RUNS, CALT_DEFAULT_ITER);
}

/* ---- the observations file ---- */

enum col {
	COL_SCENARIO,
	COL_SET,
	COL_STRATEGY,
	COL_STATISTIC,
	COL_OBSERVED,
	COL_UNCERTAINTY,
	COL_NOTE,
	COL_COUNT
};
static const char *const col_names[COL_COUNT] = {"scenario", "set",         "strategy", "statistic",
                                                 "observed", "uncertainty", "note"};
static const bool col_required[COL_COUNT] = {true, false, true, true, true, false, false};

struct field {
	char *text;
	unsigned column; /* 1-based character column where it starts */
};

/* Split one CSV line into fields (RFC 4180 quoting, no newlines inside
 * quotes); -1 with the column of the problem in *bad. */
static int split_line(const char *line, GArray *fields, unsigned *bad)
{
	const char *p = line;
	for (;;) {
		struct field f = {.column = (unsigned)(p - line) + 1};
		GString *s = g_string_new(NULL);
		if (*p == '"') {
			p++;
			for (;;) {
				if (!*p) {
					*bad = f.column;
					g_string_free(s, TRUE);
					return -1;
				}
				if (*p == '"' && p[1] == '"') {
					g_string_append_c(s, '"');
					p += 2;
				} else if (*p == '"') {
					p++;
					break;
				} else {
					g_string_append_c(s, *p++);
				}
			}
			if (*p && *p != ',') {
				*bad = (unsigned)(p - line) + 1;
				g_string_free(s, TRUE);
				return -1;
			}
		} else {
			while (*p && *p != ',')
				g_string_append_c(s, *p++);
		}
		f.text = g_strstrip(g_string_free(s, FALSE));
		g_array_append_val(fields, f);
		if (!*p)
			return 0;
		p++;
	}
}

static void fields_clear(GArray *fields)
{
	for (size_t i = 0; i < fields->len; i++)
		g_free(g_array_index(fields, struct field, i).text);
	g_array_set_size(fields, 0);
}

/* "median", "mean", "pNN", "phase:NAME" into the row; false if none. */
static bool parse_statistic(const char *t, struct calt_row *row)
{
	if (!strcmp(t, "median")) {
		row->stat = CALT_MEDIAN;
		return true;
	}
	if (!strcmp(t, "mean")) {
		row->stat = CALT_MEAN;
		return true;
	}
	if (t[0] == 'p' && t[1] >= '1' && t[1] <= '9') {
		char *end;
		long v = strtol(t + 1, &end, 10);
		if (*end || v < 1 || v > 99)
			return false;
		row->stat = CALT_PERCENTILE;
		row->percentile = (double)v / 100;
		return true;
	}
	if (!strncmp(t, "phase:", 6)) {
		for (int p = 0; p < PHASE_COUNT; p++)
			if (!strcmp(t + 6, phase_name((enum phase)p))) {
				row->stat = CALT_PHASE;
				row->phase = (enum phase)p;
				return true;
			}
	}
	return false;
}

static void row_free(struct calt_row *r)
{
	g_free(r->scenario);
	g_free(r->scenario_text);
	g_free(r->note);
	g_strfreev(r->sets);
	g_free(r->stat_text);
}

/* One data row from its fields; -1 after saying which field is wrong. */
static int parse_row(const char *csv, const char *dir, unsigned line, GArray *fields,
                     const int *col_of, struct calt_row *row)
{
	const struct field *f[COL_COUNT] = {0};
	char why[256];
	for (int c = 0; c < COL_COUNT; c++)
		if (col_of[c] >= 0 && (size_t)col_of[c] < fields->len)
			f[c] = &g_array_index(fields, struct field, (size_t)col_of[c]);
	*row = (struct calt_row){.line = line};
	for (int c = 0; c < COL_COUNT; c++) {
		if (col_required[c] && (!f[c] || !*f[c]->text)) {
			unsigned at = f[c] ? f[c]->column : 1;
			cli_error(CMD, "%s:%u:%u: %s: empty; every row needs one\n", csv, line, at,
			          col_names[c]);
			return -1;
		}
	}
	row->scenario_text = g_strdup(f[COL_SCENARIO]->text);
	if (f[COL_NOTE] && *f[COL_NOTE]->text)
		row->note = g_strdup(f[COL_NOTE]->text);
	row->scenario = g_path_is_absolute(f[COL_SCENARIO]->text)
	                    ? g_strdup(f[COL_SCENARIO]->text)
	                    : g_build_filename(dir, f[COL_SCENARIO]->text, NULL);
	if (access(row->scenario, R_OK)) {
		cli_error(CMD, "%s:%u:%u: scenario: %s: cannot read it\n", csv, line,
		          f[COL_SCENARIO]->column, row->scenario);
		return -1;
	}
	GPtrArray *sets = g_ptr_array_new();
	if (f[COL_SET] && *f[COL_SET]->text) {
		char **parts = g_strsplit(f[COL_SET]->text, ";", -1);
		for (char **s = parts; *s; s++) {
			g_strstrip(*s);
			if (!**s)
				continue;
			if (!strchr(*s, '=')) {
				cli_error(CMD, "%s:%u:%u: set: '%s': expected KEY=VALUE\n", csv,
				          line, f[COL_SET]->column, *s);
				g_strfreev(parts);
				g_ptr_array_free(sets, TRUE);
				return -1;
			}
			g_ptr_array_add(sets, g_strdup(*s));
		}
		g_strfreev(parts);
	}
	row->n_sets = sets->len;
	g_ptr_array_add(sets, NULL);
	row->sets = (char **)g_ptr_array_free(sets, FALSE);
	if ((row->strategy = strategy_parse(f[COL_STRATEGY]->text)) < 0) {
		cli_error(CMD,
		          "%s:%u:%u: strategy: '%s': expected sequential, parallel-prio or "
		          "parallel-barrier\n",
		          csv, line, f[COL_STRATEGY]->column, f[COL_STRATEGY]->text);
		return -1;
	}
	row->stat_text = g_strdup(f[COL_STATISTIC]->text);
	if (!parse_statistic(row->stat_text, row)) {
		cli_error(CMD,
		          "%s:%u:%u: statistic: '%s': expected median, mean, p1..p99 or "
		          "phase:NAME (src_prepare, ..., dst_main)\n",
		          csv, line, f[COL_STATISTIC]->column, row->stat_text);
		return -1;
	}
	if (units_parse_duration(f[COL_OBSERVED]->text, &row->observed_s, why, sizeof why) ||
	    !(row->observed_s > 0)) {
		cli_error(CMD, "%s:%u:%u: observed: '%s': expected a duration above 0 (497ms)\n",
		          csv, line, f[COL_OBSERVED]->column, f[COL_OBSERVED]->text);
		return -1;
	}
	row->sigma_s = 0.01 * row->observed_s;
	const struct field *u = f[COL_UNCERTAINTY];
	if (u && *u->text) {
		size_t n = strlen(u->text);
		double v;
		int bad;
		if (u->text[n - 1] == '%') {
			char *num = g_strndup(u->text, n - 1);
			bad = units_parse_number(num, &v, why, sizeof why);
			g_free(num);
			row->sigma_s = v / 100 * row->observed_s;
		} else {
			bad = units_parse_duration(u->text, &v, why, sizeof why);
			row->sigma_s = v;
		}
		if (bad || !(row->sigma_s > 0)) {
			cli_error(CMD,
			          "%s:%u:%u: uncertainty: '%s': expected a duration or a "
			          "percentage above 0 (2ms, 3%%)\n",
			          csv, line, u->column, u->text);
			return -1;
		}
	}
	return 0;
}

/* The header row: which field is which column; -1 after saying why. */
static int parse_header(const char *csv, unsigned line, GArray *fields, int *col_of)
{
	for (int c = 0; c < COL_COUNT; c++)
		col_of[c] = -1;
	for (size_t i = 0; i < fields->len; i++) {
		const struct field *f = &g_array_index(fields, struct field, i);
		int c = 0;
		while (c < COL_COUNT && strcmp(f->text, col_names[c]))
			c++;
		if (c == COL_COUNT || col_of[c] >= 0) {
			cli_error(CMD,
			          "%s:%u:%u: '%s': %s column; the header names scenario, set, "
			          "strategy, statistic, observed, uncertainty, note\n",
			          csv, line, f->column, f->text,
			          c == COL_COUNT ? "unknown" : "repeated");
			return -1;
		}
		col_of[c] = (int)i;
	}
	for (int c = 0; c < COL_COUNT; c++)
		if (col_required[c] && col_of[c] < 0) {
			cli_error(CMD, "%s:%u:1: the header has no '%s' column\n", csv, line,
			          col_names[c]);
			return -1;
		}
	return 0;
}

static int read_observations(const char *csv, struct calt_problem *pb)
{
	char *text, err[512];
	size_t len;
	if (input_file_read(csv, CALT_MAX_CSV_BYTES, &text, &len, err, sizeof err)) {
		cli_error(CMD, "%s\n", err);
		return -1;
	}
	char *dir = g_path_get_dirname(csv);
	char **lines = g_strsplit(text, "\n", -1);
	GArray *fields = g_array_new(FALSE, FALSE, sizeof(struct field));
	GArray *rows = g_array_new(FALSE, TRUE, sizeof(struct calt_row));
	int col_of[COL_COUNT], rc = 0;
	size_t n_cols = 0; /* fields of the header; 0 before it */
	for (unsigned i = 0; lines[i] && !rc; i++) {
		char *l = lines[i];
		size_t n = strlen(l);
		if (n && l[n - 1] == '\r')
			l[n - 1] = 0;
		const char *t = l + strspn(l, " \t");
		if (!*t || *t == '#')
			continue;
		unsigned bad;
		fields_clear(fields);
		if (split_line(l, fields, &bad)) {
			cli_error(CMD, "%s:%u:%u: unterminated or misplaced quote\n", csv, i + 1,
			          bad);
			rc = -1;
		} else if (!n_cols) {
			rc = parse_header(csv, i + 1, fields, col_of);
			n_cols = fields->len;
		} else if (fields->len > n_cols) {
			cli_error(CMD, "%s:%u:%u: %u fields; the header names %zu columns\n", csv,
			          i + 1, g_array_index(fields, struct field, n_cols).column,
			          fields->len, n_cols);
			rc = -1;
		} else {
			struct calt_row row;
			rc = parse_row(csv, dir, i + 1, fields, col_of, &row);
			if (rc)
				row_free(&row);
			else
				g_array_append_val(rows, row);
		}
	}
	if (!rc && !rows->len) {
		cli_error(CMD,
		          "%s:1:1: no observation rows (a header row, then one row per "
		          "observation)\n",
		          csv);
		rc = -1;
	}
	fields_clear(fields);
	g_array_free(fields, TRUE);
	g_strfreev(lines);
	g_free(dir);
	g_free(text);
	pb->n_rows = rows->len;
	pb->rows = (struct calt_row *)g_array_free(rows, FALSE);
	return rc;
}

/* Each row's device count (its scenario with its own sets, without the free
 * keys): the baseline's abscissa. */
static int count_devices(const char *csv, struct calt_problem *pb)
{
	for (size_t i = 0; i < pb->n_rows; i++) {
		struct calt_row *row = &pb->rows[i];
		struct scenario *s = NULL;
		char why[1024];
		if (scenario_load_file(row->scenario, (const char *const *)row->sets, row->n_sets,
		                       &s, why, sizeof why)) {
			cli_error(CMD, "%s:%u: %s\n", csv, row->line, why);
			return -1;
		}
		row->devices = scenario_device_count(s);
		scenario_free(s);
	}
	return 0;
}

/* ---- --free KEY=LOW..HIGH ---- */

static int parse_bound(const char *text, enum calt_kind *kind, double *v)
{
	char err[128];
	uint64_t b;
	if (!units_parse_duration(text, v, err, sizeof err) && strpbrk(text, "smnu"))
		*kind = CALT_DURATION;
	else if (!units_parse_rate(text, v, err, sizeof err) && strpbrk(text, "/p"))
		*kind = CALT_RATE;
	else if (!units_parse_bytes(text, &b, err, sizeof err) && strpbrk(text, "B")) {
		*kind = CALT_BYTES;
		*v = (double)b;
	} else if (!units_parse_number(text, v, err, sizeof err))
		*kind = CALT_NUMBER;
	else
		return -1;
	return 0;
}

static int parse_free(const char *arg, struct calt_free *f)
{
	const char *eq = strchr(arg, '='), *dots = eq ? strstr(eq, "..") : NULL;
	*f = (struct calt_free){0};
	if (!eq || eq == arg || !dots) {
		cli_error(
		    CMD,
		    "--free '%s': expected KEY=LOW..HIGH (devices.load.rate=100MiB/s..10GiB/s)\n",
		    arg);
		return -1;
	}
	f->key = g_strndup(arg, (size_t)(eq - arg));
	char *lo = g_strndup(eq + 1, (size_t)(dots - eq - 1));
	const char *hi = dots + 2;
	enum calt_kind klo, khi;
	int rc = 0;
	if (parse_bound(lo, &klo, &f->lo) || parse_bound(hi, &khi, &f->hi)) {
		cli_error(CMD,
		          "--free %s: '%s..%s': expected two durations, rates, sizes or numbers\n",
		          f->key, lo, hi);
		rc = -1;
	} else if (klo != khi) {
		cli_error(CMD, "--free %s: '%s' and '%s' are not the same kind of quantity\n",
		          f->key, lo, hi);
		rc = -1;
	} else if (!(f->lo > 0) || !(f->hi > f->lo)) {
		cli_error(CMD,
		          "--free %s: %s..%s: expected 0 < LOW < HIGH (the fit works on logs)\n",
		          f->key, lo, hi);
		rc = -1;
	}
	f->kind = klo;
	g_free(lo);
	return rc;
}

/* ---- the report ---- */

static void print_value(const struct calt_free *f, double v)
{
	char buf[64];
	calt_format_value(f->kind, v, buf, sizeof buf);
	printf(" %14s", buf);
}

/* " 1234.5 +12.34%", or dashes for NaN. */
static void print_pred(double v, double o)
{
	if (isnan(v))
		printf(" %10s %8s", "-", "-");
	else
		printf(" %10.1f %+7.2f%%", v * 1e3, 100 * (v - o) / o);
}

static void print_report(const char *csv, const struct calt_problem *pb,
                         const struct calt_result *r, const struct calt_baseline *b)
{
	size_t p = pb->n_free, n = pb->n_rows;
	double wsum = 0, w2 = 0;
	for (size_t i = 0; i < n; i++) {
		double w = pow(pb->rows[i].observed_s / pb->rows[i].sigma_s, 2) * 1e-4;
		double e = (r->pred_s[i] - pb->rows[i].observed_s) / pb->rows[i].observed_s;
		wsum += w;
		w2 += w * e * e;
	}
	printf("calibrate table: %s, %zu rows, %zu free keys, %u runs per row, seed %llu\n", csv, n,
	       p, pb->runs, pb->seed);
	printf("fit: %u evaluations (%u for the fit to every row), weighted RMS relative "
	       "error %.2f%%, chi2 %.4g\n",
	       r->evals, r->fit_evals, 100 * sqrt(w2 / wsum), r->chi2);
	printf("\nfitted values (95%% intervals from the curvature of chi2 at the fit):\n");
	printf("  %-44s %14s %14s %14s\n", "key", "fitted", "95% low", "95% high");
	for (size_t k = 0; k < p; k++) {
		printf("  %-44s", pb->free[k].key);
		print_value(&pb->free[k], r->x[k]);
		print_value(&pb->free[k], r->ci_lo[k]);
		print_value(&pb->free[k], r->ci_hi[k]);
		printf("%s\n", r->determined[k] ? "" : "  (not determined: the bounds)");
	}
	printf("\ncurvature eigen-directions (d chi2 / d log value, flat = the rows cannot pin "
	       "it):\n");
	for (size_t k = 0; k < p; k++) {
		printf("  %-5s eigenvalue %11.4g  ", r->flat[k] ? "FLAT" : "", r->eigval[k]);
		bool first = true;
		for (size_t j = 0; j < p; j++) {
			double v = r->eigvec[j * p + k];
			if (fabs(v) < 0.05)
				continue;
			printf("%s%+.2f %s", first ? "" : " ", v, pb->free[j].key);
			first = false;
		}
		printf("\n");
	}
	printf("\nrows (times in ms; error = (simulated - observed) / observed; leave-one-out: "
	       "refit without the row, predict it);\n"
	       "baseline: the least-squares line observed = %.2f ms + %.2f ms x devices through "
	       "every row, and through the others:\n",
	       b->a_s * 1e3, b->b_s * 1e3);
	printf("  %4s %-22s %-16s %-10s %7s %10s %10s %8s %10s %8s %10s %8s %10s %8s\n", "line",
	       "scenario", "strategy", "statistic", "devices", "observed", "fitted", "error",
	       "LOO pred", "LOO err", "line", "error", "line LOO", "LOO err");
	for (size_t i = 0; i < n; i++) {
		const struct calt_row *row = &pb->rows[i];
		char *base = g_path_get_basename(row->scenario);
		double o = row->observed_s;
		printf("  %4u %-22s %-16s %-10s %7zu %10.1f", row->line, base,
		       strategy_name((enum strategy_kind)row->strategy), row->stat_text,
		       row->devices, o * 1e3);
		print_pred(r->pred_s[i], o);
		print_pred(r->loo_pred_s[i], o);
		print_pred(b->pred_s[i], o);
		print_pred(b->loo_pred_s[i], o);
		putchar('\n');
		g_free(base);
	}
}

/* ---- the command ---- */

struct opts {
	const char *csv, *output, *report, *profile, *name;
	unsigned long long runs, seed, max_iter;
	bool quiet;
	GArray *free; /* struct calt_free */
};

static void problem_free(struct calt_problem *pb, GArray *free)
{
	for (size_t i = 0; i < pb->n_rows; i++)
		row_free(&pb->rows[i]);
	g_free(pb->rows);
	for (size_t k = 0; k < free->len; k++)
		g_free(g_array_index(free, struct calt_free, k).key);
	g_array_free(free, TRUE);
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	enum {
		OPT_FREE = 256,
		OPT_REPORT,
		OPT_PROFILE,
		OPT_NAME,
		OPT_RUNS,
		OPT_SEED,
		OPT_ITER,
		OPT_QUIET
	};
	static const struct option longopts[] = {
	    {"free", required_argument, NULL, OPT_FREE},
	    {"output", required_argument, NULL, 'o'},
	    {"report", required_argument, NULL, OPT_REPORT},
	    {"profile", required_argument, NULL, OPT_PROFILE},
	    {"name", required_argument, NULL, OPT_NAME},
	    {"runs", required_argument, NULL, OPT_RUNS},
	    {"seed", required_argument, NULL, OPT_SEED},
	    {"max-iter", required_argument, NULL, OPT_ITER},
	    {"quiet", no_argument, NULL, OPT_QUIET},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int ch;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":ho:", longopts, NULL)) != -1) {
		struct calt_free f;
		switch (ch) {
		case 'h':
			calibrate_table_help(stdout);
			return 1;
		case 'o':
			o->output = optarg;
			break;
		case OPT_FREE:
			if (parse_free(optarg, &f)) {
				g_free(f.key);
				return -1;
			}
			for (size_t k = 0; k < o->free->len; k++)
				if (!strcmp(g_array_index(o->free, struct calt_free, k).key,
				            f.key)) {
					cli_error(CMD, "--free %s: given twice\n", f.key);
					g_free(f.key);
					return -1;
				}
			g_array_append_val(o->free, f);
			break;
		case OPT_REPORT:
			o->report = optarg;
			break;
		case OPT_PROFILE:
			o->profile = optarg;
			break;
		case OPT_NAME:
			o->name = optarg;
			break;
		case OPT_RUNS:
			if (cli_parse_uint(CMD, "--runs", optarg, 1, 100000, &o->runs))
				return -1;
			break;
		case OPT_SEED:
			if (cli_parse_uint(CMD, "--seed", optarg, 0, UINT64_MAX, &o->seed))
				return -1;
			break;
		case OPT_ITER:
			if (cli_parse_uint(CMD, "--max-iter", optarg, 1, 1000000, &o->max_iter))
				return -1;
			break;
		case OPT_QUIET:
			o->quiet = true;
			break;
		case ':':
			cli_error(CMD, "%s needs a value (see --help)\n", argv[optind - 1]);
			return -1;
		default:
			cli_error(CMD, "unknown option '%s' (see --help)\n", argv[optind - 1]);
			return -1;
		}
	}
	if (optind != argc - 1) {
		cli_error(CMD, "expected one OBSERVATIONS.csv (see --help)\n");
		return -1;
	}
	o->csv = argv[optind];
	if (!o->free->len) {
		cli_error(CMD, "no --free KEY=LOW..HIGH: nothing to fit\n");
		return -1;
	}
	return 0;
}

int calibrate_table_main(int argc, char **argv)
{
	struct opts o = {.profile = "mlx5-cx7",
	                 .runs = CALT_DEFAULT_RUNS,
	                 .seed = 1,
	                 .max_iter = CALT_DEFAULT_ITER,
	                 .free = g_array_new(FALSE, FALSE, sizeof(struct calt_free))};
	struct calt_problem pb = {0};
	int rc = parse_opts(argc, argv, &o);
	if (rc) {
		problem_free(&pb, o.free);
		return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_ERROR;
	}
	char err[2048];
	struct device_profile base;
	if (device_profile_load(o.profile, NULL, &base, err, sizeof err)) {
		cli_error(CMD, "--profile '%s': %s\n", o.profile, err);
		problem_free(&pb, o.free);
		return CLI_EXIT_ERROR;
	}
	device_profile_free(&base);
	if ((o.output && outfile_check(o.output, err, sizeof err)) ||
	    (o.report && outfile_check(o.report, err, sizeof err))) {
		cli_error(CMD, "%s\n", err);
		problem_free(&pb, o.free);
		return CLI_EXIT_ERROR;
	}
	if (read_observations(o.csv, &pb) || count_devices(o.csv, &pb)) {
		problem_free(&pb, o.free);
		return CLI_EXIT_ERROR;
	}
	pb.free = (struct calt_free *)(void *)o.free->data;
	pb.n_free = o.free->len;
	pb.runs = (unsigned)o.runs;
	pb.seed = o.seed;
	pb.max_iter = (unsigned)o.max_iter;
	pb.progress = !o.quiet;
	double t0 = cli_wall_now();
	struct calt_result r;
	if (calt_fit(&pb, &r, err, sizeof err)) {
		cli_error(CMD, "%s: %s\n", o.csv, err);
		problem_free(&pb, o.free);
		return CLI_EXIT_ERROR;
	}
	struct calt_baseline line;
	calt_baseline_fit(&pb, &line);
	print_report(o.csv, &pb, &r, &line);
	rc = CLI_EXIT_OK;
	GString *command = g_string_new("switchover calibrate");
	for (int i = 0; i < argc; i++)
		g_string_append_printf(command, " %s", argv[i]);
	if (o.output && calt_write_profile(o.output, o.profile, o.name ? o.name : o.profile, o.csv,
	                                   command->str, &pb, &r, err, sizeof err)) {
		cli_error(CMD, "%s\n", err);
		rc = CLI_EXIT_ERROR;
	}
	if (rc == CLI_EXIT_OK && o.report &&
	    calt_write_report(o.report, o.csv, command->str, &pb, &r, &line, err, sizeof err)) {
		cli_error(CMD, "%s\n", err);
		rc = CLI_EXIT_ERROR;
	}
	g_string_free(command, TRUE);
	calt_baseline_free(&line);
	if (!o.quiet) {
		char took[32];
		cli_format_left(cli_wall_now() - t0, took, sizeof took);
		fprintf(stderr, "calibrate table: %u evaluations in %s\n", r.evals, took);
	}
	calt_result_free(&r);
	problem_free(&pb, o.free);
	return rc;
}
