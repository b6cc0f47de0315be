/* test_threads.h - the thread events of a run's trace, counted (the pool
 * and per-pass tests of test_strategy.c and test_real.c). */
#ifndef SWITCHOVER_TEST_THREADS_H
#define SWITCHOVER_TEST_THREADS_H

#include <stdbool.h>
#include <string.h>

#include "trace.h"

/* Thread-event pairs of a run: pool workers created (pass -1 spawns) and
 * ended (pass -1 joins), and transitions launched and collected in a pass;
 * every worker ends before the run does. */
struct thread_counts {
	int worker_spawns, worker_joins, launches, collects, pool_texts;
	bool workers_end_before_run_end;
};

static inline struct thread_counts count_threads(const struct trace *tr)
{
	struct thread_counts c = {.workers_end_before_run_end = true};
	bool run_ended = false;
	for (size_t k = 0; k < tr->n; k++) {
		const struct trace_event *e = &tr->ev[k];
		run_ended |= e->kind == TRACE_RUN_END;
		if (e->kind != TRACE_THREAD_SPAWN && e->kind != TRACE_THREAD_JOIN)
			continue;
		bool spawn = e->kind == TRACE_THREAD_SPAWN;
		if (e->pass < 0) {
			*(spawn ? &c.worker_spawns : &c.worker_joins) += 1;
			if (!spawn && run_ended)
				c.workers_end_before_run_end = false;
		} else {
			*(spawn ? &c.launches : &c.collects) += 1;
		}
		c.pool_texts += e->text && strcmp(e->text, "pool") == 0;
	}
	return c;
}

#endif
