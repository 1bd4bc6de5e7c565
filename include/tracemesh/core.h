/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * core: the types every tracemesh module shares (errors, log, volumes, meshes) and the common
 * helpers (SHA-256, atomic files, deterministic parallel loops, NIfTI volume files). Every other
 * module depends on core and on nothing beside it, so the pipeline stays one-way.
 */
#ifndef TRACEMESH_CORE_H
#define TRACEMESH_CORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Version of the library and CLI, "MAJOR.MINOR.PATCH". Recorded in every derivation. */
#define TMESH_VERSION_STRING "0.1.0"

/* ---------------------------------------------------------------------------------------------
 * Errors
 * ------------------------------------------------------------------------------------------- */

/** Status of every fallible call: 0 is success, negative is failure. */
typedef enum tmesh_status {
    TMESH_OK = 0,
    TMESH_E_ARG = -1,      /* invalid parameter or option value            */
    TMESH_E_IO = -2,       /* cannot open, read or write a file            */
    TMESH_E_DATA = -3,     /* corrupt, unsupported or inconsistent input   */
    TMESH_E_NOMEM = -4,    /* out of memory, or over a configured cap      */
    TMESH_E_NOTFOUND = -5, /* asset, version, series or file does not exist */
    TMESH_E_VERIFY = -6,   /* hash or provenance mismatch                  */
    TMESH_E_INTERNAL = -99 /* bug or unexpected library failure            */
} tmesh_status;

/** Caller-owned error record. Reporting never allocates. */
typedef struct tmesh_error {
    tmesh_status code; /* TMESH_OK while no failure was recorded */
    char msg[512];     /* one line naming the file or parameter  */
} tmesh_error;

/** Static initialiser for a cleared error. */
#define TMESH_ERROR_INIT {TMESH_OK, {0}}

/**
 * Record a failure. The first failure wins: once `err->code` is set, later calls change nothing.
 * @param err  may be NULL (the failure is then only returned)
 * @param code a negative status
 * @return `code`, so that `return tmesh_error_set(err, ...)` reads naturally
 */
tmesh_status tmesh_error_set(tmesh_error *err, tmesh_status code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/**
 * Prepend context ("loading series 3: ") to a recorded message; does nothing when no failure is
 * recorded. The message is truncated at the end, never at the start, when it would not fit.
 */
void tmesh_error_context(tmesh_error *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/** Forget a recorded failure (after it was handled). Accepts NULL. */
void tmesh_error_clear(tmesh_error *err);

/** Short constant name of a status ("TMESH_E_IO"). Never NULL. */
const char *tmesh_status_name(tmesh_status code);

/**
 * Precondition that only tracemesh's own code can break (a NULL where none is allowed, a zero
 * dimension): report the expression and location on stderr and abort. Anything that can come
 * from a file or a user gets a status code instead.
 */
#define TMESH_ASSERT(cond)                                                                     \
    ((cond) ? (void)0 : tmesh_assert_fail(#cond, __FILE__, __LINE__))

/** Called by TMESH_ASSERT on failure; does not return. */
void tmesh_assert_fail(const char *expr, const char *file, int line);

/* ---------------------------------------------------------------------------------------------
 * Log: warnings and notes. The library never prints; the CLI installs a handler once.
 * ------------------------------------------------------------------------------------------- */

typedef enum tmesh_log_level {
    TMESH_LOG_DEBUG = 0,
    TMESH_LOG_NOTE = 1,
    TMESH_LOG_WARN = 2
} tmesh_log_level;

typedef void (*tmesh_log_fn)(tmesh_log_level level, const char *msg, void *user);

/**
 * Install the process-wide log handler (NULL restores the default, which drops everything).
 * Not thread-safe: call it once, before any other tracemesh call runs on another thread.
 * The handler itself may be called from any thread and must be reentrant.
 */
void tmesh_log_set_handler(tmesh_log_fn fn, void *user);

/** Send one message (no trailing newline) to the installed handler. */
void tmesh_log(tmesh_log_level level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/**
 * Progress callback of long operations: `fraction` runs from 0 to 1 for `stage`. Called from the
 * calling thread only, in increasing order of `fraction`.
 */
typedef void (*tmesh_progress_fn)(const char *stage, double fraction, void *user);

/* ---------------------------------------------------------------------------------------------
 * Volumes
 * ------------------------------------------------------------------------------------------- */

typedef enum tmesh_voxel_type {
    TMESH_VOXEL_U8 = 1,  /* labels                      */
    TMESH_VOXEL_I16 = 2, /* CT HU and most scanner data */
    TMESH_VOXEL_U16 = 3, /* labels, unsigned data       */
    TMESH_VOXEL_F32 = 4  /* non-integer physical values */
} tmesh_voxel_type;

/**
 * A sampled volume. Plain struct: kernels and tests use the fields directly.
 * Sample (i, j, k) is at data[i + dim[0] * (j + dim[1] * k)].
 * Values are in physical units (CT: HU, rescale already applied). The matrix maps the index
 * (i, j, k, 1) to patient LPS millimetres; its determinant may be negative (recorded, never
 * "fixed"), and its third column may be sheared (gantry tilt kept as acquired).
 */
typedef struct tmesh_volume {
    size_t dim[3];             /* samples along i, j, k; i varies fastest */
    tmesh_voxel_type type;     /* sample type                             */
    double ijk_to_lps[4][4];   /* voxel index -> patient LPS, millimetres */
    void *data;                /* dim[0]*dim[1]*dim[2] samples; owned     */
} tmesh_volume;

/**
 * Allocate a zero-filled volume with an identity matrix.
 * @param[out] out caller owns; free with tmesh_volume_free
 * @param dim      samples along i, j, k; each at least 1
 * @return TMESH_OK; TMESH_E_ARG for a zero dimension or an unknown type; TMESH_E_NOMEM when the
 *         size overflows or allocation fails
 */
tmesh_status tmesh_volume_new(tmesh_volume **out, const size_t dim[3], tmesh_voxel_type type,
                              tmesh_error *err);

/** Free a volume and its samples. Accepts NULL. */
void tmesh_volume_free(tmesh_volume *vol);

/** Bytes per sample of a type (0 for an unknown type). */
size_t tmesh_voxel_size(tmesh_voxel_type type);

/** Short name of a type ("i16"). */
const char *tmesh_voxel_type_name(tmesh_voxel_type type);

/** Number of samples, dim[0]*dim[1]*dim[2]. */
size_t tmesh_volume_count(const tmesh_volume *vol);

/** Sample (i, j, k) as a double; indices must be inside the volume. */
double tmesh_volume_get(const tmesh_volume *vol, size_t i, size_t j, size_t k);

/** Length of each matrix column in mm: the sample spacing along i, j and k. */
void tmesh_volume_spacing(const tmesh_volume *vol, double spacing_out[3]);

/** Map a continuous index (i, j, k) to patient LPS mm. */
void tmesh_volume_index_to_lps(const tmesh_volume *vol, const double ijk[3], double lps_out[3]);

/**
 * Map patient LPS mm to a continuous index.
 * @return TMESH_OK; TMESH_E_DATA when the matrix is singular
 */
tmesh_status tmesh_volume_lps_to_index(const tmesh_volume *vol, const double lps[3],
                                       double ijk_out[3], tmesh_error *err);

/** Minimum and maximum sample value (NaN is ignored for F32). */
void tmesh_volume_range(const tmesh_volume *vol, double *min_out, double *max_out);

/**
 * Write a volume as NIfTI-1 (`.nii` or `.nii.gz`, chosen by the name). The LPS matrix is converted
 * to the RAS frame NIfTI requires; sform is always written (code 1, scanner), qform too when the
 * matrix has orthogonal columns (a sheared, tilted matrix has no qform).
 * @return TMESH_OK; TMESH_E_ARG for another extension; TMESH_E_IO naming the path
 */
tmesh_status tmesh_volume_write_nifti(const tmesh_volume *vol, const char *path, tmesh_error *err);

/**
 * Read a NIfTI-1 volume. Uses the sform when its code is set, else the qform, else the pixdim
 * scaling; scl_slope/scl_inter are applied (the result is F32 when they change the values).
 * @param[out] out caller owns
 * @return TMESH_OK; TMESH_E_IO naming the path; TMESH_E_DATA for an unsupported datatype or a
 *         volume with more than three dimensions
 */
tmesh_status tmesh_volume_read_nifti(tmesh_volume **out, const char *path, tmesh_error *err);

/* ---------------------------------------------------------------------------------------------
 * Meshes
 * ------------------------------------------------------------------------------------------- */

/** An indexed triangle mesh in patient LPS millimetres. Plain struct. */
typedef struct tmesh_mesh {
    size_t n_vertices, n_triangles;
    float *xyz;        /* 3*n_vertices, patient LPS mm; owned                    */
    float *normals;    /* 3*n_vertices or NULL; owned                            */
    uint16_t *labels;  /* n_vertices or NULL: label each vertex came from; owned */
    uint32_t *tri;     /* 3*n_triangles, counter-clockwise seen from outside     */
} tmesh_mesh;

/** Flags of tmesh_mesh_new. */
#define TMESH_MESH_NORMALS 1u
#define TMESH_MESH_LABELS 2u

/**
 * Allocate a mesh with room for the given counts (contents uninitialised).
 * @param[out] out caller owns; free with tmesh_mesh_free
 * @param flags    TMESH_MESH_NORMALS and/or TMESH_MESH_LABELS to allocate those arrays
 * @return TMESH_OK; TMESH_E_NOMEM
 */
tmesh_status tmesh_mesh_new(tmesh_mesh **out, size_t n_vertices, size_t n_triangles,
                            unsigned flags, tmesh_error *err);

/** Free a mesh and its arrays. Accepts NULL. */
void tmesh_mesh_free(tmesh_mesh *mesh);

/* ---------------------------------------------------------------------------------------------
 * SHA-256
 * ------------------------------------------------------------------------------------------- */

typedef struct tmesh_sha256 tmesh_sha256;

/** Start an incremental hash. @param[out] out caller owns; free with tmesh_sha256_free */
tmesh_status tmesh_sha256_new(tmesh_sha256 **out, tmesh_error *err);
void tmesh_sha256_update(tmesh_sha256 *h, const void *data, size_t len);
/** Finish: writes 32 bytes. The context may be reused after tmesh_sha256_reset. */
void tmesh_sha256_final(tmesh_sha256 *h, uint8_t digest_out[32]);
void tmesh_sha256_reset(tmesh_sha256 *h);
void tmesh_sha256_free(tmesh_sha256 *h);

/** Hash a buffer in one call. */
void tmesh_sha256_buf(const void *data, size_t len, uint8_t digest_out[32]);

/** Lowercase hex of a digest: writes 64 characters and a NUL. */
void tmesh_sha256_hex(const uint8_t digest[32], char hex_out[65]);

/* ---------------------------------------------------------------------------------------------
 * Files
 * ------------------------------------------------------------------------------------------- */

/**
 * Read a whole file.
 * @param[out] data_out caller owns; free with free(). One NUL byte follows the data.
 * @return TMESH_OK; TMESH_E_IO naming the path; TMESH_E_NOMEM
 */
tmesh_status tmesh_fs_read_all(const char *path, uint8_t **data_out, size_t *len_out,
                               tmesh_error *err);

/**
 * Write a file atomically: a temporary file in the same folder, fsync, rename, folder fsync.
 * On failure the temporary file is removed and any earlier file at `path` is untouched.
 * @return TMESH_OK; TMESH_E_IO naming the path and the system's reason
 */
tmesh_status tmesh_fs_write_atomic(const char *path, const void *data, size_t len,
                                   tmesh_error *err);

/**
 * Write the concatenation of `n` parts atomically, as tmesh_fs_write_atomic does; with `gzip`
 * set the file is one gzip member with a fixed header (no time stamp, no name), so equal parts
 * give equal bytes.
 * @return TMESH_OK; TMESH_E_IO naming the path and the system's reason
 */
tmesh_status tmesh_fs_write_atomic_parts(const char *path, size_t n, const void *const *parts,
                                         const size_t *lens, int gzip, tmesh_error *err);

/**
 * Decompress a gzip stream held in memory.
 * @param name used in error messages
 * @param max_len refuse output larger than this many bytes (0: no limit)
 * @param[out] out_data caller owns; free with free()
 * @return TMESH_OK; TMESH_E_DATA for a corrupt or truncated stream (naming `name`); TMESH_E_NOMEM
 */
tmesh_status tmesh_gunzip(uint8_t **out_data, size_t *out_len, const uint8_t *gz, size_t gz_len,
                          size_t max_len, const char *name, tmesh_error *err);

/* ---------------------------------------------------------------------------------------------
 * Sorting
 * ------------------------------------------------------------------------------------------- */

/**
 * Stable merge sort of `n` items of `size` bytes; `cmp` gets `ctx`. Reentrant (unlike qsort
 * with a static context) and stable, so equal keys keep their input order.
 * @return TMESH_OK; TMESH_E_NOMEM for the n-item scratch buffer
 */
tmesh_status tmesh_sort(void *base, size_t n, size_t size,
                        int (*cmp)(const void *a, const void *b, void *ctx), void *ctx,
                        tmesh_error *err);

/* ---------------------------------------------------------------------------------------------
 * Deterministic parallel loops
 * ------------------------------------------------------------------------------------------- */

/** Number of online processors (at least 1). */
unsigned tmesh_cpu_count(void);

/** Resolve a requested thread count: 0 means one per core. */
unsigned tmesh_threads_resolve(unsigned requested);

/**
 * Body of a parallel loop: process chunk `index` (0 <= index < n). It must write only what
 * belongs to that chunk. Return a status and fill `err` on failure.
 */
typedef tmesh_status (*tmesh_chunk_fn)(size_t index, void *user, tmesh_error *err);

/**
 * Run `fn` for every chunk 0..n-1 on up to `threads` threads (0: one per core). Chunks are
 * handed out in increasing order. When chunks fail, the failure of the lowest-numbered failing
 * chunk is reported, so the error is the same at any thread count; chunks not yet started are
 * skipped once a failure is seen.
 * @param progress optional; called on the calling thread with the fraction of chunks done
 * @return TMESH_OK or the reported chunk's status; TMESH_E_INTERNAL if threads cannot start
 */
tmesh_status tmesh_parallel_for(size_t n, unsigned threads, tmesh_chunk_fn fn, void *user,
                                tmesh_progress_fn progress, const char *stage,
                                void *progress_user, tmesh_error *err);

#ifdef __cplusplus
}
#endif

#endif /* TRACEMESH_CORE_H */
