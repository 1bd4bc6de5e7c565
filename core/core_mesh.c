/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tmesh_mesh lifecycle. Meshes are plain arrays so that the mesher, the file writers and the
 * tests can fill and read them directly.
 */
#include "core_int.h"

tmesh_status tmesh_mesh_new(tmesh_mesh **out, size_t n_vertices, size_t n_triangles,
                            unsigned flags, tmesh_error *err)
{
    TMESH_ASSERT(out != NULL);
    *out = NULL;
    if (n_vertices > SIZE_MAX / (3 * sizeof(float)) ||
        n_triangles > SIZE_MAX / (3 * sizeof(uint32_t)))
        return tmesh_error_set(err, TMESH_E_NOMEM, "mesh of %zu vertices, %zu triangles is too large",
                               n_vertices, n_triangles);
    tmesh_mesh *m = calloc(1, sizeof *m);
    if (m == NULL)
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for a mesh header");
    m->n_vertices = n_vertices;
    m->n_triangles = n_triangles;
    /* malloc(0) may return NULL; allocate at least one element so NULL always means failure. */
    m->xyz = malloc((n_vertices ? n_vertices : 1) * 3 * sizeof(float));
    m->tri = malloc((n_triangles ? n_triangles : 1) * 3 * sizeof(uint32_t));
    int ok = m->xyz != NULL && m->tri != NULL;
    if (ok && (flags & TMESH_MESH_NORMALS)) {
        m->normals = malloc((n_vertices ? n_vertices : 1) * 3 * sizeof(float));
        ok = m->normals != NULL;
    }
    if (ok && (flags & TMESH_MESH_LABELS)) {
        m->labels = malloc((n_vertices ? n_vertices : 1) * sizeof(uint16_t));
        ok = m->labels != NULL;
    }
    if (!ok) {
        tmesh_mesh_free(m);
        return tmesh_error_set(err, TMESH_E_NOMEM,
                               "out of memory for a mesh of %zu vertices, %zu triangles",
                               n_vertices, n_triangles);
    }
    *out = m;
    return TMESH_OK;
}

void tmesh_mesh_free(tmesh_mesh *mesh)
{
    if (mesh == NULL)
        return;
    free(mesh->xyz);
    free(mesh->normals);
    free(mesh->labels);
    free(mesh->tri);
    free(mesh);
}
