/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private helpers shared inside the segment module only: mask access, geometry checks, the flood
 * queue, neighbourhoods, the distance-transform kernel and the parallel slab loop. Outside code
 * includes <tracemesh/segment.h>.
 */
#ifndef TMESH_SEG_INT_H
#define TMESH_SEG_INT_H

#include "tracemesh/segment.h"

#include <stdio.h>
#include <stdlib.h>

/* 1 when the volume is a mask type (U8 or U16). */
int tmesh_seg__is_mask(const tmesh_volume *vol);

/* TMESH_E_ARG naming `what` unless the volume is U8 or U16. */
tmesh_status tmesh_seg__check_mask(const tmesh_volume *vol, const char *what, tmesh_error *err);

/* Advise the system to back a large, not yet touched buffer with huge pages (no-op elsewhere). */
void tmesh_seg__hint_huge(void *p, size_t len);

/* Allocate a zeroed volume of `type` with src's dims and matrix. */
tmesh_status tmesh_seg__new_like(tmesh_volume **out, const tmesh_volume *src, tmesh_voxel_type type,
                                 tmesh_error *err);

/* Move src's samples (and type) into dst, freeing dst's old samples and src (same dims). */
void tmesh_seg__take_data(tmesh_volume *dst, tmesh_volume *src);

/*
 * In-place variants for the recipe runner, which owns its mask: the result replaces the mask's
 * samples, so a chain of operations needs no new volume per step. Same options, checks and
 * results as the public functions (the mask stays U8 0/1, or becomes it).
 */
tmesh_status tmesh_seg__components_inplace(tmesh_volume *mask,
                                           const tmesh_seg_components_opts *opts, tmesh_error *err);
tmesh_status tmesh_seg__morph_inplace(tmesh_volume *mask, const tmesh_seg_morph_opts *opts,
                                      tmesh_error *err);
tmesh_status tmesh_seg__fill_inplace(tmesh_volume *mask, const tmesh_seg_fill_opts *opts,
                                     tmesh_error *err);

/* TMESH_E_ARG naming a and b when their dims or matrices differ. */
tmesh_status tmesh_seg__same_geometry(const tmesh_volume *a, const tmesh_volume *b,
                                      const char *name_a, const char *name_b, tmesh_error *err);

/* |det| of the 3x3 part: the volume of one voxel in mm^3. */
double tmesh_seg__voxel_volume(const tmesh_volume *vol);

/* Sample `idx` as a double (any type). */
double tmesh_seg__sample(const tmesh_volume *vol, size_t idx);

/* Write 1 where the mask is non-zero and 0 elsewhere into `dst` (count samples). */
void tmesh_seg__binarize(uint8_t *dst, const tmesh_volume *mask);

/* Resolved thread count. */
unsigned tmesh_seg__threads(unsigned requested);

/* Check an option: TMESH_E_ARG "<what> <value> must be in [lo, hi]". */
tmesh_status tmesh_seg__check_range(double value, double lo, double hi, const char *what,
                                    const char *unit, tmesh_error *err);

/* TMESH_E_ARG unless connectivity is 6, 18 or 26. */
tmesh_status tmesh_seg__check_connectivity(int connectivity, tmesh_error *err);

/* Neighbour offsets for 6/18/26 connectivity: fills d[26][3], returns the count. */
int tmesh_seg__neighbours(int connectivity, int d[26][3]);

/* Growable FIFO ring of voxel indices. */
typedef struct seg_queue {
    size_t *buf;
    size_t cap, head, len;
} seg_queue;

tmesh_status tmesh_seg__queue_push(seg_queue *q, size_t v, tmesh_error *err);
/* Pop the oldest; queue must not be empty. */
size_t tmesh_seg__queue_pop(seg_queue *q);
void tmesh_seg__queue_free(seg_queue *q);

/*
 * A 0/1 work copy of a mask with a one-voxel border holding SEG_PAD, a value no flood ever
 * matches, so floods need no bounds checks and no divisions. Interior voxel (i, j, k) is at
 * index tmesh_seg__pad_index.
 */
#define SEG_PAD 0xFF
typedef struct seg_padded {
    uint8_t *w;
    size_t dim[3];  /* the volume's dims          */
    size_t pdim[3]; /* dim + 2 along each axis    */
} seg_padded;

/* Allocate and fill from a mask volume (non-zero -> 1) or from 0/1 bytes, in parallel over
 * k-slices. */
tmesh_status tmesh_seg__pad_mask(seg_padded *p, const tmesh_volume *mask, unsigned threads,
                                 tmesh_error *err);
tmesh_status tmesh_seg__pad_bytes(seg_padded *p, const size_t dim[3], const uint8_t *src,
                                  unsigned threads, tmesh_error *err);
/* dst[v] = (interior value == value) for every voxel, in volume order. */
tmesh_status tmesh_seg__pad_store_eq(seg_padded *p, uint8_t *dst, uint8_t value, unsigned threads,
                                     tmesh_error *err);
void tmesh_seg__pad_free(seg_padded *p);

static inline size_t tmesh_seg__pad_index(const seg_padded *p, size_t i, size_t j, size_t k)
{
    return (i + 1) + p->pdim[0] * ((j + 1) + p->pdim[1] * (k + 1));
}

/*
 * Flood the padded buffer from the voxels queued in `q` (starts holding another value than
 * `from` are ignored): every voxel holding `from` connected to a start (per `connectivity`) is
 * set to `to`. When `label_out` is set (indexed like w), label_out[v] = label for every voxel
 * set. *count_out (optional) is the number of voxels set.
 */
tmesh_status tmesh_seg__flood(seg_padded *p, int connectivity, uint8_t from, uint8_t to,
                              seg_queue *q, uint16_t *label_out, uint16_t label, size_t *count_out,
                              tmesh_error *err);

/* TMESH_E_DATA naming the axis when a column of ijk_to_lps has zero (or non-finite) length. */
tmesh_status tmesh_seg__check_spacing(const tmesh_volume *vol, tmesh_error *err);

/* Squared spacing along i, j, k (mm^2). */
void tmesh_seg__weights(const tmesh_volume *vol, double w_out[3]);

/*
 * Squared Euclidean distance (mm^2, float) from every voxel to the nearest voxel with
 * feature[idx] != 0; +inf when there is none. w holds the squared spacings. See
 * tmesh_seg_distance for the exact arithmetic. Values above `cap` may come out as +inf
 * (INFINITY: none do); values at or below it are exact.
 */
tmesh_status tmesh_seg__edt_sq(float *d2, const uint8_t *feature, const size_t dim[3],
                               const double w[3], double cap, unsigned threads, tmesh_error *err);

/* out[idx] = (d2[idx] <= thr) ^ invert, as 0/1, in parallel over k-slices. */
tmesh_status tmesh_seg__dist_threshold(uint8_t *out, const float *d2, const size_t dim[3],
                                       double thr, unsigned threads, tmesh_error *err);

/* Binary morphology on a 0/1 buffer, in place (see tmesh_seg_morph). */
tmesh_status tmesh_seg__morph_buf(uint8_t *m, const size_t dim[3], const double w[3],
                                  tmesh_seg_morph_op op, double radius, unsigned threads,
                                  tmesh_error *err);

/*
 * The runs of a mask along i, row by row (row = j + dim[1]*k), in index order: run x covers
 * i in [a[x], b[x]] of row `row` for row_off[row] <= x < row_off[row + 1]. Sparse masks have few
 * runs, so components and hole filling work on runs instead of voxels.
 */
typedef struct seg_runs {
    size_t dim[3];
    size_t n;        /* runs                  */
    size_t *row_off; /* dim[1]*dim[2] + 1     */
    uint32_t *a, *b; /* first and last i      */
} seg_runs;

/*
 * Find the runs of non-zero (fg = 1) or zero (fg = 0) samples of a U8 or U16 mask, in parallel
 * over k-slices. When there are more than max_runs, returns TMESH_OK with r->a == NULL (the caller
 * uses a voxel method instead).
 */
tmesh_status tmesh_seg__runs_find(seg_runs *r, const tmesh_volume *mask, int fg, size_t max_runs,
                                  unsigned threads, tmesh_error *err);
void tmesh_seg__runs_free(seg_runs *r);

/*
 * Connected runs (6, 18 or 26 connectivity between their voxels): parent[x] (r->n entries) is set
 * to the smallest run index of x's component, which is also the component's first voxel in index
 * order.
 */
void tmesh_seg__runs_label(uint32_t *parent, const seg_runs *r, int connectivity);

/* Default display colour of a label value. */
void tmesh_seg__default_rgb(uint16_t value, uint8_t rgb_out[3]);

#endif
