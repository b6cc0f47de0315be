/*
 * vfio_uapi_check.c - compile-time proof that the project's uAPI copy
 * (vfio_uapi.h) agrees with the installed <linux/vfio.h> wherever both define
 * a value or a structure, and with the engine's state and capability
 * numbers.  A kernel header that changed an ABI number breaks the build here,
 * not a device at run time.  Definitions the installed header lacks (it is
 * often older than the kernel) are checked by tests/test_vfio.c against the
 * numbers of Linux 6.12's header.
 */
#include <stddef.h>

#include <linux/vfio.h>

#include "vfio_fsm.h"
#include "vfio_uapi.h"

#define SAME(a, b) _Static_assert((a) == (b), #a " != " #b)
#define SAME_LAYOUT(ours, theirs, field)                                                           \
	_Static_assert(offsetof(struct ours, field) == offsetof(struct theirs, field),             \
	               #ours "." #field " offset")

/* Always in the header (Linux 3.6+ / 5.18+ for the v2 migration uAPI). */
SAME(SWO_VFIO_API_VERSION, VFIO_API_VERSION);
SAME(SWO_VFIO_TYPE1v2_IOMMU, VFIO_TYPE1v2_IOMMU);
SAME(SWO_VFIO_GET_API_VERSION, VFIO_GET_API_VERSION);
SAME(SWO_VFIO_CHECK_EXTENSION, VFIO_CHECK_EXTENSION);
SAME(SWO_VFIO_SET_IOMMU, VFIO_SET_IOMMU);
SAME(SWO_VFIO_GROUP_GET_STATUS, VFIO_GROUP_GET_STATUS);
SAME(SWO_VFIO_GROUP_SET_CONTAINER, VFIO_GROUP_SET_CONTAINER);
SAME(SWO_VFIO_GROUP_GET_DEVICE_FD, VFIO_GROUP_GET_DEVICE_FD);
SAME(SWO_VFIO_DEVICE_RESET, VFIO_DEVICE_RESET);
SAME(SWO_VFIO_GROUP_FLAGS_VIABLE, VFIO_GROUP_FLAGS_VIABLE);
SAME(sizeof(struct swo_vfio_group_status), sizeof(struct vfio_group_status));

#ifdef VFIO_DEVICE_FEATURE
SAME(SWO_VFIO_DEVICE_FEATURE, VFIO_DEVICE_FEATURE);
SAME(SWO_VFIO_DEVICE_FEATURE_MASK, VFIO_DEVICE_FEATURE_MASK);
SAME(SWO_VFIO_DEVICE_FEATURE_GET, VFIO_DEVICE_FEATURE_GET);
SAME(SWO_VFIO_DEVICE_FEATURE_SET, VFIO_DEVICE_FEATURE_SET);
SAME(SWO_VFIO_DEVICE_FEATURE_PROBE, VFIO_DEVICE_FEATURE_PROBE);
SAME(sizeof(struct swo_vfio_device_feature), offsetof(struct vfio_device_feature, data));
#endif
#ifdef VFIO_DEVICE_FEATURE_MIGRATION
SAME(SWO_VFIO_DEVICE_FEATURE_MIGRATION, VFIO_DEVICE_FEATURE_MIGRATION);
SAME(SWO_VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE);
SAME(SWO_VFIO_MIGRATION_STOP_COPY, VFIO_MIGRATION_STOP_COPY);
SAME(SWO_VFIO_MIGRATION_P2P, VFIO_MIGRATION_P2P);
SAME(sizeof(struct swo_vfio_device_feature_migration),
     sizeof(struct vfio_device_feature_migration));
SAME(sizeof(struct swo_vfio_device_feature_mig_state),
     sizeof(struct vfio_device_feature_mig_state));
SAME_LAYOUT(swo_vfio_device_feature_mig_state, vfio_device_feature_mig_state, device_state);
SAME_LAYOUT(swo_vfio_device_feature_mig_state, vfio_device_feature_mig_state, data_fd);
SAME(SWO_VFIO_DEVICE_STATE_ERROR, VFIO_DEVICE_STATE_ERROR);
SAME(SWO_VFIO_DEVICE_STATE_STOP, VFIO_DEVICE_STATE_STOP);
SAME(SWO_VFIO_DEVICE_STATE_RUNNING, VFIO_DEVICE_STATE_RUNNING);
SAME(SWO_VFIO_DEVICE_STATE_STOP_COPY, VFIO_DEVICE_STATE_STOP_COPY);
SAME(SWO_VFIO_DEVICE_STATE_RESUMING, VFIO_DEVICE_STATE_RESUMING);
SAME(SWO_VFIO_DEVICE_STATE_RUNNING_P2P, VFIO_DEVICE_STATE_RUNNING_P2P);
#endif
#ifdef VFIO_MIGRATION_PRE_COPY /* Linux 6.2 */
SAME(SWO_VFIO_MIGRATION_PRE_COPY, VFIO_MIGRATION_PRE_COPY);
SAME(SWO_VFIO_DEVICE_STATE_PRE_COPY, VFIO_DEVICE_STATE_PRE_COPY);
SAME(SWO_VFIO_DEVICE_STATE_PRE_COPY_P2P, VFIO_DEVICE_STATE_PRE_COPY_P2P);
SAME(SWO_VFIO_MIG_GET_PRECOPY_INFO, VFIO_MIG_GET_PRECOPY_INFO);
SAME(sizeof(struct swo_vfio_precopy_info), sizeof(struct vfio_precopy_info));
SAME_LAYOUT(swo_vfio_precopy_info, vfio_precopy_info, initial_bytes);
SAME_LAYOUT(swo_vfio_precopy_info, vfio_precopy_info, dirty_bytes);
#endif
#ifdef VFIO_DEVICE_FEATURE_MIG_DATA_SIZE /* Linux 6.2 */
SAME(SWO_VFIO_DEVICE_FEATURE_MIG_DATA_SIZE, VFIO_DEVICE_FEATURE_MIG_DATA_SIZE);
SAME(sizeof(struct swo_vfio_device_feature_mig_data_size),
     sizeof(struct vfio_device_feature_mig_data_size));
#endif
#ifdef VFIO_DEVICE_BIND_IOMMUFD /* Linux 6.6 */
SAME(SWO_VFIO_DEVICE_BIND_IOMMUFD, VFIO_DEVICE_BIND_IOMMUFD);
SAME(SWO_VFIO_DEVICE_ATTACH_IOMMUFD_PT, VFIO_DEVICE_ATTACH_IOMMUFD_PT);
SAME(sizeof(struct swo_vfio_device_bind_iommufd), sizeof(struct vfio_device_bind_iommufd));
SAME_LAYOUT(swo_vfio_device_bind_iommufd, vfio_device_bind_iommufd, iommufd);
SAME_LAYOUT(swo_vfio_device_bind_iommufd, vfio_device_bind_iommufd, out_devid);
SAME(sizeof(struct swo_vfio_device_attach_iommufd_pt),
     sizeof(struct vfio_device_attach_iommufd_pt));
#endif
#ifdef VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2 /* Linux 7.1 */
SAME(SWO_VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2, VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2);
SAME(SWO_VFIO_PRECOPY_INFO_REINIT, VFIO_PRECOPY_INFO_REINIT);
#endif

/* The engine's numbers are the kernel's. */
SAME(VFIO_STATE_ERROR, SWO_VFIO_DEVICE_STATE_ERROR);
SAME(VFIO_STATE_STOP, SWO_VFIO_DEVICE_STATE_STOP);
SAME(VFIO_STATE_RUNNING, SWO_VFIO_DEVICE_STATE_RUNNING);
SAME(VFIO_STATE_STOP_COPY, SWO_VFIO_DEVICE_STATE_STOP_COPY);
SAME(VFIO_STATE_RESUMING, SWO_VFIO_DEVICE_STATE_RESUMING);
SAME(VFIO_STATE_RUNNING_P2P, SWO_VFIO_DEVICE_STATE_RUNNING_P2P);
SAME(VFIO_STATE_PRE_COPY, SWO_VFIO_DEVICE_STATE_PRE_COPY);
SAME(VFIO_STATE_PRE_COPY_P2P, SWO_VFIO_DEVICE_STATE_PRE_COPY_P2P);
SAME(VFIO_CAP_STOP_COPY, SWO_VFIO_MIGRATION_STOP_COPY);
SAME(VFIO_CAP_P2P, SWO_VFIO_MIGRATION_P2P);
SAME(VFIO_CAP_PRE_COPY, SWO_VFIO_MIGRATION_PRE_COPY);

/* Something for the translation unit to hold (ISO C wants one). */
int vfio_uapi_checked(void)
{
	return 1;
}
