/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tracemesh log: the versions of an asset, newest first, each with its mesh, how it was made,
 * its parent, note and review state; without a name, every asset and its latest version.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli_store.h"

#include <stdlib.h>
#include <string.h>

enum { OPT_JSON = 1 };

static const cli_opt log_opts[] = {
    {OPT_JSON, "json", 0, NULL, "print JSON (one array, oldest first)"},
    CLI_STORE_OPT,
    {0, NULL, 0, NULL, NULL},
};

const cli_cmd_spec cmd_log_spec = {
    "log", "[NAME] [--json]", "List the versions of an asset or figure (or every one).",
    "Each version shows its mesh SHA-256, the operation that made it, its parent, the note,\n"
    "who published it and when, and its review state (unreviewed until someone reviews it).\n"
    "A figure's versions show the image SHA-256 and the asset versions each one shows.\n"
    "Without NAME: every asset's latest version, then every figure's (figures not in --json).",
    log_opts};

static const char *review_word(int state)
{
    return state > 0 ? "approved" : state < 0 ? "rejected" : "unreviewed";
}

static const char *operation_of(tmesh_store *s, const char *deriv, char *buf, size_t cap)
{
    buf[0] = '\0';
    tmesh_store_derivation *d = NULL;
    if (deriv[0] && tmesh_store_derivation_get(&d, s, deriv, NULL) == TMESH_OK)
        snprintf(buf, cap, "%s", d->operation);
    else if (deriv[0])
        snprintf(buf, cap, "? (derivation record damaged)");
    tmesh_store_derivation_free(d);
    return buf[0] ? buf : "-";
}

/* "skull@2, skin@1" */
static void print_shown(const tmesh_store_figure *f)
{
    for (size_t i = 0; i < f->n_assets; i++)
        printf("%s%s@%d", i ? ", " : "", f->assets[i].asset, f->assets[i].version);
}

/* Without a name: the figures after the assets. */
static void print_figures(tmesh_store *s)
{
    char(*names)[TMESH_STORE_NAME_MAX + 1] = NULL;
    size_t n = 0;
    if (tmesh_store_figures(&names, &n, s, NULL, NULL) != TMESH_OK)
        return;
    for (size_t i = 0; i < n; i++) {
        tmesh_store_figure *f = NULL;
        if (tmesh_store_figure_get(&f, s, names[i], 0, NULL) != TMESH_OK)
            continue;
        printf("%-24s figure, %d version%s, latest %s@%d %s %.12s shows ", f->name, f->version,
               f->version == 1 ? "" : "s", f->name, f->version, f->format, f->image);
        print_shown(f);
        printf("\n");
        tmesh_store_figure_free(f);
    }
    free(names);
}

/* 'log FIG': every version of a figure, newest first (JSON: oldest first, as for assets). */
static int log_figure(tmesh_store *s, const tmesh_store_figure *latest, int json)
{
    if (json)
        printf("[");
    for (int k = 0; k < latest->version; k++) {
        int ver = json ? k + 1 : latest->version - k;
        tmesh_store_figure *f = NULL;
        tmesh_error err = TMESH_ERROR_INIT;
        if (tmesh_store_figure_get(&f, s, latest->name, ver, &err) != TMESH_OK) {
            if (json)
                printf("]\n");
            return cli_fail(&err);
        }
        if (json) {
            printf("%s{\"figure\":", k ? "," : "");
            cli_json_string(stdout, f->name);
            printf(",\"version\":%d,\"format\":\"%s\",\"image\":\"%s\",\"scene\":\"%s\","
                   "\"derivation\":\"%s\",\"shows\":[",
                   f->version, f->format, f->image, f->scene, f->derivation);
            for (size_t i = 0; i < f->n_assets; i++)
                printf("%s\"%s@%d\"", i ? "," : "", f->assets[i].asset, f->assets[i].version);
            printf("],\"renderer\":");
            cli_json_string(stdout, f->renderer);
            printf(",\"note\":");
            cli_json_string(stdout, f->note);
            printf(",\"created_at\":\"%s\",\"created_by\":", f->created_at);
            cli_json_string(stdout, f->created_by);
            printf("}");
        } else {
            printf("%s@%d  %s %.12s  shows ", f->name, f->version, f->format, f->image);
            print_shown(f);
            printf("  %s%s%s\n", f->created_at, f->created_by[0] ? " by " : "", f->created_by);
            if (f->note[0])
                printf("    note     %s\n", f->note);
        }
        tmesh_store_figure_free(f);
    }
    if (json)
        printf("]\n");
    return CLI_EXIT_OK;
}

/* "mesh", or "labels" for a label asset's version. */
static const char *kind_word(tmesh_store *s, const char *hash)
{
    tmesh_store_kind k = TMESH_STORE_MESH;
    tmesh_store_object_kind(&k, s, hash, NULL);
    return k == TMESH_STORE_LABELS ? "labels" : "mesh";
}

int cmd_log(int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, &cmd_log_spec, argc, argv);
    const char *name = NULL, *store_opt = NULL, *val;
    int json = 0, id;
    while ((id = cli_next(&p, &val)) != CLI_END) {
        switch (id) {
        case CLI_HELP:
            cli_print_help(&cmd_log_spec, stdout);
            return CLI_EXIT_OK;
        case CLI_BAD:
            return CLI_EXIT_USAGE;
        case OPT_JSON:
            json = 1;
            break;
        case CLI_OPT_STORE:
            store_opt = val;
            break;
        case CLI_POSITIONAL:
            if (name != NULL)
                return cli_usage_error(&cmd_log_spec, "unexpected argument '%s'", val);
            name = val;
            break;
        }
    }
    tmesh_error err = TMESH_ERROR_INIT;
    if (name && tmesh_store_name_check(name, &err) != TMESH_OK)
        return cli_usage_error(&cmd_log_spec, "%s", err.msg);
    tmesh_store *s = NULL;
    int rc = cli_store_open(store_opt, &s);
    if (rc != CLI_EXIT_OK)
        return rc;
    char op[64];
    if (name == NULL) {
        char(*names)[TMESH_STORE_NAME_MAX + 1] = NULL;
        size_t n = 0;
        if (tmesh_store_assets(&names, &n, s, &err) != TMESH_OK) {
            rc = cli_fail(&err);
            goto done;
        }
        if (json)
            printf("[");
        for (size_t i = 0; i < n; i++) {
            tmesh_store_version v;
            if (tmesh_store_version_get(&v, s, names[i], 0, &err) != TMESH_OK) {
                tmesh_error_clear(&err);
                continue;
            }
            if (json) {
                printf("%s{\"asset\":", i ? "," : "");
                cli_json_string(stdout, v.asset);
                printf(",\"latest\":%d,\"mesh\":\"%s\",\"review\":\"%s\"}", v.version, v.mesh,
                       review_word(v.review_state));
            } else {
                printf("%-24s %d version%s, latest %s@%d %s %.12s %s\n", v.asset, v.version,
                       v.version == 1 ? "" : "s", v.asset, v.version, kind_word(s, v.mesh), v.mesh,
                       review_word(v.review_state));
            }
        }
        if (json)
            printf("]\n");
        else
            print_figures(s);
        free(names);
        goto done;
    }
    tmesh_store_version *vs = NULL;
    size_t n = 0;
    tmesh_store_figure *fig = NULL;
    if (tmesh_store_figure_get(&fig, s, name, 0, NULL) == TMESH_OK) {
        rc = log_figure(s, fig, json);
        tmesh_store_figure_free(fig);
        goto done;
    }
    if (tmesh_store_versions(&vs, &n, s, name, &err) != TMESH_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    if (json) {
        printf("[");
        for (size_t i = 0; i < n; i++) {
            const tmesh_store_version *v = &vs[i];
            printf("%s{\"asset\":", i ? "," : "");
            cli_json_string(stdout, v->asset);
            printf(",\"version\":%d,\"mesh\":\"%s\",\"derivation\":", v->version, v->mesh);
            if (v->derivation[0])
                printf("\"%s\"", v->derivation);
            else
                printf("null");
            printf(",\"operation\":");
            cli_json_string(stdout, operation_of(s, v->derivation, op, sizeof op));
            printf(",\"parent\":");
            if (v->parent_version > 0) {
                printf("\"");
                printf("%s@%d", v->parent_asset, v->parent_version);
                printf("\"");
            } else {
                printf("null");
            }
            printf(",\"note\":");
            cli_json_string(stdout, v->note);
            printf(",\"created_at\":\"%s\",\"created_by\":", v->created_at);
            cli_json_string(stdout, v->created_by);
            printf(",\"review\":\"%s\"}", review_word(v->review_state));
        }
        printf("]\n");
    } else {
        for (size_t i = n; i-- > 0;) {
            const tmesh_store_version *v = &vs[i];
            printf("%s@%d  %s %.12s  %s  %s%s%s\n", v->asset, v->version, kind_word(s, v->mesh),
                   v->mesh, operation_of(s, v->derivation, op, sizeof op), v->created_at,
                   v->created_by[0] ? " by " : "", v->created_by);
            if (v->parent_version > 0)
                printf("    parent   %s@%d\n", v->parent_asset, v->parent_version);
            else
                printf("    parent   none\n");
            printf("    review   %s\n", review_word(v->review_state));
            if (v->note[0])
                printf("    note     %s\n", v->note);
        }
    }
    free(vs);
done:
    tmesh_store_close(s);
    return rc;
}
