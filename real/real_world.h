/*
 * real_world.h - one run of a scenario in the real world: pthreads, real
 * clocks, real bytes through sockets, emulated (or null) devices; both
 * migration roles in this process, connected by socketpairs whose link is
 * emulated to the scenario's bandwidth and latency (rt_pthread.h).
 */
#ifndef SWITCHOVER_REAL_WORLD_H
#define SWITCHOVER_REAL_WORLD_H

#include <stdbool.h>
#include <stddef.h>

#include "devices/vfio.h"
#include "migration.h"
#include "names.h"
#include "rt_pthread.h"
#include "scenario.h"
#include "trace.h"

/* Which device implementation the scenario's device groups get. */
enum real_devices {
	REAL_DEVICES_AUTO = 0, /* null for groups that cost nothing (real_world_group_is_free),
	                          emulated for the others */
	REAL_DEVICES_EMU,      /* emulated for every group */
	REAL_DEVICES_NULL,     /* null for every group: the harness alone */
};
/* "auto", "emu", "null"; -1 when unknown. */
int real_devices_parse(const char *name);

/* The phases of a two-process run, as an error about its peer names them
 * ("the source 127.0.0.1:40112, in phase 'precopy': ..."): the hellos of
 * its connections, the engine's run (told by the last record this end sent
 * or took, docs/reliability.md), and the trace exchange after it. */
enum real_phase {
	REAL_PHASE_HANDSHAKE = 0,
	REAL_PHASE_SETUP,
	REAL_PHASE_PRECOPY,
	REAL_PHASE_STOPCOPY,
	REAL_PHASE_DEVICE_STATE,
	REAL_PHASE_COMPLETION,
	REAL_PHASE_TRACES,
};
extern const struct names real_phase_names;

/* Which end of the migration this process plays. */
enum real_role {
	REAL_ROLE_BOTH = 0, /* both, over socketpairs in this process */
	REAL_ROLE_SRC,      /* the source: connects to the destination */
	REAL_ROLE_DST,      /* the destination: accepts the source */
};

struct real_world_config {
	enum real_devices devices;
	double io_timeout_s; /* 0: RTP_DEFAULT_IO_TIMEOUT_S */
	/* Injected into the run (tests); NULL: none.  Two processes: the
	 * channel "handshake" closes connection `nth` after the source's
	 * hello, "trace-exchange" the results connection instead of this end's
	 * message `nth` of the exchange after the run (docs/reliability.md). */
	const struct rtp_fault *fault;
	/* Two processes (docs/real.md): */
	enum real_role role;
	const char *connect; /* REAL_ROLE_SRC: the destination's "HOST:PORT" */
	int listen_fd;       /* REAL_ROLE_DST: a listening socket (transport_listen) */
	bool emulate_link;   /* pace to the scenario's network, not the real one's */
	/* Two processes: unless NULL, receives the bound on the error of the
	 * peer's times placed in `trace` (half the round trip of the clock
	 * exchange, transport_clock_ask): the uncertainty of any time that
	 * spans both ends, such as the downtime. */
	double *clock_error_s;
	/* Told what went wrong without failing the run (a vfio device that
	 * could not be returned to RUNNING); NULL: nobody is. */
	vfio_warn_fn warn;
	void *warn_ctx;
};

/*
 * Does device group `group` of `s` cost nothing and hold no data (every arc
 * and query a fixed 0, no state, initial or dirty bytes, no REINIT
 * workload, no faults, no PRECOPY_INFOv2)?  Then the null device behaves
 * exactly as the emulated one would, without threads or sockets: what the
 * `null` profile gives unless the group overrides it.
 */
bool real_world_group_is_free(const struct scenario *s, size_t group);

/*
 * Run `s` once (run index `run` selects the random streams, as in sim) and
 * append its events to `trace` (initialised by the caller).  With two
 * processes, each plays its end, then both exchange their traces so each
 * `trace` holds the whole run (the peer's times placed on this clock to
 * within half a round trip) and summarises like a one-process run.  Returns 0 when
 * the engine ran: res->status says whether the migration completed, and a
 * failed one's res->error ends with the transport's own account of a
 * broken channel when there was one.  Otherwise a negative errno with a
 * message in err (out of memory, no threads, a task that never ended).
 */
int real_world_run(const struct scenario *s, unsigned run, const struct real_world_config *cfg,
                   struct trace *trace, struct mig_result *res, char *err, size_t errlen);

#endif
