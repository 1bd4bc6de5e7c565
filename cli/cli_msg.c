/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Diagnostics of the tracemesh command: errors, warnings and notes on stderr with the
 * "tracemesh: <command>:" prefix, the progress bar, and the status -> exit code table.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <stdarg.h>
#include <string.h>
#include <unistd.h>

static int quiet;
static const char *command = "";
static int bar_shown;

void cli_set_quiet(int q) { quiet = q; }
void cli_set_command(const char *name) { command = name ? name : ""; }

int cli_exit_code(tmesh_status st)
{
    switch (st) {
    case TMESH_OK: return CLI_EXIT_OK;
    case TMESH_E_ARG: return CLI_EXIT_USAGE;
    case TMESH_E_DATA: return CLI_EXIT_DATA;
    case TMESH_E_VERIFY: return CLI_EXIT_VERIFY;
    default: return CLI_EXIT_FAIL;
    }
}

/* One line: newlines inside a message would break "one diagnostic per line". */
static void emit(const char *kind, const char *fmt, va_list ap)
{
    char msg[2048];
    vsnprintf(msg, sizeof msg, fmt, ap);
    for (char *p = msg; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    cli_progress_done();
    if (command[0])
        fprintf(stderr, "tracemesh: %s: %s%s\n", command, kind, msg);
    else
        fprintf(stderr, "tracemesh: %s%s\n", kind, msg);
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit("", fmt, ap);
    va_end(ap);
}

void cli_warn(const char *fmt, ...)
{
    if (quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    emit("warning: ", fmt, ap);
    va_end(ap);
}

void cli_note(const char *fmt, ...)
{
    if (quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    emit("", fmt, ap);
    va_end(ap);
}

int cli_fail(const tmesh_error *err)
{
    cli_error("%s", err->msg[0] ? err->msg : tmesh_status_name(err->code));
    return cli_exit_code(err->code);
}

void cli_log_handler(tmesh_log_level level, const char *msg, void *user)
{
    (void)user;
    if (level == TMESH_LOG_WARN)
        cli_warn("%s", msg);
    else if (level == TMESH_LOG_NOTE)
        cli_note("%s", msg);
}

void cli_progress(const char *stage, double fraction, void *user)
{
    (void)user;
    if (quiet || !isatty(STDERR_FILENO))
        return;
    int width = 30, filled = (int)(fraction * width + 0.5);
    if (filled < 0)
        filled = 0;
    if (filled > width)
        filled = width;
    char bar[64];
    memset(bar, '#', (size_t)filled);
    memset(bar + filled, '.', (size_t)(width - filled));
    bar[width] = '\0';
    fprintf(stderr, "\r%-24.24s [%s] %3d%%", stage ? stage : "", bar, (int)(fraction * 100 + 0.5));
    fflush(stderr);
    bar_shown = 1;
}

void cli_progress_done(void)
{
    if (bar_shown) {
        fprintf(stderr, "\r%70s\r", "");
        bar_shown = 0;
    }
}

void cli_json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (*p < 0x20)
                fprintf(out, "\\u%04x", *p);
            else
                fputc(*p, out);
        }
    }
    fputc('"', out);
}
