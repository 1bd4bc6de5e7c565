/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tracemesh check: read a mesh file and report its topology and geometry (watertight,
 * manifold, orientation, components, genus, area, volume, bounding box). A failing check is
 * reported and sets the exit code; nothing is fixed.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "tracemesh/mesh.h"

enum { OPT_JSON = 1, OPT_SELF };

static const cli_opt check_opts[] = {
    {OPT_JSON, "json", 0, NULL, "print the report as JSON (sorted keys)"},
    {OPT_SELF, "self-intersections", 0, NULL, "also count intersecting triangle pairs (slower)"},
    {0, NULL, 0, NULL, NULL},
};

const cli_cmd_spec cmd_check_spec = {
    "check", "MESH [--json] [--self-intersections]",
    "Check that a mesh is closed, manifold and outward; report area and volume.",
    "Reads STL, PLY, OBJ, glTF/GLB and the other formats assimp reads (identical vertices are\n"
    "joined). Areas are mm2 and volumes ml when the file is in millimetres. A file written\n"
    "with --ras is read back in LPS. Exit code 0 when every check passes, 3 when one fails.",
    check_opts};

int cmd_check(int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, &cmd_check_spec, argc, argv);
    const char *path = NULL, *val;
    int json = 0, id;
    tmesh_mesh_check_opts co = TMESH_MESH_CHECK_OPTS_INIT;
    while ((id = cli_next(&p, &val)) != CLI_END) {
        switch (id) {
        case CLI_HELP:
            cli_print_help(&cmd_check_spec, stdout);
            return CLI_EXIT_OK;
        case CLI_BAD:
            return CLI_EXIT_USAGE;
        case OPT_JSON:
            json = 1;
            break;
        case OPT_SELF:
            co.self_intersections = 1;
            break;
        case CLI_POSITIONAL:
            if (path != NULL)
                return cli_usage_error(&cmd_check_spec, "unexpected argument '%s'", val);
            path = val;
            break;
        }
    }
    if (path == NULL)
        return cli_usage_error(&cmd_check_spec, "missing MESH");
    tmesh_error err = TMESH_ERROR_INIT;
    tmesh_mesh *m = NULL;
    tmesh_mesh_report r;
    if (tmesh_mesh_read(&m, path, &err) != TMESH_OK ||
        tmesh_mesh_check(&r, m, &co, &err) != TMESH_OK) {
        tmesh_mesh_free(m);
        return cli_fail(&err);
    }
    tmesh_mesh_free(m);
    char buf[4096];
    tmesh_mesh_report_format(buf, sizeof buf, &r, json);
    fputs(buf, stdout);
    if (!r.ok) {
        cli_error("%s: mesh fails checks (watertight %s, manifold %s, oriented %s, outward %s)",
                  path, r.watertight ? "yes" : "no", r.manifold ? "yes" : "no",
                  r.oriented ? "yes" : "no", r.outward ? "yes" : "no");
        return CLI_EXIT_DATA;
    }
    return CLI_EXIT_OK;
}
