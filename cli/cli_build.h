/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Options shared by the commands that make meshes: the tissue range or recipe of 'build' and
 * 'publish --dicom', and the surface post-processing (smoothing, decimation, component filter)
 * of those two and of 'mesh'. One table of rows, one parser, one set of checks, so the three
 * commands accept and refuse the same values with the same messages.
 */
#ifndef TMESH_CLI_BUILD_H
#define TMESH_CLI_BUILD_H

#include "cli.h"
#include "tracemesh/mesh.h"

enum {
    CLI_OPT_PRESET = 400,
    CLI_OPT_LOWER,
    CLI_OPT_UPPER,
    CLI_OPT_SIGMA,
    CLI_OPT_RECIPE,
    CLI_OPT_SMOOTH,
    CLI_OPT_SMOOTH_METHOD,
    CLI_OPT_DECIMATE,
    CLI_OPT_KEEP_LARGEST,
    CLI_OPT_MIN_AREA
};

/* Table rows: the tissue selection of a DICOM build. */
#define CLI_BUILD_RANGE_OPTS                                                                       \
    {CLI_OPT_PRESET, "preset", 'p', "NAME",                                                        \
     "CT preset: bone (default), skin, soft-tissue, lung, fat, vessels, teeth"},                   \
        {CLI_OPT_LOWER, "lower", 0, "HU", "lower bound instead of a preset (inclusive)"},          \
        {CLI_OPT_UPPER, "upper", 0, "HU", "upper bound instead of a preset (default: open)"},      \
        {CLI_OPT_RECIPE, "recipe", 0, "FILE",                                                      \
         "segmentation recipe ('tracemesh segment --help') instead of a range"},                   \
    {                                                                                              \
        CLI_OPT_SIGMA, "sigma", 0, "MM", "mask smoothing for closed ranges, mm (default 0.5)"      \
    }

/* Table rows: surface post-processing, applied in this order. */
#define CLI_MESH_POST_OPTS                                                                         \
    {CLI_OPT_SMOOTH, "smooth", 0, "N", "surface smoothing iterations, 0..1000 (default 0: off)"},  \
        {CLI_OPT_SMOOTH_METHOD, "smooth-method", 0, "taubin|sinc",                                 \
         "smoothing filter without shrinkage (default taubin)"},                                   \
        {CLI_OPT_DECIMATE, "decimate", 0, "R",                                                     \
         "keep this fraction of triangles, (0, 1] (default 1)"},                                   \
        {CLI_OPT_KEEP_LARGEST, "keep-largest", 0, NULL,                                            \
         "keep only the largest connected surface"},                                               \
    {                                                                                              \
        CLI_OPT_MIN_AREA, "min-area", 0, "MM2", "drop connected surfaces smaller than this, mm2"   \
    }

/** Surface post-processing. */
typedef struct cli_mesh_post {
    unsigned smooth; /* smoothing iterations, 0: none      */
    tmesh_mesh_smooth_method smooth_method;
    double ratio; /* decimation ratio, 1: none          */
    int filter;   /* apply keep_largest / min_area      */
    unsigned keep_largest;
    double min_area;
} cli_mesh_post;

/** Parameters of the build pipeline (as 'tracemesh build' takes them). */
typedef struct cli_build_params {
    const char *preset;  /* preset name as given, or NULL                             */
    double lower, upper; /* HU; upper NaN: open range, meshed as an isosurface at lower */
    double sigma;        /* mask smoothing of closed ranges, mm                          */
    const char *recipe;  /* segmentation recipe file instead of lower/upper, or NULL: its
                            labels are meshed together (label 0 = every non-zero label)  */
    cli_mesh_post post;
    int given; /* some option of these tables was given */
} cli_build_params;

/** Defaults: no preset yet (bone when resolved), sigma 0.5 mm, no post-processing. */
void cli_build_params_init(cli_build_params *bp);

/**
 * Take option `id` if it is one of CLI_BUILD_RANGE_OPTS or CLI_MESH_POST_OPTS.
 * @return 1 taken, 0 not one of them, -1 bad value (usage error printed naming the option)
 */
int cli_build_opt(const cli_cmd_spec *spec, cli_build_params *bp, int id, const char *val);

/**
 * Check the combination (preset vs range vs recipe) and turn the preset (default bone) into
 * its range. @return CLI_EXIT_OK or a usage error (printed)
 */
int cli_build_params_resolve(const cli_cmd_spec *spec, cli_build_params *bp);

/**
 * Check `m` (warning on stderr when it is not closed, manifold and outward) and write it to
 * `out`; fills *r. @return CLI_EXIT_OK or the error's exit code (printed)
 */
int cli_build_write(const tmesh_mesh *m, const char *out, const tmesh_mesh_write_opts *wo,
                    tmesh_mesh_report *r);

/** The one-line summary of a written mesh, on stdout. */
void cli_build_summary(const char *out, const tmesh_mesh_report *r);

/** Usage error unless `out` ends in a mesh extension. @return CLI_EXIT_OK or the error */
int cli_build_check_output(const cli_cmd_spec *spec, const char *out);

/* ---- surface post-processing, as applied and as replayed from the store ---- */

/** What one post-processing step reported (for the notes a command prints). */
typedef struct cli_mesh_op_report {
    tmesh_mesh_smooth_report smooth;
    tmesh_mesh_decimate_report decimate;
    size_t removed; /* connected surfaces dropped */
} cli_mesh_op_report;

/**
 * Apply the mesh-to-mesh operation `op` ("smooth", "decimate", "filter-components") with its
 * recorded parameters (canonical JSON), on `threads` threads (0: one per core; the result is
 * the same at any count). @param rep optional
 */
tmesh_status cli_mesh_apply_op(tmesh_mesh *m, const char *op, const char *params, unsigned threads,
                               cli_mesh_op_report *rep, tmesh_error *err);

/** Called after each post-processing step with the operation and its parameters. */
typedef tmesh_status (*cli_mesh_step_fn)(const tmesh_mesh *m, const char *op, const char *params,
                                         void *user, tmesh_error *err);

/**
 * Smooth, decimate and filter components as `mp` asks, in that order, each step through
 * cli_mesh_apply_op (so that a replay of the recorded parameters gives the same bytes),
 * printing a note per step. @param step optional, called after each step
 */
tmesh_status cli_mesh_postprocess(tmesh_mesh *m, const cli_mesh_post *mp, unsigned threads,
                                  cli_mesh_step_fn step, void *user, tmesh_error *err);

#endif
