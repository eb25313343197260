/* Candidate IDs (input/sweep_README.md "Candidate IDs"): a candidate's canonical text and
 * the first FU_RECORD_ID_LEN hex digits of its SHA-256, so the same physics always gets the
 * same ID, wherever the sweep file lives. */
#ifndef FURUI_CAMPAIGN_CANDIDATE_H
#define FURUI_CAMPAIGN_CANDIDATE_H

#include "core/error.h"
#include "crystal/structure.h"
#include "dft/params.h"
#include "dft/psp.h"
#include "results/record.h"

/* The canonical text whose SHA-256 is the ID (format "furui-candidate v1",
 * documented in input/sweep_README.md): lattice and Cartesian positions
 * rounded to 1e-8 bohr, atoms sorted, each element with the parameters of
 * its pseudopotential, the xc functional as libxc names, ecut, k-mesh,
 * smearing, tolerances, symmetry settings. psp[sp] is the pseudopotential of
 * species sp. *text is malloc'd (free it). */
int fu_candidate_canonical(const fu_structure *s, const fu_scf_params *p, const fu_psp *psp,
                           char **text, fu_err *err);
/* First 16 hex digits of the SHA-256 of the canonical text. */
int fu_candidate_id(const fu_structure *s, const fu_scf_params *p, const fu_psp *psp,
                    char id[FU_RECORD_ID_LEN + 1], fu_err *err);

#endif
