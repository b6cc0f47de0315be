/*
 * mig_multifd.h - the multifd channels and the RAM sent over them
 * (mig_multifd.c).
 */
#ifndef SWITCHOVER_MIG_MULTIFD_H
#define SWITCHOVER_MIG_MULTIFD_H

#include "mig_internal.h"

/* Open the scenario's channels and start their sender (source) and
 * receiver (destination) tasks.  Returns 0 or -ENOMEM. */
int mig_multifd_start(struct mig *m);
/* Send `bytes` of RAM: split evenly over the channels, in parallel, or on
 * the main stream without channels.  Blocks until all are sent. */
int mig_multifd_send_ram(struct mig *m, uint64_t bytes);
/* Senders end their channel (the receivers then return).  Idempotent. */
void mig_multifd_quit(struct mig *m);
/* Join the channels' tasks of `side`. */
void mig_multifd_join(struct mig *m, enum rt_side side);
void mig_multifd_free(struct mig *m);

#endif
