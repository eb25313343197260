/* furui export RESULTS -o DIR [--force] [--rde] [--rde-max-tiles N] [--stage NAME|N] [--hull auto|corrected|uncorrected]: the ML
 * dataset of a campaign; --rde adds the NIMS RDE packages and the MDR draft
 * (src/export/export.h, format in src/export/README.md).
 * furui featurize SWEEP -o DIR [--force]: the same feature columns for every
 * candidate of a sweep before any DFT (for a model to predict them).
 * Both run on rank 0; other ranks (if started under mpiexec) only return its
 * exit code. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/comm.h"
#include "core/error.h"
#include "export/export.h"
#include "export/rde.h"
#include "app/commands.h"
#include "app/runtime.h"
#include "rank/catalog.h"


typedef int (*export_fn)(const char *in, const char *out, const fu_export_opts *o, fu_export_report *rep,
                         fu_err *err);

static int run(int argc, char **argv, int rank, const char *cmd, const char *what, export_fn fn) {
    const char *in = NULL, *out = NULL;
    fu_export_opts o = {0};
    int code = 0;
    for (int i = 0; i < argc && !code; i++) {
        const char *bad = NULL;
        if (strcmp(argv[i], "-o") == 0) {
            if (i + 1 >= argc) bad = "option -o needs a directory";
            else if (out) bad = "option -o given twice";
            else out = argv[++i];
        } else if (strcmp(argv[i], "--force") == 0) {
            o.force = 1;
        } else if (!strcmp(cmd, "export") && strcmp(argv[i], "--stage") == 0) {
            if (i + 1 >= argc) bad = "option --stage needs a stage name or number";
            else o.stage = argv[++i];
        } else if (!strcmp(cmd, "export") && strcmp(argv[i], "--rde") == 0) {
            o.rde = 1;
        } else if (!strcmp(cmd, "export") && strcmp(argv[i], "--hull") == 0) {
            fu_hull_energies h;
            if (i + 1 >= argc || fu_prop_hull_parse(argv[i + 1], &h))
                bad = "option --hull needs auto, corrected or uncorrected";
            else o.hull = (int)h, i++;
        } else if (!strcmp(cmd, "export") && strcmp(argv[i], "--rde-max-tiles") == 0) {
            char *end = NULL;
            long v = i + 1 < argc ? strtol(argv[i + 1], &end, 10) : 0;
            if (i + 1 >= argc || !end || *end || v < 1 || v > FU_RDE_MAX_TILES)
                bad = "option --rde-max-tiles needs an integer 1..9999";
            else {
                o.rde_max_tiles = (size_t)v;
                o.rde = 1;
                i++;
            }
        } else if (argv[i][0] == '-') {
            bad = "unknown option";
        } else if (!in) {
            in = argv[i];
        } else {
            bad = "more than one input file";
        }
        if (bad) {
            if (rank == 0) fprintf(stderr, "furui: error: %s: %s ('%s')\n", cmd, bad, argv[i]);
            code = APP_EXIT_USAGE;
        }
    }
    if (!code && (!in || !out)) {
        if (rank == 0)
            fprintf(stderr, "furui: error: %s: usage: furui %s %s -o DIR [--force]%s\n", cmd, cmd, what,
                    strcmp(cmd, "export") ? "" : " [--rde] [--rde-max-tiles N] [--stage NAME|N] [--hull auto|corrected|uncorrected]");
        code = APP_EXIT_USAGE;
    }
    if (!code && rank == 0) {
        fu_err err = {0};
        fu_export_report rep;
        int rc = fn(in, out, &o, &rep, &err);
        if (rc) {
            fprintf(stderr, "furui: error: %s\n", err.msg);
            code = app_exit_code(rc);
        } else if (!strcmp(cmd, "export")) {
            printf("furui export: %s -> %s: %zu of %zu candidates exported (%zu features, %zu targets), "
                   "%zu skipped (skipped.csv), %zu columns dropped (dataset.json)\n",
                   in, out, rep.nrow, rep.ncand, rep.nfeat, rep.ntarget, rep.nskip, rep.ndropped);
            if (o.rde && rep.npackages > 1)
                printf("furui export: %zu RDE packages %s/rde/rdeformat_0001.zip .. rdeformat_%04zu.zip, "
                       "MDR draft %s/mdr/metadata.yaml\n", rep.npackages, out, rep.npackages, out);
            else if (o.rde)
                printf("furui export: %zu RDE package %s/rde/rdeformat_0001.zip, MDR draft "
                       "%s/mdr/metadata.yaml\n", rep.npackages, out, out);
        } else {
            printf("furui featurize: %s -> %s: %zu of %zu candidates featurized (%zu features), %zu skipped "
                   "(skipped.csv), %zu columns dropped\n",
                   in, out, rep.nrow, rep.ncand, rep.nfeat, rep.nskip, rep.ndropped);
        }
    }
    fu_bcast(&code, 1, MPI_INT, 0, MPI_COMM_WORLD);
    return code;
}

int cmd_export(int argc, char **argv, int rank) {
    return run(argc, argv, rank, "export", "RESULTS", fu_export_run);
}

int cmd_featurize(int argc, char **argv, int rank) {
    return run(argc, argv, rank, "featurize", "SWEEP.yaml", fu_featurize_run);
}
