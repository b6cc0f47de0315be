/*
 * strategy.c - the strategy table (expanded from STRATEGY_LIST) and the
 * dispatchers through which the engine calls a strategy's ops.
 */
#include "strategy.h"

#include <errno.h>

#define STRATEGY_OPS_DECL(kind, word, ops) extern const struct strategy_ops ops;
STRATEGY_LIST(STRATEGY_OPS_DECL)
#undef STRATEGY_OPS_DECL

static const struct strategy_ops *const strategy_table[STRATEGY_COUNT] = {
#define STRATEGY_OPS_ENTRY(kind, word, ops) [kind] = &ops,
    STRATEGY_LIST(STRATEGY_OPS_ENTRY)
#undef STRATEGY_OPS_ENTRY
};

const struct strategy_ops *strategy_ops_of(enum strategy_kind kind)
{
	return (unsigned)kind < STRATEGY_COUNT ? strategy_table[kind] : NULL;
}

int strategy_setup(struct strategy_side *side)
{
	/* A validated scenario always names a strategy of the list. */
	return side->ops ? side->ops->setup(side) : -EINVAL;
}

void strategy_before_notify(struct strategy_side *side)
{
	if (side->ops && side->ops->before_notify)
		side->ops->before_notify(side);
}

void strategy_end(struct strategy_side *side)
{
	if (side->ops && side->ops->end)
		side->ops->end(side);
}

void strategy_release(struct strategy_side *side)
{
	strategy_end(side);
	if (side->ops && side->ops->release)
		side->ops->release(side);
	side->priv = NULL;
}
