/* Writes the stored journal and results file of tests/unit/test_stored_read.c.
 * Built and run once, by hand, against furui at commit 4862f24 (main before
 * the property registry; journal version 4, results schema 2):
 *   cc -std=c11 -I src -I build -I tests make_stored.c build/libfurui_lib.a ... && ./a.out DIR
 * The committed files are its output; the test asserts the values this program
 * put in (tests/store/store_fixture.h formulas), written out as numbers there. */
#include "store/store_fixture.h"
#include "results/store.h"

int main(int argc, char **argv) {
    if (argc != 2) return 2;
    char jp[512], hp[512];
    snprintf(jp, sizeof jp, "%s/v4.journal", argv[1]);
    snprintf(hp, sizeof hp, "%s/v4.results.h5", argv[1]);
    fu_err e;
    fu_run_info ri;
    memset(&ri, 0, sizeof ri);
    ri.time = 1.7e9;
    snprintf(ri.code_version, sizeof ri.code_version, "stored-fixture");
    snprintf(ri.host, sizeof ri.host, "fixture-host");
    ri.ranks = 4, ri.group_size = 2, ri.shard_index = 0, ri.shard_count = 1;
    ri.sweep = "name: stored\n";
    fu_journal *j;
    if (fu_journal_open(jp, &ri, &j, NULL, &e)) return fprintf(stderr, "%s\n", e.msg), 1;
    /* i: 1 spin+relax, 2 eos+path, 3 failed, 4 invalid, 5 relax+path, 6 eos (minimum outside), 7 spin+relax */
    static const int state[] = {0, FU_RECORD_DONE, FU_RECORD_DONE, FU_RECORD_FAILED, FU_RECORD_INVALID,
                                FU_RECORD_DONE, FU_RECORD_DONE, FU_RECORD_DONE};
    for (int i = 1; i <= 7; i++) {
        fu_record r;
        if (fx_record(&r, i, state[i], 1 + (i == 3), 2, 3, 4)) return 1;
        if (r.have_result) { /* pseudopotential block of version 4 */
            for (int sp = 0; sp < r.res.nspecies; sp++) {
                snprintf(r.res.psp[sp].path, sizeof r.res.psp[sp].path, "/psp/%s.psp8", r.res.species[sp]);
                snprintf(r.res.psp[sp].format, sizeof r.res.psp[sp].format, "psp8");
                r.res.psp[sp].valence = sp ? 14.0 : 4.0;
                r.res.psp[sp].hints[0] = 10, r.res.psp[sp].hints[1] = 20 + sp, r.res.psp[sp].hints[2] = 30;
            }
        }
        if (fu_journal_append(j, &r, 0, &e)) return fprintf(stderr, "%s\n", e.msg), 1;
        fu_record_free(&r);
    }
    if (fu_journal_close(j, &e)) return 1;
    fu_store_report rep;
    if (fu_results_finalize(jp, hp, &rep, &e)) return fprintf(stderr, "%s\n", e.msg), 1;
    return 0;
}
