/* SHA-256 checksums (OpenSSL libcrypto) for provenance and file integrity. */
#ifndef FURUI_CORE_HASH_H
#define FURUI_CORE_HASH_H

#include <stddef.h>
#include "core/error.h"

#define FU_SHA256_HEX_LEN 65 /* 64 hex digits + NUL */

/* hex receives the lowercase hex digest of data[0..len). */
int fu_sha256_hex(const void *data, size_t len, char hex[FU_SHA256_HEX_LEN], fu_err *err);
/* Digest of a whole file; errors name the path. */
int fu_sha256_file(const char *path, char hex[FU_SHA256_HEX_LEN], fu_err *err);

#endif
