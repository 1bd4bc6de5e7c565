/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tracemesh export: write one version's mesh to a file that carries its own provenance: the
 * asset, version and mesh hash inside the file where the format allows (STL 80-byte header,
 * OBJ and PLY comments), a W3C PROV-JSON sidecar (FILE.prov.json), and a catalog record of the
 * file's SHA-256 so 'tracemesh trace FILE' finds its way back to the scan files. With --dicom
 * the tagged STL goes inside a DICOM Encapsulated STL object that joins the source's study and
 * frame of reference and lists the source images.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli_store.h"

#include "tracemesh/dicom.h"
#include "tracemesh/mesh.h"

#include <ctype.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { OPT_OUT = 1, OPT_DICOM, OPT_SOURCE, OPT_RAS, OPT_NO_SIDECAR };

static const cli_opt export_opts[] = {
    {OPT_OUT, "output", 'o', "FILE", "output: .stl .obj .ply (tagged) or .glb .3mf .dae .fbx"},
    {OPT_DICOM, "dicom", 0, "FILE", "output: DICOM Encapsulated STL object (instead of -o)"},
    {OPT_SOURCE, "source", 0, "DIR",
     "with --dicom: folder of the source images (default: recorded)"},
    {OPT_RAS, "ras", 0, NULL, "write RAS coordinates instead of LPS (not with --dicom)"},
    {OPT_NO_SIDECAR, "no-sidecar", 0, NULL, "do not write FILE.prov.json"},
    CLI_STORE_OPT,
    {0, NULL, 0, NULL, NULL},
};

const cli_cmd_spec cmd_export_spec = {
    "export", "NAME[@VERSION] (-o FILE [--ras] | --dicom FILE [--source DIR])",
    "Write a version's mesh with its provenance (in-file tag and PROV-JSON sidecar).",
    "STL gets 'asset=NAME@V mesh=HASH' in its 80-byte header (the hash is cut to fit), OBJ\n"
    "and PLY a comment with the full hash. FILE.prov.json is a W3C PROV-JSON document of the\n"
    "whole derivation chain down to each DICOM file (relative path, SHA-256, SOP Instance\n"
    "UID); it holds no patient name or ID and no absolute path. The file's SHA-256 is\n"
    "recorded, so 'tracemesh trace FILE' also detects later changes to it.\n"
    "\n"
    "--dicom FILE writes a DICOM Encapsulated STL object (SOP Class\n"
    "1.2.840.10008.5.1.4.1.1.104.3, Modality M3D) holding the same tagged binary STL (LPS\n"
    "mm, units UCUM mm) in the source scan's Study Instance UID and Frame of Reference UID,\n"
    "with a Source Instance Sequence naming every source image, 'tracemesh asset=NAME@V\n"
    "mesh=HASH' as Document Title and 'tracemesh asset=NAME@V' as Series Description (so\n"
    "trace names the version of a file changed since). Series and SOP Instance UIDs derive\n"
    "from the version (2.25.<SHA-256 bits>), dates from its creation time (UTC): one version\n"
    "always gives the same bytes. Patient name, ID, birth date and sex are left empty. The\n"
    "source images' SOP Classes come from the source manifest, so no DICOM file is needed;\n"
    "with --source DIR they are read again from the files, which must still have their\n"
    "recorded SHA-256. A manifest that does not record them (an older store) has them read\n"
    "from the folder recorded at publish, or inferred from the modality (single-frame CT,\n"
    "MR, PT) with a warning when that folder is gone.",
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
        int n =
            snprintf(hdr, sizeof hdr, "tracemesh UNITS=mm SPACE=%s %s", ras ? "RAS" : "LPS", tag);
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

/* ---- --dicom: what the DICOM object needs from the store ---- */

/* The source scan of a version: one study and frame of reference, and its images. */
typedef struct dicom_source {
    char study_uid[65], frame_of_reference_uid[65], series_uid[65], modality[17];
    tmesh_dicom_instance_ref *refs;
    size_t n_refs;
    int inferred; /* SOP Classes inferred from the modality */
} dicom_source;

/* SOP Class of the classic single-frame image of a modality (PS3.4 B.5), or NULL. */
static const char *class_of_modality(const char *modality)
{
    if (strcmp(modality, "CT") == 0)
        return "1.2.840.10008.5.1.4.1.1.2"; /* CT Image Storage */
    if (strcmp(modality, "MR") == 0)
        return "1.2.840.10008.5.1.4.1.1.4"; /* MR Image Storage */
    if (strcmp(modality, "PT") == 0)
        return "1.2.840.10008.5.1.4.1.1.128"; /* Positron Emission Tomography Image Storage */
    return NULL;
}

/* Add the images of one manifest (each SOP instance once: a multi-frame file is one image). */
static int add_manifest(dicom_source *ds, tmesh_store *s, const char *hash, const char *source_opt,
                        const char *ref, tmesh_error *err)
{
    uint8_t *b = NULL;
    size_t len = 0, ns = 0;
    tmesh_store_source *src = NULL;
    char *dir = NULL, study[65], frame[65], series[65], modality[17];
    int rc = CLI_EXIT_OK;
    if (tmesh_store_get(&b, &len, NULL, s, hash, err) != TMESH_OK ||
        tmesh_store_manifest_sources(&src, &ns, b, len, err) != TMESH_OK ||
        tmesh_store_param_string(study, sizeof study, (const char *)b, "study_uid", err) ||
        tmesh_store_param_string(frame, sizeof frame, (const char *)b, "frame_of_reference_uid",
                                 err) ||
        tmesh_store_param_string(series, sizeof series, (const char *)b, "series_uid", err) ||
        tmesh_store_param_string(modality, sizeof modality, (const char *)b, "modality", err) ||
        (source_opt == NULL && tmesh_store_source_dir(&dir, s, hash, err) != TMESH_OK)) {
        tmesh_error_context(err, "source manifest %.12s: ", hash);
        rc = cli_fail(err);
        goto done;
    }
    if (!tmesh_dicom_uid_valid(study) || !tmesh_dicom_uid_valid(frame)) {
        cli_error("%s: its scan has no valid %s ('%s'): a DICOM object needs the scan's study "
                  "and frame of reference",
                  ref, tmesh_dicom_uid_valid(study) ? "Frame of Reference UID" : "Study UID",
                  tmesh_dicom_uid_valid(study) ? frame : study);
        rc = CLI_EXIT_DATA;
        goto done;
    }
    if (ds->study_uid[0] == '\0') {
        snprintf(ds->study_uid, sizeof ds->study_uid, "%s", study);
        snprintf(ds->frame_of_reference_uid, sizeof ds->frame_of_reference_uid, "%s", frame);
        snprintf(ds->series_uid, sizeof ds->series_uid, "%s", series);
        snprintf(ds->modality, sizeof ds->modality, "%s", modality);
    } else if (strcmp(ds->study_uid, study) != 0 ||
               strcmp(ds->frame_of_reference_uid, frame) != 0) {
        cli_error("%s: made from scans in different studies or frames of reference (%s and %s); "
                  "one DICOM object has one",
                  ref, ds->frame_of_reference_uid, frame);
        rc = CLI_EXIT_DATA;
        goto done;
    }
    /* Manifests record each image's SOP Class; without --source the export then needs no
     * source file at all. */
    int recorded = ns > 0;
    for (size_t k = 0; k < ns; k++)
        recorded &= tmesh_dicom_uid_valid(src[k].sop_class_uid);
    const char *use = source_opt ? source_opt : dir;
    int reachable = cli_store_dir_usable(use);
    if (source_opt != NULL && !reachable) {
        cli_error("--source %s: folder does not exist or cannot be read", source_opt);
        rc = CLI_EXIT_USAGE;
        goto done;
    }
    tmesh_dicom_instance_ref *nr = realloc(ds->refs, (ds->n_refs + ns) * sizeof *nr);
    if (nr == NULL && ds->n_refs + ns > 0) {
        tmesh_error_set(err, TMESH_E_NOMEM, "out of memory");
        rc = cli_fail(err);
        goto done;
    }
    ds->refs = nr;
    const char *guess = NULL;
    if (!reachable && !recorded) {
        /* The manifest records no SOP Class (an older store). Without the files, only a
         * classic single-frame image can be named with confidence: a frame number above 0
         * means a multi-frame (enhanced) object, whose class the modality does not tell. */
        int multiframe = 0;
        for (size_t k = 0; k < ns; k++)
            multiframe |= src[k].frame != 0;
        guess = multiframe ? NULL : class_of_modality(modality);
        if (guess == NULL) {
            cli_error("%s: the SOP Class of its %s source images is not recorded and their "
                      "folder %s is not reachable; give --source DIR",
                      ref, modality, use ? use : "(none recorded)");
            rc = CLI_EXIT_DATA;
            goto done;
        }
        ds->inferred = 1;
    }
    for (size_t k = 0; k < ns; k++) {
        int seen = 0;
        for (size_t j = 0; j < ds->n_refs && !seen; j++)
            seen = strcmp(ds->refs[j].sop_instance_uid, src[k].sop_instance_uid) == 0;
        if (seen)
            continue;
        tmesh_dicom_instance_ref *r = &ds->refs[ds->n_refs];
        if ((recorded && source_opt == NULL) || guess != NULL) {
            snprintf(r->sop_class_uid, sizeof r->sop_class_uid, "%s",
                     guess ? guess : src[k].sop_class_uid);
            snprintf(r->sop_instance_uid, sizeof r->sop_instance_uid, "%s",
                     src[k].sop_instance_uid);
            snprintf(r->series_uid, sizeof r->series_uid, "%s", series);
        } else {
            size_t n = strlen(use) + strlen(src[k].path) + 2;
            char *path = malloc(n), sha[65];
            if (path == NULL) {
                tmesh_error_set(err, TMESH_E_NOMEM, "out of memory");
                rc = cli_fail(err);
                goto done;
            }
            snprintf(path, n, "%s/%s", use, src[k].path);
            tmesh_status st = tmesh_dicom_file_ref(r, sha, path, err);
            if (st == TMESH_OK && strcmp(sha, src[k].sha256) != 0) {
                cli_error("%s: changed since it was stored (SHA-256 %s, recorded %s); its SOP "
                          "Class cannot be trusted",
                          path, sha, src[k].sha256);
                rc = CLI_EXIT_VERIFY;
            } else if (st != TMESH_OK) {
                tmesh_error_context(err, "source image of %s: ", ref);
                rc = cli_fail(err);
            }
            free(path);
            if (rc != CLI_EXIT_OK)
                goto done;
        }
        ds->n_refs++;
    }
done:
    free(b);
    free(dir);
    tmesh_store_sources_free(src, ns);
    return rc;
}

/* Find the version's source scan: every manifest on the walk down from its mesh. */
static int find_source(dicom_source *ds, tmesh_store *s, const tmesh_store_version *v,
                       const char *source_opt, const char *ref)
{
    tmesh_error err = TMESH_ERROR_INIT;
    tmesh_store_node *nodes = NULL;
    size_t n = 0, manifests = 0;
    memset(ds, 0, sizeof *ds);
    if (tmesh_store_walk(&nodes, &n, s, v->mesh, &err) != TMESH_OK)
        return cli_fail(&err);
    int rc = CLI_EXIT_OK;
    for (size_t i = 0; i < n && rc == CLI_EXIT_OK; i++) {
        if (nodes[i].kind != TMESH_STORE_MANIFEST)
            continue;
        if (nodes[i].check != TMESH_OK) {
            cli_error("%s: source manifest %s is damaged or missing (run 'tracemesh trace %s')",
                      ref, nodes[i].hash, ref);
            rc = CLI_EXIT_VERIFY;
            break;
        }
        manifests++;
        rc = add_manifest(ds, s, nodes[i].hash, source_opt, ref, &err);
    }
    free(nodes);
    if (rc == CLI_EXIT_OK && manifests == 0) {
        cli_error("%s: no DICOM scan in its provenance (published from a file?): a DICOM "
                  "export needs the scan's study and frame of reference",
                  ref);
        rc = CLI_EXIT_DATA;
    }
    return rc;
}

/* "2026-11-23T11:08:53Z" -> "20261123110853"; 0 when it does not have 14 digits. */
static int compact_datetime(const char *iso, char out[15])
{
    size_t k = 0;
    for (const char *c = iso; *c && k < 14; c++)
        if (*c >= '0' && *c <= '9')
            out[k++] = *c;
    out[k] = '\0';
    return k == 14;
}

/* Wrap the tagged STL bytes into an Encapsulated STL object; *bytes becomes the DICOM file. */
static int wrap_dicom(uint8_t **bytes, size_t *len, tmesh_store *s, const tmesh_store_version *v,
                      const char *source_opt, const char *out, const char *outdir)
{
    char ref[TMESH_STORE_NAME_MAX + 16];
    snprintf(ref, sizeof ref, "%s@%d", v->asset, v->version);
    dicom_source ds;
    int rc = find_source(&ds, s, v, source_opt, ref);
    if (rc != CLI_EXIT_OK) {
        free(ds.refs);
        return rc;
    }
    if (ds.inferred)
        cli_warn("%s: SOP Classes of the %zu source images inferred from modality %s (their "
                 "folder is not reachable; give --source DIR to read them)",
                 out, ds.n_refs, ds.modality);
    /* Same version, same mesh, same scan: same UIDs, so a re-export is the same object. */
    char seed[512], series_uid[65], instance_uid[65], title[160], desc[65], when[15];
    snprintf(seed, sizeof seed, "tracemesh.dicom-stl/1 series %s@%d mesh=%s study=%s", v->asset,
             v->version, v->mesh, ds.study_uid);
    tmesh_dicom_uid_from_text(series_uid, seed);
    snprintf(seed, sizeof seed, "tracemesh.dicom-stl/1 instance %s@%d mesh=%s study=%s", v->asset,
             v->version, v->mesh, ds.study_uid);
    tmesh_dicom_uid_from_text(instance_uid, seed);
    /* Provenance text: the whole tag in Document Title; "asset=NAME@V" also in Series
     * Description, which precedes the Referenced Series Sequence and so stays within the
     * first 4096 bytes, where 'tracemesh trace' looks for a tag in a file changed since export
     * (however many source images there are). Series Description is an LO of at most 64
     * characters: a tag that does not fit is left out rather than cut (a cut name could name
     * another asset). */
    snprintf(title, sizeof title, "tracemesh asset=%s@%d mesh=%s", v->asset, v->version, v->mesh);
    char descbuf[128];
    snprintf(descbuf, sizeof descbuf, "tracemesh asset=%s@%d", v->asset, v->version);
    if (strlen(descbuf) > 64)
        snprintf(descbuf, sizeof descbuf, "asset=%s@%d", v->asset, v->version);
    if (strlen(descbuf) > 64)
        snprintf(descbuf, sizeof descbuf, "tracemesh model");
    memcpy(desc, descbuf, strlen(descbuf) + 1); /* at most 64 characters, checked above */
    tmesh_dicom_stl_doc doc = TMESH_DICOM_STL_DOC_INIT;
    doc.study_uid = ds.study_uid;
    doc.frame_of_reference_uid = ds.frame_of_reference_uid;
    doc.series_uid = series_uid;
    doc.sop_instance_uid = instance_uid;
    /* One series per version; numbered above the scanner's usual range so it is not taken for
     * one of the scan's own series in a study list. */
    doc.series_number = v->version < 1000000 ? 1000 + v->version : 1000;
    doc.instance_number = 1;
    doc.series_description = desc;
    doc.document_title = title;
    doc.content_description = desc;
    doc.datetime_utc = compact_datetime(v->created_at, when) ? when : NULL;
    doc.sources = ds.refs;
    doc.n_sources = ds.n_refs;
    size_t n = strlen(outdir) + 64;
    char *tmp = malloc(n);
    tmesh_error err = TMESH_ERROR_INIT;
    uint8_t *dcm = NULL;
    size_t dlen = 0;
    if (tmp == NULL) {
        tmesh_error_set(&err, TMESH_E_NOMEM, "out of memory");
    } else {
        snprintf(tmp, n, "%s/.tmesh-export-%ld.dcm", outdir, (long)getpid());
        if (tmesh_dicom_write_stl(tmp, &doc, *bytes, *len, &err) == TMESH_OK)
            tmesh_fs_read_all(tmp, &dcm, &dlen, &err);
        unlink(tmp);
    }
    free(tmp);
    free(ds.refs);
    if (err.code != TMESH_OK) {
        free(dcm);
        return cli_fail(&err);
    }
    free(*bytes);
    *bytes = dcm;
    *len = dlen;
    return CLI_EXIT_OK;
}

int cmd_export(int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, &cmd_export_spec, argc, argv);
    const char *ref = NULL, *out = NULL, *dicom = NULL, *source = NULL, *store_opt = NULL, *val;
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
        case OPT_DICOM:
            dicom = val;
            break;
        case OPT_SOURCE:
            source = val;
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
    if (out != NULL && dicom != NULL)
        return cli_usage_error(&cmd_export_spec, "-o and --dicom exclude each other");
    if (out == NULL && dicom == NULL)
        return cli_usage_error(&cmd_export_spec, "missing -o FILE or --dicom FILE");
    if (dicom != NULL && ras)
        return cli_usage_error(&cmd_export_spec,
                               "--ras excludes --dicom (DICOM patient coordinates are LPS)");
    if (dicom == NULL && source != NULL)
        return cli_usage_error(&cmd_export_spec, "--source needs --dicom");
    if (dicom != NULL && dicom[0] == '\0')
        return cli_usage_error(&cmd_export_spec, "invalid value '' for --dicom");
    char ext[16];
    tmesh_mesh_format fmt;
    if (dicom != NULL) {
        /* The mesh is written as STL, then wrapped; the record says "dcm". */
        out = dicom;
        snprintf(ext, sizeof ext, "stl");
        fmt = TMESH_MESH_FORMAT_STL;
    } else {
        extension(out, ext, sizeof ext);
        fmt = tmesh_mesh_format_from_path(out);
    }
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
    if (dicom != NULL && (rc = wrap_dicom(&bytes, &len, s, &v, source, out, outdir)) != 0)
        goto done;
    tmesh_store_export ex;
    memset(&ex, 0, sizeof ex);
    uint8_t dg[32];
    tmesh_sha256_buf(bytes, len, dg);
    tmesh_sha256_hex(dg, ex.file_sha256);
    snprintf(ex.asset, sizeof ex.asset, "%s", v.asset);
    ex.version = v.version;
    snprintf(ex.mesh, sizeof ex.mesh, "%s", v.mesh);
    snprintf(ex.format, sizeof ex.format, "%s", dicom != NULL ? "dcm" : ext);
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
