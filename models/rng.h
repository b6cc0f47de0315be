/*
 * rng.h - independent, reproducible random streams.
 *
 * Every consumer of randomness (each device, each non-VFIO handler) draws
 * from its own GSL generator seeded from (scenario seed, run, stream id), so
 * adding a device never changes the draws of the others and a run is a pure
 * function of (scenario, seed, run index).
 */
#ifndef SWITCHOVER_RNG_H
#define SWITCHOVER_RNG_H

#include <stdint.h>

#include <gsl/gsl_rng.h>

/* Stream ids: devices use their index; handlers RNG_STREAM_HANDLER + index;
 * a device's workload and fault draws RNG_STREAM_WORKLOAD + its index, so
 * enabling them leaves its latency draws unchanged. */
#define RNG_STREAM_HANDLER  (UINT64_C(1) << 40)
#define RNG_STREAM_WORKLOAD (UINT64_C(1) << 41)

/* A new mt19937 generator for the stream; NULL on ENOMEM.  gsl_rng_free it. */
gsl_rng *rng_stream_new(uint64_t seed, uint64_t run, uint64_t stream);

/*
 * A stream seeded on its first draw.  Seeding mt19937 (624 steps, ~5,600
 * instructions) is most of what a stream costs, and most streams of a run
 * never draw (fixed latencies, no workload or faults): a 4-VF run seeded
 * 19 streams and drew from none.  The draws are those of rng_stream_new's
 * generator for the same (seed, run, stream): only the seeding moves.
 */
struct rng_lazy {
	gsl_rng *r;         /* allocated by rng_lazy_init, seeded by rng_lazy_get */
	unsigned long seed; /* what rng_stream_new would seed it with */
	int seeded;
};

/* Allocate the generator (not yet seeded); 0 or -ENOMEM.  rng_lazy_free it. */
int rng_lazy_init(struct rng_lazy *l, uint64_t seed, uint64_t run, uint64_t stream);

/* The generator, seeded on the first call. */
gsl_rng *rng_lazy_get(struct rng_lazy *l);

/* Free the generator; the struct may be zeroed or freed already. */
void rng_lazy_free(struct rng_lazy *l);

/* The splitmix64 mixer the streams are seeded with: a well-spread 64-bit
 * value of x (sweeps derive each point's seed with it). */
uint64_t rng_splitmix64(uint64_t x);

#endif
