/*
 * trace.c - the run's event log: append (strings interned), print.
 */
#include "trace.h"

#include <math.h>
#include <string.h>

#include "names.h"
#include "runtime.h"
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
    [TRACE_STATE_BUFFER] = "state-buffer",
    [TRACE_CONFIG_LOAD] = "config-load",
};

void trace_init(struct trace *tr)
{
	memset(tr, 0, sizeof *tr);
	tr->strings = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	/* A pthread mutex: ThreadSanitizer intercepts it, where GLib's GMutex
	 * (futexes) and glibc's C11 mtx_lock (an internal call) go unseen and
	 * every append would look like a race.  SimGrid's actors never contend
	 * for it. */
	pthread_mutex_init(&tr->lock, NULL);
}

void trace_free(struct trace *tr)
{
	if (tr->strings)
		g_hash_table_destroy(tr->strings);
	g_free(tr->ev);
	pthread_mutex_destroy(&tr->lock);
	memset(tr, 0, sizeof *tr);
}

/* Caller holds the lock.  Task names, handler names and error texts repeat
 * on every event: one copy each, owned by the table. */
static const char *intern_locked(struct trace *tr, const char *s)
{
	if (!s)
		return NULL;
	/* A slot only says where to look: the pointer may have been reused
	 * for other text since (a caller's buffer), so the text is compared. */
	size_t slot = ((uintptr_t)s >> 4) % (sizeof tr->recent / sizeof tr->recent[0]);
	if (tr->recent[slot].from == s && strcmp(tr->recent[slot].pooled, s) == 0)
		return tr->recent[slot].pooled;
	char *pooled = g_hash_table_lookup(tr->strings, s);
	if (!pooled) {
		pooled = g_strdup(s);
		g_hash_table_add(tr->strings, pooled);
	}
	tr->recent[slot].from = s;
	tr->recent[slot].pooled = pooled;
	return pooled;
}

/* The event array is grown by hand rather than as a GArray: it is the one
 * allocation that grows with the run (thousands of devices, long precopy),
 * and GLib aborts when memory runs out, where a run that cannot record its
 * trace must fail with an error instead (tr->oom, checked by the summary)
 * so that one large run does not end a whole sweep. */
void trace_add(struct trace *tr, const struct trace_event *e)
{
	pthread_mutex_lock(&tr->lock);
	if (tr->n == tr->cap) {
		size_t cap = tr->cap ? 2 * tr->cap : 256;
		struct trace_event *p = g_try_renew(struct trace_event, tr->ev, cap);
		if (!p) {
			tr->oom = 1;
			pthread_mutex_unlock(&tr->lock);
			return;
		}
		tr->ev = p;
		tr->cap = cap;
	}
	struct trace_event *d = &tr->ev[tr->n++];
	*d = *e;
	d->task = intern_locked(tr, e->task);
	d->text = intern_locked(tr, e->text);
	pthread_mutex_unlock(&tr->lock);
	if (tr->on_add)
		tr->on_add(tr->on_add_arg, e);
}

void trace_on_add(struct trace *tr, void (*fn)(void *arg, const struct trace_event *e), void *arg)
{
	tr->on_add = fn;
	tr->on_add_arg = arg;
}

GArray *trace_arcs(const struct trace *tr)
{
	GArray *arcs = g_array_new(FALSE, FALSE, sizeof(struct trace_arc));
	/* (device, side) -> its open begin; the key is never 0 (NULL). */
	GHashTable *open = g_hash_table_new(g_direct_hash, g_direct_equal);
	for (size_t k = 0; k < tr->n; k++) {
		const struct trace_event *e = &tr->ev[k];
		if (e->device < 0 || (e->kind != TRACE_ARC_BEGIN && e->kind != TRACE_ARC_END))
			continue;
		gpointer key = GSIZE_TO_POINTER(((gsize)e->device << 1 | (gsize)(e->side & 1)) + 1);
		if (e->kind == TRACE_ARC_BEGIN) {
			g_hash_table_insert(open, key, (gpointer)e);
		} else {
			struct trace_arc a = {g_hash_table_lookup(open, key), e};
			g_hash_table_remove(open, key);
			g_array_append_val(arcs, a);
		}
	}
	g_hash_table_destroy(open);
	return arcs;
}

static const struct names kinds = NAMES(kind_names);
static const char *const query_words[] = {[TRACE_QUERY_ESTIMATE] = "estimate",
                                          [TRACE_QUERY_EXACT] = "exact",
                                          [TRACE_QUERY_FINAL] = "final"};
static const struct names queries = NAMES(query_words);
static const char *const mark_words[TRACE_MARK_COUNT] = {
    [TRACE_MARK_FINAL_QUERY_END] = "final-query-end",
    [TRACE_MARK_STOPCOPY_SENT] = "stopcopy-sent",
    [TRACE_MARK_LOAD_DONE] = "load-done",
    [TRACE_MARK_READY] = "ready",
    [TRACE_MARK_RECOVERY_BEGIN] = "recovery-begin",
    [TRACE_MARK_RECOVERY_END] = "recovery-end",
    [TRACE_MARK_SRC_RUNNING] = "src-running"};
static const struct names marks = NAMES(mark_words);
static const char *const pass_words[] = {
    [TRACE_PASS_PREPARE] = "prepare", [TRACE_PASS_MAIN] = "main"};
static const struct names passes = NAMES(pass_words);
static const char *const side_words[] = {[RT_SIDE_SRC] = "src", [RT_SIDE_DST] = "dst"};
static const struct names sides = NAMES(side_words);

const char *trace_kind_name(enum trace_kind k)
{
	return names_name(&kinds, k);
}

bool trace_depth_ok(double value)
{
	return value >= -1 && value <= TRACE_MAX_DEPTH && value == floor(value);
}

int trace_event_check(const struct trace_event *e, size_t n_devices, char *why, size_t whylen)
{
	if (e->kind >= TRACE_KIND_COUNT) {
		snprintf(why, whylen, "kind %u out of range", e->kind);
		return -1;
	}
	const char *kind = trace_kind_name(e->kind);
	if (!isfinite(e->t))
		snprintf(why, whylen, "%s at time %g", kind, e->t);
	else if (e->side < 0 || e->side > 1 || e->pass < -1 || e->pass > 1)
		snprintf(why, whylen, "%s side %d, pass %d out of range", kind, e->side, e->pass);
	else if (e->device < -1 || (e->device >= 0 && (size_t)e->device >= n_devices))
		snprintf(why, whylen, "%s device %d out of range (the run has %zu devices)", kind,
		         e->device, n_devices);
	else if ((e->kind == TRACE_HANDLER_BEGIN || e->kind == TRACE_HANDLER_END ||
	          e->kind == TRACE_THREAD_SPAWN || e->kind == TRACE_THREAD_JOIN) &&
	         !trace_depth_ok(e->value))
		snprintf(why, whylen, "%s depth %g out of range -1..%d", kind, e->value,
		         TRACE_MAX_DEPTH);
	else if (e->kind == TRACE_SEND && !(e->value >= 0 && e->value < 0x1p64))
		snprintf(why, whylen, "%s of %g bytes", kind, e->value);
	else
		return 0;
	return -1;
}

/* Outside a VM stop or start an event has no pass: "-". */
static const char *pass_name(int p)
{
	return p < 0 ? "-" : names_name(&passes, (unsigned)p);
}
static const char *side_name(int s)
{
	return names_name(&sides, (unsigned)s);
}

void trace_print(const struct trace *tr, FILE *out, const char *const *names)
{
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
			fprintf(out, "%s pending=%.0f", names_name(&queries, (unsigned)e->from),
			        e->value);
			break;
		case TRACE_MARK:
			fprintf(out, "%s", names_name(&marks, (unsigned)e->from));
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
			fprintf(out, "%s pending=%.0f", names_name(&queries, (unsigned)e->from),
			        e->value);
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
		case TRACE_STATE_BUFFER:
			fprintf(out, "index=%.0f%s", e->value, e->from ? " config" : "");
			break;
		case TRACE_CONFIG_LOAD:
			fprintf(out, "bytes=%.0f", e->value);
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
