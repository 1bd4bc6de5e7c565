/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The side-by-side panel of a figure for clinical review: the source scan resampled on the plane
 * through the centre of the labelled region, facing the viewer of the 3D view (so both panels
 * share the screen's right and up in patient space), with the outline of the label voxels.
 */
#define _POSIX_C_SOURCE 200809L
#include "render_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int sample_index(const tmesh_volume *v, const double ijk[3], size_t out[3])
{
    for (int a = 0; a < 3; a++) {
        double r = floor(ijk[a] + 0.5);
        if (!(r >= 0 && r < (double)v->dim[a]))
            return 0;
        out[a] = (size_t)r;
    }
    return 1;
}

tmesh_status render__side_panel(uint8_t *rgb, unsigned pw, unsigned h, const render__figure *fig,
                                tmesh_error *err)
{
    const tmesh_render_side *sd = fig->o->side;
    const tmesh_volume *vol = sd->volume;
    /* the outlined region: the label voxels, or the scan at or above the iso value */
    const tmesh_volume *lab = sd->labels ? sd->labels : sd->volume;
    int iso_mode = sd->labels == NULL;
    double iso = sd->iso;
    const render__frame *f = &fig->frame;
    /* centre and extent on screen of the labelled voxels */
    double sum[3] = {0, 0, 0}, lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
    size_t n = 0;
    for (size_t k = 0; k < lab->dim[2]; k++)
        for (size_t j = 0; j < lab->dim[1]; j++)
            for (size_t i = 0; i < lab->dim[0]; i++) {
                double lv = tmesh_volume_get(lab, i, j, k);
                if (iso_mode ? !(lv >= iso) : lv == 0)
                    continue;
                double ijk[3] = {(double)i, (double)j, (double)k}, p[3];
                tmesh_volume_index_to_lps(lab, ijk, p);
                for (int a = 0; a < 3; a++)
                    sum[a] += p[a];
                double sr = p[0] * f->right[0] + p[1] * f->right[1] + p[2] * f->right[2];
                double su = p[0] * f->up[0] + p[1] * f->up[1] + p[2] * f->up[2];
                lo[0] = fmin(lo[0], sr), hi[0] = fmax(hi[0], sr);
                lo[1] = fmin(lo[1], su), hi[1] = fmax(hi[1], su);
                n++;
            }
    if (n == 0)
        return tmesh_error_set(err, TMESH_E_DATA, "side-by-side: %s",
                               iso_mode ? "no voxel of the scan reaches the iso value"
                                        : "the label volume is empty");
    double c[3] = {sum[0] / (double)n, sum[1] / (double)n, sum[2] / (double)n};
    double cr = c[0] * f->right[0] + c[1] * f->right[1] + c[2] * f->right[2];
    double cu = c[0] * f->up[0] + c[1] * f->up[1] + c[2] * f->up[2];
    /* the labelled region fills 85 % of the panel, centred */
    double ext = fmax(fmax(hi[0] - cr, cr - lo[0]) / (0.425 * pw),
                      fmax(hi[1] - cu, cu - lo[1]) / (0.425 * h));
    double mm_px = fmax(ext, 1e-3);
    /* the plane is affine in the panel's pixels: index = i0 + x * di_x + y * di_y */
    double p0[3], px[3], py[3], i0[3], ix[3], iy[3];
    for (int a = 0; a < 3; a++) {
        p0[a] = c[a] - (0.5 * pw - 0.5) * mm_px * f->right[a] + (0.5 * h - 0.5) * mm_px * f->up[a];
        px[a] = p0[a] + mm_px * f->right[a];
        py[a] = p0[a] - mm_px * f->up[a];
    }
    tmesh_status st;
    if ((st = tmesh_volume_lps_to_index(vol, p0, i0, err)) != TMESH_OK ||
        (st = tmesh_volume_lps_to_index(vol, px, ix, err)) != TMESH_OK ||
        (st = tmesh_volume_lps_to_index(vol, py, iy, err)) != TMESH_OK)
        return st;
    double lab_i0[3], lab_ix[3], lab_iy[3];
    if ((st = tmesh_volume_lps_to_index(lab, p0, lab_i0, err)) != TMESH_OK ||
        (st = tmesh_volume_lps_to_index(lab, px, lab_ix, err)) != TMESH_OK ||
        (st = tmesh_volume_lps_to_index(lab, py, lab_iy, err)) != TMESH_OK)
        return st;
    float *val = malloc((size_t)pw * h * sizeof *val);
    uint8_t *in = malloc((size_t)pw * h);
    if (val == NULL || in == NULL) {
        free(val);
        free(in);
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for the side panel");
    }
    double vmin = INFINITY, vmax = -INFINITY;
    for (unsigned y = 0; y < h; y++)
        for (unsigned x = 0; x < pw; x++) {
            double q[3], ql[3];
            size_t idx[3];
            for (int a = 0; a < 3; a++) {
                q[a] = i0[a] + x * (ix[a] - i0[a]) + y * (iy[a] - i0[a]);
                ql[a] = lab_i0[a] + x * (lab_ix[a] - lab_i0[a]) + y * (lab_iy[a] - lab_i0[a]);
            }
            size_t o = (size_t)y * pw + x;
            val[o] = NAN;
            if (sample_index(vol, q, idx)) {
                double v = tmesh_volume_get(vol, idx[0], idx[1], idx[2]);
                if (isfinite(v)) {
                    val[o] = (float)v;
                    vmin = fmin(vmin, v);
                    vmax = fmax(vmax, v);
                }
            }
            if (!sample_index(lab, ql, idx)) {
                in[o] = 0;
            } else {
                double lv = tmesh_volume_get(lab, idx[0], idx[1], idx[2]);
                in[o] = iso_mode ? lv >= iso : lv != 0;
            }
        }
    double wc = sd->window_width > 0 ? sd->window_center : 0.5 * (vmin + vmax);
    double ww = sd->window_width > 0 ? sd->window_width : fmax(vmax - vmin, 1e-6);
    const double *oc = sd->outline_color;
    /* outline about 0.5 pt wide: inside pixels with an outside pixel within t along x or y */
    long t = lround(fmax(1.0, fig->o->dpi / 144.0));
    for (unsigned y = 0; y < h; y++)
        for (unsigned x = 0; x < pw; x++) {
            size_t o = (size_t)y * pw + x;
            uint8_t *d = rgb + 3 * o;
            int edge = 0;
            for (long k = 1; in[o] && !edge && k <= t; k++)
                edge = (long)x - k < 0 || !in[o - k] || (long)x + k >= (long)pw || !in[o + k] ||
                       (long)y - k < 0 || !in[o - (size_t)k * pw] || (long)y + k >= (long)h ||
                       !in[o + (size_t)k * pw];
            if (edge) {
                for (int k = 0; k < 3; k++)
                    d[k] = (uint8_t)lround(255.0 * oc[k]);
            } else if (isnan(val[o])) {
                d[0] = d[1] = d[2] = 0; /* outside the scan */
            } else {
                double g = (val[o] - (wc - 0.5 * ww)) / ww;
                uint8_t gv = (uint8_t)lround(255.0 * fmin(fmax(g, 0.0), 1.0));
                d[0] = d[1] = d[2] = gv;
            }
        }
    free(val);
    free(in);
    return TMESH_OK;
}
