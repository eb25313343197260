/* The periodic table: symbols, atomic numbers, standard atomic masses. */
#ifndef FURUI_CRYSTAL_ELEMENTS_H
#define FURUI_CRYSTAL_ELEMENTS_H

#define FU_MAX_Z 103

/* Atomic number for a symbol ("Si", case as usual; "SI"/"si" accepted);
 * 0 when unknown. */
int fu_element_z(const char *symbol);
/* Symbol for Z in 1..FU_MAX_Z, NULL otherwise. */
const char *fu_element_symbol(int z);
/* Standard atomic weight in amu (IUPAC 2021 abridged, conventional value for
 * elements given as intervals, mass number of the longest-lived isotope for
 * elements without a standard weight); 0 when unknown. */
double fu_element_mass(int z);

/* Single-bond covalent radius in Å (Cordero et al., "Covalent radii
 * revisited", Dalton Trans. 2008, 2832, doi:10.1039/b801115j: C sp³, Mn, Fe
 * and Co low-spin); 0 when unknown (Z > 96). A starting-geometry heuristic,
 * not a fitted quantity (see crystal/prototypes.h). */
double fu_element_covalent_radius(int z);

#endif
