/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Wavefront OBJ writer: "v" lines ("%.9g", exact for floats in the C locale), "vn" lines when
 * the mesh has normals, and 1-based "f" lines, grouped as "o label_N" objects when the mesh
 * has labels. Comments record units and frame.
 */
#include "mesh_int.h"

void tmesh_mesh__obj_bytes(tmesh_mesh__out *o, const tmesh_mesh *m, tmesh_mesh_space space)
{
    int nrm = m->normals != NULL;
    tmesh_mesh__out_printf(o, "# tracemesh %s\n# UNITS=mm\n# SPACE=%s\n", TMESH_VERSION_STRING,
                           tmesh_mesh__space_name(space));
    tmesh_mesh__out_printf(o, "# vertices %zu triangles %zu\n", m->n_vertices, m->n_triangles);
    if (m->labels == NULL)
        tmesh_mesh__out_printf(o, "o tracemesh\n");
    for (size_t v = 0; v < m->n_vertices; v++) {
        float p[3];
        tmesh_mesh__out_xyz(m, v, space, p);
        tmesh_mesh__out_printf(o, "v %.9g %.9g %.9g\n", (double)p[0], (double)p[1], (double)p[2]);
    }
    if (nrm)
        for (size_t v = 0; v < m->n_vertices; v++) {
            float n[3];
            tmesh_mesh__out_normal(m, v, space, n);
            tmesh_mesh__out_printf(o, "vn %.9g %.9g %.9g\n", (double)n[0], (double)n[1],
                                   (double)n[2]);
        }
    long cur = -1;
    for (size_t t = 0; t < m->n_triangles; t++) {
        /* One object per run of triangles of the same label (the first vertex's). */
        if (m->labels != NULL && m->labels[m->tri[3 * t]] != cur) {
            cur = m->labels[m->tri[3 * t]];
            tmesh_mesh__out_printf(o, "o label_%ld\n", cur);
        }
        unsigned long a = m->tri[3 * t] + 1ul, b = m->tri[3 * t + 1] + 1ul,
                      c = m->tri[3 * t + 2] + 1ul;
        if (nrm)
            tmesh_mesh__out_printf(o, "f %lu//%lu %lu//%lu %lu//%lu\n", a, a, b, b, c, c);
        else
            tmesh_mesh__out_printf(o, "f %lu %lu %lu\n", a, b, c);
    }
}
