/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Marching cubes over slabs of k. The volume is padded virtually by one sample of "outside" on
 * every side so surfaces close at the border. Each slab of SLAB cell layers is meshed by its own
 * task into its own buffers; the x/y-edge vertices of the slab's first and last sample layers
 * are created by both neighbouring slabs, in the same order, from the same values, so at the
 * merge the upper slab's copy is kept and the lower slab's top-layer ids are remapped onto it.
 * Slab boundaries depend only on the volume size, so the output is identical at any thread
 * count. Also the public extraction entry points (isosurface, labels).
 */
#include "mesh_int.h"

#include <math.h>
#include <string.h>

#define SLAB 16 /* cell layers per task: fixed, never derived from the thread count */

int tmesh_mesh__buf_reserve(tmesh_mesh__buf *b, size_t elem, size_t more)
{
    if (b->len + more <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < b->len + more) {
        if (cap > SIZE_MAX / 2 / elem)
            return -1;
        cap *= 2;
    }
    void *p = realloc(b->data, cap * elem);
    if (p == NULL)
        return -1;
    b->data = p;
    b->cap = cap;
    return 0;
}

double tmesh_mesh__det3(const double m[4][4])
{
    return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
           m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
           m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
}

void tmesh_mesh__grid_to_lps(const tmesh_mesh__grid *g, double pi, double pj, double pk,
                             float *xyz_out)
{
    double ijk[3] = {(double)g->lo[0] + pi - 1.0, (double)g->lo[1] + pj - 1.0,
                     (double)g->lo[2] + pk - 1.0};
    const double(*m)[4] = g->vol->ijk_to_lps;
    for (int r = 0; r < 3; r++)
        xyz_out[r] = (float)(m[r][0] * ijk[0] + m[r][1] * ijk[1] + m[r][2] * ijk[2] + m[r][3]);
}

void tmesh_mesh__load_layer(const tmesh_mesh__grid *g, size_t pk, float *val, uint8_t *state)
{
    size_t p0 = g->n[0] + 2, p1 = g->n[1] + 2, plane = p0 * p1;
    memset(state, 2, plane);
    for (size_t i = 0; i < plane; i++)
        val[i] = 0.0f;
    if (pk == 0 || pk == g->n[2] + 1)
        return;
    const tmesh_volume *v = g->vol;
    size_t k = g->lo[2] + pk - 1;
    TMESH_ASSERT(k >= g->k0 && k - g->k0 < v->dim[2]);
    for (size_t pj = 1; pj <= g->n[1]; pj++) {
        size_t j = g->lo[1] + pj - 1;
        size_t src = g->lo[0] + v->dim[0] * (j + v->dim[1] * (k - g->k0));
        float *vr = val + pj * p0 + 1;
        uint8_t *sr = state + pj * p0 + 1;
        size_t n0 = g->n[0];
        if (g->field != NULL) {
            const float *f = g->field + n0 * ((pj - 1) + g->n[1] * (pk - 1));
            for (size_t i = 0; i < n0; i++)
                vr[i] = f[i];
        } else if (g->label_mode) {
            for (size_t i = 0; i < n0; i++) {
                unsigned lab = v->type == TMESH_VOXEL_U8 ? ((const uint8_t *)v->data)[src + i]
                                                         : ((const uint16_t *)v->data)[src + i];
                int in = g->label_mode == 1 ? lab != 0 : lab == g->label;
                vr[i] = g->label_mode == 3 ? (float)lab : in ? 1.0f : 0.0f;
            }
        } else {
            switch (v->type) {
            case TMESH_VOXEL_U8:
                for (size_t i = 0; i < n0; i++)
                    vr[i] = (float)((const uint8_t *)v->data)[src + i];
                break;
            case TMESH_VOXEL_I16:
                for (size_t i = 0; i < n0; i++)
                    vr[i] = (float)((const int16_t *)v->data)[src + i];
                break;
            case TMESH_VOXEL_U16:
                for (size_t i = 0; i < n0; i++)
                    vr[i] = (float)((const uint16_t *)v->data)[src + i];
                break;
            default:
                for (size_t i = 0; i < n0; i++)
                    vr[i] = ((const float *)v->data)[src + i];
                break;
            }
        }
        for (size_t i = 0; i < n0; i++) {
            float x = vr[i];
            sr[i] = isnan(x) ? 2 : (double)x >= g->iso ? 1 : 0;
        }
        if (g->mask != NULL) {
            const tmesh_volume *mk = g->mask;
            for (size_t i = 0; i < n0; i++)
                if (tmesh_volume_get(mk, g->lo[0] + i, j, k) == 0.0)
                    sr[i] = 2;
        }
    }
}

/* Parameter of the crossing on the edge from sample a to sample b. */
static double edge_t(const tmesh_mesh__grid *g, float va, uint8_t sa, float vb, uint8_t sb)
{
    if (sa == 2 || sb == 2)
        return 0.5; /* padding, mask or NaN: no value to interpolate, cut half way */
    double t = (g->iso - (double)va) / ((double)vb - (double)va);
    /* Keep vertices off the samples so no triangle collapses (documented: 1/1000 sample). */
    if (!(t >= 0.001))
        t = 0.001;
    if (t > 0.999)
        t = 0.999;
    return t;
}

typedef struct slab_out {
    tmesh_mesh__buf xyz; /* 3 floats per element */
    tmesh_mesh__buf tri; /* 3 uint32 per element */
    size_t n_bottom, n_top;
} slab_out;

typedef struct mc_job {
    const tmesh_mesh__grid *g;
    const tmesh_mesh__mc_table *table;
    slab_out *slabs;
    size_t n_slabs;
    size_t first; /* task i meshes slab first + i */
} mc_job;

static int add_vertex(slab_out *s, const tmesh_mesh__grid *g, double pi, double pj, double pk,
                      uint32_t *id_out)
{
    if (tmesh_mesh__buf_reserve(&s->xyz, 3 * sizeof(float), 1) != 0)
        return -1;
    if (s->xyz.len >= UINT32_MAX)
        return -1;
    tmesh_mesh__grid_to_lps(g, pi, pj, pk, (float *)s->xyz.data + 3 * s->xyz.len);
    *id_out = (uint32_t)s->xyz.len++;
    return 0;
}

/* Eight state bytes as one word. Equal words of neighbouring samples mean none of those eight
 * edges can be crossed (equal states have equal inside-ness), so whole runs of empty space are
 * skipped eight samples at a time; unequal words fall back to the per-sample test, so the
 * vertices come out in exactly the same order either way. */
static uint64_t ld8(const uint8_t *p)
{
    uint64_t w;
    memcpy(&w, p, sizeof w);
    return w;
}

/* Vertices on the x and y edges of sample layer pk; returns -1 out of memory. */
static int layer_vertices(slab_out *s, const tmesh_mesh__grid *g, size_t pk, const float *val,
                          const uint8_t *st, uint32_t *xmap, uint32_t *ymap)
{
    size_t p0 = g->n[0] + 2, p1 = g->n[1] + 2;
    for (size_t pj = 0; pj < p1; pj++) {
        for (size_t pi = 0; pi + 1 < p0; pi++) {
            size_t a = pj * p0 + pi;
            if (pi + 9 <= p0 && ld8(st + a) == ld8(st + a + 1)) {
                pi += 7;
                continue;
            }
            if ((st[a] == 1) != (st[a + 1] == 1)) {
                double t = edge_t(g, val[a], st[a], val[a + 1], st[a + 1]);
                if (add_vertex(s, g, (double)pi + t, (double)pj, (double)pk, &xmap[a]) != 0)
                    return -1;
            }
        }
        if (pj + 1 == p1)
            break;
        for (size_t pi = 0; pi < p0; pi++) {
            size_t a = pj * p0 + pi, b = a + p0;
            if (pi + 8 <= p0 && ld8(st + a) == ld8(st + b)) {
                pi += 7;
                continue;
            }
            if ((st[a] == 1) != (st[b] == 1)) {
                double t = edge_t(g, val[a], st[a], val[b], st[b]);
                if (add_vertex(s, g, (double)pi, (double)pj + t, (double)pk, &ymap[a]) != 0)
                    return -1;
            }
        }
    }
    return 0;
}

static tmesh_status mc_slab(size_t index, void *user, tmesh_error *err)
{
    mc_job *job = user;
    const tmesh_mesh__grid *g = job->g;
    const tmesh_mesh__mc_table *tb = job->table;
    index += job->first;
    slab_out *s = &job->slabs[index];
    size_t p0 = g->n[0] + 2, p1 = g->n[1] + 2, plane = p0 * p1, ncl = g->n[2] + 1;
    size_t c0 = index * SLAB, c1 = c0 + SLAB < ncl ? c0 + SLAB : ncl;

    float *val[2] = {malloc(plane * sizeof(float)), malloc(plane * sizeof(float))};
    uint8_t *st[2] = {malloc(plane), malloc(plane)};
    uint32_t *xm[2] = {malloc(plane * 4), malloc(plane * 4)};
    uint32_t *ym[2] = {malloc(plane * 4), malloc(plane * 4)};
    uint32_t *zm = malloc(plane * 4);
    tmesh_status rc = TMESH_OK;
    if (!val[0] || !val[1] || !st[0] || !st[1] || !xm[0] || !xm[1] || !ym[0] || !ym[1] || !zm) {
        rc = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for slab %zu", index);
        goto done;
    }
    tmesh_mesh__load_layer(g, c0, val[0], st[0]);
    if (layer_vertices(s, g, c0, val[0], st[0], xm[0], ym[0]) != 0)
        goto nomem;
    s->n_bottom = s->xyz.len;
    for (size_t c = c0; c < c1; c++) {
        int a = (int)((c - c0) & 1), b = a ^ 1;
        tmesh_mesh__load_layer(g, c + 1, val[b], st[b]);
        for (size_t i = 0; i < plane; i++) {
            if (i + 8 <= plane && ld8(st[a] + i) == ld8(st[b] + i)) {
                i += 7;
                continue;
            }
            if ((st[a][i] == 1) != (st[b][i] == 1)) {
                double t = edge_t(g, val[a][i], st[a][i], val[b][i], st[b][i]);
                if (add_vertex(s, g, (double)(i % p0), (double)(i / p0), (double)c + t, &zm[i]) !=
                    0)
                    goto nomem;
            }
        }
        size_t before = s->xyz.len;
        if (layer_vertices(s, g, c + 1, val[b], st[b], xm[b], ym[b]) != 0)
            goto nomem;
        if (c + 1 == c1)
            s->n_top = s->xyz.len - before;
        const uint8_t *sa = st[a], *sb = st[b];
        for (size_t pj = 0; pj + 1 < p1; pj++) {
            for (size_t pi = 0; pi + 1 < p0; pi++) {
                size_t o = pj * p0 + pi;
                if (pi + 9 <= p0) {
                    uint64_t w = ld8(sa + o);
                    if (w == ld8(sa + o + 1) && w == ld8(sa + o + p0) &&
                        w == ld8(sa + o + p0 + 1) && w == ld8(sb + o) && w == ld8(sb + o + 1) &&
                        w == ld8(sb + o + p0) && w == ld8(sb + o + p0 + 1)) {
                        pi += 7; /* eight cells with all corners in one state */
                        continue;
                    }
                }
                unsigned cs = (unsigned)(sa[o] == 1) | (unsigned)(sa[o + 1] == 1) << 1 |
                              (unsigned)(sa[o + p0] == 1) << 2 |
                              (unsigned)(sa[o + p0 + 1] == 1) << 3 | (unsigned)(sb[o] == 1) << 4 |
                              (unsigned)(sb[o + 1] == 1) << 5 | (unsigned)(sb[o + p0] == 1) << 6 |
                              (unsigned)(sb[o + p0 + 1] == 1) << 7;
                if (cs == 0 || cs == 255)
                    continue;
                unsigned nt = tb->n_tri[cs];
                if (tmesh_mesh__buf_reserve(&s->tri, 3 * sizeof(uint32_t), nt) != 0)
                    goto nomem;
                uint32_t *dst = (uint32_t *)s->tri.data + 3 * s->tri.len;
                for (unsigned q = 0; q < 3 * nt; q++) {
                    unsigned e = tb->edges[cs][q], lo = e & 1, hi = (e >> 1) & 1;
                    uint32_t id;
                    if (e < 4)
                        id = xm[hi ? b : a][o + lo * p0];
                    else if (e < 8)
                        id = ym[hi ? b : a][o + lo];
                    else
                        id = zm[o + lo + hi * p0];
                    dst[q] = id;
                }
                s->tri.len += nt;
            }
        }
    }
    goto done;
nomem:
    rc = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory meshing slab %zu", index);
done:
    for (int i = 0; i < 2; i++) {
        free(val[i]);
        free(st[i]);
        free(xm[i]);
        free(ym[i]);
    }
    free(zm);
    return rc;
}

typedef struct merge_job {
    slab_out *slabs;
    size_t n_slabs;
    const size_t *voff, *toff;
    tmesh_mesh *m;
    int flip;
} merge_job;

static tmesh_status merge_slab(size_t s, void *user, tmesh_error *err)
{
    merge_job *j = user;
    slab_out *so = &j->slabs[s];
    size_t own = s + 1 < j->n_slabs ? so->xyz.len - so->n_top : so->xyz.len;
    if (own > 0) /* an empty slab has no buffer at all */
        memcpy(j->m->xyz + 3 * j->voff[s], so->xyz.data, own * 3 * sizeof(float));
    const uint32_t *src = so->tri.data;
    uint32_t *dst = j->m->tri + 3 * j->toff[s];
    for (size_t t = 0; t < so->tri.len; t++) {
        uint32_t v[3];
        for (int c = 0; c < 3; c++) {
            uint32_t l = src[3 * t + c];
            v[c] = l < own ? (uint32_t)(j->voff[s] + l)
                           : (uint32_t)(j->voff[s + 1] + (l - own)); /* upper slab's copy */
        }
        dst[3 * t] = v[0];
        dst[3 * t + 1] = j->flip ? v[2] : v[1];
        dst[3 * t + 2] = j->flip ? v[1] : v[2];
    }
    return TMESH_OK;
}

/* Join the slabs' vertices and triangles into one mesh (winding flipped when the matrix
 * mirrors); frees nothing. */
static tmesh_status mc_merge(tmesh_mesh **out, slab_out *slabs, size_t ns, double det,
                             unsigned threads, tmesh_error *err)
{
    size_t *voff = calloc(ns + 1, sizeof *voff), *toff = calloc(ns + 1, sizeof *toff);
    tmesh_status rc = TMESH_OK;
    tmesh_mesh *m = NULL;
    if (voff == NULL || toff == NULL) {
        rc = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for marching cubes");
        goto done;
    }
    for (size_t s = 0; s < ns; s++) {
        if (s + 1 < ns && slabs[s].n_top != slabs[s + 1].n_bottom) {
            rc = tmesh_error_set(err, TMESH_E_INTERNAL,
                                 "slab %zu top layer has %zu vertices, slab %zu bottom %zu", s,
                                 slabs[s].n_top, s + 1, slabs[s + 1].n_bottom);
            goto done;
        }
        size_t own = s + 1 < ns ? slabs[s].xyz.len - slabs[s].n_top : slabs[s].xyz.len;
        voff[s + 1] = voff[s] + own;
        toff[s + 1] = toff[s] + slabs[s].tri.len;
    }
    if (voff[ns] > UINT32_MAX) {
        rc = tmesh_error_set(err, TMESH_E_NOMEM, "mesh of %zu vertices exceeds 32-bit indices",
                             voff[ns]);
        goto done;
    }
    rc = tmesh_mesh_new(&m, voff[ns], toff[ns], 0, err);
    if (rc != TMESH_OK)
        goto done;
    merge_job mj = {slabs, ns, voff, toff, m, det < 0};
    rc = tmesh_parallel_for(ns, threads, merge_slab, &mj, NULL, NULL, NULL, err);
    if (rc == TMESH_OK) {
        *out = m;
        m = NULL;
    }
done:
    tmesh_mesh_free(m);
    free(voff);
    free(toff);
    return rc;
}

static void free_slabs(slab_out *slabs, size_t ns)
{
    if (slabs != NULL)
        for (size_t s = 0; s < ns; s++) {
            free(slabs[s].xyz.data);
            free(slabs[s].tri.data);
        }
    free(slabs);
}

static tmesh_status check_matrix(const double m[4][4], double *det_out, tmesh_error *err)
{
    double det = tmesh_mesh__det3(m);
    *det_out = det;
    if (det == 0.0 || !isfinite(det))
        return tmesh_error_set(err, TMESH_E_DATA,
                               "volume matrix ijk_to_lps is singular (determinant %g)", det);
    return TMESH_OK;
}

tmesh_status tmesh_mesh__mc_run(tmesh_mesh **out, const tmesh_mesh__grid *g, unsigned threads,
                                tmesh_progress_fn progress, void *progress_user, tmesh_error *err)
{
    *out = NULL;
    double det;
    tmesh_status rc = check_matrix(g->vol->ijk_to_lps, &det, err);
    if (rc != TMESH_OK)
        return rc;
    tmesh_mesh__mc_table *tb = malloc(sizeof *tb);
    size_t ncl = g->n[2] + 1, ns = (ncl + SLAB - 1) / SLAB;
    slab_out *slabs = calloc(ns, sizeof *slabs);
    if (tb == NULL || slabs == NULL) {
        rc = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for marching cubes");
        goto done;
    }
    tmesh_mesh__mc_build_table(tb);
    mc_job job = {g, tb, slabs, ns, 0};
    rc = tmesh_parallel_for(ns, threads, mc_slab, &job, progress, "marching cubes", progress_user,
                            err);
    if (rc == TMESH_OK)
        rc = mc_merge(out, slabs, ns, det, threads, err);
done:
    free_slabs(slabs, ns);
    free(tb);
    return rc;
}

/* ---- streamed isosurface: the volume arrives in runs of slices ---- */

struct tmesh_mesh_iso_stream {
    tmesh_mesh__grid g;
    tmesh_volume win;        /* float window: slices have0 .. have0 + win.dim[2] - 1       */
    size_t cap;              /* window capacity in slices                                 */
    size_t have1;            /* slices received so far (the window ends there)            */
    size_t next_slab, ns;
    slab_out *slabs;
    tmesh_mesh__mc_table *tb;
    double det;
    unsigned threads;
};

/* Slices slab s reads: lo .. hi (inclusive; padded layers read none). */
static void slab_slices(const tmesh_mesh__grid *g, size_t s, size_t *lo, size_t *hi)
{
    size_t ncl = g->n[2] + 1, c0 = s * SLAB, c1 = c0 + SLAB < ncl ? c0 + SLAB : ncl;
    *lo = c0 > 0 ? c0 - 1 : 0;
    *hi = c1 - 1 < g->n[2] - 1 ? c1 - 1 : g->n[2] - 1;
}

void tmesh_mesh_iso_stream_free(tmesh_mesh_iso_stream *st)
{
    if (st == NULL)
        return;
    free(st->win.data);
    free_slabs(st->slabs, st->ns);
    free(st->tb);
    free(st);
}

tmesh_status tmesh_mesh_iso_stream_new(tmesh_mesh_iso_stream **out, const size_t dim[3],
                                       const double ijk_to_lps[4][4],
                                       const tmesh_mesh_iso_opts *opts, tmesh_error *err)
{
    TMESH_ASSERT(out != NULL && dim != NULL && ijk_to_lps != NULL);
    *out = NULL;
    tmesh_mesh_iso_opts o = TMESH_MESH_ISO_OPTS_INIT;
    if (opts != NULL)
        o = *opts;
    if (!isfinite(o.iso))
        return tmesh_error_set(err, TMESH_E_ARG, "iso %g is not a finite value", o.iso);
    if (o.threads > 256)
        return tmesh_error_set(err, TMESH_E_ARG, "threads %u out of range 0..256", o.threads);
    if (o.mask != NULL)
        return tmesh_error_set(err, TMESH_E_ARG, "a streamed isosurface takes no mask");
    if (dim[0] == 0 || dim[1] == 0 || dim[2] == 0 || dim[0] > SIZE_MAX / 8 / dim[1])
        return tmesh_error_set(err, TMESH_E_ARG, "volume size %zux%zux%zu is not usable", dim[0],
                               dim[1], dim[2]);
    double det;
    tmesh_status rc = check_matrix(ijk_to_lps, &det, err);
    if (rc != TMESH_OK)
        return rc;
    tmesh_mesh_iso_stream *st = calloc(1, sizeof *st);
    if (st == NULL)
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for marching cubes");
    st->det = det;
    st->threads = o.threads;
    st->g.vol = &st->win;
    for (int a = 0; a < 3; a++)
        st->g.n[a] = dim[a];
    st->g.iso = o.iso;
    st->win.type = TMESH_VOXEL_F32;
    st->win.dim[0] = dim[0];
    st->win.dim[1] = dim[1];
    memcpy(st->win.ijk_to_lps, ijk_to_lps, sizeof st->win.ijk_to_lps);
    /* Room for up to four slabs at a time (both cores busy), within about 64 MB. */
    size_t slice = dim[0] * dim[1] * sizeof(float), per = 64u << 20;
    size_t nslab = slice * (4 * SLAB + 1) <= per ? 4 : slice * (2 * SLAB + 1) <= per ? 2 : 1;
    st->cap = nslab * SLAB + 1;
    st->ns = (dim[2] + 1 + SLAB - 1) / SLAB;
    st->win.data = malloc(st->cap * slice);
    st->slabs = calloc(st->ns, sizeof *st->slabs);
    st->tb = malloc(sizeof *st->tb);
    if (st->win.data == NULL || st->slabs == NULL || st->tb == NULL) {
        tmesh_mesh_iso_stream_free(st);
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for marching cubes");
    }
    tmesh_mesh__mc_build_table(st->tb);
    *out = st;
    return TMESH_OK;
}

/* Mesh every slab whose slices have all arrived, then drop the slices no later slab reads. */
static tmesh_status stream_run(tmesh_mesh_iso_stream *st, tmesh_error *err)
{
    size_t end = st->next_slab, lo, hi;
    while (end < st->ns) {
        slab_slices(&st->g, end, &lo, &hi);
        if (hi >= st->have1)
            break;
        end++;
    }
    if (end > st->next_slab) {
        mc_job job = {&st->g, st->tb, st->slabs, st->ns, st->next_slab};
        tmesh_status rc =
            tmesh_parallel_for(end - st->next_slab, st->threads, mc_slab, &job, NULL, NULL, NULL,
                               err);
        if (rc != TMESH_OK)
            return rc;
        st->next_slab = end;
    }
    if (st->next_slab < st->ns) {
        slab_slices(&st->g, st->next_slab, &lo, &hi);
        size_t drop = lo - st->g.k0, slice = st->win.dim[0] * st->win.dim[1];
        if (drop > 0) {
            float *w = st->win.data;
            memmove(w, w + drop * slice, (st->win.dim[2] - drop) * slice * sizeof(float));
            st->win.dim[2] -= drop;
            st->g.k0 = lo;
        }
    }
    return TMESH_OK;
}

tmesh_status tmesh_mesh_iso_stream_feed(tmesh_mesh_iso_stream *st, const tmesh_volume *slices,
                                        size_t k0, tmesh_error *err)
{
    TMESH_ASSERT(st != NULL && slices != NULL && slices->data != NULL);
    if (slices->dim[0] != st->g.n[0] || slices->dim[1] != st->g.n[1])
        return tmesh_error_set(err, TMESH_E_ARG, "slices of %zux%zu samples, the volume has %zux%zu",
                               slices->dim[0], slices->dim[1], st->g.n[0], st->g.n[1]);
    if (k0 != st->have1 || slices->dim[2] > st->g.n[2] - st->have1)
        return tmesh_error_set(err, TMESH_E_ARG,
                               "slices %zu..%zu fed after %zu of %zu slices (must follow on)", k0,
                               k0 + slices->dim[2] - 1, st->have1, st->g.n[2]);
    size_t slice = st->g.n[0] * st->g.n[1];
    for (size_t z = 0; z < slices->dim[2]; z++) {
        if (st->win.dim[2] == st->cap) {
            tmesh_status rc = stream_run(st, err);
            if (rc != TMESH_OK)
                return rc;
            TMESH_ASSERT(st->win.dim[2] < st->cap);
        }
        float *dst = (float *)st->win.data + st->win.dim[2] * slice;
        const void *src = (const char *)slices->data + z * slice * tmesh_voxel_size(slices->type);
        switch (slices->type) {
        case TMESH_VOXEL_U8:
            for (size_t i = 0; i < slice; i++)
                dst[i] = (float)((const uint8_t *)src)[i];
            break;
        case TMESH_VOXEL_I16:
            for (size_t i = 0; i < slice; i++)
                dst[i] = (float)((const int16_t *)src)[i];
            break;
        case TMESH_VOXEL_U16:
            for (size_t i = 0; i < slice; i++)
                dst[i] = (float)((const uint16_t *)src)[i];
            break;
        default:
            memcpy(dst, src, slice * sizeof(float));
            break;
        }
        st->win.dim[2]++;
        st->have1++;
    }
    return TMESH_OK;
}

tmesh_status tmesh_mesh_iso_stream_finish(tmesh_mesh_iso_stream *st, tmesh_mesh **out,
                                          tmesh_error *err)
{
    TMESH_ASSERT(st != NULL && out != NULL);
    *out = NULL;
    if (st->have1 != st->g.n[2])
        return tmesh_error_set(err, TMESH_E_ARG, "only %zu of %zu slices were fed", st->have1,
                               st->g.n[2]);
    tmesh_status rc = stream_run(st, err);
    if (rc != TMESH_OK)
        return rc;
    TMESH_ASSERT(st->next_slab == st->ns);
    return mc_merge(out, st->slabs, st->ns, st->det, st->threads, err);
}

/* ---- public entry points ---- */

static tmesh_status check_threads(unsigned threads, tmesh_error *err)
{
    if (threads > 256)
        return tmesh_error_set(err, TMESH_E_ARG, "threads %u out of range 0..256", threads);
    return TMESH_OK;
}

tmesh_status tmesh_mesh_isosurface(tmesh_mesh **out, const tmesh_volume *vol,
                                   const tmesh_mesh_iso_opts *opts, tmesh_error *err)
{
    TMESH_ASSERT(out != NULL && vol != NULL && vol->data != NULL);
    *out = NULL;
    tmesh_mesh_iso_opts o = TMESH_MESH_ISO_OPTS_INIT;
    if (opts != NULL)
        o = *opts;
    if (!isfinite(o.iso))
        return tmesh_error_set(err, TMESH_E_ARG, "iso %g is not a finite value", o.iso);
    if (check_threads(o.threads, err) != TMESH_OK)
        return err ? err->code : TMESH_E_ARG;
    if (o.mask != NULL && (o.mask->dim[0] != vol->dim[0] || o.mask->dim[1] != vol->dim[1] ||
                           o.mask->dim[2] != vol->dim[2]))
        return tmesh_error_set(
            err, TMESH_E_ARG, "mask size %zux%zux%zu differs from volume %zux%zux%zu",
            o.mask->dim[0], o.mask->dim[1], o.mask->dim[2], vol->dim[0], vol->dim[1], vol->dim[2]);
    tmesh_mesh__grid g;
    memset(&g, 0, sizeof g);
    g.vol = vol;
    for (int a = 0; a < 3; a++)
        g.n[a] = vol->dim[a];
    g.iso = o.iso;
    g.mask = o.mask;
    return tmesh_mesh__mc_run(out, &g, o.threads, o.progress, o.progress_user, err);
}

/* Separable Gaussian blur of field (n[0] x n[1] x n[2]) along one axis, zero outside. */
typedef struct blur_job {
    float *src, *dst;
    size_t n[3];
    int axis;
    const double *w;
    int radius;
} blur_job;

static tmesh_status blur_chunk(size_t index, void *user, tmesh_error *err)
{
    blur_job *b = user;
    size_t n0 = b->n[0], n1 = b->n[1], n2 = b->n[2];
    size_t k0 = index * SLAB, k1 = k0 + SLAB < n2 ? k0 + SLAB : n2;
    int r = b->radius;
    double *acc = malloc(n0 * sizeof(double));
    if (acc == NULL)
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory smoothing slab %zu", index);
    for (size_t k = k0; k < k1; k++)
        for (size_t j = 0; j < n1; j++) {
            float *dst = b->dst + n0 * (j + n1 * k);
            if (b->axis == 0) {
                const float *src = b->src + n0 * (j + n1 * k);
                for (size_t i = 0; i < n0; i++) {
                    double a = 0.0;
                    long lo = (long)i - r < 0 ? -(long)i : -r;
                    long hi = (long)i + r >= (long)n0 ? (long)n0 - 1 - (long)i : r;
                    for (long d = lo; d <= hi; d++)
                        a += b->w[d + r] * src[(long)i + d];
                    dst[i] = (float)a;
                }
                continue;
            }
            /* Along j or k: accumulate whole rows, which keeps the reads contiguous. The sum
             * runs over d in increasing order for every sample, as along i. */
            size_t pos = b->axis == 1 ? j : k, len = b->n[b->axis];
            for (size_t i = 0; i < n0; i++)
                acc[i] = 0.0;
            for (long d = -r; d <= r; d++) {
                long q = (long)pos + d;
                if (q < 0 || q >= (long)len)
                    continue;
                const float *src = b->axis == 1 ? b->src + n0 * ((size_t)q + n1 * k)
                                                : b->src + n0 * (j + n1 * (size_t)q);
                double w = b->w[d + r];
                for (size_t i = 0; i < n0; i++)
                    acc[i] += w * src[i];
            }
            for (size_t i = 0; i < n0; i++)
                dst[i] = (float)acc[i];
        }
    free(acc);
    return TMESH_OK;
}

typedef struct label_job {
    const tmesh_volume *vol;
    unsigned label;      /* 0: any non-zero                               */
    size_t (*box)[2][3]; /* per slab: lo, hi (lo[0] == SIZE_MAX: empty)    */
    float *field;        /* fill_chunk: mask of the grid's sub-box         */
    const tmesh_mesh__grid *g;
} label_job;

static unsigned label_at(const tmesh_volume *v, size_t idx)
{
    return v->type == TMESH_VOXEL_U8 ? ((const uint8_t *)v->data)[idx]
                                     : ((const uint16_t *)v->data)[idx];
}

static tmesh_status bbox_chunk(size_t index, void *user, tmesh_error *err)
{
    label_job *lj = user;
    const size_t *dim = lj->vol->dim;
    size_t k0 = index * SLAB, k1 = k0 + SLAB < dim[2] ? k0 + SLAB : dim[2];
    size_t lo[3] = {SIZE_MAX, SIZE_MAX, SIZE_MAX}, hi[3] = {0, 0, 0};
    for (size_t k = k0; k < k1; k++)
        for (size_t j = 0; j < dim[1]; j++) {
            size_t row = dim[0] * (j + dim[1] * k), first = SIZE_MAX, last = 0;
            for (size_t i = 0; i < dim[0]; i++) {
                unsigned lab = label_at(lj->vol, row + i);
                if (lj->label == 0 ? lab != 0 : lab == lj->label) {
                    if (first == SIZE_MAX)
                        first = i;
                    last = i;
                }
            }
            if (first == SIZE_MAX)
                continue;
            size_t p0[3] = {first, j, k}, p1[3] = {last, j, k};
            for (int a = 0; a < 3; a++) {
                if (p0[a] < lo[a])
                    lo[a] = p0[a];
                if (p1[a] > hi[a])
                    hi[a] = p1[a];
            }
        }
    memcpy(lj->box[index][0], lo, sizeof lo);
    memcpy(lj->box[index][1], hi, sizeof hi);
    return TMESH_OK;
}

static tmesh_status fill_chunk(size_t index, void *user, tmesh_error *err)
{
    label_job *lj = user;
    const tmesh_mesh__grid *g = lj->g;
    const size_t *dim = lj->vol->dim;
    size_t k0 = index * SLAB, k1 = k0 + SLAB < g->n[2] ? k0 + SLAB : g->n[2];
    for (size_t k = k0; k < k1; k++)
        for (size_t j = 0; j < g->n[1]; j++) {
            size_t s = g->lo[0] + dim[0] * ((g->lo[1] + j) + dim[1] * (g->lo[2] + k));
            float *f = lj->field + g->n[0] * (j + g->n[1] * k);
            for (size_t i = 0; i < g->n[0]; i++) {
                unsigned lab = label_at(lj->vol, s + i);
                f[i] = (lj->label == 0 ? lab != 0 : lab == lj->label) ? 1.0f : 0.0f;
            }
        }
    return TMESH_OK;
}

static tmesh_status check_label_opts(const tmesh_volume *labels, const tmesh_mesh_label_opts *opts,
                                     tmesh_error *err)
{
    tmesh_mesh_label_opts o = *opts;
    if (labels->type != TMESH_VOXEL_U8 && labels->type != TMESH_VOXEL_U16)
        return tmesh_error_set(err, TMESH_E_ARG, "label volume type %s is not u8 or u16",
                               tmesh_voxel_type_name(labels->type));
    if (o.label > 65535)
        return tmesh_error_set(err, TMESH_E_ARG, "label %u out of range 0..65535", o.label);
    if (!(o.sigma >= 0.0 && o.sigma <= 50.0))
        return tmesh_error_set(err, TMESH_E_ARG, "sigma %g mm out of range 0..50", o.sigma);
    if (o.method != TMESH_MESH_METHOD_MC && o.method != TMESH_MESH_METHOD_NETS)
        return tmesh_error_set(err, TMESH_E_ARG, "method %d is not MC (0) or NETS (1)",
                               (int)o.method);
    if (check_threads(o.threads, err) != TMESH_OK)
        return TMESH_E_ARG;
    double det = tmesh_mesh__det3(labels->ijk_to_lps);
    if (det == 0.0 || !isfinite(det))
        return tmesh_error_set(err, TMESH_E_DATA,
                               "volume matrix ijk_to_lps is singular (determinant %g)", det);

    return TMESH_OK;
}

/* Extract label o->label (0: any non-zero) whose voxels lie in the box lo..hi. */
static tmesh_status extract_label_box(tmesh_mesh **out, const tmesh_volume *labels,
                                      const tmesh_mesh_label_opts *opts, size_t lo[3], size_t hi[3],
                                      tmesh_error *err)
{
    tmesh_mesh_label_opts o = *opts;
    const size_t *dim = labels->dim;
    label_job lj;
    memset(&lj, 0, sizeof lj);
    lj.vol = labels;
    lj.label = o.label;
    double sp[3];
    tmesh_volume_spacing(labels, sp);
    int radius[3] = {0, 0, 0};
    double sig_vox[3] = {0, 0, 0};
    for (int a = 0; a < 3; a++) {
        if (o.sigma > 0.0) {
            sig_vox[a] = o.sigma / sp[a];
            radius[a] = (int)ceil(3.0 * sig_vox[a]);
        }
        size_t margin = (size_t)radius[a] + 1;
        lo[a] = lo[a] >= margin ? lo[a] - margin : 0;
        hi[a] = hi[a] + margin < dim[a] ? hi[a] + margin : dim[a] - 1;
    }
    tmesh_mesh__grid g;
    memset(&g, 0, sizeof g);
    g.vol = labels;
    for (int a = 0; a < 3; a++) {
        g.lo[a] = lo[a];
        g.n[a] = hi[a] - lo[a] + 1;
    }
    g.iso = 0.5;
    g.label_mode = o.label == 0 ? 1 : 2;
    g.label = o.label;

    float *field = NULL, *tmp = NULL;
    tmesh_status rc = TMESH_OK;
    if (o.sigma > 0.0) {
        size_t cnt = g.n[0] * g.n[1] * g.n[2];
        field = malloc(cnt * sizeof(float));
        tmp = malloc(cnt * sizeof(float));
        if (field == NULL || tmp == NULL) {
            rc = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory smoothing the label mask");
            goto done;
        }
        lj.field = field;
        lj.g = &g;
        rc = tmesh_parallel_for((g.n[2] + SLAB - 1) / SLAB, o.threads, fill_chunk, &lj, NULL, NULL,
                                NULL, err);
        if (rc != TMESH_OK)
            goto done;
        for (int a = 0; a < 3; a++) {
            if (radius[a] == 0)
                continue;
            double w[2 * 1024 + 1];
            if (radius[a] > 1024) {
                rc = tmesh_error_set(err, TMESH_E_ARG,
                                     "sigma %g mm is %g samples along axis %d (at most 340)",
                                     o.sigma, sig_vox[a], a);
                goto done;
            }
            double sum = 0.0;
            for (int d = -radius[a]; d <= radius[a]; d++) {
                w[d + radius[a]] = exp(-0.5 * (d * d) / (sig_vox[a] * sig_vox[a]));
                sum += w[d + radius[a]];
            }
            for (int d = 0; d <= 2 * radius[a]; d++)
                w[d] /= sum;
            blur_job bj = {field, tmp, {g.n[0], g.n[1], g.n[2]}, a, w, radius[a]};
            rc = tmesh_parallel_for((g.n[2] + SLAB - 1) / SLAB, o.threads, blur_chunk, &bj, NULL,
                                    NULL, NULL, err);
            if (rc != TMESH_OK)
                goto done;
            float *t = field;
            field = tmp;
            tmp = t;
        }
        g.field = field;
        g.label_mode = 0;
    }
    tmesh_mesh *m = NULL;
    if (o.method == TMESH_MESH_METHOD_NETS)
        rc = tmesh_mesh__nets_run(&m, &g, o.threads, err);
    else
        rc = tmesh_mesh__mc_run(&m, &g, o.threads, o.progress, o.progress_user, err);
    if (rc != TMESH_OK)
        goto done;
    m->labels = malloc((m->n_vertices ? m->n_vertices : 1) * sizeof(uint16_t));
    if (m->labels == NULL) {
        tmesh_mesh_free(m);
        rc = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for vertex labels");
        goto done;
    }
    for (size_t v = 0; v < m->n_vertices; v++)
        m->labels[v] = (uint16_t)(o.label == 0 ? 1 : o.label);
    *out = m;
done:
    free(field);
    free(tmp);
    return rc;
}

tmesh_status tmesh_mesh_from_labels(tmesh_mesh **out, const tmesh_volume *labels,
                                    const tmesh_mesh_label_opts *opts, tmesh_error *err)
{
    TMESH_ASSERT(out != NULL && labels != NULL && labels->data != NULL);
    *out = NULL;
    tmesh_mesh_label_opts o = TMESH_MESH_LABEL_OPTS_INIT;
    if (opts != NULL)
        o = *opts;
    tmesh_status vrc = check_label_opts(labels, &o, err);
    if (vrc != TMESH_OK)
        return vrc;
    /* Bounding box of the label, per slab of k, merged (min/max: any order gives the same). */
    size_t lo[3] = {SIZE_MAX, SIZE_MAX, SIZE_MAX}, hi[3] = {0, 0, 0};
    const size_t *dim = labels->dim;
    size_t nslab = (dim[2] + SLAB - 1) / SLAB;
    label_job lj;
    memset(&lj, 0, sizeof lj);
    lj.vol = labels;
    lj.label = o.label;
    lj.box = malloc(nslab * sizeof *lj.box);
    if (lj.box == NULL)
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for the label bounding box");
    tmesh_status brc = tmesh_parallel_for(nslab, o.threads, bbox_chunk, &lj, NULL, NULL, NULL, err);
    if (brc != TMESH_OK) {
        free(lj.box);
        return brc;
    }
    for (size_t sl = 0; sl < nslab; sl++)
        for (int a = 0; a < 3; a++) {
            if (lj.box[sl][0][a] < lo[a])
                lo[a] = lj.box[sl][0][a];
            if (lj.box[sl][1][a] > hi[a] && lj.box[sl][0][a] != SIZE_MAX)
                hi[a] = lj.box[sl][1][a];
        }
    free(lj.box);
    if (lo[0] == SIZE_MAX)
        return tmesh_mesh_new(out, 0, 0, TMESH_MESH_LABELS, err);

    return extract_label_box(out, labels, &o, lo, hi, err);
}

typedef struct all_job {
    const tmesh_volume *vol;
    size_t n_labels;     /* labels 0..n_labels-1 tracked     */
    size_t (*box)[2][3]; /* [slab * n_labels + label]        */
} all_job;

static tmesh_status bbox_all_chunk(size_t index, void *user, tmesh_error *err)
{
    all_job *aj = user;
    const size_t *dim = aj->vol->dim;
    size_t k0 = index * SLAB, k1 = k0 + SLAB < dim[2] ? k0 + SLAB : dim[2];
    size_t(*box)[2][3] = aj->box + index * aj->n_labels;
    for (size_t l = 0; l < aj->n_labels; l++)
        for (int a = 0; a < 3; a++) {
            box[l][0][a] = SIZE_MAX;
            box[l][1][a] = 0;
        }
    for (size_t k = k0; k < k1; k++)
        for (size_t j = 0; j < dim[1]; j++) {
            size_t row = dim[0] * (j + dim[1] * k);
            for (size_t i = 0; i < dim[0]; i++) {
                unsigned lab = label_at(aj->vol, row + i);
                if (lab == 0)
                    continue;
                size_t p[3] = {i, j, k};
                for (int a = 0; a < 3; a++) {
                    if (p[a] < box[lab][0][a])
                        box[lab][0][a] = p[a];
                    if (p[a] > box[lab][1][a])
                        box[lab][1][a] = p[a];
                }
            }
        }
    return TMESH_OK;
}

tmesh_status tmesh_mesh_from_labels_all(tmesh_mesh **out, const tmesh_volume *labels,
                                        const tmesh_mesh_label_opts *opts, tmesh_error *err)
{
    TMESH_ASSERT(out != NULL && labels != NULL && labels->data != NULL);
    *out = NULL;
    tmesh_mesh_label_opts o = TMESH_MESH_LABEL_OPTS_INIT;
    if (opts != NULL)
        o = *opts;
    o.label = 0;
    tmesh_status rc = check_label_opts(labels, &o, err);
    if (rc != TMESH_OK)
        return rc;
    if (o.method == TMESH_MESH_METHOD_NETS) {
        if (o.sigma != 0.0)
            return tmesh_error_set(err, TMESH_E_ARG,
                                   "sigma %g mm: multi-label SurfaceNets takes no smoothing "
                                   "(use sigma 0 or method MC)",
                                   o.sigma);
        tmesh_mesh__grid g;
        memset(&g, 0, sizeof g);
        g.vol = labels;
        for (int a = 0; a < 3; a++)
            g.n[a] = labels->dim[a];
        g.iso = 0.5;
        g.label_mode = 3;
        return tmesh_mesh__nets_run(out, &g, o.threads, err);
    }
    double vmin, vmax;
    tmesh_volume_range(labels, &vmin, &vmax);
    size_t nl = (size_t)vmax + 1, nslab = (labels->dim[2] + SLAB - 1) / SLAB;
    all_job aj = {labels, nl, malloc(nslab * nl * sizeof *aj.box)};
    tmesh_mesh **parts = calloc(nl, sizeof *parts);
    tmesh_mesh *m = NULL;
    if (aj.box == NULL || parts == NULL) {
        rc = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for %zu label boxes", nl);
        goto done;
    }
    rc = tmesh_parallel_for(nslab, o.threads, bbox_all_chunk, &aj, NULL, NULL, NULL, err);
    if (rc != TMESH_OK)
        goto done;
    size_t nv = 0, nt = 0;
    for (size_t l = 1; l < nl; l++) {
        size_t lo[3] = {SIZE_MAX, SIZE_MAX, SIZE_MAX}, hi[3] = {0, 0, 0};
        for (size_t sl = 0; sl < nslab; sl++)
            for (int a = 0; a < 3; a++) {
                const size_t(*b)[3] = aj.box[sl * nl + l];
                if (b[0][a] < lo[a])
                    lo[a] = b[0][a];
                if (b[0][a] != SIZE_MAX && b[1][a] > hi[a])
                    hi[a] = b[1][a];
            }
        if (lo[0] == SIZE_MAX)
            continue;
        o.label = (unsigned)l;
        rc = extract_label_box(&parts[l], labels, &o, lo, hi, err);
        if (rc != TMESH_OK) {
            tmesh_error_context(err, "label %zu", l);
            goto done;
        }
        nv += parts[l]->n_vertices;
        nt += parts[l]->n_triangles;
    }
    if (nv > UINT32_MAX) {
        rc = tmesh_error_set(err, TMESH_E_NOMEM, "mesh of %zu vertices exceeds 32-bit indices", nv);
        goto done;
    }
    rc = tmesh_mesh_new(&m, nv, nt, TMESH_MESH_LABELS, err);
    if (rc != TMESH_OK)
        goto done;
    size_t vo = 0, to = 0;
    for (size_t l = 1; l < nl; l++) {
        tmesh_mesh *p = parts[l];
        if (p == NULL)
            continue;
        if (p->n_vertices > 0) {
            memcpy(m->xyz + 3 * vo, p->xyz, 3 * p->n_vertices * sizeof(float));
            memcpy(m->labels + vo, p->labels, p->n_vertices * sizeof(uint16_t));
        }
        for (size_t i = 0; i < 3 * p->n_triangles; i++)
            m->tri[3 * to + i] = (uint32_t)(p->tri[i] + vo);
        vo += p->n_vertices;
        to += p->n_triangles;
    }
    *out = m;
done:
    if (parts != NULL)
        for (size_t l = 0; l < nl; l++)
            tmesh_mesh_free(parts[l]);
    free(parts);
    free(aj.box);
    return rc;
}
