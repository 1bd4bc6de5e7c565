/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the mesh module on analytic phantoms built in memory (distance fields and label
 * masks with anisotropic spacing and oblique or mirrored matrices): accuracy of area, volume and
 * vertex positions, watertight/manifold/outward topology, genus, side (LPS/RAS), smoothing,
 * decimation, cleaning, file round trips through assimp, thread-count determinism, and every
 * documented error status.
 */
#define _POSIX_C_SOURCE 200809L
#include "test_support.h"

#include "tracemesh/mesh.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* ---- phantoms ---- */

typedef double (*field_fn)(const double p[3], const void *user);

/* Matrix: rotation about (1,2,3)/|..| by 0.5 rad times diag(spacing), origin chosen so that
 * index `centre_ijk` maps to LPS (cx, cy, cz); mirror negates the first column (det < 0). */
static void make_matrix(double m[4][4], const double sp[3], int oblique, int mirror,
                        const double centre_ijk[3], const double centre_lps[3])
{
    double r[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    if (oblique) {
        double ax[3] = {1, 2, 3}, n = sqrt(14.0), th = 0.5, c = cos(th), s = sin(th);
        for (int i = 0; i < 3; i++)
            ax[i] /= n;
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) {
                double k = i == j ? c : 0.0;
                k += (1 - c) * ax[i] * ax[j];
                int e = 3 - i - j; /* the third index when i != j */
                if (i != j) {
                    double sign = ((i + 1) % 3 == j) ? -1.0 : 1.0;
                    k += sign * s * ax[e];
                }
                r[i][j] = k;
            }
    }
    memset(m, 0, 16 * sizeof(double));
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            m[i][j] = r[i][j] * sp[j] * (mirror && j == 0 ? -1.0 : 1.0);
    for (int i = 0; i < 3; i++) {
        double acc = 0;
        for (int j = 0; j < 3; j++)
            acc += m[i][j] * centre_ijk[j];
        m[i][3] = centre_lps[i] - acc;
    }
    m[3][3] = 1.0;
}

static tmesh_volume *field_volume(const size_t dim[3], const double m[4][4], field_fn fn,
                                  const void *user)
{
    tmesh_volume *v = NULL;
    tmesh_error err = TMESH_ERROR_INIT;
    assert_int_equal(tmesh_volume_new(&v, dim, TMESH_VOXEL_F32, &err), TMESH_OK);
    memcpy(v->ijk_to_lps, m, 16 * sizeof(double));
    float *d = v->data;
    for (size_t k = 0; k < dim[2]; k++)
        for (size_t j = 0; j < dim[1]; j++)
            for (size_t i = 0; i < dim[0]; i++) {
                double ijk[3] = {(double)i, (double)j, (double)k}, p[3];
                tmesh_volume_index_to_lps(v, ijk, p);
                d[i + dim[0] * (j + dim[1] * k)] = (float)fn(p, user);
            }
    return v;
}

static tmesh_volume *mask_volume(const size_t dim[3], const double m[4][4], field_fn fn,
                                 const void *user, uint8_t label)
{
    tmesh_volume *f = field_volume(dim, m, fn, user), *v = NULL;
    tmesh_error err = TMESH_ERROR_INIT;
    assert_int_equal(tmesh_volume_new(&v, dim, TMESH_VOXEL_U8, &err), TMESH_OK);
    memcpy(v->ijk_to_lps, m, 16 * sizeof(double));
    size_t n = tmesh_volume_count(v);
    for (size_t i = 0; i < n; i++)
        ((uint8_t *)v->data)[i] = ((float *)f->data)[i] >= 0 ? label : 0;
    tmesh_volume_free(f);
    return v;
}

typedef struct sphere {
    double c[3], r;
} sphere;

static double sphere_fn(const double p[3], const void *user)
{
    const sphere *s = user;
    double d = sqrt((p[0] - s->c[0]) * (p[0] - s->c[0]) + (p[1] - s->c[1]) * (p[1] - s->c[1]) +
                    (p[2] - s->c[2]) * (p[2] - s->c[2]));
    return s->r - d;
}

static double sphere_fnf(const float *p, const sphere *s)
{
    double d[3] = {p[0], p[1], p[2]};
    return sphere_fn(d, s);
}

/* Torus around the z axis through c: major radius R, minor r. */
static double torus_fn(const double p[3], const void *user)
{
    const double *t = user; /* cx cy cz R r */
    double x = p[0] - t[0], y = p[1] - t[1], z = p[2] - t[2];
    double q = sqrt(x * x + y * y) - t[3];
    return t[4] - sqrt(q * q + z * z);
}

/* Body at the origin plus a small marker blob at LPS x = +25 (patient left). */
static double marker_fn(const double p[3], const void *user)
{
    (void)user;
    sphere body = {{0, 0, 0}, 14}, mark = {{25, 0, 0}, 5};
    return fmax(sphere_fn(p, &body), sphere_fn(p, &mark));
}

static const double SP[3] = {0.8, 0.9, 1.2};

static tmesh_volume *sphere_volume(int oblique, int mirror, size_t nk, const sphere *s)
{
    size_t dim[3] = {64, 58, nk};
    double cijk[3] = {31.5, 28.7, (double)(nk - 1) / 2 + 0.3}, m[4][4];
    make_matrix(m, SP, oblique, mirror, cijk, s->c);
    return field_volume(dim, m, sphere_fn, s);
}

static void assert_clean(const tmesh_mesh *m, tmesh_mesh_report *rep_out)
{
    tmesh_error err = TMESH_ERROR_INIT;
    tmesh_mesh_report r;
    assert_int_equal(tmesh_mesh_check(&r, m, NULL, &err), TMESH_OK);
    if (!r.ok) {
        char buf[2048];
        tmesh_mesh_report_format(buf, sizeof buf, &r, 0);
        fail_msg("mesh fails checks:\n%s", buf);
    }
    assert_true(r.watertight && r.manifold && r.oriented && r.outward);
    assert_int_equal(r.n_degenerate_triangles, 0);
    if (rep_out)
        *rep_out = r;
}

/* ---- extraction accuracy and topology ---- */

static void check_sphere_mesh(const tmesh_mesh *m, const sphere *s, double tol_dist)
{
    tmesh_mesh_report r;
    assert_clean(m, &r);
    assert_int_equal(r.n_components, 1);
    assert_int_equal(r.euler, 2);
    assert_int_equal(r.genus, 0);
    double area = 4 * M_PI * s->r * s->r, vol = 4.0 / 3.0 * M_PI * s->r * s->r * s->r / 1000.0;
    if (fabs(r.area_mm2 - area) / area > 0.01)
        fail_msg("area %.3f vs analytic %.3f", r.area_mm2, area);
    if (fabs(r.volume_ml - vol) / vol > 0.005)
        fail_msg("volume %.5f ml vs analytic %.5f ml", r.volume_ml, vol);
    double worst = 0;
    for (size_t v = 0; v < m->n_vertices; v++)
        worst = fmax(worst, fabs(sphere_fnf(m->xyz + 3 * v, s)));
    if (worst > tol_dist)
        fail_msg("vertex %.4f mm off the sphere (allowed %.4f)", worst, tol_dist);
}

static void test_mesh_mc__sphere_accurate_oblique(void **state)
{
    (void)state;
    sphere s = {{10, -20, 30}, 20};
    tmesh_volume *v = sphere_volume(1, 0, 44, &s);
    tmesh_mesh_iso_opts o = TMESH_MESH_ISO_OPTS_INIT;
    o.iso = 0.0;
    tmesh_mesh *m = NULL;
    tmesh_error err = TMESH_ERROR_INIT;
    assert_int_equal(tmesh_mesh_isosurface(&m, v, &o, &err), TMESH_OK);
    assert_true(m->n_triangles > 1000);
    check_sphere_mesh(m, &s, 0.5 * 0.8);
    tmesh_mesh_free(m);
    tmesh_volume_free(v);
}

static void test_mesh_mc__negative_determinant_outward(void **state)
{
    (void)state;
    sphere s = {{0, 0, 0}, 20};
    tmesh_volume *v = sphere_volume(1, 1, 44, &s);
    tmesh_mesh_iso_opts o = TMESH_MESH_ISO_OPTS_INIT;
    o.iso = 0.0;
    tmesh_mesh *m = NULL;
    tmesh_error err = TMESH_ERROR_INIT;
    assert_int_equal(tmesh_mesh_isosurface(&m, v, &o, &err), TMESH_OK);
    check_sphere_mesh(m, &s, 0.5 * 0.8);
    /* Normals point away from the centre. */
    assert_int_equal(tmesh_mesh_compute_normals(m, &err), TMESH_OK);
    for (size_t i = 0; i < m->n_vertices; i++) {
        const float *p = m->xyz + 3 * i, *n = m->normals + 3 * i;
        assert_true(p[0] * n[0] + p[1] * n[1] + p[2] * n[2] > 0);
    }
    tmesh_mesh_free(m);
    tmesh_volume_free(v);
}

static void test_mesh_mc__torus_genus_one(void **state)
{
    (void)state;
    double t[5] = {0, 0, 0, 15, 6};
    size_t dim[3] = {56, 50, 22};
    double cijk[3] = {27.5, 24.5, 10.5}, m4[4][4];
    make_matrix(m4, SP, 1, 1, cijk, t);
    tmesh_volume *v = field_volume(dim, m4, torus_fn, t);
    tmesh_mesh_iso_opts o = TMESH_MESH_ISO_OPTS_INIT;
    o.iso = 0.0;
    tmesh_mesh *m = NULL;
    tmesh_error err = TMESH_ERROR_INIT;
    assert_int_equal(tmesh_mesh_isosurface(&m, v, &o, &err), TMESH_OK);
    tmesh_mesh_report r;
    assert_clean(m, &r);
    assert_int_equal(r.euler, 0);
    assert_int_equal(r.genus, 1);
    double vol = 2 * M_PI * M_PI * 15 * 36 / 1000.0;
    assert_true(fabs(r.volume_ml - vol) / vol < 0.01);
    tmesh_mesh_free(m);
    tmesh_volume_free(v);
}

/* Every one of the 256 corner patterns of a single cube, and random binary volumes full of
 * ambiguous faces, give closed, manifold, outward surfaces. */
static void test_mesh_mc__all_cases_watertight(void **state)
{
    (void)state;
    tmesh_error err = TMESH_ERROR_INIT;
    size_t dim[3] = {2, 2, 2};
    tmesh_volume *v = NULL;
    assert_int_equal(tmesh_volume_new(&v, dim, TMESH_VOXEL_U8, &err), TMESH_OK);
    for (int cs = 1; cs < 256; cs++) {
        for (int c = 0; c < 8; c++)
            ((uint8_t *)v->data)[c] = (uint8_t)((cs >> c) & 1);
        tmesh_mesh *m = NULL;
        assert_int_equal(tmesh_mesh_isosurface(&m, v, NULL, &err), TMESH_OK);
        assert_clean(m, NULL);
        tmesh_mesh_free(m);
    }
    tmesh_volume_free(v);
    size_t d2[3] = {7, 6, 5};
    assert_int_equal(tmesh_volume_new(&v, d2, TMESH_VOXEL_U8, &err), TMESH_OK);
    uint32_t seed = 12345;
    for (int trial = 0; trial < 200; trial++) {
        for (size_t i = 0; i < tmesh_volume_count(v); i++) {
            seed = seed * 1664525u + 1013904223u;
            ((uint8_t *)v->data)[i] = (uint8_t)((seed >> 24) % 100 < 45);
        }
        tmesh_mesh *m = NULL;
        assert_int_equal(tmesh_mesh_isosurface(&m, v, NULL, &err), TMESH_OK);
        if (m->n_triangles)
            assert_clean(m, NULL);
        tmesh_mesh_free(m);
    }
    tmesh_volume_free(v);
}

static void test_mesh_mc__border_closed_and_mask(void **state)
{
    (void)state;
    /* A box touching four faces of the volume is closed by caps half a sample outside. */
    size_t dim[3] = {10, 9, 8};
    tmesh_error err = TMESH_ERROR_INIT;
    tmesh_volume *v = NULL, *mask = NULL;
    assert_int_equal(tmesh_volume_new(&v, dim, TMESH_VOXEL_I16, &err), TMESH_OK);
    assert_int_equal(tmesh_volume_new(&mask, dim, TMESH_VOXEL_U8, &err), TMESH_OK);
    for (size_t k = 0; k < 8; k++)
        for (size_t j = 0; j < 9; j++)
            for (size_t i = 0; i < 10; i++) {
                size_t o = i + 10 * (j + 9 * k);
                ((int16_t *)v->data)[o] = (int16_t)(j >= 2 && j <= 6 ? 500 : -1000);
                ((uint8_t *)mask->data)[o] = i < 5;
            }
    tmesh_mesh_iso_opts o = TMESH_MESH_ISO_OPTS_INIT;
    o.iso = 200;
    tmesh_mesh *m = NULL;
    tmesh_mesh_report r;
    assert_int_equal(tmesh_mesh_isosurface(&m, v, &o, &err), TMESH_OK);
    assert_clean(m, &r);
    /* Slab j in [2,6] crosses at j = 1 + 1200/1500 and 6 + 300/1500; i, k capped at -0.5 and
     * n - 0.5: volume = 10 * 8 * (6.2 - 1.8) mm3. */
    double expect = 10.0 * 8.0 * 4.4 / 1000.0; /* less the chamfered box edges */
    assert_true(r.volume_ml < expect && r.volume_ml > 0.97 * expect);
    assert_true(fabs(r.bbox_min[0] + 0.5) < 1e-6 && fabs(r.bbox_max[0] - 9.5) < 1e-6);
    assert_true(fabs(r.bbox_min[1] - 1.8) < 1e-5 && fabs(r.bbox_max[1] - 6.2) < 1e-5);
    assert_true(fabs(r.bbox_min[2] + 0.5) < 1e-6 && fabs(r.bbox_max[2] - 7.5) < 1e-6);
    tmesh_mesh_free(m);
    /* With the mask only i < 5 is inside: cut half way to the masked-out sample, i = 4.5. */
    o.mask = mask;
    assert_int_equal(tmesh_mesh_isosurface(&m, v, &o, &err), TMESH_OK);
    assert_clean(m, &r);
    expect = 5.0 * 8.0 * 4.4 / 1000.0;
    assert_true(r.volume_ml < expect && r.volume_ml > 0.96 * expect);
    assert_true(fabs(r.bbox_max[0] - 4.5) < 1e-6);
    tmesh_mesh_free(m);
    /* Nothing inside: an empty mesh, not an error. */
    o.iso = 1000;
    assert_int_equal(tmesh_mesh_isosurface(&m, v, &o, &err), TMESH_OK);
    assert_int_equal(m->n_triangles, 0);
    tmesh_mesh_free(m);
    tmesh_volume_free(v);
    tmesh_volume_free(mask);
}

/* ---- labels ---- */

static void test_mesh_labels__mc_nets_and_smoothing(void **state)
{
    (void)state;
    sphere s = {{0, 0, 0}, 18};
    size_t dim[3] = {56, 50, 40};
    double cijk[3] = {27.5, 24.5, 19.5}, m4[4][4];
    make_matrix(m4, SP, 1, 1, cijk, s.c);
    tmesh_volume *lab = mask_volume(dim, m4, sphere_fn, &s, 3);
    size_t nvox = 0;
    for (size_t i = 0; i < tmesh_volume_count(lab); i++)
        nvox += ((uint8_t *)lab->data)[i] == 3;
    double voxvol = nvox * SP[0] * SP[1] * SP[2] / 1000.0,
           vol = 4.0 / 3.0 * M_PI * 18 * 18 * 18 / 1000;
    tmesh_error err = TMESH_ERROR_INIT;
    tmesh_mesh_label_opts o = TMESH_MESH_LABEL_OPTS_INIT;
    o.label = 3;
    tmesh_mesh *m = NULL;
    tmesh_mesh_report r;
    /* Unsmoothed: the surface of the voxel set cut at mid-edges, close to the voxel volume. */
    assert_int_equal(tmesh_mesh_from_labels(&m, lab, &o, &err), TMESH_OK);
    assert_clean(m, &r);
    assert_int_equal(r.genus, 0);
    assert_non_null(m->labels);
    assert_int_equal(m->labels[0], 3);
    assert_true(fabs(r.volume_ml - voxvol) / voxvol < 0.03);
    tmesh_mesh_free(m);
    /* Smoothed mask: close to the analytic sphere. */
    o.sigma = 1.0;
    assert_int_equal(tmesh_mesh_from_labels(&m, lab, &o, &err), TMESH_OK);
    assert_clean(m, &r);
    assert_true(fabs(r.volume_ml - vol) / vol < 0.02);
    for (size_t v = 0; v < m->n_vertices; v++)
        assert_true(fabs(sphere_fnf(m->xyz + 3 * v, &s)) < 0.6);
    tmesh_mesh_free(m);
    /* SurfaceNets on the smoothed mask. */
    o.method = TMESH_MESH_METHOD_NETS;
    assert_int_equal(tmesh_mesh_from_labels(&m, lab, &o, &err), TMESH_OK);
    assert_clean(m, &r);
    assert_true(fabs(r.volume_ml - vol) / vol < 0.03);
    tmesh_mesh_free(m);
    /* Label 0 = every non-zero label; an absent label gives an empty mesh. */
    o.method = TMESH_MESH_METHOD_MC;
    o.sigma = 0;
    o.label = 0;
    assert_int_equal(tmesh_mesh_from_labels(&m, lab, &o, &err), TMESH_OK);
    assert_true(m->n_triangles > 0);
    tmesh_mesh_free(m);
    o.label = 9;
    assert_int_equal(tmesh_mesh_from_labels(&m, lab, &o, &err), TMESH_OK);
    assert_int_equal(m->n_triangles, 0);
    tmesh_mesh_free(m);
    tmesh_volume_free(lab);
}

static void test_mesh_labels__border_closed(void **state)
{
    (void)state;
    size_t dim[3] = {12, 12, 12};
    tmesh_error err = TMESH_ERROR_INIT;
    tmesh_volume *v = NULL;
    assert_int_equal(tmesh_volume_new(&v, dim, TMESH_VOXEL_U16, &err), TMESH_OK);
    for (size_t i = 0; i < tmesh_volume_count(v); i++)
        ((uint16_t *)v->data)[i] = 7; /* label fills the volume: closed at all six faces */
    for (int method = 0; method < 2; method++)
        for (int smooth = 0; smooth < 2; smooth++) {
            tmesh_mesh_label_opts o = TMESH_MESH_LABEL_OPTS_INIT;
            o.label = 7;
            o.method = (tmesh_mesh_method)method;
            o.sigma = smooth ? 1.0 : 0.0;
            tmesh_mesh *m = NULL;
            tmesh_mesh_report r;
            assert_int_equal(tmesh_mesh_from_labels(&m, v, &o, &err), TMESH_OK);
            assert_clean(m, &r);
            /* Caps half a sample outside: the box -0.5..11.5 less chamfered edges. */
            if (!(r.volume_ml < 1.728 && r.volume_ml > (smooth ? 1.5 : 1.65)))
                fail_msg("method %d smooth %d: volume %.6f", method, smooth, r.volume_ml);
            if (!smooth)
                for (int a = 0; a < 3; a++)
                    assert_true(fabs(r.bbox_min[a] + 0.5) < 1e-6 &&
                                fabs(r.bbox_max[a] - 11.5) < 1e-6);
            tmesh_mesh_free(m);
        }
    tmesh_volume_free(v);
}

typedef struct pt {
    float p[3];
} pt;

static int pt_cmp(const void *a, const void *b)
{
    const pt *x = a, *y = b;
    for (int k = 0; k < 3; k++)
        if (x->p[k] != y->p[k])
            return x->p[k] < y->p[k] ? -1 : 1;
    return 0;
}

typedef struct tkey {
    float p[9];
    size_t t;
} tkey;

static int tkey_cmp(const void *a, const void *b)
{
    const tkey *x = a, *y = b;
    for (int k = 0; k < 9; k++)
        if (x->p[k] != y->p[k])
            return x->p[k] < y->p[k] ? -1 : 1;
    return x->t < y->t ? -1 : x->t > y->t;
}

/* Area of the triangles of label `lab` lying in the plane x = x0. */
static double plane_area(const tmesh_mesh *m, unsigned lab, float x0)
{
    double a = 0;
    for (size_t t = 0; t < m->n_triangles; t++) {
        const uint32_t *v = m->tri + 3 * t;
        if (m->labels[v[0]] != lab || m->xyz[3 * v[0]] != x0 || m->xyz[3 * v[1]] != x0 ||
            m->xyz[3 * v[2]] != x0)
            continue;
        const float *p = m->xyz + 3 * v[0], *q = m->xyz + 3 * v[1], *r = m->xyz + 3 * v[2];
        double e1[3] = {q[0] - p[0], q[1] - p[1], q[2] - p[2]};
        double e2[3] = {r[0] - p[0], r[1] - p[1], r[2] - p[2]};
        double n0 = e1[1] * e2[2] - e1[2] * e2[1], n1 = e1[2] * e2[0] - e1[0] * e2[2],
               n2 = e1[0] * e2[1] - e1[1] * e2[0];
        a += 0.5 * sqrt(n0 * n0 + n1 * n1 + n2 * n2);
    }
    return a;
}

static void test_mesh_labels__all_labels_share_boundary(void **state)
{
    (void)state;
    size_t dim[3] = {12, 10, 10};
    tmesh_error err = TMESH_ERROR_INIT;
    tmesh_volume *v = NULL;
    assert_int_equal(tmesh_volume_new(&v, dim, TMESH_VOXEL_U16, &err), TMESH_OK);
    for (size_t k = 2; k <= 7; k++)
        for (size_t j = 2; j <= 7; j++)
            for (size_t i = 2; i <= 9; i++)
                ((uint16_t *)v->data)[i + 12 * (j + 10 * k)] = i <= 5 ? 1 : 300;
    tmesh_mesh_label_opts o = TMESH_MESH_LABEL_OPTS_INIT;
    o.threads = 2;
    o.method = TMESH_MESH_METHOD_NETS;
    tmesh_mesh *all = NULL, *uni = NULL;
    assert_int_equal(tmesh_mesh_from_labels_all(&all, v, &o, &err), TMESH_OK);
    assert_int_equal(tmesh_mesh_from_labels(&uni, v, &o, &err), TMESH_OK);
    tmesh_mesh_report ra, ru;
    assert_int_equal(tmesh_mesh_check(&ra, all, NULL, &err), TMESH_OK);
    assert_true(ra.watertight && ra.oriented && ra.outward);
    assert_int_equal(ra.n_components, 2);
    assert_int_equal(all->labels[0], 1);
    assert_int_equal(all->labels[all->n_vertices - 1], 300);
    assert_clean(uni, &ru);
    /* Both sides of x = 5.5 carry the same interface. */
    double a1 = plane_area(all, 1, 5.5f), a2 = plane_area(all, 300, 5.5f);
    assert_true(a1 > 20.0);
    assert_true(fabs(a1 - a2) < 1e-9);
    /* No gap, no overlap: dropping every triangle that the other label has too (same three
     * positions) leaves one closed surface enclosing exactly the sum of both volumes. */
    size_t nt = all->n_triangles, shared = 0;
    tkey *keys = malloc(nt * sizeof *keys);
    for (size_t t = 0; t < nt; t++) {
        pt p[3];
        for (int c = 0; c < 3; c++)
            memcpy(p[c].p, all->xyz + 3 * all->tri[3 * t + c], sizeof p[c].p);
        qsort(p, 3, sizeof p[0], pt_cmp);
        memcpy(keys[t].p, p, sizeof p);
        keys[t].t = t;
    }
    qsort(keys, nt, sizeof *keys, tkey_cmp);
    uint8_t *drop = calloc(nt, 1);
    for (size_t i = 1; i < nt; i++)
        if (memcmp(keys[i].p, keys[i - 1].p, sizeof keys[i].p) == 0) {
            assert_int_not_equal(all->labels[all->tri[3 * keys[i].t]],
                                 all->labels[all->tri[3 * keys[i - 1].t]]);
            drop[keys[i].t] = drop[keys[i - 1].t] = 1;
            shared++;
        }
    assert_true(shared > 10);
    tmesh_mesh *outer = NULL;
    assert_int_equal(tmesh_mesh_new(&outer, all->n_vertices, nt - 2 * shared, 0, &err), TMESH_OK);
    memcpy(outer->xyz, all->xyz, 3 * all->n_vertices * sizeof(float));
    for (size_t t = 0, w = 0; t < nt; t++)
        if (!drop[t])
            memcpy(outer->tri + 3 * w++, all->tri + 3 * t, 3 * sizeof(uint32_t));
    assert_int_equal(tmesh_mesh_clean(outer, NULL, NULL, &err), TMESH_OK);
    tmesh_mesh_report ro;
    assert_int_equal(tmesh_mesh_check(&ro, outer, NULL, &err), TMESH_OK);
    assert_true(ro.watertight && ro.oriented && ro.outward);
    assert_int_equal(ro.n_components, 1);
    assert_true(fabs(ro.volume_ml - ra.volume_ml) < 1e-9);
    assert_true(fabs(ra.area_mm2 - ro.area_mm2 - 2 * a1) < 1e-6);
    free(keys);
    free(drop);
    tmesh_mesh_free(outer);
    /* Smoothing moves coincident copies together: the interface stays shared. */
    tmesh_mesh_smooth_opts so = TMESH_MESH_SMOOTH_OPTS_INIT;
    so.iterations = 10;
    float *before = malloc(3 * all->n_vertices * sizeof(float));
    memcpy(before, all->xyz, 3 * all->n_vertices * sizeof(float));
    assert_int_equal(tmesh_mesh_smooth(all, &so, NULL, &err), TMESH_OK);
    size_t pairs = 0;
    for (size_t i = 0; i < all->n_vertices; i++)
        for (size_t j = i + 1; j < all->n_vertices; j++)
            if (memcmp(before + 3 * i, before + 3 * j, 3 * sizeof(float)) == 0) {
                assert_memory_equal(all->xyz + 3 * i, all->xyz + 3 * j, 3 * sizeof(float));
                pairs++;
            }
    assert_true(pairs > 10);
    free(before);
    /* Decimation works label by label: both labels stay, each closed and clean. */
    tmesh_mesh_decimate_opts dop = TMESH_MESH_DECIMATE_OPTS_INIT;
    dop.ratio = 0.3;
    size_t t_before = all->n_triangles;
    assert_int_equal(tmesh_mesh_decimate(all, &dop, NULL, &err), TMESH_OK);
    assert_true(all->n_triangles < t_before / 2);
    assert_int_equal(tmesh_mesh_check(&ra, all, NULL, &err), TMESH_OK);
    assert_true(ra.watertight && ra.manifold && ra.oriented && ra.outward);
    assert_int_equal(ra.n_degenerate_triangles, 0);
    assert_int_equal(ra.n_components, 2);
    assert_int_equal(all->labels[0], 1);
    assert_int_equal(all->labels[all->n_vertices - 1], 300);
    tmesh_mesh_free(all);
    tmesh_mesh_free(uni);
    /* MC: each label alone, both closed; smoothing is refused for multi-label NETS. */
    o.method = TMESH_MESH_METHOD_MC;
    o.sigma = 0.5;
    assert_int_equal(tmesh_mesh_from_labels_all(&all, v, &o, &err), TMESH_OK);
    assert_int_equal(tmesh_mesh_check(&ra, all, NULL, &err), TMESH_OK);
    assert_true(ra.ok);
    assert_int_equal(ra.n_components, 2);
    tmesh_mesh_free(all);
    o.method = TMESH_MESH_METHOD_NETS;
    assert_int_equal(tmesh_mesh_from_labels_all(&all, v, &o, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "sigma");
    tmesh_volume_free(v);
}

/* ---- side: LPS and RAS ---- */

static void read_stl_raw(const char *path, float **xyz_out, size_t *nt_out, char header[81])
{
    uint8_t *d = NULL;
    size_t len = 0;
    tmesh_error err = TMESH_ERROR_INIT;
    assert_int_equal(tmesh_fs_read_all(path, &d, &len, &err), TMESH_OK);
    assert_true(len >= 84);
    memcpy(header, d, 80);
    header[80] = 0;
    uint32_t n;
    memcpy(&n, d + 80, 4);
    assert_int_equal(len, 84 + 50 * (size_t)n);
    float *xyz = malloc(9 * (size_t)n * sizeof(float) + 1);
    for (size_t t = 0; t < n; t++)
        memcpy(xyz + 9 * t, d + 84 + 50 * t + 12, 36);
    free(d);
    *xyz_out = xyz;
    *nt_out = n;
}

static double signed_volume_soup(const float *xyz, size_t nt)
{
    double v = 0;
    for (size_t t = 0; t < nt; t++) {
        const float *a = xyz + 9 * t, *b = a + 3, *c = a + 6;
        v += (a[0] * ((double)b[1] * c[2] - (double)b[2] * c[1]) -
              a[1] * ((double)b[0] * c[2] - (double)b[2] * c[0]) +
              a[2] * ((double)b[0] * c[1] - (double)b[1] * c[0])) /
             6.0;
    }
    return v;
}

static void test_mesh_io__marker_side_lps_and_ras(void **state)
{
    (void)state;
    char *dir = ts_mkdtemp();
    for (int mirror = 0; mirror < 2; mirror++) {
        size_t dim[3] = {70, 40, 34};
        double sp[3] = {0.9, 1.0, 1.1}, cijk[3] = {34.5, 19.5, 16.5}, c0[3] = {0, 0, 0};
        double m4[4][4];
        make_matrix(m4, sp, 0, mirror, cijk, c0);
        tmesh_volume *v = field_volume(dim, m4, marker_fn, NULL);
        tmesh_mesh_iso_opts o = TMESH_MESH_ISO_OPTS_INIT;
        o.iso = 0;
        tmesh_mesh *m = NULL;
        tmesh_error err = TMESH_ERROR_INIT;
        assert_int_equal(tmesh_mesh_isosurface(&m, v, &o, &err), TMESH_OK);
        tmesh_mesh_report r;
        assert_clean(m, &r);
        assert_int_equal(r.n_components, 2);
        /* The marker is the only part beyond x = 16 and must be at LPS x > 0 (left). */
        double maxx = -1e9;
        for (size_t i = 0; i < m->n_vertices; i++)
            maxx = fmax(maxx, m->xyz[3 * i]);
        assert_true(maxx > 29 && maxx < 31);
        char *lps = ts_path(dir, "m_lps.stl"), *ras = ts_path(dir, "m_ras.stl");
        tmesh_mesh_write_opts wo = TMESH_MESH_WRITE_OPTS_INIT;
        assert_int_equal(tmesh_mesh_write(m, lps, &wo, &err), TMESH_OK);
        wo.space = TMESH_MESH_SPACE_RAS;
        assert_int_equal(tmesh_mesh_write(m, ras, &wo, &err), TMESH_OK);
        float *a = NULL, *b = NULL;
        size_t na, nb;
        char ha[81], hb[81];
        read_stl_raw(lps, &a, &na, ha);
        read_stl_raw(ras, &b, &nb, hb);
        assert_non_null(strstr(ha, "SPACE=LPS"));
        assert_non_null(strstr(hb, "SPACE=RAS"));
        assert_int_equal(na, nb);
        double ax = -1e9, bx = 1e9;
        for (size_t i = 0; i < 3 * na; i++) {
            ax = fmax(ax, a[3 * i]);
            bx = fmin(bx, b[3 * i]);
        }
        assert_true(ax > 29);  /* LPS: marker at +x (left)            */
        assert_true(bx < -29); /* RAS: left is -x                     */
        /* Both frames keep outward winding (RAS is a rotation, not a mirror). */
        assert_true(signed_volume_soup(a, na) > 0);
        assert_true(signed_volume_soup(b, nb) > 0);
        /* Reading the RAS file converts back to LPS. */
        tmesh_mesh *back = NULL;
        assert_int_equal(tmesh_mesh_read(&back, ras, &err), TMESH_OK);
        double bm = -1e9;
        for (size_t i = 0; i < back->n_vertices; i++)
            bm = fmax(bm, back->xyz[3 * i]);
        assert_true(fabs(bm - maxx) < 1e-4);
        tmesh_mesh_free(back);
        /* So does every other format that records the frame. */
        const char *other[] = {"m_ras.ply", "m_ras.obj", "m_ras.3mf",
                               "m_ras.glb", "m_ras.gltf", "m_ras.dae"};
        for (size_t f = 0; f < sizeof other / sizeof other[0]; f++) {
            char *p = ts_path(dir, other[f]);
            assert_int_equal(tmesh_mesh_write(m, p, &wo, &err), TMESH_OK);
            if (tmesh_mesh_read(&back, p, &err) != TMESH_OK)
                fail_msg("%s: %s", other[f], err.msg);
            bm = -1e9;
            for (size_t i = 0; i < back->n_vertices; i++)
                bm = fmax(bm, back->xyz[3 * i]);
            if (!(fabs(bm - maxx) < 1e-4))
                fail_msg("%s: largest x %.6f read back, %.6f written (LPS)", other[f], bm, maxx);
            tmesh_mesh_free(back);
            free(p);
        }
        free(a);
        free(b);
        free(lps);
        free(ras);
        tmesh_mesh_free(m);
        tmesh_volume_free(v);
    }
    ts_rmtree(dir);
    free(dir);
}

/* ---- post-processing ---- */

static tmesh_mesh *sphere_mesh(const sphere *s, size_t nk)
{
    tmesh_volume *v = sphere_volume(1, 0, nk, s);
    tmesh_mesh_iso_opts o = TMESH_MESH_ISO_OPTS_INIT;
    o.iso = 0.0;
    tmesh_mesh *m = NULL;
    tmesh_error err = TMESH_ERROR_INIT;
    assert_int_equal(tmesh_mesh_isosurface(&m, v, &o, &err), TMESH_OK);
    tmesh_volume_free(v);
    return m;
}

static int u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* An open mesh (a sphere cut by a plane): with fix_boundary every vertex on an edge of one
 * triangle keeps its exact position while the rest move; without it the rim moves too. The
 * rim is found here independently (edge uses counted by sorting). */
static void test_mesh_smooth__fixed_boundary_on_open_mesh(void **state)
{
    (void)state;
    sphere s = {{0, 0, 0}, 20};
    for (int fix = 1; fix >= 0; fix--) {
        tmesh_mesh *m = sphere_mesh(&s, 48);
        size_t w = 0;
        for (size_t t = 0; t < m->n_triangles; t++) {
            const uint32_t *v = m->tri + 3 * t;
            if (m->xyz[3 * v[0] + 2] < 5.0f && m->xyz[3 * v[1] + 2] < 5.0f &&
                m->xyz[3 * v[2] + 2] < 5.0f)
                memmove(m->tri + 3 * w++, v, 3 * sizeof *v);
        }
        assert_true(w > 100 && w < m->n_triangles);
        m->n_triangles = w;
        uint64_t *k = malloc(3 * w * sizeof *k);
        for (size_t t = 0; t < w; t++)
            for (int c = 0; c < 3; c++) {
                uint64_t a = m->tri[3 * t + c], b = m->tri[3 * t + (c + 1) % 3];
                k[3 * t + c] = a < b ? a << 32 | b : b << 32 | a;
            }
        qsort(k, 3 * w, sizeof *k, u64_cmp);
        uint8_t *rim = calloc(m->n_vertices, 1);
        size_t n_rim = 0;
        for (size_t i = 0; i < 3 * w;) {
            size_t j = i;
            while (j < 3 * w && k[j] == k[i])
                j++;
            if (j - i == 1)
                rim[k[i] >> 32] = rim[k[i] & 0xffffffffu] = 1;
            i = j;
        }
        for (size_t v = 0; v < m->n_vertices; v++)
            n_rim += rim[v];
        assert_true(n_rim > 20);
        float *before = malloc(3 * m->n_vertices * sizeof *before);
        memcpy(before, m->xyz, 3 * m->n_vertices * sizeof *before);
        tmesh_mesh_smooth_opts o = TMESH_MESH_SMOOTH_OPTS_INIT;
        o.fix_boundary = fix;
        tmesh_error err = TMESH_ERROR_INIT;
        assert_int_equal(tmesh_mesh_smooth(m, &o, NULL, &err), TMESH_OK);
        size_t rim_moved = 0, inner_moved = 0;
        for (size_t v = 0; v < m->n_vertices; v++) {
            int moved = memcmp(before + 3 * v, m->xyz + 3 * v, 3 * sizeof(float)) != 0;
            if (rim[v])
                rim_moved += moved;
            else
                inner_moved += moved;
        }
        assert_true(inner_moved > 100);
        if (fix)
            assert_int_equal(rim_moved, 0);
        else
            assert_true(rim_moved > n_rim / 2);
        free(before);
        free(rim);
        free(k);
        tmesh_mesh_free(m);
    }
}

static void test_mesh_smooth__taubin_and_sinc_keep_volume(void **state)
{
    (void)state;
    sphere s = {{0, 0, 0}, 20};
    for (int method = 0; method < 2; method++) {
        tmesh_mesh *m = sphere_mesh(&s, 44);
        tmesh_mesh_smooth_opts o = TMESH_MESH_SMOOTH_OPTS_INIT;
        o.method = (tmesh_mesh_smooth_method)method;
        tmesh_mesh_smooth_report rep;
        tmesh_error err = TMESH_ERROR_INIT;
        assert_int_equal(tmesh_mesh_smooth(m, &o, &rep, &err), TMESH_OK);
        if (fabs(rep.volume_change_pct) >= 1.0)
            fail_msg("method %d changed volume by %.3f%%", method, rep.volume_change_pct);
        assert_true(rep.max_move > 0 && rep.max_move < 1.0);
        tmesh_mesh_report r;
        assert_clean(m, &r);
        assert_true(fabs(r.volume_ml - rep.volume_after_ml) < 1e-9);
        tmesh_mesh_free(m);
    }
}

static void test_mesh_decimate__ten_percent_watertight(void **state)
{
    (void)state;
    sphere s = {{0, 0, 0}, 20};
    tmesh_mesh *m = sphere_mesh(&s, 44);
    size_t before = m->n_triangles;
    tmesh_mesh_decimate_opts o = TMESH_MESH_DECIMATE_OPTS_INIT;
    o.ratio = 0.1;
    tmesh_mesh_decimate_report rep;
    tmesh_error err = TMESH_ERROR_INIT;
    assert_int_equal(tmesh_mesh_compute_normals(m, &err), TMESH_OK);
    assert_int_equal(tmesh_mesh_decimate(m, &o, &rep, &err), TMESH_OK);
    assert_int_equal(rep.triangles_before, before);
    assert_int_equal(rep.triangles_after, m->n_triangles);
    assert_int_equal(rep.self_intersections, -1); /* settled with crossings counting */
    assert_true(m->n_triangles <= before / 10 + 2 && m->n_triangles > before / 20);
    tmesh_mesh_report r;
    assert_clean(m, &r);
    double vol = 4.0 / 3.0 * M_PI * 8000 / 1000.0;
    assert_true(fabs(r.volume_ml - vol) / vol < 0.02);
    assert_non_null(m->normals);
    /* An error bound of 0.01 mm stops early. */
    tmesh_mesh *m2 = sphere_mesh(&s, 44);
    o.ratio = 0.01;
    o.max_error = 0.01;
    assert_int_equal(tmesh_mesh_decimate(m2, &o, &rep, &err), TMESH_OK);
    assert_true(rep.triangles_after > before / 20);
    assert_true(rep.error_mm <= 0.0100001);
    tmesh_mesh_free(m2);
    tmesh_mesh_free(m);
}

/* Two overlapping spheres as one mesh: the input intersects itself, so the result's
 * intersections (where the input's triangles around them intersect too) are not damage, and
 * the decimation reaches its target instead of freezing the overlap round after round. */
static void test_mesh_decimate__input_intersections_tolerated(void **state)
{
    (void)state;
    tmesh_error err = TMESH_ERROR_INIT;
    sphere s = {{0, 0, 0}, 20};
    tmesh_mesh *a = sphere_mesh(&s, 44), *m = NULL;
    size_t nv = a->n_vertices, nt = a->n_triangles;
    assert_int_equal(tmesh_mesh_new(&m, 2 * nv, 2 * nt, 0, &err), TMESH_OK);
    for (size_t v = 0; v < nv; v++)
        for (int k = 0; k < 3; k++) {
            m->xyz[3 * v + k] = a->xyz[3 * v + k];
            m->xyz[3 * (nv + v) + k] = a->xyz[3 * v + k] + (k == 0 ? 9.0f : 0.0f);
        }
    for (size_t i = 0; i < 3 * nt; i++) {
        m->tri[i] = a->tri[i];
        m->tri[3 * nt + i] = a->tri[i] + (uint32_t)nv;
    }
    tmesh_mesh_free(a);
    tmesh_mesh_report r;
    tmesh_mesh_check_opts co = TMESH_MESH_CHECK_OPTS_INIT;
    co.self_intersections = 1;
    assert_int_equal(tmesh_mesh_check(&r, m, &co, &err), TMESH_OK);
    assert_true(r.self_intersections > 0);
    tmesh_mesh_decimate_opts o = TMESH_MESH_DECIMATE_OPTS_INIT;
    tmesh_mesh_decimate_report rep;
    assert_int_equal(tmesh_mesh_decimate(m, &o, &rep, &err), TMESH_OK);
    assert_true(rep.retries < 12);
    if (rep.triangles_after > 2 * nt * 52 / 100)
        fail_msg("%zu -> %zu triangles", 2 * nt, rep.triangles_after);
    assert_int_equal(tmesh_mesh_check(&r, m, &co, &err), TMESH_OK);
    assert_true(r.watertight && r.manifold && r.oriented);
    assert_int_equal(r.n_components, 2);
    assert_true(r.self_intersections > 0);
    tmesh_mesh_free(m);
}

/* A fin (one triangle on an edge of a large sphere, apex outside) makes the input open and
 * non-manifold. Decimating in blocks keeps exactly those defects: the input's own edges
 * around the result's are looked at, and the result is accepted with them. */
static void test_mesh_decimate__input_defects_kept(void **state)
{
    (void)state;
    tmesh_error err = TMESH_ERROR_INIT;
    sphere s = {{0, 0, 0}, 44};
    size_t dim[3] = {170, 170, 170};
    double sp[3] = {0.55, 0.55, 0.55}, cijk[3] = {84.6, 84.3, 84.8}, mat[4][4];
    make_matrix(mat, sp, 0, 0, cijk, s.c);
    tmesh_volume *v = field_volume(dim, mat, sphere_fn, &s);
    tmesh_mesh_iso_opts io = TMESH_MESH_ISO_OPTS_INIT;
    io.iso = 0.0;
    tmesh_mesh *a = NULL, *m = NULL;
    assert_int_equal(tmesh_mesh_isosurface(&a, v, &io, &err), TMESH_OK);
    tmesh_volume_free(v);
    size_t nv = a->n_vertices, nt = a->n_triangles;
    assert_true(nt >= 2 * 65536);
    assert_int_equal(tmesh_mesh_new(&m, nv + 1, nt + 1, 0, &err), TMESH_OK);
    memcpy(m->xyz, a->xyz, 3 * nv * sizeof(float));
    memcpy(m->tri, a->tri, 3 * nt * sizeof(uint32_t));
    uint32_t p = a->tri[3 * (nt / 2)], q = a->tri[3 * (nt / 2) + 1];
    for (int k = 0; k < 3; k++)
        m->xyz[3 * nv + k] = 0.65f * (m->xyz[3 * p + k] + m->xyz[3 * q + k]);
    m->tri[3 * nt] = q;
    m->tri[3 * nt + 1] = p;
    m->tri[3 * nt + 2] = (uint32_t)nv;
    tmesh_mesh_free(a);
    tmesh_mesh_report in, r;
    assert_int_equal(tmesh_mesh_check(&in, m, NULL, &err), TMESH_OK);
    assert_int_equal(in.n_nonmanifold_edges, 1);
    assert_int_equal(in.n_boundary_edges, 2);
    tmesh_mesh_decimate_report rep;
    assert_int_equal(tmesh_mesh_decimate(m, NULL, &rep, &err), TMESH_OK);
    if (rep.triangles_after > (nt + 1) * 52 / 100)
        fail_msg("%zu -> %zu triangles", nt + 1, rep.triangles_after);
    assert_int_equal(tmesh_mesh_check(&r, m, NULL, &err), TMESH_OK);
    assert_int_equal(r.n_nonmanifold_edges, 1);
    assert_int_equal(r.n_boundary_edges, 2);
    assert_true(r.oriented);
    assert_int_equal(r.n_degenerate_triangles, 0);
    tmesh_mesh_free(m);
}

/* Meshes of 131072 triangles or more are cut into blocks simplified in parallel, then the
 * seams between blocks are simplified in a pass of their own. A fine sphere (about 160k
 * triangles) lands within 1% of the target, closed, with its volume, the error bound kept,
 * and the same triangles at 1, 2 and 7 threads; a rough ball (about 135k triangles) that
 * needs repair rounds comes out clean at every thread count, with the same triangles. */
static void test_mesh_decimate__blocks_and_seams(void **state)
{
    (void)state;
    tmesh_error err = TMESH_ERROR_INIT;
    sphere s = {{3, -2, 1}, 44};
    size_t dim[3] = {170, 170, 170};
    double sp[3] = {0.55, 0.55, 0.55}, cijk[3] = {84.6, 84.3, 84.8}, mat[4][4];
    make_matrix(mat, sp, 1, 0, cijk, s.c);
    tmesh_volume *v = field_volume(dim, mat, sphere_fn, &s);
    tmesh_mesh_iso_opts io = TMESH_MESH_ISO_OPTS_INIT;
    io.iso = 0.0;
    tmesh_mesh *ref = NULL;
    const unsigned threads[3] = {1, 2, 7};
    for (int ti = 0; ti < 3; ti++) {
        tmesh_mesh *m = NULL;
        assert_int_equal(tmesh_mesh_isosurface(&m, v, &io, &err), TMESH_OK);
        size_t before = m->n_triangles;
        if (before < 2 * 65536)
            fail_msg("%zu", before);
        tmesh_mesh_decimate_opts o = TMESH_MESH_DECIMATE_OPTS_INIT;
        o.threads = threads[ti];
        tmesh_mesh_decimate_report rep;
        assert_int_equal(tmesh_mesh_decimate(m, &o, &rep, &err), TMESH_OK);
        double target = 0.5 * (double)before;
        if (fabs((double)m->n_triangles - target) > 0.01 * target)
            fail_msg("%zu -> %zu triangles, target %.0f", before, m->n_triangles, target);
        tmesh_mesh_report r;
        assert_clean(m, &r);
        assert_int_equal(r.n_components, 1);
        double vol = 4.0 / 3.0 * M_PI * 44 * 44 * 44 / 1000.0;
        assert_true(fabs(r.volume_ml - vol) / vol < 0.005);
        if (ref == NULL) {
            ref = m;
            continue;
        }
        assert_int_equal(m->n_triangles, ref->n_triangles);
        assert_int_equal(m->n_vertices, ref->n_vertices);
        assert_memory_equal(m->tri, ref->tri, 3 * m->n_triangles * sizeof *m->tri);
        assert_memory_equal(m->xyz, ref->xyz, 3 * m->n_vertices * sizeof *m->xyz);
        tmesh_mesh_free(m);
    }
    tmesh_mesh_free(ref);
    /* An error bound holds in every block and in the seam pass. */
    tmesh_mesh *m = NULL;
    assert_int_equal(tmesh_mesh_isosurface(&m, v, &io, &err), TMESH_OK);
    size_t before = m->n_triangles;
    tmesh_mesh_decimate_opts o = TMESH_MESH_DECIMATE_OPTS_INIT;
    o.ratio = 0.01;
    o.max_error = 0.02;
    tmesh_mesh_decimate_report rep;
    assert_int_equal(tmesh_mesh_decimate(m, &o, &rep, &err), TMESH_OK);
    assert_true(rep.triangles_after > before / 50 && rep.triangles_after < before / 2);
    assert_true(rep.error_mm > 0.0 && rep.error_mm <= 0.0200001);
    assert_clean(m, NULL);
    tmesh_mesh_free(m);
    tmesh_volume_free(v);

    /* A rough ball: a binary sphere of radius 52 voxels whose boundary is jittered by up to
     * 0.7 voxel at random. */
    size_t nd[3] = {124, 124, 124};
    assert_int_equal(tmesh_volume_new(&v, nd, TMESH_VOXEL_U8, &err), TMESH_OK);
    uint32_t seed = 11;
    for (size_t k = 0; k < nd[2]; k++)
        for (size_t j = 0; j < nd[1]; j++)
            for (size_t i = 0; i < nd[0]; i++) {
                seed = seed * 1664525u + 1013904223u;
                double u = (seed >> 8) / 16777216.0 * 2.0 - 1.0;
                double x = (double)i - 62, y = (double)j - 62, z = (double)k - 62;
                ((uint8_t *)v->data)[i + nd[0] * (j + nd[1] * k)] =
                    52.08 - sqrt(x * x + y * y + z * z) + 0.7 * u > 0.0;
            }
    ref = NULL;
    for (int ti = 0; ti < 3; ti++) {
        assert_int_equal(tmesh_mesh_isosurface(&m, v, NULL, &err), TMESH_OK);
        before = m->n_triangles;
        if (before < 2 * 65536)
            fail_msg("%zu", before);
        o = (tmesh_mesh_decimate_opts)TMESH_MESH_DECIMATE_OPTS_INIT;
        o.threads = threads[ti];
        assert_int_equal(tmesh_mesh_decimate(m, &o, &rep, &err), TMESH_OK);
        assert_true(rep.retries > 0);
        assert_true(m->n_triangles < before * 65 / 100);
        tmesh_mesh_report r;
        tmesh_mesh_check_opts co = TMESH_MESH_CHECK_OPTS_INIT;
        co.self_intersections = 1;
        assert_int_equal(tmesh_mesh_check(&r, m, &co, &err), TMESH_OK);
        assert_true(r.watertight && r.manifold && r.oriented);
        assert_int_equal(r.n_degenerate_triangles, 0);
        assert_int_equal(r.n_duplicate_triangles, 0);
        assert_int_equal(r.self_intersections, 0);
        if (ref == NULL) {
            ref = m;
            continue;
        }
        assert_int_equal(m->n_triangles, ref->n_triangles);
        assert_memory_equal(m->tri, ref->tri, 3 * m->n_triangles * sizeof *m->tri);
        tmesh_mesh_free(m);
    }
    tmesh_mesh_free(ref);
    tmesh_volume_free(v);
}

/* Noisy binary data: meshoptimizer alone folds and pinches here; the checked result keeps
 * every property of the input. */
static void test_mesh_decimate__noisy_keeps_topology(void **state)
{
    (void)state;
    tmesh_error err = TMESH_ERROR_INIT;
    size_t dim[3] = {12, 11, 10};
    tmesh_volume *v = NULL;
    assert_int_equal(tmesh_volume_new(&v, dim, TMESH_VOXEL_U8, &err), TMESH_OK);
    uint32_t seed = 7;
    unsigned total_retries = 0;
    for (int trial = 0; trial < 20; trial++) {
        for (size_t i = 0; i < tmesh_volume_count(v); i++) {
            seed = seed * 1664525u + 1013904223u;
            ((uint8_t *)v->data)[i] = (uint8_t)((seed >> 24) % 100 < 40);
        }
        tmesh_mesh *m = NULL;
        assert_int_equal(tmesh_mesh_isosurface(&m, v, NULL, &err), TMESH_OK);
        size_t before = m->n_triangles;
        tmesh_mesh_decimate_opts o = TMESH_MESH_DECIMATE_OPTS_INIT;
        o.ratio = 0.1;
        tmesh_mesh_decimate_report rep;
        assert_int_equal(tmesh_mesh_decimate(m, &o, &rep, &err), TMESH_OK);
        total_retries += rep.retries;
        assert_true(m->n_triangles < before);
        tmesh_mesh_report r;
        assert_clean(m, &r);
        tmesh_mesh_free(m);
    }
    assert_true(total_retries > 0); /* the repair path ran */
    tmesh_volume_free(v);
    /* An unsmoothed label mask is flat almost everywhere: slivers are repaired, not kept. */
    size_t d2[3] = {30, 28, 26};
    assert_int_equal(tmesh_volume_new(&v, d2, TMESH_VOXEL_U8, &err), TMESH_OK);
    for (size_t k = 0; k < 26; k++)
        for (size_t j = 0; j < 28; j++)
            for (size_t i = 0; i < 30; i++) {
                double x = (double)i - 15, y = (double)j - 14, z = (double)k - 13;
                ((uint8_t *)v->data)[i + 30 * (j + 28 * k)] = x * x + y * y + z * z < 100;
            }
    for (int method = 0; method < 2; method++) {
        tmesh_mesh_label_opts lo = TMESH_MESH_LABEL_OPTS_INIT;
        lo.method = (tmesh_mesh_method)method;
        tmesh_mesh *m = NULL;
        assert_int_equal(tmesh_mesh_from_labels(&m, v, &lo, &err), TMESH_OK);
        size_t before = m->n_triangles;
        tmesh_mesh_decimate_opts o = TMESH_MESH_DECIMATE_OPTS_INIT;
        o.ratio = 0.2;
        assert_int_equal(tmesh_mesh_decimate(m, &o, NULL, &err), TMESH_OK);
        /* Frozen repair regions keep their triangles: near the target, not necessarily on it. */
        assert_true(m->n_triangles <= before * 3 / 10);
        tmesh_mesh_report r;
        tmesh_mesh_check_opts co = TMESH_MESH_CHECK_OPTS_INIT;
        co.self_intersections = 1;
        assert_int_equal(tmesh_mesh_check(&r, m, &co, &err), TMESH_OK);
        assert_true(r.ok);
        assert_int_equal(r.self_intersections, 0);
        tmesh_mesh_free(m);
    }
    tmesh_volume_free(v);
}

/* A cube as 12 triangles with 36 unshared vertices: welding closes it. */
static tmesh_mesh *soup_cube(void)
{
    static const float P[8][3] = {{0, 0, 0}, {1, 0, 0}, {1, 1, 0}, {0, 1, 0},
                                  {0, 0, 1}, {1, 0, 1}, {1, 1, 1}, {0, 1, 1}};
    static const uint32_t T[12][3] = {{0, 2, 1}, {0, 3, 2}, {4, 5, 6}, {4, 6, 7},
                                      {0, 1, 5}, {0, 5, 4}, {1, 2, 6}, {1, 6, 5},
                                      {2, 3, 7}, {2, 7, 6}, {3, 0, 4}, {3, 4, 7}};
    tmesh_mesh *m = NULL;
    tmesh_error err = TMESH_ERROR_INIT;
    assert_int_equal(tmesh_mesh_new(&m, 36, 12, 0, &err), TMESH_OK);
    for (int t = 0; t < 12; t++)
        for (int c = 0; c < 3; c++) {
            memcpy(m->xyz + 3 * (3 * t + c), P[T[t][c]], 3 * sizeof(float));
            m->tri[3 * t + c] = (uint32_t)(3 * t + c);
        }
    return m;
}

static void test_mesh_clean__weld_degenerate_duplicate(void **state)
{
    (void)state;
    tmesh_mesh *m = soup_cube();
    tmesh_error err = TMESH_ERROR_INIT;
    tmesh_mesh_report r;
    assert_int_equal(tmesh_mesh_check(&r, m, NULL, &err), TMESH_OK);
    assert_false(r.watertight);
    assert_int_equal(r.n_boundary_edges, 36);
    /* Add a duplicate and a degenerate triangle. */
    m->tri = realloc(m->tri, 14 * 3 * sizeof(uint32_t));
    uint32_t extra[6] = {0, 1, 2, 5, 5, 7};
    memcpy(m->tri + 36, extra, sizeof extra);
    m->n_triangles = 14;
    tmesh_mesh_clean_report cr;
    assert_int_equal(tmesh_mesh_clean(m, NULL, &cr, &err), TMESH_OK);
    assert_int_equal(cr.vertices_welded, 28);
    assert_int_equal(cr.degenerate_removed, 1);
    assert_int_equal(cr.duplicates_removed, 1);
    assert_int_equal(m->n_vertices, 8);
    assert_int_equal(m->n_triangles, 12);
    assert_clean(m, &r);
    assert_true(fabs(r.volume_ml - 0.001) < 1e-12);
    assert_true(fabs(r.area_mm2 - 6.0) < 1e-9);
    assert_int_equal(r.euler, 2);
    tmesh_mesh_free(m);
    /* With a tolerance, positions in the same 0.01 mm cell merge (jitter below 1e-4 mm). */
    m = soup_cube();
    for (size_t i = 0; i < 3 * m->n_vertices; i++)
        m->xyz[i] += (float)((i * 37 % 11) * 1e-5);
    tmesh_mesh_clean_opts co = TMESH_MESH_CLEAN_OPTS_INIT;
    co.weld_tolerance = 0.01;
    assert_int_equal(tmesh_mesh_clean(m, &co, &cr, &err), TMESH_OK);
    assert_int_equal(m->n_vertices, 8);
    assert_clean(m, NULL);
    tmesh_mesh_free(m);
}

static void test_mesh_components__keep_largest(void **state)
{
    (void)state;
    tmesh_error err = TMESH_ERROR_INIT;
    size_t dim[3] = {70, 40, 34};
    double sp[3] = {0.9, 1.0, 1.1}, cijk[3] = {34.5, 19.5, 16.5}, c0[3] = {0, 0, 0}, m4[4][4];
    make_matrix(m4, sp, 0, 0, cijk, c0);
    tmesh_volume *v = field_volume(dim, m4, marker_fn, NULL);
    tmesh_mesh_iso_opts o = TMESH_MESH_ISO_OPTS_INIT;
    o.iso = 0;
    tmesh_mesh *m = NULL;
    assert_int_equal(tmesh_mesh_isosurface(&m, v, &o, &err), TMESH_OK);
    tmesh_mesh_components_opts co = TMESH_MESH_COMPONENTS_OPTS_INIT;
    co.keep_largest = 1;
    size_t removed = 0;
    tmesh_mesh_report r;
    assert_int_equal(tmesh_mesh_filter_components(m, &co, &removed, &err), TMESH_OK);
    assert_int_equal(removed, 1);
    assert_clean(m, &r);
    assert_int_equal(r.n_components, 1);
    for (size_t i = 0; i < m->n_vertices; i++)
        assert_true(m->xyz[3 * i] < 16); /* the body, not the marker */
    tmesh_mesh_free(m);
    /* min_area above both drops everything. */
    assert_int_equal(tmesh_mesh_isosurface(&m, v, &o, &err), TMESH_OK);
    co.keep_largest = 0;
    co.min_area = 400; /* marker ~314 mm2, body ~2460 mm2 */
    assert_int_equal(tmesh_mesh_filter_components(m, &co, &removed, &err), TMESH_OK);
    assert_int_equal(removed, 1);
    assert_int_equal(tmesh_mesh_check(&r, m, NULL, &err), TMESH_OK);
    assert_int_equal(r.n_components, 1);
    tmesh_mesh_free(m);
    tmesh_volume_free(v);
}

/* ---- checks on hand-made defects ---- */

static tmesh_mesh *hand_mesh(const float *xyz, size_t nv, const uint32_t *tri, size_t nt)
{
    tmesh_mesh *m = NULL;
    tmesh_error err = TMESH_ERROR_INIT;
    assert_int_equal(tmesh_mesh_new(&m, nv, nt, 0, &err), TMESH_OK);
    memcpy(m->xyz, xyz, 3 * nv * sizeof(float));
    memcpy(m->tri, tri, 3 * nt * sizeof(uint32_t));
    return m;
}

static void test_mesh_check__reports_defects(void **state)
{
    (void)state;
    tmesh_error err = TMESH_ERROR_INIT;
    tmesh_mesh_report r;
    /* Two tetrahedra sharing one vertex: closed but a non-manifold vertex. */
    float xyz[7 * 3] = {0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, -1, 0, 0, 0, -1, 0, 0, 0, -1};
    uint32_t tets[8 * 3] = {0, 2, 1, 0, 1, 3, 0, 3, 2, 1, 2, 3, 0, 5, 4, 0, 4, 6, 0, 6, 5, 4, 5, 6};
    tmesh_mesh *m = hand_mesh(xyz, 7, tets, 8);
    assert_int_equal(tmesh_mesh_check(&r, m, NULL, &err), TMESH_OK);
    assert_true(r.watertight);
    assert_int_equal(r.n_nonmanifold_vertices, 1);
    assert_int_equal(r.n_nonmanifold_edges, 0);
    assert_false(r.manifold);
    assert_false(r.ok);
    assert_int_equal(r.genus, -1);
    assert_int_equal(r.n_components, 1);
    /* Flip one triangle: two inconsistent edges... and three of its edges. */
    uint32_t x = m->tri[1];
    m->tri[1] = m->tri[2];
    m->tri[2] = x;
    assert_int_equal(tmesh_mesh_check(&r, m, NULL, &err), TMESH_OK);
    assert_int_equal(r.n_inconsistent_edges, 3);
    assert_false(r.oriented);
    tmesh_mesh_free(m);
    /* Three triangles on one edge, and an open fan: boundary and non-manifold edges. */
    uint32_t fin[3 * 3] = {0, 1, 2, 1, 0, 3, 0, 1, 4};
    m = hand_mesh(xyz, 7, fin, 3);
    assert_int_equal(tmesh_mesh_check(&r, m, NULL, &err), TMESH_OK);
    assert_int_equal(r.n_nonmanifold_edges, 1);
    assert_int_equal(r.n_boundary_edges, 6);
    assert_int_equal(r.n_unused_vertices, 2);
    assert_false(r.watertight);
    tmesh_mesh_free(m);
    /* Two closed tetrahedra touching at one point through two different vertices: each is
     * manifold by index, but the point is a pinch. */
    float tw[8 * 3] = {0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, -1, 0, 0, 0, -1, 0, 0, 0, -1};
    uint32_t tt[8 * 3] = {0, 2, 1, 0, 1, 3, 0, 3, 2, 1, 2, 3, 4, 6, 5, 4, 5, 7, 4, 7, 6, 5, 6, 7};
    m = hand_mesh(tw, 8, tt, 8);
    assert_int_equal(tmesh_mesh_check(&r, m, NULL, &err), TMESH_OK);
    assert_true(r.manifold && r.watertight);
    assert_int_equal(r.n_coincident_vertices, 2);
    assert_false(r.ok);
    tmesh_mesh_free(m);
    /* A pillow: one triangle twice, facing both ways. Closed and consistent by its edges, but
     * one duplicate; a third copy facing the first way makes its edges non-manifold. */
    uint32_t pil[3 * 3] = {0, 1, 2, 0, 2, 1, 1, 2, 0};
    m = hand_mesh(xyz, 7, pil, 2);
    assert_int_equal(tmesh_mesh_check(&r, m, NULL, &err), TMESH_OK);
    assert_true(r.watertight && r.oriented && r.manifold);
    assert_int_equal(r.n_duplicate_triangles, 1);
    assert_int_equal(r.n_edges, 3);
    assert_false(r.ok);
    tmesh_mesh_free(m);
    m = hand_mesh(xyz, 7, pil, 3);
    assert_int_equal(tmesh_mesh_check(&r, m, NULL, &err), TMESH_OK);
    assert_int_equal(r.n_duplicate_triangles, 2);
    assert_int_equal(r.n_nonmanifold_edges, 3);
    tmesh_mesh_free(m);
    /* A triangle with a repeated corner: degenerate, and its one edge is used twice. */
    uint32_t rep[3] = {0, 1, 1};
    m = hand_mesh(xyz, 7, rep, 1);
    assert_int_equal(tmesh_mesh_check(&r, m, NULL, &err), TMESH_OK);
    assert_int_equal(r.n_degenerate_triangles, 1);
    assert_int_equal(r.n_edges, 1);
    assert_int_equal(r.n_boundary_edges, 0);
    assert_int_equal(r.n_nonmanifold_vertices, 0);
    tmesh_mesh_free(m);
    /* Checked vertex by vertex in chunks: a fine sphere (many chunks) with one flipped triangle
     * and one duplicated far from it gives the same report at 1 and 2 threads. */
    {
        sphere fs = {{1, 2, -1}, 22};
        size_t fd[3] = {90, 90, 90};
        double fsp[3] = {0.55, 0.55, 0.55}, fc[3] = {44.6, 44.3, 44.8}, fm[4][4];
        make_matrix(fm, fsp, 0, 0, fc, fs.c);
        tmesh_volume *fv = field_volume(fd, fm, sphere_fn, &fs);
        tmesh_mesh_iso_opts fo = TMESH_MESH_ISO_OPTS_INIT;
        tmesh_mesh *f = NULL;
        assert_int_equal(tmesh_mesh_isosurface(&f, fv, &fo, &err), TMESH_OK);
        tmesh_volume_free(fv);
        assert_true(f->n_vertices > 2 * 8192);
        size_t last = f->n_triangles - 1;
        x = f->tri[1];
        f->tri[1] = f->tri[2];
        f->tri[2] = x;
        memcpy(f->tri + 3 * (last / 2), f->tri + 3 * last, 3 * sizeof(uint32_t));
        tmesh_mesh_report r1, r2;
        tmesh_mesh_check_opts c1 = TMESH_MESH_CHECK_OPTS_INIT;
        c1.threads = 1;
        assert_int_equal(tmesh_mesh_check(&r1, f, &c1, &err), TMESH_OK);
        c1.threads = 2;
        assert_int_equal(tmesh_mesh_check(&r2, f, &c1, &err), TMESH_OK);
        assert_memory_equal(&r1, &r2, sizeof r1);
        assert_int_equal(r1.n_inconsistent_edges, 3);
        assert_int_equal(r1.n_duplicate_triangles, 1);
        /* the copy replaced a triangle: its three edges are used 1 and 3 times */
        assert_int_equal(r1.n_boundary_edges, 3);
        assert_int_equal(r1.n_nonmanifold_edges, 3);
        tmesh_mesh_free(f);
    }
    /* Two triangles piercing each other: one self-intersection. */
    float px[6 * 3] = {-1, -1, 0, 1, -1, 0, 0, 1, 0, 0, 0, -1, 0, 0.5f, 1, 0, -0.5f, 1};
    uint32_t ptri[2 * 3] = {0, 1, 2, 3, 4, 5};
    m = hand_mesh(px, 6, ptri, 2);
    tmesh_mesh_check_opts co = TMESH_MESH_CHECK_OPTS_INIT;
    co.self_intersections = 1;
    assert_int_equal(tmesh_mesh_check(&r, m, &co, &err), TMESH_OK);
    assert_int_equal(r.self_intersections, 1);
    tmesh_mesh_free(m);
    /* A clean sphere has none. */
    sphere s = {{0, 0, 0}, 20};
    m = sphere_mesh(&s, 44);
    assert_int_equal(tmesh_mesh_check(&r, m, &co, &err), TMESH_OK);
    assert_int_equal(r.self_intersections, 0);
    assert_true(r.ok);
    char json[4096], text[4096];
    size_t n = tmesh_mesh_report_format(json, sizeof json, &r, 1);
    assert_true(n < sizeof json && strlen(json) == n);
    assert_non_null(strstr(json, "\"watertight\": true"));
    assert_non_null(strstr(json, "\"genus\": 0"));
    assert_non_null(strstr(json, "\"coincident_vertices\": 0, \"components\": 1"));
    assert_non_null(strstr(json, "\"area_mm2\": "));
    tmesh_mesh_report_format(text, sizeof text, &r, 0);
    assert_non_null(strstr(text, "euler characteristic: 2"));
    char small[8];
    assert_int_equal(tmesh_mesh_report_format(small, sizeof small, &r, 1), n);
    assert_int_equal(strlen(small), 7);
    tmesh_mesh_free(m);
}

/* ---- files ---- */

static void test_mesh_io__round_trip_every_format(void **state)
{
    (void)state;
    sphere s = {{3, -4, 5}, 8};
    size_t dim[3] = {26, 24, 20};
    double cijk[3] = {12.5, 11.5, 9.5}, m4[4][4];
    make_matrix(m4, SP, 1, 0, cijk, s.c);
    tmesh_volume *v = field_volume(dim, m4, sphere_fn, &s);
    tmesh_mesh_iso_opts io = TMESH_MESH_ISO_OPTS_INIT;
    io.iso = 0;
    tmesh_mesh *m = NULL;
    tmesh_error err = TMESH_ERROR_INIT;
    assert_int_equal(tmesh_mesh_isosurface(&m, v, &io, &err), TMESH_OK);
    tmesh_mesh_report r0;
    assert_clean(m, &r0);
    pt *ref = malloc(m->n_vertices * sizeof *ref);
    for (size_t i = 0; i < m->n_vertices; i++)
        memcpy(ref[i].p, m->xyz + 3 * i, sizeof ref[i].p);
    qsort(ref, m->n_vertices, sizeof *ref, pt_cmp);
    char *dir = ts_mkdtemp();
    static const struct {
        const char *name;
        tmesh_mesh_format f;
        int normals;
    } cases[] = {{"a.stl", TMESH_MESH_FORMAT_AUTO, 0},      {"b.ply", TMESH_MESH_FORMAT_AUTO, 1},
                 {"c.ply", TMESH_MESH_FORMAT_PLY_ASCII, 0}, {"d.obj", TMESH_MESH_FORMAT_AUTO, 0},
                 {"e.obj", TMESH_MESH_FORMAT_AUTO, 1},      {"f.gltf", TMESH_MESH_FORMAT_AUTO, 1},
                 {"g.glb", TMESH_MESH_FORMAT_AUTO, 0},      {"h.3mf", TMESH_MESH_FORMAT_AUTO, 0},
                 {"i.dae", TMESH_MESH_FORMAT_AUTO, 0},      {"k.PLY", TMESH_MESH_FORMAT_AUTO, 0},
                 {"j.fbx", TMESH_MESH_FORMAT_AUTO, 0},      {"l.fbx", TMESH_MESH_FORMAT_AUTO, 1}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char *path = ts_path(dir, cases[c].name);
        if (cases[c].normals)
            assert_int_equal(tmesh_mesh_compute_normals(m, &err), TMESH_OK);
        tmesh_mesh_write_opts wo = TMESH_MESH_WRITE_OPTS_INIT;
        wo.format = cases[c].f;
        if (tmesh_mesh_write(m, path, &wo, &err) != TMESH_OK)
            fail_msg("%s: %s", cases[c].name, err.msg);
        free(m->normals);
        m->normals = NULL;
        char tmp[1024]; /* single-file assimp formats go through a temporary file */
        snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid());
        assert_false(ts_exists(tmp));
        tmesh_mesh *back = NULL;
        if (tmesh_mesh_read(&back, path, &err) != TMESH_OK)
            fail_msg("%s: %s", cases[c].name, err.msg);
        if (back->n_vertices != m->n_vertices || back->n_triangles != m->n_triangles)
            fail_msg("%s: read %zu vertices %zu triangles, wrote %zu %zu", cases[c].name,
                     back->n_vertices, back->n_triangles, m->n_vertices, m->n_triangles);
        pt *got = malloc(back->n_vertices * sizeof *got);
        for (size_t i = 0; i < back->n_vertices; i++)
            memcpy(got[i].p, back->xyz + 3 * i, sizeof got[i].p);
        qsort(got, back->n_vertices, sizeof *got, pt_cmp);
        for (size_t i = 0; i < back->n_vertices; i++)
            for (int k = 0; k < 3; k++)
                if (fabsf(got[i].p[k] - ref[i].p[k]) > 1e-5f * (1 + fabsf(ref[i].p[k])))
                    fail_msg("%s: vertex %zu axis %d: %.9g vs %.9g", cases[c].name, i, k,
                             (double)got[i].p[k], (double)ref[i].p[k]);
        tmesh_mesh_report r;
        assert_int_equal(tmesh_mesh_check(&r, back, NULL, &err), TMESH_OK);
        if (!r.outward || fabs(r.volume_ml - r0.volume_ml) > 1e-6)
            fail_msg("%s: read back not outward or volume %.6f vs %.6f", cases[c].name, r.volume_ml,
                     r0.volume_ml);
        free(got);
        tmesh_mesh_free(back);
        free(path);
    }
    /* FBX (binary 7500) was read back above: assimp 5.2 writes it without the null records
     * that close nested records, which its own importer rejects; the writer adds them. */
    char *fbx = ts_path(dir, "j.fbx");
    uint8_t *d = NULL;
    size_t len = 0;
    assert_int_equal(tmesh_fs_read_all(fbx, &d, &len, &err), TMESH_OK);
    assert_true(len > 1000 && memcmp(d, "Kaydara FBX Binary", 18) == 0);
    /* Declared millimetres (0.1 cm per unit) and z up. */
    static const uint8_t unit[] = {'U', 'n', 'i', 't', 'S', 'c', 'a', 'l', 'e', 'F', 'a', 'c', 't',
                                   'o', 'r', 'S', 6,   0,   0,   0,   'd', 'o', 'u', 'b', 'l', 'e'};
    const uint8_t *hit = NULL;
    for (size_t i = 0; i + sizeof unit <= len && hit == NULL; i++)
        if (memcmp(d + i, unit, sizeof unit) == 0)
            hit = d + i;
    assert_non_null(hit);
    const uint8_t *dv = hit + sizeof unit + 11 + 5; /* "Number", "", then 'D' */
    assert_int_equal(dv[0], 'D');
    double scale;
    memcpy(&scale, dv + 1, sizeof scale);
    assert_true(scale == 0.1);
    free(d);
    free(fbx);
    /* Recorded units and frame. */
    char *gl = ts_path(dir, "f.gltf");
    assert_int_equal(tmesh_fs_read_all(gl, &d, &len, &err), TMESH_OK);
    assert_non_null(strstr((char *)d, "\"units\":\"mm\""));
    assert_non_null(strstr((char *)d, "\"space\":\"LPS\""));
    free(d);
    free(gl);
    char *ply = ts_path(dir, "c.ply");
    assert_int_equal(tmesh_fs_read_all(ply, &d, &len, &err), TMESH_OK);
    assert_non_null(strstr((char *)d, "comment SPACE=LPS\n"));
    free(d);
    free(ply);
    char *dae = ts_path(dir, "i.dae");
    assert_int_equal(tmesh_fs_read_all(dae, &d, &len, &err), TMESH_OK);
    assert_non_null(strstr((char *)d, "<unit name=\"millimeter\" meter=\"0.001\" />"));
    assert_non_null(strstr((char *)d, "<up_axis>Z_UP</up_axis>"));
    free(d);
    free(dae);
    char *obj = ts_path(dir, "d.obj");
    assert_int_equal(tmesh_fs_read_all(obj, &d, &len, &err), TMESH_OK);
    assert_non_null(strstr((char *)d, "# SPACE=LPS\n"));
    free(d);
    free(obj);
    ts_rmtree(dir);
    free(dir);
    free(ref);
    tmesh_mesh_free(m);
    tmesh_volume_free(v);
}

static void test_mesh_io__labels_as_objects(void **state)
{
    (void)state;
    size_t dim[3] = {12, 10, 10};
    tmesh_error err = TMESH_ERROR_INIT;
    tmesh_volume *v = NULL;
    assert_int_equal(tmesh_volume_new(&v, dim, TMESH_VOXEL_U8, &err), TMESH_OK);
    for (size_t k = 2; k <= 7; k++)
        for (size_t j = 2; j <= 7; j++)
            for (size_t i = 2; i <= 9; i++)
                ((uint8_t *)v->data)[i + 12 * (j + 10 * k)] = i <= 5 ? 4 : 9;
    tmesh_mesh_label_opts o = TMESH_MESH_LABEL_OPTS_INIT;
    o.method = TMESH_MESH_METHOD_NETS;
    tmesh_mesh *m = NULL;
    assert_int_equal(tmesh_mesh_from_labels_all(&m, v, &o, &err), TMESH_OK);
    tmesh_mesh_report r0;
    assert_int_equal(tmesh_mesh_check(&r0, m, NULL, &err), TMESH_OK);
    char *dir = ts_mkdtemp();
    const char *names[] = {"a.glb", "b.obj", "c.ply", "d.3mf", "e.dae", "f.gltf", "g.fbx"};
    for (size_t c = 0; c < sizeof names / sizeof names[0]; c++) {
        char *p = ts_path(dir, names[c]);
        if (tmesh_mesh_write(m, p, NULL, &err) != TMESH_OK)
            fail_msg("%s: %s", names[c], err.msg);
        tmesh_mesh *b = NULL;
        if (tmesh_mesh_read(&b, p, &err) != TMESH_OK)
            fail_msg("%s: %s", names[c], err.msg);
        tmesh_mesh_report r;
        assert_int_equal(tmesh_mesh_check(&r, b, NULL, &err), TMESH_OK);
        /* PLY holds one mesh: assimp joins the touching labels' identical positions. assimp
         * names 3MF objects by id, and our 3MF writer gives label N the id N + 1. */
        if (b->n_triangles != m->n_triangles || fabs(r.volume_ml - r0.volume_ml) > 1e-7 ||
            (c != 2 && (r.n_components != 2 || !r.watertight)) ||
            (c != 2 && (b->labels == NULL || b->labels[0] != 4 ||
                        b->labels[b->n_vertices - 1] != 9)))
            fail_msg("%s: %zu triangles (want %zu), volume %.6f (want %.6f), %zu components",
                     names[c], b->n_triangles, m->n_triangles, r.volume_ml, r0.volume_ml,
                     r.n_components);
        uint8_t *d = NULL;
        size_t len = 0;
        assert_int_equal(tmesh_fs_read_all(p, &d, &len, &err), TMESH_OK);
        if (c != 2 && c != 3) { /* PLY has a label property; 3MF is zipped */
            int found = 0;
            for (size_t i = 0; i + 7 <= len && !found; i++)
                found = memcmp(d + i, "label_9", 7) == 0;
            if (!found)
                fail_msg("%s: no object named label_9", names[c]);
        }
        free(d);
        tmesh_mesh_free(b);
        free(p);
    }
    ts_rmtree(dir);
    free(dir);
    tmesh_mesh_free(m);
    tmesh_volume_free(v);
}

/* ---- determinism ---- */

#define GOLDEN_STL "5de1977c635f96f4e0a131b6c98d79c27cfe0341166257a6c84f852507356a21"

static void hash_file(const char *path, char hex[65])
{
    uint8_t *d = NULL, dig[32];
    size_t len = 0;
    tmesh_error err = TMESH_ERROR_INIT;
    assert_int_equal(tmesh_fs_read_all(path, &d, &len, &err), TMESH_OK);
    tmesh_sha256_buf(d, len, dig);
    tmesh_sha256_hex(dig, hex);
    free(d);
}

static const char *const det_formats[] = {"stl", "ply", "obj", "gltf", "glb",
                                          "3mf", "dae", "fbx"};
#define N_DET_FORMATS (sizeof det_formats / sizeof det_formats[0])

static void test_mesh_determinism__threads_1_2_7(void **state)
{
    (void)state;
    sphere s = {{0, 0, 0}, 21};
    tmesh_volume *v = sphere_volume(1, 1, 70, &s); /* 5 slabs */
    size_t dim[3] = {56, 50, 60};
    double cijk[3] = {27.5, 24.5, 29.5}, m4[4][4];
    make_matrix(m4, SP, 1, 0, cijk, s.c);
    tmesh_volume *lab = mask_volume(dim, m4, sphere_fn, &s, 1);
    char *dir = ts_mkdtemp();
    char ref[5][N_DET_FORMATS][65];
    tmesh_mesh *first[5] = {NULL};
    /* A second label touching the first, for the multi-label kind. */
    for (size_t i = 0; i < tmesh_volume_count(lab); i++)
        if (((uint8_t *)lab->data)[i] && i % 56 > 30)
            ((uint8_t *)lab->data)[i] = 2;
    unsigned th[3] = {1, 2, 7};
    for (int t = 0; t < 3; t++) {
        tmesh_error err = TMESH_ERROR_INIT;
        for (int kind = 0; kind < 5; kind++) {
            tmesh_mesh *m = NULL;
            if (kind == 4) {
                tmesh_mesh_label_opts o = TMESH_MESH_LABEL_OPTS_INIT;
                o.threads = th[t];
                o.method = TMESH_MESH_METHOD_NETS;
                assert_int_equal(tmesh_mesh_from_labels_all(&m, lab, &o, &err), TMESH_OK);
            } else if (kind == 0) {
                tmesh_mesh_iso_opts o = TMESH_MESH_ISO_OPTS_INIT;
                o.iso = 0;
                o.threads = th[t];
                assert_int_equal(tmesh_mesh_isosurface(&m, v, &o, &err), TMESH_OK);
                tmesh_mesh_smooth_opts so = TMESH_MESH_SMOOTH_OPTS_INIT;
                so.method = TMESH_MESH_SMOOTH_SINC;
                so.threads = th[t];
                assert_int_equal(tmesh_mesh_smooth(m, &so, NULL, &err), TMESH_OK);
            } else {
                tmesh_mesh_label_opts o = TMESH_MESH_LABEL_OPTS_INIT;
                o.threads = th[t];
                o.sigma = kind >= 2 ? 1.5 : 0.0;
                o.method = kind == 3 ? TMESH_MESH_METHOD_NETS : TMESH_MESH_METHOD_MC;
                assert_int_equal(tmesh_mesh_from_labels(&m, lab, &o, &err), TMESH_OK);
            }
            assert_clean(m, NULL);
            /* Every format, each thread count in its own folder under the same file names
             * (a .gltf names its .bin), so the bytes must match exactly; the .bin is hashed
             * as well. The assimp formats carry no time stamp: a second round below writes
             * them again later and compares. */
            for (size_t f = 0; f < N_DET_FORMATS; f++) {
                char name[64], hex[65];
                snprintf(name, sizeof name, "t%u", th[t]);
                char *sub = ts_path(dir, name);
                (void)mkdir(sub, 0700);
                snprintf(name, sizeof name, "t%u/k%d.%s", th[t], kind, det_formats[f]);
                char *p = ts_path(dir, name);
                if (tmesh_mesh_write(m, p, NULL, &err) != TMESH_OK)
                    fail_msg("%s: %s", name, err.msg);
                if (strcmp(det_formats[f], "gltf") == 0) {
                    snprintf(name, sizeof name, "t%u/k%d.bin", th[t], kind);
                    free(p);
                    p = ts_path(dir, name);
                }
                hash_file(p, hex);
                if (t == 0)
                    memcpy(ref[kind][f], hex, 65);
                else if (strcmp(ref[kind][f], hex) != 0)
                    fail_msg("kind %d .%s: %u threads give %s, 1 thread %s", kind,
                             det_formats[f], th[t], hex, ref[kind][f]);
                free(p);
                free(sub);
            }
            if (t == 0)
                first[kind] = m;
            else
                tmesh_mesh_free(m);
        }
    }
    /* Written again from the 1-thread meshes until the clock has moved on by two seconds
     * (zip and DOS times have a two-second step), as a second run would: same bytes. */
    time_t t0 = time(NULL);
    for (int round = 0; round < 1000 && difftime(time(NULL), t0) < 2.5; round++) {
        struct timespec nap = {0, 100000000};
        nanosleep(&nap, NULL);
    }
    for (int kind = 0; kind < 5; kind++) {
        for (size_t f = 0; f < N_DET_FORMATS; f++) {
            char name[64], hex[65];
            tmesh_error err = TMESH_ERROR_INIT;
            snprintf(name, sizeof name, "t1/k%d.%s", kind, det_formats[f]);
            char *p = ts_path(dir, name);
            assert_int_equal(tmesh_mesh_write(first[kind], p, NULL, &err), TMESH_OK);
            hash_file(p, hex);
            if (strcmp(det_formats[f], "gltf") != 0 && strcmp(ref[kind][f], hex) != 0)
                fail_msg("kind %d .%s: written again later gives %s, first %s", kind,
                         det_formats[f], hex, ref[kind][f]);
            free(p);
        }
        tmesh_mesh_free(first[kind]);
    }
    ts_rmtree(dir);
    free(dir);
    tmesh_volume_free(v);
    tmesh_volume_free(lab);
}

/* Golden bytes: the STL of a fixed phantom. A change here is a change of the case table, the
 * interpolation or the writer, and must be accepted on purpose (update the hash). */
static void test_mesh_determinism__golden_stl(void **state)
{
    (void)state;
    sphere s = {{1.5, -2.25, 3.0}, 9};
    size_t dim[3] = {28, 26, 20};
    double cijk[3] = {13.5, 12.5, 9.5}, m4[4][4];
    make_matrix(m4, SP, 1, 1, cijk, s.c);
    tmesh_volume *v = field_volume(dim, m4, sphere_fn, &s);
    tmesh_mesh_iso_opts o = TMESH_MESH_ISO_OPTS_INIT;
    o.iso = 0;
    tmesh_mesh *m = NULL;
    tmesh_error err = TMESH_ERROR_INIT;
    assert_int_equal(tmesh_mesh_isosurface(&m, v, &o, &err), TMESH_OK);
    char *dir = ts_mkdtemp(), *p = ts_path(dir, "golden.stl"), hex[65];
    assert_int_equal(tmesh_mesh_write(m, p, NULL, &err), TMESH_OK);
    hash_file(p, hex);
    if (strcmp(hex, GOLDEN_STL) != 0)
        fail_msg("golden STL changed: %s (%zu triangles); expected %s", hex, m->n_triangles,
                 GOLDEN_STL);
    ts_rmtree(dir);
    free(dir);
    free(p);
    tmesh_mesh_free(m);
    tmesh_volume_free(v);
}

/* ---- errors ---- */

static void test_mesh_errors__every_status(void **state)
{
    (void)state;
    tmesh_error err = TMESH_ERROR_INIT;
    size_t dim[3] = {4, 4, 4}, d5[3] = {5, 4, 4};
    tmesh_volume *v = NULL, *mask = NULL, *f = NULL;
    assert_int_equal(tmesh_volume_new(&v, dim, TMESH_VOXEL_U8, &err), TMESH_OK);
    assert_int_equal(tmesh_volume_new(&mask, d5, TMESH_VOXEL_U8, &err), TMESH_OK);
    assert_int_equal(tmesh_volume_new(&f, dim, TMESH_VOXEL_F32, &err), TMESH_OK);
    ((uint8_t *)v->data)[21] = 1;
    tmesh_mesh *m = NULL;
    tmesh_mesh_iso_opts io = TMESH_MESH_ISO_OPTS_INIT;
    io.iso = NAN;
    assert_int_equal(tmesh_mesh_isosurface(&m, v, &io, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "iso");
    assert_null(m);
    tmesh_error_clear(&err);
    io.iso = 0.5;
    io.threads = 300;
    assert_int_equal(tmesh_mesh_isosurface(&m, v, &io, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "threads");
    tmesh_error_clear(&err);
    io.threads = 0;
    io.mask = mask;
    assert_int_equal(tmesh_mesh_isosurface(&m, v, &io, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "mask");
    tmesh_error_clear(&err);
    v->ijk_to_lps[2][2] = 0;
    assert_int_equal(tmesh_mesh_isosurface(&m, v, NULL, &err), TMESH_E_DATA);
    ts_assert_error(err, TMESH_E_DATA, "singular");
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_mesh_from_labels(&m, v, NULL, &err), TMESH_E_DATA);
    ts_assert_error(err, TMESH_E_DATA, "singular");
    tmesh_error_clear(&err);
    v->ijk_to_lps[2][2] = 1;

    tmesh_mesh_label_opts lo = TMESH_MESH_LABEL_OPTS_INIT;
    assert_int_equal(tmesh_mesh_from_labels(&m, f, &lo, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "label volume type f32");
    tmesh_error_clear(&err);
    lo.label = 70000;
    assert_int_equal(tmesh_mesh_from_labels(&m, v, &lo, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "label 70000");
    tmesh_error_clear(&err);
    lo.label = 1;
    lo.sigma = 51;
    assert_int_equal(tmesh_mesh_from_labels(&m, v, &lo, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "sigma");
    tmesh_error_clear(&err);
    lo.sigma = 0;
    lo.method = (tmesh_mesh_method)5;
    assert_int_equal(tmesh_mesh_from_labels(&m, v, &lo, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "method");
    tmesh_error_clear(&err);
    lo.method = TMESH_MESH_METHOD_MC;
    lo.threads = 257;
    assert_int_equal(tmesh_mesh_from_labels(&m, v, &lo, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "threads");
    tmesh_error_clear(&err);
    lo.threads = 1;
    assert_int_equal(tmesh_mesh_from_labels(&m, v, &lo, &err), TMESH_OK);

    /* Post-processing options. */
    tmesh_mesh_smooth_opts so = TMESH_MESH_SMOOTH_OPTS_INIT;
    so.iterations = 0;
    assert_int_equal(tmesh_mesh_smooth(m, &so, NULL, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "iterations");
    tmesh_error_clear(&err);
    so.iterations = 5;
    so.lambda = 1.5;
    assert_int_equal(tmesh_mesh_smooth(m, &so, NULL, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "lambda");
    tmesh_error_clear(&err);
    so.lambda = 0.5;
    so.mu = -0.4;
    assert_int_equal(tmesh_mesh_smooth(m, &so, NULL, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "mu");
    tmesh_error_clear(&err);
    so.method = TMESH_MESH_SMOOTH_SINC;
    so.pass_band = 2.5;
    assert_int_equal(tmesh_mesh_smooth(m, &so, NULL, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "pass_band");
    tmesh_error_clear(&err);
    so.method = TMESH_MESH_SMOOTH_TAUBIN;
    so.pass_band = 0.1;
    so.threads = 300;
    assert_int_equal(tmesh_mesh_smooth(m, &so, NULL, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "threads");
    tmesh_error_clear(&err);
    so.threads = 0;
    so.method = (tmesh_mesh_smooth_method)7;
    assert_int_equal(tmesh_mesh_smooth(m, &so, NULL, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "method");
    tmesh_error_clear(&err);
    tmesh_mesh_decimate_opts dop = TMESH_MESH_DECIMATE_OPTS_INIT;
    dop.ratio = 0;
    assert_int_equal(tmesh_mesh_decimate(m, &dop, NULL, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "ratio");
    tmesh_error_clear(&err);
    dop.ratio = 0.5;
    dop.max_error = -1;
    assert_int_equal(tmesh_mesh_decimate(m, &dop, NULL, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "max_error");
    tmesh_error_clear(&err);
    tmesh_mesh_clean_opts clo = TMESH_MESH_CLEAN_OPTS_INIT;
    clo.weld_tolerance = -1;
    assert_int_equal(tmesh_mesh_clean(m, &clo, NULL, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "weld_tolerance");
    tmesh_error_clear(&err);
    tmesh_mesh_components_opts cop = TMESH_MESH_COMPONENTS_OPTS_INIT;
    cop.min_area = NAN;
    assert_int_equal(tmesh_mesh_filter_components(m, &cop, NULL, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "min_area");
    tmesh_error_clear(&err);

    /* Files. */
    char *dir = ts_mkdtemp();
    char *bad_ext = ts_path(dir, "x.xyz"), *missing = ts_path(dir, "nothing.stl");
    char *no_dir = ts_path(dir, "no/such/dir/x.stl"), *garbage = ts_path(dir, "g.stl");
    assert_int_equal(tmesh_mesh_write(m, bad_ext, NULL, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, bad_ext);
    tmesh_error_clear(&err);
    tmesh_mesh_write_opts wo = TMESH_MESH_WRITE_OPTS_INIT;
    wo.space = (tmesh_mesh_space)3;
    assert_int_equal(tmesh_mesh_write(m, missing, &wo, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "space");
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_mesh_write(m, no_dir, NULL, &err), TMESH_E_IO);
    ts_assert_error(err, TMESH_E_IO, "x.stl");
    tmesh_error_clear(&err);
    char *no_dir_glb = ts_path(dir, "no/such/dir/x.glb");
    assert_int_equal(tmesh_mesh_write(m, no_dir_glb, NULL, &err), TMESH_E_IO);
    ts_assert_error(err, TMESH_E_IO, no_dir_glb);
    tmesh_error_clear(&err);
    free(no_dir_glb);
    tmesh_mesh *r = NULL;
    assert_int_equal(tmesh_mesh_read(&r, missing, &err), TMESH_E_NOTFOUND);
    ts_assert_error(err, TMESH_E_NOTFOUND, missing);
    tmesh_error_clear(&err);
    ts_write_file(garbage, "not a mesh at all", 17);
    assert_int_equal(tmesh_mesh_read(&r, garbage, &err), TMESH_E_DATA);
    ts_assert_error(err, TMESH_E_DATA, garbage);
    tmesh_error_clear(&err);
    assert_null(r);

    /* A triangle index out of range is caught by every function that walks triangles. */
    m->tri[4] = (uint32_t)m->n_vertices + 5;
    tmesh_mesh_report rep;
    assert_int_equal(tmesh_mesh_check(&rep, m, NULL, &err), TMESH_E_DATA);
    ts_assert_error(err, TMESH_E_DATA, "triangle 1");
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_mesh_smooth(m, NULL, NULL, &err), TMESH_E_DATA);
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_mesh_decimate(m, NULL, NULL, &err), TMESH_E_DATA);
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_mesh_clean(m, NULL, NULL, &err), TMESH_E_DATA);
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_mesh_filter_components(m, NULL, NULL, &err), TMESH_E_DATA);
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_mesh_compute_normals(m, &err), TMESH_E_DATA);
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_mesh_write(m, missing, NULL, &err), TMESH_E_DATA);
    ts_assert_error(err, TMESH_E_DATA, missing);
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_mesh_format_from_path("a.GLB"), TMESH_MESH_FORMAT_GLB);
    assert_int_equal(tmesh_mesh_format_from_path("a.nii"), TMESH_MESH_FORMAT_AUTO);

    ts_rmtree(dir);
    free(dir);
    free(bad_ext);
    free(missing);
    free(no_dir);
    free(garbage);
    tmesh_mesh_free(m);
    tmesh_mesh_free(NULL);
    tmesh_volume_free(v);
    tmesh_volume_free(mask);
    tmesh_volume_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mesh_mc__sphere_accurate_oblique),
        cmocka_unit_test(test_mesh_mc__negative_determinant_outward),
        cmocka_unit_test(test_mesh_mc__torus_genus_one),
        cmocka_unit_test(test_mesh_mc__all_cases_watertight),
        cmocka_unit_test(test_mesh_mc__border_closed_and_mask),
        cmocka_unit_test(test_mesh_labels__mc_nets_and_smoothing),
        cmocka_unit_test(test_mesh_labels__border_closed),
        cmocka_unit_test(test_mesh_labels__all_labels_share_boundary),
        cmocka_unit_test(test_mesh_io__marker_side_lps_and_ras),
        cmocka_unit_test(test_mesh_smooth__taubin_and_sinc_keep_volume),
        cmocka_unit_test(test_mesh_smooth__fixed_boundary_on_open_mesh),
        cmocka_unit_test(test_mesh_decimate__ten_percent_watertight),
        cmocka_unit_test(test_mesh_decimate__noisy_keeps_topology),
        cmocka_unit_test(test_mesh_decimate__input_intersections_tolerated),
        cmocka_unit_test(test_mesh_decimate__input_defects_kept),
        cmocka_unit_test(test_mesh_decimate__blocks_and_seams),
        cmocka_unit_test(test_mesh_clean__weld_degenerate_duplicate),
        cmocka_unit_test(test_mesh_components__keep_largest),
        cmocka_unit_test(test_mesh_check__reports_defects),
        cmocka_unit_test(test_mesh_io__round_trip_every_format),
        cmocka_unit_test(test_mesh_io__labels_as_objects),
        cmocka_unit_test(test_mesh_determinism__threads_1_2_7),
        cmocka_unit_test(test_mesh_determinism__golden_stl),
        cmocka_unit_test(test_mesh_errors__every_status),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
