/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Decimation through meshoptimizer's edge-collapse simplifier. Its collapses do not check the
 * link condition, so on thin or noisy parts a result can gain non-manifold edges or duplicate
 * triangles, and on flat parts it leaves zero-area slivers. Slivers are removed by splitting
 * their neighbour at the sliver's middle vertex; folded pairs (two copies of a triangle facing
 * opposite ways) enclose nothing and are dropped. Every result is then checked; where it breaks a
 * property the input had (closed, manifold, oriented, free of degenerate and duplicate triangles
 * and, by default, of self-intersections), the triangles of the input around the offending
 * vertices are frozen, and the rest is simplified again by the same ratio with its border (the
 * seam to the frozen part) locked, until the result keeps every property. Large meshes are cut
 * into blocks simplified in parallel, with a last pass over the seams between blocks; a repair
 * round simplifies again only the blocks that gained frozen triangles. Frozen patches that
 * end up a large part of the result (low ratios) are thawed once down to the triangles at the
 * damage itself, and the rounds go on (the result before is kept if they do not settle).
 * When the rounds never settle, self-intersections stop counting as damage for a few more
 * rounds (thin parts simplified at low ratios keep crossing somewhere new); the ones left are
 * counted and reported. What the input had is looked at where the result is
 * damaged (its triangles within two rings), and the whole input only when it has a defect of
 * its own there. The error bound in mm is converted to meshoptimizer's relative error with
 * meshopt_simplifyScale of each part.
 * Everything is deterministic and independent of the thread count.
 */
#include "mesh_int.h"

#include <math.h>
#include <stddef.h>
#include <meshoptimizer.h>
#include <string.h>

#define MAX_ROUNDS 12
#define THAW_ROUNDS 8 /* more rounds after the frozen patches were thawed */
#define EDGE_ROUNDS 8 /* more rounds in which only the edges, vertices and triangles count */

/* Does `r` keep every good property that `in` had? */
static int keeps(const tmesh_mesh_report *in, const tmesh_mesh_report *r)
{
    return (r->watertight || !in->watertight) && (r->manifold || !in->manifold) &&
           (r->oriented || !in->oriented) &&
           r->n_degenerate_triangles <= in->n_degenerate_triangles &&
           r->n_duplicate_triangles <= in->n_duplicate_triangles &&
           r->n_boundary_edges <= in->n_boundary_edges &&
           (in->self_intersections > 0 || r->self_intersections <= 0) &&
           (r->n_triangles > 0 || in->n_triangles == 0);
}

/* Freeze the input triangles touching a bad vertex, grown by `rings` rings of neighbours
 * around those new triangles only (frozen regions of earlier rounds do not grow again). */
static void freeze(const tmesh_mesh *m, uint8_t *bad, uint8_t *frozen, unsigned rings)
{
    size_t nt = m->n_triangles;
    for (unsigned r = 0; r <= rings; r++) {
        for (size_t t = 0; t < nt; t++) {
            const uint32_t *v = m->tri + 3 * t;
            if (!(frozen[t] & 2) && (bad[v[0]] || bad[v[1]] || bad[v[2]]))
                frozen[t] |= 2; /* new this round */
        }
        if (r == rings)
            break;
        for (size_t t = 0; t < nt; t++)
            if (frozen[t] & 2)
                bad[m->tri[3 * t]] = bad[m->tri[3 * t + 1]] = bad[m->tri[3 * t + 2]] = 1;
    }
    for (size_t t = 0; t < nt; t++)
        frozen[t] = frozen[t] ? 1 : 0;
}

typedef struct dup_key {
    uint32_t s[3];
    uint32_t t;
    int even; /* 1 when the triangle's order is an even permutation of the sorted one */
} dup_key;

static int dup_cmp(const void *a, const void *b)
{
    const dup_key *x = a, *y = b;
    for (int k = 0; k < 3; k++)
        if (x->s[k] != y->s[k])
            return x->s[k] < y->s[k] ? -1 : 1;
    return x->t < y->t ? -1 : x->t > y->t;
}

/* The nt triangles of idx as keys of their sorted corners, in order of the keys (ties by
 * triangle); NULL out of memory. Caller frees. */
static dup_key *sorted_keys(const uint32_t *idx, size_t nt, size_t nv)
{
    dup_key *keys = malloc((nt ? nt : 1) * sizeof *keys);
    if (keys == NULL)
        return NULL;
    for (size_t t = 0; t < nt; t++) {
        int swaps = tmesh_mesh__sort3(idx + 3 * t, keys[t].s);
        keys[t].t = (uint32_t)t;
        keys[t].even = swaps % 2 == 0;
    }
    if (tmesh_mesh__bucket_sort(keys, nt, sizeof *keys, offsetof(dup_key, s), nv, dup_cmp) != 0)
        qsort(keys, nt, sizeof *keys, dup_cmp); /* same order, no extra memory */
    return keys;
}

/* meshoptimizer's typical defect: collapsing an edge whose ends share a third neighbour folds
 * a pocket into two copies of one triangle, facing opposite ways, which makes their edges
 * non-manifold. The pair encloses no volume; dropping both restores the surface. Returns the
 * new index count (kept triangles keep their order), SIZE_MAX out of memory. */
static size_t drop_folded_pairs(uint32_t *idx, size_t n, size_t nv)
{
    size_t nt = n / 3;
    dup_key *keys = sorted_keys(idx, nt, nv);
    if (keys == NULL)
        return SIZE_MAX;
    size_t dropped = 0;
    for (size_t i = 0; i + 1 < nt; i++)
        if (memcmp(keys[i].s, keys[i + 1].s, sizeof keys[i].s) == 0 &&
            keys[i].even != keys[i + 1].even &&
            (i + 2 >= nt || memcmp(keys[i + 1].s, keys[i + 2].s, sizeof keys[i].s) != 0)) {
            idx[3 * keys[i].t] = idx[3 * keys[i + 1].t] = UINT32_MAX; /* mark */
            dropped += 2;
            i++;
        }
    free(keys);
    if (dropped == 0)
        return n;
    size_t w = 0;
    for (size_t t = 0; t < nt; t++)
        if (idx[3 * t] != UINT32_MAX) {
            memmove(idx + 3 * w, idx + 3 * t, 3 * sizeof *idx);
            w++;
        }
    return 3 * w;
}

static double d2(const float *p, const float *q)
{
    double x = (double)p[0] - q[0], y = (double)p[1] - q[1], z = (double)p[2] - q[2];
    return x * x + y * y + z * z;
}

/* The edge a sliver is split across: its longest, a -> b in the triangle's order, with c the
 * vertex on it. 0 when c sits on an end (no split point). */
static int sliver_edge(const uint32_t *v, const float *xyz, uint32_t *a, uint32_t *b, uint32_t *c)
{
    int best = 0;
    double bl = -1.0;
    for (int k = 0; k < 3; k++) {
        double l = d2(xyz + 3 * v[k], xyz + 3 * v[(k + 1) % 3]);
        if (l > bl) {
            bl = l;
            best = k;
        }
    }
    *a = v[best], *b = v[(best + 1) % 3], *c = v[(best + 2) % 3];
    return d2(xyz + 3 * *c, xyz + 3 * *a) != 0.0 && d2(xyz + 3 * *c, xyz + 3 * *b) != 0.0;
}

/* One split edge (lo < hi) and the triangles that use it, in triangle order (the first two). */
typedef struct split_edge {
    uint32_t lo, hi, uses, t[2];
} split_edge;

static size_t edge_slot(const split_edge *h, size_t mask, uint32_t lo, uint32_t hi)
{
    uint64_t x = (uint64_t)lo * 0x9E3779B97F4A7C15ull ^ (uint64_t)hi * 0xC2B2AE3D27D4EB4Full;
    size_t i = (size_t)(x >> 32) & mask;
    while (h[i].lo != UINT32_MAX && (h[i].lo != lo || h[i].hi != hi))
        i = (i + 1) & mask;
    return i;
}

/* On flat parts meshoptimizer can leave a sliver (a, b, c) with c on the segment ab. It is
 * removed by splitting the neighbour across ab, (b, a, d), at c into (b, c, d) and (c, a, d):
 * same triangle count, every edge still used twice, winding kept. A pass finds the slivers,
 * counts the users of their edges in one sweep over all edges (a table of just those edges),
 * then splits where the edge has exactly one other, untouched user; passes repeat (at most 4)
 * while they change something. Returns 0 or -1 (memory). */
static int repair_slivers(uint32_t *idx, size_t n, size_t nv, const float *xyz)
{
    size_t nt = n / 3;
    uint32_t *sl = NULL;
    split_edge *h = NULL;
    uint8_t *touched = NULL, *low = calloc(nv ? nv : 1, 1);
    int rc = -1;
    if (low == NULL)
        goto done;
    size_t sl_cap = 0;
    for (int pass = 0; pass < 4; pass++) {
        size_t ns = 0;
        for (size_t t = 0; t < nt; t++) {
            const uint32_t *v = idx + 3 * t;
            if (v[0] == v[1] || v[1] == v[2] || v[0] == v[2] || !tmesh_mesh__degenerate(xyz, v))
                continue;
            if (ns == sl_cap) {
                uint32_t *g = realloc(sl, (sl_cap = sl_cap ? 2 * sl_cap : 64) * sizeof *sl);
                if (g == NULL)
                    goto done;
                sl = g;
            }
            sl[ns++] = (uint32_t)t;
        }
        if (ns == 0)
            break;
        size_t cap = 16;
        while (cap < 2 * ns)
            cap *= 2;
        free(h);
        h = malloc(cap * sizeof *h);
        if (touched == NULL)
            touched = malloc(nt);
        if (h == NULL || touched == NULL)
            goto done;
        for (size_t i = 0; i < cap; i++)
            h[i].lo = UINT32_MAX;
        for (size_t i = 0; i < ns; i++) {
            uint32_t a, b, c;
            if (!sliver_edge(idx + 3 * (size_t)sl[i], xyz, &a, &b, &c))
                continue;
            uint32_t lo = a < b ? a : b, hi = a < b ? b : a;
            split_edge *e = h + edge_slot(h, cap - 1, lo, hi);
            if (e->lo == UINT32_MAX)
                *e = (split_edge){lo, hi, 0, {0, 0}};
            low[lo] = 1;
        }
        for (size_t t = 0; t < nt; t++)
            for (int k = 0; k < 3; k++) {
                uint32_t u = idx[3 * t + k], w = idx[3 * t + (k + 1) % 3];
                uint32_t lo = u < w ? u : w, hi = u < w ? w : u;
                if (!low[lo])
                    continue;
                split_edge *e = h + edge_slot(h, cap - 1, lo, hi);
                if (e->lo == UINT32_MAX)
                    continue;
                if (e->uses < 2)
                    e->t[e->uses] = (uint32_t)t;
                e->uses++;
            }
        memset(touched, 0, nt);
        int changed = 0;
        for (size_t i = 0; i < ns; i++) {
            size_t t = sl[i];
            uint32_t *v = idx + 3 * t, a, b, c;
            if (touched[t] || !sliver_edge(v, xyz, &a, &b, &c))
                continue;
            const split_edge *e = h + edge_slot(h, cap - 1, a < b ? a : b, a < b ? b : a);
            if (e->uses != 2 || (e->t[0] != t && e->t[1] != t))
                continue;
            size_t other = e->t[0] != t ? e->t[0] : e->t[1];
            if (touched[other])
                continue;
            uint32_t *u = idx + 3 * other;
            int at = -1; /* u must run b -> a */
            for (int k = 0; k < 3; k++)
                if (u[k] == b && u[(k + 1) % 3] == a)
                    at = k;
            if (at < 0)
                continue;
            uint32_t d = u[(at + 2) % 3];
            if (d == c)
                continue;
            u[0] = b, u[1] = c, u[2] = d;
            v[0] = c, v[1] = a, v[2] = d;
            touched[t] = touched[other] = 1;
            changed = 1;
        }
        for (size_t i = 0; i < cap; i++)
            if (h[i].lo != UINT32_MAX)
                low[h[i].lo] = 0;
        if (!changed) /* the next pass would find the same slivers and do the same nothing */
            break;
    }
    rc = 0;
done:
    free(sl);
    free(h);
    free(touched);
    free(low);
    return rc;
}

/* Triangles with a repeated vertex or a zero cross product, as the check counts them. */
static size_t count_degenerate(const tmesh_mesh *m)
{
    size_t n = 0;
    for (size_t t = 0; t < m->n_triangles; t++)
        n += tmesh_mesh__degenerate(m->xyz, m->tri + 3 * t);
    return n;
}

/* Triangles with the vertex set of an earlier one, as the check counts them; SIZE_MAX out of
 * memory. */
static size_t count_duplicates(const tmesh_mesh *m)
{
    size_t nt = m->n_triangles, n = 0;
    dup_key *keys = sorted_keys(m->tri, nt, m->n_vertices);
    if (keys == NULL)
        return SIZE_MAX;
    for (size_t i = 1; i < nt; i++)
        n += memcmp(keys[i].s, keys[i - 1].s, sizeof keys[i].s) == 0;
    free(keys);
    return n;
}

/* The input triangles within two rings of the `bad` vertices, into `tri` (3 * n_triangles
 * entries); `near` (n_vertices, zeroed) gets the vertices within one ring. Returns the count. */
static size_t input_near(const tmesh_mesh *m, const uint8_t *bad, uint8_t *near, uint32_t *tri)
{
    size_t nt = m->n_triangles, n = 0;
    for (size_t t = 0; t < nt; t++) {
        const uint32_t *v = m->tri + 3 * t;
        if (bad[v[0]] || bad[v[1]] || bad[v[2]])
            near[v[0]] = near[v[1]] = near[v[2]] = 1;
    }
    for (size_t t = 0; t < nt; t++) {
        const uint32_t *v = m->tri + 3 * t;
        if (near[v[0]] || near[v[1]] || near[v[2]])
            memcpy(tri + 3 * n++, v, 3 * sizeof *v);
    }
    return n;
}

/* Has the input a boundary, non-manifold or inconsistent edge, a non-manifold vertex, or a
 * degenerate or duplicate triangle within one ring of the `bad` vertices? Every triangle
 * around a vertex of that ring is within two rings, so the check of those triangles is exact
 * there (only their outer rim looks open). Cheaper than checking the whole input. */
static tmesh_status input_edge_defects_near(const tmesh_mesh *m, const uint8_t *bad, int *found,
                                            tmesh_error *err)
{
    size_t nt = m->n_triangles, nv = m->n_vertices;
    uint8_t *near = calloc(nv ? nv : 1, 1), *marks = calloc(nv ? nv : 1, 1);
    uint32_t *tri = malloc((nt ? 3 * nt : 1) * sizeof *tri);
    *found = 0;
    if (near == NULL || marks == NULL || tri == NULL) {
        free(near);
        free(marks);
        free(tri);
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory checking a mesh");
    }
    tmesh_mesh part = *m;
    part.tri = tri;
    part.n_triangles = input_near(m, bad, near, tri);
    part.normals = NULL;
    tmesh_mesh_report r;
    tmesh_status rc = tmesh_mesh__check(&r, &part, NULL, marks, 1, err);
    for (size_t v = 0; rc == TMESH_OK && v < nv && !*found; v++)
        *found = near[v] && marks[v];
    free(near);
    free(marks);
    free(tri);
    return rc;
}

/* Self-intersections among the input triangles within two rings of the `bad` vertices. */
static tmesh_status input_intersections_near(const tmesh_mesh *m, const uint8_t *bad,
                                             unsigned threads, long *out, tmesh_error *err)
{
    size_t nt = m->n_triangles, nv = m->n_vertices;
    uint8_t *near = calloc(nv ? nv : 1, 1);
    uint32_t *tri = malloc((nt ? 3 * nt : 1) * sizeof *tri);
    if (near == NULL || tri == NULL) {
        free(near);
        free(tri);
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory checking intersections");
    }
    size_t n = input_near(m, bad, near, tri);
    double lo[3] = {INFINITY, INFINITY, INFINITY}, hi[3] = {-INFINITY, -INFINITY, -INFINITY};
    for (size_t i = 0; i < 3 * n; i++)
        for (int k = 0; k < 3; k++) {
            lo[k] = fmin(lo[k], m->xyz[3 * (size_t)tri[i] + k]);
            hi[k] = fmax(hi[k], m->xyz[3 * (size_t)tri[i] + k]);
        }
    tmesh_mesh part = *m;
    part.tri = tri;
    part.n_triangles = n;
    part.normals = NULL;
    tmesh_status rc = tmesh_mesh__count_self_intersections(&part, lo, hi, threads, NULL, out, NULL,
                                                           err);
    free(near);
    free(tri);
    return rc;
}

/* ---- what a repair round changed ----
 * Vertices never move, so whether two triangles intersect depends on them alone. A triangle
 * of the new result that was in the last one (same corners, same order) and touches no vertex
 * marked bad there was in no intersecting pair then; a pair of two such triangles cannot
 * intersect now, and the count skips it. */
typedef struct last_round {
    uint32_t *tri; /* the last result's triangles, corners rotated so the lowest comes first */
    size_t n;
    uint32_t *slot; /* open addressing over tri: triangle index, or UINT32_MAX */
    size_t mask;
    uint8_t *bad; /* the last round's bad vertices */
} last_round;

static void rotate_low_first(const uint32_t *v, uint32_t out[3])
{
    int f = v[0] <= v[1] && v[0] <= v[2] ? 0 : v[1] <= v[2] ? 1 : 2;
    for (int c = 0; c < 3; c++)
        out[c] = v[(f + c) % 3];
}

static size_t tri_hash(const uint32_t v[3], size_t mask)
{
    uint64_t h = v[0] * 0x9E3779B97F4A7C15ull;
    h = (h ^ v[1]) * 0xC2B2AE3D27D4EB4Full;
    h = (h ^ v[2]) * 0x165667B19E3779F9ull;
    return (size_t)(h >> 17) & mask;
}

static int remember(last_round *p, const uint32_t *tri, size_t n, const uint8_t *bad, size_t nv)
{
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    free(p->tri);
    free(p->slot);
    free(p->bad);
    p->tri = malloc((n ? 3 * n : 1) * sizeof *p->tri);
    p->slot = malloc(cap * sizeof *p->slot);
    p->bad = malloc(nv ? nv : 1);
    if (p->tri == NULL || p->slot == NULL || p->bad == NULL)
        return -1;
    p->n = n;
    p->mask = cap - 1;
    memcpy(p->bad, bad, nv);
    memset(p->slot, 0xff, cap * sizeof *p->slot);
    for (size_t t = 0; t < n; t++) {
        rotate_low_first(tri + 3 * t, p->tri + 3 * t);
        size_t h = tri_hash(p->tri + 3 * t, p->mask);
        while (p->slot[h] != UINT32_MAX)
            h = (h + 1) & p->mask;
        p->slot[h] = (uint32_t)t;
    }
    return 0;
}

/* changed[t] = 1 unless triangle t was in the last result and touched no bad vertex there. */
static uint8_t *changed_since(const last_round *p, const uint32_t *tri, size_t n)
{
    uint8_t *changed = malloc(n ? n : 1);
    if (changed == NULL)
        return NULL;
    for (size_t t = 0; t < n; t++) {
        uint32_t k[3];
        rotate_low_first(tri + 3 * t, k);
        int c = p->bad[k[0]] || p->bad[k[1]] || p->bad[k[2]];
        if (!c) {
            size_t h = tri_hash(k, p->mask);
            c = 1;
            for (; p->slot[h] != UINT32_MAX; h = (h + 1) & p->mask)
                if (memcmp(p->tri + 3 * (size_t)p->slot[h], k, sizeof k) == 0) {
                    c = 0;
                    break;
                }
        }
        changed[t] = (uint8_t)c;
    }
    return changed;
}

/* ---- blocks ----
 * A large mesh is cut into blocks of about BLOCK_TRIS triangles (triangles grouped by the cell
 * of their centroid on a GRID^3 grid, cells taken in Morton order), and each block is
 * simplified on its own with its border locked, in parallel. The vertices where blocks meet
 * (the seam) are then simplified in one more pass over the triangles around them. When a
 * result breaks the mesh, only the blocks with newly frozen triangles are simplified again.
 * The cut depends on the mesh alone, so the result is the same at any thread count. */
#define BLOCK_TRIS 32768
#define GRID 16
#define MULTI UINT32_MAX        /* owner of a vertex that several blocks use */
#define NOBODY (UINT32_MAX - 1) /* owner of a vertex that no block uses */

static uint32_t morton4(unsigned x, unsigned y, unsigned z)
{
    uint32_t code = 0;
    for (unsigned b = 0; b < 4; b++)
        code |= (((x >> b) & 1u) << (3 * b)) | (((y >> b) & 1u) << (3 * b + 1)) |
                (((z >> b) & 1u) << (3 * b + 2));
    return code;
}

/* order[] = triangle ids grouped by block, block b at order[bstart[b] .. bstart[b + 1]); one
 * block when `whole` (a border that may move must not be cut into locked seams) or when the
 * mesh is small. */
static int cut_blocks(const tmesh_mesh *m, int whole, uint32_t *order, size_t **bstart_out,
                      size_t *nb_out)
{
    size_t nt = m->n_triangles;
    if (whole || nt < 2 * BLOCK_TRIS) {
        size_t *bs = malloc(2 * sizeof *bs);
        if (bs == NULL)
            return -1;
        for (size_t t = 0; t < nt; t++)
            order[t] = (uint32_t)t;
        bs[0] = 0;
        bs[1] = nt;
        *bstart_out = bs;
        *nb_out = 1;
        return 0;
    }
    double lo[3] = {INFINITY, INFINITY, INFINITY}, hi[3] = {-INFINITY, -INFINITY, -INFINITY};
    for (size_t i = 0; i < 3 * nt; i++)
        for (int k = 0; k < 3; k++) {
            double x = m->xyz[3 * m->tri[i] + k];
            lo[k] = x < lo[k] ? x : lo[k]; /* as fmin and fmax: a NaN changes nothing */
            hi[k] = x > hi[k] ? x : hi[k];
        }
    uint32_t *cell = malloc(nt * sizeof *cell);
    size_t *count = calloc((size_t)GRID * GRID * GRID + 1, sizeof *count);
    if (cell == NULL || count == NULL) {
        free(cell);
        free(count);
        return -1;
    }
    for (size_t t = 0; t < nt; t++) {
        unsigned ix[3];
        for (int k = 0; k < 3; k++) {
            double c = 0.0;
            for (int j = 0; j < 3; j++)
                c += m->xyz[3 * m->tri[3 * t + j] + k];
            double f = hi[k] > lo[k] ? (c / 3.0 - lo[k]) / (hi[k] - lo[k]) * GRID : 0.0;
            ix[k] = f >= 1.0 ? (f < GRID - 1 ? (unsigned)f : GRID - 1) : 0; /* NaN: 0 */
        }
        cell[t] = morton4(ix[0], ix[1], ix[2]);
        count[cell[t] + 1]++;
    }
    for (size_t c = 1; c <= (size_t)GRID * GRID * GRID; c++)
        count[c] += count[c - 1];
    /* Blocks: whole cells in Morton order, cut once a block reaches BLOCK_TRIS. */
    size_t cap = nt / BLOCK_TRIS + 2, n = 0;
    size_t *bs = malloc((cap + 1) * sizeof *bs);
    if (bs == NULL) {
        free(cell);
        free(count);
        return -1;
    }
    bs[n++] = 0;
    for (size_t c = 1; c <= (size_t)GRID * GRID * GRID; c++)
        if (count[c] - bs[n - 1] >= BLOCK_TRIS && n < cap)
            bs[n++] = count[c];
    if (bs[n - 1] != nt)
        bs[n++] = nt;
    else if (n == 1)
        bs[n++] = nt;
    for (size_t t = 0; t < nt; t++)
        order[count[cell[t]]++] = (uint32_t)t; /* stable: ascending ids in each cell */
    free(cell);
    free(count);
    *bstart_out = bs;
    *nb_out = n - 1;
    return 0;
}

/* Simplify the n_tri triangles `tri` (global vertex ids) to about goal_tri triangles, on a
 * copy of just their vertices (so the work and memory follow the part, not the mesh). With
 * `owner`, every vertex of the part that several blocks use adds (1 - ratio) triangles to the
 * goal: the seam pass removes them later. Writes global ids to out (3 * n_tri entries). */
static int simplify_part(const tmesh_mesh *m, const uint32_t *tri, size_t n_tri, double goal_tri,
                         const uint32_t *owner, double ratio, double max_error, unsigned options,
                         unsigned int *out, size_t *n_out, double *err_mm)
{
    size_t ni = 3 * n_tri;
    *n_out = 0;
    *err_mm = 0.0;
    if (n_tri == 0)
        return 0;
    uint32_t *map = malloc(m->n_vertices * sizeof *map);
    uint32_t *glob = malloc(ni * sizeof *glob);
    uint8_t *used = calloc(m->n_vertices, 1);
    unsigned int *idx = malloc(ni * sizeof *idx);
    float *xyz = NULL;
    int rc = -1;
    if (map == NULL || glob == NULL || used == NULL || idx == NULL)
        goto done;
    /* Local ids in the order of the global ones: meshoptimizer breaks ties by vertex order, so
     * one block holding the whole mesh is simplified exactly as the mesh itself would be. */
    uint32_t vmin = UINT32_MAX, vmax = 0;
    for (size_t i = 0; i < ni; i++) {
        used[tri[i]] = 1;
        vmin = tri[i] < vmin ? tri[i] : vmin;
        vmax = tri[i] > vmax ? tri[i] : vmax;
    }
    size_t nl = 0, seam = 0;
    for (size_t v = vmin; v <= vmax; v++)
        if (used[v]) {
            map[v] = (uint32_t)nl;
            glob[nl++] = (uint32_t)v;
            seam += owner != NULL && owner[v] == MULTI;
        }
    for (size_t i = 0; i < ni; i++)
        idx[i] = map[tri[i]];
    xyz = malloc(3 * nl * sizeof *xyz);
    if (xyz == NULL)
        goto done;
    for (size_t v = 0; v < nl; v++)
        memcpy(xyz + 3 * v, m->xyz + 3 * (size_t)glob[v], 3 * sizeof *xyz);
    goal_tri += (1.0 - ratio) * (double)seam;
    size_t goal = goal_tri >= (double)n_tri ? ni : 3 * (size_t)llround(goal_tri);
    float scale = meshopt_simplifyScale(xyz, nl, 3 * sizeof(float));
    float rel = max_error > 0.0 && scale > 0.0f ? (float)(max_error / scale) : 1e10f;
    float result = 0.0f;
    size_t n = meshopt_simplify(out, idx, ni, xyz, nl, 3 * sizeof(float), goal, rel, options,
                                &result);
    for (size_t i = 0; i < n; i++)
        out[i] = glob[out[i]];
    *n_out = n / 3;
    *err_mm = (double)result * scale;
    rc = 0;
done:
    free(map);
    free(glob);
    free(used);
    free(idx);
    free(xyz);
    return rc;
}

typedef struct block_job {
    const tmesh_mesh *m;
    const uint32_t *order;
    const size_t *bstart;
    size_t nb;
    const uint8_t *frozen, *dirty;
    const uint32_t *owner; /* NULL with one block */
    double ratio, max_error;
    unsigned options;
    unsigned int **res; /* per block: simplified triangles (global ids) */
    size_t *n_res;
    double *err_mm;
} block_job;

static tmesh_status block_chunk(size_t b, void *user, tmesh_error *err)
{
    block_job *j = user;
    if (!j->dirty[b])
        return TMESH_OK;
    size_t lo = j->bstart[b], hi = j->bstart[b + 1], n = 0;
    uint32_t *tri = malloc(3 * (hi - lo) * sizeof *tri + 1);
    unsigned int *out = realloc(j->res[b], 3 * (hi - lo) * sizeof *out + 1);
    if (out != NULL)
        j->res[b] = out;
    if (tri == NULL || out == NULL) {
        free(tri);
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory decimating block %zu", b);
    }
    for (size_t i = lo; i < hi; i++)
        if (!j->frozen[j->order[i]])
            memcpy(tri + 3 * n++, j->m->tri + 3 * (size_t)j->order[i], 3 * sizeof *tri);
    int r = simplify_part(j->m, tri, n, j->ratio * (double)n, j->owner, j->ratio, j->max_error,
                          j->options, out, &j->n_res[b], &j->err_mm[b]);
    free(tri);
    if (r == 0 && (out = realloc(j->res[b], 3 * j->n_res[b] * sizeof *out + 1)) != NULL)
        j->res[b] = out; /* the result is kept until the next round: only its size */
    if (r != 0)
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory decimating block %zu", b);
    return TMESH_OK;
}

/* Owner of every vertex: the one block whose triangles (free ones, or the results in `res`)
 * use it, MULTI for several, NOBODY for none. */
static void owners_of_input(const block_job *j, uint32_t *owner)
{
    for (size_t v = 0; v < j->m->n_vertices; v++)
        owner[v] = NOBODY;
    for (size_t b = 0; b < j->nb; b++)
        for (size_t i = j->bstart[b]; i < j->bstart[b + 1]; i++) {
            size_t t = j->order[i];
            if (j->frozen[t])
                continue;
            for (int c = 0; c < 3; c++) {
                uint32_t *o = owner + j->m->tri[3 * t + c];
                *o = *o == NOBODY || *o == b ? (uint32_t)b : MULTI;
            }
        }
}

/* dirty[b] = 1 for the blocks whose count of frozen triangles changed (or all, with `all`);
 * nfz[b] becomes the new count. */
static void mark_dirty(const uint8_t *frozen, const uint32_t *order, const size_t *bstart,
                       size_t nb, size_t *nfz, uint8_t *dirty, int all)
{
    for (size_t b = 0; b < nb; b++) {
        size_t f = 0;
        for (size_t i = bstart[b]; i < bstart[b + 1]; i++)
            f += frozen[order[i]];
        dirty[b] = f != nfz[b] || all;
        nfz[b] = f;
    }
}

static tmesh_status decimate_one(tmesh_mesh *m, tmesh_mesh_decimate_opts o,
                                 tmesh_mesh_decimate_report *report_out, tmesh_error *err)
{
    tmesh_status rc = TMESH_OK;
    size_t nt = m->n_triangles, nv = m->n_vertices;
    tmesh_mesh_decimate_report rep = {nt, nt, 0.0, 0, -1};
    if (nt == 0 || o.ratio == 1.0) {
        if (report_out)
            *report_out = rep;
        return TMESH_OK;
    }
    unsigned int *dst = NULL; /* each round's result: the blocks', then the frozen triangles */
    uint32_t *order = malloc(nt * sizeof *order), *owner = NULL, *strip = NULL;
    uint8_t *frozen = calloc(nt, 1), *bad = malloc(nv ? nv : 1), *core = calloc(nv ? nv : 1, 1);
    unsigned int *best = NULL; /* the result before thawing (set once, when thawing) */
    size_t *bstart = NULL, nb = 0, *n_res = NULL, *nfz = NULL;
    unsigned int **res = NULL;
    double *err_mm = NULL;
    uint8_t *dirty = NULL;
    last_round prev = {NULL, 0, NULL, 0, NULL};
    if (!order || !frozen || !bad || !core ||
        cut_blocks(m, !o.lock_border, order, &bstart, &nb) != 0)
        goto nomem;
    res = calloc(nb, sizeof *res);
    n_res = calloc(nb, sizeof *n_res);
    nfz = calloc(nb, sizeof *nfz);
    err_mm = calloc(nb, sizeof *err_mm);
    dirty = malloc(nb);
    if (!res || !n_res || !nfz || !err_mm || !dirty)
        goto nomem;
    if (nb > 1 && (owner = malloc(nv * sizeof *owner)) == NULL)
        goto nomem;
    memset(dirty, 1, nb);
    /* What the input has is looked at only as far as a result needs it: its degenerate and
     * duplicate triangles now (the repairs below depend on them); its edges and vertices only
     * when a result has a boundary, non-manifold or inconsistent edge or a non-manifold vertex
     * (a result free of those keeps those properties whatever the input had); and its
     * self-intersections only around those of a result. */
    tmesh_mesh_report in;
    memset(&in, 0, sizeof in);
    in.n_triangles = nt;
    in.watertight = in.manifold = in.oriented = 1;
    in.self_intersections = -1;
    in.n_degenerate_triangles = count_degenerate(m);
    in.n_duplicate_triangles = count_duplicates(m);
    if (in.n_duplicate_triangles == SIZE_MAX)
        goto nomem;
    int have_edges = 0;
    tmesh_mesh_check_opts chk = TMESH_MESH_CHECK_OPTS_INIT;
    size_t n = 0;
    double error = 0.0;
    int ok = 0, si_given_up = 0;
    unsigned rings = 2;
    size_t best_n = 0, best_nf = 0;
    double best_error = 0.0;
    unsigned limit = MAX_ROUNDS, round = 0;
    for (; round < limit && !ok; round++) {
        size_t nfree = 0;
        for (size_t t = 0; t < nt; t++)
            nfree += !frozen[t];
        block_job j = {m, order, bstart, nb, frozen, dirty, NULL, o.ratio, o.max_error,
                       o.lock_border || round > 0 ? (unsigned)meshopt_SimplifyLockBorder
                                                            : 0u,
                       res, n_res, err_mm};
        if (nb > 1) {
            owners_of_input(&j, owner);
            j.owner = owner;
        }
        rc = tmesh_parallel_for(nb, o.threads, block_chunk, &j, NULL, NULL, NULL, err);
        if (rc != TMESH_OK)
            goto done;
        /* Blocks in order; with several, the triangles touching a seam vertex are set apart
         * and simplified together (their outer rim locked). */
        n = 0;
        error = 0.0;
        if (nb > 1) {
            for (size_t v = 0; v < nv; v++)
                owner[v] = NOBODY;
            for (size_t b = 0; b < nb; b++)
                for (size_t i = 0; i < 3 * n_res[b]; i++) {
                    uint32_t *ow = owner + res[b][i];
                    *ow = *ow == NOBODY || *ow == b ? (uint32_t)b : MULTI;
                }
        }
        size_t room = nt - nfree; /* frozen triangles, then every block's result */
        for (size_t b = 0; b < nb; b++)
            room += n_res[b];
        free(dst);
        if ((dst = malloc((room ? 3 * room : 3) * sizeof *dst)) == NULL)
            goto nomem;
        size_t ns = 0;
        for (int pass = nb > 1 ? 0 : 1; pass < 2; pass++) { /* 0: count the seam's triangles */
            for (size_t b = 0; b < nb; b++) {
                error = fmax(error, err_mm[b]);
                for (size_t t = 0; t < n_res[b]; t++) {
                    const unsigned int *v = res[b] + 3 * t;
                    if (nb == 1 || (owner[v[0]] != MULTI && owner[v[1]] != MULTI &&
                                    owner[v[2]] != MULTI)) {
                        if (pass == 1)
                            memcpy(dst + 3 * n++, v, 3 * sizeof *v);
                    } else if (pass == 0) {
                        ns++;
                    } else {
                        memcpy(strip + 3 * ns++, v, 3 * sizeof *v);
                    }
                }
            }
            if (pass == 0) {
                free(strip);
                strip = malloc((ns ? 3 * ns : 1) * sizeof *strip);
                if (strip == NULL)
                    goto nomem;
                ns = 0;
            }
        }
        if (ns > 0) {
            /* The seam gets what is left of the whole target, within [ratio, 1] of the strip. */
            double goal = o.ratio * (double)nfree - (double)n;
            goal = fmin(fmax(goal, o.ratio * (double)ns), (double)ns);
            size_t k = 0;
            double e = 0.0;
            if (simplify_part(m, strip, ns, goal, NULL, o.ratio, o.max_error,
                              (unsigned)meshopt_SimplifyLockBorder, dst + 3 * n, &k, &e) != 0)
                goto nomem;
            tmesh_log(TMESH_LOG_DEBUG,
                      "decimation round %u: %zu blocks, %zu triangles away from the seams, "
                      "%zu around them simplified to %zu (goal %.0f)",
                      round, nb, n, ns, k, goal);
            n += k;
            error = fmax(error, e);
        }
        n *= 3;
        for (size_t t = 0; t < nt; t++)
            if (frozen[t]) {
                memcpy(dst + n, m->tri + 3 * t, 3 * sizeof *dst);
                n += 3;
            }
        if (in.n_degenerate_triangles == 0 && repair_slivers(dst, n, nv, m->xyz) != 0) {
            rc = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory repairing slivers");
            goto done;
        }
        if (in.n_duplicate_triangles == 0)
            if ((n = drop_folded_pairs(dst, n, nv)) == SIZE_MAX)
                goto nomem;
        tmesh_mesh view = *m;
        view.tri = dst;
        view.n_triangles = n / 3;
        view.normals = NULL;
        tmesh_mesh_report r;
        memset(bad, 0, nv ? nv : 1);
        /* Self-intersections count as damage until the input is seen to have some. */
        int count_si = o.check_intersections && in.self_intersections <= 0 && !si_given_up;
        uint8_t *changed = NULL;
        if (count_si && round > 0 && (changed = changed_since(&prev, view.tri, n / 3)) == NULL)
            goto nomem;
        chk.self_intersections = count_si && changed == NULL;
        chk.threads = o.threads;
        rc = tmesh_mesh__check(&r, &view, &chk, bad, 1, err);
        if (rc == TMESH_OK && changed != NULL)
            rc = tmesh_mesh__count_self_intersections(&view, r.bbox_min, r.bbox_max, o.threads,
                                                      changed, &r.self_intersections, bad, err);
        free(changed);
        if (rc != TMESH_OK)
            goto done;
        int edges_near = 0;
        if (!have_edges && !(r.watertight && r.manifold && r.oriented)) {
            rc = input_edge_defects_near(m, bad, &edges_near, err);
            if (rc != TMESH_OK)
                goto done;
        }
        if (edges_near) {
            /* The input has such a defect around the damage: compare with the whole input,
             * whose defects the result may keep. */
            tmesh_mesh_report full;
            rc = tmesh_mesh__check(&full, m, NULL, NULL, 1, err);
            if (rc != TMESH_OK)
                goto done;
            full.self_intersections = in.self_intersections;
            in = full;
            have_edges = 1;
        }
        if (r.self_intersections > 0 && in.self_intersections < 0) {
            /* Do the input's triangles around the damage intersect too? Then the input had
             * self-intersections, and a result's no longer count as damage. */
            long here = 0;
            rc = input_intersections_near(m, bad, o.threads, &here, err);
            if (rc != TMESH_OK)
                goto done;
            if (here > 0)
                in.self_intersections = here;
        }
        ok = keeps(&in, &r);
        size_t nf = 0;
        for (size_t t = 0; ok && best == NULL && t < nt; t++)
            nf += frozen[t];
        if (ok && best == NULL && nf > 0 && 20 * nf > n / 3) {
            /* The frozen patches are more than a twentieth of the result (low ratios on
             * noisy parts): keep this result, then freeze only the triangles at the damage
             * itself and try again, freezing one ring around new damage. */
            rings = 1;
            limit = (limit > MAX_ROUNDS ? limit : MAX_ROUNDS) + THAW_ROUNDS;
            best_n = n;
            best_nf = nf;
            best_error = error;
            if ((best = malloc((n ? n : 1) * sizeof *best)) == NULL)
                goto nomem;
            memcpy(best, dst, n * sizeof *dst);
            if (count_si && remember(&prev, dst, n / 3, bad, nv) != 0)
                goto nomem;
            for (size_t t = 0; t < nt; t++) {
                const uint32_t *v = m->tri + 3 * t;
                frozen[t] = frozen[t] && (core[v[0]] || core[v[1]] || core[v[2]]);
            }
            ok = 0;
            mark_dirty(frozen, order, bstart, nb, nfz, dirty, 0);
            tmesh_log(TMESH_LOG_DEBUG, "decimation round %u: %zu frozen triangles thawed", round,
                      nf);
            continue;
        }
        tmesh_log(TMESH_LOG_DEBUG,
                  "decimation round %u: %zu triangles, boundary %zu, non-manifold edges %zu, "
                  "vertices %zu, inconsistent %zu, degenerate %zu, duplicate %zu",
                  round, r.n_triangles, r.n_boundary_edges, r.n_nonmanifold_edges,
                  r.n_nonmanifold_vertices, r.n_inconsistent_edges, r.n_degenerate_triangles,
                  r.n_duplicate_triangles);
        if (!ok) {
            rep.retries++;
            if (count_si && remember(&prev, dst, n / 3, bad, nv) != 0)
                goto nomem;
            for (size_t v = 0; v < nv; v++)
                core[v] |= bad[v];
            freeze(m, bad, frozen, rings);
            /* Only blocks that gained frozen triangles are simplified again. */
            mark_dirty(frozen, order, bstart, nb, nfz, dirty, round == 0 && !o.lock_border);
            if (round + 1 == limit && best == NULL && count_si) {
                /* Thin parts simplified at low ratios can keep crossing each other somewhere
                 * new: rather than give up, go on with only the edges, vertices and
                 * triangles counting, and report the crossings left. */
                si_given_up = 1;
                limit += EDGE_ROUNDS;
                tmesh_log(TMESH_LOG_DEBUG,
                          "decimation round %u: self-intersections no longer count as damage",
                          round);
            }
        }
    }
    size_t nf = 0; /* frozen triangles of the result kept */
    for (size_t t = 0; t < nt; t++)
        nf += frozen[t];
    if (!ok && best != NULL) { /* thawing did not settle: the result before it */
        ok = 1;
        n = best_n;
        nf = best_nf;
        error = best_error;
        free(dst); /* sized for the last round, which can be smaller than `best` */
        dst = best;
        best = NULL;
        tmesh_log(TMESH_LOG_DEBUG, "decimation: thawed patches did not settle; kept the result "
                                   "before");
    }
    if (ok) {
        memcpy(m->tri, dst, n * sizeof *dst);
        m->n_triangles = n / 3;
        rep.error_mm = error;
        if (si_given_up) {
            tmesh_mesh_report r;
            chk.self_intersections = 1;
            rc = tmesh_mesh__check(&r, m, &chk, NULL, 1, err);
            if (rc != TMESH_OK)
                goto done;
            rep.self_intersections = r.self_intersections;
            if (r.self_intersections > 0)
                tmesh_log(TMESH_LOG_WARN,
                          "decimation to %g left %ld pairs of crossing triangles (thin parts "
                          "simplified into each other); a higher ratio, or smoothing first, "
                          "leaves fewer",
                          o.ratio, r.self_intersections);
        }
    } else {
        tmesh_log(TMESH_LOG_WARN,
                  "decimation kept breaking the mesh after %u rounds; the mesh "
                  "is left as it was",
                  round);
    }
    if (rep.retries > 0 && ok)
        tmesh_log(TMESH_LOG_NOTE, "decimation: %u repair rounds, %zu of %zu triangles frozen",
                  rep.retries, nf, nt);
    rc = tmesh_mesh__compact(m, NULL, NULL, err);
    rep.triangles_after = m->n_triangles;
    if (rc == TMESH_OK && report_out)
        *report_out = rep;
    goto done;
nomem:
    rc = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory decimating %zu triangles", nt);
done:
    free(prev.tri);
    free(prev.slot);
    free(prev.bad);
    for (size_t b = 0; res != NULL && b < nb; b++)
        free(res[b]);
    free(res);
    free(n_res);
    free(nfz);
    free(err_mm);
    free(dirty);
    free(bstart);
    free(order);
    free(owner);
    free(strip);
    free(dst);
    free(frozen);
    free(bad);
    free(core);
    free(best);
    return rc;
}

/* Triangles whose first vertex has label `lab`, as a mesh of their own. */
static tmesh_status sub_mesh(tmesh_mesh **out, const tmesh_mesh *m, uint16_t lab, tmesh_error *err)
{
    size_t nt = 0;
    for (size_t t = 0; t < m->n_triangles; t++)
        nt += m->labels[m->tri[3 * t]] == lab;
    tmesh_status rc = tmesh_mesh_new(out, m->n_vertices, nt, TMESH_MESH_LABELS, err);
    if (rc != TMESH_OK)
        return rc;
    tmesh_mesh *s = *out;
    memcpy(s->xyz, m->xyz, 3 * m->n_vertices * sizeof(float));
    memcpy(s->labels, m->labels, m->n_vertices * sizeof(uint16_t));
    for (size_t t = 0, w = 0; t < m->n_triangles; t++)
        if (m->labels[m->tri[3 * t]] == lab)
            memcpy(s->tri + 3 * w++, m->tri + 3 * t, 3 * sizeof(uint32_t));
    return tmesh_mesh__compact(s, NULL, NULL, err);
}

tmesh_status tmesh_mesh_decimate(tmesh_mesh *m, const tmesh_mesh_decimate_opts *opts,
                                 tmesh_mesh_decimate_report *report_out, tmesh_error *err)
{
    TMESH_ASSERT(m != NULL);
    tmesh_mesh_decimate_opts o = TMESH_MESH_DECIMATE_OPTS_INIT;
    if (opts)
        o = *opts;
    if (!(o.ratio > 0.0 && o.ratio <= 1.0))
        return tmesh_error_set(err, TMESH_E_ARG, "ratio %g out of range (0, 1]", o.ratio);
    if (!(o.max_error >= 0.0) || isinf(o.max_error))
        return tmesh_error_set(err, TMESH_E_ARG, "max_error %g mm must be finite and >= 0",
                               o.max_error);
    if (o.threads > 256)
        return tmesh_error_set(err, TMESH_E_ARG, "threads %u out of range 0..256", o.threads);
    tmesh_status rc = tmesh_mesh__validate(m, err);
    if (rc != TMESH_OK)
        return rc;
    int multi = 0;
    if (m->labels != NULL)
        for (size_t t = 1; t < m->n_triangles && !multi; t++)
            multi = m->labels[m->tri[3 * t]] != m->labels[m->tri[0]];
    if (!multi)
        return decimate_one(m, o, report_out, err);

    /* Several labels: each label's copies of the shared boundary would otherwise be treated
     * as one seam and mixed; decimate label by label (ascending) and append. */
    uint8_t *seen = calloc(65536, 1);
    if (seen == NULL)
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory decimating by label");
    for (size_t t = 0; t < m->n_triangles; t++)
        seen[m->labels[m->tri[3 * t]]] = 1;
    tmesh_mesh_decimate_report total = {m->n_triangles, 0, 0.0, 0, -1};
    tmesh_mesh *acc = NULL;
    rc = tmesh_mesh_new(&acc, 0, 0, TMESH_MESH_LABELS, err);
    for (uint32_t l = 0; l < 65536 && rc == TMESH_OK; l++) {
        if (!seen[l])
            continue;
        tmesh_mesh *s = NULL;
        tmesh_mesh_decimate_report r;
        rc = sub_mesh(&s, m, (uint16_t)l, err);
        if (rc == TMESH_OK)
            rc = decimate_one(s, o, &r, err);
        if (rc == TMESH_OK) {
            total.retries += r.retries;
            if (r.self_intersections >= 0)
                total.self_intersections =
                    (total.self_intersections > 0 ? total.self_intersections : 0) +
                    r.self_intersections;
            if (r.error_mm > total.error_mm)
                total.error_mm = r.error_mm;
            size_t nv = acc->n_vertices + s->n_vertices, nt = acc->n_triangles + s->n_triangles;
            float *xyz = realloc(acc->xyz, (nv ? 3 * nv : 3) * sizeof(float));
            if (xyz)
                acc->xyz = xyz;
            uint16_t *lab = realloc(acc->labels, (nv ? nv : 1) * sizeof(uint16_t));
            if (lab)
                acc->labels = lab;
            uint32_t *tri = realloc(acc->tri, (nt ? 3 * nt : 3) * sizeof(uint32_t));
            if (tri)
                acc->tri = tri;
            if (!xyz || !lab || !tri) {
                rc = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory decimating by label");
            } else {
                memcpy(acc->xyz + 3 * acc->n_vertices, s->xyz, 3 * s->n_vertices * sizeof(float));
                memcpy(acc->labels + acc->n_vertices, s->labels, s->n_vertices * sizeof(uint16_t));
                for (size_t i = 0; i < 3 * s->n_triangles; i++)
                    acc->tri[3 * acc->n_triangles + i] = (uint32_t)(s->tri[i] + acc->n_vertices);
                acc->n_vertices = nv;
                acc->n_triangles = nt;
            }
        }
        tmesh_mesh_free(s);
    }
    free(seen);
    if (rc != TMESH_OK) {
        tmesh_mesh_free(acc);
        return rc;
    }
    /* Swap the arrays into the caller's mesh. */
    free(m->xyz);
    free(m->tri);
    free(m->labels);
    m->xyz = acc->xyz;
    m->tri = acc->tri;
    m->labels = acc->labels;
    m->n_vertices = acc->n_vertices;
    m->n_triangles = acc->n_triangles;
    acc->xyz = NULL;
    acc->tri = NULL;
    acc->labels = NULL;
    tmesh_mesh_free(acc);
    if (m->normals) {
        free(m->normals);
        m->normals = NULL;
        rc = tmesh_mesh_compute_normals(m, err);
    }
    total.triangles_after = m->n_triangles;
    if (rc == TMESH_OK && report_out)
        *report_out = total;
    return rc;
}
