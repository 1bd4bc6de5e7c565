/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tracemesh init: create an empty store (.tracemesh/ with its catalog and object folder) in a
 * folder, the current one by default. Later commands find it by walking up, as git does.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli_store.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <stdio.h>

static const cli_opt init_opts[] = {
    {0, NULL, 0, NULL, NULL},
};

const cli_cmd_spec cmd_init_spec = {
    "init", "[DIR]", "Create an empty store (DIR/.tracemesh, default: the current folder).",
    "The store keeps every source manifest, volume, label volume and mesh as an immutable\n"
    "object named by its SHA-256, the derivations between them, and versioned assets.\n"
    "Commands find it by looking for .tracemesh/ in the current folder and its parents;\n"
    "--store DIR or the TRACEMESH_STORE variable name it explicitly.",
    init_opts};

int cmd_init(int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, &cmd_init_spec, argc, argv);
    const char *dir = NULL, *val;
    int id;
    while ((id = cli_next(&p, &val)) != CLI_END) {
        switch (id) {
        case CLI_HELP:
            cli_print_help(&cmd_init_spec, stdout);
            return CLI_EXIT_OK;
        case CLI_BAD:
            return CLI_EXIT_USAGE;
        case CLI_POSITIONAL:
            if (dir != NULL)
                return cli_usage_error(&cmd_init_spec, "unexpected argument '%s'", val);
            dir = val;
            break;
        }
    }
    if (dir != NULL && mkdir(dir, 0777) != 0 && errno != EEXIST) {
        cli_error("%s: cannot create folder: %s", dir, strerror(errno));
        return CLI_EXIT_FAIL;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/" TMESH_STORE_DIRNAME, dir ? dir : ".");
    signal(SIGXFSZ, SIG_IGN);
    tmesh_error err = TMESH_ERROR_INIT;
    tmesh_store *s = NULL;
    if (tmesh_store_create(&s, path, NULL, &err) != TMESH_OK) {
        if (err.code == TMESH_E_ARG) {
            cli_error("%s", err.msg);
            return CLI_EXIT_FAIL;
        }
        return cli_fail(&err);
    }
    tmesh_store_close(s);
    printf("created store %s\n", path);
    return CLI_EXIT_OK;
}
