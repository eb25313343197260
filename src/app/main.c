/* furui: command-line entry point. Subcommands (commands.h) dispatch to the
 * library; what they share is in runtime.h. */
#include <cblas.h>
#include <fftw3.h>
#include <malloc.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/comm.h"
#include "furui_git_version.h"
#include "app/commands.h"
#include "app/runtime.h"

const app_command app_commands[] = {
    {"scf", cmd_scf, 1, 0},
    {"screen", cmd_screen, 1, 1},
    {"bands", cmd_bands, 1, 0},
    {"relax", cmd_relax, 1, 0},
    {"converge", cmd_converge, 1, 0},
    {"status", cmd_status, 0, 0},
    {"merge", cmd_merge, 0, 1},
    {"rank", cmd_rank, 0, 0},
    {"featurize", cmd_featurize, 0, 0},
    {"export", cmd_export, 0, 0},
    {"validate", cmd_validate, 0, 0},
    {NULL, NULL, 0, 0},
};

static const app_command *find_command(const char *name) {
    for (const app_command *c = app_commands; c->name; c++)
        if (strcmp(c->name, name) == 0) return c;
    return NULL;
}

static void usage(FILE *f) {
    fprintf(f,
            "usage: furui <command> [options]\n"
            "commands:\n"
            "  scf INPUT.yaml [-o PREFIX] [--mem-per-rank SIZE] [--npband N] [--npfft G]\n"
            "         [--scalapack-min N]\n"
            "                               ground state of one crystal; writes PREFIX.log,\n"
            "                               PREFIX.json and PREFIX.h5 (see input/README.md);\n"
            "                               --npband: ranks sharing the bands of each k-point\n"
            "                               (default: chosen from the cost model and memory);\n"
            "                               --npfft: of those, ranks sharing each band's FFTs\n"
            "                               (G divides N; default: the cost model's)\n"
            "                               --scalapack-min: band ranks solve the eigensolver's\n"
            "                               subspace matrices of this order or more with\n"
            "                               ScaLAPACK (default 1500; 1: always)\n"
            "  screen SWEEP.yaml [-o PREFIX] [--group-size G|auto] [--static] [--deadline S]\n"
            "         [--max-attempts N] [--candidate-time-limit S] [--recovery-rungs N] [--dry-run]\n"
            "         [--mem-per-rank SIZE] [--npband N [--npfft G]]\n"
            "                               run a screening sweep on MPI worker groups; writes\n"
            "                               PREFIX.journal and PREFIX.h5 (rerun to resume);\n"
            "                               auto (default): each candidate's group size from the\n"
            "                               cost model and its memory estimate\n"
            "  bands INPUT.yaml [-o PREFIX] [--density D] [--dos-width W]\n"
            "                               SCF, band structure along the high-symmetry path,\n"
            "                               gaps and DOS; writes PREFIX.bands.json/.bands.h5\n"
            "  relax INPUT.yaml [-o PREFIX] relax positions (and the cell: relax: section,\n"
            "                               input/relax_README.md); writes PREFIX.relax.json,\n"
            "                               PREFIX.POSCAR, PREFIX.cif\n"
            "  converge INPUT.yaml [-o PREFIX] [--ecut 'FROM:TO:STEP Ha'] [--kspacing 'Q1,Q2,.. 1/angstrom']\n"
            "         [--only ecut|kpoints]\n"
            "                               cutoff and k-point ladders: dE/atom, dF, dP, dgap and the\n"
            "                               first rung meeting each protocol; PREFIX.converge.json\n"
            "  status PREFIX                states, failures by cause and what is left\n"
            "  merge [--sweep S.yaml]... OUT.h5 SHARD...\n"
            "                               combine shard journals/results into one file\n"
            "  rank RESULTS [--where EXPR] [--sort KEYS] [--limit N] [--hull H] -o DIR [--force]\n"
            "                               shortlist (CSV, HDF5, POSCAR+CIF) of the candidates\n"
            "                               matching EXPR; rank --list names the properties\n"
            "  export RESULTS -o DIR [--force] [--rde] [--rde-max-tiles N] [--hull H]  ML dataset\n"
            "                               (+ RDE, MDR); H = auto|corrected|uncorrected: the\n"
            "                               energies of the hull columns (fitted corrections)\n"
            "  featurize SWEEP.yaml -o DIR [--force]  the same features for every candidate of a\n"
            "                               sweep before any DFT (features.csv, skipped.csv)\n"
            "  validate DIR|ZIP             check RDE packages against metadata-def.json and SHA256SUMS\n"
            "  version                      print version and build information\n"
            "  help                         this text\n");
}

/* MPI is started when a launcher started this process (its environment says
 * so) or the subcommand is the screening farm. A plain `furui scf` is one
 * rank: it skips Open MPI's singleton start-up (0.2-0.3 s) and runs the
 * collectives of core/comm.h as no-ops. FURUI_MPI=1 forces MPI on. */
static int wants_mpi(int argc, char **argv) {
    static const char *const launcher_vars[] = {
        "OMPI_COMM_WORLD_SIZE", /* Open MPI's mpiexec, Fujitsu MPI (Fugaku) */
        "PMIX_RANK",            /* PMIx: Open MPI 4/5, srun --mpi=pmix */
        "PMI_RANK", "PMI_SIZE", /* PMI-1/2: MPICH hydra, Intel MPI, srun --mpi=pmi2 */
        "FURUI_MPI", NULL};
    for (int i = 0; launcher_vars[i]; i++)
        if (getenv(launcher_vars[i])) return 1;
    const app_command *c = argc >= 2 ? find_command(argv[1]) : NULL;
    return c && c->mpi;
}

int main(int argc, char **argv) {
    /* The eigensolver and FFT work arrays are allocated and freed once per
     * k-point and SCF step; served by mmap they would be page-faulted in anew
     * each time (measured: ~20% of a small SCF). Keep them in the heap. */
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
    /* furui's own thread setting is checked, not ignored (OMP_NUM_THREADS is
     * OpenMP's to interpret) */
    const char *ft = getenv("FURUI_THREADS");
    if (ft && !app_env_count("FURUI_THREADS")) {
        fprintf(stderr, "furui: error: FURUI_THREADS=%s: not a whole number from 1 to 99999\n", ft);
        return APP_EXIT_USAGE;
    }
    int mpi = wants_mpi(argc, argv);
    if (mpi) MPI_Init(&argc, &argv);
    int rank = 0;
    fu_comm_rank(MPI_COMM_WORLD, &rank);
    char wisdom[4096];
    int use_wisdom = app_wisdom_path(wisdom, sizeof wisdom);
    /* OpenBLAS threads only where asked for (OPENBLAS_NUM_THREADS): its own
     * default, all cores, oversubscribes them beside the band threads and MPI
     * ranks, and measured slower even alone on the eigensolver's blocks (Si:
     * 0.13 s -> 0.6 s with 2 threads, mostly in sched_yield). */
    if (!getenv("OPENBLAS_NUM_THREADS")) openblas_set_num_threads(1);
    if (use_wisdom) fftw_import_wisdom_from_filename(wisdom);
    int code;
    const app_command *c = argc >= 2 ? find_command(argv[1]) : NULL;
    if (argc < 2) {
        if (rank == 0) usage(stderr);
        code = APP_EXIT_USAGE;
    } else if (c) {
        code = c->run(argc - 2, argv + 2, rank);
        if (c->runs_scf && use_wisdom && rank == 0) app_wisdom_save(wisdom);
    } else if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
        if (rank == 0) printf("furui %s (git %s, %s build)\n", FURUI_VERSION, FURUI_GIT_VERSION, FURUI_BUILD_TYPE);
        code = APP_EXIT_OK;
    } else if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        if (rank == 0) usage(stdout);
        code = APP_EXIT_OK;
    } else {
        if (rank == 0) fprintf(stderr, "furui: error: unknown command '%s' (try 'furui help')\n", argv[1]);
        code = APP_EXIT_USAGE;
    }
    if (mpi) MPI_Finalize();
    return code;
}
