/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Option parsing from one table per command. The same table prints the usage line and --help,
 * so the help cannot drift from what the parser accepts.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void cli_parser_init(cli_parser *p, const cli_cmd_spec *spec, int argc, char **argv)
{
    p->spec = spec;
    p->argc = argc;
    p->argv = argv;
    p->i = 1; /* argv[0] is the command name */
    p->only_positional = 0;
}

int cli_ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a > b && strcmp(s + a - b, suffix) == 0;
}

int cli_usage_error(const cli_cmd_spec *spec, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cli_error("%s (see 'tracemesh %s --help')", msg, spec->name);
    return CLI_EXIT_USAGE;
}

int cli_next(cli_parser *p, const char **val)
{
    *val = NULL;
    if (p->i >= p->argc)
        return CLI_END;
    char *a = p->argv[p->i++];
    if (p->only_positional || a[0] != '-' || a[1] == '\0') {
        *val = a;
        return CLI_POSITIONAL;
    }
    if (strcmp(a, "--") == 0) {
        p->only_positional = 1;
        return cli_next(p, val);
    }
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
        return CLI_HELP;
    const cli_opt *found = NULL;
    const char *inline_val = NULL;
    if (a[1] == '-') {
        const char *name = a + 2;
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        for (const cli_opt *o = p->spec->opts; o && o->id; o++)
            if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
                found = o;
        if (eq)
            inline_val = eq + 1;
    } else if (a[2] == '\0') {
        for (const cli_opt *o = p->spec->opts; o && o->id; o++)
            if (o->short_name == a[1])
                found = o;
    }
    if (found == NULL) {
        cli_usage_error(p->spec, "unknown option '%s'", a);
        return CLI_BAD;
    }
    if (found->value_name == NULL) {
        if (inline_val) {
            cli_usage_error(p->spec, "option --%s takes no value", found->name);
            return CLI_BAD;
        }
        return found->id;
    }
    if (inline_val) {
        *val = inline_val;
        return found->id;
    }
    if (p->i >= p->argc) {
        cli_usage_error(p->spec, "option --%s needs a value %s", found->name, found->value_name);
        return CLI_BAD;
    }
    *val = p->argv[p->i++];
    return found->id;
}

void cli_print_help(const cli_cmd_spec *spec, FILE *out)
{
    fprintf(out, "usage: tracemesh %s %s\n\n%s\n", spec->name, spec->synopsis, spec->summary);
    if (spec->details)
        fprintf(out, "\n%s\n", spec->details);
    fprintf(out, "\noptions:\n");
    for (const cli_opt *o = spec->opts; o && o->id; o++) {
        char left[64];
        if (o->short_name)
            snprintf(left, sizeof left, "-%c, --%s%s%s", o->short_name, o->name,
                     o->value_name ? " " : "", o->value_name ? o->value_name : "");
        else
            snprintf(left, sizeof left, "    --%s%s%s", o->name, o->value_name ? " " : "",
                     o->value_name ? o->value_name : "");
        fprintf(out, "  %-28s %s\n", left, o->help);
    }
    fprintf(out, "  %-28s %s\n", "-h, --help", "show this help");
}

int cli_parse_uint(const char *opt, const char *s, unsigned long long max, unsigned long long *out)
{
    errno = 0;
    char *end = NULL;
    if (s == NULL || *s == '\0' || *s == '-') {
        cli_error("invalid value '%s' for %s: expected a whole number from 0 to %llu",
                  s ? s : "", opt, max);
        return -1;
    }
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > max) {
        cli_error("invalid value '%s' for %s: expected a whole number from 0 to %llu", s, opt,
                  max);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_parse_double(const char *opt, const char *s, double *out)
{
    errno = 0;
    char *end = NULL;
    double v = s ? strtod(s, &end) : 0.0;
    if (s == NULL || *s == '\0' || errno != 0 || *end != '\0' || !isfinite(v)) {
        cli_error("invalid value '%s' for %s: expected a number", s ? s : "", opt);
        return -1;
    }
    *out = v;
    return 0;
}
