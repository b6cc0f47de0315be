/*
 * strategy_list.h - the transition strategies, one line each.
 *
 * The one place a strategy is named: its enum value (what a scenario
 * stores), the word scenario files and --strategy use, and the ops table its
 * file under models/strategies/ defines (strategy.h).  Adding a strategy is
 * one new file there and one line here; the enum, the scenario names
 * (scenario.c) and the ops lookup (strategy.c) are all expanded from this
 * list, in this order.
 *
 * Kept apart from strategy.h so that scenario.h can name the strategies
 * without pulling in the engine's headers.
 */
#ifndef SWITCHOVER_STRATEGY_LIST_H
#define SWITCHOVER_STRATEGY_LIST_H

/* X(enum value, scenario word, ops table) */
#define STRATEGY_LIST(X)                                                                           \
	X(STRATEGY_SEQUENTIAL, "sequential", strategy_sequential)                                  \
	X(STRATEGY_PARALLEL_PRIO, "parallel-prio", strategy_parallel_prio)                         \
	X(STRATEGY_PARALLEL_BARRIER, "parallel-barrier", strategy_parallel_barrier)                \
	/* a new strategy: one line above this one */

enum strategy_kind {
#define STRATEGY_ENUM_ENTRY(kind, word, ops) kind,
	STRATEGY_LIST(STRATEGY_ENUM_ENTRY)
#undef STRATEGY_ENUM_ENTRY
	    STRATEGY_COUNT /* how many there are; not a strategy */
};

#endif
