/* Crystal prototypes: primitive cells of common structure types with elements
 * substituted on their sites, for generating screening candidates.
 *
 * Sites are named A, B, X; a prototype has 1, 2 or 3 of them:
 *
 *   name         sites  formula  atoms  space group     lattice parameter a
 *   rocksalt     A B    AB       2      225 Fm-3m       cubic a (conventional)
 *   zincblende   A B    AB       2      216 F-43m       cubic a (conventional)
 *   wurtzite     A B    AB       4      186 P6_3mc      hexagonal a; c = √(8/3) a, u = 3/8
 *   cscl         A B    AB       2      221 Pm-3m       cubic a
 *   fluorite     A B    AB2      3      225 Fm-3m       cubic a (conventional)
 *   diamond      A      A        2      227 Fd-3m       cubic a (conventional)
 *   fcc          A      A        1      225 Fm-3m       cubic a (conventional)
 *   bcc          A      A        1      229 Im-3m       cubic a (conventional)
 *   hcp          A      A        2      194 P6_3/mmc    hexagonal a; c = √(8/3) a
 *   perovskite   A B X  ABX3     5      221 Pm-3m       cubic a (A corner, B body centre,
 *                                                       X face centres)
 *
 * Structure types of competing phases and elements (conventional cell as in
 * the International Tables; the built cell is its primitive cell; a is the
 * conventional a, other ratios and free parameters fixed at the values of
 * the named compound, "ideal" where so marked):
 *
 *   name          sites  formula  atoms  space group    type compound, parameters
 *   antifluorite  A B    A2B      3      225 Fm-3m      Li2O: A 8c, B 4a
 *   rutile        A B    AB2      6      136 P4_2/mnm   TiO2: c/a 2.9587/4.5937, O 4f u 0.3048
 *   anatase       A B    AB2      6      141 I4_1/amd   TiO2: c/a 9.5146/3.7842, Ti 4a, O 8e
 *                                                       z 0.2081 (origin choice 1)
 *   cdi2          A B    AB2      3      164 P-3m1      CdI2: c/a 6.84/4.24, Cd 1a, I 2d z 1/4
 *                                                       (ideal)
 *   nias          A B    AB       4      194 P6_3/mmc   NiAs: c/a 5.034/3.619, Ni 2a, As 2c
 *   corundum      A B    A2B3     10     167 R-3c       Al2O3: c/a 12.991/4.7589, Al 12c z
 *                                                       0.35216, O 18e x 0.30624
 *   cotunnite     A B    AB2      12     62 Pnma        PbCl2: b/a 4.5348/7.6222, c/a
 *                                                       9.0448/7.6222, three 4c sites
 *   spinel        A B X  AB2X4    14     227 Fd-3m      MgAl2O4: A 8a, B 16d, X 32e x 0.2624
 *                                                       (origin choice 2)
 *   heusler       A B X  A2BX     4      225 Fm-3m      Cu2MnAl (L2_1): A 8c, B 4a, X 4b
 *   half-heusler  A B X  ABX      3      216 F-43m      MgAgAs (C1_b): A 4a, B 4c, X 4b
 *   rp1           A B X  A2BX4    7      139 I4/mmm     Sr2TiO4 (K2NiF4, Ruddlesden-Popper
 *                                                       n = 1): c/a 12.60/3.884, A 4e z
 *                                                       0.3553, B 2a, X 4c + 4e z 0.1608
 *   delafossite   A B X  ABX2     4      166 R-3m       CuFeO2: c/a 17.166/3.0351, A 3a, B 3b,
 *                                                       X 6c z 0.1066
 *   graphite      A      A        4      194 P6_3/mmc   C: c/a 6.711/2.464, 2b + 2c
 *   beta-sn       A      A        2      141 I4_1/amd   white Sn: c/a 3.1819/5.8318, 4a
 *   alpha-as      A      A        2      166 R-3m       As (A7): c/a 10.5475/3.7598, 6c z
 *                                                       0.22705 (also Sb, Bi)
 *   gamma-se      A      A        3      152 P3_121     trigonal Se (A8): c/a 4.9536/4.3662,
 *                                                       3a x 0.2254 (also Te)
 *   dimer         A      A2       2      123 P4/mmm     a diatomic molecule along z in a cubic
 *                                                       box of edge a (default 10 Å); bond:
 *                                                       fu_prototype_dimer_bond
 *   alpha-s       A      A        32     70 Fddd        orthorhombic S (S8 rings): b/a
 *                                                       12.8660/10.4646, c/a 24.4860/10.4646,
 *                                                       four 32h sites (origin choice 2; Rettig
 *                                                       and Trotter, Acta Cryst. C43, 2260
 *                                                       (1987), 298 K)
 *   alpha-ga      A      A        4      64 Cmce        alpha-Ga (A11): b/a 7.6586/4.5192, c/a
 *                                                       4.5258/4.5192, 8f y 0.1549 z 0.0810
 *                                                       (Donohue, 298 K)
 *   indium        A      A        1      139 I4/mmm     In (A6): c/a 4.9461/3.2523, 2a
 *                                                       (Donohue, 298 K)
 *
 * (α-Sn is the diamond prototype with A: Sn.) The rule of these prototypes
 * (not dimer): a is the smallest value at which no two atoms of different
 * elements are closer than the sum of their covalent radii (one element: no
 * two atoms closer than 2r), found over all atom pairs of the cell.
 *
 * Cells are primitive: face-centred ones use a1 = a/2 (0,1,1), a2 = a/2 (1,0,1),
 * a3 = a/2 (1,1,0); body-centred a/2 (-1,1,1), a/2 (1,-1,1), a/2 (1,1,-1);
 * hexagonal a (1,0,0), a (-1/2,√3/2,0), (0,0,c). Species are the distinct
 * elements in site order (A, B, X); the same element on two sites is one
 * species (zincblende with A = B = Si is diamond Si).
 *
 * Lattice-parameter rule (a starting geometry, not a prediction): each
 * nearest-neighbour bond i–j of the prototype is given the length
 * r_i + r_j, the sum of the elements' covalent radii
 * (fu_element_covalent_radius, Cordero et al. 2008), and a follows from the
 * prototype's geometry:
 *
 *   rocksalt   d(A–B) = a/2          ->  a = 2 (rA + rB)
 *   zincblende d(A–B) = √3 a/4       ->  a = 4 (rA + rB)/√3
 *   wurtzite   d(A–B) = √(3/8) a     ->  a = √(8/3) (rA + rB)   (all four bonds equal)
 *   cscl       d(A–B) = √3 a/2       ->  a = 2 (rA + rB)/√3
 *   fluorite   d(A–B) = √3 a/4       ->  a = 4 (rA + rB)/√3
 *   diamond    d(A–A) = √3 a/4       ->  a = 8 rA/√3
 *   fcc        d(A–A) = a/√2         ->  a = 2√2 rA
 *   bcc        d(A–A) = √3 a/2       ->  a = 4 rA/√3
 *   hcp        d(A–A) = a            ->  a = 2 rA
 *   perovskite d(B–X) = a/2, d(A–X) = a/√2
 *                                    ->  a = max(2 (rB + rX), √2 (rA + rX))
 *
 * (perovskite: the larger, so that no bond is shorter than its radius sum;
 * the other is then stretched, as the Goldschmidt tolerance factor measures).
 * In every prototype but perovskite the rule's bond is the shortest
 * interatomic distance, so the nearest-neighbour distance of the built cell
 * is the rule's value; in perovskite the bond that sets a has exactly its
 * radius sum and the other rule bond (B–X or A–X) is at least its own.
 * Covalent radii are single-bond values: expect a to be off by 5-15 % for
 * ionic and metallic compounds (NaCl: 5.36 Å vs 5.64 Å measured; fcc Al:
 * 3.42 Å vs 4.05 Å); give a explicitly when it is known. */
#ifndef FURUI_CRYSTAL_PROTOTYPES_H
#define FURUI_CRYSTAL_PROTOTYPES_H

#include "core/error.h"
#include "crystal/structure.h"

typedef enum {
    FU_PROTO_ROCKSALT = 0,
    FU_PROTO_ZINCBLENDE,
    FU_PROTO_WURTZITE,
    FU_PROTO_CSCL,
    FU_PROTO_FLUORITE,
    FU_PROTO_DIAMOND,
    FU_PROTO_FCC,
    FU_PROTO_BCC,
    FU_PROTO_HCP,
    FU_PROTO_PEROVSKITE,
    FU_PROTO_ANTIFLUORITE,
    FU_PROTO_RUTILE,
    FU_PROTO_ANATASE,
    FU_PROTO_CDI2,
    FU_PROTO_NIAS,
    FU_PROTO_CORUNDUM,
    FU_PROTO_COTUNNITE,
    FU_PROTO_SPINEL,
    FU_PROTO_HEUSLER,
    FU_PROTO_HALF_HEUSLER,
    FU_PROTO_RP1,
    FU_PROTO_DELAFOSSITE,
    FU_PROTO_GRAPHITE,
    FU_PROTO_BETA_SN,
    FU_PROTO_ALPHA_AS,
    FU_PROTO_GAMMA_SE,
    FU_PROTO_DIMER,
    FU_PROTO_ALPHA_S,
    FU_PROTO_ALPHA_GA,
    FU_PROTO_INDIUM,
    FU_PROTO_COUNT
} fu_prototype;

#define FU_PROTO_MAX_SITES 3
#define FU_PROTO_MAX_ATOMS 32
/* Edge of the cubic box of a dimer when no a is given: 10 Å. */
#define FU_PROTO_DIMER_BOX_ANGSTROM 10.0

/* Prototype from its name (lower case as in the table; "CsCl", "B1", ... are
 * not accepted, to keep one spelling); -1 if unknown. */
int fu_prototype_from_name(const char *name);
/* Name as in the table, NULL for an invalid value. */
const char *fu_prototype_name(fu_prototype p);
/* Comma-separated list of all names (for messages). */
const char *fu_prototype_names(void);
/* Number of sites (1..3); 0 for an invalid value. */
int fu_prototype_nsites(fu_prototype p);
/* Formula units of each site in the primitive cell, e.g. fluorite {1, 2},
 * wurtzite {2, 2}; returns the number of sites. */
int fu_prototype_site_counts(fu_prototype p, int count[FU_PROTO_MAX_SITES]);
/* Space-group number of the ideal structure (as in the table). */
int fu_prototype_spacegroup(fu_prototype p);

/* Experimental bond length r_e (bohr) of the homonuclear diatomic molecule of
 * element z (H, N, O, F, Cl, Br, I: Huber and Herzberg, Constants of
 * Diatomic Molecules, 1979, as tabulated in NIST CCCBDB); 0 if not tabulated. */
double fu_prototype_dimer_bond(int z);

/* Lattice parameter a (bohr) from the covalent-radius rule for atomic
 * numbers z[0..nsites-1] (sites A, B, X). Fails (naming the element) if an
 * element has no covalent radius. */
int fu_prototype_rule_a(fu_prototype p, const int *z, double *a, fu_err *err);
/* The nearest-neighbour distance (bohr) the rule imposes, for tests and
 * reports: r_i + r_j of the rule's bond (perovskite: the bond that sets a). */
double fu_prototype_rule_nn(fu_prototype p, const int *z);
/* Builds the primitive cell of p with elements z[0..nsites-1] (atomic
 * numbers) and lattice parameter a (bohr, as in the table); a <= 0 applies
 * the covalent-radius rule. s is allocated (fu_structure_free it). */
int fu_prototype_build(fu_prototype p, const int *z, double a, fu_structure *s, fu_err *err);
/* The same with c/a = ca instead of the table's (hexagonal, tetragonal and
 * rhombohedral prototypes; ca <= 0: the table's), for elements whose c/a is
 * far from their prototype's (Zn and Cd in hcp, Te in gamma-se). */
int fu_prototype_build_ca(fu_prototype p, const int *z, double a, double ca, fu_structure *s,
                          fu_err *err);
/* The same with the element's own free parameter u instead of the type
 * compound's: z of 6c in alpha-as (Sb, Bi), x of 3a in gamma-se (Te); u = 0:
 * the table's. Any other prototype, or u outside (0, 0.5), is refused. */
int fu_prototype_build_u(fu_prototype p, const int *z, double a, double ca, double u, fu_structure *s,
                         fu_err *err);

#endif
