#include "crystal/prototypes.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/units.h"
#include "crystal/elements.h"

typedef enum { LAT_FCC, LAT_BCC, LAT_SC, LAT_HEX } lattice_kind;

/* One atom of a prototype: its site (0 = A, 1 = B, 2 = X) and fractional
 * position in the primitive cell below. */
typedef struct {
    int site;
    double x[3];
} proto_atom;

#define U_WZ 0.375 /* ideal wurtzite u */

static const struct {
    const char *name;
    int nsites;
    int spacegroup;
    lattice_kind lat;
    int natom;
    proto_atom atom[5];
} table[FU_PROTO_COUNT] = {
    [FU_PROTO_ROCKSALT] = {"rocksalt", 2, 225, LAT_FCC, 2, {{0, {0, 0, 0}}, {1, {0.5, 0.5, 0.5}}}},
    [FU_PROTO_ZINCBLENDE] =
        {"zincblende", 2, 216, LAT_FCC, 2, {{0, {0, 0, 0}}, {1, {0.25, 0.25, 0.25}}}},
    [FU_PROTO_WURTZITE] = {"wurtzite",
                           2,
                           186,
                           LAT_HEX,
                           4,
                           {{0, {1.0 / 3, 2.0 / 3, 0}},
                            {0, {2.0 / 3, 1.0 / 3, 0.5}},
                            {1, {1.0 / 3, 2.0 / 3, U_WZ}},
                            {1, {2.0 / 3, 1.0 / 3, 0.5 + U_WZ}}}},
    [FU_PROTO_CSCL] = {"cscl", 2, 221, LAT_SC, 2, {{0, {0, 0, 0}}, {1, {0.5, 0.5, 0.5}}}},
    [FU_PROTO_FLUORITE] = {"fluorite",
                           2,
                           225,
                           LAT_FCC,
                           3,
                           {{0, {0, 0, 0}}, {1, {0.25, 0.25, 0.25}}, {1, {0.75, 0.75, 0.75}}}},
    [FU_PROTO_DIAMOND] = {"diamond", 1, 227, LAT_FCC, 2, {{0, {0, 0, 0}}, {0, {0.25, 0.25, 0.25}}}},
    [FU_PROTO_FCC] = {"fcc", 1, 225, LAT_FCC, 1, {{0, {0, 0, 0}}}},
    [FU_PROTO_BCC] = {"bcc", 1, 229, LAT_BCC, 1, {{0, {0, 0, 0}}}},
    [FU_PROTO_HCP] =
        {"hcp", 1, 194, LAT_HEX, 2, {{0, {1.0 / 3, 2.0 / 3, 0.25}}, {0, {2.0 / 3, 1.0 / 3, 0.75}}}},
    [FU_PROTO_PEROVSKITE] = {"perovskite",
                             3,
                             221,
                             LAT_SC,
                             5,
                             {{0, {0, 0, 0}},
                              {1, {0.5, 0.5, 0.5}},
                              {2, {0.5, 0.5, 0}},
                              {2, {0.5, 0, 0.5}},
                              {2, {0, 0.5, 0.5}}}},
};

static int valid(fu_prototype p) {
    return (int)p >= 0 && p < FU_PROTO_COUNT;
}

int fu_prototype_from_name(const char *name) {
    if (!name) return -1;
    for (int p = 0; p < FU_PROTO_COUNT; p++)
        if (!strcmp(name, table[p].name)) return p;
    return -1;
}

const char *fu_prototype_name(fu_prototype p) {
    return valid(p) ? table[p].name : NULL;
}

const char *fu_prototype_names(void) {
    return "rocksalt, zincblende, wurtzite, cscl, fluorite, diamond, fcc, bcc, hcp, perovskite";
}

int fu_prototype_nsites(fu_prototype p) {
    return valid(p) ? table[p].nsites : 0;
}

int fu_prototype_site_counts(fu_prototype p, int count[FU_PROTO_MAX_SITES]) {
    for (int i = 0; i < FU_PROTO_MAX_SITES; i++) count[i] = 0;
    if (!valid(p)) return 0;
    for (int a = 0; a < table[p].natom; a++) count[table[p].atom[a].site]++;
    /* formula units: divide by the gcd (wurtzite A2B2 -> AB) */
    int g = 0;
    for (int i = 0; i < table[p].nsites; i++) {
        int x = count[i], y = g;
        while (y) {
            int t = x % y;
            x = y;
            y = t;
        }
        g = x;
    }
    for (int i = 0; i < table[p].nsites && g > 1; i++) count[i] /= g;
    return table[p].nsites;
}

int fu_prototype_spacegroup(fu_prototype p) {
    return valid(p) ? table[p].spacegroup : 0;
}

/* Radii in bohr; 0 if unknown. */
static double radius(int z) {
    return fu_element_covalent_radius(z) / FU_BOHR_ANGSTROM;
}

/* a (bohr) from the rule, and the bond length it imposes (header table). */
static double rule(fu_prototype p, const int *z, double *bond) {
    double rA = radius(z[0]), rB = table[p].nsites > 1 ? radius(z[1]) : 0.0;
    double s3 = sqrt(3.0);
    double d = rA + rB, a = 0.0;
    switch (p) {
        case FU_PROTO_ROCKSALT:
            a = 2.0 * d;
            break;
        case FU_PROTO_ZINCBLENDE:
        case FU_PROTO_FLUORITE:
            a = 4.0 * d / s3;
            break;
        case FU_PROTO_WURTZITE:
            a = sqrt(8.0 / 3.0) * d;
            break;
        case FU_PROTO_CSCL:
            a = 2.0 * d / s3;
            break;
        case FU_PROTO_DIAMOND:
            d = 2.0 * rA;
            a = 4.0 * d / s3;
            break;
        case FU_PROTO_FCC:
            d = 2.0 * rA;
            a = sqrt(2.0) * d;
            break;
        case FU_PROTO_BCC:
            d = 2.0 * rA;
            a = 2.0 * d / s3;
            break;
        case FU_PROTO_HCP:
            d = 2.0 * rA;
            a = d;
            break;
        case FU_PROTO_PEROVSKITE: {
            double rX = radius(z[2]);
            double a_bx = 2.0 * (rB + rX), a_ax = sqrt(2.0) * (rA + rX);
            if (a_bx >= a_ax) {
                a = a_bx;
                d = rB + rX;
            } else {
                a = a_ax;
                d = rA + rX;
            }
            break;
        }
        default:
            d = 0.0;
            break;
    }
    if (bond) *bond = d;
    return a;
}

static int check_elements(fu_prototype p, const int *z, fu_err *err) {
    if (!valid(p)) return fu_fail(err, FU_EINPUT, "prototype: invalid prototype %d", (int)p);
    if (!z) return fu_fail(err, FU_EINPUT, "prototype %s: no elements given", table[p].name);
    static const char site_name[] = "ABX";
    for (int i = 0; i < table[p].nsites; i++)
        if (!fu_element_symbol(z[i]))
            return fu_fail(err, FU_EINPUT, "prototype %s: site %c: unknown element Z=%d",
                           table[p].name, site_name[i], z[i]);
    return FU_OK;
}

int fu_prototype_rule_a(fu_prototype p, const int *z, double *a, fu_err *err) {
    int rc = check_elements(p, z, err);
    if (rc) return rc;
    static const char site_name[] = "ABX";
    for (int i = 0; i < table[p].nsites; i++)
        if (!(fu_element_covalent_radius(z[i]) > 0))
            return fu_fail(err, FU_EINPUT,
                           "prototype %s: site %c: no covalent radius for %s (known up to Cm); "
                           "give the lattice parameter a",
                           table[p].name, site_name[i], fu_element_symbol(z[i]));
    *a = rule(p, z, NULL);
    return FU_OK;
}

double fu_prototype_rule_nn(fu_prototype p, const int *z) {
    if (!valid(p) || !z) return 0.0;
    double d;
    rule(p, z, &d);
    return d;
}

int fu_prototype_build(fu_prototype p, const int *z, double a, fu_structure *s, fu_err *err) {
    int rc = check_elements(p, z, err);
    if (rc) return rc;
    if (!isfinite(a))
        return fu_fail(err, FU_EINPUT, "prototype %s: lattice parameter is not finite",
                       table[p].name);
    if (a <= 0) {
        rc = fu_prototype_rule_a(p, z, &a, err);
        if (rc) return rc;
    }
    fu_structure t;
    rc = fu_structure_alloc(&t, table[p].natom, err);
    if (rc) return rc;

    double h = 0.5 * a;
    switch (table[p].lat) {
        case LAT_FCC: {
            const double v[3][3] = {{0, h, h}, {h, 0, h}, {h, h, 0}};
            memcpy(t.lattice, v, sizeof v);
            break;
        }
        case LAT_BCC: {
            const double v[3][3] = {{-h, h, h}, {h, -h, h}, {h, h, -h}};
            memcpy(t.lattice, v, sizeof v);
            break;
        }
        case LAT_SC: {
            const double v[3][3] = {{a, 0, 0}, {0, a, 0}, {0, 0, a}};
            memcpy(t.lattice, v, sizeof v);
            break;
        }
        case LAT_HEX: {
            const double c = sqrt(8.0 / 3.0) * a; /* ideal close packing */
            const double v[3][3] = {{a, 0, 0}, {-h, 0.5 * sqrt(3.0) * a, 0}, {0, 0, c}};
            memcpy(t.lattice, v, sizeof v);
            break;
        }
    }

    /* Species: distinct elements in site order. */
    int site_species[FU_PROTO_MAX_SITES];
    t.nspecies = 0;
    for (int i = 0; i < table[p].nsites; i++) {
        int sp = 0;
        while (sp < t.nspecies && t.znucl[sp] != z[i]) sp++;
        if (sp == t.nspecies) {
            t.znucl[sp] = z[i];
            snprintf(t.symbol[sp], FU_SYMBOL_LEN, "%s", fu_element_symbol(z[i]));
            t.nspecies++;
        }
        site_species[i] = sp;
    }
    for (int ia = 0; ia < table[p].natom; ia++) {
        memcpy(t.xred[ia], table[p].atom[ia].x, sizeof t.xred[ia]);
        t.typat[ia] = site_species[table[p].atom[ia].site];
    }
    *s = t;
    return FU_OK;
}
