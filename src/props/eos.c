/* Equation of state: BM3 fit and volume scan. Formulas: eos.h. */
#include "props/eos.h"
#include "props/property.h"

#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/comm.h"
#include "core/clock.h"
#include "core/units.h"
#include "dft/scf.h"

double fu_eos_bm_energy(double v, double e0, double v0, double b0, double b0p) {
    double eta = pow(v0 / v, 2.0 / 3.0), d = eta - 1.0;
    return e0 + 9.0 * v0 * b0 / 16.0 * (d * d * d * b0p + d * d * (6.0 - 4.0 * eta));
}

double fu_eos_bm_pressure(double v, double v0, double b0, double b0p) {
    double r = v0 / v, eta = pow(r, 2.0 / 3.0);
    return 1.5 * b0 * (pow(r, 7.0 / 3.0) - pow(r, 5.0 / 3.0)) *
           (1.0 + 0.75 * (b0p - 4.0) * (eta - 1.0));
}

double fu_eos_scale_factor(double v0, double v_in) {
    if (!(v0 > 0) || !(v_in > 0)) return NAN;
    return cbrt(v0 / v_in);
}

double fu_eos_cubic_a0(double v0, int points_per_conventional, int points_per_cell) {
    if (!(v0 > 0) || points_per_conventional <= 0 || points_per_cell <= 0) return NAN;
    return cbrt(v0 * points_per_conventional / points_per_cell);
}

/* The cubic in t and its derivatives. */
static double cub(const double b[4], double t) { return b[0] + t * (b[1] + t * (b[2] + t * b[3])); }
static double cub2(const double b[4], double t) { return 2 * b[2] + 6 * t * b[3]; }

int fu_eos_fit(int n, const double *v, const double *e, fu_eos_fit_result *fit, fu_err *err) {
    memset(fit, 0, sizeof *fit);
    fit->npoints = n;
    if (n < 4 || n > FU_EOS_MAXPOINTS)
        return fu_fail(err, FU_EINPUT, "eos: %d points: a Birch-Murnaghan fit needs 4 to %d", n,
                       FU_EOS_MAXPOINTS);
    double vmin = INFINITY, vmax = -INFINITY;
    for (int i = 0; i < n; i++) {
        if (!isfinite(v[i]) || !isfinite(e[i]) || !(v[i] > 0))
            return fu_fail(err, FU_EINPUT, "eos: point %d: V = %g bohr^3, E = %g Ha: need finite "
                           "V > 0 and finite E", i, v[i], e[i]);
        if (v[i] < vmin) vmin = v[i];
        if (v[i] > vmax) vmax = v[i];
    }
    /* distinct volumes (relative 1e-10) */
    int ndistinct = 0;
    for (int i = 0; i < n; i++) {
        int dup = 0;
        for (int j = 0; j < i && !dup; j++) dup = fabs(v[i] - v[j]) <= 1e-10 * vmax;
        ndistinct += !dup;
    }
    if (ndistinct < 4)
        return fu_fail(err, FU_EINPUT, "eos: only %d distinct volumes: a Birch-Murnaghan fit "
                       "needs 4", ndistinct);
    fit->vmin = vmin;
    fit->vmax = vmax;

    /* t = (x - xm)/xh, x = V^(-2/3); x is decreasing in V */
    double xlo = pow(vmax, -2.0 / 3.0), xhi = pow(vmin, -2.0 / 3.0);
    double xm = 0.5 * (xlo + xhi), xh = 0.5 * (xhi - xlo);
    /* energies relative to their mean: the fit sees the variation, not 1e2 Ha */
    double emean = 0;
    for (int i = 0; i < n; i++) emean += e[i] / n;
    double A[FU_EOS_MAXPOINTS * 4], rhs[FU_EOS_MAXPOINTS];
    for (int i = 0; i < n; i++) {
        double t = (pow(v[i], -2.0 / 3.0) - xm) / xh;
        A[4 * i + 0] = 1;
        A[4 * i + 1] = t;
        A[4 * i + 2] = t * t;
        A[4 * i + 3] = t * t * t;
        rhs[i] = e[i] - emean;
    }
    lapack_int info = LAPACKE_dgels(LAPACK_ROW_MAJOR, 'N', n, 4, 1, A, 4, rhs, 1);
    if (info != 0)
        return fu_fail(err, FU_ELIB, "eos: LAPACK dgels failed (info %d)", (int)info);
    double b[4] = {rhs[0], rhs[1], rhs[2], rhs[3]};

    /* local minimum of the cubic in t: b1 + 2 b2 t + 3 b3 t² = 0 with
     * 2 b2 + 6 b3 t > 0. A cubic has at most one. */
    double tmin = NAN;
    double qa = 3 * b[3], qb = 2 * b[2], qc = b[1];
    double scale = fabs(qa) + fabs(qb) + fabs(qc);
    if (fabs(qa) <= 1e-14 * scale) {
        if (qb > 0) tmin = -qc / qb; /* parabola opening upwards */
    } else {
        double disc = qb * qb - 4 * qa * qc;
        if (disc > 0) {
            double q = -0.5 * (qb + copysign(sqrt(disc), qb));
            double r1 = q / qa, r2 = (q != 0) ? qc / q : r1;
            if (cub2(b, r1) > 0) tmin = r1;
            else if (cub2(b, r2) > 0) tmin = r2;
        }
    }
    /* concave over the whole sampled range: the data show no minimum */
    int concave = cub2(b, -1) <= 0 && cub2(b, 1) <= 0;
    double x0 = xm + xh * tmin;
    if (!isfinite(tmin) || concave || !(x0 > 0))
        return fu_fail(err, FU_EPHYS, "eos: no energy minimum: the fitted E(V) is %s over "
                       "V = %.6g..%.6g bohr^3; sample around the minimum",
                       concave ? "concave in V^(-2/3)" : "without a minimum", vmin, vmax);

    /* derivatives with respect to x */
    double exx = cub2(b, tmin) / (xh * xh);
    double exxx = 6 * b[3] / (xh * xh * xh);
    fit->v0 = pow(x0, -1.5);
    fit->e0 = emean + cub(b, tmin);
    fit->b0 = 4.0 / 9.0 * pow(x0, 3.5) * exx;
    fit->b0_gpa = fit->b0 * FU_HA_BOHR3_GPA;
    fit->b0_prime = 4.0 + 2.0 / 3.0 * x0 * exxx / exx;

    /* polynomial coefficients in x (for callers) */
    double c[4] = {0};
    /* E = Σ b_k ((x - xm)/xh)^k, expand */
    const double binom[4][4] = {{1, 0, 0, 0}, {1, 1, 0, 0}, {1, 2, 1, 0}, {1, 3, 3, 1}};
    for (int k = 0; k < 4; k++) {
        double bk = b[k] / pow(xh, k);
        for (int j = 0; j <= k; j++) c[j] += bk * binom[k][j] * pow(-xm, k - j);
    }
    c[0] += emean;
    memcpy(fit->coef, c, sizeof c);

    double ss = 0, mx = 0;
    for (int i = 0; i < n; i++) {
        double t = (pow(v[i], -2.0 / 3.0) - xm) / xh;
        double r = e[i] - (emean + cub(b, t));
        ss += r * r;
        if (fabs(r) > mx) mx = fabs(r);
    }
    fit->rms_residual = sqrt(ss / n);
    fit->max_residual = mx;

    if (fit->v0 < vmin || fit->v0 > vmax) {
        fit->min_outside = 1;
        snprintf(fit->warning, sizeof fit->warning,
                 "eos: warning: minimum V0 = %.6g bohr^3 is outside the sampled range "
                 "%.6g..%.6g bohr^3: V0, B0, B0' are extrapolated; rescan around V0",
                 fit->v0, vmin, vmax);
    }
    return FU_OK;
}

void fu_eos_scan_opts_default(fu_eos_scan_opts *o) {
    memset(o, 0, sizeof *o);
    o->npoints = 7;
    o->a_range = 0.02;
}

int fu_eos_scan(const fu_structure *s, const fu_scf_params *p, MPI_Comm comm,
                const fu_eos_scan_opts *opt, fu_eos_scan_result *res, fu_err *err) {
    fu_eos_scan_opts dflt;
    if (!opt) {
        fu_eos_scan_opts_default(&dflt);
        opt = &dflt;
    }
    memset(res, 0, sizeof *res);
    double t0 = fu_monotonic_seconds();
    int n;
    double sc[FU_EOS_MAXPOINTS];
    if (opt->nscale > 0) {
        n = opt->nscale;
        if (n < 4 || n > FU_EOS_MAXPOINTS)
            return fu_fail(err, FU_EINPUT, "eos: %d scale factors: need 4 to %d", n,
                           FU_EOS_MAXPOINTS);
        for (int i = 0; i < n; i++) {
            if (!(opt->scales[i] > 0.5 && opt->scales[i] < 2.0))
                return fu_fail(err, FU_EINPUT, "eos: scale factor %d = %g: must be in (0.5, 2)",
                               i, opt->scales[i]);
            sc[i] = opt->scales[i];
        }
    } else {
        n = opt->npoints;
        if (n < 4 || n > FU_EOS_MAXPOINTS)
            return fu_fail(err, FU_EINPUT, "eos: npoints = %d: need 4 to %d", n, FU_EOS_MAXPOINTS);
        if (!(opt->a_range > 0 && opt->a_range <= 0.3))
            return fu_fail(err, FU_EINPUT, "eos: a_range = %g: must be in (0, 0.3]", opt->a_range);
        for (int i = 0; i < n; i++) sc[i] = 1.0 + opt->a_range * (2.0 * i / (n - 1) - 1.0);
    }
    int rank = 0;
    fu_comm_rank(comm, &rank);
    FILE *log = rank == 0 ? opt->log : NULL;
    res->npoints = n;
    res->v_input = fabs(fu_lattice_det(s->lattice));
    for (int i = 0; i < n; i++) {
        fu_structure t;
        int rc = fu_structure_copy(&t, s, err);
        if (rc) return rc;
        for (int a = 0; a < 3; a++)
            for (int c = 0; c < 3; c++) t.lattice[a][c] = s->lattice[a][c] * sc[i];
        fu_scf_params q = *p;
        if (opt->constant_basis) q.ecut = p->ecut / (sc[i] * sc[i]);
        double vt = fabs(fu_lattice_det(t.lattice));
        int known = -1;
        for (int k = 0; k < opt->nknown && k < FU_EOS_MAXPOINTS && known < 0; k++)
            if (fabs(opt->known_volume[k] - vt) <= 1e-12 * vt && isfinite(opt->known_energy[k])) known = k;
        if (known >= 0) { /* computed by an earlier, interrupted scan */
            fu_structure_free(&t);
            res->scale[i] = sc[i];
            res->volume[i] = opt->known_volume[known];
            res->energy[i] = opt->known_energy[known];
            res->ecut[i] = q.ecut;
            res->pressure[i] = NAN;
            res->iterations[i] = 0;
            if (log) {
                fprintf(log, "# eos point %d: scale %.6f  V %.6f bohr^3  E %.12f Ha  (from the checkpoint)\n", i,
                        sc[i], res->volume[i], res->energy[i]);
                fflush(log);
            }
            continue;
        }
        fu_scf_opts so;
        fu_scf_opts_default(&so);
        so.stop = opt->stop;
        so.deadline = opt->deadline;
        fu_scf_result r;
        rc = fu_scf_run_opts(&t, &q, &so, comm, log, &r, err);
        fu_structure_free(&t);
        if (rc) {
            fu_err_prefix(err, "eos: point %d (scale %.6f)", i, sc[i]);
            fu_scf_result_free(&r); /* safe: fu_scf_run zeroes r first */
            return rc;
        }
        res->scale[i] = sc[i];
        res->volume[i] = r.volume;
        res->energy[i] = r.etotal;
        res->ecut[i] = q.ecut;
        res->pressure[i] = r.have_stress
                               ? -(r.stress[0][0] + r.stress[1][1] + r.stress[2][2]) / 3.0
                               : NAN;
        res->iterations[i] = r.iterations;
        fu_scf_result_free(&r);
        if (opt->on_point) opt->on_point(opt->on_point_ctx, i, res->volume[i], res->energy[i]);
        if (log) {
            fprintf(log, "# eos point %d: scale %.6f  V %.6f bohr^3  E %.12f Ha  P %.6f GPa\n", i,
                    sc[i], res->volume[i], res->energy[i], res->pressure[i] * FU_HA_BOHR3_GPA);
            fflush(log);
        }
    }
    int rc = fu_eos_fit(n, res->volume, res->energy, &res->fit, err);
    res->wall_seconds = fu_monotonic_seconds() - t0;
    if (rc) return rc;
    res->scale0 = fu_eos_scale_factor(res->fit.v0, res->v_input);
    if (log) {
        fprintf(log, "# eos: E0 %.12f Ha  V0 %.6f bohr^3  B0 %.4f GPa  B0' %.4f  rms %.3g Ha%s%s\n",
                res->fit.e0, res->fit.v0, res->fit.b0_gpa, res->fit.b0_prime,
                res->fit.rms_residual, res->fit.warning[0] ? "\n# " : "", res->fit.warning);
        fflush(log);
    }
    return FU_OK;
}

/* ---- descriptor (props/property.h) ---------------------------------------------- */

static int eos_present(const fu_cand_result *r) { return r->eos_npoints > 0; }

#define EOS_OFF(field) offsetof(fu_cand_result, field)
#define EOS_FIT(n, u, field) \
    {.name = n, .units = u, .kind = FU_FIELD_F64, .count = 1, .offset = EOS_OFF(field), .tol = FU_TOL_SCF, .gated = 1}
static const fu_property_field eos_fields[] = {
    {.name = "eos_npoints", .kind = FU_FIELD_I32, .count = 1, .offset = EOS_OFF(eos_npoints), .tol = FU_TOL_INPUT},
    /* ragged: eos_npoints points (results file: eos_offset) */
    {.name = "eos_volume", .units = "bohr^3", .kind = FU_FIELD_F64, .count = 0, .offset = EOS_OFF(eos_volume),
     .len_offset = EOS_OFF(eos_npoints), .tol = FU_TOL_INPUT, .gated = 1},
    {.name = "eos_energy", .units = "Ha", .kind = FU_FIELD_F64, .count = 0, .offset = EOS_OFF(eos_energy),
     .len_offset = EOS_OFF(eos_npoints), .tol = FU_TOL_INPUT, .gated = 1},
    EOS_FIT("eos_v0", "bohr^3", eos_v0),
    EOS_FIT("eos_e0", "Ha", eos_e0),
    EOS_FIT("eos_b0", "Ha/bohr^3", eos_b0),
    EOS_FIT("eos_b0_prime", "1", eos_b0_prime),
    EOS_FIT("eos_rms_residual", "Ha", eos_rms),
    {.name = "eos_min_outside", .kind = FU_FIELD_I32, .count = 1, .offset = EOS_OFF(eos_min_outside),
     .tol = FU_TOL_INPUT, .gated = 1, .ifill = -1},
};

/* catalog columns (rank/catalog.h): the fit in eV, GPa and Å³ per atom */
static double eos_volume_per_atom(const fu_cand_result *r) {
    const double b3 = FU_BOHR_ANGSTROM * FU_BOHR_ANGSTROM * FU_BOHR_ANGSTROM;
    return r->natom > 0 ? r->eos_v0 * b3 / r->natom : NAN;
}
static double eos_bulk_modulus(const fu_cand_result *r) { return r->natom > 0 ? r->eos_b0 * FU_HA_BOHR3_GPA : NAN; }
static double eos_b0_prime(const fu_cand_result *r) { return r->natom > 0 ? r->eos_b0_prime : NAN; }
static double eos_rms_mev(const fu_cand_result *r) {
    return r->natom > 0 ? r->eos_rms * FU_HA_EV * 1e3 / r->natom : NAN;
}
static double eos_outside(const fu_cand_result *r) { return r->natom > 0 ? r->eos_min_outside : NAN; }

static const fu_property_column eos_columns[] = {
    {.name = "eos_volume_per_atom", .unit = "angstrom^3/atom", .description = "equilibrium volume of the Birch-Murnaghan fit",
     .description_ja = "状態方程式の平衡体積（原子あたり）", .target = 1, .value = eos_volume_per_atom, .solid = 1},
    {.name = "bulk_modulus_gpa", .unit = "GPa", .description = "bulk modulus B0 of the Birch-Murnaghan fit",
     .description_ja = "体積弾性率", .target = 1, .value = eos_bulk_modulus, .solid = 1},
    {.name = "bulk_modulus_derivative", .unit = "1", .description = "pressure derivative B0' of the Birch-Murnaghan fit",
     .description_ja = "体積弾性率の圧力微分", .target = 1, .value = eos_b0_prime, .solid = 1},
    {.name = "eos_fit_rms_mev_per_atom", .unit = "meV/atom", .description = "rms residual of the equation-of-state fit",
     .description_ja = "状態方程式フィットの残差", .value = eos_rms_mev, .solid = 1},
    {.name = "eos_minimum_outside", .integer = 1, .unit = "1",
     .description = "1 if the fitted minimum lies outside the sampled volumes (extrapolated)",
     .description_ja = "平衡体積が計算範囲外なら1", .value = eos_outside, .solid = 1},
};

const fu_property fu_eos_property = {
    .columns = eos_columns,
    .ncolumns = sizeof eos_columns / sizeof eos_columns[0],
    .catalog_after = "absolute_magnetization", /* after relax_steps: the registry lists relax first */
    .name = "eos",
    .description = "E(V) scan and third-order Birch-Murnaghan fit after the SCF",
    .inline_block = 1,
    .fields = eos_fields,
    .nfields = sizeof eos_fields / sizeof eos_fields[0],
    .present = eos_present,
};
