/*
 * bench_threads.c - what one transition thread costs on this machine: the
 * pthread_create and pthread_join of a thread that returns at once, timed
 * call by call with CLOCK_MONOTONIC (medians over many pairs), and the join
 * of a thread that has already ended, which is what the strategies pay (a
 * transition thread ends with its arc, long before its join).  The sim
 * world's defaults thread_create / thread_join come from this measurement
 * (models/scenario.c, docs/performance.md).
 *
 * Then what a pool hand-off costs (migration.threads: pool): waking a
 * thread parked in the real world's semaphore, through the rt_pthread ops
 * the pool itself uses (rt_wake), timed on the waker's side, and taking the
 * worker's "done" once it has been posted (the pool's counterpart of
 * joining a thread that has ended).  The sim default thread_wake comes from
 * this and from bench_real.
 *
 * Last, what a thread's end costs that no thread's CPU clock holds (the
 * "other" of bench_agreement --window-cpu): threads of the real world's
 * stack size (256 KiB) that read their own CPU clock as their last act,
 * created and joined either one at a time or in a batch of 128 released
 * together by a barrier (as the save and load threads of 64 devices end
 * in one stop-copy phase); the process's CPU clock over the batch less
 * the creator's clock and each thread's last read, per thread.
 *
 *   bench_threads [PAIRS]     default 10000
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "rt_pthread.h"

static void *nothing(void *arg) { return arg; }

/* Says it is done, then returns: joined after it has ended, as the
 * strategies join a thread that finished its arc long before. */
static void *flag_done(void *arg)
{
	atomic_store((atomic_int *)arg, 1);
	return NULL;
}

/* A pool worker with nothing to do: parked on `go`, posts `done` per wake-up. */
struct parked {
	struct rt *rt;
	struct rt_sem *go, *done;
	long rounds;
};

static void *parked_worker(void *arg)
{
	struct parked *w = arg;
	for (long i = 0; i < w->rounds; i++) {
		w->rt->ops->sem_acquire(w->go);
		w->rt->ops->sem_release(w->done);
	}
	return NULL;
}

static void settle(void)
{
	struct timespec ts = {0, 100000}; /* 100 us: the other thread is parked again */
	nanosleep(&ts, NULL);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double clock_of(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#define BATCH 128

struct ender {
	pthread_barrier_t *go; /* NULL: ends at once */
	double cpu;            /* its CPU clock as its last act */
};

static void *end_now(void *arg)
{
	struct ender *e = arg;
	if (e->go)
		pthread_barrier_wait(e->go);
	e->cpu = clock_of(CLOCK_THREAD_CPUTIME_ID);
	return NULL;
}

/* Per thread, the process CPU of `rounds` batches of n threads (n = 1: one
 * at a time; else released together) that neither the creator's clock nor
 * the threads' last reads hold.  Median over the rounds; < 0 on failure. */
static double end_cpu(int n, int rounds)
{
	pthread_attr_t a;
	if (pthread_attr_init(&a) || pthread_attr_setstacksize(&a, 256 * 1024))
		return -1;
	double *per = malloc((size_t)rounds * sizeof *per);
	struct ender e[BATCH];
	pthread_t t[BATCH];
	pthread_barrier_t go;
	bool ok = per && n >= 1 && n <= BATCH;
	for (int r = 0; ok && r < rounds; r++) {
		if (n > 1 && pthread_barrier_init(&go, NULL, (unsigned)n + 1)) {
			ok = false;
			break;
		}
		double p0 = clock_of(CLOCK_PROCESS_CPUTIME_ID), m0 = clock_of(CLOCK_THREAD_CPUTIME_ID);
		double own = 0;
		int made = 0;
		for (; made < n; made++) {
			e[made] = (struct ender){n > 1 ? &go : NULL, 0};
			if (pthread_create(&t[made], &a, end_now, &e[made]))
				break;
		}
		ok = made == n;
		if (ok && n > 1)
			pthread_barrier_wait(&go);
		for (int i = 0; i < made; i++) {
			pthread_join(t[i], NULL);
			own += e[i].cpu;
		}
		double p1 = clock_of(CLOCK_PROCESS_CPUTIME_ID), m1 = clock_of(CLOCK_THREAD_CPUTIME_ID);
		if (n > 1)
			pthread_barrier_destroy(&go);
		per[r] = ((p1 - p0) - (m1 - m0) - own) / n;
	}
	pthread_attr_destroy(&a);
	double med = -1;
	if (ok) {
		qsort(per, (size_t)rounds, sizeof *per, cmp);
		med = per[rounds / 2];
	}
	free(per);
	return med;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	long pairs = argc > 1 ? atol(argv[1]) : 10000;
	if (pairs < 1 || (argc > 1 && argv[1][0] == '-')) {
		fprintf(stderr, "usage: bench_threads [PAIRS]\n"
				"Median pthread_create and pthread_join times of PAIRS threads that\n"
				"return at once (the sim defaults thread_create / thread_join), and of\n"
				"PAIRS wake-ups of a parked pool worker (thread_wake), then the CPU a\n"
				"thread's end costs beyond the CPU clocks, one at a time and 128 at once.\n");
		return 2;
	}
	double *create = malloc((size_t)pairs * sizeof *create);
	double *join = malloc((size_t)pairs * sizeof *join);
	if (!create || !join)
		return 1;
	for (long i = 0; i < pairs; i++) {
		pthread_t t;
		double t0 = now();
		if (pthread_create(&t, NULL, nothing, NULL))
			return 1;
		double t1 = now();
		pthread_join(t, NULL);
		double t2 = now();
		create[i] = t1 - t0;
		join[i] = t2 - t1;
	}
	double *ended = malloc((size_t)pairs * sizeof *ended);
	if (!ended)
		return 1;
	for (long i = 0; i < pairs; i++) {
		pthread_t t;
		atomic_int done = 0;
		if (pthread_create(&t, NULL, flag_done, &done))
			return 1;
		while (!atomic_load(&done))
			sched_yield();
		struct timespec settle = {0, 100000}; /* let it finish exiting */
		nanosleep(&settle, NULL);
		double t0 = now();
		pthread_join(t, NULL);
		ended[i] = now() - t0;
	}
	double *wake = malloc((size_t)pairs * sizeof *wake);
	double *wait_done = malloc((size_t)pairs * sizeof *wait_done);
	struct rtp_config rcfg = {.io_timeout_s = RTP_DEFAULT_IO_TIMEOUT_S};
	struct parked w = {.rt = rtp_new(&rcfg, NULL, 0), .rounds = pairs};
	if (!wake || !wait_done || !w.rt)
		return 1;
	w.go = w.rt->ops->sem_new(w.rt, 0);
	w.done = w.rt->ops->sem_new(w.rt, 0);
	pthread_t wt;
	if (!w.go || !w.done || pthread_create(&wt, NULL, parked_worker, &w))
		return 1;
	for (long i = 0; i < pairs; i++) {
		settle();
		double t0 = now();
		rt_wake(w.rt, w.go);
		wake[i] = now() - t0;
		settle();
		t0 = now();
		w.rt->ops->sem_acquire(w.done);
		wait_done[i] = now() - t0;
	}
	pthread_join(wt, NULL);
	w.rt->ops->sem_free(w.go);
	w.rt->ops->sem_free(w.done);
	rtp_free(w.rt);
	qsort(create, (size_t)pairs, sizeof *create, cmp);
	qsort(join, (size_t)pairs, sizeof *join, cmp);
	qsort(ended, (size_t)pairs, sizeof *ended, cmp);
	printf("pairs %ld\nthread_create_s median %.3g p5 %.3g p95 %.3g\n"
	       "thread_join_s   median %.3g p5 %.3g p95 %.3g (right after create: waits for "
	       "the thread)\n"
	       "join_ended_s    median %.3g p5 %.3g p95 %.3g (a thread that has ended: what "
	       "the strategies pay; the sim default)\n",
	       pairs, create[pairs / 2], create[pairs / 20], create[pairs * 19 / 20], join[pairs / 2],
	       join[pairs / 20], join[pairs * 19 / 20], ended[pairs / 2], ended[pairs / 20],
	       ended[pairs * 19 / 20]);
	qsort(wake, (size_t)pairs, sizeof *wake, cmp);
	qsort(wait_done, (size_t)pairs, sizeof *wait_done, cmp);
	printf("thread_wake_s   median %.3g p5 %.3g p95 %.3g (rt_wake of a parked pool worker, "
	       "waker's side: the pool's hand-off)\n"
	       "wait_done_s     median %.3g p5 %.3g p95 %.3g (taking a worker's posted done: "
	       "the pool's join)\n",
	       wake[pairs / 2], wake[pairs / 20], wake[pairs * 19 / 20], wait_done[pairs / 2],
	       wait_done[pairs / 20], wait_done[pairs * 19 / 20]);
	int rounds = pairs / BATCH < 5 ? 5 : (int)(pairs / BATCH);
	double alone = end_cpu(1, rounds * BATCH), together = end_cpu(BATCH, rounds);
	if (alone < 0 || together < 0)
		return 1;
	printf("end_cpu_s       median %.3g alone, %.3g each of %d ending together (process CPU "
	       "per thread that neither its creator's nor its own CPU clock holds)\n",
	       alone, together, BATCH);
	free(wake);
	free(wait_done);
	free(ended);
	free(create);
	free(join);
	return 0;
}
