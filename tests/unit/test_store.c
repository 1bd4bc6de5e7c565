/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the store module: object round trips and hash checks, canonical volume and
 * mesh encodings, a manifest -> volume -> labels -> mesh chain with derivations, versions
 * 1..3 with their parents (build, parameter change, hand edit), reviews, exports, PROV-JSON,
 * tamper detection by get/walk/fsck, immutability of the catalog, and every documented error.
 */
#define _POSIX_C_SOURCE 200809L
#include "test_support.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tracemesh/store.h"

static const char manifest_json[] =
    "{\"dim\":[2,2,2],\"files\":[{\"frame\":0,\"path\":\"a/IM1.dcm\",\"sha256\":"
    "\"1111111111111111111111111111111111111111111111111111111111111111\","
    "\"sop_instance_uid\":\"1.2.3.1\"},{\"frame\":0,\"path\":\"a/IM2.dcm\",\"sha256\":"
    "\"2222222222222222222222222222222222222222222222222222222222222222\","
    "\"sop_instance_uid\":\"1.2.3.2\"}],\"format\":\"tracemesh.source-manifest/1\","
    "\"modality\":\"CT\",\"series_uid\":\"1.2.3\"}";

typedef struct fixture {
    char *dir;  /* temp folder              */
    char *path; /* its .tracemesh folder    */
    tmesh_store *s;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->dir = ts_mkdtemp();
    f->path = ts_path(f->dir, ".tracemesh");
    tmesh_error err = TMESH_ERROR_INIT;
    tmesh_store_open_opts o = TMESH_STORE_OPEN_OPTS_INIT;
    o.user = "tester";
    if (tmesh_store_create(&f->s, f->path, &o, &err) != TMESH_OK)
        fail_msg("%s", err.msg);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    tmesh_store_close(f->s);
    ts_rmtree(f->dir);
    free(f->dir);
    free(f->path);
    free(f);
    return 0;
}

static tmesh_volume *make_volume(tmesh_voxel_type t, int seed)
{
    size_t dim[3] = {4, 3, 2};
    tmesh_volume *v = NULL;
    assert_int_equal(tmesh_volume_new(&v, dim, t, NULL), TMESH_OK);
    for (size_t i = 0; i < tmesh_volume_count(v); i++) {
        if (t == TMESH_VOXEL_I16)
            ((int16_t *)v->data)[i] = (int16_t)(i * 100 - 1000 + seed);
        else if (t == TMESH_VOXEL_U8)
            ((uint8_t *)v->data)[i] = (uint8_t)((i + (size_t)seed) % 2);
    }
    v->ijk_to_lps[0][0] = 0.5;
    v->ijk_to_lps[1][1] = -0.75;
    v->ijk_to_lps[2][2] = 1.25;
    v->ijk_to_lps[0][3] = -100.125;
    return v;
}

/* A tetrahedron, shifted along x by `dx`. */
static tmesh_mesh *make_mesh(float dx, int with_normals)
{
    tmesh_mesh *m = NULL;
    assert_int_equal(tmesh_mesh_new(&m, 4, 4, with_normals ? TMESH_MESH_NORMALS : 0, NULL),
                     TMESH_OK);
    const float xyz[12] = {0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1};
    const uint32_t tri[12] = {0, 2, 1, 0, 1, 3, 0, 3, 2, 1, 2, 3};
    memcpy(m->xyz, xyz, sizeof xyz);
    for (int i = 0; i < 4; i++)
        m->xyz[3 * i] += dx;
    memcpy(m->tri, tri, sizeof tri);
    if (with_normals)
        for (int i = 0; i < 12; i++)
            m->normals[i] = 0.5f;
    return m;
}

static void corrupt_one_byte(const tmesh_store *s, const char *hash, long offset)
{
    char path[4096];
    tmesh_store_object_path(s, hash, path, sizeof path);
    FILE *fp = fopen(path, "r+b");
    assert_non_null(fp);
    fseek(fp, offset, offset < 0 ? SEEK_END : SEEK_SET);
    int c = fgetc(fp);
    fseek(fp, offset < 0 ? -1 : 0, offset < 0 ? SEEK_CUR : SEEK_CUR);
    fseek(fp, offset, offset < 0 ? SEEK_END : SEEK_SET);
    fputc(c ^ 0x5a, fp);
    fclose(fp);
}

/* ---- opening ---- */

static void test_store_open__create_open_and_errors(void **state)
{
    fixture *f = *state;
    tmesh_error err = TMESH_ERROR_INIT;
    tmesh_store *s2 = NULL;
    assert_int_equal(tmesh_store_create(&s2, f->path, NULL, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "exists there already");
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_store_open(&s2, f->path, NULL, &err), TMESH_OK);
    assert_string_equal(tmesh_store_path(s2), f->path);
    tmesh_store_close(s2);
    char *nowhere = ts_path(f->dir, "nowhere");
    assert_int_equal(tmesh_store_open(&s2, nowhere, NULL, &err), TMESH_E_NOTFOUND);
    ts_assert_error(err, TMESH_E_NOTFOUND, "nowhere");
    tmesh_error_clear(&err);
    tmesh_store_open_opts o = TMESH_STORE_OPEN_OPTS_INIT;
    o.busy_timeout_ms = 0;
    assert_int_equal(tmesh_store_open(&s2, f->path, &o, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "busy_timeout_ms");
    /* A folder holding a catalog that is not ours. */
    char *fake = ts_path(f->dir, "fake");
    mkdir(fake, 0777);
    char *fdb = ts_path(fake, "catalog.db"), *ffmt = ts_path(fake, "FORMAT");
    ts_write_file(fdb, "not sqlite at all, just text that is long enough to matter......", 64);
    ts_write_file(ffmt, "x", 1);
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_store_open(&s2, fake, NULL, &err), TMESH_E_DATA);
    ts_assert_error(err, TMESH_E_DATA, "catalog.db");
    tmesh_store_close(NULL);
    /* An interrupted init (a catalog but no FORMAT) is not a store: init starts again. */
    char *half = ts_path(f->dir, "half"), *hdb = ts_path(half, "catalog.db");
    mkdir(half, 0777);
    ts_write_file(hdb, "partial", 7);
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_store_open(&s2, half, NULL, &err), TMESH_E_NOTFOUND);
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_store_create(&s2, half, NULL, &err), TMESH_OK);
    tmesh_store_close(s2);
    free(hdb);
    free(half);
    /* A store below a regular file cannot be created: E_IO naming the path. */
    char *under = ts_path(ffmt, "store");
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_store_create(&s2, under, NULL, &err), TMESH_E_IO);
    ts_assert_error(err, TMESH_E_IO, under);
    free(under);
    free(fdb);
    free(ffmt);
    free(fake);
    free(nowhere);
}

/* ---- names ---- */

static void test_store_names__charset_and_refs(void **state)
{
    (void)state;
    tmesh_error err = TMESH_ERROR_INIT;
    assert_int_equal(tmesh_store_name_check("skull", &err), TMESH_OK);
    assert_int_equal(tmesh_store_name_check("Skull_v2.left-side", &err), TMESH_OK);
    const char *bad[] = {"", "../etc", "a/b", ".hidden", "a..b", "sk ull", "x@1", "-x", "é"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tmesh_error_clear(&err);
        assert_int_equal(tmesh_store_name_check(bad[i], &err), TMESH_E_ARG);
        assert_true(strstr(err.msg, "asset name") != NULL);
    }
    char longname[80];
    memset(longname, 'a', 65);
    longname[65] = 0;
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_store_name_check(longname, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "longer than 64");
    longname[64] = 0;
    assert_int_equal(tmesh_store_name_check(longname, NULL), TMESH_OK);

    char name[TMESH_STORE_NAME_MAX + 1];
    int v = -1;
    assert_int_equal(tmesh_store_ref_parse("skull@12", name, &v, &err), TMESH_OK);
    assert_string_equal(name, "skull");
    assert_int_equal(v, 12);
    assert_int_equal(tmesh_store_ref_parse("skull", name, &v, &err), TMESH_OK);
    assert_int_equal(v, 0);
    const char *badref[] = {"skull@", "skull@0", "skull@x", "skull@-1", "@3", "a/b@1"};
    for (size_t i = 0; i < sizeof badref / sizeof badref[0]; i++) {
        tmesh_error_clear(&err);
        assert_int_equal(tmesh_store_ref_parse(badref[i], name, &v, &err), TMESH_E_ARG);
    }
    assert_true(
        tmesh_store_hash_valid("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
    assert_false(tmesh_store_hash_valid("0123"));
    assert_false(
        tmesh_store_hash_valid("0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"));
    tmesh_store_kind k;
    assert_int_equal(tmesh_store_kind_parse(&k, "labels", &err), TMESH_OK);
    assert_int_equal(k, TMESH_STORE_LABELS);
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_store_kind_parse(&k, "blob", &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "blob");
    assert_string_equal(tmesh_store_kind_name(99), "?");
}

/* ---- objects ---- */

static void test_store_objects__put_get_dedupe_kinds(void **state)
{
    fixture *f = *state;
    tmesh_error err = TMESH_ERROR_INIT;
    char h1[65], h2[65];
    const char text[] = "hello, store";
    assert_int_equal(tmesh_store_put(f->s, TMESH_STORE_FILE, text, sizeof text - 1, h1, &err),
                     TMESH_OK);
    /* Known SHA-256 of the bytes: the name is the hash of the canonical bytes. */
    uint8_t d[32];
    char hex[65];
    tmesh_sha256_buf(text, sizeof text - 1, d);
    tmesh_sha256_hex(d, hex);
    assert_string_equal(h1, hex);
    char path[4096];
    tmesh_store_object_path(f->s, h1, path, sizeof path);
    assert_true(ts_exists(path));
    struct stat sb1, sb2;
    assert_int_equal(stat(path, &sb1), 0);
    /* Stored compressed (gzip magic), not as the raw bytes. */
    uint8_t *raw = NULL;
    size_t raw_len = 0;
    assert_int_equal(tmesh_fs_read_all(path, &raw, &raw_len, NULL), TMESH_OK);
    assert_true(raw_len > 2 && raw[0] == 0x1f && raw[1] == 0x8b);
    free(raw);
    assert_int_equal(tmesh_store_put(f->s, TMESH_STORE_FILE, text, sizeof text - 1, h2, &err),
                     TMESH_OK);
    assert_string_equal(h1, h2);
    assert_int_equal(stat(path, &sb2), 0);
    assert_int_equal(sb1.st_ino, sb2.st_ino); /* never rewritten */
    uint8_t *out = NULL;
    size_t len = 0;
    tmesh_store_kind kind = 0;
    assert_int_equal(tmesh_store_get(&out, &len, &kind, f->s, h1, &err), TMESH_OK);
    assert_int_equal(len, sizeof text - 1);
    assert_memory_equal(out, text, len);
    assert_int_equal(out[len], 0);
    assert_int_equal(kind, TMESH_STORE_FILE);
    free(out);
    /* Same bytes under another kind: refused. */
    assert_int_equal(tmesh_store_put(f->s, TMESH_STORE_FIGURE, text, sizeof text - 1, h2, &err),
                     TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "is a file already");
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_store_put(f->s, (tmesh_store_kind)42, text, 3, h2, &err), TMESH_E_ARG);
    tmesh_error_clear(&err);
    /* Unknown and malformed hashes. */
    assert_int_equal(tmesh_store_get(&out, &len, NULL, f->s, "abc", &err), TMESH_E_ARG);
    tmesh_error_clear(&err);
    const char *nohash = "00000000000000000000000000000000000000000000000000000000000000ff";
    assert_int_equal(tmesh_store_get(&out, &len, NULL, f->s, nohash, &err), TMESH_E_NOTFOUND);
    ts_assert_error(err, TMESH_E_NOTFOUND, nohash);
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_store_object_kind(&kind, f->s, nohash, &err), TMESH_E_NOTFOUND);
    /* Pending rows become visible to a second handle only after commit. */
    assert_int_equal(tmesh_store_commit(f->s, &err), TMESH_OK);
    tmesh_store *s2 = NULL;
    assert_int_equal(tmesh_store_open(&s2, f->path, NULL, &err), TMESH_OK);
    assert_int_equal(tmesh_store_object_kind(&kind, s2, h1, &err), TMESH_OK);
    assert_int_equal(kind, TMESH_STORE_FILE);
    tmesh_store_close(s2);
}

static void test_store_objects__tamper_detected(void **state)
{
    fixture *f = *state;
    tmesh_error err = TMESH_ERROR_INIT;
    char h[65];
    char data[2000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (char)(i * 7);
    assert_int_equal(tmesh_store_put(f->s, TMESH_STORE_FIGURE, data, sizeof data, h, &err),
                     TMESH_OK);
    assert_int_equal(tmesh_store_commit(f->s, &err), TMESH_OK);
    corrupt_one_byte(f->s, h, 40);
    uint8_t *out = NULL;
    size_t len = 0;
    tmesh_status st = tmesh_store_get(&out, &len, NULL, f->s, h, &err);
    assert_int_equal(st, TMESH_E_VERIFY);
    assert_non_null(strstr(err.msg, h));
    assert_null(out);
    /* Storing the same bytes again does not silently repair it. */
    tmesh_error_clear(&err);
    char h2[65];
    assert_int_equal(tmesh_store_put(f->s, TMESH_STORE_FIGURE, data, sizeof data, h2, &err),
                     TMESH_E_VERIFY);
    ts_assert_error(err, TMESH_E_VERIFY, "fsck");
    tmesh_store_fsck_report r;
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_store_fsck(&r, f->s, NULL, NULL, &err), TMESH_OK);
    assert_int_equal(r.problems, 1);
    assert_int_equal(r.objects_checked, 1);
    /* A missing object file. */
    char path[4096];
    tmesh_store_object_path(f->s, h, path, sizeof path);
    unlink(path);
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_store_get(&out, &len, NULL, f->s, h, &err), TMESH_E_NOTFOUND);
    ts_assert_error(err, TMESH_E_NOTFOUND, "file missing");
}

static void test_store_encode__volume_and_mesh_round_trip(void **state)
{
    fixture *f = *state;
    tmesh_error err = TMESH_ERROR_INIT;
    tmesh_volume *v = make_volume(TMESH_VOXEL_I16, 3), *back = NULL;
    uint8_t *b = NULL;
    size_t len = 0;
    assert_int_equal(tmesh_store_volume_encode(&b, &len, v, &err), TMESH_OK);
    assert_int_equal(len, 8 + 4 + 24 + 128 + 24 * 2);
    assert_memory_equal(b, "TMVOL1\n", 8);
    assert_int_equal(tmesh_store_volume_decode(&back, b, len, &err), TMESH_OK);
    assert_memory_equal(back->dim, v->dim, sizeof v->dim);
    assert_int_equal(back->type, v->type);
    assert_memory_equal(back->ijk_to_lps, v->ijk_to_lps, sizeof v->ijk_to_lps);
    assert_memory_equal(back->data, v->data, 24 * 2);
    tmesh_volume_free(back);
    assert_int_equal(tmesh_store_volume_decode(&back, b, len - 1, &err), TMESH_E_DATA);
    ts_assert_error(err, TMESH_E_DATA, "do not match");
    tmesh_error_clear(&err);
    b[0] = 'X';
    assert_int_equal(tmesh_store_volume_decode(&back, b, len, &err), TMESH_E_DATA);
    free(b);
    /* Same volume, same hash; one sample different, other hash. */
    char h1[65], h2[65], h3[65];
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_store_put_volume(f->s, TMESH_STORE_VOLUME, v, h1, &err), TMESH_OK);
    assert_int_equal(tmesh_store_put_volume(f->s, TMESH_STORE_VOLUME, v, h2, &err), TMESH_OK);
    assert_string_equal(h1, h2);
    ((int16_t *)v->data)[5]++;
    assert_int_equal(tmesh_store_put_volume(f->s, TMESH_STORE_VOLUME, v, h3, &err), TMESH_OK);
    assert_string_not_equal(h1, h3);
    assert_int_equal(tmesh_store_put_volume(f->s, TMESH_STORE_LABELS, v, h3, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "u8 or u16");
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_store_get_volume(&back, f->s, h3, &err), TMESH_OK);
    assert_memory_equal(back->data, v->data, 48);
    tmesh_volume_free(back);
    tmesh_volume_free(v);

    tmesh_mesh *m = make_mesh(2.5f, 1), *mb = NULL;
    assert_int_equal(tmesh_store_mesh_encode(&b, &len, m, &err), TMESH_OK);
    assert_int_equal(len, 8 + 4 + 16 + 4 * 24 + 4 * 12);
    assert_int_equal(tmesh_store_mesh_decode(&mb, b, len, &err), TMESH_OK);
    assert_memory_equal(mb->xyz, m->xyz, 48);
    assert_memory_equal(mb->normals, m->normals, 48);
    assert_memory_equal(mb->tri, m->tri, 48);
    assert_null(mb->labels);
    tmesh_mesh_free(mb);
    /* A triangle index beyond the vertices is refused. */
    b[len - 1] = 0x7f;
    assert_int_equal(tmesh_store_mesh_decode(&mb, b, len, &err), TMESH_E_DATA);
    ts_assert_error(err, TMESH_E_DATA, "triangle 3");
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_store_mesh_decode(&mb, b, 10, &err), TMESH_E_DATA);
    free(b);
    tmesh_error_clear(&err);
    char hm[65];
    assert_int_equal(tmesh_store_put_mesh(f->s, m, hm, &err), TMESH_OK);
    assert_int_equal(tmesh_store_get_mesh(&mb, f->s, hm, &err), TMESH_OK);
    assert_int_equal(mb->n_triangles, 4);
    tmesh_mesh_free(mb);
    /* A mesh object cannot be read as a volume. */
    assert_int_equal(tmesh_store_get_volume(&back, f->s, hm, &err), TMESH_E_DATA);
    ts_assert_error(err, TMESH_E_DATA, hm);
    tmesh_mesh_free(m);
}

/* ---- the chain ---- */

typedef struct chain {
    char manifest[65], volume[65], labels[65], mesh[65];
    char d_vol[65], d_lab[65], d_mesh[65];
} chain;

/* manifest -> volume -> labels -> mesh, with a mesh shifted by `dx` (a "parameter"). */
static void store_chain(tmesh_store *s, chain *c, float dx, const char *params)
{
    tmesh_error err = TMESH_ERROR_INIT;
    assert_int_equal(tmesh_store_put(s, TMESH_STORE_MANIFEST, manifest_json, strlen(manifest_json),
                                     c->manifest, &err),
                     TMESH_OK);
    assert_int_equal(tmesh_store_set_source_dir(s, c->manifest, "/abs/scan", &err), TMESH_OK);
    tmesh_volume *v = make_volume(TMESH_VOXEL_I16, 0), *l = make_volume(TMESH_VOXEL_U8, 1);
    assert_int_equal(tmesh_store_put_volume(s, TMESH_STORE_VOLUME, v, c->volume, &err), TMESH_OK);
    tmesh_store_input in1 = {"manifest", c->manifest};
    assert_int_equal(
        tmesh_store_derive(s, c->d_vol, "dicom-load", "{\"series\":1}", &in1, 1, c->volume, &err),
        TMESH_OK);
    assert_int_equal(tmesh_store_put_volume(s, TMESH_STORE_LABELS, l, c->labels, &err), TMESH_OK);
    tmesh_store_input in2 = {"image", c->volume};
    assert_int_equal(tmesh_store_derive(s, c->d_lab, "threshold",
                                        "{\"upper\": 3000, \"lower\": 226}", &in2, 1, c->labels,
                                        &err),
                     TMESH_OK);
    tmesh_mesh *m = make_mesh(dx, 0);
    assert_int_equal(tmesh_store_put_mesh(s, m, c->mesh, &err), TMESH_OK);
    tmesh_store_input in3 = {"labels", c->labels};
    assert_int_equal(
        tmesh_store_derive(s, c->d_mesh, "mesh-labels", params, &in3, 1, c->mesh, &err), TMESH_OK);
    tmesh_mesh_free(m);
    tmesh_volume_free(v);
    tmesh_volume_free(l);
}

static void test_store_derive__record_is_canonical(void **state)
{
    fixture *f = *state;
    tmesh_error err = TMESH_ERROR_INIT;
    chain c;
    store_chain(f->s, &c, 0.0f, "{\"sigma\":0.5,\"label\":1}");
    tmesh_store_derivation *d = NULL;
    assert_int_equal(tmesh_store_derivation_get(&d, f->s, c.d_lab, &err), TMESH_OK);
    assert_string_equal(d->operation, "threshold");
    assert_string_equal(d->params, "{\"lower\":226,\"upper\":3000}"); /* sorted, compact */
    assert_string_equal(d->tool_version, TMESH_VERSION_STRING);
    assert_int_equal(d->n_inputs, 1);
    assert_string_equal(d->inputs[0].hash, c.volume);
    assert_string_equal(d->inputs[0].role, "image");
    assert_int_equal(d->inputs[0].kind, TMESH_STORE_VOLUME);
    assert_string_equal(d->output, c.labels);
    tmesh_store_derivation_free(d);
    /* The record's own bytes: no time, user or path. */
    uint8_t *b = NULL;
    size_t len = 0;
    assert_int_equal(tmesh_store_get(&b, &len, NULL, f->s, c.d_lab, &err), TMESH_OK);
    assert_null(strstr((char *)b, "tester"));
    assert_null(strstr((char *)b, "/abs/scan"));
    assert_null(strstr((char *)b, "T0"));
    assert_non_null(strstr((char *)b, "\"format\":\"tracemesh.derivation/1\""));
    free(b);
    /* Same parameters written differently: the same record. */
    char again[65];
    tmesh_store_input in2 = {"image", c.volume};
    assert_int_equal(tmesh_store_derive(f->s, again, "threshold", "{\"lower\":226,\"upper\":3e3}",
                                        &in2, 1, c.labels, &err),
                     TMESH_OK);
    assert_string_equal(again, c.d_lab);
    /* derivation_of finds records before and after commit. */
    assert_int_equal(tmesh_store_derivation_of(&d, f->s, c.mesh, &err), TMESH_OK);
    assert_string_equal(d->hash, c.d_mesh);
    tmesh_store_derivation_free(d);
    assert_int_equal(tmesh_store_commit(f->s, &err), TMESH_OK);
    assert_int_equal(tmesh_store_derivation_of(&d, f->s, c.mesh, &err), TMESH_OK);
    assert_string_equal(d->hash, c.d_mesh);
    tmesh_store_derivation_free(d);
    assert_int_equal(tmesh_store_derivation_of(&d, f->s, c.manifest, &err), TMESH_OK);
    assert_null(d); /* a root */
    char *dir = NULL;
    assert_int_equal(tmesh_store_source_dir(&dir, f->s, c.manifest, &err), TMESH_OK);
    assert_string_equal(dir, "/abs/scan");
    free(dir);
    /* Errors name what is wrong. */
    char h[65];
    tmesh_store_input bad = {"image",
                             "0000000000000000000000000000000000000000000000000000000000000000"};
    assert_int_equal(tmesh_store_derive(f->s, h, "threshold", "{}", &bad, 1, c.labels, &err),
                     TMESH_E_NOTFOUND);
    ts_assert_error(err, TMESH_E_NOTFOUND, "input object 0000");
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_store_derive(f->s, h, "Bad Op", "{}", &in2, 1, c.labels, &err),
                     TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "operation 'Bad Op'");
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_store_derive(f->s, h, "threshold", "[1,2]", &in2, 1, c.labels, &err),
                     TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "params_json");
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_store_derive(f->s, h, "threshold", "{\"a\":", &in2, 1, c.labels, &err),
                     TMESH_E_ARG);
    tmesh_error_clear(&err);
    tmesh_store_input badrole = {"Image!", c.volume};
    assert_int_equal(tmesh_store_derive(f->s, h, "threshold", "{}", &badrole, 1, c.labels, &err),
                     TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "role 'Image!'");
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_store_derive(f->s, h, "threshold", "{}", &in2, 1, "xyz", &err),
                     TMESH_E_ARG);
    /* A manifest object is not a derivation record. */
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_store_derivation_get(&d, f->s, c.manifest, &err), TMESH_E_DATA);
    ts_assert_error(err, TMESH_E_DATA, "not a derivation record");
}

/* Versions 1..3: a build, a build with another parameter, a hand edit of version 2. */
static void publish_three(fixture *f, chain *c1, chain *c2, char edited_mesh[65],
                          char edited_file[65])
{
    tmesh_error err = TMESH_ERROR_INIT;
    int v = 0;
    store_chain(f->s, c1, 0.0f, "{\"sigma\":0.5}");
    tmesh_store_publish_opts po = TMESH_STORE_PUBLISH_OPTS_INIT;
    po.note = "first build";
    assert_int_equal(tmesh_store_publish(&v, f->s, "skull", c1->mesh, &po, &err), TMESH_OK);
    assert_int_equal(v, 1);
    store_chain(f->s, c2, 1.0f, "{\"sigma\":1.0}");
    assert_string_equal(c1->manifest, c2->manifest);
    assert_string_not_equal(c1->mesh, c2->mesh);
    po.note = "sigma 1.0";
    assert_int_equal(tmesh_store_publish(&v, f->s, "skull", c2->mesh, &po, &err), TMESH_OK);
    assert_int_equal(v, 2);
    const char file[] = "# edited by hand\nv 0 0 0\n";
    assert_int_equal(
        tmesh_store_put(f->s, TMESH_STORE_FILE, file, sizeof file - 1, edited_file, &err),
        TMESH_OK);
    tmesh_mesh *m = make_mesh(7.0f, 0);
    assert_int_equal(tmesh_store_put_mesh(f->s, m, edited_mesh, &err), TMESH_OK);
    tmesh_mesh_free(m);
    tmesh_store_input in[2] = {{"base", c2->mesh}, {"file", edited_file}};
    char d[65];
    assert_int_equal(
        tmesh_store_derive(f->s, d, "hand-edit", "{\"format\":\"obj\"}", in, 2, edited_mesh, &err),
        TMESH_OK);
    po.parent = "skull@2";
    po.note = "closed a hole by hand";
    assert_int_equal(tmesh_store_publish(&v, f->s, "skull", edited_mesh, &po, &err), TMESH_OK);
    assert_int_equal(v, 3);
}

static void test_store_versions__three_versions_with_parents(void **state)
{
    fixture *f = *state;
    tmesh_error err = TMESH_ERROR_INIT;
    chain c1, c2;
    char em[65], ef[65];
    publish_three(f, &c1, &c2, em, ef);
    tmesh_store_version *vs = NULL;
    size_t n = 0;
    assert_int_equal(tmesh_store_versions(&vs, &n, f->s, "skull", &err), TMESH_OK);
    assert_int_equal(n, 3);
    assert_int_equal(vs[0].version, 1);
    assert_string_equal(vs[0].mesh, c1.mesh);
    assert_string_equal(vs[0].derivation, c1.d_mesh);
    assert_int_equal(vs[0].parent_version, 0);
    assert_string_equal(vs[0].parent_asset, "");
    assert_string_equal(vs[0].note, "first build");
    assert_string_equal(vs[0].created_by, "tester");
    assert_int_equal(vs[0].review_state, 0);
    assert_int_equal(strlen(vs[0].created_at), 20);
    assert_string_equal(vs[1].mesh, c2.mesh);
    assert_string_equal(vs[1].parent_asset, "skull");
    assert_int_equal(vs[1].parent_version, 1);
    assert_string_equal(vs[2].mesh, em);
    assert_int_equal(vs[2].parent_version, 2);
    free(vs);
    tmesh_store_version v;
    assert_int_equal(tmesh_store_version_get(&v, f->s, "skull", 0, &err), TMESH_OK);
    assert_int_equal(v.version, 3);
    assert_int_equal(tmesh_store_version_get(&v, f->s, "skull", 4, &err), TMESH_E_NOTFOUND);
    ts_assert_error(err, TMESH_E_NOTFOUND, "skull@4");
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_store_versions(&vs, &n, f->s, "jaw", &err), TMESH_E_NOTFOUND);
    ts_assert_error(err, TMESH_E_NOTFOUND, "jaw");
    /* Every version's walk reaches the same manifest and DICOM files; the hand edit through
     * its base. */
    for (int ver = 1; ver <= 3; ver++) {
        assert_int_equal(tmesh_store_version_get(&v, f->s, "skull", ver, &err), TMESH_OK);
        tmesh_store_node *nodes = NULL;
        size_t nn = 0;
        assert_int_equal(tmesh_store_walk(&nodes, &nn, f->s, v.mesh, &err), TMESH_OK);
        int found = 0;
        for (size_t i = 0; i < nn; i++) {
            assert_int_equal(nodes[i].check, TMESH_OK);
            if (strcmp(nodes[i].hash, c1.manifest) == 0) {
                found = 1;
                assert_int_equal(nodes[i].kind, TMESH_STORE_MANIFEST);
                assert_string_equal(nodes[i].derivation, "");
            }
        }
        assert_true(found);
        assert_string_equal(nodes[0].hash, v.mesh);
        assert_int_equal(nodes[0].depth, 0);
        if (ver == 3) {
            assert_string_equal(nodes[0].operation, "hand-edit");
            assert_string_equal(nodes[1].role, "base");
            assert_string_equal(nodes[1].hash, c2.mesh);
        }
        free(nodes);
    }
    tmesh_store_source *src = NULL;
    size_t ns = 0;
    assert_int_equal(tmesh_store_manifest_sources(&src, &ns, (const uint8_t *)manifest_json,
                                                  strlen(manifest_json), &err),
                     TMESH_OK);
    assert_int_equal(ns, 2);
    assert_string_equal(src[1].path, "a/IM2.dcm");
    assert_string_equal(src[1].sop_instance_uid, "1.2.3.2");
    tmesh_store_sources_free(src, ns);
    assert_int_equal(tmesh_store_manifest_sources(&src, &ns, (const uint8_t *)"{}", 2, &err),
                     TMESH_E_DATA);
    tmesh_error_clear(&err);
    /* Publish errors. */
    int nv;
    assert_int_equal(tmesh_store_publish(&nv, f->s, "../x", c1.mesh, NULL, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "asset name");
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_store_publish(&nv, f->s, "jaw", c1.volume, NULL, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "not a mesh or label volume");
    tmesh_error_clear(&err);
    /* A label volume makes a label asset. */
    assert_int_equal(tmesh_store_publish(&nv, f->s, "jaw-labels", c1.labels, NULL, &err),
                     TMESH_OK);
    assert_int_equal(nv, 1);
    tmesh_store_publish_opts po = TMESH_STORE_PUBLISH_OPTS_INIT;
    po.parent = "skull@9";
    assert_int_equal(tmesh_store_publish(&nv, f->s, "jaw", c1.mesh, &po, &err), TMESH_E_NOTFOUND);
    ts_assert_error(err, TMESH_E_NOTFOUND, "skull@9");
    tmesh_error_clear(&err);
    /* The failed publish left nothing: jaw does not exist. */
    assert_int_equal(tmesh_store_version_get(&v, f->s, "jaw", 0, &err), TMESH_E_NOTFOUND);
    tmesh_error_clear(&err);
    po.parent = NULL;
    po.no_parent = 1;
    assert_int_equal(tmesh_store_publish(&nv, f->s, "jaw", c1.mesh, &po, &err), TMESH_OK);
    assert_int_equal(nv, 1);
    char(*names)[TMESH_STORE_NAME_MAX + 1] = NULL;
    assert_int_equal(tmesh_store_assets(&names, &n, f->s, &err), TMESH_OK);
    assert_int_equal(n, 3);
    assert_string_equal(names[0], "jaw");
    assert_string_equal(names[1], "jaw-labels");
    assert_string_equal(names[2], "skull");
    free(names);
    char longnote[TMESH_STORE_NOTE_MAX + 2];
    memset(longnote, 'n', sizeof longnote - 1);
    longnote[sizeof longnote - 1] = 0;
    po.note = longnote;
    assert_int_equal(tmesh_store_publish(&nv, f->s, "jaw", c1.mesh, &po, &err), TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "note");
    tmesh_store_fsck_report r;
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_store_fsck(&r, f->s, NULL, NULL, &err), TMESH_OK);
    assert_int_equal(r.problems, 0);
    assert_int_equal(r.unreferenced, 0);
}

static void test_store_reviews__immutable_and_shown(void **state)
{
    fixture *f = *state;
    tmesh_error err = TMESH_ERROR_INIT;
    chain c1, c2;
    char em[65], ef[65];
    publish_three(f, &c1, &c2, em, ef);
    assert_int_equal(tmesh_store_review_add(f->s, "skull", 3, TMESH_STORE_REJECTED, "Dr Who",
                                            "hole still open", &err),
                     TMESH_OK);
    assert_int_equal(
        tmesh_store_review_add(f->s, "skull", 3, TMESH_STORE_APPROVED, "Dr Who", "fine now", &err),
        TMESH_OK);
    tmesh_store_version v;
    assert_int_equal(tmesh_store_version_get(&v, f->s, "skull", 3, &err), TMESH_OK);
    assert_int_equal(v.review_state, 1);
    assert_int_equal(tmesh_store_version_get(&v, f->s, "skull", 2, &err), TMESH_OK);
    assert_int_equal(v.review_state, 0);
    tmesh_store_review *rv = NULL;
    size_t n = 0;
    assert_int_equal(tmesh_store_reviews(&rv, &n, f->s, "skull", 3, &err), TMESH_OK);
    assert_int_equal(n, 2);
    assert_int_equal(rv[0].verdict, TMESH_STORE_REJECTED);
    assert_string_equal(rv[1].note, "fine now");
    free(rv);
    assert_int_equal(
        tmesh_store_review_add(f->s, "skull", 9, TMESH_STORE_APPROVED, "x", NULL, &err),
        TMESH_E_NOTFOUND);
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_store_review_add(f->s, "skull", 1, TMESH_STORE_APPROVED, "", NULL, &err),
                     TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "reviewer");
    tmesh_error_clear(&err);
    assert_int_equal(
        tmesh_store_review_add(f->s, "skull", 1, (tmesh_store_verdict)0, "x", NULL, &err),
        TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "verdict");
    tmesh_error_clear(&err);
    assert_int_equal(
        tmesh_store_review_add(f->s, "skull", 1, TMESH_STORE_APPROVED, "a\nb", NULL, &err),
        TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "control character");
    /* The catalog itself refuses to edit history. */
    char *db = ts_path(f->path, "catalog.db");
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    sqlite3_busy_timeout(h, 5000);
    assert_int_not_equal(sqlite3_exec(h, "UPDATE versions SET note = 'x'", NULL, NULL, NULL),
                         SQLITE_OK);
    assert_non_null(strstr(sqlite3_errmsg(h), "immutable"));
    assert_int_not_equal(sqlite3_exec(h, "DELETE FROM reviews", NULL, NULL, NULL), SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(h, "DELETE FROM objects", NULL, NULL, NULL), SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(h, "UPDATE derivations SET params = '{}'", NULL, NULL, NULL),
                         SQLITE_OK);
    sqlite3_close(h);
    free(db);
}

static void test_store_prov__document_and_exports(void **state)
{
    fixture *f = *state;
    tmesh_error err = TMESH_ERROR_INIT;
    chain c1, c2;
    char em[65], ef[65];
    publish_three(f, &c1, &c2, em, ef);
    assert_int_equal(
        tmesh_store_review_add(f->s, "skull", 2, TMESH_STORE_APPROVED, "Dr Who", "ok", &err),
        TMESH_OK);
    tmesh_store_export ex = {"abababababababababababababababababababababababababababababababab",
                             "skull", 2, "", "stl"};
    snprintf(ex.mesh, sizeof ex.mesh, "%s", c2.mesh);
    assert_int_equal(tmesh_store_export_add(f->s, &ex, &err), TMESH_OK);
    assert_int_equal(tmesh_store_export_add(f->s, &ex, &err), TMESH_OK); /* idempotent */
    tmesh_store_export got;
    assert_int_equal(tmesh_store_export_find(&got, f->s, ex.file_sha256, &err), TMESH_OK);
    assert_int_equal(got.version, 2);
    assert_string_equal(got.mesh, c2.mesh);
    assert_int_equal(tmesh_store_export_find(&got, f->s, c1.mesh, &err), TMESH_E_NOTFOUND);
    tmesh_error_clear(&err);
    tmesh_store_export bad = ex;
    bad.version = 7;
    assert_int_equal(tmesh_store_export_add(f->s, &bad, &err), TMESH_E_NOTFOUND);
    tmesh_error_clear(&err);
    char *doc = NULL;
    assert_int_equal(tmesh_store_prov_json(&doc, f->s, "skull", 2, &ex, &err), TMESH_OK);
    const char *needles[] = {"\"entity\"",
                             "\"activity\"",
                             "\"wasGeneratedBy\"",
                             "\"used\"",
                             "\"wasDerivedFrom\"",
                             "\"agent\"",
                             "prov:SoftwareAgent",
                             "tmesh:asset/skull/2",
                             "tmesh:asset/skull/1",
                             "prov:Revision",
                             "a/IM1.dcm",
                             "1.2.3.2",
                             "tmesh:DicomFile",
                             "mesh-labels",
                             "dicom-load",
                             "approved",
                             "Dr Who",
                             ex.file_sha256,
                             c1.manifest};
    for (size_t i = 0; i < sizeof needles / sizeof needles[0]; i++)
        if (strstr(doc, needles[i]) == NULL)
            fail_msg("PROV document lacks %s", needles[i]);
    assert_null(strstr(doc, "/abs/scan"));
    assert_null(strstr(doc, "tester"));
    /* The sidecar reads back without a store. */
    tmesh_store_prov_summary *ps = NULL;
    assert_int_equal(tmesh_store_prov_read(&ps, doc, strlen(doc), &err), TMESH_OK);
    assert_string_equal(ps->asset, "skull");
    assert_int_equal(ps->version, 2);
    assert_string_equal(ps->mesh, c2.mesh);
    assert_string_equal(ps->file_sha256, ex.file_sha256);
    assert_string_equal(ps->format, "stl");
    assert_int_equal(ps->n_sources, 2);
    assert_string_equal(ps->sources[0].path, "a/IM1.dcm");
    assert_string_equal(ps->sources[1].sop_instance_uid, "1.2.3.2");
    tmesh_store_prov_summary_free(ps);
    assert_int_equal(tmesh_store_prov_read(&ps, "{\"entity\":{}}", 13, &err), TMESH_E_DATA);
    ts_assert_error(err, TMESH_E_DATA, "export record");
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_store_prov_read(&ps, "[", 1, &err), TMESH_E_DATA);
    tmesh_error_clear(&err);
    /* Deterministic. */
    char *doc2 = NULL;
    assert_int_equal(tmesh_store_prov_json(&doc2, f->s, "skull", 2, &ex, &err), TMESH_OK);
    assert_string_equal(doc, doc2);
    free(doc);
    free(doc2);
    assert_int_equal(tmesh_store_prov_json(&doc, f->s, "skull", 3, NULL, &err), TMESH_OK);
    assert_non_null(strstr(doc, "hand-edit"));
    assert_non_null(strstr(doc, "a/IM2.dcm")); /* through the base mesh */
    free(doc);
    assert_int_equal(tmesh_store_prov_json(&doc, f->s, "skull", 8, NULL, &err), TMESH_E_NOTFOUND);
}

static void test_store_fsck__names_each_damage(void **state)
{
    fixture *f = *state;
    tmesh_error err = TMESH_ERROR_INIT;
    chain c1, c2;
    char em[65], ef[65];
    publish_three(f, &c1, &c2, em, ef);
    /* A leftover temporary file and an unreferenced object are notes, not problems. */
    char tmp[4200], path[4096];
    tmesh_store_object_path(f->s, c1.mesh, path, sizeof path);
    snprintf(tmp, sizeof tmp, "%s.tmp.12345", path);
    ts_write_file(tmp, "x", 1);
    char orphan[65];
    assert_int_equal(tmesh_store_put(f->s, TMESH_STORE_FILE, "orphan", 6, orphan, &err), TMESH_OK);
    tmesh_store *s2 = NULL; /* another handle: the orphan's row is only pending in f->s */
    assert_int_equal(tmesh_store_open(&s2, f->path, NULL, &err), TMESH_OK);
    tmesh_store_fsck_report r;
    assert_int_equal(tmesh_store_fsck(&r, s2, NULL, NULL, &err), TMESH_OK);
    assert_int_equal(r.problems, 0);
    assert_int_equal(r.temp_files, 1);
    assert_int_equal(r.unreferenced, 1);
    assert_true(ts_exists(tmp)); /* never repaired */
    /* Damage the hand-edit derivation record and the labels: both named. */
    tmesh_store_version v;
    assert_int_equal(tmesh_store_version_get(&v, s2, "skull", 3, &err), TMESH_OK);
    corrupt_one_byte(s2, v.derivation, -6);
    corrupt_one_byte(s2, c1.labels, 30);
    assert_int_equal(tmesh_store_fsck(&r, s2, NULL, NULL, &err), TMESH_OK);
    assert_int_equal(r.problems, 2);
    tmesh_store_node *nodes = NULL;
    size_t n = 0;
    assert_int_equal(tmesh_store_walk(&nodes, &n, s2, v.mesh, &err), TMESH_OK);
    assert_int_equal(nodes[0].derivation_check, TMESH_E_VERIFY);
    assert_string_equal(nodes[0].operation, "hand-edit");
    free(nodes);
    assert_int_equal(tmesh_store_walk(&nodes, &n, s2, c1.mesh, &err), TMESH_OK);
    int bad = 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(nodes[i].hash, c1.labels) == 0) {
            assert_int_equal(nodes[i].check, TMESH_E_VERIFY);
            bad = 1;
        } else {
            assert_int_equal(nodes[i].check, TMESH_OK);
        }
    assert_true(bad);
    free(nodes);
    assert_int_equal(tmesh_store_walk(&nodes, &n, s2, "zz", &err), TMESH_E_NOTFOUND);
    tmesh_store_close(s2);
}

static void test_store_params__numbers_and_strings(void **state)
{
    (void)state;
    tmesh_error err = TMESH_ERROR_INIT;
    const char *p = "{\"iso\":226,\"method\":\"taubin\",\"mu\":-0.53}";
    double d = 0;
    char buf[16];
    assert_int_equal(tmesh_store_param_number(&d, p, "iso", &err), TMESH_OK);
    assert_true(d == 226.0);
    assert_int_equal(tmesh_store_param_number(&d, p, "mu", &err), TMESH_OK);
    assert_true(d == -0.53);
    assert_int_equal(tmesh_store_param_string(buf, sizeof buf, p, "method", &err), TMESH_OK);
    assert_string_equal(buf, "taubin");
    assert_int_equal(tmesh_store_param_number(&d, p, "sigma", &err), TMESH_E_DATA);
    ts_assert_error(err, TMESH_E_DATA, "'sigma'");
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_store_param_number(&d, p, "method", &err), TMESH_E_DATA);
    ts_assert_error(err, TMESH_E_DATA, "not a number");
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_store_param_string(buf, sizeof buf, p, "iso", &err), TMESH_E_DATA);
    ts_assert_error(err, TMESH_E_DATA, "not a string");
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_store_param_string(buf, sizeof buf, "not json", "x", &err),
                     TMESH_E_DATA);
}

static void test_store_commit__pending_rows_need_commit(void **state)
{
    fixture *f = *state;
    tmesh_error err = TMESH_ERROR_INIT;
    chain c;
    store_chain(f->s, &c, 0.0f, "{}");
    /* Closing without commit drops the rows: the objects stay, unreferenced. */
    tmesh_store_close(f->s);
    assert_int_equal(tmesh_store_open(&f->s, f->path, NULL, &err), TMESH_OK);
    tmesh_store_kind k;
    assert_int_equal(tmesh_store_object_kind(&k, f->s, c.mesh, &err), TMESH_E_NOTFOUND);
    tmesh_error_clear(&err);
    tmesh_store_fsck_report r;
    assert_int_equal(tmesh_store_fsck(&r, f->s, NULL, NULL, &err), TMESH_OK);
    assert_int_equal(r.problems, 0);
    assert_int_equal(r.unreferenced, 7); /* 4 data objects and 3 derivation records */
    /* Storing again finds the files in place, checks them and records the rows. */
    store_chain(f->s, &c, 0.0f, "{}");
    assert_int_equal(tmesh_store_commit(f->s, &err), TMESH_OK);
    assert_int_equal(tmesh_store_commit(f->s, &err), TMESH_OK); /* nothing pending */
    assert_int_equal(tmesh_store_fsck(&r, f->s, NULL, NULL, &err), TMESH_OK);
    assert_int_equal(r.unreferenced, 0);
    assert_int_equal(r.objects_checked, 7);
    assert_int_equal(tmesh_store_object_kind(&k, f->s, c.d_mesh, &err), TMESH_OK);
    assert_int_equal(k, TMESH_STORE_DERIVATION);
    assert_int_equal(tmesh_store_set_source_dir(f->s, c.mesh, "/x", &err), TMESH_E_NOTFOUND);
    ts_assert_error(err, TMESH_E_NOTFOUND, "manifest");
}

/* ---- figures (store_figures.c) ---- */

/* A stored image and its "render" derivation from a scene and a mesh. */
static void store_figure_objects(tmesh_store *s, const char *mesh, const char *scene_json,
                                 const char *image_bytes, char scene[65], char image[65],
                                 char deriv[65])
{
    tmesh_error err = TMESH_ERROR_INIT;
    assert_int_equal(tmesh_store_put(s, TMESH_STORE_FIGURE, scene_json, strlen(scene_json), scene,
                                     &err),
                     TMESH_OK);
    assert_int_equal(tmesh_store_put(s, TMESH_STORE_FIGURE, image_bytes, strlen(image_bytes),
                                     image, &err),
                     TMESH_OK);
    tmesh_store_input in[2] = {{"scene", scene}, {"mesh", mesh}};
    assert_int_equal(tmesh_store_derive(s, deriv, "render", "{\"figure\":\"f\"}", in, 2, image,
                                        &err),
                     TMESH_OK);
}

static void test_store_figures__versions_lookup_and_errors(void **state)
{
    fixture *f = *state;
    tmesh_error err = TMESH_ERROR_INIT;
    chain c;
    store_chain(f->s, &c, 0.0f, "{}");
    int v = 0;
    assert_int_equal(tmesh_store_publish(&v, f->s, "skull", c.mesh, NULL, &err), TMESH_OK);
    /* a store without figure tables: nothing found, next version 1 */
    tmesh_store_figure *fig = NULL;
    assert_int_equal(tmesh_store_figure_get(&fig, f->s, "fig-a", 0, &err), TMESH_E_NOTFOUND);
    ts_assert_error(err, TMESH_E_NOTFOUND, "fig-a");
    tmesh_error_clear(&err);
    char(*names)[TMESH_STORE_NAME_MAX + 1] = NULL;
    size_t n = 9;
    assert_int_equal(tmesh_store_figures(&names, &n, f->s, NULL, &err), TMESH_OK);
    assert_int_equal(n, 0);
    int next = 0;
    assert_int_equal(tmesh_store_figure_next(&next, f->s, "fig-a", &err), TMESH_OK);
    assert_int_equal(next, 1);

    char scene[65], image[65], deriv[65];
    store_figure_objects(f->s, c.mesh, "{\"scene\":1}", "PNG one", scene, image, deriv);
    tmesh_store_figure_asset fa = {"skull", 1, ""};
    snprintf(fa.mesh, sizeof fa.mesh, "%s", c.mesh);
    tmesh_store_figure_publish_opts po = TMESH_STORE_FIGURE_PUBLISH_OPTS_INIT;
    po.version = 1;
    po.note = "front view";
    assert_int_equal(tmesh_store_figure_publish(&v, f->s, "fig-a", scene, image, "png", deriv,
                                                "VTK 9; GL x", &fa, 1, &po, &err),
                     TMESH_OK);
    assert_int_equal(v, 1);
    /* the number a second image was made for is taken: refused, catalog unchanged */
    char scene2[65], image2[65], deriv2[65];
    store_figure_objects(f->s, c.mesh, "{\"scene\":2}", "PNG two", scene2, image2, deriv2);
    assert_int_equal(tmesh_store_figure_publish(&v, f->s, "fig-a", scene2, image2, "png", deriv2,
                                                "VTK 9; GL x", &fa, 1, &po, &err),
                     TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "next number is 2");
    tmesh_error_clear(&err);
    po.version = 2;
    assert_int_equal(tmesh_store_figure_publish(&v, f->s, "fig-a", scene2, image2, "png", deriv2,
                                                "VTK 9; GL x", &fa, 1, &po, &err),
                     TMESH_OK);
    assert_int_equal(v, 2);
    assert_int_equal(tmesh_store_figure_next(&next, f->s, "fig-a", &err), TMESH_OK);
    assert_int_equal(next, 3);

    assert_int_equal(tmesh_store_figure_get(&fig, f->s, "fig-a", 0, &err), TMESH_OK);
    assert_int_equal(fig->version, 2);
    assert_string_equal(fig->image, image2);
    assert_string_equal(fig->derivation, deriv2);
    assert_string_equal(fig->format, "png");
    assert_int_equal(fig->n_assets, 1);
    assert_string_equal(fig->assets[0].asset, "skull");
    assert_string_equal(fig->assets[0].mesh, c.mesh);
    tmesh_store_figure_free(fig);
    assert_int_equal(tmesh_store_figure_get(&fig, f->s, "fig-a", 1, &err), TMESH_OK);
    assert_string_equal(fig->note, "front view");
    assert_string_equal(fig->scene, scene);
    tmesh_store_figure_free(fig);
    assert_int_equal(tmesh_store_figure_find(&fig, f->s, image, &err), TMESH_OK);
    assert_string_equal(fig->name, "fig-a");
    assert_int_equal(fig->version, 1);
    tmesh_store_figure_free(fig);
    assert_int_equal(tmesh_store_figure_find(&fig, f->s, c.mesh, &err), TMESH_E_NOTFOUND);
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_store_figure_get(&fig, f->s, "fig-a", 3, &err), TMESH_E_NOTFOUND);
    ts_assert_error(err, TMESH_E_NOTFOUND, "fig-a@3");
    tmesh_error_clear(&err);

    assert_int_equal(tmesh_store_figures(&names, &n, f->s, "skull", &err), TMESH_OK);
    assert_int_equal(n, 1);
    assert_string_equal(names[0], "fig-a");
    free(names);
    assert_int_equal(tmesh_store_figures(&names, &n, f->s, "jaw", &err), TMESH_OK);
    assert_int_equal(n, 0);
    free(names);

    /* errors, each naming what is wrong */
    assert_int_equal(tmesh_store_figure_publish(&v, f->s, "skull", scene, image, "png", deriv,
                                                "VTK", &fa, 1, NULL, &err),
                     TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "name of an asset");
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_store_figure_publish(&v, f->s, "fig-b", scene, image, "gif", deriv,
                                                "VTK", &fa, 1, NULL, &err),
                     TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "gif");
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_store_figure_publish(&v, f->s, "fig-b", scene, c.mesh, "png", deriv,
                                                "VTK", &fa, 1, NULL, &err),
                     TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "not a figure");
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_store_figure_publish(&v, f->s, "fig-b", scene, image, "png", deriv2,
                                                "VTK", &fa, 1, NULL, &err),
                     TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "did not make");
    tmesh_error_clear(&err);
    tmesh_store_figure_asset bad = fa;
    bad.version = 7;
    assert_int_equal(tmesh_store_figure_publish(&v, f->s, "fig-b", scene, image, "png", deriv,
                                                "VTK", &bad, 1, NULL, &err),
                     TMESH_E_NOTFOUND);
    ts_assert_error(err, TMESH_E_NOTFOUND, "skull@7");
    tmesh_error_clear(&err);
    assert_int_equal(tmesh_store_figure_publish(&v, f->s, "../x", scene, image, "png", deriv,
                                                "VTK", &fa, 1, NULL, &err),
                     TMESH_E_ARG);
    ts_assert_error(err, TMESH_E_ARG, "../x");
    tmesh_error_clear(&err);

    /* the catalog keeps figure versions immutable, and fsck still finds nothing wrong */
    sqlite3 *db = NULL;
    char *dbp = ts_path(f->path, "catalog.db");
    assert_int_equal(sqlite3_open(dbp, &db), SQLITE_OK);
    assert_int_not_equal(
        sqlite3_exec(db, "UPDATE figure_versions SET format = 'svg'", NULL, NULL, NULL),
        SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(db, "DELETE FROM figure_assets", NULL, NULL, NULL),
                         SQLITE_OK);
    sqlite3_close(db);
    free(dbp);
    tmesh_store_fsck_report r;
    assert_int_equal(tmesh_store_fsck(&r, f->s, NULL, NULL, &err), TMESH_OK);
    assert_int_equal(r.problems, 0);
    assert_int_equal(r.unreferenced, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_store_open__create_open_and_errors, setup, teardown),
        cmocka_unit_test(test_store_names__charset_and_refs),
        cmocka_unit_test_setup_teardown(test_store_objects__put_get_dedupe_kinds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_objects__tamper_detected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_encode__volume_and_mesh_round_trip, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_store_derive__record_is_canonical, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_versions__three_versions_with_parents, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_store_reviews__immutable_and_shown, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_prov__document_and_exports, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_fsck__names_each_damage, setup, teardown),
        cmocka_unit_test(test_store_params__numbers_and_strings),
        cmocka_unit_test_setup_teardown(test_store_commit__pending_rows_need_commit, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_store_figures__versions_lookup_and_errors, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
