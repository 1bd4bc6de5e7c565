/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tracemesh render: mesh files or store assets (NAME[@V]) -> an illustration figure (PNG, or
 * SVG/PDF line art) seen from a named anatomical view, with labels anchored at LPS points, a
 * scale bar, orientation letters, provenance metadata and, for unreviewed work, a DRAFT mark.
 * With --name the scene and image are stored as the next version of a named figure. Headless: a
 * private Xvfb is started and stopped when no X display is available.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli_figure.h"
#include "tracemesh/mesh.h"
#include "tracemesh/render.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

enum {
    OPT_OUT = 1,
    OPT_VIEW,
    OPT_AZIMUTH,
    OPT_ELEVATION,
    OPT_ZOOM,
    OPT_PERSPECTIVE,
    OPT_STYLE,
    OPT_SSAO,
    OPT_SIZE,
    OPT_DPI,
    OPT_WIDTH_MM,
    OPT_HEIGHT_MM,
    OPT_COLOR,
    OPT_OPACITY,
    OPT_LABEL,
    OPT_AT,
    OPT_TITLE,
    OPT_DRAFT,
    OPT_NO_SCALE_BAR,
    OPT_NO_ORIENTATION,
    OPT_META,
    OPT_CREASE,
    OPT_DISPLAY,
    OPT_NAME,
    OPT_NOTE,
    OPT_SIDE,
    OPT_CLIP,
    OPT_TURNTABLE
};

static const cli_opt render_opts[] = {
    {OPT_OUT, "output", 'o', "FILE", "figure: .png, or .svg/.pdf line art (required)"},
    {OPT_VIEW, "view", 0, "NAME",
     "anterior (default), posterior, left, right, superior or inferior"},
    {OPT_AZIMUTH, "azimuth", 0, "DEG", "turn the viewer towards the screen's right, -360..360"},
    {OPT_ELEVATION, "elevation", 0, "DEG", "raise the viewer (look down), -90..90"},
    {OPT_ZOOM, "zoom", 0, "F", "magnify, 0.05..50 (default 1: the meshes fill 95 %)"},
    {OPT_PERSPECTIVE, "perspective", 0, NULL, "perspective instead of parallel projection"},
    {OPT_STYLE, "style", 0, "NAME", "clinical, shaded (default), ghost or line"},
    {OPT_SSAO, "ssao", 0, NULL, "shaded: screen-space ambient occlusion"},
    {OPT_SIZE, "size", 0, "WxH", "pixels, 16..16384 each (default 1200x1200)"},
    {OPT_DPI, "dpi", 0, "N", "resolution recorded in the figure, 10..10000 (default 300)"},
    {OPT_WIDTH_MM, "width-mm", 0, "MM", "physical width; pixels = MM * dpi / 25.4"},
    {OPT_HEIGHT_MM, "height-mm", 0, "MM", "physical height (default: the width)"},
    {OPT_COLOR, "color", 0, "R,G,B|#RRGGBB",
     "colour of the next mesh in order (components 0..1); repeat per mesh"},
    {OPT_OPACITY, "opacity", 0, "A", "opacity of the next mesh in order, 0..1; repeat per mesh"},
    {OPT_LABEL, "label", 0, "TEXT", "a label; its anchor follows with --at"},
    {OPT_AT, "at", 0, "L,P,S", "anchor of the preceding --label, patient LPS mm"},
    {OPT_TITLE, "title", 0, "TEXT", "title at the top"},
    {OPT_DRAFT, "draft", 0, NULL,
     "mesh files: mark \"DRAFT - not clinically reviewed\" (assets: set by their reviews)"},
    {OPT_NO_SCALE_BAR, "no-scale-bar", 0, NULL, "no scale bar"},
    {OPT_NO_ORIENTATION, "no-orientation", 0, NULL, "no orientation letters"},
    {OPT_META, "meta", 0, "KEY=VALUE", "provenance entry written into the figure; repeatable"},
    {OPT_CREASE, "crease", 0, "DEG", "line: crease angle, 1..180 (default 40)"},
    {OPT_DISPLAY, "display", 0, "auto|xvfb|x",
     "X display: $DISPLAY else a private Xvfb (auto), always Xvfb, or only $DISPLAY"},
    {OPT_NAME, "name", 0, "FIG", "assets: store scene and image as the next version of FIG"},
    {OPT_NOTE, "note", 0, "TEXT", "with --name: note recorded with the figure version"},
    {OPT_SIDE, "side-by-side", 0, NULL,
     "assets, PNG: the scan slice with the label outline right of the 3D view"},
    {OPT_CLIP, "clip", 0, "L,P,S:NL,NP,NS",
     "cut-away: plane through L,P,S (mm); the side its normal points to is removed"},
    {OPT_TURNTABLE, "turntable", 0, "N",
     "N frames (2..360) turned 360/N degrees about S: FIG-000.EXT... (not with --name)"},
    CLI_STORE_OPT,
    {0, NULL, 0, NULL, NULL},
};

const cli_cmd_spec cmd_render_spec = {
    "render",
    "MESH.stl... | ASSET[@V]... [--view anterior] [--style shaded]\n"
    "       [--size WxH | --dpi N --width-mm MM] [--color C]... [--opacity A]...\n"
    "       [--label TEXT --at L,P,S]... [--draft] [--side-by-side] [--name FIG [--note TEXT]]\n"
    "       [--clip L,P,S:NL,NP,NS] [--turntable N] [--store DIR] -o FILE",
    "Render meshes or store assets into a figure: PNG, or SVG/PDF line art.",
    "Views are named from the patient (LPS frame): in the anterior view the viewer faces the\n"
    "patient, so the patient's left is on the viewer's right and superior is up. The camera\n"
    "is fitted to the meshes; parallel projection keeps the scale bar true everywhere.\n"
    "Styles: clinical (plain grey), shaded (studio lights), ghost (translucent outer mesh over\n"
    "opaque inner ones), line (flat fill with silhouettes and creases). SVG and PDF output is\n"
    "vector line art computed from the geometry (style line). Without an X display a private\n"
    "Xvfb is started and always stopped. Meshes are read with the mesh module's readers.\n"
    "An argument that is not a file is an asset of the store, NAME or NAME@VERSION (newest\n"
    "when no version is given). A figure of assets carries its provenance in its metadata\n"
    "(PNG text chunks and XMP, SVG <metadata>, PDF document metadata): figure id, asset\n"
    "versions, mesh hashes, derivations, scene hash and renderer fingerprint; it is marked\n"
    "DRAFT exactly when some version shown has no approved review. --name FIG stores the\n"
    "scene and the image as the next version of figure FIG and prints FIG@N and the image's\n"
    "SHA-256 ('tracemesh rerender', 'trace' and 'verify' then work on it).\n"
    "--side-by-side (assets, PNG) adds a square panel right of the 3D view: the scan from the\n"
    "first asset's provenance, resampled on the plane through the centre of its labelled\n"
    "voxels facing the viewer, with the label (or isosurface) outline, for clinical review.\n"
    "--clip P:N cuts every mesh with the plane through the point P (patient LPS mm) whose\n"
    "normal N (LPS, any length but zero) points to the half that is removed: --clip 0,0,0:1,0,0\n"
    "removes the patient's left of the plane L=0. The cut is open (the inside shows through\n"
    "it); line art keeps the lines on the kept side and draws the cut outline where the plane\n"
    "crosses each mesh, at silhouette weight. The camera is fitted to the uncut meshes. The\n"
    "clip is part of the scene, so a stored figure re-renders with it.\n"
    "--turntable N writes N frames, FIG-000.EXT to FIG-(N-1).EXT beside -o FIG.EXT: frame k\n"
    "shows the scene turned k*360/N degrees about the patient's S axis, counter-clockwise\n"
    "seen from above (from anterior the face turns to the viewer's right), each frame fitted\n"
    "on its own; frame 0 has the pixels of the figure without --turntable. Each frame records\n"
    "turntable_frame, turntable_frames and turntable_deg in its metadata. Frames are not\n"
    "stored: --turntable with --name is refused.",
    render_opts};

#define MAX_MESHES 64
#define MAX_LABELS 64
#define MAX_META 64

/* Three finite numbers separated by commas, ending at `stop`; 0 or -1 (nothing printed). */
static int triple_of(const char *s, char stop, double out[3])
{
    char *end;
    const char *p = s;
    for (int i = 0; i < 3; i++) {
        out[i] = strtod(p, &end);
        if (end == p || (i < 2 && *end != ',') || (i == 2 && *end != stop) || !isfinite(out[i]))
            return -1;
        p = end + 1;
    }
    return 0;
}

static int parse_triple(const char *opt, const char *s, double out[3])
{
    if (triple_of(s, '\0', out) != 0) {
        cli_error("invalid value '%s' for --%s: expected three numbers separated by commas", s,
                  opt);
        return -1;
    }
    return 0;
}

/* --clip L,P,S:NL,NP,NS */
static int parse_clip(const char *s, tmesh_render_opts *o)
{
    const char *colon = strchr(s, ':');
    if (colon == NULL || triple_of(s, ':', o->clip_point) != 0 ||
        triple_of(colon + 1, '\0', o->clip_normal) != 0) {
        cli_error("invalid value '%s' for --clip: expected L,P,S:NL,NP,NS (a point in patient "
                  "LPS mm, a colon, and the normal towards the removed side)",
                  s);
        return -1;
    }
    const double *n = o->clip_normal;
    if (!(n[0] * n[0] + n[1] * n[1] + n[2] * n[2] > 0)) {
        cli_error("invalid value '%s' for --clip: the normal NL,NP,NS is zero (it must point "
                  "to the side that is removed)",
                  s);
        return -1;
    }
    o->clip = 1;
    return 0;
}

/* Turntable frame k of -o FIG.EXT: FIG-00k.EXT (malloc'd; NULL when out of memory). */
static char *frame_path(const char *out, unsigned k)
{
    const char *dot = strrchr(out, '.');
    size_t stem = dot != NULL && strchr(dot, '/') == NULL ? (size_t)(dot - out) : strlen(out);
    size_t cap = strlen(out) + 16;
    char *p = malloc(cap);
    if (p != NULL)
        snprintf(p, cap, "%.*s-%03u%s", (int)stem, out, k, out + stem);
    return p;
}

/* Provenance of turntable frame k: the caller's entries plus turntable_frame, turntable_frames
 * and turntable_deg (values in `buf`). */
typedef struct frame_meta {
    tmesh_render_meta *meta;
    size_t n;
    char buf[3][32];
} frame_meta;

static int frame_meta_set(frame_meta *fm, const tmesh_render_meta *meta, size_t n_meta, unsigned k,
                          unsigned n_frames, double deg)
{
    free(fm->meta);
    fm->meta = malloc((n_meta + 3) * sizeof *fm->meta);
    if (fm->meta == NULL) {
        cli_error("out of memory");
        return -1;
    }
    if (n_meta > 0)
        memcpy(fm->meta, meta, n_meta * sizeof *meta);
    snprintf(fm->buf[0], sizeof fm->buf[0], "%u", k);
    snprintf(fm->buf[1], sizeof fm->buf[1], "%u", n_frames);
    snprintf(fm->buf[2], sizeof fm->buf[2], "%.17g", deg);
    static const char *const keys[3] = {"turntable_frame", "turntable_frames", "turntable_deg"};
    for (int i = 0; i < 3; i++) {
        fm->meta[n_meta + i].key = keys[i];
        fm->meta[n_meta + i].value = fm->buf[i];
    }
    fm->n = n_meta + 3;
    return 0;
}

static double frame_deg(unsigned k, unsigned n_frames)
{
    return 360.0 * (double)k / (double)n_frames;
}

static int parse_color(const char *s, double out[3])
{
    if (s[0] == '#' && strlen(s) == 7) {
        for (int i = 0; i < 3; i++) {
            char h[3] = {s[1 + 2 * i], s[2 + 2 * i], 0};
            char *end;
            long v = strtol(h, &end, 16);
            if (*end != '\0') {
                cli_error("invalid value '%s' for --color: expected #RRGGBB or R,G,B", s);
                return -1;
            }
            out[i] = (double)v / 255.0;
        }
        return 0;
    }
    if (parse_triple("color", s, out) != 0)
        return -1;
    for (int i = 0; i < 3; i++)
        if (!(out[i] >= 0 && out[i] <= 1)) {
            cli_error("invalid value '%s' for --color: components must be 0..1", s);
            return -1;
        }
    return 0;
}

/* A positional argument is a mesh file when it exists or looks like a path, else NAME[@V]. */
static int is_asset_ref(const char *arg)
{
    struct stat sb;
    if (stat(arg, &sb) == 0 || strchr(arg, '/') != NULL)
        return 0;
    static const char *const exts[] = {".stl", ".ply", ".obj", ".glb", ".gltf",
                                       ".3mf", ".dae", ".fbx", ".vtk"};
    const char *dot = strrchr(arg, '.');
    for (size_t i = 0; dot && i < sizeof exts / sizeof exts[0]; i++)
        if (strcasecmp(dot, exts[i]) == 0)
            return 0;
    return 1;
}

static void note_written(const char *out, const tmesh_render_opts *o,
                         const tmesh_render_report *rep)
{
    if (o->style == TMESH_STYLE_LINE)
        cli_note("wrote %s: %ux%u px, %.4f mm/px, %zu polylines, render %.2f s", out, rep->width_px,
                 rep->height_px, rep->mm_per_px, rep->n_polylines, rep->render_s);
    else
        cli_note("wrote %s: %ux%u px, %.4f mm/px, render %.2f s", out, rep->width_px,
                 rep->height_px, rep->mm_per_px, rep->render_s);
}

static tmesh_render_format format_of_path(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (dot == NULL || strchr(dot, '/') != NULL)
        return TMESH_RENDER_FORMAT_AUTO;
    if (strcasecmp(dot, ".png") == 0)
        return TMESH_RENDER_FORMAT_PNG;
    if (strcasecmp(dot, ".svg") == 0)
        return TMESH_RENDER_FORMAT_SVG;
    if (strcasecmp(dot, ".pdf") == 0)
        return TMESH_RENDER_FORMAT_PDF;
    return TMESH_RENDER_FORMAT_AUTO;
}

/* Figures of store assets: provenance entries always, the figure stored with --name. */
static int render_assets(const char *const *refs, size_t n, const double (*colors)[3],
                         size_t n_colors, const double *opac, size_t n_opac,
                         const tmesh_render_opts *o, const tmesh_render_open_opts *oo,
                         const char *out, const char *name, const char *note, const char *store_opt,
                         int side, unsigned turntable)
{
    tmesh_error err = TMESH_ERROR_INIT;
    tmesh_render_format fmt = format_of_path(out);
    if (fmt == TMESH_RENDER_FORMAT_AUTO) {
        cli_error("%s: unknown figure format (expected .png, .svg or .pdf)", out);
        return CLI_EXIT_USAGE;
    }
    if (fmt != TMESH_RENDER_FORMAT_PNG && side) {
        cli_error("%s: --side-by-side adds a raster slice: PNG only", out);
        return CLI_EXIT_USAGE;
    }
    if (fmt != TMESH_RENDER_FORMAT_PNG && o->style != TMESH_STYLE_LINE) {
        cli_error("%s: SVG and PDF figures are line art; style '%s' needs PNG", out,
                  tmesh_render_style_name(o->style));
        return CLI_EXIT_USAGE;
    }
    for (size_t i = 0; i < o->n_meta; i++) {
        const char *k = o->meta[i].key;
        if (strcmp(k, "figure_id") == 0 || strcmp(k, "scene_sha256") == 0 ||
            strcmp(k, "assets") == 0 || strncmp(k, "mesh_", 5) == 0 ||
            strncmp(k, "derivation_", 11) == 0 || strncmp(k, "renderer_", 9) == 0 ||
            (turntable && strncmp(k, "turntable_", 10) == 0)) {
            cli_error("--meta %s: that key is the figure's own provenance entry", k);
            return CLI_EXIT_USAGE;
        }
    }
    if (name != NULL && tmesh_store_name_check(name, &err) != TMESH_OK) {
        tmesh_error_context(&err, "--name: ");
        return cli_fail(&err);
    }
    tmesh_store *s = NULL;
    int rc = cli_store_open(store_opt, &s);
    if (rc != CLI_EXIT_OK)
        return rc;
    cli_figure_scene fs;
    tmesh_renderer *r = NULL;
    char *json = NULL;
    rc = cli_figure_from_refs(&fs, s, refs, n, colors, n_colors, opac, n_opac, o, fmt);
    if (rc != CLI_EXIT_OK)
        goto done_store;
    if (side && (rc = cli_figure_side_from_chain(&fs, s)) != CLI_EXIT_OK)
        goto done;
    if (name != NULL) {
        tmesh_store_version v;
        if (tmesh_store_version_get(&v, s, name, 0, &err) == TMESH_OK) {
            cli_error("--name %s: that is the name of an asset; choose another figure name "
                      "(for example fig-%s)",
                      name, name);
            rc = CLI_EXIT_USAGE;
            goto done;
        }
        tmesh_error_clear(&err);
        int ver = 0;
        char image[65];
        rc = cli_figure_store(s, &r, oo, name, &fs, out, note, &ver, image);
        if (rc == CLI_EXIT_OK) {
            printf("%s@%d %s\n", name, ver, image);
            cli_note("wrote %s: figure %s@%d%s", out, name, ver,
                     fs.scene.opts.draft ? " (DRAFT: a version shown is not approved)" : "");
        }
        goto done;
    }
    /* not stored: the figure is named by its scene; a turntable frame's scene has its turn
     * (frame 0 none, so it is the figure without --turntable), its metadata the frame */
    frame_meta fm = {NULL, 0, {"", "", ""}};
    const tmesh_render_meta *user_meta = fs.scene.opts.meta;
    size_t n_user_meta = fs.scene.opts.n_meta;
    for (unsigned k = 0; k < (turntable ? turntable : 1) && rc == CLI_EXIT_OK; k++) {
        char *path = turntable ? frame_path(out, k) : NULL;
        if (turntable && path == NULL) {
            cli_error("out of memory");
            rc = CLI_EXIT_FAIL;
            break;
        }
        fs.scene.opts.turn_deg = turntable ? frame_deg(k, turntable) : o->turn_deg;
        fs.scene.opts.meta = user_meta;
        fs.scene.opts.n_meta = n_user_meta;
        free(json);
        json = NULL;
        if (tmesh_render_scene_encode(&json, &fs.scene, &err) != TMESH_OK) {
            rc = cli_fail(&err);
            free(path);
            break;
        }
        uint8_t d[32];
        char hash[65], fid[40];
        tmesh_sha256_buf(json, strlen(json), d);
        tmesh_sha256_hex(d, hash);
        snprintf(fid, sizeof fid, "scene-%.16s", hash);
        if (turntable) {
            if (frame_meta_set(&fm, user_meta, n_user_meta, k, turntable, fs.scene.opts.turn_deg) !=
                0) {
                rc = CLI_EXIT_FAIL;
                free(path);
                break;
            }
            fs.scene.opts.meta = fm.meta;
            fs.scene.opts.n_meta = fm.n;
        }
        tmesh_render_report rep;
        rc = cli_figure_render(&r, oo, &fs, fid, hash, path ? path : out, &rep);
        if (rc == CLI_EXIT_OK)
            note_written(path ? path : out, o, &rep);
        free(path);
    }
    fs.scene.opts.meta = user_meta;
    fs.scene.opts.n_meta = n_user_meta;
    free(fm.meta);
done:
    free(json);
    tmesh_render_close(r);
    cli_figure_scene_free(&fs);
done_store:
    tmesh_store_close(s);
    return rc;
}

int cmd_render(int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, &cmd_render_spec, argc, argv);
    tmesh_render_opts o = TMESH_RENDER_OPTS_INIT;
    tmesh_render_open_opts oo = TMESH_RENDER_OPEN_OPTS_INIT;
    tmesh_error err = TMESH_ERROR_INIT;
    const char *paths[MAX_MESHES], *out = NULL, *name = NULL, *note = NULL, *store_opt = NULL;
    size_t n_paths = 0, n_colors = 0, n_opac = 0, n_labels = 0, n_meta = 0;
    double colors[MAX_MESHES][3], opac[MAX_MESHES];
    tmesh_render_label labels[MAX_LABELS];
    int label_has_at[MAX_LABELS];
    tmesh_render_meta meta[MAX_META];
    char *meta_buf[MAX_META];
    int id, rc = CLI_EXIT_OK, side = 0;
    unsigned turntable = 0;
    const char *val;
    while ((id = cli_next(&p, &val)) != CLI_END) {
        switch (id) {
        case CLI_HELP:
            cli_print_help(&cmd_render_spec, stdout);
            rc = CLI_EXIT_OK;
            goto out;
        case CLI_BAD:
            rc = CLI_EXIT_USAGE;
            goto out;
        case OPT_OUT:
            out = val;
            break;
        case OPT_VIEW:
            if (tmesh_render_view_parse(&o.view, val, &err) != TMESH_OK) {
                tmesh_error_context(&err, "--view");
                rc = cli_fail(&err);
                goto out;
            }
            break;
        case OPT_STYLE:
            if (tmesh_render_style_parse(&o.style, val, &err) != TMESH_OK) {
                tmesh_error_context(&err, "--style");
                rc = cli_fail(&err);
                goto out;
            }
            break;
        case OPT_AZIMUTH:
            if (cli_parse_double("--azimuth", val, &o.azimuth_deg) != 0)
                goto usage;
            break;
        case OPT_ELEVATION:
            if (cli_parse_double("--elevation", val, &o.elevation_deg) != 0)
                goto usage;
            break;
        case OPT_ZOOM:
            if (cli_parse_double("--zoom", val, &o.zoom) != 0)
                goto usage;
            break;
        case OPT_PERSPECTIVE:
            o.perspective = 1;
            break;
        case OPT_SSAO:
            o.ssao = 1;
            break;
        case OPT_SIZE: {
            unsigned long long w, h;
            char *end;
            w = strtoull(val, &end, 10);
            if (end == val || (*end != 'x' && *end != 'X') || val[0] == '-') {
                cli_error("invalid value '%s' for --size: expected WxH, e.g. 2400x2400", val);
                goto usage;
            }
            const char *hs = end + 1;
            h = strtoull(hs, &end, 10);
            if (end == hs || *end != '\0' || hs[0] == '-') {
                cli_error("invalid value '%s' for --size: expected WxH, e.g. 2400x2400", val);
                goto usage;
            }
            if (w < 16 || h < 16 || w > 16384 || h > 16384) {
                cli_error("invalid value '%s' for --size: each side must be 16..16384 pixels", val);
                goto usage;
            }
            o.width_px = (unsigned)w;
            o.height_px = (unsigned)h;
            break;
        }
        case OPT_DPI:
            if (cli_parse_double("--dpi", val, &o.dpi) != 0)
                goto usage;
            break;
        case OPT_WIDTH_MM:
            if (cli_parse_double("--width-mm", val, &o.width_mm) != 0)
                goto usage;
            if (o.width_mm <= 0) {
                cli_error("invalid value '%s' for --width-mm: expected 1..2000", val);
                goto usage;
            }
            break;
        case OPT_HEIGHT_MM:
            if (cli_parse_double("--height-mm", val, &o.height_mm) != 0)
                goto usage;
            if (o.height_mm <= 0) {
                cli_error("invalid value '%s' for --height-mm: expected 1..2000", val);
                goto usage;
            }
            break;
        case OPT_COLOR:
            if (n_colors == MAX_MESHES) {
                cli_error("too many --color options (at most %d)", MAX_MESHES);
                goto usage;
            }
            if (parse_color(val, colors[n_colors]) != 0)
                goto usage;
            n_colors++;
            break;
        case OPT_OPACITY:
            if (n_opac == MAX_MESHES) {
                cli_error("too many --opacity options (at most %d)", MAX_MESHES);
                goto usage;
            }
            if (cli_parse_double("--opacity", val, &opac[n_opac]) != 0)
                goto usage;
            if (!(opac[n_opac] >= 0 && opac[n_opac] <= 1)) {
                cli_error("invalid value '%s' for --opacity: expected 0..1", val);
                goto usage;
            }
            n_opac++;
            break;
        case OPT_LABEL:
            if (n_labels == MAX_LABELS) {
                cli_error("too many --label options (at most %d)", MAX_LABELS);
                goto usage;
            }
            if (val[0] == '\0') {
                cli_error("invalid value '' for --label: the text is empty");
                goto usage;
            }
            labels[n_labels].text = val;
            label_has_at[n_labels] = 0;
            n_labels++;
            break;
        case OPT_AT:
            if (n_labels == 0 || label_has_at[n_labels - 1]) {
                cli_error("--at %s has no --label before it", val);
                goto usage;
            }
            if (parse_triple("at", val, labels[n_labels - 1].at) != 0)
                goto usage;
            label_has_at[n_labels - 1] = 1;
            break;
        case OPT_TITLE:
            o.title = val;
            break;
        case OPT_DRAFT:
            o.draft = 1;
            break;
        case OPT_NO_SCALE_BAR:
            o.scale_bar = 0;
            break;
        case OPT_NO_ORIENTATION:
            o.orientation = 0;
            break;
        case OPT_META: {
            const char *eq = strchr(val, '=');
            if (eq == NULL || eq == val) {
                cli_error("invalid value '%s' for --meta: expected KEY=VALUE", val);
                goto usage;
            }
            if (n_meta == MAX_META) {
                cli_error("too many --meta options (at most %d)", MAX_META);
                goto usage;
            }
            meta_buf[n_meta] = strdup(val);
            if (meta_buf[n_meta] == NULL) {
                cli_error("out of memory");
                rc = CLI_EXIT_FAIL;
                goto out;
            }
            meta_buf[n_meta][eq - val] = '\0';
            meta[n_meta].key = meta_buf[n_meta];
            meta[n_meta].value = meta_buf[n_meta] + (eq - val) + 1;
            n_meta++;
            break;
        }
        case OPT_CREASE:
            if (cli_parse_double("--crease", val, &o.crease_deg) != 0)
                goto usage;
            break;
        case OPT_DISPLAY:
            if (cli_figure_display_opt(&cmd_render_spec, val, &oo.display) != 0)
                goto usage;
            break;
        case OPT_NAME:
            name = val;
            break;
        case OPT_NOTE:
            note = val;
            break;
        case OPT_SIDE:
            side = 1;
            break;
        case OPT_CLIP:
            if (parse_clip(val, &o) != 0)
                goto usage;
            break;
        case OPT_TURNTABLE: {
            char *end;
            unsigned long v = strtoul(val, &end, 10);
            if (end == val || *end != '\0' || val[0] == '-' || val[0] == '+' || v < 2 || v > 360) {
                cli_error("invalid value '%s' for --turntable: expected a number of frames "
                          "from 2 to 360",
                          val);
                goto usage;
            }
            turntable = (unsigned)v;
            break;
        }
        case CLI_OPT_STORE:
            store_opt = val;
            break;
        case CLI_POSITIONAL:
            if (n_paths == MAX_MESHES) {
                cli_error("too many meshes (at most %d)", MAX_MESHES);
                goto usage;
            }
            paths[n_paths++] = val;
            break;
        }
    }
    if (n_paths == 0) {
        rc = cli_usage_error(&cmd_render_spec, "missing MESH");
        goto out;
    }
    if (out == NULL) {
        rc = cli_usage_error(&cmd_render_spec, "missing -o FIG");
        goto out;
    }
    if (n_colors > n_paths || n_opac > n_paths) {
        rc = cli_usage_error(&cmd_render_spec, "%zu --color and %zu --opacity for %zu meshes",
                             n_colors, n_opac, n_paths);
        goto out;
    }
    for (size_t i = 0; i < n_labels; i++)
        if (!label_has_at[i]) {
            rc = cli_usage_error(&cmd_render_spec, "--label '%s' needs --at L,P,S", labels[i].text);
            goto out;
        }
    o.labels = labels;
    o.n_labels = n_labels;
    o.meta = meta;
    o.n_meta = n_meta;

    size_t n_assets = 0;
    for (size_t i = 0; i < n_paths; i++)
        n_assets += is_asset_ref(paths[i]);
    if (n_assets > 0 && n_assets < n_paths) {
        rc = cli_usage_error(&cmd_render_spec,
                             "mesh files and store assets cannot be mixed in one figure "
                             "(publish the mesh files as assets first)");
        goto out;
    }
    if (n_assets == 0 && name != NULL) {
        rc = cli_usage_error(&cmd_render_spec,
                             "--name stores figures of store assets; mesh files carry no "
                             "provenance (publish them as assets first)");
        goto out;
    }
    if (side && n_assets == 0) {
        rc = cli_usage_error(&cmd_render_spec,
                             "--side-by-side needs store assets: the scan and labels come from "
                             "their provenance");
        goto out;
    }
    if (turntable && name != NULL) {
        rc = cli_usage_error(&cmd_render_spec,
                             "--turntable cannot be used with --name: a stored figure is one "
                             "view (store single frames with --azimuth instead)");
        goto out;
    }
    if (turntable && format_of_path(out) == TMESH_RENDER_FORMAT_AUTO) {
        cli_error("%s: unknown figure format (expected .png, .svg or .pdf)", out);
        goto usage;
    }
    if (turntable)
        for (size_t i = 0; i < n_meta; i++)
            if (strncmp(meta[i].key, "turntable_", 10) == 0) {
                cli_error("--meta %s: with --turntable that key is the frame's own entry",
                          meta[i].key);
                goto usage;
            }
    if (note != NULL && name == NULL) {
        rc = cli_usage_error(&cmd_render_spec, "--note needs --name");
        goto out;
    }
    if (n_assets > 0) {
        if (o.draft) {
            rc = cli_usage_error(&cmd_render_spec,
                                 "--draft is for mesh files: a figure of assets is marked DRAFT "
                                 "exactly when a version shown has no approved review");
            goto out;
        }
        rc = render_assets(paths, n_paths, colors, n_colors, opac, n_opac, &o, &oo, out, name, note,
                           store_opt, side, turntable);
        goto out;
    }

    /* options and meshes first: a bad value fails before any X server starts */
    {
        tmesh_mesh *meshes[MAX_MESHES] = {NULL};
        tmesh_render_item items[MAX_MESHES];
        tmesh_renderer *r = NULL;
        tmesh_render_report rep;
        for (size_t i = 0; i < n_paths; i++) {
            if (tmesh_mesh_read(&meshes[i], paths[i], &err) != TMESH_OK) {
                rc = cli_fail(&err);
                goto free_meshes;
            }
            tmesh_render_item it = TMESH_RENDER_ITEM_INIT;
            it.mesh = meshes[i];
            if (i < n_colors)
                memcpy(it.color, colors[i], sizeof it.color);
            if (i < n_opac)
                it.opacity = opac[i];
            items[i] = it;
        }
        if (tmesh_render_open(&r, &oo, &err) != TMESH_OK) {
            rc = cli_fail(&err);
            goto free_meshes;
        }
        if (!turntable) {
            if (tmesh_render_figure(r, items, n_paths, out, &o, &rep, &err) != TMESH_OK)
                rc = cli_fail(&err);
            else
                note_written(out, &o, &rep);
        }
        frame_meta fm = {NULL, 0, {"", "", ""}};
        for (unsigned k = 0; k < turntable && rc == CLI_EXIT_OK; k++) {
            char *path = frame_path(out, k);
            if (path == NULL ||
                frame_meta_set(&fm, meta, n_meta, k, turntable, frame_deg(k, turntable)) != 0) {
                if (path == NULL)
                    cli_error("out of memory");
                free(path);
                rc = CLI_EXIT_FAIL;
                break;
            }
            tmesh_render_opts fo = o;
            fo.turn_deg = frame_deg(k, turntable);
            fo.meta = fm.meta;
            fo.n_meta = fm.n;
            if (tmesh_render_figure(r, items, n_paths, path, &fo, &rep, &err) != TMESH_OK)
                rc = cli_fail(&err);
            else
                note_written(path, &o, &rep);
            free(path);
        }
        free(fm.meta);
        tmesh_render_close(r);
    free_meshes:
        for (size_t i = 0; i < n_paths; i++)
            tmesh_mesh_free(meshes[i]);
    }
    goto out;
usage:
    rc = CLI_EXIT_USAGE;
out:
    for (size_t i = 0; i < n_meta; i++)
        free(meta_buf[i]);
    return rc;
}
