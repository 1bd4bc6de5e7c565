/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mesh checks: topology (boundary, non-manifold edges and vertices, orientation, components,
 * Euler characteristic, genus), geometry (area, signed volume, bounding box, degenerate and
 * duplicate triangles, optional self-intersections) and the text/JSON report. A failing check
 * is reported, never fixed.
 */
#include "mesh_int.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

/* ---- topology, vertex by vertex ----
 * Every triangle is listed at each of its corners (compressed rows, in triangle order). All
 * the uses of an edge are then among the triangles around either end, so each vertex can be
 * judged from its own row: the edges to its neighbours (counted at the lower end), the fans of
 * triangles around it, and the duplicates among its triangles. A vertex writes only its own
 * mark, so rows are processed in parallel in chunks fixed by the mesh, and the counts are
 * sums: the same at any thread count. */
#define CHECK_CHUNK 8192 /* vertices per chunk */

typedef struct vtx_part {
    size_t edges, boundary, nonmanifold, inconsistent, nm_vertices, duplicates, used;
    double lo[3], hi[3];
} vtx_part;

typedef struct vtx_job {
    const tmesh_mesh *m;
    const uint32_t *start, *corner; /* corner = 3 * triangle + index, grouped by vertex */
    uint8_t *flat;                  /* per triangle: 1 degenerate, 2 repeated corner       */
    uint8_t *bad;
    size_t *n_degenerate; /* per triangle chunk */
    vtx_part *part;       /* per vertex chunk   */
} vtx_job;

typedef struct edge_use {
    uint32_t x;    /* the other end */
    uint16_t node; /* the triangle, numbered within the row */
    uint8_t out;   /* 1 when the triangle runs from this vertex to x */
} edge_use;

/* Insert in order of the other end (rows are short). */
static void add_use(edge_use *use, size_t *nu, edge_use u)
{
    size_t q = (*nu)++;
    while (q > 0 && use[q - 1].x > u.x) {
        use[q] = use[q - 1];
        q--;
    }
    use[q] = u;
}

static int key_cmp(const void *x, const void *y)
{
    const uint32_t *p = x, *q = y;
    for (int k = 0; k < 3; k++)
        if (p[k] != q[k])
            return p[k] < q[k] ? -1 : 1;
    return 0;
}

static uint16_t root_of(uint16_t *par, uint16_t x)
{
    while (par[x] != x)
        x = par[x] = par[par[x]];
    return x;
}

#define FAN_MAX 16 /* the quick test below takes rows up to this long */

/* The common case, decided quickly: the n >= 3 triangles of row `corner` around v are proper
 * and form one closed fan, each neighbour met once as the head of an edge leaving v and once
 * as the tail of an edge arriving at v. Then every edge of v is used twice with opposite
 * directions, v is manifold, and no two of its triangles have the same corners (two such
 * would close a cycle of two). *higher = the neighbours above v (the edges counted at v). */
static int closed_fan(const tmesh_mesh *m, const uint32_t *corner, const uint8_t *flat, size_t n,
                      size_t v, size_t *higher)
{
    uint32_t nx[FAN_MAX], pv[FAN_MAX];
    size_t h = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t k = corner[i], t = k / 3, c = k - 3 * t;
        if (flat[t])
            return 0;
        const uint32_t *tv = m->tri + 3 * (size_t)t;
        nx[i] = tv[c == 2 ? 0 : c + 1];
        pv[i] = tv[c == 0 ? 2 : c - 1];
        h += nx[i] > v;
    }
    /* Walk from triangle 0 to the one whose arriving edge leaves from where this one's leaving
     * edge goes; the next must be unique, and the walk must come back to 0 after exactly n
     * steps (then it met every triangle once). */
    size_t i = 0;
    for (size_t step = 1; step <= n; step++) {
        size_t next = n;
        for (size_t q = 0; q < n; q++)
            if (pv[q] == nx[i]) {
                if (next != n)
                    return 0;
                next = q;
            }
        if (next == n || (next == 0) != (step == n))
            return 0;
        i = next;
    }
    *higher = h;
    return 1;
}

/* Triangles: degenerate (counted here) or with a repeated corner (no fan). */
static tmesh_status flat_chunk(size_t index, void *user, tmesh_error *err)
{
    (void)err;
    vtx_job *j = user;
    size_t t0 = index * 4 * CHECK_CHUNK, t1 = t0 + 4 * CHECK_CHUNK, n = 0;
    if (t1 > j->m->n_triangles)
        t1 = j->m->n_triangles;
    for (size_t t = t0; t < t1; t++) {
        const uint32_t *v = j->m->tri + 3 * t;
        int deg = tmesh_mesh__degenerate(j->m->xyz, v);
        int rep = v[0] == v[1] || v[1] == v[2] || v[0] == v[2];
        j->flat[t] = (uint8_t)(deg | rep << 1);
        n += (size_t)deg;
    }
    j->n_degenerate[index] = n;
    return TMESH_OK;
}

static tmesh_status vtx_chunk(size_t index, void *user, tmesh_error *err)
{
    vtx_job *j = user;
    const tmesh_mesh *m = j->m;
    vtx_part *pt = j->part + index;
    size_t v0 = index * CHECK_CHUNK, v1 = v0 + CHECK_CHUNK;
    if (v1 > m->n_vertices)
        v1 = m->n_vertices;
    memset(pt, 0, sizeof *pt);
    for (int k = 0; k < 3; k++) {
        pt->lo[k] = INFINITY;
        pt->hi[k] = -INFINITY;
    }
    size_t cap = 0;
    edge_use *use = NULL;
    uint32_t *key = NULL; /* sorted corners of each node */
    uint16_t *par = NULL;
    uint8_t *fl = NULL;
    tmesh_status rc = TMESH_OK;
    for (size_t v = v0; v < v1; v++) {
        size_t a = j->start[v], b = j->start[v + 1], n = b - a;
        if (n == 0)
            continue;
        if (n > cap) {
            if (n > UINT16_MAX) {
                rc = tmesh_error_set(err, TMESH_E_DATA,
                                     "vertex %zu is a corner of %zu triangles; a check "
                                     "handles at most %u",
                                     v, n, (unsigned)UINT16_MAX);
                break;
            }
            cap = n < 64 ? 64 : 2 * n;
            free(use);
            free(key);
            free(par);
            free(fl);
            use = malloc(2 * cap * sizeof *use);
            key = malloc(3 * cap * sizeof *key);
            par = malloc(cap * sizeof *par);
            fl = malloc(cap);
            if (use == NULL || key == NULL || par == NULL || fl == NULL) {
                rc = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory checking a mesh");
                break;
            }
        }
        pt->used++;
        for (int k = 0; k < 3; k++) {
            double x = m->xyz[3 * v + k];
            pt->lo[k] = fmin(pt->lo[k], x);
            pt->hi[k] = fmax(pt->hi[k], x);
        }
        size_t higher = 0;
        if (n >= 3 && n <= FAN_MAX && closed_fan(m, j->corner + a, j->flat, n, v, &higher)) {
            pt->edges += higher;
            continue;
        }
        int badv = 0;
        size_t nu = 0, nn = 0;
        uint32_t last = UINT32_MAX;
        for (size_t i = a; i < b; i++) {
            uint32_t k = j->corner[i], t = k / 3, c = k - 3 * t;
            const uint32_t *tv = m->tri + 3 * (size_t)t;
            if (t != last) { /* a triangle with this vertex twice is one node */
                last = t;
                tmesh_mesh__sort3(tv, key + 3 * nn);
                par[nn] = (uint16_t)nn;
                fl[nn] = j->flat[t];
                badv |= fl[nn] & 1;
                nn++;
            }
            uint32_t nx = tv[c == 2 ? 0 : c + 1], pv = tv[c == 0 ? 2 : c - 1];
            uint16_t node = (uint16_t)(nn - 1);
            if (nx != v)
                add_use(use, &nu, (edge_use){nx, node, 1});
            if (pv != v)
                add_use(use, &nu, (edge_use){pv, node, 0});
        }
        /* Edges: the uses of each edge to a neighbour x. */
        for (size_t i = 0; i < nu;) {
            size_t e = i + 1;
            while (e < nu && use[e].x == use[i].x)
                e++;
            size_t cnt = e - i;
            int incons = cnt == 2 && use[i].out == use[i + 1].out;
            if (use[i].x > v) {
                pt->edges++;
                pt->boundary += cnt == 1;
                pt->nonmanifold += cnt > 2;
                pt->inconsistent += (size_t)incons;
            }
            if (cnt != 2 || incons)
                badv = 1;
            if (cnt == 2) { /* the two triangles are neighbours in the fan around v */
                uint16_t r0 = root_of(par, use[i].node), r1 = root_of(par, use[i + 1].node);
                if (r0 != r1)
                    par[r0 < r1 ? r1 : r0] = r0 < r1 ? r0 : r1;
            }
            i = e;
        }
        /* One fan of proper triangles around a manifold vertex. */
        int first = -1, nmv = 0;
        for (size_t i = 0; i < nn && !nmv; i++) {
            if (fl[i] & 2)
                continue;
            int r = root_of(par, (uint16_t)i);
            if (first < 0)
                first = r;
            else if (r != first)
                nmv = 1;
        }
        pt->nm_vertices += (size_t)nmv;
        /* Duplicates: equal corner sets, counted at their lowest vertex. */
        if (nn > 32)
            qsort(key, nn, 3 * sizeof *key, key_cmp);
        for (size_t i = 1; i < nn; i++) {
            int dup = 0;
            if (nn > 32)
                dup = key_cmp(key + 3 * i, key + 3 * (i - 1)) == 0;
            else
                for (size_t q = 0; q < i && !dup; q++)
                    dup = key[3 * i] == key[3 * q] && key[3 * i + 1] == key[3 * q + 1] &&
                          key[3 * i + 2] == key[3 * q + 2];
            if (dup) {
                badv = 1;
                pt->duplicates += key[3 * i] == v;
            }
        }
        if (j->bad && (badv || nmv))
            j->bad[v] = 1;
    }
    free(use);
    free(key);
    free(par);
    free(fl);
    return rc;
}

/* Corners grouped by vertex, in triangle order within each vertex. */
static tmesh_status corner_rows(const tmesh_mesh *m, uint32_t **start_out, uint32_t **corner_out,
                                tmesh_error *err)
{
    size_t nv = m->n_vertices, nt = m->n_triangles;
    *start_out = *corner_out = NULL;
    if (nt > UINT32_MAX / 3)
        return tmesh_error_set(err, TMESH_E_ARG, "a mesh of %zu triangles is too large to check",
                               nt);
    uint32_t *start = calloc(nv + 2, sizeof *start);
    uint32_t *corner = malloc((nt ? 3 * nt : 1) * sizeof *corner);
    if (start == NULL || corner == NULL) {
        free(start);
        free(corner);
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory checking a mesh");
    }
    for (size_t i = 0; i < 3 * nt; i++)
        start[m->tri[i] + 2]++;
    for (size_t v = 2; v < nv + 2; v++)
        start[v] += start[v - 1];
    for (size_t i = 0; i < 3 * nt; i++)
        corner[start[m->tri[i] + 1]++] = (uint32_t)i;
    *start_out = start; /* start[v] .. start[v + 1] is now vertex v's row */
    *corner_out = corner;
    return TMESH_OK;
}

/* Used vertices that share their exact position with another used vertex of the same label:
 * a file reader welds them, and the surface pinches there. Copies of a shared boundary that
 * belong to different labels are not counted. */
static tmesh_status count_coincident(const tmesh_mesh *m, const uint8_t *used, size_t *out,
                                     tmesh_error *err)
{
    size_t nv = m->n_vertices, c = 0;
    uint32_t *first = malloc((nv ? nv : 1) * sizeof *first);
    uint32_t *size = calloc(nv ? nv : 1, sizeof *size);
    if (first == NULL || size == NULL ||
        tmesh_mesh__group_positions(m->xyz, m->labels, used, nv, 0, first) != 0) {
        free(first);
        free(size);
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory checking a mesh");
    }
    for (size_t v = 0; v < nv; v++)
        size[first[v]] += used[v];
    for (size_t v = 0; v < nv; v++)
        c += size[v] >= 2 ? size[v] : 0;
    free(first);
    free(size);
    *out = c;
    return TMESH_OK;
}

tmesh_status tmesh_mesh_check(tmesh_mesh_report *out, const tmesh_mesh *m,
                              const tmesh_mesh_check_opts *opts, tmesh_error *err)
{
    return tmesh_mesh__check(out, m, opts, NULL, 0, err);
}

tmesh_status tmesh_mesh__check(tmesh_mesh_report *out, const tmesh_mesh *m,
                               const tmesh_mesh_check_opts *opts, uint8_t *bad, int topology_only,
                               tmesh_error *err)
{
    TMESH_ASSERT(out != NULL && m != NULL);
    tmesh_mesh_check_opts o = TMESH_MESH_CHECK_OPTS_INIT;
    if (opts)
        o = *opts;
    memset(out, 0, sizeof *out);
    out->genus = -1;
    out->self_intersections = -1;
    tmesh_status rc = tmesh_mesh__validate(m, err);
    if (rc != TMESH_OK)
        return rc;
    size_t nv = m->n_vertices, nt = m->n_triangles;
    out->n_vertices = nv;
    out->n_triangles = nt;
    uint32_t *start = NULL, *corner = NULL, *vpar = NULL;
    uint8_t *used = NULL;
    size_t nchunks = (nv + CHECK_CHUNK - 1) / CHECK_CHUNK;
    size_t tchunks = (nt + 4 * CHECK_CHUNK - 1) / (4 * CHECK_CHUNK);
    vtx_part *part = calloc(nchunks ? nchunks : 1, sizeof *part);
    size_t *n_degenerate = calloc(tchunks ? tchunks : 1, sizeof *n_degenerate);
    uint8_t *flat = malloc(nt ? nt : 1);
    if (part == NULL || n_degenerate == NULL || flat == NULL) {
        rc = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory checking a mesh");
        goto done;
    }
    rc = corner_rows(m, &start, &corner, err);
    if (rc != TMESH_OK)
        goto done;
    vtx_job job = {m, start, corner, flat, bad, n_degenerate, part};
    rc = tmesh_parallel_for(tchunks, o.threads, flat_chunk, &job, NULL, NULL, NULL, err);
    for (size_t c = 0; rc == TMESH_OK && c < tchunks; c++)
        out->n_degenerate_triangles += n_degenerate[c];
    if (rc == TMESH_OK)
        rc = tmesh_parallel_for(nchunks, o.threads, vtx_chunk, &job, NULL, NULL, NULL, err);
    if (rc != TMESH_OK)
        goto done;
    size_t n_used = 0;
    for (int k = 0; k < 3; k++) {
        out->bbox_min[k] = INFINITY;
        out->bbox_max[k] = -INFINITY;
    }
    for (size_t c = 0; c < nchunks; c++) {
        const vtx_part *p = part + c;
        out->n_edges += p->edges;
        out->n_boundary_edges += p->boundary;
        out->n_nonmanifold_edges += p->nonmanifold;
        out->n_inconsistent_edges += p->inconsistent;
        out->n_nonmanifold_vertices += p->nm_vertices;
        out->n_duplicate_triangles += p->duplicates;
        n_used += p->used;
        for (int k = 0; k < 3; k++) {
            out->bbox_min[k] = fmin(out->bbox_min[k], p->lo[k]);
            out->bbox_max[k] = fmax(out->bbox_max[k], p->hi[k]);
        }
    }
    if (n_used == 0)
        for (int k = 0; k < 3; k++)
            out->bbox_min[k] = out->bbox_max[k] = 0.0;
    free(corner);
    free(flat);
    corner = NULL;
    flat = NULL;
    if (!topology_only) {
        used = malloc(nv ? nv : 1);
        vpar = malloc((nv ? nv : 1) * sizeof *vpar);
        if (used == NULL || vpar == NULL) {
            rc = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory checking a mesh");
            goto done;
        }
        for (size_t v = 0; v < nv; v++) {
            used[v] = start[v + 1] > start[v];
            vpar[v] = (uint32_t)v;
        }
        for (size_t t = 0; t < nt; t++) {
            const uint32_t *v = m->tri + 3 * t;
            tmesh_mesh__uf_union(vpar, v[0], v[1]);
            tmesh_mesh__uf_union(vpar, v[0], v[2]);
        }
        for (size_t v = 0; v < nv; v++)
            if (used[v] && tmesh_mesh__uf_find(vpar, (uint32_t)v) == v)
                out->n_components++;
        free(vpar);
        vpar = NULL;
        rc = count_coincident(m, used, &out->n_coincident_vertices, err);
        if (rc != TMESH_OK)
            goto done;
    }
    free(start);
    free(used);
    free(part);
    start = NULL;
    used = NULL;
    part = NULL;
    out->n_unused_vertices = nv - n_used;
    out->euler = (long)n_used - (long)out->n_edges + (long)nt;
    double vol = 0.0;
    if (!topology_only)
        tmesh_mesh__measure(m, &vol, &out->area_mm2);
    out->volume_ml = vol / 1000.0;
    out->watertight = nt > 0 && out->n_boundary_edges == 0;
    out->manifold = out->n_nonmanifold_edges == 0 && out->n_nonmanifold_vertices == 0;
    out->oriented = out->n_inconsistent_edges == 0;
    out->outward = out->watertight && out->manifold && out->oriented && out->volume_ml > 0;
    if (!topology_only && out->watertight && out->manifold && out->oriented) {
        long twice = 2 * (long)out->n_components - out->euler;
        if (twice >= 0 && twice % 2 == 0)
            out->genus = twice / 2;
    }
    if (o.self_intersections) {
        rc = tmesh_mesh__count_self_intersections(m, out->bbox_min, out->bbox_max, o.threads, NULL,
                                                  &out->self_intersections, bad, err);
        if (rc != TMESH_OK)
            goto done;
    }
    out->ok = out->outward && out->n_degenerate_triangles == 0 && out->n_coincident_vertices == 0 &&
              out->n_duplicate_triangles == 0 && out->n_unused_vertices == 0 &&
              out->self_intersections <= 0;
done:
    free(part);
    free(n_degenerate);
    free(flat);
    free(start);
    free(corner);
    free(vpar);
    free(used);
    return rc;
}

size_t tmesh_mesh_report_format(char *buf, size_t cap, const tmesh_mesh_report *r, int json)
{
    char tmp[2048];
    int n;
    if (json)
        n = snprintf(
            tmp, sizeof tmp,
            "{\"area_mm2\": %.6f, \"bbox_max_mm\": [%.6f, %.6f, %.6f], "
            "\"bbox_min_mm\": [%.6f, %.6f, %.6f], \"boundary_edges\": %zu, "
            "\"coincident_vertices\": %zu, \"components\": %zu, \"degenerate_triangles\": %zu, "
            "\"duplicate_triangles\": %zu, \"edges\": %zu, \"euler\": %ld, \"genus\": %ld, "
            "\"inconsistent_edges\": %zu, \"manifold\": %s, \"nonmanifold_edges\": %zu, "
            "\"nonmanifold_vertices\": %zu, \"ok\": %s, \"oriented\": %s, \"outward\": %s, "
            "\"self_intersections\": %ld, \"triangles\": %zu, \"unused_vertices\": %zu, "
            "\"vertices\": %zu, \"volume_ml\": %.6f, \"watertight\": %s}\n",
            r->area_mm2, r->bbox_max[0], r->bbox_max[1], r->bbox_max[2], r->bbox_min[0],
            r->bbox_min[1], r->bbox_min[2], r->n_boundary_edges, r->n_coincident_vertices,
            r->n_components, r->n_degenerate_triangles, r->n_duplicate_triangles, r->n_edges,
            r->euler, r->genus, r->n_inconsistent_edges, r->manifold ? "true" : "false",
            r->n_nonmanifold_edges, r->n_nonmanifold_vertices, r->ok ? "true" : "false",
            r->oriented ? "true" : "false", r->outward ? "true" : "false", r->self_intersections,
            r->n_triangles, r->n_unused_vertices, r->n_vertices, r->volume_ml,
            r->watertight ? "true" : "false");
    else
        n = snprintf(
            tmp, sizeof tmp,
            "vertices: %zu\ntriangles: %zu\nunused vertices: %zu\nedges: %zu\ncomponents: %zu\n"
            "boundary edges: %zu\nnon-manifold edges: %zu\nnon-manifold vertices: %zu\n"
            "inconsistent edges: %zu\ndegenerate triangles: %zu\nduplicate triangles: %zu\n"
            "coincident vertices: %zu\neuler characteristic: %ld\ngenus: %ld\narea mm2: "
            "%.6f\nvolume ml: %.6f\n"
            "bbox min mm: %.6f %.6f %.6f\nbbox max mm: %.6f %.6f %.6f\n"
            "self-intersections: %ld\nwatertight: %s\nmanifold: %s\noriented: %s\n"
            "outward: %s\nok: %s\n",
            r->n_vertices, r->n_triangles, r->n_unused_vertices, r->n_edges, r->n_components,
            r->n_boundary_edges, r->n_nonmanifold_edges, r->n_nonmanifold_vertices,
            r->n_inconsistent_edges, r->n_degenerate_triangles, r->n_duplicate_triangles,
            r->n_coincident_vertices, r->euler, r->genus, r->area_mm2, r->volume_ml, r->bbox_min[0],
            r->bbox_min[1], r->bbox_min[2], r->bbox_max[0], r->bbox_max[1], r->bbox_max[2],
            r->self_intersections, r->watertight ? "yes" : "no", r->manifold ? "yes" : "no",
            r->oriented ? "yes" : "no", r->outward ? "yes" : "no", r->ok ? "yes" : "no");
    if (n < 0)
        n = 0;
    if (cap > 0) {
        size_t k = (size_t)n < cap - 1 ? (size_t)n : cap - 1;
        memcpy(buf, tmp, k);
        buf[k] = '\0';
    }
    return (size_t)n;
}
