/* What the subcommands share (runtime.c, runlog.c): exit codes, the
 * `INPUT -o PREFIX` arguments, and the process-wide settings the subcommands
 * that run SCFs hand to the library (the FFTW plan cache, threads and memory
 * per rank, the stop signals of a run with a temporary log). */
#ifndef FURUI_APP_RUNTIME_H
#define FURUI_APP_RUNTIME_H

#include <stddef.h>
#include <stdio.h>

#include "dft/scf_input.h"

/* Exit codes, documented in the README: 0 success, 1 bad input, 2 not
 * converged (merge: candidates of the sweep in no shard), 3 any other
 * failure (I/O, memory, a library), 64 usage. */
enum {
    APP_EXIT_OK = 0,
    APP_EXIT_INPUT = 1,
    APP_EXIT_NOCONV = 2,
    APP_EXIT_MISSING = 2,
    APP_EXIT_OTHER = 3,
    APP_EXIT_USAGE = 64
};
/* The exit code of a library status (FU_OK, FU_EINPUT, ...: core/error.h). */
int app_exit_code(int status);
/* Prints "furui: error: CMD: WHAT ('ARG')" (without the parenthesis when
 * arg is NULL) on rank 0; returns APP_EXIT_USAGE. */
int app_usage_error(int rank, const char *cmd, const char *what, const char *arg);

/* The arguments of a subcommand that reads one file and writes PREFIX.*:
 * `INPUT [-o PREFIX]` among its own options. Set cmd and what, then for each
 * argv[i] call app_io_take, and app_io_check after the last. */
typedef struct {
    const char *cmd;    /* "scf": the subcommand, for messages */
    const char *what;   /* "input file": the positional argument, for messages */
    const char *input;  /* the positional argument; NULL until given */
    const char *prefix; /* -o PREFIX; NULL when not given */
} app_io_args;
/* Takes argv[*i] when it is -o (with its value: *i advances) or the
 * positional argument: returns 1. Returns 0 for any other option (the
 * caller's to parse or refuse), -1 after the usage error (-o without a value
 * or twice, a second positional argument). */
int app_io_take(app_io_args *a, int argc, char **argv, int *i, int rank);
/* After the arguments: 0, or -1 after the usage error (no input: `usage` is
 * the command's synopsis; a prefix without a file name part). */
int app_io_check(const app_io_args *a, const char *usage, int rank);

/* Reads a subcommand's SCF input and sets the process-wide settings in its
 * parameters (fft_patient, threads). Returns 0, or the exit code after the
 * error line (rank 0) with in freed. */
int app_scf_input_read(const char *input, fu_scf_input *in, int rank);

/* A whole number 1..99999 from the environment variable name, or 0 (unset or
 * not one). */
int app_env_count(const char *name);

/* Path of the wisdom cache into buf: FURUI_FFTW_WISDOM=path, or "off"
 * (returns 0); default $XDG_CACHE_HOME/furui/fftw.wisdom or
 * ~/.cache/furui/fftw.wisdom. Returns 1 when the cache is on. */
int app_wisdom_path(char *buf, size_t len);
/* Writes FFTW's accumulated wisdom to path (made with its folders), best
 * effort: a cache that cannot be written only costs planning time. */
void app_wisdom_save(const char *path);
/* 1 when plans are cached across runs, so that patient planning pays off:
 * the value for fu_scf_params.fft_patient. */
int app_fft_patient(void);
/* Threads per rank (fu_scf_params.threads): FURUI_THREADS, else
 * OMP_NUM_THREADS, else the cores this process may run on divided by the
 * ranks on its node (OMPI_COMM_WORLD_LOCAL_SIZE, MPI_LOCALNRANKS,
 * SLURM_NTASKS_PER_NODE), so that the default never oversubscribes the
 * cores. At least 1. (OpenBLAS stays at one thread unless
 * OPENBLAS_NUM_THREADS says otherwise: main.c.) */
int app_threads(void);
/* Memory limit per rank in bytes: `cli` if > 0 (--mem-per-rank), else
 * FURUI_MEM_PER_RANK, else MemAvailable of /proc/meminfo (physical memory
 * if absent) divided by the ranks on this node (as app_threads counts them).
 * how (cap bytes) says where it came from, for messages. Returns -1 with a
 * message in how when FURUI_MEM_PER_RANK is not a size. */
double app_mem_per_rank(double cli, char *how, size_t cap);
/* A size "4G", "512 MB", "1.5GiB", "2e9" (bytes) -> bytes; 0 if not one. */
double app_parse_bytes(const char *s);

/* Stop signals (SIGTERM, SIGINT, SIGHUP) while a run writes its log under a
 * temporary name (runlog.c). Without this, a stopped `furui scf` left
 * PREFIX.log.tmp.PID behind. From app_runlog_guard on, a signal ends the log
 * with "# ERROR: stopped by SIG...", renames it to failed_log (as any
 * failure), prints one error line naming input, and ends the process by the
 * signal. From app_runlog_defer on (results being written and renamed into
 * place) a signal is ignored: the run ends within moments, with either all
 * files promoted or none. app_runlog_release restores the handlers. */
/* Opens a run's log under its temporary name tmp_log (rank 0): whole lines
 * reach the disk, should a signal stop the run; the first line is
 * "# furui VERSION (GIT) CMD INPUT". NULL after the error line naming
 * path_log. */
FILE *app_runlog_open(const char *tmp_log, const char *path_log, const char *cmd, const char *input);
void app_runlog_guard(const char *input, const char *tmp_log, const char *failed_log, int log_fd);
/* The start of scf, relax and converge: rank 0 opens tmp_log (app_runlog_open) and guards it
 * (a stop signal leaves failed_log), unless `refused` (rank 0 found an output it may not
 * replace and said so); every rank learns the outcome before any SCF starts. 1 and *log (rank
 * 0; NULL elsewhere) if the run may go on, else 0. */
int app_runlog_start(int rank, int refused, const char *cmd, const char *input, const char *tmp_log,
                     const char *path_log, const char *failed_log, FILE **log);
void app_runlog_defer(void);
void app_runlog_release(void);

#endif
