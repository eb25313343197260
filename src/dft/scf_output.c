#include "furui_git_version.h"
#include "dft/scf_output.h"

#include <hdf5.h>
#include <jansson.h>
#include <string.h>

#include "core/jsonfile.h"
#include "core/h5mem.h"
#include "core/units.h"

static json_t *vec3(const double v[3]) {
    json_t *a = json_array();
    for (int i = 0; i < 3; i++) json_array_append_new(a, json_real(v[i]));
    return a;
}

static json_t *mat(const double *m, int rows, int cols) {
    json_t *a = json_array();
    for (int i = 0; i < rows; i++) {
        json_t *row = json_array();
        for (int j = 0; j < cols; j++) json_array_append_new(row, json_real(m[i * cols + j]));
        json_array_append_new(a, row);
    }
    return a;
}

/* [nspin][nk][nband] -> nested arrays, with the spin axis only when nspin 2 */
static json_t *bands_json(const double *v, int nspin, int nk, int nband) {
    if (nspin != 2) return mat(v, nk, nband);
    json_t *a = json_array();
    for (int sp = 0; sp < 2; sp++) json_array_append_new(a, mat(v + (size_t)sp * nk * nband, nk, nband));
    return a;
}

static json_t *structure_json(const fu_structure *s) {
    json_t *o = json_object();
    json_object_set_new(o, "lattice_bohr", mat(&s->lattice[0][0], 3, 3));
    json_t *sp = json_array();
    for (int i = 0; i < s->nspecies; i++) json_array_append_new(sp, json_string(s->symbol[i]));
    json_object_set_new(o, "species", sp);
    json_t *at = json_array();
    for (int a = 0; a < s->natom; a++) json_array_append_new(at, json_string(s->symbol[s->typat[a]]));
    json_object_set_new(o, "atoms", at);
    json_object_set_new(o, "xred", mat(&s->xred[0][0], s->natom, 3));
    char formula[256];
    fu_structure_formula_reduced(s, formula, sizeof formula);
    json_object_set_new(o, "chemical_formula_reduced", json_string(formula));
    return o;
}

int fu_scf_write_json(const char *path, const fu_structure *s, const fu_scf_params *p,
                      const fu_scf_result *r, const char *input_path, const char *input_text,
                      int nwarn, const char *const *warn, fu_err *err) {
    json_t *o = json_object();
    json_object_set_new(o, "schema", json_string(FU_SCF_SCHEMA));
    json_object_set_new(o, "schema_version", json_integer(FU_SCF_SCHEMA_VERSION));
    json_object_set_new(o, "furui_version", json_string(FURUI_VERSION));
    json_object_set_new(o, "furui_git", json_string(FURUI_GIT_VERSION));
    json_object_set_new(o, "units", json_pack("{s:s,s:s,s:s,s:s,s:s}", "energy", "Ha", "length",
                                              "bohr", "force", "Ha/bohr", "stress",
                                              "Ha/bohr^3 (positive = tensile)", "volume", "bohr^3"));
    json_object_set_new(o, "converged", json_boolean(r->converged));
    json_object_set_new(o, "structure", structure_json(s));
    json_object_set_new(o, "volume_bohr3", json_real(r->volume));
    json_t *par = json_object();
    json_object_set_new(par, "xc", json_string(r->xc_names));
    json_object_set_new(par, "ecut_ha", json_real(p->ecut));
    json_object_set_new(par, "kgrid", json_pack("[i,i,i]", p->kgrid[0], p->kgrid[1], p->kgrid[2]));
    json_object_set_new(par, "kshift", vec3(p->kshift));
    json_object_set_new(par, "fft_grid", json_pack("[i,i,i]", r->fft[0], r->fft[1], r->fft[2]));
    json_object_set_new(par, "nband", json_integer(r->nband));
    json_object_set_new(par, "smearing", json_string(fu_smearing_name(p->smearing)));
    json_object_set_new(par, "smearing_width_ha", json_real(p->tsmear));
    json_object_set_new(par, "tol_energy_ha", json_real(p->tol_energy));
    json_object_set_new(par, "tol_density", json_real(p->tol_density));
    json_object_set_new(par, "nspin", json_integer(r->nspin == 2 ? 2 : 1));
    if (p->protocol[0]) json_object_set_new(par, "protocol", json_string(p->protocol));
    if (r->nspin == 2) {
        json_t *mom = json_object();
        for (int sp = 0; sp < s->nspecies; sp++)
            json_object_set_new(mom, s->symbol[sp], json_real(p->spin_moment[sp]));
        json_object_set_new(par, "initial_moments_mub", mom);
    }
    json_object_set_new(o, "parameters", par);
    json_t *psps = json_array();
    for (int sp = 0; sp < r->nspecies; sp++) {
        json_t *q = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:f,s:b}", "element", s->symbol[sp],
                              "name", r->psp_names[sp], "path", r->psp_paths[sp], "sha256",
                              r->psp_sha256[sp], "functional", r->psp_functional[sp], "format",
                              r->psp_format[sp], "valence", r->psp_valence[sp], "core_correction",
                              r->psp_core[sp]);
        if (r->psp_hints[sp][1] > 0)
            json_object_set_new(q, "cutoff_hints_ha",
                                json_pack("{s:f,s:f,s:f}", "low", r->psp_hints[sp][0], "normal",
                                          r->psp_hints[sp][1], "high", r->psp_hints[sp][2]));
        json_array_append_new(psps, q);
    }
    json_object_set_new(o, "pseudopotentials", psps);
    json_t *en = json_object();
    json_object_set_new(en, "total", json_real(r->etotal));
    json_object_set_new(en, "total_per_atom", json_real(r->etotal / r->natom));
    for (int t = 0; t < FU_ENERGY_NTERMS; t++)
        json_object_set_new(en, fu_energy_terms[t].name, json_real(r->energy[t]));
    json_object_set_new(o, "energy_ha", en);
    json_object_set_new(o, "fermi_level_ha", json_real(r->efermi));
    json_object_set_new(o, "band_gap",
                        json_pack("{s:f,s:b,s:f,s:f,s:i,s:i}", "value_ha", r->gap, "direct",
                                  r->gap_direct, "vbm_ha", r->vbm_k >= 0 ? r->vbm : 0.0, "cbm_ha",
                                  r->cbm_k >= 0 ? r->cbm : 0.0, "vbm_k", r->vbm_k, "cbm_k",
                                  r->cbm_k));
    json_object_set_new(o, "kpoints_red", mat(&r->kred[0][0], r->nk, 3));
    json_t *kw = json_array();
    for (int k = 0; k < r->nk; k++) json_array_append_new(kw, json_real(r->kweight[k]));
    json_object_set_new(o, "kweights", kw);
    /* nspin 2: a leading spin axis [up, down]; occupations then at most 1 */
    json_object_set_new(o, "eigenvalues_ha", bands_json(r->eig, r->nspin, r->nk, r->nband));
    json_object_set_new(o, "occupations", bands_json(r->occ, r->nspin, r->nk, r->nband));
    json_object_set_new(o, "nspin", json_integer(r->nspin == 2 ? 2 : 1));
    if (r->nspin == 2) {
        json_object_set_new(o, "magnetization_mub", json_real(r->magnetization));
        json_object_set_new(o, "abs_magnetization_mub", json_real(r->abs_magnetization));
    }
    if (r->have_forces) {
        json_object_set_new(o, "forces_ha_bohr", mat(&r->forces[0][0], r->natom, 3));
        json_object_set_new(o, "net_force_removed_ha_bohr", vec3(r->net_force));
    }
    if (r->have_stress) {
        json_object_set_new(o, "stress_ha_bohr3", mat(&r->stress[0][0], 3, 3));
        double pr = -(r->stress[0][0] + r->stress[1][1] + r->stress[2][2]) / 3.0;
        json_object_set_new(o, "pressure_gpa", json_real(pr * FU_HA_BOHR3_GPA));
    }
    json_t *scf = json_object();
    json_object_set_new(scf, "iterations", json_integer(r->iterations));
    json_object_set_new(scf, "last_denergy_ha", json_real(r->last_denergy));
    json_object_set_new(scf, "last_drho", json_real(r->last_drho));
    json_t *he = json_array(), *hd = json_array();
    for (int i = 0; i < r->iterations && i < FU_SCF_MAXHIST; i++) {
        json_array_append_new(he, json_real(r->history_etotal[i]));
        json_array_append_new(hd, json_real(r->history_drho[i]));
    }
    json_object_set_new(scf, "history_etotal_ha", he);
    json_object_set_new(scf, "history_drho", hd);
    json_object_set_new(o, "scf", scf);
    json_object_set_new(o, "nsym", json_integer(r->nsym));
    json_object_set_new(o, "spacegroup_number", json_integer(r->spacegroup_number));
    json_object_set_new(o, "wall_seconds", json_real(r->wall_seconds));
    json_object_set_new(o, "profile_seconds",
                        json_pack("{s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f}", "setup", r->profile.setup, "local",
                                  r->profile.local, "nonlocal", r->profile.nonlocal, "eigensolver",
                                  r->profile.eigensolver, "density", r->profile.density, "potential",
                                  r->profile.potential, "mixing", r->profile.mixing, "forces_stress",
                                  r->profile.forces_stress, "other", r->profile.other));
    json_t *wl = json_array();
    for (int i = 0; i < nwarn; i++) json_array_append_new(wl, json_string(warn[i]));
    json_object_set_new(o, "warnings", wl);
    json_object_set_new(o, "input_path", json_string(input_path ? input_path : ""));
    if (input_text) json_object_set_new(o, "input", json_string(input_text));

    int rc = fu_json_write_atomic(o, path, JSON_INDENT(1) | JSON_REAL_PRECISION(17), err);
    json_decref(o);
    return rc;
}

int fu_scf_write_hdf5(const char *path, const fu_structure *s, const fu_scf_params *p,
                      const fu_scf_result *r, const char *input_path, const char *input_text,
                      fu_err *err) {
    H5E_auto2_t old_func;
    void *old_data;
    H5Eget_auto2(H5E_DEFAULT, &old_func, &old_data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* report through fu_err, not stderr */
    /* built in memory: a full disk must fail in our writer, not inside HDF5 */
    hid_t f = fu_h5mem_create(path, err);
    herr_t st = f < 0 ? -1 : 0;
    if (st >= 0) {
        st |= fu_h5_attr_str(f, "schema", FU_SCF_SCHEMA);
        int ver = FU_SCF_SCHEMA_VERSION;
        st |= fu_h5_dset(f, "schema_version", H5T_NATIVE_INT, 0, NULL, &ver, NULL);
        hid_t ge = H5Gcreate2(f, "energy", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        st |= fu_h5_scalar(ge, "total", r->etotal, "Ha");
        for (int t = 0; t < FU_ENERGY_NTERMS; t++)
            st |= fu_h5_scalar(ge, fu_energy_terms[t].name, r->energy[t], FU_ENERGY_UNIT);
        H5Gclose(ge);
        st |= fu_h5_scalar(f, "fermi_level", r->efermi, "Ha");
        st |= fu_h5_scalar(f, "band_gap", r->gap, "Ha");
        int direct = r->gap_direct;
        st |= fu_h5_dset(f, "band_gap_direct", H5T_NATIVE_INT, 0, NULL, &direct, NULL);
        hsize_t dk[2] = {(hsize_t)r->nk, 3}, de[2] = {(hsize_t)r->nk, (hsize_t)r->nband};
        hsize_t de3[3] = {2, (hsize_t)r->nk, (hsize_t)r->nband};
        int spin2 = r->nspin == 2, nspin = spin2 ? 2 : 1;
        st |= fu_h5_dset(f, "kpoints_red", H5T_NATIVE_DOUBLE, 2, dk, r->kred, "1 (reciprocal lattice)");
        st |= fu_h5_dset(f, "kweights", H5T_NATIVE_DOUBLE, 1, dk, r->kweight, "1");
        /* nspin 2: [spin][k][band], spin 0 = up */
        st |= fu_h5_dset(f, "eigenvalues", H5T_NATIVE_DOUBLE, spin2 ? 3 : 2, spin2 ? de3 : de, r->eig,
                   "Ha");
        st |= fu_h5_dset(f, "occupations", H5T_NATIVE_DOUBLE, spin2 ? 3 : 2, spin2 ? de3 : de, r->occ,
                   "electrons");
        st |= fu_h5_dset(f, "nspin", H5T_NATIVE_INT, 0, NULL, &nspin, NULL);
        if (spin2) {
            st |= fu_h5_scalar(f, "magnetization", r->magnetization, "Bohr magneton");
            st |= fu_h5_scalar(f, "abs_magnetization", r->abs_magnetization, "Bohr magneton");
        }
        hsize_t dfz[2] = {(hsize_t)r->natom, 3}, d33[2] = {3, 3};
        if (r->have_forces) st |= fu_h5_dset(f, "forces", H5T_NATIVE_DOUBLE, 2, dfz, r->forces, "Ha/bohr");
        if (r->have_stress)
            st |= fu_h5_dset(f, "stress", H5T_NATIVE_DOUBLE, 2, d33, r->stress, "Ha/bohr^3");
        hid_t gs = H5Gcreate2(f, "structure", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        st |= fu_h5_dset(gs, "lattice", H5T_NATIVE_DOUBLE, 2, d33, s->lattice, "bohr");
        hsize_t dx[2] = {(hsize_t)s->natom, 3};
        st |= fu_h5_dset(gs, "xred", H5T_NATIVE_DOUBLE, 2, dx, s->xred, "1 (fractional)");
        int z[s->natom];
        for (int a = 0; a < s->natom; a++) z[a] = s->znucl[s->typat[a]];
        st |= fu_h5_dset(gs, "atomic_numbers", H5T_NATIVE_INT, 1, dx, z, NULL);
        H5Gclose(gs);
        hid_t gp = H5Gcreate2(f, "provenance", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        st |= fu_h5_dstr(gp, "furui_version", FURUI_VERSION " (" FURUI_GIT_VERSION ")");
        st |= fu_h5_dstr(gp, "xc", r->xc_names);
        st |= fu_h5_dstr(gp, "input_path", input_path ? input_path : "");
        st |= fu_h5_dstr(gp, "input", input_text ? input_text : "");
        unsigned maj, min, rel;
        H5get_libversion(&maj, &min, &rel);
        char buf[64];
        snprintf(buf, sizeof buf, "%u.%u.%u", maj, min, rel);
        st |= fu_h5_dstr(gp, "hdf5_version", buf);
        st |= fu_h5_scalar(gp, "ecut", p->ecut, "Ha");
        if (p->protocol[0]) {
            /* what the protocol resolved to, beside the verbatim input that names it */
            hsize_t d3 = 3;
            st |= fu_h5_dstr(gp, "protocol", p->protocol);
            st |= fu_h5_dset(gp, "kgrid", H5T_NATIVE_INT, 1, &d3, p->kgrid, "1");
            st |= fu_h5_dstr(gp, "smearing", fu_smearing_name(p->smearing));
            st |= fu_h5_scalar(gp, "smearing_width", p->tsmear, "Ha");
            st |= fu_h5_scalar(gp, "energy_tolerance", p->tol_energy, "Ha");
        }
        for (int sp = 0; sp < r->nspecies; sp++) {
            char name[64];
            snprintf(name, sizeof name, "pseudopotential_%s", s->symbol[sp]);
            hid_t gq = H5Gcreate2(gp, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
            st |= fu_h5_dstr(gq, "name", r->psp_names[sp]);
            st |= fu_h5_dstr(gq, "path", r->psp_paths[sp]);
            st |= fu_h5_dstr(gq, "sha256", r->psp_sha256[sp]);
            st |= fu_h5_dstr(gq, "format", r->psp_format[sp]);
            st |= fu_h5_scalar(gq, "valence", r->psp_valence[sp], "e");
            st |= fu_h5_scalar(gq, "core_correction", r->psp_core[sp], "1");
            if (r->psp_hints[sp][1] > 0) {
                st |= fu_h5_scalar(gq, "cutoff_hint_low", r->psp_hints[sp][0], "Ha");
                st |= fu_h5_scalar(gq, "cutoff_hint_normal", r->psp_hints[sp][1], "Ha");
                st |= fu_h5_scalar(gq, "cutoff_hint_high", r->psp_hints[sp][2], "Ha");
            }
            H5Gclose(gq);
        }
        H5Gclose(gp);
    }
    int rc = FU_OK;
    if (st < 0) {
        if (f >= 0) H5Fclose(f);
        rc = fu_fail(err, FU_ELIB, "%s: building the HDF5 file failed", path);
    } else {
        rc = fu_h5mem_commit(f, path, err);
    }
    H5Eset_auto2(H5E_DEFAULT, old_func, old_data);
    return rc;
}

void fu_scf_write_report(FILE *f, const fu_structure *s, const fu_scf_result *r) {
    fprintf(f, "\n== Energy (Ha) ==\n");
    for (int t = 0; t < FU_ENERGY_NTERMS; t++)
        if (fu_energy_terms[t].log_label)
            fprintf(f, "  %-18s %20.12f\n", fu_energy_terms[t].log_label, r->energy[t]);
    fprintf(f, "  total (free)       %20.12f   (%.8f eV)\n", r->etotal, r->etotal * FU_HA_EV);
    fprintf(f, "  Fermi level        %20.12f\n", r->efermi);
    if (r->gap > 0)
        fprintf(f, "  band gap (k-mesh)  %20.12f   (%.4f eV, %s)\n", r->gap, r->gap * FU_HA_EV,
                r->gap_direct ? "direct" : "indirect");
    else
        fprintf(f, "  band gap (k-mesh)  %20.12f   (metal or no empty bands)\n", 0.0);
    if (r->nspin == 2)
        fprintf(f, "  magnetization      %20.12f   μB per cell (|M| %.8f μB)\n", r->magnetization,
                r->abs_magnetization);
    int nspin = r->nspin == 2 ? 2 : 1;
    for (int sp = 0; sp < nspin; sp++) {
        fprintf(f, "\n== Eigenvalues (Ha)%s ==\n", nspin == 1 ? "" : sp ? ", spin down" : ", spin up");
        for (int k = 0; k < r->nk; k++) {
            const double *e = r->eig + ((size_t)sp * r->nk + k) * r->nband;
            fprintf(f, "  k %3d (%8.5f %8.5f %8.5f) w %.6f npw %d\n   ", k + 1, r->kred[k][0],
                    r->kred[k][1], r->kred[k][2], r->kweight[k], r->npw[k]);
            for (int n = 0; n < r->nband; n++)
                fprintf(f, " %11.7f%s", e[n], (n % 8 == 7 && n + 1 < r->nband) ? "\n   " : "");
            fprintf(f, "\n");
        }
    }
    if (r->have_forces) {
        fprintf(f, "\n== Forces (Ha/bohr, Cartesian) ==\n");
        for (int a = 0; a < r->natom; a++)
            fprintf(f, "  %3d %-3s %16.10f %16.10f %16.10f\n", a + 1, s->symbol[s->typat[a]],
                    r->forces[a][0], r->forces[a][1], r->forces[a][2]);
        fprintf(f, "  net force removed (grid error) %.3e %.3e %.3e\n", r->net_force[0],
                r->net_force[1], r->net_force[2]);
    }
    if (r->have_stress) {
        fprintf(f, "\n== Stress (Ha/bohr^3, positive = tensile) ==\n");
        for (int i = 0; i < 3; i++)
            fprintf(f, "  %16.10e %16.10e %16.10e\n", r->stress[i][0], r->stress[i][1], r->stress[i][2]);
        double pr = -(r->stress[0][0] + r->stress[1][1] + r->stress[2][2]) / 3.0;
        fprintf(f, "  pressure %.6f GPa\n", pr * FU_HA_BOHR3_GPA);
    }
}
