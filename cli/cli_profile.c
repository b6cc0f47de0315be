/*
 * cli_profile.c - `switchover profile show NAME|FILE` (a device profile's
 * values, each with its provenance) and `switchover profile list` (the
 * device profiles on the search path, and where each comes from); and the
 * note a run's output carries for each profile whose values include
 * assumptions.
 */
#include <getopt.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "device_profile.h"
#include "output.h"
#include "profile_file.h"

static void show_help(FILE *out)
{
	fprintf(out,
	        "  switchover profile show NAME|FILE [--format table|json] [--profile-path DIRS]\n"
	        "      every value the device profile NAME (found on the search path) or FILE\n"
	        "      (a path) sets, with its provenance: source measurement (files, samples,\n"
	        "      fit), fitted (to, fit), publication (ref), code (ref) or assumption\n"
	        "      (reason), and where it comes from (built-in, a folder of the search\n"
	        "      path, or a path); json: {name, file, origin, description, command,\n"
	        "      date, values, assumptions, keys:[{key, value, source, ...the source's\n"
	        "      fields}]}\n");
}

static void list_help(FILE *out)
{
	fprintf(out,
	        "  switchover profile list [--profile-path DIRS]\n"
	        "      the device profiles found on the search path, in its order: name,\n"
	        "      where it comes from (built-in, --profile-path, %s,\n"
	        "      scenario folder), how many of its values are assumptions, file; a\n"
	        "      name found again later is shadowed (a scenario gets the first)\n",
	        PROFILE_FILE_ENV);
}

void cli_profile_help(FILE *out)
{
	fprintf(out, "usage:\n");
	show_help(out);
	list_help(out);
	fprintf(out,
	        "\nA device profile (profiles/devices/NAME.yaml, docs/scenarios.md \"Device\n"
	        "profiles\") gives a scenario's device group every key it does not set.  A\n"
	        "name is looked for in: the built-in profiles (the project's profiles/,\n"
	        "built into the binary: <built-in>/devices/NAME.yaml), the folders of\n"
	        "--profile-path DIR[:DIR...], those of %s, and the\n"
	        "scenario's own folder; in each folder DIR as DIR/devices/NAME.yaml, then\n"
	        "DIR/NAME.yaml.  A name with a '/' or ending in .yaml is a path.\n\n"
	        "options:\n"
	        "  --profile-path DIRS  also look in these folders (':'-separated)\n"
	        "  --format F           table (default) | json (show)\n"
	        "  -h, --help           this help\n\n"
	        "exit status: 0 done, 2 the profile is not found or is wrong (FILE:LINE: KEY).\n",
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
		if (e->samples)
			json_object_set_new(
			    k, "samples", json_integer((json_int_t)strtoull(e->samples, NULL, 10)));
		json_set_string(k, "to", e->to);
		json_set_string(k, "fit", e->fit);
		json_set_string(k, "ref", e->ref);
		json_set_string(k, "reason", e->reason);
		json_array_append_new(keys, k);
	}
	json_t *root = json_object();
	json_set_string(root, "name", p->name);
	json_set_string(root, "file", p->file);
	json_set_string(root, "origin", p->origin);
	json_set_string(root, "description", p->description);
	json_set_string(root, "command", p->command);
	json_set_string(root, "date", p->date);
	json_object_set_new(root, "values", json_integer((json_int_t)p->n_entries));
	json_object_set_new(root, "assumptions", json_integer((json_int_t)p->n_assumptions));
	json_object_set_new(root, "keys", keys);
	return output_json_write(stdout, root, JSON_INDENT(2));
}

/* One line of `profile list`: the profile `name` from `origin`, built in
 * (`b`) or the file `file`; `seen` maps each name to the file it was first
 * found at. */
static void list_one(GHashTable *seen, const char *name, const char *origin, const char *file,
                     const struct profile_builtin *b)
{
	const char *first = g_hash_table_lookup(seen, name);
	struct device_profile p;
	char err[1024], values[64];
	int rc = b ? device_profile_load_text(file, b->text, b->len, &p, err, sizeof err)
	           : device_profile_load(file, NULL, &p, err, sizeof err);

	if (rc == 0) {
		snprintf(values, sizeof values, "%zu/%zu assumed", p.n_assumptions, p.n_entries);
		device_profile_free(&p);
		err[0] = '\0';
	} else {
		snprintf(values, sizeof values, "-");
	}
	printf("%-16s %-24s %-14s %s", name, origin, values, file);
	if (first)
		printf(" (shadowed by %s)", first);
	if (err[0])
		printf(" (not a device profile: %s)", err);
	putchar('\n');
	if (!first)
		g_hash_table_insert(seen, g_strdup(name), g_strdup(file));
}

/* The device profiles of the search path, in its order. */
static int list_profiles(void)
{
	GPtrArray *dirs = profile_file_dirs("devices", NULL);
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

	printf("%-16s %-24s %-14s %s\n", "name", "from", "values", "file");
	for (size_t i = 0; i < profile_builtin_count; i++) {
		const struct profile_builtin *b = &profile_builtin_table[i];
		if (strcmp(b->kind, "devices"))
			continue;
		char *file = profile_file_builtin_path(b);
		list_one(seen, b->name, PROFILE_FILE_ORIGIN_BUILTIN, file, b);
		g_free(file);
	}
	for (guint i = 0; i < dirs->len; i++) {
		const struct profile_file_dir *d = g_ptr_array_index(dirs, i);
		GDir *dir = g_dir_open(d->dir, 0, NULL);
		GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
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

			list_one(seen, name, d->origin, path, NULL);
			g_free(name);
			g_free(path);
		}
		g_ptr_array_unref(files);
	}
	g_hash_table_destroy(seen);
	g_ptr_array_unref(dirs);
	return CLI_EXIT_OK;
}

int cli_profile(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"format", required_argument, NULL, 'f'},
	    {"profile-path", required_argument, NULL, 'P'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *sub = argc > 1 ? argv[1] : "";
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
	struct device_profile p;
	char err[1024];
	if (device_profile_load(argv[1 + optind], NULL, &p, err, sizeof err)) {
		cli_error("profile", "%s\n", err);
		return CLI_EXIT_ERROR;
	}
	int rc = CLI_EXIT_OK;
	if (json)
		rc = show_json(&p) ? CLI_EXIT_ERROR : CLI_EXIT_OK;
	else
		show_table(&p);
	device_profile_free(&p);
	return rc;
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
