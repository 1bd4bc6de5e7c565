/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Analytic phantoms written as DICOM series (through the DCMTK bridge): the ground truth for
 * geometry, pixel and meshing tests. Every shape is defined in patient LPS millimetres around
 * the centre of the volume, so any orientation, patient position or tilt must load back to
 * the same anatomy. Output is deterministic: the same spec gives byte-identical files.
 */
#ifndef TMESH_PHANTOM_H
#define TMESH_PHANTOM_H

#include "tracemesh/core.h"
#include "dcmtk_bridge.h"

typedef enum phantom_shape {
    PHANTOM_SPHERE = 0,  /* ball of radius r1                                         */
    PHANTOM_SHELL,       /* ellipsoidal shell: semi-axes r1, r2, r3, thickness `thick` */
    PHANTOM_TORUS,       /* ring around the S axis: major r1, minor r2                 */
    PHANTOM_SPHERES,     /* two balls of radius r1 touching at the centre, along L     */
    PHANTOM_MARKER       /* ball r1 + a block on the patient's left + a small ball
                            anterior-superior: asymmetric along L, P and S             */
} phantom_shape;

typedef enum phantom_orient {
    PHANTOM_AXIAL = 0,
    PHANTOM_CORONAL,
    PHANTOM_SAGITTAL,
    PHANTOM_OBLIQUE      /* axial rotated 20 deg about S, then 15 deg about L          */
} phantom_orient;

typedef struct phantom_spec {
    phantom_shape shape;
    int cols, rows, slices;
    double spacing[3];         /* column, row, slice (mm)                              */
    phantom_orient orient;
    char position[4];          /* PatientPosition: HFS, FFS, HFP, FFP                   */
    double tilt_deg;           /* gantry tilt (axial only): positions step along S      */
    int missing;               /* 0-based slice left out, -1 none                       */
    int duplicate;             /* 0-based slice written twice, -1 none                  */
    tmesh_dcm_syntax syntax;
    int gzip;                  /* write .dcm.gz                                          */
    double noise;              /* Gaussian noise sigma in HU, 0 none                    */
    uint64_t seed;
    int mr;                    /* MR (no rescale) instead of CT (HU, intercept -1024)   */
    double slope;              /* CT rescale slope; 0 or 1: 1 (stored values 0..4095)   */
    double r1, r2, r3, thick;  /* shape sizes in mm; 0 = defaults from the extent        */
    double inside, outside;    /* values (HU for CT); defaults 1000 and -1000           */
} phantom_spec;

/* Defaults: 64x64x48 sphere, 1x1x1.5 mm, axial, HFS, explicit LE, CT. */
void phantom_spec_init(phantom_spec *s);

/* Fill size defaults (r1.. from the extent). Called by the functions below. */
void phantom_spec_finish(phantom_spec *s);

/* Row and column direction cosines (IOP) and the slice step of the spec. */
void phantom_geometry(const phantom_spec *s, double iop[6], double step[3], double origin[3]);

/* The exact ijk -> LPS matrix a correct loader must produce (no missing/duplicate slice). */
void phantom_expected_matrix(const phantom_spec *s, double m[4][4]);

/* Noise-free value of the phantom at an LPS point. */
double phantom_value(const phantom_spec *s, const double lps[3]);

/* Write the series into `dir` (created if needed). Files are named in shuffled order. */
tmesh_status phantom_write(const phantom_spec *s, const char *dir, tmesh_error *err);

#endif
