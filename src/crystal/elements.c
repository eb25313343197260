#include "crystal/elements.h"

#include <ctype.h>
#include <stddef.h>

/* Standard atomic weights (amu) from T. Prohaska et al., "Standard atomic
 * weights of the elements 2021 (IUPAC Technical Report)", Pure Appl. Chem. 94,
 * 573 (2022), abridged to five significant figures as in the CIAAW/IUPAC
 * abridged table; for elements whose weight is an interval (H, Li, B, C, N, O,
 * Mg, Si, S, Cl, Ar, Br, Tl, Pb) the conventional value. Elements without a
 * standard weight (Tc, Pm, Po..Ac, Np..Lr) carry the mass number of their
 * longest-lived known isotope (Tc-97, Pm-145, Po-209, At-210, Rn-222, Fr-223,
 * Ra-226, Ac-227, Np-237, Pu-244, Am-243, Cm-247, Bk-247, Cf-251, Es-252,
 * Fm-257, Md-258, No-259, Lr-266). Th, Pa and U have standard weights. */
static const struct {
    const char *symbol;
    double mass;
} table[FU_MAX_Z + 1] = {
    {NULL, 0.0},
    {"H", 1.008},     {"He", 4.0026},   {"Li", 6.94},     {"Be", 9.0122},   {"B", 10.81},
    {"C", 12.011},    {"N", 14.007},    {"O", 15.999},    {"F", 18.998},    {"Ne", 20.180},
    {"Na", 22.990},   {"Mg", 24.305},   {"Al", 26.982},   {"Si", 28.085},   {"P", 30.974},
    {"S", 32.06},     {"Cl", 35.45},    {"Ar", 39.95},    {"K", 39.098},    {"Ca", 40.078},
    {"Sc", 44.956},   {"Ti", 47.867},   {"V", 50.942},    {"Cr", 51.996},   {"Mn", 54.938},
    {"Fe", 55.845},   {"Co", 58.933},   {"Ni", 58.693},   {"Cu", 63.546},   {"Zn", 65.38},
    {"Ga", 69.723},   {"Ge", 72.630},   {"As", 74.922},   {"Se", 78.971},   {"Br", 79.904},
    {"Kr", 83.798},   {"Rb", 85.468},   {"Sr", 87.62},    {"Y", 88.906},    {"Zr", 91.222},
    {"Nb", 92.906},   {"Mo", 95.95},    {"Tc", 97.0},     {"Ru", 101.07},   {"Rh", 102.91},
    {"Pd", 106.42},   {"Ag", 107.87},   {"Cd", 112.41},   {"In", 114.82},   {"Sn", 118.71},
    {"Sb", 121.76},   {"Te", 127.60},   {"I", 126.90},    {"Xe", 131.29},   {"Cs", 132.91},
    {"Ba", 137.33},   {"La", 138.91},   {"Ce", 140.12},   {"Pr", 140.91},   {"Nd", 144.24},
    {"Pm", 145.0},    {"Sm", 150.36},   {"Eu", 151.96},   {"Gd", 157.25},   {"Tb", 158.93},
    {"Dy", 162.50},   {"Ho", 164.93},   {"Er", 167.26},   {"Tm", 168.93},   {"Yb", 173.05},
    {"Lu", 174.97},   {"Hf", 178.49},   {"Ta", 180.95},   {"W", 183.84},    {"Re", 186.21},
    {"Os", 190.23},   {"Ir", 192.22},   {"Pt", 195.08},   {"Au", 196.97},   {"Hg", 200.59},
    {"Tl", 204.38},   {"Pb", 207.2},    {"Bi", 208.98},   {"Po", 209.0},    {"At", 210.0},
    {"Rn", 222.0},    {"Fr", 223.0},    {"Ra", 226.0},    {"Ac", 227.0},    {"Th", 232.04},
    {"Pa", 231.04},   {"U", 238.03},    {"Np", 237.0},    {"Pu", 244.0},    {"Am", 243.0},
    {"Cm", 247.0},    {"Bk", 247.0},    {"Cf", 251.0},    {"Es", 252.0},    {"Fm", 257.0},
    {"Md", 258.0},    {"No", 259.0},    {"Lr", 266.0},
};

int fu_element_z(const char *symbol) {
    if (!symbol || !symbol[0]) return 0;
    for (int z = 1; z <= FU_MAX_Z; z++) {
        const char *t = table[z].symbol;
        size_t i = 0;
        while (t[i] && symbol[i] &&
               tolower((unsigned char)t[i]) == tolower((unsigned char)symbol[i]))
            i++;
        if (!t[i] && !symbol[i]) return z;
    }
    return 0;
}

const char *fu_element_symbol(int z) {
    return (z >= 1 && z <= FU_MAX_Z) ? table[z].symbol : NULL;
}

double fu_element_mass(int z) {
    return (z >= 1 && z <= FU_MAX_Z) ? table[z].mass : 0.0;
}

/* Covalent radii (Å), Z = 1..96, from B. Cordero et al., "Covalent radii
 * revisited", Dalton Trans. 2008, 2832-2838 (their Table 2): carbon is the
 * sp³ value (0.76; sp² 0.73, sp 0.69), Mn, Fe, Co the low-spin values (1.39,
 * 1.32, 1.26; high-spin 1.61, 1.52, 1.50). The paper gives none beyond Cm. */
static const double covalent_radius[97] = {
    0.0,  0.31, 0.28,                                                 /* H  He */
    1.28, 0.96, 0.84, 0.76, 0.71, 0.66, 0.57, 0.58,                   /* Li .. Ne */
    1.66, 1.41, 1.21, 1.11, 1.07, 1.05, 1.02, 1.06,                   /* Na .. Ar */
    2.03, 1.76, 1.70, 1.60, 1.53, 1.39, 1.39, 1.32, 1.26, 1.24, 1.32, /* K .. Cu */
    1.22, 1.22, 1.20, 1.19, 1.20, 1.20, 1.16,                         /* Zn .. Kr */
    2.20, 1.95, 1.90, 1.75, 1.64, 1.54, 1.47, 1.46, 1.42, 1.39, 1.45, /* Rb .. Ag */
    1.44, 1.42, 1.39, 1.39, 1.38, 1.39, 1.40,                         /* Cd .. Xe */
    2.44, 2.15,                                                       /* Cs Ba */
    2.07, 2.04, 2.03, 2.01, 1.99, 1.98, 1.98, 1.96, 1.94, 1.92, 1.92, /* La .. Ho */
    1.89, 1.90, 1.87, 1.87,                                           /* Er .. Lu */
    1.75, 1.70, 1.62, 1.51, 1.44, 1.41, 1.36, 1.36, 1.32,             /* Hf .. Hg */
    1.45, 1.46, 1.48, 1.40, 1.50, 1.50,                               /* Tl .. Rn */
    2.60, 2.21, 2.15, 2.06, 2.00, 1.96, 1.90, 1.87, 1.80, 1.69,       /* Fr .. Cm */
};

double fu_element_covalent_radius(int z) {
    return (z >= 1 && z <= 96) ? covalent_radius[z] : 0.0;
}
