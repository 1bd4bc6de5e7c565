/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of core: error records, volumes and their geometry, SHA-256 against published
 * vectors, atomic files, gunzip, the deterministic parallel loop and NIfTI round trips.
 */
#define _POSIX_C_SOURCE 200809L
#include "test_support.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static void test_core_error__first_failure_wins(void **state)
{
    (void)state;
    tmesh_error err = TMESH_ERROR_INIT;
    assert_int_equal(tmesh_error_set(&err, TMESH_E_IO, "a.dcm: %s", "first"), TMESH_E_IO);
    assert_int_equal(tmesh_error_set(&err, TMESH_E_DATA, "second"), TMESH_E_DATA);
    assert_int_equal(err.code, TMESH_E_IO);
    assert_string_equal(err.msg, "a.dcm: first");
    tmesh_error_context(&err, "series %d", 3);
    assert_string_equal(err.msg, "series 3: a.dcm: first");
    tmesh_error_clear(&err);
    assert_int_equal(err.code, TMESH_OK);
    tmesh_error_context(&err, "ignored");
    assert_string_equal(err.msg, "");
    assert_int_equal(tmesh_error_set(NULL, TMESH_E_ARG, "x"), TMESH_E_ARG);
    assert_string_equal(tmesh_status_name(TMESH_E_VERIFY), "TMESH_E_VERIFY");
}

static void test_core_volume__new_and_geometry(void **state)
{
    (void)state;
    tmesh_error err = TMESH_ERROR_INIT;
    tmesh_volume *v = NULL;
    size_t dim[3] = {4, 3, 2};
    assert_int_equal(tmesh_volume_new(&v, dim, TMESH_VOXEL_I16, &err), TMESH_OK);
    assert_int_equal(tmesh_volume_count(v), 24);
    ((int16_t *)v->data)[1 + 4 * (2 + 3 * 1)] = -1000;
    assert_true(tmesh_volume_get(v, 1, 2, 1) == -1000.0);
    /* A sheared matrix with negative determinant: the inverse must still round-trip. */
    double m[4][4] = {{-0.5, 0, 0, 10}, {0, 0.7, 0.3, -20}, {0, 0, 2.0, 30}, {0, 0, 0, 1}};
    memcpy(v->ijk_to_lps, m, sizeof m);
    double sp[3];
    tmesh_volume_spacing(v, sp);
    assert_true(fabs(sp[0] - 0.5) < 1e-12 && fabs(sp[1] - 0.7) < 1e-12);
    assert_true(fabs(sp[2] - sqrt(0.09 + 4.0)) < 1e-12);
    double ijk[3] = {1.5, 2.25, -3}, lps[3], back[3];
    tmesh_volume_index_to_lps(v, ijk, lps);
    assert_true(fabs(lps[0] - 9.25) < 1e-12);
    assert_int_equal(tmesh_volume_lps_to_index(v, lps, back, &err), TMESH_OK);
    for (int a = 0; a < 3; a++)
        assert_true(fabs(back[a] - ijk[a]) < 1e-9);
    double lo, hi;
    tmesh_volume_range(v, &lo, &hi);
    assert_true(lo == -1000.0 && hi == 0.0);
    memset(v->ijk_to_lps, 0, sizeof v->ijk_to_lps);
    assert_int_equal(tmesh_volume_lps_to_index(v, lps, back, &err), TMESH_E_DATA);
    ts_assert_error(err, TMESH_E_DATA, "singular");
    tmesh_volume_free(v);
    tmesh_volume_free(NULL);
}

static void test_core_volume__bad_arguments(void **state)
{
    (void)state;
    tmesh_error err = TMESH_ERROR_INIT;
    tmesh_volume *v = NULL;
    size_t zero[3] = {4, 0, 2};
    assert_int_equal(tmesh_volume_new(&v, zero, TMESH_VOXEL_U8, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "dimension is zero");
    assert_null(v);
    tmesh_error_clear(&err);
    size_t huge[3] = {SIZE_MAX / 2, 4, 4};
    assert_int_equal(tmesh_volume_new(&v, huge, TMESH_VOXEL_F32, &err), TMESH_E_NOMEM);
    ts_assert_error(err, TMESH_E_NOMEM, "too large");
}

static void test_core_hash__published_vectors(void **state)
{
    (void)state;
    uint8_t d[32];
    char hex[65];
    tmesh_sha256_buf("abc", 3, d);
    tmesh_sha256_hex(d, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    tmesh_sha256_buf("", 0, d);
    tmesh_sha256_hex(d, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    tmesh_sha256 *h = NULL;
    assert_int_equal(tmesh_sha256_new(&h, NULL), TMESH_OK);
    tmesh_sha256_update(h, "a", 1);
    tmesh_sha256_update(h, "bc", 2);
    tmesh_sha256_final(h, d);
    tmesh_sha256_hex(d, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    tmesh_sha256_free(h);
}

static void test_core_fs__atomic_write_and_read(void **state)
{
    (void)state;
    char *dir = ts_mkdtemp();
    char *p = ts_path(dir, "out.bin");
    tmesh_error err = TMESH_ERROR_INIT;
    assert_int_equal(tmesh_fs_write_atomic(p, "hello", 5, &err), TMESH_OK);
    uint8_t *data = NULL;
    size_t len = 0;
    assert_int_equal(tmesh_fs_read_all(p, &data, &len, &err), TMESH_OK);
    assert_int_equal(len, 5);
    assert_memory_equal(data, "hello", 5);
    assert_int_equal(data[5], 0);
    free(data);
    /* gzip parts: equal input gives equal bytes, and it decompresses back. */
    const char *parts[2] = {"abc", "defdefdef"};
    size_t lens[2] = {3, 9};
    char *g1 = ts_path(dir, "a.gz"), *g2 = ts_path(dir, "b.gz");
    assert_int_equal(tmesh_fs_write_atomic_parts(g1, 2, (const void *const *)parts, lens, 1, &err),
                     TMESH_OK);
    assert_int_equal(tmesh_fs_write_atomic_parts(g2, 2, (const void *const *)parts, lens, 1, &err),
                     TMESH_OK);
    uint8_t *a = NULL, *b = NULL, *plain = NULL;
    size_t alen, blen, plen;
    assert_int_equal(tmesh_fs_read_all(g1, &a, &alen, &err), TMESH_OK);
    assert_int_equal(tmesh_fs_read_all(g2, &b, &blen, &err), TMESH_OK);
    assert_int_equal(alen, blen);
    assert_memory_equal(a, b, alen);
    assert_int_equal(tmesh_gunzip(&plain, &plen, a, alen, 0, "a.gz", &err), TMESH_OK);
    assert_int_equal(plen, 12);
    assert_memory_equal(plain, "abcdefdefdef", 12);
    free(plain);
    /* Truncated and corrupt gzip are named. */
    assert_int_equal(tmesh_gunzip(&plain, &plen, a, alen / 2, 0, "half.gz", &err), TMESH_E_DATA);
    ts_assert_error(err, TMESH_E_DATA, "half.gz");
    tmesh_error_clear(&err);
    a[alen / 2] ^= 0xff;
    a[alen / 2 + 1] ^= 0xff;
    tmesh_status st = tmesh_gunzip(&plain, &plen, a, alen, 0, "bad.gz", &err);
    if (st == TMESH_OK) {
        /* A flipped byte can still inflate; the CRC must then catch it. */
        free(plain);
        fail_msg("corrupt gzip accepted");
    }
    ts_assert_error(err, TMESH_E_DATA, "bad.gz");
    free(a);
    free(b);
    /* Unwritable target: error names the path, nothing left behind. */
    tmesh_error_clear(&err);
    char *nodir = ts_path(dir, "missing/sub/out.bin");
    assert_int_equal(tmesh_fs_write_atomic(nodir, "x", 1, &err), TMESH_E_IO);
    ts_assert_error(err, TMESH_E_IO, "missing/sub/out.bin");
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_fs_read_all(nodir, &data, &len, &err), TMESH_E_NOTFOUND);
    ts_assert_error(err, TMESH_E_NOTFOUND, "missing/sub/out.bin");
    free(nodir);
    free(g1);
    free(g2);
    free(p);
    ts_rmtree(dir);
    free(dir);
}

typedef struct sum_job {
    const double *x;
    double partial[64];
    size_t fail_from; /* chunks at or above this fail */
} sum_job;

static tmesh_status sum_chunk(size_t idx, void *user, tmesh_error *err)
{
    sum_job *j = user;
    if (idx >= j->fail_from)
        return tmesh_error_set(err, TMESH_E_DATA, "chunk %zu refused", idx);
    double s = 0;
    for (size_t i = idx * 1000; i < (idx + 1) * 1000; i++)
        s += j->x[i] * j->x[i];
    j->partial[idx] = s;
    return TMESH_OK;
}

static void test_core_parallel__same_result_any_thread_count(void **state)
{
    (void)state;
    double *x = malloc(64000 * sizeof *x);
    for (size_t i = 0; i < 64000; i++)
        x[i] = sin((double)i) * 1e3;
    double ref = -1;
    unsigned counts[3] = {1, 2, 7};
    for (int t = 0; t < 3; t++) {
        sum_job j = {x, {0}, 64};
        tmesh_error err = TMESH_ERROR_INIT;
        assert_int_equal(tmesh_parallel_for(64, counts[t], sum_chunk, &j, NULL, NULL, NULL, &err),
                         TMESH_OK);
        double s = 0;
        for (int c = 0; c < 64; c++)
            s += j.partial[c];
        if (t == 0)
            ref = s;
        assert_memory_equal(&s, &ref, sizeof s);
        /* Failures: the lowest failing chunk is reported at every thread count. */
        sum_job f = {x, {0}, 17};
        tmesh_error ferr = TMESH_ERROR_INIT;
        assert_int_equal(tmesh_parallel_for(64, counts[t], sum_chunk, &f, NULL, NULL, NULL, &ferr),
                         TMESH_E_DATA);
        assert_string_equal(ferr.msg, "chunk 17 refused");
    }
    free(x);
}

typedef struct kv {
    int key, order;
} kv;

static int cmp_key(const void *a, const void *b, void *ctx)
{
    int dir = *(const int *)ctx;
    const kv *x = a, *y = b;
    return dir * ((x->key > y->key) - (x->key < y->key));
}

static void test_core_sort__stable_with_context(void **state)
{
    (void)state;
    kv v[1000];
    for (int i = 0; i < 1000; i++) {
        v[i].key = (i * 7919) % 13;
        v[i].order = i;
    }
    int dir = -1; /* descending, through the context */
    tmesh_error err = TMESH_ERROR_INIT;
    assert_int_equal(tmesh_sort(v, 1000, sizeof v[0], cmp_key, &dir, &err), TMESH_OK);
    for (int i = 1; i < 1000; i++) {
        assert_true(v[i - 1].key >= v[i].key);
        if (v[i - 1].key == v[i].key)
            assert_true(v[i - 1].order < v[i].order); /* equal keys keep their order */
    }
    assert_int_equal(tmesh_sort(v, 1, sizeof v[0], cmp_key, &dir, &err), TMESH_OK);
}

static void test_core_nifti__round_trip_keeps_geometry(void **state)
{
    (void)state;
    char *dir = ts_mkdtemp();
    tmesh_error err = TMESH_ERROR_INIT;
    size_t dim[3] = {5, 4, 3};
    double mats[2][4][4] = {
        /* oblique, negative determinant */
        {{-0.8, 0.0, 0.0, 12.5}, {0.0, 0.6 * 0.8, -0.8 * 2.0, -30.0}, {0.0, 0.8 * 0.8, 0.6 * 2.0, 4.0},
         {0, 0, 0, 1}},
        /* sheared by gantry tilt: no qform possible */
        {{0.5, 0.0, 0.0, -100.0}, {0.0, 0.5, 0.3, 20.0}, {0.0, 0.0, 1.25, 50.0}, {0, 0, 0, 1}},
    };
    const char *names[2] = {"a.nii.gz", "b.nii"};
    for (int c = 0; c < 2; c++) {
        tmesh_volume *v = NULL, *back = NULL;
        assert_int_equal(tmesh_volume_new(&v, dim, TMESH_VOXEL_I16, &err), TMESH_OK);
        memcpy(v->ijk_to_lps, mats[c], sizeof mats[c]);
        for (size_t i = 0; i < 60; i++)
            ((int16_t *)v->data)[i] = (int16_t)(i * 37 - 1000);
        char *p = ts_path(dir, names[c]);
        assert_int_equal(tmesh_volume_write_nifti(v, p, &err), TMESH_OK);
        assert_int_equal(tmesh_volume_read_nifti(&back, p, &err), TMESH_OK);
        assert_int_equal(back->type, TMESH_VOXEL_I16);
        assert_memory_equal(back->dim, dim, sizeof dim);
        assert_memory_equal(back->data, v->data, 60 * 2);
        for (int r = 0; r < 4; r++)
            for (int k = 0; k < 4; k++)
                if (fabs(back->ijk_to_lps[r][k] - mats[c][r][k]) > 1e-5)
                    fail_msg("case %d matrix [%d][%d]: %g != %g", c, r, k, back->ijk_to_lps[r][k],
                             mats[c][r][k]);
        tmesh_volume_free(v);
        tmesh_volume_free(back);
        free(p);
    }
    tmesh_volume *v = NULL;
    assert_int_equal(tmesh_volume_new(&v, dim, TMESH_VOXEL_U8, &err), TMESH_OK);
    char *bad = ts_path(dir, "x.mhd");
    assert_int_equal(tmesh_volume_write_nifti(v, bad, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "x.mhd");
    tmesh_error_clear(&err);
    tmesh_volume *r = NULL;
    ts_write_file(bad, "not nifti at all", 16);
    char *fake = ts_path(dir, "fake.nii");
    ts_write_file(fake, "not nifti at all", 16);
    assert_int_equal(tmesh_volume_read_nifti(&r, fake, &err), TMESH_E_DATA);
    ts_assert_error(err, TMESH_E_DATA, "fake.nii");
    free(fake);
    free(bad);
    tmesh_volume_free(v);
    ts_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_core_error__first_failure_wins),
        cmocka_unit_test(test_core_volume__new_and_geometry),
        cmocka_unit_test(test_core_volume__bad_arguments),
        cmocka_unit_test(test_core_hash__published_vectors),
        cmocka_unit_test(test_core_fs__atomic_write_and_read),
        cmocka_unit_test(test_core_parallel__same_result_any_thread_count),
        cmocka_unit_test(test_core_sort__stable_with_context),
        cmocka_unit_test(test_core_nifti__round_trip_keeps_geometry),
    };
    return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
