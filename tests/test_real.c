/*
 * test_real.c - the real world: the emulated device (real time, real bytes
 * checked end to end, contention domains), the null device, whole runs of
 * the engine on real threads, and robustness: a stream that is cut,
 * garbled, truncated, of another version or stalled at each phase of a
 * migration ends the run with a clear error within the I/O timeout, the
 * source devices back in RUNNING and the destination VM never started.
 *
 * Time checks are lower bounds (real time never runs early) and loose
 * upper bounds that only catch a hang.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "devices/emu.h"
#include "devices/null.h"
#include "migration.h"
#include "real_world.h"
#include "rt_pthread.h"
#include "scenario_load.h"
#include "summary.h"
#include "test_devstate_events.h"
#include "test_threads.h"
#include "test_util.h"
#include "transport.h"

#define KiB 1024u

static const char *emu_yaml = "name: emu\n"
                              "vm: {ram: 1MiB}\n"
                              "network: {bandwidth: 10Gbps, latency: 50us}\n"
                              "migration: {strategy: parallel-prio}\n"
                              "domains: [{name: pf, capacity: 1}]\n"
                              "devices:\n"
                              "  - name: vf\n"
                              "    profile: null\n"
                              "    count: 4\n"
                              "    state_size: 300KiB\n"
                              "    initial_bytes: 100KiB\n"
                              "    header_size: 4KiB\n"
                              "    latency: {default: 5ms, running_to_pre_copy: 10ms}\n"
                              "    load: {fixed: 1ms, rate: 1GiB/s}\n"
                              "    domain: pf\n"
                              "runs: 1\n";

static struct scenario *load(const char *yaml, const char *const *sets, size_t n_sets)
{
	struct scenario *s = NULL;
	char err[1024];
	int rc =
	    scenario_load_text("test.yaml", yaml, strlen(yaml), sets, n_sets, &s, err, sizeof err);
	if (rc)
		fprintf(stderr, "scenario: %s\n", err);
	CU_ASSERT_FATAL(rc == 0);
	return s;
}

static struct rt *make_rt(double timeout)
{
	struct rtp_config cfg = {.io_timeout_s = timeout};
	struct rt *rt = rtp_new(&cfg, NULL, 0);
	CU_ASSERT_FATAL(rt != NULL);
	return rt;
}

/* ---- the emulated device ---- */

enum tamper { CLEAN, FLIP_BYTE, SWAP_CHUNKS, OTHER_DEVICE, FLIP_INCREMENT, DROP_TAIL };

struct dev_ctx {
	struct rt *rt;
	const struct scenario *s;
	enum tamper tamper;
	double arc_s, arc_work_s;
	int bad_arc_rc;
	uint64_t initial_read, state_read, initial_hinted;
	int leave_resuming_rc;
	enum vfio_state dst_state_after;
	int eof_again;
	unsigned image_ends;    /* chunks flagged DEVICE_DATA_IMAGE_END */
	double end_write_min_s; /* the shortest write of such a chunk */
	/* With a dirty rate: pause_s after the full image is read, a query
	 * that takes an incremental image, its read, pause_s again, then the
	 * stop.  The device's clock brackets each image's taking: [lo, hi]. */
	double pause_s;
	double full_lo, full_hi, incr_lo, incr_hi, stop_lo, stop_hi;
	uint64_t incr_reported, incr_read; /* the incremental image */
	uint64_t stopcopy_size;            /* reported once in STOP_COPY */
	uint64_t written;                  /* bytes written to dst */
	uint64_t checked;                  /* bytes dst checked (emu_checked_bytes) */
};

/* dst's write of a chunk; a chunk that completes an image is counted and
 * its write timed (the emulated device sleeps at least its load cost). */
static int put(struct dev_ctx *c, struct device *dst, const void *buf, uint64_t n, uint32_t hint)
{
	double t0 = rt_now(c->rt);
	int rc = dst->ops->write(dst, buf, n, hint);
	c->written += n;
	if (hint & DEVICE_DATA_IMAGE_END) {
		double took = rt_now(c->rt) - t0;
		if (!c->image_ends++ || took < c->end_write_min_s)
			c->end_write_min_s = took;
	}
	return rc;
}

/* Source device 0 through PRE_COPY and STOP_COPY; every chunk it yields
 * is written to destination device 0 (or, tampered with, to another). */
static void stream_root(void *arg)
{
	struct dev_ctx *c = arg;
	struct device *src = emu_new(c->rt, c->s, 0, RT_SIDE_SRC, 0, NULL, 2);
	struct device *dst = emu_new(c->rt, c->s, 0, RT_SIDE_DST, 0, NULL, 2);
	struct device *other = emu_new(c->rt, c->s, 1, RT_SIDE_SRC, 0, NULL, 2);
	CU_ASSERT_FATAL(src && dst && other);
	c->bad_arc_rc = src->ops->set_state(src, VFIO_STATE_STOP_COPY);
	double t0 = rt_now(c->rt);
	CU_ASSERT_EQUAL(src->ops->set_state(src, VFIO_STATE_PRE_COPY), 0);
	c->full_lo = t0;
	c->full_hi = rt_now(c->rt);
	c->arc_s = rt_now(c->rt) - t0;
	c->arc_work_s = src->last_work_s;
	CU_ASSERT_EQUAL(other->ops->set_state(other, VFIO_STATE_PRE_COPY), 0);
	CU_ASSERT_EQUAL(dst->ops->set_state(dst, VFIO_STATE_RESUMING), 0);

	struct device_precopy_info info;
	CU_ASSERT_EQUAL(src->ops->precopy_info(src, &info), 0);
	/* Header, initial bytes and the full image: precopy carries the image. */
	CU_ASSERT_EQUAL(info.initial_bytes, (4 + 100 + 300) * KiB);
	static uint8_t chunk[3][64 * KiB];
	uint64_t got[3];
	uint32_t hint;
	int k = 0;
	for (;;) {
		CU_ASSERT_EQUAL(src->ops->read(src, chunk[k], 64 * KiB, &got[k], &hint), 0);
		if (!got[k])
			break;
		c->initial_read += got[k];
		c->initial_hinted += DEVICE_DATA_KIND(hint) == DEVICE_DATA_INITIAL ? got[k] : 0;
		if (c->tamper == SWAP_CHUNKS && k == 0) {
			k = 1; /* held back, written after the next one */
			continue;
		}
		if (c->tamper == FLIP_BYTE)
			chunk[k][got[k] / 2] ^= 1;
		CU_ASSERT_EQUAL(put(c, dst, chunk[k], got[k], hint), 0);
		if (k == 1) {
			CU_ASSERT_EQUAL(put(c, dst, chunk[0], got[0], hint), 0);
			k = 0;
		}
	}
	if (c->pause_s > 0) {
		/* The guest changed the state since the full image: a query
		 * takes an incremental image of it, which precopy reads. */
		rt_sleep(c->rt, c->pause_s);
		c->incr_lo = rt_now(c->rt);
		CU_ASSERT_EQUAL(src->ops->precopy_info(src, &info), 0);
		c->incr_hi = rt_now(c->rt);
		CU_ASSERT_EQUAL(info.initial_bytes, 0);
		c->incr_reported = info.dirty_bytes;
		for (;;) {
			CU_ASSERT_EQUAL(src->ops->read(src, chunk[0], 64 * KiB, &got[0], &hint), 0);
			if (!got[0])
				break;
			CU_ASSERT_EQUAL(DEVICE_DATA_KIND(hint), DEVICE_DATA_STATE);
			c->incr_read += got[0];
			CU_ASSERT_EQUAL(put(c, dst, chunk[0], got[0], hint), 0);
		}
		rt_sleep(c->rt, c->pause_s);
	}
	CU_ASSERT_EQUAL(src->ops->set_state(src, VFIO_STATE_PRE_COPY_P2P), 0);
	c->stop_lo = rt_now(c->rt);
	CU_ASSERT_EQUAL(src->ops->set_state(src, VFIO_STATE_STOP_COPY), 0);
	c->stop_hi = rt_now(c->rt);
	uint64_t size;
	CU_ASSERT_EQUAL(src->ops->stop_copy_size(src, &size), 0);
	c->stopcopy_size = size;
	if (c->tamper == OTHER_DEVICE) { /* another device's state, same length */
		CU_ASSERT_EQUAL(other->ops->read(other, chunk[2], 64 * KiB, &got[2], &hint), 0);
		CU_ASSERT_EQUAL(put(c, dst, chunk[2], got[2], hint), 0);
	}
	for (;;) {
		CU_ASSERT_EQUAL(src->ops->read(src, chunk[0], 64 * KiB, &got[0], &hint), 0);
		if (!got[0])
			break;
		c->state_read += got[0];
		if (c->tamper == FLIP_INCREMENT && c->state_read == size)
			chunk[0][got[0] - 1] ^= 1; /* the increment's last byte */
		if (c->tamper == DROP_TAIL && c->state_read == size)
			continue; /* the increment's last chunk never arrives */
		CU_ASSERT_EQUAL(put(c, dst, chunk[0], got[0], hint), 0);
	}
	CU_ASSERT_EQUAL(src->ops->read(src, chunk[0], 64 * KiB, &got[0], &hint), 0);
	c->eof_again = got[0] == 0;
	CU_ASSERT_EQUAL(src->ops->set_state(src, VFIO_STATE_STOP), 0);
	c->leave_resuming_rc = dst->ops->set_state(dst, VFIO_STATE_STOP);
	c->dst_state_after = dst->state;
	c->checked = emu_checked_bytes(dst);
	src->ops->free(src);
	dst->ops->free(dst);
	other->ops->free(other);
}

static void run_stream_paused(enum tamper t, const char *const *sets, size_t n_sets, double pause_s,
                              struct dev_ctx *c)
{
	struct scenario *s = load(emu_yaml, sets, n_sets);
	*c = (struct dev_ctx){.rt = make_rt(2), .s = s, .tamper = t, .pause_s = pause_s};
	char err[256];
	CU_ASSERT_EQUAL(rtp_run(c->rt, stream_root, c, err, sizeof err), 0);
	rtp_free(c->rt);
	scenario_free(s);
}

static void run_stream_sets(enum tamper t, const char *const *sets, size_t n_sets,
                            struct dev_ctx *c)
{
	run_stream_paused(t, sets, n_sets, 0, c);
}

static void run_stream(enum tamper t, struct dev_ctx *c)
{
	run_stream_sets(t, NULL, 0, c);
}

static void test_emu_streams_its_state(void)
{
	struct dev_ctx c;
	run_stream(CLEAN, &c);
	CU_ASSERT_EQUAL(c.bad_arc_rc, -EINVAL); /* RUNNING -> STOP_COPY is no arc */
	CU_ASSERT(c.arc_s >= 0.010 && c.arc_work_s >= 0.010 && c.arc_s < TEST_HANG_S);
	CU_ASSERT_EQUAL(c.initial_read, (4 + 100 + 300) * KiB);
	CU_ASSERT_EQUAL(c.initial_hinted, (4 + 100 + 300) * KiB);
	CU_ASSERT_EQUAL(c.stopcopy_size, 4 * KiB); /* the header; nothing changed */
	CU_ASSERT_EQUAL(c.state_read, 4 * KiB);
	CU_ASSERT(c.eof_again);
	CU_ASSERT_EQUAL(c.checked, c.written);
	CU_ASSERT_EQUAL(c.written, (4 + 100 + 300 + 4) * KiB);
	CU_ASSERT_EQUAL(c.leave_resuming_rc, 0);
	CU_ASSERT_EQUAL(c.dst_state_after, VFIO_STATE_STOP);
	/* Two images: precopy's (header, initial bytes, image), stop-copy's. */
	CU_ASSERT_EQUAL(c.image_ends, 2);
}

/* load.image: the write that completes each image lasts at least the
 * per-image cost on top of its load line (the device sleeps its cost). */
static void test_emu_charges_image_load(void)
{
	const char *sets[] = {"devices[0].load={fixed: 1ms, rate: 1GiB/s, image: 30ms}"};
	struct dev_ctx c;
	run_stream_sets(CLEAN, sets, 1, &c);
	CU_ASSERT_EQUAL(c.image_ends, 2);
	CU_ASSERT(c.end_write_min_s >= 0.031 && c.end_write_min_s < TEST_HANG_S);
	CU_ASSERT_EQUAL(c.leave_resuming_rc, 0);
}

struct incr_ctx {
	struct rt *rt;
	const struct scenario *s;
	uint64_t initial_read, dirty, incr_read, sc_size;
	double wait_s; /* from the query that took the image to its first bytes */
	uint32_t last_hint;
};

/* Source device 0 through PRE_COPY: its initial data read, 20 ms of the
 * guest changing its state, then a precopy-info query that takes an
 * incremental image and the reads of that image. */
static void incr_root(void *arg)
{
	struct incr_ctx *c = arg;
	struct device *src = emu_new(c->rt, c->s, 0, RT_SIDE_SRC, 0, NULL, 2);
	CU_ASSERT_FATAL(src != NULL);
	CU_ASSERT_EQUAL(src->ops->set_state(src, VFIO_STATE_PRE_COPY), 0);
	static uint8_t chunk[64 * KiB];
	uint64_t got;
	uint32_t hint;
	struct device_precopy_info info;
	CU_ASSERT_EQUAL(src->ops->precopy_info(src, &info), 0);
	for (uint64_t left = info.initial_bytes; left; left -= got) {
		CU_ASSERT_EQUAL_FATAL(src->ops->read(src, chunk, 64 * KiB, &got, &hint), 0);
		CU_ASSERT_FATAL(got > 0);
		c->initial_read += got;
	}
	rt_sleep(c->rt, 0.020);
	CU_ASSERT_EQUAL(src->ops->precopy_info(src, &info), 0);
	double t0 = rt_now(c->rt);
	c->dirty = info.dirty_bytes;
	for (uint64_t left = info.dirty_bytes; left; left -= got) {
		CU_ASSERT_EQUAL_FATAL(src->ops->read(src, chunk, 64 * KiB, &got, &hint), 0);
		CU_ASSERT_FATAL(got > 0);
		if (!c->incr_read)
			c->wait_s = rt_now(c->rt) - t0;
		c->incr_read += got;
		c->last_hint = hint;
	}
	CU_ASSERT_EQUAL(src->ops->stop_copy_size(src, &c->sc_size), 0);
	src->ops->free(src);
}

/* An incremental image of B bytes saved at 100 MiB/s: its first bytes come
 * no sooner than B / 100 MiB/s after the query that took it (the emulated
 * device waits for the save, as the sim device does), and it is exactly
 * what the query reported, one image. */
static void test_emu_waits_for_incremental_save(void)
{
	const char *sets[] = {"devices[0].save_rate=100MiB/s",
	                      "devices[0].precopy_dirty_rate=100MiB/s"};
	struct scenario *s = load(emu_yaml, sets, 2);
	struct incr_ctx c = {.rt = make_rt(2), .s = s};
	char err[256];
	CU_ASSERT_EQUAL(rtp_run(c.rt, incr_root, &c, err, sizeof err), 0);
	rtp_free(c.rt);
	scenario_free(s);
	CU_ASSERT_EQUAL(c.initial_read, (4 + 100 + 300) * KiB);
	/* At least 20 ms of changes at 100 MiB/s. */
	CU_ASSERT(c.dirty >= 2 * 1024 * KiB);
	CU_ASSERT_EQUAL(c.incr_read, c.dirty);
	CU_ASSERT(c.last_hint == (DEVICE_DATA_STATE | DEVICE_DATA_IMAGE_END));
	CU_ASSERT(c.wait_s >= (double)c.dirty / (100.0 * 1024 * KiB) && c.wait_s < TEST_HANG_S);
	/* Stop-copy would carry the header and what changed since the image. */
	CU_ASSERT(c.sc_size > 4 * KiB);
}

/* The destination notices state that is not the source's, in order. */
static void test_emu_detects_bad_state(void)
{
	static const enum tamper bad[] = {FLIP_BYTE, SWAP_CHUNKS, OTHER_DEVICE};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct dev_ctx c;
		run_stream(bad[i], &c);
		CU_ASSERT_EQUAL(c.leave_resuming_rc, -EIO);
		CU_ASSERT_EQUAL(c.dst_state_after, VFIO_STATE_ERROR);
	}
}

/* precopy_dirty_rate, for real: the guest changes the device's state at
 * 64 MiB/s.  A query after the full image takes an incremental image of what
 * changed since the full image was taken, precopy reads it, and STOP_COPY
 * saves the header and what changed since that image.  Exact: precopy read
 * the size the query reported, stop-copy the size the device reported in
 * STOP_COPY (more than the header), and the destination received and checked
 * every byte of the three images, in order.  Each increment is the rate
 * times the time between the takings of two images, which the device and
 * the test read on one clock: it lies within the rate times the brackets
 * the test put around those takings (bounds, not timings). */
static void test_emu_streams_the_increment(void)
{
	const char *sets[] = {"devices[0].precopy_dirty_rate=64MiB/s"};
	const double rate = 64.0 * 1048576, pause = 0.020;
	struct dev_ctx c;
	run_stream_paused(CLEAN, sets, 1, pause, &c);
	CU_ASSERT_EQUAL(c.initial_read, (4 + 100 + 300) * KiB);
	CU_ASSERT_EQUAL(c.incr_read, c.incr_reported);
	CU_ASSERT(c.stopcopy_size > 4 * KiB);
	CU_ASSERT_EQUAL(c.state_read, c.stopcopy_size);
	CU_ASSERT(c.eof_again);
	CU_ASSERT_EQUAL(c.written, c.initial_read + c.incr_read + c.state_read);
	CU_ASSERT_EQUAL(c.checked, c.written);
	CU_ASSERT_EQUAL(c.leave_resuming_rc, 0);
	CU_ASSERT_EQUAL(c.dst_state_after, VFIO_STATE_STOP);
	CU_ASSERT_EQUAL(c.image_ends, 3); /* full image, incremental image, stop-copy */
	double incr = (double)c.incr_reported, stop = (double)(c.stopcopy_size - 4 * KiB);
	CU_ASSERT(incr >= floor(rate * (c.incr_lo - c.full_hi)) - 1);
	CU_ASSERT(incr <= rate * (c.incr_hi - c.full_lo) + 1);
	CU_ASSERT(stop >= floor(rate * (c.stop_lo - c.incr_hi)) - 1);
	CU_ASSERT(stop <= rate * (c.stop_hi - c.incr_lo) + 1);
	/* Each image came at least a pause after the one before it. */
	CU_ASSERT(incr >= rate * pause - 1 && stop >= rate * pause - 1);
	if (c.stopcopy_size <= 4 * KiB || c.checked != c.written)
		fprintf(stderr, "increment: %llu B, stop-copy %llu B, written %llu, checked %llu\n",
		        (unsigned long long)c.incr_reported, (unsigned long long)c.stopcopy_size,
		        (unsigned long long)c.written, (unsigned long long)c.checked);
}

/* One flipped byte of the stop-copy increment (its last) fails RESUMING,
 * and so does its last chunk missing (every byte that came matched, but
 * the image is cut short: 5 ms at 64 MiB/s is several 64 KiB chunks). */
static void test_emu_detects_bad_increment(void)
{
	const char *sets[] = {"devices[0].precopy_dirty_rate=64MiB/s"};
	static const enum tamper bad[] = {FLIP_INCREMENT, DROP_TAIL};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct dev_ctx c;
		run_stream_paused(bad[i], sets, 1, 0.005, &c);
		CU_ASSERT(c.stopcopy_size > 4 * KiB + 64 * KiB);
		CU_ASSERT_EQUAL(c.checked, c.written);
		CU_ASSERT(bad[i] != DROP_TAIL ||
		          c.written < c.initial_read + c.incr_read + c.state_read);
		CU_ASSERT_EQUAL(c.leave_resuming_rc, -EIO);
		CU_ASSERT_EQUAL(c.dst_state_after, VFIO_STATE_ERROR);
	}
}

struct domain_ctx {
	struct rt *rt;
	struct device *dev[4];
	atomic_int done;
};

static void arc_task(void *arg)
{
	struct device *d = arg;
	CU_ASSERT_EQUAL(d->ops->set_state(d, VFIO_STATE_PRE_COPY), 0);
}

static void domain_root(void *arg)
{
	struct domain_ctx *c = arg;
	struct rt_task *t[4];
	for (int i = 0; i < 4; i++)
		t[i] = rt_spawn(c->rt, RT_SIDE_SRC, "arc", arc_task, c->dev[i]);
	for (int i = 0; i < 4; i++)
		rt_join(c->rt, t[i]);
}

/* Four 10 ms arcs in one domain: capacity 1 serialises them, 2 pairs them. */
static void test_emu_contention_domain(void)
{
	struct scenario *s = load(emu_yaml, NULL, 0);
	for (unsigned cap = 1; cap <= 2; cap++) {
		struct domain_ctx c = {.rt = make_rt(2)};
		struct rt_sem *sem = c.rt->ops->sem_new(c.rt, cap);
		for (int i = 0; i < 4; i++)
			c.dev[i] = emu_new(c.rt, s, (size_t)i, RT_SIDE_SRC, 0, sem, 2);
		double t0 = transport_now();
		CU_ASSERT_EQUAL(rtp_run(c.rt, domain_root, &c, NULL, 0), 0);
		double took = transport_now() - t0;
		CU_ASSERT(took >= 0.040 / cap && took < TEST_HANG_S);
		for (int i = 0; i < 4; i++) {
			CU_ASSERT(c.dev[i]->last_work_s >= 0.010);
			c.dev[i]->ops->free(c.dev[i]);
		}
		c.rt->ops->sem_free(sem);
		rtp_free(c.rt);
	}
	scenario_free(s);
}

static void test_null_device(void)
{
	struct scenario *s = load(emu_yaml, NULL, 0);
	struct device *d = null_dev_new(s, 2, RT_SIDE_SRC);
	CU_ASSERT_FATAL(d != NULL);
	CU_ASSERT_STRING_EQUAL(d->name, "vf2");
	CU_ASSERT_STRING_EQUAL(d->ops->kind, "null");
	CU_ASSERT_EQUAL(d->state, VFIO_STATE_RUNNING);
	CU_ASSERT_EQUAL(d->ops->set_state(d, VFIO_STATE_STOP_COPY), -EINVAL);
	CU_ASSERT_EQUAL(d->ops->set_state(d, VFIO_STATE_PRE_COPY), 0);
	uint64_t got = 1;
	uint32_t hint;
	CU_ASSERT_EQUAL(d->ops->read(d, NULL, 100, &got, &hint), 0);
	CU_ASSERT_EQUAL(got, 0);
	CU_ASSERT_EQUAL(d->ops->write(d, NULL, 0, 0), -EINVAL); /* not RESUMING */
	d->ops->free(d);
	scenario_free(s);
}

static void test_free_groups(void)
{
	struct scenario *s = load(emu_yaml, NULL, 0);
	CU_ASSERT(!real_world_group_is_free(s, 0));
	scenario_free(s);
	s = load("name: n\ndevices: [{name: a, profile: null}]\n", NULL, 0);
	CU_ASSERT(real_world_group_is_free(s, 0));
	scenario_free(s);
	const char *lat[] = {"devices[0].latency.stop_to_resuming=1us"};
	s = load("name: n\ndevices: [{name: a, profile: null}]\n", lat, 1);
	CU_ASSERT(!real_world_group_is_free(s, 0));
	scenario_free(s);
	CU_ASSERT_EQUAL(real_devices_parse("emu"), REAL_DEVICES_EMU);
	CU_ASSERT_EQUAL(real_devices_parse("fast"), -1);
}

/* ---- whole runs ---- */

struct run_out {
	struct trace tr;
	struct mig_result res;
	struct run_summary sum;
	int rc;
	double wall_s;
	char err[512];
};

static void run_real(const struct scenario *s, const struct real_world_config *cfg,
                     struct run_out *o)
{
	trace_init(&o->tr);
	double t0 = transport_now();
	o->rc = real_world_run(s, 0, cfg, &o->tr, &o->res, o->err, sizeof o->err);
	o->wall_s = transport_now() - t0;
	if (o->rc)
		fprintf(stderr, "real_world_run: %s\n", o->err);
	CU_ASSERT_EQUAL_FATAL(o->rc, 0);
	CU_ASSERT_EQUAL_FATAL(summary_from_trace(s, &o->tr, &o->res, &o->sum), 0);
}

static void run_free(struct run_out *o)
{
	summary_free(&o->sum);
	trace_free(&o->tr);
}

static void test_null_scenario_runs(void)
{
	struct scenario *s = NULL;
	char err[512];
	CU_ASSERT_FATAL(scenario_load_file(test_src_path("scenarios/null.yaml"), NULL, 0, &s, err,
	                                   sizeof err) == 0);
	for (int k = 0; k < STRATEGY_COUNT; k++) {
		s->strategy = (enum strategy_kind)k;
		struct real_world_config cfg = {0};
		struct run_out o;
		run_real(s, &cfg, &o);
		CU_ASSERT_EQUAL(o.res.status, 0);
		CU_ASSERT(o.sum.downtime_s >= 0 && o.sum.downtime_s < TEST_HANG_S);
		run_free(&o);
	}
	scenario_free(s);
}

/* emu_yaml with `sets`, run once on emulated devices into *o; it must
 * complete (`label` names the case if it does not).  Returns the scenario. */
static struct scenario *run_emu(const char *const *sets, size_t n_sets, const char *label,
                                struct run_out *o)
{
	struct scenario *s = load(emu_yaml, sets, n_sets);
	struct real_world_config cfg = {.devices = REAL_DEVICES_EMU};
	run_real(s, &cfg, o);
	if (o->res.status)
		fprintf(stderr, "%s: %s\n", label, o->res.error);
	CU_ASSERT_EQUAL(o->res.status, 0);
	return s;
}

static void test_emu_scenario_runs(void)
{
	for (int k = 0; k < STRATEGY_COUNT; k++) {
		char set[64];
		snprintf(set, sizeof set, "migration.strategy=%s", strategy_name(k));
		const char *sets[] = {set};
		struct run_out o;
		struct scenario *s = run_emu(sets, 1, set, &o);
		/* Each device's header only: its full image went in precopy
		 * (the old 4 x 300 KiB sent the state twice over). */
		CU_ASSERT_EQUAL(o.sum.stopcopy_bytes, 4 * 4 * KiB);
		CU_ASSERT(o.sum.inv[INV_P2P_BEFORE_LEAVING].held);
		CU_ASSERT(o.sum.inv[INV_PREPARE_BEFORE_MAIN].held);
		/* Four devices in a domain of capacity 1: each step is serial. */
		CU_ASSERT(o.sum.downtime_s >= 4 * 4 * 0.005);
		run_free(&o);
		scenario_free(s);
	}
}

/* Whole runs with the guest changing every device's state at 64 MiB/s, on
 * the main stream and over two multifd channels: each device's stop-copy
 * carries its header and an increment (what changed since the last image
 * precopy read, up to the VM stop), and the destination loaded exactly the
 * bytes the source sent of each device, all checked (leaving RESUMING
 * would fail the run otherwise).  Over multifd each device's config state
 * is loaded after all its buffers and before the VM starts. */
static void test_emu_runs_with_increments(void)
{
	for (int channels = 0; channels <= 2; channels += 2) {
		char set[64];
		snprintf(set, sizeof set, "network.multifd_channels=%d", channels);
		const char *sets[] = {"devices[0].precopy_dirty_rate=64MiB/s", set};
		struct run_out o;
		struct scenario *s = run_emu(sets, 2, set, &o);
		double sent[4] = {0}, loaded[4] = {0};
		/* Over multifd: each device's config state is loaded once, after
		 * its last buffer, and the VM starts after every config load. */
		unsigned configs[4] = {0}, loads_after_config = 0, configs_at_vm_start = 0;
		for (size_t k = 0; k < o.tr.n; k++) {
			const struct trace_event *e = &o.tr.ev[k];
			if (e->kind == TRACE_VM_START)
				configs_at_vm_start =
				    configs[0] + configs[1] + configs[2] + configs[3];
			if (e->device < 0 || e->device >= 4)
				continue;
			if (e->kind == TRACE_SEND) {
				sent[e->device] += e->value;
			} else if (e->kind == TRACE_LOAD_BEGIN) {
				loaded[e->device] += e->value;
				loads_after_config += configs[e->device];
			} else if (e->kind == TRACE_CONFIG_LOAD) {
				configs[e->device]++;
			}
		}
		for (int d = 0; d < 4; d++) {
			CU_ASSERT(o.sum.dev[d].stopcopy_bytes > 4 * KiB);
			CU_ASSERT(sent[d] >= (4 + 100 + 300) * KiB + o.sum.dev[d].stopcopy_bytes);
			CU_ASSERT_EQUAL(loaded[d], sent[d]);
			CU_ASSERT_EQUAL(configs[d], channels ? 1 : 0);
		}
		CU_ASSERT_EQUAL(loads_after_config, 0);
		CU_ASSERT_EQUAL(configs_at_vm_start, channels ? 4 : 0);
		run_free(&o);
		scenario_free(s);
	}
}

/* Per-group multifd transfer for real: group `on` (the migration's auto,
 * with channels) sends its devices' state over the two multifd
 * connections, each device by its own save thread and loaded by its own
 * load thread; group `main` sets its own off and streams on the main
 * connection.  Every emulated destination device checks each byte it
 * loads (a wrong one fails the run). */
static void test_emu_mixed_multifd_transfer(void)
{
	const char *sets[] = {"network.multifd_channels=2", "migration.chunk_size=64KiB",
	                      "devices=[{name: on, profile: null, count: 2, state_size: 256KiB, "
	                      "capabilities: [stop_copy, p2p]}, {name: main, profile: null, "
	                      "count: 2, state_size: 256KiB, capabilities: [stop_copy, p2p], "
	                      "multifd_transfer: off}]"};
	struct scenario *s = load(emu_yaml, sets, 3);
	struct real_world_config cfg = {.devices = REAL_DEVICES_EMU};
	struct run_out o;
	run_real(s, &cfg, &o);
	if (o.res.status)
		fprintf(stderr, "mixed: %s\n", o.res.error);
	CU_ASSERT_EQUAL(o.res.status, 0);
	CU_ASSERT_EQUAL(o.sum.stopcopy_bytes, 4 * 256 * KiB);
	/* Device 0 and 1 (on0, on1) by their own tasks, 2 and 3 on the main
	 * stream's. */
	static const char *const own[4][2] = {{"vfio-on0-save", "vfio-on0-load"},
	                                      {"vfio-on1-save", "vfio-on1-load"},
	                                      {"migration", "load"},
	                                      {"migration", "load"}};
	unsigned sends[4] = {0}, loads[4] = {0}, wrong = 0;
	for (size_t k = 0; k < o.tr.n; k++) {
		const struct trace_event *e = &o.tr.ev[k];
		bool send = e->kind == TRACE_SEND && e->text && !strcmp(e->text, "stop-copy");
		if ((!send && e->kind != TRACE_LOAD_BEGIN) || e->device < 0 || e->device > 3)
			continue;
		wrong += strcmp(e->task, own[e->device][send ? 0 : 1]) != 0;
		(send ? sends : loads)[e->device]++;
	}
	CU_ASSERT_EQUAL(wrong, 0);
	for (int d = 0; d < 4; d++)
		CU_ASSERT(sends[d] == 1 && loads[d] == 4); /* 4 chunks of 64 KiB */
	/* on0, on1: 4 state buffers and the config state, one config load
	 * after their last buffer's; main0, main1: none. */
	expect_devstate_events(&o.tr, "ssmm");
	CU_ASSERT_EQUAL(devstate_events(&o.tr, 0).buffers, 5);
	CU_ASSERT_EQUAL(devstate_events(&o.tr, 1).buffers, 5);
	run_free(&o);
	scenario_free(s);
}

static double process_cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* An emulated device whose arcs are all CPU work burns them, and the vCPU
 * pause and resume burn theirs: the process spends at least that much CPU
 * (docs/model.md "Hosts and CPUs"). */
static void test_emu_cpu_work_is_burnt(void)
{
	static const char text[] =
	    "name: burn\n"
	    "vm: {ram: 0, vcpus: 4}\n"
	    "hosts:\n"
	    "  source: {vcpu_pause: 5ms}\n"
	    "  destination: {vcpu_resume: 5ms}\n"
	    "devices:\n"
	    "  - {name: vf, profile: null, state_size: 64KiB, arc_cpu_fraction: 1,\n"
	    "     latency: {default: 10ms}}\n";
	struct scenario *s = load(text, NULL, 0);
	struct real_world_config cfg = {.devices = REAL_DEVICES_EMU};
	struct run_out o;
	double cpu0 = process_cpu_s();
	run_real(s, &cfg, &o);
	double cpu = process_cpu_s() - cpu0;
	CU_ASSERT_EQUAL(o.res.status, 0);
	unsigned arcs = 0;
	for (size_t i = 0; i < o.tr.n; i++)
		arcs += o.tr.ev[i].kind == TRACE_ARC_END;
	CU_ASSERT(arcs >= 6);
	CU_ASSERT(cpu >= arcs * 10e-3 + 4 * 5e-3 * 2);
	run_free(&o);
	scenario_free(s);
}

/* Pool workers (migration.threads: pool) on real threads: the runs
 * complete with the strategies' orderings, every transition is handed to a
 * worker and waited for in its pass, and every worker has ended (been
 * joined) before the run ends. */
static void test_emu_pool_runs(void)
{
	for (int k = STRATEGY_PARALLEL_PRIO; k <= STRATEGY_PARALLEL_BARRIER; k++) {
		char set[64];
		snprintf(set, sizeof set, "migration.strategy=%s", strategy_name(k));
		const char *sets[] = {set, "migration.threads=pool"};
		struct run_out o;
		struct scenario *s = run_emu(sets, 2, set, &o);
		/* Each device's header only: its full image went in precopy
		 * (the old 4 x 300 KiB sent the state twice over). */
		CU_ASSERT_EQUAL(o.sum.stopcopy_bytes, 4 * 4 * KiB);
		CU_ASSERT(o.sum.inv[INV_P2P_BEFORE_LEAVING].held);
		CU_ASSERT(o.sum.inv[INV_PREPARE_BEFORE_MAIN].held);
		CU_ASSERT(o.sum.inv[INV_THREADS_JOINED].held);
		CU_ASSERT_EQUAL(o.sum.threads_spawned, 2 * 4);
		struct thread_counts c = count_threads(&o.tr);
		CU_ASSERT_EQUAL(c.worker_spawns, 2 * 4);
		CU_ASSERT_EQUAL(c.worker_joins, 2 * 4);
		CU_ASSERT(c.workers_end_before_run_end);
		/* parallel-prio: one hand-off per device per pass per side;
		 * parallel-barrier: one per device per side. */
		int handed = k == STRATEGY_PARALLEL_PRIO ? 4 * 2 * 2 : 4 * 2;
		CU_ASSERT_EQUAL(c.launches, handed);
		CU_ASSERT_EQUAL(c.collects, handed);
		run_free(&o);
		scenario_free(s);
	}
}

/* ---- robustness ---- */

static const char *fault_yaml = "name: faults\n"
                                "vm: {ram: 1MiB}\n"
                                "network: {bandwidth: 10Gbps, latency: 50us}\n"
                                "migration: {strategy: parallel-prio, chunk_size: 64KiB, "
                                "switchover_ack: new}\n"
                                "devices:\n"
                                "  - name: vf\n"
                                "    profile: null\n"
                                "    state_size: 256KiB\n"
                                "    initial_bytes: 64KiB\n"
                                "    latency: {default: 2ms}\n"
                                "  - name: nf\n"
                                "    profile: null\n"
                                "    capabilities: [stop_copy, p2p]\n"
                                "    state_size: 256KiB\n"
                                "    latency: {default: 2ms}\n"
                                "runs: 1\n";

/* Long enough that a loaded machine never misses a keepalive (one every
 * quarter of it), short enough that a stalled peer is found quickly. */
#define FAULT_TIMEOUT_S 2.0

/* Where in a migration a fault strikes: the nth frame of that kind (and
 * value) on that channel.  With 64 KiB chunks, precopy sends only initial
 * chunks (vf's initial bytes and image) and stop-copy only state chunks
 * (nf's image: a device without PRE_COPY saves it at stop; vf's full image
 * went in precopy and nothing changed since). */
static const struct fault_phase {
	const char *name, *chan;
	uint32_t kind;
	int match_value;
	uint64_t value;
	unsigned nth;
} phases[] = {
    {"setup", "main", MIG_REC_SETUP, 0, 0, 1},
    {"precopy", "main", MIG_REC_DEV_DATA, 1, DEVICE_DATA_INITIAL, 0},
    {"stop-copy", "main", MIG_REC_DEV_DATA, 1, DEVICE_DATA_STATE | MIG_DATA_STOPCOPY, 2},
    {"end of stream", "main", MIG_REC_EOS, 0, 0, 0},
    {"switchover ACK", "return-path", MIG_RET_ACK, 0, 0, 0},
};

static const struct fault_action {
	enum rtp_fault_action action;
	const char *what; /* in the run's error */
} actions[] = {
    {RTP_FAULT_DISCONNECT, "the peer closed the connection"},
    {RTP_FAULT_TRUNCATE, "truncated frame"},
    {RTP_FAULT_GARBAGE, "malformed frame"},
    {RTP_FAULT_BAD_VERSION, "transport version 3, expected 2"},
    {RTP_FAULT_STALL, "channel '"},
};

/* Every source device's last arc took it back to RUNNING (or it never
 * left), and the destination VM never ran. */
static void expect_recovered(const struct trace *tr, size_t n, const char *label)
{
	bool recovered = false, dst_ran = false;
	enum vfio_state last[8];
	for (size_t i = 0; i < n; i++)
		last[i] = VFIO_STATE_RUNNING;
	for (size_t k = 0; k < tr->n; k++) {
		const struct trace_event *e = &tr->ev[k];
		if (e->kind == TRACE_ARC_END && e->side == RT_SIDE_SRC && e->device >= 0 &&
		    (size_t)e->device < n && !e->text)
			last[e->device] = (enum vfio_state)e->to;
		recovered |= e->kind == TRACE_MARK && e->from == TRACE_MARK_RECOVERY_END;
		dst_ran |= e->kind == TRACE_VM_RUNNING;
	}
	for (size_t i = 0; i < n; i++)
		if (last[i] != VFIO_STATE_RUNNING)
			fprintf(stderr, "%s: source device %zu ended in %s\n", label, i,
			        vfio_state_name(last[i]));
	for (size_t i = 0; i < n; i++)
		CU_ASSERT_EQUAL(last[i], VFIO_STATE_RUNNING);
	CU_ASSERT(recovered);
	CU_ASSERT(!dst_ran);
}

static void test_faults_at_every_phase(void)
{
	struct scenario *s = load(fault_yaml, NULL, 0);
	for (size_t p = 0; p < sizeof phases / sizeof phases[0]; p++) {
		for (size_t a = 0; a < sizeof actions / sizeof actions[0]; a++) {
			struct rtp_fault f = {.action = actions[a].action,
			                      .kind = phases[p].kind,
			                      .match_value = phases[p].match_value,
			                      .value = phases[p].value,
			                      .nth = phases[p].nth};
			snprintf(f.chan, sizeof f.chan, "%s", phases[p].chan);
			struct real_world_config cfg = {.devices = REAL_DEVICES_EMU,
			                                .io_timeout_s = FAULT_TIMEOUT_S,
			                                .fault = &f};
			char label[96];
			snprintf(label, sizeof label, "%s at %s", actions[a].what, phases[p].name);
			struct run_out o;
			run_real(s, &cfg, &o);
			if (!o.res.status || !strstr(o.res.error, actions[a].what))
				fprintf(stderr, "%s: status %d, error '%s'\n", label, o.res.status,
				        o.res.error);
			CU_ASSERT(o.res.status < 0);
			CU_ASSERT_PTR_NOT_NULL(strstr(o.res.error, actions[a].what));
			/* The fault ends the run: it does not hang. */
			CU_ASSERT(o.wall_s < TEST_HANG_S);
			expect_recovered(&o.tr, 2, label);
			run_free(&o);
		}
	}
	scenario_free(s);
}

/* The faults scenario over 2 multifd channels, both devices without
 * PRE_COPY: each saves its full image at the stop (4 data packets before
 * its config packet), so every device-state packet carries bytes the
 * destination checks (vf's PRE_COPY would leave it nothing to send). */
static const char *stop_copy_sets[] = {"network.multifd_channels=2",
                                       "devices[0].capabilities=[stop_copy, p2p]",
                                       "devices[0].initial_bytes=0", "devices[0].header_size=0"};

/* The same faults on a multifd channel carrying device state, and one
 * corrupt byte in a packet, on the first device-state packet of multifd0:
 * with no RAM left at the stop that is a data packet (the round-robin hands
 * it the first or second packet, and every device has 4 data packets before
 * its empty config packet; a later one may be a config packet, whichever
 * channel frees first on this machine).  The migration
 * fails instead of starting the destination VM with part of a device's
 * state or hanging on a packet that never comes, and the source recovers. */
static void test_faults_in_multifd_device_state(void)
{
	struct scenario *s = load(fault_yaml, stop_copy_sets, 4);
	for (size_t a = 0; a <= sizeof actions / sizeof actions[0]; a++) {
		bool corrupt = a == sizeof actions / sizeof actions[0];
		struct rtp_fault f = {.action = corrupt ? RTP_FAULT_CORRUPT : actions[a].action,
		                      .chan = "multifd0",
		                      .kind = MIG_REC_DEV_STATE,
		                      .nth = 0};
		struct real_world_config cfg = {
		    .devices = REAL_DEVICES_EMU, .io_timeout_s = FAULT_TIMEOUT_S, .fault = &f};
		char label[96];
		snprintf(label, sizeof label, "%s in multifd device state",
		         corrupt ? "a corrupt byte" : actions[a].what);
		struct run_out o;
		run_real(s, &cfg, &o);
		if (!o.res.status)
			fprintf(stderr, "%s: completed\n", label);
		CU_ASSERT(o.res.status < 0);
		CU_ASSERT(o.wall_s < TEST_HANG_S);
		expect_recovered(&o.tr, 2, label);
		run_free(&o);
	}
	scenario_free(s);
}

/* A save or load thread that cannot be created fails the migration, which
 * neither hangs nor starts the destination VM; the source recovers. */
static void test_devstate_spawn_failure(void)
{
	struct scenario *s = load(fault_yaml, stop_copy_sets, 4);
	static const struct {
		const char *task, *error;
	} cases[] = {{"vfio-nf-save", "nf: cannot create its save thread"},
	             {"vfio-nf-load", "nf: cannot create its load thread"}};
	for (size_t i = 0; i < 2; i++) {
		struct rtp_fault f = {.action = RTP_FAULT_SPAWN, .nth = 0};
		snprintf(f.chan, sizeof f.chan, "%s", cases[i].task);
		struct real_world_config cfg = {
		    .devices = REAL_DEVICES_EMU, .io_timeout_s = FAULT_TIMEOUT_S, .fault = &f};
		struct run_out o;
		run_real(s, &cfg, &o);
		if (!strstr(o.res.error, cases[i].error))
			fprintf(stderr, "%s: status %d, error '%s'\n", cases[i].task, o.res.status,
			        o.res.error);
		CU_ASSERT(o.res.status < 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(o.res.error, cases[i].error));
		CU_ASSERT(o.wall_s < TEST_HANG_S);
		expect_recovered(&o.tr, 2, cases[i].task);
		run_free(&o);
	}
	scenario_free(s);
}

/* A frame that is well formed but whose state is corrupt (one payload byte
 * flipped) gets through the transport; the destination device finds out
 * when it leaves RESUMING, the destination reports the failure over the
 * return path and the source recovers. */
static void test_corrupt_state_fails_the_load(void)
{
	/* With pool workers too: the failing destination pass and the source's
	 * recovery (its VM started again) run on the workers, which then end. */
	static const char *const modes[] = {"migration.threads=per-pass", "migration.threads=pool"};
	for (int t = 0; t < 2; t++) {
		struct scenario *s = load(fault_yaml, &modes[t], 1);
		struct rtp_fault f = {.action = RTP_FAULT_CORRUPT,
		                      .chan = "main",
		                      .kind = MIG_REC_DEV_DATA,
		                      .match_value = 1,
		                      .value = DEVICE_DATA_STATE | MIG_DATA_STOPCOPY,
		                      .nth = 1};
		struct real_world_config cfg = {
		    .devices = REAL_DEVICES_EMU, .io_timeout_s = FAULT_TIMEOUT_S, .fault = &f};
		struct run_out o;
		run_real(s, &cfg, &o);
		if (!strstr(o.res.error, "RESUMING -> STOP failed"))
			fprintf(stderr, "corrupt state, %s: '%s'\n", modes[t], o.res.error);
		CU_ASSERT(o.res.status < 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(o.res.error, "RESUMING -> STOP failed"));
		expect_recovered(&o.tr, 2, modes[t]);
		struct thread_counts c = count_threads(&o.tr);
		CU_ASSERT_EQUAL(c.worker_spawns, t ? 2 * 2 : 0);
		CU_ASSERT_EQUAL(c.worker_joins, c.worker_spawns);
		CU_ASSERT(c.workers_end_before_run_end);
		CU_ASSERT_EQUAL(c.launches, c.collects);
		run_free(&o);
		scenario_free(s);
	}
}

/* ---- two processes over TCP ---- */

/* One end of a two-process run; the test plays both ends in two threads
 * with runtimes of their own, as two processes would. */
struct end {
	const struct scenario *s;
	struct real_world_config cfg;
	char addr[64];
	struct run_out o;
	double clock_error_s; /* the peer's times are this close to right */
	pthread_t th;
};

static void *end_main(void *arg)
{
	struct end *e = arg;
	trace_init(&e->o.tr);
	e->o.rc = real_world_run(e->s, 0, &e->cfg, &e->o.tr, &e->o.res, e->o.err, sizeof e->o.err);
	return NULL;
}

/* Run `src_s` as the source and `dst_s` as the destination over loopback. */
static void run_two(const struct scenario *src_s, const struct scenario *dst_s,
                    const struct rtp_fault *fault, struct end *src, struct end *dst)
{
	int lfd;
	char err[256];
	CU_ASSERT_FATAL(transport_listen("127.0.0.1:0", &lfd, err, sizeof err) == 0);
	/* A run that should complete gets a timeout only a hang reaches. */
	double io_timeout_s = fault ? FAULT_TIMEOUT_S : TEST_HANG_S / 4;
	*dst = (struct end){.s = dst_s,
	                    .cfg = {.devices = REAL_DEVICES_EMU,
	                            .io_timeout_s = io_timeout_s,
	                            .role = REAL_ROLE_DST,
	                            .listen_fd = lfd}};
	*src = (struct end){.s = src_s,
	                    .cfg = {.devices = REAL_DEVICES_EMU,
	                            .io_timeout_s = io_timeout_s,
	                            .fault = fault,
	                            .role = REAL_ROLE_SRC}};
	dst->cfg.clock_error_s = &dst->clock_error_s;
	src->cfg.clock_error_s = &src->clock_error_s;
	snprintf(src->addr, sizeof src->addr, "127.0.0.1:%d", transport_local_port(lfd));
	src->cfg.connect = src->addr;
	double t0 = transport_now();
	CU_ASSERT_FATAL(pthread_create(&dst->th, NULL, end_main, dst) == 0);
	CU_ASSERT_FATAL(pthread_create(&src->th, NULL, end_main, src) == 0);
	pthread_join(src->th, NULL);
	pthread_join(dst->th, NULL);
	src->o.wall_s = dst->o.wall_s = transport_now() - t0;
	close(lfd);
	for (struct end *e = src; e; e = e == src ? dst : NULL)
		if (e->o.rc == 0)
			CU_ASSERT_FATAL(summary_from_trace(e->s, &e->o.tr, &e->o.res, &e->o.sum) ==
			                0);
}

static void end_free(struct end *e)
{
	if (e->o.rc == 0)
		summary_free(&e->o.sum);
	trace_free(&e->o.tr);
}

/* Both ends complete and each has the whole run: the same downtime as the
 * other to within the two clock offset estimates' error bounds (half a
 * round trip each: the downtime spans both ends' clocks).
 * counts[0] / [1] (unless NULL): the thread events of the source's and the
 * destination's trace. */
static void two_processes_complete(const struct scenario *s, struct thread_counts *counts)
{
	struct end src, dst;
	run_two(s, s, NULL, &src, &dst);
	if (src.o.rc || dst.o.rc)
		fprintf(stderr, "two processes: %s / %s\n", src.o.err, dst.o.err);
	CU_ASSERT_EQUAL_FATAL(src.o.rc, 0);
	CU_ASSERT_EQUAL_FATAL(dst.o.rc, 0);
	CU_ASSERT_EQUAL(src.o.res.status, 0);
	CU_ASSERT_EQUAL(dst.o.res.status, 0);
	double d_src = src.o.sum.downtime_s, d_dst = dst.o.sum.downtime_s;
	/* At least the five 2 ms steps inside it (source P2P and stop-copy,
	 * destination RESUMING -> STOP -> RUNNING_P2P -> RUNNING). */
	CU_ASSERT(d_src > 0.010 - src.clock_error_s && d_dst > 0.010 - dst.clock_error_s);
	CU_ASSERT(src.clock_error_s >= 0 && dst.clock_error_s >= 0);
	if (fabs(d_src - d_dst) > src.clock_error_s + dst.clock_error_s + 1e-9)
		fprintf(stderr,
		        "downtime %.6f s on the source, %.6f s on the destination, clock "
		        "error bounds %.6f + %.6f s\n",
		        d_src, d_dst, src.clock_error_s, dst.clock_error_s);
	CU_ASSERT(fabs(d_src - d_dst) <= src.clock_error_s + dst.clock_error_s + 1e-9);
	/* nf's full image; vf's went in precopy (it was 2 x 256 KiB when
	 * both devices sent their whole state at stop). */
	CU_ASSERT_EQUAL(src.o.sum.stopcopy_bytes, 256 * KiB + 0);
	CU_ASSERT(src.o.sum.inv[INV_P2P_BEFORE_LEAVING].held);
	CU_ASSERT(src.o.sum.inv[INV_THREADS_JOINED].held);
	if (counts) {
		counts[0] = count_threads(&src.o.tr);
		counts[1] = count_threads(&dst.o.tr);
	}
	end_free(&src);
	end_free(&dst);
}

static void test_two_processes(void)
{
	const char *sets[] = {"network.multifd_channels=2", "vm.ram=4MiB"};
	struct scenario *s = load(fault_yaml, sets, 2);
	two_processes_complete(s, NULL);
	scenario_free(s);
}

/* A destination between runs: the source that started run 0 and then
 * stopped (interrupted, or failed before it connected) ends the session
 * within the I/O timeout, naming the run it waited for, instead of leaving
 * the destination waiting for ever as it may for the first run. */
static void test_two_processes_source_gone(void)
{
	struct scenario *s = load(fault_yaml, NULL, 0);
	int lfd;
	char err[256];
	CU_ASSERT_FATAL(transport_listen("127.0.0.1:0", &lfd, err, sizeof err) == 0);
	struct real_world_config cfg = {.devices = REAL_DEVICES_EMU,
	                                .io_timeout_s = 0.2,
	                                .role = REAL_ROLE_DST,
	                                .listen_fd = lfd};
	struct trace tr;
	struct mig_result res;
	trace_init(&tr);
	int rc = real_world_run(s, 1, &cfg, &tr, &res, err, sizeof err);
	CU_ASSERT_EQUAL(rc, -ETIMEDOUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "the source did not start run 1"));
	trace_free(&tr);
	close(lfd);
	scenario_free(s);
}

/* Each end starts and ends the pool workers of its own side. */
static void test_two_processes_pool(void)
{
	const char *sets[] = {"migration.threads=pool"};
	struct scenario *s = load(fault_yaml, sets, 1);
	struct thread_counts c[2];
	two_processes_complete(s, c);
	for (int e = 0; e < 2; e++) {
		/* Each end's trace holds both ends' events. */
		CU_ASSERT_EQUAL(c[e].worker_spawns, 2 * 2);
		CU_ASSERT_EQUAL(c[e].worker_joins, 2 * 2);
		CU_ASSERT_EQUAL(c[e].launches, 2 * 2 * 2);
		CU_ASSERT_EQUAL(c[e].collects, 2 * 2 * 2);
	}
	scenario_free(s);
}

/* Two processes that do not run the same scenario refuse each other, each
 * saying why, before anything migrates. */
static void test_two_processes_disagree(void)
{
	struct scenario *a = load(fault_yaml, NULL, 0);
	const char *other[] = {"devices[0].count=3"};
	struct scenario *b = load(fault_yaml, other, 1);
	struct end src, dst;
	run_two(a, b, NULL, &src, &dst);
	CU_ASSERT_EQUAL(src.o.rc, -EPROTO);
	CU_ASSERT_EQUAL(dst.o.rc, -EPROTO);
	CU_ASSERT_PTR_NOT_NULL(strstr(src.o.err, "the peer runs another scenario"));
	CU_ASSERT_PTR_NOT_NULL(strstr(dst.o.err, "the peer runs another scenario"));
	end_free(&src);
	end_free(&dst);
	scenario_free(a);
	scenario_free(b);
}

/* The stream between two processes breaks during stop-copy: both ends
 * fail within the timeout and still exchange their traces; the source's
 * devices are back in RUNNING.  Both name the other end and the phase,
 * stop-copy: the source by its VM stop, the destination by the stop-copy
 * record it read last (the source cut instead of sending the second). */
static void test_two_processes_cut(void)
{
	struct scenario *s = load(fault_yaml, NULL, 0);
	struct rtp_fault f = {.action = RTP_FAULT_DISCONNECT,
	                      .chan = "main",
	                      .kind = MIG_REC_DEV_DATA,
	                      .match_value = 1,
	                      .value = DEVICE_DATA_STATE | MIG_DATA_STOPCOPY,
	                      .nth = 1};
	struct end src, dst;
	run_two(s, s, &f, &src, &dst);
	if (src.o.rc || dst.o.rc)
		fprintf(stderr, "cut: %s / %s\n", src.o.err, dst.o.err);
	CU_ASSERT_EQUAL_FATAL(src.o.rc, 0);
	CU_ASSERT_EQUAL_FATAL(dst.o.rc, 0);
	CU_ASSERT(src.o.res.status < 0 && dst.o.res.status < 0);
	CU_ASSERT(src.o.wall_s < TEST_HANG_S);
	char want[128];
	snprintf(want, sizeof want, "(the destination %s, in phase 'stop-copy': ", src.addr);
	CU_ASSERT_PTR_NOT_NULL(strstr(src.o.res.error, want));
	CU_ASSERT_PTR_NOT_NULL(strstr(dst.o.res.error, "(the source 127.0.0.1:"));
	CU_ASSERT_PTR_NOT_NULL(strstr(dst.o.res.error, ", in phase 'stop-copy': channel 'main': "));
	if (!strstr(dst.o.res.error, "in phase 'stop-copy'"))
		fprintf(stderr, "cut: %s / %s\n", src.o.res.error, dst.o.res.error);
	expect_recovered(&src.o.tr, 2, "two processes, cut");
	end_free(&src);
	end_free(&dst);
	scenario_free(s);
}

/* A run that fails on the peer's report, no connection broken: the error
 * still names the peer and the phase, as a lost connection's does.  A
 * source device failing at the VM stop: the destination learns it from the
 * abort record (the last record before it was precopy's: nothing of
 * stop-copy is sent after a failed stop).  A destination device failing
 * at the end: the source names the destination, by its report or by the
 * connection it closed after it, whichever came first. */
static void test_two_processes_peer_report(void)
{
	static const char *const fault[2] = {
	    "faults:\n  - {device: vf, arc: pre_copy_p2p_to_stop_copy}\n",
	    "faults:\n  - {device: vf, arc: resuming_to_stop}\n"};
	for (int k = 0; k < 2; k++) {
		char *yaml = g_strconcat(fault_yaml, fault[k], NULL);
		struct scenario *s = load(yaml, NULL, 0);
		struct end src, dst;
		run_two(s, s, NULL, &src, &dst);
		CU_ASSERT_EQUAL_FATAL(src.o.rc, 0);
		CU_ASSERT_EQUAL_FATAL(dst.o.rc, 0);
		CU_ASSERT(src.o.res.status < 0 && dst.o.res.status < 0);
		const char *err = k ? src.o.res.error : dst.o.res.error;
		if (k == 0) {
			CU_ASSERT_PTR_NOT_NULL(strstr(err,
			                              "migration stream: the source aborted the "
			                              "migration (the source 127.0.0.1:"));
			CU_ASSERT_PTR_NOT_NULL(
			    strstr(err, ", in phase 'precopy': its report; no connection failed)"));
		} else {
			char want[160];
			snprintf(
			    want, sizeof want,
			    "the destination failed: Input/output error (the destination %s, in "
			    "phase '",
			    src.addr);
			CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
		}
		if (!strstr(err, "in phase '"))
			fprintf(stderr, "peer report %d: %s\n", k, err);
		end_free(&src);
		end_free(&dst);
		scenario_free(s);
		g_free(yaml);
	}
}

/* The source's own device fails (vf, PRE_COPY_P2P -> STOP_COPY, at the VM
 * stop): the source's error is that first cause, word for word what the
 * same scenario gives in one process (and in sim: test_faults), and the
 * destination, which ends and closes on the source's abort, comes after it
 * at most as a note ("; then the destination ..."), never as the cause in
 * parentheses.  The source recovers its devices (2 ms arcs) after the
 * destination closed, so its connections see the close before it ends.
 * The destination's cause is the source's abort. */
static void test_two_processes_source_device_fails(void)
{
	static const char want[] = "source device vf: PRE_COPY_P2P -> STOP_COPY failed: "
	                           "Input/output error (device in ERROR)";
	char *yaml = g_strconcat(fault_yaml,
	                         "faults:\n  - {device: vf, arc: pre_copy_p2p_to_stop_copy}\n", NULL);
	struct scenario *s = load(yaml, NULL, 0);
	struct real_world_config one = {.devices = REAL_DEVICES_EMU, .io_timeout_s = FAULT_TIMEOUT_S};
	struct run_out o;
	trace_init(&o.tr);
	CU_ASSERT_EQUAL_FATAL(real_world_run(s, 0, &one, &o.tr, &o.res, o.err, sizeof o.err), 0);
	CU_ASSERT_STRING_EQUAL(o.res.error, want);
	trace_free(&o.tr);
	for (int k = 0; k < 3; k++) {
		struct end src, dst;
		run_two(s, s, NULL, &src, &dst);
		CU_ASSERT_EQUAL_FATAL(src.o.rc, 0);
		CU_ASSERT_EQUAL_FATAL(dst.o.rc, 0);
		CU_ASSERT(src.o.res.status < 0 && dst.o.res.status < 0);
		const char *e = src.o.res.error;
		CU_ASSERT_EQUAL(strncmp(e, want, strlen(want)), 0);
		const char *rest = e + strlen(want);
		char note[128];
		snprintf(note, sizeof note, "; then the destination %s, in phase '", src.addr);
		CU_ASSERT(!rest[0] || !strncmp(rest, note, strlen(note)));
		CU_ASSERT_PTR_NULL(strstr(e, "(the destination"));
		if (strncmp(e, want, strlen(want)) || (rest[0] && strncmp(rest, note, strlen(note))))
			fprintf(stderr, "source device fails, source says: %s\n", e);
		CU_ASSERT_PTR_NOT_NULL(strstr(dst.o.res.error,
		                              "migration stream: the source aborted the migration"));
		end_free(&src);
		end_free(&dst);
	}
	scenario_free(s);
	g_free(yaml);
}

/* Nobody listens: the source gives up after the timeout. */
static void test_no_destination(void)
{
	struct scenario *s = load(fault_yaml, NULL, 0);
	int lfd;
	CU_ASSERT_FATAL(transport_listen("127.0.0.1:0", &lfd, NULL, 0) == 0);
	char addr[64];
	snprintf(addr, sizeof addr, "127.0.0.1:%d", transport_local_port(lfd));
	close(lfd); /* the port is free again: connections are refused */
	struct real_world_config cfg = {.devices = REAL_DEVICES_EMU,
	                                .io_timeout_s = FAULT_TIMEOUT_S,
	                                .role = REAL_ROLE_SRC,
	                                .connect = addr};
	struct trace tr;
	struct mig_result res;
	char err[256] = "";
	trace_init(&tr);
	double t0 = transport_now();
	int rc = real_world_run(s, 0, &cfg, &tr, &res, err, sizeof err);
	CU_ASSERT(rc < 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "cannot connect to"));
	CU_ASSERT(transport_now() - t0 < TEST_HANG_S);
	trace_free(&tr);
	scenario_free(s);
}

/* A transition thread that cannot be created fails the migration with a
 * clear error under every strategy, without hanging (parallel-barrier's
 * rendezvous counts the missing device), and the source devices end in
 * RUNNING.  With the pool, the worker that cannot be created (at setup)
 * fails the migration before the VM stops; the other workers still end. */
static void test_spawn_failure_fails_the_migration(void)
{
	static const char *const strategies[] = {"parallel-prio", "parallel-barrier"};
	for (int k = 0; k < 2 * 2; k++) {
		bool pool = k >= 2;
		char set[64];
		snprintf(set, sizeof set, "migration.strategy=%s", strategies[k % 2]);
		const char *sets[] = {set, pool ? "migration.threads=pool"
		                                : "migration.threads=per-pass"};
		const char *yaml = "name: spawn\nvm: {ram: 0}\nnetwork: {latency: 0}\n"
		                   "devices: [{name: d, profile: null, count: 3, "
		                   "latency: {default: 1ms}}]\nruns: 1\n";
		struct scenario *s = NULL;
		char err[512];
		CU_ASSERT_EQUAL_FATAL(scenario_load_text("spawn.yaml", yaml, strlen(yaml), sets, 2,
		                                         &s, err, sizeof err),
		                      0);
		struct rtp_fault f = {.action = RTP_FAULT_SPAWN, .chan = "vfio-d1", .nth = 0};
		struct real_world_config cfg = {.devices = REAL_DEVICES_EMU, .fault = &f};
		struct run_out o;
		run_real(s, &cfg, &o);
		CU_ASSERT_NOT_EQUAL(o.res.status, 0);
		CU_ASSERT_PTR_NOT_NULL(
		    strstr(o.res.error, pool ? "cannot create its transition worker"
		                             : "cannot create its transition thread"));
		CU_ASSERT_PTR_NOT_NULL(strstr(o.res.error, "d1"));
		struct thread_counts c = count_threads(&o.tr);
		CU_ASSERT_EQUAL(c.worker_spawns, pool ? 2 * 3 : 0);
		CU_ASSERT_EQUAL(c.worker_joins, pool ? 2 * 3 - 1 : 0); /* all but the missing one */
		CU_ASSERT(c.workers_end_before_run_end);
		int last[3] = {VFIO_STATE_RUNNING, VFIO_STATE_RUNNING, VFIO_STATE_RUNNING};
		for (size_t i = 0; i < o.tr.n; i++) {
			const struct trace_event *e = &o.tr.ev[i];
			if (e->kind == TRACE_ARC_END && e->side == RT_SIDE_SRC && e->device >= 0 &&
			    !e->text)
				last[e->device] = e->to;
		}
		for (int d = 0; d < 3; d++)
			CU_ASSERT_EQUAL(last[d], VFIO_STATE_RUNNING);
		run_free(&o);
		scenario_free(s);
	}
}

void register_tests(void)
{
	TEST_SUITE("emu", TEST(test_emu_streams_its_state), TEST(test_emu_charges_image_load),
	           TEST(test_emu_waits_for_incremental_save), TEST(test_emu_detects_bad_state),
	           TEST(test_emu_streams_the_increment), TEST(test_emu_detects_bad_increment),
	           TEST(test_emu_contention_domain), TEST(test_null_device), TEST(test_free_groups));
	TEST_SUITE("real_world", TEST(test_null_scenario_runs), TEST(test_emu_scenario_runs),
	           TEST(test_emu_mixed_multifd_transfer), TEST(test_emu_pool_runs),
	           TEST(test_emu_cpu_work_is_burnt), TEST(test_emu_runs_with_increments));
	TEST_SUITE("robustness", TEST(test_faults_at_every_phase),
	           TEST(test_faults_in_multifd_device_state), TEST(test_devstate_spawn_failure),
	           TEST(test_corrupt_state_fails_the_load),
	           TEST(test_spawn_failure_fails_the_migration));
	TEST_SUITE("two processes", TEST(test_two_processes), TEST(test_two_processes_pool),
	           TEST(test_two_processes_source_gone), TEST(test_two_processes_disagree),
	           TEST(test_two_processes_cut), TEST(test_two_processes_peer_report),
	           TEST(test_two_processes_source_device_fails),
	           TEST(test_no_destination));
}
