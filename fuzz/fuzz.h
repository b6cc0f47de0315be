/*
 * fuzz.h - the entry point every fuzz target defines (libFuzzer's), so
 * that one target builds both under libFuzzer (-DSWITCHOVER_FUZZ=ON with
 * clang) and as a plain program that replays a corpus (replay_main.c).
 */
#ifndef SWITCHOVER_FUZZ_H
#define SWITCHOVER_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* For parsers that take a path: `size` bytes of `data` in an in-memory
 * file (memfd, so nothing is written to disk), its /proc path in `path`.
 * Returns the descriptor (close it when done), or -1. */
static inline int fuzz_memfd(const uint8_t *data, size_t size, char path[64])
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return -1;
	}
	snprintf(path, 64, "/proc/self/fd/%d", fd);
	return fd;
}

#endif
