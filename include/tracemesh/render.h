/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * render: the last stage of the pipeline. Turns one or more meshes in patient LPS millimetres
 * into an illustration figure: a PNG rendered by VTK (headless, on a private Xvfb when no X
 * display is available), or vector line art (SVG, PDF) computed from the geometry, with labels,
 * scale bar, orientation letters, a DRAFT mark and provenance metadata.
 */
#ifndef TRACEMESH_RENDER_H
#define TRACEMESH_RENDER_H

#include <stddef.h>
#include <stdint.h>

#include "tracemesh/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * Renderer: the X display (and the private Xvfb, when one was started)
 * ------------------------------------------------------------------------------------------- */

/** How the renderer finds an X display (Debian's VTK 9.1 renders through X11/GLX only). */
typedef enum tmesh_render_display {
    TMESH_RENDER_DISPLAY_AUTO = 0, /* $DISPLAY when it opens, else a private Xvfb            */
    TMESH_RENDER_DISPLAY_XVFB = 1, /* always a private Xvfb                                  */
    TMESH_RENDER_DISPLAY_X = 2     /* only $DISPLAY; fail when it does not open              */
} tmesh_render_display;

/** Options of tmesh_render_open. */
typedef struct tmesh_render_open_opts {
    tmesh_render_display display; /* Default TMESH_RENDER_DISPLAY_AUTO                     */
    const char *xvfb;             /* Xvfb program, looked up on PATH when it has no '/'.
                                     NULL: "Xvfb". Default NULL                             */
    double timeout_s;             /* wait for Xvfb to be ready, (0, 600] s. Default 20      */
} tmesh_render_open_opts;

#define TMESH_RENDER_OPEN_OPTS_INIT                                                                \
    {                                                                                              \
        TMESH_RENDER_DISPLAY_AUTO, NULL, 20.0                                                      \
    }

/** Renderer handle: owns the X connection and, when started, the private Xvfb process. */
typedef struct tmesh_renderer tmesh_renderer;

/**
 * Open a renderer. Without a usable $DISPLAY (unset, not opening, or without the GLX extension
 * VTK needs) a private Xvfb is started: it picks a free display number itself (-displayfd),
 * listens on no TCP port (-nolisten tcp) and is waited for until it reports ready. The Xvfb child
 * gets SIGTERM when the thread that opened the renderer dies (Linux parent-death signal), so a
 * killed caller leaves no Xvfb behind; tmesh_render_close stops it, and so does every failing path
 * of this function. Not thread-safe: VTK renders on one thread; use a renderer from the thread that
 * opened it.
 * @param[out] out caller owns; free with tmesh_render_close
 * @param opts     NULL for defaults
 * @return TMESH_OK; TMESH_E_ARG naming "timeout_s" or "display"; TMESH_E_IO when neither the
 *         display nor Xvfb works (the message names $DISPLAY and the Xvfb program and says why);
 *         TMESH_E_NOMEM
 */
tmesh_status tmesh_render_open(tmesh_renderer **out, const tmesh_render_open_opts *opts,
                               tmesh_error *err);

/** Close the X connection and stop the private Xvfb (waiting for it to exit). Accepts NULL. */
void tmesh_render_close(tmesh_renderer *r);

/** Process id of the private Xvfb, or 0 when the renderer uses $DISPLAY. */
long tmesh_render_xvfb_pid(const tmesh_renderer *r);

/* ---------------------------------------------------------------------------------------------
 * Figures
 * ------------------------------------------------------------------------------------------- */

/** Named anatomical view: the side of the patient the viewer faces. */
typedef enum tmesh_render_view {
    TMESH_VIEW_ANTERIOR = 0, /* viewer in front: patient's left on the viewer's right, S up  */
    TMESH_VIEW_POSTERIOR,    /* viewer behind: patient's right on the viewer's right, S up   */
    TMESH_VIEW_LEFT,         /* viewer at the patient's left: posterior on the right, S up   */
    TMESH_VIEW_RIGHT,        /* viewer at the patient's right: anterior on the right, S up   */
    TMESH_VIEW_SUPERIOR,     /* viewer above the head: anterior up, patient's right on right */
    TMESH_VIEW_INFERIOR      /* viewer below the feet (radiological): anterior up, left right */
} tmesh_render_view;

/** Figure style. */
typedef enum tmesh_render_style {
    TMESH_STYLE_CLINICAL = 0, /* plain grey (or the item colours), one head light            */
    TMESH_STYLE_SHADED,       /* studio lighting (key, fill, rim), specular; SSAO if asked    */
    TMESH_STYLE_GHOST,        /* translucent outer surface over opaque inner ones             */
    TMESH_STYLE_LINE          /* flat fill with silhouette, crease and boundary lines         */
} tmesh_render_style;

/** Output format. */
typedef enum tmesh_render_format {
    TMESH_RENDER_FORMAT_AUTO = 0, /* from the extension: .png .svg .pdf                     */
    TMESH_RENDER_FORMAT_PNG,
    TMESH_RENDER_FORMAT_SVG, /* vector; only with TMESH_STYLE_LINE                      */
    TMESH_RENDER_FORMAT_PDF  /* vector; only with TMESH_STYLE_LINE                      */
} tmesh_render_format;

/** One mesh of the scene. */
typedef struct tmesh_render_item {
    const tmesh_mesh *mesh; /* borrowed; LPS mm, CCW from outside                           */
    double color[3];        /* RGB 0..1; all negative: the style's default colour             */
    double opacity;         /* 0..1; negative: the style's default (ghost: 0.3 for the outer
                               item, the one with the largest bounding box; else 1)          */
} tmesh_render_item;

#define TMESH_RENDER_ITEM_INIT                                                                     \
    {                                                                                              \
        NULL, {-1.0, -1.0, -1.0}, -1.0                                                             \
    }

/** A label: text with a leader line to a point of the anatomy. */
typedef struct tmesh_render_label {
    const char *text; /* UTF-8, borrowed                                                   */
    double at[3];     /* anchor, patient LPS mm                                            */
} tmesh_render_label;

/** A provenance entry written into the figure's metadata. */
typedef struct tmesh_render_meta {
    const char *key;   /* 1..79 characters of [A-Za-z0-9_.-], starting with a letter (an
                          XML name and a PNG keyword); e.g. "figure_id"                 */
    const char *value; /* UTF-8 text, borrowed                                            */
} tmesh_render_meta;

/** A source slice beside the 3D view, for clinical review (PNG only). */
typedef struct tmesh_render_side {
    const tmesh_volume *volume; /* borrowed; the scan (CT in HU), any type                    */
    const tmesh_volume *labels; /* borrowed; the label volume the meshes came from; non-zero
                                   voxels are outlined. Any grid: sampled in patient LPS mm.
                                   NULL: the scan's voxels >= iso are outlined instead       */
    double iso;                 /* with labels NULL: the isosurface value. Default 0          */
    double window_center;       /* grey window of the scan; window_width 0: the range of the
                                   values on the slice. Default 0, 0                        */
    double window_width;
    double outline_color[3]; /* RGB 0..1 of the label outline. Default green            */
} tmesh_render_side;

#define TMESH_RENDER_SIDE_INIT                                                                     \
    {                                                                                              \
        NULL, NULL, 0.0, 0.0, 0.0,                                                                 \
        {                                                                                          \
            0.1, 0.9, 0.2                                                                          \
        }                                                                                          \
    }

/** Options of tmesh_render_figure. */
typedef struct tmesh_render_opts {
    tmesh_render_view view;       /* Default TMESH_VIEW_ANTERIOR                              */
    double azimuth_deg;           /* turn about the view-up axis, -360..360. Default 0         */
    double elevation_deg;         /* tilt about the screen's horizontal axis, -90..90. Default 0 */
    double zoom;                  /* > 1 magnifies, 0.05..50. Default 1: the meshes fill 95 % of
                                     the space the annotations leave                            */
    int perspective;              /* non-zero: perspective (30 degree view angle); default 0:
                                     parallel projection, so the scale bar holds everywhere     */
    tmesh_render_style style;     /* Default TMESH_STYLE_SHADED                               */
    int ssao;                     /* shaded: screen-space ambient occlusion. Default 0        */
    tmesh_render_format format;   /* Default TMESH_RENDER_FORMAT_AUTO                         */
    unsigned width_px, height_px; /* 16..16384 each. Default 1200 x 1200                    */
    double dpi;                   /* 10..10000; written to PNG pHYs. Default 300                */
    double width_mm, height_mm;   /* > 0: physical size; the pixel size becomes mm * dpi / 25.4
                                     (height_mm 0: square). 1..2000. Default 0 (unused)          */
    double background[3];         /* RGB 0..1. Default white                                   */
    const tmesh_render_label *labels; /* borrowed; n_labels entries. Default none            */
    size_t n_labels;
    const char *title;             /* optional UTF-8 title at the top. Default NULL             */
    int draft;                     /* non-zero: "DRAFT - not clinically reviewed" mark. Default 0 */
    int scale_bar;                 /* non-zero: scale bar in mm (parallel projection). Default 1 */
    int orientation;               /* non-zero: orientation letters at the edges. Default 1      */
    const tmesh_render_meta *meta; /* borrowed provenance entries. Default none              */
    size_t n_meta;
    double crease_deg;             /* line: dihedral angle above which an edge is a crease,
                                      1..180. Default 40                                         */
    double silhouette_pt;          /* line: silhouette and boundary width, points, 0.05..20.
                                      Default 1.0                                                */
    double crease_pt;              /* line: crease width, points, 0.05..20. Default 0.5         */
    const tmesh_render_side *side; /* borrowed; non-NULL: a panel of height_px x height_px
                                      pixels right of the 3D view shows the slice of the scan
                                      through the centre of the labelled voxels, facing the
                                      viewer (same screen right and up in patient space), with
                                      the label outline; the image grows by that width. PNG
                                      only. Default NULL                                     */
    int clip;              /* non-zero: a cut-away view. Every mesh is cut by the plane through
                              clip_point with normal clip_normal, and the half-space the normal
                              points into is removed (the cut is left open: the inside of a
                              closed surface shows through it). Raster styles clip in VTK; line
                              art keeps only the lines on the kept side and adds the cut outline
                              (the plane's intersection with each mesh) at silhouette weight.
                              The camera is still fitted to the whole meshes, so a cut-away has
                              the framing of the uncut figure. Default 0                      */
    double clip_point[3];  /* a point of the clipping plane, patient LPS mm; finite          */
    double clip_normal[3]; /* towards the removed side, LPS; any non-zero length, finite     */
    double turn_deg;       /* the scene turned about the patient's S axis, counter-clockwise
                              seen from above (an anterior view then shows the face turning
                              towards the viewer's right; 90 turns anterior into right), after
                              view, azimuth and elevation; the camera is fitted to each turn.
                              -360..360. Default 0. One turntable frame per call            */
} tmesh_render_opts;

#define TMESH_RENDER_OPTS_INIT                                                                     \
    {                                                                                              \
        TMESH_VIEW_ANTERIOR, 0.0, 0.0, 1.0, 0, TMESH_STYLE_SHADED, 0, TMESH_RENDER_FORMAT_AUTO,    \
            1200, 1200, 300.0, 0.0, 0.0, {1.0, 1.0, 1.0}, NULL, 0, NULL, 0, 1, 1, NULL, 0, 40.0,   \
            1.0, 0.5, NULL, 0, {0.0, 0.0, 0.0}, {0.0, 0.0, 0.0}, 0.0                               \
    }

/** The renderer fingerprint: what made the pixels. Two figures of one scene are byte-identical
 *  when their fingerprints are equal (same VTK, same OpenGL driver). */
typedef struct tmesh_render_fingerprint {
    char vtk_version[32];  /* "9.1.0"                                                    */
    char gl_vendor[128];   /* OpenGL vendor string ("Mesa/X.org")                       */
    char gl_renderer[192]; /* OpenGL renderer string ("llvmpipe (LLVM 15.0.6, 256 bits)") */
    char gl_version[128];  /* OpenGL version string ("4.5 (Core Profile) Mesa 22.3.6")   */
} tmesh_render_fingerprint;

/** What tmesh_render_figure did. */
typedef struct tmesh_render_report {
    unsigned width_px, height_px; /* raster size rendered                                   */
    double mm_per_px;             /* scene scale at the focal plane                          */
    double focal[3];              /* camera focal point, LPS mm                              */
    double eye[3];                /* camera position, LPS mm                                 */
    double right[3], up[3];       /* unit screen directions in LPS                           */
    size_t n_polylines;           /* line style: visible feature polylines written           */
    size_t n_line_points;         /* line style: their points after simplification           */
    size_t n_silhouette_edges, n_crease_edges, n_boundary_edges; /* feature edges found     */
    size_t n_cut_edges; /* line style with clip: triangles the clipping plane crosses       */
    double render_s;    /* wall time of the VTK render and read-back               */
    tmesh_render_fingerprint fingerprint; /* renderer of this figure (also in its metadata) */
} tmesh_render_report;

/** Parse a view name ("anterior", "posterior", "left", "right", "superior", "inferior").
 *  @return TMESH_OK; TMESH_E_ARG naming the text and listing the names */
tmesh_status tmesh_render_view_parse(tmesh_render_view *out, const char *name, tmesh_error *err);

/** Parse a style name ("clinical", "shaded", "ghost", "line").
 *  @return TMESH_OK; TMESH_E_ARG naming the text and listing the names */
tmesh_status tmesh_render_style_parse(tmesh_render_style *out, const char *name, tmesh_error *err);

/**
 * Render a figure of `n_items` meshes and write it atomically to `path`.
 *
 * The camera looks at the named view of the patient (LPS frame: +L patient left, +P posterior,
 * +S superior), turned by azimuth and elevation, and is fitted to the meshes' extent on screen.
 * PNG: pixels of the VTK render with the annotations drawn by cairo, written by libpng with a
 * pHYs chunk (dpi), a tEXt/iTXt chunk per provenance entry and an XMP packet (iTXt
 * "XML:com.adobe.xmp"); no time chunk, so the same scene gives the same bytes.
 * SVG/PDF (style line only): flat fills and feature lines (silhouettes, creases, open
 * boundaries) computed from the geometry, hidden parts removed with the depth buffer of the same
 * render, as cairo paths; provenance as XMP in SVG <metadata> and in a PDF metadata stream
 * (appended as an incremental update), and as "key=value" keywords of the PDF's document
 * information. Item fills are the regions where each item is the nearest surface, traced from
 * an item-id buffer of the same render.
 * Every figure's metadata also carries the renderer fingerprint, after the caller's entries:
 * "renderer_vtk", "renderer_gl_vendor", "renderer_gl_renderer", "renderer_gl_version".
 *
 * @param r       renderer from tmesh_render_open
 * @param items   borrowed; at least one item with at least one triangle in total
 * @param path    output file; its extension chooses the format when opts->format is AUTO
 * @param opts    NULL for defaults
 * @param[out] report_out optional
 * @return TMESH_OK; TMESH_E_ARG naming the option out of range ("width_px", "zoom", ...), an
 *         unknown extension, a vector format with another style or with a side panel, a bad
 *         side panel ("side: ..."), or a bad meta key; TMESH_E_DATA also for a side panel whose
 *         labels (or iso value) select no voxel;
 *         TMESH_E_DATA for a triangle index out of range or a non-finite coordinate (names the
 *         item); TMESH_E_IO naming the path when it cannot be written; TMESH_E_INTERNAL with
 *         VTK's own text when VTK or OpenGL fails; TMESH_E_NOMEM
 */
tmesh_status tmesh_render_figure(tmesh_renderer *r, const tmesh_render_item *items, size_t n_items,
                                 const char *path, const tmesh_render_opts *opts,
                                 tmesh_render_report *report_out, tmesh_error *err);

/**
 * One line naming a fingerprint: "VTK 9.1.0; OpenGL Mesa/X.org; llvmpipe (...); 4.5 (...)".
 * Truncated to `cap` (NUL-terminated).
 */
void tmesh_render_fingerprint_text(const tmesh_render_fingerprint *fp, char *buf, size_t cap);

/**
 * Decode a PNG (8-bit RGB or RGBA, as tmesh_render_figure writes; others are converted) into
 * RGB rows top to bottom, for comparing figures pixel by pixel.
 * @param[out] rgb_out caller owns; free with free(); 3 * w * h bytes
 * @return TMESH_OK; TMESH_E_DATA when the bytes are not a readable PNG; TMESH_E_NOMEM
 */
tmesh_status tmesh_render_png_decode(uint8_t **rgb_out, unsigned *w_out, unsigned *h_out,
                                     const uint8_t *png, size_t len, tmesh_error *err);

/* ---------------------------------------------------------------------------------------------
 * Scenes: the stored description of a figure of store assets, as canonical JSON
 * ------------------------------------------------------------------------------------------- */

/** One asset of a scene (names and hashes are those of the store; the render module only
 *  carries them). */
typedef struct tmesh_render_scene_item {
    char asset[65];      /* asset name (at most 64 characters)                          */
    int version;         /* >= 1                                                        */
    char mesh[65];       /* SHA-256 of the mesh object, lowercase hex                   */
    char derivation[65]; /* derivation of the mesh; "" when none was recorded            */
    double color[3];     /* as tmesh_render_item                                        */
    double opacity;      /* as tmesh_render_item                                        */
} tmesh_render_scene_item;

/** A scene: everything tmesh_render_figure needs besides the meshes themselves. */
typedef struct tmesh_render_scene {
    tmesh_render_opts opts;               /* labels, title and meta are part of the scene; the
                                             figure's own provenance entries are not            */
    tmesh_render_format format;           /* PNG, SVG or PDF (not AUTO)                        */
    const tmesh_render_scene_item *items; /* at least one                                 */
    size_t n_items;
    char side_volume[65]; /* side-by-side panel: the scan object (SHA-256); "" for
                             none (opts.side itself is not stored)                 */
    char side_labels[65]; /* its label volume object; "" to outline side_iso       */
    double side_iso;      /* the isosurface value when side_labels is ""            */
} tmesh_render_scene;

/**
 * Canonical JSON of a scene: sorted keys, compact, reals with 17 significant digits;
 * {"assets":[{"asset","color","derivation","mesh","opacity","version"}...],"azimuth_deg",
 * "background","crease_deg","crease_pt","dpi","draft","elevation_deg","format","height_mm",
 * "height_px","labels":[{"at","text"}...],"meta":{...},"orientation","perspective",
 * "scale_bar","schema":"tracemesh.scene/1","side":null|{"iso","labels","volume"},"silhouette_pt",
 * "ssao","style","title","view","width_mm","width_px","zoom"}, plus "clip":{"normal","point"}
 * only when opts.clip is set and "turn_deg" only when it is not 0 (so scenes without them keep
 * the bytes they had before these members existed). Equal scenes give equal bytes.
 * @param[out] out caller owns; free with free(); NUL-terminated
 * @return TMESH_OK; TMESH_E_ARG naming an item without asset or mesh, or a format that is
 *         AUTO; TMESH_E_NOMEM
 */
tmesh_status tmesh_render_scene_encode(char **out, const tmesh_render_scene *scene,
                                       tmesh_error *err);

/**
 * Read a scene written by tmesh_render_scene_encode.
 * @param[out] out caller owns (with every string and array it points to); free with
 *             tmesh_render_scene_free
 * @return TMESH_OK; TMESH_E_DATA naming the member that is missing or of the wrong type, or
 *         when the text is not JSON; TMESH_E_NOMEM
 */
tmesh_status tmesh_render_scene_decode(tmesh_render_scene **out, const char *json, size_t len,
                                       tmesh_error *err);

/** Free a scene from tmesh_render_scene_decode. Accepts NULL. */
void tmesh_render_scene_free(tmesh_render_scene *scene);

/** Name of a view ("anterior") or style ("shaded"); "?" for an unknown value. */
const char *tmesh_render_view_name(tmesh_render_view view);
const char *tmesh_render_style_name(tmesh_render_style style);

#ifdef __cplusplus
}
#endif

#endif /* TRACEMESH_RENDER_H */
