/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared pieces of the tracemesh command: the subcommand signature, the option tables from which
 * parsing, usage and --help are all generated, the message functions and the exit-code table.
 */
#ifndef TMESH_CLI_H
#define TMESH_CLI_H

#include "tracemesh/tracemesh.h"

#include <stdio.h>

/* Exit codes (README "Exit codes", `tracemesh help exit-codes`). */
enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_FAIL = 1,   /* failure: I/O, memory, internal                  */
    CLI_EXIT_USAGE = 2,  /* usage or bad parameter                          */
    CLI_EXIT_DATA = 3,   /* bad input data                                  */
    CLI_EXIT_VERIFY = 4  /* verification failed                             */
};

/** Exit code of a library status. */
int cli_exit_code(tmesh_status st);

/* ---- messages: stderr, "tracemesh: <cmd>: <msg>", no embedded newlines ---- */
void cli_set_quiet(int quiet);
void cli_set_command(const char *name);
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** Print err's message and return its exit code. */
int cli_fail(const tmesh_error *err);
/** Log handler for the library: warnings and notes through cli_warn/cli_note. */
void cli_log_handler(tmesh_log_level level, const char *msg, void *user);
/** Progress bar on stderr when stderr is a terminal (and not --quiet). */
void cli_progress(const char *stage, double fraction, void *user);
void cli_progress_done(void);

/* ---- options ---- */
typedef struct cli_opt {
    int id;                 /* returned by cli_next; 0 ends the table          */
    const char *name;       /* long name without "--"                          */
    char short_name;        /* 0 for none                                      */
    const char *value_name; /* NULL for a flag; e.g. "N", "FILE"               */
    const char *help;       /* one line                                        */
} cli_opt;

typedef struct cli_cmd_spec {
    const char *name;       /* "scan"                                          */
    const char *synopsis;   /* "DIR [--json]"                                  */
    const char *summary;    /* one line                                        */
    const char *details;    /* optional paragraph(s) printed by --help          */
    const cli_opt *opts;    /* table ending with id 0                          */
} cli_cmd_spec;

typedef struct cli_parser {
    const cli_cmd_spec *spec;
    int argc;
    char **argv;
    int i;                  /* next argument                                   */
    int only_positional;    /* after "--"                                      */
} cli_parser;

#define CLI_END 0
#define CLI_POSITIONAL (-1)
#define CLI_HELP (-2)
#define CLI_BAD (-3)        /* an error was already printed                    */

void cli_parser_init(cli_parser *p, const cli_cmd_spec *spec, int argc, char **argv);
/** Next option id, CLI_POSITIONAL (value in *val), CLI_HELP, CLI_BAD or CLI_END. */
int cli_next(cli_parser *p, const char **val);
void cli_print_help(const cli_cmd_spec *spec, FILE *out);
/** 1 when `s` is longer than `suffix` and ends with it (".nii.gz" tests). */
int cli_ends_with(const char *s, const char *suffix);

/** Usage error: prints the message and a hint, returns CLI_EXIT_USAGE. */
int cli_usage_error(const cli_cmd_spec *spec, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- value parsing: print a message naming the option on failure and return -1 ---- */
int cli_parse_uint(const char *opt, const char *s, unsigned long long max, unsigned long long *out);
int cli_parse_double(const char *opt, const char *s, double *out);

/* ---- output helpers ---- */
/** Print a JSON string literal (quotes and escapes) to `out`. */
void cli_json_string(FILE *out, const char *s);

/* ---- subcommands ---- */
typedef struct cli_command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const cli_cmd_spec *spec;
} cli_command;

extern const cli_command cli_commands[];
extern const size_t cli_n_commands;

/* ---- loading a DICOM series, shared by every command that reads scans (cli_dicom.c) ---- */
enum {
    CLI_OPT_SERIES = 100,
    CLI_OPT_RESAMPLE,
    CLI_OPT_RESAMPLE_MM,
    CLI_OPT_TILT,
    CLI_OPT_ASSUME_AXIAL,
    CLI_OPT_MAX_MEMORY,
    CLI_OPT_THREADS
};
/* Table rows for the options above; put CLI_DICOM_OPTS inside a command's cli_opt table. */
#define CLI_DICOM_OPTS                                                                         \
    {CLI_OPT_SERIES, "series", 's', "N", "series number from 'tracemesh scan' (default 1)"},    \
    {CLI_OPT_RESAMPLE, "resample", 0, NULL,                                                    \
     "resample missing slices or uneven slice gaps to a uniform grid"},                        \
    {CLI_OPT_RESAMPLE_MM, "resample-mm", 0, "MM", "slice spacing when resampling (default: median gap)"}, \
    {CLI_OPT_TILT, "tilt", 0, "keep|resample",                                                 \
     "gantry tilt: keep the sheared matrix (default) or resample"},                            \
    {CLI_OPT_ASSUME_AXIAL, "assume-axial", 0, NULL,                                            \
     "load images without orientation as axial slices in file order"},                         \
    {CLI_OPT_MAX_MEMORY, "max-memory", 0, "GIB",                                               \
     "refuse volumes larger than this; a streaming build holds none (default 8)"},             \
    {CLI_OPT_THREADS, "threads", 'j', "N", "worker threads, 0 = one per core (default 0)"}

typedef struct cli_dicom_args {
    unsigned long long series;      /* 1-based */
    tmesh_dicom_load_opts load;
} cli_dicom_args;

void cli_dicom_args_init(cli_dicom_args *a);
/** Handle one of the CLI_OPT_* ids above: 1 handled, 0 not ours, -1 bad value (printed). */
int cli_dicom_opt(cli_dicom_args *a, int id, const char *val);
/**
 * Scan `dir`, print skipped-file warnings, load the chosen series.
 * @return exit code; on success *vol_out (and *manifest_out when non-NULL) are set.
 */
int cli_dicom_load(const char *dir, const cli_dicom_args *a, tmesh_dicom_index **idx_out,
                   tmesh_volume **vol_out, tmesh_dicom_manifest **manifest_out);

#endif
