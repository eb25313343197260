/* GTH/HGH pseudopotentials: CP2K and ABINIT (pspcod 2, 3, 10) readers and
 * analytic form factors. See psp.h for conventions. */
#include "dft/psp.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/hash.h"
#include "core/units.h"
#include "crystal/elements.h"
#include "dft/psp_radial.h"
#include "dft/psp_table.h"

/* q range tabulated when a radial file is read (bohr⁻¹): the density
 * sphere of a 110 Ha cutoff; fu_psp_prepare extends it. */
#define RADIAL_QMAX 30.0

/* Plausibility bounds. Published GTH/HGH sets stay far inside them (radii
 * < 2 bohr, |C|, |h| < 100 Ha); they exist to turn corrupted or hostile
 * numbers into an input error instead of overflow later on. */
#define RADIUS_MAX 10.0   /* bohr */
#define COEFF_MAX 1e6     /* Ha, for C_i and h_ij */
#define ZION_MAX 200.0
#define FILE_MAX (64L << 20) /* bytes; GTH_POTENTIALS is ~200 kB */
/* ABINIT counts a projector only if |h_ii| exceeds this (psp2in/psp3in). */
#define H_ZERO 1e-8

#define LINE_CAP 1024
#define MAX_TOK 32

#define N_ELEMENTS FU_MAX_Z

/* ---------------------------------------------------------------------------
 * Error messages: one line, printable, naming origin and line. */

/* Copies s into out (cap bytes) with control and non-ASCII bytes escaped as
 * \xNN, shortened with "..." beyond `maxlen` characters of input. */
static void sanitize(const char *s, char *out, size_t cap, size_t maxlen) {
    size_t o = 0, i = 0;
    if (!s) s = "";
    for (; s[i] && i < maxlen; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 32 && c < 127) {
            if (o + 2 > cap) break;
            out[o++] = (char)c;
        } else {
            if (o + 5 > cap) break;
            snprintf(out + o, 5, "\\x%02x", c);
            o += 4;
        }
    }
    if (s[i] && o + 4 <= cap) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

/* Formats, then flattens anything that could break the one-line rule. */
static int fail(fu_err *err, fu_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(fu_err *err, fu_status code, const char *fmt, ...) {
    char msg[FU_ERR_MSG_LEN], clean[FU_ERR_MSG_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t n = 0;
    for (const char *p = msg; *p && n + 1 < sizeof clean; p++)
        clean[n++] = ((unsigned char)*p < 32 || *p == 127) ? '?' : *p;
    clean[n] = '\0';
    return fu_fail(err, code, "%s", clean);
}

/* ---------------------------------------------------------------------------
 * Line reader: one line at a time, split into whitespace tokens. */

typedef struct {
    const char *p;     /* next unread byte of the text */
    const char *line;  /* first byte of the current line */
    const char *mark;  /* end of the last CP2K entry parsed */
    int lineno;        /* number of the line in buf */
    int cp2k;          /* '#' starts a comment; otherwise ',' also separates */
    char buf[LINE_CAP];
    char *tok[MAX_TOK];
    int ntok;
} reader;

static void reader_init(reader *r, const char *text, int cp2k) {
    memset(r, 0, sizeof *r);
    r->p = text;
    r->cp2k = cp2k;
}

/* Reads and tokenizes the next line (over-long lines are cut); 0 at the end. */
static int read_line(reader *r) {
    if (!*r->p) return 0;
    r->line = r->p;
    const char *nl = strchr(r->p, '\n');
    size_t n = nl ? (size_t)(nl - r->p) : strlen(r->p);
    size_t m = n < LINE_CAP - 1 ? n : LINE_CAP - 1;
    memcpy(r->buf, r->p, m);
    r->buf[m] = '\0';
    r->p += n + (nl ? 1 : 0);
    r->lineno++;
    if (r->cp2k) {
        char *hash = strchr(r->buf, '#');
        if (hash) *hash = '\0';
    }
    r->ntok = 0;
    char *s = r->buf;
    for (;;) {
        while (*s && (isspace((unsigned char)*s) || (!r->cp2k && *s == ','))) s++;
        if (!*s || r->ntok == MAX_TOK) break;
        r->tok[r->ntok++] = s;
        while (*s && !isspace((unsigned char)*s) && (r->cp2k || *s != ',')) s++;
        if (*s) *s++ = '\0';
    }
    return 1;
}

/* Next line holding at least one token; 0 at the end of the text. */
static int read_data_line(reader *r) {
    while (read_line(r))
        if (r->ntok > 0) return 1;
    return 0;
}

/* Next data line, or an "unexpected end of file" error naming what was due. */
static int need_line(reader *r, const char *origin, const char *key, const char *what,
                     fu_err *err) {
    if (read_data_line(r)) return FU_OK;
    return fail(err, FU_EINPUT, "%s:%d: %s: unexpected end of file, expected %s", origin,
                r->lineno + 1, key, what);
}

enum { ANY, POSITIVE, NONNEG };

/* Parses token `i` of the current line as a finite number (Fortran 'd'
 * exponents accepted; nan, inf and hex floats are not). */
static int get_num(const reader *r, const char *origin, int i, const char *key, int sign,
                   double bound, double *out, fu_err *err) {
    static const char *const expect[] = {"a number", "a positive number",
                                         "a non-negative number"};
    char shown[64];
    if (i >= r->ntok)
        return fail(err, FU_EINPUT, "%s:%d: %s: expected %s, got end of line", origin,
                    r->lineno, key, expect[sign]);
    const char *t = r->tok[i];
    char tmp[64];
    size_t n = strlen(t);
    int ok = n > 0 && n < sizeof tmp;
    for (size_t k = 0; ok && k < n; k++) {
        char c = t[k];
        if (c == 'd' || c == 'D') c = 'e';
        if (!(isdigit((unsigned char)c) || c == '+' || c == '-' || c == '.' || c == 'e' ||
              c == 'E'))
            ok = 0;
        tmp[k] = c;
    }
    double v = 0;
    if (ok) {
        tmp[n] = '\0';
        char *end = NULL;
        errno = 0;
        v = strtod(tmp, &end);
        if (end == tmp || *end) ok = 0;
        else if (!isfinite(v) || (errno == ERANGE && fabs(v) > 1)) {
            sanitize(t, shown, sizeof shown, 40);
            return fail(err, FU_EINPUT, "%s:%d: %s: '%s' is not a finite number", origin,
                        r->lineno, key, shown);
        }
    }
    if (!ok || (sign == POSITIVE && !(v > 0)) || (sign == NONNEG && v < 0)) {
        sanitize(t, shown, sizeof shown, 40);
        return fail(err, FU_EINPUT, "%s:%d: %s: expected %s, got '%s'", origin, r->lineno,
                    key, expect[sign], shown);
    }
    if (fabs(v) > bound)
        return fail(err, FU_EINPUT, "%s:%d: %s: %g is outside the plausible range [%g, %g]",
                    origin, r->lineno, key, v, sign == ANY ? -bound : 0.0, bound);
    *out = v;
    return FU_OK;
}

/* Parses token `i` as an integer in [lo, hi]. */
static int get_int(const reader *r, const char *origin, int i, const char *key, long lo,
                   long hi, int *out, fu_err *err) {
    char shown[64];
    if (i >= r->ntok)
        return fail(err, FU_EINPUT, "%s:%d: %s: expected an integer in %ld..%ld, got end of line",
                    origin, r->lineno, key, lo, hi);
    const char *t = r->tok[i];
    int ok = *t != '\0';
    for (const char *c = t; *c && ok; c++)
        if (!(isdigit((unsigned char)*c) || ((*c == '-' || *c == '+') && c == t))) ok = 0;
    long v = 0;
    if (ok) {
        char *end = NULL;
        errno = 0;
        v = strtol(t, &end, 10);
        if (end == t || *end || errno == ERANGE) ok = 0;
    }
    if (!ok || v < lo || v > hi) {
        sanitize(t, shown, sizeof shown, 40);
        return fail(err, FU_EINPUT, "%s:%d: %s: expected an integer in %ld..%ld, got '%s'",
                    origin, r->lineno, key, lo, hi, shown);
    }
    *out = (int)v;
    return FU_OK;
}

/* ---------------------------------------------------------------------------
 * Shared finishing steps. */

static const char *const channel_letter = "spdf";

/* Radius of channel l read from token i; it must be positive when the
 * channel has projectors (a radius without projectors is allowed: CP2K B
 * "0.34936716 0", ABINIT O p channel with h = 0). */
static int get_radius(const reader *r, const char *origin, int i, const char *key, int nproj,
                      double *out, fu_err *err) {
    int rc = get_num(r, origin, i, key, NONNEG, RADIUS_MAX, out, err);
    if (rc) return rc;
    if (nproj > 0 && !(*out > 0))
        return fail(err, FU_EINPUT,
                    "%s:%d: %s: expected a positive radius for a channel with %d projector(s), "
                    "got %g",
                    origin, r->lineno, key, nproj, *out);
    return FU_OK;
}

static void set_lmax(fu_psp *p) {
    p->lmax = -1;
    for (int l = 0; l < FU_PSP_MAXL; l++)
        if (p->rl[l] > 0) p->lmax = l;
}

static void symmetrize_h(fu_psp *p) {
    for (int l = 0; l < FU_PSP_MAXL; l++)
        for (int i = 0; i < FU_PSP_MAXPROJ; i++)
            for (int j = 0; j < i; j++) p->h[l][i][j] = p->h[l][j][i];
}

static void copy_str(char *dst, size_t cap, const char *src) {
    snprintf(dst, cap, "%s", src ? src : "");
}

static double proj_norm_compute(const fu_psp *psp, int l, int n);

/* `text`, `len`: what identifies the potential (the file, or its entry in a
 * multi-element file), hashed for the fingerprint. */
static int finish(fu_psp *p, const char *text, size_t len, const char *origin, fu_err *err) {
    symmetrize_h(p);
    if (!p->radial) set_lmax(p);
    copy_str(p->path, sizeof p->path, origin);
    if (!p->format[0]) copy_str(p->format, sizeof p->format, p->radial ? "psp8" : "gth");
    char hex[FU_SHA256_HEX_LEN];
    int rc = fu_sha256_hex(text, len, hex, err);
    if (rc) {
        fu_err_prefix(err, "%s", origin);
        return rc;
    }
    copy_str(p->sha256, sizeof p->sha256, hex);
    for (int l = 0; l < FU_PSP_MAXL; l++)
        for (int i = 0; i < FU_PSP_MAXPROJ; i++)
            p->proj_norm[l][i] = p->rl[l] > 0 ? proj_norm_compute(p, l, i) : 0.0;
    return FU_OK;
}

/* ---------------------------------------------------------------------------
 * CP2K GTH_POTENTIALS. */

/* A header line starts with a letter: "Si GTH-PADE-q4 GTH-LDA-q4 ...".
 * Data lines start with a number. */
static int is_header(const reader *r) {
    return r->ntok > 0 && isalpha((unsigned char)r->tok[0][0]);
}

int fu_psp_cp2k_list(const char *text, const char *element, fu_psp_cp2k_entry *out, int max) {
    if (!text) return 0;
    reader r;
    reader_init(&r, text, 1);
    int count = 0;
    while (read_data_line(&r)) {
        if (!is_header(&r) || r.ntok < 2) continue;
        if (element && *element && strcasecmp(r.tok[0], element) != 0) continue;
        if (out && count < max) {
            copy_str(out[count].element, sizeof out[count].element, r.tok[0]);
            copy_str(out[count].name, sizeof out[count].name, r.tok[1]);
            out[count].line = r.lineno;
        }
        count++;
    }
    return count;
}

/* Functional family from a CP2K name "GTH-<FAMILY>[-qN]". */
static void cp2k_functional(const char *name, char *out, size_t cap) {
    static const char *const map[][2] = {
        {"PADE", "LDA"},   {"LDA", "LDA"},         {"PBE", "PBE"},         {"PBESOL", "PBEsol"},
        {"BLYP", "BLYP"},  {"BP", "BP"},           {"OLYP", "OLYP"},       {"HCTH120", "HCTH120"},
        {"HCTH407", "HCTH407"}, {"HCTH93", "HCTH93"}, {"HCTH147", "HCTH147"}};
    copy_str(out, cap, "unknown");
    if (strncasecmp(name, "GTH-", 4) != 0) return;
    char fam[32];
    size_t n = strcspn(name + 4, "-");
    if (n == 0 || n >= sizeof fam) return;
    memcpy(fam, name + 4, n);
    fam[n] = '\0';
    for (size_t k = 0; k < sizeof map / sizeof map[0]; k++)
        if (strcasecmp(fam, map[k][0]) == 0) {
            copy_str(out, cap, map[k][1]);
            return;
        }
}

/* Parses the body of the entry whose header is the current line of r. */
/* Electrons per l of the neutral atom Z, shells filled in Madelung order
 * (n+l, then n). Bounds a CP2K channel's count, which may span several shells
 * (semicore: Fe -q16 has 3s2 4s2 in "4 6 6"), so a flat 2(2l+1) cap would
 * reject distributed entries. Irregular configurations move up to two
 * electrons from s into d or f (Cr 3d5, Pd 4d10, Gd 5d1): d and f get that
 * slack. */
static void atom_l_electrons(int z, int out[FU_PSP_MAXL]) {
    for (int l = 0; l < FU_PSP_MAXL; l++) out[l] = 0;
    int left = z;
    for (int nl = 1; left > 0 && nl <= 8; nl++)
        for (int n = (nl + 1) / 2; n <= nl && left > 0; n++) {
            int l = nl - n;
            if (l >= n || l >= FU_PSP_MAXL) continue;
            int c = left < 2 * (2 * l + 1) ? left : 2 * (2 * l + 1);
            out[l] += c;
            left -= c;
        }
    out[2] += 2;
    out[3] += 2;
}

/* N of a name "...-qN" (N followed by the end or a non-digit); 0 if none. */
static int name_q(const char *name) {
    for (const char *s = name; *s; s++) {
        if (s[0] != '-' || tolower((unsigned char)s[1]) != 'q' || !isdigit((unsigned char)s[2]))
            continue;
        char *end = NULL;
        long q = strtol(s + 2, &end, 10);
        if (q > 0 && q <= ZION_MAX) return (int)q;
    }
    return 0;
}

static int cp2k_body(reader *r, const char *origin, fu_psp *p, fu_err *err) {
    char key[48];
    int rc;
    int header_line = r->lineno;
    /* A "-qN" in the name or an alias promises N valence electrons. */
    char qname[64] = "";
    int q = 0;
    for (int k = 1; k < r->ntok && !q; k++)
        if ((q = name_q(r->tok[k]))) sanitize(r->tok[k], qname, sizeof qname, 40);

    /* n_elec(s) n_elec(p) ...: Z_ion is their sum. */
    if ((rc = need_line(r, origin, "n_elec", "the electron counts per l (n_elec line)", err)))
        return rc;
    if (r->ntok > FU_PSP_MAXL)
        return fail(err, FU_EINPUT, "%s:%d: n_elec: expected at most %d counts (s p d f), got %d",
                    origin, r->lineno, FU_PSP_MAXL, r->ntok);
    int zsum = 0, cap[FU_PSP_MAXL];
    atom_l_electrons(p->znucl, cap);
    for (int l = 0; l < r->ntok; l++) {
        int ne = 0;
        snprintf(key, sizeof key, "n_elec(%c)", channel_letter[l]);
        if ((rc = get_int(r, origin, l, key, 0, (long)ZION_MAX, &ne, err))) return rc;
        if (ne > cap[l])
            return fail(err, FU_EINPUT,
                        "%s:%d: %s: %d electrons, but the %s atom has only %d in its %c shells "
                        "(at most %d per shell)",
                        origin, r->lineno, key, ne, p->element, cap[l], channel_letter[l],
                        2 * (2 * l + 1));
        zsum += ne;
    }
    if (q && zsum != q)
        return fail(err, FU_EINPUT,
                    "%s:%d: n_elec: the occupations sum to %d electrons, but the name %s "
                    "promises %d",
                    origin, r->lineno, zsum, qname, q);
    if (zsum <= 0 || zsum > ZION_MAX)
        return fail(err, FU_EINPUT, "%s:%d: n_elec: valence charge %d is not in 1..%g", origin,
                    r->lineno, zsum, ZION_MAX);
    if (zsum > p->znucl)
        return fail(err, FU_EINPUT,
                    "%s:%d: n_elec: %d valence electrons exceed the atomic number %d of %s",
                    origin, r->lineno, zsum, p->znucl, p->element);
    p->zion = zsum;

    /* r_loc nexp C1 .. Cnexp */
    if ((rc = need_line(r, origin, "r_loc", "'r_loc nexp_ppl C1 ...'", err))) return rc;
    if ((rc = get_num(r, origin, 0, "r_loc", POSITIVE, RADIUS_MAX, &p->rloc, err))) return rc;
    int nexp = 0;
    if ((rc = get_int(r, origin, 1, "nexp_ppl", 0, 4, &nexp, err))) return rc;
    if (r->ntok != 2 + nexp)
        return fail(err, FU_EINPUT, "%s:%d: cexp_ppl: expected %d coefficient(s), got %d", origin,
                    r->lineno, nexp, r->ntok - 2);
    for (int k = 0; k < nexp; k++) {
        snprintf(key, sizeof key, "C%d", k + 1);
        if ((rc = get_num(r, origin, 2 + k, key, ANY, COEFF_MAX, &p->cloc[k], err))) return rc;
    }

    /* nprj = number of l channels */
    if ((rc = need_line(r, origin, "nprj", "the number of nonlocal channels (nprj)", err)))
        return rc;
    int nchan = 0;
    if ((rc = get_int(r, origin, 0, "nprj", 0, FU_PSP_MAXL, &nchan, err))) return rc;
    if (r->ntok != 1)
        return fail(err, FU_EINPUT, "%s:%d: nprj: expected one integer on the line, got %d tokens",
                    origin, r->lineno, r->ntok);

    for (int l = 0; l < nchan; l++) {
        snprintf(key, sizeof key, "r(l=%d)", l);
        if ((rc = need_line(r, origin, key, "a channel line 'r nprj_ppnl h11 ...'", err)))
            return rc;
        int np = 0;
        snprintf(key, sizeof key, "nprj_ppnl(l=%d)", l);
        if ((rc = get_int(r, origin, 1, key, 0, FU_PSP_MAXPROJ, &np, err))) return rc;
        snprintf(key, sizeof key, "r(l=%d)", l);
        if ((rc = get_radius(r, origin, 0, key, np, &p->rl[l], err))) return rc;
        p->nproj[l] = np;
        /* Upper triangle row by row: row i holds h(i,i..np). */
        for (int i = 0; i < np; i++) {
            if (i > 0) {
                snprintf(key, sizeof key, "hprj_ppnl(l=%d,row %d)", l, i + 1);
                if ((rc = need_line(r, origin, key, "a continuation row of h", err))) return rc;
            }
            int first = i == 0 ? 2 : 0;
            if (r->ntok != first + np - i)
                return fail(err, FU_EINPUT,
                            "%s:%d: hprj_ppnl(l=%d): row %d should hold %d value(s), got %d",
                            origin, r->lineno, l, i + 1, np - i, r->ntok - first);
            for (int j = i; j < np; j++) {
                snprintf(key, sizeof key, "h%d%d(l=%d)", i + 1, j + 1, l);
                if ((rc = get_num(r, origin, first + j - i, key, ANY, COEFF_MAX, &p->h[l][i][j],
                                  err)))
                    return rc;
            }
        }
    }

    /* The entry must end here: more numbers mean a wrong count above. */
    r->mark = r->p;
    if (read_data_line(r) && !is_header(r)) {
        char shown[64];
        sanitize(r->tok[0], shown, sizeof shown, 40);
        return fail(err, FU_EINPUT,
                    "%s:%d: nprj: unexpected data '%s' after the entry that starts on line %d "
                    "(channel or projector count too small?)",
                    origin, r->lineno, shown, header_line);
    }
    return FU_OK;
}

int fu_psp_parse_cp2k(const char *text, const char *origin, const char *element,
                      const char *name, fu_psp *psp, fu_err *err) {
    if (!origin) origin = "(cp2k text)";
    char shown[64], shown_name[80];
    sanitize(element, shown, sizeof shown, 40);
    sanitize(name, shown_name, sizeof shown_name, 60);
    if (!text || !psp) return fail(err, FU_EINPUT, "%s: no text or output given", origin);
    int z = fu_element_z(element);
    if (!z) return fail(err, FU_EINPUT, "%s: element: unknown element symbol '%s'", origin, shown);
    if (!name || !*name)
        return fail(err, FU_EINPUT, "%s: name: empty potential name for %s", origin, shown);

    reader r;
    reader_init(&r, text, 1);
    while (read_data_line(&r)) {
        if (!is_header(&r) || strcasecmp(r.tok[0], element) != 0) continue;
        int match = 0;
        for (int k = 1; k < r.ntok && !match; k++) match = strcasecmp(r.tok[k], name) == 0;
        if (!match) continue;

        fu_psp p;
        memset(&p, 0, sizeof p);
        copy_str(p.element, sizeof p.element, fu_element_symbol(z));
        p.znucl = z;
        copy_str(p.name, sizeof p.name, r.tok[1]);
        cp2k_functional(r.tok[1], p.functional, sizeof p.functional);
        const char *entry = r.line;
        int rc = cp2k_body(&r, origin, &p, err);
        if (rc) return rc;
        /* The entry alone identifies this potential: a GTH_POTENTIALS file
         * holds every element and valence, so its hash would tell none apart. */
        if ((rc = finish(&p, entry, (size_t)(r.mark - entry), origin, err))) return rc;
        *psp = p;
        return FU_OK;
    }

    /* Not found: say what exists, which is what the user needs to fix it. */
    int total = fu_psp_cp2k_list(text, NULL, NULL, 0);
    fu_psp_cp2k_entry list[64];
    int n = fu_psp_cp2k_list(text, element, list, 64);
    if (n == 0)
        return fail(err, FU_EINPUT, "%s: element: no entry for %s among the file's %d entries",
                    origin, fu_element_symbol(z), total);
    char names[600];
    size_t used = 0;
    names[0] = '\0';
    for (int k = 0; k < n && k < 64; k++) {
        char one[80];
        sanitize(list[k].name, one, sizeof one, 63);
        size_t len = strlen(one);
        if (used + len + 8 >= sizeof names) {
            memcpy(names + used, ", ...", 6);
            break;
        }
        if (k) {
            memcpy(names + used, ", ", 2);
            used += 2;
        }
        memcpy(names + used, one, len + 1);
        used += len;
    }
    return fail(err, FU_EINPUT,
                "%s: name: no entry '%s' for %s; entries for %s: %s (their aliases also work)",
                origin, shown_name, fu_element_symbol(z), fu_element_symbol(z), names);
}

/* ---------------------------------------------------------------------------
 * ABINIT pspcod 2, 3, 10. */

/* Functional family from ABINIT's pspxc (= ixc it was generated with).
 * Negative values are libxc codes -XXXCCC (exchange XXX, correlation CCC). */
static const char *abinit_functional(int ixc) {
    if (ixc >= 1 && ixc <= 9) return "LDA";
    switch (ixc) {
    case 11: return "PBE";
    case 14: return "revPBE";
    case 15: return "RPBE";
    case 16: return "HCTH93";
    case 17: return "HCTH120";
    case 18: return "BLYP";
    case 19: return "BP";
    case 26: return "HCTH147";
    case 27: return "HCTH407";
    default: break;
    }
    if (ixc < 0) {
        long n = -(long)ixc, x = n / 1000, c = n % 1000;
        if (x == 101 && c == 130) return "PBE";
        if (x == 116 && c == 133) return "PBEsol";
        if (x == 106 && c == 131) return "BLYP";
        /* libxc ids 1..31 are all LDA functionals (XC_LDA_X = 1 ... VWN_4 = 31). */
        int x_lda = x == 0 || (x >= 1 && x <= 31), c_lda = c == 0 || (c >= 1 && c <= 31);
        if ((x || c) && x_lda && c_lda) return "LDA";
    }
    return "unknown";
}

static const char *basename_of(const char *path) {
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Off-diagonal h of HGH98 tables from the diagonal (ABINIT psp3nl). With
 * S_ij the overlap of the normalized projectors i, j of channel l, these are
 * h_12 = -S_12 h_22 / 2, h_13 = S_13 h_33 / 2, h_23 = -(2l+5)/(2l+7) S_23 h_33;
 * the l = 2 third-projector pair is ABINIT's commented-out relation, which
 * fits the same pattern (no distributed file uses it). */
static void hgh_offdiagonal(fu_psp *p) {
    for (int l = 0; l < 3; l++) {
        double(*h)[FU_PSP_MAXPROJ] = p->h[l];
        /* S_12 = √((2l+3)/(2l+5)): √(3/5), √(5/7), √(7/9) */
        if (p->nproj[l] >= 2) h[0][1] = -0.5 * sqrt((2.0 * l + 3) / (2.0 * l + 5)) * h[1][1];
        if (p->nproj[l] >= 3) {
            if (l == 0) {
                h[0][2] = 0.5 * sqrt(5.0 / 21.0) * h[2][2];
                h[1][2] = -0.5 * sqrt(100.0 / 63.0) * h[2][2];
            } else if (l == 1) {
                h[0][2] = sqrt(35.0 / 11.0) / 6.0 * h[2][2];
                h[1][2] = -14.0 / (6.0 * sqrt(11.0)) * h[2][2];
            } else {
                h[0][2] = 0.5 * sqrt(63.0 / 143.0) * h[2][2];
                h[1][2] = -0.5 * 18.0 / sqrt(143.0) * h[2][2];
            }
        }
    }
}

/* Highest i with |h_ii| > H_ZERO, as ABINIT counts projectors. */
static int count_diag(const fu_psp *p, int l, int n) {
    int np = 0;
    for (int i = 0; i < n; i++)
        if (fabs(p->h[l][i][i]) > H_ZERO) np = i + 1;
    return np;
}

static int abinit_local4(reader *r, const char *origin, fu_psp *p, fu_err *err) {
    static const char *const keys[] = {"c1", "c2", "c3", "c4"};
    int rc;
    if ((rc = need_line(r, origin, "rloc", "'rloc c1 c2 c3 c4'", err))) return rc;
    if ((rc = get_num(r, origin, 0, "rloc", POSITIVE, RADIUS_MAX, &p->rloc, err))) return rc;
    for (int k = 0; k < 4; k++)
        if ((rc = get_num(r, origin, 1 + k, keys[k], ANY, COEFF_MAX, &p->cloc[k], err))) return rc;
    return FU_OK;
}

/* pspcod 2 ([GTH96]): two s and one p projector, diagonal h. */
static int abinit_gth96(reader *r, const char *origin, int lmax, fu_psp *p, fu_err *err) {
    int rc;
    if ((rc = abinit_local4(r, origin, p, err))) return rc;
    if ((rc = need_line(r, origin, "rs", "'rs h1s h2s'", err))) return rc;
    double rs = 0;
    if ((rc = get_num(r, origin, 1, "h1s", ANY, COEFF_MAX, &p->h[0][0][0], err)) ||
        (rc = get_num(r, origin, 2, "h2s", ANY, COEFF_MAX, &p->h[0][1][1], err)))
        return rc;
    p->nproj[0] = count_diag(p, 0, 2);
    if ((rc = get_radius(r, origin, 0, "rs", p->nproj[0], &rs, err))) return rc;
    p->rl[0] = rs;
    if ((rc = need_line(r, origin, "rp", "'rp h1p'", err))) return rc;
    if ((rc = get_num(r, origin, 1, "h1p", ANY, COEFF_MAX, &p->h[1][0][0], err))) return rc;
    p->nproj[1] = count_diag(p, 1, 1);
    if ((rc = get_radius(r, origin, 0, "rp", p->nproj[1], &p->rl[1], err))) return rc;
    if (p->nproj[1] > 0 && lmax < 1)
        return fail(err, FU_EINPUT, "%s:%d: h1p: nonzero p projector but lmax = %d on line 3",
                    origin, r->lineno, lmax);
    return FU_OK;
}

/* pspcod 3 ([HGH98] tables): diagonal h per channel, k rows for l > 0. */
static int abinit_hgh98(reader *r, const char *origin, int lmax, fu_psp *p, fu_err *err) {
    int rc;
    char key[32], what[64];
    if (lmax < -1 || lmax > 3)
        return fail(err, FU_EINPUT, "%s:3: lmax: expected -1..3 for pspcod 3, got %d", origin,
                    lmax);
    if ((rc = abinit_local4(r, origin, p, err))) return rc;
    /* The s line is always present, even for local potentials (ABINIT psp3in). */
    int lread = lmax < 0 ? 0 : lmax;
    for (int l = 0; l <= lread; l++) {
        char c = channel_letter[l];
        int nh = l == 3 ? 1 : 3; /* ABINIT reads only h11 for f */
        snprintf(key, sizeof key, "r%c", c);
        snprintf(what, sizeof what, "'r%c h11%c ...' (lmax = %d)", c, c, lmax);
        if ((rc = need_line(r, origin, key, what, err))) return rc;
        for (int i = 0; i < nh; i++) {
            char hk[32];
            snprintf(hk, sizeof hk, "h%d%d%c", i + 1, i + 1, c);
            if ((rc = get_num(r, origin, 1 + i, hk, ANY, COEFF_MAX, &p->h[l][i][i], err)))
                return rc;
        }
        p->nproj[l] = count_diag(p, l, nh);
        if ((rc = get_radius(r, origin, 0, key, p->nproj[l], &p->rl[l], err))) return rc;
        if (l == 0) continue;
        /* Spin-orbit k_ii: read for the file's structure, unused without SOC. */
        snprintf(key, sizeof key, "k11%c", c);
        snprintf(what, sizeof what, "the spin-orbit row 'k11%c ...'", c);
        if ((rc = need_line(r, origin, key, what, err))) return rc;
        for (int i = 0; i < nh; i++) {
            double k = 0;
            char kk[32];
            snprintf(kk, sizeof kk, "k%d%d%c", i + 1, i + 1, c);
            if ((rc = get_num(r, origin, i, kk, ANY, COEFF_MAX, &k, err))) return rc;
        }
    }
    hgh_offdiagonal(p);
    return FU_OK;
}

/* pspcod 10: full upper triangle of h, and of k for l > 0. */
static int abinit_full(reader *r, const char *origin, fu_psp *p, fu_err *err) {
    int rc;
    char key[32];
    if ((rc = need_line(r, origin, "rloc", "'rloc nloc c1 ...'", err))) return rc;
    if ((rc = get_num(r, origin, 0, "rloc", POSITIVE, RADIUS_MAX, &p->rloc, err))) return rc;
    int nloc = 0;
    if ((rc = get_int(r, origin, 1, "nloc", 0, 4, &nloc, err))) return rc;
    for (int k = 0; k < nloc; k++) {
        snprintf(key, sizeof key, "c%d", k + 1);
        if ((rc = get_num(r, origin, 2 + k, key, ANY, COEFF_MAX, &p->cloc[k], err))) return rc;
    }
    if ((rc = need_line(r, origin, "nnonloc", "the number of nonlocal channels", err))) return rc;
    int nchan = 0;
    if ((rc = get_int(r, origin, 0, "nnonloc", 0, FU_PSP_MAXL, &nchan, err))) return rc;
    for (int l = 0; l < nchan; l++) {
        char c = channel_letter[l];
        snprintf(key, sizeof key, "r%c", c);
        if ((rc = need_line(r, origin, key, "a channel line 'r nprl h11 ...'", err))) return rc;
        int np = 0;
        snprintf(key, sizeof key, "nprl(%c)", c);
        if ((rc = get_int(r, origin, 1, key, 0, FU_PSP_MAXPROJ, &np, err))) return rc;
        snprintf(key, sizeof key, "r%c", c);
        if ((rc = get_radius(r, origin, 0, key, np, &p->rl[l], err))) return rc;
        p->nproj[l] = np;
        for (int i = 0; i < np; i++) {
            if (i > 0) {
                snprintf(key, sizeof key, "h%d%d%c", i + 1, i + 1, c);
                if ((rc = need_line(r, origin, key, "a continuation row of h", err))) return rc;
            }
            int first = i == 0 ? 2 : 0;
            for (int j = i; j < np; j++) {
                snprintf(key, sizeof key, "h%d%d%c", i + 1, j + 1, c);
                if ((rc = get_num(r, origin, first + j - i, key, ANY, COEFF_MAX, &p->h[l][i][j],
                                  err)))
                    return rc;
            }
        }
        if (l == 0) continue;
        for (int i = 0; i < np; i++) { /* spin-orbit k rows, unused */
            snprintf(key, sizeof key, "k%d%d%c", i + 1, i + 1, c);
            if ((rc = need_line(r, origin, key, "a spin-orbit row of k", err))) return rc;
            for (int j = i; j < np; j++) {
                double k = 0;
                snprintf(key, sizeof key, "k%d%d%c", i + 1, j + 1, c);
                if ((rc = get_num(r, origin, j - i, key, ANY, COEFF_MAX, &k, err))) return rc;
            }
        }
    }
    return FU_OK;
}

/* ---------------------------------------------------------------------------
 * ABINIT pspcod 8: ONCVPSP on a linear grid from r = 0 (format in ABINIT's
 * m_psp8.F90 psp8in): after the header, per channel l <= lmax either
 * "l ekb_1 .. ekb_n" and mmax rows "i r u_1 .. u_n" (u = r β) or, for l =
 * lloc, "l" and mmax rows "i r V_loc"; lloc > lmax puts V_loc after them;
 * then, with fchrg > 0, mmax rows "i r 4πρ_c" and four derivatives; with
 * extension_switch 1, mmax rows "i r 4πρ_val". */

#define MMAX_MAX 100000 /* points; ONCVPSP writes ~600-2000 */

/* Reads mmax rows "i r v_1 .. v_ncol" into col[k] (NULL: skipped). The
 * first block sets the grid r[mmax]; every later one must repeat it. */
static int psp8_rows(reader *rd, const char *origin, const char *key, int mmax, int ncol,
                     int first, double *r, double **col, fu_err *err) {
    char what[96];
    for (int i = 0; i < mmax; i++) {
        snprintf(what, sizeof what, "row %d of %d of the %s block", i + 1, mmax, key);
        int rc = need_line(rd, origin, key, what, err);
        if (rc) return rc;
        int idx = 0;
        if ((rc = get_int(rd, origin, 0, key, 1, MMAX_MAX, &idx, err))) return rc;
        if (idx != i + 1)
            return fail(err, FU_EINPUT, "%s:%d: %s: expected row index %d, got %d", origin,
                        rd->lineno, key, i + 1, idx);
        double x;
        if ((rc = get_num(rd, origin, 1, "r", NONNEG, 1e6, &x, err))) return rc;
        if (first && i > 0 && !(x > r[i - 1]))
            return fail(err, FU_EINPUT, "%s:%d: r: radial grid not increasing (%.10g after %.10g)",
                        origin, rd->lineno, x, r[i - 1]);
        if (!first && fabs(x - r[i]) > 1e-9 * fmax(1.0, x))
            return fail(err, FU_EINPUT, "%s:%d: r: %.10g differs from the first block's grid "
                        "(%.10g)", origin, rd->lineno, x, r[i]);
        if (first) r[i] = x;
        for (int k = 0; k < ncol; k++) {
            double v = 0;
            if ((rc = get_num(rd, origin, 2 + k, key, ANY, 1e8, &v, err))) return rc;
            if (col[k]) col[k][i] = v;
        }
    }
    return FU_OK;
}

static int abinit_psp8(reader *rd, const char *origin, int lmax, fu_psp *p, fu_err *err) {
    int rc, lloc = 0, mmax = 0;
    if ((rc = get_int(rd, origin, 3, "lloc", 0, 4, &lloc, err))) return rc;
    if ((rc = get_int(rd, origin, 4, "mmax", 8, MMAX_MAX, &mmax, err))) return rc;
    if (lmax < 0) return fail(err, FU_EINPUT, "%s:%d: lmax: must be >= 0", origin, rd->lineno);
    double rchrg = 0, fchrg = 0;
    if ((rc = need_line(rd, origin, "rchrg", "'rchrg fchrg qchrg'", err))) return rc;
    if ((rc = get_num(rd, origin, 0, "rchrg", NONNEG, 1e4, &rchrg, err))) return rc;
    if ((rc = get_num(rd, origin, 1, "fchrg", NONNEG, 1e6, &fchrg, err))) return rc;
    if ((rc = need_line(rd, origin, "nproj", "the projector counts per l", err))) return rc;
    int nproj[FU_PSP_MAXL] = {0};
    for (int l = 0; l <= lmax; l++) {
        char key[32];
        snprintf(key, sizeof key, "nproj(l=%d)", l);
        if ((rc = get_int(rd, origin, l, key, 0, 99, &nproj[l], err))) return rc;
    }
    int nproj_line = rd->lineno;
    if (lloc <= lmax && nproj[lloc] != 0)
        return fail(err, FU_EINPUT, "%s:%d: nproj: channel l=%d is the local one (lloc) and "
                    "cannot have projectors", origin, rd->lineno, lloc);
    if ((rc = need_line(rd, origin, "extension_switch", "the extension_switch line", err)))
        return rc;
    int ext = 0;
    if ((rc = get_int(rd, origin, 0, "extension_switch", -1000000, 1000000, &ext, err))) return rc;
    if (ext == 2 || ext == 3)
        return fail(err, FU_EINPUT, "%s:%d: extension_switch: a fully relativistic (spin-orbit) "
                    "file; furui reads scalar-relativistic ones (PseudoDojo nc-sr)", origin,
                    rd->lineno);
    if (ext != 0 && ext != 1)
        return fail(err, FU_EINPUT, "%s:%d: extension_switch: expected 0 or 1, got %d", origin,
                    rd->lineno, ext);
    for (int l = 0; l <= lmax; l++)
        if (nproj[l] > FU_PSP_MAXPROJ)
            return fail(err, FU_EINPUT, "%s:%d: nproj(l=%d): %d projectors, furui takes at most %d "
                        "per channel", origin, nproj_line, l, nproj[l], FU_PSP_MAXPROJ);

    fu_psp_radial *rad = fu_psp_radial_new(mmax);
    if (!rad) return fail(err, FU_ENOMEM, "%s: out of memory for %d grid points", origin, mmax);
    rad->zion = p->zion;
    int have_vloc = 0, nblocks = 0;
    for (int l = 0; l <= lmax + 1 && !rc; l++) {
        int local = l == lloc || (l == lmax + 1 && lloc > lmax);
        if (l == lmax + 1 && !local) break;
        if (l <= lmax && nproj[l] == 0 && !local) continue;
        char key[48];
        snprintf(key, sizeof key, local ? "local potential (l=%d)" : "projectors (l=%d)",
                 local ? lloc : l);
        if ((rc = need_line(rd, origin, key, "the channel line 'l ekb ...'", err))) break;
        int lin = -1;
        if ((rc = get_int(rd, origin, 0, key, 0, 4, &lin, err))) break;
        if (lin != (local ? lloc : l)) {
            rc = fail(err, FU_EINPUT, "%s:%d: %s: expected channel %d, got %d", origin, rd->lineno,
                      key, local ? lloc : l, lin);
            break;
        }
        double *col[FU_PSP_MAXPROJ] = {0};
        int ncol = local ? 1 : nproj[l];
        if (local) {
            col[0] = rad->vloc;
            have_vloc = 1;
        } else {
            for (int i = 0; i < ncol && !rc; i++) {
                char ekey[32];
                snprintf(ekey, sizeof ekey, "ekb(l=%d,%d)", l, i + 1);
                rc = get_num(rd, origin, 1 + i, ekey, ANY, COEFF_MAX, &p->h[l][i][i], err);
                int b = rad->nbeta;
                col[i] = rad->beta[b] = fu_psp_radial_array(rad);
                if (!col[i] && !rc) rc = fail(err, FU_ENOMEM, "%s: out of memory", origin);
                rad->beta_l[b] = l;
                rad->beta_of[l][i] = b;
                rad->nbeta++;
            }
            p->nproj[l] = nproj[l];
        }
        if (!rc) rc = psp8_rows(rd, origin, key, mmax, ncol, !nblocks, rad->r, col, err);
        nblocks++;
    }
    if (!rc && !have_vloc)
        rc = fail(err, FU_EINPUT, "%s: lloc: no local potential block (lloc = %d)", origin, lloc);
    if (!rc && fchrg > 0) {
        double *col[5] = {rad->rhoc = fu_psp_radial_array(rad)};
        if (!rad->rhoc) rc = fail(err, FU_ENOMEM, "%s: out of memory", origin);
        else rc = psp8_rows(rd, origin, "model core charge", mmax, 5, 0, rad->r, col, err);
        p->has_core = 1;
    }
    if (!rc && ext == 1) {
        double *col[1] = {rad->rhov = fu_psp_radial_array(rad)};
        if (!rad->rhov) rc = fail(err, FU_ENOMEM, "%s: out of memory", origin);
        else rc = psp8_rows(rd, origin, "valence density", mmax, 1, 0, rad->r, col, err);
        p->has_valence = 1;
    }
    /* the file holds 4πρ */
    for (int i = 0; i < mmax && !rc; i++) {
        if (rad->rhoc) rad->rhoc[i] /= 4 * FU_PI;
        if (rad->rhov) rad->rhov[i] /= 4 * FU_PI;
    }
    if (!rc) rc = fu_psp_radial_finish(rad, NULL, RADIAL_QMAX, origin, err);
    if (rc) {
        fu_psp_radial_free(rad);
        return rc;
    }
    p->radial = rad;
    p->lmax = -1;
    for (int l = 0; l <= lmax; l++)
        if (p->nproj[l] > 0) p->lmax = l;
    return FU_OK;
}

int fu_psp_parse_abinit(const char *text, const char *origin, fu_psp *psp, fu_err *err) {
    if (!origin) origin = "(abinit text)";
    if (!text || !psp) return fail(err, FU_EINPUT, "%s: no text or output given", origin);
    reader r;
    reader_init(&r, text, 0);
    fu_psp p;
    memset(&p, 0, sizeof p);
    int rc;

    if (!read_line(&r))
        return fail(err, FU_EINPUT, "%s:1: title: empty file, expected an ABINIT pseudopotential",
                    origin);
    if ((rc = need_line(&r, origin, "zatom", "'zatom zion pspdat'", err))) return rc;
    double zatom = 0;
    if ((rc = get_num(&r, origin, 0, "zatom", POSITIVE, N_ELEMENTS, &zatom, err))) return rc;
    if (zatom != floor(zatom))
        return fail(err, FU_EINPUT, "%s:%d: zatom: expected an atomic number, got %g", origin,
                    r.lineno, zatom);
    p.znucl = (int)zatom;
    copy_str(p.element, sizeof p.element, fu_element_symbol(p.znucl));
    if ((rc = get_num(&r, origin, 1, "zion", POSITIVE, ZION_MAX, &p.zion, err))) return rc;
    if (p.zion > zatom)
        return fail(err, FU_EINPUT, "%s:%d: zion: valence charge %g exceeds zatom %g", origin,
                    r.lineno, p.zion, zatom);

    if ((rc = need_line(&r, origin, "pspcod", "'pspcod pspxc lmax lloc mmax r2well'", err)))
        return rc;
    int pspcod = 0, pspxc = 0, lmax = 0;
    if ((rc = get_int(&r, origin, 0, "pspcod", -1000000, 1000000, &pspcod, err))) return rc;
    if (pspcod != 2 && pspcod != 3 && pspcod != 10 && pspcod != 8)
        return fail(err, FU_EINPUT,
                    "%s:%d: pspcod: unsupported pspcod %d (furui reads GTH/HGH pspcod 2, 3, 10 "
                    "and ONCVPSP pspcod 8%s)",
                    origin, r.lineno, pspcod,
                    pspcod == 7 || pspcod == 17 ? "; PAW is not supported" : "");
    if ((rc = get_int(&r, origin, 1, "pspxc", -999999999, 999999999, &pspxc, err))) return rc;
    if ((rc = get_int(&r, origin, 2, "lmax", -1, 3, &lmax, err))) return rc;

    if (pspcod == 2) rc = abinit_gth96(&r, origin, lmax, &p, err);
    else if (pspcod == 3) rc = abinit_hgh98(&r, origin, lmax, &p, err);
    else if (pspcod == 8) rc = abinit_psp8(&r, origin, lmax, &p, err);
    else rc = abinit_full(&r, origin, &p, err);
    if (rc) return rc;
    /* Anything after this (BigDFT "rcutoff, rloc" radii, zero rows for
     * channels beyond lmax) is ignored, as ABINIT does. */

    copy_str(p.functional, sizeof p.functional, abinit_functional(pspxc));
    copy_str(p.name, sizeof p.name, basename_of(origin));
    if ((rc = finish(&p, text, strlen(text), origin, err))) {
        fu_psp_release(&p);
        return rc;
    }
    *psp = p;
    return FU_OK;
}

/* ---------------------------------------------------------------------------
 * Loading from a spec. */

/* Reads a whole regular text file (no NUL bytes) into a new buffer. */
static int read_text(const char *path, char **out, fu_err *err) {
    struct stat st;
    if (stat(path, &st) != 0)
        return fail(err, FU_EIO, "%s: cannot open: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return fail(err, FU_EIO, "%s: is a directory, expected a pseudopotential file", path);
    if (!S_ISREG(st.st_mode))
        return fail(err, FU_EIO, "%s: not a regular file", path);
    if (st.st_size > FILE_MAX)
        return fail(err, FU_EINPUT, "%s: %lld bytes, larger than any pseudopotential file (%ld)",
                    path, (long long)st.st_size, FILE_MAX);
    FILE *f = fopen(path, "rb");
    if (!f) return fail(err, FU_EIO, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = (size_t)st.st_size + 1;
    char *buf = malloc(cap);
    if (!buf) {
        fclose(f);
        return fail(err, FU_ENOMEM, "%s: out of memory reading %zu bytes", path, cap);
    }
    size_t n = fread(buf, 1, cap - 1, f);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return fail(err, FU_EIO, "%s: read error", path);
    }
    buf[n] = '\0';
    if (strlen(buf) != n) {
        size_t at = strlen(buf);
        int line = 1;
        for (size_t k = 0; k < at; k++) line += buf[k] == '\n';
        free(buf);
        return fail(err, FU_EINPUT, "%s:%d: contains a NUL byte (offset %zu): not a text file",
                    path, line, at);
    }
    *out = buf;
    return FU_OK;
}

static const char *env_or(const char *var, const char *fallback) {
    const char *v = getenv(var);
    return v && *v ? v : fallback;
}

/* Radial files read in this process, by content: a relaxation, an EOS scan,
 * a band path or a farm rank reads and transforms each file once. Entries
 * live until the process ends (bounded by the distinct files of a job). */
#define CACHE_MAX 128
static fu_psp cache[CACHE_MAX];
static int ncache;

static int is_upf(const char *text) {
    while (isspace((unsigned char)*text)) text++;
    if (strncmp(text, "<?xml", 5) == 0) {
        const char *q = strstr(text, "?>");
        if (q) text = q + 2;
        while (isspace((unsigned char)*text)) text++;
    }
    return strncmp(text, "<UPF", 4) == 0 || strncmp(text, "<PP_INFO", 8) == 0;
}

/* p := the cached potential of this text (path set to this one) if any. */
static int cache_find(const char *text, const char *path, fu_psp *p, fu_err *err) {
    char hex[FU_SHA256_HEX_LEN];
    int rc = fu_sha256_hex(text, strlen(text), hex, err);
    if (rc) return rc;
    for (int k = 0; k < ncache; k++)
        if (strcmp(cache[k].sha256, hex) == 0) {
            *p = cache[k];
            copy_str(p->path, sizeof p->path, path);
            copy_str(p->name, sizeof p->name, basename_of(path));
            return FU_OK;
        }
    return FU_OK;
}

static void cache_keep(const fu_psp *p) {
    if (p->radial && ncache < CACHE_MAX) cache[ncache++] = *p;
    /* beyond CACHE_MAX distinct files the data stay with their users */
}

/* If text has a CP2K entry header ("Si GTH-PADE-q4 ..." followed by integer
 * occupations), replaces err with a pointer to the cp2k:FILE:NAME spec and
 * returns 1. The ABINIT reader's own complaint (if any) is kept at the end. */
static int cp2k_hint(const char *text, const char *path, const char *element, int rc,
                     fu_err *err) {
    reader r;
    reader_init(&r, text, 1);
    char first[64] = "", mine[64] = "";
    int line = 0, count = 0;
    while (read_data_line(&r) && r.lineno < 100000) {
        if (!is_header(&r) || r.ntok < 2 || !fu_element_z(r.tok[0]) ||
            (!strstr(r.tok[1], "GTH") && !strstr(r.tok[1], "gth") && !name_q(r.tok[1])))
            continue;
        char name[64];
        sanitize(r.tok[1], name, sizeof name, 40);
        int hdr = r.lineno;
        const char *el = r.tok[0];
        int ez = fu_element_z(el);
        /* The next data line must be all non-negative integers (n_elec). */
        if (!read_data_line(&r) || r.ntok > FU_PSP_MAXL) continue;
        int ints = 1;
        for (int k = 0; k < r.ntok && ints; k++)
            for (const char *c = r.tok[k]; *c && ints; c++) ints = isdigit((unsigned char)*c);
        if (!ints) continue;
        if (!count++) {
            snprintf(first, sizeof first, "%s", name);
            line = hdr;
        }
        if (!*mine && !strcasecmp(fu_element_symbol(ez), element)) snprintf(mine, sizeof mine, "%s", name);
    }
    if (!count) return 0;
    char prev[FU_ERR_MSG_LEN / 2] = "";
    if (rc && err) snprintf(prev, sizeof prev, " (ABINIT reader: %.400s)", err->msg);
    fail(err, FU_EINPUT,
         "%s:%d: looks like a CP2K GTH_POTENTIALS file (%d entries), not an ABINIT one: "
         "write cp2k:%s:NAME, e.g. cp2k:%s:%s%s",
         path, line, count, path, path, *mine ? mine : first, prev);
    return 1;
}

int fu_psp_load(const char *spec, const char *element, fu_psp *psp, fu_err *err) {
    char path[sizeof psp->path + 64], shown[80];
    double hints[3] = {0, 0, 0}, table_zval = 0;
    const char *cp2k_name = NULL;
    if (!spec || !*spec) return fail(err, FU_EINPUT, "psp: empty pseudopotential spec");
    if (!psp) return fail(err, FU_EINPUT, "psp: no output given");
    sanitize(element, shown, sizeof shown, 40);
    int z = fu_element_z(element);
    if (!z) return fail(err, FU_EINPUT, "%s: element: unknown element symbol '%s'", spec, shown);

    int n;
    if (strncmp(spec, "cp2k:", 5) == 0) {
        const char *rest = spec + 5, *colon = strrchr(rest, ':');
        if (colon) { /* cp2k:FILE:NAME; names never contain ':' */
            n = snprintf(path, sizeof path, "%.*s", (int)(colon - rest), rest);
            cp2k_name = colon + 1;
        } else {
            n = snprintf(path, sizeof path, "%s",
                         env_or("FURUI_CP2K_POTENTIALS", "/usr/share/cp2k/GTH_POTENTIALS"));
            cp2k_name = rest;
        }
        if (!*cp2k_name || !*path)
            return fail(err, FU_EINPUT, "%s: spec: expected cp2k:NAME or cp2k:FILE:NAME", spec);
    } else if (strncmp(spec, "abinit:", 7) == 0) {
        const char *file = spec + 7;
        if (!*file) return fail(err, FU_EINPUT, "%s: spec: expected abinit:FILE", spec);
        if (file[0] == '/') n = snprintf(path, sizeof path, "%s", file);
        else
            n = snprintf(path, sizeof path, "%s/%s",
                         env_or("FURUI_ABINIT_PSP_DIR", "/usr/share/abinit/psp"), file);
    } else if (strncmp(spec, "table:", 6) == 0) {
        int rc = fu_psp_table_resolve(spec + 6, fu_element_symbol(z), path, sizeof path, hints,
                                      &table_zval, err);
        if (rc) return rc;
        n = (int)strlen(path);
    } else {
        n = snprintf(path, sizeof path, "%s", spec);
    }
    if (n < 0 || (size_t)n >= sizeof psp->path)
        return fail(err, FU_EINPUT, "%.200s...: path longer than %zu characters", path,
                    sizeof psp->path - 1);

    char *text = NULL;
    int rc = read_text(path, &text, err);
    if (rc) return rc;
    fu_psp p;
    memset(&p, 0, sizeof p);
    if (cp2k_name) rc = fu_psp_parse_cp2k(text, path, element, cp2k_name, &p, err);
    else if (!(rc = cache_find(text, path, &p, err)) && !p.radial) {
        if (is_upf(text)) rc = fu_psp_parse_upf(text, strlen(text), path, &p, err);
        else {
            rc = fu_psp_parse_abinit(text, path, &p, err);
            /* A GTH_POTENTIALS file given as a bare path fails (or reads as
             * some other element) deep inside the ABINIT reader: name the cause. */
            if ((rc || p.znucl != z) && cp2k_hint(text, path, fu_element_symbol(z), rc, err)) {
                free(text);
                return FU_EINPUT;
            }
        }
        if (!rc) cache_keep(&p);
    }
    free(text);
    if (rc) return rc;
    if (p.znucl != z)
        return fail(err, FU_EINPUT, "%s: element: file is for %s (Z = %d), requested %s", path,
                    p.element, p.znucl, fu_element_symbol(z));
    if (table_zval > 0 && fabs(table_zval - p.zion) > 1e-9)
        return fail(err, FU_EINPUT, "%s: valence: the file has Z_ion = %g, its table says %g",
                    path, p.zion, table_zval);
    memcpy(p.hint_ecut, hints, sizeof hints);
    *psp = p;
    return FU_OK;
}

/* ---------------------------------------------------------------------------
 * Evaluators. */

static double poly_local(const fu_psp *p, double t2) {
    const double *c = p->cloc;
    return c[0] + c[1] * (3 - t2) + c[2] * (15 + t2 * (-10 + t2)) +
           c[3] * (105 + t2 * (-105 + t2 * (21 - t2)));
}

/* d poly_local / d t2 */
static double dpoly_local(const fu_psp *p, double t2) {
    const double *c = p->cloc;
    return -c[1] + c[2] * (-10 + 2 * t2) + c[3] * (-105 + t2 * (42 - 3 * t2));
}

/* Written as -4πZ e^{-t²/2}/q² + 4π√(π/2) r³ P e^{-t²/2}: two terms without
 * cancellation, so small q keeps full relative accuracy. */
double fu_psp_vloc_q(const fu_psp *psp, double q) {
    if (psp->radial) return fu_psp_radial_vloc_q(psp->radial, q);
    q = fabs(q);
    if (q < FU_PSP_Q_ZERO) return 0.0;
    double r = psp->rloc, t2 = (q * r) * (q * r), e = exp(-0.5 * t2);
    return -4 * FU_PI * psp->zion * e / (q * q) +
           4 * FU_PI * sqrt(FU_PI / 2) * r * r * r * poly_local(psp, t2) * e;
}

double fu_psp_dvloc_q(const fu_psp *psp, double q) {
    if (psp->radial) return fu_psp_radial_dvloc_q(psp->radial, q);
    double s = q < 0 ? -1.0 : 1.0; /* v is even in q */
    q = fabs(q);
    if (q < FU_PSP_Q_ZERO) return 0.0;
    double r = psp->rloc, t = q * r, t2 = t * t, e = exp(-0.5 * t2);
    double coul = 4 * FU_PI * psp->zion * e * (r * r / q + 2 / (q * q * q));
    double sr = 4 * FU_PI * sqrt(FU_PI / 2) * r * r * r * r * t * e *
                (2 * dpoly_local(psp, t2) - poly_local(psp, t2));
    return s * (coul + sr);
}

double fu_psp_epsatm(const fu_psp *psp) {
    if (psp->radial) return fu_psp_radial_epsatm(psp->radial);
    const double *c = psp->cloc;
    double r = psp->rloc;
    return 2 * FU_PI * r * r * psp->zion +
           pow(2 * FU_PI, 1.5) * r * r * r * (c[0] + 3 * c[1] + 15 * c[2] + 105 * c[3]);
}

double fu_psp_vloc_r(const fu_psp *psp, double r) {
    if (psp->radial) return fu_psp_radial_vloc_r(psp->radial, r);
    r = fabs(r);
    double x = r / psp->rloc, x2 = x * x;
    /* erf(x/√2)/r is 0/0 at the origin: use its series for tiny x. */
    double coul = x < 1e-5 ? -psp->zion / psp->rloc * sqrt(2 / FU_PI) * (1 - x2 / 6)
                           : -psp->zion * erf(x / sqrt(2.0)) / r;
    const double *c = psp->cloc;
    return coul + exp(-0.5 * x2) * (c[0] + x2 * (c[1] + x2 * (c[2] + x2 * c[3])));
}

/* Generalized Laguerre polynomial L_n^{(a)}(x) by the three-term recurrence. */
static double laguerre(int n, double a, double x) {
    if (n < 0) return 0.0;
    double lm = 1.0, l = 1 + a - x;
    if (n == 0) return lm;
    for (int k = 1; k < n; k++) {
        double next = ((2 * k + 1 + a - x) * l - (k + a) * lm) / (k + 1);
        lm = l;
        l = next;
    }
    return l;
}

/* The Hankel transform of r^{l+2n} e^{-r²/2r_l²} (n = i) is a Gaussian times
 * L_n^{(l+1/2)}(p² r_l²/2). With the HGH normalization this gives
 *   f = 4π^{3/2} n! 2^n r_l^{l+3/2} / √Γ(l+2n+3/2) · e^{-x} L_n^{(l+1/2)}(x),
 * x = (p r_l)²/2, which reproduces every entry of the HGH98 table. */
static double proj_norm_compute(const fu_psp *psp, int l, int n) {
    double fact = n == 2 ? 2.0 : 1.0;
    return 4 * pow(FU_PI, 1.5) * fact * ldexp(1.0, n) * pow(psp->rl[l], l + 1.5) /
           sqrt(tgamma(l + 2 * n + 1.5));
}

/* Cached by finish(): tgamma and pow per call dominated projector set-up. */
static double proj_norm(const fu_psp *psp, int l, int n) {
    double v = psp->proj_norm[l][n];
    return v != 0.0 ? v : proj_norm_compute(psp, l, n);
}

static int proj_defined(const fu_psp *psp, int l, int i) {
    return psp && l >= 0 && l < FU_PSP_MAXL && i >= 0 && i < FU_PSP_MAXPROJ && psp->rl[l] > 0;
}

double fu_psp_proj_q(const fu_psp *psp, int l, int i, double p) {
    if (psp && psp->radial) return fu_psp_radial_proj_q(psp->radial, l, i, p);
    if (!proj_defined(psp, l, i)) return 0.0;
    double r = psp->rl[l], x = 0.5 * (p * r) * (p * r);
    return proj_norm(psp, l, i) * exp(-x) * laguerre(i, l + 0.5, x);
}

double fu_psp_dproj_q(const fu_psp *psp, int l, int i, double p) {
    if (psp && psp->radial) return fu_psp_radial_dproj_q(psp->radial, l, i, p);
    if (!proj_defined(psp, l, i)) return 0.0;
    double r = psp->rl[l], x = 0.5 * (p * r) * (p * r);
    /* d/dx [e^{-x} L_n^a] = -e^{-x} (L_{n-1}^{a+1} + L_n^a); dx/dp = p r². */
    return proj_norm(psp, l, i) * p * r * r * -exp(-x) *
           (laguerre(i - 1, l + 1.5, x) + laguerre(i, l + 0.5, x));
}

double fu_psp_rhocore_q(const fu_psp *psp, double q) {
    return psp->radial && psp->has_core ? fu_psp_radial_rhocore_q(psp->radial, q) : 0.0;
}

double fu_psp_drhocore_q(const fu_psp *psp, double q) {
    return psp->radial && psp->has_core ? fu_psp_radial_drhocore_q(psp->radial, q) : 0.0;
}

double fu_psp_rhoval_q(const fu_psp *psp, double q) {
    return psp->radial && psp->has_valence ? fu_psp_radial_rhoval_q(psp->radial, q) : 0.0;
}

int fu_psp_prepare(const fu_psp *psp, double qmax, fu_err *err) {
    if (!psp->radial) return FU_OK;
    /* the tables are shared by every copy of this fu_psp; growing them
     * replaces the arrays, which no one holds beyond a call */
    return fu_psp_radial_tabulate((fu_psp_radial *)psp->radial, qmax, err);
}

void fu_psp_release(fu_psp *psp) {
    if (!psp || !psp->radial) return;
    fu_psp_radial_free((fu_psp_radial *)psp->radial);
    psp->radial = NULL;
}
