/* Fuzz harness: the `furui rank --where` expression parser (fu_rank_expr_parse)
 * and, on a successful parse, its evaluation on a two-row property table (one
 * row with values, one with every value missing). The input is the expression
 * text up to its first NUL, as from the command line. */
#include "fuzz_common.h"

#include "rank/rank_expr.h"

#define FZ_MAX_PROPS 512

static fu_prop_table fz_table(void) {
    static double num[2 * FZ_MAX_PROPS];
    static char *text[2 * FZ_MAX_PROPS];
    static char *note[2] = {"", ""};
    size_t np;
    const fu_prop_def *d = fu_prop_catalog(&np);
    if (np > FZ_MAX_PROPS) fz_die("catalog larger than the harness table", NULL);
    for (size_t p = 0; p < np; p++) {
        int txt = d[p].kind == FU_PROP_TEXT;
        num[p] = txt ? 0 : 1.5;
        text[p] = txt ? "Si,Zn" : NULL;
        num[np + p] = txt ? 0 : NAN;
        text[np + p] = NULL;
    }
    fu_prop_table t = {.nrow = 2, .nprop = np, .num = num, .text = text, .note = note};
    return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = fz_cstring(data, size);
    fu_rank_expr *e = NULL;
    fu_err err;
    fz_err_init(&err);
    int rc = fu_rank_expr_parse(text, &e, &err);
    fz_check_status(rc, &err);
    if (rc == FU_OK) {
        if (!e) fz_die("successful parse without an expression", NULL);
        fu_prop_table t = fz_table();
        for (size_t r = 0; r < t.nrow; r++) {
            int v = fu_rank_expr_eval(e, &t, r);
            if (v < -1 || v > 1) fz_die("evaluation not 1, 0 or -1", NULL);
        }
    } else if (e) {
        fz_die("failed parse left an expression", NULL);
    } else if (strncmp(err.msg, "column ", 7) != 0) {
        fz_die("parse error does not start with 'column N:'", err.msg);
    }
    fu_rank_expr_free(e);
    free(text);
    return 0;
}
