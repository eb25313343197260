#include "dft/scf_input.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"
#include "core/yamldoc.h"
#include "crystal/elements.h"
#include "crystal/poscar.h"

/* Limits beyond which an input is a mistake rather than a calculation. */
#define MAX_ATOMS 5000
#define MAX_KGRID 1000
#define MAX_FFT 1024
#define MAX_BANDS 100000
#define MAX_ECUT 1000.0        /* Ha */
#define MAX_ITER 100000
#define MAX_HISTORY 50         /* the mixer stores history x grid complex numbers */
#define MAX_SYMPREC 1.0        /* bohr */

typedef struct {
    const fu_ydoc *d;
    char dir[FU_INPUT_PATH_LEN]; /* directory of the input file, "" if none */
    fu_err *err;
} ctx;

/* Relative paths in the input are relative to the input file. */
static int join_path(const ctx *c, const fu_ynode *n, const char *rel, char *out, size_t len) {
    int w;
    if (rel[0] == '/' || !c->dir[0])
        w = snprintf(out, len, "%s", rel);
    else
        w = snprintf(out, len, "%s/%s", c->dir, rel);
    if (w < 0 || (size_t)w >= len)
        return fu_ynode_fail(c->err, c->d, n, FU_EINPUT, "path too long (limit %zu characters)",
                             len - 1);
    return FU_OK;
}

static int has_control(const char *s) {
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f) return 1;
    return 0;
}

/* ------------------------------------------------------------- structure */

static int read_lattice(const ctx *c, const fu_ynode *lat, double lattice[3][3], double *unit) {
    static const char *const keys[] = {"unit", "vectors", NULL};
    int rc = fu_ymap_check_keys(c->d, lat, keys, c->err);
    const fu_ynode *u, *v;
    if (!rc) rc = fu_ymap_require(c->d, lat, "unit", &u, c->err);
    if (!rc) rc = fu_ynode_unit(c->d, u, FU_UNIT_LENGTH, unit, c->err);
    if (!rc) rc = fu_ymap_require(c->d, lat, "vectors", &v, c->err);
    if (rc) return rc;
    if (v->kind != FU_YSEQ)
        return fu_ynode_fail(c->err, c->d, v, FU_EINPUT,
                             "expected a list of 3 lattice vectors (rows a1, a2, a3), found a %s",
                             fu_ykind_name(v->kind));
    if (v->n != 3)
        return fu_ynode_fail(c->err, c->d, v, FU_EINPUT,
                             "expected 3 lattice vectors (rows a1, a2, a3), found %d", v->n);
    for (int i = 0; i < 3; i++) {
        rc = fu_ynode_doubles(c->d, v->item[i], 3, lattice[i], c->err);
        if (rc) return rc;
        for (int j = 0; j < 3; j++) {
            lattice[i][j] *= *unit;
            if (!isfinite(lattice[i][j]))
                return fu_ynode_fail(c->err, c->d, v->item[i]->item[j], FU_EINPUT,
                                     "out of range after conversion to bohr");
        }
    }
    /* Checked here as well as in fu_structure_check so that the message
     * points at the vectors, and before Cartesian positions are inverted. */
    double la = 1.0;
    for (int i = 0; i < 3; i++)
        la *= sqrt(lattice[i][0] * lattice[i][0] + lattice[i][1] * lattice[i][1] +
                   lattice[i][2] * lattice[i][2]);
    double det = fu_lattice_det((const double(*)[3])lattice);
    if (!(la > 0) || !(fabs(det) > 1e-6 * la))
        return fu_ynode_fail(c->err, c->d, v, FU_EINPUT,
                             "singular lattice: the vectors are (nearly) linearly dependent "
                             "(volume %.3g bohr^3)", fabs(det));
    return FU_OK;
}

/* Cartesian r = Σ x_i a_i = Lᵀ x, so x = (Lᵀ)⁻¹ r = r·L⁻¹ (rows of L are a_i). */
static void cart_to_red(const double lat[3][3], const double r[3], double x[3]) {
    double rec[3][3];
    fu_lattice_reciprocal(lat, rec); /* a_i·b_j = 2π δ_ij */
    for (int j = 0; j < 3; j++)
        x[j] = (r[0] * rec[j][0] + r[1] * rec[j][1] + r[2] * rec[j][2]) / (2.0 * FU_PI);
}

static int species_of(fu_structure *s, int z, const ctx *c, const fu_ynode *at) {
    for (int sp = 0; sp < s->nspecies; sp++)
        if (s->znucl[sp] == z) return sp;
    if (s->nspecies == FU_MAX_SPECIES) {
        fu_ynode_fail(c->err, c->d, at, FU_EINPUT, "more than %d different elements",
                      FU_MAX_SPECIES);
        return -1;
    }
    int sp = s->nspecies++;
    s->znucl[sp] = z;
    snprintf(s->symbol[sp], FU_SYMBOL_LEN, "%s", fu_element_symbol(z));
    return sp;
}

static int read_inline_structure(const ctx *c, const fu_ynode *st, fu_structure *s) {
    const fu_ynode *lat, *coord, *atoms;
    double lattice[3][3], unit = 1.0;
    const char *cs;
    int rc = fu_ymap_require(c->d, st, "lattice", &lat, c->err);
    if (!rc) rc = read_lattice(c, lat, lattice, &unit);
    if (!rc) rc = fu_ymap_require(c->d, st, "coordinates", &coord, c->err);
    if (!rc) rc = fu_ynode_string(c->d, coord, &cs, c->err);
    if (rc) return rc;
    int cart;
    if (!strcmp(cs, "fractional"))
        cart = 0;
    else if (!strcmp(cs, "cartesian"))
        cart = 1;
    else
        return fu_ynode_fail(c->err, c->d, coord, FU_EINPUT,
                             "expected 'fractional' or 'cartesian', found '%.40s'", cs);
    rc = fu_ymap_require(c->d, st, "atoms", &atoms, c->err);
    if (!rc) rc = fu_ynode_expect(c->d, atoms, FU_YSEQ, c->err);
    if (rc) return rc;
    if (atoms->n < 1) return fu_ynode_fail(c->err, c->d, atoms, FU_EINPUT, "no atoms");
    if (atoms->n > MAX_ATOMS)
        return fu_ynode_fail(c->err, c->d, atoms, FU_EINPUT, "%d atoms; at most %d are supported",
                             atoms->n, MAX_ATOMS);

    rc = fu_structure_alloc(s, atoms->n, c->err);
    if (rc) return rc;
    memcpy(s->lattice, lattice, sizeof lattice);
    s->nspecies = 0;
    for (int ia = 0; ia < atoms->n; ia++) {
        const fu_ynode *at = atoms->item[ia];
        if (at->kind != FU_YSEQ)
            return fu_ynode_fail(c->err, c->d, at, FU_EINPUT,
                                 "expected [Element, x, y, z], found a %s",
                                 fu_ykind_name(at->kind));
        if (at->n != 4)
            return fu_ynode_fail(c->err, c->d, at, FU_EINPUT,
                                 "expected [Element, x, y, z], found %d items", at->n);
        const char *sym;
        rc = fu_ynode_string(c->d, at->item[0], &sym, c->err);
        if (rc) return rc;
        int z = fu_element_z(sym);
        if (z <= 0 || !fu_element_symbol(z))
            return fu_ynode_fail(c->err, c->d, at->item[0], FU_EINPUT, "unknown element '%.20s'",
                                 sym);
        int sp = species_of(s, z, c, at->item[0]);
        if (sp < 0) return c->err ? (int)c->err->code : FU_EINPUT;
        double p[3];
        for (int j = 0; j < 3 && !rc; j++) rc = fu_ynode_double(c->d, at->item[1 + j], &p[j], c->err);
        if (rc) return rc;
        s->typat[ia] = sp;
        if (cart) {
            double r[3] = {p[0] * unit, p[1] * unit, p[2] * unit};
            cart_to_red(s->lattice, r, s->xred[ia]);
        } else {
            memcpy(s->xred[ia], p, sizeof p);
        }
        for (int j = 0; j < 3; j++)
            if (!isfinite(s->xred[ia][j]))
                return fu_ynode_fail(c->err, c->d, at->item[1 + j], FU_EINPUT,
                                     "out of range after conversion");
    }
    return FU_OK;
}

static int read_structure(const ctx *c, const fu_ynode *st, fu_structure *s) {
    static const char *const keys[] = {"lattice", "coordinates", "atoms", "poscar", NULL};
    int rc = fu_ymap_check_keys(c->d, st, keys, c->err);
    if (rc) return rc;
    const fu_ynode *pos = fu_ymap_get(st, "poscar");
    if (!pos) return read_inline_structure(c, st, s);

    if (st->n > 1)
        return fu_ynode_fail(c->err, c->d, pos, FU_EINPUT,
                             "give either poscar or lattice/coordinates/atoms, not both");
    const char *rel;
    char path[FU_INPUT_PATH_LEN];
    rc = fu_ynode_string(c->d, pos, &rel, c->err);
    if (!rc) rc = join_path(c, pos, rel, path, sizeof path);
    if (rc) return rc;
    rc = fu_poscar_read(path, s, c->err);
    if (rc) {
        fu_err_prefix(c->err, "%s:%d: structure.poscar", c->d->path, pos->line);
        return rc;
    }
    /* Canonical symbols and atomic numbers, whatever the POSCAR spelled. */
    for (int sp = 0; sp < s->nspecies; sp++) {
        int z = s->znucl[sp] > 0 ? s->znucl[sp] : fu_element_z(s->symbol[sp]);
        if (z <= 0 || !fu_element_symbol(z))
            return fu_ynode_fail(c->err, c->d, pos, FU_EINPUT, "%s: unknown element '%.8s'",
                                 path, s->symbol[sp]);
        s->znucl[sp] = z;
        snprintf(s->symbol[sp], FU_SYMBOL_LEN, "%s", fu_element_symbol(z));
    }
    for (int a = 0; a < s->nspecies; a++)
        for (int b = a + 1; b < s->nspecies; b++)
            if (s->znucl[a] == s->znucl[b])
                return fu_ynode_fail(c->err, c->d, pos, FU_EINPUT,
                                     "%s: element %s listed twice in the species line", path,
                                     s->symbol[a]);
    return FU_OK;
}

/* ------------------------------------------------------ pseudopotentials */

/* Bare file paths, and FILE in cp2k:FILE:NAME, are made relative to the
 * input file; abinit:FILE and cp2k:NAME name library entries and stay. */
static int resolve_spec(const ctx *c, const fu_ynode *n, const char *spec, char *out, size_t len) {
    if (!strncmp(spec, "abinit:", 7)) {
        if (!spec[7]) return fu_ynode_fail(c->err, c->d, n, FU_EINPUT, "abinit: needs a file name");
    } else if (!strncmp(spec, "cp2k:", 5)) {
        const char *rest = spec + 5, *colon = strrchr(rest, ':');
        if (!*rest || (colon && (colon == rest || !colon[1])))
            return fu_ynode_fail(c->err, c->d, n, FU_EINPUT,
                                 "expected cp2k:NAME or cp2k:FILE:NAME, found '%.80s'", spec);
        if (colon && rest[0] != '/' && c->dir[0]) {
            int w = snprintf(out, len, "cp2k:%s/%s", c->dir, rest);
            if (w < 0 || (size_t)w >= len)
                return fu_ynode_fail(c->err, c->d, n, FU_EINPUT, "too long (limit %zu)", len - 1);
            return FU_OK;
        }
    } else {
        return join_path(c, n, spec, out, len);
    }
    if (strlen(spec) >= len)
        return fu_ynode_fail(c->err, c->d, n, FU_EINPUT, "too long (limit %zu)", len - 1);
    memcpy(out, spec, strlen(spec) + 1);
    return FU_OK;
}

static int read_pseudos(const ctx *c, const fu_ynode *ps, const fu_structure *s,
                        fu_scf_params *p) {
    int rc = fu_ynode_expect(c->d, ps, FU_YMAP, c->err);
    if (rc) return rc;
    int given[FU_MAX_SPECIES] = {0};
    for (int i = 0; i < ps->n; i++) {
        const fu_ynode *v = ps->item[i];
        int z = fu_element_z(ps->key[i]);
        if (z <= 0 || !fu_element_symbol(z))
            return fu_ynode_fail(c->err, c->d, v, FU_EINPUT, "unknown element '%.20s'", ps->key[i]);
        int sp = -1;
        for (int k = 0; k < s->nspecies && sp < 0; k++)
            if (s->znucl[k] == z) sp = k;
        if (sp < 0)
            return fu_ynode_fail(c->err, c->d, v, FU_EINPUT,
                                 "pseudopotential for %s, which is not in the structure",
                                 fu_element_symbol(z));
        if (given[sp])
            return fu_ynode_fail(c->err, c->d, v, FU_EINPUT, "%s given twice (line %d)",
                                 s->symbol[sp], given[sp]);
        given[sp] = ps->key_line[i];
        const char *spec;
        rc = fu_ynode_string(c->d, v, &spec, c->err);
        if (!rc && has_control(spec))
            rc = fu_ynode_fail(c->err, c->d, v, FU_EINPUT, "contains control characters");
        if (!rc) rc = resolve_spec(c, v, spec, p->pseudo[sp], sizeof p->pseudo[sp]);
        if (rc) return rc;
    }
    for (int sp = 0; sp < s->nspecies; sp++)
        if (!given[sp]) {
            char name[64];
            snprintf(name, sizeof name, "pseudopotentials.%s", s->symbol[sp]);
            return fu_fail(c->err, FU_EINPUT, "%s:%d: %s: missing; the structure contains %s",
                           c->d->path, ps->line, name, s->symbol[sp]);
        }
    return FU_OK;
}

/* -------------------------------------------------------------- parameters */

static int read_xc(const ctx *c, const fu_ynode *n, fu_scf_params *p) {
    int rc = fu_ynode_string_copy(c->d, n, p->xc, sizeof p->xc, c->err);
    if (rc) return rc;
    /* Only the shape is checked here; names are resolved by libxc (dft/xc.c). */
    int part = 0;
    for (const char *s = p->xc;; s++) {
        if (*s == '+' || !*s) {
            if (!part)
                return fu_ynode_fail(c->err, c->d, n, FU_EINPUT,
                                     "expected lda, pbe or libxc names joined by '+', found '%.60s'",
                                     p->xc);
            if (!*s) break;
            part = 0;
        } else if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                   (*s >= '0' && *s <= '9') || *s == '_') {
            part = 1;
        } else {
            return fu_ynode_fail(c->err, c->d, n, FU_EINPUT,
                                 "expected lda, pbe or libxc names joined by '+', found '%.60s'",
                                 p->xc);
        }
    }
    return FU_OK;
}

static int positive(const ctx *c, const fu_ynode *n, double v, const char *unit) {
    if (v > 0) return FU_OK;
    return fu_ynode_fail(c->err, c->d, n, FU_EINPUT, "must be > 0, got %g%s%s", v,
                         unit[0] ? " " : "", unit);
}

static int read_kpoints(const ctx *c, const fu_ynode *kp, fu_scf_params *p) {
    static const char *const keys[] = {"grid", "shift", NULL};
    const fu_ynode *g, *sh;
    int rc = fu_ymap_check_keys(c->d, kp, keys, c->err);
    if (!rc) rc = fu_ymap_require(c->d, kp, "grid", &g, c->err);
    if (!rc) rc = fu_ynode_ints(c->d, g, 3, 1, MAX_KGRID, p->kgrid, c->err);
    if (rc || !(sh = fu_ymap_get(kp, "shift"))) return rc;
    rc = fu_ynode_doubles(c->d, sh, 3, p->kshift, c->err);
    for (int i = 0; !rc && i < 3; i++)
        if (p->kshift[i] != 0.0 && p->kshift[i] != 0.5)
            rc = fu_ynode_fail(c->err, c->d, sh->item[i], FU_EINPUT, "must be 0 or 0.5, got %g",
                               p->kshift[i]);
    return rc;
}

static int read_smearing(const ctx *c, const fu_ynode *sm, fu_scf_params *p) {
    static const char *const keys[] = {"kind", "width", "order", NULL};
    const fu_ynode *k, *w, *o;
    const char *name;
    int rc = fu_ymap_check_keys(c->d, sm, keys, c->err);
    if (!rc) rc = fu_ymap_require(c->d, sm, "kind", &k, c->err);
    if (!rc) rc = fu_ynode_string(c->d, k, &name, c->err);
    if (rc) return rc;
    int kind = fu_smearing_from_name(name);
    if (kind < 0)
        return fu_ynode_fail(c->err, c->d, k, FU_EINPUT,
                             "unknown smearing '%.40s'; expected none, fermi-dirac, gaussian, "
                             "methfessel-paxton, marzari-vanderbilt (or cold)", name);
    p->smearing = (fu_smearing)kind;
    if ((w = fu_ymap_get(sm, "width"))) {
        if (kind == FU_SMEAR_NONE)
            return fu_ynode_fail(c->err, c->d, w, FU_EINPUT, "a width makes no sense with kind none");
        rc = fu_ynode_quantity(c->d, w, FU_UNIT_ENERGY, &p->tsmear, c->err);
        if (!rc) rc = positive(c, w, p->tsmear, "Ha");
        if (rc) return rc;
    }
    if ((o = fu_ymap_get(sm, "order"))) {
        if (kind != FU_SMEAR_METHFESSEL_PAXTON)
            return fu_ynode_fail(c->err, c->d, o, FU_EINPUT,
                                 "an order is only used with kind methfessel-paxton");
        rc = fu_ynode_int(c->d, o, 0, 100, &p->smearing_order, c->err);
    }
    return rc;
}

static int read_symmetry(const ctx *c, const fu_ynode *sy, fu_scf_params *p) {
    static const char *const keys[] = {"use", "time_reversal", "tolerance", NULL};
    const fu_ynode *n;
    int rc = fu_ymap_check_keys(c->d, sy, keys, c->err);
    if (!rc && (n = fu_ymap_get(sy, "use"))) rc = fu_ynode_bool(c->d, n, &p->use_symmetry, c->err);
    if (!rc && (n = fu_ymap_get(sy, "time_reversal")))
        rc = fu_ynode_bool(c->d, n, &p->time_reversal, c->err);
    if (!rc && (n = fu_ymap_get(sy, "tolerance"))) {
        rc = fu_ynode_quantity(c->d, n, FU_UNIT_LENGTH, &p->symprec, c->err);
        if (!rc) rc = positive(c, n, p->symprec, "bohr");
        if (!rc && p->symprec > MAX_SYMPREC)
            rc = fu_ynode_fail(c->err, c->d, n, FU_EINPUT, "must be <= %g bohr, got %g bohr",
                               MAX_SYMPREC, p->symprec);
    }
    return rc;
}

static int read_scf(const ctx *c, const fu_ynode *sc, fu_scf_params *p) {
    static const char *const keys[] = {"max_iterations", "energy_tolerance",
                                       "density_tolerance", "mixing", NULL};
    static const char *const mkeys[] = {"damping", "history", "kerker", NULL};
    const fu_ynode *n, *m;
    int rc = fu_ymap_check_keys(c->d, sc, keys, c->err);
    if (!rc && (n = fu_ymap_get(sc, "max_iterations")))
        rc = fu_ynode_int(c->d, n, 1, MAX_ITER, &p->max_iterations, c->err);
    if (!rc && (n = fu_ymap_get(sc, "energy_tolerance"))) {
        rc = fu_ynode_quantity(c->d, n, FU_UNIT_ENERGY, &p->tol_energy, c->err);
        if (!rc) rc = positive(c, n, p->tol_energy, "Ha");
    }
    if (!rc && (n = fu_ymap_get(sc, "density_tolerance"))) {
        rc = fu_ynode_double(c->d, n, &p->tol_density, c->err);
        if (!rc) rc = positive(c, n, p->tol_density, "");
    }
    if (rc || !(m = fu_ymap_get(sc, "mixing"))) return rc;
    rc = fu_ymap_check_keys(c->d, m, mkeys, c->err);
    if (!rc && (n = fu_ymap_get(m, "damping"))) {
        rc = fu_ynode_double(c->d, n, &p->mixing_damping, c->err);
        if (!rc && !(p->mixing_damping > 0 && p->mixing_damping <= 1))
            rc = fu_ynode_fail(c->err, c->d, n, FU_EINPUT, "must be in (0, 1], got %g",
                               p->mixing_damping);
    }
    if (!rc && (n = fu_ymap_get(m, "history")))
        rc = fu_ynode_int(c->d, n, 1, MAX_HISTORY, &p->mixing_history, c->err);
    if (!rc && (n = fu_ymap_get(m, "kerker"))) {
        rc = fu_ynode_quantity(c->d, n, FU_UNIT_INVLENGTH, &p->kerker_k0, c->err);
        if (!rc && p->kerker_k0 < 0)
            rc = fu_ynode_fail(c->err, c->d, n, FU_EINPUT, "must be >= 0, got %g 1/bohr",
                               p->kerker_k0);
    }
    return rc;
}

static int read_output(const ctx *c, const fu_ynode *out, char *prefix, size_t len) {
    static const char *const keys[] = {"prefix", NULL};
    const fu_ynode *n;
    int rc = fu_ymap_check_keys(c->d, out, keys, c->err);
    if (rc || !(n = fu_ymap_get(out, "prefix"))) return rc;
    rc = fu_ynode_string_copy(c->d, n, prefix, len, c->err);
    if (rc) return rc;
    size_t l = strlen(prefix);
    if (has_control(prefix) || prefix[l - 1] == '/')
        return fu_ynode_fail(c->err, c->d, n, FU_EINPUT,
                             "must be a file name prefix (no control characters, not ending "
                             "in '/')");
    return FU_OK;
}

/* input file "dir/si.yaml" -> "si" */
static void default_prefix(const char *origin, char *out, size_t len) {
    const char *base = strrchr(origin, '/');
    base = base ? base + 1 : origin;
    const char *dot = strrchr(base, '.');
    size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    if (n == 0 || has_control(base)) {
        snprintf(out, len, "furui");
        return;
    }
    snprintf(out, len, "%.*s", (int)n, base);
}

static int parse_doc(const fu_ydoc *d, fu_scf_input *in, fu_err *err) {
    static const char *const keys[] = {"structure", "pseudopotentials", "xc", "ecut",
                                       "kpoints", "bands", "fft_grid", "smearing",
                                       "symmetry", "scf", "compute", "output",
                                       "verbosity", NULL};
    ctx c = {.d = d, .err = err};
    const char *slash = strrchr(d->path, '/');
    if (slash) snprintf(c.dir, sizeof c.dir, "%.*s", (int)(slash - d->path), d->path);
    if (slash == d->path) snprintf(c.dir, sizeof c.dir, "/");
    fu_scf_params *p = &in->params;
    const fu_ynode *root = d->root, *n;
    if (root->kind != FU_YMAP)
        return fu_ynode_fail(err, d, root, FU_EINPUT,
                             "expected a map of keys (structure:, ecut:, ...), found a %s",
                             fu_ykind_name(root->kind));
    int rc = fu_ymap_check_keys(d, root, keys, err);
    if (rc) return rc;

    const fu_ynode *st, *ps, *ec;
    rc = fu_ymap_require(d, root, "structure", &st, err);
    if (!rc) rc = fu_ymap_require(d, root, "pseudopotentials", &ps, err);
    if (!rc) rc = fu_ymap_require(d, root, "ecut", &ec, err);
    if (!rc) rc = read_structure(&c, st, &in->structure);
    if (!rc) rc = read_pseudos(&c, ps, &in->structure, p);
    if (!rc && (n = fu_ymap_get(root, "xc"))) rc = read_xc(&c, n, p);
    if (!rc) rc = fu_ynode_quantity(d, ec, FU_UNIT_ENERGY, &p->ecut, err);
    if (!rc) rc = positive(&c, ec, p->ecut, "Ha");
    if (!rc && p->ecut > MAX_ECUT)
        rc = fu_ynode_fail(err, d, ec, FU_EINPUT, "%g Ha is beyond any sensible cutoff (<= %g Ha)",
                           p->ecut, MAX_ECUT);
    if (!rc && (n = fu_ymap_get(root, "kpoints"))) rc = read_kpoints(&c, n, p);
    if (!rc && (n = fu_ymap_get(root, "bands"))) rc = fu_ynode_int(d, n, 1, MAX_BANDS, &p->nband, err);
    if (!rc && (n = fu_ymap_get(root, "fft_grid")))
        rc = fu_ynode_ints(d, n, 3, 1, MAX_FFT, p->fft, err);
    if (!rc && (n = fu_ymap_get(root, "smearing"))) rc = read_smearing(&c, n, p);
    if (!rc && (n = fu_ymap_get(root, "symmetry"))) rc = read_symmetry(&c, n, p);
    if (!rc && (n = fu_ymap_get(root, "scf"))) rc = read_scf(&c, n, p);
    if (!rc && (n = fu_ymap_get(root, "compute"))) {
        static const char *const ck[] = {"forces", "stress", NULL};
        const fu_ynode *f;
        rc = fu_ymap_check_keys(d, n, ck, err);
        if (!rc && (f = fu_ymap_get(n, "forces"))) rc = fu_ynode_bool(d, f, &p->compute_forces, err);
        if (!rc && (f = fu_ymap_get(n, "stress"))) rc = fu_ynode_bool(d, f, &p->compute_stress, err);
    }
    if (!rc && (n = fu_ymap_get(root, "verbosity"))) rc = fu_ynode_int(d, n, 0, 2, &p->verbosity, err);
    default_prefix(d->path, in->output_prefix, sizeof in->output_prefix);
    if (!rc && (n = fu_ymap_get(root, "output")))
        rc = read_output(&c, n, in->output_prefix, sizeof in->output_prefix);
    if (rc) return rc;

    char origin[FU_INPUT_PATH_LEN + 64];
    snprintf(origin, sizeof origin, "%s:%d: structure", d->path, st->line);
    return fu_structure_check(&in->structure, FU_INPUT_MIN_DIST, origin, err);
}

/* Messages passed on from other readers must also stay on one line. */
static void one_line(fu_err *err) {
    if (!err) return;
    for (char *s = err->msg; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f) *s = '?';
}

static int finish(fu_ydoc *d, fu_scf_input *in, fu_err *err) {
    int rc = parse_doc(d, in, err);
    if (rc) {
        one_line(err);
        fu_ydoc_free(d);
        fu_scf_input_free(in);
        return rc;
    }
    snprintf(in->path, sizeof in->path, "%s", d->path);
    in->text = d->text; /* ownership moves: kept verbatim for provenance */
    d->text = NULL;
    fu_ydoc_free(d);
    return FU_OK;
}

static int start(const char *origin, fu_scf_input *in, fu_err *err) {
    memset(in, 0, sizeof *in);
    fu_scf_params_default(&in->params);
    if (!origin || strlen(origin) >= FU_INPUT_PATH_LEN)
        return fu_fail(err, FU_EINPUT, "input path: missing or longer than %d characters",
                       FU_INPUT_PATH_LEN - 1);
    return FU_OK;
}

int fu_scf_input_read(const char *path, fu_scf_input *in, fu_err *err) {
    int rc = start(path, in, err);
    if (rc) return rc;
    fu_ydoc d;
    rc = fu_ydoc_load(path, &d, err);
    if (rc) {
        one_line(err);
        return rc;
    }
    return finish(&d, in, err);
}

int fu_scf_input_parse(const char *text, const char *origin, fu_scf_input *in, fu_err *err) {
    int rc = start(origin, in, err);
    if (rc) return rc;
    fu_ydoc d;
    rc = fu_ydoc_parse(text ? text : "", text ? strlen(text) : 0, origin, &d, err);
    if (rc) return rc;
    return finish(&d, in, err);
}

void fu_scf_input_free(fu_scf_input *in) {
    if (!in) return;
    if (in->structure.xred || in->structure.typat) fu_structure_free(&in->structure);
    free(in->text);
    memset(in, 0, sizeof *in);
}
