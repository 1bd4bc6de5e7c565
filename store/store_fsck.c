/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fsck: check a whole store without changing it. Every catalog object is read and hashed,
 * every derivation record is compared with its catalog rows, every version, review and export
 * reference is followed, and object files the catalog does not list (left by an interrupted
 * write) are counted. Findings go to a callback, one line each; nothing is repaired.
 */
#define _POSIX_C_SOURCE 200809L
#include "store_int.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fsck_ctx {
    tmesh_store_fsck_report *r;
    tmesh_store_fsck_fn fn;
    void *user;
} fsck_ctx;

static void say(fsck_ctx *c, int severity, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (severity)
        c->r->problems++;
    if (c->fn)
        c->fn(severity, msg, c->user);
}

static tmesh_status check_objects(tmesh_store *s, fsck_ctx *c, tmesh_error *err)
{
    sqlite3_stmt *q;
    tmesh_status st = tmesh_store__prepare(s, &q,
                                           "SELECT hash, kind, size FROM objects"
                                           " ORDER BY hash",
                                           err);
    if (st != TMESH_OK)
        return st;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        char hash[65], kname[32];
        tmesh_store__col_text(q, 0, hash, sizeof hash);
        tmesh_store__col_text(q, 1, kname, sizeof kname);
        sqlite3_int64 size = sqlite3_column_int64(q, 2);
        tmesh_store_kind kind = 0;
        uint8_t *b = NULL;
        size_t len = 0;
        tmesh_error e = TMESH_ERROR_INIT;
        c->r->objects_checked++;
        if (!tmesh_store_hash_valid(hash) || tmesh_store_kind_parse(&kind, kname, NULL)) {
            say(c, 1, "catalog row '%s' (%s) is malformed", hash, kname);
            continue;
        }
        if (tmesh_store__read_object(&b, &len, s, hash, &e) != TMESH_OK) {
            say(c, 1, "%s %s", kname, e.msg);
            continue;
        }
        if ((sqlite3_int64)len != size)
            say(c, 1, "%s %s: %zu bytes, the catalog says %lld", kname, hash, len, (long long)size);
        tmesh_error_clear(&e);
        if (kind == TMESH_STORE_MESH) {
            tmesh_mesh *m = NULL;
            if (tmesh_store_mesh_decode(&m, b, len, &e) != TMESH_OK)
                say(c, 1, "mesh %s: %s", hash, e.msg);
            tmesh_mesh_free(m);
        } else if (kind == TMESH_STORE_VOLUME || kind == TMESH_STORE_LABELS) {
            tmesh_volume *v = NULL;
            if (tmesh_store_volume_decode(&v, b, len, &e) != TMESH_OK)
                say(c, 1, "%s %s: %s", kname, hash, e.msg);
            tmesh_volume_free(v);
        } else if (kind == TMESH_STORE_MANIFEST) {
            tmesh_store_source *src = NULL;
            size_t ns = 0;
            if (tmesh_store_manifest_sources(&src, &ns, b, len, &e) != TMESH_OK)
                say(c, 1, "manifest %s: %s", hash, e.msg);
            tmesh_store_sources_free(src, ns);
        }
        free(b);
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return tmesh_store__sql_error(s, rc, "cannot read objects", err);
    return TMESH_OK;
}

static tmesh_status check_derivations(tmesh_store *s, fsck_ctx *c, tmesh_error *err)
{
    sqlite3_stmt *q, *qi;
    tmesh_status st = tmesh_store__prepare(s, &q,
                                           "SELECT d.hash, d.output, d.operation,"
                                           " (SELECT kind FROM objects o WHERE"
                                           " o.hash = d.output) FROM derivations d"
                                           " ORDER BY d.hash",
                                           err);
    if (st != TMESH_OK)
        return st;
    if ((st = tmesh_store__prepare(s, &qi,
                                   "SELECT role, input, (SELECT kind FROM objects o"
                                   " WHERE o.hash = i.input) FROM derivation_inputs i"
                                   " WHERE derivation = ?1 ORDER BY position",
                                   err)) != TMESH_OK) {
        sqlite3_finalize(q);
        return st;
    }
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        char hash[65], output[65], op[48], okind[32];
        tmesh_store__col_text(q, 0, hash, sizeof hash);
        tmesh_store__col_text(q, 1, output, sizeof output);
        tmesh_store__col_text(q, 2, op, sizeof op);
        tmesh_store__col_text(q, 3, okind, sizeof okind);
        if (!okind[0])
            say(c, 1, "derivation %s (%s): output %s is not in the catalog", hash, op, output);
        tmesh_store_derivation *d = NULL;
        tmesh_error e = TMESH_ERROR_INIT;
        if (tmesh_store_derivation_get(&d, s, hash, &e) != TMESH_OK) {
            /* Already reported by the object pass when the file is damaged. */
            if (e.code == TMESH_E_DATA)
                say(c, 1, "derivation %s: %s", hash, e.msg);
            continue;
        }
        if (strcmp(d->output, output) != 0 || strcmp(d->operation, op) != 0)
            say(c, 1, "derivation %s: catalog row (%s -> %s) differs from its record (%s -> %s)",
                hash, op, output, d->operation, d->output);
        sqlite3_bind_text(qi, 1, hash, -1, SQLITE_STATIC);
        size_t k = 0;
        while (sqlite3_step(qi) == SQLITE_ROW) {
            char role[32], in[65], ikind[32];
            tmesh_store__col_text(qi, 0, role, sizeof role);
            tmesh_store__col_text(qi, 1, in, sizeof in);
            tmesh_store__col_text(qi, 2, ikind, sizeof ikind);
            if (!ikind[0])
                say(c, 1, "derivation %s (%s): input %s is not in the catalog", hash, op, in);
            if (k >= d->n_inputs || strcmp(d->inputs[k].hash, in) != 0 ||
                strcmp(d->inputs[k].role, role) != 0)
                say(c, 1, "derivation %s (%s): catalog input %zu (%s %s) differs from its record",
                    hash, op, k + 1, role, in);
            k++;
        }
        if (k != d->n_inputs)
            say(c, 1, "derivation %s (%s): catalog lists %zu inputs, the record %zu", hash, op, k,
                d->n_inputs);
        sqlite3_reset(qi);
        tmesh_store_derivation_free(d);
    }
    sqlite3_finalize(q);
    sqlite3_finalize(qi);
    if (rc != SQLITE_DONE)
        return tmesh_store__sql_error(s, rc, "cannot read derivations", err);
    return TMESH_OK;
}

static tmesh_status check_versions(tmesh_store *s, fsck_ctx *c, tmesh_error *err)
{
    static const char sql[] =
        "SELECT v.asset, v.version, v.mesh, coalesce(v.derivation, ''),"
        " coalesce((SELECT kind FROM objects o WHERE o.hash = v.mesh), ''),"
        " coalesce((SELECT output FROM derivations d WHERE d.hash = v.derivation), ''),"
        " coalesce(v.parent_asset, ''), coalesce(v.parent_version, 0),"
        " (v.parent_asset IS NULL OR EXISTS(SELECT 1 FROM versions p WHERE"
        "  p.asset = v.parent_asset AND p.version = v.parent_version)),"
        " (SELECT count(*) FROM versions w WHERE w.asset = v.asset AND w.version <= v.version)"
        " FROM versions v ORDER BY v.asset, v.version";
    sqlite3_stmt *q;
    tmesh_status st = tmesh_store__prepare(s, &q, sql, err);
    if (st != TMESH_OK)
        return st;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        char asset[TMESH_STORE_NAME_MAX + 1], mesh[65], deriv[65], mkind[32], dout[65],
            passet[TMESH_STORE_NAME_MAX + 1];
        tmesh_store__col_text(q, 0, asset, sizeof asset);
        int ver = sqlite3_column_int(q, 1);
        tmesh_store__col_text(q, 2, mesh, sizeof mesh);
        tmesh_store__col_text(q, 3, deriv, sizeof deriv);
        tmesh_store__col_text(q, 4, mkind, sizeof mkind);
        tmesh_store__col_text(q, 5, dout, sizeof dout);
        tmesh_store__col_text(q, 6, passet, sizeof passet);
        int pver = sqlite3_column_int(q, 7);
        int parent_ok = sqlite3_column_int(q, 8);
        int rank = sqlite3_column_int(q, 9);
        if (tmesh_store_name_check(asset, NULL) != TMESH_OK)
            say(c, 1, "version %s@%d: invalid asset name", asset, ver);
        if (strcmp(mkind, "mesh") != 0 && strcmp(mkind, "labels") != 0)
            say(c, 1, "%s@%d: object %s is %s", asset, ver, mesh,
                mkind[0] ? "not a mesh or label volume" : "not in the catalog");
        if (deriv[0] && strcmp(dout, mesh) != 0)
            say(c, 1, "%s@%d: derivation %s %s", asset, ver, deriv,
                dout[0] ? "made another object" : "is not in the catalog");
        if (!parent_ok)
            say(c, 1, "%s@%d: parent %s@%d does not exist", asset, ver, passet, pver);
        if (rank != ver)
            say(c, 1, "%s@%d: version numbers of %s have a gap before %d", asset, ver, asset, ver);
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return tmesh_store__sql_error(s, rc, "cannot read versions", err);
    static const char refs[] =
        "SELECT 'review', r.asset, r.version FROM reviews r WHERE NOT EXISTS(SELECT 1 FROM"
        " versions v WHERE v.asset = r.asset AND v.version = r.version) UNION ALL"
        " SELECT 'export', e.asset, e.version FROM exports e WHERE NOT EXISTS(SELECT 1 FROM"
        " versions v WHERE v.asset = e.asset AND v.version = e.version AND v.mesh = e.mesh)"
        " UNION ALL SELECT 'source folder of', m.manifest, 0 FROM source_dirs m WHERE NOT"
        " EXISTS(SELECT 1 FROM objects o WHERE o.hash = m.manifest)"
        " UNION ALL SELECT 'derivation object without its catalog row', o.hash, 0 FROM objects o"
        " WHERE o.kind = 'derivation' AND NOT EXISTS(SELECT 1 FROM derivations d WHERE"
        " d.hash = o.hash)";
    if ((st = tmesh_store__prepare(s, &q, refs, err)) != TMESH_OK)
        return st;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        char what[32], a[80];
        tmesh_store__col_text(q, 0, what, sizeof what);
        tmesh_store__col_text(q, 1, a, sizeof a);
        say(c, 1, "%s %s@%d refers to a version or object that does not exist", what, a,
            sqlite3_column_int(q, 2));
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return tmesh_store__sql_error(s, rc, "cannot read references", err);
    return TMESH_OK;
}

/* Figure versions (when the store has any): image, scene and render derivation present and
 * consistent, every asset version shown present with the mesh recorded, numbers without gaps. */
static tmesh_status check_figures(tmesh_store *s, fsck_ctx *c, tmesh_error *err)
{
    static const char have[] =
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'figure_assets'";
    static const char sql[] =
        "SELECT f.figure, f.version, 'its image is not a figure object' FROM figure_versions f"
        " WHERE NOT EXISTS(SELECT 1 FROM objects o WHERE o.hash = f.image AND o.kind = 'figure')"
        " UNION ALL SELECT f.figure, f.version, 'its scene is not in the catalog'"
        " FROM figure_versions f WHERE NOT EXISTS(SELECT 1 FROM objects o WHERE o.hash = f.scene)"
        " UNION ALL SELECT f.figure, f.version, 'its render derivation is missing or made"
        " another object' FROM figure_versions f WHERE NOT EXISTS(SELECT 1 FROM derivations d"
        " WHERE d.hash = f.derivation AND d.output = f.image)"
        " UNION ALL SELECT a.figure, a.version, 'shows ' || a.asset || '@' || a.asset_version ||"
        " ', which does not exist with the mesh recorded' FROM figure_assets a WHERE NOT"
        " EXISTS(SELECT 1 FROM versions v WHERE v.asset = a.asset AND"
        " v.version = a.asset_version AND v.mesh = a.mesh)"
        " UNION ALL SELECT f.figure, f.version, 'version numbers have a gap before it'"
        " FROM figure_versions f WHERE (SELECT count(*) FROM figure_versions w"
        " WHERE w.figure = f.figure AND w.version <= f.version) != f.version"
        " ORDER BY 1, 2";
    sqlite3_stmt *q;
    tmesh_status st = tmesh_store__prepare(s, &q, have, err);
    if (st != TMESH_OK)
        return st;
    int n = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int(q, 0) : 0;
    sqlite3_finalize(q);
    if (n == 0)
        return TMESH_OK;
    if ((st = tmesh_store__prepare(s, &q, sql, err)) != TMESH_OK)
        return st;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        char fig[TMESH_STORE_NAME_MAX + 1], what[256];
        tmesh_store__col_text(q, 0, fig, sizeof fig);
        tmesh_store__col_text(q, 2, what, sizeof what);
        say(c, 1, "figure %s@%d: %s", fig, sqlite3_column_int(q, 1), what);
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return tmesh_store__sql_error(s, rc, "cannot read figure versions", err);
    return TMESH_OK;
}

static void check_files(tmesh_store *s, fsck_ctx *c)
{
    char objdir[4096];
    snprintf(objdir, sizeof objdir, "%s/objects", s->path);
    DIR *top = opendir(objdir);
    if (top == NULL) {
        say(c, 1, "%s: cannot open the objects folder", objdir);
        return;
    }
    struct dirent *de;
    char **subs = NULL;
    size_t nsub = 0;
    while ((de = readdir(top)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char **ns = realloc(subs, (nsub + 1) * sizeof *ns);
        if (ns == NULL)
            break;
        subs = ns;
        subs[nsub] = strdup(de->d_name);
        if (subs[nsub])
            nsub++;
    }
    closedir(top);
    for (size_t i = 0; i < nsub; i++) {
        char sub[4200];
        snprintf(sub, sizeof sub, "%s/%s", objdir, subs[i]);
        DIR *d = opendir(sub);
        if (d == NULL || strlen(subs[i]) != 2) {
            if (d)
                closedir(d);
            say(c, 0, "%s: not an object folder (left alone)", sub);
            free(subs[i]);
            continue;
        }
        while ((de = readdir(d)) != NULL) {
            if (de->d_name[0] == '.' && (de->d_name[1] == 0 || de->d_name[1] == '.'))
                continue;
            char hash[320];
            snprintf(hash, sizeof hash, "%s%s", subs[i], de->d_name);
            if (strstr(de->d_name, ".tmp.") != NULL) {
                c->r->temp_files++;
                say(c, 0, "%s/%s: temporary file of an interrupted write (harmless)", sub,
                    de->d_name);
            } else if (!tmesh_store_hash_valid(hash)) {
                say(c, 0, "%s/%s: not an object (left alone)", sub, de->d_name);
            } else if (tmesh_store__known_kind(s, hash) == 0) {
                c->r->unreferenced++;
                say(c, 0,
                    "object %s: not in the catalog (written by an interrupted command; "
                    "harmless)",
                    hash);
            }
        }
        closedir(d);
        free(subs[i]);
    }
    free(subs);
}

tmesh_status tmesh_store_fsck(tmesh_store_fsck_report *report, tmesh_store *s,
                              tmesh_store_fsck_fn fn, void *user, tmesh_error *err)
{
    TMESH_ASSERT(report && s);
    memset(report, 0, sizeof *report);
    fsck_ctx c = {report, fn, user};
    sqlite3_stmt *q;
    tmesh_status st = tmesh_store__prepare(s, &q, "PRAGMA quick_check", err);
    if (st != TMESH_OK)
        return st;
    while (sqlite3_step(q) == SQLITE_ROW) {
        char msg[512];
        tmesh_store__col_text(q, 0, msg, sizeof msg);
        if (strcmp(msg, "ok") != 0)
            say(&c, 1, "%s/catalog.db: %s", s->path, msg);
    }
    sqlite3_finalize(q);
    /* One read transaction: a publisher running meanwhile cannot make the passes disagree. */
    if (sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return tmesh_store__sql_error(s, SQLITE_ERROR, "cannot start reading", err);
    if ((st = check_objects(s, &c, err)) == TMESH_OK &&
        (st = check_derivations(s, &c, err)) == TMESH_OK &&
        (st = check_versions(s, &c, err)) == TMESH_OK &&
        (st = check_figures(s, &c, err)) == TMESH_OK)
        check_files(s, &c);
    (void)sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    return st;
}
