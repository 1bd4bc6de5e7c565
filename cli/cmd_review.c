/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tracemesh review: approve or reject one version of an asset. Reviews are immutable and
 * accumulate; the latest one sets the state shown by log, show, trace and export.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli_store.h"

#include <string.h>

enum { OPT_APPROVE = 1, OPT_REJECT, OPT_BY, OPT_NOTE };

static const cli_opt review_opts[] = {
    {OPT_APPROVE, "approve", 0, NULL, "approve the version"},
    {OPT_REJECT, "reject", 0, NULL, "reject the version"},
    {OPT_BY, "by", 0, "NAME", "reviewer (required)"},
    {OPT_NOTE, "note", 0, "TEXT", "what was checked, or what is wrong"},
    CLI_STORE_OPT,
    {0, NULL, 0, NULL, NULL},
};

const cli_cmd_spec cmd_review_spec = {
    "review", "NAME@VERSION (--approve | --reject) --by NAME [--note TEXT]",
    "Record an immutable review of one version.",
    "A review names an explicit version, so it can never land on a version published\n"
    "meanwhile. Reviews are never edited or deleted: a changed opinion is a new review.",
    review_opts};

int cmd_review(int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, &cmd_review_spec, argc, argv);
    const char *ref = NULL, *by = NULL, *note = NULL, *store_opt = NULL, *val;
    int verdict = 0, id;
    while ((id = cli_next(&p, &val)) != CLI_END) {
        switch (id) {
        case CLI_HELP:
            cli_print_help(&cmd_review_spec, stdout);
            return CLI_EXIT_OK;
        case CLI_BAD:
            return CLI_EXIT_USAGE;
        case OPT_APPROVE:
        case OPT_REJECT:
            if (verdict != 0)
                return cli_usage_error(&cmd_review_spec, "give one of --approve and --reject");
            verdict = id == OPT_APPROVE ? TMESH_STORE_APPROVED : TMESH_STORE_REJECTED;
            break;
        case OPT_BY:
            by = val;
            break;
        case OPT_NOTE:
            note = val;
            break;
        case CLI_OPT_STORE:
            store_opt = val;
            break;
        case CLI_POSITIONAL:
            if (ref != NULL)
                return cli_usage_error(&cmd_review_spec, "unexpected argument '%s'", val);
            ref = val;
            break;
        }
    }
    if (ref == NULL)
        return cli_usage_error(&cmd_review_spec, "missing NAME@VERSION");
    if (verdict == 0)
        return cli_usage_error(&cmd_review_spec, "give --approve or --reject");
    if (by == NULL)
        return cli_usage_error(&cmd_review_spec, "missing --by NAME");
    char name[TMESH_STORE_NAME_MAX + 1];
    int version;
    tmesh_error err = TMESH_ERROR_INIT;
    if (tmesh_store_ref_parse(ref, name, &version, &err) != TMESH_OK)
        return cli_usage_error(&cmd_review_spec, "%s", err.msg);
    if (version == 0)
        return cli_usage_error(&cmd_review_spec, "'%s' names no version: write %s@VERSION", ref,
                               name);
    tmesh_store *s = NULL;
    int rc = cli_store_open(store_opt, &s);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (tmesh_store_review_add(s, name, version, (tmesh_store_verdict)verdict, by, note, &err) !=
        TMESH_OK)
        rc = cli_fail(&err);
    else
        printf("%s@%d %s by %s\n", name, version,
               verdict == TMESH_STORE_APPROVED ? "approved" : "rejected", by);
    tmesh_store_close(s);
    return rc;
}
