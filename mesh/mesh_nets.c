/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SurfaceNets: the dual of marching cubes. Every cell the surface crosses gets one vertex per
 * separate sheet through it (the loops of its marching-cubes case; one vertex per cell for
 * multi-label data) at the mean of that sheet's edge crossings, and the four cells around every
 * crossed edge are joined by a quad (two triangles, split along the shorter diagonal) facing from
 * inside to outside. Pass one makes the vertices of each slab of cells; vertex ids follow slab
 * order; pass two makes the quads of each slab's edges using the cell->vertex lists of its own and
 * the previous layer. Slabs are fixed-size, so the output does not depend on the thread count.
 * Splitting the vertex per sheet removes plain SurfaceNets' pinches (two sheets through one
 * vertex). Where one sheet crosses a cube face twice (an ambiguous face) and the sheet of the cell
 * on the other side does too, the two cells' vertices would be joined across that face twice (a
 * dual edge of four triangles: non-manifold). The lower cell's vertex is then split in two, each
 * owning one arc of the sheet's loop so that the two crossings of the face belong to different
 * vertices; the quads at the two edges where the arcs meet become pentagons (fanned from the
 * vertex of the cell opposite across the edge), which keeps the surface closed and manifold.
 * When two cells around one edge are split, the polygon (6 to 8 corners) is fanned from a new
 * vertex at its centre, so no diagonal can repeat an edge of a neighbouring polygon.
 */
#include "mesh_int.h"

#include <math.h>
#include <string.h>

#define SLAB 16

typedef struct nets_slab {
    tmesh_mesh__buf xyz;   /* 3 floats per vertex                        */
    tmesh_mesh__buf cell;  /* size_t: cell index within its layer (cj*C0+ci) */
    tmesh_mesh__buf vcase; /* uint8: the vertex's label's marching-cubes case in its cell */
    tmesh_mesh__buf vlab;  /* uint16: the vertex's label (binary data: 1)              */
    tmesh_mesh__buf vseg;  /* uint16: bit e set when the vertex owns the loop segment
                              from cut edge e to edge_next[e] (all of its loop's edges
                              unless the sheet was split)                           */
    size_t *layer_start;   /* SLAB+1 offsets into the slab's vertex list    */
    tmesh_mesh__buf tri;   /* 3 uint32, global ids                          */
    tmesh_mesh__buf tlab;  /* uint16 label per triangle (multi-label mode)   */
    tmesh_mesh__buf extra; /* 3 floats per centre vertex made in pass two; triangles name
                              them as NETS_EXTRA | index until they are renumbered     */
} nets_slab;

#define NETS_EXTRA 0x80000000u

typedef struct nets_job {
    const tmesh_mesh__grid *g;
    const tmesh_mesh__mc_table *table;
    const uint16_t *glab; /* label of every vertex, all slabs (pass two)  */
    const uint8_t *gcase; /* case of every vertex's label in its cell     */
    const uint16_t *gseg; /* loop segments every vertex owns              */
    nets_slab *slabs;
    size_t n_slabs;
    size_t *voff;
    int flip;
} nets_job;

static double cross_t(const tmesh_mesh__grid *g, float va, uint8_t sa, float vb, uint8_t sb)
{
    if (sa == 2 || sb == 2)
        return 0.5;
    double t = (g->iso - (double)va) / ((double)vb - (double)va);
    return t < 0.0 ? 0.0 : t > 1.0 ? 1.0 : t;
}

/* What the surface separates: inside/outside, or the label itself in multi-label mode. */
static uint32_t key(const tmesh_mesh__grid *g, float v, uint8_t st)
{
    if (st == 2)
        return 0;
    return g->label_mode == 3 ? (uint32_t)v : st;
}

/* Edge e's position (0 or 1) on axis w, or -1 when e runs along w (mesh_int.h numbering). */
static int edge_coord(int e, int w)
{
    int a = e >> 2;
    if (a == w)
        return -1;
    return w == (a == 0 ? 1 : 0) ? (e & 1) : ((e >> 1) & 1);
}

/* Whether the four edges of cube face (w, side) are all cut and all in one loop of case cs. */
static int face_one_loop(const tmesh_mesh__mc_table *tb, unsigned cs, int w, int side)
{
    int loop = -2;
    for (int e = 0; e < 12; e++) {
        if (edge_coord(e, w) != side)
            continue;
        int l = tb->edge_loop[cs][e];
        if (l < 0 || (loop != -2 && l != loop))
            return 0;
        loop = l;
    }
    return 1;
}

/* Axis of the cube face holding both edges a and b (they are consecutive on a loop). */
static int segment_face(int a, int b)
{
    for (int w = 0; w < 3; w++)
        if (edge_coord(a, w) >= 0 && edge_coord(a, w) == edge_coord(b, w))
            return w;
    TMESH_ASSERT(0 && "loop segment outside one face");
    return 0;
}

/* Split loop `l` of case cs into two arcs of segments such that, for every axis w in
 * `double_faces` (bit w), the loop's two segments on face (w, 1) fall in different arcs. On
 * success fills the two segment masks (bit = segment start edge) and returns 1. Of the valid
 * cuts the most even one is taken (first in loop order on ties), so the result depends only
 * on the case. */
static int split_loop(const tmesh_mesh__mc_table *tb, unsigned cs, int l, unsigned double_faces,
                      uint16_t mask_out[2])
{
    int loop[12], n = 0, e0 = -1;
    for (int e = 0; e < 12 && e0 < 0; e++)
        if (tb->edge_loop[cs][e] == l)
            e0 = e;
    if (e0 < 0)
        return 0;
    int e = e0;
    do {
        loop[n++] = e;
        e = tb->edge_next[cs][e];
    } while (e != e0 && n < 12);
    int seg_face[12]; /* axis of the + face the segment lies on, or -1 */
    for (int i = 0; i < n; i++) {
        int a = loop[i], b = loop[(i + 1) % n], w = segment_face(a, b);
        seg_face[i] = (double_faces >> w & 1) && edge_coord(a, w) == 1 ? w : -1;
    }
    int best_p = -1, best_q = -1, best = -1;
    for (int p = 0; p < n; p++)
        for (int q = p + 1; q < n; q++) {
            int ok = 1;
            for (int w = 0; w < 3 && ok; w++) {
                if (!(double_faces >> w & 1))
                    continue;
                int in1 = 0, in2 = 0;
                for (int i = 0; i < n; i++)
                    if (seg_face[i] == w)
                        *(i >= p && i < q ? &in1 : &in2) += 1;
                ok = in1 == 1 && in2 == 1;
            }
            int even = q - p < n - (q - p) ? q - p : n - (q - p);
            if (ok && even > best) {
                best = even;
                best_p = p;
                best_q = q;
            }
        }
    if (best < 0)
        return 0;
    mask_out[0] = mask_out[1] = 0;
    for (int i = 0; i < n; i++)
        mask_out[i >= best_p && i < best_q ? 0 : 1] |= (uint16_t)(1u << loop[i]);
    return 1;
}

static tmesh_status nets_vertices(size_t index, void *user, tmesh_error *err)
{
    nets_job *job = user;
    const tmesh_mesh__grid *g = job->g;
    nets_slab *s = &job->slabs[index];
    size_t p0 = g->n[0] + 2, p1 = g->n[1] + 2, plane = p0 * p1, ncl = g->n[2] + 1;
    size_t c0 = index * SLAB, c1 = c0 + SLAB < ncl ? c0 + SLAB : ncl;
    /* Three sample layers: the cell's two and the next, for the cell above (+z). */
    float *val[3] = {malloc(plane * sizeof(float)), malloc(plane * sizeof(float)),
                     malloc(plane * sizeof(float))};
    uint8_t *st[3] = {malloc(plane), malloc(plane), malloc(plane)};
    s->layer_start = calloc(SLAB + 1, sizeof(size_t));
    tmesh_status rc = TMESH_OK;
    if (!val[0] || !val[1] || !val[2] || !st[0] || !st[1] || !st[2] || !s->layer_start)
        goto nomem;
    tmesh_mesh__load_layer(g, c0, val[c0 % 3], st[c0 % 3]);
    tmesh_mesh__load_layer(g, c0 + 1, val[(c0 + 1) % 3], st[(c0 + 1) % 3]);
    for (size_t c = c0; c < c1; c++) {
        int a = (int)(c % 3), b = (int)((c + 1) % 3), a2 = (int)((c + 2) % 3);
        int have_up = c + 1 < ncl;
        if (have_up)
            tmesh_mesh__load_layer(g, c + 2, val[a2], st[a2]);
        s->layer_start[c - c0] = s->xyz.len;
        for (size_t pj = 0; pj + 1 < p1; pj++)
            for (size_t pi = 0; pi + 1 < p0; pi++) {
                size_t o = pj * p0 + pi;
                size_t off[4] = {o, o + 1, o + p0, o + p0 + 1};
                const float *vl[2] = {val[a], val[b]};
                const uint8_t *sl[2] = {st[a], st[b]};
                uint32_t k[8];
                int mixed = 0;
                for (int q = 0; q < 8; q++) {
                    k[q] = key(g, vl[q >> 2][off[q & 3]], sl[q >> 2][off[q & 3]]);
                    mixed |= k[q] != k[0];
                }
                if (!mixed)
                    continue;
                /* Crossing point of every crossed edge of the cell (cell-local coordinates). */
                double pe[12][3], mean[3] = {0, 0, 0};
                int crossed = 0;
                for (int q = 0; q < 8; q++)
                    for (int ax = 0; ax < 3; ax++) {
                        if (q & (1 << ax))
                            continue;
                        int r = q | (1 << ax);
                        if (k[q] == k[r])
                            continue;
                        int e = ax == 0   ? ((q >> 1) & 1) + 2 * ((q >> 2) & 1)
                                : ax == 1 ? 4 + (q & 1) + 2 * ((q >> 2) & 1)
                                          : 8 + (q & 1) + 2 * ((q >> 1) & 1);
                        double t = g->label_mode == 3
                                       ? 0.5
                                       : cross_t(g, vl[q >> 2][off[q & 3]], sl[q >> 2][off[q & 3]],
                                                 vl[r >> 2][off[r & 3]], sl[r >> 2][off[r & 3]]);
                        pe[e][0] = (double)(q & 1);
                        pe[e][1] = (double)((q >> 1) & 1);
                        pe[e][2] = (double)((q >> 2) & 1);
                        pe[e][ax] += t;
                        for (int d = 0; d < 3; d++)
                            mean[d] += pe[e][d];
                        crossed++;
                    }
                for (int d = 0; d < 3; d++)
                    mean[d] /= crossed;
                /* One vertex per separate sheet of each label in the cell (the loops of the
                 * label's own marching-cubes case), so every label's surface is the dual of its
                 * MC surface and as manifold. Binary data has the one label "inside". In
                 * multi-label data a label with a single sheet here sits at the mean of all
                 * crossings of the cell, which every label shares, so touching labels meet on
                 * identical positions. */
                uint32_t labs[8];
                int nlab = 0;
                if (g->label_mode != 3) {
                    labs[nlab++] = 1;
                } else {
                    for (int q = 0; q < 8; q++) {
                        if (k[q] == 0)
                            continue;
                        int dup = 0, at = nlab;
                        for (int i = 0; i < nlab; i++)
                            dup |= labs[i] == k[q];
                        if (dup)
                            continue;
                        while (at > 0 && labs[at - 1] > k[q]) {
                            labs[at] = labs[at - 1];
                            at--;
                        }
                        labs[at] = k[q];
                        nlab++;
                    }
                }
                for (int li = 0; li < nlab; li++) {
                    const tmesh_mesh__mc_table *tb = job->table;
                    unsigned cs = 0;
                    for (int q = 0; q < 8; q++)
                        cs |= (unsigned)(k[q] == labs[li]) << q;
                    unsigned nl = tb->n_loops[cs];
                    /* Ambiguous + faces crossed by one sheet here and by one sheet in the
                     * neighbouring cell too (its case for the same label). */
                    unsigned dbl_faces = 0;
                    for (int w = 0; w < 3; w++) {
                        if (!face_one_loop(tb, cs, w, 1))
                            continue;
                        if ((w == 0 && pi + 2 >= p0) || (w == 1 && pj + 2 >= p1) ||
                            (w == 2 && !have_up))
                            continue;
                        unsigned ncs = 0;
                        for (int q = 0; q < 8; q++) {
                            size_t ii = pi + (size_t)(q & 1) + (w == 0);
                            size_t jj = pj + (size_t)((q >> 1) & 1) + (w == 1);
                            int layer = (q >> 2) + (w == 2);
                            int slot = layer == 0 ? a : layer == 1 ? b : a2;
                            size_t at = jj * p0 + ii;
                            ncs |= (unsigned)(key(g, val[slot][at], st[slot][at]) == labs[li])
                                   << q;
                        }
                        if (face_one_loop(tb, ncs, w, 0))
                            dbl_faces |= 1u << w;
                    }
                    if (tmesh_mesh__buf_reserve(&s->xyz, 3 * sizeof(float), nl + 1) != 0 ||
                        tmesh_mesh__buf_reserve(&s->cell, sizeof(size_t), nl + 1) != 0 ||
                        tmesh_mesh__buf_reserve(&s->vcase, 1, nl + 1) != 0 ||
                        tmesh_mesh__buf_reserve(&s->vlab, sizeof(uint16_t), nl + 1) != 0 ||
                        tmesh_mesh__buf_reserve(&s->vseg, sizeof(uint16_t), nl + 1) != 0)
                        goto nomem;
                    for (unsigned l = 0; l < nl; l++) {
                        uint16_t masks[2] = {0, 0};
                        int parts = 1;
                        for (int e = 0; e < 12; e++)
                            if (tb->edge_loop[cs][e] == (int)l)
                                masks[0] |= (uint16_t)(1u << e);
                        unsigned here = 0; /* double faces this loop crosses */
                        for (int w = 0; w < 3; w++)
                            for (int e = 0; e < 12; e++)
                                if ((dbl_faces >> w & 1) && edge_coord(e, w) == 1 &&
                                    tb->edge_loop[cs][e] == (int)l)
                                    here |= 1u << w;
                        if (here != 0 && nl + 1 <= 8 && split_loop(tb, cs, (int)l, here, masks))
                            parts = 2;
                        for (int part = 0; part < parts; part++) {
                            double p[3] = {0, 0, 0};
                            if (g->label_mode == 3 && nl == 1 && parts == 1) {
                                memcpy(p, mean, sizeof p);
                            } else {
                                /* Mean of the crossings on the part's segments. */
                                uint16_t used = 0;
                                for (int e = 0; e < 12; e++)
                                    if (masks[part] >> e & 1)
                                        used |= (uint16_t)(1u << e | 1u << tb->edge_next[cs][e]);
                                int n = 0;
                                for (int e = 0; e < 12; e++)
                                    if (used >> e & 1) {
                                        for (int d = 0; d < 3; d++)
                                            p[d] += pe[e][d];
                                        n++;
                                    }
                                for (int d = 0; d < 3; d++)
                                    p[d] /= n;
                            }
                            if (tmesh_mesh__buf_reserve(&s->xyz, 3 * sizeof(float), 1) != 0 ||
                                tmesh_mesh__buf_reserve(&s->cell, sizeof(size_t), 1) != 0 ||
                                tmesh_mesh__buf_reserve(&s->vcase, 1, 1) != 0 ||
                                tmesh_mesh__buf_reserve(&s->vlab, sizeof(uint16_t), 1) != 0 ||
                                tmesh_mesh__buf_reserve(&s->vseg, sizeof(uint16_t), 1) != 0)
                                goto nomem;
                            tmesh_mesh__grid_to_lps(g, (double)pi + p[0], (double)pj + p[1],
                                                    (double)c + p[2],
                                                    (float *)s->xyz.data + 3 * s->xyz.len);
                            ((size_t *)s->cell.data)[s->cell.len++] = o;
                            ((uint8_t *)s->vcase.data)[s->vcase.len++] = (uint8_t)cs;
                            ((uint16_t *)s->vlab.data)[s->vlab.len++] = (uint16_t)labs[li];
                            ((uint16_t *)s->vseg.data)[s->vseg.len++] = masks[part];
                            s->xyz.len++;
                        }
                    }
                }
            }
    }
    s->layer_start[c1 - c0] = s->xyz.len;
    goto done;
nomem:
    rc = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory in surface nets slab %zu", index);
done:
    for (int i = 0; i < 3; i++) {
        free(val[i]);
        free(st[i]);
    }
    return rc;
}

/* Fill map (one entry per cell of a layer) with the global id of the first vertex of each
 * active cell of cell layer c, and cnt with the number of its vertices. */
static void fill_map(const nets_job *job, size_t c, uint32_t *map, uint8_t *cnt)
{
    size_t s = c / SLAB, l = c % SLAB;
    const nets_slab *ns = &job->slabs[s];
    const size_t *cells = ns->cell.data;
    for (size_t v = ns->layer_start[l]; v < ns->layer_start[l + 1]; v++)
        if (v == ns->layer_start[l] || cells[v] != cells[v - 1]) {
            map[cells[v]] = (uint32_t)(job->voff[s] + v);
            cnt[cells[v]] = 1;
        } else {
            cnt[cells[v]]++;
        }
}

/* The vertex of `label`'s sheet through edge e of the cell whose vertices are
 * first .. first + n - 1 (labels ascending, each label's sheets in loop order), on the side of
 * the cell's face normal to axis w that holds e: the owner of the sheet's segment on that face
 * (a split sheet has two vertices; an unsplit one owns every segment of its loop). */
static uint32_t sheet_vertex(const nets_job *job, uint32_t first, unsigned n, unsigned e, int w,
                             uint32_t label)
{
    for (uint32_t v = first; v < first + n; v++)
        if (job->glab[v] == label) {
            unsigned cs = job->gcase[v];
            int nx = job->table->edge_next[cs][e];
            int seg = edge_coord(nx, w) == edge_coord((int)e, w) ? (int)e
                                                                 : job->table->edge_prev[cs][e];
            for (uint32_t u = v; u < first + n && job->glab[u] == label; u++)
                if (job->gseg[u] >> seg & 1)
                    return u;
            break;
        }
    TMESH_ASSERT(0 && "crossed edge without a sheet");
    return first;
}

static float d2(const float *a, const float *b)
{
    float x = a[0] - b[0], y = a[1] - b[1], z = a[2] - b[2];
    return x * x + y * y + z * z;
}

static int emit_quad(nets_job *job, nets_slab *s, uint32_t q0, uint32_t q1, uint32_t q2,
                     uint32_t q3, int outward_positive, uint32_t label)
{
    if (tmesh_mesh__buf_reserve(&s->tlab, sizeof(uint16_t), 2) != 0)
        return -1;
    ((uint16_t *)s->tlab.data)[s->tlab.len++] = (uint16_t)label;
    ((uint16_t *)s->tlab.data)[s->tlab.len++] = (uint16_t)label;
    uint32_t v[4] = {q0, q1, q2, q3};
    if (!outward_positive) {
        v[1] = q3;
        v[3] = q1;
    }
    if (tmesh_mesh__buf_reserve(&s->tri, 3 * sizeof(uint32_t), 2) != 0)
        return -1;
    /* Split along the shorter diagonal; the positions are final here (vertices of all slabs
     * were made in pass one), so the choice is the same at any thread count. */
    const float *xyz[4];
    for (int i = 0; i < 4; i++) {
        size_t sl = 0;
        while (sl + 1 < job->n_slabs && job->voff[sl + 1] <= v[i])
            sl++;
        xyz[i] = (const float *)job->slabs[sl].xyz.data + 3 * (v[i] - job->voff[sl]);
    }
    uint32_t t[6];
    if (d2(xyz[0], xyz[2]) <= d2(xyz[1], xyz[3])) {
        uint32_t tt[6] = {v[0], v[1], v[2], v[0], v[2], v[3]};
        memcpy(t, tt, sizeof t);
    } else {
        uint32_t tt[6] = {v[0], v[1], v[3], v[1], v[2], v[3]};
        memcpy(t, tt, sizeof t);
    }
    if (job->flip)
        for (int k = 0; k < 2; k++) {
            uint32_t x = t[3 * k + 1];
            t[3 * k + 1] = t[3 * k + 2];
            t[3 * k + 2] = x;
        }
    memcpy((uint32_t *)s->tri.data + 3 * s->tri.len, t, sizeof t);
    s->tri.len += 2;
    return 0;
}

/* A polygon around one crossed edge where a split sheet adds vertices (5 to 8 corners, cell
 * position 0..3 of each): fanned from the vertex of an unsplit cell opposite a split one, whose
 * diagonals are new edges (the two cells share only the crossed edge). */
static const float *vertex_xyz(const nets_job *job, uint32_t v)
{
    size_t sl = 0;
    while (sl + 1 < job->n_slabs && job->voff[sl + 1] <= v)
        sl++;
    return (const float *)job->slabs[sl].xyz.data + 3 * (v - job->voff[sl]);
}

static int emit_poly(nets_job *job, nets_slab *s, const uint32_t *pv, const int *pcell, int n,
                     int outward_positive, uint32_t label)
{
    uint32_t v[9];
    int cell[8];
    for (int i = 0; i < n; i++) {
        int k = outward_positive || i == 0 ? i : n - i;
        v[i] = pv[k];
        cell[i] = pcell[k];
    }
    int count[4] = {0, 0, 0, 0}, apex = 0;
    for (int i = 0; i < n; i++)
        count[cell[i]]++;
    for (int i = 0; i < n; i++)
        if (count[cell[i]] == 1 && count[(cell[i] + 2) % 4] == 2) {
            apex = i;
            break;
        }
    if (tmesh_mesh__buf_reserve(&s->tlab, sizeof(uint16_t), (size_t)n) != 0 ||
        tmesh_mesh__buf_reserve(&s->tri, 3 * sizeof(uint32_t), (size_t)n) != 0)
        return -1;
    int ring = n, centre = 0;
    if (n > 5) {
        /* Fan around a new centre vertex: a triangle on every polygon side. */
        if (tmesh_mesh__buf_reserve(&s->extra, 3 * sizeof(float), 1) != 0 ||
            s->extra.len >= NETS_EXTRA)
            return -1;
        double c[3] = {0, 0, 0};
        for (int i = 0; i < n; i++) {
            const float *p = vertex_xyz(job, v[i]);
            for (int d = 0; d < 3; d++)
                c[d] += p[d];
        }
        float *dst = (float *)s->extra.data + 3 * s->extra.len;
        for (int d = 0; d < 3; d++)
            dst[d] = (float)(c[d] / n);
        v[n] = NETS_EXTRA | (uint32_t)s->extra.len++;
        centre = 1;
    }
    int nt = centre ? ring : ring - 2;
    for (int i = 0; i < nt; i++) {
        uint32_t t[3];
        if (centre) {
            t[0] = v[ring], t[1] = v[i], t[2] = v[(i + 1) % ring];
        } else {
            t[0] = v[apex], t[1] = v[(apex + i + 1) % ring], t[2] = v[(apex + i + 2) % ring];
        }
        if (job->flip) {
            uint32_t x = t[1];
            t[1] = t[2];
            t[2] = x;
        }
        memcpy((uint32_t *)s->tri.data + 3 * s->tri.len, t, sizeof t);
        s->tri.len++;
        ((uint16_t *)s->tlab.data)[s->tlab.len++] = (uint16_t)label;
    }
    return 0;
}

/* Vertex of cell `cell` of map layer `ml` for label L's sheet through its edge `e`, on the side
 * of the cell's face normal to axis w. */
#define V(ml, cell, e, w) sheet_vertex(job, map[ml][cell], cmap[ml][cell], e, w, L)

static tmesh_status nets_quads(size_t index, void *user, tmesh_error *err)
{
    nets_job *job = user;
    const tmesh_mesh__grid *g = job->g;
    nets_slab *s = &job->slabs[index];
    size_t p0 = g->n[0] + 2, p1 = g->n[1] + 2, plane = p0 * p1, ncl = g->n[2] + 1;
    size_t c0 = index * SLAB, c1 = c0 + SLAB < ncl ? c0 + SLAB : ncl;
    float *val[2] = {malloc(plane * sizeof(float)), malloc(plane * sizeof(float))};
    uint8_t *st[2] = {malloc(plane), malloc(plane)};
    uint32_t *map[2] = {malloc(plane * 4), malloc(plane * 4)}; /* cell layers c-1 and c */
    uint8_t *cmap[2] = {malloc(plane), malloc(plane)};
    tmesh_status rc = TMESH_OK;
    if (!val[0] || !val[1] || !st[0] || !st[1] || !map[0] || !map[1] || !cmap[0] || !cmap[1])
        goto nomem;
    for (size_t c = c0; c < c1; c++) {
        /* Sample layers c (cur) and c+1 (up); cell layers c-1 (below) and c (here). */
        tmesh_mesh__load_layer(g, c, val[0], st[0]);
        tmesh_mesh__load_layer(g, c + 1, val[1], st[1]);
        if (c > 0)
            fill_map(job, c - 1, map[0], cmap[0]);
        fill_map(job, c, map[1], cmap[1]);
        const uint8_t *cur = st[0], *up = st[1];
        const float *cv = val[0], *uv = val[1];
        for (size_t pj = 0; pj < p1; pj++)
            for (size_t pi = 0; pi < p0; pi++) {
                size_t o = pj * p0 + pi;
                uint32_t ka = key(g, cv[o], cur[o]);
                /* The three edges from sample (pi, pj, c) towards +x, +y, +z; each crossed edge
                 * gives a quad for the label on each side (binary: the inside only). A crossed
                 * edge always has a real sample at one end, so its four cells exist. */
                for (int ax = 0; ax < 3; ax++) {
                    uint32_t kb;
                    if (ax == 0) {
                        if (pi + 1 >= p0)
                            continue;
                        kb = key(g, cv[o + 1], cur[o + 1]);
                    } else if (ax == 1) {
                        if (pj + 1 >= p1)
                            continue;
                        kb = key(g, cv[o + p0], cur[o + p0]);
                    } else {
                        kb = key(g, uv[o], up[o]);
                    }
                    if (ka == kb)
                        continue;
                    /* Binary: the inside side only; multi-label: every non-zero side. */
                    for (int side = 0; side < 2; side++) {
                        uint32_t L = side == 0 ? ka : kb;
                        if (L == 0 || (g->label_mode != 3 && L != 1))
                            continue;
                        /* The four cells around the edge in cyclic order; for each, the
                         * vertex on the face towards the previous cell and the one towards
                         * the next (the same vertex unless the cell's sheet was split). */
                        static const int wprev[3][4] = {{2, 1, 2, 1}, {0, 2, 0, 2}, {1, 0, 1, 0}};
                        static const int wnext[3][4] = {{1, 2, 1, 2}, {2, 0, 2, 0}, {0, 1, 0, 1}};
                        int ml[4];
                        size_t cl[4];
                        unsigned ce[4];
                        if (ax == 0) { /* cells (pi, pj-1..pj, c-1..c), plane (y, z) */
                            int m4[4] = {0, 0, 1, 1};
                            size_t c4[4] = {o - p0, o, o, o - p0};
                            unsigned e4[4] = {3, 2, 0, 1};
                            memcpy(ml, m4, sizeof ml), memcpy(cl, c4, sizeof cl);
                            memcpy(ce, e4, sizeof ce);
                        } else if (ax == 1) { /* cells (pi-1..pi, pj, c-1..c), plane (z, x) */
                            int m4[4] = {0, 1, 1, 0};
                            size_t c4[4] = {o - 1, o - 1, o, o};
                            unsigned e4[4] = {7, 5, 4, 6};
                            memcpy(ml, m4, sizeof ml), memcpy(cl, c4, sizeof cl);
                            memcpy(ce, e4, sizeof ce);
                        } else { /* cells (pi-1..pi, pj-1..pj, c), plane (x, y) */
                            int m4[4] = {1, 1, 1, 1};
                            size_t c4[4] = {o - p0 - 1, o - p0, o, o - 1};
                            unsigned e4[4] = {11, 10, 8, 9};
                            memcpy(ml, m4, sizeof ml), memcpy(cl, c4, sizeof cl);
                            memcpy(ce, e4, sizeof ce);
                        }
                        uint32_t pv[8];
                        int pcell[8], np = 0;
                        for (int k = 0; k < 4; k++) {
                            uint32_t vp = V(ml[k], cl[k], ce[k], wprev[ax][k]);
                            uint32_t vn = V(ml[k], cl[k], ce[k], wnext[ax][k]);
                            pv[np] = vp, pcell[np++] = k;
                            if (vn != vp)
                                pv[np] = vn, pcell[np++] = k;
                        }
                        int bad = np == 4 ? emit_quad(job, s, pv[0], pv[1], pv[2], pv[3],
                                                      side == 0, L)
                                          : emit_poly(job, s, pv, pcell, np, side == 0, L);
                        if (bad != 0)
                            goto nomem;
                    }
                }
            }
    }
    goto done;
nomem:
    rc = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory in surface nets slab %zu", index);
done:
    for (int i = 0; i < 2; i++) {
        free(val[i]);
        free(st[i]);
        free(map[i]);
        free(cmap[i]);
    }
    return rc;
}

/* Multi-label: give every label its own copies of the vertices it uses (labels ascending,
 * triangles and first-use vertex order as generated), so each label is a closed surface of
 * its own while touching labels keep identical positions on their shared boundary. */
static tmesh_status split_labels(tmesh_mesh **out, nets_slab *slabs, size_t ns, const size_t *voff,
                                 size_t n_extra, size_t nt, tmesh_error *err)
{
    size_t nv = voff[ns] + n_extra;
    size_t *count = calloc(65537, sizeof *count);
    uint32_t *stamp = malloc((nv ? nv : 1) * sizeof *stamp), *id = malloc((nv ? nv : 1) * 4);
    uint32_t(*order)[2] = malloc((nt ? nt : 1) * sizeof *order); /* (slab, index) */
    tmesh_mesh__buf xyz = {0}, lab = {0};
    tmesh_mesh *m = NULL;
    tmesh_status rc = TMESH_OK;
    if (!count || !stamp || !id || !order)
        goto nomem;
    for (size_t s = 0; s < ns; s++)
        for (size_t t = 0; t < slabs[s].tlab.len; t++)
            count[((uint16_t *)slabs[s].tlab.data)[t] + 1]++;
    for (size_t l = 1; l <= 65536; l++)
        count[l] += count[l - 1];
    for (size_t s = 0; s < ns; s++)
        for (size_t t = 0; t < slabs[s].tlab.len; t++) {
            size_t at = count[((uint16_t *)slabs[s].tlab.data)[t]]++;
            order[at][0] = (uint32_t)s;
            order[at][1] = (uint32_t)t;
        }
    for (size_t v = 0; v < nv; v++)
        stamp[v] = UINT32_MAX;
    rc = tmesh_mesh_new(&m, 0, nt, TMESH_MESH_LABELS, err);
    if (rc != TMESH_OK)
        goto done;
    for (size_t t = 0; t < nt; t++) {
        const nets_slab *sl = &slabs[order[t][0]];
        uint32_t lb = ((const uint16_t *)sl->tlab.data)[order[t][1]];
        const uint32_t *src = (const uint32_t *)sl->tri.data + 3 * order[t][1];
        for (int c = 0; c < 3; c++) {
            uint32_t v = src[c];
            if (stamp[v] != lb) {
                const float *src_xyz;
                if (v >= voff[ns]) { /* a centre vertex of pass two */
                    size_t s = 0, e = v - voff[ns];
                    while (e >= slabs[s].extra.len)
                        e -= slabs[s++].extra.len;
                    src_xyz = (const float *)slabs[s].extra.data + 3 * e;
                } else {
                    size_t s = 0;
                    while (s + 1 < ns && voff[s + 1] <= v)
                        s++;
                    src_xyz = (const float *)slabs[s].xyz.data + 3 * (v - voff[s]);
                }
                if (tmesh_mesh__buf_reserve(&xyz, 3 * sizeof(float), 1) != 0 ||
                    tmesh_mesh__buf_reserve(&lab, sizeof(uint16_t), 1) != 0 ||
                    xyz.len >= UINT32_MAX)
                    goto nomem;
                memcpy((float *)xyz.data + 3 * xyz.len, src_xyz, 3 * sizeof(float));
                ((uint16_t *)lab.data)[lab.len++] = (uint16_t)lb;
                stamp[v] = lb;
                id[v] = (uint32_t)xyz.len++;
            }
            m->tri[3 * t + c] = id[v];
        }
    }
    free(m->xyz);
    free(m->labels);
    m->xyz = xyz.data ? xyz.data : malloc(3 * sizeof(float));
    m->labels = lab.data ? lab.data : malloc(sizeof(uint16_t));
    xyz.data = lab.data = NULL;
    m->n_vertices = xyz.len;
    if (m->xyz == NULL || m->labels == NULL)
        goto nomem;
    *out = m;
    m = NULL;
    goto done;
nomem:
    rc = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory splitting %zu labelled triangles", nt);
done:
    tmesh_mesh_free(m);
    free(xyz.data);
    free(lab.data);
    free(count);
    free(stamp);
    free(id);
    free(order);
    return rc;
}

tmesh_status tmesh_mesh__nets_run(tmesh_mesh **out, const tmesh_mesh__grid *g, unsigned threads,
                                  tmesh_error *err)
{
    *out = NULL;
    double det = tmesh_mesh__det3(g->vol->ijk_to_lps);
    size_t ncl = g->n[2] + 1, ns = (ncl + SLAB - 1) / SLAB;
    nets_slab *slabs = calloc(ns, sizeof *slabs);
    tmesh_mesh__mc_table *tb = NULL;
    uint16_t *glab = NULL;
    uint8_t *gcase = NULL;
    uint16_t *gseg = NULL;
    size_t *voff = calloc(ns + 1, sizeof *voff);
    tmesh_mesh *m = NULL;
    tmesh_status rc = TMESH_OK;
    if (slabs == NULL || voff == NULL) {
        rc = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for surface nets");
        goto done;
    }
    tb = malloc(sizeof *tb);
    if (tb == NULL) {
        rc = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for surface nets");
        goto done;
    }
    tmesh_mesh__mc_build_table(tb);
    nets_job job = {g, tb, NULL, NULL, NULL, slabs, ns, voff, det < 0};
    rc = tmesh_parallel_for(ns, threads, nets_vertices, &job, NULL, NULL, NULL, err);
    if (rc != TMESH_OK)
        goto done;
    for (size_t s = 0; s < ns; s++)
        voff[s + 1] = voff[s] + slabs[s].xyz.len;
    if (voff[ns] > UINT32_MAX) {
        rc = tmesh_error_set(err, TMESH_E_NOMEM, "mesh of %zu vertices exceeds 32-bit indices",
                             voff[ns]);
        goto done;
    }
    glab = malloc((voff[ns] ? voff[ns] : 1) * sizeof *glab);
    gcase = malloc(voff[ns] ? voff[ns] : 1);
    gseg = malloc((voff[ns] ? voff[ns] : 1) * sizeof *gseg);
    if (glab == NULL || gcase == NULL || gseg == NULL) {
        rc = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for surface nets");
        goto done;
    }
    for (size_t s = 0; s < ns; s++)
        if (slabs[s].xyz.len > 0) {
            memcpy(glab + voff[s], slabs[s].vlab.data, slabs[s].xyz.len * sizeof *glab);
            memcpy(gcase + voff[s], slabs[s].vcase.data, slabs[s].xyz.len);
            memcpy(gseg + voff[s], slabs[s].vseg.data, slabs[s].xyz.len * sizeof *gseg);
        }
    job.glab = glab;
    job.gcase = gcase;
    job.gseg = gseg;
    rc = tmesh_parallel_for(ns, threads, nets_quads, &job, NULL, NULL, NULL, err);
    if (rc != TMESH_OK)
        goto done;
    /* Centre vertices of pass two come after all others, slab by slab. */
    size_t n_extra = 0;
    for (size_t s = 0; s < ns; s++) {
        size_t base = voff[ns] + n_extra;
        uint32_t *tr = slabs[s].tri.data;
        for (size_t i = 0; i < 3 * slabs[s].tri.len; i++)
            if (tr[i] & NETS_EXTRA)
                tr[i] = (uint32_t)(base + (tr[i] & ~NETS_EXTRA));
        n_extra += slabs[s].extra.len;
    }
    if (voff[ns] + n_extra > UINT32_MAX) {
        rc = tmesh_error_set(err, TMESH_E_NOMEM, "mesh of %zu vertices exceeds 32-bit indices",
                             voff[ns] + n_extra);
        goto done;
    }
    size_t nt = 0;
    for (size_t s = 0; s < ns; s++)
        nt += slabs[s].tri.len;
    if (g->label_mode == 3) {
        rc = split_labels(&m, slabs, ns, voff, n_extra, nt, err);
        if (rc == TMESH_OK)
            *out = m;
        goto done;
    }
    rc = tmesh_mesh_new(&m, voff[ns] + n_extra, nt, 0, err);
    if (rc != TMESH_OK)
        goto done;
    size_t t = 0, ex = voff[ns];
    for (size_t s = 0; s < ns; s++) {
        if (slabs[s].extra.len > 0)
            memcpy(m->xyz + 3 * ex, slabs[s].extra.data, slabs[s].extra.len * 3 * sizeof(float));
        ex += slabs[s].extra.len;
    }
    for (size_t s = 0; s < ns; s++) {
        if (slabs[s].xyz.len > 0) /* an empty slab has no buffer at all */
            memcpy(m->xyz + 3 * voff[s], slabs[s].xyz.data, slabs[s].xyz.len * 3 * sizeof(float));
        if (slabs[s].tri.len > 0)
            memcpy(m->tri + 3 * t, slabs[s].tri.data, slabs[s].tri.len * 3 * sizeof(uint32_t));
        t += slabs[s].tri.len;
    }
    *out = m;
done:
    if (slabs != NULL)
        for (size_t s = 0; s < ns; s++) {
            free(slabs[s].xyz.data);
            free(slabs[s].cell.data);
            free(slabs[s].vcase.data);
            free(slabs[s].vlab.data);
            free(slabs[s].vseg.data);
            free(slabs[s].layer_start);
            free(slabs[s].tri.data);
            free(slabs[s].tlab.data);
            free(slabs[s].extra.data);
        }
    free(slabs);
    free(voff);
    free(tb);
    free(glab);
    free(gcase);
    free(gseg);
    return rc;
}
