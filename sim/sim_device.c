/*
 * sim_device.c - simulated VFIO device.
 *
 * Arcs take a latency drawn from the profile, a share of it CPU work on
 * the device's host (arc_cpu_fraction, docs/model.md "Hosts and CPUs"), the
 * rest a wait; devices of one contention domain (a PF's firmware) hold the
 * domain's semaphore while they work, so at most `capacity` of them
 * progress at once.  Data is counted, not carried: PRE_COPY serves the
 * header and the full image (DEVICE_DATA_INITIAL), then incremental images,
 * each once its save is done (a read waits for it, outside the domain);
 * STOP_COPY serves any initial bytes never sent, then the header and the
 * increment (or, without precopy, the full image).  The destination's
 * writes cost load_fixed + bytes / load_rate, plus the pre-allocation
 * (init_load) in the write that completes the header.
 *
 * The draws and the byte accounting (REINIT workload included) are the
 * shared device model (models/device_model.c), which the real world's
 * emulated device uses too; this file spends its costs as simulated time.
 */
#include "sim_device.h"

#include <errno.h>
#include <stdlib.h>

#include "device_model.h"

struct sim_dev {
	struct device d;
	struct devmodel m;
	struct rt *rt;
	struct rt_sem *domain;
	double read_cpu_s, write_cpu_s; /* per data call: the host's device_read/write_cpu */
	double read_end_cpu_s;          /* per read finding no data: device_read_end_cpu */
};

static struct sim_dev *sd_of(struct device *d)
{
	return (struct sim_dev *)d;
}

/*
 * Spend `seconds` of device work, holding the contention domain if any: the
 * group's arc_cpu_fraction of it is CPU work of the calling task on its host
 * (it waits for a core when the host has none free), the rest waits on the
 * device.  The real world's emulated device splits its work the same way
 * (emu.c, work_end) and its wait is a sleep, so the wait ends the host's
 * wake latency late (rt_sleep adds it) while the CPU part does not.  `io_cpu`
 * is CPU the call spends first on the data fd (a write's system call):
 * like the emulated device's, whose costs are deadlines, it runs inside the
 * work's time, and only what it took (waiting for a core included) beyond
 * the wait part makes the work longer.
 */
static void work(struct sim_dev *sd, double seconds, double io_cpu)
{
	const struct rt_ops *o = sd->rt->ops;
	double cpu = sd->m.g->arc_cpu_fraction;
	if (sd->domain)
		o->sem_acquire(sd->domain);
	double t0 = rt_now(sd->rt);
	rt_compute(sd->rt, io_cpu);
	double io_took = rt_now(sd->rt) - t0;
	rt_compute(sd->rt, cpu * seconds);
	rt_sleep(sd->rt, (1 - cpu) * seconds - io_took);
	if (sd->domain)
		o->sem_release(sd->domain);
}

static int sim_set_state(struct device *d, enum vfio_state to)
{
	struct sim_dev *sd = sd_of(d);
	double lat;
	bool fail;
	int rc = devmodel_arc_begin(&sd->m, d, rt_now(sd->rt), to, &lat, &fail);
	if (rc)
		return rc;
	work(sd, lat, 0);
	d->last_work_s = lat;
	if (fail) {
		d->state = VFIO_STATE_ERROR;
		return -EIO;
	}
	devmodel_arc_end(&sd->m, d, rt_now(sd->rt), to);
	d->state = to;
	return 0;
}

static int sim_enable_v2(struct device *d)
{
	return devmodel_enable_v2(&sd_of(d)->m);
}

static int sim_precopy_info(struct device *d, struct device_precopy_info *out)
{
	struct sim_dev *sd = sd_of(d);
	if (!vfio_fsm_is_precopy(d->state))
		return -EINVAL;
	work(sd, devmodel_query_begin(&sd->m, d, rt_now(sd->rt)), 0);
	return devmodel_precopy_info(&sd->m, d, rt_now(sd->rt), out);
}

static int sim_stop_copy_size(struct device *d, uint64_t *bytes)
{
	struct sim_dev *sd = sd_of(d);
	work(sd, devmodel_query_begin(&sd->m, d, rt_now(sd->rt)), 0);
	*bytes = devmodel_stop_copy_size(&sd->m, d);
	return 0;
}

static int sim_read(struct device *d, void *buf, uint64_t max, uint64_t *got, uint32_t *hint)
{
	(void)buf;
	struct sim_dev *sd = sd_of(d);
	/* Only precopy's reads depend on the time: a stop-copy read does not
	 * ask for it, which would end a run ahead (rt_chan_send_ahead).  A
	 * read of an incremental image first waits for its save (a wait on
	 * the device, as the emulated device sleeps it). */
	double now = 0;
	if (vfio_fsm_is_precopy(d->state)) {
		rt_sleep(sd->rt, devmodel_read_wait(&sd->m, d, rt_now(sd->rt)));
		now = rt_now(sd->rt);
	}
	int rc = devmodel_read(&sd->m, d, now, max, got, hint);
	/* The call's own CPU on the data fd (device_read_cpu), after the model
	 * said what is there, as the emulated device reads it; its bytes are
	 * the stream's send copy (send_cpu_per_byte).  A read that finds no
	 * data (the end of the stop-copy state, or no precopy data yet) asks
	 * the device for nothing: one system call (device_read_end_cpu). */
	if (!rc)
		rt_compute(sd->rt, *got ? sd->read_cpu_s : sd->read_end_cpu_s);
	return rc;
}

static int sim_write(struct device *d, const void *buf, uint64_t bytes, uint32_t hint)
{
	(void)buf;
	struct sim_dev *sd = sd_of(d);
	if (d->state != VFIO_STATE_RESUMING)
		return -EINVAL;
	work(sd, devmodel_load_cost(&sd->m, bytes, hint), sd->write_cpu_s);
	return 0;
}

/* VFIO_DEVICE_RESET: back to RUNNING; modelled as long as STOP -> RUNNING_P2P. */
static int sim_reset(struct device *d)
{
	struct sim_dev *sd = sd_of(d);
	double lat = devmodel_reset_begin(&sd->m);
	work(sd, lat, 0);
	d->last_work_s = lat;
	d->state = VFIO_STATE_RUNNING;
	devmodel_reset_end(&sd->m);
	return 0;
}

static void sim_free(struct device *d)
{
	struct sim_dev *sd = sd_of(d);
	devmodel_free(&sd->m);
	free(sd);
}

static const struct device_ops sim_device_ops = {
    .kind = "sim",
    .enable_precopy_info_v2 = sim_enable_v2,
    .set_state = sim_set_state,
    .precopy_info = sim_precopy_info,
    .stop_copy_size = sim_stop_copy_size,
    .read = sim_read,
    .write = sim_write,
    .reset = sim_reset,
    .free = sim_free,
};

struct device *sim_device_new(struct rt *rt, const struct scenario *s, size_t index,
                              enum rt_side side, unsigned run, struct rt_sem *domain)
{
	struct sim_dev *sd = calloc(1, sizeof *sd);
	if (!sd)
		return NULL;
	if (devmodel_init(&sd->m, &sd->d, s, index, side, run)) {
		free(sd);
		return NULL;
	}
	sd->rt = rt;
	sd->domain = domain;
	sd->read_cpu_s = s->hosts[side].device_read_cpu_s;
	sd->read_end_cpu_s = s->hosts[side].device_read_end_cpu_s;
	sd->write_cpu_s = s->hosts[side].device_write_cpu_s;
	sd->d.ops = &sim_device_ops;
	sd->d.priv = sd;
	return &sd->d;
}
