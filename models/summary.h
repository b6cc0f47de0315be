/*
 * summary.h - what a run means: downtime and where it went, derived from the
 * trace alone (so the sim and real worlds are summarised identically).
 *
 * Phases split the downtime window [source VM stop, destination VM running]
 * into consecutive intervals that add up to it exactly:
 *   src_prepare   source prepare pass (P2P step)
 *   src_main      source main pass (STOP_COPY step)
 *   final_query   the final exact pending query
 *   stopcopy      remaining RAM and every device's stop-copy data sent
 *   dst_load      destination still loading after the last byte arrived
 *   dst_prepare   destination prepare pass (RUNNING_P2P step)
 *   dst_main      destination main pass (RUNNING step)
 */
#ifndef SWITCHOVER_SUMMARY_H
#define SWITCHOVER_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "device.h"
#include "migration.h"
#include "scenario.h"
#include "trace.h"

enum phase {
	PHASE_SRC_PREPARE = 0,
	PHASE_SRC_MAIN,
	PHASE_FINAL_QUERY,
	PHASE_STOPCOPY,
	PHASE_DST_LOAD,
	PHASE_DST_PREPARE,
	PHASE_DST_MAIN,
	PHASE_COUNT
};
const char *phase_name(enum phase p); /* "src_prepare" */

enum invariant {
	/* No device leaves its P2P state before every P2P-capable device of
	 * its side has reached P2P in that VM stop/start. */
	INV_P2P_BEFORE_LEAVING = 0,
	/* Within one notify, no prepare_cb runs after any cb. */
	INV_PREPARE_BEFORE_MAIN,
	/* Every transition thread is joined before the notify ends, in the pass
	 * its strategy joins in (parallel-prio: its own pass; parallel-barrier:
	 * the main pass), with no handler of another depth running in between. */
	INV_THREADS_JOINED,
	/* Every VFIO device reached P2P before any non-VFIO main-pass handler
	 * ran (parallel-barrier is expected to break it). */
	INV_P2P_BEFORE_NON_VFIO_MAIN,
	/* The source's switchover-ACK counter never went below zero. */
	INV_ACK_NO_UNDERFLOW,
	/* Per device, ACK requests minus ACKs sent for it is 0 or 1 at all
	 * times (re-usable ACK on both ends; holds trivially otherwise). */
	INV_ACK_PER_DEVICE,
	INV_COUNT
};
const char *invariant_name(enum invariant i); /* "p2p_before_leaving_p2p" */

struct invariant_result {
	bool held;
	double t; /* time of the first violation */
	char first_violation[192];
};

/* One device's own time inside the downtime window. */
struct device_attribution {
	double src_prepare_s, src_main_s; /* arc time (including waiting for its domain) */
	double load_s;                    /* destination write() time */
	double dst_prepare_s, dst_main_s;
	uint64_t stopcopy_bytes;
	double total_s; /* sum of the above times */
	/* RDMA guard: when the device became non-responsive minus when its
	 * guard event (the first QMP event saying it goes quiescent) was
	 * emitted; negative = the event came after.  NaN: no such event. */
	double event_lead_s;
	bool rdma_miss; /* no guard within the RDMA timeout */
	/* QEMU's own time for the device's state inside the downtime, from its
	 * vmstate_downtime_save / _load trace events (the sum of its sections):
	 * imported runs only; NaN for the harness's runs and for an imported
	 * device the log does not identify (docs/import.md). */
	double qemu_save_s, qemu_load_s;
};

struct run_summary {
	int status; /* 0 completed, negative errno when failed */
	char error[256];
	double downtime_s; /* NaN when the run failed before the VM ran */
	double total_s;    /* setup to destination running */
	double phase_s[PHASE_COUNT];
	unsigned precopy_rounds;
	bool forced_switchover;
	char switchover_reason[48];
	uint64_t precopy_bytes, stopcopy_bytes; /* device data; stop-copy includes final RAM */
	unsigned threads_spawned; /* transition threads created (pool workers included) */
	/* Ideal parallel transitions given the per-arc work of this run (each
	 * transition step costs its slowest device, or its busiest contention
	 * domain, or its non-VFIO handlers if longer) plus this run's measured
	 * query, transfer and load phases. */
	double bound_s;
	/* Everything one after another: the sequential expectation. */
	double serial_s;
	double efficiency; /* bound_s / downtime_s */
	/* switchover-ack and REINIT */
	unsigned acks_requested, acks_received, acks_sent;
	unsigned reinits_seen;       /* precopy-info answers with REINIT, final checks included */
	double ack_delay_s;          /* first "ready to switch over" to the switchover; NaN if
	                                never ready */
	unsigned rounds_waiting_ack; /* precopy rounds run while ready, waiting for an ACK */
	unsigned rounds_added_by_reinit; /* ... of which while a REINIT request was outstanding */
	double recovery_s; /* failure notifier (devices back to RUNNING); NaN if none */
	/* migration events */
	unsigned qmp_events;
	unsigned rdma_guards; /* source devices that went non-responsive */
	unsigned rdma_misses; /* ... whose guard came too late or never */
	struct invariant_result inv[INV_COUNT];
	size_t n_devices;
	struct device_attribution *dev;
};

/* Derive the summary of one run (the trace of both ends); returns 0, or
 * -ENOMEM with out->error saying why: the trace is incomplete (tr->oom, an
 * append failed) or the summary itself ran out of memory; or -EINVAL: a
 * thread-spawn or handler event's depth is not a whole number in
 * -1..TRACE_MAX_DEPTH (a peer's trace; out->error names the event). */
int summary_from_trace(const struct scenario *s, const struct trace *tr,
                       const struct mig_result *res, struct run_summary *out);
void summary_free(struct run_summary *sum);

#endif
