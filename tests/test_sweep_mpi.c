/*
 * test_sweep_mpi.c - `mpirun --oversubscribe -n 3 switchover sweep` on this
 * one machine writes the same /points and /summary as `switchover sweep`
 * without MPI (-j 1): rank 0 hands the points out and writes, ranks 1 and
 * 2 run them.
 */
#include <CUnit/CUnit.h>
#include <glib.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_sweep_util.h"
#include "test_util.h"

static char tmpdir[] = "/tmp/test_sweep_mpi.XXXXXX";

/* Run argv (argv[0] found on PATH); its exit status. */
static int run(char *const *argv)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	int st;
	CU_ASSERT_EQUAL_FATAL(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void test_mpi_equals_j1(void)
{
	char *mpi = g_strdup_printf("%s/mpi.h5", tmpdir),
	     *one = g_strdup_printf("%s/j1.h5", tmpdir);
	char *scen = g_strdup(test_src_path("scenarios/demo/cx7-sweep.yaml"));
	/* OpenMPI refuses to run as root unless told (containers, CI). */
	setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
	setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
	/* The same study twice: under mpirun (the first 4 words), and alone. */
	char *argv[] = {"mpirun",
	                "--oversubscribe",
	                "-n",
	                "3",
	                SWITCHOVER_BIN,
	                "sweep",
	                scen,
	                "--vary",
	                "devices.count=1..16x2",
	                "--vary",
	                "devices.depth=1,2",
	                "--strategy",
	                "all",
	                "--runs",
	                "3",
	                "--quiet",
	                "--format",
	                "csv",
	                "-o",
	                mpi,
	                NULL};
	CU_ASSERT_EQUAL_FATAL(run(argv), 0);
	argv[G_N_ELEMENTS(argv) - 2] = one;
	CU_ASSERT_EQUAL_FATAL(run(argv + 4), 0);
	same_table(mpi, one, "points");
	same_table(mpi, one, "summary");
	char *cmd = g_strdup_printf("rm -rf '%s'", tmpdir);
	CU_ASSERT_EQUAL(system(cmd), 0);
	g_free(cmd);
	g_free(mpi);
	g_free(one);
	g_free(scen);
}

void register_tests(void)
{
	if (!mkdtemp(tmpdir))
		return;
	TEST_SUITE("sweep_mpi", TEST(test_mpi_equals_j1));
}
