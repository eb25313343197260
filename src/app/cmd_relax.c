/* furui relax INPUT.yaml [-o PREFIX]: structural relaxation (src/props/relax.h).
 *
 * Input: the `furui scf` YAML plus an optional top-level `relax:` section
 * (input/relax_README.md). The section is read here with line numbers; the
 * rest of the file goes to the scf reader with the section's lines blanked,
 * so its messages keep the original line numbers.
 *
 * Outputs, only when the relaxation converges (and all together):
 * PREFIX.relax.json (history and final structure with units), PREFIX.POSCAR,
 * PREFIX.cif and PREFIX.relax.log (step lines, SCF tables), each written
 * atomically. Any failure (bad input excepted, which is one line on stderr)
 * leaves earlier results untouched and writes the log, with the last
 * structure as POSCAR text and "# ERROR: ...", to PREFIX.failed.log.
 * Exit codes as for scf: 1 bad input, 2 not converged (SCF or relaxation),
 * 3 other failure, 64 usage. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/comm.h"
#include "furui_git_version.h"
#include "core/atomicfile.h"
#include "core/error.h"
#include "core/jsonfile.h"
#include "core/units.h"
#include "core/yamldoc.h"
#include "crystal/poscar.h"
#include "dft/scf_input.h"
#include "dft/protocol.h"
#include "props/relax.h"
#include "props/warnings.h"
#include "app/commands.h"
#include "app/runtime.h"


/* Reads the relax: section of `path` into o and returns in *scf_text the file
 * with that section's lines blanked (caller frees). */
static int read_relax_input(const char *path, fu_relax_opts *o, char **scf_text, char **orig,
                            fu_err *err) {
    fu_ydoc d;
    *scf_text = *orig = NULL;
    int rc = fu_ydoc_load(path, &d, err);
    if (rc) return rc;
    *orig = strdup(d.text);
    *scf_text = strdup(d.text);
    if (!*orig || !*scf_text) {
        fu_ydoc_free(&d);
        return fu_fail(err, FU_ENOMEM, "%s: out of memory", path);
    }
    const fu_ynode *root = d.root;
    int idx = -1;
    if (root->kind == FU_YMAP)
        for (int i = 0; i < root->n; i++)
            if (strcmp(root->key[i], "relax") == 0) idx = i;
    if (idx >= 0) {
        rc = fu_relax_read_yaml(&d, root->item[idx], o, err);
        if (!rc) {
            int first = root->key_line[idx], last = 1 << 30;
            for (int i = 0; i < root->n; i++)
                if (i != idx && root->key_line[i] >= first && root->key_line[i] < last)
                    last = root->key_line[i];
            if (last == first) {
                rc = fu_ynode_fail(err, &d, root->item[idx], FU_EINPUT,
                                   "write the relax section in block style on its own lines");
            } else {
                /* blank lines [first, last): keep the newlines, so line numbers stay */
                int line = 1;
                for (char *c = *scf_text; *c; c++) {
                    if (*c == '\n') {
                        line++;
                        continue;
                    }
                    if (line >= first && line < last) *c = ' ';
                }
            }
        }
    }
    fu_ydoc_free(&d);
    return rc;
}

static json_t *mat3(const double m[3][3], double scale) {
    json_t *a = json_array();
    for (int i = 0; i < 3; i++) {
        json_t *r = json_array();
        for (int j = 0; j < 3; j++) json_array_append_new(r, json_real(m[i][j] * scale));
        json_array_append_new(a, r);
    }
    return a;
}

static json_t *vecs(const double (*v)[3], int n, double scale) {
    json_t *a = json_array();
    for (int i = 0; i < n; i++) {
        json_t *r = json_array();
        for (int j = 0; j < 3; j++) json_array_append_new(r, json_real(v[i][j] * scale));
        json_array_append_new(a, r);
    }
    return a;
}

static json_t *ints3(const int v[3]) {
    return json_pack("[iii]", v[0], v[1], v[2]);
}

static json_t *relax_json(const fu_relax_result *r, const fu_relax_opts *o, const char *input,
                          const char *text, const fu_warnings *w) {
    const fu_structure *s = &r->structure;
    json_t *root = json_object();
    json_object_set_new(root, "schema", json_string("furui.relax"));
    json_object_set_new(root, "schema_version", json_integer(1));
    json_object_set_new(root, "program", json_string("furui"));
    json_object_set_new(root, "version", json_string(FURUI_VERSION));
    json_object_set_new(root, "git", json_string(FURUI_GIT_VERSION));
    json_object_set_new(root, "input_file", json_string(input));
    if (text) json_object_set_new(root, "input_text", json_string(text));
    json_object_set_new(root, "units",
                        json_pack("{ssssssssss}", "energy", "Ha", "length", "bohr (and angstrom "
                                  "where the key says so)", "force", "Ha/bohr", "stress",
                                  "Ha/bohr^3 (and GPa), sigma = (1/V) dE/dstrain, positive = "
                                  "tensile", "pressure", "positive = compressive"));
    json_t *set = json_object();
    json_object_set_new(set, "cell", json_boolean(o->relax_cell));
    json_object_set_new(set, "algorithm", json_string(o->algorithm == FU_RELAX_FIRE ? "fire" : "bfgs"));
    json_object_set_new(set, "pressure_gpa", json_real(o->pressure * FU_HA_BOHR3_GPA));
    json_object_set_new(set, "pressure_ha_bohr3", json_real(o->pressure));
    json_object_set_new(set, "max_steps", json_integer(o->max_steps));
    json_object_set_new(set, "force_tol_ha_bohr", json_real(o->force_tol));
    json_object_set_new(set, "stress_tol_ha_bohr3", json_real(o->stress_tol));
    json_object_set_new(set, "max_step_bohr", json_real(o->max_step));
    json_object_set_new(root, "settings", set);
    json_object_set_new(root, "converged", json_boolean(r->converged));
    json_object_set_new(root, "nsteps", json_integer(r->nsteps));
    json_t *h = json_array();
    for (int i = 0; i < r->nsteps; i++) {
        const fu_relax_step *st = &r->hist[i];
        json_t *e = json_object();
        json_object_set_new(e, "step", json_integer(i));
        json_object_set_new(e, "accepted", json_boolean(st->accepted));
        json_object_set_new(e, "energy_ha", json_real(st->energy));
        json_object_set_new(e, "enthalpy_ha", json_real(st->enthalpy));
        json_object_set_new(e, "volume_bohr3", json_real(st->volume));
        json_object_set_new(e, "max_force_ha_bohr", json_real(st->max_force));
        json_object_set_new(e, "max_stress_residual_ha_bohr3", json_real(st->max_stress));
        json_object_set_new(e, "step_length_bohr", json_real(st->step_length));
        json_object_set_new(e, "lattice_bohr", mat3(st->lattice, 1.0));
        json_object_set_new(e, "scf_iterations", json_integer(st->scf_iterations));
        json_object_set_new(e, "spacegroup_number", json_integer(st->spacegroup_number));
        json_array_append_new(h, e);
    }
    json_object_set_new(root, "history", h);
    json_t *f = json_object();
    json_object_set_new(f, "lattice_bohr", mat3(s->lattice, 1.0));
    json_object_set_new(f, "lattice_angstrom", mat3(s->lattice, FU_BOHR_ANGSTROM));
    double len[3];
    for (int i = 0; i < 3; i++)
        len[i] = sqrt(s->lattice[i][0] * s->lattice[i][0] + s->lattice[i][1] * s->lattice[i][1] +
                      s->lattice[i][2] * s->lattice[i][2]);
    json_object_set_new(f, "lengths_bohr", json_pack("[fff]", len[0], len[1], len[2]));
    json_object_set_new(f, "lengths_angstrom",
                        json_pack("[fff]", len[0] * FU_BOHR_ANGSTROM, len[1] * FU_BOHR_ANGSTROM,
                                  len[2] * FU_BOHR_ANGSTROM));
    double vol = fabs(fu_lattice_det(s->lattice));
    json_object_set_new(f, "volume_bohr3", json_real(vol));
    json_object_set_new(f, "volume_angstrom3", json_real(vol * pow(FU_BOHR_ANGSTROM, 3)));
    json_t *sp = json_array();
    for (int k = 0; k < s->natom; k++) json_array_append_new(sp, json_string(s->symbol[s->typat[k]]));
    json_object_set_new(f, "species", sp);
    json_object_set_new(f, "positions_fractional", vecs((const double (*)[3])s->xred, s->natom, 1.0));
    double (*cart)[3] = malloc((size_t)s->natom * sizeof *cart);
    if (cart) {
        for (int k = 0; k < s->natom; k++) fu_structure_cart(s, k, cart[k]);
        json_object_set_new(f, "positions_cartesian_bohr", vecs((const double (*)[3])cart, s->natom, 1.0));
        free(cart);
    }
    json_object_set_new(f, "energy_ha", json_real(r->energy));
    json_object_set_new(f, "enthalpy_ha", json_real(r->enthalpy));
    json_object_set_new(f, "forces_ha_bohr", vecs((const double (*)[3])r->forces, s->natom, 1.0));
    json_object_set_new(f, "stress_ha_bohr3", mat3(r->stress, 1.0));
    json_object_set_new(f, "stress_gpa", mat3(r->stress, FU_HA_BOHR3_GPA));
    json_object_set_new(f, "max_force_ha_bohr", json_real(r->max_force));
    json_object_set_new(f, "max_stress_residual_ha_bohr3", json_real(r->max_stress));
    json_object_set_new(f, "fft_grid", ints3(r->fft));
    json_object_set_new(f, "spacegroup_initial", json_integer(r->spacegroup_initial));
    json_object_set_new(f, "spacegroup_final", json_integer(r->spacegroup_final));
    json_object_set_new(f, "symmetry_corrections", json_integer(r->resymmetrised));
    json_object_set_new(root, "final", f);
    if (r->have_final) {
        json_t *g = json_object();
        json_object_set_new(g, "fft_grid", ints3(r->final_fft));
        json_object_set_new(g, "energy_ha", json_real(r->final_energy));
        json_object_set_new(g, "stress_ha_bohr3", mat3(r->final_stress, 1.0));
        json_object_set_new(g, "stress_gpa", mat3(r->final_stress, FU_HA_BOHR3_GPA));
        json_object_set_new(g, "forces_ha_bohr",
                            vecs((const double (*)[3])r->final_forces, s->natom, 1.0));
        json_object_set_new(g, "max_force_ha_bohr", json_real(r->final_max_force));
        json_object_set_new(g, "max_stress_residual_ha_bohr3", json_real(r->final_max_stress));
        json_object_set_new(g, "stress_exceeds_tolerance",
                            json_boolean(r->final_max_stress > o->stress_tol));
        json_object_set_new(root, "fresh_grid_scf", g);
    }
    json_object_set_new(root, "wall_seconds", json_real(r->wall_seconds));
    json_t *wl = json_array();
    for (int i = 0; i < w->n; i++) json_array_append_new(wl, json_string(w->msg[i]));
    json_object_set_new(root, "warnings", wl);
    return root;
}

/* Writes the three result files; all are committed only if all were written. */
static int write_outputs(const char *prefix, const fu_relax_result *r, const fu_relax_opts *o,
                         const char *input, const char *text, const fu_warnings *w,
                         fu_err *err) {
    char pj[4200], pp[4200], pc[4200];
    snprintf(pj, sizeof pj, "%s.relax.json", prefix);
    snprintf(pp, sizeof pp, "%s.POSCAR", prefix);
    snprintf(pc, sizeof pc, "%s.cif", prefix);
    fu_atomic_file af[3];
    memset(af, 0, sizeof af);
    int rc = fu_atomic_open(&af[0], pj, err);
    if (!rc) rc = fu_atomic_open(&af[1], pp, err);
    if (!rc) rc = fu_atomic_open(&af[2], pc, err);
    if (!rc) {
        json_t *j = relax_json(r, o, input, text, w);
        rc = fu_json_dump(j, af[0].f, pj, JSON_INDENT(1) | JSON_REAL_PRECISION(17), err);
        json_decref(j);
    }
    char comment[256];
    snprintf(comment, sizeof comment, "relaxed by furui %s (%s)", FURUI_VERSION, FURUI_GIT_VERSION);
    if (!rc) rc = fu_poscar_write(af[1].f, &r->structure, comment, err);
    if (!rc) rc = fu_cif_write(af[2].f, &r->structure, "furui_relaxed", err);
    for (int i = 0; i < 3; i++) {
        if (!af[i].f) continue;
        if (!rc) rc = fu_atomic_commit(&af[i], err);
        else fu_atomic_abort(&af[i]);
    }
    return rc;
}

int cmd_relax(int argc, char **argv, int rank) {
    app_io_args a = {.cmd = "relax", .what = "input file"};
    for (int i = 0; i < argc; i++) {
        int took = app_io_take(&a, argc, argv, &i, rank);
        if (took < 0) return APP_EXIT_USAGE;
        if (!took) return app_usage_error(rank, a.cmd, "unknown option", argv[i]);
    }
    if (app_io_check(&a, "furui relax INPUT.yaml [-o PREFIX]", rank)) return APP_EXIT_USAGE;
    const char *input = a.input, *prefix = a.prefix;
    fu_err err = {0};
    fu_relax_opts ro;
    fu_relax_opts_default(&ro);
    char *scf_text = NULL, *orig = NULL;
    fu_scf_input in;
    memset(&in, 0, sizeof in);
    /* -1: not given, so the protocol's threshold (if any) or the default applies */
    double force_default = ro.force_tol, stress_default = ro.stress_tol;
    ro.force_tol = ro.stress_tol = -1;
    int rc = read_relax_input(input, &ro, &scf_text, &orig, &err);
    if (!rc) rc = fu_scf_input_parse(scf_text, input, &in, &err);
    free(scf_text);
    if (!rc) {
        const fu_protocol *pr = fu_protocol_find(in.params.protocol);
        if (ro.force_tol < 0) ro.force_tol = pr ? pr->force_tol : force_default;
        if (ro.stress_tol < 0) ro.stress_tol = pr ? pr->stress_tol : stress_default;
    }
    in.params.fft_patient = app_fft_patient();
    in.params.threads = app_threads();
    if (rc) {
        if (rank == 0) fprintf(stderr, "furui: error: %s\n", err.msg);
        fu_scf_input_free(&in);
        free(orig);
        return app_exit_code(rc);
    }
    if (!prefix) prefix = in.output_prefix;
    char path_log[4200], path_failed[4200], tmp_log[4300];
    snprintf(path_log, sizeof path_log, "%s.relax.log", prefix);
    snprintf(path_failed, sizeof path_failed, "%s.failed.log", prefix);
    snprintf(tmp_log, sizeof tmp_log, "%s.tmp.%ld", path_log, (long)getpid());
    FILE *log;
    if (!app_runlog_start(rank, 0, "relax", input, tmp_log, path_log, path_failed, &log)) {
        fu_scf_input_free(&in);
        free(orig);
        return APP_EXIT_OTHER;
    }
    ro.log = log;
    fu_relax_result res;
    rc = fu_relax_run(&in.structure, &in.params, &ro, MPI_COMM_WORLD, &res, &err);
    app_runlog_defer();
    if (rank == 0) {
        /* the relaxation's own noise level (relax.h, step control) */
        fu_warnings warn = {0};
        if (!rc) fu_warn_relax(&res, fmax(1e-7, 20.0 * in.params.tol_energy), &warn);
        for (int i = 0; i < warn.n && log; i++) fprintf(log, "# warning: %s\n", warn.msg[i]);
        if (!rc) rc = write_outputs(prefix, &res, &ro, input, orig, &warn, &err);
        if (!rc) {
            if (fflush(log) != 0 || fclose(log) != 0) {
                /* results are in place; only the log failed */
                fprintf(stderr, "furui: warning: %s: log write failed\n", path_log);
            } else if (rename(tmp_log, path_log) != 0) {
                fprintf(stderr, "furui: warning: %s: cannot rename log: %s\n", path_log,
                        strerror(errno));
            }
            log = NULL;
            remove(path_failed);
            double a = 0;
            for (int c = 0; c < 3; c++) a += res.structure.lattice[0][c] * res.structure.lattice[0][c];
            printf("relax: converged in %d steps: E = %.10f Ha, |a1| = %.6f bohr (%.6f Å), "
                   "max|f| = %.2e Ha/bohr, max|s+P| = %.2e Ha/bohr^3\n",
                   res.nsteps, res.energy, sqrt(a), sqrt(a) * FU_BOHR_ANGSTROM, res.max_force,
                   res.max_stress);
        } else {
            fprintf(stderr, "furui: error: %s: %s\n", input, err.msg);
            if (log) {
                if (res.structure.xred) {
                    fprintf(log, "# last structure (POSCAR):\n");
                    fu_err e2;
                    fu_poscar_write(log, &res.structure, "last structure of the relaxation", &e2);
                }
                fprintf(log, "# ERROR: %s\n", err.msg);
                fclose(log);
                log = NULL;
            }
            rename(tmp_log, path_failed);
        }
    }
    app_runlog_release();
    fu_bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
    fu_relax_result_free(&res);
    fu_scf_input_free(&in);
    free(orig);
    return app_exit_code(rc);
}
