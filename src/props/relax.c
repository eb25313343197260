/* Structural relaxation (BFGS / FIRE) in the combined coordinates of relax.h. */
#include "props/relax.h"
#include "props/property.h"

#include <ctype.h>
#include <errno.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/units.h"
#include "crystal/symmetry.h"
#include "dft/scf.h"

#define FU_RELAX_BFGS_MAX_COORDS 4509 /* 1500 atoms with the cell */
#define B_GUESS (100.0 / FU_HA_BOHR3_GPA) /* Ha/bohr³: only sets the strain scale α */

void fu_relax_opts_default(fu_relax_opts *o) {
    memset(o, 0, sizeof *o);
    o->relax_cell = 0;
    o->pressure = 0.0;
    o->max_steps = 50;
    o->force_tol = 1e-4;
    o->stress_tol = 5e-7;
    o->algorithm = FU_RELAX_BFGS;
    o->max_step = 0.3;
    o->h0 = 0.5;
    o->final_scf = 1;
    o->log = NULL;
}

void fu_relax_result_free(fu_relax_result *res) {
    if (!res) return;
    if (res->structure.xred || res->structure.typat) fu_structure_free(&res->structure);
    free(res->hist);
    free(res->forces);
    free(res->final_forces);
    memset(res, 0, sizeof *res);
}

/* ---- coordinates ------------------------------------------------------- */

typedef struct {
    int natom, n, cell;   /* n = 3 natom (+ 9 with the cell) */
    double L0[3][3];      /* initial lattice, rows (bohr) */
    double L0inv[3][3];   /* matrix inverse of L0 */
    double alpha;         /* strain scale, bohr */
    double pressure;
} coords;

static void inv3(const double a[3][3], double b[3][3]) {
    double det = fu_lattice_det(a);
    b[0][0] = (a[1][1] * a[2][2] - a[1][2] * a[2][1]) / det;
    b[0][1] = (a[0][2] * a[2][1] - a[0][1] * a[2][2]) / det;
    b[0][2] = (a[0][1] * a[1][2] - a[0][2] * a[1][1]) / det;
    b[1][0] = (a[1][2] * a[2][0] - a[1][0] * a[2][2]) / det;
    b[1][1] = (a[0][0] * a[2][2] - a[0][2] * a[2][0]) / det;
    b[1][2] = (a[0][2] * a[1][0] - a[0][0] * a[1][2]) / det;
    b[2][0] = (a[1][0] * a[2][1] - a[1][1] * a[2][0]) / det;
    b[2][1] = (a[0][1] * a[2][0] - a[0][0] * a[2][1]) / det;
    b[2][2] = (a[0][0] * a[1][1] - a[0][1] * a[1][0]) / det;
}

/* q -> lattice L = L0 Fᵀ and fractional positions x = q L0⁻¹. */
static void q_to_structure(const coords *c, const double *q, fu_structure *s) {
    double F[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    if (c->cell)
        for (int i = 0; i < 9; i++) F[i / 3][i % 3] = q[3 * c->natom + i] / c->alpha;
    for (int i = 0; i < 3; i++)
        for (int a = 0; a < 3; a++) {
            double v = 0;
            for (int d = 0; d < 3; d++) v += c->L0[i][d] * F[a][d];
            s->lattice[i][a] = v;
        }
    for (int k = 0; k < c->natom; k++)
        for (int j = 0; j < 3; j++) {
            double v = 0;
            for (int a = 0; a < 3; a++) v += q[3 * k + a] * c->L0inv[a][j];
            s->xred[k][j] = v;
        }
}

static void structure_to_q(const coords *c, const fu_structure *s, double *q) {
    for (int k = 0; k < c->natom; k++)
        for (int a = 0; a < 3; a++) {
            double v = 0;
            for (int j = 0; j < 3; j++) v += s->xred[k][j] * c->L0[j][a];
            q[3 * k + a] = v;
        }
    if (!c->cell) return;
    /* Fᵀ = L0⁻¹ L */
    for (int a = 0; a < 3; a++)
        for (int d = 0; d < 3; d++) {
            double v = 0;
            for (int j = 0; j < 3; j++) v += c->L0inv[d][j] * s->lattice[j][a];
            q[3 * c->natom + 3 * a + d] = c->alpha * v;
        }
}

/* Largest per-atom (and per row of αF) displacement of a step, bohr. */
static double max_move(const coords *c, const double *dq) {
    double m = 0;
    for (int k = 0; k < c->n / 3; k++) {
        double v = sqrt(dq[3 * k] * dq[3 * k] + dq[3 * k + 1] * dq[3 * k + 1] +
                        dq[3 * k + 2] * dq[3 * k + 2]);
        if (v > m) m = v;
    }
    return m;
}

/* ---- symmetry ---------------------------------------------------------- */

static void int_inv3(const int r[3][3], double out[3][3]) {
    double a[3][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) a[i][j] = r[i][j];
    inv3(a, out);
}

/* Symmetric positive definite 3x3: out = A^(power), power ±1/2. */
static int spd_pow(const double A[3][3], double power, double out[3][3]) {
    double w[3], v[9];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) v[3 * i + j] = A[i][j];
    if (LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'V', 'U', 3, v, 3, w) != 0 || w[0] <= 0) return -1;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            double s = 0;
            for (int k = 0; k < 3; k++) s += v[3 * i + k] * pow(w[k], power) * v[3 * j + k];
            out[i][j] = s;
        }
    return 0;
}

/* Projects s onto the symmetry of sym (see relax.h). Returns the largest
 * correction (fractional coordinate or relative metric element). */
static double symmetrize(const fu_symmetry *sym, fu_structure *s) {
    int na = s->natom, ns = sym->nsym;
    double corr = 0;
    if (ns <= 1) return 0;
    double (*acc)[3] = calloc((size_t)na, sizeof *acc);
    if (!acc) return 0; /* only a projection of round-off: skipping it is safe */
    for (int o = 0; o < ns; o++) {
        double Ri[3][3];
        int_inv3(sym->rot[o], Ri);
        for (int a = 0; a < na; a++) {
            int b = sym->atom_map[o][a];
            double u[3], d[3];
            for (int j = 0; j < 3; j++) u[j] = s->xred[b][j] - sym->trans[o][j];
            for (int i = 0; i < 3; i++) {
                d[i] = Ri[i][0] * u[0] + Ri[i][1] * u[1] + Ri[i][2] * u[2] - s->xred[a][i];
                d[i] -= floor(d[i] + 0.5);
                acc[a][i] += d[i] / ns;
            }
        }
    }
    for (int a = 0; a < na; a++)
        for (int i = 0; i < 3; i++) {
            if (fabs(acc[a][i]) > corr) corr = fabs(acc[a][i]);
            s->xred[a][i] += acc[a][i];
        }
    free(acc);
    /* metric G = L Lᵀ averaged over Rᵀ G R */
    double G[3][3], Gs[3][3] = {{0}}, gmax = 0;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            G[i][j] = 0;
            for (int c = 0; c < 3; c++) G[i][j] += s->lattice[i][c] * s->lattice[j][c];
            if (fabs(G[i][j]) > gmax) gmax = fabs(G[i][j]);
        }
    for (int o = 0; o < ns; o++)
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) {
                double v = 0;
                for (int k = 0; k < 3; k++)
                    for (int l = 0; l < 3; l++)
                        v += sym->rot[o][k][i] * G[k][l] * sym->rot[o][l][j];
                Gs[i][j] += v / ns;
            }
    double gcorr = 0;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            if (fabs(Gs[i][j] - G[i][j]) / gmax > gcorr) gcorr = fabs(Gs[i][j] - G[i][j]) / gmax;
    if (gcorr > 1e-14) {
        double A[3][3], B[3][3], M[3][3], L[3][3];
        if (spd_pow(Gs, 0.5, A) == 0 && spd_pow(G, -0.5, B) == 0) {
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++) {
                    M[i][j] = 0;
                    for (int k = 0; k < 3; k++) M[i][j] += A[i][k] * B[k][j];
                }
            for (int i = 0; i < 3; i++)
                for (int c = 0; c < 3; c++) {
                    L[i][c] = 0;
                    for (int k = 0; k < 3; k++) L[i][c] += M[i][k] * s->lattice[k][c];
                }
            memcpy(s->lattice, L, sizeof L);
        }
    }
    return corr > gcorr ? corr : gcorr;
}

/* ---- one energy/gradient evaluation -------------------------------------- */

typedef struct {
    const fu_scf_params *p0;
    fu_scf_params p;        /* with the fixed grid after the first run */
    MPI_Comm comm;
    FILE *log;
    double *rho;            /* density of the last run, [nspin][ntot] */
    size_t nrho;
    double rho_volume;      /* volume of the cell rho belongs to */
    int nspin;
    const volatile sig_atomic_t *stop; /* fu_relax_opts */
    double deadline;
} evaluator;

typedef struct {
    double energy, enthalpy, volume, max_force, max_stress;
    double *g;              /* [n] */
    double (*forces)[3];    /* [natom] */
    double stress[3][3];
    int iterations, spacegroup;
    long npw;               /* Σ_k plane waves: changes when the cell crosses a G shell */
} point;

static int point_alloc(point *pt, const coords *c) {
    memset(pt, 0, sizeof *pt);
    pt->g = calloc((size_t)c->n, sizeof *pt->g);
    pt->forces = calloc((size_t)c->natom, sizeof *pt->forces);
    return pt->g && pt->forces ? 0 : -1;
}

static void point_free(point *pt) {
    free(pt->g);
    free(pt->forces);
}

static void point_copy(point *dst, const point *src, const coords *c) {
    double *g = dst->g;
    double (*f)[3] = dst->forces;
    *dst = *src;
    dst->g = g;
    dst->forces = f;
    memcpy(g, src->g, (size_t)c->n * sizeof *g);
    memcpy(f, src->forces, (size_t)c->natom * sizeof *f);
}

/* Gradient of H (relax.h) and the convergence measures from an SCF result. */
static void fill_point(const coords *c, const fu_structure *s, const fu_scf_result *r, point *pt) {
    double F[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    double Fi[3][3];
    /* F from L = L0 Fᵀ */
    if (c->cell)
        for (int a = 0; a < 3; a++)
            for (int d = 0; d < 3; d++) {
                double v = 0;
                for (int j = 0; j < 3; j++) v += c->L0inv[d][j] * s->lattice[j][a];
                F[a][d] = v;
            }
    inv3(F, Fi);
    double vol = fabs(fu_lattice_det(s->lattice));
    pt->energy = r->etotal;
    pt->volume = vol;
    pt->enthalpy = r->etotal + c->pressure * vol;
    pt->iterations = r->iterations;
    pt->spacegroup = r->spacegroup_number;
    pt->npw = 0;
    for (int k = 0; k < r->nk; k++) pt->npw += r->npw[k];
    pt->max_force = 0;
    for (int k = 0; k < c->natom; k++) {
        double fn = 0;
        for (int a = 0; a < 3; a++) {
            pt->forces[k][a] = r->forces[k][a];
            fn += r->forces[k][a] * r->forces[k][a];
            /* ∂H/∂q_k = -Fᵀ f_k */
            pt->g[3 * k + a] = -(F[0][a] * r->forces[k][0] + F[1][a] * r->forces[k][1] +
                                 F[2][a] * r->forces[k][2]);
        }
        if (sqrt(fn) > pt->max_force) pt->max_force = sqrt(fn);
    }
    memcpy(pt->stress, r->stress, sizeof pt->stress);
    pt->max_stress = 0;
    if (!c->cell) return;
    double S[3][3];
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) {
            S[a][b] = r->stress[a][b] + (a == b ? c->pressure : 0.0);
            if (fabs(S[a][b]) > pt->max_stress) pt->max_stress = fabs(S[a][b]);
        }
    /* ∂H/∂F = Ω (σ + P) F⁻ᵀ, divided by α for the αF coordinates */
    for (int a = 0; a < 3; a++)
        for (int d = 0; d < 3; d++) {
            double v = 0;
            for (int b = 0; b < 3; b++) v += S[a][b] * Fi[d][b];
            pt->g[3 * c->natom + 3 * a + d] = vol * v / c->alpha;
        }
}

static int evaluate(evaluator *ev, const coords *c, const fu_structure *s, int step, point *pt,
                    fu_err *err) {
    fu_scf_opts o;
    fu_scf_opts_default(&o);
    o.keep_fields = 1;
    o.stop = ev->stop;
    o.deadline = ev->deadline;
    double vol = fabs(fu_lattice_det(s->lattice));
    if (ev->rho) {
        /* the same fractional grid: ρ scales as 1/Ω so the electron count is kept */
        for (size_t i = 0; i < ev->nrho; i++) ev->rho[i] *= ev->rho_volume / vol;
        ev->rho_volume = vol;
        o.rho_start = ev->rho;
        o.rho_start_fft = ev->p.fft;
    }
    fu_scf_result r;
    int rc = fu_scf_run_opts(s, &ev->p, &o, ev->comm, ev->log, &r, err);
    if (rc) {
        fu_err_prefix(err, "relax step %d", step);
        fu_scf_result_free(&r);
        return rc;
    }
    if (!r.have_forces || (c->cell && !r.have_stress)) {
        fu_scf_result_free(&r);
        return fu_fail(err, FU_EINTERNAL, "relax step %d: SCF returned no forces/stress", step);
    }
    if (!ev->rho) {
        memcpy(ev->p.fft, r.fft, sizeof r.fft); /* fixed from now on */
        ev->nspin = r.nspin > 0 ? r.nspin : 1;
        ev->nrho = (size_t)r.fft[0] * r.fft[1] * r.fft[2] * ev->nspin;
        ev->rho = malloc(ev->nrho * sizeof *ev->rho);
        if (!ev->rho) {
            fu_scf_result_free(&r);
            return fu_fail(err, FU_ENOMEM, "relax: out of memory for the density");
        }
    }
    if (r.rho_r) memcpy(ev->rho, r.rho_r, ev->nrho * sizeof *ev->rho);
    ev->rho_volume = vol;
    fill_point(c, s, &r, pt);
    fu_scf_result_free(&r);
    return FU_OK;
}

static int is_converged(const fu_relax_opts *o, const point *pt) {
    return pt->max_force <= o->force_tol && (!o->relax_cell || pt->max_stress <= o->stress_tol);
}

static void log_step(FILE *log, int step, const fu_structure *s, const point *pt, double len,
                     int accepted) {
    if (!log) return;
    double a[3];
    for (int i = 0; i < 3; i++)
        a[i] = sqrt(s->lattice[i][0] * s->lattice[i][0] + s->lattice[i][1] * s->lattice[i][1] +
                    s->lattice[i][2] * s->lattice[i][2]);
    fprintf(log,
            "# relax %3d  E %.10f Ha  H %.10f Ha  max|f| %.3e Ha/bohr  max|s+P| %.3e Ha/bohr^3"
            "  |a| %.6f %.6f %.6f bohr  V %.4f bohr^3  step %.2e bohr%s\n",
            step, pt->energy, pt->enthalpy, pt->max_force, pt->max_stress, a[0], a[1], a[2],
            pt->volume, len, accepted ? "" : "  REJECTED (enthalpy rose)");
    fflush(log);
}

static void record(fu_relax_result *res, const fu_structure *s, const point *pt, double len,
                   int accepted) {
    fu_relax_step *h = &res->hist[res->nsteps++];
    h->energy = pt->energy;
    h->enthalpy = pt->enthalpy;
    h->volume = pt->volume;
    h->max_force = pt->max_force;
    h->max_stress = pt->max_stress;
    memcpy(h->lattice, s->lattice, sizeof h->lattice);
    h->step_length = len;
    h->accepted = accepted;
    h->scf_iterations = pt->iterations;
    h->spacegroup_number = pt->spacegroup;
}

/* ---- driver -------------------------------------------------------------- */

int fu_relax_run(const fu_structure *s0, const fu_scf_params *p, const fu_relax_opts *opt,
                 MPI_Comm comm, fu_relax_result *res, fu_err *err) {
    memset(res, 0, sizeof *res);
    double t0 = fu_monotonic_seconds();
    fu_relax_opts o;
    if (opt) o = *opt;
    else fu_relax_opts_default(&o);
    if (o.max_steps < 1 || !(o.force_tol > 0) || !(o.stress_tol > 0) || !(o.max_step > 0) ||
        !(o.h0 > 0) || !isfinite(o.pressure))
        return fu_fail(err, FU_EINPUT, "relax: options out of range (max_steps >= 1, "
                                       "tolerances, max_step and h0 > 0, finite pressure)");
    res->pressure = o.pressure;
    res->relax_cell = o.relax_cell;
    int rc = fu_structure_copy(&res->structure, s0, err);
    if (rc) return rc;
    fu_structure *s = &res->structure;
    int na = s->natom;
    coords c = {.natom = na, .cell = o.relax_cell, .pressure = o.pressure};
    c.n = 3 * na + (c.cell ? 9 : 0);
    memcpy(c.L0, s0->lattice, sizeof c.L0);
    inv3(c.L0, c.L0inv);
    c.alpha = sqrt(3.0 * fabs(fu_lattice_det(c.L0)) * B_GUESS / o.h0);

    fu_symmetry sym = {0};
    int have_sym = 0;
    if (p->use_symmetry) {
        rc = fu_symmetry_find(s0, p->symprec, &sym, err);
        if (rc) {
            fu_err_prefix(err, "relax: symmetry of the initial structure");
            return rc;
        }
        have_sym = 1;
        res->spacegroup_initial = sym.spacegroup_number;
    }

    evaluator ev = {.p0 = p, .p = *p, .comm = comm, .log = o.log, .stop = o.stop, .deadline = o.deadline};
    ev.p.compute_forces = 1;
    ev.p.compute_stress = o.relax_cell ? 1 : p->compute_stress;
    size_t n = (size_t)c.n;
    /* BFGS keeps a dense n×n inverse Hessian: beyond ~1500 atoms (160 MB) use FIRE */
    if (o.algorithm == FU_RELAX_BFGS && n > FU_RELAX_BFGS_MAX_COORDS) {
        if (o.log)
            fprintf(o.log, "# relax: %d coordinates: FIRE instead of BFGS (dense Hessian too large)\n",
                    c.n);
        o.algorithm = FU_RELAX_FIRE;
    }
    double *q = calloc(n, sizeof *q), *qn = calloc(n, sizeof *qn), *dq = calloc(n, sizeof *dq),
           *Hi = calloc(o.algorithm == FU_RELAX_BFGS ? n * n : 1, sizeof *Hi), *v = calloc(n, sizeof *v),
           *tmp = calloc(n, sizeof *tmp);
    res->hist = calloc((size_t)o.max_steps, sizeof *res->hist);
    res->forces = calloc((size_t)na, sizeof *res->forces);
    point cur, trial;
    int pa = point_alloc(&cur, &c), pb = point_alloc(&trial, &c);
    if (!q || !qn || !dq || !Hi || !v || !tmp || !res->hist || !res->forces || pa || pb) {
        rc = fu_fail(err, FU_ENOMEM, "relax: out of memory (%d coordinates)", c.n);
        goto done;
    }
    if (o.algorithm == FU_RELAX_BFGS)
        for (size_t i = 0; i < n; i++) Hi[i * n + i] = 1.0 / o.h0;
    structure_to_q(&c, s, q);

    if (o.log)
        fprintf(o.log,
                "# relax: %s, %s, target pressure %.4f GPa, force_tol %.2e Ha/bohr, "
                "stress_tol %.2e Ha/bohr^3, max_steps %d, strain scale %.3f bohr\n",
                o.algorithm == FU_RELAX_FIRE ? "FIRE" : "BFGS",
                o.relax_cell ? "positions and cell" : "positions only",
                o.pressure * FU_HA_BOHR3_GPA, o.force_tol, o.stress_tol, o.max_steps, c.alpha);
    rc = evaluate(&ev, &c, s, 0, &cur, err);
    if (rc) goto done;
    record(res, s, &cur, 0.0, 1);
    log_step(o.log, 0, s, &cur, 0.0, 1);

    double trust = o.max_step;
    double noise = fmax(1e-7, 20.0 * p->tol_energy);
    int nreject = 0, pending = 0;
    /* FIRE state */
    double dt = 0.1, fire_a = 0.1;
    int npos = 0;
    while (!is_converged(&o, &cur)) {
        if (res->nsteps >= o.max_steps) {
            rc = fu_fail(err, FU_ENOCONV,
                         "relax: not converged in %d steps (max|f| %.3e Ha/bohr, "
                         "max|s+P| %.3e Ha/bohr^3)",
                         o.max_steps, cur.max_force, cur.max_stress);
            goto done;
        }
        if (o.algorithm == FU_RELAX_FIRE) {
            double fv = 0, ff = 0, vv = 0;
            for (size_t i = 0; i < n; i++) {
                fv += -cur.g[i] * v[i];
                ff += cur.g[i] * cur.g[i];
                vv += v[i] * v[i];
            }
            if (fv > 0) {
                for (size_t i = 0; i < n; i++)
                    v[i] = (1 - fire_a) * v[i] - fire_a * sqrt(vv / ff) * cur.g[i];
                if (++npos > 5) {
                    dt = fmin(1.1 * dt, 1.0);
                    fire_a *= 0.99;
                }
            } else {
                memset(v, 0, n * sizeof *v);
                dt *= 0.5;
                fire_a = 0.1;
                npos = 0;
            }
            /* unit "mass" h0: a step of dt² is a steepest-descent step on the model h0 */
            for (size_t i = 0; i < n; i++) {
                v[i] -= dt * cur.g[i] / o.h0;
                dq[i] = dt * v[i];
            }
        } else if (!pending) {
            for (size_t i = 0; i < n; i++) {
                double sum = 0;
                for (size_t j = 0; j < n; j++) sum += Hi[i * n + j] * cur.g[j];
                dq[i] = -sum;
            }
        }
        double len = max_move(&c, dq);
        if (len > trust) {
            for (size_t i = 0; i < n; i++) dq[i] *= trust / len;
            len = trust;
        }
        if (len < 1e-7) {
            rc = fu_fail(err, FU_ENOCONV,
                         "relax: step %d: the line search cannot lower the enthalpy any more "
                         "(max|f| %.3e Ha/bohr, max|s+P| %.3e Ha/bohr^3; SCF noise? tighten "
                         "scf tolerances)",
                         res->nsteps, cur.max_force, cur.max_stress);
            goto done;
        }
        for (size_t i = 0; i < n; i++) qn[i] = q[i] + dq[i];
        /* trial structure, re-symmetrised (relax.h) */
        fu_structure t;
        rc = fu_structure_copy(&t, s, err);
        if (rc) goto done;
        q_to_structure(&c, qn, &t);
        if (have_sym && symmetrize(&sym, &t) > 1e-10) res->resymmetrised++;
        structure_to_q(&c, &t, qn);
        for (size_t i = 0; i < n; i++) dq[i] = qn[i] - q[i];
        rc = evaluate(&ev, &c, &t, res->nsteps, &trial, err);
        if (rc) {
            fu_structure_free(&t);
            goto done;
        }
        /* Enthalpy change along the step. At constant ecut the plane-wave set jumps
         * when the cell crosses a G shell, and E with it (Si, 8 Ha, 2x2x2: ~1 mHa);
         * the analytic stress is the derivative at a fixed set, so across a jump the
         * change is estimated from the gradients (trapezoid rule) instead. */
        double dH = trial.enthalpy - cur.enthalpy;
        if (trial.npw != cur.npw) {
            dH = 0;
            for (size_t i = 0; i < n; i++) dH += 0.5 * (cur.g[i] + trial.g[i]) * dq[i];
        }
        if (o.algorithm == FU_RELAX_BFGS && dH > noise) {
            /* reject; retry along the same direction at the quadratic model's minimum */
            record(res, &t, &trial, len, 0);
            log_step(o.log, res->nsteps - 1, &t, &trial, len, 0);
            fu_structure_free(&t);
            double gp = 0;
            for (size_t i = 0; i < n; i++) gp += cur.g[i] * dq[i];
            double curv = dH - gp;
            double ts = (curv > 0 && gp < 0) ? -gp / (2 * curv) : 0.5;
            ts = fmin(fmax(ts, 0.1), 0.5);
            for (size_t i = 0; i < n; i++) dq[i] *= ts;
            trust = ts * len;
            pending = 1;
            if (++nreject >= 2) {
                memset(Hi, 0, n * n * sizeof *Hi);
                for (size_t i = 0; i < n; i++) Hi[i * n + i] = 1.0 / o.h0;
            }
            continue;
        }
        /* accept */
        if (o.algorithm == FU_RELAX_BFGS) {
            /* BFGS update of the inverse Hessian with s = dq, y = Δg */
            double sy = 0, ss = 0, yy = 0;
            for (size_t i = 0; i < n; i++) {
                v[i] = trial.g[i] - cur.g[i];
                sy += dq[i] * v[i];
                ss += dq[i] * dq[i];
                yy += v[i] * v[i];
            }
            if (sy > 1e-10 * sqrt(ss * yy)) {
                /* H ← (1 - ρ s yᵀ) H (1 - ρ y sᵀ) + ρ s sᵀ
                 *   = H - ρ(s (Hy)ᵀ + (Hy) sᵀ) + (ρ² yᵀHy + ρ) s sᵀ */
                double rho = 1.0 / sy, yHy = 0;
                for (size_t i = 0; i < n; i++) {
                    double sum = 0;
                    for (size_t j = 0; j < n; j++) sum += Hi[i * n + j] * v[j];
                    tmp[i] = sum;
                    yHy += v[i] * sum;
                }
                for (size_t i = 0; i < n; i++)
                    for (size_t j = 0; j < n; j++)
                        Hi[i * n + j] += -rho * (dq[i] * tmp[j] + tmp[i] * dq[j]) +
                                         (rho * rho * yHy + rho) * dq[i] * dq[j];
            }
        }
        memcpy(q, qn, n * sizeof *q);
        point_copy(&cur, &trial, &c);
        memcpy(s->lattice, t.lattice, sizeof s->lattice);
        memcpy(s->xred, t.xred, (size_t)na * sizeof *s->xred);
        fu_structure_free(&t);
        record(res, s, &cur, len, 1);
        log_step(o.log, res->nsteps - 1, s, &cur, len, 1);
        if (o.on_step) o.on_step(o.on_step_ctx, s, ev.p.fft, res->nsteps, cur.energy);
        if (cur.spacegroup != res->hist[0].spacegroup_number && o.log)
            fprintf(o.log, "# relax: WARNING: space group changed from %d to %d\n",
                    res->hist[0].spacegroup_number, cur.spacegroup);
        pending = 0;
        nreject = 0;
        trust = fmin(o.max_step, 2 * trust);
    }
    res->converged = 1;
    rc = FU_OK;

done:
    if (res->nsteps > 0) {
        res->energy = cur.energy;
        res->enthalpy = cur.enthalpy;
        if (res->forces) memcpy(res->forces, cur.forces, (size_t)na * sizeof *res->forces);
        memcpy(res->stress, cur.stress, sizeof res->stress);
        res->max_force = cur.max_force;
        res->max_stress = cur.max_stress;
        res->spacegroup_final = cur.spacegroup;
    }
    memcpy(res->fft, ev.p.fft, sizeof res->fft);
    for (int k = 0; k < na; k++)
        for (int j = 0; j < 3; j++) {
            s->xred[k][j] -= floor(s->xred[k][j]);
            if (s->xred[k][j] >= 1.0) s->xred[k][j] = 0.0;
        }
    if (rc == FU_OK && o.relax_cell && o.final_scf) {
        /* fresh grid (automatic, or the user's) at the relaxed structure */
        fu_scf_params fp = *p;
        fp.compute_forces = 1;
        fp.compute_stress = 1;
        fu_scf_result r;
        if (o.log) fprintf(o.log, "# relax: final SCF on a fresh grid at the relaxed structure\n");
        fu_scf_opts so;
        fu_scf_opts_default(&so);
        so.stop = o.stop;
        so.deadline = o.deadline;
        rc = fu_scf_run_opts(s, &fp, &so, comm, o.log, &r, err);
        if (rc) {
            fu_err_prefix(err, "relax: final SCF");
        } else {
            res->final_forces = calloc((size_t)na, sizeof *res->final_forces);
            if (!res->final_forces) {
                rc = fu_fail(err, FU_ENOMEM, "relax: out of memory");
            } else {
                point fin;
                if (point_alloc(&fin, &c) == 0) {
                    coords c2 = c;
                    fill_point(&c2, s, &r, &fin);
                    res->final_max_force = fin.max_force;
                    res->final_max_stress = fin.max_stress;
                }
                point_free(&fin);
                res->have_final = 1;
                memcpy(res->final_fft, r.fft, sizeof r.fft);
                res->final_energy = r.etotal;
                memcpy(res->final_stress, r.stress, sizeof r.stress);
                memcpy(res->final_forces, r.forces, (size_t)na * sizeof *r.forces);
                if (o.log) {
                    fprintf(o.log,
                            "# relax: fresh grid %dx%dx%d (relaxation grid %dx%dx%d): E %.10f Ha "
                            "(%+.2e vs fixed grid), max|s+P| %.3e Ha/bohr^3, max|f| %.3e Ha/bohr\n",
                            r.fft[0], r.fft[1], r.fft[2], res->fft[0], res->fft[1], res->fft[2],
                            r.etotal, r.etotal - res->energy, res->final_max_stress,
                            res->final_max_force);
                    if (res->final_max_stress > o.stress_tol)
                        fprintf(o.log,
                                "# relax: NOTE: the residual stress on the fresh grid (%.3e "
                                "Ha/bohr^3) exceeds stress_tol (%.3e): relax again from this "
                                "structure, or raise ecut\n",
                                res->final_max_stress, o.stress_tol);
                }
            }
        }
        fu_scf_result_free(&r);
    }
    if (o.log && res->nsteps > 0)
        fprintf(o.log, "# relax: %s after %d SCF evaluations (%d symmetry corrections)\n",
                res->converged ? "converged" : "NOT converged", res->nsteps, res->resymmetrised);
    point_free(&cur);
    point_free(&trial);
    free(q);
    free(qn);
    free(dq);
    free(Hi);
    free(v);
    free(tmp);
    free(ev.rho);
    if (have_sym) fu_symmetry_free(&sym);
    res->wall_seconds = fu_monotonic_seconds() - t0;
    return rc;
}

/* ---- input section --------------------------------------------------------- */

/* "NUMBER UNIT" with one of the units (names[i], factor[i] to atomic units). */
static int read_unit_value(const fu_ydoc *d, const fu_ynode *n, const char *const *names,
                           const double *factor, const char *example, double *out,
                           fu_err *err) {
    const char *txt;
    int rc = fu_ynode_string(d, n, &txt, err);
    if (rc) return rc;
    char *end;
    errno = 0;
    double v = strtod(txt, &end);
    if (end == txt || errno == ERANGE || !isfinite(v))
        return fu_ynode_fail(err, d, n, FU_EINPUT, "expected a number with a unit, e.g. '%s'",
                             example);
    while (isspace((unsigned char)*end)) end++;
    if (!*end)
        return fu_ynode_fail(err, d, n, FU_EINPUT, "missing unit, write e.g. '%s'", example);
    for (int i = 0; names[i]; i++)
        if (strcmp(end, names[i]) == 0) {
            if (!(v > 0))
                return fu_ynode_fail(err, d, n, FU_EINPUT, "must be > 0, got %s", txt);
            *out = v * factor[i];
            return FU_OK;
        }
    char list[256] = "";
    for (int i = 0; names[i]; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", names[i]);
    return fu_ynode_fail(err, d, n, FU_EINPUT, "unknown unit '%.40s' (use %s)", end, list);
}

int fu_relax_read_yaml(const fu_ydoc *d, const fu_ynode *n, fu_relax_opts *o, fu_err *err) {
    static const char *const keys[] = {"cell", "pressure_gpa", "max_steps", "force_tol",
                                       "stress_tol", "algorithm", "max_step", NULL};
    static const char *const fnames[] = {"Ha/bohr", "eV/angstrom", "eV/Å", "eV/Ang", NULL};
    static const double ffac[] = {1.0, FU_BOHR_ANGSTROM / FU_HA_EV,
                                  FU_BOHR_ANGSTROM / FU_HA_EV, FU_BOHR_ANGSTROM / FU_HA_EV};
    static const char *const snames[] = {"Ha/bohr^3", "Ha/bohr3", "GPa", "kbar", NULL};
    static const double sfac[] = {1.0, 1.0, 1.0 / FU_HA_BOHR3_GPA, 0.1 / FU_HA_BOHR3_GPA};
    int rc = fu_ynode_expect(d, n, FU_YMAP, err);
    if (!rc) rc = fu_ymap_check_keys(d, n, keys, err);
    if (rc) return rc;
    const fu_ynode *k;
    if ((k = fu_ymap_get(n, "cell")) && (rc = fu_ynode_bool(d, k, &o->relax_cell, err))) return rc;
    if ((k = fu_ymap_get(n, "pressure_gpa"))) {
        double gpa;
        if ((rc = fu_ynode_double(d, k, &gpa, err))) return rc;
        if (fabs(gpa) > 1e4)
            return fu_ynode_fail(err, d, k, FU_EINPUT, "|pressure| must be <= 10000 GPa, got %g",
                                 gpa);
        o->pressure = gpa / FU_HA_BOHR3_GPA;
    }
    if ((k = fu_ymap_get(n, "max_steps")) && (rc = fu_ynode_int(d, k, 1, 10000, &o->max_steps, err)))
        return rc;
    if ((k = fu_ymap_get(n, "force_tol")) &&
        (rc = read_unit_value(d, k, fnames, ffac, "1e-4 Ha/bohr", &o->force_tol, err)))
        return rc;
    if ((k = fu_ymap_get(n, "stress_tol")) &&
        (rc = read_unit_value(d, k, snames, sfac, "5e-7 Ha/bohr^3", &o->stress_tol, err)))
        return rc;
    if ((k = fu_ymap_get(n, "algorithm"))) {
        const char *a;
        if ((rc = fu_ynode_string(d, k, &a, err))) return rc;
        if (strcmp(a, "bfgs") == 0) o->algorithm = FU_RELAX_BFGS;
        else if (strcmp(a, "fire") == 0) o->algorithm = FU_RELAX_FIRE;
        else
            return fu_ynode_fail(err, d, k, FU_EINPUT, "unknown algorithm '%.40s' (bfgs, fire)", a);
    }
    if ((k = fu_ymap_get(n, "max_step"))) {
        if ((rc = fu_ynode_quantity(d, k, FU_UNIT_LENGTH, &o->max_step, err))) return rc;
        if (!(o->max_step > 0) || o->max_step > 5.0)
            return fu_ynode_fail(err, d, k, FU_EINPUT, "must be in (0, 5] bohr");
    }
    return FU_OK;
}

/* ---- descriptor (props/property.h) ---------------------------------------------- */

static int relax_present(const fu_cand_result *r) { return r->relax_steps != 0; }

static const fu_property_field relax_fields[] = {
    /* the number of SCF evaluations is part of the SCF path: a merge compares only relaxed or not */
    {.name = "relax_steps", .kind = FU_FIELD_I32, .count = 1, .offset = offsetof(fu_cand_result, relax_steps),
     .tol = FU_TOL_PRESENCE, .ifill = -1},
    {.name = "relax_initial_volume", .units = "bohr^3", .kind = FU_FIELD_F64, .count = 1,
     .offset = offsetof(fu_cand_result, relax_initial_volume), .tol = FU_TOL_INPUT, .gated = 1},
};

static double relax_steps_value(const fu_cand_result *r) { return r->relax_steps; }

static const fu_property_column relax_columns[] = {
    {.name = "relax_steps", .integer = 1, .unit = "1",
     .description = "SCF evaluations of the relaxation; 0 if the structure was not relaxed",
     .description_ja = "構造緩和のステップ数", .value = relax_steps_value, .always = 1},
};

const fu_property fu_relax_property = {
    .columns = relax_columns,
    .ncolumns = sizeof relax_columns / sizeof relax_columns[0],
    .catalog_after = "absolute_magnetization",
    .name = "relax",
    .description = "relaxation of positions (and cell) before the SCF",
    .inline_block = 1,
    .fields = relax_fields,
    .nfields = sizeof relax_fields / sizeof relax_fields[0],
    .present = relax_present,
};
