/* The Kohn-Sham Hamiltonian at one k-point: H = ½|k+G|² + V_eff(r) + V_nl. */
#ifndef FURUI_DFT_HAMILTONIAN_H
#define FURUI_DFT_HAMILTONIAN_H

#include "core/clock.h"
#include "dft/basis.h"

typedef struct {
    const fu_basis *b;
    const fu_kblock *kb;
    const double *veff_r;     /* [ntot] total local potential on the grid (Ha) */
    double complex *box;      /* [nthreads][box_stride] FFT scratch, FFTW-aligned */
    size_t box_stride;        /* >= ntot, a multiple of 4 (64 bytes) */
    int nthreads;             /* bands transformed in parallel (b->layout.nthreads) */
    double complex *nl_work;  /* [2*maxvec*nproj] */
    double complex *cbuf;     /* [2*maxvec*max_npw]: complex copies for the real apply */
    int maxvec;
    /* wall time spent in apply since init (the SCF's profile), s */
    double t_local;           /* FFTs of the wavefunctions and the local potential */
    double t_nonlocal;        /* projectors */
} fu_hamiltonian;

/* Allocates scratch for blocks of up to maxvec vectors and b->layout.nthreads
 * threads (OpenMP over the bands of a block: each band's transforms are
 * independent, so the result does not depend on the thread count). */
int fu_hamiltonian_init(fu_hamiltonian *h, const fu_basis *b, int maxvec, fu_err *err);
void fu_hamiltonian_free(fu_hamiltonian *h);
/* Points h at k-point kb and potential veff_r (no copies). */
void fu_hamiltonian_set(fu_hamiltonian *h, const fu_kblock *kb, const double *veff_r);

/* Callbacks for fu_lobpcg; ctx is an fu_hamiltonian*. */
void fu_hamiltonian_apply(void *ctx, int m, const double complex *X, double complex *Y);
void fu_hamiltonian_precondition(void *ctx, int m, const double *ritz, double complex *R);
/* The same on a real k-block (kb->real) in its real coordinates
 * (fu_kblock_to_real), for fu_lobpcg_real_split. Two real orbitals share one
 * complex FFT: ψ1 + iψ2 goes through V(r), and the halves are told apart
 * by the pairing G <-> -G-2k. */
void fu_hamiltonian_apply_real(void *ctx, int m, const double *X, double *Y);
void fu_hamiltonian_precondition_real(void *ctx, int m, const double *ritz, double *R);

#endif
