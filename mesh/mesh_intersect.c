/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Self-intersection count of a mesh (tmesh_mesh_check with self_intersections set, and the
 * decimation's guarantee): uniform grid broad phase over triangle bounding boxes, a box-overlap
 * reject, then segment/triangle tests. Pairs sharing a vertex are not counted; coplanar
 * overlaps are not counted (documented limitation).
 */
#include "mesh_int.h"

#include <math.h>
#include <string.h>

/* ---- self-intersections: uniform grid broad phase, segment/triangle narrow phase ---- */

static int seg_hits_tri(const double p[3], const double q[3], const double a[3], const double b[3],
                        const double c[3])
{
    double d[3], e1[3], e2[3], h[3], s[3], qv[3];
    for (int k = 0; k < 3; k++) {
        d[k] = q[k] - p[k];
        e1[k] = b[k] - a[k];
        e2[k] = c[k] - a[k];
    }
    h[0] = d[1] * e2[2] - d[2] * e2[1];
    h[1] = d[2] * e2[0] - d[0] * e2[2];
    h[2] = d[0] * e2[1] - d[1] * e2[0];
    double det = e1[0] * h[0] + e1[1] * h[1] + e1[2] * h[2];
    if (fabs(det) < 1e-18)
        return 0; /* parallel or coplanar: not counted (documented limitation) */
    double inv = 1.0 / det;
    for (int k = 0; k < 3; k++)
        s[k] = p[k] - a[k];
    double u = inv * (s[0] * h[0] + s[1] * h[1] + s[2] * h[2]);
    if (u < 0.0 || u > 1.0)
        return 0;
    qv[0] = s[1] * e1[2] - s[2] * e1[1];
    qv[1] = s[2] * e1[0] - s[0] * e1[2];
    qv[2] = s[0] * e1[1] - s[1] * e1[0];
    double v = inv * (d[0] * qv[0] + d[1] * qv[1] + d[2] * qv[2]);
    if (v < 0.0 || u + v > 1.0)
        return 0;
    double t = inv * (e2[0] * qv[0] + e2[1] * qv[1] + e2[2] * qv[2]);
    return t >= 0.0 && t <= 1.0;
}

static int tris_intersect(const tmesh_mesh *m, uint32_t t1, uint32_t t2)
{
    double P[2][3][3];
    uint32_t tt[2] = {t1, t2};
    for (int i = 0; i < 2; i++)
        for (int c = 0; c < 3; c++)
            for (int k = 0; k < 3; k++)
                P[i][c][k] = m->xyz[3 * m->tri[3 * tt[i] + c] + k];
    for (int i = 0; i < 2; i++)
        for (int c = 0; c < 3; c++)
            if (seg_hits_tri(P[i][c], P[i][(c + 1) % 3], P[1 - i][0], P[1 - i][1], P[1 - i][2]))
                return 1;
    return 0;
}

typedef struct cell_ent {
    uint64_t cell;
    uint32_t tri;
} cell_ent;

/* Stable LSD radix sort of `n` entries by cell (entries come in triangle order, so the result
 * is ordered by cell, then triangle), 16 bits per pass over the `bits` that cells use. */
static int radix_sort_cells(cell_ent **ents, size_t n, unsigned bits)
{
    cell_ent *a = *ents, *b = malloc((n ? n : 1) * sizeof *b);
    size_t *count = malloc(65536 * sizeof *count);
    if (b == NULL || count == NULL) {
        free(b);
        free(count);
        return -1;
    }
    for (unsigned shift = 0; shift < bits; shift += 16) {
        memset(count, 0, 65536 * sizeof *count);
        for (size_t i = 0; i < n; i++)
            count[(a[i].cell >> shift) & 0xffff]++;
        size_t sum = 0;
        for (size_t d = 0; d < 65536; d++) {
            size_t c = count[d];
            count[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            b[count[(a[i].cell >> shift) & 0xffff]++] = a[i];
        cell_ent *t = a;
        a = b;
        b = t;
    }
    free(b);
    free(count);
    *ents = a;
    return 0;
}

tmesh_status tmesh_mesh__count_self_intersections(const tmesh_mesh *m, const double lo[3],
                                             const double hi[3], long *out, uint8_t *bad,
                                             tmesh_error *err)
{
    size_t nt = m->n_triangles;
    *out = 0;
    if (nt < 2)
        return TMESH_OK;
    /* Bounding box of every triangle (min x y z, max x y z), exact in float. */
    float *box = malloc(6 * nt * sizeof *box);
    if (box == NULL)
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory counting self-intersections");
    double mean = 0.0;
    for (size_t t = 0; t < nt; t++) {
        double ext = 0.0;
        for (int k = 0; k < 3; k++) {
            float a = m->xyz[3 * m->tri[3 * t] + k], b = m->xyz[3 * m->tri[3 * t + 1] + k],
                  c = m->xyz[3 * m->tri[3 * t + 2] + k];
            float mn = a < b ? a : b, mx = a > b ? a : b;
            mn = c < mn ? c : mn;
            mx = c > mx ? c : mx;
            box[6 * t + k] = mn;
            box[6 * t + 3 + k] = mx;
            ext = fmax(ext, (double)mx - (double)mn);
        }
        mean += ext;
    }
    double cs = 2.0 * mean / (double)nt;
    if (!(cs > 0))
        cs = 1.0;
    size_t ncell[3];
    for (int k = 0; k < 3; k++) {
        double n = floor((hi[k] - lo[k]) / cs) + 1;
        ncell[k] = n > 2e6 ? 2000000 : (size_t)n;
    }
    tmesh_mesh__buf ents = {0};
    tmesh_status rc = TMESH_OK;
    for (size_t t = 0; t < nt; t++) {
        size_t c0[3], c1[3];
        for (int k = 0; k < 3; k++) {
            double mn = box[6 * t + k], mx = box[6 * t + 3 + k];
            c0[k] = (size_t)fmin((double)(ncell[k] - 1), floor((mn - lo[k]) / cs));
            c1[k] = (size_t)fmin((double)(ncell[k] - 1), floor((mx - lo[k]) / cs));
        }
        size_t need = (c1[0] - c0[0] + 1) * (c1[1] - c0[1] + 1) * (c1[2] - c0[2] + 1);
        if (tmesh_mesh__buf_reserve(&ents, sizeof(cell_ent), need) != 0) {
            rc = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory counting self-intersections");
            goto done;
        }
        for (size_t z = c0[2]; z <= c1[2]; z++)
            for (size_t y = c0[1]; y <= c1[1]; y++)
                for (size_t x = c0[0]; x <= c1[0]; x++) {
                    cell_ent e = {((uint64_t)z * ncell[1] + y) * ncell[0] + x, (uint32_t)t};
                    ((cell_ent *)ents.data)[ents.len++] = e;
                }
    }
    unsigned bits = 0;
    uint64_t total = (uint64_t)ncell[0] * ncell[1] * ncell[2];
    while (bits < 64 && (total - 1) >> bits)
        bits++;
    cell_ent *E = ents.data;
    if (radix_sort_cells(&E, ents.len, bits) != 0) {
        rc = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory counting self-intersections");
        goto done;
    }
    ents.data = E;
    for (size_t i = 0; i < ents.len;) {
        size_t j = i;
        while (j < ents.len && E[j].cell == E[i].cell)
            j++;
        for (size_t a = i; a < j; a++) {
            uint32_t ta = E[a].tri;
            const float *ba = box + 6 * (size_t)ta;
            for (size_t b = a + 1; b < j; b++) {
                uint32_t tb = E[b].tri;
                const float *bb = box + 6 * (size_t)tb;
                /* Disjoint boxes cannot intersect (the narrow phase would say so too). */
                if (ba[0] > bb[3] || bb[0] > ba[3] || ba[1] > bb[4] || bb[1] > ba[4] ||
                    ba[2] > bb[5] || bb[2] > ba[5])
                    continue;
                int share = 0;
                for (int p = 0; p < 3; p++)
                    for (int q = 0; q < 3; q++)
                        share |= m->tri[3 * ta + p] == m->tri[3 * tb + q];
                if (share)
                    continue;
                /* Count the pair once: in the cell holding the low corner of the overlap of
                 * their bounding boxes. */
                size_t cc[3];
                for (int k = 0; k < 3; k++) {
                    double mn = fmax((double)ba[k], (double)bb[k]);
                    cc[k] = (size_t)fmin((double)(ncell[k] - 1), floor((mn - lo[k]) / cs));
                }
                uint64_t first = ((uint64_t)cc[2] * ncell[1] + cc[1]) * ncell[0] + cc[0];
                if (first != E[i].cell)
                    continue;
                if (tris_intersect(m, ta, tb)) {
                    (*out)++;
                    if (bad)
                        for (int c = 0; c < 3; c++)
                            bad[m->tri[3 * ta + c]] = bad[m->tri[3 * tb + c]] = 1;
                }
            }
        }
        i = j;
    }
done:
    free(ents.data);
    free(box);
    return rc;
}

