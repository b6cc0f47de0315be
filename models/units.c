/*
 * units.c - parse and print sizes, rates and durations as people write them.
 *
 * Numbers are scanned by hand rather than with strtod() so that "nan",
 * "inf", hex floats and signs never slip through as quantities.  Decimal
 * multipliers divide or multiply by exact powers of ten (300ms is 300 / 1e3,
 * not 300 * 1e-3) so that a value printed in its shortest form and parsed
 * again is the same double: scenario_to_yaml() relies on that.
 *
 * Printing stays hand-made too, not GLib's g_format_size() and friends:
 * those round to one decimal and use their own unit spellings, where these
 * forms must read back through the parsers above to the very same value.
 */
#include "units.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A unit suffix: value = number * mul / div (exactly one of them is not 1). */
struct unit {
	const char *suffix;
	double mul;
	double div;
};

static const struct unit size_units[] = {
    {"", 1, 1},
    {"B", 1, 1},
    {"KiB", 1024.0, 1},
    {"MiB", 1048576.0, 1},
    {"GiB", 1073741824.0, 1},
    {"TiB", 1099511627776.0, 1},
    {"PiB", 1125899906842624.0, 1},
    {"EiB", 1152921504606846976.0, 1},
    {"kB", 1e3, 1},
    {"KB", 1e3, 1},
    {"MB", 1e6, 1},
    {"GB", 1e9, 1},
    {"TB", 1e12, 1},
    {"PB", 1e15, 1},
    {"EB", 1e18, 1},
};

/* Bits per second divide by 8 last, so 100Gbps is exactly 12.5e9 B/s. */
static const struct unit rate_units[] = {
    {"B/s", 1, 1},
    {"kB/s", 1e3, 1},
    {"KB/s", 1e3, 1},
    {"MB/s", 1e6, 1},
    {"GB/s", 1e9, 1},
    {"TB/s", 1e12, 1},
    {"KiB/s", 1024.0, 1},
    {"MiB/s", 1048576.0, 1},
    {"GiB/s", 1073741824.0, 1},
    {"TiB/s", 1099511627776.0, 1},
    {"bps", 1, 8},
    {"bit/s", 1, 8},
    {"kbps", 1e3, 8},
    {"Kbps", 1e3, 8},
    {"kbit/s", 1e3, 8},
    {"Kbit/s", 1e3, 8},
    {"kb/s", 1e3, 8},
    {"Mbps", 1e6, 8},
    {"Mbit/s", 1e6, 8},
    {"Mb/s", 1e6, 8},
    {"Gbps", 1e9, 8},
    {"Gbit/s", 1e9, 8},
    {"Gb/s", 1e9, 8},
    {"Tbps", 1e12, 8},
    {"Tbit/s", 1e12, 8},
    {"Tb/s", 1e12, 8},
};

static const struct unit duration_units[] = {
    {"ns", 1, 1e9}, {"us", 1, 1e6}, {"\xc2\xb5s", 1, 1e6}, {"ms", 1, 1e3},
    {"s", 1, 1},    {"min", 60, 1}, {"h", 3600, 1},
};

#define N_UNITS(a) (sizeof(a) / sizeof((a)[0]))

/*
 * A scanned number: the digits before and after the point kept apart, so
 * that sizes can be computed in integers when they are whole.
 */
struct number {
	double value;      /* the whole number as a double */
	uint64_t int_part; /* digits before the point (valid if !int_overflow) */
	double frac;       /* the part after the point, in [0, 1) */
	bool int_overflow; /* integer part does not fit in uint64_t */
	bool exponent;     /* written with e/E: only value is meaningful */
};

/*
 * Scan [0-9]+(.[0-9]*)?([eE][+-]?[0-9]+)? or .[0-9]+...  Returns the end of
 * the number, or NULL when `s` does not start with one.
 */
static const char *scan_number(const char *s, struct number *n)
{
	const char *p = s, *digits_start, *end;
	char *copy, *dot;
	bool any = false;

	memset(n, 0, sizeof(*n));
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');
		any = true;
		if (n->int_part > (UINT64_MAX - d) / 10)
			n->int_overflow = true;
		else
			n->int_part = n->int_part * 10 + d;
	}
	if (*p == '.') {
		p++;
		digits_start = p;
		while (*p >= '0' && *p <= '9')
			p++;
		any = any || p > digits_start;
	}
	if (!any)
		return NULL;
	if (*p == 'e' || *p == 'E') {
		const char *q = p + 1;
		if (*q == '+' || *q == '-')
			q++;
		if (*q >= '0' && *q <= '9') {
			while (*q >= '0' && *q <= '9')
				q++;
			p = q;
			n->exponent = true;
		}
	}
	end = p;
	/* The syntax is checked above; strtod only converts what we accepted. */
	copy = strndup(s, (size_t)(end - s));
	if (!copy)
		return NULL;
	n->value = strtod(copy, NULL);
	dot = strchr(copy, '.');
	if (dot && !n->exponent)
		n->frac = strtod(dot, NULL); /* a lone "." converts to 0 */
	free(copy);
	return end;
}

/* The unit of a bare 0, which needs none. */
static const struct unit bare_zero = {"", 1, 1};

/*
 * Split `text` into a number and a unit from `units`.  `what` and `examples`
 * make the error message; `bare_zero_only`: a number without a unit is only
 * accepted when it is 0 (a bare "50" could mean any unit).
 */
static int parse_quantity(const char *text, const struct unit *units, size_t n_units,
                          const char *what, const char *examples, bool bare_zero_only,
                          struct number *num, const struct unit **unit, char *err, size_t errlen)
{
	const char *p, *end;

	if (!text || !*text) {
		snprintf(err, errlen, "empty %s: expected %s", what, examples);
		return -1;
	}
	p = text;
	if (*p == '-') {
		snprintf(err, errlen, "negative %s '%s': expected a value >= 0 such as %s", what,
		         text, examples);
		return -1;
	}
	if (*p == '+')
		p++;
	end = scan_number(p, num);
	if (!end) {
		snprintf(err, errlen, "'%s' is not a %s: expected a number and a unit, such as %s",
		         text, what, examples);
		return -1;
	}
	while (*end == ' ')
		end++;
	for (size_t i = 0; i < n_units; i++) {
		if (strcmp(end, units[i].suffix) == 0) {
			*unit = &units[i];
			return 0;
		}
	}
	if (!*end) {
		if (bare_zero_only && num->value == 0) {
			*unit = &bare_zero;
			return 0;
		}
		snprintf(err, errlen, "%s '%s' has no unit: write it with one, such as %s", what,
		         text, examples);
		return -1;
	}
	snprintf(err, errlen, "unknown unit '%s' in %s '%s': expected %s", end, what, text,
	         examples);
	return -1;
}

#define SIZE_EXAMPLES     "100MiB, 1.5GiB, 512KB, 1GB or 4096 (bytes)"
#define RATE_EXAMPLES     "100Gbps, 25Gbit/s, 800Mbps (bits/s), 10GiB/s, 1.2GB/s (bytes/s) or 0"
#define DURATION_EXAMPLES "300ms, 2s, 150us, 500ns, 1.5min or 0"

int units_parse_bytes(const char *text, uint64_t *bytes, char *err, size_t errlen)
{
	struct number n;
	const struct unit *u;
	/* 2^64 as a double: the first value that does not fit. */
	const double limit = 18446744073709551616.0;

	if (parse_quantity(text, size_units, N_UNITS(size_units), "size", SIZE_EXAMPLES, false, &n,
	                   &u, err, errlen))
		return -1;
	if (!n.exponent && !n.int_overflow) {
		/* Whole part in integers, so 16383PiB or 2^64-1 are exact. */
		uint64_t mul = (uint64_t)u->mul, whole;
		double frac = nearbyint(n.frac * u->mul);
		if (__builtin_mul_overflow(n.int_part, mul, &whole) || frac >= limit ||
		    __builtin_add_overflow(whole, (uint64_t)frac, &whole))
			goto overflow;
		*bytes = whole;
		return 0;
	}
	{
		double v = nearbyint(n.value * u->mul);
		if (!(v < limit))
			goto overflow;
		*bytes = (uint64_t)v;
	}
	return 0;
overflow:
	snprintf(err, errlen, "size '%s' is too large: at most 16 EiB (2^64 - 1 bytes)", text);
	return -1;
}

int units_parse_rate(const char *text, double *bytes_per_s, char *err, size_t errlen)
{
	struct number n;
	const struct unit *u;
	double v;

	if (parse_quantity(text, rate_units, N_UNITS(rate_units), "rate", RATE_EXAMPLES, true, &n,
	                   &u, err, errlen))
		return -1;
	v = n.value * u->mul / u->div;
	if (!isfinite(v)) {
		snprintf(err, errlen, "rate '%s' is too large", text);
		return -1;
	}
	if (v > 0 && v < UNITS_MIN_RATE_BPS) {
		snprintf(err, errlen, "rate '%s' is below 1 B/s: expected 0 or at least 1B/s",
		         text);
		return -1;
	}
	*bytes_per_s = v;
	return 0;
}

int units_parse_duration(const char *text, double *seconds, char *err, size_t errlen)
{
	struct number n;
	const struct unit *u;
	double v;

	if (parse_quantity(text, duration_units, N_UNITS(duration_units), "duration",
	                   DURATION_EXAMPLES, true, &n, &u, err, errlen))
		return -1;
	v = n.value * u->mul / u->div;
	if (!(v <= UNITS_MAX_DURATION_S)) {
		snprintf(err, errlen, "duration '%s' is too large: expected at most %.0fs", text,
		         UNITS_MAX_DURATION_S);
		return -1;
	}
	*seconds = v;
	return 0;
}

int units_parse_number(const char *text, double *v, char *err, size_t errlen)
{
	char *end;
	double x;
	size_t n = text ? strlen(text) : 0;

	/* strtod alone would take "nan", "inf" and hex floats. */
	if (n == 0 || strspn(text, "0123456789.eE+-") != n || text[0] == 'e' || text[0] == 'E') {
		snprintf(err, errlen, "'%s' is not a number: expected a plain number such as 0.5",
		         text ? text : "");
		return -1;
	}
	errno = 0;
	x = strtod(text, &end);
	if (*end || errno == ERANGE || !isfinite(x)) {
		snprintf(err, errlen, "'%s' is not a number: expected a plain number such as 0.5",
		         text);
		return -1;
	}
	if (x < 0) {
		snprintf(err, errlen, "'%s' is negative: expected a number >= 0", text);
		return -1;
	}
	*v = x;
	return 0;
}

int units_parse_fraction(const char *text, double *v, char *err, size_t errlen)
{
	size_t n = text ? strlen(text) : 0;
	bool percent = n > 1 && text[n - 1] == '%';
	char number[64];
	int rc = n < sizeof number ? 0 : -1;
	if (!rc) {
		snprintf(number, sizeof number, "%.*s", (int)(percent ? n - 1 : n),
		         text ? text : "");
		rc = units_parse_number(number, v, err, errlen);
	}
	if (rc) {
		snprintf(err, errlen, "'%s': expected a percentage or a fraction (5%% or 0.05)",
		         text ? text : "");
		return -1;
	}
	if (percent)
		*v /= 100;
	return 0;
}

void units_format_bytes_exact(uint64_t bytes, char *buf, size_t len)
{
	static const char *const names[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	int best = -1;

	/* The largest binary unit that divides exactly; decimal units are
	 * never needed for exactness, and binary ones read better for sizes. */
	for (int i = 0; i < 6; i++)
		if (bytes && bytes % (1ull << (10 * (i + 1))) == 0)
			best = i;
	if (best < 0)
		snprintf(buf, len, "%llu", (unsigned long long)bytes);
	else
		snprintf(buf, len, "%llu%s", (unsigned long long)(bytes >> (10 * (best + 1))),
		         names[best]);
}

void units_format_number_exact(double v, char *buf, size_t len)
{
	char tmp[64];

	/* The shortest %g form strtod() turns back into exactly v. */
	for (int p = 1; p <= 17; p++) {
		snprintf(tmp, sizeof(tmp), "%.*g", p, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	snprintf(buf, len, "%s", tmp);
}

/* Three significant digits without an exponent: "1.18", "12.5", "100". */
static void format_3sig(double v, const char *unit, char *buf, size_t len)
{
	double a = fabs(v);
	int decimals = a < 9.995 ? 2 : a < 99.95 ? 1 : 0;
	snprintf(buf, len, "%.*f %s", decimals, v, unit);
}

void units_format_bytes(uint64_t bytes, char *buf, size_t len)
{
	static const char *const names[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	double v = (double)bytes;
	size_t i = 0;

	if (bytes < 1024) {
		snprintf(buf, len, "%u B", (unsigned)bytes);
		return;
	}
	while (v >= 1023.5 && i + 1 < N_UNITS(names)) {
		v /= 1024;
		i++;
	}
	format_3sig(v, names[i], buf, len);
}

void units_format_rate(double bytes_per_s, char *buf, size_t len)
{
	static const char *const names[] = {"B/s", "kB/s", "MB/s", "GB/s", "TB/s", "PB/s"};
	double v = bytes_per_s;
	size_t i = 0;

	if (!isfinite(v)) {
		snprintf(buf, len, "%g B/s", v);
		return;
	}
	if (v == 0) {
		snprintf(buf, len, "0 B/s");
		return;
	}
	while (fabs(v) >= 999.5 && i + 1 < N_UNITS(names)) {
		v /= 1000;
		i++;
	}
	format_3sig(v, names[i], buf, len);
}

void units_format_duration(double seconds, char *buf, size_t len)
{
	double a = fabs(seconds);

	if (!isfinite(seconds))
		snprintf(buf, len, "%g s", seconds);
	else if (seconds == 0)
		snprintf(buf, len, "0 s");
	else if (a < 999.5e-9)
		format_3sig(seconds * 1e9, "ns", buf, len);
	else if (a < 999.5e-6)
		format_3sig(seconds * 1e6, "us", buf, len);
	else if (a < 999.5e-3)
		format_3sig(seconds * 1e3, "ms", buf, len);
	else
		format_3sig(seconds, "s", buf, len);
}
