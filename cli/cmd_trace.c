/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tracemesh trace: from an exported file, a figure (file or FIG[@N]) or an asset version, print
 * the provenance chain down to every DICOM file (relative path, SHA-256, SOP Instance UID),
 * checking every object on the way, the exported file against its recorded hash, and the DICOM
 * files themselves when their folder is reachable. Anything changed is named and the exit code
 * is 4.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli_figure.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { OPT_JSON = 1, OPT_PROV, OPT_SOURCE };

static const cli_opt trace_opts[] = {
    {OPT_JSON, "json", 0, NULL, "print JSON"},
    {OPT_PROV, "prov", 0, NULL, "print the W3C PROV-JSON document instead"},
    {OPT_SOURCE, "source", 0, "DIR", "DICOM folder to check the files in (default: recorded)"},
    CLI_STORE_OPT,
    {0, NULL, 0, NULL, NULL},
};

const cli_cmd_spec cmd_trace_spec = {
    "trace", "FILE | NAME[@VERSION] | FIG[@N] [--json | --prov] [--source DIR]",
    "Trace an exported file, a figure or a version down to its DICOM files, checking every hash.",
    "FILE is looked up by its SHA-256 among recorded exports and stored figures; a file whose\n"
    "bytes changed is reported as MODIFIED (its in-file tag or figure metadata still names\n"
    "the version). A figure (its PNG, SVG or PDF, or FIG[@N]) is traced from its image through\n"
    "the render derivation, its scene and meshes down to the scans. Every\n"
    "stored object and derivation record on the way is re-hashed. DICOM files are re-hashed\n"
    "in --source DIR or the folder recorded when the manifest was stored ('not checked' when\n"
    "neither is reachable). Exit code 4 when anything does not match. Without a store,\n"
    "FILE is checked against its sidecar FILE.prov.json, and the DICOM files it lists\n"
    "against --source DIR.",
    trace_opts};

static const char *check_word(tmesh_status st)
{
    return st == TMESH_OK ? "ok" : st == TMESH_E_NOTFOUND ? "MISSING" : "DAMAGED";
}

static int trace_sidecar(const char *target, const char *side, const char *source, int json,
                         int prov)
{
    tmesh_error err = TMESH_ERROR_INIT;
    uint8_t *b = NULL;
    size_t len = 0;
    char fh[65];
    tmesh_store_prov_summary *p = NULL;
    if (tmesh_fs_read_all(side, &b, &len, &err) != TMESH_OK ||
        tmesh_store_prov_read(&p, (const char *)b, len, &err) != TMESH_OK ||
        cli_store_hash_file(target, fh, &err) != TMESH_OK) {
        free(b);
        tmesh_error_context(&err, "%s: ", side);
        return cli_fail(&err);
    }
    size_t problems = strcmp(fh, p->file_sha256) != 0;
    if (prov) {
        fwrite(b, 1, len, stdout);
    } else if (json) {
        printf("{\"target\":");
        cli_json_string(stdout, target);
        printf(",\"store\":null,\"sidecar\":");
        cli_json_string(stdout, side);
        printf(",\"file\":{\"sha256\":\"%s\",\"state\":\"%s\"},\"asset\":", fh,
               problems ? "MODIFIED" : "unchanged");
        cli_json_string(stdout, p->asset);
        printf(",\"version\":%d,\"mesh\":\"%s\",\"sources\":[", p->version, p->mesh);
    } else {
        if (problems)
            printf("file      %s sha256 %s: MODIFIED (its sidecar %s records %s)\n", target, fh,
                   side, p->file_sha256);
        else
            printf("file      %s sha256 %s: matches its sidecar %s\n", target, fh, side);
        printf("version   %s@%d mesh %s (from the sidecar: no store here, so the stored objects "
               "are not checked)\n",
               p->asset, p->version, p->mesh);
        printf("  %zu DICOM files%s%s\n", p->n_sources,
               source ? " in "
                      : " (not checked: give "
                        "--source DIR)",
               source ? source : "");
    }
    const char *use = cli_store_dir_usable(source) ? source : NULL;
    for (size_t k = 0; k < p->n_sources && !prov; k++) {
        cli_source_state ss = cli_store_check_source(use, &p->sources[k]);
        if (ss == CLI_SOURCE_MODIFIED || ss == CLI_SOURCE_MISSING)
            problems++;
        if (json) {
            printf("%s{\"path\":", k ? "," : "");
            cli_json_string(stdout, p->sources[k].path);
            printf(",\"sha256\":\"%s\",\"sop_instance_uid\":", p->sources[k].sha256);
            cli_json_string(stdout, p->sources[k].sop_instance_uid);
            printf(",\"state\":\"%s\"}", cli_source_state_name(ss));
        } else {
            printf("  dicom    %s sha256 %s sop %s %s\n", p->sources[k].path, p->sources[k].sha256,
                   p->sources[k].sop_instance_uid, cli_source_state_name(ss));
        }
    }
    if (json)
        printf("],\"problems\":%zu}\n", problems);
    else if (!prov)
        printf("%zu DICOM files, %zu problem%s\n", p->n_sources, problems,
               problems == 1 ? "" : "s");
    free(b);
    tmesh_store_prov_summary_free(p);
    if (problems) {
        cli_error("%s: %zu problem%s found (checked against its sidecar only)", target, problems,
                  problems == 1 ? "" : "s");
        return CLI_EXIT_VERIFY;
    }
    return CLI_EXIT_OK;
}

/* The chain below a start object: every node, and the DICOM files of each manifest checked in
 * `source` or the recorded folder. Counts problems. @return exit code (errors printed) */
static int print_chain(tmesh_store *s, const tmesh_store_node *nodes, size_t n, const char *source,
                       int json, size_t *problems_io, size_t *n_src_out)
{
    tmesh_error err = TMESH_ERROR_INIT;
    size_t problems = 0, n_src_total = 0;
    for (size_t i = 0; i < n; i++) {
        const tmesh_store_node *nd = &nodes[i];
        if (nd->check != TMESH_OK)
            problems++;
        if (nd->derivation[0] && nd->derivation_check != TMESH_OK)
            problems++;
        if (json) {
            printf("%s{\"sha256\":\"%s\",\"kind\":\"%s\",\"depth\":%zu,\"role\":\"%s\","
                   "\"check\":\"%s\",\"operation\":",
                   i ? "," : "", nd->hash, tmesh_store_kind_name(nd->kind), nd->depth, nd->role,
                   check_word(nd->check));
            if (nd->derivation[0])
                printf("\"%s\",\"derivation\":\"%s\",\"derivation_check\":\"%s\"", nd->operation,
                       nd->derivation, check_word(nd->derivation_check));
            else
                printf("null,\"derivation\":null");
        } else {
            printf("%*s%-8s %s %s", (int)(2 * nd->depth), "", tmesh_store_kind_name(nd->kind),
                   nd->hash, check_word(nd->check));
            if (nd->role[0])
                printf(" (%s)", nd->role);
            if (nd->derivation[0])
                printf(" <- %s [derivation %.12s %s]", nd->operation, nd->derivation,
                       check_word(nd->derivation_check));
            printf("\n");
        }
        if (nd->kind == TMESH_STORE_MANIFEST && nd->check == TMESH_OK) {
            uint8_t *b = NULL;
            size_t len = 0;
            tmesh_store_source *src = NULL;
            size_t ns = 0;
            char *dir = NULL;
            if (tmesh_store_get(&b, &len, NULL, s, nd->hash, &err) != TMESH_OK ||
                tmesh_store_manifest_sources(&src, &ns, b, len, &err) != TMESH_OK ||
                (source == NULL && tmesh_store_source_dir(&dir, s, nd->hash, &err))) {
                free(b);
                return cli_fail(&err);
            }
            free(b);
            const char *use = source ? source : dir;
            if (!json) {
                if (use == NULL)
                    printf("%*s%zu DICOM files (folder not recorded: not checked; give "
                           "--source DIR)\n",
                           (int)(2 * nd->depth + 2), "", ns);
                else if (!cli_store_dir_usable(use))
                    printf("%*s%zu DICOM files (folder %s not found: not checked; give "
                           "--source DIR)\n",
                           (int)(2 * nd->depth + 2), "", ns, use);
                else
                    printf("%*s%zu DICOM files in %s\n", (int)(2 * nd->depth + 2), "", ns, use);
            } else {
                printf(",\"sources\":[");
            }
            if (!cli_store_dir_usable(use))
                use = NULL;
            for (size_t k = 0; k < ns; k++) {
                cli_source_state ss = cli_store_check_source(use, &src[k]);
                if (ss == CLI_SOURCE_MODIFIED || ss == CLI_SOURCE_MISSING)
                    problems++;
                if (json) {
                    printf("%s{\"path\":", k ? "," : "");
                    cli_json_string(stdout, src[k].path);
                    printf(",\"sha256\":\"%s\",\"sop_instance_uid\":", src[k].sha256);
                    cli_json_string(stdout, src[k].sop_instance_uid);
                    printf(",\"frame\":%u,\"state\":\"%s\"}", src[k].frame,
                           cli_source_state_name(ss));
                } else {
                    printf("%*sdicom    %s sha256 %s sop %s%s %s\n", (int)(2 * nd->depth + 2), "",
                           src[k].path, src[k].sha256, src[k].sop_instance_uid,
                           src[k].frame ? " (frame)" : "", cli_source_state_name(ss));
                }
            }
            n_src_total += ns;
            if (json)
                printf("]");
            tmesh_store_sources_free(src, ns);
            free(dir);
        }
        if (json)
            printf("}");
    }
    *problems_io += problems;
    *n_src_out = n_src_total;
    return CLI_EXIT_OK;
}

static const char *review_word(int state)
{
    return state > 0 ? "approved" : state < 0 ? "rejected" : "unreviewed";
}

/* A stored figure: its file (when given), the asset versions it shows, then the chain from its
 * image through the render derivation down to the DICOM files. @return exit code */
static int trace_figure(tmesh_store *s, const char *target, const cli_figure_target *ft,
                        const char *source, int json)
{
    tmesh_error err = TMESH_ERROR_INIT;
    const tmesh_store_figure *f = ft->fig;
    tmesh_store_node *nodes = NULL;
    size_t n = 0, problems = ft->modified ? 1 : 0, n_src = 0;
    if (tmesh_store_walk(&nodes, &n, s, f->image, &err) != TMESH_OK)
        return cli_fail(&err);
    if (json) {
        printf("{\"target\":");
        cli_json_string(stdout, target);
        printf(",\"figure\":{\"name\":");
        cli_json_string(stdout, f->name);
        printf(",\"version\":%d,\"format\":\"%s\",\"image\":\"%s\",\"scene\":\"%s\","
               "\"renderer\":",
               f->version, f->format, f->image, f->scene);
        cli_json_string(stdout, f->renderer);
        printf("}");
        if (ft->is_file)
            printf(",\"file\":{\"sha256\":\"%s\",\"state\":\"%s\"}", ft->file_sha256,
                   ft->modified ? "MODIFIED" : "unchanged");
        else
            printf(",\"file\":null");
        printf(",\"assets\":[");
    } else {
        if (ft->is_file) {
            if (ft->modified)
                printf("file      %s sha256 %s: MODIFIED (no figure has this hash; its metadata "
                       "names %s@%d)\n",
                       target, ft->file_sha256, f->name, f->version);
            else
                printf("file      %s sha256 %s: unchanged, the image of %s@%d\n", target,
                       ft->file_sha256, f->name, f->version);
        }
        printf("figure    %s@%d %s image %s\n", f->name, f->version, f->format, f->image);
        printf("renderer  %s\n", f->renderer);
    }
    for (size_t i = 0; i < f->n_assets; i++) {
        tmesh_store_version v;
        const char *state = "unknown";
        if (tmesh_store_version_get(&v, s, f->assets[i].asset, f->assets[i].version, &err) ==
            TMESH_OK)
            state = review_word(v.review_state);
        else
            tmesh_error_clear(&err);
        if (json) {
            printf("%s{\"asset\":", i ? "," : "");
            cli_json_string(stdout, f->assets[i].asset);
            printf(",\"version\":%d,\"mesh\":\"%s\",\"review\":\"%s\"}", f->assets[i].version,
                   f->assets[i].mesh, state);
        } else {
            printf("shows     %s@%d %s, mesh %s\n", f->assets[i].asset, f->assets[i].version, state,
                   f->assets[i].mesh);
        }
    }
    if (json)
        printf("],\"chain\":[");
    int rc = print_chain(s, nodes, n, source, json, &problems, &n_src);
    if (rc == CLI_EXIT_OK) {
        if (json)
            printf("],\"dicom_files\":%zu,\"problems\":%zu}\n", n_src, problems);
        else
            printf("%zu objects, %zu DICOM files, %zu problem%s\n", n, n_src, problems,
                   problems == 1 ? "" : "s");
        if (problems > 0) {
            if (ft->modified)
                cli_error("%s: MODIFIED: no stored figure has SHA-256 %s (its metadata names "
                          "%s@%d)",
                          target, ft->file_sha256, f->name, f->version);
            else
                cli_error("%s: %zu problem%s found (see the lines marked MODIFIED, MISSING or "
                          "DAMAGED)",
                          target, problems, problems == 1 ? "" : "s");
            rc = CLI_EXIT_VERIFY;
        }
    }
    free(nodes);
    return rc;
}

int cmd_trace(int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, &cmd_trace_spec, argc, argv);
    const char *target = NULL, *store_opt = NULL, *source = NULL, *val;
    int json = 0, prov = 0, id;
    while ((id = cli_next(&p, &val)) != CLI_END) {
        switch (id) {
        case CLI_HELP:
            cli_print_help(&cmd_trace_spec, stdout);
            return CLI_EXIT_OK;
        case CLI_BAD:
            return CLI_EXIT_USAGE;
        case OPT_JSON:
            json = 1;
            break;
        case OPT_PROV:
            prov = 1;
            break;
        case OPT_SOURCE:
            source = val;
            break;
        case CLI_OPT_STORE:
            store_opt = val;
            break;
        case CLI_POSITIONAL:
            if (target != NULL)
                return cli_usage_error(&cmd_trace_spec, "unexpected argument '%s'", val);
            target = val;
            break;
        }
    }
    if (target == NULL)
        return cli_usage_error(&cmd_trace_spec, "missing FILE or NAME[@VERSION]");
    if (json && prov)
        return cli_usage_error(&cmd_trace_spec, "--json excludes --prov");
    /* Away from the store (a file sent to an illustrator): its sidecar still leads to the
     * scan files, though the stored objects between cannot be checked. */
    struct stat sb;
    if (!cli_store_exists(store_opt) && stat(target, &sb) == 0 && S_ISREG(sb.st_mode)) {
        char side[4096];
        snprintf(side, sizeof side, "%s.prov.json", target);
        if (stat(side, &sb) == 0)
            return trace_sidecar(target, side, source, json, prov);
    }
    tmesh_store *s = NULL;
    int rc = cli_store_open(store_opt, &s);
    if (rc != CLI_EXIT_OK)
        return rc;
    tmesh_error err = TMESH_ERROR_INIT;
    cli_target t;
    tmesh_store_node *nodes = NULL;
    size_t n = 0, problems = 0;
    cli_figure_target ft;
    int fr = cli_figure_target_resolve(s, target, &ft);
    if (fr >= 0) {
        if (fr == CLI_EXIT_OK && prov)
            rc = cli_usage_error(&cmd_trace_spec, "--prov is for versions and exported files, "
                                                  "not figures");
        else
            rc = fr == CLI_EXIT_OK ? trace_figure(s, target, &ft, source, json) : fr;
        tmesh_store_figure_free(ft.fig);
        goto done;
    }
    if ((rc = cli_store_target(s, target, &t)) != CLI_EXIT_OK)
        goto done;
    if (prov) {
        char *doc = NULL;
        if (tmesh_store_prov_json(&doc, s, t.v.asset, t.v.version,
                                  t.is_file && t.file_state == 0 ? &t.ex : NULL, &err)) {
            rc = cli_fail(&err);
            goto done;
        }
        printf("%s\n", doc);
        free(doc);
        if (t.is_file && t.file_state != 0) {
            cli_error("%s: MODIFIED since export: no export has SHA-256 %s (its tag names %s@%d)",
                      target, t.file_sha256, t.v.asset, t.v.version);
            rc = CLI_EXIT_VERIFY;
        }
        goto done;
    }
    if (tmesh_store_walk(&nodes, &n, s, t.v.mesh, &err) != TMESH_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    const char *state = t.v.review_state > 0   ? "approved"
                        : t.v.review_state < 0 ? "rejected"
                                               : "unreviewed";
    if (t.is_file && t.file_state != 0)
        problems++;
    if (json) {
        printf("{\"target\":");
        cli_json_string(stdout, target);
        if (t.is_file)
            printf(",\"file\":{\"sha256\":\"%s\",\"state\":\"%s\"}", t.file_sha256,
                   t.file_state == 0 ? "unchanged" : "MODIFIED");
        else
            printf(",\"file\":null");
        printf(",\"asset\":");
        cli_json_string(stdout, t.v.asset);
        printf(",\"version\":%d,\"mesh\":\"%s\",\"review\":\"%s\",\"chain\":[", t.v.version,
               t.v.mesh, state);
    } else {
        if (t.is_file) {
            if (t.file_state == 0)
                printf("file      %s sha256 %s: unchanged since export of %s@%d (%s)\n", target,
                       t.file_sha256, t.ex.asset, t.ex.version, t.ex.format);
            else
                printf("file      %s sha256 %s: MODIFIED (no export has this hash; its tag "
                       "names %s@%d)\n",
                       target, t.file_sha256, t.v.asset, t.v.version);
        }
        printf("version   %s@%d %s", t.v.asset, t.v.version, state);
        if (t.v.parent_version > 0)
            printf(", parent %s@%d", t.v.parent_asset, t.v.parent_version);
        printf("\n");
    }
    size_t n_src_total = 0;
    if ((rc = print_chain(s, nodes, n, source, json, &problems, &n_src_total)) != CLI_EXIT_OK)
        goto done;
    if (json)
        printf("],\"dicom_files\":%zu,\"problems\":%zu}\n", n_src_total, problems);
    else
        printf("%zu objects, %zu DICOM files, %zu problem%s\n", n, n_src_total, problems,
               problems == 1 ? "" : "s");
    if (problems > 0) {
        cli_error("%s: %zu problem%s found (see the lines marked MODIFIED, MISSING or DAMAGED)",
                  target, problems, problems == 1 ? "" : "s");
        rc = CLI_EXIT_VERIFY;
    }
done:
    free(nodes);
    tmesh_store_close(s);
    return rc;
}
