/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the dicom module: the geometry rules on synthetic headers, every phantom
 * variant written as DICOM and loaded back (exact matrix and values), determinism across
 * thread counts, the source manifest, malformed inputs, and the small real samples kept in
 * datasets/.
 */
#define _POSIX_C_SOURCE 200809L
#include "test_support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dicom_int.h"
#include "phantom.h"
#include "tracemesh/dicom.h"
#include "tracemesh/mesh.h"

/* ---------------------------------------------------------------------------------------------
 * Geometry on synthetic slices
 * ------------------------------------------------------------------------------------------- */

typedef struct synth {
    dcm_file files[64];
    dcm_slice slices[64];
    char names[64][16];
    size_t n;
} synth;

/* Axial slices at the given positions along S, 0.5 mm pixels. */
static void synth_axial(synth *s, const double *z, size_t n, const double shift_per_slice[2])
{
    memset(s, 0, sizeof *s);
    s->n = n;
    for (size_t i = 0; i < n; i++) {
        snprintf(s->names[i], sizeof s->names[i], "s%02u.dcm", (unsigned)(i % 100));
        s->files[i].rel = s->names[i];
        s->files[i].path = s->names[i];
        snprintf(s->files[i].hdr.sop_instance_uid, 65, "1.2.3.%zu", i);
        tmesh_dcm_frame *g = &s->slices[i].geo;
        g->has_ipp = g->has_iop = g->has_spacing = 1;
        g->ipp[0] = -100.0 + (shift_per_slice ? shift_per_slice[0] * (double)i : 0.0);
        g->ipp[1] = -80.0 + (shift_per_slice ? shift_per_slice[1] * (double)i : 0.0);
        g->ipp[2] = z[i];
        double iop[6] = {1, 0, 0, 0, 1, 0};
        memcpy(g->iop, iop, sizeof iop);
        g->spacing[0] = 0.5;
        g->spacing[1] = 0.5;
        s->slices[i].file = i;
    }
    tmesh_dicom__sort_slices(s->slices, n, s->files);
}

static void test_dicom_geometry__orientation_labels(void **state)
{
    (void)state;
    double ax[6] = {1, 0, 0, 0, 1, 0}, co[6] = {1, 0, 0, 0, 0, -1}, sa[6] = {0, 1, 0, 0, 0, -1};
    double ob[6] = {0.94, 0.34, 0, -0.34, 0.94, 0};
    double ff[6] = {-1, 0, 0, 0, 1, 0};
    assert_string_equal(tmesh_dicom__orientation_label(ax), "axial");
    assert_string_equal(tmesh_dicom__orientation_label(co), "coronal");
    assert_string_equal(tmesh_dicom__orientation_label(sa), "sagittal");
    assert_string_equal(tmesh_dicom__orientation_label(ob), "oblique");
    assert_string_equal(tmesh_dicom__orientation_label(ff), "axial");
}

static void test_dicom_geometry__uniform_stack_exact_matrix(void **state)
{
    (void)state;
    /* Positions given out of order: the plan must sort them along the normal. */
    double z[5] = {12.5, 10.0, 7.5, 5.0, 2.5};
    synth s;
    synth_axial(&s, z, 5, NULL);
    assert_true(s.slices[0].geo.ipp[2] == 2.5);
    dcm_plan p;
    tmesh_error err = TMESH_ERROR_INIT;
    tmesh_dicom_load_opts o = TMESH_DICOM_LOAD_OPTS_INIT;
    assert_int_equal(tmesh_dicom__plan(&p, s.slices, s.n, 300, 200, s.files, &o, 0, &err), TMESH_OK);
    double expect[4][4] = {{0.5, 0, 0, -100}, {0, 0.5, 0, -80}, {0, 0, 2.5, 2.5}, {0, 0, 0, 1}};
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < 4; c++)
            assert_true(fabs(p.ijk_to_lps[r][c] - expect[r][c]) < 1e-12);
    assert_int_equal(p.dim[0], 200);
    assert_int_equal(p.dim[1], 300);
    assert_int_equal(p.dim[2], 5);
    assert_int_equal(p.warnings, 0);
    assert_false(p.resample);
    tmesh_dicom__plan_free(&p);
}

static void test_dicom_geometry__gaps_refused_or_resampled(void **state)
{
    (void)state;
    tmesh_dicom_load_opts o = TMESH_DICOM_LOAD_OPTS_INIT;
    dcm_plan p;
    synth s;
    /* missing slice: one gap is 2x */
    double zm[5] = {0, 2, 4, 8, 10};
    synth_axial(&s, zm, 5, NULL);
    tmesh_error err = TMESH_ERROR_INIT;
    assert_int_equal(tmesh_dicom__plan(&p, s.slices, 5, 64, 64, s.files, &o, 0, &err), TMESH_E_DATA);
    ts_assert_error(err, TMESH_E_DATA, "missing slice");
    ts_assert_error(err, TMESH_E_DATA, "s03.dcm");
    assert_true(p.warnings & TMESH_DICOM_W_MISSING);
    tmesh_dicom__plan_free(&p);
    /* non-uniform gap */
    double zn[5] = {0, 2, 4, 7, 9};
    synth_axial(&s, zn, 5, NULL);
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_dicom__plan(&p, s.slices, 5, 64, 64, s.files, &o, 0, &err), TMESH_E_DATA);
    ts_assert_error(err, TMESH_E_DATA, "slice gap 3.00 mm differs from median 2.00 mm");
    tmesh_dicom__plan_free(&p);
    /* ... resampled on request: 0..9 at 2 mm gives 5 slices, weights interpolate */
    o.resample = 1;
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_dicom__plan(&p, s.slices, 5, 64, 64, s.files, &o, 0, &err), TMESH_OK);
    assert_true(p.resample);
    assert_int_equal(p.dim[2], 5);
    assert_true(fabs(p.ijk_to_lps[2][2] - 2.0) < 1e-12);
    /* output slice 3 sits at z=6: between z=4 (input 2) and z=7 (input 3), weight 2/3 */
    assert_int_equal(p.lo[3], 2);
    assert_int_equal(p.hi[3], 3);
    assert_true(fabs(p.w[3] - 2.0 / 3.0) < 1e-12);
    tmesh_dicom__plan_free(&p);
    /* duplicate position: always refused */
    double zd[4] = {0, 2, 2, 4};
    synth_axial(&s, zd, 4, NULL);
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_dicom__plan(&p, s.slices, 4, 64, 64, s.files, &o, 0, &err), TMESH_E_DATA);
    ts_assert_error(err, TMESH_E_DATA, "duplicate slice position");
    tmesh_dicom__plan_free(&p);
}

static void test_dicom_geometry__tilt_kept_sheared_or_resampled(void **state)
{
    (void)state;
    /* The table steps 2 mm along S while the image plane is tilted 20 deg about L. */
    double t = 20.0 * 3.14159265358979323846 / 180.0;
    synth s;
    double z[6] = {0, 2, 4, 6, 8, 10};
    synth_axial(&s, z, 6, NULL);
    for (size_t i = 0; i < 6; i++) {
        double iop[6] = {1, 0, 0, 0, cos(t), -sin(t)};
        memcpy(s.slices[i].geo.iop, iop, sizeof iop);
    }
    tmesh_dicom__sort_slices(s.slices, 6, s.files);
    dcm_plan p;
    tmesh_error err = TMESH_ERROR_INIT;
    tmesh_dicom_load_opts o = TMESH_DICOM_LOAD_OPTS_INIT;
    assert_int_equal(tmesh_dicom__plan(&p, s.slices, 6, 64, 64, s.files, &o, 0, &err), TMESH_OK);
    assert_true(p.warnings & TMESH_DICOM_W_TILT);
    assert_true(fabs(p.tilt_deg - 20.0) < 1e-9);
    assert_false(p.resample);
    /* sheared third column: exactly the table step */
    assert_true(fabs(p.ijk_to_lps[0][2]) < 1e-12 && fabs(p.ijk_to_lps[1][2]) < 1e-12);
    assert_true(fabs(p.ijk_to_lps[2][2] - 2.0) < 1e-12);
    tmesh_dicom__plan_free(&p);
    o.tilt = TMESH_DICOM_TILT_RESAMPLE;
    assert_int_equal(tmesh_dicom__plan(&p, s.slices, 6, 64, 64, s.files, &o, 0, &err), TMESH_OK);
    assert_true(p.resample);
    /* orthogonal: third column along the normal (0, sin t, cos t) times the gap 2 cos t */
    assert_true(fabs(p.ijk_to_lps[1][2] - sin(t) * 2 * cos(t)) < 1e-9);
    assert_true(fabs(p.ijk_to_lps[2][2] - cos(t) * 2 * cos(t)) < 1e-9);
    /* each later slice is shifted in plane (along the column direction) */
    assert_true(fabs(p.shift[2 * 5 + 1] - (-(5 * 2.0) * -sin(t)) / 0.5) < 1e-9);
    tmesh_dicom__plan_free(&p);
}

static void test_dicom_geometry__missing_orientation_and_bad_spacing(void **state)
{
    (void)state;
    synth s;
    double z[3] = {0, 1, 2};
    synth_axial(&s, z, 3, NULL);
    s.slices[1].geo.has_iop = 0;
    dcm_plan p;
    tmesh_error err = TMESH_ERROR_INIT;
    tmesh_dicom_load_opts o = TMESH_DICOM_LOAD_OPTS_INIT;
    assert_int_equal(tmesh_dicom__plan(&p, s.slices, 3, 8, 8, s.files, &o, 0, &err), TMESH_E_DATA);
    ts_assert_error(err, TMESH_E_DATA, "ImageOrientationPatient");
    ts_assert_error(err, TMESH_E_DATA, "--assume-axial");
    tmesh_dicom__plan_free(&p);
    o.assume = TMESH_DICOM_ASSUME_AXIAL;
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_dicom__plan(&p, s.slices, 3, 8, 8, s.files, &o, 0, &err), TMESH_OK);
    assert_true(p.warnings & TMESH_DICOM_W_NO_GEOMETRY);
    tmesh_dicom__plan_free(&p);

    synth_axial(&s, z, 3, NULL);
    for (int i = 0; i < 3; i++)
        s.slices[i].geo.spacing[1] = 0.0;
    tmesh_error_clear(&err);
    o.assume = TMESH_DICOM_ASSUME_NONE;
    assert_int_equal(tmesh_dicom__plan(&p, s.slices, 3, 8, 8, s.files, &o, 0, &err), TMESH_E_DATA);
    ts_assert_error(err, TMESH_E_DATA, "PixelSpacing");
    ts_assert_error(err, TMESH_E_DATA, "s00.dcm");
    tmesh_dicom__plan_free(&p);

    synth_axial(&s, z, 3, NULL);
    for (int i = 0; i < 3; i++)
        s.slices[i].geo.iop[4] = 0.5; /* column vector not unit length */
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_dicom__plan(&p, s.slices, 3, 8, 8, s.files, &o, 0, &err), TMESH_E_DATA);
    ts_assert_error(err, TMESH_E_DATA, "orthogonal unit vectors");
    tmesh_dicom__plan_free(&p);
}

static void test_dicom_pixels__bits_sign_and_rescale(void **state)
{
    (void)state;
    /* 12 bits stored in 16, signed, with junk in the top bits (overlay habit). */
    uint16_t raw[4] = {0xF000 | 0x0FFF, 0x0800, 0x07FF, 0xA005};
    dcm_pixel_format f = {1, 4, 16, 12, 11, 1, 0};
    int16_t out[4];
    int over = 0;
    tmesh_dicom__convert_frame(raw, &f, 0, 1.0, -1024.0, out, NULL, &over);
    assert_int_equal(out[0], -1 - 1024);
    assert_int_equal(out[1], -2048 - 1024);
    assert_int_equal(out[2], 2047 - 1024);
    assert_int_equal(out[3], 5 - 1024);
    assert_false(over);
    /* non-integer slope: int16 refused (flag), float exact */
    float fo[4];
    tmesh_dicom__convert_frame(raw, &f, 0, 0.5, 0.25, out, NULL, &over);
    assert_true(over);
    tmesh_dicom__convert_frame(raw, &f, 0, 0.5, 0.25, NULL, fo, &over);
    assert_true(fo[2] == 2047 * 0.5f + 0.25f);
    /* MONOCHROME1, unsigned 8-bit: inverted within the stored range */
    uint8_t b[2] = {0, 200};
    dcm_pixel_format g = {1, 2, 8, 8, 7, 0, 1};
    over = 0;
    tmesh_dicom__convert_frame(b, &g, 0, 1.0, 0.0, out, NULL, &over);
    assert_int_equal(out[0], 255);
    assert_int_equal(out[1], 55);
}

/* ---------------------------------------------------------------------------------------------
 * Phantoms written as DICOM and loaded back
 * ------------------------------------------------------------------------------------------- */

static tmesh_status load_dir(const char *dir, unsigned threads, tmesh_dicom_load_opts *o,
                             tmesh_volume **vol, tmesh_dicom_manifest **man, tmesh_error *err)
{
    tmesh_dicom_index *idx = NULL;
    tmesh_dicom_scan_opts so = TMESH_DICOM_SCAN_OPTS_INIT;
    so.threads = threads;
    tmesh_status st = tmesh_dicom_scan(&idx, dir, &so, err);
    if (st != TMESH_OK)
        return st;
    if (tmesh_dicom_index_count(idx) != 1) {
        tmesh_dicom_index_free(idx);
        return tmesh_error_set(err, TMESH_E_DATA, "expected 1 series, found %zu",
                               tmesh_dicom_index_count(idx));
    }
    tmesh_dicom_load_opts def = TMESH_DICOM_LOAD_OPTS_INIT;
    if (o == NULL)
        o = &def;
    o->threads = threads;
    st = tmesh_dicom_load(vol, man, idx, 0, o, err);
    tmesh_dicom_index_free(idx);
    return st;
}

/* Load `s` and compare matrix (1e-4 mm) and every voxel with the analytic value. */
static void check_phantom(const phantom_spec *spec, const char *label)
{
    char *dir = ts_mkdtemp();
    tmesh_error err = TMESH_ERROR_INIT;
    phantom_spec s = *spec;
    phantom_spec_finish(&s);
    if (phantom_write(&s, dir, &err) != TMESH_OK)
        fail_msg("%s: write: %s", label, err.msg);
    tmesh_volume *v = NULL;
    tmesh_dicom_manifest *m = NULL;
    if (load_dir(dir, 0, NULL, &v, &m, &err) != TMESH_OK)
        fail_msg("%s: load: %s", label, err.msg);
    double expect[4][4];
    phantom_expected_matrix(&s, expect);
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < 4; c++)
            if (fabs(v->ijk_to_lps[r][c] - expect[r][c]) > 1e-4)
                fail_msg("%s: matrix[%d][%d] = %.9f, expected %.9f", label, r, c,
                         v->ijk_to_lps[r][c], expect[r][c]);
    assert_int_equal(v->dim[0], (size_t)s.cols);
    assert_int_equal(v->dim[1], (size_t)s.rows);
    assert_int_equal(v->dim[2], (size_t)s.slices);
    size_t mismatches = 0, inside = 0;
    for (size_t k = 0; k < v->dim[2]; k++)
        for (size_t j = 0; j < v->dim[1]; j++)
            for (size_t i = 0; i < v->dim[0]; i++) {
                double ijk[3] = {(double)i, (double)j, (double)k}, p[3];
                tmesh_volume_index_to_lps(v, ijk, p);
                double want = phantom_value(&s, p);
                inside += want == s.inside;
                if (tmesh_volume_get(v, i, j, k) != want)
                    mismatches++;
            }
    /* Voxel centres lying within float rounding of the surface may flip: allow 1e-4. */
    if (mismatches > tmesh_volume_count(v) / 10000)
        fail_msg("%s: %zu of %zu voxels differ from the analytic phantom", label, mismatches,
                 tmesh_volume_count(v));
    assert_true(inside > 100);
    assert_int_equal(m->n_sources, (size_t)s.slices);
    tmesh_dicom_manifest_free(m);
    tmesh_volume_free(v);
    ts_rmtree(dir);
    free(dir);
}

static void test_dicom_load__phantom_variants_exact(void **state)
{
    (void)state;
    struct {
        phantom_shape shape;
        phantom_orient orient;
        const char *pos;
        double tilt;
        tmesh_dcm_syntax syntax;
        int gzip, mr;
    } cases[] = {
        {PHANTOM_SPHERE, PHANTOM_AXIAL, "HFS", 0, TMESH_DCM_EXPLICIT_LE, 0, 0},
        {PHANTOM_SHELL, PHANTOM_CORONAL, "HFS", 0, TMESH_DCM_IMPLICIT_LE, 0, 0},
        {PHANTOM_TORUS, PHANTOM_SAGITTAL, "HFS", 0, TMESH_DCM_EXPLICIT_BE, 0, 0},
        {PHANTOM_SPHERES, PHANTOM_OBLIQUE, "HFS", 0, TMESH_DCM_DEFLATE, 0, 0},
        {PHANTOM_MARKER, PHANTOM_AXIAL, "FFS", 0, TMESH_DCM_RLE, 0, 0},
        {PHANTOM_MARKER, PHANTOM_AXIAL, "HFP", 0, TMESH_DCM_JPEG_LOSSLESS, 0, 0},
        {PHANTOM_MARKER, PHANTOM_CORONAL, "FFP", 0, TMESH_DCM_JPEG_LS, 1, 0},
        {PHANTOM_SHELL, PHANTOM_AXIAL, "HFS", 18.5, TMESH_DCM_EXPLICIT_LE, 0, 0},
        {PHANTOM_SPHERE, PHANTOM_OBLIQUE, "HFS", 0, TMESH_DCM_EXPLICIT_LE, 1, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        phantom_spec s;
        phantom_spec_init(&s);
        s.cols = 40;
        s.rows = 36;
        s.slices = 30;
        s.spacing[0] = 0.9;
        s.spacing[1] = 0.8;
        s.spacing[2] = 1.25;
        s.shape = cases[i].shape;
        s.orient = cases[i].orient;
        memcpy(s.position, cases[i].pos, 4);
        s.tilt_deg = cases[i].tilt;
        s.syntax = cases[i].syntax;
        s.gzip = cases[i].gzip;
        s.mr = cases[i].mr;
        char label[64];
        snprintf(label, sizeof label, "case %zu", i);
        check_phantom(&s, label);
    }
}

static void test_dicom_load__marker_not_mirrored(void **state)
{
    (void)state;
    /* The block is on the patient's left (+L). Whatever the patient position, the loaded
     * volume must put bright voxels at +L and none at the mirrored -L place. */
    const char *positions[4] = {"HFS", "FFS", "HFP", "FFP"};
    for (int p = 0; p < 4; p++) {
        phantom_spec s;
        phantom_spec_init(&s);
        s.shape = PHANTOM_MARKER;
        s.cols = s.rows = 48;
        s.slices = 40;
        memcpy(s.position, positions[p], 4);
        phantom_spec_finish(&s);
        char *dir = ts_mkdtemp();
        tmesh_error err = TMESH_ERROR_INIT;
        assert_int_equal(phantom_write(&s, dir, &err), TMESH_OK);
        tmesh_volume *v = NULL;
        if (load_dir(dir, 2, NULL, &v, NULL, &err) != TMESH_OK)
            fail_msg("%s: %s", positions[p], err.msg);
        /* centre of the block: L = 10 + 1.15 r, P = -20, S = 30 (phantom centre is 10,-20,30) */
        double left[3] = {10 + 1.15 * s.r1, -20, 30}, right[3] = {10 - 1.15 * s.r1, -20, 30}, ijk[3];
        assert_int_equal(tmesh_volume_lps_to_index(v, left, ijk, &err), TMESH_OK);
        double vl = tmesh_volume_get(v, (size_t)lround(ijk[0]), (size_t)lround(ijk[1]),
                                     (size_t)lround(ijk[2]));
        assert_int_equal(tmesh_volume_lps_to_index(v, right, ijk, &err), TMESH_OK);
        double vr = tmesh_volume_get(v, (size_t)lround(ijk[0]), (size_t)lround(ijk[1]),
                                     (size_t)lround(ijk[2]));
        if (!(vl == 1000.0 && vr == -1000.0))
            fail_msg("%s: value at +L %g, at -L %g", positions[p], vl, vr);
        tmesh_volume_free(v);
        ts_rmtree(dir);
        free(dir);
    }
}

static void test_dicom_load__same_bytes_any_thread_count(void **state)
{
    (void)state;
    phantom_spec s;
    phantom_spec_init(&s);
    s.shape = PHANTOM_SHELL;
    s.noise = 20.0;
    s.syntax = TMESH_DCM_JPEG_LS;
    char *dir = ts_mkdtemp();
    tmesh_error err = TMESH_ERROR_INIT;
    assert_int_equal(phantom_write(&s, dir, &err), TMESH_OK);
    unsigned counts[3] = {1, 2, 7};
    uint8_t ref_data[32], ref_man[32];
    for (int t = 0; t < 3; t++) {
        tmesh_volume *v = NULL;
        tmesh_dicom_manifest *m = NULL;
        assert_int_equal(load_dir(dir, counts[t], NULL, &v, &m, &err), TMESH_OK);
        uint8_t d[32], dm[32];
        tmesh_sha256_buf(v->data, tmesh_volume_count(v) * tmesh_voxel_size(v->type), d);
        tmesh_sha256_buf(m->json, strlen(m->json), dm);
        if (t == 0) {
            memcpy(ref_data, d, 32);
            memcpy(ref_man, dm, 32);
        }
        assert_memory_equal(d, ref_data, 32);
        assert_memory_equal(dm, ref_man, 32);
        tmesh_dicom_manifest_free(m);
        tmesh_volume_free(v);
    }
    ts_rmtree(dir);
    free(dir);
}

static void test_dicom_manifest__lists_files_without_identifiers(void **state)
{
    (void)state;
    phantom_spec s;
    phantom_spec_init(&s);
    s.slices = 12;
    s.gzip = 1;
    char *dir = ts_mkdtemp();
    tmesh_error err = TMESH_ERROR_INIT;
    assert_int_equal(phantom_write(&s, dir, &err), TMESH_OK);
    tmesh_volume *v = NULL;
    tmesh_dicom_manifest *m = NULL;
    assert_int_equal(load_dir(dir, 0, NULL, &v, &m, &err), TMESH_OK);
    assert_int_equal(m->n_sources, 12);
    for (size_t i = 0; i < m->n_sources; i++) {
        /* relative path, hash of the stored (gzip) bytes, positions ascending along S */
        assert_null(strchr(m->sources[i].path, '/'));
        char *p = ts_path(dir, m->sources[i].path);
        uint8_t *data = NULL, d[32];
        size_t len = 0;
        char hex[65];
        assert_int_equal(tmesh_fs_read_all(p, &data, &len, &err), TMESH_OK);
        tmesh_sha256_buf(data, len, d);
        tmesh_sha256_hex(d, hex);
        assert_string_equal(hex, m->sources[i].sha256);
        assert_true(strstr(m->json, hex) != NULL);
        assert_true(strncmp(m->sources[i].sop_instance_uid, "2.25.", 5) == 0);
        if (i > 0)
            assert_true(m->sources[i].position[2] > m->sources[i - 1].position[2]);
        free(data);
        free(p);
    }
    assert_string_equal(m->modality, "CT");
    assert_null(strstr(m->json, "Patricia"));
    assert_null(strstr(m->json, "PID-PHANTOM-42"));
    assert_null(strstr(m->json, "19700101"));
    assert_null(strstr(m->json, "ACC-PHANTOM-7"));
    assert_null(strstr(m->json, dir)); /* no absolute path in hashed bytes */
    assert_true(strncmp(m->json, "{\"dim\":[64,64,12]", 17) == 0); /* sorted keys */

    /* The identifiers are there on explicit request only. */
    tmesh_dicom_index *idx = NULL;
    assert_int_equal(tmesh_dicom_scan(&idx, dir, NULL, &err), TMESH_OK);
    tmesh_dicom_phi phi;
    assert_int_equal(tmesh_dicom_series_phi(&phi, idx, 0, &err), TMESH_OK);
    assert_string_equal(phi.patient_name, "Phantom^Patricia");
    assert_string_equal(phi.patient_id, "PID-PHANTOM-42");
    assert_int_equal(tmesh_dicom_series_phi(&phi, idx, 3, &err), TMESH_E_ARG);
    tmesh_dicom_index_free(idx);
    tmesh_dicom_manifest_free(m);
    tmesh_volume_free(v);
    ts_rmtree(dir);
    free(dir);
}

static void test_dicom_load__resample_and_tilt_options(void **state)
{
    (void)state;
    phantom_spec s;
    phantom_spec_init(&s);
    s.missing = 10;
    char *dir = ts_mkdtemp();
    tmesh_error err = TMESH_ERROR_INIT;
    assert_int_equal(phantom_write(&s, dir, &err), TMESH_OK);
    tmesh_volume *v = NULL;
    assert_int_equal(load_dir(dir, 0, NULL, &v, NULL, &err), TMESH_E_DATA);
    ts_assert_error(err, TMESH_E_DATA, "missing slice");
    tmesh_dicom_load_opts o = TMESH_DICOM_LOAD_OPTS_INIT;
    o.resample = 1;
    tmesh_error_clear(&err);
    assert_int_equal(load_dir(dir, 0, &o, &v, NULL, &err), TMESH_OK);
    /* the gap is filled: 48 slices again, float values, the interpolated slice is the mean */
    assert_int_equal(v->dim[2], 48);
    assert_int_equal(v->type, TMESH_VOXEL_F32);
    double expect[4][4];
    phantom_spec_finish(&s);
    phantom_expected_matrix(&s, expect);
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 4; c++)
            assert_true(fabs(v->ijk_to_lps[r][c] - expect[r][c]) < 1e-4);
    size_t i = 32, j = 32;
    double a = tmesh_volume_get(v, i, j, 9), b = tmesh_volume_get(v, i, j, 11);
    assert_true(fabs(tmesh_volume_get(v, i, j, 10) - 0.5 * (a + b)) < 1e-3);
    tmesh_volume_free(v);
    ts_rmtree(dir);
    free(dir);

    /* tilt: kept sheared by default (checked in the variants), orthogonal on request */
    phantom_spec_init(&s);
    s.tilt_deg = 15;
    dir = ts_mkdtemp();
    assert_int_equal(phantom_write(&s, dir, &err), TMESH_OK);
    o = (tmesh_dicom_load_opts)TMESH_DICOM_LOAD_OPTS_INIT;
    o.tilt = TMESH_DICOM_TILT_RESAMPLE;
    assert_int_equal(load_dir(dir, 0, &o, &v, NULL, &err), TMESH_OK);
    double dot = 0;
    for (int r = 0; r < 3; r++)
        dot += v->ijk_to_lps[r][1] * v->ijk_to_lps[r][2];
    assert_true(fabs(dot) < 1e-9);
    /* the sphere centre (10,-20,30) still holds the inside value */
    double c[3] = {10, -20, 30}, ijk[3];
    assert_int_equal(tmesh_volume_lps_to_index(v, c, ijk, &err), TMESH_OK);
    assert_true(tmesh_volume_get(v, (size_t)lround(ijk[0]), (size_t)lround(ijk[1]),
                                 (size_t)lround(ijk[2])) > 900);
    tmesh_volume_free(v);
    ts_rmtree(dir);
    free(dir);
}

/* ---------------------------------------------------------------------------------------------
 * Malformed input and options
 * ------------------------------------------------------------------------------------------- */

static void test_dicom_errors__options_and_limits(void **state)
{
    (void)state;
    phantom_spec s;
    phantom_spec_init(&s);
    s.slices = 8;
    char *dir = ts_mkdtemp();
    tmesh_error err = TMESH_ERROR_INIT;
    assert_int_equal(phantom_write(&s, dir, &err), TMESH_OK);
    tmesh_dicom_index *idx = NULL;
    assert_int_equal(tmesh_dicom_scan(&idx, dir, NULL, &err), TMESH_OK);
    tmesh_volume *v = NULL;
    tmesh_dicom_load_opts o = TMESH_DICOM_LOAD_OPTS_INIT;
    o.max_bytes = 1000;
    assert_int_equal(tmesh_dicom_load(&v, NULL, idx, 0, &o, &err), TMESH_E_NOMEM);
    ts_assert_error(err, TMESH_E_NOMEM, "memory cap");
    assert_null(v);
    tmesh_error_clear(&err);
    o = (tmesh_dicom_load_opts)TMESH_DICOM_LOAD_OPTS_INIT;
    o.resample_mm = -2;
    assert_int_equal(tmesh_dicom_load(&v, NULL, idx, 0, &o, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "resample_mm");
    tmesh_error_clear(&err);
    o = (tmesh_dicom_load_opts)TMESH_DICOM_LOAD_OPTS_INIT;
    o.max_bytes = 0;
    assert_int_equal(tmesh_dicom_load(&v, NULL, idx, 0, &o, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "max_bytes");
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_dicom_load(&v, NULL, idx, 5, NULL, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "series 6 does not exist");
    tmesh_dicom_index_free(idx);
    tmesh_error_clear(&err);
    char *nowhere = ts_path(dir, "no-such-folder");
    assert_int_equal(tmesh_dicom_scan(&idx, nowhere, NULL, &err), TMESH_E_NOTFOUND);
    ts_assert_error(err, TMESH_E_NOTFOUND, "no-such-folder");
    free(nowhere);
    ts_rmtree(dir);
    free(dir);
}

static void test_dicom_errors__truncated_and_foreign_files(void **state)
{
    (void)state;
    phantom_spec s;
    phantom_spec_init(&s);
    s.slices = 6;
    char *dir = ts_mkdtemp();
    tmesh_error err = TMESH_ERROR_INIT;
    assert_int_equal(phantom_write(&s, dir, &err), TMESH_OK);
    /* Truncate one file inside its pixel data: header intact, pixels short. */
    char *victim = ts_path(dir, "IM00003.dcm");
    uint8_t *data = NULL;
    size_t len = 0;
    assert_int_equal(tmesh_fs_read_all(victim, &data, &len, &err), TMESH_OK);
    ts_write_file(victim, data, len - 3000);
    free(data);
    /* Foreign files: text, an empty file, a corrupt gzip. */
    char *txt = ts_path(dir, "notes.txt"), *empty = ts_path(dir, "empty.dcm");
    char *badgz = ts_path(dir, "broken.dcm.gz");
    const char *text = "not dicom at all, just text that is long enough to pass 132 bytes "
                       "........................................................................";
    ts_write_file(txt, text, strlen(text));
    ts_write_file(empty, "", 0);
    ts_write_file(badgz, "\x1f\x8b\x08\x00garbage-garbage", 19);
    tmesh_dicom_index *idx = NULL;
    assert_int_equal(tmesh_dicom_scan(&idx, dir, NULL, &err), TMESH_OK);
    assert_int_equal(tmesh_dicom_index_count(idx), 1);
    assert_int_equal(tmesh_dicom_index_skipped_count(idx), 3);
    int seen_txt = 0, seen_gz = 0;
    for (size_t i = 0; i < 3; i++) {
        tmesh_dicom_skipped k = tmesh_dicom_index_skipped(idx, i);
        if (strcmp(k.path, "notes.txt") == 0) {
            seen_txt = 1;
            assert_non_null(strstr(k.reason, "not DICOM"));
        }
        if (strcmp(k.path, "broken.dcm.gz") == 0) {
            seen_gz = 1;
            assert_non_null(strstr(k.reason, "gzip"));
        }
    }
    assert_true(seen_txt && seen_gz);
    tmesh_volume *v = NULL;
    assert_int_equal(tmesh_dicom_load(&v, NULL, idx, 0, NULL, &err), TMESH_E_DATA);
    ts_assert_error(err, TMESH_E_DATA, "IM00003.dcm");
    assert_null(v);
    tmesh_dicom_index_free(idx);
    free(victim);
    free(txt);
    free(empty);
    free(badgz);
    ts_rmtree(dir);
    free(dir);

    /* An empty folder holds no series and is not an error for the scan itself. */
    dir = ts_mkdtemp();
    assert_int_equal(tmesh_dicom_scan(&idx, dir, NULL, &err), TMESH_OK);
    assert_int_equal(tmesh_dicom_index_count(idx), 0);
    assert_int_equal(tmesh_dicom_load(&v, NULL, idx, 0, NULL, &err), TMESH_E_NOTFOUND);
    tmesh_dicom_index_free(idx);
    ts_rmtree(dir);
    free(dir);
}

static void test_dicom_scan__splits_mixed_series(void **state)
{
    (void)state;
    /* Two stacks with one SeriesInstanceUID but different orientations (as a localizer and
     * an axial set in one series): written into one folder, found as two stacks. The phantom
     * derives UIDs from the whole spec, so the second is rewritten with the first's series UID
     * by writing both from one spec that differs only in orientation... which changes the
     * UIDs. Instead, two series in one folder must at least come out as two series. */
    phantom_spec a, b;
    phantom_spec_init(&a);
    phantom_spec_init(&b);
    a.slices = 5;
    b.slices = 7;
    b.orient = PHANTOM_CORONAL;
    char *dir = ts_mkdtemp();
    char *da = ts_path(dir, "a"), *db = ts_path(dir, "b");
    tmesh_error err = TMESH_ERROR_INIT;
    assert_int_equal(phantom_write(&a, da, &err), TMESH_OK);
    assert_int_equal(phantom_write(&b, db, &err), TMESH_OK);
    tmesh_dicom_index *idx = NULL;
    assert_int_equal(tmesh_dicom_scan(&idx, dir, NULL, &err), TMESH_OK);
    assert_int_equal(tmesh_dicom_index_count(idx), 2);
    size_t slices = tmesh_dicom_index_series(idx, 0)->n_slices +
                    tmesh_dicom_index_series(idx, 1)->n_slices;
    assert_int_equal(slices, 12);
    tmesh_dicom_index_free(idx);
    free(da);
    free(db);
    ts_rmtree(dir);
    free(dir);
}

/* ---------------------------------------------------------------------------------------------
 * Small real samples kept in datasets/
 * ------------------------------------------------------------------------------------------- */

static void test_dicom_real__visible_human_subset(void **state)
{
    (void)state;
    char *dir = ts_source_path("datasets/vhf-head-3mm/dicom");
    tmesh_volume *v = NULL;
    tmesh_dicom_manifest *m = NULL;
    tmesh_error err = TMESH_ERROR_INIT;
    if (load_dir(dir, 0, NULL, &v, &m, &err) != TMESH_OK)
        fail_msg("%s", err.msg);
    /* README facts: 512 x 512, 1 mm pixels, z from 1500 mm; our copy keeps every 3rd slice */
    assert_int_equal(v->dim[0], 512);
    assert_int_equal(v->dim[1], 512);
    assert_int_equal(v->dim[2], 78);
    assert_int_equal(v->type, TMESH_VOXEL_I16);
    double sp[3];
    tmesh_volume_spacing(v, sp);
    assert_true(fabs(sp[0] - 1) < 1e-6 && fabs(sp[1] - 1) < 1e-6 && fabs(sp[2] - 3) < 1e-6);
    assert_true(fabs(v->ijk_to_lps[2][3] - 1500.0) < 1e-6);
    assert_true(v->ijk_to_lps[2][2] > 0); /* higher k is superior */
    double lo, hi;
    tmesh_volume_range(v, &lo, &hi);
    assert_true(lo == -1024.0);
    assert_true(hi > 1500 && hi <= 3063);
    assert_string_equal(m->sources[0].path, "vhf.1501.dcm.gz");
    assert_string_equal(m->sources[77].path, "vhf.1732.dcm.gz");
    assert_null(strstr(m->json, "000-000-001")); /* placeholder PatientID stays out */
    tmesh_dicom_manifest_free(m);
    tmesh_volume_free(v);
    free(dir);
}

static tmesh_status load_file(const char *rel, tmesh_dicom_assume assume, tmesh_volume **v,
                              tmesh_error *err)
{
    char *p = ts_source_path(rel);
    tmesh_dicom_index *idx = NULL;
    tmesh_status st = tmesh_dicom_scan(&idx, p, NULL, err);
    free(p);
    if (st != TMESH_OK)
        return st;
    tmesh_dicom_load_opts o = TMESH_DICOM_LOAD_OPTS_INIT;
    o.assume = assume;
    st = tmesh_dicom_load(v, NULL, idx, 0, &o, err);
    tmesh_dicom_index_free(idx);
    return st;
}

static void test_dicom_real__multiframe_syntaxes_identical(void **state)
{
    (void)state;
    const char *names[5] = {"emri_small.dcm", "emri_small_big_endian.dcm", "emri_small_RLE.dcm",
                            "emri_small_jpeg_ls_lossless.dcm", "emri_small_jpeg_2k_lossless.dcm"};
    tmesh_volume *ref = NULL;
    tmesh_error err = TMESH_ERROR_INIT;
    for (int i = 0; i < 5; i++) {
        char rel[256];
        snprintf(rel, sizeof rel, "datasets/pydicom-multiframe/dicom/%s", names[i]);
        tmesh_volume *v = NULL;
        /* no geometry at all: refused unless an orientation is assumed */
        tmesh_error_clear(&err);
        assert_int_equal(load_file(rel, TMESH_DICOM_ASSUME_NONE, &v, &err), TMESH_E_DATA);
        ts_assert_error(err, TMESH_E_DATA, "--assume-axial");
        tmesh_error_clear(&err);
        if (load_file(rel, TMESH_DICOM_ASSUME_AXIAL, &v, &err) != TMESH_OK)
            fail_msg("%s: %s", names[i], err.msg);
        assert_int_equal(v->dim[0], 64);
        assert_int_equal(v->dim[2], 10);
        if (ref == NULL) {
            ref = v;
            double lo, hi;
            tmesh_volume_range(v, &lo, &hi);
            assert_true(lo == 0 && hi == 467); /* README value range */
        } else {
            assert_memory_equal(v->data, ref->data, tmesh_volume_count(v) * 2);
            tmesh_volume_free(v);
        }
    }
    tmesh_volume_free(ref);
}

static void test_dicom_real__enhanced_ct_flipped_rows(void **state)
{
    (void)state;
    tmesh_volume *v = NULL;
    tmesh_error err = TMESH_ERROR_INIT;
    if (load_file("datasets/pydicom-multiframe/dicom/eCT_Supplemental.dcm", TMESH_DICOM_ASSUME_NONE,
                  &v, &err) != TMESH_OK)
        fail_msg("%s", err.msg);
    /* README: 512 x 512 x 2 frames, 0.3887 mm, 10 mm apart, IOP (-1,0,0 / 0,1,0), HU from
     * stored 0..1196 with intercept -1024 */
    assert_int_equal(v->dim[2], 2);
    assert_true(fabs(v->ijk_to_lps[0][0] + 0.388671875) < 1e-3);
    assert_true(fabs(v->ijk_to_lps[1][1] - 0.388671875) < 1e-3);
    double sp[3], lo, hi;
    tmesh_volume_spacing(v, sp);
    assert_true(fabs(sp[2] - 10.0) < 1e-6);
    tmesh_volume_range(v, &lo, &hi);
    assert_true(lo == -1024 && hi == 172);
    tmesh_volume_free(v);
}

static void test_dicom_real__jpeg2000_equals_explicit(void **state)
{
    (void)state;
    tmesh_volume *a = NULL, *b = NULL;
    tmesh_error err = TMESH_ERROR_INIT;
    assert_int_equal(load_file("datasets/dcm-qa-ts/dicom/1-explicit-le.dcm", 0, &a, &err), TMESH_OK);
    if (load_file("datasets/dcm-qa-ts/dicom/9-jpeg2000.dcm", 0, &b, &err) != TMESH_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(a->dim[0], 384);
    assert_memory_equal(a->data, b->data, tmesh_volume_count(a) * 2);
    assert_memory_equal(a->ijk_to_lps, b->ijk_to_lps, sizeof a->ijk_to_lps);
    tmesh_volume_free(a);
    tmesh_volume_free(b);
}

/* ---------------------------------------------------------------------------------------------
 * Writing: Encapsulated STL (export --dicom)
 * ------------------------------------------------------------------------------------------- */

static void test_dicom_export__uid_from_text(void **state)
{
    (void)state;
    char uid[65];
    /* Cross-checked with Python: "2.25.%d" % int.from_bytes(sha256(t)[:16], "big"). */
    tmesh_dicom_uid_from_text(uid, "abc");
    assert_string_equal(uid, "2.25.247859944228867399418143717509236138531");
    tmesh_dicom_uid_from_text(uid, "");
    assert_string_equal(uid, "2.25.302652579918965577886386472538583578916");
    /* A base-10^9 chunk with leading zeros ("...548006172795") keeps them. */
    tmesh_dicom_uid_from_text(uid, "tracemesh-76");
    assert_string_equal(uid, "2.25.102034909186084564506872177548006172795");
    assert_true(strlen(uid) <= 44);
    assert_true(tmesh_dicom_uid_valid(uid));
}

static void test_dicom_export__uid_valid(void **state)
{
    (void)state;
    assert_true(tmesh_dicom_uid_valid("1.2.840.10008.5.1.4.1.1.104.3"));
    assert_true(tmesh_dicom_uid_valid("0.1"));
    assert_false(tmesh_dicom_uid_valid(NULL));
    assert_false(tmesh_dicom_uid_valid(""));
    assert_false(tmesh_dicom_uid_valid("1..2"));
    assert_false(tmesh_dicom_uid_valid("1.2."));
    assert_false(tmesh_dicom_uid_valid(".1"));
    assert_false(tmesh_dicom_uid_valid("1.02"));
    assert_false(tmesh_dicom_uid_valid("1.2a"));
    char longer[80];
    memset(longer, '1', 65);
    longer[65] = '\0';
    assert_false(tmesh_dicom_uid_valid(longer));
    longer[64] = '\0';
    assert_true(tmesh_dicom_uid_valid(longer));
}

/* A one-triangle binary STL. */
static void tiny_stl(uint8_t out[134])
{
    memset(out, 0, 134);
    memcpy(out, "tiny test solid", 15);
    out[80] = 1;
    const float xyz[12] = {0, 0, 1, 0, 0, 0, 10, 0, 0, 0, 10, 0};
    memcpy(out + 84, xyz, sizeof xyz);
}

static void stl_doc(tmesh_dicom_stl_doc *doc, tmesh_dicom_instance_ref refs[3])
{
    tmesh_dicom_stl_doc init = TMESH_DICOM_STL_DOC_INIT;
    *doc = init;
    memset(refs, 0, 3 * sizeof *refs);
    for (int i = 0; i < 3; i++) {
        snprintf(refs[i].sop_class_uid, 65, "1.2.840.10008.5.1.4.1.1.2");
        snprintf(refs[i].sop_instance_uid, 65, "1.2.3.4.%d", i + 1);
        /* Two series: the third image is in another one. */
        snprintf(refs[i].series_uid, 65, "1.2.3.%d", i < 2 ? 100 : 200);
    }
    doc->study_uid = "1.2.3.1";
    doc->frame_of_reference_uid = "1.2.3.2";
    doc->series_uid = "1.2.3.3";
    doc->sop_instance_uid = "1.2.3.5";
    doc->document_title = "tracemesh asset=t@1 mesh=abc";
    doc->datetime_utc = "20260102030405";
    doc->sources = refs;
    doc->n_sources = 3;
}

static void test_dicom_export__stl_written_and_read_back(void **state)
{
    (void)state;
    char *dir = ts_mkdtemp();
    char *a = ts_path(dir, "a.dcm"), *b = ts_path(dir, "b.dcm");
    uint8_t stl[134];
    tiny_stl(stl);
    tmesh_dicom_stl_doc doc;
    tmesh_dicom_instance_ref refs[3];
    stl_doc(&doc, refs);
    tmesh_error err = TMESH_ERROR_INIT;
    assert_int_equal(tmesh_dicom_write_stl(a, &doc, stl, sizeof stl, &err), TMESH_OK);
    assert_int_equal(tmesh_dicom_write_stl(b, &doc, stl, sizeof stl, &err), TMESH_OK);
    /* Read back: the class and instance, and the hash of the bytes as stored. */
    tmesh_dicom_instance_ref back;
    char sha[65];
    assert_int_equal(tmesh_dicom_file_ref(&back, sha, a, &err), TMESH_OK);
    assert_string_equal(back.sop_class_uid, TMESH_DICOM_ENCAPSULATED_STL_CLASS);
    assert_string_equal(back.sop_instance_uid, "1.2.3.5");
    assert_string_equal(back.series_uid, "1.2.3.3");
    /* The same inputs give the same bytes, and the STL is inside them unchanged. */
    uint8_t *da = NULL, *db = NULL;
    size_t la = 0, lb = 0;
    assert_int_equal(tmesh_fs_read_all(a, &da, &la, &err), TMESH_OK);
    assert_int_equal(tmesh_fs_read_all(b, &db, &lb, &err), TMESH_OK);
    assert_int_equal(la, lb);
    assert_memory_equal(da, db, la);
    uint8_t dg[32];
    char hex[65];
    tmesh_sha256_buf(da, la, dg);
    tmesh_sha256_hex(dg, hex);
    assert_string_equal(hex, sha);
    int found = 0;
    for (size_t i = 0; i + sizeof stl <= la && !found; i++)
        found = memcmp(da + i, stl, sizeof stl) == 0;
    assert_true(found);
    /* Empty patient name (type 2, VR PN, length 0) and the UCUM code are present. */
    static const uint8_t empty_name[] = {0x10, 0x00, 0x10, 0x00, 'P', 'N', 0, 0};
    found = 0;
    for (size_t i = 0; i + sizeof empty_name <= la && !found; i++)
        found = memcmp(da + i, empty_name, sizeof empty_name) == 0;
    assert_true(found);
    found = 0;
    for (size_t i = 0; i + 4 <= la && !found; i++)
        found = memcmp(da + i, "UCUM", 4) == 0;
    assert_true(found);
    free(da);
    free(db);
    free(a);
    free(b);
    ts_rmtree(dir);
    free(dir);
}

static void test_dicom_export__errors_name_the_field(void **state)
{
    (void)state;
    char *dir = ts_mkdtemp();
    char *a = ts_path(dir, "a.dcm"), *bad = ts_path(dir, "no/such/folder/a.dcm");
    uint8_t stl[134];
    tiny_stl(stl);
    tmesh_dicom_stl_doc doc;
    tmesh_dicom_instance_ref refs[3];
    tmesh_error err = TMESH_ERROR_INIT;

    stl_doc(&doc, refs);
    doc.study_uid = NULL;
    assert_int_equal(tmesh_dicom_write_stl(a, &doc, stl, sizeof stl, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "study_uid: missing");

    stl_doc(&doc, refs);
    doc.frame_of_reference_uid = "1.2.x";
    err = (tmesh_error)TMESH_ERROR_INIT;
    assert_int_equal(tmesh_dicom_write_stl(a, &doc, stl, sizeof stl, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "frame_of_reference_uid: '1.2.x'");

    stl_doc(&doc, refs);
    snprintf(refs[1].sop_class_uid, 65, "1.02");
    err = (tmesh_error)TMESH_ERROR_INIT;
    assert_int_equal(tmesh_dicom_write_stl(a, &doc, stl, sizeof stl, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "sources[1].sop_class_uid");

    stl_doc(&doc, refs);
    doc.instance_number = 0;
    err = (tmesh_error)TMESH_ERROR_INIT;
    assert_int_equal(tmesh_dicom_write_stl(a, &doc, stl, sizeof stl, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "instance_number");

    stl_doc(&doc, refs);
    doc.patient_name = "Smith\\John";
    err = (tmesh_error)TMESH_ERROR_INIT;
    assert_int_equal(tmesh_dicom_write_stl(a, &doc, stl, sizeof stl, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "patient_name");

    stl_doc(&doc, refs);
    doc.content_description = "a description longer than the sixty-four characters an LO holds...";
    err = (tmesh_error)TMESH_ERROR_INIT;
    assert_int_equal(tmesh_dicom_write_stl(a, &doc, stl, sizeof stl, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "content_description: 66 characters, at most 64");

    stl_doc(&doc, refs);
    doc.datetime_utc = "2026-01-02";
    err = (tmesh_error)TMESH_ERROR_INIT;
    assert_int_equal(tmesh_dicom_write_stl(a, &doc, stl, sizeof stl, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "datetime_utc");

    /* A binary STL whose count does not match its length is not an STL. */
    stl_doc(&doc, refs);
    err = (tmesh_error)TMESH_ERROR_INIT;
    assert_int_equal(tmesh_dicom_write_stl(a, &doc, stl, sizeof stl - 2, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "stl: 132 bytes");
    assert_false(ts_exists(a));

    err = (tmesh_error)TMESH_ERROR_INIT;
    assert_int_equal(tmesh_dicom_write_stl(bad, &doc, stl, sizeof stl, &err), TMESH_E_IO);
    ts_assert_error(err, TMESH_E_IO, bad);

    /* Reading the UIDs of a file that is missing or not DICOM names it. */
    tmesh_dicom_instance_ref back;
    err = (tmesh_error)TMESH_ERROR_INIT;
    assert_int_not_equal(tmesh_dicom_file_ref(&back, NULL, bad, &err), TMESH_OK);
    assert_non_null(strstr(err.msg, bad));
    ts_write_file(a, "plain text, not DICOM, but long enough to look at ................"
                     "................................................................", 130);
    err = (tmesh_error)TMESH_ERROR_INIT;
    assert_int_equal(tmesh_dicom_file_ref(&back, NULL, a, &err), TMESH_E_DATA);
    ts_assert_error(err, TMESH_E_DATA, a);
    free(a);
    free(bad);
    ts_rmtree(dir);
    free(dir);
}

/* ---------------------------------------------------------------------------------------------
 * Streamed loading (tracemesh build): runs of slices, and the isosurface meshed from them
 * ------------------------------------------------------------------------------------------- */

typedef struct run_sink {
    float *vals;    /* every slice received, as float */
    size_t next, n; /* next slice expected; slices of the volume */
    size_t calls, n_f32, n_i16;
    double m[4][4];
    tmesh_mesh_iso_stream *st;
    tmesh_mesh_iso_opts io;
} run_sink;

static tmesh_status sink_runs(const tmesh_volume *sl, size_t k0, size_t n, void *user,
                              tmesh_error *err)
{
    run_sink *r = user;
    if (k0 != r->next || (r->calls > 0 && n != r->n))
        return tmesh_error_set(err, TMESH_E_INTERNAL, "run %zu out of order", k0);
    if (r->calls++ == 0) {
        r->n = n;
        r->vals = malloc(sl->dim[0] * sl->dim[1] * n * sizeof(float));
        memcpy(r->m, sl->ijk_to_lps, sizeof r->m);
        size_t dim[3] = {sl->dim[0], sl->dim[1], n};
        tmesh_status st = tmesh_mesh_iso_stream_new(&r->st, dim, sl->ijk_to_lps, &r->io, err);
        if (st != TMESH_OK)
            return st;
    }
    r->n_f32 += sl->type == TMESH_VOXEL_F32;
    r->n_i16 += sl->type == TMESH_VOXEL_I16;
    for (size_t k = 0; k < sl->dim[2]; k++)
        for (size_t j = 0; j < sl->dim[1]; j++)
            for (size_t i = 0; i < sl->dim[0]; i++)
                r->vals[i + sl->dim[0] * (j + sl->dim[1] * (k0 + k))] =
                    (float)tmesh_volume_get(sl, i, j, k);
    r->next = k0 + sl->dim[2];
    return tmesh_mesh_iso_stream_feed(r->st, sl, k0, err);
}

static void assert_same_mesh(const tmesh_mesh *a, const tmesh_mesh *b)
{
    assert_int_equal(a->n_vertices, b->n_vertices);
    assert_int_equal(a->n_triangles, b->n_triangles);
    assert_memory_equal(a->xyz, b->xyz, 3 * a->n_vertices * sizeof(float));
    assert_memory_equal(a->tri, b->tri, 3 * a->n_triangles * sizeof(uint32_t));
}

/* A streamed load hands over every slice once, in order, with the whole volume's matrix and
 * the values of the whole load; the isosurface meshed from the runs is the isosurface of the
 * loaded volume, byte for byte, at 1 and 2 threads. A series with a gap that is resampled
 * comes in one run. A CT whose rescale slope (16) takes values past int16 sends the runs
 * holding such values as float and the others as int16. */
static void test_dicom_load__streamed_runs_equal_whole_volume(void **state)
{
    (void)state;
    for (int variant = 0; variant < 4; variant++) {
        phantom_spec s;
        phantom_spec_init(&s);
        s.shape = PHANTOM_SHELL;
        s.noise = 20.0;
        s.slices = 53; /* runs of 16, 16, 16, 5 */
        s.gzip = variant == 1;
        s.mr = variant == 1; /* gzip-wrapped MR, no rescale */
        if (variant == 3) {
            s.slope = 16.0;
            s.inside = 40000.0; /* HU past int16; the shell misses the first and last slices */
            s.noise = 0.0;
        }
        phantom_spec_finish(&s);
        if (variant == 2)
            s.missing = 20;
        char *dir = ts_mkdtemp();
        tmesh_error err = TMESH_ERROR_INIT;
        if (phantom_write(&s, dir, &err) != TMESH_OK)
            fail_msg("variant %d: write: %s", variant, err.msg);
        tmesh_dicom_load_opts lo = TMESH_DICOM_LOAD_OPTS_INIT;
        lo.resample = variant == 2;
        tmesh_volume *v = NULL;
        if (load_dir(dir, 0, &lo, &v, NULL, &err) != TMESH_OK)
            fail_msg("variant %d: %s", variant, err.msg);
        tmesh_mesh *whole = NULL;
        tmesh_mesh_iso_opts io = TMESH_MESH_ISO_OPTS_INIT;
        io.iso = variant == 1 ? 0.5 * (s.inside + s.outside) : 0.0;
        assert_int_equal(tmesh_mesh_isosurface(&whole, v, &io, &err), TMESH_OK);
        if (whole->n_triangles <= 1000) {
            double lo_v, hi_v;
            tmesh_volume_range(v, &lo_v, &hi_v);
            fail_msg("variant %d: %zu triangles; type %d, values %g..%g", variant,
                     whole->n_triangles, (int)v->type, lo_v, hi_v);
        }
        for (unsigned threads = 1; threads <= 2; threads++) {
            tmesh_dicom_index *idx = NULL;
            assert_int_equal(tmesh_dicom_scan(&idx, dir, NULL, &err), TMESH_OK);
            run_sink r;
            memset(&r, 0, sizeof r);
            tmesh_mesh_iso_opts o = io;
            o.threads = threads;
            r.io = o;
            lo.threads = threads;
            if (tmesh_dicom_load_streamed(idx, 0, &lo, sink_runs, &r, &err) != TMESH_OK)
                fail_msg("variant %d: streamed: %s", variant, err.msg);
            tmesh_dicom_index_free(idx);
            assert_int_equal(r.n, v->dim[2]);
            assert_int_equal(r.next, v->dim[2]);
            assert_int_equal(r.calls, variant == 2 ? 1 : 4);
            assert_int_equal(r.n_f32 + r.n_i16, r.calls);
            if (variant == 3) {
                assert_int_equal(v->type, TMESH_VOXEL_F32);
                assert_true(r.n_f32 > 0 && r.n_i16 > 0);
            }
            assert_memory_equal(r.m, v->ijk_to_lps, sizeof r.m);
            size_t mism = 0;
            for (size_t k = 0; k < v->dim[2]; k++)
                for (size_t j = 0; j < v->dim[1]; j++)
                    for (size_t i = 0; i < v->dim[0]; i++)
                        mism += r.vals[i + v->dim[0] * (j + v->dim[1] * k)] !=
                                (float)tmesh_volume_get(v, i, j, k);
            assert_int_equal(mism, 0);
            tmesh_mesh *m = NULL;
            assert_int_equal(tmesh_mesh_iso_stream_finish(r.st, &m, &err), TMESH_OK);
            assert_same_mesh(m, whole);
            tmesh_mesh_free(m);
            tmesh_mesh_iso_stream_free(r.st);
            free(r.vals);
        }
        tmesh_mesh_free(whole);
        tmesh_volume_free(v);
        ts_rmtree(dir);
        free(dir);
    }
}

/* Any run lengths give the same mesh; runs out of order and missing slices are refused. */
static void test_mesh_iso_stream__any_runs_and_errors(void **state)
{
    (void)state;
    phantom_spec s;
    phantom_spec_init(&s);
    s.shape = PHANTOM_SPHERES;
    s.noise = 30.0;
    s.slices = 70;
    char *dir = ts_mkdtemp();
    tmesh_error err = TMESH_ERROR_INIT;
    assert_int_equal(phantom_write(&s, dir, &err), TMESH_OK);
    tmesh_volume *v = NULL;
    assert_int_equal(load_dir(dir, 0, NULL, &v, NULL, &err), TMESH_OK);
    tmesh_mesh_iso_opts io = TMESH_MESH_ISO_OPTS_INIT;
    io.iso = 100.0;
    tmesh_mesh *whole = NULL;
    assert_int_equal(tmesh_mesh_isosurface(&whole, v, &io, &err), TMESH_OK);
    const size_t plans[3][8] = {{1, 1, 1, 67}, {17, 16, 1, 36}, {70}};
    size_t slice = v->dim[0] * v->dim[1] * tmesh_voxel_size(v->type);
    for (int p = 0; p < 3; p++) {
        tmesh_mesh_iso_stream *st = NULL;
        assert_int_equal(tmesh_mesh_iso_stream_new(&st, v->dim, v->ijk_to_lps, &io, &err),
                         TMESH_OK);
        size_t k0 = 0;
        for (int r = 0; r < 8 && plans[p][r]; r++) {
            tmesh_volume run = *v;
            run.dim[2] = plans[p][r];
            run.data = (char *)v->data + k0 * slice;
            assert_int_equal(tmesh_mesh_iso_stream_feed(st, &run, k0, &err), TMESH_OK);
            k0 += plans[p][r];
        }
        assert_int_equal(k0, v->dim[2]);
        tmesh_mesh *m = NULL;
        assert_int_equal(tmesh_mesh_iso_stream_finish(st, &m, &err), TMESH_OK);
        assert_same_mesh(m, whole);
        tmesh_mesh_free(m);
        tmesh_mesh_iso_stream_free(st);
    }
    /* A run that skips slices, and a finish with slices missing. */
    tmesh_mesh_iso_stream *st = NULL;
    assert_int_equal(tmesh_mesh_iso_stream_new(&st, v->dim, v->ijk_to_lps, &io, &err), TMESH_OK);
    tmesh_volume run = *v;
    run.dim[2] = 10;
    assert_int_equal(tmesh_mesh_iso_stream_feed(st, &run, 0, &err), TMESH_OK);
    assert_int_equal(tmesh_mesh_iso_stream_feed(st, &run, 11, &err), TMESH_E_ARG);
    assert_non_null(strstr(err.msg, "must follow on"));
    err = (tmesh_error)TMESH_ERROR_INIT;
    tmesh_mesh *m = NULL;
    assert_int_equal(tmesh_mesh_iso_stream_finish(st, &m, &err), TMESH_E_ARG);
    if (strstr(err.msg, "only 10 of 70 slices") == NULL)
        fail_msg("finish said: %s", err.msg);
    assert_null(m);
    tmesh_mesh_iso_stream_free(st);
    tmesh_mesh_free(whole);
    tmesh_volume_free(v);
    ts_rmtree(dir);
    free(dir);
}

static int setup(void **state)
{
    (void)state;
    tmesh_dcmtk_init();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tmesh_dcmtk_shutdown();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dicom_geometry__orientation_labels),
        cmocka_unit_test(test_dicom_geometry__uniform_stack_exact_matrix),
        cmocka_unit_test(test_dicom_geometry__gaps_refused_or_resampled),
        cmocka_unit_test(test_dicom_geometry__tilt_kept_sheared_or_resampled),
        cmocka_unit_test(test_dicom_geometry__missing_orientation_and_bad_spacing),
        cmocka_unit_test(test_dicom_pixels__bits_sign_and_rescale),
        cmocka_unit_test(test_dicom_load__phantom_variants_exact),
        cmocka_unit_test(test_dicom_load__marker_not_mirrored),
        cmocka_unit_test(test_dicom_load__same_bytes_any_thread_count),
        cmocka_unit_test(test_dicom_manifest__lists_files_without_identifiers),
        cmocka_unit_test(test_dicom_load__resample_and_tilt_options),
        cmocka_unit_test(test_dicom_errors__options_and_limits),
        cmocka_unit_test(test_dicom_errors__truncated_and_foreign_files),
        cmocka_unit_test(test_dicom_scan__splits_mixed_series),
        cmocka_unit_test(test_dicom_real__visible_human_subset),
        cmocka_unit_test(test_dicom_real__multiframe_syntaxes_identical),
        cmocka_unit_test(test_dicom_real__enhanced_ct_flipped_rows),
        cmocka_unit_test(test_dicom_real__jpeg2000_equals_explicit),
        cmocka_unit_test(test_dicom_export__uid_from_text),
        cmocka_unit_test(test_dicom_export__uid_valid),
        cmocka_unit_test(test_dicom_export__stl_written_and_read_back),
        cmocka_unit_test(test_dicom_export__errors_name_the_field),
        cmocka_unit_test(test_dicom_load__streamed_runs_equal_whole_volume),
        cmocka_unit_test(test_mesh_iso_stream__any_runs_and_errors),
    };
    return cmocka_run_group_tests_name("dicom", tests, setup, teardown);
}
