/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of segment: thresholds on analytic phantoms, region growing and connectivity,
 * components numbering, the distance transform and morphology against brute force (bit for bit,
 * anisotropic), hole filling, hollowing, editing, label algebra, filters, recipes, thread-count
 * determinism and the error messages of every documented failure.
 */
#define _POSIX_C_SOURCE 200809L
#include "test_support.h"

#include "tracemesh/segment.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* ---- helpers ---- */

/* Volume with a diagonal matrix of the given spacing and origin. */
static tmesh_volume *make_vol(size_t nx, size_t ny, size_t nz, tmesh_voxel_type type, double sx,
                              double sy, double sz)
{
    tmesh_volume *v = NULL;
    size_t dim[3] = {nx, ny, nz};
    tmesh_error err = TMESH_ERROR_INIT;
    assert_int_equal(tmesh_volume_new(&v, dim, type, &err), TMESH_OK);
    v->ijk_to_lps[0][0] = sx;
    v->ijk_to_lps[1][1] = sy;
    v->ijk_to_lps[2][2] = sz;
    v->ijk_to_lps[0][3] = -10.0;
    v->ijk_to_lps[1][3] = 5.0;
    v->ijk_to_lps[2][3] = 100.0;
    return v;
}

static size_t count_nonzero(const tmesh_volume *v)
{
    size_t n = tmesh_volume_count(v), c = 0;
    for (size_t i = 0; i < n; i++)
        c += tmesh_volume_get(v, i % v->dim[0], (i / v->dim[0]) % v->dim[1],
                              i / (v->dim[0] * v->dim[1])) != 0.0;
    return c;
}

static uint8_t *u8(const tmesh_volume *v)
{
    return (uint8_t *)v->data;
}

static size_t vidx(const tmesh_volume *v, size_t i, size_t j, size_t k)
{
    return i + v->dim[0] * (j + v->dim[1] * k);
}

static void hash_vol(const tmesh_volume *v, char hex[65])
{
    uint8_t d[32];
    tmesh_sha256_buf(v->data, tmesh_volume_count(v) * tmesh_voxel_size(v->type), d);
    tmesh_sha256_hex(d, hex);
}

/* Deterministic pseudo-random numbers (xorshift). */
static uint32_t rng_state = 12345u;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

/* I16 sphere phantom: `in` inside radius r (mm) of centre c (LPS), `out` elsewhere. */
static tmesh_volume *sphere_phantom(size_t nx, size_t ny, size_t nz, double sx, double sy,
                                    double sz, const double c[3], double r, int16_t in, int16_t out)
{
    tmesh_volume *v = make_vol(nx, ny, nz, TMESH_VOXEL_I16, sx, sy, sz);
    int16_t *d = v->data;
    for (size_t k = 0; k < nz; k++)
        for (size_t j = 0; j < ny; j++)
            for (size_t i = 0; i < nx; i++) {
                double ijk[3] = {(double)i, (double)j, (double)k}, p[3];
                tmesh_volume_index_to_lps(v, ijk, p);
                double dx = p[0] - c[0], dy = p[1] - c[1], dz = p[2] - c[2];
                d[vidx(v, i, j, k)] = dx * dx + dy * dy + dz * dz <= r * r ? in : out;
            }
    return v;
}

/* ---- thresholds ---- */

static void test_seg_threshold__sphere_volume_within_bound(void **state)
{
    (void)state;
    const double sx = 0.7, sy = 0.9, sz = 1.6, r = 12.0;
    /* centre off the grid, so the count is not helped by symmetry */
    double c[3] = {-10.0 + 0.7 * 24.3, 5.0 + 0.9 * 20.6, 100.0 + 1.6 * 11.2};
    tmesh_volume *img = sphere_phantom(50, 42, 24, sx, sy, sz, c, r, 60, -1000);
    tmesh_error err = TMESH_ERROR_INIT;
    tmesh_volume *m = NULL;
    tmesh_seg_threshold_opts o = TMESH_SEG_THRESHOLD_OPTS_INIT;
    o.lower = 0;
    o.upper = 100;
    assert_int_equal(tmesh_seg_threshold(&m, img, &o, &err), TMESH_OK);
    assert_int_equal(m->type, TMESH_VOXEL_U8);
    assert_memory_equal(m->ijk_to_lps, img->ijk_to_lps, sizeof img->ijk_to_lps);
    double vox = sx * sy * sz, counted = (double)count_nonzero(m) * vox;
    double exact = 4.0 / 3.0 * M_PI * r * r * r;
    /* Discretisation bound: only voxels whose cell meets the sphere surface can be misclassified,
     * and those cells lie in the shell r +- h with h the half-diagonal of a voxel, so
     * |counted - exact| <= 4/3 pi ((r+h)^3 - (r-h)^3). */
    double h = 0.5 * sqrt(sx * sx + sy * sy + sz * sz);
    double bound = 4.0 / 3.0 * M_PI * (pow(r + h, 3) - pow(r - h, 3));
    assert_true(fabs(counted - exact) <= bound);
    /* and in practice the errors cancel: within 1% on this phantom */
    assert_true(fabs(counted - exact) <= 0.01 * exact);
    tmesh_volume_free(m);
    tmesh_volume_free(img);
}

static void test_seg_threshold__inclusive_bounds_and_nan(void **state)
{
    (void)state;
    tmesh_volume *img = make_vol(5, 1, 1, TMESH_VOXEL_F32, 1, 1, 1);
    float *d = img->data;
    d[0] = 9.999f;
    d[1] = 10.0f;
    d[2] = 20.0f;
    d[3] = (float)NAN;
    d[4] = 20.5f;
    tmesh_seg_threshold_opts o = {10.0, 20.0, 1};
    tmesh_volume *m = NULL;
    assert_int_equal(tmesh_seg_threshold(&m, img, &o, NULL), TMESH_OK);
    const uint8_t want[5] = {0, 1, 1, 0, 0};
    assert_memory_equal(m->data, want, 5);
    tmesh_volume_free(m);
    tmesh_volume_free(img);
}

/* Integer samples against fractional and out-of-range bounds: the same as comparing doubles. */
static void test_seg_threshold__integer_types_match_double_test(void **state)
{
    (void)state;
    const tmesh_voxel_type types[3] = {TMESH_VOXEL_U8, TMESH_VOXEL_I16, TMESH_VOXEL_U16};
    const double bounds[8][2] = {{-0.5, 2.5},   {0.0, 0.0},      {1.0, 1.0},   {-1e9, 1e9},
                                 {254.5, 300}, {-40000, -32768}, {65535, 7e4}, {2.25, 2.75}};
    for (int t = 0; t < 3; t++) {
        tmesh_volume *img = make_vol(64, 2, 1, types[t], 1, 1, 1);
        for (size_t i = 0; i < 128; i++) {
            /* small values, each type's extremes, and random values */
            long v = i < 8 ? (long)i - 2 : (long)(rnd() % 70000u) - 35000;
            if (i == 8)
                v = 255;
            if (i == 9)
                v = -32768;
            if (i == 10)
                v = 65535;
            if (i == 11)
                v = 32767;
            if (types[t] == TMESH_VOXEL_U8)
                u8(img)[i] = (uint8_t)(v < 0 ? -v : v);
            else if (types[t] == TMESH_VOXEL_I16)
                ((int16_t *)img->data)[i] = (int16_t)(v < -32768 ? -32768 : v > 32767 ? 32767 : v);
            else
                ((uint16_t *)img->data)[i] = (uint16_t)(v < 0 ? -v : v);
        }
        for (int b = 0; b < 8; b++) {
            tmesh_seg_threshold_opts o = {bounds[b][0], bounds[b][1], 2};
            tmesh_volume *m = NULL;
            assert_int_equal(tmesh_seg_threshold(&m, img, &o, NULL), TMESH_OK);
            for (size_t i = 0; i < 128; i++) {
                double v = types[t] == TMESH_VOXEL_U8    ? (double)u8(img)[i]
                           : types[t] == TMESH_VOXEL_I16 ? (double)((int16_t *)img->data)[i]
                                                         : (double)((uint16_t *)img->data)[i];
                if (u8(m)[i] != (v >= bounds[b][0] && v <= bounds[b][1]))
                    fail_msg("type %d bounds %g..%g voxel %zu (%g): %u", t, bounds[b][0],
                             bounds[b][1], i, v, u8(m)[i]);
            }
            tmesh_volume_free(m);
        }
        tmesh_volume_free(img);
    }
}

static void test_seg_threshold__errors_name_the_field(void **state)
{
    (void)state;
    tmesh_volume *img = make_vol(3, 3, 3, TMESH_VOXEL_I16, 1, 1, 1), *m = NULL;
    tmesh_error err = TMESH_ERROR_INIT;
    tmesh_seg_threshold_opts o = {5.0, 1.0, 0};
    assert_int_equal(tmesh_seg_threshold(&m, img, &o, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "lower 5 is above upper 1");
    assert_null(m);
    tmesh_error_clear(&err);
    o.lower = NAN;
    assert_int_equal(tmesh_seg_threshold(&m, img, &o, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "lower");
    tmesh_error_clear(&err);
    o.lower = 0;
    o.upper = INFINITY;
    assert_int_equal(tmesh_seg_threshold(&m, img, &o, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "upper");
    tmesh_volume_free(img);
}

static void test_seg_preset__documented_ranges(void **state)
{
    (void)state;
    assert_int_equal(tmesh_seg_preset_count(), 7);
    const tmesh_seg_preset *p = NULL;
    tmesh_error err = TMESH_ERROR_INIT;
    const char *names[7] = {"bone", "skin", "soft-tissue", "lung", "fat", "vessels", "teeth"};
    const double lo[7] = {226, -400, -30, -1000, -190, 150, 1200};
    const double hi[7] = {32767, 32767, 225, -400, -30, 500, 32767};
    for (size_t i = 0; i < 7; i++) {
        assert_int_equal(tmesh_seg_preset_find(&p, names[i], &err), TMESH_OK);
        assert_ptr_equal(p, tmesh_seg_preset_at(i));
        assert_true(p->lower == lo[i] && p->upper == hi[i]);
        assert_true(strlen(p->description) > 10);
    }
    assert_int_equal(tmesh_seg_preset_find(&p, "bones", &err), TMESH_E_NOTFOUND);
    ts_assert_error(err, TMESH_E_NOTFOUND, "unknown preset 'bones'");
    assert_null(p);
}

static void test_seg_otsu__bimodal_and_errors(void **state)
{
    (void)state;
    tmesh_volume *img = make_vol(20, 20, 20, TMESH_VOXEL_F32, 1, 1, 1);
    float *d = img->data;
    for (size_t i = 0; i < 8000; i++) /* a dark class near 100 and a bright class near 600 */
        d[i] = (float)((i % 3 == 0 ? 600.0 : 100.0) + (double)(rnd() % 100) - 50.0);
    double t = 0;
    tmesh_error err = TMESH_ERROR_INIT;
    assert_int_equal(tmesh_seg_otsu(&t, img, NULL, &err), TMESH_OK);
    assert_true(t > 150.0 && t < 550.0);
    tmesh_seg_otsu_opts o = {1, 0};
    assert_int_equal(tmesh_seg_otsu(&t, img, &o, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "bins 1");
    tmesh_error_clear(&err);
    memset(d, 0, 8000 * sizeof *d);
    assert_int_equal(tmesh_seg_otsu(&t, img, NULL, &err), TMESH_E_DATA);
    ts_assert_error(err, TMESH_E_DATA, "constant");
    tmesh_volume_free(img);
}

/* ---- region growing ---- */

static void test_seg_grow__stops_at_the_boundary(void **state)
{
    (void)state;
    double c1[3] = {-10 + 8.0, 5 + 8.0, 100 + 8.0};
    tmesh_volume *img = sphere_phantom(30, 20, 20, 1, 1, 1, c1, 5.0, 300, 0);
    /* a second bright sphere, separate: growing from the first must not reach it */
    int16_t *d = img->data;
    for (size_t k = 0; k < 20; k++)
        for (size_t j = 0; j < 20; j++)
            for (size_t i = 20; i < 30; i++) {
                double di = (double)i - 24, dj = (double)j - 8, dk = (double)k - 8;
                if (di * di + dj * dj + dk * dk <= 9)
                    d[vidx(img, i, j, k)] = 300;
            }
    tmesh_volume *thr = NULL, *g = NULL;
    tmesh_seg_threshold_opts to = {200, 400, 1};
    assert_int_equal(tmesh_seg_threshold(&thr, img, &to, NULL), TMESH_OK);
    tmesh_seg_seed seed = {{-10 + 8.2, 5 + 7.9, 100 + 8.0}, TMESH_SEG_FRAME_LPS};
    tmesh_seg_grow_opts go = {200, 400, 6, 1};
    tmesh_error err = TMESH_ERROR_INIT;
    assert_int_equal(tmesh_seg_grow(&g, img, &seed, 1, &go, &err), TMESH_OK);
    size_t n_first = 0, n_all = count_nonzero(thr);
    for (size_t k = 0; k < 20; k++)
        for (size_t j = 0; j < 20; j++)
            for (size_t i = 0; i < 30; i++) {
                size_t v = vidx(img, i, j, k);
                if (i < 15)
                    n_first += u8(thr)[v];
                /* grown = the first sphere exactly */
                assert_int_equal(u8(g)[v], i < 15 ? u8(thr)[v] : 0);
            }
    assert_true(n_first > 400 && n_first < n_all);
    /* a voxel seed in the second sphere and an LPS seed in the first: both grow */
    tmesh_seg_seed two[2] = {{{24, 8, 8}, TMESH_SEG_FRAME_VOXEL}, seed};
    tmesh_volume_free(g);
    assert_int_equal(tmesh_seg_grow(&g, img, two, 2, &go, &err), TMESH_OK);
    assert_int_equal(count_nonzero(g), n_all);
    tmesh_volume_free(g);
    tmesh_volume_free(thr);
    tmesh_volume_free(img);
}

static void test_seg_grow__connectivity_6_18_26(void **state)
{
    (void)state;
    tmesh_volume *img = make_vol(4, 4, 4, TMESH_VOXEL_U8, 1, 1, 1);
    uint8_t *d = img->data;
    d[vidx(img, 1, 1, 1)] = 1;
    d[vidx(img, 2, 2, 2)] = 1; /* corner contact with (1,1,1) */
    d[vidx(img, 2, 2, 1)] = 0;
    tmesh_seg_seed s = {{1, 1, 1}, TMESH_SEG_FRAME_VOXEL};
    tmesh_seg_grow_opts go = {1, 1, 6, 1};
    tmesh_volume *g = NULL;
    assert_int_equal(tmesh_seg_grow(&g, img, &s, 1, &go, NULL), TMESH_OK);
    assert_int_equal(count_nonzero(g), 1);
    tmesh_volume_free(g);
    go.connectivity = 18;
    assert_int_equal(tmesh_seg_grow(&g, img, &s, 1, &go, NULL), TMESH_OK);
    assert_int_equal(count_nonzero(g), 1);
    tmesh_volume_free(g);
    go.connectivity = 26;
    assert_int_equal(tmesh_seg_grow(&g, img, &s, 1, &go, NULL), TMESH_OK);
    assert_int_equal(count_nonzero(g), 2);
    tmesh_volume_free(g);
    /* an edge contact joins with 18 but not with 6 */
    d[vidx(img, 2, 2, 2)] = 0;
    d[vidx(img, 2, 2, 1)] = 1;
    go.connectivity = 6;
    assert_int_equal(tmesh_seg_grow(&g, img, &s, 1, &go, NULL), TMESH_OK);
    assert_int_equal(count_nonzero(g), 1);
    tmesh_volume_free(g);
    go.connectivity = 18;
    assert_int_equal(tmesh_seg_grow(&g, img, &s, 1, &go, NULL), TMESH_OK);
    assert_int_equal(count_nonzero(g), 2);
    tmesh_volume_free(g);
    tmesh_volume_free(img);
}

static void test_seg_grow__seed_errors_name_the_seed(void **state)
{
    (void)state;
    tmesh_volume *img = make_vol(10, 10, 10, TMESH_VOXEL_I16, 0.5, 0.5, 2.0), *g = NULL;
    tmesh_error err = TMESH_ERROR_INIT;
    tmesh_seg_grow_opts go = {100, 200, 6, 0};
    tmesh_seg_seed seeds[2] = {{{2, 2, 2}, TMESH_SEG_FRAME_VOXEL},
                               {{-10.0, 5.0, 140.0}, TMESH_SEG_FRAME_LPS}};
    ((int16_t *)img->data)[vidx(img, 2, 2, 2)] = 150;
    assert_int_equal(tmesh_seg_grow(&g, img, seeds, 2, &go, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "seed 2 (-10, 5, 140 mm LPS) lies outside the volume");
    assert_null(g);
    tmesh_error_clear(&err);
    seeds[1].pos[2] = 101.0; /* inside now, but value 0 is outside [100, 200] */
    assert_int_equal(tmesh_seg_grow(&g, img, seeds, 2, &go, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "seed 2 (-10, 5, 101 mm LPS) has value 0, outside");
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_seg_grow(&g, img, seeds, 0, &go, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "seeds");
    tmesh_error_clear(&err);
    go.connectivity = 8;
    assert_int_equal(tmesh_seg_grow(&g, img, seeds, 1, &go, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "connectivity 8");
    tmesh_error_clear(&err);
    go.connectivity = 6;
    go.lower = 300;
    assert_int_equal(tmesh_seg_grow(&g, img, seeds, 1, &go, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "lower 300 is above upper 200");
    tmesh_error_clear(&err);
    /* a seed selects the voxel whose centre is nearest; halves round up */
    size_t ijk[3];
    tmesh_seg_seed half = {{-10.0 + 0.5 * 2.5, 5.0 + 0.5 * 3.49, 100.0 + 2.0 * 0.5},
                           TMESH_SEG_FRAME_LPS};
    assert_int_equal(tmesh_seg_seed_voxel(ijk, img, &half, 1, &err), TMESH_OK);
    assert_int_equal(ijk[0], 3);
    assert_int_equal(ijk[1], 3);
    assert_int_equal(ijk[2], 1);
    tmesh_seg_seed vox = {{3, 10, 0}, TMESH_SEG_FRAME_VOXEL};
    assert_int_equal(tmesh_seg_seed_voxel(ijk, img, &vox, 4, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "seed 4 (voxel 3, 10, 0) lies outside");
    tmesh_error_clear(&err);
    memset(img->ijk_to_lps, 0, sizeof img->ijk_to_lps);
    assert_int_equal(tmesh_seg_seed_voxel(ijk, img, &seeds[1], 2, &err), TMESH_E_DATA);
    ts_assert_error(err, TMESH_E_DATA, "seed 2");
    tmesh_volume_free(img);
}

static void test_seg_grow__confidence_connected(void **state)
{
    (void)state;
    double c[3] = {-10 + 10, 5 + 10, 100 + 10};
    tmesh_volume *img = sphere_phantom(21, 21, 21, 1, 1, 1, c, 6.0, 100, 0);
    int16_t *d = img->data;
    for (size_t i = 0; i < tmesh_volume_count(img); i++)
        d[i] = (int16_t)(d[i] + (int16_t)(rnd() % 11) - 5); /* +-5 noise */
    tmesh_volume *thr = NULL, *g = NULL;
    tmesh_seg_threshold_opts to = {50, 200, 0};
    assert_int_equal(tmesh_seg_threshold(&thr, img, &to, NULL), TMESH_OK);
    tmesh_seg_seed s = {{10, 10, 10}, TMESH_SEG_FRAME_VOXEL};
    double lo = 0, hi = 0;
    tmesh_error err = TMESH_ERROR_INIT;
    assert_int_equal(tmesh_seg_grow_confidence(&g, &lo, &hi, img, &s, 1, NULL, &err), TMESH_OK);
    assert_true(lo > 50 && lo < 100 && hi > 100 && hi < 150);
    assert_memory_equal(g->data, thr->data, tmesh_volume_count(img));
    tmesh_volume_free(g);
    tmesh_seg_confidence_opts o = TMESH_SEG_CONFIDENCE_OPTS_INIT;
    o.multiplier = 0;
    assert_int_equal(tmesh_seg_grow_confidence(&g, NULL, NULL, img, &s, 1, &o, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "multiplier");
    tmesh_error_clear(&err);
    o.multiplier = 2;
    o.radius_vox = 11;
    assert_int_equal(tmesh_seg_grow_confidence(&g, NULL, NULL, img, &s, 1, &o, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "radius_vox");
    tmesh_volume_free(thr);
    tmesh_volume_free(img);
}

/* ---- components ---- */

/* 12x6x3 mask with components of 5, 3, 3 (later start) and 1 voxels (26-connectivity). */
static tmesh_volume *blobs(void)
{
    tmesh_volume *m = make_vol(12, 6, 3, TMESH_VOXEL_U8, 1, 1, 2);
    uint8_t *d = m->data;
    /* A: 3 voxels at the very start (first in index order) */
    d[vidx(m, 0, 0, 0)] = d[vidx(m, 1, 0, 0)] = d[vidx(m, 2, 0, 0)] = 1;
    /* B: 5 voxels, an L shape with a corner-only link at the end */
    d[vidx(m, 6, 2, 1)] = d[vidx(m, 7, 2, 1)] = d[vidx(m, 8, 2, 1)] = d[vidx(m, 8, 3, 1)] = 1;
    d[vidx(m, 9, 4, 2)] = 1;
    /* C: 3 voxels later */
    d[vidx(m, 0, 5, 2)] = d[vidx(m, 1, 5, 2)] = d[vidx(m, 2, 5, 2)] = 1;
    /* D: single voxel */
    d[vidx(m, 11, 0, 2)] = 1;
    return m;
}

static void test_seg_components__numbering_size_then_first_voxel(void **state)
{
    (void)state;
    tmesh_volume *m = blobs(), *l = NULL;
    tmesh_seg_components_opts o = TMESH_SEG_COMPONENTS_OPTS_INIT;
    o.mode = TMESH_SEG_CC_LABEL_ALL;
    size_t nc = 0;
    tmesh_error err = TMESH_ERROR_INIT;
    assert_int_equal(tmesh_seg_components(&l, &nc, m, &o, &err), TMESH_OK);
    assert_int_equal(nc, 4);
    assert_int_equal(l->type, TMESH_VOXEL_U16);
    const uint16_t *d = l->data;
    assert_int_equal(d[vidx(l, 9, 4, 2)], 1);  /* B, 5 voxels */
    assert_int_equal(d[vidx(l, 1, 0, 0)], 2);  /* A, 3 voxels, first voxel earlier */
    assert_int_equal(d[vidx(l, 2, 5, 2)], 3);  /* C, 3 voxels */
    assert_int_equal(d[vidx(l, 11, 0, 2)], 4); /* D */
    assert_int_equal(d[vidx(l, 5, 5, 0)], 0);
    tmesh_volume_free(l);
    /* with 6-connectivity the corner-linked voxel of B is its own component */
    o.connectivity = 6;
    assert_int_equal(tmesh_seg_components(&l, &nc, m, &o, &err), TMESH_OK);
    assert_int_equal(nc, 5);
    assert_int_equal(((uint16_t *)l->data)[vidx(l, 6, 2, 1)], 1); /* 4 voxels now */
    /* two single voxels: D's first voxel (index 155) comes before (9,4,2) (index 201) */
    assert_int_equal(((uint16_t *)l->data)[vidx(l, 11, 0, 2)], 4);
    assert_int_equal(((uint16_t *)l->data)[vidx(l, 9, 4, 2)], 5);
    tmesh_volume_free(l);
    tmesh_volume_free(m);
}

static void test_seg_components__keep_modes(void **state)
{
    (void)state;
    tmesh_volume *m = blobs(), *l = NULL;
    tmesh_error err = TMESH_ERROR_INIT;
    tmesh_seg_components_opts o = TMESH_SEG_COMPONENTS_OPTS_INIT;
    assert_int_equal(tmesh_seg_components(&l, NULL, m, &o, &err), TMESH_OK);
    assert_int_equal(l->type, TMESH_VOXEL_U8);
    assert_int_equal(count_nonzero(l), 5);
    assert_int_equal(u8(l)[vidx(l, 9, 4, 2)], 1);
    tmesh_volume_free(l);
    o.mode = TMESH_SEG_CC_KEEP_N;
    o.n = 2;
    assert_int_equal(tmesh_seg_components(&l, NULL, m, &o, &err), TMESH_OK);
    assert_int_equal(count_nonzero(l), 8);
    assert_int_equal(u8(l)[vidx(l, 0, 0, 0)], 1);
    assert_int_equal(u8(l)[vidx(l, 0, 5, 2)], 0);
    tmesh_volume_free(l);
    o.n = 10;
    assert_int_equal(tmesh_seg_components(&l, NULL, m, &o, &err), TMESH_OK);
    assert_int_equal(count_nonzero(l), 12);
    tmesh_volume_free(l);
    /* voxel volume is 2 mm^3: 3-voxel parts are 6 mm^3, below 6.5 they go */
    o.mode = TMESH_SEG_CC_REMOVE_SMALL;
    o.min_volume_mm3 = 6.5;
    assert_int_equal(tmesh_seg_components(&l, NULL, m, &o, &err), TMESH_OK);
    assert_int_equal(count_nonzero(l), 5);
    tmesh_volume_free(l);
    o.min_volume_mm3 = 6.0; /* equal volume is kept */
    assert_int_equal(tmesh_seg_components(&l, NULL, m, &o, &err), TMESH_OK);
    assert_int_equal(count_nonzero(l), 11);
    tmesh_volume_free(l);
    o.mode = TMESH_SEG_CC_KEEP_SEEDED;
    tmesh_seg_seed s[2] = {{{1, 5, 2}, TMESH_SEG_FRAME_VOXEL},
                           {{-10 + 11, 5 + 0, 100 + 4}, TMESH_SEG_FRAME_LPS}};
    o.seeds = s;
    o.n_seeds = 2;
    assert_int_equal(tmesh_seg_components(&l, NULL, m, &o, &err), TMESH_OK);
    assert_int_equal(count_nonzero(l), 4);
    assert_int_equal(u8(l)[vidx(l, 11, 0, 2)], 1);
    assert_int_equal(u8(l)[vidx(l, 0, 5, 2)], 1);
    tmesh_volume_free(l);
    /* an empty mask gives an empty result */
    memset(m->data, 0, tmesh_volume_count(m));
    o.mode = TMESH_SEG_CC_KEEP_LARGEST;
    size_t nc = 9;
    assert_int_equal(tmesh_seg_components(&l, &nc, m, &o, &err), TMESH_OK);
    assert_int_equal(nc, 0);
    assert_int_equal(count_nonzero(l), 0);
    tmesh_volume_free(l);
    tmesh_volume_free(m);
}

static void test_seg_components__errors_name_the_field(void **state)
{
    (void)state;
    tmesh_volume *m = blobs(), *l = NULL;
    tmesh_error err = TMESH_ERROR_INIT;
    tmesh_seg_components_opts o = TMESH_SEG_COMPONENTS_OPTS_INIT;
    o.mode = (tmesh_seg_cc_mode)9;
    assert_int_equal(tmesh_seg_components(&l, NULL, m, &o, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "mode 9");
    tmesh_error_clear(&err);
    o.mode = TMESH_SEG_CC_KEEP_N;
    o.n = 0;
    assert_int_equal(tmesh_seg_components(&l, NULL, m, &o, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "n 0");
    tmesh_error_clear(&err);
    o.mode = TMESH_SEG_CC_REMOVE_SMALL;
    o.min_volume_mm3 = -1;
    assert_int_equal(tmesh_seg_components(&l, NULL, m, &o, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "min_volume_mm3");
    tmesh_error_clear(&err);
    o.mode = TMESH_SEG_CC_KEEP_SEEDED;
    assert_int_equal(tmesh_seg_components(&l, NULL, m, &o, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "seeds");
    tmesh_error_clear(&err);
    tmesh_seg_seed s[2] = {{{0, 0, 0}, TMESH_SEG_FRAME_VOXEL}, {{5, 5, 0}, TMESH_SEG_FRAME_VOXEL}};
    o.seeds = s;
    o.n_seeds = 2;
    assert_int_equal(tmesh_seg_components(&l, NULL, m, &o, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "seed 2 (voxel 5, 5, 0) lies on background");
    tmesh_error_clear(&err);
    s[1].pos[0] = 12;
    assert_int_equal(tmesh_seg_components(&l, NULL, m, &o, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "seed 2 (voxel 12, 5, 0) lies outside");
    tmesh_error_clear(&err);
    o.mode = TMESH_SEG_CC_KEEP_LARGEST;
    o.connectivity = 4;
    assert_int_equal(tmesh_seg_components(&l, NULL, m, &o, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "connectivity 4");
    tmesh_error_clear(&err);
    tmesh_volume_free(m);
    /* more than 65535 components cannot be labelled: a 6-connected checkerboard */
    m = make_vol(64, 64, 34, TMESH_VOXEL_U8, 1, 1, 1);
    for (size_t k = 0; k < 34; k++)
        for (size_t j = 0; j < 64; j++)
            for (size_t i = 0; i < 64; i++)
                u8(m)[vidx(m, i, j, k)] = (uint8_t)((i + j + k) % 2 == 0);
    o.connectivity = 6;
    o.mode = TMESH_SEG_CC_LABEL_ALL;
    size_t nc = 0;
    assert_int_equal(tmesh_seg_components(&l, &nc, m, &o, &err), TMESH_E_DATA);
    ts_assert_error(err, TMESH_E_DATA, "69632 components");
    tmesh_error_clear(&err);
    tmesh_volume *f = make_vol(2, 2, 2, TMESH_VOXEL_F32, 1, 1, 1);
    assert_int_equal(tmesh_seg_components(&l, NULL, f, NULL, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "mask has voxel type f32");
    tmesh_volume_free(f);
    tmesh_volume_free(m);
}

/* Reference labelling: plain BFS with explicit neighbour tests, then the documented order. */
typedef struct ref_comp {
    size_t start, size;
    uint16_t id;
} ref_comp;

static int ref_cmp(const void *pa, const void *pb)
{
    const ref_comp *a = pa, *b = pb;
    if (a->size != b->size)
        return a->size > b->size ? -1 : 1;
    return a->start < b->start ? -1 : 1;
}

static void test_seg_components__random_masks_match_reference(void **state)
{
    (void)state;
    const int conns[3] = {6, 18, 26};
    for (int c = 0; c < 6; c++) {
        int conn = conns[c % 3];
        tmesh_volume *m = make_vol(10, 9, 8, TMESH_VOXEL_U8, 1, 1, 1), *l = NULL;
        for (size_t i = 0; i < 720; i++)
            u8(m)[i] = (uint8_t)(rnd() % 100 < (c < 3 ? 25u : 40u));
        uint16_t id[720] = {0};
        ref_comp comps[720];
        size_t nc = 0, queue[720];
        for (size_t v = 0; v < 720; v++) {
            if (!u8(m)[v] || id[v])
                continue;
            size_t head = 0, tail = 0;
            queue[tail++] = v;
            id[v] = (uint16_t)(nc + 1);
            while (head < tail) {
                size_t u = queue[head++];
                long ui = (long)(u % 10), uj = (long)((u / 10) % 9), uk = (long)(u / 90);
                for (long dk = -1; dk <= 1; dk++)
                    for (long dj = -1; dj <= 1; dj++)
                        for (long di = -1; di <= 1; di++) {
                            long s = labs(di) + labs(dj) + labs(dk);
                            if (s == 0 || (conn == 6 && s > 1) || (conn == 18 && s > 2))
                                continue;
                            long x = ui + di, y = uj + dj, z = uk + dk;
                            if (x < 0 || y < 0 || z < 0 || x >= 10 || y >= 9 || z >= 8)
                                continue;
                            size_t t = (size_t)(x + 10 * (y + 9 * z));
                            if (u8(m)[t] && !id[t]) {
                                id[t] = (uint16_t)(nc + 1);
                                queue[tail++] = t;
                            }
                        }
            }
            comps[nc].start = v;
            comps[nc].size = tail;
            comps[nc].id = (uint16_t)(nc + 1);
            nc++;
        }
        qsort(comps, nc, sizeof comps[0], ref_cmp);
        uint16_t rank[721] = {0};
        for (size_t r = 0; r < nc; r++)
            rank[comps[r].id] = (uint16_t)(r + 1);
        tmesh_seg_components_opts o = TMESH_SEG_COMPONENTS_OPTS_INIT;
        o.mode = TMESH_SEG_CC_LABEL_ALL;
        o.connectivity = conn;
        size_t got_n = 0;
        assert_int_equal(tmesh_seg_components(&l, &got_n, m, &o, NULL), TMESH_OK);
        assert_int_equal(got_n, nc);
        for (size_t v = 0; v < 720; v++)
            if (((uint16_t *)l->data)[v] != (id[v] ? rank[id[v]] : 0))
                fail_msg("case %d (connectivity %d) voxel %zu: label %u, reference %u", c, conn, v,
                         ((uint16_t *)l->data)[v], id[v] ? rank[id[v]] : 0);
        tmesh_volume_free(l);
        tmesh_volume_free(m);
    }
}

/*
 * Blobby random masks: up to 4 boxes (at most 4 x 4 rows each), some of them hollow shells
 * (cavities), so the mask has few runs per row like a CT mask. On 60 x 6 x 6 that is at most 64
 * foreground and 100 background runs, under the 135 (a voxel in 16) up to which components and
 * hole filling use their run methods; the noisy masks above take their voxel methods.
 */
static void blob_mask(tmesh_volume *m, int boxes)
{
    const size_t nx = m->dim[0], ny = m->dim[1];
    memset(m->data, 0, tmesh_volume_count(m));
    for (int b = 0; b < boxes; b++) {
        size_t lo[3], hi[3];
        const size_t max_ext[3] = {nx / 2, 4, 4};
        for (int a = 0; a < 3; a++) {
            size_t e = 1 + rnd() % max_ext[a];
            if (e > m->dim[a])
                e = m->dim[a];
            lo[a] = rnd() % (m->dim[a] - e + 1);
            hi[a] = lo[a] + e - 1;
        }
        int shell = rnd() % 2;
        for (size_t k = lo[2]; k <= hi[2]; k++)
            for (size_t j = lo[1]; j <= hi[1]; j++)
                for (size_t i = lo[0]; i <= hi[0]; i++) {
                    int surface = i == lo[0] || i == hi[0] || j == lo[1] || j == hi[1] ||
                                  k == lo[2] || k == hi[2];
                    if (!shell || surface)
                        u8(m)[i + nx * (j + ny * k)] = 1;
                }
    }
}

/* Reference labelling of any mask: BFS with explicit neighbour tests, then size order. */
static size_t ref_components(const tmesh_volume *m, int conn, uint16_t *lab)
{
    const long nx = (long)m->dim[0], ny = (long)m->dim[1], nz = (long)m->dim[2];
    size_t n = tmesh_volume_count(m), nc = 0;
    uint16_t *id = calloc(n, sizeof *id);
    size_t *queue = malloc(n * sizeof *queue);
    ref_comp *comps = malloc(n * sizeof *comps);
    assert_true(id != NULL && queue != NULL && comps != NULL);
    for (size_t v = 0; v < n; v++) {
        if (!u8(m)[v] || id[v])
            continue;
        size_t head = 0, tail = 0;
        queue[tail++] = v;
        id[v] = (uint16_t)(nc + 1);
        while (head < tail) {
            size_t u = queue[head++];
            long ui = (long)u % nx, uj = ((long)u / nx) % ny, uk = (long)u / (nx * ny);
            for (long dk = -1; dk <= 1; dk++)
                for (long dj = -1; dj <= 1; dj++)
                    for (long di = -1; di <= 1; di++) {
                        long s = labs(di) + labs(dj) + labs(dk);
                        if (s == 0 || (conn == 6 && s > 1) || (conn == 18 && s > 2))
                            continue;
                        long x = ui + di, y = uj + dj, z = uk + dk;
                        if (x < 0 || y < 0 || z < 0 || x >= nx || y >= ny || z >= nz)
                            continue;
                        size_t t = (size_t)(x + nx * (y + ny * z));
                        if (u8(m)[t] && !id[t]) {
                            id[t] = (uint16_t)(nc + 1);
                            queue[tail++] = t;
                        }
                    }
        }
        comps[nc].start = v;
        comps[nc].size = tail;
        comps[nc].id = (uint16_t)(nc + 1);
        nc++;
    }
    qsort(comps, nc, sizeof comps[0], ref_cmp);
    uint16_t *rank = calloc(nc + 1, sizeof *rank);
    assert_non_null(rank);
    for (size_t r = 0; r < nc; r++)
        rank[comps[r].id] = (uint16_t)(r + 1);
    for (size_t v = 0; v < n; v++)
        lab[v] = id[v] ? rank[id[v]] : 0;
    free(rank);
    free(comps);
    free(queue);
    free(id);
    return nc;
}

static void test_seg_components__blobby_masks_match_reference(void **state)
{
    (void)state;
    const int conns[3] = {6, 18, 26};
    for (int c = 0; c < 12; c++) {
        int conn = conns[c % 3];
        tmesh_volume *m = make_vol(60, 6, 6, TMESH_VOXEL_U8, 1, 1, 1), *l = NULL;
        blob_mask(m, 1 + c % 4);
        size_t n = tmesh_volume_count(m);
        uint16_t *want = malloc(n * sizeof *want);
        assert_non_null(want);
        size_t nc = ref_components(m, conn, want);
        const unsigned threads[3] = {1, 2, 7};
        for (int t = 0; t < 3; t++) {
            tmesh_seg_components_opts o = TMESH_SEG_COMPONENTS_OPTS_INIT;
            o.mode = TMESH_SEG_CC_LABEL_ALL;
            o.connectivity = conn;
            o.threads = threads[t];
            size_t got_n = 0;
            assert_int_equal(tmesh_seg_components(&l, &got_n, m, &o, NULL), TMESH_OK);
            assert_int_equal(got_n, nc);
            if (memcmp(l->data, want, n * sizeof *want) != 0)
                fail_msg("case %d (connectivity %d, %u threads) differs from the reference", c,
                         conn, threads[t]);
            tmesh_volume_free(l);
            /* keep-largest and keep-seeded keep exactly the reference's component */
            o.mode = TMESH_SEG_CC_KEEP_LARGEST;
            assert_int_equal(tmesh_seg_components(&l, NULL, m, &o, NULL), TMESH_OK);
            for (size_t v = 0; v < n; v++)
                assert_int_equal(u8(l)[v], want[v] == 1);
            tmesh_volume_free(l);
            if (nc >= 2) {
                size_t sv = 0;
                while (want[sv] != 2)
                    sv++;
                tmesh_seg_seed sd = {
                    {(double)(sv % 60), (double)((sv / 60) % 6), (double)(sv / 360)},
                    TMESH_SEG_FRAME_VOXEL};
                o.mode = TMESH_SEG_CC_KEEP_SEEDED;
                o.seeds = &sd;
                o.n_seeds = 1;
                assert_int_equal(tmesh_seg_components(&l, NULL, m, &o, NULL), TMESH_OK);
                for (size_t v = 0; v < n; v++)
                    assert_int_equal(u8(l)[v], want[v] == 2);
                tmesh_volume_free(l);
            }
        }
        free(want);
        tmesh_volume_free(m);
    }
}

/* ---- distance transform and morphology against brute force ---- */

/* The squared distance of tmesh_seg_distance's documented expression. */
static float chain_d2(const double w[3], long di, long dj, long dk)
{
    float a = (float)(w[0] * (double)(di * di));
    float b = (float)((double)a + w[1] * (double)(dj * dj));
    return (float)((double)b + w[2] * (double)(dk * dk));
}

/* Brute-force squared distance to the nearest voxel with f != 0. */
static float *brute_d2(const uint8_t *f, const size_t dim[3], const double w[3])
{
    size_t n = dim[0] * dim[1] * dim[2];
    float *d = malloc(n * sizeof *d);
    assert_non_null(d);
    for (size_t q = 0; q < n; q++) {
        long qi = (long)(q % dim[0]), qj = (long)((q / dim[0]) % dim[1]),
             qk = (long)(q / (dim[0] * dim[1]));
        float best = INFINITY;
        for (size_t p = 0; p < n; p++) {
            if (!f[p])
                continue;
            long pi = (long)(p % dim[0]), pj = (long)((p / dim[0]) % dim[1]),
                 pk = (long)(p / (dim[0] * dim[1]));
            float v = chain_d2(w, qi - pi, qj - pj, qk - pk);
            if (v < best)
                best = v;
        }
        d[q] = best;
    }
    return d;
}

static void random_mask(tmesh_volume *m, unsigned permille)
{
    for (size_t i = 0; i < tmesh_volume_count(m); i++)
        u8(m)[i] = (uint8_t)(rnd() % 1000 < permille);
}

static void weights_of(const tmesh_volume *v, double w[3])
{
    double s[3];
    tmesh_volume_spacing(v, s);
    for (int a = 0; a < 3; a++)
        w[a] = s[a] * s[a];
}

static void test_seg_distance__equals_brute_force_exactly(void **state)
{
    (void)state;
    const size_t dims[4][3] = {{11, 9, 7}, {13, 6, 9}, {1, 12, 10}, {16, 1, 1}};
    const double sp[4][3] = {{0.7, 1.3, 2.1}, {0.5, 0.5, 3.0}, {1.0, 0.9, 0.9}, {0.3, 1, 1}};
    const unsigned density[4] = {20, 5, 60, 150};
    for (int c = 0; c < 4; c++) {
        tmesh_volume *m = make_vol(dims[c][0], dims[c][1], dims[c][2], TMESH_VOXEL_U8, sp[c][0],
                                   sp[c][1], sp[c][2]);
        if (c == 1) { /* negative determinant and a sheared k column */
            m->ijk_to_lps[0][0] = -0.5;
            m->ijk_to_lps[1][2] = 0.9;
        }
        random_mask(m, density[c]);
        u8(m)[3] = 1;
        double w[3];
        weights_of(m, w);
        float *ref = brute_d2(m->data, m->dim, w);
        tmesh_volume *d = NULL;
        tmesh_error err = TMESH_ERROR_INIT;
        tmesh_seg_distance_opts o = {2};
        assert_int_equal(tmesh_seg_distance(&d, m, &o, &err), TMESH_OK);
        assert_int_equal(d->type, TMESH_VOXEL_F32);
        assert_memory_equal(d->ijk_to_lps, m->ijk_to_lps, sizeof m->ijk_to_lps);
        const float *got = d->data;
        for (size_t i = 0; i < tmesh_volume_count(m); i++) {
            float want = (float)sqrt((double)ref[i]);
            if (memcmp(&want, &got[i], sizeof want) != 0)
                fail_msg("case %d voxel %zu: distance %.9g, brute force %.9g", c, i, (double)got[i],
                         (double)want);
        }
        free(ref);
        tmesh_volume_free(d);
        tmesh_volume_free(m);
    }
    /* an empty mask is infinitely far away */
    tmesh_volume *m = make_vol(3, 3, 3, TMESH_VOXEL_U16, 1, 1, 1), *d = NULL;
    assert_int_equal(tmesh_seg_distance(&d, m, NULL, NULL), TMESH_OK);
    assert_true(isinf(((float *)d->data)[13]));
    tmesh_volume_free(d);
    tmesh_volume_free(m);
}

/* Brute-force morphology with the documented ball test. */
static void brute_morph(uint8_t *m, const size_t dim[3], const double w[3], int erode,
                        double radius)
{
    size_t n = dim[0] * dim[1] * dim[2];
    uint8_t *f = malloc(n);
    assert_non_null(f);
    for (size_t i = 0; i < n; i++)
        f[i] = erode ? !m[i] : m[i];
    float *d = brute_d2(f, dim, w);
    double thr = radius * radius * (1.0 + 1e-6);
    for (size_t i = 0; i < n; i++)
        m[i] = erode ? (uint8_t)((double)d[i] > thr) : (uint8_t)((double)d[i] <= thr);
    free(d);
    free(f);
}

static void test_seg_morph__equals_brute_force_exactly(void **state)
{
    (void)state;
    /* radii up to 3.5 mm use the ball's rows, 6 mm (more than 64 rows) the distance transform */
    const double radii[6] = {0.0, 1.0, 1.3, 2.1, 3.5, 6.0};
    for (int c = 0; c < 2; c++) {
        tmesh_volume *m =
            make_vol(12, 10, 8, TMESH_VOXEL_U8, c ? 0.5 : 0.7, c ? 0.5 : 1.1, c ? 1.5 : 0.9);
        random_mask(m, c ? 300 : 120);
        double w[3];
        weights_of(m, w);
        size_t n = tmesh_volume_count(m);
        uint8_t *ref = malloc(n);
        for (int r = 0; r < 6; r++)
            for (int op = 0; op < 4; op++) {
                memcpy(ref, m->data, n);
                int steps[2] = {op == 1 || op == 2, op == 2 ? 0 : 1};
                int nsteps = op >= 2 ? 2 : 1;
                if (op == 0)
                    steps[0] = 0;
                for (int s = 0; s < nsteps; s++)
                    brute_morph(ref, m->dim, w, steps[s], radii[r]);
                tmesh_seg_morph_opts o = {(tmesh_seg_morph_op)op, radii[r], 2};
                tmesh_volume *res = NULL;
                assert_int_equal(tmesh_seg_morph(&res, m, &o, NULL), TMESH_OK);
                if (memcmp(res->data, ref, n) != 0)
                    fail_msg("case %d radius %g op %d differs from brute force", c, radii[r], op);
                tmesh_volume_free(res);
            }
        free(ref);
        tmesh_volume_free(m);
    }
}

static void test_seg_morph__ball_shape_and_errors(void **state)
{
    (void)state;
    /* dilating one voxel by 2 mm on 1 x 1 x 2 mm voxels: the integer points with
     * i^2 + j^2 + 4k^2 <= 4, i.e. 13 (k = 0) + 1 + 1 (k = +-1) = 15 voxels */
    tmesh_volume *m = make_vol(9, 9, 9, TMESH_VOXEL_U8, 1, 1, 2), *r = NULL;
    u8(m)[vidx(m, 4, 4, 4)] = 1;
    tmesh_seg_morph_opts o = {TMESH_SEG_DILATE, 2.0, 0};
    assert_int_equal(tmesh_seg_morph(&r, m, &o, NULL), TMESH_OK);
    assert_int_equal(count_nonzero(r), 15);
    tmesh_volume_free(r);
    /* the volume border is neither foreground nor background: a full volume erodes to itself,
     * and a slab touching the border is eroded from its free faces only */
    tmesh_volume *full = make_vol(6, 6, 6, TMESH_VOXEL_U8, 1, 1, 1);
    memset(full->data, 1, 216);
    o.op = TMESH_SEG_ERODE;
    o.radius = 1.5;
    assert_int_equal(tmesh_seg_morph(&r, full, &o, NULL), TMESH_OK);
    assert_int_equal(count_nonzero(r), 216);
    tmesh_volume_free(r);
    memset(full->data, 0, 216);
    for (size_t k = 0; k < 6; k++)
        for (size_t j = 0; j < 6; j++)
            for (size_t i = 0; i < 3; i++) /* i = 0..2 touches the i = 0 face */
                u8(full)[vidx(full, i, j, k)] = 1;
    o.radius = 1.0;
    assert_int_equal(tmesh_seg_morph(&r, full, &o, NULL), TMESH_OK);
    assert_int_equal(count_nonzero(r), 2 * 36); /* only the i = 2 layer goes */
    tmesh_volume_free(r);
    /* two 3 x 3 plates with a one-voxel gap along i: closing with a 1 mm ball bridges the gap
     * at the centre only (elsewhere a ball fits in the background next to the gap) */
    memset(full->data, 0, 216);
    for (size_t k = 2; k <= 4; k++)
        for (size_t j = 2; j <= 4; j++)
            u8(full)[vidx(full, 1, j, k)] = u8(full)[vidx(full, 3, j, k)] = 1;
    o.op = TMESH_SEG_CLOSE;
    assert_int_equal(tmesh_seg_morph(&r, full, &o, NULL), TMESH_OK);
    assert_int_equal(u8(r)[vidx(r, 2, 3, 3)], 1);
    /* and so does (0,3,3) on the volume face: outside the volume is not background */
    assert_int_equal(u8(r)[vidx(r, 0, 3, 3)], 1);
    assert_int_equal(count_nonzero(r), 18 + 2);
    tmesh_volume_free(r);
    o.op = TMESH_SEG_OPEN; /* one-voxel plates are thinner than the ball: opening removes them */
    assert_int_equal(tmesh_seg_morph(&r, full, &o, NULL), TMESH_OK);
    assert_int_equal(count_nonzero(r), 0);
    tmesh_volume_free(r);
    tmesh_volume_free(full);
    o.op = TMESH_SEG_DILATE;
    tmesh_error err = TMESH_ERROR_INIT;
    o.radius = -1;
    assert_int_equal(tmesh_seg_morph(&r, m, &o, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "radius -1 mm must be in [0, 1000]");
    tmesh_error_clear(&err);
    o.radius = 1;
    o.op = (tmesh_seg_morph_op)7;
    assert_int_equal(tmesh_seg_morph(&r, m, &o, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "op 7");
    tmesh_error_clear(&err);
    /* a degenerate matrix (zero-length column) has no distances */
    m->ijk_to_lps[1][1] = 0.0;
    assert_int_equal(tmesh_seg_morph(&r, m, &o, &err), TMESH_E_ARG); /* op 7 still first */
    tmesh_error_clear(&err);
    o.op = TMESH_SEG_DILATE;
    assert_int_equal(tmesh_seg_morph(&r, m, &o, &err), TMESH_E_DATA);
    ts_assert_error(err, TMESH_E_DATA, "spacing along axis 1 is 0 mm");
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_seg_distance(&r, m, NULL, &err), TMESH_E_DATA);
    ts_assert_error(err, TMESH_E_DATA, "axis 1");
    tmesh_error_clear(&err);
    tmesh_seg_hollow_opts ho = TMESH_SEG_HOLLOW_OPTS_INIT;
    assert_int_equal(tmesh_seg_hollow(&r, m, &ho, &err), TMESH_E_DATA);
    ts_assert_error(err, TMESH_E_DATA, "axis 1");
    tmesh_error_clear(&err);
    tmesh_seg_gaussian_opts go = TMESH_SEG_GAUSSIAN_OPTS_INIT;
    assert_int_equal(tmesh_seg_gaussian(&r, m, &go, &err), TMESH_E_DATA);
    ts_assert_error(err, TMESH_E_DATA, "axis 1");
    tmesh_error_clear(&err);
    double c0[3] = {0, 0, 0};
    assert_int_equal(tmesh_seg_paint_sphere(m, c0, 1.0, 1, &err), TMESH_E_DATA);
    ts_assert_error(err, TMESH_E_DATA, "singular");
    tmesh_error_clear(&err);
    tmesh_volume *f = make_vol(2, 2, 2, TMESH_VOXEL_I16, 1, 1, 1);
    o.op = TMESH_SEG_CLOSE;
    assert_int_equal(tmesh_seg_morph(&r, f, &o, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "mask has voxel type i16");
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_seg_distance(&r, f, NULL, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "mask");
    tmesh_volume_free(f);
    tmesh_volume_free(m);
}

/* ---- hole filling and hollowing ---- */

static tmesh_volume *box_mask(size_t n, size_t lo, size_t hi)
{
    tmesh_volume *m = make_vol(n, n, n, TMESH_VOXEL_U8, 1, 1, 1);
    for (size_t k = lo; k <= hi; k++)
        for (size_t j = lo; j <= hi; j++)
            for (size_t i = lo; i <= hi; i++)
                u8(m)[vidx(m, i, j, k)] = 1;
    return m;
}

static void test_seg_fill__cavities_3d_and_slices_2d(void **state)
{
    (void)state;
    /* a 10^3 cube with a 4^3 cavity: 3D filling restores the full cube */
    tmesh_volume *m = box_mask(16, 3, 12), *r = NULL;
    for (size_t k = 6; k <= 9; k++)
        for (size_t j = 6; j <= 9; j++)
            for (size_t i = 6; i <= 9; i++)
                u8(m)[vidx(m, i, j, k)] = 0;
    assert_int_equal(count_nonzero(m), 1000 - 64);
    tmesh_seg_fill_opts o = TMESH_SEG_FILL_OPTS_INIT;
    assert_int_equal(tmesh_seg_fill_holes(&r, m, &o, NULL), TMESH_OK);
    assert_int_equal(count_nonzero(r), 1000);
    tmesh_volume_free(r);
    /* a diagonal-only gap does not open a cavity (the background floods through faces) */
    u8(m)[vidx(m, 5, 5, 5)] = 0;
    u8(m)[vidx(m, 4, 4, 4)] = 0;
    u8(m)[vidx(m, 3, 3, 3)] = 0;
    assert_int_equal(tmesh_seg_fill_holes(&r, m, &o, NULL), TMESH_OK);
    assert_int_equal(count_nonzero(r), 1000 - 1); /* the corner voxel (3,3,3) is outside */
    tmesh_volume_free(r);
    u8(m)[vidx(m, 5, 5, 5)] = u8(m)[vidx(m, 4, 4, 4)] = u8(m)[vidx(m, 3, 3, 3)] = 1;
    /* drill a tunnel along k through the cube and its cavity: the cavity is open now, and 3D
     * filling keeps it and the tunnel (64 + 6 voxels) */
    for (size_t k = 0; k < 16; k++)
        u8(m)[vidx(m, 7, 7, k)] = 0;
    assert_int_equal(tmesh_seg_fill_holes(&r, m, &o, NULL), TMESH_OK);
    assert_int_equal(count_nonzero(r), 1000 - 64 - 6);
    tmesh_volume_free(r);
    /* per k-slice, every slice's holes are enclosed in 2D: all filled */
    o.per_slice = 1;
    o.threads = 2;
    assert_int_equal(tmesh_seg_fill_holes(&r, m, &o, NULL), TMESH_OK);
    assert_int_equal(count_nonzero(r), 1000);
    tmesh_volume_free(r);
    tmesh_error err = TMESH_ERROR_INIT;
    o.per_slice = 2;
    assert_int_equal(tmesh_seg_fill_holes(&r, m, &o, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "per_slice 2");
    tmesh_volume_free(m);
}

static void test_seg_fill__random_masks_match_reference(void **state)
{
    (void)state;
    const size_t nx = 9, ny = 8, nz = 23, n = nx * ny * nz; /* 6 slabs of 4 slices */
    for (int c = 0; c < 8; c++) {
        tmesh_volume *m = make_vol(nx, ny, nz, TMESH_VOXEL_U8, 1, 1, 1);
        for (size_t i = 0; i < n; i++)
            u8(m)[i] = (uint8_t)(rnd() % 100 < 35u + 5u * (unsigned)c);
        /* reference: breadth-first search of the background from the border, through faces */
        uint8_t *out = calloc(n, 1);
        size_t *queue = malloc(n * sizeof *queue), head = 0, tail = 0;
        for (size_t v = 0; v < n; v++) {
            size_t i = v % nx, j = (v / nx) % ny, k = v / (nx * ny);
            int border = i == 0 || j == 0 || k == 0 || i == nx - 1 || j == ny - 1 || k == nz - 1;
            if (border && !u8(m)[v]) {
                out[v] = 1;
                queue[tail++] = v;
            }
        }
        while (head < tail) {
            size_t v = queue[head++];
            long i = (long)(v % nx), j = (long)((v / nx) % ny), k = (long)(v / (nx * ny));
            const long d[6][3] = {{1, 0, 0},  {-1, 0, 0}, {0, 1, 0},
                                  {0, -1, 0}, {0, 0, 1},  {0, 0, -1}};
            for (int t = 0; t < 6; t++) {
                long x = i + d[t][0], y = j + d[t][1], z = k + d[t][2];
                if (x < 0 || y < 0 || z < 0 || x >= (long)nx || y >= (long)ny || z >= (long)nz)
                    continue;
                size_t u = (size_t)x + nx * ((size_t)y + ny * (size_t)z);
                if (!u8(m)[u] && !out[u]) {
                    out[u] = 1;
                    queue[tail++] = u;
                }
            }
        }
        for (size_t v = 0; v < n; v++)
            out[v] = !out[v];
        const unsigned threads[3] = {1, 2, 7};
        for (int t = 0; t < 3; t++) {
            tmesh_seg_fill_opts o = {0, threads[t]};
            tmesh_volume *r = NULL;
            assert_int_equal(tmesh_seg_fill_holes(&r, m, &o, NULL), TMESH_OK);
            if (memcmp(r->data, out, n) != 0)
                fail_msg("case %d at %u threads differs from the reference", c, threads[t]);
            tmesh_volume_free(r);
        }
        free(queue);
        free(out);
        tmesh_volume_free(m);
    }
}

/* Reference hole filling: BFS of the background from the border through faces. */
static void ref_fill(const tmesh_volume *m, uint8_t *out)
{
    const size_t nx = m->dim[0], ny = m->dim[1], nz = m->dim[2], n = nx * ny * nz;
    size_t *queue = malloc(n * sizeof *queue), head = 0, tail = 0;
    assert_non_null(queue);
    memset(out, 0, n);
    for (size_t v = 0; v < n; v++) {
        size_t i = v % nx, j = (v / nx) % ny, k = v / (nx * ny);
        int border = i == 0 || j == 0 || k == 0 || i == nx - 1 || j == ny - 1 || k == nz - 1;
        if (border && !u8(m)[v]) {
            out[v] = 1;
            queue[tail++] = v;
        }
    }
    while (head < tail) {
        size_t v = queue[head++];
        long i = (long)(v % nx), j = (long)((v / nx) % ny), k = (long)(v / (nx * ny));
        const long d[6][3] = {{1, 0, 0}, {-1, 0, 0}, {0, 1, 0}, {0, -1, 0}, {0, 0, 1}, {0, 0, -1}};
        for (int t = 0; t < 6; t++) {
            long x = i + d[t][0], y = j + d[t][1], z = k + d[t][2];
            if (x < 0 || y < 0 || z < 0 || x >= (long)nx || y >= (long)ny || z >= (long)nz)
                continue;
            size_t u = (size_t)x + nx * ((size_t)y + ny * (size_t)z);
            if (!u8(m)[u] && !out[u]) {
                out[u] = 1;
                queue[tail++] = u;
            }
        }
    }
    for (size_t v = 0; v < n; v++)
        out[v] = !out[v];
    free(queue);
}

static void test_seg_fill__blobby_masks_match_reference(void **state)
{
    (void)state;
    for (int c = 0; c < 12; c++) {
        tmesh_volume *m = make_vol(60, 6, 6, TMESH_VOXEL_U8, 1, 1, 1);
        blob_mask(m, 1 + c % 4);
        size_t n = tmesh_volume_count(m), filled = 0;
        uint8_t *want = malloc(n);
        assert_non_null(want);
        ref_fill(m, want);
        for (size_t v = 0; v < n; v++)
            filled += want[v] && !u8(m)[v];
        const unsigned threads[3] = {1, 2, 7};
        for (int t = 0; t < 3; t++) {
            tmesh_seg_fill_opts o = {0, threads[t]};
            tmesh_volume *r = NULL;
            assert_int_equal(tmesh_seg_fill_holes(&r, m, &o, NULL), TMESH_OK);
            if (memcmp(r->data, want, n) != 0)
                fail_msg("case %d (%zu voxels filled) at %u threads differs from the reference", c,
                         filled, threads[t]);
            tmesh_volume_free(r);
        }
        free(want);
        tmesh_volume_free(m);
    }
}

static void test_seg_hollow__inside_outside_medial(void **state)
{
    (void)state;
    tmesh_volume *m = box_mask(20, 5, 14), *r = NULL; /* 10^3 on 1 mm voxels */
    tmesh_seg_hollow_opts o = {1.0, TMESH_SEG_SHELL_INSIDE, 0};
    assert_int_equal(tmesh_seg_hollow(&r, m, &o, NULL), TMESH_OK);
    assert_int_equal(count_nonzero(r), 1000 - 512); /* erosion by 1 mm leaves 8^3 */
    assert_int_equal(u8(r)[vidx(r, 5, 9, 9)], 1);
    assert_int_equal(u8(r)[vidx(r, 9, 9, 9)], 0);
    tmesh_volume_free(r);
    o.side = TMESH_SEG_SHELL_OUTSIDE; /* dilation by 1 mm adds the six face layers */
    assert_int_equal(tmesh_seg_hollow(&r, m, &o, NULL), TMESH_OK);
    assert_int_equal(count_nonzero(r), 600);
    tmesh_volume_free(r);
    o.side = TMESH_SEG_SHELL_MEDIAL;
    o.thickness = 2.0;
    assert_int_equal(tmesh_seg_hollow(&r, m, &o, NULL), TMESH_OK);
    assert_int_equal(count_nonzero(r), 1600 - 512);
    tmesh_volume_free(r);
    tmesh_error err = TMESH_ERROR_INIT;
    o.thickness = 0;
    assert_int_equal(tmesh_seg_hollow(&r, m, &o, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "thickness 0");
    tmesh_error_clear(&err);
    o.thickness = 1;
    o.side = (tmesh_seg_shell_side)5;
    assert_int_equal(tmesh_seg_hollow(&r, m, &o, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "side 5");
    tmesh_volume_free(m);
}

/* ---- editing and algebra ---- */

static void test_seg_edit__paint_erase_crop(void **state)
{
    (void)state;
    tmesh_volume *m = make_vol(15, 15, 15, TMESH_VOXEL_U8, 1, 1, 1);
    tmesh_error err = TMESH_ERROR_INIT;
    double c[3] = {-10 + 7, 5 + 7, 100 + 7};
    /* integer points with i^2 + j^2 + k^2 <= 9: 123 */
    assert_int_equal(tmesh_seg_paint_sphere(m, c, 3.0, 1, &err), TMESH_OK);
    assert_int_equal(count_nonzero(m), 123);
    double lo[3] = {-10 + 7, 5 + 7, 100 + 7}, hi[3] = {-10 + 14, 5 + 14, 100 + 14};
    assert_int_equal(tmesh_seg_paint_box(m, lo, hi, 0, &err), TMESH_OK); /* erase one octant */
    /* the octant i, j, k >= 0 of the ball: 1 + 3*3 (axes) + 3*(points with two
     * positive coords) + ... = count directly */
    size_t oct = 0;
    for (int k = 0; k <= 3; k++)
        for (int j = 0; j <= 3; j++)
            for (int i = 0; i <= 3; i++)
                oct += i * i + j * j + k * k <= 9;
    assert_int_equal(count_nonzero(m), 123 - oct);
    double blo[3] = {-10 + 0, 5 + 0, 100 + 0}, bhi[3] = {-10 + 1, 5 + 2, 100 + 3};
    assert_int_equal(tmesh_seg_paint_box(m, bhi, blo, 1, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "min_lps[0] -9 is above max_lps[0] -10");
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_seg_paint_box(m, blo, bhi, 1, &err), TMESH_OK);
    assert_int_equal(count_nonzero(m), 123 - oct + 24);
    /* crop to the box: only the painted box survives */
    assert_int_equal(tmesh_seg_crop(m, blo, bhi, &err), TMESH_OK);
    assert_int_equal(count_nonzero(m), 24);
    assert_int_equal(tmesh_seg_paint_sphere(m, c, 2.0, 256, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "value 256");
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_seg_paint_sphere(m, c, -1.0, 1, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "radius -1");
    tmesh_error_clear(&err);
    double far[3] = {500, 500, 500};
    assert_int_equal(tmesh_seg_paint_sphere(m, far, 2.0, 1, &err), TMESH_OK);
    assert_int_equal(count_nonzero(m), 24);
    double nanbox[3] = {NAN, 0, 0};
    assert_int_equal(tmesh_seg_crop(m, nanbox, bhi, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "min_lps/max_lps");
    tmesh_volume_free(m);
}

static void test_seg_algebra__union_intersect_subtract_invert(void **state)
{
    (void)state;
    tmesh_volume *a = box_mask(10, 0, 4), *b = box_mask(10, 3, 7), *r = NULL;
    tmesh_error err = TMESH_ERROR_INIT;
    /* a: 125, b: 125, overlap 2^3 = 8 */
    assert_int_equal(tmesh_seg_combine(&r, a, b, TMESH_SEG_UNION, &err), TMESH_OK);
    assert_int_equal(count_nonzero(r), 242);
    tmesh_volume_free(r);
    assert_int_equal(tmesh_seg_combine(&r, a, b, TMESH_SEG_INTERSECT, &err), TMESH_OK);
    assert_int_equal(count_nonzero(r), 8);
    tmesh_volume_free(r);
    assert_int_equal(tmesh_seg_combine(&r, a, b, TMESH_SEG_SUBTRACT, &err), TMESH_OK);
    assert_int_equal(count_nonzero(r), 117);
    tmesh_volume_free(r);
    assert_int_equal(tmesh_seg_combine(&r, a, NULL, TMESH_SEG_INVERT, &err), TMESH_OK);
    assert_int_equal(count_nonzero(r), 875);
    tmesh_volume_free(r);
    b->ijk_to_lps[0][3] += 0.5;
    assert_int_equal(tmesh_seg_combine(&r, a, b, TMESH_SEG_UNION, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "a and b have different ijk_to_lps");
    tmesh_error_clear(&err);
    tmesh_volume *c = box_mask(9, 0, 4);
    assert_int_equal(tmesh_seg_combine(&r, a, c, TMESH_SEG_UNION, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "a is 10 x 10 x 10 but b is 9 x 9 x 9");
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_seg_combine(&r, a, c, (tmesh_seg_set_op)8, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "op 8");
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_seg_combine(&r, a, NULL, TMESH_SEG_SUBTRACT, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "b is missing");
    tmesh_volume_free(c);
    tmesh_volume_free(a);
    tmesh_volume_free(b);
}

static void test_seg_labels__table_assign_and_stats(void **state)
{
    (void)state;
    tmesh_seg_labels t = TMESH_SEG_LABELS_INIT;
    tmesh_error err = TMESH_ERROR_INIT;
    const uint8_t red[3] = {255, 0, 0};
    assert_int_equal(tmesh_seg_labels_set(&t, 7, "liver", red, &err), TMESH_OK);
    assert_int_equal(tmesh_seg_labels_set(&t, 2, "bone", NULL, &err), TMESH_OK);
    assert_int_equal(tmesh_seg_labels_set(&t, 7, "liver-left", NULL, &err), TMESH_OK);
    assert_int_equal(t.count, 2);
    assert_int_equal(t.items[0].value, 2);
    assert_string_equal(tmesh_seg_labels_find(&t, 7)->name, "liver-left");
    assert_null(tmesh_seg_labels_find(&t, 3));
    assert_int_equal(tmesh_seg_labels_set(&t, 0, "x", NULL, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "value 0");
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_seg_labels_set(&t, 3, "bad\"name", NULL, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "name");
    tmesh_seg_labels_clear(&t);
    tmesh_seg_labels_clear(NULL);
    assert_int_equal(t.count, 0);

    tmesh_volume *lab = make_vol(10, 10, 10, TMESH_VOXEL_U16, 0.5, 0.5, 2.0); /* 0.5 mm^3 */
    tmesh_volume *a = box_mask(10, 0, 4), *b = box_mask(10, 3, 7);
    memcpy(a->ijk_to_lps, lab->ijk_to_lps, sizeof lab->ijk_to_lps);
    memcpy(b->ijk_to_lps, lab->ijk_to_lps, sizeof lab->ijk_to_lps);
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_seg_label_assign(lab, a, 3, &err), TMESH_OK);
    assert_int_equal(tmesh_seg_label_assign(lab, b, 1000, &err), TMESH_OK);
    tmesh_seg_label_stat *st = NULL;
    size_t n = 0;
    assert_int_equal(tmesh_seg_label_stats(&st, &n, lab, &err), TMESH_OK);
    assert_int_equal(n, 2);
    assert_int_equal(st[0].value, 3);
    assert_int_equal(st[0].voxels, 117);
    assert_true(fabs(st[0].volume_ml - 117 * 0.5 / 1000.0) < 1e-12);
    assert_int_equal(st[1].value, 1000);
    assert_int_equal(st[1].voxels, 125);
    free(st);
    assert_int_equal(tmesh_seg_label_assign(a, b, 3, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "labels has voxel type u8");
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_seg_label_assign(lab, b, 0, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "value 0");
    tmesh_error_clear(&err);
    tmesh_volume *f = make_vol(2, 2, 2, TMESH_VOXEL_F32, 1, 1, 1);
    assert_int_equal(tmesh_seg_label_stats(&st, &n, f, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "labels has voxel type f32");
    tmesh_volume_free(f);
    tmesh_volume_free(a);
    tmesh_volume_free(b);
    tmesh_volume_free(lab);
}

static void test_seg_errors__remaining_fields_are_named(void **state)
{
    (void)state;
    tmesh_error err = TMESH_ERROR_INIT;
    tmesh_volume *f = make_vol(4, 4, 4, TMESH_VOXEL_F32, 1, 1, 1), *r = NULL;
    tmesh_volume *m = make_vol(4, 4, 4, TMESH_VOXEL_U8, 1, 1, 1);
    tmesh_volume *lab = make_vol(4, 4, 4, TMESH_VOXEL_U16, 1, 1, 1);
    /* a mask of the wrong type is named */
    assert_int_equal(tmesh_seg_fill_holes(&r, f, NULL, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "mask has voxel type f32");
    tmesh_error_clear(&err);
    double lo[3] = {0, 0, 0}, hi[3] = {1, 1, 1};
    assert_int_equal(tmesh_seg_crop(f, lo, hi, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "labels has voxel type f32");
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_seg_combine(&r, m, f, TMESH_SEG_UNION, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "b has voxel type f32");
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_seg_hollow(&r, f, NULL, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "mask has voxel type f32");
    tmesh_error_clear(&err);
    /* paint: the value must fit the type, the centre must be finite */
    assert_int_equal(tmesh_seg_paint_box(m, lo, hi, 300, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "value 300 does not fit a u8");
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_seg_paint_box(lab, lo, hi, 300, &err), TMESH_OK);
    double bad[3] = {0, INFINITY, 0};
    assert_int_equal(tmesh_seg_paint_sphere(m, bad, 1.0, 1, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "center_lps[1]");
    tmesh_error_clear(&err);
    /* label_assign needs the same grid */
    tmesh_volume *m5 = make_vol(5, 4, 4, TMESH_VOXEL_U8, 1, 1, 1);
    assert_int_equal(tmesh_seg_label_assign(lab, m5, 2, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "labels is 4 x 4 x 4 but mask is 5 x 4 x 4");
    tmesh_error_clear(&err);
    /* confidence: iterations, connectivity and seeds */
    tmesh_seg_seed s = {{1, 1, 1}, TMESH_SEG_FRAME_VOXEL};
    tmesh_seg_confidence_opts co = TMESH_SEG_CONFIDENCE_OPTS_INIT;
    co.iterations = 101;
    assert_int_equal(tmesh_seg_grow_confidence(&r, NULL, NULL, f, &s, 1, &co, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "iterations 101");
    tmesh_error_clear(&err);
    co.iterations = 1;
    co.connectivity = 5;
    assert_int_equal(tmesh_seg_grow_confidence(&r, NULL, NULL, f, &s, 1, &co, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "connectivity 5");
    tmesh_error_clear(&err);
    co.connectivity = 6;
    assert_int_equal(tmesh_seg_grow_confidence(&r, NULL, NULL, f, NULL, 0, &co, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "seeds");
    tmesh_error_clear(&err);
    s.pos[0] = -1;
    assert_int_equal(tmesh_seg_grow_confidence(&r, NULL, NULL, f, &s, 1, &co, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "seed 1 (voxel -1, 1, 1) lies outside");
    tmesh_volume_free(m5);
    tmesh_volume_free(lab);
    tmesh_volume_free(m);
    tmesh_volume_free(f);
}

/* ---- filters ---- */

static void test_seg_filter__gaussian_and_median(void **state)
{
    (void)state;
    tmesh_volume *img = make_vol(21, 21, 21, TMESH_VOXEL_I16, 1.0, 1.0, 2.0), *g = NULL;
    int16_t *d = img->data;
    d[vidx(img, 10, 10, 10)] = 1000; /* an impulse far from the border */
    tmesh_seg_gaussian_opts go = {1.5, 0};
    tmesh_error err = TMESH_ERROR_INIT;
    assert_int_equal(tmesh_seg_gaussian(&g, img, &go, &err), TMESH_OK);
    assert_int_equal(g->type, TMESH_VOXEL_F32);
    double sum = 0;
    const float *gf = g->data;
    for (size_t i = 0; i < tmesh_volume_count(g); i++)
        sum += gf[i];
    assert_true(fabs(sum - 1000.0) < 1e-2); /* normalised kernels keep the mass */
    assert_true(gf[vidx(g, 10, 10, 10)] < 1000.0f && gf[vidx(g, 10, 10, 10)] > 20.0f);
    /* symmetric along i and j (equal spacing), narrower in voxels along k (2 mm) */
    assert_true(fabs(gf[vidx(g, 11, 10, 10)] - gf[vidx(g, 10, 11, 10)]) < 1e-3);
    assert_true(gf[vidx(g, 10, 10, 11)] < gf[vidx(g, 11, 10, 10)]);
    tmesh_volume_free(g);
    /* a NaN sample spreads to its kernel's reach and no farther (sigma 1.5 mm: 5 voxels along i,
     * 3 along k) */
    tmesh_volume *fimg = make_vol(21, 21, 21, TMESH_VOXEL_F32, 1.0, 1.0, 2.0);
    ((float *)fimg->data)[vidx(fimg, 10, 10, 10)] = (float)NAN;
    assert_int_equal(tmesh_seg_gaussian(&g, fimg, &go, &err), TMESH_OK);
    assert_true(isnan(((float *)g->data)[vidx(g, 15, 10, 10)]));
    assert_true(isnan(((float *)g->data)[vidx(g, 10, 10, 13)]));
    assert_true(((float *)g->data)[vidx(g, 16, 10, 10)] == 0.0f);
    assert_true(((float *)g->data)[vidx(g, 10, 10, 14)] == 0.0f);
    tmesh_volume_free(g);
    tmesh_volume_free(fimg);
    go.sigma = 0;
    assert_int_equal(tmesh_seg_gaussian(&g, img, &go, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "sigma 0");
    tmesh_error_clear(&err);
    /* median removes the impulse and keeps a constant region */
    tmesh_seg_median_opts mo = {1, 0};
    assert_int_equal(tmesh_seg_median(&g, img, &mo, &err), TMESH_OK);
    assert_int_equal(g->type, TMESH_VOXEL_I16);
    assert_int_equal(count_nonzero(g), 0);
    tmesh_volume_free(g);
    mo.radius_vox = 6;
    assert_int_equal(tmesh_seg_median(&g, img, &mo, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "radius_vox 6");
    tmesh_volume_free(img);
    /* the median of a step edge keeps the edge */
    img = make_vol(6, 6, 6, TMESH_VOXEL_F32, 1, 1, 1);
    for (size_t i = 0; i < 216; i++)
        ((float *)img->data)[i] = (float)(i % 6 >= 3 ? 10 : -10);
    mo.radius_vox = 1;
    assert_int_equal(tmesh_seg_median(&g, img, &mo, &err), TMESH_OK);
    assert_memory_equal(g->data, img->data, 216 * sizeof(float));
    tmesh_volume_free(g);
    tmesh_volume_free(img);
}

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return a < b ? -1 : (a > b ? 1 : 0);
}

static void test_seg_filter__median_equals_sorted_reference(void **state)
{
    (void)state;
    for (int c = 0; c < 6; c++) {
        const tmesh_voxel_type types[6] = {TMESH_VOXEL_I16, TMESH_VOXEL_I16, TMESH_VOXEL_F32,
                                           TMESH_VOXEL_U16, TMESH_VOXEL_U8,  TMESH_VOXEL_I16};
        tmesh_voxel_type type = types[c];
        tmesh_volume *img = make_vol(9, 8, 7, type, 1, 1, 1), *res = NULL;
        size_t n = tmesh_volume_count(img);
        for (size_t i = 0; i < n; i++) {
            int v = (int)(rnd() % 400) - 200;
            if (c == 5) /* extremes: the full I16 range, clustered at both ends */
                v = rnd() % 2 ? -32768 + (int)(rnd() % 3) : 32767 - (int)(rnd() % 3);
            if (type == TMESH_VOXEL_I16)
                ((int16_t *)img->data)[i] = (int16_t)v;
            else if (type == TMESH_VOXEL_U16)
                ((uint16_t *)img->data)[i] = (uint16_t)(v + 200 + (int)(rnd() % 3) * 20000);
            else if (type == TMESH_VOXEL_U8)
                ((uint8_t *)img->data)[i] = (uint8_t)(v + 200 < 256 ? v + 200 : 255);
            else
                ((float *)img->data)[i] = rnd() % 7 == 0 ? (float)NAN : (float)v * 0.25f;
        }
        long r = c == 1 || c == 4 ? 2 : 1;
        tmesh_seg_median_opts mo = {(unsigned)r, 2};
        assert_int_equal(tmesh_seg_median(&res, img, &mo, NULL), TMESH_OK);
        double buf[125];
        for (long k = 0; k < 7; k++)
            for (long j = 0; j < 8; j++)
                for (long i = 0; i < 9; i++) {
                    size_t cnt = 0;
                    for (long z = k - r; z <= k + r; z++)
                        for (long y = j - r; y <= j + r; y++)
                            for (long x = i - r; x <= i + r; x++) {
                                if (x < 0 || y < 0 || z < 0 || x >= 9 || y >= 8 || z >= 7)
                                    continue;
                                double v = tmesh_volume_get(img, (size_t)x, (size_t)y, (size_t)z);
                                if (!isnan(v))
                                    buf[cnt++] = v;
                            }
                    qsort(buf, cnt, sizeof buf[0], cmp_double);
                    double want = buf[(cnt - 1) / 2];
                    double got = tmesh_volume_get(res, (size_t)i, (size_t)j, (size_t)k);
                    if (got != want)
                        fail_msg("case %d voxel %ld,%ld,%ld: median %g, reference %g", c, i, j, k,
                                 got, want);
                }
        tmesh_volume_free(res);
        tmesh_volume_free(img);
    }
}

static void test_seg_smooth__removes_spikes_keeps_body(void **state)
{
    (void)state;
    tmesh_volume *m = box_mask(20, 5, 14), *r = NULL; /* 10^3 cube */
    u8(m)[vidx(m, 15, 9, 9)] = 1;                     /* a one-voxel spike on a face */
    u8(m)[vidx(m, 2, 2, 2)] = 1;                      /* and a lone voxel */
    u8(m)[vidx(m, 5, 9, 9)] = 0;                      /* a one-voxel notch */
    tmesh_seg_smooth_opts o = {1.0, 2};
    tmesh_error err = TMESH_ERROR_INIT;
    assert_int_equal(tmesh_seg_smooth(&r, m, &o, &err), TMESH_OK);
    assert_int_equal(u8(r)[vidx(r, 15, 9, 9)], 0);
    assert_int_equal(u8(r)[vidx(r, 2, 2, 2)], 0);
    assert_int_equal(u8(r)[vidx(r, 5, 9, 9)], 1);
    assert_int_equal(u8(r)[vidx(r, 9, 9, 9)], 1);
    /* at an edge the smoothed indicator is about Phi(0.5)^2 = 0.48 < 0.5: the 12 edges (8 voxels
     * each) and 8 corners round off, the faces stay: 1000 - 96 - 8 */
    assert_int_equal(u8(r)[vidx(r, 5, 5, 9)], 0);
    assert_int_equal(u8(r)[vidx(r, 5, 8, 8)], 1);
    assert_int_equal(count_nonzero(r), 896);
    tmesh_volume_free(r);
    o.sigma = -1;
    assert_int_equal(tmesh_seg_smooth(&r, m, &o, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "sigma -1 mm");
    tmesh_volume_free(m);
}

/* ---- determinism across thread counts ---- */

static void test_seg_determinism__threads_1_2_7(void **state)
{
    (void)state;
    tmesh_volume *img = make_vol(37, 29, 23, TMESH_VOXEL_I16, 0.8, 0.8, 1.7);
    int16_t *d = img->data;
    for (size_t i = 0; i < tmesh_volume_count(img); i++)
        d[i] = (int16_t)((int)(rnd() % 2000) - 1000);
    const unsigned threads[3] = {1, 2, 7};
    char first[10][130];
    for (int t = 0; t < 3; t++) {
        char h[10][130];
        tmesh_volume *m = NULL, *r = NULL;
        tmesh_seg_threshold_opts to = {-200, 400, threads[t]};
        assert_int_equal(tmesh_seg_threshold(&m, img, &to, NULL), TMESH_OK);
        hash_vol(m, h[0]);
        tmesh_seg_morph_opts mo = {TMESH_SEG_CLOSE, 2.5, threads[t]};
        assert_int_equal(tmesh_seg_morph(&r, m, &mo, NULL), TMESH_OK);
        hash_vol(r, h[1]);
        tmesh_volume_free(r);
        tmesh_seg_distance_opts dopt = {threads[t]};
        assert_int_equal(tmesh_seg_distance(&r, m, &dopt, NULL), TMESH_OK);
        hash_vol(r, h[2]);
        tmesh_volume_free(r);
        tmesh_seg_fill_opts fo = {1, threads[t]};
        assert_int_equal(tmesh_seg_fill_holes(&r, m, &fo, NULL), TMESH_OK);
        hash_vol(r, h[3]);
        tmesh_volume_free(r);
        fo.per_slice = 0; /* 3D: slab floods in rounds */
        assert_int_equal(tmesh_seg_fill_holes(&r, m, &fo, NULL), TMESH_OK);
        char h3d[65];
        hash_vol(r, h3d);
        tmesh_volume_free(r);
        strcat(h[3], h3d);
        tmesh_seg_gaussian_opts go = {1.2, threads[t]};
        assert_int_equal(tmesh_seg_gaussian(&r, img, &go, NULL), TMESH_OK);
        hash_vol(r, h[4]);
        tmesh_volume_free(r);
        tmesh_seg_median_opts meo = {1, threads[t]};
        assert_int_equal(tmesh_seg_median(&r, img, &meo, NULL), TMESH_OK);
        hash_vol(r, h[5]);
        tmesh_volume_free(r);
        tmesh_seg_hollow_opts ho = {1.5, TMESH_SEG_SHELL_MEDIAL, threads[t]};
        assert_int_equal(tmesh_seg_hollow(&r, m, &ho, NULL), TMESH_OK);
        hash_vol(r, h[6]);
        tmesh_volume_free(r);
        double ot = 0;
        tmesh_seg_otsu_opts oo = {64, threads[t]};
        assert_int_equal(tmesh_seg_otsu(&ot, img, &oo, NULL), TMESH_OK);
        snprintf(h[7], sizeof h[7], "%a", ot);
        tmesh_seg_grow_opts gro = {-200, 400, 26, threads[t]};
        tmesh_seg_seed s = {{0, 0, 0}, TMESH_SEG_FRAME_VOXEL};
        for (size_t i = 0; i < tmesh_volume_count(m); i++)
            if (u8(m)[i]) {
                s.pos[0] = (double)(i % 37);
                s.pos[1] = (double)((i / 37) % 29);
                s.pos[2] = (double)(i / (37 * 29));
                break;
            }
        assert_int_equal(tmesh_seg_grow(&r, img, &s, 1, &gro, NULL), TMESH_OK);
        hash_vol(r, h[8]);
        tmesh_volume_free(r);
        tmesh_seg_components_opts co = TMESH_SEG_COMPONENTS_OPTS_INIT;
        co.mode = TMESH_SEG_CC_LABEL_ALL;
        co.connectivity = 6;
        co.threads = threads[t];
        assert_int_equal(tmesh_seg_components(&r, NULL, m, &co, NULL), TMESH_OK);
        hash_vol(r, h[9]);
        tmesh_volume_free(r);
        tmesh_volume_free(m);
        for (int k = 0; k < 10; k++) {
            if (t == 0)
                strcpy(first[k], h[k]);
            else if (strcmp(first[k], h[k]) != 0)
                fail_msg("kernel %d differs at %u threads", k, threads[t]);
        }
    }
    tmesh_volume_free(img);
}

/* ---- recipes ---- */

static void test_seg_recipe__canonical_form_and_text_round_trip(void **state)
{
    (void)state;
    tmesh_seg_recipe *r = NULL;
    tmesh_error err = TMESH_ERROR_INIT;
    assert_int_equal(tmesh_seg_recipe_new(&r, &err), TMESH_OK);
    const char *tok[] = {"--gaussian",
                         "0.5",
                         "--preset",
                         "bone",
                         "--seed",
                         "1.25,-2,+3",
                         "--keep-seeded",
                         "--connectivity",
                         "6",
                         "--remove-islands",
                         "10.0000004",
                         "--close",
                         "1.5",
                         "--fill-holes",
                         "--label",
                         "2",
                         "bone:F1D691"};
    assert_int_equal(
        tmesh_seg_recipe_parse_args(r, sizeof tok / sizeof tok[0], tok, "command line", &err),
        TMESH_OK);
    assert_int_equal(tmesh_seg_recipe_count(r), 7);
    char *canon = NULL;
    assert_int_equal(tmesh_seg_recipe_canonical(&canon, r, &err), TMESH_OK);
    assert_string_equal(canon,
                        "{\"format\":\"tracemesh.segment.recipe\",\"ops\":["
                        "{\"op\":\"gaussian\",\"sigma_mm\":0.5},"
                        "{\"lower\":226,\"name\":\"bone\",\"op\":\"preset\",\"upper\":32767},"
                        "{\"connectivity\":26,\"op\":\"keep-seeded\",\"seeds\":[{\"frame\":\"lps\","
                        "\"pos\":[1.25,-2,3]}]},"
                        "{\"connectivity\":6,\"min_volume_mm3\":10,\"op\":\"remove-islands\"},"
                        "{\"op\":\"close\",\"radius_mm\":1.5},"
                        "{\"op\":\"fill-holes\"},"
                        "{\"color\":\"f1d691\",\"name\":\"bone\",\"op\":\"label\",\"value\":2}"
                        "],\"version\":1}");
    /* the recipe text parses back to the same record */
    char *text = NULL;
    assert_int_equal(tmesh_seg_recipe_text(&text, r, &err), TMESH_OK);
    assert_string_equal(text, "gaussian 0.5\npreset bone\nseed 1.25,-2,3\nkeep-seeded\n"
                              "connectivity 6\nremove-islands 10\nclose 1.5\nfill-holes\n"
                              "label 2 bone:f1d691\n");
    tmesh_seg_recipe *r2 = NULL;
    assert_int_equal(tmesh_seg_recipe_new(&r2, &err), TMESH_OK);
    assert_int_equal(tmesh_seg_recipe_parse_text(r2, text, "text", &err), TMESH_OK);
    char *canon2 = NULL;
    assert_int_equal(tmesh_seg_recipe_canonical(&canon2, r2, &err), TMESH_OK);
    assert_string_equal(canon, canon2);
    free(canon2);
    tmesh_seg_recipe_free(r2);
    /* a file with comments, blank lines and optional dashes */
    char *dir = ts_mkdtemp();
    char *path = ts_path(dir, "bone.recipe");
    const char *file = "# bone model\n\n--gaussian .5\npreset bone   # CT\nseed 1.25,-2.0,3\n"
                       "keep-seeded\nconnectivity 6\nremove-islands 10\nclose 1.50\n"
                       "fill-holes\nlabel 2 bone:f1d691";
    ts_write_file(path, file, strlen(file));
    assert_int_equal(tmesh_seg_recipe_new(&r2, &err), TMESH_OK);
    assert_int_equal(tmesh_seg_recipe_load(r2, path, &err), TMESH_OK);
    assert_int_equal(tmesh_seg_recipe_canonical(&canon2, r2, &err), TMESH_OK);
    assert_string_equal(canon, canon2);
    free(canon2);
    tmesh_seg_recipe_free(r2);
    ts_rmtree(dir);
    free(path);
    free(dir);
    free(text);
    free(canon);
    tmesh_seg_recipe_free(r);
    tmesh_seg_recipe_free(NULL);
}

static void expect_record_error(const char *record, const char *needle)
{
    tmesh_seg_recipe *r = NULL;
    tmesh_error err = TMESH_ERROR_INIT;
    assert_int_equal(tmesh_seg_recipe_new(&r, &err), TMESH_OK);
    assert_int_equal(tmesh_seg_recipe_parse_canonical(r, record, &err), TMESH_E_DATA);
    ts_assert_error(err, TMESH_E_DATA, needle);
    assert_int_equal(tmesh_seg_recipe_count(r), 0);
    tmesh_seg_recipe_free(r);
}

static void test_seg_recipe__record_replays_exactly(void **state)
{
    (void)state;
    double c[3] = {-10 + 10, 5 + 10, 100 + 10};
    tmesh_volume *img = sphere_phantom(21, 21, 12, 1, 1, 2, c, 6.0, 500, 0);
    for (size_t k = 1; k <= 3; k++) /* a second object, survives the median */
        for (size_t j = 1; j <= 3; j++)
            for (size_t i = 1; i <= 3; i++)
                ((int16_t *)img->data)[vidx(img, i, j, k)] = 500;
    tmesh_seg_recipe *r = NULL, *r2 = NULL;
    tmesh_error err = TMESH_ERROR_INIT;
    assert_int_equal(tmesh_seg_recipe_new(&r, &err), TMESH_OK);
    /* two different seed lists, connectivity changes, every argument kind */
    const char *tok[] = {"--median",
                         "1",
                         "--seed-vox",
                         "10,10,5",
                         "--seed",
                         "0,15,110",
                         "--connectivity",
                         "18",
                         "--grow",
                         "100",
                         "1000",
                         "--push",
                         "--clear-seeds",
                         "--seed-vox",
                         "2,2,2",
                         "--threshold",
                         "400",
                         "600",
                         "--keep-seeded",
                         "--union",
                         "--hollow",
                         "1.5",
                         "medial",
                         "--crop",
                         "-20,-20,90",
                         "30,40,140",
                         "--paint-sphere",
                         "0,15,110",
                         "2.25",
                         "--erase-box",
                         "0,0,0",
                         "1,1,1",
                         "--label",
                         "7",
                         "shell:0a0B0c",
                         "--preset",
                         "bone",
                         "--open",
                         "0.5",
                         "--label",
                         "9",
                         "core"};
    assert_int_equal(tmesh_seg_recipe_parse_args(r, sizeof tok / sizeof tok[0], tok, "args", &err),
                     TMESH_OK);
    char *rec = NULL, *rec2 = NULL, *text = NULL;
    assert_int_equal(tmesh_seg_recipe_canonical(&rec, r, &err), TMESH_OK);
    assert_non_null(strstr(rec, "\"seeds\":[{\"frame\":\"voxel\",\"pos\":[2,2,2]}]"));
    assert_int_equal(tmesh_seg_recipe_new(&r2, &err), TMESH_OK);
    assert_int_equal(tmesh_seg_recipe_parse_canonical(r2, rec, &err), TMESH_OK);
    assert_int_equal(tmesh_seg_recipe_canonical(&rec2, r2, &err), TMESH_OK);
    assert_string_equal(rec, rec2);
    free(rec2);
    /* the text form with its clear-seeds line parses back to the same record too */
    assert_int_equal(tmesh_seg_recipe_text(&text, r, &err), TMESH_OK);
    assert_non_null(strstr(text, "threshold 400 600\nclear-seeds\nseed-vox 2,2,2\nkeep-seeded\n"));
    tmesh_seg_recipe *r3 = NULL;
    assert_int_equal(tmesh_seg_recipe_new(&r3, &err), TMESH_OK);
    assert_int_equal(tmesh_seg_recipe_parse_text(r3, text, "text", &err), TMESH_OK);
    assert_int_equal(tmesh_seg_recipe_canonical(&rec2, r3, &err), TMESH_OK);
    assert_string_equal(rec, rec2);
    free(rec2);
    /* and the replay makes the same bytes */
    tmesh_volume *a = NULL, *b = NULL;
    tmesh_seg_labels ta = TMESH_SEG_LABELS_INIT, tb = TMESH_SEG_LABELS_INIT;
    if (tmesh_seg_recipe_run(&a, &ta, img, r, NULL, &err) != TMESH_OK ||
        tmesh_seg_recipe_run(&b, &tb, img, r2, NULL, &err) != TMESH_OK)
        fail_msg("replay failed: %s", err.msg);
    assert_int_equal(a->type, TMESH_VOXEL_U16);
    assert_memory_equal(a->data, b->data, tmesh_volume_count(a) * 2);
    assert_int_equal(ta.count, 2);
    assert_int_equal(tb.count, 2);
    assert_memory_equal(ta.items, tb.items, 2 * sizeof ta.items[0]);
    assert_int_equal(ta.items[0].rgb[1], 11);
    /* a record cannot go into a recipe that already holds operations */
    assert_int_equal(tmesh_seg_recipe_parse_canonical(r2, rec, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "must be empty");
    tmesh_seg_labels_clear(&ta);
    tmesh_seg_labels_clear(&tb);
    tmesh_volume_free(a);
    tmesh_volume_free(b);
    tmesh_seg_recipe_free(r3);
    tmesh_seg_recipe_free(r2);
    tmesh_seg_recipe_free(r);
    free(text);
    free(rec);
    tmesh_volume_free(img);

    expect_record_error("{\"ops\":[]}", "not a tracemesh segment recipe record");
    expect_record_error(
        "{\"format\":\"tracemesh.segment.recipe\",\"ops\":[{\"op\":\"frobnicate\"}],"
        "\"version\":1}",
        "operation 1: unknown operation");
    expect_record_error("{\"format\":\"tracemesh.segment.recipe\",\"ops\":[{\"op\":\"fill-holes\"},"
                        "{\"op\":\"close\"}],\"version\":1}",
                        "operation 2: missing \"radius_mm\"");
    expect_record_error("{\"format\":\"tracemesh.segment.recipe\",\"ops\":[{\"op\":\"close\","
                        "\"radius_mm\":1.50}],\"version\":1}",
                        "not in canonical form");
    expect_record_error("{\"format\":\"tracemesh.segment.recipe\",\"ops\":[{\"op\":\"close\","
                        "\"radius_mm\":-1}],\"version\":1}",
                        "operation 1 (close): radius -1 mm");
    expect_record_error("{\"format\":\"tracemesh.segment.recipe\",\"ops\":[],\"version\":2}",
                        "unsupported version");
}

static void expect_parse_error(const char *const *tok, size_t n, const char *needle)
{
    tmesh_seg_recipe *r = NULL;
    tmesh_error err = TMESH_ERROR_INIT;
    assert_int_equal(tmesh_seg_recipe_new(&r, &err), TMESH_OK);
    assert_int_equal(tmesh_seg_recipe_parse_args(r, n, tok, "command line", &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, needle);
    assert_int_equal(tmesh_seg_recipe_count(r), 0);
    tmesh_seg_recipe_free(r);
}

static void test_seg_recipe__parse_errors_name_the_token(void **state)
{
    (void)state;
    const char *t1[] = {"--preset", "bone", "--frobnicate"};
    expect_parse_error(t1, 3, "command line: argument 3: unknown operation '--frobnicate'");
    const char *t2[] = {"--threshold", "100"};
    expect_parse_error(t2, 2, "argument 1 (threshold): needs 2 arguments (LO HI), found 1");
    const char *t3[] = {"--close", "1e3"};
    expect_parse_error(t3, 2, "(close): '1e3' is not a plain decimal number");
    const char *t4[] = {"--preset", "bones"};
    expect_parse_error(t4, 2, "(preset): unknown preset 'bones'");
    const char *t5[] = {"--grow", "100", "200"};
    expect_parse_error(t5, 3, "(grow): needs a seed before it");
    const char *t6[] = {"--close", "-1"};
    expect_parse_error(t6, 2, "(close): radius -1 mm must be in [0, 1000]");
    const char *t7[] = {"--keep", "2.5"};
    expect_parse_error(t7, 2, "(keep): '2.5' must be a whole number");
    const char *t8[] = {"--threshold", "300", "100"};
    expect_parse_error(t8, 3, "(threshold): lower 300 is above upper 100");
    const char *t9[] = {"bone"};
    expect_parse_error(t9, 1, "expected an operation such as --preset, found 'bone'");
    const char *t10[] = {"--hollow", "2", "middle"};
    expect_parse_error(t10, 3, "(hollow): side 'middle'");
    const char *t11[] = {"--seed", "1,2"};
    expect_parse_error(t11, 2, "(seed): point '1,2' must be three numbers");
    const char *t12[] = {"--label", "70000", "x"};
    expect_parse_error(t12, 3, "(label): value 70000 must be 1 to 65535");
    const char *t13[] = {"--label", "2", "bone:f1d6"};
    expect_parse_error(t13, 3, "(label): colour 'f1d6'");
    const char *t14[] = {"--connectivity", "8"};
    expect_parse_error(t14, 2, "(connectivity): 8 must be 6, 18 or 26");
    const char *t15[] = {"--gaussian", "200"};
    expect_parse_error(t15, 2, "(gaussian): sigma 200 mm");
    const char *t16[] = {"--dilate", "99999999999"};
    expect_parse_error(t16, 2, "(dilate): value '99999999999' is out of range");

    tmesh_seg_recipe *r = NULL;
    tmesh_error err = TMESH_ERROR_INIT;
    assert_int_equal(tmesh_seg_recipe_new(&r, &err), TMESH_OK);
    assert_int_equal(tmesh_seg_recipe_parse_text(r, "preset bone\n\nclose 1 2\n", "x.recipe", &err),
                     TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "x.recipe:3 (close): needs 1 argument (RADIUS_MM), found 2");
    assert_int_equal(tmesh_seg_recipe_count(r), 0); /* unchanged on failure */
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_seg_recipe_load(r, "/nonexistent/dir/a.recipe", &err), TMESH_E_NOTFOUND);
    ts_assert_error(err, TMESH_E_NOTFOUND, "/nonexistent/dir/a.recipe");
    tmesh_error_clear(&err);
    char *dir = ts_mkdtemp();
    assert_int_equal(tmesh_seg_recipe_load(r, dir, &err), TMESH_E_IO); /* a folder */
    ts_assert_error(err, TMESH_E_IO, dir);
    ts_rmtree(dir);
    free(dir);
    tmesh_seg_recipe_free(r);
}

static void test_seg_recipe__run_matches_direct_calls(void **state)
{
    (void)state;
    double c[3] = {-10 + 0.8 * 15, 5 + 0.8 * 15, 100 + 1.5 * 8};
    tmesh_volume *img = sphere_phantom(30, 30, 16, 0.8, 0.8, 1.5, c, 7.0, 700, -50);
    int16_t *d = img->data;
    d[vidx(img, 2, 2, 2)] = 700;    /* an island */
    for (size_t k = 6; k <= 9; k++) /* an enclosed cavity */
        d[vidx(img, 15, 15, k)] = 0;
    tmesh_seg_recipe *r = NULL;
    tmesh_error err = TMESH_ERROR_INIT;
    assert_int_equal(tmesh_seg_recipe_new(&r, &err), TMESH_OK);
    const char *tok[] = {"--preset", "bone", "--keep-largest", "--close", "2", "--fill-holes"};
    assert_int_equal(tmesh_seg_recipe_parse_args(r, 6, tok, "command line", &err), TMESH_OK);
    tmesh_volume *out = NULL;
    tmesh_seg_labels table = TMESH_SEG_LABELS_INIT;
    tmesh_seg_run_opts ro = {2, NULL, NULL};
    assert_int_equal(tmesh_seg_recipe_run(&out, &table, img, r, &ro, &err), TMESH_OK);
    assert_memory_equal(out->ijk_to_lps, img->ijk_to_lps, sizeof img->ijk_to_lps);
    assert_int_equal(table.count, 1);
    assert_string_equal(table.items[0].name, "bone");
    assert_int_equal(table.items[0].rgb[0], 241);
    /* the same steps by hand */
    tmesh_volume *m = NULL, *m2 = NULL;
    tmesh_seg_threshold_opts to = {226, 32767, 1};
    assert_int_equal(tmesh_seg_threshold(&m, img, &to, NULL), TMESH_OK);
    assert_int_equal(tmesh_seg_components(&m2, NULL, m, NULL, NULL), TMESH_OK);
    tmesh_volume_free(m);
    tmesh_seg_morph_opts mo = {TMESH_SEG_CLOSE, 2.0, 1};
    assert_int_equal(tmesh_seg_morph(&m, m2, &mo, NULL), TMESH_OK);
    tmesh_volume_free(m2);
    assert_int_equal(tmesh_seg_fill_holes(&m2, m, NULL, NULL), TMESH_OK);
    assert_memory_equal(out->data, m2->data, tmesh_volume_count(img));
    assert_int_equal(u8(out)[vidx(out, 2, 2, 2)], 0);
    assert_int_equal(u8(out)[vidx(out, 15, 15, 7)], 1);
    tmesh_volume_free(m);
    tmesh_volume_free(m2);
    tmesh_volume_free(out);
    tmesh_seg_labels_clear(&table);
    tmesh_seg_recipe_free(r);

    /* multi-label: two labels, a pushed mask and subtraction, label-components */
    assert_int_equal(tmesh_seg_recipe_new(&r, &err), TMESH_OK);
    const char *tok2[] = {"--threshold", "-100", "1000",       "--push",  "--preset",   "bone",
                          "--erode",     "1",    "--subtract", "--label", "1",          "rim",
                          "--preset",    "bone", "--label",    "2",       "bone:ff0000"};
    assert_int_equal(tmesh_seg_recipe_parse_args(r, 17, tok2, "command line", &err), TMESH_OK);
    assert_int_equal(tmesh_seg_recipe_run(&out, &table, img, r, NULL, &err), TMESH_OK);
    assert_int_equal(out->type, TMESH_VOXEL_U16);
    assert_int_equal(table.count, 2);
    assert_string_equal(table.items[0].name, "rim");
    assert_int_equal(table.items[1].rgb[0], 255);
    tmesh_seg_label_stat *st = NULL;
    size_t ns = 0;
    assert_int_equal(tmesh_seg_label_stats(&st, &ns, out, &err), TMESH_OK);
    assert_int_equal(ns, 2);
    assert_true(st[0].voxels > 0 && st[1].voxels > 0);
    free(st);
    tmesh_volume_free(out);
    tmesh_seg_labels_clear(&table);
    tmesh_seg_recipe_free(r);

    assert_int_equal(tmesh_seg_recipe_new(&r, &err), TMESH_OK);
    const char *tok3[] = {"--preset", "bone", "--label-components"};
    assert_int_equal(tmesh_seg_recipe_parse_args(r, 3, tok3, "command line", &err), TMESH_OK);
    assert_int_equal(tmesh_seg_recipe_run(&out, &table, img, r, NULL, &err), TMESH_OK);
    assert_int_equal(out->type, TMESH_VOXEL_U16);
    assert_int_equal(table.count, 2);
    assert_string_equal(table.items[1].name, "bone-2");
    assert_int_equal(((uint16_t *)out->data)[vidx(out, 2, 2, 2)], 2);
    tmesh_volume_free(out);
    tmesh_seg_labels_clear(&table);
    tmesh_seg_recipe_free(r);
    tmesh_volume_free(img);
}

static void test_seg_recipe__run_errors_name_the_operation(void **state)
{
    (void)state;
    tmesh_volume *img = make_vol(8, 8, 8, TMESH_VOXEL_I16, 1, 1, 1), *out = NULL;
    tmesh_seg_recipe *r = NULL;
    tmesh_error err = TMESH_ERROR_INIT;
    assert_int_equal(tmesh_seg_recipe_new(&r, &err), TMESH_OK);
    assert_int_equal(tmesh_seg_recipe_run(&out, NULL, img, r, NULL, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "recipe has no operation");
    tmesh_error_clear(&err);
    const char *t1[] = {"--close", "1"};
    assert_int_equal(tmesh_seg_recipe_parse_args(r, 2, t1, "command line", &err), TMESH_OK);
    assert_int_equal(tmesh_seg_recipe_run(&out, NULL, img, r, NULL, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "operation 1 (close): close needs a mask");
    assert_null(out);
    tmesh_seg_recipe_free(r);
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_seg_recipe_new(&r, &err), TMESH_OK);
    const char *t2[] = {"--preset", "bone", "--union"};
    assert_int_equal(tmesh_seg_recipe_parse_args(r, 3, t2, "command line", &err), TMESH_OK);
    assert_int_equal(tmesh_seg_recipe_run(&out, NULL, img, r, NULL, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "operation 2 (union): union needs a pushed mask");
    tmesh_seg_recipe_free(r);
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_seg_recipe_new(&r, &err), TMESH_OK);
    const char *t3[] = {"--seed-vox", "1,1,20", "--grow", "0", "10"};
    assert_int_equal(tmesh_seg_recipe_parse_args(r, 5, t3, "command line", &err), TMESH_OK);
    assert_int_equal(tmesh_seg_recipe_run(&out, NULL, img, r, NULL, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "operation 1 (grow): seed 1 (voxel 1, 1, 20) lies outside");
    tmesh_seg_recipe_free(r);
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_seg_recipe_new(&r, &err), TMESH_OK);
    const char *t4[] = {"--otsu"};
    assert_int_equal(tmesh_seg_recipe_parse_args(r, 1, t4, "command line", &err), TMESH_OK);
    assert_int_equal(tmesh_seg_recipe_run(&out, NULL, img, r, NULL, &err), TMESH_E_DATA);
    ts_assert_error(err, TMESH_E_DATA, "operation 1 (otsu): image is constant");
    tmesh_seg_recipe_free(r);
    tmesh_volume_free(img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seg_threshold__sphere_volume_within_bound),
        cmocka_unit_test(test_seg_threshold__inclusive_bounds_and_nan),
        cmocka_unit_test(test_seg_threshold__integer_types_match_double_test),
        cmocka_unit_test(test_seg_threshold__errors_name_the_field),
        cmocka_unit_test(test_seg_preset__documented_ranges),
        cmocka_unit_test(test_seg_otsu__bimodal_and_errors),
        cmocka_unit_test(test_seg_grow__stops_at_the_boundary),
        cmocka_unit_test(test_seg_grow__connectivity_6_18_26),
        cmocka_unit_test(test_seg_grow__seed_errors_name_the_seed),
        cmocka_unit_test(test_seg_grow__confidence_connected),
        cmocka_unit_test(test_seg_components__numbering_size_then_first_voxel),
        cmocka_unit_test(test_seg_components__keep_modes),
        cmocka_unit_test(test_seg_components__errors_name_the_field),
        cmocka_unit_test(test_seg_components__random_masks_match_reference),
        cmocka_unit_test(test_seg_components__blobby_masks_match_reference),
        cmocka_unit_test(test_seg_distance__equals_brute_force_exactly),
        cmocka_unit_test(test_seg_morph__equals_brute_force_exactly),
        cmocka_unit_test(test_seg_morph__ball_shape_and_errors),
        cmocka_unit_test(test_seg_fill__cavities_3d_and_slices_2d),
        cmocka_unit_test(test_seg_fill__random_masks_match_reference),
        cmocka_unit_test(test_seg_hollow__inside_outside_medial),
        cmocka_unit_test(test_seg_edit__paint_erase_crop),
        cmocka_unit_test(test_seg_algebra__union_intersect_subtract_invert),
        cmocka_unit_test(test_seg_labels__table_assign_and_stats),
        cmocka_unit_test(test_seg_errors__remaining_fields_are_named),
        cmocka_unit_test(test_seg_filter__gaussian_and_median),
        cmocka_unit_test(test_seg_filter__median_equals_sorted_reference),
        cmocka_unit_test(test_seg_smooth__removes_spikes_keeps_body),
        cmocka_unit_test(test_seg_fill__blobby_masks_match_reference),
        cmocka_unit_test(test_seg_determinism__threads_1_2_7),
        cmocka_unit_test(test_seg_recipe__canonical_form_and_text_round_trip),
        cmocka_unit_test(test_seg_recipe__parse_errors_name_the_token),
        cmocka_unit_test(test_seg_recipe__record_replays_exactly),
        cmocka_unit_test(test_seg_recipe__run_matches_direct_calls),
        cmocka_unit_test(test_seg_recipe__run_errors_name_the_operation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
