/*
 * test_units.c - quantities (units.c) and distributions (dist.c).
 *
 * Units: every accepted form, exact conversions (a duration printed in its
 * shortest form must parse back to the same double), rounding of sizes, and
 * every kind of bad input.  Distributions of durations and of bytes:
 * parsing and its errors, the canonical text round trip, and the moments of
 * 100k draws from a fixed mt19937 seed.
 */
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"
#include "rng.h"
#include "test_util.h"
#include "units.h"

static char err[512];

/* The last error message must contain `frag` (say what is wrong and what is right). */
static void check_msg(const char *input, const char *frag)
{
	bool ok = strstr(err, frag) != NULL;
	if (!ok)
		fprintf(stderr, "%s: got '%s', want '%s'\n", input ? input : "(null)", err, frag);
	CU_ASSERT(ok);
}

#define BYTES_OK(text, want)                                                                       \
	do {                                                                                       \
		uint64_t v_ = 0;                                                                   \
		int rc_ = units_parse_bytes(text, &v_, err, sizeof err);                           \
		if (rc_)                                                                           \
			fprintf(stderr, "%s: %s\n", text, err);                                    \
		CU_ASSERT_EQUAL(rc_, 0);                                                           \
		CU_ASSERT_EQUAL(v_, (uint64_t)(want));                                             \
	} while (0)

/* Parses must fail with a message containing `frag`. */
#define BYTES_BAD(text, frag)                                                                      \
	do {                                                                                       \
		uint64_t v_ = 0;                                                                   \
		err[0] = '\0';                                                                     \
		CU_ASSERT_EQUAL(units_parse_bytes(text, &v_, err, sizeof err), -1);                \
		check_msg(text, frag);                                                             \
	} while (0)

#define RATE_OK(text, want)                                                                        \
	do {                                                                                       \
		double v_ = -1;                                                                    \
		int rc_ = units_parse_rate(text, &v_, err, sizeof err);                            \
		if (rc_)                                                                           \
			fprintf(stderr, "%s: %s\n", text, err);                                    \
		CU_ASSERT_EQUAL(rc_, 0);                                                           \
		CU_ASSERT_EQUAL(v_, (double)(want));                                               \
	} while (0)

#define RATE_BAD(text, frag)                                                                       \
	do {                                                                                       \
		double v_ = 0;                                                                     \
		err[0] = '\0';                                                                     \
		CU_ASSERT_EQUAL(units_parse_rate(text, &v_, err, sizeof err), -1);                 \
		check_msg(text, frag);                                                             \
	} while (0)

#define DUR_OK(text, want)                                                                         \
	do {                                                                                       \
		double v_ = -1;                                                                    \
		int rc_ = units_parse_duration(text, &v_, err, sizeof err);                        \
		if (rc_)                                                                           \
			fprintf(stderr, "%s: %s\n", text, err);                                    \
		CU_ASSERT_EQUAL(rc_, 0);                                                           \
		CU_ASSERT_EQUAL(v_, (double)(want));                                               \
	} while (0)

#define DUR_BAD(text, frag)                                                                        \
	do {                                                                                       \
		double v_ = 0;                                                                     \
		err[0] = '\0';                                                                     \
		CU_ASSERT_EQUAL(units_parse_duration(text, &v_, err, sizeof err), -1);             \
		check_msg(text, frag);                                                             \
	} while (0)

static void test_bytes_forms(void)
{
	BYTES_OK("0", 0);
	BYTES_OK("4096", 4096);
	BYTES_OK("4096B", 4096);
	BYTES_OK("100MiB", 100ull << 20);
	BYTES_OK("100 MiB", 100ull << 20);
	BYTES_OK("1.5GiB", 3ull << 29);
	BYTES_OK("512KB", 512000);
	BYTES_OK("512kB", 512000);
	BYTES_OK("1GB", 1000000000);
	BYTES_OK("2TiB", 2ull << 40);
	BYTES_OK("3TB", 3000000000000ull);
	BYTES_OK("1PiB", 1ull << 50);
	BYTES_OK("1EiB", 1ull << 60);
	BYTES_OK(".5KiB", 512);
	BYTES_OK("1e3", 1000);
	BYTES_OK("+7", 7);
	/* Whole parts stay exact beyond 2^53. */
	BYTES_OK("18446744073709551615", UINT64_MAX);
	BYTES_OK("15EiB", 15ull << 60);
}

static void test_bytes_rounding(void)
{
	BYTES_OK("1.0005KiB", 1025); /* 1024.512 -> nearest */
	BYTES_OK("1.0004KiB", 1024); /* 1024.41 */
	BYTES_OK("0.3B", 0);
	BYTES_OK("1.1GB", 1100000000); /* 1.1 * 1e9 is not exact in binary */
	BYTES_OK("0.001MiB", 1049);    /* 1048.576 */
}

static void test_bytes_errors(void)
{
	BYTES_BAD("", "empty size");
	BYTES_BAD(NULL, "empty size");
	BYTES_BAD("-1MiB", "negative");
	BYTES_BAD("100MB/h", "unknown unit 'MB/h'");
	BYTES_BAD("100MiBx", "unknown unit 'MiBx'");
	BYTES_BAD("12 apples", "unknown unit 'apples'");
	BYTES_BAD("MiB", "not a size");
	BYTES_BAD("nan", "not a size");
	BYTES_BAD("NaN", "not a size");
	BYTES_BAD("inf", "not a size");
	BYTES_BAD("0x10", "unknown unit 'x10'");
	BYTES_BAD(".", "not a size");
	BYTES_BAD("1..2", "unknown unit");
	BYTES_BAD("16EiB", "too large");
	BYTES_BAD("18446744073709551616", "too large");
	BYTES_BAD("99999999999999999999999", "too large");
	BYTES_BAD("1e30", "too large");
	/* The message says what a right value looks like. */
	BYTES_BAD("lots", "100MiB");
}

static void test_rate_forms(void)
{
	RATE_OK("100Gbps", 12.5e9);
	RATE_OK("25Gbit/s", 3.125e9);
	RATE_OK("25Gb/s", 3.125e9);
	RATE_OK("800Mbps", 1e8);
	RATE_OK("8bps", 1);
	RATE_OK("8kbps", 1000);
	RATE_OK("1Tbps", 1.25e11);
	RATE_OK("10GiB/s", 10737418240.0);
	RATE_OK("1.2GB/s", 1.2e9);
	RATE_OK("512MiB/s", 536870912.0);
	RATE_OK("3B/s", 3);
	RATE_OK("0", 0);
	RATE_OK("0.0", 0);
	RATE_OK("0MB/s", 0);
}

static void test_rate_errors(void)
{
	RATE_BAD("", "empty rate");
	RATE_BAD("100", "has no unit");
	RATE_BAD("100MB/h", "unknown unit 'MB/h'");
	RATE_BAD("100GBps", "unknown unit 'GBps'");
	RATE_BAD("-1Gbps", "negative");
	RATE_BAD("nan", "not a rate");
	RATE_BAD("1e999Gbps", "too large");
	/* Simulated times would overflow to infinity (issue 17, defect 5). */
	RATE_BAD("1e-300B/s", "rate '1e-300B/s' is below 1 B/s");
	RATE_BAD("7bit/s", "below 1 B/s");
	RATE_BAD("5Gbps!", "unknown unit");
}

static void test_duration_forms(void)
{
	/* Division by exact powers of ten: 300ms is exactly the double 0.3. */
	DUR_OK("300ms", 0.3);
	DUR_OK("2s", 2);
	DUR_OK("150us", 150e-6);
	DUR_OK("150\xc2\xb5s", 150e-6);
	DUR_OK("500ns", 500e-9);
	DUR_OK("1.5min", 90);
	DUR_OK("1h", 3600);
	DUR_OK("0", 0);
	DUR_OK("0s", 0);
	DUR_OK("0.1s", 0.1);
	DUR_OK("100ms", 0.1);
	DUR_OK("1e-3s", 1e-3);
	DUR_OK("2.5 ms", 2.5e-3);
}

static void test_duration_errors(void)
{
	DUR_BAD("", "empty duration");
	DUR_BAD("300", "has no unit");
	DUR_BAD("1e308s", "duration '1e308s' is too large: expected at most 1000000000s");
	DUR_BAD("1e8h", "too large");
	DUR_BAD("5 parsecs", "unknown unit 'parsecs'");
	DUR_BAD("-1s", "negative");
	DUR_BAD("1e400s", "too large");
	DUR_BAD("nan", "not a duration");
	DUR_BAD("10msec", "unknown unit 'msec'");
	DUR_BAD("s", "not a duration");
}

static void test_number(void)
{
	static const struct {
		const char *text;
		double want;
	} ok[] = {{"0", 0}, {"0.5", 0.5}, {".25", 0.25}, {"1", 1}, {"2.5e-3", 2.5e-3}, {"+3", 3}};
	static const struct {
		const char *text, *frag;
	} bad[] = {{"", "not a number"},
	           {"nan", "not a number"},
	           {"inf", "not a number"},
	           {"0x1", "not a number"},
	           {"5%", "not a number"},
	           {"e5", "not a number"},
	           {"1e999", "not a number"},
	           {"-0.1", "'-0.1' is negative: expected a number >= 0"},
	           {"1,5", "expected a plain number such as 0.5"}};
	char buf[64];

	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		double v = -1;
		CU_ASSERT_EQUAL(units_parse_number(ok[i].text, &v, err, sizeof err), 0);
		CU_ASSERT_EQUAL(v, ok[i].want);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		double v = 7;
		err[0] = '\0';
		CU_ASSERT_EQUAL(units_parse_number(bad[i].text, &v, err, sizeof err), -1);
		check_msg(bad[i].text, bad[i].frag);
		CU_ASSERT_EQUAL(v, 7);
	}
	CU_ASSERT_EQUAL(units_parse_number(NULL, &(double){0}, err, sizeof err), -1);

	/* Thresholds and confidences: a percentage or a fraction. */
	double f = -1;
	CU_ASSERT_EQUAL(units_parse_fraction("5%", &f, err, sizeof err), 0);
	CU_ASSERT_EQUAL(f, 0.05);
	CU_ASSERT_EQUAL(units_parse_fraction("0.95", &f, err, sizeof err), 0);
	CU_ASSERT_EQUAL(f, 0.95);
	CU_ASSERT_EQUAL(units_parse_fraction("%", &f, err, sizeof err), -1);
	check_msg("%", "expected a percentage or a fraction (5% or 0.05)");
	CU_ASSERT_EQUAL(units_parse_fraction("-5%", &f, err, sizeof err), -1);
	CU_ASSERT_EQUAL(units_parse_fraction("5%%", &f, err, sizeof err), -1);

	/* The exact form is the shortest that reads back to the same double. */
	units_format_number_exact(0.05, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "0.05");
	units_format_number_exact(1, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "1");
	units_format_number_exact(0, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "0");
	units_format_number_exact(1e-300, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "1e-300");
	for (int i = 1; i < 1000; i++) {
		double v = 1.0 / i, back = -1;
		units_format_number_exact(v, buf, sizeof buf);
		CU_ASSERT_EQUAL_FATAL(units_parse_number(buf, &back, err, sizeof err), 0);
		CU_ASSERT_EQUAL(back, v);
	}
}

static void test_bytes_exact(void)
{
	static const struct {
		uint64_t v;
		const char *want;
	} cases[] = {
	    {0, "0"},
	    {1000, "1000"},
	    {4096, "4KiB"},
	    {3ull << 19, "1536KiB"},
	    {4ull << 20, "4MiB"},
	    {15ull << 60, "15EiB"},
	    {(1ull << 53) + 1, "9007199254740993"},
	    {UINT64_MAX, "18446744073709551615"},
	};
	char buf[64];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint64_t back = 0;
		units_format_bytes_exact(cases[i].v, buf, sizeof buf);
		CU_ASSERT_STRING_EQUAL(buf, cases[i].want);
		CU_ASSERT_EQUAL(units_parse_bytes(buf, &back, err, sizeof err), 0);
		CU_ASSERT_EQUAL(back, cases[i].v);
	}
}

static void test_format(void)
{
	char buf[64];

	units_format_bytes(0, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "0 B");
	units_format_bytes(1023, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "1023 B");
	units_format_bytes(1024, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "1.00 KiB");
	units_format_bytes(100ull << 20, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "100 MiB");
	units_format_bytes(3ull << 29, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "1.50 GiB");
	units_format_bytes(1234567, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "1.18 MiB");
	units_format_bytes((1ull << 20) - 1, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "1.00 MiB");
	units_format_bytes(UINT64_MAX, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "16.0 EiB");

	units_format_rate(12.5e9, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "12.5 GB/s");
	units_format_rate(0, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "0 B/s");
	units_format_rate(999, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "999 B/s");
	units_format_rate(1073741824.0, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "1.07 GB/s");

	units_format_duration(3.2e-3, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "3.20 ms");
	units_format_duration(0.3, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "300 ms");
	units_format_duration(2, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "2.00 s");
	units_format_duration(150e-6, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "150 us");
	units_format_duration(5e-10, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "0.50 ns");
	units_format_duration(0, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "0 s");
	units_format_duration(0.9996, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "1.00 s");
	units_format_duration(-2e-3, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "-2.00 ms");
	/* A short buffer truncates, never overflows. */
	units_format_duration(0.3, buf, 4);
	CU_ASSERT_STRING_EQUAL(buf, "300");
}

/* ---- distributions ---- */

static struct dist parse_ok(const char *text)
{
	struct dist d = {0};
	int rc = dist_parse(text, &d, err, sizeof err);
	if (rc)
		fprintf(stderr, "%s: %s\n", text, err);
	CU_ASSERT_EQUAL(rc, 0);
	return d;
}

static void test_dist_parse(void)
{
	struct dist d;

	d = parse_ok("20ms");
	CU_ASSERT_EQUAL(d.kind, DIST_FIXED);
	CU_ASSERT_EQUAL(d.a, 0.02);
	d = parse_ok("0");
	CU_ASSERT_EQUAL(d.kind, DIST_FIXED);
	CU_ASSERT_EQUAL(d.a, 0);
	d = parse_ok("fixed(20ms)");
	CU_ASSERT_EQUAL(d.kind, DIST_FIXED);
	CU_ASSERT_EQUAL(d.a, 0.02);
	d = parse_ok(" uniform( 10ms ,30ms ) ");
	CU_ASSERT_EQUAL(d.kind, DIST_UNIFORM);
	CU_ASSERT_EQUAL(d.a, 0.01);
	CU_ASSERT_EQUAL(d.b, 0.03);
	d = parse_ok("normal(mean=20ms, sd=2ms)");
	CU_ASSERT_EQUAL(d.kind, DIST_NORMAL);
	CU_ASSERT_EQUAL(d.a, 0.02);
	CU_ASSERT_EQUAL(d.b, 0.002);
	/* Named arguments in any order, or positional. */
	d = parse_ok("normal(sd=2ms, mean=20ms)");
	CU_ASSERT_EQUAL(d.a, 0.02);
	CU_ASSERT_EQUAL(d.b, 0.002);
	d = parse_ok("normal(20ms, 2ms)");
	CU_ASSERT_EQUAL(d.a, 0.02);
	d = parse_ok("lognormal(median=20ms, sigma=0.5)");
	CU_ASSERT_EQUAL(d.kind, DIST_LOGNORMAL);
	CU_ASSERT_EQUAL(d.a, 0.02);
	CU_ASSERT_EQUAL(d.b, 0.5);
	d = parse_ok("gamma(shape=2, scale=10ms)");
	CU_ASSERT_EQUAL(d.kind, DIST_GAMMA);
	CU_ASSERT_EQUAL(d.a, 2);
	CU_ASSERT_EQUAL(d.b, 0.01);
	d = parse_ok("empirical(5ms, 7ms, 30ms)");
	CU_ASSERT_EQUAL(d.kind, DIST_EMPIRICAL);
	CU_ASSERT_EQUAL_FATAL(d.n_samples, 3);
	CU_ASSERT_EQUAL(d.samples[0], 0.005);
	CU_ASSERT_EQUAL(d.samples[2], 0.03);
	dist_free(&d);
	CU_ASSERT_PTR_NULL(d.samples);
	CU_ASSERT_EQUAL(d.n_samples, 0);
}

#define DIST_BAD(text, frag)                                                                       \
	do {                                                                                       \
		struct dist d_ = dist_fixed(-1);                                                   \
		err[0] = '\0';                                                                     \
		CU_ASSERT_EQUAL(dist_parse(text, &d_, err, sizeof err), -1);                       \
		check_msg(text, frag);                                                             \
		CU_ASSERT_EQUAL(d_.a, -1); /* untouched on error */                                \
	} while (0)

static void test_dist_errors(void)
{
	DIST_BAD(NULL, "empty distribution");
	DIST_BAD("", "empty duration");
	DIST_BAD("weibull(1, 2)", "unknown distribution 'weibull'");
	/* Draws that reach past the largest duration (defect 5). */
	DIST_BAD("gamma(shape=1e300, scale=1e300s)", "scale: duration '1e300s' is too large");
	DIST_BAD("gamma(shape=1e300, scale=1s)", "draws durations up to 1e+300 s");
	DIST_BAD("lognormal(median=1ms, sigma=1e300)", "draws durations up to inf s");
	DIST_BAD("normal(mean=1s, sd=9e8s)", "draws durations up to");
	DIST_BAD("fast", "unknown distribution 'fast'");
	DIST_BAD("20", "has no unit");
	DIST_BAD("normal(mean=20ms)", "missing sd");
	DIST_BAD("normal(mean=20ms, sd=-2ms)", "negative");
	DIST_BAD("normal(mean=-1ms, sd=2ms)", "negative");
	DIST_BAD("normal(mean=1ms, sd=1ms, 3ms)", "too many arguments");
	DIST_BAD("normal(mean=1ms, mean=2ms)", "mean given twice");
	DIST_BAD("normal(avg=1ms, sd=1ms)", "no parameter 'avg'");
	DIST_BAD("uniform(30ms, 10ms)", "high is below low");
	DIST_BAD("uniform(10ms,,30ms)", "empty argument");
	DIST_BAD("lognormal(median=0, sigma=1)", "median must be > 0");
	DIST_BAD("lognormal(median=1ms, sigma=nan)", "not a number");
	DIST_BAD("lognormal(median=1ms, sigma=-1)", "negative");
	DIST_BAD("lognormal(median=1ms, sigma=inf)", "not a number");
	DIST_BAD("gamma(shape=0, scale=1ms)", "must be > 0");
	DIST_BAD("gamma(shape=2, scale=1)", "has no unit");
	DIST_BAD("empirical()", "at least one sample");
	DIST_BAD("empirical( )", "at least one sample");
	DIST_BAD("empirical(1ms, x)", "sample 2");
	DIST_BAD("empirical(a=1ms)", "without names");
	DIST_BAD("uniform(1ms, 2ms) extra", "nothing after");
	DIST_BAD("uniform(1ms, 2ms", "nothing after");
	DIST_BAD("uniform(1ms, (2ms))", "nested parentheses");
	DIST_BAD("fixed(nanms)", "not a duration");
}

static struct dist parse_bytes_ok(const char *text)
{
	struct dist d = {0};
	int rc = dist_parse_bytes(text, &d, err, sizeof err);
	if (rc)
		fprintf(stderr, "%s: %s\n", text, err);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(d.unit, DIST_UNIT_BYTES);
	return d;
}

static void test_dist_bytes_parse(void)
{
	struct dist d;

	d = parse_bytes_ok("4MiB");
	CU_ASSERT(d.kind == DIST_FIXED && d.a == 4 * 1048576.0);
	d = parse_bytes_ok("4096");
	CU_ASSERT(d.kind == DIST_FIXED && d.a == 4096);
	d = parse_bytes_ok("0");
	CU_ASSERT(d.kind == DIST_FIXED && d.a == 0);
	d = parse_bytes_ok("1.5KiB");
	CU_ASSERT_EQUAL(d.a, 1536);
	d = parse_bytes_ok("fixed(4MiB)");
	CU_ASSERT(d.kind == DIST_FIXED && d.a == 4 * 1048576.0);
	d = parse_bytes_ok("uniform(1MiB, 8MiB)");
	CU_ASSERT(d.kind == DIST_UNIFORM && d.a == 1048576.0 && d.b == 8 * 1048576.0);
	d = parse_bytes_ok("normal(sd=1MiB, mean=4MiB)");
	CU_ASSERT(d.kind == DIST_NORMAL && d.a == 4 * 1048576.0 && d.b == 1048576.0);
	d = parse_bytes_ok("lognormal(median=4MiB, sigma=0.5)");
	CU_ASSERT(d.kind == DIST_LOGNORMAL && d.a == 4 * 1048576.0 && d.b == 0.5);
	d = parse_bytes_ok("gamma(shape=2, scale=2MiB)");
	CU_ASSERT(d.kind == DIST_GAMMA && d.a == 2 && d.b == 2 * 1048576.0);
	/* 2^53 bytes, the largest a distribution takes. */
	d = parse_bytes_ok("8PiB");
	CU_ASSERT_EQUAL(d.a, DIST_MAX_BYTES);
	d = parse_bytes_ok("empirical(4096, 64KiB, 1MB)");
	CU_ASSERT_EQUAL_FATAL(d.n_samples, 3);
	CU_ASSERT(d.samples[0] == 4096 && d.samples[1] == 65536 && d.samples[2] == 1e6);
	dist_free(&d);

	/* The same text in the other unit is another distribution, or an error. */
	CU_ASSERT_EQUAL(parse_ok("20ms").unit, DIST_UNIT_SECONDS);
	CU_ASSERT_EQUAL(dist_fixed(1).unit, DIST_UNIT_SECONDS);
	CU_ASSERT_EQUAL(dist_fixed_bytes(1).unit, DIST_UNIT_BYTES);
	CU_ASSERT_EQUAL(dist_fixed_bytes(4096).a, 4096);
}

#define DIST_BYTES_BAD(text, frag)                                                                 \
	do {                                                                                       \
		struct dist d_ = dist_fixed(-1);                                                   \
		err[0] = '\0';                                                                     \
		CU_ASSERT_EQUAL(dist_parse_bytes(text, &d_, err, sizeof err), -1);                 \
		check_msg(text, frag);                                                             \
		CU_ASSERT_EQUAL(d_.a, -1);                                                         \
		CU_ASSERT_EQUAL(d_.unit, DIST_UNIT_SECONDS); /* untouched on error */              \
	} while (0)

static void test_dist_bytes_errors(void)
{
	DIST_BYTES_BAD(NULL, "empty distribution: expected 4MiB, fixed(4MiB), uniform(1MiB, 8MiB)");
	DIST_BYTES_BAD("", "empty size");
	DIST_BYTES_BAD("4ms", "unknown unit 'ms' in size '4ms': expected 100MiB");
	DIST_BYTES_BAD("uniform(1ms, 2ms)", "uniform: low: unknown unit 'ms' in size");
	DIST_BYTES_BAD("-1MiB", "negative size");
	DIST_BYTES_BAD("16PiB", "size '16PiB' is too large for a distribution: at most 8PiB");
	DIST_BYTES_BAD("empirical(1MiB, 9007199254740993)", "empirical sample 2: size");
	DIST_BYTES_BAD("weibull(1MiB, 2)", "unknown distribution 'weibull': expected 4MiB, fixed");
	DIST_BYTES_BAD("lots", "unknown distribution 'lots': expected 4MiB");
	/* The examples in messages are in bytes too. */
	DIST_BYTES_BAD("uniform(8MiB, 1MiB)", "high is below low: expected low <= high, as in "
	                                      "uniform(1MiB, 8MiB)");
	DIST_BYTES_BAD("normal(mean=4MiB)", "missing sd: expected normal(mean=4MiB, sd=1MiB)");
	DIST_BYTES_BAD("lognormal(median=0, sigma=1)", "median must be > 0, as in "
	                                               "lognormal(median=4MiB, sigma=0.5)");
	DIST_BYTES_BAD("gamma(shape=2, scale=2ms)", "gamma: scale: unknown unit 'ms'");
	DIST_BYTES_BAD("gamma(shape=2MiB, scale=2MiB)", "gamma: shape: '2MiB' is not a number");
	DIST_BYTES_BAD("fixed(4MiB, 5MiB)", "too many arguments to fixed: expected fixed(4MiB)");
	/* And a duration distribution refuses sizes. */
	DIST_BAD("4MiB", "unknown unit 'MiB' in duration");
}

static void roundtrip_in(int (*parse)(const char *, struct dist *, char *, size_t),
                         const char *text, const char *canonical)
{
	struct dist d = {0}, e = {0};
	char buf[256];

	CU_ASSERT_EQUAL_FATAL(parse(text, &d, err, sizeof err), 0);
	dist_format(&d, buf, sizeof buf);
	if (canonical)
		CU_ASSERT_STRING_EQUAL(buf, canonical);
	CU_ASSERT_EQUAL_FATAL(parse(buf, &e, err, sizeof err), 0);
	CU_ASSERT_EQUAL(e.unit, d.unit);
	CU_ASSERT_EQUAL(e.kind, d.kind);
	CU_ASSERT_EQUAL(e.a, d.a);
	CU_ASSERT_EQUAL(e.b, d.b);
	CU_ASSERT_EQUAL_FATAL(e.n_samples, d.n_samples);
	for (size_t i = 0; i < d.n_samples; i++)
		CU_ASSERT_EQUAL(e.samples[i], d.samples[i]);
	dist_free(&d);
	dist_free(&e);
}

static void roundtrip(const char *text, const char *canonical)
{
	roundtrip_in(dist_parse, text, canonical);
}

static void roundtrip_bytes(const char *text, const char *canonical)
{
	roundtrip_in(dist_parse_bytes, text, canonical);
}

static void test_dist_bytes_roundtrip(void)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);

	roundtrip_bytes("4MiB", "4MiB");
	roundtrip_bytes("4194304", "4MiB");
	roundtrip_bytes("fixed(1000)", "1000");
	roundtrip_bytes("1.5GB", "1500000000");
	roundtrip_bytes("0", "0");
	roundtrip_bytes("8PiB", "8PiB");
	roundtrip_bytes("uniform(1MiB, 8MiB)", "uniform(1MiB, 8MiB)");
	roundtrip_bytes("normal(4MiB, 1MiB)", "normal(mean=4MiB, sd=1MiB)");
	roundtrip_bytes("lognormal(median=4MiB, sigma=0.5)", "lognormal(median=4MiB, sigma=0.5)");
	roundtrip_bytes("gamma(shape=2.5, scale=1.5MiB)", "gamma(shape=2.5, scale=1536KiB)");
	roundtrip_bytes("empirical(4096, 64KiB, 1MB)", "empirical(4KiB, 64KiB, 1000000)");

	/* Random whole byte counts up to 2^53 come back bit for bit. */
	gsl_rng_set(r, 7);
	for (int i = 0; i < 2000; i++) {
		double v = floor(gsl_rng_uniform(r) * pow(2, (double)(i % 54)));
		struct dist d = dist_fixed_bytes(v), e;
		char buf[64];
		dist_format(&d, buf, sizeof buf);
		CU_ASSERT_EQUAL_FATAL(dist_parse_bytes(buf, &e, err, sizeof err), 0);
		CU_ASSERT_EQUAL(e.a, d.a);
	}
	gsl_rng_free(r);
}

static void test_dist_format_roundtrip(void)
{
	roundtrip("20ms", "20ms");
	roundtrip("fixed(0.1s)", "100ms");
	roundtrip("0", "0");
	roundtrip("1.5min", "90s");
	roundtrip("2.5us", "2.5us");
	roundtrip("0.3ns", "0.3ns");
	roundtrip("uniform(10ms, 30ms)", "uniform(10ms, 30ms)");
	roundtrip("normal(20ms, 2ms)", "normal(mean=20ms, sd=2ms)");
	roundtrip("lognormal(median=20ms, sigma=0.5)", "lognormal(median=20ms, sigma=0.5)");
	roundtrip("gamma(shape=2.25, scale=10ms)", "gamma(shape=2.25, scale=10ms)");
	roundtrip("empirical(5ms, 7ms, 30ms)", "empirical(5ms, 7ms, 30ms)");
	/* Awkward values still come back bit for bit. */
	roundtrip("0.333333333333333314829616256247390992939472198486328125s", NULL);
	roundtrip("1e-7s", "100ns");
	roundtrip("123456789.123s", NULL);
	roundtrip("normal(mean=0.1234567ms, sd=1e-9s)", NULL);

	/* Random doubles: exact round trip through the text form. */
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, 42);
	for (int i = 0; i < 2000; i++) {
		struct dist d = dist_fixed(gsl_rng_uniform(r) * pow(10, (double)(i % 12) - 9)), e;
		char buf[64];
		dist_format(&d, buf, sizeof buf);
		CU_ASSERT_EQUAL_FATAL(dist_parse(buf, &e, err, sizeof err), 0);
		CU_ASSERT_EQUAL(e.a, d.a);
	}
	gsl_rng_free(r);
}

static void test_dist_copy(void)
{
	struct dist d = parse_ok("empirical(1ms, 2ms)"), c;

	CU_ASSERT_EQUAL_FATAL(dist_copy(&c, &d), 0);
	CU_ASSERT_PTR_NOT_EQUAL(c.samples, d.samples);
	CU_ASSERT_EQUAL(c.n_samples, 2);
	CU_ASSERT_EQUAL(c.samples[1], 0.002);
	dist_free(&d);
	CU_ASSERT_EQUAL(c.samples[0], 0.001);
	dist_free(&c);
}

#define N_DRAWS 100000

/* Mean of N_DRAWS draws with mt19937 seeded 1. */
static double sample_mean(const struct dist *d, double *min, double *max)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	double sum = 0;

	gsl_rng_set(r, 1);
	*min = INFINITY;
	*max = -INFINITY;
	for (int i = 0; i < N_DRAWS; i++) {
		double v = dist_sample(d, r);
		sum += v;
		*min = fmin(*min, v);
		*max = fmax(*max, v);
	}
	gsl_rng_free(r);
	return sum / N_DRAWS;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void test_dist_sampling(void)
{
	double lo, hi, m;
	struct dist d;

	d = parse_ok("20ms");
	m = sample_mean(&d, &lo, &hi);
	CU_ASSERT_EQUAL(lo, 0.02);
	CU_ASSERT_EQUAL(hi, 0.02);

	d = parse_ok("uniform(10ms, 30ms)");
	m = sample_mean(&d, &lo, &hi);
	CU_ASSERT_DOUBLE_EQUAL(m, 0.02, 0.0002);
	CU_ASSERT(lo >= 0.01 && hi < 0.03);
	CU_ASSERT_DOUBLE_EQUAL(dist_mean(&d), 0.02, 1e-15);

	d = parse_ok("normal(mean=20ms, sd=2ms)");
	m = sample_mean(&d, &lo, &hi);
	CU_ASSERT_DOUBLE_EQUAL(m, 0.02, 0.00005);
	CU_ASSERT_DOUBLE_EQUAL(dist_mean(&d), 0.02, 1e-12);

	d = parse_ok("gamma(shape=2, scale=10ms)");
	m = sample_mean(&d, &lo, &hi);
	CU_ASSERT_DOUBLE_EQUAL(m, 0.02, 0.0003);
	CU_ASSERT(lo > 0);
	CU_ASSERT_DOUBLE_EQUAL(dist_mean(&d), 0.02, 1e-15);

	/* Lognormal: the median is the given one; mean = median * e^(sigma^2/2). */
	d = parse_ok("lognormal(median=20ms, sigma=0.5)");
	{
		gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
		double *v = malloc(N_DRAWS * sizeof *v);
		CU_ASSERT_PTR_NOT_NULL_FATAL(v);
		gsl_rng_set(r, 1);
		for (int i = 0; i < N_DRAWS; i++)
			v[i] = dist_sample(&d, r);
		qsort(v, N_DRAWS, sizeof *v, cmp_double);
		CU_ASSERT_DOUBLE_EQUAL(v[N_DRAWS / 2], 0.02, 0.0002);
		CU_ASSERT(v[0] > 0);
		free(v);
		gsl_rng_free(r);
	}
	m = sample_mean(&d, &lo, &hi);
	CU_ASSERT_DOUBLE_EQUAL(dist_mean(&d), 0.02 * exp(0.125), 1e-15);
	CU_ASSERT_DOUBLE_EQUAL(m, dist_mean(&d), 0.0002);
}

static void test_dist_normal_clamped(void)
{
	/* Mean 1 ms, sd 10 ms: about 46% of raw draws are negative. */
	struct dist d = parse_ok("normal(mean=1ms, sd=10ms)");
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	int zeros = 0;
	double sum = 0;

	gsl_rng_set(r, 1);
	for (int i = 0; i < N_DRAWS; i++) {
		double v = dist_sample(&d, r);
		CU_ASSERT_FATAL(v >= 0);
		zeros += v == 0;
		sum += v;
	}
	gsl_rng_free(r);
	CU_ASSERT_DOUBLE_EQUAL((double)zeros / N_DRAWS, 0.4602, 0.005);
	/* dist_mean is the mean of the clamped draws, E[max(0, X)]. */
	CU_ASSERT_DOUBLE_EQUAL(sum / N_DRAWS, dist_mean(&d), 0.0001);
	CU_ASSERT(dist_mean(&d) > 0.001);
}

static void test_dist_empirical_draws(void)
{
	struct dist d = parse_ok("empirical(5ms, 7ms, 30ms)");
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	int hits[3] = {0, 0, 0};

	gsl_rng_set(r, 1);
	for (int i = 0; i < N_DRAWS; i++) {
		double v = dist_sample(&d, r);
		int k = v == 0.005 ? 0 : v == 0.007 ? 1 : v == 0.03 ? 2 : -1;
		CU_ASSERT_FATAL(k >= 0);
		hits[k]++;
	}
	gsl_rng_free(r);
	for (int k = 0; k < 3; k++)
		CU_ASSERT_DOUBLE_EQUAL((double)hits[k] / N_DRAWS, 1.0 / 3, 0.01);
	CU_ASSERT_DOUBLE_EQUAL(dist_mean(&d), 0.014, 1e-15);
	dist_free(&d);
}

static void test_dist_bytes_sampling(void)
{
	double lo, hi, m;
	struct dist d = parse_bytes_ok("uniform(1MiB, 8MiB)"), c;

	/* Drawing does not care about the unit. */
	m = sample_mean(&d, &lo, &hi);
	CU_ASSERT_DOUBLE_EQUAL(dist_mean(&d), 4.5 * 1048576, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(m, dist_mean(&d), 0.01 * 1048576);
	CU_ASSERT(lo >= 1048576 && hi < 8 * 1048576.0);
	d = parse_bytes_ok("empirical(1MiB, 2MiB)");
	CU_ASSERT_EQUAL_FATAL(dist_copy(&c, &d), 0);
	CU_ASSERT_EQUAL(c.unit, DIST_UNIT_BYTES);
	CU_ASSERT_EQUAL(c.samples[1], 2 * 1048576.0);
	dist_free(&d);
	dist_free(&c);
}

/* A stream draws what an mt19937 of gsl_rng_alloc seeded with the stream's
 * splitmix64 mix draws (rng_stream_new builds it without gsl_rng_alloc). */
static void test_rng_stream(void)
{
	const uint64_t seed = 1, run = 3, stream = RNG_STREAM_WORKLOAD + 5;
	gsl_rng *r = rng_stream_new(seed, run, stream);
	gsl_rng *ref = gsl_rng_alloc(gsl_rng_mt19937);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ref);
	gsl_rng_set(ref, rng_splitmix64(rng_splitmix64(rng_splitmix64(seed) ^ run) ^ stream));
	CU_ASSERT_STRING_EQUAL(gsl_rng_name(r), "mt19937");
	for (int i = 0; i < 2000; i++)
		CU_ASSERT_EQUAL(gsl_rng_get(r), gsl_rng_get(ref));
	gsl_rng *c = gsl_rng_clone(r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	for (int i = 0; i < 100; i++) {
		double u = gsl_rng_uniform(ref);
		CU_ASSERT_EQUAL(gsl_rng_uniform(r), u);
		CU_ASSERT_EQUAL(gsl_rng_uniform(c), u);
	}
	gsl_rng_free(c);
	gsl_rng_free(ref);
	gsl_rng_free(r);
}

/* A lazy stream is not seeded by a fixed value's draw, and once a draw
 * seeds it, it draws what rng_stream_new's stream of the same ids draws. */
static void test_rng_lazy(void)
{
	const uint64_t seed = 7, run = 2, stream = RNG_STREAM_HANDLER + 1;
	struct rng_lazy l;
	CU_ASSERT_EQUAL_FATAL(rng_lazy_init(&l, seed, run, stream), 0);
	struct dist fixed = {.kind = DIST_FIXED, .a = 0.25};
	CU_ASSERT_EQUAL(dist_sample_lazy(&fixed, &l), 0.25);
	CU_ASSERT_EQUAL(l.seeded, 0);
	gsl_rng *ref = rng_stream_new(seed, run, stream);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ref);
	struct dist uni = {.kind = DIST_UNIFORM, .a = 1, .b = 3};
	for (int i = 0; i < 1000; i++)
		CU_ASSERT_EQUAL(dist_sample_lazy(&uni, &l), dist_sample(&uni, ref));
	CU_ASSERT_EQUAL(l.seeded, 1);
	for (int i = 0; i < 1000; i++)
		CU_ASSERT_EQUAL(gsl_rng_get(rng_lazy_get(&l)), gsl_rng_get(ref));
	gsl_rng_free(ref);
	rng_lazy_free(&l);
	CU_ASSERT_PTR_NULL(l.r);
	rng_lazy_free(&l); /* twice is allowed */
}

void register_tests(void)
{
	TEST_SUITE("units", TEST(test_bytes_forms), TEST(test_bytes_rounding),
	           TEST(test_bytes_errors), TEST(test_rate_forms), TEST(test_rate_errors),
	           TEST(test_duration_forms), TEST(test_duration_errors), TEST(test_number),
	           TEST(test_bytes_exact), TEST(test_format));
	TEST_SUITE("dist", TEST(test_dist_parse), TEST(test_dist_errors),
	           TEST(test_dist_format_roundtrip), TEST(test_dist_copy), TEST(test_dist_sampling),
	           TEST(test_dist_normal_clamped), TEST(test_dist_empirical_draws),
	           TEST(test_dist_bytes_parse), TEST(test_dist_bytes_errors),
	           TEST(test_dist_bytes_roundtrip), TEST(test_dist_bytes_sampling));
	TEST_SUITE("rng", TEST(test_rng_stream), TEST(test_rng_lazy));
}
