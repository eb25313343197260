/* High-symmetry k-point paths for band structures, following
 *   W. Setyawan and S. Curtarolo, "High-throughput electronic band structure
 *   calculations: Challenges and tools", Comp. Mat. Sci. 49, 299 (2010).
 *
 * The Bravais lattice is identified with spglib. The special points are
 * defined in the paper for its standard primitive cell; they are mapped to
 * Cartesian coordinates through the standard conventional cell expressed in
 * the structure's own Cartesian frame ((a_s b_s c_s) = (a b c) P⁻¹, spglib's
 * transformation matrix P, no rotation) and then to reduced coordinates of
 * the structure's own reciprocal lattice, so any setting of the cell (any
 * choice, order or orientation of its lattice vectors, or a supercell) gives
 * physically the same path.
 *
 * Covered lattices (paper's names): CUB (cP), FCC (cF), BCC (cI), HEX (hP),
 * TET (tP), BCT1/BCT2 (tI), ORC (oP, axes sorted a < b < c), RHL1/RHL2 (hR).
 * Fallback for the other lattices (triclinic, monoclinic, base-, face- and
 * body-centred orthorhombic): X-Γ-Y|Γ-Z with X, Y, Z = ½ b1, ½ b2, ½ b3 of the
 * structure's own reciprocal vectors (zone-boundary midpoints along the
 * reciprocal axes); `variant` is then "fallback". */
#ifndef FURUI_CRYSTAL_KPATH_H
#define FURUI_CRYSTAL_KPATH_H

#include "crystal/structure.h"

#define FU_KPATH_MAXPT 24   /* special points of one lattice */
#define FU_KPATH_MAXSEQ 48  /* path entries including breaks */
#define FU_KPATH_LABEL 8    /* UTF-8 label ("Γ", "Σ1") with its NUL */

typedef struct {
    char bravais[4];           /* Pearson-like symbol: "cF", "hP", "tI", ...; "aP".. */
    char variant[12];          /* the paper's case: "FCC", "BCT2", "RHL1", or "fallback" */
    int spacegroup_number;
    int npoint;                /* special points */
    char label[FU_KPATH_MAXPT][FU_KPATH_LABEL];
    double kred[FU_KPATH_MAXPT][3];  /* reduced coordinates in the structure's reciprocal basis */
    double kcart[FU_KPATH_MAXPT][3]; /* Cartesian, bohr⁻¹ (structure's frame) */
    int nseq;
    int seq[FU_KPATH_MAXSEQ];  /* indices into the points; -1 = break ("|") */
} fu_kpath;

/* Identifies the lattice of s (spglib, tolerance symprec in bohr) and fills
 * the path. Never fails on a valid structure: unknown lattices get the
 * fallback path. */
int fu_kpath_find(const fu_structure *s, double symprec, fu_kpath *path, fu_err *err);

/* The path as text, e.g. "Γ-X-W-K-Γ-L-U-W-L-K|U-X". */
void fu_kpath_string(const fu_kpath *path, char *buf, int len);

/* Sampled path: consecutive points are joined by straight segments in
 * reciprocal space except where brk is set. */
typedef struct {
    int n;
    double (*kred)[3];   /* [n] reduced coordinates */
    double *dist;        /* [n] cumulative path length, bohr⁻¹ (does not advance across a
                            break: the two ends of a "|" share one abscissa) */
    int *special;        /* [n] index of the special point here, or -1 */
    int *brk;            /* [n] 1 if point i starts a new branch (i > 0 and not joined
                            to i-1) */
} fu_kpath_samples;

/* Samples the path with `density` points per bohr⁻¹ (each segment gets
 * max(1, ceil(length·density)) intervals; both ends of each segment are
 * included once). lattice is the structure's (rows, bohr). */
int fu_kpath_sample(const fu_kpath *path, const double lattice[3][3], double density,
                    fu_kpath_samples *out, fu_err *err);
void fu_kpath_samples_free(fu_kpath_samples *smp);

#endif
