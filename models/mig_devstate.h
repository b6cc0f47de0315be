/*
 * mig_devstate.h - device state over the multifd channels at switchover
 * (mig_devstate.c; QEMU 10's x-migration-multifd-transfer, here
 * migration.multifd_transfer and, per device group, devices[].multifd_transfer).
 */
#ifndef SWITCHOVER_MIG_DEVSTATE_H
#define SWITCHOVER_MIG_DEVSTATE_H

#include "mig_internal.h"

/* Set up this run's device-state transfer and set m->load_state_buffer.
 * Called before the channels start.  Returns 0 or -ENOMEM. */
int mig_devstate_new(struct mig *m);
void mig_devstate_free(struct mig *m);
/* Whether the run does multifd device-state transfer (the scenario's keys
 * resolved against its channels: scenario_multifd_transfer). */
bool mig_devstate_on(const struct mig *m);
/* Whether device i (source or destination index) is one whose state goes
 * over the channels (scenario_device_multifd_transfer). */
bool mig_devstate_device_on(const struct mig *m, size_t i);

/* Source migration task, after the final query: with multifd channels,
 * start one save task per device (QEMU's save_complete_precopy_thread),
 * each of a device whose state goes over the channels reading its stop-copy
 * state chunk by chunk and queueing it on the channels as numbered packets,
 * its config state last; that of a device whose transfer is off returns at
 * once.  Costs a thread creation each.  Without channels, nothing. */
void mig_devstate_save_start(struct mig *m);
/* Join the save tasks, then, when some device's state went over the
 * channels, wait until the channels have sent every packet.  Source
 * migration task. */
void mig_devstate_save_end(struct mig *m);

/* Destination load task, on the switchover-start record: start one load
 * task per device whose state comes over the channels (QEMU's
 * vfio_load_bufs_thread), each writing its device's packets to the device
 * in buffer order, then its config state.  Returns 0, or -errno (recorded)
 * when the run does not do multifd transfer. */
int mig_devstate_load_start(struct mig *m);
/* Destination load task, at end of stream (ok) or when loading failed:
 * wait for the load tasks (cancelled unless ok).  Returns 0, or -errno
 * when a device's state did not load completely (recorded). */
int mig_devstate_load_end(struct mig *m, bool ok);

#endif
