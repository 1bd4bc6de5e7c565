/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tracemesh show: one version of an asset in full: its mesh (checked against its hash), the
 * derivation that made it with parameters and inputs, parent, note, publisher and every
 * review (or "unreviewed").
 */
#define _POSIX_C_SOURCE 200809L
#include "cli_store.h"

#include <stdlib.h>
#include <string.h>

enum { OPT_JSON = 1 };

static const cli_opt show_opts[] = {
    {OPT_JSON, "json", 0, NULL, "print JSON"},
    CLI_STORE_OPT,
    {0, NULL, 0, NULL, NULL},
};

const cli_cmd_spec cmd_show_spec = {
    "show", "NAME[@VERSION] [--json]", "Show one version: mesh, derivation, parent, reviews.",
    "NAME alone shows the latest version. The mesh object is read and checked against its\n"
    "SHA-256; a damaged object is reported and the exit code is 4.",
    show_opts};

int cmd_show(int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, &cmd_show_spec, argc, argv);
    const char *ref = NULL, *store_opt = NULL, *val;
    int json = 0, id;
    while ((id = cli_next(&p, &val)) != CLI_END) {
        switch (id) {
        case CLI_HELP:
            cli_print_help(&cmd_show_spec, stdout);
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
            if (ref != NULL)
                return cli_usage_error(&cmd_show_spec, "unexpected argument '%s'", val);
            ref = val;
            break;
        }
    }
    if (ref == NULL)
        return cli_usage_error(&cmd_show_spec, "missing NAME[@VERSION]");
    char name[TMESH_STORE_NAME_MAX + 1];
    int ver;
    tmesh_error err = TMESH_ERROR_INIT;
    if (tmesh_store_ref_parse(ref, name, &ver, &err) != TMESH_OK)
        return cli_usage_error(&cmd_show_spec, "%s", err.msg);
    tmesh_store *s = NULL;
    int rc = cli_store_open(store_opt, &s);
    if (rc != CLI_EXIT_OK)
        return rc;
    tmesh_store_version v;
    tmesh_store_derivation *d = NULL;
    tmesh_store_review *rv = NULL;
    size_t nrv = 0;
    tmesh_mesh *m = NULL;
    tmesh_volume *lab = NULL;
    if (tmesh_store_version_get(&v, s, name, ver, &err) != TMESH_OK ||
        tmesh_store_reviews(&rv, &nrv, s, v.asset, v.version, &err) != TMESH_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    tmesh_error merr = TMESH_ERROR_INIT, derr = TMESH_ERROR_INIT;
    /* A label asset ('segment --name') holds a label volume instead of a mesh. */
    tmesh_store_kind kind = TMESH_STORE_MESH;
    tmesh_store_object_kind(&kind, s, v.mesh, NULL);
    int is_labels = kind == TMESH_STORE_LABELS;
    if (is_labels)
        tmesh_store_get_volume(&lab, s, v.mesh, &merr);
    else
        tmesh_store_get_mesh(&m, s, v.mesh, &merr);
    int obj_ok = is_labels ? lab != NULL : m != NULL;
    if (v.derivation[0])
        tmesh_store_derivation_get(&d, s, v.derivation, &derr);
    const char *state = v.review_state > 0   ? "approved"
                        : v.review_state < 0 ? "rejected"
                                             : "unreviewed";
    if (json) {
        printf("{\"asset\":");
        cli_json_string(stdout, v.asset);
        printf(",\"version\":%d,\"kind\":\"%s\",\"mesh\":\"%s\",\"mesh_check\":\"%s\"", v.version,
               is_labels ? "labels" : "mesh", v.mesh, obj_ok ? "ok" : "FAILED");
        if (m)
            printf(",\"vertices\":%zu,\"triangles\":%zu", m->n_vertices, m->n_triangles);
        if (lab)
            printf(",\"dimensions\":[%zu,%zu,%zu]", lab->dim[0], lab->dim[1], lab->dim[2]);
        printf(",\"derivation\":");
        if (d) {
            printf("{\"sha256\":\"%s\",\"operation\":\"%s\",\"tool_version\":\"%s\","
                   "\"parameters\":%s,\"inputs\":[",
                   d->hash, d->operation, d->tool_version, d->params);
            for (size_t i = 0; i < d->n_inputs; i++)
                printf("%s{\"role\":\"%s\",\"kind\":\"%s\",\"sha256\":\"%s\"}", i ? "," : "",
                       d->inputs[i].role, tmesh_store_kind_name(d->inputs[i].kind),
                       d->inputs[i].hash);
            printf("]}");
        } else {
            printf("null");
        }
        printf(",\"parent\":");
        if (v.parent_version > 0)
            printf("\"%s@%d\"", v.parent_asset, v.parent_version);
        else
            printf("null");
        printf(",\"note\":");
        cli_json_string(stdout, v.note);
        printf(",\"created_at\":\"%s\",\"created_by\":", v.created_at);
        cli_json_string(stdout, v.created_by);
        printf(",\"review\":\"%s\",\"reviews\":[", state);
        for (size_t i = 0; i < nrv; i++) {
            printf("%s{\"verdict\":\"%s\",\"reviewer\":", i ? "," : "",
                   rv[i].verdict > 0 ? "approved" : "rejected");
            cli_json_string(stdout, rv[i].reviewer);
            printf(",\"note\":");
            cli_json_string(stdout, rv[i].note);
            printf(",\"at\":\"%s\"}", rv[i].created_at);
        }
        printf("]}\n");
    } else {
        printf("asset       %s@%d\n", v.asset, v.version);
        if (m)
            printf("mesh        %s (%zu vertices, %zu triangles; hash checked)\n", v.mesh,
                   m->n_vertices, m->n_triangles);
        else if (lab)
            printf("labels      %s (%zu x %zu x %zu %s; hash checked)\n", v.mesh, lab->dim[0],
                   lab->dim[1], lab->dim[2], tmesh_voxel_type_name(lab->type));
        else
            printf("%-11s %s DAMAGED: %s\n", is_labels ? "labels" : "mesh", v.mesh, merr.msg);
        if (d) {
            printf("made by     %s (derivation %s, tracemesh %s)\n", d->operation, d->hash,
                   d->tool_version);
            printf("parameters  %s\n", d->params);
            for (size_t i = 0; i < d->n_inputs; i++)
                printf("input       %-8s %-8s %s\n", d->inputs[i].role,
                       tmesh_store_kind_name(d->inputs[i].kind), d->inputs[i].hash);
        } else if (v.derivation[0]) {
            printf("made by     ? derivation %s DAMAGED: %s\n", v.derivation, derr.msg);
        } else {
            printf("made by     (no derivation recorded)\n");
        }
        if (v.parent_version > 0)
            printf("parent      %s@%d\n", v.parent_asset, v.parent_version);
        else
            printf("parent      none\n");
        printf("published   %s%s%s\n", v.created_at, v.created_by[0] ? " by " : "", v.created_by);
        if (v.note[0])
            printf("note        %s\n", v.note);
        printf("review      %s\n", state);
        for (size_t i = 0; i < nrv; i++)
            printf("            %s by %s at %s%s%s\n", rv[i].verdict > 0 ? "approved" : "rejected",
                   rv[i].reviewer, rv[i].created_at, rv[i].note[0] ? ": " : "", rv[i].note);
    }
    if (!obj_ok || (v.derivation[0] && d == NULL)) {
        cli_error("%s@%d: %s", v.asset, v.version, !obj_ok ? merr.msg : derr.msg);
        rc = CLI_EXIT_VERIFY;
    }
done:
    tmesh_mesh_free(m);
    tmesh_volume_free(lab);
    tmesh_store_derivation_free(d);
    free(rv);
    tmesh_store_close(s);
    return rc;
}
