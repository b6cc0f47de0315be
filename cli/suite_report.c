/*
 * suite_report.c - what `suite compare` concluded, in the two forms CI
 * systems read: JUnit XML (GitLab, Jenkins, GitHub Actions' test reporters
 * show a <failure> per regression) and a Markdown table for a pull-request
 * comment.  Both are written whole into a temporary renamed when complete.
 */
#include <errno.h>
#include <glib.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "outfile.h"
#include "suite_cli.h"

int suite_write_file(const char *path, const char *text, size_t len, char *err, size_t errlen)
{
	char tmp[4200];
	if (outfile_begin(path, tmp, sizeof tmp, err, errlen))
		return -1;
	FILE *f = fopen(tmp, "w");
	bool ok = f && fwrite(text, 1, len, f) == len;
	if (f)
		ok &= fclose(f) == 0;
	if (!ok) {
		snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
		outfile_discard(tmp);
		return -1;
	}
	return outfile_commit(tmp, path, err, errlen);
}

/* XML 1.0 has no place for control characters but tab and newline: a
 * file name with one still gives a well-formed report. */
static void xml_escaped(GString *g, const char *s)
{
	char *clean = g_strdup(s);
	for (char *c = clean; *c; c++)
		if ((unsigned char)*c < 0x20 && *c != '\n' && *c != '\t')
			*c = '?';
	char *e = g_markup_escape_text(clean, -1);
	g_string_append(g, e);
	g_free(e);
	g_free(clean);
}

static void xml_attr(GString *g, const char *name, const char *value)
{
	g_string_append_printf(g, " %s=\"", name);
	xml_escaped(g, value);
	g_string_append_c(g, '"');
}

/* "regression: LINE", or LINE when compare's own verdict in it already
 * says the same ("sequential downtime: regression: +41.5% ...") */
static char *verdict_line(const struct suite_check *c)
{
	char *said = g_strdup_printf(": %s: ", suite_status_name(c->status));
	bool same = strstr(c->line, said) != NULL;
	g_free(said);
	return same ? g_strdup(c->line)
	            : g_strdup_printf("%s: %s", suite_status_name(c->status), c->line);
}

int suite_report_junit(const struct suite_outcome *o, const char *path, char *err, size_t errlen)
{
	GString *g = g_string_new("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	char counts[160];
	snprintf(counts, sizeof counts,
	         " tests=\"%u\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\"", o->checks->len,
	         o->count[SUITE_REGRESSION], o->count[SUITE_ERROR], o->count[SUITE_UNDECIDED]);
	char *title = g_strdup_printf("switchover suite %s", o->suite_name);
	g_string_append(g, "<testsuites");
	xml_attr(g, "name", title);
	g_string_append_printf(g, "%s>\n  <testsuite", counts);
	xml_attr(g, "name", title);
	g_string_append_printf(g, "%s>\n", counts);
	g_free(title);
	for (guint i = 0; i < o->checks->len; i++) {
		const struct suite_check *c = &g_array_index(o->checks, struct suite_check, i);
		char *classname = g_strdup_printf("%s.%s", o->suite_name, c->entry);
		char *line = verdict_line(c);
		g_string_append(g, "    <testcase");
		xml_attr(g, "classname", classname);
		xml_attr(g, "name", c->metric);
		g_string_append(g, ">\n");
		const char *tag = c->status == SUITE_REGRESSION  ? "failure"
		                  : c->status == SUITE_ERROR     ? "error"
		                  : c->status == SUITE_UNDECIDED ? "skipped"
		                                                 : NULL;
		/* The verdict line, then what it comes from (strategies, points). */
		char *body = g_strdup_printf("%s\n%s", line, c->detail);
		if (tag) {
			g_string_append_printf(g, "      <%s", tag);
			xml_attr(g, "type", suite_status_name(c->status));
			xml_attr(g, "message", line);
			g_string_append(g, ">");
			xml_escaped(g, body);
			g_string_append_printf(g, "</%s>\n", tag);
		} else {
			/* Every verdict readable in the report, not only the failures. */
			g_string_append(g, "      <system-out>");
			xml_escaped(g, body);
			g_string_append(g, "</system-out>\n");
		}
		g_string_append(g, "    </testcase>\n");
		g_free(body);
		g_free(classname);
		g_free(line);
	}
	g_string_append(g, "  </testsuite>\n</testsuites>\n");
	int rc = suite_write_file(path, g->str, g->len, err, errlen);
	g_string_free(g, TRUE);
	return rc;
}

/* A table cell: no '|' or newline ends it, no '<' or '&' starts markup. */
static void md_cell(GString *g, const char *s)
{
	for (const char *c = s; *c; c++) {
		if (*c == '|')
			g_string_append(g, "\\|");
		else if (*c == '\n')
			g_string_append(g, "<br>");
		else if (*c == '<')
			g_string_append(g, "&lt;");
		else if (*c == '&')
			g_string_append(g, "&amp;");
		else if ((unsigned char)*c >= 0x20 || *c == '\t')
			g_string_append_c(g, *c);
	}
}

int suite_report_markdown(const struct suite_outcome *o, const char *path, char *err, size_t errlen)
{
	const size_t *n = o->count;
	const char *verdict = n[SUITE_ERROR]        ? "error"
	                      : n[SUITE_REGRESSION] ? "regression"
	                                            : "no regression";
	GString *g = g_string_new("### switchover suite ");
	md_cell(g, o->suite_name);
	g_string_append_printf(g, ": %s\n\nbase ", verdict);
	md_cell(g, o->base_dir);
	g_string_append(g, ", new ");
	md_cell(g, o->new_dir);
	g_string_append_printf(g,
	                       ": %u checks, %zu regression, %zu undecided, %zu improvement, %zu "
	                       "ok, %zu error\n\n| entry | verdict | checks |\n|---|---|---|\n",
	                       o->checks->len, n[SUITE_REGRESSION], n[SUITE_UNDECIDED],
	                       n[SUITE_IMPROVEMENT], n[SUITE_OK], n[SUITE_ERROR]);
	/* One row per entry: its checks are next to each other. */
	for (guint i = 0; i < o->checks->len;) {
		const struct suite_check *first = &g_array_index(o->checks, struct suite_check, i);
		guint end = i;
		enum suite_status worst = SUITE_OK;
		for (; end < o->checks->len; end++) {
			const struct suite_check *c =
			    &g_array_index(o->checks, struct suite_check, end);
			if (strcmp(c->entry, first->entry))
				break;
			worst = MAX(worst, c->status);
		}
		g_string_append(g, "| ");
		md_cell(g, first->entry);
		g_string_append_printf(g, " | %s%s%s | ", worst >= SUITE_REGRESSION ? "**" : "",
		                       suite_status_name(worst),
		                       worst >= SUITE_REGRESSION ? "**" : "");
		for (guint k = i; k < end; k++) {
			const struct suite_check *c =
			    &g_array_index(o->checks, struct suite_check, k);
			char *line = verdict_line(c);
			g_string_append(g, k > i ? "<br>" : "");
			md_cell(g, c->metric);
			g_string_append(g, ": ");
			md_cell(g, line);
			g_free(line);
		}
		g_string_append(g, " |\n");
		i = end;
	}
	int rc = suite_write_file(path, g->str, g->len, err, errlen);
	g_string_free(g, TRUE);
	return rc;
}
