#include "dft/scf.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/comm.h"
#include "core/clock.h"
#include "core/units.h"
#include "dft/bandpar.h"
#include "dft/basis.h"
#include "dft/density.h"
#include "dft/eigensolver.h"
#include "dft/fftslab.h"
#include "dft/hamiltonian.h"
#include "dft/mixing.h"
#include "dft/nlcc.h"
#include "dft/occupations.h"
#include "dft/term.h"
#include "dft/xc.h"

typedef struct {
    fu_basis b;
    fu_xc xc;
    fu_mixer mix;
    fu_hamiltonian ham;
    int nspin;                 /* 1, or 2 for collinear spin */
    int nev;                   /* bands computed: nband + buffer */
    int nbusy;                 /* bands the density needs (occupied ones), <= nband */
    double complex **psi;      /* [nspin*nk] -> [bcnt][npw] for owned k, else NULL: bands
                                  brank, brank + npb, ... of nev (all of them if npb = 1;
                                  fu_bandpar_band) */
    int boff, bcnt;            /* this rank's slice of a transpose's columns (bcnt bands) */
    double *occ_loc;           /* [nev] occupations of this rank's bands at one k */
    fu_bandpar bp;             /* npb > 1: transposes and LOBPCG callbacks */
    double complex *xrows;     /* npb > 1: [nev][rows] this rank's rows of a k-block */
    double *rbuf;              /* [nev][max_npw]: real coordinates of a real k-block */
    double *eig_nev;           /* [nspin][nk][nev] */
    double *eig;               /* [nspin][nk][nband] */
    double *occ;               /* [nspin][nk][nband], at most 2/nspin */
    /* Densities are [nspin][np]: the total density, then (nspin 2) the
     * magnetisation ρ↑ - ρ↓, the pair the mixer works on. Potentials vxc_r and
     * veff_r are [nspin][np] per channel: ↑ then ↓. np = ntot, or with band
     * ranks (npb > 1) the points of this rank's slab of the grid (fftslab.h),
     * which the density side works on: reduced into slabs, mixed, xc,
     * Hartree and the local potential there; the grid arrays that stay whole
     * are box, veff_r (H applies it; also the density's sum over this
     * rank's bands) and the grid's own. */
    int slab;                  /* npb > 1: grid arrays are slabs of sl */
    fu_fftslab sl;
    long np, off;              /* points of a grid array here, first linear index */
    MPI_Comm xcomm;            /* slab and npk > 1 (only then set): the ranks of the other
                                  k-groups holding the same slab */
    double *veff_s;            /* slab: [nspin][np] this rank's V_eff, gathered into veff_r */
    double complex *vloc_g, *v_g, *rho_in_g, *rho_out_g, *rho_next_g, *box;
    /* v_g: the density terms' potential coefficients, summed (effective_potential) */
    double *vxc_r, *veff_r, *rho_in_r, *rho_out_r;
    double *ud_r;              /* nspin 2: [2][ntot] ρ↑, ρ↓ scratch for xc */
    double complex *ud_g;      /* nspin 2: [2][ntot] their coefficients */
    /* Nonlinear core correction (NULL without): model core charge, and for
     * nspin 1 the scratch total ρ + ρ_c that xc sees */
    double *rhoc_r, *tot_r;
    double complex *rhoc_g, *tot_g;
    fu_term_ctx tc;            /* the terms' view of the above (term.h) */
} scf_state;

/* One channel of a grid array (np points, whole or slab) to real space and back. */
static void g_to_r(scf_state *st, const double complex *f_g, double *f_r) {
    memcpy(st->box, f_g, sizeof(double complex) * st->np);
    if (st->slab) fu_fftslab_g2r(&st->sl, st->box);
    else fu_fft_g2r(&st->b.grid, st->box);
    for (long i = 0; i < st->np; i++) f_r[i] = creal(st->box[i]);
}

static void r_to_g(scf_state *st, const double *f_r, double complex *f_g) {
    if (!st->slab) {
        for (long i = 0; i < st->np; i++) f_g[i] = f_r[i];
        fu_fft_r2g(&st->b.grid, f_g);
        return;
    }
    for (long i = 0; i < st->np; i++) st->box[i] = f_r[i];
    fu_fftslab_r2g(&st->sl, st->box);
    memcpy(f_g, st->box, sizeof(double complex) * st->np);
}

/* Symmetrises one channel of coefficients; a slab rank gathers the whole
 * ρ(G) into box (the images of its G lie anywhere in the box) and
 * symmetrises its own points only. Collective with a slab. */
static void symmetrize(scf_state *st, double complex *f_g) {
    if (!st->slab) {
        fu_density_symmetrize(&st->b, f_g, st->box);
        return;
    }
    if (st->b.sym.nsym <= 1) return;
    fu_fftslab_gather(&st->sl, f_g, st->box);
    fu_density_symmetrize_part(&st->b, st->box, st->off, st->np, f_g);
}

static void state_free(scf_state *st) {
    if (st->psi)
        for (int ik = 0; ik < st->nspin * st->b.kp.nk; ik++) free(st->psi[ik]);
    free(st->psi);
    free(st->rbuf);
    free(st->occ_loc);
    free(st->xrows);
    if (st->bp.comm) fu_bandpar_free(&st->bp);
    free(st->eig_nev);
    free(st->eig);
    free(st->occ);
    fftw_free(st->vloc_g);
    fftw_free(st->v_g);
    fftw_free(st->rho_in_g);
    fftw_free(st->rho_out_g);
    fftw_free(st->rho_next_g);
    fftw_free(st->box);
    free(st->veff_s);
    if (st->slab) fu_fftslab_free(&st->sl);
    if (st->slab && st->b.layout.npk > 1) MPI_Comm_free(&st->xcomm);
    free(st->vxc_r);
    free(st->veff_r);
    free(st->rho_in_r);
    free(st->rho_out_r);
    free(st->ud_r);
    fftw_free(st->ud_g);
    free(st->rhoc_r);
    free(st->tot_r);
    fftw_free(st->rhoc_g);
    fftw_free(st->tot_g);
    fu_hamiltonian_free(&st->ham);
    fu_mixer_free(&st->mix);
    fu_xc_free(&st->xc);
    fu_basis_free(&st->b);
}

static int state_alloc(scf_state *st, const fu_scf_params *p, fu_err *err) {
    const fu_basis *b = &st->b;
    size_t nt = (size_t)b->grid.ntot, ns = (size_t)st->nspin;
    st->np = (long)nt;
    if (b->layout.npb > 1) { /* the band ranks split the grid arrays in slabs */
        int rc = fu_fftslab_init(&st->sl, b->grid.n, b->layout.bcomm, 0, err);
        if (rc) return rc;
        st->slab = 1;
        st->np = st->sl.nloc;
        st->off = st->sl.off;
        if (b->layout.npk > 1) MPI_Comm_split(b->layout.comm, b->layout.brank, b->layout.kgroup, &st->xcomm);
    }
    /* grid arrays of np points (at least one: a slab may be empty) */
    size_t np = st->np > 0 ? (size_t)st->np : 1;
    size_t nbox = st->slab && st->sl.alloc > nt ? st->sl.alloc : nt;
    int nk = b->kp.nk;
    st->psi = calloc(ns * nk, sizeof(double complex *));
    st->rbuf = malloc(sizeof(double) * (size_t)st->nev * (b->max_npw ? b->max_npw : 1));
    fu_bandpar_split(st->nev, b->layout.npb, b->layout.brank, &st->boff, &st->bcnt);
    /* npb > 1, complex k-points: the whole start guess, then this rank's bands (real
     * k-points build it in rbuf, already there) */
    double complex *full = NULL;
    int any_complex = 0;
    for (int ik = 0; ik < nk; ik++) any_complex |= fu_basis_owns(b, ik) && !b->kb[ik].real;
    if (b->layout.npb > 1) {
        int rc = fu_bandpar_init(&st->bp, b->layout.bcomm, b->max_npw, st->nev, p->scalapack_min, err);
        if (!rc) rc = fu_bandpar_init_fft(&st->bp, b->layout.npg, b->grid.n, 0, b->model.nproj, err);
        if (rc) return rc;
        int r0, nrow;
        fu_bandpar_split(b->max_npw, b->layout.npb, b->layout.brank, &r0, &nrow);
        st->xrows = malloc(sizeof(double complex) * (size_t)st->nev * (nrow + 1));
        if (any_complex)
            full = malloc(sizeof(double complex) * (size_t)st->nev * (b->max_npw ? b->max_npw : 1));
        if (!st->xrows || (any_complex && !full)) {
            free(full);
            return fu_fail(err, FU_ENOMEM, "scf: out of memory for the band-parallel blocks");
        }
    }
    st->eig_nev = calloc(ns * nk * st->nev, sizeof(double));
    st->occ_loc = calloc((size_t)st->nev, sizeof(double));
    st->eig = calloc(ns * nk * b->nband, sizeof(double));
    st->occ = calloc(ns * nk * b->nband, sizeof(double));
    st->vloc_g = fftw_malloc(sizeof(double complex) * np);
    st->v_g = fftw_malloc(sizeof(double complex) * np);
    st->rho_in_g = fftw_malloc(sizeof(double complex) * np * ns);
    st->rho_out_g = fftw_malloc(sizeof(double complex) * np * ns);
    st->rho_next_g = fftw_malloc(sizeof(double complex) * np * ns);
    st->box = fftw_malloc(sizeof(double complex) * nbox);
    st->vxc_r = malloc(sizeof(double) * np * ns);
    st->veff_r = malloc(sizeof(double) * nt * ns);
    if (st->slab) st->veff_s = malloc(sizeof(double) * np * ns);
    st->rho_in_r = malloc(sizeof(double) * np * ns);
    st->rho_out_r = malloc(sizeof(double) * np * ns);
    if (ns == 2) {
        st->ud_r = malloc(sizeof(double) * np * 2);
        st->ud_g = fftw_malloc(sizeof(double complex) * np * 2);
    }
    if (fu_nlcc_present(b)) {
        st->rhoc_r = malloc(sizeof(double) * np);
        st->rhoc_g = fftw_malloc(sizeof(double complex) * np);
        st->tot_r = malloc(sizeof(double) * np);
        st->tot_g = fftw_malloc(sizeof(double complex) * np);
        if (!st->rhoc_r || !st->rhoc_g || !st->tot_r || !st->tot_g)
            return fu_fail(err, FU_ENOMEM, "scf: out of memory for the core charge");
    }
    if (!st->psi || !st->rbuf || !st->eig_nev || !st->occ_loc || !st->eig || !st->occ ||
        !st->vloc_g || !st->v_g ||
        !st->rho_in_g || !st->rho_out_g || !st->rho_next_g || !st->box ||
        !st->vxc_r || !st->veff_r || (st->slab && !st->veff_s) || !st->rho_in_r || !st->rho_out_r ||
        (ns == 2 && (!st->ud_r || !st->ud_g)))
        return fu_fail(err, FU_ENOMEM, "scf: out of memory for %zu grid points", nt);
    st->tc = (fu_term_ctx){.b = b, .nspin = st->nspin, .xc = &st->xc, .box = st->box,
                           .vloc_g = st->vloc_g, .rhoc_r = st->rhoc_r, .tot_r = st->tot_r,
                           .rhoc_g = st->rhoc_g, .tot_g = st->tot_g, .ud_r = st->ud_r,
                           .ud_g = st->ud_g, .vxc_r = st->vxc_r,
                           .slab = st->slab ? &st->sl : NULL};
    for (int iks = 0; iks < st->nspin * nk; iks++) {
        int ik = iks % nk;
        if (!fu_basis_owns(b, ik)) continue;
        const fu_kblock *kb = &b->kb[ik];
        st->psi[iks] = malloc(sizeof(double complex) * (size_t)(st->bcnt ? st->bcnt : 1) * kb->npw);
        if (!st->psi[iks]) {
            free(full);
            return fu_fail(err, FU_ENOMEM, "scf: out of memory for orbitals");
        }
        /* Both spin channels start alike, so zero moments stay exactly unpolarised. */
        uint64_t seed = 0x5eed0000ULL + (uint64_t)ik * 7919ULL;
        double complex *x = full && !kb->real ? full : st->psi[iks];
        int rc = kb->real ? fu_kblock_start_guess_real(kb, st->nev, seed, st->rbuf)
                          : fu_kblock_start_guess(kb, st->nev, seed, x);
        if (rc) {
            free(full);
            return fu_fail(err, FU_ENOMEM, "scf: out of memory");
        }
        for (int t = 0; t < st->bcnt && (kb->real || full); t++) { /* this rank's bands */
            size_t n = (size_t)fu_bandpar_band(b->layout.npb, b->layout.brank, t) * kb->npw;
            double complex *dst = st->psi[iks] + (size_t)t * kb->npw;
            if (kb->real) fu_kblock_from_real(kb, 1, st->rbuf + n, dst);
            else memcpy(dst, full + n, sizeof(double complex) * kb->npw);
        }
    }
    free(full);
    return FU_OK;
}

/* Cartesian image of a fractional rotation: R_cart = Aᵀ R A^{-T} (A rows = a_i). */
static void rot_cart(const double lat[3][3], const int R[3][3], double Rc[3][3]) {
    double rec[3][3];
    fu_lattice_reciprocal(lat, rec); /* b_i·a_j = 2π δ_ij, so A^{-1} has columns b_j/2π */
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            double s = 0;
            for (int a = 0; a < 3; a++)
                for (int c = 0; c < 3; c++) s += lat[a][i] * R[a][c] * rec[c][j];
            Rc[i][j] = s / (2.0 * FU_PI);
        }
}

static void symmetrize_forces_stress(const fu_basis *b, double (*f)[3], double sig[3][3]) {
    const fu_symmetry *sym = &b->sym;
    int na = b->model.s.natom;
    double (*fs)[3] = calloc((size_t)na, sizeof *fs);
    double ss[3][3] = {{0}};
    if (!fs) return; /* leave unsymmetrised; still correct to SCF precision */
    for (int s = 0; s < sym->nsym; s++) {
        double Rc[3][3];
        rot_cart(b->model.s.lattice, sym->rot[s], Rc);
        for (int a = 0; a < na; a++) {
            int t = sym->atom_map[s][a];
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++) fs[t][i] += Rc[i][j] * f[a][j];
        }
        if (sig)
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++)
                    for (int k = 0; k < 3; k++)
                        for (int l = 0; l < 3; l++) ss[i][j] += Rc[i][k] * sig[k][l] * Rc[j][l];
    }
    for (int a = 0; a < na; a++)
        for (int i = 0; i < 3; i++) f[a][i] = fs[a][i] / sym->nsym;
    if (sig)
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) sig[i][j] = 0.5 * (ss[i][j] + ss[j][i]) / sym->nsym;
    free(fs);
}

static void band_edges(const fu_basis *b, const fu_scf_params *p, fu_scf_result *r) {
    int nk = r->nk, nb = r->nband;
    r->vbm = -INFINITY;
    r->cbm = INFINITY;
    r->vbm_k = r->cbm_k = -1;
    int metal = 0;
    if (r->nspin == 2 && p->smearing == FU_SMEAR_NONE) {
        /* integer occupations per spin-orbital: the edges over both channels */
        for (size_t i = 0; i < (size_t)2 * nk * nb; i++) {
            int k = (int)(i / nb % nk);
            if (r->occ[i] > 0.5) {
                if (r->eig[i] > r->vbm) { r->vbm = r->eig[i]; r->vbm_k = k; }
            } else if (r->eig[i] < r->cbm) {
                r->cbm = r->eig[i];
                r->cbm_k = k;
            }
        }
    } else if (p->smearing == FU_SMEAR_NONE) {
        int nocc = (int)lround(b->model.nelec / 2.0);
        for (int k = 0; k < nk; k++) {
            if (nocc > 0 && r->eig[k * nb + nocc - 1] > r->vbm) {
                r->vbm = r->eig[k * nb + nocc - 1];
                r->vbm_k = k;
            }
            if (nocc < nb && r->eig[k * nb + nocc] < r->cbm) {
                r->cbm = r->eig[k * nb + nocc];
                r->cbm_k = k;
            }
        }
    } else {
        /* band n of each spin channel: a metal if it crosses ε_F */
        for (int sn = 0; sn < r->nspin * nb; sn++) {
            int n = sn % nb, spin = sn / nb;
            int below = 0, above = 0;
            for (int k = 0; k < nk; k++) {
                double e = r->eig[((size_t)spin * nk + k) * nb + n];
                if (e <= r->efermi) {
                    below = 1;
                    if (e > r->vbm) { r->vbm = e; r->vbm_k = k; }
                } else {
                    above = 1;
                    if (e < r->cbm) { r->cbm = e; r->cbm_k = k; }
                }
            }
            if (below && above) metal = 1;
        }
    }
    if (metal || r->vbm_k < 0 || r->cbm_k < 0) {
        r->gap = 0.0;
        r->gap_direct = 0;
    } else {
        r->gap = r->cbm - r->vbm;
        if (r->gap < 0) r->gap = 0;
        r->gap_direct = r->vbm_k == r->cbm_k;
    }
}

static int result_alloc(fu_scf_result *r, int nspin, int nk, int nband, int natom, fu_err *err) {
    r->nspin = nspin;
    r->nk = nk;
    r->nband = nband;
    r->natom = natom;
    r->kred = malloc(sizeof(*r->kred) * nk);
    r->kweight = malloc(sizeof(double) * nk);
    r->npw = calloc((size_t)nk, sizeof(int));
    r->eig = malloc(sizeof(double) * (size_t)nspin * nk * nband);
    r->occ = malloc(sizeof(double) * (size_t)nspin * nk * nband);
    r->forces = calloc((size_t)natom, sizeof(*r->forces));
    if (!r->kred || !r->kweight || !r->npw || !r->eig || !r->occ || !r->forces)
        return fu_fail(err, FU_ENOMEM, "scf: out of memory for results");
    return FU_OK;
}

void fu_scf_result_free(fu_scf_result *r) {
    free(r->kred);
    free(r->kweight);
    free(r->npw);
    free(r->eig);
    free(r->occ);
    free(r->forces);
    free(r->rho_r);
    free(r->veff_r);
    r->rho_r = r->veff_r = NULL;
    r->kred = NULL;
    r->kweight = NULL;
    r->npw = NULL;
    r->eig = r->occ = NULL;
    r->forces = NULL;
}

static int check_functionals(const fu_basis *b, const fu_xc *xc, fu_err *err) {
    for (int sp = 0; sp < b->model.s.nspecies; sp++) {
        const char *f = b->model.psp[sp].functional;
        if (strcmp(f, "unknown") == 0 || f[0] == '\0') continue;
        if (strcmp(f, xc->label) != 0)
            return fu_fail(err, FU_EINPUT,
                           "pseudopotentials: %s: %s was made for %s but xc is %s (%s)",
                           b->model.s.symbol[sp], b->model.psp[sp].path, f, xc->label, xc->names);
    }
    return FU_OK;
}

/* Residual norm to which empty bands are converged (in every step, also
 * where the occupied ones need no iteration) once the SCF tolerance is
 * tighter: the density does not depend on them. A Ritz value
 * with residual r errs by ~r²/gap; measured on the ABINIT reference systems
 * against converging every band to the SCF tolerance: <= 1e-9 Ha for all but
 * the top band, 7e-7 Ha for the top band of distorted Si (nearly degenerate
 * with the band above it), within the 2e-5 Ha of the ABINIT comparisons.
 * Converging them to the SCF tolerance as well cost 10-15 % of the SCF. */
#define TOL_EMPTY_BANDS 1e-5
/* A band counts as occupied when some k gives it this occupation or more. */
#define OCC_BUSY 1e-10

/* LOBPCG iterations per k-point in the early SCF steps (after the first,
 * which starts from random vectors, and while ∫|Δρ|/N > CAP_WHILE_DRHO
 * times the density tolerance). Converging the orbitals of a potential that
 * the next step replaces costs O(n m²) dense algebra per iteration for
 * nothing. Measured: the 16-atom Si cell 17.9 -> 16.2 s at the same 11
 * steps, the small reference cells unchanged (within 3 %); capping down to
 * 10x the tolerance saved 16 % on the supercell but cost the metals a step,
 * 1 iteration doubled the step counts. The SCF is only called converged
 * after a step whose eigensolver reached its tolerance at every k-point, so
 * the cap never loosens a result. */
#define LOBPCG_ITERS_PER_STEP 2
#define CAP_WHILE_DRHO 1e3

/* Eigenvalues and orbitals of one SCF step from the potential veff_r: the
 * first nconv bands to residual tol, the rest to tol_rest, in at most maxiter
 * LOBPCG iterations; *all_conv says whether every k-point got there. */
static int diagonalize(scf_state *st, int nconv, double tol, double tol_rest, int maxiter,
                       int *iters_out, double *applies_out, int *all_conv, fu_err *err) {
    fu_basis *b = &st->b;
    int nk = b->kp.nk, nev = st->nev, maxit = 0, nks = st->nspin * nk, conv = 1;
    int nsearch = b->nband < nev ? b->nband : nev; /* the buffer beyond is passive */
    size_t nt = (size_t)b->grid.ntot;
    double applies = 0;
    memset(st->eig_nev, 0, sizeof(double) * (size_t)nks * nev);
    for (int iks = 0; iks < nks; iks++) {
        int ik = iks % nk, spin = iks / nk;
        if (!fu_basis_owns(b, ik)) continue;
        fu_kblock *kb = &b->kb[ik];
        fu_hamiltonian_set(&st->ham, kb, st->veff_r + spin * nt);
        fu_eig_stats stats;
        double *eig = st->eig_nev + (size_t)iks * nev;
        int rc;
        if (b->layout.npb > 1) {
            /* bands -> rows, LOBPCG on the rows, rows -> bands (bandpar.h) */
            fu_bandpar *bp = &st->bp;
            rc = fu_bandpar_set(bp, &st->ham, err);
            if (rc) return rc;
            int r0, nrow;
            fu_bandpar_split(kb->npw, b->layout.npb, b->layout.brank, &r0, &nrow);
            if (kb->real) {
                fu_kblock_to_real(kb, st->bcnt, st->psi[iks], st->rbuf);
                fu_bandpar_psi_to_rows(bp, kb->npw, nev, 1, st->rbuf, (double *)st->xrows);
                rc = fu_lobpcg_real_rows(&bp->rows, nrow, nev, nconv, nsearch, (double *)st->xrows,
                                         eig, fu_bandpar_apply_real, fu_bandpar_precondition_real,
                                         bp, tol, tol_rest, maxiter, &stats, err);
                fu_bandpar_rows_to_psi(bp, kb->npw, nev, 1, (double *)st->xrows, st->rbuf);
                fu_kblock_from_real(kb, st->bcnt, st->rbuf, st->psi[iks]);
            } else {
                fu_bandpar_psi_to_rows(bp, kb->npw, nev, 2, (double *)st->psi[iks],
                                       (double *)st->xrows);
                rc = fu_lobpcg_rows(&bp->rows, nrow, nev, nconv, nsearch, st->xrows, eig,
                                    fu_bandpar_apply, fu_bandpar_precondition, bp, tol, tol_rest,
                                    maxiter, &stats, err);
                fu_bandpar_rows_to_psi(bp, kb->npw, nev, 2, (double *)st->xrows,
                                       (double *)st->psi[iks]);
            }
            if (b->layout.brank != 0) { /* the group's sums below count each k-point once */
                memset(eig, 0, sizeof(double) * nev);
                stats.n_applies = 0;
            }
        } else if (kb->real) { /* a quarter of the dense algebra, half the FFTs */
            fu_kblock_to_real(kb, nev, st->psi[iks], st->rbuf);
            rc = fu_lobpcg_real_split(kb->npw, nev, nconv, nsearch, st->rbuf, eig,
                                      fu_hamiltonian_apply_real, fu_hamiltonian_precondition_real,
                                      &st->ham, tol, tol_rest, maxiter, &stats, err);
            fu_kblock_from_real(kb, nev, st->rbuf, st->psi[iks]);
        } else {
            rc = fu_lobpcg_split(kb->npw, nev, nconv, nsearch, st->psi[iks], eig,
                                 fu_hamiltonian_apply, fu_hamiltonian_precondition, &st->ham, tol,
                                 tol_rest, maxiter, &stats, err);
        }
        if (rc) {
            if (st->nspin == 2) fu_err_prefix(err, "k-point %d, spin %s", ik + 1, spin ? "down" : "up");
            else fu_err_prefix(err, "k-point %d", ik + 1);
            return rc;
        }
        if (stats.iterations > maxit) maxit = stats.iterations;
        applies += stats.n_applies;
        conv = conv && stats.converged;
    }
    fu_allreduce(&applies, 1, MPI_DOUBLE, MPI_SUM, b->layout.comm);
    *applies_out = applies / nks;
    fu_allreduce(st->eig_nev, nks * nev, MPI_DOUBLE, MPI_SUM, b->layout.comm);
    fu_allreduce(&maxit, 1, MPI_INT, MPI_MAX, b->layout.comm);
    fu_allreduce(&conv, 1, MPI_INT, MPI_MIN, b->layout.comm);
    *all_conv = conv;
    for (int ik = 0; ik < nks; ik++)
        memcpy(st->eig + (size_t)ik * b->nband, st->eig_nev + (size_t)ik * nev,
               sizeof(double) * b->nband);
    *iters_out = maxit;
    return FU_OK;
}

/* The energy terms of a state, indexed as fu_energy_terms (energy.h). */
typedef struct {
    double term[FU_ENERGY_NTERMS];
    double efermi, total;
} energies;

/* Collinear spin with one Fermi level for both channels; occ per
 * spin-orbital (at most 1). Smeared: the channels are handed to
 * fu_occupations as 2·nk k-points of weight w_k/2 holding 2 each, then
 * halved (so the entropy is -T Σ_σk w_k s). Unsmeared: at every k the lowest
 * N_el of the 2·nband spin-orbitals are filled (aufbau over both channels,
 * so the moment follows the levels; e.g. a molecule's Hund's-rule triplet). */
static int spin_occupations(const scf_state *st, const fu_scf_params *p, double *efermi,
                            double *minus_ts, fu_err *err) {
    const fu_basis *b = &st->b;
    int nk = b->kp.nk, nb = b->nband, rc;
    size_t nkb = (size_t)nk * nb;
    if (p->smearing != FU_SMEAR_NONE) {
        double *w2 = malloc(sizeof(double) * 2 * nk);
        if (!w2) return fu_fail(err, FU_ENOMEM, "scf: out of memory");
        for (int k = 0; k < nk; k++) w2[k] = w2[nk + k] = 0.5 * b->kp.weight[k];
        rc = fu_occupations(p->smearing, p->smearing_order, p->tsmear, b->model.nelec, 2.0, 2 * nk, w2,
                            nb, st->eig, st->occ, efermi, minus_ts, err);
        free(w2);
        if (!rc)
            for (size_t i = 0; i < 2 * nkb; i++) st->occ[i] *= 0.5;
        return rc;
    }
    /* calloc: gcc cannot see that the loop below fills e2 whole */
    double *e2 = calloc(2 * nkb, sizeof(double)), *o2 = malloc(sizeof(double) * 2 * nkb);
    if (!e2 || !o2) {
        free(e2);
        free(o2);
        return fu_fail(err, FU_ENOMEM, "scf: out of memory");
    }
    for (int k = 0; k < nk; k++)
        for (int sp = 0; sp < 2; sp++)
            memcpy(e2 + ((size_t)k * 2 + sp) * nb, st->eig + ((size_t)sp * nk + k) * nb,
                   sizeof(double) * nb);
    rc = fu_occupations(FU_SMEAR_NONE, 0, 0.0, b->model.nelec, 1.0, nk, b->kp.weight, 2 * nb, e2, o2,
                        efermi, minus_ts, err);
    if (!rc)
        for (int k = 0; k < nk; k++)
            for (int sp = 0; sp < 2; sp++)
                memcpy(st->occ + ((size_t)sp * nk + k) * nb, o2 + ((size_t)k * 2 + sp) * nb,
                       sizeof(double) * nb);
    free(e2);
    free(o2);
    return rc;
}

/* How many of the first nb bands are this rank's; their occupations (occ:
 * all nb of one k-point) into st->occ_loc. */
static int band_share(scf_state *st, const double *occ, int nb) {
    int p = st->b.layout.npb, j = st->b.layout.brank, c = fu_bandpar_nlocal(p, j, nb);
    if (c > st->bcnt) c = st->bcnt;
    for (int t = 0; t < c; t++) st->occ_loc[t] = occ[fu_bandpar_band(p, j, t)];
    return c;
}

/* Occupations, output density and its energy (ψ and eigenvalues given). */
static int output_state(scf_state *st, const fu_scf_params *p, const double *e_structure,
                        energies *e, fu_err *err) {
    fu_basis *b = &st->b;
    const fu_fftgrid *g = &b->grid;
    int nk = b->kp.nk, nb = b->nband, ns = st->nspin;
    size_t nt = (size_t)g->ntot;
    int rc = ns == 1 ? fu_occupations(p->smearing, p->smearing_order, p->tsmear, b->model.nelec, 2.0, nk,
                                      b->kp.weight, nb, st->eig, st->occ, &e->efermi,
                                      &e->term[FU_ENERGY_ENTROPY], err)
                     : spin_occupations(st, p, &e->efermi, &e->term[FU_ENERGY_ENTROPY], err);
    if (rc) return rc;
    st->nbusy = 0;
    for (size_t i = 0; i < (size_t)ns * nk * nb; i++) {
        int band = (int)(i % nb);
        if (fabs(st->occ[i]) >= OCC_BUSY && band >= st->nbusy) st->nbusy = band + 1;
    }
    if (st->nbusy < 1) st->nbusy = 1; /* the eigensolver converges at least one band */
    double orb[FU_ENERGY_NTERMS] = {0}, band = 0;
    /* nspin 2: accumulate ρ↑, ρ↓ here, then turn them into total and
     * magnetisation. Slabs: each rank adds its bands on the whole grid in
     * veff_r (free until the next V_eff; H is done with it) and receives the
     * sum over the band ranks for its slab only (MPI_Reduce_scatter). */
    size_t np = (size_t)st->np;
    double *acc = st->slab ? st->veff_r : st->rho_out_r;
    memset(acc, 0, sizeof(double) * nt * ns);
    for (int iks = 0; iks < ns * nk; iks++) {
        int ik = iks % nk, spin = iks / nk;
        for (int n = 0; n < nb; n++)
            band += b->kp.weight[ik] * st->occ[iks * nb + n] * st->eig[iks * nb + n];
        if (!fu_basis_owns(b, ik)) continue;
        const fu_kblock *kb = &b->kb[ik];
        int cnt = band_share(st, st->occ + (size_t)iks * nb, nb);
        const double *occ = st->occ_loc;
        if (cnt == 0) continue;
        for (int t = 0; t < FU_ENERGY_NTERMS; t++)
            if (fu_terms[t]->orbital_energy)
                orb[t] += kb->weight *
                          fu_terms[t]->orbital_energy(&st->tc, kb, cnt, st->psi[iks], occ);
        fu_density_add(b, kb, cnt, st->psi[iks], occ, kb->weight, acc + spin * nt, st->box);
    }
    fu_allreduce(orb, FU_ENERGY_NTERMS, MPI_DOUBLE, MPI_SUM, b->layout.comm);
    if (st->slab) {
        for (int c = 0; c < ns; c++)
            fu_fftslab_reduce_scatter_real(&st->sl, acc + c * nt, st->rho_out_r + c * np);
        if (b->layout.npk > 1) /* the other k-groups' k-points, slab by slab */
            fu_allreduce(st->rho_out_r, (int)(np * ns), MPI_DOUBLE, MPI_SUM, st->xcomm);
    } else {
        fu_allreduce(st->rho_out_r, g->ntot * ns, MPI_DOUBLE, MPI_SUM, b->layout.comm);
    }
    if (ns == 2)
        for (size_t i = 0; i < np; i++) {
            double up = st->rho_out_r[i], dn = st->rho_out_r[np + i];
            st->rho_out_r[i] = up + dn;
            st->rho_out_r[np + i] = up - dn;
        }
    for (int c = 0; c < ns; c++) {
        r_to_g(st, st->rho_out_r + c * np, st->rho_out_g + c * np);
        symmetrize(st, st->rho_out_g + c * np);
        g_to_r(st, st->rho_out_g + c * np, st->rho_out_r + c * np);
    }
    e->term[FU_ENERGY_BAND] = band;
    e->total = 0;
    for (int t = 0; t < FU_ENERGY_NTERMS; t++) {
        const fu_term *term = fu_terms[t];
        if (term->kind == FU_TERM_ORBITAL) e->term[t] = orb[t];
        else if (term->kind == FU_TERM_STRUCTURE) e->term[t] = e_structure[t];
        else if (term->kind == FU_TERM_DENSITY) {
            rc = term->energy(&st->tc, st->rho_out_r, st->rho_out_g, &e->term[t], NULL, NULL, err);
            if (rc) return rc;
        }
        if (fu_term_in_total(term)) e->total += e->term[t];
    }
    return FU_OK;
}

/* V_eff,σ = Σ of the density terms' potentials of ρ_in on the grid (V_loc +
 * V_H + V_xc,σ): their coefficient parts summed in v_g and transformed once,
 * their real-space parts summed in veff_r. */
static int effective_potential(scf_state *st, fu_err *err) {
    const fu_fftgrid *g = &st->b.grid;
    size_t nt = (size_t)g->ntot, np = (size_t)st->np;
    double *v = st->slab ? st->veff_s : st->veff_r; /* np points per channel */
    memset(st->v_g, 0, sizeof(double complex) * np);
    memset(v, 0, sizeof(double) * np * st->nspin);
    for (int t = 0; t < FU_ENERGY_NTERMS; t++) {
        if (fu_terms[t]->kind != FU_TERM_DENSITY) continue;
        double e;
        int rc = fu_terms[t]->energy(&st->tc, st->rho_in_r, st->rho_in_g, &e, st->v_g, v, err);
        if (rc) return rc;
    }
    memcpy(st->box, st->v_g, sizeof(double complex) * np);
    if (st->slab) fu_fftslab_g2r(&st->sl, st->box);
    else fu_fft_g2r(g, st->box);
    for (int c = 0; c < st->nspin; c++)
        for (size_t i = 0; i < np; i++) v[c * np + i] += creal(st->box[i]);
    if (st->slab) /* the H application wants the whole V_eff on every rank */
        for (int c = 0; c < st->nspin; c++)
            fu_fftslab_gather_real(&st->sl, v + c * np, st->veff_r + c * nt);
    return FU_OK;
}

void fu_scf_opts_default(fu_scf_opts *o) { memset(o, 0, sizeof *o); }

int fu_scf_run(const fu_structure *s, const fu_scf_params *p, MPI_Comm comm, FILE *log,
               fu_scf_result *res, fu_err *err) {
    return fu_scf_run_opts(s, p, NULL, comm, log, res, err);
}

/* One SCF run: what set-up prepares for the iterations and the
 * post-processing (the structure-only terms: Ewald and the pseudopotential
 * core energy; the state of the last iteration). */
typedef struct {
    const fu_scf_opts *o;
    MPI_Comm comm;
    FILE *log;
    scf_state st;
    double e_structure[FU_ENERGY_NTERMS]; /* the STRUCTURE terms' energies (term.h) */
    energies e;         /* of the last output state */
    int it, converged, timed_out;
    double t0, tp;      /* start of the run; the profile clock */
} scf_run;

/* Adds the time since the profile clock's last lap to res->profile.field. */
#define LAP(r, res, field)                             \
    do {                                               \
        double now_ = fu_monotonic_seconds();          \
        (res)->profile.field += now_ - (r)->tp;        \
        (r)->tp = now_;                                \
    } while (0)

/* Set-up: checks against the structure, basis, state, Hamiltonian, mixer,
 * the structure-only terms, the starting density and the log's header. */
static int scf_setup(scf_run *r, const fu_structure *s, const fu_scf_params *p, fu_scf_result *res,
                     fu_err *err) {
    scf_state *st = &r->st;
    const fu_scf_opts *o = r->o;
    MPI_Comm comm = r->comm;
    FILE *log = r->log;
    int rc;
    if (p->nspin != 1 && p->nspin != 2)
        return fu_fail(err, FU_EINPUT, "spin: nspin must be 1 or 2, got %d", p->nspin);
    st->nspin = p->nspin;
    rc = fu_xc_init_nspin(&st->xc, p->xc, p->nspin, err);
    if (rc) return rc;
    rc = fu_basis_init(&st->b, s, p, comm, err);
    if (rc) return rc;
    fu_basis *b = &st->b;
    const fu_fftgrid *g = &b->grid;
    const size_t nt = (size_t)g->ntot;
    const int ns = st->nspin;
    rc = check_functionals(b, &st->xc, err);
    if (rc) return rc;
    for (int sp = 0; sp < s->nspecies; sp++) {
        double mu = p->spin_moment[sp];
        if (mu != 0.0 && ns == 1) {
            rc = fu_fail(err, FU_EINPUT, "spin: %s has an initial moment but the run is "
                         "unpolarised (nspin 1)", s->symbol[sp]);
            return rc;
        }
        if (!isfinite(mu) || fabs(mu) > b->model.psp[sp].zion) {
            rc = fu_fail(err, FU_EINPUT, "spin: moment of %s: |%g| μB exceeds its %g valence "
                         "electrons", s->symbol[sp], mu, b->model.psp[sp].zion);
            return rc;
        }
    }
    if (p->smearing != FU_SMEAR_NONE && !(p->tsmear > 0))
        { rc = fu_fail(err, FU_EINPUT, "smearing: width must be > 0 Ha"); return rc; }
    /* Buffer bands beyond the requested ones keep the top requested bands
     * off the edge of the LOBPCG block; passive (no search directions of
     * their own), they cost only dense algebra. Measured on the benchmark
     * systems against buffer bands converged to TOL_EMPTY_BANDS: 10-17 %
     * less SCF time (Si 0.62 -> 0.55 s, fcc Al 0.42 -> 0.35 s) at the same
     * step counts; no buffer at all cost the metals one SCF step. */
    st->nev = b->nband + fu_bandpar_nbuffer(b->nband);
    for (int ik = 0; ik < b->kp.nk; ik++)
        if (fu_basis_owns(b, ik) && b->kb[ik].npw < st->nev) st->nev = b->kb[ik].npw;
    fu_allreduce(&st->nev, 1, MPI_INT, MPI_MIN, comm);
    st->nbusy = b->nband; /* until the first occupations are known */
    rc = state_alloc(st, p, err);
    /* band ranks apply H to their share of a block only */
    if (!rc) rc = fu_hamiltonian_init(&st->ham, b, (st->nev + b->layout.npb - 1) / b->layout.npb, err);
    /* Automatic Kerker: 0.5 bohr⁻¹ for metals and insulators alike gave the
     * fewest SCF steps over the ABINIT reference set (damping 1, history 8). */
    double kerker = p->kerker_k0 >= 0 ? p->kerker_k0 : 0.5;
    if (!rc)
        rc = fu_mixer_init_spin(&st->mix, g, ns, p->mixing_history, p->mixing_damping, kerker,
                                err);
    if (!rc && st->slab) rc = fu_mixer_use_slab(&st->mix, &st->sl, err);
    if (!rc && st->slab) fu_xc_use_slab(&st->xc, &st->sl);
    if (!rc) rc = result_alloc(res, ns, b->kp.nk, b->nband, s->natom, err);
    if (rc) return rc;

    for (int t = 0; t < FU_ENERGY_NTERMS; t++)
        if (fu_terms[t]->setup) {
            rc = fu_terms[t]->setup(&st->tc, &r->e_structure[t], err);
            if (rc) return rc;
        }
    const size_t np = (size_t)st->np;
    if (o->rho_start) {
        if (!o->rho_start_fft || memcmp(o->rho_start_fft, g->n, sizeof g->n) != 0) {
            return fu_fail(err, FU_EINPUT, "scf: starting density is on another FFT grid");
        }
        /* channels ↑, ↓ in (this rank's points); total and magnetisation inside */
        for (int c = 0; c < ns; c++)
            for (size_t i = 0; i < np; i++)
                st->rho_in_r[c * np + i] = o->rho_start[c * nt + (size_t)st->off + i];
        if (ns == 2)
            for (size_t i = 0; i < np; i++) {
                double up = st->rho_in_r[i], dn = st->rho_in_r[np + i];
                st->rho_in_r[i] = up + dn;
                st->rho_in_r[np + i] = up - dn;
            }
        for (int c = 0; c < ns; c++) r_to_g(st, st->rho_in_r + c * np, st->rho_in_g + c * np);
    } else if (!st->slab) {
        fu_density_guess(b, st->rho_in_g);
        if (ns == 2) fu_density_guess_magnetization(b, p->spin_moment, st->rho_in_g + nt);
    } else { /* whole in box, this rank's slab kept */
        fu_density_guess(b, st->box);
        memcpy(st->rho_in_g, st->box + st->off, sizeof(double complex) * np);
        if (ns == 2) {
            fu_density_guess_magnetization(b, p->spin_moment, st->box);
            memcpy(st->rho_in_g + np, st->box + st->off, sizeof(double complex) * np);
        }
    }
    for (int c = 0; c < ns; c++) {
        symmetrize(st, st->rho_in_g + c * np);
        g_to_r(st, st->rho_in_g + c * np, st->rho_in_r + c * np);
    }

    if (log && b->layout.rank == 0) {
        fprintf(log, "# SCF: %d k-points, %d bands (+%d buffer), FFT %dx%dx%d, %d symmetry ops, "
                     "xc %s%s\n",
                b->kp.nk, b->nband, st->nev - b->nband, g->n[0], g->n[1], g->n[2], b->sym.nsym,
                st->xc.names, ns == 2 ? ", collinear spin" : "");
        if (b->layout.size > 1)
            fprintf(log, "# layout: %d k-group%s x %d band rank%s (%s)\n", b->layout.npk,
                    b->layout.npk == 1 ? "" : "s", b->layout.npb, b->layout.npb == 1 ? "" : "s",
                    b->layout.npb == 1 ? "every band on each rank" : "bands cyclic: 1, 1 + npb, ... on rank 0");
        if (b->layout.npg > 1)
            fprintf(log, "# FFT ranks: %d band group%s x %d FFT ranks sharing each band's FFTs "
                         "(sphere columns, then %d of %d planes along a3 on rank 0)\n",
                    b->layout.npb / b->layout.npg, b->layout.npb / b->layout.npg == 1 ? "" : "s",
                    b->layout.npg, st->bp.fc.nz, g->n[2]);
        if (st->slab)
            fprintf(log, "# grid arrays: slabs over the %d band ranks (%d of %d planes on rank 0; "
                         "densities, potentials, xc, Hartree, mixing)\n",
                    b->layout.npb, st->sl.n0, g->n[0]);
        if (st->bp.sl.prow)
            fprintf(log, "# subspace matrices of order >= %d: ScaLAPACK on a %d x %d grid of the "
                         "band ranks\n", st->bp.sl_min, st->bp.sl.nprow, st->bp.sl.npcol);
        /* say so when some ranks get no k-point */
        if (b->layout.npk > b->kp.nk)
            fprintf(log,
                    "# note: %d of %d ranks idle (%d irreducible k-point%s); fewer ranks with "
                    "more threads each (FURUI_THREADS) would use those cores\n",
                    (b->layout.npk - b->kp.nk) * b->layout.npb, b->layout.size, b->kp.nk, b->kp.nk == 1 ? "" : "s");
        if (p->protocol[0])
            fprintf(log, "# protocol %s (explicit keys override): ecut %g Ha, k-mesh %dx%dx%d, "
                         "smearing %s %g Ha, energy tolerance %g Ha\n",
                    p->protocol, p->ecut, p->kgrid[0], p->kgrid[1], p->kgrid[2],
                    fu_smearing_name(p->smearing), p->tsmear, p->tol_energy);
        if (ns == 2) {
            fprintf(log, "# initial moments (μB):");
            for (int sp = 0; sp < s->nspecies; sp++)
                fprintf(log, " %s %g", s->symbol[sp], p->spin_moment[sp]);
            fprintf(log, "\n");
        }
        for (int sp = 0; sp < s->nspecies; sp++) {
            const fu_psp *q = &b->model.psp[sp];
            fprintf(log, "# psp %-2s %s (%s, %s): Z_ion %g, functional %s, channels",
                    s->symbol[sp], q->name, q->format, q->path, q->zion, q->functional);
            for (int l = 0; l <= q->lmax; l++) fprintf(log, " %c:%d", "spdf"[l], q->nproj[l]);
            if (q->has_core) fprintf(log, ", core correction");
            if (q->hint_ecut[1] > 0)
                fprintf(log, ", hints %g/%g/%g Ha", q->hint_ecut[0], q->hint_ecut[1],
                        q->hint_ecut[2]);
            fprintf(log, ", sha256 %.16s...\n", q->sha256);
        }
        fprintf(log, "# %4s %22s %12s %12s %6s %8s %8s %8s%s\n", "iter", "E_total (Ha)",
                "|dE| (Ha)", "drho", "diag", "Hx/k", "tol", "time(s)",
                ns == 2 ? "     M (μB)   |M| (μB)" : "");
    }
    r->tp = fu_monotonic_seconds();
    res->profile.setup = r->tp - r->t0;
    return FU_OK;
}

/* The SCF iterations, until converged, out of iterations, stopped or failed. */
static int scf_iterate(scf_run *r, const fu_scf_params *p, fu_scf_result *res, fu_err *err) {
    scf_state *st = &r->st;
    const fu_scf_opts *o = r->o;
    FILE *log = r->log;
    const fu_basis *b = &st->b;
    const fu_fftgrid *g = &b->grid;
    const size_t np = (size_t)st->np; /* grid points here: whole or this rank's slab */
    const int ns = st->nspin;
    energies e_prev = {0};
    /* A given starting density is presumed close: diagonalise it tightly at
     * once, or eigensolver noise in the first output density reads as an SCF
     * residual and the mixer chases it. */
    double drho = 1.0, tol_diag = o->rho_start ? 1e-6 : 1e-2;
    int rc;
    for (r->it = 1; r->it <= p->max_iterations; r->it++) {
        int it = r->it;
        double ti = fu_monotonic_seconds();
        r->tp = ti;
        rc = effective_potential(st, err);
        LAP(r, res, potential);
        if (rc) return rc;
        int diag_iters = 0, diag_conv = 0;
        /* drho of the previous step; a step that can end the SCF (drho below
         * the tolerance) is therefore never capped */
        int capped = it > 1 && drho >= CAP_WHILE_DRHO * p->tol_density;
        double applies = 0;
        double h0 = st->ham.t_local + st->ham.t_nonlocal;
        rc = diagonalize(st, st->nbusy, tol_diag, fmax(tol_diag, TOL_EMPTY_BANDS),
                         capped ? LOBPCG_ITERS_PER_STEP : 60, &diag_iters, &applies, &diag_conv,
                         err);
        LAP(r, res, eigensolver);
        res->profile.eigensolver -= st->ham.t_local + st->ham.t_nonlocal - h0; /* H counted apart */
        if (rc) return rc;
        e_prev = r->e;
        rc = output_state(st, p, r->e_structure, &r->e, err);
        LAP(r, res, density);
        if (rc) return rc;
        if (o->fault_nan_iteration > 0 && it >= o->fault_nan_iteration) st->rho_out_r[0] = NAN;
        /* nspin 2: ∫(|Δρ| + |Δm|) / N_el */
        double sums[3] = {0}; /* Σ|Δρ|, Σ m, Σ |m| (slabs: summed over the band ranks) */
        for (size_t i = 0; i < np * ns; i++) sums[0] += fabs(st->rho_out_r[i] - st->rho_in_r[i]);
        if (ns == 2)
            for (size_t i = 0; i < np; i++) {
                sums[1] += st->rho_out_r[np + i];
                sums[2] += fabs(st->rho_out_r[np + i]);
            }
        if (st->slab) fu_allreduce(sums, 3, MPI_DOUBLE, MPI_SUM, b->layout.bcomm);
        drho = sums[0] * g->volume / g->ntot / b->model.nelec;
        double mag = 0, absmag = 0;
        if (ns == 2) {
            mag = sums[1] * g->volume / g->ntot;
            absmag = sums[2] * g->volume / g->ntot;
        }
        res->magnetization = mag;
        res->abs_magnetization = absmag;
        double de = it > 1 ? fabs(r->e.total - e_prev.total) : INFINITY;
        if (it <= FU_SCF_MAXHIST) {
            res->history_etotal[it - 1] = r->e.total;
            res->history_drho[it - 1] = drho;
        }
        res->last_denergy = de;
        res->last_drho = drho;
        if (log && b->layout.rank == 0) {
            fprintf(log, "  %4d %22.12f %12.3e %12.3e %6d %8.1f %8.1e %8.3f", it, r->e.total, de,
                    drho, diag_iters, applies, tol_diag, fu_monotonic_seconds() - ti);
            if (ns == 2) fprintf(log, " %10.5f %10.5f", mag, absmag);
            fprintf(log, "\n");
            fflush(log);
        }
        if (!isfinite(r->e.total) || !isfinite(drho) || drho > 1e3) {
            rc = fu_fail(err, FU_EPHYS, "scf: diverged at iteration %d (E = %g Ha, drho = %g)",
                         it, r->e.total, drho);
            res->iterations = it;
            return rc;
        }
        if (de < p->tol_energy && drho < p->tol_density && diag_conv) {
            r->converged = 1;
            break;
        }
        /* every rank must agree to stop, so rank 0's clock decides */
        r->timed_out = (o->deadline > 0 && fu_monotonic_seconds() > o->deadline) || (o->stop && *o->stop);
        fu_bcast(&r->timed_out, 1, MPI_INT, 0, r->comm);
        if (r->timed_out) break;
        r->tp = fu_monotonic_seconds();
        rc = fu_mixer_next(&st->mix, st->rho_in_g, st->rho_out_g, st->rho_next_g, err);
        if (rc) return rc;
        memcpy(st->rho_in_g, st->rho_next_g, sizeof(double complex) * np * ns);
        for (int c = 0; c < ns; c++) g_to_r(st, st->rho_in_g + c * np, st->rho_in_r + c * np);
        LAP(r, res, mixing);
        double t = 0.05 * drho;
        tol_diag = fmin(tol_diag, fmax(1e-10, fmin(1e-2, t)));
    }
    res->iterations = r->converged || r->timed_out ? r->it : p->max_iterations;
    res->converged = r->converged;
    if (st->bp.sl.prow && log && b->layout.rank == 0)
        fprintf(log, "# ScaLAPACK: %d subspace matrices solved distributed\n", st->bp.sl.solves);
    return FU_OK;
}

/* The results of the final state into res, and the verdict: FU_ETIME when
 * stopped, FU_ENOCONV when out of iterations (the result kept for diagnosis). */
static int scf_results(scf_run *r, const fu_structure *s, const fu_scf_params *p, fu_scf_result *res,
                       fu_err *err) {
    scf_state *st = &r->st;
    const fu_scf_opts *o = r->o;
    const fu_basis *b = &st->b;
    const fu_fftgrid *g = &b->grid;
    const size_t nt = (size_t)g->ntot;
    const int ns = st->nspin;
    const energies e = r->e;
    MPI_Comm comm = r->comm;
    /* results (energies of the output state) */
    res->etotal = e.total;
    memcpy(res->energy, e.term, sizeof res->energy);
    res->efermi = e.efermi;
    res->nelec = b->model.nelec;
    res->volume = g->volume;
    memcpy(res->fft, g->n, sizeof res->fft);
    res->nsym = b->sym.nsym;
    res->spacegroup_number = b->sym.spacegroup_number;
    res->ranks = b->layout.size;
    res->npk = b->layout.npk;
    res->npb = b->layout.npb;
    res->npg = b->layout.npg;
    snprintf(res->xc_names, sizeof res->xc_names, "%s", st->xc.names);
    res->nspecies = s->nspecies;
    for (int sp = 0; sp < s->nspecies; sp++) {
        snprintf(res->psp_names[sp], sizeof res->psp_names[sp], "%s", b->model.psp[sp].name);
        snprintf(res->psp_paths[sp], sizeof res->psp_paths[sp], "%s", b->model.psp[sp].path);
        snprintf(res->psp_sha256[sp], sizeof res->psp_sha256[sp], "%s", b->model.psp[sp].sha256);
        snprintf(res->psp_functional[sp], sizeof res->psp_functional[sp], "%s",
                 b->model.psp[sp].functional);
        snprintf(res->psp_format[sp], sizeof res->psp_format[sp], "%s", b->model.psp[sp].format);
        res->psp_core[sp] = b->model.psp[sp].has_core;
        res->psp_valence[sp] = b->model.psp[sp].zion;
        memcpy(res->psp_hints[sp], b->model.psp[sp].hint_ecut, sizeof res->psp_hints[sp]);
    }
    for (int ik = 0; ik < b->kp.nk; ik++) {
        memcpy(res->kred[ik], b->kp.kred[ik], sizeof res->kred[ik]);
        res->kweight[ik] = b->kp.weight[ik];
        res->npw[ik] = fu_basis_owns(b, ik) && b->layout.brank == 0 ? b->kb[ik].npw : 0;
    }
    fu_allreduce(res->npw, b->kp.nk, MPI_INT, MPI_SUM, comm);
    memcpy(res->eig, st->eig, sizeof(double) * (size_t)ns * b->kp.nk * b->nband);
    memcpy(res->occ, st->occ, sizeof(double) * (size_t)ns * b->kp.nk * b->nband);
    band_edges(b, p, res);
    if (o->keep_fields) {
        res->rho_r = malloc(sizeof(double) * nt * ns);
        res->veff_r = malloc(sizeof(double) * nt * ns);
        if (!res->rho_r || !res->veff_r) {
            return fu_fail(err, FU_ENOMEM, "scf: out of memory for the final fields");
        }
        if (st->slab)
            for (int c = 0; c < ns; c++) {
                fu_fftslab_gather_real(&st->sl, st->rho_in_r + c * st->np, res->rho_r + c * nt);
                fu_fftslab_gather_real(&st->sl, st->veff_s + c * st->np, res->veff_r + c * nt);
            }
        else {
            memcpy(res->rho_r, st->rho_in_r, sizeof(double) * nt * ns);
            memcpy(res->veff_r, st->veff_r, sizeof(double) * nt * ns);
        }
        if (ns == 2) /* ↑, ↓ out, as rho_start takes them */
            for (size_t i = 0; i < nt; i++) {
                double n = res->rho_r[i], m = res->rho_r[nt + i];
                res->rho_r[i] = 0.5 * (n + m);
                res->rho_r[nt + i] = 0.5 * (n - m);
            }
    }

    if (r->timed_out)
        return fu_fail(err, FU_ETIME, "scf: stopped (time limit or stop request) after %d iterations (last |dE| = "
                     "%.3e Ha, drho = %.3e)", r->it, res->last_denergy, res->last_drho);
    if (!r->converged)
        return fu_fail(err, FU_ENOCONV,
                     "scf: not converged in %d iterations (last |dE| = %.3e Ha, drho = %.3e; "
                     "limits %.1e Ha, %.1e)",
                     p->max_iterations, res->last_denergy, res->last_drho, p->tol_energy,
                     p->tol_density);
    return FU_OK;
}

/* Forces and stress of the converged state (as p asks), into res. */
static int scf_forces_stress(scf_run *r, const fu_structure *s, const fu_scf_params *p,
                             fu_scf_result *res, fu_err *err) {
    scf_state *st = &r->st;
    const fu_basis *b = &st->b;
    const int ns = st->nspin;
    MPI_Comm comm = r->comm;
    int rc = FU_OK;
    r->tp = fu_monotonic_seconds();
    if (p->compute_forces || p->compute_stress) {
        double (*f)[3] = res->forces;
        double sig[3][3] = {{0}};
        double (*fa)[3] = p->compute_forces ? f : NULL, (*sa)[3] = p->compute_stress ? sig : NULL;
        /* the orbital terms per k-block, summed over the ranks, then the others */
        for (int iks = 0; iks < ns * b->kp.nk && !rc; iks++) {
            int ik = iks % b->kp.nk;
            if (!fu_basis_owns(b, ik)) continue;
            const fu_kblock *kb = &b->kb[ik];
            int cnt = band_share(st, st->occ + (size_t)iks * b->nband, b->nband);
            const double *occ = st->occ_loc;
            if (cnt == 0) continue;
            for (int t = 0; t < FU_ENERGY_NTERMS && !rc; t++)
                if (fu_terms[t]->orbital_forces_stress)
                    rc = fu_terms[t]->orbital_forces_stress(&st->tc, kb, cnt, st->psi[iks], occ,
                                                            kb->weight, fa, sa, err);
        }
        if (rc) return rc;
        fu_allreduce(&f[0][0], 3 * s->natom, MPI_DOUBLE, MPI_SUM, comm);
        fu_allreduce(&sig[0][0], 9, MPI_DOUBLE, MPI_SUM, comm);
        for (int t = 0; t < FU_ENERGY_NTERMS; t++)
            if (fu_terms[t]->forces_stress) {
                rc = fu_terms[t]->forces_stress(&st->tc, st->rho_out_r, st->rho_out_g, r->e.term[t],
                                                fa, sa, err);
                if (rc) return rc;
            }
        symmetrize_forces_stress(b, f, p->compute_stress ? sig : NULL);
        /* The grid breaks translation invariance slightly (xc on the FFT
         * grid), leaving a net force that no symmetry cancels in polar
         * crystals. Physical forces sum to zero: remove it, and report it. */
        if (p->compute_forces)
            for (int c = 0; c < 3; c++) {
                double sum = 0;
                for (int a = 0; a < s->natom; a++) sum += f[a][c];
                res->net_force[c] = sum;
                for (int a = 0; a < s->natom; a++) f[a][c] -= sum / s->natom;
            }
        res->have_forces = p->compute_forces;
        res->have_stress = p->compute_stress;
        if (p->compute_stress) memcpy(res->stress, sig, sizeof sig);
    }
    LAP(r, res, forces_stress);
    return FU_OK;
}

#undef LAP

int fu_scf_run_opts(const fu_structure *s, const fu_scf_params *p, const fu_scf_opts *o,
                    MPI_Comm comm, FILE *log, fu_scf_result *res, fu_err *err) {
    fu_scf_opts defaults;
    fu_scf_opts_default(&defaults);
    scf_run r;
    memset(&r, 0, sizeof r);
    r.t0 = fu_monotonic_seconds();
    r.o = o ? o : &defaults;
    r.comm = comm;
    r.log = log;
    memset(res, 0, sizeof *res);
    int rc = scf_setup(&r, s, p, res, err);
    if (!rc) rc = scf_iterate(&r, p, res, err);
    if (!rc) rc = scf_results(&r, s, p, res, err);
    if (!rc) rc = scf_forces_stress(&r, s, p, res, err);
    res->wall_seconds = fu_monotonic_seconds() - r.t0;
    res->profile.local = r.st.ham.t_local;
    res->profile.nonlocal = r.st.ham.t_nonlocal;
    res->profile.other = res->wall_seconds - res->profile.setup - res->profile.local - res->profile.nonlocal -
                         res->profile.eigensolver - res->profile.density - res->profile.potential -
                         res->profile.mixing - res->profile.forces_stress;
    state_free(&r.st);
    return rc;
}
