/*
 * test_vfio.c - the parts of the VFIO device that need no kernel: the uAPI
 * numbers and layouts against Linux 6.12's header, device addresses, how a
 * device is found (and refused) in sysfs, what an errno is told as, and the
 * real world failing cleanly on a device it may not use.  The kernel path
 * itself is proven against mtty in a VM (tests/vm).
 *
 * Sysfs and /dev are fake trees under a temporary directory
 * (SWITCHOVER_SYSFS / SWITCHOVER_DEVFS).
 */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/vfio.h"
#include "devices/vfio_uapi.h"
#include "real_world.h"
#include "scenario_emit.h"
#include "scenario_load.h"
#include "test_util.h"

/* ---- the uAPI copy: numbers of Linux 6.12's include/uapi/linux/vfio.h ---- */

static void test_uapi_numbers(void)
{
	/* _IO(';', 100 + n) = 0x3b00 | (100 + n) */
	CU_ASSERT_EQUAL(SWO_VFIO_GET_API_VERSION, 0x3b64);
	CU_ASSERT_EQUAL(SWO_VFIO_GROUP_GET_DEVICE_FD, 0x3b6a);
	CU_ASSERT_EQUAL(SWO_VFIO_DEVICE_RESET, 0x3b6f);
	CU_ASSERT_EQUAL(SWO_VFIO_DEVICE_FEATURE, 0x3b75);
	CU_ASSERT_EQUAL(SWO_VFIO_DEVICE_BIND_IOMMUFD, 0x3b76);
	CU_ASSERT_EQUAL(SWO_VFIO_DEVICE_ATTACH_IOMMUFD_PT, 0x3b77);
	CU_ASSERT_EQUAL(SWO_VFIO_MIG_GET_PRECOPY_INFO, 0x3b79);
	CU_ASSERT_EQUAL(SWO_IOMMU_IOAS_ALLOC, 0x3b81);
	CU_ASSERT_EQUAL(SWO_VFIO_DEVICE_FEATURE_MIGRATION, 1);
	CU_ASSERT_EQUAL(SWO_VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, 2);
	CU_ASSERT_EQUAL(SWO_VFIO_DEVICE_FEATURE_MIG_DATA_SIZE, 9);
	CU_ASSERT_EQUAL(SWO_VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2, 12);
	CU_ASSERT_EQUAL(SWO_VFIO_DEVICE_FEATURE_GET, 0x10000);
	CU_ASSERT_EQUAL(SWO_VFIO_DEVICE_FEATURE_SET, 0x20000);
	CU_ASSERT_EQUAL(SWO_VFIO_PRECOPY_INFO_REINIT, 1);
	CU_ASSERT_EQUAL(SWO_VFIO_MIGRATION_PRE_COPY, 4);
	CU_ASSERT_EQUAL(SWO_VFIO_DEVICE_STATE_PRE_COPY_P2P, 7);
}

static void test_uapi_layouts(void)
{
	CU_ASSERT_EQUAL(sizeof(struct swo_vfio_device_feature), 8);
	CU_ASSERT_EQUAL(sizeof(struct swo_vfio_device_feature_migration), 8);
	CU_ASSERT_EQUAL(sizeof(struct swo_vfio_device_feature_mig_state), 8);
	CU_ASSERT_EQUAL(offsetof(struct swo_vfio_device_feature_mig_state, data_fd), 4);
	CU_ASSERT_EQUAL(sizeof(struct swo_vfio_device_feature_mig_data_size), 8);
	CU_ASSERT_EQUAL(sizeof(struct swo_vfio_precopy_info), 24);
	CU_ASSERT_EQUAL(offsetof(struct swo_vfio_precopy_info, flags), 4);
	CU_ASSERT_EQUAL(offsetof(struct swo_vfio_precopy_info, initial_bytes), 8);
	CU_ASSERT_EQUAL(offsetof(struct swo_vfio_precopy_info, dirty_bytes), 16);
	CU_ASSERT_EQUAL(sizeof(struct swo_vfio_device_bind_iommufd), 16);
	CU_ASSERT_EQUAL(offsetof(struct swo_vfio_device_bind_iommufd, iommufd), 8);
	CU_ASSERT_EQUAL(offsetof(struct swo_vfio_device_bind_iommufd, out_devid), 12);
	CU_ASSERT_EQUAL(sizeof(struct swo_vfio_device_attach_iommufd_pt), 12);
	CU_ASSERT_EQUAL(sizeof(struct swo_iommu_ioas_alloc), 12);
	CU_ASSERT_EQUAL(offsetof(struct swo_iommu_ioas_alloc, out_ioas_id), 8);
	CU_ASSERT_EQUAL(sizeof(struct swo_vfio_group_status), 8);
}

/* ---- addresses ---- */

static void test_addresses(void)
{
	const char *good[] = {"0000:3b:00.2", "3b:00.2", "0000:00:1f.7", "ABCD:ff:1F.0",
	                      "83b8f4f2-509f-382f-3c1e-e6bfe0fa1001",
	                      "83B8F4F2-509F-382F-3C1E-E6BFE0FA1001"};
	const char *bad[] = {"",           "3b:00",        "3b:20.0",       "3b:00.8",
	                     "000:3b:00.2", "0000:3b:00.2x", "0000-3b:00.2", "g3:00.1",
	                     "83b8f4f2-509f-382f-3c1e-e6bfe0fa100",
	                     "83b8f4f2_509f-382f-3c1e-e6bfe0fa1001",
	                     "83b8f4f2-509f-382f-3c1e-e6bfe0fa100z", "/dev/vfio/3"};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		if (!scenario_vfio_address_ok(good[i]))
			CU_FAIL(good[i]);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (scenario_vfio_address_ok(bad[i]))
			CU_FAIL(bad[i]);
	CU_ASSERT_FALSE(scenario_vfio_address_ok(NULL));
}

/* ---- a fake sysfs and /dev ---- */

static char root[128], sys_root[160], dev_root[160];

/* Suite set-up runs outside any test: helpers report failure by value. */
static int mkpath(const char *path)
{
	char cmd[1200];
	snprintf(cmd, sizeof cmd, "mkdir -p '%s'", path);
	return system(cmd) ? -1 : 0;
}

static int put_file(const char *path)
{
	FILE *f = fopen(path, "w");
	return f && fclose(f) == 0 ? 0 : -1;
}

/* A PCI function in the fake sysfs, bound to `driver` ("" none), with a
 * cdev vfioN when cdev >= 0 and IOMMU group `group` when >= 0. */
static int fake_pci(const char *name, const char *driver, int cdev, int group)
{
	char dir[600], path[800], target[256];
	snprintf(dir, sizeof dir, "%s/bus/pci/devices/%s", sys_root, name);
	if (mkpath(dir))
		return -1;
	if (driver[0]) {
		snprintf(target, sizeof target, "../../../bus/pci/drivers/%s", driver);
		snprintf(path, sizeof path, "%s/driver", dir);
		if (symlink(target, path))
			return -1;
	}
	if (cdev >= 0) {
		snprintf(path, sizeof path, "%s/vfio-dev/vfio%d", dir, cdev);
		if (mkpath(path))
			return -1;
	}
	if (group >= 0) {
		snprintf(target, sizeof target, "../../../kernel/iommu_groups/%d", group);
		snprintf(path, sizeof path, "%s/iommu_group", dir);
		if (symlink(target, path))
			return -1;
	}
	return 0;
}

static int setup_tree(void)
{
	snprintf(root, sizeof root, "/tmp/switchover-test-vfio-%ld", (long)getpid());
	snprintf(sys_root, sizeof sys_root, "%s/sys", root);
	snprintf(dev_root, sizeof dev_root, "%s/dev", root);
	setenv("SWITCHOVER_SYSFS", sys_root, 1);
	setenv("SWITCHOVER_DEVFS", dev_root, 1);
	char cmd[1200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s/vfio/devices' '%s/bus/mdev/devices'",
	         root, dev_root, sys_root);
	if (system(cmd))
		return -1;
	if (fake_pci("0000:3b:00.1", "mlx5_core", -1, 40) || fake_pci("0000:3b:00.2", "", -1, 41) ||
	    fake_pci("0000:3b:00.3", "mlx5_vfio_pci", 7, 42) ||
	    fake_pci("0000:3b:00.4", "vfio-pci", -1, 43) ||
	    fake_pci("0000:3b:00.5", "mlx5_vfio_pci", -1, 44))
		return -1;
	/* Device nodes that exist but are no VFIO nodes: ioctls fail ENOTTY. */
	const char *nodes[] = {"vfio/devices/vfio7", "iommu", "vfio/noiommu-44"};
	for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++) {
		char path[700];
		snprintf(path, sizeof path, "%s/%s", dev_root, nodes[i]);
		if (put_file(path))
			return -1;
	}
	return 0;
}

static int teardown_tree(void)
{
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	unsetenv("SWITCHOVER_SYSFS");
	unsetenv("SWITCHOVER_DEVFS");
	return system(cmd) ? -1 : 0;
}

static void test_locate_refuses(void)
{
	struct vfio_where w;
	char err[1024];
	CU_ASSERT_EQUAL(vfio_locate("0000:3b:00.1", &w, err, sizeof err), -EPERM);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "0000:3b:00.1 is bound to mlx5_core, not to a VFIO"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "docs/hardware.md"));
	CU_ASSERT_EQUAL(vfio_locate("3b:00.2", &w, err, sizeof err), -EPERM);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "0000:3b:00.2 is not bound to any driver"));
	CU_ASSERT_EQUAL(vfio_locate("0000:3b:00.6", &w, err, sizeof err), -ENODEV);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no PCI device 0000:3b:00.6"));
	CU_ASSERT_EQUAL(
	    vfio_locate("83b8f4f2-509f-382f-3c1e-e6bfe0fa1001", &w, err, sizeof err), -ENODEV);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "mdev_supported_types"));
	CU_ASSERT_EQUAL(vfio_locate("nonsense", &w, err, sizeof err), -EINVAL);
}

static void test_locate_nodes(void)
{
	struct vfio_where w;
	char err[1024], want[700];
	CU_ASSERT_EQUAL_FATAL(vfio_locate("3B:00.3", &w, err, sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(w.name, "0000:3b:00.3");
	CU_ASSERT_STRING_EQUAL(w.driver, "mlx5_vfio_pci");
	snprintf(want, sizeof want, "%s/vfio/devices/vfio7", dev_root);
	CU_ASSERT_STRING_EQUAL(w.cdev, want);
	snprintf(want, sizeof want, "%s/vfio/42", dev_root);
	CU_ASSERT_STRING_EQUAL(w.group, want);
	/* No cdev: a vfio driver by name, group only. */
	CU_ASSERT_EQUAL_FATAL(vfio_locate("0000:3b:00.4", &w, err, sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(w.cdev, "");
	CU_ASSERT_STRING_EQUAL(w.driver, "vfio-pci");
	/* The no-IOMMU group node when the plain one is absent. */
	CU_ASSERT_EQUAL_FATAL(vfio_locate("0000:3b:00.5", &w, err, sizeof err), 0);
	snprintf(want, sizeof want, "%s/vfio/noiommu-44", dev_root);
	CU_ASSERT_STRING_EQUAL(w.group, want);
}

static void test_query_errors(void)
{
	struct vfio_info info;
	char err[1024];
	/* cdev asked of a device without one */
	CU_ASSERT_EQUAL(vfio_query("0000:3b:00.4", VFIO_IFACE_CDEV, &info, err, sizeof err),
	                -ENODEV);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "has no iommufd cdev"));
	/* group: no /dev/vfio/vfio container node */
	CU_ASSERT_EQUAL(vfio_query("0000:3b:00.4", VFIO_IFACE_GROUP, &info, err, sizeof err),
	                -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "/vfio/vfio failed: the VFIO device node is missing"));
	/* auto picks the cdev; the node is a plain file: the bind ioctl fails */
	CU_ASSERT_EQUAL(vfio_query("0000:3b:00.3", VFIO_IFACE_AUTO, &info, err, sizeof err),
	                -ENOTTY);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "0000:3b:00.3: binding it to the iommufd"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "does not know this ioctl"));
}

static void test_errno_advice(void)
{
	CU_ASSERT_PTR_NOT_NULL(strstr(vfio_errno_advice("opening", EBUSY), "in use"));
	CU_ASSERT_PTR_NOT_NULL(strstr(vfio_errno_advice("opening", EACCES), "run as root"));
	CU_ASSERT_PTR_NOT_NULL(strstr(vfio_errno_advice("opening", EPERM), "permission"));
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(vfio_errno_advice("asking its migration flags", ENOTTY), "mlx5_vfio_pci"));
	CU_ASSERT_PTR_NULL(strstr(vfio_errno_advice("opening", ENOTTY), "mlx5_vfio_pci"));
	CU_ASSERT_PTR_NOT_NULL(strstr(vfio_errno_advice("binding it", EINVAL), "in use"));
	CU_ASSERT_STRING_EQUAL(vfio_errno_advice("x", EIO), strerror(EIO));
	char buf[64];
	vfio_flags_string(VFIO_CAP_ALL, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "stop_copy|p2p|pre_copy");
	vfio_flags_string(0, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "none");
}

/* ---- the real world refuses cleanly ---- */

static const char yaml[] = "name: v\n"
                           "devices:\n"
                           "  - name: tty\n"
                           "    profile: null\n"
                           "    count: 2\n"
                           "    backend: vfio\n"
                           "    vfio:\n"
                           "      source: [0000:3b:00.3, 0000:3b:00.1]\n"
                           "      destination: [0000:3b:00.4, 0000:3b:00.5]\n"
                           "runs: 1\n";

static void test_real_world_refuses(void)
{
	struct scenario *s = NULL;
	char err[1024];
	CU_ASSERT_EQUAL_FATAL(scenario_load_text("v.yaml", yaml, sizeof yaml - 1, NULL, 0, &s, err,
	                                         sizeof err),
	                      0);
	struct real_world_config cfg = {.devices = REAL_DEVICES_AUTO, .listen_fd = -1};
	struct trace tr;
	struct mig_result res;
	trace_init(&tr);
	int rc = real_world_run(s, 0, &cfg, &tr, &res, err, sizeof err);
	CU_ASSERT_EQUAL(rc, -ENODEV);
	/* the first device that cannot be used, by its key */
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "devices[0].vfio.source[0]: 0000:3b:00.3: binding"));
	CU_ASSERT_EQUAL(tr.n, 0);
	trace_free(&tr);
	/* The refused host driver is named, as the run meets it. */
	scenario_free(s);
	s = NULL;
	const char *sets[] = {"devices[0].vfio.source=[0000:3b:00.1, 0000:3b:00.2]"};
	CU_ASSERT_EQUAL_FATAL(
	    scenario_load_text("v.yaml", yaml, sizeof yaml - 1, sets, 1, &s, err, sizeof err), 0);
	trace_init(&tr);
	rc = real_world_run(s, 0, &cfg, &tr, &res, err, sizeof err);
	CU_ASSERT_EQUAL(rc, -ENODEV);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "devices[0].vfio.source[0]: 0000:3b:00.1 is bound to "
	                                   "mlx5_core"));
	trace_free(&tr);
	scenario_free(s);
}

/* ---- the scenario keys ---- */

static void expect_error(const char *set, const char *want)
{
	struct scenario *s = NULL;
	char err[1024] = "";
	const char *sets[] = {set};
	int rc = scenario_load_text("v.yaml", yaml, sizeof yaml - 1, sets, 1, &s, err, sizeof err);
	CU_ASSERT_NOT_EQUAL(rc, 0);
	if (!strstr(err, want)) {
		fprintf(stderr, "\n  --set %s\n  error: %s\n  wanted: %s\n", set, err, want);
		CU_FAIL("message");
	}
	scenario_free(s);
}

static void test_scenario_keys(void)
{
	expect_error("devices[0].vfio.source=[0000:3b:00.3]",
	             "devices[0].vfio.source: 1 address(es) for 2 device(s)");
	expect_error("devices[0].vfio.destination=[0000:3b:00.4, 3b:00.9]",
	             "devices[0].vfio.destination[1]: '3b:00.9' is not a device address");
	expect_error("devices[0].vfio.destination=[0000:3b:00.4, 0000:3b:00.3]",
	             "devices[0].vfio.destination[1]: '0000:3b:00.3' is already "
	             "devices[0].vfio.source[0]");
	expect_error("devices[0].backend=model", "devices[0].vfio: device addresses need backend: "
	                                         "vfio");
	expect_error("devices[0].backend=kernel", "unknown backend 'kernel': expected model or vfio");
	expect_error("devices[0].vfio={}", "backend vfio needs the devices");
	expect_error("devices[0].vfio.interface=iommufd",
	             "unknown vfio interface 'iommufd': expected auto, cdev or group");

	/* Either list may be empty (the other host's end); --resolved keeps it all. */
	struct scenario *s = NULL;
	char err[512];
	const char *sets[] = {"devices[0].vfio.destination=[]", "devices[0].vfio.interface=group"};
	CU_ASSERT_EQUAL_FATAL(
	    scenario_load_text("v.yaml", yaml, sizeof yaml - 1, sets, 2, &s, err, sizeof err), 0);
	CU_ASSERT_EQUAL(s->groups[0].backend, BACKEND_VFIO);
	CU_ASSERT_EQUAL(s->groups[0].n_vfio_source, 2);
	CU_ASSERT_EQUAL(s->groups[0].n_vfio_destination, 0);
	CU_ASSERT_EQUAL(s->groups[0].vfio_interface, VFIO_IFACE_GROUP);
	char *text = scenario_to_yaml(s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "backend: vfio"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "interface: group"));
	struct scenario *back = NULL;
	CU_ASSERT_EQUAL_FATAL(
	    scenario_load_text("back.yaml", text, strlen(text), NULL, 0, &back, err, sizeof err), 0);
	CU_ASSERT_TRUE(scenario_equal(s, back));
	free(text);
	scenario_free(back);
	scenario_free(s);
}

void register_tests(void)
{
	TEST_SUITE("vfio uAPI", TEST(test_uapi_numbers), TEST(test_uapi_layouts),
	           TEST(test_addresses), TEST(test_errno_advice), TEST(test_scenario_keys));
	CU_pSuite s = CU_add_suite("vfio sysfs", setup_tree, teardown_tree);
	CU_add_test(s, "test_locate_refuses", test_locate_refuses);
	CU_add_test(s, "test_locate_nodes", test_locate_nodes);
	CU_add_test(s, "test_query_errors", test_query_errors);
	CU_add_test(s, "test_real_world_refuses", test_real_world_refuses);
}
