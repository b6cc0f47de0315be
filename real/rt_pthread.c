/*
 * rt_pthread.c - struct rt_ops on pthreads, CLOCK_MONOTONIC and sockets.
 *
 * A channel is a socketpair: the sending task writes framed bytes
 * (transport.c) into one end, a pump thread reads the other end into an
 * in-memory queue, and the receiving task takes frames from that queue.
 * The pump is what lets the far end buffer without limit as in sim: a
 * socket buffer alone would hold the sender back whenever the destination
 * loads slower than the link carries, moving time from the stop-copy phase
 * into the load phase and breaking the comparison with sim phase by phase.
 *
 * The link is emulated as sim_runtime.c does (see struct rt_chan there): the
 * sender reserves the link for (header + bytes) / bandwidth from when it is
 * free, stamps the frame with the end of that reservation (its last byte
 * leaves then), writes it, and sleeps to that time; the pump makes the frame
 * available one latency after the stamp.  Stamps travel beside the socket
 * in a queue in this process (the wire format stays that of a real link),
 * pushed before the bytes are written so the pump always finds its stamp.
 */
#include "rt_pthread.h"

#include <errno.h>
#include <glib.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cpu_phases.h"
#include "rt_config.h"
#include "transport.h"

#define DEFAULT_STACK_BYTES    ((size_t)256 * 1024)
#define DEFAULT_MAX_DATA_BYTES (UINT64_C(256) << 20)

struct rtp;

struct rt_task {
	struct rtp *p;
	pthread_t th;
	rt_task_fn fn;
	void *arg;
	bool claimed;                /* rtp_run is joining it */
	enum rt_side side;           /* the end it plays (its CPU's kind, rtp_cpu_begin) */
	struct rt_task *prev, *next; /* tasks not yet joined */
	char name[];
};

struct rt_mutex {
	pthread_mutex_t m;
};

/* QEMU's QemuEvent: set wakes everyone waiting at that moment, even if the
 * event is reset before they run, hence the generation counter. */
struct rt_event {
	pthread_mutex_t m;
	pthread_cond_t c;
	int set;
	unsigned gen;
};

struct rt_sem {
	pthread_mutex_t m;
	pthread_cond_t c;
	unsigned count;
};

struct rt_barrier {
	pthread_barrier_t b;
};

struct chan_slot {
	struct rt_frame f;
	double arrive; /* run time at which the receiver may have it */
};

struct rt_chan {
	struct rtp *p;
	enum rt_side from;
	int fd_tx, fd_rx;
	pthread_t pump;
	bool pump_started;
	pthread_mutex_t m;
	pthread_cond_t c; /* on CLOCK_MONOTONIC: frames or an error arrived */
	/* Both queues are GQueues under m, not GAsyncQueues: the receiver's
	 * wait also ends on rx_err or on the I/O timeout measured from
	 * last_heard, one condition over several fields, and ThreadSanitizer
	 * sees this pthread mutex (GLib's futex-based one it does not). */
	GQueue stamps;     /* departure times (double *), sender -> pump */
	GQueue q;          /* frames received, not yet taken (struct chan_slot *) */
	int rx_err;        /* why the pump stopped; recv returns it once q is empty */
	double last_heard; /* when the pump last read a frame or keepalive (m) */
	bool closing;      /* chan_free is shutting the pump down */
	bool borrowed;     /* the socket is a connection the caller owns (two processes) */
	/* The sending end: frames are written whole under tx_lock, by the
	 * sender or, while it is idle, by the heartbeat with a keepalive. */
	pthread_mutex_t tx_lock;
	int tx_err;       /* sends fail with this (tx_lock) */
	bool stalled;     /* an injected stall: nothing is written (tx_lock) */
	double last_sent; /* when the last frame was written (tx_lock) */
	unsigned fault_seen;
	struct rtp_frame_seen seen; /* its last frame sent or taken (rtp.lock) */
	struct rt_chan *next;       /* the rt's channels (rtp.lock) */
	void *held;                 /* payload of the frame the receiver has */
	char name[];
};

struct rtp {
	struct rt rt;
	struct rtp_config cfg;
	double t0; /* CLOCK_MONOTONIC at the start of the run */
	pthread_attr_t attr;
	pthread_mutex_t lock; /* tasks, link, last_error, fault */
	struct rt_task *tasks;
	double link_free[2]; /* run time at which each direction is free */
	struct rtp_fault fault;
	unsigned spawn_fault_seen; /* tasks matching a spawn fault so far */
	char last_error[256];
	struct rtp_frame_seen seen;          /* the last frame sent or taken */
	struct rtp_frame_seen seen_at_error; /* `seen` when last_error was set */
	/* Run time at which a channel operation first returned a failure to
	 * its caller (INFINITY: none yet): a connection that broke matters to
	 * the run only from then on. */
	double failed_t;
	/* The peer's report of its failure (rtp_watch_report): the frame of
	 * that kind read on that channel, and `seen` when it came. */
	char report_chan[32];
	uint32_t report_kind; /* 0: none watched */
	bool report_came;
	struct rtp_frame_seen seen_at_report;
	struct rt_chan *chans; /* every channel, for the heartbeat */
	/* Two processes: this rt plays `local`, its channels are connections. */
	bool remote;
	enum rt_side local;
	struct binding {
		char name[32];
		int fd;
	} bindings[2 + 64 + 1];
	size_t n_bindings;
	/* The heartbeat task of a run: keepalives on idle channels. */
	pthread_t heartbeat;
	pthread_cond_t hb_cv; /* CLOCK_MONOTONIC */
	bool hb_stop;
};

static struct rtp *rtp_of(struct rt *rt)
{
	return rt->priv;
}

static double run_now(struct rtp *p)
{
	return transport_now() - p->t0;
}

/* Sleep until CLOCK_MONOTONIC time t.  The timer wakes the thread 20-90 us
 * late on a VM even with a 1 ns slack (measured here).  Spinning out the
 * last 200 us would hide that, but on two CPUs the spinners stalled other
 * threads for a scheduler tick (4 ms) now and then: sim and real agreed
 * worse with it than without (bench/bench_agreement). */
static void nanosleep_until(double t)
{
	struct timespec ts;
	ts.tv_sec = (time_t)t;
	ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* The first failure wins: later ones are its consequences.  It happened
 * on channel `c` (NULL: none): the last frame that crossed it (else any
 * channel) says where the protocol was. */
__attribute__((format(printf, 3, 4))) static void
record_error(struct rtp *p, const struct rt_chan *c, const char *fmt, ...)
{
	pthread_mutex_lock(&p->lock);
	if (!p->last_error[0]) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(p->last_error, sizeof p->last_error, fmt, ap);
		va_end(ap);
		p->seen_at_error = c && c->seen.any ? c->seen : p->seen;
		p->seen_at_error.error_t = run_now(p);
	}
	pthread_mutex_unlock(&p->lock);
}

/* A channel operation returns failure rc to its caller (the engine). */
static int failed(struct rtp *p, int rc)
{
	pthread_mutex_lock(&p->lock);
	double now = run_now(p);
	if (now < p->failed_t)
		p->failed_t = now;
	pthread_mutex_unlock(&p->lock);
	return rc;
}

/* Frame `f` crossed channel `c` (sent by this end, or read by its pump:
 * `read`): the latest one is the protocol's point before a failure. */
static void note_frame(struct rtp *p, struct rt_chan *c, const struct rt_frame *f, bool read)
{
	pthread_mutex_lock(&p->lock);
	if (read && p->report_kind && f->kind == p->report_kind && !p->report_came &&
	    !strcmp(c->name, p->report_chan)) {
		p->report_came = true;
		p->seen_at_report = p->seen;
		p->seen_at_report.error_t = run_now(p);
	}
	p->seen = (struct rtp_frame_seen){.any = true, .kind = f->kind, .value = f->value};
	snprintf(p->seen.chan, sizeof p->seen.chan, "%s", c->name);
	c->seen = p->seen;
	pthread_mutex_unlock(&p->lock);
}

static int cond_init_monotonic(pthread_cond_t *c)
{
	pthread_condattr_t a;
	if (pthread_condattr_init(&a))
		return -1;
	int rc = pthread_condattr_setclock(&a, CLOCK_MONOTONIC) || pthread_cond_init(c, &a);
	pthread_condattr_destroy(&a);
	return rc ? -1 : 0;
}

static struct timespec abs_timespec(double t)
{
	/* A deadline past the range of time_t wrapped to the past: every wait
	 * then returned at once and the heartbeat spun (--io-timeout 1e20s). */
	if (!(t < 1e15))
		t = 1e15;
	struct timespec ts = {.tv_sec = (time_t)t};
	ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

/* ---- clock and tasks ---- */

static double op_now(struct rt *rt)
{
	return run_now(rtp_of(rt));
}

static void op_sleep(struct rt *rt, double seconds)
{
	(void)rt;
	if (seconds > 0)
		nanosleep_until(transport_now() + seconds);
}

/* Spin on the thread's CPU clock: time spent preempted does not count, so
 * the work takes longer on a loaded machine, as it does in sim on a host
 * with fewer cores than busy tasks. */
static void op_compute(struct rt *rt, double cpu_seconds)
{
	(void)rt;
	struct timespec ts;
	if (!(cpu_seconds > 0) || clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts))
		return;
	double end = (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9 + cpu_seconds;
	do
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	while ((double)ts.tv_sec + (double)ts.tv_nsec * 1e-9 < end);
}

/* ---- per-thread CPU accounting (rtp_cpu_accounting) ---- */

static atomic_bool cpu_on;
static pthread_mutex_t cpu_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rtp_cpu_kind *cpu_kinds;
static size_t cpu_n, cpu_cap;

void rtp_cpu_accounting(bool on)
{
	atomic_store(&cpu_on, on);
}

void rtp_cpu_note(const char *name)
{
	struct timespec ts;
	if (atomic_load(&cpu_on) && !clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts))
		rtp_cpu_add(name, (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9);
	rtp_cpu_end();
}

/* ---- CPU per window (rtp_cpu_windows) ---- */

struct win_thread {
	struct win_thread *prev, *next;
	clockid_t clk;
	double last; /* its CPU clock when last charged */
	char name[48];
};
static atomic_bool win_on;
static pthread_mutex_t win_lock = PTHREAD_MUTEX_INITIALIZER;
static rtp_cpu_charge_fn *win_fn;
static void *win_arg;
static int win_now;
static struct win_thread *win_threads;
static _Thread_local struct win_thread *win_self;

static double clock_s(clockid_t clk)
{
	struct timespec ts;
	if (clock_gettime(clk, &ts))
		return NAN;
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void rtp_cpu_windows(rtp_cpu_charge_fn *fn, void *arg)
{
	pthread_mutex_lock(&win_lock);
	win_fn = fn;
	win_arg = arg;
	win_now = 0;
	atomic_store(&win_on, fn != NULL);
	pthread_mutex_unlock(&win_lock);
}

void rtp_cpu_begin(const char *name)
{
	if (!atomic_load(&win_on) || win_self)
		return;
	struct win_thread *w = calloc(1, sizeof *w);
	if (!w || pthread_getcpuclockid(pthread_self(), &w->clk)) {
		free(w);
		return;
	}
	snprintf(w->name, sizeof w->name, "%s", name);
	pthread_mutex_lock(&win_lock);
	w->next = win_threads;
	if (win_threads)
		win_threads->prev = w;
	win_threads = w;
	pthread_mutex_unlock(&win_lock);
	win_self = w;
}

void rtp_cpu_end(void)
{
	struct win_thread *w = win_self;
	if (!w)
		return;
	win_self = NULL;
	pthread_mutex_lock(&win_lock);
	double now = clock_s(CLOCK_THREAD_CPUTIME_ID);
	if (win_fn)
		win_fn(win_arg, win_now, w->name, now > w->last ? now - w->last : 0, true);
	if (w->prev)
		w->prev->next = w->next;
	else
		win_threads = w->next;
	if (w->next)
		w->next->prev = w->prev;
	pthread_mutex_unlock(&win_lock);
	free(w);
}

double rtp_cpu_mark(int next, unsigned *threads)
{
	unsigned n = 0;
	pthread_mutex_lock(&win_lock);
	double own0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
	for (struct win_thread *w = win_threads; w; w = w->next, n++) {
		double now = w == win_self ? own0 : clock_s(w->clk);
		if (win_fn && now > w->last)
			win_fn(win_arg, win_now, w->name, now - w->last, false);
		if (now > w->last)
			w->last = now;
	}
	win_now = next;
	double own1 = clock_s(CLOCK_THREAD_CPUTIME_ID);
	if (win_self)
		win_self->last = own1; /* the reads are the probe's, not the caller's */
	pthread_mutex_unlock(&win_lock);
	if (threads)
		*threads = n;
	return own1 - own0;
}

void rtp_cpu_add(const char *name, double cpu_s)
{
	if (!atomic_load(&cpu_on))
		return;
	char kind[sizeof cpu_kinds->kind];
	cpu_kind_of(name, kind, sizeof kind);
	pthread_mutex_lock(&cpu_lock);
	size_t i = 0;
	while (i < cpu_n && strcmp(cpu_kinds[i].kind, kind))
		i++;
	if (i == cpu_n && cpu_n == cpu_cap) {
		size_t cap = cpu_cap ? 2 * cpu_cap : 16;
		struct rtp_cpu_kind *more = realloc(cpu_kinds, cap * sizeof *more);
		if (more) {
			cpu_kinds = more;
			cpu_cap = cap;
		}
	}
	if (i < cpu_cap) {
		if (i == cpu_n) {
			cpu_kinds[cpu_n++] = (struct rtp_cpu_kind){0};
			snprintf(cpu_kinds[i].kind, sizeof cpu_kinds[i].kind, "%s", kind);
		}
		cpu_kinds[i].threads++;
		cpu_kinds[i].cpu_s += cpu_s;
	}
	pthread_mutex_unlock(&cpu_lock);
}

struct rtp_cpu_kind *rtp_cpu_take(size_t *n)
{
	pthread_mutex_lock(&cpu_lock);
	struct rtp_cpu_kind *k = cpu_kinds;
	*n = cpu_n;
	cpu_kinds = NULL;
	cpu_n = cpu_cap = 0;
	pthread_mutex_unlock(&cpu_lock);
	return k;
}

static void *task_main(void *arg)
{
	struct rt_task *t = arg;
	/* Emulated device arcs are sleeps: the default 50 us slack would add
	 * that much to every arc, and sim has none. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	char short_name[16];
	snprintf(short_name, sizeof short_name, "%s", t->name);
	pthread_setname_np(pthread_self(), short_name);
	if (atomic_load(&win_on)) {
		char kind[64];
		cpu_task_name(t->side == RT_SIDE_DST, t->name, kind, sizeof kind);
		rtp_cpu_begin(kind);
	}
	t->fn(t->arg);
	rtp_cpu_note(t->name);
	return NULL;
}

static void task_unlink(struct rtp *p, struct rt_task *t)
{
	if (t->prev)
		t->prev->next = t->next;
	else
		p->tasks = t->next;
	if (t->next)
		t->next->prev = t->prev;
}

static struct rt_task *op_spawn(struct rt *rt, enum rt_side side, const char *name, rt_task_fn fn,
                                void *arg)
{
	struct rtp *p = rtp_of(rt); /* one process plays both sides */
	pthread_mutex_lock(&p->lock);
	bool refuse =
	    p->fault.action == RTP_FAULT_SPAWN &&
	    strncmp(name, p->fault.chan, strnlen(p->fault.chan, sizeof p->fault.chan)) == 0 &&
	    p->spawn_fault_seen++ == p->fault.nth;
	pthread_mutex_unlock(&p->lock);
	if (refuse)
		return NULL;
	size_t len = strlen(name);
	struct rt_task *t = calloc(1, sizeof *t + len + 1);
	if (!t)
		return NULL;
	memcpy(t->name, name, len + 1);
	t->p = p;
	t->side = side;
	t->fn = fn;
	t->arg = arg;
	pthread_mutex_lock(&p->lock);
	t->next = p->tasks;
	if (p->tasks)
		p->tasks->prev = t;
	p->tasks = t;
	pthread_mutex_unlock(&p->lock);
	if (pthread_create(&t->th, &p->attr, task_main, t)) {
		pthread_mutex_lock(&p->lock);
		task_unlink(p, t);
		pthread_mutex_unlock(&p->lock);
		free(t);
		return NULL;
	}
	return t;
}

static void op_join(struct rt *rt, struct rt_task *t)
{
	struct rtp *p = rtp_of(rt);
	pthread_join(t->th, NULL);
	pthread_mutex_lock(&p->lock);
	task_unlink(p, t);
	pthread_mutex_unlock(&p->lock);
	free(t);
}

/* ---- mutex, event, semaphore, barrier ---- */

static struct rt_mutex *op_mutex_new(struct rt *rt)
{
	(void)rt;
	struct rt_mutex *m = malloc(sizeof *m);
	if (m && pthread_mutex_init(&m->m, NULL)) {
		free(m);
		return NULL;
	}
	return m;
}

static void op_mutex_lock(struct rt_mutex *m)
{
	pthread_mutex_lock(&m->m);
}
static void op_mutex_unlock(struct rt_mutex *m)
{
	pthread_mutex_unlock(&m->m);
}

static void op_mutex_free(struct rt_mutex *m)
{
	if (!m)
		return;
	pthread_mutex_destroy(&m->m);
	free(m);
}

static struct rt_event *op_event_new(struct rt *rt)
{
	(void)rt;
	struct rt_event *e = calloc(1, sizeof *e);
	if (!e)
		return NULL;
	if (pthread_mutex_init(&e->m, NULL)) {
		free(e);
		return NULL;
	}
	if (pthread_cond_init(&e->c, NULL)) {
		pthread_mutex_destroy(&e->m);
		free(e);
		return NULL;
	}
	return e;
}

static void op_event_set(struct rt_event *e)
{
	pthread_mutex_lock(&e->m);
	bool wake = !e->set;
	if (wake) {
		e->set = 1;
		e->gen++;
	}
	pthread_mutex_unlock(&e->m);
	if (wake)
		pthread_cond_broadcast(&e->c);
}

static void op_event_reset(struct rt_event *e)
{
	pthread_mutex_lock(&e->m);
	e->set = 0;
	pthread_mutex_unlock(&e->m);
}

static void op_event_wait(struct rt_event *e)
{
	pthread_mutex_lock(&e->m);
	unsigned gen = e->gen;
	while (!e->set && e->gen == gen)
		pthread_cond_wait(&e->c, &e->m);
	pthread_mutex_unlock(&e->m);
}

static void op_event_free(struct rt_event *e)
{
	if (!e)
		return;
	pthread_cond_destroy(&e->c);
	pthread_mutex_destroy(&e->m);
	free(e);
}

static struct rt_sem *op_sem_new(struct rt *rt, unsigned initial)
{
	(void)rt;
	struct rt_sem *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	if (pthread_mutex_init(&s->m, NULL)) {
		free(s);
		return NULL;
	}
	if (pthread_cond_init(&s->c, NULL)) {
		pthread_mutex_destroy(&s->m);
		free(s);
		return NULL;
	}
	s->count = initial;
	return s;
}

static void op_sem_acquire(struct rt_sem *s)
{
	pthread_mutex_lock(&s->m);
	while (s->count == 0)
		pthread_cond_wait(&s->c, &s->m);
	s->count--;
	pthread_mutex_unlock(&s->m);
}

/* Signalled after the unlock: a waiter woken while the mutex is still held
 * blocks on it at once and has to be woken a second time by the unlock,
 * which on this VM is a second cross-CPU wake-up on the releaser's time
 * (a pool hand-off cost 4-11 us that way, 5-6 us this way; bench_threads).
 * Safe because a semaphore is freed only after every task using it was
 * joined (runtime.h), so none is still inside this call. */
static void op_sem_release(struct rt_sem *s)
{
	pthread_mutex_lock(&s->m);
	s->count++;
	pthread_mutex_unlock(&s->m);
	pthread_cond_signal(&s->c);
}

static void op_wake(struct rt *rt, struct rt_sem *s)
{
	(void)rt;
	op_sem_release(s);
}

static void op_sem_free(struct rt_sem *s)
{
	if (!s)
		return;
	pthread_cond_destroy(&s->c);
	pthread_mutex_destroy(&s->m);
	free(s);
}

/* NULL when count is 0 (as in sim) or on ENOMEM. */
static struct rt_barrier *op_barrier_new(struct rt *rt, unsigned count)
{
	(void)rt;
	if (count == 0)
		return NULL;
	struct rt_barrier *b = malloc(sizeof *b);
	if (b && pthread_barrier_init(&b->b, NULL, count)) {
		free(b);
		return NULL;
	}
	return b;
}

static void op_barrier_wait(struct rt_barrier *b)
{
	pthread_barrier_wait(&b->b);
}

static void op_barrier_free(struct rt_barrier *b)
{
	if (!b)
		return;
	pthread_barrier_destroy(&b->b);
	free(b);
}

/* The socket a channel name is bound to in two-process mode, or -1. */
static int binding_of(struct rtp *p, const char *name)
{
	for (size_t i = 0; i < p->n_bindings; i++)
		if (!strcmp(p->bindings[i].name, name))
			return p->bindings[i].fd;
	return -1;
}

/* ---- channels ---- */

static void pump_stop(struct rt_chan *c, int rc, const char *why)
{
	/* Record the reason before the receiver can see the failure: once it
	 * has, the run may end and its caller read the error at once. */
	pthread_mutex_lock(&c->m);
	bool report = !c->closing;
	pthread_mutex_unlock(&c->m);
	if (report)
		record_error(c->p, c, "channel '%s': %s", c->name, why);
	pthread_mutex_lock(&c->m);
	c->rx_err = rc;
	pthread_cond_broadcast(&c->c);
	pthread_mutex_unlock(&c->m);
	/* The sender must notice too, as it would when a real peer drops the
	 * connection after a protocol error. */
	shutdown(c->fd_rx, SHUT_RDWR);
}

static void *pump_main(void *arg)
{
	struct rt_chan *c = arg;
	struct rtp *p = c->p;
	char err[200];
	if (atomic_load(&win_on)) {
		char name[48];
		snprintf(name, sizeof name, "%s pump-%s", c->from == RT_SIDE_SRC ? "dst" : "src",
		         c->name);
		rtp_cpu_begin(name);
	}
	for (;;) {
		struct rt_frame f;
		void *payload;
		err[0] = '\0';
		/* Between frames the stream may be idle for as long as the source
		 * likes (recv's timeout judges that); inside a frame it may not. */
		int rc = transport_wait_readable(c->fd_rx, INFINITY);
		if (!rc)
			rc = transport_recv_frame(
			    c->fd_rx, p->cfg.max_data_bytes, transport_now() + p->cfg.io_timeout_s,
			    p->cfg.io_timeout_s, &f, &payload, err, sizeof err);
		if (rc < 0) {
			if (rc == -EINTR)
				snprintf(err, sizeof err, "interrupted (SIGINT or SIGTERM)");
			else if (!err[0])
				snprintf(err, sizeof err, "%s", strerror(-rc));
			pump_stop(c, rc, err);
			rtp_cpu_note("pump");
			return NULL;
		}
		if (rc != 1) /* before the receiver can take it (and fail on it) */
			note_frame(p, c, &f, true);
		pthread_mutex_lock(&c->m);
		c->last_heard = transport_now();
		if (rc == 1) { /* keepalive: only proof of life */
			pthread_mutex_unlock(&c->m);
			continue;
		}
		double arrive = run_now(p) + (p->remote ? p->cfg.latency_s : 0);
		double *stamp = g_queue_pop_head(&c->stamps);
		if (stamp) {
			arrive = *stamp + p->cfg.latency_s;
			g_free(stamp);
		}
		/* g_try_: out of memory fails the channel with an error, as any
		 * broken channel does, instead of aborting the process. */
		struct chan_slot *slot = g_try_new(struct chan_slot, 1);
		if (slot) {
			*slot = (struct chan_slot){f, arrive};
			g_queue_push_tail(&c->q, slot);
			pthread_cond_broadcast(&c->c);
		}
		pthread_mutex_unlock(&c->m);
		if (!slot) {
			free(payload);
			pump_stop(c, -ENOMEM, "out of memory queueing a frame");
			rtp_cpu_note("pump");
			return NULL;
		}
	}
}

static struct rt_chan *op_chan_new(struct rt *rt, enum rt_side from, const char *name)
{
	struct rtp *p = rtp_of(rt);
	size_t len = strlen(name);
	struct rt_chan *c = calloc(1, sizeof *c + len + 1);
	if (!c)
		return NULL;
	memcpy(c->name, name, len + 1);
	c->p = p;
	c->from = from;
	c->fd_tx = c->fd_rx = -1;
	int fds[2];
	if (pthread_mutex_init(&c->m, NULL)) {
		free(c);
		return NULL;
	}
	if (pthread_mutex_init(&c->tx_lock, NULL)) {
		pthread_mutex_destroy(&c->m);
		free(c);
		return NULL;
	}
	if (cond_init_monotonic(&c->c)) {
		pthread_mutex_destroy(&c->tx_lock);
		pthread_mutex_destroy(&c->m);
		free(c);
		return NULL;
	}
	/* CLOCK_MONOTONIC, not run time: a channel may outlive a run. */
	c->last_heard = c->last_sent = transport_now();
	if (p->remote) {
		/* One end of a connection to the other process. */
		int fd = binding_of(p, name);
		if (fd < 0) {
			record_error(p, NULL, "channel '%s': no connection for it", name);
			rt->ops->chan_free(c);
			return NULL;
		}
		c->borrowed = true;
		*(from == p->local ? &c->fd_tx : &c->fd_rx) = fd;
	} else if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds)) {
		rt->ops->chan_free(c);
		return NULL;
	} else {
		c->fd_tx = fds[0];
		c->fd_rx = fds[1];
		transport_grow_send_buffer(c->fd_tx);
	}
	if (c->fd_rx >= 0 && pthread_create(&c->pump, &p->attr, pump_main, c)) {
		rt->ops->chan_free(c);
		return NULL;
	}
	c->pump_started = c->fd_rx >= 0;
	pthread_mutex_lock(&p->lock);
	c->next = p->chans;
	p->chans = c;
	pthread_mutex_unlock(&p->lock);
	return c;
}

/* Does the armed fault apply to this frame?  Counts matching frames. */
static enum rtp_fault_action fault_for(struct rt_chan *c, const struct rt_frame *f)
{
	struct rtp *p = c->p;
	enum rtp_fault_action a = RTP_FAULT_NONE;
	pthread_mutex_lock(&p->lock);
	const struct rtp_fault *ft = &p->fault;
	if (ft->action != RTP_FAULT_NONE && ft->action != RTP_FAULT_SPAWN &&
	    !strcmp(ft->chan, c->name) && (!ft->kind || ft->kind == f->kind) &&
	    (!ft->match_value || ft->value == f->value) && c->fault_seen++ == ft->nth)
		a = ft->action;
	pthread_mutex_unlock(&p->lock);
	return a;
}

/* Perform an injected fault instead of sending `f`; returns send's result,
 * a paused send's failure said in err. */
static int inject(struct rt_chan *c, const struct rt_frame *f, enum rtp_fault_action a,
                  double deadline, char *err, size_t errlen)
{
	uint8_t hdr[TRANSPORT_HDR_BYTES];
	transport_encode_hdr(hdr, f, TRANSPORT_VERSION);
	switch (a) {
	case RTP_FAULT_DISCONNECT:
		/* The peer is another process: this end says what it did, before
		 * its own channels see the connection end. */
		if (c->p->remote)
			record_error(c->p, c,
			             "channel '%s': this end closed the connection instead of "
			             "sending its frame %u (an injected fault)",
			             c->name, c->p->fault.nth);
		shutdown(c->fd_tx, SHUT_RDWR);
		return c->tx_err = -EPIPE;
	case RTP_FAULT_TRUNCATE:
		if (f->bytes == 0)
			transport_write_full(c->fd_tx, hdr, sizeof hdr / 2, deadline);
		else if (!transport_write_full(c->fd_tx, hdr, sizeof hdr, deadline))
			transport_write_filler(c->fd_tx, (f->bytes + 1) / 2, deadline);
		shutdown(c->fd_tx, SHUT_RDWR);
		return c->tx_err = -EPIPE;
	case RTP_FAULT_GARBAGE:
		memset(hdr, 0xa5, sizeof hdr);
		return transport_write_full(c->fd_tx, hdr, sizeof hdr, deadline);
	case RTP_FAULT_BAD_VERSION:
		return transport_send_frame(c->fd_tx, f, TRANSPORT_VERSION + 1, deadline, NULL, 0);
	case RTP_FAULT_CORRUPT: {
		uint8_t *copy = f->data && f->bytes ? malloc((size_t)f->bytes) : NULL;
		if (!copy)
			return transport_send_frame(c->fd_tx, f, TRANSPORT_VERSION, deadline, NULL,
			                            0);
		memcpy(copy, f->data, (size_t)f->bytes);
		copy[f->bytes / 2] ^= 0x01;
		struct rt_frame bad = *f;
		bad.data = copy;
		int rc = transport_send_frame(c->fd_tx, &bad, TRANSPORT_VERSION, deadline, NULL, 0);
		free(copy);
		return rc;
	}
	case RTP_FAULT_PAUSE:
		nanosleep_until(transport_now() + c->p->fault.seconds);
		return transport_send_frame(c->fd_tx, f, TRANSPORT_VERSION,
		                            deadline + c->p->fault.seconds, err, errlen);
	case RTP_FAULT_STALL:
		c->stalled = true;
		return transport_write_full(c->fd_tx, hdr, sizeof hdr / 2, deadline);
	case RTP_FAULT_NONE:
	case RTP_FAULT_SPAWN: /* a spawn fault never reaches a channel (fault_for) */
		break;
	}
	return 0;
}

static int op_chan_send(struct rt_chan *c, const struct rt_frame *f)
{
	struct rtp *p = c->p;
	pthread_mutex_lock(&c->tx_lock);
	int broken = c->tx_err;
	pthread_mutex_unlock(&c->tx_lock);
	if (broken)
		return failed(p, broken);
	enum rtp_fault_action fault = fault_for(c, f);
	double cost =
	    p->cfg.bandwidth_Bps > 0
	        ? ((double)RT_FRAME_HEADER_BYTES + (double)f->bytes) / p->cfg.bandwidth_Bps
	        : 0;
	pthread_mutex_lock(&p->lock);
	double now = run_now(p);
	double *link = &p->link_free[c->from == RT_SIDE_DST];
	/* The link queues one frame, as a NIC does: a sender back within this
	 * frame's time of the link going idle (it was reading its next chunk,
	 * which sim does not charge) would have queued it, so it follows back
	 * to back; a sender later than that left the link idle meanwhile. */
	double start = now <= *link + cost ? *link : now;
	double depart = start + cost;
	*link = depart;
	pthread_mutex_unlock(&p->lock);

	int rc = 0;
	if (!p->remote) { /* the pump here needs the stamp; a remote one adds latency itself */
		double *stamp = g_try_new(double, 1);
		if (!stamp)
			return failed(p, -ENOMEM);
		*stamp = depart;
		pthread_mutex_lock(&c->m);
		g_queue_push_tail(&c->stamps, stamp);
		pthread_mutex_unlock(&c->m);
	}

	double deadline = transport_now() + p->cfg.io_timeout_s;
	char err[200];
	pthread_mutex_lock(&c->tx_lock);
	if (fault != RTP_FAULT_NONE)
		rc = inject(c, f, fault, deadline, err, sizeof err);
	else if (!c->stalled)
		rc =
		    transport_send_frame(c->fd_tx, f, TRANSPORT_VERSION, deadline, err, sizeof err);
	if (rc)
		c->tx_err = rc;
	else
		c->last_sent = transport_now();
	pthread_mutex_unlock(&c->tx_lock);
	if (rc) {
		/* An injected failure says itself (or is the peer's to see); a
		 * late send fails as any send does. */
		if (fault == RTP_FAULT_NONE || fault == RTP_FAULT_PAUSE)
			record_error(p, c, "channel '%s': %s", c->name, err);
		return failed(p, rc);
	}
	note_frame(p, c, f, false);
	nanosleep_until(p->t0 + depart);
	return 0;
}

static int op_chan_recv(struct rt_chan *c, struct rt_frame *f)
{
	struct rtp *p = c->p;
	free(c->held);
	c->held = NULL;
	/* Dead: nothing, not even a keepalive, for the I/O timeout while we
	 * wait.  A silent but live sender keeps the wait going. */
	double since = transport_now();
	pthread_mutex_lock(&c->m);
	for (;;) {
		if (c->q.length || c->rx_err)
			break;
		double heard = c->last_heard > since ? c->last_heard : since;
		if (transport_now() >= heard + p->cfg.io_timeout_s)
			break;
		struct timespec deadline = abs_timespec(heard + p->cfg.io_timeout_s);
		pthread_cond_timedwait(&c->c, &c->m, &deadline);
	}
	if (c->q.length == 0) {
		bool timed_out = !c->rx_err;
		int err = timed_out ? -ETIMEDOUT : c->rx_err;
		/* The silence measured, so a timeout can be checked against it. */
		double silence = transport_now() - (c->last_heard > since ? c->last_heard : since);
		pthread_mutex_unlock(&c->m);
		if (timed_out)
			record_error(p, c,
			             "channel '%s': nothing from the peer for %.3f s (the I/O "
			             "timeout: %.3g s)",
			             c->name, silence, p->cfg.io_timeout_s);
		return failed(p, err);
	}
	struct chan_slot *slot = g_queue_pop_head(&c->q);
	struct chan_slot s = *slot;
	g_free(slot);
	pthread_mutex_unlock(&c->m);
	if (s.arrive > run_now(p))
		nanosleep_until(p->t0 + s.arrive);
	*f = s.f;
	c->held = s.f.data;
	return 0;
}

static void op_chan_free(struct rt_chan *c)
{
	if (!c)
		return;
	struct rtp *p = c->p;
	pthread_mutex_lock(&p->lock);
	for (struct rt_chan **pp = &p->chans; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	pthread_mutex_unlock(&p->lock);
	pthread_mutex_lock(&c->m);
	c->closing = true;
	pthread_mutex_unlock(&c->m);
	/* A borrowed connection may carry the other direction for another
	 * channel (the return path beside the stream): only this one ends. */
	if (c->fd_tx >= 0)
		shutdown(c->fd_tx, c->borrowed ? SHUT_WR : SHUT_RDWR);
	if (c->fd_rx >= 0)
		shutdown(c->fd_rx, c->borrowed ? SHUT_RD : SHUT_RDWR);
	if (c->pump_started)
		pthread_join(c->pump, NULL);
	if (c->fd_tx >= 0 && !c->borrowed)
		close(c->fd_tx);
	if (c->fd_rx >= 0 && !c->borrowed)
		close(c->fd_rx);
	for (struct chan_slot *slot; (slot = g_queue_pop_head(&c->q));) {
		free(slot->f.data);
		g_free(slot);
	}
	g_queue_clear_full(&c->stamps, g_free);
	free(c->held);
	pthread_cond_destroy(&c->c);
	pthread_mutex_destroy(&c->tx_lock);
	pthread_mutex_destroy(&c->m);
	free(c);
}

static const struct rt_ops rtp_ops = {
    .now = op_now,
    .sleep = op_sleep,
    .compute = op_compute,
    .spawn = op_spawn,
    .join = op_join,
    .wake = op_wake,
    .mutex_new = op_mutex_new,
    .mutex_lock = op_mutex_lock,
    .mutex_unlock = op_mutex_unlock,
    .mutex_free = op_mutex_free,
    .event_new = op_event_new,
    .event_set = op_event_set,
    .event_reset = op_event_reset,
    .event_wait = op_event_wait,
    .event_free = op_event_free,
    .sem_new = op_sem_new,
    .sem_acquire = op_sem_acquire,
    .sem_release = op_sem_release,
    .sem_free = op_sem_free,
    .barrier_new = op_barrier_new,
    .barrier_wait = op_barrier_wait,
    .barrier_free = op_barrier_free,
    .chan_new = op_chan_new,
    .chan_send = op_chan_send,
    .chan_recv = op_chan_recv,
    .chan_free = op_chan_free,
};

/* ---- two processes ---- */

void rtp_set_remote(struct rt *rt, enum rt_side local)
{
	struct rtp *p = rtp_of(rt);
	p->remote = true;
	p->local = local;
}

int rtp_bind_channel(struct rt *rt, const char *name, int fd)
{
	struct rtp *p = rtp_of(rt);
	if (p->n_bindings == sizeof p->bindings / sizeof p->bindings[0] ||
	    strlen(name) >= sizeof p->bindings[0].name)
		return -ENOSPC;
	snprintf(p->bindings[p->n_bindings].name, sizeof p->bindings[0].name, "%s", name);
	p->bindings[p->n_bindings++].fd = fd;
	return 0;
}

/* ---- heartbeat ---- */

/* Every quarter of the I/O timeout, a keepalive on each channel whose
 * sender has written nothing for that long, unless the sender is busy
 * (it holds tx_lock) or the channel is broken or stalled. */
static void *heartbeat_main(void *arg)
{
	struct rtp *p = arg;
	double period = p->cfg.io_timeout_s / 4;
	rtp_cpu_begin("heartbeat");
	pthread_mutex_lock(&p->lock);
	while (!p->hb_stop) {
		struct timespec next = abs_timespec(transport_now() + period);
		pthread_cond_timedwait(&p->hb_cv, &p->lock, &next);
		for (struct rt_chan *c = p->chans; c && !p->hb_stop; c = c->next) {
			if (c->fd_tx < 0 || pthread_mutex_trylock(&c->tx_lock))
				continue;
			double now = transport_now();
			if (!c->tx_err && !c->stalled && now - c->last_sent >= period &&
			    transport_send_keepalive(c->fd_tx, now + period) == 0)
				c->last_sent = now;
			pthread_mutex_unlock(&c->tx_lock);
		}
	}
	pthread_mutex_unlock(&p->lock);
	rtp_cpu_end();
	return NULL;
}

/* ---- the runtime ---- */

static bool config_ok(const struct rtp_config *c, char *why, size_t len)
{
	const struct rt_config_number v[] = {
	    {"bandwidth_Bps", c->bandwidth_Bps, false, " (0: no pacing)"},
	    {"latency_s", c->latency_s, false, NULL},
	    {"io_timeout_s", c->io_timeout_s, true, NULL},
	};
	return rt_config_ok(v, sizeof(v) / sizeof(v[0]), why, len);
}

struct rt *rtp_new(const struct rtp_config *cfg, char *err, size_t errlen)
{
	char bad[128];
	if (!config_ok(cfg, bad, sizeof bad)) {
		if (err && errlen)
			snprintf(err, errlen, "invalid real runtime configuration: %s", bad);
		return NULL;
	}
	struct rtp *p = calloc(1, sizeof *p);
	if (!p)
		goto oom;
	p->cfg = *cfg;
	if (!p->cfg.max_data_bytes)
		p->cfg.max_data_bytes = DEFAULT_MAX_DATA_BYTES;
	if (!p->cfg.stack_bytes)
		p->cfg.stack_bytes = DEFAULT_STACK_BYTES;
	if (pthread_mutex_init(&p->lock, NULL)) {
		free(p);
		goto oom;
	}
	if (cond_init_monotonic(&p->hb_cv)) {
		pthread_mutex_destroy(&p->lock);
		free(p);
		goto oom;
	}
	if (pthread_attr_init(&p->attr) ||
	    pthread_attr_setstacksize(&p->attr, p->cfg.stack_bytes)) {
		pthread_mutex_destroy(&p->lock);
		free(p);
		goto oom;
	}
	p->rt.ops = &rtp_ops;
	p->rt.priv = p;
	p->rt.carries_data = 1;
	p->t0 = transport_now();
	return &p->rt;
oom:
	if (err && errlen)
		snprintf(err, errlen, "out of memory creating the real runtime");
	return NULL;
}

int rtp_run(struct rt *rt, rt_task_fn fn, void *arg, char *err, size_t errlen)
{
	struct rtp *p = rtp_of(rt);
	if (err && errlen)
		err[0] = '\0';
	pthread_mutex_lock(&p->lock);
	p->last_error[0] = '\0';
	p->seen.any = p->seen_at_error.any = false;
	p->failed_t = INFINITY;
	p->report_came = false;
	p->link_free[0] = p->link_free[1] = 0;
	pthread_mutex_unlock(&p->lock);
	p->t0 = transport_now();
	p->hb_stop = false;
	if (pthread_create(&p->heartbeat, &p->attr, heartbeat_main, p)) {
		if (err && errlen)
			snprintf(err, errlen,
			         "cannot start the heartbeat: out of threads or memory");
		return -EAGAIN;
	}
	struct rt_task *root = op_spawn(rt, RT_SIDE_SRC, "root", fn, arg);
	if (root)
		op_join(rt, root);
	else if (err && errlen)
		snprintf(err, errlen, "cannot start the root task: out of threads or memory");
	/* Tasks the engine left unjoined must end by themselves (every
	 * blocking channel operation is bounded); give them that long. */
	struct timespec deadline;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += (time_t)ceil(p->cfg.io_timeout_s) + 1;
	GString *stuck = g_string_new(NULL); /* the names of tasks that did not end */
	for (;;) {
		pthread_mutex_lock(&p->lock);
		struct rt_task *t = p->tasks;
		while (t && t->claimed)
			t = t->next;
		if (t)
			t->claimed = true;
		pthread_mutex_unlock(&p->lock);
		if (!t)
			break;
		if (pthread_timedjoin_np(t->th, NULL, &deadline)) {
			g_string_append_printf(
			    stuck, "%s'%s'",
			    stuck->len ? ", " : "tasks still running after the run: ", t->name);
			continue;
		}
		pthread_mutex_lock(&p->lock);
		task_unlink(p, t);
		pthread_mutex_unlock(&p->lock);
		free(t);
	}
	pthread_mutex_lock(&p->lock);
	p->hb_stop = true;
	pthread_cond_signal(&p->hb_cv);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->heartbeat, NULL);
	bool any_stuck = stuck->len > 0;
	if (any_stuck && err && errlen)
		g_strlcpy(err, stuck->str, errlen);
	g_string_free(stuck, TRUE);
	return !root ? -EAGAIN : any_stuck ? -EDEADLK : 0;
}

double rtp_run_start(struct rt *rt)
{
	return rtp_of(rt)->t0;
}

const char *rtp_last_error(struct rt *rt)
{
	return rtp_of(rt)->last_error;
}

double rtp_chan_failed_t(struct rt *rt)
{
	struct rtp *p = rtp_of(rt);
	pthread_mutex_lock(&p->lock);
	double t = p->failed_t;
	pthread_mutex_unlock(&p->lock);
	return t;
}

void rtp_last_error_frame(struct rt *rt, struct rtp_frame_seen *out)
{
	struct rtp *p = rtp_of(rt);
	pthread_mutex_lock(&p->lock);
	*out = p->seen_at_error;
	pthread_mutex_unlock(&p->lock);
}

void rtp_watch_report(struct rt *rt, const char *chan, uint32_t kind)
{
	struct rtp *p = rtp_of(rt);
	pthread_mutex_lock(&p->lock);
	snprintf(p->report_chan, sizeof p->report_chan, "%s", chan);
	p->report_kind = kind;
	p->report_came = false;
	pthread_mutex_unlock(&p->lock);
}

bool rtp_report_frame(struct rt *rt, struct rtp_frame_seen *out)
{
	struct rtp *p = rtp_of(rt);
	pthread_mutex_lock(&p->lock);
	bool came = p->report_came;
	*out = p->seen_at_report;
	pthread_mutex_unlock(&p->lock);
	return came;
}

void rtp_set_fault(struct rt *rt, const struct rtp_fault *f)
{
	struct rtp *p = rtp_of(rt);
	pthread_mutex_lock(&p->lock);
	if (f)
		p->fault = *f;
	else
		p->fault.action = RTP_FAULT_NONE;
	p->spawn_fault_seen = 0;
	pthread_mutex_unlock(&p->lock);
}

void rtp_free(struct rt *rt)
{
	if (!rt)
		return;
	struct rtp *p = rtp_of(rt);
	pthread_attr_destroy(&p->attr);
	pthread_cond_destroy(&p->hb_cv);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
