/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CLI helpers of the store commands: finding the store (--store, TRACEMESH_STORE, or the
 * nearest .tracemesh/ above the current folder), running the build pipeline while storing every
 * intermediate object with its derivation, replaying one derivation, and re-hashing the DICOM
 * files a source manifest names.
 */
#ifndef TMESH_CLI_STORE_H
#define TMESH_CLI_STORE_H

#include "cli.h"
#include "cli_build.h"
#include "tracemesh/mesh.h"
#include "tracemesh/store.h"

enum { CLI_OPT_STORE = 300, CLI_OPT_NAME, CLI_OPT_NOTE };

#define CLI_STORE_OPT                                                                              \
    {                                                                                              \
        CLI_OPT_STORE, "store", 0, "DIR",                                                          \
            "store (default: $TRACEMESH_STORE, else .tracemesh/ here or above)"                    \
    }

/* Table rows of the commands that can publish what they make (build, segment, mesh): --name,
 * --note and --store. `WHAT` completes "store every step and publish ...". */
#define CLI_PUBLISH_OPTS(WHAT)                                                                     \
    {CLI_OPT_NAME, "name", 'n', "ASSET", "store every step and publish " WHAT},                    \
        {CLI_OPT_NOTE, "note", 0, "TEXT", "with --name: why this version exists"}, CLI_STORE_OPT

/** What CLI_PUBLISH_OPTS collected. */
typedef struct cli_publish_args {
    const char *name;  /* NULL: nothing is stored */
    const char *store; /* --store, or NULL        */
    tmesh_store_publish_opts po;
} cli_publish_args;

#define CLI_PUBLISH_ARGS_INIT                                                                      \
    {                                                                                              \
        NULL, NULL, TMESH_STORE_PUBLISH_OPTS_INIT                                                  \
    }

/** Take option `id` if it is one of CLI_PUBLISH_OPTS. @return 1 taken, 0 not one of them */
int cli_publish_opt(cli_publish_args *a, int id, const char *val);

/**
 * --note (and --store, unless `store_alone_ok`: the command reads the store also without
 * --name) need --name, which must be a valid asset name. @return exit code (errors printed)
 */
int cli_publish_check(const cli_cmd_spec *spec, const cli_publish_args *a, int store_alone_ok);

/**
 * Find and open the store; prints the error. Also makes writes past a file-size limit fail
 * with EFBIG instead of killing the process (SIGXFSZ ignored), so a full disk is an error.
 * @return exit code; on success *out is set (close with tmesh_store_close)
 */
int cli_store_open(const char *store_opt, tmesh_store **out);

/** 1 when a store would be found (nothing printed). */
int cli_store_exists(const char *store_opt);

/**
 * Load a series and store its source manifest (with the folder it came from) and volume, with
 * the dicom-load derivation between them (rows pending until publish or commit).
 * @param[out] vol_out the volume (caller owns)
 * @return exit code (errors printed)
 */
int cli_store_load(tmesh_store *s, const char *dir, const cli_dicom_args *da,
                   tmesh_volume **vol_out, char h_vol[65]);

/**
 * Store a label volume made by a segmentation recipe (its canonical record) from the volume
 * `h_vol`, with the "segment" derivation that replays it.
 */
tmesh_status cli_store_put_segment(tmesh_store *s, const tmesh_volume *labels, const char *h_vol,
                                   const char *record, char h_lab[65], tmesh_error *err);

/**
 * Record `path`, just written from version `v`, as an export of it (so that 'tracemesh trace'
 * finds the file by its SHA-256). @return TMESH_OK or the error
 */
tmesh_status cli_store_record_file(tmesh_store *s, const tmesh_store_version *v, const char *path,
                                   tmesh_error *err);

/**
 * 'tracemesh mesh --name': store `m`, made by `op` with `params` from the label volume
 * `h_lab`, post-process it as `mp` asks (each step stored), publish the result as the next
 * version of `name` and print "NAME@VERSION MESH_SHA256". `m` is post-processed in place.
 * @return exit code (errors printed)
 */
int cli_store_publish_mesh(tmesh_store *s, const char *name, const tmesh_store_publish_opts *po,
                           tmesh_mesh *m, const char *op, const char *params, const char *h_lab,
                           const cli_mesh_post *mp, unsigned threads, int *version_out);

/**
 * Load a series and run the build pipeline. With a store (`s` not NULL) the manifest, volume,
 * labels and each mesh are stored with their derivations (rows stay pending until publish or
 * commit); without one ('tracemesh build' without --name) nothing is stored.
 * @param[out] mesh_hash final mesh object (unchanged without a store; may be NULL then)
 * @param[out] mesh_out  optional: the final mesh (caller owns)
 * @return exit code (errors printed)
 */
int cli_store_build(tmesh_store *s, const char *dir, const cli_dicom_args *da,
                    const cli_build_params *bp, char mesh_hash[65], tmesh_mesh **mesh_out);

/** Outcome of replaying one derivation. */
typedef enum cli_replay_result {
    CLI_REPLAY_SAME = 0,    /* byte-identical                                  */
    CLI_REPLAY_DIFFERS = 1, /* replay gave other bytes (see `why`)             */
    CLI_REPLAY_HUMAN = 2,   /* a human step: its imported file re-read the same */
    CLI_REPLAY_UNKNOWN = 3, /* no replay for this operation                    */
    CLI_REPLAY_ERROR = 4    /* replay failed (see `why`)                       */
} cli_replay_result;

/**
 * Replay derivation `d` from its stored inputs (dicom-load from the DICOM folder `source_dir`,
 * or the folder recorded for its manifest when NULL) and compare with its recorded output.
 * @param why  one line explaining a difference or failure
 */
cli_replay_result cli_store_replay(tmesh_store *s, const tmesh_store_derivation *d,
                                   const char *source_dir, char *why, size_t cap);

/** State of one source file. */
typedef enum cli_source_state {
    CLI_SOURCE_OK = 0,
    CLI_SOURCE_MODIFIED = 1,
    CLI_SOURCE_MISSING = 2,
    CLI_SOURCE_UNCHECKED = 3 /* folder unknown or unreachable */
} cli_source_state;

/** Name of a state ("ok", "MODIFIED", "MISSING", "not checked"). */
const char *cli_source_state_name(cli_source_state st);

/**
 * Check one source file under `dir` (NULL: unchecked) against its recorded SHA-256.
 */
cli_source_state cli_store_check_source(const char *dir, const tmesh_store_source *src);

/** 1 when `dir` names a folder that can be read. */
int cli_store_dir_usable(const char *dir);

/** SHA-256 of a file's bytes. @return TMESH_OK or the read error (err filled) */
tmesh_status cli_store_hash_file(const char *path, char hex_out[65], tmesh_error *err);

/**
 * 'tracemesh build --name NAME': cli_store_publish_build, then check and write the mesh to
 * `out` (recorded as an export of the new version) and print the same summary line as a
 * plain build.
 * @return exit code (errors printed)
 */
int cli_store_build_named(const char *name, const char *store_opt,
                          const tmesh_store_publish_opts *po, const char *dir,
                          const cli_dicom_args *da, const cli_build_params *bp, const char *out,
                          const tmesh_mesh_write_opts *wo);

/* ---- exported files and targets (trace, verify) ---- */

/** Provenance tag written into exported files ("asset=NAME@V mesh=HASH"), parsed back here.
 *  @return 1 when `data` (first 4096 bytes) holds a tag; `mesh_prefix` may be truncated */
int cli_store_parse_tag(const uint8_t *data, size_t len, char name[TMESH_STORE_NAME_MAX + 1],
                        int *version, char mesh_prefix[65]);

/** What a TARGET argument (an exported file or NAME[@V]) resolved to. */
typedef struct cli_target {
    int is_file;
    char file_sha256[65];
    int file_state;        /* 0 matches a recorded export; 1 modified (its tag names a
                              version but no export has its hash)                      */
    tmesh_store_export ex; /* when file_state is 0                                     */
    tmesh_store_version v;
} cli_target;

/** Resolve TARGET; prints errors. @return exit code */
int cli_store_target(tmesh_store *s, const char *target, cli_target *out);

/**
 * Open the store, run cli_store_build and publish the result as the next version of `name`
 * (all rows in one transaction), printing "NAME@VERSION MESH_SHA256" on stdout. Used by
 * 'tracemesh publish --dicom' and 'tracemesh build --name'.
 * @param po        optional publish options (parent, note)
 * @param mesh_out  optional: the final mesh (caller owns)
 * @param version_out optional: the published version number
 * @return exit code (errors printed)
 */
int cli_store_publish_build(const char *name, const char *store_opt,
                            const tmesh_store_publish_opts *po, const char *dir,
                            const cli_dicom_args *da, const cli_build_params *bp,
                            tmesh_mesh **mesh_out, int *version_out);

#endif
