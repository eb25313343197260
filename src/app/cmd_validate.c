/* furui validate DIR|ZIP: checks RDE packages (src/export/rde.h). One line
 * per problem on stdout, then a summary; exit 0 when clean, 1 when any
 * problem was found or the path is not a package, 64 for usage errors.
 * Runs on rank 0; other ranks only return its exit code. */
#include <mpi.h>
#include <stdio.h>
#include <string.h>

#include "core/comm.h"
#include "core/error.h"
#include "export/rde.h"
#include "app/commands.h"
#include "app/runtime.h"

int cmd_validate(int argc, char **argv, int rank) {
    int code = 0;
    if (argc != 1 || argv[0][0] == '-') {
        if (rank == 0) fprintf(stderr, "furui: error: validate: usage: furui validate DIR|ZIP\n");
        code = APP_EXIT_USAGE;
    }
    if (!code && rank == 0) {
        fu_err err = {0};
        fu_rde_check rep;
        int rc = fu_rde_validate(argv[0], stdout, &rep, &err);
        if (rc) {
            fprintf(stderr, "furui: error: %s\n", err.msg);
            code = APP_EXIT_INPUT;
        } else {
            printf("furui validate: %s: %zu package(s), %zu tile(s), %zu file(s) hashed: %zu problem(s)\n", argv[0],
                   rep.npackages, rep.ntiles, rep.nfiles, rep.nproblems);
            code = rep.nproblems ? APP_EXIT_INPUT : APP_EXIT_OK;
        }
    }
    fu_bcast(&code, 1, MPI_INT, 0, MPI_COMM_WORLD);
    return code;
}
