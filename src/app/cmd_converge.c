/* furui converge INPUT: a cutoff ladder and a k-point ladder on the structure
 * of one SCF input. Each rung is compared with the ladder's densest rung (the
 * best estimate the ladder has): ΔE per atom, max |ΔF|, ΔP (at a fixed
 * k-mesh, the cutoff's Pulay stress) and Δgap; for each protocol the first
 * rung from which on every rung meets its targets (dft/protocol.h) is
 * reported. Table on stdout, PREFIX.converge.json, the SCF tables in
 * PREFIX.converge.log; workflows/plot_converge.py draws the JSON. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/comm.h"
#include "core/error.h"
#include "core/jsonfile.h"
#include "core/units.h"
#include "core/yamldoc.h"
#include "crystal/kpoints.h"
#include "dft/protocol.h"
#include "dft/scf.h"
#include "dft/scf_input.h"
#include "app/commands.h"
#include "app/runtime.h"
#include "furui_git_version.h"

#define MAX_RUNGS 40
#define MAX_KDIV 200

typedef struct {
    double ecut;        /* Ha */
    double spacing;     /* bohr⁻¹ (k ladder), 0 for the cutoff ladder */
    int kgrid[3];
    int ok;             /* SCF converged */
    double e_atom;      /* Ha per atom */
    double pressure;    /* Ha/bohr³, -tr σ / 3 */
    double gap;         /* Ha, on the mesh */
    double (*forces)[3];
    double wall;
    /* against the reference rung */
    double de, dfmax, dp, dgap;
} rung;

typedef struct {
    const char *name; /* "ecut" or "kpoints" */
    int n;
    rung r[MAX_RUNGS];
    int first_energy[3]; /* per protocol: first rung meeting the energy target, -1 none */
    int first_all[3];    /* ... meeting every target */
} ladder;

/* "A:B:STEP UNIT" or "v1,v2,... UNIT" into out[] (atomic units); count or -1. */
static int parse_ladder(const char *opt, const char *arg, fu_unit_kind kind, double *out, char *msg,
                        size_t cap) {
    char buf[512];
    if (snprintf(buf, sizeof buf, "%s", arg) >= (int)sizeof buf) {
        snprintf(msg, cap, "%s: too long", opt);
        return -1;
    }
    char *sp = strrchr(buf, ' ');
    fu_unit_kind k;
    double to_au;
    if (!sp || fu_unit_lookup(sp + 1, &k, &to_au) != 0 || k != kind) {
        snprintf(msg, cap, "%s '%s': write the values then one %s unit, e.g. %s", opt, arg,
                 fu_unit_kind_name(kind), kind == FU_UNIT_ENERGY ? "'16:64:4 Ha' or '20,30,40 Ha'"
                                                                  : "'0.5,0.3,0.2 1/angstrom'");
        return -1;
    }
    *sp = '\0';
    int n = 0;
    double a, b, st;
    char tail;
    if (sscanf(buf, "%lf:%lf:%lf%c", &a, &b, &st, &tail) == 3) {
        if (!(a > 0 && b >= a && st > 0 && isfinite(b)) || (b - a) / st + 1 > MAX_RUNGS + 1e-9) {
            snprintf(msg, cap, "%s '%s': need 0 < FROM <= TO, STEP > 0, at most %d values", opt, arg,
                     MAX_RUNGS);
            return -1;
        }
        for (double v = a; v <= b + 1e-9 * st; v += st) out[n++] = v * to_au;
    } else {
        char *s = buf, *end;
        while (*s) {
            if (n == MAX_RUNGS) {
                snprintf(msg, cap, "%s '%s': at most %d values", opt, arg, MAX_RUNGS);
                return -1;
            }
            double v = strtod(s, &end);
            if (end == s || !(v > 0) || !isfinite(v) || (*end && *end != ',')) {
                snprintf(msg, cap, "%s '%s': values must be numbers > 0 separated by commas", opt, arg);
                return -1;
            }
            out[n++] = v * to_au;
            s = *end ? end + 1 : end;
        }
    }
    if (n < 2) {
        snprintf(msg, cap, "%s '%s': a ladder needs at least 2 values", opt, arg);
        return -1;
    }
    return n;
}

static int cmp_up(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}
static int cmp_down(const void *a, const void *b) { return cmp_up(b, a); }

/* what produced the numbers, from the first rung */
static struct {
    int have, n;
    char path[16][512], sha[16][65], format[16][8];
    double hints[16][3];
} prov;

static int run_rung(const fu_scf_input *in, rung *g, FILE *log, fu_err *err) {
    fu_scf_params p = in->params;
    p.ecut = g->ecut;
    memcpy(p.kgrid, g->kgrid, sizeof p.kgrid);
    p.compute_forces = 1;
    p.compute_stress = 1;
    if (log) fprintf(log, "\n# rung: ecut %.6g Ha, k-grid %d %d %d\n", g->ecut, g->kgrid[0], g->kgrid[1], g->kgrid[2]);
    fu_scf_result res;
    int rc = fu_scf_run(&in->structure, &p, MPI_COMM_WORLD, log, &res, err);
    if (rc == FU_ENOCONV) { /* reported as such, not fatal; its numbers are not results */
        g->ok = 0;
        g->wall = res.wall_seconds;
        fu_scf_result_free(&res);
        return FU_OK;
    }
    if (rc == FU_OK) {
        int na = in->structure.natom;
        g->ok = res.converged;
        g->e_atom = res.etotal / na;
        g->pressure = -(res.stress[0][0] + res.stress[1][1] + res.stress[2][2]) / 3.0;
        g->gap = res.gap;
        g->wall = res.wall_seconds;
        if (!prov.have) {
            prov.have = 1;
            prov.n = res.nspecies < 16 ? res.nspecies : 16;
            for (int i = 0; i < prov.n; i++) {
                memcpy(prov.path[i], res.psp_paths[i], sizeof prov.path[i]);
                memcpy(prov.sha[i], res.psp_sha256[i], sizeof prov.sha[i]);
                memcpy(prov.format[i], res.psp_format[i], sizeof prov.format[i]);
                memcpy(prov.hints[i], res.psp_hints[i], sizeof prov.hints[i]);
            }
        }
        g->forces = malloc(sizeof *g->forces * (size_t)na);
        if (g->forces && res.forces) memcpy(g->forces, res.forces, sizeof *g->forces * (size_t)na);
        else g->ok = 0;
        fu_scf_result_free(&res);
        return FU_OK;
    }
    return rc;
}

/* Differences to the last rung and, per protocol, the first rung from which
 * on every rung (the reference excluded) meets the targets. */
static void analyse(ladder *L, int natom) {
    rung *ref = &L->r[L->n - 1];
    for (int i = 0; i < L->n; i++) {
        rung *g = &L->r[i];
        g->de = g->e_atom - ref->e_atom;
        g->dp = g->pressure - ref->pressure;
        g->dgap = g->gap - ref->gap;
        g->dfmax = 0;
        for (int a = 0; a < natom && g->forces && ref->forces; a++)
            for (int c = 0; c < 3; c++) g->dfmax = fmax(g->dfmax, fabs(g->forces[a][c] - ref->forces[a][c]));
    }
    int np;
    const fu_protocol *pr = fu_protocol_all(&np);
    for (int k = 0; k < np && k < 3; k++) {
        L->first_energy[k] = L->first_all[k] = -1;
        int e_run = 1, a_run = 1;
        for (int i = L->n - 2; i >= 0; i--) {
            rung *g = &L->r[i];
            int e_ok = g->ok && fabs(g->de) <= pr[k].conv_energy;
            int all_ok = e_ok && g->dfmax <= pr[k].conv_force && fabs(g->dp) <= pr[k].conv_pressure &&
                         fabs(g->dgap) <= pr[k].conv_gap;
            e_run = e_run && e_ok;
            a_run = a_run && all_ok;
            if (e_run) L->first_energy[k] = i;
            if (a_run) L->first_all[k] = i;
        }
    }
}

static void print_table(FILE *f, const ladder *L) {
    fprintf(f, "# %s ladder (differences to the last rung)\n", L->name);
    fprintf(f, "# %8s %12s %16s %14s %14s %12s %12s %s\n", "ecut_Ha", "k-grid", "E_eV_per_atom",
            "dE_meV_atom", "max_dF_meV_A", "dP_GPa", "dgap_meV", "scf");
    for (int i = 0; i < L->n; i++) {
        const rung *g = &L->r[i];
        char kg[32];
        snprintf(kg, sizeof kg, "%dx%dx%d", g->kgrid[0], g->kgrid[1], g->kgrid[2]);
        fprintf(f, "  %8.2f %12s %16.6f %14.4f %14.4f %12.4f %12.3f %s\n", g->ecut, kg,
                g->e_atom * FU_HA_EV, g->de * FU_HA_EV * 1e3,
                g->dfmax * FU_HA_EV * 1e3 / FU_BOHR_ANGSTROM, g->dp * FU_HA_BOHR3_GPA,
                g->dgap * FU_HA_EV * 1e3, g->ok ? "converged" : "NOT converged");
    }
    int np;
    const fu_protocol *pr = fu_protocol_all(&np);
    for (int k = 0; k < np && k < 3; k++) {
        int ie = L->first_energy[k], ia = L->first_all[k];
        char se[64], sa[64];
        const rung *ge = ie >= 0 ? &L->r[ie] : NULL, *ga = ia >= 0 ? &L->r[ia] : NULL;
        if (!ge) snprintf(se, sizeof se, "not within this ladder");
        else if (L->name[0] == 'e') snprintf(se, sizeof se, "%.2f Ha", ge->ecut);
        else snprintf(se, sizeof se, "%dx%dx%d", ge->kgrid[0], ge->kgrid[1], ge->kgrid[2]);
        if (!ga) snprintf(sa, sizeof sa, "not within this ladder");
        else if (L->name[0] == 'e') snprintf(sa, sizeof sa, "%.2f Ha", ga->ecut);
        else snprintf(sa, sizeof sa, "%dx%dx%d", ga->kgrid[0], ga->kgrid[1], ga->kgrid[2]);
        fprintf(f, "# %-9s (dE %g meV/atom): %s; with dF %g meV/A, dP %g GPa, dgap %g meV: %s\n",
                pr[k].name, pr[k].conv_energy * FU_HA_EV * 1e3, se,
                pr[k].conv_force * FU_HA_EV * 1e3 / FU_BOHR_ANGSTROM,
                pr[k].conv_pressure * FU_HA_BOHR3_GPA, pr[k].conv_gap * FU_HA_EV * 1e3, sa);
    }
}

static json_t *ladder_json(const ladder *L) {
    json_t *o = json_object(), *rows = json_array(), *first = json_object();
    for (int i = 0; i < L->n; i++) {
        const rung *g = &L->r[i];
        json_t *r = json_object();
        json_object_set_new(r, "ecut_ha", json_real(g->ecut));
        if (g->spacing > 0) json_object_set_new(r, "kspacing_per_angstrom", json_real(g->spacing / FU_BOHR_ANGSTROM));
        json_object_set_new(r, "kgrid", json_pack("[iii]", g->kgrid[0], g->kgrid[1], g->kgrid[2]));
        json_object_set_new(r, "scf_converged", json_boolean(g->ok));
        /* an unconverged rung has no numbers, only its flag */
#define NUM(x) (g->ok ? json_real(x) : json_null())
        json_object_set_new(r, "energy_ev_per_atom", NUM(g->e_atom * FU_HA_EV));
        json_object_set_new(r, "pressure_gpa", NUM(g->pressure * FU_HA_BOHR3_GPA));
        json_object_set_new(r, "gap_ev", NUM(g->gap * FU_HA_EV));
        json_object_set_new(r, "d_energy_mev_per_atom", NUM(g->de * FU_HA_EV * 1e3));
        json_object_set_new(r, "max_d_force_mev_per_angstrom", NUM(g->dfmax * FU_HA_EV * 1e3 / FU_BOHR_ANGSTROM));
        json_object_set_new(r, "d_pressure_gpa", NUM(g->dp * FU_HA_BOHR3_GPA));
        json_object_set_new(r, "d_gap_mev", NUM(g->dgap * FU_HA_EV * 1e3));
#undef NUM
        json_object_set_new(r, "wall_s", json_real(g->wall));
        json_array_append_new(rows, r);
    }
    int np;
    const fu_protocol *pr = fu_protocol_all(&np);
    for (int k = 0; k < np && k < 3; k++) {
        json_t *p = json_object();
        json_object_set_new(p, "target_d_energy_mev_per_atom", json_real(pr[k].conv_energy * FU_HA_EV * 1e3));
        json_object_set_new(p, "target_max_d_force_mev_per_angstrom",
                            json_real(pr[k].conv_force * FU_HA_EV * 1e3 / FU_BOHR_ANGSTROM));
        json_object_set_new(p, "target_d_pressure_gpa", json_real(pr[k].conv_pressure * FU_HA_BOHR3_GPA));
        json_object_set_new(p, "target_d_gap_mev", json_real(pr[k].conv_gap * FU_HA_EV * 1e3));
        const int idx[2] = {L->first_energy[k], L->first_all[k]};
        const char *key[2] = {"energy", "all"};
        for (int j = 0; j < 2; j++) {
            if (idx[j] < 0) {
                json_object_set_new(p, key[j], json_null());
                continue;
            }
            const rung *g = &L->r[idx[j]];
            json_object_set_new(p, key[j], L->name[0] == 'e' ? json_pack("{sf}", "ecut_ha", g->ecut)
                                                              : json_pack("{s[iii]}", "kgrid", g->kgrid[0],
                                                                          g->kgrid[1], g->kgrid[2]));
        }
        json_object_set_new(first, pr[k].name, p);
    }
    json_object_set_new(o, "rungs", rows);
    json_object_set_new(o, "first_meeting", first);
    return o;
}

int cmd_converge(int argc, char **argv, int rank) {
    app_io_args a = {.cmd = "converge", .what = "input file"};
    const char *ecut_arg = "16:64:4 Ha", *k_arg = "0.6,0.5,0.4,0.3,0.25,0.2,0.15,0.12,0.1 1/angstrom";
    int do_ecut = 1, do_k = 1;
    for (int i = 0; i < argc; i++) {
        int took = app_io_take(&a, argc, argv, &i, rank);
        if (took < 0) return APP_EXIT_USAGE;
        if (took) continue;
        if (!strcmp(argv[i], "--ecut") || !strcmp(argv[i], "--kspacing") || !strcmp(argv[i], "--only")) {
            if (i + 1 >= argc) return app_usage_error(rank, a.cmd, "option needs a value", argv[i]);
            const char *v = argv[++i];
            if (!strcmp(argv[i - 1], "--ecut")) ecut_arg = v;
            else if (!strcmp(argv[i - 1], "--kspacing")) k_arg = v;
            else if (!strcmp(v, "ecut")) do_k = 0;
            else if (!strcmp(v, "kpoints")) do_ecut = 0;
            else return app_usage_error(rank, a.cmd, "--only takes ecut or kpoints", v);
        } else {
            return app_usage_error(rank, a.cmd, "unknown option", argv[i]);
        }
    }
    if (app_io_check(&a, "furui converge INPUT.yaml [-o PREFIX] [--ecut 'FROM:TO:STEP Ha'] "
                         "[--kspacing 'Q1,Q2,... 1/angstrom'] [--only ecut|kpoints]", rank))
        return APP_EXIT_USAGE;
    const char *input = a.input, *prefix = a.prefix;
    double ecuts[MAX_RUNGS], spacings[MAX_RUNGS];
    char msg[600];
    int ne = 0, nk = 0;
    if (do_ecut && (ne = parse_ladder("--ecut", ecut_arg, FU_UNIT_ENERGY, ecuts, msg, sizeof msg)) < 0)
        return app_usage_error(rank, "converge", msg, NULL);
    if (do_k && (nk = parse_ladder("--kspacing", k_arg, FU_UNIT_INVLENGTH, spacings, msg, sizeof msg)) < 0)
        return app_usage_error(rank, "converge", msg, NULL);
    for (int i = 0; i < ne; i++)
        if (ecuts[i] > FU_INPUT_MAX_ECUT) return app_usage_error(rank, "converge", "--ecut: values above 1000 Ha", ecut_arg);
    qsort(ecuts, (size_t)ne, sizeof *ecuts, cmp_up);
    qsort(spacings, (size_t)nk, sizeof *spacings, cmp_down); /* coarse to dense */

    fu_err err = {0};
    fu_scf_input in;
    int rc = app_scf_input_read(input, &in, rank);
    if (rc) return rc;
    if (!prefix) prefix = in.output_prefix;

    static ladder L[2];
    memset(L, 0, sizeof L);
    L[0].name = "ecut";
    L[1].name = "kpoints";
    for (int i = 0; i < ne; i++) {
        L[0].r[L[0].n].ecut = ecuts[i];
        memcpy(L[0].r[L[0].n].kgrid, in.params.kgrid, sizeof in.params.kgrid);
        L[0].n++;
    }
    for (int i = 0; i < nk; i++) {
        rung *g = &L[1].r[L[1].n];
        g->ecut = in.params.ecut;
        g->spacing = spacings[i];
        fu_kpoints_grid_from_spacing(in.structure.lattice, spacings[i], MAX_KDIV, g->kgrid);
        /* the same mesh from two spacings is one rung */
        if (L[1].n > 0 && !memcmp(g->kgrid, L[1].r[L[1].n - 1].kgrid, sizeof g->kgrid)) continue;
        L[1].n++;
    }
    if (do_k && L[1].n < 2) {
        fu_scf_input_free(&in);
        return app_usage_error(rank, "converge", "--kspacing: the spacings give fewer than 2 distinct meshes", k_arg);
    }

    char path_log[4200], path_json[4200], tmp_log[4300];
    snprintf(path_log, sizeof path_log, "%s.converge.log", prefix);
    snprintf(path_json, sizeof path_json, "%s.converge.json", prefix);
    snprintf(tmp_log, sizeof tmp_log, "%s.tmp.%ld", path_log, (long)getpid());
    FILE *log = NULL;
    int open_ok = 1;
    if (rank == 0) {
        log = app_runlog_open(tmp_log, path_log, "converge", input);
        if (!log) {
            open_ok = 0;
        } else {
            /* a stop signal leaves PREFIX.converge.failed.log, not a temporary */
            char failed[4300];
            snprintf(failed, sizeof failed, "%s.converge.failed.log", prefix);
            app_runlog_guard(input, tmp_log, failed, fileno(log));
        }
    }
    fu_bcast(&open_ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (!open_ok) {
        fu_scf_input_free(&in);
        return APP_EXIT_OTHER;
    }
    for (int l = 0; l < 2 && !rc; l++) {
        if ((l == 0 && !do_ecut) || (l == 1 && !do_k)) continue;
        for (int i = 0; i < L[l].n && !rc; i++) {
            rung *g = &L[l].r[i];
            if (rank == 0) {
                printf("%s rung %d/%d: ecut %.2f Ha, k-grid %dx%dx%d\n", L[l].name, i + 1, L[l].n, g->ecut,
                       g->kgrid[0], g->kgrid[1], g->kgrid[2]);
                fflush(stdout);
            }
            rc = run_rung(&in, g, log, &err);
        }
        if (!rc && !L[l].r[L[l].n - 1].ok)
            rc = fu_fail(&err, FU_ENOCONV, "%s ladder: the densest rung's SCF did not converge", L[l].name);
        if (!rc) analyse(&L[l], in.structure.natom);
    }
    app_runlog_defer();
    if (rank == 0) {
        if (rc) {
            fprintf(stderr, "furui: error: %s: %s\n", input, err.msg);
            if (log) {
                fprintf(log, "# ERROR: %s\n", err.msg);
                fclose(log);
            }
            char failed[4300];
            snprintf(failed, sizeof failed, "%s.converge.failed.log", prefix);
            rename(tmp_log, failed);
        } else {
            json_t *j = json_object();
            json_object_set_new(j, "program", json_pack("{ssss}", "name", "furui", "version", FURUI_VERSION));
            json_object_set_new(j, "input", json_string(input));
            json_object_set_new(j, "natom", json_integer(in.structure.natom));
            json_object_set_new(j, "xc", json_string(in.params.xc));
            json_t *ps = json_object();
            for (int s = 0; s < in.structure.nspecies && s < prov.n; s++) {
                json_t *q = json_pack("{ssssssss}", "spec", in.params.pseudo[s], "file", prov.path[s],
                                      "format", prov.format[s], "sha256", prov.sha[s]);
                if (prov.hints[s][1] > 0)
                    json_object_set_new(q, "cutoff_hints_ha", json_pack("{sfsfsf}", "low", prov.hints[s][0],
                                                                        "normal", prov.hints[s][1], "high",
                                                                        prov.hints[s][2]));
                json_object_set_new(ps, in.structure.symbol[s], q);
            }
            json_object_set_new(j, "pseudopotentials", ps);
            json_object_set_new(j, "smearing", json_string(fu_smearing_name(in.params.smearing)));
            json_object_set_new(j, "smearing_width_ha", json_real(in.params.tsmear));
            if (in.params.protocol[0]) json_object_set_new(j, "protocol", json_string(in.params.protocol));
            json_object_set_new(j, "reference", json_string("each ladder's last (densest) rung"));
            for (int l = 0; l < 2; l++) {
                if ((l == 0 && !do_ecut) || (l == 1 && !do_k)) continue;
                json_t *lj = ladder_json(&L[l]);
                if (l == 0)
                    json_object_set_new(lj, "kgrid", json_pack("[iii]", in.params.kgrid[0], in.params.kgrid[1],
                                                               in.params.kgrid[2]));
                else json_object_set_new(lj, "ecut_ha", json_real(in.params.ecut));
                json_object_set_new(j, L[l].name, lj);
                print_table(stdout, &L[l]);
                print_table(log, &L[l]);
            }
            fclose(log);
            log = NULL;
            int wrc = fu_json_write_atomic(j, path_json, JSON_INDENT(1), &err);
            json_decref(j);
            if (!wrc && rename(tmp_log, path_log) != 0)
                wrc = fu_fail(&err, FU_EIO, "%s: cannot rename: %s", tmp_log, strerror(errno));
            if (wrc) {
                fprintf(stderr, "furui: error: %s\n", err.msg);
                remove(tmp_log);
                rc = wrc;
            } else {
                printf("# written: %s, %s\n", path_json, path_log);
            }
        }
    }
    app_runlog_release();
    fu_bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
    for (int l = 0; l < 2; l++)
        for (int i = 0; i < L[l].n; i++) free(L[l].r[i].forces);
    fu_scf_input_free(&in);
    return app_exit_code(rc);
}
