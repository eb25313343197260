/* The YAML input file of one ground-state calculation (format documented in
 * input/README.md): structure, pseudopotentials and SCF parameters, every
 * dimensional value with an explicit unit, converted to Ha and bohr. */
#ifndef FURUI_DFT_SCF_INPUT_H
#define FURUI_DFT_SCF_INPUT_H

#include "core/error.h"
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

#endif
