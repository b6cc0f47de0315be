/*
 * input_file.c - whole input files, read without blocking (input_file.h).
 */
#include "input_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

int input_file_read(const char *path, size_t max_bytes, char **text, size_t *len, char *err,
                    size_t errlen)
{
	*text = NULL;
	*len = 0;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st)) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file (a %s)", path,
		         S_ISDIR(st.st_mode)    ? "directory"
		         : S_ISFIFO(st.st_mode) ? "FIFO"
		                                : "device or socket");
		close(fd);
		return -1;
	}
	GByteArray *buf = g_byte_array_new();
	char chunk[65536];
	for (;;) {
		ssize_t got = read(fd, chunk, sizeof chunk);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
			break;
		}
		if (max_bytes && buf->len + (size_t)got > max_bytes) {
			snprintf(err, errlen, "%s: file larger than %zu MiB", path,
			         max_bytes >> 20);
			break;
		}
		if (got == 0) {
			close(fd);
			*len = buf->len;
			g_byte_array_append(buf, (const guint8 *)"", 1);
			*text = (char *)g_byte_array_free(buf, FALSE);
			return 0;
		}
		g_byte_array_append(buf, (const guint8 *)chunk, (guint)got);
	}
	close(fd);
	g_byte_array_free(buf, TRUE);
	return -1;
}
