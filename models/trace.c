/*
 * trace.c - the run's event log: append, intern, print.
 */
#include "trace.h"

#include <stdlib.h>
#include <string.h>

#include "vfio_fsm.h"

static const char *const kind_names[TRACE_KIND_COUNT] = {
    [TRACE_RUN_BEGIN] = "run-begin",     [TRACE_RUN_END] = "run-end",
    [TRACE_SETUP] = "setup",             [TRACE_ROUND] = "round",
    [TRACE_QUERY] = "query",             [TRACE_SWITCHOVER] = "switchover",
    [TRACE_VM_STOP] = "vm-stop",         [TRACE_VM_START] = "vm-start",
    [TRACE_VM_RUNNING] = "vm-running",   [TRACE_PASS_BEGIN] = "pass-begin",
    [TRACE_PASS_END] = "pass-end",       [TRACE_HANDLER_BEGIN] = "handler-begin",
    [TRACE_HANDLER_END] = "handler-end", [TRACE_THREAD_SPAWN] = "thread-spawn",
    [TRACE_THREAD_JOIN] = "thread-join", [TRACE_ARC_BEGIN] = "arc-begin",
    [TRACE_ARC_END] = "arc-end",         [TRACE_SEND] = "send",
    [TRACE_LOAD_BEGIN] = "load-begin",   [TRACE_LOAD_END] = "load-end",
    [TRACE_MARK] = "mark",               [TRACE_ERROR] = "error",
};

static void lock(struct trace *tr)
{
	while (atomic_flag_test_and_set_explicit(&tr->lock, memory_order_acquire))
		;
}

static void unlock(struct trace *tr) { atomic_flag_clear_explicit(&tr->lock, memory_order_release); }

void trace_init(struct trace *tr)
{
	memset(tr, 0, sizeof *tr);
	atomic_flag_clear(&tr->lock);
}

void trace_free(struct trace *tr)
{
	for (size_t i = 0; i < tr->n_strings; i++)
		free(tr->strings[i]);
	free(tr->strings);
	free(tr->ev);
	memset(tr, 0, sizeof *tr);
}

/* Caller holds the lock.  Linear search is fine: the pool holds task names,
 * handler names and error texts, a few per device. */
static const char *intern_locked(struct trace *tr, const char *s)
{
	if (!s)
		return NULL;
	for (size_t i = tr->n_strings; i-- > 0;)
		if (strcmp(tr->strings[i], s) == 0)
			return tr->strings[i];
	if (tr->n_strings == tr->cap_strings) {
		size_t cap = tr->cap_strings ? 2 * tr->cap_strings : 64;
		char **p = realloc(tr->strings, cap * sizeof *p);
		if (!p) {
			tr->oom = 1;
			return NULL;
		}
		tr->strings = p;
		tr->cap_strings = cap;
	}
	char *copy = strdup(s);
	if (!copy) {
		tr->oom = 1;
		return NULL;
	}
	tr->strings[tr->n_strings++] = copy;
	return copy;
}

const char *trace_intern(struct trace *tr, const char *s)
{
	lock(tr);
	const char *r = intern_locked(tr, s);
	unlock(tr);
	return r;
}

void trace_add(struct trace *tr, const struct trace_event *e)
{
	lock(tr);
	if (tr->n == tr->cap) {
		size_t cap = tr->cap ? 2 * tr->cap : 256;
		struct trace_event *p = realloc(tr->ev, cap * sizeof *p);
		if (!p) {
			tr->oom = 1;
			unlock(tr);
			return;
		}
		tr->ev = p;
		tr->cap = cap;
	}
	struct trace_event *d = &tr->ev[tr->n++];
	*d = *e;
	d->task = intern_locked(tr, e->task);
	d->text = intern_locked(tr, e->text);
	unlock(tr);
}

const char *trace_kind_name(enum trace_kind k)
{
	return (unsigned)k < TRACE_KIND_COUNT && kind_names[k] ? kind_names[k] : "?";
}

static const char *pass_name(int p)
{
	return p == TRACE_PASS_PREPARE ? "prepare" : p == TRACE_PASS_MAIN ? "main" : "-";
}
static const char *side_name(int s) { return s == 0 ? "src" : "dst"; }

void trace_print(const struct trace *tr, FILE *out, const char *const *names)
{
	static const char *const query_names[] = {"estimate", "exact", "final"};
	static const char *const mark_names[] = {"final-query-end", "stopcopy-sent", "load-done"};
	for (size_t i = 0; i < tr->n; i++) {
		const struct trace_event *e = &tr->ev[i];
		const char *dev = e->device >= 0 && names ? names[e->device] : "-";
		fprintf(out, "[%12.6f] %-18s %-14s %-8s ", e->t * 1e3, e->task ? e->task : "-",
			trace_kind_name(e->kind), dev);
		switch (e->kind) {
		case TRACE_ARC_BEGIN:
			fprintf(out, "%s %s -> %s", side_name(e->side), vfio_state_name(e->from),
				vfio_state_name(e->to));
			break;
		case TRACE_ARC_END:
			fprintf(out, "%s %s -> %s work=%.6fms%s%s", side_name(e->side),
				vfio_state_name(e->from),
				vfio_state_name(e->to), e->value * 1e3, e->text ? " error: " : "",
				e->text ? e->text : "");
			break;
		case TRACE_PASS_BEGIN:
		case TRACE_PASS_END:
			fprintf(out, "%s %s", side_name(e->side), pass_name(e->pass));
			break;
		case TRACE_HANDLER_BEGIN:
		case TRACE_HANDLER_END:
			fprintf(out, "%s %s %s depth=%.0f", e->text ? e->text : "?", side_name(e->side),
				pass_name(e->pass), e->value);
			break;
		case TRACE_THREAD_SPAWN:
		case TRACE_THREAD_JOIN:
			fprintf(out, "%s %s depth=%.0f", side_name(e->side), pass_name(e->pass), e->value);
			break;
		case TRACE_QUERY:
			fprintf(out, "%s pending=%.0f",
				(unsigned)e->from < 3 ? query_names[e->from] : "?", e->value);
			break;
		case TRACE_MARK:
			fprintf(out, "%s", (unsigned)e->from < 3 ? mark_names[e->from] : "?");
			break;
		case TRACE_ROUND:
			fprintf(out, "round=%.0f", e->value);
			break;
		case TRACE_SEND:
		case TRACE_LOAD_BEGIN:
		case TRACE_LOAD_END:
		case TRACE_SWITCHOVER:
			fprintf(out, "bytes=%.0f%s%s", e->value, e->text ? " " : "",
				e->text ? e->text : "");
			break;
		default:
			if (e->text)
				fputs(e->text, out);
			break;
		}
		fputc('\n', out);
	}
}
