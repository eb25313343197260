/* A periodic crystal structure: lattice, species and atoms.
 * Lengths in bohr; positions fractional (reduced). */
#ifndef FURUI_CRYSTAL_STRUCTURE_H
#define FURUI_CRYSTAL_STRUCTURE_H

#include "core/error.h"

#define FU_MAX_SPECIES 16
#define FU_SYMBOL_LEN 4
/* Largest |fractional coordinate| accepted: beyond it, wrapping into the cell
 * loses the position's digits (1e300 once ended in a spglib failure). */
#define FU_MAX_FRACTIONAL 1000.0

typedef struct {
    double lattice[3][3];   /* rows are the lattice vectors a1, a2, a3 (bohr) */
    int natom;
    double (*xred)[3];      /* [natom] fractional coordinates */
    int *typat;             /* [natom] species index, 0-based */
    int nspecies;
    char symbol[FU_MAX_SPECIES][FU_SYMBOL_LEN]; /* element symbol per species */
    int znucl[FU_MAX_SPECIES];                  /* atomic number per species */
} fu_structure;

/* Allocates xred and typat for natom atoms (zeroed); other fields zeroed. */
int fu_structure_alloc(fu_structure *s, int natom, fu_err *err);
void fu_structure_free(fu_structure *s);
int fu_structure_copy(fu_structure *dst, const fu_structure *src, fu_err *err);

/* Signed volume a1·(a2×a3) in bohr³ (|.| is the cell volume). */
double fu_lattice_det(const double lat[3][3]);
/* Rows b_i of the reciprocal lattice, a_i·b_j = 2π δ_ij (bohr⁻¹). */
void fu_lattice_reciprocal(const double lat[3][3], double rec[3][3]);
/* Cartesian position of atom ia (bohr). */
void fu_structure_cart(const fu_structure *s, int ia, double r[3]);

/* Physical sanity: finite numbers, non-singular lattice (volume > 1e-6 of
 * the product of lengths), every species has a known element, every pair of
 * atoms (over periodic images) at least min_dist bohr apart. `origin` names
 * the file/key for the message. */
int fu_structure_check(const fu_structure *s, double min_dist, const char *origin,
                       fu_err *err);

/* Number of species index `sp` atoms, formula helpers. */
int fu_structure_count(const fu_structure *s, int sp);
/* Reduced chemical formula, elements in alphabetical order ("ClNa", "GaAs" ->
 * "AsGa"), counts divided by their gcd; OPTIMADE chemical_formula_reduced. */
void fu_structure_formula_reduced(const fu_structure *s, char *buf, int len);

#endif
