#include "crystal/poscar.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/regfile.h"
#include "core/units.h"
#include "crystal/elements.h"

#define MAX_TOKENS 64
#define MAX_NATOM 10000000

/* Line reader: remembers the line number so that every message can say
 * "path:line: what". Lines and the file are capped (FU_POSCAR_MAX_LINE,
 * FU_POSCAR_MAX_BYTES): /dev/zero or a line of 300 000 numbers once grew
 * the buffer without bound. */
typedef struct {
    FILE *f;
    const char *path;
    int lineno;
    long long nread;
    char buf[FU_POSCAR_MAX_LINE + 1];
    int ntok;
    char *tok[MAX_TOKENS];
    fu_err *err;
} reader;

/* Reads the next line and splits it into whitespace-separated tokens. */
static int next_line(reader *r, const char *what) {
    size_t n = 0;
    int ch = EOF;
    errno = 0;
    while ((ch = getc(r->f)) != EOF && ch != '\n') {
        if (++r->nread > FU_POSCAR_MAX_BYTES)
            return fu_fail(r->err, FU_EINPUT, "%s:%d: file larger than %d bytes, not a POSCAR file",
                           r->path, r->lineno + 1, FU_POSCAR_MAX_BYTES);
        if (ch == '\0')
            return fu_fail(r->err, FU_EINPUT, "%s:%d: binary data (NUL byte), not a POSCAR file",
                           r->path, r->lineno + 1);
        if (n == FU_POSCAR_MAX_LINE)
            return fu_fail(r->err, FU_EINPUT, "%s:%d: line longer than %d characters", r->path,
                           r->lineno + 1, FU_POSCAR_MAX_LINE);
        r->buf[n++] = (char)ch;
    }
    if (ch == EOF && ferror(r->f))
        return fu_fail(r->err, FU_EIO, "%s:%d: read error (%s)", r->path, r->lineno + 1,
                       strerror(errno ? errno : EIO));
    if (ch == EOF && n == 0)
        return fu_fail(r->err, FU_EINPUT, "%s:%d: %s expected, the file ends", r->path,
                       r->lineno + 1, what);
    r->nread += ch == '\n';
    r->buf[n] = '\0';
    r->lineno++;
    r->ntok = 0;
    char *save = NULL;
    for (char *t = strtok_r(r->buf, " \t\r\n\v\f", &save); t && r->ntok < MAX_TOKENS;
         t = strtok_r(NULL, " \t\r\n\v\f", &save))
        r->tok[r->ntok++] = t;
    return FU_OK;
}

/* A whole token as a finite double. */
static int parse_double(const char *t, double *v) {
    char *end;
    errno = 0;
    double x = strtod(t, &end);
    if (end == t || *end != '\0' || errno == ERANGE || !isfinite(x)) return 0;
    *v = x;
    return 1;
}

static int parse_int(const char *t, long *v) {
    char *end;
    errno = 0;
    long x = strtol(t, &end, 10);
    if (end == t || *end != '\0' || errno == ERANGE) return 0;
    *v = x;
    return 1;
}

/* First three tokens as numbers (anything after them is a comment or a
 * selective-dynamics flag and is ignored). */
static int read_vec3(reader *r, const char *what, double v[3]) {
    int rc = next_line(r, what);
    if (rc) return rc;
    if (r->ntok < 3)
        return fu_fail(r->err, FU_EINPUT, "%s:%d: %s: expected 3 numbers, found %d tokens",
                       r->path, r->lineno, what, r->ntok);
    for (int j = 0; j < 3; j++)
        if (!parse_double(r->tok[j], &v[j]))
            return fu_fail(r->err, FU_EINPUT, "%s:%d: %s: '%.40s' is not a finite number",
                           r->path, r->lineno, what, r->tok[j]);
    return FU_OK;
}

/* "Si", "Si_pv", "Si_GW/abc123" (VASP 6 CONTCARs) -> Z; 0 if unknown. */
static int species_z(const char *t) {
    char sym[8];
    size_t n = 0;
    while (t[n] && t[n] != '_' && t[n] != '/' && n < sizeof sym - 1) {
        sym[n] = t[n];
        n++;
    }
    if (t[n] && t[n] != '_' && t[n] != '/') return 0; /* too long to be a symbol */
    sym[n] = '\0';
    return fu_element_z(sym);
}

static double norm3(const double v[3]) { return sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]); }

static int read_body(reader *r, fu_structure *s) {
    fu_err *err = r->err;
    const char *path = r->path;
    int rc = next_line(r, "comment line");
    if (rc) return rc;

    /* Scale: one factor (>0), a target volume in Å^3 (<0), or three factors
     * for the Cartesian x, y, z components. */
    rc = next_line(r, "scale factor");
    if (rc) return rc;
    double scale[3] = {1, 1, 1}, volume = 0;
    int nscale = 0;
    while (nscale < 3 && nscale < r->ntok && parse_double(r->tok[nscale], &scale[nscale]))
        nscale++;
    if (nscale == 0)
        return fu_fail(err, FU_EINPUT, "%s:%d: scale factor: expected a number, found '%.40s'",
                       path, r->lineno, r->ntok ? r->tok[0] : "");
    if (nscale == 1) {
        if (scale[0] == 0)
            return fu_fail(err, FU_EINPUT, "%s:%d: scale factor: must not be zero", path,
                           r->lineno);
        if (scale[0] < 0) {
            volume = -scale[0];
            scale[0] = 1;
        }
        scale[1] = scale[2] = scale[0];
    } else if (nscale == 3) {
        if (!(scale[0] > 0 && scale[1] > 0 && scale[2] > 0))
            return fu_fail(err, FU_EINPUT, "%s:%d: scale factors: all three must be positive",
                           path, r->lineno);
    } else {
        return fu_fail(err, FU_EINPUT, "%s:%d: scale factor: expected one or three numbers",
                       path, r->lineno);
    }

    double lat[3][3];
    static const char *const vec_name[3] = {"lattice vector 1", "lattice vector 2",
                                            "lattice vector 3"};
    for (int i = 0; i < 3; i++) {
        rc = read_vec3(r, vec_name[i], lat[i]);
        if (rc) return rc;
    }
    int lat_line = r->lineno - 2;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) lat[i][j] *= scale[j];
    double det = fu_lattice_det(lat);
    double lprod = norm3(lat[0]) * norm3(lat[1]) * norm3(lat[2]);
    if (!(fabs(det) > 1e-6 * lprod) || !isfinite(det))
        return fu_fail(err, FU_EINPUT,
                       "%s:%d: lattice vectors are linearly dependent (singular cell, volume %.3g "
                       "A^3)",
                       path, lat_line, fabs(det));
    if (volume > 0) {
        double f = cbrt(volume / fabs(det));
        for (int i = 0; i < 3; i++) {
            scale[i] = f;
            for (int j = 0; j < 3; j++) lat[i][j] *= f;
        }
    }

    /* Species line (VASP 5); a line of numbers here is a VASP 4 file. */
    rc = next_line(r, "species line");
    if (rc) return rc;
    double dummy;
    if (r->ntok == 0)
        return fu_fail(err, FU_EINPUT, "%s:%d: species line: empty", path, r->lineno);
    if (parse_double(r->tok[0], &dummy))
        return fu_fail(err, FU_EINPUT,
                       "%s:%d: species line missing (VASP 4 format): add the element symbols "
                       "above the counts line",
                       path, r->lineno);
    int ngroup = r->ntok;
    if (ngroup >= MAX_TOKENS)
        return fu_fail(err, FU_EINPUT, "%s:%d: species line: too many species", path,
                       r->lineno);
    int group_z[MAX_TOKENS];
    char group_sym[MAX_TOKENS][FU_SYMBOL_LEN];
    for (int g = 0; g < ngroup; g++) {
        group_z[g] = species_z(r->tok[g]);
        if (!group_z[g])
            return fu_fail(err, FU_EINPUT, "%s:%d: species line: unknown element '%.40s'", path,
                           r->lineno, r->tok[g]);
        snprintf(group_sym[g], FU_SYMBOL_LEN, "%s", fu_element_symbol(group_z[g]));
    }
    int species_line = r->lineno;

    rc = next_line(r, "atom counts line");
    if (rc) return rc;
    if (r->ntok < ngroup)
        return fu_fail(err, FU_EINPUT,
                       "%s:%d: atom counts: %d counts for %d species on line %d", path,
                       r->lineno, r->ntok, ngroup, species_line);
    long count[MAX_TOKENS], total = 0;
    for (int g = 0; g < ngroup; g++) {
        if (!parse_int(r->tok[g], &count[g]))
            return fu_fail(err, FU_EINPUT, "%s:%d: atom counts: '%.40s' is not an integer",
                           path, r->lineno, r->tok[g]);
        if (count[g] <= 0)
            return fu_fail(err, FU_EINPUT, "%s:%d: atom counts: %s has %ld atoms, must be >= 1",
                           path, r->lineno, group_sym[g], count[g]);
        if (count[g] > MAX_NATOM || total + count[g] > MAX_NATOM)
            return fu_fail(err, FU_EINPUT, "%s:%d: atom counts: more than %d atoms", path,
                           r->lineno, MAX_NATOM);
        total += count[g];
    }
    if (r->ntok > ngroup) {
        double x;
        /* A further number means the counts do not match the species. */
        if (parse_double(r->tok[ngroup], &x))
            return fu_fail(err, FU_EINPUT, "%s:%d: atom counts: %d counts for %d species on "
                           "line %d", path, r->lineno, r->ntok, ngroup, species_line);
    }

    /* Element species: groups of the same element are one species. */
    int nspecies = 0, group_species[MAX_TOKENS];
    int sp_z[FU_MAX_SPECIES];
    for (int g = 0; g < ngroup; g++) {
        int k = 0;
        while (k < nspecies && sp_z[k] != group_z[g]) k++;
        if (k == nspecies) {
            if (nspecies == FU_MAX_SPECIES)
                return fu_fail(err, FU_EINPUT, "%s:%d: more than %d different elements", path,
                               species_line, FU_MAX_SPECIES);
            sp_z[nspecies++] = group_z[g];
        }
        group_species[g] = k;
    }

    rc = next_line(r, "'Direct' or 'Cartesian' line");
    if (rc) return rc;
    if (r->ntok > 0 && (r->tok[0][0] == 's' || r->tok[0][0] == 'S')) {
        rc = next_line(r, "'Direct' or 'Cartesian' line");
        if (rc) return rc;
    }
    int c0 = r->ntok > 0 ? tolower((unsigned char)r->tok[0][0]) : 0;
    int cartesian;
    if (c0 == 'd')
        cartesian = 0;
    else if (c0 == 'c' || c0 == 'k')
        cartesian = 1;
    else
        return fu_fail(err, FU_EINPUT, "%s:%d: expected 'Direct' or 'Cartesian', found '%.40s'",
                       path, r->lineno, r->ntok ? r->tok[0] : "");

    rc = fu_structure_alloc(s, (int)total, err);
    if (rc) {
        fu_err_prefix(err, "%s", path);
        return rc;
    }
    s->nspecies = nspecies;
    for (int k = 0; k < nspecies; k++) {
        s->znucl[k] = sp_z[k];
        snprintf(s->symbol[k], FU_SYMBOL_LEN, "%s", fu_element_symbol(sp_z[k]));
    }
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) s->lattice[i][j] = lat[i][j] / FU_BOHR_ANGSTROM;
    double rec[3][3];
    fu_lattice_reciprocal(s->lattice, rec);

    int a = 0;
    for (int g = 0; g < ngroup; g++)
        for (long c = 0; c < count[g]; c++, a++) {
            char what[64];
            snprintf(what, sizeof what, "position of atom %d (%s)", a + 1, group_sym[g]);
            double v[3];
            rc = read_vec3(r, what, v);
            if (rc) return rc;
            s->typat[a] = group_species[g];
            if (!cartesian) {
                memcpy(s->xred[a], v, sizeof v);
            } else {
                double rb[3];
                for (int j = 0; j < 3; j++) rb[j] = v[j] * scale[j] / FU_BOHR_ANGSTROM;
                for (int i = 0; i < 3; i++)
                    s->xred[a][i] =
                        (rb[0] * rec[i][0] + rb[1] * rec[i][1] + rb[2] * rec[i][2]) / (2.0 * FU_PI);
            }
            for (int i = 0; i < 3; i++)
                if (!(fabs(s->xred[a][i]) <= FU_MAX_FRACTIONAL))
                    return fu_fail(err, FU_EINPUT,
                                   "%s:%d: %s: fractional coordinate %.3g out of range (|x| <= %g)",
                                   path, r->lineno, what, s->xred[a][i], FU_MAX_FRACTIONAL);
        }
    /* Anything after the positions (velocities, predictor-corrector data of a
     * CONTCAR) is not needed. */
    return FU_OK;
}

int fu_poscar_read(const char *path, fu_structure *s, fu_err *err) {
    memset(s, 0, sizeof *s);
    struct stat st;
    FILE *f = fu_fopen_regular(path, &st, err); /* a FIFO would block in open(2) */
    if (!f) return FU_EIO;
    if (st.st_size > FU_POSCAR_MAX_BYTES) {
        fclose(f);
        return fu_fail(err, FU_EINPUT, "%s: file of %lld bytes, larger than any POSCAR (limit %d)",
                       path, (long long)st.st_size, FU_POSCAR_MAX_BYTES);
    }
    reader *r = malloc(sizeof *r);
    if (!r) {
        fclose(f);
        return fu_fail(err, FU_ENOMEM, "%s: out of memory", path);
    }
    *r = (reader){.f = f, .path = path, .err = err};
    int rc = read_body(r, s);
    free(r);
    fclose(f);
    if (rc) fu_structure_free(s);
    return rc;
}

static const char *species_symbol(const fu_structure *s, int sp) {
    const char *e = fu_element_symbol(s->znucl[sp]);
    return e ? e : s->symbol[sp];
}

int fu_poscar_write(FILE *f, const fu_structure *s, const char *comment, fu_err *err) {
    if (s->natom < 1 || s->nspecies < 1)
        return fu_fail(err, FU_EINPUT, "POSCAR writer: the structure has no atoms");
    for (int sp = 0; sp < s->nspecies; sp++)
        if (!species_symbol(s, sp)[0])
            return fu_fail(err, FU_EINPUT, "POSCAR writer: species %d has no element symbol",
                           sp + 1);
    char formula[256];
    if (!comment) {
        fu_structure_formula_reduced(s, formula, sizeof formula);
        comment = formula;
    }
    /* The comment must stay on one line. */
    for (const char *c = comment; *c; c++) fputc((*c == '\n' || *c == '\r') ? ' ' : *c, f);
    fputs("\n1.0\n", f);
    for (int i = 0; i < 3; i++)
        fprintf(f, " %24.16f %24.16f %24.16f\n", s->lattice[i][0] * FU_BOHR_ANGSTROM,
                s->lattice[i][1] * FU_BOHR_ANGSTROM, s->lattice[i][2] * FU_BOHR_ANGSTROM);
    /* POSCAR lists atoms grouped by species: written in species order, so a
     * structure with interleaved species comes back reordered. */
    for (int sp = 0; sp < s->nspecies; sp++)
        if (fu_structure_count(s, sp) > 0) fprintf(f, " %s", species_symbol(s, sp));
    fputc('\n', f);
    for (int sp = 0; sp < s->nspecies; sp++) {
        int c = fu_structure_count(s, sp);
        if (c > 0) fprintf(f, " %d", c);
    }
    fputs("\nDirect\n", f);
    for (int sp = 0; sp < s->nspecies; sp++)
        for (int a = 0; a < s->natom; a++)
            if (s->typat[a] == sp)
                fprintf(f, " %21.16f %21.16f %21.16f\n", s->xred[a][0], s->xred[a][1],
                        s->xred[a][2]);
    if (ferror(f) || fflush(f) != 0)
        return fu_fail(err, FU_EIO, "POSCAR writer: write failed (%s)", strerror(errno));
    return FU_OK;
}

int fu_cif_write(FILE *f, const fu_structure *s, const char *name, fu_err *err) {
    if (s->natom < 1 || s->nspecies < 1)
        return fu_fail(err, FU_EINPUT, "CIF writer: the structure has no atoms");
    double len[3], ang[3];
    for (int i = 0; i < 3; i++) len[i] = norm3(s->lattice[i]);
    for (int i = 0; i < 3; i++) {
        /* alpha = angle(b, c), beta = angle(a, c), gamma = angle(a, b) */
        const double *u = s->lattice[(i + 1) % 3], *v = s->lattice[(i + 2) % 3];
        double c = (u[0] * v[0] + u[1] * v[1] + u[2] * v[2]) / (norm3(u) * norm3(v));
        if (c > 1) c = 1;
        if (c < -1) c = -1;
        ang[i] = acos(c) * 180.0 / FU_PI;
    }
    /* A CIF data block name is one token without whitespace. */
    fputs("data_", f);
    const char *n = (name && name[0]) ? name : "furui";
    for (const char *c = n; *c; c++) fputc(isgraph((unsigned char)*c) ? *c : '_', f);
    double b3 = FU_BOHR_ANGSTROM * FU_BOHR_ANGSTROM * FU_BOHR_ANGSTROM;
    fprintf(f,
            "\n_symmetry_space_group_name_H-M   'P 1'\n"
            "_symmetry_Int_Tables_number      1\n"
            "_cell_length_a    %.12f\n_cell_length_b    %.12f\n_cell_length_c    %.12f\n"
            "_cell_angle_alpha %.12f\n_cell_angle_beta  %.12f\n_cell_angle_gamma %.12f\n"
            "_cell_volume      %.12f\n"
            "loop_\n_symmetry_equiv_pos_as_xyz\n  'x, y, z'\n"
            "loop_\n_atom_site_label\n_atom_site_type_symbol\n"
            "_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n"
            "_atom_site_occupancy\n",
            len[0] * FU_BOHR_ANGSTROM, len[1] * FU_BOHR_ANGSTROM, len[2] * FU_BOHR_ANGSTROM,
            ang[0], ang[1], ang[2], fabs(fu_lattice_det(s->lattice)) * b3);
    int seen[FU_MAX_Z + 1] = {0}; /* labels numbered per element: Si1, Si2, O1 */
    for (int a = 0; a < s->natom; a++) {
        int sp = s->typat[a];
        if (sp < 0 || sp >= s->nspecies || sp >= FU_MAX_SPECIES)
            return fu_fail(err, FU_EINPUT, "CIF writer: atom %d: species index %d out of range",
                           a + 1, sp);
        const char *sym = species_symbol(s, sp);
        int z = (s->znucl[sp] >= 1 && s->znucl[sp] <= FU_MAX_Z) ? s->znucl[sp] : 0;
        fprintf(f, "  %s%d %s %.16f %.16f %.16f 1\n", sym, ++seen[z], sym, s->xred[a][0],
                s->xred[a][1], s->xred[a][2]);
    }
    if (ferror(f) || fflush(f) != 0)
        return fu_fail(err, FU_EIO, "CIF writer: write failed (%s)", strerror(errno));
    return FU_OK;
}
