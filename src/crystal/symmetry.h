/* Space-group operations of a structure, from spglib.
 * An operation maps fractional coordinates x -> R x + t. */
#ifndef FURUI_CRYSTAL_SYMMETRY_H
#define FURUI_CRYSTAL_SYMMETRY_H

#include "crystal/structure.h"

typedef struct {
    int nsym;
    int (*rot)[3][3];     /* [nsym] integer rotation, acts on fractional coords */
    double (*trans)[3];   /* [nsym] fractional translation */
    int **atom_map;       /* [nsym][natom]: op maps atom a onto atom atom_map[s][a] */
    int natom;
    int spacegroup_number; /* international number, 0 if unknown */
    char spacegroup_symbol[16];
} fu_symmetry;

/* All operations of s found by spglib with tolerance symprec (bohr); each is
 * verified (integer rotation preserving the metric to symprec, atoms map to
 * atoms of the same species); the identity comes first. */
int fu_symmetry_find(const fu_structure *s, double symprec, fu_symmetry *sym, fu_err *err);
/* Only the identity (for runs with symmetry switched off). */
int fu_symmetry_identity(const fu_structure *s, fu_symmetry *sym, fu_err *err);
void fu_symmetry_free(fu_symmetry *sym);

#endif
