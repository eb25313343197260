/* Internal to src/campaign: the parse state of a sweep being read and the pieces sweep.c
 * (the driver and parameter lists), candidate.c (IDs), psplib.c (pseudopotentials) and
 * source.c (candidate sources) share. */
#ifndef FURUI_CAMPAIGN_SWEEP_PARSE_H
#define FURUI_CAMPAIGN_SWEEP_PARSE_H

#include <signal.h>
#include <stddef.h>

#include "campaign/sweep.h"
#include "core/yamldoc.h"
#include "crystal/elements.h"
#include "crystal/refstate.h"
#include "dft/protocol.h"
#include "dft/scf_input.h"

/* Limits beyond which a spec is a mistake rather than a campaign. */
#define MAX_LIST 1000 /* items of one parameter or element list */
#define MAX_XC 16
#define MAX_ATOMS FU_INPUT_MAX_ATOMS /* as the scf input */
#define MAX_KGRID FU_INPUT_MAX_KGRID
#define MIN_STRAIN 0.5
#define MAX_STRAIN 2.0
#define MAX_A 200.0 /* bohr: explicit prototype lattice parameter */
#define MAX_DIR_FILES 100000
#define MAX_CP2K_FILES 8


typedef struct {
    char *s;
    size_t len, cap;
    int oom;
} strbuf;

/* ------------------------------------------------------------- parse state */

typedef struct {
    int state;              /* 0 unresolved, 1 ok, -1 no usable pseudopotential */
    int used;               /* 1: some candidate uses it (protocol scan) */
    char spec[FU_SPEC_LEN]; /* what the SCF is given */
    fu_psp psp;
    char msg[FU_ERR_MSG_LEN]; /* why not (state -1) */
} psp_slot;

typedef struct {
    char name[128];         /* as written */
    char canon[256];        /* libxc names, sorted */
    char label[16];         /* LDA, PBE, GGA */
    const fu_ynode *node;   /* xc item (NULL: default) */
    const fu_ynode *ps;     /* its pseudopotentials entry (a family or a map) */
    const fu_ynode *elmap;  /* map with element keys, or NULL */
    const fu_ynode *family; /* family string node, or NULL */
    psp_slot *slot[FU_MAX_Z + 1];
} xc_opt;

typedef struct {
    int grid[3];
    double spacing; /* > 0: grid follows from it per candidate (1/bohr) */
} k_opt;

typedef struct {
    fu_smearing kind;
    int order;
    double width;
} smear_opt;

typedef struct {
    char path[FU_SWEEP_PATH_LEN];
    char *text;
} text_file;

typedef struct {
    const fu_ydoc *d;
    char dir[FU_SWEEP_PATH_LEN];
    fu_err *err;
    fu_scf_params base;
    xc_opt xc[MAX_XC];
    int nxc;
    double ecut[MAX_LIST];
    int necut;
    k_opt k[MAX_LIST];
    int nk;
    double kshift[3];
    smear_opt sm[MAX_LIST];
    int nsm;
    double strain[MAX_LIST];
    int nstrain;
    long nparams; /* product of the list lengths */
    text_file cp2k[MAX_CP2K_FILES];
    int ncp2k;
    fu_cand_tasks tasks;          /* `properties:` */
    int spin_mode;                /* `spin: polarized:` 0 false, 1 true, 2 auto */
    double moment[FU_MAX_Z + 1];  /* `spin: moments:` per element, μB */
    const fu_ynode *moment_node[FU_MAX_Z + 1];
    fu_candidate *cand;
    int n, cap;
    long planned; /* upper bound of candidates so far */
    const fu_protocol *proto;     /* `protocol:`, NULL if none */
    const fu_ynode *proto_node, *ecut_node;
    int ecut_given;               /* 0: the campaign cutoff comes from the hints */
    int allow_unconverged;        /* `allow_unconverged: true`: ecut below a low hint */
    double tol_per_atom;          /* > 0: scf energy tolerance per atom (protocol), Ha */
    int scan;                     /* 1: expansion only marks the pseudopotentials used */
    const fu_ynode *refs_node;    /* `references: auto`, NULL if not given */
    const fu_refstate *ref_cur;   /* the reference state being emitted (spin, Γ point) */
    const volatile sig_atomic_t *stop; /* set by a stop signal; NULL: none */
    int stage;                    /* 1-based stage of a staged sweep, 0 without stages */
    const char *stage_name;
} ctx;

void fu_sweep_sb_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* snprintf where cutting an over-long text is intended. */
void fu_sweep_textf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void fu_sweep_one_line(char *msg);
const char *fu_sweep_env_or(const char *var, const char *fallback);
long long fu_sweep_quantize(double v, double unit);
void fu_sweep_formula_species_order(const fu_structure *s, char *buf, size_t len);
int fu_sweep_stopped(ctx *c);
int fu_sweep_join_path(const ctx *c, const fu_ynode *n, const char *rel, char *out, size_t len);
int fu_sweep_positive(const ctx *c, const fu_ynode *n, double v, const char *unit);
const char *fu_sweep_strip_xc(const char *msg);
int fu_candidate_xc_canonical(const char *spec, char *canon, size_t clen, char *label, size_t llen, fu_err *err);
int fu_candidate_build_canonical(const fu_structure *s, const fu_scf_params *p, const char *xc_canon, const fu_psp *const *psp, const fu_cand_tasks *t, char **out, fu_err *err);
int fu_candidate_id_of_text(const char *text, char id[FU_RECORD_ID_LEN + 1], fu_err *err);
psp_slot *fu_psplib_get(ctx *c, int xi, int z);
int fu_psplib_read(ctx *c, const fu_ynode *ps);
int fu_source_read(ctx *c, const fu_ynode *list);
int fu_source_add_references(ctx *c);

#endif
