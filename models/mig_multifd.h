/*
 * mig_multifd.h - the multifd channels and what is sent over them
 * (mig_multifd.c): RAM, and the device-state packets mig_devstate.c queues.
 */
#ifndef SWITCHOVER_MIG_MULTIFD_H
#define SWITCHOVER_MIG_MULTIFD_H

#include "mig_internal.h"

/* Open the scenario's channels and start their sender (source) and
 * receiver (destination) tasks.  Returns 0 or -ENOMEM. */
int mig_multifd_start(struct mig *m);
/* Send `bytes` of RAM: split evenly over the channels, in parallel, or
 * (`packets`) in QEMU's 512 KiB multifd packets, each to the next free
 * channel, so that it shares the channels with device-state packets; on
 * the main stream without channels.  Blocks until all are sent.
 * `stopcopy`: after the VM stop (the records say so: MIG_DATA_STOPCOPY). */
int mig_multifd_send_ram(struct mig *m, uint64_t bytes, bool packets, bool stopcopy);
/* Hand one device-state frame (MIG_REC_DEV_STATE) to the next free channel,
 * as QEMU's multifd_queue_device_state does: blocks while every channel is
 * busy, not while the frame is sent.  `*buf` holds f->bytes of data when
 * the world carries data; it is swapped with the channel's own buffer (of
 * chunk_size bytes), so the caller gets a free buffer back.  Called by the
 * source's save tasks; never fails (a failed send fails the migration). */
void mig_multifd_queue(struct mig *m, const struct rt_frame *f, void **buf);
/* Wait until every channel has sent what it was handed (QEMU's
 * multifd_send_sync_main).  Source migration task. */
void mig_multifd_sync(struct mig *m);
/* Senders end their channel (the receivers then return).  Idempotent. */
void mig_multifd_quit(struct mig *m);
/* Join the channels' tasks of `side`. */
void mig_multifd_join(struct mig *m, enum rt_side side);
void mig_multifd_free(struct mig *m);

#endif
