// labels: unit store
/* Staged sweeps in the store (src/campaign/stages.h, journal record type 17):
 * a stage record names its candidate's stage and stage-1 structure; finalize
 * writes the stage columns and a results file reads them back; merge keeps
 * them; a journal without stage records gives a file without the columns;
 * fu_pick_stage keeps each candidate's last stage or the stage asked for
 * (and refuses a stage the file does not have); malformed stage records are
 * refused on append; a sweep's `stages:` expands every stage over stage 1's
 * structures in the same order. */
#include "check.h"

#include <hdf5.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "campaign/stages.h"
#include "results/store.h"
#include "results/pick.h"
#include "campaign/sweep.h"
#include "store/store_fixture.h"

static char dir[64];

static const char *P(const char *name) {
    static char buf[8][256];
    static int k = 0;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static void stage_of(fu_record_stage *s, int i, int stage, const char *name, int root) {
    memset(s, 0, sizeof *s);
    fx_id(i, s->id);
    fx_id(root, s->root);
    s->stage = stage;
    snprintf(s->name, sizeof s->name, "%s", name);
}

/* candidates 0, 1: stage 1 "scan"; 2: stage 2 "fine" of 0's structure; 3: no stage */
static int write_journal(const char *path, int staged) {
    fu_journal *j;
    fu_err e;
    if (fu_journal_open(path, NULL, &j, NULL, &e)) return -1;
    const int st[4] = {1, 1, 2, 0}, root[4] = {0, 1, 0, 3};
    for (int i = 0; i < 4; i++) {
        fu_record_stage s;
        if (staged && st[i]) {
            stage_of(&s, i, st[i], st[i] == 1 ? "scan" : "fine", root[i]);
            if (fu_journal_append_stage(j, &s, 0, &e)) return -1;
        }
        fu_record r;
        if (fx_record(&r, i, FU_RECORD_DONE, 1, 2, 2, 3)) return -1;
        int rc = fu_journal_append(j, &r, 0, &e);
        fu_record_free(&r);
        if (rc) return -1;
    }
    return fu_journal_close(j, &e) ? -1 : 0;
}

static long row_of(const fu_results *r, int i) {
    char id[FU_RECORD_ID_LEN + 1];
    fx_id(i, id);
    return fu_results_find(r, id);
}

static void check_stages(const fu_results *r, const char *what) {
    const int st[4] = {1, 1, 2, 0}, root[4] = {0, 1, 0, 3};
    for (int i = 0; i < 4; i++) {
        long k = row_of(r, i);
        char want_root[FU_RECORD_ID_LEN + 1];
        fx_id(root[i], want_root);
        CHECK(k >= 0, what);
        if (k < 0) continue;
        const fu_record *c = &r->rec[k];
        CHECK(c->stage == st[i], what);
        CHECK(!strcmp(c->stage_name, st[i] == 1 ? "scan" : st[i] == 2 ? "fine" : ""), what);
        CHECK(st[i] ? !strcmp(c->stage_root, want_root) : c->stage_root[0] == 0, what);
    }
}

static int has_dataset(const char *path, const char *name) {
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) return -1;
    int e = H5Lexists(f, name, H5P_DEFAULT) > 0;
    H5Fclose(f);
    return e;
}

int main(void) {
    snprintf(dir, sizeof dir, "/tmp/furui_stages_XXXXXX");
    if (!mkdtemp(dir)) return 1;
    fu_err e;

    /* round trip through the journal, the results file and a merge */
    CHECK(write_journal(P("s.journal"), 1) == 0, "staged journal written");
    fu_store_report rep;
    CHECK(fu_results_finalize(P("s.journal"), P("s.h5"), &rep, &e) == FU_OK, "finalize");
    fu_results r;
    CHECK(fu_results_from_journal(P("s.journal"), &r, NULL, &e) == FU_OK, "from journal");
    check_stages(&r, "journal: stage of each row");
    fu_results_free(&r);
    CHECK(fu_results_read(P("s.h5"), &r, &e) == FU_OK, "read results");
    check_stages(&r, "results file: stage columns");
    fu_results_free(&r);
    CHECK(has_dataset(P("s.h5"), "/candidates/stage_index") == 1, "staged file has the stage columns");
    const char *in[1] = {P("s.h5")};
    fu_merge_report mr;
    memset(&mr, 0, sizeof mr);
    CHECK(fu_results_merge(in, 1, NULL, 0, P("m.h5"), &mr, &e) == FU_OK, "merge");
    fu_merge_report_free(&mr);
    CHECK(fu_results_read(P("m.h5"), &r, &e) == FU_OK, "read merged");
    check_stages(&r, "merged file: stage columns kept");

    /* each candidate's last stage: 0 is left out (its structure reached stage 2) */
    size_t nrm = 0;
    CHECK(fu_pick_stage(&r, NULL, &nrm, &e) == FU_OK && nrm == 1 && r.n == 3, "last stage: 3 rows");
    CHECK(row_of(&r, 0) < 0 && row_of(&r, 1) >= 0 && row_of(&r, 2) >= 0 && row_of(&r, 3) >= 0,
          "last stage: 1 (stage 1 only), 2 (stage 2 of 0) and the unstaged 3");
    fu_results_free(&r);
    CHECK(fu_results_read(P("m.h5"), &r, &e) == FU_OK, "read merged again");
    CHECK(fu_pick_stage(&r, "scan", &nrm, &e) == FU_OK && r.n == 3 && row_of(&r, 2) < 0, "--stage scan");
    fu_results_free(&r);
    CHECK(fu_results_read(P("m.h5"), &r, &e) == FU_OK, "read merged again");
    CHECK(fu_pick_stage(&r, "2", &nrm, &e) == FU_OK && r.n == 2 && row_of(&r, 2) >= 0 && row_of(&r, 3) >= 0,
          "--stage 2: its rows and the unstaged one");
    fu_results_free(&r);
    CHECK(fu_results_read(P("m.h5"), &r, &e) == FU_OK, "read merged again");
    CHECK(fu_pick_stage(&r, "nosuch", &nrm, &e) == FU_EINPUT && strstr(e.msg, "nosuch"), "unknown stage refused");
    CHECK(fu_pick_stage(&r, "3", &nrm, &e) == FU_EINPUT, "stage number beyond the file refused");
    fu_results_free(&r);

    /* without stage records: no stage columns, every row kept, --stage refused */
    CHECK(write_journal(P("u.journal"), 0) == 0, "unstaged journal written");
    CHECK(fu_results_finalize(P("u.journal"), P("u.h5"), &rep, &e) == FU_OK, "finalize unstaged");
    CHECK(has_dataset(P("u.h5"), "/candidates/stage_index") == 0, "unstaged file: no stage columns");
    CHECK(fu_results_read(P("u.h5"), &r, &e) == FU_OK, "read unstaged");
    CHECK(fu_pick_stage(&r, NULL, &nrm, &e) == FU_OK && r.n == 4 && nrm == 0, "unstaged: every row kept");
    CHECK(fu_pick_stage(&r, "scan", &nrm, &e) == FU_EINPUT, "unstaged: --stage refused");
    fu_results_free(&r);

    /* malformed stage records are refused on append */
    fu_journal *j;
    CHECK(fu_journal_open(P("b.journal"), NULL, &j, NULL, &e) == FU_OK, "open");
    fu_record_stage s;
    stage_of(&s, 0, 0, "scan", 0);
    CHECK(fu_journal_append_stage(j, &s, 0, &e) == FU_EINPUT, "stage 0 refused");
    stage_of(&s, 0, 1, "", 0);
    CHECK(fu_journal_append_stage(j, &s, 0, &e) == FU_EINPUT, "empty name refused");
    stage_of(&s, 0, 1, "scan", 0);
    s.root[3] = 'G';
    CHECK(fu_journal_append_stage(j, &s, 0, &e) == FU_EINPUT, "bad root ID refused");
    fu_journal_close(j, &e);

    /* a staged sweep: stage 2 holds stage 1's structures in the same order, other IDs */
    fu_sweep sw;
    const char *text = "candidates:\n  - prototype: rocksalt\n    A: [Mg, Na]\n    B: [O, Cl]\n"
                       "xc: lda\npseudopotentials: {lda: \"cp2k:GTH-PADE\"}\necut: 10 Ha\n"
                       "kpoints: {grid: [2, 2, 2]}\nstages:\n  - name: a\n  - name: b\n    where: \"band_gap_ev > 1\"\n"
                       "    ecut: 12 Ha\n";
    int rc = fu_sweep_parse(text, P("st.yaml"), &sw, &e);
    CHECK(rc == FU_OK && sw.nstages == 2 && sw.next && !sw.next->next, "two stages");
    if (rc == FU_OK && sw.next) {
        const fu_sweep *t = sw.next;
        CHECK(t->n == sw.n && t->n == 4 && t->stage == 2 && !strcmp(t->stage_where, "band_gap_ev > 1"), "stage 2");
        for (int i = 0; i < t->n && i < sw.n; i++) {
            CHECK(strcmp(t->cand[i].id, sw.cand[i].id) != 0, "another ID in stage 2");
            CHECK(!strcmp(t->cand[i].root, sw.cand[i].id) && !strcmp(sw.cand[i].root, sw.cand[i].id), "roots");
            CHECK(t->cand[i].params.ecut == 12.0 && sw.cand[i].params.ecut == 10.0, "each stage's cutoff");
            CHECK(!memcmp(t->cand[i].structure.lattice, sw.cand[i].structure.lattice, sizeof sw.cand[i].structure.lattice),
                  "the same structure");
        }
    }
    fu_sweep_free(&sw);

    for (const char *f[] = {"s.journal", "s.h5", "m.h5", "u.journal", "u.h5", "b.journal", NULL}, **q = f; *q; q++)
        unlink(P(*q));
    (void)fx_collect, (void)fx_list_free; /* fixture helpers this test does not use */
    rmdir(dir);
    CHECK_DONE();
}
