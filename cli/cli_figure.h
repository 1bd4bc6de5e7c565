/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CLI helpers of stored figures (render --name, rerender, trace and verify of figures): turning
 * asset references into a scene, rendering a scene with its provenance entries, storing the
 * scene and image with their derivation as a figure version, and resolving figure targets.
 */
#ifndef TMESH_CLI_FIGURE_H
#define TMESH_CLI_FIGURE_H

#include "cli_store.h"
#include "tracemesh/render.h"

/** A figure being made: the scene and the meshes it shows. */
typedef struct cli_figure_scene {
    tmesh_render_scene scene;       /* items point into `items`                             */
    tmesh_render_scene_item *items; /* owned                                                */
    tmesh_mesh **meshes;            /* owned, one per item                                  */
    int *approved;                  /* owned: 1 when the item's version is approved         */
    size_t n;
    tmesh_volume *side_vol, *side_lab; /* owned: side-by-side scan and labels, or NULL       */
} cli_figure_scene;

void cli_figure_scene_free(cli_figure_scene *fs);

/**
 * Resolve NAME[@V] references (newest version when V is omitted), load their meshes and fill
 * the scene items; colours and opacities may be given per reference (NULL: style default).
 * The DRAFT mark (opts.draft) is set exactly when some version has no approved review.
 * @return exit code (errors printed: unknown asset or version)
 */
int cli_figure_from_refs(cli_figure_scene *out, tmesh_store *s, const char *const *refs, size_t n,
                         const double (*colors)[3], size_t n_colors, const double *opacities,
                         size_t n_opacities, const tmesh_render_opts *opts,
                         tmesh_render_format format);

/**
 * Side by side: find the scan and the label volume (or, for an isosurface, the scan and its
 * iso value) in the provenance of the scene's first asset, load them and record them in the
 * scene.
 * @return exit code (errors printed: no volume in the chain)
 */
int cli_figure_side_from_chain(cli_figure_scene *fs, tmesh_store *s);

/** Set the scene's DRAFT mark from `approved`: on exactly when some version is not approved. */
void cli_figure_set_draft(cli_figure_scene *fs);

/**
 * Load the meshes of a decoded scene's items from the store (hash-checked) and recompute
 * which versions are approved now.
 * @return exit code (errors printed)
 */
int cli_figure_from_scene(cli_figure_scene *out, tmesh_store *s, const tmesh_render_scene *sc);

/**
 * Render the figure to `path` with its provenance entries (figure id, scene hash, asset
 * versions, mesh hashes, derivations; the render module adds the renderer fingerprint).
 * @param figure_id  "NAME@N" for a stored figure, else a scene id
 * @param[out] rep   optional
 * @return exit code (errors printed)
 */
int cli_figure_render(tmesh_renderer **r, const tmesh_render_open_opts *oo,
                      const cli_figure_scene *fs, const char *figure_id, const char *scene_hash,
                      const char *path, tmesh_render_report *rep);

/**
 * Render `fs` as the next version of figure `name` and store it: the scene and image objects,
 * the "render" derivation (inputs: the scene and the meshes), the figure version. When `path`
 * is NULL the image goes to a temporary file only.
 * @param[out] version_out the new version
 * @param[out] image_out   SHA-256 of the image
 * @return exit code (errors printed)
 */
int cli_figure_store(tmesh_store *s, tmesh_renderer **r, const tmesh_render_open_opts *oo,
                     const char *name, const cli_figure_scene *fs, const char *path,
                     const char *note, int *version_out, char image_out[65]);

/**
 * Render a stored figure version again from its stored scene (same figure id, same meshes,
 * hash-checked) into memory.
 * @param[out] out caller owns; free with free()
 * @param[out] fp_out the renderer fingerprint of this render
 * @return exit code (errors printed)
 */
int cli_figure_rerender(tmesh_store *s, tmesh_renderer **r, const tmesh_render_open_opts *oo,
                        const tmesh_store_figure *f, uint8_t **out, size_t *len_out,
                        tmesh_render_fingerprint *fp_out);

/** What a figure TARGET (a figure file or FIG[@N]) resolved to. */
typedef struct cli_figure_target {
    int is_file;
    char file_sha256[65];
    int modified;            /* the file's bytes match no figure; its metadata names `fig` */
    tmesh_store_figure *fig; /* owned; free with tmesh_store_figure_free                   */
} cli_figure_target;

/**
 * Resolve TARGET as a figure: a file whose SHA-256 is a stored figure image (or, when edited,
 * whose metadata names a stored figure), or FIG[@N] when no asset has that name.
 * @return CLI_EXIT_OK with out->fig set; -1 when TARGET is not a figure (nothing printed;
 *         the caller tries assets and exports); another exit code after printing an error
 */
int cli_figure_target_resolve(tmesh_store *s, const char *target, cli_figure_target *out);

/** Read "<tmesh:figure_id>...</tmesh:figure_id>" from a figure file's bytes. @return 1 found */
int cli_figure_parse_id(const uint8_t *data, size_t len, char *out, size_t cap);

/** Extension of a figure format ("png"), or NULL. */
const char *cli_figure_format_ext(tmesh_render_format f);

/** --display auto|xvfb|x of render, rerender and verify. @return 0, or -1 with a usage error
 *  printed naming the option */
int cli_figure_display_opt(const cli_cmd_spec *spec, const char *val, tmesh_render_display *out);

#endif
