/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tracemesh fsck: check every object, derivation, version, review and export of the store and
 * report what is missing, damaged or inconsistent. It never repairs anything.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli_store.h"

enum { OPT_VERBOSE = 1 };

static const cli_opt fsck_opts[] = {
    {OPT_VERBOSE, "verbose", 'v', NULL, "also list harmless leftovers one by one"},
    CLI_STORE_OPT,
    {0, NULL, 0, NULL, NULL},
};

const cli_cmd_spec cmd_fsck_spec = {
    "fsck", "[--verbose]", "Check every object and reference of the store (never repairs).",
    "Every object is read, decompressed and hashed; every derivation record is compared with\n"
    "the catalog; versions, reviews and exports are followed. Problems are printed one per\n"
    "line on stdout and the exit code is 4. Object files the catalog does not list and\n"
    "temporary files (left by an interrupted command) are harmless and only counted.",
    fsck_opts};

static void finding(int severity, const char *msg, void *user)
{
    int verbose = *(int *)user;
    if (severity)
        printf("problem: %s\n", msg);
    else if (verbose)
        printf("note: %s\n", msg);
}

int cmd_fsck(int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, &cmd_fsck_spec, argc, argv);
    const char *store_opt = NULL, *val;
    int verbose = 0, id;
    while ((id = cli_next(&p, &val)) != CLI_END) {
        switch (id) {
        case CLI_HELP:
            cli_print_help(&cmd_fsck_spec, stdout);
            return CLI_EXIT_OK;
        case CLI_BAD:
            return CLI_EXIT_USAGE;
        case OPT_VERBOSE:
            verbose = 1;
            break;
        case CLI_OPT_STORE:
            store_opt = val;
            break;
        case CLI_POSITIONAL:
            return cli_usage_error(&cmd_fsck_spec, "unexpected argument '%s'", val);
        }
    }
    tmesh_store *s = NULL;
    int rc = cli_store_open(store_opt, &s);
    if (rc != CLI_EXIT_OK)
        return rc;
    tmesh_error err = TMESH_ERROR_INIT;
    tmesh_store_fsck_report r;
    if (tmesh_store_fsck(&r, s, finding, &verbose, &err) != TMESH_OK) {
        rc = cli_fail(&err);
    } else {
        printf("%zu objects checked, %zu problem%s, %zu unreferenced object file%s, %zu "
               "temporary file%s\n",
               r.objects_checked, r.problems, r.problems == 1 ? "" : "s", r.unreferenced,
               r.unreferenced == 1 ? "" : "s", r.temp_files, r.temp_files == 1 ? "" : "s");
        if (r.problems > 0) {
            cli_error("%s: %zu problem%s found (nothing was changed)", tmesh_store_path(s),
                      r.problems, r.problems == 1 ? "" : "s");
            rc = CLI_EXIT_VERIFY;
        }
    }
    tmesh_store_close(s);
    return rc;
}
