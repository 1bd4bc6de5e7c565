/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to the dicom module: the scan index, slices, the geometry plan and the helpers that
 * scan, group, order, decode and resample. Geometry and pixel rules live here in C, tested on
 * synthetic headers; dcmtk_bridge.cpp only translates.
 */
#ifndef TMESH_DICOM_INT_H
#define TMESH_DICOM_INT_H

#include "tracemesh/dicom.h"
#include "dcmtk_bridge.h"

#include <stdio.h>
#include <stdlib.h>

/* One image file that the scan kept. */
typedef struct dcm_file {
    char *path;            /* as opened (root joined with rel)           */
    char *rel;             /* relative to the scanned root, '/'-separated */
    int gz;                /* gzip-wrapped                                */
    tmesh_dcm_header hdr;  /* frames freed once slices are made           */
} dcm_file;

/* One frame of one file: the unit that is ordered and stacked. */
typedef struct dcm_slice {
    size_t file;           /* index into the index's files */
    uint32_t frame;        /* 0-based frame in that file   */
    tmesh_dcm_frame geo;   /* position, orientation, spacing, rescale */
    double dist;           /* position projected on the slice normal (mm) */
} dcm_slice;

/* How a stack of slices becomes a volume (dicom_geometry.c). */
typedef struct dcm_plan {
    size_t dim[3];
    double ijk_to_lps[4][4];
    unsigned warnings;      /* TMESH_DICOM_W_* */
    char warning_text[512];
    double median_gap;      /* mm along the normal; 0 for one slice */
    double tilt_deg;        /* angle between stacking direction and normal */
    int resample;           /* output slices are interpolated            */
    /* With `resample`: for output slice k, input slices lo[k], hi[k], weight w[k] of hi, and
     * each input slice's in-plane shift (columns, rows) relative to the output grid. */
    size_t *lo, *hi;
    double *w;
    double *shift;          /* 2 per input slice */
} dcm_plan;

void tmesh_dicom__plan_free(dcm_plan *p);

/* Orientation label of a row/column cosine pair: "axial", "coronal", "sagittal", "oblique". */
const char *tmesh_dicom__orientation_label(const double iop[6]);

/* Unit normal (row x column) of an orientation. */
void tmesh_dicom__normal(const double iop[6], double n_out[3]);

/*
 * Sort slices by position along the normal (ties: SOP Instance UID, frame, path: a total order).
 * Fills each slice's `dist`.
 */
void tmesh_dicom__sort_slices(dcm_slice *slices, size_t n, const dcm_file *files);

/*
 * Work out the volume geometry of sorted slices that share orientation and size. `rows`/`cols`
 * are the image size. Duplicate positions, missing slices and non-uniform gaps are errors naming
 * the files unless `opts->resample`; tilt is kept as a sheared matrix unless `opts->tilt` asks
 * to resample. Slices without geometry need `opts->assume`. With `describe_only` (the scan's
 * lenient summary) the warning text does not claim a resampling a plain load would refuse.
 */
tmesh_status tmesh_dicom__plan(dcm_plan *out, const dcm_slice *slices, size_t n, int rows, int cols,
                               const dcm_file *files, const tmesh_dicom_load_opts *opts,
                               int describe_only, tmesh_error *err);

/* Describe warnings in text form (appending to `buf`). */
void tmesh_dicom__warning_append(char *buf, size_t cap, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* The scan result. */
struct tmesh_dicom_index {
    char *root;
    dcm_file *files;
    size_t n_files;
    dcm_slice *slices;        /* all slices, grouped by series stack */
    size_t n_slices;
    struct dcm_series *series;
    size_t n_series;
    char **skip_path, **skip_reason;
    size_t n_skipped;
    size_t files_seen;
};

typedef struct dcm_series {
    tmesh_dicom_series_info info;
    size_t first, count;      /* range in the index's slices, sorted by position */
} dcm_series;

/* Group the files' slices into series stacks (dicom_series.c). */
tmesh_status tmesh_dicom__group(tmesh_dicom_index *idx, tmesh_error *err);

/* ---- pixels (dicom_pixels.c) ---- */

/* Layout of the stored pixels of a file. */
typedef struct dcm_pixel_format {
    int rows, columns;
    int bits_allocated, bits_stored, high_bit, pixel_representation;
    int invert;               /* MONOCHROME1 inverted to MONOCHROME2 */
} dcm_pixel_format;

/*
 * Convert frame `frame` of native stored pixels to physical values, writing rows*columns values
 * into `out_i16` (when non-NULL; sets *overflow when a value does not fit) or `out_f32`.
 */
void tmesh_dicom__convert_frame(const void *native, const dcm_pixel_format *fmt, uint32_t frame,
                                double slope, double intercept, int16_t *out_i16, float *out_f32,
                                int *overflow);

/* Decode JPEG 2000 frames with OpenJPEG into native 16- or 8-bit samples. */
tmesh_status tmesh_dicom__decode_j2k(tmesh_dcm_pixels *px, const dcm_pixel_format *fmt,
                                     uint32_t n_frames, const char *name, tmesh_error *err);

/* SHA-256 of a file's bytes (memory-mapped, so the file is not copied). */
tmesh_status tmesh_dicom__hash_file(char *sha256_hex, const char *path, tmesh_error *err);

/* Read a file into memory, gunzipping it when it is gzip-wrapped; `sha256_hex` (optional)
 * gets the hash of the bytes as stored. The buffer has one readable zero byte past its end. */
tmesh_status tmesh_dicom__read_file(uint8_t **data_out, size_t *len_out, char *sha256_hex,
                                    const char *path, tmesh_error *err);

#endif
