/*
 * cpu_phases.c - CPU per downtime phase and thread kind (cpu_phases.h).
 */
#include "cpu_phases.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[CPU_PHASE_COUNT] = {
    [CPU_PHASE_RUN] = "run",   [CPU_PHASE_STOP] = "stop",   [CPU_PHASE_STOPCOPY] = "stopcopy",
    [CPU_PHASE_LOAD] = "load", [CPU_PHASE_START] = "start", [CPU_PHASE_AFTER] = "after",
};

const char *cpu_phase_name(enum cpu_phase p)
{
	return (unsigned)p < CPU_PHASE_COUNT ? names[p] : "?";
}

int cpu_phase_started_by(const struct trace_event *e)
{
	switch (e->kind) {
	case TRACE_VM_STOP:
		return CPU_PHASE_STOP;
	case TRACE_MARK:
		if (e->from == TRACE_MARK_FINAL_QUERY_END)
			return CPU_PHASE_STOPCOPY;
		if (e->from == TRACE_MARK_STOPCOPY_SENT)
			return CPU_PHASE_LOAD;
		return -1;
	case TRACE_VM_START:
		return CPU_PHASE_START;
	case TRACE_VM_RUNNING:
		return CPU_PHASE_AFTER;
	default:
		return -1;
	}
}

void cpu_kind_of(const char *name, char *kind, size_t size)
{
	size_t k = 0;
	for (const char *c = name; size && *c && k + 1 < size; c++) {
		bool digit = *c >= '0' && *c <= '9';
		if (!digit)
			kind[k++] = *c;
		else if (c == name || !(c[-1] >= '0' && c[-1] <= '9'))
			kind[k++] = 'N';
	}
	if (size)
		kind[k] = '\0';
}

void cpu_task_name(bool dst, const char *name, char *out, size_t size)
{
	snprintf(out, size, "%s %s", dst ? "dst" : "src", name);
}

int cpu_phases_init(struct cpu_phases *cp, cpu_phases_flush_fn *flush, void *arg)
{
	memset(cp, 0, sizeof *cp);
	if (pthread_mutex_init(&cp->lock, NULL))
		return -1;
	if (pthread_mutex_init(&cp->event_lock, NULL)) {
		pthread_mutex_destroy(&cp->lock);
		return -1;
	}
	for (int p = 0; p < CPU_PHASE_COUNT; p++)
		cp->t[p] = NAN;
	cp->t[CPU_PHASE_RUN] = 0;
	cp->flush = flush;
	cp->arg = arg;
	return 0;
}

void cpu_phases_free(struct cpu_phases *cp)
{
	free(cp->kinds);
	pthread_mutex_destroy(&cp->lock);
	pthread_mutex_destroy(&cp->event_lock);
	memset(cp, 0, sizeof *cp);
}

void cpu_phases_charge(struct cpu_phases *cp, int phase, const char *name, double cpu_s)
{
	if ((unsigned)phase >= CPU_PHASE_COUNT || !(cpu_s != 0))
		return;
	char kind[sizeof cp->kinds->kind];
	cpu_kind_of(name ? name : "?", kind, sizeof kind);
	pthread_mutex_lock(&cp->lock);
	size_t i = 0;
	while (i < cp->n && strcmp(cp->kinds[i].kind, kind))
		i++;
	if (i == cp->n && cp->n == cp->cap) {
		size_t cap = cp->cap ? 2 * cp->cap : 16;
		struct cpu_phase_kind *more = realloc(cp->kinds, cap * sizeof *more);
		if (more) {
			cp->kinds = more;
			cp->cap = cap;
		}
	}
	if (i < cp->cap) {
		if (i == cp->n) {
			memset(&cp->kinds[cp->n++], 0, sizeof *cp->kinds);
			snprintf(cp->kinds[i].kind, sizeof cp->kinds[i].kind, "%s", kind);
		}
		cp->kinds[i].cpu_s[phase] += cpu_s;
	} else {
		cp->oom = 1;
	}
	pthread_mutex_unlock(&cp->lock);
}

void cpu_phases_event(void *arg, const struct trace_event *e)
{
	struct cpu_phases *cp = arg;
	int next = cpu_phase_started_by(e);
	if (next < 0)
		return;
	pthread_mutex_lock(&cp->event_lock);
	if (next <= cp->phase) {
		cp->late_marks++;
	} else {
		if (cp->flush)
			cp->flush(cp, next);
		/* A phase skipped over (its mark comes late or never) is empty. */
		for (int p = cp->phase + 1; p <= next; p++)
			cp->t[p] = e->t;
		cp->phase = next;
	}
	pthread_mutex_unlock(&cp->event_lock);
}

double cpu_phases_length(const struct cpu_phases *cp, enum cpu_phase p)
{
	if ((unsigned)p >= CPU_PHASE_COUNT - 1 || isnan(cp->t[p]) || isnan(cp->t[p + 1]))
		return NAN;
	return cp->t[p + 1] - cp->t[p];
}
