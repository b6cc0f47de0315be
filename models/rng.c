/*
 * rng.c - per-stream GSL generators seeded by a splitmix64 mix of
 * (seed, run, stream), so streams are independent and stable.
 */
#include "rng.h"

#include <errno.h>
#include <stdlib.h>

#include <gsl/gsl_rng.h>

uint64_t rng_splitmix64(uint64_t x)
{
	x += UINT64_C(0x9e3779b97f4a7c15);
	x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

static unsigned long stream_seed(uint64_t seed, uint64_t run, uint64_t stream)
{
	uint64_t s = rng_splitmix64(rng_splitmix64(rng_splitmix64(seed) ^ run) ^ stream);
	/* mt19937 takes an unsigned long seed; 0 selects GSL's default seed, avoid it. */
	return (unsigned long)(s ? s : 1);
}

/* What gsl_rng_alloc does, less its work that gsl_rng_set redoes: it clears
 * the state (5 KB) and seeds it with GSL's default seed, 624 steps of
 * mt19937's initialisation; every run makes ~20 streams. */
static gsl_rng *stream_alloc(void)
{
	gsl_rng *r = malloc(sizeof *r);
	void *state = malloc(gsl_rng_mt19937->size);
	if (!r || !state) {
		free(r);
		free(state);
		return NULL;
	}
	r->type = gsl_rng_mt19937;
	r->state = state;
	return r;
}

gsl_rng *rng_stream_new(uint64_t seed, uint64_t run, uint64_t stream)
{
	gsl_rng *r = stream_alloc();
	if (r)
		gsl_rng_set(r, stream_seed(seed, run, stream));
	return r;
}

int rng_lazy_init(struct rng_lazy *l, uint64_t seed, uint64_t run, uint64_t stream)
{
	l->r = stream_alloc();
	l->seed = stream_seed(seed, run, stream);
	l->seeded = 0;
	return l->r ? 0 : -ENOMEM;
}

gsl_rng *rng_lazy_get(struct rng_lazy *l)
{
	if (!l->seeded) {
		gsl_rng_set(l->r, l->seed);
		l->seeded = 1;
	}
	return l->r;
}

void rng_lazy_free(struct rng_lazy *l)
{
	gsl_rng_free(l->r);
	l->r = NULL;
}
