/*
 * rng.c - per-stream GSL generators seeded by a splitmix64 mix of
 * (seed, run, stream), so streams are independent and stable.
 */
#include "rng.h"

#include <gsl/gsl_rng.h>

uint64_t rng_splitmix64(uint64_t x)
{
	x += UINT64_C(0x9e3779b97f4a7c15);
	x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

gsl_rng *rng_stream_new(uint64_t seed, uint64_t run, uint64_t stream)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	if (!r)
		return NULL;
	uint64_t s = rng_splitmix64(rng_splitmix64(rng_splitmix64(seed) ^ run) ^ stream);
	/* mt19937 takes an unsigned long seed; 0 selects GSL's default seed, avoid it. */
	gsl_rng_set(r, (unsigned long)(s ? s : 1));
	return r;
}
