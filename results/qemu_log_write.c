/*
 * qemu_log_write.c - a run's trace as the two QEMU trace logs (source and
 * destination) a real migration would leave, event for event at the same
 * points of the flow (docs/import.md has the table).  Engine events QEMU
 * does not trace (passes begun, threads spawned, RAM records) are not
 * written: the log says what QEMU says, no more.  The multifd device-state
 * threads QEMU does trace are written from the events of the engine's save
 * and load tasks (docs/import.md).
 */
#include "qemu_log.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "runtime.h"
#include "vfio_fsm.h"

struct writer {
	const char *const *names;
	double base_s;
	FILE *out[2];        /* by enum rt_side */
	GHashTable *tids[2]; /* task name -> thread id */
	/* Per device, -1 until known: */
	long long *state[2];   /* its state after its last arc */
	long long *load_sz;    /* bytes of the record it is loading */
	long long *init_bytes; /* initial bytes of its last precopy-info */
	/* Multifd device state (models/mig_devstate.c), trace indices or -1:
	 * the save task's stop-copy send (its last act), the load task's first
	 * load and last load end; save_started once its start line is out. */
	long long *save_end, *load_first, *load_last, *save_started;
	int err;
};

static int thread_id(struct writer *w, int side, const char *task)
{
	const char *key = task ? task : "-";
	gpointer v = g_hash_table_lookup(w->tids[side], key);
	if (!v) {
		v = GINT_TO_POINTER((side == RT_SIDE_SRC ? QEMU_LOG_SRC_TID : QEMU_LOG_DST_TID) +
		                    (int)g_hash_table_size(w->tids[side]));
		g_hash_table_insert(w->tids[side], (gpointer)key, v);
	}
	return GPOINTER_TO_INT(v);
}

/* One line: PID@SEC.USEC:name args.  The seconds and microseconds are
 * split before adding the epoch, so that a large epoch does not cost the
 * run's times their microseconds. */
static void line(struct writer *w, const struct trace_event *e, int side, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void line(struct writer *w, const struct trace_event *e, int side, const char *fmt, ...)
{
	FILE *f = w->out[side];
	if (!f)
		return;
	double base_sec = floor(w->base_s);
	long long usec = llround((w->base_s - base_sec) * 1e6) + llround(e->t * 1e6);
	long long sec = (long long)base_sec + usec / 1000000;
	usec %= 1000000;
	va_list ap;
	va_start(ap, fmt);
	if (fprintf(f, "%d@%lld.%06lld:", thread_id(w, side, e->task), sec, usec) < 0 ||
	    vfprintf(f, fmt, ap) < 0 || fputc('\n', f) == EOF)
		w->err = -1;
	va_end(ap);
}

static void checkpoint(struct writer *w, const struct trace_event *e, int side, const char *cp)
{
	line(w, e, side, "vmstate_downtime_checkpoint %s", cp);
}

/* Whether e comes from the device's multifd save or load task
 * ("vfio-<device>-save" / "-load"). */
static bool devstate_task(const struct writer *w, const struct trace_event *e, const char *what)
{
	char want[256]; /* device names are shorter (DEVICE_NAME_LEN) */
	snprintf(want, sizeof want, "vfio-%s-%s", w->names[e->device], what);
	return e->task && !strcmp(e->task, want);
}

/* The model starts the save threads (QEMU's
 * multifd_spawn_device_state_save_thread) right after the final query; the
 * engine does not trace the spawn, so the start lines go out at the final
 * query's end, each on the thread id of its save task.  A save task that
 * sent nothing left no event and gets no lines. */
static void save_threads_start(struct writer *w, const struct trace *tr,
                               const struct trace_event *mark, size_t n)
{
	for (size_t d = 0; d < n; d++) {
		if (w->save_end[d] < 0)
			continue;
		struct trace_event e = *mark;
		e.task = tr->ev[w->save_end[d]].task;
		w->save_started[d] = 1;
		line(w, &e, RT_SIDE_SRC,
		     "vfio_save_complete_precopy_thread_start  (%s) idstr %s/vfio instance 0",
		     w->names[d], w->names[d]);
	}
}

static void device_event(struct writer *w, const struct trace_event *e, long long k)
{
	int sd = e->side & 1;
	const char *name = w->names[e->device];
	int running = sd == RT_SIDE_DST;
	switch (e->kind) {
	case TRACE_ARC_BEGIN:
		/* vfio_migration_set_state_or_reset: recover state ERROR */
		line(w, e, sd, "vfio_migration_set_state  (%s) new state %s, recover state %s",
		     name, vfio_state_name(e->to), vfio_state_name(VFIO_STATE_ERROR));
		break;
	case TRACE_ARC_END:
		if (e->text) /* QEMU reports the error instead */
			break;
		w->state[sd][e->device] = e->to;
		line(w, e, sd, "vfio_migration_set_device_state  (%s) state %s", name,
		     vfio_state_name(e->to));
		break;
	case TRACE_HANDLER_END: {
		long long st = w->state[sd][e->device];
		line(w, e, sd, "%s  (%s) running %d reason %s device state %s",
		     e->pass == TRACE_PASS_PREPARE ? "vfio_vmstate_change_prepare"
		                                   : "vfio_vmstate_change",
		     name, running, running ? "running" : "finish-migrate",
		     vfio_state_name(st < 0 ? VFIO_STATE_ERROR : (enum vfio_state)st));
		break;
	}
	case TRACE_PRECOPY_INFO:
		if (e->text)
			break;
		w->init_bytes[e->device] = (long long)e->value;
		line(w, e, sd, "vfio_query_precopy_size  (%s) initial size %.0f reinit %d final %d",
		     name, e->value, e->from != 0, e->to != 0);
		break;
	case TRACE_ACK_REQUEST: {
		long long init = w->init_bytes[e->device];
		line(w, e, sd,
		     "vfio_state_pending  (%s) precopy initial size %lld switchover ack %s pending "
		     "%.0f",
		     name, init < 0 ? 0 : init, e->text ? e->text : "initial", e->value);
		break;
	}
	case TRACE_SEND:
		line(w, e, sd, "vfio_save_block  (%s) data_size %.0f", name, e->value);
		if (k == w->save_end[e->device] && w->save_started[e->device] > 0)
			line(w, e, sd, "vfio_save_complete_precopy_thread_end  (%s) ret 0", name);
		break;
	case TRACE_LOAD_BEGIN:
		if (k == w->load_first[e->device])
			line(w, e, sd, "vfio_load_bufs_thread_start  (%s)", name);
		w->load_sz[e->device] = (long long)e->value;
		line(w, e, sd, "vfio_load_state  (%s) data 0x%llx", name,
		     (unsigned long long)QEMU_VFIO_FLAG_DEV_DATA_STATE);
		break;
	case TRACE_LOAD_END: {
		long long sz = w->load_sz[e->device];
		line(w, e, sd, "vfio_load_state_device_data  (%s) size %lld ret 0", name,
		     sz < 0 ? 0 : sz);
		if (k == w->load_last[e->device])
			line(w, e, sd, "vfio_load_bufs_thread_end  (%s)", name);
		break;
	}
	case TRACE_APPROVE:
		line(w, e, sd, "vfio_load_state  (%s) data 0x%llx", name,
		     (unsigned long long)QEMU_VFIO_FLAG_DEV_INIT_DATA_SENT);
		line(w, e, sd, "loadvm_approve_switchover Switchover ack pending num=%.0f",
		     e->value);
		break;
	default:
		break;
	}
}

static void run_event(struct writer *w, const struct trace *tr, const struct trace_event *e,
                      size_t n)
{
	int sd = e->side & 1;
	switch (e->kind) {
	case TRACE_SETUP:
		line(w, e, RT_SIDE_SRC, "migrate_set_state new state setup");
		break;
	case TRACE_ROUND:
		line(w, e, RT_SIDE_SRC, "savevm_state_iterate ");
		break;
	case TRACE_QUERY:
		line(w, e, RT_SIDE_SRC,
		     "migrate_pending_%s %s pending size %.0f (pre = %.0f post=0)",
		     e->from == TRACE_QUERY_ESTIMATE ? "estimate" : "exact",
		     e->from == TRACE_QUERY_ESTIMATE ? "estimate" : "exact", e->value, e->value);
		break;
	case TRACE_SWITCHOVER:
		line(w, e, RT_SIDE_SRC, "migration_thread_low_pending %.0f", e->value);
		break;
	case TRACE_VM_STOP:
		checkpoint(w, e, RT_SIDE_SRC, "src-downtime-start");
		break;
	case TRACE_PASS_END:
		if (sd == RT_SIDE_SRC && e->pass == TRACE_PASS_MAIN)
			checkpoint(w, e, RT_SIDE_SRC, "src-vm-stopped");
		break;
	case TRACE_MARK:
		if (e->from == TRACE_MARK_FINAL_QUERY_END)
			save_threads_start(w, tr, e, n);
		if (e->from == TRACE_MARK_STOPCOPY_SENT)
			checkpoint(w, e, RT_SIDE_SRC, "src-iterable-saved");
		break;
	case TRACE_VM_START:
		/* the engine starts the VM as soon as the end of the stream is
		 * loaded: QEMU's three checkpoints fall on that instant */
		checkpoint(w, e, RT_SIDE_DST, "dst-precopy-loadvm-completed");
		checkpoint(w, e, RT_SIDE_DST, "dst-precopy-bh-enter");
		checkpoint(w, e, RT_SIDE_DST, "dst-precopy-bh-announced");
		break;
	case TRACE_VM_RUNNING:
		checkpoint(w, e, RT_SIDE_DST, "dst-precopy-bh-vm-started");
		break;
	case TRACE_ACK_RECV:
		line(w, e, RT_SIDE_SRC, "source_return_path_thread_switchover_acked ");
		break;
	case TRACE_ACK_SENT:
		line(w, e, RT_SIDE_DST, "migrate_send_rp_message %d: len 0",
		     QEMU_RP_MSG_SWITCHOVER_ACK);
		break;
	default:
		break;
	}
}

int qemu_log_write(const struct trace *tr, const char *const *device_names, double base_s,
                   FILE *src, FILE *dst)
{
	struct writer w = {.names = device_names, .base_s = base_s, .out = {src, dst}};
	size_t n = 0;
	for (size_t k = 0; k < tr->n; k++)
		if (tr->ev[k].device >= 0 && (size_t)tr->ev[k].device >= n)
			n = (size_t)tr->ev[k].device + 1;
	long long *per_device = g_new(long long, 8 * (n + 1));
	for (size_t i = 0; i < 8 * (n + 1); i++)
		per_device[i] = -1;
	w.state[0] = per_device;
	w.state[1] = per_device + (n + 1);
	w.load_sz = per_device + 2 * (n + 1);
	w.init_bytes = per_device + 3 * (n + 1);
	w.save_end = per_device + 4 * (n + 1);
	w.load_first = per_device + 5 * (n + 1);
	w.load_last = per_device + 6 * (n + 1);
	w.save_started = per_device + 7 * (n + 1);
	for (size_t k = 0; k < tr->n; k++) {
		const struct trace_event *e = &tr->ev[k];
		if (e->device < 0)
			continue;
		if (e->kind == TRACE_SEND && devstate_task(&w, e, "save"))
			w.save_end[e->device] = (long long)k;
		else if (e->kind == TRACE_LOAD_BEGIN && devstate_task(&w, e, "load") &&
		         w.load_first[e->device] < 0)
			w.load_first[e->device] = (long long)k;
		else if (e->kind == TRACE_LOAD_END && devstate_task(&w, e, "load"))
			w.load_last[e->device] = (long long)k;
	}
	for (int s = 0; s < 2; s++)
		w.tids[s] = g_hash_table_new(g_str_hash, g_str_equal);
	for (size_t k = 0; k < tr->n; k++) {
		const struct trace_event *e = &tr->ev[k];
		bool device_line = e->device >= 0 && e->kind != TRACE_ACK_SENT &&
		                   e->kind != TRACE_ACK_RECV &&
		                   (e->kind != TRACE_HANDLER_END || e->pass >= 0);
		if (e->kind == TRACE_ARC_BEGIN && e->device >= 0 &&
		    w.state[e->side & 1][e->device] < 0)
			w.state[e->side & 1][e->device] = e->from;
		if (device_line)
			device_event(&w, e, (long long)k);
		else
			run_event(&w, tr, e, n);
	}
	for (int s = 0; s < 2; s++)
		g_hash_table_destroy(w.tids[s]);
	g_free(per_device);
	return w.err;
}
