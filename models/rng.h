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

/* The splitmix64 mixer the streams are seeded with: a well-spread 64-bit
 * value of x (sweeps derive each point's seed with it). */
uint64_t rng_splitmix64(uint64_t x);

#endif
