/*
 * mig_side.h - one side's devices and change-state handlers (mig_side.c).
 */
#ifndef SWITCHOVER_MIG_SIDE_H
#define SWITCHOVER_MIG_SIDE_H

#include "mig_internal.h"

/* Set up `side` over `devs` (the scenario's count): its devices, the
 * strategy's handler entries, then the scenario's other handlers, with
 * `task` running its notifies.  Called by m->task.  Returns 0 or -errno
 * (mig_side_free cleans up either way). */
int mig_side_init(struct mig *m, struct mig_side *side, enum rt_side which, struct device **devs,
                  const char *task);
void mig_side_free(struct mig_side *side);
/* Run the side's handlers for a VM start (`running`) or stop. */
void mig_side_notify(struct mig_side *side, bool running);

#endif
