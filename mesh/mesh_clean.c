/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mesh repair and filtering steps that the user asks for explicitly (welding, degenerate and
 * duplicate removal, connected-component filtering, normals), and the small helpers every
 * in-place step shares (validation, compaction, adjacency, measures).
 */
#include "mesh_int.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

tmesh_status tmesh_mesh__validate(const tmesh_mesh *m, tmesh_error *err)
{
    for (size_t t = 0; t < m->n_triangles; t++)
        for (int c = 0; c < 3; c++)
            if (m->tri[3 * t + c] >= m->n_vertices)
                return tmesh_error_set(err, TMESH_E_DATA,
                                       "triangle %zu uses vertex %u of %zu vertices", t,
                                       m->tri[3 * t + c], m->n_vertices);
    return TMESH_OK;
}

uint32_t tmesh_mesh__uf_find(uint32_t *parent, uint32_t x)
{
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

void tmesh_mesh__uf_union(uint32_t *parent, uint32_t a, uint32_t b)
{
    a = tmesh_mesh__uf_find(parent, a);
    b = tmesh_mesh__uf_find(parent, b);
    if (a < b)
        parent[b] = a;
    else if (b < a)
        parent[a] = b;
}

void tmesh_mesh__measure(const tmesh_mesh *m, double *volume_mm3_out, double *area_mm2_out)
{
    double vol = 0.0, area = 0.0;
    for (size_t t = 0; t < m->n_triangles; t++) {
        const float *a = m->xyz + 3 * m->tri[3 * t], *b = m->xyz + 3 * m->tri[3 * t + 1],
                    *c = m->xyz + 3 * m->tri[3 * t + 2];
        double e1[3], e2[3], n[3];
        for (int k = 0; k < 3; k++) {
            e1[k] = (double)b[k] - a[k];
            e2[k] = (double)c[k] - a[k];
        }
        n[0] = e1[1] * e2[2] - e1[2] * e2[1];
        n[1] = e1[2] * e2[0] - e1[0] * e2[2];
        n[2] = e1[0] * e2[1] - e1[1] * e2[0];
        area += 0.5 * sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
        /* Divergence theorem: the signed volume of the tetrahedron (origin, a, b, c). */
        vol += ((double)a[0] * ((double)b[1] * c[2] - (double)b[2] * c[1]) -
                (double)a[1] * ((double)b[0] * c[2] - (double)b[2] * c[0]) +
                (double)a[2] * ((double)b[0] * c[1] - (double)b[1] * c[0])) /
               6.0;
    }
    if (volume_mm3_out)
        *volume_mm3_out = vol;
    if (area_mm2_out)
        *area_mm2_out = area;
}

tmesh_status tmesh_mesh_compute_normals(tmesh_mesh *m, tmesh_error *err)
{
    TMESH_ASSERT(m != NULL);
    tmesh_status rc = tmesh_mesh__validate(m, err);
    if (rc != TMESH_OK)
        return rc;
    if (m->normals == NULL) {
        m->normals = malloc((m->n_vertices ? m->n_vertices : 1) * 3 * sizeof(float));
        if (m->normals == NULL)
            return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for normals");
    }
    double *acc = calloc(m->n_vertices ? 3 * m->n_vertices : 1, sizeof(double));
    if (acc == NULL)
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for normals");
    for (size_t t = 0; t < m->n_triangles; t++) {
        const uint32_t *v = m->tri + 3 * t;
        const float *a = m->xyz + 3 * v[0], *b = m->xyz + 3 * v[1], *c = m->xyz + 3 * v[2];
        double e1[3], e2[3], n[3];
        for (int k = 0; k < 3; k++) {
            e1[k] = (double)b[k] - a[k];
            e2[k] = (double)c[k] - a[k];
        }
        /* The unnormalised cross product is twice the area: area weighting for free. */
        n[0] = e1[1] * e2[2] - e1[2] * e2[1];
        n[1] = e1[2] * e2[0] - e1[0] * e2[2];
        n[2] = e1[0] * e2[1] - e1[1] * e2[0];
        for (int c2 = 0; c2 < 3; c2++)
            for (int k = 0; k < 3; k++)
                acc[3 * v[c2] + k] += n[k];
    }
    for (size_t i = 0; i < m->n_vertices; i++) {
        double *n = acc + 3 * i, len = sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
        for (int k = 0; k < 3; k++)
            m->normals[3 * i + k] = len > 0 ? (float)(n[k] / len) : 0.0f;
    }
    free(acc);
    return TMESH_OK;
}

tmesh_status tmesh_mesh__compact(tmesh_mesh *m, const uint8_t *keep_tri, size_t *unused_out,
                                 tmesh_error *err)
{
    size_t nt = 0;
    for (size_t t = 0; t < m->n_triangles; t++) {
        if (keep_tri != NULL && !keep_tri[t])
            continue;
        memmove(m->tri + 3 * nt, m->tri + 3 * t, 3 * sizeof(uint32_t));
        nt++;
    }
    m->n_triangles = nt;
    uint32_t *remap = malloc((m->n_vertices ? m->n_vertices : 1) * sizeof(uint32_t));
    if (remap == NULL)
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory compacting a mesh");
    for (size_t v = 0; v < m->n_vertices; v++)
        remap[v] = UINT32_MAX;
    for (size_t i = 0; i < 3 * nt; i++)
        remap[m->tri[i]] = 0;
    size_t nv = 0;
    for (size_t v = 0; v < m->n_vertices; v++) {
        if (remap[v] == UINT32_MAX)
            continue;
        remap[v] = (uint32_t)nv;
        memmove(m->xyz + 3 * nv, m->xyz + 3 * v, 3 * sizeof(float));
        if (m->normals)
            memmove(m->normals + 3 * nv, m->normals + 3 * v, 3 * sizeof(float));
        if (m->labels)
            m->labels[nv] = m->labels[v];
        nv++;
    }
    for (size_t i = 0; i < 3 * nt; i++)
        m->tri[i] = remap[m->tri[i]];
    free(remap);
    if (unused_out)
        *unused_out = m->n_vertices - nv;
    m->n_vertices = nv;
    /* Shrinking never needs the memory back; keep the larger blocks (realloc may fail). */
    if (m->normals)
        return tmesh_mesh_compute_normals(m, err);
    return TMESH_OK;
}

/* Rows of the adjacency are sorted and made unique in parallel, in chunks of vertices. */
#define ADJ_CHUNK 16384

typedef struct adj_job {
    size_t nv;
    size_t *start;
    uint32_t *adj;
    uint32_t *uniq; /* per vertex: distinct neighbours, at the front of its row */
    uint8_t *bnd;
} adj_job;

static tmesh_status adj_chunk(size_t index, void *user, tmesh_error *err)
{
    (void)err;
    adj_job *j = user;
    size_t v1 = (index + 1) * ADJ_CHUNK < j->nv ? (index + 1) * ADJ_CHUNK : j->nv;
    uint32_t *adj = j->adj;
    for (size_t v = index * ADJ_CHUNK; v < v1; v++) {
        size_t a = j->start[v], b = j->start[v + 1];
        for (size_t i = a + 1; i < b; i++) {
            uint32_t x = adj[i];
            size_t k = i;
            while (k > a && adj[k - 1] > x) {
                adj[k] = adj[k - 1];
                k--;
            }
            adj[k] = x;
        }
        /* Each triangle at v lists both its other corners, so a neighbour listed once shares a
         * single triangle with v: a boundary edge (self-loops of degenerate triangles
         * aside). The count is the same from the other end, so each vertex marks only
         * itself. */
        size_t w = a;
        for (size_t i = a; i < b; i++) {
            if (j->bnd && adj[i] != v && (i == a || adj[i] != adj[i - 1]) &&
                (i + 1 == b || adj[i + 1] != adj[i]))
                j->bnd[v] = 1;
            if (i == a || adj[i] != adj[i - 1])
                adj[w++] = adj[i];
        }
        j->uniq[v] = (uint32_t)(w - a);
    }
    return TMESH_OK;
}

tmesh_status tmesh_mesh__adjacency(const tmesh_mesh *m, unsigned threads, size_t **start_out,
                                   uint32_t **adj_out, uint8_t **boundary_out, tmesh_error *err)
{
    size_t nv = m->n_vertices;
    size_t *start = calloc(nv + 1, sizeof(size_t));
    uint32_t *adj = malloc((m->n_triangles ? 6 * m->n_triangles : 1) * sizeof(uint32_t));
    uint32_t *uniq = malloc((nv ? nv : 1) * sizeof *uniq);
    uint8_t *bnd = boundary_out != NULL ? calloc(nv ? nv : 1, 1) : NULL;
    if (start == NULL || adj == NULL || uniq == NULL || (boundary_out != NULL && bnd == NULL)) {
        free(start);
        free(adj);
        free(uniq);
        free(bnd);
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for vertex adjacency");
    }
    for (size_t t = 0; t < m->n_triangles; t++)
        for (int c = 0; c < 3; c++)
            start[m->tri[3 * t + c] + 1] += 2;
    for (size_t v = 0; v < nv; v++)
        start[v + 1] += start[v];
    /* Fill each row from its end (start[v + 1] counts down), leaving start as it was. */
    for (size_t t = m->n_triangles; t-- > 0;)
        for (int c = 3; c-- > 0;) {
            uint32_t v = m->tri[3 * t + c];
            adj[--start[v + 1]] = m->tri[3 * t + (c + 2) % 3];
            adj[--start[v + 1]] = m->tri[3 * t + (c + 1) % 3];
        }
    for (size_t v = 0; v < nv; v++) /* start[v + 1] now holds row v's start: shift back */
        start[v] = start[v + 1];
    start[nv] = 6 * m->n_triangles;
    adj_job job = {nv, start, adj, uniq, bnd};
    (void)tmesh_parallel_for((nv + ADJ_CHUNK - 1) / ADJ_CHUNK, threads, adj_chunk, &job, NULL, NULL,
                             NULL, NULL); /* cannot fail: threads fall back inline */
    /* Close the gaps left by duplicates, in order. */
    size_t w = 0;
    for (size_t v = 0; v < nv; v++) {
        size_t a = start[v];
        start[v] = w;
        memmove(adj + w, adj + a, uniq[v] * sizeof *adj);
        w += uniq[v];
    }
    start[nv] = w;
    free(uniq);
    *start_out = start;
    *adj_out = adj;
    if (boundary_out)
        *boundary_out = bnd;
    return TMESH_OK;
}

static uint64_t pos_hash(const uint32_t w[4])
{
    uint64_t h = 0x9e3779b97f4a7c15u;
    for (int i = 0; i < 4; i++) {
        h ^= w[i];
        h *= 0xff51afd7ed558ccdu;
        h ^= h >> 32;
    }
    return h;
}

/* The key of vertex v's position (-0 as +0 and NaN skipped unless bitwise): 0 when v joins no
 * group, else 1 with its hash in *h and the compared position in p. */
static int position_key(const float *xyz, const uint16_t *labels, const uint8_t *used, size_t v,
                        int bitwise, float p[3], uint64_t *h)
{
    memcpy(p, xyz + 3 * v, 3 * sizeof *p);
    if (used != NULL && !used[v])
        return 0;
    if (!bitwise) {
        if (isnan(p[0]) || isnan(p[1]) || isnan(p[2]))
            return 0; /* equal to nothing */
        for (int k = 0; k < 3; k++)
            if (p[k] == 0.0f)
                p[k] = 0.0f; /* -0 is +0 */
    }
    uint32_t w[4] = {0, 0, 0, labels ? labels[v] : 0};
    memcpy(w, p, 3 * sizeof *p);
    *h = pos_hash(w);
    return 1;
}

#define GROUP_AHEAD 16 /* keys hashed (and their slots fetched) this many vertices ahead */

int tmesh_mesh__group_positions(const float *xyz, const uint16_t *labels, const uint8_t *used,
                                size_t nv, int bitwise, uint32_t *first)
{
    size_t cap = 16;
    while (cap < 2 * nv)
        cap *= 2;
    /* A slot holds a vertex and the top half of its key's hash: most probes that do not match
     * are rejected without reading the other vertex's position. */
    uint64_t *slot = malloc(cap * sizeof *slot);
    if (slot == NULL)
        return -1;
    memset(slot, 0xff, cap * sizeof *slot);
    uint64_t hs[GROUP_AHEAD];
    float ps[GROUP_AHEAD][3];
    int ks[GROUP_AHEAD];
    for (size_t v = 0; v < nv && v < GROUP_AHEAD; v++)
        ks[v] = position_key(xyz, labels, used, v, bitwise, ps[v], &hs[v]);
    for (size_t v = 0; v < nv; v++) {
        size_t r = v % GROUP_AHEAD;
        uint64_t hv = hs[r];
        float p[3];
        memcpy(p, ps[r], sizeof p);
        int key = ks[r];
        if (v + GROUP_AHEAD < nv) {
            ks[r] = position_key(xyz, labels, used, v + GROUP_AHEAD, bitwise, ps[r], &hs[r]);
            if (ks[r])
                __builtin_prefetch(slot + (hs[r] & (cap - 1)));
        }
        first[v] = (uint32_t)v;
        if (!key)
            continue;
        uint64_t tag = hv >> 32;
        for (size_t h = hv & (cap - 1);; h = (h + 1) & (cap - 1)) {
            uint64_t e = slot[h];
            if (e == UINT64_MAX) {
                slot[h] = tag << 32 | (uint64_t)v;
                break;
            }
            if (e >> 32 != tag)
                continue;
            uint32_t u = (uint32_t)e;
            float q[3];
            memcpy(q, xyz + 3 * (size_t)u, sizeof q);
            if (!bitwise)
                for (int k = 0; k < 3; k++)
                    if (q[k] == 0.0f)
                        q[k] = 0.0f;
            if (memcmp(q, p, sizeof p) == 0 && (labels == NULL || labels[u] == labels[v])) {
                first[v] = u;
                break;
            }
        }
    }
    free(slot);
    return 0;
}

int tmesh_mesh__bucket_sort(void *items, size_t n, size_t size, size_t key_off, size_t n_keys,
                            int (*cmp)(const void *, const void *))
{
    if (n < 2)
        return 0;
    size_t *start = calloc(n_keys + 1, sizeof *start);
    unsigned char *tmp = malloc(n * size), *base = items, *swap = malloc(size);
    if (start == NULL || tmp == NULL || swap == NULL) {
        free(start);
        free(tmp);
        free(swap);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t k;
        memcpy(&k, base + i * size + key_off, sizeof k);
        TMESH_ASSERT(k < n_keys);
        start[k + 1]++;
    }
    for (size_t k = 0; k < n_keys; k++)
        start[k + 1] += start[k];
    for (size_t i = 0; i < n; i++) { /* stable: items keep their order within a key */
        uint32_t k;
        memcpy(&k, base + i * size + key_off, sizeof k);
        memcpy(tmp + start[k]++ * size, base + i * size, size);
    }
    memcpy(base, tmp, n * size);
    free(tmp);
    /* start[k] is now the end of bucket k. */
    for (size_t k = 0, lo = 0; k < n_keys; lo = start[k], k++) {
        size_t hi = start[k];
        if (hi - lo > 32) {
            qsort(base + lo * size, hi - lo, size, cmp);
            continue;
        }
        for (size_t i = lo + 1; i < hi; i++) {
            size_t j = i;
            if (cmp(base + (j - 1) * size, base + i * size) <= 0)
                continue;
            memcpy(swap, base + i * size, size);
            while (j > lo && cmp(base + (j - 1) * size, swap) > 0) {
                memcpy(base + j * size, base + (j - 1) * size, size);
                j--;
            }
            memcpy(base + j * size, swap, size);
        }
    }
    free(start);
    free(swap);
    return 0;
}

/* ---- welding ---- */

typedef struct weld_key {
    int64_t q[3];
    uint32_t v;
} weld_key;

static int weld_cmp(const void *x, const void *y)
{
    const weld_key *p = x, *q = y;
    for (int k = 0; k < 3; k++)
        if (p->q[k] != q->q[k])
            return p->q[k] < q->q[k] ? -1 : 1;
    return p->v < q->v ? -1 : p->v > q->v;
}

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

tmesh_status tmesh_mesh_clean(tmesh_mesh *m, const tmesh_mesh_clean_opts *opts,
                              tmesh_mesh_clean_report *report_out, tmesh_error *err)
{
    TMESH_ASSERT(m != NULL);
    tmesh_mesh_clean_opts o = TMESH_MESH_CLEAN_OPTS_INIT;
    if (opts)
        o = *opts;
    if (!(o.weld_tolerance >= 0.0 && o.weld_tolerance <= 1e3))
        return tmesh_error_set(err, TMESH_E_ARG, "weld_tolerance %g mm out of range 0..1000",
                               o.weld_tolerance);
    tmesh_status rc = tmesh_mesh__validate(m, err);
    if (rc != TMESH_OK)
        return rc;
    tmesh_mesh_clean_report rep = {0, 0, 0, 0};
    size_t nv = m->n_vertices, nt = m->n_triangles;
    weld_key *keys = malloc((nv ? nv : 1) * sizeof *keys);
    uint32_t *to = malloc((nv ? nv : 1) * sizeof *to);
    uint8_t *keep = malloc(nt ? nt : 1);
    tri_key *tk = malloc((nt ? nt : 1) * sizeof *tk);
    if (!keys || !to || !keep || !tk) {
        rc = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory cleaning a mesh");
        goto done;
    }
    /* Weld: vertices with the same quantised position (or the same exact bits at tolerance 0)
     * map to the lowest index of their group. */
    for (size_t v = 0; v < nv; v++) {
        for (int k = 0; k < 3; k++) {
            float x = m->xyz[3 * v + k];
            double q = o.weld_tolerance > 0 ? floor((double)x / o.weld_tolerance) : 0.0;
            if (o.weld_tolerance > 0 && q > -9e18 && q < 9e18) {
                keys[v].q[k] = (int64_t)q;
            } else { /* exact bits; also for NaN, infinities and cells beyond int64 */
                if (x == 0.0f)
                    x = 0.0f; /* -0 and +0 are the same point */
                int32_t bits;
                memcpy(&bits, &x, sizeof bits);
                /* Kept apart from the quantised cells (which stay within +-9e18). */
                keys[v].q[k] =
                    o.weld_tolerance > 0 ? INT64_MIN + ((int64_t)bits & 0xffffffff) : bits;
            }
        }
        keys[v].v = (uint32_t)v;
    }
    qsort(keys, nv, sizeof *keys, weld_cmp);
    for (size_t i = 0; i < nv;) {
        size_t j = i;
        while (j < nv && memcmp(keys[j].q, keys[i].q, sizeof keys[i].q) == 0) {
            to[keys[j].v] = keys[i].v;
            j++;
        }
        rep.vertices_welded += j - i - 1;
        i = j;
    }
    for (size_t i = 0; i < 3 * nt; i++)
        m->tri[i] = to[m->tri[i]];
    for (size_t t = 0; t < nt; t++) {
        keep[t] = 1;
        uint32_t *v = m->tri + 3 * t;
        if (o.remove_degenerate) {
            int deg = tmesh_mesh__degenerate(m->xyz, v);
            if (deg) {
                keep[t] = 0;
                rep.degenerate_removed++;
            }
        }
        uint32_t s[3];
        tmesh_mesh__sort3(v, s);
        memcpy(tk[t].s, s, sizeof s);
        tk[t].t = (uint32_t)t;
    }
    if (o.remove_duplicates) {
        qsort(tk, nt, sizeof *tk, tri_cmp);
        for (size_t i = 1; i < nt; i++)
            if (memcmp(tk[i].s, tk[i - 1].s, sizeof tk[i].s) == 0 && keep[tk[i].t]) {
                keep[tk[i].t] = 0;
                rep.duplicates_removed++;
            }
    }
    rc = tmesh_mesh__compact(m, keep, &rep.unused_removed, err);
    if (rc == TMESH_OK && report_out)
        *report_out = rep;
done:
    free(keys);
    free(to);
    free(keep);
    free(tk);
    return rc;
}

/* ---- connected components ---- */

typedef struct comp_rec {
    double area;
    uint32_t root; /* lowest vertex id: a total order for ties */
} comp_rec;

static int comp_cmp(const void *x, const void *y)
{
    const comp_rec *p = x, *q = y;
    if (p->area != q->area)
        return p->area > q->area ? -1 : 1;
    return p->root < q->root ? -1 : p->root > q->root;
}

tmesh_status tmesh_mesh_filter_components(tmesh_mesh *m, const tmesh_mesh_components_opts *opts,
                                          size_t *removed_out, tmesh_error *err)
{
    TMESH_ASSERT(m != NULL);
    tmesh_mesh_components_opts o = TMESH_MESH_COMPONENTS_OPTS_INIT;
    if (opts)
        o = *opts;
    if (!(o.min_area >= 0.0) || isinf(o.min_area))
        return tmesh_error_set(err, TMESH_E_ARG, "min_area %g mm2 must be finite and >= 0",
                               o.min_area);
    tmesh_status rc = tmesh_mesh__validate(m, err);
    if (rc != TMESH_OK)
        return rc;
    size_t nv = m->n_vertices, nt = m->n_triangles;
    uint32_t *parent = malloc((nv ? nv : 1) * sizeof *parent);
    double *area = calloc(nv ? nv : 1, sizeof *area);
    uint8_t *keep = malloc(nt ? nt : 1), *keep_root = calloc(nv ? nv : 1, 1);
    comp_rec *comps = malloc((nv ? nv : 1) * sizeof *comps);
    if (!parent || !area || !keep || !keep_root || !comps) {
        rc = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory filtering components");
        goto done;
    }
    for (size_t v = 0; v < nv; v++)
        parent[v] = (uint32_t)v;
    for (size_t t = 0; t < nt; t++) {
        tmesh_mesh__uf_union(parent, m->tri[3 * t], m->tri[3 * t + 1]);
        tmesh_mesh__uf_union(parent, m->tri[3 * t], m->tri[3 * t + 2]);
    }
    for (size_t t = 0; t < nt; t++) {
        tmesh_mesh one = *m;
        one.tri = m->tri + 3 * t;
        one.n_triangles = 1;
        double a;
        tmesh_mesh__measure(&one, NULL, &a);
        area[tmesh_mesh__uf_find(parent, m->tri[3 * t])] += a;
    }
    size_t nc = 0;
    uint8_t *used = keep_root; /* temporarily: roots that have triangles */
    for (size_t t = 0; t < nt; t++)
        used[tmesh_mesh__uf_find(parent, m->tri[3 * t])] = 1;
    for (size_t v = 0; v < nv; v++)
        if (used[v] && parent[v] == v) {
            comps[nc].area = area[v];
            comps[nc].root = (uint32_t)v;
            nc++;
        }
    memset(keep_root, 0, nv ? nv : 1);
    qsort(comps, nc, sizeof *comps, comp_cmp);
    size_t removed = 0;
    for (size_t c = 0; c < nc; c++) {
        int k = (o.keep_largest == 0 || c < o.keep_largest) && comps[c].area >= o.min_area;
        keep_root[comps[c].root] = (uint8_t)k;
        removed += !k;
    }
    for (size_t t = 0; t < nt; t++)
        keep[t] = keep_root[tmesh_mesh__uf_find(parent, m->tri[3 * t])];
    rc = tmesh_mesh__compact(m, keep, NULL, err);
    if (rc == TMESH_OK && removed_out)
        *removed_out = removed;
done:
    free(parent);
    free(area);
    free(keep);
    free(keep_root);
    free(comps);
    return rc;
}
