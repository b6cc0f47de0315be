/*
 * transport.h - the real world's wire format and blocking I/O with deadlines,
 * over any connected stream socket (a socketpair in one process, TCP
 * between a source and a destination process).
 *
 * A frame is a fixed 32-byte header followed by its payload:
 *
 *   offset size  field
 *    0     2     magic "SO"
 *    2     1     version (TRANSPORT_VERSION)
 *    3     1     flags (TRANSPORT_F_*; unknown bits are an error)
 *    4     4     kind     (struct rt_frame.kind)
 *    8     4     device   (struct rt_frame.device, two's complement)
 *   12     4     reserved, 0
 *   16     8     value    (struct rt_frame.value)
 *   24     8     bytes    (payload length)
 *
 * little-endian.  A frame whose sender had no payload buffer (the engine's
 * RAM records) carries `bytes` filler bytes flagged TRANSPORT_F_FILLER: the
 * transfer is as long as the real one, and the receiver discards them.
 * A keepalive (TRANSPORT_F_KEEPALIVE, no payload, kind 0) says the sender
 * is alive while it has nothing to send: a migration stream may be silent
 * for as long as the source VM stop takes, a return path for the whole
 * precopy, and only a peer that sends nothing at all is dead.
 *
 * A connection starts with a hello in each direction (24 bytes: magic
 * "SWOVHELO", version, role, ACK mode, channel index, reserved, scenario
 * hash); both ends check that they speak the same version, run the same
 * scenario with the same ACK mode and play opposite roles.
 *
 * Every error is a negative errno with a message in `err`: -EPROTO for a
 * malformed, truncated or mismatching stream, -EPIPE when the peer closed
 * the connection at a frame boundary, -ETIMEDOUT when a deadline passed.
 * Nothing here allocates more than the caller's limit, blocks past a
 * deadline, or raises SIGPIPE.
 */
#ifndef SWITCHOVER_TRANSPORT_H
#define SWITCHOVER_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime.h"

#define TRANSPORT_VERSION     2u /* 2: DEVICE_DATA_IMAGE_END in the data hint, MIG_DATA_STOPCOPY above it */
#define TRANSPORT_HDR_BYTES   32u
#define TRANSPORT_HELLO_BYTES 24u
#define TRANSPORT_F_FILLER    0x01u /* payload is filler: discard it, deliver data NULL */
#define TRANSPORT_F_KEEPALIVE 0x02u /* no record: the sender is alive */
/* Filler frames are never buffered, but a length beyond this is garbage. */
#define TRANSPORT_MAX_FILLER_BYTES (UINT64_C(1) << 50)

/* A decoded frame header. */
struct transport_hdr {
	uint32_t kind;
	int32_t device;
	uint64_t value;
	uint64_t bytes;
	uint8_t version;
	uint8_t flags;
};

/* Seconds on CLOCK_MONOTONIC: the clock every deadline below is on. */
double transport_now(void);

/* Encode the header of `f` (filler when f->data is NULL and f->bytes > 0)
 * with `version` (TRANSPORT_VERSION except in tests of a mismatch). */
void transport_encode_hdr(uint8_t out[TRANSPORT_HDR_BYTES], const struct rt_frame *f,
                          uint8_t version);

/*
 * Decode and check a header: magic, version, flags, reserved bytes, and a
 * payload of at most `max_data_bytes` (TRANSPORT_MAX_FILLER_BYTES for
 * filler).  Returns 0 or -EPROTO with what is wrong in err.
 */
int transport_decode_hdr(const uint8_t in[TRANSPORT_HDR_BYTES], uint64_t max_data_bytes,
                         struct transport_hdr *h, char *err, size_t errlen);

/*
 * Write all `len` bytes to the socket by `deadline` (transport_now() time;
 * INFINITY: none).  0, -EPIPE (peer gone), -ETIMEDOUT, or another -errno.
 */
int transport_write_full(int fd, const void *buf, size_t len, double deadline);
/* `len` filler bytes (zeros). */
int transport_write_filler(int fd, uint64_t len, double deadline);

/*
 * Read exactly `len` bytes by `deadline`.  0; -EPIPE when the peer closed
 * before the first byte; -EPROTO when it closed after some (truncated);
 * -ETIMEDOUT; or another -errno.  buf NULL discards the bytes.
 */
int transport_read_full(int fd, void *buf, uint64_t len, double deadline);

/* Let writes to `fd` run up to 4 MiB ahead of its reader (best effort: the
 * kernel caps it at net.core.wmem_max), so a writer of MiB chunks rarely
 * waits for a reader that is keeping up, as with a NIC's queue. */
void transport_grow_send_buffer(int fd);

/* Wait until the socket is readable (data, end of file or error) or
 * `deadline` passed: 0 or -ETIMEDOUT. */
int transport_wait_readable(int fd, double deadline);

/*
 * Send one frame (header and payload, or filler) by `deadline`, encoded
 * with `version`.  Returns as transport_write_full; err says which part.
 */
int transport_send_frame(int fd, const struct rt_frame *f, uint8_t version, double deadline,
                         char *err, size_t errlen);

/* Send a keepalive by `deadline`.  Returns as transport_write_full. */
int transport_send_keepalive(int fd, double deadline);

/*
 * Receive one frame: the header by `deadline`, then its payload within
 * io_timeout_s of the header (a sender that stalls mid-frame is dead).  A
 * payload is malloc'd into *payload (NULL for filler or an empty one; the
 * caller frees it) and f->data points to it.  Returns 0 for a record, 1 for
 * a keepalive (*f unset), or an error as above; a truncated header or
 * payload is -EPROTO.
 */
int transport_recv_frame(int fd, uint64_t max_data_bytes, double deadline, double io_timeout_s,
                         struct rt_frame *f, void **payload, char *err, size_t errlen);

/* One end's hello. */
struct transport_hello {
	uint8_t version;
	uint8_t role;     /* enum rt_side of the sender of the hello */
	uint8_t ack_mode; /* the engine's switchover-ack mode */
	uint8_t channel;  /* 0 the main stream, 1.. the multifd channels */
	uint64_t scenario_hash;
};

void transport_encode_hello(uint8_t out[TRANSPORT_HELLO_BYTES], const struct transport_hello *h);
/* Decode a hello: 0, or -EPROTO when the magic or reserved bytes are wrong
 * (the peer is not a switchover process). */
int transport_decode_hello(const uint8_t in[TRANSPORT_HELLO_BYTES], struct transport_hello *h,
                           char *err, size_t errlen);
/* Check the peer's hello against ours: same version, scenario and ACK mode,
 * the other role, the same channel.  0 or -EPROTO naming the mismatch. */
int transport_check_hello(const struct transport_hello *mine, const struct transport_hello *peer,
                          char *err, size_t errlen);
/* Send ours, read and check the peer's, by `deadline`.  *peer gets the
 * peer's hello when it could be read. */
int transport_handshake(int fd, const struct transport_hello *mine, struct transport_hello *peer,
                        double deadline, char *err, size_t errlen);

/* ---- TCP connections (two processes) ---- */

/* A listening TCP socket on "HOST:PORT" ("[::1]:PORT" for IPv6; PORT 0:
 * any, see transport_local_port).  0 or -errno with a message. */
int transport_listen(const char *addr, int *fd, char *err, size_t errlen);
/* The port a socket is bound to, or -1. */
int transport_local_port(int fd);
/* Connect to "HOST:PORT", trying again while nobody listens yet, until
 * `deadline`.  TCP_NODELAY: records are written whole and small ones (ACKs,
 * flags) must not wait for more.  0 or -errno with a message. */
int transport_connect(const char *addr, double deadline, int *fd, char *err, size_t errlen);
/* Accept one connection by `deadline` (TCP_NODELAY); `peer` gets its
 * "HOST:PORT" (may be NULL).  0, -ETIMEDOUT, -EINTR after
 * transport_request_stop(), or -errno, with a message. */
int transport_accept(int lfd, double deadline, int *fd, char *peer, size_t peerlen, char *err,
                     size_t errlen);
/* Read and decode the hello a connecting source sends first.  -ENOMSG
 * when what came is not a hello (a stray connection: garbage, an HTTP
 * request, nothing at all), with a message saying what it sent; -EINTR
 * after transport_request_stop(). */
int transport_recv_hello(int fd, struct transport_hello *h, double deadline, char *err,
                         size_t errlen);
/* Make every wait of this module (in any thread) return -EINTR from now
 * on, within 200 ms: async-signal-safe, for a SIGINT/SIGTERM handler. */
void transport_request_stop(void);
bool transport_stop_requested(void);

/* ---- after a two-process run ---- */

/*
 * Clock offset to the peer: the caller (`asker`) sends its clock, the peer
 * answers with its own at reception, and *offset_s = peer clock - own
 * clock, to within half the round trip (*rtt_s).  The peer calls
 * transport_clock_answer.  Both return 0 or -errno.
 */
int transport_clock_ask(int fd, double deadline, double *offset_s, double *rtt_s);
int transport_clock_answer(int fd, double deadline);

struct trace;
/* Send every event of `tr`, times shifted by `t_shift_s` (the sender's
 * run start on its own CLOCK_MONOTONIC, so the receiver can place them). */
int transport_send_trace(int fd, const struct trace *tr, double t_shift_s, double deadline);
/* Receive such a trace of a run of n_devices devices into `into`
 * (initialised, empty); each event's time is the sender's absolute clock.
 * Each event's fields are checked for its kind (trace_event_check): a
 * summary indexes by them.  0, -EPROTO (malformed, err names the event),
 * -errno. */
int transport_recv_trace(int fd, size_t n_devices, struct trace *into, double deadline, char *err,
                         size_t errlen);

/* FNV-1a 64 of `len` bytes: the scenario hash of the hello (taken over the
 * resolved scenario text, so equal scenarios hash alike). */
uint64_t transport_hash(const void *data, size_t len);

#endif
