/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The way back into DICOM: a published mesh leaves as an Encapsulated STL object that sits in
 * its scan's study and frame of reference and names the images it was made from. This file
 * decides every attribute (the IOD's modules, PS3.3 A.85.1); dcmtk_bridge.cpp only encodes
 * them. Also the deterministic UIDs and the reading of a source file's SOP Class.
 */
#include "dicom_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- UIDs ---- */

void tmesh_dicom_uid_from_text(char out[65], const char *text)
{
    uint8_t d[32];
    tmesh_sha256_buf(text, strlen(text), d);
    /* PS3.5 B.2: "2.25." then the 128-bit value as an unsigned decimal without leading zeros.
     * Long division by 10^9 of four 32-bit big-endian limbs. */
    uint32_t limb[4];
    for (int i = 0; i < 4; i++)
        limb[i] = (uint32_t)d[4 * i] << 24 | (uint32_t)d[4 * i + 1] << 16 |
                  (uint32_t)d[4 * i + 2] << 8 | (uint32_t)d[4 * i + 3];
    uint32_t chunk[5]; /* base 10^9 digits, least significant first; 2^128 < 10^45 */
    int n_chunks = 0;
    for (;;) {
        int zero = 1;
        uint64_t rem = 0;
        for (int i = 0; i < 4; i++) {
            uint64_t cur = rem << 32 | limb[i];
            limb[i] = (uint32_t)(cur / 1000000000u);
            rem = cur % 1000000000u;
            if (limb[i] != 0)
                zero = 0;
        }
        chunk[n_chunks++] = (uint32_t)rem;
        if (zero)
            break;
    }
    int at = snprintf(out, 65, "2.25.%u", (unsigned)chunk[n_chunks - 1]);
    for (int i = n_chunks - 2; i >= 0 && at > 0 && at < 65; i--)
        at += snprintf(out + at, (size_t)(65 - at), "%09u", (unsigned)chunk[i]);
}

int tmesh_dicom_uid_valid(const char *uid)
{
    if (uid == NULL)
        return 0;
    size_t n = strlen(uid);
    if (n == 0 || n > 64)
        return 0;
    size_t comp = 0; /* length of the current component */
    for (size_t i = 0; i <= n; i++) {
        char c = uid[i];
        if (c == '.' || c == '\0') {
            if (comp == 0)
                return 0;
            comp = 0;
        } else if (c >= '0' && c <= '9') {
            /* PS3.5 9.1: a component of more than one digit does not start with 0. */
            if (comp == 1 && uid[i - 1] == '0')
                return 0;
            comp++;
        } else {
            return 0;
        }
    }
    return 1;
}

tmesh_status tmesh_dicom_file_ref(tmesh_dicom_instance_ref *out, char *sha256_out, const char *path,
                                  tmesh_error *err)
{
    TMESH_ASSERT(out != NULL && path != NULL);
    memset(out, 0, sizeof *out);
    uint8_t *buf = NULL;
    size_t len = 0;
    char hex[65];
    tmesh_status st = tmesh_dicom__read_file(&buf, &len, hex, path, err);
    if (st != TMESH_OK)
        return st;
    tmesh_dcm_header h;
    st = tmesh_dcmtk_read_header(&h, NULL, path, buf, len, err);
    free(buf);
    if (st != TMESH_OK)
        return st;
    snprintf(out->sop_class_uid, sizeof out->sop_class_uid, "%s", h.sop_class_uid);
    snprintf(out->sop_instance_uid, sizeof out->sop_instance_uid, "%s", h.sop_instance_uid);
    snprintf(out->series_uid, sizeof out->series_uid, "%s", h.series_uid);
    tmesh_dcm_header_free(&h);
    if (sha256_out != NULL)
        memcpy(sha256_out, hex, 65);
    return TMESH_OK;
}

/* ---- Encapsulated STL ---- */

/* Attributes being collected, in any order (DCMTK sorts them). */
typedef struct attr_list {
    tmesh_dcm_path_attr *a;
    size_t n, cap;
} attr_list;

static int add(attr_list *l, const char *path, const char *value)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        tmesh_dcm_path_attr *na = realloc(l->a, cap * sizeof *na);
        if (na == NULL)
            return 0;
        l->a = na;
        l->cap = cap;
    }
    tmesh_dcm_path_attr *a = &l->a[l->n++];
    a->path = path;
    a->value = value;
    a->bytes = NULL;
    a->len = 0;
    return 1;
}

static tmesh_status check_uid(const char *uid, const char *field, tmesh_error *err)
{
    if (uid == NULL || uid[0] == '\0')
        return tmesh_error_set(err, TMESH_E_ARG, "%s: missing", field);
    if (!tmesh_dicom_uid_valid(uid))
        return tmesh_error_set(err, TMESH_E_ARG, "%s: '%s' is not a valid DICOM UID", field, uid);
    return TMESH_OK;
}

static tmesh_status check_text(const char *s, size_t max, const char *field, tmesh_error *err)
{
    if (s == NULL)
        return TMESH_OK;
    size_t n = strlen(s);
    if (n > max)
        return tmesh_error_set(err, TMESH_E_ARG, "%s: %zu characters, at most %zu allowed", field,
                               n, max);
    /* The default character repertoire only (no Specific Character Set is written), and no
     * backslash: it separates values in the multi-valued VRs. */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c > 0x7e || c == '\\')
            return tmesh_error_set(err, TMESH_E_ARG,
                                   "%s: character 0x%02x at %zu is outside printable ASCII", field,
                                   c, i);
    }
    return TMESH_OK;
}

/* 1 when `stl` looks like an STL file: a binary one whose triangle count matches its length,
 * or an ASCII one. */
static int is_stl(const uint8_t *stl, size_t len)
{
    if (stl == NULL || len < 6)
        return 0;
    if (len >= 84) {
        uint32_t n = (uint32_t)stl[80] | (uint32_t)stl[81] << 8 | (uint32_t)stl[82] << 16 |
                     (uint32_t)stl[83] << 24;
        if ((uint64_t)84 + (uint64_t)50 * n == (uint64_t)len)
            return 1;
    }
    return memcmp(stl, "solid", 5) == 0 && (stl[5] == ' ' || stl[5] == '\n' || stl[5] == '\r');
}

static tmesh_status check_doc(const tmesh_dicom_stl_doc *doc, const uint8_t *stl, size_t len,
                              tmesh_error *err)
{
    tmesh_status st;
    if ((st = check_uid(doc->study_uid, "study_uid", err)) != TMESH_OK ||
        (st = check_uid(doc->frame_of_reference_uid, "frame_of_reference_uid", err)) != TMESH_OK ||
        (st = check_uid(doc->series_uid, "series_uid", err)) != TMESH_OK ||
        (st = check_uid(doc->sop_instance_uid, "sop_instance_uid", err)) != TMESH_OK)
        return st;
    if (doc->series_number < 0)
        return tmesh_error_set(err, TMESH_E_ARG, "series_number: %d is negative",
                               doc->series_number);
    if (doc->instance_number < 1)
        return tmesh_error_set(err, TMESH_E_ARG, "instance_number: %d is below 1",
                               doc->instance_number);
    if ((st = check_text(doc->series_description, 64, "series_description", err)) != TMESH_OK ||
        (st = check_text(doc->document_title, 1024, "document_title", err)) != TMESH_OK ||
        (st = check_text(doc->content_description, 64, "content_description", err)) != TMESH_OK ||
        (st = check_text(doc->software_versions, 64, "software_versions", err)) != TMESH_OK ||
        (st = check_text(doc->patient_name, 64, "patient_name", err)) != TMESH_OK ||
        (st = check_text(doc->patient_id, 64, "patient_id", err)) != TMESH_OK ||
        (st = check_text(doc->patient_birth_date, 8, "patient_birth_date", err)) != TMESH_OK ||
        (st = check_text(doc->patient_sex, 16, "patient_sex", err)) != TMESH_OK)
        return st;
    if (doc->datetime_utc != NULL) {
        const char *t = doc->datetime_utc;
        int ok = strlen(t) == 14;
        for (size_t i = 0; ok && i < 14; i++)
            ok = t[i] >= '0' && t[i] <= '9';
        if (!ok)
            return tmesh_error_set(err, TMESH_E_ARG, "datetime_utc: '%s' is not YYYYMMDDHHMMSS", t);
    }
    if (doc->n_sources > 0 && doc->sources == NULL)
        return tmesh_error_set(err, TMESH_E_ARG, "sources: NULL with n_sources %zu",
                               doc->n_sources);
    for (size_t i = 0; i < doc->n_sources; i++) {
        char field[64];
        snprintf(field, sizeof field, "sources[%zu].sop_class_uid", i);
        if ((st = check_uid(doc->sources[i].sop_class_uid, field, err)) != TMESH_OK)
            return st;
        snprintf(field, sizeof field, "sources[%zu].sop_instance_uid", i);
        if ((st = check_uid(doc->sources[i].sop_instance_uid, field, err)) != TMESH_OK)
            return st;
        snprintf(field, sizeof field, "sources[%zu].series_uid", i);
        if ((st = check_uid(doc->sources[i].series_uid, field, err)) != TMESH_OK)
            return st;
    }
    /* Encapsulated Document Length is a UL and the value an OB of even padded length. */
    if (!is_stl(stl, len) || len > 0xfffffffcu)
        return tmesh_error_set(err, TMESH_E_ARG,
                               "stl: %zu bytes that are not a binary or ASCII STL file", len);
    return TMESH_OK;
}

tmesh_status tmesh_dicom_write_stl(const char *path, const tmesh_dicom_stl_doc *doc,
                                   const uint8_t *stl, size_t len, tmesh_error *err)
{
    TMESH_ASSERT(path != NULL && doc != NULL);
    tmesh_status st = check_doc(doc, stl, len, err);
    if (st != TMESH_OK)
        return st;
    attr_list l = {NULL, 0, 0};
    /* Item paths of the Source Instance Sequence and the Referenced Series Sequence: at most
     * five per source, built once. */
    typedef char item_path[48];
    item_path *paths = doc->n_sources ? calloc(5 * doc->n_sources, sizeof *paths) : NULL;
    size_t n_paths = 0;
    char series_no[16], instance_no[16], length[16], date[9], time[7];
    snprintf(series_no, sizeof series_no, "%d", doc->series_number);
    snprintf(instance_no, sizeof instance_no, "%d", doc->instance_number);
    snprintf(length, sizeof length, "%zu", len);
    if (doc->datetime_utc != NULL) {
        memcpy(date, doc->datetime_utc, 8);
        date[8] = '\0';
        memcpy(time, doc->datetime_utc + 8, 6);
        time[6] = '\0';
    }
    const char *d = doc->datetime_utc ? date : NULL, *t = doc->datetime_utc ? time : NULL;
    int ok = doc->n_sources == 0 || paths != NULL;
    /* SOP Common (C.12.1). Creation time and zone only when the caller gave one: the same
     * inputs must give the same bytes, so nothing here reads the clock. */
    ok = ok && add(&l, "0008,0016", TMESH_DICOM_ENCAPSULATED_STL_CLASS) &&
         add(&l, "0008,0018", doc->sop_instance_uid);
    if (d != NULL)
        ok = ok && add(&l, "0008,0012", d) && add(&l, "0008,0013", t) &&
             add(&l, "0008,0201", "+0000");
    /* Patient (C.7.1.1): the type 2 identifiers stay empty unless explicitly kept. */
    ok = ok && add(&l, "0010,0010", doc->patient_name) && add(&l, "0010,0020", doc->patient_id) &&
         add(&l, "0010,0030", doc->patient_birth_date) && add(&l, "0010,0040", doc->patient_sex);
    /* General Study (C.7.2.1): the source's study, so the model files beside its scan. Date,
     * time, ID, accession and referring physician are not in the source manifest (they are
     * quasi-identifiers) and are written empty, as type 2 allows. */
    ok = ok && add(&l, "0020,000d", doc->study_uid) && add(&l, "0008,0020", NULL) &&
         add(&l, "0008,0030", NULL) && add(&l, "0008,0090", NULL) && add(&l, "0020,0010", NULL) &&
         add(&l, "0008,0050", NULL);
    /* Encapsulated Document Series (C.24.1); the STL IOD sets Modality to M3D. */
    ok = ok && add(&l, "0008,0060", "M3D") && add(&l, "0020,000e", doc->series_uid) &&
         add(&l, "0020,0011", series_no);
    if (doc->series_description != NULL)
        ok = ok && add(&l, "0008,103e", doc->series_description);
    if (d != NULL)
        ok = ok && add(&l, "0008,0021", d) && add(&l, "0008,0031", t);
    /* General Equipment (C.7.5.1) and Enhanced General Equipment (C.7.5.2), whose four
     * attributes are type 1: the device is this program. */
    const char *sw = doc->software_versions ? doc->software_versions : TMESH_VERSION_STRING;
    ok = ok && add(&l, "0008,0070", "tracemesh") && add(&l, "0008,1090", "tracemesh") &&
         add(&l, "0018,1000", "tracemesh-software") && add(&l, "0018,1020", sw);
    /* Frame of Reference (C.7.4.1): the source's, whose patient coordinates (LPS mm) the
     * vertices are in. Position Reference Indicator is type 2 and unknown here. */
    ok = ok && add(&l, "0020,0052", doc->frame_of_reference_uid) && add(&l, "0020,1040", NULL);
    /* Encapsulated Document (C.24.2). A surface model carries no burned-in text. */
    ok = ok && add(&l, "0020,0013", instance_no) && add(&l, "0008,0023", d) &&
         add(&l, "0008,0033", t) && add(&l, "0008,002a", NULL) && add(&l, "0028,0301", "NO") &&
         add(&l, "0042,0010", doc->document_title) && add(&l, "0040,a043", NULL) &&
         add(&l, "0042,0012", "model/stl") && add(&l, "0042,0015", length) &&
         add(&l, "0042,0011", NULL);
    if (ok)
        l.a[l.n - 1].bytes = stl;
    if (ok)
        l.a[l.n - 1].len = len;
    for (size_t i = 0; ok && i < doc->n_sources; i++) {
        char *pc = paths[n_paths++], *pi = paths[n_paths++];
        snprintf(pc, sizeof paths[0], "0042,0013[%zu].0008,1150", i);
        snprintf(pi, sizeof paths[0], "0042,0013[%zu].0008,1155", i);
        ok = add(&l, pc, doc->sources[i].sop_class_uid) &&
             add(&l, pi, doc->sources[i].sop_instance_uid);
    }
    /* Common Instance Reference (C.12.2): an instance that references others lists them by
     * series (Referenced Series Sequence, 1C). All are in this study, so the Studies
     * Containing Other Referenced Instances Sequence is not needed. Series in order of first
     * appearance, instances in the given order. */
    size_t n_series = 0;
    for (size_t i = 0; ok && i < doc->n_sources; i++) {
        size_t first = 0;
        while (strcmp(doc->sources[first].series_uid, doc->sources[i].series_uid) != 0)
            first++;
        if (first < i)
            continue; /* listed with its series already */
        char *ps = paths[n_paths++];
        snprintf(ps, sizeof paths[0], "0008,1115[%zu].0020,000e", n_series);
        ok = add(&l, ps, doc->sources[i].series_uid);
        size_t k = 0;
        for (size_t j = i; ok && j < doc->n_sources; j++) {
            if (strcmp(doc->sources[j].series_uid, doc->sources[i].series_uid) != 0)
                continue;
            char *pc = paths[n_paths++], *pi = paths[n_paths++];
            snprintf(pc, sizeof paths[0], "0008,1115[%zu].0008,114a[%zu].0008,1150", n_series, k);
            snprintf(pi, sizeof paths[0], "0008,1115[%zu].0008,114a[%zu].0008,1155", n_series, k);
            ok = add(&l, pc, doc->sources[j].sop_class_uid) &&
                 add(&l, pi, doc->sources[j].sop_instance_uid);
            k++;
        }
        n_series++;
    }
    /* Manufacturing 3D Model (C.35.1): the STL's numbers are millimetres (UCUM "mm"). */
    ok = ok && add(&l, "0040,08ea[0].0008,0100", "mm") &&
         add(&l, "0040,08ea[0].0008,0102", "UCUM") &&
         add(&l, "0040,08ea[0].0008,0104", "millimeter");
    if (doc->content_description != NULL)
        ok = ok && add(&l, "0070,0081", doc->content_description);
    if (!ok) {
        free(l.a);
        free(paths);
        return tmesh_error_set(err, TMESH_E_NOMEM, "%s: out of memory", path);
    }
    st = tmesh_dcmtk_write_attrs(path, l.a, l.n, err);
    free(l.a);
    free(paths);
    return st;
}
