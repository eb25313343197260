/* Deterministic candidate records for the store tests: every field set from
 * the candidate number, so a test (or a crash-test parent) can rebuild the
 * exact record a writer appended and compare bit for bit. */
#ifndef FURUI_TESTS_STORE_FIXTURE_H
#define FURUI_TESTS_STORE_FIXTURE_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results/journal.h"
#include "results/codec.h"

static void fx_id(int i, char id[FU_RECORD_ID_LEN + 1]) {
    snprintf(id, FU_RECORD_ID_LEN + 1, "%016llx",
             (unsigned long long)(0x9e3779b97f4a7c15ULL * (uint64_t)(i + 1)));
}

/* Fills every field of a built-in property p in s from its descriptor (props/property.h),
 * so the fixture follows the property tables: the first field is the property's count (its
 * presence, and the length of its ragged arrays), 2 to 4; other integers are flags, 0 or 1;
 * reals from i and the field; text the band path's own kind (UTF-8 that must survive). */
static void fx_fill_fields(const fu_property *p, fu_cand_result *s, int i) {
    char *base = (char *)s;
    for (size_t k = 0; k < p->nfields; k++) {
        const fu_property_field *f = &p->fields[k];
        char *at = base + f->offset;
        int n = f->count ? f->count : *(int *)(base + f->len_offset);
        if (f->kind == FU_FIELD_STR) snprintf(at, (size_t)f->count, "%s", k % 2 ? "\u0393-X|K" : "\u0393");
        else if (f->kind == FU_FIELD_I32) *(int *)at = k == 0 ? 2 + i % 3 : (i + (int)k) % 2;
        else
            for (int e = 0; e < n; e++) ((double *)at)[e] = 250.0 + 0.5 * (double)k - 0.01 * e + 1e-3 * i;
    }
}

/* Record of candidate i in `state`. Done records carry a result with natom
 * atoms, nk k-points and nband bands (forces on odd i only). */
static int fx_record(fu_record *r, int i, int state, int attempt, int natom, int nk,
                     int nband) {
    fu_err e;
    char id[FU_RECORD_ID_LEN + 1], buf[128];
    fu_record_init(r);
    fx_id(i, id);
    if (fu_record_set_id(r, id, &e)) return -1;
    r->state = state;
    r->attempt = attempt;
    r->group = i % 4;
    r->time_start = 1.7e9 + 10.0 * i;
    r->time_end = r->time_start + 1.25 + i;
    snprintf(buf, sizeof buf, "cand-%d Si%d a=%.2f Å", i, natom, 5.0 + 0.01 * i);
    if (fu_record_set_str(&r->label, buf, &e)) return -1;
    if (state == FU_RECORD_FAILED || state == FU_RECORD_INVALID) {
        r->final = state == FU_RECORD_INVALID || attempt >= 2;
        if (fu_record_set_str(&r->cause, state == FU_RECORD_FAILED ? "no-convergence" : "input", &e))
            return -1;
        snprintf(buf, sizeof buf, "scf: not converged after %d iterations (|dE| %.3g Ha)", 40 + i,
                 1e-3 / (i + 1));
        if (fu_record_set_str(&r->message, buf, &e)) return -1;
    }
    if (state == FU_RECORD_DONE || state == FU_RECORD_FAILED) {
        /* timings and a recovery history (journal version 2) */
        r->engine_seconds = 0.5 + i;
        r->io_seconds = 1e-3 * (i + 1);
        if (fu_record_add_rung(r, "as-given", i % 3 == 0 ? "no-convergence" : "done", 20 + i, 0.25 + i,
                             i % 3 == 0 ? "SCF not converged" : "", &e))
            return -1;
        if (i % 3 == 0 && fu_record_add_rung(r, "damping", state == FU_RECORD_DONE ? "done" : "physics", 9,
                                           0.125 * i, state == FU_RECORD_DONE ? "" : "SCF diverged", &e))
            return -1;
    }
    if (state != FU_RECORD_DONE) return 0;
    r->settings_changed = i % 5 == 0;
    r->have_result = 1;
    fu_cand_result *s = &r->res;
    s->have_forces = i % 2;
    s->have_stress = 1;
    if (fu_record_result_alloc(s, natom, nk, nband, 2, &e)) return -1;
    size_t nf;
    const fu_codec_field *ff = fu_codec_f64_fields(&nf);
    for (size_t k = 0; k < nf; k++)
        *(double *)((char *)s + ff[k].offset) = -7.5 - 0.001 * i + 0.1 * (double)k;
    s->ecut = 15.0;
    s->gap_direct = i % 2;
    s->vbm_k = 0;
    s->cbm_k = nk > 1 ? 1 : 0;
    s->converged = 1;
    s->iterations = 10 + i % 7;
    s->nsym = 48;
    s->spacegroup = 227;
    for (int a = 0; a < 3; a++) {
        s->kgrid[a] = 2 + a;
        s->kshift[a] = 0.5 * (a == 1);
        for (int b = 0; b < 3; b++) {
            s->lattice[a][b] = (a == b ? 0.0 : 5.13) + 0.001 * i;
            s->stress[a][b] = 1e-5 * (a + 1) * (b + 2) - 1e-6 * i;
        }
    }
    snprintf(buf, sizeof buf, "Si%d", natom > 1 ? 1 : natom);
    if (fu_record_set_str(&s->formula, buf, &e) || fu_record_set_str(&s->xc, "lda", &e) ||
        fu_record_set_str(&s->smearing, "fermi-dirac", &e))
        return -1;
    for (int a = 0; a < natom; a++) {
        s->atomic_number[a] = 14;
        for (int b = 0; b < 3; b++) {
            s->xred[a][b] = 0.25 * a + 0.01 * b;
            if (s->forces) s->forces[a][b] = sin(i + a + 0.3 * b) * 1e-3;
        }
    }
    for (int k = 0; k < nk; k++) {
        for (int b = 0; b < 3; b++) s->kred[k][b] = 0.125 * ((k + b) % 4);
        s->kweight[k] = 1.0 / nk;
        for (int n = 0; n < nband; n++) {
            s->eig[k * nband + n] = -0.2 + 0.05 * n + 1e-3 * k + 1e-6 * i;
            s->occ[k * nband + n] = n < nband / 2 ? 2.0 : 0.0;
        }
    }
    snprintf(s->species[0], sizeof s->species[0], "Si");
    snprintf(s->species[1], sizeof s->species[1], "Ge");
    snprintf(s->psp_name[0], sizeof s->psp_name[0], "Si-q4");
    snprintf(s->psp_name[1], sizeof s->psp_name[1], "Ge-q4");
    for (int sp = 0; sp < 2; sp++)
        for (int c = 0; c < 64; c++) s->psp_sha256[sp][c] = "0123456789abcdef"[(c * 7 + sp + i) % 16];
    s->psp_sha256[0][64] = s->psp_sha256[1][64] = '\0';
    if (i % 5 == 3) s->gap = NAN; /* NaN must survive every copy bit for bit */
    /* journal version 3 / schema 2: a second spin channel, a relaxation, an EOS */
    if (i % 3 == 1) {
        if (fu_record_result_set_nspin(s, 2, &e)) return -1;
        size_t nkb = (size_t)nk * (size_t)nband;
        for (size_t q = 0; q < nkb; q++) {
            s->eig[nkb + q] = s->eig[q] + 0.01 + 1e-7 * i;
            s->occ[nkb + q] = s->occ[q] * 0.5;
        }
        s->magnetization = 0.75 + 0.01 * i;
        s->abs_magnetization = 1.25 + 0.01 * i;
    }
    /* every built-in property besides the SCF block (relaxation, EOS, band path), from its
     * descriptor: each on a third of the candidates, so a row with and one without it meet */
    size_t nreg;
    const fu_property *const *reg = fu_property_registry(&nreg);
    for (size_t p = 1; p < nreg; p++)
        if (reg[p]->inline_block && (i + (int)p) % 3 == 0) fx_fill_fields(reg[p], s, i);
    return 0;
}

/* Collects every candidate record of a journal (fu_journal_read callback). */
typedef struct {
    fu_record *rec;
    size_t n, cap;
} fx_list;

static int fx_collect(void *ctx, fu_record *rec, fu_err *err) {
    fx_list *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        fu_record *q = realloc(l->rec, cap * sizeof *q);
        if (!q) return fu_fail(err, FU_ENOMEM, "test: out of memory");
        l->rec = q;
        l->cap = cap;
    }
    l->rec[l->n++] = *rec;
    fu_record_init(rec);
    return FU_OK;
}

static void fx_list_free(fx_list *l) {
    for (size_t i = 0; i < l->n; i++) fu_record_free(&l->rec[i]);
    free(l->rec);
    memset(l, 0, sizeof *l);
}

#endif
