/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * store: the fourth stage of the pipeline. Keeps every piece of evidence (source manifests,
 * volumes, label volumes, meshes, figures, imported files) as immutable content-addressed
 * objects, records how each object was derived from others (the provenance graph), and names
 * published meshes as versioned assets ("skull@3") with immutable reviews. A store is a folder
 * (`.tracemesh/`) holding a SQLite catalog and a zlib-compressed object per SHA-256.
 *
 * Layout of a store folder:
 *   catalog.db          SQLite catalog (WAL): objects, derivations, assets, versions, reviews,
 *                       exports, source folders. Time stamps and user names live only here.
 *   objects/ab/cdef...  one object per SHA-256 of its canonical bytes (hex: 2 + 62 chars), a
 *                       gzip member (fixed header, no time or name) of those bytes.
 *   FORMAT              "tracemesh-store 1"
 *
 * Asset names: 1 to TMESH_STORE_NAME_MAX characters from [A-Za-z0-9._-], starting with a letter
 * or digit, never containing "..". A reference is NAME or NAME@VERSION (VERSION >= 1; NAME alone
 * means the latest version).
 *
 * Threads: a tmesh_store handle is used by one thread at a time. Several processes may use one
 * store at once; SQLite serialises catalog writes (busy timeout), objects are written atomically.
 */
#ifndef TRACEMESH_STORE_H
#define TRACEMESH_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "tracemesh/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Name of the store folder looked for by tools ("walk up like git"). */
#define TMESH_STORE_DIRNAME ".tracemesh"
/** Longest asset name, in characters (excluding the NUL). */
#define TMESH_STORE_NAME_MAX 64
/** Longest note of a version or review, in bytes. */
#define TMESH_STORE_NOTE_MAX 2000
/** Longest reviewer or user name, in bytes. */
#define TMESH_STORE_USER_MAX 64

/** Kinds of objects. */
typedef enum tmesh_store_kind {
    TMESH_STORE_MANIFEST = 1,  /* source manifest: canonical JSON from tmesh_dicom_load    */
    TMESH_STORE_VOLUME = 2,    /* intensity volume (tmesh_store_volume_encode bytes)       */
    TMESH_STORE_LABELS = 3,    /* label volume (same encoding, U8 or U16)                  */
    TMESH_STORE_MESH = 4,      /* mesh (tmesh_store_mesh_encode bytes)                     */
    TMESH_STORE_FIGURE = 5,    /* rendered figure, the file's bytes                        */
    TMESH_STORE_FILE = 6,      /* any imported file (a hand-edited mesh), its bytes        */
    TMESH_STORE_DERIVATION = 7 /* derivation record, canonical JSON                        */
} tmesh_store_kind;

/** Name of a kind ("mesh"); "?" for an unknown value. */
const char *tmesh_store_kind_name(tmesh_store_kind kind);

/**
 * Kind of a name.
 * @return TMESH_OK; TMESH_E_ARG naming the unknown name
 */
tmesh_status tmesh_store_kind_parse(tmesh_store_kind *out, const char *name, tmesh_error *err);

/** A store. Opaque: SQLite connection, paths, pending catalog rows. */
typedef struct tmesh_store tmesh_store;

/** Options of tmesh_store_open and tmesh_store_create. */
typedef struct tmesh_store_open_opts {
    unsigned busy_timeout_ms; /* how long to wait for another process's catalog write,
                                 1..600000 ms. Default 60000                              */
    const char *user;         /* recorded in catalog columns (created_by); NULL or "" for
                                 none. At most TMESH_STORE_USER_MAX bytes. Default NULL     */
} tmesh_store_open_opts;

#define TMESH_STORE_OPEN_OPTS_INIT                                                                 \
    {                                                                                              \
        60000u, NULL                                                                               \
    }

/**
 * Create a new, empty store in folder `path` (created if missing; it must not already hold a
 * store) and open it.
 * @param[out] out caller owns; close with tmesh_store_close
 * @return TMESH_OK; TMESH_E_ARG naming `path` when a store already exists there or an option is
 *         out of range; TMESH_E_IO naming the path and the system's reason
 */
tmesh_status tmesh_store_create(tmesh_store **out, const char *path,
                                const tmesh_store_open_opts *opts, tmesh_error *err);

/**
 * Open the store in folder `path` (the `.tracemesh` folder itself).
 * @param[out] out caller owns; close with tmesh_store_close
 * @return TMESH_OK; TMESH_E_NOTFOUND naming `path` when it holds no store; TMESH_E_DATA when
 *         the catalog is not a tracemesh catalog; TMESH_E_IO
 */
tmesh_status tmesh_store_open(tmesh_store **out, const char *path,
                              const tmesh_store_open_opts *opts, tmesh_error *err);

/** Close a store. Pending rows not committed are dropped (their objects stay, unreferenced,
 *  and fsck reports them as such). Accepts NULL. */
void tmesh_store_close(tmesh_store *store);

/** Folder of the store. Borrowed: valid while the store is open. */
const char *tmesh_store_path(const tmesh_store *store);

/* ---------------------------------------------------------------------------------------------
 * Names and references
 * ------------------------------------------------------------------------------------------- */

/**
 * Check an asset name (see the charset at the top of this header).
 * @return TMESH_OK; TMESH_E_ARG naming the name and what is wrong
 */
tmesh_status tmesh_store_name_check(const char *name, tmesh_error *err);

/**
 * Split "NAME" or "NAME@VERSION".
 * @param[out] name_out     the checked name
 * @param[out] version_out  the version, 0 when none was given
 * @return TMESH_OK; TMESH_E_ARG naming the reference
 */
tmesh_status tmesh_store_ref_parse(const char *ref, char name_out[TMESH_STORE_NAME_MAX + 1],
                                   int *version_out, tmesh_error *err);

/** 1 when `s` is 64 lowercase hex characters. */
int tmesh_store_hash_valid(const char *s);

/* ---------------------------------------------------------------------------------------------
 * Objects. Writes are durable when they return (temporary file, fsync, rename, folder fsync);
 * their catalog rows are pending until tmesh_store_commit or tmesh_store_publish.
 * ------------------------------------------------------------------------------------------- */

/**
 * Store bytes as an object of `kind`. An object that exists already is not rewritten; it is
 * read back and checked instead.
 * @param[out] hash_out SHA-256 of `data`, lowercase hex
 * @return TMESH_OK; TMESH_E_ARG for an unknown kind, or for an existing object of another kind;
 *         TMESH_E_IO naming the object path (full disk: nothing is left behind);
 *         TMESH_E_VERIFY when an existing object with this name is corrupt (run fsck);
 *         TMESH_E_NOMEM
 */
tmesh_status tmesh_store_put(tmesh_store *store, tmesh_store_kind kind, const void *data,
                             size_t len, char hash_out[65], tmesh_error *err);

/**
 * Read an object, checking its SHA-256.
 * @param[out] data_out caller owns; free with free(). A NUL byte follows the data.
 * @param[out] kind_out optional; the catalog kind (0 when the object has no catalog row)
 * @return TMESH_OK; TMESH_E_ARG for a malformed hash; TMESH_E_NOTFOUND naming the object when
 *         its file is missing; TMESH_E_VERIFY naming the object path when it cannot be
 *         decompressed or its content no longer has its hash; TMESH_E_IO; TMESH_E_NOMEM
 */
tmesh_status tmesh_store_get(uint8_t **data_out, size_t *len_out, tmesh_store_kind *kind_out,
                             tmesh_store *store, const char *hash, tmesh_error *err);

/**
 * Catalog kind of an object (committed or pending).
 * @return TMESH_OK; TMESH_E_NOTFOUND naming the hash when the catalog does not know it
 */
tmesh_status tmesh_store_object_kind(tmesh_store_kind *out, tmesh_store *store, const char *hash,
                                     tmesh_error *err);

/** Path of an object file (may not exist): `<store>/objects/ab/cdef...`. */
void tmesh_store_object_path(const tmesh_store *store, const char *hash, char *buf, size_t cap);

/**
 * Canonical bytes of a volume: "TMVOL1\n\0", type (u32), dim (3 x u64), ijk_to_lps (16 IEEE
 * doubles, row major), then the samples; all little-endian. Equal volumes give equal bytes.
 * @param[out] out caller owns; free with free()
 * @return TMESH_OK; TMESH_E_ARG for an unknown voxel type; TMESH_E_NOMEM
 */
tmesh_status tmesh_store_volume_encode(uint8_t **out, size_t *len_out, const tmesh_volume *vol,
                                       tmesh_error *err);

/**
 * Decode tmesh_store_volume_encode bytes.
 * @param[out] out caller owns; free with tmesh_volume_free
 * @return TMESH_OK; TMESH_E_DATA for bytes of another format or size; TMESH_E_NOMEM
 */
tmesh_status tmesh_store_volume_decode(tmesh_volume **out, const uint8_t *data, size_t len,
                                       tmesh_error *err);

/**
 * Canonical bytes of a mesh: "TMMESH1\n", flags (u32: 1 normals, 2 labels), n_vertices and
 * n_triangles (u64), xyz (f32), normals (f32, if any), labels (u16, if any), tri (u32); all
 * little-endian.
 * @param[out] out caller owns; free with free()
 * @return TMESH_OK; TMESH_E_NOMEM
 */
tmesh_status tmesh_store_mesh_encode(uint8_t **out, size_t *len_out, const tmesh_mesh *mesh,
                                     tmesh_error *err);

/**
 * Decode tmesh_store_mesh_encode bytes.
 * @param[out] out caller owns; free with tmesh_mesh_free
 * @return TMESH_OK; TMESH_E_DATA for bytes of another format, a wrong size or a triangle index
 *         out of range; TMESH_E_NOMEM
 */
tmesh_status tmesh_store_mesh_decode(tmesh_mesh **out, const uint8_t *data, size_t len,
                                     tmesh_error *err);

/** Encode and put a volume (kind TMESH_STORE_VOLUME or TMESH_STORE_LABELS). */
tmesh_status tmesh_store_put_volume(tmesh_store *store, tmesh_store_kind kind,
                                    const tmesh_volume *vol, char hash_out[65], tmesh_error *err);

/** Encode and put a mesh (kind TMESH_STORE_MESH). */
tmesh_status tmesh_store_put_mesh(tmesh_store *store, const tmesh_mesh *mesh, char hash_out[65],
                                  tmesh_error *err);

/** Get, check and decode a volume or label object. @param[out] out caller owns */
tmesh_status tmesh_store_get_volume(tmesh_volume **out, tmesh_store *store, const char *hash,
                                    tmesh_error *err);

/** Get, check and decode a mesh object. @param[out] out caller owns */
tmesh_status tmesh_store_get_mesh(tmesh_mesh **out, tmesh_store *store, const char *hash,
                                  tmesh_error *err);

/**
 * Record the folder a source manifest was scanned from (an absolute path, kept in the catalog
 * only, never in hashed bytes or exports) so that trace and verify can find the files again.
 * @return TMESH_OK; TMESH_E_NOTFOUND when the manifest is unknown; TMESH_E_NOMEM
 */
tmesh_status tmesh_store_set_source_dir(tmesh_store *store, const char *manifest_hash,
                                        const char *dir, tmesh_error *err);

/**
 * The last folder recorded for a manifest.
 * @param[out] out caller owns; free with free(); NULL when none was recorded
 */
tmesh_status tmesh_store_source_dir(char **out, tmesh_store *store, const char *manifest_hash,
                                    tmesh_error *err);

/* ---------------------------------------------------------------------------------------------
 * Derivations: how an object was made from others. Each is itself an object (kind
 * TMESH_STORE_DERIVATION) holding canonical JSON:
 *   {"format":"tracemesh.derivation/1","inputs":[{"role":R,"sha256":H},...],
 *    "operation":OP,"output":H,"parameters":{...sorted...},"tool_version":"0.1.0"}
 * ------------------------------------------------------------------------------------------- */

/** One input of a derivation. */
typedef struct tmesh_store_input {
    const char *role; /* "image", "labels", "mesh", "base", "file"...: [a-z0-9_-], 1..31 chars */
    const char *hash; /* input object, lowercase hex                                      */
} tmesh_store_input;

/**
 * Record that `output` was made by `operation` from `inputs` with `params_json` (a JSON object;
 * re-encoded with sorted keys, compact, 17 significant digits, integral reals as integers,
 * so its bytes are canonical).
 * @param[out] hash_out the derivation object's hash
 * @return TMESH_OK; TMESH_E_ARG naming `operation` (empty, over 47 chars or outside
 *         [a-z0-9-]), `params_json` (not a JSON object), a role, or a hash that is malformed;
 *         TMESH_E_NOTFOUND naming an input or output the store does not hold; TMESH_E_IO;
 *         TMESH_E_NOMEM
 */
tmesh_status tmesh_store_derive(tmesh_store *store, char hash_out[65], const char *operation,
                                const char *params_json, const tmesh_store_input *inputs,
                                size_t n_inputs, const char *output, tmesh_error *err);

/** A derivation as recorded. */
typedef struct tmesh_store_derivation {
    char hash[65]; /* the derivation object                              */
    char output[65];
    char operation[48];
    char tool_version[32];
    char *params; /* canonical JSON object; owned                       */
    size_t n_inputs;
    struct {
        char role[32];
        char hash[65];
        tmesh_store_kind kind; /* catalog kind of the input                      */
    } * inputs;                /* n_inputs; owned                                    */
} tmesh_store_derivation;

/**
 * Read and check a derivation object.
 * @param[out] out caller owns; free with tmesh_store_derivation_free
 * @return as tmesh_store_get; TMESH_E_DATA when the object is not a derivation record
 */
tmesh_status tmesh_store_derivation_get(tmesh_store_derivation **out, tmesh_store *store,
                                        const char *hash, tmesh_error *err);

/**
 * The (first recorded) derivation whose output is `object`.
 * @param[out] out caller owns; NULL with TMESH_OK when the object is a root (made by nothing)
 * @return as tmesh_store_derivation_get
 */
tmesh_status tmesh_store_derivation_of(tmesh_store_derivation **out, tmesh_store *store,
                                       const char *object, tmesh_error *err);

void tmesh_store_derivation_free(tmesh_store_derivation *d);

/**
 * Read a number from a derivation's canonical parameters (for replaying it).
 * @return TMESH_OK; TMESH_E_DATA naming `key` when it is missing or not a number
 */
tmesh_status tmesh_store_param_number(double *out, const char *params, const char *key,
                                      tmesh_error *err);

/**
 * Read a string from a derivation's canonical parameters (copied, truncated to `cap`).
 * @return TMESH_OK; TMESH_E_DATA naming `key` when it is missing or not a string
 */
tmesh_status tmesh_store_param_string(char *buf, size_t cap, const char *params, const char *key,
                                      tmesh_error *err);

/**
 * Commit the pending catalog rows (objects, derivations, source folders) in one transaction.
 * @return TMESH_OK; TMESH_E_IO with SQLite's reason (full disk: the catalog is unchanged and
 *         the rows stay pending)
 */
tmesh_status tmesh_store_commit(tmesh_store *store, tmesh_error *err);

/* ---------------------------------------------------------------------------------------------
 * Assets, versions, reviews
 * ------------------------------------------------------------------------------------------- */

/** Options of tmesh_store_publish. */
typedef struct tmesh_store_publish_opts {
    const char *derivation; /* derivation of the mesh; NULL: the mesh's recorded one, if any */
    const char *parent;     /* "NAME@VERSION" of the version this one corrects or replaces;
                               NULL: the asset's latest version (none for version 1).
                               Default NULL                                                 */
    int no_parent;          /* non-zero: record no parent. Default 0                        */
    const char *note;       /* free text, at most TMESH_STORE_NOTE_MAX bytes; default NULL  */
} tmesh_store_publish_opts;

#define TMESH_STORE_PUBLISH_OPTS_INIT                                                              \
    {                                                                                              \
        NULL, NULL, 0, NULL                                                                        \
    }

/**
 * Publish `mesh` as the next version of `asset` (created when new), committing every pending
 * row in the same transaction. `mesh` is normally a mesh object; a label volume object makes a
 * label asset (what 'tracemesh segment --name' publishes), which is meshed into mesh assets.
 * Version numbers run 1, 2, 3... without gaps, also when several processes publish at once.
 * @param[out] version_out the new version number
 * @return TMESH_OK; TMESH_E_ARG naming the asset name, the note, or an object that is neither
 *         a mesh nor a label volume; TMESH_E_NOTFOUND naming the mesh, derivation or parent; TMESH_E_IO (catalog
 *         unchanged)
 */
tmesh_status tmesh_store_publish(int *version_out, tmesh_store *store, const char *asset,
                                 const char *mesh, const tmesh_store_publish_opts *opts,
                                 tmesh_error *err);

/** One version of an asset. */
typedef struct tmesh_store_version {
    char asset[TMESH_STORE_NAME_MAX + 1];
    int version;
    char mesh[65];                               /* the mesh (or label volume) object   */
    char derivation[65];                         /* "" when none was recorded          */
    char parent_asset[TMESH_STORE_NAME_MAX + 1]; /* "" when none                    */
    int parent_version;                          /* 0 when none                         */
    char note[TMESH_STORE_NOTE_MAX + 1];
    char created_at[32]; /* ISO 8601 UTC                        */
    char created_by[TMESH_STORE_USER_MAX + 1];
    int review_state; /* 0 unreviewed, 1 approved, -1 rejected (latest
                         review wins)                        */
} tmesh_store_version;

/**
 * Read one version (`version` 0: the latest).
 * @return TMESH_OK; TMESH_E_ARG for a bad name; TMESH_E_NOTFOUND naming "NAME@VERSION"
 */
tmesh_status tmesh_store_version_get(tmesh_store_version *out, tmesh_store *store,
                                     const char *asset, int version, tmesh_error *err);

/**
 * Every version of an asset, oldest first.
 * @param[out] out caller owns; free with free()
 * @return TMESH_OK; TMESH_E_NOTFOUND naming the asset when it has no version
 */
tmesh_status tmesh_store_versions(tmesh_store_version **out, size_t *n_out, tmesh_store *store,
                                  const char *asset, tmesh_error *err);

/**
 * Names of all assets, sorted.
 * @param[out] out caller owns; free with free() (one array of fixed-size names)
 */
tmesh_status tmesh_store_assets(char (**out)[TMESH_STORE_NAME_MAX + 1], size_t *n_out,
                                tmesh_store *store, tmesh_error *err);

/** Verdict of a review. */
typedef enum tmesh_store_verdict {
    TMESH_STORE_APPROVED = 1,
    TMESH_STORE_REJECTED = -1
} tmesh_store_verdict;

/** One review. */
typedef struct tmesh_store_review {
    tmesh_store_verdict verdict;
    char reviewer[TMESH_STORE_USER_MAX + 1];
    char note[TMESH_STORE_NOTE_MAX + 1];
    char created_at[32];
} tmesh_store_review;

/**
 * Add an immutable review to a version.
 * @param reviewer 1..TMESH_STORE_USER_MAX printable characters
 * @return TMESH_OK; TMESH_E_ARG naming `verdict`, `reviewer` or `note`; TMESH_E_NOTFOUND
 *         naming the version; TMESH_E_IO
 */
tmesh_status tmesh_store_review_add(tmesh_store *store, const char *asset, int version,
                                    tmesh_store_verdict verdict, const char *reviewer,
                                    const char *note, tmesh_error *err);

/**
 * Reviews of a version, oldest first.
 * @param[out] out caller owns; free with free(); NULL when there are none
 */
tmesh_status tmesh_store_reviews(tmesh_store_review **out, size_t *n_out, tmesh_store *store,
                                 const char *asset, int version, tmesh_error *err);

/* ---------------------------------------------------------------------------------------------
 * Exports: files written from a version, remembered by their SHA-256
 * ------------------------------------------------------------------------------------------- */

/** An exported file as recorded. */
typedef struct tmesh_store_export {
    char file_sha256[65];
    char asset[TMESH_STORE_NAME_MAX + 1];
    int version;
    char mesh[65];
    char format[16];
} tmesh_store_export;

/**
 * Remember that a file with hash `file_sha256` was exported from asset@version (committed at
 * once).
 * @return TMESH_OK; TMESH_E_NOTFOUND for an unknown version; TMESH_E_IO
 */
tmesh_status tmesh_store_export_add(tmesh_store *store, const tmesh_store_export *rec,
                                    tmesh_error *err);

/**
 * Find the export record of a file hash.
 * @return TMESH_OK; TMESH_E_NOTFOUND when no export has that hash
 */
tmesh_status tmesh_store_export_find(tmesh_store_export *out, tmesh_store *store,
                                     const char *file_sha256, tmesh_error *err);

/* ---------------------------------------------------------------------------------------------
 * Provenance: walking from an object down to the scan files
 * ------------------------------------------------------------------------------------------- */

/** One source file named by a manifest. */
typedef struct tmesh_store_source {
    char *path; /* relative to the scanned folder; owned              */
    char sha256[65];
    char sop_instance_uid[65];
    char sop_class_uid[65]; /* "" when the manifest does not record it */
    uint32_t frame;
} tmesh_store_source;

/**
 * Parse the files of a source manifest object's bytes.
 * @param[out] out caller owns; free with tmesh_store_sources_free
 * @return TMESH_OK; TMESH_E_DATA when the bytes are not a source manifest; TMESH_E_NOMEM
 */
tmesh_status tmesh_store_manifest_sources(tmesh_store_source **out, size_t *n_out,
                                          const uint8_t *json, size_t len, tmesh_error *err);

void tmesh_store_sources_free(tmesh_store_source *s, size_t n);

/** One object met on a walk. */
typedef struct tmesh_store_node {
    char hash[65];
    tmesh_store_kind kind;         /* catalog kind; 0 when the catalog does not know it     */
    size_t depth;                  /* 0 for the start object                                */
    tmesh_status check;            /* TMESH_OK; TMESH_E_VERIFY (content changed or unreadable);
                                      TMESH_E_NOTFOUND (file missing)                       */
    char derivation[65];           /* derivation that made it; "" for a root                */
    tmesh_status derivation_check; /* check of the derivation record, as `check`       */
    char operation[48];            /* its operation; ""                                     */
    char role[32];                 /* role of this object in its consumer's derivation      */
} tmesh_store_node;

/**
 * Walk the provenance graph from `object` down to its roots, depth first, inputs in recorded
 * order, each object once; every object (and derivation record) read is checked against its
 * hash. A damaged object is reported in its node and the walk goes on where it can (through
 * the catalog's copy of the inputs when a derivation record is damaged).
 * @param[out] out caller owns; free with free()
 * @return TMESH_OK (check the nodes); TMESH_E_NOTFOUND when `object` is unknown; TMESH_E_NOMEM
 */
tmesh_status tmesh_store_walk(tmesh_store_node **out, size_t *n_out, tmesh_store *store,
                              const char *object, tmesh_error *err);

/**
 * W3C PROV-JSON document of a version: entities for every object of its provenance (and the
 * exported file when `export_rec` is given), activities for the derivations, the tool as
 * agent, the reviews, and the DICOM files (relative path, SHA-256, SOP Instance UID) of its
 * manifests. Holds no patient identifier and no absolute path.
 * @param export_rec optional
 * @param[out] out caller owns; free with free(); JSON with sorted keys, two-space indent
 * @return TMESH_OK; errors of tmesh_store_version_get and tmesh_store_walk; TMESH_E_NOMEM
 */
tmesh_status tmesh_store_prov_json(char **out, tmesh_store *store, const char *asset, int version,
                                   const tmesh_store_export *export_rec, tmesh_error *err);

/** What a PROV-JSON sidecar (tmesh_store_prov_json with an export) says, read without a store. */
typedef struct tmesh_store_prov_summary {
    char asset[TMESH_STORE_NAME_MAX + 1];
    int version;
    char mesh[65];
    char file_sha256[65]; /* of the exported file                             */
    char format[16];
    size_t n_sources;
    tmesh_store_source *sources; /* DICOM files (first SOP Instance UID each); owned */
} tmesh_store_prov_summary;

/**
 * Read a sidecar written by tmesh_store_prov_json for an export, so a file can be traced to its
 * DICOM files where the store is not at hand.
 * @param[out] out caller owns; free with tmesh_store_prov_summary_free
 * @return TMESH_OK; TMESH_E_DATA when the text is not such a document; TMESH_E_NOMEM
 */
tmesh_status tmesh_store_prov_read(tmesh_store_prov_summary **out, const char *json, size_t len,
                                   tmesh_error *err);

void tmesh_store_prov_summary_free(tmesh_store_prov_summary *p);

/* ---------------------------------------------------------------------------------------------
 * Checking the whole store
 * ------------------------------------------------------------------------------------------- */

/** Called by tmesh_store_fsck for each finding. `severity`: 0 note, 1 problem. */
typedef void (*tmesh_store_fsck_fn)(int severity, const char *msg, void *user);

/** Counts of tmesh_store_fsck. */
typedef struct tmesh_store_fsck_report {
    size_t objects_checked; /* catalog objects read and hashed                  */
    size_t problems;        /* missing, corrupt, dangling or inconsistent       */
    size_t unreferenced;    /* object files the catalog does not list (left by an
                               interrupted write; harmless)                     */
    size_t temp_files;      /* temporary files left by an interrupted write      */
} tmesh_store_fsck_report;

/**
 * Check every catalog object (present, decompresses, has its hash, kind matches), every
 * derivation (record matches its catalog rows, inputs and output exist), every version
 * (mesh and derivation exist, parent exists, numbers without gaps) and every review and export
 * reference; then list object files without a catalog row and stale temporary files.
 * Never repairs anything.
 * @param fn optional; receives one line per finding
 * @return TMESH_OK (see report->problems); TMESH_E_IO when the catalog cannot be read
 */
tmesh_status tmesh_store_fsck(tmesh_store_fsck_report *report, tmesh_store *store,
                              tmesh_store_fsck_fn fn, void *user, tmesh_error *err);

/* =============================================================================================
 * Figures (store_figures.c): rendered figures of assets, versioned like assets.
 *
 * A figure version holds two objects of kind TMESH_STORE_FIGURE: the scene (canonical JSON
 * describing what was rendered: assets at versions with mesh hashes, view, style, size...) and
 * the image (the PNG, SVG or PDF bytes), the derivation "render" that made the image (inputs:
 * the scene, role "scene", and each mesh, role "mesh"), the renderer fingerprint, and the asset
 * versions it shows. Figure names follow the asset name rules; versions run 1, 2, 3... Catalog
 * tables (figures, figure_versions, figure_assets; immutable) are added to a store when its
 * first figure is published, so stores made before figures stay valid.
 * ============================================================================================= */

/** One asset version shown by a figure version. */
typedef struct tmesh_store_figure_asset {
    char asset[TMESH_STORE_NAME_MAX + 1];
    int version;
    char mesh[65];
} tmesh_store_figure_asset;

/** One figure version as recorded. */
typedef struct tmesh_store_figure {
    char name[TMESH_STORE_NAME_MAX + 1];
    int version;
    char scene[65];      /* scene object                                              */
    char image[65];      /* image object (the figure file's bytes)                    */
    char format[8];      /* "png", "svg" or "pdf"                                     */
    char derivation[65]; /* the "render" derivation whose output is `image`            */
    char renderer[512];  /* renderer fingerprint, one line                            */
    char note[TMESH_STORE_NOTE_MAX + 1];
    char created_at[32];
    char created_by[TMESH_STORE_USER_MAX + 1];
    size_t n_assets;
    tmesh_store_figure_asset *assets; /* n_assets, in scene order; owned               */
} tmesh_store_figure;

/** Options of tmesh_store_figure_publish. */
typedef struct tmesh_store_figure_publish_opts {
    int version;      /* > 0: the version number the image was made for (it names itself
                         NAME@VERSION inside); publishing fails when another process took
                         that number meanwhile. 0: the next number. Default 0              */
    const char *note; /* at most TMESH_STORE_NOTE_MAX bytes; default NULL                  */
} tmesh_store_figure_publish_opts;

#define TMESH_STORE_FIGURE_PUBLISH_OPTS_INIT                                                       \
    {                                                                                              \
        0, NULL                                                                                    \
    }

/**
 * Number the next version of figure `name` would get (1 for a new figure).
 * @return TMESH_OK; TMESH_E_ARG for a bad name; TMESH_E_IO
 */
tmesh_status tmesh_store_figure_next(int *out, tmesh_store *store, const char *name,
                                     tmesh_error *err);

/**
 * Publish the next version of figure `name` (created when new), committing every pending row
 * (the scene, image and derivation objects) in the same transaction.
 * @param scene, image  objects of kind TMESH_STORE_FIGURE
 * @param format        "png", "svg" or "pdf"
 * @param derivation    derivation whose output is `image`
 * @param renderer      renderer fingerprint, 1..511 bytes
 * @param assets        the asset versions shown (each must exist with that mesh)
 * @param[out] version_out the new version
 * @return TMESH_OK; TMESH_E_ARG naming the name (also when an asset has that name), the
 *         format, an object of another kind, a derivation of another output, or
 *         opts->version when that number is taken; TMESH_E_NOTFOUND naming an object,
 *         derivation or asset version the store does not hold; TMESH_E_IO (catalog unchanged)
 */
tmesh_status tmesh_store_figure_publish(int *version_out, tmesh_store *store, const char *name,
                                        const char *scene, const char *image, const char *format,
                                        const char *derivation, const char *renderer,
                                        const tmesh_store_figure_asset *assets, size_t n_assets,
                                        const tmesh_store_figure_publish_opts *opts,
                                        tmesh_error *err);

/**
 * Read one figure version (`version` 0: the latest).
 * @param[out] out caller owns; free with tmesh_store_figure_free
 * @return TMESH_OK; TMESH_E_ARG for a bad name; TMESH_E_NOTFOUND naming "NAME@VERSION" (or
 *         the figure) when there is none; TMESH_E_IO; TMESH_E_NOMEM
 */
tmesh_status tmesh_store_figure_get(tmesh_store_figure **out, tmesh_store *store,
                                    const char *name, int version, tmesh_error *err);

/**
 * The figure version whose image has SHA-256 `image` (the oldest when several).
 * @param[out] out caller owns; free with tmesh_store_figure_free
 * @return TMESH_OK; TMESH_E_NOTFOUND when no figure version has that image
 */
tmesh_status tmesh_store_figure_find(tmesh_store_figure **out, tmesh_store *store,
                                     const char *image, tmesh_error *err);

/** Free a figure version. Accepts NULL. */
void tmesh_store_figure_free(tmesh_store_figure *fig);

/**
 * Names of the figures (sorted) whose latest version shows some version of `asset`; every
 * figure when `asset` is NULL.
 * @param[out] out caller owns; free with free(); NULL with *n_out 0 when there are none
 * @return TMESH_OK; TMESH_E_IO; TMESH_E_NOMEM
 */
tmesh_status tmesh_store_figures(char (**out)[TMESH_STORE_NAME_MAX + 1], size_t *n_out,
                                 tmesh_store *store, const char *asset, tmesh_error *err);

#ifdef __cplusplus
}
#endif

#endif /* TRACEMESH_STORE_H */
