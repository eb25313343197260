/* furui bands INPUT.yaml [-o PREFIX] [--density D] [--dos-width W]
 *
 * SCF (the input's mesh and parameters, keeping the converged potential),
 * then eigenvalues along the Setyawan-Curtarolo path (NSCF, src/dft/nscf.h),
 * band gaps from mesh + path (src/props/bands.h) and the Gaussian DOS of the
 * SCF mesh (src/props/dos.h). Writes PREFIX.bands.json and PREFIX.bands.h5
 * (rank 0, each atomically); prints a summary on stdout. Units: Ha, bohr⁻¹
 * (JSON keys end in the unit, HDF5 datasets carry a "units" attribute). */
#include <hdf5.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/comm.h"
#include "furui_git_version.h"
#include "core/jsonfile.h"
#include "core/h5mem.h"
#include "core/error.h"
#include "core/units.h"
#include "crystal/kpath.h"
#include "dft/nscf.h"
#include "dft/scf.h"
#include "dft/scf_input.h"
#include "props/bands.h"
#include "props/bandstructure.h"
#include "props/dos.h"
#include "app/commands.h"
#include "app/runtime.h"

#define DOS_STEP 0.0005            /* DOS energy grid step, Ha */

typedef struct {
    const fu_structure *s;
    const fu_scf_result *r;
    const fu_kpath *kp;
    const fu_kpath_samples *sm;
    int nb;                 /* path bands */
    const double *pe;       /* [nspin][sm->n][nb] */
    const fu_gap_info *gi;
    int nocc[2];
    double sigma, efermi_dos, dos_ef;
    int ne;
    const double *egrid, *dos, *idos; /* [ne], [nspin][ne] */
    const char *input_path;
} bands_out;

static json_t *jmat(const double *m, int rows, int cols) {
    json_t *a = json_array();
    for (int i = 0; i < rows; i++) {
        json_t *row = json_array();
        for (int j = 0; j < cols; j++) json_array_append_new(row, json_real(m[(size_t)i * cols + j]));
        json_array_append_new(a, row);
    }
    return a;
}

static json_t *jvec(const double *v, int n) {
    json_t *a = json_array();
    for (int i = 0; i < n; i++) json_array_append_new(a, json_real(v[i]));
    return a;
}

static int write_json(const char *path, const bands_out *o, fu_err *err) {
    const fu_scf_result *r = o->r;
    const fu_gap_info *gi = o->gi;
    int ns = r->nspin == 2 ? 2 : 1;
    json_t *j = json_object();
    json_object_set_new(j, "schema", json_string("furui.bands"));
    json_object_set_new(j, "schema_version", json_integer(1));
    json_object_set_new(j, "furui_git", json_string(FURUI_GIT_VERSION));
    json_object_set_new(j, "input", json_string(o->input_path));
    json_object_set_new(j, "units", json_pack("{s:s,s:s,s:s}", "energy", "Ha", "k", "bohr^-1",
                                              "dos", "states/Ha/cell"));
    json_object_set_new(j, "lattice_bohr", jmat(&o->s->lattice[0][0], 3, 3));
    json_object_set_new(j, "nspin", json_integer(ns));
    json_object_set_new(j, "nelec", json_real(r->nelec));
    json_object_set_new(j, "scf_total_energy_ha", json_real(r->etotal));
    json_object_set_new(j, "scf_fermi_level_ha", json_real(r->efermi));
    json_object_set_new(j, "fft_grid", json_pack("[i,i,i]", r->fft[0], r->fft[1], r->fft[2]));
    json_object_set_new(j, "occupied_bands", json_pack("[i,i]", o->nocc[0], o->nocc[1]));
    /* gap */
    json_t *g = json_object();
    json_object_set_new(g, "metal", json_boolean(gi->metal));
    json_object_set_new(g, "vbm_ha", json_real(gi->vbm));
    json_object_set_new(g, "cbm_ha", json_real(gi->cbm));
    json_object_set_new(g, "gap_ha", json_real(gi->gap));
    json_object_set_new(g, "gap_ev", json_real(gi->gap * FU_HA_EV));
    json_object_set_new(g, "direct", json_boolean(gi->direct));
    json_object_set_new(g, "vbm_kred", jvec(gi->vbm_k, 3));
    json_object_set_new(g, "cbm_kred", jvec(gi->cbm_k, 3));
    json_object_set_new(g, "vbm_label", json_string(gi->vbm_label));
    json_object_set_new(g, "cbm_label", json_string(gi->cbm_label));
    json_object_set_new(g, "vbm_spin", json_integer(gi->vbm_spin));
    json_object_set_new(g, "cbm_spin", json_integer(gi->cbm_spin));
    json_object_set_new(g, "direct_gap_ha", json_real(gi->direct_gap));
    json_object_set_new(g, "direct_gap_ev", json_real(gi->direct_gap * FU_HA_EV));
    json_object_set_new(g, "direct_gap_kred", jvec(gi->direct_k, 3));
    json_object_set_new(g, "direct_gap_label", json_string(gi->direct_label));
    json_object_set_new(j, "gap", g);
    /* path */
    json_t *pj = json_object();
    char buf[512];
    fu_kpath_string(o->kp, buf, sizeof buf);
    json_object_set_new(pj, "bravais", json_string(o->kp->bravais));
    json_object_set_new(pj, "variant", json_string(o->kp->variant));
    json_object_set_new(pj, "path", json_string(buf));
    json_object_set_new(pj, "reference", json_string("Setyawan & Curtarolo, Comp. Mat. Sci. 49, 299 (2010)"));
    json_t *sp = json_object();
    for (int i = 0; i < o->kp->npoint; i++) json_object_set_new(sp, o->kp->label[i], jvec(o->kp->kred[i], 3));
    json_object_set_new(pj, "special_points_kred", sp);
    const fu_kpath_samples *sm = o->sm;
    json_object_set_new(pj, "kred", jmat(&sm->kred[0][0], sm->n, 3));
    json_object_set_new(pj, "distance_bohr^-1", jvec(sm->dist, sm->n));
    json_t *lab = json_array(), *brk = json_array();
    for (int i = 0; i < sm->n; i++) {
        json_array_append_new(lab, json_string(sm->special[i] >= 0 ? o->kp->label[sm->special[i]] : ""));
        json_array_append_new(brk, json_boolean(sm->brk[i]));
    }
    json_object_set_new(pj, "labels", lab);
    json_object_set_new(pj, "break_before", brk);
    json_t *pe = json_array();
    for (int s = 0; s < ns; s++) json_array_append_new(pe, jmat(o->pe + (size_t)s * sm->n * o->nb, sm->n, o->nb));
    json_object_set_new(pj, "eigenvalues_ha", pe); /* [spin][k][band] */
    json_object_set_new(j, "path", pj);
    /* mesh */
    json_t *mj = json_object();
    json_object_set_new(mj, "kred", jmat(&r->kred[0][0], r->nk, 3));
    json_object_set_new(mj, "weights", jvec(r->kweight, r->nk));
    json_t *me = json_array();
    for (int s = 0; s < ns; s++) json_array_append_new(me, jmat(r->eig + (size_t)s * r->nk * r->nband, r->nk, r->nband));
    json_object_set_new(mj, "eigenvalues_ha", me);
    json_object_set_new(j, "mesh", mj);
    /* DOS */
    json_t *dj = json_object();
    json_object_set_new(dj, "broadening", json_string("gaussian"));
    json_object_set_new(dj, "sigma_ha", json_real(o->sigma));
    json_object_set_new(dj, "fermi_level_ha", json_real(o->efermi_dos));
    json_object_set_new(dj, "dos_at_fermi_states_per_ha_cell", json_real(o->dos_ef));
    json_object_set_new(dj, "energy_ha", jvec(o->egrid, o->ne));
    json_object_set_new(dj, "dos_states_per_ha_cell", jmat(o->dos, ns, o->ne));
    json_object_set_new(dj, "integrated_dos_electrons", jmat(o->idos, ns, o->ne));
    json_object_set_new(j, "dos", dj);

    int rc = fu_json_write_atomic(j, path, JSON_COMPACT | JSON_REAL_PRECISION(17), err);
    json_decref(j);
    return rc;
}

static int write_h5(const char *path, const bands_out *o, fu_err *err) {
    const fu_scf_result *r = o->r;
    const fu_gap_info *gi = o->gi;
    const fu_kpath_samples *sm = o->sm;
    int ns = r->nspin == 2 ? 2 : 1;
    H5E_auto2_t of;
    void *od;
    H5Eget_auto2(H5E_DEFAULT, &of, &od);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = fu_h5mem_create(path, err); /* in memory: a full disk fails in our writer */
    herr_t st = f < 0 ? -1 : 0;
    if (st >= 0) {
        st |= fu_h5_attr_str(f, "schema", "furui.bands");
        st |= fu_h5_dstr(f, "furui_git", FURUI_GIT_VERSION);
        st |= fu_h5_dstr(f, "input", o->input_path);
        int one = ns;
        st |= fu_h5_dset(f, "nspin", H5T_NATIVE_INT, 0, NULL, &one, NULL);
        hsize_t d33[2] = {3, 3};
        st |= fu_h5_dset(f, "lattice", H5T_NATIVE_DOUBLE, 2, d33, o->s->lattice, "bohr");
        st |= fu_h5_scalar(f, "nelec", r->nelec, "electrons");
        hid_t g = H5Gcreate2(f, "gap", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        int metal = gi->metal, direct = gi->direct;
        st |= fu_h5_dset(g, "metal", H5T_NATIVE_INT, 0, NULL, &metal, NULL);
        st |= fu_h5_dset(g, "direct", H5T_NATIVE_INT, 0, NULL, &direct, NULL);
        st |= fu_h5_scalar(g, "vbm", gi->vbm, "Ha");
        st |= fu_h5_scalar(g, "cbm", gi->cbm, "Ha");
        st |= fu_h5_scalar(g, "gap", gi->gap, "Ha");
        st |= fu_h5_scalar(g, "direct_gap", gi->direct_gap, "Ha");
        hsize_t d3 = 3;
        st |= fu_h5_dset(g, "vbm_kred", H5T_NATIVE_DOUBLE, 1, &d3, gi->vbm_k, "1 (reciprocal lattice)");
        st |= fu_h5_dset(g, "cbm_kred", H5T_NATIVE_DOUBLE, 1, &d3, gi->cbm_k, "1 (reciprocal lattice)");
        st |= fu_h5_dset(g, "direct_gap_kred", H5T_NATIVE_DOUBLE, 1, &d3, gi->direct_k, "1 (reciprocal lattice)");
        st |= fu_h5_dstr(g, "vbm_label", gi->vbm_label);
        st |= fu_h5_dstr(g, "cbm_label", gi->cbm_label);
        st |= fu_h5_dstr(g, "direct_gap_label", gi->direct_label);
        H5Gclose(g);
        hid_t p = H5Gcreate2(f, "path", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        char buf[512];
        fu_kpath_string(o->kp, buf, sizeof buf);
        st |= fu_h5_dstr(p, "path", buf);
        st |= fu_h5_dstr(p, "bravais", o->kp->bravais);
        st |= fu_h5_dstr(p, "variant", o->kp->variant);
        hsize_t dk[2] = {(hsize_t)sm->n, 3}, dn = (hsize_t)sm->n;
        st |= fu_h5_dset(p, "kred", H5T_NATIVE_DOUBLE, 2, dk, sm->kred, "1 (reciprocal lattice)");
        st |= fu_h5_dset(p, "distance", H5T_NATIVE_DOUBLE, 1, &dn, sm->dist, "bohr^-1");
        st |= fu_h5_dset(p, "break_before", H5T_NATIVE_INT, 1, &dn, sm->brk, NULL);
        /* labels: fixed-length UTF-8 strings, "" where not special */
        char *labs = calloc((size_t)sm->n, FU_KPATH_LABEL);
        if (labs) {
            for (int i = 0; i < sm->n; i++)
                if (sm->special[i] >= 0) snprintf(labs + (size_t)i * FU_KPATH_LABEL, FU_KPATH_LABEL, "%s", o->kp->label[sm->special[i]]);
            hid_t t = H5Tcopy(H5T_C_S1);
            H5Tset_size(t, FU_KPATH_LABEL);
            H5Tset_cset(t, H5T_CSET_UTF8);
            st |= fu_h5_dset(p, "labels", t, 1, &dn, labs, NULL);
            H5Tclose(t);
            free(labs);
        } else {
            st = -1;
        }
        hsize_t de[3] = {(hsize_t)ns, (hsize_t)sm->n, (hsize_t)o->nb};
        st |= fu_h5_dset(p, "eigenvalues", H5T_NATIVE_DOUBLE, 3, de, o->pe, "Ha");
        H5Gclose(p);
        hid_t m = H5Gcreate2(f, "mesh", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        hsize_t mk[2] = {(hsize_t)r->nk, 3}, mn = (hsize_t)r->nk;
        hsize_t me[3] = {(hsize_t)ns, (hsize_t)r->nk, (hsize_t)r->nband};
        st |= fu_h5_dset(m, "kred", H5T_NATIVE_DOUBLE, 2, mk, r->kred, "1 (reciprocal lattice)");
        st |= fu_h5_dset(m, "weights", H5T_NATIVE_DOUBLE, 1, &mn, r->kweight, "1");
        st |= fu_h5_dset(m, "eigenvalues", H5T_NATIVE_DOUBLE, 3, me, r->eig, "Ha");
        H5Gclose(m);
        hid_t dg = H5Gcreate2(f, "dos", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        hsize_t ne = (hsize_t)o->ne, dd[2] = {(hsize_t)ns, (hsize_t)o->ne};
        st |= fu_h5_dset(dg, "energy", H5T_NATIVE_DOUBLE, 1, &ne, o->egrid, "Ha");
        st |= fu_h5_dset(dg, "dos", H5T_NATIVE_DOUBLE, 2, dd, o->dos, "states/Ha/cell");
        st |= fu_h5_dset(dg, "integrated_dos", H5T_NATIVE_DOUBLE, 2, dd, o->idos, "electrons/cell");
        st |= fu_h5_scalar(dg, "sigma", o->sigma, "Ha");
        st |= fu_h5_scalar(dg, "fermi_level", o->efermi_dos, "Ha");
        st |= fu_h5_scalar(dg, "dos_at_fermi_level", o->dos_ef, "states/Ha/cell");
        H5Gclose(dg);
    }
    int rc;
    if (st < 0) {
        if (f >= 0) H5Fclose(f);
        rc = fu_fail(err, FU_ELIB, "%s: building the HDF5 file failed", path);
    } else {
        rc = fu_h5mem_commit(f, path, err);
    }
    H5Eset_auto2(H5E_DEFAULT, of, od);
    return rc;
}

int cmd_bands(int argc, char **argv, int rank) {
    app_io_args a = {.cmd = "bands", .what = "input file"};
    double density = FU_BANDS_DENSITY_DEFAULT, sigma = FU_DOS_SIGMA_DEFAULT;
    for (int i = 0; i < argc; i++) {
        const char *bad = NULL;
        char *end = NULL;
        int took = app_io_take(&a, argc, argv, &i, rank);
        if (took < 0) return APP_EXIT_USAGE;
        if (took) continue;
        if (!strcmp(argv[i], "--density") && i + 1 < argc) {
            density = strtod(argv[++i], &end);
            if (*end || !(density > 0)) bad = "--density needs points per bohr^-1 > 0";
        } else if (!strcmp(argv[i], "--dos-width") && i + 1 < argc) {
            sigma = strtod(argv[++i], &end);
            if (*end || !(sigma > 0)) bad = "--dos-width needs a width in Ha > 0";
        } else {
            bad = "unknown option or missing value";
        }
        if (bad) return app_usage_error(rank, a.cmd, bad, argv[i]);
    }
    if (app_io_check(&a, "furui bands INPUT.yaml [-o PREFIX] [--density D] [--dos-width W]", rank))
        return APP_EXIT_USAGE;
    const char *input = a.input, *prefix = a.prefix;
    fu_err err = {0};
    fu_scf_input in;
    int rc = app_scf_input_read(input, &in, rank);
    if (rc) return rc;
    if (!prefix) prefix = in.output_prefix;
    const fu_structure *s = &in.structure;
    const fu_scf_params *p = &in.params;
    fu_scf_opts o;
    fu_scf_opts_default(&o);
    o.keep_fields = 1;
    fu_scf_result r;
    memset(&r, 0, sizeof r);
    fu_bandstructure bs;
    memset(&bs, 0, sizeof bs);
    double *egrid = NULL, *dos = NULL, *idos = NULL;
    rc = fu_scf_run_opts(s, p, &o, MPI_COMM_WORLD, NULL, &r, &err);
    int ns = r.nspin == 2 ? 2 : 1, ne = 0;
    if (!rc) rc = fu_bandstructure_run(s, p, &r, density, MPI_COMM_WORLD, &bs, &err);
    const fu_kpath *kp = &bs.kp;
    const fu_kpath_samples *sm = &bs.sm;
    const fu_gap_info *gi = &bs.gap;
    int nb = bs.nband;
    double efd = 0, gef = 0;
    if (!rc) rc = fu_dos_grid(ns, r.nk, r.nband, r.eig, sigma, DOS_STEP, &egrid, &ne, &err);
    if (!rc) {
        dos = malloc(sizeof(double) * (size_t)ns * ne);
        idos = malloc(sizeof(double) * (size_t)ns * ne);
        if (!dos || !idos) rc = fu_fail(&err, FU_ENOMEM, "bands: out of memory");
    }
    if (!rc) rc = fu_dos_gaussian(ns, r.nk, r.nband, r.eig, r.kweight, sigma, ne, egrid, dos, idos, &err);
    if (!rc) {
        /* insulators: E_F mid-gap (the SCF's is the VBM), so g(E_F) ~ 0 */
        efd = gi->metal ? r.efermi : 0.5 * (gi->vbm + gi->cbm);
        gef = fu_dos_at(ns, r.nk, r.nband, r.eig, r.kweight, sigma, efd);
    }
    if (!rc && rank == 0) {
        bands_out bo = {s, &r, kp, sm, nb, bs.eig, gi, {bs.nocc[0], bs.nocc[1]}, sigma, efd, gef, ne,
                        egrid, dos, idos, input};
        char pj[4200], ph[4200];
        snprintf(pj, sizeof pj, "%s.bands.json", prefix);
        snprintf(ph, sizeof ph, "%s.bands.h5", prefix);
        rc = write_json(pj, &bo, &err);
        if (!rc) rc = write_h5(ph, &bo, &err);
        char path[512];
        fu_kpath_string(kp, path, sizeof path);
        if (!rc) {
            printf("bands: %s (%s %s), %d path points, %d bands, NSCF residual %.1e Ha\n", path,
                   kp->bravais, kp->variant, sm->n, nb, bs.stats.max_residual);
            if (gi->metal)
                printf("bands: metal, E_F %.6f Ha, DOS(E_F) %.4f states/Ha/cell\n", efd, gef);
            else
                printf("bands: gap %.6f Ha = %.4f eV (%s), VBM %.6f Ha at %s (%.4f %.4f %.4f), "
                       "CBM %.6f Ha at %s (%.4f %.4f %.4f), direct gap %.4f eV at %s\n",
                       gi->gap, gi->gap * FU_HA_EV, gi->direct ? "direct" : "indirect", gi->vbm,
                       gi->vbm_label[0] ? gi->vbm_label : "-", gi->vbm_k[0], gi->vbm_k[1], gi->vbm_k[2],
                       gi->cbm, gi->cbm_label[0] ? gi->cbm_label : "-", gi->cbm_k[0], gi->cbm_k[1],
                       gi->cbm_k[2], gi->direct_gap * FU_HA_EV, gi->direct_label[0] ? gi->direct_label : "-");
            printf("bands: wrote %s and %s\n", pj, ph);
        }
    }
    fu_bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (rc && rank == 0) fprintf(stderr, "furui: error: %s\n", err.msg[0] ? err.msg : "bands failed");
    free(egrid);
    free(dos);
    free(idos);
    fu_bandstructure_free(&bs);
    fu_scf_result_free(&r);
    fu_scf_input_free(&in);
    return app_exit_code(rc);
}
