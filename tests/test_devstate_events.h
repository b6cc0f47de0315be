/* test_devstate_events.h - the multifd device-state events of a run's trace
 * (state-buffer, config-load), checked per device (test_devstate.c and
 * test_real.c). */
#ifndef SWITCHOVER_TEST_DEVSTATE_EVENTS_H
#define SWITCHOVER_TEST_DEVSTATE_EVENTS_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "test_util.h"
#include "trace.h"

/* Device d's state-buffer and config-load events, and whether its last
 * config-load follows its last load-end and precedes the VM start, in
 * trace order. */
struct devstate_events {
	unsigned buffers, configs;
	bool config_in_place;
};

static inline struct devstate_events devstate_events(const struct trace *tr, int d)
{
	struct devstate_events c = {0};
	size_t last_end = 0, config = 0, vm_start = 0;
	bool ended = false, started = false;
	for (size_t k = 0; k < tr->n; k++) {
		const struct trace_event *e = &tr->ev[k];
		if (e->kind == TRACE_VM_START && !started)
			vm_start = k, started = true;
		if (e->device != d)
			continue;
		if (e->kind == TRACE_STATE_BUFFER)
			c.buffers++;
		else if (e->kind == TRACE_CONFIG_LOAD)
			c.configs++, config = k;
		else if (e->kind == TRACE_LOAD_END)
			last_end = k, ended = true;
	}
	c.config_in_place = c.configs && ended && config > last_end && started && config < vm_start;
	return c;
}

/* modes[d] is 's' for a device whose state goes over the channels (its own
 * save and load task: state buffers, then one config-load after its last
 * load-end and before the VM start), 'm' for one on the main stream (no
 * state-buffer, no config-load). */
static inline void expect_devstate_events(const struct trace *tr, const char *modes)
{
	for (int d = 0; modes[d]; d++) {
		struct devstate_events c = devstate_events(tr, d);
		bool ok = modes[d] == 's' ? c.buffers > 0 && c.configs == 1 && c.config_in_place
		                          : c.buffers == 0 && c.configs == 0;
		if (!ok)
			fprintf(stderr,
			        "\n  device %d ('%c'): %u state buffers, %u config loads%s\n", d,
			        modes[d], c.buffers, c.configs,
			        c.config_in_place
			            ? ""
			            : ", none after its last load-end before the VM start");
		CU_ASSERT(ok);
	}
}

#endif
