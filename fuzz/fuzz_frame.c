/*
 * fuzz_frame.c - fuzz target: the bytes a peer of a two-process run sends,
 * read as real/transport.c reads them: the hello (decoded and checked
 * against ours), then frames until the stream ends, then, from the same
 * bytes again, a trace.  Every input ends in a record, a keepalive or an
 * error with a message; never a crash, leak or hang.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz.h"
#include "trace.h"
#include "transport.h"

/* A socket whose peer has sent `data` and closed. */
static int stream_of(const uint8_t *data, size_t size)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return -1;
	if (transport_write_full(sv[0], data, size, INFINITY)) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	close(sv[0]);
	return sv[1];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536) /* beyond the socket's buffer the writer would wait */
		return 0;
	char err[512];
	if (size >= TRANSPORT_HELLO_BYTES) {
		struct transport_hello peer, mine = {.version = TRANSPORT_VERSION, .role = 0};
		if (transport_decode_hello(data, &peer, err, sizeof err) == 0)
			transport_check_hello(&mine, &peer, err, sizeof err);
	}
	int fd = stream_of(data, size);
	if (fd < 0)
		return 0;
	for (int i = 0; i < 64; i++) {
		struct rt_frame f;
		void *payload = NULL;
		int rc = transport_recv_frame(fd, 1 << 20, transport_now() + 5, 5, &f, &payload,
		                              err, sizeof err);
		free(payload);
		if (rc < 0)
			break;
	}
	close(fd);
	fd = stream_of(data, size);
	if (fd < 0)
		return 0;
	struct trace tr;
	trace_init(&tr);
	transport_recv_trace(fd, 4, &tr, transport_now() + 5, err, sizeof err);
	trace_free(&tr);
	close(fd);
	return 0;
}
