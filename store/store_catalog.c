/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The catalog of a store: creating and opening the folder and its SQLite database (WAL, busy
 * timeout, immutability triggers), and committing the rows of durable objects in one
 * transaction. Every statement that carries a value is prepared and bound; only the fixed
 * schema and transaction statements go through sqlite3_exec.
 */
#define _POSIX_C_SOURCE 200809L
#include "store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define STORE_FORMAT "tracemesh-store 1"

/* Versions, reviews, objects and derivations are immutable: the catalog refuses edits itself,
 * so no code path (or a hand-run sqlite3 session) can rewrite history by mistake. */
static const char schema_sql[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE objects(hash TEXT PRIMARY KEY, kind TEXT NOT NULL, size INTEGER NOT NULL,"
    " created_at TEXT NOT NULL);"
    "CREATE TABLE derivations(hash TEXT PRIMARY KEY REFERENCES objects(hash),"
    " output TEXT NOT NULL REFERENCES objects(hash), operation TEXT NOT NULL,"
    " params TEXT NOT NULL, tool_version TEXT NOT NULL, created_at TEXT NOT NULL,"
    " created_by TEXT);"
    "CREATE INDEX derivations_output ON derivations(output);"
    "CREATE TABLE derivation_inputs(derivation TEXT NOT NULL REFERENCES derivations(hash),"
    " position INTEGER NOT NULL, role TEXT NOT NULL, input TEXT NOT NULL REFERENCES"
    " objects(hash), PRIMARY KEY(derivation, position));"
    "CREATE TABLE source_dirs(manifest TEXT NOT NULL REFERENCES objects(hash),"
    " dir TEXT NOT NULL, recorded_at TEXT NOT NULL);"
    "CREATE TABLE assets(name TEXT PRIMARY KEY, created_at TEXT NOT NULL);"
    "CREATE TABLE versions(asset TEXT NOT NULL REFERENCES assets(name),"
    " version INTEGER NOT NULL CHECK(version >= 1),"
    " mesh TEXT NOT NULL REFERENCES objects(hash), derivation TEXT REFERENCES derivations(hash),"
    " parent_asset TEXT, parent_version INTEGER, note TEXT NOT NULL DEFAULT '',"
    " created_at TEXT NOT NULL, created_by TEXT NOT NULL DEFAULT '',"
    " PRIMARY KEY(asset, version));"
    "CREATE TABLE reviews(id INTEGER PRIMARY KEY, asset TEXT NOT NULL, version INTEGER NOT NULL,"
    " verdict INTEGER NOT NULL CHECK(verdict IN (1, -1)), reviewer TEXT NOT NULL,"
    " note TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL,"
    " FOREIGN KEY(asset, version) REFERENCES versions(asset, version));"
    "CREATE TABLE exports(file_sha256 TEXT NOT NULL, asset TEXT NOT NULL,"
    " version INTEGER NOT NULL, mesh TEXT NOT NULL, format TEXT NOT NULL,"
    " created_at TEXT NOT NULL, PRIMARY KEY(file_sha256, asset, version),"
    " FOREIGN KEY(asset, version) REFERENCES versions(asset, version));"
    "CREATE TRIGGER objects_ro_u BEFORE UPDATE ON objects BEGIN"
    " SELECT RAISE(ABORT, 'objects are immutable'); END;"
    "CREATE TRIGGER objects_ro_d BEFORE DELETE ON objects BEGIN"
    " SELECT RAISE(ABORT, 'objects are immutable'); END;"
    "CREATE TRIGGER derivations_ro_u BEFORE UPDATE ON derivations BEGIN"
    " SELECT RAISE(ABORT, 'derivations are immutable'); END;"
    "CREATE TRIGGER derivations_ro_d BEFORE DELETE ON derivations BEGIN"
    " SELECT RAISE(ABORT, 'derivations are immutable'); END;"
    "CREATE TRIGGER versions_ro_u BEFORE UPDATE ON versions BEGIN"
    " SELECT RAISE(ABORT, 'versions are immutable'); END;"
    "CREATE TRIGGER versions_ro_d BEFORE DELETE ON versions BEGIN"
    " SELECT RAISE(ABORT, 'versions are immutable'); END;"
    "CREATE TRIGGER reviews_ro_u BEFORE UPDATE ON reviews BEGIN"
    " SELECT RAISE(ABORT, 'reviews are immutable'); END;"
    "CREATE TRIGGER reviews_ro_d BEFORE DELETE ON reviews BEGIN"
    " SELECT RAISE(ABORT, 'reviews are immutable'); END;"
    "INSERT INTO meta(key, value) VALUES('format', '" STORE_FORMAT "');";

tmesh_status tmesh_store__sql_error(tmesh_store *s, int rc, const char *what, tmesh_error *err)
{
    int prim = rc & 0xff;
    tmesh_status code =
        (prim == SQLITE_CORRUPT || prim == SQLITE_NOTADB) ? TMESH_E_DATA : TMESH_E_IO;
    /* SQLite's "disk I/O error" alone does not say that the disk is full: add errno. */
    int sys = s->db ? sqlite3_system_errno(s->db) : 0;
    return tmesh_error_set(err, code, "%s/catalog.db: %s: %s%s%s%s", s->path, what,
                           s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc), sys ? " (" : "",
                           sys ? strerror(sys) : "", sys ? ")" : "");
}

tmesh_status tmesh_store__prepare(tmesh_store *s, sqlite3_stmt **out, const char *sql,
                                  tmesh_error *err)
{
    int rc = sqlite3_prepare_v2(s->db, sql, -1, out, NULL);
    if (rc != SQLITE_OK) {
        *out = NULL;
        return tmesh_store__sql_error(s, rc, "prepare", err);
    }
    return TMESH_OK;
}

void tmesh_store__now(char buf[32])
{
    time_t t = time(NULL);
    struct tm tmv;
    gmtime_r(&t, &tmv);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tmv);
}

void tmesh_store__col_text(sqlite3_stmt *st, int col, char *buf, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    snprintf(buf, cap, "%s", t ? (const char *)t : "");
}

static tmesh_status exec_fixed(tmesh_store *s, const char *sql, const char *what, tmesh_error *err)
{
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return tmesh_store__sql_error(s, rc, what, err);
    return TMESH_OK;
}

tmesh_status tmesh_store__begin(tmesh_store *s, tmesh_error *err)
{
    return exec_fixed(s, "BEGIN IMMEDIATE", "cannot start a transaction", err);
}

void tmesh_store__rollback(tmesh_store *s)
{
    if (!sqlite3_get_autocommit(s->db))
        (void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

tmesh_status tmesh_store__commit_txn(tmesh_store *s, tmesh_error *err)
{
    int rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        tmesh_store__sql_error(s, rc, "cannot commit", err);
        tmesh_store__rollback(s);
        return err ? err->code : TMESH_E_IO;
    }
    tmesh_store__clear_pending(s);
    return TMESH_OK;
}

void tmesh_store__clear_pending(tmesh_store *s)
{
    for (size_t i = 0; i < s->n_derivs; i++) {
        free(s->derivs[i].params);
        free(s->derivs[i].inputs);
    }
    for (size_t i = 0; i < s->n_srcs; i++)
        free(s->srcs[i].dir);
    s->n_objs = s->n_derivs = s->n_srcs = 0;
}

static tmesh_status step_done(tmesh_store *s, sqlite3_stmt *st, const char *what, tmesh_error *err)
{
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE)
        return tmesh_store__sql_error(s, rc, what, err);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return TMESH_OK;
}

tmesh_status tmesh_store__insert_pending(tmesh_store *s, tmesh_error *err)
{
    sqlite3_stmt *so = NULL, *sd = NULL, *si = NULL, *ss = NULL;
    tmesh_status st;
    char now[32];
    tmesh_store__now(now);
    if ((st = tmesh_store__prepare(s, &so,
                                   "INSERT OR IGNORE INTO objects(hash, kind, size, created_at)"
                                   " VALUES(?1, ?2, ?3, ?4)",
                                   err)) != TMESH_OK ||
        (st = tmesh_store__prepare(s, &sd,
                                   "INSERT OR IGNORE INTO derivations(hash, output, operation,"
                                   " params, tool_version, created_at, created_by)"
                                   " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                                   err)) != TMESH_OK ||
        (st = tmesh_store__prepare(s, &si,
                                   "INSERT OR IGNORE INTO derivation_inputs(derivation, position,"
                                   " role, input) VALUES(?1, ?2, ?3, ?4)",
                                   err)) != TMESH_OK ||
        (st = tmesh_store__prepare(s, &ss,
                                   "INSERT INTO source_dirs(manifest, dir, recorded_at)"
                                   " VALUES(?1, ?2, ?3)",
                                   err)) != TMESH_OK)
        goto done;
    for (size_t i = 0; i < s->n_objs; i++) {
        sqlite3_bind_text(so, 1, s->objs[i].hash, -1, SQLITE_STATIC);
        sqlite3_bind_text(so, 2, tmesh_store_kind_name(s->objs[i].kind), -1, SQLITE_STATIC);
        sqlite3_bind_int64(so, 3, (sqlite3_int64)s->objs[i].size);
        sqlite3_bind_text(so, 4, now, -1, SQLITE_STATIC);
        if ((st = step_done(s, so, "cannot record an object", err)) != TMESH_OK)
            goto done;
    }
    for (size_t i = 0; i < s->n_derivs; i++) {
        const store_pending_derivation *d = &s->derivs[i];
        sqlite3_bind_text(sd, 1, d->hash, -1, SQLITE_STATIC);
        sqlite3_bind_text(sd, 2, d->output, -1, SQLITE_STATIC);
        sqlite3_bind_text(sd, 3, d->operation, -1, SQLITE_STATIC);
        sqlite3_bind_text(sd, 4, d->params, -1, SQLITE_STATIC);
        sqlite3_bind_text(sd, 5, TMESH_VERSION_STRING, -1, SQLITE_STATIC);
        sqlite3_bind_text(sd, 6, now, -1, SQLITE_STATIC);
        sqlite3_bind_text(sd, 7, s->user, -1, SQLITE_STATIC);
        if ((st = step_done(s, sd, "cannot record a derivation", err)) != TMESH_OK)
            goto done;
        for (size_t k = 0; k < d->n_inputs; k++) {
            sqlite3_bind_text(si, 1, d->hash, -1, SQLITE_STATIC);
            sqlite3_bind_int64(si, 2, (sqlite3_int64)k);
            sqlite3_bind_text(si, 3, d->inputs[k].role, -1, SQLITE_STATIC);
            sqlite3_bind_text(si, 4, d->inputs[k].hash, -1, SQLITE_STATIC);
            if ((st = step_done(s, si, "cannot record a derivation input", err)) != TMESH_OK)
                goto done;
        }
    }
    for (size_t i = 0; i < s->n_srcs; i++) {
        sqlite3_bind_text(ss, 1, s->srcs[i].manifest, -1, SQLITE_STATIC);
        sqlite3_bind_text(ss, 2, s->srcs[i].dir, -1, SQLITE_STATIC);
        sqlite3_bind_text(ss, 3, now, -1, SQLITE_STATIC);
        if ((st = step_done(s, ss, "cannot record a source folder", err)) != TMESH_OK)
            goto done;
    }
done:
    sqlite3_finalize(so);
    sqlite3_finalize(sd);
    sqlite3_finalize(si);
    sqlite3_finalize(ss);
    return st;
}

tmesh_status tmesh_store_commit(tmesh_store *s, tmesh_error *err)
{
    TMESH_ASSERT(s != NULL);
    if (s->n_objs == 0 && s->n_derivs == 0 && s->n_srcs == 0)
        return TMESH_OK;
    tmesh_status st = tmesh_store__begin(s, err);
    if (st != TMESH_OK)
        return st;
    if ((st = tmesh_store__insert_pending(s, err)) != TMESH_OK) {
        tmesh_store__rollback(s);
        return st;
    }
    return tmesh_store__commit_txn(s, err);
}

/* ---- opening ---- */

static tmesh_status check_opts(const tmesh_store_open_opts *o, tmesh_error *err)
{
    if (o->busy_timeout_ms < 1 || o->busy_timeout_ms > 600000)
        return tmesh_error_set(err, TMESH_E_ARG,
                               "busy_timeout_ms %u is out of range: expected 1 to 600000",
                               o->busy_timeout_ms);
    if (o->user && strlen(o->user) > TMESH_STORE_USER_MAX)
        return tmesh_error_set(err, TMESH_E_ARG, "user name is longer than %d bytes",
                               TMESH_STORE_USER_MAX);
    return TMESH_OK;
}

static char *join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", a, b);
    return p;
}

static void fsync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd); /* best effort: some file systems refuse fsync on folders */
        close(fd);
    }
}

static tmesh_status open_db(tmesh_store **out, const char *path, const tmesh_store_open_opts *o,
                            int create, tmesh_error *err)
{
    tmesh_store *s = calloc(1, sizeof *s);
    char *dbpath = join(path, "catalog.db");
    if (s == NULL || dbpath == NULL || (s->path = strdup(path)) == NULL) {
        free(dbpath);
        tmesh_store_close(s);
        return tmesh_error_set(err, TMESH_E_NOMEM, "%s: out of memory", path);
    }
    snprintf(s->user, sizeof s->user, "%s", o->user ? o->user : "");
    int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(dbpath, &s->db, flags, NULL);
    free(dbpath);
    tmesh_status st = TMESH_OK;
    if (rc != SQLITE_OK) {
        st = tmesh_store__sql_error(s, rc, "cannot open", err);
        goto fail;
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, (int)o->busy_timeout_ms);
    /* WAL lets readers run beside one writer; synchronous=FULL makes each commit durable
     * before it returns, as the catalog's promise to the objects it names requires. */
    if ((st = exec_fixed(s, "PRAGMA journal_mode=WAL", "cannot set WAL mode", err)) != TMESH_OK ||
        (st = exec_fixed(s, "PRAGMA synchronous=FULL", "cannot set synchronous", err)) !=
            TMESH_OK ||
        (st = exec_fixed(s, "PRAGMA foreign_keys=ON", "cannot enable foreign keys", err)) !=
            TMESH_OK)
        goto fail;
    if (create) {
        if ((st = tmesh_store__begin(s, err)) != TMESH_OK)
            goto fail;
        if ((st = exec_fixed(s, schema_sql, "cannot create the schema", err)) != TMESH_OK) {
            tmesh_store__rollback(s);
            goto fail;
        }
        if ((st = tmesh_store__commit_txn(s, err)) != TMESH_OK)
            goto fail;
    }
    sqlite3_stmt *q = NULL;
    if ((st = tmesh_store__prepare(s, &q, "SELECT value FROM meta WHERE key = 'format'", err)) !=
        TMESH_OK) {
        tmesh_error_clear(err);
        st = tmesh_error_set(err, TMESH_E_DATA, "%s/catalog.db: not a tracemesh catalog", path);
        goto fail;
    }
    rc = sqlite3_step(q);
    char fmt[64] = "";
    if (rc == SQLITE_ROW)
        tmesh_store__col_text(q, 0, fmt, sizeof fmt);
    sqlite3_finalize(q);
    if (strcmp(fmt, STORE_FORMAT) != 0) {
        st = tmesh_error_set(err, TMESH_E_DATA,
                             "%s/catalog.db: format '%s' is not '" STORE_FORMAT "'", path, fmt);
        goto fail;
    }
    *out = s;
    return TMESH_OK;
fail:
    tmesh_store_close(s);
    return st;
}

tmesh_status tmesh_store_create(tmesh_store **out, const char *path,
                                const tmesh_store_open_opts *opts, tmesh_error *err)
{
    TMESH_ASSERT(out != NULL && path != NULL);
    *out = NULL;
    tmesh_store_open_opts o = TMESH_STORE_OPEN_OPTS_INIT;
    if (opts)
        o = *opts;
    tmesh_status st = check_opts(&o, err);
    if (st != TMESH_OK)
        return st;
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
        return tmesh_error_set(err, TMESH_E_IO, "%s: cannot create folder: %s", path,
                               strerror(errno));
    char *dbpath = join(path, "catalog.db"), *objdir = join(path, "objects"),
         *fmtpath = join(path, "FORMAT");
    if (!dbpath || !objdir || !fmtpath) {
        st = tmesh_error_set(err, TMESH_E_NOMEM, "%s: out of memory", path);
        goto done;
    }
    struct stat sb;
    if (stat(fmtpath, &sb) == 0) {
        st = tmesh_error_set(err, TMESH_E_ARG, "%s: a store exists there already", path);
        goto done;
    }
    if (stat(dbpath, &sb) == 0) {
        /* FORMAT is written last, so a catalog without it is an interrupted init that no
         * command could ever open: start it again. */
        const char *suffix[3] = {"", "-wal", "-shm"};
        for (int i = 0; i < 3; i++) {
            char p[4200];
            snprintf(p, sizeof p, "%s%s", dbpath, suffix[i]);
            (void)unlink(p);
        }
    }
    if (mkdir(objdir, 0777) != 0 && errno != EEXIST) {
        st = tmesh_error_set(err, TMESH_E_IO, "%s: cannot create folder: %s", objdir,
                             strerror(errno));
        goto done;
    }
    if ((st = open_db(out, path, &o, 1, err)) != TMESH_OK)
        goto done;
    /* FORMAT is written last: a folder without it is an interrupted init, not a store. */
    const char text[] = STORE_FORMAT "\n";
    if ((st = tmesh_fs_write_atomic(fmtpath, text, sizeof text - 1, err)) != TMESH_OK) {
        tmesh_store_close(*out);
        *out = NULL;
        goto done;
    }
    fsync_dir(path);
done:
    free(dbpath);
    free(objdir);
    free(fmtpath);
    return st;
}

tmesh_status tmesh_store_open(tmesh_store **out, const char *path,
                              const tmesh_store_open_opts *opts, tmesh_error *err)
{
    TMESH_ASSERT(out != NULL && path != NULL);
    *out = NULL;
    tmesh_store_open_opts o = TMESH_STORE_OPEN_OPTS_INIT;
    if (opts)
        o = *opts;
    tmesh_status st = check_opts(&o, err);
    if (st != TMESH_OK)
        return st;
    char *fmtpath = join(path, "FORMAT"), *dbpath = join(path, "catalog.db");
    if (!fmtpath || !dbpath) {
        free(fmtpath);
        free(dbpath);
        return tmesh_error_set(err, TMESH_E_NOMEM, "%s: out of memory", path);
    }
    struct stat sb;
    int ok = stat(fmtpath, &sb) == 0 && stat(dbpath, &sb) == 0;
    free(fmtpath);
    free(dbpath);
    if (!ok)
        return tmesh_error_set(err, TMESH_E_NOTFOUND, "%s: no tracemesh store there", path);
    return open_db(out, path, &o, 0, err);
}

void tmesh_store_close(tmesh_store *s)
{
    if (s == NULL)
        return;
    tmesh_store__clear_pending(s);
    free(s->objs);
    free(s->derivs);
    free(s->srcs);
    if (s->db)
        sqlite3_close_v2(s->db);
    free(s->path);
    free(s);
}

const char *tmesh_store_path(const tmesh_store *s)
{
    return s->path;
}

/* ---- source folders ---- */

tmesh_status tmesh_store_set_source_dir(tmesh_store *s, const char *manifest, const char *dir,
                                        tmesh_error *err)
{
    TMESH_ASSERT(s && manifest && dir);
    if (tmesh_store__known_kind(s, manifest) != TMESH_STORE_MANIFEST)
        return tmesh_error_set(err, TMESH_E_NOTFOUND, "manifest %s: not in the store", manifest);
    if (s->n_srcs == s->cap_srcs) {
        size_t nc = s->cap_srcs ? 2 * s->cap_srcs : 4;
        store_pending_source *n = realloc(s->srcs, nc * sizeof *n);
        if (n == NULL)
            return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory");
        s->srcs = n;
        s->cap_srcs = nc;
    }
    char *d = strdup(dir);
    if (d == NULL)
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory");
    snprintf(s->srcs[s->n_srcs].manifest, 65, "%s", manifest);
    s->srcs[s->n_srcs++].dir = d;
    return TMESH_OK;
}

tmesh_status tmesh_store_source_dir(char **out, tmesh_store *s, const char *manifest,
                                    tmesh_error *err)
{
    *out = NULL;
    for (size_t i = s->n_srcs; i-- > 0;)
        if (strcmp(s->srcs[i].manifest, manifest) == 0) {
            *out = strdup(s->srcs[i].dir);
            return *out ? TMESH_OK : tmesh_error_set(err, TMESH_E_NOMEM, "out of memory");
        }
    sqlite3_stmt *q;
    tmesh_status st = tmesh_store__prepare(
        s, &q, "SELECT dir FROM source_dirs WHERE manifest = ?1 ORDER BY rowid DESC LIMIT 1", err);
    if (st != TMESH_OK)
        return st;
    sqlite3_bind_text(q, 1, manifest, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(q, 0);
        if (t && (*out = strdup((const char *)t)) == NULL)
            st = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory");
    } else if (rc != SQLITE_DONE) {
        st = tmesh_store__sql_error(s, rc, "cannot read source folders", err);
    }
    sqlite3_finalize(q);
    return st;
}
