/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Surface smoothing that does not shrink: Taubin's lambda/mu filter and the windowed-sinc
 * filter (a Hamming-windowed Chebyshev expansion of the ideal low-pass in the eigenbasis of the
 * umbrella operator). Both use uniform neighbour weights and double precision; every vertex
 * update reads only the previous iterate, so fixed chunks of vertices run in parallel and the
 * result is identical at any thread count. Both report the change of enclosed volume.
 */
#include "mesh_int.h"

#include <math.h>
#include <string.h>

#define TMESH_PI 3.14159265358979323846

#define CHUNK 32768 /* vertices per task: fixed, never derived from the thread count */

typedef struct umb {
    double *dst;
    const double *src;
    double f;
    size_t nv;
    const size_t *start;
    const uint32_t *adj;
    const uint8_t *fixed;
    unsigned threads;
} umb;

/* dst = src + f * (mean of neighbours - src) for free vertices; dst = src for fixed ones.
 * Each vertex depends only on src, so chunks can run in any order and give the same bytes. */
static tmesh_status umbrella_chunk(size_t index, void *user, tmesh_error *err)
{
    const umb *u = user;
    double *dst = u->dst, f = u->f;
    const double *src = u->src;
    const size_t *start = u->start;
    const uint32_t *adj = u->adj;
    const uint8_t *fixed = u->fixed;
    size_t v0 = index * CHUNK, v1 = v0 + CHUNK < u->nv ? v0 + CHUNK : u->nv;
    for (size_t v = v0; v < v1; v++) {
        size_t a = start[v], b = start[v + 1];
        if (a == b || (fixed && fixed[v])) {
            memcpy(dst + 3 * v, src + 3 * v, 3 * sizeof(double));
            continue;
        }
        double acc[3] = {0, 0, 0};
        for (size_t i = a; i < b; i++)
            for (int k = 0; k < 3; k++)
                acc[k] += src[3 * adj[i] + k];
        for (int k = 0; k < 3; k++)
            dst[3 * v + k] = src[3 * v + k] + f * (acc[k] / (double)(b - a) - src[3 * v + k]);
    }
    return TMESH_OK;
}

static void umbrella(umb *u, double *dst, const double *src, double f)
{
    u->dst = dst;
    u->src = src;
    u->f = f;
    /* The chunk function cannot fail, and thread start failures fall back to the caller's
     * thread inside tmesh_parallel_for, so the status carries no information here. */
    (void)tmesh_parallel_for((u->nv + CHUNK - 1) / CHUNK, u->threads, umbrella_chunk, u, NULL, NULL,
                             NULL, NULL);
}

/* rep[v]: lowest index with exactly v's position; n_copies_out: vertices with rep[v] != v. */
static tmesh_status position_groups(const tmesh_mesh *m, uint32_t *rep, size_t *n_copies_out,
                                    tmesh_error *err)
{
    size_t nv = m->n_vertices, copies = 0;
    if (tmesh_mesh__group_positions(m->xyz, NULL, NULL, nv, 0, rep) != 0)
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory grouping %zu vertices", nv);
    for (size_t v = 0; v < nv; v++)
        copies += rep[v] != v;
    *n_copies_out = copies;
    return TMESH_OK;
}

tmesh_status tmesh_mesh_smooth(tmesh_mesh *m, const tmesh_mesh_smooth_opts *opts,
                               tmesh_mesh_smooth_report *report_out, tmesh_error *err)
{
    TMESH_ASSERT(m != NULL);
    tmesh_mesh_smooth_opts o = TMESH_MESH_SMOOTH_OPTS_INIT;
    if (opts)
        o = *opts;
    if (o.method != TMESH_MESH_SMOOTH_TAUBIN && o.method != TMESH_MESH_SMOOTH_SINC)
        return tmesh_error_set(err, TMESH_E_ARG, "method %d is not TAUBIN (0) or SINC (1)",
                               (int)o.method);
    if (o.threads > 256)
        return tmesh_error_set(err, TMESH_E_ARG, "threads %u out of range 0..256", o.threads);
    if (o.iterations < 1 || o.iterations > 1000)
        return tmesh_error_set(err, TMESH_E_ARG, "iterations %u out of range 1..1000",
                               o.iterations);
    if (o.method == TMESH_MESH_SMOOTH_TAUBIN) {
        if (!(o.lambda > 0.0 && o.lambda < 1.0))
            return tmesh_error_set(err, TMESH_E_ARG, "lambda %g out of range (0, 1)", o.lambda);
        if (!(o.mu > -1.0 && o.mu < -o.lambda))
            return tmesh_error_set(err, TMESH_E_ARG, "mu %g out of range (-1, -lambda = %g)", o.mu,
                                   -o.lambda);
    } else if (!(o.pass_band > 0.0 && o.pass_band < 2.0)) {
        return tmesh_error_set(err, TMESH_E_ARG, "pass_band %g out of range (0, 2)", o.pass_band);
    }
    tmesh_status rc = tmesh_mesh__validate(m, err);
    if (rc != TMESH_OK)
        return rc;
    size_t nv = m->n_vertices;
    tmesh_mesh_smooth_report rep = {0, 0, 0, 0, 0};
    double vol0;
    tmesh_mesh__measure(m, &vol0, NULL);
    rep.volume_before_ml = vol0 / 1000.0;

    size_t *start = NULL;
    uint32_t *adj = NULL;
    uint8_t *fixed = NULL;
    uint32_t *grp = NULL, *wtri = NULL;
    float *nx = NULL;
    uint32_t *pk = NULL;
    uint8_t *pinch = NULL;
    double *x = malloc((nv ? 3 * nv : 1) * sizeof(double));
    double *y = malloc((nv ? 3 * nv : 1) * sizeof(double));
    double *z = NULL, *acc = NULL;
    if (x == NULL || y == NULL)
        goto nomem;
    /* Vertices at identical positions (the copies that every label of a multi-label mesh has
     * on a shared boundary) move as one: the smoothing runs on the position-welded mesh and
     * the copies follow their representative, so shared boundaries stay shared. */
    grp = malloc((nv ? nv : 1) * sizeof *grp);
    if (grp == NULL)
        goto nomem;
    size_t n_copies = 0;
    rc = position_groups(m, grp, &n_copies, err);
    if (rc != TMESH_OK)
        goto done;
    tmesh_mesh welded = *m;
    if (n_copies > 0) {
        wtri = malloc((m->n_triangles ? 3 * m->n_triangles : 1) * sizeof *wtri);
        if (wtri == NULL)
            goto nomem;
        for (size_t i = 0; i < 3 * m->n_triangles; i++)
            wtri[i] = grp[m->tri[i]];
        welded.tri = wtri;
    }
    rc = tmesh_mesh__adjacency(&welded, o.threads, &start, &adj, o.fix_boundary ? &fixed : NULL,
                               err);
    if (rc != TMESH_OK)
        goto done;
    for (size_t i = 0; i < 3 * nv; i++)
        x[i] = m->xyz[i];
    umb uc = {NULL, NULL, 0.0, nv, start, adj, fixed, o.threads};
    if (o.method == TMESH_MESH_SMOOTH_TAUBIN) {
        for (unsigned it = 0; it < o.iterations; it++) {
            umbrella(&uc, y, x, o.lambda);
            umbrella(&uc, x, y, o.mu);
        }
    } else {
        /* Chebyshev recursion on W (mean of neighbours): x0 = p, x1 = W p,
         * x(n+1) = 2 W x(n) - x(n-1); result = sum f(n) x(n) with f(n) = window * coefficient
         * of the ideal low-pass with cut-off angle acos(1 - pass_band), normalised so that
         * sum f(n) = 1 (a constant field is kept: T_n(1) = 1). */
        unsigned N = o.iterations;
        double th = acos(1.0 - o.pass_band), fsum = 0.0;
        double *f = malloc((N + 1) * sizeof(double));
        z = malloc((nv ? 3 * nv : 1) * sizeof(double));
        acc = malloc((nv ? 3 * nv : 1) * sizeof(double));
        if (f == NULL || z == NULL || acc == NULL) {
            free(f);
            goto nomem;
        }
        for (unsigned n = 0; n <= N; n++) {
            double c = n == 0 ? th / TMESH_PI : 2.0 * sin(n * th) / (n * TMESH_PI);
            double w = 0.54 + 0.46 * cos(TMESH_PI * n / (N + 1.0));
            f[n] = c * w;
            fsum += f[n];
        }
        for (unsigned n = 0; n <= N; n++)
            f[n] /= fsum;
        /* prev = x0 (x), cur = x1 (y) */
        umbrella(&uc, y, x, 1.0);
        for (size_t i = 0; i < 3 * nv; i++)
            acc[i] = f[0] * x[i] + f[1] * y[i];
        double *prev = x, *cur = y, *next = z;
        for (unsigned n = 2; n <= N; n++) {
            umbrella(&uc, next, cur, 1.0); /* W cur */
            for (size_t i = 0; i < 3 * nv; i++) {
                next[i] = 2.0 * next[i] - prev[i];
                acc[i] += f[n] * next[i];
            }
            double *t = prev;
            prev = cur;
            cur = next;
            next = t;
        }
        free(f);
        memcpy(x, acc, 3 * nv * sizeof(double));
        if (fixed) /* fixed vertices: W is the identity there, so acc is p up to rounding */
            for (size_t v = 0; v < nv; v++)
                if (fixed[v])
                    for (int k = 0; k < 3; k++)
                        x[3 * v + k] = m->xyz[3 * v + k];
    }
    for (size_t v = 0; v < nv; v++)
        if (grp[v] != v)
            for (int k = 0; k < 3; k++)
                x[3 * v + k] = x[3 * grp[v] + k];
    nx = malloc((nv ? 3 * nv : 1) * sizeof *nx);
    pk = malloc((nv ? nv : 1) * sizeof *pk);
    pinch = malloc(nv ? nv : 1);
    if (nx == NULL || pk == NULL || pinch == NULL)
        goto nomem;
    for (size_t i = 0; i < 3 * nv; i++)
        nx[i] = (float)x[i];
    /* Two sheets that pass close to each other (where MC separated two voxels touching along
     * an edge) can be smoothed onto exactly the same point: a pinch that a file reader would
     * weld into a non-manifold vertex. Vertices that land on another vertex's position, which
     * was not theirs before, keep their original position. Likewise the corners of a triangle
     * that smoothing flattens to zero area (a degenerate triangle, once in float). */
    for (int pass = 0; pass < 4; pass++) {
        if (tmesh_mesh__group_positions(nx, NULL, NULL, nv, 1, pk) != 0)
            goto nomem;
        memset(pinch, 0, nv);
        for (size_t v = 0; v < nv; v++)
            pinch[pk[v]] |= grp[v] != grp[pk[v]];
        size_t kept = 0;
        for (size_t v = 0; v < nv; v++)
            if (pinch[pk[v]]) {
                memcpy(nx + 3 * v, m->xyz + 3 * v, 3 * sizeof(float));
                kept++;
            }
        for (size_t t = 0; t < m->n_triangles; t++) {
            const uint32_t *v = m->tri + 3 * t;
            if (!tmesh_mesh__degenerate(nx, v) || tmesh_mesh__degenerate(m->xyz, v))
                continue;
            for (int c = 0; c < 3; c++)
                if (memcmp(nx + 3 * (size_t)v[c], m->xyz + 3 * (size_t)v[c], 3 * sizeof *nx)) {
                    memcpy(nx + 3 * (size_t)v[c], m->xyz + 3 * (size_t)v[c], 3 * sizeof *nx);
                    kept++;
                }
        }
        rep.kept += kept;
        if (kept == 0)
            break;
    }
    for (size_t v = 0; v < nv; v++) {
        double d2 = 0;
        for (int k = 0; k < 3; k++) {
            double d = (double)nx[3 * v + k] - m->xyz[3 * v + k];
            d2 += d * d;
        }
        if (sqrt(d2) > rep.max_move)
            rep.max_move = sqrt(d2);
    }
    memcpy(m->xyz, nx, 3 * nv * sizeof(float));
    double vol1;
    tmesh_mesh__measure(m, &vol1, NULL);
    rep.volume_after_ml = vol1 / 1000.0;
    rep.volume_change_pct = vol0 != 0.0 ? 100.0 * (vol1 - vol0) / fabs(vol0) : 0.0;
    if (m->normals)
        rc = tmesh_mesh_compute_normals(m, err);
    if (rc == TMESH_OK && report_out)
        *report_out = rep;
    goto done;
nomem:
    rc = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory smoothing a mesh of %zu vertices", nv);
done:
    free(nx);
    free(pk);
    free(pinch);
    free(grp);
    free(wtri);
    free(x);
    free(y);
    free(z);
    free(acc);
    free(start);
    free(adj);
    free(fixed);
    return rc;
}
