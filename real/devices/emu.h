/*
 * emu.h - the emulated VFIO device: device.h in real time, with no hardware.
 *
 * It is the scenario's device model (models/device_model.c, the same draws
 * and byte accounting as the sim world's device) run for real:
 *   - every arc, query and load really takes its drawn duration: the device
 *     holds its contention domain's semaphore and sleeps to the deadline;
 *     the work it does meanwhile (opening and closing its data fd, starting
 *     and joining its thread) happens inside that time;
 *   - saving (PRE_COPY*, STOP_COPY) opens a data fd, a socket fed by a
 *     device thread with a byte pattern particular to the device; read()
 *     reads the bytes the model says are available from it, and in
 *     STOP_COPY the thread closes it after the last byte, so end of file is
 *     end of state, as with the kernel's data_fd;
 *   - resuming (RESUMING) opens a data fd drained by a device thread that
 *     checks the pattern; write() writes the bytes into it while its load
 *     cost elapses, and leaving RESUMING fails with -EIO (device in ERROR)
 *     when a byte was missing, extra, reordered or from another device, or
 *     the last image written was cut short (its tail missing: no write
 *     with DEVICE_DATA_IMAGE_END after its last bytes).
 *
 * Threading: the engine serialises calls per device; the device thread
 * shares only the session state, under the device's lock.
 */
#ifndef SWITCHOVER_EMU_H
#define SWITCHOVER_EMU_H

#include <stddef.h>
#include <stdint.h>

#include "device.h"
#include "runtime.h"
#include "scenario.h"

/*
 * Device instance `index` of `s` on `side` for run `run` (random streams as
 * in sim), in the world `rt` (the real runtime: its sleeps are the device's
 * costs).  `domain` is its contention domain's semaphore on that side, or
 * NULL.  Data fd operations give up after io_timeout_s (a stuck device
 * thread).  NULL on ENOMEM.
 */
struct device *emu_new(struct rt *rt, const struct scenario *s, size_t index, enum rt_side side,
                       unsigned run, struct rt_sem *domain, double io_timeout_s);

/* Destination: how many bytes its last RESUMING session checked against the
 * source's pattern, in order (all of them matched unless leaving RESUMING
 * failed); valid once it left RESUMING. */
uint64_t emu_checked_bytes(const struct device *d);

#endif
