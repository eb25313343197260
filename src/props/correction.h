/* Fitted formation-energy corrections in the spirit of the Materials
 * Project's MP2020 scheme (A. Wang et al., Sci. Rep. 11, 15496 (2021)):
 * a constant energy per atom of an anion species, fitted to experimental
 * formation enthalpies, added to a compound's total energy. Energies in eV
 * (the fitted values are eV per anion atom, as in MP).
 *
 * A correction set belongs to the settings it was fitted with (its key):
 * functional, pseudopotential table (its name and the SHA-256 of every
 * element's file), protocol (name, campaign cutoff, smearing). Applying it to
 * energies computed otherwise would add a fit to errors it never saw, so
 * fu_correction_match refuses any other settings and says why (the catalog
 * stores that reason; the corrected columns stay empty).
 *
 * Which atoms are corrected (as MP2020 without oxidation-state guesses): in
 * a compound of two or more elements, every O atom by the term of the oxide
 * type (`oxide` when no O-O pair is closer than FU_CORRECTION_PEROXIDE_ANG;
 * peroxides and superoxides have their own terms in MP), and the atoms of
 * the most electronegative element X (Pauling, crystal/formula.h) if X is not
 * O: F in CaF2 and in oxyfluorides, H in LiH, N in TiN, never H in LiOH nor N
 * in an oxynitride (MP would correct that N by its guessed oxidation state). An anion with no term in the
 * set is either `uncorrected` (listed as such: no training compound for it
 * and no MP term either, e.g. Ge, P; correction 0) or unknown (e.g. S, whose term this set could not
 * fit: the compound's corrected energy is not available, with the reason). */
#ifndef FURUI_PROPS_CORRECTION_H
#define FURUI_PROPS_CORRECTION_H

#include <stddef.h>

#include "crystal/structure.h"

#define FU_CORRECTION_PEROXIDE_ANG 1.6 /* O-O below: peroxide (1.49 Å) or superoxide (1.33 Å) */

typedef struct {
    const char *species; /* element symbol, or "oxide", "peroxide", "superoxide" for O */
    double value_ev;     /* per anion atom, added to the total energy */
    double sigma_ev;     /* one standard deviation of the fit */
} fu_correction_term;

typedef struct {
    int z;
    const char *sha256; /* 64 hex digits of the element's pseudopotential file */
} fu_correction_psp;

typedef struct {
    const char *name;      /* e.g. "furui-pbe-dojo04-fast-2026-12" */
    const char *xc;        /* as stored per candidate, e.g. "pbe" */
    const char *table;     /* pseudopotential table's name, e.g. "PseudoDojo nc-sr-04 pbe standard" */
    const char *protocol;  /* "fast" */
    double ecut_ha;        /* the fit campaign's cutoff; candidates need >= this */
    const char *smearing;  /* as stored, e.g. "marzari-vanderbilt" */
    double tsmear_ha;
    int npsp;
    const fu_correction_psp *psp; /* every element of the table */
    int nterm;
    const fu_correction_term *term;
    const char *uncorrected; /* comma-separated anions with no term by design: "Ge,Sn,P" */
} fu_correction_set;

/* The sets stored in the repository (src/props/correction_data.c, generated
 * from validation/formation/corrections.json). */
const fu_correction_set *fu_correction_data_sets(int *n);

/* 1 if a group computed with these settings may use set: xc, smearing and
 * its width equal, ecut >= the set's, and the pseudopotential of every
 * element in z[0..nel) (sha256[k] for z[k]) the set's file for it. 0 and a
 * one-line reason in why otherwise. */
int fu_correction_match(const fu_correction_set *set, const char *xc, double ecut_ha, const char *smearing,
                        double tsmear_ha, int nel, const int *z, const char *const *sha256, char *why,
                        size_t len);

/* The first set of sets[0..n) that matches (why: the reason the closest
 * one, the first, does not), NULL if none. */
const fu_correction_set *fu_correction_find(const fu_correction_set *sets, int n, const char *xc, double ecut_ha,
                                            const char *smearing, double tsmear_ha, int nel, const int *z,
                                            const char *const *sha256, char *why, size_t len);

/* "oxide", "peroxide" or "superoxide" by the shortest O-O distance of s
 * (periodic images included); NULL if s has no O. */
const char *fu_correction_oxide_type(const fu_structure *s);

/* Correction of a cell with count[Z] atoms (count has FU_MAX_Z + 1 entries),
 * oxide_type as above (needed when O is the anion): *corr_ev = the total
 * added to the cell's energy, eV. 0 on success; -1 with the reason in why
 * when an anion of the cell has no term and is not `uncorrected`. Pure
 * elements get 0. */
int fu_correction_energy(const fu_correction_set *set, const int *count, const char *oxide_type, double *corr_ev,
                         char *why, size_t len);

#endif
