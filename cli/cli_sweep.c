/*
 * cli_sweep.c - `switchover sweep`: run a study (docs/sweep.md) in the sim
 * world, its points in -j worker processes, into one result file with a
 * /points table; checkpointed point by point so that --resume continues a
 * killed sweep, and Ctrl-C stops with the finished points kept.
 *
 * Every point's results travel as a record (sweep_record.c), whoever ran
 * it; the file is written from the records in point order at the end, so
 * its tables do not depend on -j or on the order workers finished in.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glib.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "profile_file.h"
#include "sweep.h"

#define errorf(...) cli_error("sweep", __VA_ARGS__)

#define CKPT_MAGIC "switchover sweep checkpoint 1 "
/* A worker's message: a record, or (this bit set) an error message. */
#define MSG_ERROR (UINT64_C(1) << 63)

void cli_sweep_help(FILE *out)
{
	fprintf(out,
	        "usage: switchover sweep STUDY.yaml [OPTIONS]\n"
	        "       switchover sweep SCENARIO.yaml --vary KEY=VALUES [--vary ...] [OPTIONS]\n\n"
	        "Run a parameter study in the sim world: every point (a base scenario with\n"
	        "one value of each axis) under each strategy, `runs` times, and print one\n"
	        "row per point and strategy (docs/sweep.md).\n\n"
	        "options:\n"
	        "  --vary KEY=VALUES  an axis (repeatable): a scenario key as --set takes it\n"
	        "                     and its values: a,b,c | LOW..HIGH | LOW..HIGH step S |\n"
	        "                     LOW..HIGHxF (geometric): devices.count=1..64x2\n"
	        "  --zip              zip the axes (value i of each together) instead of\n"
	        "                     crossing them\n"
	        "  --strategy S       sequential | parallel-prio | parallel-barrier | all\n"
	        "                     (default: the study's, else each scenario's own)\n"
	        "  --runs N           runs per point and strategy (default: the study's,\n"
	        "                     else the scenario's)\n"
	        "  --seed X           base seed; point p's runs use splitmix64 of (X, p),\n"
	        "                     shown in the seed column (sim --seed reproduces a point)\n"
	        "  --set KEY=VALUE    override a key of every point's scenario (repeatable)\n"
	        "  -j, --jobs N       worker processes (default 1); the results do not depend\n"
	        "                     on N\n"
	        "  -o, --output FILE.h5\n"
	        "                     write the study: /points, /summary (every run), traces\n"
	        "                     as --traces says (docs/sweep.md); written as\n"
	        "                     FILE.h5.tmp-PID and renamed when complete; finished\n"
	        "                     points are kept in FILE.h5.ckpt until then\n"
	        "  --traces T         none | first (default: run 0 of each point and\n"
	        "                     strategy) | all\n"
	        "  --resume           continue an interrupted sweep from FILE.h5.ckpt (the\n"
	        "                     same study and options); the file ends the same as an\n"
	        "                     uninterrupted sweep's\n"
	        "  --format F         table (default) | json | csv: the /points table, with\n"
	        "                     the result file's column names\n"
	        "  --quiet            no progress on stderr\n"
	        "  --profile-path DIR[:DIR...]\n"
	        "                     also look for device and host profiles in these\n"
	        "                     folders (`switchover profile --help`)\n"
	        "  --no-memory-check  run even when the memory estimate says the study will\n"
	        "                     not fit (by default it is refused before it starts,\n"
	        "                     with the estimate: docs/reliability.md)\n"
	        "  -h, --help         this help\n\n"
	        "study file keys: name, scenario | scenarios, axes (KEY: VALUES), combine\n"
	        "(cross | zip), strategies, runs, seed, statistics (median p5 p95 mean min\n"
	        "max), traces.\n\n"
	        "exit status: 0 all migrations completed, 1 some migration failed, 2 bad\n"
	        "input or the world could not run, 130 interrupted (finished points kept\n"
	        "for --resume).\n");
}

struct sweep_opts {
	const char *file, *output;
	const char **sets, **varies;
	size_t n_sets, n_varies;
	bool zip, resume, quiet;
	int strategy; /* -1: not given, STRATEGY_COUNT: all */
	long long runs;
	bool seed_set;
	unsigned long long seed;
	int traces; /* -1: not given */
	enum output_format format;
	unsigned jobs;
	bool no_memory_check;
};

static int parse_opts(int argc, char **argv, struct sweep_opts *o)
{
	static const struct option longopts[] = {
	    {"vary", required_argument, NULL, 'V'},
	    {"zip", no_argument, NULL, 'z'},
	    {"strategy", required_argument, NULL, 's'},
	    {"runs", required_argument, NULL, 'r'},
	    {"seed", required_argument, NULL, 'x'},
	    {"set", required_argument, NULL, 'S'},
	    {"jobs", required_argument, NULL, 'j'},
	    {"output", required_argument, NULL, 'o'},
	    {"traces", required_argument, NULL, 'T'},
	    {"resume", no_argument, NULL, 'R'},
	    {"format", required_argument, NULL, 'f'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {"profile-path", required_argument, NULL, 'P'},
	    {"no-memory-check", no_argument, NULL, 'M'},
	    {NULL, 0, NULL, 0},
	};
	*o = (struct sweep_opts){.strategy = -1, .runs = -1, .traces = -1, .jobs = 1};
	o->sets = g_new0(const char *, argc + 1);
	o->varies = g_new0(const char *, argc + 1);
	optind = 1;
	opterr = 0;
	int c;
	unsigned long long v;
	while ((c = getopt_long(argc, argv, ":hj:o:", longopts, NULL)) != -1) {
		switch (c) {
		case 'V':
			o->varies[o->n_varies++] = optarg;
			break;
		case 'z':
			o->zip = true;
			break;
		case 's':
			if (cli_parse_strategy_or_all("sweep", optarg, &o->strategy))
				return CLI_EXIT_ERROR;
			break;
		case 'r':
			if (cli_parse_uint("sweep", "--runs", optarg, 1, 1000000, &v))
				return CLI_EXIT_ERROR;
			o->runs = (long long)v;
			break;
		case 'x':
			if (cli_parse_uint("sweep", "--seed", optarg, 0, UINT64_MAX, &o->seed))
				return CLI_EXIT_ERROR;
			o->seed_set = true;
			break;
		case 'S':
			o->sets[o->n_sets++] = optarg;
			break;
		case 'j':
			if (cli_parse_uint("sweep", "--jobs", optarg, 1, 1024, &v))
				return CLI_EXIT_ERROR;
			o->jobs = (unsigned)v;
			break;
		case 'o':
			o->output = optarg;
			break;
		case 'T':
			if ((o->traces = study_traces_parse(optarg)) < 0) {
				errorf("--traces '%s': expected none, first or all\n", optarg);
				return CLI_EXIT_ERROR;
			}
			break;
		case 'R':
			o->resume = true;
			break;
		case 'f':
			if ((int)(o->format = output_format_parse(optarg)) < 0) {
				errorf("--format '%s': expected table, json or csv\n", optarg);
				return CLI_EXIT_ERROR;
			}
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'P':
			profile_file_set_path(optarg);
			break;
		case 'M':
			o->no_memory_check = true;
			break;
		case 'h':
			cli_sweep_help(stdout);
			return -1;
		case ':':
			errorf("%s needs a value (see switchover sweep --help)\n",
			       argv[optind - 1]);
			return CLI_EXIT_ERROR;
		default:
			errorf("unknown option '%s' (see switchover sweep --help)\n",
			       argv[optind - 1]);
			return CLI_EXIT_ERROR;
		}
	}
	if (optind != argc - 1) {
		errorf("%s (see switchover sweep --help)\n",
		       optind == argc ? "missing STUDY.yaml (or a scenario and --vary)"
		                      : "expected one file, got several");
		return CLI_EXIT_ERROR;
	}
	o->file = argv[optind];
	if (o->resume && !o->output) {
		errorf("--resume needs -o FILE.h5 (the checkpoint is FILE.h5.ckpt)\n");
		return CLI_EXIT_ERROR;
	}
	return 0;
}

/* The study of the file (a study file, or a scenario to vary) and the
 * command line, which overrides it. */
static int make_study(const struct sweep_opts *o, struct study **out)
{
	char err[1536];
	struct study *st = NULL;
	int rc = study_load_file(o->file, &st, err, sizeof err);
	if (rc < 0) {
		errorf("%s\n", err);
		return -1;
	}
	if (rc == 1) {
		st = study_new();
		st->scenarios = g_new0(char *, 2);
		st->scenarios[0] = g_strdup(o->file);
		st->n_scenarios = 1;
		char *base = g_path_get_basename(o->file), *dot = strrchr(base, '.');
		if (dot && dot != base)
			*dot = 0;
		st->name = base;
	}
	for (size_t i = 0; i < o->n_varies; i++)
		if (study_add_axis(st, o->varies[i], err, sizeof err)) {
			errorf("%s\n", err);
			study_free(st);
			return -1;
		}
	if (o->zip)
		st->combine = STUDY_ZIP;
	if (o->strategy == STRATEGY_COUNT) {
		st->n_strategies = 0;
		for (int k = 0; k < STRATEGY_COUNT; k++)
			st->strategies[st->n_strategies++] = (enum strategy_kind)k;
	} else if (o->strategy >= 0) {
		st->strategies[0] = (enum strategy_kind)o->strategy;
		st->n_strategies = 1;
	}
	if (o->runs > 0)
		st->runs = (unsigned)o->runs;
	if (o->seed_set) {
		st->seed = o->seed;
		st->seed_set = true;
	}
	if (o->traces >= 0)
		st->traces = o->traces;
	if (!st->n_axes) {
		errorf("%s: nothing to vary: give --vary KEY=VALUES (or axes: in a study file)\n",
		       o->file);
		study_free(st);
		return -1;
	}
	if (study_check(st, err, sizeof err)) {
		errorf("%s\n", err);
		study_free(st);
		return -1;
	}
	*out = st;
	return 0;
}

/* ---- progress ---------------------------------------------------------- */

struct progress {
	bool quiet, tty;
	double start, last;
	size_t done, total;             /* points */
	uint64_t runs_done, runs_total; /* runs */
};

static void progress_show(struct progress *p, bool last)
{
	double now = cli_wall_now();
	if (p->quiet || (!last && now - p->last < (p->tty ? 0.2 : 10)))
		return;
	double rate = now > p->start ? (double)p->runs_done / (now - p->start) : 0;
	char eta[32] = "?";
	if (rate > 0)
		cli_format_left((double)(p->runs_total - p->runs_done) / rate, eta, sizeof eta);
	if (p->tty)
		fprintf(stderr, "\r\033[Ksweep: points %zu/%zu, %.1f runs/s, ETA %s", p->done,
		        p->total, rate, eta);
	else
		fprintf(stderr, "sweep: points %zu/%zu, %.1f runs/s, ETA %s\n", p->done, p->total,
		        rate, eta);
	if (p->tty && last)
		fprintf(stderr, "\r\033[K");
	p->last = now;
}

/* ---- finished points: memory and the checkpoint ------------------------ */

struct sweep_run {
	const struct sweep_plan *pl;
	GBytes **rec; /* per point, NULL until finished */
	int ckpt;     /* -1 without -o */
	char *ckpt_path;
	struct progress prog;
};

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static uint64_t point_runs(const struct sweep_plan *pl, size_t p)
{
	enum strategy_kind list[STRATEGY_COUNT];
	return (uint64_t)sweep_plan_strategies(pl, p, list) * pl->sc[p]->runs;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read exactly len bytes; 1 at a clean end of file before any, -1 error. */
static int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 && got == 0 ? 1 : -1;
		got += (size_t)n;
	}
	return 0;
}

/* A finished point: kept, checkpointed (length, MD5, bytes, then fsync:
 * a record counts only when whole, so a kill at any moment loses at most
 * the point being written). */
static int point_done(void *ctx, size_t p, const void *rec, size_t len)
{
	struct sweep_run *sr = ctx;
	sr->rec[p] = g_bytes_new(rec, len);
	if (sr->ckpt >= 0) {
		uint64_t n = len;
		char *md5 = g_compute_checksum_for_data(G_CHECKSUM_MD5, rec, len);
		int rc = write_all(sr->ckpt, &n, sizeof n) || write_all(sr->ckpt, md5, 32) ||
		         write_all(sr->ckpt, rec, len) || fdatasync(sr->ckpt);
		g_free(md5);
		if (rc) {
			errorf("%s: cannot write: %s\n", sr->ckpt_path, strerror(errno));
			return -1;
		}
	}
	sr->prog.done++;
	sr->prog.runs_done += point_runs(sr->pl, p);
	progress_show(&sr->prog, sr->prog.done == sr->prog.total);
	return 0;
}

/* Open the checkpoint: with --resume, take its whole records and cut off a
 * torn last one; without, start it (refusing to overwrite one that a
 * --resume could continue). */
static int ckpt_open(struct sweep_run *sr, const char *output, bool resume)
{
	sr->ckpt_path = g_strdup_printf("%s.ckpt", output);
	char *head = g_strdup_printf("%s%s\n", CKPT_MAGIC, sr->pl->hash);
	size_t hlen = strlen(head);
	int rc = -1;
	if (!resume) {
		if (access(sr->ckpt_path, F_OK) == 0) {
			errorf("%s exists: a sweep into %s was interrupted; --resume continues it "
			       "(or delete the file to start again)\n",
			       sr->ckpt_path, output);
			goto out;
		}
		sr->ckpt = open(sr->ckpt_path, O_WRONLY | O_CREAT | O_EXCL, 0666);
		if (sr->ckpt < 0 || write_all(sr->ckpt, head, hlen) || fsync(sr->ckpt)) {
			errorf("%s: cannot write: %s\n", sr->ckpt_path, strerror(errno));
			goto out;
		}
		rc = 0;
		goto out;
	}
	sr->ckpt = open(sr->ckpt_path, O_RDWR);
	if (sr->ckpt < 0) {
		errorf("--resume: %s: %s (nothing to resume)\n", sr->ckpt_path, strerror(errno));
		goto out;
	}
	char *got = g_malloc0(hlen + 1);
	if (read_all(sr->ckpt, got, hlen) || strcmp(got, head)) {
		errorf("--resume: %s is not a checkpoint of this study with these options (the "
		       "study, a scenario, --set, --runs, --seed, --strategy or --traces "
		       "differ)\n",
		       sr->ckpt_path);
		g_free(got);
		goto out;
	}
	g_free(got);
	off_t good = (off_t)hlen;
	for (;;) {
		uint64_t n;
		char md5[33] = "";
		if (read_all(sr->ckpt, &n, sizeof n) || n > (UINT64_C(1) << 40) ||
		    read_all(sr->ckpt, md5, 32))
			break;
		void *rec = g_try_malloc(n + 1);
		if (!rec || read_all(sr->ckpt, rec, n)) {
			g_free(rec);
			break;
		}
		char *sum = g_compute_checksum_for_data(G_CHECKSUM_MD5, rec, n);
		long p = sweep_record_point(rec, n, sr->pl->n_points);
		bool ok = !strcmp(sum, md5) && p >= 0 && !sr->rec[p];
		g_free(sum);
		if (ok) {
			sr->rec[p] = g_bytes_new_take(rec, n);
			sr->prog.done++;
		} else {
			g_free(rec);
			break;
		}
		good = lseek(sr->ckpt, 0, SEEK_CUR);
	}
	if (ftruncate(sr->ckpt, good) || lseek(sr->ckpt, good, SEEK_SET) < 0) {
		errorf("%s: cannot write: %s\n", sr->ckpt_path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	g_free(head);
	return rc;
}

/* ---- running the points ------------------------------------------------ */

static int run_inline(struct sweep_run *sr)
{
	GByteArray *rec = g_byte_array_new();
	char err[1024];
	int rc = 0;
	for (size_t p = 0; !rc && !interrupted && p < sr->pl->n_points; p++) {
		if (sr->rec[p])
			continue;
		/* Ctrl-C is also seen between the runs of a point. */
		int got = sweep_record_run(sr->pl, p, &interrupted, rec, err, sizeof err);
		if (got < 0) {
			errorf("%s\n", err);
			rc = -1;
		} else if (got == 0) {
			rc = point_done(sr, p, rec->data, rec->len);
		}
	}
	g_byte_array_unref(rec);
	return rc;
}

/* A worker: point numbers in on `in`, records (or an error) out on `out`,
 * until `in` closes.  Ctrl-C is the parent's to handle. */
static void worker(const struct sweep_plan *pl, int in, int out)
{
	signal(SIGINT, SIG_IGN);
	GByteArray *rec = g_byte_array_new();
	uint32_t p;
	char err[1024];
	while (read_all(in, &p, sizeof p) == 0) {
		uint64_t head;
		if (sweep_record_run(pl, p, NULL, rec, err, sizeof err)) {
			head = MSG_ERROR | strlen(err);
			if (write_all(out, &head, sizeof head) || write_all(out, err, strlen(err)))
				break;
			continue;
		}
		head = rec->len;
		if (write_all(out, &head, sizeof head) || write_all(out, rec->data, rec->len))
			break;
	}
	_exit(0);
}

struct worker_slot {
	pid_t pid;
	int in, out; /* the parent's ends */
	bool busy;
};

/* Hand the next unfinished point to slot w, or close its input. */
static void hand_out(struct sweep_run *sr, struct worker_slot *w, size_t *next)
{
	while (*next < sr->pl->n_points && sr->rec[*next])
		(*next)++;
	if (*next < sr->pl->n_points && !interrupted) {
		uint32_t p = (uint32_t)(*next)++;
		w->busy = write_all(w->in, &p, sizeof p) == 0;
	} else {
		w->busy = false;
	}
	if (!w->busy && w->in >= 0) {
		close(w->in);
		w->in = -1;
	}
}

static int run_workers(struct sweep_run *sr, unsigned jobs)
{
	struct worker_slot *ws = g_new0(struct worker_slot, jobs);
	size_t next = 0;
	int rc = 0;
	fflush(NULL);
	for (unsigned j = 0; j < jobs; j++) {
		int a[2], b[2];
		ws[j].in = ws[j].out = -1;
		if (pipe(a) || pipe(b)) {
			errorf("cannot start workers: %s\n", strerror(errno));
			rc = -1;
			break;
		}
		ws[j].pid = fork();
		if (ws[j].pid == 0) {
			close(a[1]);
			close(b[0]);
			for (unsigned k = 0; k < j; k++) {
				if (ws[k].in >= 0)
					close(ws[k].in);
				close(ws[k].out);
			}
			if (sr->ckpt >= 0)
				close(sr->ckpt);
			worker(sr->pl, a[0], b[1]);
		}
		close(a[0]);
		close(b[1]);
		ws[j].in = a[1];
		ws[j].out = b[0];
		if (ws[j].pid < 0) {
			errorf("cannot start workers: %s\n", strerror(errno));
			close(ws[j].in);
			close(ws[j].out);
			ws[j].in = ws[j].out = -1;
			rc = -1;
			break;
		}
	}
	/* A worker that died must not kill the parent with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	for (unsigned j = 0; !rc && j < jobs; j++)
		hand_out(sr, &ws[j], &next);
	GByteArray *buf = g_byte_array_new();
	for (;;) {
		struct pollfd pf[1024];
		unsigned map[1024], n = 0;
		for (unsigned j = 0; j < jobs; j++)
			if (ws[j].busy) {
				pf[n] = (struct pollfd){.fd = ws[j].out, .events = POLLIN};
				map[n++] = j;
			}
		if (!n || rc || interrupted)
			break;
		if (poll(pf, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			errorf("poll: %s\n", strerror(errno));
			rc = -1;
			break;
		}
		for (unsigned i = 0; !rc && i < n; i++) {
			if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			struct worker_slot *w = &ws[map[i]];
			uint64_t head;
			if (read_all(w->out, &head, sizeof head)) {
				errorf("worker %u (pid %ld) died\n", map[i], (long)w->pid);
				rc = -1;
				break;
			}
			size_t len = (size_t)(head & ~MSG_ERROR);
			g_byte_array_set_size(buf, (guint)len + 1);
			if (read_all(w->out, buf->data, len)) {
				errorf("worker %u (pid %ld) died\n", map[i], (long)w->pid);
				rc = -1;
				break;
			}
			if (head & MSG_ERROR) {
				buf->data[len] = 0;
				errorf("%s\n", (char *)buf->data);
				rc = -1;
				break;
			}
			long p = sweep_record_point(buf->data, len, sr->pl->n_points);
			if (p < 0 || sr->rec[p]) {
				errorf("worker %u sent a damaged record\n", map[i]);
				rc = -1;
				break;
			}
			rc = point_done(sr, (size_t)p, buf->data, len);
			if (!rc)
				hand_out(sr, w, &next);
		}
	}
	g_byte_array_unref(buf);
	/* Done, failed or interrupted: workers still busy are stopped. */
	for (unsigned j = 0; j < jobs; j++) {
		if (ws[j].pid > 0 && ws[j].busy)
			kill(ws[j].pid, SIGTERM);
		if (ws[j].in >= 0)
			close(ws[j].in);
		if (ws[j].out >= 0)
			close(ws[j].out);
		if (ws[j].pid > 0)
			while (waitpid(ws[j].pid, NULL, 0) < 0 && errno == EINTR)
				;
	}
	g_free(ws);
	return rc;
}

/* ---- the result -------------------------------------------------------- */

static char *command_line(int argc, char **argv)
{
	GString *line = g_string_new("switchover");
	for (int i = 0; i < argc; i++)
		g_string_append_printf(line, " %s", argv[i]);
	return g_string_free(line, FALSE);
}

/* Decode every point in order into the table (and the result file). */
static int finish(struct sweep_run *sr, const struct sweep_opts *o, int argc, char **argv,
                  struct sweep_table *t)
{
	const struct sweep_plan *pl = sr->pl;
	struct results_writer *w = NULL;
	char err[1536];
	if (o->output) {
		char *line = command_line(argc, argv), *yaml = study_to_yaml(pl->st);
		int rc =
		    results_writer_open(&w, o->output, pl->sc[0], "sim", line, err, sizeof err) ||
		    results_writer_add_text(w, "study", yaml, err, sizeof err);
		g_free(line);
		g_free(yaml);
		if (rc) {
			errorf("%s\n", err);
			if (w)
				results_writer_abort(w);
			return -1;
		}
	}
	for (size_t p = 0; p < pl->n_points; p++) {
		struct sweep_point pt;
		gsize len;
		const void *rec = g_bytes_get_data(sr->rec[p], &len);
		if (sweep_record_decode(rec, len, &pt)) {
			errorf("point %zu: damaged record%s\n", p,
			       o->resume ? " (in the checkpoint)" : "");
			goto fail;
		}
		uint64_t first = w ? results_writer_runs(w) : 0;
		int rc = sweep_table_add(t, pl, &pt, first);
		struct scenario *s = pl->sc[p];
		enum strategy_kind own = s->strategy;
		for (size_t k = 0; !rc && w && k < pt.n; k++) {
			s->strategy = pt.s[k].strategy;
			for (unsigned r = 0; !rc && r < pt.s[k].runs; r++)
				rc = pt.s[k].traced[r]
				         ? results_writer_add_run(w, s, r, &pt.s[k].trace[r],
				                                  &pt.s[k].sum[r], err, sizeof err)
				         : results_writer_add_summary(w, s, r, &pt.s[k].sum[r], err,
				                                      sizeof err);
		}
		s->strategy = own;
		sweep_point_free(&pt);
		if (rc) {
			errorf("%s\n", rc == -ENOMEM ? "out of memory" : err);
			goto fail;
		}
	}
	if (w && (sweep_table_write(t, w, err, sizeof err) ||
	          results_writer_finish(w, err, sizeof err))) {
		errorf("%s\n", err);
		return -1;
	}
	return 0;
fail:
	if (w)
		results_writer_abort(w);
	return -1;
}

int cli_sweep(int argc, char **argv)
{
	struct sweep_opts o;
	struct study *st = NULL;
	struct sweep_plan pl = {0};
	struct sweep_run sr = {.ckpt = -1};
	struct sweep_table *t = NULL;
	char err[1536];
	int status = CLI_EXIT_ERROR, mpi_size = 1;
	bool mpi = false;
	int rc = parse_opts(argc, argv, &o);
	if (rc) {
		status = rc < 0 ? CLI_EXIT_OK : rc;
		goto out;
	}
	if (make_study(&o, &st))
		goto out;
	if (sweep_plan_build(&pl, st, o.sets, o.n_sets,
	                     st->traces >= 0 ? (enum study_traces)st->traces : STUDY_TRACES_FIRST,
	                     err, sizeof err)) {
		errorf("%s\n", err);
		goto out;
	}
	if (!o.output)
		pl.traces = STUDY_TRACES_NONE; /* nowhere to keep them */
	if (!o.no_memory_check) {
		/* refused before any worker or file starts, not ended by the OOM
		 * killer once the records outgrow the memory */
		struct mem_need need;
		struct mem_avail avail;
		mem_estimate_study(&pl, sweep_mpi_launched() ? 1 : o.jobs, o.output != NULL, &need);
		mem_available(&avail);
		if (mem_check(&need, &avail, "this study", err, sizeof err)) {
			errorf("%s\n", err);
			goto out;
		}
	}
	/* Under mpirun every rank has built the same plan; ranks 1.. run
	 * points, rank 0 goes on as the one process that writes. */
	if (sweep_mpi_launched()) {
		int rank;
		if (o.jobs > 1) {
			errorf("-j with mpirun: each rank runs one point at a time; start more "
			       "ranks instead\n");
			goto out;
		}
		if (sweep_mpi_init(&rank, &mpi_size)) {
			errorf("MPI_Init failed\n");
			goto out;
		}
		mpi = true;
		if (rank > 0) {
			status = sweep_mpi_worker(&pl) ? CLI_EXIT_ERROR : CLI_EXIT_OK;
			goto out;
		}
	}
	sr.pl = &pl;
	sr.rec = g_new0(GBytes *, pl.n_points);
	sr.prog = (struct progress){.quiet = o.quiet, .tty = isatty(2), .total = pl.n_points};
	for (size_t p = 0; p < pl.n_points; p++)
		sr.prog.runs_total += point_runs(&pl, p);
	if (o.output && ckpt_open(&sr, o.output, o.resume))
		goto out;
	for (size_t p = 0; p < pl.n_points; p++)
		if (sr.rec[p])
			sr.prog.runs_total -= point_runs(&pl, p);
	sr.prog.start = sr.prog.last = cli_wall_now();

	interrupted = 0;
	struct sigaction sa = {.sa_handler = on_signal}, old_int, old_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	if (mpi_size > 1) {
		rc = sweep_mpi_master(&pl, sr.rec, mpi_size, point_done, &sr, &interrupted, err,
		                      sizeof err);
		if (rc < 0)
			errorf("%s\n", err);
	} else {
		rc = o.jobs > 1 ? run_workers(&sr, o.jobs) : run_inline(&sr);
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (sr.prog.tty && !o.quiet)
		fprintf(stderr, "\r\033[K");
	if (rc < 0)
		goto out;
	if (interrupted) {
		errorf("interrupted: %zu of %zu points finished%s%s%s\n", sr.prog.done, pl.n_points,
		       o.output ? " and kept in " : " (without -o nothing is kept)",
		       o.output ? sr.ckpt_path : "", o.output ? "; --resume continues" : "");
		status = 130;
		goto out;
	}
	t = sweep_table_new(&pl);
	if (finish(&sr, &o, argc, argv, t))
		goto out;
	if (sr.ckpt >= 0) {
		close(sr.ckpt);
		sr.ckpt = -1;
		unlink(sr.ckpt_path);
	}
	sweep_table_print(t, stdout, o.format);
	status = fflush(stdout)          ? CLI_EXIT_ERROR
	         : sweep_table_failed(t) ? CLI_EXIT_FAILED_RUNS
	                                 : CLI_EXIT_OK;
out:
	if (sr.ckpt >= 0)
		close(sr.ckpt);
	/* Rank 0 stopped early (an error, Ctrl-C) may leave ranks at work: end
	 * the job; otherwise every rank has been told to stop. */
	if (mpi && (rc || status == CLI_EXIT_ERROR || status == 130) && sr.rec) {
		fflush(NULL);
		sweep_mpi_abort(status);
	}
	if (mpi)
		sweep_mpi_finalize();
	for (size_t p = 0; sr.rec && p < pl.n_points; p++)
		if (sr.rec[p])
			g_bytes_unref(sr.rec[p]);
	g_free(sr.rec);
	g_free(sr.ckpt_path);
	sweep_table_free(t);
	sweep_plan_free(&pl);
	study_free(st);
	g_free(o.sets);
	g_free(o.varies);
	return status;
}
