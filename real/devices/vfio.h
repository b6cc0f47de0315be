/*
 * vfio.h - a real migration-capable VFIO device (mlx5_vfio_pci VF, the
 * kernel's mtty sample, any driver with the v2 migration uAPI) as a device
 * of the real world: device.h driven through the Linux kernel interface.
 *
 *   open       the iommufd cdev (/dev/vfio/devices/vfioN bound to /dev/iommu,
 *              attached to a fresh IOAS) or, where there is none, the group
 *              (/dev/vfio/N in a TYPE1v2 container);
 *   set_state  VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, one direct arc per call
 *              as the engine asks; the data_fd it returns on entering the
 *              saving group or RESUMING is the device's data stream (moving
 *              inside the saving group keeps it: mtty and mlx5 return -1);
 *   precopy_info  VFIO_MIG_GET_PRECOPY_INFO on the data_fd;
 *   stop_copy_size VFIO_DEVICE_FEATURE_MIG_DATA_SIZE;
 *   read/write    read()/write() on the data_fd (ENOMSG from a precopy read
 *              means "nothing now", as QEMU takes it);
 *   enable_precopy_info_v2 VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2 (SET);
 *   reset      VFIO_DEVICE_RESET (leaves ERROR).
 *
 * Safety: a device is opened only when sysfs shows it bound to a VFIO driver
 * (it has a vfio-dev/ node or its driver is a vfio one) and the kernel lets
 * this process have it (EBUSY: another process, such as QEMU, holds it).  A
 * device found in another state than RUNNING when opened is brought back
 * (RESET from ERROR, else the kernel's own path to RUNNING); free() walks it
 * back to RUNNING (or resets it) before closing, whether the run completed,
 * failed or was interrupted.
 */
#ifndef SWITCHOVER_VFIO_DEV_H
#define SWITCHOVER_VFIO_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "device.h"
#include "scenario.h"

/* What sysfs says about a device address, before anything is opened. */
struct vfio_where {
	bool mdev;       /* an mdev UUID (else a PCI function) */
	char name[64];   /* canonical: "0000:3b:00.2" or the lower-case UUID */
	char sysfs[512]; /* its sysfs directory */
	char driver[64]; /* bound driver, "" when none */
	char cdev[512];  /* its iommufd cdev, "" when it has none */
	char group[512]; /* its group node, "" when it has none */
};

/*
 * Find `addr` (PCI address or mdev UUID) under the sysfs root and check it
 * may be used: 0, or -ENODEV (no such device), -EPERM (not bound to a VFIO
 * driver) with a message in err naming the device and what to do.
 */
int vfio_locate(const char *addr, struct vfio_where *w, char *err, size_t errlen);

/* What went wrong without failing anything (the device could not be
 * returned to RUNNING when it was freed): the message, for the caller to
 * show; library code prints nothing. */
typedef void (*vfio_warn_fn)(void *ctx, const char *msg);

/*
 * Open device instance `index` of `s` for `side` (the address its group
 * lists for that side) through `iface`, check its migration flags against
 * the group's capabilities, and return it in RUNNING.  NULL with a message
 * in err (naming the device, what failed and what to do) on failure.
 * `warn` (may be NULL) is told what freeing the device could not undo.
 */
struct device *vfio_dev_new(const struct scenario *s, size_t index, enum rt_side side,
                            vfio_warn_fn warn, void *warn_ctx, char *err, size_t errlen);

/* What `switchover vfio info` prints of one device. */
struct vfio_info {
	struct vfio_where where;
	enum vfio_interface iface; /* the one used (cdev or group) */
	uint32_t flags;            /* VFIO_CAP_* the device reports */
	enum vfio_state state;
	bool have_size;
	uint64_t data_size; /* MIG_DATA_SIZE, when have_size */
};
/* Open `addr` read-only in spirit (no state change), ask, close. */
int vfio_query(const char *addr, enum vfio_interface iface, struct vfio_info *out, char *err,
               size_t errlen);

/*
 * Ask every open vfio device to stop making progress (SIGINT): from now on
 * arcs into the saving group or RESUMING, data reads and writes and precopy
 * queries fail with -EINTR, so the run fails through the engine's own error
 * path (the source's failure notifier returns its devices to RUNNING) and
 * every device is returned to RUNNING when freed.  Async-signal-safe.
 */
void vfio_request_stop(void);
bool vfio_stop_requested(void);

/*
 * Where the sysfs and /dev trees are ("/sys", "/dev" unless the
 * environment's SWITCHOVER_SYSFS / SWITCHOVER_DEVFS say otherwise: tests
 * build fake trees).
 */
const char *vfio_sysfs_root(void);
const char *vfio_devfs_root(void);

/* "stop_copy|p2p|pre_copy" into buf. */
void vfio_flags_string(uint32_t caps, char *buf, size_t len);

/* What an errno from `op` on a device means for the user (tests check the
 * mapping): a sentence without the device name. */
const char *vfio_errno_advice(const char *op, int err);

#endif
