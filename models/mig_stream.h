/*
 * mig_stream.h - records on the migration stream and the return path
 * (mig_stream.c).
 */
#ifndef SWITCHOVER_MIG_STREAM_H
#define SWITCHOVER_MIG_STREAM_H

#include "mig_internal.h"

/* Send one frame on `c` as `task`; a failure fails the migration.  Blocks
 * for the send (sim: its bytes over the link).  Returns 0 or -errno. */
int mig_stream_send(struct mig *m, struct rt_chan *c, uint32_t kind, int device, uint64_t value,
                    uint64_t bytes, void *data, const char *task);
/* Read up to `limit` bytes of a source device's data (to end of state for
 * stop-copy) and send them chunk by chunk; initial bytes read are deducted
 * from md->init_left.  Returns the bytes sent or -errno. */
int64_t mig_stream_device_data(struct mig *m, struct mig_device *md, uint64_t limit, bool stopcopy);
/* `got` bytes of a source device's data were sent with `hint`: initial
 * bytes are deducted from md->init_left. */
void mig_stream_count_initial(struct mig_device *md, uint64_t got, uint32_t hint);
/* Write `bytes` of device data (`hint`: DEVICE_DATA_*) to a destination
 * device as `task`, traced as a load; a failure fails the migration.
 * Blocks for the device's load cost.  Returns 0 or -errno. */
int mig_stream_load(struct mig *m, struct mig_device *md, const void *data, uint64_t bytes,
                    uint32_t hint, const char *task);
/* A destination message (enum mig_ret) on the return path, as the load task. */
void mig_stream_return(struct mig *m, uint32_t kind, int device, uint64_t value);

#endif
