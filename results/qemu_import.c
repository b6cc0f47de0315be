/*
 * qemu_import.c - QEMU trace logs (and QMP event logs) of real migrations
 * read back into engine traces, one per migration, so that the summary and
 * the result store treat them like a run of their own.  docs/import.md
 * says which QEMU event becomes which trace event, how the two clocks are
 * aligned and what is left unknown.
 */
#include "qemu_log.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "input_file.h"
#include "runtime.h"
#include "vfio_fsm.h"

/* One parsed log line. */
struct qline {
	int64_t us; /* microseconds since the epoch, as printed */
	int tid;
	char *name; /* event name */
	char *args; /* the rest, without the separating space */
	unsigned lineno;
};

struct qfile {
	const char *path;
	GArray *lines; /* struct qline */
	unsigned n_lines;
};

static void add_warning(struct qemu_import *im, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void add_warning(struct qemu_import *im, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_ptr_array_add(im->warnings, g_strdup_vprintf(fmt, ap));
	va_end(ap);
}

static const struct event_handler *find_handler(const char *name, size_t len);

/* "PID@SEC.USEC:" at s (the `log` backend's own prefix up to QEMU 10.0);
 * returns the length of the prefix, or 0. */
static size_t parse_legacy(const char *s, int *tid, int64_t *us)
{
	const char *p = s;
	long long pid = 0, sec = 0, usec = 0;
	int nd = 0;
	while (*p >= '0' && *p <= '9' && nd < 10)
		pid = pid * 10 + (*p++ - '0'), nd++;
	if (!nd || *p++ != '@')
		return 0;
	nd = 0;
	while (*p >= '0' && *p <= '9' && nd < 12)
		sec = sec * 10 + (*p++ - '0'), nd++;
	if (!nd || *p++ != '.')
		return 0;
	for (nd = 0; nd < 6; nd++) {
		if (p[nd] < '0' || p[nd] > '9')
			return 0;
		usec = usec * 10 + (p[nd] - '0');
	}
	p += 6;
	if (*p++ != ':')
		return 0;
	*tid = (int)pid;
	*us = sec * 1000000 + usec;
	return (size_t)(p - s);
}

/* n decimal digits at *p (advanced), or -1. */
static long digits(const char **p, int n)
{
	long v = 0;
	for (int i = 0; i < n; i++, (*p)++) {
		if (**p < '0' || **p > '9')
			return -1;
		v = v * 10 + (**p - '0');
	}
	return v;
}

/* Days from 1970-01-01 to the proleptic Gregorian date y-m-d. */
static int64_t days_from_civil(long y, long m, long d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int64_t)era * 146097 + doe - 719468;
}

/* "YYYY-MM-DDTHH:MM:SS[.FRACTION](Z|+HH:MM|-HH:MM) " at s: the prefix
 * qemu_log puts on every line with -msg timestamp=on in QEMU's 2025 tree
 * (GLib's g_date_time_format_iso8601 of the UTC time; the fraction is
 * printed only when it is not 0).  Returns the length including the
 * space, or 0. */
static size_t parse_iso(const char *s, int64_t *us)
{
	const char *p = s;
	long y = digits(&p, 4);
	if (y < 0 || *p++ != '-')
		return 0;
	long mo = digits(&p, 2);
	if (mo < 1 || mo > 12 || *p++ != '-')
		return 0;
	long d = digits(&p, 2);
	if (d < 1 || d > 31 || *p++ != 'T')
		return 0;
	long h = digits(&p, 2);
	if (h < 0 || h > 23 || *p++ != ':')
		return 0;
	long mi = digits(&p, 2);
	if (mi < 0 || mi > 59 || *p++ != ':')
		return 0;
	long sec = digits(&p, 2);
	if (sec < 0 || sec > 60)
		return 0;
	long frac = 0;
	if (*p == '.') {
		p++;
		int nd = 0;
		for (; *p >= '0' && *p <= '9'; p++, nd++)
			if (nd < 6)
				frac = frac * 10 + (*p - '0');
		if (!nd || nd > 9)
			return 0;
		for (; nd < 6; nd++)
			frac *= 10;
	}
	long off_s = 0;
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1;
		long oh = digits(&p, 2);
		if (oh < 0 || oh > 23 || *p++ != ':')
			return 0;
		long om = digits(&p, 2);
		if (om < 0 || om > 59)
			return 0;
		off_s = sign * (oh * 3600 + om * 60);
	} else {
		return 0;
	}
	if (*p++ != ' ')
		return 0;
	int64_t t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off_s;
	*us = t * 1000000 + frac;
	return (size_t)(p - s);
}

static size_t token_len(const char *s)
{
	return strcspn(s, " ");
}

/* A trace record's timestamp prefix at s, up to its event name: either the
 * `log` backend's "PID@SEC.USEC:" (QEMU up to 10.0), or qemu_log's ISO 8601
 * time (-msg timestamp=on), which newer QEMU follows with the guest name
 * (-msg guest-name=on) and "PROGRAM: " before the event; an ISO time
 * followed by "PID@SEC.USEC:" (both prefixes) takes the latter's time.
 * Without a thread id (ISO only) *tid is 0.  Returns the prefix length, or
 * 0 when s starts with neither. */
static size_t parse_prefix(const char *s, int *tid, int64_t *us)
{
	size_t n = parse_legacy(s, tid, us);
	if (n)
		return n;
	if (!(n = parse_iso(s, us)))
		return 0;
	*tid = 0;
	size_t m = parse_legacy(s + n, tid, us);
	if (m)
		return n + m;
	/* guest name and program name: "PROG: EVENT", "GUEST PROG: EVENT" or
	 * "GUEST EVENT" (told from "EVENT ARGS" by the event being known) */
	const char *t1 = s + n;
	size_t l1 = token_len(t1);
	if (l1 > 1 && t1[l1 - 1] == ':' && t1[l1] == ' ')
		return n + l1 + 1;
	if (t1[l1] == ' ') {
		const char *t2 = t1 + l1 + 1;
		size_t l2 = token_len(t2);
		if (l2 > 1 && t2[l2 - 1] == ':' && t2[l2] == ' ' && !memchr(t1, ':', l1) &&
		    !find_handler(t1, l1))
			return (size_t)(t2 + l2 + 1 - s);
		if (l2 && !find_handler(t1, l1) && find_handler(t2, l2))
			return (size_t)(t2 - s);
	}
	return n;
}

/* Where the next record prefix starts inside s (after its first char), or NULL. */
static const char *embedded_prefix(const char *s)
{
	for (const char *p = s + 1; *p; p++) {
		int tid;
		int64_t us;
		if ((p[-1] < '0' || p[-1] > '9') && parse_prefix(p, &tid, &us))
			return p;
	}
	return NULL;
}

static bool add_record(struct qfile *f, const char *rec, size_t len, unsigned lineno)
{
	int tid;
	int64_t us;
	size_t pre = parse_prefix(rec, &tid, &us);
	if (!pre)
		return false;
	const char *name = rec + pre, *end = rec + len;
	const char *sp = memchr(name, ' ', (size_t)(end - name));
	size_t nlen = sp ? (size_t)(sp - name) : (size_t)(end - name);
	if (!nlen)
		return false;
	for (size_t i = 0; i < nlen; i++)
		if (!g_ascii_isalnum(name[i]) && name[i] != '_')
			return false;
	struct qline l = {.us = us,
	                  .tid = tid,
	                  .name = g_strndup(name, nlen),
	                  .args = sp ? g_strndup(sp + 1, (size_t)(end - sp - 1)) : g_strdup(""),
	                  .lineno = lineno};
	g_array_append_val(f->lines, l);
	return true;
}

static void qfile_free(struct qfile *f)
{
	if (!f->lines)
		return;
	for (guint i = 0; i < f->lines->len; i++) {
		g_free(g_array_index(f->lines, struct qline, i).name);
		g_free(g_array_index(f->lines, struct qline, i).args);
	}
	g_array_unref(f->lines);
	f->lines = NULL;
}

/* Read every line; damaged, truncated and interleaved lines are warnings. */
static int qfile_read(struct qemu_import *im, const char *path, struct qfile *f, char *err,
                      size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	*f = (struct qfile){.path = path, .lines = g_array_new(FALSE, FALSE, sizeof(struct qline))};
	if (input_file_read(path, 0, &text, &len, err, errlen))
		return -1;
	if (memchr(text, '\0', len)) {
		snprintf(err, errlen, "%s: binary data (a NUL byte): not a QEMU trace log", path);
		g_free(text);
		return -1;
	}
	unsigned lineno = 0, untimed = 0, first_untimed = 0, other = 0, first_other = 0;
	for (char *p = text, *next; p < text + len; p = next) {
		char *nl = memchr(p, '\n', (size_t)(text + len - p));
		next = nl ? nl + 1 : text + len;
		size_t l = (size_t)((nl ? nl : text + len) - p);
		if (l && p[l - 1] == '\r')
			l--;
		lineno++;
		p[l] = '\0';
		if (!l)
			continue;
		int tid;
		int64_t us;
		if (!parse_prefix(p, &tid, &us) && strspn(p, "0123456789") &&
		    p[strspn(p, "0123456789")] == '@') {
			add_warning(im,
			            "%s:%u: damaged line skipped (a record with a broken "
			            "PID@SEC.USEC: prefix): \"%.60s\"",
			            path, lineno, p);
			continue;
		}
		if (!parse_prefix(p, &tid, &us)) {
			/* QEMU's other messages (error_report, monitor) share the file. */
			if (!first_untimed)
				first_untimed = lineno;
			untimed++;
			continue;
		}
		/* Two threads writing at once: a record starts inside another
		 * (searched after this line's own prefix, which may be two). */
		for (const char *cut;
		     (cut = embedded_prefix(p + parse_prefix(p, &tid, &us) - 1));) {
			add_warning(im,
			            "%s:%u: interleaved line (records run together): kept the "
			            "last, dropped \"%.*s\"",
			            path, lineno, (int)(cut - p), p);
			p = (char *)cut;
			l = strlen(p);
		}
		bool added = add_record(f, p, l, lineno);
		size_t iso = parse_iso(p, &us);
		if (!added && iso && !parse_legacy(p + iso, &tid, &us)) {
			/* qemu_log's ISO time is on QEMU's other messages too
			 * ("TIME qemu-system-x86_64: -device ...: warning ..."). */
			if (!first_other)
				first_other = lineno;
			other++;
		} else if (!added)
			add_warning(im, "%s:%u: damaged line skipped: \"%.60s\"", path, lineno, p);
		else if (!nl)
			add_warning(im,
			            "%s:%u: last line has no newline (the log may be truncated)",
			            path, lineno);
	}
	f->n_lines = lineno;
	g_free(text);
	if (untimed && !f->lines->len) {
		snprintf(err, errlen,
		         "%s:%u: no trace line with a timestamp (PID@SEC.USEC: or an ISO 8601 "
		         "time; run QEMU with -msg timestamp=on; docs/import.md)",
		         path, first_untimed);
		return -1;
	}
	if (!f->lines->len) {
		snprintf(err, errlen, "%s: empty: no QEMU trace line", path);
		return -1;
	}
	if (other)
		add_warning(im,
		            "%s:%u: %u timestamped line(s) that are not trace events (QEMU's "
		            "other messages) ignored (the first here)",
		            path, first_other, other);
	if (untimed)
		add_warning(im,
		            "%s:%u: %u line(s) without a trace timestamp ignored (the first here)",
		            path, first_untimed, untimed);
	return 0;
}

/* ---- one migration -------------------------------------------------------- */

static void note(struct qemu_migration *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

struct builder {
	struct qemu_import *im;
	struct qemu_migration *m;
	const char *path[2]; /* the logs, by side, for warnings */
	int64_t t0_us;
	double off_s; /* destination clock - source clock */
	/* per device and side */
	GArray *cur_state[2]; /* int: state after the last arc, -1 unknown */
	GArray *arc_begin[2]; /* double: open set_state time, NAN none */
	GArray *arc_to[2];    /* int */
	GArray *load_begin;   /* guint: index of the open LOAD_BEGIN + 1 */
	int approve_device;   /* device of the last INIT_DATA_SENT load */
	unsigned acks_req, acks_recv;
	bool old_format; /* noted that arcs have no start */
	double marks[6]; /* stop, src_prep_end, src_main_end, vm_start, dst_prep_end, running */
};
enum { MK_STOP, MK_SRC_PREP, MK_SRC_MAIN, MK_VM_START, MK_DST_PREP, MK_RUNNING };

static const char *device_arg(const char *args, char *buf, size_t len)
{
	/* " (%s)" with the event's separating space already consumed: args
	 * starts with " (" */
	const char *a = strchr(args, '(');
	const char *b = a ? strchr(a, ')') : NULL;
	if (!a || !b || (size_t)(b - a - 1) >= len)
		return NULL;
	memcpy(buf, a + 1, (size_t)(b - a - 1));
	buf[b - a - 1] = '\0';
	return b + 1;
}

static int device_of(struct builder *b, const char *name)
{
	struct qemu_import *im = b->im;
	gpointer v = g_hash_table_lookup(im->dev_index, name);
	if (!v) {
		char *copy = g_strdup(name);
		g_ptr_array_add(im->devices, copy);
		v = GINT_TO_POINTER((int)im->devices->len);
		g_hash_table_insert(im->dev_index, copy, v);
	}
	int unknown = -1;
	double none = NAN;
	guint zero = 0;
	while (b->load_begin->len < im->devices->len) {
		for (int s = 0; s < 2; s++) {
			g_array_append_val(b->cur_state[s], unknown);
			g_array_append_val(b->arc_begin[s], none);
			g_array_append_val(b->arc_to[s], unknown);
		}
		g_array_append_val(b->load_begin, zero);
	}
	return GPOINTER_TO_INT(v) - 1;
}

static void count_unknown(struct qemu_import *im, const char *name)
{
	gpointer v = g_hash_table_lookup(im->unknown, name);
	g_hash_table_replace(im->unknown, g_strdup(name),
	                     GUINT_TO_POINTER(GPOINTER_TO_UINT(v) + 1));
}

/* QEMU prints states by their uAPI names (mig_state_to_str), as vfio_state_name does. */
static int qemu_state(const char *word)
{
	for (int i = 0; i < VFIO_STATE_COUNT; i++)
		if (!strcmp(vfio_state_name((enum vfio_state)i), word))
			return i;
	return -1;
}

/* A device's state before its first traced change (docs/import.md): the
 * source's run, the destination's wait for the stream. */
static int first_state(int side)
{
	return side == RT_SIDE_SRC ? VFIO_STATE_RUNNING : VFIO_STATE_STOP;
}

static bool is_p2p(int st)
{
	return st == VFIO_STATE_RUNNING_P2P || st == VFIO_STATE_PRE_COPY_P2P;
}

/* The step an arc belongs to: inside the side's VM stop or start window,
 * an arc into a P2P state is the prepare step, and so is the destination's
 * RESUMING -> STOP on its way there; the rest is the main step.  Outside
 * the window: none (-1). */
static int arc_pass(const struct builder *b, int side, double t_begin, int from, int to)
{
	double lo = side == RT_SIDE_SRC ? b->marks[MK_STOP] : b->marks[MK_VM_START];
	double hi = side == RT_SIDE_SRC ? b->marks[MK_SRC_MAIN] : b->marks[MK_RUNNING];
	if (isnan(lo) || t_begin < lo || (!isnan(hi) && t_begin > hi))
		return -1;
	if (is_p2p(to))
		return TRACE_PASS_PREPARE;
	if (is_p2p(from))
		return TRACE_PASS_MAIN;
	/* neither end P2P: prepare when a P2P arc of this device follows (the
	 * destination's RESUMING -> STOP on its way to RUNNING_P2P) */
	return (side == RT_SIDE_DST && to == VFIO_STATE_STOP) ? TRACE_PASS_PREPARE
	                                                      : TRACE_PASS_MAIN;
}

#define ADD(...) TRACE_ADD(&b->m->tr, __VA_ARGS__)

/* One line being turned into trace events: its device (-1 for events
 * without one) and its arguments (after the device's " (%s)" if any). */
struct ev {
	struct builder *b;
	const struct qline *l;
	int side;
	double t;
	int d;
	const char *rest;
};

/* Open, then end, one arc of e->d: the engine's arc-begin / arc-end. */
static void arc_begin(const struct ev *e, int to)
{
	struct builder *b = e->b;
	int *cur = &g_array_index(b->cur_state[e->side], int, e->d);
	int from = *cur >= 0 ? *cur : first_state(e->side);
	g_array_index(b->arc_begin[e->side], double, e->d) = e->t;
	g_array_index(b->arc_to[e->side], int, e->d) = to;
	ADD(.t = e->t, .task = "qemu", .kind = TRACE_ARC_BEGIN, .device = e->d,
	    .side = (int8_t)e->side, .from = (int8_t)from, .to = (int8_t)to,
	    .pass = (int8_t)arc_pass(b, e->side, e->t, from, to));
}

static void arc_end(const struct ev *e, int to)
{
	struct builder *b = e->b;
	int *cur = &g_array_index(b->cur_state[e->side], int, e->d);
	double *open = &g_array_index(b->arc_begin[e->side], double, e->d);
	int from = *cur >= 0 ? *cur : first_state(e->side);
	ADD(.t = e->t, .task = "qemu", .kind = TRACE_ARC_END, .device = e->d,
	    .side = (int8_t)e->side, .from = (int8_t)from, .to = (int8_t)to, .value = e->t - *open,
	    .pass = (int8_t)arc_pass(b, e->side, *open, from, to));
	*cur = to;
	*open = NAN;
}

static bool on_set_state(const struct ev *e)
{
	char word[64];
	if ((sscanf(e->rest, " new state %63[A-Z_0-9]", word) != 1 &&
	     sscanf(e->rest, " state %63[A-Z_0-9]", word) != 1) ||
	    qemu_state(word) < 0)
		return false;
	arc_begin(e, qemu_state(word));
	if (!strstr(e->rest, ", recover state ")) {
		/* QEMU before 9.1 traces a state change once, when the kernel
		 * has made it: its start is not in the log */
		if (!e->b->old_format) {
			e->b->old_format = true;
			note(e->b->m, "arcs: vfio_migration_set_state without a recover state "
			              "(QEMU before 9.1): each arc is recorded where it ended, its "
			              "duration is unknown (0 in the file)");
		}
		arc_end(e, qemu_state(word));
	}
	return true;
}

static bool on_set_device_state(const struct ev *e)
{
	char word[64];
	if (sscanf(e->rest, " state %63[A-Z_0-9]", word) != 1 || qemu_state(word) < 0)
		return false;
	int st = qemu_state(word);
	/* no open request for this state (its set_state line was lost): the
	 * arc's start is unknown, it is recorded where it ended */
	if (isnan(g_array_index(e->b->arc_begin[e->side], double, e->d)) ||
	    g_array_index(e->b->arc_to[e->side], int, e->d) != st)
		arc_begin(e, st);
	arc_end(e, st);
	return true;
}

static bool on_query_precopy_size(const struct ev *e)
{
	struct builder *b = e->b;
	unsigned long long init;
	int reinit, final = 0;
	if (sscanf(e->rest, " initial size %llu reinit %d final %d", &init, &reinit, &final) < 2)
		return false;
	ADD(.t = e->t, .task = "qemu", .kind = TRACE_PRECOPY_INFO, .device = e->d,
	    .side = (int8_t)e->side, .value = (double)init, .from = (int8_t)(reinit != 0),
	    .to = (int8_t)(final != 0));
	return true;
}

static bool on_state_pending_ack(const struct ev *e)
{
	struct builder *b = e->b;
	unsigned long long init, pending;
	char ack[64];
	if (sscanf(e->rest, " precopy initial size %llu switchover ack %63s pending %llu", &init,
	           ack, &pending) != 3)
		return false;
	if (strcmp(ack, "none") != 0) {
		b->acks_req++;
		ADD(.t = e->t, .task = "qemu", .kind = TRACE_ACK_REQUEST, .device = e->d,
		    .side = (int8_t)e->side, .value = (double)pending, .text = ack);
	}
	return true;
}

static bool on_state_pending(const struct ev *e)
{
	struct builder *b = e->b;
	unsigned long long init;
	const char *p = strstr(e->rest, "precopy initial size ");
	if (!p || sscanf(p, "precopy initial size %llu", &init) != 1)
		return false;
	ADD(.t = e->t, .task = "qemu", .kind = TRACE_PRECOPY_INFO, .device = e->d,
	    .side = (int8_t)e->side, .value = (double)init);
	return true;
}

static bool on_save_block(const struct ev *e)
{
	struct builder *b = e->b;
	unsigned long long bytes;
	if (sscanf(e->rest, " data_size %llu", &bytes) != 1)
		return false;
	bool stopped = !isnan(b->marks[MK_STOP]) && e->t >= b->marks[MK_STOP];
	ADD(.t = e->t, .task = "qemu", .kind = TRACE_SEND, .device = e->d, .side = (int8_t)e->side,
	    .value = (double)bytes, .text = stopped ? "stop-copy" : "precopy");
	return true;
}

static bool on_load_state(const struct ev *e)
{
	struct builder *b = e->b;
	unsigned long long flag;
	if (sscanf(e->rest, " data 0x%llx", &flag) != 1)
		return false;
	if (flag == QEMU_VFIO_FLAG_DEV_INIT_DATA_SENT) {
		b->approve_device = e->d;
	} else if (flag == QEMU_VFIO_FLAG_DEV_DATA_STATE) {
		ADD(.t = e->t, .task = "qemu", .kind = TRACE_LOAD_BEGIN, .device = e->d,
		    .side = (int8_t)e->side);
		g_array_index(b->load_begin, guint, e->d) = (guint)b->m->tr.n;
	}
	return true;
}

static bool on_load_device_data(const struct ev *e)
{
	struct builder *b = e->b;
	unsigned long long bytes;
	int ret;
	if (sscanf(e->rest, " size %llu ret %d", &bytes, &ret) != 2)
		return false;
	guint k = g_array_index(b->load_begin, guint, e->d);
	double t0 = k ? b->m->tr.ev[k - 1].t : e->t;
	if (k)
		b->m->tr.ev[k - 1].value = (double)bytes;
	g_array_index(b->load_begin, guint, e->d) = 0;
	ADD(.t = e->t, .task = "qemu", .kind = TRACE_LOAD_END, .device = e->d,
	    .side = (int8_t)e->side, .value = e->t - t0);
	return true;
}

static bool on_thread_start(const struct ev *e)
{
	struct builder *b = e->b;
	/* the source's save thread names the device's section too */
	char idstr[128];
	if (!e->side && sscanf(e->rest, " idstr %127s", idstr) == 1)
		g_hash_table_replace(b->im->idstr_device, g_strdup(idstr),
		                     g_strdup(b->im->devices->pdata[e->d]));
	ADD(.t = e->t, .task = "qemu", .kind = TRACE_THREAD_SPAWN, .device = e->d,
	    .side = (int8_t)e->side, .text = "multifd");
	return true;
}

static bool on_thread_end(const struct ev *e)
{
	struct builder *b = e->b;
	ADD(.t = e->t, .task = "qemu", .kind = TRACE_THREAD_JOIN, .device = e->d,
	    .side = (int8_t)e->side, .text = "multifd");
	return true;
}

static bool on_checkpoint(const struct ev *e)
{
	static const struct {
		const char *cp;
		int kind, from, pass;
	} cps[] = {
	    {"src-downtime-start", TRACE_VM_STOP, 0, -1},
	    {"src-vm-stopped", TRACE_PASS_END, 0, TRACE_PASS_MAIN},
	    {"src-iterable-saved", TRACE_MARK, TRACE_MARK_STOPCOPY_SENT, -1},
	    {"dst-precopy-loadvm-completed", TRACE_MARK, TRACE_MARK_LOAD_DONE, -1},
	    {"dst-precopy-bh-announced", TRACE_VM_START, 0, -1},
	    {"dst-precopy-bh-vm-started", TRACE_VM_RUNNING, 0, -1},
	};
	struct builder *b = e->b;
	for (size_t i = 0; i < sizeof cps / sizeof cps[0]; i++)
		if (!strcmp(e->rest, cps[i].cp)) {
			ADD(.t = e->t, .task = "qemu", .kind = (uint16_t)cps[i].kind,
			    .side = (int8_t)e->side, .from = (int8_t)cps[i].from,
			    .pass = (int8_t)cps[i].pass);
			if (cps[i].kind == TRACE_VM_RUNNING)
				b->m->completed = true;
		}
	/* the other checkpoints (src-non-iterable-saved, postcopy) are not
	 * phase boundaries */
	return true;
}

static bool on_set_migration_state(const struct ev *e)
{
	struct builder *b = e->b;
	char word[64];
	if (sscanf(e->rest, "new state %63s", word) != 1)
		return false;
	if (!strcmp(word, "setup"))
		ADD(.t = e->t, .task = "qemu", .kind = TRACE_SETUP);
	return true;
}

static bool on_pending(const struct ev *e)
{
	struct builder *b = e->b;
	char word[64];
	unsigned long long bytes;
	if (sscanf(e->rest, "%63s pending size %llu", word, &bytes) != 2)
		return false;
	bool exact = !strcmp(e->l->name, "migrate_pending_exact");
	bool final = exact && !isnan(b->marks[MK_STOP]) && e->t >= b->marks[MK_STOP];
	ADD(.t = e->t, .task = "qemu", .kind = TRACE_QUERY, .value = (double)bytes,
	    .from = (int8_t)(final   ? TRACE_QUERY_FINAL
	                     : exact ? TRACE_QUERY_EXACT
	                             : TRACE_QUERY_ESTIMATE));
	if (final)
		ADD(.t = e->t, .task = "qemu", .kind = TRACE_MARK,
		    .from = TRACE_MARK_FINAL_QUERY_END);
	return true;
}

static bool on_iterate(const struct ev *e)
{
	struct builder *b = e->b;
	ADD(.t = e->t, .task = "qemu", .kind = TRACE_ROUND);
	return true;
}

static bool on_low_pending(const struct ev *e)
{
	struct builder *b = e->b;
	unsigned long long bytes;
	if (sscanf(e->rest, "%llu", &bytes) != 1)
		return false;
	ADD(.t = e->t, .task = "qemu", .kind = TRACE_SWITCHOVER, .value = (double)bytes,
	    .text = "converged");
	return true;
}

static bool on_acked(const struct ev *e)
{
	struct builder *b = e->b;
	b->acks_recv++;
	ADD(.t = e->t, .task = "qemu", .kind = TRACE_ACK_RECV,
	    .value = (double)b->acks_req - (double)b->acks_recv);
	return true;
}

static bool on_approve(const struct ev *e)
{
	struct builder *b = e->b;
	unsigned long long pending;
	if (sscanf(e->rest, "Switchover ack pending num=%llu", &pending) != 1)
		return false;
	ADD(.t = e->t, .task = "qemu", .kind = TRACE_APPROVE, .device = b->approve_device,
	    .side = RT_SIDE_DST, .value = (double)pending);
	b->approve_device = -1;
	return true;
}

static bool on_rp_message(const struct ev *e)
{
	struct builder *b = e->b;
	int type;
	if (sscanf(e->rest, "%d: len", &type) != 1)
		return false;
	if (type == QEMU_RP_MSG_SWITCHOVER_ACK)
		ADD(.t = e->t, .task = "qemu", .kind = TRACE_ACK_SENT, .side = RT_SIDE_DST);
	return true;
}

static bool on_downtime_save_load(const struct ev *e)
{
	char type[32], idstr[128];
	int instance;
	long long us;
	if (sscanf(e->rest, "type=%31s idstr=%127s instance_id=%d downtime=%lld", type, idstr,
	           &instance, &us) != 4)
		return false;
	struct qemu_vmstate_time v = {.side = e->side,
	                              .instance = instance,
	                              .seconds = (double)us * 1e-6,
	                              .lineno = e->l->lineno};
	snprintf(v.idstr, sizeof v.idstr, "%s", idstr);
	snprintf(v.type, sizeof v.type, "%s", type);
	g_array_append_val(e->b->m->vmstate_times, v);
	return true;
}

/* Every QEMU event the importer knows: whether it names a device (QEMU's
 * " (%s)" first) and what it becomes (NULL: known, not needed; the
 * handler returns false when the arguments are not QEMU's). */
static const struct event_handler {
	const char *name;
	bool device;
	bool (*fn)(const struct ev *e);
} handlers[] = {
    {"vfio_migration_set_state", true, on_set_state},
    {"vfio_migration_set_device_state", true, on_set_device_state},
    {"vfio_query_precopy_size", true, on_query_precopy_size},
    {"vfio_state_pending", true, on_state_pending_ack},
    {"vfio_state_pending_estimate", true, on_state_pending},
    {"vfio_state_pending_exact", true, on_state_pending},
    {"vfio_save_block", true, on_save_block},
    {"vfio_load_state", true, on_load_state},
    {"vfio_load_state_device_data", true, on_load_device_data},
    {"vfio_save_complete_precopy_thread_start", true, on_thread_start},
    {"vfio_save_complete_precopy_thread_end", true, on_thread_end},
    {"vfio_load_bufs_thread_start", true, on_thread_start},
    {"vfio_load_bufs_thread_end", true, on_thread_end},
    {"vmstate_downtime_checkpoint", false, on_checkpoint},
    {"vmstate_downtime_save", false, on_downtime_save_load},
    {"vmstate_downtime_load", false, on_downtime_save_load},
    {"migrate_set_state", false, on_set_migration_state},
    {"migrate_pending_estimate", false, on_pending},
    {"migrate_pending_exact", false, on_pending},
    {"savevm_state_iterate", false, on_iterate},
    {"migration_thread_low_pending", false, on_low_pending},
    {"source_return_path_thread_switchover_acked", false, on_acked},
    {"loadvm_approve_switchover", false, on_approve},
    {"migrate_send_rp_message", false, on_rp_message},
    /* the prepare pass ends come from find_qemu_marks; the arcs carry the states */
    {"vfio_vmstate_change", false, NULL},
    {"vfio_vmstate_change_prepare", false, NULL},
    {"vfio_save_setup", false, NULL},
    {"vfio_save_iterate", false, NULL},
    {"vfio_save_complete_precopy", false, NULL},
    {"vfio_save_complete_precopy_start", false, NULL},
    {"vfio_save_cleanup", false, NULL},
    {"vfio_load_cleanup", false, NULL},
    {"vfio_save_device_config_state", false, NULL},
    {"vfio_load_device_config_state", false, NULL},
    {"vfio_load_device_config_state_start", false, NULL},
    {"vfio_load_device_config_state_end", false, NULL},
    {"vfio_migration_state_notifier", false, NULL},
    {"vfio_migration_realize", false, NULL},
    {"vfio_load_state_device_buffer_incoming", false, NULL},
    {"vfio_load_state_device_buffer_start", false, NULL},
    {"vfio_load_state_device_buffer_starved", false, NULL},
    {"vfio_load_state_device_buffer_load_start", false, NULL},
    {"vfio_load_state_device_buffer_load_end", false, NULL},
    {"vfio_load_state_device_buffer_end", false, NULL},
};

/* The handler of the event named by name[0..len), or NULL: not known. */
static const struct event_handler *find_handler(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof handlers / sizeof handlers[0]; i++)
		if (strlen(handlers[i].name) == len && !memcmp(handlers[i].name, name, len))
			return &handlers[i];
	return NULL;
}

static void line_event(struct builder *b, const struct qline *l, int side, double t)
{
	const struct event_handler *h = find_handler(l->name, strlen(l->name));
	if (!h) {
		count_unknown(b->im, l->name);
		return;
	}
	if (!h->fn)
		return;
	struct ev e = {.b = b, .l = l, .side = side, .t = t, .d = -1, .rest = l->args};
	if (h->device) {
		char name[DEVICE_NAME_LEN * 4];
		if (!(e.rest = device_arg(l->args, name, sizeof name))) {
			add_warning(b->im, "%s:%u: %s without a device \"(name)\": skipped",
			            b->path[side], l->lineno, l->name);
			return;
		}
		e.d = device_of(b, name);
	}
	if (!h->fn(&e))
		add_warning(b->im, "%s:%u: %s: arguments not in QEMU's format: \"%.60s\"",
		            b->path[side], l->lineno, l->name, l->args);
}

/* The marks that decide the steps of arcs and the pass ends, read before
 * the events are turned into the trace. */
static void find_qemu_marks(struct builder *b, const struct qline *src, guint ns,
                            const struct qline *dst, guint nd)
{
	for (int i = 0; i < 6; i++)
		b->marks[i] = NAN;
	for (int side = 0; side < 2; side++) {
		const struct qline *ls = side ? dst : src;
		guint n = side ? nd : ns;
		for (guint i = 0; i < n; i++) {
			const struct qline *l = &ls[i];
			double t = (double)(l->us - b->t0_us) * 1e-6 - (side ? b->off_s : 0);
			if (!strcmp(l->name, "vmstate_downtime_checkpoint")) {
				if (!strcmp(l->args, "src-downtime-start"))
					b->marks[MK_STOP] = t;
				else if (!strcmp(l->args, "src-vm-stopped"))
					b->marks[MK_SRC_MAIN] = t;
				else if (!strcmp(l->args, "dst-precopy-bh-announced"))
					b->marks[MK_VM_START] = t;
				else if (!strcmp(l->args, "dst-precopy-bh-vm-started"))
					b->marks[MK_RUNNING] = t;
			}
		}
		/* The prepare pass ends when its last VFIO prepare handler returns
		 * (QEMU traces vfio_vmstate_change_prepare as the handler ends,
		 * and only VFIO registers prepare handlers). */
		double lo = side ? b->marks[MK_VM_START] : b->marks[MK_STOP];
		double hi = side ? b->marks[MK_RUNNING] : b->marks[MK_SRC_MAIN];
		for (guint i = 0; i < n; i++) {
			const struct qline *l = &ls[i];
			double t = (double)(l->us - b->t0_us) * 1e-6 - (side ? b->off_s : 0);
			if (!strcmp(l->name, "vfio_vmstate_change_prepare") && t >= lo &&
			    (isnan(hi) || t <= hi))
				b->marks[side ? MK_DST_PREP : MK_SRC_PREP] = t;
		}
	}
}

struct tline {
	double t;
	int side;
	const struct qline *l;
};

static gint tline_cmp(gconstpointer a, gconstpointer b)
{
	const struct tline *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	if (x->side != y->side)
		return x->side - y->side;
	return x->l < y->l ? -1 : x->l > y->l;
}

static void note(struct qemu_migration *m, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_ptr_array_add(m->notes, g_strdup_vprintf(fmt, ap));
	va_end(ap);
}

/* The clock offset (destination - source) from causal pairs: a record is
 * loaded after it was sent (upper bounds), an ACK is received after it was
 * sent (lower bounds). */
static void align_clocks(struct qemu_migration *m, const struct qline *src, guint ns,
                         const struct qline *dst, guint nd)
{
	double hi = INFINITY, lo = -INFINITY;
	int64_t src_sent = INT64_MIN, src_setup = INT64_MIN;
	GArray *acked = g_array_new(FALSE, FALSE, sizeof(int64_t));
	for (guint i = 0; i < ns; i++) {
		if (!strcmp(src[i].name, "vmstate_downtime_checkpoint") &&
		    !strcmp(src[i].args, "src-iterable-saved"))
			src_sent = src[i].us;
		else if (!strcmp(src[i].name, "migrate_set_state") &&
		         !strcmp(src[i].args, "new state setup") && src_setup == INT64_MIN)
			src_setup = src[i].us;
		else if (!strcmp(src[i].name, "source_return_path_thread_switchover_acked"))
			g_array_append_val(acked, src[i].us);
	}
	guint k_ack = 0;
	for (guint i = 0; i < nd; i++) {
		const struct qline *l = &dst[i];
		if (i == 0 && src_setup != INT64_MIN)
			hi = fmin(hi, (double)(l->us - src_setup) * 1e-6);
		if (src_sent != INT64_MIN && !strcmp(l->name, "vmstate_downtime_checkpoint") &&
		    !strcmp(l->args, "dst-precopy-loadvm-completed"))
			hi = fmin(hi, (double)(l->us - src_sent) * 1e-6);
		if (!strcmp(l->name, "migrate_send_rp_message") && !strncmp(l->args, "7:", 2) &&
		    k_ack < acked->len)
			lo = fmax(lo,
			          (double)(l->us - g_array_index(acked, int64_t, k_ack++)) * 1e-6);
	}
	g_array_unref(acked);
	if (isinf(hi) && isinf(lo)) {
		m->offset_s = 0;
		m->offset_uncertainty_s = INFINITY;
		note(m, "clocks: no event both ends record (setup, end of stream, switchover "
		        "ACK): the destination's times are taken as they are, offset unknown");
	} else if (isinf(lo) || isinf(hi)) {
		m->offset_s = isinf(lo) ? hi : lo;
		m->offset_uncertainty_s = INFINITY;
		note(m,
		     "clocks: destination offset %+.6f s, one-sided: %s (no %s pair bounds the "
		     "other side)",
		     m->offset_s,
		     isinf(lo) ? "destination events may be later by the transit time"
		               : "destination events may be earlier",
		     isinf(lo) ? "return-path (switchover ACK)" : "stream");
	} else {
		m->offset_s = (hi + lo) / 2;
		m->offset_uncertainty_s = fabs(hi - lo) / 2;
		note(m, "clocks: destination offset %+.6f s +/- %.6f s (between %+.6f and %+.6f)%s",
		     m->offset_s, m->offset_uncertainty_s, lo, hi,
		     lo > hi ? "; the bounds cross: the logs disagree about causality" : "");
	}
}

static struct qemu_migration *build(struct qemu_import *im, const char *const path[2],
                                    const struct qline *src, guint ns, const struct qline *dst,
                                    guint nd, enum qemu_import_clock clk)
{
	struct qemu_migration *m = g_new0(struct qemu_migration, 1);
	trace_init(&m->tr);
	m->notes = g_ptr_array_new_with_free_func(g_free);
	m->vmstate_times = g_array_new(FALSE, FALSE, sizeof(struct qemu_vmstate_time));
	if (nd && clk == QEMU_IMPORT_CLOCK_ALIGN)
		align_clocks(m, src, ns, dst, nd);
	else if (nd)
		note(m, "clocks: one clock for both ends (--clock same)");
	m->t0_us = src[0].us;
	struct builder b = {.im = im,
	                    .m = m,
	                    .path = {path[0], path[1]},
	                    .t0_us = src[0].us,
	                    .off_s = m->offset_s,
	                    .approve_device = -1};
	for (int s = 0; s < 2; s++) {
		b.cur_state[s] = g_array_new(FALSE, FALSE, sizeof(int));
		b.arc_begin[s] = g_array_new(FALSE, FALSE, sizeof(double));
		b.arc_to[s] = g_array_new(FALSE, FALSE, sizeof(int));
	}
	b.load_begin = g_array_new(FALSE, FALSE, sizeof(guint));
	find_qemu_marks(&b, src, ns, dst, nd);

	GArray *all = g_array_sized_new(FALSE, FALSE, sizeof(struct tline), ns + nd);
	for (int side = 0; side < 2; side++)
		for (guint i = 0; i < (side ? nd : ns); i++) {
			const struct qline *l = side ? &dst[i] : &src[i];
			struct tline x = {(double)(l->us - b.t0_us) * 1e-6 - (side ? b.off_s : 0),
			                  side, l};
			g_array_append_val(all, x);
		}
	g_array_sort(all, tline_cmp);
	TRACE_ADD(&m->tr, .t = 0, .task = "qemu", .kind = TRACE_RUN_BEGIN);
	for (guint i = 0; i < all->len; i++) {
		const struct tline *x = &g_array_index(all, struct tline, i);
		/* the prepare pass ends are marks of their own, at the last
		 * prepare handler of the side */
		if (!strcmp(x->l->name, "vfio_vmstate_change_prepare") &&
		    x->t == b.marks[x->side ? MK_DST_PREP : MK_SRC_PREP])
			TRACE_ADD(&m->tr, .t = x->t, .task = "qemu", .kind = TRACE_PASS_END,
			          .side = (int8_t)x->side, .pass = TRACE_PASS_PREPARE);
		line_event(&b, x->l, x->side, x->t);
	}
	double t_end = all->len ? g_array_index(all, struct tline, all->len - 1).t : 0;
	m->end_s = t_end;
	TRACE_ADD(&m->tr, .t = t_end, .task = "qemu", .kind = TRACE_RUN_END,
	          .value = m->completed ? 0 : -EIO);
	g_array_unref(all);

	static const char *const what[] = {
	    [MK_STOP] = "source VM stop (vmstate_downtime_checkpoint src-downtime-start)",
	    [MK_SRC_PREP] = "end of the source prepare pass (vfio_vmstate_change_prepare)",
	    [MK_SRC_MAIN] = "end of the source main pass (checkpoint src-vm-stopped)",
	    [MK_VM_START] = "destination VM start (checkpoint dst-precopy-bh-announced)",
	    [MK_DST_PREP] = "end of the destination prepare pass (vfio_vmstate_change_prepare)",
	    [MK_RUNNING] = "destination VM running (checkpoint dst-precopy-bh-vm-started)",
	};
	for (int i = 0; i < 6; i++)
		if (isnan(b.marks[i]))
			note(m, "unknown: %s is not in the logs; the phases next to it are NaN",
			     what[i]);
	note(m, "invariants: QEMU traces neither handler begins nor transition threads; the "
	        "result's invariants are not checked");

	for (int s = 0; s < 2; s++) {
		g_array_unref(b.cur_state[s]);
		g_array_unref(b.arc_begin[s]);
		g_array_unref(b.arc_to[s]);
	}
	g_array_unref(b.load_begin);
	return m;
}

static void migration_free(gpointer p)
{
	struct qemu_migration *m = p;
	trace_free(&m->tr);
	g_ptr_array_unref(m->notes);
	g_array_unref(m->vmstate_times);
	g_free(m->qemu_save_s);
	g_free(m->qemu_load_s);
	g_free(m);
}

static bool starts_migration(const struct qline *l)
{
	return !strcmp(l->name, "migrate_set_state") && !strcmp(l->args, "new state setup");
}

static bool is_migration_line(const struct qline *l)
{
	return !strncmp(l->name, "vfio_migration_set_", 19) ||
	       !strcmp(l->name, "vmstate_downtime_checkpoint") || starts_migration(l);
}

int qemu_import_logs(const char *src_path, const char *dst_path, enum qemu_import_clock clock,
                     struct qemu_import *out, char *err, size_t errlen)
{
	*out = (struct qemu_import){
	    .migrations = g_ptr_array_new_with_free_func(migration_free),
	    .warnings = g_ptr_array_new_with_free_func(g_free),
	    .devices = g_ptr_array_new_with_free_func(g_free),
	    .dev_index = g_hash_table_new(g_str_hash, g_str_equal),
	    .unknown = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
	    .idstr_device = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free)};
	struct qfile fs = {0}, fd = {0};
	int rc = -1;
	if (qfile_read(out, src_path, &fs, err, errlen) ||
	    (dst_path && qfile_read(out, dst_path, &fd, err, errlen)))
		goto done;
	const struct qline *S = (const struct qline *)(void *)fs.lines->data;
	guint ns = fs.lines->len;
	bool any = false;
	for (guint i = 0; i < ns && !any; i++)
		any = is_migration_line(&S[i]);
	if (!any) {
		snprintf(err, errlen,
		         "%s:%u: no migration in the log (no migrate_set_state, "
		         "vfio_migration_set_state or vmstate_downtime_checkpoint line: enable "
		         "them with -trace, docs/import.md)",
		         src_path, fs.n_lines);
		goto done;
	}
	const struct qline *D = fd.lines ? (const struct qline *)(void *)fd.lines->data : NULL;
	guint nd = fd.lines ? fd.lines->len : 0;
	/* Source: a migration starts at its setup; destination: a migration
	 * ends at its VM start (a QEMU destination runs one incoming
	 * migration, a switchover log holds several in order). */
	guint s0 = 0, d0 = 0;
	while (s0 < ns) {
		guint s1 = s0 + 1;
		while (s1 < ns && !starts_migration(&S[s1]))
			s1++;
		guint d1 = d0;
		while (d1 < nd) {
			bool end = !strcmp(D[d1].name, "vmstate_downtime_checkpoint") &&
			           !strcmp(D[d1].args, "dst-precopy-bh-vm-started");
			d1++;
			if (end && s1 < ns)
				break;
		}
		if (s1 >= ns)
			d1 = nd;
		const char *paths[2] = {src_path, dst_path};
		g_ptr_array_add(out->migrations, build(out, paths, S + s0, s1 - s0,
		                                       D ? D + d0 : NULL, d1 - d0, clock));
		s0 = s1;
		d0 = d1;
	}
	rc = 0;
done:
	qfile_free(&fs);
	qfile_free(&fd);
	return rc;
}

static gint event_time_cmp(gconstpointer a, gconstpointer b, gpointer unused)
{
	const struct trace_event *x = a, *y = b;
	(void)unused;
	return (x->t > y->t) - (x->t < y->t);
}

/* A QMP event goes to the migration whose span holds its time (a
 * destination event on the destination's clock, moved by that migration's
 * offset); the trace is kept in time order (a stable sort). */
static bool add_qmp(struct qemu_import *im, const char *dev, const char *state, bool prepare,
                    int side, int64_t us)
{
	for (guint k = 0; k < im->migrations->len; k++) {
		struct qemu_migration *m = im->migrations->pdata[k];
		double t = (double)(us - m->t0_us) * 1e-6 - (side ? m->offset_s : 0);
		if (t < 0 || t > m->end_s)
			continue;
		gpointer v = g_hash_table_lookup(im->dev_index, dev);
		if (!v)
			continue;
		int d = GPOINTER_TO_INT(v) - 1;
		TRACE_ADD(&m->tr, .t = t, .task = "qmp", .kind = TRACE_QMP_EVENT, .device = d,
		          .side = (int8_t)side,
		          .from = prepare ? TRACE_QMP_MIGRATION_PREPARE : TRACE_QMP_MIGRATION,
		          .text = state);
		g_qsort_with_data(m->tr.ev, (gint)m->tr.n, sizeof *m->tr.ev, event_time_cmp, NULL);
		return true;
	}
	return false;
}

int qemu_import_events(struct qemu_import *im, const char *path, GHashTable *ids, char *err,
                       size_t errlen)
{
	/* read whole and without blocking, as the logs are: a FIFO with no
	 * writer or /dev/zero is refused, not waited for */
	char *text = NULL;
	size_t len = 0;
	if (input_file_read(path, 0, &text, &len, err, errlen))
		return -1;
	unsigned lineno = 0;
	int rc = 0;
	for (char *p = text, *next; p < text + len; p = next) {
		char *nl = memchr(p, '\n', (size_t)(text + len - p));
		next = nl ? nl + 1 : text + len;
		size_t l = (size_t)((nl ? nl : text + len) - p);
		lineno++;
		if (strspn(p, " \t\r\n") >= l)
			continue;
		json_error_t je;
		json_t *ev = json_loadb(p, l, 0, &je);
		const char *name = NULL, *dev = NULL, *state = NULL;
		json_int_t sec = 0, usec = 0;
		if (!ev || json_unpack(ev, "{s:s,s:{s:s,s:s},s:{s:I,s:I}}", "event", &name, "data",
		                       "device-id", &dev, "device-state", &state, "timestamp",
		                       "seconds", &sec, "microseconds", &usec)) {
			if (!ev || !json_is_object(ev)) {
				snprintf(err, errlen, "%s:%u: not a JSON object (QMP event): %s",
				         path, lineno, ev ? "another JSON value" : je.text);
				json_decref(ev);
				rc = -1;
				break;
			}
			/* another QMP event (STOP, RESUME, MIGRATION, ...) */
			json_decref(ev);
			continue;
		}
		bool prep = !strcmp(name, "VFIO_MIGRATION_PREPARE");
		if (prep || !strcmp(name, "VFIO_MIGRATION")) {
			/* the event's time is on the clock of the QEMU that sent
			 * it: the destination's carry "side": "dst" (as
			 * switchover's --events writes it) */
			json_t *side_j = json_object_get(ev, "side");
			int side = side_j && json_is_string(side_j) &&
			                   !strcmp(json_string_value(side_j), "dst")
			               ? RT_SIDE_DST
			               : RT_SIDE_SRC;
			const char *name = ids ? g_hash_table_lookup(ids, dev) : NULL;
			if (!add_qmp(im, name ? name : dev, state, prep, side,
			             (int64_t)sec * 1000000 + usec))
				add_warning(im,
				            "%s:%u: %s of device '%s' matches no device and "
				            "migration of the logs (--device-id ID=NAME maps a "
				            "QMP device id to the trace's name)",
				            path, lineno,
				            prep ? "VFIO_MIGRATION_PREPARE" : "VFIO_MIGRATION",
				            dev);
		}
		json_decref(ev);
	}
	g_free(text);
	return rc;
}

int qemu_import_query_migrate(struct qemu_import *im, const char *path, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	if (input_file_read(path, 0, &text, &len, err, errlen))
		return -1;
	json_error_t je;
	json_t *root = json_loadb(text, len, 0, &je);
	g_free(text);
	if (!root) {
		snprintf(err, errlen, "%s:%d: not JSON: %s", path, je.line, je.text);
		return -1;
	}
	json_t *r = json_object_get(root, "return");
	if (!r)
		r = root;
	const char *status = NULL;
	json_int_t total = -1, downtime = -1, setup = -1;
	if (!json_is_object(r) ||
	    json_unpack_ex(r, &je, 0, "{s:s,s?I,s?I,s?I}", "status", &status, "total-time", &total,
	                   "downtime", &downtime, "setup-time", &setup)) {
		snprintf(err, errlen,
		         "%s: not a query-migrate answer (an object with \"status\", "
		         "\"downtime\", \"total-time\" in ms, or {\"return\": that})%s%s",
		         path, json_is_object(r) ? ": " : "", json_is_object(r) ? je.text : "");
		json_decref(root);
		return -1;
	}
	/* QEMU answers for its last migration */
	struct qemu_migration *m = im->migrations->pdata[im->migrations->len - 1];
	GString *n = g_string_new("");
	g_string_append_printf(n, "query-migrate: status %s", status);
	if (downtime >= 0)
		g_string_append_printf(n,
		                       ", downtime %lld ms (QEMU's, measured on the source "
		                       "until it saw the migration complete)",
		                       (long long)downtime);
	if (total >= 0)
		g_string_append_printf(n, ", total %lld ms", (long long)total);
	if (setup >= 0)
		g_string_append_printf(n, ", setup %lld ms", (long long)setup);
	g_ptr_array_add(m->notes, g_string_free(n, FALSE));
	json_decref(root);
	return 0;
}

/* The QEMU device name of a section's idstr: map (the idstr, or its guest
 * address before the "/"), else what the logs said; NULL: not known. */
static const char *section_device(const struct qemu_import *im, GHashTable *map, const char *idstr)
{
	const char *dev = map ? g_hash_table_lookup(map, idstr) : NULL;
	if (!dev && map) {
		const char *slash = strchr(idstr, '/');
		if (slash) {
			char *addr = g_strndup(idstr, (size_t)(slash - idstr));
			dev = g_hash_table_lookup(map, addr);
			g_free(addr);
		}
	}
	return dev ? dev : g_hash_table_lookup(im->idstr_device, idstr);
}

int qemu_import_device_times(struct qemu_import *im, GHashTable *map, char *err, size_t errlen)
{
	if (map) {
		GHashTableIter it;
		gpointer k, v;
		g_hash_table_iter_init(&it, map);
		while (g_hash_table_iter_next(&it, &k, &v))
			if (!g_hash_table_lookup(im->dev_index, v)) {
				snprintf(err, errlen,
				         "--device-map %s=%s: %s is no VFIO device of the logs "
				         "(QEMU's names are the host addresses the vfio_* events "
				         "print, e.g. %s)",
				         (const char *)k, (const char *)v, (const char *)v,
				         im->devices->len ? (const char *)im->devices->pdata[0]
				                          : "0000:3b:00.1");
				return -1;
			}
	}
	size_t n = im->devices->len;
	for (guint k = 0; k < im->migrations->len; k++) {
		struct qemu_migration *m = im->migrations->pdata[k];
		g_free(m->qemu_save_s);
		g_free(m->qemu_load_s);
		m->qemu_save_s = g_new(double, n + 1);
		m->qemu_load_s = g_new(double, n + 1);
		for (size_t d = 0; d < n; d++)
			m->qemu_save_s[d] = m->qemu_load_s[d] = NAN;
		for (guint i = 0; i < m->vmstate_times->len; i++) {
			const struct qemu_vmstate_time *v =
			    &g_array_index(m->vmstate_times, struct qemu_vmstate_time, i);
			const char *dev = section_device(im, map, v->idstr);
			gpointer di = dev ? g_hash_table_lookup(im->dev_index, dev) : NULL;
			if (!di) {
				note(
				    m,
				    "%s %s %s instance %d: %.0f us inside the downtime (no device: "
				    "%s)",
				    v->side ? "load" : "save", v->type, v->idstr, v->instance,
				    v->seconds * 1e6,
				    strstr(v->idstr, "/vfio")
				        ? "--device-map GUEST=HOST tells which VFIO device it is"
				        : "not a VFIO section");
				continue;
			}
			double *sum = v->side ? &m->qemu_load_s[GPOINTER_TO_SIZE(di) - 1]
			                      : &m->qemu_save_s[GPOINTER_TO_SIZE(di) - 1];
			*sum = isnan(*sum) ? v->seconds : *sum + v->seconds;
		}
	}
	return 0;
}

void qemu_import_free(struct qemu_import *im)
{
	if (im->migrations)
		g_ptr_array_unref(im->migrations);
	if (im->warnings)
		g_ptr_array_unref(im->warnings);
	if (im->dev_index)
		g_hash_table_destroy(im->dev_index);
	if (im->devices)
		g_ptr_array_unref(im->devices);
	if (im->unknown)
		g_hash_table_destroy(im->unknown);
	if (im->idstr_device)
		g_hash_table_destroy(im->idstr_device);
	memset(im, 0, sizeof *im);
}
