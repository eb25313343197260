// labels: unit
/* FFT grid choice and the pruned (sphere) transforms.
 *  - ABINIT's getng rule reproduces the FFT grid ABINIT chose for each
 *    reference system (read from the reference JSON files);
 *  - the automatic grid holds the density sphere 2√(2 Ecut) and maps onto
 *    itself under every rotation of the structure;
 *  - the pruned transforms equal the full 3D FFT on data confined to a sphere
 *    (backward everywhere, forward at the sphere's points), to 1e-12. */
#include <jansson.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "crystal/elements.h"
#include "crystal/symmetry.h"
#include "dft/fftgrid.h"

static const char *cases[] = {"si_diamond", "si_distorted", "gaas_zincblende", "nacl_rocksalt",
                              "mgo_rocksalt", "al_fcc_metal"};

static void check_reference(const char *name) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.json", FURUI_REFERENCE_DIR, name);
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    CHECK(root != NULL, "reference JSON readable");
    if (!root) return;
    json_t *c = json_object_get(root, "case"), *lat = json_object_get(c, "lattice");
    double lattice[3][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            lattice[i][j] = json_number_value(json_array_get(json_array_get(lat, i), j));
    double ecut = json_number_value(json_object_get(c, "ecut"));
    int n[3];
    fu_fftgrid_minimal(lattice, ecut, n);
    json_t *ng = json_object_get(root, "ngfft");
    for (int i = 0; i < 3; i++)
        CHECK(n[i] == (int)json_integer_value(json_array_get(ng, i)),
              "getng rule gives ABINIT's FFT grid");
    /* automatic choice: holds the sphere, compatible with the structure's group */
    fu_structure s;
    fu_err err;
    json_t *xred = json_object_get(c, "xred"), *typat = json_object_get(c, "typat");
    int natom = (int)json_array_size(xred);
    fu_structure_alloc(&s, natom, &err);
    memcpy(s.lattice, lattice, sizeof lattice);
    json_t *zn = json_object_get(c, "znucl");
    s.nspecies = (int)json_array_size(zn);
    for (int sp = 0; sp < s.nspecies; sp++) {
        s.znucl[sp] = (int)json_number_value(json_array_get(zn, sp));
        snprintf(s.symbol[sp], sizeof s.symbol[sp], "%s", fu_element_symbol(s.znucl[sp]));
    }
    for (int a = 0; a < natom; a++) {
        s.typat[a] = (int)json_integer_value(json_array_get(typat, a)) - 1;
        for (int k = 0; k < 3; k++)
            s.xred[a][k] = json_number_value(json_array_get(json_array_get(xred, a), k));
    }
    fu_symmetry sym;
    CHECK(fu_symmetry_find(&s, 1e-5, &sym, &err) == FU_OK, "symmetry found");
    int m[3];
    fu_fftgrid_choose(lattice, ecut, sym.nsym, (const int(*)[3][3])sym.rot, m);
    double rec[3][3];
    fu_lattice_reciprocal(lattice, rec);
    CHECK(fu_fftgrid_box_sphere2(rec, m) >= 8 * ecut * (1 - 1e-12), "box holds 2 G_max sphere");
    int ok = 1;
    for (int t = 0; t < sym.nsym; t++)
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                if ((m[i] * sym.rot[t][i][j]) % m[j] != 0) ok = 0;
    CHECK(ok, "automatic grid maps onto itself under every rotation");
    fu_symmetry_free(&sym);
    fu_structure_free(&s);
    json_decref(root);
}

static void check_pruned(int nn, double ecut) {
    const double a = 5.1315;
    double lat[3][3] = {{0, a, a}, {a, 0, a}, {a, a, 0}};
    int n[3] = {nn, nn, nn};
    fu_fftgrid g;
    fu_err err;
    CHECK(fu_fftgrid_init(&g, lat, n, ecut, 0, &err) == FU_OK, "grid set up");
    int *box = malloc(sizeof(int) * g.ntot), npw = 0;
    for (int i = 0; i < g.ntot; i++)
        if (0.5 * g.g2[i] <= ecut) box[npw++] = i;
    fu_fft_sphere sp;
    fu_fft_sphere_init(&sp, &g, npw, box, &err);
    double complex *x = fftw_malloc(sizeof(double complex) * g.ntot);
    double complex *y = fftw_malloc(sizeof(double complex) * g.ntot);
    memset(x, 0, sizeof(double complex) * g.ntot);
    for (int i = 0; i < npw; i++) x[box[i]] = cos(0.37 * i) + I * sin(1.3 * i + 0.1);
    memcpy(y, x, sizeof(double complex) * g.ntot);
    fu_fft_g2r(&g, x);
    fu_fft_sphere_g2r(&g, &sp, y);
    double d = 0;
    for (int i = 0; i < g.ntot; i++) d = fmax(d, cabs(x[i] - y[i]));
    CHECK_CLOSE(d, 0.0, 1e-12, "pruned backward FFT equals the full one");
    /* forward: a product with a potential, compared at the sphere points */
    for (int i = 0; i < g.ntot; i++) x[i] = y[i] *= 1.0 + 0.5 * sin(0.01 * i);
    fftw_execute_dft(g.plan_fwd, (fftw_complex *)x, (fftw_complex *)x);
    fu_fft_sphere_r2g(&g, &sp, y);
    d = 0;
    for (int i = 0; i < npw; i++) d = fmax(d, cabs(x[box[i]] - y[box[i]]));
    CHECK_CLOSE(d, 0.0, 1e-12 * g.ntot, "pruned forward FFT equals the full one on the sphere");
    fftw_free(x);
    fftw_free(y);
    free(box);
    fu_fft_sphere_free(&sp);
    fu_fftgrid_free(&g);
}

/* Grids beyond FU_FFT_MAX_N / FU_FFT_MAX_POINTS are refused at once: the
 * search once ran forever on a 1e6-bohr cell (issue 19). */
static void check_limits(void) {
    const double L[] = {3000.0, 1e6, 1e12};
    for (int k = 0; k < 3; k++) {
        double lat[3][3] = {{L[k], 0, 0}, {0, L[k], 0}, {0, 0, L[k]}};
        int n[3];
        clock_t t0 = clock();
        fu_fftgrid_choose(lat, 5.0, 0, NULL, n);
        double sec = (double)(clock() - t0) / CLOCKS_PER_SEC;
        CHECK(sec < 0.1, "a huge cell's grid is given up at once");
        CHECK(n[0] > FU_FFT_MAX_N || n[1] > FU_FFT_MAX_N || n[2] > FU_FFT_MAX_N,
              "a size over the limit comes back");
        fu_err err = {0};
        CHECK(fu_fftgrid_check_size(lat, 5.0, &err) == FU_EINPUT && strstr(err.msg, "cell too large") &&
                  strstr(err.msg, "along a1"),
              err.msg);
        fu_fftgrid g;
        CHECK(fu_fftgrid_init(&g, lat, n, 5.0, 0, &err) == FU_EINPUT && strstr(err.msg, "cell too large"),
              "init refuses it");
        int asked[3] = {1024, 1024, 1024}; /* each axis allowed, the product is not */
        double small[3][3] = {{10, 0, 0}, {0, 10, 0}, {0, 0, 10}};
        CHECK(fu_fftgrid_init(&g, small, asked, 5.0, 0, &err) == FU_EINPUT && strstr(err.msg, "beyond the limit"),
              err.msg);
    }
    /* each axis within 1024, the product over 2^27 points */
    double lat[3][3] = {{400, 0, 0}, {0, 400, 0}, {0, 0, 400}};
    fu_err err = {0};
    CHECK(fu_fftgrid_check_size(lat, 5.0, &err) == FU_EINPUT && strstr(err.msg, "points, more than"),
          err.msg);
    int n[3];
    fu_fftgrid_choose(lat, 5.0, 0, NULL, n);
    CHECK((long)n[0] * n[1] * n[2] > FU_FFT_MAX_POINTS || n[0] > FU_FFT_MAX_N, "over the total");
    /* a large but allowed cell: the same grid as without the limits */
    double ok[3][3] = {{60, 0, 0}, {0, 60, 0}, {0, 0, 60}};
    CHECK(fu_fftgrid_check_size(ok, 20.0, &err) == FU_OK, "60 bohr at 20 Ha is allowed");
    fu_fftgrid_minimal(ok, 20.0, n);
    CHECK(n[0] == n[1] && n[1] == n[2] && n[0] >= 2 * sqrt(160.0) * 60 / (2 * 3.141592653589793) && n[0] <= FU_FFT_MAX_N,
          "and gets its minimal grid");
}

int main(void) {
    check_limits();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) check_reference(cases[i]);
    check_pruned(27, 15.0);
    check_pruned(32, 15.0);
    check_pruned(30, 12.0);
    CHECK_DONE();
}
