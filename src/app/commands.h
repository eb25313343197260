/* The subcommands of `furui` (one file each, cmd_NAME.c), in the order of
 * `furui help`. Each takes the arguments after its name and this process's
 * MPI rank and returns the exit code (runtime.h). */
#ifndef FURUI_APP_COMMANDS_H
#define FURUI_APP_COMMANDS_H

typedef int (*app_command_fn)(int argc, char **argv, int rank);

/* ground state of one crystal (cmd_scf.c) */
int cmd_scf(int argc, char **argv, int rank);
/* screening sweep, its status and the merge of shards (cmd_screen.c) */
int cmd_screen(int argc, char **argv, int rank);
int cmd_status(int argc, char **argv, int rank);
int cmd_merge(int argc, char **argv, int rank);
/* band structure, gaps and DOS (cmd_bands.c) */
int cmd_bands(int argc, char **argv, int rank);
/* structural relaxation (cmd_relax.c) */
int cmd_relax(int argc, char **argv, int rank);
/* cutoff and k-point ladders (cmd_converge.c) */
int cmd_converge(int argc, char **argv, int rank);
/* the narrowing: shortlist by an expression over stored properties (cmd_rank.c) */
int cmd_rank(int argc, char **argv, int rank);
/* ML dataset export and the features of a sweep's candidates (cmd_export.c) */
int cmd_export(int argc, char **argv, int rank);
int cmd_featurize(int argc, char **argv, int rank);
/* RDE package validator (cmd_validate.c) */
int cmd_validate(int argc, char **argv, int rank);

typedef struct {
    const char *name;
    app_command_fn run;
    int runs_scf; /* plans FFTs: the FFTW wisdom is saved after it */
    int mpi;      /* starts MPI even without a launcher (the farm, merge) */
} app_command;

/* The table main.c dispatches from, ended by {NULL}. */
extern const app_command app_commands[];

#endif
