/*
 * mig_source.h - the source migration thread (mig_source.c).
 */
#ifndef SWITCHOVER_MIG_SOURCE_H
#define SWITCHOVER_MIG_SOURCE_H

#include "mig_internal.h"

/* The source's part, run by the "migration" task: everything up to the
 * destination's answer, then cleanup or recovery. */
void mig_source_run(struct mig *m);

#endif
