/*
 * sweep_plan.c - a study's points (sweep.h): every point's scenario loaded
 * and validated before any run, so a bad axis value is reported with its
 * line before the study starts, never halfway through it.
 */
#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rng.h"
#include "scenario_emit.h"
#include "scenario_load.h"
#include "sweep.h"

uint64_t sweep_point_seed(uint64_t seed, size_t p)
{
	return rng_splitmix64(seed ^ rng_splitmix64((uint64_t)p));
}

/* The error of point p's scenario, said of the axis whose --set it names
 * ("--set KEY=VALUE: ..."), else as the scenario loader said it. */
static void point_error(const struct sweep_plan *pl, size_t p, const char *msg, char *err,
                        size_t errlen)
{
	const struct study *st = pl->st;
	for (size_t a = 0; a < st->n_axes; a++) {
		const struct study_axis *ax = &st->axes[a];
		const char *v = ax->values[pl->idx[p * st->n_axes + a]];
		char *prefix = g_strdup_printf("--set %s=%s: ", ax->key, v);
		bool ours = g_str_has_prefix(msg, prefix);
		g_free(prefix);
		if (!ours)
			continue;
		const char *why = strchr(msg + 6, ' ') + 1;
		if (ax->line)
			snprintf(err, errlen, "%s:%d: axes.%s: value '%s': %s", st->file, ax->line,
			         ax->key, v, why);
		else
			snprintf(err, errlen, "--vary %s: value '%s': %s", ax->key, v, why);
		return;
	}
	snprintf(err, errlen, "%s", msg);
}

int sweep_plan_build(struct sweep_plan *pl, struct study *st, const char *const *sets,
                     size_t n_sets, enum study_traces traces, char *err, size_t errlen)
{
	*pl = (struct sweep_plan){.st = st, .traces = traces};
	pl->n_points = study_points(st);
	pl->sc = g_new0(struct scenario *, pl->n_points + 1);
	pl->base = g_new0(size_t, pl->n_points + 1);
	pl->idx = g_new0(size_t, pl->n_points * st->n_axes + 1);
	const char **all = g_new0(const char *, st->n_axes + n_sets + 1);
	char **own = g_new0(char *, st->n_axes + 1);
	GChecksum *h = g_checksum_new(G_CHECKSUM_SHA256);
	char *yaml = study_to_yaml(st);
	g_checksum_update(h, (const guchar *)yaml, -1);
	g_free(yaml);
	int rc = 0;
	/* A missing base scenario is the study's error, not an axis value's. */
	for (size_t i = 0; !rc && i < st->n_scenarios; i++)
		if (access(st->scenarios[i], R_OK)) {
			if (st->file)
				snprintf(err, errlen, "%s:%d: scenario: %s: cannot open: %s",
				         st->file, st->scenarios_line, st->scenarios[i],
				         strerror(errno));
			else
				snprintf(err, errlen, "%s: cannot open: %s", st->scenarios[i],
				         strerror(errno));
			rc = -1;
		}
	for (size_t p = 0; !rc && p < pl->n_points; p++) {
		size_t *idx = &pl->idx[p * st->n_axes];
		study_point(st, p, &pl->base[p], idx);
		/* The axes first, then --set: a --set the user typed wins. */
		for (size_t a = 0; a < st->n_axes; a++) {
			g_free(own[a]);
			own[a] =
			    g_strdup_printf("%s=%s", st->axes[a].key, st->axes[a].values[idx[a]]);
			all[a] = own[a];
		}
		for (size_t i = 0; i < n_sets; i++)
			all[st->n_axes + i] = sets[i];
		char msg[1024];
		if (scenario_load_file(st->scenarios[pl->base[p]], all, st->n_axes + n_sets,
		                       &pl->sc[p], msg, sizeof msg)) {
			point_error(pl, p, msg, err, errlen);
			rc = -1;
			break;
		}
		struct scenario *s = pl->sc[p];
		if (st->runs)
			s->runs = st->runs;
		s->seed = sweep_point_seed(st->seed_set ? st->seed : s->seed, p);
		/* The resolved scenario holds every input of the point's runs. */
		yaml = scenario_to_yaml(s);
		if (!yaml) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
			break;
		}
		g_checksum_update(h, (const guchar *)yaml, -1);
		g_free(yaml);
	}
	char tr[32];
	snprintf(tr, sizeof tr, "traces %d", (int)traces);
	g_checksum_update(h, (const guchar *)tr, -1);
	pl->hash = g_strdup(g_checksum_get_string(h));
	g_checksum_free(h);
	g_strfreev(own);
	g_free(all);
	return rc;
}

void sweep_plan_free(struct sweep_plan *pl)
{
	for (size_t p = 0; pl->sc && p < pl->n_points; p++)
		scenario_free(pl->sc[p]);
	g_free(pl->sc);
	g_free(pl->base);
	g_free(pl->idx);
	g_free(pl->hash);
}

size_t sweep_plan_strategies(const struct sweep_plan *pl, size_t p,
                             enum strategy_kind out[STRATEGY_COUNT])
{
	if (!pl->st->n_strategies) {
		out[0] = pl->sc[p]->strategy;
		return 1;
	}
	memcpy(out, pl->st->strategies, pl->st->n_strategies * sizeof *out);
	return pl->st->n_strategies;
}
