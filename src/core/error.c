#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int fu_fail(fu_err *err, fu_status code, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return (int)code;
}

int fu_err_prefix(fu_err *err, const char *fmt, ...) {
    if (!err) return FU_OK;
    char head[FU_ERR_MSG_LEN], old[FU_ERR_MSG_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    /* Assembled by hand: snprintf("%s: %s") of two full buffers trips
     * -Wformat-truncation, and truncation is what we want here anyway. */
    size_t n = strlen(head), cap = sizeof err->msg - 1;
    if (n > cap) n = cap;
    memcpy(err->msg, head, n);
    if (n + 2 <= cap) {
        memcpy(err->msg + n, ": ", 2);
        n += 2;
    }
    size_t m = strlen(old);
    if (m > cap - n) m = cap - n;
    memcpy(err->msg + n, old, m);
    err->msg[n + m] = '\0';
    return (int)err->code;
}

void fu_err_clear(fu_err *err) {
    if (!err) return;
    err->code = FU_OK;
    err->msg[0] = '\0';
}

const char *fu_status_name(int code) {
    switch (code) {
    case FU_OK: return "ok";
    case FU_EINPUT: return "input";
    case FU_EIO: return "io";
    case FU_ENOMEM: return "memory";
    case FU_ENOCONV: return "no-convergence";
    case FU_ELIB: return "library";
    case FU_EPHYS: return "physics";
    case FU_EINTERNAL: return "internal";
    case FU_ETIME: return "time-limit";
    default: return "unknown";
    }
}
