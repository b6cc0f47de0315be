/*
 * mig_destination.h - the destination's load task (mig_destination.c).
 */
#ifndef SWITCHOVER_MIG_DESTINATION_H
#define SWITCHOVER_MIG_DESTINATION_H

#include "mig_internal.h"

/* Load the stream, start the VM, report running or failed on the return
 * path.  Run by the "load" task. */
void mig_destination_run(struct mig *m);
/* mig_destination_run as a task body; arg is the struct mig. */
void mig_destination_task(void *arg);

#endif
