/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tracemesh build: a DICOM folder to a finished mesh in one command. Loads one series, selects
 * a tissue by CT preset or HU range, meshes it, optionally smooths, decimates and keeps the
 * largest pieces, checks the result and writes it.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "tracemesh/mesh.h"
#include "tracemesh/segment.h"

#include <math.h>
#include <string.h>

enum {
    OPT_OUT = 1,
    OPT_PRESET,
    OPT_LOWER,
    OPT_UPPER,
    OPT_SIGMA,
    OPT_SMOOTH,
    OPT_DECIMATE,
    OPT_KEEP_LARGEST,
    OPT_MIN_AREA,
    OPT_RAS
};

static const cli_opt build_opts[] = {
    {OPT_OUT, "output", 'o', "FILE",
     "output mesh: .stl .ply .obj .glb .gltf .3mf .dae .fbx (required)"},
    {OPT_PRESET, "preset", 'p', "NAME",
     "CT preset: bone (default), skin, soft-tissue, lung, fat, vessels, teeth"},
    {OPT_LOWER, "lower", 0, "HU", "lower bound instead of a preset (inclusive)"},
    {OPT_UPPER, "upper", 0, "HU", "upper bound instead of a preset (default: open)"},
    {OPT_SIGMA, "sigma", 0, "MM", "mask smoothing for closed ranges, mm (default 0.5)"},
    {OPT_SMOOTH, "smooth", 0, "N", "Taubin smoothing iterations, 0..1000 (default 0)"},
    {OPT_DECIMATE, "decimate", 0, "R", "keep this fraction of triangles, (0, 1] (default 1)"},
    {OPT_KEEP_LARGEST, "keep-largest", 0, NULL, "keep only the largest connected surface"},
    {OPT_MIN_AREA, "min-area", 0, "MM2", "drop connected surfaces smaller than this, mm2"},
    {OPT_RAS, "ras", 0, NULL, "write RAS coordinates instead of LPS"},
    CLI_DICOM_OPTS,
    {0, NULL, 0, NULL, NULL},
};

const cli_cmd_spec cmd_build_spec = {
    "build", "DIR [--series N] [--preset NAME | --lower HU [--upper HU]] -o OUT.stl",
    "Turn a DICOM series into a finished surface mesh in one step.",
    "A range open at the top (bone, skin, teeth, or --lower alone) is meshed directly from the\n"
    "HU values at the lower bound, with sub-voxel accuracy. A closed range is meshed from its\n"
    "mask, smoothed with --sigma. Coordinates are patient mm, LPS unless --ras. The result is\n"
    "checked; a warning is printed when it is not closed, manifold and outward.",
    build_opts};

int cmd_build(int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, &cmd_build_spec, argc, argv);
    cli_dicom_args da;
    cli_dicom_args_init(&da);
    const char *dir = NULL, *out = NULL, *preset = NULL, *val;
    double lower = NAN, upper = NAN, sigma = 0.5, ratio = 1.0;
    unsigned smooth_it = 0;
    tmesh_mesh_components_opts co = TMESH_MESH_COMPONENTS_OPTS_INIT;
    tmesh_mesh_write_opts wo = TMESH_MESH_WRITE_OPTS_INIT;
    int filter = 0, id;
    unsigned long long u;
    while ((id = cli_next(&p, &val)) != CLI_END) {
        int r = cli_dicom_opt(&da, id, val);
        if (r < 0)
            return CLI_EXIT_USAGE;
        if (r > 0)
            continue;
        switch (id) {
        case CLI_HELP:
            cli_print_help(&cmd_build_spec, stdout);
            return CLI_EXIT_OK;
        case CLI_BAD:
            return CLI_EXIT_USAGE;
        case OPT_OUT:
            out = val;
            break;
        case OPT_PRESET:
            preset = val;
            break;
        case OPT_LOWER:
            if (cli_parse_double("--lower", val, &lower) != 0)
                return CLI_EXIT_USAGE;
            break;
        case OPT_UPPER:
            if (cli_parse_double("--upper", val, &upper) != 0)
                return CLI_EXIT_USAGE;
            break;
        case OPT_SIGMA:
            if (cli_parse_double("--sigma", val, &sigma) != 0)
                return CLI_EXIT_USAGE;
            if (!(sigma >= 0 && sigma <= 50))
                return cli_usage_error(&cmd_build_spec,
                                       "invalid value '%s' for --sigma: expected 0 to 50 mm", val);
            break;
        case OPT_SMOOTH:
            if (cli_parse_uint("--smooth", val, 1000, &u) != 0)
                return CLI_EXIT_USAGE;
            smooth_it = (unsigned)u;
            break;
        case OPT_DECIMATE:
            if (cli_parse_double("--decimate", val, &ratio) != 0)
                return CLI_EXIT_USAGE;
            if (!(ratio > 0 && ratio <= 1))
                return cli_usage_error(&cmd_build_spec,
                                       "invalid value '%s' for --decimate: expected (0, 1]", val);
            break;
        case OPT_KEEP_LARGEST:
            co.keep_largest = 1;
            filter = 1;
            break;
        case OPT_MIN_AREA:
            if (cli_parse_double("--min-area", val, &co.min_area) != 0)
                return CLI_EXIT_USAGE;
            if (co.min_area < 0)
                return cli_usage_error(&cmd_build_spec,
                                       "invalid value '%s' for --min-area: expected >= 0", val);
            filter = 1;
            break;
        case OPT_RAS:
            wo.space = TMESH_MESH_SPACE_RAS;
            break;
        case CLI_POSITIONAL:
            if (dir != NULL)
                return cli_usage_error(&cmd_build_spec, "unexpected argument '%s'", val);
            dir = val;
            break;
        }
    }
    if (dir == NULL)
        return cli_usage_error(&cmd_build_spec, "missing DIR");
    if (out == NULL)
        return cli_usage_error(&cmd_build_spec, "missing -o OUT");
    if (tmesh_mesh_format_from_path(out) == TMESH_MESH_FORMAT_AUTO)
        return cli_usage_error(&cmd_build_spec,
                               "invalid value '%s' for -o: name must end in .stl .ply .obj .glb "
                               ".gltf .3mf .dae or .fbx",
                               out);
    if (preset != NULL && (!isnan(lower) || !isnan(upper)))
        return cli_usage_error(&cmd_build_spec, "--preset excludes --lower and --upper");
    if (isnan(lower) && !isnan(upper))
        return cli_usage_error(&cmd_build_spec, "--upper needs --lower");
    if (!isnan(upper) && upper < lower)
        return cli_usage_error(&cmd_build_spec, "--upper %g is below --lower %g", upper, lower);
    if (da.load.threads > 256)
        return cli_usage_error(&cmd_build_spec, "invalid value %u for --threads: at most 256",
                               da.load.threads);
    tmesh_error err = TMESH_ERROR_INIT;
    if (isnan(lower)) {
        const tmesh_seg_preset *ps = NULL;
        if (tmesh_seg_preset_find(&ps, preset ? preset : "bone", &err) != TMESH_OK) {
            cli_error("%s", err.msg);
            return CLI_EXIT_USAGE;
        }
        lower = ps->lower;
        upper = ps->upper >= 32767 ? NAN : ps->upper;
    }

    tmesh_dicom_index *idx = NULL;
    tmesh_volume *vol = NULL, *mask = NULL;
    tmesh_mesh *m = NULL;
    int rc = cli_dicom_load(dir, &da, &idx, &vol, NULL);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (isnan(upper)) {
        /* Open range: the isosurface of the HU values themselves, interpolated. */
        tmesh_mesh_iso_opts io = TMESH_MESH_ISO_OPTS_INIT;
        io.iso = lower;
        io.threads = da.load.threads;
        io.progress = cli_progress;
        if (tmesh_mesh_isosurface(&m, vol, &io, &err) != TMESH_OK)
            goto fail;
    } else {
        tmesh_seg_threshold_opts to = TMESH_SEG_THRESHOLD_OPTS_INIT;
        to.lower = lower;
        to.upper = upper;
        to.threads = da.load.threads;
        tmesh_mesh_label_opts lo = TMESH_MESH_LABEL_OPTS_INIT;
        lo.label = 1;
        lo.sigma = sigma;
        lo.threads = da.load.threads;
        lo.progress = cli_progress;
        if (tmesh_seg_threshold(&mask, vol, &to, &err) != TMESH_OK ||
            tmesh_mesh_from_labels(&m, mask, &lo, &err) != TMESH_OK)
            goto fail;
    }
    cli_progress_done();
    if (m->n_triangles == 0) {
        tmesh_error_set(&err, TMESH_E_DATA, "%s: no voxel in the range %g .. %g HU", dir, lower,
                        isnan(upper) ? INFINITY : upper);
        goto fail;
    }
    if (smooth_it > 0) {
        tmesh_mesh_smooth_opts so = TMESH_MESH_SMOOTH_OPTS_INIT;
        so.iterations = smooth_it;
        so.threads = da.load.threads;
        tmesh_mesh_smooth_report sr;
        if (tmesh_mesh_smooth(m, &so, &sr, &err) != TMESH_OK)
            goto fail;
        cli_note("smoothing changed the volume by %.3f%%", sr.volume_change_pct);
    }
    if (ratio < 1.0) {
        tmesh_mesh_decimate_opts dop = TMESH_MESH_DECIMATE_OPTS_INIT;
        dop.ratio = ratio;
        if (tmesh_mesh_decimate(m, &dop, NULL, &err) != TMESH_OK)
            goto fail;
    }
    if (filter && tmesh_mesh_filter_components(m, &co, NULL, &err) != TMESH_OK)
        goto fail;
    tmesh_mesh_report r;
    if (tmesh_mesh_check(&r, m, NULL, &err) != TMESH_OK)
        goto fail;
    if (!r.ok)
        cli_warn("%s: mesh fails checks (watertight %s, manifold %s, outward %s); see "
                 "'tracemesh check'",
                 out, r.watertight ? "yes" : "no", r.manifold ? "yes" : "no",
                 r.outward ? "yes" : "no");
    if (tmesh_mesh_write(m, out, &wo, &err) != TMESH_OK)
        goto fail;
    printf("%s: %zu vertices, %zu triangles, %zu components, area %.1f mm2, volume %.3f ml, "
           "%s\n",
           out, r.n_vertices, r.n_triangles, r.n_components, r.area_mm2, r.volume_ml,
           r.ok ? "closed" : "NOT CLEAN");
    goto done;
fail:
    cli_progress_done();
    rc = cli_fail(&err);
done:
    tmesh_mesh_free(m);
    tmesh_volume_free(mask);
    tmesh_volume_free(vol);
    tmesh_dicom_index_free(idx);
    return rc;
}
