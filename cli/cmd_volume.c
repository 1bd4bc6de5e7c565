/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tracemesh volume: load one series and write it as NIfTI-1 (qform and sform in RAS, as NIfTI
 * requires), for ITK-SNAP, 3D Slicer and nibabel.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <string.h>

enum { OPT_OUT = 1, OPT_MANIFEST_OUT };

static const cli_opt volume_opts[] = {
    {OPT_OUT, "output", 'o', "FILE", "output file, .nii or .nii.gz (required)"},
    {OPT_MANIFEST_OUT, "manifest", 0, "FILE", "also write the source manifest (JSON) here"},
    CLI_DICOM_OPTS,
    {0, NULL, 0, NULL, NULL},
};

const cli_cmd_spec cmd_volume_spec = {
    "volume", "DIR [--series N] -o OUT.nii.gz [load options]",
    "Export a series as a NIfTI-1 volume with its patient geometry.",
    "The volume keeps physical values (CT: HU). NIfTI is RAS: the LPS matrix is converted.\n"
    "A gantry-tilted series kept as a sheared matrix has an sform only (a qform cannot hold\n"
    "a shear); use --tilt resample for an orthogonal grid.",
    volume_opts};

int cmd_volume(int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, &cmd_volume_spec, argc, argv);
    cli_dicom_args da;
    cli_dicom_args_init(&da);
    int id;
    const char *dir = NULL, *out = NULL, *man_out = NULL, *val;
    while ((id = cli_next(&p, &val)) != CLI_END) {
        int r = cli_dicom_opt(&da, id, val);
        if (r < 0)
            return CLI_EXIT_USAGE;
        if (r > 0)
            continue;
        switch (id) {
        case CLI_HELP: cli_print_help(&cmd_volume_spec, stdout); return CLI_EXIT_OK;
        case CLI_BAD: return CLI_EXIT_USAGE;
        case OPT_OUT: out = val; break;
        case OPT_MANIFEST_OUT: man_out = val; break;
        case CLI_POSITIONAL:
            if (dir != NULL)
                return cli_usage_error(&cmd_volume_spec, "unexpected argument '%s'", val);
            dir = val;
            break;
        }
    }
    if (dir == NULL)
        return cli_usage_error(&cmd_volume_spec, "missing DIR");
    if (out == NULL)
        return cli_usage_error(&cmd_volume_spec, "missing -o OUT.nii.gz");
    size_t ol = strlen(out);
    if (!(ol > 4 && strcmp(out + ol - 4, ".nii") == 0) &&
        !(ol > 7 && strcmp(out + ol - 7, ".nii.gz") == 0))
        return cli_usage_error(&cmd_volume_spec, "invalid value '%s' for -o: name must end in "
                               ".nii or .nii.gz", out);
    tmesh_dicom_index *idx = NULL;
    tmesh_volume *vol = NULL;
    tmesh_dicom_manifest *man = NULL;
    int rc = cli_dicom_load(dir, &da, &idx, &vol, &man);
    if (rc != CLI_EXIT_OK)
        return rc;
    tmesh_error err = TMESH_ERROR_INIT;
    if (tmesh_volume_write_nifti(vol, out, &err) == TMESH_OK && man_out != NULL)
        tmesh_fs_write_atomic(man_out, man->json, strlen(man->json), &err);
    if (err.code != TMESH_OK)
        rc = cli_fail(&err);
    else
        printf("%s: %zu x %zu x %zu %s, %zu slices from %s\n", out, vol->dim[0], vol->dim[1],
               vol->dim[2], tmesh_voxel_type_name(vol->type), man->n_sources, dir);
    tmesh_dicom_manifest_free(man);
    tmesh_volume_free(vol);
    tmesh_dicom_index_free(idx);
    return rc;
}
