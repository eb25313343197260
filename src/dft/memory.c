/* Memory estimate of an SCF (memory.h). */
#include "dft/memory.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/units.h"
#include "crystal/kpoints.h"
#include "crystal/symmetry.h"
#include "dft/bandpar.h"
#include "dft/basis.h"
#include "dft/fftgrid.h"
#include "dft/occupations.h"
#include "dft/scalapack.h"

#define C16 16.0 /* bytes of a double complex */
#define R8 8.0
/* Resident size of `furui scf` on a 2-atom cell at 5 Ha (MPI, FFTW, libxc,
 * HDF5 and the rest of the process), measured on Debian 12 with Open MPI 4.1:
 * 30-40 MB; the larger value, so small cells are not underestimated. */
#define BASELINE_BYTES (40.0 * 1024 * 1024)

void fu_memory_estimate_counts(const fu_mem_counts *c, fu_mem_estimate *e) {
    memset(e, 0, sizeof *e);
    double ns = c->nspin == 2 ? 2 : 1, nt = c->nfft, npw = c->npw, nproj = c->nproj;
    double nk = c->nk_owned > 0 ? c->nk_owned : 0;
    /* the SCF's buffer bands (scf.c) */
    double nev = c->nband + fu_bandpar_nbuffer(c->nband);
    double thr = c->nthreads > 1 ? c->nthreads : 1;
    /* band parallelism: this rank's bands (columns) and rows of the orbitals */
    double npb = c->npb > 1 ? c->npb : 1, bands = ceil(nev / npb), rows = ceil(npw / npb);

    /* psi + real-k buffer (+ the rows of one k-point with band ranks) */
    e->wavefunctions = ns * nk * bands * npw * C16 + nev * npw * R8 + (npb > 1 ? nev * rows * C16 : 0);
    /* per pw: gred, kpg (3 doubles), kin, slot_kin, box, mate, rep; projectors */
    e->basis = nk * npw * (3 * 4 + 3 * R8 + 2 * R8 + 3 * 4 + nproj * C16);
    /* per grid point, whole on every rank: a complex box, V_eff x spin (H
     * applies it), the grid's |G|^2 and FFT work, one Hamiltonian box per
     * thread, the symmetrisation map (image, phase, factor) */
    double whole = C16 + ns * R8 + (R8 + C16) + thr * C16 + (4 + 4 + C16 + R8);
    /* per grid point of this rank's slab (band ranks; else whole): vloc/v +
     * rho in/out/next x spin (complex), vxc/rho in/out x spin (real), xc
     * work (LDA: rho, zk, vrho; GGA: also gradients, sigma, a complex box),
     * spin and core-charge scratch; with slabs also V_eff's slab and the
     * slab FFT's work */
    double part = (2 + 3 * ns) * C16 + 3 * ns * R8;
    part += c->gga ? ns * (9 * R8) + 2 * C16 + 3 * R8 : ns * 3 * R8;
    if (ns == 2) part += 2 * R8 + 2 * C16;
    if (c->nlcc) part += 2 * R8 + 2 * C16;
    /* the largest slab, rank 0's: ceil(n0/npb) of n0 planes (FFTW's split) */
    double share = 1;
    if (npb > 1) {
        share = c->nfft0 > 0 ? ceil(c->nfft0 / npb) / c->nfft0 : 1 / npb;
        part += ns * R8 + C16;
    }
    e->grids = nt * (whole + share * part);
    e->mixer = ns * nt * (R8 + 2.0 * c->history * C16) / npb; /* split: fu_mixer_use_slab */
    /* one k-point at a time: Y, AY (3 blocks each) and Tb (2) of nev x npw,
     * the Hamiltonian's two blocks and projector work, and about 40 (nev)^2
     * complex numbers of Rayleigh-Ritz matrices and LAPACK work */
    /* (band ranks: the blocks hold this rank's rows, H works on its bands, the
     * transposes take three band blocks, the dense matrices are replicated) */
    double dense = 40 * nev * nev * C16;
    double k = 3 * nev, slmin = c->sl_min > 0 ? c->sl_min : FU_SCALAPACK_MIN_DEFAULT;
    if (npb > 1 && k >= slmin) {
        /* ScaLAPACK (scalapack.h): the k x k matrix replicated, ~3.5 k^2/npb
         * distributed, LAPACK backup and work (~3 klap^2) for the orders below
         * slmin, and the m x m matrices (~4 nev^2) */
        double klap = slmin - 1;
        dense = (k * k + 3.5 * k * k / npb + 3 * klap * klap + 4 * nev * nev) * C16;
    }
    double blk = c->real_k ? R8 : C16; /* LOBPCG's scalars */
    double npg = c->npg > 1 ? c->npg : 1;
    /* H's work on whole bands and the band transposes' three buffers; with FFT
     * ranks H works on rows and only the one buffer of the between-step
     * transposes is used (the others are never touched, so not resident) */
    double hwork = npg > 1 ? 1 * bands * npw * C16 : (2 * bands + (npb > 1 ? 3 * bands : 0)) * npw * C16;
    e->solver = nk > 0 ? 8 * nev * rows * blk + hwork + 2 * bands * nproj * C16 + dense : 0;
    /* FFT ranks (bandpar.c): the band group's coordinates in and out (with
     * real orbitals up to two per plane wave of its columns), the send and
     * receive buffers of the transposes (a row may go to two FFT ranks), the
     * row projections, and the shared FFTs (fftcols.c): FU_BANDPAR_FFT_BATCH
     * boxes of planes and of columns with two buffers (the sphere's columns
     * hold ~3 npw points: a column's points fill about a third of it), V_eff's planes */
    if (npg > 1 && nk > 0) {
        double groups = npb / npg, hm = FU_BANDPAR_FFT_BATCH;
        e->solver += 2 * ceil(nev / groups) * ceil((c->real_k ? 2 : 1) * npw / npg) * blk +
                     4 * nev * rows * blk + 2 * nev * nproj * C16 +
                     hm * (nt / npg + 3 * 3 * npw / npg) * C16 + nt / npg * R8;
    }
    e->baseline = BASELINE_BYTES;
    e->total = e->wavefunctions + e->basis + e->grids + e->mixer + e->solver + e->baseline;
}

int fu_memory_estimate(const fu_structure *s, const fu_scf_params *p, const fu_psp *const *psp,
                       int ranks, fu_mem_counts *c, fu_mem_estimate *e, fu_err *err) {
    memset(c, 0, sizeof *c);
    if (fu_fftgrid_check_size((const double(*)[3])s->lattice, p->ecut, err)) return FU_EINPUT;
    fu_symmetry sym;
    memset(&sym, 0, sizeof sym);
    fu_err ignore = {0};
    /* as the basis does; spglib failing only means a larger k count */
    if (!p->use_symmetry || fu_symmetry_find(s, p->symprec, &sym, &ignore))
        if (fu_symmetry_identity(s, &sym, err)) return FU_ENOMEM;
    int nk = p->kgrid[0] * p->kgrid[1] * p->kgrid[2];
    fu_kpoints kp;
    if (!fu_kpoints_mp(p->kgrid, p->kshift, &sym, p->time_reversal, &kp, &ignore)) {
        nk = kp.nk;
        /* real orbitals where k = -k + G (basis.c): 2k integral */
        c->real_k = 1;
        for (int ik = 0; ik < kp.nk; ik++)
            for (int d = 0; d < 3; d++) {
                double t = 2.0 * kp.kred[ik][d];
                if (!p->time_reversal || fabs(t - round(t)) > 1e-10) c->real_k = 0;
            }
        fu_kpoints_free(&kp);
    }
    int n[3];
    if (p->fft[0] > 0 && p->fft[1] > 0 && p->fft[2] > 0) memcpy(n, p->fft, sizeof n);
    else fu_fftgrid_choose((const double(*)[3])s->lattice, p->ecut, sym.nsym, (const int(*)[3][3])sym.rot, n);
    fu_symmetry_free(&sym);

    double nelec = 0;
    for (int a = 0; a < s->natom; a++) {
        const fu_psp *q = psp[s->typat[a]];
        nelec += q->zion;
        for (int l = 0; l <= q->lmax && l < FU_PSP_MAXL; l++) c->nproj += q->nproj[l] * (2 * l + 1);
        c->nlcc |= q->has_core;
    }
    if (ranks < 1) ranks = 1;
    c->nk = nk;
    c->npb = 1;
    c->npg = 1;
    c->nk_owned = (nk + ranks - 1) / ranks;
    c->nspin = p->nspin == 2 ? 2 : 1;
    c->nband = p->nband > 0 ? p->nband : fu_default_nband(nelec, p->smearing != FU_SMEAR_NONE, s->natom);
    c->history = p->mixing_history;
    c->nthreads = p->threads;
    c->sl_min = p->scalapack_min;
    c->gga = strstr(p->xc, "gga") != NULL || strstr(p->xc, "pbe") != NULL;
    double vol = fabs(fu_lattice_det((const double(*)[3])s->lattice));
    c->npw = vol * pow(2.0 * p->ecut, 1.5) / (6.0 * FU_PI * FU_PI);
    c->nfft = (double)n[0] * n[1] * n[2];
    c->nfft0 = n[0];
    fu_memory_estimate_counts(c, e);
    return FU_OK;
}

int fu_memory_layout(fu_mem_counts *c, int ranks, int want_npb, int want_npg, double limit,
                     fu_mem_estimate *e, int *npb_default, fu_err *err) {
    if (ranks < 1) ranks = 1;
    int nk = c->nk > 0 ? c->nk : 1;
    int nev = c->nband + fu_bandpar_nbuffer(c->nband);
    /* the plane-wave count is an estimate here; the SCF recounts (basis.c) */
    int npw = (int)fmin(c->npw, 1e9), npk, npb, npg;
    int rc = fu_bandpar_layout(nk, ranks, npw, nev, want_npb, want_npg, &npk, &npb, &npg, err);
    if (rc) return rc;
    if (npb_default) *npb_default = npb;
    c->npb = npb;
    c->npg = npg;
    c->nk_owned = (nk + npk - 1) / npk;
    fu_memory_estimate_counts(c, e);
    if (want_npb > 0 || !(limit > 0) || e->total <= limit) return FU_OK;
    /* over the limit: the fastest layout that fits, else the smallest */
    double best_cost = INFINITY, least = INFINITY;
    int fit = 0, small = npb, fit_g = npg, small_g = npg;
    for (int b = 1; b <= ranks; b++) {
        if (ranks % b || fu_bandpar_layout(nk, ranks, npw, nev, b, want_npg, &npk, &npb, &npg, NULL))
            continue;
        fu_mem_counts t = *c;
        t.npb = b;
        t.npg = npg;
        t.nk_owned = (nk + npk - 1) / npk;
        fu_mem_estimate et;
        fu_memory_estimate_counts(&t, &et);
        double cost = fu_bandpar_cost(nk, npk, b, npg);
        if (et.total <= limit && cost < best_cost) best_cost = cost, fit = b, fit_g = npg;
        if (et.total < least) least = et.total, small = b, small_g = npg;
    }
    c->npb = fit ? fit : small;
    c->npg = fit ? fit_g : small_g;
    c->nk_owned = (nk + ranks / c->npb - 1) / (ranks / c->npb);
    fu_memory_estimate_counts(c, e);
    return FU_OK;
}

const char *fu_memory_text(double bytes, char *buf, int cap) {
    static const char *const unit[] = {"B", "kB", "MB", "GB", "TB", "PB"};
    int u = 0;
    while (bytes >= 1000 && u < 5) bytes /= 1000, u++;
    snprintf(buf, (size_t)cap, "%.3g %s", bytes, unit[u]);
    return buf;
}
