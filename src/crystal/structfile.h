/* Structure files by format: wherever furui reads a POSCAR it also reads a
 * CIF. A name ending in .cif (any case) is read as CIF (crystal/cif.h),
 * anything else as POSCAR/CONTCAR (crystal/poscar.h). */
#ifndef FURUI_CRYSTAL_STRUCTFILE_H
#define FURUI_CRYSTAL_STRUCTFILE_H

#include "crystal/structure.h"

/* 1 if path names a CIF by its suffix. */
int fu_structfile_is_cif(const char *path);
/* Reads path as CIF or POSCAR (errors name the file and line). */
int fu_structfile_read(const char *path, fu_structure *s, fu_err *err);

#endif
