/* Candidate IDs: the canonical text of a candidate and its SHA-256 (campaign/candidate.h). */
#include "campaign/candidate.h"
#include "campaign/sweep_parse.h"

#include "campaign/groupsize.h"

#include "props/bandstructure.h"
#include "props/eos.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/hash.h"
#include "core/text.h"
#include "core/units.h"
#include "core/yamldoc.h"
#include "crystal/elements.h"
#include "crystal/kpoints.h"
#include "crystal/poscar.h"
#include "crystal/structfile.h"
#include "crystal/prototypes.h"
#include "crystal/refstate.h"
#include "crystal/symmetry.h"
#include "dft/basis.h"
#include "dft/fftgrid.h"
#include "dft/occupations.h"
#include "dft/protocol.h"
#include "props/eos.h"
#include "dft/scf_input.h"
#include "dft/xc.h"
#include "props/converge.h"
#include "rank/rank_expr.h"

/* ------------------------------------------------------- canonical text, ID */

/* Everything of a pseudopotential that enters the Hamiltonian, exactly (the
 * name, path and checksum of the file do not: moving or renaming a file, or
 * editing other entries of GTH_POTENTIALS, keeps the physics and the ID). */
static void psp_fingerprint(const fu_psp *p, strbuf *b) {
    /* a radial-grid file is its numbers: its checksum identifies them */
    if (p->radial) {
        fu_sweep_sb_printf(b, "Z=%d zion=%.17g %s sha256=%s", p->znucl, p->zion, p->format, p->sha256);
        return;
    }
    fu_sweep_sb_printf(b, "Z=%d zion=%.17g rloc=%.17g c=%.17g,%.17g,%.17g,%.17g", p->znucl, p->zion, p->rloc,
              p->cloc[0], p->cloc[1], p->cloc[2], p->cloc[3]);
    for (int l = 0; l <= p->lmax && l < FU_PSP_MAXL; l++) {
        fu_sweep_sb_printf(b, " l%d r=%.17g n=%d h=", l, p->rl[l], p->nproj[l]);
        for (int i = 0; i < p->nproj[l] && i < FU_PSP_MAXPROJ; i++)
            for (int j = i; j < p->nproj[l] && j < FU_PSP_MAXPROJ; j++)
                fu_sweep_sb_printf(b, "%s%.17g", (i || j) ? "," : "", p->h[l][i][j]);
    }
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* libxc names of an xc spec, sorted and '+'-joined, plus the family label a
 * pseudopotential must have been made for (fu_xc_init's). */
int fu_candidate_xc_canonical(const char *spec, char *canon, size_t clen, char *label, size_t llen,
                        fu_err *err) {
    fu_xc xc;
    int rc = fu_xc_init(&xc, spec, err);
    if (rc) return rc;
    char names[sizeof xc.names];
    snprintf(names, sizeof names, "%s", xc.names);
    if (label) snprintf(label, llen, "%s", xc.label);
    fu_xc_free(&xc);
    char *part[FU_XC_MAXFUNC + 1];
    int n = 0;
    char *save = NULL;
    for (char *t = strtok_r(names, "+", &save); t && n <= FU_XC_MAXFUNC;
         t = strtok_r(NULL, "+", &save))
        part[n++] = t;
    qsort(part, (size_t)n, sizeof part[0], cmp_str);
    size_t used = 0;
    canon[0] = '\0';
    for (int i = 0; i < n && used < clen; i++) {
        int w = snprintf(canon + used, clen - used, "%s%s", i ? "+" : "", part[i]);
        if (w < 0) break;
        used += (size_t)w;
    }
    return FU_OK;
}

typedef struct {
    int key;        /* species rank */
    long long r[3]; /* Cartesian position, units of 1e-8 bohr */
} atom_key;

static int cmp_atom(const void *pa, const void *pb) {
    const atom_key *a = pa, *b = pb;
    if (a->key != b->key) return a->key < b->key ? -1 : 1;
    for (int j = 0; j < 3; j++)
        if (a->r[j] != b->r[j]) return a->r[j] < b->r[j] ? -1 : 1;
    return 0;
}

int fu_candidate_build_canonical(const fu_structure *s, const fu_scf_params *p, const char *xc_canon,
                           const fu_psp *const *psp, const fu_cand_tasks *t, char **out, fu_err *err) {
    const double LEN = 1e-8; /* bohr */
    *out = NULL;
    if (!s || s->natom < 1 || !s->xred || !s->typat || s->nspecies < 1 ||
        s->nspecies > FU_MAX_SPECIES)
        return fu_fail(err, FU_EINPUT, "candidate id: empty or malformed structure");
    /* Species are identified by their pseudopotential (which carries Z), not
     * by their index, so the order of species and atoms does not matter. */
    char *spkey[FU_MAX_SPECIES];
    int rank[FU_MAX_SPECIES];
    int rc = FU_OK;
    for (int sp = 0; sp < s->nspecies; sp++) spkey[sp] = NULL;
    for (int sp = 0; sp < s->nspecies && !rc; sp++) {
        strbuf b = {0};
        psp_fingerprint(psp[sp], &b);
        if (b.oom) {
            free(b.s);
            b.s = NULL;
            rc = fu_fail(err, FU_ENOMEM, "candidate id: out of memory");
        }
        spkey[sp] = b.s;
    }
    char *sorted[FU_MAX_SPECIES];
    int nuniq = 0;
    if (!rc) {
        memcpy(sorted, spkey, sizeof(char *) * (size_t)s->nspecies);
        qsort(sorted, (size_t)s->nspecies, sizeof sorted[0], cmp_str);
        for (int i = 0; i < s->nspecies; i++)
            if (i == 0 || strcmp(sorted[i], sorted[nuniq - 1]) != 0) sorted[nuniq++] = sorted[i];
        for (int sp = 0; sp < s->nspecies; sp++)
            for (int k = 0; k < nuniq; k++)
                if (!strcmp(spkey[sp], sorted[k])) rank[sp] = k;
    }
    atom_key *ak = rc ? NULL : malloc(sizeof *ak * (size_t)s->natom);
    if (!rc && !ak) rc = fu_fail(err, FU_ENOMEM, "candidate id: out of memory");
    strbuf b = {0};
    if (!rc) {
        for (int a = 0; a < s->natom; a++) {
            /* wrapped into the cell, so x and x + 1 are the same atom */
            double f[3];
            for (int j = 0; j < 3; j++) {
                f[j] = s->xred[a][j] - floor(s->xred[a][j]);
                if (f[j] > 1.0 - 1e-12) f[j] = 0.0;
            }
            ak[a].key = rank[s->typat[a]];
            for (int j = 0; j < 3; j++)
                ak[a].r[j] = fu_sweep_quantize(
                    f[0] * s->lattice[0][j] + f[1] * s->lattice[1][j] + f[2] * s->lattice[2][j],
                    LEN);
        }
        qsort(ak, (size_t)s->natom, sizeof *ak, cmp_atom);
        fu_sweep_sb_printf(&b, "furui-candidate v1\nlattice (1e-8 bohr)\n");
        for (int i = 0; i < 3; i++)
            fu_sweep_sb_printf(&b, "%lld %lld %lld\n", fu_sweep_quantize(s->lattice[i][0], LEN),
                      fu_sweep_quantize(s->lattice[i][1], LEN), fu_sweep_quantize(s->lattice[i][2], LEN));
        fu_sweep_sb_printf(&b, "species %d\n", nuniq);
        for (int k = 0; k < nuniq; k++) fu_sweep_sb_printf(&b, "%d %s\n", k, sorted[k]);
        fu_sweep_sb_printf(&b, "atoms %d (species, Cartesian 1e-8 bohr)\n", s->natom);
        for (int a = 0; a < s->natom; a++)
            fu_sweep_sb_printf(&b, "%d %lld %lld %lld\n", ak[a].key, ak[a].r[0], ak[a].r[1], ak[a].r[2]);
        fu_sweep_sb_printf(&b, "xc %s\n", xc_canon);
        fu_sweep_sb_printf(&b, "ecut (1e-8 Ha) %lld\n", fu_sweep_quantize(p->ecut, 1e-8));
        fu_sweep_sb_printf(&b, "kgrid %d %d %d shift/2 %lld %lld %lld\n", p->kgrid[0], p->kgrid[1],
                  p->kgrid[2], fu_sweep_quantize(p->kshift[0], 0.5), fu_sweep_quantize(p->kshift[1], 0.5),
                  fu_sweep_quantize(p->kshift[2], 0.5));
        fu_sweep_sb_printf(&b, "smearing %s", fu_smearing_name(p->smearing));
        if (p->smearing == FU_SMEAR_METHFESSEL_PAXTON)
            fu_sweep_sb_printf(&b, " order %d", p->smearing_order);
        if (p->smearing != FU_SMEAR_NONE)
            fu_sweep_sb_printf(&b, " width (1e-10 Ha) %lld", fu_sweep_quantize(p->tsmear, 1e-10));
        fu_sweep_sb_printf(&b, "\nbands %d fft %d %d %d\n", p->nband, p->fft[0], p->fft[1], p->fft[2]);
        fu_sweep_sb_printf(&b, "symmetry %d time_reversal %d tolerance (1e-12 bohr) %lld\n", p->use_symmetry,
                  p->time_reversal, fu_sweep_quantize(p->symprec, 1e-12));
        fu_sweep_sb_printf(&b, "tolerances energy %.6e Ha density %.6e\n", p->tol_energy, p->tol_density);
        /* lines added after v1 appear only when used, so earlier IDs stay valid */
        if (p->nspin == 2) {
            fu_sweep_sb_printf(&b, "spin 2 moments (1e-8 muB)");
            for (int k = 0; k < nuniq; k++)
                for (int sp = 0; sp < s->nspecies; sp++)
                    if (rank[sp] == k) {
                        fu_sweep_sb_printf(&b, " %lld", fu_sweep_quantize(p->spin_moment[sp], 1e-8));
                        break;
                    }
            fu_sweep_sb_printf(&b, "\n");
        }
        if (t && t->relax) {
            const fu_relax_opts *r = &t->relax_opts;
            fu_sweep_sb_printf(&b, "relax cell %d pressure %.6e algorithm %d max_steps %d force_tol %.6e stress_tol %.6e "
                          "max_step %.6e h0 %.6e final_scf %d\n",
                      r->relax_cell, r->pressure, r->algorithm, r->max_steps, r->force_tol, r->stress_tol,
                      r->max_step, r->h0, r->final_scf);
        }
        if (t && t->bands) fu_sweep_sb_printf(&b, "bands path density %.6e\n", t->bands_density);
        if (t && t->eos) fu_sweep_sb_printf(&b, "eos points %d range %.6e\n", t->eos_points, t->eos_range);
        size_t nreg;
        const fu_property *const *reg = fu_property_registry(&nreg);
        for (size_t i = 0; t && i < nreg; i++)
            if (t->block_on[i]) {
                fu_sweep_sb_printf(&b, "property %s", reg[i]->name);
                for (int k = 0; k < FU_PROPERTY_OPTS; k++) fu_sweep_sb_printf(&b, " %.6e", t->block_opts[i][k]);
                fu_sweep_sb_printf(&b, "\n");
            }
        if (b.oom) rc = fu_fail(err, FU_ENOMEM, "candidate id: out of memory");
    }
    free(ak);
    for (int sp = 0; sp < s->nspecies; sp++) free(spkey[sp]);
    if (rc) {
        free(b.s);
        return rc;
    }
    *out = b.s;
    return FU_OK;
}

int fu_candidate_id_of_text(const char *text, char id[FU_RECORD_ID_LEN + 1], fu_err *err) {
    char hex[FU_SHA256_HEX_LEN];
    int rc = fu_sha256_hex(text, strlen(text), hex, err);
    if (rc) return rc;
    memcpy(id, hex, FU_RECORD_ID_LEN);
    id[FU_RECORD_ID_LEN] = '\0';
    return FU_OK;
}

int fu_candidate_canonical(const fu_structure *s, const fu_scf_params *p, const fu_psp *psp,
                           char **text, fu_err *err) {
    char canon[256];
    if (!text) return fu_fail(err, FU_EINPUT, "candidate id: no output given");
    *text = NULL;
    if (!p || !psp) return fu_fail(err, FU_EINPUT, "candidate id: no parameters given");
    int rc = fu_candidate_xc_canonical(p->xc, canon, sizeof canon, NULL, 0, err);
    if (rc) return rc;
    if (!s || s->nspecies < 1 || s->nspecies > FU_MAX_SPECIES)
        return fu_fail(err, FU_EINPUT, "candidate id: empty or malformed structure");
    const fu_psp *ptr[FU_MAX_SPECIES];
    for (int sp = 0; sp < s->nspecies; sp++) ptr[sp] = &psp[sp];
    return fu_candidate_build_canonical(s, p, canon, ptr, NULL, text, err);
}

int fu_candidate_id(const fu_structure *s, const fu_scf_params *p, const fu_psp *psp,
                    char id[FU_RECORD_ID_LEN + 1], fu_err *err) {
    char *text;
    int rc = fu_candidate_canonical(s, p, psp, &text, err);
    if (rc) return rc;
    rc = fu_candidate_id_of_text(text, id, err);
    free(text);
    return rc;
}

