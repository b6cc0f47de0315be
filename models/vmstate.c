/*
 * vmstate.c - VM change-state handler registry and notify (QEMU order).
 */
#include "vmstate.h"

#include <string.h>

int vmstate_priority(int depth, int adj)
{
	return (depth << 16) + (adj + 32768);
}

void vmstate_init(struct vmstate_registry *r, struct rt *rt, struct trace *trace, enum rt_side side,
                  const char *task)
{
	memset(r, 0, sizeof *r);
	r->rt = rt;
	r->trace = trace;
	r->side = side;
	r->task = task;
	r->pass = -1;
	r->entries = g_array_new(FALSE, FALSE, sizeof(struct vmstate_entry));
}

void vmstate_free(struct vmstate_registry *r)
{
	if (r->entries)
		g_array_unref(r->entries);
	r->entries = NULL;
}

int vmstate_add(struct vmstate_registry *r, const struct vmstate_entry *e)
{
	/* Insert before the first entry of strictly greater priority: ascending
	 * order, ties kept in registration order (QTAILQ_INSERT_BEFORE). */
	guint pos = r->entries->len;
	for (guint i = 0; i < r->entries->len; i++) {
		if (e->priority < g_array_index(r->entries, struct vmstate_entry, i).priority) {
			pos = i;
			break;
		}
	}
	g_array_insert_vals(r->entries, pos, e, 1);
	return 0;
}

static void call(struct vmstate_registry *r, const struct vmstate_entry *e, vmstate_cb fn,
                 bool running)
{
	TRACE_ADD(r->trace, .t = rt_now(r->rt), .task = r->task, .kind = TRACE_HANDLER_BEGIN,
	          .device = e->device, .side = r->side, .pass = r->pass, .value = e->depth,
	          .text = e->name);
	fn(e->opaque, running);
	TRACE_ADD(r->trace, .t = rt_now(r->rt), .task = r->task, .kind = TRACE_HANDLER_END,
	          .device = e->device, .side = r->side, .pass = r->pass, .value = e->depth,
	          .text = e->name);
}

static void run_pass(struct vmstate_registry *r, bool running, int pass)
{
	r->pass = pass;
	TRACE_ADD(r->trace, .t = rt_now(r->rt), .task = r->task, .kind = TRACE_PASS_BEGIN,
	          .side = r->side, .pass = pass);
	guint n = r->entries->len;
	for (guint k = 0; k < n; k++) {
		/* Forward on start, backward on stop. */
		const struct vmstate_entry *e =
		    &g_array_index(r->entries, struct vmstate_entry, running ? k : n - 1 - k);
		vmstate_cb fn = pass == TRACE_PASS_PREPARE ? e->prepare_cb : e->cb;
		if (fn)
			call(r, e, fn, running);
	}
	TRACE_ADD(r->trace, .t = rt_now(r->rt), .task = r->task, .kind = TRACE_PASS_END,
	          .side = r->side, .pass = pass);
}

void vmstate_notify(struct vmstate_registry *r, bool running)
{
	run_pass(r, running, TRACE_PASS_PREPARE);
	run_pass(r, running, TRACE_PASS_MAIN);
	r->pass = -1;
}
