/*
 * mig_device.h - device transitions (mig_device.c).
 */
#ifndef SWITCHOVER_MIG_DEVICE_H
#define SWITCHOVER_MIG_DEVICE_H

#include "mig_internal.h"

/* Move a device to `target` one direct arc at a time (vfio_fsm_next),
 * tracing every arc with `step` (enum trace_pass or -1) and `reason`, and
 * emitting the QMP events of the scenario's event design (one transition is
 * one QEMU set_state call).  Blocks for the arcs.  Returns 0 or the first
 * arc's negative errno (the migration failed). */
int mig_device_goto(struct mig_device *md, enum vfio_state target, int step, const char *task,
                    const char *reason);

/* VFIO_DEVICE_RESET of a device that is not in RUNNING (QEMU's
 * vfio_migration_set_state_or_reset after a failed arc; a destination
 * QEMU's devices released when a failed incoming migration ends it),
 * traced as an arc to RUNNING with the text "reset".  `reason` goes in the
 * error when the reset itself fails.  Blocks.  0 (also when nothing was to
 * do or the device cannot reset) or the reset's negative errno. */
int mig_device_reset(struct mig_device *md, const char *task, const char *reason);

/* The transition a VFIO handler performs (QEMU's vfio_vmstate_change_prepare
 * for the prepare pass, with the final REINIT check on the source;
 * vfio_vmstate_change for the main pass). */
int mig_device_transition(struct mig_device *md, bool running, int pass, const char *task);

#endif
