/*
 * runtime_contract.h - one conformance suite for the runtime contract
 * (models/runtime.h), run by every world through a small adapter.
 *
 * The cases (runtime_contract.c) are written once against struct rt.  A
 * world says how to make, run and free its runtime and how its clock is
 * asserted: a simulated world's times are exact, a real world's clock can
 * only be later than the model says, never earlier (a sleep does not return
 * early, a paced link is not faster, a task does not see an event before it
 * was set).  Counts, order and bytes are exact in every world.  A new world
 * gets the whole suite by filling in one struct contract_world.
 */
#ifndef SWITCHOVER_RUNTIME_CONTRACT_H
#define SWITCHOVER_RUNTIME_CONTRACT_H

#include <stdbool.h>
#include <stddef.h>

#include "runtime.h"

/* What a case asks of a fresh runtime: its link and the charges of
 * spawn, join and wake (a world that does not model charges ignores them). */
struct contract_link {
	double bandwidth_Bps; /* each direction; > 0 */
	double latency_s;     /* one way; >= 0 */
	double create_s, join_s, wake_s;
};

/* One link setting of the transfer sweep. */
struct contract_sweep_link {
	double bandwidth_Bps, latency_s;
};

struct contract_world {
	const char *name; /* CUnit suite name */
	/* A runtime with `link`; NULL on failure (the case then fails). */
	struct rt *(*make)(const struct contract_link *link);
	/* Run fn(arg) as the root task until every task of the run ended:
	 * 0, or a negative errno with a message in err. */
	int (*run)(struct rt *rt, rt_task_fn fn, void *arg, char *err, size_t errlen);
	void (*free)(struct rt *rt);
	/* The machine the calling task runs on ("src"/"dst"), or NULL when the
	 * world does not place tasks on machines it can name. */
	const char *(*task_host)(void);
	bool exact;       /* simulated clock: times are asserted equal, not bounded below */
	bool charges;     /* spawn/join/wake cost exactly their configured charges */
	int carries_data; /* the value of rt->carries_data */
	double tick;      /* seconds of one time unit of the cases' sleeps */
	double big_frame; /* largest frame of the transfer sweep, bytes */
	const struct contract_sweep_link *sweep; /* link settings of the transfer sweep */
	size_t n_sweep;
};

/* Add the contract's suite, run in `w` (which must outlive the run). */
void contract_register(const struct contract_world *w);

#endif
