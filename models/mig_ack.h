/*
 * mig_ack.h - switchover-ack accounting and the return path (mig_ack.c).
 */
#ifndef SWITCHOVER_MIG_ACK_H
#define SWITCHOVER_MIG_ACK_H

#include "mig_internal.h"

/* Source: the pending count at setup (legacy: 1 for everything). */
void mig_ack_reset(struct mig *m);
/* Source: count the ACK requests devices made since the last query (QEMU:
 * the switchover_ack_pending each handler's pending query reports), traced
 * as collected by query `query_kind`.  Returns how many were collected. */
int mig_ack_collect(struct mig *m, int query_kind);
/* Source: ACKs still pending. */
int mig_ack_pending(struct mig *m);
/* Source: apply the scenario's late-ACK rule to the final query (pending
 * `saved` before it, `now` after, `collected` requests during it); a
 * violation fails the migration. */
void mig_ack_late_rule(struct mig *m, int saved, int now, int collected);
/* Source task "return-path": counts ACKs down (one with none pending fails
 * the migration: "underflow") until the destination reports running or
 * failed, or the path breaks.  arg is the struct mig. */
void mig_ack_return_path_task(void *arg);
/* Destination: send an ACK for `device` (-1: all), traced with `why`. */
void mig_ack_send(struct mig *m, int device, const char *why);
/* Destination: INIT_DATA_SENT loaded for md.  Legacy counts approvals down
 * to one ACK (*legacy_needed); new ACKs each one. */
void mig_ack_approve(struct mig *m, struct mig_device *md, int *legacy_needed);

#endif
