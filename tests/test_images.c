/*
 * test_images.c - device state as images (docs/model.md, "Device state as
 * images"), in the sim world on fixed-cost devices, exactly (1e-9 s):
 *   the stop-copy data of a PRE_COPY device is its header plus what
 *   changed at the dirty rate since the last precopy read took an image;
 *   with PRE_COPY the downtime drops by exactly the full image's save,
 *   send and load time (less the header's) against the same device
 *   without it;
 *   without switchover-ack a full-image load still running at switchover
 *   lands inside the downtime, exactly its remainder; with the ACK it
 *   does not;
 *   a REINIT adds to what precopy must re-read (PRECOPY_INFOv2), or else
 *   to the stop-copy data and the downtime.
 *   a busy device whose incremental save fails (precopy_save_error) moves
 *   its full image at stop-copy, whatever its dirty rate: exactly the
 *   device without PRE_COPY plus the header.
 *   the destination's per-image load cost (load.image) is paid once per
 *   image, in the write that completes it: once for a stop-copy image of
 *   many writes, once per device, and once more for re-initialised bytes
 *   that ride in the stop-copy data.
 *   an incremental image is saved at save_rate after the query that takes
 *   it, and the precopy read that fetches it waits for that save: exactly
 *   B / save_rate later for an image of B bytes read right after its
 *   query, not at all when the save ran while another device's data was
 *   read; the stop-copy increment and its save inside STOP_COPY stay as
 *   they were.
 * The real world's emulated devices carry the same bytes: tests/test_agreement.c.
 */
#include <math.h>
#include <string.h>

#include "migration.h"
#include "scenario_load.h"
#include "sim_world.h"
#include "summary.h"
#include "test_util.h"

#define TOL 1e-9
#define MiB (1024.0 * 1024.0)

static const double BW = 12.5e9; /* 100 Gbps in bytes/s */

struct run {
	struct scenario *s;
	struct trace tr;
	struct mig_result res;
	struct run_summary sum;
};

static void run_sets(const char *yaml, const char *const *sets, size_t n_sets, struct run *r)
{
	char err[1024];
	int rc = scenario_load_text("images.yaml", yaml, strlen(yaml), sets, n_sets, &r->s, err,
	                            sizeof err);
	if (rc)
		fprintf(stderr, "scenario: %s\n", err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	trace_init(&r->tr);
	rc = sim_world_run(r->s, 0, &r->tr, &r->res, err, sizeof err);
	if (rc)
		fprintf(stderr, "run: %s\n", err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL_FATAL(r->res.status, 0);
	CU_ASSERT_EQUAL_FATAL(summary_from_trace(r->s, &r->tr, &r->res, &r->sum), 0);
}

static void run_free(struct run *r)
{
	summary_free(&r->sum);
	trace_free(&r->tr);
	scenario_free(r->s);
}

/* Time of the first (last: `last`) event of `kind` on `side` for device
 * `dev` whose text is `text` (NULL: any), or NAN. */
static double event_t(const struct trace *tr, int kind, int side, int dev, const char *text,
                      bool last)
{
	double t = NAN;
	for (size_t k = 0; k < tr->n; k++) {
		const struct trace_event *e = &tr->ev[k];
		if (e->kind != kind || e->side != side || e->device != dev ||
		    (text && (!e->text || strcmp(e->text, text))))
			continue;
		t = e->t;
		if (!last)
			break;
	}
	return t;
}

/* One device with images; no RAM, 100 Gbps, everything else free. */
static const char *one_yaml = "name: images\n"
                              "vm: {ram: 0}\n"
                              "network: {bandwidth: 100Gbps, latency: 0}\n"
                              "migration: {strategy: sequential, chunk_size: 64MiB}\n"
                              "devices:\n"
                              "  - name: d\n"
                              "    profile: null\n"
                              "    state_size: 8MiB\n"
                              "    header_size: 16B\n"
                              "runs: 1\n";

/*
 * The guest changes the state at 1 GiB/s; a 1 us downtime limit keeps
 * precopy reading incremental images until one is small enough.  The
 * stop-copy data is the header plus rate x (VM stop - the last precopy
 * read): the image that read was taken by its precopy-info query, which
 * ended when the read began (queries and the empty RAM stream cost
 * nothing); the image the last query took, never read, is part of the
 * increment.
 */
static void test_stopcopy_is_header_plus_increment(void)
{
	const char *sets[] = {"devices[0].precopy_dirty_rate=1GiB/s",
	                      "migration.downtime_limit=1us"};
	struct run r;
	run_sets(one_yaml, sets, 2, &r);
	double t_query = NAN, t_read = NAN;
	double t_stop = event_t(&r.tr, TRACE_VM_STOP, RT_SIDE_SRC, -1, NULL, false);
	unsigned precopy_sends = 0;
	for (size_t k = 0; k < r.tr.n; k++) {
		const struct trace_event *e = &r.tr.ev[k];
		if (e->kind == TRACE_PRECOPY_INFO && e->device == 0)
			t_query = e->t;
		if (e->kind == TRACE_SEND && e->device == 0 && e->text &&
		    strcmp(e->text, "precopy") == 0) {
			precopy_sends++;
			/* One record, read when its query ended. */
			CU_ASSERT_DOUBLE_EQUAL(e->t - (RT_FRAME_HEADER_BYTES + e->value) / BW,
			                       t_query, TOL);
			t_read = t_query;
		}
	}
	/* The full image, then at least one incremental image. */
	CU_ASSERT(precopy_sends >= 2);
	uint64_t want = 16 + (uint64_t)(1024.0 * MiB * (t_stop - t_read));
	CU_ASSERT(want > 16);
	CU_ASSERT_EQUAL(r.sum.dev[0].stopcopy_bytes, want);
	CU_ASSERT_EQUAL(r.sum.stopcopy_bytes, want);
	run_free(&r);
}

/*
 * The same 8 MiB device with and without PRE_COPY, saving at 1 GiB/s and
 * loading at 512 MiB/s, with switchover-ack so precopy's loads end before
 * the switchover.  Without PRE_COPY the stop window saves, sends and loads
 * the full image; with it, only the 16-byte header (no change: no dirty
 * rate).  Arcs and queries are free, so that is the whole difference.
 */
static void test_precopy_saves_the_image(void)
{
	const char *common[] = {"devices[0].save_rate=1GiB/s", "devices[0].load.rate=512MiB/s",
	                        "migration.switchover_ack=new"};
	const char *without[] = {common[0], common[1], common[2],
	                         "devices[0].capabilities=[stop_copy, p2p]",
	                         "devices[0].header_size=0"};
	struct run pc, no;
	run_sets(one_yaml, common, 3, &pc);
	run_sets(one_yaml, without, 5, &no);
	double bytes = 8 * MiB - 16;
	double saved = bytes / (1024.0 * MiB) + bytes / BW + bytes / (512.0 * MiB);
	CU_ASSERT_DOUBLE_EQUAL(no.sum.downtime_s - pc.sum.downtime_s, saved, TOL);
	CU_ASSERT_EQUAL(pc.sum.dev[0].stopcopy_bytes, 16);
	CU_ASSERT_EQUAL(no.sum.dev[0].stopcopy_bytes, 8 * 1024 * 1024);
	CU_ASSERT_EQUAL(pc.sum.precopy_bytes, 8 * 1024 * 1024 + 16);
	CU_ASSERT_EQUAL(no.sum.precopy_bytes, 0);
	run_free(&pc);
	run_free(&no);
}

/*
 * A 64 MiB image loads on the destination in 64 ms (1 GiB/s) after a
 * 16 ms pre-allocation (4 GiB/s of the announced 64 MiB); it crosses the
 * link in 5.4 ms, and precopy converges right after.  Without
 * switchover-ack the VM stops while the destination still loads it: the
 * stop-copy data waits behind that load (the load thread is serial), and
 * the downtime grows by exactly the load's remainder at the VM stop less
 * the time the stop-copy data took to arrive anyway.  With the ACK
 * (new or legacy) the load ends before the VM stops.
 */
static void test_load_at_switchover_lands_in_downtime(void)
{
	const char *base[] = {"devices[0].state_size=64MiB", "devices[0].load.rate=1GiB/s",
	                      "devices[0].init_load.rate=4GiB/s"};
	const char *acked[] = {base[0], base[1], base[2], "migration.switchover_ack=new"};
	struct run off, on;
	run_sets(one_yaml, base, 3, &off);
	run_sets(one_yaml, acked, 4, &on);
	double stop_off = event_t(&off.tr, TRACE_VM_STOP, RT_SIDE_SRC, -1, NULL, false);
	double stop_on = event_t(&on.tr, TRACE_VM_STOP, RT_SIDE_SRC, -1, NULL, false);
	/* The destination's last precopy load ends, and the next (stop-copy)
	 * load begins: the first LOAD_BEGIN after the VM stop. */
	double load_end_off = NAN, sc_begin_off = NAN, load_end_on = NAN, sc_begin_on = NAN;
	for (int w = 0; w < 2; w++) {
		const struct trace *tr = w ? &on.tr : &off.tr;
		double stop = w ? stop_on : stop_off;
		double *le = w ? &load_end_on : &load_end_off,
		       *sb = w ? &sc_begin_on : &sc_begin_off;
		bool in_stop = false;
		for (size_t k = 0; k < tr->n; k++) {
			const struct trace_event *e = &tr->ev[k];
			if (e->side != RT_SIDE_DST || e->device != 0)
				continue;
			if (e->kind == TRACE_LOAD_BEGIN && !in_stop && e->t >= stop &&
			    e->from == DEVICE_DATA_STATE) {
				*sb = e->t;
				in_stop = true;
			}
			if (e->kind == TRACE_LOAD_END && e->from == DEVICE_DATA_INITIAL)
				*le = e->t;
		}
	}
	CU_ASSERT(load_end_off > stop_off); /* still loading at the VM stop */
	CU_ASSERT(load_end_on <= stop_on);  /* done before it */
	CU_ASSERT_DOUBLE_EQUAL(sc_begin_off, load_end_off, TOL);
	double arrival = sc_begin_on - stop_on; /* the stop-copy data's own way */
	CU_ASSERT(arrival > 0 && arrival < load_end_off - stop_off);
	CU_ASSERT_DOUBLE_EQUAL(off.sum.downtime_s - on.sum.downtime_s,
	                       (load_end_off - stop_off) - arrival, TOL);
	run_free(&off);
	run_free(&on);
}

/*
 * A REINIT at setup adds a 1 MiB chunk of initial data.  With PRECOPY_INFOv2
 * precopy re-reads it and the destination pre-allocates for it before the
 * switchover; without it the chunk rides in the stop-copy data, and the
 * downtime grows by exactly its save, its record's send, its load and its
 * pre-allocation, less the header record's send (which now overlaps that
 * load, where it was on the way alone).
 */
static void test_reinit_chunk_with_and_without_v2(void)
{
	const char *v2[] = {"devices[0].save_rate=1GiB/s",
	                    "devices[0].load={fixed: 1ms, rate: 512MiB/s}",
	                    "devices[0].init_load={fixed: 2ms, rate: 2GiB/s}",
	                    "devices[0].reinit={times: [0s], chunk: 1MiB}",
	                    "migration.switchover_ack=new",
	                    "devices[0].precopy_info_v2=supported"};
	struct run on, off;
	run_sets(one_yaml, v2, 6, &on);
	run_sets(one_yaml, v2, 5, &off);
	const uint64_t chunk = 1024 * 1024, image = 8 * chunk;
	CU_ASSERT_EQUAL(on.sum.reinits_seen, 1);
	CU_ASSERT_EQUAL(on.sum.precopy_bytes, 16 + image + chunk);
	CU_ASSERT_EQUAL(on.sum.stopcopy_bytes, 16);
	CU_ASSERT_EQUAL(off.sum.precopy_bytes, 16 + image);
	CU_ASSERT_EQUAL(off.sum.stopcopy_bytes, chunk + 16);
	double c = (double)chunk;
	double extra = c / (1024.0 * MiB) + (RT_FRAME_HEADER_BYTES + c) / BW + 1e-3 +
	               c / (512.0 * MiB) + 2e-3 + c / (2048.0 * MiB) -
	               (RT_FRAME_HEADER_BYTES + 16) / BW;
	CU_ASSERT_DOUBLE_EQUAL(off.sum.downtime_s - on.sum.downtime_s, extra, TOL);
	run_free(&on);
	run_free(&off);
}

/*
 * A busy device: its first incremental save fails (mlx5's
 * MLX5_MIGF_STATE_PRE_COPY_ERROR), so precopy reads the full image only and
 * STOP_COPY saves the header and the full image again.  At two dirty rates
 * the runs are the same, and the downtime is exactly that of the device
 * without PRE_COPY (which saves, sends and loads the full image at stop)
 * plus the 16-byte header's save, send and load.
 */
static void test_failed_incremental_save_moves_full_image(void)
{
	const char *busy[] = {"devices[0].save_rate=1GiB/s", "devices[0].load.rate=512MiB/s",
	                      "migration.switchover_ack=new", "devices[0].precopy_save_error=true",
	                      "devices[0].precopy_dirty_rate=1GiB/s"};
	const char *faster[] = {busy[0], busy[1], busy[2], busy[3],
	                        "devices[0].precopy_dirty_rate=64GiB/s"};
	const char *without[] = {busy[0], busy[1], busy[2],
	                         "devices[0].capabilities=[stop_copy, p2p]",
	                         "devices[0].header_size=0"};
	struct run b, f, no;
	run_sets(one_yaml, busy, 5, &b);
	run_sets(one_yaml, faster, 5, &f);
	run_sets(one_yaml, without, 5, &no);
	const uint64_t image = 8 * 1024 * 1024;
	CU_ASSERT_EQUAL(b.sum.precopy_bytes, 16 + image);
	CU_ASSERT_EQUAL(b.sum.dev[0].stopcopy_bytes, 16 + image);
	CU_ASSERT_EQUAL(f.sum.dev[0].stopcopy_bytes, 16 + image);
	CU_ASSERT_EQUAL(no.sum.dev[0].stopcopy_bytes, image);
	CU_ASSERT_DOUBLE_EQUAL(f.sum.downtime_s, b.sum.downtime_s, TOL);
	double header = 16.0 / (1024.0 * MiB) + 16.0 / BW + 16.0 / (512.0 * MiB);
	CU_ASSERT_DOUBLE_EQUAL(b.sum.downtime_s - no.sum.downtime_s, header, TOL);
	run_free(&b);
	run_free(&f);
	run_free(&no);
}

/*
 * The device saves at 1 GiB/s while the guest changes its state at
 * 256 MiB/s.  The first precopy read (the header and the full image, saved
 * inside RUNNING -> PRE_COPY) starts when its query ends; each later one
 * fetches an incremental image of B bytes, taken by the query just before
 * it, and starts exactly B / 1 GiB/s after that query ended.  Stop-copy is
 * what it was: the header plus 256 MiB/s x (VM stop - when the last image
 * read was taken), saved inside PRE_COPY_P2P -> STOP_COPY at 1 GiB/s.
 */
static void test_incremental_save_delays_its_read(void)
{
	const double save = 1024.0 * MiB, rate = 256.0 * MiB;
	const char *sets[] = {"devices[0].save_rate=1GiB/s",
	                      "devices[0].precopy_dirty_rate=256MiB/s",
	                      "migration.downtime_limit=1us"};
	struct run r;
	run_sets(one_yaml, sets, 3, &r);
	double t_query = NAN, t_read = NAN, sc_work = NAN;
	unsigned sends = 0;
	for (size_t k = 0; k < r.tr.n; k++) {
		const struct trace_event *e = &r.tr.ev[k];
		if (e->kind == TRACE_PRECOPY_INFO && e->device == 0)
			t_query = e->t;
		if (e->kind == TRACE_ARC_END && e->side == RT_SIDE_SRC && e->device == 0 &&
		    e->to == VFIO_STATE_STOP_COPY)
			sc_work = e->value;
		if (e->kind != TRACE_SEND || e->device != 0 || !e->text ||
		    strcmp(e->text, "precopy"))
			continue;
		double begin = e->t - (RT_FRAME_HEADER_BYTES + e->value) / BW;
		double wait = sends++ ? e->value / save : 0;
		CU_ASSERT(sends == 1 || e->value > 0);
		CU_ASSERT_DOUBLE_EQUAL(begin - t_query, wait, TOL);
		t_read = t_query;
	}
	CU_ASSERT(sends >= 3); /* the full image, then at least two increments */
	double t_stop = event_t(&r.tr, TRACE_VM_STOP, RT_SIDE_SRC, -1, NULL, false);
	uint64_t want = 16 + (uint64_t)(rate * (t_stop - t_read));
	CU_ASSERT(want > 16);
	CU_ASSERT_EQUAL(r.sum.dev[0].stopcopy_bytes, want);
	CU_ASSERT_DOUBLE_EQUAL(sc_work, (double)want / save, TOL);
	run_free(&r);
}

/*
 * Two such devices, read one after the other: a round's queries take both
 * increments at once (queries are free), and both saves start then.  The
 * first device's read waits its save out; the second's save, as long,
 * ended meanwhile, so its read starts as soon as the first device's data
 * has been sent.
 */
static void test_incremental_save_overlaps_other_reads(void)
{
	const double save = 1024.0 * MiB;
	const char *sets[] = {"devices[0].save_rate=1GiB/s",
	                      "devices[0].precopy_dirty_rate=256MiB/s",
	                      "migration.downtime_limit=1us", "devices[0].count=2"};
	struct run r;
	run_sets(one_yaml, sets, 4, &r);
	double t_query = NAN, t_prev_end = NAN;
	unsigned rounds = 0, checked = 0;
	for (size_t k = 0; k < r.tr.n; k++) {
		const struct trace_event *e = &r.tr.ev[k];
		if (e->kind == TRACE_ROUND)
			rounds++;
		if (e->kind == TRACE_PRECOPY_INFO)
			t_query = e->t; /* both devices' queries end together */
		if (e->kind != TRACE_SEND || e->device < 0 || !e->text ||
		    strcmp(e->text, "precopy"))
			continue;
		double begin = e->t - (RT_FRAME_HEADER_BYTES + e->value) / BW;
		if (rounds >= 2 && e->device == 0) {
			CU_ASSERT_DOUBLE_EQUAL(begin - t_query, e->value / save, TOL);
			checked++;
		} else if (rounds >= 2) {
			CU_ASSERT(t_query + e->value / save < t_prev_end);
			CU_ASSERT_DOUBLE_EQUAL(begin, t_prev_end, TOL);
			checked++;
		}
		t_prev_end = e->t;
	}
	CU_ASSERT(checked >= 4); /* two rounds of increments at least */
	run_free(&r);
}

/* Durations of device 0's destination writes, in trace order (at most n). */
static size_t load_durations(const struct trace *tr, double *out, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < tr->n && k < n; i++) {
		const struct trace_event *e = &tr->ev[i];
		if (e->kind == TRACE_LOAD_END && e->side == RT_SIDE_DST && e->device == 0)
			out[k++] = e->value;
	}
	return k;
}

/*
 * A device without PRE_COPY moves its 8 MiB image at stop-copy in eight
 * 1 MiB writes.  load.image (7 ms) is charged once, in the eighth write:
 * each write takes 1 ms + 1 MiB / 512 MiB/s, the last 7 ms more, and the
 * downtime grows by exactly 7 ms.  Two such devices, sequential: the
 * destination loads one image each, 14 ms.
 */
static void test_image_load_once_per_image(void)
{
	const char *base[] = {"devices[0].capabilities=[stop_copy, p2p]",
	                      "devices[0].header_size=0", "migration.chunk_size=1MiB",
	                      "devices[0].load={fixed: 1ms, rate: 512MiB/s}"};
	const char *img[] = {base[0], base[1], base[2],
	                     "devices[0].load={fixed: 1ms, rate: 512MiB/s, image: 7ms}"};
	const char *two[] = {base[0], base[1], base[2], base[3], "devices[0].count=2"};
	const char *two_img[] = {img[0], img[1], img[2], img[3], "devices[0].count=2"};
	struct run no, yes, no2, yes2;
	run_sets(one_yaml, base, 4, &no);
	run_sets(one_yaml, img, 4, &yes);
	run_sets(one_yaml, two, 5, &no2);
	run_sets(one_yaml, two_img, 5, &yes2);
	double d[16];
	CU_ASSERT_EQUAL_FATAL(load_durations(&yes.tr, d, 16), 8);
	double write = 1e-3 + 1.0 / 512.0;
	for (size_t k = 0; k < 7; k++)
		CU_ASSERT_DOUBLE_EQUAL(d[k], write, TOL);
	CU_ASSERT_DOUBLE_EQUAL(d[7], write + 7e-3, TOL);
	CU_ASSERT_DOUBLE_EQUAL(yes.sum.downtime_s - no.sum.downtime_s, 7e-3, TOL);
	CU_ASSERT_DOUBLE_EQUAL(yes2.sum.downtime_s - no2.sum.downtime_s, 14e-3, TOL);
	run_free(&no);
	run_free(&yes);
	run_free(&no2);
	run_free(&yes2);
}

/*
 * A PRE_COPY device with switchover-ack: its first image (header and full
 * image, initial data) loads in precopy, so only the stop-copy image (the
 * header and the empty increment) pays load.image inside the downtime:
 * 7 ms.  A REINIT chunk re-read in precopy (PRECOPY_INFOv2) is an image
 * loaded before the switchover too; without v2 the chunk rides in the
 * stop-copy data as an image of its own, and the downtime pays two.
 */
static void test_image_load_in_downtime(void)
{
	const char *pc[] = {"devices[0].save_rate=1GiB/s", "migration.switchover_ack=new",
	                    "devices[0].reinit={times: [0s], chunk: 1MiB}",
	                    "devices[0].load={fixed: 1ms, rate: 512MiB/s}",
	                    "devices[0].precopy_info_v2=supported"};
	const char *pc_img[] = {pc[0], pc[1], pc[2],
	                        "devices[0].load={fixed: 1ms, rate: 512MiB/s, image: 7ms}", pc[4]};
	struct run v2, v2_img, off, off_img;
	run_sets(one_yaml, pc, 5, &v2);
	run_sets(one_yaml, pc_img, 5, &v2_img);
	run_sets(one_yaml, pc, 4, &off);
	run_sets(one_yaml, pc_img, 4, &off_img);
	CU_ASSERT_EQUAL(v2_img.sum.stopcopy_bytes, 16);
	CU_ASSERT_EQUAL(off_img.sum.stopcopy_bytes, 1024 * 1024 + 16);
	CU_ASSERT_DOUBLE_EQUAL(v2_img.sum.downtime_s - v2.sum.downtime_s, 7e-3, TOL);
	CU_ASSERT_DOUBLE_EQUAL(off_img.sum.downtime_s - off.sum.downtime_s, 14e-3, TOL);
	run_free(&v2);
	run_free(&v2_img);
	run_free(&off);
	run_free(&off_img);
}

void register_tests(void)
{
	TEST_SUITE("images", TEST(test_stopcopy_is_header_plus_increment),
	           TEST(test_precopy_saves_the_image),
	           TEST(test_load_at_switchover_lands_in_downtime),
	           TEST(test_reinit_chunk_with_and_without_v2),
	           TEST(test_failed_incremental_save_moves_full_image),
	           TEST(test_image_load_once_per_image), TEST(test_image_load_in_downtime),
	           TEST(test_incremental_save_delays_its_read),
	           TEST(test_incremental_save_overlaps_other_reads));
}
