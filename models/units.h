/*
 * units.h - quantities written as people write them.
 *
 *   sizes:      100MiB, 1.5GiB, 512KB, 4096 (bytes), 1GB (10^9)
 *   rates:      100Gbps, 25Gbit/s, 800Mbps (bits/s); 10GiB/s, 1.2GB/s (bytes/s)
 *   durations:  300ms, 2s, 150us, 500ns, 1.5min
 *   numbers:    0.5, 2, 1e-3 (no unit: probabilities, shapes, sigmas)
 * Parsers return 0 or -1 with a message naming the expected form in err.
 */
#ifndef SWITCHOVER_UNITS_H
#define SWITCHOVER_UNITS_H

#include <stddef.h>
#include <stdint.h>

/* Bounds of what a scenario or an option may say: a longer duration, or a
 * non-zero rate below 1 B/s, makes simulated times overflow to infinity
 * (about 31.7 years, far beyond any migration). */
#define UNITS_MAX_DURATION_S 1e9
#define UNITS_MIN_RATE_BPS   1.0

int units_parse_bytes(const char *text, uint64_t *bytes, char *err, size_t errlen);
/* 0 or from UNITS_MIN_RATE_BPS */
int units_parse_rate(const char *text, double *bytes_per_s, char *err, size_t errlen);
/* up to UNITS_MAX_DURATION_S */
int units_parse_duration(const char *text, double *seconds, char *err, size_t errlen);
/* A plain finite number >= 0 without a unit. */
int units_parse_number(const char *text, double *v, char *err, size_t errlen);
/* A share as a percentage or a fraction: "5%" or "0.05" (both 0.05),
 * >= 0; the caller bounds it (thresholds, confidences). */
int units_parse_fraction(const char *text, double *v, char *err, size_t errlen);

/* Exact forms, which the parsers above read back to the very same value
 * (scenario_to_yaml() and dist_format() print with them): "4MiB", "1000";
 * "0.05". */
void units_format_bytes_exact(uint64_t bytes, char *buf, size_t len);
void units_format_number_exact(double v, char *buf, size_t len);

/* Human forms for output: "100 MiB", "12.5 GB/s", "3.20 ms". */
void units_format_bytes(uint64_t bytes, char *buf, size_t len);
void units_format_rate(double bytes_per_s, char *buf, size_t len);
void units_format_duration(double seconds, char *buf, size_t len);

#endif
