/* furui rank RESULTS [--where EXPR] [--sort KEYS] [--limit N] [--all-states]
 *            [--stage NAME|N] [--hull auto|corrected|uncorrected] -o DIR [--force]
 * (a staged sweep's results: each candidate's last stage, or the stage named)
 * furui rank --list
 * The narrowing step (src/rank/shortlist.h, language in
 * src/rank/rank_expr.h). Runs on rank 0; other ranks only return its exit
 * code. Exit codes: 0 written (also when nothing matched), 1 bad input
 * (expression, damaged results file), 3 I/O failure (results file missing or
 * unreadable, write failure), 64 usage: the README's rule. */
#include <errno.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/comm.h"
#include "core/error.h"
#include "rank/catalog.h"
#include "rank/shortlist.h"
#include "app/commands.h"
#include "app/runtime.h"


static void list_properties(void) {
    size_t n;
    const fu_prop_def *d = fu_prop_catalog(&n);
    printf("%-34s %-6s %-16s %s\n", "property", "kind", "unit", "description");
    for (size_t i = 0; i < n; i++)
        printf("%-34s %-6s %-16s %s\n", d[i].name,
               d[i].kind == FU_PROP_TEXT ? "text" : d[i].kind == FU_PROP_INT ? "int" : "real",
               d[i].unit[0] ? d[i].unit : "-", d[i].description);
}

int cmd_rank(int argc, char **argv, int rank) {
    const char *in = NULL, *out = NULL;
    fu_rank_opts o = {0};
    int code = 0, list = 0;
    for (int i = 0; i < argc && !code; i++) {
        const char *bad = NULL, *a = argv[i];
        int needs = !strcmp(a, "-o") || !strcmp(a, "--where") || !strcmp(a, "--sort") || !strcmp(a, "--limit") ||
                    !strcmp(a, "--stage") || !strcmp(a, "--hull");
        if (needs && i + 1 >= argc) {
            bad = "option needs a value";
        } else if (!strcmp(a, "-o")) {
            out = argv[++i];
        } else if (!strcmp(a, "--where")) {
            o.where = argv[++i];
        } else if (!strcmp(a, "--stage")) {
            o.stage = argv[++i];
        } else if (!strcmp(a, "--sort")) {
            o.sort = argv[++i];
        } else if (!strcmp(a, "--limit")) {
            char *end;
            errno = 0;
            long long v = strtoll(argv[++i], &end, 10);
            if (errno || *end || end == argv[i] || v <= 0) bad = "--limit needs a positive integer";
            else o.limit = (size_t)v;
            if (bad) a = argv[i];
        } else if (!strcmp(a, "--hull")) {
            fu_hull_energies h;
            a = argv[++i];
            if (fu_prop_hull_parse(a, &h)) bad = "--hull needs auto, corrected or uncorrected";
            else o.hull = (int)h;
        } else if (!strcmp(a, "--all-states")) {
            o.all_states = 1;
        } else if (!strcmp(a, "--force")) {
            o.force = 1;
        } else if (!strcmp(a, "--list")) {
            list = 1;
        } else if (a[0] == '-') {
            bad = "unknown option";
        } else if (!in) {
            in = a;
        } else {
            bad = "more than one results file";
        }
        if (bad) {
            if (rank == 0) fprintf(stderr, "furui: error: rank: %s ('%s')\n", bad, a);
            code = APP_EXIT_USAGE;
        }
    }
    if (!code && list) {
        if (rank == 0) list_properties();
    } else if (!code && (!in || !out)) {
        if (rank == 0)
            fprintf(stderr, "furui: error: rank: usage: furui rank RESULTS [--where EXPR] [--sort KEYS] "
                            "[--limit N] [--all-states] [--stage NAME|N] [--hull auto|corrected|uncorrected] -o DIR "
                            "[--force]   (furui rank --list: properties)\n");
        code = APP_EXIT_USAGE;
    } else if (!code && rank == 0) {
        fu_err err = {0};
        fu_rank_report rep;
        int rc = fu_rank_run(in, out, &o, &rep, &err);
        if (rc) {
            fprintf(stderr, "furui: error: rank: %s\n", err.msg);
            code = app_exit_code(rc);
        } else {
            printf("furui rank: %s -> %s: %zu of %zu considered candidates selected", in, out, rep.nselected,
                   rep.nconsidered);
            if (rep.nmatched > rep.nselected) printf(" (%zu matched, --limit %zu)", rep.nmatched, o.limit);
            if (rep.nunknown) printf("; %zu undecided for missing values (not selected)", rep.nunknown);
            printf("\n");
        }
    }
    fu_bcast(&code, 1, MPI_INT, 0, MPI_COMM_WORLD);
    return code;
}
