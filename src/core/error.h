/* Status codes and error messages.
 *
 * Every fallible function returns an int status (FU_OK = 0) and fills an
 * fu_err with a one-line message of the form "FILE:LINE: key: what is wrong"
 * (or "FILE: key: ..." when no line applies). The library never exits or
 * aborts on a bad input or a failed candidate: callers decide. */
#ifndef FURUI_CORE_ERROR_H
#define FURUI_CORE_ERROR_H

typedef enum {
    FU_OK = 0,
    FU_EINPUT = 1,    /* malformed or inconsistent input */
    FU_EIO = 2,       /* file system: open, read, write, rename */
    FU_ENOMEM = 3,    /* allocation failed */
    FU_ENOCONV = 4,   /* an iteration did not converge within its limit */
    FU_ELIB = 5,      /* an external library reported failure */
    FU_EPHYS = 6,     /* physically invalid state (NaN, charge not conserved) */
    FU_EINTERNAL = 7, /* a bug: an invariant of furui itself broke */
    FU_ETIME = 8      /* stopped at a safe point: time limit or stop request */
} fu_status;

#define FU_ERR_MSG_LEN 1024

typedef struct {
    fu_status code;
    char msg[FU_ERR_MSG_LEN];
} fu_err;

/* Sets err (if not NULL) and returns code, so callers can write
 * `return fu_fail(err, FU_EINPUT, "%s: ecut: must be > 0", path);` */
int fu_fail(fu_err *err, fu_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prepends "context: " to an existing message. Returns err->code, or FU_OK when
 * err is NULL: callers must return their own status, not this value. */
int fu_err_prefix(fu_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void fu_err_clear(fu_err *err);

/* Short name of a status code, e.g. "input", "no-convergence". */
const char *fu_status_name(int code);

#endif
