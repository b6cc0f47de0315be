/*
 * sweep_mpi.c - `mpirun -n K switchover sweep ...` (docs/sweep.md): rank 0
 * hands the points out one at a time to ranks 1..K-1 as they become free
 * (points differ in cost by orders of magnitude, so a fixed share would
 * leave ranks idle), receives each point's record and is the only rank that
 * writes: the checkpoint as points finish, the result file at the end.
 * Every rank builds the same plan from the same command line, so a point is
 * sent as its number and comes back as the record a -j worker would send.
 */
#include <mpi.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sweep.h"

enum { TAG_POINT = 1, TAG_STOP, TAG_RECORD, TAG_ERROR };

bool sweep_mpi_launched(void)
{
	/* OpenMPI's mpirun, and PMIx / PMI launchers (srun --mpi=pmix). */
	static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"};
	for (size_t i = 0; i < G_N_ELEMENTS(vars); i++)
		if (getenv(vars[i]))
			return true;
	return false;
}

int sweep_mpi_init(int *rank, int *size)
{
	int argc = 0;
	char **argv = NULL;
	if (MPI_Init(&argc, &argv) != MPI_SUCCESS)
		return -1;
	MPI_Comm_rank(MPI_COMM_WORLD, rank);
	MPI_Comm_size(MPI_COMM_WORLD, size);
	return 0;
}

void sweep_mpi_finalize(void)
{
	MPI_Finalize();
}

void sweep_mpi_abort(int status)
{
	MPI_Abort(MPI_COMM_WORLD, status);
}

int sweep_mpi_worker(const struct sweep_plan *pl)
{
	/* Ctrl-C reaches every rank; rank 0 decides what it means. */
	signal(SIGINT, SIG_IGN);
	GByteArray *rec = g_byte_array_new();
	char err[1024];
	int rc = 0;
	for (;;) {
		uint32_t p;
		MPI_Status st;
		MPI_Recv(&p, 1, MPI_UINT32_T, 0, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
		if (st.MPI_TAG != TAG_POINT)
			break;
		if (sweep_record_run(pl, p, NULL, rec, err, sizeof err)) {
			MPI_Send(err, (int)strlen(err) + 1, MPI_CHAR, 0, TAG_ERROR, MPI_COMM_WORLD);
			rc = -1;
			continue; /* rank 0 stops everyone */
		}
		MPI_Send(rec->data, (int)rec->len, MPI_BYTE, 0, TAG_RECORD, MPI_COMM_WORLD);
	}
	g_byte_array_unref(rec);
	return rc;
}

/* The next point not yet finished, or n_points. */
static size_t next_point(const struct sweep_plan *pl, GBytes *const *have, size_t *next)
{
	while (*next < pl->n_points && have[*next])
		(*next)++;
	return *next < pl->n_points ? (*next)++ : pl->n_points;
}

/* Send `rank` the next unfinished point (true) or, when none is left, a stop. */
static bool hand_out(const struct sweep_plan *pl, GBytes *const *have, size_t *next, int rank)
{
	size_t p = next_point(pl, have, next);
	uint32_t v = (uint32_t)p;
	MPI_Send(&v, 1, MPI_UINT32_T, rank, p < pl->n_points ? TAG_POINT : TAG_STOP,
	         MPI_COMM_WORLD);
	return p < pl->n_points;
}

int sweep_mpi_master(const struct sweep_plan *pl, GBytes *const *have, int size,
                     int (*done)(void *ctx, size_t p, const void *rec, size_t len), void *ctx,
                     const volatile sig_atomic_t *interrupted, char *err, size_t errlen)
{
	size_t next = 0;
	int busy = 0, rc = 0;
	/* Every rank gets a point or, when there are fewer points, a stop. */
	for (int r = 1; r < size; r++)
		busy += hand_out(pl, have, &next, r);
	GByteArray *buf = g_byte_array_new();
	struct timespec nap = {0, 1000000};
	while (busy) {
		int flag = 0;
		MPI_Status st;
		/* Probe rather than block, so that Ctrl-C is seen between records. */
		MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
		if (!flag) {
			if (*interrupted)
				break;
			nanosleep(&nap, NULL);
			continue;
		}
		int len;
		MPI_Get_count(&st, MPI_BYTE, &len);
		g_byte_array_set_size(buf, (guint)len + 1);
		MPI_Recv(buf->data, len, MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD,
		         MPI_STATUS_IGNORE);
		busy--;
		if (st.MPI_TAG == TAG_ERROR) {
			buf->data[len] = 0;
			snprintf(err, errlen, "rank %d: %s", st.MPI_SOURCE, (char *)buf->data);
			rc = -1;
		} else {
			long p = sweep_record_point(buf->data, (size_t)len, pl->n_points);
			if (p < 0 || have[p]) {
				snprintf(err, errlen, "rank %d sent a damaged record",
				         st.MPI_SOURCE);
				rc = -1;
			} else if (done(ctx, (size_t)p, buf->data, (size_t)len)) {
				snprintf(err, errlen, "cannot keep point %ld", p);
				rc = -1;
			}
		}
		if (rc || *interrupted)
			break;
		busy += hand_out(pl, have, &next, st.MPI_SOURCE);
	}
	g_byte_array_unref(buf);
	/* Interrupted or failed with ranks still at work: rank 0 ends the job
	 * (the caller aborts it); otherwise every rank has been stopped. */
	return rc ? -1 : busy ? 1 : 0;
}
