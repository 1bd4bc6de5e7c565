/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DICOM loading options every scan-reading command shares (--series, --resample, --tilt,
 * --assume-axial, --max-memory, --threads) and the scan-then-load sequence with its messages.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <string.h>

void cli_dicom_args_init(cli_dicom_args *a)
{
    tmesh_dicom_load_opts d = TMESH_DICOM_LOAD_OPTS_INIT;
    a->series = 1;
    a->load = d;
    a->load.progress = cli_progress;
}

int cli_dicom_opt(cli_dicom_args *a, int id, const char *val)
{
    unsigned long long u;
    double d;
    switch (id) {
    case CLI_OPT_SERIES:
        if (cli_parse_uint("--series", val, 1000000, &u) != 0)
            return -1;
        if (u == 0) {
            cli_error("invalid value '0' for --series: series are numbered from 1");
            return -1;
        }
        a->series = u;
        return 1;
    case CLI_OPT_RESAMPLE:
        a->load.resample = 1;
        return 1;
    case CLI_OPT_RESAMPLE_MM:
        if (cli_parse_double("--resample-mm", val, &d) != 0)
            return -1;
        if (!(d > 0.01 && d <= 100.0)) {
            cli_error("invalid value '%s' for --resample-mm: expected 0.01 to 100 mm", val);
            return -1;
        }
        a->load.resample = 1;
        a->load.resample_mm = d;
        return 1;
    case CLI_OPT_TILT:
        if (strcmp(val, "keep") == 0)
            a->load.tilt = TMESH_DICOM_TILT_KEEP;
        else if (strcmp(val, "resample") == 0)
            a->load.tilt = TMESH_DICOM_TILT_RESAMPLE;
        else {
            cli_error("invalid value '%s' for --tilt: expected keep or resample", val);
            return -1;
        }
        return 1;
    case CLI_OPT_ASSUME_AXIAL:
        a->load.assume = TMESH_DICOM_ASSUME_AXIAL;
        return 1;
    case CLI_OPT_MAX_MEMORY:
        if (cli_parse_double("--max-memory", val, &d) != 0)
            return -1;
        if (!(d > 0 && d <= 1 << 20)) {
            cli_error("invalid value '%s' for --max-memory: expected a size in GiB above 0", val);
            return -1;
        }
        a->load.max_bytes = (uint64_t)(d * 1073741824.0);
        if (a->load.max_bytes < 1)
            a->load.max_bytes = 1;
        return 1;
    case CLI_OPT_THREADS:
        if (cli_parse_uint("--threads", val, 1024, &u) != 0)
            return -1;
        a->load.threads = (unsigned)u;
        return 1;
    }
    return 0;
}

int cli_dicom_load(const char *dir, const cli_dicom_args *a, tmesh_dicom_index **idx_out,
                   tmesh_volume **vol_out, tmesh_dicom_manifest **manifest_out)
{
    tmesh_error err = TMESH_ERROR_INIT;
    tmesh_dicom_scan_opts so = TMESH_DICOM_SCAN_OPTS_INIT;
    so.threads = a->load.threads;
    so.progress = cli_progress;
    tmesh_dicom_index *idx = NULL;
    *idx_out = NULL;
    if (tmesh_dicom_scan(&idx, dir, &so, &err) != TMESH_OK)
        return cli_fail(&err);
    size_t n = tmesh_dicom_index_count(idx);
    size_t n_skip = tmesh_dicom_index_skipped_count(idx);
    for (size_t i = 0; i < n_skip; i++) {
        tmesh_dicom_skipped s = tmesh_dicom_index_skipped(idx, i);
        /* Non-image objects are routine; corrupt or unreadable files are worth a warning. */
        if (strncmp(s.reason, "corrupt", 7) == 0 || strncmp(s.reason, "cannot", 6) == 0 ||
            strstr(s.reason, "missing") != NULL || strstr(s.reason, "gzip") != NULL)
            cli_warn("%s: %s", s.path, s.reason);
    }
    if (n == 0) {
        tmesh_dicom_skipped s = n_skip ? tmesh_dicom_index_skipped(idx, 0)
                                       : (tmesh_dicom_skipped){NULL, NULL};
        if (n_skip)
            cli_error("%s: no DICOM image series found (%zu file(s) skipped; first: %s: %s)", dir,
                      n_skip, s.path, s.reason);
        else
            cli_error("%s: no DICOM image series found (the folder holds no files)", dir);
        tmesh_dicom_index_free(idx);
        return CLI_EXIT_DATA;
    }
    if (a->series > n) {
        cli_error("invalid value '%llu' for --series: %s holds %zu series (see 'tracemesh scan')",
                  a->series, dir, n);
        tmesh_dicom_index_free(idx);
        return CLI_EXIT_USAGE;
    }
    if (vol_out != NULL && tmesh_dicom_load(vol_out, manifest_out, idx, (size_t)(a->series - 1),
                                            &a->load, &err) != TMESH_OK) {
        tmesh_dicom_index_free(idx);
        return cli_fail(&err);
    }
    cli_progress_done();
    *idx_out = idx;
    return CLI_EXIT_OK;
}
