/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SHA-256, the hash that names every file, object and derivation. Wraps GNU Nettle, which uses
 * the CPU's SHA extensions where present.
 */
#include "core_int.h"

#include <nettle/sha2.h>

struct tmesh_sha256 {
    struct sha256_ctx ctx;
};

tmesh_status tmesh_sha256_new(tmesh_sha256 **out, tmesh_error *err)
{
    TMESH_ASSERT(out != NULL);
    *out = malloc(sizeof **out);
    if (*out == NULL)
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for a SHA-256 context");
    sha256_init(&(*out)->ctx);
    return TMESH_OK;
}

void tmesh_sha256_update(tmesh_sha256 *h, const void *data, size_t len)
{
    sha256_update(&h->ctx, len, data);
}

void tmesh_sha256_final(tmesh_sha256 *h, uint8_t digest_out[32])
{
    sha256_digest(&h->ctx, SHA256_DIGEST_SIZE, digest_out);
}

void tmesh_sha256_reset(tmesh_sha256 *h)
{
    sha256_init(&h->ctx);
}

void tmesh_sha256_free(tmesh_sha256 *h)
{
    free(h);
}

void tmesh_sha256_buf(const void *data, size_t len, uint8_t digest_out[32])
{
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    sha256_update(&ctx, len, data);
    sha256_digest(&ctx, SHA256_DIGEST_SIZE, digest_out);
}

void tmesh_sha256_hex(const uint8_t digest[32], char hex_out[65])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        hex_out[2 * i] = digits[digest[i] >> 4];
        hex_out[2 * i + 1] = digits[digest[i] & 15];
    }
    hex_out[64] = '\0';
}
