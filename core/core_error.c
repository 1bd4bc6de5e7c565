/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Error records: the first failure wins, context is prepended, nothing allocates. Every module
 * reports through these calls so that the CLI has exactly one message to print.
 */
#include "core_int.h"

#include <stdarg.h>
#include <string.h>

tmesh_status tmesh_error_set(tmesh_error *err, tmesh_status code, const char *fmt, ...)
{
    if (err == NULL || err->code != TMESH_OK)
        return code;
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return code;
}

void tmesh_error_context(tmesh_error *err, const char *fmt, ...)
{
    if (err == NULL || err->code == TMESH_OK)
        return;
    char prefix[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    if (n <= 0)
        return;
    /* prefix + ": " + old message, cut at the end when it does not fit */
    char joined[sizeof err->msg];
    size_t cap = sizeof joined - 1, len = 0;
    const char *pieces[3] = {prefix, ": ", err->msg};
    for (int i = 0; i < 3 && len < cap; i++) {
        size_t take = strlen(pieces[i]);
        if (take > cap - len)
            take = cap - len;
        memcpy(joined + len, pieces[i], take);
        len += take;
    }
    joined[len] = '\0';
    memcpy(err->msg, joined, len + 1);
}

void tmesh_error_clear(tmesh_error *err)
{
    if (err == NULL)
        return;
    err->code = TMESH_OK;
    err->msg[0] = '\0';
}

const char *tmesh_status_name(tmesh_status code)
{
    switch (code) {
    case TMESH_OK: return "TMESH_OK";
    case TMESH_E_ARG: return "TMESH_E_ARG";
    case TMESH_E_IO: return "TMESH_E_IO";
    case TMESH_E_DATA: return "TMESH_E_DATA";
    case TMESH_E_NOMEM: return "TMESH_E_NOMEM";
    case TMESH_E_NOTFOUND: return "TMESH_E_NOTFOUND";
    case TMESH_E_VERIFY: return "TMESH_E_VERIFY";
    case TMESH_E_INTERNAL: return "TMESH_E_INTERNAL";
    }
    return "TMESH_E_UNKNOWN";
}

void tmesh_assert_fail(const char *expr, const char *file, int line)
{
    fprintf(stderr, "tracemesh: internal assertion failed: %s (%s:%d)\n", expr, file, line);
    abort();
}
