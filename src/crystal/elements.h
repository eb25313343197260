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

#endif
