/*
 * emu.c - the emulated VFIO device (see emu.h).
 *
 * Costs are deadlines, not sleeps added to the work: an arc of drawn
 * latency L that also opens a data fd and starts a thread takes max(L, that
 * work), as the same arc takes L in sim.  The bytes of device i at stream
 * offset k are base[(k + shift(i)) mod P], P prime and shift(i) = 4099 i
 * mod P: a chunk shifted, dropped, duplicated or from another device (two
 * devices' streams only coincide if their indices differ by a multiple of
 * P) does not match.  One table serves every device, and the device threads
 * write and compare straight from it, so the pattern costs no work per byte
 * that a real device's DMA would not.
 *
 * How many bytes each read yields, and what saving and loading cost, is the
 * shared model's (models/device_model.c): a PRE_COPY device streams its
 * header and full image in precopy and only the header and the increment at
 * STOP_COPY, a device without PRE_COPY its full image at STOP_COPY; the
 * destination checks every byte it loads.
 */
#include "emu.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "device_model.h"
#include "rt_pthread.h"
#include "transport.h"

#define PATTERN_PERIOD 65521u /* prime */
#define CHUNK          65536u /* device thread I/O unit */
#define THREAD_STACK   ((size_t)128 * 1024)

/* base[j] for j in [0, P + CHUNK): any CHUNK bytes of a stream are one
 * contiguous slice. */
static uint8_t pattern[PATTERN_PERIOD + CHUNK];
static pthread_once_t pattern_once = PTHREAD_ONCE_INIT;

static void pattern_init(void)
{
	uint64_t x = UINT64_C(0x9e3779b97f4a7c15);
	for (unsigned i = 0; i < PATTERN_PERIOD; i++) {
		x ^= x << 13; /* xorshift64 */
		x ^= x >> 7;
		x ^= x << 17;
		pattern[i] = (uint8_t)(x >> 32);
	}
	/* CHUNK > PATTERN_PERIOD: the extension overlaps its source, so copy
	 * forward byte by byte (memcpy on overlapping ranges is undefined). */
	for (unsigned i = PATTERN_PERIOD; i < PATTERN_PERIOD + CHUNK; i++)
		pattern[i] = pattern[i - PATTERN_PERIOD];
}

/* The device's bytes at stream offset `off`, at least CHUNK of them. */
static const uint8_t *pattern_at(uint64_t off, unsigned shift)
{
	return pattern + (off + shift) % PATTERN_PERIOD;
}

struct emu_dev {
	struct device d;
	struct devmodel m;
	struct rt *rt;
	struct rt_sem *domain;
	double io_timeout_s;
	unsigned shift; /* where the device's stream starts in the pattern */
	/* The data session: the engine's end of the data fd and the device
	 * thread on the other end.  fd < 0: none open. */
	int fd, dev_fd;
	bool saving; /* feeder (saving) or checker (resuming) */
	pthread_t th;
	pthread_mutex_t lk;
	pthread_cond_t cv;
	uint64_t grant;  /* saving: bytes the feeder may still produce (lk) */
	bool final;      /* saving: end of state after them (lk) */
	bool quit;       /* the session is closing (lk) */
	uint64_t offset; /* bytes through the session (device thread; read after join) */
	/* Stop-copy data not yet granted to the feeder, and granted but not
	 * yet read (engine side only). */
	uint64_t sc_ungranted, sc_ahead;
	bool corrupt; /* resuming: a byte did not match (idem) */
	/* Resuming: bytes written since the last write that completed an
	 * image (engine side): an image cut short, its tail missing. */
	uint64_t unended;
};

static struct emu_dev *emu_of(struct device *d)
{
	return (struct emu_dev *)d;
}

/* ---- device threads ---- */

static void *feeder_main(void *arg)
{
	struct emu_dev *e = arg;
	rtp_cpu_begin("src emu-feeder");
	for (bool ok = true; ok;) {
		pthread_mutex_lock(&e->lk);
		while (!e->grant && !e->final && !e->quit)
			pthread_cond_wait(&e->cv, &e->lk);
		uint64_t n = e->grant < CHUNK ? e->grant : CHUNK;
		e->grant -= n;
		ok = n && !e->quit;
		pthread_mutex_unlock(&e->lk);
		if (!ok)
			break;
		/* Blocks while the engine does not read: the engine's end
		 * closing (session_close) is what ends it then. */
		ok = transport_write_full(e->dev_fd, pattern_at(e->offset, e->shift), (size_t)n,
		                          INFINITY) == 0;
		e->offset += n;
	}
	shutdown(e->dev_fd, SHUT_WR); /* end of file: end of state */
	rtp_cpu_note("emu-feeder");
	return NULL;
}

static void *checker_main(void *arg)
{
	struct emu_dev *e = arg;
	rtp_cpu_begin("dst emu-checker");
	uint8_t *buf = malloc(CHUNK);
	for (;;) {
		ssize_t n = buf ? recv(e->dev_fd, buf, CHUNK, 0) : -1;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			e->corrupt = true; /* the load could not be checked: fail it */
		if (n <= 0)
			break;
		if (memcmp(buf, pattern_at(e->offset, e->shift), (size_t)n))
			e->corrupt = true;
		e->offset += (uint64_t)n;
	}
	free(buf);
	rtp_cpu_note("emu-checker");
	return NULL;
}

/* ---- data sessions ---- */

static int session_open(struct emu_dev *e, bool saving)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -errno;
	e->fd = sv[0];
	e->dev_fd = sv[1];
	transport_grow_send_buffer(saving ? e->dev_fd : e->fd);
	e->saving = saving;
	e->grant = 0;
	e->final = e->quit = e->corrupt = false;
	e->offset = 0;
	e->unended = 0;
	pthread_attr_t a;
	int rc = pthread_attr_init(&a);
	if (!rc) {
		pthread_attr_setstacksize(&a, THREAD_STACK);
		rc = pthread_create(&e->th, &a, saving ? feeder_main : checker_main, e);
		pthread_attr_destroy(&a);
	}
	if (rc) {
		close(sv[0]);
		close(sv[1]);
		e->fd = -1;
		return -rc;
	}
	return 0;
}

/* Close the data fd; resuming: 0 when every byte loaded was the device's
 * own in order and the last image written was complete, else -EIO. */
static int session_close(struct emu_dev *e)
{
	if (e->fd < 0)
		return 0;
	pthread_mutex_lock(&e->lk);
	e->quit = true;
	pthread_cond_signal(&e->cv);
	pthread_mutex_unlock(&e->lk);
	/* Saving: unblock the feeder.  Resuming: end of data, once the checker
	 * has drained what was written. */
	shutdown(e->fd, e->saving ? SHUT_RDWR : SHUT_WR);
	pthread_join(e->th, NULL);
	close(e->fd);
	close(e->dev_fd);
	e->fd = e->dev_fd = -1;
	return !e->saving && (e->corrupt || e->unended) ? -EIO : 0;
}

static void grant(struct emu_dev *e, uint64_t bytes, bool final)
{
	pthread_mutex_lock(&e->lk);
	e->grant += bytes;
	e->final = e->final || final;
	pthread_cond_signal(&e->cv);
	pthread_mutex_unlock(&e->lk);
}

/* ---- costs ---- */

/* Work starts once the contention domain admits the device. */
static double work_begin(struct emu_dev *e)
{
	if (e->domain)
		e->rt->ops->sem_acquire(e->domain);
	return rt_now(e->rt);
}

/*
 * Work that began at t0 and costs `cost` ends no earlier than t0 + cost.
 * The group's arc_cpu_fraction of the cost is CPU work, burnt here
 * (rt_compute) as sim computes it (sim_device.c, work); what the burn took
 * beyond its CPU time is time the thread waited for a core, and moves the
 * end later by as much, as waiting for a core does in sim.  Returns how
 * long it took.
 */
static double work_end(struct emu_dev *e, double t0, double cost)
{
	double cpu = e->m.g->arc_cpu_fraction * cost, stalled = 0;
	if (cpu > 0) {
		double b0 = rt_now(e->rt);
		rt_compute(e->rt, cpu);
		stalled = rt_now(e->rt) - b0 - cpu;
	}
	rt_sleep(e->rt, t0 + cost + (stalled > 0 ? stalled : 0) - rt_now(e->rt));
	double took = rt_now(e->rt) - t0;
	if (e->domain)
		e->rt->ops->sem_release(e->domain);
	return took;
}

/* ---- device.h ---- */

/*
 * Entering STOP_COPY, inside the arc's time: the state to come is the
 * stop-copy size the device reports now, and the feeder produces its first
 * chunk during the arc, so the engine's first read finds it ready as in
 * sim.  The rest is produced as it is read, a chunk ahead (emu_read): when
 * many devices enter STOP_COPY together, their whole states at once would
 * fall into the joins of the pass.
 */
static void stopcopy_begin(struct emu_dev *e)
{
	uint64_t total = devmodel_stop_copy_size(&e->m, &e->d);
	uint64_t first = total < e->m.s->chunk_bytes ? total : e->m.s->chunk_bytes;
	e->sc_ungranted = total - first;
	e->sc_ahead = first;
	grant(e, first, e->sc_ungranted == 0);
}

static int emu_set_state(struct device *d, enum vfio_state to)
{
	struct emu_dev *e = emu_of(d);
	enum vfio_state from = d->state;
	double lat;
	bool fail;
	int rc = devmodel_arc_begin(&e->m, d, rt_now(e->rt), to, &lat, &fail);
	if (rc)
		return rc;
	double t0 = work_begin(e);
	if (!fail && !vfio_fsm_is_saving(from) && vfio_fsm_is_saving(to))
		rc = session_open(e, true);
	else if (!fail && vfio_fsm_is_saving(from) && !vfio_fsm_is_saving(to))
		rc = session_close(e);
	else if (!fail && to == VFIO_STATE_RESUMING)
		rc = session_open(e, false);
	else if (!fail && from == VFIO_STATE_RESUMING)
		rc = session_close(e); /* validates the loaded state */
	if (!fail && !rc && to == VFIO_STATE_STOP_COPY)
		stopcopy_begin(e);
	d->last_work_s = work_end(e, t0, lat);
	if (fail || rc) {
		d->state = VFIO_STATE_ERROR;
		return fail ? -EIO : rc;
	}
	devmodel_arc_end(&e->m, d, rt_now(e->rt), to);
	d->state = to;
	return 0;
}

static int emu_enable_v2(struct device *d)
{
	return devmodel_enable_v2(&emu_of(d)->m);
}

static void query_work(struct emu_dev *e)
{
	double cost = devmodel_query_begin(&e->m, &e->d, rt_now(e->rt));
	work_end(e, work_begin(e), cost);
}

static int emu_precopy_info(struct device *d, struct device_precopy_info *out)
{
	struct emu_dev *e = emu_of(d);
	if (!vfio_fsm_is_precopy(d->state))
		return -EINVAL;
	query_work(e);
	return devmodel_precopy_info(&e->m, d, rt_now(e->rt), out);
}

static int emu_stop_copy_size(struct device *d, uint64_t *bytes)
{
	struct emu_dev *e = emu_of(d);
	query_work(e);
	*bytes = devmodel_stop_copy_size(&e->m, d);
	return 0;
}

static int emu_read(struct device *d, void *buf, uint64_t max, uint64_t *got, uint32_t *hint)
{
	struct emu_dev *e = emu_of(d);
	/* A read of an incremental image waits for its save, as in sim. */
	rt_sleep(e->rt, devmodel_read_wait(&e->m, d, rt_now(e->rt)));
	int rc = devmodel_read(&e->m, d, rt_now(e->rt), max, got, hint);
	if (rc)
		return rc;
	if (e->fd < 0)
		return -EBADF;
	double deadline = transport_now() + e->io_timeout_s;
	if (d->state != VFIO_STATE_STOP_COPY) {
		if (*got)
			grant(e, *got, false); /* precopy data appears as it is asked for */
	} else if (e->sc_ahead < *got + max || !*got) {
		/* This chunk and the next: the feeder works on the next one
		 * while the engine sends this one. */
		uint64_t more = *got + max - (e->sc_ahead < *got + max ? e->sc_ahead : *got + max);
		if (more > e->sc_ungranted)
			more = e->sc_ungranted;
		e->sc_ungranted -= more;
		e->sc_ahead += more;
		grant(e, more, e->sc_ungranted == 0);
	}
	if (d->state == VFIO_STATE_STOP_COPY)
		e->sc_ahead -= *got < e->sc_ahead ? *got : e->sc_ahead;
	if (*got)
		return transport_read_full(e->fd, buf, *got, deadline) ? -EIO : 0;
	if (d->state != VFIO_STATE_STOP_COPY)
		return 0;
	/* End of state: the data fd must be at end of file too. */
	uint8_t extra;
	return transport_read_full(e->fd, &extra, 1, deadline) == -EPIPE ? 0 : -EIO;
}

static int emu_write(struct device *d, const void *buf, uint64_t bytes, uint32_t hint)
{
	struct emu_dev *e = emu_of(d);
	if (d->state != VFIO_STATE_RESUMING || e->fd < 0 || (!buf && bytes))
		return -EINVAL;
	double cost = devmodel_load_cost(&e->m, bytes, hint);
	double t0 = work_begin(e);
	int rc = transport_write_full(e->fd, buf, (size_t)bytes, transport_now() + e->io_timeout_s);
	work_end(e, t0, cost);
	e->unended = hint & DEVICE_DATA_IMAGE_END ? 0 : e->unended + bytes;
	return rc ? -EIO : 0;
}

static int emu_reset(struct device *d)
{
	struct emu_dev *e = emu_of(d);
	double lat = devmodel_reset_begin(&e->m);
	double t0 = work_begin(e);
	session_close(e);
	d->last_work_s = work_end(e, t0, lat);
	d->state = VFIO_STATE_RUNNING;
	devmodel_reset_end(&e->m);
	return 0;
}

static void emu_free(struct device *d)
{
	struct emu_dev *e = emu_of(d);
	session_close(e);
	devmodel_free(&e->m);
	pthread_cond_destroy(&e->cv);
	pthread_mutex_destroy(&e->lk);
	free(e);
}

static const struct device_ops emu_ops = {
    .kind = "emu",
    .enable_precopy_info_v2 = emu_enable_v2,
    .set_state = emu_set_state,
    .precopy_info = emu_precopy_info,
    .stop_copy_size = emu_stop_copy_size,
    .read = emu_read,
    .write = emu_write,
    .reset = emu_reset,
    .free = emu_free,
};

uint64_t emu_checked_bytes(const struct device *d)
{
	const struct emu_dev *e = (const struct emu_dev *)d;
	return e->saving ? 0 : e->offset;
}

struct device *emu_new(struct rt *rt, const struct scenario *s, size_t index, enum rt_side side,
                       unsigned run, struct rt_sem *domain, double io_timeout_s)
{
	pthread_once(&pattern_once, pattern_init);
	struct emu_dev *e = calloc(1, sizeof *e);
	if (!e)
		return NULL;
	if (devmodel_init(&e->m, &e->d, s, index, side, run)) {
		free(e);
		return NULL;
	}
	if (pthread_mutex_init(&e->lk, NULL) || pthread_cond_init(&e->cv, NULL)) {
		devmodel_free(&e->m);
		free(e);
		return NULL;
	}
	e->rt = rt;
	e->domain = domain;
	e->io_timeout_s = io_timeout_s;
	e->shift = (unsigned)((4099u * (uint64_t)index) % PATTERN_PERIOD);
	e->fd = e->dev_fd = -1;
	e->d.ops = &emu_ops;
	e->d.priv = e;
	return &e->d;
}
