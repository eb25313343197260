/* The results file read back (fu_results_read, fu_results_load). */
#include "results/store.h"

#include "core/h5mem.h"
#include "core/regfile.h"
#include "results/h5io.h"

#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <libgen.h>
#include <math.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- reading -------------------------------------------------------------------- */

static int check_offsets(const long long *o, size_t n, long long total) {
    if (o[0] != 0 || o[n] != total) return -1;
    for (size_t i = 0; i < n; i++)
        if (o[i + 1] < o[i]) return -1;
    return 0;
}

/* Length of a 1-D (or first dimension of an N-D) dataset, -1 if absent. */
static long long dim0(hid_t loc, const char *name) {
    if (H5Lexists(loc, name, H5P_DEFAULT) <= 0) return -1;
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    if (d < 0) return -1;
    hid_t sp = H5Dget_space(d);
    hsize_t dims[4] = {0};
    int rank = H5Sget_simple_extent_ndims(sp);
    long long v = -1;
    if (rank >= 1 && rank <= 4 && H5Sget_simple_extent_dims(sp, dims, NULL) >= 0) v = (long long)dims[0];
    H5Sclose(sp);
    H5Dclose(d);
    return v;
}

/* The recovery history columns (recovery_offset and recovery_*). */
static void read_recovery(fu_h5io_ctx *c, hid_t g, fu_record *R, size_t n) {
    long long *ro = calloc(n + 1, sizeof *ro);
    if (!ro) {
        fu_h5io_fail(c, FU_ENOMEM, "out of memory reading %s", "recovery");
        return;
    }
    fu_h5io_get(c, g, "recovery_offset", H5T_NATIVE_LLONG, n + 1, ro);
    long long tot = c->bad ? 0 : ro[n];
    if (!c->bad && (tot < 0 || check_offsets(ro, n, tot))) {
        fu_h5io_fail(c, FU_EINPUT, "%s", "candidates: recovery_offset is not cumulative counts");
        free(ro);
        return;
    }
    for (size_t i = 0; !c->bad && i < n; i++)
        if (ro[i + 1] - ro[i] > 64) fu_h5io_fail(c, FU_EINPUT, "%s", "candidates: recovery history too long");
    size_t t = c->bad ? 0 : (size_t)tot;
    char **rung = fu_h5io_get_vstr(c, g, "recovery_rung", t), **outc = fu_h5io_get_vstr(c, g, "recovery_outcome", t),
         **msg = fu_h5io_get_vstr(c, g, "recovery_message", t);
    int *it = calloc(t ? t : 1, sizeof *it);
    double *sec = calloc(t ? t : 1, sizeof *sec);
    if (!it || !sec) fu_h5io_fail(c, FU_ENOMEM, "out of memory reading %s", "recovery");
    fu_h5io_get(c, g, "recovery_iterations", H5T_NATIVE_INT, t, it);
    fu_h5io_get(c, g, "recovery_seconds", H5T_NATIVE_DOUBLE, t, sec);
    for (size_t i = 0; !c->bad && i < n; i++)
        for (long long q = ro[i]; !c->bad && q < ro[i + 1]; q++)
            if (fu_record_add_rung(&R[i], rung[q], outc[q], it[q], sec[q], msg[q], NULL))
                fu_h5io_fail(c, FU_ENOMEM, "out of memory reading %s", "recovery");
    fu_h5io_free_strs(rung, rung ? t : 0);
    fu_h5io_free_strs(outc, outc ? t : 0);
    fu_h5io_free_strs(msg, msg ? t : 0);
    free(it);
    free(sec);
    free(ro);
}

static size_t field_bytes(const fu_property_field *f) {
    return f->kind == FU_FIELD_STR ? (size_t)f->count
                                   : (size_t)f->count * (f->kind == FU_FIELD_F64 ? sizeof(double) : sizeof(int));
}

/* Fields [from, to) of property p from their datasets in g into the rows of R: into each
 * row's result (inline), or into blocks[i] where blocks is given (NULL entries skipped).
 * Ragged fields are the caller's. A dataset of the wrong size is refused. */
static void read_fields(fu_h5io_ctx *c, hid_t g, const fu_property *p, size_t from, size_t to, fu_record *R,
                        size_t n, void **blocks, double *dv, int *iv) {
    for (size_t k = from; k < to && !c->bad; k++) {
        const fu_property_field *f = &p->fields[k];
        if (f->count == 0) continue;
        if (blocks && H5Lexists(g, f->name, H5P_DEFAULT) <= 0) continue; /* an older table */
        char **sv = NULL;
        if (f->kind == FU_FIELD_STR) sv = fu_h5io_get_vstr(c, g, f->name, n);
        else fu_h5io_get(c, g, f->name, f->kind == FU_FIELD_F64 ? H5T_NATIVE_DOUBLE : H5T_NATIVE_INT,
                 (hsize_t)n * (hsize_t)f->count, f->kind == FU_FIELD_F64 ? (void *)dv : (void *)iv);
        for (size_t i = 0; i < n && !c->bad; i++) {
            char *d = blocks ? blocks[i] : (char *)&R[i].res;
            if (!d) continue;
            d += f->offset;
            if (f->kind == FU_FIELD_STR) snprintf(d, (size_t)f->count, "%s", sv && sv[i] ? sv[i] : "");
            else if (f->kind == FU_FIELD_F64) memcpy(d, dv + (size_t)f->count * i, field_bytes(f));
            else memcpy(d, iv + (size_t)f->count * i, field_bytes(f));
        }
        fu_h5io_free_strs(sv, sv ? n : 0);
    }
}

/* A block property's group: `present`, then the fields this furui knows (a field the file
 * lacks stays 0; datasets it does not know are ignored). */
static void read_block(fu_h5io_ctx *c, hid_t g0, const fu_property *p, size_t pi, fu_record *R, size_t n,
                       double *dv, int *iv) {
    hid_t g = H5Gopen2(g0, p->name, H5P_DEFAULT);
    if (g < 0) return;
    void **blocks = calloc(n ? n : 1, sizeof *blocks);
    if (!blocks) fu_h5io_fail(c, FU_ENOMEM, "out of memory reading %s", p->name);
    fu_h5io_get(c, g, "present", H5T_NATIVE_INT, n, iv);
    for (size_t i = 0; i < n && !c->bad; i++)
        if (iv[i] && R[i].have_result && !(blocks[i] = R[i].res.block[pi] = calloc(1, p->block_size)))
            fu_h5io_fail(c, FU_ENOMEM, "out of memory reading %s", p->name);
    if (!c->bad) read_fields(c, g, p, 0, p->nfields, R, n, blocks, dv, iv);
    free(blocks);
    H5Gclose(g);
}

static void read_candidates(fu_h5io_ctx *c, hid_t f, fu_results *out) {
    hid_t g = H5Gopen2(f, "candidates", H5P_DEFAULT);
    if (g < 0) {
        fu_h5io_fail(c, FU_EINPUT, "group %s is missing", "candidates");
        return;
    }
    long long nn = dim0(g, "id");
    if (nn < 0) {
        fu_h5io_fail(c, FU_EINPUT, "dataset %s is missing", "candidates/id");
        H5Gclose(g);
        return;
    }
    size_t n = (size_t)nn, big = n ? n : 1;
    out->rec = calloc(big, sizeof *out->rec);
    char (*ids)[FU_H5IO_ID_BUF] = calloc(big, sizeof *ids);
    signed char *st = calloc(big, 1);
    int *iv = calloc(big * 9, sizeof *iv);
    double *dv = calloc(big * 9, sizeof *dv);
    fu_h5io_offsets o = {calloc(n + 1, sizeof(long long)), calloc(n + 1, sizeof(long long)),
                 calloc(n + 1, sizeof(long long)), calloc(n + 1, sizeof(long long)),
                 calloc(n + 1, sizeof(long long))};
    char **label = NULL, **cause = NULL, **msg = NULL, **formula = NULL, **xc = NULL, **smear = NULL;
    char **pspp = NULL, **pspf = NULL;
    double *pspv = NULL;
    char **species = NULL, **pspn = NULL, **psph = NULL;
    int *natom = calloc(big, sizeof *natom), *nk = calloc(big, sizeof *nk),
        *nband = calloc(big, sizeof *nband), *nsp = calloc(big, sizeof *nsp),
        *nspin = calloc(big, sizeof *nspin), *neos = calloc(big, sizeof *neos);
    double *arr = NULL;
    int *zarr = NULL;
    long long ta = 0, tk = 0, tb = 0, ts = 0, te = 0; /* totals of atoms, k, (spin,k,band), species, EOS */
    int schema2 = dim0(g, "nspin") >= 0; /* absent in schema 1 */
    if (!out->rec || !ids || !st || !iv || !dv || !o.atom || !o.k || !o.band || !o.species || !o.eos ||
        !natom || !nk || !nband || !nsp || !nspin || !neos) {
        fu_h5io_fail(c, FU_ENOMEM, "out of memory reading %s", "candidates");
        goto out;
    }
    for (size_t i = 0; i < n; i++) fu_record_init(&out->rec[i]);
    out->n = n;
    fu_record *R = out->rec;
    hid_t imt = fu_h5io_id_mem_type();
    fu_h5io_get(c, g, "id", imt, n, ids);
    H5Tclose(imt);
    for (size_t i = 0; i < n && !c->bad; i++) {
        fu_err e;
        if (fu_record_set_id(&R[i], ids[i], &e)) fu_h5io_fail(c, FU_EINPUT, "%s", "candidates/id holds an invalid id");
        else if (i && strcmp(R[i - 1].id, R[i].id) >= 0)
            fu_h5io_fail(c, FU_EINPUT, "%s", "candidates/id is not strictly ascending (duplicate candidates)");
    }
    hid_t et = fu_h5io_state_type();
    fu_h5io_get(c, g, "state", et, n, st);
    H5Tclose(et);
    for (size_t i = 0; i < n; i++) R[i].state = st[i];
#define GETINT(name, field)                                 \
    do {                                                    \
        fu_h5io_get(c, g, name, H5T_NATIVE_INT, n, iv);             \
        for (size_t i = 0; i < n && !c->bad; i++) field = iv[i]; \
    } while (0)
#define GETF64(name, field)                                 \
    do {                                                    \
        fu_h5io_get(c, g, name, H5T_NATIVE_DOUBLE, n, dv);          \
        for (size_t i = 0; i < n && !c->bad; i++) field = dv[i]; \
    } while (0)
    GETINT("final", R[i].final);
    GETINT("attempts", R[i].attempt);
    GETINT("group", R[i].group);
    GETINT("have_result", R[i].have_result);
    GETF64("time_start", R[i].time_start);
    GETF64("time_end", R[i].time_end);
    if (dim0(g, "engine_seconds") >= 0) { /* absent in files of older furui */
        GETF64("engine_seconds", R[i].engine_seconds);
        GETF64("io_seconds", R[i].io_seconds);
        GETINT("settings_changed", R[i].settings_changed);
    }
    if (dim0(g, "stage_index") >= 0) { /* only in files of staged sweeps */
        GETINT("stage_index", R[i].stage);
        char **sn = fu_h5io_get_vstr(c, g, "stage", n), **sr = fu_h5io_get_vstr(c, g, "stage_root", n);
        for (size_t i = 0; i < n && !c->bad; i++) {
            snprintf(R[i].stage_name, sizeof R[i].stage_name, "%s", sn[i] ? sn[i] : "");
            snprintf(R[i].stage_root, sizeof R[i].stage_root, "%s", sr[i] ? sr[i] : "");
            if (R[i].stage < 0 || R[i].stage > 1000) fu_h5io_fail(c, FU_EINPUT, "%s", "candidates/stage_index out of range");
        }
        fu_h5io_free_strs(sn, sn ? n : 0);
        fu_h5io_free_strs(sr, sr ? n : 0);
    }
    if (dim0(g, "ranks") >= 0) { /* only in files with layout records */
        GETINT("ranks", R[i].ranks);
        GETINT("k_groups", R[i].npk);
        GETINT("band_ranks", R[i].npb);
        for (size_t i = 0; i < n && !c->bad; i++)
            if (R[i].ranks < 0 || R[i].npk < 0 || R[i].npb < 0 || (long long)R[i].npk * R[i].npb > R[i].ranks)
                fu_h5io_fail(c, FU_EINPUT, "%s", "candidates/ranks, k_groups, band_ranks out of range");
    }
    if (dim0(g, "fft_ranks") >= 0) { /* only where some candidate ran with FFT ranks */
        GETINT("fft_ranks", R[i].npg);
        for (size_t i = 0; i < n && !c->bad; i++)
            if (R[i].npg < 1 || (R[i].npg > 1 && (R[i].npb < 1 || R[i].npb % R[i].npg)))
                fu_h5io_fail(c, FU_EINPUT, "%s", "candidates/fft_ranks out of range");
    }
    GETINT("natom", natom[i]);
    GETINT("nk", nk[i]);
    GETINT("nband", nband[i]);
    GETINT("nspecies", nsp[i]);
    for (size_t i = 0; i < n; i++) nspin[i] = 1;
    if (schema2) GETINT("nspin", nspin[i]);
    /* the built-in properties' columns: the SCF block's head is in every file, its spin part
     * in schema 2; relax and eos columns in schema 2; band-path ones where path_npoints is */
    size_t nreg;
    const fu_property *const *reg = fu_property_registry(&nreg);
    for (size_t p = 0; p < nreg && !c->bad; p++) {
        const fu_property *pr = reg[p];
        if (!pr->inline_block) {
            if (H5Lexists(g, pr->name, H5P_DEFAULT) > 0) read_block(c, g, pr, p, R, n, dv, iv);
            continue;
        }
        size_t from = 0, to = pr->nfields;
        if (pr == &fu_scfblock_property && !schema2) to = FU_SCFBLOCK_NHEAD;
        if (pr != &fu_scfblock_property && (!schema2 || dim0(g, pr->fields[0].name) < 0)) continue;
        read_fields(c, g, pr, from, to, R, n, NULL, dv, iv);
    }
    for (size_t i = 0; i < n && !c->bad; i++) neos[i] = R[i].res.eos_npoints;
#undef GETINT
#undef GETF64
    label = fu_h5io_get_vstr(c, g, "label", n);
    cause = fu_h5io_get_vstr(c, g, "cause", n);
    msg = fu_h5io_get_vstr(c, g, "message", n);
    formula = fu_h5io_get_vstr(c, g, "formula", n);
    xc = fu_h5io_get_vstr(c, g, "xc", n);
    smear = fu_h5io_get_vstr(c, g, "smearing", n);
    fu_h5io_get(c, g, "atom_offset", H5T_NATIVE_LLONG, n + 1, o.atom);
    fu_h5io_get(c, g, "k_offset", H5T_NATIVE_LLONG, n + 1, o.k);
    fu_h5io_get(c, g, "band_offset", H5T_NATIVE_LLONG, n + 1, o.band);
    fu_h5io_get(c, g, "species_offset", H5T_NATIVE_LLONG, n + 1, o.species);
    if (schema2) fu_h5io_get(c, g, "eos_offset", H5T_NATIVE_LLONG, n + 1, o.eos);
    if (c->bad) goto out;
    /* The counts and offsets must agree, or slicing would run off the arrays. */
    for (size_t i = 0; i < n; i++) {
        if (!R[i].have_result) {
            natom[i] = nk[i] = nband[i] = nsp[i] = neos[i] = 0;
            nspin[i] = 1;
        }
        if (nspin[i] != 1 && nspin[i] != 2) {
            fu_h5io_fail(c, FU_EINPUT, "%s", "candidates/nspin holds a value other than 1 or 2");
            goto out;
        }
        if (neos[i] < 0 || neos[i] > FU_CAND_EOS_MAXPOINTS) {
            fu_h5io_fail(c, FU_EINPUT, "%s", "candidates/eos_npoints out of range");
            goto out;
        }
        if (natom[i] < 0 || nk[i] < 0 || nband[i] < 0 || nsp[i] < 0 ||
            o.atom[i + 1] - o.atom[i] != natom[i] || o.k[i + 1] - o.k[i] != nk[i] ||
            o.band[i + 1] - o.band[i] != (long long)nspin[i] * nk[i] * nband[i] ||
            o.species[i + 1] - o.species[i] != nsp[i] || o.eos[i + 1] - o.eos[i] != neos[i]) {
            fu_h5io_fail(c, FU_EINPUT, "%s",
                   "candidates: counts (natom, nk, nspin x nband, nspecies, eos_npoints) disagree with the offsets");
            goto out;
        }
        ta += natom[i];
        tk += nk[i];
        tb += (long long)nspin[i] * nk[i] * nband[i];
        ts += nsp[i];
        te += neos[i];
    }
    if (check_offsets(o.atom, n, ta) || check_offsets(o.k, n, tk) || check_offsets(o.band, n, tb) ||
        check_offsets(o.species, n, ts) || check_offsets(o.eos, n, te)) {
        fu_h5io_fail(c, FU_EINPUT, "%s", "candidates: offsets are not cumulative counts");
        goto out;
    }
    species = fu_h5io_get_vstr(c, g, "species", (size_t)ts);
    pspn = fu_h5io_get_vstr(c, g, "pseudopotential", (size_t)ts);
    psph = fu_h5io_get_vstr(c, g, "pseudopotential_sha256", (size_t)ts);
    if (dim0(g, "pseudopotential_path") >= 0) { /* absent in files of older furui */
        pspp = fu_h5io_get_vstr(c, g, "pseudopotential_path", (size_t)ts);
        pspf = fu_h5io_get_vstr(c, g, "pseudopotential_format", (size_t)ts);
        pspv = calloc(ts ? 4 * ts : 1, sizeof *pspv);
        if (!pspv) fu_h5io_fail(c, FU_ENOMEM, "out of memory reading %s", "pseudopotential columns");
        else {
            fu_h5io_get(c, g, "pseudopotential_valence", H5T_NATIVE_DOUBLE, (hsize_t)ts, pspv);
            fu_h5io_get(c, g, "pseudopotential_cutoff_hints", H5T_NATIVE_DOUBLE, (hsize_t)ts * 3, pspv + ts);
        }
    }
    if (c->bad) goto out;
    for (size_t i = 0; i < n; i++) {
        R[i].label = label[i], label[i] = NULL;
        R[i].cause = cause[i], cause[i] = NULL;
        R[i].message = msg[i], msg[i] = NULL;
        if (!R[i].have_result) {
            /* Columns of rows without a result hold fill values only. */
            memset(&R[i].res, 0, sizeof R[i].res);
            continue;
        }
        fu_cand_result *s = &R[i].res;
        s->formula = formula[i], formula[i] = NULL;
        s->xc = xc[i], xc[i] = NULL;
        s->smearing = smear[i], smear[i] = NULL;
        s->have_forces = s->have_forces != 0;
        fu_err e;
        if (fu_record_result_alloc(s, natom[i], nk[i], nband[i], nsp[i], &e) ||
            fu_record_result_set_nspin(s, nspin[i], &e)) {
            fu_h5io_fail(c, FU_ENOMEM, "out of memory reading %s", "candidates");
            goto out;
        }
        s->eos_npoints = neos[i];
        if (s->path_npoints < 0) {
            fu_h5io_fail(c, FU_EINPUT, "%s", "candidates/path_npoints is negative");
            goto out;
        }
        /* columns hold fill values where a property was not computed; in memory it is 0 */
        for (size_t p = 0; p < nreg; p++)
            if (reg[p]->inline_block && !fu_property_present(reg[p], p, s))
                for (size_t k = 0; k < reg[p]->nfields; k++)
                    if (reg[p]->fields[k].gated && reg[p]->fields[k].count > 0)
                        memset((char *)s + reg[p]->fields[k].offset, 0, field_bytes(&reg[p]->fields[k]));
        for (int k = 0; k < nsp[i]; k++) {
            snprintf(s->species[k], sizeof s->species[k], "%s", species[o.species[i] + k]);
            snprintf(s->psp_name[k], sizeof s->psp_name[k], "%s", pspn[o.species[i] + k]);
            snprintf(s->psp_sha256[k], sizeof s->psp_sha256[k], "%s", psph[o.species[i] + k]);
            size_t j = o.species[i] + (size_t)k;
            if (pspp && pspf && pspv) {
                fu_cand_psp *q = &s->psp[k];
                snprintf(q->path, sizeof q->path, "%s", pspp[j]);
                snprintf(q->format, sizeof q->format, "%s", pspf[j]);
                q->valence = isfinite(pspv[j]) ? pspv[j] : 0.0;
                for (int h = 0; h < 3; h++)
                    q->hints[h] = isfinite(pspv[ts + 3 * j + h]) ? pspv[ts + 3 * j + h] : 0.0;
            }
        }
    }
    size_t need = (size_t)(3 * ta > 3 * tk ? 3 * ta : 3 * tk);
    if ((size_t)tb > need) need = (size_t)tb;
    if ((size_t)te > need) need = (size_t)te;
    arr = calloc(need ? need : 1, sizeof *arr);
    zarr = calloc(ta ? (size_t)ta : 1, sizeof *zarr);
    if (!arr || !zarr) {
        fu_h5io_fail(c, FU_ENOMEM, "out of memory reading %s", "candidates arrays");
        goto out;
    }
    fu_h5io_get(c, g, "atomic_numbers", H5T_NATIVE_INT, (hsize_t)ta, zarr);
    for (size_t i = 0; i < n && !c->bad; i++)
        for (int a = 0; a < R[i].res.natom; a++) R[i].res.atomic_number[a] = zarr[o.atom[i] + a];
#define UNRAG(name, lo, total, cols, dst_expr, count_expr)                                  \
    do {                                                                                   \
        fu_h5io_get(c, g, name, H5T_NATIVE_DOUBLE, (hsize_t)(total) * (cols), arr);               \
        for (size_t i = 0; i < n && !c->bad; i++) {                                        \
            double *d_ = (dst_expr);                                                       \
            if (d_) memcpy(d_, arr + (size_t)(lo)[i] * (cols), (size_t)(count_expr) * (cols) * sizeof(double)); \
        }                                                                                  \
    } while (0)
    UNRAG("xred", o.atom, ta, 3, R[i].res.xred ? &R[i].res.xred[0][0] : NULL, R[i].res.natom);
    UNRAG("forces", o.atom, ta, 3, R[i].res.forces ? &R[i].res.forces[0][0] : NULL, R[i].res.natom);
    UNRAG("kpoints_red", o.k, tk, 3, R[i].res.kred ? &R[i].res.kred[0][0] : NULL, R[i].res.nk);
    UNRAG("kweights", o.k, tk, 1, R[i].res.kweight, R[i].res.nk);
    UNRAG("eigenvalues", o.band, tb, 1, R[i].res.eig, (size_t)nspin[i] * R[i].res.nk * R[i].res.nband);
    UNRAG("occupations", o.band, tb, 1, R[i].res.occ, (size_t)nspin[i] * R[i].res.nk * R[i].res.nband);
    if (schema2) {
        UNRAG("eos_volume", o.eos, te, 1, R[i].have_result ? R[i].res.eos_volume : NULL, R[i].res.eos_npoints);
        UNRAG("eos_energy", o.eos, te, 1, R[i].have_result ? R[i].res.eos_energy : NULL, R[i].res.eos_npoints);
    }
#undef UNRAG
    if (!c->bad && dim0(g, "recovery_offset") >= 0) read_recovery(c, g, R, n);
out:
    fu_h5io_free_strs(label, n);
    fu_h5io_free_strs(cause, n);
    fu_h5io_free_strs(msg, n);
    fu_h5io_free_strs(formula, n);
    fu_h5io_free_strs(xc, n);
    fu_h5io_free_strs(smear, n);
    fu_h5io_free_strs(species, (size_t)(species ? ts : 0));
    fu_h5io_free_strs(pspn, (size_t)(pspn ? ts : 0));
    fu_h5io_free_strs(psph, (size_t)(psph ? ts : 0));
    fu_h5io_free_strs(pspp, (size_t)(pspp ? ts : 0));
    fu_h5io_free_strs(pspf, (size_t)(pspf ? ts : 0));
    free(pspv);
    free(ids);
    free(st);
    free(iv);
    free(dv);
    free(arr);
    free(zarr);
    free(natom);
    free(nk);
    free(nband);
    free(nsp);
    free(nspin);
    free(neos);
    fu_h5io_offsets_free(&o);
    H5Gclose(g);
}

static void read_provenance(fu_h5io_ctx *c, hid_t f, fu_results *out) {
    hid_t g = H5Gopen2(f, "provenance", H5P_DEFAULT);
    if (g < 0) {
        fu_h5io_fail(c, FU_EINPUT, "group %s is missing", "provenance");
        return;
    }
    out->sweep = fu_h5io_get_str(c, g, "sweep");
    long long nsw = H5Lexists(g, "sweeps", H5P_DEFAULT) > 0 ? dim0(g, "sweeps") : -1;
    if (nsw > 0 && nsw <= 100000) { /* files before it hold the one sweep */
        out->sweeps = fu_h5io_get_vstr(c, g, "sweeps", (size_t)nsw);
        if (out->sweeps) out->nsweeps = (size_t)nsw;
    } else if (!c->bad && out->sweep && fu_results_add_sweep(out, out->sweep, NULL)) {
        fu_h5io_fail(c, FU_ENOMEM, "out of memory reading %s", "provenance");
    }
    long long m = dim0(g, "runs/time");
    if (m < 0) fu_h5io_fail(c, FU_EINPUT, "dataset %s is missing", "provenance/runs/time");
    size_t nr = m > 0 ? (size_t)m : 0, big = nr ? nr : 1;
    double *dv = calloc(big, sizeof *dv);
    int *iv = calloc(big, sizeof *iv);
    out->runs = calloc(big, sizeof *out->runs);
    if (!dv || !iv || !out->runs) fu_h5io_fail(c, FU_ENOMEM, "out of memory reading %s", "provenance");
    if (!c->bad) {
        out->nruns = nr;
        fu_run_info *R = out->runs;
        fu_h5io_get(c, g, "runs/time", H5T_NATIVE_DOUBLE, nr, dv);
        for (size_t i = 0; i < nr && !c->bad; i++) R[i].time = dv[i];
#define RSTR(name, field)                                                      \
    do {                                                                       \
        char **v_ = fu_h5io_get_vstr(c, g, "runs/" name, nr);                          \
        for (size_t i = 0; v_ && i < nr; i++)                                  \
            snprintf(R[i].field, sizeof R[i].field, "%s", v_[i]);              \
        fu_h5io_free_strs(v_, nr);                                                     \
    } while (0);
#define RINT(name, field)                                                      \
    do {                                                                       \
        fu_h5io_get(c, g, "runs/" name, H5T_NATIVE_INT, nr, iv);                       \
        for (size_t i = 0; i < nr && !c->bad; i++) R[i].field = iv[i];         \
    } while (0);
        FU_H5IO_RUN_INFO_FIELDS(RSTR, RINT)
#undef RSTR
#undef RINT
    }
    free(dv);
    free(iv);
    long long ms = dim0(g, "sources/path");
    size_t ns = ms > 0 ? (size_t)ms : 0;
    out->sources = calloc(ns ? ns : 1, sizeof *out->sources);
    long long *nv = calloc(ns ? ns : 1, sizeof *nv);
    if (!out->sources || !nv) fu_h5io_fail(c, FU_ENOMEM, "out of memory reading %s", "provenance");
    char **p = fu_h5io_get_vstr(c, g, "sources/path", ns), **k = fu_h5io_get_vstr(c, g, "sources/kind", ns),
         **h = fu_h5io_get_vstr(c, g, "sources/sha256", ns);
    fu_h5io_get(c, g, "sources/n_candidates", H5T_NATIVE_LLONG, ns, nv);
    if (!c->bad) {
        out->nsources = ns;
        for (size_t i = 0; i < ns; i++) {
            out->sources[i].path = p[i], p[i] = NULL;
            snprintf(out->sources[i].kind, sizeof out->sources[i].kind, "%s", k[i]);
            snprintf(out->sources[i].sha256, sizeof out->sources[i].sha256, "%s", h[i]);
            out->sources[i].ncand = nv[i] > 0 ? (size_t)nv[i] : 0;
        }
    }
    fu_h5io_free_strs(p, ns);
    fu_h5io_free_strs(k, ns);
    fu_h5io_free_strs(h, ns);
    free(nv);
    H5Gclose(g);
}

int fu_results_read(const char *path, fu_results *out, fu_err *err) {
    memset(out, 0, sizeof *out);
    if (fu_check_regular(path, err)) return FU_EIO; /* HDF5 would block on a FIFO */
    fu_h5io_quiet q = fu_h5io_quiet_begin();
    int rc = FU_OK;
    if (H5Fis_hdf5(path) <= 0) {
        fu_h5io_quiet_end(q);
        return fu_fail(err, FU_EINPUT, "%s: not a furui results file (not an HDF5 file)", path);
    }
    hid_t fapl = fu_h5io_fapl_nolock();
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    H5Pclose(fapl);
    if (f < 0) { /* readable (checked above) and not locked (locking off): damaged content */
        fu_h5io_quiet_end(q);
        return fu_fail(err, FU_EINPUT, "%s: damaged or truncated HDF5 file (HDF5 cannot open it)",
                       path);
    }
    char schema[128];
    long long ver = 0;
    if (fu_h5io_read_attr_str(f, "schema", schema, sizeof schema) != 0)
        rc = fu_fail(err, FU_EINPUT, "%s: not a furui results file (no 'schema' attribute)", path);
    else if (strcmp(schema, FU_RESULTS_SCHEMA) != 0)
        rc = fu_fail(err, FU_EINPUT, "%s: not a furui results file (schema is '%s', expected '%s')",
                     path, schema, FU_RESULTS_SCHEMA);
    else if (fu_h5io_read_attr_i64(f, "schema_version", &ver) != 0)
        rc = fu_fail(err, FU_EINPUT, "%s: results file has no integer 'schema_version' attribute",
                     path);
    else if (ver > FU_RESULTS_SCHEMA_VERSION)
        rc = fu_fail(err, FU_EINPUT, "%s: results schema_version %lld is newer than this furui "
                     "supports (%d); read it with a newer furui", path, ver,
                     FU_RESULTS_SCHEMA_VERSION);
    else if (ver < 1)
        rc = fu_fail(err, FU_EINPUT, "%s: results schema_version %lld is invalid", path, ver);
    if (!rc) {
        out->schema_version = (int)ver;
        fu_h5io_ctx c = {0};
        read_candidates(&c, f, out);
        if (!c.bad) read_provenance(&c, f, out);
        if (c.bad) rc = fu_fail(err, c.code, "%s: %s", path, c.what);
    }
    H5Fclose(f);
    fu_h5io_quiet_end(q);
    if (rc) fu_results_free(out);
    return rc;
}

int fu_results_read_any(const char *path, fu_results *out, fu_store_report *rep, int *is_journal,
                fu_err *err) {
    *is_journal = 0;
    unsigned char head[8] = {0};
    FILE *fp = fu_fopen_regular(path, NULL, err); /* a FIFO would block in open(2) */
    if (!fp) {
        memset(out, 0, sizeof *out);
        return FU_EIO;
    }
    size_t got = fread(head, 1, sizeof head, fp);
    fclose(fp);
    static const unsigned char hdf5_sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    if (got == 8 && memcmp(head, hdf5_sig, 8) == 0) {
        if (rep) memset(rep, 0, sizeof *rep);
        int rc = fu_results_read(path, out, err);
        if (!rc && rep) {
            rep->ncand = out->n;
            fu_store_count_states(out, &rep->ndone, &rep->nfailed, &rep->ninvalid, &rep->nunfinished);
        }
        return rc;
    }
    /* An empty file is an empty journal (killed while being created), but a results file is
       renamed into place only when complete: an empty *.h5 is a lost or truncated copy. */
    size_t l = strlen(path);
    if (got < 8 && ((l >= 3 && !strcmp(path + l - 3, ".h5")) || (l >= 5 && !strcmp(path + l - 5, ".hdf5")))) {
        memset(out, 0, sizeof *out);
        return fu_fail(err, FU_EINPUT, "%s: %s, not an HDF5 results file (truncated copy?)", path,
                       got ? "only a few bytes" : "empty file");
    }
    /* Everything else goes to the journal reader, which names what is wrong. */
    *is_journal = 1;
    return fu_results_from_journal(path, out, rep, err);
}

int fu_results_load(const char *path, fu_results *out, fu_store_report *rep, fu_err *err) {
    int is_journal;
    return fu_results_read_any(path, out, rep, &is_journal, err);
}

