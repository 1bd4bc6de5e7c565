/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared inside the render module only: the projection of one rendered frame, feature-line
 * polylines, the figure being assembled, and the helpers of the PNG, vector and annotation code.
 */
#ifndef TMESH_RENDER_INT_H
#define TMESH_RENDER_INT_H

#include <stddef.h>
#include <stdint.h>

#include <cairo.h>

#include "tracemesh/render.h"

/** The projection of one rendered frame, taken from VTK's own matrices. */
typedef struct render__frame {
    unsigned w, h;
    double view[4][4], proj[4][4];  /* world -> eye, eye -> clip (row-major)             */
    double right[3], up[3], fwd[3]; /* unit screen directions in LPS; fwd into the screen */
    double focal[3], position[3];
    double mm_per_px; /* at the focal plane                                 */
    int parallel;
} render__frame;

/** Project an LPS point: out[0], out[1] pixels (x right, y down, 0..w and 0..h across the
 *  image), out[2] distance in front of the camera along the view direction, mm. */
void render__project(const render__frame *f, const double p[3], double out[3]);

/** One visible feature polyline in pixel coordinates. */
typedef struct render__polyline {
    int heavy;  /* 1: silhouette or open boundary, 0: crease, 2: cut outline (drawn at
                   silhouette weight) */
    size_t n;   /* points                                     */
    double *xy; /* 2*n, owned                                 */
} render__polyline;

typedef struct render__lines {
    render__polyline *lines;
    size_t n, cap;
    size_t n_silhouette, n_crease, n_boundary; /* feature edges found (before visibility) */
    size_t n_cut;                              /* triangles crossed by the clipping plane  */
    size_t n_points;
} render__lines;

void render__lines_free(render__lines *l);

/** Options of feature-line extraction. */
typedef struct render__line_opts {
    double crease_deg;
    double simplify_px; /* Douglas-Peucker tolerance, pixels */
    double extent_mm;   /* diagonal of the scene's extent, mm */
    double min_len_px;  /* polylines shorter than this are dropped, pixels */
    int clip;           /* non-zero: only lines on the kept side, plus the cut outline */
    double clip_point[3], clip_normal[3]; /* LPS mm; unit normal towards the removed side */
} render__line_opts;

/**
 * Feature lines of the meshes for the frame: silhouettes, creases and open boundaries, with the
 * parts hidden in the depth buffer `z` (w*h window depths, rows bottom to top) removed, chained
 * into polylines and simplified. With a clipping plane only the parts on the kept side remain,
 * and the cut outline (where the plane crosses each mesh) is added, hidden parts removed alike.
 */
tmesh_status render__feature_lines(render__lines *out, const tmesh_mesh *const *meshes,
                                   size_t n_meshes, const render__frame *f, const float *z,
                                   const render__line_opts *o, tmesh_error *err);

/** The figure as the annotation and vector code see it. */
typedef struct render__figure {
    const tmesh_render_opts *o;
    const tmesh_render_item *items;
    size_t n_items;
    double (*colors)[3]; /* resolved colour of each item */
    double *opacities;   /* resolved opacity of each item */
    render__frame frame;
    render__lines lines;
    uint16_t *ids; /* line style: item of each pixel (0 background, i+1 item i),
                      rows top to bottom; owned by tmesh_render_figure */
    const char *view_name, *style_name;
    /* layout, pixels: bands around the scene kept free for the annotations */
    double band_top, band_bottom, band_left, band_right;
    double banner_h, title_h, letter_h; /* parts of the top band, top to bottom */
} render__figure;

/** Fill the layout bands of `fig` from its options and pixel size (frame.w, frame.h). */
void render__layout(render__figure *fig);

/** Draw the annotations (lines of the line style, labels, scale bar, orientation letters,
 *  title, DRAFT mark) with cairo in pixel units. With `vector` set the flat fills are drawn from
 *  the geometry first. */
void render__draw(cairo_t *cr, const render__figure *fig, int vector);

/** The XMP packet of a figure (malloc'd, NUL-terminated); `packet` adds the xpacket wrapper. */
char *render__xmp(const render__figure *fig, int packet);

/** Encode a PNG (RGB rows top to bottom) with pHYs, text chunks and XMP, into memory. */
tmesh_status render__png_encode(uint8_t **out, size_t *len_out, const uint8_t *rgb, unsigned w,
                                unsigned h, const render__figure *fig, tmesh_error *err);

/** Write the vector figure (SVG or PDF) to path. */
tmesh_status render__write_vector(const render__figure *fig, const char *path, int pdf,
                                  tmesh_error *err);

/** The side-by-side panel (opts.side): pw x h RGB bytes, rows top to bottom. */
tmesh_status render__side_panel(uint8_t *rgb, unsigned pw, unsigned h, const render__figure *fig,
                                tmesh_error *err);

/** Pixel size of a figure from opts (validated before). */
void render__pixel_size(const tmesh_render_opts *o, unsigned *w_out, unsigned *h_out);

/** The X display of a renderer (a `Display *`). */
void *render__display(const tmesh_renderer *r);

#endif
