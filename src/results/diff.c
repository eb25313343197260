/* Comparison of two candidate records (results/diff.h). */
#include "results/diff.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <limits.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- record comparison --------------------------------------------------- */

static int str_eq(const char *a, const char *b) { return strcmp(a ? a : "", b ? b : "") == 0; }
static int mem_eq(const void *a, const void *b, size_t n) {
    if (!n) return 1;
    if (!a || !b) return a == b;
    return memcmp(a, b, n) == 0;
}

/* Floating-point arrays equal bit for bit (tol 0; NaN equals NaN) or within
 * the merge tolerance (tol 1). */
/* tol 0: bit for bit; 1: the merge tolerance; 2: the SCF tolerance (below). */
static int f64s_eq(const double *a, const double *b, size_t n, int tol) {
    if (!n) return 1;
    if (!a || !b) return a == b;
    if (!tol) return memcmp(a, b, n * sizeof *a) == 0;
    double abs_tol = tol == 2 ? FU_DIFF_SCF_TOL : FU_DIFF_ABS_TOL;
    for (size_t i = 0; i < n; i++) {
        if (isnan(a[i]) || isnan(b[i])) {
            if (isnan(a[i]) != isnan(b[i])) return 0;
            continue;
        }
        if (a[i] == b[i]) continue; /* also equal infinities */
        double m = fabs(a[i]) > 1.0 ? fabs(a[i]) : 1.0;
        if (!(fabs(a[i] - b[i]) <= FU_DIFF_REL_TOL * m + abs_tol)) return 0;
    }
    return 1;
}

static const char *rungs_diff(const fu_record *a, const fu_record *b) {
    if (a->nrungs != b->nrungs) return "recovery";
    for (int i = 0; i < a->nrungs; i++) {
        const fu_record_rung *x = &a->rungs[i], *y = &b->rungs[i];
        if (!str_eq(x->rung, y->rung) || !str_eq(x->outcome, y->outcome) ||
            x->iterations != y->iterations || !str_eq(x->message, y->message) ||
            !mem_eq(&x->seconds, &y->seconds, sizeof(double)))
            return "recovery";
    }
    return NULL;
}

/* The first field of a property's data in which x and y differ (NULL: none). Fields before a
 * ragged one hold its length, so the lengths agree when it is reached; gated fields count
 * only where the property is present. mode as record_diff. */
static const char *fields_diff(const fu_property_field *f, size_t nf, const void *x, const void *y, int present,
                               int mode) {
    for (size_t k = 0; k < nf; k++) {
        if (f[k].gated && !present) continue;
        if (mode == 2 && f[k].tol == FU_TOL_PATH) continue;
        const char *ax = (const char *)x + f[k].offset, *ay = (const char *)y + f[k].offset;
        size_t n = f[k].count > 0 ? (size_t)f[k].count : (size_t) * (const int *)((const char *)x + f[k].len_offset);
        if (f[k].kind == FU_FIELD_F64) {
            int tol = mode != 2 ? 0 : f[k].tol == FU_TOL_SCF ? 2 : 1;
            if (!f64s_eq((const double *)ax, (const double *)ay, n, tol)) return f[k].name;
        } else if (f[k].kind == FU_FIELD_I32) {
            const int *ix = (const int *)ax, *iy = (const int *)ay;
            for (size_t e = 0; e < n; e++)
                if (mode == 2 && f[k].tol == FU_TOL_PRESENCE ? !ix[e] != !iy[e] : ix[e] != iy[e]) return f[k].name;
        } else if (strncmp(ax, ay, n)) {
            return f[k].name;
        }
    }
    return NULL;
}

/* mode 0: outcome; 1: outcome and meta (when, where, timings, history);
 * 2: outcome with the merge tolerance, the SCF path ignored. */
static const char *record_diff(const fu_record *a, const fu_record *b, int mode) {
    int tol = mode == 2;
    if (strcmp(a->id, b->id)) return "id";
    if (a->state != b->state) return "state";
    if (!a->final != !b->final) return "final";
    if (!str_eq(a->label, b->label)) return "label";
    if (!str_eq(a->cause, b->cause)) return "cause";
    /* a done record's message only lists the recovery rungs (the SCF path) */
    if (!(tol && a->state == FU_RECORD_DONE) && !str_eq(a->message, b->message)) return "message";
    if (!a->settings_changed != !b->settings_changed) return "settings_changed";
    if (mode == 1) {
        if (a->attempt != b->attempt) return "attempt";
        if (a->group != b->group) return "group";
        if (!mem_eq(&a->time_start, &b->time_start, sizeof(double))) return "time_start";
        if (!mem_eq(&a->time_end, &b->time_end, sizeof(double))) return "time_end";
        if (!mem_eq(&a->engine_seconds, &b->engine_seconds, sizeof(double))) return "engine_seconds";
        if (!mem_eq(&a->io_seconds, &b->io_seconds, sizeof(double))) return "io_seconds";
        const char *d = rungs_diff(a, b);
        if (d) return d;
    }
    if (!a->have_result != !b->have_result) return "have_result";
    if (!a->have_result) return NULL;
    const fu_cand_result *x = &a->res, *y = &b->res;
    size_t nreg;
    const fu_property *const *reg = fu_property_registry(&nreg);
    const fu_property *scf = &fu_scfblock_property;
    const char *d = fields_diff(scf->fields, FU_SCFBLOCK_NHEAD, x, y, 1, mode);
    if (d) return d;
    if (!str_eq(x->formula, y->formula)) return "formula";
    if (!str_eq(x->xc, y->xc)) return "xc";
    if (!str_eq(x->smearing, y->smearing)) return "smearing";
    if (x->natom != y->natom) return "natom";
    size_t na = (size_t)x->natom;
    if (!mem_eq(x->atomic_number, y->atomic_number, na * sizeof(int))) return "atomic_numbers";
    if (!f64s_eq(x->xred ? &x->xred[0][0] : NULL, y->xred ? &y->xred[0][0] : NULL, na * 3, tol))
        return "xred";
    if (x->have_forces &&
        !f64s_eq(x->forces ? &x->forces[0][0] : NULL, y->forces ? &y->forces[0][0] : NULL, na * 3, tol ? 2 : 0))
        return "forces";
    if (x->nk != y->nk) return "nk";
    if (x->nband != y->nband) return "nband";
    size_t nk = (size_t)x->nk, nkb = nk * (size_t)x->nband;
    if (!f64s_eq(x->kred ? &x->kred[0][0] : NULL, y->kred ? &y->kred[0][0] : NULL, nk * 3, tol))
        return "kpoints_red";
    if (!f64s_eq(x->kweight, y->kweight, nk, tol)) return "kweights";
    if (fu_cand_nspin(x) != fu_cand_nspin(y)) return "nspin";
    nkb *= (size_t)fu_cand_nspin(x);
    if (!f64s_eq(x->eig, y->eig, nkb, tol ? 2 : 0)) return "eigenvalues";
    if (!f64s_eq(x->occ, y->occ, nkb, tol ? 2 : 0)) return "occupations";
    d = fields_diff(scf->fields + FU_SCFBLOCK_NHEAD, scf->nfields - FU_SCFBLOCK_NHEAD, x, y, 1, mode);
    if (d) return d;
    /* every other property, by its descriptor */
    for (size_t i = 1; i < nreg; i++) {
        const fu_property *p = reg[i];
        const void *dx = fu_property_data(p, i, x), *dy = fu_property_data(p, i, y);
        if (!dx != !dy) return p->name;
        if (dx && (d = fields_diff(p->fields, p->nfields, dx, dy, fu_property_present(p, i, x), mode))) return d;
    }
    if (x->nspecies != y->nspecies) return "nspecies";
    for (int sp = 0; sp < x->nspecies; sp++) {
        if (strcmp(x->species[sp], y->species[sp])) return "species";
        if (strcmp(x->psp_name[sp], y->psp_name[sp])) return "pseudopotential";
        if (strcmp(x->psp_sha256[sp], y->psp_sha256[sp])) return "pseudopotential_sha256";
    }
    return NULL;
}

const char *fu_diff_record(const fu_record *a, const fu_record *b, int with_meta) {
    return record_diff(a, b, with_meta ? 1 : 0);
}

const char *fu_diff_record_close(const fu_record *a, const fu_record *b) {
    return record_diff(a, b, 2);
}
