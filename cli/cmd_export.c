/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tracemesh export: write one version's mesh to a file that carries its own provenance: the
 * asset, version and mesh hash inside the file where the format allows (STL 80-byte header,
 * OBJ and PLY comments), a W3C PROV-JSON sidecar (FILE.prov.json), and a catalog record of the
 * file's SHA-256 so 'tracemesh trace FILE' finds its way back to the scan files.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli_store.h"

#include "tracemesh/mesh.h"

#include <ctype.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { OPT_OUT = 1, OPT_RAS, OPT_NO_SIDECAR };

static const cli_opt export_opts[] = {
    {OPT_OUT, "output", 'o', "FILE", "output: .stl .obj .ply (tagged) or .glb .3mf .dae .fbx"},
    {OPT_RAS, "ras", 0, NULL, "write RAS coordinates instead of LPS"},
    {OPT_NO_SIDECAR, "no-sidecar", 0, NULL, "do not write FILE.prov.json"},
    CLI_STORE_OPT,
    {0, NULL, 0, NULL, NULL},
};

const cli_cmd_spec cmd_export_spec = {
    "export", "NAME[@VERSION] -o FILE [--ras]",
    "Write a version's mesh with its provenance (in-file tag and PROV-JSON sidecar).",
    "STL gets 'asset=NAME@V mesh=HASH' in its 80-byte header (the hash is cut to fit), OBJ\n"
    "and PLY a comment with the full hash. FILE.prov.json is a W3C PROV-JSON document of the\n"
    "whole derivation chain down to each DICOM file (relative path, SHA-256, SOP Instance\n"
    "UID); it holds no patient name or ID and no absolute path. The file's SHA-256 is\n"
    "recorded, so 'tracemesh trace FILE' also detects later changes to it.",
    export_opts};

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

/* Put the tag into the file's bytes where the format has room for text. */
static tmesh_status tag_bytes(uint8_t **bytes, size_t *len, const char *ext, const char *tag,
                              int ras, const char *path, tmesh_error *err)
{
    if (strcmp(ext, "stl") == 0) {
        if (*len < 84)
            return tmesh_error_set(err, TMESH_E_INTERNAL, "%s: STL shorter than its header", path);
        /* The header holds 80 bytes: the end of the mesh hash is cut when the name is long
         * (the catalog record and the sidecar keep the whole hash). */
        char hdr[256];
        int n = snprintf(hdr, sizeof hdr, "tracemesh UNITS=mm SPACE=%s %s", ras ? "RAS" : "LPS",
                         tag);
        size_t keep = n < 0 ? 0 : (size_t)n < 80 ? (size_t)n : 80;
        memset(*bytes, 0, 80);
        memcpy(*bytes, hdr, keep);
        return TMESH_OK;
    }
    size_t at = 0;
    char line[256];
    if (strcmp(ext, "obj") == 0) {
        snprintf(line, sizeof line, "# %s\n", tag);
    } else if (strcmp(ext, "ply") == 0) {
        /* PLY comments belong in the header after the "format" line. */
        const uint8_t *nl1 = memchr(*bytes, '\n', *len);
        const uint8_t *nl2 = nl1 ? memchr(nl1 + 1, '\n', *len - (size_t)(nl1 + 1 - *bytes)) : NULL;
        if (nl2 == NULL)
            return tmesh_error_set(err, TMESH_E_INTERNAL, "%s: PLY header too short", path);
        at = (size_t)(nl2 + 1 - *bytes);
        snprintf(line, sizeof line, "comment %s\n", tag);
    } else {
        return TMESH_OK; /* binary containers: the sidecar and the catalog record carry it */
    }
    size_t ll = strlen(line);
    uint8_t *nb = malloc(*len + ll + 1);
    if (nb == NULL)
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory");
    memcpy(nb, *bytes, at);
    memcpy(nb + at, line, ll);
    memcpy(nb + at + ll, *bytes + at, *len - at);
    free(*bytes);
    *bytes = nb;
    *len += ll;
    return TMESH_OK;
}

int cmd_export(int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, &cmd_export_spec, argc, argv);
    const char *ref = NULL, *out = NULL, *store_opt = NULL, *val;
    int ras = 0, sidecar = 1, id;
    while ((id = cli_next(&p, &val)) != CLI_END) {
        switch (id) {
        case CLI_HELP:
            cli_print_help(&cmd_export_spec, stdout);
            return CLI_EXIT_OK;
        case CLI_BAD:
            return CLI_EXIT_USAGE;
        case OPT_OUT:
            out = val;
            break;
        case OPT_RAS:
            ras = 1;
            break;
        case OPT_NO_SIDECAR:
            sidecar = 0;
            break;
        case CLI_OPT_STORE:
            store_opt = val;
            break;
        case CLI_POSITIONAL:
            if (ref != NULL)
                return cli_usage_error(&cmd_export_spec, "unexpected argument '%s'", val);
            ref = val;
            break;
        }
    }
    if (ref == NULL)
        return cli_usage_error(&cmd_export_spec, "missing NAME[@VERSION]");
    if (out == NULL)
        return cli_usage_error(&cmd_export_spec, "missing -o FILE");
    char ext[16];
    extension(out, ext, sizeof ext);
    tmesh_mesh_format fmt = tmesh_mesh_format_from_path(out);
    if (fmt == TMESH_MESH_FORMAT_AUTO || fmt == TMESH_MESH_FORMAT_GLTF)
        return cli_usage_error(&cmd_export_spec,
                               "invalid value '%s' for -o: name must end in .stl .obj .ply .glb "
                               ".3mf .dae or .fbx",
                               out);
    char name[TMESH_STORE_NAME_MAX + 1];
    int ver;
    tmesh_error err = TMESH_ERROR_INIT;
    if (tmesh_store_ref_parse(ref, name, &ver, &err) != TMESH_OK)
        return cli_usage_error(&cmd_export_spec, "%s", err.msg);
    tmesh_store *s = NULL;
    int rc = cli_store_open(store_opt, &s);
    if (rc != CLI_EXIT_OK)
        return rc;
    tmesh_store_version v;
    tmesh_mesh *m = NULL;
    uint8_t *bytes = NULL;
    size_t len = 0;
    char *doc = NULL, *tmp = NULL, *side = NULL, *dircopy = NULL;
    if (tmesh_store_version_get(&v, s, name, ver, &err) != TMESH_OK ||
        tmesh_store_get_mesh(&m, s, v.mesh, &err) != TMESH_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    /* Written beside the output first (same extension, so the writer picks the format), then
     * tagged and moved into place atomically. */
    size_t n = strlen(out) + 64;
    tmp = malloc(n);
    side = malloc(n);
    dircopy = strdup(out);
    if (!tmp || !side || !dircopy) {
        tmesh_error_set(&err, TMESH_E_NOMEM, "out of memory");
        rc = cli_fail(&err);
        goto done;
    }
    const char *outdir = dirname(dircopy);
    if (!cli_store_dir_usable(outdir)) {
        cli_error("%s: folder %s does not exist or cannot be written", out, outdir);
        rc = CLI_EXIT_FAIL;
        goto done;
    }
    snprintf(tmp, n, "%s/.tmesh-export-%ld.%s", outdir, (long)getpid(), ext);
    snprintf(side, n, "%s.prov.json", out);
    tmesh_mesh_write_opts wo = TMESH_MESH_WRITE_OPTS_INIT;
    wo.space = ras ? TMESH_MESH_SPACE_RAS : TMESH_MESH_SPACE_LPS;
    char tag[160];
    snprintf(tag, sizeof tag, "asset=%s@%d mesh=%s", v.asset, v.version, v.mesh);
    if (tmesh_mesh_write(m, tmp, &wo, &err) != TMESH_OK ||
        tmesh_fs_read_all(tmp, &bytes, &len, &err) != TMESH_OK ||
        tag_bytes(&bytes, &len, ext, tag, ras, out, &err) != TMESH_OK) {
        unlink(tmp);
        rc = cli_fail(&err);
        goto done;
    }
    unlink(tmp);
    tmesh_store_export ex;
    memset(&ex, 0, sizeof ex);
    uint8_t dg[32];
    tmesh_sha256_buf(bytes, len, dg);
    tmesh_sha256_hex(dg, ex.file_sha256);
    snprintf(ex.asset, sizeof ex.asset, "%s", v.asset);
    ex.version = v.version;
    snprintf(ex.mesh, sizeof ex.mesh, "%s", v.mesh);
    snprintf(ex.format, sizeof ex.format, "%s", ext);
    /* Recorded before the file appears: a recorded export whose file was never written is
     * harmless, a written file that no record knows could not be traced. */
    if (tmesh_store_export_add(s, &ex, &err) != TMESH_OK ||
        tmesh_fs_write_atomic(out, bytes, len, &err) != TMESH_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    if (sidecar && (tmesh_store_prov_json(&doc, s, v.asset, v.version, &ex, &err) != TMESH_OK ||
                    tmesh_fs_write_atomic(side, doc, strlen(doc), &err) != TMESH_OK)) {
        rc = cli_fail(&err);
        goto done;
    }
    if (v.review_state == 0)
        cli_warn("%s@%d is unreviewed", v.asset, v.version);
    else if (v.review_state < 0)
        cli_warn("%s@%d was REJECTED in its latest review", v.asset, v.version);
    printf("%s: %s@%d mesh %s sha256 %s%s%s\n", out, v.asset, v.version, v.mesh, ex.file_sha256,
           sidecar ? ", provenance " : "", sidecar ? side : "");
done:
    free(doc);
    free(tmp);
    free(side);
    free(dircopy);
    free(bytes);
    tmesh_mesh_free(m);
    tmesh_store_close(s);
    return rc;
}
