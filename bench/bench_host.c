/*
 * bench_host.c - measure this machine for a host profile (docs/model.md
 * "Hosts and CPUs"): the CPU a byte costs to copy (memcpy) and to move
 * through a socket (send and receive, a socketpair as the real world's
 * in-process stream), what creating and joining a thread costs, how late a
 * parked thread wakes, how late a timer fires, and what the real world
 * (real/) spends beyond bytes: per frame of a channel, per data call of an
 * emulated device, per task, per spawn and per pool hand-off in a burst,
 * per spawn that maps a new stack and the thread library's stack cache;
 * then write a host profile
 * (profiles/hosts/<name>.yaml) that says which command measured it, when,
 * on what CPU, with every measurement's median, spread and sample count.
 *
 * Per-byte, per-frame, per-call and per-task costs are CPU time
 * (CLOCK_THREAD_CPUTIME_ID) of the threads doing the work, so that a loaded
 * machine measures what the work costs, not how long a thread waited for a
 * core; latencies are CLOCK_MONOTONIC.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_multifit.h>

#include "devices/emu.h"
#include "rt_pthread.h"
#include "scenario_load.h"

#define MiB (1024.0 * 1024.0)

static const char usage[] =
    "usage: bench_host [--samples N] [--bytes MIB] [--name NAME] [--out FILE]\n"
    "Measure this machine for a host profile: CPU per byte of memcpy and of a\n"
    "socket send and receive, thread create+join, semaphore wake-up latency,\n"
    "timer lateness (sleep overshoot, the profile's wake_latency), and CPU time of\n"
    "the real world's own work: per frame over a channel of 0, 4 and 256 KiB\n"
    "(send/recv_cpu_per_frame from the 4 KiB one, whose pump's share is printed\n"
    "apart), per 4 KiB data call of an emulated device (device_read/write_cpu),\n"
    "per task (task_cpu), per timed sleep of a real-world task (sleep_cpu), per\n"
    "emulated device read that finds the end of its data (device_read_end_cpu),\n"
    "per semaphore acquire that blocks (unblock_cpu); per spawn and per pool\n"
    "hand-off of a real-world task in a burst of 64 (64 other tasks parked),\n"
    "the caller's CPU (thread_create, thread_wake) and its wall time beyond\n"
    "that CPU (thread_create_wait, thread_wake_wait), with the delay until the\n"
    "task runs (in the measurements) and how often it ran on the caller's CPU\n"
    "(standard error); the same spawns with 0, 64 and 256 other tasks parked and\n"
    "the thread library's stack cache warm or emptied, fitted as a cost per new\n"
    "stack (thread_create_new_stack) and per other live task (standard error),\n"
    "and how many stacks that cache keeps (thread_stack_cache).\n"
    "Prints a host profile (YAML) that says which command\n"
    "measured it, when, on what CPU, with samples and spread.\n"
    "  --samples N   samples per measurement (default 15); the median is used\n"
    "  --bytes MIB   bytes copied per sample of the per-byte costs (default 64)\n"
    "  --name NAME   the profile's name (default: the --out file's base name, or\n"
    "                'this-host')\n"
    "  --out FILE    write the profile there (via a temporary file beside it,\n"
    "                FILE.tmp-PID, renamed when complete and removed if the run\n"
    "                fails or is interrupted) instead of to standard output; the\n"
    "                temporary file is created before measuring, so a folder that\n"
    "                does not exist or cannot be written fails at once\n"
    "Progress goes to standard error.  A scenario loads the profile with\n"
    "hosts: {source: {profile: NAME}} (docs/scenarios.md).\n"
    "exit status: 0 written, 1 a measurement or writing FILE failed, 2 a bad\n"
    "option or an --out FILE that cannot be written (nothing measured).\n";

struct stat3 {
	double median, min, max;
};

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double thread_cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static struct stat3 stats(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp);
	return (struct stat3){n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2, v[0], v[n - 1]};
}

/* ---- per-byte costs ---- */

static double memcpy_per_byte(char *dst, const char *src, size_t bytes)
{
	double t0 = thread_cpu();
	memcpy(dst, src, bytes);
	__asm__ volatile("" : : "r"(dst) : "memory"); /* the copy is used */
	return (thread_cpu() - t0) / (double)bytes;
}

#define IO_CHUNK ((size_t)1 << 20)

struct drain {
	int fd;
	size_t bytes;
	double cpu_per_byte;
	int err;
};

static void *drain_main(void *arg)
{
	struct drain *d = arg;
	char *buf = malloc(IO_CHUNK);
	size_t got = 0;
	double t0 = thread_cpu();
	while (buf && got < d->bytes) {
		ssize_t n = read(d->fd, buf, IO_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	d->cpu_per_byte = (thread_cpu() - t0) / (double)d->bytes;
	d->err = got != d->bytes;
	free(buf);
	return NULL;
}

/* One sample: `bytes` written in 1 MiB writes to a socketpair that another
 * thread drains.  *send and *recv are CPU per byte of either side. */
static int socket_per_byte(const char *src, size_t bytes, double *send, double *recv)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -1;
	struct drain d = {.fd = sv[1], .bytes = bytes};
	pthread_t th;
	if (pthread_create(&th, NULL, drain_main, &d)) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	double t0 = thread_cpu();
	size_t put = 0;
	while (put < bytes) {
		size_t n = bytes - put < IO_CHUNK ? bytes - put : IO_CHUNK;
		ssize_t w = write(sv[0], src + put % (64 * IO_CHUNK), n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		put += (size_t)w;
	}
	*send = (thread_cpu() - t0) / (double)bytes;
	shutdown(sv[0], SHUT_WR);
	pthread_join(th, NULL);
	*recv = d.cpu_per_byte;
	close(sv[0]);
	close(sv[1]);
	return put == bytes && !d.err ? 0 : -1;
}

/* ---- threads and timers ---- */

static void *nothing(void *arg)
{
	return arg;
}

#define PAIRS 500

/* Median over PAIRS of one pthread_create + pthread_join, wall time. */
static double create_join(void)
{
	double v[PAIRS];
	for (int i = 0; i < PAIRS; i++) {
		pthread_t th;
		double t0 = mono();
		if (pthread_create(&th, NULL, nothing, NULL))
			return -1;
		pthread_join(th, NULL);
		v[i] = mono() - t0;
	}
	return stats(v, PAIRS).median;
}

struct waker {
	pthread_mutex_t m;
	pthread_cond_t c;
	int posted, quit;
	double posted_at, woke_at;
};

static void *parked_main(void *arg)
{
	struct waker *w = arg;
	prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	pthread_mutex_lock(&w->m);
	for (;;) {
		while (!w->posted && !w->quit)
			pthread_cond_wait(&w->c, &w->m);
		if (w->quit)
			break;
		w->woke_at = mono();
		w->posted = 0;
		pthread_cond_broadcast(&w->c);
	}
	pthread_mutex_unlock(&w->m);
	return NULL;
}

#define WAKES 200

/* Median over WAKES of post -> the parked thread running, wall time. */
static double wake_latency(void)
{
	struct waker w = {.m = PTHREAD_MUTEX_INITIALIZER, .c = PTHREAD_COND_INITIALIZER};
	pthread_t th;
	double v[WAKES];
	if (pthread_create(&th, NULL, parked_main, &w))
		return -1;
	for (int i = 0; i < WAKES; i++) {
		struct timespec settle = {0, 200000}; /* parked again */
		nanosleep(&settle, NULL);
		pthread_mutex_lock(&w.m);
		w.posted = 1;
		w.posted_at = mono();
		pthread_cond_broadcast(&w.c);
		while (w.posted)
			pthread_cond_wait(&w.c, &w.m);
		v[i] = w.woke_at - w.posted_at;
		pthread_mutex_unlock(&w.m);
	}
	pthread_mutex_lock(&w.m);
	w.quit = 1;
	pthread_cond_broadcast(&w.c);
	pthread_mutex_unlock(&w.m);
	pthread_join(th, NULL);
	return stats(v, WAKES).median;
}

#define SLEEPS 200

/* Median over SLEEPS of how late a 100 us absolute sleep returns, with the
 * real world's 1 ns timer slack. */
static double timer_lateness(void)
{
	double v[SLEEPS];
	prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	for (int i = 0; i < SLEEPS; i++) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		double due = (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9 + 100e-6;
		ts.tv_nsec += 100000;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
		v[i] = mono() - due;
	}
	return stats(v, SLEEPS).median;
}

/* ---- the real world's per-frame, per-call and per-task costs ----
 *
 * Measured through the real world's own code (rt_pthread.c, transport.c,
 * devices/emu.c) with its per-thread CPU accounting (rtp_cpu_accounting):
 * every thread's CPU time, so that load inflates them little. */

#define FRAMES      1000
#define FRAME_GAP_S 20e-6 /* the emulated link carries one frame in this long */
#define IO_CALLS    500
#define IO_BYTES    4096u
#define TASKS       200

/* The CPU time `kind` accounted (rtp_cpu_take), 0 when none. */
static double kind_cpu(const struct rtp_cpu_kind *k, size_t n, const char *kind)
{
	double cpu = 0;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(k[i].kind, kind))
			cpu += k[i].cpu_s;
	return cpu;
}

struct frames_ctx {
	struct rt *rt;
	struct rt_chan *ch;
	void *payload;
	uint64_t bytes;
	int err;
};

static void frame_sender(void *arg)
{
	struct frames_ctx *c = arg;
	struct rt_frame f = {1, 0, 0, c->bytes, c->payload};
	for (int i = 0; i < FRAMES && !c->err; i++)
		c->err = c->rt->ops->chan_send(c->ch, &f);
}

static void frame_receiver(void *arg)
{
	struct frames_ctx *c = arg;
	for (int i = 0; i < FRAMES && !c->err; i++) {
		struct rt_frame f;
		c->err = c->rt->ops->chan_recv(c->ch, &f);
		if (!c->err && f.bytes != c->bytes)
			c->err = -EPROTO;
	}
}

static void frames_root(void *arg)
{
	struct frames_ctx *c = arg;
	struct rt_task *s = rt_spawn(c->rt, RT_SIDE_SRC, "bench-send", frame_sender, c);
	struct rt_task *r = rt_spawn(c->rt, RT_SIDE_DST, "bench-recv", frame_receiver, c);
	if (s)
		rt_join(c->rt, s);
	if (r)
		rt_join(c->rt, r);
	if (!s || !r)
		c->err = -EAGAIN;
}

/*
 * One sample: FRAMES frames of `payload` bytes over a real-world channel
 * (the engine's chan_send: stamp, header and payload writes, the sleep to
 * the frame's departure; the channel's pump: poll, header and payload
 * reads, queueing; chan_recv: the wait and hand-over), paced so that each
 * frame travels alone, as on the agreement's links.  CPU per frame of the
 * sending task, of the pump and the receiving task together, and of the
 * pump alone (it reads the frame while the link carries it).
 */
static int frame_cpu(const void *payload, uint64_t bytes, double *send, double *recv, double *pump)
{
	struct rtp_config cfg = {.bandwidth_Bps =
	                             ((double)RT_FRAME_HEADER_BYTES + (double)bytes) / FRAME_GAP_S,
	                         .io_timeout_s = 10};
	struct rt *rt = rtp_new(&cfg, NULL, 0);
	if (!rt)
		return -1;
	struct frames_ctx c = {.rt = rt, .payload = (void *)payload, .bytes = bytes};
	c.ch = rt->ops->chan_new(rt, RT_SIDE_SRC, "bench");
	free(rtp_cpu_take(&(size_t){0}));
	rtp_cpu_accounting(true);
	int rc = c.ch ? rtp_run(rt, frames_root, &c, NULL, 0) : -1;
	rt->ops->chan_free(c.ch); /* the pump ends, and accounts for itself */
	rtp_cpu_accounting(false);
	size_t n;
	struct rtp_cpu_kind *k = rtp_cpu_take(&n);
	*send = kind_cpu(k, n, "bench-send") / FRAMES;
	*pump = kind_cpu(k, n, "pump") / FRAMES;
	*recv = kind_cpu(k, n, "bench-recv") / FRAMES + *pump;
	free(k);
	rtp_free(rt);
	return rc || c.err ? -1 : 0;
}

/* One emulated device whose arcs, queries and loads take no time: what is
 * left of a data call is the data path itself. */
_Static_assert(IO_CALLS * IO_BYTES == 2000u * 1024u,
               "emu_yaml's state_size is IO_CALLS x IO_BYTES: one whole image");
static const char emu_yaml[] = "name: bench-host\n"
                               "vm: {ram: 0}\n"
                               "devices:\n"
                               "  - name: vf\n"
                               "    profile: null\n"
                               "    state_size: 2000KiB\n" /* IO_CALLS x IO_BYTES: one whole image */
                               "    header_size: 0\n"
                               "    latency: {default: 0, query: 0}\n"
                               "    load: {fixed: 0, rate: 1000GiB/s}\n"
                               "    init_load: {fixed: 0, rate: 1000GiB/s}\n";

struct io_ctx {
	struct rt *rt;
	const struct scenario *s;
	double read_cpu, write_cpu; /* the calling task's, summed over the calls */
	int err;
};

static void io_root(void *arg)
{
	struct io_ctx *c = arg;
	struct device *src = emu_new(c->rt, c->s, 0, RT_SIDE_SRC, 0, NULL, 10);
	struct device *dst = emu_new(c->rt, c->s, 0, RT_SIDE_DST, 0, NULL, 10);
	static uint8_t buf[IO_BYTES];
	c->err = !src || !dst || src->ops->set_state(src, VFIO_STATE_PRE_COPY) ||
	         dst->ops->set_state(dst, VFIO_STATE_RESUMING);
	for (int i = 0; i < IO_CALLS && !c->err; i++) {
		uint64_t got = 0;
		uint32_t hint = DEVICE_DATA_STATE;
		double t0 = thread_cpu();
		c->err = src->ops->read(src, buf, IO_BYTES, &got, &hint) || got != IO_BYTES;
		double t1 = thread_cpu();
		c->err = c->err || dst->ops->write(dst, buf, got, hint);
		c->read_cpu += t1 - t0;
		c->write_cpu += thread_cpu() - t1;
	}
	/* Leaving the states ends the device threads (they account then);
	 * leaving RESUMING checks every byte loaded. */
	if (!c->err)
		c->err = src->ops->set_state(src, VFIO_STATE_RUNNING) ||
		         dst->ops->set_state(dst, VFIO_STATE_STOP);
	if (src)
		src->ops->free(src);
	if (dst)
		dst->ops->free(dst);
}

/* A real world for one measurement (rt_pthread, as `switchover real`). */
static struct rt *real_world(void)
{
	struct rtp_config cfg = {.io_timeout_s = 10};
	return rtp_new(&cfg, NULL, 0);
}

/*
 * One sample: IO_CALLS reads of IO_BYTES from an emulated source device in
 * PRE_COPY, each written to an emulated destination device in RESUMING.
 * CPU per read call (the caller's and the feeder thread's) and per write
 * call (the caller's and the checker thread's), the bytes included.
 */
static int device_io_cpu(const struct scenario *s, double *read, double *write)
{
	struct rt *rt = real_world();
	if (!rt)
		return -1;
	struct io_ctx c = {.rt = rt, .s = s};
	free(rtp_cpu_take(&(size_t){0}));
	rtp_cpu_accounting(true);
	int rc = rtp_run(rt, io_root, &c, NULL, 0);
	rtp_cpu_accounting(false);
	size_t n;
	struct rtp_cpu_kind *k = rtp_cpu_take(&n);
	*read = (c.read_cpu + kind_cpu(k, n, "emu-feeder")) / IO_CALLS;
	*write = (c.write_cpu + kind_cpu(k, n, "emu-checker")) / IO_CALLS;
	free(k);
	rtp_free(rt);
	return rc || c.err ? -1 : 0;
}

static void no_work(void *arg)
{
	(void)arg;
}

static void tasks_root(void *arg)
{
	struct rt *rt = arg;
	for (int i = 0; i < TASKS; i++) {
		struct rt_task *t = rt_spawn(rt, RT_SIDE_SRC, "bench-task", no_work, NULL);
		if (t)
			rt_join(rt, t);
	}
}

/* One sample: TASKS tasks of the real world's spawn that do nothing, one
 * after another; the mean CPU time of one, from its start to its end. */
static double task_cpu(void)
{
	struct rt *rt = real_world();
	if (!rt)
		return -1;
	free(rtp_cpu_take(&(size_t){0}));
	rtp_cpu_accounting(true);
	int rc = rtp_run(rt, tasks_root, rt, NULL, 0);
	rtp_cpu_accounting(false);
	size_t n;
	struct rtp_cpu_kind *k = rtp_cpu_take(&n);
	unsigned threads = 0;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(k[i].kind, "bench-task"))
			threads = k[i].threads;
	double cpu = kind_cpu(k, n, "bench-task");
	free(k);
	rtp_free(rt);
	return rc || threads != TASKS ? -1 : cpu / TASKS;
}

/*
 * A real-world task's timed sleeps and blocked waits, in one run: the CPU
 * time each of SLEEPS sleeps of 100 us costs the sleeping thread (the real
 * world's own sleep, rt_sleep: arming the timer, switching out and back
 * in), then the CPU time of each of SLEEPS semaphore acquires that block
 * until another task, after a 200 us sleep, releases the semaphore (going
 * to sleep in the kernel and being switched back in); the medians.
 */
struct waits_ctx {
	struct rt *rt;
	struct rt_sem *go, *done;
	double sleep[SLEEPS], unblock[SLEEPS];
	int err;
};

static void releaser(void *arg)
{
	struct waits_ctx *c = arg;
	for (int i = 0; i < SLEEPS; i++) {
		rt_sleep(c->rt, 200e-6);
		c->rt->ops->sem_release(c->go);
		c->rt->ops->sem_acquire(c->done);
	}
}

static void waits_root(void *arg)
{
	struct waits_ctx *c = arg;
	for (int i = 0; i < SLEEPS; i++) {
		double t0 = thread_cpu();
		rt_sleep(c->rt, 100e-6);
		c->sleep[i] = thread_cpu() - t0;
	}
	struct rt_task *t = rt_spawn(c->rt, RT_SIDE_SRC, "bench-releaser", releaser, c);
	c->err = !t;
	for (int i = 0; t && i < SLEEPS; i++) {
		double t0 = thread_cpu();
		c->rt->ops->sem_acquire(c->go);
		c->unblock[i] = thread_cpu() - t0;
		c->rt->ops->sem_release(c->done);
	}
	if (t)
		rt_join(c->rt, t);
}

static int waits_cpu(double *sleep, double *unblock)
{
	struct rt *rt = real_world();
	if (!rt)
		return -1;
	struct waits_ctx *c = calloc(1, sizeof *c);
	int rc = -1;
	if (c && (c->go = rt->ops->sem_new(rt, 0)) && (c->done = rt->ops->sem_new(rt, 0))) {
		c->rt = rt;
		rc = rtp_run(rt, waits_root, c, NULL, 0) || c->err ? -1 : 0;
		*sleep = stats(c->sleep, SLEEPS).median;
		*unblock = stats(c->unblock, SLEEPS).median;
	}
	if (c && c->go)
		rt->ops->sem_free(c->go);
	if (c && c->done)
		rt->ops->sem_free(c->done);
	free(c);
	rtp_free(rt);
	return rc;
}

/* An emulated device with 4 KiB of state and no costs: its image is read
 * in precopy, and the last read in STOP_COPY finds the end of the data. */
static const char end_yaml[] = "name: bench-host-end\n"
                               "vm: {ram: 0}\n"
                               "devices:\n"
                               "  - name: vf\n"
                               "    profile: null\n"
                               "    state_size: 4KiB\n"
                               "    header_size: 0\n"
                               "    latency: {default: 0, query: 0}\n";

#define END_READS 100

struct end_ctx {
	struct rt *rt;
	const struct scenario *s;
	double cpu; /* the end reads', summed */
	int err;
};

static void end_root(void *arg)
{
	struct end_ctx *c = arg;
	static uint8_t buf[IO_BYTES];
	for (int i = 0; i < END_READS && !c->err; i++) {
		struct device *d = emu_new(c->rt, c->s, 0, RT_SIDE_SRC, 0, NULL, 10);
		c->err = !d || d->ops->set_state(d, VFIO_STATE_PRE_COPY);
		for (uint64_t got = 1; got && !c->err;) {
			uint32_t hint = DEVICE_DATA_STATE; /* the image, in precopy */
			c->err = d->ops->read(d, buf, IO_BYTES, &got, &hint) != 0;
		}
		c->err = c->err || d->ops->set_state(d, VFIO_STATE_PRE_COPY_P2P) ||
		         d->ops->set_state(d, VFIO_STATE_STOP_COPY);
		for (uint64_t got = 1; got && !c->err;) {
			uint32_t hint = DEVICE_DATA_STATE;
			double t0 = thread_cpu();
			c->err = d->ops->read(d, buf, IO_BYTES, &got, &hint) != 0;
			if (!got)
				c->cpu += thread_cpu() - t0;
		}
		c->err = c->err || d->ops->set_state(d, VFIO_STATE_STOP);
		if (d)
			d->ops->free(d);
	}
}

/* One sample: END_READS emulated devices in STOP_COPY read to their end;
 * the mean CPU of the caller's read that finds no more data (the data fd
 * at its end: one system call, no work of the device's feeder thread). */
static double read_end_cpu(const struct scenario *s)
{
	struct rt *rt = real_world();
	if (!rt)
		return -1;
	struct end_ctx c = {.rt = rt, .s = s};
	int rc = rtp_run(rt, end_root, &c, NULL, 0);
	rtp_free(rt);
	return rc || c.err ? -1 : c.cpu / END_READS;
}

/* ---- the profile ---- */

#define BURST  64
#define PARKED 64
/* The bursts' measurements, as the profile names them. */
#define BURST_SPAWNS "spawn of a real-world task in a burst of 64 (64 other tasks parked), "
#define BURST_WAKES                                                                                \
	"hand-off to a parked real-world task (rt_wake) in a burst of 64 (64 other tasks "         \
	"parked), "
#define CROWD_SPAWNS "spawn of a real-world task in a burst of 64, "
/*
 * A burst of BURST real-world tasks started one after another, as a
 * parallel strategy's pass starts its transition threads, in a process of
 * the size of a 64-device run (PARKED more tasks parked on a semaphore
 * throughout, for its emulated devices' threads: a 64-device run of
 * bench/agreement.yaml has about 135 threads; the stacks of all fit in
 * glibc's cache, so that every spawn here finds one, and the crowded
 * bursts below measure what one that does not costs): each either
 * spawned (rt_spawn) or, parked beforehand on its own semaphore, handed its
 * work (rt_wake, the pool's hand-off); each then sleeps 2 ms, as a
 * transition thread sleeps through its arc.  Per start: the CPU time the
 * call costs its caller, the wall time from the call until the new or woken
 * thread runs, and whether it ran on the caller's CPU; over the burst, the
 * caller's wall time per start.
 */
struct burst_ctx {
	struct rt *rt;
	int pool;
	struct rt_sem *go[BURST], *parked;
	double call[BURST], ran[BURST], cpu[BURST];
	int caller_cpu[BURST], task_cpu[BURST];
	volatile int slot_next;
	double per_start;
	int err;
};

struct burst_slot {
	struct burst_ctx *c;
	int i;
};

static void burst_task(void *arg)
{
	struct burst_slot *s = arg;
	struct burst_ctx *c = s->c;
	if (c->pool)
		c->rt->ops->sem_acquire(c->go[s->i]);
	c->ran[s->i] = mono();
	c->task_cpu[s->i] = sched_getcpu();
	rt_sleep(c->rt, 2e-3);
}

static void burst_parked(void *arg)
{
	struct burst_ctx *c = arg;
	c->rt->ops->sem_acquire(c->parked);
}

/* Release `park` once per task of t[0..n) (when given: tasks parked on
 * it), then join each; the slots end NULL. */
static void release_join(struct rt *rt, struct rt_task **t, int n, struct rt_sem *park)
{
	for (int i = 0; park && i < n; i++)
		if (t[i])
			rt->ops->sem_release(park);
	for (int i = 0; i < n; i++)
		if (t[i])
			rt_join(rt, t[i]), t[i] = NULL;
}

static void burst_root(void *arg)
{
	struct burst_ctx *c = arg;
	struct burst_slot slot[BURST];
	struct rt_task *t[BURST] = {0}, *parked[PARKED] = {0};
	for (int i = 0; i < PARKED; i++)
		if (!(parked[i] = rt_spawn(c->rt, RT_SIDE_SRC, "bench-parked", burst_parked, c)))
			c->err = 1;
	for (int i = 0; i < BURST; i++)
		slot[i] = (struct burst_slot){c, i};
	if (c->pool) {
		for (int i = 0; i < BURST; i++)
			if (!(t[i] = rt_spawn(c->rt, RT_SIDE_SRC, "bench-burst", burst_task,
			                      &slot[i])))
				c->err = 1;
	}
	rt_sleep(c->rt, 5e-3); /* every worker and other task parked */
	double begin = mono();
	for (int i = 0; i < BURST && !c->err; i++) {
		c->caller_cpu[i] = sched_getcpu();
		double c0 = thread_cpu();
		c->call[i] = mono();
		if (c->pool)
			rt_wake(c->rt, c->go[i]);
		else if (!(t[i] =
		               rt_spawn(c->rt, RT_SIDE_SRC, "bench-burst", burst_task, &slot[i])))
			c->err = 1;
		c->cpu[i] = thread_cpu() - c0;
	}
	c->per_start = (mono() - begin) / BURST;
	release_join(c->rt, t, BURST, NULL);
	release_join(c->rt, parked, PARKED, c->parked);
}

/* One sample of a burst: medians of the caller's CPU per start and of the
 * delay until the thread ran, the caller's wall time per start, and the
 * share of starts that ran on the caller's CPU. */
static int burst(int pool, double *cpu, double *delay, double *per_start, double *same)
{
	struct rt *rt = real_world();
	if (!rt)
		return -1;
	struct burst_ctx *c = calloc(1, sizeof *c);
	int rc = -1;
	if (c) {
		c->rt = rt;
		c->pool = pool;
		if (!(c->parked = rt->ops->sem_new(rt, 0)))
			c->err = 1;
		for (int i = 0; pool && i < BURST; i++)
			if (!(c->go[i] = rt->ops->sem_new(rt, 0)))
				c->err = 1;
		if (!c->err && !rtp_run(rt, burst_root, c, NULL, 0) && !c->err) {
			double d[BURST];
			int n_same = 0;
			for (int i = 0; i < BURST; i++) {
				d[i] = c->ran[i] - c->call[i];
				n_same += c->caller_cpu[i] == c->task_cpu[i];
			}
			*cpu = stats(c->cpu, BURST).median;
			*delay = stats(d, BURST).median;
			*per_start = c->per_start;
			*same = (double)n_same / BURST;
			rc = 0;
		}
		for (int i = 0; i < BURST; i++)
			if (c->go[i])
				rt->ops->sem_free(c->go[i]);
		if (c->parked)
			rt->ops->sem_free(c->parked);
	}
	free(c);
	rtp_free(rt);
	return rc;
}

/*
 * Spawns in a crowded process.  A spawn of a real-world task (rt_spawn:
 * pthread_create with the real world's 256 KiB stacks) takes a stack that
 * glibc keeps from a joined thread when it has one (its stack cache, 40 MiB
 * by default: glibc.pthread.stack_cache_size), else it maps a new one
 * (mmap, a guard page, and the caller's first write to the new thread's
 * descriptor at its top: a page fault).  A spawn that maps a new stack is
 * told apart by that page fault: the caller's minor faults
 * (RUSAGE_THREAD) across the call.  Per sample, bursts of CROWD_BURST
 * spawns (each task sleeps 2 ms, as a transition thread sleeps through its
 * arc) with K other tasks parked in the process and the stack cache either
 * warmed (CROWD_BURST tasks spawned and joined just before: every spawn
 * finds a stack) or emptied (parked fillers spawned until one maps a new
 * stack: every spawn maps one); the medians of the caller's CPU per spawn
 * are fitted (GSL, least squares) as a + b x (share of spawns that mapped a
 * new stack) + c x (other live tasks), which tells the cost of a new stack
 * (b: thread_create_new_stack) apart from a cost per live thread (c).
 * Then the stack cache's capacity in real-world stacks: CROWD_CAP tasks
 * spawned, all live at once, joined, spawned again: those of the second
 * round that did not map a new stack (thread_stack_cache).
 */
#define CROWD_BURST 64
#define CROWD_MAXK  256
#define CROWD_CAP   512
#define CROWD_FILL  1024

struct crowd_ctx {
	struct rt *rt;
	int parked_n, warm;
	struct rt_sem *park;
	double cpu[CROWD_BURST];
	int fresh[CROWD_BURST];
	int others; /* other tasks live at the burst's first spawn, fillers included */
	int cap;    /* the capacity round's stacks found in the cache */
	int err;
};

static long minor_faults(void)
{
	struct rusage r;
	return getrusage(RUSAGE_THREAD, &r) ? 0 : r.ru_minflt;
}

static void crowd_parked(void *arg)
{
	struct crowd_ctx *c = arg;
	c->rt->ops->sem_acquire(c->park);
}

static void crowd_sleeper(void *arg)
{
	struct crowd_ctx *c = arg;
	rt_sleep(c->rt, 2e-3);
}

/* Spawn one parked task; *fresh: whether it mapped a new stack. */
static struct rt_task *crowd_park_one(struct crowd_ctx *c, int *fresh)
{
	long f0 = minor_faults();
	struct rt_task *t = rt_spawn(c->rt, RT_SIDE_SRC, "bench-parked", crowd_parked, c);
	if (fresh)
		*fresh = minor_faults() > f0;
	if (!t)
		c->err = 1;
	return t;
}

static void crowd_root(void *arg)
{
	struct crowd_ctx *c = arg;
	struct rt_task **parked = calloc(CROWD_MAXK + CROWD_FILL, sizeof *parked);
	struct rt_task *t[CROWD_BURST] = {0};
	int n = 0;
	if (!parked) {
		c->err = 1;
		return;
	}
	while (n < c->parked_n && !c->err)
		parked[n] = crowd_park_one(c, NULL), n++;
	if (c->warm) {
		for (int i = 0; i < CROWD_BURST && !c->err; i++)
			if (!(t[i] = rt_spawn(c->rt, RT_SIDE_SRC, "bench-warm", no_work, NULL)))
				c->err = 1;
		release_join(c->rt, t, CROWD_BURST, NULL);
	} else {
		for (int fresh = 0; !fresh && n < CROWD_MAXK + CROWD_FILL && !c->err; n++)
			parked[n] = crowd_park_one(c, &fresh);
	}
	c->others = n;
	rt_sleep(c->rt, 5e-3); /* every other task parked */
	for (int i = 0; i < CROWD_BURST && !c->err; i++) {
		long f0 = minor_faults();
		double c0 = thread_cpu();
		if (!(t[i] = rt_spawn(c->rt, RT_SIDE_SRC, "bench-burst", crowd_sleeper, c)))
			c->err = 1;
		c->cpu[i] = thread_cpu() - c0;
		c->fresh[i] = minor_faults() > f0;
	}
	release_join(c->rt, t, CROWD_BURST, NULL);
	release_join(c->rt, parked, n, c->park);
	free(parked);
}

/* The capacity round: CROWD_CAP tasks live at once, joined, then again. */
static void cap_root(void *arg)
{
	struct crowd_ctx *c = arg;
	struct rt_task **t = calloc(CROWD_CAP, sizeof *t);
	if (!t) {
		c->err = 1;
		return;
	}
	for (int round = 0; round < 2 && !c->err; round++) {
		for (int i = 0; i < CROWD_CAP && !c->err; i++) {
			int fresh = 1;
			t[i] = crowd_park_one(c, &fresh);
			c->cap += round && !fresh;
		}
		release_join(c->rt, t, CROWD_CAP, c->park);
	}
	free(t);
}

/* One burst (fn crowd_root) or capacity round (cap_root) in its own real
 * world; 0 or -1. */
static int crowd_run(struct crowd_ctx *c, void (*fn)(void *))
{
	struct rt *rt = real_world();
	if (!rt)
		return -1;
	c->rt = rt;
	int rc = -1;
	if ((c->park = rt->ops->sem_new(rt, 0))) {
		rc = rtp_run(rt, fn, c, NULL, 0) || c->err ? -1 : 0;
		rt->ops->sem_free(c->park);
	}
	rtp_free(rt);
	return rc;
}

/* One sample's points of the fit: (share of new stacks, other live tasks
 * at the burst's middle, median CPU per spawn), CROWD_POINTS of them. */
#define CROWD_POINTS 5
struct crowd_point {
	double fresh, others, cpu;
};

static int crowd_sample(struct crowd_point *p, double *cap)
{
	static const struct {
		int parked, warm;
	} runs[CROWD_POINTS] = {{0, 1}, {64, 1}, {CROWD_MAXK, 1}, {0, 0}, {CROWD_MAXK, 0}};
	for (int r = 0; r < CROWD_POINTS; r++) {
		struct crowd_ctx c = {.parked_n = runs[r].parked, .warm = runs[r].warm};
		if (crowd_run(&c, crowd_root))
			return -1;
		int fresh = 0;
		for (int i = 0; i < CROWD_BURST; i++)
			fresh += c.fresh[i];
		p[r] =
		    (struct crowd_point){(double)fresh / CROWD_BURST, c.others + CROWD_BURST / 2.0,
		                         stats(c.cpu, CROWD_BURST).median};
	}
	struct crowd_ctx c = {0};
	if (crowd_run(&c, cap_root))
		return -1;
	*cap = c.cap;
	return 0;
}

/* Least squares of cpu = a + b fresh + c others over n points; b, c and
 * their standard errors; -1 when the fit is singular. */
static int crowd_fit(const struct crowd_point *p, size_t n, double coef[3], double err[3])
{
	if (n < 4)
		return -1;
	gsl_matrix *X = gsl_matrix_alloc(n, 3), *cov = gsl_matrix_alloc(3, 3);
	gsl_vector *y = gsl_vector_alloc(n), *b = gsl_vector_alloc(3);
	gsl_multifit_linear_workspace *w = gsl_multifit_linear_alloc(n, 3);
	int rc = -1;
	double chisq;
	if (X && cov && y && b && w) {
		for (size_t i = 0; i < n; i++) {
			gsl_matrix_set(X, i, 0, 1);
			gsl_matrix_set(X, i, 1, p[i].fresh);
			gsl_matrix_set(X, i, 2, p[i].others);
			gsl_vector_set(y, i, p[i].cpu);
		}
		if (!gsl_multifit_linear(X, y, b, cov, &chisq, w)) {
			/* cov is the residuals' variance x (X'X)^-1 (GSL 2). */
			for (int k = 0; k < 3; k++) {
				coef[k] = gsl_vector_get(b, k);
				err[k] = sqrt(gsl_matrix_get(cov, k, k));
			}
			rc = 0;
		}
	}
	gsl_multifit_linear_free(w);
	gsl_vector_free(b);
	gsl_vector_free(y);
	gsl_matrix_free(cov);
	gsl_matrix_free(X);
	return rc;
}

static void cpu_model(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];
	snprintf(buf, len, "unknown");
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, "model name", 10) == 0 && strchr(line, ':')) {
			char *v = strchr(line, ':') + 1;
			v += strspn(v, " \t");
			v[strcspn(v, "\n")] = '\0';
			snprintf(buf, len, "%s", v);
			break;
		}
	if (f)
		fclose(f);
}

/* A YAML double-quoted scalar's inside: the strings here have no control
 * characters, so quotes and backslashes are all there is to escape. */
static void put_quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

struct measure {
	const char *what, *unit;
	struct stat3 s;
	int samples;
};

/* Four significant digits in the unit that needs no exponent. */
static void put_duration(FILE *f, double seconds)
{
	if (seconds >= 1e-3)
		fprintf(f, "%.4fms", seconds * 1e3);
	else if (seconds >= 1e-6)
		fprintf(f, "%.4gus", seconds * 1e6);
	else
		fprintf(f, "%.4gns", seconds * 1e9);
}

/* The temporary file of --out while it is not complete ("" otherwise):
 * removed on any exit or fatal signal before it is renamed to FILE. */
static char out_tmp[4096];

static void remove_out_tmp(void)
{
	if (out_tmp[0])
		unlink(out_tmp);
}

static void remove_out_tmp_on_signal(int sig)
{
	if (out_tmp[0])
		unlink(out_tmp); /* async-signal-safe */
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Check --out FILE and create its temporary file (*f): 0, or -1 with why
 * not said (FILE a folder, its folder missing or not writable). */
static int open_out(const char *out, FILE **f)
{
	struct stat st;
	if (stat(out, &st) == 0 && S_ISDIR(st.st_mode)) {
		fprintf(stderr, "bench_host: --out %s: is a folder, expected a file\n", out);
		return -1;
	}
	int n = snprintf(out_tmp, sizeof out_tmp, "%s.tmp-%ld", out, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof out_tmp) {
		out_tmp[0] = '\0';
		fprintf(stderr, "bench_host: --out %s: path too long\n", out);
		return -1;
	}
	int fd = open(out_tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd < 0 || !(*f = fdopen(fd, "w"))) {
		fprintf(stderr, "bench_host: --out %s: cannot write %s: %s (nothing measured)\n",
		        out, out_tmp, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(out_tmp);
		}
		out_tmp[0] = '\0';
		return -1;
	}
	atexit(remove_out_tmp);
	signal(SIGINT, remove_out_tmp_on_signal);
	signal(SIGTERM, remove_out_tmp_on_signal);
	signal(SIGHUP, remove_out_tmp_on_signal);
	return 0;
}

int main(int argc, char **argv)
{
	int samples = 15;
	double mib = 64;
	const char *out = NULL, *name = NULL;
	static const struct option opts[] = {
	    {"samples", required_argument, NULL, 's'}, {"bytes", required_argument, NULL, 'b'},
	    {"name", required_argument, NULL, 'n'},    {"out", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0}};
	for (int c; (c = getopt_long(argc, argv, "h", opts, NULL)) != -1;) {
		char *end = NULL;
		switch (c) {
		case 's':
			samples = (int)strtol(optarg, &end, 10);
			if (*end || samples < 1 || samples > 1000) {
				fprintf(stderr, "bench_host: --samples %s: expected 1 to 1000\n",
				        optarg);
				return 2;
			}
			break;
		case 'b':
			mib = strtod(optarg, &end);
			if (*end || !(mib >= 1 && mib <= 4096)) {
				fprintf(stderr,
				        "bench_host: --bytes %s: expected 1 to 4096 (MiB)\n",
				        optarg);
				return 2;
			}
			break;
		case 'n':
			name = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "bench_host: unexpected argument '%s'\n%s", argv[optind], usage);
		return 2;
	}
	/* --out: the temporary file beside FILE is created now, before
	 * seconds of measuring, so that a folder that does not exist or cannot
	 * be written fails at once; FILE itself appears only complete. */
	FILE *f = stdout;
	if (out && open_out(out, &f))
		return 2;
	char base[256] = "this-host";
	if (!name && out) {
		const char *b = strrchr(out, '/') ? strrchr(out, '/') + 1 : out;
		snprintf(base, sizeof base, "%.*s", (int)strcspn(b, "."), b);
	}
	if (!name)
		name = base;

	size_t bytes = (size_t)(mib * MiB);
	size_t src_len = bytes < 64 * IO_CHUNK ? bytes : 64 * IO_CHUNK;
	char *src = malloc(bytes > src_len ? bytes : src_len), *dst = malloc(bytes);
	if (!src || !dst) {
		fprintf(stderr, "bench_host: cannot allocate 2 x %.0f MiB\n", mib);
		return 1;
	}
	memset(src, 0x5a, bytes > src_len ? bytes : src_len);
	memset(dst, 0, bytes);

	/* [k][i]: measurement k's sample i. */
	enum {
		MC,
		SD,
		RV,
		CJ,
		WK,
		TL,
		F0S,
		F0R,
		F4S,
		F4R,
		F256S,
		F256R,
		DR,
		DW,
		TC,
		F4P,
		SC,
		DE,
		UB,
		SPC,
		SPD,
		SPI,
		SPS,
		WKC,
		WKD,
		WKI,
		WKS,
		N_MEASURES
	};
	double *v[N_MEASURES];
	for (int k = 0; k < N_MEASURES; k++)
		if (!(v[k] = calloc((size_t)samples, sizeof *v[k]))) {
			fprintf(stderr, "bench_host: out of memory\n");
			return 1;
		}
	struct scenario *emu_scn = NULL, *end_scn = NULL;
	char err[512];
	if (scenario_load_text("bench_host.c", emu_yaml, strlen(emu_yaml), NULL, 0, &emu_scn, err,
	                       sizeof err) ||
	    scenario_load_text("bench_host.c", end_yaml, strlen(end_yaml), NULL, 0, &end_scn, err,
	                       sizeof err)) {
		fprintf(stderr, "bench_host: the emulated device's scenario: %s\n", err);
		return 1;
	}
	static const struct {
		uint64_t bytes;
		int send, recv, pump; /* where the samples go; pump -1: not kept */
	} frames[] = {{0, F0S, F0R, -1}, {4096, F4S, F4R, F4P}, {262144, F256S, F256R, -1}};
	struct crowd_point *pts = calloc((size_t)samples * CROWD_POINTS, sizeof *pts);
	double *stack_cap = calloc((size_t)samples, sizeof *stack_cap);
	if (!pts || !stack_cap) {
		fprintf(stderr, "bench_host: out of memory\n");
		return 1;
	}
	double t_begin = mono();
	for (int i = 0; i < samples; i++) {
		fprintf(stderr, "\rbench_host: sample %d/%d", i + 1, samples);
		v[MC][i] = memcpy_per_byte(dst, src, bytes);
		if (socket_per_byte(src, bytes, &v[SD][i], &v[RV][i])) {
			fprintf(stderr, "\nbench_host: the socketpair transfer failed: %s\n",
			        strerror(errno));
			return 1;
		}
		if ((v[CJ][i] = create_join()) < 0 || (v[WK][i] = wake_latency()) < 0) {
			fprintf(stderr, "\nbench_host: cannot create a thread\n");
			return 1;
		}
		v[TL][i] = timer_lateness();
		for (size_t f = 0; f < sizeof frames / sizeof frames[0]; f++)
			if (frame_cpu(src, frames[f].bytes, &v[frames[f].send][i],
			              &v[frames[f].recv][i],
			              frames[f].pump < 0 ? &(double){0} : &v[frames[f].pump][i])) {
				fprintf(stderr,
				        "\nbench_host: frames of %llu bytes over a real-world "
				        "channel failed\n",
				        (unsigned long long)frames[f].bytes);
				return 1;
			}
		if (device_io_cpu(emu_scn, &v[DR][i], &v[DW][i])) {
			fprintf(stderr, "\nbench_host: the emulated devices' data calls failed\n");
			return 1;
		}
		if ((v[TC][i] = task_cpu()) < 0) {
			fprintf(stderr, "\nbench_host: the real world's tasks failed\n");
			return 1;
		}
		if (waits_cpu(&v[SC][i], &v[UB][i])) {
			fprintf(stderr, "\nbench_host: the real world's sleeps and semaphores "
			                "failed\n");
			return 1;
		}
		if ((v[DE][i] = read_end_cpu(end_scn)) < 0) {
			fprintf(stderr, "\nbench_host: the emulated devices' end reads failed\n");
			return 1;
		}
		if (crowd_sample(&pts[(size_t)i * CROWD_POINTS], &stack_cap[i])) {
			fprintf(stderr, "\nbench_host: the real world's crowded spawns failed\n");
			return 1;
		}
		if (burst(0, &v[SPC][i], &v[SPD][i], &v[SPI][i], &v[SPS][i]) ||
		    burst(1, &v[WKC][i], &v[WKD][i], &v[WKI][i], &v[WKS][i])) {
			fprintf(stderr,
			        "\nbench_host: the real world's bursts of %d starts "
			        "failed\n",
			        BURST);
			return 1;
		}
	}
	fprintf(stderr, "\rbench_host: %d samples in %.1f s\n", samples, mono() - t_begin);
	struct measure m[] = {
	    {"memcpy", "CPU per byte", stats(v[MC], samples), samples},
	    {"socket send", "CPU per byte", stats(v[SD], samples), samples},
	    {"socket receive", "CPU per byte", stats(v[RV], samples), samples},
	    {"thread create + join", "wall, median of 500 pairs", stats(v[CJ], samples), samples},
	    {"wake-up of a parked thread", "wall, median of 200", stats(v[WK], samples), samples},
	    {"timer lateness of a 100 us sleep", "wall, median of 200", stats(v[TL], samples),
	     samples},
	    {"channel frame of 0 B, sending task", "CPU per frame, mean of 1000",
	     stats(v[F0S], samples), samples},
	    {"channel frame of 0 B, pump + receiving task", "CPU per frame, mean of 1000",
	     stats(v[F0R], samples), samples},
	    {"channel frame of 4 KiB, sending task", "CPU per frame, mean of 1000",
	     stats(v[F4S], samples), samples},
	    {"channel frame of 4 KiB, pump + receiving task", "CPU per frame, mean of 1000",
	     stats(v[F4R], samples), samples},
	    {"channel frame of 256 KiB, sending task", "CPU per frame, mean of 1000",
	     stats(v[F256S], samples), samples},
	    {"channel frame of 256 KiB, pump + receiving task", "CPU per frame, mean of 1000",
	     stats(v[F256R], samples), samples},
	    {"emulated device read of 4 KiB, caller + feeder thread", "CPU per call, mean of 500",
	     stats(v[DR], samples), samples},
	    {"emulated device write of 4 KiB, caller + checker thread", "CPU per call, mean of 500",
	     stats(v[DW], samples), samples},
	    {"task of the real world doing nothing", "CPU per task, mean of 200",
	     stats(v[TC], samples), samples},
	    {"channel frame of 4 KiB, the pump alone", "CPU per frame, mean of 1000",
	     stats(v[F4P], samples), samples},
	    {"sleep of 100 us of a real-world task", "CPU per sleep, median of 200",
	     stats(v[SC], samples), samples},
	    {"emulated device read finding the end of its stop-copy data",
	     "CPU per call, mean of 100", stats(v[DE], samples), samples},
	    {"semaphore acquire of a real-world task that blocks", "CPU per acquire, median of 200",
	     stats(v[UB], samples), samples},
	    {BURST_SPAWNS "the caller's CPU", "CPU per spawn, median of 64", stats(v[SPC], samples),
	     samples},
	    {BURST_SPAWNS "until the task runs", "wall, median of 64", stats(v[SPD], samples),
	     samples},
	    {BURST_SPAWNS "the caller's wall time", "wall per spawn, mean of 64",
	     stats(v[SPI], samples), samples},
	    {BURST_WAKES "the caller's CPU", "CPU per wake, median of 64", stats(v[WKC], samples),
	     samples},
	    {BURST_WAKES "until the task runs", "wall, median of 64", stats(v[WKD], samples),
	     samples},
	    {BURST_WAKES "the caller's wall time", "wall per wake, mean of 64",
	     stats(v[WKI], samples), samples},
	};
	/* The crowded bursts: each kind's medians over the samples, the share
	 * of its spawns that mapped a new stack, its other live tasks; then the
	 * fit over every burst of every sample. */
	static const char *const crowd_what[CROWD_POINTS] = {
	    CROWD_SPAWNS "0 other tasks parked, stacks from the cache",
	    CROWD_SPAWNS "64 other tasks parked, stacks from the cache",
	    CROWD_SPAWNS "256 other tasks parked, stacks from the cache",
	    CROWD_SPAWNS "the cache emptied by parked tasks, new stacks",
	    CROWD_SPAWNS "256 other tasks parked and the cache emptied, new stacks"};
	struct measure cm[CROWD_POINTS];
	double *col = calloc((size_t)samples, sizeof *col);
	if (!col) {
		fprintf(stderr, "bench_host: out of memory\n");
		return 1;
	}
	for (int r = 0; r < CROWD_POINTS; r++) {
		double fresh = 0, others = 0;
		for (int i = 0; i < samples; i++) {
			fresh += pts[(size_t)i * CROWD_POINTS + r].fresh / samples;
			others += pts[(size_t)i * CROWD_POINTS + r].others / samples;
			col[i] = pts[(size_t)i * CROWD_POINTS + r].cpu;
		}
		cm[r] = (struct measure){crowd_what[r], "CPU per spawn, median of 64",
		                         stats(col, samples), samples};
		fprintf(stderr,
		        "bench_host: %s: %.2f us, %.0f%% of the spawns mapped a new stack, "
		        "%.0f other tasks live (means of the samples)\n",
		        crowd_what[r] + strlen(CROWD_SPAWNS), cm[r].s.median * 1e6, 100 * fresh,
		        others);
	}
	free(col);
	double fit[3], fit_err[3];
	if (crowd_fit(pts, (size_t)samples * CROWD_POINTS, fit, fit_err)) {
		fprintf(stderr, "bench_host: the crowded spawns' least-squares fit failed\n");
		return 1;
	}
	/* b is only told apart from a when some bursts mapped new stacks and
	 * others did not: with glibc's cache off (GLIBC_TUNABLES
	 * glibc.pthread.stack_cache_size=0) every spawn maps one, and
	 * thread_create, measured in such spawns, already holds that cost;
	 * with a cache too large to empty none does.  Then the profile says 0. */
	double lo = 1, hi = 0;
	for (size_t k = 0; k < (size_t)samples * CROWD_POINTS; k++) {
		lo = fmin(lo, pts[k].fresh);
		hi = fmax(hi, pts[k].fresh);
	}
	double new_stack = hi - lo >= 0.5 ? fmax(0, fit[1]) : 0;
	if (hi - lo < 0.5)
		fprintf(stderr,
		        "bench_host: %s of the crowded bursts' spawns mapped a new stack: the "
		        "cost of one cannot be told apart (thread_create_new_stack: 0)\n",
		        hi < 0.5 ? "none" : "every one");
	double stack_cache = stats(stack_cap, samples).median;
	fprintf(stderr,
	        "bench_host: spawn CPU = %.2f (+-%.2f) us + %.2f (+-%.2f) us x (share of new "
	        "stacks) + %.4f (+-%.4f) us x (other live tasks), least squares over %d "
	        "bursts; the stack cache held %.0f of the real world's stacks (median; "
	        "%.0f-%.0f)\n",
	        fit[0] * 1e6, fit_err[0] * 1e6, fit[1] * 1e6, fit_err[1] * 1e6, fit[2] * 1e6,
	        fit_err[2] * 1e6, samples * CROWD_POINTS, stack_cache, stack_cap[0],
	        stack_cap[samples - 1]);
	fprintf(stderr,
	        "bench_host: bursts of %d: the new thread ran on its spawner's CPU in %.0f%% "
	        "of spawns, the woken one on its waker's in %.0f%% of hand-offs (medians of "
	        "the samples)\n",
	        BURST, 100 * stats(v[SPS], samples).median, 100 * stats(v[WKS], samples).median);
	/* What the model charges: a stream byte is read from one fd and written
	 * to another on each side (source: the device's data fd to the stream;
	 * destination: the stream to the device's data fd). */
	double per_byte = m[1].s.median + m[2].s.median;
	/* QEMU's pause_all_vcpus and resume_all_vcpus kick each vCPU thread
	 * and wait for it: one wake-up of a parked thread per vCPU. */
	double per_vcpu = m[4].s.median;
	/* Every emulated device wait and handler cost is a sleep: each ends
	 * this late, which the sim adds to every sleep (wake_latency). */
	double wake = m[5].s.median;
	/* A frame's own CPU beyond its bytes (which send/recv_cpu_per_byte
	 * charge): the 4 KiB frame's, less its bytes at this machine's socket
	 * cost per byte.  A device data call's own CPU likewise: the call's,
	 * less the caller's copy of its bytes (the stream's per-byte charge
	 * covers that one; the device thread's copy is the device's). */
	double frame_bytes = (double)RT_FRAME_HEADER_BYTES + 4096;
	double per_frame_send = fmax(0, m[8].s.median - frame_bytes * m[1].s.median);
	double per_frame_recv = fmax(0, m[9].s.median - frame_bytes * m[2].s.median);
	double dev_read = fmax(0, m[12].s.median - IO_BYTES * m[2].s.median);
	double dev_write = fmax(0, m[13].s.median - IO_BYTES * m[1].s.median);
	double per_task = m[14].s.median;
	/* Every sleep of the engine costs its thread this CPU (the sim spends
	 * it as the task wakes); a read that finds no data costs the caller
	 * this, not a data call's. */
	double per_sleep = m[16].s.median;
	double read_end = m[17].s.median;
	double unblock = m[18].s.median;
	/* A spawn and a pool hand-off in a burst, as a pass starts its
	 * transition threads: the caller's CPU per call, and the wall time per
	 * call beyond it (the caller off its core while the new or woken
	 * thread runs). */
	double create = m[19].s.median, create_wait = fmax(0, m[21].s.median - create);
	double wake_cpu = m[22].s.median, wake_wait = fmax(0, m[24].s.median - wake_cpu);

	char cpu[256], date[64], host[512] = "";
	struct utsname u;
	cpu_model(cpu, sizeof cpu);
	time_t now = time(NULL);
	strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	if (uname(&u) == 0)
		snprintf(host, sizeof host, "%s %s %s", u.sysname, u.release, u.machine);
	fprintf(f,
	        "# Host profile written by bench/bench_host (docs/model.md \"Hosts and CPUs\").\n");
	fprintf(f, "name: %s\n", name);
	fprintf(f, "description: ");
	put_quoted(f, "send/recv_cpu_per_byte = socket send + socket receive CPU per byte "
	              "(each side reads one fd and writes another per stream byte); "
	              "vcpu_pause/resume = one wake-up of a parked thread per vCPU "
	              "(QEMU kicks each vCPU thread and waits for it); "
	              "wake_latency = timer lateness of a 100 us sleep; "
	              "send/recv_cpu_per_frame = CPU per 4 KiB frame over a real-world channel "
	              "(sending task; pump + receiving task) less its bytes at the socket cost "
	              "per byte; device_read/write_cpu = CPU per 4 KiB data call of an emulated "
	              "device (caller + its feeder/checker thread) less the caller's copy; "
	              "task_cpu = CPU of a real-world task that does nothing; "
	              "sleep_cpu = CPU a 100 us sleep of a real-world task costs it; "
	              "device_read_end_cpu = CPU of an emulated device read that finds the "
	              "end of its stop-copy data; unblock_cpu = CPU a real-world task that "
	              "blocked on a semaphore spends in the acquire; thread_create/thread_wake = "
	              "the caller's CPU per spawn / pool hand-off (rt_wake) of a real-world "
	              "task, in a burst of 64 tasks that sleep at once (64 other tasks parked); "
	              "thread_create_wait/"
	              "thread_wake_wait = the caller's wall time per call in that burst less "
	              "that CPU; thread_create_new_stack = b of the least-squares fit of the "
	              "caller's CPU per spawn = a + b x (share of spawns that mapped a new "
	              "stack) + c x (other live tasks) over bursts of 64 spawns with 0, 64 and "
	              "256 other tasks parked and the stack cache warm, and with it emptied "
	              "(new stacks), 0 when every burst or none mapped new stacks; "
	              "thread_stack_cache = how many joined real-world tasks' "
	              "stacks the thread library kept for reuse (512 live at once, joined, "
	              "spawned again: those that mapped no new stack; 512 is a lower bound)");
	fprintf(f, "\ncommand: ");
	char cmd[2048] = "";
	for (int i = 0; i < argc; i++) {
		size_t used = strlen(cmd);
		snprintf(cmd + used, sizeof cmd - used, "%s%s", i ? " " : "", argv[i]);
	}
	put_quoted(f, cmd);
	fprintf(f, "\ndate: %s\ncpu: ", date);
	put_quoted(f, cpu);
	fprintf(f, "\nmachine: ");
	put_quoted(f, host);
	fprintf(f, "\nhost:\n  cores: %ld\n  send_cpu_per_byte: ", sysconf(_SC_NPROCESSORS_ONLN));
	put_duration(f, per_byte);
	fprintf(f, "\n  recv_cpu_per_byte: ");
	put_duration(f, per_byte);
	fprintf(f, "\n  vcpu_pause: ");
	put_duration(f, per_vcpu);
	fprintf(f, "\n  vcpu_resume: ");
	put_duration(f, per_vcpu);
	fprintf(f, "\n  wake_latency: ");
	put_duration(f, wake);
	fprintf(f, "\n  task_cpu: ");
	put_duration(f, per_task);
	fprintf(f, "\n  sleep_cpu: ");
	put_duration(f, per_sleep);
	fprintf(f, "\n  unblock_cpu: ");
	put_duration(f, unblock);
	fprintf(f, "\n  send_cpu_per_frame: ");
	put_duration(f, per_frame_send);
	fprintf(f, "\n  recv_cpu_per_frame: ");
	put_duration(f, per_frame_recv);
	fprintf(f, "\n  device_read_cpu: ");
	put_duration(f, dev_read);
	fprintf(f, "\n  device_read_end_cpu: ");
	put_duration(f, read_end);
	fprintf(f, "\n  device_write_cpu: ");
	put_duration(f, dev_write);
	fprintf(f, "\n  thread_create: ");
	put_duration(f, create);
	fprintf(f, "\n  thread_create_wait: ");
	put_duration(f, create_wait);
	fprintf(f, "\n  thread_wake: ");
	put_duration(f, wake_cpu);
	fprintf(f, "\n  thread_wake_wait: ");
	put_duration(f, wake_wait);
	fprintf(f, "\n  thread_create_new_stack: ");
	put_duration(f, new_stack);
	fprintf(f, "\n  thread_stack_cache: %.0f", stack_cache);
	fprintf(f, "\nmeasurements:\n");
	for (size_t i = 0; i < sizeof m / sizeof m[0] + CROWD_POINTS; i++) {
		const struct measure *mi =
		    i < sizeof m / sizeof m[0] ? &m[i] : &cm[i - sizeof m / sizeof m[0]];
		fprintf(f, "  - {what: ");
		put_quoted(f, mi->what);
		fprintf(f, ", unit: ");
		put_quoted(f, mi->unit);
		fprintf(f, ", median: ");
		put_duration(f, mi->s.median);
		fprintf(f, ", min: ");
		put_duration(f, mi->s.min);
		fprintf(f, ", max: ");
		put_duration(f, mi->s.max);
		fprintf(f, ", samples: %d}\n", mi->samples);
	}
	if (out && (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0 || fclose(f) != 0 ||
	            rename(out_tmp, out) != 0)) {
		fprintf(stderr, "bench_host: %s: %s\n", out, strerror(errno));
		return 1;
	}
	out_tmp[0] = '\0'; /* renamed: nothing to remove */
	free(src);
	free(dst);
	for (int k = 0; k < N_MEASURES; k++)
		free(v[k]);
	free(pts);
	free(stack_cap);
	scenario_free(emu_scn);
	scenario_free(end_scn);
	return 0;
}
