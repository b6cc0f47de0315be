/*
 * plots.h - pictures of result files with GNU libplot: what `switchover report`
 * draws.  Every plot reads struct results (store.h) only, so a file from the
 * sim world and one from the real world are drawn alike; the study plots read
 * a sweep file's /points table (struct results_table).
 *
 *   timeline     one run as a Gantt chart: a row per device and side, per
 *                task and per non-VFIO handler; bars coloured by VFIO device
 *                state, the downtime window shaded, VM stop/start/running
 *                lines, thread spawn/join ticks, error marks
 *   downtime     downtime distribution of every strategy in a file (box plot
 *                with every run as a dot)
 *   sweep        median downtime vs number of devices, one line per strategy,
 *                over the runs of several files (or one file with several
 *                device counts)
 *   phases       sim vs real: the median of every downtime phase of one
 *                scenario in two (or more) files, bars side by side
 *   differences  paired runs of two files: the run-by-run differences of
 *                every phase and the downtime, a box per metric
 *   study        a sweep file's /points: downtime vs an axis, one line per
 *                strategy; the phase medians stacked vs the axis
 *
 * Output is PNG (libplot's "png" plotter, Hershey fonts) or SVG ("svg",
 * PostScript font names the viewer renders).  Functions return 0, or -1 with
 * a message in err naming what is wrong; they never print.
 */
#ifndef SWITCHOVER_PLOTS_H
#define SWITCHOVER_PLOTS_H

#include <stdbool.h>
#include <stddef.h>

#include "store.h"

enum plot_format { PLOT_PNG = 0, PLOT_SVG = 1 };
int plot_format_parse(const char *name);           /* "png" | "svg", -1 otherwise */
const char *plot_format_ext(enum plot_format fmt); /* "png" */

/* Ticks of an axis from lo to hi: first, first + step, ... (n of them, all
 * inside [lo, hi]), step 1, 2, 2.5 or 5 times a power of ten, with at most
 * max_ticks ticks; `decimals` digits print every tick exactly. */
struct plot_ticks {
	double first, step;
	unsigned n;
	int decimals;
};
/* 0, or -1 when the range is empty, not finite or max_ticks < 2. */
int plot_nice_ticks(double lo, double hi, unsigned max_ticks, struct plot_ticks *out);

/* Index in r->runs of the completed run with the median downtime among the
 * runs of `strategy` (the lower of the two middle ones), or of its first run
 * when none completed; -1 when the file has no run of that strategy. */
long plot_median_run(const struct results *r, enum strategy_kind strategy);

struct plot_timeline_opts {
	/* Show the whole run from migration setup; by default the downtime
	 * window with a margin on both sides (or the whole run when the VM never
	 * stopped). */
	bool whole_run;
	/* Why this run, added to the title ("the median of 20"); may be NULL. */
	const char *note;
};
/* Gantt chart of r->runs[run] into `path`. */
int plot_timeline(const struct results *r, size_t run, const struct plot_timeline_opts *opts,
                  enum plot_format fmt, const char *path, char *err, size_t errlen);

/* Downtime of every run of every strategy in r: one box per strategy
 * (quartiles, median, whiskers to min and max), each run a dot, the
 * ideal-parallel bound's median a dashed mark. */
int plot_downtime(const struct results *r, enum plot_format fmt, const char *path, char *err,
                  size_t errlen);

/* Number of distinct device counts over the runs of files[0..n): the sweep
 * plot needs at least two. */
size_t plot_device_counts(const struct results *const *files, size_t n);
/* Median downtime (p5-p95 band) vs number of devices, one line per strategy,
 * over every completed run of files[0..n).  -1 with err when they hold fewer
 * than two device counts. */
int plot_devices_sweep(const struct results *const *files, size_t n, enum plot_format fmt,
                       const char *path, char *err, size_t errlen);

/* Per-phase medians of one strategy's runs in files[0..n) (n >= 2, one
 * scenario: their scenario names must match), bars side by side, each file
 * named by labels[i] (for instance "real: base.h5").  -1 with err when a file
 * has no completed run of the strategy. */
int plot_phases(const struct results *const *files, const char *const *labels, size_t n,
                enum strategy_kind strategy, enum plot_format fmt, const char *path, char *err,
                size_t errlen);

/* Paired differences NEW - BASE, run by run (compare's paired runs), of
 * n_groups metrics side by side (the phases, the downtime): values[g] holds
 * the n[g] differences (seconds) of the metric names[g]; per metric a box
 * of the quartiles with the median, whiskers from p5 to p95, and a dashed
 * line at 0 (no change).  `title` heads it.  -1 with err when a metric has
 * no difference. */
int plot_differences(const char *title, const char *const *names, const double *const *values,
                     const size_t *n, size_t n_groups, enum plot_format fmt, const char *path,
                     char *err, size_t errlen);

/* A sweep file's /points (docs/sweep.md; results_table_read): median
 * downtime (p5-p95 band) vs the numeric axis column `axis`, one line per
 * strategy, the axis on a log scale once it spans 8x, the downtime once it
 * spans 10x; the rows drawn are
 * those whose scenario and other axes have the first row's values.  `study`
 * names it in the title, which says the runs per point. */
int plot_study_downtime(const struct results_table *t, const char *axis, const char *study,
                        enum plot_format fmt, const char *path, char *err, size_t errlen);
/* The same rows of one strategy: the phase medians stacked, a bar per axis
 * value ("where the downtime goes"). */
int plot_study_phases(const struct results_table *t, const char *axis, const char *study,
                      enum strategy_kind strategy, enum plot_format fmt, const char *path,
                      char *err, size_t errlen);

/* Median downtime of one strategy's points as a heatmap: axis_x across,
 * axis_y up (numbers in order, texts as the study lists them), one cell per
 * pair with its value, the colour scale (log once the values span a decade)
 * in a bar with ticks at the right.  The rows drawn are those whose scenario
 * and other axes have the first row's values.  -1 with err when an axis has
 * fewer than two values. */
int plot_study_heatmap(const struct results_table *t, const char *axis_x, const char *axis_y,
                       const char *study, enum strategy_kind strategy, enum plot_format fmt,
                       const char *path, char *err, size_t errlen);
/* Whether an axis from lo to hi is drawn on a log scale: lo > 0 and hi at
 * least factor times lo (the study plots use 8 for x, 10 for y and colours). */
bool plot_log_scale(double lo, double hi, double factor);
#endif
