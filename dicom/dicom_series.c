/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Grouping: image files become slices (one per frame), copies of one SOP instance are dropped,
 * and slices are grouped into series stacks by SeriesInstanceUID, then split by orientation,
 * image size, pixel spacing, echo, stack and temporal position, so that each stack can be one
 * volume. Each stack is ordered along its normal and summarised without patient identifiers.
 */
#define _POSIX_C_SOURCE 200809L
#include "dicom_int.h"

#include <math.h>
#include <string.h>

static const struct {
    const char *uid, *name;
} syntax_names[] = {
    {"1.2.840.10008.1.2", "Implicit VR Little Endian"},
    {"1.2.840.10008.1.2.1", "Explicit VR Little Endian"},
    {"1.2.840.10008.1.2.1.99", "Deflated Explicit VR LE"},
    {"1.2.840.10008.1.2.2", "Explicit VR Big Endian"},
    {"1.2.840.10008.1.2.4.50", "JPEG Baseline"},
    {"1.2.840.10008.1.2.4.51", "JPEG Extended"},
    {"1.2.840.10008.1.2.4.57", "JPEG Lossless"},
    {"1.2.840.10008.1.2.4.70", "JPEG Lossless SV1"},
    {"1.2.840.10008.1.2.4.80", "JPEG-LS Lossless"},
    {"1.2.840.10008.1.2.4.81", "JPEG-LS Near-lossless"},
    {"1.2.840.10008.1.2.4.90", "JPEG 2000 Lossless"},
    {"1.2.840.10008.1.2.4.91", "JPEG 2000"},
    {"1.2.840.10008.1.2.5", "RLE Lossless"},
};

static const char *syntax_name(const char *uid)
{
    for (size_t i = 0; i < sizeof syntax_names / sizeof syntax_names[0]; i++)
        if (strcmp(uid, syntax_names[i].uid) == 0)
            return syntax_names[i].name;
    return uid[0] ? "other" : "unknown";
}

static int add_skip(tmesh_dicom_index *idx, const char *path, const char *reason)
{
    char **np = realloc(idx->skip_path, (idx->n_skipped + 1) * sizeof *np);
    if (np == NULL)
        return -1;
    idx->skip_path = np;
    char **nr = realloc(idx->skip_reason, (idx->n_skipped + 1) * sizeof *nr);
    if (nr == NULL)
        return -1;
    idx->skip_reason = nr;
    np[idx->n_skipped] = strdup(path);
    nr[idx->n_skipped] = strdup(reason);
    if (np[idx->n_skipped] == NULL || nr[idx->n_skipped] == NULL) {
        free(np[idx->n_skipped]);
        free(nr[idx->n_skipped]);
        return -1;
    }
    idx->n_skipped++;
    return 0;
}

static int cmp_file_uid(const void *a, const void *b, const dcm_file *files)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    int c = strcmp(files[x].hdr.sop_instance_uid, files[y].hdr.sop_instance_uid);
    if (c != 0)
        return c;
    return strcmp(files[x].rel, files[y].rel);
}

static int cmp_file_uid_q(const void *a, const void *b, void *ctx)
{
    return cmp_file_uid(a, b, ctx);
}

/* Does slice `s` belong with the stack whose first slice is `r`? */
static int same_stack(const dcm_file *files, const dcm_slice *s, const dcm_slice *r)
{
    const tmesh_dcm_header *a = &files[s->file].hdr, *b = &files[r->file].hdr;
    if (strcmp(a->series_uid, b->series_uid) != 0 || a->rows != b->rows ||
        a->columns != b->columns || a->bits_allocated != b->bits_allocated ||
        a->echo_number != b->echo_number)
        return 0;
    if (s->geo.stack_id != r->geo.stack_id || s->geo.temporal_index != r->geo.temporal_index)
        return 0;
    if (s->geo.has_iop != r->geo.has_iop || s->geo.has_spacing != r->geo.has_spacing ||
        s->geo.has_ipp != r->geo.has_ipp)
        return 0;
    if (s->geo.has_iop)
        for (int i = 0; i < 6; i++)
            if (fabs(s->geo.iop[i] - r->geo.iop[i]) > 1e-3)
                return 0;
    if (s->geo.has_spacing)
        for (int i = 0; i < 2; i++)
            if (fabs(s->geo.spacing[i] - r->geo.spacing[i]) > 1e-4 * fmax(1.0, r->geo.spacing[i]))
                return 0;
    return 1;
}

static int cmp_series(const void *pa, const void *pb, void *ctx)
{
    (void)ctx;
    const dcm_series *a = pa, *b = pb;
    if (a->info.series_number != b->info.series_number)
        return a->info.series_number < b->info.series_number ? -1 : 1;
    int c = strcmp(a->info.series_uid, b->info.series_uid);
    if (c != 0)
        return c;
    return a->info.stack < b->info.stack ? -1 : a->info.stack > b->info.stack;
}

static void summarise(tmesh_dicom_index *idx, dcm_series *se)
{
    tmesh_dicom_series_info *in = &se->info;
    dcm_slice *sl = idx->slices + se->first;
    const tmesh_dcm_header *h = &idx->files[sl[0].file].hdr;
    snprintf(in->modality, sizeof in->modality, "%s", h->modality);
    snprintf(in->description, sizeof in->description, "%s", h->description);
    snprintf(in->series_uid, sizeof in->series_uid, "%s", h->series_uid);
    snprintf(in->study_uid, sizeof in->study_uid, "%s", h->study_uid);
    snprintf(in->frame_of_reference_uid, sizeof in->frame_of_reference_uid, "%s",
             h->frame_of_reference_uid);
    snprintf(in->transfer_syntax, sizeof in->transfer_syntax, "%s", h->transfer_syntax);
    snprintf(in->transfer_syntax_name, sizeof in->transfer_syntax_name, "%s",
             syntax_name(h->transfer_syntax));
    snprintf(in->manufacturer, sizeof in->manufacturer, "%s", h->manufacturer);
    in->series_number = h->series_number;
    in->n_slices = se->count;
    in->dim[0] = (size_t)h->columns;
    in->dim[1] = (size_t)h->rows;
    in->dim[2] = se->count;
    snprintf(in->orientation, sizeof in->orientation, "%s",
             sl[0].geo.has_iop ? tmesh_dicom__orientation_label(sl[0].geo.iop) : "none");
    if (sl[0].geo.has_spacing) {
        in->spacing[0] = sl[0].geo.spacing[1];
        in->spacing[1] = sl[0].geo.spacing[0];
    }
    int rescale_varies = 0;
    for (size_t i = 0; i < se->count; i++) {
        if (sl[i].geo.has_rescale != sl[0].geo.has_rescale || sl[i].geo.slope != sl[0].geo.slope ||
            sl[i].geo.intercept != sl[0].geo.intercept)
            rescale_varies = 1;
        if (strcmp(idx->files[sl[i].file].hdr.transfer_syntax, h->transfer_syntax) != 0)
            snprintf(in->transfer_syntax_name, sizeof in->transfer_syntax_name, "mixed");
    }
    /* Distinct files (the frames of one multi-frame file share it). */
    unsigned char *seen = calloc(idx->n_files + 1, 1);
    for (size_t i = 0; seen != NULL && i < se->count; i++) {
        in->n_files += !seen[sl[i].file];
        seen[sl[i].file] = 1;
    }
    free(seen);

    /* Geometry warnings: plan leniently (resampling allowed) to collect them all. */
    tmesh_dicom_load_opts lenient = TMESH_DICOM_LOAD_OPTS_INIT;
    lenient.resample = 1;
    lenient.assume = TMESH_DICOM_ASSUME_AXIAL;
    dcm_plan plan;
    tmesh_error e = TMESH_ERROR_INIT;
    tmesh_status planned =
        tmesh_dicom__plan(&plan, sl, se->count, h->rows, h->columns, idx->files, &lenient, 1, &e);
    if (planned == TMESH_OK) {
        in->warnings |= plan.warnings;
        in->spacing[2] = plan.median_gap;
        in->gantry_tilt_deg = plan.warnings & TMESH_DICOM_W_TILT ? plan.tilt_deg : 0.0;
        if (plan.warning_text[0])
            tmesh_dicom__warning_append(in->warning_text, sizeof in->warning_text, "%s",
                                        plan.warning_text);
    } else {
        in->warnings |= plan.warnings;
        tmesh_dicom__warning_append(in->warning_text, sizeof in->warning_text, "%s", e.msg);
    }
    tmesh_dicom__plan_free(&plan);
    if (rescale_varies) {
        in->warnings |= TMESH_DICOM_W_RESCALE_VARIES;
        tmesh_dicom__warning_append(in->warning_text, sizeof in->warning_text,
                                    "rescale slope/intercept differ between slices (applied per "
                                    "slice)");
    }
    if (strcmp(h->photometric, "MONOCHROME1") == 0) {
        in->warnings |= TMESH_DICOM_W_MONOCHROME1;
        tmesh_dicom__warning_append(in->warning_text, sizeof in->warning_text,
                                    strcmp(h->modality, "CT") == 0
                                        ? "MONOCHROME1 (CT values kept as HU)"
                                        : "MONOCHROME1 (grey scale inverted to MONOCHROME2)");
    }
}

tmesh_status tmesh_dicom__group(tmesh_dicom_index *idx, tmesh_error *err)
{
    /* 1. Copies of one SOP instance (the same image exported twice): keep the first by path. */
    size_t n = idx->n_files;
    size_t *ord = malloc((n + 1) * sizeof *ord);
    char *drop = calloc(n + 1, 1);
    if (ord == NULL || drop == NULL) {
        free(ord);
        free(drop);
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory grouping %zu files", n);
    }
    for (size_t i = 0; i < n; i++)
        ord[i] = i;
    if (tmesh_sort(ord, n, sizeof *ord, cmp_file_uid_q, idx->files, err) != TMESH_OK) {
        free(ord);
        free(drop);
        return TMESH_E_NOMEM;
    }
    for (size_t i = 1; i < n; i++) {
        const dcm_file *a = &idx->files[ord[i - 1]], *b = &idx->files[ord[i]];
        if (b->hdr.sop_instance_uid[0] &&
            strcmp(a->hdr.sop_instance_uid, b->hdr.sop_instance_uid) == 0) {
            /* ord is sorted by (uid, path): the kept copy is the first of its run */
            size_t k = i;
            while (k > 0 && drop[ord[k - 1]])
                k--;
            char reason[600];
            snprintf(reason, sizeof reason, "same SOP Instance UID as %s (copy ignored)",
                     idx->files[ord[k - 1]].rel);
            drop[ord[i]] = 1;
            if (add_skip(idx, b->rel, reason) != 0) {
                free(ord);
                free(drop);
                return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory");
            }
        }
    }
    free(ord);

    /* 2. Slices: one per frame. */
    size_t n_slices = 0;
    for (size_t i = 0; i < n; i++)
        if (!drop[i])
            n_slices += idx->files[i].hdr.n_frames;
    dcm_slice *all = calloc(n_slices + 1, sizeof *all);
    size_t *group = calloc(n_slices + 1, sizeof *group);
    size_t *rep = calloc(n_slices + 1, sizeof *rep); /* first slice of each group */
    if (all == NULL || group == NULL || rep == NULL) {
        free(all);
        free(group);
        free(rep);
        free(drop);
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for %zu slices", n_slices);
    }
    size_t s = 0;
    for (size_t i = 0; i < n; i++) {
        if (drop[i])
            continue;
        tmesh_dcm_header *h = &idx->files[i].hdr;
        for (uint32_t f = 0; f < h->n_frames; f++, s++) {
            all[s].file = i;
            all[s].frame = f;
            all[s].geo = h->enhanced && h->frames ? h->frames[f] : h->shared;
        }
        tmesh_dcm_header_free(h); /* per-frame geometry now lives in the slices */
    }
    free(drop);

    /* 3. Groups, in order of first appearance (files are in sorted path order). */
    size_t n_groups = 0;
    for (size_t i = 0; i < n_slices; i++) {
        size_t g = 0;
        for (; g < n_groups; g++)
            if (same_stack(idx->files, &all[i], &all[rep[g]]))
                break;
        if (g == n_groups)
            rep[n_groups++] = i;
        group[i] = g;
    }
    idx->series = calloc(n_groups + 1, sizeof *idx->series);
    idx->slices = calloc(n_slices + 1, sizeof *idx->slices);
    if (idx->series == NULL || idx->slices == NULL) {
        free(all);
        free(group);
        free(rep);
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for %zu series", n_groups);
    }
    size_t at = 0;
    for (size_t g = 0; g < n_groups; g++) {
        dcm_series *se = &idx->series[g];
        se->first = at;
        for (size_t i = 0; i < n_slices; i++)
            if (group[i] == g)
                idx->slices[at++] = all[i];
        se->count = at - se->first;
        /* stack number: how many earlier groups share this SeriesInstanceUID */
        for (size_t k = 0; k < g; k++)
            if (strcmp(idx->files[all[rep[k]].file].hdr.series_uid,
                       idx->files[all[rep[g]].file].hdr.series_uid) == 0)
                se->info.stack++;
        tmesh_dicom__sort_slices(idx->slices + se->first, se->count, idx->files);
    }
    idx->n_slices = n_slices;
    idx->n_series = n_groups;
    free(all);
    free(group);
    free(rep);
    for (size_t g = 0; g < n_groups; g++)
        summarise(idx, &idx->series[g]);
    return tmesh_sort(idx->series, n_groups, sizeof *idx->series, cmp_series, NULL, err);
}
