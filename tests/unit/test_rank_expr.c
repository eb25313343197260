// labels: unit rank
/* The `furui rank --where` language (rank/rank_expr.h) and the selection
 * (rank/shortlist.h) on a hand-made property table of four candidates:
 *  - arithmetic precedence and unary minus against values worked out by hand
 *    (1 + 2*3 == 7, -2*-3 == 6, 10 - 4 - 3 == 3 left-associative, 8/4/2 == 1);
 *  - Kleene logic with a missing value: the truth tables of not/and/or with
 *    "unknown", so `not (gap > 1)` never selects a candidate without a gap;
 *  - text equality, has_element on OPTIMADE's comma list (no substring match:
 *    "S" is not in "Si"), abs();
 *  - every error names the 1-based column of the problem;
 *  - sorting: descending, missing values last, ties broken by ID; --limit. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rank/rank_expr.h"
#include "rank/shortlist.h"

static long P(const char *name) {
    long k = fu_prop_find(name);
    if (k < 0) {
        fprintf(stderr, "no property %s\n", name);
        exit(1);
    }
    return k;
}

/* rows: id, formula, elements, state, gap (eV), formation energy (eV/atom) */
static const struct {
    const char *id, *formula, *elements, *state;
    double gap, ef;
} rows[] = {
    {"000000000000000a", "Si", "Si", "done", 0.5, 0.0},
    {"000000000000000b", "SZn", "S,Zn", "done", 2.0, -0.8},
    {"000000000000000c", "ClNa", "Cl,Na", "done", 5.0, NAN},
    {"000000000000000d", "Al", "Al", "failed", NAN, NAN},
};
#define NROW (sizeof rows / sizeof rows[0])

static fu_prop_table table(void) {
    fu_prop_table t = {0};
    size_t np;
    fu_prop_catalog(&np);
    t.nrow = NROW;
    t.nprop = np;
    t.num = calloc(NROW * np, sizeof *t.num);
    t.text = calloc(NROW * np, sizeof *t.text);
    t.note = calloc(NROW, sizeof *t.note);
    for (size_t i = 0; i < NROW; i++) {
        for (size_t p = 0; p < np; p++) t.num[i * np + p] = NAN;
        t.text[i * np + P("id")] = strdup(rows[i].id);
        t.text[i * np + P("chemical_formula_reduced")] = strdup(rows[i].formula);
        t.text[i * np + P("elements")] = strdup(rows[i].elements);
        t.text[i * np + P("state")] = strdup(rows[i].state);
        t.num[i * np + P("band_gap_ev")] = rows[i].gap;
        t.num[i * np + P("formation_energy_ev_per_atom")] = rows[i].ef;
        t.num[i * np + P("nelements")] = strchr(rows[i].elements, ',') ? 2 : 1;
        t.note[i] = strdup("");
    }
    return t;
}

/* 1/0/-1 of expr on row i; 99 if it does not parse. */
static int eval(const fu_prop_table *t, const char *expr, size_t i) {
    fu_rank_expr *e;
    fu_err err = {0};
    if (fu_rank_expr_parse(expr, &e, &err)) {
        fprintf(stderr, "parse error in '%s': %s\n", expr, err.msg);
        return 99;
    }
    int v = fu_rank_expr_eval(e, t, i);
    fu_rank_expr_free(e);
    return v;
}

/* The error message of a bad expression starts with "column COL:". */
static int fails_at(const char *expr, int col, const char *needle) {
    fu_rank_expr *e = NULL;
    fu_err err = {0};
    int rc = fu_rank_expr_parse(expr, &e, &err);
    char want[32];
    snprintf(want, sizeof want, "column %d:", col);
    int ok = rc == FU_EINPUT && !e && strncmp(err.msg, want, strlen(want)) == 0 && strstr(err.msg, needle) &&
             !strchr(err.msg, '\n');
    if (!ok) fprintf(stderr, "'%s' -> rc %d '%s' (want '%s ... %s')\n", expr, rc, err.msg, want, needle);
    fu_rank_expr_free(e);
    return ok;
}

int main(void) {
    fu_prop_table t = table();

    /* arithmetic, by hand */
    CHECK(eval(&t, "1 + 2 * 3 == 7", 0) == 1, "* binds tighter than +");
    CHECK(eval(&t, "(1 + 2) * 3 == 9", 0) == 1, "parentheses");
    CHECK(eval(&t, "-2 * -3 == 6", 0) == 1, "unary minus");
    CHECK(eval(&t, "10 - 4 - 3 == 3", 0) == 1, "- is left-associative");
    CHECK(eval(&t, "8 / 4 / 2 == 1", 0) == 1, "/ is left-associative");
    CHECK(eval(&t, "abs(-1.5e-1) == 0.15", 0) == 1, "abs and exponent literals");
    CHECK(eval(&t, "band_gap_ev * 2 > 3.9 and band_gap_ev * 2 < 4.1", 1) == 1, "property arithmetic (2 eV)");

    /* comparisons and Kleene logic; row 2 has no formation energy */
    CHECK(eval(&t, "formation_energy_ev_per_atom < 0", 1) == 1, "true");
    CHECK(eval(&t, "formation_energy_ev_per_atom < 0", 0) == 0, "false");
    CHECK(eval(&t, "formation_energy_ev_per_atom < 0", 2) == -1, "missing value: unknown");
    CHECK(eval(&t, "not (formation_energy_ev_per_atom < 0)", 2) == -1, "not unknown = unknown");
    CHECK(eval(&t, "formation_energy_ev_per_atom < 0 and band_gap_ev > 9", 2) == 0, "unknown and false = false");
    CHECK(eval(&t, "formation_energy_ev_per_atom < 0 and band_gap_ev > 1", 2) == -1, "unknown and true = unknown");
    CHECK(eval(&t, "formation_energy_ev_per_atom < 0 or band_gap_ev > 1", 2) == 1, "unknown or true = true");
    CHECK(eval(&t, "formation_energy_ev_per_atom < 0 or band_gap_ev > 9", 2) == -1, "unknown or false = unknown");
    CHECK(eval(&t, "band_gap_ev > 1 or band_gap_ev < 1 and band_gap_ev > 100", 1) == 1, "and binds tighter than or");
    CHECK(eval(&t, "! (band_gap_ev > 1) || band_gap_ev >= 2 && band_gap_ev <= 2", 1) == 1, "symbolic operators");
    CHECK(eval(&t, "NOT band_gap_ev > 1", 0) == 1, "keywords are case-insensitive");
    CHECK(eval(&t, "formation_energy_ev_per_atom == 0", 0) == 1 && eval(&t, "band_gap_ev != 0.5", 0) == 0,
          "== and != on numbers");

    /* text */
    CHECK(eval(&t, "chemical_formula_reduced == 'SZn'", 1) == 1, "text equality, single quotes");
    CHECK(eval(&t, "state != \"done\"", 3) == 1, "text inequality, double quotes");
    CHECK(eval(&t, "has_element(\"S\")", 1) == 1, "has_element on a list");
    CHECK(eval(&t, "has_element(\"S\")", 0) == 0, "has_element is not a substring match (S vs Si)");
    CHECK(eval(&t, "has_element('Zn') and nelements == 2", 1) == 1, "has_element in a conjunction");

    /* errors with positions */
    CHECK(fails_at("band_gap > 1", 1, "did you mean 'band_gap_ev'"), "unknown property with a hint");
    CHECK(fails_at("gap_ev > 1", 1, "did you mean 'band_gap_ev'"), "a name inside a property beats vbm_ev (3 edits)");
    CHECK(fails_at("gap > 1", 1, "did you mean 'band_gap_ev'"), "the shortest property containing the name");
    CHECK(fails_at("energy_formation < 0", 1, "did you mean 'formation_energy_ev_per_atom'"), "words in another order");
    CHECK(fails_at("volume_per_atm > 1", 1, "did you mean 'volume_per_atom'"), "a typo still finds its name");
    CHECK(fails_at("band_gap_ev >= ", 16, "expected a number"), "missing operand at the end");
    CHECK(fails_at("band_gap_ev = 1", 13, "use '=='"), "single =");
    CHECK(fails_at("state == 1", 7, "compares text with a number"), "type mismatch");
    CHECK(fails_at("state < 'done'", 7, "only be compared with == or !="), "ordering text");
    CHECK(fails_at("(band_gap_ev > 1", 17, "expected ')'"), "unclosed parenthesis");
    CHECK(fails_at("band_gap_ev > 1 band_gap_ev", 17, "unexpected"), "two expressions side by side");
    CHECK(fails_at("1 < band_gap_ev < 2", 17, "cannot be chained"), "chained comparison");
    CHECK(fails_at("band_gap_ev", 1, "needs a condition"), "a number is not a condition");
    CHECK(fails_at("band_gap_ev > 1 and 2", 21, "needs a condition"), "and of a number");
    CHECK(fails_at("state == 'done", 10, "string not closed"), "unterminated string");
    CHECK(fails_at("sqrt(band_gap_ev) > 1", 1, "unknown function"), "unknown function");
    CHECK(fails_at("-state == 'x'", 1, "needs a number"), "minus on text");
    CHECK(fails_at("   ", 1, "empty"), "empty expression");

    /* depth limits (hostile input once overflowed the stack: issue 19) */
    {
        char *x = malloc(130000);
        size_t k = 0;
        for (int i = 0; i < FU_RANK_EXPR_MAX_NESTING; i++) x[k++] = '(';
        k += (size_t)sprintf(x + k, "band_gap_ev > 1");
        for (int i = 0; i < FU_RANK_EXPR_MAX_NESTING; i++) x[k++] = ')';
        x[k] = '\0';
        CHECK(eval(&t, x, 1) == 1, "parentheses up to the nesting limit");
        memmove(x + 1, x, k + 1);
        x[0] = '(';
        strcat(x, ")");
        CHECK(fails_at(x, FU_RANK_EXPR_MAX_NESTING + 1, "nested too deeply"), "one level more is refused");
        k = 0;
        for (int i = 0; i < 20000; i++) k += (size_t)sprintf(x + k, "not ");
        sprintf(x + k, "band_gap_ev > 1");
        CHECK(fails_at(x, 4 * FU_RANK_EXPR_MAX_NESTING + 1, "nested too deeply"), "20000 'not'");
        k = (size_t)sprintf(x, "band_gap_ev > ");
        memset(x + k, '-', 120000);
        strcpy(x + k + 120000, "1");
        CHECK(fails_at(x, 15 + FU_RANK_EXPR_MAX_NESTING, "nested too deeply"), "120000 unary minus");
        k = (size_t)sprintf(x, "band_gap_ev > 0");
        for (int i = 1; i < FU_RANK_EXPR_MAX_HEIGHT - 2; i++) k += (size_t)sprintf(x + k, "+0");
        CHECK(eval(&t, x, 1) == 1, "a long chain of '+' evaluates");
        for (int i = 0; i < 10; i++) k += (size_t)sprintf(x + k, "+0");
        fu_rank_expr *e = NULL;
        fu_err err = {0};
        CHECK(fu_rank_expr_parse(x, &e, &err) == FU_EINPUT && !e && strstr(err.msg, "too long"),
              "a chain beyond the limit is refused");
        free(x);
    }

    /* selection and order */
    fu_rank_sort s;
    fu_err err = {0};
    CHECK(fu_rank_sort_parse("-band_gap_ev", &s, &err) == FU_OK && s.nkey == 1 && s.desc[0], "sort parse");
    size_t *idx = NULL, n = 0;
    fu_rank_report rep;
    CHECK(fu_rank_select(&t, "band_gap_ev > 0.1", &s, 0, 0, &idx, &n, &rep, &err) == FU_OK, "select");
    CHECK(n == 3 && idx[0] == 2 && idx[1] == 1 && idx[2] == 0, "done rows by gap, descending");
    CHECK(rep.nconsidered == 3 && rep.nmatched == 3, "failed row not considered");
    free(idx);
    CHECK(fu_rank_sort_parse("formation_energy_ev_per_atom:desc", &s, &err) == FU_OK, "sort :desc");
    CHECK(fu_rank_select(&t, NULL, &s, 1, 0, &idx, &n, &rep, &err) == FU_OK, "select all states");
    CHECK(n == 4 && idx[0] == 0 && idx[1] == 1 && idx[2] == 2 && idx[3] == 3,
          "descending, missing values last, ties by ID");
    free(idx);
    CHECK(fu_rank_select(&t, "not (formation_energy_ev_per_atom < 0)", &s, 0, 0, &idx, &n, &rep, &err) == FU_OK &&
              n == 1 && idx[0] == 0 && rep.nunknown == 1,
          "unknown is not selected and is counted");
    free(idx);
    CHECK(fu_rank_select(&t, "band_gap_ev > 0", &s, 0, 2, &idx, &n, &rep, &err) == FU_OK && n == 2 &&
              rep.nmatched == 3,
          "limit");
    free(idx);
    CHECK(fu_rank_sort_parse("band_gap_ev,volum", &s, &err) == FU_EINPUT && strstr(err.msg, "position 13") &&
              strstr(err.msg, "'volume'"),
          "bad sort key named with its position and a hint");
    CHECK(fu_rank_sort_parse("band_gap_ev:up", &s, &err) == FU_EINPUT, "bad sort order");
    CHECK(fu_rank_select(&t, "band_gap > 1", NULL, 0, 0, &idx, &n, &rep, &err) == FU_EINPUT &&
              strncmp(err.msg, "--where: column 1:", 18) == 0,
          "select reports --where errors with the column");

    fu_prop_table_free(&t);
    CHECK_DONE();
}
