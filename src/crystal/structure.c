#include "crystal/structure.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"
#include "crystal/elements.h"
#include "crystal/formula.h"

/* Far more atoms than a plane-wave cell can hold; guards size arithmetic. */
#define MAX_NATOM 10000000

int fu_structure_alloc(fu_structure *s, int natom, fu_err *err) {
    memset(s, 0, sizeof *s);
    if (natom < 1 || natom > MAX_NATOM)
        return fu_fail(err, FU_EINPUT, "structure: natom: must be in 1..%d, got %d", MAX_NATOM,
                       natom);
    s->xred = calloc((size_t)natom, sizeof *s->xred);
    s->typat = calloc((size_t)natom, sizeof *s->typat);
    if (!s->xred || !s->typat) {
        fu_structure_free(s);
        return fu_fail(err, FU_ENOMEM, "structure: out of memory for %d atoms", natom);
    }
    s->natom = natom;
    return FU_OK;
}

void fu_structure_free(fu_structure *s) {
    if (!s) return;
    free(s->xred);
    free(s->typat);
    memset(s, 0, sizeof *s);
}

int fu_structure_copy(fu_structure *dst, const fu_structure *src, fu_err *err) {
    fu_structure tmp;
    int rc = fu_structure_alloc(&tmp, src->natom, err);
    if (rc) return rc;
    memcpy(tmp.lattice, src->lattice, sizeof tmp.lattice);
    memcpy(tmp.xred, src->xred, sizeof *tmp.xred * (size_t)src->natom);
    memcpy(tmp.typat, src->typat, sizeof *tmp.typat * (size_t)src->natom);
    tmp.nspecies = src->nspecies;
    memcpy(tmp.symbol, src->symbol, sizeof tmp.symbol);
    memcpy(tmp.znucl, src->znucl, sizeof tmp.znucl);
    *dst = tmp;
    return FU_OK;
}

double fu_lattice_det(const double a[3][3]) {
    return a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) -
           a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) +
           a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
}

void fu_lattice_reciprocal(const double a[3][3], double b[3][3]) {
    /* b_i = 2π (a_j × a_k) / det, (i,j,k) cyclic. */
    double f = 2.0 * FU_PI / fu_lattice_det(a);
    for (int i = 0; i < 3; i++) {
        const double *u = a[(i + 1) % 3], *v = a[(i + 2) % 3];
        b[i][0] = f * (u[1] * v[2] - u[2] * v[1]);
        b[i][1] = f * (u[2] * v[0] - u[0] * v[2]);
        b[i][2] = f * (u[0] * v[1] - u[1] * v[0]);
    }
}

void fu_structure_cart(const fu_structure *s, int ia, double r[3]) {
    for (int j = 0; j < 3; j++)
        r[j] = s->xred[ia][0] * s->lattice[0][j] + s->xred[ia][1] * s->lattice[1][j] +
               s->xred[ia][2] * s->lattice[2][j];
}

static double norm3(const double v[3]) { return sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]); }

int fu_structure_check(const fu_structure *s, double min_dist, const char *origin, fu_err *err) {
    const char *o = origin ? origin : "structure";
    double lat[3][3];
    memcpy(lat, s->lattice, sizeof lat);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            if (!isfinite(lat[i][j]))
                return fu_fail(err, FU_EINPUT, "%s: lattice vector %d: not a finite number", o,
                               i + 1);
    double l0 = norm3(lat[0]), l1 = norm3(lat[1]), l2 = norm3(lat[2]);
    double vol = fabs(fu_lattice_det(lat));
    /* Below 1e-3 of l0·l1·l2 the cell is (nearly) flat: no crystal needs such
     * vectors (a reduced cell of the same lattice does not), and the image
     * search below would grow without bound (a fuzzer-found hang). */
    if (!(vol > 1e-3 * l0 * l1 * l2) || !(vol > 0))
        return fu_fail(err, FU_EINPUT,
                       "%s: lattice: vectors are (nearly) linearly dependent, volume %.6g bohr^3 "
                       "(%.2g of |a1||a2||a3|; give a reduced cell)",
                       o, vol, vol / (l0 * l1 * l2));
    if (s->natom < 1 || !s->xred || !s->typat)
        return fu_fail(err, FU_EINPUT, "%s: atoms: the structure has no atoms", o);
    if (s->nspecies < 1 || s->nspecies > FU_MAX_SPECIES)
        return fu_fail(err, FU_EINPUT, "%s: species: count %d outside 1..%d", o, s->nspecies,
                       FU_MAX_SPECIES);
    for (int sp = 0; sp < s->nspecies; sp++)
        if (!fu_element_symbol(s->znucl[sp]))
            return fu_fail(err, FU_EINPUT, "%s: species %d (%.*s): unknown element Z=%d", o,
                           sp + 1, FU_SYMBOL_LEN, s->symbol[sp], s->znucl[sp]);
    for (int a = 0; a < s->natom; a++) {
        if (s->typat[a] < 0 || s->typat[a] >= s->nspecies)
            return fu_fail(err, FU_EINPUT, "%s: atom %d: species index %d outside 0..%d", o,
                           a + 1, s->typat[a], s->nspecies - 1);
        for (int j = 0; j < 3; j++)
            if (!isfinite(s->xred[a][j]))
                return fu_fail(err, FU_EINPUT, "%s: atom %d: position is not a finite number", o,
                               a + 1);
            else if (!(fabs(s->xred[a][j]) <= FU_MAX_FRACTIONAL))
                return fu_fail(err, FU_EINPUT,
                               "%s: atom %d: fractional coordinate %.3g out of range (|x| <= %g)", o,
                               a + 1, s->xred[a][j], FU_MAX_FRACTIONAL);
    }
    if (!(min_dist > 0)) return FU_OK;

    /* A vector shorter than min_dist has |fractional coordinate i| <=
     * min_dist |b_i| / 2π; the pair difference is first reduced to [-1/2,1/2),
     * so images up to that bound plus one cover every short vector. */
    double rec[3][3];
    fu_lattice_reciprocal(lat, rec);
    int nimg[3];
    for (int i = 0; i < 3; i++) {
        double b = min_dist * norm3(rec[i]) / (2.0 * FU_PI) + 1.0;
        if (b > 1000) b = 1000; /* a needle-thin cell; the bound only grows the search */
        nimg[i] = (int)ceil(b);
    }
    double nsearch = (2.0 * nimg[0] + 1) * (2.0 * nimg[1] + 1) * (2.0 * nimg[2] + 1);
    if (nsearch > 1e6)
        return fu_fail(err, FU_EINPUT,
                       "%s: lattice: a cell edge is far shorter than the minimum interatomic "
                       "distance %.3g bohr (%.3g periodic images to check); give a larger cell",
                       o, min_dist, nsearch);
    double best = INFINITY;
    int ba = 0, bb = 0;
    for (int a = 0; a < s->natom; a++)
        for (int b = a; b < s->natom; b++) {
            double d[3];
            for (int j = 0; j < 3; j++) {
                d[j] = s->xred[b][j] - s->xred[a][j];
                d[j] -= floor(d[j] + 0.5);
            }
            for (int n0 = -nimg[0]; n0 <= nimg[0]; n0++)
                for (int n1 = -nimg[1]; n1 <= nimg[1]; n1++)
                    for (int n2 = -nimg[2]; n2 <= nimg[2]; n2++) {
                        if (a == b && n0 == 0 && n1 == 0 && n2 == 0) continue;
                        double f[3] = {d[0] + n0, d[1] + n1, d[2] + n2}, r[3];
                        for (int j = 0; j < 3; j++)
                            r[j] = f[0] * lat[0][j] + f[1] * lat[1][j] + f[2] * lat[2][j];
                        double len = norm3(r);
                        if (len < best) {
                            best = len;
                            ba = a;
                            bb = b;
                        }
                    }
        }
    if (best < min_dist) {
        if (ba == bb)
            return fu_fail(err, FU_EINPUT,
                           "%s: atom %d (%.*s) is %.4f bohr from its own periodic image "
                           "(minimum %.4f bohr): the cell is too small",
                           o, ba + 1, FU_SYMBOL_LEN, s->symbol[s->typat[ba]], best, min_dist);
        return fu_fail(err, FU_EINPUT,
                       "%s: atoms %d (%.*s) and %d (%.*s) are %.4f bohr apart (minimum %.4f bohr)",
                       o, ba + 1, FU_SYMBOL_LEN, s->symbol[s->typat[ba]], bb + 1, FU_SYMBOL_LEN,
                       s->symbol[s->typat[bb]], best, min_dist);
    }
    return FU_OK;
}

int fu_structure_count(const fu_structure *s, int sp) {
    int n = 0;
    for (int a = 0; a < s->natom; a++)
        if (s->typat[a] == sp) n++;
    return n;
}

void fu_structure_formula_reduced(const fu_structure *s, char *buf, int len) {
    if (!buf || len < 1) return;
    buf[0] = '\0';
    /* Species of the same element are merged (two pseudopotentials for one
     * element are still one element in a formula). */
    char sym[FU_MAX_SPECIES][FU_SYMBOL_LEN + 1];
    int count[FU_MAX_SPECIES] = {0}, n = 0;
    for (int sp = 0; sp < s->nspecies && sp < FU_MAX_SPECIES; sp++) {
        const char *name = fu_element_symbol(s->znucl[sp]);
        char tmp[FU_SYMBOL_LEN + 1];
        snprintf(tmp, sizeof tmp, "%.*s", FU_SYMBOL_LEN, name ? name : s->symbol[sp]);
        int c = fu_structure_count(s, sp), k = 0;
        if (c == 0) continue;
        while (k < n && strcmp(sym[k], tmp) != 0) k++;
        if (k == n) {
            memcpy(sym[n], tmp, sizeof tmp);
            count[n++] = 0;
        }
        count[k] += c;
    }
    /* Alphabetical (insertion sort; at most FU_MAX_SPECIES entries). */
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && strcmp(sym[j - 1], sym[j]) > 0; j--) {
            char t[FU_SYMBOL_LEN + 1];
            memcpy(t, sym[j], sizeof t);
            memcpy(sym[j], sym[j - 1], sizeof t);
            memcpy(sym[j - 1], t, sizeof t);
            int c = count[j];
            count[j] = count[j - 1];
            count[j - 1] = c;
        }
    int g = fu_formula_gcd(count, n);
    size_t used = 0;
    for (int i = 0; i < n; i++) {
        char part[32];
        int c = count[i] / (g ? g : 1);
        if (c == 1)
            snprintf(part, sizeof part, "%.4s", sym[i]);
        else
            snprintf(part, sizeof part, "%.4s%d", sym[i], c);
        size_t pl = strlen(part);
        if (used + pl + 1 > (size_t)len) break; /* truncated at an element boundary */
        memcpy(buf + used, part, pl + 1);
        used += pl;
    }
}
