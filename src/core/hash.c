#include "core/hash.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

static void to_hex(const unsigned char *md, unsigned n, char *hex) {
    static const char digits[] = "0123456789abcdef";
    for (unsigned i = 0; i < n; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    hex[2 * n] = '\0';
}

int fu_sha256_hex(const void *data, size_t len, char hex[FU_SHA256_HEX_LEN], fu_err *err) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    if (!EVP_Digest(data, len, md, &n, EVP_sha256(), NULL))
        return fu_fail(err, FU_ELIB, "sha256: OpenSSL EVP_Digest failed");
    to_hex(md, n, hex);
    return FU_OK;
}

int fu_sha256_file(const char *path, char hex[FU_SHA256_HEX_LEN], fu_err *err) {
    FILE *f = fopen(path, "rb");
    if (!f) return fu_fail(err, FU_EIO, "%s: cannot open: %s", path, strerror(errno));
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int rc = FU_OK;
    if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
        rc = fu_fail(err, FU_ELIB, "%s: OpenSSL digest init failed", path);
        goto done;
    }
    unsigned char buf[1 << 16];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0) EVP_DigestUpdate(ctx, buf, got);
    if (ferror(f)) {
        rc = fu_fail(err, FU_EIO, "%s: read error", path);
        goto done;
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    EVP_DigestFinal_ex(ctx, md, &n);
    to_hex(md, n, hex);
done:
    EVP_MD_CTX_free(ctx);
    fclose(f);
    return rc;
}
