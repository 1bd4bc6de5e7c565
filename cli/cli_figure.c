/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stored figures for the CLI: a scene of store assets, its provenance entries (written into the
 * PNG, SVG or PDF), rendering it, and storing scene, image and "render" derivation as the next
 * version of a named figure; and finding the figure a file or a FIG[@N] argument names.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli_figure.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int load_side(cli_figure_scene *fs, tmesh_store *s);

void cli_figure_scene_free(cli_figure_scene *fs)
{
    if (fs == NULL)
        return;
    for (size_t i = 0; i < fs->n; i++)
        if (fs->meshes)
            tmesh_mesh_free(fs->meshes[i]);
    free(fs->meshes);
    free(fs->items);
    free(fs->approved);
    tmesh_volume_free(fs->side_vol);
    tmesh_volume_free(fs->side_lab);
    memset(fs, 0, sizeof *fs);
}

static int alloc_scene(cli_figure_scene *fs, size_t n)
{
    memset(fs, 0, sizeof *fs);
    fs->items = calloc(n, sizeof *fs->items);
    fs->meshes = calloc(n, sizeof *fs->meshes);
    fs->approved = calloc(n, sizeof *fs->approved);
    if (fs->items == NULL || fs->meshes == NULL || fs->approved == NULL) {
        cli_figure_scene_free(fs);
        cli_error("out of memory");
        return CLI_EXIT_FAIL;
    }
    fs->n = n;
    fs->scene.items = fs->items;
    fs->scene.n_items = n;
    return CLI_EXIT_OK;
}

void cli_figure_set_draft(cli_figure_scene *fs)
{
    int all = 1;
    for (size_t i = 0; i < fs->n; i++)
        all = all && fs->approved[i];
    fs->scene.opts.draft = !all;
}

static int load_item(cli_figure_scene *fs, size_t i, tmesh_store *s, const tmesh_store_version *v)
{
    tmesh_error err = TMESH_ERROR_INIT;
    tmesh_render_scene_item *it = &fs->items[i];
    snprintf(it->asset, sizeof it->asset, "%s", v->asset);
    it->version = v->version;
    snprintf(it->mesh, sizeof it->mesh, "%s", v->mesh);
    snprintf(it->derivation, sizeof it->derivation, "%s", v->derivation);
    fs->approved[i] = v->review_state > 0;
    if (tmesh_store_get_mesh(&fs->meshes[i], s, v->mesh, &err) != TMESH_OK) {
        tmesh_error_context(&err, "%s@%d: ", v->asset, v->version);
        return cli_fail(&err);
    }
    return CLI_EXIT_OK;
}

int cli_figure_from_refs(cli_figure_scene *out, tmesh_store *s, const char *const *refs, size_t n,
                         const double (*colors)[3], size_t n_colors, const double *opacities,
                         size_t n_opacities, const tmesh_render_opts *opts,
                         tmesh_render_format format)
{
    int rc = alloc_scene(out, n);
    if (rc != CLI_EXIT_OK)
        return rc;
    out->scene.opts = *opts;
    out->scene.format = format;
    for (size_t i = 0; i < n; i++) {
        tmesh_error err = TMESH_ERROR_INIT;
        char name[TMESH_STORE_NAME_MAX + 1];
        int ver = 0;
        tmesh_store_version v;
        if (tmesh_store_ref_parse(refs[i], name, &ver, &err) != TMESH_OK ||
            tmesh_store_version_get(&v, s, name, ver, &err) != TMESH_OK) {
            if (err.code == TMESH_E_NOTFOUND && ver == 0)
                cli_error("%s: no asset of that name in the store %s (and no such mesh file)",
                          refs[i], tmesh_store_path(s));
            else
                cli_fail(&err);
            cli_figure_scene_free(out);
            return err.code == TMESH_E_NOTFOUND || err.code == TMESH_E_ARG
                       ? CLI_EXIT_USAGE
                       : cli_exit_code(err.code);
        }
        if ((rc = load_item(out, i, s, &v)) != CLI_EXIT_OK) {
            cli_figure_scene_free(out);
            return rc;
        }
        tmesh_render_scene_item *it = &out->items[i];
        for (int c = 0; c < 3; c++)
            it->color[c] = i < n_colors ? colors[i][c] : -1.0;
        it->opacity = i < n_opacities ? opacities[i] : -1.0;
    }
    cli_figure_set_draft(out);
    return CLI_EXIT_OK;
}

int cli_figure_from_scene(cli_figure_scene *out, tmesh_store *s, const tmesh_render_scene *sc)
{
    int rc = alloc_scene(out, sc->n_items);
    if (rc != CLI_EXIT_OK)
        return rc;
    out->scene.opts = sc->opts;
    out->scene.format = sc->format;
    for (size_t i = 0; i < sc->n_items; i++) {
        tmesh_error err = TMESH_ERROR_INIT;
        tmesh_store_version v;
        if (tmesh_store_version_get(&v, s, sc->items[i].asset, sc->items[i].version, &err) !=
            TMESH_OK) {
            cli_figure_scene_free(out);
            return cli_fail(&err);
        }
        if (strcmp(v.mesh, sc->items[i].mesh) != 0) {
            cli_error("%s@%d: the scene records mesh %s, the store %s", v.asset, v.version,
                      sc->items[i].mesh, v.mesh);
            cli_figure_scene_free(out);
            return CLI_EXIT_VERIFY;
        }
        if ((rc = load_item(out, i, s, &v)) != CLI_EXIT_OK) {
            cli_figure_scene_free(out);
            return rc;
        }
        /* the scene's own record wins: verify must render what was rendered */
        out->items[i] = sc->items[i];
    }
    memcpy(out->scene.side_volume, sc->side_volume, sizeof out->scene.side_volume);
    memcpy(out->scene.side_labels, sc->side_labels, sizeof out->scene.side_labels);
    out->scene.side_iso = sc->side_iso;
    if (out->scene.side_volume[0] && (rc = load_side(out, s)) != CLI_EXIT_OK) {
        cli_figure_scene_free(out);
        return rc;
    }
    return CLI_EXIT_OK;
}

static int load_side(cli_figure_scene *fs, tmesh_store *s)
{
    tmesh_error err = TMESH_ERROR_INIT;
    if (tmesh_store_get_volume(&fs->side_vol, s, fs->scene.side_volume, &err) != TMESH_OK ||
        (fs->scene.side_labels[0] &&
         tmesh_store_get_volume(&fs->side_lab, s, fs->scene.side_labels, &err) != TMESH_OK)) {
        tmesh_error_context(&err, "side-by-side: ");
        return cli_fail(&err);
    }
    return CLI_EXIT_OK;
}

int cli_figure_side_from_chain(cli_figure_scene *fs, tmesh_store *s)
{
    tmesh_error err = TMESH_ERROR_INIT;
    tmesh_store_node *nodes = NULL;
    size_t n = 0;
    const tmesh_render_scene_item *it = &fs->items[0];
    if (tmesh_store_walk(&nodes, &n, s, it->mesh, &err) != TMESH_OK)
        return cli_fail(&err);
    const char *vol = NULL, *lab = NULL, *iso_deriv = NULL;
    for (size_t i = 0; i < n; i++) {
        if (nodes[i].kind == TMESH_STORE_LABELS && lab == NULL)
            lab = nodes[i].hash;
        if (nodes[i].kind == TMESH_STORE_VOLUME && vol == NULL)
            vol = nodes[i].hash;
        if (strcmp(nodes[i].operation, "isosurface") == 0 && iso_deriv == NULL)
            iso_deriv = nodes[i].derivation;
    }
    int rc = CLI_EXIT_OK;
    double iso = 0;
    if (vol == NULL || (lab == NULL && iso_deriv == NULL)) {
        cli_error("--side-by-side: the provenance of %s@%d holds no scan and label volume (was "
                  "its mesh imported from a file?)",
                  it->asset, it->version);
        rc = CLI_EXIT_DATA;
        goto done;
    }
    if (lab == NULL) {
        tmesh_store_derivation *d = NULL;
        if (tmesh_store_derivation_get(&d, s, iso_deriv, &err) != TMESH_OK ||
            tmesh_store_param_number(&iso, d->params, "iso", &err) != TMESH_OK) {
            tmesh_store_derivation_free(d);
            rc = cli_fail(&err);
            goto done;
        }
        tmesh_store_derivation_free(d);
    }
    snprintf(fs->scene.side_volume, sizeof fs->scene.side_volume, "%s", vol);
    snprintf(fs->scene.side_labels, sizeof fs->scene.side_labels, "%s", lab ? lab : "");
    fs->scene.side_iso = lab ? 0.0 : iso;
    tmesh_volume_free(fs->side_vol);
    tmesh_volume_free(fs->side_lab);
    fs->side_vol = fs->side_lab = NULL;
    rc = load_side(fs, s);
done:
    free(nodes);
    return rc;
}

int cli_figure_display_opt(const cli_cmd_spec *spec, const char *val, tmesh_render_display *out)
{
    if (strcmp(val, "auto") == 0)
        *out = TMESH_RENDER_DISPLAY_AUTO;
    else if (strcmp(val, "xvfb") == 0)
        *out = TMESH_RENDER_DISPLAY_XVFB;
    else if (strcmp(val, "x") == 0)
        *out = TMESH_RENDER_DISPLAY_X;
    else {
        cli_usage_error(spec, "invalid value '%s' for --display: expected auto, xvfb or x", val);
        return -1;
    }
    return 0;
}

const char *cli_figure_format_ext(tmesh_render_format f)
{
    return f == TMESH_RENDER_FORMAT_PNG   ? "png"
           : f == TMESH_RENDER_FORMAT_SVG ? "svg"
           : f == TMESH_RENDER_FORMAT_PDF ? "pdf"
                                          : NULL;
}

#define MAX_ENTRIES 64

int cli_figure_render(tmesh_renderer **r, const tmesh_render_open_opts *oo,
                      const cli_figure_scene *fs, const char *figure_id, const char *scene_hash,
                      const char *path, tmesh_render_report *rep)
{
    tmesh_error err = TMESH_ERROR_INIT;
    const tmesh_render_opts *so = &fs->scene.opts;
    size_t n_items = fs->n;
    tmesh_render_meta *meta = calloc(so->n_meta + 4 + 3 * n_items, sizeof *meta);
    char(*bufs)[160] = calloc(3 * n_items + 1, sizeof *bufs);
    char *assets = calloc(n_items, TMESH_STORE_NAME_MAX + 16);
    tmesh_render_item *items = calloc(n_items, sizeof *items);
    int rc = CLI_EXIT_OK;
    if (meta == NULL || bufs == NULL || assets == NULL || items == NULL) {
        cli_error("out of memory");
        rc = CLI_EXIT_FAIL;
        goto done;
    }
    size_t k = 0, na = 0;
    for (size_t i = 0; i < so->n_meta; i++)
        meta[k++] = so->meta[i];
    meta[k].key = "figure_id";
    meta[k++].value = figure_id;
    meta[k].key = "scene_sha256";
    meta[k++].value = scene_hash;
    for (size_t i = 0; i < n_items; i++) {
        const tmesh_render_scene_item *it = &fs->items[i];
        char *ref = bufs[3 * i], *mk = bufs[3 * i + 1], *dk = bufs[3 * i + 2];
        snprintf(ref, 160, "%s@%d", it->asset, it->version);
        na += (size_t)snprintf(assets + na, TMESH_STORE_NAME_MAX + 16, "%s%s", i ? " " : "", ref);
        /* "mesh_1"="skull@3 mesh <sha256>": one entry per asset, readable on its own. Only
         * what the scene fixes goes in: verify renders the same bytes again later. */
        snprintf(mk, 160, "%s@%d mesh %s", it->asset, it->version, it->mesh);
        snprintf(dk, 160, "%s@%d derivation %s", it->asset, it->version,
                 it->derivation[0] ? it->derivation : "none");
    }
    meta[k].key = "assets";
    meta[k++].value = assets;
    char keys[2 * MAX_ENTRIES][32];
    for (size_t i = 0; i < n_items && i < MAX_ENTRIES; i++) { /* render takes at most 64 */
        snprintf(keys[2 * i], 32, "mesh_%zu", i + 1);
        snprintf(keys[2 * i + 1], 32, "derivation_%zu", i + 1);
        meta[k].key = keys[2 * i];
        meta[k++].value = bufs[3 * i + 1];
        meta[k].key = keys[2 * i + 1];
        meta[k++].value = bufs[3 * i + 2];
    }
    for (size_t i = 0; i < n_items; i++) {
        tmesh_render_item it = TMESH_RENDER_ITEM_INIT;
        it.mesh = fs->meshes[i];
        memcpy(it.color, fs->items[i].color, sizeof it.color);
        it.opacity = fs->items[i].opacity;
        items[i] = it;
    }
    tmesh_render_opts o = *so;
    tmesh_render_side side = TMESH_RENDER_SIDE_INIT;
    if (fs->side_vol != NULL) {
        side.volume = fs->side_vol;
        side.labels = fs->side_lab;
        side.iso = fs->scene.side_iso;
        o.side = &side;
    }
    o.meta = meta;
    o.n_meta = k;
    o.format = fs->scene.format;
    if (*r == NULL && tmesh_render_open(r, oo, &err) != TMESH_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    tmesh_render_report local;
    if (tmesh_render_figure(*r, items, n_items, path, &o, rep ? rep : &local, &err) != TMESH_OK)
        rc = cli_fail(&err);
done:
    free(meta);
    free(bufs);
    free(assets);
    free(items);
    return rc;
}

/* A temporary folder in $TMPDIR and the path of "figure.EXT" in it (mkstemps is not POSIX). */
static int temp_path(char *dir, size_t dcap, char *buf, size_t cap, const char *ext)
{
    const char *t = getenv("TMPDIR");
    snprintf(dir, dcap, "%s/tracemesh-figure-XXXXXX", t && t[0] ? t : "/tmp");
    if (mkdtemp(dir) == NULL) {
        cli_error("%s: cannot create a temporary folder", dir);
        dir[0] = '\0';
        return -1;
    }
    snprintf(buf, cap, "%s/figure.%s", dir, ext);
    return 0;
}

int cli_figure_store(tmesh_store *s, tmesh_renderer **r, const tmesh_render_open_opts *oo,
                     const char *name, const cli_figure_scene *fs, const char *path,
                     const char *note, int *version_out, char image_out[65])
{
    tmesh_error err = TMESH_ERROR_INIT;
    char *json = NULL;
    uint8_t *img = NULL;
    size_t img_len = 0;
    int rc = CLI_EXIT_OK;
    char tmp[4096] = "", tmpdir[4096] = "";
    const char *ext = cli_figure_format_ext(fs->scene.format);
    if (tmesh_render_scene_encode(&json, &fs->scene, &err) != TMESH_OK)
        return cli_fail(&err);
    char scene_hash[65];
    if (tmesh_store_put(s, TMESH_STORE_FIGURE, json, strlen(json), scene_hash, &err) != TMESH_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    if (path == NULL) {
        if (temp_path(tmpdir, sizeof tmpdir, tmp, sizeof tmp, ext) != 0) {
            rc = CLI_EXIT_FAIL;
            goto done;
        }
        path = tmp;
    }
    /* The image names its own version, so the number is taken before rendering; when another
     * process publishes that number first, render again with the next one. */
    for (int attempt = 0; attempt < 5; attempt++) {
        int next = 0;
        if (tmesh_store_figure_next(&next, s, name, &err) != TMESH_OK) {
            rc = cli_fail(&err);
            goto done;
        }
        char fid[TMESH_STORE_NAME_MAX + 16];
        snprintf(fid, sizeof fid, "%s@%d", name, next);
        tmesh_render_report rep;
        if ((rc = cli_figure_render(r, oo, fs, fid, scene_hash, path, &rep)) != CLI_EXIT_OK)
            goto done;
        free(img);
        img = NULL;
        if (tmesh_fs_read_all(path, &img, &img_len, &err) != TMESH_OK) {
            rc = cli_fail(&err);
            goto done;
        }
        char image[65], deriv[65], renderer[512];
        tmesh_render_fingerprint_text(&rep.fingerprint, renderer, sizeof renderer);
        if (tmesh_store_put(s, TMESH_STORE_FIGURE, img, img_len, image, &err) != TMESH_OK) {
            rc = cli_fail(&err);
            goto done;
        }
        tmesh_store_input *in = calloc(fs->n + 1, sizeof *in);
        tmesh_store_figure_asset *fa = calloc(fs->n, sizeof *fa);
        if (in == NULL || fa == NULL) {
            free(in);
            free(fa);
            cli_error("out of memory");
            rc = CLI_EXIT_FAIL;
            goto done;
        }
        in[0].role = "scene";
        in[0].hash = scene_hash;
        for (size_t i = 0; i < fs->n; i++) {
            in[i + 1].role = "mesh";
            in[i + 1].hash = fs->items[i].mesh;
            snprintf(fa[i].asset, sizeof fa[i].asset, "%s", fs->items[i].asset);
            fa[i].version = fs->items[i].version;
            snprintf(fa[i].mesh, sizeof fa[i].mesh, "%s", fs->items[i].mesh);
        }
        /* parameters: what the scene does not say (the figure id in the image, the renderer) */
        char params[1024];
        {
            char rq[600];
            size_t j = 0;
            for (const char *p = renderer; *p && j < sizeof rq - 3; p++) {
                if (*p == '"' || *p == '\\')
                    rq[j++] = '\\';
                rq[j++] = (*p >= 0x20) ? *p : ' ';
            }
            rq[j] = '\0';
            snprintf(params, sizeof params,
                     "{\"figure\":\"%s\",\"format\":\"%s\",\"renderer\":\"%s\"}", fid, ext, rq);
        }
        tmesh_status st =
            tmesh_store_derive(s, deriv, "render", params, in, fs->n + 1, image, &err);
        int ver = 0;
        if (st == TMESH_OK) {
            tmesh_store_figure_publish_opts po = TMESH_STORE_FIGURE_PUBLISH_OPTS_INIT;
            po.version = next;
            po.note = note;
            st = tmesh_store_figure_publish(&ver, s, name, scene_hash, image, ext, deriv, renderer,
                                            fa, fs->n, &po, &err);
        }
        free(in);
        free(fa);
        if (st == TMESH_OK) {
            *version_out = ver;
            snprintf(image_out, 65, "%s", image);
            goto done;
        }
        int now_next = 0;
        tmesh_error e2 = TMESH_ERROR_INIT;
        if (st == TMESH_E_ARG && tmesh_store_figure_next(&now_next, s, name, &e2) == TMESH_OK &&
            now_next != next) {
            tmesh_error_clear(&err);
            continue; /* the number was taken: render again */
        }
        rc = cli_fail(&err);
        goto done;
    }
    cli_error("figure %s: other processes kept taking the next version number", name);
    rc = CLI_EXIT_FAIL;
done:
    if (tmpdir[0]) {
        unlink(tmp);
        rmdir(tmpdir);
    }
    free(json);
    free(img);
    return rc;
}

int cli_figure_parse_id(const uint8_t *data, size_t len, char *out, size_t cap)
{
    static const char open[] = "<tmesh:figure_id>", close[] = "</tmesh:figure_id>";
    size_t no = sizeof open - 1;
    for (size_t i = 0; i + no <= len; i++) {
        if (data[i] != '<' || memcmp(data + i, open, no) != 0)
            continue;
        size_t b = i + no, e = b;
        while (e < len && e - b < 200 && data[e] != '<')
            e++;
        if (e + sizeof close - 1 > len || memcmp(data + e, close, sizeof close - 1) != 0)
            continue;
        snprintf(out, cap, "%.*s", (int)(e - b), (const char *)data + b);
        return 1;
    }
    return 0;
}

int cli_figure_target_resolve(tmesh_store *s, const char *target, cli_figure_target *out)
{
    memset(out, 0, sizeof *out);
    tmesh_error err = TMESH_ERROR_INIT;
    struct stat sb;
    if (stat(target, &sb) == 0 && S_ISREG(sb.st_mode)) {
        uint8_t *b = NULL;
        size_t len = 0;
        if (tmesh_fs_read_all(target, &b, &len, &err) != TMESH_OK)
            return cli_fail(&err);
        uint8_t d[32];
        tmesh_sha256_buf(b, len, d);
        tmesh_sha256_hex(d, out->file_sha256);
        out->is_file = 1;
        if (tmesh_store_figure_find(&out->fig, s, out->file_sha256, &err) == TMESH_OK) {
            free(b);
            return CLI_EXIT_OK;
        }
        if (err.code != TMESH_E_NOTFOUND) {
            free(b);
            return cli_fail(&err);
        }
        char fid[256];
        int has = cli_figure_parse_id(b, len, fid, sizeof fid);
        free(b);
        if (!has)
            return -1;
        if (strncmp(fid, "scene-", 6) == 0) {
            cli_error("%s: a figure rendered without --name is not stored (figure id %s): "
                      "trace its assets (tmesh:assets in its metadata), or render it with --name",
                      target, fid);
            return CLI_EXIT_DATA;
        }
        char name[TMESH_STORE_NAME_MAX + 1];
        int ver = 0;
        tmesh_error_clear(&err);
        if (tmesh_store_ref_parse(fid, name, &ver, &err) != TMESH_OK || ver == 0 ||
            tmesh_store_figure_get(&out->fig, s, name, ver, &err) != TMESH_OK) {
            cli_error("%s: MODIFIED or foreign: no figure has SHA-256 %s, and the figure it "
                      "names (%s) is not in this store",
                      target, out->file_sha256, fid);
            return CLI_EXIT_VERIFY;
        }
        out->modified = 1;
        return CLI_EXIT_OK;
    }
    char name[TMESH_STORE_NAME_MAX + 1];
    int ver = 0;
    tmesh_store_version v;
    if (tmesh_store_ref_parse(target, name, &ver, &err) != TMESH_OK)
        return -1;
    if (tmesh_store_version_get(&v, s, name, 0, &err) == TMESH_OK)
        return -1; /* an asset of that name */
    tmesh_error_clear(&err);
    if (tmesh_store_figure_get(&out->fig, s, name, 0, &err) != TMESH_OK)
        return -1; /* neither: the asset code reports it */
    if (ver > 0) {
        tmesh_store_figure_free(out->fig);
        out->fig = NULL;
        if (tmesh_store_figure_get(&out->fig, s, name, ver, &err) != TMESH_OK) {
            cli_fail(&err);
            return CLI_EXIT_USAGE;
        }
    }
    return CLI_EXIT_OK;
}

int cli_figure_rerender(tmesh_store *s, tmesh_renderer **r, const tmesh_render_open_opts *oo,
                        const tmesh_store_figure *f, uint8_t **out, size_t *len_out,
                        tmesh_render_fingerprint *fp_out)
{
    tmesh_error err = TMESH_ERROR_INIT;
    uint8_t *b = NULL;
    size_t len = 0;
    tmesh_render_scene *sc = NULL;
    cli_figure_scene fs;
    memset(&fs, 0, sizeof fs);
    char dir[4096] = "", path[4200] = "";
    int rc = CLI_EXIT_OK;
    *out = NULL;
    *len_out = 0;
    if (tmesh_store_get(&b, &len, NULL, s, f->scene, &err) != TMESH_OK ||
        tmesh_render_scene_decode(&sc, (const char *)b, len, &err) != TMESH_OK) {
        tmesh_error_context(&err, "scene of %s@%d: ", f->name, f->version);
        rc = cli_fail(&err);
        goto done;
    }
    if ((rc = cli_figure_from_scene(&fs, s, sc)) != CLI_EXIT_OK)
        goto done;
    if (temp_path(dir, sizeof dir, path, sizeof path, f->format) != 0) {
        rc = CLI_EXIT_FAIL;
        goto done;
    }
    char fid[TMESH_STORE_NAME_MAX + 16];
    snprintf(fid, sizeof fid, "%s@%d", f->name, f->version);
    tmesh_render_report rep;
    if ((rc = cli_figure_render(r, oo, &fs, fid, f->scene, path, &rep)) != CLI_EXIT_OK)
        goto done;
    if (tmesh_fs_read_all(path, out, len_out, &err) != TMESH_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    *fp_out = rep.fingerprint;
done:
    if (dir[0]) {
        unlink(path);
        rmdir(dir);
    }
    cli_figure_scene_free(&fs);
    tmesh_render_scene_free(sc);
    free(b);
    return rc;
}
