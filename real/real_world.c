/*
 * real_world.c - one run of a scenario on real threads, in this process:
 * build the pthread runtime with the scenario's link, one semaphore per
 * contention domain per side, the devices of both sides, run the engine as
 * the root task, tear down.  The same shape as sim_world.c, so both worlds
 * run a scenario the same way.
 */
#include "real_world.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "devices/emu.h"
#include "devices/null.h"
#include "devices/vfio.h"
#include "names.h"
#include "scenario_emit.h"
#include "transport.h"
#include "world.h"

static const char *const devices_words[] = {
    [REAL_DEVICES_AUTO] = "auto", [REAL_DEVICES_EMU] = "emu", [REAL_DEVICES_NULL] = "null"};
static const struct names devices_names = NAMES(devices_words);

int real_devices_parse(const char *name)
{
	return names_parse(&devices_names, name);
}

static bool is_zero(const struct dist *d)
{
	return d->kind == DIST_FIXED && d->a == 0;
}

bool real_world_group_is_free(const struct scenario *s, size_t group)
{
	const struct scn_device_group *g = &s->groups[group];
	if (g->state_bytes || g->initial_bytes || g->precopy_dirty_Bps > 0 || g->n_reinit_times ||
	    g->reinit_interval_s > 0 || g->final_check_failure > 0 ||
	    g->precopy_info_v2 != PRECOPY_V2_UNSUPPORTED || !is_zero(&g->query_latency))
		return false;
	for (size_t i = 0; i < SCENARIO_ARC_COUNT; i++)
		if (!is_zero(&g->arc_latency[scenario_arcs[i].from][scenario_arcs[i].to]))
			return false;
	for (size_t i = 0; i < s->n_faults; i++)
		if (s->faults[i].group == (int)group)
			return false;
	return true;
}

struct device_ctx {
	struct rt *rt;
	const struct scenario *s;
	const struct real_world_config *cfg;
	unsigned run;
	double io_timeout_s;
	int rc;        /* why a device could not be made: -ENOMEM, -ENODEV */
	char err[768]; /* ... in words */
};

static struct device *make_device(void *arg, size_t i, enum rt_side side, struct rt_sem *domain)
{
	struct device_ctx *c = arg;
	const struct scenario *s = c->s;
	const struct scn_device_group *g = scenario_device_group(s, i, NULL);
	/* The end another process plays: a placeholder the engine never uses. */
	bool other_end = (c->cfg->role == REAL_ROLE_SRC && side == RT_SIDE_DST) ||
	                 (c->cfg->role == REAL_ROLE_DST && side == RT_SIDE_SRC);
	if (g->backend == BACKEND_VFIO && !other_end) {
		struct device *d =
		    vfio_dev_new(s, i, side, c->cfg->warn, c->cfg->warn_ctx, c->err, sizeof c->err);
		if (!d)
			c->rc = -ENODEV;
		return d;
	}
	bool null = other_end || c->cfg->devices == REAL_DEVICES_NULL ||
	            (c->cfg->devices == REAL_DEVICES_AUTO &&
	             real_world_group_is_free(s, (size_t)(g - s->groups)));
	struct device *d = null ? null_dev_new(s, i, side)
	                        : emu_new(c->rt, s, i, side, c->run, domain, c->io_timeout_s);
	if (!d) {
		c->rc = -ENOMEM;
		snprintf(c->err, sizeof c->err, "out of memory setting up run %u", c->run);
	}
	return d;
}

/* ---- two processes ---- */

static const char *const phase_words[] = {
    [REAL_PHASE_HANDSHAKE] = "handshake",       [REAL_PHASE_SETUP] = "setup",
    [REAL_PHASE_PRECOPY] = "precopy",           [REAL_PHASE_STOPCOPY] = "stop-copy",
    [REAL_PHASE_DEVICE_STATE] = "device state", [REAL_PHASE_COMPLETION] = "completion",
    [REAL_PHASE_TRACES] = "trace exchange",
};
const struct names real_phase_names = NAMES(phase_words);

/* The engine's phase at frame f (the last record this end sent or read on
 * the broken channel, or on any; or the last before the peer's report of
 * its failure) and its time f->error_t: the setup records, precopy data,
 * the VM stop (in this end's trace: the source's), stop-copy data (marked
 * MIG_DATA_STOPCOPY, for the destination) or the switchover start, device
 * state packets, the end of the stream and the destination's report. */
static enum real_phase phase_at(const struct rtp_frame_seen *fs, const struct trace *tr)
{
	struct rtp_frame_seen f = *fs;
	bool stopped = false;
	for (size_t k = 0; k < tr->n && !stopped; k++)
		stopped = tr->ev[k].kind == TRACE_VM_STOP && tr->ev[k].t <= f.error_t;
	enum real_phase ph = stopped ? REAL_PHASE_STOPCOPY : REAL_PHASE_SETUP;
	if (!f.any)
		return ph;
	if (!strcmp(f.chan, "return-path"))
		return f.kind == MIG_RET_ACK ? (stopped ? REAL_PHASE_STOPCOPY : REAL_PHASE_PRECOPY)
		                             : REAL_PHASE_COMPLETION;
	switch ((enum mig_rec)f.kind) {
	case MIG_REC_SETUP:
	case MIG_REC_SETUP_DONE:
		return ph;
	case MIG_REC_RAM:
	case MIG_REC_DEV_DATA:
		/* the destination knows the VM stop from the record */
		return stopped || (f.value & MIG_DATA_STOPCOPY) ? REAL_PHASE_STOPCOPY
		                                                : REAL_PHASE_PRECOPY;
	case MIG_REC_DEV_FLAG:
		return stopped ? REAL_PHASE_STOPCOPY : REAL_PHASE_PRECOPY;
	case MIG_REC_SWITCHOVER_START:
		return REAL_PHASE_STOPCOPY;
	case MIG_REC_DEV_STATE:
		return REAL_PHASE_DEVICE_STATE;
	case MIG_REC_EOS:
	case MIG_REC_ABORT:
		break;
	}
	return REAL_PHASE_COMPLETION;
}

/* The time of this end's first failure in its trace (INFINITY: none). */
static double first_failure_t(const struct trace *tr)
{
	for (size_t k = 0; k < tr->n; k++)
		if (tr->ev[k].kind == TRACE_ERROR)
			return tr->ev[k].t;
	return INFINITY;
}

/* Put "PEER, in phase 'PHASE': " before the message in err. */
static void name_peer_phase(char *err, size_t errlen, const char *peer, enum real_phase ph)
{
	char why[600];
	snprintf(why, sizeof why, "%s", err);
	snprintf(err, errlen, "%s, in phase '%s': %s", peer, phase_words[ph], why);
}

/* The test fault's step on pseudo-channel `chan` ("handshake",
 * "trace-exchange"), or -1. */
static int test_cut(const struct real_world_config *cfg, const char *chan)
{
	const struct rtp_fault *f = cfg->fault;
	return f && f->action == RTP_FAULT_DISCONNECT && !strcmp(f->chan, chan) ? (int)f->nth : -1;
}

/* Connections of a two-process run: [0] the stream and, the other way, the
 * return path (as in QEMU); [1..m] the multifd channels; [m+1] the results
 * (the traces exchanged after the run). */
#define CONN_MAX (2 + SCENARIO_MAX_MULTIFD)

/* Both ends must run the same scenario (after --set), strategy and run. */
static uint64_t run_hash(const struct scenario *s, unsigned run)
{
	char *yaml = scenario_to_yaml(s);
	uint64_t h = yaml ? transport_hash(yaml, strlen(yaml)) : 0;
	free(yaml);
	return h ^ ((uint64_t)run + 1) * UINT64_C(0x9e3779b97f4a7c15);
}

/* Destination: the source's hello first (it says which connection this
 * is), then ours, then the checks, so both ends can say what differs.
 * -ENOMSG: the connection was not a switchover source at all.  `cut`
 * (a test's fault): -EPIPE instead of answering connection `cut`. */
static int accept_hello(int fd, struct transport_hello *mine, size_t n, int cut, double deadline,
                        char *err, size_t errlen)
{
	uint8_t buf[TRANSPORT_HELLO_BYTES];
	struct transport_hello peer;
	int rc = transport_recv_hello(fd, &peer, deadline, err, errlen);
	if (rc)
		return rc;
	mine->channel = peer.channel;
	if (cut == (int)peer.channel) {
		snprintf(err, errlen,
		         "this end closed its connection %d instead of answering its hello "
		         "(an injected fault)",
		         cut);
		return -EPIPE;
	}
	transport_encode_hello(buf, mine);
	if ((rc = transport_write_full(fd, buf, sizeof buf, deadline))) {
		snprintf(err, errlen, "sending the hello: %s", strerror(-rc));
		return rc;
	}
	if ((rc = transport_check_hello(mine, &peer, err, errlen)))
		return rc;
	if (peer.channel >= n) {
		snprintf(err, errlen, "the source opened connection %u, the scenario has %zu",
		         peer.channel, n);
		return -EPROTO;
	}
	return 0;
}

/* Destination: the next connection of the source, ignoring (with a
 * warning) any that is not a switchover source: a port scanner, an HTTP
 * request or a stray connect must not end a session that a real source
 * is about to join.  Waits until `deadline` for the connection; `peer`
 * gets the address of the last one accepted. */
static int accept_source(const struct real_world_config *cfg, struct transport_hello *mine,
                         size_t n, double deadline, double timeout, int *fd, char *peer,
                         size_t peerlen, char *err, size_t errlen)
{
	for (;;) {
		int rc = transport_accept(cfg->listen_fd, deadline, fd, peer, peerlen, err, errlen);
		if (rc)
			return rc;
		rc = accept_hello(*fd, mine, n, test_cut(cfg, "handshake"),
		                  transport_now() + timeout, err, errlen);
		if (!rc)
			return 0;
		if (rc != -ENOMSG) { /* the caller names the peer */
			close(*fd);
			*fd = -1;
			return rc;
		}
		close(*fd);
		*fd = -1;
		if (cfg->warn) {
			char msg[400];
			snprintf(msg, sizeof msg,
			         "ignored a connection from %s that is not a switchover source: %s",
			         peer, err);
			cfg->warn(cfg->warn_ctx, msg);
		}
		err[0] = '\0';
	}
}

static void close_all(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* Make the run's n connections (the source connects, the destination
 * accepts), each with its hellos.  *peer names the other end ("the
 * destination HOST:PORT", "the source HOST:PORT") once it is known. */
static int connect_all(const struct scenario *s, unsigned run, const struct real_world_config *cfg,
                       double timeout, int *fds, size_t n, char *peer, size_t peerlen, char *err,
                       size_t errlen)
{
	bool src = cfg->role == REAL_ROLE_SRC;
	struct transport_hello mine = {TRANSPORT_VERSION, src ? RT_SIDE_SRC : RT_SIDE_DST,
	                               (uint8_t)s->ack_src, 0, run_hash(s, run)};
	for (size_t i = 0; i < n; i++)
		fds[i] = -1;
	peer[0] = '\0';
	if (src)
		snprintf(peer, peerlen, "the destination %s", cfg->connect);
	for (size_t k = 0; k < n; k++) {
		int fd, rc;
		if (src) {
			rc = transport_connect(cfg->connect, transport_now() + timeout, &fd, err,
			                       errlen);
			if (rc)
				return rc;
			mine.channel = (uint8_t)k;
			if (test_cut(cfg, "handshake") == (int)k) {
				uint8_t hello[TRANSPORT_HELLO_BYTES];
				transport_encode_hello(hello, &mine);
				(void)transport_write_full(fd, hello, sizeof hello,
				                           transport_now() + timeout);
				snprintf(err, errlen,
				         "this end closed its connection %zu after its hello (an "
				         "injected fault)",
				         k);
				close(fd);
				return -EPIPE;
			}
			struct transport_hello theirs;
			rc = transport_handshake(fd, &mine, &theirs, transport_now() + timeout, err,
			                         errlen);
		} else {
			/* The first connection of the first run may wait as long as
			 * it takes the source to start; the others belong to a
			 * session under way, and a source that stopped between runs
			 * (interrupted, or failed before it connected) must not leave
			 * the destination waiting for ever. */
			double deadline = k || run ? transport_now() + timeout : INFINITY;
			char from[80] = "";
			rc = accept_source(cfg, &mine, n, deadline, timeout, &fd, from, sizeof from,
			                   err, errlen);
			if (!k && from[0])
				snprintf(peer, peerlen, "the source %s", from);
			if (rc == -ETIMEDOUT && !k)
				snprintf(
				    err, errlen,
				    "the source did not start run %u within the I/O timeout (%g s) "
				    "after run %u: it stopped (interrupted, or failed before it "
				    "connected)",
				    run, timeout, run - 1);
			if (rc)
				return rc;
			if (fds[mine.channel] >= 0) {
				snprintf(err, errlen, "the source opened connection %u twice",
				         mine.channel);
				rc = -EPROTO;
			}
		}
		if (rc) {
			close(fd);
			return rc;
		}
		fds[mine.channel] = fd;
	}
	return 0;
}

static void role_root_task(void *arg)
{
	struct world_root *r = arg;
	r->rc = r->cfg.src ? migration_run_source(&r->cfg, r->res)
	                   : migration_run_destination(&r->cfg, r->res);
}

/* Put the peer's events (times on its clock) into `tr`, in time order,
 * each end's own order kept: `to_run` turns the peer's clock into this
 * end's run time. */
static int merge_traces(struct trace *tr, const struct trace *peer, double to_run)
{
	struct trace merged;
	trace_init(&merged);
	size_t i = 0, j = 0;
	while (i < tr->n || j < peer->n) {
		bool mine = j == peer->n || (i < tr->n && tr->ev[i].t <= peer->ev[j].t + to_run);
		struct trace_event e = mine ? tr->ev[i++] : peer->ev[j++];
		if (!mine)
			e.t += to_run;
		trace_add(&merged, &e);
	}
	trace_free(tr);
	trace_init(tr);
	for (size_t k = 0; k < merged.n; k++)
		trace_add(tr, &merged.ev[k]);
	int oom = merged.oom || tr->oom;
	trace_free(&merged);
	return oom ? -ENOMEM : 0;
}

/* The steps of the trace exchange, in each end's order. */
enum exchange_step { XCHG_ASK, XCHG_ANSWER, XCHG_SEND, XCHG_RECV };
#define XCHG_STEPS 4
static const enum exchange_step exchange_src[XCHG_STEPS] = {XCHG_ASK, XCHG_ANSWER, XCHG_SEND,
                                                            XCHG_RECV};
static const enum exchange_step exchange_dst[XCHG_STEPS] = {XCHG_ANSWER, XCHG_ASK, XCHG_RECV,
                                                            XCHG_SEND};

/* After the run, on the results connection: clock offsets both ways, then
 * the source's trace to the destination and the destination's back.
 * `cut` (a test's fault): close the connection instead of sending this
 * end's message `cut` (0 and 1 the clocks, 2 the trace). */
static int exchange_traces(int fd, bool src, size_t n_devices, double t0, struct trace *tr,
                           double timeout, int cut, double *clock_error_s, char *err, size_t errlen)
{
	double deadline = transport_now() + timeout, offset = 0, rtt = 0;
	struct trace peer;
	trace_init(&peer);
	int rc = 0, sends = 0;
	for (int k = 0; !rc && k < XCHG_STEPS; k++) {
		enum exchange_step step = (src ? exchange_src : exchange_dst)[k];
		if (step != XCHG_RECV && sends++ == cut) {
			shutdown(fd, SHUT_RDWR);
			snprintf(err, errlen,
			         "this end closed the connection instead of its message %d of the "
			         "trace exchange (an injected fault)",
			         cut);
			trace_free(&peer);
			return -EPIPE;
		}
		switch (step) {
		case XCHG_ASK:
			rc = transport_clock_ask(fd, deadline, &offset, &rtt);
			break;
		case XCHG_ANSWER:
			rc = transport_clock_answer(fd, deadline);
			break;
		case XCHG_SEND:
			rc = transport_send_trace(fd, tr, t0, deadline);
			break;
		case XCHG_RECV:
			rc = transport_recv_trace(fd, n_devices, &peer, deadline, err, errlen);
			break;
		}
	}
	if (!rc && clock_error_s)
		*clock_error_s = rtt / 2;
	if (!rc)
		rc = merge_traces(tr, &peer, -offset - t0);
	else if (!err[0] || rc != -EPROTO)
		snprintf(err, errlen, "exchanging the traces with the peer: %s",
		         rc == -EPIPE ? "the peer closed the connection (it ended or was killed)"
		                      : strerror(-rc));
	trace_free(&peer);
	return rc;
}

/*
 * Add to a failed run's error what the connections say, after this end's
 * own first cause.  The cause is what failed first: a connection whose
 * failure reached the engine (a send or receive that failed) no later
 * than this end's first failure, or the peer's report of its failure
 * (two processes) read by then, explains it, and is said in parentheses
 * with the peer and the phase.  A connection that broke and failed the
 * engine only after that (the peer, told of this end's failure, ended
 * and closed) is a consequence: the error keeps this end's own failure
 * (a device, its arc and errno) as it is and says the peer's part after
 * it, after "; then ".  One that never failed a send or receive (the peer
 * closed when this end no longer used the connection) is not said.  peer
 * NULL: one process, whose channels fail only by an injected fault.
 */
static void explain_failure(struct rt *rt, const char *peer, const struct trace *trace,
                            struct mig_result *res)
{
	const char *why = rtp_last_error(rt);
	size_t len = strlen(res->error);
	char *out = res->error + len;
	size_t room = sizeof res->error - len;
	double first = first_failure_t(trace), chan_failed = rtp_chan_failed_t(rt);
	bool broke = why[0] != '\0' && isfinite(chan_failed);
	bool conn_first = broke && chan_failed <= first;
	if (!peer) {
		if (broke)
			snprintf(out, room, conn_first ? " (%s)" : "; then %s", why);
		return;
	}
	struct rtp_frame_seen conn, rep;
	rtp_last_error_frame(rt, &conn);
	bool rep_first = rtp_report_frame(rt, &rep) && rep.error_t <= first;
	if (conn_first && !(rep_first && rep.error_t < chan_failed))
		snprintf(out, room, " (%s, in phase '%s': %s)", peer,
		         phase_words[phase_at(&conn, trace)], why);
	else if (rep_first)
		/* The run failed on the peer's report of its failure, said with
		 * the phase of the last record before the report. */
		snprintf(out, room, " (%s, in phase '%s': its report; %s%s)", peer,
		         phase_words[phase_at(&rep, trace)], broke ? "then " : "no connection failed",
		         broke ? why : "");
	else if (broke)
		snprintf(out, room, "; then %s, in phase '%s': %s", peer,
		         phase_words[phase_at(&conn, trace)], why);
}

/*
 * Build the devices, run the engine as the root task (both ends, or the end
 * of cfg->role), tear the devices down.  -EDEADLK: tasks still use the
 * runtime and the devices, which are left alone (leaked on purpose).
 */
static int run_engine(struct rt *rt, const struct scenario *s, unsigned run,
                      const struct real_world_config *cfg, double io_timeout_s, const char *peer,
                      struct trace *trace, struct mig_result *res, char *err, size_t errlen)
{
	if (cfg->fault)
		rtp_set_fault(rt, cfg->fault);
	struct device_ctx dc = {rt, s, cfg, run, io_timeout_s, 0, ""};
	struct world_devices w;
	int rc = world_devices_new(&w, rt, s, make_device, &dc);
	if (rc) {
		snprintf(err, errlen, "%s",
		         dc.err[0] ? dc.err : "out of memory setting up the run");
		world_devices_free(&w);
		return dc.rc ? dc.rc : rc;
	}
	struct world_root root = world_root_of(&w, s, run, trace, res);
	rt_task_fn root_fn = world_root_task;
	if (cfg->role != REAL_ROLE_BOTH) {
		*(cfg->role == REAL_ROLE_SRC ? &root.cfg.dst : &root.cfg.src) = NULL;
		root_fn = role_root_task;
	}
	rc = rtp_run(rt, root_fn, &root, err, errlen);
	if (rc == -EDEADLK) {
		free(w.devs);
		free(w.domains);
		return rc;
	}
	if (rc == 0 && (rc = root.rc) != 0)
		snprintf(err, errlen, "%s", res->error);
	if (rc == 0 && res->status)
		explain_failure(rt, peer, trace, res);
	world_devices_free(&w);
	return rc;
}

static int run_role(const struct scenario *s, unsigned run, const struct real_world_config *cfg,
                    struct trace *trace, struct mig_result *res, char *err, size_t errlen)
{
	double io_timeout_s = cfg->io_timeout_s > 0 ? cfg->io_timeout_s : RTP_DEFAULT_IO_TIMEOUT_S;
	bool src = cfg->role == REAL_ROLE_SRC;
	size_t n = s->multifd_channels + 2;
	int fds[CONN_MAX];
	char peer[128];
	err[0] = '\0';
	int rc = connect_all(s, run, cfg, io_timeout_s, fds, n, peer, sizeof peer, err, errlen);
	if (rc) {
		if (peer[0])
			name_peer_phase(err, errlen, peer, REAL_PHASE_HANDSHAKE);
		close_all(fds, n);
		return rc;
	}
	struct rtp_config rc_cfg = {
	    .bandwidth_Bps = cfg->emulate_link ? s->bandwidth_Bps : 0,
	    .latency_s = cfg->emulate_link ? s->latency_s : 0,
	    .io_timeout_s = io_timeout_s,
	    .max_data_bytes = s->chunk_bytes,
	};
	struct rt *rt = rtp_new(&rc_cfg, err, errlen);
	if (!rt) {
		close_all(fds, n);
		return -EINVAL;
	}
	rtp_set_remote(rt, src ? RT_SIDE_SRC : RT_SIDE_DST);
	/* The peer's failure: the destination's report, the source's abort. */
	rtp_watch_report(rt, src ? "return-path" : "main", src ? MIG_RET_FAILED : MIG_REC_ABORT);
	rtp_bind_channel(rt, "main", fds[0]);
	rtp_bind_channel(rt, "return-path", fds[0]);
	for (unsigned i = 0; i < s->multifd_channels; i++) {
		char name[32];
		snprintf(name, sizeof name, "multifd%u", i);
		rtp_bind_channel(rt, name, fds[1 + i]);
	}
	rc = run_engine(rt, s, run, cfg, io_timeout_s, peer, trace, res, err, errlen);
	if (rc == -EDEADLK) {
		close_all(fds, n);
		return rc;
	}
	if (rc == 0) {
		rc = exchange_traces(fds[n - 1], src, scenario_device_count(s), rtp_run_start(rt),
		                     trace, io_timeout_s, test_cut(cfg, "trace-exchange"),
		                     cfg->clock_error_s, err, errlen);
		if (rc)
			name_peer_phase(err, errlen, peer, REAL_PHASE_TRACES);
		/* A peer that died mid-run fails the run here first: say that,
		 * not only that the traces could not be exchanged afterwards. */
		if (rc && res->status) {
			char why[300];
			snprintf(why, sizeof why, "%s", err);
			snprintf(err, errlen, "the run failed: %s; then %s", res->error, why);
		}
	}
	rtp_free(rt);
	close_all(fds, n);
	return rc;
}

int real_world_run(const struct scenario *s, unsigned run, const struct real_world_config *cfg,
                   struct trace *trace, struct mig_result *res, char *err, size_t errlen)
{
	memset(res, 0, sizeof *res);
	if (cfg->role != REAL_ROLE_BOTH)
		return run_role(s, run, cfg, trace, res, err, errlen);
	double io_timeout_s = cfg->io_timeout_s > 0 ? cfg->io_timeout_s : RTP_DEFAULT_IO_TIMEOUT_S;
	struct rtp_config rc_cfg = {
	    .bandwidth_Bps = s->bandwidth_Bps,
	    .latency_s = s->latency_s,
	    .io_timeout_s = io_timeout_s,
	    /* A device record carries at most one chunk: a longer one is garbage. */
	    .max_data_bytes = s->chunk_bytes,
	};
	struct rt *rt = rtp_new(&rc_cfg, err, errlen);
	if (!rt)
		return -EINVAL;
	int rc = run_engine(rt, s, run, cfg, io_timeout_s, NULL, trace, res, err, errlen);
	if (rc != -EDEADLK)
		rtp_free(rt);
	return rc;
}
