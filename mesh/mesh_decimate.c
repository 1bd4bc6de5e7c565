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
 * seam to the frozen part) locked, until the result keeps every property. The error bound in mm is
 * converted to meshoptimizer's relative error with meshopt_simplifyScale. Everything is
 * deterministic.
 */
#include "mesh_int.h"

#include <math.h>
#include <stddef.h>
#include <meshoptimizer.h>
#include <string.h>

#define MAX_ROUNDS 12

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

/* meshoptimizer's typical defect: collapsing an edge whose ends share a third neighbour folds
 * a pocket into two copies of one triangle, facing opposite ways, which makes their edges
 * non-manifold. The pair encloses no volume; dropping both restores the surface. Returns the
 * new index count (kept triangles keep their order). */
static size_t drop_folded_pairs(uint32_t *idx, size_t n, size_t nv, dup_key *keys)
{
    size_t nt = n / 3;
    for (size_t t = 0; t < nt; t++) {
        uint32_t a = idx[3 * t], b = idx[3 * t + 1], c = idx[3 * t + 2];
        uint32_t s0 = a, s1 = b, s2 = c;
        int swaps = 0;
        if (s0 > s1) {
            uint32_t x = s0;
            s0 = s1;
            s1 = x;
            swaps++;
        }
        if (s1 > s2) {
            uint32_t x = s1;
            s1 = s2;
            s2 = x;
            swaps++;
        }
        if (s0 > s1) {
            uint32_t x = s0;
            s0 = s1;
            s1 = x;
            swaps++;
        }
        keys[t].s[0] = s0;
        keys[t].s[1] = s1;
        keys[t].s[2] = s2;
        keys[t].t = (uint32_t)t;
        keys[t].even = swaps % 2 == 0;
    }
    if (tmesh_mesh__bucket_sort(keys, nt, sizeof *keys, offsetof(dup_key, s), nv, dup_cmp) != 0)
        qsort(keys, nt, sizeof *keys, dup_cmp); /* same order, no extra memory */
    size_t dropped = 0;
    for (size_t i = 0; i + 1 < nt; i++)
        if (memcmp(keys[i].s, keys[i + 1].s, sizeof keys[i].s) == 0 &&
            keys[i].even != keys[i + 1].even &&
            (i + 2 >= nt || memcmp(keys[i + 1].s, keys[i + 2].s, sizeof keys[i].s) != 0)) {
            idx[3 * keys[i].t] = idx[3 * keys[i + 1].t] = UINT32_MAX; /* mark */
            dropped += 2;
            i++;
        }
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

typedef struct ekey {
    uint32_t a, b, t;
} ekey;

static int ekey_cmp(const void *x, const void *y)
{
    const ekey *p = x, *q = y;
    if (p->a != q->a)
        return p->a < q->a ? -1 : 1;
    if (p->b != q->b)
        return p->b < q->b ? -1 : 1;
    return p->t < q->t ? -1 : p->t > q->t;
}

static double d2(const float *p, const float *q)
{
    double x = (double)p[0] - q[0], y = (double)p[1] - q[1], z = (double)p[2] - q[2];
    return x * x + y * y + z * z;
}

static int zero_area(const float *xyz, const uint32_t *v)
{
    const float *a = xyz + 3 * v[0], *b = xyz + 3 * v[1], *c = xyz + 3 * v[2];
    double e1[3], e2[3];
    for (int k = 0; k < 3; k++) {
        e1[k] = (double)b[k] - a[k];
        e2[k] = (double)c[k] - a[k];
    }
    return e1[1] * e2[2] - e1[2] * e2[1] == 0.0 && e1[2] * e2[0] - e1[0] * e2[2] == 0.0 &&
           e1[0] * e2[1] - e1[1] * e2[0] == 0.0;
}

/* On flat parts meshoptimizer can leave a sliver (a, b, c) with c on the segment ab. It is
 * removed by splitting the neighbour across ab, (b, a, d), at c into (b, c, d) and (c, a, d):
 * same triangle count, every edge still used twice, winding kept. Returns 0 or -1 (memory). */
static int repair_slivers(uint32_t *idx, size_t n, size_t nv, const float *xyz)
{
    size_t nt = n / 3;
    ekey *e = malloc((nt ? 3 * nt : 1) * sizeof *e);
    uint8_t *touched = malloc(nt ? nt : 1);
    if (e == NULL || touched == NULL) {
        free(e);
        free(touched);
        return -1;
    }
    for (int pass = 0; pass < 4; pass++) {
        size_t nd = 0;
        for (size_t t = 0; t < nt; t++) {
            const uint32_t *v = idx + 3 * t;
            nd += v[0] != v[1] && v[1] != v[2] && v[0] != v[2] && zero_area(xyz, v);
        }
        if (nd == 0)
            break;
        for (size_t t = 0; t < nt; t++)
            for (int c = 0; c < 3; c++) {
                uint32_t u = idx[3 * t + c], w = idx[3 * t + (c + 1) % 3];
                ekey k = {u < w ? u : w, u < w ? w : u, (uint32_t)t};
                e[3 * t + c] = k;
            }
        if (tmesh_mesh__bucket_sort(e, 3 * nt, sizeof *e, offsetof(ekey, a), nv, ekey_cmp) != 0)
            qsort(e, 3 * nt, sizeof *e, ekey_cmp);
        memset(touched, 0, nt);
        for (size_t t = 0; t < nt; t++) {
            uint32_t *v = idx + 3 * t;
            if (touched[t] || v[0] == v[1] || v[1] == v[2] || v[0] == v[2] || !zero_area(xyz, v))
                continue;
            /* Longest edge a -> b (in the triangle's order); c is the vertex on it. */
            int best = 0;
            double bl = -1.0;
            for (int c = 0; c < 3; c++) {
                double l = d2(xyz + 3 * v[c], xyz + 3 * v[(c + 1) % 3]);
                if (l > bl) {
                    bl = l;
                    best = c;
                }
            }
            uint32_t a = v[best], b = v[(best + 1) % 3], c = v[(best + 2) % 3];
            if (d2(xyz + 3 * c, xyz + 3 * a) == 0.0 || d2(xyz + 3 * c, xyz + 3 * b) == 0.0)
                continue; /* c sits on an end: no split point */
            ekey key = {a < b ? a : b, a < b ? b : a, 0};
            size_t lo = 0, hi = 3 * nt;
            while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (e[mid].a < key.a || (e[mid].a == key.a && e[mid].b < key.b))
                    lo = mid + 1;
                else
                    hi = mid;
            }
            size_t run = 0, other = SIZE_MAX;
            for (size_t i = lo; i < 3 * nt && e[i].a == key.a && e[i].b == key.b; i++) {
                run++;
                if (e[i].t != t)
                    other = e[i].t;
            }
            if (run != 2 || other == SIZE_MAX || touched[other])
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
        }
    }
    free(e);
    free(touched);
    return 0;
}

static tmesh_status decimate_one(tmesh_mesh *m, tmesh_mesh_decimate_opts o,
                                 tmesh_mesh_decimate_report *report_out, tmesh_error *err)
{
    tmesh_status rc = TMESH_OK;
    size_t nt = m->n_triangles, nv = m->n_vertices, ni = 3 * nt;
    tmesh_mesh_decimate_report rep = {nt, nt, 0.0, 0};
    if (nt == 0 || o.ratio == 1.0) {
        if (report_out)
            *report_out = rep;
        return TMESH_OK;
    }
    unsigned int *src = malloc(ni * sizeof *src), *dst = malloc(ni * sizeof *dst);
    uint8_t *frozen = calloc(nt, 1), *bad = malloc(nv ? nv : 1);
    dup_key *keys = malloc(nt * sizeof *keys);
    if (!src || !dst || !frozen || !bad || !keys) {
        rc = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory decimating %zu triangles", nt);
        goto done;
    }
    tmesh_mesh_report in;
    tmesh_mesh_check_opts chk = TMESH_MESH_CHECK_OPTS_INIT;
    /* The input's self-intersections are counted only when a result has some (lazily: on large
     * meshes the count costs seconds). */
    rc = tmesh_mesh_check(&in, m, NULL, err);
    if (rc != TMESH_OK)
        goto done;
    float scale = meshopt_simplifyScale(m->xyz, nv, 3 * sizeof(float));
    float rel = o.max_error > 0.0 && scale > 0.0f ? (float)(o.max_error / scale) : 1e10f;
    size_t target = (size_t)llround(o.ratio * (double)nt) * 3, n = 0;
    float result = 0.0f;
    int ok = 0;
    for (unsigned round = 0; round < MAX_ROUNDS && !ok; round++) {
        /* Free part first (simplified), then the frozen part unchanged, in input order. */
        size_t nfree = 0, nfrozen = 0;
        for (size_t t = 0; t < nt; t++)
            if (!frozen[t])
                memcpy(src + 3 * nfree++, m->tri + 3 * t, 3 * sizeof *src);
        /* The free part is reduced by the same ratio (not to the target minus the frozen
         * part, which would squeeze it to nothing once much is frozen). */
        size_t goal = nfree == nt ? target : (size_t)llround(o.ratio * (double)nfree) * 3;
        unsigned options = o.lock_border || round > 0 ? (unsigned)meshopt_SimplifyLockBorder : 0u;
        n = nfree ? meshopt_simplify(dst, src, 3 * nfree, m->xyz, nv, 3 * sizeof(float), goal, rel,
                                     options, &result)
                  : 0;
        for (size_t t = 0; t < nt; t++)
            if (frozen[t]) {
                memcpy(dst + n + 3 * nfrozen, m->tri + 3 * t, 3 * sizeof *dst);
                nfrozen++;
            }
        n += 3 * nfrozen;
        if (in.n_degenerate_triangles == 0 && repair_slivers(dst, n, nv, m->xyz) != 0) {
            rc = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory repairing slivers");
            goto done;
        }
        if (in.n_duplicate_triangles == 0)
            n = drop_folded_pairs(dst, n, nv, keys);
        tmesh_mesh view = *m;
        view.tri = dst;
        view.n_triangles = n / 3;
        view.normals = NULL;
        tmesh_mesh_report r;
        memset(bad, 0, nv ? nv : 1);
        /* New self-intersections count as damage only when the input had none. */
        chk.self_intersections = o.check_intersections && in.self_intersections <= 0;
        chk.threads = o.threads;
        rc = tmesh_mesh__check(&r, &view, &chk, bad, 1, err);
        if (rc != TMESH_OK)
            goto done;
        if (r.self_intersections > 0 && in.self_intersections < 0) {
            tmesh_mesh_report full;
            rc = tmesh_mesh_check(&full, m, &chk, err);
            if (rc != TMESH_OK)
                goto done;
            in.self_intersections = full.self_intersections;
        }
        ok = keeps(&in, &r);
        tmesh_log(TMESH_LOG_DEBUG,
                  "decimation round %u: %zu triangles, boundary %zu, non-manifold edges %zu, "
                  "vertices %zu, inconsistent %zu, degenerate %zu, duplicate %zu",
                  round, r.n_triangles, r.n_boundary_edges, r.n_nonmanifold_edges,
                  r.n_nonmanifold_vertices, r.n_inconsistent_edges, r.n_degenerate_triangles,
                  r.n_duplicate_triangles);
        if (!ok) {
            rep.retries++;
            freeze(m, bad, frozen, 2);
        }
    }
    if (ok) {
        memcpy(m->tri, dst, n * sizeof *dst);
        m->n_triangles = n / 3;
        rep.error_mm = (double)result * scale;
    } else {
        tmesh_log(TMESH_LOG_WARN,
                  "decimation kept breaking the mesh after %u rounds; the mesh "
                  "is left as it was",
                  MAX_ROUNDS);
    }
    if (rep.retries > 0 && ok) {
        size_t nf = 0;
        for (size_t t = 0; t < nt; t++)
            nf += frozen[t];
        tmesh_log(TMESH_LOG_NOTE, "decimation: %u repair rounds, %zu of %zu triangles frozen",
                  rep.retries, nf, nt);
    }
    rc = tmesh_mesh__compact(m, NULL, NULL, err);
    rep.triangles_after = m->n_triangles;
    if (rc == TMESH_OK && report_out)
        *report_out = rep;
done:
    free(src);
    free(dst);
    free(frozen);
    free(bad);
    free(keys);
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
    tmesh_mesh_decimate_report total = {m->n_triangles, 0, 0.0, 0};
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
