/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tracemesh info: load one series and print its geometry (matrix, spacing, origin, bounds in
 * patient LPS mm), its value range and a summary of its source manifest.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <math.h>
#include <string.h>

enum { OPT_JSON = 1, OPT_MANIFEST };

static const cli_opt info_opts[] = {
    {OPT_JSON, "json", 0, NULL, "print JSON instead of text"},
    {OPT_MANIFEST, "manifest", 0, NULL, "print the full source manifest (canonical JSON)"},
    CLI_DICOM_OPTS,
    {0, NULL, 0, NULL, NULL},
};

const cli_cmd_spec cmd_info_spec = {
    "info", "DIR [--series N] [--json] [--manifest] [load options]",
    "Load a series and print its geometry, value range and source manifest summary.",
    "Geometry is in patient LPS millimetres: the matrix maps a voxel index (i, j, k) to\n"
    "(L, P, S). Values are physical (CT: HU). The manifest hash is the SHA-256 of the\n"
    "canonical manifest, which lists every file with its own SHA-256.",
    info_opts};

static void bounds(const tmesh_volume *v, double lo[3], double hi[3])
{
    for (int a = 0; a < 3; a++) {
        lo[a] = INFINITY;
        hi[a] = -INFINITY;
    }
    for (int c = 0; c < 8; c++) {
        double ijk[3] = {(c & 1) ? (double)v->dim[0] - 1 : 0, (c & 2) ? (double)v->dim[1] - 1 : 0,
                         (c & 4) ? (double)v->dim[2] - 1 : 0};
        double p[3];
        tmesh_volume_index_to_lps(v, ijk, p);
        for (int a = 0; a < 3; a++) {
            lo[a] = fmin(lo[a], p[a]);
            hi[a] = fmax(hi[a], p[a]);
        }
    }
}

int cmd_info(int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, &cmd_info_spec, argc, argv);
    cli_dicom_args da;
    cli_dicom_args_init(&da);
    int json = 0, manifest = 0, id;
    const char *dir = NULL, *val;
    while ((id = cli_next(&p, &val)) != CLI_END) {
        int r = cli_dicom_opt(&da, id, val);
        if (r < 0)
            return CLI_EXIT_USAGE;
        if (r > 0)
            continue;
        switch (id) {
        case CLI_HELP: cli_print_help(&cmd_info_spec, stdout); return CLI_EXIT_OK;
        case CLI_BAD: return CLI_EXIT_USAGE;
        case OPT_JSON: json = 1; break;
        case OPT_MANIFEST: manifest = 1; break;
        case CLI_POSITIONAL:
            if (dir != NULL)
                return cli_usage_error(&cmd_info_spec, "unexpected argument '%s'", val);
            dir = val;
            break;
        }
    }
    if (dir == NULL)
        return cli_usage_error(&cmd_info_spec, "missing DIR");
    tmesh_dicom_index *idx = NULL;
    tmesh_volume *vol = NULL;
    tmesh_dicom_manifest *man = NULL;
    int rc = cli_dicom_load(dir, &da, &idx, &vol, &man);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (manifest) {
        printf("%s\n", man->json);
        goto done;
    }
    const tmesh_dicom_series_info *s = tmesh_dicom_index_series(idx, (size_t)(da.series - 1));
    double sp[3], lo[3], hi[3], vmin, vmax;
    tmesh_volume_spacing(vol, sp);
    bounds(vol, lo, hi);
    tmesh_volume_range(vol, &vmin, &vmax);
    uint8_t d[32];
    char mhash[65];
    tmesh_sha256_buf(man->json, strlen(man->json), d);
    tmesh_sha256_hex(d, mhash);
    double (*m)[4] = vol->ijk_to_lps;
    double det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
                 m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
                 m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    if (json) {
        printf("{\"series\":%llu,\"modality\":", da.series);
        cli_json_string(stdout, s->modality);
        printf(",\"dim\":[%zu,%zu,%zu],\"type\":\"%s\",\"spacing\":[%.6f,%.6f,%.6f]", vol->dim[0],
               vol->dim[1], vol->dim[2], tmesh_voxel_type_name(vol->type), sp[0], sp[1], sp[2]);
        printf(",\"ijk_to_lps\":[");
        for (int r = 0; r < 4; r++)
            printf("%s[%.9g,%.9g,%.9g,%.9g]", r ? "," : "", m[r][0], m[r][1], m[r][2], m[r][3]);
        printf("],\"origin\":[%.6f,%.6f,%.6f]", m[0][3], m[1][3], m[2][3]);
        printf(",\"bounds_min\":[%.6f,%.6f,%.6f],\"bounds_max\":[%.6f,%.6f,%.6f]", lo[0], lo[1],
               lo[2], hi[0], hi[1], hi[2]);
        printf(",\"determinant\":%.9g,\"value_min\":%.6g,\"value_max\":%.6g", det, vmin, vmax);
        printf(",\"orientation\":");
        cli_json_string(stdout, s->orientation);
        printf(",\"files\":%zu,\"slices\":%zu,\"manifest_sha256\":\"%s\",\"series_uid\":",
               s->n_files, man->n_sources, mhash);
        cli_json_string(stdout, man->series_uid);
        printf(",\"frame_of_reference_uid\":");
        cli_json_string(stdout, man->frame_of_reference_uid);
        printf(",\"warnings\":");
        cli_json_string(stdout, s->warning_text);
        printf("}\n");
    } else {
        printf("series        %llu: %s %s (%s)\n", da.series, s->modality,
               s->description[0] ? s->description : "-", s->orientation);
        printf("dimensions    %zu x %zu x %zu (%s)\n", vol->dim[0], vol->dim[1], vol->dim[2],
               tmesh_voxel_type_name(vol->type));
        printf("spacing       %.6f x %.6f x %.6f mm\n", sp[0], sp[1], sp[2]);
        printf("origin        %.4f %.4f %.4f mm (LPS, centre of voxel 0,0,0)\n", m[0][3], m[1][3],
               m[2][3]);
        printf("ijk_to_lps    ");
        for (int r = 0; r < 4; r++)
            printf("%s[%10.6f %10.6f %10.6f %12.6f]\n", r ? "              " : "", m[r][0],
                   m[r][1], m[r][2], m[r][3]);
        printf("determinant   %.6f%s\n", det, det < 0 ? " (left-handed index order, kept)" : "");
        printf("bounds        L %.2f..%.2f  P %.2f..%.2f  S %.2f..%.2f mm (voxel centres)\n",
               lo[0], hi[0], lo[1], hi[1], lo[2], hi[2]);
        printf("values        %.6g .. %.6g%s\n", vmin, vmax,
               strcmp(s->modality, "CT") == 0 ? " HU" : "");
        printf("manifest      %zu slices from %zu files, sha256 %s\n", man->n_sources,
               s->n_files, mhash);
        printf("first file    %s\n", man->sources[0].path);
        printf("last file     %s\n", man->sources[man->n_sources - 1].path);
        printf("warnings      %s\n", s->warning_text[0] ? s->warning_text : "none");
    }
done:
    tmesh_dicom_manifest_free(man);
    tmesh_volume_free(vol);
    tmesh_dicom_index_free(idx);
    return CLI_EXIT_OK;
}
