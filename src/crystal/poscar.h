/* VASP POSCAR/CONTCAR reader and writer (VASP 5 format with species line;
 * VASP 4 files without it are accepted only if species are given). */
#ifndef FURUI_CRYSTAL_POSCAR_H
#define FURUI_CRYSTAL_POSCAR_H

#include <stdio.h>
#include "crystal/structure.h"

/* Limits of the reader: a line (anything after the first three numbers of a
 * vector or position line is ignored, as VASP does: selective-dynamics flags,
 * comments), and the whole file. */
#define FU_POSCAR_MAX_LINE 4096
#define FU_POSCAR_MAX_BYTES (64 << 20)

/* Reads path into s (lengths converted Å -> bohr, positions to fractional,
 * each within +-FU_MAX_FRACTIONAL). Only a regular file is read.
 * Errors name path and line: "POSCAR:3: lattice vector 1: expected 3 numbers". */
int fu_poscar_read(const char *path, fu_structure *s, fu_err *err);
/* Writes s in VASP 5 format, Å, Direct coordinates. */
int fu_poscar_write(FILE *f, const fu_structure *s, const char *comment, fu_err *err);
/* Writes a minimal CIF (P1, all atoms) of s. */
int fu_cif_write(FILE *f, const fu_structure *s, const char *name, fu_err *err);

#endif
