/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Intensity thresholds: a value range (HU for CT, or a preset) and Otsu's automatic threshold for
 * MR and other uncalibrated data. Both run over fixed one-slice chunks so the result is the same
 * at any thread count (the histogram merge is integer, hence order-free anyway).
 */
#include "seg_int.h"

#include <math.h>
#include <string.h>

typedef struct thr_job {
    const tmesh_volume *img;
    uint8_t *out;
    double lo, hi;
    long ilo, ihi; /* integer types: the same test on integers (see int_bounds) */
    size_t slice;
} thr_job;

/*
 * For integer samples v, lo <= v <= hi is the same test as ceil(lo) <= v <= floor(hi), and the
 * integer form vectorises (the double one converts every sample). Bounds are clamped to the
 * type's range so they fit in a long; an empty range gives ilo > ihi.
 */
static void int_bounds(thr_job *j, double tmin, double tmax)
{
    double a = ceil(j->lo), b = floor(j->hi);
    if (a < tmin)
        a = tmin;
    if (b > tmax)
        b = tmax;
    if (a > b || a > tmax || b < tmin) {
        j->ilo = 1;
        j->ihi = 0;
        return;
    }
    j->ilo = (long)a;
    j->ihi = (long)b;
}

#define THR_INT_LOOP(T)                                                                            \
    do {                                                                                           \
        const T *s = (const T *)j->img->data + base;                                               \
        const T lo = (T)j->ilo, hi = (T)j->ihi;                                                    \
        if (j->ilo > j->ihi) {                                                                     \
            memset(o, 0, j->slice);                                                                \
            break;                                                                                 \
        }                                                                                          \
        /* a local count: o (bytes) may alias *j, which would reload j->slice every step */        \
        const size_t n = j->slice;                                                                 \
        for (size_t t = 0; t < n; t++)                                                             \
            o[t] = (uint8_t)((s[t] >= lo) & (s[t] <= hi));                                         \
    } while (0)

static tmesh_status thr_chunk(size_t k, void *user, tmesh_error *err)
{
    (void)err;
    thr_job *j = user;
    size_t base = k * j->slice;
    uint8_t *o = j->out + base;
    switch (j->img->type) {
    case TMESH_VOXEL_U8:
        THR_INT_LOOP(uint8_t);
        break;
    case TMESH_VOXEL_I16:
        THR_INT_LOOP(int16_t);
        break;
    case TMESH_VOXEL_U16:
        THR_INT_LOOP(uint16_t);
        break;
    case TMESH_VOXEL_F32: {
        const float *s = (const float *)j->img->data + base;
        for (size_t t = 0; t < j->slice; t++) {
            double v = (double)s[t];
            o[t] = (uint8_t)(v >= j->lo && v <= j->hi); /* NaN compares false: never selected */
        }
        break;
    }
    }
    return TMESH_OK;
}

static tmesh_status check_bounds(double lo, double hi, tmesh_error *err)
{
    if (!isfinite(lo))
        return tmesh_error_set(err, TMESH_E_ARG, "lower %g must be a finite value", lo);
    if (!isfinite(hi))
        return tmesh_error_set(err, TMESH_E_ARG, "upper %g must be a finite value", hi);
    if (lo > hi)
        return tmesh_error_set(err, TMESH_E_ARG, "lower %g is above upper %g", lo, hi);
    return TMESH_OK;
}

tmesh_status tmesh_seg_threshold(tmesh_volume **out, const tmesh_volume *image,
                                 const tmesh_seg_threshold_opts *opts, tmesh_error *err)
{
    TMESH_ASSERT(out != NULL && image != NULL && image->data != NULL);
    *out = NULL;
    tmesh_seg_threshold_opts o = TMESH_SEG_THRESHOLD_OPTS_INIT;
    if (opts != NULL)
        o = *opts;
    tmesh_status st = check_bounds(o.lower, o.upper, err);
    if (st != TMESH_OK)
        return st;
    tmesh_volume *m = NULL;
    if ((st = tmesh_seg__new_like(&m, image, TMESH_VOXEL_U8, err)) != TMESH_OK)
        return st;
    thr_job j = {image, m->data, o.lower, o.upper, 0, 0, image->dim[0] * image->dim[1]};
    switch (image->type) {
    case TMESH_VOXEL_U8:
        int_bounds(&j, 0.0, 255.0);
        break;
    case TMESH_VOXEL_I16:
        int_bounds(&j, -32768.0, 32767.0);
        break;
    case TMESH_VOXEL_U16:
        int_bounds(&j, 0.0, 65535.0);
        break;
    case TMESH_VOXEL_F32:
        break;
    }
    st = tmesh_parallel_for(image->dim[2], o.threads, thr_chunk, &j, NULL, NULL, NULL, err);
    if (st != TMESH_OK) {
        tmesh_volume_free(m);
        return st;
    }
    *out = m;
    return TMESH_OK;
}

/* ---- Otsu ---- */

#define OTSU_SLAB 16 /* k-slices per histogram chunk: fixed, so chunks depend only on the data */

typedef struct otsu_job {
    const tmesh_volume *img;
    double lo, hi;
    unsigned bins;
    uint64_t *hist; /* bins per chunk */
    size_t slice;
    /* range pass */
    double *cmin, *cmax;
} otsu_job;

static size_t slab_end(const tmesh_volume *v, size_t c)
{
    size_t e = (c + 1) * OTSU_SLAB;
    return e > v->dim[2] ? v->dim[2] : e;
}

static tmesh_status range_chunk(size_t c, void *user, tmesh_error *err)
{
    (void)err;
    otsu_job *j = user;
    double mn = INFINITY, mx = -INFINITY;
    for (size_t idx = c * OTSU_SLAB * j->slice; idx < slab_end(j->img, c) * j->slice; idx++) {
        double v = tmesh_seg__sample(j->img, idx);
        if (v < mn)
            mn = v;
        if (v > mx)
            mx = v;
    }
    j->cmin[c] = mn;
    j->cmax[c] = mx;
    return TMESH_OK;
}

static tmesh_status hist_chunk(size_t c, void *user, tmesh_error *err)
{
    (void)err;
    otsu_job *j = user;
    uint64_t *h = j->hist + (size_t)c * j->bins;
    double scale = (double)j->bins / (j->hi - j->lo);
    for (size_t idx = c * OTSU_SLAB * j->slice; idx < slab_end(j->img, c) * j->slice; idx++) {
        double v = tmesh_seg__sample(j->img, idx);
        if (isnan(v))
            continue;
        double b = floor((v - j->lo) * scale);
        size_t bi = b < 0 ? 0 : (b >= j->bins ? j->bins - 1 : (size_t)b);
        h[bi]++;
    }
    return TMESH_OK;
}

tmesh_status tmesh_seg_otsu(double *threshold_out, const tmesh_volume *image,
                            const tmesh_seg_otsu_opts *opts, tmesh_error *err)
{
    TMESH_ASSERT(threshold_out != NULL && image != NULL && image->data != NULL);
    tmesh_seg_otsu_opts o = TMESH_SEG_OTSU_OPTS_INIT;
    if (opts != NULL)
        o = *opts;
    if (o.bins < 2 || o.bins > 4096)
        return tmesh_error_set(err, TMESH_E_ARG, "bins %u must be in [2, 4096]", o.bins);
    size_t nchunks = (image->dim[2] + OTSU_SLAB - 1) / OTSU_SLAB;
    otsu_job j;
    memset(&j, 0, sizeof j);
    j.img = image;
    j.bins = o.bins;
    j.slice = image->dim[0] * image->dim[1];
    j.cmin = malloc(nchunks * sizeof *j.cmin);
    j.cmax = malloc(nchunks * sizeof *j.cmax);
    j.hist = calloc(nchunks * o.bins, sizeof *j.hist);
    tmesh_status st = TMESH_OK;
    if (j.cmin == NULL || j.cmax == NULL || j.hist == NULL) {
        st = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for an Otsu histogram");
        goto done;
    }
    if ((st = tmesh_parallel_for(nchunks, o.threads, range_chunk, &j, NULL, NULL, NULL, err)))
        goto done;
    j.lo = INFINITY;
    j.hi = -INFINITY;
    for (size_t c = 0; c < nchunks; c++) {
        if (j.cmin[c] < j.lo)
            j.lo = j.cmin[c];
        if (j.cmax[c] > j.hi)
            j.hi = j.cmax[c];
    }
    if (!(j.hi > j.lo)) {
        st = tmesh_error_set(err, TMESH_E_DATA,
                             "image is constant (%g); Otsu needs at least two values", j.lo);
        goto done;
    }
    if ((st = tmesh_parallel_for(nchunks, o.threads, hist_chunk, &j, NULL, NULL, NULL, err)))
        goto done;
    /* merge the chunk histograms in chunk order (integers: exact) */
    for (size_t c = 1; c < nchunks; c++)
        for (unsigned b = 0; b < o.bins; b++)
            j.hist[b] += j.hist[c * o.bins + b];
    {
        const uint64_t *h = j.hist;
        double total = 0.0, sum_all = 0.0;
        for (unsigned b = 0; b < o.bins; b++) {
            total += (double)h[b];
            sum_all += (double)b * (double)h[b];
        }
        double w0 = 0.0, sum0 = 0.0, best = -1.0;
        unsigned best_b = 0;
        for (unsigned b = 0; b + 1 < o.bins; b++) {
            w0 += (double)h[b];
            sum0 += (double)b * (double)h[b];
            double w1 = total - w0;
            if (w0 <= 0.0 || w1 <= 0.0)
                continue;
            double m0 = sum0 / w0, m1 = (sum_all - sum0) / w1;
            double between = w0 * w1 * (m0 - m1) * (m0 - m1);
            if (between > best) { /* strict: ties keep the lowest bin */
                best = between;
                best_b = b;
            }
        }
        *threshold_out = j.lo + (double)(best_b + 1) * (j.hi - j.lo) / (double)o.bins;
    }
done:
    free(j.cmin);
    free(j.cmax);
    free(j.hist);
    return st;
}
