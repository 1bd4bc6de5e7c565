/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tmesh_volume lifecycle and geometry helpers. A volume is a plain array plus one affine in
 * patient LPS millimetres; these helpers are the only place that inverts that affine.
 */
#include "core_int.h"

#include <math.h>
#include <string.h>

size_t tmesh_voxel_size(tmesh_voxel_type type)
{
    switch (type) {
    case TMESH_VOXEL_U8: return 1;
    case TMESH_VOXEL_I16: return 2;
    case TMESH_VOXEL_U16: return 2;
    case TMESH_VOXEL_F32: return 4;
    }
    return 0;
}

const char *tmesh_voxel_type_name(tmesh_voxel_type type)
{
    switch (type) {
    case TMESH_VOXEL_U8: return "u8";
    case TMESH_VOXEL_I16: return "i16";
    case TMESH_VOXEL_U16: return "u16";
    case TMESH_VOXEL_F32: return "f32";
    }
    return "unknown";
}

tmesh_status tmesh_volume_new(tmesh_volume **out, const size_t dim[3], tmesh_voxel_type type,
                              tmesh_error *err)
{
    TMESH_ASSERT(out != NULL && dim != NULL);
    *out = NULL;
    size_t vs = tmesh_voxel_size(type);
    if (vs == 0)
        return tmesh_error_set(err, TMESH_E_ARG, "unknown voxel type %d", (int)type);
    if (dim[0] == 0 || dim[1] == 0 || dim[2] == 0)
        return tmesh_error_set(err, TMESH_E_ARG, "volume dimension is zero (%zu x %zu x %zu)",
                               dim[0], dim[1], dim[2]);
    size_t n = dim[0];
    if (dim[1] > SIZE_MAX / n || dim[2] > SIZE_MAX / (n * dim[1]) ||
        vs > SIZE_MAX / (n * dim[1] * dim[2]))
        return tmesh_error_set(err, TMESH_E_NOMEM, "volume %zu x %zu x %zu is too large",
                               dim[0], dim[1], dim[2]);
    n *= dim[1] * dim[2];
    tmesh_volume *v = calloc(1, sizeof *v);
    if (v == NULL)
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for a volume header");
    v->data = calloc(n, vs);
    if (v->data == NULL) {
        free(v);
        return tmesh_error_set(err, TMESH_E_NOMEM,
                               "out of memory for a %zu x %zu x %zu volume (%zu bytes)", dim[0],
                               dim[1], dim[2], n * vs);
    }
    memcpy(v->dim, dim, sizeof v->dim);
    v->type = type;
    for (int r = 0; r < 4; r++)
        v->ijk_to_lps[r][r] = 1.0;
    *out = v;
    return TMESH_OK;
}

void tmesh_volume_free(tmesh_volume *vol)
{
    if (vol == NULL)
        return;
    free(vol->data);
    free(vol);
}

size_t tmesh_volume_count(const tmesh_volume *vol)
{
    return vol->dim[0] * vol->dim[1] * vol->dim[2];
}

static double sample_at(const tmesh_volume *vol, size_t idx)
{
    switch (vol->type) {
    case TMESH_VOXEL_U8: return ((const uint8_t *)vol->data)[idx];
    case TMESH_VOXEL_I16: return ((const int16_t *)vol->data)[idx];
    case TMESH_VOXEL_U16: return ((const uint16_t *)vol->data)[idx];
    case TMESH_VOXEL_F32: return ((const float *)vol->data)[idx];
    }
    return 0.0;
}

double tmesh_volume_get(const tmesh_volume *vol, size_t i, size_t j, size_t k)
{
    TMESH_ASSERT(i < vol->dim[0] && j < vol->dim[1] && k < vol->dim[2]);
    return sample_at(vol, i + vol->dim[0] * (j + vol->dim[1] * k));
}

void tmesh_volume_spacing(const tmesh_volume *vol, double spacing_out[3])
{
    for (int c = 0; c < 3; c++) {
        double s = 0.0;
        for (int r = 0; r < 3; r++)
            s += vol->ijk_to_lps[r][c] * vol->ijk_to_lps[r][c];
        spacing_out[c] = sqrt(s);
    }
}

void tmesh_volume_index_to_lps(const tmesh_volume *vol, const double ijk[3], double lps_out[3])
{
    for (int r = 0; r < 3; r++)
        lps_out[r] = vol->ijk_to_lps[r][0] * ijk[0] + vol->ijk_to_lps[r][1] * ijk[1] +
                     vol->ijk_to_lps[r][2] * ijk[2] + vol->ijk_to_lps[r][3];
}

tmesh_status tmesh_volume_lps_to_index(const tmesh_volume *vol, const double lps[3],
                                       double ijk_out[3], tmesh_error *err)
{
    const double(*m)[4] = vol->ijk_to_lps;
    double det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
                 m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
                 m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    if (fabs(det) < 1e-12)
        return tmesh_error_set(err, TMESH_E_DATA, "volume matrix is singular (det %g)", det);
    double inv[3][3];
    inv[0][0] = (m[1][1] * m[2][2] - m[1][2] * m[2][1]) / det;
    inv[0][1] = (m[0][2] * m[2][1] - m[0][1] * m[2][2]) / det;
    inv[0][2] = (m[0][1] * m[1][2] - m[0][2] * m[1][1]) / det;
    inv[1][0] = (m[1][2] * m[2][0] - m[1][0] * m[2][2]) / det;
    inv[1][1] = (m[0][0] * m[2][2] - m[0][2] * m[2][0]) / det;
    inv[1][2] = (m[0][2] * m[1][0] - m[0][0] * m[1][2]) / det;
    inv[2][0] = (m[1][0] * m[2][1] - m[1][1] * m[2][0]) / det;
    inv[2][1] = (m[0][1] * m[2][0] - m[0][0] * m[2][1]) / det;
    inv[2][2] = (m[0][0] * m[1][1] - m[0][1] * m[1][0]) / det;
    double d[3] = {lps[0] - m[0][3], lps[1] - m[1][3], lps[2] - m[2][3]};
    for (int r = 0; r < 3; r++)
        ijk_out[r] = inv[r][0] * d[0] + inv[r][1] * d[1] + inv[r][2] * d[2];
    return TMESH_OK;
}

/* Min/max of one slab of samples; chunks are fixed 1 Mi-sample slabs, merged in order. */
typedef struct range_job {
    const tmesh_volume *vol;
    size_t n;
    double *lo, *hi;
} range_job;

#define RANGE_SLAB ((size_t)1 << 20)

#define RANGE_LOOP(T)                                                                          \
    do {                                                                                       \
        const T *d = (const T *)vol->data;                                                     \
        T a = d[begin], b = d[begin];                                                          \
        for (size_t i = begin + 1; i < end; i++) {                                             \
            a = d[i] < a ? d[i] : a;                                                           \
            b = d[i] > b ? d[i] : b;                                                           \
        }                                                                                      \
        lo = a;                                                                                \
        hi = b;                                                                                \
    } while (0)

static void range_span(const tmesh_volume *vol, size_t begin, size_t end, double *lo_out,
                       double *hi_out)
{
    double lo = INFINITY, hi = -INFINITY;
    switch (vol->type) {
    case TMESH_VOXEL_U8: RANGE_LOOP(uint8_t); break;
    case TMESH_VOXEL_I16: RANGE_LOOP(int16_t); break;
    case TMESH_VOXEL_U16: RANGE_LOOP(uint16_t); break;
    case TMESH_VOXEL_F32: {
        const float *d = vol->data;
        for (size_t i = begin; i < end; i++) {
            if (d[i] != d[i])
                continue; /* NaN */
            lo = d[i] < lo ? d[i] : lo;
            hi = d[i] > hi ? d[i] : hi;
        }
        break;
    }
    }
    *lo_out = lo;
    *hi_out = hi;
}

static tmesh_status range_chunk(size_t c, void *user, tmesh_error *err)
{
    (void)err;
    range_job *j = user;
    size_t begin = c * RANGE_SLAB, end = begin + RANGE_SLAB < j->n ? begin + RANGE_SLAB : j->n;
    range_span(j->vol, begin, end, &j->lo[c], &j->hi[c]);
    return TMESH_OK;
}

void tmesh_volume_range(const tmesh_volume *vol, double *min_out, double *max_out)
{
    size_t n = tmesh_volume_count(vol);
    size_t chunks = (n + RANGE_SLAB - 1) / RANGE_SLAB;
    double lo = INFINITY, hi = -INFINITY;
    range_job j = {vol, n, malloc(chunks * sizeof(double)), malloc(chunks * sizeof(double))};
    if (j.lo != NULL && j.hi != NULL &&
        tmesh_parallel_for(chunks, 0, range_chunk, &j, NULL, NULL, NULL, NULL) == TMESH_OK) {
        for (size_t c = 0; c < chunks; c++) {
            lo = j.lo[c] < lo ? j.lo[c] : lo;
            hi = j.hi[c] > hi ? j.hi[c] : hi;
        }
    } else {
        range_span(vol, 0, n, &lo, &hi); /* no memory for slabs: one pass here */
    }
    free(j.lo);
    free(j.hi);
    *min_out = lo;
    *max_out = hi;
}
