/* The selection language of `furui rank --where`: a boolean expression over
 * the property catalog (rank/catalog.h), evaluated per candidate.
 *
 *   expr     := or
 *   or       := and { ("or" | "||") and }
 *   and      := not { ("and" | "&&") not }
 *   not      := ("not" | "!") not | cmp
 *   cmp      := sum [ ("<" | "<=" | ">" | ">=" | "==" | "!=") sum ]
 *   sum      := product { ("+" | "-") product }
 *   product  := unary { ("*" | "/") unary }
 *   unary    := "-" unary | primary
 *   primary  := NUMBER | STRING | PROPERTY | "(" expr ")"
 *             | "abs" "(" sum ")" | "has_element" "(" STRING ")"
 *
 * NUMBER is a decimal literal (1, 0.05, 1e-3) in the unit the property's
 * name or catalog entry states (band_gap_ev is in eV; no unit conversion is
 * done); STRING is '...' or "..."; PROPERTY is a catalog name.
 * Text properties (chemical_formula_reduced, state, xc, ...) compare only
 * with strings, by == and != (exact, case-sensitive); numeric ones with
 * numbers. has_element("O") is true when O is among the candidate's
 * elements. Types are checked when the expression is parsed.
 *
 * Missing values: a property that is not available for a candidate (NaN:
 * no elemental reference, not computed) makes a comparison *unknown*, and
 * unknown propagates as in SQL (Kleene logic): not unknown = unknown,
 * false and unknown = false, true or unknown = true. A candidate is
 * selected only when the whole expression is true, so
 * `not (band_gap_ev > 1)` does not select candidates without a gap.
 *
 * Limits: at most FU_RANK_EXPR_MAX_NESTING levels of '(', 'not', unary '-'
 * and abs() inside one another, and at most FU_RANK_EXPR_MAX_HEIGHT
 * operators chained (a + b + ... or x and y and ...): the parser and the
 * evaluator recurse that deep, and hostile input must not overflow the stack.
 *
 * Errors are one line with the 1-based column of the problem. */
#ifndef FURUI_RANK_RANK_EXPR_H
#define FURUI_RANK_RANK_EXPR_H

#include "core/error.h"
#include "rank/catalog.h"

#define FU_RANK_EXPR_MAX_NESTING 200
#define FU_RANK_EXPR_MAX_HEIGHT 10000

typedef struct fu_rank_expr fu_rank_expr;

/* Parses text; on error returns FU_EINPUT with "column N: ..." in err and
 * *out NULL. */
int fu_rank_expr_parse(const char *text, fu_rank_expr **out, fu_err *err);
void fu_rank_expr_free(fu_rank_expr *e);

/* 1 if the expression reads catalog property prop (index). */
int fu_rank_expr_uses(const fu_rank_expr *e, long prop);

/* 1 true, 0 false, -1 unknown (a missing value decided it) for row of t. */
int fu_rank_expr_eval(const fu_rank_expr *e, const fu_prop_table *t, size_t row);

/* The catalog name closest to name (edit distance <= 3 or a prefix match),
 * NULL if none is close: for "did you mean" hints. */
const char *fu_prop_suggest(const char *name);

#endif
