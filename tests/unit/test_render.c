/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the render module: headless display handling (private Xvfb started and always
 * stopped), camera from named LPS views checked with an asymmetric marker in PNG and SVG, the
 * projected area of a sphere, PNG determinism and metadata, line art (SVG/PDF without images,
 * torus silhouettes, hidden lines removed), the DRAFT mark and every documented error; cut-away
 * views (half a sphere, the cut outline in line art) and turntable turns.
 */
#define _GNU_SOURCE
#include "test_support.h"

#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <png.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tracemesh/render.h"

#define PI 3.14159265358979323846

static tmesh_renderer *g_r;
static char *g_dir;

#if defined(__SANITIZE_ADDRESS__)
/*
 * LeakSanitizer, this test only: fontconfig (through cairo's font lookup) and Mesa's software
 * GL driver keep process-lifetime allocations that they never free. Mesa's driver is unloaded
 * when the display closes, which leaves its frames as "<unknown module>"; group_setup loads it
 * once with RTLD_NODELETE so the report can name it. Nothing of tracemesh is suppressed.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\nleak:swrast_dri.so\n";
}
#define TEST_PIN_GL_DRIVER 1
#endif

/* ---- analytic meshes ---- */

static tmesh_mesh *uv_sphere(double r, double cx, double cy, double cz, int nlat, int nlon)
{
    tmesh_mesh *m = NULL;
    size_t nv = (size_t)(nlat - 1) * nlon + 2, nt = (size_t)2 * nlon * (nlat - 1);
    assert_int_equal(tmesh_mesh_new(&m, nv, nt, 0, NULL), TMESH_OK);
    size_t v = 0;
    m->xyz[0] = (float)cx, m->xyz[1] = (float)cy, m->xyz[2] = (float)(cz + r); /* north */
    v = 1;
    for (int i = 1; i < nlat; i++) {
        double th = PI * i / nlat;
        for (int j = 0; j < nlon; j++, v++) {
            double ph = 2 * PI * j / nlon;
            m->xyz[3 * v] = (float)(cx + r * sin(th) * cos(ph));
            m->xyz[3 * v + 1] = (float)(cy + r * sin(th) * sin(ph));
            m->xyz[3 * v + 2] = (float)(cz + r * cos(th));
        }
    }
    size_t south = v;
    m->xyz[3 * v] = (float)cx, m->xyz[3 * v + 1] = (float)cy, m->xyz[3 * v + 2] = (float)(cz - r);
    size_t t = 0;
#define TRI(a, b, c)                                                                               \
    (m->tri[3 * t] = (uint32_t)(a), m->tri[3 * t + 1] = (uint32_t)(b),                             \
     m->tri[3 * t + 2] = (uint32_t)(c), t++)
    for (int j = 0; j < nlon; j++) {
        int j1 = (j + 1) % nlon;
        TRI(0, 1 + j, 1 + j1);
    }
    for (int i = 0; i < nlat - 2; i++)
        for (int j = 0; j < nlon; j++) {
            int j1 = (j + 1) % nlon;
            size_t a = 1 + (size_t)i * nlon + j, b = 1 + (size_t)i * nlon + j1;
            size_t c = a + nlon, d = b + nlon;
            TRI(a, c, d);
            TRI(a, d, b);
        }
    size_t last = 1 + (size_t)(nlat - 2) * nlon;
    for (int j = 0; j < nlon; j++) {
        int j1 = (j + 1) % nlon;
        TRI(south, last + j1, last + j);
    }
    assert_int_equal(t, nt);
    return m;
}

/* torus around the S axis: major radius R, minor r; vertex rings at minor angle 0 (outer
 * equator) and pi (inner equator) */
static tmesh_mesh *torus(double R, double r, int nu, int nv)
{
    tmesh_mesh *m = NULL;
    assert_int_equal(tmesh_mesh_new(&m, (size_t)nu * nv, (size_t)2 * nu * nv, 0, NULL), TMESH_OK);
    for (int i = 0; i < nu; i++)
        for (int j = 0; j < nv; j++) {
            double u = 2 * PI * i / nu, w = 2 * PI * j / nv;
            size_t k = (size_t)i * nv + j;
            m->xyz[3 * k] = (float)((R + r * cos(w)) * cos(u));
            m->xyz[3 * k + 1] = (float)((R + r * cos(w)) * sin(u));
            m->xyz[3 * k + 2] = (float)(r * sin(w));
        }
    size_t t = 0;
    for (int i = 0; i < nu; i++)
        for (int j = 0; j < nv; j++) {
            size_t a = (size_t)i * nv + j, b = (size_t)((i + 1) % nu) * nv + j;
            size_t c = (size_t)((i + 1) % nu) * nv + (j + 1) % nv,
                   d = (size_t)i * nv + (j + 1) % nv;
            TRI(a, b, c);
            TRI(a, c, d);
        }
    return m;
}

static tmesh_mesh *box(double x0, double y0, double z0, double x1, double y1, double z1)
{
    tmesh_mesh *m = NULL;
    assert_int_equal(tmesh_mesh_new(&m, 8, 12, 0, NULL), TMESH_OK);
    for (int i = 0; i < 8; i++) {
        m->xyz[3 * i] = (float)((i & 1) ? x1 : x0);
        m->xyz[3 * i + 1] = (float)((i & 2) ? y1 : y0);
        m->xyz[3 * i + 2] = (float)((i & 4) ? z1 : z0);
    }
    static const uint32_t T[36] = {0, 2, 3, 0, 3, 1, 4, 5, 7, 4, 7, 6, 0, 1, 5, 0, 5, 4,
                                   2, 6, 7, 2, 7, 3, 0, 4, 6, 0, 6, 2, 1, 3, 7, 1, 7, 5};
    memcpy(m->tri, T, sizeof T);
    return m;
}
#undef TRI

/* outward orientation check of the builders: positive signed volume */
static double signed_volume(const tmesh_mesh *m)
{
    double v = 0;
    for (size_t t = 0; t < m->n_triangles; t++) {
        const float *a = m->xyz + 3 * m->tri[3 * t], *b = m->xyz + 3 * m->tri[3 * t + 1],
                    *c = m->xyz + 3 * m->tri[3 * t + 2];
        v += (a[0] * ((double)b[1] * c[2] - (double)b[2] * c[1]) -
              a[1] * ((double)b[0] * c[2] - (double)b[2] * c[0]) +
              a[2] * ((double)b[0] * c[1] - (double)b[1] * c[0])) /
             6.0;
    }
    return v;
}

/* ---- reading results back ---- */

typedef struct image {
    unsigned w, h;
    uint8_t *rgb;
} image;

static image read_png(const char *path)
{
    png_image pi;
    memset(&pi, 0, sizeof pi);
    pi.version = PNG_IMAGE_VERSION;
    assert_true(png_image_begin_read_from_file(&pi, path));
    pi.format = PNG_FORMAT_RGB;
    image im = {pi.width, pi.height, malloc(PNG_IMAGE_SIZE(pi))};
    assert_non_null(im.rgb);
    assert_true(png_image_finish_read(&pi, NULL, im.rgb, 0, NULL));
    return im;
}

static char *read_text(const char *path)
{
    uint8_t *d = NULL;
    size_t n = 0;
    assert_int_equal(tmesh_fs_read_all(path, &d, &n, NULL), TMESH_OK);
    return (char *)d;
}

static int run(const char *cmd)
{
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* points of the SVG <path> elements whose style contains `style_part` */
typedef struct pts {
    double *xy;
    size_t n, cap;
} pts;

static void svg_points(const char *svg, const char *style_part, pts *out)
{
    memset(out, 0, sizeof *out);
    const char *p = svg;
    while ((p = strstr(p, "<path")) != NULL) {
        const char *end = strchr(p, '>');
        assert_non_null(end);
        const char *st = strstr(p, "style=\"");
        const char *d = strstr(p, " d=\"");
        if (st == NULL || st > end || d == NULL || d > end) {
            p = end;
            continue;
        }
        const char *st_end = strchr(st + 7, '"');
        size_t sl = (size_t)(st_end - st);
        char *style = strndup(st, sl);
        int match = strstr(style, style_part) != NULL;
        free(style);
        /* cairo writes strokes in pixel units with a transform */
        double tm[6] = {1, 0, 0, 1, 0, 0};
        const char *tr = strstr(p, "transform=\"matrix(");
        if (tr != NULL && tr < end)
            assert_int_equal(sscanf(tr, "transform=\"matrix(%lf,%lf,%lf,%lf,%lf,%lf)", &tm[0],
                                    &tm[1], &tm[2], &tm[3], &tm[4], &tm[5]),
                             6);
        if (match) {
            const char *q = d + 4;
            double v[2];
            int k = 0;
            while (*q && *q != '"') {
                if ((*q >= '0' && *q <= '9') || *q == '-' || *q == '.') {
                    char *e;
                    v[k++] = strtod(q, &e);
                    q = e;
                    if (k == 2) {
                        if (out->n == out->cap) {
                            out->cap = out->cap ? 2 * out->cap : 256;
                            out->xy = realloc(out->xy, 2 * out->cap * sizeof(double));
                        }
                        out->xy[2 * out->n] = tm[0] * v[0] + tm[2] * v[1] + tm[4];
                        out->xy[2 * out->n + 1] = tm[1] * v[0] + tm[3] * v[1] + tm[5];
                        out->n++;
                        k = 0;
                    }
                } else {
                    if (*q == 'C') /* curves are not expected from polylines */
                        fail_msg("unexpected curve in a line path");
                    q++;
                }
            }
        }
        p = end;
    }
}

/* ---- fixtures ---- */

static int group_setup(void **state)
{
    (void)state;
    tmesh_error err = TMESH_ERROR_INIT;
#ifdef TEST_PIN_GL_DRIVER
    (void)dlopen("/usr/lib/x86_64-linux-gnu/dri/swrast_dri.so", RTLD_NOW | RTLD_NODELETE);
#endif
    if (tmesh_render_open(&g_r, NULL, &err) != TMESH_OK) {
        fprintf(stderr, "cannot open a renderer: %s\n", err.msg);
        return -1;
    }
    g_dir = ts_mkdtemp();
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    tmesh_render_close(g_r);
    if (getenv("TMESH_TEST_KEEP") != NULL) /* keep the figures for a look */
        fprintf(stderr, "figures kept in %s\n", g_dir);
    else
        ts_rmtree(g_dir);
    free(g_dir);
    return 0;
}

static tmesh_render_opts plain_opts(unsigned size)
{
    tmesh_render_opts o = TMESH_RENDER_OPTS_INIT;
    o.width_px = o.height_px = size;
    o.scale_bar = 0;
    o.orientation = 0;
    return o;
}

/* ---- display ---- */

static void test_render__display__xvfb_started_and_stopped(void **state)
{
    (void)state;
    tmesh_render_open_opts oo = TMESH_RENDER_OPEN_OPTS_INIT;
    oo.display = TMESH_RENDER_DISPLAY_XVFB;
    tmesh_renderer *r = NULL;
    tmesh_error err = TMESH_ERROR_INIT;
    assert_int_equal(tmesh_render_open(&r, &oo, &err), TMESH_OK);
    long pid = tmesh_render_xvfb_pid(r);
    assert_true(pid > 0);
    assert_int_equal(kill((pid_t)pid, 0), 0);
    /* a figure renders on it */
    tmesh_mesh *s = uv_sphere(10, 0, 0, 0, 12, 24);
    tmesh_render_item it = TMESH_RENDER_ITEM_INIT;
    it.mesh = s;
    tmesh_render_opts o = plain_opts(64);
    char *out = ts_path(g_dir, "xvfb.png");
    assert_int_equal(tmesh_render_figure(r, &it, 1, out, &o, NULL, &err), TMESH_OK);
    tmesh_render_close(r);
    /* stopped and reaped: the pid no longer exists */
    assert_int_equal(kill((pid_t)pid, 0), -1);
    assert_int_equal(errno, ESRCH);
    free(out);
    tmesh_mesh_free(s);
}

static void test_render__display__missing_xvfb_is_named(void **state)
{
    (void)state;
    tmesh_render_open_opts oo = TMESH_RENDER_OPEN_OPTS_INIT;
    oo.display = TMESH_RENDER_DISPLAY_XVFB;
    oo.xvfb = "/nonexistent/Xvfb";
    tmesh_renderer *r = NULL;
    tmesh_error err = TMESH_ERROR_INIT;
    assert_int_equal(tmesh_render_open(&r, &oo, &err), TMESH_E_IO);
    assert_null(r);
    ts_assert_error(err, TMESH_E_IO, "/nonexistent/Xvfb");
    ts_assert_error(err, TMESH_E_IO, "xvfb");
    /* a program that exits at once instead of reporting a display */
    tmesh_error_clear(&err);
    oo.xvfb = "false";
    assert_int_equal(tmesh_render_open(&r, &oo, &err), TMESH_E_IO);
    ts_assert_error(err, TMESH_E_IO, "'false' exited with status 1 before it was ready");
}

static void test_render__display__no_display_and_no_xvfb(void **state)
{
    (void)state;
    char *saved = getenv("DISPLAY") ? strdup(getenv("DISPLAY")) : NULL;
    unsetenv("DISPLAY");
    tmesh_render_open_opts oo = TMESH_RENDER_OPEN_OPTS_INIT;
    oo.xvfb = "no-such-xvfb-program";
    tmesh_renderer *r = NULL;
    tmesh_error err = TMESH_ERROR_INIT;
    assert_int_equal(tmesh_render_open(&r, &oo, &err), TMESH_E_IO);
    ts_assert_error(err, TMESH_E_IO, "DISPLAY is not set");
    ts_assert_error(err, TMESH_E_IO, "no-such-xvfb-program");
    tmesh_error_clear(&err);
    oo.display = TMESH_RENDER_DISPLAY_X;
    assert_int_equal(tmesh_render_open(&r, &oo, &err), TMESH_E_IO);
    ts_assert_error(err, TMESH_E_IO, "DISPLAY");
    tmesh_error_clear(&err);
    oo.timeout_s = 0;
    assert_int_equal(tmesh_render_open(&r, &oo, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "timeout_s");
    if (saved)
        setenv("DISPLAY", saved, 1);
    free(saved);
}

/* ---- geometry ---- */

static void test_render__sphere__covers_projected_disc(void **state)
{
    (void)state;
    tmesh_mesh *s = uv_sphere(20, 5, -3, 7, 64, 128);
    assert_true(signed_volume(s) > 0);
    tmesh_render_item it = TMESH_RENDER_ITEM_INIT;
    it.mesh = s;
    tmesh_render_opts o = plain_opts(400);
    o.style = TMESH_STYLE_CLINICAL;
    tmesh_render_report rep;
    tmesh_error err = TMESH_ERROR_INIT;
    char *out = ts_path(g_dir, "sphere.png");
    assert_int_equal(tmesh_render_figure(g_r, &it, 1, out, &o, &rep, &err), TMESH_OK);
    image im = read_png(out);
    assert_int_equal(im.w, 400);
    size_t covered = 0;
    for (size_t i = 0; i < (size_t)im.w * im.h; i++) {
        const uint8_t *p = im.rgb + 3 * i;
        if (p[0] < 250 || p[1] < 250 || p[2] < 250) /* not background white */
            covered++;
    }
    /* a UV sphere's silhouette is a polygon inscribed in the circle: 128 segments lose
     * 0.04 % of the area; the fitted scale comes from the report */
    double r_px = 20.0 / rep.mm_per_px;
    double expect = PI * r_px * r_px;
    double rel = fabs((double)covered - expect) / expect;
    if (rel > 0.02)
        fail_msg("covered %zu px, expected %.0f (%.2f %%)", covered, expect, 100 * rel);
    free(im.rgb);
    free(out);
    tmesh_mesh_free(s);
}

static void test_render__sphere__perspective_disc(void **state)
{
    (void)state;
    tmesh_mesh *s = uv_sphere(20, 5, -3, 7, 64, 128);
    tmesh_render_item it = TMESH_RENDER_ITEM_INIT;
    it.mesh = s;
    tmesh_render_opts o = plain_opts(400);
    o.style = TMESH_STYLE_CLINICAL;
    o.perspective = 1;
    o.view = TMESH_VIEW_LEFT;
    tmesh_render_report rep;
    tmesh_error err = TMESH_ERROR_INIT;
    char *out = ts_path(g_dir, "sphere_persp.png");
    assert_int_equal(tmesh_render_figure(g_r, &it, 1, out, &o, &rep, &err), TMESH_OK);
    image im = read_png(out);
    size_t covered = 0;
    for (size_t i = 0; i < (size_t)im.w * im.h; i++) {
        const uint8_t *p = im.rgb + 3 * i;
        if (p[0] < 250 || p[1] < 250 || p[2] < 250)
            covered++;
    }
    /* the tangent cone from the eye: image radius f * R / sqrt(D^2 - R^2), with the focal
     * length f = (h / 2) / tan(15 deg) of the 30 degree view angle */
    double c[3] = {5, -3, 7}, d2 = 0;
    for (int i = 0; i < 3; i++)
        d2 += (rep.eye[i] - c[i]) * (rep.eye[i] - c[i]);
    double fpx = 200.0 / tan(15.0 * PI / 180.0);
    double r_px = fpx * 20.0 / sqrt(d2 - 400.0);
    double expect = PI * r_px * r_px, rel = fabs((double)covered - expect) / expect;
    if (rel > 0.02)
        fail_msg("covered %zu px, expected %.0f (%.2f %%)", covered, expect, 100 * rel);
    free(im.rgb);
    free(out);
    tmesh_mesh_free(s);
}

static void test_render__camera__azimuth_turns_named_views(void **state)
{
    (void)state;
    tmesh_mesh *s = uv_sphere(10, 0, 0, 0, 8, 16);
    tmesh_render_item it = TMESH_RENDER_ITEM_INIT;
    it.mesh = s;
    tmesh_error err = TMESH_ERROR_INIT;
    char *out = ts_path(g_dir, "turn.png");
    /* anterior turned 90 degrees towards the viewer's right (+L) is the left view; 180 is
     * the posterior view */
    static const struct {
        tmesh_render_view from;
        double az;
        double right[3], up[3];
    } CASES[] = {{TMESH_VIEW_ANTERIOR, 0, {1, 0, 0}, {0, 0, 1}},
                 {TMESH_VIEW_ANTERIOR, 90, {0, 1, 0}, {0, 0, 1}},
                 {TMESH_VIEW_LEFT, 0, {0, 1, 0}, {0, 0, 1}},
                 {TMESH_VIEW_ANTERIOR, 180, {-1, 0, 0}, {0, 0, 1}},
                 {TMESH_VIEW_POSTERIOR, 0, {-1, 0, 0}, {0, 0, 1}},
                 {TMESH_VIEW_RIGHT, 0, {0, -1, 0}, {0, 0, 1}},
                 {TMESH_VIEW_SUPERIOR, 0, {-1, 0, 0}, {0, -1, 0}},
                 {TMESH_VIEW_INFERIOR, 0, {1, 0, 0}, {0, -1, 0}}};
    for (size_t k = 0; k < sizeof CASES / sizeof CASES[0]; k++) {
        tmesh_render_opts o = plain_opts(32);
        o.view = CASES[k].from;
        o.azimuth_deg = CASES[k].az;
        tmesh_render_report rep;
        assert_int_equal(tmesh_render_figure(g_r, &it, 1, out, &o, &rep, &err), TMESH_OK);
        for (int i = 0; i < 3; i++) {
            if (fabs(rep.right[i] - CASES[k].right[i]) > 1e-9 ||
                fabs(rep.up[i] - CASES[k].up[i]) > 1e-9)
                fail_msg("case %zu: right (%g %g %g) up (%g %g %g)", k, rep.right[0], rep.right[1],
                         rep.right[2], rep.up[0], rep.up[1], rep.up[2]);
        }
    }
    /* elevation 90 from the front: looking down from above */
    tmesh_render_opts o = plain_opts(32);
    o.elevation_deg = 90;
    tmesh_render_report rep;
    assert_int_equal(tmesh_render_figure(g_r, &it, 1, out, &o, &rep, &err), TMESH_OK);
    assert_true(rep.eye[2] > rep.focal[2] + 1);
    assert_true(fabs(rep.eye[0] - rep.focal[0]) < 1e-6 && fabs(rep.eye[1] - rep.focal[1]) < 1e-6);
    free(out);
    tmesh_mesh_free(s);
}

static void test_render__styles__ghost_shows_inner(void **state)
{
    (void)state;
    tmesh_mesh *outer = uv_sphere(30, 0, 0, 0, 32, 64), *inner = uv_sphere(8, 0, 0, 0, 16, 32);
    tmesh_render_item items[2] = {TMESH_RENDER_ITEM_INIT, TMESH_RENDER_ITEM_INIT};
    items[0].mesh = outer;
    items[1].mesh = inner;
    items[1].color[0] = 1, items[1].color[1] = 0, items[1].color[2] = 0;
    tmesh_error err = TMESH_ERROR_INIT;
    char *ghost = ts_path(g_dir, "ghost.png"), *shaded = ts_path(g_dir, "shaded.png");
    tmesh_render_opts o = plain_opts(200);
    o.style = TMESH_STYLE_GHOST;
    assert_int_equal(tmesh_render_figure(g_r, items, 2, ghost, &o, NULL, &err), TMESH_OK);
    o.style = TMESH_STYLE_SHADED;
    o.ssao = 1;
    assert_int_equal(tmesh_render_figure(g_r, items, 2, shaded, &o, NULL, &err), TMESH_OK);
    image g = read_png(ghost), s = read_png(shaded);
    /* the centre pixel: the red inner ball through the translucent outer one in ghost, the
     * opaque outer surface (bone, no red cast) in shaded */
    const uint8_t *pg = g.rgb + 3 * (100 * 200 + 100), *ps = s.rgb + 3 * (100 * 200 + 100);
    if (!(pg[0] > pg[1] + 40 && pg[0] > pg[2] + 40))
        fail_msg("ghost centre %d %d %d is not reddish", pg[0], pg[1], pg[2]);
    if (!(abs(ps[0] - ps[1]) < 40))
        fail_msg("shaded centre %d %d %d shows the hidden ball", ps[0], ps[1], ps[2]);
    free(g.rgb);
    free(s.rgb);
    free(ghost);
    free(shaded);
    tmesh_mesh_free(outer);
    tmesh_mesh_free(inner);
}

/* the marker: grey ball, red block on the patient's left (+L), green ball anterior-superior */
typedef struct marker {
    tmesh_mesh *ball, *block, *tip;
    tmesh_render_item items[3];
} marker;

static void marker_make(marker *mk)
{
    mk->ball = uv_sphere(15, 0, 0, 0, 24, 48);
    mk->block = box(18, -5, -5, 30, 5, 5);
    mk->tip = uv_sphere(5, 0, -11, 13, 12, 24); /* sticks out above the ball */
    tmesh_mesh *ms[3] = {mk->ball, mk->block, mk->tip};
    static const double C[3][3] = {{0.8, 0.8, 0.8}, {1, 0, 0}, {0, 1, 0}};
    for (int i = 0; i < 3; i++) {
        tmesh_render_item it = TMESH_RENDER_ITEM_INIT;
        it.mesh = ms[i];
        memcpy(it.color, C[i], sizeof it.color);
        mk->items[i] = it;
        assert_true(signed_volume(ms[i]) > 0);
    }
}

static void marker_free(marker *mk)
{
    tmesh_mesh_free(mk->ball);
    tmesh_mesh_free(mk->block);
    tmesh_mesh_free(mk->tip);
}

/* expected signs, per view, of (red x - grey x) and (green x - grey x) on screen (right
 * positive) and of (green up - grey up); 0 = not checked */
static const int MARKER_EXPECT[6][3] = {
    {+1, 0, +1},  /* anterior: left-sided block on the viewer's right               */
    {-1, 0, +1},  /* posterior: on the viewer's left                               */
    {0, -1, +1},  /* left: the viewer faces the block; anterior on the viewer's left  */
    {0, +1, +1},  /* right: anterior on the viewer's right                          */
    {-1, 0, +1},  /* superior: anterior up, the patient's left on the viewer's left  */
    {+1, 0, +1}}; /* inferior: anterior up, the patient's left on the viewer's right */

static const char *const VIEWS[6] = {"anterior", "posterior", "left",
                                     "right",    "superior",  "inferior"};

static void check_signs(const char *what, int view, const double red[2], const double green[2],
                        const double grey[2])
{
    double d[3] = {red[0] - grey[0], green[0] - grey[0], green[1] - grey[1]};
    for (int k = 0; k < 3; k++) {
        int want = MARKER_EXPECT[view][k];
        if (want != 0 && !(d[k] * want > 3.0))
            fail_msg("%s %s view: check %d: offset %.1f has the wrong side", what, VIEWS[view], k,
                     d[k]);
    }
}

static void test_render__marker__correct_side_png(void **state)
{
    (void)state;
    marker mk;
    marker_make(&mk);
    for (int v = 0; v < 6; v++) {
        tmesh_render_opts o = plain_opts(300);
        o.style = TMESH_STYLE_CLINICAL;
        tmesh_error err = TMESH_ERROR_INIT;
        assert_int_equal(tmesh_render_view_parse(&o.view, VIEWS[v], &err), TMESH_OK);
        char name[64];
        snprintf(name, sizeof name, "marker_%s.png", VIEWS[v]);
        char *out = ts_path(g_dir, name);
        assert_int_equal(tmesh_render_figure(g_r, mk.items, 3, out, &o, NULL, &err), TMESH_OK);
        image im = read_png(out);
        double sum[3][2] = {{0}}, cnt[3] = {0};
        for (unsigned y = 0; y < im.h; y++)
            for (unsigned x = 0; x < im.w; x++) {
                const uint8_t *p = im.rgb + 3 * ((size_t)y * im.w + x);
                int r = p[0], g = p[1], b = p[2], cls = -1;
                if (r > 40 && r > 2 * g + 10 && r > 2 * b + 10)
                    cls = 1;
                else if (g > 40 && g > 2 * r + 10 && g > 2 * b + 10)
                    cls = 2;
                else if (abs(r - g) < 8 && abs(g - b) < 8 && r < 240 && r > 20)
                    cls = 0;
                if (cls < 0)
                    continue;
                sum[cls][0] += x;
                sum[cls][1] += -(double)y; /* up positive */
                cnt[cls]++;
            }
        for (int c = 0; c < 3; c++) {
            /* the block hides behind the ball in the right view: unchecked there */
            if (cnt[c] < 20 && !(c == 1 && MARKER_EXPECT[v][0] == 0))
                fail_msg("%s view: colour %d has %.0f pixels", VIEWS[v], c, cnt[c]);
            if (cnt[c] > 0) {
                sum[c][0] /= cnt[c];
                sum[c][1] /= cnt[c];
            }
        }
        check_signs("PNG", v, sum[1], sum[2], sum[0]);
        free(im.rgb);
        free(out);
    }
    marker_free(&mk);
}

static void mean_of(const pts *p, double out[2])
{
    out[0] = out[1] = 0;
    for (size_t i = 0; i < p->n; i++) {
        out[0] += p->xy[2 * i];
        out[1] -= p->xy[2 * i + 1]; /* SVG y runs down */
    }
    if (p->n) {
        out[0] /= (double)p->n;
        out[1] /= (double)p->n;
    }
}

static void test_render__marker__correct_side_svg(void **state)
{
    (void)state;
    marker mk;
    marker_make(&mk);
    for (int v = 0; v < 6; v++) {
        tmesh_render_opts o = plain_opts(300);
        o.style = TMESH_STYLE_LINE;
        o.view = (tmesh_render_view)v;
        tmesh_error err = TMESH_ERROR_INIT;
        char name[64];
        snprintf(name, sizeof name, "marker_%s.svg", VIEWS[v]);
        char *out = ts_path(g_dir, name);
        assert_int_equal(tmesh_render_figure(g_r, mk.items, 3, out, &o, NULL, &err), TMESH_OK);
        char *svg = read_text(out);
        pts grey, red, green;
        svg_points(svg, "fill:rgb(80%,80%,80%)", &grey);
        svg_points(svg, "fill:rgb(100%,0%,0%)", &red);
        svg_points(svg, "fill:rgb(0%,100%,0%)", &green);
        if (grey.n == 0 || green.n == 0 || (red.n == 0 && MARKER_EXPECT[v][0] != 0))
            fail_msg("%s view: fills missing (%zu %zu %zu)", VIEWS[v], grey.n, red.n, green.n);
        double mg[2], mr[2], mgr[2];
        mean_of(&grey, mg);
        mean_of(&red, mr);
        mean_of(&green, mgr);
        check_signs("SVG", v, mr, mgr, mg);
        free(grey.xy);
        free(red.xy);
        free(green.xy);
        free(svg);
        free(out);
    }
    marker_free(&mk);
}

/* ---- PNG ---- */

static void test_render__png__byte_identical_twice(void **state)
{
    (void)state;
    marker mk;
    marker_make(&mk);
    tmesh_render_opts o = TMESH_RENDER_OPTS_INIT;
    o.width_px = o.height_px = 320;
    o.style = TMESH_STYLE_SHADED;
    o.title = "Marker";
    tmesh_error err = TMESH_ERROR_INIT;
    char *a = ts_path(g_dir, "det_a.png"), *b = ts_path(g_dir, "det_b.png");
    assert_int_equal(tmesh_render_figure(g_r, mk.items, 3, a, &o, NULL, &err), TMESH_OK);
    assert_int_equal(tmesh_render_figure(g_r, mk.items, 3, b, &o, NULL, &err), TMESH_OK);
    uint8_t *da, *db;
    size_t na, nb;
    assert_int_equal(tmesh_fs_read_all(a, &da, &na, NULL), TMESH_OK);
    assert_int_equal(tmesh_fs_read_all(b, &db, &nb, NULL), TMESH_OK);
    assert_int_equal(na, nb);
    assert_memory_equal(da, db, na);
    free(da);
    free(db);
    free(a);
    free(b);
    marker_free(&mk);
}

static void test_render__png__metadata_round_trips(void **state)
{
    (void)state;
    tmesh_mesh *s = uv_sphere(10, 0, 0, 0, 12, 24);
    tmesh_render_item it = TMESH_RENDER_ITEM_INIT;
    it.mesh = s;
    tmesh_render_opts o = TMESH_RENDER_OPTS_INIT;
    o.dpi = 300;
    o.width_mm = 25.4; /* 300 px */
    o.height_mm = 12.7;
    const tmesh_render_meta meta[] = {{"figure_id", "fig-0001"},
                                      {"asset_versions", "skull@3"},
                                      {"mesh_sha256", "ab12cd"},
                                      {"note", "Schädel & <kein> Test"}};
    o.meta = meta;
    o.n_meta = 4;
    tmesh_error err = TMESH_ERROR_INIT;
    char *out = ts_path(g_dir, "meta.png");
    assert_int_equal(tmesh_render_figure(g_r, &it, 1, out, &o, NULL, &err), TMESH_OK);

    FILE *fp = fopen(out, "rb");
    assert_non_null(fp);
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    assert_int_equal(setjmp(png_jmpbuf(png)), 0);
    png_init_io(png, fp);
    png_read_info(png, info);
    assert_int_equal(png_get_image_width(png, info), 300);
    assert_int_equal(png_get_image_height(png, info), 150);
    png_uint_32 rx, ry;
    int unit;
    assert_true(png_get_pHYs(png, info, &rx, &ry, &unit));
    assert_int_equal(unit, PNG_RESOLUTION_METER);
    assert_int_equal(rx, 11811); /* 300 dpi */
    assert_int_equal(ry, 11811);
    png_timep tm;
    assert_false(png_get_tIME(png, info, &tm));
    png_textp text;
    int n = 0;
    png_get_text(png, info, &text, &n);
    int found = 0, xmp = 0;
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < 4; k++)
            if (strcmp(text[i].key, meta[k].key) == 0) {
                assert_string_equal(text[i].text, meta[k].value);
                found++;
            }
        if (strcmp(text[i].key, "XML:com.adobe.xmp") == 0) {
            xmp = 1;
            assert_int_equal(text[i].compression, PNG_ITXT_COMPRESSION_NONE);
            assert_non_null(strstr(text[i].text, "<tmesh:figure_id>fig-0001</tmesh:figure_id>"));
            assert_non_null(strstr(text[i].text, "<tmesh:draft>False</tmesh:draft>"));
            assert_non_null(strstr(text[i].text, "Sch\xc3\xa4"
                                                 "del &amp; &lt;kein&gt; Test"));
        }
    }
    assert_int_equal(found, 4);
    assert_true(xmp);
    png_destroy_read_struct(&png, &info, NULL);
    fclose(fp);
    free(out);
    tmesh_mesh_free(s);
}

static size_t crimson_pixels(const char *path)
{
    image im = read_png(path);
    size_t n = 0;
    for (size_t i = 0; i < (size_t)im.w * im.h; i++) {
        const uint8_t *p = im.rgb + 3 * i;
        if (p[0] > 200 && p[1] < 190 && p[2] < 200 && p[0] - p[1] > 60)
            n++;
    }
    free(im.rgb);
    return n;
}

static void test_render__draft__mark_exactly_when_asked(void **state)
{
    (void)state;
    tmesh_mesh *s = uv_sphere(10, 0, 0, 0, 12, 24);
    tmesh_render_item it = TMESH_RENDER_ITEM_INIT;
    it.mesh = s;
    tmesh_render_opts o = TMESH_RENDER_OPTS_INIT;
    o.width_px = o.height_px = 300;
    o.style = TMESH_STYLE_CLINICAL;
    tmesh_error err = TMESH_ERROR_INIT;
    char *plain = ts_path(g_dir, "plain.png"), *draft = ts_path(g_dir, "draft.png");
    assert_int_equal(tmesh_render_figure(g_r, &it, 1, plain, &o, NULL, &err), TMESH_OK);
    o.draft = 1;
    assert_int_equal(tmesh_render_figure(g_r, &it, 1, draft, &o, NULL, &err), TMESH_OK);
    assert_int_equal(crimson_pixels(plain), 0);
    assert_true(crimson_pixels(draft) > 1000);
    /* PDF: the mark is real text */
    o.style = TMESH_STYLE_LINE;
    char *pdf = ts_path(g_dir, "draft.pdf"), *pdf0 = ts_path(g_dir, "plain.pdf");
    assert_int_equal(tmesh_render_figure(g_r, &it, 1, pdf, &o, NULL, &err), TMESH_OK);
    o.draft = 0;
    assert_int_equal(tmesh_render_figure(g_r, &it, 1, pdf0, &o, NULL, &err), TMESH_OK);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "pdftotext '%s' - | grep -q 'DRAFT - not clinically reviewed'", pdf);
    assert_int_equal(run(cmd), 0);
    snprintf(cmd, sizeof cmd, "pdftotext '%s' - | grep -q 'DRAFT'", pdf0);
    assert_int_equal(run(cmd), 1);
    free(plain);
    free(draft);
    free(pdf);
    free(pdf0);
    tmesh_mesh_free(s);
}

/* ---- line art ---- */

static void test_render__svg__valid_xml_paths_no_image(void **state)
{
    (void)state;
    marker mk;
    marker_make(&mk);
    tmesh_render_opts o = TMESH_RENDER_OPTS_INIT;
    o.width_px = o.height_px = 400;
    o.style = TMESH_STYLE_LINE;
    o.azimuth_deg = 30; /* three faces of the block in sight: three creases */
    o.elevation_deg = 20;
    o.title = "Marker <line> & art";
    o.draft = 1;
    tmesh_render_label lab = {"Left block", {30, 0, 5}};
    o.labels = &lab;
    o.n_labels = 1;
    const tmesh_render_meta meta[] = {{"figure_id", "fig-42"}};
    o.meta = meta;
    o.n_meta = 1;
    tmesh_render_report rep;
    tmesh_error err = TMESH_ERROR_INIT;
    char *out = ts_path(g_dir, "art.svg");
    assert_int_equal(tmesh_render_figure(g_r, mk.items, 3, out, &o, &rep, &err), TMESH_OK);
    assert_true(rep.n_polylines > 0);
    assert_true(rep.n_silhouette_edges > 0);
    assert_true(rep.n_crease_edges >= 3);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "xmllint --noout '%s'", out);
    assert_int_equal(run(cmd), 0);
    char *svg = read_text(out);
    assert_non_null(strstr(svg, "<path"));
    assert_null(strstr(svg, "<image"));
    assert_non_null(strstr(svg, "<metadata>"));
    assert_non_null(strstr(svg, "<tmesh:figure_id>fig-42</tmesh:figure_id>"));
    assert_non_null(strstr(svg, "<tmesh:draft>True</tmesh:draft>"));
    assert_non_null(strstr(svg, "fill:rgb(86%,8%,24%)")); /* the DRAFT banner */
    free(svg);
    /* vector output is deterministic too */
    char *again = ts_path(g_dir, "art2.svg");
    assert_int_equal(tmesh_render_figure(g_r, mk.items, 3, again, &o, &rep, &err), TMESH_OK);
    char *a1 = read_text(out), *a2 = read_text(again);
    assert_string_equal(a1, a2);
    free(a1);
    free(a2);
    free(again);

    char *pdf = ts_path(g_dir, "art.pdf");
    assert_int_equal(tmesh_render_figure(g_r, mk.items, 3, pdf, &o, &rep, &err), TMESH_OK);
    /* pdfimages -list prints two header lines and one line per image */
    snprintf(cmd, sizeof cmd, "test $(pdfimages -list '%s' | wc -l) -eq 2", pdf);
    assert_int_equal(run(cmd), 0);
    snprintf(cmd, sizeof cmd, "pdfinfo '%s' | grep -q 'figure_id=fig-42'", pdf);
    assert_int_equal(run(cmd), 0);
    /* and the XMP packet as the catalog's metadata stream */
    snprintf(cmd, sizeof cmd,
             "pdfinfo -meta '%s' | grep -q '<tmesh:figure_id>fig-42</tmesh:figure_id>'", pdf);
    assert_int_equal(run(cmd), 0);
    snprintf(cmd, sizeof cmd, "pdfinfo '%s' 2>&1 | grep -qi error", pdf);
    assert_int_equal(run(cmd), 1);
    free(pdf);
    free(out);
    marker_free(&mk);
}

static void test_render__torus__both_silhouettes_no_far_side(void **state)
{
    (void)state;
    tmesh_mesh *t = torus(30, 10, 96, 12);
    assert_true(signed_volume(t) > 0);
    /* a box under the tube: from above, every edge of it is hidden by the torus */
    tmesh_mesh *b = box(26, -4, -25, 34, 4, -15);
    tmesh_render_item items[2] = {TMESH_RENDER_ITEM_INIT, TMESH_RENDER_ITEM_INIT};
    items[0].mesh = t;
    items[1].mesh = b;
    tmesh_render_opts o = plain_opts(500);
    o.style = TMESH_STYLE_LINE;
    o.view = TMESH_VIEW_SUPERIOR;
    tmesh_render_report rep;
    tmesh_error err = TMESH_ERROR_INIT;
    char *out = ts_path(g_dir, "torus.svg");
    assert_int_equal(tmesh_render_figure(g_r, items, 2, out, &o, &rep, &err), TMESH_OK);
    /* 30 degree steps of the torus are smooth; the box's side walls are edge-on, so its
     * edges are silhouettes */
    assert_int_equal(rep.n_crease_edges, 0);
    char *svg = read_text(out);
    assert_null(strstr(svg, "fill:rgb(86%,8%,24%)")); /* no DRAFT banner unless asked */
    assert_non_null(strstr(svg, "<tmesh:draft>False</tmesh:draft>"));
    pts p;
    svg_points(svg, "stroke:rgb(10%,10%,10%)", &p);
    assert_true(p.n > 0);
    /* SVG points -> mm around the torus axis (the focal point is the torus centre) */
    double px_per_pt = o.dpi / 72.0, cx = 0.5 * 500 / px_per_pt, cy = cx;
    size_t outer = 0, inner = 0, other = 0;
    for (size_t i = 0; i < p.n; i++) {
        double dx = (p.xy[2 * i] - cx) * px_per_pt * rep.mm_per_px;
        double dy = (p.xy[2 * i + 1] - cy) * px_per_pt * rep.mm_per_px;
        double rho = hypot(dx, dy);
        if (fabs(rho - 40) < 1.0)
            outer++;
        else if (fabs(rho - 20) < 1.0)
            inner++;
        else
            other++;
    }
    if (outer < 24 || inner < 12 || other != 0)
        fail_msg("outer %zu inner %zu other %zu line points", outer, inner, other);
    free(p.xy);
    free(svg);
    free(out);
    tmesh_mesh_free(t);
    tmesh_mesh_free(b);
}

/* ---- errors ---- */

static void test_render__errors__named(void **state)
{
    (void)state;
    tmesh_mesh *s = uv_sphere(10, 0, 0, 0, 8, 16);
    tmesh_render_item it = TMESH_RENDER_ITEM_INIT;
    it.mesh = s;
    tmesh_error err = TMESH_ERROR_INIT;
    tmesh_render_view v;
    tmesh_render_style st;
    assert_int_equal(tmesh_render_view_parse(&v, "frontal", &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "'frontal'");
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_render_style_parse(&st, "cartoon", &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "'cartoon'");
    tmesh_error_clear(&err);
    char *out = ts_path(g_dir, "err.png");
    tmesh_render_opts o = TMESH_RENDER_OPTS_INIT;
    o.width_px = 0;
    assert_int_equal(tmesh_render_figure(g_r, &it, 1, out, &o, NULL, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "width_px 0");
    tmesh_error_clear(&err);
    o.width_px = 100000;
    assert_int_equal(tmesh_render_figure(g_r, &it, 1, out, &o, NULL, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "width_px 100000");
    tmesh_error_clear(&err);
    o = (tmesh_render_opts)TMESH_RENDER_OPTS_INIT;
    o.zoom = 0;
    assert_int_equal(tmesh_render_figure(g_r, &it, 1, out, &o, NULL, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "zoom");
    tmesh_error_clear(&err);
    o = (tmesh_render_opts)TMESH_RENDER_OPTS_INIT;
    o.width_px = o.height_px = 64;
    assert_int_equal(tmesh_render_figure(g_r, &it, 1, "/nonexistent/dir/fig.png", &o, NULL, &err),
                     TMESH_E_IO);
    ts_assert_error(err, TMESH_E_IO, "/nonexistent/dir/fig.png");
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_render_figure(g_r, &it, 1, "fig.tiff", &o, NULL, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "fig.tiff");
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_render_figure(g_r, &it, 1, "fig.svg", &o, NULL, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "shaded");
    tmesh_error_clear(&err);
    const tmesh_render_meta bad = {"bad key", "x"};
    o.meta = &bad;
    o.n_meta = 1;
    assert_int_equal(tmesh_render_figure(g_r, &it, 1, out, &o, NULL, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "'bad key'");
    tmesh_error_clear(&err);
    o.n_meta = 0;
    /* an empty mesh beside a real one is fine; only empty meshes are not */
    tmesh_mesh *empty = NULL;
    assert_int_equal(tmesh_mesh_new(&empty, 0, 0, 0, NULL), TMESH_OK);
    tmesh_render_item two[2] = {TMESH_RENDER_ITEM_INIT, TMESH_RENDER_ITEM_INIT};
    two[0].mesh = empty;
    two[1].mesh = s;
    assert_int_equal(tmesh_render_figure(g_r, two, 2, out, &o, NULL, &err), TMESH_OK);
    assert_int_equal(tmesh_render_figure(g_r, two, 1, out, &o, NULL, &err), TMESH_E_DATA);
    ts_assert_error(err, TMESH_E_DATA, "no triangle");
    tmesh_error_clear(&err);
    tmesh_mesh_free(empty);
    s->xyz[4] = NAN;
    assert_int_equal(tmesh_render_figure(g_r, &it, 1, out, &o, NULL, &err), TMESH_E_DATA);
    ts_assert_error(err, TMESH_E_DATA, "vertex 1 has a non-finite coordinate");
    tmesh_error_clear(&err);
    s->xyz[4] = 0;
    s->tri[5] = 9999;
    assert_int_equal(tmesh_render_figure(g_r, &it, 1, out, &o, NULL, &err), TMESH_E_DATA);
    ts_assert_error(err, TMESH_E_DATA, "vertex 9999");
    free(out);
    tmesh_mesh_free(s);
}

/* ---- renderer fingerprint, PNG decoding, scenes ---- */

static void test_render__fingerprint__report_and_metadata(void **state)
{
    (void)state;
    tmesh_mesh *s = uv_sphere(10, 0, 0, 0, 12, 24);
    tmesh_render_item it = TMESH_RENDER_ITEM_INIT;
    it.mesh = s;
    tmesh_render_opts o = plain_opts(64);
    const tmesh_render_meta meta[] = {{"figure_id", "fig@1"}};
    o.meta = meta;
    o.n_meta = 1;
    tmesh_error err = TMESH_ERROR_INIT;
    tmesh_render_report rep;
    char *out = ts_path(g_dir, "fingerprint.png");
    assert_int_equal(tmesh_render_figure(g_r, &it, 1, out, &o, &rep, &err), TMESH_OK);
    assert_true(rep.fingerprint.vtk_version[0] == '9');
    assert_string_not_equal(rep.fingerprint.gl_vendor, "unknown");
    assert_string_not_equal(rep.fingerprint.gl_renderer, "unknown");
    assert_string_not_equal(rep.fingerprint.gl_version, "unknown");
    char line[600];
    tmesh_render_fingerprint_text(&rep.fingerprint, line, sizeof line);
    assert_true(strncmp(line, "VTK 9", 5) == 0);
    assert_non_null(strstr(line, rep.fingerprint.gl_renderer));
    /* in the metadata after the caller's entries */
    uint8_t *b;
    size_t n;
    assert_int_equal(tmesh_fs_read_all(out, &b, &n, NULL), TMESH_OK);
    char want[300];
    snprintf(want, sizeof want, "<tmesh:renderer_gl_renderer>%s</tmesh:renderer_gl_renderer>",
             rep.fingerprint.gl_renderer);
    assert_non_null(memmem(b, n, want, strlen(want)));
    char *fid = memmem(b, n, "<tmesh:figure_id>", 17),
         *vtk = memmem(b, n, "<tmesh:renderer_vtk>", 20);
    assert_non_null(fid);
    assert_non_null(vtk);
    assert_true(fid < vtk);
    /* decoding gives the pixels read_png gives */
    uint8_t *rgb = NULL;
    unsigned w = 0, h = 0;
    assert_int_equal(tmesh_render_png_decode(&rgb, &w, &h, b, n, &err), TMESH_OK);
    image im = read_png(out);
    assert_int_equal(w, im.w);
    assert_int_equal(h, im.h);
    assert_memory_equal(rgb, im.rgb, (size_t)w * h * 3);
    free(im.rgb);
    free(rgb);
    assert_int_equal(tmesh_render_png_decode(&rgb, &w, &h, b, 20, &err), TMESH_E_DATA);
    ts_assert_error(err, TMESH_E_DATA, "PNG");
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_render_png_decode(&rgb, &w, &h, (const uint8_t *)"GIF89a", 6, &err),
                     TMESH_E_DATA);
    ts_assert_error(err, TMESH_E_DATA, "not a PNG");
    assert_null(rgb);
    free(b);
    free(out);
    tmesh_mesh_free(s);
}

static void test_render__scene__canonical_json_round_trip(void **state)
{
    (void)state;
    tmesh_render_scene_item items[2];
    memset(items, 0, sizeof items);
    snprintf(items[0].asset, sizeof items[0].asset, "skull");
    items[0].version = 3;
    memset(items[0].mesh, 'a', 64);
    memset(items[0].derivation, 'b', 64);
    items[0].color[0] = items[0].color[1] = items[0].color[2] = -1;
    items[0].opacity = -1;
    snprintf(items[1].asset, sizeof items[1].asset, "vessels");
    items[1].version = 1;
    memset(items[1].mesh, 'c', 64);
    items[1].color[0] = 0.8, items[1].color[1] = 0.1, items[1].color[2] = 0.1;
    items[1].opacity = 0.5;
    const tmesh_render_label labels[] = {{"Mandible", {1.5, -2, 30}}};
    const tmesh_render_meta meta[] = {{"project", "atlas"}, {"author", "A. B\xc3\xa4r"}};
    tmesh_render_scene sc;
    memset(&sc, 0, sizeof sc);
    tmesh_render_opts o = TMESH_RENDER_OPTS_INIT;
    o.view = TMESH_VIEW_LEFT;
    o.style = TMESH_STYLE_LINE;
    o.azimuth_deg = 15;
    o.labels = labels;
    o.n_labels = 1;
    o.meta = meta;
    o.n_meta = 2;
    o.title = "Skull \"left\"";
    o.draft = 1;
    sc.opts = o;
    sc.format = TMESH_RENDER_FORMAT_SVG;
    sc.items = items;
    sc.n_items = 2;
    tmesh_error err = TMESH_ERROR_INIT;
    char *a = NULL, *b = NULL;
    assert_int_equal(tmesh_render_scene_encode(&a, &sc, &err), TMESH_OK);
    /* sorted keys, compact */
    assert_true(strncmp(a, "{\"assets\":[{\"asset\":\"skull\",\"color\":[", 34) == 0);
    assert_non_null(strstr(a, "\"schema\":\"tracemesh.scene/1\""));
    assert_non_null(strstr(a, "\"view\":\"left\""));
    assert_non_null(strstr(a, "\"format\":\"svg\""));
    assert_null(strchr(a, '\n'));
    tmesh_render_scene *d = NULL;
    assert_int_equal(tmesh_render_scene_decode(&d, a, strlen(a), &err), TMESH_OK);
    assert_int_equal(d->n_items, 2);
    assert_string_equal(d->items[1].asset, "vessels");
    assert_int_equal(d->items[0].version, 3);
    assert_true(d->items[1].opacity == 0.5);
    assert_true(d->items[1].color[0] == 0.8);
    assert_int_equal(d->opts.view, TMESH_VIEW_LEFT);
    assert_int_equal(d->opts.style, TMESH_STYLE_LINE);
    assert_int_equal(d->format, TMESH_RENDER_FORMAT_SVG);
    assert_true(d->opts.draft);
    assert_string_equal(d->opts.title, "Skull \"left\"");
    assert_int_equal(d->opts.n_labels, 1);
    assert_string_equal(d->opts.labels[0].text, "Mandible");
    assert_true(d->opts.labels[0].at[0] == 1.5);
    assert_int_equal(d->opts.n_meta, 2);
    assert_string_equal(d->opts.meta[0].key, "author"); /* sorted */
    assert_string_equal(d->opts.meta[0].value, "A. B\xc3\xa4r");
    assert_string_equal(d->side_volume, "");
    /* encoding what was decoded gives the same bytes */
    assert_int_equal(tmesh_render_scene_encode(&b, d, &err), TMESH_OK);
    assert_string_equal(a, b);
    tmesh_render_scene_free(d);
    d = NULL;
    free(b);
    b = NULL;
    /* a side-by-side panel: the scan and the iso value (or the label volume) round-trip */
    memset(sc.side_volume, 'e', 64);
    sc.side_iso = 226.5;
    char *c = NULL;
    assert_int_equal(tmesh_render_scene_encode(&c, &sc, &err), TMESH_OK);
    assert_non_null(strstr(c, "\"side\":{\"iso\":226.5,\"labels\":null,\"volume\":\"eeee"));
    assert_int_equal(tmesh_render_scene_decode(&d, c, strlen(c), &err), TMESH_OK);
    assert_true(d->side_iso == 226.5);
    assert_string_equal(d->side_labels, "");
    assert_int_equal(strlen(d->side_volume), 64);
    assert_int_equal(tmesh_render_scene_encode(&b, d, &err), TMESH_OK);
    assert_string_equal(b, c);
    tmesh_render_scene_free(d);
    d = NULL;
    free(c);
    sc.side_volume[0] = '\0';
    /* errors name the member */
    assert_int_equal(tmesh_render_scene_decode(&d, "{}", 2, &err), TMESH_E_DATA);
    ts_assert_error(err, TMESH_E_DATA, "schema");
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_render_scene_decode(&d, "{", 1, &err), TMESH_E_DATA);
    ts_assert_error(err, TMESH_E_DATA, "not JSON");
    tmesh_error_clear(&err);
    char *broken = strdup(a), *v = strstr(broken, "\"left\"");
    memcpy(v, "\"lfet\"", 6);
    assert_int_equal(tmesh_render_scene_decode(&d, broken, strlen(broken), &err), TMESH_E_DATA);
    ts_assert_error(err, TMESH_E_DATA, "'view'");
    tmesh_error_clear(&err);
    assert_null(d);
    sc.format = TMESH_RENDER_FORMAT_AUTO;
    free(b);
    b = NULL;
    assert_int_equal(tmesh_render_scene_encode(&b, &sc, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "format");
    tmesh_error_clear(&err);
    sc.format = TMESH_RENDER_FORMAT_PNG;
    items[1].mesh[0] = '\0';
    assert_int_equal(tmesh_render_scene_encode(&b, &sc, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "item 2");
    assert_null(b);
    free(broken);
    free(a);
}

static void test_render__side__panel_width_and_errors(void **state)
{
    (void)state;
    tmesh_mesh *s = uv_sphere(10, 0, 0, 0, 12, 24);
    tmesh_render_item it = TMESH_RENDER_ITEM_INIT;
    it.mesh = s;
    tmesh_error err = TMESH_ERROR_INIT;
    /* a 24^3 scan of 1 mm voxels centred on the sphere, with the sphere as labels */
    size_t dim[3] = {24, 24, 24};
    tmesh_volume *vol = NULL, *lab = NULL;
    assert_int_equal(tmesh_volume_new(&vol, dim, TMESH_VOXEL_I16, &err), TMESH_OK);
    assert_int_equal(tmesh_volume_new(&lab, dim, TMESH_VOXEL_U8, &err), TMESH_OK);
    for (int a = 0; a < 3; a++) {
        vol->ijk_to_lps[a][a] = lab->ijk_to_lps[a][a] = 1.0;
        vol->ijk_to_lps[a][3] = lab->ijk_to_lps[a][3] = -11.5;
    }
    int16_t *v = vol->data;
    uint8_t *l = lab->data;
    for (size_t k = 0; k < 24; k++)
        for (size_t j = 0; j < 24; j++)
            for (size_t i = 0; i < 24; i++) {
                double x = i - 11.5, y = j - 11.5, z = k - 11.5;
                int in = x * x + y * y + z * z <= 100;
                v[(k * 24 + j) * 24 + i] = in ? 1000 : 0;
                l[(k * 24 + j) * 24 + i] = (uint8_t)in;
            }
    tmesh_render_side side = TMESH_RENDER_SIDE_INIT;
    side.volume = vol;
    side.labels = lab;
    tmesh_render_opts o = plain_opts(80);
    o.width_px = 120;
    o.side = &side;
    tmesh_render_report rep;
    char *png = ts_path(g_dir, "side.png"), *svg = ts_path(g_dir, "side.svg");
    assert_int_equal(tmesh_render_figure(g_r, &it, 1, png, &o, &rep, &err), TMESH_OK);
    assert_int_equal(rep.width_px, 200);
    image im = read_png(png);
    assert_int_equal(im.w, 200);
    assert_int_equal(im.h, 80);
    /* the outline (green) is in the panel, around its centre row */
    size_t green = 0;
    for (unsigned x = 120; x < 200; x++) {
        const uint8_t *p = im.rgb + 3 * ((size_t)40 * im.w + x);
        green += p[1] > 200 && p[0] < 60;
    }
    assert_true(green >= 2);
    free(im.rgb);
    /* the scan alone, outlined at an iso value; a value no voxel reaches is named */
    side.labels = NULL;
    side.iso = 500;
    char *png2 = ts_path(g_dir, "side_iso.png");
    assert_int_equal(tmesh_render_figure(g_r, &it, 1, png2, &o, NULL, &err), TMESH_OK);
    side.iso = 5000;
    assert_int_equal(tmesh_render_figure(g_r, &it, 1, png2, &o, NULL, &err), TMESH_E_DATA);
    ts_assert_error(err, TMESH_E_DATA, "iso value");
    tmesh_error_clear(&err);
    side.labels = lab;
    memset(lab->data, 0, 24 * 24 * 24);
    assert_int_equal(tmesh_render_figure(g_r, &it, 1, png2, &o, NULL, &err), TMESH_E_DATA);
    ts_assert_error(err, TMESH_E_DATA, "label volume is empty");
    tmesh_error_clear(&err);
    o.style = TMESH_STYLE_LINE;
    assert_int_equal(tmesh_render_figure(g_r, &it, 1, svg, &o, NULL, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "PNG only");
    tmesh_error_clear(&err);
    side.volume = NULL;
    o.style = TMESH_STYLE_SHADED;
    assert_int_equal(tmesh_render_figure(g_r, &it, 1, png2, &o, NULL, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "side: volume");
    free(png);
    free(png2);
    free(svg);
    tmesh_volume_free(vol);
    tmesh_volume_free(lab);
    tmesh_mesh_free(s);
}

/* ---- cut-away views and turntables ---- */

static double dot3(const double a[3], const double b[3])
{
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

/* pixels that are not background white; their mean column in *mean_x */
static size_t covered_px(const image *im, double *mean_x, unsigned *max_x)
{
    size_t n = 0;
    double sx = 0;
    unsigned mx = 0;
    for (unsigned y = 0; y < im->h; y++)
        for (unsigned x = 0; x < im->w; x++) {
            const uint8_t *p = im->rgb + 3 * ((size_t)y * im->w + x);
            if (p[0] < 250 || p[1] < 250 || p[2] < 250) {
                n++;
                sx += x;
                if (x > mx)
                    mx = x;
            }
        }
    if (mean_x != NULL)
        *mean_x = n ? sx / (double)n : 0;
    if (max_x != NULL)
        *max_x = mx;
    return n;
}

static void test_render__clip__sphere_half_disc(void **state)
{
    (void)state;
    tmesh_mesh *s = uv_sphere(20, 5, -3, 7, 64, 128);
    tmesh_render_item it = TMESH_RENDER_ITEM_INIT;
    it.mesh = s;
    static const tmesh_render_style STYLES[3] = {TMESH_STYLE_CLINICAL, TMESH_STYLE_SHADED,
                                                 TMESH_STYLE_LINE};
    for (int k = 0; k < 3; k++) {
        tmesh_render_opts o = plain_opts(400);
        o.style = STYLES[k];
        tmesh_render_report rep, rep_cut;
        tmesh_error err = TMESH_ERROR_INIT;
        char *full = ts_path(g_dir, "clip_full.png"), *cut = ts_path(g_dir, "clip_cut.png");
        assert_int_equal(tmesh_render_figure(g_r, &it, 1, full, &o, &rep, &err), TMESH_OK);
        /* the plane L = 5 through the centre; the normal +L removes the patient's left, which
         * the anterior view shows on the viewer's right */
        o.clip = 1;
        o.clip_point[0] = 5, o.clip_point[1] = -3, o.clip_point[2] = 7;
        o.clip_normal[0] = 3; /* any length */
        assert_int_equal(tmesh_render_figure(g_r, &it, 1, cut, &o, &rep_cut, &err), TMESH_OK);
        /* the framing is that of the uncut sphere */
        assert_true(rep_cut.mm_per_px == rep.mm_per_px);
        image a = read_png(full), b = read_png(cut);
        double mx_full, mx_cut;
        unsigned right_cut;
        size_t n_full = covered_px(&a, &mx_full, NULL), n_cut = covered_px(&b, &mx_cut, &right_cut);
        double ratio = (double)n_cut / (double)n_full;
        if (fabs(ratio - 0.5) > 0.02)
            fail_msg("%s: the cut sphere covers %zu of %zu px (%.3f, expected 0.5)",
                     tmesh_render_style_name(STYLES[k]), n_cut, n_full, ratio);
        /* the kept half is on the viewer's left of the centre column (plus the line width) */
        double centre_x = 200.0 + (5.0 - dot3(rep.right, rep.focal)) / rep.mm_per_px;
        if (!(mx_cut < centre_x && right_cut <= centre_x + 6))
            fail_msg("%s: the kept half is not on the viewer's left (mean %.1f, last column %u, "
                     "centre %.1f)",
                     tmesh_render_style_name(STYLES[k]), mx_cut, right_cut, centre_x);
        free(a.rgb);
        free(b.rgb);
        free(full);
        free(cut);
    }
    tmesh_mesh_free(s);
}

/* the stroke paths of an SVG, one point list each, in pixel units */
typedef struct path_list {
    pts *p;
    size_t n;
} path_list;

static void svg_stroke_paths(const char *svg, path_list *out)
{
    memset(out, 0, sizeof *out);
    const char *p = svg;
    while ((p = strstr(p, "<path")) != NULL) {
        const char *end = strchr(p, '>');
        assert_non_null(end);
        size_t len = (size_t)(end - p) + 1;
        char *one = strndup(p, len);
        pts q;
        svg_points(one, "stroke:rgb(10%,10%,10%)", &q);
        free(one);
        if (q.n > 0) {
            out->p = realloc(out->p, (out->n + 1) * sizeof *out->p);
            out->p[out->n++] = q;
        } else {
            free(q.xy);
        }
        p = end;
    }
}

static void path_list_free(path_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->p[i].xy);
    free(l->p);
}

static void test_render__clip__line_art_cut_outline(void **state)
{
    (void)state;
    tmesh_mesh *s = uv_sphere(20, 5, -3, 7, 64, 128);
    tmesh_render_item it = TMESH_RENDER_ITEM_INIT;
    it.mesh = s;
    tmesh_render_opts o = plain_opts(400);
    o.style = TMESH_STYLE_LINE;
    o.dpi = 72; /* SVG units are pixels */
    o.clip = 1;
    o.clip_point[0] = 5, o.clip_point[1] = -3, o.clip_point[2] = 7;
    o.clip_normal[0] = 1;
    tmesh_render_report rep;
    tmesh_error err = TMESH_ERROR_INIT;
    char *out = ts_path(g_dir, "clip_edge_on.svg");
    assert_int_equal(tmesh_render_figure(g_r, &it, 1, out, &o, &rep, &err), TMESH_OK);
    assert_true(rep.n_cut_edges > 0);
    double cx = 200.0 + (5.0 - dot3(rep.right, rep.focal)) / rep.mm_per_px;
    double cy = 200.0 - (7.0 - dot3(rep.up, rep.focal)) / rep.mm_per_px;
    double r_px = 20.0 / rep.mm_per_px;
    char *svg = read_text(out);
    path_list pl;
    svg_stroke_paths(svg, &pl);
    assert_true(pl.n > 0);
    /* no line of the removed half: every point is on the kept side of the cut (plus half a
     * pixel of rasterised depth); the cut outline runs along the cut from top to bottom */
    double top = INFINITY, bottom = -INFINITY;
    for (size_t i = 0; i < pl.n; i++)
        for (size_t j = 0; j < pl.p[i].n; j++) {
            double x = pl.p[i].xy[2 * j], y = pl.p[i].xy[2 * j + 1];
            if (x > cx + 0.5)
                fail_msg("a line point at x %.2f lies in the removed half (cut at %.2f)", x, cx);
            if (x > cx - 1.0) {
                top = fmin(top, y);
                bottom = fmax(bottom, y);
            }
        }
    if (!(top < cy - 0.95 * r_px && bottom > cy + 0.95 * r_px))
        fail_msg("the cut outline spans y %.1f..%.1f, expected %.1f..%.1f", top, bottom, cy - r_px,
                 cy + r_px);
    path_list_free(&pl);
    free(svg);
    free(out);

    /* an oblique plane facing the viewer: the cut outline is a closed ellipse, R/sqrt(2) by R */
    o.clip_normal[0] = 1, o.clip_normal[1] = -1;
    out = ts_path(g_dir, "clip_oblique.svg");
    assert_int_equal(tmesh_render_figure(g_r, &it, 1, out, &o, &rep, &err), TMESH_OK);
    svg = read_text(out);
    svg_stroke_paths(svg, &pl);
    int found = 0;
    for (size_t i = 0; i < pl.n && !found; i++) {
        const pts *q = &pl.p[i];
        double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
        for (size_t j = 0; j < q->n; j++) {
            x0 = fmin(x0, q->xy[2 * j]), x1 = fmax(x1, q->xy[2 * j]);
            y0 = fmin(y0, q->xy[2 * j + 1]), y1 = fmax(y1, q->xy[2 * j + 1]);
        }
        int closed = q->n > 3 &&
                     hypot(q->xy[0] - q->xy[2 * q->n - 2], q->xy[1] - q->xy[2 * q->n - 1]) < 1e-6;
        found = closed && fabs((x1 - x0) - 2 * r_px / sqrt(2.0)) < 0.03 * r_px &&
                fabs((y1 - y0) - 2 * r_px) < 0.03 * r_px && fabs(0.5 * (x0 + x1) - cx) < 1.0;
    }
    if (!found)
        fail_msg("no closed cut outline of %.1f x %.1f px around x %.1f among %zu paths",
                 2 * r_px / sqrt(2.0), 2 * r_px, cx, pl.n);
    path_list_free(&pl);
    free(svg);
    free(out);
    tmesh_mesh_free(s);
}

static void test_render__turn__marker_moves_to_the_other_side(void **state)
{
    (void)state;
    marker mk;
    marker_make(&mk);
    /* frame 0 is the plain figure; 180 degrees shows the posterior view, 90 the right view */
    static const double TURN[3] = {0, 180, 90};
    static const int AS_VIEW[3] = {TMESH_VIEW_ANTERIOR, TMESH_VIEW_POSTERIOR, TMESH_VIEW_RIGHT};
    for (int k = 0; k < 3; k++) {
        tmesh_render_opts o = plain_opts(300);
        o.style = TMESH_STYLE_CLINICAL;
        o.turn_deg = TURN[k];
        tmesh_error err = TMESH_ERROR_INIT;
        char *out = ts_path(g_dir, "turn.png");
        assert_int_equal(tmesh_render_figure(g_r, mk.items, 3, out, &o, NULL, &err), TMESH_OK);
        image im = read_png(out);
        double sum[3][2] = {{0}}, cnt[3] = {0};
        for (unsigned y = 0; y < im.h; y++)
            for (unsigned x = 0; x < im.w; x++) {
                const uint8_t *p = im.rgb + 3 * ((size_t)y * im.w + x);
                int r = p[0], g = p[1], b = p[2], cls = -1;
                if (r > 40 && r > 2 * g + 10 && r > 2 * b + 10)
                    cls = 1;
                else if (g > 40 && g > 2 * r + 10 && g > 2 * b + 10)
                    cls = 2;
                else if (abs(r - g) < 8 && abs(g - b) < 8 && r < 240 && r > 20)
                    cls = 0;
                if (cls < 0)
                    continue;
                sum[cls][0] += x;
                sum[cls][1] += -(double)y;
                cnt[cls]++;
            }
        for (int c = 0; c < 3; c++)
            if (cnt[c] > 0) {
                sum[c][0] /= cnt[c];
                sum[c][1] /= cnt[c];
            }
        check_signs("turn", AS_VIEW[k], sum[1], sum[2], sum[0]);
        if (k == 0) { /* the plain figure, pixel for pixel */
            tmesh_render_opts p = plain_opts(300);
            p.style = TMESH_STYLE_CLINICAL;
            char *plain = ts_path(g_dir, "turn_plain.png");
            assert_int_equal(tmesh_render_figure(g_r, mk.items, 3, plain, &p, NULL, &err),
                             TMESH_OK);
            image pi = read_png(plain);
            assert_memory_equal(pi.rgb, im.rgb, (size_t)im.w * im.h * 3);
            free(pi.rgb);
            free(plain);
        }
        free(im.rgb);
        free(out);
    }
    marker_free(&mk);
}

static void test_render__clip__bad_values_named(void **state)
{
    (void)state;
    tmesh_mesh *s = uv_sphere(10, 0, 0, 0, 8, 16);
    tmesh_render_item it = TMESH_RENDER_ITEM_INIT;
    it.mesh = s;
    tmesh_render_opts o = plain_opts(64);
    tmesh_error err = TMESH_ERROR_INIT;
    o.clip = 1; /* normal left at zero */
    assert_int_equal(tmesh_render_figure(g_r, &it, 1, "x.png", &o, NULL, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "clip_normal is zero");
    tmesh_error_clear(&err);
    o.clip_normal[2] = NAN;
    assert_int_equal(tmesh_render_figure(g_r, &it, 1, "x.png", &o, NULL, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "clip_normal");
    tmesh_error_clear(&err);
    o.clip_normal[2] = 1;
    o.clip_point[0] = INFINITY;
    assert_int_equal(tmesh_render_figure(g_r, &it, 1, "x.png", &o, NULL, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "clip_point");
    tmesh_error_clear(&err);
    o.clip = 0;
    o.turn_deg = 361;
    assert_int_equal(tmesh_render_figure(g_r, &it, 1, "x.png", &o, NULL, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "turn_deg");
    tmesh_mesh_free(s);
}

static void test_render__scene__clip_and_turn_round_trip(void **state)
{
    (void)state;
    tmesh_render_scene_item item;
    memset(&item, 0, sizeof item);
    snprintf(item.asset, sizeof item.asset, "skull");
    item.version = 2;
    memset(item.mesh, 'a', 64);
    item.color[0] = item.color[1] = item.color[2] = -1;
    item.opacity = -1;
    tmesh_render_scene sc;
    memset(&sc, 0, sizeof sc);
    tmesh_render_opts o = TMESH_RENDER_OPTS_INIT;
    sc.opts = o;
    sc.format = TMESH_RENDER_FORMAT_PNG;
    sc.items = &item;
    sc.n_items = 1;
    tmesh_error err = TMESH_ERROR_INIT;
    char *plain = NULL, *a = NULL, *b = NULL;
    /* without a clip or a turn the members are absent: older scenes keep their bytes */
    assert_int_equal(tmesh_render_scene_encode(&plain, &sc, &err), TMESH_OK);
    assert_null(strstr(plain, "\"clip\""));
    assert_null(strstr(plain, "\"turn_deg\""));
    sc.opts.clip = 1;
    sc.opts.clip_point[0] = 1.5, sc.opts.clip_point[1] = -2, sc.opts.clip_point[2] = 30;
    sc.opts.clip_normal[0] = 0, sc.opts.clip_normal[1] = 0.6, sc.opts.clip_normal[2] = -0.8;
    sc.opts.turn_deg = 45;
    assert_int_equal(tmesh_render_scene_encode(&a, &sc, &err), TMESH_OK);
    assert_non_null(strstr(a, "\"clip\":{\"normal\":[0.0,0.59999999999999998,-0.80000000000000004],"
                              "\"point\":[1.5,-2.0,30.0]}"));
    assert_non_null(strstr(a, "\"turn_deg\":45.0"));
    tmesh_render_scene *d = NULL;
    assert_int_equal(tmesh_render_scene_decode(&d, a, strlen(a), &err), TMESH_OK);
    assert_true(d->opts.clip);
    assert_true(d->opts.clip_point[2] == 30 && d->opts.clip_normal[1] == 0.6);
    assert_true(d->opts.turn_deg == 45);
    assert_int_equal(tmesh_render_scene_encode(&b, d, &err), TMESH_OK);
    assert_string_equal(a, b);
    tmesh_render_scene_free(d);
    d = NULL;
    /* an old scene decodes without a clip */
    assert_int_equal(tmesh_render_scene_decode(&d, plain, strlen(plain), &err), TMESH_OK);
    assert_false(d->opts.clip);
    assert_true(d->opts.turn_deg == 0);
    tmesh_render_scene_free(d);
    d = NULL;
    /* a malformed clip is named */
    const char *bad = "\"clip\":{\"normal\":[0.0,0.59999999999999998],";
    char *p = strstr(a, "\"clip\":{\"normal\":[0.0,0.59999999999999998,-0.80000000000000004],");
    assert_non_null(p);
    size_t pre = (size_t)(p - a), cut = strlen("\"clip\":{\"normal\":[0.0,0.59999999999999998,"
                                               "-0.80000000000000004],");
    char *c = malloc(strlen(a) + 1);
    snprintf(c, strlen(a) + 1, "%.*s%s%s", (int)pre, a, bad, p + cut);
    assert_int_equal(tmesh_render_scene_decode(&d, c, strlen(c), &err), TMESH_E_DATA);
    ts_assert_error(err, TMESH_E_DATA, "'clip'");
    free(c);
    free(plain);
    free(a);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render__display__xvfb_started_and_stopped),
        cmocka_unit_test(test_render__display__missing_xvfb_is_named),
        cmocka_unit_test(test_render__display__no_display_and_no_xvfb),
        cmocka_unit_test(test_render__sphere__covers_projected_disc),
        cmocka_unit_test(test_render__sphere__perspective_disc),
        cmocka_unit_test(test_render__camera__azimuth_turns_named_views),
        cmocka_unit_test(test_render__styles__ghost_shows_inner),
        cmocka_unit_test(test_render__marker__correct_side_png),
        cmocka_unit_test(test_render__marker__correct_side_svg),
        cmocka_unit_test(test_render__png__byte_identical_twice),
        cmocka_unit_test(test_render__png__metadata_round_trips),
        cmocka_unit_test(test_render__draft__mark_exactly_when_asked),
        cmocka_unit_test(test_render__svg__valid_xml_paths_no_image),
        cmocka_unit_test(test_render__torus__both_silhouettes_no_far_side),
        cmocka_unit_test(test_render__errors__named),
        cmocka_unit_test(test_render__fingerprint__report_and_metadata),
        cmocka_unit_test(test_render__scene__canonical_json_round_trip),
        cmocka_unit_test(test_render__side__panel_width_and_errors),
        cmocka_unit_test(test_render__clip__sphere_half_disc),
        cmocka_unit_test(test_render__clip__line_art_cut_outline),
        cmocka_unit_test(test_render__clip__bad_values_named),
        cmocka_unit_test(test_render__turn__marker_moves_to_the_other_side),
        cmocka_unit_test(test_render__scene__clip_and_turn_round_trip),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
