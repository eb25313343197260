#include "rank/rank_expr.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { T_NUM, T_STR, T_BOOL }; /* static type of a node */

enum {
    N_NUM, N_STR, N_PROP, N_NEG, N_ABS, N_ADD, N_SUB, N_MUL, N_DIV, /* numeric / text leaves */
    N_LT, N_LE, N_GT, N_GE, N_EQ, N_NE,                         /* comparisons */
    N_NOT, N_AND, N_OR, N_HAS                                     /* boolean */
};

typedef struct {
    int op, type;
    int a, b;      /* child node indices, -1 if none */
    double num;    /* N_NUM */
    char *str;     /* N_STR, N_HAS: owned */
    long prop;     /* N_PROP: catalog index */
    int height;    /* 1 + the children's: bounds the evaluator's recursion */
} node;

struct fu_rank_expr {
    node *n;
    int nn, cap;
    int root;
};

/* ---- tokens ---- */

enum { K_END, K_NUM, K_STR, K_IDENT, K_LP, K_RP, K_OP, K_BAD };

typedef struct {
    const char *text;
    size_t pos;              /* next character to read */
    int kind, op;            /* op: an N_* for K_OP (N_AND/N_OR/N_NOT for words too) */
    size_t start, len;       /* token span in text */
    double num;
    fu_rank_expr *e;
    fu_err *err;
    int failed;
    int nesting;             /* recursive descents now open: '(', 'not', '-', abs() */
} parser;

static int fail_at(parser *p, size_t col0, const char *fmt, const char *arg) {
    if (!p->failed) {
        char what[400];
        snprintf(what, sizeof what, fmt, arg ? arg : "");
        fu_fail(p->err, FU_EINPUT, "column %zu: %s", col0 + 1, what);
        p->failed = 1;
    }
    return -1;
}

/* The current token's text, truncated, for messages; control characters
 * (a newline inside a quoted string) become '?' so the message stays one line. */
static const char *tok_text(const parser *p, char *buf, size_t len) {
    if (p->kind == K_END) return "end of expression";
    size_t n = p->len < len - 1 ? p->len : len - 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p->text[p->start + i];
        buf[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    buf[n] = '\0';
    return buf;
}

static int word_is(const parser *p, const char *w) {
    return p->len == strlen(w) && strncasecmp(p->text + p->start, w, p->len) == 0;
}

static void next(parser *p) {
    const char *s = p->text;
    while (s[p->pos] && isspace((unsigned char)s[p->pos])) p->pos++;
    p->start = p->pos;
    char c = s[p->pos];
    if (!c) {
        p->kind = K_END;
        p->len = 0;
        return;
    }
    if (isdigit((unsigned char)c) || (c == '.' && isdigit((unsigned char)s[p->pos + 1]))) {
        char *end;
        p->num = strtod(s + p->pos, &end);
        p->pos = (size_t)(end - s);
        p->kind = isalpha((unsigned char)s[p->pos]) || s[p->pos] == '_' ? K_BAD : K_NUM;
        if (p->kind == K_BAD)
            while (isalnum((unsigned char)s[p->pos]) || s[p->pos] == '_') p->pos++;
    } else if (isalpha((unsigned char)c) || c == '_') {
        while (isalnum((unsigned char)s[p->pos]) || s[p->pos] == '_') p->pos++;
        p->len = p->pos - p->start;
        p->kind = K_IDENT;
        if (word_is(p, "and")) p->kind = K_OP, p->op = N_AND;
        else if (word_is(p, "or")) p->kind = K_OP, p->op = N_OR;
        else if (word_is(p, "not")) p->kind = K_OP, p->op = N_NOT;
    } else if (c == '\'' || c == '"') {
        const char *q = strchr(s + p->pos + 1, c);
        if (!q) {
            p->pos = strlen(s);
            p->kind = K_BAD;
        } else {
            p->pos = (size_t)(q - s) + 1;
            p->kind = K_STR;
        }
    } else {
        static const struct { const char *t; int op; } ops[] = {
            {"<=", N_LE}, {">=", N_GE}, {"==", N_EQ}, {"!=", N_NE}, {"&&", N_AND}, {"||", N_OR},
            {"<", N_LT}, {">", N_GT}, {"!", N_NOT}, {"+", N_ADD}, {"-", N_SUB}, {"*", N_MUL}, {"/", N_DIV}};
        p->kind = K_BAD;
        p->pos++;
        if (c == '(') p->kind = K_LP;
        else if (c == ')') p->kind = K_RP;
        else
            for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
                if (strncmp(s + p->start, ops[i].t, strlen(ops[i].t)) == 0) {
                    p->kind = K_OP;
                    p->op = ops[i].op;
                    p->pos = p->start + strlen(ops[i].t);
                    break;
                }
    }
    p->len = p->pos - p->start;
}

/* ---- nodes ---- */

static int add(parser *p, int op, int type, int a, int b) {
    fu_rank_expr *e = p->e;
    int h = 1 + (a >= 0 ? e->n[a].height : 0);
    if (b >= 0 && e->n[b].height >= h) h = e->n[b].height + 1;
    if (h > FU_RANK_EXPR_MAX_HEIGHT) {
        char lim[32];
        snprintf(lim, sizeof lim, "%d", FU_RANK_EXPR_MAX_HEIGHT);
        return fail_at(p, p->start, "expression too long: more than %s operators in a row", lim);
    }
    if (e->nn == e->cap) {
        int cap = e->cap ? 2 * e->cap : 16;
        node *n = realloc(e->n, (size_t)cap * sizeof *n);
        if (!n) {
            if (!p->failed) fu_fail(p->err, FU_ENOMEM, "out of memory parsing the expression");
            p->failed = 1;
            return -1;
        }
        e->n = n;
        e->cap = cap;
    }
    e->n[e->nn] = (node){op, type, a, b, 0.0, NULL, -1, h};
    return e->nn++;
}

static const char *type_name(int t) { return t == T_NUM ? "a number" : t == T_STR ? "text" : "a condition"; }

static int expect_type(parser *p, int idx, int type, size_t col, const char *what) {
    if (idx < 0) return -1;
    if (p->e->n[idx].type == type) return idx;
    char msg[200];
    snprintf(msg, sizeof msg, "%s needs %s, got %s", what, type_name(type), type_name(p->e->n[idx].type));
    return fail_at(p, col, "%s", msg);
}

static int parse_or(parser *p);
static int parse_sum(parser *p);

/* Each '(', 'not', unary '-' and abs() recurses: a bound keeps hostile input
 * (thousands of them) from overflowing the stack. */
static int nest(parser *p) {
    if (++p->nesting <= FU_RANK_EXPR_MAX_NESTING) return 0;
    char lim[32];
    snprintf(lim, sizeof lim, "%d", FU_RANK_EXPR_MAX_NESTING);
    return fail_at(p, p->start, "expression nested too deeply: more than %s levels of '(', "
                   "'not', unary '-' or abs()", lim);
}

static int parse_primary(parser *p) {
    char buf[64];
    size_t col = p->start;
    if (p->kind == K_NUM) {
        int i = add(p, N_NUM, T_NUM, -1, -1);
        if (i >= 0) p->e->n[i].num = p->num;
        next(p);
        return i;
    }
    if (p->kind == K_STR) {
        int i = add(p, N_STR, T_STR, -1, -1);
        if (i < 0) return -1;
        char *s = malloc(p->len - 1);
        if (!s) return fail_at(p, col, "out of memory", NULL);
        memcpy(s, p->text + p->start + 1, p->len - 2);
        s[p->len - 2] = '\0';
        p->e->n[i].str = s;
        next(p);
        return i;
    }
    if (p->kind == K_LP) {
        if (nest(p)) return -1;
        next(p);
        int i = parse_or(p);
        p->nesting--;
        if (i < 0) return -1;
        if (p->kind != K_RP) {
            char msg[120];
            snprintf(msg, sizeof msg, "expected ')' to close the '(' of column %zu, found '%s'", col + 1,
                     tok_text(p, buf, sizeof buf));
            return fail_at(p, p->start, "%s", msg);
        }
        next(p);
        return i;
    }
    if (p->kind == K_IDENT) {
        char name[128];
        size_t n = p->len < sizeof name - 1 ? p->len : sizeof name - 1;
        memcpy(name, p->text + p->start, n);
        name[n] = '\0';
        next(p);
        if (p->kind == K_LP) { /* function call */
            size_t argcol;
            next(p);
            argcol = p->start;
            int i;
            if (!strcmp(name, "abs")) {
                if (nest(p)) return -1;
                int a = expect_type(p, parse_sum(p), T_NUM, argcol, "abs()");
                p->nesting--;
                i = a < 0 ? -1 : add(p, N_ABS, T_NUM, a, -1);
            } else if (!strcmp(name, "has_element")) {
                if (p->kind != K_STR) return fail_at(p, argcol, "has_element() needs an element symbol in quotes", NULL);
                i = parse_primary(p);
                if (i >= 0) {
                    p->e->n[i].op = N_HAS;
                    p->e->n[i].type = T_BOOL;
                }
            } else {
                return fail_at(p, col, "unknown function '%s' (known: abs, has_element)", name);
            }
            if (i < 0) return -1;
            if (p->kind != K_RP) return fail_at(p, p->start, "expected ')' after the argument of %s()", name);
            next(p);
            return i;
        }
        long k = fu_prop_find(name);
        if (k < 0) {
            const char *s = fu_prop_suggest(name);
            char msg[300];
            snprintf(msg, sizeof msg, "unknown property '%s'%s%s%s", name, s ? " (did you mean '" : "",
                     s ? s : "", s ? "'?)" : " (furui rank --list shows the properties)");
            return fail_at(p, col, "%s", msg);
        }
        size_t np;
        const fu_prop_def *d = fu_prop_catalog(&np);
        int i = add(p, N_PROP, d[k].kind == FU_PROP_TEXT ? T_STR : T_NUM, -1, -1);
        if (i >= 0) p->e->n[i].prop = k;
        return i;
    }
    if (p->kind == K_BAD && (p->text[col] == '\'' || p->text[col] == '"'))
        return fail_at(p, col, "string not closed (missing %s)", p->text[col] == '"' ? "\"" : "'");
    if (p->kind == K_BAD) return fail_at(p, col, "cannot read '%s'", tok_text(p, buf, sizeof buf));
    return fail_at(p, col, "expected a number, a property, a string or '(', found '%s'", tok_text(p, buf, sizeof buf));
}

static int parse_unary(parser *p) {
    if (p->kind == K_OP && p->op == N_SUB) {
        size_t col = p->start;
        if (nest(p)) return -1;
        next(p);
        int a = expect_type(p, parse_unary(p), T_NUM, col, "unary '-'");
        p->nesting--;
        return a < 0 ? -1 : add(p, N_NEG, T_NUM, a, -1);
    }
    return parse_primary(p);
}

static int parse_binary_num(parser *p, int (*sub)(parser *), int op1, int op2) {
    int a = sub(p);
    while (a >= 0 && p->kind == K_OP && (p->op == op1 || p->op == op2)) {
        int op = p->op;
        size_t col = p->start;
        const char *sym = op == N_ADD ? "'+'" : op == N_SUB ? "'-'" : op == N_MUL ? "'*'" : "'/'";
        if (expect_type(p, a, T_NUM, col, sym) < 0) return -1;
        next(p);
        int b = expect_type(p, sub(p), T_NUM, col, sym);
        a = b < 0 ? -1 : add(p, op, T_NUM, a, b);
    }
    return a;
}

static int parse_product(parser *p) { return parse_binary_num(p, parse_unary, N_MUL, N_DIV); }
static int parse_sum(parser *p) { return parse_binary_num(p, parse_product, N_ADD, N_SUB); }

static int parse_cmp(parser *p) {
    int a = parse_sum(p);
    if (a < 0) return -1;
    if (p->kind == K_OP && p->op >= N_LT && p->op <= N_NE) {
        int op = p->op;
        size_t col = p->start;
        char sym[4];
        snprintf(sym, sizeof sym, "%.*s", (int)p->len, p->text + p->start);
        next(p);
        int b = parse_sum(p);
        if (b < 0) return -1;
        int ta = p->e->n[a].type, tb = p->e->n[b].type;
        char msg[200];
        if (ta != tb) {
            snprintf(msg, sizeof msg, "'%s' compares %s with %s", sym, type_name(ta), type_name(tb));
            return fail_at(p, col, "%s", msg);
        }
        if (ta == T_STR && op != N_EQ && op != N_NE) {
            snprintf(msg, sizeof msg, "text can only be compared with == or !=, not '%s'", sym);
            return fail_at(p, col, "%s", msg);
        }
        if (p->kind == K_OP && p->op >= N_LT && p->op <= N_NE)
            return fail_at(p, p->start, "comparisons cannot be chained; join them with 'and'", NULL);
        return add(p, op, T_BOOL, a, b);
    }
    if (p->kind == K_BAD && p->text[p->start] == '=')
        return fail_at(p, p->start, "'=' is not an operator; use '==' to compare", NULL);
    return a;
}

static int parse_not(parser *p) {
    if (p->kind == K_OP && p->op == N_NOT) {
        size_t col = p->start;
        if (nest(p)) return -1;
        next(p);
        int a = expect_type(p, parse_not(p), T_BOOL, col, "'not'");
        p->nesting--;
        return a < 0 ? -1 : add(p, N_NOT, T_BOOL, a, -1);
    }
    return parse_cmp(p);
}

static int parse_logic(parser *p, int (*sub)(parser *), int op, const char *word) {
    size_t col = p->start;
    int a = sub(p);
    while (a >= 0 && p->kind == K_OP && p->op == op) {
        if (expect_type(p, a, T_BOOL, col, word) < 0) return -1;
        next(p);
        col = p->start;
        int b = expect_type(p, sub(p), T_BOOL, col, word);
        a = b < 0 ? -1 : add(p, op, T_BOOL, a, b);
    }
    return a;
}

static int parse_and(parser *p) { return parse_logic(p, parse_not, N_AND, "'and'"); }
static int parse_or(parser *p) { return parse_logic(p, parse_and, N_OR, "'or'"); }

int fu_rank_expr_parse(const char *text, fu_rank_expr **out, fu_err *err) {
    *out = NULL;
    fu_rank_expr *e = calloc(1, sizeof *e);
    if (!e) return fu_fail(err, FU_ENOMEM, "out of memory parsing the expression");
    parser p = {.text = text ? text : "", .e = e, .err = err};
    next(&p);
    if (p.kind == K_END) {
        fu_rank_expr_free(e);
        return fu_fail(err, FU_EINPUT, "column 1: empty expression");
    }
    size_t col = p.start;
    int root = parse_or(&p);
    char buf[64];
    if (root >= 0 && p.kind != K_END)
        root = fail_at(&p, p.start, "unexpected '%s' (missing 'and'/'or' or an operator?)", tok_text(&p, buf, sizeof buf));
    if (root >= 0) root = expect_type(&p, root, T_BOOL, col, "the expression");
    if (root < 0) {
        if (!p.failed) fu_fail(err, FU_EINPUT, "column %zu: cannot parse", p.start + 1);
        fu_rank_expr_free(e);
        return err && err->code ? err->code : FU_EINPUT;
    }
    e->root = root;
    *out = e;
    return FU_OK;
}

int fu_rank_expr_uses(const fu_rank_expr *e, long prop) {
    for (int i = 0; e && i < e->nn; i++)
        if (e->n[i].op == N_PROP && e->n[i].prop == prop) return 1;
    return 0;
}

void fu_rank_expr_free(fu_rank_expr *e) {
    if (!e) return;
    for (int i = 0; i < e->nn; i++) free(e->n[i].str);
    free(e->n);
    free(e);
}

/* ---- evaluation ---- */

static double eval_num(const fu_rank_expr *e, int i, const fu_prop_table *t, size_t row) {
    const node *n = &e->n[i];
    switch (n->op) {
    case N_NUM: return n->num;
    case N_PROP: return fu_prop_num(t, row, (size_t)n->prop);
    case N_NEG: return -eval_num(e, n->a, t, row);
    case N_ABS: return fabs(eval_num(e, n->a, t, row));
    case N_ADD: return eval_num(e, n->a, t, row) + eval_num(e, n->b, t, row);
    case N_SUB: return eval_num(e, n->a, t, row) - eval_num(e, n->b, t, row);
    case N_MUL: return eval_num(e, n->a, t, row) * eval_num(e, n->b, t, row);
    case N_DIV: return eval_num(e, n->a, t, row) / eval_num(e, n->b, t, row);
    default: return NAN;
    }
}

static const char *eval_str(const fu_rank_expr *e, int i, const fu_prop_table *t, size_t row) {
    const node *n = &e->n[i];
    return n->op == N_STR ? n->str : fu_prop_text(t, row, (size_t)n->prop);
}

/* elements is OPTIMADE's comma-separated alphabetical list */
static int has_element(const char *elements, const char *sym) {
    size_t l = strlen(sym);
    for (const char *s = elements; *s;) {
        const char *c = strchr(s, ',');
        size_t n = c ? (size_t)(c - s) : strlen(s);
        if (n == l && strncmp(s, sym, l) == 0) return 1;
        s += n + (c ? 1 : 0);
    }
    return 0;
}

static int eval_bool(const fu_rank_expr *e, int i, const fu_prop_table *t, size_t row) {
    const node *n = &e->n[i];
    switch (n->op) {
    case N_NOT: {
        int a = eval_bool(e, n->a, t, row);
        return a < 0 ? -1 : !a;
    }
    case N_AND: {
        int a = eval_bool(e, n->a, t, row);
        if (a == 0) return 0;
        int b = eval_bool(e, n->b, t, row);
        return b == 0 ? 0 : (a < 0 || b < 0) ? -1 : 1;
    }
    case N_OR: {
        int a = eval_bool(e, n->a, t, row);
        if (a == 1) return 1;
        int b = eval_bool(e, n->b, t, row);
        return b == 1 ? 1 : (a < 0 || b < 0) ? -1 : 0;
    }
    case N_HAS: {
        static const char *const elements = "elements";
        return has_element(fu_prop_text(t, row, (size_t)fu_prop_find(elements)), n->str);
    }
    default: break;
    }
    if (e->n[n->a].type == T_STR) {
        int c = strcmp(eval_str(e, n->a, t, row), eval_str(e, n->b, t, row));
        return n->op == N_EQ ? c == 0 : c != 0;
    }
    double a = eval_num(e, n->a, t, row), b = eval_num(e, n->b, t, row);
    if (isnan(a) || isnan(b)) return -1;
    switch (n->op) {
    case N_LT: return a < b;
    case N_LE: return a <= b;
    case N_GT: return a > b;
    case N_GE: return a >= b;
    case N_EQ: return a == b;
    case N_NE: return a != b;
    default: return -1;
    }
}

int fu_rank_expr_eval(const fu_rank_expr *e, const fu_prop_table *t, size_t row) {
    return eval_bool(e, e->root, t, row);
}

/* ---- hints ---- */

static size_t edit_distance(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63) return 99;
    size_t d[64][64];
    for (size_t i = 0; i <= la; i++) d[i][0] = i;
    for (size_t j = 0; j <= lb; j++) d[0][j] = j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
            d[i][j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
    return d[la][lb];
}

/* 1 if every '_'-separated word of name is a word of prop ("gap_ev" in band_gap_ev). */
static int words_within(const char *name, const char *prop) {
    char buf[64];
    if (strlen(name) >= sizeof buf) return 0;
    snprintf(buf, sizeof buf, "%s", name);
    size_t lp = strlen(prop);
    for (char *w = buf, *end; *w; w = end + (*end != 0)) {
        end = strchr(w, '_');
        if (!end) end = w + strlen(w);
        size_t lw = (size_t)(end - w);
        if (!lw) return 0;
        int found = 0;
        for (const char *q = prop; q + lw <= prop + lp && !found; q++)
            found = (q == prop || q[-1] == '_') && !strncmp(q, w, lw) && (q[lw] == '_' || !q[lw]);
        if (!found) return 0;
    }
    return 1;
}

/* Closest catalog name. A name found inside a property ("band_gap" in band_gap_ev, as a
 * prefix or elsewhere) or whose words are all its words ("gap_ev") is a better guess than
 * a short edit distance ("gap_ev" is 3 edits from vbm_ev); ties go to the shorter name. */
const char *fu_prop_suggest(const char *name) {
    size_t n, best = 4, best_len = 0;
    const fu_prop_def *d = fu_prop_catalog(&n);
    const char *pick = NULL;
    for (size_t i = 0; i < n; i++) {
        size_t score = edit_distance(name, d[i].name), len = strlen(d[i].name);
        if (strlen(name) >= 3 && (strstr(d[i].name, name) || words_within(name, d[i].name)) && score > 1)
            score = 1;
        if (score < best || (score == best && pick && len < best_len)) {
            best = score;
            best_len = len;
            pick = d[i].name;
        }
    }
    return pick;
}
