#include "dft/kinetic.h"
#include "dft/term.h"

double fu_kinetic_energy(const fu_kblock *kb, int nband, const double complex *psi,
                         const double *occ) {
    double e = 0;
    for (int n = 0; n < nband; n++) {
        if (occ[n] == 0.0) continue;
        const double complex *c = psi + (size_t)n * kb->npw;
        double s = 0;
        for (int ig = 0; ig < kb->npw; ig++) s += kb->kin[ig] * creal(c[ig] * conj(c[ig]));
        e += occ[n] * s;
    }
    return e;
}

void fu_kinetic_stress(const fu_kblock *kb, int nband, const double complex *psi,
                       const double *occ, double weight, double volume, double stress[3][3]) {
    double sig[3][3] = {{0}};
    for (int n = 0; n < nband; n++) {
        if (occ[n] == 0.0) continue;
        const double complex *c = psi + (size_t)n * kb->npw;
        for (int ig = 0; ig < kb->npw; ig++) {
            double w = occ[n] * creal(c[ig] * conj(c[ig]));
            const double *q = kb->kpg[ig];
            for (int a = 0; a < 3; a++)
                for (int b = 0; b < 3; b++) sig[a][b] += w * q[a] * q[b];
        }
    }
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) stress[a][b] -= weight * sig[a][b] / volume;
}

/* The term (term.h): orbital energy and stress; no forces (T does not move with the atoms). */
static double kinetic_orbital_energy(const fu_term_ctx *c, const fu_kblock *kb, int nband,
                                     const double complex *psi, const double *occ) {
    (void)c;
    return fu_kinetic_energy(kb, nband, psi, occ);
}

static int kinetic_orbital_forces_stress(const fu_term_ctx *c, const fu_kblock *kb, int nband,
                                         const double complex *psi, const double *occ,
                                         double weight, double (*forces)[3],
                                         double stress[3][3], fu_err *err) {
    (void)forces;
    (void)err;
    if (stress) fu_kinetic_stress(kb, nband, psi, occ, weight, c->b->grid.volume, stress);
    return FU_OK;
}

const fu_term fu_kinetic_term = {.id = FU_ENERGY_KINETIC,
                                 .kind = FU_TERM_ORBITAL,
                                 .orbital_energy = kinetic_orbital_energy,
                                 .orbital_forces_stress = kinetic_orbital_forces_stress};
