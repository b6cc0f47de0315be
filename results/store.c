/*
 * store.c - the HDF5 result file of store.h (HDF5 1.10 C API): a writer that
 * only ever shows a complete file under the final name, and a reader that
 * checks every object it touches and turns HDF5's error stack into one
 * message naming the file and the object.
 *
 * Decisions (docs/results.md documents them for users):
 *  - The file starts with a 512-byte HDF5 user block holding a plain-text
 *    header: the length and CRC-32 of the HDF5 part, written after HDF5 has
 *    closed the file.  HDF5 1.10 is not hardened against damaged input, so
 *    the reader checks length and checksum before HDF5 parses a byte; h5py and
 *    the HDF5 tools skip the user block and read the file as usual.  A file
 *    without the header (rewritten by h5repack, or written by another tool) is
 *    still read, with every object validated but no checksum.  The header
 *    is hand-made on purpose: HDF5 has no whole-file checksum (its
 *    Fletcher32 filter covers chunked datasets only, and a damaged
 *    superblock is parsed before any filter runs), and zlib's crc32 over
 *    the bytes is the smallest check that runs before HDF5 reads a byte.
 *  - One table description (struct field) per table serves the writer's
 *    compound types, the reader's memory types and the reader's column
 *    checks, so the three cannot drift apart.
 *  - Tables are contiguous and uncompressed: writing stays cheap and the
 *    reader can bound a table's size by the file's size.
 *  - trace.kind is an HDF5 enum type whose names are trace_kind_name()s;
 *    strings in the trace and phase tables are variable-length (NULL and ""
 *    stay distinct), in /summary and /devices fixed-length (bounded by the
 *    summary's own arrays).
 *
 * HDF5 prints its error stack on stderr by default; every entry point here
 * turns that off for its duration and restores the caller's setting.  Not
 * thread-safe (neither is Debian's serial HDF5 build).
 */
#include "store.h"
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <hdf5.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "scenario_emit.h"
#include "scenario_load.h"

#ifndef SWITCHOVER_VERSION
#define SWITCHOVER_VERSION "0"
#endif
#ifndef SWITCHOVER_GIT_REV
#define SWITCHOVER_GIT_REV "unknown"
#endif

/* The user block: HDF5 requires a power of two of at least 512 bytes. */
#define HEADER_BYTES 512
#define HEADER_MAGIC "switchover result file\n"

/* ---- HDF5 errors ------------------------------------------------------- */

struct h5_quiet {
	H5E_auto2_t func;
	void *data;
};

static void quiet_begin(struct h5_quiet *q)
{
	/* HDF5 1.10 keeps a file whose close failed (a full disk) half-open and
	 * crashes closing it again in its exit handler; the process's exit frees
	 * what HDF5 holds anyway.  It must be the first HDF5 call. */
	static gsize once;
	if (g_once_init_enter(&once)) {
		H5dont_atexit();
		g_once_init_leave(&once, 1);
	}
	H5Eget_auto2(H5E_DEFAULT, &q->func, &q->data);
	H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

static void quiet_end(const struct h5_quiet *q)
{
	H5Eset_auto2(H5E_DEFAULT, q->func, q->data);
}

struct h5_walk {
	char outer[160], inner[160];
	unsigned n;
};

static herr_t walk_cb(unsigned n, const H5E_error2_t *e, void *data)
{
	struct h5_walk *w = data;
	const char *d = e->desc && *e->desc ? e->desc : "error";
	if (n == 0)
		snprintf(w->outer, sizeof w->outer, "%s", d);
	/* A failed system call's description spans lines (time, file name,
	 * descriptor); its strerror() text is what the user needs. */
	const char *sys = strstr(d, "error message = '");
	if (sys) {
		sys += strlen("error message = '");
		snprintf(w->inner, sizeof w->inner, "%.*s", (int)strcspn(sys, "'"), sys);
	} else {
		snprintf(w->inner, sizeof w->inner, "%s", d);
	}
	w->n++;
	return 0;
}

/* Why the last HDF5 call failed, as " (HDF5: API level: innermost cause)",
 * or "" when HDF5 recorded nothing. */
static void h5_reason(char *buf, size_t len)
{
	struct h5_walk w = {.n = 0};
	buf[0] = 0;
	H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, walk_cb, &w);
	if (!w.n)
		return;
	if (w.n == 1 || !strcmp(w.outer, w.inner))
		snprintf(buf, len, " (HDF5: %s)", w.outer);
	else
		snprintf(buf, len, " (HDF5: %s: %s)", w.outer, w.inner);
}

/* ---- table and attribute descriptions ---------------------------------- */

enum field_type {
	F_F64,
	F_I32,
	F_U32,
	F_U64,
	F_I8,
	F_U8,
	F_BOOL, /* bool in memory, uint8 0/1 in the file */
	F_KIND, /* enum trace_kind: uint16 in memory, HDF5 enum in the file */
	F_VSTR, /* char * in memory, variable-length string in the file */
	F_FSTR, /* char[len] in memory; fixed-length column, or string attribute */
};

struct field {
	const char *name;
	size_t off;
	enum field_type type;
	size_t len; /* F_FSTR: bytes including the NUL */
};

#define FIELD(st, m, t)                                                                            \
	{                                                                                          \
#m, offsetof(st, m), t, sizeof(((st *)0)->m)                                       \
	}
#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

/* Types shared by every table of one writer or reader. */
struct h5_types {
	hid_t vstr;      /* variable-length UTF-8 string */
	hid_t kind_mem;  /* enum trace_kind over native uint16 */
	hid_t kind_file; /* the same over little-endian uint16 */
};

static void types_close(struct h5_types *ty)
{
	hid_t *all[] = {&ty->vstr, &ty->kind_mem, &ty->kind_file};
	for (size_t i = 0; i < NFIELDS(all); i++) {
		if (*all[i] > 0)
			H5Tclose(*all[i]);
		*all[i] = H5I_INVALID_HID;
	}
}

static int types_create(struct h5_types *ty)
{
	*ty = (struct h5_types){H5I_INVALID_HID, H5I_INVALID_HID, H5I_INVALID_HID};
	ty->vstr = H5Tcopy(H5T_C_S1);
	if (ty->vstr < 0 || H5Tset_size(ty->vstr, H5T_VARIABLE) < 0 ||
	    H5Tset_cset(ty->vstr, H5T_CSET_UTF8) < 0)
		goto fail;
	ty->kind_mem = H5Tenum_create(H5T_NATIVE_UINT16);
	ty->kind_file = H5Tenum_create(H5T_STD_U16LE);
	if (ty->kind_mem < 0 || ty->kind_file < 0)
		goto fail;
	for (uint16_t k = 0; k < TRACE_KIND_COUNT; k++) {
		const char *name = trace_kind_name((enum trace_kind)k);
		if (H5Tenum_insert(ty->kind_mem, name, &k) < 0 ||
		    H5Tenum_insert(ty->kind_file, name, &k) < 0)
			goto fail;
	}
	return 0;
fail:
	types_close(ty);
	return -1;
}

/* The HDF5 type of one field, native (memory) or little-endian (file);
 * the caller closes it. */
static hid_t field_type(const struct field *f, bool file, const struct h5_types *ty)
{
	switch (f->type) {
	case F_F64:
		return H5Tcopy(file ? H5T_IEEE_F64LE : H5T_NATIVE_DOUBLE);
	case F_I32:
		return H5Tcopy(file ? H5T_STD_I32LE : H5T_NATIVE_INT32);
	case F_U32:
		return H5Tcopy(file ? H5T_STD_U32LE : H5T_NATIVE_UINT32);
	case F_U64:
		return H5Tcopy(file ? H5T_STD_U64LE : H5T_NATIVE_UINT64);
	case F_I8:
		return H5Tcopy(file ? H5T_STD_I8LE : H5T_NATIVE_INT8);
	case F_U8:
	case F_BOOL:
		return H5Tcopy(file ? H5T_STD_U8LE : H5T_NATIVE_UINT8);
	case F_KIND:
		return H5Tcopy(file ? ty->kind_file : ty->kind_mem);
	case F_VSTR:
		return H5Tcopy(ty->vstr);
	case F_FSTR: {
		hid_t t = H5Tcopy(H5T_C_S1);
		if (t < 0 || H5Tset_size(t, f->len) < 0 || H5Tset_strpad(t, H5T_STR_NULLTERM) < 0 ||
		    H5Tset_cset(t, H5T_CSET_UTF8) < 0) {
			if (t >= 0)
				H5Tclose(t);
			return H5I_INVALID_HID;
		}
		return t;
	}
	}
	return H5I_INVALID_HID;
}

/* A compound type of the fields: at their struct offsets in memory, packed
 * in field order in the file. */
static hid_t compound_type(const struct field *f, size_t nf, size_t mem_size, bool file,
                           const struct h5_types *ty)
{
	size_t size = 0;
	for (size_t i = 0; i < nf; i++) {
		hid_t t = field_type(&f[i], file, ty);
		if (t < 0)
			return H5I_INVALID_HID;
		size += H5Tget_size(t);
		H5Tclose(t);
	}
	hid_t c = H5Tcreate(H5T_COMPOUND, file ? size : mem_size);
	if (c < 0)
		return H5I_INVALID_HID;
	size_t off = 0;
	for (size_t i = 0; i < nf; i++) {
		hid_t t = field_type(&f[i], file, ty);
		herr_t rc = t < 0 ? -1 : H5Tinsert(c, f[i].name, file ? off : f[i].off, t);
		if (t >= 0) {
			off += H5Tget_size(t);
			H5Tclose(t);
		}
		if (rc < 0) {
			H5Tclose(c);
			return H5I_INVALID_HID;
		}
	}
	return c;
}

/* The file's class and what a reader expects, for column and attribute checks. */
static H5T_class_t field_class(enum field_type t)
{
	switch (t) {
	case F_F64:
		return H5T_FLOAT;
	case F_KIND:
		return H5T_ENUM;
	case F_VSTR:
	case F_FSTR:
		return H5T_STRING;
	default:
		return H5T_INTEGER;
	}
}

static const char *class_name(H5T_class_t c)
{
	switch (c) {
	case H5T_INTEGER:
		return "an integer";
	case H5T_FLOAT:
		return "a floating-point number";
	case H5T_STRING:
		return "a string";
	case H5T_ENUM:
		return "an enum";
	case H5T_COMPOUND:
		return "a compound";
	default:
		return "another type";
	}
}

/* ---- the tables -------------------------------------------------------- */

/* /runs/<n>/trace rows are struct trace_event itself. */
static const struct field trace_fields[] = {
    FIELD(struct trace_event, t, F_F64),      FIELD(struct trace_event, task, F_VSTR),
    FIELD(struct trace_event, device, F_I32), FIELD(struct trace_event, kind, F_KIND),
    FIELD(struct trace_event, side, F_I8),    FIELD(struct trace_event, pass, F_I8),
    FIELD(struct trace_event, from, F_I8),    FIELD(struct trace_event, to, F_I8),
    FIELD(struct trace_event, value, F_F64),  FIELD(struct trace_event, text, F_VSTR),
};

struct phase_row {
	int32_t device;
	const char *phase;
	double start, end;
};

static const struct field phase_fields[] = {
    FIELD(struct phase_row, device, F_I32),
    FIELD(struct phase_row, phase, F_VSTR),
    FIELD(struct phase_row, start, F_F64),
    FIELD(struct phase_row, end, F_F64),
};

struct device_row {
	int32_t device;
	char name[DEVICE_NAME_LEN];
	double src_prepare_s, src_main_s, load_s, dst_prepare_s, dst_main_s, total_s;
	uint64_t stopcopy_bytes;
	double event_lead_s;
	uint8_t rdma_miss;
	double qemu_save_s, qemu_load_s;
};

static const struct field device_fields[] = {
    FIELD(struct device_row, device, F_I32),         FIELD(struct device_row, name, F_FSTR),
    FIELD(struct device_row, src_prepare_s, F_F64),  FIELD(struct device_row, src_main_s, F_F64),
    FIELD(struct device_row, load_s, F_F64),         FIELD(struct device_row, dst_prepare_s, F_F64),
    FIELD(struct device_row, dst_main_s, F_F64),     FIELD(struct device_row, total_s, F_F64),
    FIELD(struct device_row, stopcopy_bytes, F_U64), FIELD(struct device_row, event_lead_s, F_F64),
    FIELD(struct device_row, rdma_miss, F_U8),       FIELD(struct device_row, qemu_save_s, F_F64),
    FIELD(struct device_row, qemu_load_s, F_F64),
};
/* Device `device`'s row of a run's devices table, its name left empty. */
static struct device_row device_row_of(int32_t device, const struct device_attribution *a)
{
	return (struct device_row){
	    .device = device,
	    .src_prepare_s = a->src_prepare_s,
	    .src_main_s = a->src_main_s,
	    .load_s = a->load_s,
	    .dst_prepare_s = a->dst_prepare_s,
	    .dst_main_s = a->dst_main_s,
	    .total_s = a->total_s,
	    .stopcopy_bytes = a->stopcopy_bytes,
	    .event_lead_s = a->event_lead_s,
	    .rdma_miss = a->rdma_miss,
	    .qemu_save_s = a->qemu_save_s,
	    .qemu_load_s = a->qemu_load_s,
	};
}

/* /devices: every run's devices table in one, each row with its run's n
 * (what compare reads without opening /runs/<n>). */
struct devices_row {
	uint32_t n;
	struct device_row d;
};
#define DEVICES_FIELDS (1 + NFIELDS(device_fields))

static void devices_fields(struct field *f)
{
	f[0] = (struct field)FIELD(struct devices_row, n, F_U32);
	for (size_t i = 0; i < NFIELDS(device_fields); i++) {
		f[i + 1] = device_fields[i];
		f[i + 1].off += offsetof(struct devices_row, d);
	}
}

/* Columns added after schema version 1 (device_fields' float64 qemu_*):
 * table_read reads a file without them with them NaN. */
static bool column_optional(const struct field *f)
{
	return !strcmp(f->name, "qemu_save_s") || !strcmp(f->name, "qemu_load_s");
}

/* Attributes of /runs/<n> that are run_summary fields: the scalars, one
 * per phase (phase_<name>_s) and three per invariant (inv_<name>, and the
 * run-attribute-only inv_<name>_first and inv_<name>_t).  The scalars'
 * count is that of their list: a fixed size would zero-fill a short one. */
static const struct field run_fixed[] = {
    FIELD(struct run_summary, status, F_I32),
    FIELD(struct run_summary, error, F_FSTR),
    FIELD(struct run_summary, downtime_s, F_F64),
    FIELD(struct run_summary, total_s, F_F64),
    FIELD(struct run_summary, bound_s, F_F64),
    FIELD(struct run_summary, serial_s, F_F64),
    FIELD(struct run_summary, efficiency, F_F64),
    FIELD(struct run_summary, precopy_rounds, F_U32),
    FIELD(struct run_summary, forced_switchover, F_BOOL),
    FIELD(struct run_summary, switchover_reason, F_FSTR),
    FIELD(struct run_summary, threads_spawned, F_U32),
    FIELD(struct run_summary, precopy_bytes, F_U64),
    FIELD(struct run_summary, stopcopy_bytes, F_U64),
    FIELD(struct run_summary, acks_requested, F_U32),
    FIELD(struct run_summary, acks_received, F_U32),
    FIELD(struct run_summary, acks_sent, F_U32),
    FIELD(struct run_summary, reinits_seen, F_U32),
    FIELD(struct run_summary, ack_delay_s, F_F64),
    FIELD(struct run_summary, rounds_waiting_ack, F_U32),
    FIELD(struct run_summary, rounds_added_by_reinit, F_U32),
    FIELD(struct run_summary, recovery_s, F_F64),
    FIELD(struct run_summary, qmp_events, F_U32),
    FIELD(struct run_summary, rdma_guards, F_U32),
    FIELD(struct run_summary, rdma_misses, F_U32),
};
#define RUN_FIXED  NFIELDS(run_fixed)
#define RUN_FIELDS (RUN_FIXED + PHASE_COUNT + 3 * INV_COUNT)

struct run_fields {
	struct field f[RUN_FIELDS];
	bool summary[RUN_FIELDS]; /* also a /summary column */
	char names[RUN_FIELDS][64];
};

static void run_fields(struct run_fields *r)
{
	memcpy(r->f, run_fixed, sizeof run_fixed);
	size_t k = RUN_FIXED;
	for (size_t i = 0; i < k; i++)
		r->summary[i] = true;
	for (int p = 0; p < PHASE_COUNT; p++, k++) {
		snprintf(r->names[k], 64, "phase_%s_s", phase_name((enum phase)p));
		r->f[k] = (struct field){r->names[k],
		                         offsetof(struct run_summary, phase_s) + p * sizeof(double),
		                         F_F64, sizeof(double)};
		r->summary[k] = true;
	}
	for (int i = 0; i < INV_COUNT; i++) {
		size_t base =
		    offsetof(struct run_summary, inv) + i * sizeof(struct invariant_result);
		const char *name = invariant_name((enum invariant)i);
		snprintf(r->names[k], 64, "inv_%s", name);
		r->f[k] = (struct field){r->names[k],
		                         base + offsetof(struct invariant_result, held), F_BOOL, 1};
		r->summary[k++] = true;
		snprintf(r->names[k], 64, "inv_%s_first", name);
		r->f[k] = (struct field){
		    r->names[k], base + offsetof(struct invariant_result, first_violation), F_FSTR,
		    sizeof(((struct invariant_result *)0)->first_violation)};
		r->summary[k++] = false;
		snprintf(r->names[k], 64, "inv_%s_t", name);
		r->f[k] = (struct field){r->names[k], base + offsetof(struct invariant_result, t),
		                         F_F64, sizeof(double)};
		r->summary[k++] = false;
	}
}

/* Bytes a field takes in memory. */
static size_t field_size(const struct field *f)
{
	switch (f->type) {
	case F_F64:
	case F_U64:
		return 8;
	case F_I32:
	case F_U32:
		return 4;
	case F_KIND:
		return 2;
	case F_VSTR:
		return sizeof(char *);
	case F_FSTR:
		return f->len;
	default:
		return 1;
	}
}

/*
 * /summary: n, strategy, run, n_devices, then the run attributes marked
 * summary, laid out in a row at run time (each column aligned to its size),
 * so a run attribute added to run_fields is a /summary column too.
 */
#define SUMMARY_MAX (4 + RUN_FIELDS)

struct summary_layout {
	struct field col[SUMMARY_MAX];        /* at their offsets in a row */
	const struct field *src[SUMMARY_MAX]; /* the run attribute it copies, or NULL */
	size_t n, row_size;
	struct run_fields run;
};

static void summary_add(struct summary_layout *L, const char *name, enum field_type t, size_t len,
                        const struct field *src)
{
	struct field f = {name, 0, t == F_BOOL ? F_U8 : t, len};
	size_t size = field_size(&f), align = size >= 8 ? 8 : size >= 4 ? 4 : 1;
	f.off = (L->row_size + align - 1) / align * align;
	L->row_size = f.off + size;
	L->src[L->n] = src;
	L->col[L->n++] = f;
}

static void summary_layout(struct summary_layout *L)
{
	memset(L, 0, sizeof *L);
	run_fields(&L->run);
	summary_add(L, "n", F_U32, 4, NULL);
	summary_add(L, "strategy", F_FSTR, 24, NULL);
	summary_add(L, "run", F_U32, 4, NULL);
	summary_add(L, "n_devices", F_U32, 4, NULL);
	for (size_t i = 0; i < RUN_FIELDS; i++)
		if (L->run.summary[i])
			summary_add(L, L->run.f[i].name, L->run.f[i].type, L->run.f[i].len,
			            &L->run.f[i]);
	L->row_size = (L->row_size + 7) / 8 * 8;
}

/* One /summary row: the run's attributes copied into their columns. */
static void summary_fill(const struct summary_layout *L, char *row, uint32_t n,
                         const char *strategy, uint32_t run, const struct run_summary *sum)
{
	uint32_t n_devices = (uint32_t)sum->n_devices;
	memset(row, 0, L->row_size);
	memcpy(row + L->col[0].off, &n, sizeof n);
	snprintf(row + L->col[1].off, L->col[1].len, "%s", strategy);
	memcpy(row + L->col[2].off, &run, sizeof run);
	memcpy(row + L->col[3].off, &n_devices, sizeof n_devices);
	for (size_t i = 4; i < L->n; i++) {
		const char *from = (const char *)sum + L->src[i]->off;
		if (L->col[i].type == F_FSTR)
			snprintf(row + L->col[i].off, L->col[i].len, "%s", from);
		else
			memcpy(row + L->col[i].off, from, field_size(&L->col[i]));
	}
}

size_t results_summary_row_size(void)
{
	struct summary_layout L;
	summary_layout(&L);
	return L.row_size;
}

size_t results_summary_cells(uint32_t n, const char *strategy, uint32_t run,
                             const struct run_summary *sum, struct results_cell **cells)
{
	struct summary_layout L;
	summary_layout(&L);
	struct results_cell *c = g_new0(struct results_cell, L.n);
	for (size_t i = 0; i < L.n; i++) {
		snprintf(c[i].name, sizeof c[i].name, "%s", L.col[i].name);
		c[i].kind = RESULTS_CELL_UINT;
		if (i < 4) { /* n, strategy, run, n_devices: not run attributes */
			c[i].u = i == 0 ? n : i == 2 ? run : (uint64_t)sum->n_devices;
			if (i == 1) {
				c[i].kind = RESULTS_CELL_TEXT;
				c[i].text = strategy;
			}
			continue;
		}
		const char *from = (const char *)sum + L.src[i]->off;
		switch (L.src[i]->type) {
		case F_F64:
			c[i].kind = RESULTS_CELL_FLOAT;
			memcpy(&c[i].f, from, sizeof c[i].f);
			break;
		case F_I32: {
			int32_t v;
			memcpy(&v, from, sizeof v);
			c[i].kind = RESULTS_CELL_INT;
			c[i].i = v;
			break;
		}
		case F_U32: {
			uint32_t v;
			memcpy(&v, from, sizeof v);
			c[i].u = v;
			break;
		}
		case F_U64:
			memcpy(&c[i].u, from, sizeof c[i].u);
			break;
		case F_BOOL:
			c[i].u = *(const bool *)from;
			break;
		case F_U8:
			c[i].u = *(const uint8_t *)from;
			break;
		default: /* the fixed-length strings: error, switchover_reason */
			c[i].kind = RESULTS_CELL_TEXT;
			c[i].text = from;
			break;
		}
	}
	*cells = c;
	return L.n;
}

/* /meta attributes besides schema_version, which is read first on its own. */
static const struct field meta_fields[] = {
    FIELD(struct results, tool_version, F_FSTR), FIELD(struct results, git_revision, F_FSTR),
    FIELD(struct results, backend, F_FSTR),      FIELD(struct results, scenario_name, F_FSTR),
    FIELD(struct results, seed, F_U64),          FIELD(struct results, host, F_FSTR),
    FIELD(struct results, start_time, F_FSTR),   FIELD(struct results, command_line, F_FSTR),
};

static const char units[] = "time: seconds; sizes: bytes; rates: bytes per second";

/* ---- writing ----------------------------------------------------------- */

struct results_writer {
	char *path, *tmp;
	hid_t file, runs;
	hid_t devices;        /* /devices, grown run by run (H5I_INVALID_HID until the first) */
	hsize_t devices_rows; /* its rows so far */
	struct h5_types ty;
	struct summary_layout summary;
	GArray *rows; /* /summary: elements of summary.row_size bytes */
};

/* One scalar attribute from the field at `base`; strings are written as
 * variable-length UTF-8 (h5py gives them back as str). */
static int attr_put(hid_t obj, const struct field *f, const void *base, const struct h5_types *ty)
{
	const char *p = (const char *)base + f->off;
	const char *str = p;
	uint8_t flag;
	const void *v = p;
	if (f->type == F_FSTR || f->type == F_VSTR) {
		if (f->type == F_VSTR)
			str = *(const char *const *)p ? *(const char *const *)p : "";
		v = &str;
	} else if (f->type == F_BOOL) {
		flag = *(const bool *)p;
		v = &flag;
	}
	struct field as = *f;
	if (as.type == F_FSTR)
		as.type = F_VSTR;
	hid_t ft = field_type(&as, true, ty), mt = field_type(&as, false, ty);
	hid_t sp = H5Screate(H5S_SCALAR);
	hid_t a = ft < 0 || mt < 0 || sp < 0
	              ? H5I_INVALID_HID
	              : H5Acreate2(obj, f->name, ft, sp, H5P_DEFAULT, H5P_DEFAULT);
	herr_t rc = a < 0 ? -1 : H5Awrite(a, mt, v);
	if (a >= 0)
		H5Aclose(a);
	if (sp >= 0)
		H5Sclose(sp);
	if (ft >= 0)
		H5Tclose(ft);
	if (mt >= 0)
		H5Tclose(mt);
	return rc < 0 ? -1 : 0;
}

static int attr_put_str(hid_t obj, const char *name, const char *s, const struct h5_types *ty)
{
	struct field f = {name, 0, F_VSTR, 0};
	return attr_put(obj, &f, &s, ty);
}

/*
 * A transfer property list whose type-conversion buffers are just big
 * enough for n rows of `bytes` each (the larger of the memory and file row).
 * HDF5 allocates and zero-fills its default 1 MiB conversion buffer (and as
 * much background buffer for compound types) on every H5Dread / H5Dwrite
 * that converts, however small the table: that memset was most of the time
 * spent writing and reading result files.  At least 4 KiB: HDF5 fails to
 * convert a scalar variable-length string with a buffer of only its 16
 * bytes.  H5P_DEFAULT for tables that need the default or more, or when
 * the list cannot be made.
 */
static hid_t xfer_for(size_t n, size_t bytes)
{
	if (!bytes || (n ? n : 1) > ((size_t)1 << 20) / bytes)
		return H5P_DEFAULT;
	size_t size = (n ? n : 1) * bytes;
	hid_t p = H5Pcreate(H5P_DATASET_XFER);
	if (p >= 0 && H5Pset_buffer(p, size < 4096 ? 4096 : size, NULL, NULL) >= 0)
		return p;
	if (p >= 0)
		H5Pclose(p);
	return H5P_DEFAULT;
}

/* The larger of a dataset's element in the file and in memory (mt). */
static size_t dataset_row_bytes(hid_t d, hid_t mt)
{
	hid_t ft = H5Dget_type(d);
	size_t f = ft < 0 ? 0 : H5Tget_size(ft), m = H5Tget_size(mt);
	if (ft >= 0)
		H5Tclose(ft);
	return f > m ? f : m;
}

static void xfer_close(hid_t p)
{
	if (p != H5P_DEFAULT)
		H5Pclose(p);
}

/* A scalar string dataset loc/name. */
static int text_put(hid_t loc, const char *name, const char *text, const struct h5_types *ty)
{
	hid_t sp = H5Screate(H5S_SCALAR);
	hid_t d = sp < 0
	              ? H5I_INVALID_HID
	              : H5Dcreate2(loc, name, ty->vstr, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	hid_t xf = d < 0 ? H5P_DEFAULT : xfer_for(1, dataset_row_bytes(d, ty->vstr));
	int rc = d < 0 || H5Dwrite(d, ty->vstr, H5S_ALL, H5S_ALL, xf, &text) < 0 ? -1 : 0;
	xfer_close(xf);
	if (d >= 0)
		H5Dclose(d);
	if (sp >= 0)
		H5Sclose(sp);
	return rc;
}

/* A 1-D table of n rows at `rows` (row_size bytes each). */
static int table_write(hid_t loc, const char *name, const struct field *f, size_t nf,
                       size_t row_size, const void *rows, size_t n, const struct h5_types *ty)
{
	hid_t mt = compound_type(f, nf, row_size, false, ty);
	hid_t ft = compound_type(f, nf, row_size, true, ty);
	hsize_t dims = n;
	hid_t sp = H5Screate_simple(1, &dims, NULL);
	hid_t d = mt < 0 || ft < 0 || sp < 0
	              ? H5I_INVALID_HID
	              : H5Dcreate2(loc, name, ft, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	hid_t xf = d < 0 || !n
	               ? H5P_DEFAULT
	               : xfer_for(n, H5Tget_size(ft) > row_size ? H5Tget_size(ft) : row_size);
	herr_t rc = d < 0 ? -1 : n ? H5Dwrite(d, mt, H5S_ALL, H5S_ALL, xf, rows) : 0;
	xfer_close(xf);
	if (d >= 0)
		H5Dclose(d);
	if (sp >= 0)
		H5Sclose(sp);
	if (ft >= 0)
		H5Tclose(ft);
	if (mt >= 0)
		H5Tclose(mt);
	return rc < 0 ? -1 : 0;
}

static int werr(const struct results_writer *w, char *err, size_t errlen, const char *what)
{
	char why[400];
	h5_reason(why, sizeof why);
	snprintf(err, errlen, "%s: %s%s", w->path, what, why);
	return -1;
}

static void writer_free(struct results_writer *w)
{
	types_close(&w->ty);
	if (w->rows)
		g_array_unref(w->rows);
	free(w->path);
	free(w->tmp);
	free(w);
}

int results_writer_open(struct results_writer **out, const char *path, const struct scenario *s,
                        const char *backend, const char *command_line, char *err, size_t errlen)
{
	struct h5_quiet q;
	quiet_begin(&q);
	*out = NULL;
	struct results_writer *w = calloc(1, sizeof *w);
	size_t tmplen = strlen(path) + 32;
	if (w) {
		w->file = w->runs = w->devices = H5I_INVALID_HID;
		w->path = strdup(path);
		w->tmp = malloc(tmplen);
	}
	if (w) {
		summary_layout(&w->summary);
		w->rows = g_array_new(FALSE, FALSE, (guint)w->summary.row_size);
	}
	if (!w || !w->path || !w->tmp || types_create(&w->ty)) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	if (outfile_begin(path, w->tmp, tmplen, err, errlen)) {
		free(w->tmp);
		w->tmp = NULL; /* not ours to remove */
		goto fail;
	}
	/* Create it ourselves first: errno says plainly why a directory is
	 * not writable, where HDF5 would bury it in its error stack. */
	int fd = open(w->tmp, O_WRONLY | O_CREAT | O_TRUNC, 0666);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot create %s: %s", path, w->tmp, strerror(errno));
		goto fail_unlink;
	}
	close(fd);
	hid_t fcpl = H5Pcreate(H5P_FILE_CREATE), fapl = H5Pcreate(H5P_FILE_ACCESS);
	if (fcpl >= 0 && fapl >= 0 && H5Pset_userblock(fcpl, HEADER_BYTES) >= 0 &&
	    H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) >= 0)
		w->file = H5Fcreate(w->tmp, H5F_ACC_TRUNC, fcpl, fapl);
	if (fcpl >= 0)
		H5Pclose(fcpl);
	if (fapl >= 0)
		H5Pclose(fapl);
	if (w->file < 0) {
		werr(w, err, errlen, "cannot create the HDF5 file");
		goto fail_unlink;
	}

	struct results meta = {.seed = s->seed};
	snprintf(meta.tool_version, sizeof meta.tool_version, "%s", SWITCHOVER_VERSION);
	snprintf(meta.git_revision, sizeof meta.git_revision, "%s", SWITCHOVER_GIT_REV);
	snprintf(meta.backend, sizeof meta.backend, "%s", backend);
	snprintf(meta.scenario_name, sizeof meta.scenario_name, "%s", s->name);
	if (gethostname(meta.host, sizeof meta.host - 1))
		snprintf(meta.host, sizeof meta.host, "unknown");
	time_t now = time(NULL);
	struct tm tm;
	strftime(meta.start_time, sizeof meta.start_time, "%Y-%m-%dT%H:%M:%SZ",
	         gmtime_r(&now, &tm));
	snprintf(meta.command_line, sizeof meta.command_line, "%s",
	         command_line ? command_line : "");
	hid_t g = H5Gcreate2(w->file, "meta", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	int32_t version = RESULTS_SCHEMA_VERSION;
	struct field vf = {"schema_version", 0, F_I32, 4};
	int rc = g < 0 || attr_put(g, &vf, &version, &w->ty);
	for (size_t i = 0; !rc && i < NFIELDS(meta_fields); i++)
		rc = attr_put(g, &meta_fields[i], &meta, &w->ty);
	if (!rc)
		rc = attr_put_str(g, "units", units, &w->ty);
	if (g >= 0)
		H5Gclose(g);
	if (rc) {
		werr(w, err, errlen, "cannot write /meta");
		goto fail_close;
	}

	char *yaml = scenario_to_yaml(s);
	if (!yaml) {
		snprintf(err, errlen, "%s: cannot render the scenario as YAML (out of memory)",
		         path);
		goto fail_close;
	}
	rc = text_put(w->file, "scenario", yaml, &w->ty);
	free(yaml);
	if (rc) {
		werr(w, err, errlen, "cannot write /scenario");
		goto fail_close;
	}
	w->runs = H5Gcreate2(w->file, "runs", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	if (w->runs < 0) {
		werr(w, err, errlen, "cannot create /runs");
		goto fail_close;
	}
	quiet_end(&q);
	*out = w;
	return 0;
fail_close:
	H5Fclose(w->file);
fail_unlink:
	outfile_discard(w->tmp);
fail:
	if (w)
		writer_free(w);
	quiet_end(&q);
	return -1;
}

static const char *arc_phase(int side, int pass)
{
	static const char *const names[2][3] = {{"src_other", "src_prepare", "src_main"},
	                                        {"dst_other", "dst_prepare", "dst_main"}};
	return names[side & 1][pass == TRACE_PASS_PREPARE ? 1 : pass == TRACE_PASS_MAIN ? 2 : 0];
}

/* The run's phases (device -1, from the VM stop on, each as long as the
 * summary says) and every device arc (from its begin to its end event). */
static int phase_rows(const struct trace *tr, const struct run_summary *sum, struct phase_row **out,
                      size_t *n_out)
{
	GArray *arcs = trace_arcs(tr);
	struct phase_row *rows = calloc(arcs->len + PHASE_COUNT, sizeof *rows);
	if (!rows) {
		g_array_unref(arcs);
		return -1;
	}
	double t = NAN;
	for (size_t k = 0; k < tr->n && isnan(t); k++)
		if (tr->ev[k].kind == TRACE_VM_STOP)
			t = tr->ev[k].t;
	size_t r = 0;
	for (int p = 0; p < PHASE_COUNT; p++, r++) {
		rows[r] = (struct phase_row){-1, phase_name((enum phase)p), t, t + sum->phase_s[p]};
		t = rows[r].end;
	}
	for (guint k = 0; k < arcs->len; k++) {
		const struct trace_arc *a = &g_array_index(arcs, struct trace_arc, k);
		const struct trace_event *e = a->end;
		if ((size_t)e->device >= sum->n_devices)
			continue;
		rows[r++] = (struct phase_row){e->device, arc_phase(e->side, e->pass),
		                               a->begin ? a->begin->t : 0, e->t};
	}
	g_array_unref(arcs);
	*out = rows;
	*n_out = r;
	return 0;
}

/* The run's /summary row; its n is the number of rows before it. */
static void summary_append(struct results_writer *w, const struct scenario *s, unsigned run,
                           const struct run_summary *sum)
{
	unsigned n = w->rows->len;
	g_array_set_size(w->rows, n + 1);
	summary_fill(&w->summary, w->rows->data + (size_t)n * w->summary.row_size, n,
	             strategy_name(s->strategy), run, sum);
}

int results_writer_add_summary(struct results_writer *w, const struct scenario *s, unsigned run,
                               const struct run_summary *sum, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	summary_append(w, s, run, sum);
	return 0;
}

size_t results_writer_runs(const struct results_writer *w)
{
	return w->rows->len;
}

int results_writer_add_table(struct results_writer *w, const char *name,
                             const struct results_col *cols, size_t n_cols, size_t row_size,
                             const void *rows, size_t n, char *err, size_t errlen)
{
	static const enum field_type types[] = {[RESULTS_COL_F64] = F_F64,
	                                        [RESULTS_COL_U64] = F_U64,
	                                        [RESULTS_COL_U32] = F_U32,
	                                        [RESULTS_COL_STR] = F_FSTR};
	struct field *f = calloc(n_cols + 1, sizeof *f);
	char what[160];
	if (!f) {
		snprintf(err, errlen, "%s: out of memory", w->path);
		return -1;
	}
	for (size_t i = 0; i < n_cols; i++)
		f[i] = (struct field){cols[i].name, cols[i].off, types[cols[i].type],
		                      cols[i].type == RESULTS_COL_STR ? cols[i].len : 0};
	struct h5_quiet q;
	quiet_begin(&q);
	int rc = table_write(w->file, name, f, n_cols, row_size, rows, n, &w->ty);
	if (rc) {
		snprintf(what, sizeof what, "cannot write /%s", name);
		werr(w, err, errlen, what);
	}
	quiet_end(&q);
	free(f);
	return rc;
}

int results_writer_add_text(struct results_writer *w, const char *name, const char *text, char *err,
                            size_t errlen)
{
	struct h5_quiet q;
	quiet_begin(&q);
	int rc = text_put(w->file, name, text, &w->ty);
	if (rc) {
		char what[160];
		snprintf(what, sizeof what, "cannot write /%s", name);
		werr(w, err, errlen, what);
	}
	quiet_end(&q);
	return rc;
}

/* Append run n's device rows to /devices (a chunked table made on the first
 * call, grown by each): 0 or -1. */
static int devices_append(struct results_writer *w, uint32_t n, const struct device_row *devs,
                          size_t count)
{
	struct field f[DEVICES_FIELDS];
	devices_fields(f);
	hid_t mt = compound_type(f, DEVICES_FIELDS, sizeof(struct devices_row), false, &w->ty);
	if (mt < 0)
		return -1;
	if (w->devices < 0) {
		/* 16 runs' rows per chunk (the first run's device count), 16 to
		 * 256 rows: a fixed 256-row chunk (about 48 KB) made a 1-run,
		 * 1-device file 2.7 times its size without the table. */
		hsize_t zero = 0, unlimited = H5S_UNLIMITED;
		hsize_t chunk = count > 16 ? 256 : 16 * (count ? count : 1);
		hid_t ft =
		    compound_type(f, DEVICES_FIELDS, sizeof(struct devices_row), true, &w->ty);
		hid_t sp = H5Screate_simple(1, &zero, &unlimited);
		hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
		if (ft >= 0 && sp >= 0 && dcpl >= 0 && H5Pset_chunk(dcpl, 1, &chunk) >= 0)
			w->devices =
			    H5Dcreate2(w->file, "devices", ft, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
		if (ft >= 0)
			H5Tclose(ft);
		if (sp >= 0)
			H5Sclose(sp);
		if (dcpl >= 0)
			H5Pclose(dcpl);
	}
	struct devices_row *rows = calloc(count + 1, sizeof *rows);
	hsize_t start = w->devices_rows, cnt = count, total = start + cnt;
	hid_t fs = H5I_INVALID_HID, ms = H5I_INVALID_HID;
	int rc = -1;
	for (size_t i = 0; rows && i < count; i++)
		rows[i] = (struct devices_row){.n = n, .d = devs[i]};
	if (rows && w->devices >= 0 && H5Dset_extent(w->devices, &total) >= 0 &&
	    (fs = H5Dget_space(w->devices)) >= 0 &&
	    H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &cnt, NULL) >= 0 &&
	    (ms = H5Screate_simple(1, &cnt, NULL)) >= 0 &&
	    H5Dwrite(w->devices, mt, ms, fs, H5P_DEFAULT, rows) >= 0) {
		w->devices_rows = total;
		rc = 0;
	}
	if (fs >= 0)
		H5Sclose(fs);
	if (ms >= 0)
		H5Sclose(ms);
	H5Tclose(mt);
	free(rows);
	return rc;
}

int results_writer_add_run(struct results_writer *w, const struct scenario *s, unsigned run,
                           const struct trace *tr, const struct run_summary *sum, char *err,
                           size_t errlen)
{
	struct h5_quiet q;
	quiet_begin(&q);
	char name[32], what[64];
	unsigned n = w->rows->len;
	snprintf(name, sizeof name, "%u", n);
	snprintf(what, sizeof what, "cannot write /runs/%u", n);
	int rc = -1;
	struct phase_row *phases = NULL;
	struct device_row *devs = NULL;
	hid_t g = H5I_INVALID_HID;
	size_t n_phases;
	devs = calloc(sum->n_devices + 1, sizeof *devs);
	if (!devs || phase_rows(tr, sum, &phases, &n_phases)) {
		snprintf(err, errlen, "%s: out of memory", w->path);
		goto out;
	}
	g = H5Gcreate2(w->runs, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	if (g < 0) {
		werr(w, err, errlen, what);
		goto out;
	}
	const struct run_fields *rf = &w->summary.run;
	struct field runf = {"run", 0, F_U32, 4};
	uint32_t run32 = run;
	int bad = attr_put_str(g, "strategy", strategy_name(s->strategy), &w->ty) ||
	          attr_put(g, &runf, &run32, &w->ty);
	for (size_t i = 0; !bad && i < RUN_FIELDS; i++)
		bad = attr_put(g, &rf->f[i], sum, &w->ty);
	for (size_t i = 0; i < sum->n_devices; i++) {
		devs[i] = device_row_of((int32_t)i, &sum->dev[i]);
		scenario_device_name(s, i, devs[i].name, sizeof devs[i].name);
	}
	if (bad ||
	    table_write(g, "trace", trace_fields, NFIELDS(trace_fields), sizeof(struct trace_event),
	                tr->ev, tr->n, &w->ty) ||
	    table_write(g, "phases", phase_fields, NFIELDS(phase_fields), sizeof *phases, phases,
	                n_phases, &w->ty) ||
	    table_write(g, "devices", device_fields, NFIELDS(device_fields), sizeof *devs, devs,
	                sum->n_devices, &w->ty) ||
	    (sum->n_devices && devices_append(w, n, devs, sum->n_devices))) {
		werr(w, err, errlen, what);
		goto out;
	}
	summary_append(w, s, run, sum);
	rc = 0;
out:
	if (g >= 0)
		H5Gclose(g);
	free(phases);
	free(devs);
	quiet_end(&q);
	return rc;
}

/* CRC-32 of the bytes from the end of the user block to `size`. */
static int file_crc(int fd, off_t size, uLong *crc, char *why, size_t whylen)
{
	static unsigned char buf[1 << 16];
	*crc = crc32(0L, Z_NULL, 0);
	for (off_t off = HEADER_BYTES; off < size;) {
		ssize_t got = pread(fd, buf, sizeof buf, off);
		if (got <= 0) {
			snprintf(why, whylen, "%s", got ? strerror(errno) : "the file shrank");
			return -1;
		}
		*crc = crc32(*crc, buf, (uInt)got);
		off += got;
	}
	return 0;
}

/* Fill the user block: length and CRC-32 of everything after it. */
static int write_header(int fd, char *why, size_t whylen)
{
	struct stat st;
	uLong crc;
	if (fstat(fd, &st)) {
		snprintf(why, whylen, "%s", strerror(errno));
		return -1;
	}
	if (file_crc(fd, st.st_size, &crc, why, whylen))
		return -1;
	char head[HEADER_BYTES] = {0};
	snprintf(head, sizeof head,
	         HEADER_MAGIC "schema_version %d\nhdf5_bytes %lld\ncrc32 %08lx\n"
	                      "The HDF5 file follows this 512-byte user block; h5py, pandas and "
	                      "the HDF5 tools read it as usual.\n",
	         RESULTS_SCHEMA_VERSION, (long long)(st.st_size - HEADER_BYTES),
	         (unsigned long)crc);
	if (pwrite(fd, head, sizeof head, 0) != (ssize_t)sizeof head || fsync(fd)) {
		snprintf(why, whylen, "%s", strerror(errno));
		return -1;
	}
	return 0;
}

int results_writer_finish(struct results_writer *w, char *err, size_t errlen)
{
	struct h5_quiet q;
	quiet_begin(&q);
	int rc = -1;
	if (table_write(w->file, "summary", w->summary.col, w->summary.n, w->summary.row_size,
	                w->rows->data, w->rows->len, &w->ty)) {
		werr(w, err, errlen, "cannot write /summary");
		if (w->devices >= 0)
			H5Dclose(w->devices);
		H5Gclose(w->runs);
		H5Fclose(w->file);
		goto out;
	}
	if (w->devices >= 0)
		H5Dclose(w->devices);
	H5Gclose(w->runs);
	if (H5Fclose(w->file) < 0) {
		werr(w, err, errlen, "cannot close the HDF5 file");
		goto out;
	}
	char why[256];
	int fd = open(w->tmp, O_RDWR);
	if (fd < 0 || write_header(fd, why, sizeof why)) {
		if (fd < 0)
			snprintf(why, sizeof why, "%s", strerror(errno));
		snprintf(err, errlen, "%s: cannot finish %s: %s", w->path, w->tmp, why);
		if (fd >= 0)
			close(fd);
		goto out;
	}
	if (close(fd)) {
		snprintf(err, errlen, "%s: cannot finish %s: %s", w->path, w->tmp, strerror(errno));
		goto out;
	}
	rc = outfile_commit(w->tmp, w->path, err, errlen);
out:
	if (rc)
		outfile_discard(w->tmp);
	writer_free(w);
	quiet_end(&q);
	return rc;
}

void results_writer_abort(struct results_writer *w)
{
	if (!w)
		return;
	struct h5_quiet q;
	quiet_begin(&q);
	if (w->devices >= 0)
		H5Dclose(w->devices);
	H5Gclose(w->runs);
	H5Fclose(w->file);
	outfile_discard(w->tmp);
	writer_free(w);
	quiet_end(&q);
}

/* ---- reading ----------------------------------------------------------- */

struct rd {
	const char *path;
	char *err;
	size_t errlen;
	uint64_t file_size;
	struct h5_types ty;
	struct results *r;
	unsigned flags;
	bool has_header; /* the checksum of our header was checked */
};

/* "PATH: message", plus HDF5's reason when `h5` says an HDF5 call failed. */
static int fail(struct rd *rd, bool h5, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(struct rd *rd, bool h5, const char *fmt, ...)
{
	char why[400] = "", msg[768];
	if (h5)
		h5_reason(why, sizeof why);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(rd->err, rd->errlen, "%s: %s%s", rd->path, msg, why);
	return -1;
}

static bool all_zero(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* Whether HDF5's superblock signature is at `off`. */
static bool has_superblock_at(int fd, off_t off)
{
	static const char sig[8] = {'\x89', 'H', 'D', 'F', '\r', '\n', '\x1a', '\n'};
	char buf[sizeof sig];
	return pread(fd, buf, sizeof buf, off) == (ssize_t)sizeof buf &&
	       !memcmp(buf, sig, sizeof sig);
}

/* The user block, when there is one of ours: the HDF5 part must have the
 * length and checksum it had when it was written. */
static int check_header(struct rd *rd)
{
	/* O_NONBLOCK: opening a FIFO without a writer would wait forever;
	 * it is refused below as not a regular file. */
	int fd = open(rd->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st)) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return fail(rd, false, "%s", strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return fail(rd, false, "not a regular file");
	}
	rd->file_size = (uint64_t)st.st_size;
	char head[HEADER_BYTES + 1] = {0};
	ssize_t got = pread(fd, head, HEADER_BYTES, 0);
	int rc = 0;
	if (got == HEADER_BYTES && !strncmp(head, HEADER_MAGIC, strlen(HEADER_MAGIC))) {
		long long want_bytes;
		unsigned long want_crc;
		int version;
		int got_fields = sscanf(head + strlen(HEADER_MAGIC),
		                        "schema_version %d\nhdf5_bytes %lld\ncrc32 %lx", &version,
		                        &want_bytes, &want_crc);
		/* A newer switchover may lay the file out differently: say so
		 * before judging it by this version's rules. */
		if (got_fields >= 1 && version > RESULTS_SCHEMA_VERSION) {
			rc = fail(rd, false, "schema version %d is newer than this switchover (%d)",
			          version, RESULTS_SCHEMA_VERSION);
		} else if (got_fields != 3 || want_bytes < 0) {
			rc = fail(rd, false,
			          "damaged: the header (first 512 bytes) cannot be parsed");
		} else if ((uint64_t)want_bytes + HEADER_BYTES != rd->file_size) {
			rc =
			    fail(rd, false,
			         "damaged: %" PRIu64 " bytes, expected %llu (truncated or extended "
			         "after it was written)",
			         rd->file_size, (unsigned long long)want_bytes + HEADER_BYTES);
		} else {
			uLong crc;
			char why[128];
			if (file_crc(fd, st.st_size, &crc, why, sizeof why))
				rc = fail(rd, false, "%s", why);
			if (!rc && crc != want_crc)
				rc = fail(rd, false,
				          "damaged: checksum %08lx, expected %08lx (the file was "
				          "altered after it was written)",
				          (unsigned long)crc, want_crc);
		}
		rd->has_header = rc == 0;
	} else if (got == HEADER_BYTES && has_superblock_at(fd, HEADER_BYTES) &&
	           !all_zero(head, HEADER_BYTES)) {
		/* HDF5 would skip a 512-byte user block whatever it holds: ours
		 * is there (an empty one means none), and a damaged one must not
		 * turn the checksum off. */
		rc = fail(rd, false, "damaged: the header (first 512 bytes) cannot be parsed");
	}
	close(fd);
	return rc;
}

/* An object's location and the expected kind, or a message naming it. */
static int open_group(struct rd *rd, hid_t loc, const char *name, const char *objpath, hid_t *g,
                      const char *missing_hint)
{
	htri_t ex = H5Lexists(loc, name, H5P_DEFAULT);
	if (ex < 0)
		return fail(rd, true, "%s: cannot look it up", objpath);
	if (ex == 0)
		return fail(rd, false, "%s missing%s", objpath, missing_hint);
	H5O_info_t info;
	if (H5Oget_info_by_name(loc, name, &info, H5P_DEFAULT) < 0)
		return fail(rd, true, "%s: cannot read its header", objpath);
	if (info.type != H5O_TYPE_GROUP)
		return fail(rd, false, "%s is not a group", objpath);
	*g = H5Gopen2(loc, name, H5P_DEFAULT);
	return *g < 0 ? fail(rd, true, "%s: cannot open", objpath) : 0;
}

static int open_dataset(struct rd *rd, hid_t loc, const char *name, const char *objpath, hid_t *d)
{
	htri_t ex = H5Lexists(loc, name, H5P_DEFAULT);
	if (ex < 0)
		return fail(rd, true, "%s: cannot look it up", objpath);
	if (ex == 0)
		return fail(rd, false, "%s missing", objpath);
	H5O_info_t info;
	if (H5Oget_info_by_name(loc, name, &info, H5P_DEFAULT) < 0)
		return fail(rd, true, "%s: cannot read its header", objpath);
	if (info.type != H5O_TYPE_DATASET)
		return fail(rd, false, "%s is not a dataset", objpath);
	*d = H5Dopen2(loc, name, H5P_DEFAULT);
	return *d < 0 ? fail(rd, true, "%s: cannot open", objpath) : 0;
}

/* One fixed-length string of `bytes` from a scalar dataset. */
static herr_t read_fixed(hid_t dset, hid_t mt, size_t bytes, char *out)
{
	hid_t xf = xfer_for(1, bytes);
	herr_t e = H5Dread(dset, mt, H5S_ALL, H5S_ALL, xf, out);
	xfer_close(xf);
	return e;
}

/* One string from an attribute (attr >= 0) or a scalar dataset, either
 * variable- or fixed-length; malloc'd into *out. */
static int read_string(struct rd *rd, hid_t attr, hid_t dset, const char *where, char **out)
{
	hid_t ft = attr >= 0 ? H5Aget_type(attr) : H5Dget_type(dset);
	hid_t sp = attr >= 0 ? H5Aget_space(attr) : H5Dget_space(dset);
	hid_t mt = H5I_INVALID_HID;
	int rc = -1;
	*out = NULL;
	if (ft < 0 || sp < 0) {
		fail(rd, true, "%s: cannot read its type", where);
		goto out;
	}
	if (H5Tget_class(ft) != H5T_STRING) {
		fail(rd, false, "%s is %s, expected a string", where, class_name(H5Tget_class(ft)));
		goto out;
	}
	if (H5Sget_simple_extent_npoints(sp) != 1) {
		fail(rd, false, "%s holds %lld values, expected one string", where,
		     (long long)H5Sget_simple_extent_npoints(sp));
		goto out;
	}
	htri_t var = H5Tis_variable_str(ft);
	if (var > 0) {
		char *s = NULL;
		hid_t xf =
		    attr >= 0 ? H5P_DEFAULT : xfer_for(1, dataset_row_bytes(dset, rd->ty.vstr));
		herr_t e = attr >= 0 ? H5Aread(attr, rd->ty.vstr, &s)
		                     : H5Dread(dset, rd->ty.vstr, H5S_ALL, H5S_ALL, xf, &s);
		xfer_close(xf);
		if (e < 0) {
			fail(rd, true, "%s: cannot read", where);
			goto out;
		}
		*out = strdup(s ? s : "");
		H5free_memory(s);
	} else {
		size_t size = H5Tget_size(ft);
		if (var < 0 || size == 0 || size > rd->file_size) {
			fail(rd, false,
			     "%s: a string of %zu bytes cannot be in this file (damaged)", where,
			     size);
			goto out;
		}
		mt = H5Tcopy(H5T_C_S1);
		*out = calloc(1, size + 1);
		if (mt < 0 || !*out || H5Tset_size(mt, size + 1) < 0 ||
		    H5Tset_strpad(mt, H5T_STR_NULLTERM) < 0 ||
		    (attr >= 0 ? H5Aread(attr, mt, *out) : read_fixed(dset, mt, size + 1, *out)) <
		        0) {
			fail(rd, true, "%s: cannot read", where);
			goto out;
		}
	}
	if (!*out) {
		fail(rd, false, "out of memory");
		goto out;
	}
	rc = 0;
out:
	if (rc) {
		free(*out);
		*out = NULL;
	}
	if (mt >= 0)
		H5Tclose(mt);
	if (ft >= 0)
		H5Tclose(ft);
	if (sp >= 0)
		H5Sclose(sp);
	return rc;
}

/* One scalar attribute into the field at `base`, checking its class. */
static int attr_get(struct rd *rd, hid_t obj, const char *objpath, const struct field *f,
                    void *base)
{
	char where[256];
	snprintf(where, sizeof where, "%s: attribute '%s'", objpath, f->name);
	htri_t ex = H5Aexists(obj, f->name);
	if (ex <= 0)
		return fail(rd, ex < 0, "%s missing", where);
	hid_t a = H5Aopen(obj, f->name, H5P_DEFAULT);
	if (a < 0)
		return fail(rd, true, "%s: cannot open", where);
	char *p = (char *)base + f->off;
	int rc = 0;
	if (f->type == F_FSTR || f->type == F_VSTR) {
		char *s;
		rc = read_string(rd, a, H5I_INVALID_HID, where, &s);
		if (!rc && f->type == F_FSTR) {
			snprintf(p, f->len, "%s", s);
			free(s);
		} else if (!rc) {
			*(char **)p = s;
		}
		H5Aclose(a);
		return rc;
	}
	hid_t ft = H5Aget_type(a), sp = H5Aget_space(a);
	hid_t mt = field_type(f, false, &rd->ty);
	uint8_t flag = 0;
	if (ft < 0 || sp < 0 || mt < 0)
		rc = fail(rd, true, "%s: cannot read its type", where);
	else if (H5Tget_class(ft) != field_class(f->type))
		rc = fail(rd, false, "%s is %s, expected %s", where, class_name(H5Tget_class(ft)),
		          class_name(field_class(f->type)));
	else if (H5Sget_simple_extent_npoints(sp) != 1)
		rc = fail(rd, false, "%s holds %lld values, expected one", where,
		          (long long)H5Sget_simple_extent_npoints(sp));
	else if (H5Aread(a, mt, f->type == F_BOOL ? (void *)&flag : (void *)p) < 0)
		rc = fail(rd, true, "%s: cannot read", where);
	else if (f->type == F_BOOL)
		*(bool *)p = flag != 0;
	if (ft >= 0)
		H5Tclose(ft);
	if (sp >= 0)
		H5Sclose(sp);
	if (mt >= 0)
		H5Tclose(mt);
	H5Aclose(a);
	return rc;
}

typedef int (*row_fn)(struct rd *rd, void *ctx, const void *row, size_t i, const char *objpath);

/*
 * Check that loc/name is a 1-D table with every column of f (by name and
 * class), then, when `fn` is given, read it through the memory type (HDF5
 * converts by column name) and hand each row to fn.  *n_rows gets the
 * number of rows.
 */
static int table_read(struct rd *rd, hid_t loc, const char *name, const char *objpath,
                      const struct field *f, size_t nf, size_t row_size, row_fn fn, void *ctx,
                      size_t *n_rows)
{
	hid_t d, ft = H5I_INVALID_HID, sp = H5I_INVALID_HID, mt = H5I_INVALID_HID;
	hid_t dcpl = H5I_INVALID_HID;
	char *buf = NULL;
	bool *absent = NULL;
	struct field *present = NULL;
	bool read = false;
	int rc = -1;
	if (open_dataset(rd, loc, name, objpath, &d))
		return -1;
	ft = H5Dget_type(d);
	sp = H5Dget_space(d);
	dcpl = H5Dget_create_plist(d);
	if (ft < 0 || sp < 0 || dcpl < 0) {
		fail(rd, true, "%s: cannot read its type", objpath);
		goto out;
	}
	if (H5Tget_class(ft) != H5T_COMPOUND) {
		fail(rd, false, "%s is %s, expected a table (compound)", objpath,
		     class_name(H5Tget_class(ft)));
		goto out;
	}
	hsize_t dims[H5S_MAX_RANK];
	if (H5Sget_simple_extent_ndims(sp) != 1 || H5Sget_simple_extent_dims(sp, dims, NULL) != 1) {
		fail(rd, false, "%s is not a one-dimensional table", objpath);
		goto out;
	}
	absent = calloc(nf + 1, sizeof *absent);
	present = calloc(nf + 1, sizeof *present);
	if (!absent || !present) {
		fail(rd, false, "%s: out of memory", objpath);
		goto out;
	}
	for (size_t i = 0; i < nf; i++) {
		int idx = H5Tget_member_index(ft, f[i].name);
		if (idx < 0 && column_optional(&f[i])) {
			absent[i] = true;
			continue;
		}
		if (idx < 0) {
			fail(rd, false, "%s: column '%s' missing", objpath, f[i].name);
			goto out;
		}
		H5T_class_t c = H5Tget_member_class(ft, (unsigned)idx);
		hid_t mtype = H5Tget_member_type(ft, (unsigned)idx);
		htri_t var = mtype < 0 ? -1 : H5Tis_variable_str(mtype);
		if (mtype >= 0)
			H5Tclose(mtype);
		if (c != field_class(f[i].type)) {
			fail(rd, false, "%s: column '%s' is %s, expected %s", objpath, f[i].name,
			     class_name(c), class_name(field_class(f[i].type)));
			goto out;
		}
		if (c == H5T_STRING && var != (f[i].type == F_VSTR)) {
			fail(rd, false, "%s: column '%s' is a %s string, expected a %s one",
			     objpath, f[i].name, var > 0 ? "variable-length" : "fixed-length",
			     f[i].type == F_VSTR ? "variable-length" : "fixed-length");
			goto out;
		}
	}
	/* A damaged header can claim any number of rows; an uncompressed table
	 * cannot be bigger than the file, a compressed one hardly beyond 1000x. */
	size_t rowbytes = H5Tget_size(ft);
	uint64_t limit = H5Pget_layout(dcpl) == H5D_CHUNKED ? rd->file_size * 1000 : rd->file_size;
	if (rowbytes == 0 || dims[0] > limit / rowbytes) {
		fail(rd, false,
		     "%s: %llu rows of %zu bytes cannot be in a %" PRIu64 "-byte file (damaged)",
		     objpath, (unsigned long long)dims[0], rowbytes, rd->file_size);
		goto out;
	}
	*n_rows = (size_t)dims[0];
	if (!fn || !*n_rows) {
		rc = 0;
		goto out;
	}
	/* the memory type of the columns the file has */
	size_t np = 0;
	for (size_t i = 0; i < nf; i++)
		if (!absent[i])
			present[np++] = f[i];
	mt = compound_type(present, np, row_size, false, &rd->ty);
	buf = calloc(*n_rows, row_size);
	if (mt < 0 || !buf) {
		fail(rd, mt < 0, "%s: out of memory", objpath);
		goto out;
	}
	hid_t xf = xfer_for(*n_rows, rowbytes > row_size ? rowbytes : row_size);
	herr_t got = H5Dread(d, mt, H5S_ALL, H5S_ALL, xf, buf);
	xfer_close(xf);
	if (got < 0) {
		fail(rd, true, "%s: cannot read", objpath);
		goto out;
	}
	read = true;
	/* an optional column the file lacks reads as NaN (they are float64) */
	for (size_t i = 0; i < nf; i++)
		for (size_t r = 0; absent[i] && r < *n_rows; r++)
			*(double *)(buf + r * row_size + f[i].off) = NAN;
	rc = 0;
	for (size_t i = 0; !rc && i < *n_rows; i++)
		rc = fn(rd, ctx, buf + i * row_size, i, objpath);
out:
	free(absent);
	free(present);
	if (read)
		H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, buf);
	free(buf);
	if (mt >= 0)
		H5Tclose(mt);
	if (dcpl >= 0)
		H5Pclose(dcpl);
	if (ft >= 0)
		H5Tclose(ft);
	if (sp >= 0)
		H5Sclose(sp);
	H5Dclose(d);
	return rc;
}

static int trace_row(struct rd *rd, void *ctx, const void *row, size_t i, const char *objpath)
{
	struct results_run *run = ctx;
	const struct trace_event *e = row;
	char why[160];
	if (trace_event_check(e, run->sum.n_devices, why, sizeof why))
		return fail(rd, false, "%s: row %zu: %s", objpath, i, why);
	trace_add(&run->trace, e);
	return run->trace.oom ? fail(rd, false, "out of memory") : 0;
}

static int device_row(struct rd *rd, void *ctx, const void *row, size_t i, const char *objpath)
{
	struct results_run *run = ctx;
	const struct device_row *d = row;
	if (d->device != (int32_t)i)
		return fail(rd, false, "%s: row %zu holds device %d, expected %zu", objpath, i,
		            d->device, i);
	/* Field by field: the array is zeroed, padding included, so whole
	 * structs compare equal to what was written. */
	struct device_attribution *a = &run->sum.dev[i];
	a->src_prepare_s = d->src_prepare_s;
	a->src_main_s = d->src_main_s;
	a->load_s = d->load_s;
	a->dst_prepare_s = d->dst_prepare_s;
	a->dst_main_s = d->dst_main_s;
	a->stopcopy_bytes = d->stopcopy_bytes;
	a->total_s = d->total_s;
	a->event_lead_s = d->event_lead_s;
	a->rdma_miss = d->rdma_miss != 0;
	a->qemu_save_s = d->qemu_save_s;
	a->qemu_load_s = d->qemu_load_s;
	return 0;
}

/* A completed run took a finite, non-negative time in every phase: what
 * compare and report compute from them would otherwise be nonsense. */
static int check_times(struct rd *rd, const char *objpath, const struct run_summary *sum)
{
	const char *bad = NULL;
	double v = 0;
	if (!(isfinite(sum->downtime_s) && sum->downtime_s >= 0))
		bad = "downtime_s", v = sum->downtime_s;
	else if (!(isfinite(sum->total_s) && sum->total_s >= 0))
		bad = "total_s", v = sum->total_s;
	for (int p = 0; !bad && p < PHASE_COUNT; p++)
		if (!(isfinite(sum->phase_s[p]) && sum->phase_s[p] >= 0))
			bad = phase_name((enum phase)p), v = sum->phase_s[p];
	if (!bad)
		return 0;
	return fail(rd, false, "%s: %s is %g in a completed run (expected a finite time >= 0)",
	            objpath, bad, v);
}

/* A run's strategy and index (bounded: compare indexes by them) and, when
 * it completed, its times (check_times). */
static int run_identity(struct rd *rd, const char *objpath, const char *strategy, uint32_t idx,
                        struct results_run *run)
{
	int st = strategy_parse(strategy);
	if (st < 0)
		return fail(rd, false,
		            "%s: strategy '%s' unknown (expected sequential, parallel-prio or "
		            "parallel-barrier)",
		            objpath, strategy);
	run->strategy = (enum strategy_kind)st;
	run->run = idx;
	if (idx >= SCENARIO_MAX_RUNS)
		return fail(rd, false, "%s: run %" PRIu32 " out of range (runs are 0 to %d)",
		            objpath, idx, SCENARIO_MAX_RUNS - 1);
	return run->sum.status == 0 ? check_times(rd, objpath, &run->sum) : 0;
}

/* /runs/<n>/devices into run->sum (n_devices, dev): one row per device of
 * the scenario. */
static int read_devices(struct rd *rd, hid_t g, const char *objpath, struct results_run *run)
{
	char sub[96];
	size_t n_dev = 0, n_rows;
	size_t want = scenario_device_count(rd->r->scenario);
	snprintf(sub, sizeof sub, "%s/devices", objpath);
	int rc = table_read(rd, g, "devices", sub, device_fields, NFIELDS(device_fields),
	                    sizeof(struct device_row), NULL, NULL, &n_dev);
	if (!rc && n_dev != want)
		rc =
		    fail(rd, false, "%s: %zu rows, the scenario has %zu devices", sub, n_dev, want);
	if (!rc) {
		run->sum.n_devices = n_dev;
		run->sum.dev = calloc(n_dev + 1, sizeof *run->sum.dev);
		rc = run->sum.dev
		         ? table_read(rd, g, "devices", sub, device_fields, NFIELDS(device_fields),
		                      sizeof(struct device_row), device_row, run, &n_rows)
		         : fail(rd, false, "out of memory");
	}
	return rc;
}

static int read_run(struct rd *rd, hid_t runs, size_t n, struct results_run *run)
{
	char name[32], objpath[64], sub[96];
	snprintf(name, sizeof name, "%zu", n);
	snprintf(objpath, sizeof objpath, "/runs/%zu", n);
	hid_t g;
	if (open_group(rd, runs, name, objpath, &g, ""))
		return -1;
	struct run_fields rf;
	run_fields(&rf);
	char strategy[32];
	struct field sf = {"strategy", 0, F_FSTR, sizeof strategy};
	struct field runf = {"run", 0, F_U32, 4};
	uint32_t idx = 0;
	int rc = attr_get(rd, g, objpath, &sf, strategy) || attr_get(rd, g, objpath, &runf, &idx);
	for (size_t i = 0; !rc && i < RUN_FIELDS; i++)
		rc = attr_get(rd, g, objpath, &rf.f[i], &run->sum);
	if (!rc)
		rc = run_identity(rd, objpath, strategy, idx, run);

	size_t n_rows;
	if (!rc)
		rc = read_devices(rd, g, objpath, run);
	snprintf(sub, sizeof sub, "%s/phases", objpath);
	if (!rc)
		rc = table_read(rd, g, "phases", sub, phase_fields, NFIELDS(phase_fields),
		                sizeof(struct phase_row), NULL, NULL, &n_rows);
	snprintf(sub, sizeof sub, "%s/trace", objpath);
	if (!rc)
		rc = table_read(rd, g, "trace", sub, trace_fields, NFIELDS(trace_fields),
		                sizeof(struct trace_event), trace_row, run, &n_rows);
	H5Gclose(g);
	return rc;
}

/* compare pairs runs by (strategy, run): each may be there once.  `where`
 * names run n: "/runs/" or "/summary row ". */
static int check_unique(struct rd *rd, const char *where)
{
	struct results *r = rd->r;
	GHashTable *seen = g_hash_table_new(g_int64_hash, g_int64_equal);
	gint64 *keys = g_new(gint64, r->n_runs + 1);
	int rc = 0;
	for (size_t n = 0; !rc && n < r->n_runs; n++) {
		keys[n] = (gint64)r->runs[n].strategy << 32 | r->runs[n].run;
		if (g_hash_table_contains(seen, &keys[n]))
			rc = fail(rd, false, "%s%zu: run %" PRIu32 " of %s is in the file twice",
			          where, n, r->runs[n].run, strategy_name(r->runs[n].strategy));
		g_hash_table_add(seen, &keys[n]);
	}
	g_hash_table_destroy(seen);
	g_free(keys);
	return rc;
}

/* One /summary row (layout ctx) into rd->r->runs[i]: what /runs/<i> holds
 * as attributes, but the first violations of the invariants (not columns). */
static int summary_row(struct rd *rd, void *ctx, const void *row, size_t i, const char *objpath)
{
	const struct summary_layout *L = ctx;
	const char *p = row;
	struct results_run *run = &rd->r->runs[i];
	uint32_t n, idx;
	char strategy[32], where[96];
	memcpy(&n, p + L->col[0].off, sizeof n);
	snprintf(strategy, sizeof strategy, "%.*s", (int)L->col[1].len, p + L->col[1].off);
	memcpy(&idx, p + L->col[2].off, sizeof idx);
	snprintf(where, sizeof where, "%s row %zu", objpath, i);
	if (n != i)
		return fail(rd, false, "%s: n is %" PRIu32 ", expected %zu (rows in run order)",
		            where, n, i);
	for (size_t c = 4; c < L->n; c++) {
		char *to = (char *)&run->sum + L->src[c]->off;
		const char *from = p + L->col[c].off;
		if (L->src[c]->type == F_FSTR)
			snprintf(to, L->src[c]->len, "%.*s", (int)L->col[c].len, from);
		else if (L->src[c]->type == F_BOOL)
			*(bool *)to = *(const uint8_t *)from != 0;
		else
			memcpy(to, from, field_size(&L->col[c]));
	}
	return run_identity(rd, where, strategy, idx, run);
}

/* Where the next /devices row belongs: run and device; the table's
 * columns. */
struct devices_cursor {
	size_t run, dev, want;
	const struct field *f;
};

static int devices_table_row(struct rd *rd, void *ctx, const void *row, size_t i,
                             const char *objpath)
{
	struct devices_cursor *c = ctx;
	const struct devices_row *r = row;
	if (r->n != c->run || r->d.device != (int32_t)c->dev)
		return fail(rd, false,
		            "%s: row %zu is run %" PRIu32
		            " device %d, expected run %zu device %zu (a row per run and "
		            "device, in order)",
		            objpath, i, r->n, r->d.device, c->run, c->dev);
	int rc = device_row(rd, &rd->r->runs[c->run], &r->d, c->dev, objpath);
	if (++c->dev == c->want) {
		c->dev = 0;
		c->run++;
	}
	return rc;
}

/* /devices, a row per run and device (the runs' count times the
 * scenario's devices), each row through fn with a devices_cursor;
 * `alloc`: each run's attribution is made first. */
static int walk_devices_table(struct rd *rd, hid_t file, bool alloc, row_fn fn)
{
	struct results *r = rd->r;
	size_t want = scenario_device_count(r->scenario), rows;
	struct field f[DEVICES_FIELDS];
	devices_fields(f);
	if (table_read(rd, file, "devices", "/devices", f, DEVICES_FIELDS,
	               sizeof(struct devices_row), NULL, NULL, &rows))
		return -1;
	if (rows != r->n_runs * want)
		return fail(rd, false, "/devices: %zu rows, expected %zu (%zu runs of %zu devices)",
		            rows, r->n_runs * want, r->n_runs, want);
	for (size_t n = 0; alloc && n < r->n_runs; n++) {
		r->runs[n].sum.n_devices = want;
		if (!(r->runs[n].sum.dev = calloc(want + 1, sizeof *r->runs[n].sum.dev)))
			return fail(rd, false, "out of memory");
	}
	struct devices_cursor c = {0, 0, want, f};
	return rows ? table_read(rd, file, "devices", "/devices", f, DEVICES_FIELDS,
	                         sizeof(struct devices_row), fn, &c, &rows)
	            : 0;
}

/* Every run's device attribution from /devices (one table). */
static int read_devices_table(struct rd *rd, hid_t file)
{
	return walk_devices_table(rd, file, true, devices_table_row);
}

/* ---- a file without the header: its tables against its runs ---------- */

/* A cell of a table row as text, for a message. */
static void cell_text(const struct field *f, const char *p, char *buf, size_t len)
{
	union {
		double d;
		int32_t i;
		uint32_t u;
		uint64_t q;
		uint8_t b;
	} v = {0};
	if (f->type != F_FSTR && field_size(f) <= sizeof v)
		memcpy(&v, p, field_size(f));
	switch (f->type) {
	case F_F64:
		snprintf(buf, len, "%.17g", v.d);
		break;
	case F_I32:
		snprintf(buf, len, "%" PRId32, v.i);
		break;
	case F_U32:
		snprintf(buf, len, "%" PRIu32, v.u);
		break;
	case F_U64:
		snprintf(buf, len, "%" PRIu64, v.q);
		break;
	case F_FSTR:
		snprintf(buf, len, "'%.*s'", (int)f->len, p);
		break;
	default:
		snprintf(buf, len, "%u", (unsigned)v.b);
		break;
	}
}

/* Whether two cells of field f hold the same value: NaN equals NaN (a run
 * that never ran has NaN times in both), strings up to their terminator,
 * flags by truth. */
static bool cell_equal(const struct field *f, const char *a, const char *b)
{
	switch (f->type) {
	case F_F64: {
		double x, y;
		memcpy(&x, a, sizeof x);
		memcpy(&y, b, sizeof y);
		return x == y || (isnan(x) && isnan(y));
	}
	case F_FSTR:
		return strncmp(a, b, f->len) == 0;
	case F_U8:
	case F_BOOL:
		return (*(const uint8_t *)a != 0) == (*(const uint8_t *)b != 0);
	default:
		return memcmp(a, b, field_size(f)) == 0;
	}
}

/* "OBJPATH disagrees with RUNPATH: COLUMN is X in the table, Y in the run" */
static int disagree(struct rd *rd, const char *objpath, const char *runpath, const struct field *f,
                    const char *table, const char *run)
{
	char t[96], r[96];
	cell_text(f, table, t, sizeof t);
	cell_text(f, run, r, sizeof r);
	return fail(rd, false,
	            "%s disagrees with %s: %s is %s in the table, %s in the run (the tables "
	            "do not match the runs: damaged or edited)",
	            objpath, runpath, f->name, t, r);
}

/* /summary row i against /runs/<i> (rd->r->runs[i]), column by column. */
static int summary_check_row(struct rd *rd, void *ctx, const void *row, size_t i,
                             const char *objpath)
{
	const struct summary_layout *L = ctx;
	const struct results_run *run = &rd->r->runs[i];
	char want[1024], where[96], runpath[64];
	if (L->row_size > sizeof want)
		return fail(rd, false, "%s: a row of %zu bytes (internal limit %zu)", objpath,
		            L->row_size, sizeof want);
	summary_fill(L, want, (uint32_t)i, strategy_name(run->strategy), run->run, &run->sum);
	snprintf(where, sizeof where, "%s row %zu", objpath, i);
	snprintf(runpath, sizeof runpath, "/runs/%zu", i);
	for (size_t c = 0; c < L->n; c++) {
		const struct field *f = &L->col[c];
		if (!cell_equal(f, (const char *)row + f->off, want + f->off))
			return disagree(rd, where, runpath, f, (const char *)row + f->off,
			                want + f->off);
	}
	return 0;
}

/* A /devices row against device `dev` of /runs/<run>/devices (as read
 * into the run's attribution; the device's name is not kept). */
static int devices_check_row(struct rd *rd, void *ctx, const void *row, size_t i,
                             const char *objpath)
{
	struct devices_cursor *c = ctx;
	const struct devices_row *r = row;
	const struct device_attribution *a = &rd->r->runs[c->run].sum.dev[c->dev];
	struct devices_row want = {.n = (uint32_t)c->run, .d = device_row_of((int32_t)c->dev, a)};
	char where[96], runpath[96];
	snprintf(where, sizeof where, "%s row %zu", objpath, i);
	snprintf(runpath, sizeof runpath, "/runs/%zu/devices row %zu", c->run, c->dev);
	for (size_t k = 0; k < DEVICES_FIELDS; k++) {
		const struct field *f = &c->f[k];
		if (!strcmp(f->name, "name")) /* not kept of the runs' tables */
			continue;
		if (!cell_equal(f, (const char *)r + f->off, (const char *)&want + f->off))
			return disagree(rd, where, runpath, f, (const char *)r + f->off,
			                (const char *)&want + f->off);
	}
	if (++c->dev == c->want) {
		c->dev = 0;
		c->run++;
	}
	return 0;
}

/* Full reading mode, a file without the header (no checksum vouches that
 * its tables are as written): /summary and /devices must say what the runs
 * say, row by row, or the file is refused.  A file from before /devices
 * existed has only the runs' own tables. */
static int check_tables(struct rd *rd, hid_t file, const struct summary_layout *sl)
{
	size_t rows;
	if (table_read(rd, file, "summary", "/summary", sl->col, sl->n, sl->row_size,
	               summary_check_row, (void *)sl, &rows))
		return -1;
	htri_t one_table = H5Lexists(file, "devices", H5P_DEFAULT);
	if (one_table < 0)
		return fail(rd, true, "/devices: cannot look it up");
	return one_table ? walk_devices_table(rd, file, false, devices_check_row) : 0;
}

/* The full reading mode's /summary: its layout in *sl, its columns checked
 * and its row count in *rows, no row read; 0 or -1. */
static int summary_table_read(struct rd *rd, hid_t file, struct summary_layout *sl, size_t *rows)
{
	summary_layout(sl);
	return table_read(rd, file, "summary", "/summary", sl->col, sl->n, sl->row_size, NULL, NULL,
	                  rows);
}

/* The summary reading mode's runs, made when /summary's row count is known
 * (table_read sets it before the first row): one per row, and as many as
 * /runs has groups. */
struct summary_runs {
	const struct summary_layout *sl;
	hid_t file, runs; /* runs: /runs once opened (H5I_INVALID_HID before) */
	const size_t *rows;
};

static int summary_runs_begin(struct rd *rd, struct summary_runs *c)
{
	struct results *r = rd->r;
	size_t rows = *c->rows;
	if (open_group(rd, c->file, "runs", "/runs", &c->runs, ""))
		return -1;
	H5G_info_t info;
	if (H5Gget_info(c->runs, &info) < 0)
		return fail(rd, true, "/runs: cannot list");
	if (info.nlinks != rows)
		return fail(rd, false, "/summary: %zu rows, expected one per run (%llu)", rows,
		            (unsigned long long)info.nlinks);
	if (!(r->runs = calloc(rows + 1, sizeof *r->runs)))
		return fail(rd, false, "out of memory");
	for (size_t n = 0; n < rows; n++)
		trace_init(&r->runs[n].trace);
	r->n_runs = rows;
	return 0;
}

static int summary_runs_row(struct rd *rd, void *ctx, const void *row, size_t i,
                            const char *objpath)
{
	struct summary_runs *c = ctx;
	if (i == 0 && summary_runs_begin(rd, c))
		return -1;
	return summary_row(rd, (void *)c->sl, row, i, objpath);
}

/* RESULTS_READ_SUMMARY: the runs from /summary (one table, read once) and
 * their devices from /devices (or, in a file written before it existed,
 * each run's devices table); nothing else of /runs/<n> is opened. */
static int read_summary_runs(struct rd *rd, hid_t file)
{
	struct results *r = rd->r;
	struct summary_layout sl;
	size_t rows = 0;
	summary_layout(&sl);
	struct summary_runs c = {&sl, file, H5I_INVALID_HID, &rows};
	int rc = table_read(rd, file, "summary", "/summary", sl.col, sl.n, sl.row_size,
	                    summary_runs_row, &c, &rows);
	if (!rc && c.runs < 0) /* no rows: no row made the runs */
		rc = summary_runs_begin(rd, &c);
	htri_t one_table = rc ? 0 : H5Lexists(file, "devices", H5P_DEFAULT);
	if (one_table < 0)
		rc = fail(rd, true, "/devices: cannot look it up");
	else if (one_table)
		rc = read_devices_table(rd, file);
	char name[32], objpath[64];
	for (size_t n = 0; !rc && !one_table && n < rows; n++) {
		hid_t g;
		snprintf(name, sizeof name, "%zu", n);
		snprintf(objpath, sizeof objpath, "/runs/%zu", n);
		rc = open_group(rd, c.runs, name, objpath, &g, "");
		if (!rc) {
			rc = read_devices(rd, g, objpath, &r->runs[n]);
			H5Gclose(g);
		}
	}
	if (c.runs >= 0)
		H5Gclose(c.runs);
	return rc ? -1 : check_unique(rd, "/summary row ");
}

static int read_file(struct rd *rd, hid_t file)
{
	struct results *r = rd->r;
	hid_t g;
	if (open_group(rd, file, "meta", "/meta", &g, ": not a switchover result file"))
		return -1;
	int32_t version = 0;
	struct field vf = {"schema_version", 0, F_I32, 4};
	int rc = attr_get(rd, g, "/meta", &vf, &version);
	if (!rc && version > RESULTS_SCHEMA_VERSION)
		rc = fail(rd, false, "schema version %d is newer than this switchover (%d)",
		          version, RESULTS_SCHEMA_VERSION);
	else if (!rc && version < 1)
		rc = fail(rd, false, "/meta: schema version %d is not valid (versions start at 1)",
		          version);
	r->schema_version = version;
	for (size_t i = 0; !rc && i < NFIELDS(meta_fields); i++)
		rc = attr_get(rd, g, "/meta", &meta_fields[i], r);
	H5Gclose(g);
	if (rc)
		return -1;

	/* A sweep's /summary has a row for every run, /runs only the traced
	 * ones: say what it is rather than that the two disagree. */
	if (H5Lexists(file, "points", H5P_DEFAULT) > 0)
		return fail(rd, false,
		            "a sweep file (it has /points): `switchover report` draws it; this "
		            "command reads the result files of sim and real (docs/sweep.md)");
	hid_t d;
	if (open_dataset(rd, file, "scenario", "/scenario", &d))
		return -1;
	rc = read_string(rd, H5I_INVALID_HID, d, "/scenario", &r->scenario_yaml);
	H5Dclose(d);
	if (rc)
		return -1;
	char name[1100], err[1024];
	snprintf(name, sizeof name, "%s:/scenario", rd->path);
	if (scenario_load_text(name, r->scenario_yaml, strlen(r->scenario_yaml), NULL, 0,
	                       &r->scenario, err, sizeof err)) {
		snprintf(rd->err, rd->errlen, "%s", err);
		return -1;
	}
	if (strcmp(r->scenario->name, r->scenario_name))
		return fail(rd, false, "/scenario is scenario '%s' but /meta says '%s'",
		            r->scenario->name, r->scenario_name);
	if (strcmp(r->backend, "sim") && strcmp(r->backend, "real") && strcmp(r->backend, "qemu"))
		return fail(rd, false, "/meta: backend '%s' unknown (expected sim, real or qemu)",
		            r->backend);

	if (rd->flags & RESULTS_READ_SUMMARY)
		return read_summary_runs(rd, file);
	hid_t runs;
	if (open_group(rd, file, "runs", "/runs", &runs, ""))
		return -1;
	H5G_info_t info;
	if (H5Gget_info(runs, &info) < 0) {
		H5Gclose(runs);
		return fail(rd, true, "/runs: cannot list");
	}
	if (info.nlinks > rd->file_size) {
		H5Gclose(runs);
		return fail(rd, false, "/runs: %llu runs cannot be in this file (damaged)",
		            (unsigned long long)info.nlinks);
	}
	r->runs = calloc((size_t)info.nlinks + 1, sizeof *r->runs);
	if (!r->runs) {
		H5Gclose(runs);
		return fail(rd, false, "out of memory");
	}
	for (size_t n = 0; !rc && n < info.nlinks; n++) {
		trace_init(&r->runs[n].trace);
		r->n_runs = n + 1;
		rc = read_run(rd, runs, n, &r->runs[n]);
	}
	H5Gclose(runs);
	if (rc)
		return -1;
	if (check_unique(rd, "/runs/"))
		return -1;

	struct summary_layout sl;
	size_t rows;
	if (summary_table_read(rd, file, &sl, &rows))
		return -1;
	if (rows != r->n_runs)
		return fail(rd, false, "/summary: %zu rows, expected one per run (%zu)", rows,
		            r->n_runs);
	return rd->has_header ? 0 : check_tables(rd, file, &sl);
}

static int read_path(const char *path, unsigned flags, bool trial, struct results **out, char *err,
                     size_t errlen);

/* HDF5 1.10 crashes on some damaged files, and a file without our header
 * has no checksum to catch the damage first: it is read once in a child
 * process, where a crash is only a status, before it is read here. */
static int trial_read(struct rd *rd)
{
	pid_t pid = fork();
	if (pid < 0)
		return fail(rd, false, "cannot start the process that checks it: %s",
		            strerror(errno));
	if (pid == 0) {
		struct results *r;
		char e[8];
		_exit(read_path(rd->path, rd->flags, false, &r, e, sizeof e) ? 3 : 0);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return fail(rd, false, "cannot check it: %s", strerror(errno));
	if (WIFEXITED(st) && (WEXITSTATUS(st) == 0 || WEXITSTATUS(st) == 3))
		return 0;
	return fail(rd, false,
	            "damaged: HDF5 fails on it (%s), and without the switchover header (first "
	            "512 bytes) no checksum tells where",
	            WIFSIGNALED(st) ? strsignal(WTERMSIG(st)) : "it ended the reading process");
}

/* Types, header check and the file open for reading (rd->path); `trial`:
 * a file without the header is read in a child first (trial_read). */
static int open_file(struct rd *rd, bool trial, hid_t *file, hid_t *fapl)
{
	if (types_create(&rd->ty))
		return fail(rd, true, "cannot set up HDF5 types");
	if (check_header(rd))
		return -1;
	if (H5Fis_hdf5(rd->path) <= 0)
		return fail(rd, false, "not an HDF5 file");
	if (trial && !rd->has_header && trial_read(rd))
		return -1;
	*fapl = H5Pcreate(H5P_FILE_ACCESS);
	if (*fapl < 0 || H5Pset_fclose_degree(*fapl, H5F_CLOSE_STRONG) < 0)
		return fail(rd, true, "cannot set up HDF5");
	*file = H5Fopen(rd->path, H5F_ACC_RDONLY, *fapl);
	if (*file < 0)
		return fail(rd, true, "cannot open the HDF5 file");
	return 0;
}

/* What open_file opened (either may be invalid). */
static void close_file(struct rd *rd, hid_t file, hid_t fapl)
{
	if (file >= 0)
		H5Fclose(file);
	if (fapl >= 0)
		H5Pclose(fapl);
	types_close(&rd->ty);
}

int results_read_flags(const char *path, unsigned flags, struct results **out, char *err,
                       size_t errlen)
{
	return read_path(path, flags, true, out, err, errlen);
}

/* results_read_flags; `trial`: read a file without the header in a child
 * first. */
static int read_path(const char *path, unsigned flags, bool trial, struct results **out, char *err,
                     size_t errlen)
{
	struct h5_quiet q;
	quiet_begin(&q);
	*out = NULL;
	struct rd rd = {.path = path, .err = err, .errlen = errlen, .flags = flags};
	hid_t file = H5I_INVALID_HID, fapl = H5I_INVALID_HID;
	int rc = -1;
	if (open_file(&rd, trial, &file, &fapl))
		goto out;
	rd.r = calloc(1, sizeof *rd.r);
	if (!rd.r) {
		fail(&rd, false, "out of memory");
		goto out;
	}
	if (read_file(&rd, file))
		goto out;
	*out = rd.r;
	rd.r = NULL;
	rc = 0;
out:
	results_free(rd.r);
	close_file(&rd, file, fapl);
	quiet_end(&q);
	return rc;
}

int results_read(const char *path, struct results **out, char *err, size_t errlen)
{
	return results_read_flags(path, 0, out, err, errlen);
}

void results_free(struct results *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_runs; i++) {
		trace_free(&r->runs[i].trace);
		summary_free(&r->runs[i].sum);
	}
	free(r->runs);
	free(r->scenario_yaml);
	scenario_free(r->scenario);
	free(r);
}

/* ---- tables of run-time columns (sweep files) -------------------------- */

/* Every column of the table d into t: numbers through a one-member
 * compound of native double, strings through one of a fixed-length string. */
static int table_columns(struct rd *rd, hid_t d, hid_t ft, const char *objpath,
                         struct results_table *t)
{
	size_t n = t->n_rows;
	for (size_t c = 0; c < t->n_cols; c++) {
		char *name = H5Tget_member_name(ft, (unsigned)c);
		H5T_class_t cls = H5Tget_member_class(ft, (unsigned)c);
		hid_t mtype = H5Tget_member_type(ft, (unsigned)c);
		t->names[c] = name ? strdup(name) : NULL;
		int rc = -1;
		if (!name || mtype < 0 || !t->names[c]) {
			fail(rd, true, "%s: cannot read column %zu", objpath, c);
		} else if (cls == H5T_STRING && H5Tis_variable_str(mtype) == 0) {
			size_t len = H5Tget_size(mtype) + 1;
			hid_t st = H5Tcopy(H5T_C_S1), ct = H5Tcreate(H5T_COMPOUND, len);
			char *buf = calloc(n + 1, len);
			t->is_text[c] = true;
			/* HDF5 converts no string between character sets: read it in its own. */
			if (st >= 0 && ct >= 0 && buf && H5Tset_size(st, len) >= 0 &&
			    H5Tset_strpad(st, H5T_STR_NULLTERM) >= 0 &&
			    H5Tset_cset(st, H5Tget_cset(mtype)) >= 0 &&
			    H5Tinsert(ct, name, 0, st) >= 0 &&
			    (!n || H5Dread(d, ct, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0)) {
				rc = 0;
				for (size_t r = 0; !rc && r < n; r++)
					if (!(t->text[r * t->n_cols + c] = strdup(buf + r * len)))
						rc = fail(rd, false, "out of memory");
			} else {
				fail(rd, true, "%s: cannot read column '%s'", objpath, name);
			}
			for (size_t r = 0; r < n; r++)
				t->num[r * t->n_cols + c] = NAN;
			free(buf);
			if (ct >= 0)
				H5Tclose(ct);
			if (st >= 0)
				H5Tclose(st);
		} else if (cls == H5T_INTEGER || cls == H5T_FLOAT) {
			hid_t ct = H5Tcreate(H5T_COMPOUND, sizeof(double));
			double *buf = calloc(n + 1, sizeof *buf);
			if (ct >= 0 && buf && H5Tinsert(ct, name, 0, H5T_NATIVE_DOUBLE) >= 0 &&
			    (!n || H5Dread(d, ct, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0)) {
				for (size_t r = 0; r < n; r++)
					t->num[r * t->n_cols + c] = buf[r];
				rc = 0;
			} else {
				fail(rd, true, "%s: cannot read column '%s'", objpath, name);
			}
			free(buf);
			if (ct >= 0)
				H5Tclose(ct);
		} else {
			fail(rd, false, "%s: column '%s' is %s, expected a number or a string",
			     objpath, name, class_name(cls));
		}
		if (mtype >= 0)
			H5Tclose(mtype);
		H5free_memory(name);
		if (rc)
			return -1;
	}
	return 0;
}

int results_table_read(const char *path, const char *name, struct results_table **out, char *err,
                       size_t errlen)
{
	struct h5_quiet q;
	quiet_begin(&q);
	*out = NULL;
	struct rd rd = {.path = path, .err = err, .errlen = errlen};
	hid_t file = H5I_INVALID_HID, fapl = H5I_INVALID_HID, d = H5I_INVALID_HID;
	hid_t ft = H5I_INVALID_HID, sp = H5I_INVALID_HID;
	struct results_table *t = calloc(1, sizeof *t);
	char objpath[160];
	int rc = -1;
	snprintf(objpath, sizeof objpath, "/%s", name);
	if (!t) {
		fail(&rd, false, "out of memory");
		goto out;
	}
	if (open_file(&rd, true, &file, &fapl) || open_dataset(&rd, file, name, objpath, &d))
		goto out;
	ft = H5Dget_type(d);
	sp = H5Dget_space(d);
	hsize_t dims[H5S_MAX_RANK];
	if (ft < 0 || sp < 0 || H5Tget_class(ft) != H5T_COMPOUND ||
	    H5Sget_simple_extent_ndims(sp) != 1 || H5Sget_simple_extent_dims(sp, dims, NULL) != 1) {
		fail(&rd, ft < 0 || sp < 0, "%s is not a one-dimensional table", objpath);
		goto out;
	}
	int nm = H5Tget_nmembers(ft);
	size_t rowbytes = H5Tget_size(ft);
	if (nm <= 0 || rowbytes == 0 || dims[0] > rd.file_size / rowbytes) {
		fail(&rd, false, "%s: %llu rows of %zu bytes cannot be in this file (damaged)",
		     objpath, (unsigned long long)dims[0], rowbytes);
		goto out;
	}
	t->n_cols = (size_t)nm;
	t->n_rows = (size_t)dims[0];
	t->raw_len = t->n_rows * rowbytes;
	t->names = calloc(t->n_cols, sizeof *t->names);
	t->is_text = calloc(t->n_cols, sizeof *t->is_text);
	t->num = calloc(t->n_rows * t->n_cols + 1, sizeof *t->num);
	t->text = calloc(t->n_rows * t->n_cols + 1, sizeof *t->text);
	t->raw = malloc(t->raw_len + 1);
	if (!t->names || !t->is_text || !t->num || !t->text || !t->raw) {
		fail(&rd, false, "out of memory");
		goto out;
	}
	if (t->n_rows && H5Dread(d, ft, H5S_ALL, H5S_ALL, H5P_DEFAULT, t->raw) < 0) {
		fail(&rd, true, "%s: cannot read", objpath);
		goto out;
	}
	if (table_columns(&rd, d, ft, objpath, t))
		goto out;
	*out = t;
	t = NULL;
	rc = 0;
out:
	results_table_free(t);
	if (sp >= 0)
		H5Sclose(sp);
	if (ft >= 0)
		H5Tclose(ft);
	if (d >= 0)
		H5Dclose(d);
	close_file(&rd, file, fapl);
	quiet_end(&q);
	return rc;
}

long results_table_col(const struct results_table *t, const char *name)
{
	for (size_t c = 0; c < t->n_cols; c++)
		if (t->names[c] && !strcmp(t->names[c], name))
			return (long)c;
	return -1;
}

int results_table_summary(const struct results_table *t, size_t row, struct run_summary *out,
                          char *err, size_t errlen)
{
	struct summary_layout L;
	summary_layout(&L);
	memset(out, 0, sizeof *out);
	for (size_t c = 4; c < L.n; c++) {
		const struct field *f = L.src[c];
		long col = results_table_col(t, f->name);
		if (col < 0 || t->is_text[col] != (f->type == F_FSTR)) {
			snprintf(err, errlen, "no %s column %s",
			         f->type == F_FSTR ? "text" : "number", f->name);
			return -1;
		}
		char *to = (char *)out + f->off;
		double v = t->num[row * t->n_cols + (size_t)col];
		switch (f->type) {
		case F_FSTR:
			snprintf(to, f->len, "%s", t->text[row * t->n_cols + (size_t)col]);
			break;
		case F_F64:
			*(double *)to = v;
			break;
		case F_I32:
			*(int32_t *)to = (int32_t)v;
			break;
		case F_U32:
			*(uint32_t *)to = (uint32_t)v;
			break;
		case F_U64:
			*(uint64_t *)to = (uint64_t)v;
			break;
		default: /* F_BOOL: the summary has no other type */
			*(bool *)to = v != 0;
			break;
		}
	}
	return 0;
}

void results_table_free(struct results_table *t)
{
	if (!t)
		return;
	for (size_t c = 0; t->names && c < t->n_cols; c++)
		free(t->names[c]);
	for (size_t i = 0; t->text && i < t->n_rows * t->n_cols; i++)
		free(t->text[i]);
	free(t->names);
	free(t->is_text);
	free(t->num);
	free(t->text);
	free(t->raw);
	free(t);
}
