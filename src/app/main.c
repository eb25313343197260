/* furui: command-line entry point. Subcommands dispatch to the library. */
#define _GNU_SOURCE /* sched_getaffinity */
#include <cblas.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <malloc.h>
#include <fftw3.h>
#include <mpi.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/comm.h"
#include "furui_git_version.h"
#include "core/error.h"
#include "dft/memory.h"
#include "dft/scf.h"
#include "dft/scf_input.h"
#include "dft/scf_output.h"
#include "props/warnings.h"
#include "app/runtime.h"

/* screening subcommands (cmd_screen.c) */
int cmd_screen(int argc, char **argv, int rank);
int cmd_status(int argc, char **argv, int rank);
int cmd_merge(int argc, char **argv, int rank);
/* ML dataset export and the features of a sweep's candidates (cmd_export.c) */
int cmd_export(int argc, char **argv, int rank);
int cmd_featurize(int argc, char **argv, int rank);
/* RDE package validator (cmd_validate.c) */
int cmd_validate(int argc, char **argv, int rank);
/* band structure, gaps and DOS (cmd_bands.c) */
int cmd_bands(int argc, char **argv, int rank);
/* structural relaxation (cmd_relax.c) */
int cmd_relax(int argc, char **argv, int rank);
/* cutoff and k-point ladders (cmd_converge.c) */
int cmd_converge(int argc, char **argv, int rank);
/* the narrowing: shortlist by an expression over stored properties (cmd_rank.c) */
int cmd_rank(int argc, char **argv, int rank);

/* Exit codes, documented in the README. */
enum { EXIT_OK = 0, EXIT_INPUT = 1, EXIT_NOCONV = 2, EXIT_FAILURE_OTHER = 3, EXIT_USAGE = 64 };

static int exit_code_for(int status) {
    switch (status) {
    case FU_OK: return EXIT_OK;
    case FU_EINPUT: return EXIT_INPUT;
    case FU_ENOCONV: return EXIT_NOCONV;
    default: return EXIT_FAILURE_OTHER;
    }
}

/* FFTW wisdom (measured plans) is cached across runs: planning costs
 * 0.1-1.4 s per grid size, about what a small SCF takes, and halves some
 * transforms (runtime.h). */
int app_wisdom_path(char *buf, size_t len) {
    const char *env = getenv("FURUI_FFTW_WISDOM");
    if (env && strcmp(env, "off") == 0) return 0;
    if (env && *env) return snprintf(buf, len, "%s", env) < (int)len;
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    if (xdg && *xdg) return snprintf(buf, len, "%s/furui/fftw.wisdom", xdg) < (int)len;
    if (home && *home) return snprintf(buf, len, "%s/.cache/furui/fftw.wisdom", home) < (int)len;
    return 0;
}

int app_fft_patient(void) {
    char buf[4096];
    return app_wisdom_path(buf, sizeof buf);
}

/* A positive count from the environment, or 0 (unset or not one). */
static int env_count(const char *name) {
    const char *v = getenv(name);
    char *end;
    long n = v && *v ? strtol(v, &end, 10) : 0;
    return v && *v && *end == '\0' && n > 0 && n < 100000 ? (int)n : 0;
}

int app_threads(void) {
#ifdef _OPENMP
    int n = env_count("FURUI_THREADS");
    if (!n) n = env_count("OMP_NUM_THREADS");
    if (!n) {
        cpu_set_t set;
        int cores = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
        int local = env_count("OMPI_COMM_WORLD_LOCAL_SIZE");
        if (!local) local = env_count("MPI_LOCALNRANKS");
        if (!local) local = env_count("SLURM_NTASKS_PER_NODE");
        n = cores / (local ? local : 1);
    }
    return n > 0 ? n : 1;
#else
    return 1; /* built without OpenMP: the library runs the bands one by one */
#endif
}

double app_parse_bytes(const char *s) {
    if (!s) return 0;
    char *end;
    double v = strtod(s, &end);
    if (end == s || !(v > 0) || !isfinite(v)) return 0;
    while (*end == ' ') end++;
    double mult = 1;
    switch (toupper((unsigned char)*end)) {
    case 'K': mult = 1024.0, end++; break;
    case 'M': mult = 1024.0 * 1024, end++; break;
    case 'G': mult = 1024.0 * 1024 * 1024, end++; break;
    case 'T': mult = 1024.0 * 1024 * 1024 * 1024, end++; break;
    default: break;
    }
    /* K, KB, KiB all binary: memory is sold and reported that way */
    if (mult > 1 && toupper((unsigned char)end[0]) == 'I' && toupper((unsigned char)end[1]) == 'B') end += 2;
    else if (toupper((unsigned char)*end) == 'B') end++;
    return *end == '\0' && v * mult >= 1 ? v * mult : 0;
}

double app_mem_per_rank(double cli, char *how, size_t cap) {
    if (cli > 0) {
        snprintf(how, cap, "--mem-per-rank");
        return cli;
    }
    const char *env = getenv("FURUI_MEM_PER_RANK");
    if (env && *env) {
        double v = app_parse_bytes(env);
        if (!(v > 0)) {
            snprintf(how, cap, "FURUI_MEM_PER_RANK: expected a size such as 4G or 512M, got '%.40s'", env);
            return -1;
        }
        snprintf(how, cap, "FURUI_MEM_PER_RANK");
        return v;
    }
    double avail = 0;
    FILE *f = fopen("/proc/meminfo", "r");
    if (f) {
        char line[256];
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "MemAvailable: %lf kB", &avail) == 1) {
                avail *= 1024;
                break;
            }
        fclose(f);
    }
    const char *src = "MemAvailable";
    if (!(avail > 0)) {
        avail = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE);
        src = "physical memory";
    }
    int local = env_count("OMPI_COMM_WORLD_LOCAL_SIZE");
    if (!local) local = env_count("MPI_LOCALNRANKS");
    if (!local) local = env_count("SLURM_NTASKS_PER_NODE");
    if (!local) local = 1;
    snprintf(how, cap, "%s / %d rank(s) on the node; set --mem-per-rank or FURUI_MEM_PER_RANK", src, local);
    return avail / local;
}

static void wisdom_save(const char *path) {
    /* best effort: a cache that cannot be written only costs planning time */
    char dir[4096], tmp[4200];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash) {
        *slash = '\0';
        char *p = dir;
        while ((p = strchr(p + 1, '/'))) {
            *p = '\0';
            mkdir(dir, 0755);
            *p = '/';
        }
        mkdir(dir, 0755);
    }
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    if (fftw_export_wisdom_to_filename(tmp)) rename(tmp, path);
    else remove(tmp);
}

static void usage(FILE *f) {
    fprintf(f,
            "usage: furui <command> [options]\n"
            "commands:\n"
            "  scf INPUT.yaml [-o PREFIX] [--mem-per-rank SIZE] [--npband N]\n"
            "                               ground state of one crystal; writes PREFIX.log,\n"
            "                               PREFIX.json and PREFIX.h5 (see input/README.md);\n"
            "                               --npband: ranks sharing the bands of each k-point\n"
            "                               (default: chosen from the cost model and memory)\n"
            "  screen SWEEP.yaml [-o PREFIX] [--group-size G] [--static] [--deadline S]\n"
            "         [--max-attempts N] [--candidate-time-limit S] [--recovery-rungs N] [--dry-run]\n"
            "         [--mem-per-rank SIZE]\n"
            "                               run a screening sweep on MPI worker groups; writes\n"
            "                               PREFIX.journal and PREFIX.h5 (rerun to resume)\n"
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

/* The first of paths that is a directory (a rename onto it fails), or NULL. */
static const char *first_directory(const char *const *paths, int n) {
    struct stat st;
    for (int i = 0; i < n; i++)
        if (stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode)) return paths[i];
    return NULL;
}

/* Renames every path[i].new to path[i], or removes them all if any is missing
 * or a target is a directory (checked first: a failure halfway would mix this
 * run's files with an earlier run's). */
static int promote(const char *const *paths, int n, fu_err *err) {
    char tmp[4300];
    const char *dir = first_directory(paths, n);
    for (int i = 0; dir && i < n; i++) {
        snprintf(tmp, sizeof tmp, "%s.new", paths[i]);
        remove(tmp);
    }
    if (dir) return fu_fail(err, FU_EIO, "%s: is a directory, not replaced by this run's results", dir);
    for (int i = 0; i < n; i++) {
        snprintf(tmp, sizeof tmp, "%s.new", paths[i]);
        if (rename(tmp, paths[i]) != 0) {
            int e = errno;
            for (int j = i; j < n; j++) {
                snprintf(tmp, sizeof tmp, "%s.new", paths[j]);
                remove(tmp);
            }
            return fu_fail(err, FU_EIO, "%s: cannot rename into place: %s", paths[i], strerror(e));
        }
    }
    return FU_OK;
}

/* Output policy: PREFIX.log/.json/.h5 always belong to one successful run.
 * During a run the log is PREFIX.log.tmp.PID; success renames it (with the
 * results, written as *.new first) into place; failure renames it to
 * PREFIX.failed.log and leaves an earlier run's three files untouched. */
/* Refuses (FU_EINPUT, one line) an SCF whose estimated memory per rank
 * exceeds the limit, before anything is allocated or written. A
 * pseudopotential that does not load is left to the SCF to report. */
static int scf_memory_check(const char *input, const fu_structure *s, fu_scf_params *p, double cli,
                            int ranks, fu_mem_estimate *e, fu_mem_counts *cnt, fu_err *err) {
    memset(e, 0, sizeof *e);
    memset(cnt, 0, sizeof *cnt);
    fu_psp psp[FU_MAX_SPECIES];
    const fu_psp *pp[FU_MAX_SPECIES];
    for (int sp = 0; sp < s->nspecies; sp++) {
        fu_err ignore = {0};
        if (fu_psp_load(p->pseudo[sp], s->symbol[sp], &psp[sp], &ignore)) return FU_OK;
        pp[sp] = &psp[sp];
    }
    fu_mem_counts c;
    fu_err ignore = {0};
    /* a cell too large for any FFT grid is the SCF's to report (in its log) */
    if (fu_memory_estimate(s, p, pp, ranks, &c, e, &ignore)) return FU_OK;
    char how[200], t[6][32];
    double limit = app_mem_per_rank(cli, how, sizeof how);
    if (limit < 0) return fu_fail(err, FU_EINPUT, "%s", how);
    /* the layout: --npband as given, else the cost model's unless memory asks for more band ranks */
    int npb_default = 1;
    int rc = fu_memory_layout(&c, ranks, p->npband, limit, e, &npb_default, err);
    if (rc) {
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err->msg);
        return fu_fail(err, FU_EINPUT, "%s: %s", input, msg);
    }
    *cnt = c;
    if (e->total <= limit) {
        if (p->npband <= 0 && c.npb != npb_default) p->npband = c.npb;
        return FU_OK;
    }
    return fu_fail(err, FU_EINPUT,
                   "%s: ecut: the SCF would need about %s per rank (wave functions %s, grids and mixer %s, "
                   "solver %s; %.0f plane waves, %.0f grid points, %d k-point(s) per rank, %d band rank(s) "
                   "per k-point%s), more than the %s allowed (%s)",
                   input, fu_memory_text(e->total, t[0], 32), fu_memory_text(e->wavefunctions, t[1], 32),
                   fu_memory_text(e->grids + e->mixer, t[2], 32), fu_memory_text(e->solver, t[3], 32), c.npw,
                   c.nfft, c.nk_owned, c.npb, p->npband > 0 ? "" : ": the smallest layout",
                   fu_memory_text(limit, t[4], 32), how);
}

static int cmd_scf(int argc, char **argv, int rank) {
    const char *input = NULL, *prefix = NULL;
    double mem_cli = 0;
    int npband = 0;
    for (int i = 0; i < argc; i++) {
        const char *bad = NULL;
        if (strcmp(argv[i], "--mem-per-rank") == 0) {
            if (i + 1 >= argc || !(mem_cli = app_parse_bytes(argv[i + 1])))
                bad = "--mem-per-rank needs a size such as 4G or 512M";
            else i++;
        } else if (strcmp(argv[i], "--npband") == 0) {
            char *end = NULL;
            long v = i + 1 < argc ? strtol(argv[i + 1], &end, 10) : 0;
            if (i + 1 >= argc || *end != '\0' || v < 1 || v > 1000000)
                bad = "--npband needs a positive number of band ranks per k-point";
            else npband = (int)v, i++;
        } else if (strcmp(argv[i], "-o") == 0) {
            if (i + 1 >= argc) bad = "option -o needs a prefix";
            else if (prefix) bad = "option -o given twice";
            else prefix = argv[++i];
        } else if (argv[i][0] == '-') {
            bad = "unknown option";
        } else if (!input) {
            input = argv[i];
        } else {
            bad = "more than one input file";
        }
        if (bad) {
            if (rank == 0) fprintf(stderr, "furui: error: scf: %s ('%s')\n", bad, argv[i]);
            return EXIT_USAGE;
        }
    }
    if (!input) {
        if (rank == 0) fprintf(stderr, "furui: error: scf: no input file (usage: furui scf INPUT.yaml [-o PREFIX])\n");
        return EXIT_USAGE;
    }
    if (prefix && (prefix[0] == '\0' || prefix[strlen(prefix) - 1] == '/')) {
        if (rank == 0) fprintf(stderr, "furui: error: scf: -o '%s': a prefix needs a file name part\n", prefix);
        return EXIT_USAGE;
    }
    fu_err err = {0};
    fu_scf_input in;
    int rc = fu_scf_input_read(input, &in, &err);
    if (rc) {
        if (rank == 0) fprintf(stderr, "furui: error: %s\n", err.msg);
        fu_scf_input_free(&in);
        return exit_code_for(rc);
    }
    in.params.fft_patient = app_fft_patient();
    in.params.threads = app_threads();
    in.params.npband = npband;
    int nranks_all = 1;
    fu_comm_size(MPI_COMM_WORLD, &nranks_all);
    /* every rank computes the same estimate: no communication needed */
    fu_mem_estimate mem;
    fu_mem_counts memc;
    rc = scf_memory_check(input, &in.structure, &in.params, mem_cli, nranks_all, &mem, &memc, &err);
    if (rc) {
        if (rank == 0) fprintf(stderr, "furui: error: %s\n", err.msg);
        fu_scf_input_free(&in);
        return exit_code_for(rc);
    }
    if (!prefix) prefix = in.output_prefix;
    char path_log[4200], path_failed[4200], path_json[4200], path_h5[4200], tmp_log[4300],
        tmp_json[4300], tmp_h5[4300];
    snprintf(path_log, sizeof path_log, "%s.log", prefix);
    snprintf(path_failed, sizeof path_failed, "%s.failed.log", prefix);
    snprintf(path_json, sizeof path_json, "%s.json", prefix);
    snprintf(path_h5, sizeof path_h5, "%s.h5", prefix);
    snprintf(tmp_log, sizeof tmp_log, "%s.tmp.%ld", path_log, (long)getpid());
    snprintf(tmp_json, sizeof tmp_json, "%s.new", path_json);
    snprintf(tmp_h5, sizeof tmp_h5, "%s.new", path_h5);
    FILE *log = NULL;
    int open_ok = 1;
    const char *const outs_all[3] = {path_log, path_json, path_h5};
    const char *dir = rank == 0 ? first_directory(outs_all, 3) : NULL;
    if (dir) { /* found before the SCF, not after it */
        fprintf(stderr, "furui: error: %s: is a directory, cannot be replaced by this run's results\n", dir);
        open_ok = 0;
    } else if (rank == 0) {
        log = fopen(tmp_log, "w");
        if (!log) {
            fprintf(stderr, "furui: error: %s: cannot write log: %s\n", path_log, strerror(errno));
            open_ok = 0;
        } else {
            setvbuf(log, NULL, _IOLBF, 0); /* whole lines on disk, should a signal stop the run */
            fprintf(log, "# furui %s (%s) scf %s\n", FURUI_VERSION, FURUI_GIT_VERSION, input);
            int nranks = 1;
            fu_comm_size(MPI_COMM_WORLD, &nranks);
            if (fu_mpi_running()) fprintf(log, "# MPI ranks: %d\n", nranks);
            else fprintf(log, "# MPI not started (one process)\n");
            fprintf(log, "# threads per rank: %d\n", in.params.threads);
            if (mem.total > 0) {
                char t[3][32];
                fprintf(log, "# memory estimate per rank: %.0f bytes = %s (wave functions %s, grids and mixer %s; "
                        "%d band rank(s) per k-point)\n",
                        mem.total, fu_memory_text(mem.total, t[0], 32), fu_memory_text(mem.wavefunctions, t[1], 32),
                        fu_memory_text(mem.grids + mem.mixer, t[2], 32), memc.npb > 1 ? memc.npb : 1);
            }
            app_runlog_guard(input, tmp_log, path_failed, fileno(log));
        }
    }
    /* every rank must learn that rank 0 cannot write before the SCF starts */
    fu_bcast(&open_ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (!open_ok) {
        fu_scf_input_free(&in);
        return EXIT_FAILURE_OTHER;
    }
    fu_scf_result res;
    rc = fu_scf_run(&in.structure, &in.params, MPI_COMM_WORLD, log, &res, &err);
    app_runlog_defer();
    if (rank == 0) {
        if (rc) {
            fprintf(stderr, "furui: error: %s: %s\n", input, err.msg);
        } else {
            fu_scf_write_report(log, &in.structure, &res);
            /* `furui scf` never relaxes: a large pressure means the cell is off */
            fu_warnings warn = {0};
            if (res.have_stress) fu_warn_scf_pressure((const double(*)[3])res.stress, &warn);
            const char *wmsg[FU_WARN_MAX];
            for (int i = 0; i < warn.n; i++) {
                wmsg[i] = warn.msg[i];
                fprintf(log, "# warning: %s\n", warn.msg[i]);
            }
            int wrc = fu_scf_write_json(tmp_json, &in.structure, &in.params, &res, input, in.text,
                                        warn.n, wmsg, &err);
            if (!wrc) wrc = fu_scf_write_hdf5(tmp_h5, &in.structure, &in.params, &res, input, in.text, &err);
            if (!wrc && fflush(log) != 0) wrc = fu_fail(&err, FU_EIO, "%s: write failed", path_log);
            fclose(log);
            log = NULL;
            if (!wrc) {
                const char *const outs[3] = {path_json, path_h5, path_log};
                char newlog[4300];
                snprintf(newlog, sizeof newlog, "%s.new", path_log);
                if (rename(tmp_log, newlog) != 0)
                    wrc = fu_fail(&err, FU_EIO, "%s: cannot rename: %s", tmp_log, strerror(errno));
                else
                    wrc = promote(outs, 3, &err);
                if (!wrc) remove(path_failed); /* a stale failure log no longer applies */
                else snprintf(tmp_log, sizeof tmp_log, "%s", newlog);
            }
            if (wrc) {
                remove(tmp_json);
                remove(tmp_h5);
                fprintf(stderr, "furui: error: %s\n", err.msg);
                rc = wrc;
                log = fopen(tmp_log, "a");
            } else {
                fu_scf_write_report(stdout, &in.structure, &res);
            }
        }
        if (rc) {
            if (log) {
                fprintf(log, "# ERROR: %s\n", err.msg);
                fclose(log);
            }
            rename(tmp_log, path_failed);
        }
    }
    app_runlog_release();
    fu_bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
    fu_scf_result_free(&res);
    fu_scf_input_free(&in);
    return exit_code_for(rc);
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
    return argc >= 2 && (strcmp(argv[1], "screen") == 0 || strcmp(argv[1], "merge") == 0);
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
    if (ft && !env_count("FURUI_THREADS")) {
        fprintf(stderr, "furui: error: FURUI_THREADS=%s: not a whole number from 1 to 99999\n", ft);
        return EXIT_USAGE;
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
    if (argc < 2) {
        if (rank == 0) usage(stderr);
        code = EXIT_USAGE;
    } else if (strcmp(argv[1], "scf") == 0) {
        code = cmd_scf(argc - 2, argv + 2, rank);
        if (use_wisdom && rank == 0) wisdom_save(wisdom);
    } else if (strcmp(argv[1], "screen") == 0) {
        code = cmd_screen(argc - 2, argv + 2, rank);
        if (use_wisdom && rank == 0) wisdom_save(wisdom);
    } else if (strcmp(argv[1], "bands") == 0) {
        code = cmd_bands(argc - 2, argv + 2, rank);
        if (use_wisdom && rank == 0) wisdom_save(wisdom);
    } else if (strcmp(argv[1], "relax") == 0) {
        code = cmd_relax(argc - 2, argv + 2, rank);
        if (use_wisdom && rank == 0) wisdom_save(wisdom);
    } else if (strcmp(argv[1], "converge") == 0) {
        code = cmd_converge(argc - 2, argv + 2, rank);
        if (use_wisdom && rank == 0) wisdom_save(wisdom);
    } else if (strcmp(argv[1], "status") == 0) {
        code = cmd_status(argc - 2, argv + 2, rank);
    } else if (strcmp(argv[1], "merge") == 0) {
        code = cmd_merge(argc - 2, argv + 2, rank);
    } else if (strcmp(argv[1], "rank") == 0) {
        code = cmd_rank(argc - 2, argv + 2, rank);
    } else if (strcmp(argv[1], "featurize") == 0) {
        code = cmd_featurize(argc - 2, argv + 2, rank);
    } else if (strcmp(argv[1], "export") == 0) {
        code = cmd_export(argc - 2, argv + 2, rank);
    } else if (strcmp(argv[1], "validate") == 0) {
        code = cmd_validate(argc - 2, argv + 2, rank);
    } else if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
        if (rank == 0) printf("furui %s (git %s, %s build)\n", FURUI_VERSION, FURUI_GIT_VERSION, FURUI_BUILD_TYPE);
        code = EXIT_OK;
    } else if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        if (rank == 0) usage(stdout);
        code = EXIT_OK;
    } else {
        if (rank == 0) fprintf(stderr, "furui: error: unknown command '%s' (try 'furui help')\n", argv[1]);
        code = EXIT_USAGE;
    }
    if (mpi) MPI_Finalize();
    return code;
}
