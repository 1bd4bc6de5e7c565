/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Analytic DICOM phantoms: shapes in patient LPS mm, sampled on a grid of any orientation,
 * patient position or gantry tilt, and written slice by slice through the DCMTK bridge.
 * UIDs come from SHA-256 of the spec (2.25 form), noise from a seeded generator, file names
 * are shuffled and InstanceNumber runs backwards, so a loader that orders by anything but
 * ImagePositionPatient fails the tests.
 */
#define _POSIX_C_SOURCE 200809L
#include "phantom.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static const double centre[3] = {10.0, -20.0, 30.0}; /* LPS mm: off the origin on purpose */

void phantom_spec_init(phantom_spec *s)
{
    memset(s, 0, sizeof *s);
    s->shape = PHANTOM_SPHERE;
    s->cols = 64;
    s->rows = 64;
    s->slices = 48;
    s->spacing[0] = 1.0;
    s->spacing[1] = 1.0;
    s->spacing[2] = 1.5;
    s->orient = PHANTOM_AXIAL;
    memcpy(s->position, "HFS", 4);
    s->missing = -1;
    s->duplicate = -1;
    s->syntax = TMESH_DCM_EXPLICIT_LE;
    s->seed = 1;
    s->inside = NAN;
    s->outside = NAN;
}

void phantom_spec_finish(phantom_spec *s)
{
    double ext = fmin(fmin(s->cols * s->spacing[0], s->rows * s->spacing[1]),
                      s->slices * s->spacing[2]);
    if (s->r1 <= 0)
        s->r1 = s->shape == PHANTOM_SPHERES ? 0.2 * ext
                : s->shape == PHANTOM_TORUS ? 0.25 * ext
                : s->shape == PHANTOM_SHELL ? 0.4 * ext
                                            : 0.3 * ext;
    if (s->r2 <= 0)
        s->r2 = s->shape == PHANTOM_TORUS ? 0.1 * ext : 0.35 * ext;
    if (s->r3 <= 0)
        s->r3 = 0.3 * ext;
    if (s->thick <= 0)
        s->thick = 0.08 * ext;
    if (isnan(s->inside))
        s->inside = s->mr ? 800.0 : 1000.0;
    if (isnan(s->outside))
        s->outside = s->mr ? 50.0 : -1000.0;
}

static void cross(const double a[3], const double b[3], double o[3])
{
    o[0] = a[1] * b[2] - a[2] * b[1];
    o[1] = a[2] * b[0] - a[0] * b[2];
    o[2] = a[0] * b[1] - a[1] * b[0];
}

void phantom_geometry(const phantom_spec *s, double iop[6], double step[3], double origin[3])
{
    double r[3] = {1, 0, 0}, c[3] = {0, 1, 0};
    switch (s->orient) {
    case PHANTOM_AXIAL: break;
    case PHANTOM_CORONAL: c[1] = 0; c[2] = -1; break;
    case PHANTOM_SAGITTAL: r[0] = 0; r[1] = 1; c[1] = 0; c[2] = -1; break;
    case PHANTOM_OBLIQUE: {
        double a = 20.0 * M_PI / 180.0, b = 15.0 * M_PI / 180.0;
        /* rotate about S by a, then about L by b */
        double r0[3] = {cos(a), sin(a), 0}, c0[3] = {-sin(a), cos(a), 0};
        r[0] = r0[0]; r[1] = r0[1] * cos(b) - r0[2] * sin(b); r[2] = r0[1] * sin(b) + r0[2] * cos(b);
        c[0] = c0[0]; c[1] = c0[1] * cos(b) - c0[2] * sin(b); c[2] = c0[1] * sin(b) + c0[2] * cos(b);
        break;
    }
    }
    /* Patient position flips the in-plane axes the way scanners write them. */
    double sx = 1, sy = 1;
    if (strcmp(s->position, "FFS") == 0)
        sx = -1;
    else if (strcmp(s->position, "HFP") == 0)
        sx = sy = -1;
    else if (strcmp(s->position, "FFP") == 0)
        sy = -1;
    for (int a = 0; a < 3; a++) {
        r[a] *= sx;
        c[a] *= sy;
    }
    double n[3];
    if (s->tilt_deg != 0.0 && s->orient == PHANTOM_AXIAL) {
        /* Tilt about the L axis: the image plane tilts, the table still moves along S. */
        double t = s->tilt_deg * M_PI / 180.0;
        double c2[3] = {0, sy * cos(t), -sy * sin(t)};
        memcpy(c, c2, sizeof c);
        cross(r, c, n);
        double sign = n[2] >= 0 ? 1.0 : -1.0;
        step[0] = 0;
        step[1] = 0;
        step[2] = sign * s->spacing[2] / cos(t); /* gap along the normal stays spacing[2] */
    } else {
        cross(r, c, n);
        for (int a = 0; a < 3; a++)
            step[a] = n[a] * s->spacing[2];
    }
    memcpy(iop, r, sizeof r);
    memcpy(iop + 3, c, sizeof c);
    for (int a = 0; a < 3; a++)
        origin[a] = centre[a] - 0.5 * (s->cols - 1) * s->spacing[0] * r[a] -
                    0.5 * (s->rows - 1) * s->spacing[1] * c[a] - 0.5 * (s->slices - 1) * step[a];
}

void phantom_expected_matrix(const phantom_spec *s, double m[4][4])
{
    double iop[6], step[3], origin[3];
    phantom_geometry(s, iop, step, origin);
    memset(m, 0, 16 * sizeof(double));
    for (int a = 0; a < 3; a++) {
        m[a][0] = iop[a] * s->spacing[0];
        m[a][1] = iop[3 + a] * s->spacing[1];
        m[a][2] = step[a];
        m[a][3] = origin[a];
    }
    m[3][3] = 1;
}

static int inside_ball(const double p[3], const double c[3], double r)
{
    double d0 = p[0] - c[0], d1 = p[1] - c[1], d2 = p[2] - c[2];
    return d0 * d0 + d1 * d1 + d2 * d2 <= r * r;
}

double phantom_value(const phantom_spec *s, const double lps[3])
{
    double p[3] = {lps[0] - centre[0], lps[1] - centre[1], lps[2] - centre[2]};
    const double zero[3] = {0, 0, 0};
    int in = 0;
    switch (s->shape) {
    case PHANTOM_SPHERE: in = inside_ball(p, zero, s->r1); break;
    case PHANTOM_SHELL: {
        double o = p[0] * p[0] / (s->r1 * s->r1) + p[1] * p[1] / (s->r2 * s->r2) +
                   p[2] * p[2] / (s->r3 * s->r3);
        double a = s->r1 - s->thick, b = s->r2 - s->thick, c = s->r3 - s->thick;
        double i = p[0] * p[0] / (a * a) + p[1] * p[1] / (b * b) + p[2] * p[2] / (c * c);
        in = o <= 1.0 && i > 1.0;
        break;
    }
    case PHANTOM_TORUS: {
        double q = sqrt(p[0] * p[0] + p[1] * p[1]) - s->r1;
        in = q * q + p[2] * p[2] <= s->r2 * s->r2;
        break;
    }
    case PHANTOM_SPHERES: {
        double a[3] = {-s->r1, 0, 0}, b[3] = {s->r1, 0, 0};
        in = inside_ball(p, a, s->r1) || inside_ball(p, b, s->r1);
        break;
    }
    case PHANTOM_MARKER: {
        /* main ball, a block on the patient's left (+L), a small ball anterior (-P) and
         * superior (+S) */
        double r = s->r1;
        double small[3] = {0, -0.9 * r, 0.9 * r};
        in = inside_ball(p, zero, r) ||
             (p[0] >= 0.8 * r && p[0] <= 1.5 * r && fabs(p[1]) <= 0.25 * r && fabs(p[2]) <= 0.25 * r) ||
             inside_ball(p, small, 0.35 * r);
        break;
    }
    }
    return in ? s->inside : s->outside;
}

/* ---- deterministic UIDs and noise ---- */

static void make_uid(const phantom_spec *s, const char *role, int k, char out[65])
{
    char text[512];
    snprintf(text, sizeof text,
             "tracemesh-phantom|%d|%d|%d|%d|%.6f|%.6f|%.6f|%d|%s|%.6f|%d|%d|%d|%d|%.6f|%llu|%d|"
             "%.6f|%.6f|%.6f|%.6f|%s|%d",
             s->shape, s->cols, s->rows, s->slices, s->spacing[0], s->spacing[1], s->spacing[2],
             s->orient, s->position, s->tilt_deg, s->missing, s->duplicate, s->syntax, s->gzip,
             s->noise, (unsigned long long)s->seed, s->mr, s->r1, s->r2, s->r3, s->thick, role, k);
    if (s->slope > 0 && s->slope != 1.0) { /* the UIDs of slope 1 series stay as they were */
        size_t len = strlen(text);
        snprintf(text + len, sizeof text - len, "|slope %.6g", s->slope);
    }
    uint8_t d[32];
    tmesh_sha256_buf(text, strlen(text), d);
    /* 2.25.<128-bit integer in decimal> (PS3.5 B.2) */
    uint8_t num[16];
    memcpy(num, d, 16);
    char digits[48];
    int nd = 0;
    for (;;) {
        int zero = 1;
        unsigned rem = 0;
        for (int i = 0; i < 16; i++) {
            unsigned cur = rem * 256u + num[i];
            num[i] = (uint8_t)(cur / 10u);
            rem = cur % 10u;
            if (num[i])
                zero = 0;
        }
        digits[nd++] = (char)('0' + rem);
        if (zero)
            break;
    }
    int o = snprintf(out, 65, "2.25.");
    for (int i = nd - 1; i >= 0 && o < 64; i--)
        out[o++] = digits[i];
    out[o] = '\0';
}

static uint64_t rng_next(uint64_t *st)
{
    /* xorshift64* */
    uint64_t x = *st;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *st = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static double rng_gauss(uint64_t *st)
{
    double u1 = ((double)(rng_next(st) >> 11) + 0.5) / 9007199254740992.0;
    double u2 = ((double)(rng_next(st) >> 11) + 0.5) / 9007199254740992.0;
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

static tmesh_status mkdir_p(const char *dir, tmesh_error *err)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", dir);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(tmp, 0755);
            *p = '/';
        }
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
        return tmesh_error_set(err, TMESH_E_IO, "%s: cannot create folder: %s", dir, strerror(errno));
    return TMESH_OK;
}

static void fmt_ds(char *out, size_t cap, const double *v, int n)
{
    size_t o = 0;
    for (int i = 0; i < n && o < cap; i++) {
        double x = fabs(v[i]) < 5e-10 ? 0.0 : v[i];
        o += (size_t)snprintf(out + o, cap - o, "%s%.9g", i ? "\\" : "", x);
    }
}

tmesh_status phantom_write(const phantom_spec *spec, const char *dir, tmesh_error *err)
{
    phantom_spec s = *spec;
    phantom_spec_finish(&s);
    if (s.cols < 2 || s.rows < 2 || s.slices < 1 || s.cols > 4096 || s.rows > 4096 ||
        s.slices > 4096)
        return tmesh_error_set(err, TMESH_E_ARG, "phantom size %dx%dx%d out of range", s.cols,
                               s.rows, s.slices);
    double slope = s.slope > 0 ? s.slope : 1.0;
    if (!s.mr && (s.inside + 1024 > 4095 * slope || s.outside + 1024 < 0))
        return tmesh_error_set(err, TMESH_E_ARG, "CT values must lie in -1024..%g HU",
                               4095 * slope - 1024);
    tmesh_status st = mkdir_p(dir, err);
    if (st != TMESH_OK)
        return st;
    double iop[6], step[3], origin[3];
    phantom_geometry(&s, iop, step, origin);
    char study[65], series[65], frame[65];
    make_uid(&s, "study", 0, study);
    make_uid(&s, "series", 0, series);
    make_uid(&s, "frame", 0, frame);

    int n_out = s.slices + (s.duplicate >= 0 ? 1 : 0);
    int *perm = malloc((size_t)n_out * sizeof *perm);
    uint16_t *px = malloc((size_t)s.cols * s.rows * sizeof *px);
    if (perm == NULL || px == NULL) {
        free(perm);
        free(px);
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory");
    }
    uint64_t rng = s.seed * 0x9E3779B97F4A7C15ULL + 1;
    for (int i = 0; i < n_out; i++)
        perm[i] = i;
    for (int i = n_out - 1; i > 0; i--) {
        int j = (int)(rng_next(&rng) % (uint64_t)(i + 1));
        int t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    uint64_t noise_rng = s.seed * 0xD1B54A32D192ED03ULL + 7;
    int out_i = 0;
    for (int k = 0; k < s.slices && st == TMESH_OK; k++) {
        if (k == s.missing)
            continue;
        double ipp[3];
        for (int a = 0; a < 3; a++)
            ipp[a] = origin[a] + k * step[a];
        for (int j = 0; j < s.rows; j++)
            for (int i = 0; i < s.cols; i++) {
                double p[3];
                for (int a = 0; a < 3; a++)
                    p[a] = ipp[a] + i * s.spacing[0] * iop[a] + j * s.spacing[1] * iop[3 + a];
                double v = phantom_value(&s, p);
                if (s.noise > 0)
                    v += s.noise * rng_gauss(&noise_rng);
                double stored = s.mr ? v : (v + 1024.0) / slope;
                stored = floor(stored + 0.5);
                if (stored < 0)
                    stored = 0;
                if (stored > 4095)
                    stored = 4095;
                px[i + s.cols * j] = (uint16_t)stored;
            }
        int copies = k == s.duplicate ? 2 : 1;
        for (int c = 0; c < copies && st == TMESH_OK; c++, out_i++) {
            char sop[65], ipp_s[80], iop_s[120], ps[48], inst[16], thick[24], tilt[24], sl[24];
            make_uid(&s, c ? "sop-duplicate" : "sop", k, sop);
            fmt_ds(ipp_s, sizeof ipp_s, ipp, 3);
            fmt_ds(iop_s, sizeof iop_s, iop, 6);
            double psv[2] = {s.spacing[1], s.spacing[0]};
            fmt_ds(ps, sizeof ps, psv, 2);
            snprintf(inst, sizeof inst, "%d", s.slices - k); /* backwards on purpose */
            /* SliceThickness deliberately differs from the spacing: loaders must not use it. */
            snprintf(thick, sizeof thick, "%.6g", 2.0 * s.spacing[2]);
            snprintf(tilt, sizeof tilt, "%.6g", s.tilt_deg);
            snprintf(sl, sizeof sl, "%.6g", slope);
            tmesh_dcm_attr attrs[32];
            size_t na = 0;
#define ATTR(g, e, v) attrs[na++] = (tmesh_dcm_attr){g, e, v}
            ATTR(0x0008, 0x0016, s.mr ? "1.2.840.10008.5.1.4.1.1.4" : "1.2.840.10008.5.1.4.1.1.2");
            ATTR(0x0008, 0x0018, sop);
            ATTR(0x0008, 0x0020, "20260101");
            ATTR(0x0008, 0x0060, s.mr ? "MR" : "CT");
            ATTR(0x0008, 0x0070, "tracemesh phantom");
            ATTR(0x0008, 0x103e, "tracemesh phantom");
            ATTR(0x0008, 0x0050, "ACC-PHANTOM-7");
            ATTR(0x0010, 0x0010, "Phantom^Patricia");
            ATTR(0x0010, 0x0020, "PID-PHANTOM-42");
            ATTR(0x0010, 0x0030, "19700101");
            ATTR(0x0018, 0x0050, thick);
            if (s.tilt_deg != 0.0)
                ATTR(0x0018, 0x1120, tilt);
            ATTR(0x0018, 0x5100, s.position);
            ATTR(0x0020, 0x000d, study);
            ATTR(0x0020, 0x000e, series);
            ATTR(0x0020, 0x0011, "1");
            ATTR(0x0020, 0x0013, inst);
            ATTR(0x0020, 0x0032, ipp_s);
            ATTR(0x0020, 0x0037, iop_s);
            ATTR(0x0020, 0x0052, frame);
            ATTR(0x0028, 0x0030, ps);
            if (!s.mr) {
                ATTR(0x0028, 0x1052, "-1024");
                ATTR(0x0028, 0x1053, sl);
                ATTR(0x0028, 0x1054, "HU");
            }
#undef ATTR
            char path[4200];
            snprintf(path, sizeof path, "%s/IM%05d.dcm", dir, perm[out_i] + 1);
            st = tmesh_dcmtk_write_image(path, attrs, na, s.rows, s.cols, 0, 12, px, s.syntax, err);
            if (st == TMESH_OK && s.gzip) {
                uint8_t *data = NULL;
                size_t len = 0;
                st = tmesh_fs_read_all(path, &data, &len, err);
                char gz[4300];
                snprintf(gz, sizeof gz, "%s.gz", path);
                const void *parts[1] = {data};
                if (st == TMESH_OK)
                    st = tmesh_fs_write_atomic_parts(gz, 1, parts, &len, 1, err);
                free(data);
                unlink(path);
            }
        }
    }
    free(perm);
    free(px);
    return st;
}
