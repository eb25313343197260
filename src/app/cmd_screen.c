/* furui screen / status / merge: the screening subcommands (README.md,
 * "Screening"). Exit codes as furui scf: 0 ok (a farm that ran is ok even
 * with failed candidates), 1 bad input or conflicting merge, 2 merge
 * --sweep written but incomplete (candidates of the sweep in no shard),
 * 3 other failure, 64 usage. */
#include <errno.h>
#include <math.h>
#include <fftw3.h>
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/error.h"
#include "core/units.h"
#include "dft/protocol.h"
#include "props/warnings.h"
#include "campaign/farm.h"
#include "campaign/groupsize.h"
#include "campaign/recovery.h"
#include "results/journal.h"
#include "results/store.h"
#include "dft/psp.h"
#include "campaign/preflight.h"
#include "campaign/stages.h"
#include "campaign/sweepconv.h"
#include "campaign/sweep.h"
#include "app/commands.h"
#include "app/runtime.h"


/* The one piece of mutable global state: set by SIGTERM/SIGUSR1, read by the
 * coordinator between candidates. */
static volatile sig_atomic_t stop_requested = 0;

static void on_stop_signal(int sig) {
    (void)sig;
    stop_requested = 1;
}

static void install_signals(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    /* a file-size limit must give the journal's error message, not a kill */
    struct sigaction ign;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGXFSZ, &ign, NULL);
}

static int parse_number(const char *s, double lo, double hi, double *out) {
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= lo && v <= hi)) return 0;
    *out = v;
    return 1;
}

/* The pseudopotentials the valid candidates use, one line per distinct
 * (element, spec): what was resolved, so a user sees the file, its valence,
 * core correction and the table's hints before the job runs. */
static void print_pseudopotentials(const fu_sweep *sw) {
    enum { MAXP = 64 };
    const char *sym[MAXP], *spec[MAXP];
    int n = 0, more = 0;
    for (int i = 0; i < sw->n; i++) {
        const fu_candidate *c = &sw->cand[i];
        if (!c->valid) continue;
        for (int sp = 0; sp < c->structure.nspecies; sp++) {
            int seen = 0;
            for (int k = 0; k < n && !seen; k++)
                seen = !strcmp(sym[k], c->structure.symbol[sp]) && !strcmp(spec[k], c->params.pseudo[sp]);
            if (seen) continue;
            if (n == MAXP) {
                more = 1;
                continue;
            }
            sym[n] = c->structure.symbol[sp];
            spec[n++] = c->params.pseudo[sp];
        }
    }
    for (int k = 0; k < n; k++) {
        fu_psp p;
        fu_err e = {0};
        if (fu_psp_load(spec[k], sym[k], &p, &e)) {
            printf("# psp %-2s %s: %s\n", sym[k], spec[k], e.msg);
            continue;
        }
        printf("# psp %-2s %s (%s): Z_ion %g, %s%s", sym[k], p.path, p.format, p.zion, p.functional,
               p.has_core ? ", core correction" : "");
        if (p.hint_ecut[1] > 0)
            printf(", hints %g/%g/%g Ha", p.hint_ecut[0], p.hint_ecut[1], p.hint_ecut[2]);
        printf(", sha256 %.16s\n", p.sha256);
    }
    if (more) printf("# psp ... more than %d distinct pseudopotentials, the rest not listed\n", MAXP);
}

/* in_shard NULL: the whole sweep; else only the candidates of shard
 * index/count (column n stays the position in the sweep). */
static void print_table(const fu_sweep *sw, const unsigned char *in_shard, int index, int count) {
    double cmax = 0;
    for (int i = 0; i < sw->n; i++)
        if (sw->cand[i].cost > cmax) cmax = sw->cand[i].cost;
    printf("# sweep %s: %d candidates (%d valid, %d invalid, %d duplicates dropped), total cost %.4g\n",
           sw->name, sw->n, sw->nvalid, sw->ninvalid, sw->nduplicates, sw->total_cost);
    if (sw->protocol[0]) {
        const fu_protocol *pr = fu_protocol_find(sw->protocol);
        printf("# protocol %s: k spacing %g 1/angstrom, smearing %s %g Ha, scf energy tolerance "
               "%g Ha/atom, relax force_tol %g Ha/bohr, stress_tol %g GPa (explicit keys override)\n",
               pr->name, pr->kspacing / FU_BOHR_ANGSTROM, fu_smearing_name(pr->smearing), pr->tsmear,
               pr->tol_energy_per_atom, pr->force_tol, pr->stress_tol * FU_HA_BOHR3_GPA);
        if (sw->campaign_ecut > 0)
            printf("# campaign cutoff %g Ha for every candidate: the %s\n", sw->campaign_ecut,
                   sw->ecut_source);
        else
            printf("# campaign cutoff: the sweep's explicit ecut\n");
    }
    print_pseudopotentials(sw);
    fu_preflight_hull(sw, stdout);
    if (sw->converge)
        printf("# converge: ladders on %d structure(s) before the farm (not in a dry run): the candidates "
               "below carry the ladders' densest cutoff and k-spacing until then\n", sw->converge_nformula);
    /* a staged sweep: the table is stage 1; later stages run the candidates their where selects */
    for (const fu_sweep *t = sw->next; t; t = t->next)
        printf("# stage %d of %d (%s): the same %d structures at its settings (first: %s), for those whose "
               "stage-%d row %s%s\n", t->stage, t->nstages, t->stage_name, t->n, t->n ? t->cand[0].label : "-",
               t->stage - 1, t->stage_where[0] ? "is done and satisfies: " : "is done", t->stage_where);
    if (sw->nstages) printf("# stage 1 of %d (%s):\n", sw->nstages, sw->stage_name);
    if (in_shard) {
        int k = 0, kv = 0;
        double cost = 0;
        for (int i = 0; i < sw->n; i++)
            if (in_shard[i]) k++, kv += sw->cand[i].valid, cost += sw->cand[i].valid ? sw->cand[i].cost : 0;
        printf("# shard %d of %d: %d candidates (%d valid, %d invalid), cost %.4g\n", index, count, k, kv,
               k - kv, cost);
    }
    printf("# %-4s %-16s %-7s %8s %9s %5s %7s  %s\n", "n", "id", "state", "rel_cost", "mem/rank", "ranks",
           "k x b", "label [reason]");
    for (int i = 0; i < sw->n; i++) {
        const fu_candidate *c = &sw->cand[i];
        if (in_shard && !in_shard[i]) continue;
        char mem[32] = "-", lay[32] = "-", nr[16] = "-";
        if (c->nranks > 0) snprintf(nr, sizeof nr, "%d", c->nranks);
        if (c->mem > 0) fu_memory_text(c->mem, mem, sizeof mem);
        /* the group's layout: k-groups x band ranks per k-point (src/dft/bandpar.h), /G: G of
           them sharing each band's FFTs */
        if (c->npb > 0 && c->npg > 1) snprintf(lay, sizeof lay, "%dx%d/%d", c->npk, c->npb, c->npg);
        else if (c->npb > 0) snprintf(lay, sizeof lay, "%dx%d", c->npk, c->npb);
        if (c->valid)
            printf("  %-4d %-16s %-7s %8.4f %9s %5s %7s  %s\n", i, c->id, "valid", cmax > 0 ? c->cost / cmax : 0,
                   mem, nr, lay, c->label);
        else
            printf("  %-4d %-16s %-7s %8s %9s %5s %7s  %s [%s]\n", i, c->id, "invalid", "-", mem, nr, lay,
                   c->label, c->reason);
    }
}

/* Collective: the workers' FFTW plans are merged into rank 0's wisdom, which
 * main() saves. Rank 0 coordinates and plans nothing, so without this every
 * campaign measured its plans anew on every worker (0.1-0.3 s per grid size)
 * and could pick others than the last time (results then differ by ~1e-12).
 * Best effort: a failed allocation on rank 0 only skips the merge. */
static void gather_wisdom(int rank, int size) {
    if (size < 2) return;
    char *mine = rank ? fftw_export_wisdom_to_string() : NULL;
    int len = mine ? (int)strlen(mine) + 1 : 0;
    int *lens = NULL, *displs = NULL, ok = 1;
    if (rank == 0) {
        lens = calloc((size_t)size, sizeof(int));
        displs = calloc((size_t)size, sizeof(int));
        ok = lens && displs;
    }
    MPI_Bcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
    char *all = NULL;
    if (ok) {
        MPI_Gather(&len, 1, MPI_INT, lens, 1, MPI_INT, 0, MPI_COMM_WORLD);
        if (rank == 0) {
            long total = 0;
            for (int r = 0; r < size && ok; r++) {
                displs[r] = (int)total;
                total += lens[r];
                if (total > 1L << 30) ok = 0; /* far beyond any wisdom: refuse */
            }
            if (ok) ok = (all = malloc((size_t)total + 1)) != NULL;
        }
        MPI_Bcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
    }
    if (ok) {
        MPI_Gatherv(mine ? mine : "", len, MPI_CHAR, all, lens, displs, MPI_CHAR, 0, MPI_COMM_WORLD);
        if (rank == 0)
            for (int r = 1; r < size; r++)
                if (lens[r] > 0) fftw_import_wisdom_from_string(all + displs[r]);
    }
    free(all);
    free(lens);
    free(displs);
    free(mine); /* fftw_export_wisdom_to_string allocates with malloc */
}

int cmd_screen(int argc, char **argv, int rank) {
    const char *cmd = "screen";
    app_io_args io = {.cmd = cmd, .what = "sweep file"};
    fu_farm_opts o;
    fu_farm_opts_default(&o);
    o.threads = app_threads();
    int dry = 0, shard_index = -1, shard_count = -1, cli_rungs = 0, cli_tl = 0;
    int group_fixed = 0; /* --group-size G; 0: auto, per candidate (campaign/groupsize.h) */
    int npband = 0;      /* --npband N: band ranks per k-point of every candidate; 0: cost model */
    int npfft = 0;       /* --npfft G: of those, FFT ranks per band; 0: cost model */
    double mem_cli = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        double v = 0;
        int took = app_io_take(&io, argc, argv, &i, rank);
        if (took) {
            if (took < 0) return APP_EXIT_USAGE;
        } else if (strcmp(a, "--group-size") == 0) {
            if (i + 1 < argc && strcmp(argv[i + 1], "auto") == 0) {
                group_fixed = 0, i++;
                continue;
            }
            if (i + 1 >= argc || !parse_number(argv[i + 1], 1, 1e6, &v) || v != (int)v)
                return app_usage_error(rank, cmd, "--group-size needs a whole number >= 1 or auto", i + 1 < argc ? argv[i + 1] : NULL);
            o.group_size = group_fixed = (int)v, i++;
        } else if (strcmp(a, "--npband") == 0) {
            if (i + 1 >= argc || !parse_number(argv[i + 1], 1, 1e6, &v) || v != (int)v)
                return app_usage_error(rank, cmd, "--npband needs a positive number of band ranks per k-point",
                                       i + 1 < argc ? argv[i + 1] : NULL);
            npband = (int)v, i++;
        } else if (strcmp(a, "--npfft") == 0) {
            if (i + 1 >= argc || !parse_number(argv[i + 1], 1, 1e6, &v) || v != (int)v)
                return app_usage_error(rank, cmd, "--npfft needs a positive number of FFT ranks per band",
                                       i + 1 < argc ? argv[i + 1] : NULL);
            npfft = (int)v, i++;
        } else if (strcmp(a, "--deadline") == 0) {
            if (i + 1 >= argc || !parse_number(argv[i + 1], 0, 1e9, &v) || v <= 0)
                return app_usage_error(rank, cmd, "--deadline needs seconds > 0", i + 1 < argc ? argv[i + 1] : NULL);
            o.deadline = v, i++;
        } else if (strcmp(a, "--candidate-time-limit") == 0) {
            if (i + 1 >= argc || !parse_number(argv[i + 1], 0, 1e9, &v) || v <= 0)
                return app_usage_error(rank, cmd, "--candidate-time-limit needs seconds > 0", i + 1 < argc ? argv[i + 1] : NULL);
            o.candidate_time_limit = v, i++, cli_tl = 1;
        } else if (strcmp(a, "--recovery-rungs") == 0) {
            if (i + 1 >= argc || !parse_number(argv[i + 1], 1, FU_RECOVERY_RUNGS, &v) || v != (int)v)
                return app_usage_error(rank, cmd, "--recovery-rungs needs a whole number 1..4 (1 = no retries)", i + 1 < argc ? argv[i + 1] : NULL);
            o.recovery_rungs = (int)v, i++, cli_rungs = 1;
        } else if (strcmp(a, "--inject-scf-nan") == 0) { /* fault injection for tests (README) */
            if (i + 1 >= argc || !parse_number(argv[i + 1], 0, FU_RECOVERY_RUNGS, &v) || v != (int)v)
                return app_usage_error(rank, cmd, "--inject-scf-nan needs a whole number 0..4 (rungs that diverge)",
                                   i + 1 < argc ? argv[i + 1] : NULL);
            o.fault_nan_rungs = (int)v, i++;
        } else if (strcmp(a, "--max-attempts") == 0) {
            if (i + 1 >= argc || !parse_number(argv[i + 1], 1, 100, &v) || v != (int)v)
                return app_usage_error(rank, cmd, "--max-attempts needs a whole number 1..100", i + 1 < argc ? argv[i + 1] : NULL);
            o.max_attempts = (int)v, i++;
        } else if (strcmp(a, "--shard-index") == 0) {
            if (i + 1 >= argc || !parse_number(argv[i + 1], 0, 1e9, &v) || v != (int)v)
                return app_usage_error(rank, cmd, "--shard-index needs a whole number >= 0", i + 1 < argc ? argv[i + 1] : NULL);
            shard_index = (int)v, i++;
        } else if (strcmp(a, "--shard-count") == 0) {
            if (i + 1 >= argc || !parse_number(argv[i + 1], 1, 1e9, &v) || v != (int)v)
                return app_usage_error(rank, cmd, "--shard-count needs a whole number >= 1", i + 1 < argc ? argv[i + 1] : NULL);
            shard_count = (int)v, i++;
        } else if (strcmp(a, "--mem-per-rank") == 0) {
            if (i + 1 >= argc || !(mem_cli = app_parse_bytes(argv[i + 1])))
                return app_usage_error(rank, cmd, "--mem-per-rank needs a size such as 4G or 512M", i + 1 < argc ? argv[i + 1] : NULL);
            i++;
        } else if (strcmp(a, "--dry-run") == 0) {
            dry = 1;
        } else if (strcmp(a, "--static") == 0) {
            o.static_assign = 1;
        } else {
            return app_usage_error(rank, cmd, "unknown option", a);
        }
    }
    if (app_io_check(&io, "furui screen SWEEP.yaml [-o PREFIX] [options]", rank)) return APP_EXIT_USAGE;
    const char *sweep_path = io.input, *prefix = io.prefix;
    if ((shard_index < 0) != (shard_count < 0))
        return app_usage_error(rank, cmd, "--shard-index and --shard-count go together (give both or neither)", NULL);
    if (shard_count > 0) {
        if (shard_index >= shard_count) {
            if (rank == 0)
                fprintf(stderr, "furui: error: %s: --shard-index %d must be below --shard-count %d\n", cmd,
                        shard_index, shard_count);
            return APP_EXIT_USAGE;
        }
        o.shard_index = shard_index;
        o.shard_count = shard_count;
    }
    int size = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size > 1 && o.group_size > size - 1) {
        if (rank == 0)
            fprintf(stderr, "furui: error: screen: --group-size %d needs at least %d ranks (1 coordinator + %d), have %d\n",
                    o.group_size, o.group_size + 1, o.group_size, size);
        return APP_EXIT_USAGE;
    }
    install_signals();
    o.stop = &stop_requested;

    /* rank 0 alone reads the sweep: workers get each candidate in its task */
    fu_sweep sw;
    memset(&sw, 0, sizeof sw);
    fu_err err = {0};
    int rc = FU_OK;
    if (rank == 0) {
        rc = fu_sweep_read_until(sweep_path, &stop_requested, &sw, &err);
        if (rc == FU_ETIME)
            printf("screen: %s; nothing written%s\n", err.msg,
                   dry ? "" : ", rerun the same command to start");
        else if (rc)
            fprintf(stderr, "furui: error: %s\n", err.msg);
        /* converge: the ladders on rank 0 alone (the others wait), then the sweep at the
         * cutoff and k-spacing they chose (campaign/sweepconv.h) */
        if (!rc && sw.converge && !dry) {
            char cpfx[FU_SWEEP_PATH_LEN];
            snprintf(cpfx, sizeof cpfx, "%s", prefix ? prefix : sw.name);
            fu_sweepconv_choice ch;
            fu_sweep s2;
            rc = fu_sweepconv_run(&sw, cpfx, stderr, &ch, &err);
            if (!rc) rc = fu_sweep_read_converged(sweep_path, ch.ecut, ch.kspacing, &s2, &err);
            if (!rc) {
                fu_sweep_free(&sw);
                sw = s2;
            } else {
                fprintf(stderr, "furui: error: %s\n", err.msg);
            }
        }
        /* With more than one rank, measured plans only: each worker would
         * pay 0.3-1.4 s of patient planning per grid size in a campaign's
         * first run (its plans reach the cache only at the end, through
         * gather_wisdom), a trade-off not yet measured on real campaigns. */
        if (!rc) {
            /* a candidate that cannot fit is refused here, in the listing too */
            char how[200];
            double limit = app_mem_per_rank(mem_cli, how, sizeof how);
            if (limit < 0) {
                fprintf(stderr, "furui: error: %s\n", how);
                rc = FU_EINPUT;
            } else {
                /* each candidate's group size and layout for this job's ranks, planned over
                   the candidates of this shard (campaign/groupsize.h) */
                fu_groupsize_opts go = {size == 1 ? 1 : size - 1, size == 1 ? 1 : group_fixed, limit, o.threads,
                                        how, NULL, npband, npfft};
                /* a later stage's candidates are stage 1's structures in the same order, and
                   belong to the shard of their stage-1 structure (campaign/stages.h) */
                unsigned char *mask = NULL;
                if (shard_count > 1 && (!(mask = malloc(sw.n > 0 ? (size_t)sw.n : 1)) ||
                                        fu_farm_shard_mask(&sw, shard_index, shard_count, mask) < 0)) {
                    fprintf(stderr, "furui: error: screen: out of memory\n");
                    rc = FU_ENOMEM;
                }
                for (fu_sweep *t = &sw; !rc && t; t = t->next) {
                    go.mask = t->n == sw.n ? mask : NULL;
                    int valid = 0;
                    double least = INFINITY;
                    for (int i = 0; i < t->n; i++)
                        if (t->cand[i].valid && (!go.mask || go.mask[i])) {
                            valid++;
                            if (limit > 0)
                                least = fmin(least, fu_groupsize_min_mem(&t->cand[i], go.workers, o.threads));
                        }
                    int nref = rc ? 0 : fu_groupsize_plan(t, &go, &err);
                    if (nref < 0) {
                        fprintf(stderr, "furui: error: screen: %s\n", err.msg);
                        rc = FU_EINPUT;
                    } else if (!rc && nref == valid && valid > 0) {
                        /* nothing of it could run: a limit below the smallest layout's need */
                        char a[32], b[32];
                        fprintf(stderr, "furui: error: %s: %s per rank (%s) is below what any candidate%s needs "
                                "on its smallest layout of up to %d rank(s) (%s): nothing would run\n",
                                t->path, fu_memory_text(limit, a, sizeof a), how, t->nstages ? " of a stage" : "",
                                go.workers, fu_memory_text(least, b, sizeof b));
                        rc = FU_EINPUT;
                    }
                }
                free(mask);
            }
        }
        int patient = size == 1 && app_fft_patient();
        for (fu_sweep *t = &sw; !rc && t; t = t->next)
            for (int i = 0; i < t->n; i++) t->cand[i].params.fft_patient = patient;
    }
    { /* a sweep's converge: ladders keep rank 0 busy for minutes: wait without spinning */
        MPI_Request rq;
        int done = 0;
        MPI_Ibcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD, &rq);
        for (MPI_Test(&rq, &done, MPI_STATUS_IGNORE); !done; MPI_Test(&rq, &done, MPI_STATUS_IGNORE))
            nanosleep(&(struct timespec){0, 2000000}, NULL);
    }
    if (rc) {
        fu_sweep_free(&sw);
        /* a stop is not a failure: exit 0 like a farm stopped early */
        return rc == FU_ETIME ? APP_EXIT_OK : app_exit_code(rc);
    }
    if (dry) {
        rc = FU_OK;
        if (rank == 0) {
            unsigned char *in_shard = NULL;
            if (shard_count > 0) {
                in_shard = malloc(sw.n > 0 ? (size_t)sw.n : 1);
                if (!in_shard || fu_farm_shard_mask(&sw, shard_index, shard_count, in_shard) < 0) {
                    fprintf(stderr, "furui: error: screen: out of memory\n");
                    rc = FU_ENOMEM;
                }
            }
            if (!rc) print_table(&sw, in_shard, shard_index, shard_count);
            free(in_shard);
        }
        fu_sweep_free(&sw);
        return app_exit_code(rc);
    }
    char pfx[FU_SWEEP_PATH_LEN];
    if (rank == 0) {
        snprintf(pfx, sizeof pfx, "%s", prefix ? prefix : sw.name);
        o.progress = stderr;
        /* the sweep's farm controls unless the command line gave them (only
         * rank 0 uses them: they travel with each task) */
        if (!cli_rungs && sw.recovery_rungs > 0) o.recovery_rungs = sw.recovery_rungs;
        if (!cli_tl && sw.candidate_time_limit > 0) o.candidate_time_limit = sw.candidate_time_limit;
    }
    if (rank == 0) fu_preflight_hull(&sw, stderr);
    fu_farm_report rep;
    rc = fu_stages_run(&sw, rank == 0 ? pfx : NULL, &o, MPI_COMM_WORLD, &rep, &err);
    gather_wisdom(rank, size);
    if (rank == 0) {
        if (rc) {
            fprintf(stderr, "furui: error: screen: %s\n", err.msg);
        } else {
            if (o.shard_count > 1) printf("screen: shard %d of %d\n", o.shard_index, o.shard_count);
            printf("screen: %s.h5: %zu candidates: %zu done, %zu failed, %zu invalid, %zu left "
                   "(%zu run now, %.1f s)\n",
                   pfx, rep.ncand, rep.ndone, rep.nfailed, rep.ninvalid, rep.nleft, rep.nrun, rep.wall);
            printf("screen: time: %.2f s in the SCFs of this run's candidates, %.3f s coordinator "
                   "journal/log I/O, %.3f s writing %s.h5\n",
                   rep.engine_seconds, rep.io_seconds, rep.finalize_seconds, pfx);
            if (rep.nleft)
                printf("screen: %s; rerun the same command to continue\n",
                       rep.stopped ? "stopped early (deadline or signal)" : "unfinished candidates remain");
        }
    }
    fu_sweep_free(&sw);
    return app_exit_code(rc);
}

/* PREFIX.journal, else PREFIX.h5, else PREFIX itself. */
static const char *status_path(const char *arg, char *buf, size_t len) {
    struct stat st;
    snprintf(buf, len, "%s.journal", arg);
    if (stat(buf, &st) == 0) return buf;
    snprintf(buf, len, "%s.h5", arg);
    if (stat(buf, &st) == 0) return buf;
    return arg;
}

int cmd_status(int argc, char **argv, int rank) {
    if (argc != 1 || argv[0][0] == '-')
        return app_usage_error(rank, "status", "usage: furui status PREFIX (or a journal / results file)", NULL);
    if (rank != 0) return APP_EXIT_OK;
    char buf[FU_SWEEP_PATH_LEN + 16];
    const char *path = status_path(argv[0], buf, sizeof buf);
    struct stat sb;
    if (stat(path, &sb) != 0) {
        fprintf(stderr, "furui: error: status: no %s.journal, %s.h5 or file %s\n", argv[0], argv[0], argv[0]);
        return APP_EXIT_INPUT;
    }
    fu_results res;
    fu_store_report rep;
    memset(&res, 0, sizeof res);
    memset(&rep, 0, sizeof rep);
    fu_err err = {0};
    int rc = fu_results_load(path, &res, &rep, &err);
    if (rc) {
        fprintf(stderr, "furui: error: status: %s\n", err.msg);
        fu_results_free(&res);
        return app_exit_code(rc);
    }
    /* Each candidate is counted once: a failure that will be retried (not
     * final) is left, not failed (it was counted as both). */
    size_t count[6] = {0}, left = 0, retry = 0;
    for (size_t i = 0; i < res.n; i++) {
        const fu_record *r = &res.rec[i];
        if (!fu_record_state_terminal(r->state, r->final)) {
            left++;
            retry += r->state == FU_RECORD_FAILED;
        }
        if (r->state >= 1 && r->state <= 5 && (r->state != FU_RECORD_FAILED || r->final)) count[r->state]++;
    }
    /* "started" means running while a coordinator holds the journal's lock, else interrupted */
    char jbuf[FU_SWEEP_PATH_LEN + 16];
    size_t plen = strlen(path);
    if (plen > 3 && !strcmp(path + plen - 3, ".h5")) snprintf(jbuf, sizeof jbuf, "%.*s.journal", (int)(plen - 3), path);
    else snprintf(jbuf, sizeof jbuf, "%s", path);
    int live = fu_journal_writer_active(jbuf) == 1;
    double now = (double)time(NULL);
    printf("%s: %zu candidates: %zu done, %zu failed, %zu invalid, %zu left (%zu queued, %zu started = %s, "
           "%zu failed to be retried)\n",
           path, res.n, count[FU_RECORD_DONE], count[FU_RECORD_FAILED], count[FU_RECORD_INVALID], left,
           count[FU_RECORD_QUEUED], count[FU_RECORD_STARTED], live ? "running: the job is live" : "interrupted",
           retry);
    /* a staged sweep: the same counts per stage (campaign/stages.h) */
    for (int sg = 1, more = 1; more && sg <= 1000; sg++) {
        size_t c[6] = {0}, tot = 0;
        const char *name = "";
        more = 0;
        for (size_t i = 0; i < res.n; i++) {
            const fu_record *r = &res.rec[i];
            if (r->stage > sg) more = 1;
            if (r->stage != sg) continue;
            tot++, name = r->stage_name;
            c[fu_record_state_terminal(r->state, r->final) ? r->state : 0]++;
        }
        if (tot)
            printf("  stage %d (%s): %zu candidates: %zu done, %zu failed, %zu invalid, %zu left\n", sg, name,
                   tot, c[FU_RECORD_DONE], c[FU_RECORD_FAILED], c[FU_RECORD_INVALID], c[0]);
    }
    if (rep.warning[0]) printf("warning: %s\n", rep.warning);
    /* where the time went (journal version 2 records; older ones have no timings) */
    double eng = 0, io = 0;
    size_t nt = 0, nrec = 0, nchg = 0;
    for (size_t i = 0; i < res.n; i++) {
        const fu_record *r = &res.rec[i];
        if (isfinite(r->engine_seconds)) eng += r->engine_seconds, nt++;
        if (isfinite(r->io_seconds)) io += r->io_seconds;
        if (r->state == FU_RECORD_DONE && r->nrungs > 1) nrec++;
        if (r->settings_changed) nchg++;
    }
    if (nt)
        printf("time: %.2f s in the SCFs of %zu candidate(s) (%.2f s each on average), %.3f s coordinator "
               "I/O for them (%.3f %% of the SCF time)\n",
               eng, nt, eng / (double)nt, io, eng > 0 ? 100.0 * io / eng : 0.0);
    if (nrec)
        printf("recovered by the SCF recovery ladder: %zu (%zu computed with the recovery smearing: "
               "settings_changed)\n", nrec, nchg);
    /* candidates whose results carry a warning (props/warnings.h), from their messages */
    size_t nwarn = 0;
    for (size_t i = 0; i < res.n; i++) {
        const fu_record *r = &res.rec[i];
        char w[2048];
        if (r->state != FU_RECORD_DONE || !fu_warn_extract(r->message, w, sizeof w)) continue;
        if (nwarn++ == 0) printf("warnings (results to read with care):\n");
        if (nwarn <= 50) printf("  %s %s: %s\n", r->id, r->label ? r->label : "", w);
    }
    if (nwarn > 50) printf("  ... and %zu more\n", nwarn - 50);
    /* failures grouped by cause, with the first example of each */
    char **causes = calloc(res.n + 1, sizeof *causes);
    size_t *ncause = calloc(res.n + 1, sizeof *ncause), *first = calloc(res.n + 1, sizeof *first);
    size_t nc = 0;
    for (size_t i = 0; causes && ncause && first && i < res.n; i++) {
        const fu_record *r = &res.rec[i];
        if (r->state != FU_RECORD_FAILED && r->state != FU_RECORD_INVALID) continue;
        const char *cause = r->cause && r->cause[0] ? r->cause : fu_record_state_name(r->state);
        size_t k = 0;
        while (k < nc && strcmp(causes[k], cause) != 0) k++;
        if (k == nc) causes[nc] = (char *)cause, first[nc] = i, nc++;
        ncause[k]++;
    }
    if (nc) printf("failures by cause:\n");
    for (size_t k = 0; k < nc; k++) {
        const fu_record *r = &res.rec[first[k]];
        printf("  %-16s %6zu   e.g. %s %s: %s\n", causes[k], ncause[k], r->id, r->label ? r->label : "",
               r->message ? r->message : "");
    }
    free(causes), free(ncause), free(first);
    if (left) printf("left:\n");
    size_t shown = 0;
    for (size_t i = 0; i < res.n; i++) {
        const fu_record *r = &res.rec[i];
        if (fu_record_state_terminal(r->state, r->final)) continue;
        if (shown++ == 50) {
            printf("  ... and %zu more\n", left - 50);
            break;
        }
        char st[64];
        if (r->state == FU_RECORD_STARTED && live && isfinite(r->time_start) && r->time_start > 0) {
            long age = now > r->time_start ? (long)(now - r->time_start + 0.5) : 0; /* clock skew */
            snprintf(st, sizeof st, "running %ldh%02ldm%02lds", age / 3600, age / 60 % 60, age % 60);
        } else {
            snprintf(st, sizeof st, "%s%s%s%s", fu_record_state_name(r->state), r->cause && r->cause[0] ? " (" : "",
                     r->cause ? r->cause : "", r->cause && r->cause[0] ? ")" : "");
        }
        printf("  %s %-8s attempts %d  %s\n", r->id, st, r->attempt, r->label ? r->label : "");
    }
    /* given up after --max-attempts crashes of their own: a rerun allowing more retries them */
    size_t ncrash = 0;
    int maxatt = 0;
    for (size_t i = 0; i < res.n; i++) {
        const fu_record *r = &res.rec[i];
        if (r->state != FU_RECORD_FAILED || !r->final || !r->cause || strcmp(r->cause, "crashed") != 0) continue;
        if (ncrash++ == 0) printf("crashed (given up; a rerun with more --max-attempts retries them):\n");
        if (ncrash <= 50) printf("  %s attempts %d  %s\n", r->id, r->attempt, r->label ? r->label : "");
        if (r->attempt > maxatt) maxatt = r->attempt;
    }
    if (ncrash) {
        size_t pl = strlen(argv[0]);
        int cut = pl > 8 && !strcmp(argv[0] + pl - 8, ".journal") ? 8 : pl > 3 && !strcmp(argv[0] + pl - 3, ".h5") ? 3 : 0;
        if (ncrash > 50) printf("  ... and %zu more\n", ncrash - 50);
        printf("retry: furui screen SWEEP.yaml -o %.*s --max-attempts %d   (the sweep and options of the run)\n",
               (int)(pl - (size_t)cut), argv[0], maxatt + 1);
    }
    fu_results_free(&res);
    return APP_EXIT_OK;
}

static void print_ids(const char *what, char (*ids)[FU_RECORD_ID_LEN + 1], size_t n) {
    if (!n) return;
    printf("%s (%zu):", what, n);
    for (size_t i = 0; i < n && i < 50; i++) printf(" %s", ids[i]);
    printf(n > 50 ? " ...\n" : "\n");
}

/* furui merge [--sweep SWEEP.yaml] OUT.h5 SHARD...: with --sweep, the IDs
 * the campaign should hold are the sweep's (every candidate, invalid ones
 * included), so a shard that never ran shows up as missing candidates: the
 * merged file is still written, and the exit status is 2. */
int cmd_merge(int argc, char **argv, int rank) {
    /* --sweep may be given once per sweep of the campaign: the expected candidates are those of
       all of them */
    enum { MAXSW = 64 };
    const char *sweep_path[MAXSW];
    int nsweep = 0;
    while (argc >= 1 && strcmp(argv[0], "--sweep") == 0) {
        if (argc < 2) return app_usage_error(rank, "merge", "--sweep needs a sweep file", NULL);
        if (nsweep == MAXSW) return app_usage_error(rank, "merge", "more than 64 --sweep options", NULL);
        sweep_path[nsweep++] = argv[1];
        argc -= 2, argv += 2;
    }
    if (argc < 2 || argv[0][0] == '-')
        return app_usage_error(rank, "merge", "usage: furui merge [--sweep SWEEP.yaml]... OUT.h5 SHARD...", NULL);
    if (rank != 0) return APP_EXIT_OK;
    fu_merge_report rep;
    memset(&rep, 0, sizeof rep);
    fu_err err = {0};
    fu_sweep *sw = calloc(nsweep ? (size_t)nsweep : 1, sizeof *sw);
    const char **expected = NULL;
    size_t nexp = 0, cap = 0;
    int rc = sw ? FU_OK : fu_fail(&err, FU_ENOMEM, "out of memory");
    for (int k = 0; k < nsweep && !rc; k++) {
        rc = fu_sweep_read(sweep_path[k], &sw[k], &err);
        for (const fu_sweep *t = rc ? NULL : &sw[k]; t; t = t->next) cap += t->n > 0 ? (size_t)t->n : 0;
    }
    if (!rc && nsweep && !(expected = malloc((cap ? cap : 1) * sizeof *expected)))
        rc = fu_fail(&err, FU_ENOMEM, "out of memory");
    /* a candidate in two sweeps is expected once */
    int staged = 0;
    for (int k = 0; !rc && k < nsweep; k++) {
        staged |= sw[k].nstages > 0;
        for (int i = 0; i < sw[k].n; i++) {
            int dup = 0;
            for (int q = 0; q < k && !dup; q++)
                for (int j = 0; j < sw[q].n && !dup; j++) dup = !strcmp(sw[q].cand[j].id, sw[k].cand[i].id);
            if (!dup) expected[nexp++] = sw[k].cand[i].id;
        }
        /* a later stage: its candidates are expected only if the where selects them, known
         * once the stage before is merged (below); listed so that none is "unexpected" */
        for (const fu_sweep *t = sw[k].next; t; t = t->next)
            for (int i = 0; i < t->n; i++) expected[nexp++] = t->cand[i].id;
    }
    if (!rc)
        rc = fu_results_merge((const char *const *)(argv + 1), (size_t)(argc - 1), expected, nexp, argv[0], &rep,
                              &err);
    if (!rc && staged && rep.nmissing) {
        /* keep as missing only the later-stage candidates that their where selects */
        fu_results mr;
        rc = fu_results_read(argv[0], &mr, &err);
        for (int k = 0; !rc && k < nsweep; k++) {
            char(*want)[FU_RECORD_ID_LEN + 1] = NULL;
            size_t nw = 0, m = 0;
            if (!sw[k].nstages || (rc = fu_stages_expected(&sw[k], &mr, &want, &nw, &err))) continue;
            for (size_t q = 0; q < rep.nmissing; q++) {
                int later = 0, wanted = 0;
                for (const fu_sweep *t = sw[k].next; t && !later; t = t->next)
                    for (int i = 0; i < t->n && !later; i++) later = !strcmp(t->cand[i].id, rep.missing[q]);
                for (size_t i = 0; later && i < nw && !wanted; i++) wanted = !strcmp(want[i], rep.missing[q]);
                if (!later || wanted) memmove(rep.missing[m++], rep.missing[q], sizeof rep.missing[q]);
            }
            nexp -= rep.nmissing - m;
            rep.nmissing = m;
            free(want);
        }
        fu_results_free(&mr);
    }
    int code = app_exit_code(rc);
    if (rc) {
        fprintf(stderr, "furui: error: merge: %s\n", err.msg);
    } else {
        printf("merge: %s: %zu candidates: %zu done, %zu failed, %zu invalid, %zu unfinished; "
               "%zu identical duplicates collapsed (%zu equal within the merge tolerance), %zu superseded\n",
               argv[0], rep.ncand, rep.ndone, rep.nfailed, rep.ninvalid, rep.nunfinished, rep.ncollapsed,
               rep.nclose, rep.nsuperseded);
        if (rep.warning[0]) printf("warning: %s\n", rep.warning);
        if (nsweep) {
            print_ids(nsweep > 1 ? "missing: candidates of the sweeps in no input"
                                 : "missing: candidates of the sweep in no input",
                      rep.missing, rep.nmissing);
            print_ids(nsweep > 1 ? "unexpected: candidates in none of the sweeps" : "unexpected: candidates not in the sweep",
                      rep.unexpected, rep.nunexpected);
            if (rep.nmissing) {
                fprintf(stderr, "furui: error: merge: %zu of %zu candidate(s) of %s%s are in no input "
                        "(a shard that never ran?); %s written without them\n",
                        rep.nmissing, nexp, sweep_path[0], nsweep > 1 ? " and the other sweeps" : "", argv[0]);
                code = APP_EXIT_MISSING;
            }
        }
    }
    free(expected);
    for (int k = 0; sw && k < nsweep; k++) fu_sweep_free(&sw[k]);
    free(sw);
    fu_merge_report_free(&rep);
    return code;
}
