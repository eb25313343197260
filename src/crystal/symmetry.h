/* Space-group operations of a structure, from spglib.
 * An operation maps fractional coordinates x -> R x + t. */
#ifndef FURUI_CRYSTAL_SYMMETRY_H
#define FURUI_CRYSTAL_SYMMETRY_H

#include "crystal/structure.h"

typedef struct {
    int nsym;
    int (*rot)[3][3];     /* [nsym] integer rotation, acts on fractional coords */
    double (*trans)[3];   /* [nsym] fractional translation */
    int **atom_map;       /* [nsym][natom]: op maps atom a onto atom atom_map[s][a]
                           * (rows share one block owned by atom_map[0]: to drop
                           * or reorder ops copy row contents, never pointers) */
    int natom;
    int spacegroup_number; /* international number, 0 if unknown */
    char spacegroup_symbol[16];
} fu_symmetry;

/* All operations of s found by spglib with tolerance symprec (bohr); each is
 * verified (integer rotation preserving the metric to symprec, atoms map to
 * atoms of the same species); the identity comes first. (Atoms are matched
 * within 2 symprec: spglib symmetrises the translations it returns, so on a
 * structure with noise below symprec an image can sit up to ~2 symprec from
 * its partner.) spacegroup_number/symbol are those of spglib's dataset. */
int fu_symmetry_find(const fu_structure *s, double symprec, fu_symmetry *sym, fu_err *err);
/* Only the identity (for runs with symmetry switched off). */
int fu_symmetry_identity(const fu_structure *s, fu_symmetry *sym, fu_err *err);
void fu_symmetry_free(fu_symmetry *sym);
/* Conventional standard cell of s (spglib's std_lattice, the International
 * Tables' setting: cubic a of an fcc primitive cell, hexagonal a, c of a
 * rhombohedral one): lengths abc (bohr) and angles alpha, beta, gamma
 * (degrees). */
int fu_symmetry_conventional(const fu_structure *s, double symprec, double abc[3],
                             double angles[3], fu_err *err);

/* Determinant of an integer rotation. */
int fu_rot_det(const int rot[3][3]);
/* The action R^{-T} of rot on reduced k-point coordinates (k' = R^{-T} k:
 * with x' = R x + t on fractional real-space coordinates, a Bloch function at
 * k maps to one at R^{-T} k). Returns 0 (out untouched) if det(rot) != ±1. */
int fu_rot_reciprocal(const int rot[3][3], int out[3][3]);

#endif
