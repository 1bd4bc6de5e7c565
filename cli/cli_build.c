/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Options shared by build, publish --dicom and mesh (see cli_build.h), and the check, write
 * and summary that end every mesh-making command.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli_build.h"

#include "tracemesh/segment.h"
#include "tracemesh/store.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

void cli_build_params_init(cli_build_params *bp)
{
    memset(bp, 0, sizeof *bp);
    bp->lower = NAN;
    bp->upper = NAN;
    bp->sigma = 0.5;
    bp->post.smooth_method = TMESH_MESH_SMOOTH_TAUBIN;
    bp->post.ratio = 1.0;
}

int cli_build_opt(const cli_cmd_spec *spec, cli_build_params *bp, int id, const char *val)
{
    unsigned long long u;
    cli_mesh_post *mp = &bp->post;
    switch (id) {
    case CLI_OPT_PRESET:
        bp->preset = val;
        break;
    case CLI_OPT_RECIPE:
        bp->recipe = val;
        break;
    case CLI_OPT_LOWER:
        if (cli_parse_double("--lower", val, &bp->lower) != 0)
            return -1;
        break;
    case CLI_OPT_UPPER:
        if (cli_parse_double("--upper", val, &bp->upper) != 0)
            return -1;
        break;
    case CLI_OPT_SIGMA:
        if (cli_parse_double("--sigma", val, &bp->sigma) != 0)
            return -1;
        if (!(bp->sigma >= 0 && bp->sigma <= 50)) {
            cli_usage_error(spec, "invalid value '%s' for --sigma: expected 0 to 50 mm", val);
            return -1;
        }
        break;
    case CLI_OPT_SMOOTH:
        if (cli_parse_uint("--smooth", val, 1000, &u) != 0)
            return -1;
        mp->smooth = (unsigned)u;
        break;
    case CLI_OPT_SMOOTH_METHOD:
        if (strcmp(val, "taubin") == 0) {
            mp->smooth_method = TMESH_MESH_SMOOTH_TAUBIN;
        } else if (strcmp(val, "sinc") == 0) {
            mp->smooth_method = TMESH_MESH_SMOOTH_SINC;
        } else {
            cli_usage_error(spec, "invalid value '%s' for --smooth-method: expected taubin or sinc",
                            val);
            return -1;
        }
        break;
    case CLI_OPT_DECIMATE:
        if (cli_parse_double("--decimate", val, &mp->ratio) != 0)
            return -1;
        if (!(mp->ratio > 0 && mp->ratio <= 1)) {
            cli_usage_error(spec, "invalid value '%s' for --decimate: expected (0, 1]", val);
            return -1;
        }
        break;
    case CLI_OPT_KEEP_LARGEST:
        mp->keep_largest = 1;
        mp->filter = 1;
        break;
    case CLI_OPT_MIN_AREA:
        if (cli_parse_double("--min-area", val, &mp->min_area) != 0)
            return -1;
        if (!(mp->min_area >= 0)) {
            cli_usage_error(spec, "invalid value '%s' for --min-area: expected >= 0", val);
            return -1;
        }
        mp->filter = 1;
        break;
    default:
        return 0;
    }
    bp->given = 1;
    return 1;
}

int cli_build_params_resolve(const cli_cmd_spec *spec, cli_build_params *bp)
{
    if (bp->preset != NULL && (!isnan(bp->lower) || !isnan(bp->upper)))
        return cli_usage_error(spec, "--preset excludes --lower and --upper");
    if (bp->recipe != NULL && (bp->preset != NULL || !isnan(bp->lower) || !isnan(bp->upper)))
        return cli_usage_error(spec, "--recipe excludes --preset, --lower and --upper");
    if (isnan(bp->lower) && !isnan(bp->upper))
        return cli_usage_error(spec, "--upper needs --lower");
    if (!isnan(bp->upper) && bp->upper < bp->lower)
        return cli_usage_error(spec, "--upper %g is below --lower %g", bp->upper, bp->lower);
    if (isnan(bp->lower) && bp->recipe == NULL) {
        const tmesh_seg_preset *ps = NULL;
        tmesh_error err = TMESH_ERROR_INIT;
        if (tmesh_seg_preset_find(&ps, bp->preset ? bp->preset : "bone", &err) != TMESH_OK) {
            cli_error("%s", err.msg);
            return CLI_EXIT_USAGE;
        }
        bp->lower = ps->lower;
        bp->upper = ps->upper >= 32767 ? NAN : ps->upper;
    }
    return CLI_EXIT_OK;
}

int cli_build_check_output(const cli_cmd_spec *spec, const char *out)
{
    if (tmesh_mesh_format_from_path(out) == TMESH_MESH_FORMAT_AUTO)
        return cli_usage_error(spec,
                               "invalid value '%s' for -o: name must end in .stl .ply .obj .glb "
                               ".gltf .3mf .dae or .fbx",
                               out);
    return CLI_EXIT_OK;
}

typedef struct write_job {
    const tmesh_mesh *m;
    const char *out;
    const tmesh_mesh_write_opts *wo;
    tmesh_error err;
    tmesh_status st;
} write_job;

static void *write_thread(void *arg)
{
    write_job *w = arg;
    w->st = tmesh_mesh_write(w->m, w->out, w->wo, &w->err);
    return NULL;
}

int cli_build_write(const tmesh_mesh *m, const char *out, const tmesh_mesh_write_opts *wo,
                    tmesh_mesh_report *r)
{
    /* The file is written (and synced) while the mesh is checked: both only read it. */
    tmesh_error err = TMESH_ERROR_INIT;
    write_job w = {m, out, wo, TMESH_ERROR_INIT, TMESH_OK};
    pthread_t tid;
    int threaded = pthread_create(&tid, NULL, write_thread, &w) == 0;
    if (!threaded)
        write_thread(&w);
    tmesh_status cst = tmesh_mesh_check(r, m, NULL, &err);
    if (threaded)
        pthread_join(tid, NULL);
    if (cst != TMESH_OK)
        return cli_fail(&err);
    if (!r->ok)
        cli_warn("%s: mesh fails checks (watertight %s, manifold %s, outward %s); see "
                 "'tracemesh check'",
                 out, r->watertight ? "yes" : "no", r->manifold ? "yes" : "no",
                 r->outward ? "yes" : "no");
    if (w.st != TMESH_OK)
        return cli_fail(&w.err);
    return CLI_EXIT_OK;
}

void cli_build_summary(const char *out, const tmesh_mesh_report *r)
{
    printf("%s: %zu vertices, %zu triangles, %zu components, area %.1f mm2, volume %.3f ml, "
           "%s\n",
           out, r->n_vertices, r->n_triangles, r->n_components, r->area_mm2, r->volume_ml,
           r->ok ? "closed" : "NOT CLEAN");
}

/* ---- surface post-processing ---- */

/* The parameters of each operation, as recorded and as read back for replay. */

static void params_smooth(char *p, size_t cap, const tmesh_mesh_smooth_opts *o)
{
    snprintf(p, cap,
             "{\"fix_boundary\":%d,\"iterations\":%u,\"lambda\":%.17g,\"method\":\"%s\","
             "\"mu\":%.17g,\"pass_band\":%.17g}",
             o->fix_boundary, o->iterations, o->lambda,
             o->method == TMESH_MESH_SMOOTH_SINC ? "sinc" : "taubin", o->mu, o->pass_band);
}

static void params_decimate(char *p, size_t cap, const tmesh_mesh_decimate_opts *o)
{
    snprintf(p, cap, "{\"lock_border\":%d,\"max_error\":%.17g,\"ratio\":%.17g}", o->lock_border,
             o->max_error, o->ratio);
}

static void params_filter(char *p, size_t cap, const tmesh_mesh_components_opts *o)
{
    snprintf(p, cap, "{\"keep_largest\":%u,\"min_area\":%.17g}", o->keep_largest, o->min_area);
}

static tmesh_status num(double *out, const char *params, const char *key, tmesh_error *err)
{
    return tmesh_store_param_number(out, params, key, err);
}

tmesh_status cli_mesh_apply_op(tmesh_mesh *m, const char *op, const char *params, unsigned threads,
                               cli_mesh_op_report *rep, tmesh_error *err)
{
    double a, b, c, d, e;
    char meth[16];
    cli_mesh_op_report dummy;
    if (rep == NULL)
        rep = &dummy;
    memset(rep, 0, sizeof *rep);
    if (strcmp(op, "smooth") == 0) {
        tmesh_mesh_smooth_opts o = TMESH_MESH_SMOOTH_OPTS_INIT;
        if (num(&a, params, "iterations", err) || num(&b, params, "lambda", err) ||
            num(&c, params, "mu", err) || num(&d, params, "pass_band", err) ||
            num(&e, params, "fix_boundary", err) ||
            tmesh_store_param_string(meth, sizeof meth, params, "method", err))
            return err->code;
        o.iterations = (unsigned)a;
        o.lambda = b;
        o.mu = c;
        o.pass_band = d;
        o.fix_boundary = (int)e;
        o.method = strcmp(meth, "sinc") == 0 ? TMESH_MESH_SMOOTH_SINC : TMESH_MESH_SMOOTH_TAUBIN;
        o.threads = threads;
        return tmesh_mesh_smooth(m, &o, &rep->smooth, err);
    }
    if (strcmp(op, "decimate") == 0) {
        tmesh_mesh_decimate_opts o = TMESH_MESH_DECIMATE_OPTS_INIT;
        if (num(&a, params, "ratio", err) || num(&b, params, "max_error", err) ||
            num(&c, params, "lock_border", err))
            return err->code;
        o.ratio = a;
        o.max_error = b;
        o.lock_border = (int)c;
        o.threads = threads;
        return tmesh_mesh_decimate(m, &o, &rep->decimate, err);
    }
    if (strcmp(op, "filter-components") == 0) {
        tmesh_mesh_components_opts o = TMESH_MESH_COMPONENTS_OPTS_INIT;
        if (num(&a, params, "keep_largest", err) || num(&b, params, "min_area", err))
            return err->code;
        o.keep_largest = (unsigned)a;
        o.min_area = b;
        return tmesh_mesh_filter_components(m, &o, &rep->removed, err);
    }
    return tmesh_error_set(err, TMESH_E_ARG, "unknown mesh operation '%s'", op);
}

tmesh_status cli_mesh_postprocess(tmesh_mesh *m, const cli_mesh_post *mp, unsigned threads,
                                  cli_mesh_step_fn step, void *user, tmesh_error *err)
{
    char params[512];
    cli_mesh_op_report rep;
    if (mp->smooth > 0) {
        tmesh_mesh_smooth_opts so = TMESH_MESH_SMOOTH_OPTS_INIT;
        so.iterations = mp->smooth;
        so.method = mp->smooth_method;
        params_smooth(params, sizeof params, &so);
        if (cli_mesh_apply_op(m, "smooth", params, threads, &rep, err) != TMESH_OK ||
            (step && step(m, "smooth", params, user, err) != TMESH_OK))
            return err->code;
        cli_note("smoothing changed the volume by %.3f%% (largest move %.3f mm)",
                 rep.smooth.volume_change_pct, rep.smooth.max_move);
    }
    if (mp->ratio < 1.0) {
        tmesh_mesh_decimate_opts dop = TMESH_MESH_DECIMATE_OPTS_INIT;
        dop.ratio = mp->ratio;
        params_decimate(params, sizeof params, &dop);
        if (cli_mesh_apply_op(m, "decimate", params, threads, &rep, err) != TMESH_OK ||
            (step && step(m, "decimate", params, user, err) != TMESH_OK))
            return err->code;
        cli_note("decimated %zu -> %zu triangles (error %.4f mm)", rep.decimate.triangles_before,
                 rep.decimate.triangles_after, rep.decimate.error_mm);
    }
    if (mp->filter) {
        tmesh_mesh_components_opts co = TMESH_MESH_COMPONENTS_OPTS_INIT;
        co.keep_largest = mp->keep_largest;
        co.min_area = mp->min_area;
        params_filter(params, sizeof params, &co);
        if (cli_mesh_apply_op(m, "filter-components", params, threads, &rep, err) != TMESH_OK ||
            (step && step(m, "filter-components", params, user, err) != TMESH_OK))
            return err->code;
        cli_note("dropped %zu connected surfaces", rep.removed);
    }
    return TMESH_OK;
}
