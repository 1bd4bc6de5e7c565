/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pre-filters of the intensity volume before thresholding: separable Gaussian smoothing (sigma in
 * mm, so anisotropic voxels get per-axis kernels) and a cube median. Every output sample is a sum
 * or a selection in a fixed order, and chunks are fixed slices, so bytes match at any thread count.
 */
#include "seg_int.h"

#include <math.h>
#include <string.h>

/* ---- Gaussian ---- */

typedef struct gauss_job {
    float *d;
    size_t nx, ny, nz;
    const double *kern[3]; /* 2*R+1 weights per axis */
    size_t rad[3];
} gauss_job;

/* Convolve one contiguous row of n floats in place, repeating the border samples; `ext` holds
 * n + 2*rad floats. Taps are summed in kernel order, in double. */
static void conv_row(float *p, size_t n, const double *kern, size_t rad, float *ext)
{
    for (size_t t = 0; t < rad; t++) {
        ext[t] = p[0];
        ext[rad + n + t] = p[n - 1];
    }
    memcpy(ext + rad, p, n * sizeof *p);
    for (size_t q = 0; q < n; q++) {
        double s = 0.0;
        for (size_t t = 0; t <= 2 * rad; t++)
            s += kern[t] * (double)ext[q + t];
        p[q] = (float)s;
    }
}

/* Convolve every column of an nr x nx array along the row index, in place, repeating the border
 * rows. Row-wise sweeps read memory in order; each output still sums its taps in kernel order,
 * so the bytes equal a column-by-column convolution. */
static void conv_rows(float *a, size_t nx, size_t nr, const double *kern, size_t rad, float *tmp,
                      double *acc)
{
    memcpy(tmp, a, nx * nr * sizeof *a);
    for (size_t r = 0; r < nr; r++) {
        for (size_t i = 0; i < nx; i++)
            acc[i] = 0.0;
        for (size_t t = 0; t <= 2 * rad; t++) {
            long long x = (long long)r + (long long)t - (long long)rad;
            if (x < 0)
                x = 0;
            if (x >= (long long)nr)
                x = (long long)nr - 1;
            const float *src = tmp + (size_t)x * nx;
            double kt = kern[t];
            for (size_t i = 0; i < nx; i++)
                acc[i] += kt * (double)src[i];
        }
        float *o = a + r * nx;
        for (size_t i = 0; i < nx; i++)
            o[i] = (float)acc[i];
    }
}

static tmesh_status gauss_slice(size_t k, void *user, tmesh_error *err)
{
    gauss_job *g = user;
    const size_t nx = g->nx, ny = g->ny;
    float *ext = malloc((nx + 2 * g->rad[0]) * sizeof *ext);
    float *tmp = malloc(nx * ny * sizeof *tmp);
    double *acc = malloc(nx * sizeof *acc);
    if (ext == NULL || tmp == NULL || acc == NULL) {
        free(ext);
        free(tmp);
        free(acc);
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for Gaussian scratch");
    }
    float *s = g->d + k * nx * ny;
    if (g->rad[0] > 0)
        for (size_t j = 0; j < ny; j++)
            conv_row(s + j * nx, nx, g->kern[0], g->rad[0], ext);
    if (g->rad[1] > 0)
        conv_rows(s, nx, ny, g->kern[1], g->rad[1], tmp, acc);
    free(ext);
    free(tmp);
    free(acc);
    return TMESH_OK;
}

static tmesh_status gauss_row(size_t j, void *user, tmesh_error *err)
{
    gauss_job *g = user;
    const size_t nx = g->nx, ny = g->ny, nz = g->nz;
    float *blk = malloc(nx * nz * sizeof *blk), *tmp = malloc(nx * nz * sizeof *tmp);
    double *acc = malloc(nx * sizeof *acc);
    if (blk == NULL || tmp == NULL || acc == NULL) {
        free(blk);
        free(tmp);
        free(acc);
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for Gaussian scratch");
    }
    for (size_t k = 0; k < nz; k++)
        memcpy(blk + k * nx, g->d + (k * ny + j) * nx, nx * sizeof *blk);
    conv_rows(blk, nx, nz, g->kern[2], g->rad[2], tmp, acc);
    for (size_t k = 0; k < nz; k++)
        memcpy(g->d + (k * ny + j) * nx, blk + k * nx, nx * sizeof *blk);
    free(blk);
    free(tmp);
    free(acc);
    return TMESH_OK;
}

tmesh_status tmesh_seg_gaussian(tmesh_volume **out, const tmesh_volume *image,
                                const tmesh_seg_gaussian_opts *opts, tmesh_error *err)
{
    TMESH_ASSERT(out != NULL && image != NULL && image->data != NULL);
    *out = NULL;
    tmesh_seg_gaussian_opts o = TMESH_SEG_GAUSSIAN_OPTS_INIT;
    if (opts != NULL)
        o = *opts;
    if (!(o.sigma > 0.0 && o.sigma <= 100.0))
        return tmesh_error_set(err, TMESH_E_ARG, "sigma %g mm must be in (0, 100]", o.sigma);
    double sp[3];
    tmesh_volume_spacing(image, sp);
    gauss_job g;
    memset(&g, 0, sizeof g);
    double *kern[3] = {NULL, NULL, NULL};
    tmesh_status st = TMESH_OK;
    for (int a = 0; a < 3; a++) {
        if ((st = tmesh_seg__check_spacing(image, err)) != TMESH_OK)
            goto done;
        double r = ceil(3.0 * o.sigma / sp[a]);
        if (r > (double)image->dim[a])
            r = (double)image->dim[a]; /* wider than the volume: the border repeats anyway */
        size_t rad = (size_t)r;
        kern[a] = malloc((2 * rad + 1) * sizeof *kern[a]);
        if (kern[a] == NULL) {
            st = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for a Gaussian kernel");
            goto done;
        }
        double sum = 0.0;
        for (size_t t = 0; t <= 2 * rad; t++) {
            double x = ((double)t - (double)rad) * sp[a];
            kern[a][t] = exp(-x * x / (2.0 * o.sigma * o.sigma));
            sum += kern[a][t];
        }
        for (size_t t = 0; t <= 2 * rad; t++)
            kern[a][t] /= sum;
        g.kern[a] = kern[a];
        g.rad[a] = rad;
    }
    tmesh_volume *res = NULL;
    if ((st = tmesh_seg__new_like(&res, image, TMESH_VOXEL_F32, err)) != TMESH_OK)
        goto done;
    size_t n = tmesh_volume_count(image);
    float *d = res->data;
    for (size_t i = 0; i < n; i++)
        d[i] = (float)tmesh_seg__sample(image, i);
    g.d = d;
    g.nx = image->dim[0];
    g.ny = image->dim[1];
    g.nz = image->dim[2];
    st = tmesh_parallel_for(g.nz, o.threads, gauss_slice, &g, NULL, NULL, NULL, err);
    if (st == TMESH_OK && g.rad[2] > 0)
        st = tmesh_parallel_for(g.ny, o.threads, gauss_row, &g, NULL, NULL, NULL, err);
    if (st != TMESH_OK)
        tmesh_volume_free(res);
    else
        *out = res;
done:
    for (int a = 0; a < 3; a++)
        free(kern[a]);
    return st;
}

/* ---- median ---- */

typedef struct median_job {
    const tmesh_volume *img;
    tmesh_volume *res;
    long r;
} median_job;

/* k-th smallest of a[0..n-1], reordering a (Wirth's selection; the result is a value, so it does
 * not depend on how the selection proceeds). */
#define DEFINE_KTH(NAME, T)                                                                        \
    static T NAME(T *a, long n, long k)                                                            \
    {                                                                                              \
        long l = 0, m = n - 1;                                                                     \
        while (l < m) {                                                                            \
            T x = a[k];                                                                            \
            long i = l, j = m;                                                                     \
            do {                                                                                   \
                while (a[i] < x)                                                                   \
                    i++;                                                                           \
                while (x < a[j])                                                                   \
                    j--;                                                                           \
                if (i <= j) {                                                                      \
                    T t = a[i];                                                                    \
                    a[i] = a[j];                                                                   \
                    a[j] = t;                                                                      \
                    i++;                                                                           \
                    j--;                                                                           \
                }                                                                                  \
            } while (i <= j);                                                                      \
            if (j < k)                                                                             \
                l = i;                                                                             \
            if (k < i)                                                                             \
                m = j;                                                                             \
        }                                                                                          \
        return a[k];                                                                               \
    }
DEFINE_KTH(kth_i32, int32_t)
DEFINE_KTH(kth_f32, float)

/*
 * One k-slice of the median for sample type T, gathered as E (int32 or float). Interior voxels
 * use precomputed offsets; border voxels gather only the samples inside the volume. NaN samples
 * are skipped (all NaN gives NaN).
 */
#define MEDIAN_SLICE(T, E, KTH, ISNAN)                                                             \
    do {                                                                                           \
        const T *src = (const T *)img->data;                                                       \
        T *dst = (T *)m->res->data;                                                                \
        E *buf = (E *)bufv;                                                                        \
        for (long j = 0; j < ny; j++)                                                              \
            for (long i = 0; i < nx; i++) {                                                        \
                size_t idx = (size_t)(i + nx * (j + ny * kk));                                     \
                long cnt = 0;                                                                      \
                if (i >= r && j >= r && kk >= r && i + r < nx && j + r < ny && kk + r < nz) {      \
                    const T *c = src + idx;                                                        \
                    for (long t = 0; t < n_off; t++) {                                             \
                        E v = (E)c[off[t]];                                                        \
                        if (!ISNAN(v))                                                             \
                            buf[cnt++] = v;                                                        \
                    }                                                                              \
                } else {                                                                           \
                    for (long c = kk - r; c <= kk + r; c++) {                                      \
                        if (c < 0 || c >= nz)                                                      \
                            continue;                                                              \
                        for (long b = j - r; b <= j + r; b++) {                                    \
                            if (b < 0 || b >= ny)                                                  \
                                continue;                                                          \
                            for (long a = i - r; a <= i + r; a++) {                                \
                                if (a < 0 || a >= nx)                                              \
                                    continue;                                                      \
                                E v = (E)src[a + nx * (b + ny * c)];                               \
                                if (!ISNAN(v))                                                     \
                                    buf[cnt++] = v;                                                \
                            }                                                                      \
                        }                                                                          \
                    }                                                                              \
                }                                                                                  \
                dst[idx] = cnt ? (T)KTH(buf, cnt, (cnt - 1) / 2) : (T)src[idx];                    \
            }                                                                                      \
    } while (0)

#define NEVER_NAN(v) 0
#define F32_NAN(v) isnan(v)

/*
 * Integer samples: a sliding histogram along each row (Huang's method). Values map to 65536 bins
 * (I16 shifted by 32768), with 256 coarse bins to skip empty ranges. Moving from voxel i to i+1
 * removes the column at i-r and adds the one at i+r+1; the tracked bin `m` and the count of values
 * below it then move to the rank (cnt-1)/2. The result is the same value the selection gives.
 */
typedef struct hist16 {
    uint32_t *h;  /* 65536 fine bins   */
    uint32_t *hc; /* 256 coarse bins   */
    unsigned m;   /* tracked bin        */
    size_t below; /* values in bins < m */
    size_t cnt;   /* values held        */
} hist16;

static void hist_add(hist16 *H, unsigned v, int sign)
{
    if (sign > 0) {
        H->h[v]++;
        H->hc[v >> 8]++;
        H->below += v < H->m;
        H->cnt++;
    } else {
        H->h[v]--;
        H->hc[v >> 8]--;
        H->below -= v < H->m;
        H->cnt--;
    }
}

static unsigned hist_median(hist16 *H)
{
    size_t K = (H->cnt - 1) / 2;
    while (H->below > K) {
        H->m--;
        if ((H->m & 255u) == 255u && H->hc[H->m >> 8] == 0) {
            H->m -= 255u; /* a whole empty coarse bin: below does not change */
            continue;
        }
        H->below -= H->h[H->m];
    }
    while (H->below + H->h[H->m] <= K) {
        H->below += H->h[H->m];
        H->m++;
        if ((H->m & 255u) == 0 && H->hc[H->m >> 8] == 0)
            H->m += 255u; /* land on the last bin of the empty coarse bin (count 0) */
    }
    return H->m;
}

#define HIST_SLICE(T, BIAS)                                                                        \
    do {                                                                                           \
        const T *src = (const T *)img->data;                                                       \
        T *dst = (T *)m->res->data;                                                                \
        for (long j = 0; j < ny; j++) {                                                            \
            long b0 = j - r < 0 ? 0 : j - r, b1 = j + r >= ny ? ny - 1 : j + r;                    \
            long c0 = kk - r < 0 ? 0 : kk - r, c1 = kk + r >= nz ? nz - 1 : kk + r;                \
            H.m = 32768u;                                                                          \
            H.below = 0;                                                                           \
            for (long x = 0; x <= r && x < nx; x++)                                                \
                for (long c = c0; c <= c1; c++)                                                    \
                    for (long b = b0; b <= b1; b++)                                                \
                        hist_add(&H, (unsigned)((long)src[x + nx * (b + ny * c)] + (BIAS)), 1);    \
            for (long i = 0; i < nx; i++) {                                                        \
                if (i > 0) {                                                                       \
                    long xo = i - r - 1, xi = i + r;                                               \
                    for (long c = c0; c <= c1; c++)                                                \
                        for (long b = b0; b <= b1; b++) {                                          \
                            const T *rowp = src + nx * (b + ny * c);                               \
                            if (xo >= 0)                                                           \
                                hist_add(&H, (unsigned)((long)rowp[xo] + (BIAS)), -1);             \
                            if (xi < nx)                                                           \
                                hist_add(&H, (unsigned)((long)rowp[xi] + (BIAS)), 1);              \
                        }                                                                          \
                }                                                                                  \
                dst[i + nx * (j + ny * kk)] = (T)((long)hist_median(&H) - (BIAS));                 \
            }                                                                                      \
            /* empty the histogram for the next row */                                             \
            for (long x = nx - r - 1 < 0 ? 0 : nx - r - 1; x < nx; x++)                            \
                for (long c = c0; c <= c1; c++)                                                    \
                    for (long b = b0; b <= b1; b++)                                                \
                        hist_add(&H, (unsigned)((long)src[x + nx * (b + ny * c)] + (BIAS)), -1);   \
        }                                                                                          \
    } while (0)

static tmesh_status median_slice_hist(size_t k, void *user, tmesh_error *err)
{
    median_job *m = user;
    const tmesh_volume *img = m->img;
    const long nx = (long)img->dim[0], ny = (long)img->dim[1], nz = (long)img->dim[2], r = m->r;
    hist16 H;
    memset(&H, 0, sizeof H);
    H.h = calloc(65536, sizeof *H.h);
    H.hc = calloc(256, sizeof *H.hc);
    if (H.h == NULL || H.hc == NULL) {
        free(H.h);
        free(H.hc);
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for median histogram");
    }
    long kk = (long)k;
    switch (img->type) {
    case TMESH_VOXEL_U8:
        HIST_SLICE(uint8_t, 0);
        break;
    case TMESH_VOXEL_I16:
        HIST_SLICE(int16_t, 32768);
        break;
    case TMESH_VOXEL_U16:
        HIST_SLICE(uint16_t, 0);
        break;
    case TMESH_VOXEL_F32:
        break;
    }
    free(H.h);
    free(H.hc);
    return TMESH_OK;
}

static tmesh_status median_slice(size_t k, void *user, tmesh_error *err)
{
    median_job *m = user;
    const tmesh_volume *img = m->img;
    const long nx = (long)img->dim[0], ny = (long)img->dim[1], nz = (long)img->dim[2], r = m->r;
    const long side = 2 * r + 1, n_off = side * side * side;
    void *bufv = malloc((size_t)n_off * 4);
    ptrdiff_t *off = malloc((size_t)n_off * sizeof *off);
    if (bufv == NULL || off == NULL) {
        free(bufv);
        free(off);
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for median scratch");
    }
    long no = 0;
    for (long c = -r; c <= r; c++)
        for (long b = -r; b <= r; b++)
            for (long a = -r; a <= r; a++)
                off[no++] = (ptrdiff_t)(a + nx * (b + ny * c));
    long kk = (long)k;
    switch (img->type) {
    case TMESH_VOXEL_U8:
        MEDIAN_SLICE(uint8_t, int32_t, kth_i32, NEVER_NAN);
        break;
    case TMESH_VOXEL_I16:
        MEDIAN_SLICE(int16_t, int32_t, kth_i32, NEVER_NAN);
        break;
    case TMESH_VOXEL_U16:
        MEDIAN_SLICE(uint16_t, int32_t, kth_i32, NEVER_NAN);
        break;
    case TMESH_VOXEL_F32:
        MEDIAN_SLICE(float, float, kth_f32, F32_NAN);
        break;
    }
    free(bufv);
    free(off);
    return TMESH_OK;
}

tmesh_status tmesh_seg_median(tmesh_volume **out, const tmesh_volume *image,
                              const tmesh_seg_median_opts *opts, tmesh_error *err)
{
    TMESH_ASSERT(out != NULL && image != NULL && image->data != NULL);
    *out = NULL;
    tmesh_seg_median_opts o = TMESH_SEG_MEDIAN_OPTS_INIT;
    if (opts != NULL)
        o = *opts;
    if (o.radius_vox < 1 || o.radius_vox > 5)
        return tmesh_error_set(err, TMESH_E_ARG, "radius_vox %u must be in [1, 5]", o.radius_vox);
    tmesh_volume *res = NULL;
    tmesh_status st = tmesh_seg__new_like(&res, image, image->type, err);
    if (st != TMESH_OK)
        return st;
    median_job m = {image, res, (long)o.radius_vox};
    st = tmesh_parallel_for(image->dim[2], o.threads,
                            image->type == TMESH_VOXEL_F32 ? median_slice : median_slice_hist, &m,
                            NULL, NULL, NULL, err);
    if (st != TMESH_OK) {
        tmesh_volume_free(res);
        return st;
    }
    *out = res;
    return TMESH_OK;
}

/* ---- smoothing a mask ---- */

tmesh_status tmesh_seg_smooth(tmesh_volume **out, const tmesh_volume *mask,
                              const tmesh_seg_smooth_opts *opts, tmesh_error *err)
{
    TMESH_ASSERT(out != NULL && mask != NULL);
    *out = NULL;
    tmesh_seg_smooth_opts o = TMESH_SEG_SMOOTH_OPTS_INIT;
    if (opts != NULL)
        o = *opts;
    tmesh_status st;
    if ((st = tmesh_seg__check_mask(mask, "mask", err)))
        return st;
    if (!(o.sigma > 0.0 && o.sigma <= 100.0))
        return tmesh_error_set(err, TMESH_E_ARG, "sigma %g mm must be in (0, 100]", o.sigma);
    tmesh_volume *bin = NULL, *g = NULL, *res = NULL;
    if ((st = tmesh_seg__new_like(&bin, mask, TMESH_VOXEL_U8, err)) != TMESH_OK)
        return st;
    tmesh_seg__binarize(bin->data, mask);
    tmesh_seg_gaussian_opts go = {o.sigma, o.threads};
    st = tmesh_seg_gaussian(&g, bin, &go, err);
    tmesh_volume_free(bin);
    if (st != TMESH_OK)
        return st;
    /* the 0.5 level of the smoothed indicator: the smoothed boundary */
    tmesh_seg_threshold_opts to = {0.5, 2.0, o.threads};
    st = tmesh_seg_threshold(&res, g, &to, err);
    tmesh_volume_free(g);
    if (st != TMESH_OK)
        return st;
    *out = res;
    return TMESH_OK;
}
