/*
 * fuzz_results.c - fuzz target: a result file as results_read() finds it
 * (damaged, truncated, foreign HDF5 or not HDF5 at all), read whole and as
 * compare reads it (RESULTS_READ_SUMMARY).  The input is
 * kept in memory (memfd) and read through its /proc path, so no file is
 * written.  Read or refused with a message naming the file; never a crash.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"
#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = fuzz_memfd(data, size, path);
	if (fd < 0)
		return 0;
	/* every run's group, and only /summary and /devices (compare's) */
	static const unsigned flags[] = {0, RESULTS_READ_SUMMARY};
	for (size_t k = 0; k < sizeof flags / sizeof *flags; k++) {
		struct results *r = NULL;
		char err[1024] = "";
		if (results_read_flags(path, flags[k], &r, err, sizeof err) == 0)
			results_free(r);
		else if (!err[0])
			abort();
	}
	close(fd);
	return 0;
}
