/*
 * cli_suite.c - `switchover suite`: regression suites for CI (docs/suite.md),
 * a table of subcommands, and `suite run SUITE.yaml -o DIR`.
 *
 * `suite run` checks every entry first (its file loaded with its --set
 * overrides, its metrics known), so a bad suite fails before any run; then
 * runs each entry with the run or sweep command in a child process of its
 * own (an entry's options, signal handlers and failure stay its own) into
 * DIR/NAME.h5, its printout into DIR/NAME.txt, and writes DIR/manifest.json
 * last: a folder with a manifest is a finished suite run, one without is
 * not (a stale manifest is removed before the first entry starts).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glib.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "compare.h"
#include "outfile.h"
#include "output.h"
#include "profile_file.h"
#include "scenario_load.h"
#include "suite.h"
#include "suite_cli.h"
#include "sweep.h"

/* Fewer real runs than this rarely tell a change from the noise. */
#define SUITE_REAL_MIN_RUNS 10

#define errorf(...) cli_error("suite run", __VA_ARGS__)

static const struct cli_command suite_commands[] = {
    {"run", "run every entry of a suite file into a folder", cli_suite_run, cli_suite_run_help},
    {"compare", "compare two folders of `suite run`: a verdict per entry, JUnit, Markdown",
     cli_suite_compare, cli_suite_compare_help},
    {NULL, NULL, NULL, NULL},
};

void cli_suite_help(FILE *out)
{
	fprintf(out,
	        "usage: switchover suite SUBCOMMAND [OPTIONS] ...\n\n"
	        "Regression suites for CI (docs/suite.md): a suite file lists scenario and\n"
	        "study files with the options to run them with and the threshold of their\n"
	        "verdict; `run` runs them all into a folder, `compare` compares two such\n"
	        "folders (base and new) entry by entry, with JUnit XML and Markdown output.\n\n");
	cli_subcommand_list(out, "suite", suite_commands);
}

int cli_suite(int argc, char **argv)
{
	return cli_subcommand("suite", suite_commands, cli_suite_help, argc, argv);
}

void cli_suite_run_help(FILE *out)
{
	fprintf(out,
	        "usage: switchover suite run SUITE.yaml -o DIR [OPTIONS]\n\n"
	        "Run every entry of the suite file SUITE.yaml (docs/suite.md): a scenario with\n"
	        "`switchover sim` (or `real`, world: real), a study with `switchover sweep`,\n"
	        "each with the entry's runs, seed, strategy and --set overrides.  Every entry\n"
	        "is checked before the first one runs.  Into DIR (made if missing):\n"
	        "  NAME.h5        the entry's result file (sweep entries: --traces none)\n"
	        "  NAME.txt       what the command printed (its table)\n"
	        "  manifest.json  written last: the suite's text and SHA-256, the tool's\n"
	        "                 version, and per entry its file, options, command line and\n"
	        "                 exit status; `suite compare` reads it\n"
	        "Each file appears only when complete.  Progress (entry, time left) on stderr.\n\n"
	        "options:\n"
	        "  -o, --output DIR  the folder of the results (required)\n"
	        "  -j, --jobs N      worker processes of sweep entries (default 1)\n"
	        "  --quiet           no progress on stderr\n"
	        "  --profile-path DIR[:DIR...]\n"
	        "                    also look for device and host profiles in these folders\n"
	        "  -h, --help        this help\n\n"
	        "Ctrl-C (SIGINT) or SIGTERM ends the entry in progress as its command does,\n"
	        "removes its unfinished files and writes no manifest.\n\n"
	        "exit status: 0 every migration completed, 1 some migration failed (see the\n"
	        "entry's NAME.txt), 2 bad input (suite file, an entry's file, options) or an\n"
	        "entry could not run, 130 interrupted.\n");
}

struct run_opts {
	const char *file, *dir;
	unsigned jobs;
	bool quiet;
};

static int parse_run(int argc, char **argv, struct run_opts *o)
{
	static const struct option longopts[] = {
	    {"output", required_argument, NULL, 'o'},
	    {"jobs", required_argument, NULL, 'j'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"profile-path", required_argument, NULL, 'P'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	*o = (struct run_opts){.jobs = 1};
	optind = 1;
	opterr = 0;
	int c;
	unsigned long long v;
	while ((c = getopt_long(argc, argv, ":ho:j:", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o->dir = optarg;
			break;
		case 'j':
			if (cli_parse_uint("suite run", "--jobs", optarg, 1, 1024, &v))
				return CLI_EXIT_ERROR;
			o->jobs = (unsigned)v;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'P':
			profile_file_set_path(optarg);
			break;
		case 'h':
			cli_suite_run_help(stdout);
			return -1;
		case ':':
			errorf("%s needs a value (see switchover suite run --help)\n",
			       argv[optind - 1]);
			return CLI_EXIT_ERROR;
		default:
			errorf("unknown option '%s' (see switchover suite run --help)\n",
			       argv[optind - 1]);
			return CLI_EXIT_ERROR;
		}
	}
	if (optind != argc - 1) {
		errorf("%s (see switchover suite run --help)\n",
		       optind == argc ? "missing SUITE.yaml"
		                      : "expected one suite file, got several");
		return CLI_EXIT_ERROR;
	}
	o->file = argv[optind];
	if (!o->dir) {
		errorf("-o DIR is required: the folder of the results\n");
		return CLI_EXIT_ERROR;
	}
	return 0;
}

/* ---- checking the entries ---------------------------------------------- */

/* What an entry will do, from its checked file. */
struct planned {
	unsigned runs; /* over every strategy and point */
	double weight; /* of the time it takes, for the time left: runs x (32 + devices) */
	char *what;    /* "sim, 3 strategies x 20 runs" */
};

/* A device costs a sim run about a thirtieth of what the run costs besides
 * (CPU time of the cx7 scenarios with 1 and 64 VFs: 53 and 130 ms a run);
 * only the time left uses it. */
static double run_weight(const struct scenario *sc)
{
	return 32.0 + (double)scenario_device_count(sc);
}

static int check_metrics(const struct suite *s, size_t i, char *err, size_t errlen)
{
	const struct suite_entry *e = &s->entries[i];
	char path[64];
	snprintf(path, sizeof path, "entries[%zu].metrics", i);
	/* From the top level when the entry does not say. */
	if (!key_lines_get(&s->lines, path))
		snprintf(path, sizeof path, "metrics");
	for (size_t k = 0; k < e->n_metrics; k++) {
		struct compare_metric m;
		if (compare_metric_parse(e->metrics[k], &m))
			return suite_fail(
			    s, path, err, errlen,
			    "'%s': expected downtime, total, rounds, ack_delay or phase:NAME with "
			    "NAME one "
			    "of src_prepare, src_main, final_query, stopcopy, dst_load, "
			    "dst_prepare, dst_main",
			    e->metrics[k]);
	}
	return 0;
}

/* The key an error of the entry's file is said of: its set: when one of
 * the --set overrides is wrong, else `path` (the file's key). */
static const char *error_key(char *path, size_t len, size_t i, const char *why)
{
	if (g_str_has_prefix(why, "--set "))
		snprintf(path, len, "entries[%zu].set", i);
	return path;
}

static int check_scenario(const struct suite *s, size_t i, struct planned *p, char *err,
                          size_t errlen)
{
	const struct suite_entry *e = &s->entries[i];
	struct scenario *sc = NULL;
	char why[1536], path[64];
	snprintf(path, sizeof path, "entries[%zu].scenario", i);
	if (scenario_load_file(e->path, (const char *const *)e->sets, e->n_sets, &sc, why,
	                       sizeof why))
		return suite_fail(s, error_key(path, sizeof path, i, why), err, errlen, "%s", why);
	unsigned runs = e->runs ? e->runs : sc->runs;
	unsigned strategies = e->strategy == STRATEGY_COUNT ? STRATEGY_COUNT : 1;
	p->runs = runs * strategies;
	p->weight = p->runs * run_weight(sc);
	p->what =
	    g_strdup_printf("%s, %s, %u runs", suite_world_name(e->world),
	                    e->strategy == STRATEGY_COUNT ? "every strategy"
	                    : e->strategy >= 0 ? strategy_name((enum strategy_kind)e->strategy)
	                                       : strategy_name(sc->strategy),
	                    runs);
	if (e->world == SUITE_REAL && runs < SUITE_REAL_MIN_RUNS)
		fprintf(
		    stderr,
		    "switchover suite run: warning: %s: %u real runs: real runs are noisy; with "
		    "fewer than %d `suite compare` can rarely tell a change from the noise "
		    "(give runs:)\n",
		    e->name, runs, SUITE_REAL_MIN_RUNS);
	scenario_free(sc);
	return 0;
}

static int check_sweep(const struct suite *s, size_t i, struct planned *p, char *err, size_t errlen)
{
	const struct suite_entry *e = &s->entries[i];
	struct study *st = NULL;
	char why[1536], path[64];
	snprintf(path, sizeof path, "entries[%zu].sweep", i);
	int rc = study_load_file(e->path, &st, why, sizeof why);
	if (rc)
		return suite_fail(s, path, err, errlen, "%s",
		                  rc < 0 ? why
		                         : "not a study file (it has no scenario: or scenarios:): "
		                           "give a scenario file as scenario:");
	/* The options the sweep command will be given. */
	if (e->runs)
		st->runs = e->runs;
	if (e->seed_set) {
		st->seed = e->seed;
		st->seed_set = true;
	}
	if (e->strategy >= 0) {
		st->n_strategies = 0;
		for (int k = 0; k < STRATEGY_COUNT; k++)
			if (e->strategy == STRATEGY_COUNT || e->strategy == k)
				st->strategies[st->n_strategies++] = (enum strategy_kind)k;
	}
	struct sweep_plan pl;
	rc = sweep_plan_build(&pl, st, (const char *const *)e->sets, e->n_sets, STUDY_TRACES_NONE,
	                      why, sizeof why);
	if (rc) {
		sweep_plan_free(&pl);
		study_free(st);
		return suite_fail(s, error_key(path, sizeof path, i, why), err, errlen, "%s", why);
	}
	for (size_t q = 0; q < pl.n_points; q++) {
		enum strategy_kind list[STRATEGY_COUNT];
		unsigned n = (unsigned)sweep_plan_strategies(&pl, q, list) * pl.sc[q]->runs;
		p->runs += n;
		p->weight += n * run_weight(pl.sc[q]);
	}
	p->what = g_strdup_printf("sweep, %zu points, %u runs", pl.n_points, p->runs);
	sweep_plan_free(&pl);
	study_free(st);
	return 0;
}

/* ---- running an entry --------------------------------------------------- */

static volatile sig_atomic_t interrupted;
/* The entry's process while it runs: a signal is passed on to it (it runs
 * in a process group of its own, so a terminal's Ctrl-C reaches only us). */
static volatile pid_t child_pid;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
	if (child_pid > 0)
		kill(child_pid, SIGINT);
}

/* The command line of an entry: argv[0] is the subcommand. */
static GPtrArray *entry_argv(const struct suite_entry *e, const char *result, unsigned jobs)
{
	GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
#define ARG(...) g_ptr_array_add(a, g_strdup_printf(__VA_ARGS__))
	ARG("%s", e->kind == SUITE_SWEEP ? "sweep" : suite_world_name(e->world));
	ARG("%s", e->path);
	ARG("-o");
	ARG("%s", result);
	ARG("--quiet");
	if (e->runs) {
		ARG("--runs");
		ARG("%u", e->runs);
	}
	if (e->seed_set) {
		ARG("--seed");
		ARG("%llu", (unsigned long long)e->seed);
	}
	if (e->strategy >= 0) {
		ARG("--strategy");
		ARG("%s", e->strategy == STRATEGY_COUNT
		              ? "all"
		              : strategy_name((enum strategy_kind)e->strategy));
	}
	for (size_t k = 0; k < e->n_sets; k++) {
		ARG("--set");
		ARG("%s", e->sets[k]);
	}
	if (e->kind == SUITE_SWEEP) {
		/* compare reads /summary only: the traces would only fill the disk. */
		ARG("--traces");
		ARG("none");
		if (jobs > 1) {
			ARG("--jobs");
			ARG("%u", jobs);
		}
	}
#undef ARG
	g_ptr_array_add(a, NULL);
	return a;
}

/* Run the command of argv in a child with its stdout on out_fd; its exit
 * status (128 + the signal when one ended it), or -1 with errno. */
static int run_child(const struct suite_entry *e, GPtrArray *argv, int out_fd)
{
	int (*cmd)(int, char **) = e->kind == SUITE_SWEEP   ? cli_sweep
	                           : e->world == SUITE_REAL ? cli_real
	                                                    : cli_sim;
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	/* Until child_pid is set, a signal waits: on_signal must know whom
	 * to pass it to, and the child must not take it with our handler. */
	sigprocmask(SIG_BLOCK, &block, &old);
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		struct sigaction dfl = {.sa_handler = SIG_DFL};
		sigemptyset(&dfl.sa_mask);
		sigaction(SIGINT, &dfl, NULL);
		sigaction(SIGTERM, &dfl, NULL);
		setpgid(0, 0);
		sigprocmask(SIG_SETMASK, &old, NULL);
		if (dup2(out_fd, STDOUT_FILENO) < 0)
			_exit(CLI_EXIT_ERROR);
		close(out_fd);
		int rc = cmd((int)argv->len - 1, (char **)argv->pdata);
		fflush(NULL);
		_exit(rc);
	}
	int saved = errno;
	if (pid > 0)
		child_pid = pid;
	if (interrupted && pid > 0)
		kill(pid, SIGINT);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid < 0) {
		errno = saved;
		return -1;
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			child_pid = 0;
			return -1;
		}
	child_pid = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* ---- the manifest ------------------------------------------------------- */

static json_t *json_strings(char *const *list, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, output_json_string(list[i]));
	return a;
}

static json_t *manifest_entry(const struct suite_entry *e, GPtrArray *argv, const char *result,
                              const char *output, int exit_status)
{
	GString *line = g_string_new("switchover");
	for (guint k = 0; k + 1 < argv->len; k++) {
		const char *arg = g_ptr_array_index(argv, k);
		/* Quoted only when a shell would need it: the line is for people. */
		bool plain =
		    *arg && arg[strspn(arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		                            "0123456789_./:=%@+,-")] == 0;
		char *q = plain ? g_strdup(arg) : g_shell_quote(arg);
		g_string_append_printf(line, " %s", q);
		g_free(q);
	}
	json_t *j = json_pack("{s:o,s:s,s:o,s:s,s:o,s:o,s:o,s:o,s:o,s:i}", "name",
	                      output_json_string(e->name), "kind", suite_kind_name(e->kind), "file",
	                      output_json_string(e->file), "world", suite_world_name(e->world),
	                      "threshold", output_json_number(e->threshold), "metrics",
	                      json_strings(e->metrics, e->n_metrics), "command",
	                      output_json_string(line->str), "result", output_json_string(result),
	                      "output", output_json_string(output), "exit", exit_status);
	g_string_free(line, TRUE);
	return j;
}

static int manifest_write(const char *dir, const struct suite *s, json_t *entries)
{
	char *path = g_build_filename(dir, SUITE_MANIFEST, NULL), err[1024];
	json_t *root = json_pack(
	    "{s:s,s:{s:s,s:s},s:{s:o,s:o,s:s,s:o},s:o}", "format", SUITE_MANIFEST_FORMAT, "tool",
	    "version", SWITCHOVER_VERSION, "git_revision", SWITCHOVER_GIT_REV, "suite", "name",
	    output_json_string(s->name), "file", output_json_string(s->file), "sha256", s->sha256,
	    "text", output_json_string(s->text), "entries", entries);
	char *text = root ? json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(15)) : NULL;
	int rc = text ? suite_write_file(path, text, strlen(text), err, sizeof err) : -1;
	if (!text)
		snprintf(err, sizeof err, "%s: out of memory", path);
	if (rc)
		errorf("%s\n", err);
	free(text);
	json_decref(root);
	g_free(path);
	return rc;
}

/* ---- the command -------------------------------------------------------- */

/* Progress: one line per entry as it starts, with the time left from the
 * weights of the entries done so far. */
static void progress(const struct run_opts *o, size_t i, size_t n, const char *name,
                     const struct planned *p, double start, double done, double total)
{
	if (o->quiet)
		return;
	double now = cli_wall_now();
	char left[64] = "";
	if (done > 0) {
		char t[24];
		cli_format_left((now - start) / done * (total - done), t, sizeof t);
		snprintf(left, sizeof left, ", about %s left", t);
	}
	fprintf(stderr, "suite: [%zu/%zu] %s (%s)%s\n", i + 1, n, name, p->what, left);
}

/* The line of entries[i] in the suite file. */
static int entry_line(const struct suite *s, size_t i)
{
	char path[48];
	snprintf(path, sizeof path, "entries[%zu]", i);
	return key_lines_get(&s->lines, path);
}

/* After an entry ended (interrupted or failed): what it left behind that
 * the command itself could not remove. */
static void remove_leftovers(const char *result)
{
	char *ckpt = g_strdup_printf("%s.ckpt", result);
	unlink(ckpt);
	g_free(ckpt);
}

int cli_suite_run(int argc, char **argv)
{
	struct run_opts o;
	int rc = parse_run(argc, argv, &o);
	if (rc)
		return rc < 0 ? CLI_EXIT_OK : rc;
	struct suite *s = NULL;
	char err[4096];
	if (suite_load_file(o.file, &s, err, sizeof err)) {
		errorf("%s\n", err);
		return CLI_EXIT_ERROR;
	}
	struct planned *plan = g_new0(struct planned, s->n_entries);
	json_t *entries = json_array();
	int status = CLI_EXIT_ERROR;
	double total = 0, done = 0;
	for (size_t i = 0; i < s->n_entries; i++) {
		const struct suite_entry *e = &s->entries[i];
		if (check_metrics(s, i, err, sizeof err) ||
		    (e->kind == SUITE_SWEEP ? check_sweep : check_scenario)(s, i, &plan[i], err,
		                                                            sizeof err)) {
			errorf("%s\n", err);
			goto out;
		}
		total += plan[i].weight;
	}
	if (g_mkdir_with_parents(o.dir, 0777) || !g_file_test(o.dir, G_FILE_TEST_IS_DIR)) {
		errorf("-o %s: cannot make the folder: %s\n", o.dir,
		       errno ? strerror(errno) : "not a folder");
		goto out;
	}
	char *manifest = g_build_filename(o.dir, SUITE_MANIFEST, NULL);
	rc = unlink(manifest) && errno != ENOENT;
	if (rc)
		errorf("%s: cannot remove the previous run's manifest: %s\n", manifest,
		       strerror(errno));
	g_free(manifest);
	if (rc)
		goto out;

	interrupted = 0;
	struct sigaction sa = {.sa_handler = on_signal}, old_int, old_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	double start = cli_wall_now();
	bool failed_runs = false;
	size_t finished = 0;
	for (size_t i = 0; i < s->n_entries && !interrupted; i++) {
		const struct suite_entry *e = &s->entries[i];
		char *result_name = g_strdup_printf("%s.h5", e->name);
		char *output_name = g_strdup_printf("%s.txt", e->name);
		char *result = g_build_filename(o.dir, result_name, NULL);
		char *output = g_build_filename(o.dir, output_name, NULL);
		char tmp[4200];
		GPtrArray *args = entry_argv(e, result, o.jobs);
		int fd = -1, got = -1;
		progress(&o, i, s->n_entries, e->name, &plan[i], start, done, total);
		/* A checkpoint of an earlier, interrupted suite run: ours, and a
		 * suite never resumes an entry. */
		remove_leftovers(result);
		if (outfile_begin(output, tmp, sizeof tmp, err, sizeof err)) {
			errorf("%s\n", err);
		} else if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666)) < 0) {
			errorf("%s: cannot write: %s\n", output, strerror(errno));
			outfile_discard(tmp);
		} else if ((got = run_child(e, args, fd)) < 0) {
			errorf("%s: cannot start it: %s\n", e->name, strerror(errno));
		}
		if (fd >= 0 && close(fd) && got >= 0) {
			errorf("%s: cannot write: %s\n", output, strerror(errno));
			got = -1;
		}
		bool ok = got == CLI_EXIT_OK || got == CLI_EXIT_FAILED_RUNS;
		if (fd >= 0) {
			if (!ok || interrupted)
				outfile_discard(tmp);
			else if (outfile_commit(tmp, output, err, sizeof err)) {
				errorf("%s\n", err);
				ok = false;
			}
		}
		if (ok && !interrupted) {
			json_array_append_new(
			    entries, manifest_entry(e, args, result_name, output_name, got));
			failed_runs |= got == CLI_EXIT_FAILED_RUNS;
			done += plan[i].weight;
			finished++;
			printf("%s: %s (%s)%s\n", e->name, result, plan[i].what,
			       got == CLI_EXIT_FAILED_RUNS ? ": some migrations failed" : "");
		} else {
			remove_leftovers(result);
			if (!interrupted && got >= 0)
				errorf("%s (%s:%d): `switchover %s` ended with exit status %d; its "
				       "messages are above\n",
				       e->name, s->file, entry_line(s, i),
				       (char *)g_ptr_array_index(args, 0), got);
		}
		g_ptr_array_free(args, TRUE);
		g_free(result_name);
		g_free(output_name);
		g_free(result);
		g_free(output);
		if (!ok && !interrupted) {
			sigaction(SIGINT, &old_int, NULL);
			sigaction(SIGTERM, &old_term, NULL);
			goto out;
		}
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (interrupted) {
		errorf("interrupted: %zu of %zu entries finished; no manifest written (%s is not a "
		       "finished suite run)\n",
		       finished, s->n_entries, o.dir);
		status = 130;
		goto out;
	}
	rc = manifest_write(o.dir, s, entries);
	entries = NULL;
	if (rc)
		goto out;
	printf("manifest: %s/%s (%zu entries, %.0f s)\n", o.dir, SUITE_MANIFEST, s->n_entries,
	       cli_wall_now() - start);
	status = fflush(stdout) ? CLI_EXIT_ERROR : failed_runs ? CLI_EXIT_FAILED_RUNS : CLI_EXIT_OK;
out:
	json_decref(entries);
	for (size_t i = 0; i < s->n_entries; i++)
		g_free(plan[i].what);
	g_free(plan);
	suite_free(s);
	return status;
}
