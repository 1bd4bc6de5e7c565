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

typedef struct tri_key {
    uint32_t s[3];
    uint32_t t;
} tri_key;

static int tri_cmp(const void *x, const void *y)
{
    const tri_key *p = x, *q = y;
    for (int k = 0; k < 3; k++)
        if (p->s[k] != q->s[k])
            return p->s[k] < q->s[k] ? -1 : 1;
    return p->t < q->t ? -1 : p->t > q->t;
}

static uint32_t corner_of(const tmesh_mesh *m, uint32_t t, uint32_t v)
{
    for (uint32_t c = 0; c < 3; c++)
        if (m->tri[3 * t + c] == v)
            return 3 * t + c;
    return 3 * t;
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
    uint8_t *used = calloc(nv ? nv : 1, 1);
    uint32_t *vpar = malloc((nv ? nv : 1) * sizeof(uint32_t));
    uint32_t *cpar = malloc((nt ? 3 * nt : 1) * sizeof(uint32_t));
    uint32_t *first_root = malloc((nv ? nv : 1) * sizeof(uint32_t));
    uint8_t *nm_vertex = calloc(nv ? nv : 1, 1);
    tri_key *tk = malloc((nt ? nt : 1) * sizeof *tk);
    tmesh_mesh__edge *e = NULL;
    size_t ne = 0;
    if (!used || !vpar || !cpar || !first_root || !nm_vertex || !tk) {
        rc = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory checking a mesh");
        goto done;
    }
    rc = tmesh_mesh__edges(m, &e, &ne, err);
    if (rc != TMESH_OK)
        goto done;

    for (size_t v = 0; v < nv; v++) {
        vpar[v] = (uint32_t)v;
        first_root[v] = UINT32_MAX;
    }
    for (size_t c = 0; c < 3 * nt; c++)
        cpar[c] = (uint32_t)c;
    for (int k = 0; k < 3; k++) {
        out->bbox_min[k] = INFINITY;
        out->bbox_max[k] = -INFINITY;
    }
    for (size_t t = 0; t < nt; t++) {
        const uint32_t *v = m->tri + 3 * t;
        for (int c = 0; c < 3; c++) {
            if (!used[v[c]]) {
                used[v[c]] = 1;
                for (int k = 0; k < 3; k++) {
                    double x = m->xyz[3 * v[c] + k];
                    out->bbox_min[k] = fmin(out->bbox_min[k], x);
                    out->bbox_max[k] = fmax(out->bbox_max[k], x);
                }
            }
        }
        if (!topology_only) {
            tmesh_mesh__uf_union(vpar, v[0], v[1]);
            tmesh_mesh__uf_union(vpar, v[0], v[2]);
        }
        int deg = tmesh_mesh__degenerate(m->xyz, v);
        out->n_degenerate_triangles += (size_t)deg;
        if (bad && deg)
            bad[v[0]] = bad[v[1]] = bad[v[2]] = 1;
        uint32_t s[3];
        tmesh_mesh__sort3(v, s);
        memcpy(tk[t].s, s, sizeof s);
        tk[t].t = (uint32_t)t;
    }
    if (nt == 0)
        for (int k = 0; k < 3; k++)
            out->bbox_min[k] = out->bbox_max[k] = 0.0;
    if (!topology_only) {
        rc = count_coincident(m, used, &out->n_coincident_vertices, err);
        if (rc != TMESH_OK)
            goto done;
    }
    if (tmesh_mesh__bucket_sort(tk, nt, sizeof *tk, offsetof(tri_key, s), nv, tri_cmp) != 0) {
        rc = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory checking a mesh");
        goto done;
    }
    for (size_t i = 1; i < nt; i++)
        if (memcmp(tk[i].s, tk[i - 1].s, sizeof tk[i].s) == 0) {
            out->n_duplicate_triangles++;
            if (bad)
                bad[tk[i].s[0]] = bad[tk[i].s[1]] = bad[tk[i].s[2]] = 1;
        }

    /* Edges: group uses of the same undirected edge. */
    for (size_t i = 0; i < ne;) {
        size_t j = i;
        while (j < ne && e[j].a == e[i].a && e[j].b == e[i].b)
            j++;
        out->n_edges++;
        size_t cnt = j - i;
        if (cnt != 2 && bad)
            bad[e[i].a] = bad[e[i].b] = 1;
        if (cnt == 1)
            out->n_boundary_edges++;
        else if (cnt > 2)
            out->n_nonmanifold_edges++;
        else {
            if (e[i].fwd == e[i + 1].fwd) {
                out->n_inconsistent_edges++;
                if (bad)
                    bad[e[i].a] = bad[e[i].b] = 1;
            }
            /* Join the corners of both triangles at each end: fans around a vertex. */
            tmesh_mesh__uf_union(cpar, corner_of(m, e[i].tri, e[i].a),
                                 corner_of(m, e[i + 1].tri, e[i].a));
            tmesh_mesh__uf_union(cpar, corner_of(m, e[i].tri, e[i].b),
                                 corner_of(m, e[i + 1].tri, e[i].b));
        }
        i = j;
    }
    for (size_t t = 0; t < nt; t++) {
        const uint32_t *v = m->tri + 3 * t;
        if (v[0] == v[1] || v[1] == v[2] || v[0] == v[2])
            continue;
        for (uint32_t c = 0; c < 3; c++) {
            uint32_t r = tmesh_mesh__uf_find(cpar, (uint32_t)(3 * t + c));
            if (first_root[v[c]] == UINT32_MAX)
                first_root[v[c]] = r;
            else if (first_root[v[c]] != r)
                nm_vertex[v[c]] = 1;
        }
    }
    size_t n_used = 0;
    for (size_t v = 0; v < nv; v++) {
        n_used += used[v];
        out->n_nonmanifold_vertices += nm_vertex[v];
        if (bad && nm_vertex[v])
            bad[v] = 1;
        if (!topology_only && used[v] && tmesh_mesh__uf_find(vpar, (uint32_t)v) == v)
            out->n_components++;
    }
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
    /* The edge list and the other topology arrays are done with: free them before the
     * intersection count allocates its grid, so the two never add up at the peak. */
    free(e);
    free(tk);
    free(cpar);
    free(vpar);
    free(first_root);
    free(nm_vertex);
    free(used);
    e = NULL;
    tk = NULL;
    cpar = vpar = first_root = NULL;
    nm_vertex = used = NULL;
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
    free(used);
    free(vpar);
    free(cpar);
    free(first_root);
    free(nm_vertex);
    free(tk);
    free(e);
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
