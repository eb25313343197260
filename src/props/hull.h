/* Formation energies, energy above the convex hull and decomposition products,
 * for any number of elements. Energies in Ha inside; eV helpers below
 * (FU_HA_EV, core/units.h).
 *
 * Entries. An entry is a composition (element -> amount, amounts > 0, not
 * necessarily integers) and the total energy of exactly that amount of matter:
 * per formula unit when the amounts are a formula unit, per cell when they are
 * the atom counts of a cell. Energy per atom = energy_ha / sum(amounts).
 *
 * Elemental references. mu_el = energy per atom of the reference entry of
 * element el. By default the reference of el is the pure-el entry with the
 * lowest energy per atom (ties: the first in input order). When references are
 * declared (fu_hull_compute's ref_ids), every element present must have
 * exactly one declared reference, which must be a pure entry of that element,
 * and it is used even if another polymorph is lower (that polymorph then has a
 * negative formation energy and lies on the hull; the declared one does not).
 * All entries must come from one campaign with the same settings (functional,
 * pseudopotentials, cut-off, smearing): this module cannot check that.
 *
 * Formation energy per atom: E_f(i) = E_i/N_i - sum_el x_i,el mu_el, with
 * x_i,el = amount_el / N_i the atomic fractions.
 *
 * Hull. In the space of atomic fractions, the lower convex hull of the points
 * (x_j, E_f(j)). The hull energy at a composition x over a chemical system S
 * (the elements of x) is the linear program
 *
 *     E_hull(x) = min sum_j l_j E_f(j)  s.t.  sum_j l_j x_j = x,  l_j >= 0
 *
 * over the entries j whose elements are all in S (sum_j l_j = 1 follows from
 * the fractions summing to 1). It is solved by a dense revised simplex with
 * Bland's rule (no cycling under degeneracy), refactorising the m x m basis
 * (m = |S|) from the original data at every pivot, so round-off does not
 * accumulate; the start basis is one pure-element entry per element of S
 * (unit columns: always feasible), so no phase 1 is needed. This works
 * unchanged in any dimension and builds no hull facets. Cost: two LPs per
 * entry (hull energy, vertex test) and one per unstable entry (decomposition),
 * each over the entries of its chemical system: fine for thousands of entries.
 * Energy above hull: E_above(i) = E_f(i) - E_hull(x_i) >= 0.
 *
 * Stable entries (the hull vertices, pymatgen's PhaseDiagram.stable_entries):
 * entry i is stable iff it has the lowest energy per atom of its composition
 * (ties: the first in input order) and either it is pure (one element) or it
 * lies more than FU_HULL_TOL_HA below the hull of all entries of other
 * compositions. A stable entry has E_above = 0 exactly and decomposes to
 * itself with fraction 1. Every other entry decomposes into stable entries: the
 * optimal basis of the same LP restricted to stable entries; fractions are
 * atomic fractions (sum 1, as pymatgen's get_decomposition), basic variables
 * with fraction <= FU_HULL_FRAC_TOL are dropped. So a compound exactly on the
 * hull but inside a hull facet or edge (collinear/coplanar with stable phases,
 * a zero formation energy, a degenerate polymorph) has E_above = 0, is not
 * stable, and decomposes into the stable phases spanning that facet. When a
 * facet has more than |S| coplanar vertices the decomposition is not unique
 * and the simplex returns one valid vertex solution (pymatgen's triangulation
 * may pick another).
 *
 * Tolerances: the pricing tolerance of the simplex is 1e-13 Ha/atom, so
 * E_hull is exact up to that plus round-off (~1e-15 Ha/atom for energies of
 * order 1 Ha/atom); E_above is never reported negative (values in
 * [-FU_HULL_TOL_HA, 0) are set to 0; below that is an internal error).
 *
 * Errors (FU_EINPUT, one line naming the entry): no entries; an entry with no
 * elements, an unknown Z, a non-positive or non-finite amount, a non-finite
 * energy, an empty or duplicate ID; an element without a reference ("entry
 * 'X' (Fe2O3): no elemental reference for O: add a pure-O entry"); a bad
 * declared reference. */
#ifndef FURUI_PROPS_HULL_H
#define FURUI_PROPS_HULL_H

#include "core/error.h"
#include "core/units.h"
#include "crystal/structure.h"

#define FU_HULL_ID_LEN 96
#define FU_HULL_MAX_ELEM 16
#define FU_HULL_TOL_HA 1e-10   /* Ha/atom: hull-vertex and sign tolerance */
#define FU_HULL_FRAC_TOL 1e-10 /* decomposition fractions at or below are dropped */
#define FU_HULL_MAX_SYSTEM 64  /* distinct elements over all entries */

typedef struct {
    char id[FU_HULL_ID_LEN];          /* unique, non-empty */
    int nelem;                        /* 1..FU_HULL_MAX_ELEM */
    int z[FU_HULL_MAX_ELEM];          /* atomic numbers, distinct */
    double amount[FU_HULL_MAX_ELEM];  /* atoms of z[k] in the unit, > 0 */
    double energy_ha;                 /* total energy of that unit, Ha */
} fu_hull_entry;

/* Entry from a formula such as "Fe2O3", "LiFePO4", "Si", "Na0.5Cl0.5"
 * (element symbols each followed by an optional non-negative decimal amount,
 * default 1; repeated elements add up; no parentheses or spaces). */
int fu_hull_entry_from_formula(fu_hull_entry *e, const char *id, const char *formula,
                               double energy_ha, fu_err *err);
/* Entry from amounts per atomic number: amount_by_z[z] for z = 1..FU_MAX_Z
 * (index 0 ignored); zero amounts are skipped. */
int fu_hull_entry_from_amounts(fu_hull_entry *e, const char *id, const double *amount_by_z,
                               double energy_ha, fu_err *err);
/* Entry from a structure's atom counts; energy_ha is the energy of the cell. */
int fu_hull_entry_from_structure(fu_hull_entry *e, const char *id, const fu_structure *s,
                                 double energy_ha, fu_err *err);

typedef struct {
    int nentry;
    int nelem;                 /* distinct elements over all entries */
    int z[FU_HULL_MAX_SYSTEM];  /* their atomic numbers, ascending */
    int ref[FU_HULL_MAX_SYSTEM];/* entry index of each element's reference */
    double mu_ha[FU_HULL_MAX_SYSTEM]; /* reference energy per atom, Ha/atom */
    double *natom;             /* [nentry] sum of amounts */
    double *e_per_atom_ha;     /* [nentry] Ha/atom */
    double *e_form_ha;         /* [nentry] formation energy, Ha/atom */
    double *e_hull_ha;         /* [nentry] hull formation energy at its composition */
    double *e_above_hull_ha;   /* [nentry] >= 0, Ha/atom */
    int *stable;               /* [nentry] 1 for hull vertices */
    /* Decomposition of entry i: entries decomp_idx[k] (indices into the input
     * array) with atomic fractions decomp_frac[k], k in
     * [decomp_off[i], decomp_off[i+1]). */
    int *decomp_off;           /* [nentry + 1] */
    int *decomp_idx;
    double *decomp_frac;
} fu_hull;

/* Computes everything above for entries[0..n). ref_ids: NULL/nref = 0 for the
 * default references (lowest pure entry), else nref entry IDs declaring the
 * reference of each element. On failure h is left empty (safe to free). */
int fu_hull_compute(const fu_hull_entry *entries, int n, const char *const *ref_ids, int nref,
                    fu_hull *h, fu_err *err);
void fu_hull_free(fu_hull *h);

/* Index of the entry with this ID, -1 if none. */
int fu_hull_find(const fu_hull_entry *entries, int n, const char *id);

/* Indices of the stable entries (hull vertices) in input order, written to
 * idx (room for h->nentry); returns their number. */
int fu_hull_stable_indices(const fu_hull *h, int *idx);

/* Decomposition of entry i as text "ID:fraction;ID:fraction" (fractions %.10g,
 * entries in input order), e.g. "li2o:0.5;lio2:0.5"; truncated to len - 1
 * characters. Returns the length it needed (as snprintf). */
int fu_hull_decomp_string(const fu_hull *h, const fu_hull_entry *entries, int i, char *buf,
                          int len);

/* eV/atom views. */
static inline double fu_hull_e_form_ev(const fu_hull *h, int i) {
    return h->e_form_ha[i] * FU_HA_EV;
}
static inline double fu_hull_e_above_hull_ev(const fu_hull *h, int i) {
    return h->e_above_hull_ha[i] * FU_HA_EV;
}

#endif
