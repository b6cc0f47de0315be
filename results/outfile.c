/*
 * outfile.c - output files behind a temporary name (see outfile.h).
 */
#include "outfile.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The temporaries this process is writing: a result file, an event log
 * and a plot at most at a time.  Fixed storage, so that a signal handler
 * can walk it. */
enum { OUTFILE_SLOTS = 8, OUTFILE_PATH_MAX = 4352 };
static char slot_path[OUTFILE_SLOTS][OUTFILE_PATH_MAX];
static volatile sig_atomic_t slot_used[OUTFILE_SLOTS];

static const char *kind_of(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "a device node";
	if (S_ISLNK(m))
		return "a symbolic link";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
}

int outfile_check(const char *path, char *err, size_t errlen)
{
	struct stat st;
	if (lstat(path, &st) != 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (S_ISREG(st.st_mode))
		return 0;
	snprintf(err, errlen,
	         "%s: is %s; an output file must be a new name or a regular file, which is "
	         "replaced",
	         path, kind_of(st.st_mode));
	return -1;
}

/* Temporaries of `path` named FILE.tmp-PID whose writer is gone. */
static void remove_stale(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[OUTFILE_PATH_MAX];
	const char *base = slash ? slash + 1 : path;
	if (slash)
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path + 1), path);
	else
		snprintf(dir, sizeof dir, ".");
	DIR *d = opendir(dir);
	if (!d)
		return;
	size_t blen = strlen(base);
	struct dirent *e;
	while ((e = readdir(d))) {
		const char *n = e->d_name;
		if (strncmp(n, base, blen) || strncmp(n + blen, ".tmp-", 5))
			continue;
		char *end;
		long pid = strtol(n + blen + 5, &end, 10);
		if (*end || pid <= 0 || pid == (long)getpid())
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue; /* its writer may still run */
		char full[OUTFILE_PATH_MAX + 256];
		snprintf(full, sizeof full, "%s%s", slash ? dir : "", n);
		unlink(full);
	}
	closedir(d);
}

int outfile_begin(const char *path, char *tmp, size_t tmplen, char *err, size_t errlen)
{
	if (outfile_check(path, err, errlen))
		return -1;
	int n = snprintf(tmp, tmplen, "%s.tmp-%ld", path, (long)getpid());
	if (n < 0 || (size_t)n >= tmplen || (size_t)n >= OUTFILE_PATH_MAX) {
		snprintf(err, errlen, "%.200s...: the file name is too long", path);
		return -1;
	}
	remove_stale(path);
	for (int i = 0; i < OUTFILE_SLOTS; i++)
		if (!slot_used[i]) {
			memcpy(slot_path[i], tmp, (size_t)n + 1);
			slot_used[i] = 1;
			return 0;
		}
	snprintf(err, errlen, "%s: more than %d output files at once", path, OUTFILE_SLOTS);
	return -1;
}

static void forget(const char *tmp)
{
	for (int i = 0; i < OUTFILE_SLOTS; i++)
		if (slot_used[i] && !strcmp(slot_path[i], tmp))
			slot_used[i] = 0;
}

void outfile_discard(const char *tmp)
{
	unlink(tmp);
	forget(tmp);
}

int outfile_commit(const char *tmp, const char *path, char *err, size_t errlen)
{
	if (outfile_check(path, err, errlen)) {
		outfile_discard(tmp);
		return -1;
	}
	if (rename(tmp, path) != 0) {
		snprintf(err, errlen, "%s: cannot rename %s into place: %s", path, tmp,
		         strerror(errno));
		outfile_discard(tmp);
		return -1;
	}
	forget(tmp);
	return 0;
}

void outfile_unlink_registered(void)
{
	for (int i = 0; i < OUTFILE_SLOTS; i++)
		if (slot_used[i])
			unlink(slot_path[i]);
}
