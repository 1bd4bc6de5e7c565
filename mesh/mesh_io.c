/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mesh file dispatch: format from the file name, the frame conversion (LPS or RAS) shared by all
 * writers, the in-memory byte builder, atomic writes of the native formats, and reading.
 */
#include "mesh_int.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>

void tmesh_mesh__out_bytes(tmesh_mesh__out *o, const void *p, size_t n)
{
    if (o->failed)
        return;
    if (o->len + n > o->cap) {
        size_t cap = o->cap ? o->cap : 4096;
        while (cap < o->len + n)
            cap *= 2;
        char *d = realloc(o->data, cap);
        if (d == NULL) {
            o->failed = 1;
            return;
        }
        o->data = d;
        o->cap = cap;
    }
    memcpy(o->data + o->len, p, n);
    o->len += n;
}

void tmesh_mesh__out_printf(tmesh_mesh__out *o, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof buf) {
        o->failed = 1;
        return;
    }
    tmesh_mesh__out_bytes(o, buf, (size_t)n);
}

void tmesh_mesh__out_u32(tmesh_mesh__out *o, uint32_t x)
{
    uint8_t b[4] = {(uint8_t)x, (uint8_t)(x >> 8), (uint8_t)(x >> 16), (uint8_t)(x >> 24)};
    tmesh_mesh__out_bytes(o, b, 4);
}

void tmesh_mesh__out_f32(tmesh_mesh__out *o, float x)
{
    uint32_t u;
    memcpy(&u, &x, 4);
    tmesh_mesh__out_u32(o, u);
}

void tmesh_mesh__out_xyz(const tmesh_mesh *m, size_t v, tmesh_mesh_space space, float out[3])
{
    /* LPS -> RAS negates x and y: a rotation by 180 degrees about z (determinant +1), so the
     * triangles keep their winding and stay counter-clockwise from outside. */
    float s = space == TMESH_MESH_SPACE_RAS ? -1.0f : 1.0f;
    out[0] = s * m->xyz[3 * v];
    out[1] = s * m->xyz[3 * v + 1];
    out[2] = m->xyz[3 * v + 2];
}

void tmesh_mesh__out_normal(const tmesh_mesh *m, size_t v, tmesh_mesh_space space, float out[3])
{
    float s = space == TMESH_MESH_SPACE_RAS ? -1.0f : 1.0f;
    out[0] = s * m->normals[3 * v];
    out[1] = s * m->normals[3 * v + 1];
    out[2] = m->normals[3 * v + 2];
}

const char *tmesh_mesh__space_name(tmesh_mesh_space space)
{
    return space == TMESH_MESH_SPACE_RAS ? "RAS" : "LPS";
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    if (a < b)
        return 0;
    for (size_t i = 0; i < b; i++) {
        char c = s[a - b + i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != suffix[i])
            return 0;
    }
    return 1;
}

tmesh_mesh_format tmesh_mesh_format_from_path(const char *path)
{
    static const struct {
        const char *ext;
        tmesh_mesh_format f;
    } tab[] = {{".stl", TMESH_MESH_FORMAT_STL}, {".ply", TMESH_MESH_FORMAT_PLY},
               {".obj", TMESH_MESH_FORMAT_OBJ}, {".gltf", TMESH_MESH_FORMAT_GLTF},
               {".glb", TMESH_MESH_FORMAT_GLB}, {".3mf", TMESH_MESH_FORMAT_3MF},
               {".dae", TMESH_MESH_FORMAT_DAE}, {".fbx", TMESH_MESH_FORMAT_FBX}};
    if (path == NULL)
        return TMESH_MESH_FORMAT_AUTO;
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (ends_with(path, tab[i].ext))
            return tab[i].f;
    return TMESH_MESH_FORMAT_AUTO;
}

tmesh_status tmesh_mesh_write(const tmesh_mesh *mesh, const char *path,
                              const tmesh_mesh_write_opts *opts, tmesh_error *err)
{
    TMESH_ASSERT(mesh != NULL && path != NULL);
    tmesh_mesh_write_opts o = TMESH_MESH_WRITE_OPTS_INIT;
    if (opts)
        o = *opts;
    tmesh_mesh_format f =
        o.format == TMESH_MESH_FORMAT_AUTO ? tmesh_mesh_format_from_path(path) : o.format;
    if (f < TMESH_MESH_FORMAT_STL || f > TMESH_MESH_FORMAT_FBX)
        return tmesh_error_set(err, TMESH_E_ARG,
                               "%s: unknown mesh format (use .stl .ply .obj .gltf .glb .3mf "
                               ".dae .fbx)",
                               path);
    if (o.space != TMESH_MESH_SPACE_LPS && o.space != TMESH_MESH_SPACE_RAS)
        return tmesh_error_set(err, TMESH_E_ARG, "%s: space %d is not LPS (0) or RAS (1)", path,
                               (int)o.space);
    if (mesh->n_vertices > UINT32_MAX || mesh->n_triangles > UINT32_MAX)
        return tmesh_error_set(err, TMESH_E_ARG, "%s: %zu vertices exceed 32-bit indices", path,
                               mesh->n_vertices);
    tmesh_status rc = tmesh_mesh__validate(mesh, err);
    if (rc != TMESH_OK) {
        tmesh_error_context(err, "%s", path);
        return rc;
    }
    if (f == TMESH_MESH_FORMAT_3MF)
        return tmesh_mesh__3mf_write(mesh, path, o.space, err);
    if (f >= TMESH_MESH_FORMAT_GLTF)
        return tmesh_mesh__assimp_write(mesh, path, f, o.space, err);
    tmesh_mesh__out out = {NULL, 0, 0, 0};
    if (f == TMESH_MESH_FORMAT_STL)
        tmesh_mesh__stl_bytes(&out, mesh, o.space);
    else if (f == TMESH_MESH_FORMAT_OBJ)
        tmesh_mesh__obj_bytes(&out, mesh, o.space);
    else
        tmesh_mesh__ply_bytes(&out, mesh, o.space, f == TMESH_MESH_FORMAT_PLY_ASCII);
    if (out.failed)
        rc = tmesh_error_set(err, TMESH_E_NOMEM, "%s: out of memory building the file", path);
    else
        rc = tmesh_fs_write_atomic(path, out.data, out.len, err);
    free(out.data);
    return rc;
}

tmesh_status tmesh_mesh_read(tmesh_mesh **out, const char *path, tmesh_error *err)
{
    TMESH_ASSERT(out != NULL && path != NULL);
    *out = NULL;
    struct stat sb;
    if (stat(path, &sb) != 0) {
        if (errno == ENOENT)
            return tmesh_error_set(err, TMESH_E_NOTFOUND, "%s: no such file", path);
        return tmesh_error_set(err, TMESH_E_IO, "%s: %s", path, strerror(errno));
    }
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return tmesh_error_set(err, TMESH_E_IO, "%s: cannot open: %s", path, strerror(errno));
    /* Our writers record the frame near the start of the file. */
    char head[4097];
    size_t n = fread(head, 1, sizeof head - 1, fp);
    fclose(fp);
    head[n] = '\0';
    for (size_t i = 0; i < n; i++)
        if (head[i] == '\0')
            head[i] = ' ';
    int ras = strstr(head, "SPACE=RAS") != NULL || strstr(head, "\"space\":\"RAS\"") != NULL;
    /* Binary STL, the common case and the large one, is read directly (assimp's vertex joining
     * takes seconds and half a gigabyte on a full-resolution skull). */
    tmesh_status rc = TMESH_OK;
    if (tmesh_mesh_format_from_path(path) != TMESH_MESH_FORMAT_STL ||
        !tmesh_mesh__stl_read(out, path, &rc, err))
        rc = tmesh_mesh__assimp_read(out, path,
                                     tmesh_mesh_format_from_path(path) == TMESH_MESH_FORMAT_3MF &&
                                         strstr(head, "LABEL=ID-1") != NULL,
                                     err);
    if (rc != TMESH_OK || !ras)
        return rc;
    for (size_t v = 0; v < (*out)->n_vertices; v++) {
        (*out)->xyz[3 * v] = -(*out)->xyz[3 * v];
        (*out)->xyz[3 * v + 1] = -(*out)->xyz[3 * v + 1];
        if ((*out)->normals) {
            (*out)->normals[3 * v] = -(*out)->normals[3 * v];
            (*out)->normals[3 * v + 1] = -(*out)->normals[3 * v + 1];
        }
    }
    return TMESH_OK;
}
