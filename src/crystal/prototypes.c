#include "crystal/prototypes.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/units.h"
#include "crystal/elements.h"
#include "crystal/formula.h"

/* LAT_FCC..LAT_HEX: the primitive cells of the first ten prototypes, atoms
 * in primitive fractional coordinates. LAT_CONV: the others, described as in
 * the International Tables: a conventional cell (a, b = ba a, c = ca a,
 * hexagonal if hex) with its centring (P, C, I, F or R, hexagonal axes obverse),
 * one atom per centring class given in conventional fractional coordinates;
 * the primitive cell is derived from it (build_conv). */
typedef enum { LAT_FCC, LAT_BCC, LAT_SC, LAT_HEX, LAT_CONV } lattice_kind;

/* One atom of a prototype: its site (0 = A, 1 = B, 2 = X) and fractional
 * position in the primitive cell below. */
typedef struct {
    int site;
    double x[3];
} proto_atom;

#define U_WZ 0.375 /* ideal wurtzite u */
/* Free parameters of the conventional-cell prototypes (prototypes.h). */
#define U_RU 0.3048   /* rutile TiO2, O 4f (u,u,0) */
#define Z_AN 0.2081   /* anatase TiO2, O 8e (0,0,z), origin choice 1 */
#define Z_CO 0.35216  /* corundum Al2O3, Al 12c (0,0,z) */
#define X_CO 0.30624  /* corundum Al2O3, O 18e (x,0,1/4) */
#define X_SP 0.2624   /* spinel MgAl2O4, O 32e (x,x,x), origin choice 2 */
#define Z_RPA 0.3553  /* Sr2TiO4, Sr 4e (0,0,z) */
#define Z_RPX 0.1608  /* Sr2TiO4, O2 4e (0,0,z) */
#define Z_DE 0.1066   /* delafossite CuFeO2, O 6c (0,0,z) */
#define Z_AS 0.22705  /* alpha-As, 6c (0,0,z) */
#define X_SE 0.2254   /* trigonal Se, 3a (x,0,1/3) */
#define Y_GA 0.1549   /* alpha-Ga, 8f (0,y,z) */
#define Z_GA 0.0810
/* Fddd (origin choice 2) 32h: the eight positions of x, y, z not related by the F centring. */
#define FDDD8(x, y, z)                                                                                     \
    {0, {x, y, z}}, {0, {0.75 - (x), 0.75 - (y), z}}, {0, {0.75 - (x), y, 0.75 - (z)}},                     \
        {0, {x, 0.75 - (y), 0.75 - (z)}}, {0, {-(x), -(y), -(z)}}, {0, {0.25 + (x), 0.25 + (y), -(z)}},     \
        {0, {0.25 + (x), -(y), 0.25 + (z)}}, {0, {-(x), 0.25 + (y), 0.25 + (z)}}
/* Pnma 4c: (x,1/4,z), (1/2-x,3/4,1/2+z), (-x,3/4,-z), (1/2+x,1/4,1/2-z). */
#define COT4(site, x, z)                                                                \
    {site, {x, 0.25, z}}, {site, {0.5 - (x), 0.75, 0.5 + (z)}}, {site, {-(x), 0.75, -(z)}}, \
        {site, {0.5 + (x), 0.25, 0.5 - (z)}}

static const struct {
    const char *name;
    int nsites;
    int spacegroup;
    lattice_kind lat;
    int natom;
    proto_atom atom[FU_PROTO_MAX_ATOMS];
    char centring; /* LAT_CONV: 'P', 'C', 'I', 'F', 'R' */
    double ba, ca; /* LAT_CONV: b/a, c/a */
    int hex;       /* LAT_CONV: gamma = 120 degrees */
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

    /* Conventional cells, International Tables settings (origin choice 1 for
     * I4_1/amd, 2 for Fd-3m). Ratios and free parameters are those of the
     * named compound at room temperature (ICSD-type values quoted in the
     * structure-type literature; see prototypes.h), ideal where marked. */
    [FU_PROTO_ANTIFLUORITE] = {"antifluorite", 2, 225, LAT_CONV, 3,
                               {{0, {0.25, 0.25, 0.25}}, {0, {0.75, 0.75, 0.75}}, {1, {0, 0, 0}}},
                               'F', 1, 1, 0},
    [FU_PROTO_RUTILE] = {"rutile", 2, 136, LAT_CONV, 6,
                         {{0, {0, 0, 0}},
                          {0, {0.5, 0.5, 0.5}},
                          {1, {U_RU, U_RU, 0}},
                          {1, {1 - U_RU, 1 - U_RU, 0}},
                          {1, {0.5 + U_RU, 0.5 - U_RU, 0.5}},
                          {1, {0.5 - U_RU, 0.5 + U_RU, 0.5}}},
                         'P', 1, 2.9587 / 4.5937, 0},
    [FU_PROTO_ANATASE] = {"anatase", 2, 141, LAT_CONV, 6,
                          {{0, {0, 0, 0}},
                           {0, {0, 0.5, 0.25}},
                           {1, {0, 0, Z_AN}},
                           {1, {0, 0, -Z_AN}},
                           {1, {0, 0.5, 0.25 + Z_AN}},
                           {1, {0, 0.5, 0.25 - Z_AN}}},
                          'I', 1, 9.5146 / 3.7842, 0},
    [FU_PROTO_CDI2] = {"cdi2", 2, 164, LAT_CONV, 3,
                       {{0, {0, 0, 0}}, {1, {1.0 / 3, 2.0 / 3, 0.25}}, {1, {2.0 / 3, 1.0 / 3, 0.75}}},
                       'P', 1, 6.84 / 4.24, 1},
    [FU_PROTO_NIAS] = {"nias", 2, 194, LAT_CONV, 4,
                       {{0, {0, 0, 0}},
                        {0, {0, 0, 0.5}},
                        {1, {1.0 / 3, 2.0 / 3, 0.25}},
                        {1, {2.0 / 3, 1.0 / 3, 0.75}}},
                       'P', 1, 5.034 / 3.619, 1},
    [FU_PROTO_CORUNDUM] = {"corundum", 2, 167, LAT_CONV, 10,
                           {{0, {0, 0, Z_CO}},
                            {0, {0, 0, 0.5 - Z_CO}},
                            {0, {0, 0, -Z_CO}},
                            {0, {0, 0, 0.5 + Z_CO}},
                            {1, {X_CO, 0, 0.25}},
                            {1, {0, X_CO, 0.25}},
                            {1, {-X_CO, -X_CO, 0.25}},
                            {1, {-X_CO, 0, 0.75}},
                            {1, {0, -X_CO, 0.75}},
                            {1, {X_CO, X_CO, 0.75}}},
                           'R', 1, 12.991 / 4.7589, 1},
    [FU_PROTO_COTUNNITE] = {"cotunnite", 2, 62, LAT_CONV, 12,
                            {COT4(0, 0.2624, 0.0952), COT4(1, 0.8597, 0.0730),
                             COT4(1, 0.4728, 0.8380)},
                            'P', 4.5348 / 7.6222, 9.0448 / 7.6222, 0},
    [FU_PROTO_SPINEL] = {"spinel", 3, 227, LAT_CONV, 14,
                         {{0, {0.125, 0.125, 0.125}},
                          {0, {0.875, 0.375, 0.375}},
                          {1, {0.5, 0.5, 0.5}},
                          {1, {0.25, 0.75, 0}},
                          {1, {0.75, 0, 0.25}},
                          {1, {0, 0.25, 0.75}},
                          {2, {X_SP, X_SP, X_SP}},
                          {2, {0.75 - X_SP, 0.25 - X_SP, 0.5 + X_SP}},
                          {2, {0.25 - X_SP, 0.5 + X_SP, 0.75 - X_SP}},
                          {2, {0.5 + X_SP, 0.75 - X_SP, 0.25 - X_SP}},
                          {2, {-X_SP, -X_SP, -X_SP}},
                          {2, {0.25 + X_SP, 0.75 + X_SP, 0.5 - X_SP}},
                          {2, {0.75 + X_SP, 0.5 - X_SP, 0.25 + X_SP}},
                          {2, {0.5 - X_SP, 0.25 + X_SP, 0.75 + X_SP}}},
                         'F', 1, 1, 0},
    [FU_PROTO_HEUSLER] = {"heusler", 3, 225, LAT_CONV, 4,
                          {{0, {0.25, 0.25, 0.25}},
                           {0, {0.75, 0.75, 0.75}},
                           {1, {0, 0, 0}},
                           {2, {0.5, 0.5, 0.5}}},
                          'F', 1, 1, 0},
    [FU_PROTO_HALF_HEUSLER] = {"half-heusler", 3, 216, LAT_CONV, 3,
                               {{0, {0, 0, 0}}, {1, {0.25, 0.25, 0.25}}, {2, {0.5, 0.5, 0.5}}},
                               'F', 1, 1, 0},
    [FU_PROTO_RP1] = {"rp1", 3, 139, LAT_CONV, 7,
                      {{0, {0, 0, Z_RPA}},
                       {0, {0, 0, -Z_RPA}},
                       {1, {0, 0, 0}},
                       {2, {0, 0.5, 0}},
                       {2, {0.5, 0, 0}},
                       {2, {0, 0, Z_RPX}},
                       {2, {0, 0, -Z_RPX}}},
                      'I', 1, 12.60 / 3.884, 0},
    [FU_PROTO_DELAFOSSITE] = {"delafossite", 3, 166, LAT_CONV, 4,
                              {{0, {0, 0, 0}}, {1, {0, 0, 0.5}}, {2, {0, 0, Z_DE}}, {2, {0, 0, -Z_DE}}},
                              'R', 1, 17.166 / 3.0351, 1},
    [FU_PROTO_GRAPHITE] = {"graphite", 1, 194, LAT_CONV, 4,
                           {{0, {0, 0, 0.25}},
                            {0, {0, 0, 0.75}},
                            {0, {1.0 / 3, 2.0 / 3, 0.25}},
                            {0, {2.0 / 3, 1.0 / 3, 0.75}}},
                           'P', 1, 6.711 / 2.464, 1},
    [FU_PROTO_BETA_SN] = {"beta-sn", 1, 141, LAT_CONV, 2,
                          {{0, {0, 0, 0}}, {0, {0, 0.5, 0.25}}},
                          'I', 1, 3.1819 / 5.8318, 0},
    [FU_PROTO_ALPHA_AS] = {"alpha-as", 1, 166, LAT_CONV, 2,
                           {{0, {0, 0, Z_AS}}, {0, {0, 0, -Z_AS}}},
                           'R', 1, 10.5475 / 3.7598, 1},
    [FU_PROTO_GAMMA_SE] = {"gamma-se", 1, 152, LAT_CONV, 3,
                           {{0, {X_SE, 0, 1.0 / 3}}, {0, {0, X_SE, 2.0 / 3}}, {0, {-X_SE, -X_SE, 0}}},
                           'P', 1, 4.9536 / 4.3662, 1},
    [FU_PROTO_ALPHA_S] = {"alpha-s", 1, 70, LAT_CONV, 32,
                          {FDDD8(0.8554, 0.9526, 0.9516), FDDD8(0.7844, 0.0301, 0.0763),
                           FDDD8(0.7069, 0.9795, 0.0040), FDDD8(0.7862, 0.9073, 0.1290)},
                          'F', 12.8660 / 10.4646, 24.4860 / 10.4646, 0},
    /* Cmce 8f: the four positions not related by the C centring */
    [FU_PROTO_ALPHA_GA] = {"alpha-ga", 1, 64, LAT_CONV, 4,
                           {{0, {0, Y_GA, Z_GA}},
                            {0, {0, -Y_GA, -Z_GA}},
                            {0, {0, 0.5 - Y_GA, 0.5 + Z_GA}},
                            {0, {0, 0.5 + Y_GA, 0.5 - Z_GA}}},
                           'C', 7.6586 / 4.5192, 4.5258 / 4.5192, 0},
    [FU_PROTO_INDIUM] = {"indium", 1, 139, LAT_CONV, 1, {{0, {0, 0, 0}}}, 'I', 1, 4.9461 / 3.2523, 0},
    /* atoms placed by build(): the bond length depends on the element */
    [FU_PROTO_DIMER] = {"dimer", 1, 123, LAT_CONV, 2, {{0, {0, 0, 0}}, {0, {0, 0, 0}}}, 'P', 1, 1, 0},
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
    return "rocksalt, zincblende, wurtzite, cscl, fluorite, diamond, fcc, bcc, hcp, perovskite, "
           "antifluorite, rutile, anatase, cdi2, nias, corundum, cotunnite, spinel, heusler, "
           "half-heusler, rp1, delafossite, graphite, beta-sn, alpha-as, gamma-se, dimer, alpha-s, "
           "alpha-ga, indium";
}

int fu_prototype_nsites(fu_prototype p) {
    return valid(p) ? table[p].nsites : 0;
}

int fu_prototype_site_counts(fu_prototype p, int count[FU_PROTO_MAX_SITES]) {
    for (int i = 0; i < FU_PROTO_MAX_SITES; i++) count[i] = 0;
    if (!valid(p)) return 0;
    for (int a = 0; a < table[p].natom; a++) count[table[p].atom[a].site]++;
    /* formula units: divide by the gcd (wurtzite A2B2 -> AB) */
    int g = fu_formula_gcd(count, table[p].nsites);
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

double fu_prototype_dimer_bond(int z) {
    double r = 0.0; /* Å */
    switch (z) {
        case 1: r = 0.74144; break;
        case 7: r = 1.09768; break;
        case 8: r = 1.20752; break;
        case 9: r = 1.41193; break;
        case 17: r = 1.9879; break;
        case 35: r = 2.28105; break;
        case 53: r = 2.6663; break;
        default: break;
    }
    return r / FU_BOHR_ANGSTROM;
}

/* Conventional cell (rows, lattice parameter a) and the primitive vectors in
 * conventional fractional coordinates for a LAT_CONV prototype. */
static void conv_cell(fu_prototype p, double a, double ca, double conv[3][3], double prim[3][3]) {
    double c = (ca > 0 ? ca : table[p].ca) * a, b = table[p].ba * a;
    memset(conv, 0, 9 * sizeof(double));
    conv[0][0] = a;
    if (table[p].hex) {
        conv[1][0] = -0.5 * a;
        conv[1][1] = 0.5 * sqrt(3.0) * a;
    } else {
        conv[1][1] = b;
    }
    conv[2][2] = c;
    static const double P[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    static const double I[3][3] = {{-0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0.5, 0.5, -0.5}};
    static const double F[3][3] = {{0, 0.5, 0.5}, {0.5, 0, 0.5}, {0.5, 0.5, 0}};
    static const double C[3][3] = {{0.5, -0.5, 0}, {0.5, 0.5, 0}, {0, 0, 1}};
    /* hexagonal axes, obverse setting */
    static const double R[3][3] = {
        {2.0 / 3, 1.0 / 3, 1.0 / 3}, {-1.0 / 3, 1.0 / 3, 1.0 / 3}, {-1.0 / 3, -2.0 / 3, 1.0 / 3}};
    const double(*m)[3] = table[p].centring == 'I'   ? I
                          : table[p].centring == 'F' ? F
                          : table[p].centring == 'R' ? R
                          : table[p].centring == 'C' ? C
                                                     : P;
    memcpy(prim, m, 9 * sizeof(double));
}

/* Fills lattice and xred (primitive cell) of a LAT_CONV prototype. */
static void build_conv(fu_prototype p, const int *z, double a, double ca, double u, fu_structure *t) {
    double conv[3][3], prim[3][3];
    conv_cell(p, a, ca, conv, prim);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            t->lattice[i][j] =
                prim[i][0] * conv[0][j] + prim[i][1] * conv[1][j] + prim[i][2] * conv[2][j];
    double rec[3][3];
    fu_lattice_reciprocal((const double(*)[3])t->lattice, rec);
    for (int ia = 0; ia < table[p].natom; ia++) {
        double x[3], r[3];
        memcpy(x, table[p].atom[ia].x, sizeof x);
        /* the element's own free parameter instead of the type compound's */
        if (u > 0 && p == FU_PROTO_ALPHA_AS) x[2] = ia ? -u : u;
        if (u > 0 && p == FU_PROTO_GAMMA_SE) {
            static const double k[3][3] = {{1, 0, 0}, {0, 1, 0}, {-1, -1, 0}};
            for (int j = 0; j < 2; j++) x[j] = k[ia][j] * u;
        }
        if (p == FU_PROTO_DIMER) x[2] = (ia ? -0.5 : 0.5) * fu_prototype_dimer_bond(z[0]) / a;
        for (int j = 0; j < 3; j++) r[j] = x[0] * conv[0][j] + x[1] * conv[1][j] + x[2] * conv[2][j];
        for (int i = 0; i < 3; i++) {
            double f = (r[0] * rec[i][0] + r[1] * rec[i][1] + r[2] * rec[i][2]) / (2.0 * FU_PI);
            f -= floor(f);
            /* exact lattice points come out as 1 - 1e-16 */
            if (f > 1.0 - 1e-12) f = 0.0;
            if (fabs(f) < 1e-12) f = 0.0;
            t->xred[ia][i] = f;
        }
    }
}

/* Hard-sphere rule of the LAT_CONV prototypes (prototypes.h): the cell at
 * a = 1, every atom pair over images -3..3 (the primitive cells here are
 * compact enough), a = max (r_i + r_j) / d_ij. */
static double rule_conv(fu_prototype p, const int *z, double *bond) {
    if (p == FU_PROTO_DIMER) {
        if (bond) *bond = fu_prototype_dimer_bond(z[0]);
        return FU_PROTO_DIMER_BOX_ANGSTROM / FU_BOHR_ANGSTROM;
    }
    fu_structure t;
    double xr[FU_PROTO_MAX_ATOMS][3];
    int zat[FU_PROTO_MAX_ATOMS];
    memset(&t, 0, sizeof t);
    t.xred = xr;
    build_conv(p, z, 1.0, 0.0, 0.0, &t);
    int hetero = 0;
    for (int ia = 0; ia < table[p].natom; ia++) {
        zat[ia] = z[table[p].atom[ia].site];
        if (zat[ia] != zat[0]) hetero = 1;
    }
    double best = 0.0, d_best = 0.0;
    for (int ia = 0; ia < table[p].natom; ia++)
        for (int ib = ia; ib < table[p].natom; ib++) {
            if (hetero && zat[ia] == zat[ib]) continue;
            double dmin = INFINITY;
            for (int n0 = -3; n0 <= 3; n0++)
                for (int n1 = -3; n1 <= 3; n1++)
                    for (int n2 = -3; n2 <= 3; n2++) {
                        if (ia == ib && !n0 && !n1 && !n2) continue;
                        double f[3] = {xr[ib][0] - xr[ia][0] + n0, xr[ib][1] - xr[ia][1] + n1,
                                       xr[ib][2] - xr[ia][2] + n2};
                        double r2 = 0;
                        for (int j = 0; j < 3; j++) {
                            double r = f[0] * t.lattice[0][j] + f[1] * t.lattice[1][j] +
                                       f[2] * t.lattice[2][j];
                            r2 += r * r;
                        }
                        if (r2 < dmin * dmin) dmin = sqrt(r2);
                    }
            double rsum = radius(zat[ia]) + radius(zat[ib]);
            if (rsum / dmin > best) {
                best = rsum / dmin;
                d_best = rsum;
            }
        }
    if (bond) *bond = d_best;
    return best;
}

/* a (bohr) from the rule, and the bond length it imposes (header table). */
static double rule(fu_prototype p, const int *z, double *bond) {
    if (table[p].lat == LAT_CONV) return rule_conv(p, z, bond);
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
    if (p == FU_PROTO_DIMER) {
        if (!(fu_prototype_dimer_bond(z[0]) > 0))
            return fu_fail(err, FU_EINPUT,
                           "prototype dimer: no tabulated bond length for %s (known: H, N, O, F, "
                           "Cl, Br, I)",
                           fu_element_symbol(z[0]));
        *a = rule(p, z, NULL);
        return FU_OK;
    }
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
    return fu_prototype_build_ca(p, z, a, 0.0, s, err);
}

int fu_prototype_build_ca(fu_prototype p, const int *z, double a, double ca, fu_structure *s,
                          fu_err *err) {
    return fu_prototype_build_u(p, z, a, ca, 0.0, s, err);
}

int fu_prototype_build_u(fu_prototype p, const int *z, double a, double ca, double u, fu_structure *s,
                         fu_err *err) {
    int rc = check_elements(p, z, err);
    if (rc) return rc;
    if (u != 0 && !(u > 0 && u < 0.5 && (p == FU_PROTO_ALPHA_AS || p == FU_PROTO_GAMMA_SE)))
        return fu_fail(err, FU_EINPUT, "prototype %s: free parameter %g: only alpha-as (z) and gamma-se (x), "
                       "in (0, 0.5)", table[p].name, u);
    if (!isfinite(a))
        return fu_fail(err, FU_EINPUT, "prototype %s: lattice parameter is not finite",
                       table[p].name);
    if (a <= 0 || p == FU_PROTO_DIMER) {
        double a_rule;
        rc = fu_prototype_rule_a(p, z, &a_rule, err);
        if (rc) return rc;
        if (a <= 0) a = a_rule;
    }
    if (p == FU_PROTO_DIMER && a < 2.0 * fu_prototype_dimer_bond(z[0]))
        return fu_fail(err, FU_EINPUT,
                       "prototype dimer: box edge %.4g Å is less than twice the %s2 bond (%.4g Å)",
                       a * FU_BOHR_ANGSTROM, fu_element_symbol(z[0]),
                       fu_prototype_dimer_bond(z[0]) * FU_BOHR_ANGSTROM);
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
            const double c = (ca > 0 ? ca : sqrt(8.0 / 3.0)) * a; /* ideal close packing */
            const double v[3][3] = {{a, 0, 0}, {-h, 0.5 * sqrt(3.0) * a, 0}, {0, 0, c}};
            memcpy(t.lattice, v, sizeof v);
            break;
        }
        case LAT_CONV:
            break;
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
    if (table[p].lat == LAT_CONV) build_conv(p, z, a, ca, u, &t);
    *s = t;
    return FU_OK;
}
