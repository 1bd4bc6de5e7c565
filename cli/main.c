/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Entry point of the tracemesh command: global options, the subcommand table, and the single
 * exit path that shuts the bridges down. Each subcommand lives in its own cmd_<name>.c.
 */
#define _DEFAULT_SOURCE /* madvise */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#include <stdint.h>
#include <sys/mman.h>
#endif

int cmd_scan(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_volume(int argc, char **argv);
extern const cli_cmd_spec cmd_scan_spec, cmd_info_spec, cmd_volume_spec;
int cmd_mesh(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_build(int argc, char **argv);
extern const cli_cmd_spec cmd_mesh_spec, cmd_check_spec, cmd_build_spec;
int cmd_segment(int argc, char **argv);
extern const cli_cmd_spec cmd_segment_spec;
int cmd_init(int argc, char **argv);
int cmd_publish(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_review(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_fsck(int argc, char **argv);
extern const cli_cmd_spec cmd_init_spec, cmd_publish_spec, cmd_log_spec, cmd_show_spec,
    cmd_review_spec, cmd_export_spec, cmd_trace_spec, cmd_verify_spec, cmd_fsck_spec;
int cmd_render(int argc, char **argv);
int cmd_rerender(int argc, char **argv);
extern const cli_cmd_spec cmd_render_spec, cmd_rerender_spec;
/* -- declarations of further commands go above this line -- */

static int cmd_help(int argc, char **argv);
static const cli_cmd_spec cmd_help_spec = {
    "help", "[COMMAND | exit-codes]", "Show help for a command, or the table of exit codes.",
    NULL, NULL};

const cli_command cli_commands[] = {
    {"scan", cmd_scan, &cmd_scan_spec},
    {"info", cmd_info, &cmd_info_spec},
    {"volume", cmd_volume, &cmd_volume_spec},
    {"mesh", cmd_mesh, &cmd_mesh_spec},
    {"check", cmd_check, &cmd_check_spec},
    {"build", cmd_build, &cmd_build_spec},
    {"segment", cmd_segment, &cmd_segment_spec},
    {"init", cmd_init, &cmd_init_spec},
    {"publish", cmd_publish, &cmd_publish_spec},
    {"log", cmd_log, &cmd_log_spec},
    {"show", cmd_show, &cmd_show_spec},
    {"review", cmd_review, &cmd_review_spec},
    {"export", cmd_export, &cmd_export_spec},
    {"trace", cmd_trace, &cmd_trace_spec},
    {"verify", cmd_verify, &cmd_verify_spec},
    {"fsck", cmd_fsck, &cmd_fsck_spec},
    {"render", cmd_render, &cmd_render_spec},
    {"rerender", cmd_rerender, &cmd_rerender_spec},
    /* -- further commands go above this line, in pipeline order -- */
    {"help", cmd_help, &cmd_help_spec},
};
const size_t cli_n_commands = sizeof cli_commands / sizeof cli_commands[0];

static void print_main_help(FILE *out)
{
    fprintf(out,
            "usage: tracemesh [--quiet] [--version] COMMAND [ARGS]\n\n"
            "tracemesh turns DICOM scans into traceable anatomy meshes and figures.\n\n"
            "commands:\n");
    for (size_t i = 0; i < cli_n_commands; i++)
        fprintf(out, "  %-10s %s\n", cli_commands[i].name, cli_commands[i].spec->summary);
    fprintf(out, "\nglobal options:\n"
                 "  -q, --quiet    no notes, warnings or progress (errors are still printed)\n"
                 "  --version      print the version\n"
                 "\n'tracemesh COMMAND --help' or 'tracemesh help COMMAND' shows a command's "
                 "options;\n'tracemesh help exit-codes' lists the exit codes.\n");
}

static void print_exit_codes(FILE *out)
{
    fprintf(out, "exit codes:\n"
                 "  0  success\n"
                 "  1  failure (I/O, out of memory, internal error)\n"
                 "  2  usage error or bad parameter\n"
                 "  3  bad input data (corrupt, inconsistent or unsupported DICOM or file)\n"
                 "  4  verification failed (hash or provenance mismatch)\n");
}

static const cli_command *find_command(const char *name)
{
    for (size_t i = 0; i < cli_n_commands; i++)
        if (strcmp(cli_commands[i].name, name) == 0)
            return &cli_commands[i];
    return NULL;
}

static int cmd_help(int argc, char **argv)
{
    if (argc < 2) {
        print_main_help(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "exit-codes") == 0) {
        print_exit_codes(stdout);
        return CLI_EXIT_OK;
    }
    const cli_command *c = find_command(argv[1]);
    if (c == NULL) {
        cli_error("unknown command '%s' (see 'tracemesh help')", argv[1]);
        return CLI_EXIT_USAGE;
    }
    cli_print_help(c->spec, stdout);
    return CLI_EXIT_OK;
}

int main(int argc, char **argv)
{
#ifdef __GLIBC__
    /* Mesh steps allocate and free arrays of tens of MB again and again (edge lists and sort
     * buffers of a million triangles, at every decimation round). glibc serves blocks over
     * 32 MB with fresh mmap pages, so every step paid their page faults anew (a fifth of the
     * time of a build); from the heap, freed blocks are reused. */
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    /* Worker threads allocate from the same heap (marked below), not from arenas of their
     * own that would each grow and fault in separately: 12 MiB less at the peak of a head
     * build, at the same speed (the workers allocate per chunk, not per element). */
    mallopt(M_ARENA_MAX, 1);
#if defined(MADV_HUGEPAGE) && !defined(__SANITIZE_ADDRESS__)
    /* Even reused, the heap's pages are faulted in once, 4 KiB at a time: about a tenth of a
     * build. Grow the heap once, ask for transparent huge pages on it (granted where the
     * system allows them on request) and hand it back to malloc, which keeps it (trim
     * threshold above); pages never touched cost no memory. */
    size_t reserve = (size_t)512 << 20, huge = (size_t)2 << 20;
    char *heap = malloc(reserve);
    if (heap != NULL) {
        uintptr_t lo = ((uintptr_t)heap + huge - 1) & ~(uintptr_t)(huge - 1);
        uintptr_t hi = ((uintptr_t)heap + reserve) & ~(uintptr_t)(huge - 1);
        (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
        free(heap);
    }
#endif
#endif
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0) {
            cli_set_quiet(1);
        } else if (strcmp(argv[i], "--version") == 0) {
            printf("tracemesh %s\n", TMESH_VERSION_STRING);
            return CLI_EXIT_OK;
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            print_main_help(stdout);
            return CLI_EXIT_OK;
        } else {
            cli_error("unknown global option '%s' (see 'tracemesh --help')", argv[i]);
            return CLI_EXIT_USAGE;
        }
    }
    if (i >= argc) {
        print_main_help(stderr);
        return CLI_EXIT_USAGE;
    }
    const cli_command *c = find_command(argv[i]);
    if (c == NULL) {
        cli_error("unknown command '%s' (see 'tracemesh --help')", argv[i]);
        return CLI_EXIT_USAGE;
    }
    cli_set_command(c->name);
    tmesh_log_set_handler(cli_log_handler, NULL);
    tmesh_dcmtk_init();
    int rc = c->fn(argc - i, argv + i);
    cli_progress_done();
    tmesh_dcmtk_shutdown();
    if (fflush(stdout) != 0 && rc == CLI_EXIT_OK) {
        cli_error("cannot write to standard output");
        rc = CLI_EXIT_FAIL;
    }
    return rc;
}
