/*
 * aggregate.h - statistics over the runs of one scenario (GSL): downtime
 * quantiles, median phases and per-device attribution, invariant tallies.
 * Both worlds' commands print these.
 */
#ifndef SWITCHOVER_AGGREGATE_H
#define SWITCHOVER_AGGREGATE_H

#include <stddef.h>

#include "summary.h"

struct quantiles {
	double median, p5, p95, mean, min, max; /* NaN when no sample */
};

struct aggregate {
	unsigned runs, completed, failed;
	char first_error[256];    /* error of the first failed run */
	unsigned first_error_run;
	struct quantiles downtime, total, bound, serial, efficiency;
	struct quantiles phase[PHASE_COUNT];
	struct quantiles rounds;
	unsigned forced;          /* runs whose switchover management forced */
	unsigned threads_per_run; /* of the first run */
	unsigned violated[INV_COUNT];   /* runs in which the invariant broke */
	char first_violation[INV_COUNT][192];
	unsigned first_violation_run[INV_COUNT];
	/* switchover-ack, REINIT: medians per run over every run */
	struct quantiles acks_requested, acks_received, reinits_seen, rounds_waiting_ack,
	    rounds_added_by_reinit;
	struct quantiles ack_delay; /* runs that became ready */
	struct quantiles recovery;  /* runs whose failure notifier ran */
	/* events: over every source device of every run that stopped the VM */
	struct quantiles event_lead;
	unsigned guards, rdma_misses;
	size_t n_devices;
	struct device_attribution *dev; /* per device, medians over completed runs */
	unsigned *dev_rdma_misses;      /* per device, runs in which its guard was late */
};

/* Quantiles of x[0..n) (x is sorted in place); NaNs when n == 0. */
void aggregate_quantiles(double *x, size_t n, struct quantiles *q);

/* Summarise `n` runs; returns 0 or -ENOMEM. */
int aggregate_runs(const struct run_summary *runs, size_t n, struct aggregate *out);
void aggregate_free(struct aggregate *a);

#endif
