/* Molecules in a box: a structure none of whose bonded networks reaches its
 * own periodic image (dimensionality 0 in the sense of Larsen et al., Phys.
 * Rev. Mater. 3, 034003, 2019). Bonds: distance < FU_MOLECULE_BOND_SCALE
 * (r_i + r_j), covalent radii of Cordero et al. (crystal/elements.h). O2 in a
 * 10 Å box is a molecule; NaCl, diamond, graphite layers, chains are not; a
 * molecular crystal (N2, I2: no bond between the molecules) counts as one. */
#ifndef FURUI_CRYSTAL_MOLECULE_H
#define FURUI_CRYSTAL_MOLECULE_H

#include "crystal/structure.h"

#define FU_MOLECULE_BOND_SCALE 1.25
/* Above this many atoms the test is not made (0 returned): a molecular
 * reference is a handful of atoms. */
#define FU_MOLECULE_MAX_ATOMS 200

/* 1 if the structure has bonds and every connected component of the bond
 * graph is finite, else 0 (also 0 for elements without a covalent radius and
 * for atoms closer than 0.5 Å: no physical structure to judge). */
int fu_molecule_is_finite(const fu_structure *s);

#endif
