/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The marching-cubes case table, derived here from first principles rather than copied. For
 * each of the 256 inside/outside corner patterns we cut every cube face into inside and
 * outside parts with oriented segments, chain the segments into closed loops, and triangulate
 * each loop with a minimum-weight triangulation. The loops also tell SurfaceNets how many
 * separate sheets cross a cell and which cut edge belongs to which. The ambiguous face (two
 * diagonal inside corners) is always cut so that the inside corners are separated: the decision
 * depends on the face alone, so the two cubes sharing a face agree and the surface is watertight
 * and manifold (inside is 6-connected, outside 18-connected across faces).
 */
#include "mesh_int.h"

#include <math.h>
#include <string.h>

/* Edge joining corners a and b (which differ in exactly one bit). */
static int edge_of(int a, int b)
{
    int d = a ^ b, axis = d == 1 ? 0 : d == 2 ? 1 : 2;
    int u = axis == 0 ? 1 : 0, v = axis == 2 ? 1 : 2; /* the other two axes, increasing */
    int bu = (a >> u) & 1, bv = (a >> v) & 1;
    return axis * 4 + bu + 2 * bv;
}

static void corner_pos(int c, double p[3])
{
    p[0] = c & 1;
    p[1] = (c >> 1) & 1;
    p[2] = (c >> 2) & 1;
}

static void edge_mid(int e, double p[3])
{
    int axis = e / 4, u = axis == 0 ? 1 : 0, v = axis == 2 ? 1 : 2;
    p[axis] = 0.5;
    p[u] = e & 1;
    p[v] = (e >> 1) & 1;
}

static void cross3(const double a[3], const double b[3], double o[3])
{
    o[0] = a[1] * b[2] - a[2] * b[1];
    o[1] = a[2] * b[0] - a[0] * b[2];
    o[2] = a[0] * b[1] - a[1] * b[0];
}

/* Add segment between edges ea and eb, oriented so that travelling along it the surface patch
 * (which has outward normal d_out and lies inside the cube, along -n_face) is on the left:
 * direction d_out x n_face. */
static void add_segment(int next[12], int ea, int eb, const double d_out[3], const double n[3])
{
    double pa[3], pb[3], t[3];
    edge_mid(ea, pa);
    edge_mid(eb, pb);
    cross3(d_out, n, t);
    double dot = (pb[0] - pa[0]) * t[0] + (pb[1] - pa[1]) * t[1] + (pb[2] - pa[2]) * t[2];
    TMESH_ASSERT(dot != 0.0);
    if (dot > 0)
        next[ea] = eb;
    else
        next[eb] = ea;
}

/* All three edge midpoints on one cube face: such a triangle would lie in the face. */
static int on_one_face(int a, int b, int c)
{
    double p[3][3];
    edge_mid(a, p[0]);
    edge_mid(b, p[1]);
    edge_mid(c, p[2]);
    for (int ax = 0; ax < 3; ax++)
        for (int s = 0; s < 2; s++)
            if (p[0][ax] == s && p[1][ax] == s && p[2][ax] == s)
                return 1;
    return 0;
}

/* Two edge midpoints on one cube face. A loop diagonal between them could also be chosen by
 * the cube on the other side of that face, giving an edge of four triangles. */
static int share_face(int a, int b)
{
    double p[3], q[3];
    edge_mid(a, p);
    edge_mid(b, q);
    for (int ax = 0; ax < 3; ax++)
        if (p[ax] == q[ax] && p[ax] != 0.5)
            return 1;
    return 0;
}

static double dist(int a, int b)
{
    double p[3], q[3];
    edge_mid(a, p);
    edge_mid(b, q);
    return sqrt((p[0] - q[0]) * (p[0] - q[0]) + (p[1] - q[1]) * (p[1] - q[1]) +
                (p[2] - q[2]) * (p[2] - q[2]));
}

/* Minimum-weight triangulation of loop[0..n) (perimeter sum, plus a large penalty for a
 * triangle lying in a cube face); triangles keep the loop's orientation. */
static int triangulate(const int *loop, int n, uint8_t *out)
{
    double cost[12][12];
    int split[12][12];
    for (int gap = 1; gap < n; gap++) {
        for (int i = 0; i + gap < n; i++) {
            int j = i + gap;
            if (gap == 1) {
                cost[i][j] = 0;
                split[i][j] = -1;
                continue;
            }
            cost[i][j] = INFINITY;
            for (int k = i + 1; k < j; k++) {
                double w = dist(loop[i], loop[k]) + dist(loop[k], loop[j]) + dist(loop[j], loop[i]);
                if (on_one_face(loop[i], loop[k], loop[j]))
                    w += 1000.0;
                if (k - i >= 2 && share_face(loop[i], loop[k]))
                    w += 100.0;
                if (j - k >= 2 && share_face(loop[k], loop[j]))
                    w += 100.0;
                if (j - i >= 2 && !(i == 0 && j == n - 1) && share_face(loop[i], loop[j]))
                    w += 100.0;
                double c = cost[i][k] + cost[k][j] + w;
                if (c < cost[i][j] - 1e-12) { /* first minimum wins: deterministic */
                    cost[i][j] = c;
                    split[i][j] = k;
                }
            }
        }
    }
    /* Emit triangles with an explicit stack (depth at most n). */
    int stack[24][2], sp = 0, nt = 0;
    stack[sp][0] = 0;
    stack[sp][1] = n - 1;
    sp++;
    while (sp > 0) {
        sp--;
        int i = stack[sp][0], j = stack[sp][1];
        if (j - i < 2)
            continue;
        int k = split[i][j];
        out[3 * nt + 0] = (uint8_t)loop[i];
        out[3 * nt + 1] = (uint8_t)loop[k];
        out[3 * nt + 2] = (uint8_t)loop[j];
        nt++;
        stack[sp][0] = i;
        stack[sp][1] = k;
        sp++;
        stack[sp][0] = k;
        stack[sp][1] = j;
        sp++;
    }
    return nt;
}

static void build_case(int cs, uint8_t *n_tri, uint8_t *edges, uint8_t *n_loops, int8_t *edge_loop,
                       int8_t *edge_next, int8_t *edge_prev)
{
    int next[12];
    for (int e = 0; e < 12; e++)
        next[e] = -1;
    for (int axis = 0; axis < 3; axis++) {
        int u = axis == 0 ? 1 : 0, v = axis == 2 ? 1 : 2;
        for (int side = 0; side < 2; side++) {
            double n[3] = {0, 0, 0};
            n[axis] = side ? 1.0 : -1.0;
            /* Corners in cyclic order around the face. */
            int q[4];
            q[0] = side << axis;
            q[1] = q[0] | (1 << u);
            q[2] = q[0] | (1 << u) | (1 << v);
            q[3] = q[0] | (1 << v);
            int in[4], n_in = 0;
            for (int i = 0; i < 4; i++) {
                in[i] = (cs >> q[i]) & 1;
                n_in += in[i];
            }
            if (n_in == 0 || n_in == 4)
                continue;
            double ctr[3] = {0, 0, 0}, cp[4][3];
            for (int i = 0; i < 4; i++) {
                corner_pos(q[i], cp[i]);
                for (int a = 0; a < 3; a++)
                    ctr[a] += 0.25 * cp[i][a];
            }
            if (n_in == 2 && in[0] == in[2]) {
                /* Ambiguous face: cut off each inside corner separately. */
                for (int i = 0; i < 4; i++) {
                    if (!in[i])
                        continue;
                    int ea = edge_of(q[i], q[(i + 3) % 4]), eb = edge_of(q[i], q[(i + 1) % 4]);
                    double d[3] = {ctr[0] - cp[i][0], ctr[1] - cp[i][1], ctr[2] - cp[i][2]};
                    add_segment(next, ea, eb, d, n);
                }
                continue;
            }
            int cut[2], nc = 0;
            double mi[3] = {0, 0, 0}, mo[3] = {0, 0, 0};
            for (int i = 0; i < 4; i++) {
                int j = (i + 1) % 4;
                if (in[i] != in[j])
                    cut[nc++] = edge_of(q[i], q[j]);
                for (int a = 0; a < 3; a++) {
                    if (in[i])
                        mi[a] += cp[i][a] / n_in;
                    else
                        mo[a] += cp[i][a] / (4 - n_in);
                }
            }
            TMESH_ASSERT(nc == 2);
            double d[3] = {mo[0] - mi[0], mo[1] - mi[1], mo[2] - mi[2]};
            add_segment(next, cut[0], cut[1], d, n);
        }
    }
    int visited[12] = {0}, nt = 0, nl = 0;
    for (int e = 0; e < 12; e++)
        edge_loop[e] = -1;
    for (int e0 = 0; e0 < 12; e0++) {
        if (next[e0] < 0 || visited[e0])
            continue;
        int loop[12], n = 0, e = e0;
        do {
            TMESH_ASSERT(n < 12 && next[e] >= 0);
            visited[e] = 1;
            edge_loop[e] = (int8_t)nl;
            loop[n++] = e;
            e = next[e];
        } while (e != e0);
        nl++;
        TMESH_ASSERT(n >= 3);
        nt += triangulate(loop, n, edges + 3 * nt);
        TMESH_ASSERT(nt <= TMESH_MC_MAX_TRI);
    }
    *n_tri = (uint8_t)nt;
    *n_loops = (uint8_t)nl;
    for (int e = 0; e < 12; e++)
        edge_next[e] = edge_prev[e] = -1;
    for (int e = 0; e < 12; e++)
        if (next[e] >= 0) {
            edge_next[e] = (int8_t)next[e];
            edge_prev[next[e]] = (int8_t)e;
        }
}

void tmesh_mesh__mc_build_table(tmesh_mesh__mc_table *t)
{
    memset(t, 0, sizeof *t);
    for (int cs = 0; cs < 256; cs++)
        build_case(cs, &t->n_tri[cs], t->edges[cs], &t->n_loops[cs], t->edge_loop[cs],
                   t->edge_next[cs], t->edge_prev[cs]);
}
