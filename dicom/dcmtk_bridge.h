/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The C face of the DCMTK bridge (dcmtk_bridge.cpp), internal to the dicom module and to the
 * phantom writer in datasets/. It translates and makes no decisions: raw header values, raw
 * stored pixels, raw encapsulated fragments. Grouping, ordering, geometry and rescaling are done
 * in C (dicom_series.c, dicom_geometry.c, dicom_pixels.c).
 */
#ifndef TMESH_DCMTK_BRIDGE_H
#define TMESH_DCMTK_BRIDGE_H

#include "tracemesh/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Geometry and value transformation of one frame, as found in the file. */
typedef struct tmesh_dcm_frame {
    int has_ipp;
    double ipp[3];       /* ImagePositionPatient                                      */
    int has_iop;
    double iop[6];       /* ImageOrientationPatient: row direction, column direction   */
    int has_spacing;
    double spacing[2];   /* PixelSpacing as stored: between rows, between columns (mm) */
    int has_rescale;
    double slope, intercept;
    int stack_id;        /* StackID as a number, -1 when absent                        */
    int in_stack_pos;    /* InStackPositionNumber, -1 when absent                      */
    int temporal_index;  /* TemporalPositionIndex, -1 when absent                      */
} tmesh_dcm_frame;

/* Header of one file. Strings are NUL-terminated and empty when absent. */
typedef struct tmesh_dcm_header {
    char sop_class_uid[65];
    char sop_instance_uid[65];
    char study_uid[65];
    char series_uid[65];
    char frame_of_reference_uid[65];
    char transfer_syntax[65];
    char modality[17];
    char description[65];
    char manufacturer[65];
    char image_type[129];
    char photometric[17];
    char patient_position[17];
    int series_number;        /* -1 when absent */
    int instance_number;      /* -1 when absent */
    int acquisition_number;   /* -1 when absent */
    int echo_number;          /* -1 when absent */
    int rows, columns;        /* 0 when absent  */
    int bits_allocated, bits_stored, high_bit, pixel_representation;
    int samples_per_pixel, planar_configuration;
    uint32_t n_frames;        /* NumberOfFrames, 1 when absent */
    int has_pixel_data;
    int encapsulated;         /* pixel data stored in fragments */
    int is_dicomdir;          /* a media storage directory      */
    int truncated;            /* the file ends early; header values were read up to there */
    int has_gantry_tilt;
    double gantry_tilt;       /* GantryDetectorTilt, degrees    */
    int enhanced;             /* per-frame functional groups present */
    tmesh_dcm_frame shared;   /* single-frame values, or the shared functional groups */
    tmesh_dcm_frame *frames;  /* n_frames entries when `enhanced`, else NULL; malloc'd */
} tmesh_dcm_header;

void tmesh_dcm_header_free(tmesh_dcm_header *h); /* frees `frames` only */

/* Patient identifiers: filled only on explicit request. */
typedef struct tmesh_dcm_phi {
    char patient_name[129];
    char patient_id[65];
    char birth_date[17];
    char accession_number[17];
} tmesh_dcm_phi;

/*
 * Parse a file's header. With `buf` NULL the file at `name` is read from disk and large values
 * (pixel data) are skipped, not loaded; otherwise `buf` (len bytes, readable up to an even
 * length) holds the whole file. `phi` may be NULL.
 * TMESH_E_DATA names `name` when the bytes are not DICOM or are truncated.
 */
tmesh_status tmesh_dcmtk_read_header(tmesh_dcm_header *out, tmesh_dcm_phi *phi, const char *name,
                                     const uint8_t *buf, size_t len, tmesh_error *err);

/* Decoded or encapsulated pixel data of one file. */
typedef struct tmesh_dcm_pixels {
    /* Native samples of all frames, each rows*columns*samples values of bits_allocated bits in
     * host byte order: either inside DCMTK's data set (`owner`) or in `native`. */
    const void *samples;
    size_t samples_len;      /* bytes                                                */
    void *native;            /* malloc'd samples (JPEG 2000 decoded in C), or NULL    */
    void *owner;             /* the DCMTK data set holding `samples`; opaque          */
    /* Encapsulated data DCMTK cannot decode (JPEG 2000): the raw fragments. */
    size_t n_fragments;
    uint8_t **fragments;     /* malloc'd array of malloc'd fragments                 */
    size_t *fragment_len;
    uint32_t *offset_table;  /* basic offset table entries, or NULL                   */
    size_t n_offsets;
} tmesh_dcm_pixels;

/* Release everything `p` holds (the DCMTK data set included). */
void tmesh_dcm_pixels_free(tmesh_dcm_pixels *p);

/*
 * Decode the pixel data of one file: from `buf` (len bytes, readable up to an even length) or,
 * when `buf` is NULL, straight from the file at `path` (one read, no extra copy). Transfer
 * syntaxes DCMTK decodes (native, deflate, RLE, JPEG, JPEG-LS) come back in `samples`;
 * JPEG 2000 comes back as fragments for the caller to decode. Errors name `name`.
 */
tmesh_status tmesh_dcmtk_read_pixels(tmesh_dcm_pixels *out, const char *path, const char *name,
                                     const uint8_t *buf, size_t len, tmesh_error *err);

/*
 * Referenced file IDs of a DICOMDIR held in `buf`: a malloc'd array of malloc'd strings with
 * '/' between components, in directory order.
 */
tmesh_status tmesh_dcmtk_dicomdir_files(char ***files_out, size_t *n_out, const char *name,
                                        const uint8_t *buf, size_t len, tmesh_error *err);

/* ---- writing (the phantom generator) ---- */

typedef enum tmesh_dcm_syntax {
    TMESH_DCM_EXPLICIT_LE = 0,
    TMESH_DCM_IMPLICIT_LE,
    TMESH_DCM_EXPLICIT_BE,
    TMESH_DCM_DEFLATE,
    TMESH_DCM_RLE,
    TMESH_DCM_JPEG_LOSSLESS,  /* process 14, selection value 1 */
    TMESH_DCM_JPEG_LS         /* lossless                      */
} tmesh_dcm_syntax;

/* One attribute given by tag and its value as DICOM text (backslash between values). */
typedef struct tmesh_dcm_attr {
    uint16_t group, element;
    const char *value;
} tmesh_dcm_attr;

/*
 * Write a single-frame, 16-bit monochrome image: the attributes given (which must include the
 * SOP Class and Instance UIDs) plus the image pixel module from rows, columns, signedness and
 * `pixels` (rows*columns 16-bit values), encoded in `syntax`.
 */
tmesh_status tmesh_dcmtk_write_image(const char *path, const tmesh_dcm_attr *attrs, size_t n_attrs,
                                     int rows, int columns, int is_signed, int bits_stored,
                                     const uint16_t *pixels, tmesh_dcm_syntax syntax,
                                     tmesh_error *err);

/* ---- writing a data set from attribute paths (DICOM export, dicom_export.c) ---- */

/*
 * One attribute addressed by a path of tags: "0008,0016" at the top level, or
 * "0042,0013[2].0008,1150" inside item 2 (0-based) of a sequence; sequences and items are
 * created as needed. `value` is the value as DICOM text (backslash between values); `bytes`
 * (`len` bytes), when not NULL, is instead the value of an OB attribute. With both NULL the
 * attribute is written present and empty (a type 2 attribute; a sequence without items when
 * its VR is SQ).
 */
typedef struct tmesh_dcm_path_attr {
    const char *path;
    const char *value;
    const uint8_t *bytes;
    size_t len;
} tmesh_dcm_path_attr;

/*
 * Write the attributes, in any order, as a DICOM file (preamble, file meta information taken
 * from SOPClassUID and SOPInstanceUID, Explicit VR Little Endian) at `path`. Nothing else is
 * added. TMESH_E_ARG names a malformed path or a value DCMTK refuses; TMESH_E_IO names `path`.
 */
tmesh_status tmesh_dcmtk_write_attrs(const char *path, const tmesh_dcm_path_attr *attrs,
                                     size_t n_attrs, tmesh_error *err);

#ifdef __cplusplus
}
#endif

#endif
