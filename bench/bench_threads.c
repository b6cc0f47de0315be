/*
 * bench_threads.c - what one transition thread costs on this machine: the
 * pthread_create and pthread_join of a thread that returns at once, timed
 * call by call with CLOCK_MONOTONIC (medians over many pairs), and the join
 * of a thread that has already ended, which is what the strategies pay (a
 * transition thread ends with its arc, long before its join).  The sim
 * world's defaults thread_create / thread_join come from this measurement
 * (models/scenario.c, docs/performance.md).
 *
 *   bench_threads [PAIRS]     default 10000
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static void *nothing(void *arg) { return arg; }

/* Says it is done, then returns: joined after it has ended, as the
 * strategies join a thread that finished its arc long before. */
static void *flag_done(void *arg)
{
	atomic_store((atomic_int *)arg, 1);
	return NULL;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	long pairs = argc > 1 ? atol(argv[1]) : 10000;
	if (pairs < 1 || (argc > 1 && argv[1][0] == '-')) {
		fprintf(stderr, "usage: bench_threads [PAIRS]\n"
				"Median pthread_create and pthread_join times of PAIRS threads that\n"
				"return at once (the sim defaults thread_create / thread_join).\n");
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
	free(ended);
	free(create);
	free(join);
	return 0;
}
