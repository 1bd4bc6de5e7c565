/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Store helpers shared by the store commands: finding the store, the build pipeline that keeps
 * every intermediate object and its derivation, the replay of one derivation (the heart of
 * 'tracemesh verify'), and re-hashing the DICOM files named by a source manifest.
 */
#define _XOPEN_SOURCE 700
#include "cli_store.h"

#include "tracemesh/mesh.h"
#include "tracemesh/segment.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- finding the store ---- */

/* "A/B" into buf; 0 when it does not fit (such a path is treated as absent). */
static int join_path(char *buf, size_t cap, const char *a, const char *b)
{
    int n = snprintf(buf, cap, "%s/%s", a, b);
    return n >= 0 && (size_t)n < cap;
}

static int is_store(const char *dir)
{
    char p[PATH_MAX];
    struct stat sb;
    return join_path(p, sizeof p, dir, "FORMAT") && stat(p, &sb) == 0;
}

/* DIR is the store itself, or a folder holding .tracemesh/. */
static int resolve(const char *dir, char *out, size_t cap)
{
    if (join_path(out, cap, dir, TMESH_STORE_DIRNAME) && is_store(out))
        return 1;
    if (is_store(dir) && strlen(dir) < cap) {
        memcpy(out, dir, strlen(dir) + 1);
        return 1;
    }
    return 0;
}

/* Where the store is: --store DIR, TRACEMESH_STORE, or .tracemesh/ here or in a parent.
 * Prints why not unless `quiet`. */
static int find_store(const char *store_opt, char *path, size_t cap, int quiet)
{
    const char *env = getenv("TRACEMESH_STORE");
    if (store_opt != NULL) {
        if (!resolve(store_opt, path, cap)) {
            if (!quiet)
                cli_error("%s: no tracemesh store there (run 'tracemesh init')", store_opt);
            return 0;
        }
        return 1;
    }
    if (env != NULL && env[0] != '\0') {
        if (!resolve(env, path, cap)) {
            if (!quiet)
                cli_error("TRACEMESH_STORE=%s: no tracemesh store there", env);
            return 0;
        }
        return 1;
    }
    char cwd[PATH_MAX];
    if (getcwd(cwd, sizeof cwd) == NULL) {
        if (!quiet)
            cli_error("cannot read the current folder: %s", strerror(errno));
        return 0;
    }
    for (;;) {
        if (join_path(path, cap, cwd, TMESH_STORE_DIRNAME) && is_store(path))
            return 1;
        char *slash = strrchr(cwd, '/');
        if (slash == NULL || slash == cwd) {
            if (slash == cwd && cwd[1] != '\0') {
                cwd[1] = '\0';
                continue;
            }
            break;
        }
        *slash = '\0';
    }
    if (!quiet)
        cli_error("no tracemesh store found (looked for " TMESH_STORE_DIRNAME
                  "/ here and in every parent folder); run 'tracemesh init' or give "
                  "--store DIR");
    return 0;
}

int cli_publish_opt(cli_publish_args *a, int id, const char *val)
{
    switch (id) {
    case CLI_OPT_NAME:
        a->name = val;
        return 1;
    case CLI_OPT_NOTE:
        a->po.note = val;
        return 1;
    case CLI_OPT_STORE:
        a->store = val;
        return 1;
    default:
        return 0;
    }
}

int cli_publish_check(const cli_cmd_spec *spec, const cli_publish_args *a, int store_alone_ok)
{
    tmesh_error err = TMESH_ERROR_INIT;
    if (a->name == NULL && (a->po.note != NULL || (a->store != NULL && !store_alone_ok)))
        return cli_usage_error(spec, "--note and --store need --name");
    if (a->name != NULL && tmesh_store_name_check(a->name, &err) != TMESH_OK)
        return cli_usage_error(spec, "invalid value for --name: %s", err.msg);
    return CLI_EXIT_OK;
}

int cli_store_exists(const char *store_opt)
{
    char path[PATH_MAX + 64];
    return find_store(store_opt, path, sizeof path, 1);
}

int cli_store_open(const char *store_opt, tmesh_store **out)
{
    *out = NULL;
    /* With a file-size limit (ulimit -f) a write past it must fail with EFBIG and be reported,
     * not kill the process halfway through. */
    signal(SIGXFSZ, SIG_IGN);
    char path[PATH_MAX + 64];
    if (!find_store(store_opt, path, sizeof path, 0))
        return CLI_EXIT_FAIL;
    tmesh_store_open_opts o = TMESH_STORE_OPEN_OPTS_INIT;
    char user[TMESH_STORE_USER_MAX + 1] = "";
    const char *u = getenv("TRACEMESH_USER");
    if (u == NULL || !*u)
        u = getenv("USER");
    if (u == NULL || !*u) {
        struct passwd *pw = getpwuid(getuid());
        u = pw ? pw->pw_name : "";
    }
    snprintf(user, sizeof user, "%s", u);
    o.user = user;
    tmesh_error err = TMESH_ERROR_INIT;
    if (tmesh_store_open(out, path, &o, &err) != TMESH_OK)
        return cli_fail(&err);
    return CLI_EXIT_OK;
}

/* ---- small helpers ---- */

static int isalnum_ascii(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

tmesh_status cli_store_hash_file(const char *path, char hex_out[65], tmesh_error *err)
{
    uint8_t *b = NULL;
    size_t len = 0;
    tmesh_status st = tmesh_fs_read_all(path, &b, &len, err);
    if (st != TMESH_OK)
        return st;
    uint8_t d[32];
    tmesh_sha256_buf(b, len, d);
    tmesh_sha256_hex(d, hex_out);
    free(b);
    return TMESH_OK;
}

static tmesh_status hash_mesh(const tmesh_mesh *m, char hex[65], tmesh_error *err)
{
    uint8_t *b = NULL, d[32];
    size_t len = 0;
    tmesh_status st = tmesh_store_mesh_encode(&b, &len, m, err);
    if (st == TMESH_OK) {
        tmesh_sha256_buf(b, len, d);
        tmesh_sha256_hex(d, hex);
    }
    free(b);
    return st;
}

static tmesh_status hash_volume(const tmesh_volume *v, char hex[65], tmesh_error *err)
{
    uint8_t *b = NULL, d[32];
    size_t len = 0;
    tmesh_status st = tmesh_store_volume_encode(&b, &len, v, err);
    if (st == TMESH_OK) {
        tmesh_sha256_buf(b, len, d);
        tmesh_sha256_hex(d, hex);
    }
    free(b);
    return st;
}

/* JSON string of printable ASCII (UIDs, names); anything else becomes '?'. */
static void json_str(char *buf, size_t cap, const char *s)
{
    size_t o = 0;
    if (o + 1 < cap)
        buf[o++] = '"';
    for (; *s && o + 3 < cap; s++) {
        char c = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
        if (c == '"' || c == '\\')
            buf[o++] = '\\';
        buf[o++] = c;
    }
    if (o + 1 < cap)
        buf[o++] = '"';
    buf[o < cap ? o : cap - 1] = '\0';
}

/* {"KEY":"VALUE"} with VALUE escaped as a JSON string. Caller frees. */
static char *json_string_param(const char *key, const char *value)
{
    size_t n = strlen(value), cap = 2 * n + strlen(key) + 16;
    char *out = malloc(cap), *o = out;
    if (out == NULL)
        return NULL;
    o += sprintf(o, "{\"%s\":\"", key);
    for (const char *c = value; *c; c++) {
        unsigned char u = (unsigned char)*c;
        if (u == '"' || u == '\\') {
            *o++ = '\\';
            *o++ = (char)u;
        } else if (u < 0x20) {
            /* A canonical record is one line; control characters never occur in it. */
            *o++ = ' ';
        } else {
            *o++ = (char)u;
        }
    }
    strcpy(o, "\"}");
    return out;
}

static tmesh_status num(double *out, const char *params, const char *key, tmesh_error *err)
{
    return tmesh_store_param_number(out, params, key, err);
}

tmesh_status cli_store_put_segment(tmesh_store *s, const tmesh_volume *labels, const char *h_vol,
                                   const char *record, char h_lab[65], tmesh_error *err)
{
    char dh[65], *pj = json_string_param("recipe", record);
    if (pj == NULL)
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory");
    tmesh_store_input in_img = {"image", h_vol};
    tmesh_status st = tmesh_store_put_volume(s, TMESH_STORE_LABELS, labels, h_lab, err);
    if (st == TMESH_OK)
        st = tmesh_store_derive(s, dh, "segment", pj, &in_img, 1, h_lab, err);
    free(pj);
    return st;
}

int cli_store_load(tmesh_store *s, const char *dir, const cli_dicom_args *da,
                   tmesh_volume **vol_out, char h_vol[65])
{
    tmesh_dicom_index *idx = NULL;
    tmesh_dicom_manifest *man = NULL;
    tmesh_volume *vol = NULL;
    tmesh_error err = TMESH_ERROR_INIT;
    char h_man[65], dh[65], params[1024], uid[160];
    *vol_out = NULL;
    int rc = cli_dicom_load(dir, da, &idx, &vol, &man);
    if (rc != CLI_EXIT_OK)
        return rc;
    const tmesh_dicom_series_info *si = tmesh_dicom_index_series(idx, (size_t)(da->series - 1));
    char absdir[PATH_MAX];
    if (realpath(dir, absdir) == NULL)
        snprintf(absdir, sizeof absdir, "%s", dir);
    json_str(uid, sizeof uid, si->series_uid);
    snprintf(params, sizeof params,
             "{\"assume_axial\":%d,\"resample\":%d,\"resample_mm\":%.17g,\"series_uid\":%s,"
             "\"stack\":%d,\"tilt\":\"%s\"}",
             da->load.assume == TMESH_DICOM_ASSUME_AXIAL, da->load.resample, da->load.resample_mm,
             uid, si->stack, da->load.tilt == TMESH_DICOM_TILT_RESAMPLE ? "resample" : "keep");
    tmesh_store_input in_man = {"manifest", h_man};
    if (tmesh_store_put(s, TMESH_STORE_MANIFEST, man->json, strlen(man->json), h_man, &err) ||
        tmesh_store_set_source_dir(s, h_man, absdir, &err) ||
        tmesh_store_put_volume(s, TMESH_STORE_VOLUME, vol, h_vol, &err) ||
        tmesh_store_derive(s, dh, "dicom-load", params, &in_man, 1, h_vol, &err)) {
        rc = cli_fail(&err);
        tmesh_volume_free(vol);
    } else {
        *vol_out = vol;
    }
    tmesh_dicom_manifest_free(man);
    tmesh_dicom_index_free(idx);
    return rc;
}

/* Store `m` and record that `op` made it from `in_hash`; nothing without a store. */
static tmesh_status store_mesh_step(tmesh_store *s, const tmesh_mesh *m, const char *op,
                                    const char *params, const char *role, const char *in_hash,
                                    char out_hash[65], tmesh_error *err)
{
    if (s == NULL)
        return TMESH_OK;
    char dh[65];
    tmesh_store_input in = {role, in_hash};
    tmesh_status st = tmesh_store_put_mesh(s, m, out_hash, err);
    /* A step that changed nothing (no piece to drop) is not a link: recording it would make
     * the mesh its own input. */
    if (st == TMESH_OK && strcmp(in_hash, out_hash) != 0)
        st = tmesh_store_derive(s, dh, op, params, &in, 1, out_hash, err);
    return st;
}

/* The chain of post-processing steps: each result is stored as made from the previous one. */
typedef struct post_chain {
    tmesh_store *s;
    char cur[65];
} post_chain;

static tmesh_status post_step(const tmesh_mesh *m, const char *op, const char *params, void *user,
                              tmesh_error *err)
{
    post_chain *c = user;
    char next[65];
    if (c->s == NULL)
        return TMESH_OK;
    tmesh_status st = store_mesh_step(c->s, m, op, params, "mesh", c->cur, next, err);
    if (st == TMESH_OK)
        memcpy(c->cur, next, sizeof next);
    return st;
}

int cli_store_publish_mesh(tmesh_store *s, const char *name, const tmesh_store_publish_opts *po,
                           tmesh_mesh *m, const char *op, const char *params, const char *h_lab,
                           const cli_mesh_post *mp, unsigned threads, int *version_out)
{
    tmesh_error err = TMESH_ERROR_INIT;
    post_chain chain = {s, ""};
    if (store_mesh_step(s, m, op, params, "labels", h_lab, chain.cur, &err) != TMESH_OK ||
        cli_mesh_postprocess(m, mp, threads, post_step, &chain, &err) != TMESH_OK ||
        tmesh_store_publish(version_out, s, name, chain.cur, po, &err) != TMESH_OK)
        return cli_fail(&err);
    printf("%s@%d %s\n", name, *version_out, chain.cur);
    return CLI_EXIT_OK;
}

/* A plain build of an isosurface streams the series through marching cubes: the volume is
 * never held whole (the same mesh as meshing the loaded volume). */
typedef struct iso_feed {
    tmesh_mesh_iso_stream *st;
    tmesh_mesh_iso_opts io;
} iso_feed;

static tmesh_status feed_slices(const tmesh_volume *slices, size_t k0, size_t n_slices, void *user,
                                tmesh_error *err)
{
    iso_feed *f = user;
    if (f->st == NULL) {
        size_t dim[3] = {slices->dim[0], slices->dim[1], n_slices};
        tmesh_status rc = tmesh_mesh_iso_stream_new(&f->st, dim, slices->ijk_to_lps, &f->io, err);
        if (rc != TMESH_OK)
            return rc;
    }
    return tmesh_mesh_iso_stream_feed(f->st, slices, k0, err);
}

static int build_streamed(const char *dir, const cli_dicom_args *da, double iso, tmesh_mesh **out)
{
    tmesh_dicom_index *idx = NULL;
    tmesh_error err = TMESH_ERROR_INIT;
    iso_feed f = {NULL, TMESH_MESH_ISO_OPTS_INIT};
    f.io.iso = iso;
    f.io.threads = da->load.threads;
    *out = NULL;
    int rc = cli_dicom_load(dir, da, &idx, NULL, NULL);
    if (rc != CLI_EXIT_OK)
        return rc;
    tmesh_status st = tmesh_dicom_load_streamed(idx, (size_t)(da->series - 1), &da->load,
                                                feed_slices, &f, &err);
    if (st == TMESH_OK)
        st = tmesh_mesh_iso_stream_finish(f.st, out, &err);
    tmesh_mesh_iso_stream_free(f.st);
    tmesh_dicom_index_free(idx);
    cli_progress_done();
    return st == TMESH_OK ? CLI_EXIT_OK : cli_fail(&err);
}

int cli_store_build(tmesh_store *s, const char *dir, const cli_dicom_args *da,
                    const cli_build_params *bp, char mesh_hash[65], tmesh_mesh **mesh_out)
{
    tmesh_dicom_index *idx = NULL;
    tmesh_volume *vol = NULL, *mask = NULL;
    tmesh_mesh *m = NULL;
    tmesh_error err = TMESH_ERROR_INIT;
    char h_vol[65] = "", h_lab[65] = "", dh[65], params[1024];
    post_chain chain = {s, ""};
    tmesh_seg_recipe *rec = NULL;
    if (mesh_out)
        *mesh_out = NULL;
    /* The recipe is read first: a bad recipe stores nothing. */
    if (bp->recipe != NULL && (tmesh_seg_recipe_new(&rec, &err) != TMESH_OK ||
                               tmesh_seg_recipe_load(rec, bp->recipe, &err) != TMESH_OK)) {
        tmesh_seg_recipe_free(rec);
        return cli_fail(&err);
    }
    int streamed = s == NULL && bp->recipe == NULL && isnan(bp->upper);
    int rc = streamed ? build_streamed(dir, da, bp->lower, &m)
             : s      ? cli_store_load(s, dir, da, &vol, h_vol)
                      : cli_dicom_load(dir, da, &idx, &vol, NULL);
    if (rc != CLI_EXIT_OK) {
        tmesh_seg_recipe_free(rec);
        return rc;
    }
    if (streamed) {
        /* meshed while loading (no store: nothing to record) */
    } else if (bp->recipe != NULL) {
        /* A recipe: its canonical record is the parameter (kept as a string, byte for byte,
         * because tmesh_seg_recipe_parse_canonical replays only the exact record). */
        tmesh_seg_run_opts ro = TMESH_SEG_RUN_OPTS_INIT;
        char *canon = NULL;
        ro.threads = da->load.threads;
        tmesh_status st = tmesh_seg_recipe_canonical(&canon, rec, &err);
        if (st == TMESH_OK)
            st = tmesh_seg_recipe_run(&mask, NULL, vol, rec, &ro, &err);
        if (st == TMESH_OK && s != NULL)
            st = cli_store_put_segment(s, mask, h_vol, canon, h_lab, &err);
        free(canon);
        if (st != TMESH_OK)
            goto fail;
        tmesh_mesh_label_opts lo = TMESH_MESH_LABEL_OPTS_INIT;
        lo.label = 0;
        lo.sigma = bp->sigma;
        lo.threads = da->load.threads;
        lo.progress = cli_progress;
        if (tmesh_mesh_from_labels(&m, mask, &lo, &err))
            goto fail;
        snprintf(params, sizeof params, "{\"label\":0,\"method\":\"mc\",\"sigma\":%.17g}",
                 bp->sigma);
        if (store_mesh_step(s, m, "mesh-labels", params, "labels", h_lab, chain.cur, &err))
            goto fail;
    } else if (isnan(bp->upper)) {
        /* Open range: the isosurface of the HU values themselves, interpolated. */
        tmesh_mesh_iso_opts io = TMESH_MESH_ISO_OPTS_INIT;
        io.iso = bp->lower;
        io.threads = da->load.threads;
        io.progress = cli_progress;
        if (tmesh_mesh_isosurface(&m, vol, &io, &err))
            goto fail;
        snprintf(params, sizeof params, "{\"iso\":%.17g}", bp->lower);
        if (store_mesh_step(s, m, "isosurface", params, "image", h_vol, chain.cur, &err))
            goto fail;
    } else {
        /* A closed range: the mask, meshed with Gaussian pre-smoothing. */
        tmesh_seg_threshold_opts to = TMESH_SEG_THRESHOLD_OPTS_INIT;
        to.lower = bp->lower;
        to.upper = bp->upper;
        to.threads = da->load.threads;
        if (tmesh_seg_threshold(&mask, vol, &to, &err))
            goto fail;
        if (s != NULL) {
            if (tmesh_store_put_volume(s, TMESH_STORE_LABELS, mask, h_lab, &err))
                goto fail;
            snprintf(params, sizeof params, "{\"lower\":%.17g,\"upper\":%.17g}", bp->lower,
                     bp->upper);
            tmesh_store_input in_img = {"image", h_vol};
            if (tmesh_store_derive(s, dh, "threshold", params, &in_img, 1, h_lab, &err))
                goto fail;
        }
        tmesh_mesh_label_opts lo = TMESH_MESH_LABEL_OPTS_INIT;
        lo.label = 1;
        lo.sigma = bp->sigma;
        lo.threads = da->load.threads;
        lo.progress = cli_progress;
        if (tmesh_mesh_from_labels(&m, mask, &lo, &err))
            goto fail;
        snprintf(params, sizeof params, "{\"label\":1,\"method\":\"mc\",\"sigma\":%.17g}",
                 bp->sigma);
        if (store_mesh_step(s, m, "mesh-labels", params, "labels", h_lab, chain.cur, &err))
            goto fail;
    }
    cli_progress_done();
    if (m->n_triangles == 0) {
        if (bp->recipe != NULL)
            tmesh_error_set(&err, TMESH_E_DATA, "%s: the recipe %s labels no voxel", dir,
                            bp->recipe);
        else
            tmesh_error_set(&err, TMESH_E_DATA, "%s: no voxel in the range %g .. %g HU", dir,
                            bp->lower, isnan(bp->upper) ? INFINITY : bp->upper);
        goto fail;
    }
    if (cli_mesh_postprocess(m, &bp->post, da->load.threads, post_step, &chain, &err))
        goto fail;
    if (mesh_hash != NULL)
        memcpy(mesh_hash, chain.cur, 65);
    if (mesh_out) {
        *mesh_out = m;
        m = NULL;
    }
    rc = CLI_EXIT_OK;
    goto done;
fail:
    cli_progress_done();
    rc = cli_fail(&err);
done:
    tmesh_seg_recipe_free(rec);
    tmesh_mesh_free(m);
    tmesh_volume_free(mask);
    tmesh_volume_free(vol);
    tmesh_dicom_index_free(idx);
    return rc;
}

/* ---- sources ---- */

int cli_store_dir_usable(const char *dir)
{
    struct stat sb;
    return dir != NULL && stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode) &&
           access(dir, R_OK | X_OK) == 0;
}

const char *cli_source_state_name(cli_source_state st)
{
    switch (st) {
    case CLI_SOURCE_OK:
        return "ok";
    case CLI_SOURCE_MODIFIED:
        return "MODIFIED";
    case CLI_SOURCE_MISSING:
        return "MISSING";
    default:
        return "not checked";
    }
}

cli_source_state cli_store_check_source(const char *dir, const tmesh_store_source *src)
{
    if (dir == NULL)
        return CLI_SOURCE_UNCHECKED;
    char path[PATH_MAX * 2];
    snprintf(path, sizeof path, "%s/%s", dir, src->path);
    char hex[65];
    tmesh_error err = TMESH_ERROR_INIT;
    tmesh_status st = cli_store_hash_file(path, hex, &err);
    if (st == TMESH_E_NOTFOUND)
        return CLI_SOURCE_MISSING;
    if (st != TMESH_OK)
        return CLI_SOURCE_MISSING;
    return strcmp(hex, src->sha256) == 0 ? CLI_SOURCE_OK : CLI_SOURCE_MODIFIED;
}

/* ---- replay ---- */

static const char *input_of(const tmesh_store_derivation *d, const char *role)
{
    for (size_t i = 0; i < d->n_inputs; i++)
        if (strcmp(d->inputs[i].role, role) == 0)
            return d->inputs[i].hash;
    return NULL;
}

static cli_replay_result compare(const char *got, const char *want, const char *what, char *why,
                                 size_t cap)
{
    if (strcmp(got, want) == 0)
        return CLI_REPLAY_SAME;
    snprintf(why, cap, "replay gives %s %.16s..., recorded %.16s...", what, got, want);
    return CLI_REPLAY_DIFFERS;
}

static cli_replay_result fail_err(const tmesh_error *err, char *why, size_t cap)
{
    snprintf(why, cap, "%s", err->msg);
    return err->code == TMESH_E_VERIFY ? CLI_REPLAY_DIFFERS : CLI_REPLAY_ERROR;
}

static cli_replay_result replay_load(tmesh_store *s, const tmesh_store_derivation *d,
                                     const char *source_dir, char *why, size_t cap)
{
    tmesh_error err = TMESH_ERROR_INIT;
    const char *h_man = input_of(d, "manifest");
    char *recorded = NULL;
    if (h_man == NULL) {
        snprintf(why, cap, "dicom-load record has no manifest input");
        return CLI_REPLAY_ERROR;
    }
    if (source_dir == NULL) {
        if (tmesh_store_source_dir(&recorded, s, h_man, &err) != TMESH_OK)
            return fail_err(&err, why, cap);
        if (recorded == NULL) {
            snprintf(why, cap, "no DICOM folder recorded for manifest %.16s...; give --source DIR",
                     h_man);
            return CLI_REPLAY_ERROR;
        }
        source_dir = recorded;
    }
    char uid[65], tilt[16];
    double stack, resample, resample_mm, assume;
    tmesh_dicom_load_opts lo = TMESH_DICOM_LOAD_OPTS_INIT;
    tmesh_dicom_scan_opts so = TMESH_DICOM_SCAN_OPTS_INIT;
    tmesh_dicom_index *idx = NULL;
    tmesh_volume *vol = NULL;
    tmesh_dicom_manifest *man = NULL;
    cli_replay_result r = CLI_REPLAY_ERROR;
    if (tmesh_store_param_string(uid, sizeof uid, d->params, "series_uid", &err) ||
        tmesh_store_param_string(tilt, sizeof tilt, d->params, "tilt", &err) ||
        num(&stack, d->params, "stack", &err) || num(&resample, d->params, "resample", &err) ||
        num(&resample_mm, d->params, "resample_mm", &err) ||
        num(&assume, d->params, "assume_axial", &err)) {
        r = fail_err(&err, why, cap);
        goto done;
    }
    lo.resample = (int)resample;
    lo.resample_mm = resample_mm;
    lo.tilt = strcmp(tilt, "resample") == 0 ? TMESH_DICOM_TILT_RESAMPLE : TMESH_DICOM_TILT_KEEP;
    lo.assume = assume != 0 ? TMESH_DICOM_ASSUME_AXIAL : TMESH_DICOM_ASSUME_NONE;
    if (tmesh_dicom_scan(&idx, source_dir, &so, &err) != TMESH_OK) {
        r = fail_err(&err, why, cap);
        goto done;
    }
    size_t n = tmesh_dicom_index_count(idx), found = (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        const tmesh_dicom_series_info *si = tmesh_dicom_index_series(idx, i);
        if (strcmp(si->series_uid, uid) == 0 && si->stack == (int)stack)
            found = i;
    }
    if (found == (size_t)-1) {
        snprintf(why, cap, "%s: series %s (stack %d) is no longer there", source_dir, uid,
                 (int)stack);
        r = CLI_REPLAY_DIFFERS;
        goto done;
    }
    if (tmesh_dicom_load(&vol, &man, idx, found, &lo, &err) != TMESH_OK) {
        r = fail_err(&err, why, cap);
        goto done;
    }
    uint8_t dg[32];
    char h[65];
    tmesh_sha256_buf(man->json, strlen(man->json), dg);
    tmesh_sha256_hex(dg, h);
    if ((r = compare(h, h_man, "source manifest", why, cap)) != CLI_REPLAY_SAME)
        goto done;
    if (hash_volume(vol, h, &err) != TMESH_OK) {
        r = fail_err(&err, why, cap);
        goto done;
    }
    r = compare(h, d->output, "volume", why, cap);
done:
    tmesh_volume_free(vol);
    tmesh_dicom_manifest_free(man);
    tmesh_dicom_index_free(idx);
    free(recorded);
    return r;
}

static cli_replay_result replay_import(tmesh_store *s, const tmesh_store_derivation *d, char *why,
                                       size_t cap)
{
    tmesh_error err = TMESH_ERROR_INIT;
    const char *h_file = input_of(d, "file");
    char fmt[16], dir[PATH_MAX], path[PATH_MAX + 32], h[65];
    if (h_file == NULL) {
        snprintf(why, cap, "%s record has no file input", d->operation);
        return CLI_REPLAY_ERROR;
    }
    if (tmesh_store_param_string(fmt, sizeof fmt, d->params, "format", &err))
        return fail_err(&err, why, cap);
    for (char *c = fmt; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9'))) {
            snprintf(why, cap, "format '%s' is not a file extension", fmt);
            return CLI_REPLAY_ERROR;
        }
    uint8_t *b = NULL;
    size_t len = 0;
    if (tmesh_store_get(&b, &len, NULL, s, h_file, &err) != TMESH_OK)
        return fail_err(&err, why, cap);
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/tmesh-replay-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL) {
        free(b);
        snprintf(why, cap, "%s: cannot create a temporary folder: %s", dir, strerror(errno));
        return CLI_REPLAY_ERROR;
    }
    snprintf(path, sizeof path, "%s/import.%s", dir, fmt);
    tmesh_mesh *m = NULL;
    cli_replay_result r = CLI_REPLAY_ERROR;
    if (tmesh_fs_write_atomic(path, b, len, &err) != TMESH_OK ||
        tmesh_mesh_read(&m, path, &err) != TMESH_OK || hash_mesh(m, h, &err) != TMESH_OK)
        r = fail_err(&err, why, cap);
    else
        r = compare(h, d->output, "mesh", why, cap);
    tmesh_mesh_free(m);
    free(b);
    unlink(path);
    rmdir(dir);
    if (r == CLI_REPLAY_SAME && strcmp(d->operation, "hand-edit") == 0)
        return CLI_REPLAY_HUMAN;
    return r;
}

cli_replay_result cli_store_replay(tmesh_store *s, const tmesh_store_derivation *d,
                                   const char *source_dir, char *why, size_t cap)
{
    tmesh_error err = TMESH_ERROR_INIT;
    why[0] = '\0';
    const char *op = d->operation;
    char h[65];
    if (strcmp(op, "dicom-load") == 0)
        return replay_load(s, d, source_dir, why, cap);
    if (strcmp(op, "import") == 0 || strcmp(op, "hand-edit") == 0)
        return replay_import(s, d, why, cap);
    if (strcmp(op, "threshold") == 0 || strcmp(op, "isosurface") == 0) {
        const char *h_img = input_of(d, "image");
        tmesh_volume *img = NULL, *lab = NULL;
        tmesh_mesh *m = NULL;
        double lo, hi;
        cli_replay_result r = CLI_REPLAY_ERROR;
        if (h_img == NULL || tmesh_store_get_volume(&img, s, h_img, &err) != TMESH_OK) {
            if (h_img == NULL)
                tmesh_error_set(&err, TMESH_E_DATA, "%s record has no image input", op);
            return fail_err(&err, why, cap);
        }
        if (op[0] == 't') {
            tmesh_seg_threshold_opts to = TMESH_SEG_THRESHOLD_OPTS_INIT;
            if (num(&lo, d->params, "lower", &err) || num(&hi, d->params, "upper", &err)) {
                r = fail_err(&err, why, cap);
            } else {
                to.lower = lo;
                to.upper = hi;
                if (tmesh_seg_threshold(&lab, img, &to, &err) != TMESH_OK ||
                    hash_volume(lab, h, &err) != TMESH_OK)
                    r = fail_err(&err, why, cap);
                else
                    r = compare(h, d->output, "labels", why, cap);
            }
        } else {
            tmesh_mesh_iso_opts io = TMESH_MESH_ISO_OPTS_INIT;
            if (num(&lo, d->params, "iso", &err)) {
                r = fail_err(&err, why, cap);
            } else {
                io.iso = lo;
                if (tmesh_mesh_isosurface(&m, img, &io, &err) != TMESH_OK ||
                    hash_mesh(m, h, &err) != TMESH_OK)
                    r = fail_err(&err, why, cap);
                else
                    r = compare(h, d->output, "mesh", why, cap);
            }
        }
        tmesh_mesh_free(m);
        tmesh_volume_free(lab);
        tmesh_volume_free(img);
        return r;
    }
    if (strcmp(op, "segment") == 0) {
        const char *h_img = input_of(d, "image");
        tmesh_volume *img = NULL, *lab = NULL;
        tmesh_seg_recipe *rec = NULL;
        tmesh_seg_run_opts ro = TMESH_SEG_RUN_OPTS_INIT;
        size_t rcap = strlen(d->params) + 1;
        char *canon = malloc(rcap);
        cli_replay_result r;
        if (canon == NULL) {
            tmesh_error_set(&err, TMESH_E_NOMEM, "out of memory");
            return fail_err(&err, why, cap);
        }
        if (h_img == NULL)
            tmesh_error_set(&err, TMESH_E_DATA, "segment record has no image input");
        if (h_img == NULL || tmesh_store_get_volume(&img, s, h_img, &err) != TMESH_OK ||
            tmesh_store_param_string(canon, rcap, d->params, "recipe", &err) != TMESH_OK ||
            tmesh_seg_recipe_new(&rec, &err) != TMESH_OK ||
            tmesh_seg_recipe_parse_canonical(rec, canon, &err) != TMESH_OK ||
            tmesh_seg_recipe_run(&lab, NULL, img, rec, &ro, &err) != TMESH_OK ||
            hash_volume(lab, h, &err) != TMESH_OK)
            r = fail_err(&err, why, cap);
        else
            r = compare(h, d->output, "labels", why, cap);
        tmesh_seg_recipe_free(rec);
        tmesh_volume_free(lab);
        tmesh_volume_free(img);
        free(canon);
        return r;
    }
    if (strcmp(op, "mesh-labels") == 0 || strcmp(op, "mesh-all-labels") == 0) {
        int all = strcmp(op, "mesh-all-labels") == 0;
        const char *h_lab = input_of(d, "labels");
        tmesh_volume *lab = NULL;
        tmesh_mesh *m = NULL;
        double label, sigma;
        char meth[16];
        cli_replay_result r;
        if (h_lab == NULL || tmesh_store_get_volume(&lab, s, h_lab, &err) != TMESH_OK) {
            if (h_lab == NULL)
                tmesh_error_set(&err, TMESH_E_DATA, "mesh-labels record has no labels input");
            return fail_err(&err, why, cap);
        }
        tmesh_mesh_label_opts lo = TMESH_MESH_LABEL_OPTS_INIT;
        label = 0;
        if ((!all && num(&label, d->params, "label", &err)) ||
            num(&sigma, d->params, "sigma", &err) ||
            tmesh_store_param_string(meth, sizeof meth, d->params, "method", &err)) {
            r = fail_err(&err, why, cap);
        } else {
            lo.label = (unsigned)label;
            lo.sigma = sigma;
            lo.method = strcmp(meth, "nets") == 0 ? TMESH_MESH_METHOD_NETS : TMESH_MESH_METHOD_MC;
            tmesh_status st = all ? tmesh_mesh_from_labels_all(&m, lab, &lo, &err)
                                  : tmesh_mesh_from_labels(&m, lab, &lo, &err);
            if (st != TMESH_OK || hash_mesh(m, h, &err) != TMESH_OK)
                r = fail_err(&err, why, cap);
            else
                r = compare(h, d->output, "mesh", why, cap);
        }
        tmesh_mesh_free(m);
        tmesh_volume_free(lab);
        return r;
    }
    if (strcmp(op, "smooth") == 0 || strcmp(op, "decimate") == 0 ||
        strcmp(op, "filter-components") == 0) {
        const char *h_in = input_of(d, "mesh");
        tmesh_mesh *m = NULL;
        cli_replay_result r;
        if (h_in == NULL || tmesh_store_get_mesh(&m, s, h_in, &err) != TMESH_OK) {
            if (h_in == NULL)
                tmesh_error_set(&err, TMESH_E_DATA, "%s record has no mesh input", op);
            return fail_err(&err, why, cap);
        }
        if (cli_mesh_apply_op(m, op, d->params, 0, NULL, &err) != TMESH_OK ||
            hash_mesh(m, h, &err) != TMESH_OK)
            r = fail_err(&err, why, cap);
        else
            r = compare(h, d->output, "mesh", why, cap);
        tmesh_mesh_free(m);
        return r;
    }
    snprintf(why, cap, "no replay is known for operation '%s'", op);
    return CLI_REPLAY_UNKNOWN;
}

/* ---- targets ---- */

int cli_store_parse_tag(const uint8_t *data, size_t len, char name[TMESH_STORE_NAME_MAX + 1],
                        int *version, char mesh_prefix[65])
{
    size_t n = len < 4096 ? len : 4096;
    static const char key[] = "asset=";
    for (size_t i = 0; i + sizeof key - 1 < n; i++) {
        if (memcmp(data + i, key, sizeof key - 1) != 0)
            continue;
        size_t j = i + sizeof key - 1, k = 0;
        while (j < n && k < TMESH_STORE_NAME_MAX && data[j] != '@' &&
               (isalnum_ascii(data[j]) || data[j] == '.' || data[j] == '_' || data[j] == '-'))
            name[k++] = (char)data[j++];
        name[k] = '\0';
        if (k == 0 || j >= n || data[j] != '@')
            continue;
        j++;
        long v = 0;
        while (j < n && data[j] >= '0' && data[j] <= '9' && v < 100000000)
            v = v * 10 + (data[j++] - '0');
        if (v <= 0)
            continue;
        *version = (int)v;
        mesh_prefix[0] = '\0';
        static const char mk[] = " mesh=";
        if (j + sizeof mk - 1 <= n && memcmp(data + j, mk, sizeof mk - 1) == 0) {
            j += sizeof mk - 1;
            k = 0;
            while (j < n && k < 64 &&
                   ((data[j] >= '0' && data[j] <= '9') || (data[j] >= 'a' && data[j] <= 'f')))
                mesh_prefix[k++] = (char)data[j++];
            mesh_prefix[k] = '\0';
        }
        return tmesh_store_name_check(name, NULL) == TMESH_OK;
    }
    return 0;
}

int cli_store_target(tmesh_store *s, const char *target, cli_target *out)
{
    memset(out, 0, sizeof *out);
    tmesh_error err = TMESH_ERROR_INIT;
    struct stat sb;
    if (stat(target, &sb) == 0 && S_ISREG(sb.st_mode)) {
        out->is_file = 1;
        uint8_t *b = NULL, d[32];
        size_t len = 0;
        if (tmesh_fs_read_all(target, &b, &len, &err) != TMESH_OK)
            return cli_fail(&err);
        tmesh_sha256_buf(b, len, d);
        tmesh_sha256_hex(d, out->file_sha256);
        if (tmesh_store_export_find(&out->ex, s, out->file_sha256, &err) == TMESH_OK) {
            free(b);
            if (tmesh_store_version_get(&out->v, s, out->ex.asset, out->ex.version, &err))
                return cli_fail(&err);
            return CLI_EXIT_OK;
        }
        tmesh_error_clear(&err);
        char name[TMESH_STORE_NAME_MAX + 1], prefix[65];
        int ver = 0;
        int tagged = cli_store_parse_tag(b, len, name, &ver, prefix);
        free(b);
        if (!tagged) {
            cli_error("%s: not a file exported from this store (no export has SHA-256 %s and "
                      "the file carries no tracemesh tag)",
                      target, out->file_sha256);
            return CLI_EXIT_VERIFY;
        }
        out->file_state = 1;
        if (tmesh_store_version_get(&out->v, s, name, ver, &err) != TMESH_OK) {
            cli_error("%s: tagged %s@%d, which this store does not hold", target, name, ver);
            return CLI_EXIT_VERIFY;
        }
        return CLI_EXIT_OK;
    }
    char name[TMESH_STORE_NAME_MAX + 1];
    int ver = 0;
    if (tmesh_store_ref_parse(target, name, &ver, &err) != TMESH_OK) {
        cli_error("%s: neither a file nor an asset reference (%s)", target, err.msg);
        return CLI_EXIT_USAGE;
    }
    if (tmesh_store_version_get(&out->v, s, name, ver, &err) != TMESH_OK)
        return cli_fail(&err);
    return CLI_EXIT_OK;
}

int cli_store_publish_build(const char *name, const char *store_opt,
                            const tmesh_store_publish_opts *po, const char *dir,
                            const cli_dicom_args *da, const cli_build_params *bp,
                            tmesh_mesh **mesh_out, int *version_out)
{
    tmesh_error err = TMESH_ERROR_INIT;
    if (mesh_out)
        *mesh_out = NULL;
    if (tmesh_store_name_check(name, &err) != TMESH_OK) {
        cli_error("%s", err.msg);
        return CLI_EXIT_USAGE;
    }
    tmesh_store *s = NULL;
    int rc = cli_store_open(store_opt, &s);
    if (rc != CLI_EXIT_OK)
        return rc;
    char mesh[65];
    tmesh_mesh *m = NULL;
    int version = 0;
    rc = cli_store_build(s, dir, da, bp, mesh, mesh_out ? &m : NULL);
    if (rc == CLI_EXIT_OK) {
        if (tmesh_store_publish(&version, s, name, mesh, po, &err) != TMESH_OK)
            rc = cli_fail(&err);
        else
            printf("%s@%d %s\n", name, version, mesh);
        if (version_out)
            *version_out = version;
    }
    tmesh_store_close(s);
    if (rc == CLI_EXIT_OK && mesh_out)
        *mesh_out = m;
    else
        tmesh_mesh_free(m);
    return rc;
}

tmesh_status cli_store_record_file(tmesh_store *s, const tmesh_store_version *v, const char *path,
                                   tmesh_error *err)
{
    tmesh_store_export ex;
    memset(&ex, 0, sizeof ex);
    snprintf(ex.asset, sizeof ex.asset, "%s", v->asset);
    ex.version = v->version;
    snprintf(ex.mesh, sizeof ex.mesh, "%s", v->mesh);
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    const char *dot =
        n > 7 && strcmp(base + n - 7, ".nii.gz") == 0 ? base + n - 7 : strrchr(base, '.');
    snprintf(ex.format, sizeof ex.format, "%s", dot ? dot + 1 : "");
    tmesh_status st = cli_store_hash_file(path, ex.file_sha256, err);
    if (st == TMESH_OK)
        st = tmesh_store_export_add(s, &ex, err);
    return st;
}

int cli_store_build_named(const char *name, const char *store_opt,
                          const tmesh_store_publish_opts *po, const char *dir,
                          const cli_dicom_args *da, const cli_build_params *bp, const char *out,
                          const tmesh_mesh_write_opts *wo)
{
    tmesh_mesh *m = NULL;
    tmesh_error err = TMESH_ERROR_INIT;
    int ver = 0;
    int rc = cli_store_publish_build(name, store_opt, po, dir, da, bp, &m, &ver);
    if (rc != CLI_EXIT_OK)
        return rc;
    tmesh_store *s = NULL;
    tmesh_store_version v;
    tmesh_mesh_report r;
    if ((rc = cli_store_open(store_opt, &s)) != CLI_EXIT_OK)
        goto done;
    if (tmesh_store_version_get(&v, s, name, ver, &err) != TMESH_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    /* The same check, warning, file and summary line as 'tracemesh build' without --name;
     * the written file is recorded as an export of the new version, so trace finds it. */
    if ((rc = cli_build_write(m, out, wo, &r)) != CLI_EXIT_OK)
        goto done;
    if (cli_store_record_file(s, &v, out, &err) != TMESH_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    cli_build_summary(out, &r);
done:
    tmesh_store_close(s);
    tmesh_mesh_free(m);
    return rc;
}
