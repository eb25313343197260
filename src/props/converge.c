/* Convergence ladders (props/converge.h), shared by `furui converge` and a
 * sweep's `converge:` block. */
#include "props/converge.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"
#include "dft/protocol.h"
#include "dft/scf.h"

/* "A:B:STEP UNIT" or "v1,v2,... UNIT" into out[] (atomic units); count or -1. */
int fu_converge_parse_ladder(const char *opt, const char *arg, fu_unit_kind kind, double *out, char *msg,
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
        if (!(a > 0 && b >= a && st > 0 && isfinite(b)) || (b - a) / st + 1 > FU_CONVERGE_MAX_RUNGS + 1e-9) {
            snprintf(msg, cap, "%s '%s': need 0 < FROM <= TO, STEP > 0, at most %d values", opt, arg,
                     FU_CONVERGE_MAX_RUNGS);
            return -1;
        }
        for (double v = a; v <= b + 1e-9 * st; v += st) out[n++] = v * to_au;
    } else {
        char *s = buf, *end;
        while (*s) {
            if (n == FU_CONVERGE_MAX_RUNGS) {
                snprintf(msg, cap, "%s '%s': at most %d values", opt, arg, FU_CONVERGE_MAX_RUNGS);
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

int fu_converge_run_rung(const fu_structure *s, const fu_scf_params *base, MPI_Comm comm, FILE *log,
                         fu_converge_rung *g, fu_converge_prov *prov, fu_err *err) {
    fu_scf_params p = *base;
    p.ecut = g->ecut;
    memcpy(p.kgrid, g->kgrid, sizeof p.kgrid);
    p.compute_forces = 1;
    p.compute_stress = 1;
    if (log) fprintf(log, "\n# rung: ecut %.6g Ha, k-grid %d %d %d\n", g->ecut, g->kgrid[0], g->kgrid[1], g->kgrid[2]);
    fu_scf_result res;
    int rc = fu_scf_run(s, &p, comm, log, &res, err);
    if (rc == FU_ENOCONV) { /* reported as such, not fatal; its numbers are not results */
        g->ok = 0;
        g->wall = res.wall_seconds;
        fu_scf_result_free(&res);
        return FU_OK;
    }
    if (rc == FU_OK) {
        int na = s->natom;
        g->ok = res.converged;
        g->e_atom = res.etotal / na;
        g->pressure = -(res.stress[0][0] + res.stress[1][1] + res.stress[2][2]) / 3.0;
        g->gap = res.gap;
        g->wall = res.wall_seconds;
        if (prov && !prov->have) {
            prov->have = 1;
            prov->n = res.nspecies < 16 ? res.nspecies : 16;
            for (int i = 0; i < prov->n; i++) {
                memcpy(prov->path[i], res.psp_paths[i], sizeof prov->path[i]);
                memcpy(prov->sha[i], res.psp_sha256[i], sizeof prov->sha[i]);
                memcpy(prov->format[i], res.psp_format[i], sizeof prov->format[i]);
                memcpy(prov->hints[i], res.psp_hints[i], sizeof prov->hints[i]);
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
void fu_converge_analyse(fu_converge_ladder *L, int natom) {
    fu_converge_rung *ref = &L->r[L->n - 1];
    for (int i = 0; i < L->n; i++) {
        fu_converge_rung *g = &L->r[i];
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
            fu_converge_rung *g = &L->r[i];
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

void fu_converge_print(FILE *f, const fu_converge_ladder *L) {
    fprintf(f, "# %s ladder (differences to the last rung)\n", L->name);
    fprintf(f, "# %8s %12s %16s %14s %14s %12s %12s %s\n", "ecut_Ha", "k-grid", "E_eV_per_atom",
            "dE_meV_atom", "max_dF_meV_A", "dP_GPa", "dgap_meV", "scf");
    for (int i = 0; i < L->n; i++) {
        const fu_converge_rung *g = &L->r[i];
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
        const fu_converge_rung *ge = ie >= 0 ? &L->r[ie] : NULL, *ga = ia >= 0 ? &L->r[ia] : NULL;
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

json_t *fu_converge_ladder_json(const fu_converge_ladder *L) {
    json_t *o = json_object(), *rows = json_array(), *first = json_object();
    for (int i = 0; i < L->n; i++) {
        const fu_converge_rung *g = &L->r[i];
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
            const fu_converge_rung *g = &L->r[idx[j]];
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

void fu_converge_ladder_free(fu_converge_ladder *L) {
    for (int i = 0; L && i < L->n; i++) {
        free(L->r[i].forces);
        L->r[i].forces = NULL;
    }
}
