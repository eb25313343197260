#include "crystal/cif.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <cif.h>

#include "core/regfile.h"
#include "core/units.h"
#include "crystal/elements.h"

#define NAME_LEN 64
#define TEXT_LEN 128

/* One item value as the parser handed it over, with the line it was on. */
typedef struct {
    char name[NAME_LEN]; /* lower case, '.' -> '_' (DDLm spelling) */
    char text[TEXT_LEN]; /* ASCII; longer values are cut (none we use is long) */
    int kind;            /* cif_kind_tp */
    int line;
} item;

typedef struct {
    const char *path;
    int nblock;
    char block[NAME_LEN];
    size_t line; /* start line of the latest token (whitespace callback) */
    item *it;
    int n, cap;
    int nomem;
    struct {
        char name[NAME_LEN];
        int line;
    } dn[16]; /* lines of the scalar names we look up (dataname callback) */
    int ndn;
    int perr_code;
    size_t perr_line, perr_col;
} pstate;

static void ascii(const UChar *u, size_t n, char *out, size_t len, int lower) {
    size_t k = 0;
    for (size_t i = 0; i < n && u[i] && k + 1 < len; i++) {
        UChar c = u[i];
        char ch = c < 128 ? (char)c : '?';
        if (lower) ch = (char)tolower((unsigned char)ch);
        out[k++] = ch;
    }
    out[k] = 0;
}

static size_t ulen(const UChar *u) {
    size_t n = 0;
    while (u[n]) n++;
    return n;
}

static void on_space(size_t line, size_t column, const UChar *token, size_t length, void *data) {
    (void)column;
    pstate *st = data;
    st->line = line;
    for (size_t i = 0; i < length; i++) st->line += token[i] == '\n';
}

/* The scalars furui reads: the parser reports only loop items to handlers;
 * scalars are asked of the parsed CIF afterwards (add_scalars). */
static const char *const scalar_names[] = {
    "_cell_length_a",  "_cell_length_b",   "_cell_length_c",
    "_cell_angle_alpha", "_cell_angle_beta", "_cell_angle_gamma",
    "_symmetry_space_group_name_h-m", "_space_group_name_h-m_alt", NULL};

static void on_name(size_t line, size_t column, const UChar *token, size_t length, void *data) {
    (void)column;
    pstate *st = data;
    char name[NAME_LEN];
    ascii(token, length, name, sizeof name, 1);
    for (int k = 0; scalar_names[k]; k++)
        if (!strcmp(name, scalar_names[k]) && st->ndn < 16) {
            snprintf(st->dn[st->ndn].name, NAME_LEN, "%s", name);
            st->dn[st->ndn++].line = (int)line;
        }
}

static int on_error(int code, size_t line, size_t column, const UChar *text, size_t length,
                    void *data) {
    (void)text;
    (void)length;
    pstate *st = data;
    st->perr_code = code;
    st->perr_line = line;
    st->perr_col = column;
    return code ? code : 1; /* abort */
}

static int on_block(cif_container_tp *block, void *data) {
    pstate *st = data;
    (void)block; /* without a CIF object to parse into, the handle has no code to ask */
    if (st->nblock++) return CIF_TRAVERSE_SKIP_CURRENT; /* the first block only */
    return CIF_TRAVERSE_CONTINUE;
}

static int on_frame(cif_container_tp *frame, void *data) {
    (void)frame;
    (void)data;
    return CIF_TRAVERSE_SKIP_CURRENT;
}

static int push(pstate *st, const UChar *name, size_t nlen, cif_value_tp *value, int line) {
    if (st->n == st->cap) {
        int cap = st->cap ? 2 * st->cap : 256;
        item *p = realloc(st->it, sizeof *p * (size_t)cap);
        if (!p) {
            st->nomem = 1;
            return CIF_TRAVERSE_END;
        }
        st->it = p;
        st->cap = cap;
    }
    item *it = &st->it[st->n];
    ascii(name, nlen, it->name, sizeof it->name, 1);
    for (char *c = it->name; *c; c++)
        if (*c == '.') *c = '_';
    it->kind = (int)cif_value_kind(value);
    it->line = line;
    it->text[0] = 0;
    UChar *text = NULL;
    if ((it->kind == CIF_CHAR_KIND || it->kind == CIF_NUMB_KIND) &&
        cif_value_get_text(value, &text) == CIF_OK && text) {
        ascii(text, ulen(text), it->text, sizeof it->text, 0);
        free(text);
    }
    st->n++;
    return CIF_TRAVERSE_CONTINUE;
}

static int on_item(UChar *name, cif_value_tp *value, void *data) {
    pstate *st = data;
    if (st->nblock != 1) return CIF_TRAVERSE_CONTINUE;
    return push(st, name, ulen(name), value, (int)st->line);
}

/* Scalars of the (only recorded) first block, from the parsed CIF. */
static void add_scalars(pstate *st, cif_tp *cif) {
    cif_container_tp **blocks = NULL;
    if (cif_get_all_blocks(cif, &blocks) != CIF_OK || !blocks) return;
    if (blocks[0])
        for (int k = 0; scalar_names[k] && !st->nomem; k++) {
            UChar *un = NULL;
            cif_value_tp *v = NULL;
            if (cif_cstr_to_ustr(scalar_names[k], -1, &un) != CIF_OK || !un) continue;
            if (cif_container_get_value(blocks[0], un, &v) == CIF_OK && v) {
                int line = 0;
                for (int d = 0; d < st->ndn; d++)
                    if (!strcmp(st->dn[d].name, scalar_names[k])) line = st->dn[d].line;
                push(st, un, ulen(un), v, line);
                cif_value_free(v);
            }
            free(un);
        }
    for (int b = 0; blocks[b]; b++) cif_container_free(blocks[b]);
    free(blocks);
}

/* Values of one name in file order. */
static int find_all(const pstate *st, const char *name, const item **out, int max) {
    int k = 0;
    for (int i = 0; i < st->n; i++)
        if (!strcmp(st->it[i].name, name)) {
            if (k < max) out[k] = &st->it[i];
            k++;
        }
    return k;
}

static const item *find1(const pstate *st, const char *name) {
    for (int i = 0; i < st->n; i++)
        if (!strcmp(st->it[i].name, name)) return &st->it[i];
    return NULL;
}

/* A CIF number: digits with an optional standard uncertainty "1.234(5)". */
static int number(const item *it, double *v) {
    if (it->kind != CIF_NUMB_KIND && it->kind != CIF_CHAR_KIND) return 0;
    char buf[TEXT_LEN];
    snprintf(buf, sizeof buf, "%s", it->text);
    char *paren = strchr(buf, '(');
    if (paren) {
        char *close = strchr(paren, ')');
        if (!close || close[1]) return 0;
        *paren = 0;
    }
    char *end;
    errno = 0;
    double x = strtod(buf, &end);
    if (end == buf || *end || errno == ERANGE || !isfinite(x)) return 0;
    *v = x;
    return 1;
}

/* Unsigned decimal "12", "0.5", ".25" at *p (advanced past it); 0 if none. */
static int read_number(const char **p, double *v) {
    const char *q = *p;
    char buf[40];
    size_t n = 0;
    int digits = 0;
    while (isdigit((unsigned char)*q) && n + 1 < sizeof buf) buf[n++] = *q++, digits++;
    if (*q == '.' && n + 1 < sizeof buf) {
        buf[n++] = *q++;
        while (isdigit((unsigned char)*q) && n + 1 < sizeof buf) buf[n++] = *q++, digits++;
    }
    if (!digits || isdigit((unsigned char)*q) || *q == '.') return 0; /* none, or too long */
    buf[n] = 0;
    *v = strtod(buf, NULL);
    *p = q;
    return 1;
}

int fu_cif_parse_symop(const char *text, int rot[3][3], double trans[3], char *why, int why_len) {
    memset(rot, 0, 9 * sizeof(int));
    trans[0] = trans[1] = trans[2] = 0;
    const char *p = text;
    for (int row = 0; row < 3; row++) {
        int nterm = 0;
        for (;;) {
            while (*p == ' ' || *p == '\t') p++;
            if (*p == ',' || *p == 0) break;
            int sign = 1;
            if (*p == '+' || *p == '-') {
                sign = *p == '-' ? -1 : 1;
                p++;
                while (*p == ' ' || *p == '\t') p++;
            }
            char c = (char)tolower((unsigned char)*p);
            if (c == 'x' || c == 'y' || c == 'z') {
                rot[row][c - 'x'] += sign;
                p++;
            } else if (isdigit((unsigned char)*p) || *p == '.') {
                /* digits [. digits] [/ digits], read strictly: strtod alone would
                 * also take "0x1p3", "1e5" or stop at a lone "." without moving */
                double num;
                if (!read_number(&p, &num)) {
                    snprintf(why, (size_t)why_len, "malformed number");
                    return 1;
                }
                if (*p == '/') {
                    p++;
                    double den;
                    if (!isdigit((unsigned char)*p) || !read_number(&p, &den)) {
                        snprintf(why, (size_t)why_len, "fraction without a denominator");
                        return 1;
                    }
                    if (den == 0) {
                        snprintf(why, (size_t)why_len, "division by zero");
                        return 1;
                    }
                    num /= den;
                }
                /* "2x", "0.5*y": no coefficients in a symmetry operation */
                const char *q = p;
                while (*q == ' ' || *q == '\t') q++;
                if (isalpha((unsigned char)*q) || *q == '*') {
                    snprintf(why, (size_t)why_len, "unknown term '%.20s' (a number multiplying a "
                             "coordinate)", q);
                    return 1;
                }
                trans[row] += sign * num;
            } else {
                const char *q = p;
                while (*q && *q != ',' && *q != '+' && *q != '-' && *q != ' ') q++;
                snprintf(why, (size_t)why_len,
                         "unknown term '%.*s' (expected x, y, z or a number such as 1/2)",
                         (int)(q - p > 20 ? 20 : (q == p ? 1 : q - p)), p);
                return 1;
            }
            nterm++;
        }
        if (!nterm) {
            snprintf(why, (size_t)why_len, "component %d is empty", row + 1);
            return 1;
        }
        if (row < 2) {
            if (*p != ',') {
                snprintf(why, (size_t)why_len, "expected three comma-separated components");
                return 1;
            }
            p++;
        }
    }
    while (*p == ' ' || *p == '\t') p++;
    if (*p) {
        snprintf(why, (size_t)why_len, "expected three comma-separated components");
        return 1;
    }
    int det = rot[0][0] * (rot[1][1] * rot[2][2] - rot[1][2] * rot[2][1]) -
              rot[0][1] * (rot[1][0] * rot[2][2] - rot[1][2] * rot[2][0]) +
              rot[0][2] * (rot[1][0] * rot[2][1] - rot[1][1] * rot[2][0]);
    if (det != 1 && det != -1) {
        snprintf(why, (size_t)why_len, "not a crystallographic operation (determinant %d)", det);
        return 1;
    }
    return 0;
}

/* Element from a type symbol or label: leading letters, two-letter symbols
 * first ("Co1" -> Co, "C1" -> C, "O2-" -> O). */
static int element_of(const char *t) {
    char sym[3] = {0};
    if (!isalpha((unsigned char)t[0])) return 0;
    sym[0] = (char)toupper((unsigned char)t[0]);
    if (isalpha((unsigned char)t[1])) {
        sym[1] = (char)tolower((unsigned char)t[1]);
        int z = fu_element_z(sym);
        if (z > 0) return z;
        sym[1] = 0;
    }
    return fu_element_z(sym);
}

/* cos of an angle in degrees, exact at 60, 90 and 120 (written cells are
 * mostly such; cos(pi/2) = 6e-17 would tilt the cell by that much). */
static double cosd(double deg) {
    if (deg == 90) return 0;
    if (deg == 60) return 0.5;
    if (deg == 120) return -0.5;
    return cos(deg * FU_PI / 180);
}

static int missing(const pstate *st, const char *name, fu_err *err) {
    return fu_fail(err, FU_EINPUT, "%s: data block '%s': missing %s", st->path, st->block, name);
}

typedef struct {
    int z;
    double x[3];
    double sum[3]; /* sum of the merged images, relative to x */
    int nimg;
} atom;

static int build(pstate *st, fu_structure *s, fu_err *err) {
    const char *path = st->path;
    if (!st->nblock) return fu_fail(err, FU_EINPUT, "%s: no data block (data_...), not a CIF", path);
    /* cell */
    static const char *const cell_names[6] = {"_cell_length_a",    "_cell_length_b",
                                              "_cell_length_c",    "_cell_angle_alpha",
                                              "_cell_angle_beta",  "_cell_angle_gamma"};
    double cell[6];
    for (int i = 0; i < 6; i++) {
        const item *it = find1(st, cell_names[i]);
        if (!it) return missing(st, cell_names[i], err);
        if (!number(it, &cell[i]))
            return fu_fail(err, FU_EINPUT, "%s:%d: %s: '%s' is not a number", path, it->line,
                           cell_names[i], it->text);
        if (i < 3 && !(cell[i] > 0 && cell[i] < 1e4))
            return fu_fail(err, FU_EINPUT, "%s:%d: %s = %g Å: not a cell length", path, it->line,
                           cell_names[i], cell[i]);
        if (i >= 3 && !(cell[i] > 0 && cell[i] < 180))
            return fu_fail(err, FU_EINPUT, "%s:%d: %s = %g degrees: not a cell angle", path,
                           it->line, cell_names[i], cell[i]);
    }
    double ca = cosd(cell[3]), cb = cosd(cell[4]), cg = cosd(cell[5]), sg = sqrt(1 - cg * cg);
    double v2 = 1 - ca * ca - cb * cb - cg * cg + 2 * ca * cb * cg;
    if (!(v2 > 1e-6))
        return fu_fail(err, FU_EINPUT, "%s: data block '%s': cell angles %g, %g, %g degrees "
                       "span no volume", path, st->block, cell[3], cell[4], cell[5]);
    double lat[3][3] = {{cell[0], 0, 0},
                        {cell[1] * cg, cell[1] * sg, 0},
                        {cell[2] * cb, cell[2] * (ca - cb * cg) / sg, cell[2] * sqrt(v2) / sg}};

    /* symmetry operations */
    const item *ops[1];
    const char *opname = "_symmetry_equiv_pos_as_xyz";
    int nop = find_all(st, opname, ops, 0);
    if (!nop) {
        opname = "_space_group_symop_operation_xyz";
        nop = find_all(st, opname, ops, 0);
    }
    if (nop > 192)
        return fu_fail(err, FU_EINPUT, "%s: %d symmetry operations; a space group has at most 192",
                       path, nop);
    const item *opit[192];
    int (*rot)[3][3] = NULL;
    double (*tr)[3] = NULL;
    if (nop) {
        find_all(st, opname, opit, nop);
    } else {
        static const char *const sgnames[] = {"_symmetry_space_group_name_h-m",
                                              "_space_group_name_h-m_alt", NULL};
        for (int k = 0; sgnames[k]; k++) {
            const item *it = find1(st, sgnames[k]);
            char compact[TEXT_LEN];
            size_t m = 0;
            if (it)
                for (const char *c = it->text; *c && m + 1 < sizeof compact; c++)
                    if (*c != ' ') compact[m++] = *c;
            if (it) compact[m] = 0;
            if (it && it->kind == CIF_CHAR_KIND && strcmp(compact, "P1"))
                return fu_fail(err, FU_EINPUT,
                               "%s:%d: space group '%s' without its symmetry operations "
                               "(_symmetry_equiv_pos_as_xyz or _space_group_symop_operation_xyz); "
                               "furui does not derive them from the symbol",
                               path, it->line, it->text);
        }
    }
    int nops = nop ? nop : 1;
    rot = malloc(sizeof *rot * (size_t)nops);
    tr = malloc(sizeof *tr * (size_t)nops);
    atom *at = NULL;
    int rc = FU_OK;
    if (!rot || !tr) {
        rc = fu_fail(err, FU_ENOMEM, "%s: out of memory", path);
        goto out;
    }
    if (!nop) {
        memset(rot, 0, sizeof *rot);
        rot[0][0][0] = rot[0][1][1] = rot[0][2][2] = 1;
        memset(tr, 0, sizeof *tr);
    }
    for (int k = 0; k < nop; k++) {
        char why[160];
        if (opit[k]->kind != CIF_CHAR_KIND && opit[k]->kind != CIF_NUMB_KIND) {
            rc = fu_fail(err, FU_EINPUT, "%s:%d: %s: operation %d is missing ('?' or '.')", path,
                         opit[k]->line, opname, k + 1);
            goto out;
        }
        if (fu_cif_parse_symop(opit[k]->text, rot[k], tr[k], why, sizeof why)) {
            rc = fu_fail(err, FU_EINPUT, "%s:%d: symmetry operation '%s': %s", path, opit[k]->line,
                         opit[k]->text, why);
            goto out;
        }
    }

    /* sites */
    const item *fx[1];
    int nsite = find_all(st, "_atom_site_fract_x", fx, 0);
    if (!nsite) {
        if (find1(st, "_atom_site_cartn_x")) {
            const item *c = find1(st, "_atom_site_cartn_x");
            rc = fu_fail(err, FU_EINPUT,
                         "%s:%d: sites given only as Cartesian coordinates "
                         "(_atom_site_Cartn_x); give _atom_site_fract_x/y/z",
                         path, c->line);
        } else {
            rc = missing(st, "_atom_site_fract_x (no atom sites)", err);
        }
        goto out;
    }
    if (nsite > FU_CIF_MAX_ATOMS) {
        rc = fu_fail(err, FU_EINPUT, "%s: %d atom sites; at most %d", path, nsite,
                     FU_CIF_MAX_ATOMS);
        goto out;
    }
    const item **col[7];
    static const char *const colname[7] = {"_atom_site_fract_x", "_atom_site_fract_y",
                                           "_atom_site_fract_z", "_atom_site_type_symbol",
                                           "_atom_site_label",   "_atom_site_occupancy",
                                           "_atom_site_fract_x"};
    int have[6];
    for (int c = 0; c < 6; c++) {
        col[c] = malloc(sizeof(item *) * (size_t)nsite);
        if (!col[c]) {
            for (int d = 0; d < c; d++) free(col[d]);
            rc = fu_fail(err, FU_ENOMEM, "%s: out of memory", path);
            goto out;
        }
        have[c] = find_all(st, colname[c], col[c], nsite);
    }
    for (int c = 0; c < 6 && !rc; c++) {
        if (c < 3 && have[c] != nsite)
            rc = have[c] ? fu_fail(err, FU_EINPUT, "%s: %d values of %s for %d sites", path,
                                   have[c], colname[c], nsite)
                         : missing(st, colname[c], err);
        else if (c >= 3 && have[c] && have[c] != nsite)
            rc = fu_fail(err, FU_EINPUT, "%s: %d values of %s for %d sites", path, have[c],
                         colname[c], nsite);
    }
    if (!rc && !have[3] && !have[4]) rc = missing(st, "_atom_site_type_symbol or _atom_site_label", err);

    double merge = FU_CIF_MERGE_ANGSTROM;
    long cap = (long)nsite * nops;
    if (!rc && cap > FU_CIF_MAX_ATOMS * 4L) cap = FU_CIF_MAX_ATOMS * 4L;
    int nat = 0;
    if (!rc && !(at = malloc(sizeof *at * (size_t)cap)))
        rc = fu_fail(err, FU_ENOMEM, "%s: out of memory", path);
    for (int i = 0; i < nsite && !rc; i++) {
        double x[3];
        for (int c = 0; c < 3 && !rc; c++)
            if (!number(col[c][i], &x[c]) || fabs(x[c]) > FU_MAX_FRACTIONAL)
                rc = fu_fail(err, FU_EINPUT, "%s:%d: %s of site %d: '%s' is not a coordinate",
                             path, col[c][i]->line, colname[c], i + 1, col[c][i]->text);
        if (rc) break;
        const item *el = have[3] && col[3][i]->kind == CIF_CHAR_KIND ? col[3][i]
                         : have[4]                                   ? col[4][i]
                                                                     : col[3][i];
        int z = element_of(el->text);
        if (z <= 0) {
            rc = fu_fail(err, FU_EINPUT, "%s:%d: site %d: no element in '%s'", path, el->line,
                         i + 1, el->text);
            break;
        }
        if (have[5] && (col[5][i]->kind == CIF_NUMB_KIND || col[5][i]->kind == CIF_CHAR_KIND)) {
            double occ;
            if (!number(col[5][i], &occ)) {
                rc = fu_fail(err, FU_EINPUT, "%s:%d: occupancy '%s' is not a number", path,
                             col[5][i]->line, col[5][i]->text);
                break;
            }
            if (fabs(occ - 1) > 1e-3) {
                rc = fu_fail(err, FU_EINPUT,
                             "%s:%d: site %d (%s) has occupancy %g: partial occupancy "
                             "(disorder) is not supported; give an ordered structure",
                             path, col[5][i]->line, i + 1, el->text, occ);
                break;
            }
        }
        for (int k = 0; k < nops && !rc; k++) {
            double y[3];
            for (int r = 0; r < 3; r++) {
                y[r] = rot[k][r][0] * x[0] + rot[k][r][1] * x[1] + rot[k][r][2] * x[2] + tr[k][r];
                y[r] -= floor(y[r]);
            }
            int found = -1;
            for (int a = 0; a < nat && found < 0; a++) {
                double d[3], c2 = 0;
                for (int r = 0; r < 3; r++) {
                    d[r] = y[r] - at[a].x[r];
                    d[r] -= floor(d[r] + 0.5);
                }
                for (int j = 0; j < 3; j++) {
                    double v = d[0] * lat[0][j] + d[1] * lat[1][j] + d[2] * lat[2][j];
                    c2 += v * v;
                }
                if (c2 < merge * merge) {
                    if (at[a].z != z)
                        rc = fu_fail(err, FU_EINPUT,
                                     "%s:%d: site %d (%s) and an image of another element "
                                     "fall on one spot (mixed occupancy is not supported)",
                                     path, el->line, i + 1, fu_element_symbol(z));
                    for (int r = 0; r < 3; r++) at[a].sum[r] += d[r];
                    at[a].nimg++;
                    found = a;
                }
            }
            if (found < 0 && !rc) {
                if (nat == cap) {
                    rc = fu_fail(err, FU_EINPUT, "%s: more than %ld atoms after symmetry expansion",
                                 path, cap);
                    break;
                }
                at[nat].z = z;
                memcpy(at[nat].x, y, sizeof y);
                memset(at[nat].sum, 0, sizeof at[nat].sum);
                at[nat].nimg = 1;
                nat++;
            }
        }
    }
    for (int c = 0; c < 6; c++) free(col[c]);
    if (rc) goto out;
    if (nat > FU_CIF_MAX_ATOMS) {
        rc = fu_fail(err, FU_EINPUT, "%s: %d atoms after symmetry expansion; at most %d", path, nat,
                     FU_CIF_MAX_ATOMS);
        goto out;
    }

    /* species in order of first appearance */
    fu_structure t;
    if ((rc = fu_structure_alloc(&t, nat, err))) goto out;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) t.lattice[i][j] = lat[i][j] / FU_BOHR_ANGSTROM;
    for (int a = 0; a < nat; a++) {
        int sp = 0;
        while (sp < t.nspecies && t.znucl[sp] != at[a].z) sp++;
        if (sp == t.nspecies) {
            if (sp == FU_MAX_SPECIES) {
                fu_structure_free(&t);
                rc = fu_fail(err, FU_EINPUT, "%s: more than %d elements", path, FU_MAX_SPECIES);
                goto out;
            }
            t.znucl[sp] = at[a].z;
            snprintf(t.symbol[sp], FU_SYMBOL_LEN, "%s", fu_element_symbol(at[a].z));
            t.nspecies++;
        }
        t.typat[a] = sp;
        for (int r = 0; r < 3; r++) {
            double v = at[a].x[r] + at[a].sum[r] / at[a].nimg;
            v -= floor(v);
            if (v >= 1.0) v = 0.0;
            t.xred[a][r] = v;
        }
    }
    *s = t;
out:
    free(rot);
    free(tr);
    free(at);
    return rc;
}

int fu_cif_read(const char *path, fu_structure *s, fu_err *err) {
    struct stat stt;
    FILE *f = fu_fopen_regular(path, &stt, err);
    if (!f) return FU_EIO;
    if (stt.st_size > FU_CIF_MAX_BYTES) {
        fclose(f);
        return fu_fail(err, FU_EINPUT, "%s: %lld bytes; a CIF is read up to %d", path,
                       (long long)stt.st_size, FU_CIF_MAX_BYTES);
    }
    pstate st;
    memset(&st, 0, sizeof st);
    st.path = path;
    st.line = 1;
    snprintf(st.block, sizeof st.block, "?");
    cif_handler_tp handler;
    memset(&handler, 0, sizeof handler);
    handler.handle_block_start = on_block;
    handler.handle_frame_start = on_frame;
    handler.handle_item = on_item;
    struct cif_parse_opts_s *opts = NULL;
    if (cif_parse_options_create(&opts) != CIF_OK || !opts) {
        fclose(f);
        return fu_fail(err, FU_ENOMEM, "%s: CIF parser options: out of memory", path);
    }
    opts->prefer_cif2 = -1; /* CIF 1.1 always: no nested lists or tables */
    opts->default_encoding_name = "UTF-8";
    opts->handler = &handler;
    opts->whitespace_callback = on_space;
    opts->error_callback = on_error;
    opts->dataname_callback = on_name;
    opts->user_data = &st;
    cif_tp *cif = NULL;
    int prc = cif_parse(f, opts, &cif);
    free(opts);
    if (cif) {
        if (!st.perr_code && prc == CIF_OK) add_scalars(&st, cif);
        if (cif_destroy(cif) != CIF_OK) prc = prc ? prc : CIF_ERROR;
    }
    /* the first block's name, for messages: the first line "data_NAME" */
    if (!st.perr_code && prc == CIF_OK && st.nblock) {
        char line[256];
        rewind(f);
        while (fgets(line, sizeof line, f))
            if (!strncasecmp(line, "data_", 5)) {
                line[strcspn(line, " \t\r\n")] = 0;
                snprintf(st.block, sizeof st.block, "%.*s", (int)sizeof st.block - 1, line + 5);
                break;
            }
    }
    fclose(f);
    int rc;
    if (st.nomem)
        rc = fu_fail(err, FU_ENOMEM, "%s: out of memory", path);
    else if (st.perr_code)
        rc = fu_fail(err, FU_EINPUT, "%s:%zu: CIF syntax error at column %zu (CIF API code %d)",
                     path, st.perr_line, st.perr_col, st.perr_code);
    else if (prc != CIF_OK)
        rc = fu_fail(err, FU_EINPUT, "%s: not readable as CIF (CIF API code %d)", path, prc);
    else
        rc = build(&st, s, err);
    free(st.it);
    return rc;
}
