/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The formats we do not write ourselves (glTF 2.0, GLB, Collada, FBX) go through assimp's
 * C export API with a scene built here in C, and every file is read back through assimp's C
 * import API. glTF is Y-up metres by convention; we keep patient millimetres unchanged (a
 * viewer can scale) and record units and frame in asset.extras, patched into the JSON after
 * export. assimp keeps its last error in a global, so these calls are not thread-safe.
 */
#define _POSIX_C_SOURCE 200809L
#include "mesh_int.h"

#include <assimp/cexport.h>
#include <assimp/cimport.h>
#include <assimp/config.h>
#include <assimp/postprocess.h>
#include <assimp/scene.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void set_name(struct aiString *s, const char *name)
{
    size_t n = strlen(name);
    s->length = (ai_uint32)n;
    memcpy(s->data, name, n + 1);
}

/* Insert `extras` into the "asset" object of glTF JSON text; returns malloc'd text or NULL. */
static char *patch_json(const char *json, size_t len, const char *extras, size_t *len_out)
{
    const char *asset = NULL;
    for (size_t i = 0; i + 7 <= len; i++)
        if (memcmp(json + i, "\"asset\"", 7) == 0) {
            asset = json + i;
            break;
        }
    if (asset == NULL)
        return NULL;
    const char *brace = memchr(asset, '{', len - (size_t)(asset - json));
    if (brace == NULL)
        return NULL;
    size_t head = (size_t)(brace - json) + 1, el = strlen(extras);
    char *outp = malloc(len + el + 2);
    if (outp == NULL)
        return NULL;
    memcpy(outp, json, head);
    memcpy(outp + head, extras, el);
    outp[head + el] = ',';
    memcpy(outp + head + el + 1, json + head, len - head);
    *len_out = len + el + 1;
    return outp;
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wr32(uint8_t *p, uint32_t x)
{
    p[0] = (uint8_t)x;
    p[1] = (uint8_t)(x >> 8);
    p[2] = (uint8_t)(x >> 16);
    p[3] = (uint8_t)(x >> 24);
}

/* Read `src` (assimp's output), add the glTF extras when `gltf` is set, and write the result
 * to `path` atomically. */
/* Replace the first `from` in text[0..len) by `to`; returns malloc'd text or NULL. */
static char *replace_once(const char *text, size_t len, const char *from, const char *to,
                          size_t *len_out)
{
    size_t fl = strlen(from), tl = strlen(to);
    for (size_t i = 0; i + fl <= len; i++)
        if (memcmp(text + i, from, fl) == 0) {
            char *o = malloc(len - fl + tl + 1);
            if (o == NULL)
                return NULL;
            memcpy(o, text, i);
            memcpy(o + i, to, tl);
            memcpy(o + i + tl, text + i + fl, len - i - fl);
            *len_out = len - fl + tl;
            return o;
        }
    return NULL;
}

/* Set a property of binary FBX GlobalSettings in place: the record is the name string, three
 * more strings (type, label, flags), then a one-letter type code and the value. Same size, so
 * no offset in the file changes. Returns 0, or -1 when the property is not found as expected. */
static int fbx_set(uint8_t *d, size_t len, const char *name, char code, const void *value,
                   size_t vlen)
{
    size_t nl = strlen(name);
    for (size_t i = 5; i + nl < len; i++) {
        if (d[i - 5] != 'S' || rd32(d + i - 4) != nl || memcmp(d + i, name, nl) != 0)
            continue;
        size_t at = i + nl;
        for (int k = 0; k < 3; k++) {
            if (at + 5 > len || d[at] != 'S')
                return -1;
            at += 5 + rd32(d + at + 1);
        }
        if (at + 1 + vlen > len || d[at] != (uint8_t)code)
            return -1;
        memcpy(d + at + 1, value, vlen);
        return 0;
    }
    return -1;
}

static uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static void wr64(uint8_t *p, uint64_t x)
{
    wr32(p, (uint32_t)x);
    wr32(p + 4, (uint32_t)(x >> 32));
}

/* Binary FBX 7500 (64-bit) records: end offset, property count and property bytes (8 bytes
 * each), a name (1-byte length), the properties, the child records, and a null record of 25
 * zero bytes closing the children. assimp 5.2 writes no closing null records, so its own
 * importer ("block offset is out of range"), Blender and the FBX SDK reject the file. fbx_copy
 * writes the record at `in[at..]` to `o` with the null record after the children (and after a
 * record without properties or children, as the FBX SDK writes it) and with every end offset
 * recomputed. Returns the input end of the record, or 0 when the bytes are not as expected. */
#define FBX_HEAD 25 /* 3 x uint64 + name length byte; also the null record's size */

typedef struct fbx_out {
    uint8_t *d;
    size_t len, cap;
} fbx_out;

static size_t fbx_copy(fbx_out *o, const uint8_t *in, size_t at, size_t end, int depth)
{
    if (depth > 64 || at > end || end - at < FBX_HEAD)
        return 0;
    uint64_t rec_end = rd64(in + at), plen = rd64(in + at + 16);
    size_t nl = in[at + 24];
    if (rec_end == 0 || rec_end > end || rec_end < at + FBX_HEAD + nl ||
        plen > rec_end - at - FBX_HEAD - nl)
        return 0;
    size_t body = at + FBX_HEAD + nl + (size_t)plen; /* first child, if any */
    size_t out_at = o->len;
    if (o->len + (size_t)(body - at) > o->cap)
        return 0;
    memcpy(o->d + o->len, in + at, body - at);
    o->len += body - at;
    size_t cur = body;
    int children = 0;
    while (cur < rec_end) {
        /* assimp's own records never end in a null record; accept one if present. */
        if (rec_end - cur == FBX_HEAD) {
            int zero = 1;
            for (size_t k = 0; k < FBX_HEAD && zero; k++)
                zero = in[cur + k] == 0;
            if (zero) {
                cur = rec_end;
                break;
            }
        }
        size_t next = fbx_copy(o, in, cur, (size_t)rec_end, depth + 1);
        if (next == 0)
            return 0;
        cur = next;
        children = 1;
    }
    if (children || rd64(in + at + 8) == 0) {
        if (o->len + FBX_HEAD > o->cap)
            return 0;
        memset(o->d + o->len, 0, FBX_HEAD);
        o->len += FBX_HEAD;
    }
    wr64(o->d + out_at, (uint64_t)o->len);
    return (size_t)rec_end;
}

/* Rewrite assimp's binary FBX: null records added (see fbx_copy) and the footer rebuilt as
 * assimp writes it (footer id, zero padding to 16 bytes, 4 zero bytes, version, 120 zero
 * bytes, magic). Returns malloc'd bytes or NULL when the layout is not the expected one. */
static uint8_t *fbx_add_null_records(const uint8_t *in, size_t len, size_t *len_out)
{
    if (len < 27 + FBX_HEAD + 16 + 140 || rd32(in + 23) < 7500)
        return NULL;
    fbx_out o;
    o.cap = 2 * len + 4096; /* at most one null record per record: each record is >= 25 bytes */
    o.len = 27;
    o.d = malloc(o.cap);
    if (o.d == NULL)
        return NULL;
    memcpy(o.d, in, 27);
    size_t cur = 27;
    while (cur + FBX_HEAD <= len && rd64(in + cur) != 0) {
        size_t next = fbx_copy(&o, in, cur, len, 0);
        if (next == 0) {
            free(o.d);
            return NULL;
        }
        cur = next;
    }
    /* Top-level null record, then assimp's footer id (16 bytes) and its fixed tail. */
    if (cur + FBX_HEAD + 16 + 140 > len || o.len + FBX_HEAD + 16 + 32 + 140 > o.cap) {
        free(o.d);
        return NULL;
    }
    memset(o.d + o.len, 0, FBX_HEAD);
    o.len += FBX_HEAD;
    memcpy(o.d + o.len, in + cur + FBX_HEAD, 16);
    o.len += 16;
    size_t pad = 16 - o.len % 16;
    memset(o.d + o.len, 0, pad + 4);
    o.len += pad + 4;
    memcpy(o.d + o.len, in + len - 140, 140); /* version, 120 zero bytes, magic */
    o.len += 140;
    *len_out = o.len;
    return o.d;
}

/* Set the integer value of a binary FBX record that holds one 'I' property (`name` as the
 * record name). Returns 0, or -1 when not found. */
static int fbx_set_record_int(uint8_t *d, size_t len, const char *name, int32_t v)
{
    size_t nl = strlen(name);
    for (size_t i = FBX_HEAD; i + nl + 5 <= len; i++) {
        if (d[i - 1] != nl || memcmp(d + i, name, nl) != 0 || rd64(d + i - 17) != 1 ||
            rd64(d + i - 9) != 5 || d[i + nl] != 'I')
            continue;
        wr32(d + i + nl + 1, (uint32_t)v);
        return 0;
    }
    return -1;
}

/* Zip (3MF): every entry's DOS modification time and date, in the local header and in the
 * central directory, set to 1980-01-01 00:00 (the earliest DOS date). Returns 0, or -1 when
 * the archive is not laid out as expected. */
static int zip_clear_times(uint8_t *d, size_t len)
{
    if (len < 22)
        return -1;
    size_t eocd = len - 22;
    while (rd32(d + eocd) != 0x06054b50u) {
        if (eocd == 0 || len - eocd > 22 + 65535)
            return -1;
        eocd--;
    }
    size_t n = (size_t)d[eocd + 10] | (size_t)d[eocd + 11] << 8;
    size_t at = rd32(d + eocd + 16);
    for (size_t e = 0; e < n; e++) {
        if (at + 46 > eocd || rd32(d + at) != 0x02014b50u)
            return -1;
        size_t local = rd32(d + at + 42);
        if (local + 30 > len || rd32(d + local) != 0x04034b50u)
            return -1;
        static const uint8_t dos[4] = {0x00, 0x00, 0x21, 0x00}; /* time 00:00:00, 1980-01-01 */
        memcpy(d + at + 12, dos, 4);
        memcpy(d + local + 10, dos, 4);
        at += 46 + ((size_t)d[at + 28] | (size_t)d[at + 29] << 8) +
              ((size_t)d[at + 30] | (size_t)d[at + 31] << 8) +
              ((size_t)d[at + 32] | (size_t)d[at + 33] << 8);
    }
    return 0;
}

/* Replace the text between the first `<tag>` and the following `</tag>` by `value`, in place
 * when the lengths agree (assimp writes "YYYY-MM-DDTHH:MM:SS", 19 characters). Returns 0, or
 * -1 when not found or of another length. */
static int xml_set_text(char *text, size_t len, const char *tag, const char *value)
{
    char open[64], close[64];
    snprintf(open, sizeof open, "<%s>", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    size_t ol = strlen(open), cl = strlen(close), vl = strlen(value);
    for (size_t i = 0; i + ol + vl + cl <= len; i++)
        if (memcmp(text + i, open, ol) == 0) {
            if (memcmp(text + i + ol + vl, close, cl) != 0)
                return -1;
            memcpy(text + i + ol, value, vl);
            return 0;
        }
    return -1;
}

static int fbx_set_int(uint8_t *d, size_t len, const char *name, int32_t v)
{
    uint8_t b[4];
    wr32(b, (uint32_t)v);
    return fbx_set(d, len, name, 'I', b, 4);
}

static tmesh_status finish_file(const char *src, const char *path, int gltf, int glb, int dae,
                                int fbx, tmesh_mesh_space space, tmesh_error *err)
{
    uint8_t *data = NULL;
    size_t len = 0;
    tmesh_status rc = tmesh_fs_read_all(src, &data, &len, err);
    if (rc != TMESH_OK)
        return rc;
    if (fbx) {
        /* assimp writes centimetres (UnitScaleFactor 1) and Y up; the coordinates are patient
         * millimetres with z superior, so declare UnitScaleFactor 0.1 (cm per unit) and the Z-up
         * axis system (up +Z, front -Y, coord +X) for Blender and other FBX readers. */
        double cm = 0.1;
        uint8_t b[8];
        uint64_t u;
        memcpy(&u, &cm, sizeof u);
        for (int k = 0; k < 8; k++)
            b[k] = (uint8_t)(u >> (8 * k));
        int bad = len < 27 || memcmp(data, "Kaydara FBX Binary", 18) != 0;
        /* Identical bytes for the same mesh: assimp stamps the export time into
         * FBXHeaderExtension/CreationTimeStamp; set it to the fixed 1970-01-01 00:00:00.000
         * that assimp already writes as CreationTime. */
        static const struct {
            const char *name;
            int32_t value;
        } stamp[] = {{"Year", 1970},  {"Month", 1},  {"Day", 1},        {"Hour", 0},
                     {"Minute", 0},   {"Second", 0}, {"Millisecond", 0}};
        for (size_t k = 0; k < sizeof stamp / sizeof stamp[0] && !bad; k++)
            bad = fbx_set_record_int(data, len, stamp[k].name, stamp[k].value) != 0;
        bad = bad || fbx_set(data, len, "UnitScaleFactor", 'D', b, 8) != 0;
        bad = bad || fbx_set_int(data, len, "UpAxis", 2) != 0;
        bad = bad || fbx_set_int(data, len, "UpAxisSign", 1) != 0;
        bad = bad || fbx_set_int(data, len, "FrontAxis", 1) != 0;
        bad = bad || fbx_set_int(data, len, "FrontAxisSign", -1) != 0;
        bad = bad || fbx_set_int(data, len, "CoordAxis", 0) != 0;
        bad = bad || fbx_set_int(data, len, "CoordAxisSign", 1) != 0;
        size_t fl = 0;
        uint8_t *fixed = bad ? NULL : fbx_add_null_records(data, len, &fl);
        if (fixed == NULL)
            rc = tmesh_error_set(err, TMESH_E_INTERNAL,
                                 "%s: unexpected FBX layout from assimp (GlobalSettings, "
                                 "CreationTimeStamp or record structure)",
                                 path);
        else
            rc = tmesh_fs_write_atomic(path, fixed, fl, err);
        free(fixed);
        free(data);
        return rc;
    }
    if (dae) {
        /* assimp declares metres and Y up; the coordinates are patient millimetres with z
         * pointing up (superior, in LPS and in RAS), so say so, and Blender or any other
         * Collada reader places the anatomy at the right scale, head up. */
        size_t l1 = 0, l2 = 0;
        char *a = replace_once((const char *)data, len, "<unit name=\"meter\" meter=\"1\" />",
                               "<unit name=\"millimeter\" meter=\"0.001\" />", &l1);
        char *b = a ? replace_once(a, l1, "<up_axis>Y_UP</up_axis>", "<up_axis>Z_UP</up_axis>", &l2)
                    : NULL;
        /* The frame, in the contributor's comments near the start, where tmesh_mesh_read
         * looks for it. */
        char note[160];
        snprintf(note, sizeof note,
                 "<authoring_tool>Assimp Exporter</authoring_tool>\n"
                 "      <comments>tracemesh %s UNITS=mm SPACE=%s</comments>",
                 TMESH_VERSION_STRING, tmesh_mesh__space_name(space));
        size_t l3 = 0;
        char *c = b ? replace_once(b, l2, "<authoring_tool>Assimp Exporter</authoring_tool>",
                                   note, &l3)
                    : NULL;
        free(b);
        b = c;
        l2 = l3;
        /* assimp stamps the export time into asset/created and asset/modified; a fixed
         * date keeps the bytes a function of the mesh alone. */
        if (b != NULL && (xml_set_text(b, l2, "created", "1970-01-01T00:00:00") != 0 ||
                          xml_set_text(b, l2, "modified", "1970-01-01T00:00:00") != 0)) {
            free(b);
            b = NULL;
        }
        if (b == NULL)
            rc = tmesh_error_set(err, TMESH_E_INTERNAL,
                                 "%s: unexpected Collada layout from assimp (unit, up_axis, "
                                 "authoring_tool, created, modified)",
                                 path);
        else
            rc = tmesh_fs_write_atomic(path, b, l2, err);
        free(a);
        free(b);
        free(data);
        return rc;
    }
    if (!gltf) {
        /* 3MF is a zip archive whose entries carry assimp's export time. */
        if (len < 4 || memcmp(data, "PK\3\4", 4) != 0 || zip_clear_times(data, len) != 0) {
            free(data);
            return tmesh_error_set(err, TMESH_E_INTERNAL,
                                   "%s: unexpected zip layout from assimp (3MF)", path);
        }
        rc = tmesh_fs_write_atomic(path, data, len, err);
        free(data);
        return rc;
    }
    char extras[160];
    snprintf(extras, sizeof extras,
             "\"extras\":{\"generator\":\"tracemesh %s\",\"space\":\"%s\",\"units\":\"mm\"}",
             TMESH_VERSION_STRING, tmesh_mesh__space_name(space));
    size_t nl = 0;
    if (!glb) {
        char *j = patch_json((const char *)data, len, extras, &nl);
        if (j == NULL)
            rc =
                tmesh_error_set(err, TMESH_E_INTERNAL, "%s: no \"asset\" object to annotate", path);
        else
            rc = tmesh_fs_write_atomic(path, j, nl, err);
        free(j);
        free(data);
        return rc;
    }
    /* GLB: 12-byte header, then the JSON chunk (length, "JSON", text padded with spaces). */
    if (len < 20 || memcmp(data, "glTF", 4) != 0 || memcmp(data + 16, "JSON", 4) != 0 ||
        rd32(data + 12) > len - 20) {
        free(data);
        return tmesh_error_set(err, TMESH_E_INTERNAL, "%s: unexpected GLB layout from assimp",
                               path);
    }
    size_t jl = rd32(data + 12);
    char *j = patch_json((const char *)data + 20, jl, extras, &nl);
    if (j == NULL) {
        free(data);
        return tmesh_error_set(err, TMESH_E_INTERNAL, "%s: no \"asset\" object to annotate", path);
    }
    size_t padded = (nl + 3) & ~(size_t)3, rest = len - 20 - jl;
    size_t total = 20 + padded + rest;
    uint8_t *outp = malloc(total);
    if (outp == NULL) {
        free(j);
        free(data);
        return tmesh_error_set(err, TMESH_E_NOMEM, "%s: out of memory", path);
    }
    memcpy(outp, data, 12);
    wr32(outp + 8, (uint32_t)total);
    wr32(outp + 12, (uint32_t)padded);
    memcpy(outp + 16, "JSON", 4);
    memcpy(outp + 20, j, nl);
    memset(outp + 20 + nl, ' ', padded - nl);
    memcpy(outp + 20 + padded, data + 20 + jl, rest);
    rc = tmesh_fs_write_atomic(path, outp, total, err);
    free(outp);
    free(j);
    free(data);
    return rc;
}

/* One object per label when the mesh has labels (labels ascending, by the label of each
 * triangle's first vertex), so a viewer lists "label_3", "label_7"...; else one object. */
typedef struct part {
    uint32_t label;
    size_t nv, nt;
} part;

static void free_scene(struct aiScene *sc)
{
    if (sc == NULL)
        return;
    for (unsigned i = 0; sc->mMeshes && i < sc->mNumMeshes; i++) {
        struct aiMesh *am = sc->mMeshes[i];
        if (am == NULL)
            continue;
        free(am->mVertices);
        free(am->mNormals);
        if (am->mFaces)
            free(am->mFaces[0].mIndices); /* one block for all faces of the mesh */
        free(am->mFaces);
        free(am);
    }
    free(sc->mMeshes);
    if (sc->mRootNode) {
        for (unsigned i = 0; i < sc->mRootNode->mNumChildren; i++) {
            if (sc->mRootNode->mChildren[i])
                free(sc->mRootNode->mChildren[i]->mMeshes);
            free(sc->mRootNode->mChildren[i]);
        }
        free(sc->mRootNode->mChildren);
        free(sc->mRootNode);
    }
    if (sc->mMaterials)
        free(sc->mMaterials[0]);
    free(sc->mMaterials);
    free(sc);
}

static void identity(struct aiMatrix4x4 *t)
{
    memset(t, 0, sizeof *t);
    t->a1 = t->b2 = t->c3 = t->d4 = 1.0f;
}

tmesh_status tmesh_mesh__assimp_write(const tmesh_mesh *m, const char *path,
                                      tmesh_mesh_format format, tmesh_mesh_space space,
                                      tmesh_error *err)
{
    const char *id = format == TMESH_MESH_FORMAT_GLTF  ? "gltf2"
                     : format == TMESH_MESH_FORMAT_GLB ? "glb2"
                     : format == TMESH_MESH_FORMAT_3MF ? "3mf"
                     : format == TMESH_MESH_FORMAT_DAE ? "collada"
                                                       : "fbx";
    size_t nv = m->n_vertices ? m->n_vertices : 1;
    part *parts = calloc(65537, sizeof *parts);
    uint32_t *remap = malloc(nv * sizeof *remap), *stamp = malloc(nv * sizeof *stamp);
    struct aiScene *scene = calloc(1, sizeof *scene);
    tmesh_status rc = TMESH_OK;
    if (!parts || !remap || !stamp || !scene)
        goto nomem;
    /* Parts: label -> slot in ascending order. */
    size_t np = 0;
    if (m->labels == NULL || m->n_triangles == 0) {
        parts[0].label = UINT32_MAX;
        np = 1;
    } else {
        uint8_t *seen = calloc(65536, 1);
        if (seen == NULL)
            goto nomem;
        for (size_t t = 0; t < m->n_triangles; t++)
            seen[m->labels[m->tri[3 * t]]] = 1;
        for (uint32_t l = 0; l < 65536; l++)
            if (seen[l])
                parts[np++].label = l;
        free(seen);
    }
    scene->mFlags = AI_SCENE_FLAGS_NON_VERBOSE_FORMAT;
    scene->mRootNode = calloc(1, sizeof *scene->mRootNode);
    scene->mMeshes = calloc(np, sizeof *scene->mMeshes);
    scene->mMaterials = calloc(1, sizeof *scene->mMaterials);
    if (!scene->mRootNode || !scene->mMeshes || !scene->mMaterials)
        goto nomem;
    scene->mMaterials[0] = calloc(1, sizeof *scene->mMaterials[0]);
    if (!scene->mMaterials[0])
        goto nomem;
    scene->mNumMaterials = 1;
    struct aiNode *root = scene->mRootNode;
    set_name(&root->mName, "root");
    identity(&root->mTransformation);
    root->mChildren = calloc(np, sizeof *root->mChildren);
    if (!root->mChildren)
        goto nomem;
    for (size_t v = 0; v < m->n_vertices; v++)
        stamp[v] = UINT32_MAX;
    for (size_t pi = 0; pi < np; pi++) {
        uint32_t lab = parts[pi].label;
        size_t pv = 0, pt = 0;
        for (size_t t = 0; t < m->n_triangles; t++) {
            if (lab != UINT32_MAX && m->labels[m->tri[3 * t]] != lab)
                continue;
            pt++;
            for (int c = 0; c < 3; c++) {
                uint32_t v = m->tri[3 * t + c];
                if (stamp[v] != (uint32_t)pi) {
                    stamp[v] = (uint32_t)pi;
                    remap[v] = (uint32_t)pv++;
                }
            }
        }
        struct aiMesh *am = calloc(1, sizeof *am);
        scene->mMeshes[pi] = am;
        scene->mNumMeshes = (unsigned)(pi + 1);
        if (am == NULL)
            goto nomem;
        am->mVertices = calloc(pv ? pv : 1, sizeof *am->mVertices);
        am->mNormals = m->normals ? calloc(pv ? pv : 1, sizeof *am->mNormals) : NULL;
        am->mFaces = calloc(pt ? pt : 1, sizeof *am->mFaces);
        unsigned int *idx = calloc(pt ? 3 * pt : 3, sizeof *idx);
        if (am->mFaces)
            am->mFaces[0].mIndices = idx;
        if (!am->mVertices || (m->normals && !am->mNormals) || !am->mFaces || !idx)
            goto nomem;
        /* Second pass: positions in first-use order, faces in triangle order. */
        for (size_t v = 0; v < m->n_vertices; v++)
            stamp[v] = UINT32_MAX - 1;
        size_t f = 0;
        for (size_t t = 0; t < m->n_triangles; t++) {
            if (lab != UINT32_MAX && m->labels[m->tri[3 * t]] != lab)
                continue;
            am->mFaces[f].mNumIndices = 3;
            am->mFaces[f].mIndices = idx + 3 * f;
            for (int c = 0; c < 3; c++) {
                uint32_t v = m->tri[3 * t + c];
                if (stamp[v] != (uint32_t)pi) {
                    stamp[v] = (uint32_t)pi;
                    float p[3];
                    tmesh_mesh__out_xyz(m, v, space, p);
                    am->mVertices[remap[v]].x = p[0];
                    am->mVertices[remap[v]].y = p[1];
                    am->mVertices[remap[v]].z = p[2];
                    if (m->normals) {
                        tmesh_mesh__out_normal(m, v, space, p);
                        am->mNormals[remap[v]].x = p[0];
                        am->mNormals[remap[v]].y = p[1];
                        am->mNormals[remap[v]].z = p[2];
                    }
                }
                idx[3 * f + c] = remap[v];
            }
            f++;
        }
        am->mPrimitiveTypes = aiPrimitiveType_TRIANGLE;
        am->mNumVertices = (unsigned)pv;
        am->mNumFaces = (unsigned)pt;
        char name[32];
        if (lab == UINT32_MAX)
            snprintf(name, sizeof name, "tracemesh");
        else
            snprintf(name, sizeof name, "label_%u", lab);
        set_name(&am->mName, name);
        /* Each object hangs from a child of the root: the 3MF exporter writes only the
         * root's children. Transforms are identity: coordinates are already final. */
        struct aiNode *child = calloc(1, sizeof *child);
        root->mChildren[pi] = child;
        root->mNumChildren = (unsigned)(pi + 1);
        if (child == NULL)
            goto nomem;
        set_name(&child->mName, name);
        identity(&child->mTransformation);
        child->mParent = root;
        child->mMeshes = calloc(1, sizeof *child->mMeshes);
        if (child->mMeshes == NULL)
            goto nomem;
        child->mMeshes[0] = (unsigned)pi;
        child->mNumMeshes = 1;
        /* Restore the stamps for the next part's first pass. */
        for (size_t v = 0; v < m->n_vertices; v++)
            if (stamp[v] == (uint32_t)pi)
                stamp[v] = UINT32_MAX;
        for (size_t v = 0; v < m->n_vertices; v++)
            if (stamp[v] == UINT32_MAX - 1)
                stamp[v] = UINT32_MAX;
    }
    /* assimp's exporter copies the scene (aiCopyScene) before any processing, so the structs
     * above stay ours and are freed here. */
    /* Single-file formats go to a temporary file next to `path` and are then written
     * atomically; glTF's .bin is named after the .gltf, so that pair is written in place. */
    int gltf = format == TMESH_MESH_FORMAT_GLTF;
    char tmp[4096];
    if (gltf)
        snprintf(tmp, sizeof tmp, "%s", path);
    else if (snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid()) >= (int)sizeof tmp) {
        rc = tmesh_error_set(err, TMESH_E_ARG, "%s: path too long", path);
        goto done;
    }
    if (aiExportScene(scene, id, tmp, 0) != aiReturn_SUCCESS) {
        rc = tmesh_error_set(err, TMESH_E_IO, "%s: assimp export (%s) failed: %s", path, id,
                             aiGetErrorString());
        if (!gltf)
            remove(tmp);
        goto done;
    }
    rc = finish_file(tmp, path, gltf || format == TMESH_MESH_FORMAT_GLB,
                     format == TMESH_MESH_FORMAT_GLB, format == TMESH_MESH_FORMAT_DAE,
                     format == TMESH_MESH_FORMAT_FBX, space, err);
    if (!gltf)
        remove(tmp);
    goto done;
nomem:
    rc = tmesh_error_set(err, TMESH_E_NOMEM, "%s: out of memory building the scene", path);
done:
    free_scene(scene);
    free(parts);
    free(remap);
    free(stamp);
    return rc;
}

/* Walk the node tree: every mesh a node references is appended with the node's accumulated
 * transform. Meshes stay separate (vertices are joined only within one mesh), so touching
 * labels written as separate objects stay separate surfaces. */
typedef struct reader {
    const struct aiScene *sc;
    tmesh_mesh__buf xyz, tri, lab;
    int has_labels;
    int label_from_id; /* a 3MF of ours: assimp names object N "Object_N", and N = label + 1 */
} reader;

static int mesh_label(const reader *r, const struct aiMesh *am, const struct aiNode *node,
                      unsigned *out)
{
    unsigned v;
    char tail;
    if (r->label_from_id && sscanf(node->mName.data, "Object_%u%c", &v, &tail) == 1 && v >= 1 &&
        v <= 65536) {
        *out = v - 1;
        return 1;
    }
    if (sscanf(am->mName.data, "label_%u%c", &v, &tail) == 1 && v <= 65535) {
        *out = v;
        return 1;
    }
    if (sscanf(node->mName.data, "label_%u%c", &v, &tail) == 1 && v <= 65535) {
        *out = v;
        return 1;
    }
    return 0;
}

static int walk(reader *r, const struct aiNode *node, struct aiMatrix4x4 parent, int depth)
{
    if (depth > 64)
        return 0; /* cycles cannot happen in assimp scenes; depth only bounds the stack */
    struct aiMatrix4x4 t = parent;
    /* The root's transform is where importers put their conversion to assimp's Y-up
     * convention (Collada Z_UP, FBX axes); files store patient coordinates, so it is skipped
     * and only the transforms below the root apply. */
    if (depth > 0)
        aiMultiplyMatrix4(&t, &node->mTransformation);
    for (unsigned i = 0; i < node->mNumMeshes; i++) {
        if (node->mMeshes[i] >= r->sc->mNumMeshes)
            continue;
        const struct aiMesh *am = r->sc->mMeshes[node->mMeshes[i]];
        size_t base = r->xyz.len;
        unsigned label = 0;
        if (mesh_label(r, am, node, &label))
            r->has_labels = 1;
        if (tmesh_mesh__buf_reserve(&r->xyz, 3 * sizeof(float), am->mNumVertices) != 0 ||
            tmesh_mesh__buf_reserve(&r->lab, sizeof(uint16_t), am->mNumVertices) != 0 ||
            tmesh_mesh__buf_reserve(&r->tri, 3 * sizeof(uint32_t), am->mNumFaces) != 0)
            return -1;
        for (unsigned v = 0; v < am->mNumVertices; v++) {
            struct aiVector3D p = am->mVertices[v];
            aiTransformVecByMatrix4(&p, &t);
            float *dst = (float *)r->xyz.data + 3 * r->xyz.len++;
            dst[0] = (float)p.x;
            dst[1] = (float)p.y;
            dst[2] = (float)p.z;
            ((uint16_t *)r->lab.data)[r->lab.len++] = (uint16_t)label;
        }
        for (unsigned f = 0; f < am->mNumFaces; f++) {
            if (am->mFaces[f].mNumIndices != 3)
                continue;
            uint32_t *dst = (uint32_t *)r->tri.data + 3 * r->tri.len++;
            for (int c = 0; c < 3; c++)
                dst[c] = (uint32_t)(base + am->mFaces[f].mIndices[c]);
        }
        if (r->xyz.len > UINT32_MAX)
            return -1;
    }
    for (unsigned i = 0; i < node->mNumChildren; i++)
        if (walk(r, node->mChildren[i], t, depth + 1) != 0)
            return -1;
    return 0;
}

tmesh_status tmesh_mesh__assimp_read(tmesh_mesh **out, const char *path, int label_from_id,
                                     tmesh_error *err)
{
    /* Drop normals, colours and texture coordinates before joining: STL stores a facet normal
     * per corner, and vertices that differ only in those would not be joined. */
    struct aiPropertyStore *props = aiCreatePropertyStore();
    if (props == NULL)
        return tmesh_error_set(err, TMESH_E_NOMEM, "%s: out of memory for assimp", path);
    aiSetImportPropertyInteger(props, AI_CONFIG_PP_RVC_FLAGS,
                               aiComponent_NORMALS | aiComponent_TANGENTS_AND_BITANGENTS |
                                   aiComponent_COLORS | aiComponent_TEXCOORDS);
    /* Coordinates as stored: no Collada up-axis rotation (assimp puts that and the unit scale
     * on the root node, whose transform walk() skips). */
    aiSetImportPropertyInteger(props, AI_CONFIG_IMPORT_COLLADA_IGNORE_UP_DIRECTION, 1);
    const struct aiScene *sc = aiImportFileExWithProperties(
        path, aiProcess_RemoveComponent | aiProcess_JoinIdenticalVertices | aiProcess_Triangulate,
        NULL, props);
    aiReleasePropertyStore(props);
    if (sc == NULL)
        return tmesh_error_set(err, TMESH_E_DATA, "%s: cannot read mesh: %s", path,
                               aiGetErrorString());
    reader r;
    memset(&r, 0, sizeof r);
    r.sc = sc;
    r.label_from_id = label_from_id;
    struct aiMatrix4x4 id;
    identity(&id);
    tmesh_status rc = TMESH_OK;
    tmesh_mesh *m = NULL;
    if (sc->mRootNode == NULL || walk(&r, sc->mRootNode, id, 0) != 0) {
        rc = sc->mRootNode == NULL
                 ? tmesh_error_set(err, TMESH_E_DATA, "%s: no scene graph in the file", path)
                 : tmesh_error_set(err, TMESH_E_NOMEM, "%s: out of memory reading the mesh", path);
        goto done;
    }
    if (r.tri.len == 0) {
        rc = tmesh_error_set(err, TMESH_E_DATA, "%s: no triangles in the file", path);
        goto done;
    }
    rc = tmesh_mesh_new(&m, 0, 0, 0, err);
    if (rc != TMESH_OK)
        goto done;
    free(m->xyz);
    free(m->tri);
    m->xyz = r.xyz.data;
    m->tri = r.tri.data;
    m->n_vertices = r.xyz.len;
    m->n_triangles = r.tri.len;
    r.xyz.data = r.tri.data = NULL;
    if (r.has_labels) {
        m->labels = r.lab.data;
        r.lab.data = NULL;
    }
    *out = m;
done:
    aiReleaseImport(sc);
    free(r.xyz.data);
    free(r.tri.data);
    free(r.lab.data);
    return rc;
}
