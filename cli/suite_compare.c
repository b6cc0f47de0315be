/*
 * suite_compare.c - `switchover suite compare BASEDIR NEWDIR`: two folders
 * of `suite run`, entry by entry (matched by name through their manifests)
 * and metric by metric, with NEW's thresholds.  A scenario entry is compared
 * with compare_results() (results/compare.h), a sweep entry with the sweep
 * comparison of `switchover compare` (compare_study.c), run as that command
 * in a child process whose JSON is read back.  One line per check, a
 * verdict line, JUnit XML and Markdown (suite_report.c) on request; the exit
 * status is compare's: 0, 1 a regression, 2 an error (bad input, an entry
 * that could not be compared).
 *
 * A check that found no significant change, but whose interval still
 * reaches a change as big as the threshold, is "undecided": the noise is
 * too large to decide (real runs, few runs), and saying "no change" there
 * would be a guess.  So is a change beyond the threshold, either way, on
 * too few runs for a verdict: compare's "undecided" (COMPARE_WHY_TOO_FEW).
 */
#include <errno.h>
#include <getopt.h>
#include <glib.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "compare.h"
#include "compare_cli.h"
#include "store.h"
#include "suite_cli.h"
#include "units.h"

#define errorf(...) cli_error("suite compare", __VA_ARGS__)

static const char *const status_words[SUITE_STATUS_COUNT] = {
    [SUITE_OK] = "ok",
    [SUITE_IMPROVEMENT] = "improvement",
    [SUITE_UNDECIDED] = "undecided",
    [SUITE_REGRESSION] = "regression",
    [SUITE_ERROR] = "error",
};

const char *suite_status_name(enum suite_status s)
{
	return status_words[s];
}

void cli_suite_compare_help(FILE *out)
{
	fprintf(out,
	        "usage: switchover suite compare BASEDIR NEWDIR [OPTIONS]\n\n"
	        "Compare two folders of `switchover suite run` (docs/suite.md): every entry of\n"
	        "NEW's manifest with the entry of the same name in BASE, for each of its metrics\n"
	        "with its threshold (NEW's suite says which).  A scenario entry is compared as\n"
	        "`switchover compare` compares two run files (every strategy in both), a sweep\n"
	        "entry as it compares two sweep files (point by point).  One line per entry and\n"
	        "metric on stdout, a summary, then the verdict line.  Each check is:\n"
	        "  ok           no significant change\n"
	        "  improvement  significantly better (compare's rule, mirrored)\n"
	        "  undecided    no significant change, but the confidence interval of the\n"
	        "               difference reaches a regression as big as the threshold: the\n"
	        "               noise is too large to decide (more runs narrow the interval);\n"
	        "               or a change beyond the threshold, either way, on too few runs\n"
	        "               for a verdict (compare's \"undecided\")\n"
	        "  regression   compare's verdict: the median grew by more than the threshold,\n"
	        "               the interval lies above 0 and the test agrees\n"
	        "  error        it could not be compared: the entry is in one folder only, a\n"
	        "               file is unreadable, the entries differ in kind or world\n\n"
	        "options:\n"
	        "  --junit FILE     write JUnit XML: one testcase per entry and metric; a\n"
	        "                   regression is a <failure>, an error an <error>, an\n"
	        "                   undecided check <skipped>, each with its verdict line\n"
	        "  --markdown FILE  write a Markdown table, one row per entry, for a pull\n"
	        "                   request comment\n"
	        "  --confidence C   of the intervals and tests: 0.95 (default) or 95%%\n"
	        "  -h, --help       this help\n\n"
	        "Files are written through a temporary renamed when complete.  Warnings (on\n"
	        "stderr): the suites or tool versions differ, an entry's threshold or metrics\n"
	        "differ between the folders (NEW's are used), an entry is in one folder only.\n\n"
	        "exit status: 0 no regression, 1 a regression, 2 an error: a folder without\n"
	        "a manifest (not a finished suite run), a bad option, or any entry that could\n"
	        "not be compared (the reports are written all the same).\n");
}

/* ---- the manifests ------------------------------------------------------ */

struct side {
	const char *dir;
	char *path; /* of the manifest */
	json_t *root, *entries;
	const char *name, *sha256, *version, *git;
};

/* An entry of a manifest, checked. */
struct entry {
	const char *name, *kind, *world, *result;
	double threshold;
	json_t *metrics;
};

static int entry_get(const struct side *s, size_t i, struct entry *e, char *err, size_t errlen)
{
	json_error_t je;
	json_t *j = json_array_get(s->entries, i);
	if (json_unpack_ex(j, &je, 0, "{s:s,s:s,s:s,s:s,s:F,s:o}", "name", &e->name, "kind",
	                   &e->kind, "world", &e->world, "result", &e->result, "threshold",
	                   &e->threshold, "metrics", &e->metrics)) {
		snprintf(err, errlen, "%s: entries[%zu]: %s", s->path, i, je.text);
		return -1;
	}
	bool metrics_ok = json_is_array(e->metrics) && json_array_size(e->metrics) > 0;
	for (size_t k = 0; metrics_ok && k < json_array_size(e->metrics); k++)
		metrics_ok = json_is_string(json_array_get(e->metrics, k));
	if (!metrics_ok || strchr(e->result, '/') || !*e->result ||
	    (strcmp(e->kind, "scenario") && strcmp(e->kind, "sweep"))) {
		snprintf(err, errlen,
		         "%s: entries[%zu]: expected a kind (scenario or sweep), a list of "
		         "metrics and a result file name in the folder",
		         s->path, i);
		return -1;
	}
	return 0;
}

static int side_load(struct side *s, const char *dir, char *err, size_t errlen)
{
	json_error_t je;
	*s = (struct side){.dir = dir, .path = g_build_filename(dir, SUITE_MANIFEST, NULL)};
	if (!g_file_test(s->path, G_FILE_TEST_EXISTS)) {
		snprintf(err, errlen,
		         "%s: no %s: not the folder of a finished `switchover suite run` (one that "
		         "was interrupted or failed writes none)",
		         dir, SUITE_MANIFEST);
		return -1;
	}
	const char *format = NULL;
	if (!(s->root = json_load_file(s->path, JSON_REJECT_DUPLICATES, &je))) {
		snprintf(err, errlen, "%s:%d: %s", s->path, je.line, je.text);
		return -1;
	}
	if (json_unpack_ex(s->root, &je, 0, "{s:s,s:{s:s,s:s},s:{s:s,s:s},s:o}", "format", &format,
	                   "tool", "version", &s->version, "git_revision", &s->git, "suite", "name",
	                   &s->name, "sha256", &s->sha256, "entries", &s->entries) ||
	    !json_is_array(s->entries)) {
		snprintf(err, errlen, "%s: not a suite manifest: %s", s->path,
		         json_is_array(s->entries) ? je.text : "entries is not a list");
		return -1;
	}
	if (strcmp(format, SUITE_MANIFEST_FORMAT)) {
		snprintf(err, errlen, "%s: format '%s': this switchover reads '%s'", s->path,
		         format, SUITE_MANIFEST_FORMAT);
		return -1;
	}
	struct entry e;
	for (size_t i = 0; i < json_array_size(s->entries); i++)
		if (entry_get(s, i, &e, err, errlen))
			return -1;
	return 0;
}

static void side_free(struct side *s)
{
	json_decref(s->root);
	g_free(s->path);
}

/* The index of the entry named `name`, or -1. */
static long side_find(const struct side *s, const char *name)
{
	for (size_t i = 0; i < json_array_size(s->entries); i++) {
		const char *n =
		    json_string_value(json_object_get(json_array_get(s->entries, i), "name"));
		if (n && !strcmp(n, name))
			return (long)i;
	}
	return -1;
}

/* ---- checks ------------------------------------------------------------- */

static void add_check(struct suite_outcome *o, const char *entry, const char *metric,
                      enum suite_status st, char *line, char *detail)
{
	struct suite_check c = {g_strdup(entry), g_strdup(metric), st, line,
	                        detail ? detail : g_strdup("")};
	g_array_append_val(o->checks, c);
	o->count[st]++;
}

/* The same error for every metric of the entry: one testcase each. */
static void add_errors(struct suite_outcome *o, const struct entry *e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void add_errors(struct suite_outcome *o, const struct entry *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	for (size_t k = 0; k < json_array_size(e->metrics); k++)
		add_check(o, e->name, json_string_value(json_array_get(e->metrics, k)), SUITE_ERROR,
		          g_strdup(msg), NULL);
	g_free(msg);
}

/* A comparison's own verdict; undecided when it had too few runs for a
 * verdict on a change beyond the threshold (either way: compare's
 * "undecided"), or found nothing but its interval reaches a regression of
 * the threshold's size. */
static enum suite_status status_of(const struct compare_stats *st, double threshold)
{
	if (st->verdict == COMPARE_REGRESSION)
		return SUITE_REGRESSION;
	if (st->verdict == COMPARE_IMPROVEMENT)
		return SUITE_IMPROVEMENT;
	if (st->why == COMPARE_WHY_TOO_FEW)
		return SUITE_UNDECIDED;
	if (st->n_base && st->n_new && isfinite(st->ci_hi) &&
	    st->ci_hi > threshold * fabs(st->base_median))
		return SUITE_UNDECIDED;
	return SUITE_OK;
}

/* compare's sentence of a change, and for an undecided one why (compare's
 * sentence says it of too few runs). */
static char *describe(const char *what, const struct compare_stats *st, enum suite_status s,
                      double threshold, double confidence, bool seconds)
{
	char buf[768];
	struct compare_opts o = compare_defaults;
	o.threshold = threshold;
	o.confidence = confidence;
	compare_cli_describe(buf, sizeof buf, what, st, &o, seconds);
	if (s != SUITE_UNDECIDED || st->why == COMPARE_WHY_TOO_FEW)
		return g_strdup(buf);
	double k = seconds ? 1e3 : 1;
	const char *unit = seconds ? "ms" : "rounds";
	return g_strdup_printf("%s; the interval reaches %+.1f %s, a regression above the "
	                       "threshold's %+.1f %s: too noisy to decide (more runs narrow it)",
	                       buf, st->ci_hi * k, unit, threshold * fabs(st->base_median) * k,
	                       unit);
}

static void compare_scenario(struct suite_outcome *o, const struct entry *e, const char *base,
                             const char *new_, double confidence)
{
	struct results *rb = NULL, *rn = NULL;
	char err[1024];
	if (results_read_flags(base, RESULTS_READ_SUMMARY, &rb, err, sizeof err) ||
	    results_read_flags(new_, RESULTS_READ_SUMMARY, &rn, err, sizeof err)) {
		add_errors(o, e, "%s", err);
		goto out;
	}
	if (strcmp(rb->scenario_name, rn->scenario_name))
		fprintf(stderr,
		        "switchover suite compare: warning: %s: the scenarios differ: %s in %s, %s "
		        "in %s\n",
		        e->name, rb->scenario_name, base, rn->scenario_name, new_);
	for (size_t k = 0; k < json_array_size(e->metrics); k++) {
		const char *name = json_string_value(json_array_get(e->metrics, k));
		struct compare_metric m;
		struct compare_opts opts = compare_defaults;
		struct compare_report rep;
		opts.threshold = e->threshold;
		opts.confidence = confidence;
		if (compare_metric_parse(name, &m)) {
			add_check(o, e->name, name, SUITE_ERROR,
			          g_strdup_printf("unknown metric '%s'", name), NULL);
			continue;
		}
		if (compare_results(rb, rn, base, new_, &m, -1, &opts, &rep, err, sizeof err)) {
			add_check(o, e->name, name, SUITE_ERROR, g_strdup(err), NULL);
			continue;
		}
		/* The check is its worst strategy; the detail has every one. */
		GString *detail = g_string_new(NULL);
		enum suite_status worst = SUITE_OK;
		char *line = NULL;
		for (size_t s = 0; s < rep.n; s++) {
			const struct compare_strategy *cs = &rep.strategy[s];
			enum suite_status st = status_of(&cs->metric, e->threshold);
			char what[96];
			snprintf(what, sizeof what, "%s %s", strategy_name(cs->strategy), name);
			char *text = describe(what, &cs->metric, st, e->threshold, confidence,
			                      m.kind != COMPARE_ROUNDS);
			/* More (or fewer) failed migrations decide as in compare's
			 * own verdict: said once, with the entry's first metric. */
			const struct compare_failures *f = &cs->failures;
			if (k == 0 && f->verdict != COMPARE_SAME) {
				enum suite_status fs = f->verdict == COMPARE_REGRESSION
				                           ? SUITE_REGRESSION
				                           : SUITE_IMPROVEMENT;
				char *more = g_strdup_printf("%s; failure rate: %s, %u of %u -> %u "
				                             "of %u runs failed, Fisher p = "
				                             "%.2g",
				                             text, compare_verdict_name(f->verdict),
				                             f->failed_base, f->runs_base,
				                             f->failed_new, f->runs_new, f->p);
				g_free(text);
				text = more;
				if (fs > st)
					st = fs;
			}
			g_string_append_printf(detail, "%s: %s\n", suite_status_name(st), text);
			if (!line || st > worst) {
				g_free(line);
				line = text;
				worst = st;
			} else {
				g_free(text);
			}
		}
		if (rep.n > 1) {
			char *more = g_strdup_printf("%s (worst of %zu strategies)", line, rep.n);
			g_free(line);
			line = more;
		} else {
			/* With one strategy the line says it all. */
			g_string_truncate(detail, 0);
		}
		add_check(o, e->name, name, worst, line, g_string_free(detail, FALSE));
	}
out:
	results_free(rb);
	results_free(rn);
}

/* ---- sweep entries: `switchover compare --format json` in a child -------- */

/* The whole of a temporary file, from its start. */
static char *slurp(FILE *f)
{
	GString *g = g_string_new(NULL);
	char buf[4096];
	size_t n;
	rewind(f);
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		g_string_append_len(g, buf, (gssize)n);
	return g_string_free(g, FALSE);
}

/* Run `switchover compare` on two sweep files; its exit status (-1 when
 * it could not run), stdout and stderr. */
static int run_compare(const char *base, const char *new_, const char *metric, double threshold,
                       double confidence, char **out, char **errs)
{
	char thr[32], conf[32];
	snprintf(thr, sizeof thr, "%.17g", threshold);
	snprintf(conf, sizeof conf, "%.17g", confidence);
	char *argv[] = {"compare",      "--format",    "json",       "--metric",
	                (char *)metric, "--threshold", thr,          "--confidence",
	                conf,           (char *)base,  (char *)new_, NULL};
	FILE *fo = tmpfile(), *fe = tmpfile();
	int status = -1;
	*out = *errs = NULL;
	if (!fo || !fe)
		goto out;
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		if (dup2(fileno(fo), STDOUT_FILENO) < 0 || dup2(fileno(fe), STDERR_FILENO) < 0)
			_exit(CLI_EXIT_ERROR);
		int rc = cli_compare((int)G_N_ELEMENTS(argv) - 1, argv);
		fflush(NULL);
		_exit(rc);
	}
	if (pid < 0)
		goto out;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			status = -1;
			goto out;
		}
	status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	*out = slurp(fo);
	*errs = slurp(fe);
out:
	if (fo)
		fclose(fo);
	if (fe)
		fclose(fe);
	return status;
}

static double num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* A point's statistics as compare wrote them (`unit`: "s", or "rounds"
 * for the rounds). */
static void point_stats(json_t *m, const char *unit, const char *verdict, struct compare_stats *st)
{
	char key[4][32];
	snprintf(key[0], sizeof key[0], "ci_%s", unit);
	snprintf(key[1], sizeof key[1], "base_median_%s", unit);
	snprintf(key[2], sizeof key[2], "new_median_%s", unit);
	snprintf(key[3], sizeof key[3], "diff_%s", unit);
	json_t *ci = json_object_get(m, key[0]);
	*st = (struct compare_stats){
	    .n_base = (size_t)num(m, "n_base"),
	    .n_new = (size_t)num(m, "n_new"),
	    .base_median = num(m, key[1]),
	    .new_median = num(m, key[2]),
	    .diff = num(m, key[3]),
	    .rel = num(m, "rel"),
	    .ci_lo = json_is_number(json_array_get(ci, 0))
	                 ? json_number_value(json_array_get(ci, 0))
	                 : NAN,
	    .ci_hi = json_is_number(json_array_get(ci, 1))
	                 ? json_number_value(json_array_get(ci, 1))
	                 : NAN,
	    .u = num(m, "u"),
	    .p = num(m, "p"),
	    .verdict = !strcmp(verdict, "regression")    ? COMPARE_REGRESSION
	               : !strcmp(verdict, "improvement") ? COMPARE_IMPROVEMENT
	                                                 : COMPARE_SAME,
	    .w = num(m, "w"),
	    .n_zero = (size_t)num(m, "n_zero"),
	};
	const char *design = json_string_value(json_object_get(m, "design"));
	for (int d = COMPARE_UNPAIRED; design && d <= COMPARE_DETERMINISTIC; d++)
		if (!strcmp(design, compare_design_name((enum compare_design)d)))
			st->design = (enum compare_design)d;
	const char *method = json_string_value(json_object_get(m, "p_method"));
	st->p_exact = method && !strcmp(method, "exact");
	st->why = compare_cli_why(json_string_value(json_object_get(m, "why")));
}

/* "point 3 (devices.count=8, parallel-prio)" */
static char *point_label(json_t *p)
{
	GString *g = g_string_new(NULL);
	const char *key;
	json_t *v;
	g_string_append_printf(g, "point %lld (",
	                       (long long)json_integer_value(json_object_get(p, "point")));
	json_object_foreach(json_object_get(p, "axes"), key, v)
	{
		if (json_is_string(v))
			g_string_append_printf(g, "%s=%s, ", key, json_string_value(v));
		else
			g_string_append_printf(g, "%s=%g, ", key, json_number_value(v));
	}
	g_string_append_printf(g, "%s)", json_string_value(json_object_get(p, "strategy")));
	return g_string_free(g, FALSE);
}

/* compare's messages, said of the entry: warnings passed on, the error
 * (its last line) into *error. */
static void pass_on(const char *entry, const char *errs, char **error)
{
	char **lines = g_strsplit(errs ? errs : "", "\n", -1);
	static const char prefix[] = "switchover compare: ";
	for (char **l = lines; *l; l++) {
		if (!**l)
			continue;
		const char *msg = g_str_has_prefix(*l, prefix) ? *l + strlen(prefix) : *l;
		if (g_str_has_prefix(msg, "warning: "))
			fprintf(stderr, "switchover suite compare: warning: %s: %s\n", entry,
			        msg + 9);
		else if (error) {
			g_free(*error);
			*error = g_strdup(msg);
		}
	}
	g_strfreev(lines);
}

static void compare_sweep(struct suite_outcome *o, const struct entry *e, const char *base,
                          const char *new_, double confidence)
{
	for (size_t k = 0; k < json_array_size(e->metrics); k++) {
		const char *metric = json_string_value(json_array_get(e->metrics, k));
		/* rounds are counted, everything else is a time */
		bool seconds = strcmp(metric, "rounds") != 0;
		char *out, *errs, *error = NULL;
		int rc = run_compare(base, new_, metric, e->threshold, confidence, &out, &errs);
		json_t *root = NULL, *points = NULL;
		pass_on(e->name, errs, &error);
		if (rc == 0 || rc == 1) {
			root = json_loads(out, 0, NULL);
			points = json_object_get(root, "points");
		}
		if (!json_is_array(points)) {
			add_check(o, e->name, metric, SUITE_ERROR,
			          g_strdup_printf("%s", error    ? error
			                                : rc < 0 ? "cannot run the comparison"
			                                         : "compare wrote no points: are "
			                                           "these sweep files?"),
			          NULL);
		} else {
			size_t n[SUITE_STATUS_COUNT] = {0}, npoints = json_array_size(points);
			GString *detail = g_string_new(NULL), *which = g_string_new(NULL);
			enum suite_status worst = SUITE_OK;
			for (size_t i = 0; i < npoints; i++) {
				json_t *p = json_array_get(points, i),
				       *m = json_object_get(p, "metric");
				const char *verdict =
				    json_string_value(json_object_get(p, "verdict"));
				struct compare_stats st;
				point_stats(m, seconds ? "s" : "rounds", verdict ? verdict : "",
				            &st);
				enum suite_status s =
				    json_is_object(m) ? status_of(&st, e->threshold)
				    : st.verdict == COMPARE_REGRESSION ? SUITE_REGRESSION
				                                       : SUITE_OK;
				n[s]++;
				if (s == SUITE_OK)
					continue;
				char *label = point_label(p);
				char *text =
				    json_is_object(m)
				        ? describe(label, &st, s, e->threshold, confidence, seconds)
				        : g_strdup_printf("%s: every run failed on one side",
				                          label);
				g_string_append_printf(detail, "%s: %s\n", suite_status_name(s),
				                       text);
				if (s > worst) {
					worst = s;
					g_string_assign(which, text);
				}
				g_free(label);
				g_free(text);
			}
			char *line = g_strdup_printf(
			    "%zu of %zu points regressed, %zu undecided, %zu improved%s%s",
			    n[SUITE_REGRESSION], npoints, n[SUITE_UNDECIDED], n[SUITE_IMPROVEMENT],
			    worst ? "; " : "", which->str);
			g_string_free(which, TRUE);
			add_check(o, e->name, metric, worst, line, g_string_free(detail, FALSE));
		}
		json_decref(root);
		g_free(out);
		g_free(errs);
		g_free(error);
	}
}

/* ---- the command -------------------------------------------------------- */

static void compare_entry(struct suite_outcome *o, const struct side *b, const struct side *n,
                          const struct entry *be, const struct entry *ne, double confidence)
{
	if (strcmp(be->kind, ne->kind) || strcmp(be->world, ne->world)) {
		add_errors(o, ne,
		           "a %s of the %s world in %s, a %s of the %s world in %s: not "
		           "comparable",
		           be->kind, be->world, b->dir, ne->kind, ne->world, n->dir);
		return;
	}
	bool same = be->threshold == ne->threshold &&
	            json_array_size(be->metrics) == json_array_size(ne->metrics);
	for (size_t k = 0; same && k < json_array_size(be->metrics); k++)
		same = json_equal(json_array_get(be->metrics, k), json_array_get(ne->metrics, k));
	if (!same)
		fprintf(stderr,
		        "switchover suite compare: warning: %s: the threshold or metrics differ "
		        "between %s and %s; %s's are used\n",
		        ne->name, b->dir, n->dir, n->dir);
	char *base = g_build_filename(b->dir, be->result, NULL);
	char *new_ = g_build_filename(n->dir, ne->result, NULL);
	if (!strcmp(ne->kind, "sweep"))
		compare_sweep(o, ne, base, new_, confidence);
	else
		compare_scenario(o, ne, base, new_, confidence);
	g_free(base);
	g_free(new_);
}

static void only_in(struct suite_outcome *o, const struct side *s, const struct entry *e,
                    const struct side *other)
{
	fprintf(stderr, "switchover suite compare: warning: %s is only in %s\n", e->name, s->dir);
	add_errors(o, e, "only in %s: %s has no entry of this name", s->dir, other->dir);
}

/* --confidence: "95%" or a fraction strictly between 0 and 1. */
static int parse_confidence(const char *text, double *out)
{
	char why[160];
	if (units_parse_fraction(text, out, why, sizeof why) || !(*out > 0 && *out < 1)) {
		errorf("--confidence '%s': expected a percentage or a fraction (95%% or 0.95) "
		       "strictly between 0 and 1\n",
		       text);
		return -1;
	}
	return 0;
}

struct compare_args {
	const char *base, *new_, *junit, *markdown;
	double confidence;
};

static int parse(int argc, char **argv, struct compare_args *a)
{
	static const struct option longopts[] = {
	    {"junit", required_argument, NULL, 'J'},
	    {"markdown", required_argument, NULL, 'M'},
	    {"confidence", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	*a = (struct compare_args){.confidence = compare_defaults.confidence};
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'J':
			a->junit = optarg;
			break;
		case 'M':
			a->markdown = optarg;
			break;
		case 'c':
			if (parse_confidence(optarg, &a->confidence))
				return CLI_EXIT_ERROR;
			break;
		case 'h':
			cli_suite_compare_help(stdout);
			return -1;
		case ':':
			errorf("%s needs a value (see switchover suite compare --help)\n",
			       argv[optind - 1]);
			return CLI_EXIT_ERROR;
		default:
			errorf("unknown option '%s' (see switchover suite compare --help)\n",
			       argv[optind - 1]);
			return CLI_EXIT_ERROR;
		}
	}
	if (argc - optind != 2) {
		errorf("expected two folders of `suite run`, BASEDIR and NEWDIR, got %d (see "
		       "switchover suite compare --help)\n",
		       argc - optind);
		return CLI_EXIT_ERROR;
	}
	a->base = argv[optind];
	a->new_ = argv[optind + 1];
	return 0;
}

static void print_outcome(const struct suite_outcome *o, size_t n_entries)
{
	size_t width = 8;
	for (guint i = 0; i < o->checks->len; i++) {
		const struct suite_check *c = &g_array_index(o->checks, struct suite_check, i);
		width = MAX(width, strlen(c->entry) + strlen(c->metric) + 1);
	}
	for (guint i = 0; i < o->checks->len; i++) {
		const struct suite_check *c = &g_array_index(o->checks, struct suite_check, i);
		char *what = g_strdup_printf("%s %s", c->entry, c->metric);
		printf("%-11s %-*s  %s\n", suite_status_name(c->status), (int)width, what, c->line);
		g_free(what);
	}
	printf("\nsuite %s: %zu entries, %u checks: %zu regression, %zu undecided, %zu "
	       "improvement, %zu ok, %zu error\n",
	       o->suite_name, n_entries, o->checks->len, o->count[SUITE_REGRESSION],
	       o->count[SUITE_UNDECIDED], o->count[SUITE_IMPROVEMENT], o->count[SUITE_OK],
	       o->count[SUITE_ERROR]);
	const char *verdict = o->count[SUITE_ERROR]        ? "error"
	                      : o->count[SUITE_REGRESSION] ? "regression"
	                      : o->count[SUITE_UNDECIDED]  ? "no regression found (some undecided)"
	                                                   : "no regression";
	printf("verdict: %s", verdict);
	const char *sep = " (";
	enum suite_status which = o->count[SUITE_ERROR] ? SUITE_ERROR : SUITE_REGRESSION;
	for (guint i = 0; i < o->checks->len; i++) {
		const struct suite_check *c = &g_array_index(o->checks, struct suite_check, i);
		if (c->status == which) {
			printf("%s%s %s", sep, c->entry, c->metric);
			sep = ", ";
		}
	}
	printf("%s\n", strcmp(sep, ", ") ? "" : ")");
}

int cli_suite_compare(int argc, char **argv)
{
	struct compare_args a;
	int rc = parse(argc, argv, &a);
	if (rc)
		return rc < 0 ? CLI_EXIT_OK : rc;
	struct side b = {0}, n = {0};
	char err[2048];
	int status = CLI_EXIT_ERROR;
	struct suite_outcome o = {.base_dir = a.base,
	                          .new_dir = a.new_,
	                          .checks = g_array_new(FALSE, TRUE, sizeof(struct suite_check))};
	if (side_load(&b, a.base, err, sizeof err) || side_load(&n, a.new_, err, sizeof err)) {
		errorf("%s\n", err);
		goto out;
	}
	o.suite_name = n.name;
	if (strcmp(b.sha256, n.sha256))
		fprintf(stderr,
		        "switchover suite compare: warning: the suites differ (%s in %s, %s in %s; "
		        "SHA-256 %.12s and %.12s): entries are matched by name\n",
		        b.name, a.base, n.name, a.new_, b.sha256, n.sha256);
	if (strcmp(b.version, n.version) || strcmp(b.git, n.git))
		fprintf(stderr,
		        "switchover suite compare: warning: the tool versions differ: %s (%s) in "
		        "%s, %s (%s) in %s\n",
		        b.version, b.git, a.base, n.version, n.git, a.new_);
	size_t n_entries = 0;
	struct entry be, ne;
	for (size_t i = 0; i < json_array_size(n.entries); i++, n_entries++) {
		entry_get(&n, i, &ne, err, sizeof err);
		long j = side_find(&b, ne.name);
		if (j < 0) {
			only_in(&o, &n, &ne, &b);
			continue;
		}
		entry_get(&b, (size_t)j, &be, err, sizeof err);
		compare_entry(&o, &b, &n, &be, &ne, a.confidence);
	}
	for (size_t i = 0; i < json_array_size(b.entries); i++) {
		entry_get(&b, i, &be, err, sizeof err);
		if (side_find(&n, be.name) < 0) {
			only_in(&o, &b, &be, &n);
			n_entries++;
		}
	}
	print_outcome(&o, n_entries);
	status = o.count[SUITE_ERROR]        ? CLI_EXIT_ERROR
	         : o.count[SUITE_REGRESSION] ? 1
	                                     : CLI_EXIT_OK;
	if ((a.junit && suite_report_junit(&o, a.junit, err, sizeof err)) ||
	    (a.markdown && suite_report_markdown(&o, a.markdown, err, sizeof err))) {
		errorf("%s\n", err);
		status = CLI_EXIT_ERROR;
	}
	if (fflush(stdout)) {
		errorf("writing the comparison failed\n");
		status = CLI_EXIT_ERROR;
	}
out:
	for (guint i = 0; i < o.checks->len; i++) {
		struct suite_check *c = &g_array_index(o.checks, struct suite_check, i);
		g_free(c->entry);
		g_free(c->metric);
		g_free(c->line);
		g_free(c->detail);
	}
	g_array_free(o.checks, TRUE);
	side_free(&b);
	side_free(&n);
	return status;
}
