/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * segment: the second stage of the pipeline. It turns an intensity volume (CT in HU, MR in scanner
 * units) into a label volume with exactly the source's geometry, through thresholds, presets,
 * region growing, connected components, morphology, hole filling and label algebra. A recipe
 * runs an ordered list of these operations and records them in one canonical text, so the store
 * can replay how each label volume was made.
 *
 * Conventions shared by every call below:
 * - A "mask" is a U8 or U16 volume read as foreground where the sample is non-zero. Binary
 *   results are U8 volumes holding 0 and 1; multi-label results are U16.
 * - Every result is a new volume (caller owns; free with tmesh_volume_free) with the same `dim`
 *   and the same `ijk_to_lps` as its input, bit for bit.
 * - Lengths are millimetres in patient LPS; volumes are mm^3. The spacing along i, j and k is
 *   the length of the matching column of ijk_to_lps (tmesh_volume_spacing). For a sheared
 *   (gantry-tilted) matrix the column lengths are still the distances between neighbouring
 *   voxel centres along each axis, but balls become slightly elliptic there.
 * - `threads` fields: 0 means one per core. Results are byte-identical at any thread count.
 * - `const` inputs are only read (the editing calls say "modified in place"); every call is
 *   reentrant.
 */
#ifndef TRACEMESH_SEGMENT_H
#define TRACEMESH_SEGMENT_H

#include <stddef.h>
#include <stdint.h>

#include "tracemesh/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * Label tables: names and colours of the values of a multi-label volume
 * ------------------------------------------------------------------------------------------- */

/** Longest label name, including the NUL. */
#define TMESH_SEG_LABEL_NAME_MAX 64

/** One label: its sample value, a name and a display colour. */
typedef struct tmesh_seg_label {
    uint16_t value;                      /* sample value, 1..65535                    */
    char name[TMESH_SEG_LABEL_NAME_MAX]; /* printable ASCII, no quote or backslash    */
    uint8_t rgb[3];                      /* display colour, sRGB 0..255               */
} tmesh_seg_label;

/** Label table, kept sorted by value. Plain struct; start it with TMESH_SEG_LABELS_INIT. */
typedef struct tmesh_seg_labels {
    size_t count;           /* number of entries                 */
    tmesh_seg_label *items; /* `count` entries, ascending value; owned */
} tmesh_seg_labels;

#define TMESH_SEG_LABELS_INIT {0, NULL}

/**
 * Add a label, or replace the name and colour of an existing value.
 * @param rgb  colour; NULL picks a fixed colour from the value
 * @return TMESH_OK; TMESH_E_ARG naming `value` (0) or `name` (empty, too long, or holding a
 *         character other than printable ASCII without '"' and '\\'); TMESH_E_NOMEM
 */
tmesh_status tmesh_seg_labels_set(tmesh_seg_labels *table, uint16_t value, const char *name,
                                  const uint8_t rgb[3], tmesh_error *err);

/** The entry of `value`, or NULL. Borrowed: valid until the table changes. */
const tmesh_seg_label *tmesh_seg_labels_find(const tmesh_seg_labels *table, uint16_t value);

/** Free the entries and reset the table to empty. Accepts NULL. */
void tmesh_seg_labels_clear(tmesh_seg_labels *table);

/** Voxel count and volume of one label value. */
typedef struct tmesh_seg_label_stat {
    uint16_t value;   /* sample value                         */
    size_t voxels;    /* number of samples holding it         */
    double volume_ml; /* voxels * |det(ijk_to_lps)| / 1000    */
} tmesh_seg_label_stat;

/**
 * Count the samples of every non-zero value of a label volume.
 * @param[out] stats_out caller owns; free with free(). Ascending value; NULL when n_out is 0.
 * @return TMESH_OK; TMESH_E_ARG when `labels` is not U8 or U16; TMESH_E_NOMEM
 */
tmesh_status tmesh_seg_label_stats(tmesh_seg_label_stat **stats_out, size_t *n_out,
                                   const tmesh_volume *labels, tmesh_error *err);

/**
 * Write `value` into `labels` (U16, modified in place) wherever `mask` is non-zero; other
 * samples keep their value (later labels overwrite earlier ones).
 * @return TMESH_OK; TMESH_E_ARG when `labels` is not U16, `value` is 0, or the geometries differ
 */
tmesh_status tmesh_seg_label_assign(tmesh_volume *labels, const tmesh_volume *mask, uint16_t value,
                                    tmesh_error *err);

/* ---------------------------------------------------------------------------------------------
 * Thresholds, presets, Otsu
 * ------------------------------------------------------------------------------------------- */

/** Options of tmesh_seg_threshold. */
typedef struct tmesh_seg_threshold_opts {
    double lower;     /* inclusive lower bound, image units (CT: HU); finite; default 0   */
    double upper;     /* inclusive upper bound; finite, >= lower; default 0               */
    unsigned threads; /* 0: one per core; default 0                                       */
} tmesh_seg_threshold_opts;

#define TMESH_SEG_THRESHOLD_OPTS_INIT {0.0, 0.0, 0u}

/**
 * Mark the samples with lower <= value <= upper (NaN samples never match).
 * @param[out] out caller owns; U8 0/1 with the image's geometry
 * @param image    any voxel type
 * @return TMESH_OK; TMESH_E_ARG naming `lower` or `upper` (not finite, or lower > upper);
 *         TMESH_E_NOMEM
 */
tmesh_status tmesh_seg_threshold(tmesh_volume **out, const tmesh_volume *image,
                                 const tmesh_seg_threshold_opts *opts, tmesh_error *err);

/** A documented threshold range. */
typedef struct tmesh_seg_preset {
    const char *name;        /* "bone", "skin", ...                      */
    double lower, upper;     /* inclusive HU range                       */
    const char *description; /* one line: what it selects and its limits */
    uint8_t rgb[3];          /* display colour of the label it makes     */
} tmesh_seg_preset;

/**
 * CT presets (HU, inclusive):
 * - bone:          226 .. 32767  cortical and trabecular bone (and calcium, contrast > 226, metal)
 * - skin:         -400 .. 32767  the body outline (everything denser than lung and air)
 * - soft-tissue:   -30 .. 225    muscle, organs, blood; excludes fat, lung and bone
 * - lung:        -1000 .. -400   aerated lung and airways (and air outside the body)
 * - fat:          -190 .. -30    adipose tissue
 * - vessels:       150 .. 500    iodine-enhanced vessels (overlaps trabecular bone)
 * - teeth:        1200 .. 32767  enamel and dentine (and dense cortical bone, metal)
 * The upper bound 32767 is the largest I16 value, so extended-range scanners lose nothing.
 */
size_t tmesh_seg_preset_count(void);

/** Preset number `index` (< tmesh_seg_preset_count()), in the order listed above. Borrowed,
 *  static storage. */
const tmesh_seg_preset *tmesh_seg_preset_at(size_t index);

/**
 * Find a preset by name (exact, lowercase).
 * @param[out] out borrowed, static storage
 * @return TMESH_OK; TMESH_E_NOTFOUND naming the name and listing the known presets
 */
tmesh_status tmesh_seg_preset_find(const tmesh_seg_preset **out, const char *name,
                                   tmesh_error *err);

/** Options of tmesh_seg_otsu. */
typedef struct tmesh_seg_otsu_opts {
    unsigned bins;    /* histogram bins between the image minimum and maximum; 2..4096;
                         default 256 */
    unsigned threads; /* 0: one per core; default 0 */
} tmesh_seg_otsu_opts;

#define TMESH_SEG_OTSU_OPTS_INIT {256u, 0u}

/**
 * Otsu's automatic threshold (maximum between-class variance of the histogram), for MR and
 * other uncalibrated data. Bin b covers [min + b*w, min + (b+1)*w) with w = (max-min)/bins, the
 * maximum falling in the last bin; the result is the upper edge of the last low-class bin, so
 * "value >= threshold" selects the bright class. Ties pick the lowest bin.
 * @param[out] threshold_out image units
 * @return TMESH_OK; TMESH_E_ARG naming `bins`; TMESH_E_DATA when the image is constant (or all
 *         NaN); TMESH_E_NOMEM
 */
tmesh_status tmesh_seg_otsu(double *threshold_out, const tmesh_volume *image,
                            const tmesh_seg_otsu_opts *opts, tmesh_error *err);

/* ---------------------------------------------------------------------------------------------
 * Seeds and region growing (the flood itself is sequential; the threshold pass is parallel)
 * ------------------------------------------------------------------------------------------- */

/** Frame of a seed position. */
typedef enum tmesh_seg_frame {
    TMESH_SEG_FRAME_LPS = 0,  /* patient LPS millimetres                    */
    TMESH_SEG_FRAME_VOXEL = 1 /* voxel index (i, j, k), 0-based              */
} tmesh_seg_frame;

/** A seed point; it selects the voxel whose centre is nearest (index rounded half up). */
typedef struct tmesh_seg_seed {
    double pos[3];         /* LPS mm or index, by `frame` */
    tmesh_seg_frame frame; /* frame of `pos`              */
} tmesh_seg_seed;

/**
 * Voxel holding a seed.
 * @param seed_number 1-based number used in the message ("seed 2 ...")
 * @return TMESH_OK; TMESH_E_ARG naming the seed and its position when it lies outside the
 *         volume; TMESH_E_DATA when the matrix is singular
 */
tmesh_status tmesh_seg_seed_voxel(size_t ijk_out[3], const tmesh_volume *vol,
                                  const tmesh_seg_seed *seed, size_t seed_number, tmesh_error *err);

/** Options of tmesh_seg_grow (connected threshold). */
typedef struct tmesh_seg_grow_opts {
    double lower;     /* inclusive lower bound, image units; finite; default 0 */
    double upper;     /* inclusive upper bound; finite, >= lower; default 0    */
    int connectivity; /* 6 (faces), 18 (+edges) or 26 (+corners); default 6   */
    unsigned threads; /* for the threshold pass; 0: one per core; default 0   */
} tmesh_seg_grow_opts;

#define TMESH_SEG_GROW_OPTS_INIT {0.0, 0.0, 6, 0u}

/**
 * Connected threshold: the voxels within [lower, upper] connected to a seed.
 * @param seeds  `n_seeds` >= 1 seeds; borrowed
 * @param[out] out caller owns; U8 0/1
 * @return TMESH_OK; TMESH_E_ARG naming `lower`, `upper`, `connectivity`, `seeds` (none) or the
 *         seed ("seed 2 (...)") lying outside the volume or with a value outside the range;
 *         TMESH_E_DATA naming the seed when an LPS seed meets a singular matrix; TMESH_E_NOMEM
 */
tmesh_status tmesh_seg_grow(tmesh_volume **out, const tmesh_volume *image,
                            const tmesh_seg_seed *seeds, size_t n_seeds,
                            const tmesh_seg_grow_opts *opts, tmesh_error *err);

/** Options of tmesh_seg_grow_confidence. */
typedef struct tmesh_seg_confidence_opts {
    double multiplier;   /* k of mean +- k*sigma; > 0 and <= 100; default 2.5            */
    unsigned iterations; /* re-estimations of mean and sigma from the region; 0..100;
                            default 4 */
    unsigned radius_vox; /* cube around each seed for the first estimate; 0..10; default 1 */
    int connectivity;    /* 6, 18 or 26; default 6                                       */
    unsigned threads;    /* for the threshold passes; 0: one per core; default 0          */
} tmesh_seg_confidence_opts;

#define TMESH_SEG_CONFIDENCE_OPTS_INIT {2.5, 4u, 1u, 6, 0u}

/**
 * Confidence-connected growing: the mean and standard deviation of the cubes around the seeds
 * give the range mean +- multiplier*sigma; the connected region is grown, its mean and sigma are
 * measured again, and the growing repeats `iterations` times. Sums run in index order.
 * @param[out] out caller owns; U8 0/1 (may be empty when the seeds fall outside the range)
 * @param[out] lower_out, upper_out the final range (image units); may be NULL
 * @return TMESH_OK; TMESH_E_ARG naming the option or the seed outside the volume; TMESH_E_DATA
 *         naming the seed when an LPS seed meets a singular matrix; TMESH_E_NOMEM
 */
tmesh_status tmesh_seg_grow_confidence(tmesh_volume **out, double *lower_out, double *upper_out,
                                       const tmesh_volume *image, const tmesh_seg_seed *seeds,
                                       size_t n_seeds, const tmesh_seg_confidence_opts *opts,
                                       tmesh_error *err);

/* ---------------------------------------------------------------------------------------------
 * Connected components
 * ------------------------------------------------------------------------------------------- */

typedef enum tmesh_seg_cc_mode {
    TMESH_SEG_CC_LABEL_ALL = 0,    /* U16: component c gets label c (1 = largest)          */
    TMESH_SEG_CC_KEEP_LARGEST = 1, /* U8: the largest component                              */
    TMESH_SEG_CC_KEEP_N = 2,       /* U8: the `n` largest components                         */
    TMESH_SEG_CC_KEEP_SEEDED = 3,  /* U8: the components holding a seed                      */
    TMESH_SEG_CC_REMOVE_SMALL = 4  /* U8: drop components smaller than min_volume_mm3        */
} tmesh_seg_cc_mode;

/** Options of tmesh_seg_components. */
typedef struct tmesh_seg_components_opts {
    tmesh_seg_cc_mode mode;      /* default KEEP_LARGEST                                   */
    int connectivity;            /* 6, 18 or 26; default 26                                */
    size_t n;                    /* KEEP_N: components kept, >= 1; default 1              */
    double min_volume_mm3;       /* REMOVE_SMALL: >= 0, finite; default 0                  */
    const tmesh_seg_seed *seeds; /* KEEP_SEEDED: borrowed, n_seeds >= 1                    */
    size_t n_seeds;              /* number of seeds                                        */
    unsigned threads;            /* finding runs, copying; 0: one per core; default 0      */
} tmesh_seg_components_opts;

#define TMESH_SEG_COMPONENTS_OPTS_INIT {TMESH_SEG_CC_KEEP_LARGEST, 26, 1u, 0.0, NULL, 0u, 0u}

/**
 * Label or select the connected components of a mask. Components are numbered by voxel count,
 * largest first; equal counts are ordered by their first voxel in index order (i fastest). The
 * volume of a component is its voxel count times |det(ijk_to_lps)| (mm^3). Masks with few
 * runs along i (at most one run per 16 voxels, as CT masks have) are labelled by union-find
 * over runs, others by floods; both give the same result. The union-find and the floods run on
 * the calling thread; finding runs and copying use `threads`.
 * @param[out] out caller owns; U16 for LABEL_ALL, else U8 0/1. An empty mask gives an empty
 *             result.
 * @param[out] n_components_out number of components of the mask; may be NULL
 * @return TMESH_OK; TMESH_E_ARG naming `mode`, `connectivity`, `n`, `min_volume_mm3`, `seeds`,
 *         or the seed outside the volume or on background; TMESH_E_DATA when LABEL_ALL finds
 *         more than 65535 components; TMESH_E_NOMEM
 */
tmesh_status tmesh_seg_components(tmesh_volume **out, size_t *n_components_out,
                                  const tmesh_volume *mask, const tmesh_seg_components_opts *opts,
                                  tmesh_error *err);

/* ---------------------------------------------------------------------------------------------
 * Distance transform and morphology
 * ------------------------------------------------------------------------------------------- */

/** Options of tmesh_seg_distance. */
typedef struct tmesh_seg_distance_opts {
    unsigned threads; /* 0: one per core; default 0 */
} tmesh_seg_distance_opts;

#define TMESH_SEG_DISTANCE_OPTS_INIT {0u}

/**
 * Exact Euclidean distance transform with anisotropic spacing: for every voxel, the distance in
 * mm from its centre to the nearest foreground voxel centre (0 on the foreground, +infinity when
 * the mask is empty). Separable lower-envelope algorithm (Felzenszwalb & Huttenlocher), O(N).
 * The squared distance is accumulated axis by axis as float(float(float(s0^2*di^2) + s1^2*dj^2)
 * + s2^2*dk^2) (each sum in double, rounded to float), and the result is the float square root;
 * it equals a brute-force minimum evaluated the same way, bit for bit.
 * @param[out] out caller owns; F32 millimetres
 * @return TMESH_OK; TMESH_E_ARG when `mask` is not U8 or U16; TMESH_E_DATA naming the axis when
 *         a column of ijk_to_lps has zero length; TMESH_E_NOMEM
 */
tmesh_status tmesh_seg_distance(tmesh_volume **out, const tmesh_volume *mask,
                                const tmesh_seg_distance_opts *opts, tmesh_error *err);

typedef enum tmesh_seg_morph_op {
    TMESH_SEG_DILATE = 0, /* voxels within radius of the foreground                   */
    TMESH_SEG_ERODE = 1,  /* foreground voxels farther than radius from the background  */
    TMESH_SEG_OPEN = 2,   /* erode, then dilate: removes parts thinner than the ball    */
    TMESH_SEG_CLOSE = 3   /* dilate, then erode: closes gaps narrower than the ball     */
} tmesh_seg_morph_op;

/** Options of tmesh_seg_morph. */
typedef struct tmesh_seg_morph_opts {
    tmesh_seg_morph_op op; /* default DILATE                                          */
    double radius;         /* ball radius, mm; 0..1000 (0 copies the mask); default 1  */
    unsigned threads;      /* 0: one per core; default 0                               */
} tmesh_seg_morph_opts;

#define TMESH_SEG_MORPH_OPTS_INIT {TMESH_SEG_DILATE, 1.0, 0u}

/**
 * Binary morphology with a ball of `radius` mm. Balls of at most 64 rows along i (a radius of a
 * few voxels) are applied row by row as a structuring element, skipping empty rows, so a sparse
 * mask costs little; larger balls use exact distance transforms, whose cost does not grow with
 * the radius. Both give the same voxels. A voxel is within the ball when its squared distance d2
 * (evaluated as in tmesh_seg_distance) satisfies d2 <= radius^2 * (1 + 1e-6): the tolerance keeps
 * voxels that lie on the sphere itself, whatever the rounding. Voxels outside the volume are
 * neither foreground nor background: dilation does not grow in from outside, and erosion does not
 * eat in from the border.
 * @param[out] out caller owns; U8 0/1
 * @return TMESH_OK; TMESH_E_ARG naming `op` or `radius`, or when `mask` is not U8 or U16;
 *         TMESH_E_DATA naming the axis of a zero-length matrix column; TMESH_E_NOMEM
 */
tmesh_status tmesh_seg_morph(tmesh_volume **out, const tmesh_volume *mask,
                             const tmesh_seg_morph_opts *opts, tmesh_error *err);

/* ---------------------------------------------------------------------------------------------
 * Hole filling and hollowing
 * ------------------------------------------------------------------------------------------- */

/** Options of tmesh_seg_fill_holes. */
typedef struct tmesh_seg_fill_opts {
    int per_slice;    /* 0: 3D cavities; 1: holes of each k-slice in 2D; default 0 */
    unsigned threads; /* 0: one per core; default 0                              */
} tmesh_seg_fill_opts;

#define TMESH_SEG_FILL_OPTS_INIT {0, 0u}

/**
 * Fill enclosed holes: background is flooded from the volume border (3D: through faces, i.e.
 * 6-connected background, which is what 26-connected foreground encloses; 2D: 4-connected within
 * each k-slice from the slice border), and every background voxel not reached becomes 1. In 3D,
 * masks with few background runs along i (at most one per 16 voxels) are filled by union-find
 * over the runs instead of a flood; the result is the same.
 * @param[out] out caller owns; U8 0/1
 * @return TMESH_OK; TMESH_E_ARG naming `per_slice`, or when `mask` is not U8 or U16; TMESH_E_NOMEM
 */
tmesh_status tmesh_seg_fill_holes(tmesh_volume **out, const tmesh_volume *mask,
                                  const tmesh_seg_fill_opts *opts, tmesh_error *err);

typedef enum tmesh_seg_shell_side {
    TMESH_SEG_SHELL_INSIDE = 0,  /* mask minus its erosion by thickness                     */
    TMESH_SEG_SHELL_OUTSIDE = 1, /* dilation by thickness minus the mask                    */
    TMESH_SEG_SHELL_MEDIAL = 2   /* dilation by thickness/2 minus erosion by thickness/2    */
} tmesh_seg_shell_side;

/** Options of tmesh_seg_hollow. */
typedef struct tmesh_seg_hollow_opts {
    double thickness;          /* shell thickness, mm; > 0 and <= 1000; default 1  */
    tmesh_seg_shell_side side; /* default INSIDE                                   */
    unsigned threads;          /* 0: one per core; default 0                       */
} tmesh_seg_hollow_opts;

#define TMESH_SEG_HOLLOW_OPTS_INIT {1.0, TMESH_SEG_SHELL_INSIDE, 0u}

/**
 * Turn a mask into a shell of the given thickness (morphology as in tmesh_seg_morph).
 * @param[out] out caller owns; U8 0/1
 * @return TMESH_OK; TMESH_E_ARG naming `thickness` or `side`; TMESH_E_DATA naming the axis of a
 *         zero-length matrix column; TMESH_E_NOMEM
 */
tmesh_status tmesh_seg_hollow(tmesh_volume **out, const tmesh_volume *mask,
                              const tmesh_seg_hollow_opts *opts, tmesh_error *err);

/* ---------------------------------------------------------------------------------------------
 * Editing in place: crop, paint, erase
 * ------------------------------------------------------------------------------------------- */

/**
 * Zero every voxel whose centre lies outside the LPS box [min_lps, max_lps] (inclusive). The
 * geometry is kept: the volume is not resized.
 * @param labels U8 or U16, modified in place
 * @return TMESH_OK; TMESH_E_ARG naming `min_lps`/`max_lps` (not finite or min > max) or the type
 */
tmesh_status tmesh_seg_crop(tmesh_volume *labels, const double min_lps[3], const double max_lps[3],
                            tmesh_error *err);

/**
 * Set every voxel whose centre lies within `radius` mm of `center_lps` to `value` (0 erases).
 * @param labels U8 or U16, modified in place
 * @return TMESH_OK; TMESH_E_ARG naming `radius` (not finite or < 0), `center_lps`, or `value`
 *         (above 255 for U8); TMESH_E_DATA when the matrix is singular
 */
tmesh_status tmesh_seg_paint_sphere(tmesh_volume *labels, const double center_lps[3], double radius,
                                    unsigned value, tmesh_error *err);

/**
 * Set every voxel whose centre lies in the LPS box [min_lps, max_lps] to `value` (0 erases).
 * @param labels U8 or U16, modified in place
 * @return TMESH_OK; TMESH_E_ARG naming `min_lps`/`max_lps` or `value`
 */
tmesh_status tmesh_seg_paint_box(tmesh_volume *labels, const double min_lps[3],
                                 const double max_lps[3], unsigned value, tmesh_error *err);

/* ---------------------------------------------------------------------------------------------
 * Label algebra
 * ------------------------------------------------------------------------------------------- */

typedef enum tmesh_seg_set_op {
    TMESH_SEG_UNION = 0,     /* a or b       */
    TMESH_SEG_INTERSECT = 1, /* a and b      */
    TMESH_SEG_SUBTRACT = 2,  /* a and not b  */
    TMESH_SEG_INVERT = 3     /* not a (b unused, may be NULL) */
} tmesh_seg_set_op;

/**
 * Combine two masks voxel by voxel.
 * @param[out] out caller owns; U8 0/1 with a's geometry
 * @return TMESH_OK; TMESH_E_ARG naming `op`, a mask that is not U8 or U16, or when the dims or
 *         matrices of a and b differ; TMESH_E_NOMEM
 */
tmesh_status tmesh_seg_combine(tmesh_volume **out, const tmesh_volume *a, const tmesh_volume *b,
                               tmesh_seg_set_op op, tmesh_error *err);

/* ---------------------------------------------------------------------------------------------
 * Pre-filters of the intensity volume
 * ------------------------------------------------------------------------------------------- */

/** Options of tmesh_seg_gaussian. */
typedef struct tmesh_seg_gaussian_opts {
    double sigma;     /* standard deviation, mm; > 0 and <= 100; default 1 */
    unsigned threads; /* 0: one per core; default 0                        */
} tmesh_seg_gaussian_opts;

#define TMESH_SEG_GAUSSIAN_OPTS_INIT {1.0, 0u}

/**
 * Separable Gaussian smoothing. Along each axis the kernel is sampled at the voxel centres within
 * ceil(3 sigma / spacing) voxels and normalised to sum 1; the border sample is repeated outside
 * the volume. NaN samples propagate.
 * @param[out] out caller owns; F32 in image units
 * @return TMESH_OK; TMESH_E_ARG naming `sigma`; TMESH_E_DATA naming the axis of a zero-length
 *         matrix column; TMESH_E_NOMEM
 */
tmesh_status tmesh_seg_gaussian(tmesh_volume **out, const tmesh_volume *image,
                                const tmesh_seg_gaussian_opts *opts, tmesh_error *err);

/** Options of tmesh_seg_median. */
typedef struct tmesh_seg_median_opts {
    unsigned radius_vox; /* half-width of the cube, voxels; 1..5; default 1 */
    unsigned threads;    /* 0: one per core; default 0                     */
} tmesh_seg_median_opts;

#define TMESH_SEG_MEDIAN_OPTS_INIT {1u, 0u}

/**
 * Median of the (2r+1)^3 cube around each voxel. Near the border only the samples inside the
 * volume take part, and NaN samples are skipped (a cube of NaN only gives NaN); of an even count
 * the lower middle value is taken.
 * @param[out] out caller owns; the image's type
 * @return TMESH_OK; TMESH_E_ARG naming `radius_vox`; TMESH_E_NOMEM
 */
tmesh_status tmesh_seg_median(tmesh_volume **out, const tmesh_volume *image,
                              const tmesh_seg_median_opts *opts, tmesh_error *err);

/** Options of tmesh_seg_smooth. */
typedef struct tmesh_seg_smooth_opts {
    double sigma;     /* Gaussian standard deviation, mm; > 0 and <= 100; default 1 */
    unsigned threads; /* 0: one per core; default 0                                 */
} tmesh_seg_smooth_opts;

#define TMESH_SEG_SMOOTH_OPTS_INIT {1.0, 0u}

/**
 * Smooth a mask's surface (3D Slicer's "Gaussian" smoothing): the 0/1 indicator is smoothed as in
 * tmesh_seg_gaussian and the voxels at or above 0.5 are kept. Removes spikes and fills notches
 * smaller than about sigma.
 * @param[out] out caller owns; U8 0/1
 * @return TMESH_OK; TMESH_E_ARG naming `sigma`, or when `mask` is not U8 or U16; TMESH_E_DATA
 *         naming the axis of a zero-length matrix column; TMESH_E_NOMEM
 */
tmesh_status tmesh_seg_smooth(tmesh_volume **out, const tmesh_volume *mask,
                              const tmesh_seg_smooth_opts *opts, tmesh_error *err);

/* ---------------------------------------------------------------------------------------------
 * Recipes: an ordered list of operations, run in order and recorded canonically
 * ------------------------------------------------------------------------------------------- */

/**
 * A parsed recipe. Opaque. Operations, with their arguments (numbers are plain decimals such as
 * -200, 1.5 or .25, rounded to 6 decimals when parsed; points are "X,Y,Z"):
 *
 *   gaussian SIGMA_MM | median RADIUS_VOX            filter the intensity volume
 *   threshold LO HI | preset NAME | otsu             new mask from the intensity volume
 *   seed X,Y,Z | seed-vox I,J,K                      add a seed (LPS mm / voxel index)
 *   connectivity 6|18|26                             for the following grow and component ops
 *   grow LO HI | confidence K ITERATIONS             region growing from the seeds so far
 *   keep-largest | keep N | keep-seeded | remove-islands MM3 | label-components
 *   dilate R | erode R | open R | close R            ball radius in mm
 *   smooth SIGMA_MM                                  Gaussian smoothing of the mask surface
 *   fill-holes | fill-holes-2d | hollow T inside|outside|medial
 *   crop P0 P1 | paint-sphere P R | erase-sphere P R | paint-box P0 P1 | erase-box P0 P1
 *   push | union | intersect | subtract | invert     union/intersect/subtract combine the pushed
 *                                                    mask (first operand) with the current one
 *   clear-seeds                                      forget the seeds given so far
 *   label VALUE NAME[:RRGGBB]                        write the mask into the output labels
 *
 * On the command line each operation starts with "--"; in a recipe file each line holds one
 * operation (leading "--" optional), '#' starts a comment. Connectivity defaults to 6 for growing
 * and 26 for components until set.
 */
typedef struct tmesh_seg_recipe tmesh_seg_recipe;

/**
 * Create an empty recipe.
 * @param[out] out caller owns; free with tmesh_seg_recipe_free
 * @return TMESH_OK; TMESH_E_NOMEM
 */
tmesh_status tmesh_seg_recipe_new(tmesh_seg_recipe **out, tmesh_error *err);

/** Free a recipe. Accepts NULL. */
void tmesh_seg_recipe_free(tmesh_seg_recipe *recipe);

/**
 * Append the operations of command-line tokens ("--preset", "bone", "--close", "1.5", ...).
 * @param source names the tokens in messages ("command line")
 * @return TMESH_OK; TMESH_E_ARG naming the source, the token position and the operation or value
 *         (unknown operation, missing or malformed argument, out-of-range value, unknown preset);
 *         TMESH_E_NOMEM. On failure the recipe is unchanged.
 */
tmesh_status tmesh_seg_recipe_parse_args(tmesh_seg_recipe *recipe, size_t n_tokens,
                                         const char *const *tokens, const char *source,
                                         tmesh_error *err);

/**
 * Append the operations of a recipe text (one per line).
 * @param source names the text in messages ("bone.recipe"); lines are numbered from 1
 * @return as tmesh_seg_recipe_parse_args, naming "source:line"
 */
tmesh_status tmesh_seg_recipe_parse_text(tmesh_seg_recipe *recipe, const char *text,
                                         const char *source, tmesh_error *err);

/**
 * Append the operations of a recipe file.
 * @return as tmesh_seg_recipe_parse_text; TMESH_E_NOTFOUND (missing file) or TMESH_E_IO (any
 *         other read failure) naming the path
 */
tmesh_status tmesh_seg_recipe_load(tmesh_seg_recipe *recipe, const char *path, tmesh_error *err);

/** Number of operations. */
size_t tmesh_seg_recipe_count(const tmesh_seg_recipe *recipe);

/**
 * The canonical record of a recipe: one line of JSON with sorted keys, numbers as plain decimals
 * of at most 6 decimals, no time, host or path; equal recipes give equal bytes in any locale.
 * Each operation lists every parameter it uses (seeds, connectivity, preset range), so the record
 * does not depend on the order settings were given in.
 * @param[out] out caller owns; NUL-terminated; free with free()
 * @return TMESH_OK; TMESH_E_NOMEM
 */
tmesh_status tmesh_seg_recipe_canonical(char **out, const tmesh_seg_recipe *recipe,
                                        tmesh_error *err);

/**
 * Read a canonical record (as tmesh_seg_recipe_canonical wrote it, optionally followed by one
 * newline) into an empty recipe, for replay. Strict: the record must come out byte for byte the
 * same when the recipe is recorded again. Presets replay their recorded range.
 * @return TMESH_OK; TMESH_E_ARG when the recipe is not empty; TMESH_E_DATA naming the operation
 *         number and the problem (unknown operation, missing key, bad value, not canonical);
 *         TMESH_E_NOMEM. On failure the recipe is left empty.
 */
tmesh_status tmesh_seg_recipe_parse_canonical(tmesh_seg_recipe *recipe, const char *record,
                                              tmesh_error *err);

/**
 * The recipe as recipe-file text (one operation per line) that parses back to the same
 * canonical record. Presets are written by name: a recipe read from a record whose preset range
 * differs from today's table keeps its range only in the record form.
 * @param[out] out caller owns; free with free()
 * @return TMESH_OK; TMESH_E_NOMEM
 */
tmesh_status tmesh_seg_recipe_text(char **out, const tmesh_seg_recipe *recipe, tmesh_error *err);

/** Options of tmesh_seg_recipe_run. */
typedef struct tmesh_seg_run_opts {
    unsigned threads;           /* 0: one per core; default 0                       */
    tmesh_progress_fn progress; /* optional: called once per operation; default NULL */
    void *progress_user;
} tmesh_seg_run_opts;

#define TMESH_SEG_RUN_OPTS_INIT {0u, NULL, NULL}

/**
 * Run the operations in order on an intensity volume.
 * The result is the output labels written by "label" operations (U16), or, when there were none,
 * the current mask (U8 0/1 named after the last preset, else "segment"; U16 after
 * label-components, one entry per component).
 * @param[out] labels_out caller owns; the image's geometry
 * @param[out] table_out  filled with the names and colours (cleared first); caller owns, free
 *             with tmesh_seg_labels_clear; may be NULL
 * @return TMESH_OK; TMESH_E_ARG for an empty recipe or an operation that needs a mask, a pushed
 *         mask or seeds it lacks (naming the operation and its number), or any error of the
 *         operation (prefixed "operation N (name)"); TMESH_E_DATA, TMESH_E_NOMEM as the operations
 */
tmesh_status tmesh_seg_recipe_run(tmesh_volume **labels_out, tmesh_seg_labels *table_out,
                                  const tmesh_volume *image, const tmesh_seg_recipe *recipe,
                                  const tmesh_seg_run_opts *opts, tmesh_error *err);

#ifdef __cplusplus
}
#endif

#endif /* TRACEMESH_SEGMENT_H */
