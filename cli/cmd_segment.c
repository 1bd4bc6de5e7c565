/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tracemesh segment: load a series (DICOM folder) or a NIfTI volume, run segmentation operations
 * in order (a recipe from the command line and/or files), and write the label volume as NIfTI
 * with the source's exact geometry. stdout carries the canonical recipe record and the voxel
 * count and volume of every label.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "cli_store.h"

#include "tracemesh/segment.h"

#include <stdlib.h>
#include <string.h>

enum { OPT_OUT = 1, OPT_RECIPE, OPT_REPLAY, OPT_LABELS, OPT_OPERATION = 1000 };

/* Operation rows are listed for --help only; operations are parsed by tmesh_seg_recipe_*. */
static const cli_opt segment_opts[] = {
    {OPT_OUT, "output", 'o', "FILE", "label volume to write, .nii or .nii.gz (required)"},
    {OPT_RECIPE, "recipe", 0, "FILE", "operations from a recipe file, one per line, in place"},
    {OPT_REPLAY, "replay", 0, "FILE", "run a recorded recipe (the JSON 'recipe:' line) alone"},
    {OPT_LABELS, "labels", 0, "FILE", "also write the label names and colours (Slicer .txt)"},
    CLI_PUBLISH_OPTS("the labels as the next version of ASSET"),
    CLI_DICOM_OPTS,
    {OPT_OPERATION, "gaussian", 0, "SIGMA_MM", "op: smooth the intensities (Gaussian, mm)"},
    {OPT_OPERATION, "median", 0, "R", "op: median of the (2R+1)^3 cube, R = 1..5 voxels"},
    {OPT_OPERATION, "threshold", 0, "LO HI", "op: new mask LO <= value <= HI (CT: HU)"},
    {OPT_OPERATION, "preset", 0, "NAME", "op: bone, skin, soft-tissue, lung, fat, vessels, teeth"},
    {OPT_OPERATION, "otsu", 0, NULL, "op: new mask above Otsu's automatic threshold"},
    {OPT_OPERATION, "seed", 0, "X,Y,Z", "add a seed in patient LPS mm"},
    {OPT_OPERATION, "seed-vox", 0, "I,J,K", "add a seed by voxel index"},
    {OPT_OPERATION, "connectivity", 0, "6|18|26", "for later grow/component ops"},
    {OPT_OPERATION, "grow", 0, "LO HI", "op: connected threshold from the seeds"},
    {OPT_OPERATION, "confidence", 0, "K ITER", "op: confidence-connected from the seeds"},
    {OPT_OPERATION, "keep-largest", 0, NULL, "op: keep the largest component"},
    {OPT_OPERATION, "keep", 0, "N", "op: keep the N largest components"},
    {OPT_OPERATION, "keep-seeded", 0, NULL, "op: keep the components holding a seed"},
    {OPT_OPERATION, "remove-islands", 0, "MM3", "op: drop components below MM3"},
    {OPT_OPERATION, "label-components", 0, NULL, "op: one label per component"},
    {OPT_OPERATION, "dilate", 0, "R_MM", "op: dilate with a ball of R mm"},
    {OPT_OPERATION, "erode", 0, "R_MM", "op: erode with a ball of R mm"},
    {OPT_OPERATION, "open", 0, "R_MM", "op: open (erode, dilate)"},
    {OPT_OPERATION, "close", 0, "R_MM", "op: close (dilate, erode)"},
    {OPT_OPERATION, "smooth", 0, "SIGMA_MM", "op: smooth the mask surface (Gaussian)"},
    {OPT_OPERATION, "fill-holes", 0, NULL, "op: fill enclosed 3D cavities"},
    {OPT_OPERATION, "fill-holes-2d", 0, NULL, "op: fill holes of each slice"},
    {OPT_OPERATION, "hollow", 0, "T_MM SIDE", "op: shell, SIDE inside|outside|medial"},
    {OPT_OPERATION, "crop", 0, "P0 P1", "op: zero outside the LPS box (points X,Y,Z)"},
    {OPT_OPERATION, "paint-sphere", 0, "P R_MM", "op: set a sphere (erase-sphere clears)"},
    {OPT_OPERATION, "paint-box", 0, "P0 P1", "op: set a box (erase-box clears)"},
    {OPT_OPERATION, "push", 0, NULL, "op: save the mask for union/intersect/subtract"},
    {OPT_OPERATION, "union", 0, NULL, "op: saved or current (also intersect, subtract)"},
    {OPT_OPERATION, "invert", 0, NULL, "op: invert the mask"},
    {OPT_OPERATION, "label", 0, "V NAME[:RRGGBB]", "op: write the mask as label V"},
    {0, NULL, 0, NULL, NULL},
};

const cli_cmd_spec cmd_segment_spec = {
    "segment", "DIR|FILE|VOLUME.nii[.gz] [--series N] OPERATIONS... [--recipe FILE] -o OUT.nii.gz",
    "Turn a scan into a label volume with recorded, replayable operations.",
    "Operations run in the order given (recipe files in place). Numbers are plain decimals,\n"
    "rounded to 6 decimals; points are X,Y,Z in patient LPS mm. The output keeps the source\n"
    "geometry exactly. stdout: the canonical recipe record (JSON, one line), then per label its\n"
    "voxel count and volume. Example:\n"
    "  tracemesh segment ct/ --preset bone --keep-largest --close 1.5 --fill-holes -o bone.nii.gz\n"
    "With --name ASSET (DICOM input only) the source manifest, volume and label volume are stored\n"
    "with their derivations and the label volume is published as ASSET@N (printed first, with\n"
    "its hash); the NIfTI written is recorded, so 'tracemesh mesh OUT.nii.gz --name MESH' (or\n"
    "'tracemesh mesh ASSET@N --name MESH') continues the chain down to the DICOM files.",
    segment_opts};

/* Find a command option (not an operation) named by `arg`; sets *inline_val for --name=value. */
static const cli_opt *find_opt(const char *arg, const char **inline_val)
{
    *inline_val = NULL;
    if (arg[0] != '-' || arg[1] == '\0')
        return NULL;
    if (arg[1] == '-') {
        const char *name = arg + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        for (const cli_opt *o = segment_opts; o->id; o++)
            if (o->id != OPT_OPERATION && strlen(o->name) == len &&
                strncmp(o->name, name, len) == 0) {
                if (eq)
                    *inline_val = eq + 1;
                return o;
            }
        return NULL;
    }
    if (arg[2] == '\0')
        for (const cli_opt *o = segment_opts; o->id; o++)
            if (o->id != OPT_OPERATION && o->short_name == arg[1])
                return o;
    return NULL;
}

/* Hand the collected operation tokens to the recipe parser and empty the list. */
static tmesh_status flush_tokens(tmesh_seg_recipe *r, const char **tok, size_t *n, tmesh_error *err)
{
    tmesh_status st = tmesh_seg_recipe_parse_args(r, *n, tok, "command line", err);
    *n = 0;
    return st;
}

static int write_label_table(const char *path, const tmesh_seg_labels *t)
{
    /* 3D Slicer colour-table text: "value name r g b a" per line. */
    size_t cap = 128 + t->count * (TMESH_SEG_LABEL_NAME_MAX + 32), len = 0;
    char *buf = malloc(cap);
    if (buf == NULL) {
        cli_error("out of memory");
        return CLI_EXIT_FAIL;
    }
    len += (size_t)snprintf(buf + len, cap - len, "# tracemesh labels: value name r g b a\n");
    for (size_t i = 0; i < t->count; i++) {
        char name[TMESH_SEG_LABEL_NAME_MAX];
        memcpy(name, t->items[i].name, sizeof name);
        for (char *c = name; *c; c++) /* the table is space-separated */
            if (*c == ' ')
                *c = '_';
        len += (size_t)snprintf(buf + len, cap - len, "%u %s %u %u %u 255\n",
                                (unsigned)t->items[i].value, name, (unsigned)t->items[i].rgb[0],
                                (unsigned)t->items[i].rgb[1], (unsigned)t->items[i].rgb[2]);
    }
    tmesh_error err = TMESH_ERROR_INIT;
    int rc = CLI_EXIT_OK;
    if (tmesh_fs_write_atomic(path, buf, len, &err) != TMESH_OK)
        rc = cli_fail(&err);
    free(buf);
    return rc;
}

/* --name: store the label volume with its derivation, publish it as the next version of
 * `name`, record the written file as its export and print "NAME@N HASH". */
static int publish_labels(tmesh_store *s, const char *name, const tmesh_store_publish_opts *po,
                          const tmesh_volume *labels, const char *h_vol, const char *record,
                          const char *out)
{
    tmesh_error err = TMESH_ERROR_INIT;
    char h_lab[65];
    int version = 0;
    tmesh_store_version v;
    if (cli_store_put_segment(s, labels, h_vol, record, h_lab, &err) != TMESH_OK ||
        tmesh_store_publish(&version, s, name, h_lab, po, &err) != TMESH_OK ||
        tmesh_store_version_get(&v, s, name, version, &err) != TMESH_OK ||
        cli_store_record_file(s, &v, out, &err) != TMESH_OK)
        return cli_fail(&err);
    printf("%s@%d %s\n", name, version, h_lab);
    return CLI_EXIT_OK;
}

int cmd_segment(int argc, char **argv)
{
    cli_dicom_args da;
    cli_dicom_args_init(&da);
    const char *input = NULL, *out = NULL, *labels_path = NULL, *replay = NULL;
    cli_publish_args pa = CLI_PUBLISH_ARGS_INIT;
    int series_given = 0;
    tmesh_error err = TMESH_ERROR_INIT;
    tmesh_seg_recipe *recipe = NULL;
    if (tmesh_seg_recipe_new(&recipe, &err) != TMESH_OK)
        return cli_fail(&err);
    const char **tok = malloc((size_t)(argc > 0 ? argc : 1) * sizeof *tok);
    if (tok == NULL) {
        tmesh_seg_recipe_free(recipe);
        cli_error("out of memory");
        return CLI_EXIT_FAIL;
    }
    size_t ntok = 0;
    int seen_op = 0, rc = CLI_EXIT_OK;
    /* The option table cannot parse operations ("--threshold -200 300" has a negative value),
     * so the arguments are walked here: command options are taken out, everything else goes to
     * the recipe parser in order. */
    for (int i = 1; i < argc && rc == CLI_EXIT_OK; i++) {
        const char *a = argv[i], *val = NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            cli_print_help(&cmd_segment_spec, stdout);
            free(tok);
            tmesh_seg_recipe_free(recipe);
            return CLI_EXIT_OK;
        }
        const cli_opt *o = find_opt(a, &val);
        if (o == NULL) {
            if (a[0] != '-' && !seen_op && input == NULL) {
                input = a;
                continue;
            }
            if (strncmp(a, "--", 2) == 0)
                seen_op = 1;
            tok[ntok++] = a;
            continue;
        }
        if (o->value_name != NULL && val == NULL) {
            if (i + 1 >= argc) {
                rc = cli_usage_error(&cmd_segment_spec, "option --%s needs a value %s", o->name,
                                     o->value_name);
                break;
            }
            val = argv[++i];
        } else if (o->value_name == NULL && val != NULL) {
            rc = cli_usage_error(&cmd_segment_spec, "option --%s takes no value", o->name);
            break;
        }
        switch (o->id) {
        case OPT_OUT:
            out = val;
            break;
        case OPT_LABELS:
            labels_path = val;
            break;
        case OPT_REPLAY:
            replay = val;
            break;
        case OPT_RECIPE:
            if (flush_tokens(recipe, tok, &ntok, &err) != TMESH_OK ||
                tmesh_seg_recipe_load(recipe, val, &err) != TMESH_OK)
                rc = cli_fail(&err);
            break;
        default: {
            if (o->id == CLI_OPT_SERIES)
                series_given = 1;
            int r = cli_publish_opt(&pa, o->id, val) ? 1 : cli_dicom_opt(&da, o->id, val);
            if (r < 0)
                rc = CLI_EXIT_USAGE;
            break;
        }
        }
    }
    if (rc == CLI_EXIT_OK && flush_tokens(recipe, tok, &ntok, &err) != TMESH_OK)
        rc = cli_fail(&err);
    free(tok);
    if (rc == CLI_EXIT_OK && replay != NULL) {
        if (tmesh_seg_recipe_count(recipe) != 0) {
            rc = cli_usage_error(&cmd_segment_spec,
                                 "--replay runs a recorded recipe alone; give no operations");
        } else {
            uint8_t *text = NULL;
            size_t len = 0;
            if (tmesh_fs_read_all(replay, &text, &len, &err) != TMESH_OK ||
                tmesh_seg_recipe_parse_canonical(recipe, (const char *)text, &err) != TMESH_OK) {
                tmesh_error_context(&err, "%s", replay);
                rc = cli_fail(&err);
            }
            free(text);
        }
    }
    if (rc != CLI_EXIT_OK) {
        tmesh_seg_recipe_free(recipe);
        return rc;
    }
    if (input == NULL)
        rc = cli_usage_error(&cmd_segment_spec, "missing DIR or VOLUME.nii[.gz]");
    else if (out == NULL)
        rc = cli_usage_error(&cmd_segment_spec, "missing -o OUT.nii.gz");
    else if (!cli_ends_with(out, ".nii") && !cli_ends_with(out, ".nii.gz"))
        rc = cli_usage_error(&cmd_segment_spec,
                             "invalid value '%s' for -o: name must end in .nii or .nii.gz", out);
    else if (tmesh_seg_recipe_count(recipe) == 0)
        rc = cli_usage_error(&cmd_segment_spec,
                             "no operation given (for example --preset bone, or --recipe FILE)");
    else if (pa.name != NULL && (cli_ends_with(input, ".nii") || cli_ends_with(input, ".nii.gz")))
        rc = cli_usage_error(&cmd_segment_spec,
                             "--name needs a DICOM series: a NIfTI volume has no traceable source");
    else
        rc = cli_publish_check(&cmd_segment_spec, &pa, 0);
    if (rc != CLI_EXIT_OK) {
        tmesh_seg_recipe_free(recipe);
        return rc;
    }

    tmesh_volume *image = NULL;
    tmesh_dicom_index *idx = NULL;
    tmesh_store *store = NULL;
    char h_vol[65] = "";
    if (pa.name != NULL) {
        /* Into the store: the source manifest and volume are stored as they load. */
        rc = cli_store_open(pa.store, &store);
        if (rc == CLI_EXIT_OK)
            rc = cli_store_load(store, input, &da, &image, h_vol);
    } else if (cli_ends_with(input, ".nii") || cli_ends_with(input, ".nii.gz")) {
        if (series_given)
            rc = cli_usage_error(&cmd_segment_spec, "--series applies to DICOM input, not %s",
                                 input);
        else if (tmesh_volume_read_nifti(&image, input, &err) != TMESH_OK)
            rc = cli_fail(&err);
    } else {
        /* a DICOM folder, or a single DICOM file (the scan accepts both) */
        rc = cli_dicom_load(input, &da, &idx, &image, NULL);
    }
    tmesh_dicom_index_free(idx);
    if (rc != CLI_EXIT_OK) {
        tmesh_store_close(store);
        tmesh_seg_recipe_free(recipe);
        return rc;
    }

    tmesh_seg_run_opts ro = TMESH_SEG_RUN_OPTS_INIT;
    ro.threads = da.load.threads;
    ro.progress = cli_progress;
    tmesh_volume *labels = NULL;
    tmesh_seg_labels table = TMESH_SEG_LABELS_INIT;
    char *record = NULL;
    tmesh_seg_label_stat *stats = NULL;
    size_t n_stats = 0;
    if (tmesh_seg_recipe_run(&labels, &table, image, recipe, &ro, &err) != TMESH_OK ||
        tmesh_seg_recipe_canonical(&record, recipe, &err) != TMESH_OK ||
        tmesh_seg_label_stats(&stats, &n_stats, labels, &err) != TMESH_OK ||
        tmesh_volume_write_nifti(labels, out, &err) != TMESH_OK) {
        cli_progress_done();
        rc = cli_fail(&err);
    } else {
        cli_progress_done();
        if (labels_path != NULL)
            rc = write_label_table(labels_path, &table);
        if (rc == CLI_EXIT_OK && store != NULL)
            rc = publish_labels(store, pa.name, &pa.po, labels, h_vol, record, out);
    }
    if (rc == CLI_EXIT_OK) {
        printf("%s: %zu x %zu x %zu %s\n", out, labels->dim[0], labels->dim[1], labels->dim[2],
               tmesh_voxel_type_name(labels->type));
        printf("recipe: %s\n", record);
        /* every named label, and any value present without a name */
        size_t s = 0;
        for (size_t t = 0; t < table.count || s < n_stats;) {
            unsigned tv = t < table.count ? table.items[t].value : 70000u;
            unsigned sv = s < n_stats ? stats[s].value : 70000u;
            unsigned v = tv < sv ? tv : sv;
            size_t vox = v == sv ? stats[s].voxels : 0;
            double ml = v == sv ? stats[s].volume_ml : 0.0;
            const char *lname = v == tv ? table.items[t].name : "(unnamed)";
            printf("label %u %s: %zu voxels, %.3f ml\n", v, lname, vox, ml);
            if (v == tv)
                t++;
            if (v == sv)
                s++;
        }
    }
    free(stats);
    free(record);
    tmesh_seg_labels_clear(&table);
    tmesh_volume_free(labels);
    tmesh_volume_free(image);
    tmesh_seg_recipe_free(recipe);
    tmesh_store_close(store);
    return rc;
}
