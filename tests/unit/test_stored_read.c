// labels: unit store
/* Files written by an earlier furui read back with the values that were put in them: the
 * version-4 journal and schema-2 results file in tests/data/stored were written by main at
 * 4862f24 (before the property registry) with tests/data/stored/make_stored.c, from the
 * fixture formulas of tests/store/store_fixture.h. The numbers below are those formulas
 * evaluated by hand (e.g. E_total = -7.5 - 0.001 i, V0 = 260 + 0.1 i bohr³), not output of
 * this furui. Also: re-encoding each stored candidate payload gives the stored bytes (the
 * journal bytes of the built-in properties are unchanged), and the results file and the
 * journal agree record for record. */
#include "check.h"

#include <stdint.h>
#include <string.h>

#include "results/store.h"
#include "results/diff.h"
#include "results/codec.h"
#include "store/store_fixture.h"

#define DIR FURUI_TEST_DATA "/stored"

static const fu_record *by_index(const fu_record *rec, size_t n, int i) {
    char id[FU_RECORD_ID_LEN + 1];
    fx_id(i, id);
    for (size_t k = 0; k < n; k++)
        if (strcmp(rec[k].id, id) == 0) return &rec[k];
    return NULL;
}

/* The values make_stored.c wrote for candidate i (2 atoms, 3 k-points, 4 bands). */
static void check_values(const fu_record *rec, size_t n, const char *src) {
    char what[160];
#define W(s) (snprintf(what, sizeof what, "%s: %s", src, s), what)
    const fu_record *r1 = by_index(rec, n, 1), *r2 = by_index(rec, n, 2), *r3 = by_index(rec, n, 3),
                         *r4 = by_index(rec, n, 4), *r5 = by_index(rec, n, 5), *r6 = by_index(rec, n, 6),
                         *r7 = by_index(rec, n, 7);
    CHECK(r1 && r2 && r3 && r4 && r5 && r6 && r7, W("all seven candidates present"));
    if (!(r1 && r2 && r3 && r4 && r5 && r6 && r7)) return;
    CHECK(r2->state == FU_RECORD_DONE && r2->have_result, W("2 done with a result"));
    CHECK_CLOSE(r2->res.etotal, -7.502, 1e-12, W("2: total energy -7.5 - 0.001 i Ha"));
    CHECK_CLOSE(r2->res.ecut, 15.0, 0, W("2: ecut 15 Ha"));
    CHECK(r2->res.natom == 2 && r2->res.nk == 3 && r2->res.nband == 4 && r2->res.nspecies == 2,
          W("2: 2 atoms, 3 k-points, 4 bands, 2 species"));
    CHECK(r2->res.spacegroup == 227 && r2->res.nsym == 48, W("2: Fd-3m, 48 operations"));
    CHECK_CLOSE(r2->res.eig[1 * 4 + 2], -0.2 + 0.1 + 1e-3 + 2e-6, 1e-15, W("2: eigenvalue k=1 band=2"));
    CHECK_CLOSE(r2->res.lattice[0][1], 5.132, 1e-12, W("2: lattice a1_y 5.13 + 0.001 i bohr"));
    CHECK(r2->res.eos_npoints == 7, W("2: 7 EOS points"));
    CHECK_CLOSE(r2->res.eos_v0, 260.2, 1e-12, W("2: V0 260 + 0.1 i bohr^3"));
    CHECK_CLOSE(r2->res.eos_volume[3], 265.2, 1e-12, W("2: EOS volume 3"));
    CHECK_CLOSE(r2->res.eos_energy[0], -7.9 + 4e-3 - 2e-4, 1e-12, W("2: EOS energy 0"));
    CHECK_CLOSE(r2->res.eos_b0, 3.3e-3, 0, W("2: B0"));
    CHECK(r2->res.eos_min_outside == 0, W("2: minimum inside"));
    CHECK(r2->res.path_npoints == 82 && !r2->res.path_metal, W("2: 82 path points, not a metal"));
    CHECK_CLOSE(r2->res.path_gap, 0.0202, 1e-12, W("2: path gap 0.02 + 1e-4 i Ha"));
    CHECK(strcmp(r2->res.path_vbm_label, "\u0393") == 0 && strcmp(r2->res.path, "\u0393-X-W-K|U-X") == 0,
          W("2: UTF-8 path labels"));
    CHECK(r2->res.psp && strcmp(r2->res.psp[0].path, "/psp/Si.psp8") == 0 && r2->res.psp[1].valence == 14.0 &&
              r2->res.psp[1].hints[1] == 21.0 && strcmp(r2->res.psp[0].format, "psp8") == 0,
          W("2: pseudopotential block"));
    CHECK(r2->res.relax_steps == 0 && fu_cand_nspin(&r2->res) == 1, W("2: not relaxed, unpolarised"));
    CHECK(fu_cand_nspin(&r1->res) == 2, W("1: spin-polarised"));
    CHECK_CLOSE(r1->res.magnetization, 0.76, 1e-12, W("1: magnetization 0.75 + 0.01 i"));
    CHECK_CLOSE(r1->res.eig[12 + 5], r1->res.eig[5] + 0.01 + 1e-7, 1e-15, W("1: spin-down eigenvalue"));
    CHECK(r1->res.relax_steps == 4, W("1: 3 + i relaxation steps"));
    CHECK_CLOSE(r1->res.relax_initial_volume, 271.0, 0, W("1: initial volume 270 + i"));
    CHECK(r1->res.eos_npoints == 0 && r1->res.path_npoints == 0, W("1: no EOS, no path"));
    CHECK(r1->res.have_forces && r1->res.forces, W("1: forces (odd i)"));
    CHECK_CLOSE(r1->res.forces[1][2], sin(1 + 1 + 0.6) * 1e-3, 1e-18, W("1: force"));
    CHECK(r5->res.relax_steps == 8 && r5->res.path_npoints == 85 && r5->res.path_metal == 1,
          W("5: relaxed, metallic path"));
    CHECK(r6->res.eos_npoints == 5 && r6->res.eos_min_outside == 1, W("6: 5 points, minimum outside"));
    CHECK_CLOSE(r6->res.eos_v0, 260.6, 1e-12, W("6: V0"));
    CHECK(r7->res.relax_steps == 10 && fu_cand_nspin(&r7->res) == 2, W("7: relaxed, polarised"));
    CHECK(r3->state == FU_RECORD_FAILED && r3->final && r3->attempt == 2 && !r3->have_result &&
              r3->cause && strcmp(r3->cause, "no-convergence") == 0,
          W("3: failed for good on attempt 2"));
    CHECK(r4->state == FU_RECORD_INVALID && r4->cause && strcmp(r4->cause, "input") == 0, W("4: invalid"));
    CHECK(r5->nrungs == 1 && r6->nrungs == 2 && strcmp(r6->rungs[1].rung, "damping") == 0,
          W("recovery histories"));
#undef W
}

static unsigned char *slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long m = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)m);
    *n = b && fread(b, 1, (size_t)m, f) == (size_t)m ? (size_t)m : 0;
    fclose(f);
    return b;
}

static uint32_t u32(const unsigned char *c) {
    return (uint32_t)c[0] | (uint32_t)c[1] << 8 | (uint32_t)c[2] << 16 | (uint32_t)c[3] << 24;
}

int main(void) {
    (void)fx_record; /* the formulas are quoted as numbers above, not re-run */
    fu_err e;
    fx_list l;
    memset(&l, 0, sizeof l);
    fu_journal_diag d;
    int rc = fu_journal_read(DIR "/v4.journal", NULL, fx_collect, &l, &d, &e);
    CHECK(rc == FU_OK && l.n == 7 && d.nruns == 1 && d.nbad == 0 && d.torn_bytes == 0,
          "the stored journal reads whole: 7 candidate records, 1 session");
    if (rc == FU_OK) check_values(l.rec, l.n, "journal");

    /* the stored payloads, frame by frame (16-byte header; frames: magic, u32 length,
     * SHA-256, payload): a candidate payload re-encodes to the same bytes */
    size_t n = 0, ncand = 0, same = 0;
    unsigned char *b = slurp(DIR "/v4.journal", &n);
    CHECK(b && n > 16 && memcmp(b, "FURUIJNL", 8) == 0 && u32(b + 8) == 4, "stored journal: version 4 header");
    for (size_t off = 16; b && off + 40 <= n;) {
        uint32_t len = u32(b + off + 4);
        if (off + 40 + len > n) break;
        const unsigned char *p = b + off + 40;
        if (p[0] == 5) {
            fu_record r;
            unsigned char *q = NULL;
            size_t qn = 0;
            ncand++;
            if (fu_codec_record_decode(p, len, &r, &e) == FU_OK) {
                if (fu_codec_record_encode(&r, &q, &qn, &e) == FU_OK && qn == len && memcmp(q, p, len) == 0) same++;
                fu_record_free(&r);
            }
            free(q);
        }
        off += 40 + len;
    }
    free(b);
    CHECK(ncand == 7 && same == 7, "each stored candidate payload re-encodes to its stored bytes");

    fu_results res;
    memset(&res, 0, sizeof res);
    rc = fu_results_read(DIR "/v4.results.h5", &res, &e);
    if (rc) fprintf(stderr, "%s\n", e.msg);
    CHECK(rc == FU_OK && res.n == 7 && res.nruns == 1, "the stored results file reads: 7 rows, 1 session");
    if (rc == FU_OK) {
        check_values(res.rec, res.n, "results file");
        size_t agree = 0;
        for (size_t i = 0; i < res.n; i++) {
            const fu_record *j = NULL;
            for (size_t k = 0; k < l.n; k++)
                if (strcmp(l.rec[k].id, res.rec[i].id) == 0) j = &l.rec[k];
            agree += j && !fu_diff_record(j, &res.rec[i], 0);
        }
        CHECK(agree == 7, "results file rows equal the journal's records bit for bit");
    }
    fu_results_free(&res);
    fx_list_free(&l);
    CHECK_DONE();
}
