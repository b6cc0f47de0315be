/*
 * outfile.h - output files written so that no crash, full disk or signal
 * leaves a damaged file under a final name: the data goes to a temporary
 * beside it (FILE.tmp-PID, recognisable by name and by the PID of its
 * writer), which is renamed over the final name only when complete, and
 * only when that name is new or a regular file (never a device node, FIFO,
 * symlink or directory).
 */
#ifndef SWITCHOVER_OUTFILE_H
#define SWITCHOVER_OUTFILE_H

#include <stddef.h>

/* 0 when `path` may become an output file: it does not exist or is a
 * regular file.  Else -1 with "PATH: is a FIFO; ..." in err. */
int outfile_check(const char *path, char *err, size_t errlen);

/* Check `path` (outfile_check), remove the stale temporaries of earlier
 * writers of it that no longer run (killed with -9: their PID is gone),
 * and put this process's temporary name for it in tmp.  The name is
 * registered, so that outfile_unlink_registered() removes it on a signal.
 * 0 or -1 with a message in err. */
int outfile_begin(const char *path, char *tmp, size_t tmplen, char *err, size_t errlen);

/* Rename the complete temporary over `path` (checked again: it may have
 * changed while the file was written) and forget it.  On failure the
 * temporary is removed.  0 or -1 with a message in err. */
int outfile_commit(const char *tmp, const char *path, char *err, size_t errlen);

/* Remove an unfinished temporary and forget it. */
void outfile_discard(const char *tmp);

/* Remove every registered temporary: async-signal-safe, for a signal
 * handler that ends the process. */
void outfile_unlink_registered(void);

#endif
