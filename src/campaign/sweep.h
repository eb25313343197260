/* A screening sweep: the YAML file that lists candidate structures and the
 * calculation parameters to run on each (format: input/sweep_README.md), and
 * its expansion into candidates.
 *
 * Candidates come from prototypes x element substitutions, directories of
 * POSCAR files and explicit structures; parameters that may be lists (xc,
 * ecut, k-points, smearing, strain) are crossed: the sweep is the Cartesian
 * product. Everything that can be checked before a calculation starts is
 * checked on reading: a spec-level mistake fails the whole read with one line
 * "FILE:LINE: key: what is wrong"; a problem of one candidate that the spec
 * could not foresee (an unreadable file in a POSCAR directory, an element of
 * such a file without a pseudopotential, atoms pushed too close by a strain)
 * is recorded on that candidate (valid = 0, reason) and the rest go on.
 *
 * Each candidate has a stable ID: the first 16 hex digits of the SHA-256 of a
 * canonical text of its physics inputs (fu_candidate_canonical), so the same
 * calculation always has the same ID whatever its label or position, and
 * duplicates are kept once. */
#ifndef FURUI_CAMPAIGN_SWEEP_H
#define FURUI_CAMPAIGN_SWEEP_H

#include <signal.h>

#include "campaign/candidate.h"
#include "core/error.h"
#include "crystal/structure.h"
#include "dft/memory.h"
#include "dft/params.h"
#include "dft/psp.h"
#include "props/property.h"
#include "props/relax.h"
#include "results/record.h"

/* candidate IDs: FU_RECORD_ID_LEN (16) lowercase hex digits (results/record.h) */
#define FU_CANDIDATE_LABEL_LEN 256
#define FU_SWEEP_PATH_LEN 1024
/* fu_scf_params is ~9 kB (pseudopotential specs), so this bounds memory to
 * about 1 GB; larger campaigns are split into several sweeps. */
#define FU_SWEEP_MAX_CANDIDATES 100000

typedef enum {
    FU_CANDIDATE_PROTOTYPE = 0, /* prototype x substitution */
    FU_CANDIDATE_POSCAR,        /* a file of a poscar_dir */
    FU_CANDIDATE_EXPLICIT       /* a structure block of the spec */
} fu_candidate_kind;

/* What the farm computes for a candidate besides its SCF (`properties:`,
 * input/sweep_README.md): relaxation first, then the SCF (with the recovery
 * ladder) at the relaxed structure, then the band structure along the
 * high-symmetry path and an equation of state around it. */
typedef struct {
    int relax;                 /* 1: relax (relax_opts, log NULL) before the SCF */
    fu_relax_opts relax_opts;
    int bands;                 /* 1: band structure along the high-symmetry path after the SCF */
    double bands_density;      /* path points per bohr⁻¹ */
    int eos;                   /* 1: E(V) scan and Birch-Murnaghan fit after the SCF */
    int eos_points;            /* >= 4 */
    double eos_range;          /* fractional half-range in the lattice constant */
    /* block properties (props/property.h) asked for by key: block_on[i] for registry entry i,
     * with the options its reader set (part of the candidate ID when on) */
    unsigned char block_on[FU_PROPERTY_MAX];
    double block_opts[FU_PROPERTY_MAX][FU_PROPERTY_OPTS];
} fu_cand_tasks;

typedef struct {
    char id[FU_RECORD_ID_LEN + 1];       /* stable ID (16 lowercase hex digits) */
    char label[FU_CANDIDATE_LABEL_LEN]; /* "NaCl/rocksalt/lda/ecut=15Ha/k=6x6x6/none" */
    char source[FU_SWEEP_PATH_LEN];     /* "sweep.yaml:12" or the POSCAR file */
    fu_candidate_kind kind;
    int valid;                   /* 0: not runnable, see reason */
    char reason[FU_ERR_MSG_LEN]; /* one line; "" when valid */
    fu_structure structure;      /* strained; natom 0 if it could not be read */
    fu_scf_params params;        /* ready for the SCF (pseudo specs resolved; nspin and
                                    spin_moment from `spin:`) */
    fu_cand_tasks tasks;         /* properties beyond the SCF */
    double strain;               /* isotropic scale applied to the lattice */
    /* cost model (input/sweep_README.md): relative cost and its ingredients */
    double cost;
    int nk;     /* irreducible k-points */
    double npw; /* plane waves per k-point (estimate) */
    int nband;
    int nfft;        /* FFT grid points */
    int nproj;       /* nonlocal projectors in the cell */
    double nelec;    /* valence electrons */
    int nduplicates; /* later entries with this ID, dropped */
    fu_mem_counts memc; /* memory estimate counts (one rank, one thread) */
    double mem;         /* estimated bytes per rank (fu_sweep_apply_mem_limit sets the group's) */
    int mem_refused;    /* 1: invalid only because mem exceeds the limit of this run */
    int npk, npb;       /* layout in the group (fu_sweep_apply_mem_limit): k-groups x band ranks */
    int npg;            /* of those band ranks, FFT ranks sharing each band (<= 1: none) */
    int nranks;         /* ranks of the group the farm gives it (campaign/groupsize.h); 0: the
                           farm's --group-size */
    int min_ranks;      /* fewest ranks its memory estimate fits on (0: not planned) */
    int stage;          /* 1-based stage of a staged sweep (`stages:`); 0: no stages */
    char root[FU_RECORD_ID_LEN + 1]; /* staged: the ID of this structure in stage 1 */
} fu_candidate;

#define FU_SWEEP_STAGE_NAME_LEN 32
#define FU_SWEEP_CONVERGE_MAX 8
#define FU_SWEEP_LADDER_MAX 40
#define FU_SWEEP_WHERE_LEN 1024

typedef struct fu_sweep fu_sweep;
struct fu_sweep {
    char path[FU_SWEEP_PATH_LEN]; /* the spec file (or origin name) */
    char *text;                   /* verbatim spec, NUL-terminated, for provenance */
    char name[128];               /* `name:`; default: file name without extension */
    int n;
    fu_candidate *cand; /* [n], unique IDs, in expansion order */
    int nvalid, ninvalid;
    int nduplicates;   /* entries dropped as copies of an earlier one */
    int nskipped_only; /* candidates left out by `only:` */
    double total_cost; /* sum over valid candidates */
    /* run controls of the farm (not physics, not in any ID); the command line overrides */
    int recovery_rungs;          /* `recovery: {max_rungs:}`, 1..4; 0: not given (all rungs) */
    double candidate_time_limit; /* `candidate_time_limit:` in s; 0: not given (none) */
    char protocol[16];           /* `protocol:`, "" if none */
    /* With a protocol and no explicit ecut: the one campaign cutoff (Ha) and
     * which element's hint sets it ("normal hint of O (table:...)"). */
    double campaign_ecut;
    char ecut_source[FU_SWEEP_PATH_LEN + 128];
    /* `stages:` (input/README.md "Stages"): a funnel in one sweep. The sweep read is
     * stage 1; `next` is stage 2 (its candidates are stage 1's structures, same order and
     * count, with the stage's settings), and so on. nstages 0: no stages (next NULL). */
    int nstages;
    int stage;                                /* this stage, 1-based (0 without stages) */
    char stage_name[FU_SWEEP_STAGE_NAME_LEN];
    char stage_where[FU_SWEEP_WHERE_LEN];     /* who proceeds into this stage ("" : all) */
    int stage_where_line;                     /* line of `where:` in the file (messages) */
    fu_sweep *next;
    /* `converge:` (input/sweep_README.md "Convergence"): cutoff and k ladders run before the
     * farm on the candidates of the formulas named; the first rung meeting the protocol's
     * target sets the campaign's ecut and k-spacing. Until they are known (fu_sweep_read
     * without them) the candidates carry the ladders' densest values. */
    int converge;                             /* 1: the block is given */
    int converge_line;
    int converge_nformula;
    char converge_formula[FU_SWEEP_CONVERGE_MAX][32]; /* reduced formulas, e.g. "MgO" */
    int converge_cand[FU_SWEEP_CONVERGE_MAX];  /* the first valid candidate of each */
    int converge_necut, converge_nk;
    double converge_ecut[FU_SWEEP_LADDER_MAX];     /* Ha, ascending */
    double converge_kspacing[FU_SWEEP_LADDER_MAX]; /* bohr⁻¹, descending (coarse to dense) */
    int converge_all;                         /* target: 1 every quantity, 0 the energy */
    char converge_protocol[16];               /* whose targets (the sweep's protocol, else balanced) */
    double converged_ecut, converged_kspacing; /* > 0: the values chosen (Ha, bohr⁻¹) */
};

/* Reads, validates and expands a sweep file. On error *sw needs no freeing
 * (fu_sweep_free is still safe) and err has one line naming file, line and
 * key. */
int fu_sweep_read(const char *path, fu_sweep *sw, fu_err *err);
/* Same, returning FU_ETIME as soon as *stop becomes non-zero (a stop signal
 * during the expansion of a large sweep); stop may be NULL. */
int fu_sweep_read_until(const char *path, const volatile sig_atomic_t *stop, fu_sweep *sw,
                        fu_err *err);
/* Same from text in memory; `origin` names it in messages and relative paths
 * are taken relative to its directory part. */
int fu_sweep_parse(const char *text, const char *origin, fu_sweep *sw, fu_err *err);
/* A sweep with a `converge:` block, read again with the cutoff (Ha) and k-spacing (bohr⁻¹)
 * its ladders chose (campaign/sweepconv.h) in place of the ladders' densest values. */
int fu_sweep_read_converged(const char *path, double ecut, double kspacing, fu_sweep *sw, fu_err *err);
void fu_sweep_free(fu_sweep *sw);

/* Re-estimates each valid candidate's memory per rank for groups of
 * group_size ranks (k-points spread over them) and `threads` threads, and
 * marks those above `limit` bytes invalid (mem_refused = 1) with a one-line
 * reason naming the estimate, the limit and `how` it was set. Machine-
 * dependent, so kept out of the reading: IDs and the spec's validity stay
 * the same everywhere. Returns the number refused. */
int fu_sweep_apply_mem_limit(fu_sweep *sw, double limit, int group_size, int threads, const char *how);

#endif
