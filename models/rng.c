/*
 * rng.c - per-stream GSL generators seeded by a splitmix64 mix of
 * (seed, run, stream), so streams are independent and stable.
 */
#include "rng.h"

#include <stdlib.h>

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
	/* What gsl_rng_alloc does, less its work that gsl_rng_set redoes: it
	 * clears the state (5 KB) and seeds it with GSL's default seed, 624
	 * steps of mt19937's initialisation; every run makes ~20 streams. */
	gsl_rng *r = malloc(sizeof *r);
	void *state = malloc(gsl_rng_mt19937->size);
	if (!r || !state) {
		free(r);
		free(state);
		return NULL;
	}
	r->type = gsl_rng_mt19937;
	r->state = state;
	uint64_t s = rng_splitmix64(rng_splitmix64(rng_splitmix64(seed) ^ run) ^ stream);
	/* mt19937 takes an unsigned long seed; 0 selects GSL's default seed, avoid it. */
	gsl_rng_set(r, (unsigned long)(s ? s : 1));
	return r;
}
