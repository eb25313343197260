// labels: unit
/* Radial-grid pseudopotentials (psp8, UPF):
 *  - the Fourier-Bessel transforms and their q-derivatives against closed
 *    forms: Gaussian core charges, projectors r^l e^{-r²} for l = 0..3 and a
 *    local potential -Z erf(r/σ)/r, on a uniform grid (trapezoid) and on a
 *    logarithmic grid with dr/di (Simpson); the q tables against the direct
 *    quadrature beyond them;
 *  - PseudoDojo files of Debian's abinit package: header values as printed
 *    in the file, the valence density integrating to Z_ion, the model core
 *    charge positive, the loader's cache and tables (table:DIR, djson hints,
 *    a valence that disagrees with the table);
 *  - a UPF v2 file of Debian's quantum-espresso-data;
 *  - the identity bug of issue 21: two valences of one element in
 *    GTH_POTENTIALS get different fingerprints;
 *  - damaged and unsupported files: one line naming file, line and problem. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "core/units.h"
#include "dft/psp.h"
#include "dft/psp_radial.h"

#define PBE_DIR "/usr/share/abinit/psp/Pseudodojo_nc_sr_04_pbe_standard_psp8"
#define PW_DIR "/usr/share/abinit/psp/Pseudodojo_nc_sr_04_pw_standard_psp8"
#define QE_SI "/usr/share/espresso/pseudo/Si.pz-vbc.UPF"

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) n = 0;
    if (buf) buf[n] = '\0';
    fclose(f);
    return buf;
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* Gaussians on a grid: uniform from 0 (rab NULL) or logarithmic with rab */
static fu_psp_radial *gaussians(int log_grid, double sigma, double zion, double **rab_out) {
    int nr = log_grid ? 1201 : 1001;
    fu_psp_radial *rad = fu_psp_radial_new(nr);
    double *rab = fu_psp_radial_array(rad);
    rad->rhoc = fu_psp_radial_array(rad);
    rad->zion = zion;
    for (int b = 0; b < 4; b++) {
        rad->beta[b] = fu_psp_radial_array(rad);
        rad->beta_l[b] = b;
        rad->beta_of[b][0] = b;
    }
    rad->nbeta = 4;
    for (int i = 0; i < nr; i++) {
        double r;
        if (log_grid) { /* r = e^{x0 + i dx}, up to ~12 bohr */
            double x0 = -9.0, dx = (log(12.0) - x0) / (nr - 1);
            r = exp(x0 + i * dx);
            rab[i] = r * dx;
        } else {
            r = 0.01 * i;
            rab[i] = 0.01;
        }
        rad->r[i] = r;
        rad->rhoc[i] = exp(-r * r / (sigma * sigma));
        rad->vloc[i] = r > 0 ? -zion * erf(r / sigma) / r : -zion * 2 / (sqrt(FU_PI) * sigma);
        for (int l = 0; l < 4; l++) rad->beta[l][i] = pow(r, l + 1) * exp(-r * r); /* u = r β */
    }
    *rab_out = log_grid ? rab : NULL;
    return rad;
}

static void analytic_transforms(int log_grid) {
    const double sigma = 0.8, zion = 4.0;
    double *rab;
    fu_psp_radial *rad = gaussians(log_grid, sigma, zion, &rab);
    fu_err err = {0};
    int rc = fu_psp_radial_finish(rad, rab, 12.0, "gaussians", &err);
    CHECK(rc == FU_OK, "synthetic radial data accepted");
    if (rc) {
        fprintf(stderr, "%s\n", err.msg);
        fu_psp_radial_free(rad);
        return;
    }
    /* the 6-point interpolation in q sets the floor: ~1e-11 on values, 1e-9 on slopes */
    const double tol = 3e-11;
    double worst_c = 0, worst_dc = 0, worst_p = 0, worst_dp = 0, worst_v = 0, worst_dv = 0;
    for (double q = 0.0; q <= 18.0; q += 0.173) {
        double s3 = pow(FU_PI, 1.5) * sigma * sigma * sigma, e = exp(-0.25 * q * q * sigma * sigma);
        worst_c = fmax(worst_c, fabs(fu_psp_radial_rhocore_q(rad, q) - s3 * e));
        worst_dc = fmax(worst_dc, fabs(fu_psp_radial_drhocore_q(rad, q) +
                                       s3 * e * 0.5 * q * sigma * sigma));
        /* ∫ r^{l+2} e^{-r²} j_l(qr) dr = √π q^l e^{-q²/4} / 2^{l+2}: f/q^l = 4π of that / q^l */
        for (int l = 0; l < 4; l++) {
            double want = 4 * FU_PI * sqrt(FU_PI) * exp(-0.25 * q * q) / pow(2, l + 2);
            worst_p = fmax(worst_p, fabs(fu_psp_radial_proj_q(rad, l, 0, q) - want));
            worst_dp = fmax(worst_dp, fabs(fu_psp_radial_dproj_q(rad, l, 0, q) + 0.5 * q * want));
        }
        if (q > 0.05) {
            double v = -4 * FU_PI * zion * e / (q * q);
            double dv = 4 * FU_PI * zion * e * (2 / (q * q * q) + 0.5 * sigma * sigma / q);
            worst_v = fmax(worst_v, fabs(fu_psp_radial_vloc_q(rad, q) - v));
            worst_dv = fmax(worst_dv, fabs(fu_psp_radial_dvloc_q(rad, q) - dv));
        }
    }
    printf("%s grid: max errors core %.1e d %.1e, proj %.1e d %.1e, vloc %.1e d %.1e\n",
           log_grid ? "log" : "uniform", worst_c, worst_dc, worst_p, worst_dp, worst_v, worst_dv);
    CHECK(worst_c < tol, "core form factor = π^{3/2} σ³ e^{-q²σ²/4}");
    CHECK(worst_dc < 1e-9, "its q-derivative");
    CHECK(worst_p < tol, "projector form factors f_l/q^l = closed form, l = 0..3");
    CHECK(worst_dp < 1e-9, "their q-derivatives");
    CHECK(worst_v < tol, "local part -4πZ e^{-q²σ²/4}/q² (erf split exact)");
    CHECK(worst_dv < 1e-9, "its q-derivative");
    CHECK_CLOSE(fu_psp_radial_epsatm(rad), FU_PI * zion * sigma * sigma, tol,
                "epsatm = lim v + 4πZ/q² = πZσ²");
    /* past the tables: the direct quadrature continues the interpolated values */
    double q1 = 12.0 + 0.1, e1 = pow(FU_PI, 1.5) * pow(sigma, 3) * exp(-0.25 * q1 * q1 * sigma * sigma);
    CHECK_CLOSE(fu_psp_radial_rhocore_q(rad, q1), e1, tol, "beyond the table: direct quadrature");
    rc = fu_psp_radial_tabulate(rad, 25.0, &err);
    CHECK(rc == FU_OK && rad->nq * rad->dq > 25.0, "tables extend on demand");
    fu_psp_radial_free(rad);
}

static int load(const char *spec, const char *el, fu_psp *p, fu_err *err) {
    memset(err, 0, sizeof *err);
    return fu_psp_load(spec, el, p, err);
}

/* fu_psp_load must refuse `text` in one line that contains every piece. */
static void refused(const char *what, const char *text, const char *el, const char *p1,
                    const char *p2) {
    char path[] = "/tmp/furui_psp_bad_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return;
    close(fd);
    write_file(path, text);
    fu_psp p;
    fu_err err;
    int rc = load(path, el, &p, &err);
    char msg[200];
    snprintf(msg, sizeof msg, "%s is refused", what);
    CHECK(rc != FU_OK, msg);
    snprintf(msg, sizeof msg, "%s: message names the file, says '%s'/'%s'", what, p1, p2 ? p2 : "");
    CHECK(strstr(err.msg, path) && strstr(err.msg, p1) && (!p2 || strstr(err.msg, p2)) &&
              !strchr(err.msg, '\n'),
          msg);
    if (rc == FU_OK || !strstr(err.msg, p1)) fprintf(stderr, "  got: %s\n", err.msg);
    unlink(path);
}

static void damaged_files(void) {
    char *si = slurp(PBE_DIR "/Si.psp8");
    if (!si) return;
    size_t n = strlen(si);
    /* truncated in the middle of the projectors */
    char *cut = strndup(si, n / 5);
    refused("a truncated psp8", cut, "Si", ":841:", "projectors (l=1)");
    free(cut);
    /* NaN on the radial grid */
    char *bad = strdup(si);
    char *row = strstr(bad, "\n2  1.0000000000000D-02");
    if (row) memcpy(row + 4, "NaN             ", 16);
    refused("NaN on the grid", bad, "Si", ":9:", "'NaN'");
    free(bad);
    /* mesh not increasing: row 3 at r = 0.005 */
    bad = strdup(si);
    row = strstr(bad, "\n3  2.0000000000000D-02");
    if (row) memcpy(row + 4, "0.5", 3);
    refused("a mesh that is not increasing", bad, "Si", "not increasing", NULL);
    free(bad);
    /* spin-orbit */
    bad = strdup(si);
    row = strstr(bad, "\n1     1           extension_switch");
    if (row) row[1] = '3';
    refused("a fully relativistic psp8", bad, "Si", "spin-orbit", NULL);
    free(bad);
    /* Debian's PBE As is fully relativistic, with 4 p projectors: the relativity is named */
    if (access(PBE_DIR "/As.psp8", R_OK) == 0) {
        char *as = slurp(PBE_DIR "/As.psp8");
        refused("Debian's fully relativistic PBE As.psp8", as, "As", "spin-orbit", ":6:");
        free(as);
    }
    /* PAW */
    refused("an ABINIT PAW file", "PAW\n14 4 0 zatom zion pspdat\n7 11 1 0 600 0\n", "Si",
            "pspcod", "PAW");
    /* UPF: ultrasoft, v1, garbage numbers */
    refused("an ultrasoft UPF",
            "<UPF version=\"2.0.1\"><PP_HEADER element=\"Si\" pseudo_type=\"US\" "
            "z_valence=\"4\" mesh_size=\"10\"/></UPF>\n",
            "Si", "ultrasoft", NULL);
    refused("a UPF v1 file", "<PP_INFO>\nold\n</PP_INFO>\n<PP_HEADER>\n</PP_HEADER>\n", "Si",
            "UPF v1", NULL);
    refused("a UPF with a NaN",
            "<UPF version=\"2.0.1\"><PP_HEADER element=\"Si\" pseudo_type=\"NC\" "
            "z_valence=\"4\" mesh_size=\"8\" number_of_proj=\"0\"/>"
            "<PP_MESH><PP_R>0 1 2 3 nan 5 6 7</PP_R><PP_RAB>1 1 1 1 1 1 1 1</PP_RAB></PP_MESH>"
            "<PP_LOCAL>1 1 1 1 1 1 1 1</PP_LOCAL></UPF>\n",
            "Si", "PP_R", "finite");
    refused("malformed XML", "<UPF version=\"2.0.1\"><PP_HEADER element=\"Si\"", "Si",
            "not well-formed XML", NULL);
    free(si);
}

static void pseudodojo(void) {
    if (access(PBE_DIR "/Si.psp8", R_OK) != 0) {
        printf("SKIP PseudoDojo part: Debian's abinit files are missing\n");
        return;
    }
    fu_psp p;
    fu_err err;
    int rc = load("abinit:Pseudodojo_nc_sr_04_pbe_standard_psp8/Si.psp8", "Si", &p, &err);
    CHECK(rc == FU_OK, "PseudoDojo Si psp8 loads");
    if (rc) {
        fprintf(stderr, "%s\n", err.msg);
        return;
    }
    /* numbers as printed in the file: "0  5.1689652486091D+00  8.2988268871509D-01" */
    CHECK_CLOSE(p.h[0][0][0], 5.1689652486091, 1e-13, "ekb(l=0,1) from the file");
    CHECK_CLOSE(p.h[0][1][1], 0.82988268871509, 1e-13, "ekb(l=0,2) from the file");
    CHECK(p.nproj[0] == 2 && p.nproj[1] == 2 && p.nproj[2] == 2 && p.lmax == 2,
          "two projectors in s, p, d (nproj line)");
    CHECK(p.zion == 4.0 && p.znucl == 14 && strcmp(p.functional, "PBE") == 0,
          "Z_ion 4, Z 14, pspxc 11 = PBE");
    CHECK(p.has_core && p.has_valence, "model core (fchrg 4) and valence density (extension 1)");
    /* the atomic valence density integrates to the valence charge, less the
     * tail beyond the file's grid (6 bohr; the starting density rescales it) */
    CHECK_CLOSE(fu_psp_rhoval_q(&p, 0.0), 4.0, 0.1, "∫ ρ_val = Z_ion");
    CHECK(fu_psp_rhocore_q(&p, 0.0) > 0.1, "the model core holds charge");
    /* the long-range tail of v(q) is -4πZ/q² */
    double q = 0.05;
    CHECK_CLOSE(fu_psp_vloc_q(&p, q) + 4 * FU_PI * 4.0 / (q * q), fu_psp_epsatm(&p), 0.05,
                "v(q) + 4πZ/q² -> epsatm as q -> 0");
    /* loading again reuses the transformed data of the first load */
    fu_psp p2;
    rc = load(PBE_DIR "/Si.psp8", "Si", &p2, &err);
    CHECK(rc == FU_OK && p2.radial == p.radial, "a second load of the same file is cached");
    CHECK(strcmp(p2.sha256, p.sha256) == 0, "same file, same fingerprint");

    /* a table directory without a djson: the plain name wins over variants */
    rc = load("table:" PW_DIR, "Mg", &p, &err);
    CHECK(rc == FU_OK && strstr(p.path, "/Mg.psp8") && p.zion == 10.0,
          "table:DIR picks Mg.psp8 over Mg-low.psp8");
    /* a table with a djson: hints and valence check */
    char dir[] = "/tmp/furui_table_XXXXXX";
    if (mkdtemp(dir)) {
        char path[512], link[512], djson[600];
        snprintf(path, sizeof path, "%s/Si", dir);
        mkdir(path, 0755);
        snprintf(link, sizeof link, "%s/Si/Si.psp8", dir);
        char *si = slurp(PBE_DIR "/Si.psp8");
        write_file(link, si ? si : "");
        free(si);
        snprintf(djson, sizeof djson, "%s/standard.djson", dir);
        write_file(djson, "{\"pseudos_metadata\": {\"Si\": {\"basename\": \"Si.psp8\", \"Z_val\": 4.0, "
                          "\"hints\": {\"low\": {\"ecut\": 12.0}, \"normal\": {\"ecut\": 16.0}, "
                          "\"high\": {\"ecut\": 22.0}}},"
                          "\"O\": {\"basename\": \"O.psp8\", \"Z_val\": 6.0}}}");
        char spec[600];
        snprintf(spec, sizeof spec, "table:%s", dir);
        rc = load(spec, "Si", &p, &err);
        CHECK(rc == FU_OK && p.hint_ecut[0] == 12.0 && p.hint_ecut[1] == 16.0 &&
                  p.hint_ecut[2] == 22.0,
              "djson hints low/normal/high reach the pseudopotential");
        rc = load(spec, "O", &p, &err);
        CHECK(rc != FU_OK && strstr(err.msg, "O.psp8"), "a file the djson names but lacks");
        write_file(djson, "{\"pseudos_metadata\": {\"Si\": {\"basename\": \"Si.psp8\", \"Z_val\": 12.0}}}");
        rc = load(spec, "Si", &p, &err);
        CHECK(rc != FU_OK && strstr(err.msg, "valence") && strstr(err.msg, "12"),
              "a valence that disagrees with the table is refused");
        rc = load(spec, "Ge", &p, &err);
        CHECK(rc != FU_OK && strstr(err.msg, "Ge"), "an element the table lacks is named");
        unlink(djson);
        unlink(link);
        rmdir(path);
        rmdir(dir);
    }
}

static void upf(void) {
    if (access(QE_SI, R_OK) != 0) {
        printf("SKIP UPF part: Debian's quantum-espresso-data is missing\n");
        return;
    }
    fu_psp p;
    fu_err err;
    int rc = load(QE_SI, "Si", &p, &err);
    CHECK(rc == FU_OK, "QE's Si.pz-vbc.UPF loads");
    if (rc) {
        fprintf(stderr, "%s\n", err.msg);
        return;
    }
    CHECK(p.zion == 4.0 && strcmp(p.functional, "LDA") == 0 && strcmp(p.format, "upf") == 0,
          "UPF header: Z_ion 4, SLA PZ = LDA");
    CHECK(p.lmax >= 0 && p.radial != NULL, "UPF projectors read");
    CHECK_CLOSE(fu_psp_rhoval_q(&p, 0.0), 4.0, 0.1, "PP_RHOATOM integrates to Z_ion");
}

/* the synthetic seeds of the fuzz corpora parse, with UPF's Rydberg halved */
static void synthetic_seeds(void) {
    fu_psp p;
    fu_err err;
    int rc = load(FURUI_TEST_DATA "/../fuzz/corpus/psp_abinit/oncv_small.psp8", "Si", &p, &err);
    CHECK(rc == FU_OK && p.has_core && p.has_valence && p.nproj[0] == 1 && p.nproj[1] == 1,
          "synthetic psp8 seed: core, valence, one s and one p projector");
    if (rc) fprintf(stderr, "%s\n", err.msg);
    rc = load(FURUI_TEST_DATA "/../fuzz/corpus/psp_upf/nc_small.upf", "Si", &p, &err);
    CHECK(rc == FU_OK && p.has_core && p.nproj[0] == 1 && p.nproj[1] == 1, "synthetic UPF seed");
    if (rc) fprintf(stderr, "%s\n", err.msg);
    else {
        CHECK_CLOSE(p.h[0][0][0], 2.5, 1e-12, "UPF D_ij 5 Ry = 2.5 Ha");
        CHECK_CLOSE(p.h[1][0][0], -0.7, 1e-12, "UPF D_ij -1.4 Ry = -0.7 Ha");
        CHECK_CLOSE(fu_psp_vloc_r(&p, 0.55), -4 * erf(0.55) / 0.55, 0.02, "UPF V_loc in Ha");
    }
}

static void gth_identity(void) {
    fu_psp q1, q3;
    fu_err err;
    if (load("cp2k:GTH-PADE-q1", "Li", &q1, &err) || load("cp2k:GTH-PADE-q3", "Li", &q3, &err)) {
        printf("SKIP GTH identity: %s\n", err.msg);
        return;
    }
    CHECK(strcmp(q1.sha256, q3.sha256) != 0,
          "Li q1 and q3 from one GTH_POTENTIALS have different fingerprints (issue 21)");
    fu_psp again;
    load("cp2k:GTH-PADE-q1", "Li", &again, &err);
    CHECK(strcmp(q1.sha256, again.sha256) == 0, "the same entry keeps its fingerprint");
}

int main(void) {
    analytic_transforms(0);
    analytic_transforms(1);
    pseudodojo();
    upf();
    gth_identity();
    synthetic_seeds();
    damaged_files();
    CHECK_DONE();
}
