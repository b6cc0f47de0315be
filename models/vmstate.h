/*
 * vmstate.h - VM change-state handlers, ordered as QEMU orders them.
 *
 * Mirrors qemu_add_vm_change_state_handler_prio_full() and vm_state_notify():
 * entries are kept sorted by ascending priority (equal priorities in
 * registration order); a notify runs every prepare_cb first (one pass), then
 * every cb (second pass); on VM start the list is walked forward (lower
 * priority first), on VM stop backward (higher priority first).
 *
 * qdev priority with the parallel-transition patch's adjustment encoding:
 * priority = (depth << 16) + (adj + 32768), adj in [-32768, 32767], so adj
 * -1/+1 places an entry just before/after the ordinary (adj 0) handlers of
 * its depth while depths stay ordered.  Subsystem handlers use priority 0.
 */
#ifndef SWITCHOVER_VMSTATE_H
#define SWITCHOVER_VMSTATE_H

#include <stdbool.h>
#include <stddef.h>

#include <glib.h>

#include "runtime.h"
#include "trace.h"

typedef void (*vmstate_cb)(void *opaque, bool running);

struct vmstate_entry {
	const char *name; /* for the trace; must outlive the registry */
	int priority;
	int depth;             /* qdev depth (for the trace and invariants), -1 subsystem */
	int device;            /* VFIO device index, or -1 for a non-VFIO handler */
	vmstate_cb prepare_cb; /* may be NULL */
	vmstate_cb cb;         /* may be NULL (a handler with prepare work only) */
	void *opaque;
};

struct vmstate_registry {
	GArray *entries; /* struct vmstate_entry, in priority order */
	enum rt_side side;
	/* Set while a notify runs: the pass being walked (enum trace_pass). */
	int pass;
	struct rt *rt;
	struct trace *trace;
	const char *task; /* name of the task that runs notifies */
};

#define VMSTATE_ADJ_MIN (-32768)
#define VMSTATE_ADJ_MAX 32767

/* (depth << 16) + (adj + 32768); depth >= 0, adj in range. */
int vmstate_priority(int depth, int adj);

void vmstate_init(struct vmstate_registry *r, struct rt *rt, struct trace *trace, enum rt_side side,
                  const char *task);
void vmstate_free(struct vmstate_registry *r);
/* Register an entry (copied).  Returns 0 (GLib aborts when memory runs
 * out); the int is the registration contract callers check. */
int vmstate_add(struct vmstate_registry *r, const struct vmstate_entry *e);
/* Run both passes in the order of `running`; traces every handler call. */
void vmstate_notify(struct vmstate_registry *r, bool running);

#endif
