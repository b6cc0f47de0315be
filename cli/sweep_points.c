/*
 * sweep_points.c - the /points table of a sweep (sweep.h): one row per
 * point and strategy, the axis values as columns, the downtime statistics,
 * the phase medians, failures, forced switchovers and efficiency.
 *
 * The columns are listed once, here, and the result file, CSV, JSON and
 * the text table all take their names from that list.
 */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "sweep.h"

struct column {
	char *name;
	enum results_col_type type;
	size_t len; /* RESULTS_COL_STR: longest value + 1 */
};

union cell {
	double f;
	uint64_t u;
	char *s;
};

struct sweep_table {
	GArray *cols;  /* struct column */
	GArray *cells; /* union cell, row-major */
	size_t n_rows, axis0;
	unsigned failed;
};

static void add_col(struct sweep_table *t, const char *name, enum results_col_type type)
{
	struct column c = {g_strdup(name), type, 1};
	g_array_append_val(t->cols, c);
}

/* An axis is a number column when every value is a plain number. */
static bool axis_numeric(const struct study_axis *a)
{
	for (size_t i = 0; i < a->n; i++) {
		char *end;
		strtod(a->values[i], &end);
		if (end == a->values[i] || *end)
			return false;
	}
	return true;
}

struct sweep_table *sweep_table_new(const struct sweep_plan *pl)
{
	struct sweep_table *t = g_new0(struct sweep_table, 1);
	t->cols = g_array_new(FALSE, FALSE, sizeof(struct column));
	t->cells = g_array_new(FALSE, TRUE, sizeof(union cell));
	add_col(t, "point", RESULTS_COL_U32);
	add_col(t, "scenario", RESULTS_COL_STR);
	t->axis0 = t->cols->len;
	for (size_t a = 0; a < pl->st->n_axes; a++)
		add_col(t, pl->st->axes[a].key,
		        axis_numeric(&pl->st->axes[a]) ? RESULTS_COL_F64 : RESULTS_COL_STR);
	add_col(t, "strategy", RESULTS_COL_STR);
	add_col(t, "seed", RESULTS_COL_U64);
	add_col(t, "runs", RESULTS_COL_U32);
	add_col(t, "completed", RESULTS_COL_U32);
	add_col(t, "failed", RESULTS_COL_U32);
	add_col(t, "first_run", RESULTS_COL_U64);
	for (int i = 0; i < STUDY_STAT_COUNT; i++)
		if (pl->st->stats[i]) {
			char name[64];
			snprintf(name, sizeof name, "downtime_%s_s",
			         study_stat_name((enum study_stat)i));
			add_col(t, name, RESULTS_COL_F64);
		}
	for (int p = 0; p < PHASE_COUNT; p++) {
		char name[64];
		snprintf(name, sizeof name, "phase_%s_s", phase_name((enum phase)p));
		add_col(t, name, RESULTS_COL_F64);
	}
	static const char *const tail[] = {"bound_s", "serial_s", "efficiency", "total_s",
	                                   "precopy_rounds"};
	for (size_t i = 0; i < G_N_ELEMENTS(tail); i++)
		add_col(t, tail[i], RESULTS_COL_F64);
	add_col(t, "forced_switchovers", RESULTS_COL_U32);
	return t;
}

static struct column *col(const struct sweep_table *t, size_t c)
{
	return &g_array_index(t->cols, struct column, c);
}

static union cell *cell(const struct sweep_table *t, size_t row, size_t c)
{
	return &g_array_index(t->cells, union cell, row * t->cols->len + c);
}

int sweep_table_add(struct sweep_table *t, const struct sweep_plan *pl,
                    const struct sweep_point *pt, uint64_t first_run)
{
	const struct study *st = pl->st;
	size_t p = pt->point;
	for (size_t k = 0; k < pt->n; k++) {
		const struct sweep_strategy_runs *s = &pt->s[k];
		struct aggregate a;
		if (aggregate_runs(s->sum, s->runs, &a))
			return -ENOMEM;
		size_t row = t->n_rows++, c = 0;
		g_array_set_size(t->cells, t->n_rows * t->cols->len);
		cell(t, row, c++)->u = p;
		cell(t, row, c++)->s = g_strdup(pl->sc[p]->name);
		for (size_t i = 0; i < st->n_axes; i++, c++) {
			const char *v = st->axes[i].values[pl->idx[p * st->n_axes + i]];
			if (col(t, c)->type == RESULTS_COL_STR)
				cell(t, row, c)->s = g_strdup(v);
			else
				cell(t, row, c)->f = strtod(v, NULL);
		}
		cell(t, row, c++)->s = g_strdup(strategy_name(s->strategy));
		cell(t, row, c++)->u = pl->sc[p]->seed;
		cell(t, row, c++)->u = a.runs;
		cell(t, row, c++)->u = a.completed;
		cell(t, row, c++)->u = a.failed;
		cell(t, row, c++)->u = first_run;
		first_run += s->runs;
		const double q[STUDY_STAT_COUNT] = {
		    [STUDY_STAT_MEDIAN] = a.downtime.median, [STUDY_STAT_P5] = a.downtime.p5,
		    [STUDY_STAT_P95] = a.downtime.p95,       [STUDY_STAT_MEAN] = a.downtime.mean,
		    [STUDY_STAT_MIN] = a.downtime.min,       [STUDY_STAT_MAX] = a.downtime.max};
		for (int i = 0; i < STUDY_STAT_COUNT; i++)
			if (st->stats[i])
				cell(t, row, c++)->f = q[i];
		for (int ph = 0; ph < PHASE_COUNT; ph++)
			cell(t, row, c++)->f = a.phase[ph].median;
		cell(t, row, c++)->f = a.bound.median;
		cell(t, row, c++)->f = a.serial.median;
		cell(t, row, c++)->f = a.efficiency.median;
		cell(t, row, c++)->f = a.total.median;
		cell(t, row, c++)->f = a.rounds.median;
		cell(t, row, c++)->u = a.forced;
		t->failed += a.failed;
		aggregate_free(&a);
		for (size_t i = 0; i < t->cols->len; i++)
			if (col(t, i)->type == RESULTS_COL_STR)
				col(t, i)->len =
				    MAX(col(t, i)->len, strlen(cell(t, row, i)->s) + 1);
	}
	return 0;
}

unsigned sweep_table_failed(const struct sweep_table *t)
{
	return t->failed;
}

int sweep_table_write(const struct sweep_table *t, struct results_writer *w, char *err,
                      size_t errlen)
{
	size_t nc = t->cols->len, row_size = 0;
	struct results_col *rc = g_new0(struct results_col, nc + 1);
	for (size_t c = 0; c < nc; c++) {
		const struct column *k = col(t, c);
		size_t size = k->type == RESULTS_COL_STR   ? k->len
		              : k->type == RESULTS_COL_U32 ? 4
		                                           : 8;
		rc[c] = (struct results_col){k->name, k->type, row_size, k->len};
		row_size += size;
	}
	row_size = (row_size + 7) / 8 * 8;
	/* Rows packed at their offsets (memcpy: they are not aligned). */
	char *rows = g_malloc0(row_size * t->n_rows + 1);
	for (size_t r = 0; r < t->n_rows; r++)
		for (size_t c = 0; c < nc; c++) {
			char *at = rows + r * row_size + rc[c].off;
			const union cell *v = cell(t, r, c);
			uint32_t u32 = (uint32_t)v->u;
			switch (rc[c].type) {
			case RESULTS_COL_STR:
				memcpy(at, v->s, strlen(v->s));
				break;
			case RESULTS_COL_U32:
				memcpy(at, &u32, 4);
				break;
			case RESULTS_COL_U64:
				memcpy(at, &v->u, 8);
				break;
			case RESULTS_COL_F64:
				memcpy(at, &v->f, 8);
				break;
			}
		}
	int ret =
	    results_writer_add_table(w, "points", rc, nc, row_size, rows, t->n_rows, err, errlen);
	g_free(rows);
	g_free(rc);
	return ret;
}

/* ---- printouts -------------------------------------------------------- */

static json_t *cell_json(const struct sweep_table *t, size_t r, size_t c)
{
	const union cell *v = cell(t, r, c);
	switch (col(t, c)->type) {
	case RESULTS_COL_STR:
		return output_json_string(v->s);
	case RESULTS_COL_F64:
		return output_json_number(v->f);
	default:
		return json_integer((json_int_t)v->u);
	}
}

static void print_csv(const struct sweep_table *t, FILE *out)
{
	for (size_t c = 0; c < t->cols->len; c++)
		fprintf(out, "%s%s", c ? "," : "", col(t, c)->name);
	fputc('\n', out);
	for (size_t r = 0; r < t->n_rows; r++) {
		for (size_t c = 0; c < t->cols->len; c++) {
			const union cell *v = cell(t, r, c);
			if (c)
				fputc(',', out);
			if (col(t, c)->type == RESULTS_COL_F64) {
				fprintf(out, "%.9g", v->f);
			} else if (col(t, c)->type != RESULTS_COL_STR) {
				fprintf(out, "%llu", (unsigned long long)v->u);
			} else {
				output_csv_text(out, v->s);
			}
		}
		fputc('\n', out);
	}
}

static void print_json(const struct sweep_table *t, FILE *out)
{
	json_t *rows = json_array();
	for (size_t r = 0; r < t->n_rows; r++) {
		json_t *o = json_object();
		for (size_t c = 0; c < t->cols->len; c++)
			json_object_set_new(o, col(t, c)->name, cell_json(t, r, c));
		json_array_append_new(rows, o);
	}
	output_json_write(out, json_pack("{s:o}", "points", rows), JSON_COMPACT);
}

static long find_col(const struct sweep_table *t, const char *name)
{
	for (size_t c = 0; c < t->cols->len; c++)
		if (!strcmp(col(t, c)->name, name))
			return (long)c;
	return -1;
}

/* People: the axes, the strategy, the downtime in ms and how it went. */
static void print_table(const struct sweep_table *t, FILE *out)
{
	static const char *const shown[] = {"downtime_median_s", "downtime_p5_s", "downtime_p95_s",
	                                    "efficiency"};
	static const char *const label[] = {"median_ms", "p5_ms", "p95_ms", "efficiency"};
	size_t strat = t->axis0;
	while (strcmp(col(t, strat)->name, "strategy"))
		strat++;
	fprintf(out, "%6s", "point");
	for (size_t c = t->axis0; c < strat; c++)
		fprintf(out, " %14s", col(t, c)->name);
	fprintf(out, " %-18s %6s %6s", "strategy", "runs", "failed");
	for (size_t i = 0; i < G_N_ELEMENTS(shown); i++)
		if (find_col(t, shown[i]) >= 0)
			fprintf(out, " %12s", label[i]);
	fprintf(out, " %6s\n", "forced");
	for (size_t r = 0; r < t->n_rows; r++) {
		fprintf(out, "%6llu", (unsigned long long)cell(t, r, 0)->u);
		for (size_t c = t->axis0; c < strat; c++) {
			if (col(t, c)->type == RESULTS_COL_STR)
				fprintf(out, " %14s", cell(t, r, c)->s);
			else
				fprintf(out, " %14.6g", cell(t, r, c)->f);
		}
		fprintf(out, " %-18s %6llu %6llu", cell(t, r, strat)->s,
		        (unsigned long long)cell(t, r, find_col(t, "runs"))->u,
		        (unsigned long long)cell(t, r, find_col(t, "failed"))->u);
		for (size_t i = 0; i < G_N_ELEMENTS(shown); i++) {
			long c = find_col(t, shown[i]);
			if (c >= 0)
				fprintf(out, " %12.3f", cell(t, r, c)->f * (i < 3 ? 1e3 : 1));
		}
		fprintf(out, " %6llu\n",
		        (unsigned long long)cell(t, r, find_col(t, "forced_switchovers"))->u);
	}
	fprintf(out, "(downtime statistics in ms over the runs of each point; efficiency: "
	             "median ideal-parallel bound / downtime)\n");
}

void sweep_table_print(const struct sweep_table *t, FILE *out, enum output_format f)
{
	if (f == OUTPUT_CSV)
		print_csv(t, out);
	else if (f == OUTPUT_JSON)
		print_json(t, out);
	else
		print_table(t, out);
}

void sweep_table_free(struct sweep_table *t)
{
	if (!t)
		return;
	for (size_t r = 0; r < t->n_rows; r++)
		for (size_t c = 0; c < t->cols->len; c++)
			if (col(t, c)->type == RESULTS_COL_STR)
				g_free(cell(t, r, c)->s);
	for (size_t c = 0; c < t->cols->len; c++)
		g_free(col(t, c)->name);
	g_array_free(t->cols, TRUE);
	g_array_free(t->cells, TRUE);
	g_free(t);
}
