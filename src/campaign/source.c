/* The candidate sources of a sweep: prototypes x substitutions, explicit structures, POSCAR
 * directories, elemental references; each structure expanded over the parameter lists
 * (campaign/sweep_parse.h). */
#include "campaign/cost.h"
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
#include "crystal/formula.h"
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

/* ------------------------------------------------------- candidate output */

static fu_candidate *new_candidate(ctx *c) {
    if (c->n == c->cap) {
        int cap = c->cap ? 2 * c->cap : 64;
        if (cap > FU_SWEEP_MAX_CANDIDATES) cap = FU_SWEEP_MAX_CANDIDATES;
        if (c->n >= cap) return NULL;
        fu_candidate *t = realloc(c->cand, sizeof *t * (size_t)cap);
        if (!t) return NULL;
        c->cand = t;
        c->cap = cap;
    }
    fu_candidate *k = &c->cand[c->n++];
    memset(k, 0, sizeof *k);
    return k;
}

/* An entry that cannot run: one per file / (structure, xc) / (structure,
 * strain), not multiplied by the other parameters. Its ID hashes what it is
 * independently of where the sweep lives (shards of one campaign may see it
 * under different paths): for a file of a poscar_dir its name in that
 * directory and the SHA-256 of its bytes, else the source without its
 * directory ("sweep.yaml:12"), plus `what` ("xc lda", "strain 0.5"; "" for
 * the whole file). Not the reason, whose text names paths. */
static int add_invalid(ctx *c, fu_candidate_kind kind, const char *source, const char *label,
                       const char *reason, double strain, const char *what) {
    if (fu_sweep_stopped(c)) return FU_ETIME;
    fu_candidate *k = new_candidate(c);
    if (!k) return fu_fail(c->err, FU_ENOMEM, "%s: out of memory for candidates", c->d->path);
    k->kind = kind;
    k->valid = 0;
    k->strain = strain;
    fu_sweep_textf(k->source, sizeof k->source, "%s", source);
    fu_sweep_textf(k->label, sizeof k->label, "%s", label);
    fu_sweep_textf(k->reason, sizeof k->reason, "%s", reason);
    fu_sweep_one_line(k->reason);
    fu_scf_params_default(&k->params);
    strbuf b = {0};
    const char *slash = strrchr(source, '/');
    const char *base = slash ? slash + 1 : source;
    char hex[FU_SHA256_HEX_LEN] = "unreadable";
    struct stat sb;
    if (kind == FU_CANDIDATE_POSCAR) {
        /* a FIFO would block the reader; an unreadable file is its name only */
        if (slash && stat(source, &sb) == 0 && S_ISREG(sb.st_mode) && fu_sha256_file(source, hex, NULL) != FU_OK)
            snprintf(hex, sizeof hex, "unreadable");
        fu_sweep_sb_printf(&b, "furui-invalid v2\nfile %s\nsha256 %s\n%s\n", base, hex, what);
    } else {
        fu_sweep_sb_printf(&b, "furui-invalid v2\nsource %s\n%s\n", base, what);
    }
    if (b.oom) {
        free(b.s);
        return fu_fail(c->err, FU_ENOMEM, "out of memory");
    }
    int rc = fu_candidate_id_of_text(b.s, k->id, c->err);
    free(b.s);
    return rc;
}


/* What the candidates of one structure (at one strain, one xc) share. */
typedef struct {
    fu_candidate_kind kind;
    const char *source;
    const char *head;      /* "FORMULA/SOURCE" of the label */
    const fu_structure *s; /* strained */
    double strain;
    int xc;
    const fu_psp *const *psp; /* [nspecies] */
    double nelec;
    int nproj;
    const fu_symmetry *sym; /* of the unstrained structure: strain keeps it */
    struct {
        int grid[3];
        int nk;
    } cache[64]; /* irreducible k count per mesh */
    int ncache;
} structure_job;

static int irreducible_k(structure_job *j, const fu_scf_params *p) {
    for (int q = 0; q < j->ncache; q++)
        if (!memcmp(j->cache[q].grid, p->kgrid, sizeof p->kgrid)) return j->cache[q].nk;
    fu_kpoints kp;
    fu_err e = {0};
    int nk = p->kgrid[0] * p->kgrid[1] * p->kgrid[2];
    if (!fu_kpoints_mp(p->kgrid, p->kshift, j->sym, p->time_reversal, &kp, &e)) {
        nk = kp.nk;
        fu_kpoints_free(&kp);
    }
    if (j->ncache < (int)(sizeof j->cache / sizeof j->cache[0])) {
        memcpy(j->cache[j->ncache].grid, p->kgrid, sizeof p->kgrid);
        j->cache[j->ncache++].nk = nk;
    }
    return nk;
}

/* One valid candidate: parameters, cost, label, ID. */
static int emit(ctx *c, structure_job *j, int ie, int ik, int ism) {
    if (fu_sweep_stopped(c)) return FU_ETIME;
    const fu_structure *s = j->s;
    const xc_opt *x = &c->xc[j->xc];
    fu_candidate *k = new_candidate(c);
    if (!k) return fu_fail(c->err, FU_ENOMEM, "out of memory for candidates");
    k->kind = j->kind;
    k->valid = 1;
    k->strain = j->strain;
    fu_sweep_textf(k->source, sizeof k->source, "%s", j->source);
    int rc = fu_structure_copy(&k->structure, s, c->err);
    if (rc) return rc;
    fu_scf_params *p = &k->params;
    *p = c->base;
    snprintf(p->xc, sizeof p->xc, "%s", x->name);
    for (int sp = 0; sp < s->nspecies; sp++)
        snprintf(p->pseudo[sp], sizeof p->pseudo[sp], "%s", x->slot[s->znucl[sp]]->spec);
    p->ecut = c->ecut[ie];
    if (c->k[ik].spacing > 0) {
        fu_kpoints_grid_from_spacing(s->lattice, c->k[ik].spacing, MAX_KGRID, p->kgrid);
        /* a gap asked for: a Γ-centred mesh holding the band-edge points; a molecule or
         * slab: one k-point across its vacuum (crystal/kpoints.h) */
        int gamma = c->kshift[0] == 0 && c->kshift[1] == 0 && c->kshift[2] == 0;
        if (c->tasks.bands && gamma) {
            rc = fu_kpoints_grid_with_edges(s, c->base.symprec, MAX_KGRID, p->kgrid, c->err);
            if (rc) return rc;
        }
        fu_kpoints_vacuum_axes(s, FU_KPOINTS_VACUUM, p->kgrid);
    } else
        memcpy(p->kgrid, c->k[ik].grid, sizeof p->kgrid);
    memcpy(p->kshift, c->kshift, sizeof p->kshift);
    p->smearing = c->sm[ism].kind;
    p->smearing_order = c->sm[ism].order;
    p->tsmear = c->sm[ism].width;
    if (c->tol_per_atom > 0) p->tol_energy = c->tol_per_atom * s->natom;
    if (c->proto) snprintf(p->protocol, sizeof p->protocol, "%s", c->proto->name);
    k->tasks = c->tasks;
    int polarized = c->spin_mode == 1;
    for (int sp = 0; sp < s->nspecies && c->spin_mode == 2; sp++)
        if (c->moment_node[s->znucl[sp]]) polarized = 1;
    /* a reference state's own spin (O2 triplet, Fe/Co/Ni) and a molecule's Γ point */
    const fu_refstate *ref = c->ref_cur;
    if (ref && ref->moment > 0) polarized = 1;
    if (ref && ref->molecule) {
        p->kgrid[0] = p->kgrid[1] = p->kgrid[2] = 1;
        p->kshift[0] = p->kshift[1] = p->kshift[2] = 0;
        /* a box has no equation of state or bands worth computing; its size is fixed */
        k->tasks.eos = 0;
        k->tasks.bands = 0;
        k->tasks.relax_opts.relax_cell = 0;
    }
    p->nspin = polarized ? 2 : 1;
    for (int sp = 0; sp < s->nspecies && polarized; sp++) {
        int z = s->znucl[sp];
        p->spin_moment[sp] = ref && ref->moment > 0 ? ref->moment
                             : c->moment_node[z]    ? c->moment[z]
                                                    : 0.0;
        if (fabs(p->spin_moment[sp]) > j->psp[sp]->zion)
            return fu_ynode_fail(c->err, c->d, ref ? c->refs_node : c->moment_node[z], FU_EINPUT,
                                 "|%g| muB exceeds the %g valence electrons of %s's pseudopotential (%s)",
                                 p->spin_moment[sp], j->psp[sp]->zion, s->symbol[sp], x->name);
    }

    /* cost model (campaign/cost.h) */
    int nlcc = 0;
    for (int sp = 0; sp < s->nspecies; sp++) nlcc |= j->psp[sp]->has_core;
    fu_cost_estimate(k, s, p, j->sym->nsym, (const int(*)[3][3])j->sym->rot, irreducible_k(j, p), j->nelec,
                     j->nproj, strstr(x->canon, "gga") != NULL, nlcc);
    /* Fixed occupations of an unpolarised run need whole doubly occupied
     * bands (fu_occupations): an odd count would fail in the farm. */
    double half = 0.5 * j->nelec;
    if (p->nspin == 1 && p->smearing == FU_SMEAR_NONE &&
        fabs(half - nearbyint(half)) > 1e-9 * fmax(1.0, half)) {
        k->valid = 0;
        k->cost = 0;
        fu_sweep_textf(k->reason, sizeof k->reason,
              "%s: smearing: %.10g valence electrons cannot fill whole doubly occupied bands "
              "without smearing; give smearing or spin: polarized",
              j->source, j->nelec);
    }

    char sm[64], strain[32] = "";
    if (p->smearing == FU_SMEAR_NONE)
        fu_sweep_textf(sm, sizeof sm, "none");
    else if (p->smearing == FU_SMEAR_METHFESSEL_PAXTON)
        fu_sweep_textf(sm, sizeof sm, "%s%d:%gHa", fu_smearing_name(p->smearing), p->smearing_order,
              p->tsmear);
    else
        fu_sweep_textf(sm, sizeof sm, "%s:%gHa", fu_smearing_name(p->smearing), p->tsmear);
    if (j->strain != 1.0) fu_sweep_textf(strain, sizeof strain, "/strain=%g", j->strain);
    char proto[48] = "";
    if (c->proto) fu_sweep_textf(proto, sizeof proto, "/protocol=%s", c->proto->name);
    fu_sweep_textf(k->label, sizeof k->label, "%s/%s/ecut=%gHa/k=%dx%dx%d/%s%s%s%s%s%s%s", j->head, x->name,
          p->ecut, p->kgrid[0], p->kgrid[1], p->kgrid[2], sm, strain, polarized ? "/spin" : "",
          k->tasks.relax ? (k->tasks.relax_opts.relax_cell ? "/relax-cell" : "/relax") : "",
          k->tasks.bands ? "/bands" : "", k->tasks.eos ? "/eos" : "", proto);

    char *text;
    rc = fu_candidate_build_canonical(&k->structure, p, x->canon, j->psp, &k->tasks, &text, c->err);
    if (rc) return rc;
    k->stage = c->stage;
    if (c->stage > 1) {
        /* a later stage is another row of the store even with stage 1's settings */
        strbuf b = {text, strlen(text), strlen(text) + 1, 0};
        fu_sweep_sb_printf(&b, "stage %d %s\n", c->stage, c->stage_name);
        if (b.oom) {
            free(b.s);
            return fu_fail(c->err, FU_ENOMEM, "candidate id: out of memory");
        }
        text = b.s;
    }
    rc = fu_candidate_id_of_text(text, k->id, c->err);
    free(text);
    return rc;
}

/* Space group of s for the k-point count; identity when symmetry is off (or
 * spglib fails: the count is an estimate, without symmetry just larger). */
static int find_symmetry(const ctx *c, const fu_structure *s, const char *source,
                         fu_symmetry *sym) {
    fu_err e = {0};
    if (c->base.use_symmetry && !fu_symmetry_find(s, c->base.symprec, sym, &e)) return FU_OK;
    if (fu_symmetry_identity(s, sym, &e))
        return fu_fail(c->err, FU_ENOMEM, "%s: %s", source, e.msg);
    return FU_OK;
}

/* All candidates of one base structure. sp_node[sp]: where species sp is
 * named in the spec (prototype site, structure block): a missing
 * pseudopotential is then a spec-level error there. NULL for a POSCAR of a
 * directory, whose problems make invalid candidates instead. known: the
 * structure's symmetry if the caller has it, else NULL. */
static int add_structure(ctx *c, const fu_structure *base, fu_candidate_kind kind,
                         const char *source, const char *formula, const char *what,
                         const fu_ynode *const *sp_node, const fu_symmetry *known) {
    int rc = fu_sweep_stopped(c);
    if (rc) return rc;
    int ok_xc[MAX_XC];
    const fu_psp *psps[MAX_XC][FU_MAX_SPECIES];
    char head[FU_CANDIDATE_LABEL_LEN];
    fu_sweep_textf(head, sizeof head, "%s/%s", formula, what);

    /* pseudopotentials per functional */
    for (int x = 0; x < c->nxc; x++) {
        ok_xc[x] = 1;
        for (int sp = 0; sp < base->nspecies && ok_xc[x]; sp++) {
            psp_slot *s = fu_psplib_get(c, x, base->znucl[sp]);
            if (!s) return fu_fail(c->err, FU_ENOMEM, "out of memory");
            if (s->state > 0) {
                psps[x][sp] = &s->psp;
                s->used = 1;
                double low = s->psp.hint_ecut[0];
                for (int ie = 0; ie < c->necut && c->ecut_given && !c->allow_unconverged; ie++)
                    if (low > 0 && c->ecut[ie] < low)
                        return fu_ynode_fail(
                            c->err, c->d, c->ecut_node, FU_EINPUT,
                            "%g Ha is below the low cutoff hint %g Ha of %s (%s); raise it or "
                            "write allow_unconverged: true",
                            c->ecut[ie], low, base->symbol[sp], s->spec);
                continue;
            }
            if (sp_node)
                return fu_ynode_fail(c->err, c->d, sp_node[sp], FU_EINPUT, "%s (xc %s): %s",
                                     base->symbol[sp], c->xc[x].name, s->msg);
            char label[FU_CANDIDATE_LABEL_LEN];
            fu_sweep_textf(label, sizeof label, "%s/%s", head, c->xc[x].name);
            char what[96];
            fu_sweep_textf(what, sizeof what, "xc %s", c->xc[x].canon);
            if ((rc = add_invalid(c, kind, source, label, s->msg, 1.0, what))) return rc;
            ok_xc[x] = 0;
        }
    }

    if (c->scan) return FU_OK; /* the campaign cutoff needs only the elements */
    fu_symmetry own;
    memset(&own, 0, sizeof own);
    if (!known && (rc = find_symmetry(c, base, source, &own))) return rc;
    const fu_symmetry *sym = known ? known : &own;
    fu_err e = {0};
    fu_structure s;
    rc = fu_structure_copy(&s, base, c->err);
    if (rc) {
        if (!known) fu_symmetry_free(&own);
        return rc;
    }
    structure_job *j = calloc(1, sizeof *j);
    if (!j) rc = fu_fail(c->err, FU_ENOMEM, "out of memory");
    for (int is = 0; is < c->nstrain && !rc; is++) {
        double f = c->strain[is];
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++) s.lattice[a][b] = f * base->lattice[a][b];
        double ecut_max = 0;
        for (int ie = 0; ie < c->necut; ie++) ecut_max = fmax(ecut_max, c->ecut[ie]);
        /* a huge cell: refused here in constant time, not by the FFT grid search */
        int bad = fu_structure_check(&s, FU_INPUT_MIN_DIST, source, &e);
        if (!bad && fu_fftgrid_check_size((const double(*)[3])s.lattice, ecut_max, &e)) {
            fu_err_prefix(&e, "%s", source);
            bad = 1;
        }
        if (bad) {
            char label[FU_CANDIDATE_LABEL_LEN];
            fu_sweep_textf(label, sizeof label, "%s/strain=%g", head, f);
            char what[64];
            fu_sweep_textf(what, sizeof what, "strain %.17g", f);
            rc = add_invalid(c, kind, source, label, e.msg, f, what);
            continue;
        }
        for (int x = 0; x < c->nxc && !rc; x++) {
            if (!ok_xc[x]) continue;
            /* fields set one by one: the k cache stays valid for every
             * strain and xc of this structure (same symmetry) */
            j->kind = kind;
            j->source = source;
            j->head = head;
            j->s = &s;
            j->strain = f;
            j->xc = x;
            j->psp = psps[x];
            j->sym = sym;
            j->nelec = 0;
            j->nproj = 0;
            for (int a = 0; a < s.natom; a++) {
                const fu_psp *p = psps[x][s.typat[a]];
                j->nelec += p->zion;
                for (int l = 0; l <= p->lmax && l < FU_PSP_MAXL; l++)
                    j->nproj += p->nproj[l] * (2 * l + 1);
            }
            for (int ie = 0; ie < c->necut && !rc; ie++)
                for (int ik = 0; ik < c->nk && !rc; ik++)
                    for (int ism = 0; ism < c->nsm && !rc; ism++) rc = emit(c, j, ie, ik, ism);
        }
    }
    free(j);
    fu_structure_free(&s);
    if (!known) fu_symmetry_free(&own);
    return rc;
}

/* The product bound is checked before a source is expanded. */
static int plan(ctx *c, const fu_ynode *n, long nstruct) {
    double total = (double)c->planned + (double)nstruct * (double)c->nparams;
    if (total > FU_SWEEP_MAX_CANDIDATES)
        return fu_ynode_fail(c->err, c->d, n, FU_EINPUT,
                             "the sweep reaches %.0f candidates, more than the limit %d; split "
                             "it into several sweeps",
                             total, FU_SWEEP_MAX_CANDIDATES);
    c->planned += nstruct * c->nparams;
    return FU_OK;
}

/* -------------------------------------------------------------- prototypes */

static int read_prototype(ctx *c, const fu_ynode *ent, const fu_ynode *pn) {
    static const char *const keys[] = {"prototype", "A", "B", "X", "a", NULL};
    static const char *const site_key[FU_PROTO_MAX_SITES] = {"A", "B", "X"};
    int rc = fu_ymap_check_keys(c->d, ent, keys, c->err);
    const char *name;
    if (!rc) rc = fu_ynode_string(c->d, pn, &name, c->err);
    if (rc) return rc;
    int p = fu_prototype_from_name(name);
    if (p < 0)
        return fu_ynode_fail(c->err, c->d, pn, FU_EINPUT, "unknown prototype '%.40s'; known: %s",
                             name, fu_prototype_names());
    int ns = fu_prototype_nsites((fu_prototype)p);
    int nz[FU_PROTO_MAX_SITES] = {1, 1, 1};
    int zs[FU_PROTO_MAX_SITES][MAX_LIST];
    const fu_ynode *zn[FU_PROTO_MAX_SITES][MAX_LIST];
    for (int i = 0; i < FU_PROTO_MAX_SITES; i++) {
        const fu_ynode *v = fu_ymap_get(ent, site_key[i]);
        if (i >= ns) {
            if (v)
                return fu_ynode_fail(c->err, c->d, v, FU_EINPUT,
                                     "%s has no site %s (its sites: %s)", name, site_key[i],
                                     ns == 1   ? "A"
                                     : ns == 2 ? "A, B"
                                               : "A, B, X");
            continue;
        }
        if (!v)
            return fu_ynode_fail(c->err, c->d, ent, FU_EINPUT,
                                 "%s needs elements on site %s (its sites: %s)", name, site_key[i],
                                 ns == 1   ? "A"
                                 : ns == 2 ? "A, B"
                                           : "A, B, X");
        if (v->kind == FU_YMAP)
            return fu_ynode_fail(c->err, c->d, v, FU_EINPUT,
                                 "expected an element or a list of elements, found a map");
        int cnt = v->kind == FU_YSEQ ? v->n : 1;
        if (cnt == 0)
            return fu_ynode_fail(c->err, c->d, v, FU_EINPUT,
                                 "empty list: the sweep would be empty");
        if (cnt > MAX_LIST)
            return fu_ynode_fail(c->err, c->d, v, FU_EINPUT, "%d items; at most %d", cnt, MAX_LIST);
        nz[i] = cnt;
        for (int j = 0; j < cnt; j++) {
            const fu_ynode *e = v->kind == FU_YSEQ ? v->item[j] : v;
            const char *sym;
            if ((rc = fu_ynode_string(c->d, e, &sym, c->err))) return rc;
            int z = fu_element_z(sym);
            if (z <= 0 || !fu_element_symbol(z))
                return fu_ynode_fail(c->err, c->d, e, FU_EINPUT, "unknown element '%.20s'", sym);
            zs[i][j] = z;
            zn[i][j] = e;
        }
    }
    double a = 0.0;
    const fu_ynode *an = fu_ymap_get(ent, "a");
    if (an) {
        rc = fu_ynode_quantity(c->d, an, FU_UNIT_LENGTH, &a, c->err);
        if (!rc) rc = fu_sweep_positive(c, an, a, "bohr");
        if (!rc && a > MAX_A)
            rc = fu_ynode_fail(
                c->err, c->d, an, FU_EINPUT,
                "%g bohr is not a lattice parameter of a primitive cell (<= %g bohr)", a, MAX_A);
        if (rc) return rc;
    }
    long total = (long)nz[0] * nz[1] * nz[2];
    if ((rc = plan(c, ent, total))) return rc;

    char source[FU_SWEEP_PATH_LEN];
    fu_sweep_textf(source, sizeof source, "%s:%d", c->d->path, ent->line);
    char what[96];
    if (an)
        fu_sweep_textf(what, sizeof what, "%s(a=%.6gA)", name, a * FU_BOHR_ANGSTROM);
    else
        fu_sweep_textf(what, sizeof what, "%s", name);
    /* spglib takes tens of ms per call; substitutions with the same pattern
     * of equal sites have the same operations (same fractional positions,
     * lattice only scaled), so each pattern is analysed once. */
    fu_symmetry psym[8];
    int have_sym[8] = {0};
    int idx[FU_PROTO_MAX_SITES];
    for (long t = 0; t < total && !rc; t++) {
        /* A outermost, X innermost */
        long r = t;
        for (int i = FU_PROTO_MAX_SITES - 1; i >= 0; i--) {
            idx[i] = (int)(r % nz[i]);
            r /= nz[i];
        }
        int z[FU_PROTO_MAX_SITES];
        for (int i = 0; i < ns; i++) z[i] = zs[i][idx[i]];
        fu_structure s;
        fu_err e = {0};
        if (fu_prototype_build((fu_prototype)p, z, a, &s, &e)) {
            /* the only failure left: no covalent radius for the rule */
            const fu_ynode *at = zn[0][idx[0]];
            for (int i = 0; i < ns; i++)
                if (!(fu_element_covalent_radius(z[i]) > 0)) at = zn[i][idx[i]];
            rc = fu_ynode_fail(c->err, c->d, at, FU_EINPUT, "%s", e.msg);
            break;
        }
        /* formula in site order with the prototype's counts */
        int cnt[FU_PROTO_MAX_SITES];
        fu_prototype_site_counts((fu_prototype)p, cnt);
        char formula[64] = "";
        {
            int zz[FU_PROTO_MAX_SITES], cc[FU_PROTO_MAX_SITES], m = 0;
            for (int i = 0; i < ns; i++) {
                int k = 0;
                while (k < m && zz[k] != z[i]) k++;
                if (k == m) {
                    zz[m] = z[i];
                    cc[m++] = 0;
                }
                cc[k] += cnt[i];
            }
            int g = fu_formula_gcd(cc, m);
            size_t used = 0;
            for (int k = 0; k < m; k++) {
                int nn = cc[k] / g;
                int w = nn == 1 ? snprintf(formula + used, sizeof formula - used, "%s",
                                           fu_element_symbol(zz[k]))
                                : snprintf(formula + used, sizeof formula - used, "%s%d",
                                           fu_element_symbol(zz[k]), nn);
                if (w > 0) used += (size_t)w;
            }
        }
        /* too small an explicit a is a spec mistake */
        char origin[FU_SWEEP_PATH_LEN + 64];
        fu_sweep_textf(origin, sizeof origin, "%s %s", formula, name);
        if (fu_structure_check(&s, FU_INPUT_MIN_DIST, origin, &e)) {
            fu_structure_free(&s);
            rc = fu_ynode_fail(c->err, c->d, an ? an : ent, FU_EINPUT, "%s", e.msg);
            break;
        }
        /* a species' problems are reported at its (first) site */
        const fu_ynode *at[FU_MAX_SPECIES];
        for (int i = ns - 1; i >= 0; i--)
            for (int sp = 0; sp < s.nspecies; sp++)
                if (s.znucl[sp] == z[i]) at[sp] = zn[i][idx[i]];
        int pat = (z[0] == z[1]) | (ns > 2 && z[0] == z[2]) << 1 | (ns > 2 && z[1] == z[2]) << 2;
        if (ns == 1) pat = 0;
        if (!c->scan && !have_sym[pat] && !(rc = find_symmetry(c, &s, source, &psym[pat]))) have_sym[pat] = 1;
        if (!rc)
            rc = add_structure(c, &s, FU_CANDIDATE_PROTOTYPE, source, formula, what, at, &psym[pat]);
        fu_structure_free(&s);
    }
    for (int i = 0; i < 8; i++)
        if (have_sym[i]) fu_symmetry_free(&psym[i]);
    return rc;
}

/* --------------------------------------------------- structures and POSCARs */

/* The scf input's POSCAR species check, plus the atom limit that the scf
 * input's inline structures have (its POSCAR path has none). */
static void canonical_species(fu_structure *s, const char *path, char *reason, size_t len) {
    fu_input_canonical_species(s, path, reason, len);
    if (!reason[0] && s->natom > MAX_ATOMS)
        fu_sweep_textf(reason, len, "%s: %d atoms; at most %d are supported", path, s->natom, MAX_ATOMS);
}

static int read_explicit(ctx *c, const fu_ynode *ent, const fu_ynode *st, int index) {
    static const char *const keys[] = {"structure", "name", NULL};
    static const char *const skeys[] = {"lattice", "coordinates", "atoms", "poscar", NULL};
    int rc = fu_ymap_check_keys(c->d, ent, keys, c->err);
    if (!rc) rc = fu_ynode_expect(c->d, st, FU_YMAP, c->err);
    if (!rc) rc = fu_ymap_check_keys(c->d, st, skeys, c->err);
    if (rc) return rc;
    char name[64];
    const fu_ynode *nn = fu_ymap_get(ent, "name");
    if (nn) {
        if ((rc = fu_ynode_string_copy(c->d, nn, name, sizeof name, c->err))) return rc;
        if (fu_input_has_control(name) || strchr(name, '/'))
            return fu_ynode_fail(c->err, c->d, nn, FU_EINPUT,
                                 "a label part: no '/' or control characters");
    } else {
        snprintf(name, sizeof name, "candidates[%d]", index);
    }
    if ((rc = plan(c, ent, 1))) return rc;
    fu_structure s;
    memset(&s, 0, sizeof s);
    const fu_ynode *pos = fu_ymap_get(st, "poscar");
    if (pos) {
        if (st->n > 1) {
            return fu_ynode_fail(c->err, c->d, pos, FU_EINPUT,
                                 "give either poscar or lattice/coordinates/atoms, not both");
        }
        const char *rel;
        char path[FU_SWEEP_PATH_LEN];
        rc = fu_ynode_string(c->d, pos, &rel, c->err);
        if (!rc) rc = fu_sweep_join_path(c, pos, rel, path, sizeof path);
        if (rc) return rc;
        fu_err e = {0};
        if (fu_structfile_read(path, &s, &e)) { /* POSCAR or CIF; no FIFOs: core/regfile.h */
            fu_sweep_one_line(e.msg);
            return fu_ynode_fail(c->err, c->d, pos, FU_EINPUT, "%s", e.msg);
        }
        char reason[FU_ERR_MSG_LEN];
        canonical_species(&s, path, reason, sizeof reason);
        if (reason[0]) {
            fu_structure_free(&s);
            return fu_ynode_fail(c->err, c->d, pos, FU_EINPUT, "%s", reason);
        }
    } else if ((rc = fu_input_read_inline_structure(c->d, st, &s, c->err))) {
        fu_structure_free(&s);
        return rc;
    }
    char origin[FU_SWEEP_PATH_LEN + 64];
    fu_err e = {0};
    fu_sweep_textf(origin, sizeof origin, "%s:%d: candidates[%d].structure", c->d->path, st->line, index);
    if (fu_structure_check(&s, FU_INPUT_MIN_DIST, origin, &e)) {
        fu_structure_free(&s);
        return fu_fail(c->err, FU_EINPUT, "%s", e.msg);
    }
    char source[FU_SWEEP_PATH_LEN], formula[64];
    fu_sweep_textf(source, sizeof source, "%s:%d", c->d->path, ent->line);
    fu_sweep_formula_species_order(&s, formula, sizeof formula);
    const fu_ynode *at[FU_MAX_SPECIES];
    for (int sp = 0; sp < FU_MAX_SPECIES; sp++) at[sp] = st;
    rc = add_structure(c, &s, FU_CANDIDATE_EXPLICIT, source, formula, name, at, NULL);
    fu_structure_free(&s);
    return rc;
}

static int cmp_name(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int read_poscar_dir(ctx *c, const fu_ynode *ent, const fu_ynode *dn) {
    static const char *const keys[] = {"poscar_dir", "pattern", NULL};
    int rc = fu_ymap_check_keys(c->d, ent, keys, c->err);
    const char *rel, *pattern = "*";
    char dir[FU_SWEEP_PATH_LEN];
    if (!rc) rc = fu_ynode_string(c->d, dn, &rel, c->err);
    if (!rc) rc = fu_sweep_join_path(c, dn, rel, dir, sizeof dir);
    const fu_ynode *pn = fu_ymap_get(ent, "pattern");
    if (!rc && pn) rc = fu_ynode_string(c->d, pn, &pattern, c->err);
    if (rc) return rc;
    if (fu_input_has_control(pattern) || strchr(pattern, '/'))
        return fu_ynode_fail(c->err, c->d, pn, FU_EINPUT,
                             "a file name pattern (no '/' or control characters)");
    DIR *dh = opendir(dir);
    if (!dh)
        return fu_ynode_fail(c->err, c->d, dn, FU_EINPUT, "cannot read directory %s: %s", dir,
                             strerror(errno));
    char **names = NULL;
    int n = 0, cap = 0;
    int read_errno = 0;
    for (;;) {
        errno = 0; /* readdir signals an error only through errno */
        struct dirent *de = readdir(dh);
        if (!de) {
            read_errno = errno;
            break;
        }
        if (de->d_name[0] == '.') continue; /* ., .., hidden files */
        if (fnmatch(pattern, de->d_name, 0) != 0) continue;
        if (n == MAX_DIR_FILES) {
            rc = fu_ynode_fail(c->err, c->d, dn, FU_EINPUT, "%s: more than %d files", dir,
                               MAX_DIR_FILES);
            break;
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **t = realloc(names, sizeof *t * (size_t)cap);
            if (!t) {
                rc = fu_fail(c->err, FU_ENOMEM, "out of memory");
                break;
            }
            names = t;
        }
        if (!(names[n] = strdup(de->d_name))) {
            rc = fu_fail(c->err, FU_ENOMEM, "out of memory");
            break;
        }
        n++;
    }
    if (!rc && read_errno)
        rc = fu_ynode_fail(c->err, c->d, dn, FU_EINPUT, "cannot read directory %s: %s", dir,
                           strerror(read_errno));
    closedir(dh);
    /* directory order is arbitrary; names make it reproducible */
    if (!rc && n > 1) qsort(names, (size_t)n, sizeof *names, cmp_name);
    int nfile = 0;
    for (int i = 0; i < n && !rc; i++) {
        char path[FU_SWEEP_PATH_LEN];
        struct stat sb;
        int w = snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (w >= 0 && (size_t)w < sizeof path && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
            free(names[i]);
            names[i] = NULL;
            continue; /* subdirectories are not candidates */
        }
        nfile++;
    }
    if (!rc && nfile == 0)
        rc = fu_ynode_fail(c->err, c->d, pn ? pn : dn, FU_EINPUT,
                           "no files matching '%.60s' in %s: the sweep would be empty", pattern,
                           dir);
    if (!rc) rc = plan(c, ent, nfile);
    for (int i = 0; i < n && !rc; i++) {
        if (!names[i]) continue;
        char path[FU_SWEEP_PATH_LEN];
        int w = snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (w < 0 || (size_t)w >= sizeof path) {
            rc = add_invalid(c, FU_CANDIDATE_POSCAR, names[i], names[i], "path too long", 1.0, "");
            continue;
        }
        fu_structure s;
        fu_err e = {0};
        char reason[FU_ERR_MSG_LEN] = "";
        memset(&s, 0, sizeof s);
        if (fu_structfile_read(path, &s, &e)) /* POSCAR or CIF; no FIFOs: core/regfile.h */
            fu_sweep_textf(reason, sizeof reason, "%s", e.msg);
        else
            canonical_species(&s, path, reason, sizeof reason);
        if (!reason[0] && fu_structure_check(&s, FU_INPUT_MIN_DIST, path, &e))
            fu_sweep_textf(reason, sizeof reason, "%s", e.msg);
        if (reason[0]) {
            char label[FU_CANDIDATE_LABEL_LEN];
            fu_sweep_textf(label, sizeof label, "%s/invalid", names[i]);
            if (s.xred) fu_structure_free(&s);
            rc = add_invalid(c, FU_CANDIDATE_POSCAR, path, label, reason, 1.0, "");
            continue;
        }
        char formula[64];
        fu_sweep_formula_species_order(&s, formula, sizeof formula);
        rc = add_structure(c, &s, FU_CANDIDATE_POSCAR, path, formula, names[i], NULL, NULL);
        fu_structure_free(&s);
    }
    for (int i = 0; i < n; i++) free(names[i]);
    free(names);
    return rc;
}

int fu_source_read(ctx *c, const fu_ynode *list) {
    int rc = fu_ynode_expect(c->d, list, FU_YSEQ, c->err);
    if (rc) return rc;
    if (list->n == 0)
        return fu_ynode_fail(c->err, c->d, list, FU_EINPUT, "empty list: the sweep would be empty");
    for (int i = 0; i < list->n && !rc; i++) {
        const fu_ynode *ent = list->item[i], *v;
        if (ent->kind != FU_YMAP)
            return fu_ynode_fail(c->err, c->d, ent, FU_EINPUT,
                                 "expected a map with prototype:, poscar_dir: or structure:, "
                                 "found a %s",
                                 fu_ykind_name(ent->kind));
        int kinds = !!fu_ymap_get(ent, "prototype") + !!fu_ymap_get(ent, "poscar_dir") +
                    !!fu_ymap_get(ent, "structure");
        if (kinds != 1)
            return fu_ynode_fail(c->err, c->d, ent, FU_EINPUT,
                                 "give exactly one of prototype, poscar_dir, structure (found %d)",
                                 kinds);
        if ((v = fu_ymap_get(ent, "prototype")))
            rc = read_prototype(c, ent, v);
        else if ((v = fu_ymap_get(ent, "poscar_dir")))
            rc = read_poscar_dir(c, ent, v);
        else
            rc = read_explicit(c, ent, fu_ymap_get(ent, "structure"), i);
    }
    return rc;
}

/* -------------------------------------------------------- references */

/* `references: auto`: every element of the candidates gets its ground-state
 * phase (crystal/refstate.h) as one more candidate, computed with the
 * sweep's parameters (a molecule at the Γ point, spin-polarised where its
 * ground state is). An element without an entry is an error of the spec. */
int fu_source_add_references(ctx *c) {
    int seen[FU_MAX_Z + 1] = {0};
    for (int i = 0; i < c->n; i++) {
        const fu_structure *s = &c->cand[i].structure;
        for (int sp = 0; s->natom > 0 && sp < s->nspecies; sp++)
            if (s->znucl[sp] > 0 && s->znucl[sp] <= FU_MAX_Z) seen[s->znucl[sp]] = 1;
    }
    for (int z = 1; z <= FU_MAX_Z; z++)
        if (seen[z] && !fu_refstate_find(z))
            return fu_ynode_fail(c->err, c->d, c->refs_node, FU_EINPUT,
                                 "auto: no ground-state entry for %s (entries: %s); give its "
                                 "reference phase as a candidate and leave out references: auto",
                                 fu_element_symbol(z), fu_refstate_symbols());
    char source[FU_SWEEP_PATH_LEN];
    fu_sweep_textf(source, sizeof source, "%s:%d", c->d->path, c->refs_node->line);
    int rc = FU_OK;
    for (int z = 1; z <= FU_MAX_Z && !rc; z++) {
        if (!seen[z]) continue;
        const fu_refstate *r = fu_refstate_find(z);
        if ((rc = plan(c, c->refs_node, 1))) break;
        fu_structure s;
        fu_err e = {0};
        if (fu_refstate_build(r, &s, &e)) {
            rc = fu_ynode_fail(c->err, c->d, c->refs_node, FU_EINPUT, "auto: %s", e.msg);
            break;
        }
        char formula[16], what[48];
        fu_sweep_textf(formula, sizeof formula, r->molecule ? "%s2" : "%s", fu_element_symbol(z));
        fu_sweep_textf(what, sizeof what, "reference-%s", fu_prototype_name(r->proto));
        c->ref_cur = r;
        rc = add_structure(c, &s, FU_CANDIDATE_PROTOTYPE, source, formula, what, NULL, NULL);
        c->ref_cur = NULL;
        fu_structure_free(&s);
    }
    return rc;
}

