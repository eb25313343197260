/* Process-wide settings the subcommands that run SCFs hand to the library
 * (main.c): the FFTW plan cache and the threads per rank. */
#ifndef FURUI_APP_RUNTIME_H
#define FURUI_APP_RUNTIME_H

#include <stddef.h>

/* Path of the wisdom cache into buf: FURUI_FFTW_WISDOM=path, or "off"
 * (returns 0); default $XDG_CACHE_HOME/furui/fftw.wisdom or
 * ~/.cache/furui/fftw.wisdom. Returns 1 when the cache is on. */
int app_wisdom_path(char *buf, size_t len);
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
void app_runlog_guard(const char *input, const char *tmp_log, const char *failed_log, int log_fd);
void app_runlog_defer(void);
void app_runlog_release(void);

#endif
