/*
 * rt_pthread.h - the real world's runtime: struct rt_ops on pthreads and
 * CLOCK_MONOTONIC, with channels that move real bytes through sockets.
 *
 * Costs are whatever the machine takes, except for the link, which is
 * emulated so that a real run can be compared with its simulation:
 *   sleep(dt)     clock_nanosleep(TIMER_ABSTIME) to now + dt; tasks run with
 *                 a 1 ns timer slack so a sleep overshoots by microseconds,
 *                 not the default 50 us;
 *   compute(c)    spins until the thread's CPU clock has advanced by c;
 *   spawn/join    pthread_create / pthread_join (small stacks, so glibc's
 *                 stack cache makes a transition thread cheap, as in QEMU);
 *   wake          sem_release (mutex, count, condition variable signal);
 *   chan_send     the frame is written to a socket; the sender is then held
 *                 until the link (one per direction, shared by that
 *                 direction's channels in FIFO order) has carried
 *                 (RT_FRAME_HEADER_BYTES + bytes) / bandwidth, the charge of
 *                 the sim world, or longer if the copy itself takes longer;
 *   chan_recv     a pump thread per channel drains the socket into memory
 *                 (the far end buffers without limit, as in sim), and a
 *                 frame is handed over one link latency after its last byte
 *                 left the sender.
 * Concurrent flows in one direction are served first come, first served
 * rather than max-min fair as in sim; the total time of a set of flows is
 * the same, which is what the engine's multifd rounds wait for.
 *
 * Every blocking channel operation is bounded by the I/O timeout: recv
 * returns -ETIMEDOUT when no frame arrived for that long, -EPIPE when the
 * peer closed the channel at a frame boundary, -EPROTO when the stream was
 * malformed or truncated (rtp_last_error() says how); send returns -EPIPE
 * once the receiving end is gone.  A dead or silent peer never hangs a run.
 *
 * Threading: every entry point may be called from any task.  Objects may be
 * made and freed outside a run; one rt runs one root task at a time.
 */
#ifndef SWITCHOVER_RT_PTHREAD_H
#define SWITCHOVER_RT_PTHREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime.h"

struct rtp_config {
	double bandwidth_Bps;    /* emulated link, each direction; 0: no pacing */
	double latency_s;        /* one-way link latency; >= 0 */
	double io_timeout_s;     /* bound of every blocking channel operation; > 0 */
	uint64_t max_data_bytes; /* largest payload a frame may carry; 0: 256 MiB */
	size_t stack_bytes;      /* task stack size; 0: 256 KiB */
};

/* Default I/O timeout: longer than any silence of a sane migration stream
 * (the source VM stop), short enough that a dead peer is noticed. */
#define RTP_DEFAULT_IO_TIMEOUT_S 10.0

/* Injected faults, for the robustness tests: on the `nth` frame (from 0) of
 * channel `chan` whose kind is `kind` (0: any kind) and, if match_value,
 * whose value is `value`, the sender does this instead of sending it. */
enum rtp_fault_action {
	RTP_FAULT_NONE = 0,
	RTP_FAULT_DISCONNECT,  /* both ends closed: the peer vanished */
	RTP_FAULT_TRUNCATE,    /* header and half the payload, then closed */
	RTP_FAULT_GARBAGE,     /* 32 bytes that are no frame header */
	RTP_FAULT_BAD_VERSION, /* the frame with another transport version */
	RTP_FAULT_STALL,       /* half the header, then silence (a hung peer) */
	RTP_FAULT_CORRUPT,     /* the frame with its middle payload byte flipped */
	RTP_FAULT_SPAWN,       /* spawn fails (as pthread_create with EAGAIN) for the
	                          nth task whose name starts with `chan` */
	RTP_FAULT_PAUSE,       /* the frame is sent `seconds` late, the connection
	                          busy meanwhile (no keepalive): a slow peer */
};

struct rtp_fault {
	enum rtp_fault_action action;
	char chan[32];
	uint32_t kind;
	int match_value;
	uint64_t value;
	unsigned nth;
	double seconds; /* RTP_FAULT_PAUSE */
};

/* A runtime with `cfg` (copied).  NULL on ENOMEM or an invalid config
 * (err says which field). */
struct rt *rtp_new(const struct rtp_config *cfg, char *err, size_t errlen);

/*
 * Run fn(arg) as the root task of a run: now() is 0 when it starts.
 * Returns when it has returned and every task it spawned ended (tasks the
 * engine did not join are joined here).  0, or -EDEADLK when tasks were
 * still running an I/O timeout after the root ended (err names them; the
 * rt must then be leaked, not freed), or -EAGAIN/-ENOMEM when the root
 * thread could not start.
 */
int rtp_run(struct rt *rt, rt_task_fn fn, void *arg, char *err, size_t errlen);

/* CLOCK_MONOTONIC (transport_now) when the last run started: run time 0. */
double rtp_run_start(struct rt *rt);

/* The first channel failure of the rt ("channel 'main': frame of transport
 * version 2, expected 1"), or "" when none.  Reset by rtp_run. */
const char *rtp_last_error(struct rt *rt);

/* The last frame this end sent or read, on the channel of the run's first
 * failure (rtp_last_error) or, if none crossed it, on any channel, and
 * when that failure came: what
 * a caller needs to say in which phase of its protocol a connection was
 * lost.  `any` false: no frame went either way before it. */
struct rtp_frame_seen {
	bool any;
	char chan[32];
	uint32_t kind;
	uint64_t value;
	double error_t; /* run time of the failure (rt's now()) */
};
void rtp_last_error_frame(struct rt *rt, struct rtp_frame_seen *out);

/* The run time at which a channel operation (send, receive) of the last
 * run first returned a failure to its caller, INFINITY if none did: a
 * connection the peer closed once this end no longer used it (after the
 * run, or after this end had failed and stopped talking) fails nothing. */
double rtp_chan_failed_t(struct rt *rt);

/* Two processes: the peer's report of its failure is a frame of `kind`
 * (not 0) read on channel `chan` (the destination's failed report on the
 * source's return path, the source's abort record on the destination's
 * stream).  rtp_report_frame: whether it came in the last run, and in *out
 * the last frame this end sent or read before it (`any` false: none), with
 * error_t the run time at which it came.  Set before a run. */
void rtp_watch_report(struct rt *rt, const char *chan, uint32_t kind);
bool rtp_report_frame(struct rt *rt, struct rtp_frame_seen *out);

/* Arm a fault (NULL or RTP_FAULT_NONE disarms).  Set before a run. */
void rtp_set_fault(struct rt *rt, const struct rtp_fault *f);

/*
 * Two processes: this rt plays `local` only, and its channels are
 * connections to the other process.  Before a run, bind every channel name
 * the engine will make ("main", "return-path", "multifd<i>") to its
 * connected socket; two names may share one socket, one per direction (the
 * return path beside the stream, as in QEMU).  chan_new then makes the
 * sending end when the channel's `from` is `local`, the receiving end
 * otherwise; the link is paced to bandwidth_Bps (0: the network's own) and
 * a frame handed over latency_s after it was read.  The sockets stay the
 * caller's.  rtp_bind_channel returns 0 or -ENOSPC (names up to 31 bytes,
 * 67 of them).
 */
void rtp_set_remote(struct rt *rt, enum rt_side local);
int rtp_bind_channel(struct rt *rt, const char *name, int fd);

/* Free an rt between runs.  NULL is allowed. */
void rtp_free(struct rt *rt);

/*
 * Per-thread CPU accounting, for benchmarks that ask where the real
 * world's CPU goes (bench_agreement --task-cpu).  While on, every thread of
 * the real world (the engine's tasks, the channels' pumps, the emulated
 * devices' data threads) adds its own CPU time (CLOCK_THREAD_CPUTIME_ID)
 * as it ends to its kind: its name with every run of digits replaced by
 * "N" ("vfio-vf12-save" -> "vfio-vfN-save").  Off by default: then a
 * thread's end costs nothing more.
 */
struct rtp_cpu_kind {
	char kind[48];
	unsigned threads;
	double cpu_s;
};
void rtp_cpu_accounting(bool on);
/* Called by a thread as it ends: add its CPU time under `name`'s kind. */
void rtp_cpu_note(const char *name);
/* Add `cpu_s` under `name`'s kind (while on): the same table for CPU time
 * counted elsewhere, such as the sim's tasks' (sim_runtime_cpu_hook). */
void rtp_cpu_add(const char *name, double cpu_s);
/* The kinds accounted since the last call (malloc'd, *n entries, NULL
 * when none), and start again from zero. */
struct rtp_cpu_kind *rtp_cpu_take(size_t *n);

/*
 * CPU per interval of a run, by thread (bench_agreement --window-cpu).
 * While on (rtp_cpu_windows with a function), every thread of the real
 * world registers as it starts (rtp_cpu_begin: the engine's tasks as their
 * side and name, "src root", "dst multifd0"; the channels' pumps on the
 * receiving side, "dst pump-main"; the heartbeat; the emulated devices'
 * "src emu-feeder" and "dst emu-checker" threads) and leaves as it ends
 * (rtp_cpu_end, which rtp_cpu_note calls), charging fn(arg, window, name,
 * cpu_s, ended true) with its CPU since it was last read (its CPU clock,
 * pthread_getcpuclockid) to the window in progress.  rtp_cpu_mark(next)
 * reads the CPU clock of every registered thread, charges each one's CPU
 * since its last read to the window that ends, and starts window `next`, all
 * under one lock, so that every thread's CPU lands in the window it was
 * spent in, threads born or ended inside a window included.  It returns the
 * CPU the calling thread spent reading the clocks (the probe's own cost,
 * charged to nobody: the caller's next charge leaves it out) and the number
 * of threads read.  Off (the default): a thread's start and end cost one
 * atomic load more.  Windows start at 0; turning it on or off resets them.
 * Set it between runs.
 */
typedef void rtp_cpu_charge_fn(void *arg, int window, const char *name, double cpu_s, bool ended);
void rtp_cpu_windows(rtp_cpu_charge_fn *fn, void *arg);
void rtp_cpu_begin(const char *name);
void rtp_cpu_end(void);
double rtp_cpu_mark(int next, unsigned *threads);

#endif
