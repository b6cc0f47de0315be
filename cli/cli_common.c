/*
 * cli_common.c - what every subcommand reports the same way: errors
 * prefixed with the command, integer and --strategy option values, and the
 * time left of progress lines.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

void cli_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "switchover %s: ", cmd);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

int cli_parse_uint(const char *cmd, const char *opt, const char *text, unsigned long long min,
                   unsigned long long max, unsigned long long *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(text, &end, 0);
	if (errno || end == text || *end || text[0] == '-' || v < min || v > max) {
		cli_error(cmd, "%s '%s': expected an integer from %llu to %llu\n", opt, text, min,
		          max);
		return -1;
	}
	*out = v;
	return 0;
}

int cli_parse_strategy_or_all(const char *cmd, const char *text, int *out)
{
	if (!strcmp(text, "all")) {
		*out = STRATEGY_COUNT;
		return 0;
	}
	if ((*out = strategy_parse(text)) < 0) {
		cli_error(cmd,
		          "--strategy '%s': expected sequential, parallel-prio, parallel-barrier "
		          "or all\n",
		          text);
		return -1;
	}
	return 0;
}

double cli_wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void cli_format_left(double seconds, char *buf, size_t len)
{
	if (seconds < 120)
		snprintf(buf, len, "%.0f s", seconds);
	else
		snprintf(buf, len, "%.0fm%02.0fs", floor(seconds / 60), fmod(seconds, 60));
}

int cli_subcommand(const char *cmd, const struct cli_command *table, void (*help)(FILE *out),
                   int argc, char **argv)
{
	if (argc < 2) {
		help(stderr);
		return CLI_EXIT_ERROR;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		help(stdout);
		return CLI_EXIT_OK;
	}
	for (const struct cli_command *c = table; c->name; c++)
		if (!strcmp(c->name, argv[1]))
			return c->run(argc - 1, argv + 1);
	cli_error(cmd, "unknown subcommand '%s'; subcommands are:", argv[1]);
	for (const struct cli_command *c = table; c->name; c++)
		fprintf(stderr, " %s", c->name);
	fprintf(stderr, " (see switchover %s --help)\n", cmd);
	return CLI_EXIT_ERROR;
}

void cli_subcommand_list(FILE *out, const char *cmd, const struct cli_command *table)
{
	fprintf(out, "subcommands:\n");
	for (const struct cli_command *c = table; c->name; c++)
		fprintf(out, "  %-8s %s\n", c->name, c->summary);
	fprintf(out, "\n`switchover %s SUBCOMMAND --help` explains one.\n", cmd);
}
