/* Fuzz harness: the YAML document reader (fu_ydoc_parse) and, on every
 * scalar of a parsed document, the typed getters (numbers, integers, booleans,
 * quantities and units). */
#include "fuzz_common.h"

#include "core/yamldoc.h"

static void check_getters(const fu_ydoc *doc, const fu_ynode *n) {
    fu_err e;
    double d;
    int i;
    const char *s;
    char buf[64];
    int rc;
    fz_err_init(&e);
    rc = fu_ynode_double(doc, n, &d, &e);
    fz_check_status(rc, &e);
    if (!rc) fz_check_finite(d, "fu_ynode_double");
    fz_err_init(&e);
    fz_check_status(fu_ynode_int(doc, n, -1000000, 1000000, &i, &e), &e);
    fz_err_init(&e);
    fz_check_status(fu_ynode_bool(doc, n, &i, &e), &e);
    fz_err_init(&e);
    rc = fu_ynode_string(doc, n, &s, &e);
    fz_check_status(rc, &e);
    if (!rc && !s) fz_die("fu_ynode_string succeeded with NULL", NULL);
    fz_err_init(&e);
    fz_check_status(fu_ynode_string_copy(doc, n, buf, sizeof buf, &e), &e);
    for (int k = FU_UNIT_ENERGY; k <= FU_UNIT_INVLENGTH; k++) {
        fz_err_init(&e);
        rc = fu_ynode_quantity(doc, n, (fu_unit_kind)k, &d, &e);
        fz_check_status(rc, &e);
        if (!rc) fz_check_finite(d, "fu_ynode_quantity");
        fz_err_init(&e);
        rc = fu_ynode_unit(doc, n, (fu_unit_kind)k, &d, &e);
        fz_check_status(rc, &e);
        if (!rc && !(isfinite(d) && d > 0)) fz_die("unit factor not finite and positive", NULL);
    }
}

static void walk(const fu_ydoc *doc, const fu_ynode *n, int depth) {
    if (!n) fz_die("NULL node in a parsed document", NULL);
    if (depth > FU_YDOC_MAX_DEPTH + 1) fz_die("document deeper than FU_YDOC_MAX_DEPTH", NULL);
    if (n->line < 1) fz_die("node line < 1", NULL);
    char name[512];
    fu_ynode_name(n, name, sizeof name);
    fu_err e;
    fz_err_init(&e);
    fz_check_status(fu_ynode_fail(&e, doc, n, FU_EINPUT, "fuzz %s", n->plain ? "x\ny" : "z"), &e);
    switch (n->kind) {
    case FU_YSCALAR:
        if (!n->value) fz_die("scalar without value", NULL);
        (void)fu_ynode_is_null(n);
        check_getters(doc, n);
        break;
    case FU_YSEQ:
        if (n->n < 0 || (n->n && !n->item)) fz_die("bad sequence", NULL);
        for (int k = 0; k < n->n; k++) walk(doc, n->item[k], depth + 1);
        fz_err_init(&e);
        {
            double v[3];
            int iv[3];
            int rc = fu_ynode_doubles(doc, n, 3, v, &e);
            fz_check_status(rc, &e);
            if (!rc) fz_check_finite_n(v, 3, "fu_ynode_doubles");
            fz_err_init(&e);
            fz_check_status(fu_ynode_ints(doc, n, 3, -10, 10, iv, &e), &e);
        }
        break;
    case FU_YMAP: {
        if (n->n < 0 || (n->n && (!n->item || !n->key || !n->key_line))) fz_die("bad map", NULL);
        for (int k = 0; k < n->n; k++) {
            if (!n->key[k]) fz_die("NULL map key", NULL);
            if (fu_ymap_get(n, n->key[k]) != n->item[k]) fz_die("fu_ymap_get misses a key", NULL);
            walk(doc, n->item[k], depth + 1);
        }
        static const char *const allowed[] = {"a", "b", NULL};
        fz_err_init(&e);
        fz_check_status(fu_ymap_check_keys(doc, n, allowed, &e), &e);
        const fu_ynode *out;
        fz_err_init(&e);
        fz_check_status(fu_ymap_require(doc, n, "ecut", &out, &e), &e);
        break;
    }
    default:
        fz_die("unknown node kind", NULL);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fu_ydoc doc;
    fu_err e;
    memset(&doc, 0, sizeof doc);
    fz_err_init(&e);
    int rc = fu_ydoc_parse((const char *)data, size, "fuzz.yaml", &doc, &e);
    fz_check_status(rc, &e);
    if (rc == FU_OK) {
        if (!doc.root) fz_die("successful parse without a root", NULL);
        if (doc.len != size || !doc.text || memcmp(doc.text, data, size) != 0 || doc.text[size])
            fz_die("document text is not the verbatim input", NULL);
        walk(&doc, doc.root, 0);
    }
    fu_ydoc_free(&doc);
    fu_ydoc_free(&doc); /* documented as safe on an already freed doc */
    return 0;
}
