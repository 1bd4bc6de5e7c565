/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Named assets: checked names, versions numbered 1, 2, 3... under one SQLite write
 * transaction (so concurrent publishers never share or skip a number), parents, immutable
 * reviews, and the records of exported files.
 */
#define _POSIX_C_SOURCE 200809L
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

tmesh_status tmesh_store_name_check(const char *name, tmesh_error *err)
{
    if (name == NULL || name[0] == '\0')
        return tmesh_error_set(err, TMESH_E_ARG, "asset name is empty");
    size_t n = strlen(name);
    if (n > TMESH_STORE_NAME_MAX)
        return tmesh_error_set(err, TMESH_E_ARG,
                               "asset name '%.64s...' is longer than %d "
                               "characters",
                               name, TMESH_STORE_NAME_MAX);
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && !(i > 0 && (c == '.' || c == '_' || c == '-')))
            return tmesh_error_set(err, TMESH_E_ARG,
                                   "asset name '%s': character %zu is not allowed (names use "
                                   "A-Z a-z 0-9 . _ - and start with a letter or digit)",
                                   name, i + 1);
    }
    if (strstr(name, "..") != NULL)
        return tmesh_error_set(err, TMESH_E_ARG, "asset name '%s' must not contain '..'", name);
    return TMESH_OK;
}

tmesh_status tmesh_store_ref_parse(const char *ref, char name_out[TMESH_STORE_NAME_MAX + 1],
                                   int *version_out, tmesh_error *err)
{
    *version_out = 0;
    name_out[0] = '\0';
    const char *at = strchr(ref, '@');
    size_t nlen = at ? (size_t)(at - ref) : strlen(ref);
    if (nlen > TMESH_STORE_NAME_MAX)
        return tmesh_error_set(err, TMESH_E_ARG,
                               "asset name in '%.80s' is longer than %d "
                               "characters",
                               ref, TMESH_STORE_NAME_MAX);
    char name[TMESH_STORE_NAME_MAX + 1];
    memcpy(name, ref, nlen);
    name[nlen] = '\0';
    tmesh_status st = tmesh_store_name_check(name, err);
    if (st != TMESH_OK)
        return st;
    if (at) {
        const char *v = at + 1;
        long val = 0;
        if (*v == '\0' || *v == '0')
            return tmesh_error_set(err, TMESH_E_ARG,
                                   "reference '%s': version must be a number from 1", ref);
        for (; *v; v++) {
            if (*v < '0' || *v > '9' || val > 100000000)
                return tmesh_error_set(err, TMESH_E_ARG,
                                       "reference '%s': version must be a number from 1", ref);
            val = val * 10 + (*v - '0');
        }
        *version_out = (int)val;
    }
    memcpy(name_out, name, nlen + 1);
    return TMESH_OK;
}

static tmesh_status text_check(const char *what, const char *s, size_t max, int need,
                               tmesh_error *err)
{
    if (s == NULL || s[0] == '\0')
        return need ? tmesh_error_set(err, TMESH_E_ARG, "%s is empty", what) : TMESH_OK;
    if (strlen(s) > max)
        return tmesh_error_set(err, TMESH_E_ARG, "%s is longer than %zu bytes", what, max);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return tmesh_error_set(err, TMESH_E_ARG, "%s holds a control character", what);
    return TMESH_OK;
}

static int max_version(tmesh_store *s, const char *asset, tmesh_error *err)
{
    sqlite3_stmt *q;
    if (tmesh_store__prepare(s, &q,
                             "SELECT coalesce(max(version), 0) FROM versions"
                             " WHERE asset = ?1",
                             err) != TMESH_OK)
        return -1;
    sqlite3_bind_text(q, 1, asset, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    int v = rc == SQLITE_ROW ? sqlite3_column_int(q, 0) : -1;
    if (rc != SQLITE_ROW)
        tmesh_store__sql_error(s, rc, "cannot read versions", err);
    sqlite3_finalize(q);
    return v;
}

tmesh_status tmesh_store_publish(int *version_out, tmesh_store *s, const char *asset,
                                 const char *mesh, const tmesh_store_publish_opts *opts,
                                 tmesh_error *err)
{
    TMESH_ASSERT(version_out && s && asset && mesh);
    *version_out = 0;
    tmesh_store_publish_opts o = TMESH_STORE_PUBLISH_OPTS_INIT;
    if (opts)
        o = *opts;
    tmesh_status st;
    if ((st = tmesh_store_name_check(asset, err)) != TMESH_OK ||
        (st = text_check("note", o.note, TMESH_STORE_NOTE_MAX, 0, err)) != TMESH_OK)
        return st;
    /* One name, one thing: a figure's name is not also an asset's. */
    tmesh_store_figure *fig = NULL;
    if (tmesh_store_figure_get(&fig, s, asset, 0, NULL) == TMESH_OK) {
        tmesh_store_figure_free(fig);
        return tmesh_error_set(err, TMESH_E_ARG, "asset name '%s' is taken by a figure", asset);
    }
    if (!tmesh_store_hash_valid(mesh))
        return tmesh_error_set(err, TMESH_E_ARG, "mesh '%s' is not a SHA-256", mesh);
    tmesh_store_kind k = tmesh_store__known_kind(s, mesh);
    if (k == 0)
        return tmesh_error_set(err, TMESH_E_NOTFOUND, "mesh %s: not in the store", mesh);
    if (k != TMESH_STORE_MESH && k != TMESH_STORE_LABELS)
        return tmesh_error_set(err, TMESH_E_ARG, "object %s is a %s, not a mesh or label volume",
                               mesh, tmesh_store_kind_name(k));
    char deriv[65] = "";
    tmesh_store_derivation *d = NULL;
    if (o.derivation) {
        if ((st = tmesh_store_derivation_get(&d, s, o.derivation, err)) != TMESH_OK)
            return st;
        if (strcmp(d->output, mesh) != 0) {
            tmesh_store_derivation_free(d);
            return tmesh_error_set(err, TMESH_E_ARG, "derivation %s made %s, not mesh %s",
                                   o.derivation, d->output, mesh);
        }
    } else if ((st = tmesh_store_derivation_of(&d, s, mesh, err)) != TMESH_OK) {
        return st;
    }
    if (d)
        snprintf(deriv, sizeof deriv, "%s", d->hash);
    tmesh_store_derivation_free(d);
    char pname[TMESH_STORE_NAME_MAX + 1] = "";
    int pver = 0;
    if (o.parent && !o.no_parent &&
        (st = tmesh_store_ref_parse(o.parent, pname, &pver, err)) != TMESH_OK)
        return st;

    if ((st = tmesh_store__begin(s, err)) != TMESH_OK)
        return st;
    if ((st = tmesh_store__insert_pending(s, err)) != TMESH_OK)
        goto fail;
    int cur = max_version(s, asset, err);
    if (cur < 0) {
        st = err ? err->code : TMESH_E_IO;
        goto fail;
    }
    if (!o.no_parent) {
        if (pname[0] == '\0' && cur > 0) {
            snprintf(pname, sizeof pname, "%s", asset);
            pver = cur;
        } else if (pname[0] != '\0') {
            int pmax = max_version(s, pname, err);
            if (pmax < 0) {
                st = err ? err->code : TMESH_E_IO;
                goto fail;
            }
            if (pver == 0)
                pver = pmax;
            if (pver == 0 || pver > pmax) {
                st = tmesh_error_set(err, TMESH_E_NOTFOUND, "parent %s: no such version", o.parent);
                goto fail;
            }
        }
    }
    char now[32];
    tmesh_store__now(now);
    sqlite3_stmt *qa = NULL, *qv = NULL;
    if ((st = tmesh_store__prepare(s, &qa,
                                   "INSERT OR IGNORE INTO assets(name, created_at)"
                                   " VALUES(?1, ?2)",
                                   err)) != TMESH_OK)
        goto fail;
    sqlite3_bind_text(qa, 1, asset, -1, SQLITE_STATIC);
    sqlite3_bind_text(qa, 2, now, -1, SQLITE_STATIC);
    int rc = sqlite3_step(qa);
    sqlite3_finalize(qa);
    if (rc != SQLITE_DONE) {
        st = tmesh_store__sql_error(s, rc, "cannot record the asset", err);
        goto fail;
    }
    if ((st = tmesh_store__prepare(s, &qv,
                                   "INSERT INTO versions(asset, version, mesh, derivation,"
                                   " parent_asset, parent_version, note, created_at, created_by)"
                                   " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                                   err)) != TMESH_OK)
        goto fail;
    sqlite3_bind_text(qv, 1, asset, -1, SQLITE_STATIC);
    sqlite3_bind_int(qv, 2, cur + 1);
    sqlite3_bind_text(qv, 3, mesh, -1, SQLITE_STATIC);
    if (deriv[0])
        sqlite3_bind_text(qv, 4, deriv, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(qv, 4);
    if (pname[0] && pver > 0) {
        sqlite3_bind_text(qv, 5, pname, -1, SQLITE_STATIC);
        sqlite3_bind_int(qv, 6, pver);
    } else {
        sqlite3_bind_null(qv, 5);
        sqlite3_bind_null(qv, 6);
    }
    sqlite3_bind_text(qv, 7, o.note ? o.note : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(qv, 8, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(qv, 9, s->user, -1, SQLITE_STATIC);
    rc = sqlite3_step(qv);
    sqlite3_finalize(qv);
    if (rc != SQLITE_DONE) {
        st = tmesh_store__sql_error(s, rc, "cannot record the version", err);
        goto fail;
    }
    if ((st = tmesh_store__commit_txn(s, err)) != TMESH_OK)
        return st;
    *version_out = cur + 1;
    return TMESH_OK;
fail:
    tmesh_store__rollback(s);
    tmesh_error_context(err, "publishing %s: ", asset);
    return st;
}

#define VERSION_COLS                                                                               \
    "SELECT v.asset, v.version, v.mesh, coalesce(v.derivation, ''),"                               \
    " coalesce(v.parent_asset, ''), coalesce(v.parent_version, 0), v.note, v.created_at,"          \
    " v.created_by, coalesce((SELECT r.verdict FROM reviews r WHERE r.asset = v.asset AND"         \
    " r.version = v.version ORDER BY r.id DESC LIMIT 1), 0) FROM versions v "

static void version_row(sqlite3_stmt *q, tmesh_store_version *v)
{
    memset(v, 0, sizeof *v);
    tmesh_store__col_text(q, 0, v->asset, sizeof v->asset);
    v->version = sqlite3_column_int(q, 1);
    tmesh_store__col_text(q, 2, v->mesh, sizeof v->mesh);
    tmesh_store__col_text(q, 3, v->derivation, sizeof v->derivation);
    tmesh_store__col_text(q, 4, v->parent_asset, sizeof v->parent_asset);
    v->parent_version = sqlite3_column_int(q, 5);
    tmesh_store__col_text(q, 6, v->note, sizeof v->note);
    tmesh_store__col_text(q, 7, v->created_at, sizeof v->created_at);
    tmesh_store__col_text(q, 8, v->created_by, sizeof v->created_by);
    v->review_state = sqlite3_column_int(q, 9);
}

tmesh_status tmesh_store_version_get(tmesh_store_version *out, tmesh_store *s, const char *asset,
                                     int version, tmesh_error *err)
{
    tmesh_status st = tmesh_store_name_check(asset, err);
    if (st != TMESH_OK)
        return st;
    sqlite3_stmt *q;
    if ((st = tmesh_store__prepare(
             s, &q,
             version > 0 ? VERSION_COLS "WHERE v.asset = ?1 AND v.version = ?2"
                         : VERSION_COLS "WHERE v.asset = ?1 ORDER BY v.version DESC LIMIT 1",
             err)) != TMESH_OK)
        return st;
    sqlite3_bind_text(q, 1, asset, -1, SQLITE_STATIC);
    if (version > 0)
        sqlite3_bind_int(q, 2, version);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        version_row(q, out);
    else if (rc == SQLITE_DONE)
        st = version > 0
                 ? tmesh_error_set(err, TMESH_E_NOTFOUND, "%s@%d: no such version", asset, version)
                 : tmesh_error_set(err, TMESH_E_NOTFOUND, "%s: no such asset", asset);
    else
        st = tmesh_store__sql_error(s, rc, "cannot read versions", err);
    sqlite3_finalize(q);
    return st;
}

tmesh_status tmesh_store_versions(tmesh_store_version **out, size_t *n_out, tmesh_store *s,
                                  const char *asset, tmesh_error *err)
{
    *out = NULL;
    *n_out = 0;
    tmesh_status st = tmesh_store_name_check(asset, err);
    if (st != TMESH_OK)
        return st;
    sqlite3_stmt *q;
    if ((st = tmesh_store__prepare(s, &q, VERSION_COLS "WHERE v.asset = ?1 ORDER BY v.version",
                                   err)) != TMESH_OK)
        return st;
    sqlite3_bind_text(q, 1, asset, -1, SQLITE_STATIC);
    tmesh_store_version *arr = NULL;
    size_t n = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? 2 * cap : 8;
            tmesh_store_version *na = realloc(arr, cap * sizeof *na);
            if (na == NULL) {
                free(arr);
                sqlite3_finalize(q);
                return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory");
            }
            arr = na;
        }
        version_row(q, &arr[n++]);
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE) {
        free(arr);
        return tmesh_store__sql_error(s, rc, "cannot read versions", err);
    }
    if (n == 0)
        return tmesh_error_set(err, TMESH_E_NOTFOUND, "%s: no such asset", asset);
    *out = arr;
    *n_out = n;
    return TMESH_OK;
}

tmesh_status tmesh_store_assets(char (**out)[TMESH_STORE_NAME_MAX + 1], size_t *n_out,
                                tmesh_store *s, tmesh_error *err)
{
    *out = NULL;
    *n_out = 0;
    sqlite3_stmt *q;
    tmesh_status st = tmesh_store__prepare(s, &q, "SELECT name FROM assets ORDER BY name", err);
    if (st != TMESH_OK)
        return st;
    char(*arr)[TMESH_STORE_NAME_MAX + 1] = NULL;
    size_t n = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? 2 * cap : 8;
            char(*na)[TMESH_STORE_NAME_MAX + 1] = realloc(arr, cap * sizeof *na);
            if (na == NULL) {
                free(arr);
                sqlite3_finalize(q);
                return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory");
            }
            arr = na;
        }
        tmesh_store__col_text(q, 0, arr[n++], TMESH_STORE_NAME_MAX + 1);
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE) {
        free(arr);
        return tmesh_store__sql_error(s, rc, "cannot read assets", err);
    }
    *out = arr;
    *n_out = n;
    return TMESH_OK;
}

tmesh_status tmesh_store_review_add(tmesh_store *s, const char *asset, int version,
                                    tmesh_store_verdict verdict, const char *reviewer,
                                    const char *note, tmesh_error *err)
{
    if (verdict != TMESH_STORE_APPROVED && verdict != TMESH_STORE_REJECTED)
        return tmesh_error_set(err, TMESH_E_ARG, "verdict %d: expected approved or rejected",
                               (int)verdict);
    tmesh_status st;
    if ((st = text_check("reviewer", reviewer, TMESH_STORE_USER_MAX, 1, err)) != TMESH_OK ||
        (st = text_check("note", note, TMESH_STORE_NOTE_MAX, 0, err)) != TMESH_OK)
        return st;
    if (version < 1)
        return tmesh_error_set(err, TMESH_E_ARG,
                               "%s: a review needs an explicit version "
                               "(NAME@VERSION)",
                               asset);
    tmesh_store_version v;
    if ((st = tmesh_store_version_get(&v, s, asset, version, err)) != TMESH_OK)
        return st;
    if ((st = tmesh_store__begin(s, err)) != TMESH_OK)
        return st;
    char now[32];
    tmesh_store__now(now);
    sqlite3_stmt *q;
    if ((st = tmesh_store__prepare(s, &q,
                                   "INSERT INTO reviews(asset, version, verdict, reviewer,"
                                   " note, created_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
                                   err)) != TMESH_OK) {
        tmesh_store__rollback(s);
        return st;
    }
    sqlite3_bind_text(q, 1, asset, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 2, version);
    sqlite3_bind_int(q, 3, (int)verdict);
    sqlite3_bind_text(q, 4, reviewer, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 5, note ? note : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 6, now, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE) {
        st = tmesh_store__sql_error(s, rc, "cannot record the review", err);
        tmesh_store__rollback(s);
        return st;
    }
    /* Only the review row is in this transaction; pending object rows wait for their own. */
    rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        st = tmesh_store__sql_error(s, rc, "cannot commit", err);
        tmesh_store__rollback(s);
    }
    return st;
}

tmesh_status tmesh_store_reviews(tmesh_store_review **out, size_t *n_out, tmesh_store *s,
                                 const char *asset, int version, tmesh_error *err)
{
    *out = NULL;
    *n_out = 0;
    sqlite3_stmt *q;
    tmesh_status st = tmesh_store__prepare(s, &q,
                                           "SELECT verdict, reviewer, note, created_at FROM"
                                           " reviews WHERE asset = ?1 AND version = ?2 ORDER BY id",
                                           err);
    if (st != TMESH_OK)
        return st;
    sqlite3_bind_text(q, 1, asset, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 2, version);
    tmesh_store_review *arr = NULL;
    size_t n = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? 2 * cap : 4;
            tmesh_store_review *na = realloc(arr, cap * sizeof *na);
            if (na == NULL) {
                free(arr);
                sqlite3_finalize(q);
                return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory");
            }
            arr = na;
        }
        tmesh_store_review *r = &arr[n++];
        r->verdict = sqlite3_column_int(q, 0) > 0 ? TMESH_STORE_APPROVED : TMESH_STORE_REJECTED;
        tmesh_store__col_text(q, 1, r->reviewer, sizeof r->reviewer);
        tmesh_store__col_text(q, 2, r->note, sizeof r->note);
        tmesh_store__col_text(q, 3, r->created_at, sizeof r->created_at);
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE) {
        free(arr);
        return tmesh_store__sql_error(s, rc, "cannot read reviews", err);
    }
    *out = arr;
    *n_out = n;
    return TMESH_OK;
}

tmesh_status tmesh_store_export_add(tmesh_store *s, const tmesh_store_export *rec, tmesh_error *err)
{
    tmesh_store_version v;
    tmesh_status st = tmesh_store_version_get(&v, s, rec->asset, rec->version, err);
    if (st != TMESH_OK)
        return st;
    char now[32];
    tmesh_store__now(now);
    sqlite3_stmt *q;
    if ((st = tmesh_store__prepare(s, &q,
                                   "INSERT OR IGNORE INTO exports(file_sha256, asset,"
                                   " version, mesh, format, created_at)"
                                   " VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
                                   err)) != TMESH_OK)
        return st;
    sqlite3_bind_text(q, 1, rec->file_sha256, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, rec->asset, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 3, rec->version);
    sqlite3_bind_text(q, 4, rec->mesh, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 5, rec->format, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 6, now, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return tmesh_store__sql_error(s, rc, "cannot record the export", err);
    return TMESH_OK;
}

tmesh_status tmesh_store_export_find(tmesh_store_export *out, tmesh_store *s,
                                     const char *file_sha256, tmesh_error *err)
{
    sqlite3_stmt *q;
    tmesh_status st = tmesh_store__prepare(s, &q,
                                           "SELECT file_sha256, asset, version, mesh, format FROM"
                                           " exports WHERE file_sha256 = ?1 ORDER BY rowid"
                                           " LIMIT 1",
                                           err);
    if (st != TMESH_OK)
        return st;
    sqlite3_bind_text(q, 1, file_sha256, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        tmesh_store__col_text(q, 0, out->file_sha256, sizeof out->file_sha256);
        tmesh_store__col_text(q, 1, out->asset, sizeof out->asset);
        out->version = sqlite3_column_int(q, 2);
        tmesh_store__col_text(q, 3, out->mesh, sizeof out->mesh);
        tmesh_store__col_text(q, 4, out->format, sizeof out->format);
    } else if (rc == SQLITE_DONE) {
        st = tmesh_error_set(err, TMESH_E_NOTFOUND, "no export has SHA-256 %s", file_sha256);
    } else {
        st = tmesh_store__sql_error(s, rc, "cannot read exports", err);
    }
    sqlite3_finalize(q);
    return st;
}
