/* The farm's task message (campaign/farm.h): what a worker group needs to run one candidate,
 * encoded field by field, so that the wire format is defined here and not by the layout of
 * C structs (which differs between compilers, and which a new field would silently shift).
 *
 * Format, version 2 (integers little-endian; f64 IEEE-754 binary64 bit for bit; a string is
 * u32 length | bytes, without NUL):
 *   "FUTASK" | u16 version
 *   control   f64 job_seconds_left, f64 time_limit, i32 recovery_rungs, i32 fault_nan_rungs
 *   id        string (16 hex digits)
 *   params    fu_scf_params: u32 count | count strings pseudo[], string xc, f64 ecut,
 *             i32 kgrid[3], f64 kshift[3], i32 fft[3], i32 nband, i32 smearing,
 *             i32 smearing_order, f64 tsmear, i32 use_symmetry, i32 time_reversal, f64 symprec,
 *             i32 max_iterations, f64 tol_energy, f64 tol_density, f64 mixing_damping,
 *             i32 mixing_history, f64 kerker_k0, i32 compute_forces, i32 compute_stress,
 *             i32 verbosity, i32 nspin, u32 count | f64 spin_moment[], i32 fft_patient,
 *             i32 threads, string protocol, i32 npband, i32 scalapack_min, i32 npfft
 *   tasks     i32 relax, relax options (i32 relax_cell, f64 pressure, i32 max_steps,
 *             f64 force_tol, f64 stress_tol, i32 algorithm, f64 max_step, f64 h0,
 *             i32 final_scf, f64 deadline), i32 bands, f64 bands_density, i32 eos,
 *             i32 eos_points, f64 eos_range
 *   structure f64 lattice[9], i32 nspecies | nspecies x (string symbol, i32 znucl),
 *             i32 natom | natom x (f64 xred[3], i32 typat)
 *   restart   i32 relax_steps | (> 0) i32 relax_fft[3], f64 relax_lattice[9],
 *             f64 relax_xred[3 natom]; i32 neos | neos x (f64 volume, f64 energy)
 * Arrays sized by a compile-time constant (pseudo, spin_moment) carry their count, so a
 * build with another FU_MAX_SPECIES reads what fits and refuses what does not. A decoder
 * refuses another version, a truncated message, trailing bytes and out-of-range counts.
 * Pointers of the structs (relax log, stop flag, callbacks) are not sent: NULL on decode. */
#ifndef FURUI_CAMPAIGN_TASK_H
#define FURUI_CAMPAIGN_TASK_H

#include <stddef.h>

#include "core/error.h"
#include "props/eos.h"
#include "campaign/sweep.h"

#define FU_TASK_VERSION 2 /* 2: npfft */

typedef struct {
    /* how the group runs it; times are relative, because ranks share no clock */
    double job_seconds_left;   /* until the job's deadline when sent; <= 0: none */
    double time_limit;         /* per candidate, s; <= 0: none */
    int recovery_rungs;        /* rungs of the recovery ladder to try, >= 1 */
    int fault_nan_rungs;       /* fault injection (fu_farm_opts.fault_nan_rungs) */
    /* the candidate */
    char id[FU_RECORD_ID_LEN + 1];
    fu_scf_params params;
    fu_cand_tasks tasks;
    fu_structure structure;    /* encode: read only; decode: owned (fu_task_free) */
    /* what interrupted attempts left (journal checkpoints) */
    int relax_steps;           /* > 0: the relaxation continues from relax_lattice, relax_xred */
    int relax_fft[3];          /* its fixed grid */
    double relax_lattice[3][3];
    double (*relax_xred)[3];   /* [structure.natom]; encode: read only; decode: owned */
    int neos;                  /* equation-of-state points already computed */
    double eos_volume[FU_EOS_MAXPOINTS], eos_energy[FU_EOS_MAXPOINTS]; /* bohr³, Ha */
} fu_task;

/* *buf is malloc'd. FU_EINPUT if a count is out of range (natom, species, EOS points). */
int fu_task_encode(const fu_task *t, unsigned char **buf, size_t *len, fu_err *err);
/* Fills *t (zeroed first; free it with fu_task_free, also after a failure). */
int fu_task_decode(const unsigned char *buf, size_t len, fu_task *t, fu_err *err);
void fu_task_free(fu_task *t);

#endif
