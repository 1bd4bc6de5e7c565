/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scenes as canonical JSON: the description of a figure of store assets (assets at versions with
 * their mesh hashes, view, style, size, colours, labels, clipping plane...) that the store keeps
 * beside the image, so that a figure can be rendered again, with other versions of its assets or
 * to verify it.
 */
#define _POSIX_C_SOURCE 200809L
#include "render_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCENE_SCHEMA "tracemesh.scene/1"

static const char *const FORMAT_NAMES[] = {"auto", "png", "svg", "pdf"};

static json_t *triple(const double v[3])
{
    return json_pack("[fff]", v[0], v[1], v[2]);
}

tmesh_status tmesh_render_scene_encode(char **out, const tmesh_render_scene *sc, tmesh_error *err)
{
    TMESH_ASSERT(out != NULL && sc != NULL);
    *out = NULL;
    const tmesh_render_opts *o = &sc->opts;
    if (sc->format <= TMESH_RENDER_FORMAT_AUTO || sc->format > TMESH_RENDER_FORMAT_PDF)
        return tmesh_error_set(err, TMESH_E_ARG, "scene format %d is not png, svg or pdf",
                               (int)sc->format);
    if (sc->n_items == 0 || sc->items == NULL)
        return tmesh_error_set(err, TMESH_E_ARG, "scene has no asset");
    if (sc->side_volume[0] == '\0' && sc->side_labels[0] != '\0')
        return tmesh_error_set(err, TMESH_E_ARG, "scene side: labels without a volume");
    json_t *root = json_object(), *assets = json_array(), *labels = json_array(),
           *meta = json_object();
    int bad = root == NULL || assets == NULL || labels == NULL || meta == NULL;
    for (size_t i = 0; !bad && i < sc->n_items; i++) {
        const tmesh_render_scene_item *it = &sc->items[i];
        if (it->asset[0] == '\0' || it->mesh[0] == '\0' || it->version < 1) {
            json_decref(root);
            json_decref(assets);
            json_decref(labels);
            json_decref(meta);
            return tmesh_error_set(err, TMESH_E_ARG, "scene item %zu has no asset, version or mesh",
                                   i + 1);
        }
        json_t *a = json_pack("{s:s,s:i,s:s,s:s,s:o,s:f}", "asset", it->asset, "version",
                              it->version, "mesh", it->mesh, "derivation", it->derivation, "color",
                              triple(it->color), "opacity", it->opacity);
        bad = a == NULL || json_array_append_new(assets, a) != 0;
    }
    for (size_t i = 0; !bad && i < o->n_labels; i++) {
        json_t *l =
            json_pack("{s:s,s:o}", "text", o->labels[i].text, "at", triple(o->labels[i].at));
        bad = l == NULL || json_array_append_new(labels, l) != 0;
    }
    for (size_t i = 0; !bad && i < o->n_meta; i++)
        bad = json_object_set_new(meta, o->meta[i].key, json_string(o->meta[i].value)) != 0;
    if (!bad) {
        json_object_set_new(root, "schema", json_string(SCENE_SCHEMA));
        json_object_set_new(root, "assets", assets);
        json_object_set_new(root, "labels", labels);
        json_object_set_new(root, "meta", meta);
        assets = labels = meta = NULL;
        json_object_set_new(root, "format", json_string(FORMAT_NAMES[sc->format]));
        json_object_set_new(root, "view", json_string(tmesh_render_view_name(o->view)));
        json_object_set_new(root, "style", json_string(tmesh_render_style_name(o->style)));
        json_object_set_new(root, "azimuth_deg", json_real(o->azimuth_deg));
        json_object_set_new(root, "elevation_deg", json_real(o->elevation_deg));
        json_object_set_new(root, "zoom", json_real(o->zoom));
        json_object_set_new(root, "perspective", json_boolean(o->perspective));
        json_object_set_new(root, "ssao", json_boolean(o->ssao));
        json_object_set_new(root, "width_px", json_integer(o->width_px));
        json_object_set_new(root, "height_px", json_integer(o->height_px));
        json_object_set_new(root, "dpi", json_real(o->dpi));
        json_object_set_new(root, "width_mm", json_real(o->width_mm));
        json_object_set_new(root, "height_mm", json_real(o->height_mm));
        json_object_set_new(root, "background", triple(o->background));
        json_object_set_new(root, "title", o->title ? json_string(o->title) : json_null());
        json_object_set_new(root, "draft", json_boolean(o->draft));
        json_object_set_new(root, "scale_bar", json_boolean(o->scale_bar));
        json_object_set_new(root, "orientation", json_boolean(o->orientation));
        json_object_set_new(root, "crease_deg", json_real(o->crease_deg));
        json_object_set_new(root, "silhouette_pt", json_real(o->silhouette_pt));
        json_object_set_new(root, "crease_pt", json_real(o->crease_pt));
        json_object_set_new(
            root, "side",
            sc->side_volume[0]
                ? json_pack("{s:o,s:o,s:s}", "iso",
                            sc->side_labels[0] ? json_null() : json_real(sc->side_iso), "labels",
                            sc->side_labels[0] ? json_string(sc->side_labels) : json_null(),
                            "volume", sc->side_volume)
                : json_null());
        /* optional members, absent at their defaults: older scenes keep their bytes */
        if (o->clip)
            json_object_set_new(root, "clip",
                                json_pack("{s:o,s:o}", "normal", triple(o->clip_normal), "point",
                                          triple(o->clip_point)));
        if (o->turn_deg != 0)
            json_object_set_new(root, "turn_deg", json_real(o->turn_deg));
        *out = json_dumps(root, JSON_SORT_KEYS | JSON_COMPACT | JSON_REAL_PRECISION(17) |
                                    JSON_ENSURE_ASCII);
    }
    json_decref(root);
    json_decref(assets);
    json_decref(labels);
    json_decref(meta);
    if (*out == NULL)
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory encoding the scene");
    return TMESH_OK;
}

/* The storage a decoded scene owns besides the public struct. */
typedef struct scene_owned {
    tmesh_render_scene pub; /* first: the public pointer is this struct's address */
    tmesh_render_scene_item *items;
    tmesh_render_label *labels;
    tmesh_render_meta *meta;
    char **strings;
    size_t n_strings;
} scene_owned;

void tmesh_render_scene_free(tmesh_render_scene *scene)
{
    if (scene == NULL)
        return;
    scene_owned *so = (scene_owned *)(void *)scene;
    for (size_t i = 0; i < so->n_strings; i++)
        free(so->strings[i]);
    free(so->strings);
    free(so->items);
    free(so->labels);
    free(so->meta);
    free(so);
}

static const char *keep(scene_owned *so, const char *s)
{
    char *d = strdup(s);
    if (d == NULL)
        return NULL;
    so->strings[so->n_strings++] = d;
    return d;
}

static int get_triple(json_t *v, double out[3])
{
    if (!json_is_array(v) || json_array_size(v) != 3)
        return -1;
    for (size_t i = 0; i < 3; i++) {
        json_t *x = json_array_get(v, i);
        if (!json_is_number(x))
            return -1;
        out[i] = json_number_value(x);
    }
    return 0;
}

static int get_number(json_t *root, const char *key, double *out)
{
    json_t *v = json_object_get(root, key);
    if (!json_is_number(v))
        return -1;
    *out = json_number_value(v);
    return 0;
}

static int get_bool(json_t *root, const char *key, int *out)
{
    json_t *v = json_object_get(root, key);
    if (!json_is_boolean(v))
        return -1;
    *out = json_is_true(v);
    return 0;
}

tmesh_status tmesh_render_scene_decode(tmesh_render_scene **out, const char *json, size_t len,
                                       tmesh_error *err)
{
    TMESH_ASSERT(out != NULL && json != NULL);
    *out = NULL;
    json_error_t je;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL)
        return tmesh_error_set(err, TMESH_E_DATA, "scene is not JSON: %s (line %d)", je.text,
                               je.line);
    const char *bad = NULL;
    tmesh_status st = TMESH_OK;
    json_t *schema = json_object_get(root, "schema"), *assets = json_object_get(root, "assets"),
           *labels = json_object_get(root, "labels"), *meta = json_object_get(root, "meta");
    scene_owned *so = NULL;
    if (!json_is_string(schema) || strcmp(json_string_value(schema), SCENE_SCHEMA) != 0) {
        bad = "schema";
        goto fail;
    }
    if (!json_is_array(assets) || json_array_size(assets) == 0) {
        bad = "assets";
        goto fail;
    }
    if (!json_is_array(labels)) {
        bad = "labels";
        goto fail;
    }
    if (!json_is_object(meta)) {
        bad = "meta";
        goto fail;
    }
    size_t na = json_array_size(assets), nl = json_array_size(labels), nm = json_object_size(meta);
    so = calloc(1, sizeof *so);
    if (so == NULL || (so->items = calloc(na, sizeof *so->items)) == NULL ||
        (so->labels = calloc(nl + 1, sizeof *so->labels)) == NULL ||
        (so->meta = calloc(nm + 1, sizeof *so->meta)) == NULL ||
        (so->strings = calloc(nl + 2 * nm + 1, sizeof *so->strings)) == NULL) {
        st = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory decoding a scene");
        goto fail;
    }
    tmesh_render_opts o = TMESH_RENDER_OPTS_INIT;
    for (size_t i = 0; i < na; i++) {
        json_t *a = json_array_get(assets, i);
        tmesh_render_scene_item *it = &so->items[i];
        json_t *nm_ = json_object_get(a, "asset"), *ver = json_object_get(a, "version"),
               *mesh = json_object_get(a, "mesh"), *der = json_object_get(a, "derivation"),
               *op = json_object_get(a, "opacity");
        if (!json_is_string(nm_) || strlen(json_string_value(nm_)) > 64 || !json_is_integer(ver) ||
            !json_is_string(mesh) || strlen(json_string_value(mesh)) != 64 ||
            !json_is_string(der) || strlen(json_string_value(der)) > 64 ||
            get_triple(json_object_get(a, "color"), it->color) != 0 || !json_is_number(op)) {
            bad = "assets";
            goto fail;
        }
        snprintf(it->asset, sizeof it->asset, "%s", json_string_value(nm_));
        it->version = (int)json_integer_value(ver);
        snprintf(it->mesh, sizeof it->mesh, "%s", json_string_value(mesh));
        snprintf(it->derivation, sizeof it->derivation, "%s", json_string_value(der));
        it->opacity = json_number_value(op);
    }
    for (size_t i = 0; i < nl; i++) {
        json_t *l = json_array_get(labels, i), *t = json_object_get(l, "text");
        if (!json_is_string(t) || get_triple(json_object_get(l, "at"), so->labels[i].at) != 0 ||
            (so->labels[i].text = keep(so, json_string_value(t))) == NULL) {
            bad = "labels";
            goto fail;
        }
    }
    {
        const char *key;
        json_t *v;
        size_t k = 0;
        json_object_foreach(meta, key, v)
        {
            if (!json_is_string(v) || (so->meta[k].key = keep(so, key)) == NULL ||
                (so->meta[k].value = keep(so, json_string_value(v))) == NULL) {
                bad = "meta";
                goto fail;
            }
            k++;
        }
        /* json_object_foreach walks in hash order: back to sorted keys */
        for (size_t a = 1; a < k; a++)
            for (size_t b = a; b > 0 && strcmp(so->meta[b - 1].key, so->meta[b].key) > 0; b--) {
                tmesh_render_meta t = so->meta[b];
                so->meta[b] = so->meta[b - 1];
                so->meta[b - 1] = t;
            }
    }
    json_t *fmt = json_object_get(root, "format"), *view = json_object_get(root, "view"),
           *style = json_object_get(root, "style"), *title = json_object_get(root, "title"),
           *wpx = json_object_get(root, "width_px"), *hpx = json_object_get(root, "height_px");
    so->pub.format = TMESH_RENDER_FORMAT_AUTO;
    for (int f = 1; f < 4 && json_is_string(fmt); f++)
        if (strcmp(json_string_value(fmt), FORMAT_NAMES[f]) == 0)
            so->pub.format = (tmesh_render_format)f;
    if (so->pub.format == TMESH_RENDER_FORMAT_AUTO) {
        bad = "format";
        goto fail;
    }
    if (!json_is_string(view) || tmesh_render_view_parse(&o.view, json_string_value(view), NULL)) {
        bad = "view";
        goto fail;
    }
    if (!json_is_string(style) ||
        tmesh_render_style_parse(&o.style, json_string_value(style), NULL)) {
        bad = "style";
        goto fail;
    }
    if (!json_is_integer(wpx) || !json_is_integer(hpx) || json_integer_value(wpx) < 0 ||
        json_integer_value(hpx) < 0 || json_integer_value(wpx) > 100000 ||
        json_integer_value(hpx) > 100000) {
        bad = "width_px";
        goto fail;
    }
    o.width_px = (unsigned)json_integer_value(wpx);
    o.height_px = (unsigned)json_integer_value(hpx);
    if (json_is_string(title)) {
        if ((o.title = keep(so, json_string_value(title))) == NULL) {
            bad = "title";
            goto fail;
        }
    } else if (!json_is_null(title)) {
        bad = "title";
        goto fail;
    }
    if (get_number(root, "azimuth_deg", &o.azimuth_deg))
        bad = "azimuth_deg";
    else if (get_number(root, "elevation_deg", &o.elevation_deg))
        bad = "elevation_deg";
    else if (get_number(root, "zoom", &o.zoom))
        bad = "zoom";
    else if (get_number(root, "dpi", &o.dpi))
        bad = "dpi";
    else if (get_number(root, "width_mm", &o.width_mm))
        bad = "width_mm";
    else if (get_number(root, "height_mm", &o.height_mm))
        bad = "height_mm";
    else if (get_number(root, "crease_deg", &o.crease_deg))
        bad = "crease_deg";
    else if (get_number(root, "silhouette_pt", &o.silhouette_pt))
        bad = "silhouette_pt";
    else if (get_number(root, "crease_pt", &o.crease_pt))
        bad = "crease_pt";
    else if (get_triple(json_object_get(root, "background"), o.background))
        bad = "background";
    else if (get_bool(root, "perspective", &o.perspective))
        bad = "perspective";
    else if (get_bool(root, "ssao", &o.ssao))
        bad = "ssao";
    else if (get_bool(root, "draft", &o.draft))
        bad = "draft";
    else if (get_bool(root, "scale_bar", &o.scale_bar))
        bad = "scale_bar";
    else if (get_bool(root, "orientation", &o.orientation))
        bad = "orientation";
    if (bad)
        goto fail;
    json_t *clip = json_object_get(root, "clip"), *turn = json_object_get(root, "turn_deg");
    if (clip != NULL && !json_is_null(clip)) {
        if (get_triple(json_object_get(clip, "point"), o.clip_point) != 0 ||
            get_triple(json_object_get(clip, "normal"), o.clip_normal) != 0) {
            bad = "clip";
            goto fail;
        }
        o.clip = 1;
    }
    if (turn != NULL) {
        if (!json_is_number(turn)) {
            bad = "turn_deg";
            goto fail;
        }
        o.turn_deg = json_number_value(turn);
    }
    json_t *side = json_object_get(root, "side");
    if (side != NULL && !json_is_null(side)) {
        json_t *sv = json_object_get(side, "volume"), *sl = json_object_get(side, "labels"),
               *si = json_object_get(side, "iso");
        int labels_ok = json_is_string(sl) ? strlen(json_string_value(sl)) == 64
                                           : json_is_null(sl) && json_is_number(si);
        if (!json_is_string(sv) || strlen(json_string_value(sv)) != 64 || !labels_ok) {
            bad = "side";
            goto fail;
        }
        snprintf(so->pub.side_volume, sizeof so->pub.side_volume, "%s", json_string_value(sv));
        if (json_is_string(sl))
            snprintf(so->pub.side_labels, sizeof so->pub.side_labels, "%s", json_string_value(sl));
        else
            so->pub.side_iso = json_number_value(si);
    }
    o.labels = nl ? so->labels : NULL;
    o.n_labels = nl;
    o.meta = nm ? so->meta : NULL;
    o.n_meta = nm;
    so->pub.opts = o;
    so->pub.items = so->items;
    so->pub.n_items = na;
    json_decref(root);
    *out = &so->pub;
    return TMESH_OK;
fail:
    json_decref(root);
    tmesh_render_scene_free(so ? &so->pub : NULL);
    if (st != TMESH_OK)
        return st;
    return tmesh_error_set(err, TMESH_E_DATA, "scene: member '%s' is missing or malformed", bad);
}
