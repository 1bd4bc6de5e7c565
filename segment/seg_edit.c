/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Label tables and label volumes: names and colours, per-label counts and volumes, writing a mask
 * into a multi-label volume, in-place edits in patient millimetres (crop, paint and erase spheres
 * and boxes) and voxel-wise label algebra.
 */
#include "seg_int.h"

#include <math.h>
#include <string.h>

/* ---- label tables ---- */

static int name_ok(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len >= TMESH_SEG_LABEL_NAME_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c < 0x20 || c > 0x7e || c == '"' || c == '\\')
            return 0;
    }
    return 1;
}

tmesh_status tmesh_seg_labels_set(tmesh_seg_labels *table, uint16_t value, const char *name,
                                  const uint8_t rgb[3], tmesh_error *err)
{
    TMESH_ASSERT(table != NULL && name != NULL);
    if (value == 0)
        return tmesh_error_set(err, TMESH_E_ARG, "value 0 is the background and cannot be named");
    if (!name_ok(name))
        return tmesh_error_set(err, TMESH_E_ARG,
                               "name '%.80s' must be 1 to %d printable ASCII characters without "
                               "'\"' or '\\'",
                               name, TMESH_SEG_LABEL_NAME_MAX - 1);
    size_t pos = 0;
    while (pos < table->count && table->items[pos].value < value)
        pos++;
    if (pos == table->count || table->items[pos].value != value) {
        tmesh_seg_label *ni = realloc(table->items, (table->count + 1) * sizeof *ni);
        if (ni == NULL)
            return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for a label table");
        table->items = ni;
        memmove(ni + pos + 1, ni + pos, (table->count - pos) * sizeof *ni);
        table->count++;
        memset(&ni[pos], 0, sizeof ni[pos]);
        ni[pos].value = value;
    }
    tmesh_seg_label *l = &table->items[pos];
    memset(l->name, 0, sizeof l->name);
    memcpy(l->name, name, strlen(name));
    if (rgb != NULL)
        memcpy(l->rgb, rgb, 3);
    else
        tmesh_seg__default_rgb(value, l->rgb);
    return TMESH_OK;
}

const tmesh_seg_label *tmesh_seg_labels_find(const tmesh_seg_labels *table, uint16_t value)
{
    for (size_t i = 0; i < table->count; i++)
        if (table->items[i].value == value)
            return &table->items[i];
    return NULL;
}

void tmesh_seg_labels_clear(tmesh_seg_labels *table)
{
    if (table == NULL)
        return;
    free(table->items);
    table->items = NULL;
    table->count = 0;
}

tmesh_status tmesh_seg_label_stats(tmesh_seg_label_stat **stats_out, size_t *n_out,
                                   const tmesh_volume *labels, tmesh_error *err)
{
    TMESH_ASSERT(stats_out != NULL && n_out != NULL && labels != NULL);
    *stats_out = NULL;
    *n_out = 0;
    tmesh_status st = tmesh_seg__check_mask(labels, "labels", err);
    if (st != TMESH_OK)
        return st;
    size_t nv = labels->type == TMESH_VOXEL_U8 ? 256 : 65536;
    size_t *cnt = calloc(nv, sizeof *cnt);
    if (cnt == NULL)
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for label counts");
    size_t n = tmesh_volume_count(labels);
    if (labels->type == TMESH_VOXEL_U8) {
        const uint8_t *s = labels->data;
        for (size_t i = 0; i < n; i++)
            cnt[s[i]]++;
    } else {
        const uint16_t *s = labels->data;
        for (size_t i = 0; i < n; i++)
            cnt[s[i]]++;
    }
    size_t used = 0;
    for (size_t v = 1; v < nv; v++)
        used += cnt[v] != 0;
    tmesh_seg_label_stat *res = NULL;
    if (used > 0) {
        res = malloc(used * sizeof *res);
        if (res == NULL) {
            free(cnt);
            return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for label statistics");
        }
        double vv = tmesh_seg__voxel_volume(labels);
        size_t o = 0;
        for (size_t v = 1; v < nv; v++)
            if (cnt[v]) {
                res[o].value = (uint16_t)v;
                res[o].voxels = cnt[v];
                res[o].volume_ml = (double)cnt[v] * vv / 1000.0;
                o++;
            }
    }
    free(cnt);
    *stats_out = res;
    *n_out = used;
    return TMESH_OK;
}

tmesh_status tmesh_seg_label_assign(tmesh_volume *labels, const tmesh_volume *mask, uint16_t value,
                                    tmesh_error *err)
{
    TMESH_ASSERT(labels != NULL && mask != NULL);
    tmesh_status st;
    if (labels->type != TMESH_VOXEL_U16)
        return tmesh_error_set(err, TMESH_E_ARG, "labels has voxel type %s; it must be u16",
                               tmesh_voxel_type_name(labels->type));
    if (value == 0)
        return tmesh_error_set(err, TMESH_E_ARG, "value 0 is the background; use 1..65535");
    if ((st = tmesh_seg__check_mask(mask, "mask", err)) ||
        (st = tmesh_seg__same_geometry(labels, mask, "labels", "mask", err)))
        return st;
    size_t n = tmesh_volume_count(labels);
    uint16_t *l = labels->data;
    for (size_t i = 0; i < n; i++) {
        int on = mask->type == TMESH_VOXEL_U8 ? ((const uint8_t *)mask->data)[i] != 0
                                              : ((const uint16_t *)mask->data)[i] != 0;
        if (on)
            l[i] = value;
    }
    return TMESH_OK;
}

/* ---- edits in patient millimetres ---- */

static void set_value(tmesh_volume *v, size_t idx, unsigned value)
{
    if (v->type == TMESH_VOXEL_U8)
        ((uint8_t *)v->data)[idx] = (uint8_t)value;
    else
        ((uint16_t *)v->data)[idx] = (uint16_t)value;
}

static void centre_lps(const tmesh_volume *v, size_t i, size_t j, size_t k, double p[3])
{
    for (int r = 0; r < 3; r++)
        p[r] = v->ijk_to_lps[r][0] * (double)i + v->ijk_to_lps[r][1] * (double)j +
               v->ijk_to_lps[r][2] * (double)k + v->ijk_to_lps[r][3];
}

static tmesh_status check_box(const double lo[3], const double hi[3], tmesh_error *err)
{
    for (int a = 0; a < 3; a++) {
        if (!isfinite(lo[a]) || !isfinite(hi[a]))
            return tmesh_error_set(err, TMESH_E_ARG, "min_lps/max_lps must be finite (axis %d)", a);
        if (lo[a] > hi[a])
            return tmesh_error_set(err, TMESH_E_ARG, "min_lps[%d] %g is above max_lps[%d] %g", a,
                                   lo[a], a, hi[a]);
    }
    return TMESH_OK;
}

static tmesh_status check_value(const tmesh_volume *v, unsigned value, tmesh_error *err)
{
    unsigned max = v->type == TMESH_VOXEL_U8 ? 255u : 65535u;
    if (value > max)
        return tmesh_error_set(err, TMESH_E_ARG, "value %u does not fit a %s label volume (max %u)",
                               value, tmesh_voxel_type_name(v->type), max);
    return TMESH_OK;
}

static int in_box(const double p[3], const double lo[3], const double hi[3])
{
    return p[0] >= lo[0] && p[0] <= hi[0] && p[1] >= lo[1] && p[1] <= hi[1] && p[2] >= lo[2] &&
           p[2] <= hi[2];
}

/* Apply `value` inside (paint) or zero outside (crop) the box. */
static void box_apply(tmesh_volume *v, const double lo[3], const double hi[3], unsigned value,
                      int crop)
{
    size_t idx = 0;
    for (size_t k = 0; k < v->dim[2]; k++)
        for (size_t j = 0; j < v->dim[1]; j++)
            for (size_t i = 0; i < v->dim[0]; i++, idx++) {
                double p[3];
                centre_lps(v, i, j, k, p);
                int inside = in_box(p, lo, hi);
                if (crop && !inside)
                    set_value(v, idx, 0);
                else if (!crop && inside)
                    set_value(v, idx, value);
            }
}

tmesh_status tmesh_seg_crop(tmesh_volume *labels, const double min_lps[3], const double max_lps[3],
                            tmesh_error *err)
{
    TMESH_ASSERT(labels != NULL && min_lps != NULL && max_lps != NULL);
    tmesh_status st;
    if ((st = tmesh_seg__check_mask(labels, "labels", err)) ||
        (st = check_box(min_lps, max_lps, err)))
        return st;
    box_apply(labels, min_lps, max_lps, 0, 1);
    return TMESH_OK;
}

tmesh_status tmesh_seg_paint_box(tmesh_volume *labels, const double min_lps[3],
                                 const double max_lps[3], unsigned value, tmesh_error *err)
{
    TMESH_ASSERT(labels != NULL && min_lps != NULL && max_lps != NULL);
    tmesh_status st;
    if ((st = tmesh_seg__check_mask(labels, "labels", err)) ||
        (st = check_box(min_lps, max_lps, err)) || (st = check_value(labels, value, err)))
        return st;
    box_apply(labels, min_lps, max_lps, value, 0);
    return TMESH_OK;
}

tmesh_status tmesh_seg_paint_sphere(tmesh_volume *labels, const double center_lps[3], double radius,
                                    unsigned value, tmesh_error *err)
{
    TMESH_ASSERT(labels != NULL && center_lps != NULL);
    tmesh_status st;
    if ((st = tmesh_seg__check_mask(labels, "labels", err)) ||
        (st = check_value(labels, value, err)))
        return st;
    if (!(radius >= 0.0 && isfinite(radius)))
        return tmesh_error_set(err, TMESH_E_ARG, "radius %g mm must be a finite value >= 0",
                               radius);
    for (int a = 0; a < 3; a++)
        if (!isfinite(center_lps[a]))
            return tmesh_error_set(err, TMESH_E_ARG, "center_lps[%d] must be finite", a);
    /* Index-space bounding box: centre index +- radius times the row norms of the inverse. */
    double c[3], e[3][3];
    if ((st = tmesh_volume_lps_to_index(labels, center_lps, c, err)) != TMESH_OK)
        return st;
    for (int x = 0; x < 3; x++) {
        double p[3] = {center_lps[0], center_lps[1], center_lps[2]}, q[3];
        p[x] += 1.0;
        tmesh_volume_lps_to_index(labels, p, q, NULL);
        for (int a = 0; a < 3; a++)
            e[a][x] = q[a] - c[a];
    }
    size_t lo[3], hi[3];
    for (int a = 0; a < 3; a++) {
        double h = radius * sqrt(e[a][0] * e[a][0] + e[a][1] * e[a][1] + e[a][2] * e[a][2]);
        double l = floor(c[a] - h) - 1, u = ceil(c[a] + h) + 1;
        if (u < 0 || l > (double)labels->dim[a] - 1)
            return TMESH_OK; /* the sphere misses the volume */
        lo[a] = l < 0 ? 0 : (size_t)l;
        hi[a] = u > (double)labels->dim[a] - 1 ? labels->dim[a] - 1 : (size_t)u;
    }
    double r2 = radius * radius;
    for (size_t k = lo[2]; k <= hi[2]; k++)
        for (size_t j = lo[1]; j <= hi[1]; j++)
            for (size_t i = lo[0]; i <= hi[0]; i++) {
                double p[3];
                centre_lps(labels, i, j, k, p);
                double dx = p[0] - center_lps[0], dy = p[1] - center_lps[1],
                       dz = p[2] - center_lps[2];
                if (dx * dx + dy * dy + dz * dz <= r2)
                    set_value(labels, i + labels->dim[0] * (j + labels->dim[1] * k), value);
            }
    return TMESH_OK;
}

/* ---- label algebra ---- */

tmesh_status tmesh_seg_combine(tmesh_volume **out, const tmesh_volume *a, const tmesh_volume *b,
                               tmesh_seg_set_op op, tmesh_error *err)
{
    TMESH_ASSERT(out != NULL && a != NULL);
    *out = NULL;
    tmesh_status st;
    if ((int)op < (int)TMESH_SEG_UNION || (int)op > (int)TMESH_SEG_INVERT)
        return tmesh_error_set(err, TMESH_E_ARG, "op %d is not a set operation", (int)op);
    if ((st = tmesh_seg__check_mask(a, "a", err)))
        return st;
    if (op != TMESH_SEG_INVERT) {
        if (b == NULL)
            return tmesh_error_set(err, TMESH_E_ARG, "b is missing for a two-mask operation");
        if ((st = tmesh_seg__check_mask(b, "b", err)) ||
            (st = tmesh_seg__same_geometry(a, b, "a", "b", err)))
            return st;
    }
    tmesh_volume *res = NULL;
    if ((st = tmesh_seg__new_like(&res, a, TMESH_VOXEL_U8, err)) != TMESH_OK)
        return st;
    uint8_t *r = res->data;
    tmesh_seg__binarize(r, a);
    size_t n = tmesh_volume_count(a);
    if (op == TMESH_SEG_INVERT) {
        for (size_t i = 0; i < n; i++)
            r[i] = !r[i];
    } else {
        for (size_t i = 0; i < n; i++) {
            int y = b->type == TMESH_VOXEL_U8 ? ((const uint8_t *)b->data)[i] != 0
                                              : ((const uint16_t *)b->data)[i] != 0;
            switch (op) {
            case TMESH_SEG_UNION:
                r[i] = (uint8_t)(r[i] | y);
                break;
            case TMESH_SEG_INTERSECT:
                r[i] = (uint8_t)(r[i] & y);
                break;
            case TMESH_SEG_SUBTRACT:
                r[i] = (uint8_t)(r[i] & !y);
                break;
            case TMESH_SEG_INVERT:
                break;
            }
        }
    }
    *out = res;
    return TMESH_OK;
}
