/*
 * test_transport.c - the real world's wire format and deadline-bounded I/O:
 * every header field survives a round trip; every kind of malformed,
 * truncated or mismatching input is -EPROTO with a message saying what was
 * wrong, never a crash, a huge allocation or a hang; a silent peer is
 * -ETIMEDOUT within the deadline; random bytes never decode to anything but
 * a checked header or an error.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_util.h"
#include "trace.h"
#include "transport.h"

#define MiB (UINT64_C(1) << 20)

static void pair(int fds[2])
{
	CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
}

static void close_pair(int fds[2])
{
	close(fds[0]);
	close(fds[1]);
}

static void encoded(uint8_t hdr[TRANSPORT_HDR_BYTES], uint64_t bytes, void *data)
{
	struct rt_frame f = {7, -3, UINT64_C(0x0123456789abcdef), bytes, data};
	transport_encode_hdr(hdr, &f, TRANSPORT_VERSION);
}

static void test_header_round_trip(void)
{
	char data[5] = "abcd";
	uint8_t hdr[TRANSPORT_HDR_BYTES];
	struct transport_hdr h;
	char err[200];
	encoded(hdr, sizeof data, data);
	CU_ASSERT_EQUAL(transport_decode_hdr(hdr, 64, &h, err, sizeof err), 0);
	CU_ASSERT_EQUAL(h.kind, 7);
	CU_ASSERT_EQUAL(h.device, -3);
	CU_ASSERT_EQUAL(h.value, UINT64_C(0x0123456789abcdef));
	CU_ASSERT_EQUAL(h.bytes, sizeof data);
	CU_ASSERT_EQUAL(h.flags, 0);
	CU_ASSERT_EQUAL(h.version, TRANSPORT_VERSION);
	/* No buffer but a size: filler, exempt from the data limit. */
	encoded(hdr, 100 * MiB, NULL);
	CU_ASSERT_EQUAL(transport_decode_hdr(hdr, 64, &h, err, sizeof err), 0);
	CU_ASSERT_EQUAL(h.flags, TRANSPORT_F_FILLER);
	CU_ASSERT_EQUAL(h.bytes, 100 * MiB);
}

/* Decode `hdr` and expect -EPROTO with `what` in the message. */
static void expect_bad(const uint8_t *hdr, uint64_t max, const char *what)
{
	struct transport_hdr h;
	char err[200] = "";
	CU_ASSERT_EQUAL(transport_decode_hdr(hdr, max, &h, err, sizeof err), -EPROTO);
	if (!strstr(err, what))
		fprintf(stderr, "message '%s' lacks '%s'\n", err, what);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, what));
}

static void test_malformed_headers(void)
{
	uint8_t hdr[TRANSPORT_HDR_BYTES];
	char data[8];
	encoded(hdr, sizeof data, data);
	hdr[0] = 'X';
	expect_bad(hdr, 64, "magic");
	encoded(hdr, sizeof data, data);
	hdr[2] = TRANSPORT_VERSION + 1;
	expect_bad(hdr, 64, "version 3, expected 2");
	encoded(hdr, sizeof data, data);
	hdr[3] = 0x80;
	expect_bad(hdr, 64, "unknown flags");
	encoded(hdr, sizeof data, data);
	hdr[13] = 1;
	expect_bad(hdr, 64, "reserved");
	/* A length beyond the receiver's limit is refused before any allocation. */
	encoded(hdr, UINT64_MAX, data);
	expect_bad(hdr, 64, "at most 64");
	encoded(hdr, UINT64_MAX, NULL);
	expect_bad(hdr, 64, "payload of");
}

static void test_random_bytes_never_crash(void)
{
	srand(42);
	unsigned ok = 0;
	for (int i = 0; i < 200000; i++) {
		uint8_t hdr[TRANSPORT_HDR_BYTES];
		for (size_t k = 0; k < sizeof hdr; k++)
			hdr[k] = (uint8_t)rand();
		/* Mostly right magic and version, so the later checks are reached. */
		if (i % 4) {
			hdr[0] = 'S';
			hdr[1] = 'O';
			hdr[2] = TRANSPORT_VERSION;
		}
		if (i % 8 == 1)
			hdr[3] &= TRANSPORT_F_FILLER;
		if (i % 16 == 1)
			memset(hdr + 12, 0, 4);
		struct transport_hdr h;
		int rc = transport_decode_hdr(hdr, MiB, &h, NULL, 0);
		CU_ASSERT(rc == 0 || rc == -EPROTO);
		if (rc == 0) {
			ok++;
			CU_ASSERT(
			    h.bytes <=
			    ((h.flags & TRANSPORT_F_FILLER) ? TRANSPORT_MAX_FILLER_BYTES : MiB));
		}
	}
	CU_ASSERT(ok > 0); /* the loop reached the accepting path too */
}

/* ---- frames over a socket ---- */

struct sender {
	int fd;
	struct rt_frame f;
	int rc;
};

static void *send_main(void *arg)
{
	struct sender *s = arg;
	s->rc = transport_send_frame(s->fd, &s->f, TRANSPORT_VERSION, transport_now() + TEST_HANG_S,
	                             NULL, 0);
	return NULL;
}

static void test_frames_over_socket(void)
{
	int fds[2];
	pair(fds);
	/* Larger than the socket buffer: the sender needs the reader. */
	uint64_t n = 3 * MiB;
	uint8_t *buf = malloc(n);
	CU_ASSERT_FATAL(buf != NULL);
	for (uint64_t i = 0; i < n; i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	struct sender s = {fds[0], {3, 5, 9, n, buf}, -1};
	pthread_t th;
	CU_ASSERT_FATAL(pthread_create(&th, NULL, send_main, &s) == 0);
	struct rt_frame f;
	void *payload;
	char err[200];
	int rc = transport_recv_frame(fds[1], MiB * 4, transport_now() + TEST_HANG_S, TEST_HANG_S,
	                              &f, &payload, err, sizeof err);
	pthread_join(th, NULL);
	CU_ASSERT_EQUAL(s.rc, 0);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL(f.kind, 3);
	CU_ASSERT_EQUAL(f.device, 5);
	CU_ASSERT_EQUAL(f.value, 9);
	CU_ASSERT_EQUAL(f.bytes, n);
	CU_ASSERT(f.data == payload && memcmp(payload, buf, n) == 0);
	free(payload);

	/* Filler: as many bytes on the wire, delivered without a buffer. */
	s.f = (struct rt_frame){4, -1, 0, n, NULL};
	CU_ASSERT_FATAL(pthread_create(&th, NULL, send_main, &s) == 0);
	rc = transport_recv_frame(fds[1], 16, transport_now() + TEST_HANG_S, TEST_HANG_S, &f,
	                          &payload, err, sizeof err);
	pthread_join(th, NULL);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(f.bytes, n);
	CU_ASSERT_PTR_NULL(f.data);
	CU_ASSERT_PTR_NULL(payload);
	free(buf);
	close_pair(fds);
}

/* Write `len` bytes of `bytes` then close the writing end; receive. */
static int recv_after(const void *bytes, size_t len, char *err, size_t errlen)
{
	int fds[2];
	pair(fds);
	if (len)
		CU_ASSERT_EQUAL(
		    transport_write_full(fds[0], bytes, len, transport_now() + TEST_HANG_S), 0);
	close(fds[0]);
	struct rt_frame f;
	void *payload;
	int rc = transport_recv_frame(fds[1], MiB, transport_now() + TEST_HANG_S, TEST_HANG_S, &f,
	                              &payload, err, errlen);
	CU_ASSERT_PTR_NULL(payload);
	close(fds[1]);
	return rc;
}

static void test_truncated_stream(void)
{
	uint8_t frame[TRANSPORT_HDR_BYTES + 100];
	uint8_t data[100] = {0};
	encoded(frame, sizeof data, data);
	memcpy(frame + TRANSPORT_HDR_BYTES, data, sizeof data);
	char err[200];
	/* Closed at a frame boundary: the peer left, not a protocol error. */
	CU_ASSERT_EQUAL(recv_after(frame, 0, err, sizeof err), -EPIPE);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "closed the connection"));
	/* Inside the header, inside the payload. */
	CU_ASSERT_EQUAL(recv_after(frame, 10, err, sizeof err), -EPROTO);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "truncated frame"));
	CU_ASSERT_EQUAL(recv_after(frame, TRANSPORT_HDR_BYTES + 50, err, sizeof err), -EPROTO);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "inside a payload of 100 bytes"));
	/* Whole: fine. */
	struct rt_frame f;
	void *payload;
	int fds[2];
	pair(fds);
	CU_ASSERT_EQUAL(
	    transport_write_full(fds[0], frame, sizeof frame, transport_now() + TEST_HANG_S), 0);
	close(fds[0]);
	CU_ASSERT_EQUAL(transport_recv_frame(fds[1], MiB, transport_now() + TEST_HANG_S,
	                                     TEST_HANG_S, &f, &payload, err, sizeof err),
	                0);
	free(payload);
	CU_ASSERT_EQUAL(transport_recv_frame(fds[1], MiB, transport_now() + TEST_HANG_S,
	                                     TEST_HANG_S, &f, &payload, err, sizeof err),
	                -EPIPE);
	close(fds[1]);
}

static void test_version_mismatch_on_the_wire(void)
{
	uint8_t frame[TRANSPORT_HDR_BYTES];
	struct rt_frame fr = {1, 0, 0, 0, NULL};
	transport_encode_hdr(frame, &fr, TRANSPORT_VERSION + 1);
	char err[200];
	CU_ASSERT_EQUAL(recv_after(frame, sizeof frame, err, sizeof err), -EPROTO);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "transport version 3, expected 2"));
}

static void test_silent_peer_times_out(void)
{
	int fds[2];
	pair(fds);
	struct rt_frame f;
	void *payload;
	char err[200];
	double t0 = transport_now();
	CU_ASSERT_EQUAL(
	    transport_recv_frame(fds[1], MiB, t0 + 0.1, 0.1, &f, &payload, err, sizeof err),
	    -ETIMEDOUT);
	double dt = transport_now() - t0;
	CU_ASSERT(dt >= 0.1 && dt < TEST_HANG_S);
	/* A peer that stops inside a payload is dead too. */
	uint8_t frame[TRANSPORT_HDR_BYTES + 10];
	uint8_t data[100] = {0};
	encoded(frame, sizeof data, data);
	CU_ASSERT_EQUAL(
	    transport_write_full(fds[0], frame, sizeof frame, transport_now() + TEST_HANG_S), 0);
	t0 = transport_now();
	CU_ASSERT_EQUAL(
	    transport_recv_frame(fds[1], MiB, t0 + TEST_HANG_S, 0.1, &f, &payload, err, sizeof err),
	    -ETIMEDOUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "stalled"));
	CU_ASSERT(transport_now() - t0 < TEST_HANG_S);
	/* A reader that never reads: the writer gives up at its deadline. */
	uint8_t *big = calloc(1, 8 * MiB);
	t0 = transport_now();
	CU_ASSERT_EQUAL(transport_write_full(fds[0], big, 8 * MiB, t0 + 0.1), -ETIMEDOUT);
	CU_ASSERT(transport_now() - t0 < TEST_HANG_S);
	free(big);
	close_pair(fds);
	/* Writing to a closed peer: -EPIPE, and no SIGPIPE kills the test. */
	pair(fds);
	close(fds[1]);
	CU_ASSERT_EQUAL(
	    transport_write_full(fds[0], frame, sizeof frame, transport_now() + TEST_HANG_S),
	    -EPIPE);
	close(fds[0]);
}

/* ---- hello ---- */

static const struct transport_hello src_hello = {TRANSPORT_VERSION, RT_SIDE_SRC, 2, 0,
                                                 UINT64_C(0xfeedface)};

static void test_hello_checks(void)
{
	uint8_t buf[TRANSPORT_HELLO_BYTES];
	struct transport_hello h, dst = src_hello;
	char err[200];
	dst.role = RT_SIDE_DST;
	transport_encode_hello(buf, &src_hello);
	CU_ASSERT_EQUAL(transport_decode_hello(buf, &h, err, sizeof err), 0);
	CU_ASSERT(h.version == src_hello.version && h.role == src_hello.role &&
	          h.ack_mode == src_hello.ack_mode && h.channel == src_hello.channel &&
	          h.scenario_hash == src_hello.scenario_hash);
	CU_ASSERT_EQUAL(transport_check_hello(&dst, &h, err, sizeof err), 0);

	struct transport_hello p;
	p = src_hello;
	p.version = 9;
	CU_ASSERT_EQUAL(transport_check_hello(&dst, &p, err, sizeof err), -EPROTO);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "transport version 9"));
	p = src_hello;
	p.scenario_hash++;
	CU_ASSERT_EQUAL(transport_check_hello(&dst, &p, err, sizeof err), -EPROTO);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "another scenario"));
	p = src_hello;
	p.ack_mode = 1;
	CU_ASSERT_EQUAL(transport_check_hello(&dst, &p, err, sizeof err), -EPROTO);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "switchover-ack mode differs"));
	CU_ASSERT_EQUAL(transport_check_hello(&src_hello, &src_hello, err, sizeof err), -EPROTO);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "both ends play the source"));
	p = src_hello;
	p.channel = 3;
	CU_ASSERT_EQUAL(transport_check_hello(&dst, &p, err, sizeof err), -EPROTO);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "channel 3"));

	memcpy(buf, "GET / HTTP/1.1\r\nHost: x\r\n", sizeof buf);
	CU_ASSERT_EQUAL(transport_decode_hello(buf, &h, err, sizeof err), -EPROTO);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "did not start with a switchover hello"));
}

struct shaker {
	int fd;
	struct transport_hello mine, peer;
	int rc;
	char err[200];
};

static void *shake_main(void *arg)
{
	struct shaker *s = arg;
	s->rc = transport_handshake(s->fd, &s->mine, &s->peer, transport_now() + TEST_HANG_S,
	                            s->err, sizeof s->err);
	return NULL;
}

static void test_handshake(void)
{
	int fds[2];
	pair(fds);
	struct shaker a = {.fd = fds[0], .mine = src_hello}, b = {.fd = fds[1], .mine = src_hello};
	b.mine.role = RT_SIDE_DST;
	pthread_t th;
	CU_ASSERT_FATAL(pthread_create(&th, NULL, shake_main, &a) == 0);
	shake_main(&b);
	pthread_join(th, NULL);
	CU_ASSERT_EQUAL(a.rc, 0);
	CU_ASSERT_EQUAL(b.rc, 0);
	CU_ASSERT_EQUAL(b.peer.role, RT_SIDE_SRC);
	close_pair(fds);

	/* Mismatched scenario: both ends refuse, each saying why. */
	pair(fds);
	a.fd = fds[0];
	b.fd = fds[1];
	b.mine.scenario_hash = 1;
	CU_ASSERT_FATAL(pthread_create(&th, NULL, shake_main, &a) == 0);
	shake_main(&b);
	pthread_join(th, NULL);
	CU_ASSERT_EQUAL(a.rc, -EPROTO);
	CU_ASSERT_EQUAL(b.rc, -EPROTO);
	CU_ASSERT_PTR_NOT_NULL(strstr(b.err, "another scenario"));
	close_pair(fds);

	/* A peer that never answers, and one that hangs up. */
	pair(fds);
	double t0 = transport_now();
	char err[200];
	struct transport_hello peer;
	CU_ASSERT_EQUAL(transport_handshake(fds[0], &src_hello, &peer, t0 + 0.1, err, sizeof err),
	                -ETIMEDOUT);
	CU_ASSERT(transport_now() - t0 < TEST_HANG_S);
	close(fds[1]);
	CU_ASSERT(transport_handshake(fds[0], &src_hello, &peer, t0 + 1, err, sizeof err) < 0);
	close(fds[0]);
}

static void test_hash(void)
{
	CU_ASSERT_EQUAL(transport_hash("", 0), UINT64_C(1469598103934665603));
	CU_ASSERT_NOT_EQUAL(transport_hash("a: 1\n", 5), transport_hash("a: 2\n", 5));
}

/* ---- traces and addresses (two processes) ---- */

static void *send_trace_main(void *arg)
{
	int *fd = arg;
	struct trace tr;
	trace_init(&tr);
	TRACE_ADD(&tr, .t = 0.5, .task = "migration", .kind = TRACE_VM_STOP);
	TRACE_ADD(&tr, .t = 0.75, .task = "load", .kind = TRACE_ARC_END, .device = 3, .side = 1,
	          .pass = 0, .from = 4, .to = 1, .value = 0.02, .text = "why");
	transport_send_trace(*fd, &tr, 100.0, transport_now() + TEST_HANG_S);
	trace_free(&tr);
	return NULL;
}

static void test_trace_round_trip(void)
{
	int fds[2];
	pair(fds);
	pthread_t th;
	CU_ASSERT_FATAL(pthread_create(&th, NULL, send_trace_main, &fds[0]) == 0);
	struct trace got;
	trace_init(&got);
	char err[200];
	CU_ASSERT_EQUAL(
	    transport_recv_trace(fds[1], 4, &got, transport_now() + TEST_HANG_S, err, sizeof err),
	    0);
	pthread_join(th, NULL);
	CU_ASSERT_EQUAL_FATAL(got.n, 2);
	CU_ASSERT_DOUBLE_EQUAL(got.ev[0].t, 100.5, 1e-12);
	CU_ASSERT_STRING_EQUAL(got.ev[1].task, "load");
	CU_ASSERT_STRING_EQUAL(got.ev[1].text, "why");
	CU_ASSERT_PTR_NULL(got.ev[0].text);
	CU_ASSERT(got.ev[1].device == 3 && got.ev[1].side == 1 && got.ev[1].from == 4 &&
	          got.ev[1].to == 1 && got.ev[1].value == 0.02);
	trace_free(&got);
	/* Garbage instead of a trace: refused, nothing allocated from it. */
	uint8_t junk[24];
	memset(junk, 0xff, sizeof junk);
	CU_ASSERT_EQUAL(
	    transport_write_full(fds[0], junk, sizeof junk, transport_now() + TEST_HANG_S), 0);
	trace_init(&got);
	CU_ASSERT_EQUAL(
	    transport_recv_trace(fds[1], 4, &got, transport_now() + TEST_HANG_S, err, sizeof err),
	    -EPROTO);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "malformed"));
	trace_free(&got);
	close_pair(fds);
}

/* A peer's event whose fields are out of range for its kind is refused,
 * the event named, before a summary indexes by it: a thread-spawn depth
 * below -1 (the summary wrote at a negative index), not a number or past
 * int (undefined cast), a handler's fractional depth, a device past the
 * run's, a side or time that is none, a negative byte count. */
static void test_trace_event_values_checked(void)
{
	static const struct {
		struct trace_event e;
		const char *why;
	} bad[] = {
	    {{.kind = TRACE_THREAD_SPAWN, .device = 0, .value = -100},
	     "event 1: thread-spawn depth -100 out of range -1..32767"},
	    {{.kind = TRACE_THREAD_SPAWN, .device = 0, .value = NAN},
	     "event 1: thread-spawn depth nan out of range"},
	    {{.kind = TRACE_THREAD_SPAWN, .device = 0, .value = 1e300},
	     "event 1: thread-spawn depth 1e+300 out of range"},
	    {{.kind = TRACE_HANDLER_BEGIN, .device = -1, .value = 0.5},
	     "event 1: handler-begin depth 0.5 out of range"},
	    {{.kind = TRACE_ARC_END, .device = 4}, "event 1: arc-end device 4 out of range"},
	    {{.kind = TRACE_ARC_END, .device = -2}, "event 1: arc-end device -2 out of range"},
	    {{.kind = TRACE_VM_STOP, .device = -1, .side = 2}, "event 1: vm-stop side 2"},
	    {{.kind = TRACE_VM_STOP, .device = -1, .pass = 2}, "event 1: vm-stop side 0, pass 2"},
	    {{.kind = TRACE_VM_STOP, .device = -1, .t = INFINITY}, "event 1: vm-stop at time inf"},
	    {{.kind = TRACE_SEND, .device = -1, .value = -1}, "event 1: send of -1 bytes"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int fds[2];
		pair(fds);
		struct trace tr, got;
		trace_init(&tr);
		TRACE_ADD(&tr, .t = 0.5, .kind = TRACE_THREAD_SPAWN, .device = 3, .value = 32767);
		trace_add(&tr, &bad[i].e);
		CU_ASSERT_EQUAL(transport_send_trace(fds[0], &tr, 0, transport_now() + TEST_HANG_S),
		                0);
		trace_free(&tr);
		trace_init(&got);
		char err[200] = "";
		CU_ASSERT_EQUAL(transport_recv_trace(fds[1], 4, &got, transport_now() + TEST_HANG_S,
		                                     err, sizeof err),
		                -EPROTO);
		bool said = strstr(err, bad[i].why) && strstr(err, "the peer's trace is malformed");
		if (!said)
			fprintf(stderr, "case %zu: '%s' does not say '%s'\n", i, err, bad[i].why);
		CU_ASSERT(said);
		trace_free(&got);
		close_pair(fds);
	}
}

/* A header announcing a trace of 768 MiB, then nothing (fuzz_frame found
 * it: the whole size was allocated before a byte came).  In a child whose
 * address space has 256 MiB to spare, the receiver ends on the closed
 * stream, not on the memory. */
static void test_trace_announced_not_allocated(void)
{
	pid_t pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		unsigned long long pages = 0;
		FILE *f = fopen("/proc/self/statm", "r");
		if (!f || fscanf(f, "%llu", &pages) != 1)
			_exit(3);
		fclose(f);
		rlim_t vm = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE);
		struct rlimit rl = {vm + 256 * MiB, vm + 256 * MiB};
		if (setrlimit(RLIMIT_AS, &rl))
			_exit(4);
		int fds[2];
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds))
			_exit(5);
		uint8_t h[24] = {'S', 'W', 'T', 'R', 1};
		h[8] = 1;     /* one event */
		h[19] = 0x30; /* 768 MiB of events */
		if (transport_write_full(fds[0], h, sizeof h, transport_now() + TEST_HANG_S))
			_exit(6);
		close(fds[0]);
		struct trace got;
		trace_init(&got);
		char err[200] = "";
		int rc = transport_recv_trace(fds[1], 4, &got, transport_now() + TEST_HANG_S, err,
		                              sizeof err);
		trace_free(&got);
		close(fds[1]);
		_exit(rc == -EPIPE && strstr(err, "receiving the peer's trace") ? 0 : 1);
	}
	int status;
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void *answer_main(void *arg)
{
	transport_clock_answer(*(int *)arg, transport_now() + TEST_HANG_S);
	return NULL;
}

static void test_addresses(void)
{
	int fd;
	char err[200];
	CU_ASSERT_EQUAL(transport_listen("nohost", &fd, err, sizeof err), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "expected HOST:PORT"));
	CU_ASSERT_EQUAL_FATAL(transport_listen("127.0.0.1:0", &fd, err, sizeof err), 0);
	int port = transport_local_port(fd);
	CU_ASSERT(port > 0);
	char addr[64];
	snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
	int c, a;
	CU_ASSERT_EQUAL(transport_connect(addr, transport_now() + TEST_HANG_S, &c, err, sizeof err),
	                0);
	CU_ASSERT_EQUAL(
	    transport_accept(fd, transport_now() + TEST_HANG_S, &a, NULL, 0, err, sizeof err), 0);
	double offset, rtt;
	pthread_t th;
	CU_ASSERT_FATAL(pthread_create(&th, NULL, answer_main, &a) == 0);
	CU_ASSERT_EQUAL(transport_clock_ask(c, transport_now() + TEST_HANG_S, &offset, &rtt), 0);
	pthread_join(th, NULL);
	/* One clock on both ends: the true offset is 0, and the estimate is
	 * within half the round trip of it. */
	CU_ASSERT(rtt >= 0 && fabs(offset) <= rtt / 2 + 1e-9);
	close(a);
	close(c);
	/* Nobody accepts: accept gives up at its deadline. */
	double t0 = transport_now();
	CU_ASSERT_EQUAL(transport_accept(fd, t0 + 0.1, &a, NULL, 0, err, sizeof err), -ETIMEDOUT);
	CU_ASSERT(transport_now() - t0 < TEST_HANG_S);
	close(fd);
}

void register_tests(void)
{
	TEST_SUITE("transport", TEST(test_header_round_trip), TEST(test_malformed_headers),
	           TEST(test_random_bytes_never_crash), TEST(test_frames_over_socket),
	           TEST(test_truncated_stream), TEST(test_version_mismatch_on_the_wire),
	           TEST(test_silent_peer_times_out), TEST(test_hello_checks), TEST(test_handshake),
	           TEST(test_hash), TEST(test_trace_round_trip),
	           TEST(test_trace_event_values_checked), TEST(test_trace_announced_not_allocated),
	           TEST(test_addresses));
}
