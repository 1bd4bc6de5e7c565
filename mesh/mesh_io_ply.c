/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PLY writer (binary little-endian or ASCII): vertices as float x y z (and nx ny nz when the
 * mesh has normals, ushort label when it has labels), faces as uchar-counted uint lists. Comments
 * record units and frame. ASCII numbers use "%.9g", which round-trips every float exactly in the C
 * locale.
 */
#include "mesh_int.h"

void tmesh_mesh__ply_bytes(tmesh_mesh__out *o, const tmesh_mesh *m, tmesh_mesh_space space,
                           int ascii)
{
    int nrm = m->normals != NULL;
    tmesh_mesh__out_printf(o, "ply\nformat %s 1.0\n", ascii ? "ascii" : "binary_little_endian");
    tmesh_mesh__out_printf(o, "comment tracemesh %s\ncomment UNITS=mm\ncomment SPACE=%s\n",
                           TMESH_VERSION_STRING, tmesh_mesh__space_name(space));
    tmesh_mesh__out_printf(o,
                           "element vertex %zu\nproperty float x\nproperty float y\n"
                           "property float z\n",
                           m->n_vertices);
    if (nrm)
        tmesh_mesh__out_printf(o, "property float nx\nproperty float ny\nproperty float nz\n");
    if (m->labels)
        tmesh_mesh__out_printf(o, "property ushort label\n");
    tmesh_mesh__out_printf(o,
                           "element face %zu\nproperty list uchar uint vertex_indices\n"
                           "end_header\n",
                           m->n_triangles);
    for (size_t v = 0; v < m->n_vertices; v++) {
        float p[3], n[3] = {0, 0, 0};
        tmesh_mesh__out_xyz(m, v, space, p);
        if (nrm)
            tmesh_mesh__out_normal(m, v, space, n);
        if (ascii) {
            tmesh_mesh__out_printf(o, "%.9g %.9g %.9g", (double)p[0], (double)p[1], (double)p[2]);
            if (nrm)
                tmesh_mesh__out_printf(o, " %.9g %.9g %.9g", (double)n[0], (double)n[1],
                                       (double)n[2]);
            if (m->labels)
                tmesh_mesh__out_printf(o, " %u", (unsigned)m->labels[v]);
            tmesh_mesh__out_bytes(o, "\n", 1);
        } else {
            for (int k = 0; k < 3; k++)
                tmesh_mesh__out_f32(o, p[k]);
            if (nrm)
                for (int k = 0; k < 3; k++)
                    tmesh_mesh__out_f32(o, n[k]);
            if (m->labels) {
                uint8_t b[2] = {(uint8_t)m->labels[v], (uint8_t)(m->labels[v] >> 8)};
                tmesh_mesh__out_bytes(o, b, 2);
            }
        }
    }
    for (size_t t = 0; t < m->n_triangles; t++) {
        const uint32_t *v = m->tri + 3 * t;
        if (ascii) {
            tmesh_mesh__out_printf(o, "3 %u %u %u\n", v[0], v[1], v[2]);
        } else {
            uint8_t three = 3;
            tmesh_mesh__out_bytes(o, &three, 1);
            for (int c = 0; c < 3; c++)
                tmesh_mesh__out_u32(o, v[c]);
        }
    }
}
