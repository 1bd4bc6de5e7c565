/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Series discovery: walk a folder (sorted, loop-safe), follow a DICOMDIR's references, read
 * every header on all cores (plain files lazily, gzip-wrapped ones through zlib), keep the
 * images and record every other file with the reason it was passed over.
 */
#define _POSIX_C_SOURCE 200809L
#include "dicom_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- a growable list of strings ---- */

typedef struct strlist {
    char **v;
    size_t n, cap;
} strlist;

static int strlist_push(strlist *l, char *s)
{
    if (s == NULL)
        return -1;
    if (l->n == l->cap) {
        size_t nc = l->cap ? 2 * l->cap : 64;
        char **nv = realloc(l->v, nc * sizeof *nv);
        if (nv == NULL) {
            free(s);
            return -1;
        }
        l->v = nv;
        l->cap = nc;
    }
    l->v[l->n++] = s;
    return 0;
}

static void strlist_free(strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

static char *join(const char *a, const char *b)
{
    if (a == NULL || a[0] == '\0')
        return strdup(b);
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", a, b);
    return p;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- walking ---- */

typedef struct walk_state {
    strlist rel;               /* file paths relative to the root */
    strlist skip_path, skip_reason;
    dev_t *seen_dev;
    ino_t *seen_ino;
    size_t n_seen, cap_seen;
} walk_state;

static int skip(walk_state *w, const char *rel, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int skip(walk_state *w, const char *rel, const char *fmt, ...)
{
    char reason[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    if (strlist_push(&w->skip_path, strdup(rel)) != 0)
        return -1;
    return strlist_push(&w->skip_reason, strdup(reason));
}

static int seen_before(walk_state *w, const struct stat *st)
{
    for (size_t i = 0; i < w->n_seen; i++)
        if (w->seen_dev[i] == st->st_dev && w->seen_ino[i] == st->st_ino)
            return 1;
    if (w->n_seen == w->cap_seen) {
        size_t nc = w->cap_seen ? 2 * w->cap_seen : 32;
        dev_t *nd = realloc(w->seen_dev, nc * sizeof *nd);
        if (nd)
            w->seen_dev = nd;
        ino_t *ni = realloc(w->seen_ino, nc * sizeof *ni);
        if (ni)
            w->seen_ino = ni;
        if (!nd || !ni)
            return 0;
        w->cap_seen = nc;
    }
    w->seen_dev[w->n_seen] = st->st_dev;
    w->seen_ino[w->n_seen] = st->st_ino;
    w->n_seen++;
    return 0;
}

static tmesh_status walk(walk_state *w, const char *root, const char *rel, int depth,
                         tmesh_error *err)
{
    char *dir = join(root, rel);
    if (dir == NULL)
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory while listing %s", root);
    if (depth > 64) {
        skip(w, rel, "folder nesting deeper than 64 levels");
        free(dir);
        return TMESH_OK;
    }
    DIR *d = opendir(dir);
    if (d == NULL) {
        int e = errno;
        free(dir);
        if (depth == 0)
            return tmesh_error_set(err, TMESH_E_IO, "%s: cannot open folder: %s", root, strerror(e));
        skip(w, rel, "cannot open folder: %s", strerror(e));
        return TMESH_OK;
    }
    strlist names = {0};
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (strlist_push(&names, strdup(de->d_name)) != 0) {
            closedir(d);
            strlist_free(&names);
            tmesh_error_set(err, TMESH_E_NOMEM, "out of memory while listing %s", dir);
            free(dir);
            return TMESH_E_NOMEM;
        }
    }
    closedir(d);
    /* Directory order is file-system order: sort so every scan sees the same sequence. */
    if (names.n > 1)
        qsort(names.v, names.n, sizeof *names.v, cmp_str);
    tmesh_status st = TMESH_OK;
    for (size_t i = 0; i < names.n && st == TMESH_OK; i++) {
        char *child_rel = join(rel, names.v[i]);
        char *child = join(root, child_rel);
        if (child_rel == NULL || child == NULL) {
            free(child_rel);
            free(child);
            st = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory while listing %s", dir);
            break;
        }
        struct stat sb;
        if (stat(child, &sb) != 0) {
            skip(w, child_rel, "cannot read: %s", strerror(errno));
            free(child_rel);
        } else if (S_ISDIR(sb.st_mode)) {
            if (seen_before(w, &sb))
                skip(w, child_rel, "folder already visited (link loop)");
            else
                st = walk(w, root, child_rel, depth + 1, err);
            free(child_rel);
        } else if (S_ISREG(sb.st_mode)) {
            if (strlist_push(&w->rel, child_rel) != 0)
                st = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory while listing %s", dir);
        } else {
            skip(w, child_rel, "not a regular file");
            free(child_rel);
        }
        free(child);
    }
    strlist_free(&names);
    free(dir);
    return st;
}

/* ---- per-file header reading (parallel) ---- */

enum { F_IMAGE = 1, F_SKIP = 2, F_DICOMDIR = 3 };

typedef struct file_job {
    const char *root;
    char **rel;
    int *kind;
    char **reason;            /* malloc'd reason for F_SKIP */
    tmesh_dcm_header *hdr;
    int *gz;
} file_job;

static int looks_like_raw_dicom(const uint8_t *b, size_t n)
{
    /* No preamble: the data set starts with a group 0x0002 or 0x0008 tag (little endian),
     * or 0x0008 in big endian; old ACR-NEMA style files do this. */
    if (n < 8)
        return 0;
    uint16_t g_le = (uint16_t)(b[0] | b[1] << 8), g_be = (uint16_t)(b[0] << 8 | b[1]);
    return g_le == 0x0002 || g_le == 0x0008 || g_be == 0x0008;
}

static char *fmt_reason(const char *fmt, const char *a)
{
    size_t n = strlen(fmt) + (a ? strlen(a) : 0) + 1;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, fmt, a ? a : "");
    return s;
}

static tmesh_status read_one(size_t i, void *user, tmesh_error *err)
{
    file_job *job = user;
    char *path = join(job->root, job->rel[i]);
    if (path == NULL)
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory");
    tmesh_error e = TMESH_ERROR_INIT;
    uint8_t head[132];
    size_t got = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        job->kind[i] = F_SKIP;
        job->reason[i] = fmt_reason("cannot open: %s", strerror(errno));
        free(path);
        return TMESH_OK;
    }
    while (got < sizeof head) {
        ssize_t r = read(fd, head + got, sizeof head - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    uint8_t *buf = NULL;
    size_t len = 0;
    const char *base = strrchr(job->rel[i], '/');
    base = base ? base + 1 : job->rel[i];
    if (got >= 2 && head[0] == 0x1f && head[1] == 0x8b) {
        job->gz[i] = 1;
        if (tmesh_dicom__read_file(&buf, &len, NULL, path, &e) != TMESH_OK) {
            job->kind[i] = F_SKIP;
            job->reason[i] = fmt_reason("%s", e.msg);
            free(path);
            return TMESH_OK;
        }
        if (!(len >= 132 && memcmp(buf + 128, "DICM", 4) == 0) && !looks_like_raw_dicom(buf, len)) {
            job->kind[i] = F_SKIP;
            job->reason[i] = fmt_reason("gzip file without DICOM content%s", "");
            free(buf);
            free(path);
            return TMESH_OK;
        }
    } else if (!(got >= 132 && memcmp(head + 128, "DICM", 4) == 0) &&
               !looks_like_raw_dicom(head, got)) {
        job->kind[i] = F_SKIP;
        job->reason[i] = fmt_reason(got < 132 ? "not DICOM (%s)" : "not DICOM (no DICM prefix)",
                                    got < 132 ? "file too short" : NULL);
        free(path);
        return TMESH_OK;
    }
    tmesh_status st = tmesh_dcmtk_read_header(&job->hdr[i], NULL, path, buf, len, &e);
    free(buf);
    free(path);
    if (st == TMESH_E_NOMEM) {
        *err = e;
        return st;
    }
    tmesh_dcm_header *h = &job->hdr[i];
    if (st != TMESH_OK) {
        job->kind[i] = F_SKIP;
        /* The bridge's message starts with the path; keep only the reason. */
        const char *m = strstr(e.msg, ": ");
        job->reason[i] = fmt_reason("corrupt: %s", m ? m + 2 : e.msg);
        return TMESH_OK;
    }
    if (h->is_dicomdir || strcasecmp(base, "DICOMDIR") == 0) {
        job->kind[i] = F_DICOMDIR;
        return TMESH_OK;
    }
    job->kind[i] = F_SKIP;
    if (h->has_pixel_data == 0)
        job->reason[i] = fmt_reason("no pixel data (not an image: SOP class %s)",
                                    h->sop_class_uid[0] ? h->sop_class_uid : "absent");
    else if (h->has_pixel_data == 2)
        job->reason[i] = fmt_reason("float pixel data is not supported%s", "");
    else if (h->rows <= 0 || h->columns <= 0)
        job->reason[i] = fmt_reason("image without Rows/Columns%s", "");
    else if (h->samples_per_pixel != 1)
        job->reason[i] = fmt_reason("colour image (%s) is not supported", h->photometric);
    else if (h->bits_allocated != 8 && h->bits_allocated != 16 && h->bits_allocated != 32)
        job->reason[i] = fmt_reason(h->bits_allocated == 1 ? "1-bit image (segmentation or "
                                                              "overlay) is not a scan%s"
                                                            : "unsupported BitsAllocated%s",
                                    "");
    else if (h->bits_stored <= 0 || h->bits_stored > h->bits_allocated)
        job->reason[i] = fmt_reason("BitsStored out of range%s", "");
    else if (h->series_uid[0] == '\0')
        job->reason[i] = fmt_reason("no SeriesInstanceUID%s", "");
    else
        job->kind[i] = F_IMAGE;
    if (job->kind[i] == F_SKIP)
        tmesh_dcm_header_free(h);
    return TMESH_OK;
}

/* ---- DICOMDIR references ---- */

/* Resolve a referenced file ID component by component, ignoring case and ISO 9660 ";1". */
static char *resolve_ci(const char *root, const char *ref)
{
    char *cur = strdup("");
    char *copy = strdup(ref);
    if (cur == NULL || copy == NULL) {
        free(cur);
        free(copy);
        return NULL;
    }
    char *save = NULL;
    for (char *part = strtok_r(copy, "/", &save); part; part = strtok_r(NULL, "/", &save)) {
        char *semi = strchr(part, ';');
        if (semi)
            *semi = '\0';
        char *dirpath = join(root, cur);
        DIR *d = dirpath ? opendir(dirpath) : NULL;
        free(dirpath);
        char *match = NULL;
        if (d) {
            struct dirent *de;
            while ((de = readdir(d)) != NULL) {
                char name[256];
                snprintf(name, sizeof name, "%s", de->d_name);
                char *s2 = strchr(name, ';');
                if (s2)
                    *s2 = '\0';
                if (strcasecmp(name, part) == 0 && (match == NULL || strcmp(de->d_name, match) < 0)) {
                    free(match);
                    match = strdup(de->d_name);
                }
            }
            closedir(d);
        }
        if (match == NULL) {
            free(cur);
            free(copy);
            return NULL;
        }
        char *next = join(cur, match);
        free(match);
        free(cur);
        cur = next;
        if (cur == NULL)
            break;
    }
    free(copy);
    return cur;
}

static int in_list(const strlist *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], s) == 0)
            return 1;
    return 0;
}

/* Check a DICOMDIR's references: missing ones are recorded as skipped. When `only` is set the
 * file list becomes exactly the referenced files (the user pointed at the DICOMDIR itself). */
static tmesh_status follow_dicomdir(walk_state *w, const char *root, const char *rel_dicomdir,
                                    int only, tmesh_error *err)
{
    char *path = join(root, rel_dicomdir);
    uint8_t *buf = NULL;
    size_t len = 0;
    tmesh_error e = TMESH_ERROR_INIT;
    tmesh_status st = path ? tmesh_dicom__read_file(&buf, &len, NULL, path, &e) : TMESH_E_NOMEM;
    char **refs = NULL;
    size_t n_refs = 0;
    if (st == TMESH_OK)
        st = tmesh_dcmtk_dicomdir_files(&refs, &n_refs, path, buf, len, &e);
    free(buf);
    free(path);
    if (st != TMESH_OK) {
        if (only)
            return tmesh_error_set(err, st, "%s", e.msg);
        skip(w, rel_dicomdir, "DICOMDIR unreadable: %s", e.msg);
        return TMESH_OK;
    }
    const char *slash = strrchr(rel_dicomdir, '/');
    char *base = slash ? strndup(rel_dicomdir, (size_t)(slash - rel_dicomdir)) : strdup("");
    char *base_abs = base ? join(root, base) : NULL;
    tmesh_log(TMESH_LOG_NOTE, "%s: DICOMDIR references %zu files", rel_dicomdir, n_refs);
    for (size_t i = 0; i < n_refs; i++) {
        char *found = base_abs ? resolve_ci(base_abs, refs[i]) : NULL;
        char *rel = found ? join(base, found) : NULL;
        if (rel == NULL)
            skip(w, refs[i], "referenced by %s but missing", rel_dicomdir);
        else if (only && !in_list(&w->rel, rel))
            strlist_push(&w->rel, rel), rel = NULL;
        free(rel);
        free(found);
        free(refs[i]);
    }
    free(refs);
    free(base);
    free(base_abs);
    return TMESH_OK;
}

/* ---- the index ---- */

tmesh_status tmesh_dicom_scan(tmesh_dicom_index **out, const char *path,
                              const tmesh_dicom_scan_opts *opts, tmesh_error *err)
{
    TMESH_ASSERT(out != NULL && path != NULL);
    *out = NULL;
    tmesh_dicom_scan_opts defaults = TMESH_DICOM_SCAN_OPTS_INIT;
    if (opts == NULL)
        opts = &defaults;
    struct stat sb;
    if (stat(path, &sb) != 0)
        return tmesh_error_set(err, errno == ENOENT ? TMESH_E_NOTFOUND : TMESH_E_IO,
                               "%s: %s", path, strerror(errno));
    walk_state w;
    memset(&w, 0, sizeof w);
    char *root = NULL;
    tmesh_status st = TMESH_OK;
    int dicomdir_only = 0;
    if (S_ISDIR(sb.st_mode)) {
        root = strdup(path);
        seen_before(&w, &sb);
        st = root ? walk(&w, root, "", 0, err) : TMESH_E_NOMEM;
    } else {
        /* A single file: its folder is the root, so relative paths stay meaningful. */
        const char *slash = strrchr(path, '/');
        root = slash ? strndup(path, (size_t)(slash - path)) : strdup(".");
        if (root && root[0] == '\0') {
            free(root);
            root = strdup("/");
        }
        const char *base = slash ? slash + 1 : path;
        if (strcasecmp(base, "DICOMDIR") == 0)
            dicomdir_only = 1;
        else
            strlist_push(&w.rel, strdup(base));
    }
    if (root == NULL && st == TMESH_OK)
        st = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory");
    if (st == TMESH_OK && dicomdir_only)
        st = follow_dicomdir(&w, root, "DICOMDIR", 1, err);

    tmesh_dicom_index *idx = NULL;
    size_t n = w.rel.n;
    file_job job = {root, w.rel.v, NULL, NULL, NULL, NULL};
    if (st == TMESH_OK) {
        job.kind = calloc(n + 1, sizeof *job.kind);
        job.reason = calloc(n + 1, sizeof *job.reason);
        job.hdr = calloc(n + 1, sizeof *job.hdr);
        job.gz = calloc(n + 1, sizeof *job.gz);
        idx = calloc(1, sizeof *idx);
        if (!job.kind || !job.reason || !job.hdr || !job.gz || !idx)
            st = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for %zu files", n);
    }
    if (st == TMESH_OK)
        st = tmesh_parallel_for(n, opts->threads, read_one, &job, opts->progress, "reading headers",
                                opts->progress_user, err);
    /* DICOMDIRs found inside the folder: their references are checked (missing ones listed). */
    for (size_t i = 0; st == TMESH_OK && i < n; i++)
        if (job.kind[i] == F_DICOMDIR && !dicomdir_only)
            st = follow_dicomdir(&w, root, w.rel.v[i], 0, err);
    if (st == TMESH_OK) {
        idx->root = root;
        root = NULL;
        idx->files = calloc(n + 1, sizeof *idx->files);
        if (idx->files == NULL)
            st = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory");
    }
    if (st == TMESH_OK) {
        idx->files_seen = n + (dicomdir_only ? 1 : 0);
        for (size_t i = 0; i < n; i++) {
            if (job.kind[i] == F_IMAGE) {
                dcm_file *f = &idx->files[idx->n_files++];
                f->rel = w.rel.v[i];
                f->path = join(idx->root, w.rel.v[i]);
                f->gz = job.gz[i];
                f->hdr = job.hdr[i];
                memset(&job.hdr[i], 0, sizeof job.hdr[i]);
                w.rel.v[i] = NULL;
                if (f->path == NULL)
                    st = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory");
            } else if (job.kind[i] == F_SKIP) {
                skip(&w, w.rel.v[i], "%s", job.reason[i] ? job.reason[i] : "unreadable");
            } else if (job.kind[i] == F_DICOMDIR) {
                skip(&w, w.rel.v[i], "DICOMDIR (media directory, its references were checked)");
            }
        }
        idx->skip_path = w.skip_path.v;
        idx->skip_reason = w.skip_reason.v;
        idx->n_skipped = w.skip_path.n;
        memset(&w.skip_path, 0, sizeof w.skip_path);
        memset(&w.skip_reason, 0, sizeof w.skip_reason);
    }
    if (st == TMESH_OK)
        st = tmesh_dicom__group(idx, err);
    for (size_t i = 0; job.reason && i < n; i++)
        free(job.reason[i]);
    for (size_t i = 0; job.hdr && i < n; i++)
        tmesh_dcm_header_free(&job.hdr[i]);
    free(job.kind);
    free(job.reason);
    free(job.hdr);
    free(job.gz);
    strlist_free(&w.rel);
    strlist_free(&w.skip_path);
    strlist_free(&w.skip_reason);
    free(w.seen_dev);
    free(w.seen_ino);
    free(root);
    if (st != TMESH_OK) {
        tmesh_dicom_index_free(idx);
        return st;
    }
    *out = idx;
    return TMESH_OK;
}

void tmesh_dicom_index_free(tmesh_dicom_index *idx)
{
    if (idx == NULL)
        return;
    for (size_t i = 0; i < idx->n_files; i++) {
        free(idx->files[i].path);
        free(idx->files[i].rel);
        tmesh_dcm_header_free(&idx->files[i].hdr);
    }
    for (size_t i = 0; i < idx->n_skipped; i++) {
        free(idx->skip_path[i]);
        free(idx->skip_reason[i]);
    }
    free(idx->skip_path);
    free(idx->skip_reason);
    free(idx->files);
    free(idx->slices);
    free(idx->series);
    free(idx->root);
    free(idx);
}

size_t tmesh_dicom_index_count(const tmesh_dicom_index *idx)
{
    return idx->n_series;
}

const tmesh_dicom_series_info *tmesh_dicom_index_series(const tmesh_dicom_index *idx, size_t i)
{
    return i < idx->n_series ? &idx->series[i].info : NULL;
}

size_t tmesh_dicom_index_skipped_count(const tmesh_dicom_index *idx)
{
    return idx->n_skipped;
}

tmesh_dicom_skipped tmesh_dicom_index_skipped(const tmesh_dicom_index *idx, size_t i)
{
    tmesh_dicom_skipped s = {NULL, NULL};
    if (i < idx->n_skipped) {
        s.path = idx->skip_path[i];
        s.reason = idx->skip_reason[i];
    }
    return s;
}

size_t tmesh_dicom_index_files_seen(const tmesh_dicom_index *idx)
{
    return idx->files_seen;
}

tmesh_status tmesh_dicom_series_phi(tmesh_dicom_phi *out, const tmesh_dicom_index *idx, size_t i,
                                    tmesh_error *err)
{
    memset(out, 0, sizeof *out);
    if (i >= idx->n_series)
        return tmesh_error_set(err, TMESH_E_ARG, "series %zu does not exist (%zu found)", i + 1,
                               idx->n_series);
    const dcm_file *f = &idx->files[idx->slices[idx->series[i].first].file];
    uint8_t *buf = NULL;
    size_t len = 0;
    tmesh_status st = TMESH_OK;
    if (f->gz)
        st = tmesh_dicom__read_file(&buf, &len, NULL, f->path, err);
    tmesh_dcm_header h;
    tmesh_dcm_phi phi;
    if (st == TMESH_OK)
        st = tmesh_dcmtk_read_header(&h, &phi, f->path, buf, len, err);
    free(buf);
    if (st != TMESH_OK)
        return st;
    tmesh_dcm_header_free(&h);
    snprintf(out->patient_name, sizeof out->patient_name, "%s", phi.patient_name);
    snprintf(out->patient_id, sizeof out->patient_id, "%s", phi.patient_id);
    snprintf(out->birth_date, sizeof out->birth_date, "%s", phi.birth_date);
    snprintf(out->accession_number, sizeof out->accession_number, "%s", phi.accession_number);
    return TMESH_OK;
}
