/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tmesh-phantom: write an analytic phantom as a DICOM series, for tests, demos and benchmarks.
 * Usage: tmesh-phantom OUT_DIR [--shape sphere|shell|torus|spheres|marker] [--size CxRxS]
 *        [--spacing X,Y,Z] [--orient axial|coronal|sagittal|oblique] [--position HFS|FFS|HFP|FFP]
 *        [--tilt DEG] [--missing K] [--duplicate K] [--syntax explicit|implicit|big|deflate|rle|
 *        jpeg-lossless|jpeg-ls] [--gzip] [--noise SIGMA] [--seed N] [--mr]
 */
#define _POSIX_C_SOURCE 200809L
#include "phantom.h"
#include "tracemesh/dicom.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(const char *msg)
{
    fprintf(stderr, "tmesh-phantom: %s\n", msg);
    fprintf(stderr,
            "usage: tmesh-phantom OUT_DIR [--shape sphere|shell|torus|spheres|marker]\n"
            "  [--size CxRxS] [--spacing X,Y,Z] [--orient axial|coronal|sagittal|oblique]\n"
            "  [--position HFS|FFS|HFP|FFP] [--tilt DEG] [--missing K] [--duplicate K]\n"
            "  [--syntax explicit|implicit|big|deflate|rle|jpeg-lossless|jpeg-ls] [--gzip]\n"
            "  [--noise SIGMA] [--seed N] [--mr]\n");
    return 2;
}

int main(int argc, char **argv)
{
    phantom_spec s;
    phantom_spec_init(&s);
    const char *out = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int used = 1;
        if (strcmp(a, "--gzip") == 0) {
            s.gzip = 1;
            used = 0;
        } else if (strcmp(a, "--mr") == 0) {
            s.mr = 1;
            used = 0;
        } else if (a[0] != '-') {
            out = a;
            used = 0;
        } else if (v == NULL) {
            return usage("option needs a value");
        } else if (strcmp(a, "--shape") == 0) {
            const char *names[] = {"sphere", "shell", "torus", "spheres", "marker"};
            int k = 0;
            while (k < 5 && strcmp(v, names[k]) != 0)
                k++;
            if (k == 5)
                return usage("unknown --shape");
            s.shape = (phantom_shape)k;
        } else if (strcmp(a, "--size") == 0) {
            if (sscanf(v, "%dx%dx%d", &s.cols, &s.rows, &s.slices) != 3)
                return usage("--size takes CxRxS");
        } else if (strcmp(a, "--spacing") == 0) {
            if (sscanf(v, "%lf,%lf,%lf", &s.spacing[0], &s.spacing[1], &s.spacing[2]) != 3)
                return usage("--spacing takes X,Y,Z");
        } else if (strcmp(a, "--orient") == 0) {
            const char *names[] = {"axial", "coronal", "sagittal", "oblique"};
            int k = 0;
            while (k < 4 && strcmp(v, names[k]) != 0)
                k++;
            if (k == 4)
                return usage("unknown --orient");
            s.orient = (phantom_orient)k;
        } else if (strcmp(a, "--position") == 0) {
            if (strlen(v) != 3)
                return usage("--position takes HFS, FFS, HFP or FFP");
            memcpy(s.position, v, 4);
        } else if (strcmp(a, "--tilt") == 0) {
            s.tilt_deg = atof(v);
        } else if (strcmp(a, "--missing") == 0) {
            s.missing = atoi(v);
        } else if (strcmp(a, "--duplicate") == 0) {
            s.duplicate = atoi(v);
        } else if (strcmp(a, "--noise") == 0) {
            s.noise = atof(v);
        } else if (strcmp(a, "--seed") == 0) {
            s.seed = strtoull(v, NULL, 10);
        } else if (strcmp(a, "--syntax") == 0) {
            const char *names[] = {"explicit", "implicit", "big", "deflate", "rle",
                                   "jpeg-lossless", "jpeg-ls"};
            int k = 0;
            while (k < 7 && strcmp(v, names[k]) != 0)
                k++;
            if (k == 7)
                return usage("unknown --syntax");
            s.syntax = (tmesh_dcm_syntax)k;
        } else {
            return usage("unknown option");
        }
        i += used;
    }
    if (out == NULL)
        return usage("missing OUT_DIR");
    tmesh_dcmtk_init();
    tmesh_error err = TMESH_ERROR_INIT;
    tmesh_status st = phantom_write(&s, out, &err);
    tmesh_dcmtk_shutdown();
    if (st != TMESH_OK) {
        fprintf(stderr, "tmesh-phantom: %s\n", err.msg);
        return 1;
    }
    return 0;
}
