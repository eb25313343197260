#include "props/dos.h"

#include <math.h>
#include <stdlib.h>

#include "core/units.h"

static double width(double sigma) { return sigma > 0 ? sigma : FU_DOS_SIGMA_DEFAULT; }

int fu_dos_gaussian(int nspin, int nk, int nband, const double *eig, const double *kweight,
                    double sigma, int ne, const double *energy, double *dos, double *idos,
                    fu_err *err) {
    if (nspin != 1 && nspin != 2)
        return fu_fail(err, FU_EINPUT, "dos: nspin must be 1 or 2, got %d", nspin);
    if (nk < 1 || nband < 1 || ne < 1)
        return fu_fail(err, FU_EINPUT, "dos: empty input (%d k-points, %d bands, %d energies)",
                       nk, nband, ne);
    if (!isfinite(sigma))
        return fu_fail(err, FU_EINPUT, "dos: broadening must be finite, got %g Ha", sigma);
    double sg = width(sigma), f = 2.0 / nspin, norm = 1.0 / (sg * sqrt(2.0 * FU_PI));
    for (int s = 0; s < nspin; s++)
        for (int i = 0; i < ne; i++) {
            double g = 0, n = 0, e = energy[i];
            for (int k = 0; k < nk; k++) {
                const double *ev = eig + ((size_t)s * nk + k) * nband;
                double gk = 0, nk_ = 0;
                for (int b = 0; b < nband; b++) {
                    double x = (e - ev[b]) / sg;
                    if (x * x < 1400) gk += exp(-0.5 * x * x); /* exp underflows beyond */
                    if (idos) nk_ += 0.5 * erfc(-x / sqrt(2.0));
                }
                g += kweight[k] * gk;
                n += kweight[k] * nk_;
            }
            dos[(size_t)s * ne + i] = f * norm * g;
            if (idos) idos[(size_t)s * ne + i] = f * n;
        }
    return FU_OK;
}

double fu_dos_at(int nspin, int nk, int nband, const double *eig, const double *kweight,
                 double sigma, double energy) {
    double d[2] = {0, 0};
    if (fu_dos_gaussian(nspin, nk, nband, eig, kweight, sigma, 1, &energy, d, NULL, NULL))
        return NAN;
    return d[0] + (nspin == 2 ? d[1] : 0);
}

int fu_dos_grid(int nspin, int nk, int nband, const double *eig, double sigma, double de,
                double **grid, int *ne, fu_err *err) {
    *grid = NULL;
    *ne = 0;
    if (!(de > 0)) return fu_fail(err, FU_EINPUT, "dos: energy step must be > 0 Ha, got %g", de);
    double lo = INFINITY, hi = -INFINITY, sg = width(sigma);
    for (size_t i = 0; i < (size_t)nspin * nk * nband; i++) {
        if (eig[i] < lo) lo = eig[i];
        if (eig[i] > hi) hi = eig[i];
    }
    if (!isfinite(lo) || !isfinite(hi)) return fu_fail(err, FU_EINPUT, "dos: no finite eigenvalues");
    lo -= 5 * sg;
    hi += 5 * sg;
    int n = (int)ceil((hi - lo) / de) + 1;
    if (n > 10000000) return fu_fail(err, FU_EINPUT, "dos: %d energies: step %g Ha too small", n, de);
    double *g = malloc(sizeof(double) * (size_t)n);
    if (!g) return fu_fail(err, FU_ENOMEM, "dos: out of memory");
    for (int i = 0; i < n; i++) g[i] = lo + i * de;
    *grid = g;
    *ne = n;
    return FU_OK;
}
