/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Objects of a store: immutable files named by the SHA-256 of their canonical bytes, kept as
 * one gzip member each under objects/ab/cdef..., written atomically and checked on every read;
 * and the canonical byte encodings of volumes and meshes, so equal data gives equal hashes on
 * any machine (explicit little-endian, no padding, no time or host).
 */
#define _POSIX_C_SOURCE 200809L
#include "store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const kind_names[] = {NULL,   "manifest", "volume", "labels",
                                         "mesh", "figure",   "file",   "derivation"};

const char *tmesh_store_kind_name(tmesh_store_kind kind)
{
    if (kind >= TMESH_STORE_MANIFEST && kind <= TMESH_STORE_DERIVATION)
        return kind_names[kind];
    return "?";
}

tmesh_status tmesh_store_kind_parse(tmesh_store_kind *out, const char *name, tmesh_error *err)
{
    for (int k = TMESH_STORE_MANIFEST; k <= TMESH_STORE_DERIVATION; k++)
        if (strcmp(name, kind_names[k]) == 0) {
            *out = (tmesh_store_kind)k;
            return TMESH_OK;
        }
    return tmesh_error_set(err, TMESH_E_ARG,
                           "unknown object kind '%s': expected manifest, volume, labels, mesh, "
                           "figure, file or derivation",
                           name);
}

int tmesh_store_hash_valid(const char *s)
{
    if (s == NULL)
        return 0;
    size_t i = 0;
    for (; s[i]; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')) || i >= 64)
            return 0;
    return i == 64;
}

void tmesh_store_object_path(const tmesh_store *s, const char *hash, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/objects/%.2s/%s", s->path, hash, hash + 2);
}

tmesh_store_kind tmesh_store__known_kind(tmesh_store *s, const char *hash)
{
    for (size_t i = 0; i < s->n_objs; i++)
        if (strcmp(s->objs[i].hash, hash) == 0)
            return s->objs[i].kind;
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT kind FROM objects WHERE hash = ?1", -1, &q, NULL) !=
        SQLITE_OK)
        return 0;
    sqlite3_bind_text(q, 1, hash, -1, SQLITE_STATIC);
    tmesh_store_kind k = 0;
    if (sqlite3_step(q) == SQLITE_ROW) {
        char name[32];
        tmesh_store__col_text(q, 0, name, sizeof name);
        if (tmesh_store_kind_parse(&k, name, NULL) != TMESH_OK)
            k = 0;
    }
    sqlite3_finalize(q);
    return k;
}

tmesh_status tmesh_store_object_kind(tmesh_store_kind *out, tmesh_store *s, const char *hash,
                                     tmesh_error *err)
{
    *out = tmesh_store_hash_valid(hash) ? tmesh_store__known_kind(s, hash) : 0;
    if (*out == 0)
        return tmesh_error_set(err, TMESH_E_NOTFOUND, "object %s: not in the store", hash);
    return TMESH_OK;
}

tmesh_status tmesh_store__read_object(uint8_t **data_out, size_t *len_out, const tmesh_store *s,
                                      const char *hash, tmesh_error *err)
{
    *data_out = NULL;
    *len_out = 0;
    if (!tmesh_store_hash_valid(hash))
        return tmesh_error_set(err, TMESH_E_ARG, "'%s' is not a SHA-256 (64 lowercase hex)", hash);
    char path[4096];
    tmesh_store_object_path(s, hash, path, sizeof path);
    uint8_t *gz = NULL, *raw = NULL;
    size_t gz_len = 0, raw_len = 0;
    tmesh_error e = TMESH_ERROR_INIT;
    tmesh_status st = tmesh_fs_read_all(path, &gz, &gz_len, &e);
    if (st == TMESH_E_NOTFOUND)
        return tmesh_error_set(err, TMESH_E_NOTFOUND, "object %s: file missing (%s)", hash, path);
    if (st != TMESH_OK)
        return tmesh_error_set(err, st, "object %s: %s", hash, e.msg);
    st = tmesh_gunzip(&raw, &raw_len, gz, gz_len, 0, path, &e);
    free(gz);
    if (st == TMESH_E_NOMEM)
        return tmesh_error_set(err, st, "%s", e.msg);
    if (st != TMESH_OK)
        return tmesh_error_set(err, TMESH_E_VERIFY, "object %s: cannot be decompressed (%s)", hash,
                               e.msg);
    uint8_t d[32];
    char hex[65];
    tmesh_sha256_buf(raw, raw_len, d);
    tmesh_sha256_hex(d, hex);
    if (strcmp(hex, hash) != 0) {
        free(raw);
        return tmesh_error_set(err, TMESH_E_VERIFY,
                               "object %s: content changed, its SHA-256 is now %s (%s)", hash, hex,
                               path);
    }
    /* tmesh_gunzip leaves room? Guarantee the documented trailing NUL ourselves. */
    uint8_t *z = realloc(raw, raw_len + 1);
    if (z == NULL) {
        free(raw);
        return tmesh_error_set(err, TMESH_E_NOMEM, "object %s: out of memory", hash);
    }
    z[raw_len] = 0;
    *data_out = z;
    *len_out = raw_len;
    return TMESH_OK;
}

tmesh_status tmesh_store_get(uint8_t **data_out, size_t *len_out, tmesh_store_kind *kind_out,
                             tmesh_store *s, const char *hash, tmesh_error *err)
{
    TMESH_ASSERT(s && data_out && len_out);
    tmesh_status st = tmesh_store__read_object(data_out, len_out, s, hash, err);
    if (st == TMESH_OK && kind_out)
        *kind_out = tmesh_store__known_kind(s, hash);
    return st;
}

static tmesh_status queue_object(tmesh_store *s, const char *hash, tmesh_store_kind kind,
                                 uint64_t size, tmesh_error *err)
{
    if (s->n_objs == s->cap_objs) {
        size_t nc = s->cap_objs ? 2 * s->cap_objs : 8;
        store_pending_object *n = realloc(s->objs, nc * sizeof *n);
        if (n == NULL)
            return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory");
        s->objs = n;
        s->cap_objs = nc;
    }
    store_pending_object *o = &s->objs[s->n_objs++];
    snprintf(o->hash, sizeof o->hash, "%s", hash);
    o->kind = kind;
    o->size = size;
    return TMESH_OK;
}

tmesh_status tmesh_store_put(tmesh_store *s, tmesh_store_kind kind, const void *data, size_t len,
                             char hash_out[65], tmesh_error *err)
{
    TMESH_ASSERT(s && hash_out && (data || len == 0));
    if (kind < TMESH_STORE_MANIFEST || kind > TMESH_STORE_DERIVATION)
        return tmesh_error_set(err, TMESH_E_ARG, "object kind %d is unknown", (int)kind);
    uint8_t d[32];
    tmesh_sha256_buf(data, len, d);
    tmesh_sha256_hex(d, hash_out);
    tmesh_store_kind known = tmesh_store__known_kind(s, hash_out);
    if (known != 0 && known != kind)
        return tmesh_error_set(err, TMESH_E_ARG, "object %s is a %s already, not a %s", hash_out,
                               tmesh_store_kind_name(known), tmesh_store_kind_name(kind));
    char path[4096], dir[4096];
    tmesh_store_object_path(s, hash_out, path, sizeof path);
    struct stat sb;
    if (stat(path, &sb) == 0) {
        /* Never rewritten: an object already there must still be what its name says. */
        uint8_t *old = NULL;
        size_t old_len = 0;
        tmesh_status st = tmesh_store__read_object(&old, &old_len, s, hash_out, err);
        free(old);
        if (st != TMESH_OK) {
            tmesh_error_context(err, "cannot store again (run 'tracemesh fsck'): ");
            return st;
        }
    } else {
        snprintf(dir, sizeof dir, "%s/objects/%.2s", s->path, hash_out);
        if (mkdir(dir, 0777) == 0) {
            char objdir[4096];
            snprintf(objdir, sizeof objdir, "%s/objects", s->path);
            int fd = open(objdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (fd >= 0) {
                (void)fsync(fd); /* the new folder's entry must survive a crash too */
                close(fd);
            }
        } else if (errno != EEXIST) {
            return tmesh_error_set(err, TMESH_E_IO, "%s: cannot create folder: %s", dir,
                                   strerror(errno));
        }
        const void *parts[1] = {data};
        tmesh_status st = tmesh_fs_write_atomic_parts(path, 1, parts, &len, 1, err);
        if (st != TMESH_OK)
            return st;
    }
    if (known == 0)
        return queue_object(s, hash_out, kind, (uint64_t)len, err);
    return TMESH_OK;
}

/* ---- canonical encodings ---- */

static int host_le(void)
{
    const uint16_t one = 1;
    uint8_t b;
    memcpy(&b, &one, 1);
    return b == 1;
}

/* Copy `n` elements of `size` bytes, converting between host and little-endian order. */
static void copy_le(uint8_t *dst, const void *src, size_t n, size_t size)
{
    if (host_le() || size == 1) {
        memcpy(dst, src, n * size);
        return;
    }
    const uint8_t *s = src;
    for (size_t i = 0; i < n; i++)
        for (size_t b = 0; b < size; b++)
            dst[i * size + b] = s[i * size + size - 1 - b];
}

#define VOL_MAGIC "TMVOL1\n"
#define VOL_HDR (8 + 4 + 24 + 128)
#define MESH_MAGIC "TMMESH1\n"
#define MESH_HDR (8 + 4 + 16)

tmesh_status tmesh_store_volume_encode(uint8_t **out, size_t *len_out, const tmesh_volume *v,
                                       tmesh_error *err)
{
    TMESH_ASSERT(out && len_out && v);
    *out = NULL;
    size_t es = tmesh_voxel_size(v->type);
    if (es == 0)
        return tmesh_error_set(err, TMESH_E_ARG, "volume type %d is unknown", (int)v->type);
    size_t n = tmesh_volume_count(v);
    if (n > (SIZE_MAX - VOL_HDR) / es)
        return tmesh_error_set(err, TMESH_E_NOMEM, "volume too large to encode");
    size_t len = VOL_HDR + n * es;
    uint8_t *b = malloc(len);
    if (b == NULL)
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for a %zu-byte volume", len);
    memcpy(b, VOL_MAGIC, 8); /* 7 characters and the NUL */
    uint32_t t = (uint32_t)v->type;
    copy_le(b + 8, &t, 1, 4);
    uint64_t dim[3] = {v->dim[0], v->dim[1], v->dim[2]};
    copy_le(b + 12, dim, 3, 8);
    copy_le(b + 36, v->ijk_to_lps, 16, 8);
    copy_le(b + VOL_HDR, v->data, n, es);
    *out = b;
    *len_out = len;
    return TMESH_OK;
}

tmesh_status tmesh_store_volume_decode(tmesh_volume **out, const uint8_t *data, size_t len,
                                       tmesh_error *err)
{
    *out = NULL;
    if (len < VOL_HDR || memcmp(data, VOL_MAGIC, 8) != 0)
        return tmesh_error_set(err, TMESH_E_DATA, "not a tracemesh volume object");
    uint32_t t;
    uint64_t dim[3];
    copy_le((uint8_t *)&t, data + 8, 1, 4);
    copy_le((uint8_t *)dim, data + 12, 3, 8);
    size_t es = tmesh_voxel_size((tmesh_voxel_type)t);
    if (es == 0 || dim[0] == 0 || dim[1] == 0 || dim[2] == 0)
        return tmesh_error_set(err, TMESH_E_DATA, "volume object: bad type or dimension");
    size_t d3[3] = {(size_t)dim[0], (size_t)dim[1], (size_t)dim[2]};
    if (dim[0] > (len - VOL_HDR) || dim[1] > (len - VOL_HDR) || dim[2] > (len - VOL_HDR) ||
        d3[0] * d3[1] > (len - VOL_HDR) || d3[0] * d3[1] * d3[2] != (len - VOL_HDR) / es ||
        (len - VOL_HDR) % es != 0)
        return tmesh_error_set(
            err, TMESH_E_DATA, "volume object: %zu data bytes do not match %llux%llux%llu", len,
            (unsigned long long)dim[0], (unsigned long long)dim[1], (unsigned long long)dim[2]);
    tmesh_volume *v = NULL;
    tmesh_status st = tmesh_volume_new(&v, d3, (tmesh_voxel_type)t, err);
    if (st != TMESH_OK)
        return st;
    copy_le((uint8_t *)v->ijk_to_lps, data + 36, 16, 8);
    copy_le(v->data, data + VOL_HDR, tmesh_volume_count(v), es);
    *out = v;
    return TMESH_OK;
}

tmesh_status tmesh_store_mesh_encode(uint8_t **out, size_t *len_out, const tmesh_mesh *m,
                                     tmesh_error *err)
{
    TMESH_ASSERT(out && len_out && m);
    *out = NULL;
    uint32_t flags = (m->normals ? 1u : 0u) | (m->labels ? 2u : 0u);
    size_t nv = m->n_vertices, nt = m->n_triangles;
    size_t per_v = 12 + (m->normals ? 12 : 0) + (m->labels ? 2 : 0);
    if (nv > (SIZE_MAX / 4) / per_v || nt > (SIZE_MAX / 4) / 12)
        return tmesh_error_set(err, TMESH_E_NOMEM, "mesh too large to encode");
    size_t len = MESH_HDR + nv * per_v + nt * 12;
    uint8_t *b = malloc(len ? len : 1);
    if (b == NULL)
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for a %zu-byte mesh", len);
    memcpy(b, MESH_MAGIC, 8);
    copy_le(b + 8, &flags, 1, 4);
    uint64_t counts[2] = {nv, nt};
    copy_le(b + 12, counts, 2, 8);
    size_t o = MESH_HDR;
    copy_le(b + o, m->xyz, 3 * nv, 4);
    o += 12 * nv;
    if (m->normals) {
        copy_le(b + o, m->normals, 3 * nv, 4);
        o += 12 * nv;
    }
    if (m->labels) {
        copy_le(b + o, m->labels, nv, 2);
        o += 2 * nv;
    }
    copy_le(b + o, m->tri, 3 * nt, 4);
    *out = b;
    *len_out = len;
    return TMESH_OK;
}

tmesh_status tmesh_store_mesh_decode(tmesh_mesh **out, const uint8_t *data, size_t len,
                                     tmesh_error *err)
{
    *out = NULL;
    if (len < MESH_HDR || memcmp(data, MESH_MAGIC, 8) != 0)
        return tmesh_error_set(err, TMESH_E_DATA, "not a tracemesh mesh object");
    uint32_t flags;
    uint64_t counts[2];
    copy_le((uint8_t *)&flags, data + 8, 1, 4);
    copy_le((uint8_t *)counts, data + 12, 2, 8);
    uint64_t per_v = 12 + ((flags & 1) ? 12 : 0) + ((flags & 2) ? 2 : 0);
    uint64_t body = len - MESH_HDR;
    if (flags > 3 || counts[0] > body / per_v || counts[1] > body / 12 ||
        counts[0] * per_v + counts[1] * 12 != body)
        return tmesh_error_set(err, TMESH_E_DATA, "mesh object: size does not match its counts");
    size_t nv = (size_t)counts[0], nt = (size_t)counts[1];
    tmesh_mesh *m = NULL;
    unsigned f = ((flags & 1) ? TMESH_MESH_NORMALS : 0) | ((flags & 2) ? TMESH_MESH_LABELS : 0);
    tmesh_status st = tmesh_mesh_new(&m, nv, nt, f, err);
    if (st != TMESH_OK)
        return st;
    size_t o = MESH_HDR;
    copy_le((uint8_t *)m->xyz, data + o, 3 * nv, 4);
    o += 12 * nv;
    if (flags & 1) {
        copy_le((uint8_t *)m->normals, data + o, 3 * nv, 4);
        o += 12 * nv;
    }
    if (flags & 2) {
        copy_le((uint8_t *)m->labels, data + o, nv, 2);
        o += 2 * nv;
    }
    copy_le((uint8_t *)m->tri, data + o, 3 * nt, 4);
    for (size_t i = 0; i < 3 * nt; i++)
        if (m->tri[i] >= nv) {
            unsigned bad = (unsigned)m->tri[i];
            tmesh_mesh_free(m);
            return tmesh_error_set(err, TMESH_E_DATA,
                                   "mesh object: triangle %zu uses vertex %u of %zu", i / 3, bad,
                                   nv);
        }
    *out = m;
    return TMESH_OK;
}

tmesh_status tmesh_store_put_volume(tmesh_store *s, tmesh_store_kind kind, const tmesh_volume *vol,
                                    char hash_out[65], tmesh_error *err)
{
    if (kind != TMESH_STORE_VOLUME && kind != TMESH_STORE_LABELS)
        return tmesh_error_set(err, TMESH_E_ARG, "kind %s is not a volume kind",
                               tmesh_store_kind_name(kind));
    if (kind == TMESH_STORE_LABELS && vol->type != TMESH_VOXEL_U8 && vol->type != TMESH_VOXEL_U16)
        return tmesh_error_set(err, TMESH_E_ARG, "a label volume must be u8 or u16, not %s",
                               tmesh_voxel_type_name(vol->type));
    uint8_t *b = NULL;
    size_t len = 0;
    tmesh_status st = tmesh_store_volume_encode(&b, &len, vol, err);
    if (st == TMESH_OK)
        st = tmesh_store_put(s, kind, b, len, hash_out, err);
    free(b);
    return st;
}

tmesh_status tmesh_store_put_mesh(tmesh_store *s, const tmesh_mesh *mesh, char hash_out[65],
                                  tmesh_error *err)
{
    uint8_t *b = NULL;
    size_t len = 0;
    tmesh_status st = tmesh_store_mesh_encode(&b, &len, mesh, err);
    if (st == TMESH_OK)
        st = tmesh_store_put(s, TMESH_STORE_MESH, b, len, hash_out, err);
    free(b);
    return st;
}

tmesh_status tmesh_store_get_volume(tmesh_volume **out, tmesh_store *s, const char *hash,
                                    tmesh_error *err)
{
    *out = NULL;
    uint8_t *b = NULL;
    size_t len = 0;
    tmesh_status st = tmesh_store__read_object(&b, &len, s, hash, err);
    if (st == TMESH_OK) {
        st = tmesh_store_volume_decode(out, b, len, err);
        if (st != TMESH_OK)
            tmesh_error_context(err, "object %s", hash);
    }
    free(b);
    return st;
}

tmesh_status tmesh_store_get_mesh(tmesh_mesh **out, tmesh_store *s, const char *hash,
                                  tmesh_error *err)
{
    *out = NULL;
    uint8_t *b = NULL;
    size_t len = 0;
    tmesh_store_kind k = tmesh_store__known_kind(s, hash);
    if (k != 0 && k != TMESH_STORE_MESH)
        return tmesh_error_set(err, TMESH_E_ARG, "object %s is of kind %s, not a mesh", hash,
                               tmesh_store_kind_name(k));
    tmesh_status st = tmesh_store__read_object(&b, &len, s, hash, err);
    if (st == TMESH_OK) {
        st = tmesh_store_mesh_decode(out, b, len, err);
        if (st != TMESH_OK)
            tmesh_error_context(err, "object %s", hash);
    }
    free(b);
    return st;
}
