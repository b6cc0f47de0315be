/*
 * input_file.h - read a whole input file (scenario, study, host profile,
 * QEMU log) without ever blocking on it: opened O_NONBLOCK, so a FIFO with
 * no writer is refused instead of waited for, and anything but a regular
 * file (a FIFO, /dev/zero, a directory) is refused with what it is.
 */
#ifndef SWITCHOVER_INPUT_FILE_H
#define SWITCHOVER_INPUT_FILE_H

#include <stddef.h>

/*
 * The contents of `path`, NUL-terminated, in *text (free with g_free) and
 * its length in *len.  `max_bytes`: a larger file is refused (0: no limit).
 * Returns 0, or -1 with "PATH: reason" in err.
 */
int input_file_read(const char *path, size_t max_bytes, char **text, size_t *len, char *err,
                    size_t errlen);

#endif
