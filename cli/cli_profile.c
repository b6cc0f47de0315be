/*
 * cli_profile.c - `switchover profile show NAME|FILE` (a device profile's
 * values, each with its provenance, or a host profile's keys with what
 * each is, the command that measured them and its measurements) and
 * `switchover profile list` (the device and host profiles on the search
 * path, and where each comes from); and the note a run's output carries
 * for each profile whose values include assumptions.
 */
#include <getopt.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "device_profile.h"
#include "host_profile.h"
#include "output.h"
#include "profile_file.h"

static void show_help(FILE *out)
{
	fprintf(out,
	        "  switchover profile show NAME|FILE [--kind device|host] [--format table|json]\n"
	        "                          [--profile-path DIRS]\n"
	        "      a device profile (devices[].profile): every value it sets, with its\n"
	        "      provenance: source measurement (files, samples, fit), fitted (to,\n"
	        "      fit), publication (ref), code (ref) or assumption (reason); or a host\n"
	        "      profile (hosts.<side>.profile): every key it sets with its value as\n"
	        "      written (its unit) and what it is, the command that measured them,\n"
	        "      its date, CPU and machine, and each measurement; either with where\n"
	        "      it comes from (built-in, a folder of the search path, or a path).\n"
	        "      NAME is looked for as both kinds: the kind it is found as, or, found\n"
	        "      as both, the one that loads; a NAME that is both a device and a host\n"
	        "      profile is an error unless --kind says which.  json: {kind: device,\n"
	        "      name, file, origin, description, command, date, values, assumptions,\n"
	        "      keys:[{key, value, source, ...the source's fields}]} or {kind: host,\n"
	        "      name, file, origin, description, command, date, cpu, machine,\n"
	        "      keys:[{key, value, meaning}], measurements:[{what, unit, median,\n"
	        "      min, max, samples}]}\n");
}

static void list_help(FILE *out)
{
	fprintf(out,
	        "  switchover profile list [--profile-path DIRS]\n"
	        "      the device profiles, then the host profiles, found on the search\n"
	        "      path, in its order: name, kind (device or host), where it comes from\n"
	        "      (built-in, --profile-path, %s, scenario folder),\n"
	        "      values (a device profile: how many of its values are assumptions; a\n"
	        "      host profile: how many keys it sets), file; a name found again later\n"
	        "      as the same kind is shadowed (a scenario gets the first)\n",
	        PROFILE_FILE_ENV);
}

void cli_profile_help(FILE *out)
{
	fprintf(out, "usage:\n");
	show_help(out);
	list_help(out);
	fprintf(out,
	        "\nA device profile (profiles/devices/NAME.yaml, docs/scenarios.md \"Device\n"
	        "profiles\") gives a scenario's device group every key it does not set; a\n"
	        "host profile (profiles/hosts/NAME.yaml, written by bench/bench_host;\n"
	        "docs/scenarios.md \"Host profiles\") gives hosts.source or\n"
	        "hosts.destination every key it does not set.  A name is looked for in:\n"
	        "the built-in profiles (the project's profiles/, built into the binary:\n"
	        "<built-in>/devices/NAME.yaml, <built-in>/hosts/NAME.yaml), the folders of\n"
	        "--profile-path DIR[:DIR...], those of %s, and the\n"
	        "scenario's own folder; in each folder DIR as DIR/devices/NAME.yaml (a\n"
	        "host profile: DIR/hosts/NAME.yaml), then DIR/NAME.yaml.  A name with a\n"
	        "'/' or ending in .yaml is a path.\n\n"
	        "options:\n"
	        "  --kind K             device | host: show NAME as that kind only (show)\n"
	        "  --profile-path DIRS  also look in these folders (':'-separated)\n"
	        "  --format F           table (default) | json (show)\n"
	        "  -h, --help           this help\n\n"
	        "exit status: 0 done, 2 the profile is not found or is wrong (FILE:LINE: KEY),\n"
	        "or NAME is both a device and a host profile without --kind.\n",
	        PROFILE_FILE_ENV);
}

/* The provenance of `e` in one line of text (g_free it). */
static char *provenance_text(const struct device_profile_entry *e)
{
	GString *s = g_string_new(NULL);
	if (e->files) {
		char *files = g_strjoinv(", ", e->files);
		g_string_append_printf(s, "files: %s; ", files);
		g_free(files);
	}
	if (e->samples)
		g_string_append_printf(s, "samples: %s; ", e->samples);
	if (e->to)
		g_string_append_printf(s, "to: %s; ", e->to);
	if (e->fit)
		g_string_append_printf(s, "fit: %s; ", e->fit);
	if (e->ref)
		g_string_append_printf(s, "%s; ", e->ref);
	if (e->reason)
		g_string_append_printf(s, "%s; ", e->reason);
	if (s->len >= 2)
		g_string_truncate(s, s->len - 2);
	return g_string_free(s, FALSE);
}

static void show_table(const struct device_profile *p)
{
	printf("profile %s (%s: %s)\n", p->name, p->origin, p->file);
	if (p->description)
		printf("  %s\n", p->description);
	if (p->command)
		printf("  command: %s\n", p->command);
	if (p->date)
		printf("  date: %s\n", p->date);
	printf("  %zu of %zu values are assumptions\n\n", p->n_assumptions, p->n_entries);
	if (!p->n_entries) {
		printf("  no values: every key takes the unset value (every capability, every "
		       "cost 0)\n");
		return;
	}
	printf("  %-36s %-14s %-12s %s\n", "key", "value", "source", "provenance");
	for (size_t i = 0; i < p->n_entries; i++) {
		const struct device_profile_entry *e = &p->entries[i];
		char *prov = provenance_text(e);
		printf("  %-36s %-14s %-12s %s\n", e->key, e->value, e->source, prov);
		g_free(prov);
	}
}

static void json_set_string(json_t *o, const char *key, const char *value)
{
	if (value)
		json_object_set_new(o, key, output_json_string(value));
}

/* The number text `samples` as a JSON integer field of `o`. */
static void json_set_samples(json_t *o, const char *samples)
{
	if (samples)
		json_object_set_new(o, "samples",
		                    json_integer((json_int_t)strtoull(samples, NULL, 10)));
}

/* The fields a device and a host profile's JSON begin with. */
static json_t *json_profile(const char *kind, const char *name, const char *file,
                            const char *origin, const char *description, const char *command,
                            const char *date)
{
	json_t *root = json_object();
	json_set_string(root, "kind", kind);
	json_set_string(root, "name", name);
	json_set_string(root, "file", file);
	json_set_string(root, "origin", origin);
	json_set_string(root, "description", description);
	json_set_string(root, "command", command);
	json_set_string(root, "date", date);
	return root;
}

static int show_json(const struct device_profile *p)
{
	json_t *keys = json_array();
	for (size_t i = 0; i < p->n_entries; i++) {
		const struct device_profile_entry *e = &p->entries[i];
		json_t *k = json_object();
		json_set_string(k, "key", e->key);
		json_set_string(k, "value", e->value);
		json_set_string(k, "source", e->source);
		if (e->files) {
			json_t *files = json_array();
			for (char **f = e->files; *f; f++)
				json_array_append_new(files, output_json_string(*f));
			json_object_set_new(k, "files", files);
		}
		json_set_samples(k, e->samples);
		json_set_string(k, "to", e->to);
		json_set_string(k, "fit", e->fit);
		json_set_string(k, "ref", e->ref);
		json_set_string(k, "reason", e->reason);
		json_array_append_new(keys, k);
	}
	json_t *root = json_profile("device", p->name, p->file, p->origin, p->description,
	                            p->command, p->date);
	json_object_set_new(root, "values", json_integer((json_int_t)p->n_entries));
	json_object_set_new(root, "assumptions", json_integer((json_int_t)p->n_assumptions));
	json_object_set_new(root, "keys", keys);
	return output_json_write(stdout, root, JSON_INDENT(2));
}

static void show_host_table(const struct host_profile_info *p)
{
	printf("host profile %s (%s: %s)\n", p->name, p->origin, p->file);
	if (p->description)
		printf("  %s\n", p->description);
	printf("  command: %s\n", p->command ? p->command : "(not written)");
	printf("  date: %s\n", p->date ? p->date : "(not written)");
	if (p->cpu)
		printf("  cpu: %s\n", p->cpu);
	if (p->machine)
		printf("  machine: %s\n", p->machine);
	printf("  %zu keys, %zu measurements\n\n", p->n_keys, p->n_measurements);
	printf("  %-20s %-12s %s\n", "key", "value", "what");
	for (size_t i = 0; i < p->n_keys; i++)
		printf("  %-20s %-12s %s\n", p->keys[i], p->values[i],
		       host_profile_key_meaning(p->keys[i]));
	if (p->n_measurements)
		printf("\n  measurements (median [min, max], samples):\n");
	for (size_t i = 0; i < p->n_measurements; i++) {
		const struct host_profile_measurement *m = &p->measurements[i];
		printf("    %s", m->what);
		if (m->unit)
			printf(" (%s)", m->unit);
		printf(": %s", m->median);
		if (m->min || m->max)
			printf(" [%s, %s]", m->min ? m->min : "-", m->max ? m->max : "-");
		if (m->samples)
			printf(", %s samples", m->samples);
		putchar('\n');
	}
}

static int show_host_json(const struct host_profile_info *p)
{
	json_t *keys = json_array(), *ms = json_array();
	for (size_t i = 0; i < p->n_keys; i++) {
		json_t *k = json_object();
		json_set_string(k, "key", p->keys[i]);
		json_set_string(k, "value", p->values[i]);
		json_set_string(k, "meaning", host_profile_key_meaning(p->keys[i]));
		json_array_append_new(keys, k);
	}
	for (size_t i = 0; i < p->n_measurements; i++) {
		const struct host_profile_measurement *m = &p->measurements[i];
		json_t *o = json_object();
		json_set_string(o, "what", m->what);
		json_set_string(o, "unit", m->unit);
		json_set_string(o, "median", m->median);
		json_set_string(o, "min", m->min);
		json_set_string(o, "max", m->max);
		json_set_samples(o, m->samples);
		json_array_append_new(ms, o);
	}
	json_t *root =
	    json_profile("host", p->name, p->file, p->origin, p->description, p->command, p->date);
	json_set_string(root, "cpu", p->cpu);
	json_set_string(root, "machine", p->machine);
	json_object_set_new(root, "keys", keys);
	json_object_set_new(root, "measurements", ms);
	return output_json_write(stdout, root, JSON_INDENT(2));
}

/* The profile kinds: their folder under profiles/ and their label. */
enum profile_kind { KIND_DEVICE, KIND_HOST, KIND_ANY };
static const char *const kind_dir[2] = {"devices", "hosts"};
static const char *const kind_label[2] = {"device", "host"};

/* Whether profile `name` of `kind` is found (not whether it loads). */
static bool profile_found(enum profile_kind kind, const char *name)
{
	char *text, err[1024];
	size_t len;
	char *path = profile_file_read(kind_dir[kind], kind_label[kind], name, NULL, 64u << 20,
	                               &text, &len, NULL, err, sizeof err);
	g_free(text);
	g_free(path);
	return path != NULL;
}

/*
 * `profile show NAME` as `kind`; with KIND_ANY: the kind NAME is found as,
 * or, found as both, the kind it loads as (a file of a folder both kinds
 * search, or a path, is found as both); an error if it loads as both.
 */
static int show_profile(const char *name, enum profile_kind kind, bool json)
{
	struct device_profile d;
	struct host_profile_info h;
	char derr[1024] = "", herr[1024] = "";
	int rd = kind == KIND_HOST ? -1 : device_profile_load(name, NULL, &d, derr, sizeof derr);
	int rh =
	    kind == KIND_DEVICE ? -1 : host_profile_info_load(name, NULL, &h, herr, sizeof herr);
	int rc = CLI_EXIT_OK;

	if (rd == 0 && rh == 0) {
		cli_error("profile",
		          "'%s' is both a device profile (%s) and a host profile (%s): say which "
		          "with --kind device or --kind host\n",
		          name, d.file, h.file);
		rc = CLI_EXIT_ERROR;
	} else if (rd == 0) {
		if (json)
			rc = show_json(&d) ? CLI_EXIT_ERROR : CLI_EXIT_OK;
		else
			show_table(&d);
	} else if (rh == 0) {
		if (json)
			rc = show_host_json(&h) ? CLI_EXIT_ERROR : CLI_EXIT_OK;
		else
			show_host_table(&h);
	} else {
		bool fd = kind != KIND_HOST && profile_found(KIND_DEVICE, name);
		bool fh = kind != KIND_DEVICE && profile_found(KIND_HOST, name);
		if (kind == KIND_DEVICE || (fd && !fh))
			cli_error("profile", "%s\n", derr);
		else if (kind == KIND_HOST || (fh && !fd))
			cli_error("profile", "%s\n", herr);
		else if (fd)
			cli_error("profile", "not a device profile: %s; not a host profile: %s\n",
			          derr, herr);
		else
			cli_error("profile", "%s; %s\n", derr, herr);
		rc = CLI_EXIT_ERROR;
	}
	if (rd == 0)
		device_profile_free(&d);
	if (rh == 0)
		host_profile_info_free(&h);
	return rc;
}

/* Whether the file (built in: `b`) loads as a profile of `kind`: 0 with
 * its `values` column, or -1 with why not in err. */
static int list_values(enum profile_kind kind, const char *name, const char *file,
                       const struct profile_builtin *b, char *values, size_t vlen, char *err,
                       size_t errlen)
{
	if (kind == KIND_DEVICE) {
		struct device_profile p;
		if (b ? device_profile_load_text(file, b->text, b->len, &p, err, errlen)
		      : device_profile_load(file, NULL, &p, err, errlen))
			return -1;
		snprintf(values, vlen, "%zu/%zu assumed", p.n_assumptions, p.n_entries);
		device_profile_free(&p);
		return 0;
	}
	struct host_profile_info h;
	/* a built-in name finds the built-in profile first */
	if (host_profile_info_load(b ? name : file, NULL, &h, err, errlen))
		return -1;
	snprintf(values, vlen, "%zu keys", h.n_keys);
	host_profile_info_free(&h);
	return 0;
}

/* One line of `profile list`: the profile `name` of `kind` from `origin`,
 * built in (`b`) or the file `file`; `seen` maps each name of the kind to
 * the file it was first found at.  `shared`: the folder is searched for
 * both kinds, and a file there that is a profile of the other kind only is
 * left out. */
static void list_one(GHashTable *seen, enum profile_kind kind, const char *name, const char *origin,
                     const char *file, const struct profile_builtin *b, bool shared)
{
	const char *first = g_hash_table_lookup(seen, name);
	char err[1024], other_err[1024], values[64];
	int rc = list_values(kind, name, file, b, values, sizeof values, err, sizeof err);

	if (rc == 0) {
		err[0] = '\0';
	} else {
		if (shared && list_values(!kind, name, file, b, values, sizeof values, other_err,
		                          sizeof other_err) == 0)
			return;
		snprintf(values, sizeof values, "-");
	}
	printf("%-16s %-6s %-24s %-14s %s", name, kind_label[kind], origin, values, file);
	if (first)
		printf(" (shadowed by %s)", first);
	if (err[0])
		printf(" (not a %s profile: %s)", kind_label[kind], err);
	putchar('\n');
	if (!first)
		g_hash_table_insert(seen, g_strdup(name), g_strdup(file));
}

/* Whether `dir` is among the folders `dirs` (struct profile_file_dir). */
static bool dirs_have(GPtrArray *dirs, const char *dir)
{
	for (guint i = 0; i < dirs->len; i++)
		if (!strcmp(((const struct profile_file_dir *)g_ptr_array_index(dirs, i))->dir,
		            dir))
			return true;
	return false;
}

/* The profiles of `kind` on the search path, in its order. */
static void list_kind(enum profile_kind kind)
{
	GPtrArray *dirs = profile_file_dirs(kind_dir[kind], NULL);
	GPtrArray *other = profile_file_dirs(kind_dir[!kind], NULL);
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

	for (size_t i = 0; i < profile_builtin_count; i++) {
		const struct profile_builtin *b = &profile_builtin_table[i];
		if (strcmp(b->kind, kind_dir[kind]))
			continue;
		char *file = profile_file_builtin_path(b);
		list_one(seen, kind, b->name, PROFILE_FILE_ORIGIN_BUILTIN, file, b, false);
		g_free(file);
	}
	for (guint i = 0; i < dirs->len; i++) {
		const struct profile_file_dir *d = g_ptr_array_index(dirs, i);
		GDir *dir = g_dir_open(d->dir, 0, NULL);
		GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
		bool shared = dirs_have(other, d->dir);
		const char *f;

		while (dir && (f = g_dir_read_name(dir)))
			if (g_str_has_suffix(f, ".yaml"))
				g_ptr_array_add(files, g_strdup(f));
		if (dir)
			g_dir_close(dir);
		g_ptr_array_sort(files, (GCompareFunc)(void (*)(void))g_strcmp0);
		for (guint k = 0; k < files->len; k++) {
			const char *file = g_ptr_array_index(files, k);
			char *name = g_strndup(file, strlen(file) - 5);
			char *path = g_build_filename(d->dir, file, NULL);

			list_one(seen, kind, name, d->origin, path, NULL, shared);
			g_free(name);
			g_free(path);
		}
		g_ptr_array_unref(files);
	}
	g_hash_table_destroy(seen);
	g_ptr_array_unref(other);
	g_ptr_array_unref(dirs);
}

/* The device profiles, then the host profiles, of the search path. */
static int list_profiles(void)
{
	printf("%-16s %-6s %-24s %-14s %s\n", "name", "kind", "from", "values", "file");
	list_kind(KIND_DEVICE);
	list_kind(KIND_HOST);
	return CLI_EXIT_OK;
}

int cli_profile(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"format", required_argument, NULL, 'f'},
	    {"kind", required_argument, NULL, 'k'},
	    {"profile-path", required_argument, NULL, 'P'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *sub = argc > 1 ? argv[1] : "";
	enum profile_kind kind = KIND_ANY;
	bool json = false;
	int c;

	if (!strcmp(sub, "-h") || !strcmp(sub, "--help")) {
		cli_profile_help(stdout);
		return CLI_EXIT_OK;
	}
	if (strcmp(sub, "show") && strcmp(sub, "list")) {
		cli_error("profile",
		          "%s%s: expected show or list (see switchover profile --help)\n",
		          *sub ? "unknown subcommand " : "no subcommand", sub);
		return CLI_EXIT_ERROR;
	}
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc - 1, argv + 1, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "table") && strcmp(optarg, "json")) {
				cli_error("profile", "--format '%s': expected table or json\n",
				          optarg);
				return CLI_EXIT_ERROR;
			}
			json = !strcmp(optarg, "json");
			break;
		case 'k':
			if (strcmp(optarg, "device") && strcmp(optarg, "host")) {
				cli_error("profile", "--kind '%s': expected device or host\n",
				          optarg);
				return CLI_EXIT_ERROR;
			}
			kind = !strcmp(optarg, "host") ? KIND_HOST : KIND_DEVICE;
			break;
		case 'P':
			profile_file_set_path(optarg);
			break;
		case 'h':
			cli_profile_help(stdout);
			return CLI_EXIT_OK;
		case ':':
			cli_error("profile", "%s needs a value (see switchover profile --help)\n",
			          argv[optind]);
			return CLI_EXIT_ERROR;
		default:
			cli_error("profile",
			          "unknown option '%s' (see switchover profile --help)\n",
			          argv[optind]);
			return CLI_EXIT_ERROR;
		}
	}
	int rest = argc - 1 - optind;
	if (!strcmp(sub, "list")) {
		if (rest != 0) {
			cli_error("profile",
			          "list takes no argument (see switchover profile --help)\n");
			return CLI_EXIT_ERROR;
		}
		return list_profiles();
	}
	if (rest != 1) {
		cli_error("profile",
		          "show takes one NAME or FILE (see switchover profile --help)\n");
		return CLI_EXIT_ERROR;
	}
	return show_profile(argv[1 + optind], kind, json);
}

int cli_profile_notes(const struct scenario *s, struct output_profile_note **notes, size_t *n,
                      char *err, size_t errlen)
{
	*notes = NULL;
	*n = 0;
	for (size_t i = 0; i < s->n_groups; i++) {
		const char *name = s->groups[i].profile;
		bool again = false;
		for (size_t j = 0; j < i; j++)
			again |= !strcmp(s->groups[j].profile, name);
		if (again)
			continue;
		struct device_profile p;
		if (device_profile_load(name, s->file, &p, err, errlen))
			return -1;
		if (p.n_assumptions) {
			*notes = g_renew(struct output_profile_note, *notes, *n + 1);
			/* A profile named by path is shown by the path it was found at. */
			bool by_path = strchr(name, '/') || g_str_has_suffix(name, ".yaml");
			(*notes)[(*n)++] = (struct output_profile_note){
			    g_strdup(p.name), g_strdup(by_path ? p.file : name), p.n_entries,
			    p.n_assumptions};
		}
		device_profile_free(&p);
	}
	return 0;
}

void cli_profile_notes_free(struct output_profile_note *notes, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		g_free(notes[i].name);
		g_free(notes[i].show);
	}
	g_free(notes);
}
