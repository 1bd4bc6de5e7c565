/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Binary STL writer: the 80-byte header records the version, units and frame (STL itself has
 * no units), then one record per triangle with its facet normal. Little-endian on any host.
 * And the binary STL reader: corners with bit-identical coordinates are welded into one
 * vertex, numbered in order of first use (ASCII STL goes through assimp).
 */
#include "mesh_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tmesh_mesh__stl_bytes(tmesh_mesh__out *o, const tmesh_mesh *m, tmesh_mesh_space space)
{
    char header[80];
    memset(header, 0, sizeof header);
    /* Must not start with "solid": readers would take the file for ASCII STL. */
    snprintf(header, sizeof header, "tracemesh %s UNITS=mm SPACE=%s", TMESH_VERSION_STRING,
             tmesh_mesh__space_name(space));
    tmesh_mesh__out_bytes(o, header, sizeof header);
    tmesh_mesh__out_u32(o, (uint32_t)m->n_triangles);
    for (size_t t = 0; t < m->n_triangles; t++) {
        float p[3][3];
        for (int c = 0; c < 3; c++)
            tmesh_mesh__out_xyz(m, m->tri[3 * t + c], space, p[c]);
        double e1[3], e2[3], n[3];
        for (int k = 0; k < 3; k++) {
            e1[k] = (double)p[1][k] - p[0][k];
            e2[k] = (double)p[2][k] - p[0][k];
        }
        n[0] = e1[1] * e2[2] - e1[2] * e2[1];
        n[1] = e1[2] * e2[0] - e1[0] * e2[2];
        n[2] = e1[0] * e2[1] - e1[1] * e2[0];
        double len = sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
        for (int k = 0; k < 3; k++)
            tmesh_mesh__out_f32(o, len > 0 ? (float)(n[k] / len) : 0.0f);
        for (int c = 0; c < 3; c++)
            for (int k = 0; k < 3; k++)
                tmesh_mesh__out_f32(o, p[c][k]);
        uint8_t attr[2] = {0, 0};
        tmesh_mesh__out_bytes(o, attr, 2);
    }
}

/* ---- binary STL reader ---- */

/* Bits of a coordinate for exact comparison; -0 and +0 are the same point. */
static uint32_t coord_bits(float x)
{
    uint32_t u;
    if (x == 0.0f)
        x = 0.0f;
    memcpy(&u, &x, sizeof u);
    return u;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static float lef32(const uint8_t *p)
{
    uint32_t u = le32(p);
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static uint64_t point_hash(const uint32_t k[3])
{
    uint64_t h = (uint64_t)k[0] * 0x9E3779B97F4A7C15u;
    h ^= ((uint64_t)k[1] + 0x632BE59BD9B4E019u) * 0xC2B2AE3D27D4EB4Fu;
    h ^= ((uint64_t)k[2] + 0x165667B19E3779F9u) * 0x94D049BB133111EBu;
    return h ^ (h >> 31);
}

int tmesh_mesh__stl_read(tmesh_mesh **out, const char *path, tmesh_status *st, tmesh_error *err)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) {
        *st = tmesh_error_set(err, TMESH_E_IO, "%s: cannot open: %s", path, strerror(errno));
        return 1;
    }
    uint8_t head[84];
    long size = -1;
    if (fread(head, 1, sizeof head, fp) == sizeof head && fseek(fp, 0, SEEK_END) == 0)
        size = ftell(fp);
    uint64_t nt = le32(head + 80);
    /* Binary exactly when the size is the header, the count and 50 bytes a triangle; anything
     * else (ASCII STL) goes to the general reader. */
    if (size < 0 || nt == 0 || (uint64_t)size != 84 + 50 * nt || fseek(fp, 84, SEEK_SET) != 0) {
        fclose(fp);
        return 0;
    }
    tmesh_mesh *m = NULL;
    uint32_t *slot = NULL;
    uint8_t *buf = NULL;
    size_t cap = 16, nv = 0;
    while (cap < 2 * 3 * nt)
        cap <<= 1;
    const size_t chunk = 4096;
    *st = tmesh_mesh_new(&m, 3 * nt, nt, 0, err);
    if (*st != TMESH_OK) {
        fclose(fp);
        return 1;
    }
    slot = malloc(cap * sizeof *slot);
    buf = malloc(chunk * 50);
    if (slot == NULL || buf == NULL) {
        *st = tmesh_error_set(err, TMESH_E_NOMEM, "%s: out of memory for %llu triangles", path,
                              (unsigned long long)nt);
        goto done;
    }
    memset(slot, 0xff, cap * sizeof *slot);
    for (uint64_t t0 = 0; t0 < nt; t0 += chunk) {
        size_t k = nt - t0 < chunk ? (size_t)(nt - t0) : chunk;
        if (fread(buf, 50, k, fp) != k) {
            *st = tmesh_error_set(err, TMESH_E_IO, "%s: read error at triangle %llu", path,
                                  (unsigned long long)t0 + 1);
            goto done;
        }
        for (size_t r = 0; r < k; r++) {
            const uint8_t *rec = buf + 50 * r + 12; /* skip the facet normal */
            for (int c = 0; c < 3; c++) {
                float p[3];
                uint32_t key[3];
                for (int a = 0; a < 3; a++) {
                    p[a] = lef32(rec + 12 * c + 4 * a);
                    key[a] = coord_bits(p[a]);
                }
                if (!isfinite(p[0]) || !isfinite(p[1]) || !isfinite(p[2])) {
                    *st = tmesh_error_set(err, TMESH_E_DATA,
                                          "%s: triangle %llu has a non-finite coordinate", path,
                                          (unsigned long long)(t0 + r + 1));
                    goto done;
                }
                size_t h = (size_t)point_hash(key) & (cap - 1);
                for (;;) {
                    uint32_t v = slot[h];
                    if (v == UINT32_MAX) {
                        slot[h] = v = (uint32_t)nv++;
                        memcpy(m->xyz + 3 * (size_t)v, p, sizeof p);
                    } else if (coord_bits(m->xyz[3 * (size_t)v]) != key[0] ||
                               coord_bits(m->xyz[3 * (size_t)v + 1]) != key[1] ||
                               coord_bits(m->xyz[3 * (size_t)v + 2]) != key[2]) {
                        h = (h + 1) & (cap - 1);
                        continue;
                    }
                    m->tri[3 * (t0 + r) + (size_t)c] = v;
                    break;
                }
            }
        }
    }
    m->n_vertices = nv;
    float *shrunk = realloc(m->xyz, 3 * nv * sizeof *shrunk);
    if (shrunk != NULL)
        m->xyz = shrunk;
    *st = TMESH_OK;
done:
    fclose(fp);
    free(slot);
    free(buf);
    if (*st == TMESH_OK)
        *out = m;
    else
        tmesh_mesh_free(m);
    return 1;
}
