#include "dft/basis.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <fftw3.h>

#include "core/comm.h"
#include "core/units.h"
#include "dft/bandpar.h"
#include "dft/density.h"

double fu_solid_harmonic(int l, int m, const double q[3], double grad[3]) {
    const double x = q[0], y = q[1], z = q[2];
    double v = 0, gx = 0, gy = 0, gz = 0;
    switch (l * 10 + (m + 3)) { /* l*10 + m+3 keeps cases distinct */
    case 3: v = 0.28209479177387814; break;                                  /* l0  */
    case 12: v = 0.4886025119029199 * y; gy = 0.4886025119029199; break;     /* 1,-1 */
    case 13: v = 0.4886025119029199 * z; gz = 0.4886025119029199; break;     /* 1,0 */
    case 14: v = 0.4886025119029199 * x; gx = 0.4886025119029199; break;     /* 1,1 */
    case 21: { const double a = 1.0925484305920792;                           /* 2,-2 */
        v = a * x * y; gx = a * y; gy = a * x; break; }
    case 22: { const double a = 1.0925484305920792;                           /* 2,-1 */
        v = a * y * z; gy = a * z; gz = a * y; break; }
    case 23: { const double b = 0.31539156525252005;                          /* 2,0 */
        v = b * (2 * z * z - x * x - y * y); gx = -2 * b * x; gy = -2 * b * y; gz = 4 * b * z;
        break; }
    case 24: { const double a = 1.0925484305920792;                           /* 2,1 */
        v = a * x * z; gx = a * z; gz = a * x; break; }
    case 25: { const double c = 0.5462742152960396;                           /* 2,2 */
        v = c * (x * x - y * y); gx = 2 * c * x; gy = -2 * c * y; break; }
    case 30: { const double c = 0.5900435899266435;                           /* 3,-3 */
        v = c * y * (3 * x * x - y * y); gx = 6 * c * x * y; gy = c * (3 * x * x - 3 * y * y);
        break; }
    case 31: { const double c = 2.890611442640554;                            /* 3,-2 */
        v = c * x * y * z; gx = c * y * z; gy = c * x * z; gz = c * x * y; break; }
    case 32: { const double c = 0.4570457994644658;                           /* 3,-1 */
        v = c * y * (4 * z * z - x * x - y * y); gx = -2 * c * x * y;
        gy = c * (4 * z * z - x * x - 3 * y * y); gz = 8 * c * y * z; break; }
    case 33: { const double c = 0.3731763325901154;                           /* 3,0 */
        v = c * z * (2 * z * z - 3 * x * x - 3 * y * y); gx = -6 * c * x * z;
        gy = -6 * c * y * z; gz = c * (6 * z * z - 3 * x * x - 3 * y * y); break; }
    case 34: { const double c = 0.4570457994644658;                           /* 3,1 */
        v = c * x * (4 * z * z - x * x - y * y); gx = c * (4 * z * z - 3 * x * x - y * y);
        gy = -2 * c * x * y; gz = 8 * c * x * z; break; }
    case 35: { const double c = 1.445305721320277;                            /* 3,2 */
        v = c * z * (x * x - y * y); gx = 2 * c * x * z; gy = -2 * c * y * z;
        gz = c * (x * x - y * y); break; }
    case 36: { const double c = 0.5900435899266435;                           /* 3,3 */
        v = c * x * (x * x - 3 * y * y); gx = c * (3 * x * x - 3 * y * y); gy = -6 * c * x * y;
        break; }
    default: break;
    }
    if (grad) {
        grad[0] = gx;
        grad[1] = gy;
        grad[2] = gz;
    }
    return v;
}

int fu_default_nband(double nelec, int smeared, int natom) {
    int nocc = (int)ceil(nelec / 2.0 - 1e-9);
    if (smeared) {
        int n = (int)ceil(0.6 * nelec) + 4;
        return n > nocc + 4 ? n : nocc + 4;
    }
    int extra = nocc / 5 > 4 ? nocc / 5 : 4;
    (void)natom;
    return nocc + extra;
}

/* G0 = 2k if that is a reciprocal lattice vector (k time-reversal
 * invariant), else returns 0. */
static int tr_invariant(const double kred[3], int G0[3]) {
    for (int c = 0; c < 3; c++) {
        double t = 2.0 * kred[c];
        G0[c] = (int)lround(t);
        if (fabs(t - G0[c]) > 1e-10) return 0;
    }
    return 1;
}

/* Pairs G with G' = -G - G0 (|k+G'| = |k+G|: the sphere is closed under it). */
static int build_real(fu_kblock *kb, const fu_fftgrid *g, const int G0[3], int ik, fu_err *err) {
    const int *n = g->n;
    int *at = malloc(sizeof(int) * (size_t)g->ntot);
    kb->mate = malloc(sizeof(int) * (size_t)kb->npw);
    kb->rep = malloc(sizeof(int) * (size_t)kb->npw);
    kb->slot_kin = malloc(sizeof(double) * (size_t)kb->npw);
    if (!at || !kb->mate || !kb->rep || !kb->slot_kin) {
        free(at);
        return fu_fail(err, FU_ENOMEM, "k-point %d: out of memory for the real orbitals", ik + 1);
    }
    for (int i = 0; i < g->ntot; i++) at[i] = -1;
    for (int ig = 0; ig < kb->npw; ig++) at[kb->box[ig]] = ig;
    int nrep = 0, slot = 0;
    for (int ig = 0; ig < kb->npw; ig++) {
        int i[3];
        for (int c = 0; c < 3; c++) i[c] = ((-kb->gred[ig][c] - G0[c]) % n[c] + n[c]) % n[c];
        int j = at[(i[0] * n[1] + i[1]) * n[2] + i[2]];
        if (j < 0) { /* cannot happen for a sphere inside the box */
            free(at);
            return fu_fail(err, FU_EINTERNAL, "k-point %d: -G-2k of a plane wave is not in the sphere",
                           ik + 1);
        }
        kb->mate[ig] = j;
        if (j < ig) continue;
        kb->rep[nrep++] = ig;
        kb->slot_kin[slot++] = kb->kin[ig];
        if (j != ig) kb->slot_kin[slot++] = kb->kin[ig];
    }
    free(at);
    kb->nrep = nrep;
    kb->real = 1;
    return FU_OK;
}

void fu_kblock_to_real(const fu_kblock *kb, int m, const double complex *c, double *v) {
    const double s = sqrt(0.5); /* √2 · ½(c(G) + c(G')*) */
    for (int j = 0; j < m; j++) {
        const double complex *cj = c + (size_t)j * kb->npw;
        double *vj = v + (size_t)j * kb->npw;
        int slot = 0;
        for (int r = 0; r < kb->nrep; r++) {
            int ig = kb->rep[r], jg = kb->mate[ig];
            if (jg == ig) {
                vj[slot++] = creal(cj[ig]);
            } else {
                double complex z = cj[ig] + conj(cj[jg]);
                vj[slot++] = s * creal(z);
                vj[slot++] = s * cimag(z);
            }
        }
    }
}

void fu_kblock_from_real(const fu_kblock *kb, int m, const double *v, double complex *c) {
    const double s = sqrt(0.5);
    for (int j = 0; j < m; j++) {
        const double *vj = v + (size_t)j * kb->npw;
        double complex *cj = c + (size_t)j * kb->npw;
        int slot = 0;
        for (int r = 0; r < kb->nrep; r++) {
            int ig = kb->rep[r], jg = kb->mate[ig];
            if (jg == ig) {
                cj[ig] = vj[slot++];
            } else {
                double complex z = s * (vj[slot] + I * vj[slot + 1]);
                slot += 2;
                cj[ig] = z;
                cj[jg] = conj(z);
            }
        }
    }
}

static int build_kblock(fu_basis *b, int ik, int want_real, fu_err *err) {
    fu_kblock *kb = &b->kb[ik];
    const fu_fftgrid *g = &b->grid;
    const int *n = g->n;
    int cap = 0;
    /* Count first so the arrays are allocated once. */
    for (int pass = 0; pass < 2; pass++) {
        int npw = 0;
        for (int i0 = 0; i0 < n[0]; i0++)
            for (int i1 = 0; i1 < n[1]; i1++)
                for (int i2 = 0; i2 < n[2]; i2++) {
                    int m[3] = {fu_fft_freq(i0, n[0]), fu_fft_freq(i1, n[1]),
                                fu_fft_freq(i2, n[2])};
                    double q[3];
                    for (int c = 0; c < 3; c++)
                        q[c] = (kb->kred[0] + m[0]) * g->rec[0][c] +
                               (kb->kred[1] + m[1]) * g->rec[1][c] +
                               (kb->kred[2] + m[2]) * g->rec[2][c];
                    double ekin = 0.5 * (q[0] * q[0] + q[1] * q[1] + q[2] * q[2]);
                    if (ekin > b->ecut) continue;
                    if (pass == 1) {
                        memcpy(kb->gred[npw], m, sizeof m);
                        kb->box[npw] = (i0 * n[1] + i1) * n[2] + i2;
                        memcpy(kb->kpg[npw], q, sizeof q);
                        kb->kin[npw] = ekin;
                    }
                    npw++;
                }
        if (pass == 0) {
            cap = npw;
            kb->npw = npw;
            kb->gred = malloc(sizeof(*kb->gred) * (size_t)cap);
            kb->box = malloc(sizeof(int) * (size_t)cap);
            kb->kpg = malloc(sizeof(*kb->kpg) * (size_t)cap);
            kb->kin = malloc(sizeof(double) * (size_t)cap);
            int np = b->model.nproj ? b->model.nproj : 1;
            kb->proj = malloc(sizeof(double complex) * (size_t)cap * np);
            if (!kb->gred || !kb->box || !kb->kpg || !kb->kin || !kb->proj)
                return fu_fail(err, FU_ENOMEM, "k-point %d: out of memory for %d plane waves",
                               ik + 1, cap);
        }
    }
    int rc = fu_fft_sphere_init(&kb->sphere, g, kb->npw, kb->box, err);
    if (rc) return rc;
    if (kb->npw > b->max_npw) b->max_npw = kb->npw;
    int G0[3];
    if (want_real && tr_invariant(kb->kred, G0) && (rc = build_real(kb, g, G0, ik, err))) return rc;
    /* β_p(k+G) = Ω^{-1/2} e^{-iG·R_a} R_lm(k+G) f_il(|k+G|); the phase uses G
     * instead of k+G (a constant per atom and k, it cancels in β h β†). */
    double inv_sqrt_vol = 1.0 / sqrt(g->volume);
    for (int p = 0; p < b->model.nproj; p++) {
        const fu_projector *pr = &b->model.projs[p];
        const fu_psp *psp = &b->model.psp[b->model.s.typat[pr->atom]];
        const double *x = b->model.s.xred[pr->atom];
        double complex *row = kb->proj + (size_t)p * kb->npw;
        for (int ig = 0; ig < kb->npw; ig++) {
            const double *q = kb->kpg[ig];
            double qn = sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2]);
            double arg = -2.0 * FU_PI *
                         (kb->gred[ig][0] * x[0] + kb->gred[ig][1] * x[1] + kb->gred[ig][2] * x[2]);
            double radial = fu_psp_proj_q(psp, pr->l, pr->i, qn);
            row[ig] = inv_sqrt_vol * fu_solid_harmonic(pr->l, pr->m, q, NULL) * radial *
                      (cos(arg) + I * sin(arg));
        }
    }
    if (!kb->real || b->model.nproj == 0) return FU_OK;
    /* β_p(k+G') = (-1)^l e^{iG0·R_a} β_p(k+G)* for G' = -G-G0 (R_lm(-q) =
     * (-1)^l R_lm(q)), so φ_p^{1/2} β_p obeys c(G') = c(G)*: exact real
     * coordinates. */
    kb->proj_real = malloc(sizeof(double) * (size_t)b->model.nproj * kb->npw);
    double complex *tmp = malloc(sizeof(double complex) * (size_t)kb->npw);
    if (!kb->proj_real || !tmp) {
        free(tmp);
        return fu_fail(err, FU_ENOMEM, "k-point %d: out of memory for the real projectors", ik + 1);
    }
    for (int p = 0; p < b->model.nproj; p++) {
        const double *x = b->model.s.xred[b->model.projs[p].atom];
        double half = 0.5 * FU_PI * b->model.projs[p].l -
                      FU_PI * (G0[0] * x[0] + G0[1] * x[1] + G0[2] * x[2]);
        double complex ph = cos(half) + I * sin(half);
        const double complex *row = kb->proj + (size_t)p * kb->npw;
        for (int ig = 0; ig < kb->npw; ig++) tmp[ig] = ph * row[ig];
        fu_kblock_to_real(kb, 1, tmp, kb->proj_real + (size_t)p * kb->npw);
    }
    free(tmp);
    return FU_OK;
}

/* Radial pseudopotential tables reaching every |G| of the density sphere
 * and every |k+G| of the wave functions. */
static int prepare_psps(const fu_basis *b, fu_err *err) {
    double qmax = fmax(sqrt(b->grid.gcut2), sqrt(2.0 * b->ecut)) + 0.1;
    for (int sp = 0; sp < b->model.s.nspecies; sp++) {
        int rc = fu_psp_prepare(&b->model.psp[sp], qmax, err);
        if (rc) return rc;
    }
    return FU_OK;
}

/* Plane waves of the sphere at k (build_kblock's count). */
static int count_npw(const fu_basis *b, const double kred[3]) {
    const fu_fftgrid *g = &b->grid;
    int npw = 0;
    for (int i0 = 0; i0 < g->n[0]; i0++)
        for (int i1 = 0; i1 < g->n[1]; i1++)
            for (int i2 = 0; i2 < g->n[2]; i2++) {
                double m[3] = {kred[0] + fu_fft_freq(i0, g->n[0]), kred[1] + fu_fft_freq(i1, g->n[1]),
                               kred[2] + fu_fft_freq(i2, g->n[2])}, q2 = 0;
                for (int c = 0; c < 3; c++) {
                    double q = m[0] * g->rec[0][c] + m[1] * g->rec[1][c] + m[2] * g->rec[2][c];
                    q2 += q * q;
                }
                npw += 0.5 * q2 <= b->ecut;
            }
    return npw;
}

/* k-groups and band ranks (layout.h), the same on every rank of comm. */
static int choose_layout(fu_basis *b, const fu_scf_params *p, fu_err *err) {
    if (b->layout.size == 1 && p->npband <= 1 && p->npfft <= 1) return FU_OK;
    int npw_min = 0;
    for (int ik = 0; ik < b->kp.nk; ik++) {
        int n = count_npw(b, b->kp.kred[ik]);
        if (ik == 0 || n < npw_min) npw_min = n;
    }
    int nev = b->nband + fu_bandpar_nbuffer(b->nband);
    return fu_layout_bands(&b->layout, b->kp.nk, npw_min, nev, p->npband, p->npfft, err);
}

/* The k-blocks of this rank's k-points at kred (b->kp's weights), each with
 * at least b->nband plane waves; real orbitals where allowed (want_real). */
static int build_kblocks(fu_basis *b, const double (*kred)[3], int want_real, fu_err *err) {
    int rc = fu_layout_kpoints(&b->layout, b->kp.nk, err);
    if (rc) return rc;
    b->kb = calloc((size_t)b->kp.nk, sizeof(fu_kblock));
    if (!b->kb) return fu_fail(err, FU_ENOMEM, "k-points: out of memory");
    for (int ik = 0; ik < b->kp.nk; ik++) {
        fu_kblock *kb = &b->kb[ik];
        memcpy(kb->kred, kred[ik], sizeof kb->kred);
        for (int c = 0; c < 3; c++)
            kb->kcart[c] = kb->kred[0] * b->grid.rec[0][c] + kb->kred[1] * b->grid.rec[1][c] +
                           kb->kred[2] * b->grid.rec[2][c];
        kb->weight = b->kp.weight[ik];
        if (!fu_basis_owns(b, ik)) continue;
        rc = build_kblock(b, ik, want_real, err);
        if (rc) return rc;
        if (kb->npw < b->nband)
            return fu_fail(err, FU_EINPUT,
                           "bands: %d bands requested but k-point %d has only %d plane waves "
                           "(raise ecut)",
                           b->nband, ik + 1, kb->npw);
    }
    return FU_OK;
}

static int check_ecut(const fu_scf_params *p, fu_err *err) {
    if (!(p->ecut > 0) || !isfinite(p->ecut))
        return fu_fail(err, FU_EINPUT, "ecut: must be a positive energy, got %g Ha", p->ecut);
    return FU_OK;
}

/* fu_fftgrid_init with the plans measured on rank 0 of comm only and handed
 * to the others as FFTW wisdom, so that every rank runs the same plans.
 * Each rank measuring its own picked different ones (timings on a busy
 * machine decide): callgrind on Si16 with 2 band ranks counted 5 % more
 * instructions on rank 1 than on rank 0, all in FFTW codelets, and the
 * band ranks wait for the slowest at every transpose. Collective over comm;
 * a rank 0 that fails to plan still sends (an empty string). */
static int grid_init(fu_basis *b, const fu_structure *s, const int n[3], int effort, fu_err *err) {
    if (b->layout.size == 1 || !fu_mpi_running())
        return fu_fftgrid_init(&b->grid, s->lattice, n, b->ecut, effort, err);
    int rc = FU_OK, len = 0;
    char *wis = NULL;
    if (b->layout.rank == 0) {
        rc = fu_fftgrid_init(&b->grid, s->lattice, n, b->ecut, effort, err);
        wis = rc ? NULL : fftw_export_wisdom_to_string();
        len = wis ? (int)strlen(wis) + 1 : 0;
    }
    MPI_Bcast(&len, 1, MPI_INT, 0, b->layout.comm);
    if (len > 0 && b->layout.rank != 0) wis = malloc((size_t)len);
    /* in pieces, so that a rank without the memory still takes part */
    static char spare[1 << 16]; /* wisdom of a few grids: ~300 kB */
    for (int off = 0; off < len; off += (int)sizeof spare) {
        int c = len - off < (int)sizeof spare ? len - off : (int)sizeof spare;
        MPI_Bcast(wis ? wis + off : spare, c, MPI_CHAR, 0, b->layout.comm);
    }
    if (b->layout.rank != 0) {
        if (wis) fftw_import_wisdom_from_string(wis); /* else: plans of its own */
        rc = fu_fftgrid_init(&b->grid, s->lattice, n, b->ecut, effort, err);
    }
    free(wis); /* FFTW allocates the exported string with malloc */
    return rc;
}

int fu_basis_init(fu_basis *b, const fu_structure *s, const fu_scf_params *p, MPI_Comm comm,
                  fu_err *err) {
    memset(b, 0, sizeof *b);
    fu_layout_init(&b->layout, comm, p->threads);
    int rc = check_ecut(p, err);
    if (!rc) rc = fu_model_init(&b->model, s, p, err);
    if (rc) return rc;
    b->ecut = p->ecut;

    rc = p->use_symmetry ? fu_symmetry_find(s, p->symprec, &b->sym, err)
                         : fu_symmetry_identity(s, &b->sym, err);
    if (rc) return rc;
    /* The whole group reduces the mesh and symmetrises the density, also when
     * the mesh breaks part of it: ABINIT's convention, and the k-mesh limit. */
    rc = fu_kpoints_mp(p->kgrid, p->kshift, &b->sym, p->time_reversal, &b->kp, err);
    if (rc) return rc;

    int n[3];
    if (p->fft[0] > 0 && p->fft[1] > 0 && p->fft[2] > 0) {
        memcpy(n, p->fft, sizeof n);
    } else {
        fu_fftgrid_choose(s->lattice, p->ecut, b->sym.nsym, (const int(*)[3][3])b->sym.rot, n);
    }
    rc = grid_init(b, s, n, p->fft_patient ? 2 : 1, err);
    if (rc) return rc;
    if ((rc = prepare_psps(b, err))) return rc;

    const double nelec = b->model.nelec;
    b->nband = p->nband > 0 ? p->nband
                            : fu_default_nband(nelec, p->smearing != FU_SMEAR_NONE, s->natom);
    if (2.0 * b->nband < nelec - 1e-9)
        return fu_fail(err, FU_EINPUT, "bands: %d bands cannot hold %g electrons (need >= %d)",
                       b->nband, nelec, (int)ceil(nelec / 2 - 1e-9));

    rc = fu_density_symmap_init(b, err);
    if (rc) return rc;
    if ((rc = choose_layout(b, p, err))) return rc;
    return build_kblocks(b, (const double(*)[3])b->kp.kred, p->time_reversal, err);
}

void fu_basis_free(fu_basis *b) {
    if (b->kb) {
        for (int ik = 0; ik < b->kp.nk; ik++) {
            fu_kblock *kb = &b->kb[ik];
            free(kb->gred);
            free(kb->box);
            free(kb->kpg);
            free(kb->kin);
            free(kb->proj);
            free(kb->mate);
            free(kb->rep);
            free(kb->slot_kin);
            free(kb->proj_real);
            fu_fft_sphere_free(&kb->sphere);
        }
    }
    free(b->kb);
    fu_density_symmap_free(&b->symmap);
    fu_kpoints_free(&b->kp);
    fu_symmetry_free(&b->sym);
    fu_fftgrid_free(&b->grid);
    fu_model_free(&b->model);
    fu_layout_free(&b->layout);
    memset(b, 0, sizeof *b);
}

int fu_basis_init_klist(fu_basis *b, const fu_structure *s, const fu_scf_params *p,
                        const int fft[3], int nk, const double (*kred)[3], int nband,
                        MPI_Comm comm, fu_err *err) {
    memset(b, 0, sizeof *b);
    fu_layout_init(&b->layout, comm, p->threads); /* band structures: k-points only */
    int rc = check_ecut(p, err);
    if (rc) return rc;
    if (nk < 1 || nband < 1)
        return fu_fail(err, FU_EINPUT, "k-point list: need >= 1 k-point and band, got %d and %d",
                       nk, nband);
    if ((rc = fu_model_init(&b->model, s, p, err))) return rc;
    b->ecut = p->ecut;
    rc = fu_symmetry_identity(s, &b->sym, err);
    if (!rc) rc = fu_kpoints_list(nk, kred, NULL, &b->kp, err);
    if (!rc) rc = grid_init(b, s, fft, p->fft_patient ? 2 : 1, err);
    if (!rc) rc = prepare_psps(b, err);
    if (rc) return rc;
    b->nband = nband;
    /* the caller's coordinates, unfolded: a path point keeps its label's k */
    return build_kblocks(b, kred, 0, err); /* band structures: complex (fu_lobpcg) */
}

/* splitmix64: a deterministic, state-passing generator */
static double rand_uniform(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return (z >> 11) * (1.0 / 9007199254740992.0) - 0.5;
}

/* Band n gets the n-th lowest entry of e (kinetic energy per coordinate):
 * the free-electron solution. X is [nev][npw] of stride `per` doubles per
 * entry (2: complex, the real part gets it). */
static int add_lowest(const double *e, int npw, int nev, int per, double *X) {
    int *order = malloc(sizeof(int) * (size_t)npw);
    if (!order) return FU_ENOMEM;
    for (int i = 0; i < npw; i++) order[i] = i;
    for (int n = 0; n < nev; n++) { /* partial selection sort: nev smallest */
        int best = n;
        for (int j = n + 1; j < npw; j++)
            if (e[order[j]] < e[order[best]]) best = j;
        int t = order[n];
        order[n] = order[best];
        order[best] = t;
        X[((size_t)n * npw + order[n]) * per] += 1.0;
    }
    free(order);
    return FU_OK;
}

int fu_kblock_start_guess_real(const fu_kblock *kb, int nev, uint64_t seed, double *X) {
    for (int n = 0; n < nev; n++)
        for (int s = 0; s < kb->npw; s++) {
            double e = kb->slot_kin[s];
            X[(size_t)n * kb->npw + s] = 0.1 * rand_uniform(&seed) / (1.0 + e * e);
        }
    /* a pair's two coordinates: cos- and sin-like plane-wave combinations */
    return add_lowest(kb->slot_kin, kb->npw, nev, 1, X);
}

int fu_kblock_start_guess(const fu_kblock *kb, int nev, uint64_t seed, double complex *X) {
    for (int n = 0; n < nev; n++)
        for (int ig = 0; ig < kb->npw; ig++) {
            double re = rand_uniform(&seed), im = rand_uniform(&seed);
            X[(size_t)n * kb->npw + ig] = 0.1 * (re + I * im) / (1.0 + kb->kin[ig] * kb->kin[ig]);
        }
    /* C11 6.2.5: a complex is an array of two reals, real part first */
    return add_lowest(kb->kin, kb->npw, nev, 2, (double *)X);
}
