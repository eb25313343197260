/* Per-candidate properties that describe themselves.
 *
 * A property (the SCF block, a relaxation, an equation of state, the band path, ...) is one
 * descriptor: its name (the sweep's `properties:` key, its HDF5 group and its journal tag), its
 * fields (unit, kind, shape, comparison tolerance), its catalog columns, and, for a property the
 * farm runs after the SCF, an options reader and a run function. The registry lists them; the
 * record codec, the record comparison, the results file, merge and the catalog loop over it, so a
 * new property is one file in src/props, one line in property.c's registry and its test.
 *
 * Two kinds of descriptor:
 *  - built in (`inline_block` = 1: scf, relax, eos, bandpath): fields that live in
 *    fu_cand_result itself (offsets into it) and whose journal bytes and results-file columns
 *    are the frozen layout of journal version 4 / results schema 2 (src/results/README.md);
 *  - block properties (every later one): a block of `block_size` bytes of their own, stored in
 *    fu_cand_result.block[registry index] (NULL: not computed); journal: one tagged block
 *    (name, length, fields in table order) that readers who do not know the name skip; results
 *    file: one dataset per field in /candidates/NAME/. Fields may only be appended to a table
 *    (a reader fills fields a shorter block lacks with their fill value and ignores extra ones).
 *
 * Units inside: Hartree atomic units (Ha, bohr); every field names its unit. */
#ifndef FURUI_PROPS_PROPERTY_H
#define FURUI_PROPS_PROPERTY_H

#include <mpi.h>
#include <stddef.h>
#include <stdio.h>

#include "core/error.h"
#include "core/yamldoc.h"
#include "crystal/structure.h"
#include "dft/energy.h"
#include "dft/params.h"
#include "dft/scf.h"

#define FU_CAND_EOS_MAXPOINTS 64   /* = FU_EOS_MAXPOINTS (props/eos.h) */
#define FU_PROPERTY_MAX 16         /* registry entries, built in and test-registered */
#define FU_PROPERTY_OPTS 8         /* numeric options of a block property (sweep `properties:`) */
#define FU_PROPERTY_COLUMNS 8      /* catalog columns of a block property */

/* A pseudopotential as the engine resolved and read it, so that a stored result says
 * which file, valence and table hints produced it (and a next step can find the file). */
typedef struct {
    char path[512];    /* file read; "" unknown */
    char format[8];    /* "gth", "psp8", "upf" */
    double valence;    /* Z_ion, electrons; 0 unknown */
    double hints[3];   /* table's low/normal/high cutoff hints, Ha; 0 unknown */
} fu_cand_psp;

/* What one finished candidate contributes to a screening. Units as in
 * fu_scf_result: Ha, bohr, Ha/bohr, Ha/bohr³. Arrays and strings are owned
 * by the record (fu_record_free). */
typedef struct {
    /* energies, Ha per cell (ABINIT's decomposition, as fu_scf_result) */
    double etotal, energy[FU_ENERGY_NTERMS]; /* Ha; the terms of dft/energy.h */
    double efermi, vbm, cbm, gap; /* Ha; gap = cbm - vbm on the k-mesh */
    double nelec;
    double volume;                /* bohr³ */
    double ecut;                  /* Ha */
    double tsmear;                /* Ha */
    double last_denergy;          /* Ha */
    double last_drho;             /* 1 */
    int gap_direct, vbm_k, cbm_k;
    int converged, iterations;
    int nsym, spacegroup;
    int have_forces, have_stress;
    int kgrid[3];
    double kshift[3];
    double lattice[3][3];         /* rows a1, a2, a3, bohr */
    double stress[3][3];          /* Ha/bohr³, positive = tensile */
    char *formula;                /* reduced formula, e.g. "Si", "AsGa" */
    char *xc;
    char *smearing;
    /* per atom */
    int natom;
    int *atomic_number;           /* [natom] */
    double (*xred)[3];            /* [natom] fractional */
    double (*forces)[3];          /* [natom] Ha/bohr, NULL unless have_forces */
    /* per k-point and band */
    int nk, nband;
    double (*kred)[3];            /* [nk] reduced coordinates */
    double *kweight;              /* [nk] */
    double *eig;                  /* [nk*nband] Ha */
    double *occ;                  /* [nk*nband] electrons */
    /* per species */
    int nspecies;
    char (*species)[8];           /* [nspecies] element symbol */
    char (*psp_name)[64];         /* [nspecies] */
    char (*psp_sha256)[65];       /* [nspecies] hex digest of the pseudopotential file */
    fu_cand_psp *psp;             /* [nspecies] what was read (journal version 4, record
                                     type 5; older records: zeroed, i.e. unknown) */
    /* added in journal version 3 (record type 4); older records read as
       unpolarised, not relaxed, no EOS */
    int nspin;                    /* 1 (also 0 = 1) or 2: then eig and occ hold
                                     [2][nk][nband], spin up first */
    double magnetization;         /* ∫(ρ↑ - ρ↓), μB per cell; 0 unpolarised */
    double abs_magnetization;     /* ∫|ρ↑ - ρ↓|, μB per cell */
    int relax_steps;              /* SCF evaluations of the relaxation; 0: not relaxed */
    double relax_initial_volume;  /* bohr³, cell volume before the relaxation */
    int eos_npoints;              /* 0: no equation of state */
    double eos_volume[FU_CAND_EOS_MAXPOINTS]; /* bohr³ */
    double eos_energy[FU_CAND_EOS_MAXPOINTS]; /* Ha per cell */
    double eos_v0, eos_e0;        /* bohr³, Ha: Birch-Murnaghan minimum */
    double eos_b0;                /* Ha/bohr³ */
    double eos_b0_prime;          /* 1 */
    double eos_rms;               /* Ha, fit residual */
    int eos_min_outside;          /* 1: V0 outside the scanned volumes (extrapolated) */
    /* band structure along the high-symmetry path (with the SCF mesh: props/bandstructure.h) */
    int path_npoints;             /* path k-points; 0: not computed */
    int path_metal, path_gap_direct;
    double path_gap, path_direct_gap, path_vbm, path_cbm; /* Ha */
    double path_vbm_k[3], path_cbm_k[3];                  /* reduced */
    char path_vbm_label[8], path_cbm_label[8];            /* special point, "" if none */
    char path[128];               /* "Γ-X-W-K-Γ-L-U-W-L-K|U-X" */
    /* block properties (fu_property.inline_block = 0): block[i] belongs to registry entry i,
     * malloc'd block_size bytes, NULL: not computed */
    void *block[FU_PROPERTY_MAX];
} fu_cand_result;

/* nspin of a result (0 read as 1). */
static inline int fu_cand_nspin(const fu_cand_result *r) { return r->nspin == 2 ? 2 : 1; }

typedef enum {
    FU_FIELD_F64 = 0, /* double[count] */
    FU_FIELD_I32,     /* int[count] */
    FU_FIELD_STR      /* char[count], NUL-terminated clean text */
} fu_field_kind;

/* How two values of a field compare in fu_diff_record_close (merge: the same
 * calculation run twice, on other rank counts): */
typedef enum {
    FU_TOL_INPUT = 0, /* inputs and structure: FU_DIFF_ABS_TOL (ints: equal) */
    FU_TOL_SCF,       /* first order in the SCF density error: FU_DIFF_SCF_TOL */
    FU_TOL_PATH,      /* the SCF path (iteration counts): ignored */
    FU_TOL_PRESENCE   /* a count that is part of the SCF path: only 0 / non-0 compared */
} fu_field_tol;

typedef struct {
    const char *name;   /* diff name and HDF5 dataset ("eos_v0"; block properties: in NAME/) */
    const char *units;  /* NULL for counts, flags and text */
    fu_field_kind kind;
    int count;          /* elements: 1 scalar, 3 vector, 9 tensor (HDF5 [n, count]); STR: bytes;
                           0: a ragged array of *(int *)(data + len_offset) elements (built in) */
    size_t offset;      /* into fu_cand_result (inline) or into the block */
    size_t len_offset;
    fu_field_tol tol;
    int gated;          /* 1: meaningful only where the property was computed (HDF5 fill elsewhere) */
    int ifill;          /* HDF5 fill of an integer field without a value (-1 or 0) */
} fu_property_field;

/* A catalog column (rank/catalog.h) of a block property: field `field` times `scale`
 * (and divided by the number of atoms if per_atom); NaN where not computed. */
typedef struct {
    const char *name;           /* e.g. "toy_volume_per_atom_angstrom3" */
    int integer;                /* 1: an integer-valued column (counts, flags) */
    const char *unit;
    const char *description;    /* one line, English */
    const char *description_ja; /* one line, Japanese (RDE metadata) */
    int target;                 /* 1: a DFT result (ML target) */
    int field;                  /* index into the property's fields (F64 or I32, count 1) */
    double scale;
    int per_atom;
    /* built-in properties' columns (value functions keep the catalog's exact arithmetic): */
    double (*value)(const fu_cand_result *r);  /* non-NULL: the value (NaN: none), not field */
    void (*text)(const fu_cand_result *r, char *buf, size_t len); /* non-NULL: a text column */
    int always;                 /* also where the property was not computed (relax_steps 0) */
    int solid;                  /* a solid-state quantity: empty for a molecule in a box */
} fu_property_column;

/* What a property's run function is given: the candidate's structure and settings as the SCF
 * converged them, and its SCF result (on every rank of the group). */
typedef struct {
    const fu_structure *s;
    const fu_scf_params *p;
    const fu_scf_result *scf;
    MPI_Comm comm;
    FILE *log;                  /* NULL on ranks other than the leader */
    const double *opts;         /* [FU_PROPERTY_OPTS] as its read_opts left them */
} fu_property_run;

typedef struct fu_property {
    const char *name;           /* `properties:` key, HDF5 group, journal tag */
    const char *description;
    int inline_block;           /* 1: fields inside fu_cand_result, frozen layout (see above) */
    size_t block_size;          /* block properties: bytes of the block */
    const fu_property_field *fields;
    size_t nfields;
    const fu_property_column *columns;
    size_t ncolumns;
    const char *catalog_after;  /* catalog column its columns follow (NULL: at the end) */
    /* built in: 1 if r holds the property (NULL: always); block properties: block != NULL */
    int (*present)(const fu_cand_result *r);
    /* block properties run by the farm after the SCF: the sweep's value of the key (true, or a
     * map) into opts[FU_PROPERTY_OPTS] (defaults set before); NULL: takes no options */
    int (*read_opts)(const fu_ydoc *d, const fu_ynode *n, double *opts, fu_err *err);
    void (*default_opts)(double *opts);
    /* computes the block (block_size bytes, zeroed) on every rank of the group */
    int (*run)(const fu_property_run *ctx, void *block, fu_err *err);
} fu_property;

/* The registry: built-in properties first, in their fixed order, then the block properties. */
const fu_property *const *fu_property_registry(size_t *n);
/* Index of name in the registry, -1 if none. */
long fu_property_find(const char *name);
/* Adds a block property at run time (tests: a toy property without a build flag); returns its
 * registry index, or -1 if the registry is full, the name taken or p inline. */
long fu_property_register(const fu_property *p);

/* The property's values in r: r itself (inline) or its block (NULL if not computed). */
const void *fu_property_data(const fu_property *p, size_t index, const fu_cand_result *r);
/* 1 if r holds property `index`. */
int fu_property_present(const fu_property *p, size_t index, const fu_cand_result *r);
/* Element e of field f of a property's data, as double (F64, I32). */
double fu_property_value(const fu_property_field *f, const void *data, int e);
/* Runs every block property with on[i] set (options opts[i]) on ctx's SCF, on every rank of
 * the group: blocks[i] receives the computed block (malloc'd) or stays NULL; failures are
 * listed in note ("NAME: message; ...", "" if none). Never fails the candidate. */
void fu_property_run_blocks(const unsigned char *on, const double (*opts)[FU_PROPERTY_OPTS], fu_property_run ctx,
                            void *blocks[FU_PROPERTY_MAX], char *note, size_t note_len);
/* Frees the blocks of r (leaves the pointers NULL). */
void fu_property_blocks_free(fu_cand_result *r);

/* The built-in descriptors, each with its property's code. The SCF block's fields start with
 * the head of the journal's candidate record (FU_SCFBLOCK_NF64 doubles, then FU_SCFBLOCK_NI32
 * ints, then kgrid, kshift, lattice, stress): their order is the journal format. */
#define FU_SCFBLOCK_NF64 (11 + FU_ENERGY_NTERMS)
#define FU_SCFBLOCK_NI32 9
#define FU_SCFBLOCK_NHEAD (FU_SCFBLOCK_NF64 + FU_SCFBLOCK_NI32 + 4)
extern const fu_property fu_scfblock_property;      /* props/property.c */
extern const fu_property fu_relax_property;         /* props/relax.c */
extern const fu_property fu_eos_property;           /* props/eos.c */
extern const fu_property fu_bandstructure_property; /* props/bandstructure.c */

#endif
