// labels: unit
/* Monkhorst-Pack meshes and their irreducible wedge.
 *
 * Proves: (1) for the six ABINIT 9.6.2 reference runs in
 * shared/reference/abinit/<case>.json (read at run time from their "case",
 * "kpoints_red", "kweights") and for eleven more ABINIT runs made with
 * validation/kpoints_vs_abinit.py (hcp, shifted fcc, zinc blende 3x3x3,
 * monoclinic, triclinic, bcc, meshes only part of the group keeps), the
 * irreducible set has ABINIT's size and weights and every ABINIT point is
 * equivalent (group + time reversal, mod G) to one of ours with the same
 * weight; (2) the full-mesh unfolding
 * (kfull, full_irr, full_sym, full_trev) rebuilds every mesh point, checked
 * here with R^{-T} computed independently; (3) the irreducible points are
 * pairwise inequivalent and orbits are closed; (4) the partition of the mesh
 * equals spglib's spg_get_ir_reciprocal_mesh where the mesh is symmetric;
 * (5) DFTK's (R18) and spglib's (R19) published counts; (6) no symmetry and
 * no time reversal gives the full mesh with equal weights. */
#include "check.h"
#include "crystal/elements.h"
#include "crystal/kpoints.h"

#include <jansson.h>
#include <spglib.h>
#include <stdint.h>
#include <string.h>

#define SYMPREC 1e-5
#define MAXAT 8
#define MAXK 32

typedef struct {
    const char *name;
    double lat[3][3];
    int natom;
    double x[MAXAT][3];
    int typat[MAXAT];
    int nsp;
    int znucl[4];
    int grid[3];
    double shift[3];
    int nk;          /* ABINIT nkpt */
    int mult[MAXK];  /* ABINIT wtk * mesh size */
    double k[MAXK][3];
} abinit_case;

/* ABINIT 9.6.2 (/usr/bin/abinit), kptopt 1 (space group + time reversal),
 * ecut 2, nstep 1, ngkpt/shiftk as below, HGH pseudopotentials from
 * /usr/share/abinit/psp (12mg.2.hgh, 14si.4.hgh, 31ga.3.hgh + 33as.5.hgh,
 * 14si.4.hgh + 6c.4.hgh, 11na.1.hgh); cases whose mesh only part of the
 * group keeps need chksymbreak 0 (si_diamond_444_s555, si_diamond_442_s001,
 * gaas_zb_234_s100, na_bcc_443_s001). Inputs, run and these initializers:
 * `/usr/bin/python3 validation/kpoints_vs_abinit.py --c`. ABINIT found:
 * hcp 24 ops (194), Si 48 (227), GaAs 24 (216), monoclinic 2 (3, P2),
 * triclinic 1 (1), bcc 48 (229). */
static const abinit_case extended[] = {
    {"mg_hcp_443",
     {{6.0, 0.0, 0.0}, {-3.0, 5.196152422706632, 0.0}, {0.0, 0.0, 9.75}},
     2, {{0.3333333333333333, 0.6666666666666666, 0.25}, {0.6666666666666666, 0.3333333333333333, 0.75}}, {0, 0}, 1, {12},
     {4, 4, 3}, {0.0, 0.0, 0.0}, 8,
     {1, 6, 3, 6, 2, 12, 6, 12},
     {{0.00000000, 0.00000000, 0.00000000}, {0.25000000, 0.00000000, 0.00000000}, {0.50000000, 0.00000000, 0.00000000}, {0.25000000, 0.25000000, 0.00000000}, {0.00000000, 0.00000000, 0.33333333}, {0.25000000, 0.00000000, 0.33333333}, {0.50000000, 0.00000000, 0.33333333}, {0.25000000, 0.25000000, 0.33333333}}},
    {"mg_hcp_443_s001",
     {{6.0, 0.0, 0.0}, {-3.0, 5.196152422706632, 0.0}, {0.0, 0.0, 9.75}},
     2, {{0.3333333333333333, 0.6666666666666666, 0.25}, {0.6666666666666666, 0.3333333333333333, 0.75}}, {0, 0}, 1, {12},
     {4, 4, 3}, {0.0, 0.0, 0.5}, 8,
     {2, 12, 6, 12, 1, 6, 3, 6},
     {{0.00000000, 0.00000000, 0.16666667}, {0.25000000, 0.00000000, 0.16666667}, {0.50000000, 0.00000000, 0.16666667}, {0.25000000, 0.25000000, 0.16666667}, {0.00000000, 0.00000000, 0.50000000}, {0.25000000, 0.00000000, 0.50000000}, {0.50000000, 0.00000000, 0.50000000}, {0.25000000, 0.25000000, 0.50000000}}},
    {"si_diamond_444_s555",
     {{0.0, 5.1315, 5.1315}, {5.1315, 0.0, 5.1315}, {5.1315, 5.1315, 0.0}},
     2, {{0.0, 0.0, 0.0}, {0.25, 0.25, 0.25}}, {0, 0}, 1, {14},
     {4, 4, 4}, {0.5, 0.5, 0.5}, 10,
     {2, 6, 6, 6, 6, 12, 12, 6, 2, 6},
     {{0.12500000, 0.12500000, 0.12500000}, {0.37500000, 0.12500000, 0.12500000}, {-0.37500000, 0.12500000, 0.12500000}, {-0.12500000, 0.12500000, 0.12500000}, {0.37500000, 0.37500000, 0.12500000}, {-0.37500000, 0.37500000, 0.12500000}, {-0.12500000, 0.37500000, 0.12500000}, {-0.37500000, -0.37500000, 0.12500000}, {0.37500000, 0.37500000, 0.37500000}, {-0.37500000, 0.37500000, 0.37500000}}},
    {"si_diamond_442_s001",
     {{0.0, 5.1315, 5.1315}, {5.1315, 0.0, 5.1315}, {5.1315, 5.1315, 0.0}},
     2, {{0.0, 0.0, 0.0}, {0.25, 0.25, 0.25}}, {0, 0}, 1, {14},
     {4, 4, 2}, {0.0, 0.0, 0.5}, 5,
     {4, 4, 12, 8, 4},
     {{0.00000000, 0.00000000, 0.25000000}, {0.25000000, 0.00000000, 0.25000000}, {0.50000000, 0.00000000, 0.25000000}, {-0.25000000, 0.00000000, 0.25000000}, {-0.25000000, 0.50000000, 0.25000000}}},
    {"gaas_zb_234_s100",
     {{0.0, 5.3415, 5.3415}, {5.3415, 0.0, 5.3415}, {5.3415, 5.3415, 0.0}},
     2, {{0.0, 0.0, 0.0}, {0.25, 0.25, 0.25}}, {0, 1}, 2, {31, 33},
     {2, 3, 4}, {0.5, 0.0, 0.0}, 11,
     {2, 2, 2, 2, 2, 2, 4, 2, 2, 2, 2},
     {{0.25000000, 0.00000000, 0.00000000}, {0.25000000, 0.33333333, 0.00000000}, {-0.25000000, 0.33333333, 0.00000000}, {0.25000000, 0.00000000, 0.25000000}, {-0.25000000, 0.00000000, 0.25000000}, {0.25000000, 0.33333333, 0.25000000}, {-0.25000000, 0.33333333, 0.25000000}, {0.25000000, -0.33333333, 0.25000000}, {0.25000000, 0.00000000, 0.50000000}, {0.25000000, 0.33333333, 0.50000000}, {-0.25000000, 0.33333333, 0.50000000}}},
    {"na_bcc_443_s001",
     {{-4.0, 4.0, 4.0}, {4.0, -4.0, 4.0}, {4.0, 4.0, -4.0}},
     1, {{0.0, 0.0, 0.0}}, {0}, 1, {11},
     {4, 4, 3}, {0.0, 0.0, 0.5}, 14,
     {2, 4, 4, 4, 2, 4, 4, 2, 4, 2, 3, 6, 6, 1},
     {{0.00000000, 0.00000000, 0.16666667}, {0.25000000, 0.00000000, 0.16666667}, {0.50000000, 0.00000000, 0.16666667}, {-0.25000000, 0.00000000, 0.16666667}, {0.25000000, 0.25000000, 0.16666667}, {0.50000000, 0.25000000, 0.16666667}, {-0.25000000, 0.25000000, 0.16666667}, {0.50000000, 0.50000000, 0.16666667}, {-0.25000000, 0.50000000, 0.16666667}, {-0.25000000, -0.25000000, 0.16666667}, {0.00000000, 0.00000000, 0.50000000}, {0.25000000, 0.00000000, 0.50000000}, {0.50000000, 0.25000000, 0.50000000}, {0.50000000, 0.50000000, 0.50000000}}},
    {"gaas_zb_333",
     {{0.0, 5.3415, 5.3415}, {5.3415, 0.0, 5.3415}, {5.3415, 5.3415, 0.0}},
     2, {{0.0, 0.0, 0.0}, {0.25, 0.25, 0.25}}, {0, 1}, 2, {31, 33},
     {3, 3, 3}, {0.0, 0.0, 0.0}, 4,
     {1, 8, 6, 12},
     {{0.00000000, 0.00000000, 0.00000000}, {0.33333333, 0.00000000, 0.00000000}, {0.33333333, 0.33333333, 0.00000000}, {-0.33333333, 0.33333333, 0.00000000}}},
    {"sic_monoclinic_322",
     {{5.5, 0.0, 0.0}, {0.0, 11.0, 0.0}, {1.3, 0.0, 7.2}},
     2, {{0.0, 0.0, 0.0}, {0.0, 0.3, 0.0}}, {0, 1}, 2, {14, 6},
     {3, 2, 2}, {0.0, 0.0, 0.0}, 8,
     {1, 2, 1, 2, 1, 2, 1, 2},
     {{0.00000000, 0.00000000, 0.00000000}, {0.33333333, 0.00000000, 0.00000000}, {0.00000000, 0.50000000, 0.00000000}, {0.33333333, 0.50000000, 0.00000000}, {0.00000000, 0.00000000, 0.50000000}, {0.33333333, 0.00000000, 0.50000000}, {0.00000000, 0.50000000, 0.50000000}, {0.33333333, 0.50000000, 0.50000000}}},
    {"sic_monoclinic_443",
     {{5.5, 0.0, 0.0}, {0.0, 11.0, 0.0}, {1.3, 0.0, 7.2}},
     2, {{0.0, 0.0, 0.0}, {0.0, 0.3, 0.0}}, {0, 1}, 2, {14, 6},
     {4, 4, 3}, {0.0, 0.0, 0.0}, 21,
     {1, 2, 1, 2, 4, 2, 1, 2, 1, 2, 2, 2, 2, 4, 4, 4, 4, 2, 2, 2, 2},
     {{0.00000000, 0.00000000, 0.00000000}, {0.25000000, 0.00000000, 0.00000000}, {0.50000000, 0.00000000, 0.00000000}, {0.00000000, 0.25000000, 0.00000000}, {0.25000000, 0.25000000, 0.00000000}, {0.50000000, 0.25000000, 0.00000000}, {0.00000000, 0.50000000, 0.00000000}, {0.25000000, 0.50000000, 0.00000000}, {0.50000000, 0.50000000, 0.00000000}, {0.00000000, 0.00000000, 0.33333333}, {0.25000000, 0.00000000, 0.33333333}, {0.50000000, 0.00000000, 0.33333333}, {-0.25000000, 0.00000000, 0.33333333}, {0.00000000, 0.25000000, 0.33333333}, {0.25000000, 0.25000000, 0.33333333}, {0.50000000, 0.25000000, 0.33333333}, {-0.25000000, 0.25000000, 0.33333333}, {0.00000000, 0.50000000, 0.33333333}, {0.25000000, 0.50000000, 0.33333333}, {0.50000000, 0.50000000, 0.33333333}, {-0.25000000, 0.50000000, 0.33333333}}},
    {"sic_triclinic_322",
     {{5.0, 0.0, 0.0}, {0.8, 5.6, 0.0}, {0.6, 1.1, 6.3}},
     2, {{0.0, 0.0, 0.0}, {0.31, 0.22, 0.45}}, {0, 1}, 2, {14, 6},
     {3, 2, 2}, {0.0, 0.0, 0.0}, 8,
     {1, 2, 1, 2, 1, 2, 1, 2},
     {{0.00000000, 0.00000000, 0.00000000}, {0.33333333, 0.00000000, 0.00000000}, {0.00000000, 0.50000000, 0.00000000}, {0.33333333, 0.50000000, 0.00000000}, {0.00000000, 0.00000000, 0.50000000}, {0.33333333, 0.00000000, 0.50000000}, {0.00000000, 0.50000000, 0.50000000}, {0.33333333, 0.50000000, 0.50000000}}},
    {"na_bcc_555",
     {{-4.0, 4.0, 4.0}, {4.0, -4.0, 4.0}, {4.0, 4.0, -4.0}},
     1, {{0.0, 0.0, 0.0}}, {0}, 1, {11},
     {5, 5, 5}, {0.0, 0.0, 0.0}, 10,
     {1, 12, 12, 24, 24, 8, 6, 24, 8, 6},
     {{0.00000000, 0.00000000, 0.00000000}, {0.20000000, 0.00000000, 0.00000000}, {0.40000000, 0.00000000, 0.00000000}, {0.20000000, 0.20000000, 0.00000000}, {0.40000000, 0.20000000, 0.00000000}, {0.20000000, 0.20000000, 0.20000000}, {-0.20000000, 0.20000000, 0.20000000}, {-0.40000000, 0.40000000, 0.20000000}, {-0.40000000, -0.40000000, 0.20000000}, {-0.40000000, 0.40000000, 0.40000000}}},
};

static void build(fu_structure *s, const double lat[3][3], int natom, const double (*x)[3],
                  const int *typat, int nsp, const int *znucl) {
    fu_err err = {0};
    fu_structure_alloc(s, natom, &err);
    memcpy(s->lattice, lat, sizeof s->lattice);
    memcpy(s->xred, x, sizeof *x * (size_t)natom);
    memcpy(s->typat, typat, sizeof *typat * (size_t)natom);
    s->nspecies = nsp;
    for (int k = 0; k < nsp; k++) {
        s->znucl[k] = znucl[k];
        snprintf(s->symbol[k], FU_SYMBOL_LEN, "%s", fu_element_symbol(znucl[k]));
    }
}

/* S = R^{-T} from a floating-point inverse: independent of the library's
 * integer cofactor formula. k' = S k because k . x must be invariant. */
static void recip_rot(const int R[3][3], double S[3][3]) {
    double m[3][3], d;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) m[i][j] = R[i][j];
    d = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
        m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
        m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    double inv[3][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            int i1 = (j + 1) % 3, i2 = (j + 2) % 3, j1 = (i + 1) % 3, j2 = (i + 2) % 3;
            inv[i][j] = (m[i1][j1] * m[i2][j2] - m[i1][j2] * m[i2][j1]) / d;
        }
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) S[i][j] = inv[j][i];
}

static void apply(const double S[3][3], int trev, const double k[3], double out[3]) {
    double sg = trev ? -1 : 1;
    for (int i = 0; i < 3; i++) out[i] = sg * (S[i][0] * k[0] + S[i][1] * k[1] + S[i][2] * k[2]);
}

static int same_mod_G(const double a[3], const double b[3], double tol) {
    for (int i = 0; i < 3; i++) {
        double d = a[i] - b[i];
        if (fabs(d - round(d)) > tol) return 0;
    }
    return 1;
}

/* k2 = ± S k1 (mod G) for some op of sym (minus only with time reversal). */
static int equivalent(const fu_symmetry *sym, int trs, const double k1[3], const double k2[3],
                      double tol) {
    for (int s = 0; s < sym->nsym; s++) {
        double S[3][3], k[3];
        recip_rot(sym->rot[s], S);
        for (int t = 0; t <= trs; t++) {
            apply(S, t, k1, k);
            if (same_mod_G(k, k2, tol)) return 1;
        }
    }
    return 0;
}

/* Index of k in the mesh (first index fastest), -1 if k is not a mesh point. */
static int mesh_index(const int grid[3], const double shift[3], const double k[3]) {
    int m[3];
    for (int i = 0; i < 3; i++) {
        double t = k[i] * grid[i] - shift[i];
        if (fabs(t - round(t)) > 1e-6) return -1;
        long r = lround(t) % grid[i];
        m[i] = (int)(r < 0 ? r + grid[i] : r);
    }
    return m[0] + grid[0] * (m[1] + grid[1] * m[2]);
}

/* Everything a reduced mesh must satisfy, checked from first principles. */
static void check_invariants(const fu_kpoints *kp, const fu_symmetry *sym, const int grid[3],
                             const double shift[3], int trs, const char *name) {
    int nfull = grid[0] * grid[1] * grid[2], ok_mesh = kp->nfull == nfull, ok_unf = 1;
    int ok_w = kp->nk >= 1, ok_rep = 1, ok_closed = 1, ok_irr = 1;
    for (int i = 0; i < kp->nfull && ok_mesh; i++)
        for (int j = 0; j < 3; j++)
            if (!(kp->kfull[i][j] >= -0.5 && kp->kfull[i][j] < 0.5) ||
                mesh_index(grid, shift, kp->kfull[i]) != i)
                ok_mesh = 0;
    int *count = calloc((size_t)kp->nk, sizeof *count);
    double sum = 0;
    for (int i = 0; i < kp->nfull && ok_mesh; i++) {
        int r = kp->full_irr[i], s = kp->full_sym[i], t = kp->full_trev[i];
        if (r < 0 || r >= kp->nk || s < 0 || s >= sym->nsym || (t && !trs) || t < 0 || t > 1) {
            ok_unf = 0;
            continue;
        }
        count[r]++;
        double S[3][3], k[3];
        recip_rot(sym->rot[s], S);
        apply(S, t, kp->kred[r], k);
        if (!same_mod_G(k, kp->kfull[i], 1e-9)) ok_unf = 0;
        /* the representative is itself a mesh point mapped by op 0 */
        if (same_mod_G(kp->kfull[i], kp->kred[r], 0) && (s != 0 || t)) ok_rep = 0;
    }
    for (int r = 0; r < kp->nk; r++) {
        sum += kp->weight[r];
        if (!(kp->weight[r] > 0) || fabs(kp->weight[r] * nfull - count[r]) > 1e-9) ok_w = 0;
        if (mesh_index(grid, shift, kp->kred[r]) < 0) ok_rep = 0;
        for (int j = 0; j < 3; j++)
            if (!(kp->kred[r][j] >= -0.5 && kp->kred[r][j] < 0.5)) ok_rep = 0;
    }
    if (fabs(sum - 1) > 1e-12) ok_w = 0;
    /* Orbits are closed: an op that maps a mesh point onto the mesh keeps it
     * in its class (this is ABINIT's definition of equivalence). */
    for (int i = 0; i < kp->nfull && ok_mesh && ok_closed; i++)
        for (int s = 0; s < sym->nsym && ok_closed; s++) {
            double S[3][3], k[3];
            recip_rot(sym->rot[s], S);
            for (int t = 0; t <= trs; t++) {
                apply(S, t, kp->kfull[i], k);
                int j = mesh_index(grid, shift, k);
                if (j >= 0 && kp->full_irr[j] != kp->full_irr[i]) ok_closed = 0;
            }
        }
    /* Irreducible points pairwise inequivalent (implied by the above; direct
     * check where cheap). */
    if (kp->nk <= 300)
        for (int a = 0; a < kp->nk && ok_irr; a++)
            for (int b = a + 1; b < kp->nk && ok_irr; b++)
                if (equivalent(sym, trs, kp->kred[a], kp->kred[b], 1e-9)) ok_irr = 0;
    free(count);
    char what[160];
    snprintf(what, sizeof what, "%s: full mesh in [-1/2,1/2), first index fastest", name);
    CHECK(ok_mesh, what);
    snprintf(what, sizeof what, "%s: +-R^{-T} kred[full_irr] = kfull mod G for every point", name);
    CHECK(ok_unf, what);
    snprintf(what, sizeof what, "%s: weights = orbit sizes / mesh size, sum 1", name);
    CHECK(ok_w, what);
    snprintf(what, sizeof what, "%s: representatives are mesh points mapped by identity", name);
    CHECK(ok_rep, what);
    snprintf(what, sizeof what, "%s: orbits closed under the group (and k -> -k)", name);
    CHECK(ok_closed, what);
    snprintf(what, sizeof what, "%s: irreducible points pairwise inequivalent", name);
    CHECK(ok_irr, what);
}

/* Our set against ABINIT's list: same count, same sorted weights, and a
 * one-to-one matching of equivalent points with equal weights. */
static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void compare_abinit(const char *name, const fu_kpoints *kp, const fu_symmetry *sym,
                           int nk, const double (*k)[3], const double *w, double ktol) {
    char what[160];
    snprintf(what, sizeof what, "%s: ABINIT's number of irreducible k-points (%d)", name, nk);
    if (kp->nk != nk) fprintf(stderr, "  %s: %d points, ABINIT %d\n", name, kp->nk, nk);
    CHECK(kp->nk == nk, what);
    if (kp->nk != nk) return;
    double *a = malloc(sizeof(double) * (size_t)nk), *b = malloc(sizeof(double) * (size_t)nk);
    memcpy(a, w, sizeof(double) * (size_t)nk);
    memcpy(b, kp->weight, sizeof(double) * (size_t)nk);
    qsort(a, (size_t)nk, sizeof(double), cmp_double);
    qsort(b, (size_t)nk, sizeof(double), cmp_double);
    double worst = 0;
    for (int i = 0; i < nk; i++) worst = fmax(worst, fabs(a[i] - b[i]));
    snprintf(what, sizeof what, "%s: sorted weights equal ABINIT's (printed to 5 decimals)",
             name);
    CHECK_CLOSE(worst, 0, 1e-4, what);
    int *used = calloc((size_t)nk, sizeof *used), matched = 0;
    for (int i = 0; i < nk; i++)
        for (int r = 0; r < nk; r++)
            if (!used[r] && fabs(w[i] - kp->weight[r]) <= 1e-4 &&
                equivalent(sym, 1, k[i], kp->kred[r], ktol)) {
                used[r] = 1;
                matched++;
                break;
            }
    snprintf(what, sizeof what,
             "%s: every ABINIT k is equivalent (group + k->-k, mod G) to one of ours, same "
             "weight",
             name);
    CHECK(matched == nk, what);
    free(used);
    free(a);
    free(b);
}

static int reduce(const fu_structure *s, const int grid[3], const double shift[3], int trs,
                  fu_symmetry *sym, fu_kpoints *kp) {
    fu_err err = {0};
    if (fu_symmetry_find(s, SYMPREC, sym, &err) ||
        fu_kpoints_mp(grid, shift, sym, trs, kp, &err)) {
        fprintf(stderr, "  %s\n", err.msg);
        return 1;
    }
    return 0;
}

/* ---- the six reference runs, read from their JSON ---- */

static int json_vec(json_t *a, double *v, int n) {
    if (!json_is_array(a) || (int)json_array_size(a) != n) return 0;
    for (int i = 0; i < n; i++) {
        json_t *e = json_array_get(a, (size_t)i);
        if (!json_is_number(e)) return 0;
        v[i] = json_number_value(e);
    }
    return 1;
}

static void test_reference_json(void) {
    static const char *files[] = {"si_diamond.json",   "si_distorted.json",
                                  "gaas_zincblende.json", "mgo_rocksalt.json",
                                  "nacl_rocksalt.json", "al_fcc_metal.json"};
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", FURUI_REFERENCE_DIR, files[f]);
        json_error_t jerr;
        json_t *root = json_load_file(path, 0, &jerr);
        CHECK(root != NULL, "reference JSON readable");
        if (!root) {
            fprintf(stderr, "  %s: %s\n", path, jerr.text);
            continue;
        }
        json_t *c = json_object_get(root, "case");
        json_t *xr = json_object_get(c, "xred"), *ty = json_object_get(c, "typat");
        json_t *zn = json_object_get(c, "znucl"), *kr = json_object_get(root, "kpoints_red");
        json_t *kw = json_object_get(root, "kweights"), *lt = json_object_get(c, "lattice");
        int natom = (int)json_array_size(xr), nsp = (int)json_array_size(zn);
        int nk = (int)json_array_size(kr), ok = natom >= 1 && natom <= MAXAT && nsp >= 1 &&
                                                 nsp <= 4 && nk >= 1 && nk <= MAXK &&
                                                 (int)json_array_size(kw) == nk;
        double lat[3][3], x[MAXAT][3], g[3], shift[3], k[MAXK][3], w[MAXK], z[4];
        int typat[MAXAT], znucl[4], grid[3];
        for (int i = 0; i < 3 && ok; i++) ok = json_vec(json_array_get(lt, (size_t)i), lat[i], 3);
        for (int a = 0; a < natom && ok; a++) {
            double t;
            ok = json_vec(json_array_get(xr, (size_t)a), x[a], 3) &&
                 json_is_integer(json_array_get(ty, (size_t)a));
            t = ok ? (double)json_integer_value(json_array_get(ty, (size_t)a)) : 0;
            typat[a] = (int)t - 1; /* ABINIT typat is 1-based */
        }
        ok = ok && json_vec(zn, z, nsp) && json_vec(json_object_get(c, "kgrid"), g, 3) &&
             json_vec(json_object_get(c, "shift"), shift, 3) && json_vec(kw, w, nk);
        for (int i = 0; i < nk && ok; i++) ok = json_vec(json_array_get(kr, (size_t)i), k[i], 3);
        CHECK(ok, "reference JSON has case lattice/xred/typat/znucl/kgrid/shift and k-points");
        if (ok) {
            for (int i = 0; i < nsp; i++) znucl[i] = (int)z[i];
            for (int i = 0; i < 3; i++) grid[i] = (int)g[i];
            fu_structure s;
            fu_symmetry sym;
            fu_kpoints kp;
            build(&s, lat, natom, x, typat, nsp, znucl);
            if (reduce(&s, grid, shift, 1, &sym, &kp) == 0) {
                check_invariants(&kp, &sym, grid, shift, 1, files[f]);
                /* kpoints_red are printed with 4 decimals (0.3333) */
                compare_abinit(files[f], &kp, &sym, nk, k, w, 2e-4);
                fu_kpoints_free(&kp);
                fu_symmetry_free(&sym);
            } else {
                CHECK(0, "symmetry and k-point reduction of a reference case");
            }
            fu_structure_free(&s);
        }
        json_decref(root);
    }
}

static void test_extended_abinit(void) {
    for (size_t c = 0; c < sizeof extended / sizeof extended[0]; c++) {
        const abinit_case *e = &extended[c];
        fu_structure s;
        fu_symmetry sym;
        fu_kpoints kp;
        build(&s, e->lat, e->natom, e->x, e->typat, e->nsp, e->znucl);
        if (reduce(&s, e->grid, e->shift, 1, &sym, &kp)) {
            CHECK(0, "symmetry and k-point reduction of an extended ABINIT case");
            fu_structure_free(&s);
            continue;
        }
        int nfull = e->grid[0] * e->grid[1] * e->grid[2], sum = 0;
        double w[MAXK];
        for (int i = 0; i < e->nk; i++) {
            w[i] = (double)e->mult[i] / nfull;
            sum += e->mult[i];
        }
        CHECK(sum == nfull, "hardcoded ABINIT multiplicities add up to the mesh size");
        check_invariants(&kp, &sym, e->grid, e->shift, 1, e->name);
        compare_abinit(e->name, &kp, &sym, e->nk, e->k, w, 1e-7);
        fu_kpoints_free(&kp);
        fu_symmetry_free(&sym);
        fu_structure_free(&s);
    }
}

/* ---- no symmetry, time reversal only, filtered groups ---- */

static void si_structure(fu_structure *s) {
    /* DFTK's silicon: a = 5.131570667152971, atoms at ±(1/8,1/8,1/8). */
    double a = 5.131570667152971;
    double lat[3][3] = {{0, a, a}, {a, 0, a}, {a, a, 0}};
    double x[2][3] = {{0.125, 0.125, 0.125}, {-0.125, -0.125, -0.125}};
    build(s, lat, 2, x, (int[]){0, 0}, 1, (int[]){14});
}

static void test_no_symmetry(void) {
    fu_structure s;
    si_structure(&s);
    fu_symmetry id;
    fu_kpoints kp;
    fu_err err = {0};
    fu_symmetry_identity(&s, &id, &err);
    int grid[3] = {3, 4, 5};
    double shift[3] = {0.5, 0, 0.5};
    CHECK(fu_kpoints_mp(grid, shift, &id, 0, &kp, &err) == FU_OK, "identity-only reduction");
    int ok = kp.nk == 60 && kp.nfull == 60;
    for (int i = 0; i < kp.nk && ok; i++)
        ok = kp.weight[i] == 1.0 / 60 && kp.full_irr[i] == i && kp.full_sym[i] == 0 &&
             kp.full_trev[i] == 0 && !memcmp(kp.kred[i], kp.kfull[i], sizeof kp.kred[i]);
    CHECK(ok, "no symmetry, no time reversal: the full mesh with equal weights");
    CHECK_CLOSE(kp.kfull[0][0], 0.5 / 3, 1e-15, "k = (m + 1/2)/3 for m = 0");
    CHECK_CLOSE(kp.kfull[2][0], -0.5 / 3 * 1, 1e-15, "m = 2: (2.5)/3 folded to -1/6");
    check_invariants(&kp, &id, grid, shift, 0, "identity 3x4x5");
    fu_kpoints_free(&kp);

    /* Time reversal alone: k and -k pair up except the points with 2k = 0
     * mod G. Gamma-centred 4x3x2: 2k = 0 needs k_i in {0, 1/2}: 2*1*2 = 4
     * such points, so 4 + (24 - 4)/2 = 14. */
    int g2[3] = {4, 3, 2};
    double s0[3] = {0, 0, 0};
    CHECK(fu_kpoints_mp(g2, s0, &id, 1, &kp, &err) == FU_OK, "time reversal only");
    CHECK(kp.nk == 14, "time reversal only, 4x3x2: 14 points");
    check_invariants(&kp, &id, g2, s0, 1, "identity + TR 4x3x2");
    fu_kpoints_free(&kp);
    fu_symmetry_free(&id);
    fu_structure_free(&s);
}

/* Ops whose rotation maps the mesh onto itself (DFTK keeps only these). */
static void keep_mesh_ops(fu_symmetry *sym, const int grid[3], const double shift[3]) {
    int keep = 0;
    for (int s = 0; s < sym->nsym; s++) {
        double S[3][3];
        recip_rot(sym->rot[s], S);
        int ok = 1;
        for (int i = 0; i < grid[0] * grid[1] * grid[2] && ok; i++) {
            int m[3] = {i % grid[0], (i / grid[0]) % grid[1], i / (grid[0] * grid[1])};
            double k[3], kk[3];
            for (int j = 0; j < 3; j++) k[j] = (m[j] + shift[j]) / grid[j];
            apply(S, 0, k, kk);
            ok = mesh_index(grid, shift, kk) >= 0;
        }
        if (!ok) continue;
        memcpy(sym->rot[keep], sym->rot[s], sizeof sym->rot[0]);
        memcpy(sym->trans[keep], sym->trans[s], sizeof sym->trans[0]);
        memcpy(sym->atom_map[keep], sym->atom_map[s], sizeof(int) * (size_t)sym->natom);
        keep++;
    }
    sym->nsym = keep;
}

/* DFTK test/bzmesh.jl (research notes R18): silicon, symmetries that keep the
 * mesh, no time reversal (Si is centrosymmetric, so it would not matter). */
static void test_dftk_counts(void) {
    static const struct {
        int grid[3];
        double shift[3];
        int nk;
    } c[] = {
        {{1, 1, 1}, {0, 0, 0}, 1},         {{1, 1, 5}, {0, 0, 0}, 3},
        {{2, 3, 2}, {0, 0, 0}, 6},         {{3, 3, 3}, {0, 0, 0}, 4},
        {{2, 3, 4}, {0, 0, 0}, 14},        {{9, 11, 13}, {0, 0, 0}, 644},
        {{3, 3, 3}, {0.5, 0.5, 0.5}, 6}, {{3, 3, 3}, {0.5, 0, 0.5}, 6},
        {{3, 3, 3}, {0, 0.5, 0}, 6},
    };
    fu_structure s;
    si_structure(&s);
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        fu_symmetry sym;
        fu_kpoints kp;
        fu_err err = {0};
        if (fu_symmetry_find(&s, SYMPREC, &sym, &err)) {
            CHECK(0, err.msg);
            continue;
        }
        keep_mesh_ops(&sym, c[i].grid, c[i].shift);
        char name[96];
        snprintf(name, sizeof name, "Si %dx%dx%d shift (%g,%g,%g), mesh-keeping ops",
                 c[i].grid[0], c[i].grid[1], c[i].grid[2], c[i].shift[0], c[i].shift[1],
                 c[i].shift[2]);
        if (fu_kpoints_mp(c[i].grid, c[i].shift, &sym, 0, &kp, &err) == FU_OK) {
            if (kp.nk != c[i].nk) fprintf(stderr, "  %s: %d points\n", name, kp.nk);
            CHECK(kp.nk == c[i].nk, "DFTK's irreducible count (R18)");
            check_invariants(&kp, &sym, c[i].grid, c[i].shift, 0, name);
            fu_kpoints_free(&kp);
        } else {
            CHECK(0, err.msg);
        }
        fu_symmetry_free(&sym);
    }
    fu_structure_free(&s);
}

/* The same mesh partition as spglib 2.0.2's spg_get_ir_reciprocal_mesh, an
 * independent implementation, on meshes every op keeps. spglib's grid
 * address a gives k = (2a + is_shift)/(2n), i.e. our m = a mod n. */
static void compare_spglib(const fu_structure *s, const int grid[3], int is_shift, int trs,
                           const char *name, int want) {
    double shift[3] = {0.5 * is_shift, 0.5 * is_shift, 0.5 * is_shift};
    fu_symmetry sym;
    fu_kpoints kp;
    if (reduce(s, grid, shift, trs, &sym, &kp)) {
        CHECK(0, "reduction for the spglib comparison");
        return;
    }
    int n = grid[0] * grid[1] * grid[2];
    int(*addr)[3] = malloc(sizeof *addr * (size_t)n);
    int *map = malloc(sizeof(int) * (size_t)n), *ours_of = malloc(sizeof(int) * (size_t)n);
    double lat[3][3], (*pos)[3] = malloc(sizeof *pos * (size_t)s->natom);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) lat[i][j] = s->lattice[j][i];
    memcpy(pos, s->xred, sizeof *pos * (size_t)s->natom);
    int sh[3] = {is_shift, is_shift, is_shift};
    int nir = spg_get_ir_reciprocal_mesh(addr, map, grid, sh, trs, lat, pos, s->typat, s->natom,
                                         SYMPREC);
    /* Same partition: spglib's class of a point determines ours and back. */
    int ok = nir == kp.nk;
    for (int i = 0; i < n; i++) ours_of[i] = -1;
    for (int i = 0; i < n && ok; i++) {
        int m[3];
        for (int j = 0; j < 3; j++) m[j] = ((addr[i][j] % grid[j]) + grid[j]) % grid[j];
        int our = kp.full_irr[m[0] + grid[0] * (m[1] + grid[1] * m[2])];
        int rep = map[i]; /* index of spglib's representative grid point */
        if (ours_of[rep] < 0) ours_of[rep] = our;
        if (ours_of[rep] != our) ok = 0;
    }
    char what[160];
    snprintf(what, sizeof what, "%s: same count (%d) and mesh partition as spglib", name, nir);
    CHECK(ok, what);
    if (want > 0) {
        snprintf(what, sizeof what, "%s: published count %d", name, want);
        CHECK(kp.nk == want, what);
    }
    if (n <= 20000) check_invariants(&kp, &sym, grid, shift, trs, name);
    free(addr);
    free(map);
    free(ours_of);
    free(pos);
    fu_kpoints_free(&kp);
    fu_symmetry_free(&sym);
}

static void test_spglib(void) {
    /* spglib test/test_kpoints.cpp (R19): rutile-like cell, 40^3 shifted,
     * time reversal: 4200 irreducible points. */
    double lat[3][3] = {{4, 0, 0}, {0, 4, 0}, {0, 0, 3}};
    double x[6][3] = {{0, 0, 0},     {0.5, 0.5, 0.5}, {0.3, 0.3, 0},
                      {0.7, 0.7, 0}, {0.2, 0.8, 0.5}, {0.8, 0.2, 0.5}};
    fu_structure s;
    build(&s, lat, 6, x, (int[]){0, 0, 1, 1, 1, 1}, 2, (int[]){22, 8});
    compare_spglib(&s, (int[]){40, 40, 40}, 1, 1, "rutile 40^3 shifted, TR", 4200);
    compare_spglib(&s, (int[]){6, 6, 5}, 0, 0, "rutile 6x6x5, no TR", 0);
    fu_structure_free(&s);

    /* Zinc blende: time reversal matters (no inversion); research notes:
     * 4x4x4 Gamma-centred, 8 points with TR, 10 without. */
    double a = 5.3415;
    double fcc[3][3] = {{0, a, a}, {a, 0, a}, {a, a, 0}};
    double xz[2][3] = {{0, 0, 0}, {0.25, 0.25, 0.25}};
    build(&s, fcc, 2, xz, (int[]){0, 1}, 2, (int[]){31, 33});
    compare_spglib(&s, (int[]){4, 4, 4}, 0, 1, "GaAs 4^3 with TR", 8);
    compare_spglib(&s, (int[]){4, 4, 4}, 0, 0, "GaAs 4^3 without TR", 10);
    compare_spglib(&s, (int[]){5, 5, 5}, 0, 0, "GaAs 5^3 without TR", 0);
    fu_structure_free(&s);

    /* hcp, odd and even divisions */
    double hcp[3][3] = {{6.0, 0, 0}, {-3.0, 3.0 * sqrt(3.0), 0}, {0, 0, 9.75}};
    double xh[2][3] = {{1.0 / 3, 2.0 / 3, 0.25}, {2.0 / 3, 1.0 / 3, 0.75}};
    build(&s, hcp, 2, xh, (int[]){0, 0}, 1, (int[]){12});
    compare_spglib(&s, (int[]){6, 6, 4}, 0, 1, "hcp 6x6x4 TR", 0);
    compare_spglib(&s, (int[]){5, 5, 3}, 0, 0, "hcp 5x5x3", 0);
    fu_structure_free(&s);
}

/* Meshes that only part of the group keeps. ABINIT merges every pair of
 * mesh points related by any op (test_extended_abinit checks its counts 5,
 * 11, 14); a reduction with only the mesh-keeping ops finds more classes.
 * Both are valid unfoldings of the same mesh, but only the first is ABINIT's. */
static void test_mesh_breaking_shift(void) {
    static const char *names[] = {"si_diamond_442_s001", "gaas_zb_234_s100", "na_bcc_443_s001"};
    for (size_t n = 0; n < sizeof names / sizeof names[0]; n++) {
        const abinit_case *e = NULL;
        for (size_t c = 0; c < sizeof extended / sizeof extended[0]; c++)
            if (!strcmp(extended[c].name, names[n])) e = &extended[c];
        CHECK(e != NULL, "mesh-breaking case present");
        if (!e) continue;
        fu_structure s;
        build(&s, e->lat, e->natom, e->x, e->typat, e->nsp, e->znucl);
        fu_symmetry sym;
        fu_kpoints all, kept;
        fu_err err = {0};
        if (reduce(&s, e->grid, e->shift, 1, &sym, &all)) {
            fu_structure_free(&s);
            continue;
        }
        int nall = sym.nsym;
        keep_mesh_ops(&sym, e->grid, e->shift);
        CHECK(sym.nsym < nall && sym.nsym >= 1, "the shift breaks part of the group");
        CHECK(fu_kpoints_mp(e->grid, e->shift, &sym, 1, &kept, &err) == FU_OK,
              "reduction with mesh-keeping ops");
        CHECK(all.nk == e->nk && kept.nk > all.nk,
              "all ops give ABINIT's count; the mesh-keeping subgroup gives more points");
        fprintf(stderr, "  info: %s: %d of %d ops keep the mesh -> %d points; all ops -> %d "
                "(ABINIT %d)\n", e->name, sym.nsym, nall, kept.nk, all.nk, e->nk);
        check_invariants(&kept, &sym, e->grid, e->shift, 1, e->name);
        fu_kpoints_free(&kept);
        fu_kpoints_free(&all);
        fu_symmetry_free(&sym);
        fu_structure_free(&s);
    }
}

static void test_errors_and_list(void) {
    fu_structure s;
    si_structure(&s);
    fu_symmetry id;
    fu_kpoints kp;
    fu_err err = {0};
    fu_symmetry_identity(&s, &id, &err);
    double s0[3] = {0, 0, 0}, bad[3] = {0.25, 0, 0};
    CHECK(fu_kpoints_mp((int[]){0, 1, 1}, s0, &id, 0, &kp, &err) != FU_OK &&
              strstr(err.msg, "grid") && kp.kred == NULL,
          "grid 0 rejected");
    CHECK(fu_kpoints_mp((int[]){2, 2, 2}, bad, &id, 0, &kp, &err) != FU_OK &&
              strstr(err.msg, "shift"),
          "shift 1/4 rejected");
    CHECK(fu_kpoints_mp((int[]){2, 2, 2}, s0, NULL, 0, &kp, &err) != FU_OK,
          "missing symmetry rejected");
    CHECK(fu_kpoints_mp((int[]){1000, 1000, 1000}, s0, &id, 0, &kp, &err) != FU_OK &&
              strstr(err.msg, "too large"),
          "huge mesh rejected before allocating");
    /* shift 1 is the unshifted mesh */
    CHECK(fu_kpoints_mp((int[]){2, 1, 1}, (double[]){1, 0, 0}, &id, 0, &kp, &err) == FU_OK &&
              kp.nk == 2 && kp.kred[0][0] == 0 && kp.kred[1][0] == -0.5,
          "shift 1 = no shift; 1/2 folds to -1/2");
    fu_kpoints_free(&kp);

    /* explicit list */
    double k[3][3] = {{0, 0, 0}, {0.75, 0.5, -0.25}, {0.1, 0.2, 0.3}};
    double w[3] = {1, 2, 1};
    CHECK(fu_kpoints_list(3, k, w, &kp, &err) == FU_OK, "explicit list");
    CHECK(kp.nk == 3 && kp.nfull == 3 && fabs(kp.weight[1] - 0.5) < 1e-15 &&
              kp.kred[1][0] == -0.25 && kp.kred[1][1] == -0.5 && kp.kred[1][2] == -0.25 &&
              kp.full_irr[2] == 2,
          "list: weights normalised, points folded into [-1/2,1/2)");
    fu_kpoints_free(&kp);
    CHECK(fu_kpoints_list(2, k, NULL, &kp, &err) == FU_OK && kp.weight[1] == 0.5,
          "list without weights: equal weights");
    fu_kpoints_free(&kp);
    w[0] = NAN;
    CHECK(fu_kpoints_list(3, k, w, &kp, &err) != FU_OK, "NaN weight rejected");
    w[0] = w[1] = w[2] = 0;
    CHECK(fu_kpoints_list(3, k, w, &kp, &err) != FU_OK, "zero total weight rejected");
    fu_symmetry_free(&id);
    fu_structure_free(&s);
}

/* Band-edge points and vacuum (kpoints.h), against coordinates known by
 * hand: fcc X = (1/2, 0, 1/2) and L = (1/2, 1/2, 1/2) in the primitive
 * reciprocal basis need even divisions (5 -> 6, 7 -> 8, 6 stays); hexagonal
 * K = (1/3, 1/3, 0), M = (1/2, 0, 0) and A = (0, 0, 1/2) need multiples of 6
 * in plane and of 2 along c; a diatomic molecule in an 8 Å box has Γ only, a
 * slab keeps its in-plane mesh, bulk Si keeps every direction. */
static void test_edges_and_vacuum(void) {
    fu_err err = {0};
    fu_structure si, hex, mol, slab;
    const double fcc[3][3] = {{0, 5.13, 5.13}, {5.13, 0, 5.13}, {5.13, 5.13, 0}};
    const double xsi[2][3] = {{0, 0, 0}, {0.25, 0.25, 0.25}};
    const int t2[2] = {0, 0}, zsi[1] = {14};
    build(&si, fcc, 2, xsi, t2, 1, zsi);
    int g[3] = {5, 7, 6};
    CHECK(fu_kpoints_grid_with_edges(&si, 1e-5, 100, g, &err) == 0, err.msg);
    CHECK(g[0] == 6 && g[1] == 8 && g[2] == 6, "fcc: even divisions (X, L)");
    int gv[3] = {5, 5, 5};
    CHECK(fu_kpoints_vacuum_axes(&si, FU_KPOINTS_VACUUM, gv) == 0 && gv[0] == 5, "bulk Si: no vacuum");
    /* hexagonal cell, a = 5 bohr, c = 8 bohr, one atom */
    const double hl[3][3] = {{5, 0, 0}, {-2.5, 4.330127018922193, 0}, {0, 0, 8}};
    const double x1[1][3] = {{0, 0, 0}};
    const int t1[1] = {0}, zmg[1] = {12};
    build(&hex, hl, 1, x1, t1, 1, zmg);
    int gh[3] = {4, 4, 3};
    CHECK(fu_kpoints_grid_with_edges(&hex, 1e-5, 100, gh, &err) == 0, err.msg);
    CHECK(gh[0] == 6 && gh[1] == 6 && gh[2] == 4, "hexagonal: K, M need 6 in plane, A needs 2 along c");
    int gcap[3] = {7, 7, 3};
    fu_kpoints_grid_with_edges(&hex, 1e-5, 8, gcap, &err);
    CHECK(gcap[0] == 7 && gcap[2] == 4, "beyond maxn: left as it was");
    /* O2-like molecule in an 8 angstrom cube (15.118 bohr), bond 1.21 angstrom along z */
    const double box[3][3] = {{15.118, 0, 0}, {0, 15.118, 0}, {0, 0, 15.118}};
    const double xm[2][3] = {{0.5, 0.5, 0.424}, {0.5, 0.5, 0.576}};
    const int zo[1] = {8};
    build(&mol, box, 2, xm, t2, 1, zo);
    int gm[3] = {2, 2, 2};
    CHECK(fu_kpoints_vacuum_axes(&mol, FU_KPOINTS_VACUUM, gm) == 3 && gm[0] == 1 && gm[1] == 1 && gm[2] == 1,
          "molecule in a box: Γ only");
    /* slab: Si atoms 2.35 angstrom apart in z, a 20 bohr cell along z, 5 bohr in plane */
    const double sl[3][3] = {{5, 0, 0}, {0, 5, 0}, {0, 0, 20}};
    const double xs[2][3] = {{0, 0, 0.1}, {0.5, 0.5, 0.32}};
    build(&slab, sl, 2, xs, t2, 1, zsi);
    int gs[3] = {6, 6, 2};
    CHECK(fu_kpoints_vacuum_axes(&slab, FU_KPOINTS_VACUUM, gs) == 1 && gs[0] == 6 && gs[2] == 1,
          "slab: one k-point across the vacuum (15.6 bohr), the in-plane mesh kept");
    fu_structure_free(&si);
    fu_structure_free(&hex);
    fu_structure_free(&mol);
    fu_structure_free(&slab);
}

int main(void) {
    test_edges_and_vacuum();
    test_reference_json();
    test_extended_abinit();
    test_no_symmetry();
    test_dftk_counts();
    test_spglib();
    test_mesh_breaking_shift();
    test_errors_and_list();
    CHECK_DONE();
}
