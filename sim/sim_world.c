/*
 * sim_world.c - one run of a scenario on SimGrid.
 *
 * SimGrid's clock cannot be reset, and a clock that does not start at 0
 * rounds every time differently, so each run happens in a child process
 * forked from a parent that has initialised SimGrid but never run it: every
 * run starts at exactly 0.0 and is bit-identical wherever it falls in a
 * sequence.  The child sends its result and trace back through a pipe; a
 * crash in a run is reported as that run's error, not the command's.
 */
#include "sim_world.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim_device.h"
#include "sim_runtime.h"

static struct sim_runtime_stats total_stats;

void sim_world_total_stats(struct sim_runtime_stats *out) { *out = total_stats; }

static void add_stats(const struct rt *rt)
{
	struct sim_runtime_stats st;
	sim_runtime_get_stats(rt, &st);
	total_stats.spawns += st.spawns;
	total_stats.joins += st.joins;
	total_stats.sleeps += st.sleeps;
	total_stats.sends += st.sends;
	total_stats.recvs += st.recvs;
	total_stats.sync_ops += st.sync_ops;
}

struct root_ctx {
	struct mig_config cfg;
	struct mig_result *res;
	int rc;
};

static void root_task(void *arg)
{
	struct root_ctx *ctx = arg;
	ctx->rc = migration_run(&ctx->cfg, ctx->res);
}

/* The run itself, in the calling process. */
static int run_here(const struct scenario *s, unsigned run, struct trace *trace,
		    struct mig_result *res, char *err, size_t errlen)
{
	struct sim_runtime_config cfg = {
	    .bandwidth_Bps = s->bandwidth_Bps,
	    .latency_s = s->latency_s,
	    .thread_create_s = s->thread_create_s,
	    .thread_join_s = s->thread_join_s,
	};
	size_t n = scenario_device_count(s);
	struct rt *rt = sim_runtime_new(&cfg);
	struct device **devs = calloc(2 * n + 1, sizeof *devs);
	struct rt_sem **domains = calloc(2 * s->n_domains + 1, sizeof *domains);
	int rc = -ENOMEM;
	snprintf(err, errlen, "out of memory setting up run %u", run);
	if (!rt || !devs || !domains)
		goto out;
	/* Each side has its own PFs: one semaphore per domain per side. */
	for (size_t i = 0; i < 2 * s->n_domains; i++)
		if (!(domains[i] = rt->ops->sem_new(rt, s->domains[i % s->n_domains].capacity)))
			goto out;
	for (size_t i = 0; i < n; i++) {
		int d = scenario_device_group(s, i, NULL)->domain;
		for (int side = 0; side < 2; side++) {
			struct rt_sem *sem = d >= 0 ? domains[side * s->n_domains + (size_t)d] : NULL;
			devs[side * n + i] = sim_device_new(rt, s, i, (enum rt_side)side, run, sem);
			if (!devs[side * n + i])
				goto out;
		}
	}
	struct root_ctx ctx = {
	    .cfg = {.rt = rt, .scn = s, .src = devs, .dst = devs + n, .run = run, .trace = trace},
	    .res = res,
	};
	rc = sim_runtime_run(rt, root_task, &ctx, err, errlen);
	add_stats(rt);
	if (rc == 0) {
		rc = ctx.rc;
		if (rc)
			snprintf(err, errlen, "%s", res->error);
	}
out:
	for (size_t i = 0; devs && i < 2 * n; i++)
		if (devs[i])
			devs[i]->ops->free(devs[i]);
	for (size_t i = 0; domains && i < 2 * s->n_domains; i++)
		if (domains[i])
			rt->ops->sem_free(domains[i]);
	free(devs);
	free(domains);
	if (rt)
		sim_runtime_free(rt);
	return rc;
}

/* ---- a run in a child process ----------------------------------------- */

struct report_head {
	int rc;
	struct mig_result res;
	struct sim_runtime_stats stats;
	char err[512];
	uint64_t n_strings, n_events;
};

/* An event on the wire: strings by index + 1 (0 = NULL). */
struct wire_event {
	struct trace_event e;
	uint32_t task, text;
};

static int write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

struct ptr_index {
	const char *p;
	uint32_t idx;
};

static int cmp_ptr(const void *a, const void *b)
{
	const char *x = ((const struct ptr_index *)a)->p, *y = ((const struct ptr_index *)b)->p;
	return (x > y) - (x < y);
}

static uint32_t string_ref(const struct ptr_index *map, size_t n, const char *p)
{
	if (!p)
		return 0;
	struct ptr_index key = {p, 0};
	const struct ptr_index *hit = bsearch(&key, map, n, sizeof *map, cmp_ptr);
	return hit ? hit->idx + 1 : 0;
}

static int send_report(int fd, struct report_head *h, const struct trace *tr)
{
	h->n_strings = tr->n_strings;
	h->n_events = tr->n;
	if (write_all(fd, h, sizeof *h))
		return -1;
	struct ptr_index *map = calloc(tr->n_strings + 1, sizeof *map);
	if (!map)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < tr->n_strings && !rc; i++) {
		uint32_t len = (uint32_t)strlen(tr->strings[i]);
		map[i] = (struct ptr_index){tr->strings[i], (uint32_t)i};
		rc = write_all(fd, &len, sizeof len) || write_all(fd, tr->strings[i], len);
	}
	qsort(map, tr->n_strings, sizeof *map, cmp_ptr);
	for (size_t i = 0; i < tr->n && !rc; i++) {
		struct wire_event w = {tr->ev[i], string_ref(map, tr->n_strings, tr->ev[i].task),
				       string_ref(map, tr->n_strings, tr->ev[i].text)};
		w.e.task = w.e.text = NULL;
		rc = write_all(fd, &w, sizeof w);
	}
	free(map);
	return rc;
}

/* Read exactly n bytes; -1 on a short read (the child died). */
static int read_all(int fd, void *buf, size_t n)
{
	char *p = buf;
	while (n) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static int receive_report(int fd, struct report_head *h, struct trace *tr)
{
	if (read_all(fd, h, sizeof *h))
		return -1;
	char **strings = calloc(h->n_strings + 1, sizeof *strings);
	int rc = strings ? 0 : -1;
	for (uint64_t i = 0; i < h->n_strings && !rc; i++) {
		uint32_t len;
		rc = read_all(fd, &len, sizeof len);
		if (!rc && !(strings[i] = malloc((size_t)len + 1)))
			rc = -1;
		if (!rc && !(rc = read_all(fd, strings[i], len)))
			strings[i][len] = 0;
	}
	for (uint64_t i = 0; i < h->n_events && !rc; i++) {
		struct wire_event w;
		if ((rc = read_all(fd, &w, sizeof w)))
			break;
		if (w.task > h->n_strings || w.text > h->n_strings) {
			rc = -1;
			break;
		}
		w.e.task = w.task ? strings[w.task - 1] : NULL;
		w.e.text = w.text ? strings[w.text - 1] : NULL;
		trace_add(tr, &w.e);
	}
	for (uint64_t i = 0; strings && i < h->n_strings; i++)
		free(strings[i]);
	free(strings);
	return rc;
}

/* Weak: present only in sanitizer builds, where the child checks its own
 * leaks before leaving with _exit. */
extern void __lsan_do_leak_check(void) __attribute__((weak));

int sim_world_run(const struct scenario *s, unsigned run, struct trace *trace,
		  struct mig_result *res, char *err, size_t errlen)
{
	memset(res, 0, sizeof *res);
	if (sim_runtime_global_init()) {
		snprintf(err, errlen, "cannot initialise SimGrid");
		return -EIO;
	}
	int fds[2];
	if (pipe(fds)) {
		snprintf(err, errlen, "cannot create a pipe for run %u: %s", run, strerror(errno));
		return -errno;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(fds[0]);
		close(fds[1]);
		snprintf(err, errlen, "cannot fork run %u: %s", run, strerror(e));
		return -e;
	}
	if (pid == 0) {
		close(fds[0]);
		struct report_head h = {0};
		struct trace tr;
		trace_init(&tr);
		memset(&total_stats, 0, sizeof total_stats);
		h.rc = run_here(s, run, &tr, &h.res, h.err, sizeof h.err);
		h.stats = total_stats;
		int wrc = send_report(fds[1], &h, &tr);
		close(fds[1]);
		trace_free(&tr);
		if (__lsan_do_leak_check)
			__lsan_do_leak_check();
		_exit(wrc ? 3 : 0);
	}
	close(fds[1]);
	struct report_head h;
	int rrc = receive_report(fds[0], &h, trace);
	close(fds[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (rrc || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (WIFSIGNALED(status))
			snprintf(err, errlen, "run %u: the simulation died of signal %d (%s)", run,
				 WTERMSIG(status), strsignal(WTERMSIG(status)));
		else
			snprintf(err, errlen, "run %u: the simulation process failed (exit status %d)",
				 run, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return -EIO;
	}
	*res = h.res;
	total_stats.spawns += h.stats.spawns;
	total_stats.joins += h.stats.joins;
	total_stats.sleeps += h.stats.sleeps;
	total_stats.sends += h.stats.sends;
	total_stats.recvs += h.stats.recvs;
	total_stats.sync_ops += h.stats.sync_ops;
	if (h.rc)
		snprintf(err, errlen, "%s", h.err);
	return h.rc;
}
