/* Memory an SCF will need per rank, estimated from counts alone (no array
 * of the calculation is allocated), so that a candidate too large for its
 * node is refused in constant time instead of by a failed allocation deep
 * inside the SCF. The terms follow the allocations of scf.c, basis.c,
 * hamiltonian.c, mixing.c, xc.c, density.c and the LOBPCG workspace. */
#ifndef FURUI_DFT_MEMORY_H
#define FURUI_DFT_MEMORY_H

#include "core/error.h"
#include "crystal/structure.h"
#include "dft/params.h"
#include "dft/psp.h"

typedef struct {
    int nk_owned;  /* irreducible k-points on the busiest rank */
    int nspin;     /* 1 or 2 */
    int nband;     /* bands requested (the solver adds a buffer) */
    int nproj;     /* nonlocal projectors in the cell */
    int history;   /* mixer history */
    int nthreads;  /* threads per rank (one FFT box each) */
    int gga;       /* 1: gradient-corrected xc (gradient work arrays) */
    int nlcc;      /* 1: a nonlinear core correction (core density arrays) */
    double npw;    /* plane waves per k-point */
    double nfft;   /* FFT grid points */
    int nfft0;     /* of them along a1, the axis band ranks split in slabs (fftslab.h);
                      0: unknown (a share of 1/npb) */
    int npb;       /* band ranks sharing each k-point (bandpar.h); <= 1: one */
    int npg;       /* of those, FFT ranks sharing each band; <= 1: none */
    int nk;        /* irreducible k-points of the whole cell (fu_memory_estimate) */
    int real_k;    /* 1: every k-point's orbitals are real (Γ; basis.c): LOBPCG's blocks hold
                      doubles; 0 counts complex ones */
    int sl_min;    /* band ranks solve subspace matrices of this order on with ScaLAPACK
                      (scalapack.h); <= 0: FU_SCALAPACK_MIN_DEFAULT */
} fu_mem_counts;

typedef struct { /* bytes per rank */
    double wavefunctions; /* nspin x nk_owned x nev/npb x npw complex */
    double basis;         /* per owned k: G-vector tables and projectors nproj x npw */
    double grids;         /* densities, potentials x spin, FFT boxes, xc work, symmetry map
                             (with band ranks most of them slabs: fftslab.h) */
    double mixer;         /* Anderson history: 2 x history x nspin x nfft / npb complex (split
                             over the band ranks: mixing.h) */
    double solver;        /* LOBPCG blocks (8 nev x npw/npb), H work, band transposes, and
                             its dense (3 nev)^2 matrices (replicated, or with ScaLAPACK the
                             matrix replicated and the solver's work split over npb) */
    double baseline;      /* the process itself: MPI, FFTW, libxc, HDF5 */
    double total;
} fu_mem_estimate;

/* Bytes per rank for the given counts. */
void fu_memory_estimate_counts(const fu_mem_counts *c, fu_mem_estimate *e);

/* The counts of an SCF of s with p on `ranks` ranks (k-points are spread
 * over them) and psp[sp] per species: symmetry, irreducible k-points, the
 * FFT grid and the default bands as the SCF chooses them. Refuses a cell
 * whose grid is beyond fu_fftgrid_check_size (FU_EINPUT). */
int fu_memory_estimate(const fu_structure *s, const fu_scf_params *p, const fu_psp *const *psp,
                       int ranks, fu_mem_counts *c, fu_mem_estimate *e, fu_err *err);

/* Picks the layout of `ranks` ranks for one SCF (c from fu_memory_estimate
 * on one rank): want_npb > 0 checks that many band ranks per k-point (want_npg
 * > 0 that many FFT ranks of them per band); 0 takes
 * the fastest layout by the cost model of fu_bandpar_layout whose estimate
 * fits `limit` (<= 0: no limit), or if none fits the one needing least
 * memory (the caller compares e->total with the limit). Sets c->npb, c->npg,
 * c->nk_owned and e; *npb_default is the cost model's choice without the
 * limit. FU_EINPUT (one line) for a want_npb that cannot divide the work. */
int fu_memory_layout(fu_mem_counts *c, int ranks, int want_npb, int want_npg, double limit,
                     fu_mem_estimate *e, int *npb_default, fu_err *err);

/* "1.23 GB" style text of a byte count into buf. */
const char *fu_memory_text(double bytes, char *buf, int cap);

#endif
