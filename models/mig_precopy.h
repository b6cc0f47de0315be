/*
 * mig_precopy.h - the source's pending-data queries, INIT_DATA_SENT and
 * REINIT (mig_precopy.c).
 */
#ifndef SWITCHOVER_MIG_PRECOPY_H
#define SWITCHOVER_MIG_PRECOPY_H

#include "mig_internal.h"

/* Precopy info of a source device, traced; `final` marks the REINIT check
 * of the prepare handler (its failure counts as a REINIT and is not
 * returned).  A REINIT after INIT_DATA_SENT requests a new ACK. */
int mig_precopy_query(struct mig_device *md, struct device_precopy_info *info, bool final,
                      const char *task);
/* Precopy data each device has now (initial + dirty), into avail[], added
 * to *total; collects the ACK requests.  Returns 0 or -errno (failed). */
int mig_precopy_estimate(struct mig *m, uint64_t *avail, uint64_t *total);
/* Stop-copy sizes of every device, added to *total.  Returns 0 or -errno. */
int mig_precopy_exact(struct mig *m, uint64_t *total);
/* Trace a query's result (kind: enum trace_query). */
void mig_precopy_trace_query(struct mig *m, int kind, uint64_t bytes);
/* After a device's round: its initial bytes all read -> INIT_DATA_SENT. */
int mig_precopy_init_data_sent(struct mig *m, struct mig_device *md);
/* Whether a REINIT's ACK request is still outstanding. */
bool mig_precopy_reinit_outstanding(struct mig *m);

#endif
