/* The cost model of a candidate (campaign/cost.h). */
#include "campaign/cost.h"

#include <math.h>

#include "core/units.h"
#include "crystal/structure.h"
#include "dft/fftgrid.h"
#include "dft/basis.h"

void fu_cost_estimate(fu_candidate *k, const fu_structure *s, const fu_scf_params *p, int nsym,
                      const int (*rot)[3][3], int nk, double nelec, int nproj, int gga, int nlcc) {
    int nfft[3];
    fu_fftgrid_choose(s->lattice, p->ecut, nsym, rot, nfft);
    double vol = fabs(fu_lattice_det((const double(*)[3])s->lattice));
    k->nk = nk;
    k->nelec = nelec;
    k->nproj = nproj;
    k->nband = fu_default_nband(nelec, p->smearing != FU_SMEAR_NONE, s->natom);
    k->npw = vol * pow(2.0 * p->ecut, 1.5) / (6.0 * FU_PI * FU_PI);
    k->nfft = nfft[0] * nfft[1] * nfft[2];
    double nf = k->nfft > 2 ? (double)k->nfft : 2.0;
    k->cost = 1e-9 * k->nk * k->nband * (2.0 * nf * log2(nf) + k->npw * (2.0 * nproj + 9.0 * k->nband));
    k->memc.nk_owned = k->nk;
    k->memc.nspin = p->nspin;
    k->memc.nband = k->nband;
    k->memc.nproj = k->nproj;
    k->memc.history = p->mixing_history;
    k->memc.nthreads = 1;
    k->memc.gga = gga;
    k->memc.nlcc |= nlcc;
    k->memc.npw = k->npw;
    k->memc.nfft = k->nfft;
    k->memc.nfft0 = nfft[0];
    fu_mem_estimate me;
    fu_memory_estimate_counts(&k->memc, &me);
    k->mem = me.total;
}
