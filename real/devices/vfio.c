/*
 * vfio.c - a real VFIO device through the kernel's migration uAPI (vfio.h).
 */
#include "vfio.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "device_model.h"
#include "transport.h"
#include "vfio_uapi.h"

/* A read of device data into no buffer (a world that carries no bytes)
 * goes through this much scratch at a time. */
#define SCRATCH_BYTES (1u << 20)

static atomic_int stop_flag;

void vfio_request_stop(void)
{
	atomic_store_explicit(&stop_flag, 1, memory_order_relaxed);
}

bool vfio_stop_requested(void)
{
	return atomic_load_explicit(&stop_flag, memory_order_relaxed) != 0;
}

const char *vfio_sysfs_root(void)
{
	const char *e = getenv("SWITCHOVER_SYSFS");
	return e && *e ? e : "/sys";
}

const char *vfio_devfs_root(void)
{
	const char *e = getenv("SWITCHOVER_DEVFS");
	return e && *e ? e : "/dev";
}

void vfio_flags_string(uint32_t caps, char *buf, size_t len)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} names[] = {{VFIO_CAP_STOP_COPY, "stop_copy"},
	             {VFIO_CAP_P2P, "p2p"},
	             {VFIO_CAP_PRE_COPY, "pre_copy"}};
	GString *s = g_string_new(NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
		if (caps & names[i].bit)
			g_string_append_printf(s, "%s%s", s->len ? "|" : "", names[i].name);
	g_strlcpy(buf, s->len ? s->str : "none", len);
	g_string_free(s, TRUE);
}

const char *vfio_errno_advice(const char *op, int err)
{
	bool bind = op && strstr(op, "bind");
	bool migration = op && strstr(op, "migration");
	switch (err) {
	case EBUSY:
		return "it is in use: another process (QEMU, another switchover) has the device "
		       "or its IOMMU group open; stop that process first";
	case EACCES:
	case EPERM:
		return "permission denied: run as root, or give your user the device's nodes "
		       "(docs/hardware.md, Permissions)";
	case ENOENT:
	case ENXIO:
		return "the VFIO device node is missing: is the vfio module loaded and the device "
		       "bound to a VFIO driver?";
	case ENOTTY:
		if (migration)
			return "the driver has no migration support (bind a ConnectX VF to "
			       "mlx5_vfio_pci, not plain vfio-pci)";
		return "the node does not know this ioctl: it is not a VFIO device node of this "
		       "kind, or the kernel is too old for it";
	case EINVAL:
		if (bind)
			return "it is already bound to an iommufd through another open (in use), "
			       "or the kernel refuses the cdev for it: try interface group";
		return "the kernel refused the request (invalid argument)";
	default:
		return strerror(err);
	}
}

/* ---- finding a device in sysfs ---- */

static bool is_uuid(const char *a)
{
	return strlen(a) == 36 && a[8] == '-';
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* Last component of the symlink at dir/name into out ("" when none). */
static void link_base(const char *dir, const char *name, char *out, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	out[0] = '\0';
	snprintf(path, sizeof path, "%s/%s", dir, name);
	ssize_t n = readlink(path, target, sizeof target - 1);
	if (n <= 0)
		return;
	target[n] = '\0';
	const char *slash = strrchr(target, '/');
	const char *base = slash ? slash + 1 : target;
	if (strlen(base) < len) /* else no sensible name: left empty */
		memcpy(out, base, strlen(base) + 1);
}

int vfio_locate(const char *addr, struct vfio_where *w, char *err, size_t errlen)
{
	memset(w, 0, sizeof *w);
	if (!scenario_vfio_address_ok(addr)) {
		snprintf(err, errlen,
		         "'%s' is not a device address: expected a PCI address (0000:3b:00.2) or "
		         "an mdev UUID",
		         addr);
		return -EINVAL;
	}
	w->mdev = is_uuid(addr);
	snprintf(w->name, sizeof w->name, "%s%s", !w->mdev && strlen(addr) == 7 ? "0000:" : "",
	         addr);
	for (char *c = w->name; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	const char *sys = vfio_sysfs_root(), *dev = vfio_devfs_root();
	snprintf(w->sysfs, sizeof w->sysfs, "%s/bus/%s/devices/%s", sys, w->mdev ? "mdev" : "pci",
	         w->name);
	if (!exists(w->sysfs)) {
		if (w->mdev)
			snprintf(err, errlen,
			         "no mdev %s (%s is missing): create it first, e.g. echo %s > "
			         "/sys/class/mdev_bus/<parent>/mdev_supported_types/<type>/create",
			         w->name, w->sysfs, w->name);
		else
			snprintf(err, errlen, "no PCI device %s (%s is missing)", w->name,
			         w->sysfs);
		return -ENODEV;
	}
	link_base(w->sysfs, "driver", w->driver, sizeof w->driver);

	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/vfio-dev", w->sysfs);
	DIR *dir = opendir(path);
	if (dir) {
		struct dirent *e;
		while ((e = readdir(dir)))
			if (!strncmp(e->d_name, "vfio", 4) &&
			    isdigit((unsigned char)e->d_name[4])) {
				snprintf(w->cdev, sizeof w->cdev, "%s/vfio/devices/%s", dev,
				         e->d_name);
				break;
			}
		closedir(dir);
	}
	bool vfio_driver = w->cdev[0] || strstr(w->driver, "vfio");
	if (!vfio_driver) {
		if (!w->driver[0])
			snprintf(
			    err, errlen,
			    "%s is not bound to any driver: bind it to a VFIO migration driver "
			    "(mlx5_vfio_pci for ConnectX VFs; docs/hardware.md) first",
			    w->name);
		else
			snprintf(
			    err, errlen,
			    "%s is bound to %s, not to a VFIO driver: switchover never touches "
			    "a device its host driver owns; bind it to a VFIO migration driver "
			    "(mlx5_vfio_pci for ConnectX VFs; docs/hardware.md) first",
			    w->name, w->driver);
		return -EPERM;
	}
	char group[64];
	link_base(w->sysfs, "iommu_group", group, sizeof group);
	if (group[0]) {
		snprintf(w->group, sizeof w->group, "%s/vfio/%s", dev, group);
		if (!exists(w->group)) {
			char noiommu[sizeof w->group];
			snprintf(noiommu, sizeof noiommu, "%s/vfio/noiommu-%s", dev, group);
			if (exists(noiommu))
				snprintf(w->group, sizeof w->group, "%s", noiommu);
		}
	}
	if (!w->cdev[0] && !w->group[0]) {
		snprintf(
		    err, errlen,
		    "%s (driver %s) has no VFIO device node: no vfio-dev/ and no iommu_group in "
		    "%s",
		    w->name, w->driver, w->sysfs);
		return -ENODEV;
	}
	return 0;
}

/* ---- an open device ---- */

struct vdev {
	struct device d;
	struct vfio_where w;
	enum vfio_interface iface; /* cdev or group: the one used */
	int dev_fd, iommufd, group_fd, container_fd, data_fd;
	uint32_t flags;     /* VFIO_CAP_* the device reports */
	bool v2;            /* PRECOPY_INFOv2 enabled */
	uint64_t init_left; /* initial bytes still to read, per the last precopy info */
	uint8_t *scratch;
	vfio_warn_fn warn; /* told what dev_free could not undo (may be NULL) */
	void *warn_ctx;
};

static int xioctl(int fd, unsigned long req, void *arg)
{
	int rc;
	do
		rc = ioctl(fd, req, arg);
	while (rc < 0 && errno == EINTR);
	return rc < 0 ? -errno : rc;
}

/* VFIO_DEVICE_FEATURE with `len` bytes of feature data in and out. */
static int feature(int fd, uint32_t flags, void *data, size_t len)
{
	union {
		struct swo_vfio_device_feature h;
		uint64_t align;
		uint8_t b[sizeof(struct swo_vfio_device_feature) + 32];
	} u;
	if (len > sizeof u.b - sizeof u.h)
		return -EINVAL;
	u.h.argsz = (uint32_t)(sizeof u.h + len);
	u.h.flags = flags;
	if (len)
		memcpy(u.b + sizeof u.h, data, len);
	int rc = xioctl(fd, SWO_VFIO_DEVICE_FEATURE, &u);
	if (rc < 0)
		return rc;
	if (len)
		memcpy(data, u.b + sizeof u.h, len);
	return 0;
}

static int get_state(struct vdev *v, enum vfio_state *out)
{
	struct swo_vfio_device_feature_mig_state st = {0, -1};
	int rc = feature(v->dev_fd,
	                 SWO_VFIO_DEVICE_FEATURE_GET | SWO_VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE,
	                 &st, sizeof st);
	if (rc)
		return rc;
	if (st.device_state >= VFIO_STATE_COUNT)
		return -EPROTO;
	*out = (enum vfio_state)st.device_state;
	return 0;
}

/* The state the kernel says the device is in; ERROR when it cannot say. */
static enum vfio_state kernel_state(struct vdev *v)
{
	enum vfio_state s;
	return get_state(v, &s) == 0 ? s : VFIO_STATE_ERROR;
}

/* SET the state (one arc, or the kernel's own path when cleaning up);
 * *fd gets the data_fd it returned (-1: none). */
static int put_state(struct vdev *v, enum vfio_state to, int *fd)
{
	struct swo_vfio_device_feature_mig_state st = {(uint32_t)to, -1};
	int rc = feature(v->dev_fd,
	                 SWO_VFIO_DEVICE_FEATURE_SET | SWO_VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE,
	                 &st, sizeof st);
	*fd = rc ? -1 : st.data_fd;
	return rc;
}

/* The states a device has a data fd in: the saving group and RESUMING. */
static bool has_data_fd(enum vfio_state s)
{
	return vfio_fsm_is_saving(s) || s == VFIO_STATE_RESUMING;
}

static void close_data(struct vdev *v)
{
	if (v->data_fd >= 0)
		close(v->data_fd);
	v->data_fd = -1;
	v->init_left = 0;
}

static int dev_reset(struct device *d)
{
	struct vdev *v = d->priv;
	close_data(v);
	double t0 = transport_now();
	int rc = xioctl(v->dev_fd, SWO_VFIO_DEVICE_RESET, NULL);
	d->last_work_s = transport_now() - t0;
	d->state = kernel_state(v);
	if (rc)
		return rc;
	return d->state == VFIO_STATE_RUNNING ? 0 : -EIO;
}

static int dev_set_state(struct device *d, enum vfio_state to)
{
	struct vdev *v = d->priv;
	if (!vfio_fsm_is_device_arc(d->state, to, d->caps))
		return -EINVAL;
	/* Interrupted: nothing that moves data any further. */
	if (vfio_stop_requested() && has_data_fd(to))
		return -EINTR;
	int fd;
	double t0 = transport_now();
	int rc = put_state(v, to, &fd);
	d->last_work_s = transport_now() - t0;
	if (rc) {
		d->state = kernel_state(v);
		if (!has_data_fd(d->state))
			close_data(v);
		return rc;
	}
	d->state = to;
	if (fd >= 0) {
		close_data(v);
		v->data_fd = fd;
	} else if (!has_data_fd(to)) {
		close_data(v);
	}
	if (has_data_fd(to) && v->data_fd < 0)
		return -EPROTO; /* the kernel owes a data_fd on entering these */
	return 0;
}

static int dev_enable_v2(struct device *d)
{
	struct vdev *v = d->priv;
	int rc = feature(v->dev_fd,
	                 SWO_VFIO_DEVICE_FEATURE_SET | SWO_VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2,
	                 NULL, 0);
	v->v2 = rc == 0;
	return rc;
}

static int dev_precopy_info(struct device *d, struct device_precopy_info *out)
{
	struct vdev *v = d->priv;
	if (vfio_stop_requested())
		return -EINTR;
	if (!vfio_fsm_is_precopy(d->state) || v->data_fd < 0)
		return -EINVAL;
	struct swo_vfio_precopy_info info = {.argsz = sizeof info};
	int rc = xioctl(v->data_fd, SWO_VFIO_MIG_GET_PRECOPY_INFO, &info);
	if (rc)
		return rc;
	out->initial_bytes = info.initial_bytes;
	out->dirty_bytes = info.dirty_bytes;
	/* Before v2 the kernel echoes the flags it was given: not to be read. */
	out->flags =
	    v->v2 && (info.flags & SWO_VFIO_PRECOPY_INFO_REINIT) ? DEVICE_PRECOPY_REINIT : 0;
	v->init_left = info.initial_bytes;
	return 0;
}

static int dev_stop_copy_size(struct device *d, uint64_t *bytes)
{
	struct vdev *v = d->priv;
	struct swo_vfio_device_feature_mig_data_size ds = {0};
	int rc =
	    feature(v->dev_fd, SWO_VFIO_DEVICE_FEATURE_GET | SWO_VFIO_DEVICE_FEATURE_MIG_DATA_SIZE,
	            &ds, sizeof ds);
	if (!rc)
		*bytes = ds.stop_copy_length;
	return rc;
}

static int dev_read(struct device *d, void *buf, uint64_t max, uint64_t *got, uint32_t *hint)
{
	struct vdev *v = d->priv;
	*got = 0;
	*hint = DEVICE_DATA_STATE;
	if (vfio_stop_requested())
		return -EINTR;
	if (!vfio_fsm_is_saving(d->state) || v->data_fd < 0)
		return -EINVAL;
	if (!buf) {
		if (!v->scratch && !(v->scratch = malloc(SCRATCH_BYTES)))
			return -ENOMEM;
		buf = v->scratch;
		if (max > SCRATCH_BYTES)
			max = SCRATCH_BYTES;
	}
	/* As QEMU does: the first initial_bytes are read on their own, so a
	 * chunk is either initial bytes or other state. */
	bool initial = vfio_fsm_is_precopy(d->state) && v->init_left > 0;
	if (initial && max > v->init_left)
		max = v->init_left;
	ssize_t n;
	do
		n = read(v->data_fd, buf, (size_t)max);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		/* mlx5: no precopy data available right now. */
		if (errno == ENOMSG && vfio_fsm_is_precopy(d->state))
			return 0;
		return -errno;
	}
	*got = (uint64_t)n;
	if (initial) {
		*hint = DEVICE_DATA_INITIAL;
		v->init_left -= *got;
	}
	return 0;
}

static int dev_write(struct device *d, const void *buf, uint64_t bytes, uint32_t hint)
{
	struct vdev *v = d->priv;
	(void)hint;
	if (vfio_stop_requested())
		return -EINTR;
	if (d->state != VFIO_STATE_RESUMING || v->data_fd < 0)
		return -EINVAL;
	if (!buf)
		return bytes ? -EINVAL : 0; /* a real device needs the bytes */
	const uint8_t *p = buf;
	while (bytes) {
		ssize_t n = write(v->data_fd, p, (size_t)bytes);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		bytes -= (uint64_t)n;
	}
	return 0;
}

static void close_all(struct vdev *v)
{
	close_data(v);
	int *fds[] = {&v->dev_fd, &v->group_fd, &v->container_fd, &v->iommufd};
	for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
	free(v->scratch);
	v->scratch = NULL;
}

/* Back to RUNNING: the kernel's own path from where the device is (it
 * walks the arcs), a reset from ERROR or when that fails. */
static int back_to_running(struct vdev *v)
{
	close_data(v);
	enum vfio_state s = kernel_state(v);
	if (s == VFIO_STATE_RUNNING)
		return 0;
	int fd;
	if (s != VFIO_STATE_ERROR && put_state(v, VFIO_STATE_RUNNING, &fd) == 0) {
		if (fd >= 0)
			close(fd);
		v->d.state = VFIO_STATE_RUNNING;
		return 0;
	}
	return dev_reset(&v->d);
}

static void dev_free(struct device *d)
{
	struct vdev *v = d->priv;
	if (v->dev_fd >= 0 && back_to_running(v) && v->warn) {
		char msg[512];
		snprintf(msg, sizeof msg,
		         "vfio device %s (%s) could not be returned to RUNNING (state %s); it is "
		         "closed now: the kernel resets it on release where the driver does",
		         v->w.name, d->name, vfio_state_name(d->state));
		v->warn(v->warn_ctx, msg);
	}
	close_all(v);
	free(v);
}

static const struct device_ops vfio_ops = {
    .kind = "vfio",
    .enable_precopy_info_v2 = dev_enable_v2,
    .set_state = dev_set_state,
    .precopy_info = dev_precopy_info,
    .stop_copy_size = dev_stop_copy_size,
    .read = dev_read,
    .write = dev_write,
    .reset = dev_reset,
    .free = dev_free,
};

/* ---- opening ---- */

static int fail_errno(char *err, size_t errlen, const struct vfio_where *w, const char *op,
                      const char *node, int rc)
{
	snprintf(err, errlen, "%s: %s%s%s failed: %s", w->name, op, node ? " " : "",
	         node ? node : "", vfio_errno_advice(op, -rc));
	return rc;
}

static int open_node(const char *path, int *fd)
{
	*fd = open(path, O_RDWR | O_CLOEXEC);
	return *fd < 0 ? -errno : 0;
}

static int open_cdev(struct vdev *v, char *err, size_t errlen)
{
	const struct vfio_where *w = &v->w;
	char iommu[PATH_MAX];
	snprintf(iommu, sizeof iommu, "%s/iommu", vfio_devfs_root());
	int rc = open_node(w->cdev, &v->dev_fd);
	if (rc)
		return fail_errno(err, errlen, w, "opening", w->cdev, rc);
	if ((rc = open_node(iommu, &v->iommufd)))
		return fail_errno(err, errlen, w, "opening", iommu, rc);
	struct swo_vfio_device_bind_iommufd bind = {.argsz = sizeof bind, .iommufd = v->iommufd};
	if ((rc = xioctl(v->dev_fd, SWO_VFIO_DEVICE_BIND_IOMMUFD, &bind)) < 0)
		return fail_errno(err, errlen, w,
		                  "binding it to the iommufd (VFIO_DEVICE_BIND_IOMMUFD)", NULL, rc);
	struct swo_iommu_ioas_alloc ioas = {.size = sizeof ioas};
	if ((rc = xioctl(v->iommufd, SWO_IOMMU_IOAS_ALLOC, &ioas)) < 0)
		return fail_errno(err, errlen, w, "allocating an IOAS (IOMMU_IOAS_ALLOC)", NULL,
		                  rc);
	struct swo_vfio_device_attach_iommufd_pt at = {.argsz = sizeof at,
	                                               .pt_id = ioas.out_ioas_id};
	if ((rc = xioctl(v->dev_fd, SWO_VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at)) < 0)
		return fail_errno(err, errlen, w,
		                  "attaching it to the IOAS (VFIO_DEVICE_ATTACH_IOMMUFD_PT)", NULL,
		                  rc);
	v->iface = VFIO_IFACE_CDEV;
	return 0;
}

static int open_group(struct vdev *v, char *err, size_t errlen)
{
	const struct vfio_where *w = &v->w;
	char container[PATH_MAX];
	snprintf(container, sizeof container, "%s/vfio/vfio", vfio_devfs_root());
	int rc = open_node(container, &v->container_fd);
	if (rc)
		return fail_errno(err, errlen, w, "opening", container, rc);
	if ((rc = xioctl(v->container_fd, SWO_VFIO_GET_API_VERSION, NULL)) !=
	    SWO_VFIO_API_VERSION) {
		snprintf(err, errlen, "%s: %s speaks VFIO API %d, switchover %d", w->name,
		         container, rc, SWO_VFIO_API_VERSION);
		return -EPROTO;
	}
	if (xioctl(v->container_fd, SWO_VFIO_CHECK_EXTENSION,
	           (void *)(uintptr_t)SWO_VFIO_TYPE1v2_IOMMU) <= 0) {
		snprintf(err, errlen,
		         "%s: the kernel has no TYPE1v2 IOMMU backend for %s (vfio_iommu_type1 not "
		         "loaded?): try interface cdev",
		         w->name, container);
		return -ENODEV;
	}
	if ((rc = open_node(w->group, &v->group_fd)))
		return fail_errno(err, errlen, w, "opening its group", w->group, rc);
	struct swo_vfio_group_status gs = {.argsz = sizeof gs};
	if ((rc = xioctl(v->group_fd, SWO_VFIO_GROUP_GET_STATUS, &gs)) < 0)
		return fail_errno(err, errlen, w, "VFIO_GROUP_GET_STATUS on", w->group, rc);
	if (!(gs.flags & SWO_VFIO_GROUP_FLAGS_VIABLE)) {
		snprintf(err, errlen,
		         "%s: its IOMMU group %s is not viable: every device of the group must be "
		         "bound to a VFIO driver (or to none)",
		         w->name, w->group);
		return -EPERM;
	}
	if ((rc = xioctl(v->group_fd, SWO_VFIO_GROUP_SET_CONTAINER, &v->container_fd)) < 0)
		return fail_errno(err, errlen, w, "VFIO_GROUP_SET_CONTAINER for", w->group, rc);
	if ((rc = xioctl(v->container_fd, SWO_VFIO_SET_IOMMU,
	                 (void *)(uintptr_t)SWO_VFIO_TYPE1v2_IOMMU)) < 0)
		return fail_errno(err, errlen, w, "VFIO_SET_IOMMU(TYPE1v2) on", container, rc);
	if ((rc = xioctl(v->group_fd, SWO_VFIO_GROUP_GET_DEVICE_FD, v->w.name)) < 0)
		return fail_errno(err, errlen, w, "VFIO_GROUP_GET_DEVICE_FD in", w->group, rc);
	v->dev_fd = rc;
	v->iface = VFIO_IFACE_GROUP;
	return 0;
}

/* Locate and open `addr` by `iface`, read its migration flags.  On failure
 * v holds whatever was opened (close_all). */
static int open_any(struct vdev *v, const char *addr, enum vfio_interface iface, char *err,
                    size_t errlen)
{
	v->dev_fd = v->iommufd = v->group_fd = v->container_fd = v->data_fd = -1;
	int rc = vfio_locate(addr, &v->w, err, errlen);
	if (rc)
		return rc;
	if (iface == VFIO_IFACE_AUTO)
		iface = v->w.cdev[0] ? VFIO_IFACE_CDEV : VFIO_IFACE_GROUP;
	if (iface == VFIO_IFACE_CDEV && !v->w.cdev[0]) {
		snprintf(err, errlen,
		         "%s has no iommufd cdev (no vfio-dev/ in %s: a kernel without "
		         "VFIO_DEVICE_CDEV?): use interface group or auto",
		         v->w.name, v->w.sysfs);
		return -ENODEV;
	}
	if (iface == VFIO_IFACE_GROUP && !v->w.group[0]) {
		snprintf(err, errlen, "%s has no IOMMU group node: use interface cdev or auto",
		         v->w.name);
		return -ENODEV;
	}
	rc = iface == VFIO_IFACE_CDEV ? open_cdev(v, err, errlen) : open_group(v, err, errlen);
	if (rc)
		return rc;
	struct swo_vfio_device_feature_migration mig = {0};
	rc = feature(v->dev_fd, SWO_VFIO_DEVICE_FEATURE_GET | SWO_VFIO_DEVICE_FEATURE_MIGRATION,
	             &mig, sizeof mig);
	if (rc)
		return fail_errno(err, errlen, &v->w,
		                  "asking its migration flags "
		                  "(VFIO_DEVICE_FEATURE_MIGRATION)",
		                  NULL, rc);
	v->flags = (uint32_t)mig.flags & VFIO_CAP_ALL;
	if (!(v->flags & VFIO_CAP_STOP_COPY)) {
		snprintf(err, errlen, "%s: the device reports no STOP_COPY: it cannot migrate",
		         v->w.name);
		return -ENOTSUP;
	}
	return 0;
}

struct device *vfio_dev_new(const struct scenario *s, size_t index, enum rt_side side,
                            vfio_warn_fn warn, void *warn_ctx, char *err, size_t errlen)
{
	unsigned k;
	const struct scn_device_group *g = scenario_device_group(s, index, &k);
	char **list = side == RT_SIDE_SRC ? g->vfio_source : g->vfio_destination;
	size_t n = side == RT_SIDE_SRC ? g->n_vfio_source : g->n_vfio_destination;
	const char *key = side == RT_SIDE_SRC ? "source" : "destination";
	size_t gi = (size_t)(g - s->groups);
	if (g->backend != BACKEND_VFIO || k >= n) {
		snprintf(err, errlen,
		         "devices[%zu] (%s): no vfio %s address for device %u: list them in "
		         "devices[%zu].vfio.%s",
		         gi, g->name, key, k, gi, key);
		return NULL;
	}
	struct vdev *v = calloc(1, sizeof *v);
	if (!v) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	v->warn = warn;
	v->warn_ctx = warn_ctx;
	char e[512];
	int rc = open_any(v, list[k], g->vfio_interface, e, sizeof e);
	if (!rc && (g->caps & ~v->flags)) {
		char want[64], have[64];
		vfio_flags_string(g->caps, want, sizeof want);
		vfio_flags_string(v->flags, have, sizeof have);
		snprintf(e, sizeof e,
		         "%s reports %s; the group asks %s: set devices[%zu].capabilities to what "
		         "the device has (or a part of it)",
		         v->w.name, have, want, gi);
		rc = -ENOTSUP;
	}
	struct device *d = &v->d;
	devmodel_identity(d, s, index, side);
	d->ops = &vfio_ops;
	d->priv = v;
	enum vfio_state st = VFIO_STATE_ERROR;
	if (!rc && (rc = get_state(v, &st)))
		snprintf(e, sizeof e, "%s: reading its migration state failed: %s", v->w.name,
		         vfio_errno_advice("state", -rc));
	/* A device an earlier run (or a crash) left elsewhere starts over. */
	if (!rc && st != VFIO_STATE_RUNNING && (rc = back_to_running(v)))
		snprintf(e, sizeof e, "%s was in %s and could not be brought to RUNNING: %s",
		         v->w.name, vfio_state_name(st), vfio_errno_advice("reset", -rc));
	if (rc) {
		snprintf(err, errlen, "devices[%zu].vfio.%s[%u]: %s", gi, key, k, e);
		close_all(v);
		free(v);
		return NULL;
	}
	d->state = VFIO_STATE_RUNNING;
	return d;
}

int vfio_query(const char *addr, enum vfio_interface iface, struct vfio_info *out, char *err,
               size_t errlen)
{
	struct vdev *v = calloc(1, sizeof *v);
	if (!v) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	memset(out, 0, sizeof *out);
	int rc = open_any(v, addr, iface, err, errlen);
	out->where = v->w;
	if (!rc) {
		out->iface = v->iface;
		out->flags = v->flags;
		if ((rc = get_state(v, &out->state)))
			snprintf(err, errlen, "%s: reading its migration state failed: %s",
			         v->w.name, vfio_errno_advice("state", -rc));
		uint64_t size;
		v->d.priv = v;
		out->have_size = !rc && dev_stop_copy_size(&v->d, &size) == 0;
		out->data_size = out->have_size ? size : 0;
	}
	close_all(v);
	free(v);
	return rc;
}
