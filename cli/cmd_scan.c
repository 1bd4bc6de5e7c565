/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tracemesh scan: the table of series found under a folder, and what was skipped and why.
 * Patient identifiers are printed only with --show-phi.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <string.h>

enum { OPT_JSON = 1, OPT_SHOW_PHI, OPT_ALL, OPT_THREADS_SCAN };

static const cli_opt scan_opts[] = {
    {OPT_JSON, "json", 0, NULL, "print JSON instead of a table"},
    {OPT_ALL, "all-skipped", 0, NULL, "list every skipped file (default: the first 20)"},
    {OPT_SHOW_PHI, "show-phi", 0, NULL, "also print patient name, ID, birth date, accession"},
    {OPT_THREADS_SCAN, "threads", 'j', "N", "worker threads, 0 = one per core (default 0)"},
    {0, NULL, 0, NULL, NULL},
};

const cli_cmd_spec cmd_scan_spec = {
    "scan", "DIR|FILE|DICOMDIR [--json] [--all-skipped] [--show-phi]",
    "List the DICOM series found under a folder, and what was skipped.",
    "Walks DIR recursively (gzip-wrapped files included), follows a DICOMDIR, and groups images\n"
    "by SeriesInstanceUID, split by orientation, size, spacing, echo and stack. The number in\n"
    "the first column is what --series takes in the other commands.",
    scan_opts};

static void print_phi(const tmesh_dicom_index *idx, size_t i, int json)
{
    tmesh_dicom_phi phi;
    tmesh_error err = TMESH_ERROR_INIT;
    if (tmesh_dicom_series_phi(&phi, idx, i, &err) != TMESH_OK) {
        cli_warn("%s", err.msg);
        return;
    }
    if (json) {
        printf(",\"phi\":{\"patient_name\":");
        cli_json_string(stdout, phi.patient_name);
        printf(",\"patient_id\":");
        cli_json_string(stdout, phi.patient_id);
        printf(",\"birth_date\":");
        cli_json_string(stdout, phi.birth_date);
        printf(",\"accession_number\":");
        cli_json_string(stdout, phi.accession_number);
        printf("}");
    } else {
        printf("    patient: name '%s', id '%s', birth date '%s', accession '%s'\n",
               phi.patient_name, phi.patient_id, phi.birth_date, phi.accession_number);
    }
}

int cmd_scan(int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, &cmd_scan_spec, argc, argv);
    int json = 0, phi = 0, all = 0, id;
    unsigned long long threads = 0;
    const char *dir = NULL, *val;
    while ((id = cli_next(&p, &val)) != CLI_END) {
        switch (id) {
        case CLI_HELP: cli_print_help(&cmd_scan_spec, stdout); return CLI_EXIT_OK;
        case CLI_BAD: return CLI_EXIT_USAGE;
        case OPT_JSON: json = 1; break;
        case OPT_SHOW_PHI: phi = 1; break;
        case OPT_ALL: all = 1; break;
        case OPT_THREADS_SCAN:
            if (cli_parse_uint("--threads", val, 1024, &threads) != 0)
                return CLI_EXIT_USAGE;
            break;
        case CLI_POSITIONAL:
            if (dir != NULL)
                return cli_usage_error(&cmd_scan_spec, "unexpected argument '%s'", val);
            dir = val;
            break;
        }
    }
    if (dir == NULL)
        return cli_usage_error(&cmd_scan_spec, "missing DIR");
    tmesh_error err = TMESH_ERROR_INIT;
    tmesh_dicom_scan_opts so = TMESH_DICOM_SCAN_OPTS_INIT;
    so.threads = (unsigned)threads;
    so.progress = cli_progress;
    tmesh_dicom_index *idx = NULL;
    if (tmesh_dicom_scan(&idx, dir, &so, &err) != TMESH_OK)
        return cli_fail(&err);
    cli_progress_done();
    size_t n = tmesh_dicom_index_count(idx), n_skip = tmesh_dicom_index_skipped_count(idx);
    if (json) {
        printf("{\"files_seen\":%zu,\"series\":[", tmesh_dicom_index_files_seen(idx));
        for (size_t i = 0; i < n; i++) {
            const tmesh_dicom_series_info *s = tmesh_dicom_index_series(idx, i);
            printf("%s{\"index\":%zu,\"modality\":", i ? "," : "", i + 1);
            cli_json_string(stdout, s->modality);
            printf(",\"description\":");
            cli_json_string(stdout, s->description);
            printf(",\"series_uid\":");
            cli_json_string(stdout, s->series_uid);
            printf(",\"series_number\":%d,\"stack\":%d", s->series_number, s->stack);
            printf(",\"dim\":[%zu,%zu,%zu],\"spacing\":[%.6f,%.6f,%.6f]", s->dim[0], s->dim[1],
                   s->dim[2], s->spacing[0], s->spacing[1], s->spacing[2]);
            printf(",\"slices\":%zu,\"files\":%zu,\"orientation\":", s->n_slices, s->n_files);
            cli_json_string(stdout, s->orientation);
            printf(",\"transfer_syntax\":");
            cli_json_string(stdout, s->transfer_syntax);
            printf(",\"transfer_syntax_name\":");
            cli_json_string(stdout, s->transfer_syntax_name);
            printf(",\"gantry_tilt_deg\":%.3f,\"warnings\":", s->gantry_tilt_deg);
            cli_json_string(stdout, s->warning_text);
            if (phi)
                print_phi(idx, i, 1);
            printf("}");
        }
        printf("],\"skipped\":[");
        for (size_t i = 0; i < n_skip; i++) {
            tmesh_dicom_skipped k = tmesh_dicom_index_skipped(idx, i);
            printf("%s{\"path\":", i ? "," : "");
            cli_json_string(stdout, k.path);
            printf(",\"reason\":");
            cli_json_string(stdout, k.reason);
            printf("}");
        }
        printf("]}\n");
    } else {
        printf("%-3s %-4s %-24s %-15s %-22s %-9s %-28s %s\n", "#", "mod", "description",
               "dims", "spacing mm", "orient", "transfer syntax", "warnings");
        for (size_t i = 0; i < n; i++) {
            const tmesh_dicom_series_info *s = tmesh_dicom_index_series(idx, i);
            char dims[48], sp[64];
            snprintf(dims, sizeof dims, "%zux%zux%zu", s->dim[0], s->dim[1], s->dim[2]);
            snprintf(sp, sizeof sp, "%.3fx%.3fx%.3f", s->spacing[0], s->spacing[1], s->spacing[2]);
            printf("%-3zu %-4s %-24.24s %-15s %-22s %-9s %-28.28s %s\n", i + 1, s->modality,
                   s->description[0] ? s->description : "-", dims, sp, s->orientation,
                   s->transfer_syntax_name, s->warning_text[0] ? s->warning_text : "-");
            if (phi)
                print_phi(idx, i, 0);
        }
        printf("%zu series in %zu files; %zu skipped\n", n, tmesh_dicom_index_files_seen(idx),
               n_skip);
        size_t shown = all ? n_skip : (n_skip < 20 ? n_skip : 20);
        for (size_t i = 0; i < shown; i++) {
            tmesh_dicom_skipped k = tmesh_dicom_index_skipped(idx, i);
            printf("  skipped %s: %s\n", k.path, k.reason);
        }
        if (shown < n_skip)
            printf("  ... and %zu more (--all-skipped lists them)\n", n_skip - shown);
    }
    tmesh_dicom_index_free(idx);
    return CLI_EXIT_OK;
}
