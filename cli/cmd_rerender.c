/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tracemesh rerender: a fix propagates to every production. Every stored figure whose latest
 * version shows an asset is rendered again with that asset's newest approved version (the
 * figure's other assets stay at their versions; the DRAFT mark follows the reviews now), and
 * stored as the figure's next version.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli_figure.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_ASSET = 1, OPT_OUT_DIR, OPT_DRY_RUN, OPT_DISPLAY };

static const cli_opt rerender_opts[] = {
    {OPT_ASSET, "asset", 0, "NAME", "re-render the figures that show this asset (required)"},
    {OPT_OUT_DIR, "output-dir", 'o', "DIR", "also write each new figure to DIR/FIG@N.EXT"},
    {OPT_DRY_RUN, "dry-run", 'n', NULL, "only list what would be re-rendered"},
    {OPT_DISPLAY, "display", 0, "auto|xvfb|x", "X display, as for 'tracemesh render'"},
    CLI_STORE_OPT,
    {0, NULL, 0, NULL, NULL},
};

const cli_cmd_spec cmd_rerender_spec = {
    "rerender", "--asset NAME [-o DIR] [--dry-run] [--store DIR]",
    "Re-render every stored figure that shows an asset with its newest approved version.",
    "For each figure whose latest version shows NAME at another version than NAME's newest\n"
    "approved one (or shows that version still marked DRAFT), the stored scene is rendered\n"
    "again with the approved version and stored as the figure's next version; each new\n"
    "FIG@N and its image's SHA-256 are printed. Other assets of the figure keep their\n"
    "versions; the DRAFT mark follows their reviews as they are now. Nothing happens when\n"
    "NAME has no approved version.",
    rerender_opts};

/* Newest approved version of `asset`: 0 when none. @return exit code */
static int newest_approved(tmesh_store *s, const char *asset, tmesh_store_version *out)
{
    tmesh_error err = TMESH_ERROR_INIT;
    tmesh_store_version *vs = NULL;
    size_t n = 0;
    if (tmesh_store_versions(&vs, &n, s, asset, &err) != TMESH_OK) {
        cli_fail(&err);
        return err.code == TMESH_E_NOTFOUND ? CLI_EXIT_USAGE : cli_exit_code(err.code);
    }
    memset(out, 0, sizeof *out);
    for (size_t i = n; i-- > 0;)
        if (vs[i].review_state > 0) {
            *out = vs[i];
            break;
        }
    free(vs);
    return CLI_EXIT_OK;
}

/* One figure: a new version when the approved version changes its scene. @return exit code */
static int rerender_one(tmesh_store *s, tmesh_renderer **r, const tmesh_render_open_opts *oo,
                        const char *fig_name, const tmesh_store_version *target,
                        const char *out_dir, int dry_run)
{
    tmesh_error err = TMESH_ERROR_INIT;
    tmesh_store_figure *fig = NULL;
    tmesh_render_scene *sc = NULL;
    uint8_t *b = NULL;
    size_t len = 0;
    char *old_json = NULL, *new_json = NULL;
    cli_figure_scene fs;
    memset(&fs, 0, sizeof fs);
    int rc = CLI_EXIT_OK;
    if (tmesh_store_figure_get(&fig, s, fig_name, 0, &err) != TMESH_OK ||
        tmesh_store_get(&b, &len, NULL, s, fig->scene, &err) != TMESH_OK ||
        tmesh_render_scene_decode(&sc, (const char *)b, len, &err) != TMESH_OK) {
        tmesh_error_context(&err, "figure %s: ", fig_name);
        rc = cli_fail(&err);
        goto done;
    }
    /* the scene with the approved version in place of every version of the asset */
    tmesh_render_scene_item *items = calloc(sc->n_items, sizeof *items);
    if (items == NULL) {
        cli_error("out of memory");
        rc = CLI_EXIT_FAIL;
        goto done;
    }
    memcpy(items, sc->items, sc->n_items * sizeof *items);
    for (size_t i = 0; i < sc->n_items; i++)
        if (strcmp(items[i].asset, target->asset) == 0) {
            items[i].version = target->version;
            snprintf(items[i].mesh, sizeof items[i].mesh, "%s", target->mesh);
            snprintf(items[i].derivation, sizeof items[i].derivation, "%s", target->derivation);
        }
    tmesh_render_scene ns = *sc;
    ns.items = items;
    ns.side_volume[0] = ns.side_labels[0] = '\0'; /* found again in the new version's chain */
    rc = cli_figure_from_scene(&fs, s, &ns);
    free(items);
    if (rc == CLI_EXIT_OK && sc->side_volume[0])
        rc = cli_figure_side_from_chain(&fs, s);
    if (rc != CLI_EXIT_OK)
        goto done;
    cli_figure_set_draft(&fs);
    if (tmesh_render_scene_encode(&old_json, sc, &err) != TMESH_OK ||
        tmesh_render_scene_encode(&new_json, &fs.scene, &err) != TMESH_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    if (strcmp(old_json, new_json) == 0) {
        cli_note("%s@%d already shows %s@%d%s: up to date", fig->name, fig->version, target->asset,
                 target->version, fs.scene.opts.draft ? " (DRAFT)" : "");
        goto done;
    }
    if (dry_run) {
        printf("%s@%d would be re-rendered with %s@%d\n", fig->name, fig->version, target->asset,
               target->version);
        goto done;
    }
    int ver = 0;
    char image[65];
    if ((rc = cli_figure_store(s, r, oo, fig->name, &fs, NULL, NULL, &ver, image)) != CLI_EXIT_OK)
        goto done;
    printf("%s@%d %s\n", fig->name, ver, image);
    if (out_dir != NULL) {
        tmesh_store_figure *nf = NULL;
        uint8_t *img = NULL;
        size_t il = 0;
        char path[4200];
        snprintf(path, sizeof path, "%s/%s@%d.%s", out_dir, fig->name, ver,
                 cli_figure_format_ext(fs.scene.format));
        if (tmesh_store_figure_get(&nf, s, fig->name, ver, &err) != TMESH_OK ||
            tmesh_store_get(&img, &il, NULL, s, nf->image, &err) != TMESH_OK ||
            tmesh_fs_write_atomic(path, img, il, &err) != TMESH_OK)
            rc = cli_fail(&err);
        else
            cli_note("wrote %s", path);
        free(img);
        tmesh_store_figure_free(nf);
    }
done:
    cli_figure_scene_free(&fs);
    free(old_json);
    free(new_json);
    tmesh_render_scene_free(sc);
    free(b);
    tmesh_store_figure_free(fig);
    return rc;
}

int cmd_rerender(int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, &cmd_rerender_spec, argc, argv);
    const char *asset = NULL, *out_dir = NULL, *store_opt = NULL, *val;
    int id, dry_run = 0;
    tmesh_render_open_opts oo = TMESH_RENDER_OPEN_OPTS_INIT;
    while ((id = cli_next(&p, &val)) != CLI_END) {
        switch (id) {
        case CLI_HELP:
            cli_print_help(&cmd_rerender_spec, stdout);
            return CLI_EXIT_OK;
        case CLI_BAD:
            return CLI_EXIT_USAGE;
        case OPT_ASSET:
            asset = val;
            break;
        case OPT_OUT_DIR:
            out_dir = val;
            break;
        case OPT_DRY_RUN:
            dry_run = 1;
            break;
        case OPT_DISPLAY:
            if (cli_figure_display_opt(&cmd_rerender_spec, val, &oo.display) != 0)
                return CLI_EXIT_USAGE;
            break;
        case CLI_OPT_STORE:
            store_opt = val;
            break;
        case CLI_POSITIONAL:
            return cli_usage_error(&cmd_rerender_spec, "unexpected argument '%s'", val);
        }
    }
    if (asset == NULL)
        return cli_usage_error(&cmd_rerender_spec, "missing --asset NAME");
    tmesh_error err = TMESH_ERROR_INIT;
    if (strchr(asset, '@') != NULL)
        return cli_usage_error(&cmd_rerender_spec,
                               "--asset %s: give the asset's name only; its newest approved "
                               "version is used",
                               asset);
    if (tmesh_store_name_check(asset, &err) != TMESH_OK) {
        tmesh_error_context(&err, "--asset: ");
        return cli_fail(&err);
    }
    tmesh_store *s = NULL;
    int rc = cli_store_open(store_opt, &s);
    if (rc != CLI_EXIT_OK)
        return rc;
    tmesh_store_version target;
    char(*names)[TMESH_STORE_NAME_MAX + 1] = NULL;
    size_t n = 0;
    tmesh_renderer *r = NULL;
    if ((rc = newest_approved(s, asset, &target)) != CLI_EXIT_OK)
        goto done;
    if (target.version == 0) {
        cli_note("%s has no approved version: no figure re-rendered (review one with "
                 "'tracemesh review %s@N --approve')",
                 asset, asset);
        goto done;
    }
    if (tmesh_store_figures(&names, &n, s, asset, &err) != TMESH_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    if (n == 0)
        cli_note("no stored figure shows %s", asset);
    for (size_t i = 0; i < n; i++) {
        int r1 = rerender_one(s, &r, &oo, names[i], &target, out_dir, dry_run);
        if (r1 != CLI_EXIT_OK && rc == CLI_EXIT_OK)
            rc = r1;
    }
done:
    tmesh_render_close(r);
    free(names);
    tmesh_store_close(s);
    return rc;
}
