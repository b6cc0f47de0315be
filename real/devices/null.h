/*
 * null.h - the null VFIO device: every call succeeds at once, with no data
 * (fio's null engine).  With it a run measures the harness alone: threads,
 * handler passes, channels and the engine's own work.
 */
#ifndef SWITCHOVER_NULL_DEV_H
#define SWITCHOVER_NULL_DEV_H

#include <stddef.h>

#include "device.h"
#include "scenario.h"

/* Device instance `index` of `s` on `side` (source RUNNING, destination
 * STOP; the group's capabilities).  It ignores the group's costs and sizes.
 * NULL on ENOMEM. */
struct device *null_dev_new(const struct scenario *s, size_t index, enum rt_side side);

#endif
