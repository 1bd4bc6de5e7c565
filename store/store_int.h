/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal to the store module: the store handle (SQLite connection, paths, the catalog rows
 * waiting for their transaction) and the helpers the store_*.c files share.
 */
#ifndef TMESH_STORE_INT_H
#define TMESH_STORE_INT_H

#include "tracemesh/store.h"

#include <sqlite3.h>

/* A catalog row of an object whose file is durable but whose row is not yet committed. */
typedef struct store_pending_object {
    char hash[65];
    tmesh_store_kind kind;
    uint64_t size;
} store_pending_object;

typedef struct store_pending_input {
    char role[32];
    char hash[65];
} store_pending_input;

typedef struct store_pending_derivation {
    char hash[65];
    char output[65];
    char operation[48];
    char *params;
    size_t n_inputs;
    store_pending_input *inputs;
} store_pending_derivation;

typedef struct store_pending_source {
    char manifest[65];
    char *dir;
} store_pending_source;

struct tmesh_store {
    char *path; /* store folder                          */
    sqlite3 *db;
    char user[TMESH_STORE_USER_MAX + 1];
    store_pending_object *objs;
    size_t n_objs, cap_objs;
    store_pending_derivation *derivs;
    size_t n_derivs, cap_derivs;
    store_pending_source *srcs;
    size_t n_srcs, cap_srcs;
};

/* store_catalog.c */
/* Error naming the store and SQLite's message; returns TMESH_E_IO (TMESH_E_DATA if corrupt). */
tmesh_status tmesh_store__sql_error(tmesh_store *s, int rc, const char *what, tmesh_error *err);
/* Prepare a statement; on failure fill err. */
tmesh_status tmesh_store__prepare(tmesh_store *s, sqlite3_stmt **out, const char *sql,
                                  tmesh_error *err);
/* BEGIN IMMEDIATE, waiting for the busy timeout. */
tmesh_status tmesh_store__begin(tmesh_store *s, tmesh_error *err);
/* Insert the pending rows (inside an open transaction). */
tmesh_status tmesh_store__insert_pending(tmesh_store *s, tmesh_error *err);
/* COMMIT; on failure ROLLBACK. Clears pending rows after success. */
tmesh_status tmesh_store__commit_txn(tmesh_store *s, tmesh_error *err);
void tmesh_store__rollback(tmesh_store *s);
void tmesh_store__clear_pending(tmesh_store *s);
/* Current UTC time, ISO 8601, into buf[32]. */
void tmesh_store__now(char buf[32]);
/* Copy a possibly-NULL SQLite text column into a fixed buffer. */
void tmesh_store__col_text(sqlite3_stmt *st, int col, char *buf, size_t cap);

/* store_objects.c */
/* Kind of an object in pending rows or the catalog: 0 when unknown. */
tmesh_store_kind tmesh_store__known_kind(tmesh_store *s, const char *hash);
/* Read and check the object file only (no catalog). */
tmesh_status tmesh_store__read_object(uint8_t **data_out, size_t *len_out, const tmesh_store *s,
                                      const char *hash, tmesh_error *err);

#endif
