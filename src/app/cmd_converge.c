/* furui converge INPUT: a cutoff ladder and a k-point ladder on the structure
 * of one SCF input (the ladders: props/converge.h). Table on stdout, PREFIX.converge.json, the SCF tables in
 * PREFIX.converge.log; workflows/plot_converge.py draws the JSON. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/comm.h"
#include "core/error.h"
#include "core/jsonfile.h"
#include "core/units.h"
#include "core/yamldoc.h"
#include "crystal/kpoints.h"
#include "dft/protocol.h"
#include "dft/scf.h"
#include "dft/scf_input.h"
#include "props/converge.h"
#include "app/commands.h"
#include "app/runtime.h"
#include "furui_git_version.h"

#define MAX_RUNGS FU_CONVERGE_MAX_RUNGS
#define MAX_KDIV FU_CONVERGE_MAX_KDIV

typedef fu_converge_rung rung;
typedef fu_converge_ladder ladder;

static int cmp_up(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}
static int cmp_down(const void *a, const void *b) { return cmp_up(b, a); }

static fu_converge_prov prov;

int cmd_converge(int argc, char **argv, int rank) {
    app_io_args a = {.cmd = "converge", .what = "input file"};
    const char *ecut_arg = "16:64:4 Ha", *k_arg = "0.6,0.5,0.4,0.3,0.25,0.2,0.15,0.12,0.1 1/angstrom";
    int do_ecut = 1, do_k = 1;
    for (int i = 0; i < argc; i++) {
        int took = app_io_take(&a, argc, argv, &i, rank);
        if (took < 0) return APP_EXIT_USAGE;
        if (took) continue;
        if (!strcmp(argv[i], "--ecut") || !strcmp(argv[i], "--kspacing") || !strcmp(argv[i], "--only")) {
            if (i + 1 >= argc) return app_usage_error(rank, a.cmd, "option needs a value", argv[i]);
            const char *v = argv[++i];
            if (!strcmp(argv[i - 1], "--ecut")) ecut_arg = v;
            else if (!strcmp(argv[i - 1], "--kspacing")) k_arg = v;
            else if (!strcmp(v, "ecut")) do_k = 0;
            else if (!strcmp(v, "kpoints")) do_ecut = 0;
            else return app_usage_error(rank, a.cmd, "--only takes ecut or kpoints", v);
        } else {
            return app_usage_error(rank, a.cmd, "unknown option", argv[i]);
        }
    }
    if (app_io_check(&a, "furui converge INPUT.yaml [-o PREFIX] [--ecut 'FROM:TO:STEP Ha'] "
                         "[--kspacing 'Q1,Q2,... 1/angstrom'] [--only ecut|kpoints]", rank))
        return APP_EXIT_USAGE;
    const char *input = a.input, *prefix = a.prefix;
    double ecuts[MAX_RUNGS], spacings[MAX_RUNGS];
    char msg[600];
    int ne = 0, nk = 0;
    if (do_ecut && (ne = fu_converge_parse_ladder("--ecut", ecut_arg, FU_UNIT_ENERGY, ecuts, msg, sizeof msg)) < 0)
        return app_usage_error(rank, "converge", msg, NULL);
    if (do_k && (nk = fu_converge_parse_ladder("--kspacing", k_arg, FU_UNIT_INVLENGTH, spacings, msg, sizeof msg)) < 0)
        return app_usage_error(rank, "converge", msg, NULL);
    for (int i = 0; i < ne; i++)
        if (ecuts[i] > FU_INPUT_MAX_ECUT) return app_usage_error(rank, "converge", "--ecut: values above 1000 Ha", ecut_arg);
    qsort(ecuts, (size_t)ne, sizeof *ecuts, cmp_up);
    qsort(spacings, (size_t)nk, sizeof *spacings, cmp_down); /* coarse to dense */

    fu_err err = {0};
    fu_scf_input in;
    int rc = app_scf_input_read(input, &in, rank);
    if (rc) return rc;
    if (!prefix) prefix = in.output_prefix;

    static ladder L[2];
    memset(L, 0, sizeof L);
    L[0].name = "ecut";
    L[1].name = "kpoints";
    for (int i = 0; i < ne; i++) {
        L[0].r[L[0].n].ecut = ecuts[i];
        memcpy(L[0].r[L[0].n].kgrid, in.params.kgrid, sizeof in.params.kgrid);
        L[0].n++;
    }
    for (int i = 0; i < nk; i++) {
        rung *g = &L[1].r[L[1].n];
        g->ecut = in.params.ecut;
        g->spacing = spacings[i];
        fu_kpoints_grid_from_spacing(in.structure.lattice, spacings[i], MAX_KDIV, g->kgrid);
        /* the same mesh from two spacings is one rung */
        if (L[1].n > 0 && !memcmp(g->kgrid, L[1].r[L[1].n - 1].kgrid, sizeof g->kgrid)) continue;
        L[1].n++;
    }
    if (do_k && L[1].n < 2) {
        fu_scf_input_free(&in);
        return app_usage_error(rank, "converge", "--kspacing: the spacings give fewer than 2 distinct meshes", k_arg);
    }

    char path_log[4200], path_json[4200], tmp_log[4300];
    snprintf(path_log, sizeof path_log, "%s.converge.log", prefix);
    snprintf(path_json, sizeof path_json, "%s.converge.json", prefix);
    snprintf(tmp_log, sizeof tmp_log, "%s.tmp.%ld", path_log, (long)getpid());
    char failed[4300]; /* a stop signal leaves PREFIX.converge.failed.log, not a temporary */
    snprintf(failed, sizeof failed, "%s.converge.failed.log", prefix);
    FILE *log;
    if (!app_runlog_start(rank, 0, "converge", input, tmp_log, path_log, failed, &log)) {
        fu_scf_input_free(&in);
        return APP_EXIT_OTHER;
    }
    for (int l = 0; l < 2 && !rc; l++) {
        if ((l == 0 && !do_ecut) || (l == 1 && !do_k)) continue;
        for (int i = 0; i < L[l].n && !rc; i++) {
            rung *g = &L[l].r[i];
            if (rank == 0) {
                printf("%s rung %d/%d: ecut %.2f Ha, k-grid %dx%dx%d\n", L[l].name, i + 1, L[l].n, g->ecut,
                       g->kgrid[0], g->kgrid[1], g->kgrid[2]);
                fflush(stdout);
            }
            rc = fu_converge_run_rung(&in.structure, &in.params, MPI_COMM_WORLD, log, g, &prov, &err);
        }
        if (!rc && !L[l].r[L[l].n - 1].ok)
            rc = fu_fail(&err, FU_ENOCONV, "%s ladder: the densest rung's SCF did not converge", L[l].name);
        if (!rc) fu_converge_analyse(&L[l], in.structure.natom);
    }
    app_runlog_defer();
    if (rank == 0) {
        if (rc) {
            fprintf(stderr, "furui: error: %s: %s\n", input, err.msg);
            if (log) {
                fprintf(log, "# ERROR: %s\n", err.msg);
                fclose(log);
            }
            char failed[4300];
            snprintf(failed, sizeof failed, "%s.converge.failed.log", prefix);
            rename(tmp_log, failed);
        } else {
            json_t *j = json_object();
            json_object_set_new(j, "program", json_pack("{ssss}", "name", "furui", "version", FURUI_VERSION));
            json_object_set_new(j, "input", json_string(input));
            json_object_set_new(j, "natom", json_integer(in.structure.natom));
            json_object_set_new(j, "xc", json_string(in.params.xc));
            json_t *ps = json_object();
            for (int s = 0; s < in.structure.nspecies && s < prov.n; s++) {
                json_t *q = json_pack("{ssssssss}", "spec", in.params.pseudo[s], "file", prov.path[s],
                                      "format", prov.format[s], "sha256", prov.sha[s]);
                if (prov.hints[s][1] > 0)
                    json_object_set_new(q, "cutoff_hints_ha", json_pack("{sfsfsf}", "low", prov.hints[s][0],
                                                                        "normal", prov.hints[s][1], "high",
                                                                        prov.hints[s][2]));
                json_object_set_new(ps, in.structure.symbol[s], q);
            }
            json_object_set_new(j, "pseudopotentials", ps);
            json_object_set_new(j, "smearing", json_string(fu_smearing_name(in.params.smearing)));
            json_object_set_new(j, "smearing_width_ha", json_real(in.params.tsmear));
            if (in.params.protocol[0]) json_object_set_new(j, "protocol", json_string(in.params.protocol));
            json_object_set_new(j, "reference", json_string("each ladder's last (densest) rung"));
            for (int l = 0; l < 2; l++) {
                if ((l == 0 && !do_ecut) || (l == 1 && !do_k)) continue;
                json_t *lj = fu_converge_ladder_json(&L[l]);
                if (l == 0)
                    json_object_set_new(lj, "kgrid", json_pack("[iii]", in.params.kgrid[0], in.params.kgrid[1],
                                                               in.params.kgrid[2]));
                else json_object_set_new(lj, "ecut_ha", json_real(in.params.ecut));
                json_object_set_new(j, L[l].name, lj);
                fu_converge_print(stdout, &L[l]);
                fu_converge_print(log, &L[l]);
            }
            fclose(log);
            log = NULL;
            int wrc = fu_json_write_atomic(j, path_json, JSON_INDENT(1), &err);
            json_decref(j);
            if (!wrc && rename(tmp_log, path_log) != 0)
                wrc = fu_fail(&err, FU_EIO, "%s: cannot rename: %s", tmp_log, strerror(errno));
            if (wrc) {
                fprintf(stderr, "furui: error: %s\n", err.msg);
                remove(tmp_log);
                rc = wrc;
            } else {
                printf("# written: %s, %s\n", path_json, path_log);
            }
        }
    }
    app_runlog_release();
    fu_bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
    for (int l = 0; l < 2; l++) fu_converge_ladder_free(&L[l]);
    fu_scf_input_free(&in);
    return app_exit_code(rc);
}
