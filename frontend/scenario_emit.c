/*
 * scenario_emit.c - a scenario as YAML text (libyaml's emitter), every
 * value in a form the loader reads back to the very same value.
 */
#include "scenario_emit.h"

#include <glib.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "dist.h"
#include "names.h"
#include "units.h"
#include "yaml_out.h"

struct emit {
	yaml_emitter_t e;
	GString *out;
	bool ok;
};

static void emit_event(struct emit *m, yaml_event_t *ev, int initialized)
{
	if (!initialized)
		m->ok = false;
	else if (m->ok && !yaml_emitter_emit(&m->e, ev))
		m->ok = false;
	else if (!m->ok)
		yaml_event_delete(ev);
}

static void emit_scalar(struct emit *m, const char *v)
{
	yaml_event_t ev;

	/* A hand-built scenario may leave a name NULL; print it as empty. */
	if (!v)
		v = "";
	emit_event(m, &ev,
	           yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)v, (int)strlen(v),
	                                        1, 1, YAML_ANY_SCALAR_STYLE));
}

static void emit_kv(struct emit *m, const char *key, const char *v)
{
	emit_scalar(m, key);
	emit_scalar(m, v);
}

static void emit_map(struct emit *m, const char *key, bool flow)
{
	yaml_event_t ev;
	if (key)
		emit_scalar(m, key);
	emit_event(m, &ev,
	           yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
	                                               flow ? YAML_FLOW_MAPPING_STYLE
	                                                    : YAML_BLOCK_MAPPING_STYLE));
}

static void emit_seq(struct emit *m, const char *key, bool flow)
{
	yaml_event_t ev;
	emit_scalar(m, key);
	emit_event(m, &ev,
	           yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
	                                                flow ? YAML_FLOW_SEQUENCE_STYLE
	                                                     : YAML_BLOCK_SEQUENCE_STYLE));
}

static void emit_end_map(struct emit *m)
{
	yaml_event_t ev;
	emit_event(m, &ev, yaml_mapping_end_event_initialize(&ev));
}

static void emit_end_seq(struct emit *m)
{
	yaml_event_t ev;
	emit_event(m, &ev, yaml_sequence_end_event_initialize(&ev));
}

/* Exact forms: each parses back to the very same number. */
static void fmt_rate(double v, char *buf, size_t len)
{
	/* Byte units first: on a tie (10MB/s vs 80Mbps) bytes read better. */
	static const struct {
		const char *suffix;
		double per;
	} u[] = {{"GiB/s", 1073741824.0}, {"MiB/s", 1048576.0}, {"KiB/s", 1024.0},
	         {"GB/s", 1e9},           {"MB/s", 1e6},        {"kB/s", 1e3},
	         {"Gbps", 1e9 / 8},       {"Mbps", 1e6 / 8},    {"Tbps", 1e12 / 8}};
	char tmp[64], best[64] = "", sub[8];
	size_t best_digits = 0;
	double back;

	if (v == 0) {
		snprintf(buf, len, "0");
		return;
	}
	/* The unit whose exact mantissa is shortest: 100Gbps, not 12.5GB/s. */
	for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
		double m = v / u[i].per;
		if (m < 1)
			continue;
		for (int p = (int)floor(log10(m)) + 1; p <= 6; p++) {
			int digits = snprintf(tmp, sizeof(tmp), "%.*g", p, m);
			snprintf(tmp + digits, sizeof(tmp) - (size_t)digits, "%s", u[i].suffix);
			if (units_parse_rate(tmp, &back, sub, sizeof(sub)) == 0 && back == v) {
				if (!best[0] || (size_t)digits < best_digits) {
					snprintf(best, sizeof(best), "%s", tmp);
					best_digits = (size_t)digits;
				}
				break;
			}
		}
	}
	if (best[0]) {
		snprintf(buf, len, "%s", best);
		return;
	}
	for (int p = 1; p <= 17; p++) {
		snprintf(tmp, sizeof(tmp), "%.*gB/s", p, v);
		if (units_parse_rate(tmp, &back, sub, sizeof(sub)) == 0 && back == v)
			break;
	}
	snprintf(buf, len, "%s", tmp);
}

static void emit_bytes(struct emit *m, const char *key, uint64_t v)
{
	char buf[64];
	units_format_bytes_exact(v, buf, sizeof(buf));
	emit_kv(m, key, buf);
}

static void emit_rate(struct emit *m, const char *key, double v)
{
	char buf[64];
	fmt_rate(v, buf, sizeof(buf));
	emit_kv(m, key, buf);
}

static void emit_dist(struct emit *m, const char *key, const struct dist *d)
{
	/* a name and two parameters of up to 40 characters each (full
	 * precision: "lognormal(median=8.345737101510167ms, sigma=0.2447...)") */
	size_t len = 128 + 40 * d->n_samples;
	char *buf = malloc(len);

	if (!buf) {
		m->ok = false;
		return;
	}
	dist_format(d, buf, len);
	emit_kv(m, key, buf);
	free(buf);
}

static void emit_duration(struct emit *m, const char *key, double v)
{
	struct dist d = dist_fixed(v);
	emit_dist(m, key, &d);
}

static void emit_probability(struct emit *m, const char *key, double v)
{
	char buf[64];
	units_format_number_exact(v, buf, sizeof(buf));
	emit_kv(m, key, buf);
}

static void emit_uint(struct emit *m, const char *key, unsigned long long v)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%llu", v);
	emit_kv(m, key, buf);
}

static void emit_group(struct emit *m, const struct scenario *s, const struct scn_device_group *g)
{
	emit_map(m, NULL, false);
	emit_kv(m, "name", g->name);
	emit_kv(m, "profile", g->profile ? g->profile : "generic");
	emit_uint(m, "count", g->count);
	emit_uint(m, "depth", (unsigned long long)g->depth);
	emit_seq(m, "capabilities", true);
	for (size_t i = 0; i < SCENARIO_CAP_COUNT; i++)
		if (g->caps & scenario_caps[i].bit)
			emit_scalar(m, scenario_caps[i].name);
	emit_end_seq(m);
	emit_bytes(m, "state_size", g->state_bytes);
	emit_bytes(m, "header_size", g->header_bytes);
	emit_bytes(m, "initial_bytes", g->initial_bytes);
	emit_rate(m, "precopy_dirty_rate", g->precopy_dirty_Bps);
	emit_rate(m, "save_rate", g->save_Bps);
	emit_map(m, "latency", false);
	emit_dist(m, "query", &g->query_latency);
	for (size_t i = 0; i < SCENARIO_ARC_COUNT; i++)
		emit_dist(m, scenario_arcs[i].key,
		          &g->arc_latency[scenario_arcs[i].from][scenario_arcs[i].to]);
	emit_end_map(m);
	emit_map(m, "load", true);
	emit_duration(m, "fixed", g->load_fixed_s);
	emit_rate(m, "rate", g->load_Bps);
	if (g->load_image_s > 0)
		emit_duration(m, "image", g->load_image_s);
	emit_end_map(m);
	emit_kv(m, "precopy_info_v2", precopy_v2_name(g->precopy_info_v2));
	emit_map(m, "init_load", true);
	emit_duration(m, "fixed", g->init_load_fixed_s);
	emit_rate(m, "rate", g->init_load_Bps);
	emit_end_map(m);
	emit_map(m, "reinit", false);
	emit_seq(m, "times", true);
	for (size_t i = 0; i < g->n_reinit_times; i++) {
		struct dist t = dist_fixed(g->reinit_times[i]);
		char buf[64];
		dist_format(&t, buf, sizeof(buf));
		emit_scalar(m, buf);
	}
	emit_end_seq(m);
	emit_duration(m, "interval", g->reinit_interval_s);
	emit_dist(m, "chunk", &g->reinit_chunk);
	emit_end_map(m);
	emit_probability(m, "final_check_failure", g->final_check_failure);
	emit_kv(m, "precopy_save_error", g->precopy_save_error ? "true" : "false");
	emit_kv(m, "destination_starts_running", g->destination_starts_running ? "true" : "false");
	if (g->multifd_transfer_set) /* absent: the migration's */
		emit_kv(m, "multifd_transfer", multifd_transfer_name(g->multifd_transfer));
	emit_probability(m, "arc_cpu_fraction", g->arc_cpu_fraction);
	if (g->domain >= 0 && (size_t)g->domain < s->n_domains)
		emit_kv(m, "domain", s->domains[g->domain].name);
	emit_kv(m, "backend", device_backend_name(g->backend));
	if (g->backend == BACKEND_VFIO) {
		emit_map(m, "vfio", false);
		emit_seq(m, "source", true);
		for (size_t i = 0; i < g->n_vfio_source; i++)
			emit_scalar(m, g->vfio_source[i]);
		emit_end_seq(m);
		emit_seq(m, "destination", true);
		for (size_t i = 0; i < g->n_vfio_destination; i++)
			emit_scalar(m, g->vfio_destination[i]);
		emit_end_seq(m);
		emit_kv(m, "interface", vfio_interface_name(g->vfio_interface));
		emit_end_map(m);
	}
	emit_end_map(m);
}

static void emit_handler(struct emit *m, const struct scn_handler *h)
{
	emit_map(m, NULL, false);
	emit_kv(m, "name", h->name);
	if (h->depth < 0)
		emit_kv(m, "subsystem", "true");
	else
		emit_uint(m, "depth", (unsigned long long)h->depth);
	/* A value out of range (a hand-built scenario) prints as the default. */
	emit_kv(m, "pass",
	        names_name(&scenario_handler_pass_names,
	                   (unsigned)h->pass <= HANDLER_PASS_BOTH ? h->pass : HANDLER_PASS_MAIN));
	emit_kv(m, "side",
	        names_name(&scenario_handler_side_names,
	                   (unsigned)h->side <= HANDLER_SIDE_DST ? h->side : HANDLER_SIDE_BOTH));
	emit_dist(m, "cost", &h->cost);
	emit_end_map(m);
}

static void emit_fault(struct emit *m, const struct scenario *s, const struct scn_fault *f)
{
	char name[SCENARIO_MAX_NAME + 16];
	const char *key = "?";

	for (size_t i = 0; i < SCENARIO_ARC_COUNT; i++)
		if (scenario_arcs[i].from == f->from && scenario_arcs[i].to == f->to)
			key = scenario_arcs[i].key;
	scenario_fault_target(s, f, name, sizeof(name));
	emit_map(m, NULL, true);
	emit_kv(m, "device", name);
	emit_kv(m, "arc", key);
	emit_probability(m, "probability", f->probability);
	emit_end_map(m);
}

char *scenario_to_yaml(const struct scenario *s)
{
	struct emit m = {.ok = true};
	yaml_event_t ev;

	if (!yaml_emitter_initialize(&m.e))
		return NULL;
	m.out = g_string_new(NULL);
	yaml_out_to_gstring(&m.e, m.out);
	emit_event(&m, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING));
	emit_event(&m, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1));
	emit_map(&m, NULL, false);
	emit_kv(&m, "name", s->name ? s->name : "");
	if (s->description)
		emit_kv(&m, "description", s->description);
	emit_map(&m, "vm", false);
	emit_bytes(&m, "ram", s->ram_bytes);
	emit_rate(&m, "dirty_rate", s->ram_dirty_Bps);
	emit_uint(&m, "vcpus", s->vcpus);
	emit_end_map(&m);
	emit_map(&m, "hosts", false);
	emit_kv(&m, "shared", s->hosts_shared ? "true" : "false");
	for (int h = 0; h < 2; h++) {
		const struct scn_host *x = &s->hosts[h];
		emit_map(&m, h ? "destination" : "source", false);
		if (x->profile)
			emit_kv(&m, "profile", x->profile);
		emit_uint(&m, "cores", x->cores);
		emit_duration(&m, "send_cpu_per_byte", x->send_cpu_s_per_byte);
		emit_duration(&m, "recv_cpu_per_byte", x->recv_cpu_s_per_byte);
		emit_duration(&m, "vcpu_pause", x->vcpu_pause_s);
		emit_duration(&m, "vcpu_resume", x->vcpu_resume_s);
		emit_duration(&m, "wake_latency", x->wake_latency_s);
		emit_duration(&m, "task_cpu", x->task_cpu_s);
		emit_duration(&m, "sleep_cpu", x->sleep_cpu_s);
		emit_duration(&m, "unblock_cpu", x->unblock_cpu_s);
		emit_duration(&m, "send_cpu_per_frame", x->send_cpu_s_per_frame);
		emit_duration(&m, "recv_cpu_per_frame", x->recv_cpu_s_per_frame);
		emit_duration(&m, "device_read_cpu", x->device_read_cpu_s);
		emit_duration(&m, "device_read_end_cpu", x->device_read_end_cpu_s);
		emit_duration(&m, "device_write_cpu", x->device_write_cpu_s);
		/* Only when set, so that a scenario without them emits as before;
		 * the waits always under a profile, whose own value would
		 * otherwise come back for a 0 the scenario set. */
		if (x->has_thread_create)
			emit_duration(&m, "thread_create", x->thread_create_s);
		if (x->has_thread_wake)
			emit_duration(&m, "thread_wake", x->thread_wake_s);
		if (x->thread_create_wait_s != 0 || x->profile)
			emit_duration(&m, "thread_create_wait", x->thread_create_wait_s);
		if (x->thread_wake_wait_s != 0 || x->profile)
			emit_duration(&m, "thread_wake_wait", x->thread_wake_wait_s);
		if (x->thread_create_new_stack_s != 0 || x->profile)
			emit_duration(&m, "thread_create_new_stack", x->thread_create_new_stack_s);
		if (x->thread_stack_cache != 0 || x->profile)
			emit_uint(&m, "thread_stack_cache", x->thread_stack_cache);
		emit_end_map(&m);
	}
	emit_end_map(&m);
	emit_map(&m, "network", false);
	emit_rate(&m, "bandwidth", s->bandwidth_Bps);
	emit_duration(&m, "latency", s->latency_s);
	emit_uint(&m, "multifd_channels", s->multifd_channels);
	emit_end_map(&m);
	emit_map(&m, "migration", false);
	emit_duration(&m, "downtime_limit", s->downtime_limit_s);
	emit_kv(&m, "strategy", strategy_name(s->strategy));
	emit_uint(&m, "max_iterations", s->max_iterations);
	emit_duration(&m, "max_time", s->max_time_s);
	emit_bytes(&m, "chunk_size", s->chunk_bytes);
	emit_duration(&m, "thread_create", s->thread_create_s);
	emit_duration(&m, "thread_join", s->thread_join_s);
	emit_kv(&m, "threads", thread_mode_name(s->threads));
	emit_duration(&m, "thread_wake", s->thread_wake_s);
	emit_kv(&m, "multifd_transfer", multifd_transfer_name(s->multifd_transfer));
	emit_kv(&m, "switchover_ack", ack_mode_name(s->ack_src));
	emit_kv(&m, "switchover_ack_destination",
	        s->ack_dst == s->ack_src ? "same" : ack_mode_name(s->ack_dst));
	emit_kv(&m, "late_ack_rule", late_ack_rule_name(s->late_ack_rule));
	emit_dist(&m, "stop_gap", &s->stop_gap);
	emit_end_map(&m);
	emit_map(&m, "events", false);
	emit_kv(&m, "design", event_design_name(s->event_design));
	emit_duration(&m, "rdma_timeout", s->rdma_timeout_s);
	emit_kv(&m, "nonresponsive_from", nonresponsive_from_name(s->nonresponsive_from));
	emit_end_map(&m);
	if (s->n_domains) {
		emit_seq(&m, "domains", false);
		for (size_t i = 0; i < s->n_domains; i++) {
			emit_map(&m, NULL, true);
			emit_kv(&m, "name", s->domains[i].name);
			emit_uint(&m, "capacity", s->domains[i].capacity);
			emit_end_map(&m);
		}
		emit_end_seq(&m);
	}
	emit_seq(&m, "devices", false);
	for (size_t i = 0; i < s->n_groups; i++)
		emit_group(&m, s, &s->groups[i]);
	emit_end_seq(&m);
	if (s->n_handlers) {
		emit_seq(&m, "handlers", false);
		for (size_t i = 0; i < s->n_handlers; i++)
			emit_handler(&m, &s->handlers[i]);
		emit_end_seq(&m);
	}
	if (s->n_faults) {
		emit_seq(&m, "faults", false);
		for (size_t i = 0; i < s->n_faults; i++)
			emit_fault(&m, s, &s->faults[i]);
		emit_end_seq(&m);
	}
	emit_uint(&m, "runs", s->runs);
	emit_uint(&m, "seed", (unsigned long long)s->seed);
	emit_end_map(&m);
	emit_event(&m, &ev, yaml_document_end_event_initialize(&ev, 1));
	emit_event(&m, &ev, yaml_stream_end_event_initialize(&ev));
	yaml_emitter_delete(&m.e);
	/* GLib allocates with the system malloc (since 2.46): free() releases it. */
	return g_string_free(m.out, !m.ok);
}
