/* CIF (Crystallographic Information File) reader.
 *
 * Parsing is the COMCIFS CIF API's (Debian libcif-dev, see README); what the
 * items mean is here: the first data block's cell (_cell_length_a/b/c in Å,
 * _cell_angle_alpha/beta/gamma in degrees), its atom sites
 * (_atom_site_fract_x/y/z; element from _atom_site_type_symbol, else from
 * _atom_site_label: "Fe3+", "O2-", "Si1" -> Fe, O, Si) and its symmetry
 * operations (_symmetry_equiv_pos_as_xyz or _space_group_symop_operation_xyz,
 * "x, y+1/2, -z", "x-y, x, z+1/6"), applied to every site. Images of a site
 * that coincide (closer than FU_CIF_MERGE_ANGSTROM) are one atom, placed at
 * their mean so that special positions written with few digits (0.3333) come
 * out symmetric. A file without operations and without a space-group name is
 * taken as P1.
 *
 * Refused with "PATH:LINE: problem" (or "PATH: data block 'X': problem" when
 * the problem has no line, such as a missing item): syntax errors, unknown
 * symmetry-operation terms, partial occupancy (disorder), missing cell
 * parameters, Cartesian-only sites, a space-group name without its operations,
 * images of different elements on one spot. The file is parsed as CIF 1.1 (no
 * nested CIF 2 lists), at most FU_CIF_MAX_BYTES. */
#ifndef FURUI_CRYSTAL_CIF_H
#define FURUI_CRYSTAL_CIF_H

#include "crystal/structure.h"

#define FU_CIF_MAX_BYTES (64 << 20)
#define FU_CIF_MAX_ATOMS 100000
#define FU_CIF_MERGE_ANGSTROM 0.01

/* Reads path into s (bohr, fractional positions in [0,1)). */
int fu_cif_read(const char *path, fu_structure *s, fu_err *err);

/* Parses one symmetry operation "x, y+1/2, -z" into x' = rot x + trans.
 * Returns 0 on success, otherwise writes the problem ("unknown term 'q'")
 * into why. */
int fu_cif_parse_symop(const char *text, int rot[3][3], double trans[3], char *why, int why_len);

#endif
