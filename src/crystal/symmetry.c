#include "crystal/symmetry.h"

#include <math.h>
#include <spglib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"

static int alloc_ops(fu_symmetry *sym, int nsym, int natom, fu_err *err) {
    memset(sym, 0, sizeof *sym);
    sym->rot = calloc((size_t)nsym, sizeof *sym->rot);
    sym->trans = calloc((size_t)nsym, sizeof *sym->trans);
    sym->atom_map = calloc((size_t)nsym, sizeof *sym->atom_map);
    int *block = calloc((size_t)nsym * (size_t)natom, sizeof *block);
    if (!sym->rot || !sym->trans || !sym->atom_map || !block) {
        free(block);
        fu_symmetry_free(sym);
        return fu_fail(err, FU_ENOMEM, "symmetry: out of memory for %d operations", nsym);
    }
    /* One block for all rows; row 0 owns it (see fu_symmetry_free). */
    for (int s = 0; s < nsym; s++) sym->atom_map[s] = block + (size_t)s * (size_t)natom;
    sym->nsym = nsym;
    sym->natom = natom;
    return FU_OK;
}

void fu_symmetry_free(fu_symmetry *sym) {
    if (!sym) return;
    /* atom_map[0] owns the block even if a caller lowered nsym */
    if (sym->atom_map) free(sym->atom_map[0]);
    free(sym->atom_map);
    free(sym->rot);
    free(sym->trans);
    memset(sym, 0, sizeof *sym);
}

int fu_symmetry_identity(const fu_structure *s, fu_symmetry *sym, fu_err *err) {
    if (s->natom < 1) {
        memset(sym, 0, sizeof *sym);
        return fu_fail(err, FU_EINPUT, "symmetry: the structure has no atoms");
    }
    int rc = alloc_ops(sym, 1, s->natom, err);
    if (rc) return rc;
    for (int i = 0; i < 3; i++) sym->rot[0][i][i] = 1;
    for (int a = 0; a < s->natom; a++) sym->atom_map[0][a] = a;
    return FU_OK;
}

int fu_rot_det(const int r[3][3]) {
    return r[0][0] * (r[1][1] * r[2][2] - r[1][2] * r[2][1]) -
           r[0][1] * (r[1][0] * r[2][2] - r[1][2] * r[2][0]) +
           r[0][2] * (r[1][0] * r[2][1] - r[1][1] * r[2][0]);
}

int fu_rot_reciprocal(const int r[3][3], int out[3][3]) {
    int det = fu_rot_det(r);
    if (det != 1 && det != -1) return 0;
    /* (R^{-1})_{ji} = cof_{ij} / det, so (R^{-T})_{ij} = cof_{ij} / det. */
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            int i1 = (i + 1) % 3, i2 = (i + 2) % 3, j1 = (j + 1) % 3, j2 = (j + 2) % 3;
            out[i][j] = (r[i1][j1] * r[i2][j2] - r[i1][j2] * r[i2][j1]) * det;
        }
    return 1;
}

static int is_identity(const int r[3][3]) {
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            if (r[i][j] != (i == j)) return 0;
    return 1;
}

/* Cartesian length (bohr) of the fractional vector d reduced to [-1/2,1/2)
 * per component: the minimum image for the small distances tested here. */
static double image_dist(const double lat[3][3], const double d[3]) {
    double f[3], r[3] = {0, 0, 0};
    for (int i = 0; i < 3; i++) f[i] = d[i] - floor(d[i] + 0.5);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) r[j] += f[i] * lat[i][j];
    return sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
}

/* Checks op s (rotation integer with det ±1 preserving the metric, every atom
 * mapped onto a distinct atom of its species) and fills atom_map[s]. */
static int verify_op(const fu_structure *s, fu_symmetry *sym, int k, double symprec,
                     fu_err *err) {
    const int(*R)[3] = sym->rot[k];
    const double *t = sym->trans[k];
    int det = fu_rot_det(R);
    if (det != 1 && det != -1)
        return fu_fail(err, FU_ELIB, "symmetry: spglib operation %d has det %d", k + 1, det);
    /* Metric G = A A^T must equal R^T G R: the images of the lattice vectors
     * have the same lengths and angles. An error of symprec in each vector
     * changes a dot product by at most symprec (|a_i| + |a_j|) (+ symprec²). */
    double G[3][3], len[3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            G[i][j] = s->lattice[i][0] * s->lattice[j][0] + s->lattice[i][1] * s->lattice[j][1] +
                      s->lattice[i][2] * s->lattice[j][2];
    for (int i = 0; i < 3; i++) len[i] = sqrt(G[i][i]);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            double g = 0;
            for (int p = 0; p < 3; p++)
                for (int q = 0; q < 3; q++) g += R[p][i] * G[p][q] * R[q][j];
            double tol = 2.0 * symprec * (len[i] + len[j]) + symprec * symprec;
            if (fabs(g - G[i][j]) > tol)
                return fu_fail(err, FU_ELIB,
                               "symmetry: spglib operation %d does not preserve the metric "
                               "(G_%d%d %.6g vs %.6g bohr^2)",
                               k + 1, i + 1, j + 1, g, G[i][j]);
        }
    /* Atoms: spglib symmetrises translations of the operations it returns, so
     * an image may sit up to about twice the per-atom tolerance from its
     * partner. */
    double tol = 2.0 * symprec;
    int *used = calloc((size_t)s->natom, sizeof *used);
    if (!used) return fu_fail(err, FU_ENOMEM, "symmetry: out of memory");
    for (int a = 0; a < s->natom; a++) {
        double y[3];
        for (int i = 0; i < 3; i++)
            y[i] = R[i][0] * s->xred[a][0] + R[i][1] * s->xred[a][1] + R[i][2] * s->xred[a][2] +
                   t[i];
        int best = -1;
        double bd = INFINITY;
        for (int b = 0; b < s->natom; b++) {
            if (s->typat[b] != s->typat[a]) continue;
            double d[3] = {y[0] - s->xred[b][0], y[1] - s->xred[b][1], y[2] - s->xred[b][2]};
            double dist = image_dist(s->lattice, d);
            if (dist < bd) {
                bd = dist;
                best = b;
            }
        }
        if (best < 0 || bd > tol || used[best]) {
            free(used);
            return fu_fail(err, FU_ELIB,
                           "symmetry: spglib operation %d does not map atom %d onto an atom of "
                           "the same species (nearest %.3g bohr away); try another symprec",
                           k + 1, a + 1, bd);
        }
        used[best] = 1;
        sym->atom_map[k][a] = best;
    }
    free(used);
    return FU_OK;
}

/* The distinct rotations must form a group (closed under products). */
static int check_closure(const fu_symmetry *sym, fu_err *err) {
    int n = sym->nsym;
    int *uniq = malloc(sizeof(int) * (size_t)n), nu = 0;
    if (!uniq) return fu_fail(err, FU_ENOMEM, "symmetry: out of memory");
    for (int s = 0; s < n; s++) {
        int k = 0;
        while (k < nu && memcmp(sym->rot[uniq[k]], sym->rot[s], sizeof sym->rot[0]) != 0) k++;
        if (k == nu) uniq[nu++] = s;
    }
    for (int a = 0; a < nu; a++)
        for (int b = 0; b < nu; b++) {
            int p[3][3];
            const int(*A)[3] = sym->rot[uniq[a]], (*B)[3] = sym->rot[uniq[b]];
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++)
                    p[i][j] = A[i][0] * B[0][j] + A[i][1] * B[1][j] + A[i][2] * B[2][j];
            int k = 0;
            while (k < nu && memcmp(sym->rot[uniq[k]], p, sizeof p) != 0) k++;
            if (k == nu) {
                int sa = uniq[a] + 1, sb = uniq[b] + 1;
                free(uniq);
                return fu_fail(err, FU_ELIB,
                               "symmetry: spglib rotations do not form a group (%d * %d)", sa,
                               sb);
            }
        }
    free(uniq);
    return FU_OK;
}

/* spglib's dataset of s (s and symprec checked first) in *ds. */
static int dataset_of(const fu_structure *s, double symprec, SpglibDataset **ds, fu_err *err) {
    *ds = NULL;
    if (!(symprec > 0) || !isfinite(symprec))
        return fu_fail(err, FU_EINPUT, "symmetry: symprec must be > 0, got %g", symprec);
    int rc = fu_structure_check(s, 0.0, "symmetry", err);
    if (rc) return rc;
    /* spglib wants lattice vectors as columns. */
    double lat[3][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) lat[i][j] = s->lattice[j][i];
    double(*pos)[3] = malloc(sizeof *pos * (size_t)s->natom);
    if (!pos) return fu_fail(err, FU_ENOMEM, "symmetry: out of memory");
    memcpy(pos, s->xred, sizeof *pos * (size_t)s->natom);
    /* Types are species indices, so two pseudopotentials of one element stay
     * distinguishable. */
    *ds = spg_get_dataset(lat, pos, s->typat, s->natom, symprec);
    free(pos);
    if (!*ds)
        return fu_fail(err, FU_ELIB, "symmetry: spglib found no symmetry (%s), symprec %g bohr",
                       spg_get_error_message(spg_get_error_code()), symprec);
    return FU_OK;
}

int fu_symmetry_find(const fu_structure *s, double symprec, fu_symmetry *sym, fu_err *err) {
    memset(sym, 0, sizeof *sym);
    SpglibDataset *ds;
    int rc = dataset_of(s, symprec, &ds, err);
    if (rc) return rc;
    if (ds->n_operations < 1) {
        spg_free_dataset(ds);
        return fu_fail(err, FU_ELIB, "symmetry: spglib returned no operations");
    }
    rc = alloc_ops(sym, ds->n_operations, s->natom, err);
    if (rc) {
        spg_free_dataset(ds);
        return rc;
    }
    memcpy(sym->rot, ds->rotations, sizeof *sym->rot * (size_t)ds->n_operations);
    memcpy(sym->trans, ds->translations, sizeof *sym->trans * (size_t)ds->n_operations);
    sym->spacegroup_number = ds->spacegroup_number;
    snprintf(sym->spacegroup_symbol, sizeof sym->spacegroup_symbol, "%s",
             ds->international_symbol);
    spg_free_dataset(ds);

    /* Identity (R = 1, t = 0 mod 1) first: k-point and density code treat
     * op 0 as "no operation". */
    int id = -1;
    for (int k = 0; k < sym->nsym && id < 0; k++)
        if (is_identity(sym->rot[k]) && image_dist(s->lattice, sym->trans[k]) <= symprec) id = k;
    if (id < 0) {
        fu_symmetry_free(sym);
        return fu_fail(err, FU_ELIB, "symmetry: spglib operations lack the identity");
    }
    if (id > 0) {
        int r[3][3];
        double t[3];
        memcpy(r, sym->rot[0], sizeof r);
        memcpy(sym->rot[0], sym->rot[id], sizeof r);
        memcpy(sym->rot[id], r, sizeof r);
        memcpy(t, sym->trans[0], sizeof t);
        memcpy(sym->trans[0], sym->trans[id], sizeof t);
        memcpy(sym->trans[id], t, sizeof t);
    }
    /* The identity's translation is exactly zero, not spglib's 1e-17 noise. */
    sym->trans[0][0] = sym->trans[0][1] = sym->trans[0][2] = 0;
    for (int k = 0; k < sym->nsym; k++) {
        rc = verify_op(s, sym, k, symprec, err);
        if (rc) {
            fu_symmetry_free(sym);
            return rc;
        }
    }
    rc = check_closure(sym, err);
    if (rc) fu_symmetry_free(sym);
    return rc;
}

int fu_symmetry_conventional(const fu_structure *s, double symprec, double abc[3],
                             double angles[3], fu_err *err) {
    SpglibDataset *ds;
    int rc = dataset_of(s, symprec, &ds, err);
    if (rc) return rc;
    /* std_lattice holds the conventional vectors as columns, like the input */
    double v[3][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) v[i][j] = ds->std_lattice[j][i];
    spg_free_dataset(ds);
    for (int i = 0; i < 3; i++) abc[i] = sqrt(v[i][0] * v[i][0] + v[i][1] * v[i][1] + v[i][2] * v[i][2]);
    for (int i = 0; i < 3; i++) {
        const double *u = v[(i + 1) % 3], *w = v[(i + 2) % 3];
        double c = (u[0] * w[0] + u[1] * w[1] + u[2] * w[2]) / (abc[(i + 1) % 3] * abc[(i + 2) % 3]);
        angles[i] = acos(fmax(-1.0, fmin(1.0, c))) * 180.0 / FU_PI;
    }
    return FU_OK;
}
