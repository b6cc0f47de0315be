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
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "trace.h"

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

/* Set from a signal handler; every wait looks at it at least this often,
 * whichever thread the signal interrupted. */
static atomic_int stop_requested; /* lock-free: safe in a signal handler */
#define STOP_CHECK_MS 200

void transport_request_stop(void)
{
	atomic_store(&stop_requested, 1);
}

bool transport_stop_requested(void)
{
	return atomic_load(&stop_requested) != 0;
}

/* poll() for `events` until `deadline`; 0 when ready, -ETIMEDOUT, -EINTR
 * once transport_request_stop() was called, -errno. */
static int wait_for(int fd, short events, double deadline)
{
	for (;;) {
		if (transport_stop_requested())
			return -EINTR;
		int ms = STOP_CHECK_MS;
		if (isfinite(deadline)) {
			double left = deadline - transport_now();
			if (left <= 0)
				return -ETIMEDOUT;
			if (left * 1e3 < STOP_CHECK_MS)
				ms = (int)ceil(left * 1e3);
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

/* Up to 20 bytes of what a stray peer sent, unprintable ones as '.'. */
static void show_bytes(const uint8_t *b, size_t n, char *out, size_t outlen)
{
	size_t k = 0;
	for (size_t i = 0; i < n && i < 20 && k + 1 < outlen; i++)
		out[k++] = b[i] >= 0x20 && b[i] < 0x7f ? (char)b[i] : '.';
	out[k] = '\0';
}

int transport_recv_hello(int fd, struct transport_hello *h, double deadline, char *err,
                         size_t errlen)
{
	uint8_t buf[TRANSPORT_HELLO_BYTES];
	uint64_t got = 0;
	char shown[24];
	int rc = read_some(fd, buf, sizeof buf, deadline, &got);
	show_bytes(buf, (size_t)got, shown, sizeof shown);
	if (rc == -EINTR)
		return fail(err, errlen, rc, "interrupted while waiting for the source's hello");
	if (rc && got == 0)
		return fail(err, errlen, -ENOMSG, "it %s",
		            rc == -ETIMEDOUT ? "sent nothing within the I/O timeout"
		            : rc == -EPIPE   ? "closed the connection without sending anything"
		                             : strerror(-rc));
	if (rc)
		return fail(err, errlen, -ENOMSG, "it sent %" PRIu64 " bytes ('%s') and then %s",
		            got, shown,
		            rc == -ETIMEDOUT ? "nothing more within the I/O timeout"
		                             : "closed the connection");
	if (transport_decode_hello(buf, h, NULL, 0))
		return fail(err, errlen, -ENOMSG, "it sent '%s...', not a switchover hello", shown);
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
		            "): give both ends the same file and the same --set, --runs and "
		            "--seed options",
		            peer->scenario_hash, mine->scenario_hash);
	if (peer->ack_mode != mine->ack_mode)
		return fail(err, errlen, -EPROTO,
		            "switchover-ack mode differs: peer %u, here %u (both ends must agree)",
		            peer->ack_mode, mine->ack_mode);
	if (peer->role == mine->role)
		return fail(err, errlen, -EPROTO, "both ends play the %s",
		            rt_side_name(mine->role));
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

/* ---- TCP connections ------------------------------------------------- */

/* Split "HOST:PORT" or "[V6]:PORT" into host and port. */
static int split_addr(const char *addr, char *host, size_t hostlen, char *port, size_t portlen)
{
	const char *colon = strrchr(addr, ':');
	if (!colon || !colon[1] || (size_t)(colon - addr) >= hostlen ||
	    strlen(colon + 1) >= portlen)
		return -1;
	const char *h = addr;
	size_t n = (size_t)(colon - addr);
	if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
		h++;
		n -= 2;
	}
	memcpy(host, h, n);
	host[n] = '\0';
	snprintf(port, portlen, "%s", colon + 1);
	return 0;
}

static int resolve(const char *addr, bool passive, struct addrinfo **out, char *err, size_t errlen)
{
	char host[256], port[32];
	if (split_addr(addr, host, sizeof host, port, sizeof port))
		return fail(
		    err, errlen, -EINVAL,
		    "address '%s': expected HOST:PORT, such as 127.0.0.1:4444 or [::1]:4444", addr);
	struct addrinfo hints = {.ai_family = AF_UNSPEC,
	                         .ai_socktype = SOCK_STREAM,
	                         .ai_flags = passive ? AI_PASSIVE : 0};
	int rc = getaddrinfo(host[0] ? host : NULL, port, &hints, out);
	if (rc)
		return fail(err, errlen, -EINVAL, "address '%s': %s", addr, gai_strerror(rc));
	return 0;
}

static void no_delay(int fd)
{
	int one = 1;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	transport_grow_send_buffer(fd);
}

int transport_listen(const char *addr, int *fd, char *err, size_t errlen)
{
	struct addrinfo *ai;
	int rc = resolve(addr, true, &ai, err, errlen);
	if (rc)
		return rc;
	rc = -EADDRNOTAVAIL;
	for (struct addrinfo *a = ai; a; a = a->ai_next) {
		int s = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
		if (s < 0) {
			rc = -errno;
			continue;
		}
		int one = 1;
		(void)setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(s, a->ai_addr, a->ai_addrlen) == 0 && listen(s, 16) == 0) {
			*fd = s;
			freeaddrinfo(ai);
			return 0;
		}
		rc = -errno;
		close(s);
	}
	freeaddrinfo(ai);
	return fail(err, errlen, rc, "cannot listen on %s: %s", addr, strerror(-rc));
}

int transport_local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return -1;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return -1;
}

/* One non-blocking connect attempt, bounded by `deadline`. */
static int connect_one(const struct addrinfo *a, double deadline, int *fd)
{
	int s = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
	if (s < 0)
		return -errno;
	int rc = 0;
	if (connect(s, a->ai_addr, a->ai_addrlen) && errno != EINPROGRESS)
		rc = -errno;
	if (!rc && !(rc = wait_for(s, POLLOUT, deadline))) {
		int soerr = 0;
		socklen_t len = sizeof soerr;
		if (getsockopt(s, SOL_SOCKET, SO_ERROR, &soerr, &len))
			rc = -errno;
		else
			rc = -soerr;
	}
	if (rc) {
		close(s);
		return rc;
	}
	no_delay(s);
	*fd = s;
	return 0;
}

int transport_connect(const char *addr, double deadline, int *fd, char *err, size_t errlen)
{
	struct addrinfo *ai;
	int rc = resolve(addr, false, &ai, err, errlen);
	if (rc)
		return rc;
	for (;;) {
		for (struct addrinfo *a = ai; a; a = a->ai_next)
			if ((rc = connect_one(a, deadline, fd)) == 0)
				break;
		/* Nobody listening yet: the destination may still be starting. */
		if (rc != -ECONNREFUSED || transport_now() + 0.05 >= deadline)
			break;
		struct timespec pause = {0, 50 * 1000 * 1000};
		nanosleep(&pause, NULL);
	}
	freeaddrinfo(ai);
	if (rc)
		return fail(err, errlen, rc, "cannot connect to %s: %s", addr,
		            rc == -ETIMEDOUT ? "no answer within the I/O timeout" : strerror(-rc));
	return 0;
}

/* "HOST:PORT" of a socket address, or "?" */
static void addr_name(const struct sockaddr_storage *ss, socklen_t len, char *out, size_t outlen)
{
	char host[NI_MAXHOST], port[NI_MAXSERV];
	if (getnameinfo((const struct sockaddr *)ss, len, host, sizeof host, port, sizeof port,
	                NI_NUMERICHOST | NI_NUMERICSERV))
		snprintf(out, outlen, "?");
	else
		snprintf(out, outlen, ss->ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host, port);
}

int transport_accept(int lfd, double deadline, int *fd, char *peer, size_t peerlen, char *err,
                     size_t errlen)
{
	for (;;) {
		int rc = wait_for(lfd, POLLIN, deadline);
		if (rc == -EINTR)
			return fail(err, errlen, rc, "interrupted while waiting for the source");
		if (rc)
			return fail(err, errlen, rc, "no source connected within the I/O timeout");
		struct sockaddr_storage ss;
		socklen_t len = sizeof ss;
		int s = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
		if (s >= 0) {
			no_delay(s);
			if (peer && peerlen)
				addr_name(&ss, len, peer, peerlen);
			*fd = s;
			return 0;
		}
		if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED)
			return fail(err, errlen, -errno, "accept: %s", strerror(errno));
	}
}

/* ---- clock offset ----------------------------------------------------- */

static const uint8_t clock_magic[8] = {'S', 'W', 'O', 'V', 'C', 'L', 'C', 'K'};

static void put_double(uint8_t *p, double v)
{
	uint64_t u;
	memcpy(&u, &v, sizeof u);
	put64(p, u);
}

static double get_double(const uint8_t *p)
{
	uint64_t u = get64(p);
	double v;
	memcpy(&v, &u, sizeof v);
	return v;
}

int transport_clock_ask(int fd, double deadline, double *offset_s, double *rtt_s)
{
	uint8_t m[16];
	memcpy(m, clock_magic, 8);
	double t1 = transport_now();
	put_double(m + 8, t1);
	int rc = transport_write_full(fd, m, sizeof m, deadline);
	if (!rc)
		rc = transport_read_full(fd, m, sizeof m, deadline);
	if (rc)
		return rc;
	double t4 = transport_now();
	if (memcmp(m, clock_magic, 8))
		return -EPROTO;
	*rtt_s = t4 - t1;
	*offset_s = get_double(m + 8) - (t1 + t4) / 2;
	return 0;
}

int transport_clock_answer(int fd, double deadline)
{
	uint8_t m[16];
	int rc = transport_read_full(fd, m, sizeof m, deadline);
	if (rc)
		return rc;
	if (memcmp(m, clock_magic, 8))
		return -EPROTO;
	put_double(m + 8, transport_now());
	return transport_write_full(fd, m, sizeof m, deadline);
}

/* ---- traces ----------------------------------------------------------- */

static const uint8_t trace_magic[4] = {'S', 'W', 'T', 'R'};
#define TRACE_WIRE_MAX_BYTES (UINT64_C(1) << 30)
/* What is allocated for a trace before its bytes arrive. */
#define TRACE_WIRE_FIRST_BYTES ((size_t)1 << 20)
#define TRACE_WIRE_NULL        0xffffu /* text length of a NULL text */

static size_t str_wire(const char *s)
{
	return 2 + (s ? strlen(s) : 0);
}

static uint8_t *put_str(uint8_t *p, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n > 4096)
		n = 4096;
	uint16_t len = s ? (uint16_t)n : TRACE_WIRE_NULL;
	p[0] = (uint8_t)len;
	p[1] = (uint8_t)(len >> 8);
	memcpy(p + 2, s ? s : "", n);
	return p + 2 + n;
}

#define EVENT_FIXED 28 /* t 8, device 4, kind 2, side/pass/from/to 4, value 8, pad 2 */

int transport_send_trace(int fd, const struct trace *tr, double t_shift_s, double deadline)
{
	uint64_t bytes = 0;
	for (size_t k = 0; k < tr->n; k++)
		bytes += EVENT_FIXED + str_wire(tr->ev[k].task) + str_wire(tr->ev[k].text);
	uint8_t *buf = malloc((size_t)bytes + 24);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, trace_magic, 4);
	put32(buf + 4, 1);
	put64(buf + 8, tr->n);
	put64(buf + 16, bytes);
	uint8_t *p = buf + 24;
	for (size_t k = 0; k < tr->n; k++) {
		const struct trace_event *e = &tr->ev[k];
		put_double(p, e->t + t_shift_s);
		put32(p + 8, (uint32_t)e->device);
		p[12] = (uint8_t)e->kind;
		p[13] = (uint8_t)(e->kind >> 8);
		p[14] = (uint8_t)e->side;
		p[15] = (uint8_t)e->pass;
		p[16] = (uint8_t)e->from;
		p[17] = (uint8_t)e->to;
		put_double(p + 18, e->value);
		p[26] = p[27] = 0;
		p = put_str(put_str(p + EVENT_FIXED, e->task), e->text);
	}
	int rc = transport_write_full(fd, buf, (size_t)(p - buf), deadline);
	free(buf);
	return rc;
}

/* A string of the trace wire at *p (bounded by end) into buf: 0 or -1. */
static int get_str(const uint8_t **p, const uint8_t *end, char *buf, size_t buflen, bool *null)
{
	if (end - *p < 2)
		return -1;
	uint16_t len = (uint16_t)((*p)[0] | (*p)[1] << 8);
	*p += 2;
	*null = len == TRACE_WIRE_NULL;
	if (*null)
		len = 0;
	if (len >= buflen || end - *p < len)
		return -1;
	memcpy(buf, *p, len);
	buf[len] = '\0';
	*p += len;
	return 0;
}

int transport_recv_trace(int fd, size_t n_devices, struct trace *into, double deadline, char *err,
                         size_t errlen)
{
	uint8_t h[24];
	int rc = transport_read_full(fd, h, sizeof h, deadline);
	if (rc)
		return fail(err, errlen, rc, "receiving the peer's trace: %s",
		            rc == -EPIPE ? "the peer closed the connection" : strerror(-rc));
	uint64_t n = get64(h + 8), bytes = get64(h + 16);
	if (memcmp(h, trace_magic, 4) || get32(h + 4) != 1 || bytes > TRACE_WIRE_MAX_BYTES ||
	    n > bytes / EVENT_FIXED + 1)
		return fail(err, errlen, -EPROTO, "the peer's trace is malformed (header)");
	/* The buffer grows with the bytes that arrive (1 MiB, then doubling):
	 * a header announcing up to 1 GiB must not make this end allocate it
	 * before the peer sends a byte (fuzz_frame: a 25-byte input took
	 * 700 MiB). */
	size_t cap = bytes < TRACE_WIRE_FIRST_BYTES ? (size_t)bytes : TRACE_WIRE_FIRST_BYTES;
	size_t got = 0;
	uint8_t *buf = malloc(cap + 1);
	if (!buf)
		return fail(err, errlen, -ENOMEM, "no memory for the peer's trace");
	while (!rc && got < bytes) {
		if (got == cap) {
			size_t more = cap * 2 < bytes ? cap * 2 : (size_t)bytes;
			uint8_t *grown = realloc(buf, more + 1);
			if (!grown) {
				free(buf);
				return fail(err, errlen, -ENOMEM, "no memory for the peer's trace");
			}
			buf = grown;
			cap = more;
		}
		rc = transport_read_full(fd, buf + got, cap - got, deadline);
		if (!rc)
			got = cap;
	}
	const uint8_t *p = buf, *end = buf + bytes;
	char why[200] = "";
	uint64_t k = 0;
	for (; !rc && k < n; k++) {
		char task[4097], text[4097];
		bool task_null, text_null;
		if (end - p < EVENT_FIXED) {
			rc = -EPROTO;
			break;
		}
		struct trace_event e = {
		    .t = get_double(p),
		    .device = (int32_t)get32(p + 8),
		    .kind = (uint16_t)(p[12] | p[13] << 8),
		    .side = (int8_t)p[14],
		    .pass = (int8_t)p[15],
		    .from = (int8_t)p[16],
		    .to = (int8_t)p[17],
		    .value = get_double(p + 18),
		};
		p += EVENT_FIXED;
		if (get_str(&p, end, task, sizeof task, &task_null) ||
		    get_str(&p, end, text, sizeof text, &text_null) || e.kind >= TRACE_KIND_COUNT) {
			rc = -EPROTO;
			break;
		}
		e.task = task_null ? NULL : task;
		e.text = text_null ? NULL : text;
		if (trace_event_check(&e, n_devices, why, sizeof why)) {
			rc = -EPROTO;
			break;
		}
		trace_add(into, &e);
	}
	free(buf);
	if (why[0])
		return fail(err, errlen, rc, "the peer's trace is malformed: event %" PRIu64 ": %s",
		            k, why);
	if (rc)
		return fail(err, errlen, rc, "receiving the peer's trace: %s",
		            rc == -EPROTO ? "malformed" : strerror(-rc));
	return into->oom ? fail(err, errlen, -ENOMEM, "no memory for the peer's trace") : 0;
}

uint64_t transport_hash(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t h = UINT64_C(1469598103934665603);
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * UINT64_C(1099511628211);
	return h;
}
