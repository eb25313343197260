/* The YAML input file of one ground-state calculation (format documented in
 * input/README.md): structure, pseudopotentials and SCF parameters, every
 * dimensional value with an explicit unit, converted to Ha and bohr. */
#ifndef FURUI_DFT_SCF_INPUT_H
#define FURUI_DFT_SCF_INPUT_H

#include <stddef.h>

#include "core/error.h"
#include "core/yamldoc.h"
#include "crystal/structure.h"
#include "dft/params.h"

#define FU_INPUT_PATH_LEN 1024

typedef struct {
    fu_structure structure;
    fu_scf_params params;
    char path[FU_INPUT_PATH_LEN];          /* the input file (or origin name) */
    char *text;                            /* verbatim input, NUL-terminated, for provenance */
    char output_prefix[FU_INPUT_PATH_LEN]; /* output.prefix; default: input file name
                                              without directory and extension */
} fu_scf_input;

/* Reads and validates an input file. On error *in holds nothing that needs
 * freeing (fu_scf_input_free is still safe) and err has one line
 * "path:line: key: what is wrong". */
int fu_scf_input_read(const char *path, fu_scf_input *in, fu_err *err);
/* Same from text in memory (for fuzzing and tests); `origin` names it in
 * messages, and relative POSCAR/pseudopotential paths are taken relative to
 * the directory part of origin. */
int fu_scf_input_parse(const char *text, const char *origin, fu_scf_input *in, fu_err *err);
void fu_scf_input_free(fu_scf_input *in);

/* Smallest allowed interatomic distance (bohr), passed to fu_structure_check. */
#define FU_INPUT_MIN_DIST 0.5

/* Limits beyond which an input is a mistake rather than a calculation
 * (shared with the screening sweep). */
#define FU_INPUT_MAX_ATOMS 5000
#define FU_INPUT_MAX_KGRID 1000
#define FU_INPUT_MAX_ECUT 1000.0 /* Ha */

/* ------------------------------------------------------------------------
 * Section readers, shared with the screening sweep (campaign/sweep.c), whose
 * format reuses these blocks. Each reads one node of a parsed document d,
 * fills the named fields and, on error, returns nonzero with err holding one
 * line "FILE:LINE: key.path: what is wrong". `dir` is the directory relative
 * paths are taken against ("" for none, see fu_input_dir_of). */

/* Nonzero if s contains a control character. */
int fu_input_has_control(const char *s);
/* Directory part of a document path ("" if none, "/" for "/x.yaml"). */
void fu_input_dir_of(const char *path, char *dir, size_t len);
/* File name of a document path without directory and extension
 * ("dir/si.yaml" -> "si"); fallback if that is empty or has control
 * characters. */
void fu_input_default_name(const char *origin, const char *fallback, char *out, size_t len);
/* dir/rel (rel itself if absolute or dir is ""); n is blamed if too long. */
int fu_input_join_path(const fu_ydoc *d, const char *dir, const fu_ynode *n, const char *rel,
                       char *out, size_t len, fu_err *err);
/* "must be > 0, got V UNIT" on n unless v > 0. */
int fu_input_positive(const fu_ydoc *d, const fu_ynode *n, double v, const char *unit,
                      fu_err *err);

/* An inline structure block (lattice, coordinates, atoms; other keys are the
 * caller's to check): allocates and fills *s (free it even on error). */
int fu_input_read_inline_structure(const fu_ydoc *d, const fu_ynode *st, fu_structure *s,
                                   fu_err *err);
/* Canonical symbols and atomic numbers of a structure read from the POSCAR
 * `path`, whatever it spelled; reason is "" or why the species are unusable
 * ("PATH: unknown element 'X'", "PATH: element X listed twice ..."). */
void fu_input_canonical_species(fu_structure *s, const char *path, char *reason, size_t len);

/* One pseudopotential spec string (node n): no control characters; bare file
 * paths, and FILE in cp2k:FILE:NAME, are made relative to dir; abinit:FILE
 * and cp2k:NAME name library entries and stay. */
int fu_input_read_pseudo_spec(const fu_ydoc *d, const char *dir, const fu_ynode *n, char *out,
                              size_t len, fu_err *err);

/* ecut: an energy in (0, FU_INPUT_MAX_ECUT] Ha. */
int fu_input_read_ecut(const fu_ydoc *d, const fu_ynode *n, double *ecut, fu_err *err);
/* kpoints.shift: three numbers, each 0 or 0.5. */
/* A k-point spacing: inverse-length quantity > 0 (bohr⁻¹, 2π included). */
int fu_input_read_kspacing(const fu_ydoc *d, const fu_ynode *n, double *spacing, fu_err *err);
int fu_input_read_kshift(const fu_ydoc *d, const fu_ynode *sh, double kshift[3], fu_err *err);
/* smearing: {kind, width, order} -> smearing, tsmear, smearing_order. */
int fu_input_read_smearing(const fu_ydoc *d, const fu_ynode *sm, fu_scf_params *p, fu_err *err);
/* symmetry: {use, time_reversal, tolerance}. */
int fu_input_read_symmetry(const fu_ydoc *d, const fu_ynode *sy, fu_scf_params *p, fu_err *err);
/* scf: {max_iterations, energy_tolerance, density_tolerance,
 *       mixing: {damping, history, kerker}}. */
int fu_input_read_scf(const fu_ydoc *d, const fu_ynode *sc, fu_scf_params *p, fu_err *err);
/* compute: {forces, stress}. */
int fu_input_read_compute(const fu_ydoc *d, const fu_ynode *n, fu_scf_params *p, fu_err *err);

#endif
