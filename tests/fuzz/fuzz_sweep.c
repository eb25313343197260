/* Fuzz harness: the screening sweep parser and expander (fu_sweep_parse).
 * Relative paths (poscar_dir, pseudopotential files) resolve against
 * tests/data/sweep. */
#include "fuzz_checks.h"

#include "campaign/sweep.h"

#ifndef FURUI_FUZZ_DATA
#define FURUI_FUZZ_DATA "tests/data"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = fz_cstring(data, size);
    fu_sweep sw;
    fu_err e;
    memset(&sw, 0, sizeof sw);
    fz_err_init(&e);
    int rc = fu_sweep_parse(text, FURUI_FUZZ_DATA "/sweep/fuzz.yaml", &sw, &e);
    fz_check_status(rc, &e);
    if (rc == FU_OK) {
        if (sw.n < 0 || sw.n > FU_SWEEP_MAX_CANDIDATES || (sw.n && !sw.cand))
            fz_die("candidate count out of range", NULL);
        if (sw.nvalid + sw.ninvalid != sw.n) fz_die("nvalid + ninvalid != n", NULL);
        fz_check_finite(sw.total_cost, "total_cost");
        int nvalid = 0;
        for (int i = 0; i < sw.n; i++) {
            const fu_candidate *c = &sw.cand[i];
            if (strlen(c->id) != 16 || strspn(c->id, "0123456789abcdef") != 16)
                fz_die("candidate id is not 16 hex digits", c->id);
            for (int j = 0; j < i && j < 64; j++)
                if (!strcmp(sw.cand[j].id, c->id)) fz_die("duplicate candidate id", c->id);
            if (!memchr(c->reason, '\0', sizeof c->reason) || strchr(c->reason, '\n'))
                fz_die("candidate reason is not one line", c->reason);
            fz_check_structure(&c->structure, !c->valid);
            fz_check_finite(c->strain, "strain");
            if (c->valid) {
                nvalid++;
                if (c->reason[0]) fz_die("valid candidate with a reason", c->reason);
                fz_check_params(&c->params);
                fz_check_finite(c->cost, "cost");
                fz_check_finite(c->npw, "npw");
                fz_check_finite(c->nelec, "nelec");
            } else if (!c->reason[0]) {
                fz_die("invalid candidate without a reason", c->id);
            }
        }
        if (nvalid != sw.nvalid) fz_die("nvalid miscounted", NULL);
    }
    fu_sweep_free(&sw);
    free(text);
    return 0;
}
