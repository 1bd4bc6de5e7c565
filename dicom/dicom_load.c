/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Loading one series stack: check the options and the memory cap, plan the geometry, decode
 * every file on all cores (each file hashed as it is read), convert to physical values,
 * resample when asked, and write the source manifest. Work is split by file and merged by
 * slice index, so the volume is the same at any thread count.
 */
#define _POSIX_C_SOURCE 200809L
#include "dicom_int.h"

#include <math.h>
#include <string.h>

#include <jansson.h>

typedef struct file_work {
    size_t file;
    size_t first_slot;   /* into slot_slice: the slices of this file, in volume order */
    size_t n_slots;
} file_work;

typedef struct load_job {
    const tmesh_dicom_index *idx;
    const dcm_slice *sl;       /* the series' slices, sorted */
    size_t n_sl;
    file_work *work;
    size_t n_work;
    size_t *slot_slice;        /* slice indices grouped by file */
    char (*sha)[65];           /* per file work item */
    int16_t *i16;              /* output (one of these two) */
    float *f32;
    size_t slice_len;          /* rows * columns */
    int *overflow;             /* per file work item */
    int keep_ct_values;        /* CT: MONOCHROME1 does not change HU */
    size_t k_base;             /* i16/f32 hold slices k_base.. (a streamed run); else 0 */
    int hash;                  /* hash each file (for the manifest) */
} load_job;

static tmesh_status decode_file(size_t w, void *user, tmesh_error *err)
{
    load_job *job = user;
    const file_work *fw = &job->work[w];
    const dcm_file *f = &job->idx->files[fw->file];
    const tmesh_dcm_header *h = &f->hdr;
    uint8_t *buf = NULL;
    size_t len = 0;
    /* Plain files: hashed in place, then parsed by DCMTK from disk (one copy). Gzip-wrapped
     * files: read, hashed and unwrapped in memory. */
    tmesh_status st = f->gz     ? tmesh_dicom__read_file(&buf, &len, job->sha[w], f->path, err)
                      : job->hash ? tmesh_dicom__hash_file(job->sha[w], f->path, err)
                                  : TMESH_OK;
    if (st != TMESH_OK)
        return st;
    tmesh_dcm_pixels px;
    st = tmesh_dcmtk_read_pixels(&px, f->path, f->rel, buf, len, err);
    free(buf);
    if (st != TMESH_OK)
        return st;
    dcm_pixel_format fmt = {h->rows, h->columns, h->bits_allocated, h->bits_stored,
                            h->high_bit >= 0 ? h->high_bit : h->bits_stored - 1,
                            h->pixel_representation,
                            strcmp(h->photometric, "MONOCHROME1") == 0 && !job->keep_ct_values};
    if (px.samples == NULL)
        st = tmesh_dicom__decode_j2k(&px, &fmt, h->n_frames, f->rel, err);
    size_t bytes_per = (size_t)h->bits_allocated / 8;
    size_t need = job->slice_len * bytes_per * h->n_frames;
    if (st == TMESH_OK && px.samples_len < need)
        st = tmesh_error_set(err, TMESH_E_DATA,
                             "%s: pixel data holds %zu bytes, %u frame(s) of %dx%d need %zu "
                             "(truncated file?)",
                             f->rel, px.samples_len, h->n_frames, h->columns, h->rows, need);
    for (size_t k = 0; st == TMESH_OK && k < fw->n_slots; k++) {
        size_t si = job->slot_slice[fw->first_slot + k];
        const dcm_slice *s = &job->sl[si];
        double slope = s->geo.has_rescale ? s->geo.slope : 1.0;
        double inter = s->geo.has_rescale ? s->geo.intercept : 0.0;
        if (!isfinite(slope) || !isfinite(inter) || slope == 0.0) {
            st = tmesh_error_set(err, TMESH_E_DATA, "%s: RescaleSlope %g / RescaleIntercept %g "
                                 "are not usable", f->rel, slope, inter);
            break;
        }
        tmesh_dicom__convert_frame(px.samples, &fmt, s->frame, slope, inter,
                                   job->i16 ? job->i16 + (si - job->k_base) * job->slice_len
                                            : NULL,
                                   job->f32 ? job->f32 + (si - job->k_base) * job->slice_len
                                            : NULL,
                                   &job->overflow[w]);
    }
    tmesh_dcm_pixels_free(&px);
    return st;
}

/* ---- resampling (linear along the normal, bilinear in plane) ---- */

typedef struct resample_job {
    const float *stack;       /* input slices, F32 */
    float *out;
    const dcm_plan *plan;
    size_t cols, rows;
    float pad;
} resample_job;

static float sample_bilinear(const float *sl, size_t cols, size_t rows, double u, double v,
                             float pad)
{
    if (u < -1e-9 || v < -1e-9 || u > (double)(cols - 1) + 1e-9 || v > (double)(rows - 1) + 1e-9)
        return pad;
    double fu = floor(u), fv = floor(v);
    size_t i0 = (size_t)fmax(fu, 0.0), j0 = (size_t)fmax(fv, 0.0);
    size_t i1 = i0 + 1 < cols ? i0 + 1 : i0, j1 = j0 + 1 < rows ? j0 + 1 : j0;
    double a = u - (double)i0, b = v - (double)j0;
    if (a < 0)
        a = 0;
    if (b < 0)
        b = 0;
    double v00 = sl[i0 + cols * j0], v10 = sl[i1 + cols * j0];
    double v01 = sl[i0 + cols * j1], v11 = sl[i1 + cols * j1];
    return (float)((v00 * (1 - a) + v10 * a) * (1 - b) + (v01 * (1 - a) + v11 * a) * b);
}

static tmesh_status resample_slice(size_t k, void *user, tmesh_error *err)
{
    (void)err;
    resample_job *job = user;
    const dcm_plan *p = job->plan;
    size_t n = job->cols * job->rows;
    size_t lo = p->lo[k], hi = p->hi[k];
    double w = p->w[k];
    const float *a = job->stack + lo * n, *b = job->stack + hi * n;
    float *o = job->out + k * n;
    for (size_t j = 0; j < job->rows; j++)
        for (size_t i = 0; i < job->cols; i++) {
            float va = sample_bilinear(a, job->cols, job->rows, (double)i + p->shift[2 * lo],
                                       (double)j + p->shift[2 * lo + 1], job->pad);
            float vb = w > 0 ? sample_bilinear(b, job->cols, job->rows,
                                               (double)i + p->shift[2 * hi],
                                               (double)j + p->shift[2 * hi + 1], job->pad)
                             : va;
            o[i + job->cols * j] = (float)((1.0 - w) * va + w * vb);
        }
    return TMESH_OK;
}

/* ---- manifest ---- */

void tmesh_dicom_manifest_free(tmesh_dicom_manifest *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->n_sources; i++)
        free(m->sources[i].path);
    free(m->sources);
    free(m->json);
    free(m);
}

static json_t *matrix_json(const double m[4][4])
{
    json_t *rows = json_array();
    for (int r = 0; r < 4; r++) {
        json_t *row = json_array();
        for (int c = 0; c < 4; c++)
            json_array_append_new(row, json_real(m[r][c] == 0.0 ? 0.0 : m[r][c]));
        json_array_append_new(rows, row);
    }
    return rows;
}

static tmesh_status build_manifest(tmesh_dicom_manifest **out, const tmesh_dicom_index *idx,
                                   const dcm_series *se, const dcm_slice *sl, const load_job *job,
                                   const tmesh_volume *vol, const dcm_plan *plan,
                                   tmesh_error *err)
{
    tmesh_dicom_manifest *m = calloc(1, sizeof *m);
    if (m == NULL)
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for the manifest");
    m->sources = calloc(se->count + 1, sizeof *m->sources);
    if (m->sources == NULL) {
        free(m);
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for the manifest");
    }
    m->n_sources = se->count;
    const tmesh_dicom_series_info *in = &se->info;
    snprintf(m->study_uid, sizeof m->study_uid, "%s", in->study_uid);
    snprintf(m->series_uid, sizeof m->series_uid, "%s", in->series_uid);
    snprintf(m->frame_of_reference_uid, sizeof m->frame_of_reference_uid, "%s",
             in->frame_of_reference_uid);
    snprintf(m->modality, sizeof m->modality, "%s", in->modality);
    memcpy(m->dim, vol->dim, sizeof m->dim);
    memcpy(m->ijk_to_lps, vol->ijk_to_lps, sizeof m->ijk_to_lps);

    json_t *root = json_object(), *files = json_array();
    tmesh_status st = TMESH_OK;
    for (size_t w = 0; w < job->n_work && st == TMESH_OK; w++) {
        const file_work *fw = &job->work[w];
        for (size_t k = 0; k < fw->n_slots; k++) {
            size_t si = job->slot_slice[fw->first_slot + k];
            tmesh_dicom_source *src = &m->sources[si];
            const dcm_file *f = &idx->files[sl[si].file];
            src->path = strdup(f->rel);
            if (src->path == NULL) {
                st = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for the manifest");
                break;
            }
            memcpy(src->sha256, job->sha[w], 65);
            snprintf(src->sop_instance_uid, sizeof src->sop_instance_uid, "%s",
                     f->hdr.sop_instance_uid);
            snprintf(src->sop_class_uid, sizeof src->sop_class_uid, "%s", f->hdr.sop_class_uid);
            src->frame = sl[si].frame;
            if (sl[si].geo.has_ipp)
                memcpy(src->position, sl[si].geo.ipp, sizeof src->position);
        }
    }
    for (size_t si = 0; si < se->count && st == TMESH_OK; si++) {
        const tmesh_dicom_source *src = &m->sources[si];
        json_t *o = json_object();
        json_object_set_new(o, "path", json_string(src->path));
        json_object_set_new(o, "sha256", json_string(src->sha256));
        json_object_set_new(o, "sop_instance_uid", json_string(src->sop_instance_uid));
        json_object_set_new(o, "sop_class_uid", json_string(src->sop_class_uid));
        json_object_set_new(o, "frame", json_integer(src->frame));
        if (sl[si].geo.has_ipp) {
            json_t *pos = json_array();
            for (int a = 0; a < 3; a++)
                json_array_append_new(pos, json_real(src->position[a]));
            json_object_set_new(o, "position", pos);
        }
        json_array_append_new(files, o);
    }
    json_object_set_new(root, "format", json_string("tracemesh.source-manifest/1"));
    json_object_set_new(root, "study_uid", json_string(m->study_uid));
    json_object_set_new(root, "series_uid", json_string(m->series_uid));
    json_object_set_new(root, "frame_of_reference_uid", json_string(m->frame_of_reference_uid));
    json_object_set_new(root, "modality", json_string(m->modality));
    json_object_set_new(root, "transfer_syntax", json_string(in->transfer_syntax));
    json_object_set_new(root, "stack", json_integer(in->stack));
    json_t *dim = json_array();
    for (int a = 0; a < 3; a++)
        json_array_append_new(dim, json_integer((json_int_t)vol->dim[a]));
    json_object_set_new(root, "dim", dim);
    json_object_set_new(root, "ijk_to_lps", matrix_json(vol->ijk_to_lps));
    json_object_set_new(root, "value_type", json_string(tmesh_voxel_type_name(vol->type)));
    json_object_set_new(root, "resampled", json_boolean(plan->resample));
    json_object_set_new(root, "warnings", json_string(plan->warning_text));
    json_object_set_new(root, "files", files);
    /* Canonical form: sorted keys, compact, every double printed in full precision. */
    m->json = json_dumps(root, JSON_SORT_KEYS | JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(root);
    if (st == TMESH_OK && m->json == NULL)
        st = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for the manifest JSON");
    if (st != TMESH_OK) {
        tmesh_dicom_manifest_free(m);
        return st;
    }
    *out = m;
    return TMESH_OK;
}

/* ---- the load ---- */

static tmesh_status check_opts(const tmesh_dicom_load_opts *o, tmesh_error *err)
{
    if (o->max_bytes < 1)
        return tmesh_error_set(err, TMESH_E_ARG, "max_bytes must be at least 1 (got %llu)",
                               (unsigned long long)o->max_bytes);
    if (o->resample_mm != 0.0 && !(o->resample_mm > 0.01 && o->resample_mm <= 100.0))
        return tmesh_error_set(err, TMESH_E_ARG,
                               "resample_mm %g is out of range: 0 (median gap) or 0.01 to 100 mm",
                               o->resample_mm);
    if (o->tilt != TMESH_DICOM_TILT_KEEP && o->tilt != TMESH_DICOM_TILT_RESAMPLE)
        return tmesh_error_set(err, TMESH_E_ARG, "tilt mode %d is unknown", (int)o->tilt);
    if (o->assume != TMESH_DICOM_ASSUME_NONE && o->assume != TMESH_DICOM_ASSUME_AXIAL)
        return tmesh_error_set(err, TMESH_E_ARG, "assume mode %d is unknown", (int)o->assume);
    if (o->threads > 1024)
        return tmesh_error_set(err, TMESH_E_ARG, "threads %u is out of range (0 to 1024)",
                               o->threads);
    return TMESH_OK;
}

static int cmp_work(const void *a, const void *b, void *ctx)
{
    const file_work *x = a, *y = b;
    (void)ctx;
    return x->file < y->file ? -1 : x->file > y->file;
}

/* Decode the job's n_work files into its i16 or f32 output; *over is set when an int16 output
 * could not hold a value (the caller decodes again as float). */
static tmesh_status decode_all(load_job *job, const tmesh_dicom_load_opts *opts,
                               tmesh_progress_fn progress, int *over, tmesh_error *err)
{
    memset(job->overflow, 0, job->n_work * sizeof *job->overflow);
    tmesh_status st = tmesh_parallel_for(job->n_work, opts->threads, decode_file, job, progress,
                                         "decoding", opts->progress_user, err);
    *over = 0;
    for (size_t w = 0; w < job->n_work; w++)
        *over |= job->overflow[w];
    return st;
}

static int cmp_work_slice(const void *a, const void *b, void *ctx)
{
    const file_work *x = a, *y = b;
    const size_t *slot_slice = ctx;
    size_t p = slot_slice[x->first_slot], q = slot_slice[y->first_slot];
    return p < q ? -1 : p > q;
}

#define STREAM_RUN 16 /* slices decoded at a time when streaming: fixed, never per core */

/* Decode a stack of single-slice files run by run, in slice order, handing each run to `fn`.
 * A run is int16 like the whole volume would be, or float when the rescale is not integral or
 * a value of the run leaves int16 (the same values the whole-volume load gives). */
static tmesh_status stream_runs(load_job *job, const dcm_plan *plan, int integral,
                                const tmesh_dicom_load_opts *opts, tmesh_dicom_slices_fn fn,
                                void *user, tmesh_error *err)
{
    size_t n = job->n_sl;
    tmesh_status st = tmesh_sort(job->work, job->n_work, sizeof *job->work, cmp_work_slice,
                                 job->slot_slice, err);
    if (st != TMESH_OK)
        return st;
    size_t run_dim[3] = {plan->dim[0], plan->dim[1], n < STREAM_RUN ? n : STREAM_RUN};
    tmesh_volume *i16 = NULL, *f32 = NULL;
    if (integral && (st = tmesh_volume_new(&i16, run_dim, TMESH_VOXEL_I16, err)) != TMESH_OK)
        return st;
    for (size_t k0 = 0; k0 < n && st == TMESH_OK; k0 += STREAM_RUN) {
        size_t len = n - k0 < STREAM_RUN ? n - k0 : STREAM_RUN;
        load_job sub = *job;
        sub.work = job->work + k0; /* one file per slice, sorted by slice */
        sub.n_work = len;
        sub.sha = job->sha + k0;
        sub.overflow = job->overflow + k0;
        sub.k_base = k0;
        tmesh_volume *out = NULL;
        for (int attempt = integral ? 0 : 1; attempt < 2; attempt++) {
            if (attempt == 1 && f32 == NULL &&
                (st = tmesh_volume_new(&f32, run_dim, TMESH_VOXEL_F32, err)) != TMESH_OK)
                break;
            out = attempt == 0 ? i16 : f32;
            sub.i16 = attempt == 0 ? out->data : NULL;
            sub.f32 = attempt == 0 ? NULL : out->data;
            int over;
            st = decode_all(&sub, opts, NULL, &over, err);
            if (st != TMESH_OK || !over)
                break;
        }
        if (st != TMESH_OK)
            break;
        memcpy(out->ijk_to_lps, plan->ijk_to_lps, sizeof out->ijk_to_lps);
        size_t keep = out->dim[2];
        out->dim[2] = len;
        st = fn(out, k0, n, user, err);
        out->dim[2] = keep;
        if (opts->progress)
            opts->progress("decoding", (double)(k0 + len) / (double)n, opts->progress_user);
    }
    tmesh_volume_free(i16);
    tmesh_volume_free(f32);
    return st;
}

static tmesh_status load_series(tmesh_volume **vol_out, tmesh_dicom_manifest **manifest_out,
                                const tmesh_dicom_index *idx, size_t series,
                                const tmesh_dicom_load_opts *opts, tmesh_dicom_slices_fn sfn,
                                void *suser, tmesh_error *err)
{
    TMESH_ASSERT((vol_out != NULL) != (sfn != NULL) && idx != NULL);
    if (vol_out)
        *vol_out = NULL;
    if (manifest_out)
        *manifest_out = NULL;
    tmesh_dicom_load_opts defaults = TMESH_DICOM_LOAD_OPTS_INIT;
    if (opts == NULL)
        opts = &defaults;
    tmesh_status st = check_opts(opts, err);
    if (st != TMESH_OK)
        return st;
    if (series >= idx->n_series)
        return tmesh_error_set(err, idx->n_series ? TMESH_E_ARG : TMESH_E_NOTFOUND,
                               "series %zu does not exist (the scan found %zu)", series + 1,
                               idx->n_series);
    const dcm_series *se = &idx->series[series];
    const dcm_slice *sl = idx->slices + se->first;
    const tmesh_dcm_header *h0 = &idx->files[sl[0].file].hdr;

    dcm_plan plan;
    st = tmesh_dicom__plan(&plan, sl, se->count, h0->rows, h0->columns, idx->files, opts, 0, err);
    if (st != TMESH_OK) {
        tmesh_dicom__plan_free(&plan);
        return st;
    }
    if (plan.warning_text[0])
        tmesh_log(TMESH_LOG_WARN, "series %zu: %s", series + 1, plan.warning_text);

    /* Integer rescale everywhere: try int16 (most CT and MR), else float. */
    int integral = 1;
    for (size_t i = 0; i < se->count; i++)
        if (sl[i].geo.has_rescale &&
            (sl[i].geo.slope != floor(sl[i].geo.slope) ||
             sl[i].geo.intercept != floor(sl[i].geo.intercept)))
            integral = 0;
    size_t slice_len = (size_t)h0->rows * (size_t)h0->columns;
    /* Streamed: every slice from a file of its own, no resampling (else: loaded whole). */
    int streamed = sfn != NULL && !plan.resample;
    for (size_t i = 0; streamed && i < se->count; i++)
        streamed = idx->files[sl[i].file].hdr.n_frames == 1 &&
                   (i == 0 || sl[i].file != sl[i - 1].file);
    /* The memory cap is checked before anything large is allocated. */
    double out_bytes = (double)plan.dim[0] * (double)plan.dim[1] * (double)plan.dim[2] *
                       (plan.resample || !integral ? 4.0 : 2.0);
    double stack_bytes = plan.resample ? (double)slice_len * (double)se->count * 4.0 : 0.0;
    if (!streamed && out_bytes + stack_bytes > (double)opts->max_bytes) {
        tmesh_error_set(err, TMESH_E_NOMEM,
                               "%s: series %zu needs %.0f MiB (%zu x %zu x %zu%s), over the "
                               "memory cap of %.0f MiB (raise it with --max-memory)",
                               idx->files[sl[0].file].rel, series + 1,
                               (out_bytes + stack_bytes) / 1048576.0, plan.dim[0], plan.dim[1],
                               plan.dim[2], plan.resample ? ", resampled" : "",
                               (double)opts->max_bytes / 1048576.0);
        tmesh_dicom__plan_free(&plan);
        return TMESH_E_NOMEM;
    }

    /* Work items: one per file, holding the slices it contributes. */
    load_job job;
    memset(&job, 0, sizeof job);
    job.idx = idx;
    job.sl = sl;
    job.n_sl = se->count;
    job.slice_len = slice_len;
    job.keep_ct_values = strcmp(h0->modality, "CT") == 0;
    job.hash = manifest_out != NULL;
    job.work = calloc(se->count + 1, sizeof *job.work);
    job.slot_slice = calloc(se->count + 1, sizeof *job.slot_slice);
    size_t *tmp = calloc(se->count + 1, sizeof *tmp);
    if (job.work == NULL || job.slot_slice == NULL || tmp == NULL) {
        st = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory");
        goto done;
    }
    /* Order slices by (file, frame) to group them, then build the work list. */
    for (size_t i = 0; i < se->count; i++)
        tmp[i] = i;
    for (size_t i = 1; i < se->count; i++) { /* insertion sort is fine: mostly sorted input */
        size_t v = tmp[i], k = i;
        while (k > 0 && (sl[tmp[k - 1]].file > sl[v].file ||
                         (sl[tmp[k - 1]].file == sl[v].file && sl[tmp[k - 1]].frame > sl[v].frame))) {
            tmp[k] = tmp[k - 1];
            k--;
        }
        tmp[k] = v;
    }
    for (size_t i = 0; i < se->count; i++) {
        job.slot_slice[i] = tmp[i];
        if (job.n_work == 0 || job.work[job.n_work - 1].file != sl[tmp[i]].file) {
            job.work[job.n_work].file = sl[tmp[i]].file;
            job.work[job.n_work].first_slot = i;
            job.n_work++;
        }
        job.work[job.n_work - 1].n_slots++;
    }
    st = tmesh_sort(job.work, job.n_work, sizeof *job.work, cmp_work, NULL, err);
    if (st != TMESH_OK)
        goto done;
    job.sha = calloc(job.n_work + 1, sizeof *job.sha);
    job.overflow = calloc(job.n_work + 1, sizeof *job.overflow);
    if (job.sha == NULL || job.overflow == NULL) {
        st = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory");
        goto done;
    }

    if (streamed) {
        for (size_t w = 0; w < job.n_work; w++) /* a file per slice (checked above) */
            TMESH_ASSERT(job.work[w].n_slots == 1);
        st = stream_runs(&job, &plan, integral, opts, sfn, suser, err);
        goto done;
    }
    size_t stack_dim[3] = {(size_t)h0->columns, (size_t)h0->rows, se->count};
    tmesh_volume *stack = NULL;
    int use_i16 = integral && !plan.resample;
    for (int attempt = 0; attempt < 2; attempt++) {
        st = tmesh_volume_new(&stack, stack_dim, use_i16 ? TMESH_VOXEL_I16 : TMESH_VOXEL_F32, err);
        if (st != TMESH_OK)
            goto done;
        job.i16 = use_i16 ? stack->data : NULL;
        job.f32 = use_i16 ? NULL : stack->data;
        int over;
        st = decode_all(&job, opts, opts->progress, &over, err);
        if (st != TMESH_OK) {
            tmesh_volume_free(stack);
            goto done;
        }
        if (!(use_i16 && over))
            break;
        /* A value outside int16: decode again as float (the result depends only on data). */
        tmesh_volume_free(stack);
        stack = NULL;
        use_i16 = 0;
        double need = (double)slice_len * (double)se->count * 4.0;
        if (need > (double)opts->max_bytes) {
            st = tmesh_error_set(err, TMESH_E_NOMEM,
                                 "%s: series %zu needs %.0f MiB as float values, over the memory "
                                 "cap of %.0f MiB",
                                 idx->files[sl[0].file].rel, series + 1, need / 1048576.0,
                                 (double)opts->max_bytes / 1048576.0);
            goto done;
        }
    }

    tmesh_volume *vol = stack;
    if (plan.resample) {
        st = tmesh_volume_new(&vol, plan.dim, TMESH_VOXEL_F32, err);
        if (st != TMESH_OK) {
            tmesh_volume_free(stack);
            goto done;
        }
        double lo, hi;
        tmesh_volume_range(stack, &lo, &hi);
        resample_job rj = {stack->data, vol->data, &plan, plan.dim[0], plan.dim[1], (float)lo};
        st = tmesh_parallel_for(plan.dim[2], opts->threads, resample_slice, &rj, opts->progress,
                                "resampling", opts->progress_user, err);
        tmesh_volume_free(stack);
        if (st != TMESH_OK) {
            tmesh_volume_free(vol);
            goto done;
        }
    }
    memcpy(vol->ijk_to_lps, plan.ijk_to_lps, sizeof vol->ijk_to_lps);
    if (manifest_out) {
        st = build_manifest(manifest_out, idx, se, sl, &job, vol, &plan, err);
        if (st != TMESH_OK) {
            tmesh_volume_free(vol);
            goto done;
        }
    }
    if (sfn != NULL) { /* cannot be streamed: the whole volume as one run */
        st = sfn(vol, 0, vol->dim[2], suser, err);
        tmesh_volume_free(vol);
        if (manifest_out && st != TMESH_OK) {
            tmesh_dicom_manifest_free(*manifest_out);
            *manifest_out = NULL;
        }
        goto done;
    }
    *vol_out = vol;
done:
    free(tmp);
    free(job.work);
    free(job.slot_slice);
    free(job.sha);
    free(job.overflow);
    tmesh_dicom__plan_free(&plan);
    return st;
}

tmesh_status tmesh_dicom_load(tmesh_volume **vol_out, tmesh_dicom_manifest **manifest_out,
                              const tmesh_dicom_index *idx, size_t series,
                              const tmesh_dicom_load_opts *opts, tmesh_error *err)
{
    tmesh_status st = load_series(vol_out, manifest_out, idx, series, opts, NULL, NULL, err);
    /* Which stack failed, in front of the file and reason (argument errors name themselves). */
    if (st != TMESH_OK && st != TMESH_E_ARG && st != TMESH_E_NOTFOUND)
        tmesh_error_context(err, "series %zu", series + 1);
    return st;
}

tmesh_status tmesh_dicom_load_streamed(const tmesh_dicom_index *idx, size_t series,
                                       const tmesh_dicom_load_opts *opts,
                                       tmesh_dicom_slices_fn fn, void *user, tmesh_error *err)
{
    TMESH_ASSERT(fn != NULL);
    tmesh_status st = load_series(NULL, NULL, idx, series, opts, fn, user, err);
    if (st != TMESH_OK && st != TMESH_E_ARG && st != TMESH_E_NOTFOUND)
        tmesh_error_context(err, "series %zu", series + 1);
    return st;
}
