/* Writing an SCF result: JSON summary, HDF5 file, and the log's final report.
 * Files are written atomically (complete or absent). Units are stated in
 * the files: energies Ha, lengths bohr, forces Ha/bohr, stress Ha/bohr³. */
#ifndef FURUI_DFT_SCF_OUTPUT_H
#define FURUI_DFT_SCF_OUTPUT_H

#include <stdio.h>

#include "dft/params.h"
#include "dft/scf.h"

#define FU_SCF_SCHEMA "furui.scf"
#define FU_SCF_SCHEMA_VERSION 1

/* input_text: the verbatim input (provenance), may be NULL. warn[0..nwarn-1]:
 * one-line warnings (props/warnings.h), written as the list `warnings`. */
int fu_scf_write_json(const char *path, const fu_structure *s, const fu_scf_params *p,
                      const fu_scf_result *r, const char *input_path, const char *input_text,
                      int nwarn, const char *const *warn, fu_err *err);
int fu_scf_write_hdf5(const char *path, const fu_structure *s, const fu_scf_params *p,
                      const fu_scf_result *r, const char *input_path, const char *input_text,
                      fu_err *err);
/* Human-readable report: energy terms, Fermi level, gap, eigenvalues, forces, stress. */
void fu_scf_write_report(FILE *f, const fu_structure *s, const fu_scf_result *r);

#endif
