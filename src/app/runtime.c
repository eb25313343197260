/* Process-wide settings and conventions the subcommands share (runtime.h). */
#define _GNU_SOURCE /* sched_getaffinity */
#include <ctype.h>
#include <fftw3.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "app/runtime.h"

int app_exit_code(int status) {
    switch (status) {
    case FU_OK: return APP_EXIT_OK;
    case FU_EINPUT: return APP_EXIT_INPUT;
    case FU_ENOCONV: return APP_EXIT_NOCONV;
    default: return APP_EXIT_OTHER;
    }
}

int app_scf_input_read(const char *input, fu_scf_input *in, int rank) {
    fu_err err = {0};
    int rc = fu_scf_input_read(input, in, &err);
    if (rc) {
        if (rank == 0) fprintf(stderr, "furui: error: %s\n", err.msg);
        fu_scf_input_free(in);
        return app_exit_code(rc);
    }
    in->params.fft_patient = app_fft_patient();
    in->params.threads = app_threads();
    return 0;
}

int app_usage_error(int rank, const char *cmd, const char *what, const char *arg) {
    if (rank == 0) {
        if (arg) fprintf(stderr, "furui: error: %s: %s ('%s')\n", cmd, what, arg);
        else fprintf(stderr, "furui: error: %s: %s\n", cmd, what);
    }
    return APP_EXIT_USAGE;
}

int app_io_take(app_io_args *a, int argc, char **argv, int *i, int rank) {
    const char *arg = argv[*i];
    if (strcmp(arg, "-o") == 0) {
        if (*i + 1 >= argc) return app_usage_error(rank, a->cmd, "option -o needs a prefix", arg), -1;
        if (a->prefix) return app_usage_error(rank, a->cmd, "option -o given twice", arg), -1;
        a->prefix = argv[++*i];
        return 1;
    }
    if (arg[0] == '-') return 0;
    if (a->input) {
        char what[80];
        snprintf(what, sizeof what, "more than one %s", a->what);
        return app_usage_error(rank, a->cmd, what, arg), -1;
    }
    a->input = arg;
    return 1;
}

int app_io_check(const app_io_args *a, const char *usage, int rank) {
    if (!a->input) {
        char what[600];
        snprintf(what, sizeof what, "no %s (usage: %s)", a->what, usage);
        return app_usage_error(rank, a->cmd, what, NULL), -1;
    }
    /* PREFIX.log etc. are made by appending: "dir/" would write "dir/.log" */
    if (a->prefix && (a->prefix[0] == '\0' || a->prefix[strlen(a->prefix) - 1] == '/'))
        return app_usage_error(rank, a->cmd, "-o: a prefix needs a file name part", a->prefix), -1;
    return 0;
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

int app_env_count(const char *name) {
    const char *v = getenv(name);
    char *end;
    long n = v && *v ? strtol(v, &end, 10) : 0;
    return v && *v && *end == '\0' && n > 0 && n < 100000 ? (int)n : 0;
}

/* The ranks on this node, as the launcher tells them (1 if none does). */
static int local_ranks(void) {
    int local = app_env_count("OMPI_COMM_WORLD_LOCAL_SIZE");
    if (!local) local = app_env_count("MPI_LOCALNRANKS");
    if (!local) local = app_env_count("SLURM_NTASKS_PER_NODE");
    return local ? local : 1;
}

int app_threads(void) {
#ifdef _OPENMP
    int n = app_env_count("FURUI_THREADS");
    if (!n) n = app_env_count("OMP_NUM_THREADS");
    if (!n) {
        cpu_set_t set;
        int cores = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
        n = cores / local_ranks();
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
    int local = local_ranks();
    snprintf(how, cap, "%s / %d rank(s) on the node; set --mem-per-rank or FURUI_MEM_PER_RANK", src, local);
    return avail / local;
}

void app_wisdom_save(const char *path) {
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
