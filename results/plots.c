/*
 * plots.c - the pictures of `switchover report`, drawn with GNU libplot.
 *
 * Everything is laid out in pixels with the origin at the top left (a
 * canvas over a libplot plotter whose user space is the image), so PNG and
 * SVG come out the same; only the fonts differ: PNG has libplot's own
 * Hershey vector fonts, SVG names PostScript fonts the viewer renders.
 */
#include "plots.h"

#include <errno.h>
#include <glib.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <plot.h> /* GNU libplot */

#include "names.h"
#include "outfile.h"
#include "summary.h"
#include "trace.h"
#include "vfio_fsm.h"

static void seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || !errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static const char *const format_words[] = {[PLOT_PNG] = "png", [PLOT_SVG] = "svg"};
static const struct names formats = NAMES(format_words);

int plot_format_parse(const char *name)
{
	return names_parse(&formats, name);
}

const char *plot_format_ext(enum plot_format fmt)
{
	return names_name(&formats, fmt);
}

int plot_nice_ticks(double lo, double hi, unsigned max_ticks, struct plot_ticks *out)
{
	if (!isfinite(lo) || !isfinite(hi) || !(hi > lo) || max_ticks < 2)
		return -1;
	static const double mult[] = {1, 2, 2.5, 5, 10};
	double raw = (hi - lo) / (max_ticks - 1);
	double mag = pow(10, floor(log10(raw)));
	double step = 10 * mag;
	int extra = 0; /* 2.5 needs one more digit than its power of ten */
	for (size_t i = 0; i < sizeof mult / sizeof mult[0]; i++) {
		double s = mult[i] * mag;
		double first = ceil(lo / s - 1e-9) * s;
		if (floor((hi - first) / s + 1e-9) + 1 <= max_ticks) {
			step = s;
			extra = mult[i] == 2.5;
			break;
		}
	}
	out->step = step;
	out->first = ceil(lo / step - 1e-9) * step;
	out->n = (unsigned)(floor((hi - out->first) / step + 1e-9) + 1);
	int d = -(int)floor(log10(step) + 1e-9) + extra;
	out->decimals = d > 0 ? d : 0;
	return 0;
}

/* Every strategy gets the same colour in every plot; more strategies than
 * colours (or line styles) reuse them in turn, so a new strategy needs no
 * entry here. */
static const uint32_t strategy_palette[] = {0x1f77b4, 0xff7f0e, 0x2ca02c,
                                            0xd62728, 0x9467bd, 0x8c564b};
/* Lines of the sweep: equal medians (the parallel strategies often agree)
 * must not hide each other, so widths, dashes and markers differ. */
struct strategy_style {
	int marker; /* libplot: 16 filled circle, 17 filled square, 19 filled diamond */
	double marker_px, width;
	const char *style;
};
static const struct strategy_style strategy_styles[] = {
    {16, 11, 3, NULL},
    {17, 14, 6, NULL},
    {19, 10, 2.5, "shortdashed"},
};

static uint32_t strategy_rgb(int s)
{
	return strategy_palette[(size_t)s % G_N_ELEMENTS(strategy_palette)];
}

static const struct strategy_style *strategy_line(int s)
{
	return &strategy_styles[(size_t)s % G_N_ELEMENTS(strategy_styles)];
}

/* The files of the phase plot. */
static const uint32_t file_rgb[] = {0x4e79a7, 0xf28e2b, 0x59a14f, 0xb07aa1, 0x76b7b2, 0xedc948};

/* ---- canvas: a plotter in pixels, origin top left ---------------------- */

#define NOFILL (-1L)

struct canvas {
	plPlotter *pl;
	plPlotterParams *params;
	FILE *f;
	char tmp[4352]; /* written there, renamed to the path when complete */
	double w, h;
	enum plot_format fmt;
};

/* Text sizes in pixels: PNG's Hershey strokes need a little more than SVG. */
enum text_size { TEXT_SMALL, TEXT_NORMAL, TEXT_AXIS, TEXT_TITLE };

static double text_px(const struct canvas *c, enum text_size s)
{
	static const double png[] = {15, 17, 19, 23}, svg[] = {13, 15, 17, 21};
	return c->fmt == PLOT_SVG ? svg[s] : png[s];
}

/* A canvas writing to `path`, or only measuring text when path is NULL. */
static int canvas_open(struct canvas *c, const char *path, enum plot_format fmt, double w, double h,
                       char *err, size_t errlen)
{
	*c = (struct canvas){.w = w, .h = h, .fmt = fmt};
	char size[96];
	c->params = pl_newplparams();
	if (!c->params) {
		seterr(err, errlen, "%s: out of memory", path ? path : "plot");
		return -1;
	}
	snprintf(size, sizeof size, "%.0fx%.0f", w, h);
	pl_setplparam(c->params, "BITMAPSIZE", size);
	snprintf(size, sizeof size, "letter,xsize=%.2fin,ysize=%.2fin", w / 100, h / 100);
	pl_setplparam(c->params, "PAGESIZE", size);
	pl_setplparam(c->params, "BG_COLOR", "white");
	if (path && outfile_begin(path, c->tmp, sizeof c->tmp, err, errlen)) {
		pl_deleteplparams(c->params);
		return -1;
	}
	if (path && !(c->f = fopen(c->tmp, "wb"))) {
		seterr(err, errlen, "%s: cannot create: %s", path, strerror(errno));
		outfile_discard(c->tmp);
		pl_deleteplparams(c->params);
		return -1;
	}
	c->pl = pl_newpl_r(fmt == PLOT_SVG ? "svg" : "png", NULL, c->f, NULL, c->params);
	if (!c->pl || pl_openpl_r(c->pl) < 0) {
		seterr(err, errlen, "%s: libplot cannot open a %s plotter", path ? path : "plot",
		       plot_format_ext(fmt));
		if (c->pl)
			pl_deletepl_r(c->pl);
		pl_deleteplparams(c->params);
		if (c->f) {
			fclose(c->f);
			outfile_discard(c->tmp);
		}
		return -1;
	}
	pl_fspace_r(c->pl, 0, 0, w, h);
	pl_erase_r(c->pl);
	pl_joinmod_r(c->pl, "miter");
	pl_capmod_r(c->pl, "butt");
	return 0;
}

/* Finish the picture (path as given to canvas_open); on any error the file
 * is removed. */
static int canvas_close(struct canvas *c, const char *path, char *err, size_t errlen)
{
	int bad = pl_closepl_r(c->pl) < 0;
	bad |= pl_deletepl_r(c->pl) < 0;
	pl_deleteplparams(c->params);
	if (!c->f)
		return 0;
	bad |= ferror(c->f) != 0;
	bad |= fclose(c->f) != 0;
	if (bad) {
		seterr(err, errlen, "%s: writing the %s failed", path, plot_format_ext(c->fmt));
		outfile_discard(c->tmp);
		return -1;
	}
	return outfile_commit(c->tmp, path, err, errlen);
}

static void pen_rgb(struct canvas *c, uint32_t rgb)
{
	pl_pencolor_r(c->pl, (int)((rgb >> 16) & 0xff) * 257, (int)((rgb >> 8) & 0xff) * 257,
	              (int)(rgb & 0xff) * 257);
}

static void fill_rgb(struct canvas *c, uint32_t rgb)
{
	pl_fillcolor_r(c->pl, (int)((rgb >> 16) & 0xff) * 257, (int)((rgb >> 8) & 0xff) * 257,
	               (int)(rgb & 0xff) * 257);
}

/* rgb mixed with white: f = 0 keeps it, 1 gives white. */
static uint32_t lighten(uint32_t rgb, double f)
{
	uint32_t out = 0;
	for (int sh = 0; sh <= 16; sh += 8) {
		double v = (rgb >> sh) & 0xff;
		out |= (uint32_t)lround(v + (255 - v) * f) << sh;
	}
	return out;
}

/* Rectangle [x0,x1] x [y0,y1] (y down), filled with `fill` unless NOFILL,
 * outlined with `edge` unless NOFILL. */
static void cv_rect(struct canvas *c, double x0, double y0, double x1, double y1, long fill,
                    long edge)
{
	if (fill == NOFILL && edge == NOFILL)
		return;
	pl_filltype_r(c->pl, fill == NOFILL ? 0 : 1);
	if (fill != NOFILL)
		fill_rgb(c, (uint32_t)fill);
	if (edge == NOFILL) {
		pl_pentype_r(c->pl, 0);
	} else {
		pl_pentype_r(c->pl, 1);
		pen_rgb(c, (uint32_t)edge);
		pl_flinewidth_r(c->pl, 1);
	}
	pl_fbox_r(c->pl, x0, c->h - y0, x1, c->h - y1);
	pl_pentype_r(c->pl, 1);
	pl_filltype_r(c->pl, 0);
}

static void cv_line(struct canvas *c, double x0, double y0, double x1, double y1, uint32_t rgb,
                    double width, const char *style)
{
	pl_filltype_r(c->pl, 0);
	pen_rgb(c, rgb);
	pl_flinewidth_r(c->pl, width);
	pl_linemod_r(c->pl, style ? style : "solid");
	pl_fline_r(c->pl, x0, c->h - y0, x1, c->h - y1);
	pl_endpath_r(c->pl);
	pl_linemod_r(c->pl, "solid");
}

/* The quadrilateral (x0, a0) (x1, a1) (x1, b1) (x0, b0), filled, no edge. */
static void cv_quad(struct canvas *c, double x0, double a0, double b0, double x1, double a1,
                    double b1, uint32_t fill)
{
	pl_filltype_r(c->pl, 1);
	fill_rgb(c, fill);
	pl_pentype_r(c->pl, 0);
	pl_fmove_r(c->pl, x0, c->h - a0);
	pl_fcont_r(c->pl, x1, c->h - a1);
	pl_fcont_r(c->pl, x1, c->h - b1);
	pl_fcont_r(c->pl, x0, c->h - b0);
	pl_fcont_r(c->pl, x0, c->h - a0);
	pl_endpath_r(c->pl);
	pl_pentype_r(c->pl, 1);
	pl_filltype_r(c->pl, 0);
}

/* A libplot marker (16 filled circle, 18 filled triangle, 20 filled
 * inverted triangle, 5 cross ...) of `size` pixels centred on (x, y). */
static void cv_marker(struct canvas *c, double x, double y, int type, double size, uint32_t rgb,
                      double width)
{
	pen_rgb(c, rgb);
	fill_rgb(c, rgb);
	pl_flinewidth_r(c->pl, width);
	pl_fmarker_r(c->pl, x, c->h - y, type, size);
}

static void cv_font(struct canvas *c, double px, bool bold)
{
	const char *name = c->fmt == PLOT_SVG ? (bold ? "Helvetica-Bold" : "Helvetica")
	                                      : (bold ? "HersheySans-Bold" : "HersheySans");
	pl_ffontname_r(c->pl, name);
	pl_ffontsize_r(c->pl, px);
}

/* Width of s in pixels.  An SVG viewer without Helvetica substitutes a
 * wider sans font (DejaVu Sans is about 12% wider): SVG layout budgets for
 * it so that labels never run into each other. */
static double cv_text_width(struct canvas *c, double px, bool bold, const char *s)
{
	cv_font(c, px, bold);
	return pl_flabelwidth_r(c->pl, s) * (c->fmt == PLOT_SVG ? 1.15 : 1.0);
}

/* Text at (x, y): halign 'l' 'c' 'r' (start, centre, end of the text),
 * valign 't' 'c' 'b' (top, centre, baseline); angle in degrees. */
static void cv_text(struct canvas *c, double x, double y, double px, bool bold, int halign,
                    int valign, uint32_t rgb, double angle, const char *s)
{
	cv_font(c, px, bold);
	pl_ftextangle_r(c->pl, angle);
	pl_pentype_r(c->pl, 1);
	pen_rgb(c, rgb);
	pl_flinewidth_r(c->pl, -1); /* libplot's default for its stroked fonts */
	pl_fmove_r(c->pl, x, c->h - y);
	pl_alabel_r(c->pl, halign, valign == 'b' ? 'x' : valign, s);
	pl_ftextangle_r(c->pl, 0);
}

/* ---- numbers ------------------------------------------------------------ */

/* Milliseconds with as many digits as their size deserves. */
static void fmt_ms(char *buf, size_t len, double ms)
{
	double a = fabs(ms);
	snprintf(buf, len, a >= 100 ? "%.1f" : a >= 1 ? "%.2f" : "%.3f", ms);
}

static void fmt_tick(char *buf, size_t len, double v, int decimals)
{
	if (fabs(v) < 1e-12)
		v = 0; /* no "-0" */
	snprintf(buf, len, "%.*f", decimals, v);
}

/* Quantile q of sorted x[0..n). */
static double quantile(const double *x, size_t n, double q)
{
	return gsl_stats_quantile_from_sorted_data(x, 1, n, q);
}

/* ---- axes --------------------------------------------------------------- */

/* A plot area: pixels [x0,x1] x [y0,y1] (y down) for values [lo,hi] on each
 * axis; log2 x when xlog, log10 y when ylog. */
struct frame {
	double x0, x1, y0, y1;
	double xlo, xhi, ylo, yhi;
	bool xlog, ylog;
};

bool plot_log_scale(double lo, double hi, double factor)
{
	return lo > 0 && isfinite(hi) && hi >= factor * lo;
}

static double fx(const struct frame *f, double v)
{
	if (f->xlog)
		return f->x0 +
		       (log2(v) - log2(f->xlo)) / (log2(f->xhi) - log2(f->xlo)) * (f->x1 - f->x0);
	return f->x0 + (v - f->xlo) / (f->xhi - f->xlo) * (f->x1 - f->x0);
}

static double fy(const struct frame *f, double v)
{
	if (f->ylog) /* a value at or below 0 sits on the bottom edge */
		return f->y1 - (log10(fmax(v, f->ylo)) - log10(f->ylo)) /
		                   (log10(f->yhi) - log10(f->ylo)) * (f->y1 - f->y0);
	return f->y1 - (v - f->ylo) / (f->yhi - f->ylo) * (f->y1 - f->y0);
}

/* Ticks of a log axis: 1, 2 and 5 times the powers of ten in [lo, hi]
 * (only the powers when that makes more than max); their count. */
static size_t log_ticks(double lo, double hi, double *at, size_t max)
{
	static const double mult[] = {1, 2, 5};
	for (int only_powers = 0; only_powers < 2; only_powers++) {
		size_t n = 0;
		for (double d = pow(10, floor(log10(lo))); d <= hi && n <= max; d *= 10)
			for (int m = 0; m < (only_powers ? 1 : 3); m++) {
				double v = d * mult[m];
				if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9) && n < max + 1)
					at[n++] = v;
			}
		if (n <= max)
			return n;
	}
	return 0;
}

/* Value range [lo, hi] with headroom, widened to whole ticks; starts at 0
 * unless the data spread over less than a fifth of their size, where 0
 * would flatten them (then the label says the axis is cut). */
static void y_range(double min, double max, double *lo, double *hi, bool *cut)
{
	if (!isfinite(min) || !isfinite(max)) {
		min = 0;
		max = 1;
	}
	*cut = min > 0 && max - min < 0.2 * max;
	double l = *cut ? min - 0.25 * (max - min) : 0;
	double h = max + 0.12 * (max - (*cut ? min : 0));
	if (!(h > l))
		h = l + (l > 0 ? l * 0.1 : 1);
	struct plot_ticks t;
	plot_nice_ticks(l, h, 8, &t);
	*lo = floor(l / t.step + 1e-9) * t.step;
	*hi = ceil(h / t.step - 1e-9) * t.step;
	if (*lo < 0 && min >= 0)
		*lo = 0;
}

/* Left axis with ticks, grid lines and a rotated label. */
static void draw_y_axis(struct canvas *c, const struct frame *f, const char *label)
{
	struct plot_ticks t = {0};
	double px = text_px(c, TEXT_NORMAL);
	double widest = 0, at[16];
	size_t n = f->ylog                                       ? log_ticks(f->ylo, f->yhi, at, 12)
	           : plot_nice_ticks(f->ylo, f->yhi, 9, &t) == 0 ? t.n
	                                                         : 0;
	for (size_t i = 0; i < n; i++) {
		double v = f->ylog ? at[i] : t.first + (double)i * t.step;
		double y = fy(f, v);
		char buf[32];
		cv_line(c, f->x0, y, f->x1, y, 0xe4e4e4, 1, NULL);
		cv_line(c, f->x0 - 6, y, f->x0, y, 0x000000, 1.5, NULL);
		if (f->ylog)
			snprintf(buf, sizeof buf, "%g", v);
		else
			fmt_tick(buf, sizeof buf, v, t.decimals);
		cv_text(c, f->x0 - 10, y, px, false, 'r', 'c', 0x000000, 0, buf);
		double w = cv_text_width(c, px, false, buf);
		if (w > widest)
			widest = w;
	}
	cv_text(c, f->x0 - 24 - widest, (f->y0 + f->y1) / 2, text_px(c, TEXT_AXIS), false, 'c', 'b',
	        0x000000, 90, label);
}

/* Bottom axis of a numeric x; ticks at `at[0..n)` when given, else nice ones. */
static void draw_x_axis(struct canvas *c, const struct frame *f, const double *at, size_t n,
                        const char *label)
{
	double px = text_px(c, TEXT_NORMAL);
	struct plot_ticks t = {0};
	if (!at && plot_nice_ticks(f->xlo, f->xhi, 11, &t))
		t.n = 0;
	size_t count = at ? n : t.n;
	double last_right = -1e9;
	for (size_t i = 0; i < count; i++) {
		double v = at ? at[i] : t.first + (double)i * t.step;
		double x = fx(f, v);
		char buf[32];
		if (at)
			snprintf(buf, sizeof buf, "%g", v);
		else
			fmt_tick(buf, sizeof buf, v, t.decimals);
		cv_line(c, x, f->y0, x, f->y1, 0xe4e4e4, 1, NULL);
		cv_line(c, x, f->y1, x, f->y1 + 6, 0x000000, 1.5, NULL);
		double w = cv_text_width(c, px, false, buf);
		if (x - w / 2 > last_right + 6) { /* never let tick labels collide */
			cv_text(c, x, f->y1 + 10, px, false, 'c', 't', 0x000000, 0, buf);
			last_right = x + w / 2;
		}
	}
	cv_text(c, (f->x0 + f->x1) / 2, f->y1 + 18 + 1.6 * px, text_px(c, TEXT_AXIS), false, 'c',
	        't', 0x000000, 0, label);
}

static void draw_frame_box(struct canvas *c, const struct frame *f)
{
	cv_rect(c, f->x0, f->y0, f->x1, f->y1, NOFILL, 0x000000);
}

/* ---- legend: items laid out left to right, wrapping ------------------- */

enum legend_kind { LEG_SWATCH, LEG_SPLIT, LEG_LINE, LEG_MARKER, LEG_LINE_MARKER };

struct legend_item {
	enum legend_kind kind;
	uint32_t rgb, rgb2; /* LEG_SPLIT: left and right halves */
	const char *style;  /* LEG_LINE: libplot line mode */
	double width;
	int marker;
	const char *label;
};

#define LEGEND_SWATCH 22.0

static double legend_item_width(struct canvas *c, double px, const struct legend_item *it)
{
	return LEGEND_SWATCH + 8 + cv_text_width(c, px, false, it->label) + 22;
}

static void legend_item_draw(struct canvas *c, double x, double y, double px,
                             const struct legend_item *it)
{
	double s = LEGEND_SWATCH, h = px * 0.9;
	switch (it->kind) {
	case LEG_SWATCH:
		cv_rect(c, x, y - h / 2, x + s, y + h / 2, it->rgb, 0x404040);
		break;
	case LEG_SPLIT:
		cv_rect(c, x, y - h / 2, x + s / 2, y + h / 2, it->rgb, NOFILL);
		cv_rect(c, x + s / 2, y - h / 2, x + s, y + h / 2, it->rgb2, NOFILL);
		cv_rect(c, x, y - h / 2, x + s, y + h / 2, NOFILL, 0x404040);
		break;
	case LEG_LINE:
		cv_line(c, x, y, x + s, y, it->rgb, it->width, it->style);
		break;
	case LEG_MARKER:
		cv_marker(c, x + s / 2, y, it->marker, h * 0.9, it->rgb, 2);
		break;
	case LEG_LINE_MARKER:
		cv_line(c, x, y, x + s, y, it->rgb, it->width, it->style);
		cv_marker(c, x + s / 2, y, it->marker, h * 0.8, it->rgb, 2);
		break;
	}
	cv_text(c, x + s + 8, y, px, false, 'l', 'c', 0x000000, 0, it->label);
}

/* Lay out items from (x, y) within width; `title` (may be NULL) starts the
 * first line.  Returns the height used; draws only when draw is true. */
static double legend_flow(struct canvas *c, double x, double y, double width, const char *title,
                          const struct legend_item *items, size_t n, bool draw)
{
	double px = text_px(c, TEXT_NORMAL), line = px * 1.7;
	double cx = x, cy = y + line / 2;
	if (title) {
		if (draw)
			cv_text(c, cx, cy, px, true, 'l', 'c', 0x000000, 0, title);
		cx += cv_text_width(c, px, true, title) + 14;
	}
	for (size_t i = 0; i < n; i++) {
		double w = legend_item_width(c, px, &items[i]);
		if (cx + w > x + width && cx > x) {
			cx = x + (title ? 24 : 0);
			cy += line;
		}
		if (draw)
			legend_item_draw(c, cx, cy, px, &items[i]);
		cx += w;
	}
	return cy + line / 2 - y;
}

/* ---- timeline ----------------------------------------------------------- */

static const uint32_t state_rgb[VFIO_STATE_COUNT] = {
    [VFIO_STATE_ERROR] = 0xd62728,    [VFIO_STATE_STOP] = 0x8c8c8c,
    [VFIO_STATE_RUNNING] = 0x2ca02c,  [VFIO_STATE_STOP_COPY] = 0x9467bd,
    [VFIO_STATE_RESUMING] = 0x8c564b, [VFIO_STATE_RUNNING_P2P] = 0xbcbd22,
    [VFIO_STATE_PRE_COPY] = 0x1f77b4, [VFIO_STATE_PRE_COPY_P2P] = 0x17becf,
};
/* The legend lists the states in the order a migration meets them. */
static const enum vfio_state state_order[VFIO_STATE_COUNT] = {
    VFIO_STATE_RUNNING, VFIO_STATE_PRE_COPY, VFIO_STATE_PRE_COPY_P2P, VFIO_STATE_STOP_COPY,
    VFIO_STATE_STOP,    VFIO_STATE_RESUMING, VFIO_STATE_RUNNING_P2P,  VFIO_STATE_ERROR,
};
#define ARC_LIGHTEN       0.55 /* an arc in progress: its target state's colour, lighter */
#define DOWNTIME_RGB      0xfff3cc
#define DOWNTIME_DARK_RGB 0xf5e6b8 /* the alternate rows inside the window */

enum tl_bar_kind {
	BAR_STATE = 0,    /* the device is in `state` */
	BAR_ARC,          /* the device is moving to `state` */
	BAR_VFIO_HANDLER, /* a VFIO device's handler callback runs in the task */
	BAR_HANDLER,      /* a non-VFIO handler runs */
	BAR_LOAD,         /* the destination writes a record to a device */
	BAR_FINAL_QUERY,  /* the final exact pending query */
	BAR_STOPCOPY,     /* the stop-copy data crosses the link */
	BAR_KIND_COUNT
};

static const struct {
	uint32_t rgb;
	const char *label;
} bar_style[BAR_KIND_COUNT] = {
    [BAR_VFIO_HANDLER] = {0x3b3b8f, "VFIO handler callback"},
    [BAR_HANDLER] = {0xff9f1c, "non-VFIO handler"},
    [BAR_LOAD] = {0xe377c2, "loading device data"},
    [BAR_FINAL_QUERY] = {0x5a2d0c, "final pending query"},
    [BAR_STOPCOPY] = {0xf2cf5b, "stop-copy transfer"},
};

/* Point marks on a row.  A trace kind that deserves a mark gets a line in
 * mark_style and one in tl_mark_kind_of. */
enum tl_mark_kind {
	MARK_SPAWN = 0,
	MARK_JOIN,
	MARK_ERROR,
	MARK_ACK_REQUEST, /* a source device asks for a switchover-ack */
	MARK_ACK_SENT,    /* the destination sends an ACK */
	MARK_ACK_RECV,    /* the source's return path receives it */
	MARK_REINIT,      /* a precopy-info query answered REINIT */
	MARK_KIND_COUNT
};

static const struct {
	int marker, halo; /* libplot marker types: the mark, and the filled shape under it */
	uint32_t rgb;
	double size; /* fraction of the row height */
	const char *label;
} mark_style[MARK_KIND_COUNT] = {
    [MARK_SPAWN] = {18, 18, 0x000000, 0.45, "thread spawn"},
    [MARK_JOIN] = {20, 20, 0x000000, 0.45, "thread join"},
    [MARK_ERROR] = {5, 16, 0xd00000, 1.1, "error"},
    [MARK_ACK_REQUEST] = {4, 16, 0x6a3d9a, 0.6, "ACK request"},
    [MARK_ACK_SENT] = {8, 19, 0x6a3d9a, 0.7, "ACK sent"},
    [MARK_ACK_RECV] = {19, 19, 0x6a3d9a, 0.7, "ACK received"},
    [MARK_REINIT] = {3, 16, 0xd94801, 0.8, "REINIT"},
};

static int tl_mark_kind_of(const struct trace_event *e)
{
	switch ((enum trace_kind)e->kind) {
	case TRACE_THREAD_SPAWN:
		return MARK_SPAWN;
	case TRACE_THREAD_JOIN:
		return MARK_JOIN;
	case TRACE_ERROR:
		return MARK_ERROR;
	case TRACE_ACK_REQUEST:
		return MARK_ACK_REQUEST;
	case TRACE_ACK_SENT:
		return MARK_ACK_SENT;
	case TRACE_ACK_RECV:
		return MARK_ACK_RECV;
	case TRACE_PRECOPY_INFO:
		return e->from ? MARK_REINIT : -1;
	default:
		return -1;
	}
}

struct tl_bar {
	double t0, t1;
	uint8_t kind, state;
};

struct tl_mark {
	double t;
	uint8_t kind;
};

struct tl_row {
	char name[64];
	bool header; /* first row of a side: a separator line above */
	bool device;
	double y, h;                 /* top and height in pixels below the phase strip */
	GArray *bars;                /* struct tl_bar */
	GArray *marks;               /* struct tl_mark */
	double open[BAR_KIND_COUNT]; /* start of the bar of each kind in progress, NaN */
	int state;                   /* device rows: current state, -1 unknown */
	double state_since;
};

/* Beyond this many devices per side a Gantt row per device says nothing
 * more: the first ones are drawn and the title says how many are left out. */
#define TL_MAX_DEVICES 128

struct timeline {
	struct tl_row *rows;
	size_t n_rows;
	size_t n_dev;         /* devices per side drawn */
	size_t n_dev_total;   /* devices per side in the run */
	size_t task_row[2];   /* migration (source), load (destination) */
	size_t dev_row[2];    /* first device row of each side */
	GPtrArray *hnames[2]; /* non-VFIO handler names per side (the trace's strings) */
	size_t h_row[2];
	double t_end, t_stop, t_start, t_running;
	bool has_mark[MARK_KIND_COUNT];
};

static void tl_add_bar(struct timeline *tl, size_t row, double t0, double t1, int kind, int state)
{
	struct tl_row *r = &tl->rows[row];
	if (!(t1 >= t0))
		return;
	struct tl_bar b = {t0, t1, (uint8_t)kind, (uint8_t)state};
	g_array_append_val(r->bars, b);
}

static void tl_add_mark(struct timeline *tl, size_t row, double t, int kind)
{
	struct tl_row *r = &tl->rows[row];
	struct tl_mark m = {t, (uint8_t)kind};
	g_array_append_val(r->marks, m);
	tl->has_mark[kind] = true;
}

static void tl_open(struct timeline *tl, size_t row, int kind, double t)
{
	tl->rows[row].open[kind] = t;
}

static void tl_close(struct timeline *tl, size_t row, int kind, double t)
{
	double t0 = tl->rows[row].open[kind];
	if (!isnan(t0))
		tl_add_bar(tl, row, t0, t, kind, 0);
	tl->rows[row].open[kind] = NAN;
}

static long find_name(GPtrArray *names, const char *s)
{
	guint i;
	return g_ptr_array_find_with_equal_func(names, s, g_str_equal, &i) ? (long)i : -1;
}

static void tl_free(struct timeline *tl)
{
	for (size_t i = 0; i < tl->n_rows; i++) {
		g_array_unref(tl->rows[i].bars);
		g_array_unref(tl->rows[i].marks);
	}
	free(tl->rows);
	for (int s = 0; s < 2; s++)
		if (tl->hnames[s])
			g_ptr_array_unref(tl->hnames[s]);
}

/* The row of device `d` on `side`, or -1 when out of range. */
static long tl_dev_row(const struct timeline *tl, int side, int d)
{
	if (side < 0 || side > 1 || d < 0 || (size_t)d >= tl->n_dev)
		return -1;
	return (long)(tl->dev_row[side] + (size_t)d);
}

/* Rows: per side the task, its devices, its non-VFIO handlers. */
static int tl_layout(struct timeline *tl, const struct results *r, const struct results_run *run)
{
	const struct trace *tr = &run->trace;
	for (int s = 0; s < 2; s++)
		tl->hnames[s] = g_ptr_array_new();
	for (size_t i = 0; i < tr->n; i++) {
		const struct trace_event *e = &tr->ev[i];
		if (e->kind == TRACE_HANDLER_BEGIN && e->device < 0 && e->text &&
		    (e->side == 0 || e->side == 1)) {
			int s = e->side;
			if (find_name(tl->hnames[s], e->text) < 0)
				g_ptr_array_add(tl->hnames[s], (gpointer)e->text);
		}
		if (e->device >= 0 && (size_t)e->device + 1 > tl->n_dev)
			tl->n_dev = (size_t)e->device + 1;
	}
	if (run->sum.n_devices > tl->n_dev)
		tl->n_dev = run->sum.n_devices;
	tl->n_dev_total = tl->n_dev;
	if (tl->n_dev > TL_MAX_DEVICES)
		tl->n_dev = TL_MAX_DEVICES;
	size_t n_rows = 2 * (1 + tl->n_dev) + tl->hnames[0]->len + tl->hnames[1]->len;
	tl->rows = calloc(n_rows, sizeof *tl->rows);
	if (!tl->rows)
		return -1;
	tl->n_rows = n_rows;
	size_t k = 0;
	static const char *const side_name[2] = {"src", "dst"};
	static const char *const task_name[2] = {"migration (src)", "load (dst)"};
	for (int s = 0; s < 2; s++) {
		tl->task_row[s] = k;
		tl->rows[k].header = true;
		snprintf(tl->rows[k++].name, sizeof tl->rows[0].name, "%s", task_name[s]);
		tl->dev_row[s] = k;
		for (size_t d = 0; d < tl->n_dev; d++) {
			char dn[DEVICE_NAME_LEN] = "";
			tl->rows[k].device = true;
			if (r->scenario && d < scenario_device_count(r->scenario))
				scenario_device_name(r->scenario, d, dn, sizeof dn);
			else
				snprintf(dn, sizeof dn, "dev%zu", d);
			snprintf(tl->rows[k++].name, sizeof tl->rows[0].name, "%s %s", dn,
			         side_name[s]);
		}
		tl->h_row[s] = k;
		for (guint h = 0; h < tl->hnames[s]->len; h++)
			snprintf(tl->rows[k++].name, sizeof tl->rows[0].name, "%s %s",
			         (const char *)g_ptr_array_index(tl->hnames[s], h), side_name[s]);
	}
	for (size_t i = 0; i < tl->n_rows; i++) {
		for (int b = 0; b < BAR_KIND_COUNT; b++)
			tl->rows[i].open[b] = NAN;
		tl->rows[i].state = -1;
		tl->rows[i].bars = g_array_new(FALSE, FALSE, sizeof(struct tl_bar));
		tl->rows[i].marks = g_array_new(FALSE, FALSE, sizeof(struct tl_mark));
	}
	return 0;
}

/* The row an event without a device belongs to: the task that logged it
 * (task name -> row, every task of the run however many). */
static void task_rows_set(GHashTable *rows, const char *task, size_t row)
{
	if (task)
		g_hash_table_insert(rows, (gpointer)task, GSIZE_TO_POINTER(row + 1));
}

static long task_rows_get(GHashTable *rows, const char *task)
{
	size_t v = task ? GPOINTER_TO_SIZE(g_hash_table_lookup(rows, task)) : 0;
	return v ? (long)(v - 1) : -1;
}

static int timeline_build(struct timeline *tl, const struct results *r,
                          const struct results_run *run)
{
	const struct trace *tr = &run->trace;
	*tl = (struct timeline){.t_stop = NAN, .t_start = NAN, .t_running = NAN};
	if (tl_layout(tl, r, run))
		return -1;
	GHashTable *tasks = g_hash_table_new(g_str_hash, g_str_equal);
	GArray *arcs = trace_arcs(tr);
	guint next_arc = 0;
	for (int s = 0; s < 2; s++)
		for (size_t d = 0; d < tl->n_dev; d++)
			tl->rows[tl->dev_row[s] + d].state_since = 0;
	for (size_t i = 0; i < tr->n; i++) {
		const struct trace_event *e = &tr->ev[i];
		/* trace_arcs lists the device arcs in the order of their ends. */
		const struct trace_arc *arc =
		    e->kind == TRACE_ARC_END && e->device >= 0
		        ? &g_array_index(arcs, struct trace_arc, next_arc++)
		        : NULL;
		double t = e->t;
		if (t > tl->t_end)
			tl->t_end = t;
		long dr = tl_dev_row(tl, e->side, e->device);
		size_t task_row = tl->task_row[e->side == 1];
		if (e->device >= 0 && (size_t)e->device >= tl->n_dev && e->kind != TRACE_ERROR)
			continue; /* a device left out of the picture */
		switch (e->kind) {
		case TRACE_VM_STOP:
			tl->t_stop = t;
			break;
		case TRACE_VM_START:
			tl->t_start = t;
			break;
		case TRACE_VM_RUNNING:
			tl->t_running = t;
			break;
		case TRACE_ARC_BEGIN:
			if (dr < 0)
				break;
			if (tl->rows[dr].state < 0)
				tl->rows[dr].state = e->from;
			tl_add_bar(tl, (size_t)dr, tl->rows[dr].state_since, t, BAR_STATE,
			           tl->rows[dr].state);
			task_rows_set(tasks, e->task, (size_t)dr);
			break;
		case TRACE_ARC_END:
			if (dr < 0)
				break;
			if (arc->begin)
				tl_add_bar(tl, (size_t)dr, arc->begin->t, t, BAR_ARC, e->to);
			tl->rows[dr].state = e->text ? VFIO_STATE_ERROR : e->to;
			tl->rows[dr].state_since = t;
			break;
		case TRACE_HANDLER_BEGIN:
		case TRACE_HANDLER_END: {
			bool begin = e->kind == TRACE_HANDLER_BEGIN;
			int kind = e->device >= 0 ? BAR_VFIO_HANDLER : BAR_HANDLER;
			size_t rows[2] = {task_row, 0};
			size_t n = 1;
			if (e->device < 0 && e->text && (e->side == 0 || e->side == 1)) {
				long h = find_name(tl->hnames[e->side], e->text);
				if (h >= 0)
					rows[n++] = tl->h_row[e->side] + (size_t)h;
			}
			for (size_t k = 0; k < n; k++) {
				if (begin)
					tl_open(tl, rows[k], kind, t);
				else
					tl_close(tl, rows[k], kind, t);
			}
			task_rows_set(tasks, e->task, task_row);
			break;
		}
		case TRACE_LOAD_BEGIN:
			tl_open(tl, tl->task_row[1], BAR_LOAD, t);
			task_rows_set(tasks, e->task, tl->task_row[1]);
			break;
		case TRACE_LOAD_END:
			tl_close(tl, tl->task_row[1], BAR_LOAD, t);
			break;
		default:
			break;
		}
		int mk = tl_mark_kind_of(e);
		if (mk >= 0) {
			long row = dr;
			if (row < 0)
				row = task_rows_get(tasks, e->task);
			if (row < 0)
				row = (long)task_row;
			tl_add_mark(tl, (size_t)row, t, mk);
		}
	}
	g_hash_table_destroy(tasks);
	g_array_unref(arcs);
	/* Every device stays in its last state to the end of the run. */
	for (int s = 0; s < 2; s++)
		for (size_t d = 0; d < tl->n_dev; d++) {
			struct tl_row *row = &tl->rows[tl->dev_row[s] + d];
			if (row->state >= 0)
				tl_add_bar(tl, tl->dev_row[s] + d, row->state_since, tl->t_end,
				           BAR_STATE, row->state);
		}
	/* The final query and the stop-copy transfer, from the run's phases. */
	if (!isnan(tl->t_stop) && run->sum.status == 0) {
		double t = tl->t_stop;
		for (int p = 0; p < PHASE_COUNT; p++) {
			double t1 = t + run->sum.phase_s[p];
			if (p == PHASE_FINAL_QUERY)
				tl_add_bar(tl, tl->task_row[0], t, t1, BAR_FINAL_QUERY, 0);
			else if (p == PHASE_STOPCOPY)
				tl_add_bar(tl, tl->task_row[0], t, t1, BAR_STOPCOPY, 0);
			t = t1;
		}
	}
	return 0;
}

static uint32_t bar_rgb(const struct tl_bar *b)
{
	if (b->kind == BAR_STATE)
		return state_rgb[b->state % VFIO_STATE_COUNT];
	if (b->kind == BAR_ARC)
		return lighten(state_rgb[b->state % VFIO_STATE_COUNT], ARC_LIGHTEN);
	return bar_style[b->kind].rgb;
}

/* Bars of one row inside the window; bars closer than a pixel to the one
 * before with the same colour merge (a thousand 1 MiB loads read as one). */
static void draw_row_bars(struct canvas *c, const struct frame *f, const struct tl_row *row,
                          double yc, double h)
{
	/* Stop-copy and final-query bars first, handler bars over them. */
	static const int pass_of[BAR_KIND_COUNT] = {
	    [BAR_FINAL_QUERY] = 0,  [BAR_STOPCOPY] = 0, [BAR_STATE] = 1, [BAR_ARC] = 1,
	    [BAR_VFIO_HANDLER] = 1, [BAR_HANDLER] = 1,  [BAR_LOAD] = 1};
	for (int pass = 0; pass < 2; pass++) {
		double cx0 = NAN, cx1 = NAN;
		uint32_t crgb = 0;
		for (guint i = 0; i <= row->bars->len; i++) {
			double x0 = 0, x1 = 0;
			uint32_t rgb = 0;
			bool have = false;
			if (i < row->bars->len) {
				const struct tl_bar *b =
				    &g_array_index(row->bars, struct tl_bar, i);
				if (pass_of[b->kind] != pass || b->t1 < f->xlo || b->t0 > f->xhi)
					continue;
				x0 = fx(f, fmax(b->t0, f->xlo));
				x1 = fx(f, fmin(b->t1, f->xhi));
				rgb = bar_rgb(b);
				have = true;
			}
			if (have && !isnan(cx0) && rgb == crgb && x0 - cx1 < 1.0) {
				cx1 = fmax(cx1, x1);
				continue;
			}
			if (!isnan(cx0)) {
				if (cx1 - cx0 < 1.5) /* too short to see: one pixel wide */
					cx1 = cx0 + 1.5;
				cv_rect(c, cx0, yc - h / 2, cx1, yc + h / 2, crgb, NOFILL);
			}
			cx0 = have ? x0 : NAN;
			cx1 = x1;
			crgb = rgb;
		}
	}
}

/* Which rows get a label: task and handler rows (tall enough) always,
 * device rows wherever their label keeps `gap` pixels from the labels
 * around it (NULL when out of memory: label them all). */
static bool *label_rows(const struct timeline *tl, double gap)
{
	bool *on = calloc(tl->n_rows, sizeof *on);
	if (!on)
		return NULL;
	double last = -1e9, next = 1e9;
	for (size_t i = 0; i < tl->n_rows; i++) {
		const struct tl_row *r = &tl->rows[i];
		double yc = r->y + r->h / 2;
		if (!r->device) {
			on[i] = true;
			last = yc;
			continue;
		}
		if (next <= yc) { /* the next label that is always there */
			next = 1e9;
			for (size_t j = i + 1; j < tl->n_rows && next == 1e9; j++)
				if (!tl->rows[j].device)
					next = tl->rows[j].y + tl->rows[j].h / 2;
		}
		if (yc - last >= gap && next - yc >= gap) {
			on[i] = true;
			last = yc;
		}
	}
	return on;
}

/* The labels of vertical lines above the plot, stacked when they collide. */
struct vlabel {
	double x;
	const char *text;
	uint32_t rgb;
};

static void draw_vlabels(struct canvas *c, const struct frame *f, struct vlabel *v, size_t n)
{
	double px = text_px(c, TEXT_NORMAL), right[3] = {-1e9, -1e9, -1e9};
	for (size_t i = 0; i < n; i++) {
		double w = cv_text_width(c, px, true, v[i].text);
		double x = fmin(fmax(v[i].x, f->x0 + w / 2), f->x1 - w / 2);
		int level = 0;
		while (level < 2 && x - w / 2 < right[level] + 8)
			level++;
		right[level] = x + w / 2;
		cv_text(c, x, f->y0 - 8 - level * px * 1.25, px, true, 'c', 'b', v[i].rgb, 0,
		        v[i].text);
	}
}

int plot_timeline(const struct results *r, size_t run, const struct plot_timeline_opts *opts,
                  enum plot_format fmt, const char *path, char *err, size_t errlen)
{
	if (run >= r->n_runs) {
		seterr(err, errlen, "run %zu: the file has runs 0..%zu", run,
		       r->n_runs ? r->n_runs - 1 : 0);
		return -1;
	}
	const struct results_run *rr = &r->runs[run];
	struct timeline tl;
	if (timeline_build(&tl, r, rr)) {
		tl_free(&tl);
		seterr(err, errlen, "%s: out of memory", path);
		return -1;
	}
	bool whole = (opts && opts->whole_run) || isnan(tl.t_stop);
	double t0 = 0, t1 = tl.t_end, origin = 0;
	if (!whole) {
		double stop_end = isnan(tl.t_running) ? tl.t_end : tl.t_running;
		double margin = fmax(0.08 * (stop_end - tl.t_stop), 1e-6);
		t0 = fmax(0, tl.t_stop - margin);
		t1 = stop_end + margin;
		origin = tl.t_stop;
	}
	if (!(t1 > t0))
		t1 = t0 + 1e-3;

	/* Sizes: rows shrink with their number, within limits; row labels keep
	 * a readable size and thin out instead (label_rows). */
	double W = 1600, dev_h = fmin(30, fmax(3, 640.0 / (2.0 * (double)(tl.n_dev + 1))));
	struct canvas c0 = {.fmt = fmt};
	double lpx = text_px(&c0, TEXT_NORMAL) * (dev_h < 20 ? 0.85 : 1);
	double other_h = fmax(dev_h, fmin(30, lpx * 1.4));
	double title_h = 110, strip_h = 30, axis_h = 80;
	double plot_h = 0;
	for (size_t i = 0; i < tl.n_rows; i++) {
		tl.rows[i].y = plot_h;
		tl.rows[i].h = tl.rows[i].device ? dev_h : other_h;
		plot_h += tl.rows[i].h;
	}

	/* Legend height needs a canvas to measure text: measure on the real one. */
	struct legend_item states[VFIO_STATE_COUNT];
	for (int i = 0; i < VFIO_STATE_COUNT; i++)
		states[i] = (struct legend_item){.kind = LEG_SWATCH,
		                                 .rgb = state_rgb[state_order[i]],
		                                 .label = vfio_state_name(state_order[i])};
	struct legend_item other[16];
	size_t n_other = 0;
	other[n_other++] =
	    (struct legend_item){.kind = LEG_SPLIT,
	                         .rgb = state_rgb[VFIO_STATE_STOP_COPY],
	                         .rgb2 = lighten(state_rgb[VFIO_STATE_STOP_COPY], ARC_LIGHTEN),
	                         .label = "lighter shade: transition into that state"};
	for (int b = BAR_VFIO_HANDLER; b < BAR_KIND_COUNT; b++)
		other[n_other++] = (struct legend_item){
		    .kind = LEG_SWATCH, .rgb = bar_style[b].rgb, .label = bar_style[b].label};
	struct legend_item marks[4 + MARK_KIND_COUNT];
	size_t n_marks = 0;
	marks[n_marks++] = (struct legend_item){
	    .kind = LEG_SWATCH, .rgb = DOWNTIME_RGB, .label = "downtime window"};
	marks[n_marks++] = (struct legend_item){
	    .kind = LEG_LINE, .rgb = 0xc00000, .width = 2.5, .label = "VM stop"};
	marks[n_marks++] = (struct legend_item){.kind = LEG_LINE,
	                                        .rgb = 0x505050,
	                                        .width = 2,
	                                        .style = "shortdashed",
	                                        .label = "VM start"};
	marks[n_marks++] = (struct legend_item){
	    .kind = LEG_LINE, .rgb = 0x007000, .width = 2.5, .label = "VM running"};
	for (int m = 0; m < MARK_KIND_COUNT; m++)
		if (m <= MARK_ERROR || tl.has_mark[m]) /* ACK and REINIT when they happen */
			marks[n_marks++] = (struct legend_item){.kind = LEG_MARKER,
			                                        .rgb = mark_style[m].rgb,
			                                        .marker = mark_style[m].marker,
			                                        .label = mark_style[m].label};

	/* Row labels decide the left margin, the legend the height: measure
	 * them first (libplot fixes the page size when it opens). */
	struct canvas c;
	if (canvas_open(&c, NULL, fmt, W, 1000, err, errlen)) {
		tl_free(&tl);
		return -1;
	}
	double label_w = 0;
	for (size_t i = 0; i < tl.n_rows; i++)
		label_w = fmax(label_w, cv_text_width(&c, lpx, tl.rows[i].header, tl.rows[i].name));
	label_w = fmax(label_w, cv_text_width(&c, lpx, true, "phases"));
	double left = label_w + 30, right = 40;
	double leg_w = W - left - right;
	double leg_h =
	    legend_flow(&c, left, 0, leg_w, "device state", states, VFIO_STATE_COUNT, false) +
	    legend_flow(&c, left, 0, leg_w, NULL, other, n_other, false) +
	    legend_flow(&c, left, 0, leg_w, NULL, marks, n_marks, false) + 20;
	double H = ceil(title_h + strip_h + plot_h + axis_h + leg_h + 10);
	canvas_close(&c, NULL, NULL, 0);
	if (canvas_open(&c, path, fmt, W, H, err, errlen)) {
		tl_free(&tl);
		return -1;
	}

	struct frame f = {.x0 = left,
	                  .x1 = W - right,
	                  .y0 = title_h + strip_h,
	                  .y1 = title_h + strip_h + plot_h,
	                  .xlo = t0,
	                  .xhi = t1,
	                  .ylo = 0,
	                  .yhi = 1};

	/* Title: what, which run, the answer. */
	char title[600], ms[32], note[160] = "";
	if (opts && opts->note)
		snprintf(note, sizeof note, ", %s", opts->note);
	fmt_ms(ms, sizeof ms, rr->sum.downtime_s * 1e3);
	if (rr->sum.status == 0)
		snprintf(title, sizeof title, "%s: %s, run %u%s (%s) - downtime %s ms",
		         r->scenario_name, strategy_name(rr->strategy), rr->run, note, r->backend,
		         ms);
	else
		snprintf(title, sizeof title, "%s: %s, run %u%s (%s) - FAILED: %.200s",
		         r->scenario_name, strategy_name(rr->strategy), rr->run, note, r->backend,
		         rr->sum.error);
	cv_text(&c, left, 30, text_px(&c, TEXT_TITLE), true, 'l', 'c', 0x000000, 0, title);
	GString *sub = g_string_new(NULL);
	if (rr->sum.status == 0) {
		g_string_append(sub, "phases (ms):");
		for (int p = 0; p < PHASE_COUNT; p++) {
			fmt_ms(ms, sizeof ms, rr->sum.phase_s[p] * 1e3);
			g_string_append_printf(sub, "  %s %s", phase_name(p), ms);
		}
	}
	if (tl.n_dev < tl.n_dev_total)
		g_string_append_printf(sub, "%sdevices 0..%zu of %zu shown", sub->len ? "  - " : "",
		                       tl.n_dev - 1, tl.n_dev_total);
	if (sub->len)
		cv_text(&c, left, 58, text_px(&c, TEXT_NORMAL), false, 'l', 'c', 0x303030, 0,
		        sub->str);
	g_string_free(sub, TRUE);

	/* Background: alternate row stripes, darker inside the downtime window. */
	double wa = NAN, wb = NAN;
	if (!isnan(tl.t_stop)) {
		wa = fx(&f, fmax(tl.t_stop, t0));
		wb = fx(&f, fmin(isnan(tl.t_running) ? tl.t_end : tl.t_running, t1));
		cv_rect(&c, wa, f.y0 - strip_h, wb, f.y0, DOWNTIME_RGB, NOFILL);
	}
	for (size_t i = 0; i < tl.n_rows; i++) {
		double ya = f.y0 + tl.rows[i].y, yb = ya + tl.rows[i].h;
		if (i % 2)
			cv_rect(&c, f.x0, ya, f.x1, yb, 0xf3f3f3, NOFILL);
		if (!isnan(wa))
			cv_rect(&c, wa, ya, wb, yb, i % 2 ? DOWNTIME_DARK_RGB : DOWNTIME_RGB,
			        NOFILL);
	}

	/* Phase strip. */
	double sy = f.y0 - strip_h / 2;
	cv_text(&c, left - 12, sy, lpx, true, 'r', 'c', 0x000000, 0, "phases");
	if (!isnan(tl.t_stop) && rr->sum.status == 0) {
		static const uint32_t phase_rgb[2] = {0xc6d7ea, 0x9ebad6};
		double t = tl.t_stop;
		for (int p = 0; p < PHASE_COUNT; p++) {
			double te = t + rr->sum.phase_s[p];
			double a = fx(&f, fmax(t, t0)), b = fx(&f, fmin(te, t1));
			if (b > a) {
				cv_rect(&c, a, sy - strip_h * 0.35, b, sy + strip_h * 0.35,
				        phase_rgb[p % 2], 0x6080a0);
				double spx = text_px(&c, TEXT_SMALL);
				if (cv_text_width(&c, spx, false, phase_name(p)) + 6 < b - a)
					cv_text(&c, (a + b) / 2, sy, spx, false, 'c', 'c', 0x000000,
					        0, phase_name(p));
			}
			t = te;
		}
	}

	/* Rows. */
	bool *labelled = label_rows(&tl, lpx * 1.15);
	for (size_t i = 0; i < tl.n_rows; i++) {
		const struct tl_row *row = &tl.rows[i];
		double yc = f.y0 + row->y + row->h / 2;
		if (row->header && i > 0)
			cv_line(&c, 10, f.y0 + row->y, f.x1, f.y0 + row->y, 0x606060, 1.5, NULL);
		if (!labelled || labelled[i])
			cv_text(&c, left - 12, yc, lpx, row->header, 'r', 'c', 0x000000, 0,
			        row->name);
		draw_row_bars(&c, &f, row, yc, fmax(2, row->h * 0.66));
	}
	free(labelled);

	/* VM stop / start / running lines across the rows, labelled on top. */
	struct vlabel vl[3];
	size_t n_vl = 0;
	struct {
		double t;
		uint32_t rgb;
		double w;
		const char *style, *label;
	} vm[3] = {{tl.t_stop, 0xc00000, 2.5, NULL, "VM stop"},
	           {tl.t_start, 0x505050, 2, "shortdashed", "VM start"},
	           {tl.t_running, 0x007000, 2.5, NULL, "VM running"}};
	for (int i = 0; i < 3; i++) {
		if (isnan(vm[i].t) || vm[i].t < t0 || vm[i].t > t1)
			continue;
		double x = fx(&f, vm[i].t);
		cv_line(&c, x, f.y0 - strip_h, x, f.y1, vm[i].rgb, vm[i].w, vm[i].style);
		vl[n_vl++] = (struct vlabel){x, vm[i].label, vm[i].rgb};
	}
	draw_vlabels(&c, &(struct frame){.x0 = f.x0, .x1 = f.x1, .y0 = f.y0 - strip_h}, vl, n_vl);

	/* Marks over everything. */
	for (size_t i = 0; i < tl.n_rows; i++) {
		double yc = f.y0 + tl.rows[i].y + tl.rows[i].h / 2, row_h = tl.rows[i].h;
		for (guint k = 0; k < tl.rows[i].marks->len; k++) {
			const struct tl_mark *m =
			    &g_array_index(tl.rows[i].marks, struct tl_mark, k);
			if (m->t < t0 || m->t > t1)
				continue;
			double size = fmax(7, row_h * mark_style[m->kind].size);
			double y = yc;
			if (m->kind == MARK_SPAWN)
				y = yc + row_h * 0.33 - size * 0.3;
			else if (m->kind == MARK_JOIN)
				y = yc - row_h * 0.33 + size * 0.3;
			/* a white halo keeps marks visible on dark bars */
			cv_marker(&c, fx(&f, m->t), y, mark_style[m->kind].halo, size * 1.25,
			          0xffffff, 1);
			cv_marker(&c, fx(&f, m->t), y, mark_style[m->kind].marker, size,
			          mark_style[m->kind].rgb, m->kind == MARK_ERROR ? 3 : 1.5);
		}
	}
	draw_frame_box(&c, &f);

	/* Time axis in ms. */
	struct frame fa = f;
	fa.xlo = (t0 - origin) * 1e3;
	fa.xhi = (t1 - origin) * 1e3;
	draw_x_axis(&c, &fa, NULL, 0,
	            whole ? "time since migration start (ms)" : "time since VM stop (ms)");

	double ly = f.y1 + axis_h;
	ly += legend_flow(&c, left, ly, leg_w, "device state", states, VFIO_STATE_COUNT, true);
	ly += legend_flow(&c, left, ly, leg_w, NULL, other, n_other, true);
	legend_flow(&c, left, ly, leg_w, NULL, marks, n_marks, true);

	tl_free(&tl);
	return canvas_close(&c, path, err, errlen);
}

/* ---- medians ------------------------------------------------------------ */

long plot_median_run(const struct results *r, enum strategy_kind strategy)
{
	long first = -1;
	size_t n = 0;
	for (size_t i = 0; i < r->n_runs; i++)
		if (r->runs[i].strategy == strategy) {
			if (first < 0)
				first = (long)i;
			if (r->runs[i].sum.status == 0 && isfinite(r->runs[i].sum.downtime_s))
				n++;
		}
	if (n == 0)
		return first;
	size_t *idx = malloc(n * sizeof *idx);
	if (!idx)
		return first;
	size_t k = 0;
	for (size_t i = 0; i < r->n_runs; i++)
		if (r->runs[i].strategy == strategy && r->runs[i].sum.status == 0 &&
		    isfinite(r->runs[i].sum.downtime_s))
			idx[k++] = i;
	/* Insertion sort by downtime, stable: equal downtimes keep run order. */
	for (size_t i = 1; i < n; i++) {
		size_t v = idx[i], j = i;
		while (j > 0 && r->runs[idx[j - 1]].sum.downtime_s > r->runs[v].sum.downtime_s) {
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = v;
	}
	long med = (long)idx[(n - 1) / 2];
	free(idx);
	return med;
}

/* ---- downtime distribution ---------------------------------------------- */

struct sample {
	double *x; /* sorted, ms */
	size_t n, failed;
	double bound_ms; /* median bound of the completed runs */
};

static void sample_free(struct sample *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(s[i].x);
}

int plot_downtime(const struct results *r, enum plot_format fmt, const char *path, char *err,
                  size_t errlen)
{
	struct sample smp[STRATEGY_COUNT] = {{0}};
	int order[STRATEGY_COUNT];
	size_t n_strat = 0;
	for (int s = 0; s < STRATEGY_COUNT; s++) {
		size_t n = 0;
		bool any = false;
		for (size_t i = 0; i < r->n_runs; i++)
			if (r->runs[i].strategy == (enum strategy_kind)s) {
				any = true;
				n++;
			}
		if (!any)
			continue;
		struct sample *sp = &smp[n_strat];
		double *bound = malloc(n * sizeof *bound);
		sp->x = malloc(n * sizeof *sp->x);
		if (!sp->x || !bound) {
			free(bound);
			sample_free(smp, n_strat + 1);
			seterr(err, errlen, "%s: out of memory", path);
			return -1;
		}
		size_t nb = 0;
		for (size_t i = 0; i < r->n_runs; i++) {
			const struct results_run *rr = &r->runs[i];
			if (rr->strategy != (enum strategy_kind)s)
				continue;
			if (rr->sum.status != 0 || !isfinite(rr->sum.downtime_s)) {
				sp->failed++;
				continue;
			}
			sp->x[sp->n++] = rr->sum.downtime_s * 1e3;
			if (isfinite(rr->sum.bound_s))
				bound[nb++] = rr->sum.bound_s * 1e3;
		}
		gsl_sort(sp->x, 1, sp->n);
		gsl_sort(bound, 1, nb);
		sp->bound_ms = nb ? quantile(bound, nb, 0.5) : NAN;
		free(bound);
		order[n_strat++] = s;
	}
	if (n_strat == 0) {
		seterr(err, errlen, "%s: the file has no runs", path);
		return -1;
	}
	double min = INFINITY, max = -INFINITY;
	size_t total = 0;
	for (size_t k = 0; k < n_strat; k++) {
		if (smp[k].n) {
			min = fmin(min, smp[k].x[0]);
			max = fmax(max, smp[k].x[smp[k].n - 1]);
		}
		if (isfinite(smp[k].bound_ms)) {
			min = fmin(min, smp[k].bound_ms);
			max = fmax(max, smp[k].bound_ms);
		}
		total += smp[k].n + smp[k].failed;
	}
	struct canvas c;
	double W = 1200, H = 800;
	if (canvas_open(&c, path, fmt, W, H, err, errlen)) {
		sample_free(smp, n_strat);
		return -1;
	}
	bool cut;
	struct frame f = {.x0 = 130, .x1 = W - 50, .y0 = 110, .y1 = H - 130, .xlo = 0, .xhi = 1};
	y_range(min, max, &f.ylo, &f.yhi, &cut);

	char title[300];
	snprintf(title, sizeof title, "%s: downtime per strategy (%s, %zu runs)", r->scenario_name,
	         r->backend, total);
	cv_text(&c, f.x0, 36, text_px(&c, TEXT_TITLE), true, 'l', 'c', 0x000000, 0, title);
	draw_y_axis(&c, &f, cut ? "downtime (ms, axis does not start at 0)" : "downtime (ms)");

	double slot = (f.x1 - f.x0) / (double)n_strat, bw = fmin(140, slot * 0.4);
	double px = text_px(&c, TEXT_NORMAL);
	for (size_t k = 0; k < n_strat; k++) {
		const struct sample *sp = &smp[k];
		uint32_t rgb = strategy_rgb(order[k]);
		double xc = f.x0 + slot * ((double)k + 0.5);
		char lab[96], ms[32];
		cv_text(&c, xc, f.y1 + 12, text_px(&c, TEXT_AXIS), true, 'c', 't', 0x000000, 0,
		        strategy_name((enum strategy_kind)order[k]));
		if (sp->failed)
			snprintf(lab, sizeof lab, "%zu runs, %zu failed", sp->n + sp->failed,
			         sp->failed);
		else
			snprintf(lab, sizeof lab, "%zu runs", sp->n);
		cv_text(&c, xc, f.y1 + 20 + px * 1.4, px, false, 'c', 't', 0x404040, 0, lab);
		if (sp->n == 0)
			continue;
		double q1 = quantile(sp->x, sp->n, 0.25), q3 = quantile(sp->x, sp->n, 0.75);
		double med = quantile(sp->x, sp->n, 0.5);
		double lo = sp->x[0], hi = sp->x[sp->n - 1];
		/* whiskers, box, median */
		cv_line(&c, xc, fy(&f, lo), xc, fy(&f, q1), 0x000000, 1.5, NULL);
		cv_line(&c, xc, fy(&f, q3), xc, fy(&f, hi), 0x000000, 1.5, NULL);
		cv_line(&c, xc - bw / 4, fy(&f, lo), xc + bw / 4, fy(&f, lo), 0x000000, 1.5, NULL);
		cv_line(&c, xc - bw / 4, fy(&f, hi), xc + bw / 4, fy(&f, hi), 0x000000, 1.5, NULL);
		double y3 = fy(&f, q3), y1 = fy(&f, q1);
		if (y1 - y3 < 2) { /* a flat box still shows */
			y3 -= 1;
			y1 += 1;
		}
		cv_rect(&c, xc - bw / 2, y3, xc + bw / 2, y1, lighten(rgb, 0.6), rgb);
		cv_line(&c, xc - bw / 2, fy(&f, med), xc + bw / 2, fy(&f, med), 0x000000, 3, NULL);
		/* each run, spread sideways by a low-discrepancy sequence */
		for (size_t i = 0; i < sp->n; i++) {
			double u = fmod((double)i * 0.6180339887, 1.0) - 0.5;
			cv_marker(&c, xc + u * bw * 0.7, fy(&f, sp->x[i]), 16, 10, rgb, 1);
		}
		if (isfinite(sp->bound_ms))
			cv_line(&c, xc - bw * 0.65, fy(&f, sp->bound_ms), xc + bw * 0.65,
			        fy(&f, sp->bound_ms), 0x000000, 2, "shortdashed");
		fmt_ms(ms, sizeof ms, med);
		snprintf(lab, sizeof lab, "median %s ms", ms);
		cv_text(&c, xc, fy(&f, hi) - 12, px, true, 'c', 'b', 0x000000, 0, lab);
	}
	draw_frame_box(&c, &f);
	struct legend_item leg[] = {
	    {.kind = LEG_SWATCH, .rgb = 0xdddddd, .label = "quartiles"},
	    {.kind = LEG_LINE, .rgb = 0x000000, .width = 3, .label = "median"},
	    {.kind = LEG_LINE, .rgb = 0x000000, .width = 1.5, .label = "min to max"},
	    {.kind = LEG_MARKER, .rgb = 0x606060, .marker = 16, .label = "one run"},
	    {.kind = LEG_LINE,
	     .rgb = 0x000000,
	     .width = 2,
	     .style = "shortdashed",
	     .label = "ideal-parallel bound (median)"},
	};
	legend_flow(&c, f.x0, 62, f.x1 - f.x0, NULL, leg, sizeof leg / sizeof leg[0], true);
	sample_free(smp, n_strat);
	return canvas_close(&c, path, err, errlen);
}

/* ---- downtime vs number of devices --------------------------------------- */

struct sweep_point {
	double x; /* number of devices, or an axis value */
	double median, p5, p95;
};

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? -1 : x > y;
}

/* Sorted distinct device counts of every run into *out (caller frees). */
static size_t device_counts(const struct results *const *files, size_t n, size_t **out)
{
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += files[i]->n_runs;
	size_t *v = malloc((total ? total : 1) * sizeof *v);
	if (!v) {
		*out = NULL;
		return 0;
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < files[i]->n_runs; j++)
			v[k++] = files[i]->runs[j].sum.n_devices;
	qsort(v, k, sizeof *v, cmp_size);
	size_t m = 0;
	for (size_t i = 0; i < k; i++)
		if (m == 0 || v[m - 1] != v[i])
			v[m++] = v[i];
	*out = v;
	return m;
}

size_t plot_device_counts(const struct results *const *files, size_t n)
{
	size_t *v;
	size_t m = device_counts(files, n, &v);
	free(v);
	return m;
}

/* Median (p5-p95 band) vs x, one line per strategy: pts[s * stride + i]
 * for i < n_pts[s]; xs[0..n_x) the sorted distinct x values; ymin and ymax
 * the smallest p5 above 0 and the largest p95. */
static int draw_strategy_lines(const struct sweep_point *pts, const size_t *n_pts, size_t stride,
                               double ymin, double ymax, const double *xs, size_t n_x,
                               const char *title, const char *xlabel, enum plot_format fmt,
                               const char *path, char *err, size_t errlen)
{
	struct canvas c;
	double W = 1200, H = 800;
	char xlabel_log[160];
	if (canvas_open(&c, path, fmt, W, H, err, errlen))
		return -1;
	bool cut;
	struct frame f = {.x0 = 130, .x1 = W - 50, .y0 = 100, .y1 = H - 110};
	/* Log y once the values span a decade: on a linear axis the small end
	 * would be a flat line at the bottom. */
	f.ylog = plot_log_scale(ymin, ymax, 10);
	if (f.ylog) {
		f.ylo = pow(10, floor(log10(ymin / 1.2) * 4) / 4);
		f.yhi = pow(10, ceil(log10(ymax * 1.3) * 4) / 4);
	} else {
		y_range(0, ymax, &f.ylo, &f.yhi, &cut);
	}
	double cmin = xs[0] > 0 ? xs[0] : 1, cmax = xs[n_x - 1];
	/* Log scale once the axis spans 8x, so both ends stay readable. */
	f.xlog = xs[0] > 0 && plot_log_scale(cmin, cmax, 8);
	if (f.xlog) {
		f.xlo = cmin / 1.25;
		f.xhi = cmax * 2; /* room for the value labels */
	} else {
		double pad = 0.05 * (cmax - xs[0]);
		if (!(pad > 0))
			pad = fmax(fabs(cmax) * 0.05, 0.5);
		f.xlo = xs[0] - pad;
		f.xhi = cmax + 4 * pad;
	}
	cv_text(&c, f.x0, 36, text_px(&c, TEXT_TITLE), true, 'l', 'c', 0x000000, 0, title);
	draw_y_axis(&c, &f, f.ylog ? "downtime (ms, log scale)" : "downtime (ms)");
	/* Ticks at the device counts themselves when they are few. */
	double *at = malloc(n_x * sizeof *at);
	size_t n_at = 0;
	if (at && n_x <= 16)
		for (size_t i = 0; i < n_x; i++)
			at[n_at++] = xs[i];
	else if (at && f.xlog)
		for (double v = 1; v <= f.xhi; v *= 2)
			if (v >= f.xlo && n_at < n_x)
				at[n_at++] = v;
	snprintf(xlabel_log, sizeof xlabel_log, "%s (log scale)", xlabel);
	draw_x_axis(&c, &f, n_at ? at : NULL, n_at, f.xlog ? xlabel_log : xlabel);
	free(at);

	struct legend_item leg[STRATEGY_COUNT + 1];
	size_t n_leg = 0;
	double px = text_px(&c, TEXT_NORMAL), placed[STRATEGY_COUNT];
	size_t n_placed = 0;
	/* The p5-p95 bands first, all of them under every line; their edges
	 * dotted so that a band another one covers still shows. */
	for (int s = 0; s < STRATEGY_COUNT; s++)
		for (size_t i = 1; i < n_pts[s]; i++) {
			const struct sweep_point *a = &pts[s * stride + i - 1], *b = a + 1;
			cv_quad(&c, fx(&f, a->x), fy(&f, a->p5), fy(&f, a->p95), fx(&f, b->x),
			        fy(&f, b->p5), fy(&f, b->p95), lighten(strategy_rgb(s), 0.82));
		}
	for (int s = 0; s < STRATEGY_COUNT; s++)
		for (size_t i = 0; i < n_pts[s]; i++) {
			const struct sweep_point *p = &pts[s * stride + i];
			double xx = fx(&f, p->x);
			if (n_pts[s] == 1) /* no band with one point: a bar */
				cv_line(&c, xx, fy(&f, p->p5), xx, fy(&f, p->p95), strategy_rgb(s),
				        1.5, NULL);
			if (i > 0)
				for (int e = 0; e < 2; e++)
					cv_line(&c, fx(&f, p[-1].x),
					        fy(&f, e ? p[-1].p95 : p[-1].p5), xx,
					        fy(&f, e ? p->p95 : p->p5), strategy_rgb(s), 1,
					        "dotted");
		}
	for (int s = 0; s < STRATEGY_COUNT; s++) {
		const struct sweep_point *p = &pts[s * stride];
		uint32_t rgb = strategy_rgb(s);
		if (!n_pts[s])
			continue;
		for (size_t i = 0; i < n_pts[s]; i++) {
			double xx = fx(&f, p[i].x);
			if (i > 0)
				cv_line(&c, fx(&f, p[i - 1].x), fy(&f, p[i - 1].median), xx,
				        fy(&f, p[i].median), rgb, strategy_line(s)->width,
				        strategy_line(s)->style);
		}
		for (size_t i = 0; i < n_pts[s]; i++)
			cv_marker(&c, fx(&f, p[i].x), fy(&f, p[i].median), strategy_line(s)->marker,
			          strategy_line(s)->marker_px, rgb, 1);
		/* The median at the largest count, where the strategies differ most;
		 * equal values share one label. */
		const struct sweep_point *last = &p[n_pts[s] - 1];
		double y = fy(&f, last->median);
		bool taken = false;
		for (size_t k = 0; k < n_placed; k++)
			taken |= fabs(placed[k] - y) < px * 1.2;
		if (!taken) {
			char ms[32], lab[48];
			fmt_ms(ms, sizeof ms, last->median);
			snprintf(lab, sizeof lab, "%s ms", ms);
			cv_text(&c, fx(&f, last->x) + 14, y, px, false, 'l', 'c', 0x000000, 0, lab);
			placed[n_placed++] = y;
		}
		leg[n_leg++] = (struct legend_item){.kind = LEG_LINE_MARKER,
		                                    .rgb = rgb,
		                                    .width = strategy_line(s)->width,
		                                    .style = strategy_line(s)->style,
		                                    .marker = strategy_line(s)->marker,
		                                    .label = strategy_name((enum strategy_kind)s)};
	}
	leg[n_leg++] = (struct legend_item){
	    .kind = LEG_SWATCH, .rgb = 0xd8d8d8, .label = "median; band p5 to p95"};
	/* Legend in a white box at the top left of the plot, over the grid. */
	double lw = 0;
	for (size_t i = 0; i < n_leg; i++)
		lw = fmax(lw, legend_item_width(&c, px, &leg[i]));
	double lh = px * 1.7 * (double)n_leg + 10;
	cv_rect(&c, f.x0 + 14, f.y0 + 14, f.x0 + 14 + lw + 10, f.y0 + 14 + lh, 0xffffff, 0x808080);
	for (size_t i = 0; i < n_leg; i++)
		legend_item_draw(&c, f.x0 + 24, f.y0 + 19 + px * 1.7 * ((double)i + 0.5), px,
		                 &leg[i]);
	draw_frame_box(&c, &f);
	return canvas_close(&c, path, err, errlen);
}

int plot_devices_sweep(const struct results *const *files, size_t n, enum plot_format fmt,
                       const char *path, char *err, size_t errlen)
{
	size_t *counts;
	size_t n_counts = device_counts(files, n, &counts);
	if (n_counts < 2) {
		free(counts);
		seterr(err, errlen,
		       "%s: the runs have %s device count; the sweep needs files (or a sweep "
		       "file) with at least two",
		       path, n_counts ? "a single" : "no");
		return -1;
	}
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += files[i]->n_runs;
	struct sweep_point *pts = calloc(STRATEGY_COUNT * n_counts, sizeof *pts);
	size_t n_pts[STRATEGY_COUNT] = {0};
	double *x = malloc(total * sizeof *x);
	if (!pts || !x) {
		free(pts);
		free(x);
		free(counts);
		seterr(err, errlen, "%s: out of memory", path);
		return -1;
	}
	double ymax = 0, ymin = INFINITY;
	for (int s = 0; s < STRATEGY_COUNT; s++)
		for (size_t ci = 0; ci < n_counts; ci++) {
			size_t k = 0;
			for (size_t i = 0; i < n; i++)
				for (size_t j = 0; j < files[i]->n_runs; j++) {
					const struct results_run *rr = &files[i]->runs[j];
					if (rr->strategy == (enum strategy_kind)s &&
					    rr->sum.n_devices == counts[ci] &&
					    rr->sum.status == 0 && isfinite(rr->sum.downtime_s))
						x[k++] = rr->sum.downtime_s * 1e3;
				}
			if (k == 0)
				continue;
			gsl_sort(x, 1, k);
			struct sweep_point *p = &pts[s * n_counts + n_pts[s]++];
			*p = (struct sweep_point){(double)counts[ci], quantile(x, k, 0.5),
			                          quantile(x, k, 0.05), quantile(x, k, 0.95)};
			ymax = fmax(ymax, p->p95);
			if (p->p5 > 0)
				ymin = fmin(ymin, p->p5);
		}
	free(x);

	/* One scenario name when every file shares it. */
	const char *name = files[0]->scenario_name;
	for (size_t i = 1; i < n && name; i++)
		if (strcmp(files[i]->scenario_name, name))
			name = NULL;
	char title[300];
	snprintf(title, sizeof title, "%s%sdowntime vs number of devices (%s, %zu runs)",
	         name ? name : "", name ? ": " : "", files[0]->backend, total);
	double *xs = malloc(n_counts * sizeof *xs);
	int rc = -1;
	if (!xs)
		seterr(err, errlen, "%s: out of memory", path);
	for (size_t i = 0; xs && i < n_counts; i++)
		xs[i] = (double)counts[i];
	if (xs)
		rc = draw_strategy_lines(pts, n_pts, n_counts, ymin, ymax, xs, n_counts, title,
		                         "number of devices", fmt, path, err, errlen);
	free(xs);
	free(pts);
	free(counts);
	return rc;
}

/* ---- phases side by side -------------------------------------------------- */

int plot_phases(const struct results *const *files, const char *const *labels, size_t n,
                enum strategy_kind strategy, enum plot_format fmt, const char *path, char *err,
                size_t errlen)
{
	if (n < 2 || n > sizeof file_rgb / sizeof file_rgb[0]) {
		seterr(err, errlen, "%s: the phase comparison takes 2 to %zu files, not %zu", path,
		       sizeof file_rgb / sizeof file_rgb[0], n);
		return -1;
	}
	for (size_t i = 1; i < n; i++)
		if (strcmp(files[i]->scenario_name, files[0]->scenario_name)) {
			seterr(err, errlen,
			       "%s: %s holds scenario '%s' but %s holds '%s'; the phase comparison "
			       "is of one scenario",
			       path, labels[0], files[0]->scenario_name, labels[i],
			       files[i]->scenario_name);
			return -1;
		}
	/* med[i][p], p5, p95: phase medians per file; the last "phase" is the downtime. */
	double med[6][PHASE_COUNT + 1], p5[6][PHASE_COUNT + 1], p95[6][PHASE_COUNT + 1];
	size_t runs[6];
	double ymax = 0;
	for (size_t i = 0; i < n; i++) {
		const struct results *r = files[i];
		double *x = malloc((r->n_runs ? r->n_runs : 1) * sizeof *x);
		if (!x) {
			seterr(err, errlen, "%s: out of memory", path);
			return -1;
		}
		for (int p = 0; p <= PHASE_COUNT; p++) {
			size_t k = 0;
			for (size_t j = 0; j < r->n_runs; j++) {
				const struct results_run *rr = &r->runs[j];
				if (rr->strategy == strategy && rr->sum.status == 0)
					x[k++] = 1e3 * (p < PHASE_COUNT ? rr->sum.phase_s[p]
					                                : rr->sum.downtime_s);
			}
			if (k == 0) {
				free(x);
				seterr(err, errlen, "%s: %s has no completed %s run", path,
				       labels[i], strategy_name(strategy));
				return -1;
			}
			gsl_sort(x, 1, k);
			med[i][p] = quantile(x, k, 0.5);
			p5[i][p] = quantile(x, k, 0.05);
			p95[i][p] = quantile(x, k, 0.95);
			runs[i] = k;
			if (p < PHASE_COUNT)
				ymax = fmax(ymax, p95[i][p]);
		}
		free(x);
	}
	struct canvas c;
	double W = 1400, H = 760;
	if (canvas_open(&c, path, fmt, W, H, err, errlen))
		return -1;
	bool cut;
	double px = text_px(&c, TEXT_NORMAL);
	double leg_top = 58, leg_h = px * 1.7 * (double)n;
	struct frame f = {.x0 = 130, .x1 = W - 40, .y0 = leg_top + leg_h + 30, .y1 = H - 60};
	y_range(0, ymax, &f.ylo, &f.yhi, &cut);
	char title[400];
	snprintf(title, sizeof title, "%s, %s: downtime phases, median per file",
	         files[0]->scenario_name, strategy_name(strategy));
	cv_text(&c, f.x0, 30, text_px(&c, TEXT_TITLE), true, 'l', 'c', 0x000000, 0, title);
	draw_y_axis(&c, &f, "phase duration (ms)");

	double slot = (f.x1 - f.x0) / PHASE_COUNT;
	double bw = fmin(70, slot * 0.8 / (double)n);
	for (int p = 0; p < PHASE_COUNT; p++) {
		double xc = f.x0 + slot * (p + 0.5);
		cv_text(&c, xc, f.y1 + 12, text_px(&c, TEXT_AXIS), false, 'c', 't', 0x000000, 0,
		        phase_name(p));
		for (size_t i = 0; i < n; i++) {
			double x0 = xc - bw * (double)n / 2 + bw * (double)i;
			uint32_t rgb = file_rgb[i];
			cv_rect(&c, x0 + 2, fy(&f, med[i][p]), x0 + bw - 2, fy(&f, 0), rgb,
			        0x303030);
			double xm = x0 + bw / 2;
			if (p95[i][p] > p5[i][p]) {
				cv_line(&c, xm, fy(&f, p5[i][p]), xm, fy(&f, p95[i][p]), 0x000000,
				        1.5, NULL);
				cv_line(&c, xm - 5, fy(&f, p95[i][p]), xm + 5, fy(&f, p95[i][p]),
				        0x000000, 1.5, NULL);
				cv_line(&c, xm - 5, fy(&f, p5[i][p]), xm + 5, fy(&f, p5[i][p]),
				        0x000000, 1.5, NULL);
			}
			char ms[32];
			fmt_ms(ms, sizeof ms, med[i][p]);
			double spx = text_px(&c, TEXT_SMALL);
			double top = fmin(fy(&f, med[i][p]), fy(&f, p95[i][p]));
			/* values stand upright on their bars, rotated when bars are narrow */
			if (cv_text_width(&c, spx, false, ms) < bw - 2)
				cv_text(&c, xm, top - 6, spx, false, 'c', 'b', 0x000000, 0, ms);
			else
				cv_text(&c, xm + spx * 0.35, top - 6, spx, false, 'l', 'c',
				        0x000000, 90, ms);
		}
	}
	draw_frame_box(&c, &f);
	for (size_t i = 0; i < n; i++) {
		char lab[400], ms[32];
		fmt_ms(ms, sizeof ms, med[i][PHASE_COUNT]);
		snprintf(lab, sizeof lab, "%s - downtime median %s ms over %zu runs", labels[i], ms,
		         runs[i]);
		struct legend_item it = {.kind = LEG_SWATCH, .rgb = file_rgb[i], .label = lab};
		legend_item_draw(&c, f.x0, leg_top + px * 1.7 * ((double)i + 0.5), px, &it);
	}
	cv_text(&c, f.x1, leg_top + px * 0.85, px, false, 'r', 'c', 0x404040, 0,
	        "bars: median; whiskers: p5 to p95");
	return canvas_close(&c, path, err, errlen);
}

int plot_differences(const char *title, const char *const *names, const double *const *values,
                     const size_t *n, size_t n_groups, enum plot_format fmt, const char *path,
                     char *err, size_t errlen)
{
	if (!n_groups) {
		seterr(err, errlen, "%s: no difference to draw", path);
		return -1;
	}
	/* q[g]: p5, q1, median, q3, p95 of group g, in ms */
	double(*q)[5] = calloc(n_groups, sizeof *q);
	if (!q) {
		seterr(err, errlen, "%s: out of memory", path);
		return -1;
	}
	static const double at[5] = {0.05, 0.25, 0.5, 0.75, 0.95};
	double lo = 0, hi = 0;
	for (size_t g = 0; g < n_groups; g++) {
		double *x = n[g] ? malloc(n[g] * sizeof *x) : NULL;
		if (!x) {
			seterr(err, errlen, n[g] ? "%s: out of memory" : "%s: %s has no difference",
			       path, names[g]);
			free(q);
			return -1;
		}
		for (size_t i = 0; i < n[g]; i++)
			x[i] = 1e3 * values[g][i];
		gsl_sort(x, 1, n[g]);
		for (int k = 0; k < 5; k++)
			q[g][k] = quantile(x, n[g], at[k]);
		free(x);
		lo = fmin(lo, q[g][0]);
		hi = fmax(hi, q[g][4]);
	}
	/* 0 always shown, with headroom on both sides, widened to whole ticks */
	double pad = 0.1 * (hi - lo);
	if (!(pad > 0))
		pad = 1;
	struct plot_ticks t;
	plot_nice_ticks(lo - (lo < 0 ? pad : 0), hi + (hi > 0 || lo == 0 ? pad : 0), 8, &t);
	struct canvas c;
	double W = 1400, H = 760;
	if (canvas_open(&c, path, fmt, W, H, err, errlen)) {
		free(q);
		return -1;
	}
	double px = text_px(&c, TEXT_NORMAL);
	struct frame f = {.x0 = 130, .x1 = W - 40, .y0 = 90, .y1 = H - 60};
	f.ylo = floor((lo - (lo < 0 ? pad : 0)) / t.step + 1e-9) * t.step;
	f.yhi = ceil((hi + (hi > 0 || lo == 0 ? pad : 0)) / t.step - 1e-9) * t.step;
	cv_text(&c, f.x0, 30, text_px(&c, TEXT_TITLE), true, 'l', 'c', 0x000000, 0, title);
	draw_y_axis(&c, &f, "new - base, run by run (ms)");
	cv_line(&c, f.x0, fy(&f, 0), f.x1, fy(&f, 0), 0x000000, 1.5, "shortdashed");
	double slot = (f.x1 - f.x0) / (double)n_groups, bw = fmin(80, slot * 0.5);
	for (size_t g = 0; g < n_groups; g++) {
		double xc = f.x0 + slot * ((double)g + 0.5);
		cv_text(&c, xc, f.y1 + 12, text_px(&c, TEXT_AXIS), false, 'c', 't', 0x000000, 0,
		        names[g]);
		cv_line(&c, xc, fy(&f, q[g][0]), xc, fy(&f, q[g][4]), 0x000000, 1.5, NULL);
		for (int k = 0; k < 5; k += 4)
			cv_line(&c, xc - bw / 4, fy(&f, q[g][k]), xc + bw / 4, fy(&f, q[g][k]),
			        0x000000, 1.5, NULL);
		/* a box of no height still shows as a line */
		cv_rect(&c, xc - bw / 2, fmin(fy(&f, q[g][3]), fy(&f, q[g][1]) - 1), xc + bw / 2,
		        fy(&f, q[g][1]), file_rgb[1], 0x303030);
		cv_line(&c, xc - bw / 2, fy(&f, q[g][2]), xc + bw / 2, fy(&f, q[g][2]), 0x000000,
		        2.5, NULL);
		char ms[32], lab[64];
		fmt_ms(ms, sizeof ms, q[g][2]);
		snprintf(lab, sizeof lab, "%s%s", q[g][2] > 0 ? "+" : "", ms);
		cv_text(&c, xc, fmin(fy(&f, q[g][4]), fy(&f, q[g][3])) - 8, text_px(&c, TEXT_SMALL),
		        false, 'c', 'b', 0x000000, 0, lab);
	}
	draw_frame_box(&c, &f);
	cv_text(&c, f.x1, 62, px, false, 'r', 'c', 0x404040, 0,
	        "box: quartiles, bar: median (labelled); whiskers: p5 to p95; dashed: no change");
	free(q);
	return canvas_close(&c, path, err, errlen);
}

/* ---- a sweep file's /points ----------------------------------------------- */

/* The rows of /points the study plots draw: those with a number in the axis
 * column whose scenario and other axes have the first row's values (a
 * multi-axis study is drawn along one axis at a time).  Columns from the
 * first to `strategy` (exclusive) are the scenario and the axes. */
static bool study_row_on_line(const struct results_table *t, size_t r, long axis, long strat)
{
	for (long c = 1; c < strat; c++) {
		if (c == axis)
			continue;
		bool same = t->is_text[c] ? !strcmp(t->text[r * t->n_cols + c], t->text[c])
		                          : t->num[r * t->n_cols + c] == t->num[c];
		if (!same)
			return false;
	}
	return isfinite(t->num[r * t->n_cols + axis]);
}

static int study_cols(const struct results_table *t, const char *axis, const char *path,
                      long *c_axis, long *c_strat, char *err, size_t errlen)
{
	*c_axis = results_table_col(t, axis);
	*c_strat = results_table_col(t, "strategy");
	if (*c_axis < 1 || *c_strat < 0 || *c_axis >= *c_strat || t->is_text[*c_axis]) {
		seterr(err, errlen, "%s: '%s' is not a numeric axis of the study", path, axis);
		return -1;
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Sorted distinct axis values of the drawn rows into xs; their count. */
static size_t study_xs(const struct results_table *t, long axis, long strat, double *xs)
{
	size_t n = 0;
	for (size_t r = 0; r < t->n_rows; r++)
		if (study_row_on_line(t, r, axis, strat))
			xs[n++] = t->num[r * t->n_cols + axis];
	qsort(xs, n, sizeof *xs, cmp_double);
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (!m || xs[m - 1] != xs[i])
			xs[m++] = xs[i];
	return m;
}

int plot_study_downtime(const struct results_table *t, const char *axis, const char *study,
                        enum plot_format fmt, const char *path, char *err, size_t errlen)
{
	long ca, cs, cmed = results_table_col(t, "downtime_median_s"),
	             c5 = results_table_col(t, "downtime_p5_s"),
	             c95 = results_table_col(t, "downtime_p95_s"),
	             cruns = results_table_col(t, "runs");
	if (study_cols(t, axis, path, &ca, &cs, err, errlen))
		return -1;
	if (cmed < 0 || c5 < 0 || c95 < 0 || cruns < 0) {
		seterr(err, errlen,
		       "%s: /points lacks downtime_median_s, downtime_p5_s or downtime_p95_s "
		       "(the study's statistics: must include median, p5 and p95)",
		       path);
		return -1;
	}
	double *xs = calloc(t->n_rows + 1, sizeof *xs);
	struct sweep_point *pts = calloc(STRATEGY_COUNT * (t->n_rows + 1), sizeof *pts);
	size_t n_pts[STRATEGY_COUNT] = {0}, n_x = xs ? study_xs(t, ca, cs, xs) : 0;
	int rc = -1;
	if (!xs || !pts) {
		seterr(err, errlen, "%s: out of memory", path);
		goto out;
	}
	if (n_x < 2) {
		seterr(err, errlen, "%s: the axis %s has fewer than two values", path, axis);
		goto out;
	}
	double ymax = 0, ymin = INFINITY, runs = 0;
	/* Rows come in axis order for each strategy (points are numbered so). */
	for (size_t r = 0; r < t->n_rows; r++) {
		const double *v = &t->num[r * t->n_cols];
		int s = strategy_parse(t->text[r * t->n_cols + cs]);
		if (s < 0 || !study_row_on_line(t, r, ca, cs) || !isfinite(v[cmed]))
			continue;
		pts[(size_t)s * (t->n_rows + 1) + n_pts[s]++] =
		    (struct sweep_point){v[ca], v[cmed] * 1e3, v[c5] * 1e3, v[c95] * 1e3};
		ymax = fmax(ymax, v[c95] * 1e3);
		if (v[c5] > 0)
			ymin = fmin(ymin, v[c5] * 1e3);
		runs = v[cruns];
	}
	char title[300];
	snprintf(title, sizeof title, "%s: downtime vs %s (sim, %.0f runs per point)", study, axis,
	         runs);
	rc = draw_strategy_lines(pts, n_pts, t->n_rows + 1, ymin, ymax, xs, n_x, title, axis, fmt,
	                         path, err, errlen);
out:
	free(xs);
	free(pts);
	return rc;
}

/* Phases bottom to top, in the order they happen. */
static const uint32_t phase_rgb[] = {0x4e79a7, 0xa0cbe8, 0xbab0ac, 0xf28e2b,
                                     0xffbe7d, 0x59a14f, 0x8cd17d};

int plot_study_phases(const struct results_table *t, const char *axis, const char *study,
                      enum strategy_kind strategy, enum plot_format fmt, const char *path,
                      char *err, size_t errlen)
{
	long ca, cs, cph[PHASE_COUNT];
	if (study_cols(t, axis, path, &ca, &cs, err, errlen))
		return -1;
	for (int p = 0; p < PHASE_COUNT; p++) {
		char name[64];
		snprintf(name, sizeof name, "phase_%s_s", phase_name((enum phase)p));
		if ((cph[p] = results_table_col(t, name)) < 0) {
			seterr(err, errlen, "%s: /points: column '%s' missing", path, name);
			return -1;
		}
	}
	/* One bar per axis value, equally spaced: the phases stacked. */
	size_t n = 0;
	double ymax = 0;
	const double **rows = calloc(t->n_rows + 1, sizeof *rows);
	for (size_t r = 0; rows && r < t->n_rows; r++) {
		if (strategy_parse(t->text[r * t->n_cols + cs]) != (int)strategy ||
		    !study_row_on_line(t, r, ca, cs))
			continue;
		const double *v = rows[n++] = &t->num[r * t->n_cols];
		double sum = 0;
		for (int p = 0; p < PHASE_COUNT; p++)
			sum += isfinite(v[cph[p]]) ? v[cph[p]] * 1e3 : 0;
		ymax = fmax(ymax, sum);
	}
	if (!rows || n < 2) {
		seterr(err, errlen, "%s: %s", path,
		       rows ? "fewer than two points of the strategy along the axis"
		            : "out of memory");
		free(rows);
		return -1;
	}
	struct canvas c;
	double W = 1200, H = 800;
	if (canvas_open(&c, path, fmt, W, H, err, errlen)) {
		free(rows);
		return -1;
	}
	bool cut;
	struct frame f = {
	    .x0 = 130, .x1 = W - 50, .y0 = 130, .y1 = H - 110, .xlo = 0, .xhi = (double)n};
	y_range(0, ymax, &f.ylo, &f.yhi, &cut);
	f.ylo = 0; /* stacked: from zero */
	char title[300];
	snprintf(title, sizeof title, "%s: where the downtime goes, %s (median of each phase)",
	         study, strategy_name(strategy));
	cv_text(&c, f.x0, 36, text_px(&c, TEXT_TITLE), true, 'l', 'c', 0x000000, 0, title);
	draw_y_axis(&c, &f, "downtime (ms)");
	double px = text_px(&c, TEXT_NORMAL), bw = (f.x1 - f.x0) / (double)n;
	for (size_t i = 0; i < n; i++) {
		double y = 0, x0 = f.x0 + bw * ((double)i + 0.2),
		       x1 = f.x0 + bw * ((double)i + 0.8);
		for (int p = 0; p < PHASE_COUNT; p++) {
			double h = isfinite(rows[i][cph[p]]) ? rows[i][cph[p]] * 1e3 : 0;
			if (h > 0)
				cv_rect(&c, x0, fy(&f, y + h), x1, fy(&f, y), phase_rgb[p], NOFILL);
			y += h;
		}
		char lab[32];
		snprintf(lab, sizeof lab, "%g", rows[i][ca]);
		cv_text(&c, (x0 + x1) / 2, f.y1 + 10, px, false, 'c', 't', 0x000000, 0, lab);
	}
	cv_text(&c, (f.x0 + f.x1) / 2, f.y1 + 18 + 1.6 * px, text_px(&c, TEXT_AXIS), false, 'c',
	        't', 0x000000, 0, axis);
	struct legend_item leg[PHASE_COUNT];
	for (int p = 0; p < PHASE_COUNT; p++)
		leg[p] = (struct legend_item){
		    .kind = LEG_SWATCH, .rgb = phase_rgb[p], .label = phase_name((enum phase)p)};
	legend_flow(&c, f.x0, 62, f.x1 - f.x0, "phases", leg, PHASE_COUNT, true);
	draw_frame_box(&c, &f);
	free(rows);
	return canvas_close(&c, path, err, errlen);
}

/* ---- a heatmap of two axes ------------------------------------------------- */

/* Colour of t in [0, 1] on a perceptually even scale (viridis's stops). */
static uint32_t heat_rgb(double t)
{
	static const uint32_t stop[] = {0x440154, 0x3b528b, 0x21918c, 0x5ec962, 0xfde725};
	const int n = (int)(sizeof stop / sizeof stop[0]) - 1;
	t = fmin(fmax(isfinite(t) ? t : 0, 0), 1) * n;
	int i = t >= n ? n - 1 : (int)t;
	double f = t - i;
	uint32_t out = 0;
	for (int sh = 0; sh <= 16; sh += 8) {
		double a = (stop[i] >> sh) & 0xff, b = (stop[i + 1] >> sh) & 0xff;
		out |= (uint32_t)lround(a + (b - a) * f) << sh;
	}
	return out;
}

/* Where v is on the colour scale from lo to hi, 0 to 1. */
static double heat_t(double v, double lo, double hi, bool log_scale)
{
	return log_scale ? (log10(v) - log10(lo)) / (log10(hi) - log10(lo)) : (v - lo) / (hi - lo);
}

/* The distinct values of column c over the rows, in axis order: numbers
 * sorted, texts as they first appear.  Returns their count; vals holds row
 * indices of a first occurrence. */
static size_t heat_values(const struct results_table *t, const bool *rows, long c, size_t *vals)
{
	size_t n = 0;
	for (size_t r = 0; r < t->n_rows; r++) {
		if (!rows[r])
			continue;
		bool seen = false;
		for (size_t i = 0; i < n && !seen; i++)
			seen = t->is_text[c]
			           ? !strcmp(t->text[vals[i] * t->n_cols + c],
			                     t->text[r * t->n_cols + c])
			           : t->num[vals[i] * t->n_cols + c] == t->num[r * t->n_cols + c];
		if (!seen)
			vals[n++] = r;
	}
	for (size_t i = 1; !t->is_text[c] && i < n; i++) /* insertion sort: a few values */
		for (size_t j = i;
		     j > 0 && t->num[vals[j] * t->n_cols + c] < t->num[vals[j - 1] * t->n_cols + c];
		     j--) {
			size_t k = vals[j];
			vals[j] = vals[j - 1];
			vals[j - 1] = k;
		}
	return n;
}

/* Index in vals of row r's value of column c. */
static size_t heat_index(const struct results_table *t, const size_t *vals, size_t n, long c,
                         size_t r)
{
	for (size_t i = 0; i < n; i++)
		if (t->is_text[c]
		        ? !strcmp(t->text[vals[i] * t->n_cols + c], t->text[r * t->n_cols + c])
		        : t->num[vals[i] * t->n_cols + c] == t->num[r * t->n_cols + c])
			return i;
	return n;
}

static void heat_label(const struct results_table *t, size_t r, long c, char *buf, size_t len)
{
	if (t->is_text[c])
		snprintf(buf, len, "%s", t->text[r * t->n_cols + c]);
	else
		snprintf(buf, len, "%g", t->num[r * t->n_cols + c]);
}

int plot_study_heatmap(const struct results_table *t, const char *axis_x, const char *axis_y,
                       const char *study, enum strategy_kind strategy, enum plot_format fmt,
                       const char *path, char *err, size_t errlen)
{
	long cx = results_table_col(t, axis_x), cy = results_table_col(t, axis_y),
	     cs = results_table_col(t, "strategy"),
	     cmed = results_table_col(t, "downtime_median_s"), cruns = results_table_col(t, "runs");
	if (cx < 2 || cy < 2 || cx == cy || cs < 0 || cx >= cs || cy >= cs || cmed < 0 ||
	    cruns < 0) {
		seterr(err, errlen,
		       "%s: '%s' and '%s' are not two axes of the study (or /points lacks "
		       "downtime_median_s)",
		       path, axis_x, axis_y);
		return -1;
	}
	/* The rows of the strategy whose scenario and other axes are the first
	 * row's. */
	bool *rows = calloc(t->n_rows + 1, sizeof *rows);
	size_t *xv = calloc(t->n_rows + 1, sizeof *xv), *yv = calloc(t->n_rows + 1, sizeof *yv);
	double *cell = NULL;
	int rc = -1;
	if (!rows || !xv || !yv) {
		seterr(err, errlen, "%s: out of memory", path);
		goto out;
	}
	double runs = 0;
	for (size_t r = 0; r < t->n_rows; r++) {
		rows[r] = strategy_parse(t->text[r * t->n_cols + cs]) == (int)strategy;
		for (long c = 1; c < cs && rows[r]; c++)
			if (c != cx && c != cy)
				rows[r] = t->is_text[c]
				              ? !strcmp(t->text[r * t->n_cols + c], t->text[c])
				              : t->num[r * t->n_cols + c] == t->num[c];
		if (rows[r])
			runs = t->num[r * t->n_cols + cruns];
	}
	size_t nx = heat_values(t, rows, cx, xv), ny = heat_values(t, rows, cy, yv);
	if (nx < 2 || ny < 2) {
		seterr(err, errlen, "%s: the heatmap needs two values on each of %s and %s", path,
		       axis_x, axis_y);
		goto out;
	}
	if (!(cell = malloc(nx * ny * sizeof *cell))) {
		seterr(err, errlen, "%s: out of memory", path);
		goto out;
	}
	for (size_t i = 0; i < nx * ny; i++)
		cell[i] = NAN;
	double lo = INFINITY, hi = -INFINITY;
	for (size_t r = 0; r < t->n_rows; r++) {
		if (!rows[r])
			continue;
		double v = t->num[r * t->n_cols + cmed] * 1e3;
		size_t iy = heat_index(t, yv, ny, cy, r), ix = heat_index(t, xv, nx, cx, r);
		if (iy == ny || ix == nx) /* a NaN axis value matches none: no cell */
			continue;
		cell[iy * nx + ix] = v;
		if (isfinite(v)) {
			lo = fmin(lo, v);
			hi = fmax(hi, v);
		}
	}
	if (!isfinite(lo)) {
		seterr(err, errlen, "%s: no point of %s completed a run", path,
		       strategy_name(strategy));
		goto out;
	}
	/* The colour scale: log once the values span a decade. */
	bool clog = plot_log_scale(lo, hi, 10);
	if (!(hi > lo))
		hi = lo + (lo > 0 ? lo * 0.1 : 1);

	struct canvas c;
	double W = 1200, H = 800;
	if (canvas_open(&c, path, fmt, W, H, err, errlen))
		goto out;
	double px = text_px(&c, TEXT_NORMAL), widest = 0;
	char buf[64];
	for (size_t j = 0; j < ny; j++) {
		heat_label(t, yv[j], cy, buf, sizeof buf);
		widest = fmax(widest, cv_text_width(&c, px, false, buf));
	}
	struct frame f = {.x0 = 70 + widest, .x1 = W - 210, .y0 = 90, .y1 = H - 110};
	double cw = (f.x1 - f.x0) / (double)nx, ch = (f.y1 - f.y0) / (double)ny;
	char title[300];
	snprintf(title, sizeof title, "%s: median downtime, %s (sim, %.0f runs per point)", study,
	         strategy_name(strategy), runs);
	cv_text(&c, f.x0, 36, text_px(&c, TEXT_TITLE), true, 'l', 'c', 0x000000, 0, title);
	for (size_t j = 0; j < ny; j++) /* the first y value at the bottom */
		for (size_t i = 0; i < nx; i++) {
			double v = cell[j * nx + i], x0 = f.x0 + cw * (double)i,
			       y1 = f.y1 - ch * (double)j;
			uint32_t rgb = isfinite(v) ? heat_rgb(heat_t(v, lo, hi, clog)) : 0xd0d0d0;
			cv_rect(&c, x0, y1 - ch, x0 + cw, y1, rgb, 0xffffff);
			if (isfinite(v))
				fmt_ms(buf, sizeof buf, v);
			else
				snprintf(buf, sizeof buf, "n/a");
			/* The value in the cell when it fits; dark text on light colours. */
			if (cv_text_width(&c, text_px(&c, TEXT_SMALL), false, buf) + 6 < cw &&
			    ch > 2 * px) {
				double lum = 0.3 * ((rgb >> 16) & 0xff) +
				             0.59 * ((rgb >> 8) & 0xff) + 0.11 * (rgb & 0xff);
				cv_text(&c, x0 + cw / 2, y1 - ch / 2, text_px(&c, TEXT_SMALL),
				        false, 'c', 'c', lum > 140 ? 0x000000 : 0xffffff, 0, buf);
			}
		}
	double last_right = -1e9;
	for (size_t i = 0; i < nx; i++) {
		double x = f.x0 + cw * ((double)i + 0.5);
		heat_label(t, xv[i], cx, buf, sizeof buf);
		double w = cv_text_width(&c, px, false, buf);
		if (x - w / 2 > last_right + 6) {
			cv_text(&c, x, f.y1 + 10, px, false, 'c', 't', 0x000000, 0, buf);
			last_right = x + w / 2;
		}
	}
	for (size_t j = 0; j < ny; j++) {
		heat_label(t, yv[j], cy, buf, sizeof buf);
		cv_text(&c, f.x0 - 10, f.y1 - ch * ((double)j + 0.5), px, false, 'r', 'c', 0x000000,
		        0, buf);
	}
	cv_text(&c, (f.x0 + f.x1) / 2, f.y1 + 18 + 1.6 * px, text_px(&c, TEXT_AXIS), false, 'c',
	        't', 0x000000, 0, axis_x);
	cv_text(&c, f.x0 - 34 - widest, (f.y0 + f.y1) / 2, text_px(&c, TEXT_AXIS), false, 'c', 'b',
	        0x000000, 90, axis_y);
	draw_frame_box(&c, &f);

	/* The colour bar: the scale's values from bottom to top, ticked. */
	struct frame bar = {.x0 = W - 170,
	                    .x1 = W - 140,
	                    .y0 = f.y0,
	                    .y1 = f.y1,
	                    .ylo = lo,
	                    .yhi = hi,
	                    .ylog = clog};
	const int strips = 120;
	for (int k = 0; k < strips; k++) {
		double y0 = bar.y1 - (bar.y1 - bar.y0) * (k + 1) / strips,
		       y1 = bar.y1 - (bar.y1 - bar.y0) * k / strips;
		cv_rect(&c, bar.x0, y0, bar.x1, y1 + 0.5, heat_rgb((k + 0.5) / strips), NOFILL);
	}
	cv_rect(&c, bar.x0, bar.y0, bar.x1, bar.y1, NOFILL, 0x000000);
	double at[16];
	struct plot_ticks tk = {0};
	size_t n_at = clog                                   ? log_ticks(lo, hi, at, 12)
	              : plot_nice_ticks(lo, hi, 8, &tk) == 0 ? tk.n
	                                                     : 0;
	for (size_t k = 0; k < n_at; k++) {
		double v = clog ? at[k] : tk.first + (double)k * tk.step, y = fy(&bar, v);
		cv_line(&c, bar.x1, y, bar.x1 + 6, y, 0x000000, 1.5, NULL);
		if (clog)
			snprintf(buf, sizeof buf, "%g", v);
		else
			fmt_tick(buf, sizeof buf, v, tk.decimals);
		cv_text(&c, bar.x1 + 10, y, px, false, 'l', 'c', 0x000000, 0, buf);
	}
	cv_text(&c, W - 20, bar.y0 - 18, px, false, 'r', 'b', 0x000000, 0,
	        clog ? "median downtime (ms, log)" : "median downtime (ms)");
	rc = canvas_close(&c, path, err, errlen);
out:
	free(rows);
	free(xv);
	free(yv);
	free(cell);
	return rc;
}
