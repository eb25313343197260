/* Unit conversions. furui computes in Hartree atomic units (bohr, Ha);
 * conversions happen only at input and output. CODATA 2018 values. */
#ifndef FURUI_CORE_UNITS_H
#define FURUI_CORE_UNITS_H

#define FU_PI 3.14159265358979323846
#define FU_BOHR_ANGSTROM 0.529177210903          /* 1 bohr in Å */
#define FU_HA_EV 27.211386245988                  /* 1 Ha in eV */
#define FU_HA_RY 2.0                              /* 1 Ha in Ry */
#define FU_HA_BOHR3_GPA 29421.015697              /* 1 Ha/bohr³ in GPa */
#define FU_AMU_ME 1822.888486209                  /* 1 amu in electron masses */
#define FU_KB_HA_PER_K 3.166811563e-6             /* Boltzmann constant in Ha/K */

#endif
