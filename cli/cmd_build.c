/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tracemesh build: a DICOM folder to a finished mesh in one command. Loads one series, selects
 * a tissue by CT preset, HU range or segmentation recipe, meshes it, optionally smooths,
 * decimates and keeps the largest pieces, checks the result and writes it. With --name the
 * same pipeline runs into the store and publishes the next version of the asset.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "cli_build.h"
#include "cli_store.h"

#include <stddef.h>

enum { OPT_OUT = 1, OPT_RAS };

static const cli_opt build_opts[] = {
    {OPT_OUT, "output", 'o', "FILE",
     "output mesh: .stl .ply .obj .glb .gltf .3mf .dae .fbx (required)"},
    CLI_BUILD_RANGE_OPTS,
    CLI_MESH_POST_OPTS,
    {OPT_RAS, "ras", 0, NULL, "write RAS coordinates instead of LPS"},
    CLI_PUBLISH_OPTS("the mesh as the next version of ASSET"),
    CLI_DICOM_OPTS,
    {0, NULL, 0, NULL, NULL},
};

const cli_cmd_spec cmd_build_spec = {
    "build",
    "DIR [--series N] [--preset NAME | --lower HU [--upper HU] | --recipe FILE] "
    "[--name ASSET] -o OUT.stl",
    "Turn a DICOM series into a finished surface mesh in one step.",
    "A range open at the top (bone, skin, teeth, or --lower alone) is meshed directly from the\n"
    "HU values at the lower bound, with sub-voxel accuracy. A closed range, or the labels of a\n"
    "recipe, is meshed from its mask, smoothed with --sigma. Coordinates are patient mm, LPS\n"
    "unless --ras. The result is checked; a warning is printed when it is not closed, manifold\n"
    "and outward. With --name ASSET the source manifest, volume, labels and every mesh step are\n"
    "stored with their derivations and the mesh is published as ASSET@N (printed with its\n"
    "hash); the file written is recorded as an export of that version, so 'tracemesh trace'\n"
    "finds it. 'tracemesh export' writes a copy that also carries the provenance inside.",
    build_opts};

int cmd_build(int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, &cmd_build_spec, argc, argv);
    cli_dicom_args da;
    cli_dicom_args_init(&da);
    cli_build_params bp;
    cli_build_params_init(&bp);
    tmesh_mesh_write_opts wo = TMESH_MESH_WRITE_OPTS_INIT;
    cli_publish_args pa = CLI_PUBLISH_ARGS_INIT;
    const char *dir = NULL, *out = NULL, *val;
    int id;
    while ((id = cli_next(&p, &val)) != CLI_END) {
        int r = cli_dicom_opt(&da, id, val);
        if (r == 0)
            r = cli_build_opt(&cmd_build_spec, &bp, id, val);
        if (r == 0)
            r = cli_publish_opt(&pa, id, val);
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
    int rc = cli_build_check_output(&cmd_build_spec, out);
    if (rc == CLI_EXIT_OK)
        rc = cli_build_params_resolve(&cmd_build_spec, &bp);
    if (rc == CLI_EXIT_OK)
        rc = cli_publish_check(&cmd_build_spec, &pa, 0);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (da.load.threads > 256)
        return cli_usage_error(&cmd_build_spec, "invalid value %u for --threads: at most 256",
                               da.load.threads);
    if (pa.name != NULL) {
        /* Find the store before loading anything. */
        tmesh_store *s = NULL;
        rc = cli_store_open(pa.store, &s);
        tmesh_store_close(s);
        if (rc != CLI_EXIT_OK)
            return rc;
        return cli_store_build_named(pa.name, pa.store, &pa.po, dir, &da, &bp, out, &wo);
    }
    tmesh_mesh *m = NULL;
    rc = cli_store_build(NULL, dir, &da, &bp, NULL, &m);
    if (rc == CLI_EXIT_OK) {
        tmesh_mesh_report r;
        rc = cli_build_write(m, out, &wo, &r);
        if (rc == CLI_EXIT_OK)
            cli_build_summary(out, &r);
    }
    tmesh_mesh_free(m);
    return rc;
}
