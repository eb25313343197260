/* Stop signals during a run with a temporary log (runtime.h). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "app/runtime.h"
#include "core/comm.h"
#include "furui_git_version.h"

FILE *app_runlog_open(const char *tmp_log, const char *path_log, const char *cmd, const char *input) {
    FILE *log = fopen(tmp_log, "w");
    if (!log) {
        fprintf(stderr, "furui: error: %s: cannot write log: %s\n", path_log, strerror(errno));
        return NULL;
    }
    setvbuf(log, NULL, _IOLBF, 0);
    fprintf(log, "# furui %s (%s) %s %s\n", FURUI_VERSION, FURUI_GIT_VERSION, cmd, input);
    return log;
}

int app_runlog_start(int rank, int refused, const char *cmd, const char *input, const char *tmp_log,
                     const char *path_log, const char *failed_log, FILE **log) {
    int open_ok = !refused;
    *log = NULL;
    if (rank == 0 && open_ok) {
        *log = app_runlog_open(tmp_log, path_log, cmd, input);
        if (*log) app_runlog_guard(input, tmp_log, failed_log, fileno(*log));
        else open_ok = 0;
    }
    fu_bcast(&open_ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
    return open_ok;
}

static const int stop_signals[] = {SIGTERM, SIGINT, SIGHUP};
#define NSTOP (int)(sizeof stop_signals / sizeof stop_signals[0])

/* Written before the handlers are installed; the handler reads them only. */
static char tmp_path[4400], failed_path[4400], stderr_line[NSTOP][4600], log_line[NSTOP][64];
static volatile sig_atomic_t log_fd = -1, deferred = 0, armed = 0;
static struct sigaction previous[NSTOP];
static int installed; /* previous[] holds the handlers to restore (rank 0 only) */

static int index_of(int sig) {
    for (int i = 0; i < NSTOP; i++)
        if (stop_signals[i] == sig) return i;
    return 0;
}

/* Async-signal-safe calls only (write, rename, sigaction, raise); it may run
 * on any thread (OpenMP workers too). */
static void on_stop(int sig) {
    if (deferred || !armed) return;
    armed = 0;
    int i = index_of(sig);
    if (log_fd >= 0) { /* the log is line-buffered: whole lines are on disk */
        ssize_t w = write(log_fd, log_line[i], strlen(log_line[i]));
        (void)w;
    }
    rename(tmp_path, failed_path);
    ssize_t w = write(STDERR_FILENO, stderr_line[i], strlen(stderr_line[i]));
    (void)w;
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, NULL);
    raise(sig);
}

void app_runlog_guard(const char *input, const char *tmp_log, const char *failed_log, int fd) {
    static const char *const names[NSTOP] = {"SIGTERM", "SIGINT", "SIGHUP"};
    snprintf(tmp_path, sizeof tmp_path, "%s", tmp_log);
    snprintf(failed_path, sizeof failed_path, "%s", failed_log);
    for (int i = 0; i < NSTOP; i++) {
        snprintf(stderr_line[i], sizeof stderr_line[i],
                 "furui: error: %s: stopped by %s; the log so far is %s\n", input, names[i],
                 failed_log);
        snprintf(log_line[i], sizeof log_line[i], "# ERROR: stopped by %s\n", names[i]);
    }
    log_fd = fd;
    deferred = 0;
    armed = 1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < NSTOP; i++) sigaddset(&sa.sa_mask, stop_signals[i]);
    for (int i = 0; i < NSTOP; i++) sigaction(stop_signals[i], &sa, &previous[i]);
    installed = 1;
}

void app_runlog_defer(void) { deferred = 1; }

void app_runlog_release(void) {
    armed = 0;
    deferred = 0;
    log_fd = -1;
    if (!installed) return; /* ranks without a log never installed the handlers */
    for (int i = 0; i < NSTOP; i++) sigaction(stop_signals[i], &previous[i], NULL);
    installed = 0;
}
