/*
 * mig_handlers.h - the scenario's non-VFIO change-state handlers
 * (mig_handlers.c).
 */
#ifndef SWITCHOVER_MIG_HANDLERS_H
#define SWITCHOVER_MIG_HANDLERS_H

#include "mig_internal.h"

/* m->handlers from the scenario, each with its random stream.  Returns 0
 * or -ENOMEM (mig_handlers_free cleans up either way). */
int mig_handlers_new(struct mig *m);
void mig_handlers_free(struct mig *m);
/* Register the handlers that run on `side` in its registry. */
int mig_handlers_register(struct mig *m, struct mig_side *side);

#endif
