/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Self-intersection count of a mesh (tmesh_mesh_check with self_intersections set, and the
 * decimation's guarantee): uniform grid broad phase over triangle bounding boxes, a box-overlap
 * reject, then segment/triangle tests. Pairs sharing a vertex are not counted; coplanar
 * overlaps are not counted (documented limitation). Every phase runs on all cores in chunks
 * fixed by the mesh alone, so the count and the marks do not depend on the thread count.
 */
#include "mesh_int.h"

#include <math.h>
#include <string.h>

/* ---- narrow phase: segment/triangle tests in double ---- */

static int seg_hits_tri(const double p[3], const double q[3], const double a[3], const double b[3],
                        const double c[3])
{
    double d[3], e1[3], e2[3], h[3], s[3], qv[3];
    for (int k = 0; k < 3; k++) {
        d[k] = q[k] - p[k];
        e1[k] = b[k] - a[k];
        e2[k] = c[k] - a[k];
    }
    h[0] = d[1] * e2[2] - d[2] * e2[1];
    h[1] = d[2] * e2[0] - d[0] * e2[2];
    h[2] = d[0] * e2[1] - d[1] * e2[0];
    double det = e1[0] * h[0] + e1[1] * h[1] + e1[2] * h[2];
    if (fabs(det) < 1e-18)
        return 0; /* parallel or coplanar: not counted (documented limitation) */
    double inv = 1.0 / det;
    for (int k = 0; k < 3; k++)
        s[k] = p[k] - a[k];
    double u = inv * (s[0] * h[0] + s[1] * h[1] + s[2] * h[2]);
    if (u < 0.0 || u > 1.0)
        return 0;
    qv[0] = s[1] * e1[2] - s[2] * e1[1];
    qv[1] = s[2] * e1[0] - s[0] * e1[2];
    qv[2] = s[0] * e1[1] - s[1] * e1[0];
    double v = inv * (d[0] * qv[0] + d[1] * qv[1] + d[2] * qv[2]);
    if (v < 0.0 || u + v > 1.0)
        return 0;
    double t = inv * (e2[0] * qv[0] + e2[1] * qv[1] + e2[2] * qv[2]);
    return t >= 0.0 && t <= 1.0;
}

/* One triangle of the cell being processed, gathered so the pair loop reads one array. */
typedef struct cell_tri {
    double p[9];   /* corners, exact copies of the float vertices      */
    double n[3];   /* (p1 - p0) x (p2 - p0)                            */
    float box[6];  /* min x y z, max x y z                             */
    uint32_t v[3]; /* vertex indices                                   */
    uint32_t tri;
    unsigned home; /* bit k: the cell's k coordinate is the box min's  */
} cell_tri;

/* 1 when the corners `p` lie all strictly on one side of the plane through `o` with normal
 * `n`, by more than `margin`. */
static int one_side(const double p[9], const double o[3], const double n[3], double margin)
{
    double s[3];
    for (int i = 0; i < 3; i++) {
        double d0 = p[3 * i] - o[0], d1 = p[3 * i + 1] - o[1], d2 = p[3 * i + 2] - o[2];
        s[i] = d0 * n[0] + d1 * n[1] + d2 * n[2];
    }
    return (s[0] > margin && s[1] > margin && s[2] > margin) ||
           (s[0] < -margin && s[1] < -margin && s[2] < -margin);
}

/*
 * The six segment/triangle tests of the pair (an edge of either triangle through the other),
 * skipping the three edges of a triangle that lies wholly on one side of the other's plane.
 *
 * The skip never changes the answer. seg_hits_tri(p, q, a, b, c) computes t as N / det with
 * N = (p - a).n and det = (p - a).n - (q - a).n (n the normal of abc), each a sum of six triple
 * products of coordinate differences, all at most R (the largest extent of the two boxes), so
 * each is within 7u * 6R^3 of its exact value (u = 2^-53; no fused multiply-add, see
 * cmake/warnings.cmake, and a fused one only lowers the error). If the exact distances
 * D_p = (p - a).n and D_q are both above m > 0, t lands in [0, 1] only if
 * D_q <= 2 * 42uR^3 + 3u * 6R^3, about 102uR^3; the same holds below -m. one_side computes the
 * distances with the same rounding count (at most 8 roundings, 48uR^3), so its margin
 * 1024uR^3 = 2^-43 R^3 leaves seven times the bound: when it holds, the three tests it skips
 * return 0, as they would have.
 */
static int tris_intersect(const cell_tri *a, const cell_tri *b)
{
    double r = 0.0;
    for (int k = 0; k < 3; k++) {
        double hi = fmax((double)a->box[3 + k], (double)b->box[3 + k]);
        double lo = fmin((double)a->box[k], (double)b->box[k]);
        r = fmax(r, hi - lo);
    }
    double margin = 0x1p-43 * r * r * r;
    int a_off = one_side(a->p, b->p, b->n, margin);
    int b_off = one_side(b->p, a->p, a->n, margin);
    if (a_off && b_off)
        return 0;
    if (!a_off)
        for (int c = 0; c < 3; c++)
            if (seg_hits_tri(a->p + 3 * c, a->p + 3 * ((c + 1) % 3), b->p, b->p + 3, b->p + 6))
                return 1;
    if (!b_off)
        for (int c = 0; c < 3; c++)
            if (seg_hits_tri(b->p + 3 * c, b->p + 3 * ((c + 1) % 3), a->p, a->p + 3, a->p + 6))
                return 1;
    return 0;
}

/* ---- broad phase ---- */

/*
 * Entries (cell, home bits, triangle) are packed into one uint64 key, cell highest, when the
 * bits fit (always for real meshes); otherwise an entry is two words: the cell, then
 * triangle | home << 32. `stride` is the number of words per entry.
 */
typedef struct job {
    unsigned threads; /* for tmesh_parallel_for: 0 = one per core */
    const tmesh_mesh *m;
    const double *lo;
    float *box; /* 6 per triangle */
    size_t nt, ncell[3];
    double cs;
    size_t n_tchunks;      /* triangle chunks of TCHUNK triangles */
    size_t *tcount;        /* entries per triangle chunk, then their start */
    unsigned char *tweird; /* per triangle chunk: a box value that is not finite or below lo */
    unsigned char *tbad;   /* per triangle chunk: an empty cell range, or too many entries */
    unsigned tbits, cbits, stride;
    uint64_t *ent, *tmp; /* entries and the sort's second buffer */
    size_t n_ent;
    /* radix sort */
    size_t n_schunks, *hist; /* 65536 per sort chunk */
    unsigned shift;
    /* pair phase */
    int exact_first; /* test the owning cell as the first version did (odd input only) */
    size_t n_pchunks, *pstart;
    long *pcount;
    tmesh_mesh__buf *pairs; /* per pair chunk; NULL when no marks are wanted */
    const uint8_t *changed; /* per triangle; NULL: every pair is tested */
} job;

#define TCHUNK 16384
#define SCHUNKS 8

static size_t cell_of(const job *j, int k, double x)
{
    return (size_t)fmin((double)(j->ncell[k] - 1), floor((x - j->lo[k]) / j->cs));
}

static tmesh_status box_chunk(size_t index, void *user, tmesh_error *err)
{
    job *j = user;
    const tmesh_mesh *m = j->m;
    size_t t1 = (index + 1) * TCHUNK < j->nt ? (index + 1) * TCHUNK : j->nt;
    for (size_t t = index * TCHUNK; t < t1; t++)
        for (int k = 0; k < 3; k++) {
            float a = m->xyz[3 * m->tri[3 * t] + k], b = m->xyz[3 * m->tri[3 * t + 1] + k],
                  c = m->xyz[3 * m->tri[3 * t + 2] + k];
            float mn = a < b ? a : b, mx = a > b ? a : b;
            mn = c < mn ? c : mn;
            mx = c > mx ? c : mx;
            j->box[6 * t + k] = mn;
            j->box[6 * t + 3 + k] = mx;
        }
    return TMESH_OK;
}

static tmesh_status count_chunk(size_t index, void *user, tmesh_error *err)
{
    job *j = user;
    size_t t1 = (index + 1) * TCHUNK < j->nt ? (index + 1) * TCHUNK : j->nt, n = 0;
    int weird = 0, bad = 0;
    for (size_t t = index * TCHUNK; t < t1; t++) {
        size_t need = 1;
        for (int k = 0; k < 3; k++) {
            double mn = j->box[6 * t + k], mx = j->box[6 * t + 3 + k];
            weird |= !isfinite(mn) || !isfinite(mx) || !(mn >= j->lo[k]);
            size_t c0 = cell_of(j, k, mn), c1 = cell_of(j, k, mx);
            bad |= c1 < c0;
            need *= c1 - c0 + 1;
        }
        bad |= n + need < n;
        n += need;
    }
    j->tcount[index] = n;
    j->tweird[index] = (unsigned char)weird;
    j->tbad[index] = (unsigned char)bad;
    return TMESH_OK;
}

static tmesh_status fill_chunk(size_t index, void *user, tmesh_error *err)
{
    job *j = user;
    size_t t1 = (index + 1) * TCHUNK < j->nt ? (index + 1) * TCHUNK : j->nt;
    uint64_t *e = j->ent + j->stride * j->tcount[index];
    for (size_t t = index * TCHUNK; t < t1; t++) {
        size_t c0[3], c1[3];
        for (int k = 0; k < 3; k++) {
            c0[k] = cell_of(j, k, j->box[6 * t + k]);
            c1[k] = cell_of(j, k, j->box[6 * t + 3 + k]);
        }
        for (size_t z = c0[2]; z <= c1[2]; z++)
            for (size_t y = c0[1]; y <= c1[1]; y++)
                for (size_t x = c0[0]; x <= c1[0]; x++) {
                    uint64_t cell = ((uint64_t)z * j->ncell[1] + y) * j->ncell[0] + x;
                    uint64_t home = (uint64_t)(x == c0[0]) | (uint64_t)(y == c0[1]) << 1 |
                                    (uint64_t)(z == c0[2]) << 2;
                    if (j->stride == 1) {
                        *e++ = cell << (j->tbits + 3) | home << j->tbits | t;
                    } else {
                        e[0] = cell;
                        e[1] = (uint64_t)t | home << 32;
                        e += 2;
                    }
                }
    }
    return TMESH_OK;
}

/* ---- parallel stable LSD radix sort of the entries by cell, 16 bits per pass ---- */

static void sort_range(const job *j, size_t index, size_t *i0, size_t *i1)
{
    *i0 = j->n_ent * index / j->n_schunks;
    *i1 = j->n_ent * (index + 1) / j->n_schunks;
}

static unsigned digit(const job *j, const uint64_t *e)
{
    return (unsigned)((e[0] >> j->shift) & 0xffff);
}

static tmesh_status hist_chunk(size_t index, void *user, tmesh_error *err)
{
    job *j = user;
    size_t *h = j->hist + 65536 * index, i0, i1;
    sort_range(j, index, &i0, &i1);
    memset(h, 0, 65536 * sizeof *h);
    for (size_t i = i0; i < i1; i++)
        h[digit(j, j->ent + j->stride * i)]++;
    return TMESH_OK;
}

static tmesh_status scatter_chunk(size_t index, void *user, tmesh_error *err)
{
    job *j = user;
    size_t *h = j->hist + 65536 * index, i0, i1;
    sort_range(j, index, &i0, &i1);
    if (j->stride == 1) {
        for (size_t i = i0; i < i1; i++)
            j->tmp[h[digit(j, j->ent + i)]++] = j->ent[i];
    } else {
        for (size_t i = i0; i < i1; i++) {
            size_t d = h[digit(j, j->ent + 2 * i)]++;
            j->tmp[2 * d] = j->ent[2 * i];
            j->tmp[2 * d + 1] = j->ent[2 * i + 1];
        }
    }
    return TMESH_OK;
}

static tmesh_status radix_sort(job *j, tmesh_error *err)
{
    unsigned lo = j->stride == 1 ? j->tbits + 3 : 0;
    for (unsigned shift = lo; shift < lo + j->cbits; shift += 16) {
        j->shift = shift;
        tmesh_status rc =
            tmesh_parallel_for(j->n_schunks, j->threads, hist_chunk, j, NULL, NULL, NULL, err);
        if (rc != TMESH_OK)
            return rc;
        size_t sum = 0; /* digit-major, chunk-minor: stable */
        for (size_t d = 0; d < 65536; d++)
            for (size_t c = 0; c < j->n_schunks; c++) {
                size_t n = j->hist[65536 * c + d];
                j->hist[65536 * c + d] = sum;
                sum += n;
            }
        rc = tmesh_parallel_for(j->n_schunks, j->threads, scatter_chunk, j, NULL, NULL, NULL, err);
        if (rc != TMESH_OK)
            return rc;
        uint64_t *t = j->ent;
        j->ent = j->tmp;
        j->tmp = t;
    }
    return TMESH_OK;
}

/* ---- pair phase: chunks of whole cells ---- */

static uint64_t ent_cell(const job *j, size_t i)
{
    return j->stride == 1 ? j->ent[i] >> (j->tbits + 3) : j->ent[2 * i];
}

static void ent_tri(const job *j, size_t i, uint32_t *tri, unsigned *home)
{
    if (j->stride == 1) {
        uint64_t e = j->ent[i];
        *tri = (uint32_t)(e & ((UINT64_C(1) << j->tbits) - 1));
        *home = (unsigned)(e >> j->tbits) & 7;
    } else {
        *tri = (uint32_t)j->ent[2 * i + 1];
        *home = (unsigned)(j->ent[2 * i + 1] >> 32) & 7;
    }
}

static void gather(const job *j, size_t i, cell_tri *g)
{
    const tmesh_mesh *m = j->m;
    ent_tri(j, i, &g->tri, &g->home);
    for (int c = 0; c < 3; c++) {
        g->v[c] = m->tri[3 * (size_t)g->tri + c];
        for (int k = 0; k < 3; k++)
            g->p[3 * c + k] = m->xyz[3 * (size_t)g->v[c] + k];
    }
    memcpy(g->box, j->box + 6 * (size_t)g->tri, sizeof g->box);
    double e1[3], e2[3];
    for (int k = 0; k < 3; k++) {
        e1[k] = g->p[3 + k] - g->p[k];
        e2[k] = g->p[6 + k] - g->p[k];
    }
    g->n[0] = e1[1] * e2[2] - e1[2] * e2[1];
    g->n[1] = e1[2] * e2[0] - e1[0] * e2[2];
    g->n[2] = e1[0] * e2[1] - e1[1] * e2[0];
}

/* The pair loop's view of a cell: the boxes and home bits as arrays of their own, so the
 * first two rejections run over them without branches; `hit` collects what is left. */
typedef struct cell_soa {
    float *lo[3], *hi[3];
    unsigned char *home;
    uint32_t *hit;
} cell_soa;

static int soa_grow(cell_soa *c, size_t n)
{
    float *f = malloc(6 * n * sizeof *f);
    unsigned char *h = malloc(n);
    uint32_t *hit = malloc(n * sizeof *hit);
    if (f == NULL || h == NULL || hit == NULL) {
        free(f);
        free(h);
        free(hit);
        return -1;
    }
    free(c->lo[0]);
    free(c->home);
    free(c->hit);
    for (int k = 0; k < 3; k++) {
        c->lo[k] = f + k * n;
        c->hi[k] = f + (3 + k) * n;
    }
    c->home = h;
    c->hit = hit;
    return 0;
}

static tmesh_status pair_chunk(size_t index, void *user, tmesh_error *err)
{
    job *j = user;
    size_t i = j->pstart[index], end = j->pstart[index + 1], cap = 0;
    cell_tri *g = NULL;
    cell_soa sa = {{NULL, NULL, NULL}, {NULL, NULL, NULL}, NULL, NULL};
    long count = 0;
    tmesh_status rc = TMESH_OK;
    while (i < end) {
        uint64_t cell = ent_cell(j, i);
        size_t e = i + 1;
        while (e < end && ent_cell(j, e) == cell)
            e++;
        size_t n = e - i;
        if (n > cap) {
            cell_tri *ng = realloc(g, n * sizeof *ng);
            if (ng != NULL)
                g = ng;
            if (ng == NULL || soa_grow(&sa, n) != 0) {
                rc = tmesh_error_set(err, TMESH_E_NOMEM,
                                     "out of memory counting self-intersections");
                break;
            }
            cap = n;
        }
        int any = j->changed == NULL;
        for (size_t a = 0; a < n; a++) {
            gather(j, i + a, g + a);
            any |= j->changed != NULL && j->changed[g[a].tri];
        }
        for (size_t a = 0; a < n; a++) {
            for (int k = 0; k < 3; k++) {
                sa.lo[k][a] = g[a].box[k];
                sa.hi[k][a] = g[a].box[3 + k];
            }
            sa.home[a] = (unsigned char)(j->exact_first ? 7 : g[a].home);
        }
        for (size_t a = 0; a < n && any; a++) {
            const cell_tri *ta = g + a;
            const float *ba = ta->box;
            int a_changed = j->changed == NULL || j->changed[ta->tri];
            /* Count the pair once: in the cell holding the low corner of the overlap of their
             * bounding boxes. Both boxes reach this cell, and the cell of a maximum is the
             * maximum of the cells, so it is the cell where each axis is the home axis of one
             * of the two boxes. Disjoint boxes cannot intersect (the narrow phase would say so
             * too). Written without branches; comparisons false on NaN keep such a pair. */
            unsigned ha = sa.home[a];
            size_t nh = 0;
            for (size_t b = a + 1; b < n; b++) {
                int keep = ((ha | sa.home[b]) == 7) & !(ba[0] > sa.hi[0][b]) &
                           !(sa.lo[0][b] > ba[3]) & !(ba[1] > sa.hi[1][b]) &
                           !(sa.lo[1][b] > ba[4]) & !(ba[2] > sa.hi[2][b]) & !(sa.lo[2][b] > ba[5]);
                sa.hit[nh] = (uint32_t)b;
                nh += (size_t)keep;
            }
            for (size_t h = 0; h < nh; h++) {
                const cell_tri *tb = g + sa.hit[h];
                if (!a_changed && !j->changed[tb->tri])
                    continue; /* neither changed: the caller knows they do not intersect */
                const float *bb = tb->box;
                int share = 0;
                for (int p = 0; p < 3; p++)
                    for (int q = 0; q < 3; q++)
                        share |= ta->v[p] == tb->v[q];
                if (share)
                    continue;
                if (j->exact_first) { /* a box not finite or below lo: as the first version */
                    size_t cc[3];
                    for (int k = 0; k < 3; k++)
                        cc[k] = cell_of(j, k, fmax((double)ba[k], (double)bb[k]));
                    if (((uint64_t)cc[2] * j->ncell[1] + cc[1]) * j->ncell[0] + cc[0] != cell)
                        continue;
                }
                if (!tris_intersect(ta, tb))
                    continue;
                count++;
                if (j->pairs != NULL) {
                    tmesh_mesh__buf *pb = j->pairs + index;
                    if (tmesh_mesh__buf_reserve(pb, 2 * sizeof(uint32_t), 1) != 0) {
                        rc = tmesh_error_set(err, TMESH_E_NOMEM,
                                             "out of memory counting self-intersections");
                        goto done;
                    }
                    uint32_t *pp = (uint32_t *)pb->data + 2 * pb->len++;
                    pp[0] = ta->tri;
                    pp[1] = tb->tri;
                }
            }
        }
        i = e;
    }
done:
    free(g);
    free(sa.lo[0]);
    free(sa.home);
    free(sa.hit);
    j->pcount[index] = count;
    return rc;
}

tmesh_status tmesh_mesh__count_self_intersections(const tmesh_mesh *m, const double lo[3],
                                                  const double hi[3], unsigned threads,
                                                  const uint8_t *changed, long *out, uint8_t *bad,
                                                  tmesh_error *err)
{
    size_t nt = m->n_triangles;
    *out = 0;
    if (nt < 2)
        return TMESH_OK;
    job j;
    memset(&j, 0, sizeof j);
    j.threads = threads;
    j.changed = changed;
    j.m = m;
    j.lo = lo;
    j.nt = nt;
    j.n_tchunks = (nt + TCHUNK - 1) / TCHUNK;
    tmesh_status rc = TMESH_OK;
    /* Bounding box of every triangle (min x y z, max x y z), exact in float. */
    j.box = malloc(6 * nt * sizeof *j.box);
    j.tcount = malloc((j.n_tchunks + 1) * sizeof *j.tcount);
    j.tweird = malloc(2 * j.n_tchunks);
    if (j.box == NULL || j.tcount == NULL || j.tweird == NULL)
        goto nomem;
    j.tbad = j.tweird + j.n_tchunks;
    rc = tmesh_parallel_for(j.n_tchunks, j.threads, box_chunk, &j, NULL, NULL, NULL, err);
    if (rc != TMESH_OK)
        goto done;
    double mean = 0.0; /* summed in triangle order, so the cell size is as it always was */
    for (size_t t = 0; t < nt; t++) {
        double ext = 0.0;
        for (int k = 0; k < 3; k++)
            ext = fmax(ext, (double)j.box[6 * t + 3 + k] - (double)j.box[6 * t + k]);
        mean += ext;
    }
    j.cs = 2.0 * mean / (double)nt;
    if (!(j.cs > 0))
        j.cs = 1.0;
    for (int k = 0; k < 3; k++) {
        double n = floor((hi[k] - lo[k]) / j.cs) + 1;
        j.ncell[k] = n > 2e6 ? 2000000 : (size_t)n;
    }
    /* Entries per triangle chunk, then each chunk's first entry (the chunks fill in parallel). */
    rc = tmesh_parallel_for(j.n_tchunks, j.threads, count_chunk, &j, NULL, NULL, NULL, err);
    if (rc != TMESH_OK)
        goto done;
    size_t sum = 0;
    for (size_t c = 0; c < j.n_tchunks; c++) {
        size_t n = j.tcount[c];
        if (j.tbad[c] || sum + n < sum)
            goto nomem; /* as the growable buffer of the first version failed */
        j.tcount[c] = sum;
        sum += n;
        j.exact_first |= j.tweird[c];
    }
    j.n_ent = sum;
    uint64_t total = (uint64_t)j.ncell[0] * j.ncell[1] * j.ncell[2];
    while (j.cbits < 64 && (total - 1) >> j.cbits)
        j.cbits++;
    while (j.tbits < 32 && (uint64_t)(nt - 1) >> j.tbits)
        j.tbits++;
    j.stride = j.cbits + 3 + j.tbits <= 64 ? 1 : 2;
    if (sum > SIZE_MAX / 8 / j.stride)
        goto nomem;
    j.ent = malloc((sum ? sum : 1) * j.stride * sizeof *j.ent);
    j.tmp = malloc((sum ? sum : 1) * j.stride * sizeof *j.tmp);
    if (j.ent == NULL || j.tmp == NULL)
        goto nomem;
    rc = tmesh_parallel_for(j.n_tchunks, j.threads, fill_chunk, &j, NULL, NULL, NULL, err);
    if (rc != TMESH_OK)
        goto done;
    free(j.tcount);
    j.tcount = NULL;
    j.n_schunks = sum < 65536 ? 1 : SCHUNKS;
    j.hist = malloc(65536 * j.n_schunks * sizeof *j.hist);
    if (j.hist == NULL)
        goto nomem;
    rc = radix_sort(&j, err);
    if (rc != TMESH_OK)
        goto done;
    free(j.hist);
    j.hist = NULL;
    free(j.tmp);
    j.tmp = NULL;
    /* Pair chunks: about 32768 entries each, each starting at the first entry of a cell. */
    j.n_pchunks = sum / 32768 + 1;
    j.pstart = malloc((j.n_pchunks + 1) * sizeof *j.pstart);
    j.pcount = calloc(j.n_pchunks, sizeof *j.pcount);
    if (j.pstart == NULL || j.pcount == NULL)
        goto nomem;
    if (bad != NULL) {
        j.pairs = calloc(j.n_pchunks, sizeof *j.pairs);
        if (j.pairs == NULL)
            goto nomem;
    }
    j.pstart[0] = 0;
    for (size_t c = 1; c <= j.n_pchunks; c++) {
        size_t i = c == j.n_pchunks ? sum : sum / j.n_pchunks * c;
        if (i < j.pstart[c - 1])
            i = j.pstart[c - 1];
        while (i > j.pstart[c - 1] && i < sum && ent_cell(&j, i) == ent_cell(&j, i - 1))
            i++;
        j.pstart[c] = i;
    }
    rc = tmesh_parallel_for(j.n_pchunks, j.threads, pair_chunk, &j, NULL, NULL, NULL, err);
    if (rc != TMESH_OK)
        goto done;
    for (size_t c = 0; c < j.n_pchunks; c++) {
        *out += j.pcount[c];
        if (bad != NULL) {
            const uint32_t *pp = j.pairs[c].data;
            for (size_t p = 0; p < 2 * j.pairs[c].len; p++)
                for (int k = 0; k < 3; k++)
                    bad[m->tri[3 * (size_t)pp[p] + k]] = 1;
        }
    }
    goto done;
nomem:
    rc = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory counting self-intersections");
done:
    if (j.pairs != NULL)
        for (size_t c = 0; c < j.n_pchunks; c++)
            free(j.pairs[c].data);
    free(j.pairs);
    free(j.pcount);
    free(j.pstart);
    free(j.hist);
    free(j.ent);
    free(j.tmp);
    free(j.tweird);
    free(j.tcount);
    free(j.box);
    return rc;
}
