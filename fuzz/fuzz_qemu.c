/*
 * fuzz_qemu.c - fuzz target: the QEMU log importer (`switchover import
 * qemu`).  The input is up to four NUL-separated parts, as the command
 * takes them: the source log, the destination log, a QMP events file
 * (JSON lines) and a query-migrate answer; an empty or missing part is
 * not given.  The parity of the input's length picks the clock mode.
 * Each part is kept in memory (memfd) and read through its /proc path.
 * Imported, or refused with a message; never a crash, leak or hang.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "qemu_log.h"

#define PARTS 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd[PARTS] = {-1, -1, -1, -1};
	char path[PARTS][64];
	const char *arg[PARTS] = {0};
	const uint8_t *p = data, *end = data + size;
	for (int i = 0; i < PARTS; i++) {
		const uint8_t *nul = i < PARTS - 1 ? memchr(p, 0, (size_t)(end - p)) : NULL;
		size_t len = (size_t)((nul ? nul : end) - p);
		/* the source log is always given, even empty */
		if (i == 0 || len) {
			if ((fd[i] = fuzz_memfd(p, len, path[i])) < 0)
				goto out;
			arg[i] = path[i];
		}
		if (!nul) {
			p = end;
			break;
		}
		p = nul + 1;
	}
	struct qemu_import im;
	char err[1024] = "";
	enum qemu_import_clock clock = size & 1 ? QEMU_IMPORT_CLOCK_SAME : QEMU_IMPORT_CLOCK_ALIGN;
	int rc = qemu_import_logs(arg[0], arg[1], clock, &im, err, sizeof err);
	if (!rc && arg[2])
		rc = qemu_import_events(&im, arg[2], NULL, err, sizeof err);
	if (!rc && arg[3])
		rc = qemu_import_query_migrate(&im, arg[3], err, sizeof err);
	if (!rc)
		rc = qemu_import_device_times(&im, NULL, err, sizeof err);
	if (rc && !err[0])
		abort(); /* refused without a message */
	qemu_import_free(&im);
out:
	for (int i = 0; i < PARTS; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	return 0;
}
