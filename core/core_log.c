/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The log channel: the library reports warnings (tilt kept, spacing resampled, files skipped)
 * here and never prints. The default handler drops messages; the CLI installs one at start-up.
 */
#include "core_int.h"

#include <stdarg.h>

static tmesh_log_fn log_fn;
static void *log_user;

void tmesh_log_set_handler(tmesh_log_fn fn, void *user)
{
    log_fn = fn;
    log_user = user;
}

void tmesh_log(tmesh_log_level level, const char *fmt, ...)
{
    if (log_fn == NULL)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    log_fn(level, msg, log_user);
}
