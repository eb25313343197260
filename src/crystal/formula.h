/* Chemical formulas as chemists write them. */
#ifndef FURUI_CRYSTAL_FORMULA_H
#define FURUI_CRYSTAL_FORMULA_H

#include <stddef.h>

/* The reduced formula in pymatgen's Composition.reduced_formula convention:
 * elements by increasing Pauling electronegativity (ties by symbol), counts
 * divided by their gcd, the two most electronegative elements of a compound
 * of three or more written as a polyanion in parentheses when they differ by
 * less than 1.65 and their group repeats ("Ca(NO3)2"), and pymatgen's special
 * formulas (O2, N2, H2, F2, Cl2 for the elements; Li2O2, Na2O2, K2O2, Rb2O2,
 * Cs2O2, H2O2 for the peroxides). count[z], z = 1..FU_MAX_Z, atoms of element
 * z. Examples: SrO (OPTIMADE: OSr), CsPbI3 (CsI3Pb). */
void fu_formula_pretty(const int *count, char *buf, size_t len);

/* Pauling electronegativity of z as pymatgen gives it (its periodic_table.json,
 * Debian python3-pymatgen 2022.11.7); NaN for He, Ne, Ar and Z outside 1..103. */
double fu_formula_electronegativity(int z);

/* Greatest common divisor of n atom counts, zeros ignored (0 if all are 0):
 * what a formula's counts are divided by. */
int fu_formula_gcd(const int *count, int n);

#endif
