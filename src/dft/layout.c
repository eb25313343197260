#include "dft/layout.h"

#include <stdlib.h>
#include <string.h>

#include "core/comm.h"
#include "dft/bandpar.h"

void fu_layout_init(fu_layout *l, MPI_Comm comm, int threads) {
    memset(l, 0, sizeof *l);
    l->comm = comm;
    fu_comm_rank(comm, &l->rank);
    fu_comm_size(comm, &l->size);
    l->nthreads = threads > 1 ? threads : 1;
    l->npk = l->size;
    l->npb = 1;
    l->npg = 1;
    l->kgroup = l->rank;
    l->bcomm = MPI_COMM_NULL;
}

int fu_layout_bands(fu_layout *l, int nk, int npw_min, int nev, int want_npb, int want_npg,
                    fu_err *err) {
    int rc = fu_bandpar_layout(nk, l->size, npw_min, nev, want_npb, want_npg, &l->npk, &l->npb,
                               &l->npg, err);
    if (rc) return rc;
    l->kgroup = l->rank / l->npb;
    l->brank = l->rank % l->npb;
    if (l->npb > 1) MPI_Comm_split(l->comm, l->kgroup, l->rank, &l->bcomm);
    return FU_OK;
}

int fu_layout_kpoints(fu_layout *l, int nk, fu_err *err) {
    l->k_owner = malloc(sizeof(int) * (size_t)nk);
    if (!l->k_owner) return fu_fail(err, FU_ENOMEM, "k-points: out of memory");
    for (int ik = 0; ik < nk; ik++) l->k_owner[ik] = ik % l->npk;
    return FU_OK;
}

void fu_layout_free(fu_layout *l) {
    free(l->k_owner);
    if (l->npb > 1 && fu_mpi_running()) MPI_Comm_free(&l->bcomm); /* npb 0: never set up */
    memset(l, 0, sizeof *l);
}
