/*
 * bench_bare_simgrid.c - the floor for the sim world's cost: the same number
 * of actor operations as a switchover run, done by bare SimGrid (no
 * switchover code), on the same kind of platform and models.
 *
 * bench_sim runs a scenario, reads its operation counts from
 * sim_runtime_get_stats, runs this program with them and prints the ratio
 * of the two wall times: what the harness costs on top of SimGrid.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <simgrid/actor.h>
#include <simgrid/engine.h>
#include <simgrid/host.h>
#include <simgrid/link.h>
#include <simgrid/mailbox.h>
#include <simgrid/semaphore.h>
#include <xbt/config.h>
#include <xbt/log.h>

struct bench {
	uint64_t spawns, sleeps, sends, sync;
	long bytes;
	double bandwidth_Bps, latency_s;
};

static struct bench g;
static sg_host_t g_src, g_dst;

static const char usage[] =
    "usage: bench_bare_simgrid [--spawns N] [--sleeps N] [--sends N] [--sync N]\n"
    "                          [--bytes B] [--bandwidth BYTES_PER_S] [--latency S]\n"
    "                          [--cfg=SIMGRID_OPTION:VALUE ...]\n"
    "\n"
    "Performs a given number of SimGrid actor operations with the SimGrid C API\n"
    "alone, on two hosts \"src\" and \"dst\" joined by one full-duplex link (CM02\n"
    "model, no correction factors, as the sim world uses), and prints\n"
    "\n"
    "  bare_simgrid wall_s=<seconds> maxrss_kib=<peak resident set, KiB>\n"
    "\n"
    "wall_s covers the simulation only (simgrid_run), not SimGrid's start-up or\n"
    "platform loading.  All counts default to 0.\n"
    "\n"
    "  --spawns N   N actors created (on src) and joined, one after the other\n"
    "  --sleeps N   N sg_actor_sleep_for calls (1 us each)\n"
    "  --sends N    N mailbox put/get pairs of B bytes from src to dst\n"
    "               (a sim runtime send and its recv)\n"
    "  --sync N     N semaphore calls, acquire and release alternately\n"
    "               (as counted by the sim runtime's sync_ops)\n"
    "  --bytes B    size of each send (default 4096)\n"
    "  --bandwidth  link bandwidth in bytes/s (default 1.25e9)\n"
    "  --latency    link latency in seconds (default 1e-4)\n"
    "  --cfg=...    passed to SimGrid, e.g. --cfg=contexts/factory:thread\n"
    "  --help       this text\n";

static const char platform_xml[] =
    "<?xml version='1.0'?>\n"
    "<!DOCTYPE platform SYSTEM \"https://simgrid.org/simgrid.dtd\">\n"
    "<platform version=\"4.1\">\n"
    "  <zone id=\"bench\" routing=\"Full\">\n"
    "    <host id=\"src\" speed=\"1Gf\"/>\n"
    "    <host id=\"dst\" speed=\"1Gf\"/>\n"
    "    <link id=\"wire\" bandwidth=\"1GBps\" latency=\"0\" sharing_policy=\"SPLITDUPLEX\"/>\n"
    "    <route src=\"src\" dst=\"dst\"><link_ctn id=\"wire\" direction=\"UP\"/></route>\n"
    "  </zone>\n"
    "</platform>\n";

static void child(int argc, char **argv)
{
	(void)argc;
	(void)argv;
}

static void receiver(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	sg_mailbox_t mb = sg_mailbox_by_name("bench");
	for (uint64_t i = 0; i < g.sends; i++)
		sg_mailbox_get(mb);
}

static void driver(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	for (uint64_t i = 0; i < g.spawns; i++) {
		sg_actor_t a = sg_actor_init("child", g_src);
		sg_actor_ref(a);
		sg_actor_start(a, child, 0, NULL);
		sg_actor_join(a, -1);
		sg_actor_unref(a);
	}
	for (uint64_t i = 0; i < g.sleeps; i++)
		sg_actor_sleep_for(1e-6);
	if (g.sends) {
		sg_actor_t r = sg_actor_init("receiver", g_dst);
		sg_actor_ref(r);
		sg_actor_start(r, receiver, 0, NULL);
		sg_mailbox_t mb = sg_mailbox_by_name("bench");
		static char payload;
		for (uint64_t i = 0; i < g.sends; i++)
			sg_mailbox_put(mb, &payload, g.bytes);
		sg_actor_join(r, -1);
		sg_actor_unref(r);
	}
	sg_sem_t sem = sg_sem_init(1);
	for (uint64_t i = 0; i < g.sync; i++) {
		if (i % 2 == 0)
			sg_sem_acquire(sem);
		else
			sg_sem_release(sem);
	}
	sg_sem_destroy(sem);
}

static int load_platform(void)
{
	char path[] = "/tmp/bench-bare-simgrid-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	size_t len = sizeof platform_xml - 1;
	ssize_t n = write(fd, platform_xml, len);
	if (close(fd) != 0 || n != (ssize_t)len) {
		unlink(path);
		return -1;
	}
	simgrid_load_platform(path);
	unlink(path);
	g_src = sg_host_by_name("src");
	g_dst = sg_host_by_name("dst");
	for (int i = 0; i < 2; i++) {
		sg_link_t l = sg_link_by_name(i ? "wire_DOWN" : "wire_UP");
		sg_link_set_bandwidth(l, g.bandwidth_Bps);
		sg_link_set_latency(l, g.latency_s);
	}
	return 0;
}

static int parse_count(const char *opt, const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-') {
		fprintf(stderr, "bench_bare_simgrid: %s wants a non-negative integer, not '%s'\n",
		        opt, s);
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_double(const char *opt, const char *s, double *out, int positive)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !(positive ? v > 0 : v >= 0)) {
		fprintf(stderr, "bench_bare_simgrid: %s wants a number %s, not '%s'\n", opt,
		        positive ? "> 0" : ">= 0", s);
		return -1;
	}
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	/* Before simgrid_init, which would answer --help with its own text. */
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage, stdout);
			return 0;
		}
	}
	g.bytes = 4096;
	g.bandwidth_Bps = 1.25e9;
	g.latency_s = 1e-4;

	xbt_log_control_set("root.thres:critical");
	simgrid_init(&argc, argv); /* takes the --cfg= and --log= options */

	static const struct option opts[] = {
	    {"spawns", required_argument, NULL, 'p'},  {"sleeps", required_argument, NULL, 'l'},
	    {"sends", required_argument, NULL, 's'},   {"sync", required_argument, NULL, 'y'},
	    {"bytes", required_argument, NULL, 'b'},   {"bandwidth", required_argument, NULL, 'w'},
	    {"latency", required_argument, NULL, 't'}, {NULL, 0, NULL, 0},
	};
	int c;
	uint64_t bytes = (uint64_t)g.bytes;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int rc;
		switch (c) {
		case 'p':
			rc = parse_count("--spawns", optarg, &g.spawns);
			break;
		case 'l':
			rc = parse_count("--sleeps", optarg, &g.sleeps);
			break;
		case 's':
			rc = parse_count("--sends", optarg, &g.sends);
			break;
		case 'y':
			rc = parse_count("--sync", optarg, &g.sync);
			break;
		case 'b':
			rc = parse_count("--bytes", optarg, &bytes);
			g.bytes = (long)bytes;
			break;
		case 'w':
			rc = parse_double("--bandwidth", optarg, &g.bandwidth_Bps, 1);
			break;
		case 't':
			rc = parse_double("--latency", optarg, &g.latency_s, 0);
			break;
		default:
			fputs(usage, stderr);
			return 2;
		}
		if (rc)
			return 2;
	}
	if (optind < argc) {
		fprintf(stderr, "bench_bare_simgrid: unexpected argument '%s'\n%s", argv[optind],
		        usage);
		return 2;
	}

	/* The sim world's models: see sim/sim_runtime.c. */
	sg_cfg_set_string("network/model", "CM02");
	sg_cfg_set_double("network/latency-factor", 1.0);
	sg_cfg_set_double("network/bandwidth-factor", 1.0);
	sg_cfg_set_double("network/weight-S", 0.0);
	sg_cfg_set_boolean("network/crosstraffic", "no");
	sg_cfg_set_double("network/TCP-gamma", 1e30);
	if (load_platform() != 0) {
		fprintf(stderr, "bench_bare_simgrid: cannot write the platform file in /tmp: %s\n",
		        strerror(errno));
		return 1;
	}
	sg_actor_create("driver", g_src, driver, 0, NULL);

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	simgrid_run();
	clock_gettime(CLOCK_MONOTONIC, &t1);

	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("bare_simgrid wall_s=%.6f maxrss_kib=%ld\n",
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9,
	       ru.ru_maxrss);
	return 0;
}
