#include "dft/scf_input.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"
#include "core/yamldoc.h"
#include "crystal/elements.h"
#include "crystal/poscar.h"
#include "crystal/structfile.h"
#include "crystal/kpoints.h"
#include "dft/protocol.h"
#include "dft/psp.h"

/* Limits beyond which an input is a mistake rather than a calculation. */
#define MAX_ATOMS FU_INPUT_MAX_ATOMS
#define MAX_KGRID FU_INPUT_MAX_KGRID
#define MAX_FFT 1024
#define MAX_BANDS 100000
#define MAX_ECUT FU_INPUT_MAX_ECUT
#define MAX_ITER 100000
#define MAX_HISTORY 50         /* the mixer stores history x grid complex numbers */
#define MAX_SYMPREC 1.0        /* bohr */

/* Relative paths in the input are relative to the input file. */
int fu_input_join_path(const fu_ydoc *d, const char *dir, const fu_ynode *n, const char *rel,
                       char *out, size_t len, fu_err *err) {
    int w;
    if (rel[0] == '/' || !dir[0])
        w = snprintf(out, len, "%s", rel);
    else
        w = snprintf(out, len, "%s/%s", dir, rel);
    if (w < 0 || (size_t)w >= len)
        return fu_ynode_fail(err, d, n, FU_EINPUT, "path too long (limit %zu characters)",
                             len - 1);
    return FU_OK;
}

int fu_input_has_control(const char *s) {
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f) return 1;
    return 0;
}

void fu_input_dir_of(const char *path, char *dir, size_t len) {
    const char *slash = strrchr(path, '/');
    if (len) dir[0] = '\0';
    if (slash) snprintf(dir, len, "%.*s", (int)(slash - path), path);
    if (slash == path) snprintf(dir, len, "/");
}

int fu_input_positive(const fu_ydoc *d, const fu_ynode *n, double v, const char *unit,
                      fu_err *err) {
    if (v > 0) return FU_OK;
    return fu_ynode_fail(err, d, n, FU_EINPUT, "must be > 0, got %g%s%s", v, unit[0] ? " " : "",
                         unit);
}

/* ------------------------------------------------------------- structure */

static int read_lattice(const fu_ydoc *d, const fu_ynode *lat, double lattice[3][3], double *unit,
                        fu_err *err) {
    static const char *const keys[] = {"unit", "vectors", NULL};
    int rc = fu_ymap_check_keys(d, lat, keys, err);
    const fu_ynode *u, *v;
    if (!rc) rc = fu_ymap_require(d, lat, "unit", &u, err);
    if (!rc) rc = fu_ynode_unit(d, u, FU_UNIT_LENGTH, unit, err);
    if (!rc) rc = fu_ymap_require(d, lat, "vectors", &v, err);
    if (rc) return rc;
    if (v->kind != FU_YSEQ)
        return fu_ynode_fail(err, d, v, FU_EINPUT,
                             "expected a list of 3 lattice vectors (rows a1, a2, a3), found a %s",
                             fu_ykind_name(v->kind));
    if (v->n != 3)
        return fu_ynode_fail(err, d, v, FU_EINPUT,
                             "expected 3 lattice vectors (rows a1, a2, a3), found %d", v->n);
    for (int i = 0; i < 3; i++) {
        rc = fu_ynode_doubles(d, v->item[i], 3, lattice[i], err);
        if (rc) return rc;
        for (int j = 0; j < 3; j++) {
            lattice[i][j] *= *unit;
            if (!isfinite(lattice[i][j]))
                return fu_ynode_fail(err, d, v->item[i]->item[j], FU_EINPUT,
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
        return fu_ynode_fail(err, d, v, FU_EINPUT,
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

static int species_of(fu_structure *s, int z, const fu_ydoc *d, const fu_ynode *at, fu_err *err) {
    for (int sp = 0; sp < s->nspecies; sp++)
        if (s->znucl[sp] == z) return sp;
    if (s->nspecies == FU_MAX_SPECIES) {
        fu_ynode_fail(err, d, at, FU_EINPUT, "more than %d different elements", FU_MAX_SPECIES);
        return -1;
    }
    int sp = s->nspecies++;
    s->znucl[sp] = z;
    snprintf(s->symbol[sp], FU_SYMBOL_LEN, "%s", fu_element_symbol(z));
    return sp;
}

int fu_input_read_inline_structure(const fu_ydoc *d, const fu_ynode *st, fu_structure *s,
                                   fu_err *err) {
    const fu_ynode *lat, *coord, *atoms;
    double lattice[3][3], unit = 1.0;
    const char *cs;
    int rc = fu_ymap_require(d, st, "lattice", &lat, err);
    if (!rc) rc = read_lattice(d, lat, lattice, &unit, err);
    if (!rc) rc = fu_ymap_require(d, st, "coordinates", &coord, err);
    if (!rc) rc = fu_ynode_string(d, coord, &cs, err);
    if (rc) return rc;
    int cart;
    if (!strcmp(cs, "fractional"))
        cart = 0;
    else if (!strcmp(cs, "cartesian"))
        cart = 1;
    else
        return fu_ynode_fail(err, d, coord, FU_EINPUT,
                             "expected 'fractional' or 'cartesian', found '%.40s'", cs);
    rc = fu_ymap_require(d, st, "atoms", &atoms, err);
    if (!rc) rc = fu_ynode_expect(d, atoms, FU_YSEQ, err);
    if (rc) return rc;
    if (atoms->n < 1) return fu_ynode_fail(err, d, atoms, FU_EINPUT, "no atoms");
    if (atoms->n > MAX_ATOMS)
        return fu_ynode_fail(err, d, atoms, FU_EINPUT, "%d atoms; at most %d are supported",
                             atoms->n, MAX_ATOMS);

    rc = fu_structure_alloc(s, atoms->n, err);
    if (rc) return rc;
    memcpy(s->lattice, lattice, sizeof lattice);
    s->nspecies = 0;
    for (int ia = 0; ia < atoms->n; ia++) {
        const fu_ynode *at = atoms->item[ia];
        if (at->kind != FU_YSEQ)
            return fu_ynode_fail(err, d, at, FU_EINPUT, "expected [Element, x, y, z], found a %s",
                                 fu_ykind_name(at->kind));
        if (at->n != 4)
            return fu_ynode_fail(err, d, at, FU_EINPUT,
                                 "expected [Element, x, y, z], found %d items", at->n);
        const char *sym;
        rc = fu_ynode_string(d, at->item[0], &sym, err);
        if (rc) return rc;
        int z = fu_element_z(sym);
        if (z <= 0 || !fu_element_symbol(z))
            return fu_ynode_fail(err, d, at->item[0], FU_EINPUT, "unknown element '%.20s'", sym);
        int sp = species_of(s, z, d, at->item[0], err);
        if (sp < 0) return err ? (int)err->code : FU_EINPUT;
        double p[3];
        for (int j = 0; j < 3 && !rc; j++) rc = fu_ynode_double(d, at->item[1 + j], &p[j], err);
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
                return fu_ynode_fail(err, d, at->item[1 + j], FU_EINPUT,
                                     "out of range after conversion");
            else if (!(fabs(s->xred[ia][j]) <= FU_MAX_FRACTIONAL))
                return fu_ynode_fail(err, d, at->item[1 + j], FU_EINPUT,
                                     "fractional coordinate %.3g out of range (|x| <= %g)",
                                     s->xred[ia][j], FU_MAX_FRACTIONAL);
    }
    return FU_OK;
}

void fu_input_canonical_species(fu_structure *s, const char *path, char *reason, size_t len) {
    reason[0] = '\0';
    for (int sp = 0; sp < s->nspecies; sp++) {
        int z = s->znucl[sp] > 0 ? s->znucl[sp] : fu_element_z(s->symbol[sp]);
        if (z <= 0 || !fu_element_symbol(z)) {
            snprintf(reason, len, "%s: unknown element '%.8s'", path, s->symbol[sp]);
            return;
        }
        s->znucl[sp] = z;
        snprintf(s->symbol[sp], FU_SYMBOL_LEN, "%s", fu_element_symbol(z));
    }
    for (int a = 0; a < s->nspecies; a++)
        for (int b = a + 1; b < s->nspecies; b++)
            if (s->znucl[a] == s->znucl[b]) {
                snprintf(reason, len, "%s: element %s listed twice in the species line", path,
                         s->symbol[a]);
                return;
            }
}

static int read_structure(const fu_ydoc *d, const char *dir, const fu_ynode *st, fu_structure *s,
                          fu_err *err) {
    static const char *const keys[] = {"lattice", "coordinates", "atoms", "poscar", NULL};
    int rc = fu_ymap_check_keys(d, st, keys, err);
    if (rc) return rc;
    const fu_ynode *pos = fu_ymap_get(st, "poscar");
    if (!pos) return fu_input_read_inline_structure(d, st, s, err);

    if (st->n > 1)
        return fu_ynode_fail(err, d, pos, FU_EINPUT,
                             "give either poscar or lattice/coordinates/atoms, not both");
    const char *rel;
    char path[FU_INPUT_PATH_LEN];
    rc = fu_ynode_string(d, pos, &rel, err);
    if (!rc) rc = fu_input_join_path(d, dir, pos, rel, path, sizeof path, err);
    if (rc) return rc;
    rc = fu_structfile_read(path, s, err); /* POSCAR or CIF */
    if (rc) {
        fu_err_prefix(err, "%s:%d: structure.poscar", d->path, pos->line);
        return rc;
    }
    char reason[FU_ERR_MSG_LEN];
    fu_input_canonical_species(s, path, reason, sizeof reason);
    if (reason[0]) return fu_ynode_fail(err, d, pos, FU_EINPUT, "%s", reason);
    return FU_OK;
}

/* ------------------------------------------------------ pseudopotentials */

static int resolve_spec(const fu_ydoc *d, const char *dir, const fu_ynode *n, const char *spec,
                        char *out, size_t len, fu_err *err) {
    if (!strncmp(spec, "abinit:", 7)) {
        if (!spec[7]) return fu_ynode_fail(err, d, n, FU_EINPUT, "abinit: needs a file name");
    } else if (!strncmp(spec, "cp2k:", 5)) {
        const char *rest = spec + 5, *colon = strrchr(rest, ':');
        if (!*rest || (colon && (colon == rest || !colon[1])))
            return fu_ynode_fail(err, d, n, FU_EINPUT,
                                 "expected cp2k:NAME or cp2k:FILE:NAME, found '%.80s'", spec);
        if (colon && rest[0] != '/' && dir[0]) {
            int w = snprintf(out, len, "cp2k:%s/%s", dir, rest);
            if (w < 0 || (size_t)w >= len)
                return fu_ynode_fail(err, d, n, FU_EINPUT, "too long (limit %zu)", len - 1);
            return FU_OK;
        }
    } else if (!strncmp(spec, "table:", 6)) {
        /* table:DIR, DIR relative to the input file like a bare path */
        if (!spec[6]) return fu_ynode_fail(err, d, n, FU_EINPUT, "table: needs a directory");
        if (len < 7) return fu_ynode_fail(err, d, n, FU_EINPUT, "too long");
        memcpy(out, "table:", 6);
        return fu_input_join_path(d, dir, n, spec + 6, out + 6, len - 6, err);
    } else {
        return fu_input_join_path(d, dir, n, spec, out, len, err);
    }
    if (strlen(spec) >= len)
        return fu_ynode_fail(err, d, n, FU_EINPUT, "too long (limit %zu)", len - 1);
    memcpy(out, spec, strlen(spec) + 1);
    return FU_OK;
}

int fu_input_read_pseudo_spec(const fu_ydoc *d, const char *dir, const fu_ynode *n, char *out,
                              size_t len, fu_err *err) {
    const char *spec;
    int rc = fu_ynode_string(d, n, &spec, err);
    if (!rc && fu_input_has_control(spec))
        rc = fu_ynode_fail(err, d, n, FU_EINPUT, "contains control characters");
    if (!rc) rc = resolve_spec(d, dir, n, spec, out, len, err);
    return rc;
}

static int read_pseudos(const fu_ydoc *d, const char *dir, const fu_ynode *ps,
                        const fu_structure *s, fu_scf_params *p, fu_err *err) {
    int rc = fu_ynode_expect(d, ps, FU_YMAP, err);
    if (rc) return rc;
    int given[FU_MAX_SPECIES] = {0};
    for (int i = 0; i < ps->n; i++) {
        const fu_ynode *v = ps->item[i];
        int z = fu_element_z(ps->key[i]);
        if (z <= 0 || !fu_element_symbol(z))
            return fu_ynode_fail(err, d, v, FU_EINPUT, "unknown element '%.20s'", ps->key[i]);
        int sp = -1;
        for (int k = 0; k < s->nspecies && sp < 0; k++)
            if (s->znucl[k] == z) sp = k;
        if (sp < 0)
            return fu_ynode_fail(err, d, v, FU_EINPUT,
                                 "pseudopotential for %s, which is not in the structure",
                                 fu_element_symbol(z));
        if (given[sp])
            return fu_ynode_fail(err, d, v, FU_EINPUT, "%s given twice (line %d)", s->symbol[sp],
                                 given[sp]);
        given[sp] = ps->key_line[i];
        rc = fu_input_read_pseudo_spec(d, dir, v, p->pseudo[sp], sizeof p->pseudo[sp], err);
        if (rc) return rc;
    }
    for (int sp = 0; sp < s->nspecies; sp++)
        if (!given[sp]) {
            char name[64];
            snprintf(name, sizeof name, "pseudopotentials.%s", s->symbol[sp]);
            return fu_fail(err, FU_EINPUT, "%s:%d: %s: missing; the structure contains %s",
                           d->path, ps->line, name, s->symbol[sp]);
        }
    return FU_OK;
}

/* -------------------------------------------------------------- parameters */

static int read_xc(const fu_ydoc *d, const fu_ynode *n, fu_scf_params *p, fu_err *err) {
    int rc = fu_ynode_string_copy(d, n, p->xc, sizeof p->xc, err);
    if (rc) return rc;
    /* Only the shape is checked here; names are resolved by libxc (dft/xc.c). */
    int part = 0;
    for (const char *s = p->xc;; s++) {
        if (*s == '+' || !*s) {
            if (!part)
                return fu_ynode_fail(err, d, n, FU_EINPUT,
                                     "expected lda, pbe or libxc names joined by '+', found '%.60s'",
                                     p->xc);
            if (!*s) break;
            part = 0;
        } else if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                   (*s >= '0' && *s <= '9') || *s == '_') {
            part = 1;
        } else {
            return fu_ynode_fail(err, d, n, FU_EINPUT,
                                 "expected lda, pbe or libxc names joined by '+', found '%.60s'",
                                 p->xc);
        }
    }
    return FU_OK;
}

int fu_input_read_ecut(const fu_ydoc *d, const fu_ynode *n, double *ecut, fu_err *err) {
    int rc = fu_ynode_quantity(d, n, FU_UNIT_ENERGY, ecut, err);
    if (!rc) rc = fu_input_positive(d, n, *ecut, "Ha", err);
    if (!rc && *ecut > MAX_ECUT)
        rc = fu_ynode_fail(err, d, n, FU_EINPUT, "%g Ha is beyond any sensible cutoff (<= %g Ha)",
                           *ecut, MAX_ECUT);
    return rc;
}

int fu_input_read_kshift(const fu_ydoc *d, const fu_ynode *sh, double kshift[3], fu_err *err) {
    int rc = fu_ynode_doubles(d, sh, 3, kshift, err);
    for (int i = 0; !rc && i < 3; i++)
        if (kshift[i] != 0.0 && kshift[i] != 0.5)
            rc = fu_ynode_fail(err, d, sh->item[i], FU_EINPUT, "must be 0 or 0.5, got %g",
                               kshift[i]);
    return rc;
}

/* A k-point spacing (inverse length, 2π included) > 0 and not so fine that
 * a 1 bohr cell would need more than MAX_KGRID points. */
int fu_input_read_kspacing(const fu_ydoc *d, const fu_ynode *n, double *spacing, fu_err *err) {
    int rc = fu_ynode_quantity(d, n, FU_UNIT_INVLENGTH, spacing, err);
    if (!rc) rc = fu_input_positive(d, n, *spacing, "1/bohr", err);
    if (!rc && *spacing < 2.0 * FU_PI / MAX_KGRID)
        rc = fu_ynode_fail(err, d, n, FU_EINPUT, "%g 1/bohr is too fine (>= %g 1/bohr)", *spacing,
                           2.0 * FU_PI / MAX_KGRID);
    return rc;
}

/* kpoints: {grid: [n1, n2, n3] | spacing: Q, shift: [...]}; without grid or
 * spacing the protocol's spacing (kspacing > 0), else an error. */
static int read_kpoints(const fu_ydoc *d, const fu_ynode *kp, const fu_structure *s,
                        double kspacing, fu_scf_params *p, fu_err *err) {
    static const char *const keys[] = {"grid", "spacing", "shift", NULL};
    const fu_ynode *g, *sp, *sh;
    int rc = fu_ymap_check_keys(d, kp, keys, err);
    if (rc) return rc;
    g = fu_ymap_get(kp, "grid");
    sp = fu_ymap_get(kp, "spacing");
    if (g && sp)
        return fu_ynode_fail(err, d, sp, FU_EINPUT, "give either grid (line %d) or spacing, not both",
                             g->line);
    if (sp) rc = fu_input_read_kspacing(d, sp, &kspacing, err);
    if (g)
        rc = fu_ynode_ints(d, g, 3, 1, MAX_KGRID, p->kgrid, err);
    else if (!rc && kspacing > 0)
        fu_kpoints_grid_from_spacing(s->lattice, kspacing, MAX_KGRID, p->kgrid);
    else if (!rc)
        rc = fu_ymap_require(d, kp, "grid", &g, err);
    if (rc || !(sh = fu_ymap_get(kp, "shift"))) return rc;
    return fu_input_read_kshift(d, sh, p->kshift, err);
}

int fu_input_read_smearing(const fu_ydoc *d, const fu_ynode *sm, fu_scf_params *p, fu_err *err) {
    static const char *const keys[] = {"kind", "width", "order", NULL};
    const fu_ynode *k, *w, *o;
    const char *name;
    int rc = fu_ymap_check_keys(d, sm, keys, err);
    if (!rc) rc = fu_ymap_require(d, sm, "kind", &k, err);
    if (!rc) rc = fu_ynode_string(d, k, &name, err);
    if (rc) return rc;
    int kind = fu_smearing_from_name(name);
    if (kind < 0)
        return fu_ynode_fail(err, d, k, FU_EINPUT,
                             "unknown smearing '%.40s'; expected none, fermi-dirac, gaussian, "
                             "methfessel-paxton, marzari-vanderbilt (or cold)", name);
    p->smearing = (fu_smearing)kind;
    if ((w = fu_ymap_get(sm, "width"))) {
        if (kind == FU_SMEAR_NONE)
            return fu_ynode_fail(err, d, w, FU_EINPUT, "a width makes no sense with kind none");
        rc = fu_ynode_quantity(d, w, FU_UNIT_ENERGY, &p->tsmear, err);
        if (!rc) rc = fu_input_positive(d, w, p->tsmear, "Ha", err);
        if (rc) return rc;
    }
    if ((o = fu_ymap_get(sm, "order"))) {
        if (kind != FU_SMEAR_METHFESSEL_PAXTON)
            return fu_ynode_fail(err, d, o, FU_EINPUT,
                                 "an order is only used with kind methfessel-paxton");
        rc = fu_ynode_int(d, o, 0, 100, &p->smearing_order, err);
    }
    return rc;
}

int fu_input_read_symmetry(const fu_ydoc *d, const fu_ynode *sy, fu_scf_params *p, fu_err *err) {
    static const char *const keys[] = {"use", "time_reversal", "tolerance", NULL};
    const fu_ynode *n;
    int rc = fu_ymap_check_keys(d, sy, keys, err);
    if (!rc && (n = fu_ymap_get(sy, "use"))) rc = fu_ynode_bool(d, n, &p->use_symmetry, err);
    if (!rc && (n = fu_ymap_get(sy, "time_reversal")))
        rc = fu_ynode_bool(d, n, &p->time_reversal, err);
    if (!rc && (n = fu_ymap_get(sy, "tolerance"))) {
        rc = fu_ynode_quantity(d, n, FU_UNIT_LENGTH, &p->symprec, err);
        if (!rc) rc = fu_input_positive(d, n, p->symprec, "bohr", err);
        if (!rc && p->symprec > MAX_SYMPREC)
            rc = fu_ynode_fail(err, d, n, FU_EINPUT, "must be <= %g bohr, got %g bohr",
                               MAX_SYMPREC, p->symprec);
    }
    return rc;
}

int fu_input_read_scf(const fu_ydoc *d, const fu_ynode *sc, fu_scf_params *p, fu_err *err) {
    static const char *const keys[] = {"max_iterations", "energy_tolerance",
                                       "density_tolerance", "mixing", NULL};
    static const char *const mkeys[] = {"damping", "history", "kerker", NULL};
    const fu_ynode *n, *m;
    int rc = fu_ymap_check_keys(d, sc, keys, err);
    if (!rc && (n = fu_ymap_get(sc, "max_iterations")))
        rc = fu_ynode_int(d, n, 1, MAX_ITER, &p->max_iterations, err);
    if (!rc && (n = fu_ymap_get(sc, "energy_tolerance"))) {
        rc = fu_ynode_quantity(d, n, FU_UNIT_ENERGY, &p->tol_energy, err);
        if (!rc) rc = fu_input_positive(d, n, p->tol_energy, "Ha", err);
    }
    if (!rc && (n = fu_ymap_get(sc, "density_tolerance"))) {
        rc = fu_ynode_double(d, n, &p->tol_density, err);
        if (!rc) rc = fu_input_positive(d, n, p->tol_density, "", err);
    }
    if (rc || !(m = fu_ymap_get(sc, "mixing"))) return rc;
    rc = fu_ymap_check_keys(d, m, mkeys, err);
    if (!rc && (n = fu_ymap_get(m, "damping"))) {
        rc = fu_ynode_double(d, n, &p->mixing_damping, err);
        if (!rc && !(p->mixing_damping > 0 && p->mixing_damping <= 1))
            rc = fu_ynode_fail(err, d, n, FU_EINPUT, "must be in (0, 1], got %g",
                               p->mixing_damping);
    }
    if (!rc && (n = fu_ymap_get(m, "history")))
        rc = fu_ynode_int(d, n, 1, MAX_HISTORY, &p->mixing_history, err);
    if (!rc && (n = fu_ymap_get(m, "kerker"))) {
        rc = fu_ynode_quantity(d, n, FU_UNIT_INVLENGTH, &p->kerker_k0, err);
        if (!rc && p->kerker_k0 < 0)
            rc = fu_ynode_fail(err, d, n, FU_EINPUT, "must be >= 0, got %g 1/bohr",
                               p->kerker_k0);
    }
    return rc;
}

int fu_input_read_compute(const fu_ydoc *d, const fu_ynode *n, fu_scf_params *p, fu_err *err) {
    static const char *const keys[] = {"forces", "stress", NULL};
    const fu_ynode *f;
    int rc = fu_ymap_check_keys(d, n, keys, err);
    if (!rc && (f = fu_ymap_get(n, "forces"))) rc = fu_ynode_bool(d, f, &p->compute_forces, err);
    if (!rc && (f = fu_ymap_get(n, "stress"))) rc = fu_ynode_bool(d, f, &p->compute_stress, err);
    return rc;
}

/* spin: {polarized: bool, moments: {El: μB, ...}}. Moments need polarized:
 * true, must name species of the structure, be finite, and not exceed the
 * species' valence charge (its pseudopotential's Z_ion), since the start
 * splits each atom's charge (Z+μ)/2 up, (Z-μ)/2 down. */
static int read_spin(const fu_ydoc *d, const fu_ynode *sp, const fu_structure *s,
                     fu_scf_params *p, fu_err *err) {
    static const char *const keys[] = {"polarized", "moments", NULL};
    const fu_ynode *n, *m;
    int pol = 0;
    int rc = fu_ymap_check_keys(d, sp, keys, err);
    if (!rc && (n = fu_ymap_get(sp, "polarized"))) rc = fu_ynode_bool(d, n, &pol, err);
    if (rc) return rc;
    p->nspin = pol ? 2 : 1;
    if (!(m = fu_ymap_get(sp, "moments"))) return FU_OK;
    if (!pol)
        return fu_ynode_fail(err, d, m, FU_EINPUT,
                             "initial moments need polarized: true (the run is unpolarised)");
    rc = fu_ynode_expect(d, m, FU_YMAP, err);
    if (rc) return rc;
    int given[FU_MAX_SPECIES] = {0};
    for (int i = 0; i < m->n; i++) {
        const fu_ynode *v = m->item[i];
        int z = fu_element_z(m->key[i]);
        if (z <= 0 || !fu_element_symbol(z))
            return fu_ynode_fail(err, d, v, FU_EINPUT, "unknown element '%.20s'", m->key[i]);
        int k = -1;
        for (int j = 0; j < s->nspecies && k < 0; j++)
            if (s->znucl[j] == z) k = j;
        if (k < 0)
            return fu_ynode_fail(err, d, v, FU_EINPUT, "moment for %s, which is not in the structure",
                                 fu_element_symbol(z));
        if (given[k])
            return fu_ynode_fail(err, d, v, FU_EINPUT, "%s given twice (line %d)", s->symbol[k],
                                 given[k]);
        given[k] = m->key_line[i];
        double mu;
        rc = fu_ynode_double(d, v, &mu, err);
        if (rc) return rc;
        if (!isfinite(mu))
            return fu_ynode_fail(err, d, v, FU_EINPUT, "must be a finite number of Bohr magnetons, got %g", mu);
        fu_psp psp;
        fu_err perr = {0};
        if (fu_psp_load(p->pseudo[k], s->symbol[k], &psp, &perr) == FU_OK) {
            double zion = psp.zion;
            if (fabs(mu) > zion)
                return fu_ynode_fail(err, d, v, FU_EINPUT,
                                     "|%g| μB exceeds the %g valence electrons of %s's "
                                     "pseudopotential", mu, zion, s->symbol[k]);
        } /* an unloadable pseudopotential is reported by the run itself */
        p->spin_moment[k] = mu;
    }
    return FU_OK;
}

static int read_output(const fu_ydoc *d, const fu_ynode *out, char *prefix, size_t len,
                       fu_err *err) {
    static const char *const keys[] = {"prefix", NULL};
    const fu_ynode *n;
    int rc = fu_ymap_check_keys(d, out, keys, err);
    if (rc || !(n = fu_ymap_get(out, "prefix"))) return rc;
    rc = fu_ynode_string_copy(d, n, prefix, len, err);
    if (rc) return rc;
    size_t l = strlen(prefix);
    if (fu_input_has_control(prefix) || prefix[l - 1] == '/')
        return fu_ynode_fail(err, d, n, FU_EINPUT,
                             "must be a file name prefix (no control characters, not ending "
                             "in '/')");
    return FU_OK;
}

/* input file "dir/si.yaml" -> "si" */
void fu_input_default_name(const char *origin, const char *fallback, char *out, size_t len) {
    const char *base = strrchr(origin, '/');
    base = base ? base + 1 : origin;
    const char *dot = strrchr(base, '.');
    size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    if (n == 0 || fu_input_has_control(base)) {
        snprintf(out, len, "%s", fallback);
        return;
    }
    snprintf(out, len, "%.*s", (int)n, base);
}

static void one_line_msg(char *s) {
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f) *s = '?';
}

/* Cutoff hints of the species' pseudopotentials (only table: specs carry
 * them). ec given: refuse an ecut below a low hint unless allow; ec NULL: the
 * protocol's hint, maximised over the species, is the cutoff. */
static int apply_hints(const fu_ydoc *d, const fu_ynode *pn, const fu_ynode *ec,
                       const fu_protocol *proto, int allow, const fu_structure *s,
                       fu_scf_params *p, fu_err *err) {
    double best = 0;
    for (int k = 0; k < s->nspecies; k++) {
        if (ec && strncmp(p->pseudo[k], "table:", 6)) continue;
        fu_psp psp;
        fu_err e = {0};
        if (fu_psp_load(p->pseudo[k], s->symbol[k], &psp, &e)) {
            if (ec) continue; /* the run reports it */
            one_line_msg(e.msg);
            return fu_ynode_fail(err, d, pn, FU_EINPUT, "no cutoff hint for %s: %s", s->symbol[k],
                                 e.msg);
        }
        if (ec) {
            double low = psp.hint_ecut[0];
            if (low > 0 && p->ecut < low && !allow)
                return fu_ynode_fail(err, d, ec, FU_EINPUT,
                                     "%g Ha is below the low cutoff hint %g Ha of %s (%s); raise "
                                     "it or write allow_unconverged: true",
                                     p->ecut, low, s->symbol[k], p->pseudo[k]);
            continue;
        }
        double h = psp.hint_ecut[proto->hint];
        if (!(h > 0))
            return fu_ynode_fail(err, d, pn, FU_EINPUT,
                                 "no %s cutoff hint for %s (%s); give ecut explicitly",
                                 fu_protocol_hint_name(proto->hint), s->symbol[k], p->pseudo[k]);
        if (h > best) best = h;
    }
    if (!ec) {
        if (best > MAX_ECUT)
            return fu_ynode_fail(err, d, pn, FU_EINPUT, "the cutoff hint %g Ha is beyond %g Ha",
                                 best, MAX_ECUT);
        p->ecut = best;
    }
    return FU_OK;
}

static int parse_doc(const fu_ydoc *d, fu_scf_input *in, fu_err *err) {
    static const char *const keys[] = {"structure", "pseudopotentials", "xc", "ecut",
                                       "kpoints", "bands", "fft_grid", "smearing",
                                       "symmetry", "scf", "compute", "output",
                                       "verbosity", "spin", "protocol", "allow_unconverged",
                                       NULL};
    char dir[FU_INPUT_PATH_LEN]; /* directory of the input file, "" if none */
    fu_input_dir_of(d->path, dir, sizeof dir);
    fu_scf_params *p = &in->params;
    const fu_ynode *root = d->root, *n;
    if (root->kind != FU_YMAP)
        return fu_ynode_fail(err, d, root, FU_EINPUT,
                             "expected a map of keys (structure:, ecut:, ...), found a %s",
                             fu_ykind_name(root->kind));
    int rc = fu_ymap_check_keys(d, root, keys, err);
    if (rc) return rc;

    const fu_ynode *st, *ps, *ec = NULL, *pn;
    const fu_protocol *proto = NULL;
    int allow = 0;
    rc = fu_ymap_require(d, root, "structure", &st, err);
    if (!rc) rc = fu_ymap_require(d, root, "pseudopotentials", &ps, err);
    if (!rc && (pn = fu_ymap_get(root, "protocol"))) {
        const char *name;
        rc = fu_ynode_string(d, pn, &name, err);
        if (!rc && !(proto = fu_protocol_find(name)))
            rc = fu_ynode_fail(err, d, pn, FU_EINPUT, "unknown protocol '%.40s'; known: %s", name,
                               FU_PROTOCOL_NAMES);
        if (!rc) snprintf(p->protocol, sizeof p->protocol, "%s", proto->name);
    }
    if (!rc && (n = fu_ymap_get(root, "allow_unconverged"))) rc = fu_ynode_bool(d, n, &allow, err);
    /* a protocol supplies the cutoff (the pseudopotentials' hint) */
    if (!rc && !(ec = fu_ymap_get(root, "ecut")) && !proto)
        rc = fu_ymap_require(d, root, "ecut", &ec, err);
    if (!rc) rc = read_structure(d, dir, st, &in->structure, err);
    if (!rc) rc = read_pseudos(d, dir, ps, &in->structure, p, err);
    if (!rc && (n = fu_ymap_get(root, "xc"))) rc = read_xc(d, n, p, err);
    if (!rc && (n = fu_ymap_get(root, "spin"))) rc = read_spin(d, n, &in->structure, p, err);
    if (!rc && ec) rc = fu_input_read_ecut(d, ec, &p->ecut, err);
    if (!rc) rc = apply_hints(d, pn, ec, proto, allow, &in->structure, p, err);
    double kspacing = proto ? proto->kspacing : 0;
    if (!rc && (n = fu_ymap_get(root, "kpoints")))
        rc = read_kpoints(d, n, &in->structure, kspacing, p, err);
    else if (!rc && proto)
        fu_kpoints_grid_from_spacing(in->structure.lattice, kspacing, MAX_KGRID, p->kgrid);
    if (!rc && proto && !fu_ymap_get(root, "smearing")) {
        p->smearing = proto->smearing;
        p->tsmear = proto->tsmear;
    }
    if (!rc && (n = fu_ymap_get(root, "bands"))) rc = fu_ynode_int(d, n, 1, MAX_BANDS, &p->nband, err);
    if (!rc && (n = fu_ymap_get(root, "fft_grid")))
        rc = fu_ynode_ints(d, n, 3, 1, MAX_FFT, p->fft, err);
    if (!rc && (n = fu_ymap_get(root, "smearing"))) rc = fu_input_read_smearing(d, n, p, err);
    if (!rc && (n = fu_ymap_get(root, "symmetry"))) rc = fu_input_read_symmetry(d, n, p, err);
    if (!rc && (n = fu_ymap_get(root, "scf"))) rc = fu_input_read_scf(d, n, p, err);
    if (!rc && proto && !(n && fu_ymap_get(n, "energy_tolerance")))
        p->tol_energy = proto->tol_energy_per_atom * in->structure.natom;
    if (!rc && (n = fu_ymap_get(root, "compute"))) rc = fu_input_read_compute(d, n, p, err);
    if (!rc && (n = fu_ymap_get(root, "verbosity"))) rc = fu_ynode_int(d, n, 0, 2, &p->verbosity, err);
    fu_input_default_name(d->path, "furui", in->output_prefix, sizeof in->output_prefix);
    if (!rc && (n = fu_ymap_get(root, "output")))
        rc = read_output(d, n, in->output_prefix, sizeof in->output_prefix, err);
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
