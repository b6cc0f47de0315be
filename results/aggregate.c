/*
 * aggregate.c - statistics over runs with GSL (sort, quantiles, mean).
 */
#include "aggregate.h"

#include <errno.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void aggregate_quantiles(double *x, size_t n, struct quantiles *q)
{
	if (n == 0) {
		*q = (struct quantiles){NAN, NAN, NAN, NAN, NAN, NAN};
		return;
	}
	gsl_sort(x, 1, n);
	q->median = gsl_stats_median_from_sorted_data(x, 1, n);
	q->p5 = gsl_stats_quantile_from_sorted_data(x, 1, n, 0.05);
	q->p95 = gsl_stats_quantile_from_sorted_data(x, 1, n, 0.95);
	q->mean = gsl_stats_mean(x, 1, n);
	q->min = x[0];
	q->max = x[n - 1];
}

/* Quantiles of the double at byte `offset` of each completed run. */
static void field_quantiles(const struct run_summary *runs, size_t n, double *buf, size_t offset,
			    struct quantiles *q)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (runs[i].status == 0)
			buf[k++] = *(const double *)((const char *)&runs[i] + offset);
	aggregate_quantiles(buf, k, q);
}

/* Quantiles of the double at `offset` over every run where it is a number. */
static void defined_quantiles(const struct run_summary *runs, size_t n, double *buf,
			      size_t offset, struct quantiles *q)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		double v = *(const double *)((const char *)&runs[i] + offset);
		if (!isnan(v))
			buf[k++] = v;
	}
	aggregate_quantiles(buf, k, q);
}

/* Quantiles of the unsigned at `offset` over every run. */
static void count_quantiles(const struct run_summary *runs, size_t n, double *buf, size_t offset,
			    struct quantiles *q)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = *(const unsigned *)((const char *)&runs[i] + offset);
	aggregate_quantiles(buf, n, q);
}

static void device_medians(const struct run_summary *runs, size_t n, double *buf,
			   struct aggregate *a)
{
	static const size_t fields[] = {
	    offsetof(struct device_attribution, src_prepare_s),
	    offsetof(struct device_attribution, src_main_s),
	    offsetof(struct device_attribution, load_s),
	    offsetof(struct device_attribution, dst_prepare_s),
	    offsetof(struct device_attribution, dst_main_s),
	    offsetof(struct device_attribution, total_s),
	    offsetof(struct device_attribution, event_lead_s),
	};
	for (size_t d = 0; d < a->n_devices; d++) {
		for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
			size_t k = 0;
			for (size_t i = 0; i < n; i++)
				if (runs[i].status == 0)
					buf[k++] = *(const double *)((const char *)&runs[i].dev[d] +
								      fields[f]);
			struct quantiles q;
			aggregate_quantiles(buf, k, &q);
			*(double *)((char *)&a->dev[d] + fields[f]) = q.median;
		}
		a->dev[d].stopcopy_bytes = n ? runs[0].dev[d].stopcopy_bytes : 0;
	}
}

int aggregate_runs(const struct run_summary *runs, size_t n, struct aggregate *a)
{
	memset(a, 0, sizeof *a);
	a->runs = (unsigned)n;
	a->n_devices = n ? runs[0].n_devices : 0;
	double *buf = calloc(n + 1, sizeof *buf);
	a->dev = calloc(a->n_devices + 1, sizeof *a->dev);
	a->dev_rdma_misses = calloc(a->n_devices + 1, sizeof *a->dev_rdma_misses);
	if (!buf || !a->dev || !a->dev_rdma_misses) {
		free(buf);
		aggregate_free(a);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		const struct run_summary *r = &runs[i];
		if (r->status == 0) {
			a->completed++;
		} else if (a->failed++ == 0) {
			snprintf(a->first_error, sizeof a->first_error, "%s", r->error);
			a->first_error_run = (unsigned)i;
		}
		a->forced += r->forced_switchover;
		for (int v = 0; v < INV_COUNT; v++) {
			if (r->inv[v].held)
				continue;
			if (a->violated[v]++ == 0) {
				snprintf(a->first_violation[v], sizeof a->first_violation[v], "%s",
					 r->inv[v].first_violation);
				a->first_violation_run[v] = (unsigned)i;
			}
		}
	}
	a->threads_per_run = n ? runs[0].threads_spawned : 0;
#define FIELD(f, q) field_quantiles(runs, n, buf, offsetof(struct run_summary, f), q)
	FIELD(downtime_s, &a->downtime);
	FIELD(total_s, &a->total);
	FIELD(bound_s, &a->bound);
	FIELD(serial_s, &a->serial);
	FIELD(efficiency, &a->efficiency);
	for (int p = 0; p < PHASE_COUNT; p++)
		field_quantiles(runs, n, buf,
				offsetof(struct run_summary, phase_s) + (size_t)p * sizeof(double),
				&a->phase[p]);
#undef FIELD
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (runs[i].status == 0)
			buf[k++] = runs[i].precopy_rounds;
	aggregate_quantiles(buf, k, &a->rounds);
	device_medians(runs, n, buf, a);
#define COUNT(f, q) count_quantiles(runs, n, buf, offsetof(struct run_summary, f), q)
	COUNT(acks_requested, &a->acks_requested);
	COUNT(acks_received, &a->acks_received);
	COUNT(reinits_seen, &a->reinits_seen);
	COUNT(rounds_waiting_ack, &a->rounds_waiting_ack);
	COUNT(rounds_added_by_reinit, &a->rounds_added_by_reinit);
#undef COUNT
	defined_quantiles(runs, n, buf, offsetof(struct run_summary, ack_delay_s), &a->ack_delay);
	defined_quantiles(runs, n, buf, offsetof(struct run_summary, recovery_s), &a->recovery);
	free(buf);
	/* Lead times: every source device of every run. */
	double *leads = calloc(n * a->n_devices + 1, sizeof *leads);
	if (!leads) {
		aggregate_free(a);
		return -ENOMEM;
	}
	size_t n_leads = 0;
	for (size_t i = 0; i < n; i++) {
		for (size_t d = 0; d < a->n_devices && d < runs[i].n_devices; d++) {
			const struct device_attribution *x = &runs[i].dev[d];
			if (!isnan(x->event_lead_s))
				leads[n_leads++] = x->event_lead_s;
			a->dev_rdma_misses[d] += x->rdma_miss;
		}
		a->rdma_misses += runs[i].rdma_misses;
		a->guards += runs[i].rdma_guards;
	}
	aggregate_quantiles(leads, n_leads, &a->event_lead);
	free(leads);
	return 0;
}

void aggregate_free(struct aggregate *a)
{
	free(a->dev);
	free(a->dev_rdma_misses);
	a->dev = NULL;
	a->dev_rdma_misses = NULL;
}
