/*
 * vfio_uapi.h - the few Linux VFIO / iommufd uAPI definitions switchover
 * needs, carried in the project as QEMU carries linux-headers/: the build
 * machine's <linux/vfio.h> may be older than the kernel the harness drives
 * (Debian 12's linux-libc-dev is 6.1: no PRE_COPY, no MIG_DATA_SIZE, no
 * iommufd cdev), and PRECOPY_INFOv2 is newer than every packaged header.
 *
 * Values are ABI, copied from include/uapi/linux/vfio.h and iommufd.h of
 * Linux 6.12 (Debian's linux-source-6.12), plus
 *   VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2 = 12 and VFIO_PRECOPY_INFO_REINIT =
 *   bit 0 of vfio_precopy_info.flags (kernel commit "vfio: Add support for
 *   VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2", Yishai Hadas, 2026).
 * Everything has a SWO_ prefix so it never collides with the system header;
 * where the system header defines the same thing, vfio_uapi_check.c asserts
 * at compile time that both agree (value, size, field offsets).
 */
#ifndef SWITCHOVER_VFIO_UAPI_H
#define SWITCHOVER_VFIO_UAPI_H

#include <stdint.h>
#include <sys/ioctl.h>

#define SWO_VFIO_TYPE ';'
#define SWO_VFIO_BASE 100
#define SWO_VFIO_API_VERSION 0
#define SWO_VFIO_TYPE1v2_IOMMU 3

#define SWO_VFIO_GET_API_VERSION     _IO(SWO_VFIO_TYPE, SWO_VFIO_BASE + 0)
#define SWO_VFIO_CHECK_EXTENSION     _IO(SWO_VFIO_TYPE, SWO_VFIO_BASE + 1)
#define SWO_VFIO_SET_IOMMU           _IO(SWO_VFIO_TYPE, SWO_VFIO_BASE + 2)
#define SWO_VFIO_GROUP_GET_STATUS    _IO(SWO_VFIO_TYPE, SWO_VFIO_BASE + 3)
#define SWO_VFIO_GROUP_SET_CONTAINER _IO(SWO_VFIO_TYPE, SWO_VFIO_BASE + 4)
#define SWO_VFIO_GROUP_GET_DEVICE_FD _IO(SWO_VFIO_TYPE, SWO_VFIO_BASE + 6)
#define SWO_VFIO_DEVICE_RESET        _IO(SWO_VFIO_TYPE, SWO_VFIO_BASE + 11)
#define SWO_VFIO_DEVICE_FEATURE      _IO(SWO_VFIO_TYPE, SWO_VFIO_BASE + 17)
#define SWO_VFIO_DEVICE_BIND_IOMMUFD _IO(SWO_VFIO_TYPE, SWO_VFIO_BASE + 18)
#define SWO_VFIO_DEVICE_ATTACH_IOMMUFD_PT _IO(SWO_VFIO_TYPE, SWO_VFIO_BASE + 19)
#define SWO_VFIO_MIG_GET_PRECOPY_INFO _IO(SWO_VFIO_TYPE, SWO_VFIO_BASE + 21)

#define SWO_VFIO_GROUP_FLAGS_VIABLE (1u << 0)

struct swo_vfio_group_status {
	uint32_t argsz;
	uint32_t flags;
};

/* VFIO_DEVICE_FEATURE: a header followed by the feature's data. */
#define SWO_VFIO_DEVICE_FEATURE_MASK  0xffffu
#define SWO_VFIO_DEVICE_FEATURE_GET   (1u << 16)
#define SWO_VFIO_DEVICE_FEATURE_SET   (1u << 17)
#define SWO_VFIO_DEVICE_FEATURE_PROBE (1u << 18)

#define SWO_VFIO_DEVICE_FEATURE_MIGRATION            1
#define SWO_VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE     2
#define SWO_VFIO_DEVICE_FEATURE_MIG_DATA_SIZE        9
#define SWO_VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2   12

struct swo_vfio_device_feature {
	uint32_t argsz;
	uint32_t flags;
	/* uint8_t data[]: the feature's structure follows */
};

/* VFIO_DEVICE_FEATURE_MIGRATION flags. */
#define SWO_VFIO_MIGRATION_STOP_COPY (1u << 0)
#define SWO_VFIO_MIGRATION_P2P       (1u << 1)
#define SWO_VFIO_MIGRATION_PRE_COPY  (1u << 2)

struct swo_vfio_device_feature_migration {
	uint64_t flags __attribute__((aligned(8)));
};

/* enum vfio_device_mig_state: the same numbers as enum vfio_state
 * (models/vfio_fsm.h), which says so and is checked against these. */
#define SWO_VFIO_DEVICE_STATE_ERROR        0
#define SWO_VFIO_DEVICE_STATE_STOP         1
#define SWO_VFIO_DEVICE_STATE_RUNNING      2
#define SWO_VFIO_DEVICE_STATE_STOP_COPY    3
#define SWO_VFIO_DEVICE_STATE_RESUMING     4
#define SWO_VFIO_DEVICE_STATE_RUNNING_P2P  5
#define SWO_VFIO_DEVICE_STATE_PRE_COPY     6
#define SWO_VFIO_DEVICE_STATE_PRE_COPY_P2P 7

struct swo_vfio_device_feature_mig_state {
	uint32_t device_state;
	int32_t data_fd;
};

struct swo_vfio_device_feature_mig_data_size {
	uint64_t stop_copy_length __attribute__((aligned(8)));
};

#define SWO_VFIO_PRECOPY_INFO_REINIT (1u << 0)

struct swo_vfio_precopy_info {
	uint32_t argsz;
	uint32_t flags;
	uint64_t initial_bytes __attribute__((aligned(8)));
	uint64_t dirty_bytes __attribute__((aligned(8)));
};

struct swo_vfio_device_bind_iommufd {
	uint32_t argsz;
	uint32_t flags;
	int32_t iommufd;
	uint32_t out_devid;
};

struct swo_vfio_device_attach_iommufd_pt {
	uint32_t argsz;
	uint32_t flags;
	uint32_t pt_id;
};

/* iommufd.h */
#define SWO_IOMMUFD_TYPE ';'
#define SWO_IOMMUFD_CMD_IOAS_ALLOC 0x81
#define SWO_IOMMU_IOAS_ALLOC _IO(SWO_IOMMUFD_TYPE, SWO_IOMMUFD_CMD_IOAS_ALLOC)

struct swo_iommu_ioas_alloc {
	uint32_t size;
	uint32_t flags;
	uint32_t out_ioas_id;
};

#endif
