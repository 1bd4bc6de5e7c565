/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tmesh_render_figure: checks the options, works the camera out of the named anatomical view in
 * patient LPS coordinates, chooses materials and lights for the style, has the VTK bridge render
 * the scene and hands the pixels and depth to the PNG, feature-line and vector code.
 */
#define _POSIX_C_SOURCE 200809L
#include "render_int.h"
#include "vtk_bridge.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define RENDER_PI 3.14159265358979323846

static const char *const VIEW_NAMES[] = {"anterior", "posterior", "left",
                                         "right",    "superior",  "inferior"};
static const char *const STYLE_NAMES[] = {"clinical", "shaded", "ghost", "line"};

/*
 * Direction the viewer looks (into the screen) and the screen's up, in LPS (+L patient left,
 * +P posterior, +S superior). The screen's right is fwd x up:
 *   anterior  fwd +P, up +S -> right = +L: the patient's left on the viewer's right
 *   posterior fwd -P, up +S -> right = -L: the patient's right on the viewer's right
 *   left      fwd -L, up +S -> right = +P: the face looks to the viewer's left
 *   right     fwd +L, up +S -> right = -P: the face looks to the viewer's right
 *   superior  fwd -S, up -P -> right = -L: from above, anterior up (patient's right on right)
 *   inferior  fwd +S, up -P -> right = +L: from the feet, as radiology shows axial slices
 */
static const double VIEW_FWD[6][3] = {{0, 1, 0}, {0, -1, 0}, {-1, 0, 0},
                                      {1, 0, 0}, {0, 0, -1}, {0, 0, 1}};
static const double VIEW_UP[6][3] = {{0, 0, 1}, {0, 0, 1},  {0, 0, 1},
                                     {0, 0, 1}, {0, -1, 0}, {0, -1, 0}};

tmesh_status tmesh_render_view_parse(tmesh_render_view *out, const char *name, tmesh_error *err)
{
    for (int i = 0; i < 6; i++)
        if (name != NULL && strcasecmp(name, VIEW_NAMES[i]) == 0) {
            *out = (tmesh_render_view)i;
            return TMESH_OK;
        }
    return tmesh_error_set(err, TMESH_E_ARG,
                           "unknown view '%s' (expected anterior, posterior, left, right, "
                           "superior or inferior)",
                           name ? name : "(null)");
}

tmesh_status tmesh_render_style_parse(tmesh_render_style *out, const char *name, tmesh_error *err)
{
    for (int i = 0; i < 4; i++)
        if (name != NULL && strcasecmp(name, STYLE_NAMES[i]) == 0) {
            *out = (tmesh_render_style)i;
            return TMESH_OK;
        }
    return tmesh_error_set(err, TMESH_E_ARG,
                           "unknown style '%s' (expected clinical, shaded, ghost or line)",
                           name ? name : "(null)");
}

const char *tmesh_render_view_name(tmesh_render_view view)
{
    return (unsigned)view <= TMESH_VIEW_INFERIOR ? VIEW_NAMES[view] : "?";
}

const char *tmesh_render_style_name(tmesh_render_style style)
{
    return (unsigned)style <= TMESH_STYLE_LINE ? STYLE_NAMES[style] : "?";
}

void tmesh_render_fingerprint_text(const tmesh_render_fingerprint *fp, char *buf, size_t cap)
{
    snprintf(buf, cap, "VTK %s; OpenGL %s; %s; %s", fp->vtk_version, fp->gl_vendor, fp->gl_renderer,
             fp->gl_version);
}

/* One "OpenGL <what> string:  value" line of VTK's capability report. */
static void capability_line(const char *report, const char *what, char *out, size_t cap)
{
    char key[64];
    snprintf(key, sizeof key, "OpenGL %s string:", what);
    const char *p = strstr(report, key);
    if (p == NULL) {
        snprintf(out, cap, "unknown");
        return;
    }
    p += strlen(key);
    while (*p == ' ' || *p == '\t')
        p++;
    size_t n = strcspn(p, "\r\n");
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    snprintf(out, cap, "%.*s", (int)n, p);
}

static void cross(const double a[3], const double b[3], double o[3])
{
    o[0] = a[1] * b[2] - a[2] * b[1];
    o[1] = a[2] * b[0] - a[0] * b[2];
    o[2] = a[0] * b[1] - a[1] * b[0];
}

static double dot(const double a[3], const double b[3])
{
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static void normalize(double a[3])
{
    double n = sqrt(dot(a, a));
    if (n > 0)
        for (int i = 0; i < 3; i++)
            a[i] /= n;
}

void render__project(const render__frame *f, const double p[3], double out[3])
{
    double e[4], c[4];
    for (int i = 0; i < 4; i++)
        e[i] = f->view[i][0] * p[0] + f->view[i][1] * p[1] + f->view[i][2] * p[2] + f->view[i][3];
    for (int i = 0; i < 4; i++)
        c[i] = f->proj[i][0] * e[0] + f->proj[i][1] * e[1] + f->proj[i][2] * e[2] +
               f->proj[i][3] * e[3];
    double w = c[3] != 0 ? c[3] : 1e-30;
    out[0] = (c[0] / w + 1.0) * 0.5 * f->w;
    out[1] = (1.0 - c[1] / w) * 0.5 * f->h;
    out[2] = -e[2];
}

void render__pixel_size(const tmesh_render_opts *o, unsigned *w_out, unsigned *h_out)
{
    if (o->width_mm > 0) {
        double hmm = o->height_mm > 0 ? o->height_mm : o->width_mm;
        *w_out = (unsigned)lround(o->width_mm * o->dpi / 25.4);
        *h_out = (unsigned)lround(hmm * o->dpi / 25.4);
    } else {
        *w_out = o->width_px;
        *h_out = o->height_px;
    }
}

static int finite3(const double v[3])
{
    return isfinite(v[0]) && isfinite(v[1]) && isfinite(v[2]);
}

static tmesh_status check_opts(const tmesh_render_opts *o, tmesh_error *err)
{
    if ((unsigned)o->view > TMESH_VIEW_INFERIOR)
        return tmesh_error_set(err, TMESH_E_ARG, "view %d is unknown", (int)o->view);
    if ((unsigned)o->style > TMESH_STYLE_LINE)
        return tmesh_error_set(err, TMESH_E_ARG, "style %d is unknown", (int)o->style);
    if (!(o->azimuth_deg >= -360 && o->azimuth_deg <= 360))
        return tmesh_error_set(err, TMESH_E_ARG, "azimuth_deg %g is out of range -360..360",
                               o->azimuth_deg);
    if (!(o->elevation_deg >= -90 && o->elevation_deg <= 90))
        return tmesh_error_set(err, TMESH_E_ARG, "elevation_deg %g is out of range -90..90",
                               o->elevation_deg);
    if (!(o->zoom >= 0.05 && o->zoom <= 50))
        return tmesh_error_set(err, TMESH_E_ARG, "zoom %g is out of range 0.05..50", o->zoom);
    if (!(o->dpi >= 10 && o->dpi <= 10000))
        return tmesh_error_set(err, TMESH_E_ARG, "dpi %g is out of range 10..10000", o->dpi);
    if (o->width_mm != 0 && !(o->width_mm >= 1 && o->width_mm <= 2000))
        return tmesh_error_set(err, TMESH_E_ARG, "width_mm %g is out of range 1..2000",
                               o->width_mm);
    if (o->height_mm != 0 && !(o->height_mm >= 1 && o->height_mm <= 2000))
        return tmesh_error_set(err, TMESH_E_ARG, "height_mm %g is out of range 1..2000",
                               o->height_mm);
    unsigned w, h;
    render__pixel_size(o, &w, &h);
    if (w < 16 || w > 16384)
        return tmesh_error_set(err, TMESH_E_ARG, "width_px %u is out of range 16..16384%s", w,
                               o->width_mm > 0 ? " (from width_mm and dpi)" : "");
    if (h < 16 || h > 16384)
        return tmesh_error_set(err, TMESH_E_ARG, "height_px %u is out of range 16..16384%s", h,
                               o->width_mm > 0 ? " (from height_mm and dpi)" : "");
    for (int i = 0; i < 3; i++)
        if (!(o->background[i] >= 0 && o->background[i] <= 1))
            return tmesh_error_set(err, TMESH_E_ARG, "background %g is out of range 0..1",
                                   o->background[i]);
    if (!(o->crease_deg >= 1 && o->crease_deg <= 180))
        return tmesh_error_set(err, TMESH_E_ARG, "crease_deg %g is out of range 1..180",
                               o->crease_deg);
    if (!(o->silhouette_pt >= 0.05 && o->silhouette_pt <= 20))
        return tmesh_error_set(err, TMESH_E_ARG, "silhouette_pt %g is out of range 0.05..20",
                               o->silhouette_pt);
    if (!(o->crease_pt >= 0.05 && o->crease_pt <= 20))
        return tmesh_error_set(err, TMESH_E_ARG, "crease_pt %g is out of range 0.05..20",
                               o->crease_pt);
    if (o->n_labels > 0 && o->labels == NULL)
        return tmesh_error_set(err, TMESH_E_ARG, "labels is NULL with n_labels %zu", o->n_labels);
    for (size_t i = 0; i < o->n_labels; i++) {
        if (o->labels[i].text == NULL || o->labels[i].text[0] == '\0')
            return tmesh_error_set(err, TMESH_E_ARG, "label %zu has no text", i + 1);
        if (!finite3(o->labels[i].at))
            return tmesh_error_set(err, TMESH_E_ARG, "label '%s' has a non-finite anchor",
                                   o->labels[i].text);
    }
    if (o->side != NULL) {
        const tmesh_render_side *sd = o->side;
        if (sd->volume == NULL)
            return tmesh_error_set(err, TMESH_E_ARG, "side: volume is NULL");
        if (sd->volume->data == NULL || tmesh_volume_count(sd->volume) == 0 ||
            (sd->labels != NULL &&
             (sd->labels->data == NULL || tmesh_volume_count(sd->labels) == 0)))
            return tmesh_error_set(err, TMESH_E_ARG, "side: empty volume");
        if (!isfinite(sd->iso))
            return tmesh_error_set(err, TMESH_E_ARG, "side: iso is not finite");
        if (sd->labels != NULL && sd->labels->type != TMESH_VOXEL_U8 &&
            sd->labels->type != TMESH_VOXEL_U16)
            return tmesh_error_set(err, TMESH_E_ARG, "side: labels are not U8 or U16");
        if (!(sd->window_width >= 0) || !isfinite(sd->window_center))
            return tmesh_error_set(err, TMESH_E_ARG, "side: window_width %g is negative",
                                   sd->window_width);
        for (int i = 0; i < 3; i++)
            if (!(sd->outline_color[i] >= 0 && sd->outline_color[i] <= 1))
                return tmesh_error_set(err, TMESH_E_ARG,
                                       "side: outline_color %g is out of range 0..1",
                                       sd->outline_color[i]);
    }
    if (o->clip) {
        if (!finite3(o->clip_point))
            return tmesh_error_set(err, TMESH_E_ARG, "clip_point is not finite");
        if (!finite3(o->clip_normal))
            return tmesh_error_set(err, TMESH_E_ARG, "clip_normal is not finite");
        if (!(dot(o->clip_normal, o->clip_normal) > 0))
            return tmesh_error_set(err, TMESH_E_ARG,
                                   "clip_normal is zero: the plane needs a direction");
    }
    if (!(o->turn_deg >= -360 && o->turn_deg <= 360))
        return tmesh_error_set(err, TMESH_E_ARG, "turn_deg %g is out of range -360..360",
                               o->turn_deg);
    if (o->n_meta > 0 && o->meta == NULL)
        return tmesh_error_set(err, TMESH_E_ARG, "meta is NULL with n_meta %zu", o->n_meta);
    for (size_t i = 0; i < o->n_meta; i++) {
        const char *k = o->meta[i].key;
        size_t n = k ? strlen(k) : 0;
        int ok =
            n >= 1 && n <= 79 && ((k[0] >= 'A' && k[0] <= 'Z') || (k[0] >= 'a' && k[0] <= 'z'));
        for (size_t j = 0; ok && j < n; j++) {
            char c = k[j];
            ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '.' || c == '-';
        }
        if (!ok)
            return tmesh_error_set(err, TMESH_E_ARG,
                                   "meta key '%s' is not 1..79 characters of [A-Za-z0-9_.-] "
                                   "starting with a letter",
                                   k ? k : "(null)");
        if (o->meta[i].value == NULL)
            return tmesh_error_set(err, TMESH_E_ARG, "meta '%s' has no value", k);
    }
    return TMESH_OK;
}

static tmesh_status check_items(const tmesh_render_item *items, size_t n, tmesh_error *err)
{
    if (n == 0 || items == NULL)
        return tmesh_error_set(err, TMESH_E_ARG, "no mesh to render");
    if (n > 65535)
        return tmesh_error_set(err, TMESH_E_ARG, "%zu meshes: at most 65535 per figure", n);
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        const tmesh_mesh *m = items[i].mesh;
        if (m == NULL)
            return tmesh_error_set(err, TMESH_E_ARG, "item %zu has no mesh", i + 1);
        for (size_t t = 0; t < 3 * m->n_triangles; t++)
            if (m->tri[t] >= m->n_vertices)
                return tmesh_error_set(err, TMESH_E_DATA,
                                       "item %zu: triangle %zu uses vertex %u of %zu", i + 1, t / 3,
                                       m->tri[t], m->n_vertices);
        for (size_t v = 0; v < 3 * m->n_vertices; v++)
            if (!isfinite(m->xyz[v]))
                return tmesh_error_set(err, TMESH_E_DATA,
                                       "item %zu: vertex %zu has a non-finite coordinate", i + 1,
                                       v / 3);
        int given = items[i].color[0] >= 0 || items[i].color[1] >= 0 || items[i].color[2] >= 0;
        for (int c = 0; given && c < 3; c++)
            if (!(items[i].color[c] >= 0 && items[i].color[c] <= 1))
                return tmesh_error_set(err, TMESH_E_ARG, "item %zu: color %g is out of range 0..1",
                                       i + 1, items[i].color[c]);
        if (items[i].opacity >= 0 && !(items[i].opacity <= 1))
            return tmesh_error_set(err, TMESH_E_ARG, "item %zu: opacity %g is out of range 0..1",
                                   i + 1, items[i].opacity);
        total += m->n_triangles;
    }
    if (total == 0)
        return tmesh_error_set(err, TMESH_E_DATA, "the meshes hold no triangle");
    return TMESH_OK;
}

static tmesh_render_format format_of(const char *path, tmesh_render_format f)
{
    if (f != TMESH_RENDER_FORMAT_AUTO)
        return f;
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

/* Camera basis: the named view, then azimuth about the screen's up (positive moves the viewer
 * towards the screen's right) and elevation about the screen's right (positive moves the viewer
 * up, looking down). */
static void camera_basis(const tmesh_render_opts *o, double fwd[3], double up[3], double right[3])
{
    double d[3], u[3], r[3];
    for (int i = 0; i < 3; i++) {
        d[i] = -VIEW_FWD[o->view][i]; /* from the focal point towards the viewer */
        u[i] = VIEW_UP[o->view][i];
    }
    cross(VIEW_FWD[o->view], u, r);
    double a = o->azimuth_deg * RENDER_PI / 180.0, e = o->elevation_deg * RENDER_PI / 180.0;
    double d1[3];
    for (int i = 0; i < 3; i++)
        d1[i] = cos(a) * d[i] + sin(a) * r[i];
    double d2[3], u2[3];
    for (int i = 0; i < 3; i++) {
        d2[i] = cos(e) * d1[i] + sin(e) * u[i];
        u2[i] = cos(e) * u[i] - sin(e) * d1[i];
    }
    for (int i = 0; i < 3; i++) {
        fwd[i] = -d2[i];
        up[i] = u2[i];
    }
    if (o->turn_deg != 0) {
        /* turning the scene by +t about +S (counter-clockwise seen from above) is turning the
         * camera by -t: (x, y) -> (x cos t + y sin t, -x sin t + y cos t) in (L, P) */
        double t = o->turn_deg * RENDER_PI / 180.0, c = cos(t), sn = sin(t);
        double *vs[2] = {fwd, up};
        for (int k = 0; k < 2; k++) {
            double x = vs[k][0], y = vs[k][1];
            vs[k][0] = c * x + sn * y;
            vs[k][1] = -sn * x + c * y;
        }
    }
    normalize(fwd);
    normalize(up);
    cross(fwd, up, right);
    normalize(right);
}

/* Area-weighted vertex normals for smooth shading (the mesh's own when it has them). */
static float *vertex_normals(const tmesh_mesh *m)
{
    float *n = calloc(3 * m->n_vertices + 1, sizeof *n);
    if (n == NULL)
        return NULL;
    for (size_t t = 0; t < m->n_triangles; t++) {
        const uint32_t *v = m->tri + 3 * t;
        double a[3], b[3], c[3];
        for (int i = 0; i < 3; i++) {
            a[i] = (double)m->xyz[3 * v[1] + i] - m->xyz[3 * v[0] + i];
            b[i] = (double)m->xyz[3 * v[2] + i] - m->xyz[3 * v[0] + i];
        }
        cross(a, b, c);
        for (int k = 0; k < 3; k++)
            for (int i = 0; i < 3; i++)
                n[3 * v[k] + i] += (float)c[i];
    }
    for (size_t v = 0; v < m->n_vertices; v++) {
        double x[3] = {n[3 * v], n[3 * v + 1], n[3 * v + 2]};
        normalize(x);
        for (int i = 0; i < 3; i++)
            n[3 * v + i] = (float)x[i];
    }
    return n;
}

static const double PALETTE[5][3] = {{0.85, 0.33, 0.31},
                                     {0.35, 0.55, 0.80},
                                     {0.45, 0.70, 0.40},
                                     {0.90, 0.70, 0.30},
                                     {0.60, 0.45, 0.75}};

/* Item ids as unlit colours, 4 levels apart so that rounding in the GL pipeline cannot move
 * one id to the next: id = r/4 + 64 * (g/4) + 4096 * (b/4), up to 262143 items. */
static double id_channel(size_t id, int c)
{
    return (double)(4 * ((id >> (6 * c)) & 63));
}

static size_t id_decode(const uint8_t *px)
{
    size_t id = 0;
    for (int c = 0; c < 3; c++)
        id |= (size_t)((px[c] + 2) / 4 & 63) << (6 * c);
    return id;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The PNG path: VTK pixels into a cairo surface, annotations on top, libpng out. */
static tmesh_status write_png(const render__figure *fig, const uint8_t *rgb, const char *path,
                              tmesh_error *err)
{
    unsigned w3 = fig->frame.w, h = fig->frame.h;
    unsigned pw = fig->o->side != NULL ? h : 0, w = w3 + pw; /* side panel: h x h, at the right */
    uint8_t *panel = NULL;
    if (pw > 0) {
        panel = malloc((size_t)pw * h * 3);
        if (panel == NULL)
            return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for the side panel");
        tmesh_status ps = render__side_panel(panel, pw, h, fig, err);
        if (ps != TMESH_OK) {
            free(panel);
            return ps;
        }
    }
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)w, (int)h);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(s);
        free(panel);
        return tmesh_error_set(err, TMESH_E_NOMEM, "cannot create a %ux%u cairo surface", w, h);
    }
    cairo_surface_flush(s);
    unsigned char *data = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    for (unsigned y = 0; y < h; y++) {
        const uint8_t *src = rgb + (size_t)(h - 1 - y) * w3 * 3; /* OpenGL rows are bottom-up */
        uint32_t *dst = (uint32_t *)(void *)(data + (size_t)y * (size_t)stride);
        for (unsigned x = 0; x < w3; x++)
            dst[x] = 0xFF000000u | ((uint32_t)src[3 * x] << 16) | ((uint32_t)src[3 * x + 1] << 8) |
                     src[3 * x + 2];
        const uint8_t *ps = panel ? panel + (size_t)y * pw * 3 : NULL;
        for (unsigned x = 0; x < pw; x++)
            dst[w3 + x] = 0xFF000000u | ((uint32_t)ps[3 * x] << 16) |
                          ((uint32_t)ps[3 * x + 1] << 8) | ps[3 * x + 2];
    }
    free(panel);
    cairo_surface_mark_dirty(s);
    cairo_t *cr = cairo_create(s);
    render__draw(cr, fig, 0);
    if (pw > 0) { /* the panel: a dividing line and what it shows */
        double k = fig->o->dpi / 72.0;
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_rectangle(cr, w3, 0, fmax(1.0, 0.5 * k), h);
        cairo_fill(cr);
        cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                               CAIRO_FONT_WEIGHT_NORMAL);
        double fs = fmin(7.0 * k, 0.045 * pw);
        cairo_set_font_size(cr, fs);
        cairo_text_extents_t te;
        cairo_text_extents(cr, "scan slice, label outline", &te);
        cairo_set_source_rgb(cr, 0, 0, 0); /* legible on any slice */
        cairo_rectangle(cr, w3 + 0.3 * fs, h - 1.7 * fs, te.x_advance + 0.6 * fs, 1.4 * fs);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_move_to(cr, w3 + 0.6 * fs, h - 0.6 * fs);
        cairo_show_text(cr, "scan slice, label outline");
    }
    cairo_destroy(cr);
    cairo_surface_flush(s);
    tmesh_status st = TMESH_OK;
    uint8_t *out = malloc((size_t)w * h * 3);
    if (out == NULL) {
        cairo_surface_destroy(s);
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for a %ux%u image", w, h);
    }
    for (unsigned y = 0; y < h; y++) {
        const uint32_t *src = (const uint32_t *)(const void *)(data + (size_t)y * (size_t)stride);
        uint8_t *dst = out + (size_t)y * w * 3;
        for (unsigned x = 0; x < w; x++) {
            dst[3 * x] = (uint8_t)(src[x] >> 16);
            dst[3 * x + 1] = (uint8_t)(src[x] >> 8);
            dst[3 * x + 2] = (uint8_t)src[x];
        }
    }
    cairo_surface_destroy(s);
    uint8_t *png = NULL;
    size_t len = 0;
    st = render__png_encode(&png, &len, out, w, h, fig, err);
    free(out);
    if (st == TMESH_OK)
        st = tmesh_fs_write_atomic(path, png, len, err);
    free(png);
    return st;
}

tmesh_status tmesh_render_figure(tmesh_renderer *r, const tmesh_render_item *items, size_t n_items,
                                 const char *path, const tmesh_render_opts *opts,
                                 tmesh_render_report *report_out, tmesh_error *err)
{
    TMESH_ASSERT(r != NULL && path != NULL);
    tmesh_render_opts o = TMESH_RENDER_OPTS_INIT;
    if (opts != NULL)
        o = *opts;
    tmesh_status st = check_opts(&o, err);
    if (st == TMESH_OK)
        st = check_items(items, n_items, err);
    if (st != TMESH_OK)
        return st;
    tmesh_render_format fmt = format_of(path, o.format);
    if (fmt == TMESH_RENDER_FORMAT_AUTO)
        return tmesh_error_set(err, TMESH_E_ARG,
                               "%s: unknown figure format (expected .png, .svg or .pdf)", path);
    if (fmt != TMESH_RENDER_FORMAT_PNG && o.side != NULL)
        return tmesh_error_set(err, TMESH_E_ARG,
                               "%s: the side-by-side slice is a raster panel: PNG only", path);
    if (fmt != TMESH_RENDER_FORMAT_PNG && o.style != TMESH_STYLE_LINE)
        return tmesh_error_set(err, TMESH_E_ARG,
                               "%s: SVG and PDF figures are line art; style '%s' needs PNG", path,
                               STYLE_NAMES[o.style]);

    render__figure fig;
    tmesh_render_fingerprint fp;
    tmesh_render_meta *all_meta = NULL;
    memset(&fig, 0, sizeof fig);
    memset(&fp, 0, sizeof fp);
    fig.o = &o;
    fig.items = items;
    fig.n_items = n_items;
    fig.view_name = VIEW_NAMES[o.view];
    fig.style_name = STYLE_NAMES[o.style];
    render__frame *f = &fig.frame;
    render__pixel_size(&o, &f->w, &f->h);
    f->parallel = !o.perspective;

    /* camera: basis from the view, extent of the meshes along it */
    camera_basis(&o, f->fwd, f->up, f->right);
    double lo[3] = {INFINITY, INFINITY, INFINITY}, hi[3] = {-INFINITY, -INFINITY, -INFINITY};
    double bvol_max = -1;
    size_t outer = 0;
    for (size_t i = 0; i < n_items; i++) {
        const tmesh_mesh *m = items[i].mesh;
        double blo[3] = {INFINITY, INFINITY, INFINITY}, bhi[3] = {-INFINITY, -INFINITY, -INFINITY};
        for (size_t t = 0; t < 3 * m->n_triangles; t++) {
            const float *p = m->xyz + 3 * (size_t)m->tri[t];
            double q[3] = {p[0], p[1], p[2]};
            double s[3] = {dot(q, f->right), dot(q, f->up), dot(q, f->fwd)};
            for (int a = 0; a < 3; a++) {
                lo[a] = fmin(lo[a], s[a]);
                hi[a] = fmax(hi[a], s[a]);
                blo[a] = fmin(blo[a], q[a]);
                bhi[a] = fmax(bhi[a], q[a]);
            }
        }
        double bv = m->n_triangles ? (bhi[0] - blo[0]) * (bhi[1] - blo[1]) * (bhi[2] - blo[2]) : -1;
        if (bv > bvol_max) {
            bvol_max = bv;
            outer = i;
        }
    }
    /* fit the scene's extent into the image minus the annotation bands, at 95 % */
    render__layout(&fig);
    double rect_w = f->w - fig.band_left - fig.band_right;
    double rect_h = f->h - fig.band_top - fig.band_bottom;
    double ew = fmax(hi[0] - lo[0], 1e-3), eh = fmax(hi[1] - lo[1], 1e-3);
    double ed = hi[2] - lo[2];
    f->mm_per_px = fmax(ew / (0.95 * rect_w), eh / (0.95 * rect_h)) / o.zoom;
    double half_h = 0.5 * f->h * f->mm_per_px;
    /* the content centre goes to the centre of that rectangle */
    double off_r = (fig.band_left + 0.5 * rect_w - 0.5 * f->w) * f->mm_per_px;
    double off_u = (0.5 * f->h - (fig.band_top + 0.5 * rect_h)) * f->mm_per_px;
    for (int i = 0; i < 3; i++)
        f->focal[i] = (0.5 * (lo[0] + hi[0]) - off_r) * f->right[i] +
                      (0.5 * (lo[1] + hi[1]) - off_u) * f->up[i] +
                      0.5 * (lo[2] + hi[2]) * f->fwd[i];
    double view_angle = 30.0;
    double dist =
        f->parallel ? ed + half_h + 10.0 : half_h / tan(view_angle * RENDER_PI / 360.0) + 0.5 * ed;
    for (int i = 0; i < 3; i++)
        f->position[i] = f->focal[i] - dist * f->fwd[i];

    /* materials and lights of the style */
    double(*colors)[3] = calloc(n_items, sizeof *colors);
    double *opac = calloc(n_items, sizeof *opac);
    float **normals = calloc(n_items, sizeof *normals);
    uint8_t *rgb = malloc((size_t)f->w * f->h * 3);
    float *z = o.style == TMESH_STYLE_LINE ? malloc((size_t)f->w * f->h * sizeof *z) : NULL;
    tmesh_vtk_scene *scene = NULL;
    if (colors == NULL || opac == NULL || normals == NULL || rgb == NULL ||
        (o.style == TMESH_STYLE_LINE && z == NULL)) {
        st = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for a %ux%u figure", f->w, f->h);
        goto done;
    }
    fig.colors = colors;
    fig.opacities = opac;
    int lit = o.style != TMESH_STYLE_LINE;
    for (size_t i = 0; i < n_items; i++) {
        int given = items[i].color[0] >= 0 || items[i].color[1] >= 0 || items[i].color[2] >= 0;
        const double *def;
        static const double GREY[3] = {0.80, 0.80, 0.80}, BONE[3] = {0.89, 0.85, 0.79},
                            GLASS[3] = {0.72, 0.80, 0.90}, PAPER[3] = {0.93, 0.93, 0.92};
        switch (o.style) {
        case TMESH_STYLE_CLINICAL:
            def = GREY;
            break;
        case TMESH_STYLE_SHADED:
            def = i == 0 ? BONE : PALETTE[(i - 1) % 5];
            break;
        case TMESH_STYLE_GHOST:
            def = i == outer ? GLASS : PALETTE[i % 5];
            break;
        default:
            def = i == 0 ? PAPER : PALETTE[(i - 1) % 5];
            break;
        }
        for (int c = 0; c < 3; c++)
            colors[i][c] = given ? items[i].color[c] : def[c];
        double dop = (o.style == TMESH_STYLE_GHOST && i == outer) ? 0.3 : 1.0;
        opac[i] = items[i].opacity >= 0 ? items[i].opacity : dop;
        if (o.style == TMESH_STYLE_LINE)
            opac[i] = 1.0; /* line art fills are opaque: each pixel shows its nearest item */
        if (lit) {
            if (items[i].mesh->normals != NULL) {
                normals[i] = NULL;
            } else if ((normals[i] = vertex_normals(items[i].mesh)) == NULL) {
                st = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for normals");
                goto done;
            }
        }
    }

    st = tmesh_vtk_scene_new(&scene, render__display(r), f->w, f->h, err);
    if (st != TMESH_OK)
        goto done;
    if (o.clip) {
        /* VTK keeps the side its plane normal points to: ours points to the removed side */
        double kept[3] = {-o.clip_normal[0], -o.clip_normal[1], -o.clip_normal[2]};
        st = tmesh_vtk_scene_set_clip(scene, o.clip_point, kept, err);
        if (st != TMESH_OK)
            goto done;
    }
    for (size_t i = 0; i < n_items; i++) {
        if (items[i].mesh->n_triangles == 0)
            continue; /* nothing to draw; VTK gets no empty actor */
        tmesh_vtk_material mat;
        memset(&mat, 0, sizeof mat);
        memcpy(mat.color, colors[i], sizeof mat.color);
        if (o.style == TMESH_STYLE_LINE) /* unlit id colour: the item of every pixel */
            for (int c = 0; c < 3; c++)
                mat.color[c] = id_channel(i + 1, c) / 255.0;
        /* line art: the fill is opaque so that the depth buffer hides what it covers */
        mat.opacity = o.style == TMESH_STYLE_LINE ? 1.0 : opac[i];
        switch (o.style) {
        case TMESH_STYLE_CLINICAL:
            mat.ambient = 0.15, mat.diffuse = 0.85, mat.specular = 0.0, mat.specular_power = 1;
            mat.lighting = 1;
            break;
        case TMESH_STYLE_SHADED:
        case TMESH_STYLE_GHOST:
            mat.ambient = 0.12, mat.diffuse = 0.8, mat.specular = 0.25, mat.specular_power = 30;
            mat.lighting = 1;
            /* a translucent shell shows only its near side: no doubled layers */
            mat.backface_culling = o.style == TMESH_STYLE_GHOST && opac[i] < 1.0;
            break;
        default:
            mat.ambient = 1.0, mat.diffuse = 0.0, mat.lighting = 0;
            break;
        }
        const float *nrm = !lit ? NULL : normals[i] ? normals[i] : items[i].mesh->normals;
        st = tmesh_vtk_scene_add_mesh(scene, items[i].mesh, nrm, &mat, err);
        if (st != TMESH_OK)
            goto done;
    }
    /* lights fixed to the camera: (elevation, azimuth) from the view direction */
    static const tmesh_vtk_light HEAD[] = {{0, 0, 1.0}};
    static const tmesh_vtk_light STUDIO[] = {
        {45, -35, 0.75}, /* key: upper left, the illustrator's convention */
        {-25, 40, 0.30}, /* fill: lower right, softer                     */
        {20, 160, 0.35}, /* rim: behind, separates the outline            */
        {0, 0, 0.15}};   /* head: lifts the shadows a little              */
    if (o.style == TMESH_STYLE_CLINICAL)
        st = tmesh_vtk_scene_set_lights(scene, HEAD, 1, err);
    else if (o.style == TMESH_STYLE_LINE)
        st = tmesh_vtk_scene_set_lights(scene, NULL, 0, err);
    else
        st = tmesh_vtk_scene_set_lights(scene, STUDIO, 4, err);
    if (st != TMESH_OK)
        goto done;

    tmesh_vtk_camera cam;
    memcpy(cam.position, f->position, sizeof cam.position);
    memcpy(cam.focal, f->focal, sizeof cam.focal);
    memcpy(cam.up, f->up, sizeof cam.up);
    cam.parallel = f->parallel;
    cam.parallel_scale = half_h;
    cam.view_angle_deg = view_angle;
    tmesh_vtk_frame_opts fo;
    memset(&fo, 0, sizeof fo);
    memcpy(fo.background, o.background, sizeof fo.background);
    if (o.style == TMESH_STYLE_LINE)
        fo.background[0] = fo.background[1] = fo.background[2] = 0.0; /* id 0 */
    fo.fxaa = o.style != TMESH_STYLE_LINE;
    fo.depth_peeling = o.style == TMESH_STYLE_GHOST;
    fo.ssao = o.style == TMESH_STYLE_SHADED && o.ssao;
    double diag = sqrt(ew * ew + eh * eh + ed * ed);
    fo.ssao_radius = 0.05 * diag;
    fo.ssao_bias = 0.002 * diag;
    double t0 = now_s();
    st = tmesh_vtk_scene_render(scene, &cam, &fo, rgb, z, f->view, f->proj, err);
    double t1 = now_s();
    if (st != TMESH_OK)
        goto done;
    {
        char caps[1024];
        st = tmesh_vtk_scene_capabilities(scene, caps, sizeof caps, err);
        if (st != TMESH_OK)
            goto done;
        snprintf(fp.vtk_version, sizeof fp.vtk_version, "%s", tmesh_vtk_version());
        capability_line(caps, "vendor", fp.gl_vendor, sizeof fp.gl_vendor);
        capability_line(caps, "renderer", fp.gl_renderer, sizeof fp.gl_renderer);
        capability_line(caps, "version", fp.gl_version, sizeof fp.gl_version);
    }
    tmesh_vtk_scene_free(scene);
    scene = NULL;
    /* the fingerprint follows the caller's provenance entries in the figure's metadata */
    all_meta = malloc((o.n_meta + 4) * sizeof *all_meta);
    if (all_meta == NULL) {
        st = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory");
        goto done;
    }
    if (o.n_meta > 0)
        memcpy(all_meta, o.meta, o.n_meta * sizeof *all_meta);
    all_meta[o.n_meta + 0].key = "renderer_vtk";
    all_meta[o.n_meta + 0].value = fp.vtk_version;
    all_meta[o.n_meta + 1].key = "renderer_gl_vendor";
    all_meta[o.n_meta + 1].value = fp.gl_vendor;
    all_meta[o.n_meta + 2].key = "renderer_gl_renderer";
    all_meta[o.n_meta + 2].value = fp.gl_renderer;
    all_meta[o.n_meta + 3].key = "renderer_gl_version";
    all_meta[o.n_meta + 3].value = fp.gl_version;
    o.meta = all_meta;
    o.n_meta += 4;

    if (o.style == TMESH_STYLE_LINE) {
        /* decode the item ids and paint the PNG pixels in the fill colours */
        fig.ids = malloc((size_t)f->w * f->h * sizeof *fig.ids);
        if (fig.ids == NULL) {
            st = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for the item ids");
            goto done;
        }
        for (size_t y = 0; y < f->h; y++)
            for (size_t x = 0; x < f->w; x++) {
                uint8_t *px = rgb + ((f->h - 1 - y) * f->w + x) * 3; /* bottom-up rows */
                size_t id = id_decode(px);
                if (id > n_items)
                    id = 0;
                fig.ids[y * f->w + x] = (uint16_t)id;
            }
        for (size_t y = 0; y < f->h; y++)
            for (size_t x = 0; x < f->w; x++) {
                uint16_t id = fig.ids[(f->h - 1 - y) * f->w + x];
                const double *c = id ? colors[id - 1] : o.background;
                for (int k = 0; k < 3; k++)
                    rgb[(y * f->w + x) * 3 + k] = (uint8_t)lround(255.0 * c[k]);
            }
        const tmesh_mesh **ms = malloc(n_items * sizeof *ms);
        if (ms == NULL) {
            st = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory");
            goto done;
        }
        for (size_t i = 0; i < n_items; i++)
            ms[i] = items[i].mesh;
        render__line_opts lo_opts;
        lo_opts.crease_deg = o.crease_deg;
        /* 0.1 pt: a fifth of the thinnest default line, invisible in print */
        lo_opts.simplify_px = fmax(0.1 * o.dpi / 72.0, 0.05);
        lo_opts.extent_mm = diag;
        lo_opts.min_len_px = 1.0 * o.dpi / 72.0;
        lo_opts.clip = o.clip;
        memcpy(lo_opts.clip_point, o.clip_point, sizeof lo_opts.clip_point);
        memcpy(lo_opts.clip_normal, o.clip_normal, sizeof lo_opts.clip_normal);
        normalize(lo_opts.clip_normal);
        st = render__feature_lines(&fig.lines, ms, n_items, f, z, &lo_opts, err);
        free(ms);
        if (st != TMESH_OK)
            goto done;
    }

    if (fmt == TMESH_RENDER_FORMAT_PNG)
        st = write_png(&fig, rgb, path, err);
    else
        st = render__write_vector(&fig, path, fmt == TMESH_RENDER_FORMAT_PDF, err);
    if (st == TMESH_OK && report_out != NULL) {
        memset(report_out, 0, sizeof *report_out);
        report_out->width_px = f->w + (o.side != NULL ? f->h : 0);
        report_out->height_px = f->h;
        report_out->mm_per_px = f->mm_per_px;
        memcpy(report_out->focal, f->focal, sizeof report_out->focal);
        memcpy(report_out->eye, f->position, sizeof report_out->eye);
        memcpy(report_out->right, f->right, sizeof report_out->right);
        memcpy(report_out->up, f->up, sizeof report_out->up);
        report_out->n_polylines = fig.lines.n;
        report_out->n_line_points = fig.lines.n_points;
        report_out->n_silhouette_edges = fig.lines.n_silhouette;
        report_out->n_crease_edges = fig.lines.n_crease;
        report_out->n_boundary_edges = fig.lines.n_boundary;
        report_out->n_cut_edges = fig.lines.n_cut;
        report_out->render_s = t1 - t0;
        report_out->fingerprint = fp;
    }
done:
    free(all_meta);
    tmesh_vtk_scene_free(scene);
    render__lines_free(&fig.lines);
    free(fig.ids);
    if (normals != NULL)
        for (size_t i = 0; i < n_items; i++)
            free(normals[i]);
    free(normals);
    free(colors);
    free(opac);
    free(rgb);
    free(z);
    if (st == TMESH_E_INTERNAL)
        tmesh_error_context(err, "rendering %s", path);
    return st;
}
