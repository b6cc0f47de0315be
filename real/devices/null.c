/*
 * null.c - the null VFIO device (see null.h): the reference for writing a
 * device, as fio's null engine is for engines.  It still refuses what the
 * uAPI refuses (an arc that is not a direct one, data outside the data
 * states), so the engine's use of the contract is checked even here.
 */
#include "null.h"

#include <errno.h>
#include <stdlib.h>

#include "device_model.h"

static int null_set_state(struct device *d, enum vfio_state to)
{
	if (!vfio_fsm_is_device_arc(d->state, to, d->caps))
		return -EINVAL;
	d->last_work_s = 0;
	d->state = to;
	return 0;
}

static int null_precopy_info(struct device *d, struct device_precopy_info *out)
{
	if (!vfio_fsm_is_precopy(d->state))
		return -EINVAL;
	*out = (struct device_precopy_info){0, 0, 0};
	return 0;
}

static int null_stop_copy_size(struct device *d, uint64_t *bytes)
{
	(void)d;
	*bytes = 0;
	return 0;
}

static int null_read(struct device *d, void *buf, uint64_t max, uint64_t *got, uint32_t *hint)
{
	(void)buf;
	(void)max;
	if (!vfio_fsm_is_saving(d->state))
		return -EINVAL;
	*got = 0;
	*hint = DEVICE_DATA_STATE;
	return 0;
}

static int null_write(struct device *d, const void *buf, uint64_t bytes, uint32_t hint)
{
	(void)buf;
	(void)bytes;
	(void)hint;
	return d->state == VFIO_STATE_RESUMING ? 0 : -EINVAL;
}

static int null_reset(struct device *d)
{
	d->last_work_s = 0;
	d->state = VFIO_STATE_RUNNING;
	return 0;
}

static void null_free(struct device *d)
{
	free(d);
}

static const struct device_ops null_ops = {
    .kind = "null",
    .enable_precopy_info_v2 = NULL, /* -ENOTTY: no REINIT */
    .set_state = null_set_state,
    .precopy_info = null_precopy_info,
    .stop_copy_size = null_stop_copy_size,
    .read = null_read,
    .write = null_write,
    .reset = null_reset,
    .free = null_free,
};

struct device *null_dev_new(const struct scenario *s, size_t index, enum rt_side side)
{
	struct device *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	devmodel_identity(d, s, index, side);
	d->ops = &null_ops;
	d->priv = d;
	return d;
}
