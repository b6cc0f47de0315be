/*
 * sim_device.h - a simulated VFIO device: the device.h contract with costs
 * drawn from the scenario's profile and taken as simulated time.
 */
#ifndef SWITCHOVER_SIM_DEVICE_H
#define SWITCHOVER_SIM_DEVICE_H

#include "device.h"
#include "runtime.h"
#include "scenario.h"

/*
 * Device instance `index` of scenario `s` on `side` for run `run`.  It draws
 * from its own random stream (seed, run, group, index in group, side).  `domain` is the
 * semaphore of its contention domain on that side (capacity = the domain's),
 * or NULL.  Source devices start RUNNING, destination devices STOP.
 */
struct device *sim_device_new(struct rt *rt, const struct scenario *s, size_t index,
			      enum rt_side side, unsigned run, struct rt_sem *domain);

#endif
