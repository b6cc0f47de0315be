/*
 * transport.c - frame and hello encoding, and socket I/O bounded by
 * deadlines (see transport.h for the format).
 *
 * Every send and recv is non-blocking (MSG_DONTWAIT) behind a poll() with
 * the time left, so no call outlives its deadline whatever the peer does,
 * and MSG_NOSIGNAL turns a vanished peer into -EPIPE instead of SIGPIPE
 * (library code must not kill the process or touch its signal handlers).
 */
#include "transport.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

static const uint8_t frame_magic[2] = {'S', 'O'};
static const uint8_t hello_magic[8] = {'S', 'W', 'O', 'V', 'H', 'E', 'L', 'O'};

double transport_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v = 0;
	for (int i = 3; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

__attribute__((format(printf, 4, 5))) static int fail(char *err, size_t errlen, int rc,
                                                      const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* ---- frames ---------------------------------------------------------- */

void transport_encode_hdr(uint8_t out[TRANSPORT_HDR_BYTES], const struct rt_frame *f,
                          uint8_t version)
{
	memset(out, 0, TRANSPORT_HDR_BYTES);
	memcpy(out, frame_magic, sizeof frame_magic);
	out[2] = version;
	out[3] = !f->data && f->bytes ? TRANSPORT_F_FILLER : 0;
	put32(out + 4, f->kind);
	put32(out + 8, (uint32_t)f->device);
	put64(out + 16, f->value);
	put64(out + 24, f->bytes);
}

int transport_decode_hdr(const uint8_t in[TRANSPORT_HDR_BYTES], uint64_t max_data_bytes,
                         struct transport_hdr *h, char *err, size_t errlen)
{
	if (memcmp(in, frame_magic, sizeof frame_magic))
		return fail(err, errlen, -EPROTO,
		            "malformed frame: magic %02x %02x, expected 'S' 'O' (the stream is "
		            "out of step or not from switchover)",
		            in[0], in[1]);
	h->version = in[2];
	if (h->version != TRANSPORT_VERSION)
		return fail(err, errlen, -EPROTO, "frame of transport version %u, expected %u",
		            h->version, TRANSPORT_VERSION);
	h->flags = in[3];
	if ((h->flags & ~(TRANSPORT_F_FILLER | TRANSPORT_F_KEEPALIVE)) ||
	    h->flags == (TRANSPORT_F_FILLER | TRANSPORT_F_KEEPALIVE))
		return fail(err, errlen, -EPROTO, "malformed frame: unknown flags 0x%02x",
		            h->flags);
	if (get32(in + 12))
		return fail(err, errlen, -EPROTO, "malformed frame: reserved bytes not zero");
	h->kind = get32(in + 4);
	h->device = (int32_t)get32(in + 8);
	h->value = get64(in + 16);
	h->bytes = get64(in + 24);
	uint64_t max = h->flags & TRANSPORT_F_FILLER      ? TRANSPORT_MAX_FILLER_BYTES
	               : h->flags & TRANSPORT_F_KEEPALIVE ? 0
	                                                  : max_data_bytes;
	if (h->bytes > max)
		return fail(err, errlen, -EPROTO,
		            "malformed frame: payload of %" PRIu64 " bytes, at most %" PRIu64
		            " allowed",
		            h->bytes, max);
	return 0;
}

/* ---- I/O with deadlines ---------------------------------------------- */

/* poll() for `events` until `deadline`; 0 when ready, -ETIMEDOUT, -errno. */
static int wait_for(int fd, short events, double deadline)
{
	for (;;) {
		int ms = -1;
		if (isfinite(deadline)) {
			double left = deadline - transport_now();
			if (left <= 0)
				return -ETIMEDOUT;
			ms = left > 3600 ? 3600000 : (int)ceil(left * 1e3);
		}
		struct pollfd p = {.fd = fd, .events = events};
		int n = poll(&p, 1, ms);
		if (n > 0)
			return (p.revents & POLLNVAL) ? -EBADF : 0;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

void transport_grow_send_buffer(int fd)
{
	int bytes = 4 << 20;
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes);
}

int transport_wait_readable(int fd, double deadline)
{
	return wait_for(fd, POLLIN, deadline);
}

int transport_write_full(int fd, const void *buf, size_t len, double deadline)
{
	const uint8_t *p = buf;
	while (len) {
		ssize_t n = send(fd, p, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
			return -EPIPE;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		int rc = wait_for(fd, POLLOUT, deadline);
		if (rc)
			return rc;
	}
	return 0;
}

int transport_write_filler(int fd, uint64_t len, double deadline)
{
	static const uint8_t zeros[65536];
	while (len) {
		size_t n = len < sizeof zeros ? (size_t)len : sizeof zeros;
		int rc = transport_write_full(fd, zeros, n, deadline);
		if (rc)
			return rc;
		len -= n;
	}
	return 0;
}

/* Read exactly `len` bytes; *done says how many came before an error. */
static int read_some(int fd, void *buf, uint64_t len, double deadline, uint64_t *done)
{
	uint8_t scratch[32768]; /* filler is discarded through this */
	uint8_t *p = buf;
	*done = 0;
	while (*done < len) {
		uint64_t want = len - *done;
		void *dst = p ? p + *done : scratch;
		if (!p && want > sizeof scratch)
			want = sizeof scratch;
		ssize_t n = recv(fd, dst, (size_t)want, MSG_DONTWAIT);
		if (n > 0) {
			*done += (uint64_t)n;
			continue;
		}
		if (n == 0)
			return *done ? -EPROTO : -EPIPE;
		if (errno == EINTR)
			continue;
		if (errno == ECONNRESET)
			return *done ? -EPROTO : -EPIPE;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		int rc = wait_for(fd, POLLIN, deadline);
		if (rc)
			return rc;
	}
	return 0;
}

int transport_read_full(int fd, void *buf, uint64_t len, double deadline)
{
	uint64_t done;
	return read_some(fd, buf, len, deadline, &done);
}

int transport_send_frame(int fd, const struct rt_frame *f, uint8_t version, double deadline,
                         char *err, size_t errlen)
{
	uint8_t hdr[TRANSPORT_HDR_BYTES];
	transport_encode_hdr(hdr, f, version);
	int rc = transport_write_full(fd, hdr, sizeof hdr, deadline);
	if (!rc && f->bytes)
		rc = f->data ? transport_write_full(fd, f->data, (size_t)f->bytes, deadline)
		             : transport_write_filler(fd, f->bytes, deadline);
	if (rc)
		return fail(err, errlen, rc, "sending a frame of %" PRIu64 " bytes: %s", f->bytes,
		            rc == -EPIPE ? "the peer closed the connection" : strerror(-rc));
	return 0;
}

int transport_send_keepalive(int fd, double deadline)
{
	uint8_t hdr[TRANSPORT_HDR_BYTES];
	struct rt_frame none = {0, -1, 0, 0, NULL};
	transport_encode_hdr(hdr, &none, TRANSPORT_VERSION);
	hdr[3] = TRANSPORT_F_KEEPALIVE;
	return transport_write_full(fd, hdr, sizeof hdr, deadline);
}

int transport_recv_frame(int fd, uint64_t max_data_bytes, double deadline, double io_timeout_s,
                         struct rt_frame *f, void **payload, char *err, size_t errlen)
{
	uint8_t raw[TRANSPORT_HDR_BYTES];
	struct transport_hdr h;
	uint64_t got;
	*payload = NULL;
	int rc = read_some(fd, raw, sizeof raw, deadline, &got);
	if (rc == -EPROTO)
		return fail(err, errlen, rc, "truncated frame: the peer closed inside a header");
	if (rc == -EPIPE)
		return fail(err, errlen, rc, "the peer closed the connection");
	if (rc == -ETIMEDOUT && got)
		return fail(err, errlen, rc,
		            "the peer stalled inside a frame header (%" PRIu64
		            " of %u bytes) past the deadline",
		            got, TRANSPORT_HDR_BYTES);
	if (rc == -ETIMEDOUT)
		return fail(err, errlen, rc, "no frame before the deadline");
	if (rc)
		return fail(err, errlen, rc, "receiving a frame header: %s", strerror(-rc));
	if ((rc = transport_decode_hdr(raw, max_data_bytes, &h, err, errlen)))
		return rc;
	if (h.flags & TRANSPORT_F_KEEPALIVE)
		return 1;
	bool filler = h.flags & TRANSPORT_F_FILLER;
	if (h.bytes && !filler && !(*payload = malloc((size_t)h.bytes)))
		return fail(err, errlen, -ENOMEM, "no memory for a frame of %" PRIu64 " bytes",
		            h.bytes);
	rc = transport_read_full(fd, *payload, h.bytes, transport_now() + io_timeout_s);
	if (rc) {
		free(*payload);
		*payload = NULL;
		if (rc == -EPROTO || rc == -EPIPE)
			return fail(err, errlen, -EPROTO,
			            "truncated frame: the peer closed inside a payload of %" PRIu64
			            " bytes",
			            h.bytes);
		if (rc == -ETIMEDOUT)
			return fail(err, errlen, rc,
			            "the peer stalled inside a payload of %" PRIu64
			            " bytes for the I/O timeout (%.3g s)",
			            h.bytes, io_timeout_s);
		return fail(err, errlen, rc, "receiving a payload: %s", strerror(-rc));
	}
	*f = (struct rt_frame){h.kind, h.device, h.value, h.bytes, *payload};
	return 0;
}

/* ---- hello ------------------------------------------------------------ */

void transport_encode_hello(uint8_t out[TRANSPORT_HELLO_BYTES], const struct transport_hello *h)
{
	memset(out, 0, TRANSPORT_HELLO_BYTES);
	memcpy(out, hello_magic, sizeof hello_magic);
	out[8] = h->version;
	out[9] = h->role;
	out[10] = h->ack_mode;
	out[11] = h->channel;
	put64(out + 16, h->scenario_hash);
}

int transport_decode_hello(const uint8_t in[TRANSPORT_HELLO_BYTES], struct transport_hello *h,
                           char *err, size_t errlen)
{
	if (memcmp(in, hello_magic, sizeof hello_magic) || get32(in + 12))
		return fail(err, errlen, -EPROTO,
		            "the peer did not start with a switchover hello (another program "
		            "on that port?)");
	*h = (struct transport_hello){in[8], in[9], in[10], in[11], get64(in + 16)};
	return 0;
}

int transport_check_hello(const struct transport_hello *mine, const struct transport_hello *peer,
                          char *err, size_t errlen)
{
	if (peer->version != mine->version)
		return fail(err, errlen, -EPROTO,
		            "the peer speaks transport version %u, this side version %u: run "
		            "the same switchover on both ends",
		            peer->version, mine->version);
	if (peer->scenario_hash != mine->scenario_hash)
		return fail(err, errlen, -EPROTO,
		            "the peer runs another scenario (hash %016" PRIx64 ", here %016" PRIx64
		            "): give both ends the same file and --set options",
		            peer->scenario_hash, mine->scenario_hash);
	if (peer->ack_mode != mine->ack_mode)
		return fail(err, errlen, -EPROTO,
		            "switchover-ack mode differs: peer %u, here %u (both ends must agree)",
		            peer->ack_mode, mine->ack_mode);
	if (peer->role == mine->role)
		return fail(err, errlen, -EPROTO, "both ends play the %s",
		            mine->role == RT_SIDE_SRC ? "source" : "destination");
	if (peer->channel != mine->channel)
		return fail(err, errlen, -EPROTO,
		            "the peer opened channel %u where %u was expected", peer->channel,
		            mine->channel);
	return 0;
}

int transport_handshake(int fd, const struct transport_hello *mine, struct transport_hello *peer,
                        double deadline, char *err, size_t errlen)
{
	uint8_t buf[TRANSPORT_HELLO_BYTES];
	transport_encode_hello(buf, mine);
	int rc = transport_write_full(fd, buf, sizeof buf, deadline);
	if (rc)
		return fail(err, errlen, rc, "sending the hello: %s",
		            rc == -EPIPE ? "the peer closed the connection" : strerror(-rc));
	rc = transport_read_full(fd, buf, sizeof buf, deadline);
	if (rc == -EPROTO || rc == -EPIPE)
		return fail(err, errlen, -EPROTO,
		            "the peer closed the connection during the hello");
	if (rc)
		return fail(err, errlen, rc, "waiting for the peer's hello: %s", strerror(-rc));
	if ((rc = transport_decode_hello(buf, peer, err, errlen)))
		return rc;
	return transport_check_hello(mine, peer, err, errlen);
}

uint64_t transport_hash(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t h = UINT64_C(1469598103934665603);
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * UINT64_C(1099511628211);
	return h;
}
