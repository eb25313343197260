/* The results file written (fu_results_write, fu_results_finalize; layout in README.md). */
#include "results/store.h"

#include "core/atomicfile.h"
#include "core/hash.h"
#include "core/h5mem.h"
#include "props/warnings.h"
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

/* ---- writing ------------------------------------------------------------------ */


static int build_offsets(const fu_results *r, fu_h5io_offsets *o) {
    size_t n = r->n;
    o->atom = calloc(n + 1, sizeof(long long));
    o->k = calloc(n + 1, sizeof(long long));
    o->band = calloc(n + 1, sizeof(long long));
    o->species = calloc(n + 1, sizeof(long long));
    o->eos = calloc(n + 1, sizeof(long long));
    if (!o->atom || !o->k || !o->band || !o->species || !o->eos) return -1;
    for (size_t i = 0; i < n; i++) {
        const fu_record *x = &r->rec[i];
        const fu_cand_result *s = &x->res;
        int h = x->have_result;
        o->atom[i + 1] = o->atom[i] + (h ? s->natom : 0);
        o->k[i + 1] = o->k[i] + (h ? s->nk : 0);
        o->band[i + 1] = o->band[i] + (h ? (long long)fu_cand_nspin(s) * s->nk * s->nband : 0);
        o->species[i + 1] = o->species[i] + (h ? s->nspecies : 0);
        o->eos[i + 1] = o->eos[i] + (h ? s->eos_npoints : 0);
    }
    return 0;
}


/* One dataset per field of property p (index in the registry) for the n rows of R: [n],
 * [n, count], or [n, 3, 3] for count 9; ragged fields are written with their offsets by the
 * caller. dv/iv/sv: scratch for n*9 doubles, n*9 ints, n strings. */
static void write_fields(fu_h5io_ctx *c, hid_t g, const fu_property *p, size_t pi, const fu_record *R, size_t n,
                         double *dv, int *iv, const char **sv) {
    for (size_t k = 0; k < p->nfields; k++) {
        const fu_property_field *f = &p->fields[k];
        if (f->count == 0) continue;
        size_t m = f->kind == FU_FIELD_STR ? 1 : (size_t)f->count;
        for (size_t i = 0; i < n; i++) {
            const void *d = R[i].have_result ? fu_property_data(p, pi, &R[i].res) : NULL;
            int has = d && (!f->gated || fu_property_present(p, pi, &R[i].res));
            const char *at = has ? (const char *)d + f->offset : NULL;
            for (size_t e = 0; e < m; e++) {
                if (f->kind == FU_FIELD_F64) dv[m * i + e] = has ? ((const double *)at)[e] : NAN;
                else if (f->kind == FU_FIELD_I32) iv[m * i + e] = has ? ((const int *)at)[e] : f->ifill;
                else sv[i] = has ? at : "";
            }
        }
        if (f->kind == FU_FIELD_STR) {
            fu_h5io_put_vstr(c, g, f->name, n, sv);
        } else if (m == 9) {
            hsize_t d33[3] = {n, 3, 3};
            if (f->kind == FU_FIELD_F64) fu_h5io_put(c, g, f->name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, d33, dv, f->units);
            else fu_h5io_put(c, g, f->name, H5T_STD_I32LE, H5T_NATIVE_INT, 3, d33, iv, NULL);
        } else if (f->kind == FU_FIELD_F64) {
            fu_h5io_put_f64(c, g, f->name, n, (int)m, dv, f->units);
        } else {
            fu_h5io_put_i32(c, g, f->name, n, (int)m, iv);
        }
    }
}

static void write_candidates(fu_h5io_ctx *c, hid_t f, const fu_results *r, const fu_h5io_offsets *o) {
    size_t n = r->n;
    hid_t g = H5Gcreate2(f, "candidates", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) {
        fu_h5io_fail(c, FU_EIO, "group %s", "candidates");
        return;
    }
    size_t big = n ? n : 1;
    char *ids = calloc(big, FU_RECORD_ID_LEN);
    const char **sv = calloc(big, sizeof *sv);
    double *dv = calloc(big * 9, sizeof *dv);
    int *iv = calloc(big * 9, sizeof *iv);
    signed char *st = calloc(big, 1);
    if (!ids || !sv || !dv || !iv || !st) {
        fu_h5io_fail(c, FU_ENOMEM, "out of memory for %s", "candidates");
        goto out;
    }
    const fu_record *R = r->rec;
    for (size_t i = 0; i < n; i++) memcpy(ids + i * FU_RECORD_ID_LEN, R[i].id, FU_RECORD_ID_LEN);
    hid_t it = fu_h5io_id_type();
    hsize_t dn[1] = {n};
    fu_h5io_put(c, g, "id", it, it, 1, dn, ids, NULL);
    H5Tclose(it);
#define STRCOL(name, expr)                                      \
    do {                                                        \
        for (size_t i = 0; i < n; i++) sv[i] = (expr) ? (expr) : ""; \
        fu_h5io_put_vstr(c, g, name, n, sv);                            \
    } while (0)
#define INTCOL(name, expr)                           \
    do {                                             \
        for (size_t i = 0; i < n; i++) iv[i] = (expr); \
        fu_h5io_put_i32(c, g, name, n, 1, iv);               \
    } while (0)
#define F64COL(name, expr, units)                    \
    do {                                             \
        for (size_t i = 0; i < n; i++) dv[i] = (expr); \
        fu_h5io_put_f64(c, g, name, n, 1, dv, units);        \
    } while (0)
    STRCOL("label", R[i].label);
    for (size_t i = 0; i < n; i++) st[i] = (signed char)R[i].state;
    hid_t et = fu_h5io_state_type();
    fu_h5io_put(c, g, "state", et, et, 1, dn, st, NULL);
    H5Tclose(et);
    INTCOL("final", R[i].final);
    INTCOL("attempts", R[i].attempt);
    INTCOL("group", R[i].group);
    F64COL("time_start", R[i].time_start, "s since 1970-01-01T00:00:00Z");
    F64COL("time_end", R[i].time_end, "s since 1970-01-01T00:00:00Z");
    STRCOL("cause", R[i].cause);
    STRCOL("message", R[i].message);
    {
        /* the warnings of each candidate (props/warnings.h), taken from its message, where the
         * journal keeps them: journals and results files written before this column read as
         * before, and their warnings are found the same way */
        enum { WLEN = 2048 };
        char *wb = calloc(big, WLEN);
        if (!wb) {
            fu_h5io_fail(c, FU_ENOMEM, "out of memory for %s", "warnings");
        } else {
            for (size_t i = 0; i < n; i++) fu_warn_extract(R[i].message, wb + i * WLEN, WLEN);
            STRCOL("warnings", wb + i * WLEN);
            free(wb);
        }
    }
    INTCOL("have_result", R[i].have_result);
    /* timings and the recovery ladder (added to schema version 1; older files lack them) */
    F64COL("engine_seconds", R[i].engine_seconds, "s");
    F64COL("io_seconds", R[i].io_seconds, "s");
    INTCOL("settings_changed", R[i].settings_changed);
    { /* the stage of a staged sweep (campaign/stages.h): only in files that have one */
        int staged = 0;
        for (size_t i = 0; i < n; i++) staged |= R[i].stage > 0;
        if (staged) {
            INTCOL("stage_index", R[i].stage);
            STRCOL("stage", R[i].stage_name);
            STRCOL("stage_root", R[i].stage_root);
        }
    }
    { /* the group each candidate ran on (layout records, campaign/farm.h): only in files that have one */
        int any = 0;
        for (size_t i = 0; i < n; i++) any |= R[i].ranks > 0;
        if (any) {
            INTCOL("ranks", R[i].ranks);
            INTCOL("k_groups", R[i].npk);
            INTCOL("band_ranks", R[i].npb);
        }
        int fft = 0; /* FFT ranks (dft/bandpar.h): a column only where any ran with them */
        for (size_t i = 0; i < n; i++) fft |= R[i].npg > 1;
        if (fft) INTCOL("fft_ranks", R[i].npg > 1 ? R[i].npg : 1);
    }
    {
        long long *ro = calloc(n + 1, sizeof *ro);
        size_t tot = 0;
        for (size_t i = 0; ro && i < n; i++) ro[i + 1] = ro[i] + R[i].nrungs;
        if (ro) tot = (size_t)ro[n];
        const char **rs = calloc(tot ? tot : 1, sizeof *rs);
        int *ri = calloc(tot ? tot : 1, sizeof *ri);
        double *rd = calloc(tot ? tot : 1, sizeof *rd);
        if (!ro || !rs || !ri || !rd) {
            fu_h5io_fail(c, FU_ENOMEM, "out of memory for %s", "recovery");
        } else {
            fu_h5io_put_i64(c, g, "recovery_offset", n + 1, ro);
#define RUNGCOL(put_call, field)                                                         \
    do {                                                                                 \
        for (size_t i = 0; i < n; i++)                                                   \
            for (int q = 0; q < R[i].nrungs; q++) field;                                 \
        put_call;                                                                        \
    } while (0)
            RUNGCOL(fu_h5io_put_vstr(c, g, "recovery_rung", tot, rs),
                    rs[ro[i] + q] = R[i].rungs[q].rung ? R[i].rungs[q].rung : "");
            RUNGCOL(fu_h5io_put_vstr(c, g, "recovery_outcome", tot, rs),
                    rs[ro[i] + q] = R[i].rungs[q].outcome ? R[i].rungs[q].outcome : "");
            RUNGCOL(fu_h5io_put_vstr(c, g, "recovery_message", tot, rs),
                    rs[ro[i] + q] = R[i].rungs[q].message ? R[i].rungs[q].message : "");
            RUNGCOL(fu_h5io_put_i32(c, g, "recovery_iterations", tot, 1, ri), ri[ro[i] + q] = R[i].rungs[q].iterations);
            RUNGCOL(fu_h5io_put_f64(c, g, "recovery_seconds", tot, 1, rd, "s"), rd[ro[i] + q] = R[i].rungs[q].seconds);
#undef RUNGCOL
        }
        free(ro);
        free(rs);
        free(ri);
        free(rd);
    }

    /* Result columns: NaN (floats), the field's fill (integers) or "" where have_result = 0, or
     * where a gated field's property was not computed; one column per field of every built-in
     * property (props/property.h), in registry order */
    size_t nreg;
    const fu_property *const *reg = fu_property_registry(&nreg);
    for (size_t p = 0; p < nreg; p++)
        if (reg[p]->inline_block) write_fields(c, g, reg[p], p, R, n, dv, iv, sv);
    F64COL("energy/total_per_atom",
           R[i].have_result && R[i].res.natom > 0 ? R[i].res.etotal / R[i].res.natom : NAN,
           "Ha/atom");
    INTCOL("natom", R[i].have_result ? R[i].res.natom : 0);
    INTCOL("nk", R[i].have_result ? R[i].res.nk : 0);
    INTCOL("nband", R[i].have_result ? R[i].res.nband : 0);
    INTCOL("nspecies", R[i].have_result ? R[i].res.nspecies : 0);
    STRCOL("formula", R[i].have_result ? R[i].res.formula : "");
    STRCOL("xc", R[i].have_result ? R[i].res.xc : "");
    STRCOL("smearing", R[i].have_result ? R[i].res.smearing : "");
    /* schema 2: spin */
    INTCOL("nspin", R[i].have_result ? fu_cand_nspin(&R[i].res) : 0);
    /* block properties: a group each, with `present` and one dataset per field */
    for (size_t p = 0; p < nreg; p++)
        if (!reg[p]->inline_block) {
            int any = 0;
            for (size_t i = 0; i < n; i++) any |= R[i].have_result && R[i].res.block[p] != NULL;
            if (!any) continue; /* files of campaigns without it stay as they were */
            hid_t gp = H5Gcreate2(g, reg[p]->name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
            if (gp < 0) {
                fu_h5io_fail(c, FU_EIO, "group candidates/%s", reg[p]->name);
                continue;
            }
            fu_h5io_attr_str(c, gp, "description", reg[p]->description ? reg[p]->description : "");
            for (size_t i = 0; i < n; i++) iv[i] = R[i].have_result && R[i].res.block[p] != NULL;
            fu_h5io_put_i32(c, gp, "present", n, 1, iv);
            write_fields(c, gp, reg[p], p, R, n, dv, iv, sv);
            H5Gclose(gp);
        }

    /* Ragged per-atom / per-k / per-band / per-species arrays. */
    fu_h5io_put_i64(c, g, "atom_offset", n + 1, o->atom);
    fu_h5io_put_i64(c, g, "k_offset", n + 1, o->k);
    fu_h5io_put_i64(c, g, "band_offset", n + 1, o->band);
    fu_h5io_put_i64(c, g, "species_offset", n + 1, o->species);
    fu_h5io_put_i64(c, g, "eos_offset", n + 1, o->eos);
    size_t na = (size_t)o->atom[n], nk = (size_t)o->k[n], nb = (size_t)o->band[n],
           ns = (size_t)o->species[n], ne = (size_t)o->eos[n];
    size_t need = na * 3 > nk * 3 ? na * 3 : nk * 3;
    if (nb > need) need = nb;
    if (ne > need) need = ne;
    double *arr = calloc(need ? need : 1, sizeof *arr);
    int *zarr = calloc(na ? na : 1, sizeof *zarr);
    const char **sarr = calloc(ns ? ns : 1, sizeof *sarr);
    if (!arr || !zarr || !sarr) {
        fu_h5io_fail(c, FU_ENOMEM, "out of memory for %s", "candidates arrays");
    } else {
        for (size_t i = 0; i < n; i++)
            if (R[i].have_result)
                for (int a = 0; a < R[i].res.natom; a++) zarr[o->atom[i] + a] = R[i].res.atomic_number[a];
        fu_h5io_put_i32(c, g, "atomic_numbers", na, 1, zarr);
#define RAGGED(name, lo, count, cols, src, units)                                           \
    do {                                                                                   \
        for (size_t i = 0; i < n; i++) {                                                   \
            if (!R[i].have_result) continue;                                               \
            size_t m_ = (size_t)(count) * (cols);                                          \
            const double *s_ = (src);                                                      \
            for (size_t q = 0; q < m_; q++) arr[(size_t)(lo)[i] * (cols) + q] = s_ ? s_[q] : NAN; \
        }                                                                                  \
        fu_h5io_put_f64(c, g, name, (size_t)(lo)[n], cols, arr, units);                            \
    } while (0)
        RAGGED("xred", o->atom, R[i].res.natom, 3, R[i].res.xred ? &R[i].res.xred[0][0] : NULL,
               "1 (fractional)");
        RAGGED("forces", o->atom, R[i].res.natom, 3,
               R[i].res.have_forces && R[i].res.forces ? &R[i].res.forces[0][0] : NULL, "Ha/bohr");
        RAGGED("kpoints_red", o->k, R[i].res.nk, 3, R[i].res.kred ? &R[i].res.kred[0][0] : NULL,
               "1 (reciprocal lattice)");
        RAGGED("kweights", o->k, R[i].res.nk, 1, R[i].res.kweight, "1");
        /* [nspin][nk][nband] per candidate, spin up first */
        RAGGED("eigenvalues", o->band, (size_t)fu_cand_nspin(&R[i].res) * R[i].res.nk * R[i].res.nband, 1,
               R[i].res.eig, "Ha");
        RAGGED("occupations", o->band, (size_t)fu_cand_nspin(&R[i].res) * R[i].res.nk * R[i].res.nband, 1,
               R[i].res.occ, "electrons");
        RAGGED("eos_volume", o->eos, R[i].res.eos_npoints, 1, R[i].res.eos_volume, "bohr^3");
        RAGGED("eos_energy", o->eos, R[i].res.eos_npoints, 1, R[i].res.eos_energy, "Ha");
#undef RAGGED
#define SPCOL(name, field)                                                            \
    do {                                                                              \
        for (size_t i = 0; i < n; i++)                                                \
            if (R[i].have_result)                                                     \
                for (int s = 0; s < R[i].res.nspecies; s++)                           \
                    sarr[o->species[i] + s] = R[i].res.field[s];                      \
        fu_h5io_put_vstr(c, g, name, ns, sarr);                                               \
    } while (0)
        SPCOL("species", species);
        SPCOL("pseudopotential", psp_name);
        SPCOL("pseudopotential_sha256", psp_sha256);
#undef SPCOL
        /* what the engine read per species (journal version 4; "" and 0 where unknown) */
        double *pv = calloc(ns ? 4 * ns : 1, sizeof *pv);
        const char **fmt = calloc(ns ? ns : 1, sizeof *fmt);
        if (!pv || !fmt) {
            fu_h5io_fail(c, FU_ENOMEM, "out of memory for %s", "pseudopotential columns");
        } else {
            for (size_t i = 0; i < n; i++)
                if (R[i].have_result)
                    for (int s = 0; s < R[i].res.nspecies; s++) {
                        static const fu_cand_psp unknown;
                        const fu_cand_psp *q = R[i].res.psp ? &R[i].res.psp[s] : &unknown;
                        size_t k = o->species[i] + (size_t)s;
                        sarr[k] = q->path;
                        fmt[k] = q->format;
                        pv[k] = q->valence;
                        memcpy(pv + ns + 3 * k, q->hints, sizeof q->hints);
                    }
            fu_h5io_put_vstr(c, g, "pseudopotential_path", ns, sarr);
            fu_h5io_put_vstr(c, g, "pseudopotential_format", ns, fmt);
            fu_h5io_put_f64(c, g, "pseudopotential_valence", ns, 1, pv, "electrons");
            fu_h5io_put_f64(c, g, "pseudopotential_cutoff_hints", ns, 3, pv + ns, "Ha (low, normal, high; 0 unknown)");
        }
        free(pv);
        free(fmt);
    }
    free(arr);
    free(zarr);
    free(sarr);

    /* The failures table: failed and invalid candidates only. */
    {
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (R[i].state == FU_RECORD_FAILED || R[i].state == FU_RECORD_INVALID) m++;
        hid_t gf = H5Gcreate2(f, "failures", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (gf < 0) {
            fu_h5io_fail(c, FU_EIO, "group %s", "failures");
        } else {
            const fu_record **F = calloc(m ? m : 1, sizeof *F);
            if (!F) {
                fu_h5io_fail(c, FU_ENOMEM, "out of memory for %s", "failures");
            } else {
                size_t j = 0;
                for (size_t i = 0; i < n; i++)
                    if (R[i].state == FU_RECORD_FAILED || R[i].state == FU_RECORD_INVALID) F[j++] = &R[i];
                for (size_t i = 0; i < m; i++) memcpy(ids + i * FU_RECORD_ID_LEN, F[i]->id, FU_RECORD_ID_LEN);
                hsize_t dm[1] = {m};
                hid_t it2 = fu_h5io_id_type();
                fu_h5io_put(c, gf, "id", it2, it2, 1, dm, ids, NULL);
                H5Tclose(it2);
                for (size_t i = 0; i < m; i++) st[i] = (signed char)F[i]->state;
                hid_t et2 = fu_h5io_state_type();
                fu_h5io_put(c, gf, "state", et2, et2, 1, dm, st, NULL);
                H5Tclose(et2);
                for (size_t i = 0; i < m; i++) sv[i] = F[i]->label ? F[i]->label : "";
                fu_h5io_put_vstr(c, gf, "label", m, sv);
                for (size_t i = 0; i < m; i++) sv[i] = F[i]->cause ? F[i]->cause : "";
                fu_h5io_put_vstr(c, gf, "cause", m, sv);
                for (size_t i = 0; i < m; i++) sv[i] = F[i]->message ? F[i]->message : "";
                fu_h5io_put_vstr(c, gf, "message", m, sv);
                for (size_t i = 0; i < m; i++) iv[i] = F[i]->attempt;
                fu_h5io_put_i32(c, gf, "attempts", m, 1, iv);
                for (size_t i = 0; i < m; i++) iv[i] = F[i]->final;
                fu_h5io_put_i32(c, gf, "final", m, 1, iv);
                free(F);
            }
            H5Gclose(gf);
        }
    }
#undef STRCOL
#undef INTCOL
#undef F64COL
out:
    free(ids);
    free(sv);
    free(dv);
    free(iv);
    free(st);
    H5Gclose(g);
}


static void write_provenance(fu_h5io_ctx *c, hid_t f, const fu_results *r) {
    hid_t g = H5Gcreate2(f, "provenance", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) {
        fu_h5io_fail(c, FU_EIO, "group %s", "provenance");
        return;
    }
    /* Scalars describe the first session; runs/ lists every session. */
    fu_run_info none;
    memset(&none, 0, sizeof none);
    const fu_run_info *r0 = r->nruns ? &r->runs[0] : &none;
    double t0 = 0, t1 = 0;
    for (size_t i = 0; i < r->nruns; i++) {
        if (r->runs[i].time > 0 && (t0 == 0 || r->runs[i].time < t0)) t0 = r->runs[i].time;
        if (r->runs[i].time > t1) t1 = r->runs[i].time;
    }
    for (size_t i = 0; i < r->n; i++) {
        double te = r->rec[i].time_end;
        if (te > t1) t1 = te;
        if (r->rec[i].time_start > 0 && (t0 == 0 || r->rec[i].time_start < t0)) t0 = r->rec[i].time_start;
    }
    char b0[32], b1[32], bw[32], hv[64], sweep_hex[FU_SHA256_HEX_LEN];
    fu_store_iso_utc(t0, b0);
    fu_store_iso_utc(t1, b1);
    unsigned maj, min, rel;
    H5get_libversion(&maj, &min, &rel);
    snprintf(hv, sizeof hv, "%u.%u.%u", maj, min, rel);
    const char *sweep = r->sweep ? r->sweep : "";
    if (fu_sha256_hex(sweep, strlen(sweep), sweep_hex, NULL)) sweep_hex[0] = '\0';
    fu_h5io_put_str(c, g, "code_version", r0->code_version);
    fu_h5io_put_str(c, g, "git_version", r0->git_version);
    fu_h5io_put_str(c, g, "build_type", r0->build_type);
    fu_h5io_put_str(c, g, "mpi_library", r0->mpi_library);
    fu_h5io_put_str(c, g, "hdf5_version", hv);
    fu_h5io_put_str(c, g, "host", r0->host);
    fu_h5io_put_scalar_i32(c, g, "ranks", r0->ranks);
    fu_h5io_put_scalar_i32(c, g, "group_size", r0->group_size);
    fu_h5io_put_scalar_i32(c, g, "shard_index", r0->shard_index);
    fu_h5io_put_scalar_i32(c, g, "shard_count", r0->shard_count);
    fu_h5io_put_str(c, g, "sweep", sweep);
    fu_h5io_put_str(c, g, "sweep_sha256", sweep_hex);
    /* every sweep of the campaign (merged from several), the first as above */
    if (r->nsweeps) fu_h5io_put_vstr(c, g, "sweeps", r->nsweeps, (const char **)r->sweeps);
    fu_h5io_put_scalar_f64(c, g, "start_time", t0, "s since 1970-01-01T00:00:00Z");
    fu_h5io_put_scalar_f64(c, g, "end_time", t1, "s since 1970-01-01T00:00:00Z");
    fu_h5io_put_str(c, g, "start_time_utc", b0);
    fu_h5io_put_str(c, g, "end_time_utc", b1);

    fu_run_info me;
    fu_run_info_local(&me);
    fu_store_iso_utc(me.time, bw);
    fu_h5io_put_str(c, g, "written_by/code_version", me.code_version);
    fu_h5io_put_str(c, g, "written_by/git_version", me.git_version);
    fu_h5io_put_str(c, g, "written_by/build_type", me.build_type);
    fu_h5io_put_str(c, g, "written_by/mpi_library", me.mpi_library);
    fu_h5io_put_str(c, g, "written_by/hdf5_version", hv);
    fu_h5io_put_str(c, g, "written_by/host", me.host);
    fu_h5io_put_str(c, g, "written_by/time_utc", bw);

    size_t m = r->nruns, big = m ? m : 1;
    const char **sv = calloc(big, sizeof *sv);
    double *dv = calloc(big, sizeof *dv);
    int *iv = calloc(big, sizeof *iv);
    char (*ts)[32] = calloc(big, sizeof *ts);
    if (!sv || !dv || !iv || !ts) {
        fu_h5io_fail(c, FU_ENOMEM, "out of memory for %s", "provenance/runs");
    } else {
        const fu_run_info *R = r->runs;
        for (size_t i = 0; i < m; i++) dv[i] = R[i].time;
        fu_h5io_put_f64(c, g, "runs/time", m, 1, dv, "s since 1970-01-01T00:00:00Z");
        for (size_t i = 0; i < m; i++) fu_store_iso_utc(R[i].time, ts[i]), sv[i] = ts[i];
        fu_h5io_put_vstr(c, g, "runs/time_utc", m, sv);
#define RSTR(name, field)                              \
    do {                                               \
        for (size_t i = 0; i < m; i++) sv[i] = R[i].field; \
        fu_h5io_put_vstr(c, g, "runs/" name, m, sv);           \
    } while (0);
#define RINT(name, field)                              \
    do {                                               \
        for (size_t i = 0; i < m; i++) iv[i] = R[i].field; \
        fu_h5io_put_i32(c, g, "runs/" name, m, 1, iv);         \
    } while (0);
        FU_H5IO_RUN_INFO_FIELDS(RSTR, RINT)
#undef RSTR
#undef RINT
    }
    free(sv);
    free(dv);
    free(iv);
    free(ts);

    size_t ns = r->nsources;
    const char **sp = calloc(ns ? ns : 1, sizeof *sp);
    long long *nv = calloc(ns ? ns : 1, sizeof *nv);
    if (!sp || !nv) {
        fu_h5io_fail(c, FU_ENOMEM, "out of memory for %s", "provenance/sources");
    } else {
        const fu_results_source *S = r->sources;
        for (size_t i = 0; i < ns; i++) sp[i] = S[i].path ? S[i].path : "";
        fu_h5io_put_vstr(c, g, "sources/path", ns, sp);
        for (size_t i = 0; i < ns; i++) sp[i] = S[i].kind;
        fu_h5io_put_vstr(c, g, "sources/kind", ns, sp);
        for (size_t i = 0; i < ns; i++) sp[i] = S[i].sha256;
        fu_h5io_put_vstr(c, g, "sources/sha256", ns, sp);
        for (size_t i = 0; i < ns; i++) nv[i] = (long long)S[i].ncand;
        fu_h5io_put_i64(c, g, "sources/n_candidates", ns, nv);
    }
    free(sp);
    free(nv);
    H5Gclose(g);
}

int fu_results_write(const char *path, const fu_results *res, fu_err *err) {
    for (size_t i = 1; i < res->n; i++)
        if (strcmp(res->rec[i - 1].id, res->rec[i].id) >= 0)
            return fu_fail(err, FU_EINTERNAL, "%s: candidate rows not strictly ascending by id at "
                           "%s", path, res->rec[i].id);
    int rc = FU_OK;
    fu_h5io_offsets o = {0};
    if (build_offsets(res, &o)) {
        fu_h5io_offsets_free(&o);
        return fu_fail(err, FU_ENOMEM, "%s: out of memory", path);
    }
    fu_h5io_quiet q = fu_h5io_quiet_begin();
    fu_h5io_ctx c = {0};
    /* Built in memory and written by furui's atomic writer (core/h5mem.h):
     * HDF5 1.10 crashes at exit after a write error inside H5Fclose (a full
     * disk), so no disk write may happen inside HDF5. */
    hid_t f = fu_h5mem_create(path, err);
    if (f < 0) {
        fu_h5io_quiet_end(q);
        fu_h5io_offsets_free(&o);
        return err ? err->code : FU_ELIB;
    }
    size_t nd, nf, ni, nu;
    fu_store_count_states(res, &nd, &nf, &ni, &nu);
    char created[32];
    fu_store_iso_utc(fu_store_now(), created);
    fu_h5io_attr_str(&c, f, "schema", FU_RESULTS_SCHEMA);
    fu_h5io_attr_i64(&c, f, "schema_version", FU_RESULTS_SCHEMA_VERSION);
    fu_h5io_attr_str(&c, f, "created_utc", created);
    fu_h5io_attr_i64(&c, f, "n_candidates", (long long)res->n);
    fu_h5io_attr_i64(&c, f, "n_done", (long long)nd);
    fu_h5io_attr_i64(&c, f, "n_failed", (long long)nf);
    fu_h5io_attr_i64(&c, f, "n_invalid", (long long)ni);
    fu_h5io_attr_i64(&c, f, "n_unfinished", (long long)nu);
    fu_h5io_attr_str(&c, f, "description",
             "furui screening results: one row per candidate in /candidates (ascending id); "
             "layout in furui's src/results/README.md");
    if (!c.bad) write_candidates(&c, f, res, &o);
    if (!c.bad) write_provenance(&c, f, res);
    fu_h5io_offsets_free(&o);
    if (c.bad) {
        H5Fclose(f); /* in memory: nothing to flush */
        fu_h5io_quiet_end(q);
        if (c.code == FU_ENOMEM) return fu_fail(err, FU_ENOMEM, "%s: %s", path, c.what);
        return fu_fail(err, FU_ELIB, "%s: building the HDF5 file failed at %s", path, c.what);
    }
    rc = fu_h5mem_commit(f, path, err); /* closes f; a full disk is its write error */
    fu_h5io_quiet_end(q);
    if (!rc && fu_store_sync_parent_dir(path) != 0)
        rc = fu_fail(err, FU_EIO, "%s: cannot sync its directory: %s", path, strerror(errno));
    return rc;
}

int fu_results_finalize(const char *journal_path, const char *results_path, fu_store_report *rep,
                        fu_err *err) {
    fu_results r;
    int rc = fu_results_from_journal(journal_path, &r, rep, err);
    if (rc) return rc;
    rc = fu_results_write(results_path, &r, err);
    fu_results_free(&r);
    return rc;
}

