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
    char sop_class_uid[65];     /* "" when the file has none                                */
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

/**
 * Receives one run of consecutive slices of a streamed load: `slices` holds slices k0 ..
 * k0 + slices->dim[2] - 1 of the `n_slices` of the volume, with the whole volume's matrix
 * (borrowed: valid during the call only). A non-OK return stops the load with that status.
 */
typedef tmesh_status (*tmesh_dicom_slices_fn)(const tmesh_volume *slices, size_t k0,
                                              size_t n_slices, void *user, tmesh_error *err);

/**
 * tmesh_dicom_load without the whole volume in memory: the slices are decoded in runs of 16,
 * in slice order, and handed to `fn` (the same sample values, run by run int16, or float for a
 * run with a value outside int16 or a non-integral rescale). A series that cannot be streamed
 * (several slices in one file, resampling) is loaded whole and handed over in one call; so is
 * the memory cap, which applies only then. No source manifest.
 * @return as tmesh_dicom_load, or the status `fn` returned
 */
tmesh_status tmesh_dicom_load_streamed(const tmesh_dicom_index *idx, size_t series,
                                       const tmesh_dicom_load_opts *opts,
                                       tmesh_dicom_slices_fn fn, void *user, tmesh_error *err);

/* ---------------------------------------------------------------------------------------------
 * Writing: a mesh as a DICOM Encapsulated STL object (tracemesh export --dicom)
 * ------------------------------------------------------------------------------------------- */

/** SOP Class UID of Encapsulated STL Storage (PS3.4 B.5). */
#define TMESH_DICOM_ENCAPSULATED_STL_CLASS "1.2.840.10008.5.1.4.1.1.104.3"

/** A DICOM instance named by its SOP Class and SOP Instance UIDs, and its series. */
typedef struct tmesh_dicom_instance_ref {
    char sop_class_uid[65];
    char sop_instance_uid[65];
    char series_uid[65]; /* Series Instance UID of the series holding it */
} tmesh_dicom_instance_ref;

/**
 * Read the SOP Class, SOP Instance and Series Instance UIDs of one DICOM file (plain or
 * gzip-wrapped).
 * @param[out] out        the three UIDs (empty strings when the file lacks them)
 * @param[out] sha256_out optional (may be NULL): SHA-256 of the file's bytes as stored, so the
 *                        caller can check it is the file a manifest names
 * @return TMESH_OK; TMESH_E_NOTFOUND or TMESH_E_IO naming `path` when it cannot be read;
 *         TMESH_E_DATA naming `path` when it is not DICOM; TMESH_E_NOMEM
 */
tmesh_status tmesh_dicom_file_ref(tmesh_dicom_instance_ref *out, char *sha256_out,
                                  const char *path, tmesh_error *err);

/**
 * A UID derived from text, so that the same text always gives the same UID: "2.25." followed by
 * the decimal value of the first 128 bits (big-endian) of the SHA-256 of `text` (PS3.5 B.2,
 * UUID-derived UIDs; at most 44 characters).
 * @param[out] out the UID, NUL-terminated
 */
void tmesh_dicom_uid_from_text(char out[65], const char *text);

/**
 * 1 when `uid` is a valid UID: 1..64 characters, digit components separated by single dots,
 * no component with a leading zero (PS3.5 9.1).
 */
int tmesh_dicom_uid_valid(const char *uid);

/** What tmesh_dicom_write_stl puts around the STL bytes. Strings are borrowed. */
typedef struct tmesh_dicom_stl_doc {
    const char *study_uid;              /* Study Instance UID of the source scan; required    */
    const char *frame_of_reference_uid; /* Frame of Reference UID of the source, whose patient
                                           coordinates (LPS mm) the STL vertices are in;
                                           required                                           */
    const char *series_uid;             /* new Series Instance UID; required                  */
    const char *sop_instance_uid;       /* new SOP Instance UID; required                     */
    int series_number;                  /* Series Number, 0..2147483647. Default 1            */
    int instance_number;                /* Instance Number, 1..2147483647. Default 1          */
    const char *series_description;     /* Series Description, at most 64 characters; NULL:
                                           not written. Default NULL                          */
    const char *document_title;         /* Document Title, at most 1024 characters; NULL:
                                           written empty. Default NULL                         */
    const char *content_description;    /* Content Description of the model, at most 64
                                           characters; NULL: not written. Default NULL         */
    const char *datetime_utc;           /* "YYYYMMDDHHMMSS" (UTC) of creation: Content Date and
                                           Time, Instance Creation Date and Time, Series Date
                                           and Time, with Timezone Offset From UTC "+0000";
                                           NULL: Content Date and Time written empty, the
                                           others left out. Default NULL                      */
    const char *software_versions;      /* Software Versions; NULL: TMESH_VERSION_STRING      */
    const tmesh_dicom_instance_ref *sources; /* the images the model was made from (Source
                                           Instance Sequence, and Referenced Series Sequence
                                           grouped by series), n_sources of them, all in
                                           study_uid; each UID valid. Default NULL             */
    size_t n_sources;
    const char *patient_name;           /* Patient's Name, ID, Birth Date, Sex: written empty
                                           (type 2) when NULL, which is the default. Set only
                                           when the user kept them explicitly.                */
    const char *patient_id;
    const char *patient_birth_date;
    const char *patient_sex;
} tmesh_dicom_stl_doc;

#define TMESH_DICOM_STL_DOC_INIT                                                             \
    {NULL, NULL, NULL, NULL, 1, 1, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL}

/**
 * Write an STL file's bytes as a DICOM Encapsulated STL object (PS3.3 A.85.1; SOP Class
 * TMESH_DICOM_ENCAPSULATED_STL_CLASS, Modality M3D, MIME type model/stl, Explicit VR Little
 * Endian) with the modules that IOD requires: Patient, General Study, Encapsulated Document
 * Series, General and Enhanced General Equipment (manufacturer "tracemesh"), Frame of
 * Reference, Encapsulated Document (Burned In Annotation NO, Encapsulated Document Length,
 * Source Instance Sequence), Manufacturing 3D Model (Measurement Units Code Sequence: UCUM
 * "mm"), SOP Common, and Common Instance Reference (which the Source Instance Sequence makes
 * necessary: one Referenced Series Sequence item per source series). Study Date, Study Time,
 * Study ID, Accession Number and Referring Physician's Name are written empty. The same
 * inputs give the same bytes.
 * @param path where to write (replaced when it exists; not atomic: write beside and rename)
 * @param stl  a binary STL (80-byte header, count, 50 bytes per triangle) or an ASCII STL
 *             ("solid ..."), `len` bytes; borrowed
 * @return TMESH_OK; TMESH_E_ARG naming the field (a missing or invalid UID, a number out of
 *         range, a text too long, a source with an invalid UID) or naming `stl` when the bytes
 *         are not an STL; TMESH_E_IO naming `path` when it cannot be written; TMESH_E_NOMEM
 */
tmesh_status tmesh_dicom_write_stl(const char *path, const tmesh_dicom_stl_doc *doc,
                                   const uint8_t *stl, size_t len, tmesh_error *err);

#ifdef __cplusplus
}
#endif

#endif /* TRACEMESH_DICOM_H */
