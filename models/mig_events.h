/*
 * mig_events.h - QMP events of the devices (mig_events.c).  The QOM path
 * helper is public: migration.h.
 */
#ifndef SWITCHOVER_MIG_EVENTS_H
#define SWITCHOVER_MIG_EVENTS_H

#include "mig_internal.h"

/* Trace the VFIO_MIGRATION event `kind` (enum trace_qmp) of a device
 * reaching or about to reach `state` (its QMP name). */
void mig_qmp_event(struct mig_device *md, int kind, const char *state, const char *task);

#endif
