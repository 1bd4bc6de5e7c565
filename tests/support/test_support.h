/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the unit tests: temporary folders, file writes, error checks. */
#ifndef TMESH_TEST_SUPPORT_H
#define TMESH_TEST_SUPPORT_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tracemesh/core.h"

/** Create a fresh temporary folder; returns a malloc'd path (removed by ts_rmtree). */
char *ts_mkdtemp(void);
/** Remove a folder tree (best effort). */
void ts_rmtree(const char *path);
/** Join a folder and a name into a malloc'd path. */
char *ts_path(const char *dir, const char *name);
/** Write bytes to a file (creating it); fails the test on error. */
void ts_write_file(const char *path, const void *data, size_t len);
/** Path of a file in the source tree (malloc'd). */
char *ts_source_path(const char *rel);
/** 1 when the path exists. */
int ts_exists(const char *path);

/** Assert that `err` holds `code` and that its message contains `needle`. */
#define ts_assert_error(err, expected_code, needle)                                             \
    do {                                                                                        \
        assert_int_equal((err).code, (expected_code));                                          \
        if (strstr((err).msg, (needle)) == NULL)                                                \
            fail_msg("error message '%s' does not contain '%s'", (err).msg, (needle));          \
    } while (0)

#endif
