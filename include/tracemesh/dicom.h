/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dicom: the first stage of the pipeline. Scans a folder (a CD copy, a PACS export) into series,
 * works out each series' geometry from ImagePositionPatient and ImageOrientationPatient, decodes
 * the pixels into a tmesh_volume in physical units, and writes the source manifest that every
 * later provenance record starts from. Nothing returned here carries patient identifiers except
 * tmesh_dicom_series_phi, which callers use only on the user's explicit request.
 */
#ifndef TRACEMESH_DICOM_H
#define TRACEMESH_DICOM_H

#include "tracemesh/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Register the DCMTK decoders and silence DCMTK's logger. Call once from main or test setup. */
void tmesh_dcmtk_init(void);
/** Release what tmesh_dcmtk_init registered. */
void tmesh_dcmtk_shutdown(void);

/* ---------------------------------------------------------------------------------------------
 * Scanning
 * ------------------------------------------------------------------------------------------- */

/** Warning bits of a series (several may be set). */
#define TMESH_DICOM_W_TILT 0x001u          /* slices stacked off the normal (gantry tilt)   */
#define TMESH_DICOM_W_NONUNIFORM 0x002u    /* slice gaps differ (> 1% or 0.01 mm)            */
#define TMESH_DICOM_W_MISSING 0x004u       /* a gap is a multiple of the usual one           */
#define TMESH_DICOM_W_DUPLICATE 0x008u     /* two slices at one position                     */
#define TMESH_DICOM_W_OBLIQUE 0x010u       /* orientation off the patient axes               */
#define TMESH_DICOM_W_NO_GEOMETRY 0x020u   /* no orientation, position or spacing            */
#define TMESH_DICOM_W_SINGLE_SLICE 0x040u  /* one slice only: no slice spacing known         */
#define TMESH_DICOM_W_RESCALE_VARIES 0x080u /* rescale slope/intercept differ between slices */
#define TMESH_DICOM_W_MONOCHROME1 0x100u   /* inverted grey scale in the files               */
#define TMESH_DICOM_W_SAME_UID 0x200u      /* one SOP Instance UID in several files          */

/** Summary of one series stack found by a scan. Contains no patient identifiers. */
typedef struct tmesh_dicom_series_info {
    char modality[17];
    char description[65];         /* SeriesDescription                               */
    char series_uid[65];
    char study_uid[65];
    char frame_of_reference_uid[65];
    char transfer_syntax[65];     /* UID of the first file                           */
    char transfer_syntax_name[48];/* e.g. "JPEG Lossless SV1"                        */
    char orientation[12];         /* "axial", "coronal", "sagittal", "oblique", "none" */
    char manufacturer[65];
    int series_number;            /* -1 when absent                                  */
    int stack;                    /* 0 unless one SeriesInstanceUID was split        */
    size_t dim[3];                /* columns, rows, slices                           */
    double spacing[3];            /* column, row pixel spacing; median slice gap, mm */
    size_t n_slices;              /* slices (frames) in the stack                    */
    size_t n_files;               /* files holding them                              */
    double gantry_tilt_deg;       /* measured from the stacking direction, 0 if none */
    unsigned warnings;            /* TMESH_DICOM_W_* bits                            */
    char warning_text[512];       /* one line per warning, '; '-separated            */
} tmesh_dicom_series_info;

/** One file or object that a scan passed over, and why. */
typedef struct tmesh_dicom_skipped {
    const char *path;   /* borrowed */
    const char *reason; /* borrowed */
} tmesh_dicom_skipped;

/** Options of tmesh_dicom_scan. */
typedef struct tmesh_dicom_scan_opts {
    unsigned threads;             /* 0: one per core. Default 0.                        */
    tmesh_progress_fn progress;   /* optional                                           */
    void *progress_user;
} tmesh_dicom_scan_opts;
#define TMESH_DICOM_SCAN_OPTS_INIT {0, NULL, NULL}

/** The series found under a folder. Opaque. */
typedef struct tmesh_dicom_index tmesh_dicom_index;

/**
 * Walk `path` recursively (a single file is accepted too), read every DICOM header (plain or
 * gzip-wrapped), honour a DICOMDIR, and group the images into series stacks: one per
 * SeriesInstanceUID, split further when orientation, image size, pixel spacing, echo or stack
 * differ. Stacks are sorted by series number, then UID, then stack.
 * @param[out] out caller owns; free with tmesh_dicom_index_free
 * @return TMESH_OK (also when nothing usable was found: the count is then 0);
 *         TMESH_E_NOTFOUND when `path` does not exist; TMESH_E_IO when it cannot be read
 */
tmesh_status tmesh_dicom_scan(tmesh_dicom_index **out, const char *path,
                              const tmesh_dicom_scan_opts *opts, tmesh_error *err);

void tmesh_dicom_index_free(tmesh_dicom_index *idx);

/** Number of series stacks. */
size_t tmesh_dicom_index_count(const tmesh_dicom_index *idx);

/** Summary of stack `i` (0-based). Borrowed: valid while `idx` lives. */
const tmesh_dicom_series_info *tmesh_dicom_index_series(const tmesh_dicom_index *idx, size_t i);

/** Number of files passed over, and each one with its reason (borrowed). */
size_t tmesh_dicom_index_skipped_count(const tmesh_dicom_index *idx);
tmesh_dicom_skipped tmesh_dicom_index_skipped(const tmesh_dicom_index *idx, size_t i);

/** Number of files the scan looked at (images, skipped files and DICOMDIRs). */
size_t tmesh_dicom_index_files_seen(const tmesh_dicom_index *idx);

/** Patient identifiers of a series, for an explicit user request only. */
typedef struct tmesh_dicom_phi {
    char patient_name[129];
    char patient_id[65];
    char birth_date[17];
    char accession_number[17];
} tmesh_dicom_phi;

/**
 * Read the patient identifiers of stack `i` from its first file. Call only when the user asked
 * for them (`--show-phi`).
 * @return TMESH_OK; TMESH_E_ARG for a bad index; TMESH_E_IO/TMESH_E_DATA naming the file
 */
tmesh_status tmesh_dicom_series_phi(tmesh_dicom_phi *out, const tmesh_dicom_index *idx, size_t i,
                                    tmesh_error *err);

/* ---------------------------------------------------------------------------------------------
 * Loading
 * ------------------------------------------------------------------------------------------- */

/** What to do with gantry tilt. */
typedef enum tmesh_dicom_tilt {
    TMESH_DICOM_TILT_KEEP = 0,    /* keep the true sheared matrix (exact, no resampling) */
    TMESH_DICOM_TILT_RESAMPLE = 1 /* resample onto an orthogonal grid                   */
} tmesh_dicom_tilt;

/** Orientation assumed for images that carry none. */
typedef enum tmesh_dicom_assume {
    TMESH_DICOM_ASSUME_NONE = 0,  /* refuse such images                                   */
    TMESH_DICOM_ASSUME_AXIAL = 1  /* rows along L, columns along P, slices along S, 1 mm
                                     where PixelSpacing is absent; slices in file order     */
} tmesh_dicom_assume;

/** Options of tmesh_dicom_load. */
typedef struct tmesh_dicom_load_opts {
    unsigned threads;          /* 0: one per core. Default 0. Results do not depend on it.  */
    uint64_t max_bytes;        /* refuse volumes larger than this. Default 8 GiB; >= 1.     */
    int resample;              /* 1: resample non-uniform slice spacing (and missing slices)
                                  to a uniform grid, linear along the normal. Default 0:
                                  refuse such series with the slice and gap named.           */
    double resample_mm;        /* slice spacing of the resampled grid in mm; 0 = median gap.
                                  Default 0; 0 or in (0.01, 100].                            */
    tmesh_dicom_tilt tilt;     /* default TMESH_DICOM_TILT_KEEP                              */
    tmesh_dicom_assume assume; /* default TMESH_DICOM_ASSUME_NONE                            */
    tmesh_progress_fn progress;
    void *progress_user;
} tmesh_dicom_load_opts;
#define TMESH_DICOM_LOAD_OPTS_INIT                                                           \
    {0, (uint64_t)8 << 30, 0, 0.0, TMESH_DICOM_TILT_KEEP, TMESH_DICOM_ASSUME_NONE, NULL, NULL}

/** One slice (frame) of a loaded volume, in volume order. */
typedef struct tmesh_dicom_source {
    char *path;                 /* relative to the scanned folder, '/'-separated; owned    */
    char sha256[65];            /* of the file's bytes as stored (gzip included)            */
    char sop_instance_uid[65];
    uint32_t frame;             /* 0-based frame within the file                            */
    double position[3];         /* ImagePositionPatient of this slice, LPS mm               */
} tmesh_dicom_source;

/** The source manifest of a loaded volume: the root of its provenance. */
typedef struct tmesh_dicom_manifest {
    char study_uid[65];
    char series_uid[65];
    char frame_of_reference_uid[65];
    char modality[17];
    size_t n_sources;
    tmesh_dicom_source *sources; /* n_sources, in slice order; owned                        */
    size_t dim[3];
    double ijk_to_lps[4][4];     /* geometry of the loaded volume                           */
    char *json;                  /* canonical JSON (sorted keys, fixed float format); owned */
} tmesh_dicom_manifest;

void tmesh_dicom_manifest_free(tmesh_dicom_manifest *m);

/**
 * Load stack `series` of a scan into a volume in physical units (CT: HU). The volume is I16 when
 * every rescaled value is an integer that fits, F32 otherwise.
 * @param[out] vol_out      caller owns; free with tmesh_volume_free
 * @param[out] manifest_out optional (may be NULL); caller owns; free with
 *                          tmesh_dicom_manifest_free
 * @return TMESH_OK; TMESH_E_ARG for a bad index or option (naming it); TMESH_E_DATA for
 *         untrustworthy geometry (duplicate or missing slices, non-uniform spacing without
 *         `resample`, no orientation without `assume`) or undecodable pixels, naming the file;
 *         TMESH_E_IO for unreadable files; TMESH_E_NOMEM over `max_bytes` (before allocating)
 */
tmesh_status tmesh_dicom_load(tmesh_volume **vol_out, tmesh_dicom_manifest **manifest_out,
                              const tmesh_dicom_index *idx, size_t series,
                              const tmesh_dicom_load_opts *opts, tmesh_error *err);

#ifdef __cplusplus
}
#endif

#endif /* TRACEMESH_DICOM_H */
