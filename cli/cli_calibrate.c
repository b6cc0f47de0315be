/*
 * cli_calibrate.c - `switchover calibrate`: fit the model to measurements
 * (docs/calibration.md).  The command is a table of subcommands, one file
 * each: `traces` (here: a device profile from result files' traces) and
 * `table` (published observations).
 */
#include <errno.h>
#include <getopt.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "calib.h"
#include "calibrate_table.h"
#include "cli.h"
#include "device_profile.h"
#include "outfile.h"

#define errorf(...) cli_error("calibrate", __VA_ARGS__)

static const struct cli_command calibrate_commands[] = {
    {"traces", "a device profile from result files' traces (runs of any world)",
     cli_calibrate_traces, cli_calibrate_traces_help},
    {"table", "fit scenario keys to observed statistics (published tables)", calibrate_table_main,
     calibrate_table_help},
    {NULL, NULL, NULL, NULL},
};

void cli_calibrate_help(FILE *out)
{
	fprintf(out, "usage: switchover calibrate SUBCOMMAND [OPTIONS] ...\n\n"
	             "Fit the model to measurements (docs/calibration.md).\n\n");
	cli_subcommand_list(out, "calibrate", calibrate_commands);
}

int cli_calibrate(int argc, char **argv)
{
	return cli_subcommand("calibrate", calibrate_commands, cli_calibrate_help, argc, argv);
}

/* ---- calibrate traces ---- */

void cli_calibrate_traces_help(FILE *out)
{
	fprintf(out,
	        "usage: switchover calibrate traces RESULT.h5... -o PROFILE.yaml [--name NAME]\n"
	        "                                  [--group G | --pool NAME]\n\n"
	        "Estimate a device profile from the traces of result files of any world (sim,\n"
	        "real with emulated or VFIO devices, `import qemu`), over every run of every\n"
	        "file, for one device group (by name):\n"
	        "  latency.<arc>   each arc's work: normal, lognormal and gamma fitted by maximum\n"
	        "                  likelihood (GSL), the best by AIC, its Kolmogorov-Smirnov\n"
	        "                  distance; the samples themselves (empirical) when the best has\n"
	        "                  KS p < %.2g; fixed when every sample is equal\n"
	        "  latency.query   back-to-back precopy-info queries of the migration thread\n"
	        "  save_rate       least squares of the saving arcs' work on the bytes saved\n"
	        "  load.fixed, load.rate\n"
	        "                  least squares of the destination's writes: fixed + bytes/rate\n"
	        "  init_load.fixed the header-completing write's time beyond the load line\n"
	        "  (load.image, a cost per complete image, is not estimated: calibrate table)\n"
	        "  capabilities    the states the arcs visited\n"
	        "It prints a table of what it fitted and lists what it could not estimate and\n"
	        "why (those keys are left out of the profile, never guessed).  Every value of\n"
	        "the profile carries its provenance: files, samples, fit.\n\n"
	        "options:\n"
	        "  -o, --output FILE  the profile (written as FILE.tmp-PID, then renamed)\n"
	        "  --name NAME        the profile's name (default: FILE's name without .yaml)\n"
	        "  --group G          the device group to calibrate (required when the files\n"
	        "                     have several)\n"
	        "  --pool NAME        every device of the files as one group NAME: devices of\n"
	        "                     one kind in several groups, or an imported QEMU\n"
	        "                     migration (each device its own group)\n"
	        "  -h, --help         this help\n\n"
	        "exit status: 0 written; 2 bad input (unreadable or foreign file, a file with no\n"
	        "trace or no device arc, no group G, several groups and no --group).\n",
	        FIT_KS_P_MIN);
}

static void print_table(const struct calib_group *g, size_t n_files, size_t n_runs)
{
	printf("device group '%s': %zu file%s, %zu runs\n", g->name, n_files,
	       n_files == 1 ? "" : "s", n_runs);
	printf("%-38s %-40s %-10s %7s %9s %-20s %6s\n", "parameter", "value", "family", "samples",
	       "AIC", "next AIC", "KS");
	for (size_t i = 0; i < g->n_params; i++) {
		const struct calib_param *p = &g->params[i];
		if (!p->value)
			continue;
		char value[41], aic[16] = "-", next[32] = "-", ks[16] = "-";
		g_strlcpy(value, p->value, sizeof value);
		if (strlen(p->value) >= sizeof value)
			memcpy(value + sizeof value - 4, "...", 4);
		const struct fit_choice *c = &p->choice;
		if (c->best > FIT_FIXED) {
			snprintf(aic, sizeof aic, "%.1f", c->fam[c->best].aic);
			snprintf(ks, sizeof ks, "%.3f", c->fam[c->best].ks_d);
			if (c->second >= 0)
				snprintf(next, sizeof next, "%s %.1f", fit_family_name(c->second),
				         c->fam[c->second].aic);
		}
		printf("%-38s %-40s %-10s %7zu %9s %-20s %6s\n", p->key, value, p->method,
		       p->samples, aic, next, ks);
	}
	bool any = false;
	for (size_t i = 0; i < g->n_params; i++) {
		const struct calib_param *p = &g->params[i];
		if (p->value)
			continue;
		if (!any)
			printf("not estimated (left out of the profile):\n");
		any = true;
		printf("  %s: %s\n", p->key, p->why_not);
	}
}

static int write_text(const char *path, const char *text)
{
	char tmp[4096], err[1024];
	/* The profile must load as one before it is written. */
	struct device_profile check;
	if (device_profile_load_text(path, text, strlen(text), &check, err, sizeof err)) {
		errorf("traces: the profile would not load, so it is not written: %s\n", err);
		return -1;
	}
	device_profile_free(&check);
	if (outfile_begin(path, tmp, sizeof tmp, err, sizeof err)) {
		errorf("%s\n", err);
		return -1;
	}
	FILE *f = fopen(tmp, "w");
	bool ok = f && fputs(text, f) >= 0 && fflush(f) == 0 && fsync(fileno(f)) == 0;
	if (f && fclose(f))
		ok = false;
	if (!ok) {
		errorf("%s: cannot write: %s\n", tmp, strerror(errno));
		outfile_discard(tmp);
		return -1;
	}
	if (outfile_commit(tmp, path, err, sizeof err)) {
		errorf("%s\n", err);
		return -1;
	}
	return 0;
}

int cli_calibrate_traces(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"output", required_argument, NULL, 'o'}, {"name", required_argument, NULL, 'n'},
	    {"group", required_argument, NULL, 'g'},  {"pool", required_argument, NULL, 'p'},
	    {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
	};
	const char *output = NULL, *name = NULL, *group = NULL, *pool = NULL;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 'n':
			name = optarg;
			break;
		case 'g':
			group = optarg;
			break;
		case 'p':
			pool = optarg;
			break;
		case 'h':
			cli_calibrate_traces_help(stdout);
			return CLI_EXIT_OK;
		default:
			fprintf(stderr, "(see switchover calibrate traces --help)\n");
			return CLI_EXIT_ERROR;
		}
	}
	if (optind >= argc) {
		errorf(
		    "traces: expected RESULT.h5 files (see switchover calibrate traces --help)\n");
		return CLI_EXIT_ERROR;
	}
	if (!output) {
		errorf("traces: -o PROFILE.yaml is required\n");
		return CLI_EXIT_ERROR;
	}
	char err[1024];
	if (outfile_check(output, err, sizeof err)) {
		errorf("traces: %s\n", err);
		return CLI_EXIT_ERROR;
	}
	struct calib cal;
	if (group && pool) {
		errorf("traces: --group and --pool exclude each other\n");
		return CLI_EXIT_ERROR;
	}
	if (calib_from_files((const char *const *)argv + optind, (size_t)(argc - optind), group,
	                     pool, &cal, err, sizeof err)) {
		errorf("traces: %s\n", err);
		return CLI_EXIT_ERROR;
	}
	int rc = CLI_EXIT_ERROR;
	if (cal.n_groups > 1) {
		errorf("traces: the files have %zu device groups (", cal.n_groups);
		for (size_t g = 0; g < cal.n_groups; g++)
			fprintf(stderr, "%s%s", g ? ", " : "", cal.groups[g].name);
		fprintf(stderr, "): choose one with --group, or --pool them\n");
		goto out;
	}
	char *base = g_path_get_basename(output);
	if (g_str_has_suffix(base, ".yaml"))
		base[strlen(base) - 5] = '\0';
	GString *cmd = g_string_new("switchover calibrate");
	for (int i = 0; i < argc; i++)
		g_string_append_printf(cmd, " %s", argv[i]);
	char date[32];
	time_t now = time(NULL);
	strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	const struct calib_group *g = &cal.groups[0];
	print_table(g, cal.n_files, cal.n_runs);
	char *yaml = calib_profile_yaml(&cal, g, name ? name : base, cmd->str, date);
	if (write_text(output, yaml) == 0) {
		printf("wrote %s\n", output);
		rc = CLI_EXIT_OK;
	}
	g_free(yaml);
	g_string_free(cmd, TRUE);
	g_free(base);
out:
	calib_free(&cal);
	return rc;
}
