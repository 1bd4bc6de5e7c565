/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Exact Euclidean distance transform with anisotropic spacing, and the ball morphology built on
 * it (dilate, erode, open, close, hollow). The transform is separable: a nearest-feature scan
 * along i, then the lower envelope of parabolas (Felzenszwalb & Huttenlocher 2012) along j and k.
 * Its cost does not depend on the radius, so a 10 mm closing costs what a 1 mm closing does.
 * Small balls (the usual 1-3 mm closings) are applied as structuring elements instead, row by
 * row and skipping empty rows (see "small balls" below), with the same ball test.
 *
 * Exactness: the squared distance is accumulated axis by axis as
 *   float(float(float(w0*di^2) + w1*dj^2) + w2*dk^2)   (each addition in double)
 * Rounding is monotone, so minimising stage by stage gives the same value as minimising this
 * expression over all feature voxels, provided each 1D minimum is exact. The envelope is built in
 * double; at each position the chosen parabola and its two envelope neighbours are evaluated with
 * the exact expression and the smallest is kept, which absorbs rounding in the breakpoints (the
 * unit tests and 30,000 random volumes found no difference from brute force; this is checked, not
 * proven). Morphology only needs distances up to the radius: partial sums above it become +inf,
 * and when the radius spans at most 4 voxels along an axis a windowed row sweep, exact by
 * construction, replaces the envelope there.
 */
#include "seg_int.h"

#include <math.h>
#include <string.h>

typedef struct edt_job {
    float *d2;
    const uint8_t *f;
    size_t nx, ny, nz;
    double w[3];
    double cap; /* squared distances above cap may be stored as +inf (morphology only) */
} edt_job;

typedef struct line_scratch {
    double *g, *z;
    size_t *v;
} line_scratch;

static tmesh_status scratch_new(line_scratch *s, size_t n, tmesh_error *err)
{
    s->g = malloc(n * sizeof *s->g);
    s->z = malloc((n + 1) * sizeof *s->z);
    s->v = malloc(n * sizeof *s->v);
    if (s->g == NULL || s->z == NULL || s->v == NULL) {
        free(s->g);
        free(s->z);
        free(s->v);
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for distance scratch");
    }
    return TMESH_OK;
}

static void scratch_free(line_scratch *s)
{
    free(s->g);
    free(s->z);
    free(s->v);
}

static double parabola(const double *g, size_t p, size_t q, double w)
{
    long long d = (long long)q - (long long)p;
    return g[p] + w * (double)(d * d);
}

/* 1D lower envelope along a strided line of n floats, in place. */
static void fh_line(float *p, size_t n, size_t stride, double w, double cap, line_scratch *s)
{
    double *g = s->g, *z = s->z;
    size_t *v = s->v;
    for (size_t q = 0; q < n; q++)
        g[q] = p[q * stride];
    long k = -1;
    for (size_t q = 0; q < n; q++) {
        if (isinf(g[q]))
            continue;
        if (k < 0) {
            k = 0;
            v[0] = q;
            z[0] = -INFINITY;
            continue;
        }
        double fq = g[q] + w * (double)q * (double)q;
        double sx;
        for (;;) {
            size_t vk = v[k];
            sx = (fq - (g[vk] + w * (double)vk * (double)vk)) / (2.0 * w * (double)(q - vk));
            if (sx <= z[k])
                k--; /* z[0] is -inf, so k stays >= 0 */
            else
                break;
        }
        k++;
        v[k] = q;
        z[k] = sx;
    }
    if (k < 0)
        return; /* no feature on the line: everything stays +inf */
    size_t m = (size_t)k;
    z[m + 1] = INFINITY;
    size_t j = 0;
    for (size_t q = 0; q < n; q++) {
        while (z[j + 1] < (double)q)
            j++;
        double best = parabola(g, v[j], q, w);
        if (j > 0) {
            double c = parabola(g, v[j - 1], q, w);
            if (c < best)
                best = c;
        }
        if (j < m) {
            double c = parabola(g, v[j + 1], q, w);
            if (c < best)
                best = c;
        }
        float bf = (float)best;
        p[q * stride] = (double)bf > cap ? INFINITY : bf;
    }
}

/*
 * The same 1D minimum as fh_line for every column of an nr x nx array (along the row index),
 * when only values up to `cap` matter: the candidates farther than R rows cost more than cap on
 * their own, so the minimum over the 2R+1 nearest rows is the same value, evaluated with the
 * same expression. Row-wise sweeps read memory in order, which beats the envelope for the small
 * radii of typical morphology.
 */
static void window_rows(float *a, size_t nx, size_t nr, double w, long R, double cap, float *tmp)
{
    memcpy(tmp, a, nx * nr * sizeof *a);
    for (size_t r = 0; r < nr; r++) {
        float *o = a + r * nx;
        for (long d = 1; d <= R; d++) {
            double add = w * (double)(d * d);
            if (add > cap)
                break;
            for (int side = 0; side < 2; side++) {
                if (side == 0 ? r < (size_t)d : r + (size_t)d >= nr)
                    continue;
                const float *src = tmp + (side == 0 ? r - (size_t)d : r + (size_t)d) * nx;
                for (size_t i = 0; i < nx; i++) {
                    float v = (float)((double)src[i] + add);
                    if (v < o[i])
                        o[i] = v;
                }
            }
        }
        for (size_t i = 0; i < nx; i++)
            if ((double)o[i] > cap)
                o[i] = INFINITY;
    }
}

/* Rows of the window pass for axis weight w, or 0 when the envelope is the better choice. */
static long window_radius(double w, double cap)
{
    if (!isfinite(cap))
        return 0;
    double r = floor(sqrt(cap / w)) + 1; /* one extra row: harmless, guards the rounding */
    return r <= 4 ? (long)r : 0;
}

/* Passes along i and j of one k-slice. */
static tmesh_status edt_slice(size_t k, void *user, tmesh_error *err)
{
    edt_job *jb = user;
    const size_t nx = jb->nx, ny = jb->ny;
    float *d = jb->d2 + k * nx * ny;
    const uint8_t *f = jb->f + k * nx * ny;
    for (size_t j = 0; j < ny; j++) {
        float *row = d + j * nx;
        const uint8_t *fr = f + j * nx;
        /* nearest feature along the row: forward then backward scan of the distance in voxels */
        size_t last = SIZE_MAX;
        for (size_t i = 0; i < nx; i++) {
            if (fr[i])
                last = i;
            row[i] = last == SIZE_MAX ? INFINITY : (float)(i - last);
        }
        last = SIZE_MAX;
        for (size_t i = nx; i-- > 0;) {
            if (fr[i])
                last = i;
            if (last != SIZE_MAX && (float)(last - i) < row[i])
                row[i] = (float)(last - i);
        }
        for (size_t i = 0; i < nx; i++)
            if (!isinf(row[i])) {
                long long di = (long long)row[i]; /* small integer, exact in float */
                float v = (float)(jb->w[0] * (double)(di * di));
                row[i] = (double)v > jb->cap ? INFINITY : v;
            }
    }
    long R = window_radius(jb->w[1], jb->cap);
    if (ny > 1 && R > 0) {
        float *tmp = malloc(nx * ny * sizeof *tmp);
        if (tmp == NULL)
            return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for distance scratch");
        window_rows(d, nx, ny, jb->w[1], R, jb->cap, tmp);
        free(tmp);
    } else if (ny > 1) {
        line_scratch s;
        tmesh_status st = scratch_new(&s, ny, err);
        if (st != TMESH_OK)
            return st;
        for (size_t i = 0; i < nx; i++)
            fh_line(d + i, ny, nx, jb->w[1], jb->cap, &s);
        scratch_free(&s);
    }
    return TMESH_OK;
}

/* Pass along k for one j: the (k, i) plane is copied to a compact block first for locality. */
static tmesh_status edt_row(size_t j, void *user, tmesh_error *err)
{
    edt_job *jb = user;
    const size_t nx = jb->nx, ny = jb->ny, nz = jb->nz;
    float *blk = malloc(nx * nz * sizeof *blk);
    line_scratch s;
    if (blk == NULL)
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for distance scratch");
    if (scratch_new(&s, nz, err) != TMESH_OK) {
        free(blk);
        return TMESH_E_NOMEM;
    }
    for (size_t k = 0; k < nz; k++)
        memcpy(blk + k * nx, jb->d2 + (k * ny + j) * nx, nx * sizeof *blk);
    long R = window_radius(jb->w[2], jb->cap);
    float *tmp = R > 0 ? malloc(nx * nz * sizeof *tmp) : NULL;
    if (tmp != NULL) {
        window_rows(blk, nx, nz, jb->w[2], R, jb->cap, tmp);
        free(tmp);
    } else { /* the envelope also serves when the window scratch cannot be had */
        for (size_t i = 0; i < nx; i++)
            fh_line(blk + i, nz, nx, jb->w[2], jb->cap, &s);
    }
    for (size_t k = 0; k < nz; k++)
        memcpy(jb->d2 + (k * ny + j) * nx, blk + k * nx, nx * sizeof *blk);
    scratch_free(&s);
    free(blk);
    return TMESH_OK;
}

tmesh_status tmesh_seg__edt_sq(float *d2, const uint8_t *feature, const size_t dim[3],
                               const double w[3], double cap, unsigned threads, tmesh_error *err)
{
    edt_job jb = {d2, feature, dim[0], dim[1], dim[2], {w[0], w[1], w[2]}, cap};
    tmesh_status st = tmesh_parallel_for(dim[2], threads, edt_slice, &jb, NULL, NULL, NULL, err);
    if (st == TMESH_OK && dim[2] > 1)
        st = tmesh_parallel_for(dim[1], threads, edt_row, &jb, NULL, NULL, NULL, err);
    return st;
}

typedef struct thr_job {
    uint8_t *out;
    const float *d2;
    double thr;
    int invert;
    size_t slice;
} thr_job;

static tmesh_status thr_slice(size_t k, void *user, tmesh_error *err)
{
    (void)err;
    thr_job *t = user;
    uint8_t *o = t->out + k * t->slice;
    const float *d = t->d2 + k * t->slice;
    for (size_t i = 0; i < t->slice; i++)
        o[i] = (uint8_t)(((double)d[i] <= t->thr) != (t->invert != 0));
    return TMESH_OK;
}

static tmesh_status dist_threshold(uint8_t *out, const float *d2, const size_t dim[3], double thr,
                                   int invert, unsigned threads, tmesh_error *err)
{
    thr_job t = {out, d2, thr, invert, dim[0] * dim[1]};
    return tmesh_parallel_for(dim[2], threads, thr_slice, &t, NULL, NULL, NULL, err);
}

tmesh_status tmesh_seg__dist_threshold(uint8_t *out, const float *d2, const size_t dim[3],
                                       double thr, unsigned threads, tmesh_error *err)
{
    return dist_threshold(out, d2, dim, thr, 0, threads, err);
}

/* One dilation (erode = 0) or erosion (erode = 1) of the 0/1 buffer m, in place. */
static tmesh_status morph_step(uint8_t *m, float *d2, const size_t dim[3], const double w[3],
                               int erode, double thr, unsigned threads, tmesh_error *err)
{
    size_t n = dim[0] * dim[1] * dim[2];
    if (erode) /* distance to the background inside the volume */
        for (size_t i = 0; i < n; i++)
            m[i] = !m[i];
    /* The chain of partial sums only grows, so a partial sum above thr can never end at or below
     * it: capping partial sums to +inf changes no voxel's side of the threshold, and lets the
     * envelope passes skip the many lines far from any feature. */
    tmesh_status st = tmesh_seg__edt_sq(d2, m, dim, w, thr, threads, err);
    if (st != TMESH_OK)
        return st;
    /* erode: keep the voxels farther than the radius from the background */
    return dist_threshold(m, d2, dim, thr, erode, threads, err);
}

/* ---- small balls: row decomposition ----
 *
 * For small radii the ball is applied directly as a structuring element, which gives the same
 * voxels as the distance transform by construction: a voxel offset (di, dj, dk) lies in the ball
 * when the documented squared distance chain_d2(di, dj, dk) is at most the threshold. That
 * expression only grows with |di| (each rounding is monotone), so the ball is a set of rows: for
 * every (dj, dk) with chain_d2(0, dj, dk) <= thr, the offsets |di| <= h(dj, dk). A dilation is
 * the union, and an erosion the intersection, of the source rows shifted by (dj, dk) and
 * widened (narrowed) by h along i. Empty source rows are skipped, so the cost follows the mask's
 * extent, not the volume's size: a sparse bone mask costs a few milliseconds.
 */

#define BALL_MAX_ROWS 64 /* beyond this many (dj, dk) rows the distance transform is cheaper */

typedef struct ball_row {
    long dj, dk;
    size_t h; /* half-width along i */
} ball_row;

/* The squared distance exactly as the transform accumulates it (see the file comment). */
static double chain_d2(const double w[3], long di, long dj, long dk)
{
    float a = (float)(w[0] * (double)(di * di));
    float b = (float)((double)a + w[1] * (double)(dj * dj));
    return (double)(float)((double)b + w[2] * (double)(dk * dk));
}

/* Fill rows (up to BALL_MAX_ROWS) and return their count, or 0 when the ball has more rows. */
static size_t ball_rows(ball_row *rows, const double w[3], double thr, const size_t dim[3])
{
    /* |dj| and |dk| beyond the volume never matter; beyond the radius nothing is inside */
    long rj = 0, rk = 0;
    while ((size_t)rj + 1 < dim[1] && chain_d2(w, 0, rj + 1, 0) <= thr)
        rj++;
    while ((size_t)rk + 1 < dim[2] && chain_d2(w, 0, 0, rk + 1) <= thr)
        rk++;
    if ((2 * rj + 1) * (2 * rk + 1) > 4 * BALL_MAX_ROWS)
        return 0;
    size_t n = 0;
    for (long dk = -rk; dk <= rk; dk++)
        for (long dj = -rj; dj <= rj; dj++) {
            if (chain_d2(w, 0, dj, dk) > thr)
                continue;
            if (n == BALL_MAX_ROWS)
                return 0;
            size_t h = 0;
            while (h + 1 < dim[0] && chain_d2(w, (long)h + 1, dj, dk) <= thr)
                h++;
            rows[n].dj = dj;
            rows[n].dk = dk;
            rows[n].h = h;
            n++;
        }
    return n;
}

/* Extent of the non-zero voxels of a row; lo > hi when the row is empty. */
typedef struct row_ext {
    uint32_t lo, hi;
} row_ext;

static int ext_empty(const row_ext *e)
{
    return e->lo > e->hi;
}

/*
 * Rows of a mask, either dense (nx bytes a row) or packed: only the span span[r] of row r is
 * stored, at off[r], and everything outside it is 0. The intermediate of an opening or closing
 * is packed, so it costs memory only near the mask.
 */
typedef struct rowbuf {
    uint8_t *dense;
    uint8_t *packed;
    size_t *off;
    row_ext *span;
} rowbuf;

/* Row r: voxel i is at p[i - *base], for i in [0, nx) (dense) or in span[r] (packed). */
static uint8_t *rb_row(const rowbuf *b, size_t r, size_t nx, size_t *base)
{
    if (b->dense != NULL) {
        *base = 0;
        return b->dense + nx * r;
    }
    *base = b->span[r].lo;
    return b->packed + b->off[r];
}

typedef struct ball_job {
    const rowbuf *src, *dst;
    size_t nx, ny, nz;
    const row_ext *src_ext; /* of each source row (j + ny*k)                            */
    const row_ext *old_ext; /* of what dst holds now, or NULL when dst is all zero       */
    row_ext *dst_ext;       /* out: of each result row (exact for dilation, a superset for
                               erosion); for extent_slice and bound_slice, their output  */
    const ball_row *rows;
    size_t n_rows;
    int erode;
} ball_job;

/* Extents of the rows of slice k of the dense jb->src (into dst_ext). */
static tmesh_status extent_slice(size_t k, void *user, tmesh_error *err)
{
    (void)err;
    ball_job *jb = user;
    const size_t nx = jb->nx, ny = jb->ny;
    for (size_t j = 0; j < ny; j++) {
        const uint8_t *s = jb->src->dense + nx * (j + ny * k);
        size_t a = 0, b = nx;
        for (uint64_t w8; a + 8 <= nx && (memcpy(&w8, s + a, 8), w8 == 0);)
            a += 8;
        while (a < nx && !s[a])
            a++;
        if (a < nx)
            while (!s[b - 1])
                b--;
        row_ext *e = &jb->dst_ext[j + ny * k];
        e->lo = a < nx ? (uint32_t)a : 1u;
        e->hi = a < nx ? (uint32_t)(b - 1) : 0u;
    }
    return TMESH_OK;
}

/* Source row shifted by (dj, dk) from (j, k): its index, or 0 when outside the volume. */
static int ball_src(const ball_job *jb, size_t j, size_t k, const ball_row *br, size_t *r_out)
{
    long jj = (long)j + br->dj, kk = (long)k + br->dk;
    if (jj < 0 || kk < 0 || jj >= (long)jb->ny || kk >= (long)jb->nz)
        return 0;
    *r_out = (size_t)jj + jb->ny * (size_t)kk;
    return 1;
}

/* Span a dilation of slice k can reach in each row (into dst_ext): a superset of the result. */
static tmesh_status bound_slice(size_t k, void *user, tmesh_error *err)
{
    (void)err;
    ball_job *jb = user;
    const size_t nx = jb->nx, ny = jb->ny;
    for (size_t j = 0; j < ny; j++) {
        row_ext *e = &jb->dst_ext[j + ny * k];
        e->lo = 1;
        e->hi = 0;
        for (size_t t = 0; t < jb->n_rows; t++) {
            size_t r, h = jb->rows[t].h;
            if (!ball_src(jb, j, k, &jb->rows[t], &r) || ext_empty(&jb->src_ext[r]))
                continue;
            size_t l = jb->src_ext[r].lo > h ? jb->src_ext[r].lo - h : 0;
            size_t u = jb->src_ext[r].hi + h < nx ? jb->src_ext[r].hi + h : nx - 1;
            if (ext_empty(e) || l < e->lo)
                e->lo = (uint32_t)l;
            if (ext_empty(e) || u > e->hi)
                e->hi = (uint32_t)u;
        }
    }
    return TMESH_OK;
}

/* First i in [i, end] with p[i] != 0, or end + 1; whole 8-byte words of zeros at a time (a row
 * through a skull is mostly zeros between two thin walls). */
static size_t skip_zeros(const uint8_t *p, size_t i, size_t end)
{
    for (uint64_t w8; i + 7 <= end && (memcpy(&w8, p + i, 8), w8 == 0);)
        i += 8;
    while (i <= end && !p[i])
        i++;
    return i;
}

/* Voxels of o (o[i - ob] is voxel i) |= s (s[i - sb]) widened by h; the written span is merged
 * into *e. */
static void dilate_row(uint8_t *o, size_t ob, const uint8_t *s, size_t sb, const row_ext *se,
                       size_t h, size_t nx, row_ext *e)
{
    size_t i = se->lo, hi = se->hi;
    while (i <= hi) {
        i = sb + skip_zeros(s, i - sb, hi - sb);
        if (i > hi)
            break;
        size_t a = i;
        while (i <= hi && s[i - sb])
            i++;
        size_t b = i - 1;
        size_t l = a > h ? a - h : 0, r = b + h < nx ? b + h : nx - 1;
        memset(o + (l - ob), 1, r - l + 1);
        if (ext_empty(e) || l < e->lo)
            e->lo = (uint32_t)l;
        if (ext_empty(e) || r > e->hi)
            e->hi = (uint32_t)r;
    }
}

/* t[x0..x1] = 1 where every voxel within h along the row (inside the volume) is set in the
 * source row s (s[i - sb] is voxel i, all zero outside its extent se). */
static void erode_row(uint8_t *t, const uint8_t *s, size_t sb, const row_ext *se, size_t x0,
                      size_t x1, size_t h, size_t nx)
{
    memset(t + x0, 0, x1 - x0 + 1);
    size_t i = x0 > h ? x0 - h : 0, end = x1 + h < nx ? x1 + h : nx - 1;
    /* outside the extent everything is 0, so runs never cross its ends */
    if (i < se->lo)
        i = se->lo;
    if (end > se->hi)
        end = se->hi;
    while (i <= end) {
        i = sb + skip_zeros(s, i - sb, end - sb);
        if (i > end)
            break;
        /* a run cut by the scan window erodes to the same voxels inside [x0, x1] */
        size_t a = i;
        while (i <= end && s[i - sb])
            i++;
        long b = (long)i - 1;
        long l = a == 0 ? 0 : (long)(a + h);
        long r = (size_t)b + 1 == nx ? (long)nx - 1 : b - (long)h;
        if (l < (long)x0)
            l = (long)x0;
        if (r > (long)x1)
            r = (long)x1;
        if (l <= r)
            memset(t + l, 1, (size_t)(r - l + 1));
    }
}

/* Erosion of one result row into acc[x0..x1]; returns 0 when it is empty. */
static int erode_result(const ball_job *jb, size_t j, size_t k, size_t x0, size_t x1,
                        uint8_t *acc, uint8_t *tmp)
{
    int first = 1;
    for (size_t t = 0; t < jb->n_rows; t++) {
        size_t r, sb;
        if (!ball_src(jb, j, k, &jb->rows[t], &r))
            continue; /* outside the volume is not background */
        if (ext_empty(&jb->src_ext[r]))
            return 0; /* a source row with no voxel erodes every voxel */
        const uint8_t *s = rb_row(jb->src, r, jb->nx, &sb);
        erode_row(first ? acc : tmp, s, sb, &jb->src_ext[r], x0, x1, jb->rows[t].h, jb->nx);
        unsigned any = 0;
        if (first) {
            for (size_t x = x0; x <= x1; x++)
                any |= acc[x];
        } else {
            for (size_t x = x0; x <= x1; x++) {
                acc[x] &= tmp[x];
                any |= acc[x];
            }
        }
        if (!any)
            return 0;
        first = 0;
    }
    return 1; /* the centre row (0, 0) is always in the ball, so acc was written */
}

static tmesh_status ball_slice(size_t k, void *user, tmesh_error *err)
{
    ball_job *jb = user;
    const size_t nx = jb->nx, ny = jb->ny;
    uint8_t *acc = NULL, *tmp = NULL;
    if (jb->erode) {
        acc = malloc(2 * nx);
        if (acc == NULL)
            return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for a %zu-voxel row", nx);
        tmp = acc + nx;
    }
    for (size_t j = 0; j < ny; j++) {
        size_t r0 = j + ny * k, ob;
        row_ext *e = &jb->dst_ext[r0];
        uint8_t *o = NULL;
        /* clear only what dst may hold: rows known empty stay untouched (and unpaged) */
        if (jb->old_ext != NULL && !ext_empty(&jb->old_ext[r0])) {
            o = rb_row(jb->dst, r0, nx, &ob);
            memset(o + (jb->old_ext[r0].lo - ob), 0, jb->old_ext[r0].hi - jb->old_ext[r0].lo + 1u);
        }
        e->lo = 1;
        e->hi = 0;
        if (!jb->erode) {
            for (size_t t = 0; t < jb->n_rows; t++) {
                size_t r, sb;
                if (!ball_src(jb, j, k, &jb->rows[t], &r) || ext_empty(&jb->src_ext[r]))
                    continue;
                if (o == NULL)
                    o = rb_row(jb->dst, r0, nx, &ob);
                const uint8_t *s = rb_row(jb->src, r, nx, &sb);
                dilate_row(o, ob, s, sb, &jb->src_ext[r], jb->rows[t].h, nx, e);
            }
            continue;
        }
        /* erosion: the result lies inside the centre row's extent */
        if (ext_empty(&jb->src_ext[r0]))
            continue;
        size_t x0 = jb->src_ext[r0].lo, x1 = jb->src_ext[r0].hi;
        if (erode_result(jb, j, k, x0, x1, acc, tmp)) {
            if (o == NULL)
                o = rb_row(jb->dst, r0, nx, &ob);
            memcpy(o + (x0 - ob), acc + x0, x1 - x0 + 1);
            e->lo = (uint32_t)x0;
            e->hi = (uint32_t)x1;
        }
    }
    free(acc);
    return TMESH_OK;
}

/* One dilation or erosion of src into dst (distinct buffers) with the ball rows. */
static tmesh_status ball_step(const rowbuf *dst, const rowbuf *src, const size_t dim[3],
                              const ball_row *rows, size_t n_rows, int erode,
                              const row_ext *src_ext, const row_ext *old_ext, row_ext *dst_ext,
                              unsigned threads, tmesh_error *err)
{
    ball_job jb = {src, dst, dim[0], dim[1], dim[2], src_ext, old_ext, dst_ext, rows, n_rows,
                   erode};
    return tmesh_parallel_for(dim[2], threads, ball_slice, &jb, NULL, NULL, NULL, err);
}

/*
 * Morphology with the ball rows; m (0/1) is in/out. The intermediate t is packed: each row keeps
 * only the span the first step can write (for a dilation, the source extents widened by the
 * ball; for an erosion or a copy, the source extents), so its memory follows the mask.
 */
static tmesh_status ball_morph(uint8_t *m, const size_t dim[3], const ball_row *rows,
                               size_t n_rows, tmesh_seg_morph_op op, unsigned threads,
                               tmesh_error *err)
{
    size_t nr = dim[1] * dim[2];
    row_ext *ext_m = malloc(nr * sizeof *ext_m), *ext_t = malloc(nr * sizeof *ext_t);
    row_ext *span = malloc(nr * sizeof *span);
    size_t *off = malloc(nr * sizeof *off);
    rowbuf bm = {m, NULL, NULL, NULL}, bt = {NULL, NULL, off, span};
    tmesh_status st = TMESH_OK;
    if (ext_m == NULL || ext_t == NULL || span == NULL || off == NULL) {
        st = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for %zu row extents", nr);
        goto done;
    }
    ball_job scan = {&bm, NULL, dim[0], dim[1], dim[2], ext_m, NULL, ext_m, rows, n_rows, 0};
    if ((st = tmesh_parallel_for(dim[2], threads, extent_slice, &scan, NULL, NULL, NULL, err)))
        goto done;
    int first_dilates = op == TMESH_SEG_CLOSE;
    if (first_dilates) {
        scan.dst_ext = span;
        if ((st = tmesh_parallel_for(dim[2], threads, bound_slice, &scan, NULL, NULL, NULL, err)))
            goto done;
    } else {
        memcpy(span, ext_m, nr * sizeof *span);
    }
    size_t total = 0;
    for (size_t r = 0; r < nr; r++) {
        off[r] = total;
        if (!ext_empty(&span[r]))
            total += span[r].hi - span[r].lo + 1u;
    }
    /* zeroed: a dilation writes only its runs */
    if ((bt.packed = calloc(total ? total : 1, 1)) == NULL) {
        st = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for a %zu-byte work mask", total);
        goto done;
    }
    row_ext *old = ext_t; /* m's extents before the second step, as it clears them */
    if (op == TMESH_SEG_DILATE || op == TMESH_SEG_ERODE) {
        /* t = m, then m = op(t) */
        for (size_t r = 0; r < nr; r++)
            if (!ext_empty(&ext_m[r]))
                memcpy(bt.packed + off[r], m + dim[0] * r + ext_m[r].lo,
                       ext_m[r].hi - ext_m[r].lo + 1u);
        memcpy(old, ext_m, nr * sizeof *old);
        st = ball_step(&bm, &bt, dim, rows, n_rows, op == TMESH_SEG_ERODE, old, old, ext_m,
                       threads, err);
    } else {
        /* t = first(m), then m = second(t); t's extents go to span's copy in ext_t */
        row_ext *t_ext = malloc(nr * sizeof *t_ext);
        if (t_ext == NULL)
            st = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for %zu row extents", nr);
        if (st == TMESH_OK)
            st = ball_step(&bt, &bm, dim, rows, n_rows, !first_dilates, ext_m, NULL, t_ext,
                           threads, err);
        if (st == TMESH_OK) {
            memcpy(old, ext_m, nr * sizeof *old);
            st = ball_step(&bm, &bt, dim, rows, n_rows, first_dilates, t_ext, old, ext_m,
                           threads, err);
        }
        free(t_ext);
    }
done:
    free(bt.packed);
    free(ext_m);
    free(ext_t);
    free(span);
    free(off);
    return st;
}

tmesh_status tmesh_seg__morph_buf(uint8_t *m, const size_t dim[3], const double w[3],
                                  tmesh_seg_morph_op op, double radius, unsigned threads,
                                  tmesh_error *err)
{
    size_t n = dim[0] * dim[1] * dim[2];
    /* Relative tolerance: voxels exactly on the sphere stay inside whatever the rounding of the
     * float squared distance (float keeps 24 bits, about 6e-8 relative). */
    double thr = radius * radius * (1.0 + 1e-6);
    ball_row rows[BALL_MAX_ROWS];
    size_t n_rows = ball_rows(rows, w, thr, dim);
    if (n_rows > 0)
        return ball_morph(m, dim, rows, n_rows, op, threads, err);
    float *d2 = malloc(n * sizeof *d2);
    if (d2 == NULL)
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for a %zu-voxel distance map", n);
    tmesh_status st = TMESH_OK;
    switch (op) {
    case TMESH_SEG_DILATE:
        st = morph_step(m, d2, dim, w, 0, thr, threads, err);
        break;
    case TMESH_SEG_ERODE:
        st = morph_step(m, d2, dim, w, 1, thr, threads, err);
        break;
    case TMESH_SEG_OPEN:
        st = morph_step(m, d2, dim, w, 1, thr, threads, err);
        if (st == TMESH_OK)
            st = morph_step(m, d2, dim, w, 0, thr, threads, err);
        break;
    case TMESH_SEG_CLOSE:
        st = morph_step(m, d2, dim, w, 0, thr, threads, err);
        if (st == TMESH_OK)
            st = morph_step(m, d2, dim, w, 1, thr, threads, err);
        break;
    }
    free(d2);
    return st;
}

tmesh_status tmesh_seg_distance(tmesh_volume **out, const tmesh_volume *mask,
                                const tmesh_seg_distance_opts *opts, tmesh_error *err)
{
    TMESH_ASSERT(out != NULL && mask != NULL);
    *out = NULL;
    tmesh_seg_distance_opts o = TMESH_SEG_DISTANCE_OPTS_INIT;
    if (opts != NULL)
        o = *opts;
    tmesh_status st;
    if ((st = tmesh_seg__check_mask(mask, "mask", err)) ||
        (st = tmesh_seg__check_spacing(mask, err)))
        return st;
    tmesh_volume *res = NULL;
    if ((st = tmesh_seg__new_like(&res, mask, TMESH_VOXEL_F32, err)) != TMESH_OK)
        return st;
    size_t n = tmesh_volume_count(mask);
    uint8_t *f = malloc(n);
    if (f == NULL) {
        tmesh_volume_free(res);
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for a %zu-voxel mask", n);
    }
    tmesh_seg__binarize(f, mask);
    double w[3];
    tmesh_seg__weights(mask, w);
    float *d = res->data;
    st = tmesh_seg__edt_sq(d, f, mask->dim, w, INFINITY, o.threads, err);
    free(f);
    if (st != TMESH_OK) {
        tmesh_volume_free(res);
        return st;
    }
    for (size_t i = 0; i < n; i++)
        d[i] = (float)sqrt((double)d[i]);
    *out = res;
    return TMESH_OK;
}

static tmesh_status check_op(tmesh_seg_morph_op op, tmesh_error *err)
{
    if ((int)op < (int)TMESH_SEG_DILATE || (int)op > (int)TMESH_SEG_CLOSE)
        return tmesh_error_set(err, TMESH_E_ARG, "op %d is not a morphology operation", (int)op);
    return TMESH_OK;
}

tmesh_status tmesh_seg_morph(tmesh_volume **out, const tmesh_volume *mask,
                             const tmesh_seg_morph_opts *opts, tmesh_error *err)
{
    TMESH_ASSERT(out != NULL && mask != NULL);
    *out = NULL;
    tmesh_seg_morph_opts o = TMESH_SEG_MORPH_OPTS_INIT;
    if (opts != NULL)
        o = *opts;
    tmesh_status st;
    if ((st = tmesh_seg__check_mask(mask, "mask", err)) || (st = check_op(o.op, err)) ||
        (st = tmesh_seg__check_range(o.radius, 0.0, 1000.0, "radius", "mm", err)) ||
        (st = tmesh_seg__check_spacing(mask, err)))
        return st;
    tmesh_volume *res = NULL;
    if ((st = tmesh_seg__new_like(&res, mask, TMESH_VOXEL_U8, err)) != TMESH_OK)
        return st;
    tmesh_seg__binarize(res->data, mask);
    double w[3];
    tmesh_seg__weights(mask, w);
    if (o.radius > 0.0)
        st = tmesh_seg__morph_buf(res->data, mask->dim, w, o.op, o.radius, o.threads, err);
    if (st != TMESH_OK) {
        tmesh_volume_free(res);
        return st;
    }
    *out = res;
    return TMESH_OK;
}

tmesh_status tmesh_seg__morph_inplace(tmesh_volume *mask, const tmesh_seg_morph_opts *opts,
                                      tmesh_error *err)
{
    TMESH_ASSERT(mask != NULL && opts != NULL);
    tmesh_status st;
    if (mask->type != TMESH_VOXEL_U8) {
        tmesh_volume *res = NULL;
        if ((st = tmesh_seg_morph(&res, mask, opts, err)) == TMESH_OK)
            tmesh_seg__take_data(mask, res);
        return st;
    }
    if ((st = check_op(opts->op, err)) ||
        (st = tmesh_seg__check_range(opts->radius, 0.0, 1000.0, "radius", "mm", err)) ||
        (st = tmesh_seg__check_spacing(mask, err)))
        return st;
    tmesh_seg__binarize(mask->data, mask);
    double w[3];
    tmesh_seg__weights(mask, w);
    if (opts->radius > 0.0)
        st = tmesh_seg__morph_buf(mask->data, mask->dim, w, opts->op, opts->radius, opts->threads,
                                  err);
    return st;
}

tmesh_status tmesh_seg_hollow(tmesh_volume **out, const tmesh_volume *mask,
                              const tmesh_seg_hollow_opts *opts, tmesh_error *err)
{
    TMESH_ASSERT(out != NULL && mask != NULL);
    *out = NULL;
    tmesh_seg_hollow_opts o = TMESH_SEG_HOLLOW_OPTS_INIT;
    if (opts != NULL)
        o = *opts;
    tmesh_status st;
    if ((st = tmesh_seg__check_mask(mask, "mask", err)) ||
        (st = tmesh_seg__check_spacing(mask, err)))
        return st;
    if (!(o.thickness > 0.0 && o.thickness <= 1000.0))
        return tmesh_error_set(err, TMESH_E_ARG, "thickness %g mm must be in (0, 1000]",
                               o.thickness);
    if ((int)o.side < (int)TMESH_SEG_SHELL_INSIDE || (int)o.side > (int)TMESH_SEG_SHELL_MEDIAL)
        return tmesh_error_set(err, TMESH_E_ARG, "side %d is not inside, outside or medial",
                               (int)o.side);
    size_t n = tmesh_volume_count(mask);
    tmesh_volume *res = NULL;
    if ((st = tmesh_seg__new_like(&res, mask, TMESH_VOXEL_U8, err)) != TMESH_OK)
        return st;
    uint8_t *outer = res->data, *inner = malloc(n);
    if (inner == NULL) {
        tmesh_volume_free(res);
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for a %zu-voxel mask", n);
    }
    tmesh_seg__binarize(outer, mask);
    memcpy(inner, outer, n);
    double w[3];
    tmesh_seg__weights(mask, w);
    switch (o.side) {
    case TMESH_SEG_SHELL_INSIDE:
        st =
            tmesh_seg__morph_buf(inner, mask->dim, w, TMESH_SEG_ERODE, o.thickness, o.threads, err);
        break;
    case TMESH_SEG_SHELL_OUTSIDE:
        st = tmesh_seg__morph_buf(outer, mask->dim, w, TMESH_SEG_DILATE, o.thickness, o.threads,
                                  err);
        break;
    case TMESH_SEG_SHELL_MEDIAL:
        st = tmesh_seg__morph_buf(outer, mask->dim, w, TMESH_SEG_DILATE, o.thickness / 2, o.threads,
                                  err);
        if (st == TMESH_OK)
            st = tmesh_seg__morph_buf(inner, mask->dim, w, TMESH_SEG_ERODE, o.thickness / 2,
                                      o.threads, err);
        break;
    }
    if (st == TMESH_OK)
        for (size_t i = 0; i < n; i++)
            outer[i] = (uint8_t)(outer[i] && !inner[i]);
    free(inner);
    if (st != TMESH_OK) {
        tmesh_volume_free(res);
        return st;
    }
    *out = res;
    return TMESH_OK;
}
