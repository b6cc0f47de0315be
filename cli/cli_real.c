/*
 * cli_real.c - `switchover real`: the run command of cli_run.c in the real
 * world, plus the options only this world has.  Those are taken out of the
 * command line here, so the shared parser sees exactly what `sim` accepts
 * and both commands stay one command.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "devices/vfio.h"
#include "real_world.h"
#include "rt_pthread.h"
#include "transport.h"
#include "units.h"

/* The real-world options of this invocation (one command per process). */
static struct real_world_config real_cfg;
static const char *listen_addr;

/* What the real world could not undo but did not fail the run for. */
static void warn_stderr(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "switchover: warning: %s\n", msg);
}

/*
 * Faults for the robustness tests only (tests/robustness/twoproc.sh,
 * docs/reliability.md), never for users, hence no options:
 * SWITCHOVER_TEST_DISCONNECT=CHANNEL:N closes this process's connection
 * instead of sending its Nth frame (from 0) on CHANNEL ("main",
 * "return-path", "multifdK"), so that its peer loses it at that point of
 * the run; "handshake:N" closes connection N after the source's hello,
 * "trace-exchange:N" the results connection instead of this end's Nth
 * message of the exchange after the run (real_world.h).
 * SWITCHOVER_TEST_PAUSE=CHANNEL:N:DURATION sends the Nth frame on CHANNEL
 * (not "handshake" or "trace-exchange") DURATION late, the connection busy
 * meanwhile: a slow peer.  Returns 0,
 * or -1 with a message when a value is malformed.
 */
static struct rtp_fault test_fault;

/* "CHANNEL:N" at v (up to `end`, or the string's end) into test_fault. */
static int take_channel_nth(const char *v, const char *end)
{
	const char *colon = NULL;
	for (const char *c = v; *c && (!end || c < end); c++)
		if (*c == ':')
			colon = c;
	char *stop = NULL;
	unsigned long nth = colon ? strtoul(colon + 1, &stop, 10) : 0;
	size_t chan_len = colon ? (size_t)(colon - v) : 0;
	if (!colon || stop == colon + 1 || (end ? stop != end : *stop != '\0') || chan_len == 0 ||
	    chan_len >= sizeof test_fault.chan || nth > UINT32_MAX)
		return -1;
	test_fault.nth = (unsigned)nth;
	memcpy(test_fault.chan, v, chan_len);
	test_fault.chan[chan_len] = '\0';
	return 0;
}

static int take_test_fault(void)
{
	const char *v = getenv("SWITCHOVER_TEST_DISCONNECT");
	if (v && *v) {
		test_fault = (struct rtp_fault){.action = RTP_FAULT_DISCONNECT};
		if (take_channel_nth(v, NULL)) {
			fprintf(stderr,
			        "switchover real: SWITCHOVER_TEST_DISCONNECT='%s': expected "
			        "CHANNEL:N\n",
			        v);
			return -1;
		}
		real_cfg.fault = &test_fault;
	}
	v = getenv("SWITCHOVER_TEST_PAUSE");
	if (v && *v) {
		const char *last = strrchr(v, ':');
		char err[256];
		test_fault = (struct rtp_fault){.action = RTP_FAULT_PAUSE};
		if (real_cfg.fault || !last || take_channel_nth(v, last) ||
		    units_parse_duration(last + 1, &test_fault.seconds, err, sizeof err)) {
			fprintf(stderr,
			        "switchover real: SWITCHOVER_TEST_PAUSE='%s': expected "
			        "CHANNEL:N:DURATION (and no SWITCHOVER_TEST_DISCONNECT)\n",
			        v);
			return -1;
		}
		/* The handshake and the trace exchange are points to cut, not
		 * channels that send frames: a pause there would do nothing. */
		if (!strcmp(test_fault.chan, "handshake") ||
		    !strcmp(test_fault.chan, "trace-exchange")) {
			fprintf(stderr,
			        "switchover real: SWITCHOVER_TEST_PAUSE='%s': '%s' cannot be "
			        "paused: the channel is main, return-path or multifdK\n",
			        v, test_fault.chan);
			return -1;
		}
		real_cfg.fault = &test_fault;
	}
	return 0;
}

/* SIGINT/SIGTERM: VFIO devices stop making progress and every wait on a
 * channel or connection ends (within 200 ms), so the run in progress fails
 * through the engine's own error path and every device is returned to
 * RUNNING; no further run starts and no result file appears.  A peer
 * process sees the connections close, or (between runs) no next run
 * within its I/O timeout, and ends too.
 * A second signal ends the process at once. */
static void on_interrupt(int sig)
{
	static const char msg[] = "\nswitchover real: interrupted: ending the run in progress and "
	                          "returning devices to RUNNING (once more to quit at once)\n";
	int saved = errno; /* the thread it interrupted may be about to read it */
	(void)sig;
	vfio_request_stop();
	transport_request_stop(); /* channels and a destination waiting to accept */
	ssize_t n = write(STDERR_FILENO, msg, sizeof msg - 1);
	(void)n;
	/* The next SIGINT or SIGTERM, whichever, ends the process. */
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGINT, &dfl, NULL);
	sigaction(SIGTERM, &dfl, NULL);
	errno = saved;
}

static int real_run(const struct scenario *s, unsigned run, struct trace *tr,
                    struct mig_result *res, char *err, size_t errlen)
{
	if (vfio_stop_requested()) {
		snprintf(err, errlen, "interrupted before the run started; no result file written");
		return -EINTR;
	}
	int rc = real_world_run(s, run, &real_cfg, tr, res, err, errlen);
	/* Interrupted, the run fails wherever it was waiting (a channel, the
	 * peer, the trace exchange): say why it failed, not where. */
	if (rc != -EDEADLK && vfio_stop_requested()) {
		snprintf(err, errlen,
		         "interrupted; every device is back in RUNNING; no result file written");
		return -EINTR;
	}
	return rc;
}

static const struct cli_world real_world = {
    .name = "real",
    .describe = "the real world (threads, clocks and bytes; emulated or VFIO devices,\n"
                "both ends in this process over an emulated link)",
    .run = real_run,
    .says_start = true,
    .wall_clock = true,
    .memory = MEM_WORLD_REAL,
};

void cli_real_help(FILE *out)
{
	cli_run_help(&real_world, out);
	fprintf(out,
	        "\nreal-world options:\n"
	        "  --devices D      auto (default): groups that cost nothing (the `null`\n"
	        "                   profile as is) get the null device, the others the\n"
	        "                   emulated one; emu: emulated everywhere; null: null\n"
	        "                   everywhere (measures the harness alone)\n"
	        "  --io-timeout T   how long a peer may send nothing at all (not even a\n"
	        "                   keepalive) before the run fails (default 10s)\n"
	        "  --role dst --listen HOST:PORT\n"
	        "  --role src --connect HOST:PORT\n"
	        "                   two processes: each plays one end of every run (start\n"
	        "                   them in any order, with the same FILE and options);\n"
	        "                   both print the whole run's results.  PORT 0: any free\n"
	        "                   port, printed on stderr\n"
	        "  --emulate-link   two processes: pace the connections to the scenario's\n"
	        "                   network instead of the real one's\n\n"
	        "In one process the link is emulated to the scenario's network.bandwidth\n"
	        "and latency, so a run compares with its simulation; `over bound` is downtime\n"
	        "minus the ideal-parallel bound of that run.  See docs/real.md.\n\n"
	        "Device groups with `backend: vfio` drive real devices (PCI VFs bound to a\n"
	        "VFIO migration driver such as mlx5_vfio_pci, or mdevs such as the kernel's\n"
	        "mtty) through the kernel's migration uAPI: see docs/hardware.md and\n"
	        "`switchover vfio --help`.  SIGINT ends the run in progress and returns every\n"
	        "device to RUNNING; no result file is written.\n");
	char phases[200];
	names_list(&real_phase_names, phases, sizeof phases);
	fprintf(out,
	        "\nA two-process run whose connection to its peer breaks names the peer and\n"
	        "the phase of the run (docs/reliability.md); a failure of this end's own\n"
	        "(a device's arc) stays first, and a connection the peer closed after it\n"
	        "comes only as a note (\"; then the destination ...\").  The phases:\n  %s\n",
	        phases);
}

/* Value of option `name` at argv[*i] ("--name=V" or "--name V"), or NULL
 * when argv[*i] is another argument.  Advances *i past a separate value. */
static const char *opt_value(int argc, char **argv, int *i, const char *name, int *missing)
{
	size_t len = strlen(name);
	const char *a = argv[*i];
	if (strncmp(a, name, len))
		return NULL;
	if (a[len] == '=')
		return a + len + 1;
	if (a[len])
		return NULL;
	if (*i + 1 >= argc) {
		*missing = 1;
		return NULL;
	}
	return argv[++*i];
}

/* Take this world's options out of argv (compacting it).  Returns 0, or
 * CLI_EXIT_ERROR after printing what is wrong. */
static int take_real_opts(int *argc, char **argv)
{
	int out = 1;
	for (int i = 1; i < *argc; i++) {
		int missing = 0;
		const char *v;
		char err[256];
		if ((v = opt_value(*argc, argv, &i, "--devices", &missing))) {
			int d = real_devices_parse(v);
			if (d < 0) {
				fprintf(
				    stderr,
				    "switchover real: --devices '%s': expected auto, emu or null\n",
				    v);
				return CLI_EXIT_ERROR;
			}
			real_cfg.devices = (enum real_devices)d;
		} else if ((v = opt_value(*argc, argv, &i, "--io-timeout", &missing))) {
			if (units_parse_duration(v, &real_cfg.io_timeout_s, err, sizeof err) ||
			    !(real_cfg.io_timeout_s > 0)) {
				fprintf(
				    stderr,
				    "switchover real: --io-timeout '%s': expected a duration > 0 "
				    "such as 10s or 500ms, up to %.0fs\n",
				    v, UNITS_MAX_DURATION_S);
				return CLI_EXIT_ERROR;
			}
		} else if ((v = opt_value(*argc, argv, &i, "--role", &missing))) {
			if (strcmp(v, "src") && strcmp(v, "dst")) {
				fprintf(stderr,
				        "switchover real: --role '%s': expected src or dst\n", v);
				return CLI_EXIT_ERROR;
			}
			real_cfg.role = v[0] == 's' ? REAL_ROLE_SRC : REAL_ROLE_DST;
		} else if ((v = opt_value(*argc, argv, &i, "--connect", &missing))) {
			real_cfg.connect = v;
		} else if ((v = opt_value(*argc, argv, &i, "--listen", &missing))) {
			listen_addr = v;
		} else if (!strcmp(argv[i], "--emulate-link")) {
			real_cfg.emulate_link = true;
		} else if (missing) {
			fprintf(stderr,
			        "switchover real: %s needs a value (see switchover real --help)\n",
			        argv[i]);
			return CLI_EXIT_ERROR;
		} else {
			argv[out++] = argv[i];
		}
	}
	argv[out] = NULL;
	*argc = out;
	return 0;
}

int cli_real(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			cli_real_help(stdout);
			return CLI_EXIT_OK;
		}
	/* First of all, so that no interrupt is lost however long the rest
	 * of the start-up takes.  An installed handler also replaces an ignored
	 * SIGINT, as a background job of a non-interactive shell inherits it:
	 * `kill -INT` still ends the run cleanly. */
	struct sigaction sa = {.sa_handler = on_interrupt};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	real_cfg = (struct real_world_config){
	    .devices = REAL_DEVICES_AUTO, .listen_fd = -1, .warn = warn_stderr};
	listen_addr = NULL;
	int rc = take_real_opts(&argc, argv);
	if (rc)
		return rc;
	if (take_test_fault())
		return CLI_EXIT_ERROR;
	const char *bad = NULL;
	if (real_cfg.role == REAL_ROLE_SRC && !real_cfg.connect)
		bad = "--role src needs --connect HOST:PORT";
	else if (real_cfg.role == REAL_ROLE_DST && !listen_addr)
		bad = "--role dst needs --listen HOST:PORT";
	else if (real_cfg.role != REAL_ROLE_DST && listen_addr)
		bad = "--listen goes with --role dst";
	else if (real_cfg.role != REAL_ROLE_SRC && real_cfg.connect)
		bad = "--connect goes with --role src";
	if (bad) {
		fprintf(stderr, "switchover real: %s (see switchover real --help)\n", bad);
		return CLI_EXIT_ERROR;
	}
	if (listen_addr) {
		char err[256];
		if (transport_listen(listen_addr, &real_cfg.listen_fd, err, sizeof err)) {
			fprintf(stderr, "switchover real: %s\n", err);
			return CLI_EXIT_ERROR;
		}
		/* Scripts that asked for port 0 learn the port here. */
		fprintf(stderr, "switchover real: listening on %s (port %d)\n", listen_addr,
		        transport_local_port(real_cfg.listen_fd));
	}
	rc = cli_run_world(&real_world, argc, argv);
	if (real_cfg.listen_fd >= 0)
		close(real_cfg.listen_fd);
	return rc;
}
