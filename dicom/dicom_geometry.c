/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Slice geometry: orientation labels, ordering along the slice normal, and the plan that turns
 * a sorted stack into a volume matrix in patient LPS millimetres. Positions come only from
 * ImagePositionPatient projected on the normal (PS3.3 C.7.6.2.1.1: IPP is the centre of the
 * first voxel); never from InstanceNumber, file names or SliceThickness.
 */
#define _POSIX_C_SOURCE 200809L
#include "dicom_int.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

void tmesh_dicom__warning_append(char *buf, size_t cap, const char *fmt, ...)
{
    size_t used = strlen(buf);
    if (used + 3 >= cap)
        return;
    if (used > 0) {
        memcpy(buf + used, "; ", 3);
        used += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + used, cap - used, fmt, ap);
    va_end(ap);
}

void tmesh_dicom__normal(const double iop[6], double n_out[3])
{
    n_out[0] = iop[1] * iop[5] - iop[2] * iop[4];
    n_out[1] = iop[2] * iop[3] - iop[0] * iop[5];
    n_out[2] = iop[0] * iop[4] - iop[1] * iop[3];
    double len = sqrt(n_out[0] * n_out[0] + n_out[1] * n_out[1] + n_out[2] * n_out[2]);
    if (len > 0)
        for (int a = 0; a < 3; a++)
            n_out[a] /= len;
}

const char *tmesh_dicom__orientation_label(const double iop[6])
{
    double n[3];
    tmesh_dicom__normal(iop, n);
    /* Aligned when every direction cosine is within 1e-3 of an axis (0.06 degrees). */
    int aligned = 1;
    for (int a = 0; a < 6; a++) {
        double v = fabs(iop[a]);
        if (v > 1e-3 && fabs(v - 1.0) > 1e-3)
            aligned = 0;
    }
    if (!aligned)
        return "oblique";
    int axis = 0;
    for (int a = 1; a < 3; a++)
        if (fabs(n[a]) > fabs(n[axis]))
            axis = a;
    return axis == 0 ? "sagittal" : axis == 1 ? "coronal" : "axial";
}

static int cmp_slice(const void *pa, const void *pb, void *ctx)
{
    const dcm_slice *a = pa, *b = pb;
    const dcm_file *sort_files = ctx;
    if (a->dist < b->dist)
        return -1;
    if (a->dist > b->dist)
        return 1;
    int c = strcmp(sort_files[a->file].hdr.sop_instance_uid, sort_files[b->file].hdr.sop_instance_uid);
    if (c != 0)
        return c;
    if (a->frame != b->frame)
        return a->frame < b->frame ? -1 : 1;
    return strcmp(sort_files[a->file].rel, sort_files[b->file].rel);
}

static int has_geometry(const tmesh_dcm_frame *g)
{
    return g->has_ipp && g->has_iop;
}

void tmesh_dicom__sort_slices(dcm_slice *slices, size_t n, const dcm_file *files)
{
    for (size_t s = 0; s < n; s++) {
        dcm_slice *sl = &slices[s];
        if (has_geometry(&sl->geo)) {
            double nrm[3];
            tmesh_dicom__normal(sl->geo.iop, nrm);
            sl->dist = nrm[0] * sl->geo.ipp[0] + nrm[1] * sl->geo.ipp[1] + nrm[2] * sl->geo.ipp[2];
        } else {
            /* No geometry (only loadable with an explicit assumption): in-stack position,
             * else instance number, then frame order. */
            double order = sl->geo.in_stack_pos >= 0 ? sl->geo.in_stack_pos
                                                     : files[sl->file].hdr.instance_number;
            sl->dist = order * 1e6 + sl->frame;
        }
    }
    /* A total order (position, SOP Instance UID, frame, path), so stability is not relied on;
     * on allocation failure the slices stay unsorted and the plan reports the disorder. */
    (void)tmesh_sort(slices, n, sizeof *slices, cmp_slice, (void *)files, NULL);
}

void tmesh_dicom__plan_free(dcm_plan *p)
{
    if (p == NULL)
        return;
    free(p->lo);
    free(p->hi);
    free(p->w);
    free(p->shift);
    memset(p, 0, sizeof *p);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double dot3(const double *a, const double *b)
{
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

/* Build the per-output-slice interpolation of a resampled plan. */
static tmesh_status plan_resample(dcm_plan *p, const dcm_slice *s, size_t n, double h,
                                  const double r[3], const double c[3], const double nrm[3],
                                  double cs, double rs, tmesh_error *err)
{
    double span = s[n - 1].dist - s[0].dist;
    size_t k_out = (size_t)floor(span / h + 1e-6) + 1;
    p->lo = malloc(k_out * sizeof *p->lo);
    p->hi = malloc(k_out * sizeof *p->hi);
    p->w = malloc(k_out * sizeof *p->w);
    p->shift = malloc(2 * n * sizeof *p->shift);
    if (!p->lo || !p->hi || !p->w || !p->shift)
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for the resampling plan");
    size_t a = 0;
    for (size_t k = 0; k < k_out; k++) {
        double d = s[0].dist + (double)k * h;
        while (a + 2 < n && s[a + 1].dist <= d)
            a++;
        double d0 = s[a].dist, d1 = s[a + 1 < n ? a + 1 : a].dist;
        double w = d1 > d0 ? (d - d0) / (d1 - d0) : 0.0;
        if (w < 0)
            w = 0;
        if (w > 1)
            w = 1;
        p->lo[k] = a;
        p->hi[k] = a + 1 < n ? a + 1 : a;
        p->w[k] = w;
    }
    for (size_t i = 0; i < n; i++) {
        double d[3] = {s[0].geo.ipp[0] - s[i].geo.ipp[0], s[0].geo.ipp[1] - s[i].geo.ipp[1],
                       s[0].geo.ipp[2] - s[i].geo.ipp[2]};
        p->shift[2 * i] = dot3(d, r) / cs;
        p->shift[2 * i + 1] = dot3(d, c) / rs;
    }
    p->dim[2] = k_out;
    for (int a3 = 0; a3 < 3; a3++) {
        p->ijk_to_lps[a3][0] = r[a3] * cs;
        p->ijk_to_lps[a3][1] = c[a3] * rs;
        p->ijk_to_lps[a3][2] = nrm[a3] * h;
        p->ijk_to_lps[a3][3] = s[0].geo.ipp[a3];
    }
    p->resample = 1;
    return TMESH_OK;
}

tmesh_status tmesh_dicom__plan(dcm_plan *p, const dcm_slice *s, size_t n, int rows, int cols,
                               const dcm_file *files, const tmesh_dicom_load_opts *opts,
                               int describe_only, tmesh_error *err)
{
    memset(p, 0, sizeof *p);
    TMESH_ASSERT(n > 0);
    p->dim[0] = (size_t)cols;
    p->dim[1] = (size_t)rows;
    p->dim[2] = n;
    p->ijk_to_lps[3][3] = 1.0;

    const tmesh_dcm_frame *g0 = &s[0].geo;
    int geometry = 1;
    for (size_t i = 0; i < n; i++)
        if (!has_geometry(&s[i].geo) || !s[i].geo.has_spacing)
            geometry = 0;
    if (!geometry) {
        p->warnings |= TMESH_DICOM_W_NO_GEOMETRY;
        if (opts->assume != TMESH_DICOM_ASSUME_AXIAL) {
            const dcm_slice *bad = s;
            for (size_t i = 0; i < n; i++)
                if (!has_geometry(&s[i].geo) || !s[i].geo.has_spacing) {
                    bad = &s[i];
                    break;
                }
            return tmesh_error_set(
                err, TMESH_E_DATA,
                "%s: no %s: the patient geometry is unknown (pass --assume-axial to load it "
                "as axial slices in file order, 1 mm where no spacing is given)",
                files[bad->file].rel,
                !bad->geo.has_iop ? "ImageOrientationPatient"
                : !bad->geo.has_ipp ? "ImagePositionPatient"
                                    : "PixelSpacing");
        }
        double cs = g0->has_spacing ? g0->spacing[1] : 1.0;
        double rs = g0->has_spacing ? g0->spacing[0] : 1.0;
        p->ijk_to_lps[0][0] = cs;
        p->ijk_to_lps[1][1] = rs;
        p->ijk_to_lps[2][2] = 1.0;
        tmesh_dicom__warning_append(p->warning_text, sizeof p->warning_text,
                                    describe_only
                                        ? "no patient geometry (loads only with --assume-axial)"
                                        : "no patient geometry: axial orientation assumed");
        return TMESH_OK;
    }

    double cs = g0->spacing[1], rs = g0->spacing[0]; /* PixelSpacing is row\column spacing */
    if (!(cs > 0) || !(rs > 0) || !isfinite(cs) || !isfinite(rs))
        return tmesh_error_set(err, TMESH_E_DATA,
                               "%s: PixelSpacing %g\\%g mm is not positive",
                               files[s[0].file].rel, rs, cs);
    const double *r = g0->iop, *c = g0->iop + 3;
    double rl = sqrt(dot3(r, r)), cl = sqrt(dot3(c, c));
    if (fabs(rl - 1) > 0.01 || fabs(cl - 1) > 0.01 || fabs(dot3(r, c)) > 0.01)
        return tmesh_error_set(err, TMESH_E_DATA,
                               "%s: ImageOrientationPatient %g\\%g\\%g\\%g\\%g\\%g is not two "
                               "orthogonal unit vectors",
                               files[s[0].file].rel, r[0], r[1], r[2], c[0], c[1], c[2]);
    double ru[3] = {r[0] / rl, r[1] / rl, r[2] / rl}, cu[3] = {c[0] / cl, c[1] / cl, c[2] / cl};
    double nrm[3];
    tmesh_dicom__normal(g0->iop, nrm);
    if (strcmp(tmesh_dicom__orientation_label(g0->iop), "oblique") == 0) {
        p->warnings |= TMESH_DICOM_W_OBLIQUE;
        tmesh_dicom__warning_append(p->warning_text, sizeof p->warning_text,
                                    "oblique orientation (kept exactly in the matrix)");
    }

    for (int a = 0; a < 3; a++) {
        p->ijk_to_lps[a][0] = ru[a] * cs;
        p->ijk_to_lps[a][1] = cu[a] * rs;
        p->ijk_to_lps[a][3] = g0->ipp[a];
    }
    if (n == 1) {
        p->warnings |= TMESH_DICOM_W_SINGLE_SLICE;
        tmesh_dicom__warning_append(p->warning_text, sizeof p->warning_text,
                                    "single slice: slice spacing unknown, 1 mm assumed");
        for (int a = 0; a < 3; a++)
            p->ijk_to_lps[a][2] = nrm[a];
        return TMESH_OK;
    }

    /* Gaps along the normal. */
    double *gaps = malloc((n - 1) * sizeof *gaps), *sorted = malloc((n - 1) * sizeof *sorted);
    if (gaps == NULL || sorted == NULL) {
        free(gaps);
        free(sorted);
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for %zu slice gaps", n);
    }
    for (size_t i = 0; i + 1 < n; i++)
        gaps[i] = sorted[i] = s[i + 1].dist - s[i].dist;
    qsort(sorted, n - 1, sizeof *sorted, cmp_double);
    double median = sorted[(n - 1) / 2];
    free(sorted);
    p->median_gap = median;

    /* Positions written with a few decimals: 1% of the gap or 0.01 mm, whichever is larger. */
    double tol = fmax(0.01, 0.01 * median);
    tmesh_status st = TMESH_OK;
    int irregular = 0;
    for (size_t i = 0; i + 1 < n && st == TMESH_OK; i++) {
        const char *fa = files[s[i].file].rel, *fb = files[s[i + 1].file].rel;
        if (gaps[i] < 1e-3) {
            p->warnings |= TMESH_DICOM_W_DUPLICATE;
            st = tmesh_error_set(err, TMESH_E_DATA,
                                 "%s: duplicate slice position: %s (frame %u) and %s (frame %u) "
                                 "are both at %.3f mm along the normal (slice %zu of %zu)",
                                 fb, fa, s[i].frame + 1, fb, s[i + 1].frame + 1, s[i].dist, i + 2, n);
            break;
        }
        if (fabs(gaps[i] - median) <= tol)
            continue;
        double k = gaps[i] / median;
        double kr = floor(k + 0.5);
        if (kr >= 2 && fabs(gaps[i] - kr * median) <= tol * kr) {
            p->warnings |= TMESH_DICOM_W_MISSING;
            tmesh_dicom__warning_append(p->warning_text, sizeof p->warning_text,
                                        "%.0f slice(s) missing between %s and %s", kr - 1, fa, fb);
            if (!opts->resample)
                st = tmesh_error_set(err, TMESH_E_DATA,
                                     "%s: missing slice: gap %.2f mm is %.0f x the usual %.2f mm "
                                     "(after slice %zu of %zu, %s); pass --resample to interpolate",
                                     fb, gaps[i], kr, median, i + 1, n, fa);
        } else {
            p->warnings |= TMESH_DICOM_W_NONUNIFORM;
            if ((p->warnings & TMESH_DICOM_W_NONUNIFORM) && !strstr(p->warning_text, "slice gaps"))
                tmesh_dicom__warning_append(p->warning_text, sizeof p->warning_text,
                                            "slice gaps vary (%.3f mm at %s, median %.3f mm)",
                                            gaps[i], fb, median);
            if (!opts->resample)
                st = tmesh_error_set(err, TMESH_E_DATA,
                                     "%s: slice gap %.2f mm differs from median %.2f mm (slice %zu "
                                     "of %zu); pass --resample for a uniform grid",
                                     fb, gaps[i], median, i + 2, n);
        }
        irregular = 1;
    }
    free(gaps);
    if (st != TMESH_OK)
        return st;

    /* Stacking direction: where the slices step, as opposed to where they face. */
    double step[3];
    for (int a = 0; a < 3; a++)
        step[a] = (s[n - 1].geo.ipp[a] - s[0].geo.ipp[a]) / (double)(n - 1);
    double along = dot3(step, nrm);
    double inplane[3] = {step[0] - along * nrm[0], step[1] - along * nrm[1],
                         step[2] - along * nrm[2]};
    double drift = sqrt(dot3(inplane, inplane));
    p->tilt_deg = atan2(drift, fabs(along)) * (180.0 / 3.14159265358979323846);
    int tilted = p->tilt_deg > 0.01;
    /* Every slice must sit on the line first + i*step (to within tol) unless resampling. */
    int collinear = 1;
    if (!irregular)
        for (size_t i = 0; i < n && collinear; i++)
            for (int a = 0; a < 3; a++)
                if (fabs(s[0].geo.ipp[a] + (double)i * step[a] - s[i].geo.ipp[a]) > tol)
                    collinear = 0;
    if (tilted) {
        p->warnings |= TMESH_DICOM_W_TILT;
        tmesh_dicom__warning_append(
            p->warning_text, sizeof p->warning_text, "gantry tilt %.2f deg%s%s", p->tilt_deg, describe_only ? "" : " ",
            describe_only ? ""
            : (opts->tilt == TMESH_DICOM_TILT_RESAMPLE || irregular)
                ? "resampled onto an orthogonal grid"
                : "kept as a sheared matrix");
    }
    if (!collinear && !opts->resample)
        return tmesh_error_set(err, TMESH_E_DATA,
                               "%s: slice positions do not lie on one line (in-plane offsets "
                               "vary); pass --resample to resample them",
                               files[s[n - 1].file].rel);

    if (irregular || !collinear || (tilted && opts->tilt == TMESH_DICOM_TILT_RESAMPLE)) {
        double h = opts->resample_mm > 0 ? opts->resample_mm : median;
        if (!describe_only)
            tmesh_dicom__warning_append(p->warning_text, sizeof p->warning_text,
                                        "resampled to %.3f mm slices (linear)", h);
        return plan_resample(p, s, n, h, ru, cu, nrm, cs, rs, err);
    }
    for (int a = 0; a < 3; a++)
        p->ijk_to_lps[a][2] = step[a];
    return TMESH_OK;
}
