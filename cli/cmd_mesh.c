/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tracemesh mesh: a label volume (or, with --iso, an intensity volume) in NIfTI -> a closed,
 * outward-oriented surface mesh in patient millimetres, optionally smoothed, decimated and
 * reduced to its largest pieces, written as STL, PLY, OBJ, glTF/GLB, 3MF, Collada or FBX.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "cli_build.h"
#include "cli_store.h"
#include "tracemesh/mesh.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum {
    OPT_OUT = 1,
    OPT_LABEL,
    OPT_METHOD,
    OPT_ISO,
    OPT_SIGMA,
    OPT_RAS,
    OPT_THREADS,
    OPT_ALL_LABELS
};

static const cli_opt mesh_opts[] = {
    {OPT_OUT, "output", 'o', "FILE",
     "output mesh: .stl .ply .obj .glb .gltf .3mf .dae .fbx (required)"},
    {OPT_LABEL, "label", 'l', "N", "label to extract, 1..65535 (default: every non-zero label)"},
    {OPT_ALL_LABELS, "all-labels", 0, NULL,
     "one closed surface per label, written as objects label_N"},
    {OPT_METHOD, "method", 'm', "mc|nets", "marching cubes (default) or SurfaceNets"},
    {OPT_ISO, "iso", 0, "V", "intensity volume: extract the surface value >= V instead"},
    {OPT_SIGMA, "sigma", 0, "MM", "Gaussian smoothing of the label mask, mm (default 0)"},
    CLI_MESH_POST_OPTS,
    {OPT_RAS, "ras", 0, NULL, "write RAS coordinates (x and y negated) instead of LPS"},
    {OPT_THREADS, "threads", 'j', "N", "threads, 0 = one per core (default 0)"},
    CLI_PUBLISH_OPTS("the mesh as the next version of ASSET"),
    {0, NULL, 0, NULL, NULL},
};

const cli_cmd_spec cmd_mesh_spec = {
    "mesh",
    "VOLUME.nii[.gz]|LABELS@V [--label N] [--method mc|nets] [--iso V] [--name ASSET] -o OUT.stl",
    "Turn a label (or intensity) volume into a closed surface mesh.",
    "Coordinates are patient millimetres, LPS unless --ras; the file records units and frame.\n"
    "The surface is closed where a label touches the volume border, and triangles face\n"
    "outward also for mirrored (negative-determinant) volumes. Output is identical at any\n"
    "--threads. Steps run in this order: extract, smooth, decimate, filter pieces, check.\n"
    "A warning is printed when the result is not watertight, manifold and outward.\n"
    "--all-labels with --method nets meshes all labels together, so touching labels share\n"
    "their boundary exactly; with mc each label is meshed alone (--sigma allowed).\n"
    "LABELS@V meshes a label asset of the store ('tracemesh segment --name'). With --name ASSET\n"
    "the labels must come from the store (LABELS@V, or a NIfTI file that 'segment --name'\n"
    "wrote, found by its SHA-256) so that the chain reaches the DICOM files: the mesh and each\n"
    "post-processing step are stored with their derivations and published as ASSET@N.",
    mesh_opts};

/* Labels stored as i16 or f32 (NIfTI scaling) are accepted when every value is a whole number
 * from 0 to 65535. */
static tmesh_status to_labels(tmesh_volume **out, const tmesh_volume *v, tmesh_error *err)
{
    tmesh_status rc = tmesh_volume_new(out, v->dim, TMESH_VOXEL_U16, err);
    if (rc != TMESH_OK)
        return rc;
    memcpy((*out)->ijk_to_lps, v->ijk_to_lps, sizeof v->ijk_to_lps);
    size_t n = tmesh_volume_count(v);
    for (size_t i = 0; i < n; i++) {
        double x = tmesh_volume_get(v, i % v->dim[0], (i / v->dim[0]) % v->dim[1],
                                    i / (v->dim[0] * v->dim[1]));
        if (!(x >= 0 && x <= 65535 && x == floor(x))) {
            tmesh_volume_free(*out);
            *out = NULL;
            return tmesh_error_set(err, TMESH_E_DATA,
                                   "sample %zu is %g: not a label (use --iso for intensities)", i,
                                   x);
        }
        ((uint16_t *)(*out)->data)[i] = (uint16_t)x;
    }
    return TMESH_OK;
}

/* The label volume of a label asset: `in` is LABELS[@V], or a NIfTI file recorded as written
 * from one ('segment --name'), found by its SHA-256. */
static tmesh_status stored_labels(tmesh_store *s, const char *in, tmesh_volume **out,
                                  char h_lab[65], tmesh_error *err)
{
    tmesh_store_version v;
    tmesh_status st;
    if (cli_ends_with(in, ".nii") || cli_ends_with(in, ".nii.gz")) {
        char fh[65];
        tmesh_store_export ex;
        if ((st = cli_store_hash_file(in, fh, err)) != TMESH_OK)
            return st;
        if (tmesh_store_export_find(&ex, s, fh, NULL) != TMESH_OK)
            return tmesh_error_set(err, TMESH_E_ARG,
                                   "%s: not a label volume of the store (no 'segment --name' "
                                   "wrote these bytes); give LABELS@V, or build from DICOM "
                                   "with 'tracemesh build --name'",
                                   in);
        st = tmesh_store_version_get(&v, s, ex.asset, ex.version, err);
    } else {
        char an[TMESH_STORE_NAME_MAX + 1];
        int ver = 0;
        if (tmesh_store_ref_parse(in, an, &ver, NULL) != TMESH_OK)
            return tmesh_error_set(
                err, TMESH_E_ARG, "%s: neither a .nii/.nii.gz file nor a label asset NAME[@V]", in);
        st = tmesh_store_version_get(&v, s, an, ver, err);
    }
    if (st != TMESH_OK)
        return st;
    tmesh_store_kind k = 0;
    tmesh_store_object_kind(&k, s, v.mesh, NULL);
    if (k != TMESH_STORE_LABELS)
        return tmesh_error_set(err, TMESH_E_ARG, "%s@%d is a mesh asset, not a label volume",
                               v.asset, v.version);
    memcpy(h_lab, v.mesh, 65);
    return tmesh_store_get_volume(out, s, v.mesh, err);
}

int cmd_mesh(int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, &cmd_mesh_spec, argc, argv);
    const char *in = NULL, *out = NULL, *val;
    tmesh_mesh_label_opts lo = TMESH_MESH_LABEL_OPTS_INIT;
    tmesh_mesh_iso_opts io = TMESH_MESH_ISO_OPTS_INIT;
    cli_build_params bp;
    cli_build_params_init(&bp);
    tmesh_mesh_write_opts wo = TMESH_MESH_WRITE_OPTS_INIT;
    int use_iso = 0, all_labels = 0;
    cli_publish_args pa = CLI_PUBLISH_ARGS_INIT;
    unsigned long long u;
    int id;
    while ((id = cli_next(&p, &val)) != CLI_END) {
        int r = cli_build_opt(&cmd_mesh_spec, &bp, id, val);
        if (r == 0)
            r = cli_publish_opt(&pa, id, val);
        if (r < 0)
            return CLI_EXIT_USAGE;
        if (r > 0)
            continue;
        switch (id) {
        case CLI_HELP:
            cli_print_help(&cmd_mesh_spec, stdout);
            return CLI_EXIT_OK;
        case CLI_BAD:
            return CLI_EXIT_USAGE;
        case OPT_OUT:
            out = val;
            break;
        case OPT_LABEL:
            if (cli_parse_uint("--label", val, 65535, &u) != 0)
                return CLI_EXIT_USAGE;
            lo.label = (unsigned)u;
            break;
        case OPT_METHOD:
            if (strcmp(val, "mc") == 0)
                lo.method = TMESH_MESH_METHOD_MC;
            else if (strcmp(val, "nets") == 0)
                lo.method = TMESH_MESH_METHOD_NETS;
            else
                return cli_usage_error(&cmd_mesh_spec,
                                       "invalid value '%s' for --method: expected mc or nets", val);
            break;
        case OPT_ISO:
            if (cli_parse_double("--iso", val, &io.iso) != 0)
                return CLI_EXIT_USAGE;
            use_iso = 1;
            break;
        case OPT_SIGMA:
            if (cli_parse_double("--sigma", val, &lo.sigma) != 0)
                return CLI_EXIT_USAGE;
            if (!(lo.sigma >= 0 && lo.sigma <= 50))
                return cli_usage_error(&cmd_mesh_spec,
                                       "invalid value '%s' for --sigma: expected 0 to 50 mm", val);
            break;
        case OPT_RAS:
            wo.space = TMESH_MESH_SPACE_RAS;
            break;
        case OPT_ALL_LABELS:
            all_labels = 1;
            break;
        case OPT_THREADS:
            if (cli_parse_uint("--threads", val, 256, &u) != 0)
                return CLI_EXIT_USAGE;
            lo.threads = io.threads = (unsigned)u;
            break;
        case CLI_POSITIONAL:
            if (in != NULL)
                return cli_usage_error(&cmd_mesh_spec, "unexpected argument '%s'", val);
            in = val;
            break;
        }
    }
    if (in == NULL)
        return cli_usage_error(&cmd_mesh_spec, "missing VOLUME");
    if (out == NULL)
        return cli_usage_error(&cmd_mesh_spec, "missing -o OUT");
    if (cli_build_check_output(&cmd_mesh_spec, out) != CLI_EXIT_OK)
        return CLI_EXIT_USAGE;
    if (all_labels && (use_iso || lo.label != 0))
        return cli_usage_error(&cmd_mesh_spec, "--all-labels excludes --label and --iso");
    if (all_labels && lo.method == TMESH_MESH_METHOD_NETS && lo.sigma != 0)
        return cli_usage_error(&cmd_mesh_spec,
                               "--all-labels --method nets takes no --sigma (use --method mc)");
    if (use_iso && (lo.label != 0 || lo.sigma != 0 || lo.method != TMESH_MESH_METHOD_MC))
        return cli_usage_error(&cmd_mesh_spec,
                               "--iso extracts intensities: --label, --sigma and --method nets "
                               "apply to label volumes only");
    int from_store = !cli_ends_with(in, ".nii") && !cli_ends_with(in, ".nii.gz");
    if (cli_publish_check(&cmd_mesh_spec, &pa, from_store) != CLI_EXIT_OK)
        return CLI_EXIT_USAGE;
    if (pa.name != NULL && use_iso)
        return cli_usage_error(&cmd_mesh_spec,
                               "--iso meshes intensities; --name needs stored labels");

    tmesh_error err = TMESH_ERROR_INIT;
    tmesh_volume *vol = NULL, *lab = NULL;
    tmesh_mesh *m = NULL;
    int rc = CLI_EXIT_OK;
    lo.progress = io.progress = cli_progress;
    tmesh_store *store = NULL;
    char h_lab[65] = "";
    if (pa.name != NULL || from_store) {
        rc = cli_store_open(pa.store, &store);
        if (rc != CLI_EXIT_OK)
            return rc;
        if (stored_labels(store, in, &vol, h_lab, &err) != TMESH_OK)
            goto fail;
    } else if (tmesh_volume_read_nifti(&vol, in, &err) != TMESH_OK) {
        goto fail;
    }
    if (use_iso) {
        if (tmesh_mesh_isosurface(&m, vol, &io, &err) != TMESH_OK)
            goto fail;
    } else {
        const tmesh_volume *src = vol;
        if (vol->type != TMESH_VOXEL_U8 && vol->type != TMESH_VOXEL_U16) {
            if (to_labels(&lab, vol, &err) != TMESH_OK) {
                tmesh_error_context(&err, "%s", in);
                goto fail;
            }
            src = lab;
        }
        tmesh_status st = all_labels ? tmesh_mesh_from_labels_all(&m, src, &lo, &err)
                                     : tmesh_mesh_from_labels(&m, src, &lo, &err);
        if (st != TMESH_OK)
            goto fail;
    }
    cli_progress_done();
    if (m->n_triangles == 0) {
        if (use_iso)
            tmesh_error_set(&err, TMESH_E_DATA, "%s: no sample is >= %g", in, io.iso);
        else if (lo.label)
            tmesh_error_set(&err, TMESH_E_DATA, "%s: label %u does not occur", in, lo.label);
        else
            tmesh_error_set(&err, TMESH_E_DATA, "%s: every label is 0", in);
        goto fail;
    }
    tmesh_mesh_report r;
    if (pa.name != NULL) {
        /* The recorded parameters replay the extraction exactly (threads do not matter). */
        char params[256];
        const char *meth = lo.method == TMESH_MESH_METHOD_NETS ? "nets" : "mc";
        if (all_labels)
            snprintf(params, sizeof params, "{\"method\":\"%s\",\"sigma\":%.17g}", meth, lo.sigma);
        else
            snprintf(params, sizeof params, "{\"label\":%u,\"method\":\"%s\",\"sigma\":%.17g}",
                     lo.label, meth, lo.sigma);
        int version = 0;
        tmesh_store_version v;
        rc = cli_store_publish_mesh(store, pa.name, &pa.po, m,
                                    all_labels ? "mesh-all-labels" : "mesh-labels", params, h_lab,
                                    &bp.post, lo.threads, &version);
        if (rc == CLI_EXIT_OK)
            rc = cli_build_write(m, out, &wo, &r);
        if (rc == CLI_EXIT_OK &&
            (tmesh_store_version_get(&v, store, pa.name, version, &err) != TMESH_OK ||
             cli_store_record_file(store, &v, out, &err) != TMESH_OK))
            goto fail;
    } else {
        if (cli_mesh_postprocess(m, &bp.post, lo.threads, NULL, NULL, &err) != TMESH_OK)
            goto fail;
        rc = cli_build_write(m, out, &wo, &r);
    }
    if (rc == CLI_EXIT_OK)
        cli_build_summary(out, &r);
    goto done;
fail:
    cli_progress_done();
    rc = cli_fail(&err);
done:
    tmesh_mesh_free(m);
    tmesh_volume_free(lab);
    tmesh_volume_free(vol);
    tmesh_store_close(store);
    return rc;
}
