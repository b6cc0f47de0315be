/*
 * vmstate.c - VM change-state handler registry and notify (QEMU order).
 */
#include "vmstate.h"

#include <errno.h>
#include <stdlib.h>
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
}

void vmstate_free(struct vmstate_registry *r)
{
	free(r->entries);
	r->entries = NULL;
	r->n = r->cap = 0;
}

int vmstate_add(struct vmstate_registry *r, const struct vmstate_entry *e)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 16;
		struct vmstate_entry *p = realloc(r->entries, cap * sizeof *p);
		if (!p)
			return -ENOMEM;
		r->entries = p;
		r->cap = cap;
	}
	/* Insert before the first entry of strictly greater priority: ascending
	 * order, ties kept in registration order (QTAILQ_INSERT_BEFORE). */
	size_t pos = r->n;
	for (size_t i = 0; i < r->n; i++) {
		if (e->priority < r->entries[i].priority) {
			pos = i;
			break;
		}
	}
	memmove(&r->entries[pos + 1], &r->entries[pos], (r->n - pos) * sizeof *e);
	r->entries[pos] = *e;
	r->n++;
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
	for (size_t k = 0; k < r->n; k++) {
		/* Forward on start, backward on stop. */
		const struct vmstate_entry *e = &r->entries[running ? k : r->n - 1 - k];
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
