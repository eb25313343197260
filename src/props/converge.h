/* Convergence ladders (`furui converge`, a sweep's `converge:` block): SCFs of
 * one structure at a series of cutoffs or k-meshes, each compared with the
 * ladder's densest rung (the best estimate the ladder has): ΔE per atom,
 * max |ΔF|, ΔP (at a fixed k-mesh, the cutoff's Pulay stress) and Δgap; for
 * each protocol the first rung from which on every rung meets its targets
 * (dft/protocol.h). */
#ifndef FURUI_PROPS_CONVERGE_H
#define FURUI_PROPS_CONVERGE_H

#include <jansson.h>
#include <mpi.h>
#include <stddef.h>
#include <stdio.h>

#include "core/error.h"
#include "core/yamldoc.h"
#include "crystal/structure.h"
#include "dft/params.h"

#define FU_CONVERGE_MAX_RUNGS 40
#define FU_CONVERGE_MAX_KDIV 200

typedef struct {
    double ecut;        /* Ha */
    double spacing;     /* bohr⁻¹ (k ladder), 0 for the cutoff ladder */
    int kgrid[3];
    int ok;             /* SCF converged */
    double e_atom;      /* Ha per atom */
    double pressure;    /* Ha/bohr³, -tr σ / 3 */
    double gap;         /* Ha, on the mesh */
    double (*forces)[3];
    double wall;
    /* against the reference rung */
    double de, dfmax, dp, dgap;
} fu_converge_rung;

typedef struct {
    const char *name; /* "ecut" or "kpoints" */
    int n;
    fu_converge_rung r[FU_CONVERGE_MAX_RUNGS];
    int first_energy[3]; /* per protocol (fast, balanced, stringent): first rung meeting the
                            energy target, -1 none */
    int first_all[3];    /* ... meeting every target */
} fu_converge_ladder;

/* What produced the numbers (pseudopotential files), from the first rung that ran. */
typedef struct {
    int have, n;
    char path[16][512], sha[16][65], format[16][8];
    double hints[16][3];
} fu_converge_prov;

/* "A:B:STEP UNIT" or "v1,v2,... UNIT" into out[FU_CONVERGE_MAX_RUNGS] (atomic units);
 * the count, or -1 with a one-line reason in msg naming opt. */
int fu_converge_parse_ladder(const char *opt, const char *arg, fu_unit_kind kind, double *out, char *msg,
                             size_t cap);
/* One SCF of s with p at g->ecut and g->kgrid (forces and stress on), over comm. An SCF
 * that does not converge is g->ok = 0 and FU_OK; other failures are returned. prov (may
 * be NULL) is filled once. log may be NULL. */
int fu_converge_run_rung(const fu_structure *s, const fu_scf_params *p, MPI_Comm comm, FILE *log,
                         fu_converge_rung *g, fu_converge_prov *prov, fu_err *err);
/* Differences to the last rung and, per protocol, the first rung from which on every
 * rung (the reference excluded) meets the targets. */
void fu_converge_analyse(fu_converge_ladder *L, int natom);
void fu_converge_print(FILE *f, const fu_converge_ladder *L);
/* {"rungs": [...], "first_meeting": {protocol: {targets, "energy", "all"}}} */
json_t *fu_converge_ladder_json(const fu_converge_ladder *L);
void fu_converge_ladder_free(fu_converge_ladder *L);

#endif
