/*
 * summary.c - downtime breakdown, per-device attribution, invariants and the
 * analytic bound of one run, computed from its trace.
 */
#include "summary.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "strategy.h"

static const char *const phase_words[] = {
    [PHASE_SRC_PREPARE] = "src_prepare", [PHASE_SRC_MAIN] = "src_main",
    [PHASE_FINAL_QUERY] = "final_query", [PHASE_STOPCOPY] = "stopcopy",
    [PHASE_DST_LOAD] = "dst_load",       [PHASE_DST_PREPARE] = "dst_prepare",
    [PHASE_DST_MAIN] = "dst_main",
};
static const struct names phase_names = NAMES(phase_words);

static const char *const invariant_words[] = {
    [INV_P2P_BEFORE_LEAVING] = "p2p_before_leaving_p2p",
    [INV_PREPARE_BEFORE_MAIN] = "prepare_pass_before_main_pass",
    [INV_THREADS_JOINED] = "threads_joined_in_depth_and_pass",
    [INV_P2P_BEFORE_NON_VFIO_MAIN] = "vfio_p2p_before_non_vfio_main",
    [INV_ACK_NO_UNDERFLOW] = "ack_no_underflow",
    [INV_ACK_PER_DEVICE] = "ack_per_device_0_or_1",
};
static const struct names invariant_names = NAMES(invariant_words);

const char *phase_name(enum phase p)
{
	return names_name(&phase_names, p);
}

const char *invariant_name(enum invariant i)
{
	return names_name(&invariant_names, i);
}

static bool is_p2p_state(int s)
{
	return s == VFIO_STATE_RUNNING_P2P || s == VFIO_STATE_PRE_COPY_P2P;
}

static void violate(struct run_summary *sum, enum invariant i, double t, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void violate(struct run_summary *sum, enum invariant i, double t, const char *fmt, ...)
{
	struct invariant_result *r = &sum->inv[i];
	if (!r->held)
		return; /* keep the first */
	r->held = false;
	r->t = t;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->first_violation, sizeof r->first_violation, fmt, ap);
	va_end(ap);
}

/* Per-side state of the invariant walk over one VM stop (source) or VM
 * start (destination). */
struct side_walk {
	bool active;    /* the side's notify has begun */
	bool main_seen; /* a main-pass handler has run */
	int pass;       /* pass in progress, -1 outside */
	bool *reached;  /* device reached P2P in this notify */
};

struct walk {
	const struct scenario *s;
	const struct trace *tr;
	struct run_summary *sum;
	size_t n;
	bool *p2p_capable;
	const char *const *names;
	struct side_walk side[2];
	int collects_in_main_pass; /* the strategy collects in the main pass (parallel-barrier) */
};

/* First device of `side` that is P2P-capable and has not reached P2P. */
static int first_not_in_p2p(const struct walk *w, int side)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->p2p_capable[i] && !w->side[side].reached[i])
			return (int)i;
	return -1;
}

/*
 * Threads joined in their depth and pass, in one pass over the trace.  A
 * thread is "watched" from its spawn (parallel-prio) or from the start of the
 * pass that joins it (parallel-barrier) until its join; while watched, no
 * handler of another depth may begin on its side.
 */

struct open_thread {
	bool open, watched;
	int pass, depth;
	double t;
};

struct thread_walk {
	struct open_thread *th[2]; /* [side][device] */
	/* Watched threads per depth d, at [d + 1] (a subsystem's -1 at 0), for
	 * the depths that threads of this trace have: 0 .. depths - 2.  Sized
	 * by the trace rather than for every qdev depth (32,769 slots), whose
	 * clearing was the largest cost of a summary. */
	unsigned *watched_at_depth[2];
	size_t depths;
	unsigned watched[2];
};

_Static_assert(TRACE_MAX_DEPTH == SCENARIO_MAX_DEPTH, "a trace carries any scenario depth");

/* 0, -EINVAL (a spawn or handler depth the walk cannot index: a peer's
 * trace, sum->error says which event) or -ENOMEM. */
static int thread_walk_init(struct thread_walk *tw, const struct trace *tr, size_t n,
                            struct run_summary *sum)
{
	memset(tw, 0, sizeof *tw);
	int max_depth = -1;
	for (size_t k = 0; k < tr->n; k++) {
		const struct trace_event *e = &tr->ev[k];
		if (e->kind != TRACE_THREAD_SPAWN && e->kind != TRACE_HANDLER_BEGIN)
			continue;
		if (!trace_depth_ok(e->value)) {
			snprintf(sum->error, sizeof sum->error,
			         "trace event %zu: %s depth %g out of range -1..%d", k,
			         e->kind == TRACE_THREAD_SPAWN ? "thread-spawn" : "handler",
			         e->value, TRACE_MAX_DEPTH);
			return -EINVAL;
		}
		if (e->kind == TRACE_THREAD_SPAWN && (int)e->value > max_depth)
			max_depth = (int)e->value;
	}
	tw->depths = (size_t)max_depth + 2;
	for (int s = 0; s < 2; s++) {
		tw->th[s] = calloc(n + 1, sizeof *tw->th[s]);
		tw->watched_at_depth[s] = calloc(tw->depths, sizeof *tw->watched_at_depth[s]);
		if (!tw->th[s] || !tw->watched_at_depth[s])
			return -ENOMEM;
	}
	return 0;
}

static void thread_walk_free(struct thread_walk *tw)
{
	for (int s = 0; s < 2; s++) {
		free(tw->th[s]);
		free(tw->watched_at_depth[s]);
	}
}

static void watch(struct thread_walk *tw, int side, struct open_thread *t, bool on)
{
	if (t->watched == on)
		return;
	t->watched = on;
	tw->watched_at_depth[side][t->depth + 1] += on ? 1 : -1;
	tw->watched[side] += on ? 1 : -1;
}

static void thread_event(struct walk *w, struct thread_walk *tw, const struct trace_event *e)
{
	/* A pool worker's own creation and end (pass -1) belong to no pass:
	 * only the transitions handed to it do. */
	if ((e->kind == TRACE_THREAD_SPAWN || e->kind == TRACE_THREAD_JOIN) && e->pass < 0)
		return;
	int sd = e->side & 1;
	const char *dev = e->device >= 0 && (size_t)e->device < w->n ? w->names[e->device] : "?";
	struct open_thread *t =
	    e->device >= 0 && (size_t)e->device < w->n ? &tw->th[sd][e->device] : NULL;
	switch (e->kind) {
	case TRACE_THREAD_SPAWN:
		if (!t)
			break;
		*t = (struct open_thread){
		    .open = true, .pass = e->pass, .depth = (int)e->value, .t = e->t};
		if (!w->collects_in_main_pass)
			watch(tw, sd, t, true);
		break;
	case TRACE_PASS_BEGIN:
		/* parallel-barrier: watched from the start of the joining pass */
		if (w->collects_in_main_pass && e->pass == TRACE_PASS_MAIN)
			for (size_t i = 0; i < w->n; i++)
				if (tw->th[sd][i].open)
					watch(tw, sd, &tw->th[sd][i], true);
		break;
	case TRACE_HANDLER_BEGIN: {
		int depth = (int)e->value;
		unsigned at_depth = depth >= -1 && (size_t)(depth + 1) < tw->depths
		                        ? tw->watched_at_depth[sd][depth + 1]
		                        : 0;
		if (tw->watched[sd] == at_depth)
			break;
		for (size_t i = 0; i < w->n; i++) {
			const struct open_thread *o = &tw->th[sd][i];
			if (o->watched && o->depth != depth) {
				violate(w->sum, INV_THREADS_JOINED, e->t,
				        "%s thread of %s (depth %d) was still running when handler "
				        "%s (depth %d) ran at %.6f s",
				        rt_side_name((enum rt_side)sd), w->names[i], o->depth,
				        e->text ? e->text : "?", depth, e->t);
				break;
			}
		}
		break;
	}
	case TRACE_THREAD_JOIN: {
		if (!t || !t->open)
			break;
		int want = w->collects_in_main_pass ? TRACE_PASS_MAIN : t->pass;
		if (e->pass != want)
			violate(w->sum, INV_THREADS_JOINED, e->t,
			        "%s thread of %s joined in the %s pass, expected the %s pass",
			        rt_side_name((enum rt_side)sd), dev, e->pass ? "main" : "prepare",
			        want ? "main" : "prepare");
		watch(tw, sd, t, false);
		t->open = false;
		break;
	}
	case TRACE_PASS_END:
		if (e->pass != TRACE_PASS_MAIN)
			break;
		for (size_t i = 0; i < w->n; i++) {
			struct open_thread *o = &tw->th[sd][i];
			if (!o->open)
				continue;
			violate(w->sum, INV_THREADS_JOINED, o->t,
			        "%s thread of %s spawned at %.6f s was not joined before the %s "
			        "notify ended",
			        rt_side_name((enum rt_side)sd), w->names[i], o->t,
			        rt_side_name((enum rt_side)sd));
			watch(tw, sd, o, false);
			o->open = false;
		}
		break;
	default:
		break;
	}
}

/* 0, or thread_walk_init's error. */
static int walk_invariants(struct walk *w)
{
	const struct trace *tr = w->tr;
	struct thread_walk tw;
	int rc = thread_walk_init(&tw, tr, w->n, w->sum);
	if (rc) {
		thread_walk_free(&tw);
		return rc;
	}
	for (size_t k = 0; k < tr->n; k++) {
		const struct trace_event *e = &tr->ev[k];
		thread_event(w, &tw, e);
		int sd = e->side;
		struct side_walk *sw = &w->side[sd & 1];
		switch (e->kind) {
		case TRACE_VM_STOP:
		case TRACE_VM_START: {
			struct side_walk *s2 = &w->side[e->kind == TRACE_VM_STOP ? 0 : 1];
			s2->active = true;
			s2->main_seen = false;
			memset(s2->reached, 0, w->n * sizeof *s2->reached);
			break;
		}
		case TRACE_PASS_BEGIN:
			sw->pass = e->pass;
			break;
		case TRACE_HANDLER_BEGIN:
			if (!sw->active)
				break;
			if (e->pass == TRACE_PASS_MAIN) {
				sw->main_seen = true;
				if (e->device < 0) {
					int d = first_not_in_p2p(w, sd);
					if (d >= 0)
						violate(w->sum, INV_P2P_BEFORE_NON_VFIO_MAIN, e->t,
						        "%s handler %s (main pass) ran at %.6f s "
						        "while %s "
						        "was not yet in its P2P state",
						        rt_side_name((enum rt_side)sd),
						        e->text ? e->text : "?", e->t, w->names[d]);
				}
			} else if (sw->main_seen) {
				violate(
				    w->sum, INV_PREPARE_BEFORE_MAIN, e->t,
				    "%s prepare handler %s ran at %.6f s after a main-pass handler",
				    rt_side_name((enum rt_side)sd), e->text ? e->text : "?", e->t);
			}
			break;
		case TRACE_ARC_BEGIN:
			if (sw->active && is_p2p_state(e->from) && !is_p2p_state(e->to)) {
				int d = first_not_in_p2p(w, sd);
				if (d >= 0)
					violate(
					    w->sum, INV_P2P_BEFORE_LEAVING, e->t,
					    "%s %s left %s (-> %s) at %.6f s before %s reached P2P",
					    rt_side_name((enum rt_side)sd), w->names[e->device],
					    vfio_state_name(e->from), vfio_state_name(e->to), e->t,
					    w->names[d]);
			}
			break;
		case TRACE_ARC_END:
			if (sw->active && !e->text && is_p2p_state(e->to) && e->device >= 0 &&
			    (size_t)e->device < w->n)
				sw->reached[e->device] = true;
			break;
		case TRACE_VM_RUNNING:
			w->side[1].active = false;
			break;
		case TRACE_MARK:
			/* The stop's passes end at the final query, or at a
			 * failure before it: recovery's VM start is no stop. */
			if (e->from == TRACE_MARK_FINAL_QUERY_END ||
			    e->from == TRACE_MARK_RECOVERY_BEGIN)
				w->side[0].active = false;
			break;
		default:
			break;
		}
	}
	thread_walk_free(&tw);
	return 0;
}

/* ---- phases, attribution, bounds ---------------------------------------- */

struct marks {
	double stop, src_prep_end, src_main_end, fq_end, sc_sent, vm_start, dst_prep_end, running;
	double setup;
};

static void find_marks(const struct trace *tr, struct marks *mk)
{
	double nan = NAN;
	*mk = (struct marks){nan, nan, nan, nan, nan, nan, nan, nan, nan};
	for (size_t k = 0; k < tr->n; k++) {
		const struct trace_event *e = &tr->ev[k];
		switch (e->kind) {
		case TRACE_SETUP:
			mk->setup = e->t;
			break;
		case TRACE_VM_STOP:
			mk->stop = e->t;
			break;
		case TRACE_PASS_END:
			if (e->side == RT_SIDE_SRC && !isnan(mk->stop))
				*(e->pass == TRACE_PASS_PREPARE ? &mk->src_prep_end
				                                : &mk->src_main_end) = e->t;
			else if (e->side == RT_SIDE_DST && e->pass == TRACE_PASS_PREPARE)
				mk->dst_prep_end = e->t;
			break;
		case TRACE_MARK:
			if (e->from == TRACE_MARK_FINAL_QUERY_END)
				mk->fq_end = e->t;
			else if (e->from == TRACE_MARK_STOPCOPY_SENT)
				mk->sc_sent = e->t;
			break;
		case TRACE_VM_START:
			mk->vm_start = e->t;
			break;
		case TRACE_VM_RUNNING:
			mk->running = e->t;
			break;
		default:
			break;
		}
	}
}

/* Work per (side, step) per device inside the downtime window, and the
 * non-VFIO handler time per (side, pass). */
struct step_work {
	double *work[2][2]; /* [side][step][device] */
	double handlers[2][2];
};

static void attribute(const struct trace *tr, const struct marks *mk, struct run_summary *sum,
                      struct step_work *sw)
{
	size_t n = sum->n_devices;
	GArray *arcs = trace_arcs(tr);
	for (guint k = 0; k < arcs->len; k++) {
		const struct trace_arc *arc = &g_array_index(arcs, struct trace_arc, k);
		const struct trace_event *e = arc->end;
		bool in_window = e->t >= mk->stop && e->t <= mk->running;
		if (!in_window || (e->pass != TRACE_PASS_PREPARE && e->pass != TRACE_PASS_MAIN))
			continue;
		int side = e->side & 1;
		struct device_attribution *a = &sum->dev[e->device];
		double dt = arc->begin ? e->t - arc->begin->t : 0;
		double *slot =
		    side == RT_SIDE_SRC
		        ? (e->pass == TRACE_PASS_PREPARE ? &a->src_prepare_s : &a->src_main_s)
		        : (e->pass == TRACE_PASS_PREPARE ? &a->dst_prepare_s : &a->dst_main_s);
		*slot += dt;
		sw->work[side][e->pass][e->device] += e->value;
	}
	g_array_unref(arcs);
	/* Non-VFIO handlers run one at a time in their side's notifying task. */
	double handler_begin[2] = {0, 0};
	for (size_t k = 0; k < tr->n; k++) {
		const struct trace_event *e = &tr->ev[k];
		bool in_window = e->t >= mk->stop && e->t <= mk->running;
		int side = e->side & 1;
		if (e->kind == TRACE_LOAD_END && e->device >= 0 && e->t > mk->stop &&
		    e->t <= mk->running) {
			sum->dev[e->device].load_s += e->value;
		} else if (e->kind == TRACE_SEND && e->device >= 0 && e->text &&
		           strcmp(e->text, "stop-copy") == 0) {
			sum->dev[e->device].stopcopy_bytes += (uint64_t)e->value;
		} else if (e->kind == TRACE_HANDLER_BEGIN && e->device < 0 && in_window) {
			handler_begin[side] = e->t;
		} else if (e->kind == TRACE_HANDLER_END && e->device < 0 && in_window &&
		           e->pass >= 0) {
			sw->handlers[side][e->pass] += e->t - handler_begin[side];
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct device_attribution *a = &sum->dev[i];
		a->total_s =
		    a->src_prepare_s + a->src_main_s + a->load_s + a->dst_prepare_s + a->dst_main_s;
	}
}

/* Ideal time of one transition step: the slowest device, or the busiest
 * contention domain (its work divided by its capacity), or the non-VFIO
 * handlers of that pass if they take longer. */
static double ideal_step(const struct scenario *s, const double *work, size_t n, double handlers,
                         double *serial)
{
	double best = handlers;
	double *domain = calloc(s->n_domains + 1, sizeof *domain);
	*serial += handlers;
	for (size_t i = 0; i < n; i++) {
		*serial += work[i];
		if (work[i] > best)
			best = work[i];
		int d = scenario_device_group(s, i, NULL)->domain;
		if (d >= 0 && domain)
			domain[d] += work[i];
	}
	for (size_t d = 0; domain && d < s->n_domains; d++)
		if (domain[d] / s->domains[d].capacity > best)
			best = domain[d] / s->domains[d].capacity;
	free(domain);
	return best;
}

static bool is_guard_state(const char *t)
{
	return t && (!strcmp(t, "pre-copy-p2p-prepare") || !strcmp(t, "pre-copy-p2p") ||
	             !strcmp(t, "running-p2p"));
}

/*
 * Switchover-ack counts and invariants, REINITs, ACK delay, waiting rounds,
 * recovery, and each source device's RDMA-guard lead time.  `req` has room
 * for n ints (requests minus ACKs per device).
 */
static void ack_and_events(const struct scenario *s, const struct trace *tr, const struct marks *mk,
                           struct run_summary *out, int *req, double *t_nonresp, double *t_guard,
                           const char *const *names)
{
	size_t n = out->n_devices;
	bool per_device = s->ack_src == ACK_NEW && s->ack_dst == ACK_NEW;
	double t_ready = NAN, t_switch = NAN, t_rec0 = NAN, t_rec1 = NAN;
	for (size_t i = 0; i < n; i++)
		t_nonresp[i] = t_guard[i] = NAN;
	for (size_t k = 0; k < tr->n; k++) {
		const struct trace_event *e = &tr->ev[k];
		bool dev = e->device >= 0 && (size_t)e->device < n;
		switch (e->kind) {
		case TRACE_ACK_REQUEST:
			out->acks_requested++;
			if (per_device && dev && ++req[e->device] > 1)
				violate(out, INV_ACK_PER_DEVICE, e->t,
				        "%s requested a switchover ACK at %.6f s with one already "
				        "outstanding",
				        names[e->device], e->t);
			break;
		case TRACE_ACK_SENT:
			out->acks_sent++;
			if (per_device && dev && --req[e->device] < 0)
				violate(
				    out, INV_ACK_PER_DEVICE, e->t,
				    "an ACK for %s was sent at %.6f s with no request outstanding",
				    names[e->device], e->t);
			break;
		case TRACE_ACK_RECV:
			out->acks_received++;
			if (e->value < 0)
				violate(out, INV_ACK_NO_UNDERFLOW, e->t,
				        "an ACK arrived at %.6f s with none pending (underflow)",
				        e->t);
			break;
		case TRACE_PRECOPY_INFO:
			out->reinits_seen += e->from != 0;
			break;
		case TRACE_ROUND:
			if (e->text) {
				out->rounds_waiting_ack++;
				out->rounds_added_by_reinit += strcmp(e->text, "reinit") == 0;
			}
			break;
		case TRACE_MARK:
			if (e->from == TRACE_MARK_READY)
				t_ready = e->t;
			else if (e->from == TRACE_MARK_RECOVERY_BEGIN)
				t_rec0 = e->t;
			else if (e->from == TRACE_MARK_RECOVERY_END)
				t_rec1 = e->t;
			break;
		case TRACE_SWITCHOVER:
			t_switch = e->t;
			break;
		case TRACE_QMP_EVENT:
			out->qmp_events++;
			if (dev && e->side == RT_SIDE_SRC && isnan(t_guard[e->device]) &&
			    is_guard_state(e->text))
				t_guard[e->device] = e->t;
			break;
		case TRACE_ARC_BEGIN:
			/* Non-responsive from its own first step toward P2P in the stop. */
			if (s->nonresponsive_from == NONRESPONSIVE_TRANSITION && dev &&
			    e->side == RT_SIDE_SRC && e->t >= mk->stop &&
			    isnan(t_nonresp[e->device]))
				t_nonresp[e->device] = e->t;
			break;
		default:
			break;
		}
	}
	out->ack_delay_s = t_switch - t_ready;
	out->recovery_s = t_rec1 - t_rec0;
	for (size_t i = 0; i < n; i++) {
		double nr =
		    s->nonresponsive_from == NONRESPONSIVE_VM_STOP ? mk->stop : t_nonresp[i];
		out->dev[i].event_lead_s = nr - t_guard[i];
		out->dev[i].qemu_save_s = out->dev[i].qemu_load_s = NAN;
		/* Only devices that went quiescent can miss the guard. */
		out->dev[i].rdma_miss = !isnan(nr) && !(t_guard[i] <= nr + s->rdma_timeout_s);
		out->rdma_guards += !isnan(nr);
		out->rdma_misses += out->dev[i].rdma_miss;
	}
}

int summary_from_trace(const struct scenario *s, const struct trace *tr,
                       const struct mig_result *res, struct run_summary *out)
{
	memset(out, 0, sizeof *out);
	if (tr->oom) {
		/* Events are missing: any downtime derived from it would be wrong. */
		snprintf(out->error, sizeof out->error,
		         "the trace is incomplete (out of memory while recording it)");
		out->status = -ENOMEM;
		return -ENOMEM;
	}
	size_t n = scenario_device_count(s);
	out->n_devices = n;
	out->status = res->status;
	snprintf(out->error, sizeof out->error, "%s", res->error);
	out->dev = calloc(n + 1, sizeof *out->dev);
	struct walk w = {.s = s, .tr = tr, .sum = out, .n = n};
	w.p2p_capable = calloc(n + 1, sizeof *w.p2p_capable);
	char **names = calloc(n + 1, sizeof *names);
	char *name_buf = calloc(n + 1, DEVICE_NAME_LEN);
	struct step_work sw = {0};
	int rc = -ENOMEM;
	for (int a = 0; a < 2; a++) {
		w.side[a].reached = calloc(n + 1, sizeof(bool));
		for (int b = 0; b < 2; b++)
			sw.work[a][b] = calloc(n + 1, sizeof(double));
	}
	if (!out->dev || !w.p2p_capable || !names || !name_buf || !w.side[0].reached ||
	    !w.side[1].reached || !sw.work[0][0] || !sw.work[0][1] || !sw.work[1][0] ||
	    !sw.work[1][1])
		goto out;
	for (size_t i = 0; i < n; i++) {
		w.p2p_capable[i] = scenario_device_group(s, i, NULL)->caps & VFIO_CAP_P2P;
		names[i] = name_buf + DEVICE_NAME_LEN * i;
		scenario_device_name(s, i, names[i], DEVICE_NAME_LEN);
	}
	w.names = (const char *const *)names;
	const struct strategy_ops *strategy = strategy_ops_of(s->strategy);
	w.collects_in_main_pass = strategy && strategy->collects_in_main_pass;
	for (int i = 0; i < INV_COUNT; i++)
		out->inv[i].held = true;
	w.side[0].pass = w.side[1].pass = -1;
	int walked = walk_invariants(&w);
	if (walked) {
		rc = walked;
		goto out;
	}

	struct marks mk;
	find_marks(tr, &mk);
	double bounds[PHASE_COUNT + 1] = {mk.stop,    mk.src_prep_end, mk.src_main_end, mk.fq_end,
	                                  mk.sc_sent, mk.vm_start,     mk.dst_prep_end, mk.running};
	/* A run's own marks are in order; marks of two ends placed on one
	 * clock (an imported QEMU migration: transport's or the importer's
	 * offset estimate) may not be, by the estimate's error or by
	 * rounding.  A phase is never negative: each boundary is at least
	 * the one before, and the phases still add up to the downtime. */
	for (int p = 1; p < PHASE_COUNT; p++)
		bounds[p] = fmin(fmax(bounds[p], bounds[p - 1]), bounds[PHASE_COUNT]);
	for (int p = 0; p < PHASE_COUNT; p++)
		out->phase_s[p] = bounds[p + 1] - bounds[p];
	out->downtime_s = mk.running - mk.stop;
	out->total_s = mk.running - mk.setup;

	for (size_t k = 0; k < tr->n; k++) {
		const struct trace_event *e = &tr->ev[k];
		if (e->kind == TRACE_ROUND)
			out->precopy_rounds++;
		else if (e->kind == TRACE_THREAD_SPAWN && (!e->text || e->pass < 0))
			out->threads_spawned++; /* created: not a hand-off to a pool worker */
		else if (e->kind == TRACE_SWITCHOVER && e->text) {
			snprintf(out->switchover_reason, sizeof out->switchover_reason, "%s",
			         e->text);
			out->forced_switchover = strncmp(e->text, "forced", 6) == 0;
		} else if (e->kind == TRACE_SEND && e->text) {
			if (strcmp(e->text, "precopy") == 0)
				out->precopy_bytes += (uint64_t)e->value;
			else if (!isnan(mk.stop) && e->t >= mk.stop)
				out->stopcopy_bytes += (uint64_t)e->value;
		}
	}

	attribute(tr, &mk, out, &sw);
	int *req = calloc(n + 1, sizeof *req);
	double *t_nonresp = calloc(n + 1, sizeof *t_nonresp);
	double *t_guard = calloc(n + 1, sizeof *t_guard);
	if (req && t_nonresp && t_guard)
		ack_and_events(s, tr, &mk, out, req, t_nonresp, t_guard, w.names);
	free(req);
	free(t_nonresp);
	free(t_guard);
	if (!req || !t_nonresp || !t_guard)
		goto out;
	double fixed = out->phase_s[PHASE_FINAL_QUERY] + out->phase_s[PHASE_STOPCOPY] +
	               out->phase_s[PHASE_DST_LOAD];
	out->bound_s = fixed;
	out->serial_s = fixed;
	for (int side = 0; side < 2; side++)
		for (int step = 0; step < 2; step++)
			out->bound_s += ideal_step(s, sw.work[side][step], n,
			                           sw.handlers[side][step], &out->serial_s);
	out->efficiency = out->bound_s / out->downtime_s;
	rc = 0;
out:
	for (int a = 0; a < 2; a++) {
		free(w.side[a].reached);
		for (int b = 0; b < 2; b++)
			free(sw.work[a][b]);
	}
	free(w.p2p_capable);
	free(names);
	free(name_buf);
	if (rc) {
		summary_free(out);
		if (rc == -ENOMEM)
			snprintf(out->error, sizeof out->error,
			         "out of memory summarising the run");
		out->status = rc;
	}
	return rc;
}

void summary_free(struct run_summary *sum)
{
	free(sum->dev);
	sum->dev = NULL;
}
