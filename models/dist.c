/*
 * dist.c - latency, cost and size distributions: parse, print, draw (GSL).
 *
 * The text form is what scenario files carry, so dist_format() writes a form
 * the parser reads back to the identical struct (scenario_to_yaml() round
 * trips through it).  One parser serves both units: the quantities inside
 * are durations (units_parse_duration()) or sizes (units_parse_bytes())
 * according to the unit asked for; parameters without a unit (sigma, shape)
 * are plain non-negative numbers in both.
 */
#include "dist.h"
#include "rng.h"

#include <errno.h>
#include <glib.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"

/* A quantity in the distribution's unit, or a plain number. */
enum param_type { PARAM_QUANTITY, PARAM_NUMBER };

#define N_UNITS 2

struct dist_spec {
	const char *name;
	enum dist_kind kind;
	size_t n_params; /* 0: a list of samples (empirical) */
	const char *param[2];
	enum param_type type[2];
	const char *example[N_UNITS]; /* [enum dist_unit] */
};

static const struct dist_spec specs[] = {
    {"fixed", DIST_FIXED, 1, {"value", NULL}, {PARAM_QUANTITY, 0}, {"fixed(20ms)", "fixed(4MiB)"}},
    {"uniform",
     DIST_UNIFORM,
     2,
     {"low", "high"},
     {PARAM_QUANTITY, PARAM_QUANTITY},
     {"uniform(10ms, 30ms)", "uniform(1MiB, 8MiB)"}},
    {"normal",
     DIST_NORMAL,
     2,
     {"mean", "sd"},
     {PARAM_QUANTITY, PARAM_QUANTITY},
     {"normal(mean=20ms, sd=2ms)", "normal(mean=4MiB, sd=1MiB)"}},
    {"lognormal",
     DIST_LOGNORMAL,
     2,
     {"median", "sigma"},
     {PARAM_QUANTITY, PARAM_NUMBER},
     {"lognormal(median=20ms, sigma=0.5)", "lognormal(median=4MiB, sigma=0.5)"}},
    {"gamma",
     DIST_GAMMA,
     2,
     {"shape", "scale"},
     {PARAM_NUMBER, PARAM_QUANTITY},
     {"gamma(shape=2, scale=10ms)", "gamma(shape=2, scale=2MiB)"}},
    {"empirical",
     DIST_EMPIRICAL,
     0,
     {NULL, NULL},
     {0, 0},
     {"empirical(5ms, 7ms, 30ms)", "empirical(1MiB, 4MiB, 8MiB)"}},
};
#define N_SPECS (sizeof(specs) / sizeof(specs[0]))

static const char *const dist_forms[N_UNITS] = {
    [DIST_UNIT_SECONDS] = "20ms, fixed(20ms), uniform(10ms, 30ms), normal(mean=20ms, sd=2ms), "
                          "lognormal(median=20ms, sigma=0.5), gamma(shape=2, scale=10ms) or "
                          "empirical(5ms, 7ms, 30ms)",
    [DIST_UNIT_BYTES] = "4MiB, fixed(4MiB), uniform(1MiB, 8MiB), normal(mean=4MiB, sd=1MiB), "
                        "lognormal(median=4MiB, sigma=0.5), gamma(shape=2, scale=2MiB) or "
                        "empirical(1MiB, 4MiB, 8MiB)",
};

static const struct dist_spec *spec_of(enum dist_kind kind)
{
	for (size_t i = 0; i < N_SPECS; i++)
		if (specs[i].kind == kind)
			return &specs[i];
	return NULL;
}

/* Trim spaces in place: returns the first non-space, cuts trailing ones. */
static char *trim(char *s)
{
	char *e;
	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return s;
}

/* One parameter: a quantity in `unit`, or a plain number (sigma, shape). */
static int parse_param(enum param_type type, enum dist_unit unit, const char *text, double *v,
                       char *err, size_t errlen)
{
	uint64_t bytes;

	if (type == PARAM_NUMBER)
		return units_parse_number(text, v, err, errlen);
	if (unit == DIST_UNIT_SECONDS)
		return units_parse_duration(text, v, err, errlen);
	if (units_parse_bytes(text, &bytes, err, errlen))
		return -1;
	/* Compared as integers: 2^53 + 1 would round to 2^53 as a double. */
	if (bytes > (uint64_t)DIST_MAX_BYTES) {
		snprintf(err, errlen,
		         "size '%s' is too large for a distribution: at most 8PiB (2^53 bytes)",
		         text);
		return -1;
	}
	*v = (double)bytes;
	return 0;
}

/* Parameter constraints beyond "not negative", with what would be right. */
static int check_params(const struct dist_spec *sp, const struct dist *d, char *err, size_t errlen)
{
	switch (d->kind) {
	case DIST_UNIFORM:
		if (d->b < d->a) {
			snprintf(err, errlen,
			         "uniform: high is below low: expected low <= high, as in %s",
			         sp->example[d->unit]);
			return -1;
		}
		break;
	case DIST_LOGNORMAL:
		if (!(d->a > 0)) {
			snprintf(err, errlen, "lognormal: median must be > 0, as in %s",
			         sp->example[d->unit]);
			return -1;
		}
		break;
	case DIST_GAMMA:
		if (!(d->a > 0) || !(d->b > 0)) {
			snprintf(err, errlen, "gamma: shape and scale must be > 0, as in %s",
			         sp->example[d->unit]);
			return -1;
		}
		break;
	case DIST_EMPIRICAL:
		if (d->n_samples == 0) {
			snprintf(err, errlen, "empirical needs at least one sample, as in %s",
			         sp->example[d->unit]);
			return -1;
		}
		break;
	default:
		break;
	}
	return 0;
}

static int parse_args_missing(const struct dist_spec *sp, enum dist_unit unit, const bool have[2],
                              char *err, size_t errlen)
{
	for (size_t i = 0; i < sp->n_params; i++) {
		if (!have[i]) {
			snprintf(err, errlen, "%s: missing %s: expected %s", sp->name, sp->param[i],
			         sp->example[unit]);
			return -1;
		}
	}
	return 0;
}

/* Split "a, b=c, ..." at commas and fill d's parameters (or samples). */
static int parse_args(const struct dist_spec *sp, char *args, struct dist *d, char *err,
                      size_t errlen)
{
	bool have[2] = {false, false};
	size_t n_args = 1; /* an upper bound on the samples: nothing needs to grow */
	for (const char *c = args; *c; c++)
		n_args += *c == ',';
	char sub[256];
	char *arg, *next;

	if (!*trim(args))
		return sp->n_params ? parse_args_missing(sp, d->unit, have, err, errlen)
		                    : check_params(sp, d, err, errlen);
	for (arg = args; arg; arg = next) {
		char *eq, *value;
		size_t slot;
		double v;

		next = strchr(arg, ',');
		if (next)
			*next++ = '\0';
		eq = strchr(arg, '=');
		if (eq)
			*eq = '\0';
		value = trim(eq ? eq + 1 : arg);
		if (!*value) {
			snprintf(err, errlen, "%s: empty argument: expected %s", sp->name,
			         sp->example[d->unit]);
			return -1;
		}
		if (sp->n_params == 0) {
			if (eq) {
				snprintf(
				    err, errlen,
				    "empirical takes a list of samples without names, as in %s",
				    sp->example[d->unit]);
				return -1;
			}
			if (parse_param(PARAM_QUANTITY, d->unit, value, &v, sub, sizeof(sub))) {
				snprintf(err, errlen, "empirical sample %zu: %s", d->n_samples + 1,
				         sub);
				return -1;
			}
			if (!d->samples && !(d->samples = calloc(n_args, sizeof(*d->samples)))) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			d->samples[d->n_samples++] = v;
			continue;
		}
		if (eq) {
			char *key = trim(arg);
			for (slot = 0; slot < sp->n_params; slot++)
				if (strcmp(key, sp->param[slot]) == 0)
					break;
			if (slot == sp->n_params) {
				snprintf(err, errlen, "%s has no parameter '%s': expected %s",
				         sp->name, key, sp->example[d->unit]);
				return -1;
			}
		} else {
			/* A positional argument fills the first parameter not yet given. */
			for (slot = 0; slot < sp->n_params && have[slot]; slot++)
				;
			if (slot >= sp->n_params) {
				snprintf(err, errlen, "too many arguments to %s: expected %s",
				         sp->name, sp->example[d->unit]);
				return -1;
			}
		}
		if (have[slot]) {
			snprintf(err, errlen, "%s: %s given twice: expected %s", sp->name,
			         sp->param[slot], sp->example[d->unit]);
			return -1;
		}
		if (parse_param(sp->type[slot], d->unit, value, &v, sub, sizeof(sub))) {
			snprintf(err, errlen, "%s: %s: %s", sp->name, sp->param[slot], sub);
			return -1;
		}
		have[slot] = true;
		if (slot == 0)
			d->a = v;
		else
			d->b = v;
	}
	if (parse_args_missing(sp, d->unit, have, err, errlen))
		return -1;
	return check_params(sp, d, err, errlen);
}

/* The one parser behind dist_parse() and dist_parse_bytes(). */
/* How far draws reach: the largest value, or one a million draws do not
 * pass (mean or median plus six spreads), for the parser's bound. */
static double dist_reach(const struct dist *d)
{
	double m = 0;
	switch (d->kind) {
	case DIST_FIXED:
		return d->a;
	case DIST_UNIFORM:
		return d->b;
	case DIST_NORMAL:
		return d->a + 6 * d->b;
	case DIST_LOGNORMAL:
		return d->a * exp(6 * d->b);
	case DIST_GAMMA:
		return d->a * d->b + 6 * sqrt(d->a) * d->b;
	case DIST_EMPIRICAL:
		for (size_t i = 0; i < d->n_samples; i++)
			m = fmax(m, d->samples[i]);
		return m;
	}
	return m;
}

static int parse_in_unit(const char *text, enum dist_unit unit, struct dist *out, char *err,
                         size_t errlen)
{
	struct dist d = {.kind = DIST_FIXED, .unit = unit};
	char *copy, *s, *open, *close;
	const struct dist_spec *sp = NULL;
	char sub[256];
	int rc = -1;

	if (!text) {
		snprintf(err, errlen, "empty distribution: expected %s", dist_forms[unit]);
		return -1;
	}
	copy = strdup(text);
	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s = trim(copy);
	open = strchr(s, '(');
	if (!open) {
		/* A bare quantity is a fixed value. */
		if (parse_param(PARAM_QUANTITY, unit, s, &d.a, sub, sizeof(sub)) == 0)
			rc = 0;
		else if (*s && (*s < '0' || *s > '9') && *s != '.' && *s != '-' && *s != '+')
			snprintf(err, errlen, "unknown distribution '%s': expected %s", s,
			         dist_forms[unit]);
		else
			snprintf(err, errlen, "%s", sub);
		goto out;
	}
	close = strrchr(s, ')');
	if (!close || close < open || close[1] != '\0') {
		snprintf(err, errlen,
		         "'%s': expected NAME(ARGUMENTS) with nothing after ')', as in %s", s,
		         dist_forms[unit]);
		goto out;
	}
	*open = '\0';
	*close = '\0';
	for (size_t i = 0; i < N_SPECS; i++)
		if (strcmp(trim(s), specs[i].name) == 0)
			sp = &specs[i];
	if (!sp) {
		snprintf(err, errlen, "unknown distribution '%s': expected %s", trim(s),
		         dist_forms[unit]);
		goto out;
	}
	d.kind = sp->kind;
	if (strchr(open + 1, '(')) {
		snprintf(err, errlen, "%s: nested parentheses: expected %s", sp->name,
		         sp->example[unit]);
		goto out;
	}
	rc = parse_args(sp, open + 1, &d, err, errlen);
	if (!rc && unit == DIST_UNIT_SECONDS && !(dist_reach(&d) <= UNITS_MAX_DURATION_S)) {
		snprintf(err, errlen, "'%s' draws durations up to %g s: expected at most %.0fs",
		         text, dist_reach(&d), UNITS_MAX_DURATION_S);
		rc = -1;
	}
out:
	free(copy);
	if (rc) {
		dist_free(&d);
		return -1;
	}
	*out = d;
	return 0;
}

int dist_parse(const char *text, struct dist *out, char *err, size_t errlen)
{
	return parse_in_unit(text, DIST_UNIT_SECONDS, out, err, errlen);
}

int dist_parse_bytes(const char *text, struct dist *out, char *err, size_t errlen)
{
	return parse_in_unit(text, DIST_UNIT_BYTES, out, err, errlen);
}

/*
 * The shortest "<number><unit>" that units_parse_duration() turns back into
 * exactly `s`; the unit is the largest one the value is at least 1 of.
 */
static void format_duration_exact(double s, char *buf, size_t len)
{
	static const struct {
		const char *suffix;
		double per_s;
	} u[] = {{"s", 1}, {"ms", 1e3}, {"us", 1e6}, {"ns", 1e9}};
	char tmp[64], sub[8];
	double back;

	if (s == 0 || !isfinite(s)) {
		snprintf(buf, len, s == 0 ? "0" : "%g", s);
		return;
	}
	for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
		double m = s * u[i].per_s;
		int p0;
		if (m < 1 && i + 1 < sizeof(u) / sizeof(u[0]))
			continue;
		/* Start at the integer digits so 100 prints as "100", not "1e+02". */
		p0 = m >= 1 ? (int)floor(log10(m)) + 1 : 1;
		for (int p = p0 < 1 ? 1 : p0; p <= 17; p++) {
			snprintf(tmp, sizeof(tmp), "%.*g%s", p, m, u[i].suffix);
			if (units_parse_duration(tmp, &back, sub, sizeof(sub)) == 0 && back == s) {
				snprintf(buf, len, "%s", tmp);
				return;
			}
		}
	}
	/* Seconds written with 17 digits always convert back exactly. */
	snprintf(buf, len, "%.17gs", s);
}

/*
 * Bytes as units_parse_bytes() reads them back: exact for the whole numbers
 * up to DIST_MAX_BYTES the parser produces; anything else (only a
 * hand-built dist can hold it) is printed as the nearest whole byte.
 */
static void format_bytes(double v, char *buf, size_t len)
{
	if (v >= 0 && v <= DIST_MAX_BYTES && v == floor(v))
		units_format_bytes_exact((uint64_t)v, buf, len);
	else
		snprintf(buf, len, "%.17g", v);
}

static void format_param(enum param_type t, enum dist_unit unit, double v, char *buf, size_t len)
{
	if (t == PARAM_NUMBER)
		units_format_number_exact(v, buf, len);
	else if (unit == DIST_UNIT_BYTES)
		format_bytes(v, buf, len);
	else
		format_duration_exact(v, buf, len);
}

void dist_format(const struct dist *d, char *buf, size_t len)
{
	const struct dist_spec *sp = spec_of(d->kind);
	char a[64], b[64];
	GString *text;

	if (!len)
		return;
	if (!sp) {
		snprintf(buf, len, "?");
		return;
	}
	switch (d->kind) {
	case DIST_FIXED:
		format_param(PARAM_QUANTITY, d->unit, d->a, buf, len);
		return;
	case DIST_UNIFORM:
		format_param(sp->type[0], d->unit, d->a, a, sizeof(a));
		format_param(sp->type[1], d->unit, d->b, b, sizeof(b));
		snprintf(buf, len, "%s(%s, %s)", sp->name, a, b);
		return;
	case DIST_EMPIRICAL:
		text = g_string_new(NULL);
		g_string_printf(text, "%s(", sp->name);
		for (size_t i = 0; i < d->n_samples; i++) {
			format_param(PARAM_QUANTITY, d->unit, d->samples[i], a, sizeof(a));
			g_string_append_printf(text, "%s%s", i ? ", " : "", a);
		}
		g_string_append_c(text, ')');
		g_strlcpy(buf, text->str, len);
		g_string_free(text, TRUE);
		return;
	default:
		format_param(sp->type[0], d->unit, d->a, a, sizeof(a));
		format_param(sp->type[1], d->unit, d->b, b, sizeof(b));
		snprintf(buf, len, "%s(%s=%s, %s=%s)", sp->name, sp->param[0], a, sp->param[1], b);
		return;
	}
}

double dist_sample(const struct dist *d, gsl_rng *r)
{
	double v;

	switch (d->kind) {
	case DIST_FIXED:
		return d->a;
	case DIST_UNIFORM:
		return d->a + (d->b - d->a) * gsl_rng_uniform(r);
	case DIST_NORMAL:
		v = d->a + gsl_ran_gaussian(r, d->b);
		return v > 0 ? v : 0;
	case DIST_LOGNORMAL:
		return gsl_ran_lognormal(r, log(d->a), d->b);
	case DIST_GAMMA:
		return gsl_ran_gamma(r, d->a, d->b);
	case DIST_EMPIRICAL:
		/* gsl_rng_uniform is in [0, 1), so the index is always < n. */
		return d->n_samples
		           ? d->samples[(size_t)(gsl_rng_uniform(r) * (double)d->n_samples)]
		           : 0;
	}
	return 0;
}

double dist_sample_lazy(const struct dist *d, struct rng_lazy *l)
{
	return d->kind == DIST_FIXED ? d->a : dist_sample(d, rng_lazy_get(l));
}

double dist_mean(const struct dist *d)
{
	double sum = 0, z;

	switch (d->kind) {
	case DIST_FIXED:
		return d->a;
	case DIST_UNIFORM:
		return (d->a + d->b) / 2;
	case DIST_NORMAL:
		/* Draws are clamped at 0, so the mean is E[max(0, X)]. */
		if (d->b == 0)
			return d->a > 0 ? d->a : 0;
		z = d->a / d->b;
		return d->a * gsl_cdf_ugaussian_P(z) + d->b * gsl_ran_ugaussian_pdf(z);
	case DIST_LOGNORMAL:
		return d->a * exp(d->b * d->b / 2);
	case DIST_GAMMA:
		return d->a * d->b;
	case DIST_EMPIRICAL:
		for (size_t i = 0; i < d->n_samples; i++)
			sum += d->samples[i];
		return d->n_samples ? sum / (double)d->n_samples : 0;
	}
	return 0;
}

int dist_copy(struct dist *dst, const struct dist *src)
{
	struct dist d = *src;

	d.samples = NULL;
	if (src->kind == DIST_EMPIRICAL && src->n_samples) {
		d.samples = malloc(src->n_samples * sizeof(*d.samples));
		if (!d.samples)
			return -ENOMEM;
		memcpy(d.samples, src->samples, src->n_samples * sizeof(*d.samples));
	}
	*dst = d;
	return 0;
}

void dist_free(struct dist *d)
{
	free(d->samples);
	d->samples = NULL;
	d->n_samples = 0;
}
