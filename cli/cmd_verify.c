/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tracemesh verify: replay every derivation of a version (or of an exported file's version)
 * from the original DICOM files and confirm that each gives byte-identical output. The DICOM
 * files are re-hashed first; then each link runs from its stored, hash-checked inputs, roots
 * first. The first link that differs is named and the exit code is 4. A figure is verified
 * through the versions it shows, then rendered again from its stored scene and compared with
 * its stored image: byte for byte when the renderer fingerprint is the same.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli_figure.h"

#include <stdlib.h>
#include <string.h>

enum { OPT_SOURCE = 1, OPT_ALL, OPT_DISPLAY };

static const cli_opt verify_opts[] = {
    {OPT_SOURCE, "source", 0, "DIR", "DICOM folder to replay from (default: recorded)"},
    {OPT_ALL, "all", 0, NULL, "verify every version of every asset and every figure"},
    {OPT_DISPLAY, "display", 0, "auto|xvfb|x", "X display for figures, as for 'render'"},
    CLI_STORE_OPT,
    {0, NULL, 0, NULL, NULL},
};

const cli_cmd_spec cmd_verify_spec = {
    "verify", "NAME[@VERSION] | FIG[@N] | FILE | --all [--source DIR]",
    "Replay every derivation from the DICOM files and confirm byte-identical results.",
    "Links are checked roots first: the exported file (when FILE is given), every stored\n"
    "object's hash, the DICOM files against the manifest, then each derivation replayed from\n"
    "its inputs (dicom-load, threshold, isosurface, mesh-labels, smooth, decimate,\n"
    "filter-components, import). A hand edit cannot be replayed: its imported file is re-read\n"
    "and must give the same mesh. Prints one line per link; exit code 4 names the first\n"
    "link that differs. A figure (FIG[@N] or its PNG/SVG/PDF file) is verified through\n"
    "every version it shows, then rendered again from its stored scene: the image must be\n"
    "byte-identical when the renderer fingerprint (VTK, OpenGL vendor, renderer, version)\n"
    "is the one recorded; under another renderer the pixel difference and the fingerprint\n"
    "change are reported instead (a warning, not a failure).",
    verify_opts};

typedef struct link_ref {
    size_t node;
    size_t depth;
} link_ref;

static int by_depth_desc(const void *a, const void *b, void *ctx)
{
    (void)ctx;
    const link_ref *x = a, *y = b;
    return x->depth < y->depth ? 1 : x->depth > y->depth ? -1 : 0;
}

/* Verify one version or exported file; prints one line per link. @return exit code */
static int verify_one(tmesh_store *s, const char *target, const char *source)
{
    tmesh_error err = TMESH_ERROR_INIT;
    cli_target t;
    tmesh_store_node *nodes = NULL;
    link_ref *links = NULL;
    size_t n = 0, n_links = 0, n_same = 0, n_human = 0;
    char first[600] = "";
    int rc;
    if ((rc = cli_store_target(s, target, &t)) != CLI_EXIT_OK)
        goto done;
    printf("verify %s@%d (mesh %.16s..., %s)\n", t.v.asset, t.v.version, t.v.mesh,
           t.v.review_state > 0   ? "approved"
           : t.v.review_state < 0 ? "rejected"
                                  : "unreviewed");
    if (t.is_file) {
        if (t.file_state == 0) {
            printf("  ok        exported file    %s unchanged (sha256 %.16s...)\n", target,
                   t.file_sha256);
        } else {
            printf("  DIFFERS   exported file    %s: no export has its SHA-256 %.16s...\n", target,
                   t.file_sha256);
            snprintf(first, sizeof first, "exported file %s was modified after export", target);
        }
    }
    if (tmesh_store_walk(&nodes, &n, s, t.v.mesh, &err) != TMESH_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    links = calloc(n ? n : 1, sizeof *links);
    if (links == NULL) {
        tmesh_error_set(&err, TMESH_E_NOMEM, "out of memory");
        rc = cli_fail(&err);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        links[i].node = i;
        links[i].depth = nodes[i].depth;
    }
    if (tmesh_sort(links, n, sizeof *links, by_depth_desc, NULL, &err) != TMESH_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    /* Stored objects and records first: a replay from a damaged input proves nothing. */
    for (size_t i = 0; i < n; i++) {
        const tmesh_store_node *nd = &nodes[links[i].node];
        if (nd->check != TMESH_OK || (nd->derivation[0] && nd->derivation_check != TMESH_OK)) {
            int obj = nd->check != TMESH_OK;
            printf("  DAMAGED   stored %-9s %s %s\n",
                   obj ? tmesh_store_kind_name(nd->kind) : "record",
                   obj ? nd->hash : nd->derivation, obj ? "" : nd->operation);
            if (!first[0])
                snprintf(first, sizeof first, "stored %s %s is damaged (run 'tracemesh fsck')",
                         obj ? tmesh_store_kind_name(nd->kind) : "derivation record",
                         obj ? nd->hash : nd->derivation);
        }
    }
    for (size_t li = 0; li < n; li++) {
        const tmesh_store_node *nd = &nodes[links[li].node];
        if (nd->kind == TMESH_STORE_MANIFEST && nd->check == TMESH_OK) {
            uint8_t *b = NULL;
            size_t len = 0, ns = 0, bad = 0;
            tmesh_store_source *src = NULL;
            char *dir = NULL;
            if (tmesh_store_get(&b, &len, NULL, s, nd->hash, &err) != TMESH_OK ||
                tmesh_store_manifest_sources(&src, &ns, b, len, &err) != TMESH_OK ||
                (source == NULL && tmesh_store_source_dir(&dir, s, nd->hash, &err))) {
                free(b);
                rc = cli_fail(&err);
                goto done;
            }
            free(b);
            const char *use = source ? source : dir;
            if (use != NULL && !cli_store_dir_usable(use)) {
                printf("  SKIPPED   source files     folder %s not found; give --source DIR\n",
                       use);
                if (!first[0])
                    snprintf(first, sizeof first,
                             "source folder %s not found (give --source "
                             "DIR)",
                             use);
                tmesh_store_sources_free(src, ns);
                free(dir);
                continue;
            }
            for (size_t k = 0; k < ns; k++) {
                cli_source_state ss = cli_store_check_source(use, &src[k]);
                if (ss == CLI_SOURCE_MODIFIED || ss == CLI_SOURCE_MISSING) {
                    bad++;
                    printf("  DIFFERS   source file      %s/%s %s (recorded sha256 %.16s..., SOP "
                           "%s)\n",
                           use, src[k].path, cli_source_state_name(ss), src[k].sha256,
                           src[k].sop_instance_uid);
                    if (!first[0])
                        snprintf(first, sizeof first, "source file %s/%s is %s", use, src[k].path,
                                 ss == CLI_SOURCE_MODIFIED ? "modified" : "missing");
                }
            }
            if (use == NULL) {
                printf("  SKIPPED   source files     no DICOM folder recorded; give --source "
                       "DIR\n");
                if (!first[0])
                    snprintf(first, sizeof first, "source files cannot be checked: no folder");
            } else if (bad == 0) {
                printf("  ok        source files     %zu DICOM files in %s match manifest "
                       "%.16s...\n",
                       ns, use, nd->hash);
            }
            tmesh_store_sources_free(src, ns);
            free(dir);
        }
        if (!nd->derivation[0] || nd->derivation_check != TMESH_OK)
            continue;
        tmesh_store_derivation *d = NULL;
        if (tmesh_store_derivation_get(&d, s, nd->derivation, &err) != TMESH_OK) {
            rc = cli_fail(&err);
            goto done;
        }
        n_links++;
        char why[400];
        cli_replay_result r = cli_store_replay(s, d, source, why, sizeof why);
        const char *word = r == CLI_REPLAY_SAME      ? "ok"
                           : r == CLI_REPLAY_HUMAN   ? "ok (human)"
                           : r == CLI_REPLAY_DIFFERS ? "DIFFERS"
                           : r == CLI_REPLAY_UNKNOWN ? "SKIPPED"
                                                     : "FAILED";
        printf("  %-9s %-16s %s %.16s...", word, d->operation, tmesh_store_kind_name(nd->kind),
               nd->hash);
        if (r == CLI_REPLAY_HUMAN)
            printf(": hand edit of its base, not replayable; the edited file re-imports "
                   "identically");
        else if (r != CLI_REPLAY_SAME)
            printf(": %s", why);
        if (r != CLI_REPLAY_SAME && strcmp(d->tool_version, TMESH_VERSION_STRING) != 0)
            printf(" (recorded by tracemesh %s, replayed by %s)", d->tool_version,
                   TMESH_VERSION_STRING);
        printf("\n");
        if (r == CLI_REPLAY_SAME)
            n_same++;
        else if (r == CLI_REPLAY_HUMAN)
            n_human++;
        else if (!first[0])
            snprintf(first, sizeof first, "link %s (derivation %.16s...) %s: %s", d->operation,
                     d->hash, r == CLI_REPLAY_DIFFERS ? "differs" : "cannot be replayed", why);
        tmesh_store_derivation_free(d);
    }
    printf("%zu of %zu links replayed byte-identical%s", n_same, n_links, n_human ? ", " : "");
    if (n_human)
        printf("%zu hand edit%s checked by re-import", n_human, n_human == 1 ? "" : "s");
    printf("\n");
    if (first[0]) {
        cli_error("%s@%d: %s", t.v.asset, t.v.version, first);
        rc = CLI_EXIT_VERIFY;
    }
done:
    free(links);
    free(nodes);
    return rc;
}

/* Pixels of two PNGs: count differing, largest channel difference. @return 0, -1 undecodable */
static int png_diff(const uint8_t *a, size_t na, const uint8_t *b, size_t nb, size_t *n_diff,
                    size_t *n_px, int *max_diff, char *why, size_t cap)
{
    tmesh_error err = TMESH_ERROR_INIT;
    uint8_t *pa = NULL, *pb = NULL;
    unsigned wa, ha, wb, hb;
    if (tmesh_render_png_decode(&pa, &wa, &ha, a, na, &err) != TMESH_OK ||
        tmesh_render_png_decode(&pb, &wb, &hb, b, nb, &err) != TMESH_OK) {
        snprintf(why, cap, "%s", err.msg);
        free(pa);
        return -1;
    }
    int rc = 0;
    if (wa != wb || ha != hb) {
        snprintf(why, cap, "size %ux%u, stored %ux%u", wb, hb, wa, ha);
        rc = -1;
    } else {
        *n_diff = 0;
        *max_diff = 0;
        *n_px = (size_t)wa * ha;
        for (size_t i = 0; i < *n_px; i++) {
            int d = 0;
            for (int c = 0; c < 3; c++) {
                int x = abs((int)pa[3 * i + c] - (int)pb[3 * i + c]);
                d = x > d ? x : d;
            }
            *n_diff += d > 0;
            *max_diff = d > *max_diff ? d : *max_diff;
        }
    }
    free(pa);
    free(pb);
    return rc;
}

/* Verify one figure version: its file (when given), the stored objects from its image down,
 * each version it shows, and a render from its stored scene. @return exit code */
static int verify_figure(tmesh_store *s, tmesh_renderer **r, const tmesh_render_open_opts *oo,
                         const char *target, const cli_figure_target *ft, const char *source)
{
    tmesh_error err = TMESH_ERROR_INIT;
    const tmesh_store_figure *f = ft->fig;
    char first[1100] = "";
    int rc = CLI_EXIT_OK;
    tmesh_store_node *nodes = NULL;
    size_t n = 0;
    uint8_t *stored = NULL, *again = NULL;
    size_t n_stored = 0, n_again = 0;
    printf("verify figure %s@%d (%s, image %.16s...)\n", f->name, f->version, f->format, f->image);
    if (ft->is_file) {
        if (!ft->modified) {
            printf("  ok        figure file      %s is the stored image\n", target);
        } else {
            printf("  DIFFERS   figure file      %s: no figure has its SHA-256 %.16s... (its "
                   "metadata names %s@%d)\n",
                   target, ft->file_sha256, f->name, f->version);
            snprintf(first, sizeof first, "figure file %s was modified", target);
        }
    }
    if (tmesh_store_walk(&nodes, &n, s, f->image, &err) != TMESH_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    size_t damaged = 0;
    for (size_t i = 0; i < n; i++) {
        const tmesh_store_node *nd = &nodes[i];
        if (nd->check != TMESH_OK || (nd->derivation[0] && nd->derivation_check != TMESH_OK)) {
            int obj = nd->check != TMESH_OK;
            damaged++;
            printf("  DAMAGED   stored %-9s %s\n", obj ? tmesh_store_kind_name(nd->kind) : "record",
                   obj ? nd->hash : nd->derivation);
            if (!first[0])
                snprintf(first, sizeof first, "stored %s %s is damaged (run 'tracemesh fsck')",
                         obj ? tmesh_store_kind_name(nd->kind) : "derivation record",
                         obj ? nd->hash : nd->derivation);
        }
    }
    if (damaged == 0)
        printf("  ok        stored objects   %zu objects from the image down match their "
               "hashes\n",
               n);
    for (size_t i = 0; i < f->n_assets; i++) {
        char ref[TMESH_STORE_NAME_MAX + 16];
        snprintf(ref, sizeof ref, "%s@%d", f->assets[i].asset, f->assets[i].version);
        if (verify_one(s, ref, source) != CLI_EXIT_OK && !first[0])
            snprintf(first, sizeof first, "%s, shown by the figure, does not verify", ref);
    }
    if (damaged > 0) /* a render from damaged objects proves nothing */
        goto report;
    tmesh_render_fingerprint fp;
    if ((rc = cli_figure_rerender(s, r, oo, f, &again, &n_again, &fp)) != CLI_EXIT_OK)
        goto done;
    if (tmesh_store_get(&stored, &n_stored, NULL, s, f->image, &err) != TMESH_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    char now[512];
    tmesh_render_fingerprint_text(&fp, now, sizeof now);
    int same_fp = strcmp(now, f->renderer) == 0;
    if (n_stored == n_again && memcmp(stored, again, n_stored) == 0) {
        printf("  ok        render           byte-identical to the stored image (%s)\n", now);
        goto report;
    }
    char diff[900] = "the bytes differ";
    if (strcmp(f->format, "png") == 0) {
        size_t nd = 0, np = 0;
        int maxd = 0;
        char why[600];
        if (png_diff(stored, n_stored, again, n_again, &nd, &np, &maxd, why, sizeof why) == 0)
            snprintf(diff, sizeof diff,
                     "%zu of %zu pixels differ (%.3f %%), largest difference "
                     "%d/255",
                     nd, np, np ? 100.0 * (double)nd / (double)np : 0.0, maxd);
        else
            snprintf(diff, sizeof diff, "the images differ: %s", why);
    }
    if (same_fp) {
        printf("  DIFFERS   render           %s under the same renderer (%s)\n", diff, now);
        if (!first[0])
            snprintf(first, sizeof first,
                     "rendering the stored scene again gives another image under the same "
                     "renderer: %s",
                     diff);
    } else {
        printf("  CHANGED   render           %s; renderer was '%s', now '%s'\n", diff, f->renderer,
               now);
        cli_warn("%s@%d: the renderer changed since the figure was made ('%s' -> '%s'): %s",
                 f->name, f->version, f->renderer, now, diff);
    }
report:
    if (first[0]) {
        cli_error("%s@%d: %s", f->name, f->version, first);
        rc = CLI_EXIT_VERIFY;
    }
done:
    free(nodes);
    free(stored);
    free(again);
    return rc;
}

int cmd_verify(int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, &cmd_verify_spec, argc, argv);
    const char *target = NULL, *store_opt = NULL, *source = NULL, *val;
    int id, all = 0;
    tmesh_render_open_opts oo = TMESH_RENDER_OPEN_OPTS_INIT;
    tmesh_renderer *rend = NULL;
    while ((id = cli_next(&p, &val)) != CLI_END) {
        switch (id) {
        case CLI_HELP:
            cli_print_help(&cmd_verify_spec, stdout);
            return CLI_EXIT_OK;
        case CLI_BAD:
            return CLI_EXIT_USAGE;
        case OPT_SOURCE:
            source = val;
            break;
        case OPT_ALL:
            all = 1;
            break;
        case OPT_DISPLAY:
            if (cli_figure_display_opt(&cmd_verify_spec, val, &oo.display) != 0)
                return CLI_EXIT_USAGE;
            break;
        case CLI_OPT_STORE:
            store_opt = val;
            break;
        case CLI_POSITIONAL:
            if (target != NULL)
                return cli_usage_error(&cmd_verify_spec, "unexpected argument '%s'", val);
            target = val;
            break;
        }
    }
    if (target == NULL && !all)
        return cli_usage_error(&cmd_verify_spec, "missing NAME[@VERSION], FILE or --all");
    if (target != NULL && all)
        return cli_usage_error(&cmd_verify_spec, "--all excludes NAME[@VERSION] and FILE");
    tmesh_store *s = NULL;
    int rc = cli_store_open(store_opt, &s);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (!all) {
        cli_figure_target ft;
        int fr = cli_figure_target_resolve(s, target, &ft);
        if (fr == CLI_EXIT_OK)
            rc = verify_figure(s, &rend, &oo, target, &ft, source);
        else if (fr > 0)
            rc = fr;
        else
            rc = verify_one(s, target, source);
        tmesh_store_figure_free(ft.fig);
        tmesh_render_close(rend);
        tmesh_store_close(s);
        return rc;
    }
    /* Every version of every asset; the exit code is the first failure's. */
    tmesh_error err = TMESH_ERROR_INIT;
    char(*names)[TMESH_STORE_NAME_MAX + 1] = NULL;
    size_t n = 0, n_versions = 0, n_failed = 0;
    if (tmesh_store_assets(&names, &n, s, &err) != TMESH_OK) {
        rc = cli_fail(&err);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        tmesh_store_version *vs = NULL;
        size_t nv = 0;
        if (tmesh_store_versions(&vs, &nv, s, names[i], &err) != TMESH_OK) {
            rc = cli_fail(&err);
            goto out;
        }
        for (size_t k = 0; k < nv; k++) {
            char ref[TMESH_STORE_NAME_MAX + 16];
            snprintf(ref, sizeof ref, "%s@%d", vs[k].asset, vs[k].version);
            int r = verify_one(s, ref, source);
            n_versions++;
            if (r != CLI_EXIT_OK) {
                n_failed++;
                if (rc == CLI_EXIT_OK)
                    rc = r;
            }
        }
        free(vs);
    }
    printf("%zu of %zu versions verified\n", n_versions - n_failed, n_versions);
    /* then every version of every figure */
    free(names);
    names = NULL;
    n = 0;
    size_t n_figs = 0, n_figs_failed = 0;
    if (tmesh_store_figures(&names, &n, s, NULL, &err) != TMESH_OK) {
        rc = cli_fail(&err);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        tmesh_store_figure *last = NULL;
        if (tmesh_store_figure_get(&last, s, names[i], 0, &err) != TMESH_OK) {
            rc = cli_fail(&err);
            goto out;
        }
        for (int v = 1; v <= last->version; v++) {
            cli_figure_target ft;
            memset(&ft, 0, sizeof ft);
            if (tmesh_store_figure_get(&ft.fig, s, names[i], v, &err) != TMESH_OK) {
                tmesh_store_figure_free(last);
                rc = cli_fail(&err);
                goto out;
            }
            int r1 = verify_figure(s, &rend, &oo, names[i], &ft, source);
            tmesh_store_figure_free(ft.fig);
            n_figs++;
            if (r1 != CLI_EXIT_OK) {
                n_figs_failed++;
                if (rc == CLI_EXIT_OK)
                    rc = r1;
            }
        }
        tmesh_store_figure_free(last);
    }
    if (n_figs > 0)
        printf("%zu of %zu figure versions verified\n", n_figs - n_figs_failed, n_figs);
out:
    tmesh_render_close(rend);
    free(names);
    tmesh_store_close(s);
    return rc;
}
