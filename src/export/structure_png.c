#include "export/structure_png.h"

#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"
#include "crystal/elements.h"

#define VIEW_THETA (30.0 * FU_PI / 180.0) /* rotation about z */
#define VIEW_PHI (20.0 * FU_PI / 180.0)   /* then tilt about the screen x axis */
#define IMAGE_TOL 1e-6                    /* fractional coordinate counted as on a face */

typedef struct {
    double x, y, depth, r;
    unsigned char rgb[3];
} disk;

static void project(const double c[3], double *x, double *y, double *depth) {
    double u = c[0] * cos(VIEW_THETA) - c[1] * sin(VIEW_THETA);
    double v = c[0] * sin(VIEW_THETA) + c[1] * cos(VIEW_THETA);
    *x = u;
    *y = c[2] * cos(VIEW_PHI) - v * sin(VIEW_PHI);
    *depth = v * cos(VIEW_PHI) + c[2] * sin(VIEW_PHI); /* larger: farther from the viewer */
}

static void cart(const double lat[3][3], const double f[3], double c[3]) {
    for (int x = 0; x < 3; x++) c[x] = f[0] * lat[0][x] + f[1] * lat[1][x] + f[2] * lat[2][x];
}

/* hue from Z by the golden angle: neighbouring elements get distinct colours */
static void element_rgb(int z, unsigned char rgb[3]) {
    double h = fmod(z * 137.508, 360.0) / 60.0, s = 0.65, v = 0.9;
    double c = v * s, xx = c * (1 - fabs(fmod(h, 2.0) - 1)), m = v - c, r = 0, g = 0, b = 0;
    int k = (int)h;
    switch (k) {
    case 0: r = c, g = xx; break;
    case 1: r = xx, g = c; break;
    case 2: g = c, b = xx; break;
    case 3: g = xx, b = c; break;
    case 4: r = xx, b = c; break;
    default: r = c, b = xx; break;
    }
    rgb[0] = (unsigned char)lround(255 * (r + m));
    rgb[1] = (unsigned char)lround(255 * (g + m));
    rgb[2] = (unsigned char)lround(255 * (b + m));
}

static int cmp_depth(const void *a, const void *b) {
    double da = ((const disk *)a)->depth, db = ((const disk *)b)->depth;
    return da < db ? 1 : da > db ? -1 : 0; /* far first */
}

static void plot(unsigned char *img, int size, int px, int py, const unsigned char rgb[3]) {
    if (px < 0 || py < 0 || px >= size || py >= size) return;
    memcpy(img + 3 * ((size_t)py * (size_t)size + (size_t)px), rgb, 3);
}

static int write_png(FILE *f, unsigned char *img, int size, fu_err *err) {
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    png_bytep *rows = malloc((size_t)size * sizeof *rows);
    if (!png || !info || !rows) {
        png_destroy_write_struct(&png, info ? &info : NULL);
        free(rows);
        return fu_fail(err, FU_ENOMEM, "out of memory writing a PNG");
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(rows);
        return fu_fail(err, FU_EIO, "libpng could not write the structure picture");
    }
    for (int i = 0; i < size; i++) rows[i] = img + 3 * (size_t)i * (size_t)size;
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)size, (png_uint_32)size, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    /* one filter instead of libpng's per-row trial of five: the picture is
     * flat tones, and the trial was most of the export time per tile */
    png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_SUB);
    png_set_rows(png, info, rows);
    png_write_png(png, info, PNG_TRANSFORM_IDENTITY, NULL);
    png_destroy_write_struct(&png, &info);
    free(rows);
    return FU_OK;
}

int fu_structure_png(FILE *f, const double lattice[3][3], const double (*xred)[3], const int *z, int natom,
                     int size, fu_err *err) {
    if (size < 16 || size > 4096 || natom < 0) return fu_fail(err, FU_EINPUT, "structure picture: bad size %d", size);
    /* atoms and their images on faces/edges/corners: at most 8 per atom */
    disk *d = malloc(((size_t)natom * 8 + 1) * sizeof *d);
    unsigned char *img = malloc((size_t)size * (size_t)size * 3);
    if (!d || !img) {
        free(d);
        free(img);
        return fu_fail(err, FU_ENOMEM, "out of memory drawing a structure picture");
    }
    size_t nd = 0;
    for (int a = 0; a < natom; a++) {
        double fr[3];
        for (int k = 0; k < 3; k++) fr[k] = xred[a][k] - floor(xred[a][k]);
        for (int s = 0; s < 8; s++) {
            double g[3];
            int ok = 1;
            for (int k = 0; k < 3; k++) {
                int shift = (s >> k) & 1;
                if (shift && fr[k] > IMAGE_TOL) ok = 0; /* only atoms on the 0 face reappear on the 1 face */
                g[k] = fr[k] + shift;
            }
            if (!ok) continue;
            double c[3];
            cart(lattice, g, c);
            disk *x = &d[nd++];
            project(c, &x->x, &x->y, &x->depth);
            double rc = fu_element_covalent_radius(z[a]);
            x->r = 0.5 * (rc > 0 ? rc : 1.0);
            element_rgb(z[a], x->rgb);
        }
    }
    /* fit the cell corners and the disks into the picture with a margin */
    double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY, corner[8][2];
    for (int s = 0; s < 8; s++) {
        double g[3] = {s & 1, (s >> 1) & 1, (s >> 2) & 1}, c[3], dep;
        cart(lattice, g, c);
        project(c, &corner[s][0], &corner[s][1], &dep);
        xmin = fmin(xmin, corner[s][0]), xmax = fmax(xmax, corner[s][0]);
        ymin = fmin(ymin, corner[s][1]), ymax = fmax(ymax, corner[s][1]);
    }
    for (size_t i = 0; i < nd; i++) {
        xmin = fmin(xmin, d[i].x - d[i].r), xmax = fmax(xmax, d[i].x + d[i].r);
        ymin = fmin(ymin, d[i].y - d[i].r), ymax = fmax(ymax, d[i].y + d[i].r);
    }
    double span = fmax(xmax - xmin, ymax - ymin);
    double scale = span > 0 ? 0.9 * size / span : 1.0;
    double ox = 0.5 * size - 0.5 * (xmin + xmax) * scale, oy = 0.5 * size + 0.5 * (ymin + ymax) * scale;
    memset(img, 255, (size_t)size * (size_t)size * 3);
    /* cell edges: corners differing in one bit */
    const unsigned char grey[3] = {120, 120, 120};
    for (int s = 0; s < 8; s++)
        for (int k = 0; k < 3; k++) {
            int t = s | (1 << k);
            if (t == s) continue;
            double x0 = ox + corner[s][0] * scale, y0 = oy - corner[s][1] * scale;
            double x1 = ox + corner[t][0] * scale, y1 = oy - corner[t][1] * scale;
            int n = (int)ceil(fmax(fabs(x1 - x0), fabs(y1 - y0))) + 1;
            for (int i = 0; i <= n; i++)
                plot(img, size, (int)lround(x0 + (x1 - x0) * i / n), (int)lround(y0 + (y1 - y0) * i / n), grey);
        }
    /* atoms back to front, shaded as spheres lit from the viewer, dark rim */
    qsort(d, nd, sizeof *d, cmp_depth);
    for (size_t i = 0; i < nd; i++) {
        double cx = ox + d[i].x * scale, cy = oy - d[i].y * scale, R = d[i].r * scale;
        for (int py = (int)floor(cy - R); py <= (int)ceil(cy + R); py++)
            for (int px = (int)floor(cx - R); px <= (int)ceil(cx + R); px++) {
                double q = ((px - cx) * (px - cx) + (py - cy) * (py - cy)) / (R * R);
                if (q > 1) continue;
                /* three flat tones and a rim: a smooth gradient would triple the PNG size */
                double shade = q > 0.85 ? 0.35 : 0.55 + 0.15 * floor(3.0 * sqrt(1 - q) + 0.5);
                unsigned char c[3];
                for (int k = 0; k < 3; k++) c[k] = (unsigned char)lround(d[i].rgb[k] * shade);
                plot(img, size, px, py, c);
            }
    }
    free(d);
    int rc = write_png(f, img, size, err);
    free(img);
    return rc;
}
