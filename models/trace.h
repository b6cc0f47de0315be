/*
 * trace.h - the run's event log.
 *
 * Every step the engine takes is appended here with its time: state arcs,
 * handler calls, thread spawns and joins, queries, records sent and loaded,
 * phase marks.  The summary (summary.c), the invariant checks, the golden
 * traces and later the HDF5 trace table are all derived from this log, so
 * both worlds produce the same kind of result.  Appending is safe from
 * concurrent tasks (real world) and cheap (sim).
 */
#ifndef SWITCHOVER_TRACE_H
#define SWITCHOVER_TRACE_H

#include <glib.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum trace_kind {
	TRACE_RUN_BEGIN = 0,
	TRACE_RUN_END,    /* value = status (0 completed), text = error */
	TRACE_SETUP,      /* migration setup begins */
	TRACE_ROUND,      /* precopy round begins; value = round number */
	TRACE_QUERY,      /* pending query; from = trace_query_kind, value = bytes */
	TRACE_SWITCHOVER, /* decision; value = pending bytes, text = reason */
	TRACE_VM_STOP,    /* source vCPUs stopped: downtime starts */
	TRACE_VM_START,   /* destination VM start begins (handlers next) */
	TRACE_VM_RUNNING, /* destination running: downtime ends */
	TRACE_PASS_BEGIN, /* side, pass */
	TRACE_PASS_END,
	TRACE_HANDLER_BEGIN, /* side, pass, text = handler, value = depth,
	                       device = VFIO device or -1 (non-VFIO handler) */
	TRACE_HANDLER_END,
	TRACE_THREAD_SPAWN, /* device, side, pass, value = depth; text NULL: a thread
	                       was created for the pass's transition; "pool": the
	                       device's pool worker was handed it, or with pass -1
	                       the worker was created (migration setup) */
	TRACE_THREAD_JOIN,  /* the transition was waited for (thread joined, or pool
	                       worker done); pass -1: the pool worker ended */
	TRACE_ARC_BEGIN,    /* device, side, pass = step (-1 outside a VM stop/start), from, to,
	                       text = reason ("setup", "vm-stop", "vm-start", "cleanup", ...) */
	TRACE_ARC_END,    /* value = work seconds (cost excluding queueing), text = error or NULL */
	TRACE_SEND,       /* a record crossed the stream: device or -1 (RAM), value = bytes */
	TRACE_LOAD_BEGIN, /* destination write() of one record: device, value = bytes */
	TRACE_LOAD_END,   /* ... returned; value = seconds it took */
	TRACE_MARK,       /* phase boundary: from = trace_mark */
	TRACE_ERROR,      /* text = message */
	/* switchover-ack, REINIT, events (docs/domain.md sections 5-7) */
	TRACE_PRECOPY_INFO,   /* source query: device, value = initial bytes, from = REINIT flag,
	                         to = 1 for the final check in the prepare handler, text = error */
	TRACE_ACK_REQUEST,    /* source: device asked for an ACK; value = pending count after,
	                         text = "initial", "reinit" or "late" */
	TRACE_ACK_PENDING,    /* source, after a pending query: from = trace_query_kind,
	                         value = pending count (the requests collected are the
	                         ack-request events since the query began) */
	TRACE_ACK_RECV,       /* source return-path task got an ACK: value = pending count after */
	TRACE_ACK_SENT,       /* destination sent an ACK: device approving it, or -1 (legacy, or
	                         no users); text = "legacy", "no-users" or "new" */
	TRACE_APPROVE,        /* destination approved a device (loaded its INIT_DATA_SENT);
	                         value = legacy count still needed, or 0 */
	TRACE_INIT_DATA_SENT, /* source sent the device's INIT_DATA_SENT flag */
	TRACE_QMP_EVENT,      /* device, side, from = trace_qmp kind, text = device-state */
	TRACE_STATE_BUFFER,   /* destination received a device-state packet over multifd
	                       * (QEMU's vfio_load_state_device_buffer_incoming): device,
	                       * value = buffer index, from = 1 for the config state */
	TRACE_CONFIG_LOAD,    /* a device's load task loaded its config state, after all its
	                       * buffers (QEMU's vfio_load_bufs_thread_load_config): device,
	                       * value = bytes */
	TRACE_KIND_COUNT
};

enum trace_qmp { TRACE_QMP_MIGRATION = 0, TRACE_QMP_MIGRATION_PREPARE = 1 };

enum trace_pass { TRACE_PASS_PREPARE = 0, TRACE_PASS_MAIN = 1 };
enum trace_query_kind { TRACE_QUERY_ESTIMATE = 0, TRACE_QUERY_EXACT = 1, TRACE_QUERY_FINAL = 2 };
enum trace_mark {
	TRACE_MARK_FINAL_QUERY_END = 0,
	TRACE_MARK_STOPCOPY_SENT = 1,  /* last stop-copy record crossed the link */
	TRACE_MARK_LOAD_DONE = 2,      /* destination loaded the last record */
	TRACE_MARK_READY = 3,          /* pending below the threshold for the first time */
	TRACE_MARK_RECOVERY_BEGIN = 4, /* failure notifier starts returning devices to RUNNING */
	TRACE_MARK_RECOVERY_END = 5,
	TRACE_MARK_SRC_RUNNING = 6, /* source VM running again after a failure */
};
#define TRACE_MARK_COUNT 7

struct trace_event {
	double t;         /* seconds since run start */
	const char *task; /* interned task name */
	int32_t device;   /* device index or -1 */
	uint16_t kind;    /* enum trace_kind */
	int8_t side;      /* enum rt_side (0 source, 1 destination) */
	int8_t pass;      /* enum trace_pass, or -1 */
	int8_t from, to;  /* kind-specific (states, query kind, mark) */
	double value;     /* kind-specific (bytes, seconds, depth, round) */
	const char *text; /* interned or NULL */
};

struct trace {
	struct trace_event *ev; /* the events in order; read ev[0..n) once appends are over */
	size_t n, cap;
	GHashTable *strings; /* interned strings owned by the trace (each is its own key) */
	/* Callers pass the same few pointers (literals, task names) again and
	 * again: the pooled copy of each recently seen one, slot by address. */
	struct {
		const char *from, *pooled;
	} recent[16];
	pthread_mutex_t lock; /* appends come from concurrent tasks in the real world */
	int oom;              /* an append failed for lack of memory: the trace is incomplete */
	/* Optional: called with every event added (trace_on_add), by the task
	 * that added it, after the append and outside the lock.  NULL (what
	 * trace_init sets): nothing is called. */
	void (*on_add)(void *arg, const struct trace_event *e);
	void *on_add_arg;
};

void trace_init(struct trace *tr);
void trace_free(struct trace *tr);
/* Append a copy of *e; its task and text are interned. */
void trace_add(struct trace *tr, const struct trace_event *e);
/* Have fn(arg, e) called with each event added from now on (NULL: none), by
 * the adding task as it adds it: an observer of the run as it happens, such
 * as bench_agreement --window-cpu reading CPU clocks at the phase marks.
 * Set it before the run starts. */
void trace_on_add(struct trace *tr, void (*fn)(void *arg, const struct trace_event *e), void *arg);
/* Append with designated fields: TRACE_ADD(tr, .t = now, .kind = TRACE_SETUP).
 * device and pass default to -1; overriding a default is the point here, so
 * the override-init warning is silenced for this initializer only. */
#if defined(__clang__)
#define TRACE_OVERRIDE_INIT_OFF _Pragma("clang diagnostic ignored \"-Winitializer-overrides\"")
#else
#define TRACE_OVERRIDE_INIT_OFF _Pragma("GCC diagnostic ignored \"-Woverride-init\"")
#endif
#define TRACE_ADD(tr, ...)                                                                         \
	do {                                                                                       \
		_Pragma("GCC diagnostic push") TRACE_OVERRIDE_INIT_OFF trace_add(                  \
		    (tr), &(struct trace_event){.device = -1, .pass = -1, __VA_ARGS__});           \
		_Pragma("GCC diagnostic pop")                                                      \
	} while (0)

/* One device arc: an ARC_END and the ARC_BEGIN it closes. */
struct trace_arc {
	const struct trace_event *begin; /* NULL when the trace has no begin for it */
	const struct trace_event *end;
};
/* Every device arc of the trace (device >= 0), in the order of their ends:
 * each ARC_END paired with the ARC_BEGIN of the same device and side since
 * that device and side's previous ARC_END (a device takes one arc at a
 * time), or with NULL when there is none.  The one place the pairing is derived (summary,
 * result store and timeline plot all use it).  A GArray of struct trace_arc
 * pointing into tr; g_array_unref it. */
GArray *trace_arcs(const struct trace *tr);

const char *trace_kind_name(enum trace_kind k);

/* The deepest qdev depth an event carries (SCENARIO_MAX_DEPTH). */
#define TRACE_MAX_DEPTH 32767
/* Whether `value` is a depth: a whole number from -1 (a subsystem) to
 * TRACE_MAX_DEPTH.  The summary indexes by it. */
bool trace_depth_ok(double value);
/* Whether the fields of *e, an event of a trace of n_devices devices that
 * came from elsewhere (a peer), are in range for its kind: the kind, side
 * 0 or 1, pass -1 to 1, device -1 to n_devices - 1, a finite time, a
 * depth (trace_depth_ok) for a handler or thread, a byte count for a send.
 * 0, or -1 with why. */
int trace_event_check(const struct trace_event *e, size_t n_devices, char *why, size_t whylen);
/* Readable timeline, one event per line (the --trace output and golden files). */
void trace_print(const struct trace *tr, FILE *out, const char *const *device_names);

#endif
