/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Region growing from seeds: connected threshold and confidence-connected (mean +- k*sigma,
 * re-estimated from the region). Each is a parallel threshold pass followed by a sequential
 * breadth-first flood from the seeds, so the result does not depend on the thread count.
 */
#include "seg_int.h"

#include <math.h>
#include <string.h>

/* "(x, y, z mm LPS)" or "(voxel i, j, k)" */
static void seed_text(char *buf, size_t len, const tmesh_seg_seed *s)
{
    if (s->frame == TMESH_SEG_FRAME_VOXEL)
        snprintf(buf, len, "(voxel %g, %g, %g)", s->pos[0], s->pos[1], s->pos[2]);
    else
        snprintf(buf, len, "(%g, %g, %g mm LPS)", s->pos[0], s->pos[1], s->pos[2]);
}

tmesh_status tmesh_seg_seed_voxel(size_t ijk_out[3], const tmesh_volume *vol,
                                  const tmesh_seg_seed *seed, size_t seed_number, tmesh_error *err)
{
    TMESH_ASSERT(ijk_out != NULL && vol != NULL && seed != NULL);
    char where[160];
    seed_text(where, sizeof where, seed);
    double ijk[3];
    if (seed->frame == TMESH_SEG_FRAME_VOXEL) {
        memcpy(ijk, seed->pos, sizeof ijk);
    } else if (seed->frame == TMESH_SEG_FRAME_LPS) {
        tmesh_error e = TMESH_ERROR_INIT;
        if (tmesh_volume_lps_to_index(vol, seed->pos, ijk, &e) != TMESH_OK)
            return tmesh_error_set(err, e.code, "seed %zu %s: %s", seed_number, where, e.msg);
    } else {
        return tmesh_error_set(err, TMESH_E_ARG, "seed %zu has an unknown frame %d", seed_number,
                               (int)seed->frame);
    }
    for (int a = 0; a < 3; a++) {
        double r = floor(ijk[a] + 0.5);
        if (!(r >= 0.0 && r < (double)vol->dim[a]))
            return tmesh_error_set(err, TMESH_E_ARG,
                                   "seed %zu %s lies outside the volume (index %.2f, %.2f, %.2f; "
                                   "size %zu x %zu x %zu)",
                                   seed_number, where, ijk[0], ijk[1], ijk[2], vol->dim[0],
                                   vol->dim[1], vol->dim[2]);
        ijk_out[a] = (size_t)r;
    }
    return TMESH_OK;
}

/* Linear indices of all seeds (n >= 1 checked by the caller). */
static tmesh_status seed_indices(size_t *idx, const tmesh_volume *vol, const tmesh_seg_seed *seeds,
                                 size_t n, tmesh_error *err)
{
    for (size_t s = 0; s < n; s++) {
        size_t v[3];
        tmesh_status st = tmesh_seg_seed_voxel(v, vol, &seeds[s], s + 1, err);
        if (st != TMESH_OK)
            return st;
        idx[s] = v[0] + vol->dim[0] * (v[1] + vol->dim[1] * v[2]);
    }
    return TMESH_OK;
}

/* Threshold into m (0/1), then flood from the seed voxels that are in range; m ends 0/1. */
static tmesh_status grow_once(tmesh_volume **out, const tmesh_volume *image, const size_t *idx,
                              size_t n_seeds, double lo, double hi, int connectivity,
                              unsigned threads, tmesh_error *err)
{
    tmesh_seg_threshold_opts to = {lo, hi, threads};
    tmesh_volume *m = NULL;
    tmesh_status st = tmesh_seg_threshold(&m, image, &to, err);
    if (st != TMESH_OK)
        return st;
    seg_padded pd;
    if ((st = tmesh_seg__pad_bytes(&pd, m->dim, m->data, threads, err)) != TMESH_OK) {
        tmesh_volume_free(m);
        return st;
    }
    const size_t nx = m->dim[0], ny = m->dim[1];
    seg_queue q = {0};
    for (size_t s = 0; s < n_seeds && st == TMESH_OK; s++) {
        size_t v = idx[s];
        size_t pv = tmesh_seg__pad_index(&pd, v % nx, (v / nx) % ny, v / (nx * ny));
        if (pd.w[pv] == 1)
            st = tmesh_seg__queue_push(&q, pv, err);
    }
    if (st == TMESH_OK)
        st = tmesh_seg__flood(&pd, connectivity, 1, 2, &q, NULL, 0, NULL, err);
    tmesh_seg__queue_free(&q);
    if (st == TMESH_OK)
        st = tmesh_seg__pad_store_eq(&pd, m->data, 2, threads, err);
    tmesh_seg__pad_free(&pd);
    if (st != TMESH_OK) {
        tmesh_volume_free(m);
        return st;
    }
    *out = m;
    return TMESH_OK;
}

tmesh_status tmesh_seg_grow(tmesh_volume **out, const tmesh_volume *image,
                            const tmesh_seg_seed *seeds, size_t n_seeds,
                            const tmesh_seg_grow_opts *opts, tmesh_error *err)
{
    TMESH_ASSERT(out != NULL && image != NULL && image->data != NULL);
    *out = NULL;
    tmesh_seg_grow_opts o = TMESH_SEG_GROW_OPTS_INIT;
    if (opts != NULL)
        o = *opts;
    if (!isfinite(o.lower))
        return tmesh_error_set(err, TMESH_E_ARG, "lower %g must be a finite value", o.lower);
    if (!isfinite(o.upper))
        return tmesh_error_set(err, TMESH_E_ARG, "upper %g must be a finite value", o.upper);
    if (o.lower > o.upper)
        return tmesh_error_set(err, TMESH_E_ARG, "lower %g is above upper %g", o.lower, o.upper);
    tmesh_status st = tmesh_seg__check_connectivity(o.connectivity, err);
    if (st != TMESH_OK)
        return st;
    if (n_seeds == 0 || seeds == NULL)
        return tmesh_error_set(err, TMESH_E_ARG, "seeds: region growing needs at least one seed");
    size_t *idx = malloc(n_seeds * sizeof *idx);
    if (idx == NULL)
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for %zu seeds", n_seeds);
    st = seed_indices(idx, image, seeds, n_seeds, err);
    for (size_t s = 0; s < n_seeds && st == TMESH_OK; s++) {
        double v = tmesh_seg__sample(image, idx[s]);
        if (!(v >= o.lower && v <= o.upper)) {
            char where[160];
            seed_text(where, sizeof where, &seeds[s]);
            st = tmesh_error_set(err, TMESH_E_ARG,
                                 "seed %zu %s has value %g, outside the range [%g, %g]", s + 1,
                                 where, v, o.lower, o.upper);
        }
    }
    if (st == TMESH_OK)
        st = grow_once(out, image, idx, n_seeds, o.lower, o.upper, o.connectivity, o.threads, err);
    free(idx);
    return st;
}

tmesh_status tmesh_seg_grow_confidence(tmesh_volume **out, double *lower_out, double *upper_out,
                                       const tmesh_volume *image, const tmesh_seg_seed *seeds,
                                       size_t n_seeds, const tmesh_seg_confidence_opts *opts,
                                       tmesh_error *err)
{
    TMESH_ASSERT(out != NULL && image != NULL && image->data != NULL);
    *out = NULL;
    tmesh_seg_confidence_opts o = TMESH_SEG_CONFIDENCE_OPTS_INIT;
    if (opts != NULL)
        o = *opts;
    tmesh_status st;
    if ((st = tmesh_seg__check_range(o.multiplier, 1e-6, 100.0, "multiplier", "", err)) ||
        (st = tmesh_seg__check_range(o.iterations, 0, 100, "iterations", "", err)) ||
        (st = tmesh_seg__check_range(o.radius_vox, 0, 10, "radius_vox", "voxels", err)) ||
        (st = tmesh_seg__check_connectivity(o.connectivity, err)))
        return st;
    if (n_seeds == 0 || seeds == NULL)
        return tmesh_error_set(err, TMESH_E_ARG, "seeds: region growing needs at least one seed");
    size_t *idx = malloc(n_seeds * sizeof *idx);
    if (idx == NULL)
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for %zu seeds", n_seeds);
    if ((st = seed_indices(idx, image, seeds, n_seeds, err)) != TMESH_OK) {
        free(idx);
        return st;
    }
    /* First estimate: the cubes around the seeds, seed by seed, in index order. */
    double sum = 0.0, sumsq = 0.0, cnt = 0.0;
    const size_t nx = image->dim[0], ny = image->dim[1], nz = image->dim[2];
    long r = (long)o.radius_vox;
    for (size_t s = 0; s < n_seeds; s++) {
        long si = (long)(idx[s] % nx), sj = (long)((idx[s] / nx) % ny),
             sk = (long)(idx[s] / (nx * ny));
        for (long k = sk - r; k <= sk + r; k++)
            for (long j = sj - r; j <= sj + r; j++)
                for (long i = si - r; i <= si + r; i++) {
                    if (i < 0 || j < 0 || k < 0 || i >= (long)nx || j >= (long)ny || k >= (long)nz)
                        continue;
                    double v =
                        tmesh_seg__sample(image, (size_t)i + nx * ((size_t)j + ny * (size_t)k));
                    if (isnan(v))
                        continue;
                    sum += v;
                    sumsq += v * v;
                    cnt += 1.0;
                }
    }
    double lo = 0.0, hi = -1.0;
    tmesh_volume *m = NULL;
    for (unsigned it = 0; it <= o.iterations; it++) {
        if (cnt < 1.0)
            break;
        double mean = sum / cnt;
        double var = cnt > 1.0 ? (sumsq - sum * sum / cnt) / (cnt - 1.0) : 0.0;
        double sd = var > 0.0 ? sqrt(var) : 0.0;
        lo = mean - o.multiplier * sd;
        hi = mean + o.multiplier * sd;
        tmesh_volume_free(m);
        m = NULL;
        if ((st = grow_once(&m, image, idx, n_seeds, lo, hi, o.connectivity, o.threads, err)))
            break;
        /* Re-estimate from the region, in index order (a fixed summation order). */
        sum = sumsq = cnt = 0.0;
        const uint8_t *w = m->data;
        size_t n = tmesh_volume_count(m);
        for (size_t i = 0; i < n; i++)
            if (w[i]) {
                double v = tmesh_seg__sample(image, i);
                sum += v;
                sumsq += v * v;
                cnt += 1.0;
            }
    }
    free(idx);
    if (st == TMESH_OK && m == NULL) /* no finite sample around the seeds */
        st = tmesh_seg__new_like(&m, image, TMESH_VOXEL_U8, err);
    if (st != TMESH_OK) {
        tmesh_volume_free(m);
        return st;
    }
    if (cnt < 1.0)
        tmesh_log(TMESH_LOG_WARN, "confidence-connected growing selected no voxel");
    if (lower_out)
        *lower_out = lo;
    if (upper_out)
        *upper_out = hi;
    *out = m;
    return TMESH_OK;
}
