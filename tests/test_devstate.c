/*
 * test_devstate.c - device state over the multifd channels
 * (migration.multifd_transfer), in the SimGrid world, against exact times:
 * the stop-copy phase is the link's time for every device's packets, the
 * destination loads each device on its own task, in buffer order, before
 * the VM starts; `off`, and no channels, give the main-stream transfer of
 * before; a device group's own devices[].multifd_transfer (QEMU's
 * per-device property) overrides the migration's for its devices, the
 * others' state sharing the link on the main stream.  The devices cost
 * nothing but what each test gives them.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "runtime.h"
#include "scenario_load.h"
#include "sim_world.h"
#include "summary.h"
#include "test_devstate_events.h"
#include "test_util.h"

#define EPS 1e-9

/* N fixed devices of 8 MiB in 1 MiB chunks, over 1 GB/s with no latency;
 * no RAM; thread creation 10 us, joins free. */
#define BW      1e9
#define STATE   (8.0 * 1048576)
#define CHUNK   1048576.0
#define PACKETS 8.0
#define CREATE  10e-6
#define HDR     ((double)RT_FRAME_HEADER_BYTES)

static const char *yaml = "name: devstate\n"
                          "vm: {ram: 0}\n"
                          "network: {bandwidth: 1GB/s, latency: 0}\n"
                          "migration: {chunk_size: 1MiB, thread_create: 10us, thread_join: 0}\n"
                          "devices:\n"
                          "  - name: vf\n"
                          "    profile: null\n"
                          "    capabilities: [stop_copy, p2p]\n"
                          "    state_size: 8MiB\n"
                          "runs: 1\n";

struct run {
	struct scenario *s;
	struct trace tr;
	struct mig_result res;
	struct run_summary sum;
};

/* Run the scenario `text` (named `file`) with these settings. */
static void run_text(struct run *r, const char *file, const char *text, const char *const *sets,
                     size_t n)
{
	char err[1024];
	int rc = scenario_load_text(file, text, strlen(text), sets, n, &r->s, err, sizeof err);
	if (rc)
		fprintf(stderr, "%s\n", err);
	CU_ASSERT_FATAL(rc == 0);
	trace_init(&r->tr);
	CU_ASSERT_FATAL(sim_world_run(r->s, 0, &r->tr, &r->res, err, sizeof err) == 0);
	CU_ASSERT_EQUAL_FATAL(r->res.status, 0);
	CU_ASSERT_FATAL(summary_from_trace(r->s, &r->tr, &r->res, &r->sum) == 0);
}

/* Run the scenario with these settings. */
static void run_sets(struct run *r, const char *const *sets, size_t n)
{
	run_text(r, "devstate.yaml", yaml, sets, n);
}

/* Run the scenario with `devices` devices, `channels` channels, the given
 * multifd_transfer and destination load cost per write. */
static void run(struct run *r, unsigned devices, unsigned channels, const char *transfer,
                const char *load_fixed)
{
	char set[4][64];
	snprintf(set[0], sizeof set[0], "devices[0].count=%u", devices);
	snprintf(set[1], sizeof set[1], "network.multifd_channels=%u", channels);
	snprintf(set[2], sizeof set[2], "migration.multifd_transfer=%s", transfer);
	snprintf(set[3], sizeof set[3], "devices[0].load.fixed=%s", load_fixed);
	const char *sets[] = {set[0], set[1], set[2], set[3]};
	run_sets(r, sets, 4);
}

static void run_free(struct run *r)
{
	summary_free(&r->sum);
	trace_free(&r->tr);
	scenario_free(r->s);
}

static bool task_is(const struct trace_event *e, const char *kind, int device)
{
	char name[64];
	snprintf(name, sizeof name, "vfio-vf%d-%s", device, kind);
	return e->task && strcmp(e->task, name) == 0;
}

/* Stop-copy = the switchover-start record, the first save thread's
 * creation, then every device's packets (8 of 1 MiB and its config state,
 * each with its frame header) back to back on the shared link, whatever
 * the channel count; the destination then only waits for the end of the
 * stream, sent beside each channel's end (loads cost nothing here). */
static void test_stopcopy_is_link_time(void)
{
	unsigned devices[] = {1, 4};
	unsigned channels[] = {1, 2, 4, 8};
	for (size_t i = 0; i < 2; i++)
		for (size_t k = 0; k < 4; k++) {
			struct run r;
			run(&r, devices[i], channels[k], "auto", "0");
			double n = devices[i];
			double packets = n * (STATE + (PACKETS + 1) * HDR);
			CU_ASSERT_DOUBLE_EQUAL(r.sum.phase_s[PHASE_STOPCOPY],
			                       HDR / BW + CREATE + packets / BW, EPS);
			/* the end of the main stream beside each channel's end */
			CU_ASSERT_DOUBLE_EQUAL(r.sum.phase_s[PHASE_DST_LOAD],
			                       (channels[k] + 1) * HDR / BW, EPS);
			CU_ASSERT_EQUAL(r.sum.stopcopy_bytes, (uint64_t)(n * STATE));
			run_free(&r);
		}
}

/* RAM still dirty at the stop shares the channels with the device state,
 * in QEMU's 512 KiB multifd packets: the link carries both back to back. */
static void test_ram_shares_the_channels(void)
{
	struct run r;
	const char *sets[] = {"devices[0].count=4", "network.multifd_channels=2", "vm.ram=64MiB",
	                      "vm.dirty_rate=1GiB/s"};
	run_sets(&r, sets, 4);
	double ram = 0;
	bool stopped = false;
	for (size_t k = 0; k < r.tr.n; k++) {
		const struct trace_event *e = &r.tr.ev[k];
		stopped |= e->kind == TRACE_VM_STOP;
		if (stopped && e->kind == TRACE_SEND && e->text && !strcmp(e->text, "ram"))
			ram = e->value;
	}
	CU_ASSERT(ram > 1048576); /* several packets of RAM left at the stop */
	double ram_packets = ceil(ram / (512 * 1024));
	double bytes = ram + ram_packets * HDR + 4 * (STATE + (PACKETS + 1) * HDR);
	CU_ASSERT_DOUBLE_EQUAL(r.sum.phase_s[PHASE_STOPCOPY], HDR / BW + CREATE + bytes / BW, EPS);
	run_free(&r);
}

/* Without the transfer (off, or no channels) the state goes on the main
 * stream as before: 8 records per device, no switchover start, no load
 * threads, no config packets (the channels' ends share the link with the
 * first record).  Off with channels, each device still gets a save task
 * that returns at once (QEMU starts the save threads whenever multifd can
 * carry device state): 4 creations before the first record, and no event
 * of any save task. */
static void test_off_is_the_main_stream(void)
{
	struct run runs[2];
	run(&runs[0], 4, 4, "off", "0");
	run(&runs[1], 4, 0, "auto", "0");
	for (int w = 0; w < 2; w++) {
		struct run *r = &runs[w];
		double channels = w == 0 ? 4 : 0, creates = w == 0 ? 4 : 0;
		CU_ASSERT_DOUBLE_EQUAL(
		    r->sum.phase_s[PHASE_STOPCOPY],
		    creates * CREATE + (4 * (STATE + PACKETS * HDR) + channels * HDR) / BW, EPS);
		for (size_t k = 0; k < r->tr.n; k++) {
			const char *task = r->tr.ev[k].task;
			CU_ASSERT(!task || (!strstr(task, "-save") && !strstr(task, "-load")));
		}
		run_free(r);
	}
}

/* With a load cost, every device loads on its own task, its 8 buffers in a
 * row (they arrive faster than they load), all devices at once; the VM
 * starts when the last one is done.  On the main stream the one load
 * task loads them one after another. */
static void test_loads_run_in_parallel(void)
{
	const double fixed = 5e-3; /* per 1 MiB write; the link brings one in ~1 ms */
	struct run on, off;
	run(&on, 4, 4, "on", "5ms");
	run(&off, 4, 4, "off", "5ms");
	double first_begin[4], last_end[4], latest_end = 0, earliest_last = INFINITY;
	double vm_start = NAN;
	unsigned loads[4] = {0};
	for (size_t k = 0; k < on.tr.n; k++) {
		const struct trace_event *e = &on.tr.ev[k];
		if (e->kind == TRACE_VM_START)
			vm_start = e->t;
		if (e->kind != TRACE_LOAD_BEGIN && e->kind != TRACE_LOAD_END)
			continue;
		CU_ASSERT_FATAL(e->device >= 0 && e->device < 4);
		CU_ASSERT(task_is(e, "load", e->device));
		if (e->kind == TRACE_LOAD_BEGIN) {
			if (loads[e->device]++ == 0)
				first_begin[e->device] = e->t;
			CU_ASSERT_EQUAL(e->value, CHUNK);
		} else {
			last_end[e->device] = e->t;
		}
	}
	for (int d = 0; d < 4; d++) {
		CU_ASSERT_EQUAL(loads[d], PACKETS);
		CU_ASSERT_DOUBLE_EQUAL(last_end[d] - first_begin[d], PACKETS * fixed, EPS);
		CU_ASSERT_DOUBLE_EQUAL(on.sum.dev[d].load_s, PACKETS * fixed, EPS);
		latest_end = fmax(latest_end, last_end[d]);
		earliest_last = fmin(earliest_last, last_end[d]);
	}
	for (int d = 0; d < 4; d++)
		CU_ASSERT(first_begin[d] < earliest_last); /* they overlap */
	CU_ASSERT_DOUBLE_EQUAL(vm_start, latest_end, EPS);
	/* One load task: 32 writes in a row, the last after the end of stream. */
	CU_ASSERT(off.sum.phase_s[PHASE_STOPCOPY] + off.sum.phase_s[PHASE_DST_LOAD] >=
	          4 * PACKETS * fixed - EPS);
	CU_ASSERT(on.sum.downtime_s < off.sum.downtime_s - 3 * PACKETS * fixed + 4 * STATE / BW);
	run_free(&on);
	run_free(&off);
}

/* Each device's state is read by its own save task, sent as packets and
 * counted once, as stop-copy bytes of that device. */
static void test_save_tasks_send_each_device(void)
{
	struct run r;
	run(&r, 4, 2, "auto", "0");
	unsigned sends[4] = {0};
	for (size_t k = 0; k < r.tr.n; k++) {
		const struct trace_event *e = &r.tr.ev[k];
		if (e->kind != TRACE_SEND || e->device < 0 || !e->text ||
		    strcmp(e->text, "stop-copy"))
			continue;
		CU_ASSERT(task_is(e, "save", e->device));
		CU_ASSERT_EQUAL(e->value, STATE);
		sends[e->device]++;
	}
	for (int d = 0; d < 4; d++) {
		CU_ASSERT_EQUAL(sends[d], 1);
		CU_ASSERT_EQUAL(r.sum.dev[d].stopcopy_bytes, (uint64_t)STATE);
	}
	run_free(&r);
}

/* Each device's config state is loaded by its load task after its last
 * buffer's load ended (QEMU's vfio_load_bufs_thread loads the config
 * packet, the last, after every buffer), once per device, and the VM starts
 * only after every device's config load.  The config state is free here, so
 * its load is at its last buffer's load end, exactly. */
static void test_config_after_buffers(void)
{
	struct run r;
	run(&r, 4, 4, "on", "5ms");
	double last_end[4];
	size_t last_end_k[4], config_k[4];
	unsigned configs[4] = {0}, loads[4] = {0};
	double config_t[4];
	size_t vm_start_k = 0;
	double vm_start = NAN;
	for (size_t k = 0; k < r.tr.n; k++) {
		const struct trace_event *e = &r.tr.ev[k];
		if (e->kind == TRACE_VM_START) {
			vm_start = e->t;
			vm_start_k = k;
		}
		if (e->device < 0 || e->device >= 4)
			continue;
		if (e->kind == TRACE_LOAD_END) {
			CU_ASSERT_EQUAL(configs[e->device], 0); /* no load after the config's */
			last_end[e->device] = e->t;
			last_end_k[e->device] = k;
			loads[e->device]++;
		} else if (e->kind == TRACE_CONFIG_LOAD) {
			CU_ASSERT(task_is(e, "load", e->device));
			CU_ASSERT_EQUAL(e->value, 0);
			config_t[e->device] = e->t;
			config_k[e->device] = k;
			configs[e->device]++;
		}
	}
	CU_ASSERT_FATAL(!isnan(vm_start));
	for (int d = 0; d < 4; d++) {
		CU_ASSERT_EQUAL(loads[d], PACKETS);
		CU_ASSERT_EQUAL_FATAL(configs[d], 1);
		CU_ASSERT(config_k[d] > last_end_k[d]);
		CU_ASSERT_DOUBLE_EQUAL(config_t[d], last_end[d], EPS);
		CU_ASSERT(vm_start_k > config_k[d]);
		CU_ASSERT(vm_start >= config_t[d]);
	}
	run_free(&r);
}

/* Buffers that arrive out of index order are loaded in index order.  One
 * device of 1.5 MiB over 2 channels: buffer 0 (1 MiB) and buffer 1
 * (0.5 MiB) leave together and share the link, so buffer 1 arrives first,
 * and the config packet (buffer 2) follows it on the channel it freed and
 * also arrives before buffer 0.  The load task waits for buffer 0, loads it,
 * then buffer 1, then the config state, 1 ms per write. */
static void test_out_of_order_loaded_in_order(void)
{
	const char *sets[] = {"devices[0].state_size=1536KiB", "network.multifd_channels=2",
	                      "migration.multifd_transfer=on", "devices[0].load.fixed=1ms"};
	struct run r;
	run_sets(&r, sets, 4);
	const double fixed = 1e-3;
	double arrived[3] = {NAN, NAN, NAN};
	int arrival_order[3] = {-1, -1, -1}, n_arrived = 0;
	double begin[2] = {NAN, NAN}, end[2] = {NAN, NAN}, bytes[2] = {0, 0};
	int n_begin = 0, n_end = 0;
	double config_t = NAN, vm_start = NAN;
	for (size_t k = 0; k < r.tr.n; k++) {
		const struct trace_event *e = &r.tr.ev[k];
		if (e->kind == TRACE_VM_START)
			vm_start = e->t;
		if (e->device != 0)
			continue;
		if (e->kind == TRACE_STATE_BUFFER) {
			CU_ASSERT_FATAL(n_arrived < 3 && e->value >= 0 && e->value < 3);
			int idx = (int)e->value;
			CU_ASSERT_EQUAL(e->from, idx == 2); /* the config packet is the last */
			arrived[idx] = e->t;
			arrival_order[n_arrived++] = idx;
		} else if (e->kind == TRACE_LOAD_BEGIN) {
			CU_ASSERT_FATAL(n_begin < 2);
			bytes[n_begin] = e->value;
			begin[n_begin++] = e->t;
		} else if (e->kind == TRACE_LOAD_END) {
			CU_ASSERT_FATAL(n_end < 2);
			end[n_end++] = e->t;
		} else if (e->kind == TRACE_CONFIG_LOAD) {
			CU_ASSERT(isnan(config_t));
			config_t = e->t;
		}
	}
	CU_ASSERT_EQUAL_FATAL(n_arrived, 3);
	CU_ASSERT_EQUAL_FATAL(n_begin, 2);
	CU_ASSERT_EQUAL_FATAL(n_end, 2);
	/* Arrival: 1, 2 (config), 0. */
	CU_ASSERT_EQUAL(arrival_order[0], 1);
	CU_ASSERT_EQUAL(arrival_order[1], 2);
	CU_ASSERT_EQUAL(arrival_order[2], 0);
	CU_ASSERT(arrived[1] < arrived[0] && arrived[2] < arrived[0]);
	/* Loads: buffer 0 as it arrives, buffer 1 after it, then the config. */
	CU_ASSERT_EQUAL(bytes[0], CHUNK);
	CU_ASSERT_EQUAL(bytes[1], CHUNK / 2);
	CU_ASSERT_DOUBLE_EQUAL(begin[0], arrived[0], EPS);
	CU_ASSERT_DOUBLE_EQUAL(end[0], arrived[0] + fixed, EPS);
	CU_ASSERT_DOUBLE_EQUAL(begin[1], end[0], EPS);
	CU_ASSERT_DOUBLE_EQUAL(end[1], arrived[0] + 2 * fixed, EPS);
	CU_ASSERT_DOUBLE_EQUAL(config_t, end[1], EPS);
	CU_ASSERT(vm_start >= config_t);
	run_free(&r);
}

/* Two groups of two devices over 2 channels: `vf` takes the migration's
 * multifd_transfer (auto: on), `mf` sets its own off.  vf0 and vf1 are
 * read by their save tasks and loaded by their load tasks; mf0 and mf1 by
 * the migration task on the main stream (8 records each, no config packet)
 * and the main load task, while the save tasks' packets go out: the link
 * carries all of it back to back after the switchover start and the first
 * save task's creation.  With the key unset the same scenario sends all
 * four over the channels, and setting `vf`'s off as well gives the
 * main-stream run of before (no save or load task at all); the
 * migration's off with `vf`'s own on gives the mixed run. */
static const char *mixed_yaml = "name: mixed\n"
                                "vm: {ram: 0}\n"
                                "network: {bandwidth: 1GB/s, latency: 0, multifd_channels: 2}\n"
                                "migration: {chunk_size: 1MiB, thread_create: 10us, "
                                "thread_join: 0}\n"
                                "devices:\n"
                                "  - name: vf\n"
                                "    profile: null\n"
                                "    capabilities: [stop_copy, p2p]\n"
                                "    state_size: 8MiB\n"
                                "    count: 2\n"
                                "  - name: mf\n"
                                "    profile: null\n"
                                "    capabilities: [stop_copy, p2p]\n"
                                "    state_size: 8MiB\n"
                                "    count: 2\n"
                                "    multifd_transfer: off\n"
                                "runs: 1\n";

static void run_mixed(struct run *r, const char *const *sets, size_t n)
{
	run_text(r, "mixed.yaml", mixed_yaml, sets, n);
}

/* Which task sent (TRACE_SEND, stop-copy) and loaded each of the 4 devices:
 * 's' its own save or load task, 'm' the main stream's, 0 none, '?' mixed. */
static void mixed_tasks(const struct run *r, char *sent, char *loaded)
{
	static const char *const names[] = {"vf0", "vf1", "mf0", "mf1"};
	memset(sent, 0, 4);
	memset(loaded, 0, 4);
	for (size_t k = 0; k < r->tr.n; k++) {
		const struct trace_event *e = &r->tr.ev[k];
		bool send = e->kind == TRACE_SEND && e->text && !strcmp(e->text, "stop-copy");
		if ((!send && e->kind != TRACE_LOAD_BEGIN) || e->device < 0 || e->device > 3)
			continue;
		char own[32];
		snprintf(own, sizeof own, "vfio-%s-%s", names[e->device], send ? "save" : "load");
		const char *main_task = send ? "migration" : "load";
		char c = !strcmp(e->task, own) ? 's' : !strcmp(e->task, main_task) ? 'm' : '?';
		char *slot = send ? &sent[e->device] : &loaded[e->device];
		*slot = *slot && *slot != c ? '?' : c;
	}
}

/* modes[d] ('s' or 'm', as mixed_tasks) is who sent and who loaded device
 * d, and its multifd device-state events are those of its mode. */
static void expect_modes(const struct run *r, const char *modes)
{
	char sent[4], loaded[4];
	mixed_tasks(r, sent, loaded);
	CU_ASSERT(!memcmp(sent, modes, 4));
	CU_ASSERT(!memcmp(loaded, modes, 4));
	expect_devstate_events(&r->tr, modes);
}

static void test_device_group_override(void)
{
	struct run mixed, all_on, all_off, forced;
	const char *unset[] = {"devices[1].multifd_transfer=auto"};
	const char *off[] = {"devices[0].multifd_transfer=off"};
	const char *on[] = {"migration.multifd_transfer=off", "devices[0].multifd_transfer=on"};
	run_mixed(&mixed, NULL, 0);
	run_mixed(&all_on, unset, 1);
	run_mixed(&all_off, off, 1);
	run_mixed(&forced, on, 2);
	expect_modes(&mixed, "ssmm");
	expect_modes(&all_on, "ssss");
	expect_modes(&all_off, "mmmm");
	/* vf*: 8 packets and the config state; mf*: 8 main-stream records. */
	double bytes = 2 * (STATE + (PACKETS + 1) * HDR) + 2 * (STATE + PACKETS * HDR);
	CU_ASSERT_DOUBLE_EQUAL(mixed.sum.phase_s[PHASE_STOPCOPY], HDR / BW + CREATE + bytes / BW,
	                       EPS);
	CU_ASSERT_DOUBLE_EQUAL(all_on.sum.phase_s[PHASE_STOPCOPY],
	                       HDR / BW + CREATE + 4 * (STATE + (PACKETS + 1) * HDR) / BW, EPS);
	/* Off everywhere: the main stream, the channels' two ends beside it,
	 * after the 4 save tasks' creations (each returns at once). */
	CU_ASSERT_DOUBLE_EQUAL(all_off.sum.phase_s[PHASE_STOPCOPY],
	                       4 * CREATE + (4 * (STATE + PACKETS * HDR) + 2 * HDR) / BW, EPS);
	for (int d = 0; d < 4; d++)
		CU_ASSERT_EQUAL(mixed.sum.dev[d].stopcopy_bytes, (uint64_t)STATE);
	/* The migration's off, vf's own on: the mixed run again. */
	expect_modes(&forced, "ssmm");
	CU_ASSERT_DOUBLE_EQUAL(forced.sum.downtime_s, mixed.sum.downtime_s, EPS);
	run_free(&forced);
	run_free(&mixed);
	run_free(&all_on);
	run_free(&all_off);
}

/* A device whose multifd transfer is off costs a save task's creation and
 * join when the run has channels, as QEMU starts every VFIO device's save
 * thread and an off device's returns at once: with `vf` off and `mf` on,
 * vf0's and vf1's empty tasks are created before mf0's, so the first packet
 * leaves after 3 creations instead of 1; with both off and joins of 5 us,
 * the 4 tasks' creations and joins add to the main stream's time. */
static void test_off_device_costs_a_save_task(void)
{
	const char *swapped[] = {"devices[0].multifd_transfer=off",
	                         "devices[1].multifd_transfer=on"};
	const char *off[] = {"devices[0].multifd_transfer=off", "migration.thread_join=5us"};
	struct run r, all_off;
	run_mixed(&r, swapped, 2);
	run_mixed(&all_off, off, 2);
	expect_modes(&r, "mmss");
	double bytes = 2 * (STATE + PACKETS * HDR) + 2 * (STATE + (PACKETS + 1) * HDR);
	CU_ASSERT_DOUBLE_EQUAL(r.sum.phase_s[PHASE_STOPCOPY], HDR / BW + 3 * CREATE + bytes / BW,
	                       EPS);
	CU_ASSERT_DOUBLE_EQUAL(all_off.sum.phase_s[PHASE_STOPCOPY],
	                       4 * (CREATE + 5e-6) + (4 * (STATE + PACKETS * HDR) + 2 * HDR) / BW,
	                       EPS);
	run_free(&r);
	run_free(&all_off);
}

/* Each destination device's arcs up to RESUMING, in trace order, as
 * from * 16 + to, with the work of each; returns how many. */
static int dst_setup_arcs(const struct run *r, int device, int *arcs, double *work, int max)
{
	int n = 0;
	for (size_t k = 0; k < r->tr.n && n < max; k++) {
		const struct trace_event *e = &r->tr.ev[k];
		if (e->kind != TRACE_ARC_END || e->side != RT_SIDE_DST || e->device != device)
			continue;
		arcs[n] = e->from * 16 + e->to;
		work[n++] = e->value;
		if (e->to == VFIO_STATE_RESUMING)
			break;
	}
	return n;
}

/* devices[].destination_starts_running: a destination device starts
 * RUNNING, as a real one does, and its load setup walks RUNNING ->
 * RUNNING_P2P -> STOP -> RESUMING, each arc its own latency; by default it
 * starts in STOP and setup is STOP -> RESUMING alone. */
static void test_destination_starts_running(void)
{
	const int walk[] = {VFIO_STATE_RUNNING * 16 + VFIO_STATE_RUNNING_P2P,
	                    VFIO_STATE_RUNNING_P2P * 16 + VFIO_STATE_STOP,
	                    VFIO_STATE_STOP * 16 + VFIO_STATE_RESUMING};
	const double ms[] = {1e-3, 2e-3, 3e-3};
	for (int on = 0; on < 2; on++) {
		const char *sets[] = {"devices[0].count=2",
		                      "devices[0].latency.running_to_running_p2p=1ms",
		                      "devices[0].latency.running_p2p_to_stop=2ms",
		                      "devices[0].latency.stop_to_resuming=3ms",
		                      on ? "devices[0].destination_starts_running=true"
		                         : "devices[0].destination_starts_running=false"};
		struct run r;
		run_sets(&r, sets, 5);
		for (int d = 0; d < 2; d++) {
			int arcs[8];
			double work[8];
			int n = dst_setup_arcs(&r, d, arcs, work, 8);
			CU_ASSERT_EQUAL(n, on ? 3 : 1);
			for (int i = 0; i < n && i < 3; i++) {
				int want = on ? i : 2;
				CU_ASSERT_EQUAL(arcs[i], walk[want]);
				CU_ASSERT_DOUBLE_EQUAL(work[i], ms[want], EPS);
			}
		}
		run_free(&r);
	}
}

void register_tests(void)
{
	TEST_SUITE("devstate", TEST(test_stopcopy_is_link_time), TEST(test_ram_shares_the_channels),
	           TEST(test_off_is_the_main_stream), TEST(test_loads_run_in_parallel),
	           TEST(test_save_tasks_send_each_device), TEST(test_destination_starts_running),
	           TEST(test_config_after_buffers), TEST(test_out_of_order_loaded_in_order),
	           TEST(test_device_group_override), TEST(test_off_device_costs_a_save_task));
}
