/* A preview picture of a crystal cell for the RDE tile's main_image/: an
 * oblique orthographic view of the cell edges and of the atoms inside the
 * cell (periodic images on the faces, edges and corners included), drawn
 * back to front as shaded disks of half the Cordero covalent radius, colour
 * by element (hue = atomic number x golden angle). No text. PNG (libpng),
 * RGB, size x size pixels. */
#ifndef FURUI_EXPORT_STRUCTURE_PNG_H
#define FURUI_EXPORT_STRUCTURE_PNG_H

#include <stdio.h>

#include "core/error.h"

/* lattice rows a1..a3 in angstrom, xred fractional, z atomic numbers. */
int fu_structure_png(FILE *f, const double lattice[3][3], const double (*xred)[3], const int *z, int natom,
                     int size, fu_err *err);

#endif
