/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Vector line art from geometry: silhouette edges (one neighbour faces the viewer, the other
 * away), creases (dihedral angle above a threshold) and open boundaries of each mesh, with the
 * hidden parts removed against the depth buffer of the same VTK render, chained into polylines
 * and simplified (Douglas-Peucker) to a tolerance far under the printed line width. A clipping
 * plane keeps the lines of one side and adds the cut outline where it crosses each mesh.
 */
#define _POSIX_C_SOURCE 200809L
#include "render_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RENDER_PI 3.14159265358979323846
#define KEY_UNIQUE (1ull << 63)

typedef struct edge_rec {
    uint32_t lo, hi, tri, k; /* k: the edge's place in its triangle, 0..2 */
} edge_rec;

/* chain keys: a mesh vertex, a point on a mesh edge (smooth contours, cut outline), or
 * unique */
#define KEY_EDGE (1ull << 62)
#define KEY_CUT (1ull << 61)
static uint64_t vertex_key(size_t mesh, uint32_t v)
{
    return ((uint64_t)mesh << 40) | v;
}
static uint64_t edge_key(size_t mesh, size_t e)
{
    return KEY_EDGE | ((uint64_t)mesh << 40) | e;
}

static int cmp_edge(const void *a, const void *b)
{
    const edge_rec *x = a, *y = b;
    if (x->lo != y->lo)
        return x->lo < y->lo ? -1 : 1;
    if (x->hi != y->hi)
        return x->hi < y->hi ? -1 : 1;
    return (x->tri > y->tri) - (x->tri < y->tri);
}

typedef struct piece {
    uint64_t key[2];
    double xy[2][2];
    int heavy;
} piece;

typedef struct piece_list {
    piece *p;
    size_t n, cap;
} piece_list;

static int push_piece(piece_list *l, const piece *p)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 1024;
        piece *q = realloc(l->p, cap * sizeof *q);
        if (q == NULL)
            return -1;
        l->p = q;
        l->cap = cap;
    }
    l->p[l->n++] = *p;
    return 0;
}

void render__lines_free(render__lines *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->lines[i].xy);
    free(l->lines);
    memset(l, 0, sizeof *l);
}

/* Linear depth (mm in front of the camera) of every pixel, from window depth through VTK's
 * projection matrix; background (depth 1) is infinitely far. Then the 3x3 maximum, so that a
 * line point counts as visible when any neighbouring pixel shows a surface at or behind it:
 * silhouettes sit exactly where the surface turns away. */
static float *depth_max3(const render__frame *f, const float *z)
{
    size_t n = (size_t)f->w * f->h;
    float *lin = malloc(n * sizeof *lin), *out = malloc(n * sizeof *out);
    if (lin == NULL || out == NULL) {
        free(lin);
        free(out);
        return NULL;
    }
    const double(*P)[4] = (const double(*)[4])f->proj;
    for (size_t i = 0; i < n; i++) {
        if (z[i] >= 1.0f) {
            lin[i] = INFINITY;
            continue;
        }
        double zn = 2.0 * z[i] - 1.0;
        double ze = (P[2][3] - zn * P[3][3]) / (zn * P[3][2] - P[2][2]);
        lin[i] = (float)(-ze);
    }
    int w = (int)f->w, h = (int)f->h;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            float m = -INFINITY;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    int xx = x + dx, yy = y + dy;
                    if (xx < 0 || yy < 0 || xx >= w || yy >= h) {
                        m = INFINITY;
                        continue;
                    }
                    float v = lin[(size_t)yy * w + xx];
                    if (v > m)
                        m = v;
                }
            out[(size_t)y * w + x] = m;
        }
    free(lin);
    return out;
}

/* depth buffer lookup at pixel coordinates (x right, y down) */
static int visible_at(const render__frame *f, const float *dmax, double x, double y, double d,
                      double eps)
{
    if (!(x >= 0 && y >= 0 && x < f->w && y < f->h))
        return 0;
    size_t ix = (size_t)x, iy = f->h - 1 - (size_t)y;
    return d <= dmax[iy * f->w + ix] + eps;
}

/* Split edge a-b into visible runs of samples at most half a pixel apart. */
static int edge_pieces(piece_list *out, const render__frame *f, const float *dmax, double eps,
                       const double a[3], const double b[3], uint64_t ka, uint64_t kb, int heavy,
                       uint64_t *unique)
{
    double pa[3], pb[3];
    render__project(f, a, pa);
    render__project(f, b, pb);
    double len = hypot(pb[0] - pa[0], pb[1] - pa[1]);
    size_t ns = (size_t)ceil(len / 0.5) + 1;
    if (ns < 2)
        ns = 2;
    if (ns > 100000)
        ns = 100000;
    long run0 = -1;
    double first[2] = {0, 0}, last[2] = {0, 0};
    for (size_t k = 0; k <= ns; k++) {
        int vis = 0;
        double q[3];
        if (k < ns) {
            double t = (double)k / (double)(ns - 1), p[3];
            for (int i = 0; i < 3; i++)
                p[i] = a[i] + t * (b[i] - a[i]);
            render__project(f, p, q);
            vis = visible_at(f, dmax, q[0], q[1], q[2], eps);
        }
        if (vis) {
            if (run0 < 0) {
                run0 = (long)k;
                first[0] = q[0], first[1] = q[1];
            }
            last[0] = q[0], last[1] = q[1];
        } else if (run0 >= 0) {
            size_t k1 = k - 1;
            if (k1 > (size_t)run0) {
                piece pc;
                pc.heavy = heavy;
                pc.key[0] = run0 == 0 ? ka : (KEY_UNIQUE | (*unique)++);
                pc.key[1] = k1 == ns - 1 ? kb : (KEY_UNIQUE | (*unique)++);
                pc.xy[0][0] = first[0], pc.xy[0][1] = first[1];
                pc.xy[1][0] = last[0], pc.xy[1][1] = last[1];
                if (push_piece(out, &pc) != 0)
                    return -1;
            }
            run0 = -1;
        }
    }
    return 0;
}

/* Signed distance of p from the clipping plane: positive on the removed side. */
static double clip_dist(const render__line_opts *o, const double p[3])
{
    return (p[0] - o->clip_point[0]) * o->clip_normal[0] +
           (p[1] - o->clip_point[1]) * o->clip_normal[1] +
           (p[2] - o->clip_point[2]) * o->clip_normal[2];
}

/* edge_pieces for the part of a-b on the kept side of the clipping plane (all of it without a
 * plane); an end moved onto the plane gets a unique key, so it joins nothing. */
static int kept_pieces(piece_list *out, const render__frame *f, const float *dmax, double eps,
                       const render__line_opts *o, const double a[3], const double b[3],
                       uint64_t ka, uint64_t kb, int heavy, uint64_t *unique)
{
    if (!o->clip)
        return edge_pieces(out, f, dmax, eps, a, b, ka, kb, heavy, unique);
    double sa = clip_dist(o, a), sb = clip_dist(o, b);
    if (sa > 0 && sb > 0)
        return 0;
    if (sa <= 0 && sb <= 0)
        return edge_pieces(out, f, dmax, eps, a, b, ka, kb, heavy, unique);
    double t = sa / (sa - sb), c[3];
    for (int i = 0; i < 3; i++)
        c[i] = a[i] + t * (b[i] - a[i]);
    if (sa <= 0)
        return edge_pieces(out, f, dmax, eps, a, c, ka, KEY_UNIQUE | (*unique)++, heavy, unique);
    return edge_pieces(out, f, dmax, eps, c, b, KEY_UNIQUE | (*unique)++, kb, heavy, unique);
}

typedef struct end_rec {
    uint64_t key;
    uint32_t piece;
    uint8_t end, heavy;
} end_rec;

static int cmp_end(const void *a, const void *b)
{
    const end_rec *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    if (x->heavy != y->heavy)
        return x->heavy < y->heavy ? -1 : 1;
    if (x->piece != y->piece)
        return x->piece < y->piece ? -1 : 1;
    return (int)x->end - (int)y->end;
}

/* Douglas-Peucker on xy[0..n), in place; returns the new count. */
static size_t simplify(double *xy, size_t n, double tol, unsigned char *keep, size_t *stack)
{
    if (n <= 2)
        return n;
    memset(keep, 0, n);
    keep[0] = keep[n - 1] = 1;
    size_t sp = 0;
    stack[sp++] = 0;
    stack[sp++] = n - 1;
    while (sp > 0) {
        size_t j = stack[--sp], i = stack[--sp];
        double ax = xy[2 * i], ay = xy[2 * i + 1], bx = xy[2 * j], by = xy[2 * j + 1];
        double dx = bx - ax, dy = by - ay, l2 = dx * dx + dy * dy;
        double best = -1;
        size_t bi = i;
        for (size_t k = i + 1; k < j; k++) {
            double px = xy[2 * k] - ax, py = xy[2 * k + 1] - ay, d;
            if (l2 > 0) {
                double t = (px * dx + py * dy) / l2;
                t = t < 0 ? 0 : t > 1 ? 1 : t;
                d = hypot(px - t * dx, py - t * dy);
            } else {
                d = hypot(px, py);
            }
            if (d > best) {
                best = d;
                bi = k;
            }
        }
        if (best > tol) {
            keep[bi] = 1;
            stack[sp++] = i;
            stack[sp++] = bi;
            stack[sp++] = bi;
            stack[sp++] = j;
        }
    }
    size_t m = 0;
    for (size_t k = 0; k < n; k++)
        if (keep[k]) {
            xy[2 * m] = xy[2 * k];
            xy[2 * m + 1] = xy[2 * k + 1];
            m++;
        }
    return m;
}

static tmesh_status chain(render__lines *out, const piece_list *pl, double tol, double min_len,
                          tmesh_error *err)
{
    size_t n = pl->n;
    if (n == 0)
        return TMESH_OK;
    if (n > UINT32_MAX / 2)
        return tmesh_error_set(err, TMESH_E_NOMEM, "too many line pieces (%zu)", n);
    end_rec *ends = malloc(2 * n * sizeof *ends);
    int64_t *link = malloc(2 * n * sizeof *link); /* (piece*2+end) of the joined end, or -1 */
    unsigned char *used = calloc(n, 1);
    double *buf = NULL;
    unsigned char *keep = NULL;
    size_t *stack = NULL;
    tmesh_status st = TMESH_OK;
    if (ends == NULL || link == NULL || used == NULL) {
        st = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory chaining lines");
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        for (int e = 0; e < 2; e++) {
            ends[2 * i + e].key = pl->p[i].key[e];
            ends[2 * i + e].piece = (uint32_t)i;
            ends[2 * i + e].end = (uint8_t)e;
            ends[2 * i + e].heavy = (uint8_t)pl->p[i].heavy;
            link[2 * i + e] = -1;
        }
    qsort(ends, 2 * n, sizeof *ends, cmp_end);
    /* join exactly two ends of the same class at a vertex; a junction ends the polylines */
    for (size_t i = 0; i < 2 * n;) {
        size_t j = i;
        while (j < 2 * n && ends[j].key == ends[i].key && ends[j].heavy == ends[i].heavy)
            j++;
        if (j - i == 2 && ends[i].piece != ends[i + 1].piece) {
            size_t a = 2 * (size_t)ends[i].piece + ends[i].end;
            size_t b = 2 * (size_t)ends[i + 1].piece + ends[i + 1].end;
            link[a] = (int64_t)b;
            link[b] = (int64_t)a;
        }
        i = j;
    }
    buf = malloc(2 * (n + 1) * sizeof *buf);
    keep = malloc(n + 1);
    stack = malloc(4 * (n + 1) * sizeof *stack);
    if (buf == NULL || keep == NULL || stack == NULL) {
        st = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory chaining lines");
        goto done;
    }
    /* open chains first (from an unjoined end), then closed loops */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < n; i++) {
            if (used[i])
                continue;
            int start_end;
            if (pass == 0) {
                if (link[2 * i] < 0)
                    start_end = 0;
                else if (link[2 * i + 1] < 0)
                    start_end = 1;
                else
                    continue;
            } else {
                start_end = 0;
            }
            size_t m = 0, p = i;
            int e = start_end;
            buf[m * 2] = pl->p[p].xy[e][0], buf[m * 2 + 1] = pl->p[p].xy[e][1], m++;
            for (;;) {
                used[p] = 1;
                int oe = 1 - e;
                buf[m * 2] = pl->p[p].xy[oe][0], buf[m * 2 + 1] = pl->p[p].xy[oe][1], m++;
                int64_t nx = link[2 * p + oe];
                if (nx < 0 || used[nx / 2])
                    break;
                p = (size_t)(nx / 2);
                e = (int)(nx % 2);
            }
            /* ticks shorter than min_len (about a point) are depth-test noise at the rim
             * of a surface, not features a reader could see */
            double len = 0;
            for (size_t k = 1; k < m; k++)
                len += hypot(buf[2 * k] - buf[2 * k - 2], buf[2 * k + 1] - buf[2 * k - 1]);
            if (len < min_len)
                continue;
            m = simplify(buf, m, tol, keep, stack);
            if (out->n == out->cap) {
                size_t cap = out->cap ? 2 * out->cap : 64;
                render__polyline *q = realloc(out->lines, cap * sizeof *q);
                if (q == NULL) {
                    st = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory chaining lines");
                    goto done;
                }
                out->lines = q;
                out->cap = cap;
            }
            render__polyline *pl_out = &out->lines[out->n];
            pl_out->heavy = pl->p[i].heavy;
            pl_out->n = m;
            pl_out->xy = malloc(2 * m * sizeof(double));
            if (pl_out->xy == NULL) {
                st = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory chaining lines");
                goto done;
            }
            memcpy(pl_out->xy, buf, 2 * m * sizeof(double));
            out->n++;
            out->n_points += m;
        }
done:
    free(ends);
    free(link);
    free(used);
    free(buf);
    free(keep);
    free(stack);
    return st;
}

/*
 * The feature lines of one mesh.
 *
 * Silhouettes: where the surface is smooth (no vertex touches a crease or a boundary), the
 * contour is interpolated inside the triangles from the vertex normals (the zero set of
 * n(v) . view direction, crossing each edge once), which gives smooth curves instead of the
 * zig-zag chains of polygon edges that a finely tessellated surface shows; next to creases and
 * boundaries the exact polygon silhouette (edges between a front- and a back-facing triangle)
 * is used. Creases: edges whose dihedral angle exceeds the threshold and that border a
 * front-facing triangle. Boundaries: edges of one triangle (or of three or more).
 */
static tmesh_status mesh_lines(render__lines *out, piece_list *pl, const tmesh_mesh *m, size_t mi,
                               const render__frame *f, const float *dmax, double eps,
                               double cos_crease, const render__line_opts *o, uint64_t *unique,
                               tmesh_error *err)
{
    size_t nt = m->n_triangles, nv = m->n_vertices;
    double *fn = malloc((nt + 1) * 3 * sizeof *fn);
    signed char *facing = malloc(nt + 1);
    edge_rec *er = malloc((3 * nt + 1) * sizeof *er);
    size_t *tri_edge = malloc((3 * nt + 1) * sizeof *tri_edge); /* (t, k) -> edge group */
    unsigned char *sharp = calloc(nv + 1, 1);
    double *g = malloc((nv + 1) * sizeof *g);
    double *vn = m->normals ? NULL : calloc(3 * nv + 1, sizeof *vn);
    tmesh_status st = TMESH_OK;
    if (fn == NULL || facing == NULL || er == NULL || tri_edge == NULL || sharp == NULL ||
        g == NULL || (m->normals == NULL && vn == NULL)) {
        st = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for feature edges");
        goto done;
    }
    for (size_t t = 0; t < nt; t++) {
        const uint32_t *v = m->tri + 3 * t;
        const float *a = m->xyz + 3 * (size_t)v[0], *b = m->xyz + 3 * (size_t)v[1],
                    *c = m->xyz + 3 * (size_t)v[2];
        double u[3] = {(double)b[0] - a[0], (double)b[1] - a[1], (double)b[2] - a[2]};
        double w[3] = {(double)c[0] - a[0], (double)c[1] - a[1], (double)c[2] - a[2]};
        double *nn = fn + 3 * t;
        nn[0] = u[1] * w[2] - u[2] * w[1];
        nn[1] = u[2] * w[0] - u[0] * w[2];
        nn[2] = u[0] * w[1] - u[1] * w[0];
        if (vn != NULL) /* area-weighted vertex normals, as the shaded styles use */
            for (int k = 0; k < 3; k++)
                for (int i = 0; i < 3; i++)
                    vn[3 * (size_t)v[k] + i] += nn[i];
        double len = sqrt(nn[0] * nn[0] + nn[1] * nn[1] + nn[2] * nn[2]);
        if (len > 0)
            for (int i = 0; i < 3; i++)
                nn[i] /= len;
        double dir[3];
        for (int i = 0; i < 3; i++)
            dir[i] = f->parallel ? f->fwd[i] : ((double)a[i] + b[i] + c[i]) / 3.0 - f->position[i];
        double d = nn[0] * dir[0] + nn[1] * dir[1] + nn[2] * dir[2];
        facing[t] = len == 0 ? -1 : d < 0 ? 1 : 0; /* 1 front, 0 back, -1 degenerate */
        for (int k = 0; k < 3; k++) {
            uint32_t p = v[k], q = v[(k + 1) % 3];
            er[3 * t + k].lo = p < q ? p : q;
            er[3 * t + k].hi = p < q ? q : p;
            er[3 * t + k].tri = (uint32_t)t;
            er[3 * t + k].k = (uint32_t)k;
        }
    }
    /* g(v) = n(v) . view direction: negative where the smooth surface faces the viewer */
    for (size_t v = 0; v < nv; v++) {
        double n[3], dir[3];
        for (int i = 0; i < 3; i++) {
            n[i] = m->normals ? m->normals[3 * v + i] : vn[3 * v + i];
            dir[i] = f->parallel ? f->fwd[i] : (double)m->xyz[3 * v + i] - f->position[i];
        }
        g[v] = n[0] * dir[0] + n[1] * dir[1] + n[2] * dir[2];
    }
    qsort(er, 3 * nt, sizeof *er, cmp_edge);
    /* pass 1: groups, sharp vertices */
    size_t n_groups = 0;
    for (size_t i = 0; i < 3 * nt;) {
        size_t j = i;
        while (j < 3 * nt && er[j].lo == er[i].lo && er[j].hi == er[i].hi)
            j++;
        int is_sharp = j - i != 2;
        if (!is_sharp) {
            const double *n1 = fn + 3 * (size_t)er[i].tri, *n2 = fn + 3 * (size_t)er[i + 1].tri;
            is_sharp = n1[0] * n2[0] + n1[1] * n2[1] + n1[2] * n2[2] < cos_crease;
        }
        if (is_sharp)
            sharp[er[i].lo] = sharp[er[i].hi] = 1;
        for (size_t k = i; k < j; k++)
            tri_edge[3 * (size_t)er[k].tri + er[k].k] = n_groups;
        n_groups++;
        i = j;
    }
#define SMOOTH_TRI(t)                                                                              \
    (!sharp[m->tri[3 * (size_t)(t)]] && !sharp[m->tri[3 * (size_t)(t) + 1]] &&                     \
     !sharp[m->tri[3 * (size_t)(t) + 2]])
    /* pass 2: polygon edges (boundaries, creases, silhouettes next to sharp vertices) */
    for (size_t i = 0; i < 3 * nt && st == TMESH_OK;) {
        size_t j = i;
        while (j < 3 * nt && er[j].lo == er[i].lo && er[j].hi == er[i].hi)
            j++;
        int heavy = -1;
        if (j - i == 1 || j - i > 2) {
            heavy = 1; /* open boundary or non-manifold edge */
            out->n_boundary++;
        } else {
            int f1 = facing[er[i].tri], f2 = facing[er[i + 1].tri];
            const double *n1 = fn + 3 * (size_t)er[i].tri, *n2 = fn + 3 * (size_t)er[i + 1].tri;
            int crease = n1[0] * n2[0] + n1[1] * n2[1] + n1[2] * n2[2] < cos_crease;
            if (f1 >= 0 && f2 >= 0 && f1 != f2 &&
                (crease || !SMOOTH_TRI(er[i].tri) || !SMOOTH_TRI(er[i + 1].tri))) {
                heavy = 1;
                out->n_silhouette++;
            } else if (crease && (f1 == 1 || f2 == 1)) {
                heavy = 0;
                out->n_crease++;
            }
        }
        if (heavy >= 0) {
            const float *a = m->xyz + 3 * (size_t)er[i].lo, *b = m->xyz + 3 * (size_t)er[i].hi;
            double pa[3] = {a[0], a[1], a[2]}, pb[3] = {b[0], b[1], b[2]};
            if (kept_pieces(pl, f, dmax, eps, o, pa, pb, vertex_key(mi, er[i].lo),
                            vertex_key(mi, er[i].hi), heavy, unique) != 0)
                st = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for line pieces");
        }
        i = j;
    }
    /* pass 3: smooth contours through the smooth triangles; a vertex with g = 0 counts as
     * facing away, so every edge is crossed at most once and chains close up */
    for (size_t t = 0; t < nt && st == TMESH_OK; t++) {
        if (!SMOOTH_TRI(t))
            continue;
        const uint32_t *v = m->tri + 3 * t;
        int s[3];
        for (int k = 0; k < 3; k++)
            s[k] = g[v[k]] >= 0;
        if (s[0] == s[1] && s[1] == s[2])
            continue;
        double p[2][3];
        uint64_t key[2];
        int n = 0;
        for (int k = 0; k < 3 && n < 2; k++) {
            uint32_t a = v[k], b = v[(k + 1) % 3];
            if (s[k] == s[(k + 1) % 3])
                continue;
            double ga = g[a], gb = g[b], tt = ga / (ga - gb);
            /* interpolate from the lower vertex id, so both triangles of the edge agree */
            if (a > b) {
                uint32_t x = a;
                a = b;
                b = x;
                tt = 1.0 - tt;
            }
            for (int i = 0; i < 3; i++)
                p[n][i] = m->xyz[3 * (size_t)a + i] +
                          tt * ((double)m->xyz[3 * (size_t)b + i] - m->xyz[3 * (size_t)a + i]);
            key[n] = edge_key(mi, tri_edge[3 * t + k]);
            n++;
        }
        if (n != 2)
            continue;
        out->n_silhouette++;
        if (kept_pieces(pl, f, dmax, eps, o, p[0], p[1], key[0], key[1], 1, unique) != 0)
            st = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for line pieces");
    }
#undef SMOOTH_TRI
    /* pass 4: the cut outline, through every triangle with vertices on both sides of the
     * clipping plane (a vertex on the plane counts as kept, so each such triangle is crossed
     * on exactly two edges); points are keyed by the edge, so the outline chains into loops */
    for (size_t t = 0; o->clip && t < nt && st == TMESH_OK; t++) {
        const uint32_t *v = m->tri + 3 * t;
        double s[3];
        for (int k = 0; k < 3; k++) {
            double q[3] = {m->xyz[3 * (size_t)v[k]], m->xyz[3 * (size_t)v[k] + 1],
                           m->xyz[3 * (size_t)v[k] + 2]};
            s[k] = clip_dist(o, q);
        }
        int above = (s[0] > 0) + (s[1] > 0) + (s[2] > 0);
        if (above == 0 || above == 3)
            continue;
        double p[2][3];
        uint64_t key[2];
        int n = 0;
        for (int k = 0; k < 3 && n < 2; k++) {
            int k1 = (k + 1) % 3;
            if ((s[k] > 0) == (s[k1] > 0))
                continue;
            uint32_t a = v[k], b = v[k1];
            double sa = s[k], sb = s[k1];
            if (a > b) { /* from the lower vertex id, so both triangles of the edge agree */
                uint32_t x = a;
                a = b;
                b = x;
                double y = sa;
                sa = sb;
                sb = y;
            }
            double tt = sa / (sa - sb);
            for (int i = 0; i < 3; i++)
                p[n][i] = m->xyz[3 * (size_t)a + i] +
                          tt * ((double)m->xyz[3 * (size_t)b + i] - m->xyz[3 * (size_t)a + i]);
            key[n] = KEY_CUT | ((uint64_t)mi << 40) | tri_edge[3 * t + k];
            n++;
        }
        if (n != 2)
            continue;
        out->n_cut++;
        if (edge_pieces(pl, f, dmax, eps, p[0], p[1], key[0], key[1], 2, unique) != 0)
            st = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for line pieces");
    }
done:
    free(fn);
    free(facing);
    free(er);
    free(tri_edge);
    free(sharp);
    free(g);
    free(vn);
    return st;
}

tmesh_status render__feature_lines(render__lines *out, const tmesh_mesh *const *meshes,
                                   size_t n_meshes, const render__frame *f, const float *z,
                                   const render__line_opts *o, tmesh_error *err)
{
    memset(out, 0, sizeof *out);
    float *dmax = depth_max3(f, z);
    if (dmax == NULL)
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for the depth buffer");
    /* a surface point is behind another when deeper by more than this: two and a half pixels
     * of depth cover the slope of a surface seen obliquely within the 3x3 neighbourhood, and
     * 0.2 % of the scene covers the facets near a silhouette, which the rasteriser may draw
     * slightly in front of the silhouette edge itself (a fine raster would otherwise break
     * silhouettes into dashes) */
    double eps = 2.5 * f->mm_per_px + 0.002 * o->extent_mm;
    double cos_crease = cos(o->crease_deg * RENDER_PI / 180.0);
    piece_list pl = {NULL, 0, 0};
    uint64_t unique = 0;
    tmesh_status st = TMESH_OK;
    for (size_t mi = 0; mi < n_meshes && st == TMESH_OK; mi++) {
        st = mesh_lines(out, &pl, meshes[mi], mi, f, dmax, eps, cos_crease, o, &unique, err);
    }
    free(dmax);
    if (st == TMESH_OK)
        st = chain(out, &pl, o->simplify_px, o->min_len_px, err);
    free(pl.p);
    if (st != TMESH_OK)
        render__lines_free(out);
    return st;
}
