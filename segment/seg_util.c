/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers shared by the segment kernels: mask access, geometry checks, option range checks,
 * neighbourhoods and the breadth-first flood every region operation (growing, components, hole
 * filling) is built on.
 */
/* madvise is not in C11: it comes from the platform when it has one (see tmesh_seg__hint_huge) */
#define _DEFAULT_SOURCE
#include "seg_int.h"

#include <math.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

int tmesh_seg__is_mask(const tmesh_volume *vol)
{
    return vol->type == TMESH_VOXEL_U8 || vol->type == TMESH_VOXEL_U16;
}

tmesh_status tmesh_seg__check_mask(const tmesh_volume *vol, const char *what, tmesh_error *err)
{
    TMESH_ASSERT(vol != NULL && vol->data != NULL);
    if (!tmesh_seg__is_mask(vol))
        return tmesh_error_set(err, TMESH_E_ARG, "%s has voxel type %s; a mask must be u8 or u16",
                               what, tmesh_voxel_type_name(vol->type));
    return TMESH_OK;
}

void tmesh_seg__hint_huge(void *p, size_t len)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    /* Large buffers are touched page by page on first write; in a virtual machine each 4 KiB
     * fault is costly, and 2 MiB pages cut their number 512-fold. Only the whole pages inside
     * the buffer are advised; the advice changes no value and may be ignored. */
    const uintptr_t pg = 4096;
    uintptr_t a = ((uintptr_t)p + pg - 1) & ~(pg - 1), e = ((uintptr_t)p + len) & ~(pg - 1);
    if (len >= ((size_t)4 << 20) && e > a)
        (void)madvise((void *)a, (size_t)(e - a), MADV_HUGEPAGE);
#else
    (void)p;
    (void)len;
#endif
}

tmesh_status tmesh_seg__new_like(tmesh_volume **out, const tmesh_volume *src, tmesh_voxel_type type,
                                 tmesh_error *err)
{
    tmesh_status st = tmesh_volume_new(out, src->dim, type, err);
    if (st != TMESH_OK)
        return st;
    tmesh_seg__hint_huge((*out)->data, tmesh_volume_count(*out) * tmesh_voxel_size(type));
    memcpy((*out)->ijk_to_lps, src->ijk_to_lps, sizeof src->ijk_to_lps);
    return TMESH_OK;
}

void tmesh_seg__take_data(tmesh_volume *dst, tmesh_volume *src)
{
    free(dst->data);
    dst->data = src->data;
    dst->type = src->type;
    src->data = NULL;
    tmesh_volume_free(src);
}

tmesh_status tmesh_seg__same_geometry(const tmesh_volume *a, const tmesh_volume *b,
                                      const char *name_a, const char *name_b, tmesh_error *err)
{
    if (a->dim[0] != b->dim[0] || a->dim[1] != b->dim[1] || a->dim[2] != b->dim[2])
        return tmesh_error_set(err, TMESH_E_ARG, "%s is %zu x %zu x %zu but %s is %zu x %zu x %zu",
                               name_a, a->dim[0], a->dim[1], a->dim[2], name_b, b->dim[0],
                               b->dim[1], b->dim[2]);
    /* Exact comparison on purpose: label volumes made from one source share its matrix bit for
     * bit, and anything else is a different grid. */
    if (memcmp(a->ijk_to_lps, b->ijk_to_lps, sizeof a->ijk_to_lps) != 0)
        return tmesh_error_set(err, TMESH_E_ARG, "%s and %s have different ijk_to_lps matrices",
                               name_a, name_b);
    return TMESH_OK;
}

double tmesh_seg__voxel_volume(const tmesh_volume *vol)
{
    const double(*m)[4] = vol->ijk_to_lps;
    double det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
                 m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
                 m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    return fabs(det);
}

double tmesh_seg__sample(const tmesh_volume *vol, size_t idx)
{
    switch (vol->type) {
    case TMESH_VOXEL_U8:
        return ((const uint8_t *)vol->data)[idx];
    case TMESH_VOXEL_I16:
        return ((const int16_t *)vol->data)[idx];
    case TMESH_VOXEL_U16:
        return ((const uint16_t *)vol->data)[idx];
    case TMESH_VOXEL_F32:
        return ((const float *)vol->data)[idx];
    }
    return 0.0;
}

void tmesh_seg__binarize(uint8_t *dst, const tmesh_volume *mask)
{
    size_t n = tmesh_volume_count(mask);
    if (mask->type == TMESH_VOXEL_U8) {
        const uint8_t *s = mask->data;
        for (size_t i = 0; i < n; i++)
            dst[i] = s[i] != 0;
    } else {
        const uint16_t *s = mask->data;
        for (size_t i = 0; i < n; i++)
            dst[i] = s[i] != 0;
    }
}

unsigned tmesh_seg__threads(unsigned requested)
{
    return tmesh_threads_resolve(requested);
}

tmesh_status tmesh_seg__check_range(double value, double lo, double hi, const char *what,
                                    const char *unit, tmesh_error *err)
{
    if (!(value >= lo && value <= hi)) /* also rejects NaN */
        return tmesh_error_set(err, TMESH_E_ARG, "%s %g%s%s must be in [%g, %g]", what, value,
                               unit[0] ? " " : "", unit, lo, hi);
    return TMESH_OK;
}

tmesh_status tmesh_seg__check_connectivity(int connectivity, tmesh_error *err)
{
    if (connectivity != 6 && connectivity != 18 && connectivity != 26)
        return tmesh_error_set(err, TMESH_E_ARG, "connectivity %d must be 6, 18 or 26",
                               connectivity);
    return TMESH_OK;
}

int tmesh_seg__neighbours(int connectivity, int d[26][3])
{
    int n = 0;
    /* Faces first, then edges, then corners; the flood result does not depend on the order. */
    for (int pass = 1; pass <= 3; pass++)
        for (int dk = -1; dk <= 1; dk++)
            for (int dj = -1; dj <= 1; dj++)
                for (int di = -1; di <= 1; di++) {
                    int m = abs(di) + abs(dj) + abs(dk);
                    if (m != pass)
                        continue;
                    if ((connectivity == 6 && m > 1) || (connectivity == 18 && m > 2))
                        continue;
                    d[n][0] = di;
                    d[n][1] = dj;
                    d[n][2] = dk;
                    n++;
                }
    return n;
}

tmesh_status tmesh_seg__queue_push(seg_queue *q, size_t v, tmesh_error *err)
{
    if (q->len == q->cap) {
        size_t ncap = q->cap ? q->cap * 2 : 4096;
        size_t *nb = malloc(ncap * sizeof *nb);
        if (nb == NULL)
            return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for a flood queue of %zu",
                                   ncap);
        /* unwrap the ring into the new buffer */
        for (size_t i = 0; i < q->len; i++)
            nb[i] = q->buf[(q->head + i) % q->cap];
        free(q->buf);
        q->buf = nb;
        q->cap = ncap;
        q->head = 0;
    }
    size_t tail = q->head + q->len;
    if (tail >= q->cap)
        tail -= q->cap;
    q->buf[tail] = v;
    q->len++;
    return TMESH_OK;
}

size_t tmesh_seg__queue_pop(seg_queue *q)
{
    TMESH_ASSERT(q->len > 0);
    size_t v = q->buf[q->head];
    q->head++;
    if (q->head == q->cap)
        q->head = 0;
    q->len--;
    return v;
}

void tmesh_seg__queue_free(seg_queue *q)
{
    free(q->buf);
    q->buf = NULL;
    q->cap = q->head = q->len = 0;
}

typedef struct pad_job {
    seg_padded *p;
    const tmesh_volume *mask; /* source: a mask volume, or */
    const uint8_t *bytes;     /* 0/1 bytes                 */
    uint8_t *dst;             /* store: destination         */
    uint8_t value;
} pad_job;

/* One padded plane: the SEG_PAD ring and the interior rows of volume slice k. */
static tmesh_status pad_load_chunk(size_t k, void *user, tmesh_error *err)
{
    (void)err;
    pad_job *jb = user;
    seg_padded *p = jb->p;
    const size_t nx = p->dim[0], ny = p->dim[1];
    const size_t sx = p->pdim[0], sxy = p->pdim[0] * p->pdim[1];
    uint8_t *plane = p->w + (k + 1) * sxy;
    memset(plane, SEG_PAD, sx); /* row j = -1 */
    memset(plane + (ny + 1) * sx, SEG_PAD, sx);
    for (size_t j = 0; j < ny; j++) {
        uint8_t *row = plane + (j + 1) * sx;
        row[0] = row[nx + 1] = SEG_PAD;
        size_t base = nx * (j + ny * k);
        if (jb->bytes != NULL) {
            memcpy(row + 1, jb->bytes + base, nx);
        } else if (jb->mask->type == TMESH_VOXEL_U8) {
            const uint8_t *s8 = (const uint8_t *)jb->mask->data + base;
            for (size_t i = 0; i < nx; i++)
                row[i + 1] = s8[i] != 0;
        } else {
            const uint16_t *s16 = (const uint16_t *)jb->mask->data + base;
            for (size_t i = 0; i < nx; i++)
                row[i + 1] = s16[i] != 0;
        }
    }
    return TMESH_OK;
}

static tmesh_status pad_load(seg_padded *p, const size_t dim[3], pad_job *jb, unsigned threads,
                             tmesh_error *err)
{
    memcpy(p->dim, dim, sizeof p->dim);
    for (int a = 0; a < 3; a++)
        p->pdim[a] = dim[a] + 2;
    size_t sxy = p->pdim[0] * p->pdim[1], n = sxy * p->pdim[2];
    p->w = malloc(n);
    if (p->w == NULL)
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for a %zu-voxel work mask", n);
    memset(p->w, SEG_PAD, sxy); /* planes k = -1 and k = nz */
    memset(p->w + (p->pdim[2] - 1) * sxy, SEG_PAD, sxy);
    jb->p = p;
    tmesh_status st =
        tmesh_parallel_for(dim[2], threads, pad_load_chunk, jb, NULL, NULL, NULL, err);
    if (st != TMESH_OK)
        tmesh_seg__pad_free(p);
    return st;
}

tmesh_status tmesh_seg__pad_mask(seg_padded *p, const tmesh_volume *mask, unsigned threads,
                                 tmesh_error *err)
{
    pad_job jb = {NULL, mask, NULL, NULL, 0};
    return pad_load(p, mask->dim, &jb, threads, err);
}

tmesh_status tmesh_seg__pad_bytes(seg_padded *p, const size_t dim[3], const uint8_t *src,
                                  unsigned threads, tmesh_error *err)
{
    pad_job jb = {NULL, NULL, src, NULL, 0};
    return pad_load(p, dim, &jb, threads, err);
}

static tmesh_status pad_store_chunk(size_t k, void *user, tmesh_error *err)
{
    (void)err;
    pad_job *jb = user;
    const seg_padded *p = jb->p;
    const size_t nx = p->dim[0], ny = p->dim[1];
    for (size_t j = 0; j < ny; j++) {
        const uint8_t *row = p->w + tmesh_seg__pad_index(p, 0, j, k);
        uint8_t *d = jb->dst + nx * (j + ny * k);
        for (size_t i = 0; i < nx; i++)
            d[i] = row[i] == jb->value;
    }
    return TMESH_OK;
}

tmesh_status tmesh_seg__pad_store_eq(seg_padded *p, uint8_t *dst, uint8_t value, unsigned threads,
                                     tmesh_error *err)
{
    pad_job jb = {p, NULL, NULL, dst, value};
    return tmesh_parallel_for(p->dim[2], threads, pad_store_chunk, &jb, NULL, NULL, NULL, err);
}

void tmesh_seg__pad_free(seg_padded *p)
{
    free(p->w);
    p->w = NULL;
}

tmesh_status tmesh_seg__flood(seg_padded *p, int connectivity, uint8_t from, uint8_t to,
                              seg_queue *q, uint16_t *label_out, uint16_t label, size_t *count_out,
                              tmesh_error *err)
{
    /* Scanline flood: each queued voxel grows into its whole run of `from` along i, then the
     * neighbouring rows are scanned over the run (one voxel wider where the connectivity has
     * diagonal steps in i) and the start of every sub-run is queued. Sequential runs make it
     * several times faster than a voxel queue; the set of voxels reached is the same. */
    TMESH_ASSERT(from != SEG_PAD && to != SEG_PAD && from != to);
    const ptrdiff_t sx = (ptrdiff_t)p->pdim[0], sxy = (ptrdiff_t)(p->pdim[0] * p->pdim[1]);
    ptrdiff_t row_off[8];
    int row_ext[8], nrows = 0;
    for (int dk = -1; dk <= 1; dk++)
        for (int dj = -1; dj <= 1; dj++) {
            int m = abs(dj) + abs(dk);
            if (m == 0 || (connectivity == 6 && m > 1))
                continue;
            row_off[nrows] = (ptrdiff_t)dj * sx + (ptrdiff_t)dk * sxy;
            /* a diagonal step in i is allowed when the total step stays within the
             * connectivity: 18 allows |di|+|dj|+|dk| <= 2, 26 everything */
            row_ext[nrows] = connectivity == 26 || (connectivity == 18 && m == 1);
            nrows++;
        }
    uint8_t *w = p->w;
    size_t count = 0;
    while (q->len > 0) {
        size_t v = tmesh_seg__queue_pop(q);
        if (w[v] != from)
            continue;
        size_t l = v, r = v;
        while (w[l - 1] == from) /* the SEG_PAD border stops every run */
            l--;
        while (w[r + 1] == from)
            r++;
        memset(w + l, to, r - l + 1);
        if (label_out != NULL)
            for (size_t x = l; x <= r; x++)
                label_out[x] = label;
        count += r - l + 1;
        for (int t = 0; t < nrows; t++) {
            size_t lo = (size_t)((ptrdiff_t)l + row_off[t]) - (size_t)row_ext[t];
            size_t hi = (size_t)((ptrdiff_t)r + row_off[t]) + (size_t)row_ext[t];
            for (size_t x = lo; x <= hi; x++) {
                if (w[x] != from || (x > lo && w[x - 1] == from))
                    continue;
                tmesh_status st = tmesh_seg__queue_push(q, x, err);
                if (st != TMESH_OK)
                    return st;
            }
        }
    }
    if (count_out != NULL)
        *count_out = count;
    return TMESH_OK;
}

tmesh_status tmesh_seg__check_spacing(const tmesh_volume *vol, tmesh_error *err)
{
    double s[3];
    tmesh_volume_spacing(vol, s);
    for (int a = 0; a < 3; a++)
        if (!(s[a] > 0.0 && isfinite(s[a])))
            return tmesh_error_set(err, TMESH_E_DATA,
                                   "spacing along axis %d is %g mm: the ijk_to_lps matrix is "
                                   "degenerate",
                                   a, s[a]);
    return TMESH_OK;
}

void tmesh_seg__weights(const tmesh_volume *vol, double w_out[3])
{
    /* Column norms of ijk_to_lps: for a sheared (tilted) matrix these are still the distances
     * between neighbouring voxel centres along each axis; the ball then is slightly elliptic
     * (the cross terms of the shear are ignored). */
    double s[3];
    tmesh_volume_spacing(vol, s);
    for (int a = 0; a < 3; a++)
        w_out[a] = s[a] * s[a];
}

void tmesh_seg__default_rgb(uint16_t value, uint8_t rgb_out[3])
{
    /* A fixed palette (3D Slicer's generic anatomy colours in spirit), cycled by value. */
    static const uint8_t pal[12][3] = {{128, 174, 128}, {241, 214, 145}, {177, 122, 101},
                                       {111, 184, 210}, {216, 101, 79},  {221, 130, 101},
                                       {144, 238, 144}, {192, 104, 88},  {220, 245, 20},
                                       {78, 63, 0},     {255, 250, 220}, {230, 220, 70}};
    const uint8_t *c = pal[(value + 11u) % 12u];
    rgb_out[0] = c[0];
    rgb_out[1] = c[1];
    rgb_out[2] = c[2];
}

/* ---- runs ---- */

typedef struct runs_job {
    seg_runs *r;
    const tmesh_volume *mask;
    int fg;
    int fill; /* 0: count runs per row into row_off[r + 1]; 1: write them */
} runs_job;

/* Runs of one row of u8 samples; counts only when a is NULL. Whole 8-byte words of zeros are
 * skipped at once, which makes the mostly empty rows of a sparse mask cheap. */
static size_t row_runs_u8(const uint8_t *s, size_t nx, int fg, uint32_t *a, uint32_t *b)
{
    size_t n = 0, i = 0;
    while (i < nx) {
        if (fg) {
            for (uint64_t w8; i + 8 <= nx && (memcpy(&w8, s + i, 8), w8 == 0);)
                i += 8;
            while (i < nx && !s[i])
                i++;
        } else {
            while (i < nx && s[i])
                i++;
        }
        if (i >= nx)
            break;
        size_t start = i;
        if (fg) {
            while (i < nx && s[i])
                i++;
        } else {
            for (uint64_t w8; i + 8 <= nx && (memcpy(&w8, s + i, 8), w8 == 0);)
                i += 8;
            while (i < nx && !s[i])
                i++;
        }
        if (a != NULL) {
            a[n] = (uint32_t)start;
            b[n] = (uint32_t)(i - 1);
        }
        n++;
    }
    return n;
}

static size_t row_runs_u16(const uint16_t *s, size_t nx, int fg, uint32_t *a, uint32_t *b)
{
    size_t n = 0, i = 0;
    while (i < nx) {
        while (i < nx && (s[i] != 0) != (fg != 0))
            i++;
        if (i >= nx)
            break;
        size_t start = i;
        while (i < nx && (s[i] != 0) == (fg != 0))
            i++;
        if (a != NULL) {
            a[n] = (uint32_t)start;
            b[n] = (uint32_t)(i - 1);
        }
        n++;
    }
    return n;
}

static tmesh_status runs_chunk(size_t k, void *user, tmesh_error *err)
{
    (void)err;
    runs_job *jb = user;
    seg_runs *r = jb->r;
    const size_t nx = r->dim[0], ny = r->dim[1];
    for (size_t j = 0; j < ny; j++) {
        size_t row = j + ny * k, base = nx * row;
        uint32_t *a = NULL, *b = NULL;
        if (jb->fill) {
            a = r->a + r->row_off[row];
            b = r->b + r->row_off[row];
        }
        size_t n = jb->mask->type == TMESH_VOXEL_U8
                       ? row_runs_u8((const uint8_t *)jb->mask->data + base, nx, jb->fg, a, b)
                       : row_runs_u16((const uint16_t *)jb->mask->data + base, nx, jb->fg, a, b);
        if (!jb->fill)
            r->row_off[row + 1] = n;
    }
    return TMESH_OK;
}

tmesh_status tmesh_seg__runs_find(seg_runs *r, const tmesh_volume *mask, int fg, size_t max_runs,
                                  unsigned threads, tmesh_error *err)
{
    memset(r, 0, sizeof *r);
    memcpy(r->dim, mask->dim, sizeof r->dim);
    size_t nrows = mask->dim[1] * mask->dim[2];
    if (mask->dim[0] > UINT32_MAX)
        return TMESH_OK; /* not representable: the caller falls back */
    r->row_off = malloc((nrows + 1) * sizeof *r->row_off);
    if (r->row_off == NULL)
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for %zu row offsets", nrows);
    r->row_off[0] = 0;
    runs_job jb = {r, mask, fg, 0};
    tmesh_status st =
        tmesh_parallel_for(mask->dim[2], threads, runs_chunk, &jb, NULL, NULL, NULL, err);
    if (st != TMESH_OK) {
        tmesh_seg__runs_free(r);
        return st;
    }
    for (size_t row = 0; row < nrows; row++)
        r->row_off[row + 1] += r->row_off[row];
    r->n = r->row_off[nrows];
    if (r->n > max_runs || r->n >= UINT32_MAX) {
        tmesh_seg__runs_free(r);
        memcpy(r->dim, mask->dim, sizeof r->dim);
        return TMESH_OK;
    }
    r->a = malloc((r->n ? r->n : 1) * sizeof *r->a);
    r->b = malloc((r->n ? r->n : 1) * sizeof *r->b);
    if (r->a == NULL || r->b == NULL) {
        tmesh_seg__runs_free(r);
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for %zu runs", r->n);
    }
    jb.fill = 1;
    st = tmesh_parallel_for(mask->dim[2], threads, runs_chunk, &jb, NULL, NULL, NULL, err);
    if (st != TMESH_OK)
        tmesh_seg__runs_free(r);
    return st;
}

void tmesh_seg__runs_free(seg_runs *r)
{
    free(r->row_off);
    free(r->a);
    free(r->b);
    memset(r, 0, sizeof *r);
}

static uint32_t uf_find(uint32_t *parent, uint32_t x)
{
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

static void uf_union(uint32_t *parent, uint32_t x, uint32_t y)
{
    x = uf_find(parent, x);
    y = uf_find(parent, y);
    /* the smaller index becomes the root: parent[x] <= x always holds */
    if (x < y)
        parent[y] = x;
    else if (y < x)
        parent[x] = y;
}

/* Union the runs of row ra with those of row rb that overlap when widened by ext voxels. */
static void join_rows(uint32_t *parent, const seg_runs *r, size_t ra, size_t rb, uint32_t ext)
{
    size_t i = r->row_off[ra], ie = r->row_off[ra + 1];
    size_t j = r->row_off[rb], je = r->row_off[rb + 1];
    while (i < ie && j < je) {
        if ((uint64_t)r->b[i] + ext < r->a[j]) {
            i++;
        } else if ((uint64_t)r->b[j] + ext < r->a[i]) {
            j++;
        } else {
            uf_union(parent, (uint32_t)i, (uint32_t)j);
            if (r->b[i] < r->b[j])
                i++;
            else
                j++;
        }
    }
}

void tmesh_seg__runs_label(uint32_t *parent, const seg_runs *r, int connectivity)
{
    const size_t ny = r->dim[1], nz = r->dim[2];
    for (size_t x = 0; x < r->n; x++)
        parent[x] = (uint32_t)x;
    /* Each neighbouring row is joined once, from the later row: (j-1, k) and (j, k-1) share a
     * face with (j, k) and allow a step in i unless 6-connected; (j-1, k-1) and (j+1, k-1) share
     * an edge (18: no step in i; 26: one). */
    uint32_t e1 = connectivity == 6 ? 0 : 1, e2 = connectivity == 26 ? 1 : 0;
    for (size_t k = 0; k < nz; k++)
        for (size_t j = 0; j < ny; j++) {
            size_t row = j + ny * k;
            if (r->row_off[row] == r->row_off[row + 1])
                continue;
            if (j > 0)
                join_rows(parent, r, row, row - 1, e1);
            if (k > 0) {
                join_rows(parent, r, row, row - ny, e1);
                if (connectivity != 6) {
                    if (j > 0)
                        join_rows(parent, r, row, row - ny - 1, e2);
                    if (j + 1 < ny)
                        join_rows(parent, r, row, row - ny + 1, e2);
                }
            }
        }
    /* parent[x] <= x, so one pass in index order leaves every run pointing at its root */
    for (size_t x = 0; x < r->n; x++)
        parent[x] = parent[parent[x]];
}
