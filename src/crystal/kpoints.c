#include "crystal/kpoints.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"
#include "crystal/kpath.h"

#define MAX_DIV 1000        /* divisions per direction */
#define MAX_NFULL 10000000  /* mesh points */

void fu_kpoints_free(fu_kpoints *kp) {
    if (!kp) return;
    free(kp->kred);
    free(kp->weight);
    free(kp->kfull);
    free(kp->full_irr);
    free(kp->full_sym);
    free(kp->full_trev);
    memset(kp, 0, sizeof *kp);
}

static int alloc_kp(fu_kpoints *kp, int nk, int nfull, fu_err *err) {
    memset(kp, 0, sizeof *kp);
    kp->kred = calloc((size_t)nk, sizeof *kp->kred);
    kp->weight = calloc((size_t)nk, sizeof *kp->weight);
    kp->kfull = calloc((size_t)nfull, sizeof *kp->kfull);
    kp->full_irr = calloc((size_t)nfull, sizeof *kp->full_irr);
    kp->full_sym = calloc((size_t)nfull, sizeof *kp->full_sym);
    kp->full_trev = calloc((size_t)nfull, sizeof *kp->full_trev);
    if (!kp->kred || !kp->weight || !kp->kfull || !kp->full_irr || !kp->full_sym ||
        !kp->full_trev) {
        fu_kpoints_free(kp);
        return fu_fail(err, FU_ENOMEM, "kpoints: out of memory for %d points", nfull);
    }
    kp->nk = nk;
    kp->nfull = nfull;
    return FU_OK;
}

void fu_kpoint_apply(const fu_symmetry *sym, int s, int trev, const double k[3], double out[3]) {
    int S[3][3];
    if (!fu_rot_reciprocal(sym->rot[s], S)) {
        out[0] = out[1] = out[2] = NAN;
        return;
    }
    double sign = trev ? -1.0 : 1.0, r[3];
    for (int i = 0; i < 3; i++) r[i] = sign * (S[i][0] * k[0] + S[i][1] * k[1] + S[i][2] * k[2]);
    memcpy(out, r, sizeof r);
}

static int is_integer_vec(const double d[3], double tol) {
    for (int i = 0; i < 3; i++)
        if (fabs(d[i] - round(d[i])) > tol) return 0;
    return 1;
}

/* Every mesh point must be rebuilt from its representative by the op and
 * time reversal recorded for it. */
static int check_unfolding(const fu_kpoints *kp, const fu_symmetry *sym, fu_err *err) {
    for (int i = 0; i < kp->nfull; i++) {
        double k[3], d[3];
        fu_kpoint_apply(sym, kp->full_sym[i], kp->full_trev[i], kp->kred[kp->full_irr[i]], k);
        for (int j = 0; j < 3; j++) d[j] = k[j] - kp->kfull[i][j];
        if (!is_integer_vec(d, 1e-9))
            return fu_fail(err, FU_EINTERNAL,
                           "kpoints: mesh point %d (%g %g %g) is not rebuilt by op %d%s from "
                           "irreducible point %d",
                           i + 1, kp->kfull[i][0], kp->kfull[i][1], kp->kfull[i][2],
                           kp->full_sym[i] + 1, kp->full_trev[i] ? " and time reversal" : "",
                           kp->full_irr[i] + 1);
    }
    return FU_OK;
}

static int64_t pmod(int64_t a, int64_t n) {
    int64_t r = a % n;
    return r < 0 ? r + n : r;
}

int fu_kpoints_mp(const int grid[3], const double shift[3], const fu_symmetry *sym,
                  int time_reversal, fu_kpoints *kp, fu_err *err) {
    memset(kp, 0, sizeof *kp);
    int h[3];
    for (int i = 0; i < 3; i++) {
        if (grid[i] < 1 || grid[i] > MAX_DIV)
            return fu_fail(err, FU_EINPUT, "kpoints: grid[%d] = %d outside 1..%d", i, grid[i],
                           MAX_DIV);
        double t = 2.0 * shift[i];
        if (!isfinite(t) || fabs(t - round(t)) > 1e-10)
            return fu_fail(err, FU_EINPUT, "kpoints: shift[%d] = %g must be 0 or 1/2", i,
                           shift[i]);
        h[i] = (int)pmod((int64_t)llround(t), 2);
    }
    int64_t nfull64 = (int64_t)grid[0] * grid[1] * grid[2];
    if (nfull64 > MAX_NFULL)
        return fu_fail(err, FU_EINPUT, "kpoints: mesh of %lld points is too large (max %d)",
                       (long long)nfull64, MAX_NFULL);
    if (!sym || sym->nsym < 1 || !sym->rot)
        return fu_fail(err, FU_EINPUT, "kpoints: no symmetry operations (not even identity)");
    int nfull = (int)nfull64;

    /* Distinct rotations in reciprocal space, S = ±R^{-T}, identity first.
     * Pure translations of a supercell repeat a rotation and add nothing. */
    int nsym = sym->nsym, nops = 0, id = -1;
    int (*S)[3][3] = malloc(sizeof *S * (size_t)nsym * 2);
    int *op_sym = malloc(sizeof(int) * (size_t)nsym * 2);
    int *op_trev = malloc(sizeof(int) * (size_t)nsym * 2);
    int *irr_of = malloc(sizeof(int) * (size_t)nfull);
    int *rep = malloc(sizeof(int) * (size_t)nfull);
    int *count = calloc((size_t)nfull, sizeof(int));
    int *fsym = malloc(sizeof(int) * (size_t)nfull);
    int *ftrev = malloc(sizeof(int) * (size_t)nfull);
    int rc = FU_OK;
    if (!S || !op_sym || !op_trev || !irr_of || !rep || !count || !fsym || !ftrev) {
        rc = fu_fail(err, FU_ENOMEM, "kpoints: out of memory");
        goto done;
    }
    for (int s = 0; s < nsym && id < 0; s++) {
        int isid = 1;
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                if (sym->rot[s][i][j] != (i == j)) isid = 0;
        if (isid) id = s;
    }
    if (id < 0) {
        rc = fu_fail(err, FU_EINPUT, "kpoints: the symmetry operations lack the identity");
        goto done;
    }
    for (int trev = 0; trev <= (time_reversal ? 1 : 0); trev++)
        for (int pass = 0; pass < 2; pass++)
            for (int s = 0; s < nsym; s++) {
                /* identity first, then the others in their order */
                if ((pass == 0) != (s == id)) continue;
                int M[3][3];
                if (!fu_rot_reciprocal(sym->rot[s], M)) {
                    rc = fu_fail(err, FU_EINPUT, "kpoints: operation %d: det(R) is not +-1",
                                 s + 1);
                    goto done;
                }
                if (trev)
                    for (int i = 0; i < 3; i++)
                        for (int j = 0; j < 3; j++) M[i][j] = -M[i][j];
                int dup = 0;
                for (int o = 0; o < nops && !dup; o++)
                    dup = memcmp(S[o], M, sizeof M) == 0;
                if (dup) continue;
                memcpy(S[nops], M, sizeof M);
                op_sym[nops] = s;
                op_trev[nops] = trev;
                nops++;
            }

    /* Exact arithmetic: k_j = (2 m_j + h_j) / (2 n_j) = num_j / D with
     * D = 2 n0 n1 n2. An image k' = S k is a mesh point iff 2 n_i k'_i is an
     * integer of the parity of h_i. */
    const int64_t D = 2 * nfull64;
    int64_t unit[3];
    for (int j = 0; j < 3; j++) unit[j] = D / (2 * grid[j]);
    for (int i = 0; i < nfull; i++) irr_of[i] = -1;

    /* Orbits in mesh order (first index fastest, as ABINIT): a point not yet
     * reached starts a new irreducible point; every mesh point that an op
     * (with or without time reversal) maps it to joins it. Ops that break the
     * mesh still merge the points whose images lie on it, which is what
     * ABINIT's symkpt does (with chksymbreak 0). */
    int nk = 0;
    for (int i = 0; i < nfull; i++) {
        if (irr_of[i] >= 0) continue;
        int m[3] = {i % grid[0], (i / grid[0]) % grid[1], i / (grid[0] * grid[1])};
        int64_t num[3];
        for (int j = 0; j < 3; j++) num[j] = (2 * (int64_t)m[j] + h[j]) * unit[j];
        int r = nk++;
        rep[r] = i;
        for (int o = 0; o < nops; o++) {
            int mp[3], ok = 1;
            for (int a = 0; a < 3 && ok; a++) {
                int64_t x = 0;
                for (int b = 0; b < 3; b++) x += (int64_t)S[o][a][b] * num[b];
                int64_t X = x * 2 * grid[a];
                if (X % D != 0) {
                    ok = 0;
                    break;
                }
                int64_t q = X / D - h[a];
                if (pmod(q, 2) != 0) {
                    ok = 0;
                    break;
                }
                mp[a] = (int)pmod(q / 2, grid[a]);
            }
            if (!ok) continue;
            int j = mp[0] + grid[0] * (mp[1] + grid[1] * mp[2]);
            if (irr_of[j] >= 0) continue;
            irr_of[j] = r;
            fsym[j] = op_sym[o];
            ftrev[j] = op_trev[o];
            count[r]++;
        }
        if (irr_of[i] != r) {
            rc = fu_fail(err, FU_EINTERNAL, "kpoints: mesh point %d not reached by identity",
                         i + 1);
            goto done;
        }
    }

    rc = alloc_kp(kp, nk, nfull, err);
    if (rc) goto done;
    for (int i = 0; i < nfull; i++) {
        int m[3] = {i % grid[0], (i / grid[0]) % grid[1], i / (grid[0] * grid[1])};
        for (int j = 0; j < 3; j++) {
            int num = 2 * m[j] + h[j]; /* k = num / (2n), folded into [-1/2, 1/2) */
            if (num >= grid[j]) num -= 2 * grid[j];
            kp->kfull[i][j] = (double)num / (2.0 * grid[j]);
        }
        kp->full_irr[i] = irr_of[i];
        kp->full_sym[i] = fsym[i];
        kp->full_trev[i] = ftrev[i];
    }
    for (int r = 0; r < nk; r++) {
        memcpy(kp->kred[r], kp->kfull[rep[r]], sizeof kp->kred[r]);
        kp->weight[r] = (double)count[r] / nfull;
    }
    rc = check_unfolding(kp, sym, err);
    if (rc) fu_kpoints_free(kp);

done:
    free(S);
    free(op_sym);
    free(op_trev);
    free(irr_of);
    free(rep);
    free(count);
    free(fsym);
    free(ftrev);
    return rc;
}

int fu_kpoints_list(int nk, const double (*kred)[3], const double *weight, fu_kpoints *kp,
                    fu_err *err) {
    memset(kp, 0, sizeof *kp);
    if (nk < 1 || nk > MAX_NFULL || !kred)
        return fu_fail(err, FU_EINPUT, "kpoints: list of %d points (need 1..%d)", nk,
                       MAX_NFULL);
    double sum = 0;
    for (int k = 0; k < nk; k++) {
        for (int j = 0; j < 3; j++)
            if (!isfinite(kred[k][j]))
                return fu_fail(err, FU_EINPUT, "kpoints: point %d: not a finite number", k + 1);
        double w = weight ? weight[k] : 1.0;
        if (!isfinite(w) || w < 0)
            return fu_fail(err, FU_EINPUT, "kpoints: point %d: weight %g must be >= 0", k + 1,
                           w);
        sum += w;
    }
    if (!(sum > 0)) return fu_fail(err, FU_EINPUT, "kpoints: the weights sum to zero");
    int rc = alloc_kp(kp, nk, nk, err);
    if (rc) return rc;
    for (int k = 0; k < nk; k++) {
        for (int j = 0; j < 3; j++) {
            double v = kred[k][j] - floor(kred[k][j] + 0.5);
            kp->kred[k][j] = kp->kfull[k][j] = v;
        }
        kp->weight[k] = (weight ? weight[k] : 1.0) / sum;
        kp->full_irr[k] = k; /* each point is its own representative, op 0 */
    }
    return FU_OK;
}

void fu_kpoints_grid_from_spacing(const double lat[3][3], double spacing, int maxn, int grid[3]) {
    double rec[3][3];
    fu_lattice_reciprocal(lat, rec);
    for (int i = 0; i < 3; i++) {
        double b = sqrt(rec[i][0] * rec[i][0] + rec[i][1] * rec[i][1] + rec[i][2] * rec[i][2]);
        double n = ceil(b / spacing - 1e-6);
        grid[i] = n < 1 ? 1 : n > maxn ? maxn : (int)n;
    }
}

/* smallest q in 1..3 with q x integral (to 1e-6), else 0 */
static int denominator(double x) {
    for (int q = 1; q <= 3; q++)
        if (fabs(q * x - nearbyint(q * x)) < 1e-6) return q;
    return 0;
}

int fu_kpoints_grid_with_edges(const fu_structure *s, double symprec, int maxn, int grid[3],
                               fu_err *err) {
    fu_kpath path;
    int rc = fu_kpath_find(s, symprec, &path, err);
    if (rc) return rc;
    int m[3] = {1, 1, 1};
    for (int p = 0; p < path.npoint; p++) {
        int q[3];
        for (int i = 0; i < 3; i++) q[i] = denominator(path.kred[p][i]);
        if (!q[0] || !q[1] || !q[2]) continue;
        for (int i = 0; i < 3; i++)
            if (m[i] % q[i]) m[i] *= q[i]; /* lcm: q is 1, 2 or 3, primes */
    }
    for (int i = 0; i < 3; i++) {
        int n = (grid[i] + m[i] - 1) / m[i] * m[i];
        if (n <= maxn) grid[i] = n;
    }
    return 0;
}

int fu_kpoints_vacuum_axes(const fu_structure *s, double vacuum, int grid[3]) {
    double rec[3][3];
    fu_lattice_reciprocal(s->lattice, rec);
    int count = 0;
    double *x = malloc(sizeof *x * (size_t)(s->natom > 0 ? s->natom : 1));
    if (!x) return 0;
    for (int i = 0; i < 3; i++) {
        /* distance between lattice planes along a_i: 2π/|b_i| */
        double b = sqrt(rec[i][0] * rec[i][0] + rec[i][1] * rec[i][1] + rec[i][2] * rec[i][2]);
        double d = 2.0 * FU_PI / b;
        for (int a = 0; a < s->natom; a++) x[a] = s->xred[a][i] - floor(s->xred[a][i]);
        /* largest periodic gap between sorted coordinates */
        for (int a = 1; a < s->natom; a++)
            for (int c = a; c > 0 && x[c - 1] > x[c]; c--) {
                double t = x[c];
                x[c] = x[c - 1];
                x[c - 1] = t;
            }
        double gap = s->natom ? 1.0 - (x[s->natom - 1] - x[0]) : 1.0;
        for (int a = 1; a < s->natom; a++) gap = fmax(gap, x[a] - x[a - 1]);
        if (gap * d >= vacuum) {
            grid[i] = 1;
            count++;
        }
    }
    free(x);
    return count;
}
