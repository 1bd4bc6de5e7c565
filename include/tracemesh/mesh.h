/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mesh: the third stage of the pipeline. Turns a volume (intensities or labels) into a closed,
 * manifold, outward-oriented triangle mesh in patient LPS millimetres; smooths, decimates and
 * cleans it; checks it; and reads and writes mesh files (STL, PLY, OBJ and 3MF natively; glTF,
 * GLB, Collada and FBX through assimp).
 */
#ifndef TRACEMESH_MESH_H
#define TRACEMESH_MESH_H

#include <stddef.h>
#include <stdint.h>

#include "tracemesh/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * Extraction
 * ------------------------------------------------------------------------------------------- */

/** Surface extraction method. */
typedef enum tmesh_mesh_method {
    TMESH_MESH_METHOD_MC = 0,  /* marching cubes, face-consistent generated case table       */
    TMESH_MESH_METHOD_NETS = 1 /* SurfaceNets: vertices inside boundary cells (labels only)   */
} tmesh_mesh_method;

/** Options of tmesh_mesh_isosurface. */
typedef struct tmesh_mesh_iso_opts {
    double iso;                 /* threshold in the volume's units; a sample is inside when its
                                   value >= iso. Any finite value. Default 0.5                 */
    const tmesh_volume *mask;   /* optional, borrowed: same dim; samples where the mask is 0 are
                                   outside. Default NULL                                      */
    unsigned threads;           /* 0: one per core; at most 256. Default 0                     */
    tmesh_progress_fn progress; /* optional progress callback. Default NULL                    */
    void *progress_user;
} tmesh_mesh_iso_opts;

#define TMESH_MESH_ISO_OPTS_INIT {0.5, NULL, 0, NULL, NULL}

/**
 * Extract the isosurface `value == iso` of a volume with marching cubes.
 *
 * The case table is generated, not copied: every cube face whose four corners alternate
 * (the ambiguous face) is resolved the same way, by separating the inside corners, so both
 * cubes that share a face cut it identically and the surface is watertight and manifold.
 * Each edge vertex is created once. The volume is padded virtually by one sample of "outside",
 * so a structure touching the border is closed by a cap half a sample beyond the last sample;
 * edges to a padded or masked-out sample place their vertex half way. Vertices stay at least
 * 1/1000 of a sample from the samples, so no triangle collapses to a point.
 *
 * Triangles are counter-clockwise seen from outside (from the side with values below iso),
 * also when `ijk_to_lps` has a negative determinant (the winding is then flipped; the
 * coordinates are never mirrored). Output bytes are identical at any thread count.
 *
 * @param[out] out caller owns; free with tmesh_mesh_free. An empty mesh (0 triangles) when no
 *                 sample is inside.
 * @param vol      borrowed; any sample type; NaN samples count as outside
 * @param opts     NULL for defaults
 * @return TMESH_OK; TMESH_E_ARG for a non-finite iso (names "iso"), threads over 256 (names
 *         "threads"), or a mask of another size (names "mask"); TMESH_E_DATA for a singular
 *         matrix; TMESH_E_NOMEM
 */
tmesh_status tmesh_mesh_isosurface(tmesh_mesh **out, const tmesh_volume *vol,
                                   const tmesh_mesh_iso_opts *opts, tmesh_error *err);

/**
 * The isosurface of a volume that arrives a run of slices at a time (a DICOM series streamed
 * from disk), without the whole volume in memory: the same mesh, byte for byte, as
 * tmesh_mesh_isosurface of the assembled volume with the same options. The stream keeps a
 * window of at most 65 slices as float (about 64 MB for 512 x 512 slices).
 *   tmesh_mesh_iso_stream_new(&st, dim, ijk_to_lps, &opts, err);
 *   for each run of slices, in order: tmesh_mesh_iso_stream_feed(st, slices, k0, err);
 *   tmesh_mesh_iso_stream_finish(st, &mesh, err);  tmesh_mesh_iso_stream_free(st);
 * opts.mask must be NULL; opts.progress is not called.
 */
typedef struct tmesh_mesh_iso_stream tmesh_mesh_iso_stream;

/** @return TMESH_OK; TMESH_E_ARG naming "iso", "threads", the mask or the size; TMESH_E_DATA
 *          for a singular matrix; TMESH_E_NOMEM */
tmesh_status tmesh_mesh_iso_stream_new(tmesh_mesh_iso_stream **out, const size_t dim[3],
                                       const double ijk_to_lps[4][4],
                                       const tmesh_mesh_iso_opts *opts, tmesh_error *err);

/** Feed slices k0 .. k0 + slices->dim[2] - 1 (any sample type; the matrix of `slices` is not
 *  used). Runs must follow on from the previous one.
 *  @return TMESH_OK; TMESH_E_ARG for a wrong slice size or a run out of order; TMESH_E_NOMEM */
tmesh_status tmesh_mesh_iso_stream_feed(tmesh_mesh_iso_stream *st, const tmesh_volume *slices,
                                        size_t k0, tmesh_error *err);

/** The mesh, once every slice has been fed.
 *  @return TMESH_OK; TMESH_E_ARG when slices are missing; TMESH_E_NOMEM */
tmesh_status tmesh_mesh_iso_stream_finish(tmesh_mesh_iso_stream *st, tmesh_mesh **out,
                                          tmesh_error *err);

void tmesh_mesh_iso_stream_free(tmesh_mesh_iso_stream *st);

/** Options of tmesh_mesh_from_labels. */
typedef struct tmesh_mesh_label_opts {
    unsigned label;             /* label to extract, 1..65535; 0 means every non-zero label.
                                   Default 0                                                  */
    tmesh_mesh_method method;   /* Default TMESH_MESH_METHOD_MC                                */
    double sigma;               /* Gaussian pre-smoothing of the mask, mm (Slicer's smoothing
                                   factor); 0 = none; 0..50. Default 0                         */
    unsigned threads;           /* 0: one per core; at most 256. Default 0                     */
    tmesh_progress_fn progress; /* optional; reports MC extraction only. Default NULL          */
    void *progress_user;
} tmesh_mesh_label_opts;

#define TMESH_MESH_LABEL_OPTS_INIT {0, TMESH_MESH_METHOD_MC, 0.0, 0, NULL, NULL}

/**
 * Extract the surface of one label (or of all non-zero labels) of a label volume.
 *
 * The work is restricted to the label's bounding box (plus the smoothing margin). With
 * `sigma` > 0 the binary mask is blurred with a Gaussian of that standard deviation in mm
 * (per axis sigma / spacing samples) and the 0.5 level is extracted; with sigma 0 vertices lie
 * half way between inside and outside samples. MC follows tmesh_mesh_isosurface. NETS places
 * one vertex per separate sheet in each cell the surface crosses (the loops of the cell's MC
 * case, at the mean of their edge crossings) and joins the four cells around each crossed edge
 * with two triangles (shorter diagonal): the dual of the MC surface, closed, manifold and
 * outward. Where one sheet passes through a cube face twice and the sheet of the cell on the
 * other side does too (thin trabecular bone in a CT mask gives a few hundred such faces per
 * million triangles), the lower cell's vertex is split in two along the sheet's loop so that
 * the two crossings join different vertices, and the polygons around the affected edges are
 * fanned (around a new centre vertex when two split cells meet there).
 * Every vertex of the result has `labels` set to the extracted label (1 when `label` is 0).
 * Output is identical at any thread count and closed where the label touches the border.
 *
 * @param[out] out caller owns; an empty mesh when the label is absent
 * @param labels   borrowed; type U8 or U16
 * @param opts     NULL for defaults
 * @return TMESH_OK; TMESH_E_ARG naming "label", "sigma", "method", "threads" or the volume type
 *         when out of range; TMESH_E_DATA for a singular matrix; TMESH_E_NOMEM
 */
tmesh_status tmesh_mesh_from_labels(tmesh_mesh **out, const tmesh_volume *labels,
                                    const tmesh_mesh_label_opts *opts, tmesh_error *err);

/**
 * Extract every non-zero label of a label volume as its own closed surface, all in one mesh.
 *
 * Labels come in increasing order and `labels` gives each vertex's label (every label has its
 * own vertex copies, so each is a closed surface of its own); `opts->label` is ignored.
 *
 * With TMESH_MESH_METHOD_NETS the labels are meshed together: one vertex per cell where any
 * two labels meet, and every crossed edge gives a quad to the label on each side, so touching
 * labels share exactly the same boundary (same positions, opposite winding): no gap, no
 * overlap. sigma must be 0 there. With TMESH_MESH_METHOD_MC each label is extracted alone as
 * tmesh_mesh_from_labels does (sigma allowed): with sigma 0 the shared part uses the same
 * vertex positions on both sides (the two triangulations of one cube may differ), but along
 * the line where two labels meet the background each surface is chamfered, leaving a groove
 * of at most half a sample; with sigma > 0 neighbours may gap or overlap by part of sigma.
 *
 * @param[out] out caller owns; an empty mesh when every sample is 0
 * @param labels   borrowed; type U8 or U16
 * @return as tmesh_mesh_from_labels, and TMESH_E_ARG naming "sigma" for NETS with sigma > 0;
 *         errors of one label name it ("label 3: ...")
 */
tmesh_status tmesh_mesh_from_labels_all(tmesh_mesh **out, const tmesh_volume *labels,
                                        const tmesh_mesh_label_opts *opts, tmesh_error *err);

/* ---------------------------------------------------------------------------------------------
 * Post-processing (all in place; every function keeps `labels` and recomputes `normals` when
 * the mesh has them)
 * ------------------------------------------------------------------------------------------- */

typedef enum tmesh_mesh_smooth_method {
    TMESH_MESH_SMOOTH_TAUBIN = 0, /* lambda/mu, Taubin 1995                               */
    TMESH_MESH_SMOOTH_SINC = 1    /* windowed sinc (Hamming window, Chebyshev expansion) */
} tmesh_mesh_smooth_method;

/** Options of tmesh_mesh_smooth. */
typedef struct tmesh_mesh_smooth_opts {
    tmesh_mesh_smooth_method method; /* Default TMESH_MESH_SMOOTH_TAUBIN                       */
    unsigned iterations;             /* 1..1000. Default 20                                   */
    double lambda;                   /* Taubin shrink step, (0, 1). Default 0.5               */
    double mu;                       /* Taubin inflate step, (-1, -lambda). Default -0.53      */
    double pass_band;                /* sinc pass band, (0, 2). Default 0.1                    */
    int fix_boundary;                /* non-zero: vertices on boundary edges do not move.
                                        Default 1                                             */
    unsigned threads;                /* 0: one per core; at most 256; the result does not
                                        depend on it. Default 0                               */
} tmesh_mesh_smooth_opts;

#define TMESH_MESH_SMOOTH_OPTS_INIT {TMESH_MESH_SMOOTH_TAUBIN, 20, 0.5, -0.53, 0.1, 1, 0}

/** What tmesh_mesh_smooth did. */
typedef struct tmesh_mesh_smooth_report {
    double volume_before_ml;  /* signed enclosed volume before, millilitres   */
    double volume_after_ml;   /* after                                        */
    double volume_change_pct; /* 100 * (after - before) / |before|; 0 when before is 0 */
    double max_move;          /* largest vertex displacement, mm              */
    size_t kept;              /* vertices left in place: pinches, flat triangles */
} tmesh_mesh_smooth_report;

/**
 * Smooth vertex positions with uniform (umbrella) Laplacian weights; connectivity is unchanged.
 * Vertices at identical positions move together (smoothing runs on the position-welded mesh),
 * so the shared boundaries of a multi-label mesh stay shared. A vertex that would land exactly
 * on the position of another vertex (two sheets smoothed into one point, a pinch that readers
 * weld into a non-manifold vertex) keeps its original position, and so do the corners of a
 * triangle that smoothing would flatten to zero area; `kept` counts them.
 * @param mesh          modified in place
 * @param opts          NULL for defaults
 * @param[out] report_out optional
 * @return TMESH_OK; TMESH_E_ARG naming "iterations", "lambda", "mu", "pass_band", "method" or
 *         "threads"; TMESH_E_DATA for a triangle index out of range; TMESH_E_NOMEM
 */
tmesh_status tmesh_mesh_smooth(tmesh_mesh *mesh, const tmesh_mesh_smooth_opts *opts,
                               tmesh_mesh_smooth_report *report_out, tmesh_error *err);

/** Options of tmesh_mesh_decimate. */
typedef struct tmesh_mesh_decimate_opts {
    double ratio;            /* target fraction of triangles kept, (0, 1]. Default 0.5          */
    double max_error;        /* largest allowed deviation, mm; 0 = no bound. Default 0          */
    int lock_border;         /* non-zero: vertices on boundary edges stay. Default 1            */
    int check_intersections; /* non-zero: a result with self-intersections that the input
                                did not have counts as broken (slower). Default 1        */
    unsigned threads;        /* 0: one per core; at most 256; the result does not depend on
                                it. Default 0                                            */
} tmesh_mesh_decimate_opts;

#define TMESH_MESH_DECIMATE_OPTS_INIT {0.5, 0.0, 1, 1, 0}

/** What tmesh_mesh_decimate did. */
typedef struct tmesh_mesh_decimate_report {
    size_t triangles_before, triangles_after;
    double error_mm;  /* deviation estimated by the simplifier, mm             */
    unsigned retries; /* repair rounds because a result broke the mesh        */
    long self_intersections; /* crossing triangle pairs in the result, counted only
                                when new ones stopped counting as damage; else -1 */
} tmesh_mesh_decimate_report;

/**
 * Reduce the triangle count with meshoptimizer's edge-collapse simplifier, stopping at the
 * target ratio or the error bound, whichever comes first; unused vertices are removed (kept
 * vertices keep their order). Small closed pieces may vanish entirely.
 *
 * meshoptimizer does not check the link condition, so on thin or noisy parts a collapse can
 * create non-manifold edges or duplicate triangles, and on flat parts it leaves zero-area
 * slivers. Slivers are removed by splitting their neighbour at the sliver's middle vertex, and
 * a folded pair (two copies of one triangle facing opposite ways, enclosing nothing) is
 * dropped. Then each result is checked: when it loses a property the input had (watertight,
 * manifold, oriented, free of degenerate and duplicate triangles; with check_intersections
 * also free of self-intersections), the input triangles around the offending vertices (two
 * rings) are frozen and the rest is simplified again by the same ratio with its border
 * locked (`retries` counts the rounds), so `triangles_after` can stay above the target. When
 * the frozen triangles end up more than a twentieth of the result (low ratios on noisy
 * parts), they are thawed once, except those at the damage itself, and the rounds go on
 * freezing one ring around new damage (up to 8 more); the thawed result is kept when it
 * settles, else the one before. When 12 rounds never settle and self-intersections were
 * counted (thin parts simplified at low ratios can keep crossing somewhere new), 8 more
 * rounds follow in which only the other properties count; the result's crossings are then
 * counted into `self_intersections` and a warning is logged. When those do not settle
 * either, the mesh is left unchanged and a warning is logged. Apart from those reported crossings, the result never
 * has fewer of those properties than the input. With retries the border is locked even when
 * lock_border is 0. The input is compared where the result is damaged: a result's
 * self-intersection is damage unless the input's triangles within two rings of it intersect
 * too, and the whole input's edges are checked only when its triangles within two rings of a
 * damaged edge have such a defect themselves.
 *
 * With lock_border set, a mesh of 65536 triangles or more is cut into blocks of about 32768
 * triangles (by the position of their centres), each simplified with its border locked, in
 * parallel; then the triangles around the seams between blocks are simplified together so
 * that the whole meets the target. A repair round simplifies again only the blocks with newly
 * frozen triangles. The cut depends on the mesh only, so the result is the same at any
 * thread count.
 *
 * A mesh with several labels is decimated label by label (ascending, each label's surface on
 * its own), so the boundaries that touching labels shared are no longer shared afterwards.
 * @return TMESH_OK; TMESH_E_ARG naming "ratio", "max_error" or "threads"; TMESH_E_DATA for an
 *         index out of range; TMESH_E_NOMEM
 */
tmesh_status tmesh_mesh_decimate(tmesh_mesh *mesh, const tmesh_mesh_decimate_opts *opts,
                                 tmesh_mesh_decimate_report *report_out, tmesh_error *err);

/** Options of tmesh_mesh_clean. */
typedef struct tmesh_mesh_clean_opts {
    double weld_tolerance; /* mm, 0..1e3: vertices in the same cell of this size are merged
                              (0: only identical positions). Default 0                     */
    int remove_degenerate; /* triangles with a repeated vertex or zero area. Default 1      */
    int remove_duplicates; /* triangles using the same three vertices. Default 1            */
} tmesh_mesh_clean_opts;

#define TMESH_MESH_CLEAN_OPTS_INIT {0.0, 1, 1}

/** What tmesh_mesh_clean removed. */
typedef struct tmesh_mesh_clean_report {
    size_t vertices_welded, degenerate_removed, duplicates_removed, unused_removed;
} tmesh_mesh_clean_report;

/**
 * Weld vertices, drop degenerate and duplicate triangles, then drop unused vertices. The first
 * vertex (lowest index) of each welded group survives; kept triangles keep their order.
 * @return TMESH_OK; TMESH_E_ARG naming "weld_tolerance"; TMESH_E_DATA for an index out of
 *         range; TMESH_E_NOMEM
 */
tmesh_status tmesh_mesh_clean(tmesh_mesh *mesh, const tmesh_mesh_clean_opts *opts,
                              tmesh_mesh_clean_report *report_out, tmesh_error *err);

/** Options of tmesh_mesh_filter_components. */
typedef struct tmesh_mesh_components_opts {
    unsigned keep_largest; /* keep the N components of largest area; 0 keeps all. Default 0 */
    double min_area;       /* drop components under this area, mm2, >= 0. Default 0         */
} tmesh_mesh_components_opts;

#define TMESH_MESH_COMPONENTS_OPTS_INIT {0, 0.0}

/**
 * Keep the largest connected surfaces (triangles connected through shared vertices) and drop
 * small ones. Ties in area are broken by the lowest vertex index. Kept triangles keep their
 * order; unused vertices are removed.
 * @param[out] removed_out optional: number of components removed
 * @return TMESH_OK; TMESH_E_ARG naming "min_area"; TMESH_E_DATA for an index out of range;
 *         TMESH_E_NOMEM
 */
tmesh_status tmesh_mesh_filter_components(tmesh_mesh *mesh, const tmesh_mesh_components_opts *opts,
                                          size_t *removed_out, tmesh_error *err);

/**
 * Compute area-weighted vertex normals (unit length, outward for an outward-oriented mesh),
 * allocating `normals` when absent. Vertices used by no triangle get (0, 0, 0).
 * @return TMESH_OK; TMESH_E_DATA for an index out of range; TMESH_E_NOMEM
 */
tmesh_status tmesh_mesh_compute_normals(tmesh_mesh *mesh, tmesh_error *err);

/* ---------------------------------------------------------------------------------------------
 * Checks
 * ------------------------------------------------------------------------------------------- */

/** Options of tmesh_mesh_check. */
typedef struct tmesh_mesh_check_opts {
    int self_intersections; /* non-zero: count intersecting triangle pairs (slower). Default 0 */
    unsigned threads;       /* 0 = one per core, for the edge and vertex checks and the
                               self-intersection count; the result does not depend on it.
                               Default 0                                                  */
} tmesh_mesh_check_opts;

#define TMESH_MESH_CHECK_OPTS_INIT {0, 0}

/** Result of tmesh_mesh_check. A failing property is reported here, never fixed. */
typedef struct tmesh_mesh_report {
    size_t n_vertices, n_triangles;
    size_t n_unused_vertices;        /* vertices no triangle uses                          */
    size_t n_edges;                  /* distinct undirected edges                          */
    size_t n_components;             /* connected surfaces (through shared vertices)       */
    size_t n_boundary_edges;         /* edges of one triangle                              */
    size_t n_nonmanifold_edges;      /* edges of three or more triangles                   */
    size_t n_nonmanifold_vertices;   /* vertices whose triangles form more than one fan    */
    size_t n_inconsistent_edges;     /* two-triangle edges traversed the same way by both  */
    size_t n_degenerate_triangles;   /* repeated vertex or zero area                       */
    size_t n_duplicate_triangles;    /* same three vertices as an earlier triangle         */
    size_t n_coincident_vertices;    /* used vertices at exactly the position of another
                                        used vertex with the same label (a pinch: readers
                                        weld them); copies of two labels are not counted  */
    long euler;                      /* V - E + F, V counting used vertices                */
    long genus;                      /* sum of component genera; -1 unless closed manifold */
    double area_mm2;                 /* total area                                         */
    double volume_ml;                /* signed enclosed volume (divergence theorem), ml    */
    double bbox_min[3], bbox_max[3]; /* mm, of used vertices; 0 for an empty mesh          */
    long self_intersections;         /* intersecting non-adjacent pairs; -1 not computed   */
    int watertight;                  /* no boundary edge                                   */
    int manifold;                    /* no non-manifold edge or vertex                     */
    int oriented;                    /* no inconsistent edge                               */
    int outward;                     /* watertight, manifold, oriented and volume > 0      */
    int ok;                          /* all of the above, no degenerate or duplicate
                                        triangle, no coincident or unused vertex, no
                                        self-intersection found, at least one triangle     */
} tmesh_mesh_report;

/**
 * Measure a mesh's topology and geometry.
 * @param[out] out filled completely
 * @param mesh     borrowed
 * @param opts     NULL for defaults
 * @return TMESH_OK (also when the mesh fails checks: see out->ok); TMESH_E_DATA for a triangle
 *         index out of range (names the triangle); TMESH_E_NOMEM
 */
tmesh_status tmesh_mesh_check(tmesh_mesh_report *out, const tmesh_mesh *mesh,
                              const tmesh_mesh_check_opts *opts, tmesh_error *err);

/**
 * Format a report as text (one "key: value" per line) or as JSON (sorted keys, fixed decimals,
 * C locale), like snprintf: writes at most `cap` bytes including the NUL.
 * @return the length the full text needs (excluding the NUL)
 */
size_t tmesh_mesh_report_format(char *buf, size_t cap, const tmesh_mesh_report *report, int json);

/* ---------------------------------------------------------------------------------------------
 * Files
 * ------------------------------------------------------------------------------------------- */

typedef enum tmesh_mesh_format {
    TMESH_MESH_FORMAT_AUTO = 0, /* from the file name's extension              */
    TMESH_MESH_FORMAT_STL = 1,  /* binary STL (own writer)                     */
    TMESH_MESH_FORMAT_PLY = 2,  /* binary little-endian PLY (own writer)       */
    TMESH_MESH_FORMAT_PLY_ASCII = 3,
    TMESH_MESH_FORMAT_OBJ = 4,  /* Wavefront OBJ (own writer)                  */
    TMESH_MESH_FORMAT_GLTF = 5, /* glTF 2.0 JSON + .bin (assimp)               */
    TMESH_MESH_FORMAT_GLB = 6,  /* glTF 2.0 binary (assimp)                    */
    TMESH_MESH_FORMAT_3MF = 7,  /* 3MF (own writer)                            */
    TMESH_MESH_FORMAT_DAE = 8,  /* Collada (assimp)                            */
    TMESH_MESH_FORMAT_FBX = 9   /* binary FBX (assimp)                         */
} tmesh_mesh_format;

/** Coordinate frame written to a file. */
typedef enum tmesh_mesh_space {
    TMESH_MESH_SPACE_LPS = 0, /* patient LPS, as the mesh holds it                       */
    TMESH_MESH_SPACE_RAS = 1  /* x and y negated: a 180 degree rotation: winding stays    */
} tmesh_mesh_space;

/** Options of tmesh_mesh_write. */
typedef struct tmesh_mesh_write_opts {
    tmesh_mesh_format format; /* Default TMESH_MESH_FORMAT_AUTO                    */
    tmesh_mesh_space space;   /* Default TMESH_MESH_SPACE_LPS                      */
} tmesh_mesh_write_opts;

#define TMESH_MESH_WRITE_OPTS_INIT {TMESH_MESH_FORMAT_AUTO, TMESH_MESH_SPACE_LPS}

/**
 * Format of a file name's extension (case-insensitive: .stl .ply .obj .gltf .glb .3mf .dae
 * .fbx); TMESH_MESH_FORMAT_AUTO when unknown.
 */
tmesh_mesh_format tmesh_mesh_format_from_path(const char *path);

/**
 * Write a mesh, in millimetres, recording the frame. A mesh with `labels` is written as one
 * object per label named "label_N" (OBJ "o" groups; glTF/GLB/3MF/Collada/FBX nodes), by the
 * label of each triangle's first vertex (3MF: objects with name="label_N" and id N + 1,
 * recorded as "LABEL=ID-1" in the package's note), and PLY gets a
 * "ushort label" vertex property.
 * Frame records: STL in its 80-byte header
 * ("tracemesh 0.1.0 UNITS=mm SPACE=LPS"), PLY as "comment SPACE=LPS", OBJ as "# SPACE=LPS",
 * glTF/GLB in asset.extras ({"units":"mm","space":"LPS"}), Collada as unit millimeter and
 * Z_UP (z is superior in LPS and RAS) with "tracemesh 0.1.0 UNITS=mm SPACE=LPS" in the
 * contributor's comments, FBX as UnitScaleFactor 0.1 (cm per unit) with a Z-up
 * axis system, 3MF as unit millimeter. glTF viewers assume metres, so scale on import there.
 * Coordinates are written at full float precision. The bytes of every format depend only on
 * the mesh and the options: 3MF zip entries are dated 1980-01-01 00:00, and the export times
 * that assimp stamps into Collada (asset created/modified) and FBX (CreationTimeStamp) are set
 * to 1970-01-01. 3MF records units and frame in a stored Metadata/tracemesh.txt part and in
 * the model's Description metadata. FBX is binary 7500 with
 * the null records that close nested records added (assimp 5.2 omits them, so its own importer,
 * Blender and the FBX SDK would reject the file). STL, PLY, OBJ and 3MF are written atomically;
 * GLB, Collada and FBX go through a temporary file and are then written atomically; glTF and its
 * .bin are written in place by assimp. Normals are written when the mesh has them (not STL,
 * which stores facet normals).
 * @param mesh borrowed
 * @param opts NULL for defaults
 * @return TMESH_OK; TMESH_E_ARG for an unknown extension, format or space (names the path), or
 *         for a mesh above 2^32-1 vertices; TMESH_E_DATA for a triangle index out of range
 *         (names the path); TMESH_E_IO naming the path; TMESH_E_NOMEM
 */
tmesh_status tmesh_mesh_write(const tmesh_mesh *mesh, const char *path,
                              const tmesh_mesh_write_opts *opts, tmesh_error *err);

/**
 * Read a mesh file through assimp (STL, PLY, OBJ, glTF/GLB and whatever else assimp reads),
 * joining identical vertices within each mesh of the file and appending every mesh that the
 * scene graph references, with the transforms of the nodes below the root applied (the root's
 * is assimp's axis conversion and is skipped, as is Collada unit scaling: coordinates come
 * back as stored). Meshes or nodes named "label_N"
 * (as tmesh_mesh_write names the objects of a labelled mesh) set `labels` to N; other
 * vertices get 0; `labels` stays NULL when no name matches. A file written by
 * tmesh_mesh_write with SPACE=RAS is converted back to LPS when the format records the frame
 * (STL, PLY, OBJ, 3MF, glTF, GLB, Collada); FBX comes back as stored. assimp names 3MF
 * objects by id, so in a 3MF written by tmesh_mesh_write with labels (marked "LABEL=ID-1")
 * object N gets label N - 1.
 * Not thread-safe (assimp keeps its last error in a global).
 * @param[out] out caller owns
 * @return TMESH_OK; TMESH_E_NOTFOUND when the path does not exist; TMESH_E_IO when it cannot be
 *         read; TMESH_E_DATA when assimp cannot parse it or it holds no triangles (names the
 *         path); TMESH_E_NOMEM
 */
tmesh_status tmesh_mesh_read(tmesh_mesh **out, const char *path, tmesh_error *err);

#ifdef __cplusplus
}
#endif

#endif /* TRACEMESH_MESH_H */
