/*
 * scenario_convert.c - the strings libcyaml loaded (struct raw_top) into a
 * struct scenario: every value parsed (units, distributions, integers,
 * booleans, names), profiles filling what a device group leaves out,
 * defaults the rest.  Every error names the key path of the bad value.
 */
#include "scenario_convert.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device_profile.h"
#include "dist.h"
#include "names.h"
#include "units.h"

/* A whole number in [lo, hi], written in decimal. */
static int get_uint(struct loader *L, const char *path, const char *text, uint64_t lo, uint64_t hi,
                    uint64_t *out)
{
	uint64_t v = 0;
	const char *p = text;

	if (!text)
		return 0;
	if (*p == '+')
		p++;
	if (*text == '-' && text[1] >= '0' && text[1] <= '9')
		return loader_fail(L, path,
		                   "%s is negative: expected a whole number from %llu to %llu",
		                   text, (unsigned long long)lo, (unsigned long long)hi);
	if (!*p || strspn(p, "0123456789") != strlen(p))
		return loader_fail(L, path, "'%s' is not a whole number: expected %llu to %llu",
		                   text, (unsigned long long)lo, (unsigned long long)hi);
	for (; *p; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return loader_fail(L, path, "%s is too large: expected %llu to %llu", text,
			                   (unsigned long long)lo, (unsigned long long)hi);
		v = v * 10 + d;
	}
	if (v < lo || v > hi)
		return loader_fail(L, path, "%s is out of range: expected %llu to %llu", text,
		                   (unsigned long long)lo, (unsigned long long)hi);
	*out = v;
	return 0;
}

static int get_unsigned(struct loader *L, const char *path, const char *text, unsigned lo,
                        unsigned hi, unsigned *out)
{
	uint64_t v = *out;
	if (get_uint(L, path, text, lo, hi, &v))
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* A parser's message quotes the text, which may be long (a 3000-digit
 * --set value): the buffer is sized to it, so the reason after the quote
 * is not cut; loader_fail() elides the middle for display. */
#define PARSE_MSG(msg, text)                                                                       \
	size_t msg_len = ((text) ? strlen(text) : 0) * 2 + 512;                                    \
	g_autofree char *msg = g_malloc(msg_len)

static int get_bytes(struct loader *L, const char *path, const char *text, uint64_t *out)
{
	PARSE_MSG(msg, text);
	if (text && units_parse_bytes(text, out, msg, msg_len))
		return loader_fail(L, path, "%s", msg);
	return 0;
}

static int get_rate(struct loader *L, const char *path, const char *text, double *out)
{
	PARSE_MSG(msg, text);
	if (text && units_parse_rate(text, out, msg, msg_len))
		return loader_fail(L, path, "%s", msg);
	return 0;
}

static int get_duration(struct loader *L, const char *path, const char *text, double *out)
{
	PARSE_MSG(msg, text);
	if (text && units_parse_duration(text, out, msg, msg_len))
		return loader_fail(L, path, "%s", msg);
	return 0;
}

/* A plain number from 0 to 1: a `what` ("probability"), such as `example`. */
static int get_unit_interval(struct loader *L, const char *path, const char *text, const char *what,
                             const char *example, double *out)
{
	PARSE_MSG(msg, text);
	double v;

	if (!text)
		return 0;
	if (units_parse_number(text, &v, msg, msg_len))
		return loader_fail(L, path, "%s (a %s from 0 to 1)", msg, what);
	if (v > 1)
		return loader_fail(L, path, "%s is above 1: expected a %s from 0 to 1, such as %s",
		                   text, what, example);
	*out = v;
	return 0;
}

static int get_probability(struct loader *L, const char *path, const char *text, double *out)
{
	return get_unit_interval(L, path, text, "probability", "0.05", out);
}

/*
 * Parse `text` into *out in the unit of `dflt` (durations or sizes), or set
 * *out to a copy of `dflt` when absent.
 */
static int get_dist(struct loader *L, const char *path, const char *text, const struct dist *dflt,
                    struct dist *out)
{
	PARSE_MSG(msg, text);
	int rc;

	if (!text)
		return dist_copy(out, dflt) ? loader_oom(L) : 0;
	rc = dflt->unit == DIST_UNIT_BYTES ? dist_parse_bytes(text, out, msg, msg_len)
	                                   : dist_parse(text, out, msg, msg_len);
	return rc ? loader_fail(L, path, "%s", msg) : 0;
}

/* One of `names`; returns its index or -1 (reported). */
static int get_word(struct loader *L, const char *path, const char *text, const struct names *names,
                    const char *what)
{
	char list[1024];
	int k = names_parse(names, text);

	if (k >= 0)
		return k;
	names_list(names, list, sizeof(list));
	return loader_fail(L, path, "unknown %s '%s': expected %s", what, text, list);
}

static const char *const bool_words[] = {"false", "true"};
static const struct names bools = NAMES(bool_words);

/* An optional boolean key: *out is left alone when absent. */
static int get_bool(struct loader *L, const char *path, const char *text, bool *out)
{
	int k = text ? get_word(L, path, text, &bools, "boolean") : *out;

	if (k < 0)
		return -1;
	*out = k == 1;
	return 0;
}

/* An optional word key: *k (the value's index) is left alone when absent. */
static int get_enum(struct loader *L, const char *path, const char *text, const struct names *names,
                    const char *what, int *k)
{
	int v;

	if (!text)
		return 0;
	v = get_word(L, path, text, names, what);
	if (v < 0)
		return -1;
	*k = v;
	return 0;
}

static int dup_str(struct loader *L, const char *text, char **out)
{
	*out = strdup(text ? text : "");
	return *out ? 0 : loader_oom(L);
}

static int convert_domains(struct loader *L, const struct raw_top *r, struct scenario *s)
{
	char path[KEY_PATH_LEN];

	if (!r->domains_count)
		return 0;
	s->domains = calloc(r->domains_count, sizeof(*s->domains));
	if (!s->domains)
		return loader_oom(L);
	s->n_domains = r->domains_count;
	for (size_t i = 0; i < r->domains_count; i++) {
		const struct raw_domain *d = &r->domains[i];
		struct scn_domain *o = &s->domains[i];

		*o = scenario_default_domain;
		if (dup_str(L, d->name, &o->name))
			return -1;
		snprintf(path, sizeof(path), "domains[%zu].capacity", i);
		if (get_unsigned(L, path, d->capacity, 1, SCENARIO_MAX_DOMAIN_CAP, &o->capacity))
			return -1;
	}
	return 0;
}

static int convert_caps(struct loader *L, const struct raw_device *d, const char *dev,
                        uint32_t *caps)
{
	const char *words[SCENARIO_CAP_COUNT];
	const struct names names = {words, SCENARIO_CAP_COUNT};
	char path[KEY_PATH_LEN];

	for (size_t i = 0; i < SCENARIO_CAP_COUNT; i++)
		words[i] = scenario_caps[i].name;

	snprintf(path, sizeof(path), "%s.capabilities", dev);
	/* An empty list must not mean "the profile's": only absence does. */
	if (!key_lines_get(L->keys, path))
		return 0;
	*caps = 0;
	for (unsigned j = 0; j < d->capabilities_count; j++) {
		int k;
		snprintf(path, sizeof(path), "%s.capabilities[%u]", dev, j);
		k = get_word(L, path, d->capabilities[j], &names, "capability");
		if (k < 0)
			return -1;
		*caps |= scenario_caps[k].bit;
	}
	return 0;
}

static int convert_latency(struct loader *L, const struct raw_latency *lat,
                           const struct scenario_profile *p, const char *dev,
                           struct scn_device_group *g)
{
	struct dist def;
	char path[KEY_PATH_LEN];
	int rc = 0;

	snprintf(path, sizeof(path), "%s.latency.default", dev);
	if (get_dist(L, path, lat ? lat->def : NULL, &p->latency_default, &def))
		return -1;
	/*
	 * Key by key, a group's own keys win over its profile's, and an arc
	 * with neither an own key nor a profile value takes the default (the
	 * group's if it set one, else the profile's).
	 */
	for (size_t i = 0; i < SCENARIO_ARC_COUNT && rc == 0; i++) {
		const struct scenario_arc *a = &scenario_arcs[i];
		const char *text = lat ? lat->arc[a->from * VFIO_STATE_COUNT + a->to] : NULL;
		const struct dist *dflt =
		    !text && p->arc_set[a->from][a->to] ? &p->arc[a->from][a->to] : &def;

		snprintf(path, sizeof(path), "%s.latency.%s", dev, a->key);
		rc = get_dist(L, path, text, dflt, &g->arc_latency[a->from][a->to]);
	}
	dist_free(&def);
	if (rc)
		return -1;
	snprintf(path, sizeof(path), "%s.latency.query", dev);
	return get_dist(L, path, lat ? lat->query : NULL, &p->query, &g->query_latency);
}

static int convert_reinit(struct loader *L, const struct raw_reinit *r, const char *dev,
                          struct scn_device_group *g)
{
	char path[KEY_PATH_LEN];
	const struct dist chunk = scenario_default_group.reinit_chunk;

	snprintf(path, sizeof(path), "%s.reinit.chunk", dev);
	if (get_dist(L, path, r ? r->chunk : NULL, &chunk, &g->reinit_chunk))
		return -1;
	if (!r)
		return 0;
	snprintf(path, sizeof(path), "%s.reinit.interval", dev);
	if (get_duration(L, path, r->interval, &g->reinit_interval_s))
		return -1;
	if (!r->times_count)
		return 0;
	g->reinit_times = calloc(r->times_count, sizeof(*g->reinit_times));
	if (!g->reinit_times)
		return loader_oom(L);
	g->n_reinit_times = r->times_count;
	for (unsigned k = 0; k < r->times_count; k++) {
		snprintf(path, sizeof(path), "%s.reinit.times[%u]", dev, k);
		if (get_duration(L, path, r->times[k], &g->reinit_times[k]))
			return -1;
	}
	return 0;
}

/*
 * The keys of switchover-ack and REINIT (docs/domain.md sections 5-6).  Like
 * header_size, the profile's init_load applies only while the group keeps
 * pre_copy; validation refuses these keys set without it.
 */
static int convert_precopy_keys(struct loader *L, const struct raw_device *d,
                                const struct scenario_profile *p, const char *dev,
                                struct scn_device_group *g)
{
	char path[KEY_PATH_LEN];
	int k = (int)g->precopy_info_v2;

	if (g->caps & VFIO_CAP_PRE_COPY) {
		k = (int)p->precopy_info_v2;
		g->init_load_fixed_s = p->init_load_fixed_s;
		g->init_load_Bps = p->init_load_Bps;
	}
	snprintf(path, sizeof(path), "%s.precopy_info_v2", dev);
	if (get_enum(L, path, d->precopy_info_v2, &scenario_precopy_v2_names,
	             "precopy_info_v2 answer", &k))
		return -1;
	g->precopy_info_v2 = (enum precopy_v2)k;
	snprintf(path, sizeof(path), "%s.init_load.fixed", dev);
	if (get_duration(L, path, d->init_load ? d->init_load->fixed : NULL, &g->init_load_fixed_s))
		return -1;
	snprintf(path, sizeof(path), "%s.init_load.rate", dev);
	if (get_rate(L, path, d->init_load ? d->init_load->rate : NULL, &g->init_load_Bps))
		return -1;
	if (convert_reinit(L, d->reinit, dev, g))
		return -1;
	snprintf(path, sizeof(path), "%s.final_check_failure", dev);
	if (get_probability(L, path, d->final_check_failure, &g->final_check_failure))
		return -1;
	snprintf(path, sizeof(path), "%s.precopy_save_error", dev);
	if (get_bool(L, path, d->precopy_save_error, &g->precopy_save_error))
		return -1;
	snprintf(path, sizeof(path), "%s.destination_starts_running", dev);
	return get_bool(L, path, d->destination_starts_running, &g->destination_starts_running);
}

/* multifd_transfer: the group's own x-migration-multifd-transfer, or (key
 * absent) the migration's. */
static int convert_multifd_transfer(struct loader *L, const struct raw_device *d, const char *dev,
                                    struct scn_device_group *g)
{
	char path[KEY_PATH_LEN];
	int k = (int)g->multifd_transfer;
	if (!d->multifd_transfer)
		return 0;
	snprintf(path, sizeof(path), "%s.multifd_transfer", dev);
	if (get_enum(L, path, d->multifd_transfer, &scenario_multifd_transfer_names,
	             "multifd transfer mode", &k))
		return -1;
	g->multifd_transfer_set = true;
	g->multifd_transfer = (enum multifd_transfer)k;
	return 0;
}

static int dup_list(struct loader *L, char **in, unsigned n, char ***out, size_t *n_out)
{
	if (!n)
		return 0;
	if (!(*out = calloc(n, sizeof **out)))
		return loader_oom(L);
	*n_out = n;
	for (unsigned k = 0; k < n; k++)
		if (dup_str(L, in[k], &(*out)[k]))
			return -1;
	return 0;
}

/* backend and vfio: (checked further by scenario_validate). */
static int convert_backend(struct loader *L, const struct raw_device *d, const char *dev,
                           struct scn_device_group *g)
{
	char path[KEY_PATH_LEN];
	int k = (int)g->backend;
	snprintf(path, sizeof(path), "%s.backend", dev);
	if (get_enum(L, path, d->backend, &scenario_backend_names, "backend", &k))
		return -1;
	g->backend = (enum device_backend)k;
	if (!d->vfio)
		return 0;
	k = (int)g->vfio_interface;
	snprintf(path, sizeof(path), "%s.vfio.interface", dev);
	if (get_enum(L, path, d->vfio->interface, &scenario_vfio_interface_names, "vfio interface",
	             &k))
		return -1;
	g->vfio_interface = (enum vfio_interface)k;
	if (dup_list(L, d->vfio->source, d->vfio->source_count, &g->vfio_source,
	             &g->n_vfio_source) ||
	    dup_list(L, d->vfio->destination, d->vfio->destination_count, &g->vfio_destination,
	             &g->n_vfio_destination))
		return -1;
	return 0;
}

/* The device model's keys of `d` (scenario_schema_device_model_fields,
 * plus reinit, final_check_failure, precopy_save_error,
 * destination_starts_running, multifd_transfer and backend,
 * which a profile file cannot have) over profile `p`'s values, into *g. */
static int convert_device_keys(struct loader *L, const struct raw_device *d, const char *dev,
                               const struct scenario_profile *p, struct scn_device_group *g)
{
	char path[KEY_PATH_LEN];

	g->caps = p->caps;
	if (convert_caps(L, d, dev, &g->caps))
		return -1;
	g->state_bytes = p->state_bytes;
	snprintf(path, sizeof(path), "%s.state_size", dev);
	if (get_bytes(L, path, d->state_size, &g->state_bytes))
		return -1;
	/* A profile's precopy numbers only apply while the group keeps pre_copy. */
	if (g->caps & VFIO_CAP_PRE_COPY) {
		g->header_bytes = p->header_bytes;
		g->initial_bytes = p->initial_bytes;
		g->precopy_dirty_Bps = p->precopy_dirty_Bps;
	}
	snprintf(path, sizeof(path), "%s.header_size", dev);
	if (get_bytes(L, path, d->header_size, &g->header_bytes))
		return -1;
	g->save_Bps = p->save_Bps;
	snprintf(path, sizeof(path), "%s.save_rate", dev);
	if (get_rate(L, path, d->save_rate, &g->save_Bps))
		return -1;
	snprintf(path, sizeof(path), "%s.initial_bytes", dev);
	if (get_bytes(L, path, d->initial_bytes, &g->initial_bytes))
		return -1;
	snprintf(path, sizeof(path), "%s.precopy_dirty_rate", dev);
	if (get_rate(L, path, d->precopy_dirty_rate, &g->precopy_dirty_Bps))
		return -1;
	if (convert_latency(L, d->latency, p, dev, g))
		return -1;
	g->load_fixed_s = p->load_fixed_s;
	g->load_Bps = p->load_Bps;
	g->load_image_s = p->load_image_s;
	snprintf(path, sizeof(path), "%s.load.fixed", dev);
	if (get_duration(L, path, d->load ? d->load->fixed : NULL, &g->load_fixed_s))
		return -1;
	snprintf(path, sizeof(path), "%s.load.rate", dev);
	if (get_rate(L, path, d->load ? d->load->rate : NULL, &g->load_Bps))
		return -1;
	snprintf(path, sizeof(path), "%s.load.image", dev);
	if (get_duration(L, path, d->load ? d->load->image : NULL, &g->load_image_s))
		return -1;
	if (convert_precopy_keys(L, d, p, dev, g) || convert_multifd_transfer(L, d, dev, g))
		return -1;
	if (convert_backend(L, d, dev, g))
		return -1;
	g->arc_cpu_fraction = p->arc_cpu_fraction;
	snprintf(path, sizeof(path), "%s.arc_cpu_fraction", dev);
	return get_unit_interval(L, path, d->arc_cpu_fraction, "fraction", "0.2",
	                         &g->arc_cpu_fraction);
}

static void profile_free(gpointer p)
{
	device_profile_free(p);
	g_free(p);
}

/* `profiles`: name -> struct device_profile, the ones loaded so far. */
static int convert_device(struct loader *L, const struct raw_device *d, size_t i,
                          struct scenario *s, struct scn_device_group *g, GHashTable *profiles)
{
	const char *pname = d->profile ? d->profile : scenario_default_group.profile;
	struct device_profile *p = g_hash_table_lookup(profiles, pname);
	char dev[64], path[KEY_PATH_LEN], msg[1024];
	int rc;

	snprintf(dev, sizeof(dev), "devices[%zu]", i);
	if (dup_str(L, d->name, &g->name))
		return -1;
	snprintf(path, sizeof(path), "%s.profile", dev);
	if (!p) {
		p = g_new(struct device_profile, 1);
		if (device_profile_load(pname, L->name, p, msg, sizeof(msg))) {
			g_free(p);
			return loader_fail(L, path, "%s", msg);
		}
		g_hash_table_insert(profiles, g_strdup(pname), p);
	}
	rc = dup_str(L, pname, &g->profile);
	snprintf(path, sizeof(path), "%s.count", dev);
	if (!rc)
		rc = get_unsigned(L, path, d->count, 1, SCENARIO_MAX_DEVICES, &g->count);
	unsigned depth = (unsigned)g->depth;
	snprintf(path, sizeof(path), "%s.depth", dev);
	if (!rc)
		rc = get_unsigned(L, path, d->depth, 0, SCENARIO_MAX_DEPTH, &depth);
	g->depth = (int)depth;
	if (!rc)
		rc = convert_device_keys(L, d, dev, &p->values, g);
	if (rc)
		return -1;
	if (d->domain) {
		char list[256];
		GString *names = g_string_new(NULL);

		for (size_t k = 0; k < s->n_domains; k++) {
			if (strcmp(d->domain, s->domains[k].name) == 0)
				g->domain = (int)k;
			g_string_append_printf(names, "%s%s", k ? ", " : "", s->domains[k].name);
		}
		/* The message has room for this much of the list. */
		snprintf(list, sizeof(list), "%s", names->str);
		g_string_free(names, TRUE);
		snprintf(path, sizeof(path), "%s.domain", dev);
		if (g->domain < 0 && s->n_domains)
			return loader_fail(L, path,
			                   "unknown domain '%s': expected one of the domains: %s",
			                   d->domain, list);
		if (g->domain < 0)
			return loader_fail(
			    L, path,
			    "unknown domain '%s': no domains are defined (add domains: "
			    "[{name: %s}] or remove domain:)",
			    d->domain, d->domain);
	}
	return 0;
}

static int convert_handler(struct loader *L, const struct raw_handler *h, size_t i,
                           struct scn_handler *o)
{
	char path[KEY_PATH_LEN];
	int k;

	if (dup_str(L, h->name, &o->name))
		return -1;
	snprintf(path, sizeof(path), "handlers[%zu].subsystem", i);
	k = h->subsystem ? get_word(L, path, h->subsystem, &bools, "boolean") : 0;
	if (k < 0)
		return -1;
	snprintf(path, sizeof(path), "handlers[%zu].depth", i);
	if (k == 1 && h->depth)
		return loader_fail(
		    L, path,
		    "a subsystem has no qdev depth (it registers at plain priority 0): "
		    "remove depth, or subsystem: true");
	if (k == 1) {
		o->depth = -1;
	} else {
		unsigned depth = (unsigned)o->depth;
		if (get_unsigned(L, path, h->depth, 0, SCENARIO_MAX_DEPTH, &depth))
			return -1;
		o->depth = (int)depth;
	}
	snprintf(path, sizeof(path), "handlers[%zu].pass", i);
	if (h->pass && (k = get_word(L, path, h->pass, &scenario_handler_pass_names, "pass")) < 0)
		return -1;
	if (h->pass)
		o->pass = (enum handler_pass)k;
	snprintf(path, sizeof(path), "handlers[%zu].side", i);
	if (h->side && (k = get_word(L, path, h->side, &scenario_handler_side_names, "side")) < 0)
		return -1;
	if (h->side)
		o->side = (enum handler_side)k;
	snprintf(path, sizeof(path), "handlers[%zu].cost", i);
	if (h->cost) {
		struct dist none = dist_fixed(0);
		if (get_dist(L, path, h->cost, &none, &o->cost))
			return -1;
	}
	return 0;
}

/* migration.switchover_ack, its destination, the late-ACK rule, stop_gap. */
static int convert_ack(struct loader *L, const struct raw_migration *m, struct scenario *s)
{
	static const char path_dst[] = "migration.switchover_ack_destination";
	int src = (int)s->ack_src, rule = (int)s->late_ack_rule;

	if (get_enum(L, "migration.switchover_ack", m->switchover_ack, &scenario_ack_mode_names,
	             "switchover_ack mode", &src))
		return -1;
	s->ack_src = (enum ack_mode)src;
	s->ack_dst = s->ack_src;
	if (m->switchover_ack_destination && strcmp(m->switchover_ack_destination, "same") != 0) {
		int dst = names_parse(&scenario_ack_mode_names, m->switchover_ack_destination);
		char list[64];

		if (dst < 0) {
			names_list(&scenario_ack_mode_names, list, sizeof(list));
			return loader_fail(
			    L, path_dst,
			    "unknown switchover_ack mode '%s': expected same (as the source) "
			    "or %s",
			    m->switchover_ack_destination, list);
		}
		s->ack_dst = (enum ack_mode)dst;
	}
	if (get_enum(L, "migration.late_ack_rule", m->late_ack_rule, &scenario_late_ack_rule_names,
	             "late-ACK rule", &rule))
		return -1;
	s->late_ack_rule = (enum late_ack_rule)rule;
	if (m->stop_gap) {
		/* Replaces the default, which owns nothing. */
		struct dist gap = s->stop_gap;
		if (get_dist(L, "migration.stop_gap", m->stop_gap, &gap, &s->stop_gap))
			return -1;
	}
	return 0;
}

static int convert_events(struct loader *L, const struct raw_events *e, struct scenario *s)
{
	int design = (int)s->event_design, from = (int)s->nonresponsive_from;

	if (!e)
		return 0;
	if (get_enum(L, "events.design", e->design, &scenario_event_design_names, "event design",
	             &design) ||
	    get_duration(L, "events.rdma_timeout", e->rdma_timeout, &s->rdma_timeout_s) ||
	    get_enum(L, "events.nonresponsive_from", e->nonresponsive_from,
	             &scenario_nonresponsive_from_names, "nonresponsive_from", &from))
		return -1;
	s->event_design = (enum event_design)design;
	s->nonresponsive_from = (enum nonresponsive_from)from;
	return 0;
}

/* "vf (vf0 to vf3), nic": the names a fault may use, for messages. */
static void device_names(const struct scenario *s, char *buf, size_t len)
{
	GString *names = g_string_new(NULL);

	for (size_t g = 0; g < s->n_groups; g++) {
		const struct scn_device_group *grp = &s->groups[g];
		if (grp->count == 1)
			g_string_append_printf(names, "%s%s", g ? ", " : "", grp->name);
		else
			g_string_append_printf(names, "%s%s (%s0 to %s%u)", g ? ", " : "",
			                       grp->name, grp->name, grp->name, grp->count - 1);
	}
	snprintf(buf, len, "%s", names->str);
	g_string_free(names, TRUE);
}

static int convert_faults(struct loader *L, const struct raw_top *r, struct scenario *s)
{
	const char *keys[SCENARIO_ARC_COUNT];
	const struct names arcs = {keys, SCENARIO_ARC_COUNT};
	char path[KEY_PATH_LEN], list[1024];

	if (!r->faults_count)
		return 0;
	for (size_t i = 0; i < SCENARIO_ARC_COUNT; i++)
		keys[i] = scenario_arcs[i].key;
	s->faults = calloc(r->faults_count, sizeof(*s->faults));
	if (!s->faults)
		return loader_oom(L);
	s->n_faults = r->faults_count;
	for (size_t i = 0; i < r->faults_count; i++) {
		const struct raw_fault *f = &r->faults[i];
		struct scn_fault *o = &s->faults[i];
		size_t n;
		int k;

		*o = scenario_default_fault;
		snprintf(path, sizeof(path), "faults[%zu].device", i);
		/* A name that matches twice is left to scenario_validate(), which
		 * checks hand-built scenarios the same way. */
		n = scenario_device_lookup(s, f->device, &o->group, &o->device);
		if (n == 0) {
			device_names(s, list, sizeof(list));
			return loader_fail(
			    L, path,
			    "unknown device '%s': expected a device group (every device of "
			    "it) or one device of a group: %s",
			    f->device, list);
		}
		snprintf(path, sizeof(path), "faults[%zu].arc", i);
		k = get_word(L, path, f->arc, &arcs, "arc");
		if (k < 0)
			return -1;
		o->from = scenario_arcs[k].from;
		o->to = scenario_arcs[k].to;
		snprintf(path, sizeof(path), "faults[%zu].probability", i);
		if (get_probability(L, path, f->probability, &o->probability))
			return -1;
	}
	return 0;
}

int scenario_convert_host(struct loader *L, const char *prefix, const struct raw_host *h,
                          struct scn_host *o)
{
	const struct {
		const char *key, *text;
		double *out;
	} costs[] = {{"send_cpu_per_byte", h->send_cpu_per_byte, &o->send_cpu_s_per_byte},
	             {"recv_cpu_per_byte", h->recv_cpu_per_byte, &o->recv_cpu_s_per_byte},
	             {"vcpu_pause", h->vcpu_pause, &o->vcpu_pause_s},
	             {"vcpu_resume", h->vcpu_resume, &o->vcpu_resume_s},
	             {"wake_latency", h->wake_latency, &o->wake_latency_s},
	             {"task_cpu", h->task_cpu, &o->task_cpu_s},
	             {"sleep_cpu", h->sleep_cpu, &o->sleep_cpu_s},
	             {"unblock_cpu", h->unblock_cpu, &o->unblock_cpu_s},
	             {"send_cpu_per_frame", h->send_cpu_per_frame, &o->send_cpu_s_per_frame},
	             {"recv_cpu_per_frame", h->recv_cpu_per_frame, &o->recv_cpu_s_per_frame},
	             {"device_read_cpu", h->device_read_cpu, &o->device_read_cpu_s},
	             {"device_read_end_cpu", h->device_read_end_cpu, &o->device_read_end_cpu_s},
	             {"device_write_cpu", h->device_write_cpu, &o->device_write_cpu_s},
	             {"thread_create", h->thread_create, &o->thread_create_s},
	             {"thread_wake", h->thread_wake, &o->thread_wake_s},
	             {"thread_create_wait", h->thread_create_wait, &o->thread_create_wait_s},
	             {"thread_wake_wait", h->thread_wake_wait, &o->thread_wake_wait_s}};
	char path[KEY_PATH_LEN];
	const char *dot = *prefix ? "." : "";

	snprintf(path, sizeof(path), "%s%scores", prefix, dot);
	if (get_unsigned(L, path, h->cores, 0, SCENARIO_MAX_CORES, &o->cores))
		return -1;
	snprintf(path, sizeof(path), "%s%sthread_create_new_stack", prefix, dot);
	if (get_duration(L, path, h->thread_create_new_stack, &o->thread_create_new_stack_s))
		return -1;
	snprintf(path, sizeof(path), "%s%sthread_stack_cache", prefix, dot);
	if (get_unsigned(L, path, h->thread_stack_cache, 0, SCENARIO_MAX_STACK_CACHE,
	                 &o->thread_stack_cache))
		return -1;
	for (size_t i = 0; i < sizeof(costs) / sizeof(costs[0]); i++) {
		snprintf(path, sizeof(path), "%s%s%s", prefix, dot, costs[i].key);
		if (get_duration(L, path, costs[i].text, costs[i].out))
			return -1;
	}
	/* Set here (or by the host profile, converted before the scenario's
	 * own keys): the host's value replaces migration.thread_create or
	 * thread_wake for the tasks on this host. */
	o->has_thread_create |= h->thread_create != NULL;
	o->has_thread_wake |= h->thread_wake != NULL;
	return 0;
}

int scenario_convert(struct loader *L, const struct raw_top *r, struct scenario *s)
{
	const struct raw_migration *m = r->migration;
	const struct raw_network *n = r->network;

	if (dup_str(L, L->name, &s->file) || dup_str(L, r->name, &s->name))
		return -1;
	if (r->description && dup_str(L, r->description, &s->description))
		return -1;
	if (r->vm && (get_bytes(L, "vm.ram", r->vm->ram, &s->ram_bytes) ||
	              get_rate(L, "vm.dirty_rate", r->vm->dirty_rate, &s->ram_dirty_Bps) ||
	              get_unsigned(L, "vm.vcpus", r->vm->vcpus, 1, SCENARIO_MAX_VCPUS, &s->vcpus)))
		return -1;
	if (r->hosts && get_bool(L, "hosts.shared", r->hosts->shared, &s->hosts_shared))
		return -1;
	if (r->hosts &&
	    ((r->hosts->source &&
	      scenario_convert_host(L, "hosts.source", r->hosts->source, &s->hosts[0])) ||
	     (r->hosts->destination &&
	      scenario_convert_host(L, "hosts.destination", r->hosts->destination, &s->hosts[1]))))
		return -1;
	if (n && (get_rate(L, "network.bandwidth", n->bandwidth, &s->bandwidth_Bps) ||
	          get_duration(L, "network.latency", n->latency, &s->latency_s) ||
	          get_unsigned(L, "network.multifd_channels", n->multifd_channels, 0,
	                       SCENARIO_MAX_MULTIFD, &s->multifd_channels)))
		return -1;
	if (m) {
		int k = (int)s->strategy, threads = (int)s->threads,
		    transfer = (int)s->multifd_transfer;
		if (get_duration(L, "migration.downtime_limit", m->downtime_limit,
		                 &s->downtime_limit_s) ||
		    get_enum(L, "migration.strategy", m->strategy, &scenario_strategy_names,
		             "strategy", &k) ||
		    get_unsigned(L, "migration.max_iterations", m->max_iterations, 1,
		                 SCENARIO_MAX_ITERATIONS, &s->max_iterations) ||
		    get_duration(L, "migration.max_time", m->max_time, &s->max_time_s) ||
		    get_bytes(L, "migration.chunk_size", m->chunk_size, &s->chunk_bytes) ||
		    get_duration(L, "migration.thread_create", m->thread_create,
		                 &s->thread_create_s) ||
		    get_duration(L, "migration.thread_join", m->thread_join, &s->thread_join_s) ||
		    get_enum(L, "migration.threads", m->threads, &scenario_thread_mode_names,
		             "thread mode", &threads) ||
		    get_duration(L, "migration.thread_wake", m->thread_wake, &s->thread_wake_s) ||
		    get_enum(L, "migration.multifd_transfer", m->multifd_transfer,
		             &scenario_multifd_transfer_names, "multifd transfer mode", &transfer))
			return -1;
		s->strategy = (enum strategy_kind)k;
		s->threads = (enum thread_mode)threads;
		s->multifd_transfer = (enum multifd_transfer)transfer;
		if (convert_ack(L, m, s))
			return -1;
	}
	if (convert_events(L, r->events, s) || convert_domains(L, r, s))
		return -1;
	if (r->devices_count) {
		s->groups = calloc(r->devices_count, sizeof(*s->groups));
		if (!s->groups)
			return loader_oom(L);
		s->n_groups = r->devices_count;
	}
	/* Groups that share a profile load its file once. */
	GHashTable *profiles = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, profile_free);
	int rc = 0;
	for (size_t i = 0; i < r->devices_count && !rc; i++) {
		struct scn_device_group *g = &s->groups[i];
		*g = scenario_default_group;
		g->profile = NULL; /* the default points at a literal */
		rc = convert_device(L, &r->devices[i], i, s, g, profiles);
	}
	g_hash_table_destroy(profiles);
	if (rc)
		return -1;
	if (r->handlers_count) {
		s->handlers = calloc(r->handlers_count, sizeof(*s->handlers));
		if (!s->handlers)
			return loader_oom(L);
		s->n_handlers = r->handlers_count;
	}
	for (size_t i = 0; i < r->handlers_count; i++) {
		s->handlers[i] = scenario_default_handler;
		if (convert_handler(L, &r->handlers[i], i, &s->handlers[i]))
			return -1;
	}
	if (convert_faults(L, r, s))
		return -1;
	{
		uint64_t seed = s->seed;
		if (get_unsigned(L, "runs", r->runs, 1, SCENARIO_MAX_RUNS, &s->runs) ||
		    get_uint(L, "seed", r->seed, 0, UINT64_MAX, &seed))
			return -1;
		s->seed = seed;
	}
	return 0;
}

void scenario_profile_unset(struct scenario_profile *p)
{
	*p = (struct scenario_profile){
	    .caps = VFIO_CAP_ALL, .latency_default = dist_fixed(0), .query = dist_fixed(0)};
	for (int f = 0; f < VFIO_STATE_COUNT; f++)
		for (int t = 0; t < VFIO_STATE_COUNT; t++)
			p->arc[f][t] = dist_fixed(0);
}

void scenario_profile_free(struct scenario_profile *p)
{
	dist_free(&p->latency_default);
	dist_free(&p->query);
	for (int f = 0; f < VFIO_STATE_COUNT; f++)
		for (int t = 0; t < VFIO_STATE_COUNT; t++)
			dist_free(&p->arc[f][t]);
}

int scenario_convert_profile(struct loader *L, const char *prefix, const struct raw_device *d,
                             struct scenario_profile *out)
{
	struct scenario_profile unset;
	struct scn_device_group g = {.domain = -1};
	char path[KEY_PATH_LEN];
	int rc;

	scenario_profile_unset(&unset);
	scenario_profile_unset(out);
	rc = convert_device_keys(L, d, prefix, &unset, &g);
	snprintf(path, sizeof(path), "%s.latency.default", prefix);
	if (!rc)
		rc = get_dist(L, path, d->latency ? d->latency->def : NULL, &unset.latency_default,
		              &out->latency_default);
	if (!rc) {
		out->caps = g.caps;
		out->state_bytes = g.state_bytes;
		out->header_bytes = g.header_bytes;
		out->initial_bytes = g.initial_bytes;
		out->precopy_dirty_Bps = g.precopy_dirty_Bps;
		out->save_Bps = g.save_Bps;
		out->load_fixed_s = g.load_fixed_s;
		out->load_Bps = g.load_Bps;
		out->load_image_s = g.load_image_s;
		out->init_load_fixed_s = g.init_load_fixed_s;
		out->init_load_Bps = g.init_load_Bps;
		out->precopy_info_v2 = g.precopy_info_v2;
		out->arc_cpu_fraction = g.arc_cpu_fraction;
		/* The converted dists move over: the query, and the arcs the
		 * profile sets (the others follow its default). */
		out->query = g.query_latency;
		g.query_latency = dist_fixed(0);
		for (size_t i = 0; i < SCENARIO_ARC_COUNT; i++) {
			const struct scenario_arc *a = &scenario_arcs[i];
			if (!d->latency || !d->latency->arc[a->from * VFIO_STATE_COUNT + a->to])
				continue;
			out->arc[a->from][a->to] = g.arc_latency[a->from][a->to];
			g.arc_latency[a->from][a->to] = dist_fixed(0);
			out->arc_set[a->from][a->to] = true;
		}
	}
	for (int f = 0; f < VFIO_STATE_COUNT; f++)
		for (int t = 0; t < VFIO_STATE_COUNT; t++)
			dist_free(&g.arc_latency[f][t]);
	dist_free(&g.query_latency);
	dist_free(&g.reinit_chunk);
	scenario_profile_free(&unset);
	return rc;
}
