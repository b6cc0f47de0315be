/*
 * calibrate_profile.c - the device profile `calibrate table -o` writes
 * (the format of docs/scenarios.md, "Device profiles"): the base profile's
 * keys with their provenance, the fitted keys replaced and marked
 * `source: fitted` with the rows and the quality of the fit.
 */
#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "calibrate_table.h"
#include "device_profile.h"
#include "dist.h"
#include "outfile.h"
#include "units.h"
#include "yaml_out.h"

/* One leaf key of a profile's `device:` mapping: its dotted path, its value
 * as a scenario writes it, and its provenance as a YAML flow mapping. */
struct entry {
	char *key, *value, *provenance;
};

static void add(GArray *e, const char *key, char *value, char *provenance)
{
	struct entry x = {g_strdup(key), value, provenance};
	g_array_append_val(e, x);
}

/* `s` as a YAML double-quoted scalar, newly allocated. */
static char *quote(const char *s)
{
	GString *q = g_string_new(NULL);
	yaml_out_quoted(q, s);
	return g_string_free(q, FALSE);
}

/* An entry's provenance as a YAML flow mapping, fields as the file had them. */
static char *entry_provenance(const struct device_profile_entry *x)
{
	GString *p = g_string_new("");
	g_string_append_printf(p, "{source: %s", x->source);
	const struct {
		const char *field, *text;
	} f[] = {{"ref", x->ref}, {"reason", x->reason}, {"to", x->to}, {"fit", x->fit}};
	for (size_t k = 0; k < sizeof f / sizeof f[0]; k++)
		if (f[k].text) {
			char *q = quote(f[k].text);
			g_string_append_printf(p, ", %s: %s", f[k].field, q);
			g_free(q);
		}
	if (x->samples)
		g_string_append_printf(p, ", samples: %s", x->samples);
	if (x->files) {
		g_string_append(p, ", files: [");
		for (char **fl = x->files; *fl; fl++) {
			char *q = quote(*fl);
			g_string_append_printf(p, "%s%s", fl == x->files ? "" : ", ", q);
			g_free(q);
		}
		g_string_append_c(p, ']');
	}
	g_string_append_c(p, '}');
	return g_string_free(p, FALSE);
}

/* The base profile's keys with their provenance, from its file
 * (profiles/devices/NAME.yaml or a path; docs/scenarios.md, "Device
 * profiles"). */
static int base_profile(const char *name, GArray *e, char *err, size_t errlen)
{
	struct device_profile dp;
	char why[1536];
	if (device_profile_load(name, NULL, &dp, why, sizeof why)) {
		snprintf(err, errlen, "--profile %s: %s", name, why);
		return -1;
	}
	for (size_t i = 0; i < dp.n_entries; i++)
		add(e, dp.entries[i].key, g_strdup(dp.entries[i].value),
		    entry_provenance(&dp.entries[i]));
	device_profile_free(&dp);
	return 0;
}

/* "lines 3, 4 and 7" of the rows. */
static char *row_lines(const struct calt_problem *pb)
{
	GString *s = g_string_new(pb->n_rows > 1 ? "lines " : "line ");
	for (size_t i = 0; i < pb->n_rows; i++)
		g_string_append_printf(s, "%s%u",
		                       i == 0                ? ""
		                       : i + 1 == pb->n_rows ? " and "
		                                             : ", ",
		                       pb->rows[i].line);
	return g_string_free(s, FALSE);
}

static char *fitted_provenance(const char *csv, const struct calt_problem *pb,
                               const struct calt_result *r, size_t k)
{
	const struct calt_free *f = &pb->free[k];
	char lo[64], hi[64], *lines = row_lines(pb);
	double w = 0, w2 = 0;
	for (size_t i = 0; i < pb->n_rows; i++) {
		double o = pb->rows[i].observed_s, wi = pow(o / pb->rows[i].sigma_s, 2);
		w += wi;
		w2 += wi * pow((r->pred_s[i] - o) / o, 2);
	}
	calt_format_value(f->kind, r->ci_lo[k], lo, sizeof lo);
	calt_format_value(f->kind, r->ci_hi[k], hi, sizeof hi);
	char *to = g_strdup_printf("%s %s (calibrate table, %u runs, seed %llu)", csv, lines,
	                           pb->runs, pb->seed);
	char *fit = r->determined[k]
	                ? g_strdup_printf("weighted RMS relative error %.2f%% over %zu rows; 95%% "
	                                  "CI [%s, %s] from the curvature of chi2",
	                                  100 * sqrt(w2 / w), pb->n_rows, lo, hi)
	                : g_strdup_printf("NOT determined by these rows (a flat direction of "
	                                  "chi2): any value in [%s, %s] fits as well",
	                                  lo, hi);
	char *qto = quote(to), *qfit = quote(fit);
	char *p = g_strdup_printf("{source: fitted, to: %s, fit: %s}", qto, qfit);
	g_free(lines);
	g_free(to);
	g_free(fit);
	g_free(qto);
	g_free(qfit);
	return p;
}

/* The profile key a free key sets, or NULL when it is no key of every
 * device group ("devices.load.rate" -> "load.rate"). */
static const char *profile_key(const char *free_key)
{
	return strncmp(free_key, "devices.", 8) ? NULL : free_key + 8;
}

static void emit_device(GString *y, const GArray *e)
{
	g_string_append(y, "device:\n");
	for (size_t i = 0; i < e->len; i++) {
		const struct entry *x = &g_array_index(e, struct entry, i);
		const char *dot = strchr(x->key, '.');
		if (!dot) {
			g_string_append_printf(y, "  %s: %s\n", x->key, x->value);
			continue;
		}
		size_t plen = (size_t)(dot - x->key);
		bool first =
		    i == 0 || strncmp(g_array_index(e, struct entry, i - 1).key, x->key, plen + 1);
		bool last = i + 1 == e->len ||
		            strncmp(g_array_index(e, struct entry, i + 1).key, x->key, plen + 1);
		if (first)
			g_string_append_printf(y, "  %.*s: {", (int)plen, x->key);
		/* Quoted: a distribution's commas would end a plain scalar of
		 * the flow mapping ("normal(mean=5ms, sd=1ms)"). */
		char *v = quote(x->value);
		g_string_append_printf(y, "%s%s: %s%s", first ? "" : ", ", dot + 1, v,
		                       last ? "}\n" : "");
		g_free(v);
	}
	g_string_append(y, "provenance:\n");
	for (size_t i = 0; i < e->len; i++) {
		const struct entry *x = &g_array_index(e, struct entry, i);
		g_string_append_printf(y, "  %s: %s\n", x->key, x->provenance);
	}
}

/* Entries of one prefix must be adjacent for the flow mappings: a fitted
 * key the base lacks goes after the last entry of its prefix. */
static void put_fitted(GArray *e, const char *key, char *value, char *provenance)
{
	size_t at = e->len;
	const char *dot = strchr(key, '.');
	for (size_t i = 0; i < e->len; i++) {
		struct entry *x = &g_array_index(e, struct entry, i);
		if (!strcmp(x->key, key)) {
			g_free(x->value);
			g_free(x->provenance);
			x->value = value;
			x->provenance = provenance;
			return;
		}
		if (dot && !strncmp(x->key, key, (size_t)(dot - key) + 1))
			at = i + 1;
	}
	struct entry x = {g_strdup(key), value, provenance};
	g_array_insert_val(e, at, x);
}

int calt_write_profile(const char *path, const char *base, const char *name, const char *csv,
                       const char *command, const struct calt_problem *pb,
                       const struct calt_result *r, char *err, size_t errlen)
{
	GArray *e = g_array_new(FALSE, FALSE, sizeof(struct entry));
	int rc = base_profile(base, e, err, errlen);
	GString *y = g_string_new(NULL);
	char *desc = g_strdup_printf("%s with keys fitted to %s", base, csv);
	char *qname = quote(name), *qcmd = quote(command), *qdesc = quote(desc);
	g_string_append_printf(
	    y,
	    "# Device profile (docs/scenarios.md \"Device profiles\"), fitted by\n"
	    "# `switchover calibrate table` (docs/calibration.md).\n"
	    "name: %s\n"
	    "description: %s\n"
	    "command: %s\n",
	    qname, qdesc, qcmd);
	g_free(desc);
	g_free(qdesc);
	g_free(qname);
	g_free(qcmd);
	for (size_t k = 0; !rc && k < pb->n_free; k++) {
		char v[64];
		calt_format_value(pb->free[k].kind, r->x[k], v, sizeof v);
		const char *key = profile_key(pb->free[k].key);
		if (key)
			put_fitted(e, key, g_strdup(v), fitted_provenance(csv, pb, r, k));
		else
			g_string_append_printf(y, "# fitted, not a device key: %s = %s\n",
			                       pb->free[k].key, v);
	}
	if (!rc)
		emit_device(y, e);
	for (size_t i = 0; i < e->len; i++) {
		struct entry *x = &g_array_index(e, struct entry, i);
		g_free(x->key);
		g_free(x->value);
		g_free(x->provenance);
	}
	g_array_free(e, TRUE);
	/* What is written must load as a profile (a free key that is no
	 * profile key, a value the loader refuses): refuse it here instead. */
	struct device_profile check;
	if (!rc && device_profile_load_text(path, y->str, y->len, &check, err, errlen))
		rc = -1;
	else if (!rc)
		device_profile_free(&check);
	char tmp[4096];
	if (!rc && outfile_begin(path, tmp, sizeof tmp, err, errlen))
		rc = -1;
	if (!rc) {
		FILE *f = fopen(tmp, "w");
		bool ok = f && fwrite(y->str, 1, y->len, f) == y->len;
		ok = (f && fclose(f) == 0) && ok;
		if (!ok) {
			snprintf(err, errlen, "%s: cannot write", path);
			outfile_discard(tmp);
			rc = -1;
		} else if (outfile_commit(tmp, path, err, errlen)) {
			rc = -1;
		}
	}
	g_string_free(y, TRUE);
	return rc;
}
