/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Binary STL writer: the 80-byte header records the version, units and frame (STL itself has
 * no units), then one record per triangle with its facet normal. Little-endian on any host.
 */
#include "mesh_int.h"

#include <math.h>
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
