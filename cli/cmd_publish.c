/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tracemesh publish: add the next version of a named asset. The mesh comes either from a DICOM
 * series run through the build pipeline (every intermediate object and derivation is stored) or
 * from a mesh file (a hand edit: the file is stored as it is, and its derivation names the
 * parent version's mesh as its base).
 */
#define _POSIX_C_SOURCE 200809L
#include "cli_store.h"

#include "tracemesh/mesh.h"
#include "tracemesh/segment.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_FROM = 1, OPT_DICOM, OPT_PARENT, OPT_NO_PARENT, OPT_NOTE };

static const cli_opt publish_opts[] = {
    {OPT_FROM, "from", 0, "FILE", "publish a mesh file (.stl .obj .ply ...), e.g. a hand edit"},
    {OPT_DICOM, "dicom", 0, "DIR", "build the mesh from a DICOM series (as 'tracemesh build')"},
    {OPT_PARENT, "parent", 0, "NAME@V", "version this one replaces (default: the latest)"},
    {OPT_NO_PARENT, "no-parent", 0, NULL, "record no parent"},
    {OPT_NOTE, "note", 0, "TEXT", "why this version exists"},
    CLI_BUILD_RANGE_OPTS,
    CLI_MESH_POST_OPTS,
    CLI_STORE_OPT,
    CLI_DICOM_OPTS,
    {0, NULL, 0, NULL, NULL},
};

const cli_cmd_spec cmd_publish_spec = {
    "publish", "NAME (--from FILE | --dicom DIR [build options]) [--parent NAME@V] [--note TEXT]",
    "Publish the next version of an asset from a mesh file or a DICOM series.",
    "Versions are numbered 1, 2, 3... and never change; a correction is a new version.\n"
    "Names use A-Z a-z 0-9 . _ - (at most 64, starting with a letter or digit, no '..').\n"
    "The build options (--preset ... --min-area) and the series options apply to --dicom.\n"
    "With --dicom every intermediate (source manifest, volume, labels, meshes) is stored with\n"
    "its derivation, so 'tracemesh verify' can replay it from the DICOM files. With --from\n"
    "the file is stored byte for byte; when the version has a parent the derivation is a hand\n"
    "edit of the parent's mesh. Prints NAME@VERSION and the mesh SHA-256.",
    publish_opts};

/* Lowercase extension of a path, or "" */
static void extension(const char *path, char *out, size_t cap)
{
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
    out[0] = '\0';
    if (dot == NULL || (slash && dot < slash) || strlen(dot + 1) >= cap)
        return;
    size_t i = 0;
    for (const char *c = dot + 1; *c; c++)
        out[i++] = (char)tolower((unsigned char)*c);
    out[i] = '\0';
}

int cmd_publish(int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, &cmd_publish_spec, argc, argv);
    cli_dicom_args da;
    cli_dicom_args_init(&da);
    da.load.progress = NULL;
    const char *name = NULL, *from = NULL, *dicom = NULL, *store_opt = NULL, *val;
    tmesh_store_publish_opts po = TMESH_STORE_PUBLISH_OPTS_INIT;
    char parent_ref[TMESH_STORE_NAME_MAX + 16];
    cli_build_params bp;
    cli_build_params_init(&bp);
    int id, build_opt = 0;
    while ((id = cli_next(&p, &val)) != CLI_END) {
        int r = cli_dicom_opt(&da, id, val);
        if (r == 0)
            r = cli_build_opt(&cmd_publish_spec, &bp, id, val);
        if (r < 0)
            return CLI_EXIT_USAGE;
        if (r > 0) {
            build_opt = 1;
            continue;
        }
        switch (id) {
        case CLI_HELP:
            cli_print_help(&cmd_publish_spec, stdout);
            return CLI_EXIT_OK;
        case CLI_BAD:
            return CLI_EXIT_USAGE;
        case CLI_OPT_STORE:
            store_opt = val;
            break;
        case OPT_FROM:
            from = val;
            break;
        case OPT_DICOM:
            dicom = val;
            break;
        case OPT_PARENT:
            po.parent = val;
            break;
        case OPT_NO_PARENT:
            po.no_parent = 1;
            break;
        case OPT_NOTE:
            po.note = val;
            break;
        case CLI_POSITIONAL:
            if (name != NULL)
                return cli_usage_error(&cmd_publish_spec, "unexpected argument '%s'", val);
            name = val;
            break;
        }
    }
    tmesh_error err = TMESH_ERROR_INIT;
    if (name == NULL)
        return cli_usage_error(&cmd_publish_spec, "missing NAME");
    if (tmesh_store_name_check(name, &err) != TMESH_OK)
        return cli_usage_error(&cmd_publish_spec, "%s", err.msg);
    if ((from == NULL) == (dicom == NULL))
        return cli_usage_error(&cmd_publish_spec,
                               "give exactly one of --from FILE and --dicom DIR");
    if (from && build_opt)
        return cli_usage_error(&cmd_publish_spec, "build options need --dicom, not --from");
    if (po.parent && po.no_parent)
        return cli_usage_error(&cmd_publish_spec, "--parent excludes --no-parent");
    if (po.parent) {
        char pn[TMESH_STORE_NAME_MAX + 1];
        int pv;
        if (tmesh_store_ref_parse(po.parent, pn, &pv, &err) != TMESH_OK)
            return cli_usage_error(&cmd_publish_spec, "invalid value for --parent: %s", err.msg);
    }
    if (dicom) {
        int rc = cli_build_params_resolve(&cmd_publish_spec, &bp);
        if (rc != CLI_EXIT_OK)
            return rc;
    }
    if (dicom)
        return cli_store_publish_build(name, store_opt, &po, dicom, &da, &bp, NULL, NULL);
    tmesh_store *s = NULL;
    int rc = cli_store_open(store_opt, &s);
    if (rc != CLI_EXIT_OK)
        return rc;
    char mesh[65], dh[65];
    {
        char ext[16], fh[65];
        extension(from, ext, sizeof ext);
        if (tmesh_mesh_format_from_path(from) == TMESH_MESH_FORMAT_AUTO) {
            rc = cli_usage_error(&cmd_publish_spec,
                                 "invalid value '%s' for --from: name must end in .stl .ply .obj "
                                 ".glb .gltf .3mf .dae or .fbx",
                                 from);
            goto done;
        }
        uint8_t *bytes = NULL;
        size_t len = 0;
        tmesh_mesh *m = NULL;
        if (tmesh_fs_read_all(from, &bytes, &len, &err) != TMESH_OK ||
            tmesh_mesh_read(&m, from, &err) != TMESH_OK ||
            tmesh_store_put(s, TMESH_STORE_FILE, bytes, len, fh, &err) != TMESH_OK ||
            tmesh_store_put_mesh(s, m, mesh, &err) != TMESH_OK) {
            free(bytes);
            tmesh_mesh_free(m);
            rc = cli_fail(&err);
            goto done;
        }
        free(bytes);
        tmesh_mesh_free(m);
        /* The base of a hand edit is the mesh of the version it replaces. */
        char base[65] = "";
        if (!po.no_parent) {
            tmesh_store_version pv;
            char pn[TMESH_STORE_NAME_MAX + 1];
            int pver = 0;
            tmesh_status st = TMESH_OK;
            if (po.parent) {
                tmesh_store_ref_parse(po.parent, pn, &pver, NULL);
                st = tmesh_store_version_get(&pv, s, pn, pver, &err);
            } else {
                st = tmesh_store_version_get(&pv, s, name, 0, &err);
                if (st == TMESH_E_NOTFOUND) {
                    tmesh_error_clear(&err);
                    st = TMESH_OK;
                    pv.mesh[0] = '\0';
                }
            }
            if (st != TMESH_OK) {
                rc = cli_fail(&err);
                goto done;
            }
            snprintf(base, sizeof base, "%s", pv.mesh);
            /* Record as parent exactly the version whose mesh was the base, even when another
             * process publishes meanwhile. */
            if (base[0]) {
                snprintf(parent_ref, sizeof parent_ref, "%s@%d", pv.asset, pv.version);
                po.parent = parent_ref;
            }
        }
        char params[64];
        snprintf(params, sizeof params, "{\"format\":\"%s\"}", ext);
        tmesh_store_input in[2] = {{"base", base}, {"file", fh}};
        int hand = base[0] != '\0';
        tmesh_status st = tmesh_store_derive(s, dh, hand ? "hand-edit" : "import", params,
                                             hand ? in : in + 1, hand ? 2 : 1, mesh, &err);
        if (st != TMESH_OK) {
            rc = cli_fail(&err);
            goto done;
        }
        po.derivation = dh;
    }
    int version = 0;
    if (tmesh_store_publish(&version, s, name, mesh, &po, &err) != TMESH_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    printf("%s@%d %s\n", name, version, mesh);
done:
    tmesh_store_close(s);
    return rc;
}
