/*
 * dist.h - probability distributions of latencies, costs and sizes (GSL-backed).
 *
 * Written in scenarios as `20ms` (fixed), `fixed(20ms)`, `uniform(10ms, 30ms)`,
 * `normal(mean=20ms, sd=2ms)`, `lognormal(median=20ms, sigma=0.5)`,
 * `gamma(shape=2, scale=10ms)`, `empirical(5ms, 7ms, 30ms)`.  A distribution
 * of bytes has the same forms with sizes: `uniform(1MiB, 8MiB)`.
 * Draws are never negative (a normal draw below zero is clamped to 0).
 */
#ifndef SWITCHOVER_DIST_H
#define SWITCHOVER_DIST_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

enum dist_kind {
	DIST_FIXED = 0, /* a = value */
	DIST_UNIFORM,   /* a = low, b = high */
	DIST_NORMAL,    /* a = mean, b = standard deviation */
	DIST_LOGNORMAL, /* a = median, b = sigma of log */
	DIST_GAMMA,     /* a = shape, b = scale */
	DIST_EMPIRICAL, /* samples[0..n_samples), drawn uniformly */
};

/* What the values (and draws) are: parsing and printing need it, drawing
 * does not.  Seconds is 0 so that a zeroed struct dist is a duration. */
enum dist_unit {
	DIST_UNIT_SECONDS = 0,
	DIST_UNIT_BYTES = 1, /* whole bytes up to DIST_MAX_BYTES; draws may be fractional */
};

/* 2^53 (8 PiB): above it not every whole number is a double, so a byte
 * value there would not print and parse back to itself. */
#define DIST_MAX_BYTES 9007199254740992.0

struct dist {
	enum dist_kind kind;
	double a, b;
	double *samples; /* owned; DIST_EMPIRICAL only */
	size_t n_samples;
	enum dist_unit unit;
};

/*
 * Parse `text` (a distribution of seconds) into *out.  Returns 0, or -1 with
 * a message (what is wrong and what would be right) in err.
 */
int dist_parse(const char *text, struct dist *out, char *err, size_t errlen);
/* The same for a distribution of bytes (`4MiB`, `uniform(1MiB, 8MiB)`). */
int dist_parse_bytes(const char *text, struct dist *out, char *err, size_t errlen);
/* Canonical text form, in d->unit, parseable by the parser of that unit. */
void dist_format(const struct dist *d, char *buf, size_t len);
/* One draw from `rng`. */
double dist_sample(const struct dist *d, gsl_rng *rng);

/* dist_sample from a lazily seeded stream, which a fixed value leaves unseeded. */
struct rng_lazy;
double dist_sample_lazy(const struct dist *d, struct rng_lazy *l);
/* Mean of the distribution (for documentation and bounds). */
double dist_mean(const struct dist *d);
/* Deep copy; returns 0 or -ENOMEM. */
int dist_copy(struct dist *dst, const struct dist *src);
void dist_free(struct dist *d);
/* Always `v` seconds. */
static inline struct dist dist_fixed(double v)
{
	struct dist d = {.kind = DIST_FIXED, .a = v, .unit = DIST_UNIT_SECONDS};
	return d;
}
/* Always `v` bytes. */
static inline struct dist dist_fixed_bytes(double v)
{
	struct dist d = {.kind = DIST_FIXED, .a = v, .unit = DIST_UNIT_BYTES};
	return d;
}

#endif
