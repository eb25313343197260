#include "dft/xc.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dft/nlcc.h"
#include "dft/term.h"

#define XC_DENPOS 1e-14

static int add_func(fu_xc *xc, int id, const char *token, fu_err *err) {
    int pol = xc->nspin == 2 ? XC_POLARIZED : XC_UNPOLARIZED;
    if (xc->nfunc >= FU_XC_MAXFUNC)
        return fu_fail(err, FU_EINPUT, "xc: more than %d functionals in '%s'", FU_XC_MAXFUNC,
                       token);
    xc_func_type *f = &xc->func[xc->nfunc];
    if (id <= 0 || xc_func_init(f, id, pol) != 0)
        return fu_fail(err, FU_EINPUT, "xc: unknown libxc functional '%s'", token);
    xc->nfunc++;
    int fam = f->info->family;
    if ((fam != XC_FAMILY_LDA && fam != XC_FAMILY_GGA) || f->cam_alpha != 0.0 ||
        f->cam_beta != 0.0 || f->nlc_C != 0.0)
        return fu_fail(err, FU_EINPUT,
                       "xc: '%s' (%s) is not a semilocal LDA/GGA functional; furui supports "
                       "only those",
                       token, f->info->name);
    if (!(f->info->flags & XC_FLAGS_HAVE_EXC) || !(f->info->flags & XC_FLAGS_HAVE_VXC))
        return fu_fail(err, FU_EINPUT, "xc: '%s' lacks energy or potential in libxc", token);
    if (fam == XC_FAMILY_GGA) xc->gga = 1;
    size_t len = strlen(xc->names);
    char *name = xc_functional_get_name(id); /* malloc'd by libxc */
    snprintf(xc->names + len, sizeof xc->names - len, "%s%s", len ? "+" : "", name ? name : "?");
    free(name);
    return FU_OK;
}

int fu_xc_init(fu_xc *xc, const char *spec, fu_err *err) {
    return fu_xc_init_nspin(xc, spec, 1, err);
}

int fu_xc_init_nspin(fu_xc *xc, const char *spec, int nspin, fu_err *err) {
    memset(xc, 0, sizeof *xc);
    if (nspin != 1 && nspin != 2) return fu_fail(err, FU_EINPUT, "xc: nspin must be 1 or 2, got %d", nspin);
    xc->nspin = nspin;
    int rc;
    char low[256];
    size_t n = strlen(spec);
    if (n == 0 || n >= sizeof low) return fu_fail(err, FU_EINPUT, "xc: empty or too long name");
    for (size_t i = 0; i <= n; i++) low[i] = (char)tolower((unsigned char)spec[i]);
    if (strcmp(low, "lda") == 0) {
        rc = add_func(xc, XC_LDA_XC_TETER93, spec, err);
        snprintf(xc->label, sizeof xc->label, "LDA");
    } else if (strcmp(low, "pbe") == 0) {
        rc = add_func(xc, XC_GGA_X_PBE, spec, err);
        if (!rc) rc = add_func(xc, XC_GGA_C_PBE, spec, err);
        snprintf(xc->label, sizeof xc->label, "PBE");
    } else {
        rc = FU_OK;
        char *save = NULL;
        for (char *tok = strtok_r(low, "+", &save); tok && !rc; tok = strtok_r(NULL, "+", &save)) {
            while (isspace((unsigned char)*tok)) tok++;
            char *end = tok + strlen(tok);
            while (end > tok && isspace((unsigned char)end[-1])) *--end = '\0';
            char *num_end;
            long id = strtol(tok, &num_end, 10);
            if (*tok && *num_end == '\0') {
                rc = add_func(xc, (int)id, tok, err);
            } else {
                const char *name = strncmp(tok, "xc_", 3) == 0 ? tok + 3 : tok;
                rc = add_func(xc, xc_functional_get_number(name), tok, err);
            }
        }
        if (!rc) {
            if (xc->nfunc == 0) rc = fu_fail(err, FU_EINPUT, "xc: no functional in '%s'", spec);
            else if (!xc->gga) snprintf(xc->label, sizeof xc->label, "LDA");
            else if (strcmp(xc->names, "gga_x_pbe+gga_c_pbe") == 0)
                snprintf(xc->label, sizeof xc->label, "PBE");
            else snprintf(xc->label, sizeof xc->label, "GGA");
        }
    }
    snprintf(xc->family, sizeof xc->family, "%s", xc->gga ? "GGA" : "LDA");
    if (rc) fu_xc_free(xc);
    return rc;
}

void fu_xc_free(fu_xc *xc) {
    for (int i = 0; i < xc->nfunc; i++) xc_func_end(&xc->func[i]);
    xc->nfunc = 0;
}

/* Points and first linear index of the grid arrays fu_xc_eval sees: the
 * whole grid, or this rank's slab (fu_xc_use_slab). */
static long xc_np(const fu_xc *xc, const fu_fftgrid *g) { return xc->slab ? xc->slab->nloc : g->ntot; }
static long xc_off(const fu_xc *xc) { return xc->slab ? xc->slab->off : 0; }
/* Complex numbers of an in-place FFT array: the slab transforms may need more than nloc. */
static size_t xc_fftlen(const fu_xc *xc, const fu_fftgrid *g) {
    return xc->slab ? xc->slab->alloc : (size_t)g->ntot;
}
static void xc_sum(const fu_xc *xc, double *x, int n) {
    if (xc->slab) MPI_Allreduce(MPI_IN_PLACE, x, n, MPI_DOUBLE, MPI_SUM, xc->slab->comm);
}
static void xc_r2g(const fu_xc *xc, const fu_fftgrid *g, double complex *d) {
    if (xc->slab) fu_fftslab_r2g(xc->slab, d);
    else fu_fft_r2g(g, d);
}

/* out[np] = Re IFFT( i G_dir f_G ), Nyquist planes dropped (their
 * derivative is ill-defined on an even grid); f_g, tmp, out as fu_xc_eval's
 * arrays (whole or slab; f_g may be tmp). */
static void gradient_component(const fu_xc *xc, const fu_fftgrid *g, const double complex *f_g,
                               int dir, double complex *tmp, double *out) {
    const int *n = g->n;
    long np = xc_np(xc, g), off = xc_off(xc);
    for (long i = 0; i < np; i++) {
        int m[3];
        double G[3];
        fu_fftgrid_gvec(g, (int)(off + i), m, G);
        int nyq = 2 * m[0] == n[0] || 2 * m[1] == n[1] || 2 * m[2] == n[2];
        tmp[i] = nyq ? 0 : I * G[dir] * f_g[i];
    }
    if (xc->slab) fu_fftslab_g2r(xc->slab, tmp);
    else fu_fft_g2r(g, tmp);
    for (long i = 0; i < np; i++) out[i] = creal(tmp[i]);
}

void fu_xc_use_slab(fu_xc *xc, const fu_fftslab *slab) {
    xc->slab = slab;
}

int fu_xc_eval(const fu_xc *xc, const fu_fftgrid *g, const double *rho_r,
               const double complex *rho_g, double *exc, double *vxc_r, double stress[3][3],
               fu_err *err) {
    const long nt = xc_np(xc, g); /* points here: whole grid or slab */
    const double dvol = g->volume / g->ntot;
    int rc = FU_OK;
    size_t nb = nt > 0 ? (size_t)nt : 1;
    double *rho = malloc(sizeof(double) * nb);
    double *zk = malloc(sizeof(double) * nb);
    double *vrho = malloc(sizeof(double) * nb);
    double *sigma = NULL, *vsigma = NULL, *vsig_tot = NULL, *grad = NULL;
    double complex *tmp = NULL;
    if (!rho || !zk || !vrho) {
        rc = fu_fail(err, FU_ENOMEM, "xc: out of memory");
        goto done;
    }
    for (long i = 0; i < nt; i++) rho[i] = rho_r[i] > XC_DENPOS ? rho_r[i] : XC_DENPOS;
    if (xc->gga) {
        sigma = malloc(sizeof(double) * nb);
        vsigma = malloc(sizeof(double) * nb);
        vsig_tot = calloc(nb, sizeof(double));
        grad = malloc(sizeof(double) * 3 * nb);
        tmp = fftw_malloc(sizeof(double complex) * xc_fftlen(xc, g));
        if (!sigma || !vsigma || !vsig_tot || !grad || !tmp) {
            rc = fu_fail(err, FU_ENOMEM, "xc: out of memory");
            goto done;
        }
        for (int d = 0; d < 3; d++) gradient_component(xc, g, rho_g, d, tmp, grad + (size_t)d * nt);
        for (long i = 0; i < nt; i++)
            sigma[i] = grad[i] * grad[i] + grad[nt + i] * grad[nt + i] +
                       grad[2 * nt + i] * grad[2 * nt + i];
    }
    double e = 0;
    for (long i = 0; i < nt; i++) vxc_r[i] = 0;
    for (int f = 0; f < xc->nfunc && nt > 0; f++) {
        const xc_func_type *fn = &xc->func[f];
        if (fn->info->family == XC_FAMILY_LDA) {
            xc_lda_exc_vxc(fn, (size_t)nt, rho, zk, vrho);
        } else {
            xc_gga_exc_vxc(fn, (size_t)nt, rho, sigma, zk, vrho, vsigma);
            for (long i = 0; i < nt; i++) vsig_tot[i] += vsigma[i];
        }
        for (long i = 0; i < nt; i++) {
            e += rho[i] * zk[i];
            vxc_r[i] += vrho[i];
        }
    }
    xc_sum(xc, &e, 1);
    *exc = e * dvol;
    if (xc->gga) {
        /* V_xc -= 2 ∇·(vsigma ∇ρ), the divergence taken spectrally. */
        double *divpart = malloc(sizeof(double) * nb);
        double *acc = calloc(nb, sizeof(double));
        if (!divpart || !acc) {
            free(divpart);
            free(acc);
            rc = fu_fail(err, FU_ENOMEM, "xc: out of memory");
            goto done;
        }
        for (int d = 0; d < 3; d++) {
            for (long i = 0; i < nt; i++) tmp[i] = vsig_tot[i] * grad[(size_t)d * nt + i];
            xc_r2g(xc, g, tmp);
            gradient_component(xc, g, tmp, d, tmp, divpart);
            for (long i = 0; i < nt; i++) acc[i] += divpart[i];
        }
        for (long i = 0; i < nt; i++) vxc_r[i] -= 2.0 * acc[i];
        free(divpart);
        free(acc);
    }
    if (stress) {
        double vr = 0;
        for (long i = 0; i < nt; i++) vr += vxc_r[i] * rho_r[i];
        xc_sum(xc, &vr, 1);
        vr *= dvol;
        for (int a = 0; a < 3; a++) stress[a][a] += (*exc - vr) / g->volume;
        if (xc->gga) {
            double s[3][3];
            for (int a = 0; a < 3; a++)
                for (int b = 0; b < 3; b++) {
                    s[a][b] = 0;
                    for (long i = 0; i < nt; i++)
                        s[a][b] += vsig_tot[i] * grad[(size_t)a * nt + i] * grad[(size_t)b * nt + i];
                }
            xc_sum(xc, &s[0][0], 9);
            for (int a = 0; a < 3; a++)
                for (int b = 0; b < 3; b++) stress[a][b] -= 2.0 * s[a][b] * dvol / g->volume;
        }
    }
done:
    free(rho);
    free(zk);
    free(vrho);
    free(sigma);
    free(vsigma);
    free(vsig_tot);
    free(grad);
    fftw_free(tmp);
    return rc;
}

int fu_xc_eval_spin(const fu_xc *xc, const fu_fftgrid *g, const double *rho_r,
                    const double complex *rho_g, double *exc, double *vxc_r,
                    double stress[3][3], fu_err *err) {
    if (xc->nspin != 2) return fu_fail(err, FU_EINPUT, "xc: spin evaluation needs nspin 2");
    const long nt = xc_np(xc, g); /* points here: whole grid or slab */
    const double dvol = g->volume / g->ntot;
    int rc = FU_OK;
    size_t nb = nt > 0 ? (size_t)nt : 1;
    /* libxc's polarised layout: rho[2 nt] (↑,↓ interleaved), sigma[3 nt]
     * (↑↑, ↑↓, ↓↓), vrho[2 nt], vsigma[3 nt]; zk is per electron. */
    double *rho = malloc(sizeof(double) * 2 * nb);
    double *zk = malloc(sizeof(double) * nb);
    double *vrho = malloc(sizeof(double) * 2 * nb);
    double *sigma = NULL, *vsigma = NULL, *vsig_tot = NULL, *grad = NULL;
    double complex *tmp = NULL;
    if (!rho || !zk || !vrho) {
        rc = fu_fail(err, FU_ENOMEM, "xc: out of memory");
        goto done;
    }
    for (long i = 0; i < nt; i++)
        for (int s = 0; s < 2; s++) {
            double r = rho_r[(size_t)s * nt + i];
            rho[2 * i + s] = r > 0.5 * XC_DENPOS ? r : 0.5 * XC_DENPOS;
        }
    if (xc->gga) {
        sigma = malloc(sizeof(double) * 3 * nb);
        vsigma = malloc(sizeof(double) * 3 * nb);
        vsig_tot = calloc(3 * nb, sizeof(double));
        grad = malloc(sizeof(double) * 6 * nb); /* [spin][dir][nt] */
        tmp = fftw_malloc(sizeof(double complex) * xc_fftlen(xc, g));
        if (!sigma || !vsigma || !vsig_tot || !grad || !tmp) {
            rc = fu_fail(err, FU_ENOMEM, "xc: out of memory");
            goto done;
        }
        for (int s = 0; s < 2; s++)
            for (int d = 0; d < 3; d++)
                gradient_component(xc, g, rho_g + (size_t)s * nt, d, tmp,
                                   grad + (size_t)(3 * s + d) * nt);
        for (long i = 0; i < nt; i++) {
            const double *gu = grad, *gd = grad + (size_t)3 * nt;
            double uu = 0, ud = 0, dd = 0;
            for (int d = 0; d < 3; d++) {
                double a = gu[(size_t)d * nt + i], b = gd[(size_t)d * nt + i];
                uu += a * a;
                ud += a * b;
                dd += b * b;
            }
            sigma[3 * i] = uu;
            sigma[3 * i + 1] = ud;
            sigma[3 * i + 2] = dd;
        }
    }
    double e = 0;
    for (long i = 0; i < 2 * nt; i++) vxc_r[i] = 0;
    for (int f = 0; f < xc->nfunc && nt > 0; f++) {
        const xc_func_type *fn = &xc->func[f];
        if (fn->info->family == XC_FAMILY_LDA) {
            xc_lda_exc_vxc(fn, (size_t)nt, rho, zk, vrho);
        } else {
            xc_gga_exc_vxc(fn, (size_t)nt, rho, sigma, zk, vrho, vsigma);
            for (long i = 0; i < 3 * nt; i++) vsig_tot[i] += vsigma[i];
        }
        for (long i = 0; i < nt; i++) {
            e += (rho[2 * i] + rho[2 * i + 1]) * zk[i];
            vxc_r[i] += vrho[2 * i];
            vxc_r[(size_t)nt + i] += vrho[2 * i + 1];
        }
    }
    xc_sum(xc, &e, 1);
    *exc = e * dvol;
    if (xc->gga) {
        /* V_xc,s -= ∇·(2 vσ_ss ∇ρ_s + vσ_↑↓ ∇ρ_s'), the divergence spectral. */
        double *divpart = malloc(sizeof(double) * nb);
        if (!divpart) {
            rc = fu_fail(err, FU_ENOMEM, "xc: out of memory");
            goto done;
        }
        for (int s = 0; s < 2; s++) {
            const double *gs = grad + (size_t)3 * s * nt, *go = grad + (size_t)3 * (1 - s) * nt;
            const double *vss = vsig_tot + 2 * s; /* stride 3: ↑↑ at 0, ↓↓ at 2 */
            for (int d = 0; d < 3; d++) {
                for (long i = 0; i < nt; i++)
                    tmp[i] = 2.0 * vss[3 * i] * gs[(size_t)d * nt + i] +
                             vsig_tot[3 * i + 1] * go[(size_t)d * nt + i];
                xc_r2g(xc, g, tmp);
                gradient_component(xc, g, tmp, d, tmp, divpart);
                for (long i = 0; i < nt; i++) vxc_r[(size_t)s * nt + i] -= divpart[i];
            }
        }
        free(divpart);
    }
    if (stress) {
        double vr = 0;
        for (long i = 0; i < 2 * nt; i++) vr += vxc_r[i] * rho_r[i];
        xc_sum(xc, &vr, 1);
        vr *= dvol;
        for (int a = 0; a < 3; a++) stress[a][a] += (*exc - vr) / g->volume;
        if (xc->gga) {
            const double *gu = grad, *gd = grad + (size_t)3 * nt;
            double sg[3][3];
            for (int a = 0; a < 3; a++)
                for (int b = 0; b < 3; b++) {
                    double s = 0;
                    for (long i = 0; i < nt; i++) {
                        double ua = gu[(size_t)a * nt + i], ub = gu[(size_t)b * nt + i];
                        double da = gd[(size_t)a * nt + i], db = gd[(size_t)b * nt + i];
                        s += 2.0 * vsig_tot[3 * i] * ua * ub +
                             vsig_tot[3 * i + 1] * (ua * db + da * ub) +
                             2.0 * vsig_tot[3 * i + 2] * da * db;
                    }
                    sg[a][b] = s;
                }
            xc_sum(xc, &sg[0][0], 9);
            for (int a = 0; a < 3; a++)
                for (int b = 0; b < 3; b++) stress[a][b] -= sg[a][b] * dvol / g->volume;
        }
    }
done:
    free(rho);
    free(zk);
    free(vrho);
    free(sigma);
    free(vsigma);
    free(vsig_tot);
    free(grad);
    fftw_free(tmp);
    return rc;
}

/* The term (term.h), with the model core charge of nlcc.h: xc sees ρ + ρ_c. */
static int xc_term_setup(fu_term_ctx *c, double *e, fu_err *err) {
    (void)e;
    (void)err;
    if (!c->rhoc_g) return FU_OK;
    const fu_fftgrid *g = &c->b->grid;
    long n = fu_term_np(c);
    if (c->slab) { /* whole once, this rank's slab kept */
        fu_nlcc_density(c->b, c->box);
        memcpy(c->rhoc_g, c->box + c->slab->off, sizeof(double complex) * n);
    } else {
        fu_nlcc_density(c->b, c->rhoc_g);
    }
    memcpy(c->box, c->rhoc_g, sizeof(double complex) * n);
    if (c->slab) fu_fftslab_g2r(c->slab, c->box);
    else fu_fft_g2r(g, c->box);
    for (long i = 0; i < n; i++) c->rhoc_r[i] = creal(c->box[i]);
    return FU_OK;
}

/* E_xc and V_xc,σ (into c->vxc_r) of a density as term.h lays it out: total,
 * or (nspin 2) total and magnetisation, which libxc wants as ρ↑, ρ↓. */
static int xc_of(fu_term_ctx *c, const double *rho_r, const double complex *rho_g, double *exc,
                 double stress[3][3], fu_err *err) {
    const fu_fftgrid *g = &c->b->grid;
    size_t nt = (size_t)fu_term_np(c);
    if (c->nspin == 1) {
        if (c->rhoc_r) {
            for (size_t i = 0; i < nt; i++) {
                c->tot_r[i] = rho_r[i] + c->rhoc_r[i];
                c->tot_g[i] = rho_g[i] + c->rhoc_g[i];
            }
            rho_r = c->tot_r;
            rho_g = c->tot_g;
        }
        return fu_xc_eval(c->xc, g, rho_r, rho_g, exc, c->vxc_r, stress, err);
    }
    for (size_t i = 0; i < nt; i++) {
        double cr = c->rhoc_r ? 0.5 * c->rhoc_r[i] : 0.0; /* core split evenly */
        double complex cg = c->rhoc_g ? 0.5 * c->rhoc_g[i] : 0.0;
        c->ud_r[i] = 0.5 * (rho_r[i] + rho_r[nt + i]) + cr;
        c->ud_r[nt + i] = 0.5 * (rho_r[i] - rho_r[nt + i]) + cr;
        c->ud_g[i] = 0.5 * (rho_g[i] + rho_g[nt + i]) + cg;
        c->ud_g[nt + i] = 0.5 * (rho_g[i] - rho_g[nt + i]) + cg;
    }
    return fu_xc_eval_spin(c->xc, g, c->ud_r, c->ud_g, exc, c->vxc_r, stress, err);
}

static int xc_term_energy(fu_term_ctx *c, const double *rho_r, const double complex *rho_g,
                          double *e, double complex *v_g, double *v_r, fu_err *err) {
    (void)v_g;
    int rc = xc_of(c, rho_r, rho_g, e, NULL, err);
    if (!rc && v_r)
        for (size_t i = 0; i < (size_t)c->nspin * fu_term_np(c); i++) v_r[i] += c->vxc_r[i];
    return rc;
}

/* The xc stress from ρ + ρ_c; the core moves with the atoms: its forces and
 * strain terms from V̄_xc (nlcc.h). */
static int xc_term_forces_stress(fu_term_ctx *c, const double *rho_r, const double complex *rho_g,
                                 double e, double (*forces)[3], double stress[3][3], fu_err *err) {
    (void)e;
    if (!stress && !c->rhoc_g) return FU_OK;
    double exc;
    int rc = xc_of(c, rho_r, rho_g, &exc, stress, err);
    if (rc || !c->rhoc_g) return rc;
    const fu_fftgrid *g = &c->b->grid;
    size_t nt = (size_t)fu_term_np(c);
    for (size_t i = 0; i < nt; i++)
        c->box[i] = c->nspin == 2 ? 0.5 * (c->vxc_r[i] + c->vxc_r[nt + i]) : c->vxc_r[i];
    if (c->slab) { /* the structure-factor sums want the whole V̄_xc(G): gathered once */
        fu_fftslab_r2g(c->slab, c->box);
        memmove(c->box + c->slab->off, c->box, sizeof(double complex) * nt);
        fu_fftslab_gather(c->slab, c->box + c->slab->off, c->box);
    } else {
        fu_fft_r2g(g, c->box);
    }
    fu_nlcc_forces_stress(c->b, c->box, forces, stress);
    return FU_OK;
}

const fu_term fu_xc_term = {.id = FU_ENERGY_XC,
                            .kind = FU_TERM_DENSITY,
                            .setup = xc_term_setup,
                            .energy = xc_term_energy,
                            .forces_stress = xc_term_forces_stress};
