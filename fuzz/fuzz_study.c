/*
 * fuzz_study.c - fuzz target: a study (sweep) file as study_load_file()
 * reads it (YAML, keys, axis ranges, whole-study checks).  The input is
 * kept in memory (memfd) and read through its /proc path, as the loader
 * takes a path.  A study loads (and its YAML and points can be made),
 * is found to be no study, or is refused with a message; never a crash,
 * leak or hang.
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"
#include "study.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = fuzz_memfd(data, size, path);
	if (fd < 0)
		return 0;
	struct study *st = NULL;
	char err[1024] = "";
	int rc = study_load_file(path, &st, err, sizeof err);
	if (rc == 0) {
		if (!st)
			abort();
		/* what sweep does with a loaded study: number its points
		 * (the first and the last: the numbering is arithmetic) and
		 * keep its YAML in the result file */
		size_t n = study_points(st);
		size_t *idx = g_new0(size_t, st->n_axes + 1);
		size_t sc;
		if (n) {
			study_point(st, 0, &sc, idx);
			study_point(st, n - 1, &sc, idx);
		}
		g_free(idx);
		g_free(study_to_yaml(st));
		study_free(st);
	} else if (rc < 0 && !err[0]) {
		abort(); /* refused without a message */
	}
	close(fd);
	return 0;
}
