/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Figures in the store: named, versioned figure records (scene object, image object, the render
 * derivation, the renderer fingerprint and the asset versions shown). Their catalog tables are
 * created when a store publishes its first figure, so stores made before figures stay valid.
 */
#define _POSIX_C_SOURCE 200809L
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Immutable like versions: a corrected figure is a new version. */
static const char figure_schema_sql[] =
    "CREATE TABLE IF NOT EXISTS figures(name TEXT PRIMARY KEY, created_at TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS figure_versions(figure TEXT NOT NULL REFERENCES figures(name),"
    " version INTEGER NOT NULL CHECK(version >= 1),"
    " scene TEXT NOT NULL REFERENCES objects(hash), image TEXT NOT NULL REFERENCES objects(hash),"
    " format TEXT NOT NULL, derivation TEXT NOT NULL REFERENCES derivations(hash),"
    " renderer TEXT NOT NULL, note TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL,"
    " created_by TEXT NOT NULL DEFAULT '', PRIMARY KEY(figure, version));"
    "CREATE INDEX IF NOT EXISTS figure_versions_image ON figure_versions(image);"
    "CREATE TABLE IF NOT EXISTS figure_assets(figure TEXT NOT NULL, version INTEGER NOT NULL,"
    " position INTEGER NOT NULL, asset TEXT NOT NULL, asset_version INTEGER NOT NULL,"
    " mesh TEXT NOT NULL REFERENCES objects(hash), PRIMARY KEY(figure, version, position),"
    " FOREIGN KEY(figure, version) REFERENCES figure_versions(figure, version),"
    " FOREIGN KEY(asset, asset_version) REFERENCES versions(asset, version));"
    "CREATE INDEX IF NOT EXISTS figure_assets_asset ON figure_assets(asset);"
    "CREATE TRIGGER IF NOT EXISTS figure_versions_ro_u BEFORE UPDATE ON figure_versions BEGIN"
    " SELECT RAISE(ABORT, 'figure versions are immutable'); END;"
    "CREATE TRIGGER IF NOT EXISTS figure_versions_ro_d BEFORE DELETE ON figure_versions BEGIN"
    " SELECT RAISE(ABORT, 'figure versions are immutable'); END;"
    "CREATE TRIGGER IF NOT EXISTS figure_assets_ro_u BEFORE UPDATE ON figure_assets BEGIN"
    " SELECT RAISE(ABORT, 'figure versions are immutable'); END;"
    "CREATE TRIGGER IF NOT EXISTS figure_assets_ro_d BEFORE DELETE ON figure_assets BEGIN"
    " SELECT RAISE(ABORT, 'figure versions are immutable'); END;";

/* 1 when the store has figure tables, 0 when not, -1 on error (err filled). */
static int have_tables(tmesh_store *s, tmesh_error *err)
{
    sqlite3_stmt *q;
    if (tmesh_store__prepare(s, &q,
                             "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND"
                             " name = 'figure_assets'",
                             err) != TMESH_OK)
        return -1;
    int rc = sqlite3_step(q);
    int n = rc == SQLITE_ROW ? sqlite3_column_int(q, 0) : -1;
    if (rc != SQLITE_ROW)
        tmesh_store__sql_error(s, rc, "cannot read the schema", err);
    sqlite3_finalize(q);
    return n < 0 ? -1 : n > 0;
}

static int max_figure_version(tmesh_store *s, const char *name, tmesh_error *err)
{
    sqlite3_stmt *q;
    if (tmesh_store__prepare(s, &q,
                             "SELECT coalesce(max(version), 0) FROM figure_versions"
                             " WHERE figure = ?1",
                             err) != TMESH_OK)
        return -1;
    sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    int v = rc == SQLITE_ROW ? sqlite3_column_int(q, 0) : -1;
    if (rc != SQLITE_ROW)
        tmesh_store__sql_error(s, rc, "cannot read figure versions", err);
    sqlite3_finalize(q);
    return v;
}

tmesh_status tmesh_store_figure_next(int *out, tmesh_store *s, const char *name, tmesh_error *err)
{
    TMESH_ASSERT(out && s && name);
    *out = 0;
    tmesh_status st = tmesh_store_name_check(name, err);
    if (st != TMESH_OK)
        return st;
    int t = have_tables(s, err);
    if (t < 0)
        return err ? err->code : TMESH_E_IO;
    int v = t ? max_figure_version(s, name, err) : 0;
    if (v < 0)
        return err ? err->code : TMESH_E_IO;
    *out = v + 1;
    return TMESH_OK;
}

static tmesh_status step_done(tmesh_store *s, sqlite3_stmt *q, const char *what, tmesh_error *err)
{
    int rc = sqlite3_step(q);
    if (rc != SQLITE_DONE)
        return tmesh_store__sql_error(s, rc, what, err);
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return TMESH_OK;
}

/* Mesh of asset@version in the catalog into mesh_out; 0 found, 1 not found, -1 error. */
static int version_mesh(tmesh_store *s, const char *asset, int version, char mesh_out[65],
                        tmesh_error *err)
{
    sqlite3_stmt *q;
    if (tmesh_store__prepare(s, &q, "SELECT mesh FROM versions WHERE asset = ?1 AND version = ?2",
                             err) != TMESH_OK)
        return -1;
    sqlite3_bind_text(q, 1, asset, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 2, version);
    int rc = sqlite3_step(q), r = 1;
    if (rc == SQLITE_ROW) {
        tmesh_store__col_text(q, 0, mesh_out, 65);
        r = 0;
    } else if (rc != SQLITE_DONE) {
        tmesh_store__sql_error(s, rc, "cannot read versions", err);
        r = -1;
    }
    sqlite3_finalize(q);
    return r;
}

tmesh_status tmesh_store_figure_publish(int *version_out, tmesh_store *s, const char *name,
                                        const char *scene, const char *image, const char *format,
                                        const char *derivation, const char *renderer,
                                        const tmesh_store_figure_asset *assets, size_t n_assets,
                                        const tmesh_store_figure_publish_opts *opts,
                                        tmesh_error *err)
{
    TMESH_ASSERT(version_out && s && name && scene && image && format && derivation && renderer);
    *version_out = 0;
    tmesh_store_figure_publish_opts o = TMESH_STORE_FIGURE_PUBLISH_OPTS_INIT;
    if (opts)
        o = *opts;
    tmesh_status st = tmesh_store_name_check(name, err);
    if (st != TMESH_OK)
        return tmesh_error_context(err, "figure name: "), st;
    if (strcmp(format, "png") != 0 && strcmp(format, "svg") != 0 && strcmp(format, "pdf") != 0)
        return tmesh_error_set(err, TMESH_E_ARG, "figure format '%s' is not png, svg or pdf",
                               format);
    if (renderer[0] == '\0' || strlen(renderer) > 511)
        return tmesh_error_set(err, TMESH_E_ARG, "renderer fingerprint is empty or too long");
    if (o.note && strlen(o.note) > TMESH_STORE_NOTE_MAX)
        return tmesh_error_set(err, TMESH_E_ARG, "note is longer than %d bytes",
                               TMESH_STORE_NOTE_MAX);
    if (n_assets == 0 || assets == NULL)
        return tmesh_error_set(err, TMESH_E_ARG, "figure %s shows no asset", name);
    const char *objs[2] = {scene, image}, *what[2] = {"scene", "image"};
    for (int i = 0; i < 2; i++) {
        if (!tmesh_store_hash_valid(objs[i]))
            return tmesh_error_set(err, TMESH_E_ARG, "%s '%s' is not a SHA-256", what[i], objs[i]);
        tmesh_store_kind k = tmesh_store__known_kind(s, objs[i]);
        if (k == 0)
            return tmesh_error_set(err, TMESH_E_NOTFOUND, "%s %s: not in the store", what[i],
                                   objs[i]);
        if (k != TMESH_STORE_FIGURE)
            return tmesh_error_set(err, TMESH_E_ARG, "%s %s is a %s object, not a figure", what[i],
                                   objs[i], tmesh_store_kind_name(k));
    }
    tmesh_store_derivation *d = NULL;
    if ((st = tmesh_store_derivation_get(&d, s, derivation, err)) != TMESH_OK)
        return st;
    int other = strcmp(d->output, image) != 0;
    tmesh_store_derivation_free(d);
    if (other)
        return tmesh_error_set(err, TMESH_E_ARG, "derivation %s did not make image %s", derivation,
                               image);

    if ((st = tmesh_store__begin(s, err)) != TMESH_OK)
        return st;
    sqlite3_stmt *q = NULL;
    if (sqlite3_exec(s->db, figure_schema_sql, NULL, NULL, NULL) != SQLITE_OK) {
        st = tmesh_store__sql_error(s, sqlite3_errcode(s->db), "cannot add the figure tables", err);
        goto fail;
    }
    if ((st = tmesh_store__prepare(s, &q, "SELECT count(*) FROM assets WHERE name = ?1", err)) !=
        TMESH_OK)
        goto fail;
    sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    int clash = sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int(q, 0) > 0;
    sqlite3_finalize(q);
    q = NULL;
    if (clash) {
        st = tmesh_error_set(err, TMESH_E_ARG,
                             "figure name '%s' is the name of an asset: choose another (for "
                             "example fig-%s)",
                             name, name);
        goto fail;
    }
    for (size_t i = 0; i < n_assets; i++) {
        char mesh[65];
        int r = version_mesh(s, assets[i].asset, assets[i].version, mesh, err);
        if (r < 0) {
            st = err ? err->code : TMESH_E_IO;
            goto fail;
        }
        if (r > 0) {
            st = tmesh_error_set(err, TMESH_E_NOTFOUND, "%s@%d: no such version", assets[i].asset,
                                 assets[i].version);
            goto fail;
        }
        if (strcmp(mesh, assets[i].mesh) != 0) {
            st = tmesh_error_set(err, TMESH_E_ARG, "%s@%d has mesh %s, not %s", assets[i].asset,
                                 assets[i].version, mesh, assets[i].mesh);
            goto fail;
        }
    }
    if ((st = tmesh_store__insert_pending(s, err)) != TMESH_OK)
        goto fail;
    int cur = max_figure_version(s, name, err);
    if (cur < 0) {
        st = err ? err->code : TMESH_E_IO;
        goto fail;
    }
    if (o.version > 0 && o.version != cur + 1) {
        st = tmesh_error_set(err, TMESH_E_ARG,
                             "figure %s: version %d was made for number %d, but the next number "
                             "is %d (another process published meanwhile)",
                             name, o.version, o.version, cur + 1);
        goto fail;
    }
    char now[32];
    tmesh_store__now(now);
    if ((st = tmesh_store__prepare(s, &q,
                                   "INSERT OR IGNORE INTO figures(name, created_at) VALUES(?1, ?2)",
                                   err)) != TMESH_OK)
        goto fail;
    sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, now, -1, SQLITE_STATIC);
    st = step_done(s, q, "cannot record the figure", err);
    sqlite3_finalize(q);
    q = NULL;
    if (st != TMESH_OK)
        goto fail;
    if ((st = tmesh_store__prepare(s, &q,
                                   "INSERT INTO figure_versions(figure, version, scene, image,"
                                   " format, derivation, renderer, note, created_at, created_by)"
                                   " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                                   err)) != TMESH_OK)
        goto fail;
    sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 2, cur + 1);
    sqlite3_bind_text(q, 3, scene, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, image, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 5, format, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 6, derivation, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 7, renderer, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 8, o.note ? o.note : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 9, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 10, s->user, -1, SQLITE_STATIC);
    st = step_done(s, q, "cannot record the figure version", err);
    sqlite3_finalize(q);
    q = NULL;
    if (st != TMESH_OK)
        goto fail;
    if ((st = tmesh_store__prepare(s, &q,
                                   "INSERT INTO figure_assets(figure, version, position, asset,"
                                   " asset_version, mesh) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
                                   err)) != TMESH_OK)
        goto fail;
    for (size_t i = 0; i < n_assets && st == TMESH_OK; i++) {
        sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_int(q, 2, cur + 1);
        sqlite3_bind_int64(q, 3, (sqlite3_int64)i);
        sqlite3_bind_text(q, 4, assets[i].asset, -1, SQLITE_STATIC);
        sqlite3_bind_int(q, 5, assets[i].version);
        sqlite3_bind_text(q, 6, assets[i].mesh, -1, SQLITE_STATIC);
        st = step_done(s, q, "cannot record a figure asset", err);
    }
    sqlite3_finalize(q);
    q = NULL;
    if (st != TMESH_OK)
        goto fail;
    if ((st = tmesh_store__commit_txn(s, err)) != TMESH_OK)
        return st;
    *version_out = cur + 1;
    return TMESH_OK;
fail:
    sqlite3_finalize(q);
    tmesh_store__rollback(s);
    tmesh_error_context(err, "publishing figure %s: ", name);
    return st;
}

void tmesh_store_figure_free(tmesh_store_figure *fig)
{
    if (fig == NULL)
        return;
    free(fig->assets);
    free(fig);
}

#define FIGURE_COLS                                                                                \
    "SELECT figure, version, scene, image, format, derivation, renderer, note, created_at,"        \
    " created_by FROM figure_versions "

/* Read the row of `q` (FIGURE_COLS) and its assets. */
static tmesh_status figure_row(tmesh_store_figure **out, tmesh_store *s, sqlite3_stmt *q,
                               tmesh_error *err)
{
    tmesh_store_figure *f = calloc(1, sizeof *f);
    if (f == NULL)
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory");
    tmesh_store__col_text(q, 0, f->name, sizeof f->name);
    f->version = sqlite3_column_int(q, 1);
    tmesh_store__col_text(q, 2, f->scene, sizeof f->scene);
    tmesh_store__col_text(q, 3, f->image, sizeof f->image);
    tmesh_store__col_text(q, 4, f->format, sizeof f->format);
    tmesh_store__col_text(q, 5, f->derivation, sizeof f->derivation);
    tmesh_store__col_text(q, 6, f->renderer, sizeof f->renderer);
    tmesh_store__col_text(q, 7, f->note, sizeof f->note);
    tmesh_store__col_text(q, 8, f->created_at, sizeof f->created_at);
    tmesh_store__col_text(q, 9, f->created_by, sizeof f->created_by);
    sqlite3_stmt *qa;
    tmesh_status st = tmesh_store__prepare(s, &qa,
                                           "SELECT asset, asset_version, mesh FROM figure_assets"
                                           " WHERE figure = ?1 AND version = ?2 ORDER BY position",
                                           err);
    if (st != TMESH_OK) {
        free(f);
        return st;
    }
    sqlite3_bind_text(qa, 1, f->name, -1, SQLITE_STATIC);
    sqlite3_bind_int(qa, 2, f->version);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(qa)) == SQLITE_ROW) {
        if (f->n_assets == cap) {
            size_t nc = cap ? 2 * cap : 4;
            tmesh_store_figure_asset *na = realloc(f->assets, nc * sizeof *na);
            if (na == NULL) {
                st = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory");
                break;
            }
            f->assets = na;
            cap = nc;
        }
        tmesh_store_figure_asset *a = &f->assets[f->n_assets++];
        tmesh_store__col_text(qa, 0, a->asset, sizeof a->asset);
        a->version = sqlite3_column_int(qa, 1);
        tmesh_store__col_text(qa, 2, a->mesh, sizeof a->mesh);
    }
    if (st == TMESH_OK && rc != SQLITE_DONE)
        st = tmesh_store__sql_error(s, rc, "cannot read figure assets", err);
    sqlite3_finalize(qa);
    if (st != TMESH_OK) {
        tmesh_store_figure_free(f);
        return st;
    }
    *out = f;
    return TMESH_OK;
}

tmesh_status tmesh_store_figure_get(tmesh_store_figure **out, tmesh_store *s, const char *name,
                                    int version, tmesh_error *err)
{
    TMESH_ASSERT(out && s && name);
    *out = NULL;
    tmesh_status st = tmesh_store_name_check(name, err);
    if (st != TMESH_OK)
        return st;
    int t = have_tables(s, err);
    if (t < 0)
        return err ? err->code : TMESH_E_IO;
    if (t == 0)
        goto notfound;
    sqlite3_stmt *q;
    if ((st = tmesh_store__prepare(s, &q,
                                   version > 0 ? FIGURE_COLS "WHERE figure = ?1 AND version = ?2"
                                               : FIGURE_COLS
                                       "WHERE figure = ?1 ORDER BY version DESC LIMIT 1",
                                   err)) != TMESH_OK)
        return st;
    sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    if (version > 0)
        sqlite3_bind_int(q, 2, version);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        st = figure_row(out, s, q, err);
    else if (rc != SQLITE_DONE)
        st = tmesh_store__sql_error(s, rc, "cannot read figure versions", err);
    sqlite3_finalize(q);
    if (st != TMESH_OK || *out != NULL)
        return st;
notfound:
    if (version > 0)
        return tmesh_error_set(err, TMESH_E_NOTFOUND, "figure %s@%d: no such version", name,
                               version);
    return tmesh_error_set(err, TMESH_E_NOTFOUND, "figure %s: no such figure", name);
}

tmesh_status tmesh_store_figure_find(tmesh_store_figure **out, tmesh_store *s, const char *image,
                                     tmesh_error *err)
{
    TMESH_ASSERT(out && s && image);
    *out = NULL;
    int t = have_tables(s, err);
    if (t < 0)
        return err ? err->code : TMESH_E_IO;
    tmesh_status st = TMESH_OK;
    if (t > 0) {
        sqlite3_stmt *q;
        if ((st = tmesh_store__prepare(s, &q,
                                       FIGURE_COLS "WHERE image = ?1 ORDER BY created_at, figure,"
                                                   " version LIMIT 1",
                                       err)) != TMESH_OK)
            return st;
        sqlite3_bind_text(q, 1, image, -1, SQLITE_STATIC);
        int rc = sqlite3_step(q);
        if (rc == SQLITE_ROW)
            st = figure_row(out, s, q, err);
        else if (rc != SQLITE_DONE)
            st = tmesh_store__sql_error(s, rc, "cannot read figure versions", err);
        sqlite3_finalize(q);
    }
    if (st == TMESH_OK && *out == NULL)
        st = tmesh_error_set(err, TMESH_E_NOTFOUND, "no figure version has image %s", image);
    return st;
}

tmesh_status tmesh_store_figures(char (**out)[TMESH_STORE_NAME_MAX + 1], size_t *n_out,
                                 tmesh_store *s, const char *asset, tmesh_error *err)
{
    TMESH_ASSERT(out && n_out && s);
    *out = NULL;
    *n_out = 0;
    int t = have_tables(s, err);
    if (t <= 0)
        return t < 0 ? (err ? err->code : TMESH_E_IO) : TMESH_OK;
    sqlite3_stmt *q;
    tmesh_status st = tmesh_store__prepare(
        s, &q,
        asset ? "SELECT DISTINCT fa.figure FROM figure_assets fa WHERE fa.asset = ?1 AND"
                " fa.version = (SELECT max(version) FROM figure_versions fv WHERE"
                " fv.figure = fa.figure) ORDER BY fa.figure"
              : "SELECT name FROM figures ORDER BY name",
        err);
    if (st != TMESH_OK)
        return st;
    if (asset)
        sqlite3_bind_text(q, 1, asset, -1, SQLITE_STATIC);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (*n_out == cap) {
            size_t nc = cap ? 2 * cap : 8;
            char(*nn)[TMESH_STORE_NAME_MAX + 1] = realloc(*out, nc * sizeof *nn);
            if (nn == NULL) {
                st = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory");
                break;
            }
            *out = nn;
            cap = nc;
        }
        tmesh_store__col_text(q, 0, (*out)[*n_out], TMESH_STORE_NAME_MAX + 1);
        (*n_out)++;
    }
    if (st == TMESH_OK && rc != SQLITE_DONE)
        st = tmesh_store__sql_error(s, rc, "cannot read figures", err);
    sqlite3_finalize(q);
    if (st != TMESH_OK) {
        free(*out);
        *out = NULL;
        *n_out = 0;
    }
    return st;
}
