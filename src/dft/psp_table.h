/* Pseudopotential tables: a directory of one file per element, as
 * PseudoDojo distributes them (DIR/standard.djson names each element's file
 * and its cutoff hints; files in DIR/<El>/ or DIR/), or a plain directory
 * such as Debian's /usr/share/abinit/psp/Pseudodojo_nc_sr_04_pbe_standard_psp8
 * (then the file is the one named <El>.psp8, <El>-*.psp8, <El>.upf, ...). */
#ifndef FURUI_DFT_PSP_TABLE_H
#define FURUI_DFT_PSP_TABLE_H

#include <stddef.h>

#include "core/error.h"

/* Resolves the file of `element` in table `dir` (a directory, or a .djson
 * file in one): its path into path[cap], the low/normal/high cutoff hints
 * (Ha; 0 where the table gives none) and the table's valence (0 unknown). */
int fu_psp_table_resolve(const char *dir, const char *element, char *path, size_t cap,
                         double hints[3], double *zval, fu_err *err);

#endif
