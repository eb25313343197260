/* One row per candidate of a staged results file (results/pick.h). */
#include "results/pick.h"

#include <stdlib.h>
#include <string.h>

/* stage number of `which` among the rows of r: a name or a number; 0 if none */
static int stage_number(const fu_results *r, const char *which) {
    char *end;
    long v = strtol(which, &end, 10);
    for (size_t i = 0; i < r->n; i++) {
        const fu_record *c = &r->rec[i];
        if (c->stage > 0 && (!strcmp(c->stage_name, which) || (!*end && end != which && v == c->stage)))
            return c->stage;
    }
    return 0;
}

typedef struct {
    const char *root;
    int stage;
    size_t idx;
} root_row;

static int cmp_root_stage(const void *pa, const void *pb) {
    const root_row *a = pa, *b = pb;
    int c = strcmp(a->root, b->root);
    return c ? c : (b->stage > a->stage) - (b->stage < a->stage);
}

int fu_pick_stage(fu_results *r, const char *which, size_t *nremoved, fu_err *err) {
    size_t local;
    if (!nremoved) nremoved = &local;
    *nremoved = 0;
    int staged = 0;
    for (size_t i = 0; i < r->n; i++) staged |= r->rec[i].stage > 0;
    int want = 0; /* 0: each candidate's last stage */
    if (which && strcmp(which, "last")) {
        if (!staged)
            return fu_fail(err, FU_EINPUT, "--stage %s: the results hold no stages (not a staged sweep)", which);
        if (!(want = stage_number(r, which)))
            return fu_fail(err, FU_EINPUT, "--stage %s: no stage of that name or number in the results", which);
    }
    if (!staged) return FU_OK;
    unsigned char *keep = calloc(r->n ? r->n : 1, 1);
    root_row *ord = malloc((r->n ? r->n : 1) * sizeof *ord);
    if (!keep || !ord) {
        free(keep), free(ord);
        return fu_fail(err, FU_ENOMEM, "out of memory");
    }
    size_t m0 = 0;
    for (size_t i = 0; i < r->n; i++) {
        const fu_record *c = &r->rec[i];
        if (c->stage <= 0) keep[i] = 1;
        else if (want) keep[i] = c->stage == want;
        else ord[m0++] = (root_row){c->stage_root, c->stage, i};
    }
    /* the last stage of each root: the first of its rows ordered by root, stage descending */
    if (m0) qsort(ord, m0, sizeof *ord, cmp_root_stage);
    for (size_t k = 0; k < m0; k++) keep[ord[k].idx] = k == 0 || strcmp(ord[k].root, ord[k - 1].root) != 0;
    free(ord);
    size_t m = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (!keep[i]) {
            fu_record_free(&r->rec[i]);
            (*nremoved)++;
            continue;
        }
        if (m != i) r->rec[m] = r->rec[i];
        m++;
    }
    r->n = m;
    free(keep);
    return FU_OK;
}
