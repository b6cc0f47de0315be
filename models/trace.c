/*
 * trace.c - the run's event log: append, intern, print.
 */
#include "trace.h"

#include <stdlib.h>
#include <string.h>
#include <threads.h>

#include "vfio_fsm.h"

static const char *const kind_names[TRACE_KIND_COUNT] = {
    [TRACE_RUN_BEGIN] = "run-begin",
    [TRACE_RUN_END] = "run-end",
    [TRACE_SETUP] = "setup",
    [TRACE_ROUND] = "round",
    [TRACE_QUERY] = "query",
    [TRACE_SWITCHOVER] = "switchover",
    [TRACE_VM_STOP] = "vm-stop",
    [TRACE_VM_START] = "vm-start",
    [TRACE_VM_RUNNING] = "vm-running",
    [TRACE_PASS_BEGIN] = "pass-begin",
    [TRACE_PASS_END] = "pass-end",
    [TRACE_HANDLER_BEGIN] = "handler-begin",
    [TRACE_HANDLER_END] = "handler-end",
    [TRACE_THREAD_SPAWN] = "thread-spawn",
    [TRACE_THREAD_JOIN] = "thread-join",
    [TRACE_ARC_BEGIN] = "arc-begin",
    [TRACE_ARC_END] = "arc-end",
    [TRACE_SEND] = "send",
    [TRACE_LOAD_BEGIN] = "load-begin",
    [TRACE_LOAD_END] = "load-end",
    [TRACE_MARK] = "mark",
    [TRACE_ERROR] = "error",
    [TRACE_PRECOPY_INFO] = "precopy-info",
    [TRACE_ACK_REQUEST] = "ack-request",
    [TRACE_ACK_PENDING] = "ack-pending",
    [TRACE_ACK_RECV] = "ack-recv",
    [TRACE_ACK_SENT] = "ack-sent",
    [TRACE_APPROVE] = "approve",
    [TRACE_INIT_DATA_SENT] = "init-data-sent",
    [TRACE_QMP_EVENT] = "qmp-event",
};

/* Tasks that are threads (real world) may outnumber CPUs: a waiter that
 * only spun would burn its whole time slice while the holder, preempted,
 * cannot release the lock.  SimGrid's actors never contend for it. */
static void lock(struct trace *tr)
{
	while (atomic_flag_test_and_set_explicit(&tr->lock, memory_order_acquire))
		thrd_yield();
}

static void unlock(struct trace *tr)
{
	atomic_flag_clear_explicit(&tr->lock, memory_order_release);
}

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
	free(tr->index);
	free(tr->ev);
	memset(tr, 0, sizeof *tr);
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = UINT64_C(1469598103934665603); /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
	return h;
}

/* Re-hash every string into a table of `cap` slots. */
static int rehash(struct trace *tr, size_t cap)
{
	uint32_t *idx = calloc(cap, sizeof *idx);
	if (!idx)
		return -1;
	for (size_t i = 0; i < tr->n_strings; i++) {
		size_t slot = hash_str(tr->strings[i]) & (cap - 1);
		while (idx[slot])
			slot = (slot + 1) & (cap - 1);
		idx[slot] = (uint32_t)i + 1;
	}
	free(tr->index);
	tr->index = idx;
	tr->index_cap = cap;
	return 0;
}

/* Caller holds the lock.  Task names, handler names and error texts repeat
 * on every event, so look-ups go through a hash table. */
static const char *intern_locked(struct trace *tr, const char *s)
{
	if (!s)
		return NULL;
	if (2 * (tr->n_strings + 1) > tr->index_cap &&
	    rehash(tr, tr->index_cap ? 2 * tr->index_cap : 64)) {
		tr->oom = 1;
		return NULL;
	}
	size_t slot = hash_str(s) & (tr->index_cap - 1);
	for (; tr->index[slot]; slot = (slot + 1) & (tr->index_cap - 1))
		if (strcmp(tr->strings[tr->index[slot] - 1], s) == 0)
			return tr->strings[tr->index[slot] - 1];
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
	tr->index[slot] = (uint32_t)tr->n_strings;
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
static const char *side_name(int s)
{
	return s == 0 ? "src" : "dst";
}

void trace_print(const struct trace *tr, FILE *out, const char *const *names)
{
	static const char *const query_names[] = {"estimate", "exact", "final"};
	static const char *const mark_names[TRACE_MARK_COUNT] = {
	    "final-query-end", "stopcopy-sent", "load-done",  "ready",
	    "recovery-begin",  "recovery-end",  "src-running"};
	for (size_t i = 0; i < tr->n; i++) {
		const struct trace_event *e = &tr->ev[i];
		const char *dev = e->device >= 0 && names ? names[e->device] : "-";
		fprintf(out, "[%12.6f] %-18s %-14s %-8s ", e->t * 1e3, e->task ? e->task : "-",
		        trace_kind_name(e->kind), dev);
		switch (e->kind) {
		case TRACE_ARC_BEGIN:
			fprintf(out, "%s %s -> %s%s%s", side_name(e->side),
			        vfio_state_name(e->from), vfio_state_name(e->to),
			        e->text ? " reason=" : "", e->text ? e->text : "");
			break;
		case TRACE_ARC_END:
			fprintf(out, "%s %s -> %s work=%.6fms%s%s", side_name(e->side),
			        vfio_state_name(e->from), vfio_state_name(e->to), e->value * 1e3,
			        e->text ? " error: " : "", e->text ? e->text : "");
			break;
		case TRACE_PASS_BEGIN:
		case TRACE_PASS_END:
			fprintf(out, "%s %s", side_name(e->side), pass_name(e->pass));
			break;
		case TRACE_HANDLER_BEGIN:
		case TRACE_HANDLER_END:
			fprintf(out, "%s %s %s depth=%.0f", e->text ? e->text : "?",
			        side_name(e->side), pass_name(e->pass), e->value);
			break;
		case TRACE_THREAD_SPAWN:
		case TRACE_THREAD_JOIN:
			fprintf(out, "%s %s depth=%.0f%s%s", side_name(e->side), pass_name(e->pass),
			        e->value, e->text ? " " : "", e->text ? e->text : "");
			break;
		case TRACE_QUERY:
			fprintf(out, "%s pending=%.0f",
			        (unsigned)e->from < 3 ? query_names[e->from] : "?", e->value);
			break;
		case TRACE_MARK:
			fprintf(out, "%s",
			        (unsigned)e->from < TRACE_MARK_COUNT ? mark_names[e->from] : "?");
			break;
		case TRACE_PRECOPY_INFO:
			fprintf(out, "initial=%.0f%s%s%s%s", e->value, e->from ? " REINIT" : "",
			        e->to ? " final-check" : "", e->text ? " error: " : "",
			        e->text ? e->text : "");
			break;
		case TRACE_ACK_REQUEST:
			fprintf(out, "%s pending=%.0f", e->text ? e->text : "?", e->value);
			break;
		case TRACE_ACK_PENDING:
			fprintf(out, "%s pending=%.0f",
			        (unsigned)e->from < 3 ? query_names[e->from] : "?", e->value);
			break;
		case TRACE_ACK_RECV:
			fprintf(out, "pending=%.0f", e->value);
			break;
		case TRACE_ACK_SENT:
			fprintf(out, "%s", e->text ? e->text : "");
			break;
		case TRACE_APPROVE:
			fprintf(out, "legacy-remaining=%.0f", e->value);
			break;
		case TRACE_QMP_EVENT:
			fprintf(out, "%s %s %s", side_name(e->side),
			        e->from == TRACE_QMP_MIGRATION_PREPARE ? "VFIO_MIGRATION_PREPARE"
			                                               : "VFIO_MIGRATION",
			        e->text ? e->text : "?");
			break;
		case TRACE_ROUND:
			fprintf(out, "round=%.0f", e->value);
			break;
		case TRACE_LOAD_BEGIN:
			fprintf(out, "bytes=%.0f", e->value);
			break;
		case TRACE_LOAD_END:
			fprintf(out, "work=%.6fms", e->value * 1e3);
			break;
		case TRACE_SEND:
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
