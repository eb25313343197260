/* Elemental reference states: the ground-state (standard-state) phase of an
 * element as a prototype with its experimental lattice parameters, for
 * `references: auto` in a sweep (input/sweep_README.md).
 *
 * Sources (each entry's `source` says which; K and Cs at 5 K, whose
 * thermal expansion to 298 K is 2 %, the others at room temperature):
 *  - "Donohue": J. Donohue, The Structures of the Elements (Wiley, 1974),
 *    room-temperature lattice parameters, as also tabulated in C. Kittel,
 *    Introduction to Solid State Physics (8th ed., 2005), ch. 1, and in
 *    ASE's ase.data.reference_states (Debian python3-ase), which the test
 *    compares against.
 *  - "Rettig-Trotter": S. J. Rettig and J. Trotter, Acta Cryst. C43, 2260
 *    (1987): orthorhombic alpha-S at 298 K (prototype alpha-s, 32 atoms).
 *  - "Huber-Herzberg": K. P. Huber and G. Herzberg, Constants of Diatomic
 *    Molecules (1979), r_e as in NIST CCCBDB (the dimer prototype's bond).
 * Molecules (H2, N2, O2, F2, Cl2; Br2 and I2, condensed at 298 K, stand in
 * for their molecular crystals, off by the sublimation/vaporisation
 * enthalpy: Br2 0.16, I2 0.32 eV/atom) sit in a cubic box of
 * FU_PROTO_DIMER_BOX_ANGSTROM, spin-polarised where their ground state is
 * (O2: triplet, moment 1 muB per atom). Fe, Co, Ni are ferromagnetic
 * (starting moments 2.2, 1.6, 0.6 muB); Cr's antiferromagnetism needs a
 * supercell and is left out (non-magnetic bcc). Sb, Bi (alpha-as) and Te
 * (gamma-se) have their own a, c/a and free parameter (z 0.23349, 0.23407;
 * x 0.2636), not As's and Se's. These are experimental structures; relax
 * them (`properties: relax`) when the hull must be tight.
 * Ga (alpha-ga, Cmce) and In (indium, I4/mmm) have prototypes of their own.
 * Elements whose ground state is none of furui's prototypes (B, P, Mn,
 * Hg, La and the other lanthanides, noble gases, ...) have no entry: give
 * their reference as a candidate. */
#ifndef FURUI_CRYSTAL_REFSTATE_H
#define FURUI_CRYSTAL_REFSTATE_H

#include "core/error.h"
#include "crystal/prototypes.h"
#include "crystal/structure.h"

typedef struct {
    int z;
    fu_prototype proto;
    double a;        /* Å: conventional a (dimer: the box edge is the default) */
    double ca;       /* c/a, 0: the prototype's */
    double moment;   /* starting moment per atom (muB); 0: not spin-polarised */
    int molecule;    /* 1: a molecule in a box (Γ point only) */
    const char *source;
} fu_refstate;

/* The entry of element z, NULL if none. */
const fu_refstate *fu_refstate_find(int z);
/* The i-th entry (i = 0, 1, ...), NULL past the end. */
const fu_refstate *fu_refstate_at(int i);
/* Comma-separated symbols of the elements that have an entry (messages). */
const char *fu_refstate_symbols(void);
/* Builds the reference structure of r (bohr). */
int fu_refstate_build(const fu_refstate *r, fu_structure *s, fu_err *err);

#endif
