/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private helpers shared inside the mesh module only: the marching-cubes case table, growable
 * buffers, the vertex adjacency used by smoothing, and mesh compaction used by every in-place
 * post-processing step. Outside code includes <tracemesh/mesh.h>.
 */
#ifndef TMESH_MESH_INT_H
#define TMESH_MESH_INT_H

#include "tracemesh/mesh.h"

#include <stdio.h>
#include <stdlib.h>

/* ---- marching cubes case table (mesh_mc_tables.c) ----
 * Corner c of a cell is at offset (c & 1, (c >> 1) & 1, (c >> 2) & 1). Edge e runs along axis
 * e / 4; its position on the other two axes (in increasing axis order) is bits 0 and 1 of e % 4.
 * Case bit c is set when corner c is inside. */
#define TMESH_MC_MAX_TRI 12
typedef struct tmesh_mesh__mc_table {
    uint8_t n_tri[256];
    uint8_t edges[256][3 * TMESH_MC_MAX_TRI]; /* triangles as edge triples, CCW from outside */
    uint8_t n_loops[256];                     /* separate surface pieces in the cube        */
    int8_t edge_loop[256][12];                /* piece of each cut edge; -1 when not cut    */
    int8_t edge_next[256][12]; /* next cut edge along the piece's loop (the segment from e to
                                  edge_next[e] lies in one cube face); -1 when not cut     */
    int8_t edge_prev[256][12]; /* the inverse of edge_next                                 */
} tmesh_mesh__mc_table;

/** Derive the 256-case table (about 0.2 ms); reentrant. */
void tmesh_mesh__mc_build_table(tmesh_mesh__mc_table *t);

/* ---- growable arrays ---- */
typedef struct tmesh_mesh__buf {
    void *data;
    size_t len, cap; /* in elements */
} tmesh_mesh__buf;

/** Make room for `more` elements of `elem` bytes; returns 0 on success, -1 out of memory. */
int tmesh_mesh__buf_reserve(tmesh_mesh__buf *b, size_t elem, size_t more);

/* ---- helpers on meshes (mesh_clean.c) ---- */

/** TMESH_E_DATA naming the first triangle with an index >= n_vertices. */
tmesh_status tmesh_mesh__validate(const tmesh_mesh *m, tmesh_error *err);

/**
 * Keep triangles with keep_tri[t] != 0 (NULL: all), then drop unused vertices, keeping order.
 * Reallocates arrays; labels kept, normals recomputed when present.
 * @param[out] unused_out optional: vertices removed
 */
tmesh_status tmesh_mesh__compact(tmesh_mesh *m, const uint8_t *keep_tri, size_t *unused_out,
                                 tmesh_error *err);

/** Signed enclosed volume in mm3 and area in mm2, summed in triangle order in double. */
void tmesh_mesh__measure(const tmesh_mesh *m, double *volume_mm3_out, double *area_mm2_out);

/**
 * Vertex adjacency as compressed rows: neighbours of v are adj[start[v] .. start[v+1]), sorted
 * and unique. With boundary_out, also the vertices on boundary edges (edges of exactly one
 * triangle; self-loops of degenerate triangles do not count). Rows are sorted on up to
 * `threads` threads (0: one per core); the result does not depend on it. Caller frees all
 * with free().
 */
tmesh_status tmesh_mesh__adjacency(const tmesh_mesh *m, unsigned threads, size_t **start_out,
                                   uint32_t **adj_out, uint8_t **boundary_out, tmesh_error *err);

/**
 * Sort `n` items of `size` bytes by `cmp`, a total order whose first key is the uint32 at byte
 * `key_off` of each item, below `n_keys`: a counting sort on that key, then a sort of each
 * bucket by `cmp` (insertion sort for the short buckets of mesh data). The result is the order
 * qsort with `cmp` gives. Returns 0, or -1 out of memory (items unchanged).
 */
int tmesh_mesh__bucket_sort(void *items, size_t n, size_t size, size_t key_off, size_t n_keys,
                            int (*cmp)(const void *, const void *));

/**
 * first[v] = the lowest vertex index whose position (and label, when `labels` is given) equals
 * v's: positions by float comparison (-0 equals +0, a NaN equals nothing) when `bitwise` is 0,
 * by the exact bits when it is 1. With `used`, vertices where it is 0 join no group. Hashing,
 * in vertex order, so the result is independent of any sort. Returns 0, or -1 out of memory.
 */
int tmesh_mesh__group_positions(const float *xyz, const uint16_t *labels, const uint8_t *used,
                                size_t nv, int bitwise, uint32_t *first);

/** tmesh_mesh_check that also sets bad[v] = 1 (when `bad` is not NULL; n_vertices entries,
 *  zeroed by the caller) for every vertex of a boundary, non-manifold or inconsistent edge, a
 *  non-manifold vertex, or a degenerate or duplicate triangle. With topology_only, components,
 *  coincident vertices, area and volume (and so genus and outward) are left at 0/-1/false. */
tmesh_status tmesh_mesh__check(tmesh_mesh_report *out, const tmesh_mesh *m,
                               const tmesh_mesh_check_opts *opts, uint8_t *bad, int topology_only,
                               tmesh_error *err);

/** Count pairs of triangles that share no vertex and intersect (mesh_intersect.c); lo/hi is the
 *  bounding box of the used vertices; threads 0 = one per core (the result does not depend
 *  on it). With `changed` (n_triangles entries), pairs of two unchanged triangles are not
 *  tested: the caller knows they do not intersect. With `bad` (n_vertices entries) the
 *  vertices of both triangles of every counted pair are set to 1. */
tmesh_status tmesh_mesh__count_self_intersections(const tmesh_mesh *m, const double lo[3],
                                                  const double hi[3], unsigned threads,
                                                  const uint8_t *changed, long *out, uint8_t *bad,
                                                  tmesh_error *err);

/** A triangle's corners in ascending order into s; returns the number of swaps made (odd when
 *  the triangle's order is an odd permutation of the sorted one). */
static inline int tmesh_mesh__sort3(const uint32_t *v, uint32_t s[3])
{
    int swaps = 0;
    s[0] = v[0], s[1] = v[1], s[2] = v[2];
    for (int i = 0; i < 3; i++) {
        int a = i == 1 ? 1 : 0; /* compare (0,1), (1,2), (0,1) */
        if (s[a] > s[a + 1]) {
            uint32_t x = s[a];
            s[a] = s[a + 1];
            s[a + 1] = x;
            swaps++;
        }
    }
    return swaps;
}

/** A repeated corner, or corners whose cross product is exactly zero in double: what the
 *  check counts as a degenerate triangle. */
static inline int tmesh_mesh__degenerate(const float *xyz, const uint32_t *v)
{
    if (v[0] == v[1] || v[1] == v[2] || v[0] == v[2])
        return 1;
    const float *a = xyz + 3 * (size_t)v[0], *b = xyz + 3 * (size_t)v[1];
    const float *c = xyz + 3 * (size_t)v[2];
    double e1[3], e2[3];
    for (int k = 0; k < 3; k++) {
        e1[k] = (double)b[k] - a[k];
        e2[k] = (double)c[k] - a[k];
    }
    return e1[1] * e2[2] - e1[2] * e2[1] == 0.0 && e1[2] * e2[0] - e1[0] * e2[2] == 0.0 &&
           e1[0] * e2[1] - e1[1] * e2[0] == 0.0;
}

/** Union-find with path halving; the smaller index becomes the root. */
uint32_t tmesh_mesh__uf_find(uint32_t *parent, uint32_t x);
void tmesh_mesh__uf_union(uint32_t *parent, uint32_t a, uint32_t b);

/** Determinant of the 3x3 part of a volume's matrix. */
double tmesh_mesh__det3(const double m[4][4]);

/* ---- surface nets (mesh_nets.c) ---- */
typedef struct tmesh_mesh__grid {
    const tmesh_volume *vol;
    size_t lo[3], n[3]; /* sub-box of the volume being meshed                          */
    const float *field; /* optional: n[0]*n[1]*n[2] values (replaces vol samples)       */
    double iso;
    int label_mode; /* 0: intensities; 1: any non-zero label; 2: label == label;
                       3: every label (value = label, iso 0.5; SurfaceNets only)    */
    unsigned label;
    const tmesh_volume *mask;
    size_t k0; /* vol holds slices k0 .. k0 + vol->dim[2] - 1 of the volume being meshed (a
                  window of a streamed volume; its matrix is the whole volume's); else 0 */
} tmesh_mesh__grid;

/** Marching cubes on a grid (mesh_mc.c). */
tmesh_status tmesh_mesh__mc_run(tmesh_mesh **out, const tmesh_mesh__grid *g, unsigned threads,
                                tmesh_progress_fn progress, void *progress_user, tmesh_error *err);

/** SurfaceNets on a grid (mesh_nets.c). With label_mode 3 every label gets its own closed
 *  surface (own vertex copies, labels set), and touching labels share vertex positions. */
tmesh_status tmesh_mesh__nets_run(tmesh_mesh **out, const tmesh_mesh__grid *g, unsigned threads,
                                  tmesh_error *err);

/** Load padded sample layer pk (0..n[2]+1) as values and states (mesh_mc.c).
 *  State: 0 outside, 1 inside, 2 forced outside (padding, mask, NaN). Arrays hold
 *  (n[0]+2)*(n[1]+2) entries. */
void tmesh_mesh__load_layer(const tmesh_mesh__grid *g, size_t pk, float *val, uint8_t *state);

/** Map a padded index position (continuous) to LPS floats. */
void tmesh_mesh__grid_to_lps(const tmesh_mesh__grid *g, double pi, double pj, double pk,
                             float *xyz_out);

/* ---- file writing (mesh_io.c) ---- */

/** Output bytes under construction; `failed` latches an allocation failure. */
typedef struct tmesh_mesh__out {
    char *data;
    size_t len, cap;
    int failed;
} tmesh_mesh__out;

void tmesh_mesh__out_bytes(tmesh_mesh__out *o, const void *p, size_t n);
void tmesh_mesh__out_printf(tmesh_mesh__out *o, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void tmesh_mesh__out_f32(tmesh_mesh__out *o, float x);    /* little-endian */
void tmesh_mesh__out_u32(tmesh_mesh__out *o, uint32_t x); /* little-endian */

/** Position of vertex v in the output frame (RAS negates x and y). */
void tmesh_mesh__out_xyz(const tmesh_mesh *m, size_t v, tmesh_mesh_space space, float out[3]);
/** Normal of vertex v in the output frame. */
void tmesh_mesh__out_normal(const tmesh_mesh *m, size_t v, tmesh_mesh_space space, float out[3]);
const char *tmesh_mesh__space_name(tmesh_mesh_space space);

/* Read a binary STL, welding bit-identical corners. @return 0 when the file is not binary STL
 * (nothing done), else 1 with *st the outcome */
int tmesh_mesh__stl_read(tmesh_mesh **out, const char *path, tmesh_status *st, tmesh_error *err);

/** Serialisers: fill `o` with the file's bytes. */
void tmesh_mesh__stl_bytes(tmesh_mesh__out *o, const tmesh_mesh *m, tmesh_mesh_space space);
void tmesh_mesh__ply_bytes(tmesh_mesh__out *o, const tmesh_mesh *m, tmesh_mesh_space space,
                           int ascii);
void tmesh_mesh__obj_bytes(tmesh_mesh__out *o, const tmesh_mesh *m, tmesh_mesh_space space);

/** Write a 3MF package ourselves (mesh_io_3mf.c). */
tmesh_status tmesh_mesh__3mf_write(const tmesh_mesh *m, const char *path, tmesh_mesh_space space,
                                   tmesh_error *err);

/** Write through assimp's export API (mesh_io_assimp.c). */
tmesh_status tmesh_mesh__assimp_write(const tmesh_mesh *m, const char *path,
                                      tmesh_mesh_format format, tmesh_mesh_space space,
                                      tmesh_error *err);
/** Read through assimp's import API (mesh_io_assimp.c). With label_from_id (a 3MF that our
 *  writer marked "LABEL=ID-1"), object N becomes label N - 1. */
tmesh_status tmesh_mesh__assimp_read(tmesh_mesh **out, const char *path, int label_from_id,
                                     tmesh_error *err);

#endif
