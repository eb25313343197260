/* furui scf: the ground state of one crystal, with the output policy of a
 * run (PREFIX.log/.json/.h5 always belong to one successful run). */
#include <errno.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/comm.h"
#include "core/error.h"
#include "dft/memory.h"
#include "dft/scf.h"
#include "dft/scf_input.h"
#include "dft/scf_output.h"
#include "furui_git_version.h"
#include "props/warnings.h"
#include "app/commands.h"
#include "app/runtime.h"

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
    int rc = fu_memory_layout(&c, ranks, p->npband, p->npfft, limit, e, &npb_default, err);
    if (rc) {
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err->msg);
        return fu_fail(err, FU_EINPUT, "%s: %s", input, msg);
    }
    *cnt = c;
    if (e->total <= limit) {
        if (p->npband <= 0 && c.npb != npb_default) {
            p->npband = c.npb;
            if (p->npfft <= 0) p->npfft = c.npg;
        }
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

/* The whole number 1..max after option argv[*i] into *out, *i moved onto it;
 * 0 (nothing moved) if there is none or it is not one. */
static int count_option(int argc, char **argv, int *i, long max, int *out) {
    if (*i + 1 >= argc) return 0;
    char *end = NULL;
    long v = strtol(argv[*i + 1], &end, 10);
    if (*end != '\0' || v < 1 || v > max) return 0;
    *out = (int)v;
    ++*i;
    return 1;
}

int cmd_scf(int argc, char **argv, int rank) {
    app_io_args a = {.cmd = "scf", .what = "input file"};
    double mem_cli = 0;
    int npband = 0, npfft = 0, scalapack_min = 0;
    for (int i = 0; i < argc; i++) {
        int took = app_io_take(&a, argc, argv, &i, rank);
        if (took < 0) return APP_EXIT_USAGE;
        if (took) continue;
        if (strcmp(argv[i], "--mem-per-rank") == 0) {
            if (i + 1 >= argc || !(mem_cli = app_parse_bytes(argv[i + 1])))
                return app_usage_error(rank, a.cmd, "--mem-per-rank needs a size such as 4G or 512M", argv[i]);
            i++;
        } else if (strcmp(argv[i], "--npband") == 0) {
            if (!count_option(argc, argv, &i, 1000000, &npband))
                return app_usage_error(rank, a.cmd, "--npband needs a positive number of band ranks per k-point",
                                       argv[i]);
        } else if (strcmp(argv[i], "--npfft") == 0) {
            if (!count_option(argc, argv, &i, 1000000, &npfft))
                return app_usage_error(rank, a.cmd, "--npfft needs a positive number of FFT ranks per band",
                                       argv[i]);
        } else if (strcmp(argv[i], "--scalapack-min") == 0) {
            if (!count_option(argc, argv, &i, 1000000000, &scalapack_min))
                return app_usage_error(rank, a.cmd, "--scalapack-min needs a positive matrix order",
                                       argv[i]);
        } else {
            return app_usage_error(rank, a.cmd, "unknown option", argv[i]);
        }
    }
    if (app_io_check(&a, "furui scf INPUT.yaml [-o PREFIX]", rank)) return APP_EXIT_USAGE;
    const char *input = a.input, *prefix = a.prefix;
    fu_err err = {0};
    fu_scf_input in;
    int rc = app_scf_input_read(input, &in, rank);
    if (rc) return rc;
    in.params.npband = npband;
    in.params.npfft = npfft;
    in.params.scalapack_min = scalapack_min;
    int nranks_all = 1;
    fu_comm_size(MPI_COMM_WORLD, &nranks_all);
    /* every rank computes the same estimate: no communication needed */
    fu_mem_estimate mem;
    fu_mem_counts memc;
    rc = scf_memory_check(input, &in.structure, &in.params, mem_cli, nranks_all, &mem, &memc, &err);
    if (rc) {
        if (rank == 0) fprintf(stderr, "furui: error: %s\n", err.msg);
        fu_scf_input_free(&in);
        return app_exit_code(rc);
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
    const char *const outs_all[3] = {path_log, path_json, path_h5};
    const char *dir = rank == 0 ? first_directory(outs_all, 3) : NULL;
    if (dir) /* found before the SCF, not after it */
        fprintf(stderr, "furui: error: %s: is a directory, cannot be replaced by this run's results\n", dir);
    FILE *log;
    int open_ok = app_runlog_start(rank, dir != NULL, "scf", input, tmp_log, path_log, path_failed, &log);
    if (log) {
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
    }
    if (!open_ok) {
        fu_scf_input_free(&in);
        return APP_EXIT_OTHER;
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
    return app_exit_code(rc);
}
