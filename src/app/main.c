/* furui: command-line entry point. Subcommands dispatch to the library. */
#include <errno.h>
#include <malloc.h>
#include <fftw3.h>
#include <mpi.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "dft/scf.h"
#include "dft/scf_input.h"
#include "dft/scf_output.h"

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

/* FFTW wisdom (measured plans) is cached across runs: measuring costs
 * 0.1-0.3 s per grid size, about what a small SCF takes, and halves some
 * transforms. FURUI_FFTW_WISDOM=path, or "off"; default
 * $XDG_CACHE_HOME/furui/fftw.wisdom or ~/.cache/furui/fftw.wisdom. */
static int wisdom_path(char *buf, size_t len) {
    const char *env = getenv("FURUI_FFTW_WISDOM");
    if (env && strcmp(env, "off") == 0) return 0;
    if (env && *env) return snprintf(buf, len, "%s", env) < (int)len;
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    if (xdg && *xdg) return snprintf(buf, len, "%s/furui/fftw.wisdom", xdg) < (int)len;
    if (home && *home) return snprintf(buf, len, "%s/.cache/furui/fftw.wisdom", home) < (int)len;
    return 0;
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
            "  scf INPUT.yaml [-o PREFIX]   ground state of one crystal; writes PREFIX.log,\n"
            "                               PREFIX.json and PREFIX.h5 (see input/README.md)\n"
            "  version                      print version and build information\n"
            "  help                         this text\n");
}

static int cmd_scf(int argc, char **argv, int rank) {
    const char *input = NULL, *prefix = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) prefix = argv[++i];
        else if (argv[i][0] == '-') {
            if (rank == 0) fprintf(stderr, "furui scf: unknown option '%s'\n", argv[i]);
            return EXIT_USAGE;
        } else if (!input) input = argv[i];
        else {
            if (rank == 0) fprintf(stderr, "furui scf: more than one input file\n");
            return EXIT_USAGE;
        }
    }
    if (!input) {
        if (rank == 0) usage(stderr);
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
    if (!prefix) prefix = in.output_prefix;
    char path_log[4200], path_json[4200], path_h5[4200];
    snprintf(path_log, sizeof path_log, "%s.log", prefix);
    snprintf(path_json, sizeof path_json, "%s.json", prefix);
    snprintf(path_h5, sizeof path_h5, "%s.h5", prefix);
    FILE *log = NULL;
    if (rank == 0) {
        log = fopen(path_log, "w");
        if (!log) {
            fprintf(stderr, "furui: error: %s: cannot write log: %s\n", path_log, strerror(errno));
            fu_scf_input_free(&in);
            return EXIT_FAILURE_OTHER;
        }
        fprintf(log, "# furui %s (%s) scf %s\n", FURUI_VERSION, FURUI_GIT_VERSION, input);
    }
    /* An earlier run's results stay untouched unless this run succeeds: the
     * new files replace them atomically, and each carries its own input. */
    fu_scf_result res;
    rc = fu_scf_run(&in.structure, &in.params, MPI_COMM_WORLD, log, &res, &err);
    if (rank == 0) {
        if (rc) {
            fprintf(log, "# ERROR: %s\n", err.msg);
            fprintf(stderr, "furui: error: %s: %s\n", input, err.msg);
        } else {
            fu_scf_write_report(log, &in.structure, &res);
            fu_scf_write_report(stdout, &in.structure, &res);
            fu_err werr = {0};
            int wrc = fu_scf_write_json(path_json, &in.structure, &in.params, &res, input, in.text, &werr);
            if (!wrc) wrc = fu_scf_write_hdf5(path_h5, &in.structure, &in.params, &res, input, in.text, &werr);
            if (wrc) {
                fprintf(stderr, "furui: error: %s\n", werr.msg);
                rc = wrc;
            }
        }
        fclose(log);
    }
    MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
    fu_scf_result_free(&res);
    fu_scf_input_free(&in);
    return exit_code_for(rc);
}

int main(int argc, char **argv) {
    /* The eigensolver and FFT work arrays are allocated and freed once per
     * k-point and SCF step; served by mmap they would be page-faulted in anew
     * each time (measured: ~20% of a small SCF). Keep them in the heap. */
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
    MPI_Init(&argc, &argv);
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    char wisdom[4096];
    int use_wisdom = wisdom_path(wisdom, sizeof wisdom);
    if (use_wisdom) fftw_import_wisdom_from_filename(wisdom);
    int code;
    if (argc < 2) {
        if (rank == 0) usage(stderr);
        code = EXIT_USAGE;
    } else if (strcmp(argv[1], "scf") == 0) {
        code = cmd_scf(argc - 2, argv + 2, rank);
    } else if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
        if (rank == 0) printf("furui %s (git %s, %s build)\n", FURUI_VERSION, FURUI_GIT_VERSION, FURUI_BUILD_TYPE);
        code = EXIT_OK;
    } else if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        if (rank == 0) usage(stdout);
        code = EXIT_OK;
    } else {
        if (rank == 0) fprintf(stderr, "furui: unknown command '%s' (try 'furui help')\n", argv[1]);
        code = EXIT_USAGE;
    }
    if (use_wisdom && rank == 0) wisdom_save(wisdom);
    MPI_Finalize();
    return code;
}
