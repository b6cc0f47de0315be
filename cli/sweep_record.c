/*
 * sweep_record.c - one point's results as bytes (sweep.h).
 *
 * A record is what a worker process sends back, what an MPI rank sends to
 * rank 0 and what the checkpoint file keeps, so all three give the writer
 * the same bytes and the result file cannot depend on who ran a point.  It
 * is in the machine's own layout (the structs as they are in memory,
 * pointers cleared): workers and ranks run this same binary, and a
 * checkpoint is only resumed by the study it was written for.
 *
 *   u32 magic, u32 point, u32 strategies
 *   per strategy: u32 strategy, u32 runs
 *     per run: struct run_summary, its n_devices device_attribution,
 *              u8 traced; if traced: u64 events, per event struct
 *              trace_event then its task and text (u32 length, or
 *              NO_STRING for NULL, then the bytes)
 */
#include <stdlib.h>
#include <string.h>

#include "sim_world.h"
#include "sweep.h"

#define RECORD_MAGIC 0x53575052u /* "SWPR" */
#define NO_STRING    UINT32_MAX

static void put(GByteArray *b, const void *p, size_t n)
{
	g_byte_array_append(b, p, (guint)n);
}

static void put_u32(GByteArray *b, uint32_t v)
{
	put(b, &v, sizeof v);
}

static void put_str(GByteArray *b, const char *s)
{
	put_u32(b, s ? (uint32_t)strlen(s) : NO_STRING);
	if (s)
		put(b, s, strlen(s));
}

static bool traced(enum study_traces t, unsigned run)
{
	return t == STUDY_TRACES_ALL || (t == STUDY_TRACES_FIRST && run == 0);
}

static void put_run(GByteArray *b, const struct run_summary *sum, const struct trace *tr, bool keep)
{
	struct run_summary copy = *sum;
	copy.dev = NULL;
	put(b, &copy, sizeof copy);
	put(b, sum->dev, sum->n_devices * sizeof *sum->dev);
	uint8_t t = keep;
	put(b, &t, 1);
	if (!keep)
		return;
	uint64_t n = tr->n;
	put(b, &n, sizeof n);
	for (size_t k = 0; k < tr->n; k++) {
		struct trace_event e = tr->ev[k];
		e.task = e.text = NULL;
		put(b, &e, sizeof e);
		put_str(b, tr->ev[k].task);
		put_str(b, tr->ev[k].text);
	}
}

int sweep_record_run(const struct sweep_plan *pl, size_t p, const volatile sig_atomic_t *stop,
                     GByteArray *rec, char *err, size_t errlen)
{
	struct scenario *s = pl->sc[p];
	enum strategy_kind list[STRATEGY_COUNT], own = s->strategy;
	size_t n = sweep_plan_strategies(pl, p, list);
	int rc = 0;
	g_byte_array_set_size(rec, 0);
	put_u32(rec, RECORD_MAGIC);
	put_u32(rec, (uint32_t)p);
	put_u32(rec, (uint32_t)n);
	for (size_t k = 0; !rc && k < n; k++) {
		s->strategy = list[k];
		put_u32(rec, (uint32_t)list[k]);
		put_u32(rec, s->runs);
		for (unsigned r = 0; !rc && r < s->runs; r++) {
			if (stop && *stop) {
				rc = 1;
				break;
			}
			struct trace tr;
			struct mig_result res;
			struct run_summary sum = {0};
			char why[512] = "";
			trace_init(&tr);
			rc = sim_world_run(s, r, &tr, &res, why, sizeof why);
			if (!rc && (rc = summary_from_trace(s, &tr, &res, &sum)))
				snprintf(why, sizeof why, "%s", sum.error);
			if (rc < 0)
				snprintf(err, errlen, "point %zu (%s), %s run %u: %s", p, s->name,
				         strategy_name(list[k]), r, why);
			else
				put_run(rec, &sum, &tr, traced(pl->traces, r));
			summary_free(&sum);
			trace_free(&tr);
		}
	}
	s->strategy = own;
	return rc;
}

/* A reader over a record that fails instead of reading past its end. */
struct cursor {
	const uint8_t *p, *end;
};

static bool get(struct cursor *c, void *out, size_t n)
{
	if ((size_t)(c->end - c->p) < n)
		return false;
	memcpy(out, c->p, n);
	c->p += n;
	return true;
}

static bool get_u32(struct cursor *c, uint32_t *v)
{
	return get(c, v, sizeof *v);
}

/* A string into buf (NULL for NO_STRING); false when damaged. */
static bool get_str(struct cursor *c, char *buf, size_t len, bool *null)
{
	uint32_t n;
	if (!get_u32(c, &n))
		return false;
	*null = n == NO_STRING;
	if (*null)
		return true;
	if (n >= len || !get(c, buf, n))
		return false;
	buf[n] = 0;
	return true;
}

long sweep_record_point(const void *rec, size_t len, size_t n_points)
{
	struct cursor c = {rec, (const uint8_t *)rec + len};
	uint32_t magic, point;
	if (!get_u32(&c, &magic) || magic != RECORD_MAGIC || !get_u32(&c, &point) ||
	    point >= n_points)
		return -1;
	return (long)point;
}

static bool get_run(struct cursor *c, struct run_summary *sum, struct trace *tr, bool *kept)
{
	uint8_t t;
	if (!get(c, sum, sizeof *sum))
		return false;
	sum->dev = NULL;
	if (sum->n_devices > (size_t)(c->end - c->p) / sizeof *sum->dev)
		return false;
	sum->dev = calloc(sum->n_devices + 1, sizeof *sum->dev);
	if (!sum->dev || !get(c, sum->dev, sum->n_devices * sizeof *sum->dev) || !get(c, &t, 1))
		return false;
	*kept = t != 0;
	if (!*kept)
		return true;
	uint64_t n;
	if (!get(c, &n, sizeof n) || n > (uint64_t)(c->end - c->p) / sizeof(struct trace_event))
		return false;
	static char task[4096], text[65536];
	for (uint64_t k = 0; k < n; k++) {
		struct trace_event e;
		bool no_task, no_text;
		if (!get(c, &e, sizeof e) || !get_str(c, task, sizeof task, &no_task) ||
		    !get_str(c, text, sizeof text, &no_text))
			return false;
		e.task = no_task ? NULL : task;
		e.text = no_text ? NULL : text;
		trace_add(tr, &e);
	}
	return !tr->oom;
}

int sweep_record_decode(const void *rec, size_t len, struct sweep_point *out)
{
	struct cursor c = {rec, (const uint8_t *)rec + len};
	uint32_t magic, point, n;
	memset(out, 0, sizeof *out);
	if (!get_u32(&c, &magic) || magic != RECORD_MAGIC || !get_u32(&c, &point) ||
	    !get_u32(&c, &n) || n == 0 || n > STRATEGY_COUNT)
		return -1;
	out->point = point;
	for (uint32_t k = 0; k < n; k++) {
		struct sweep_strategy_runs *s = &out->s[k];
		uint32_t strategy, runs;
		if (!get_u32(&c, &strategy) || strategy >= STRATEGY_COUNT || !get_u32(&c, &runs) ||
		    runs == 0 || runs > (size_t)(c.end - c.p) / sizeof(struct run_summary))
			goto bad;
		out->n = k + 1;
		s->strategy = (enum strategy_kind)strategy;
		s->sum = calloc(runs, sizeof *s->sum);
		s->trace = calloc(runs, sizeof *s->trace);
		s->traced = calloc(runs, sizeof *s->traced);
		if (!s->sum || !s->trace || !s->traced)
			goto bad;
		for (; s->runs < runs; s->runs++) {
			trace_init(&s->trace[s->runs]);
			if (!get_run(&c, &s->sum[s->runs], &s->trace[s->runs],
			             &s->traced[s->runs])) {
				s->runs++;
				goto bad;
			}
		}
	}
	if (c.p != c.end)
		goto bad;
	return 0;
bad:
	sweep_point_free(out);
	return -1;
}

void sweep_point_free(struct sweep_point *pt)
{
	for (size_t k = 0; k < pt->n; k++) {
		struct sweep_strategy_runs *s = &pt->s[k];
		for (unsigned r = 0; r < s->runs; r++) {
			summary_free(&s->sum[r]);
			trace_free(&s->trace[r]);
		}
		free(s->sum);
		free(s->trace);
		free(s->traced);
	}
	memset(pt, 0, sizeof *pt);
}
