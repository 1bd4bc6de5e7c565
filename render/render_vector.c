/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Vector figures: cairo's SVG and PDF surfaces, drawn in pixel units scaled to points, so the
 * page has the figure's physical size. Output goes to memory first: the SVG gets the XMP packet
 * inserted as <metadata>, the PDF carries the provenance in its document information, and both
 * are then written atomically.
 */
#define _POSIX_C_SOURCE 200809L
#include "render_int.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct mem_out {
    unsigned char *p;
    size_t n, cap;
} mem_out;

static cairo_status_t write_fn(void *closure, const unsigned char *data, unsigned int len)
{
    mem_out *m = closure;
    if (m->n + len > m->cap) {
        size_t cap = m->cap ? m->cap : 65536;
        while (cap < m->n + len)
            cap *= 2;
        unsigned char *q = realloc(m->p, cap);
        if (q == NULL)
            return CAIRO_STATUS_NO_MEMORY;
        m->p = q;
        m->cap = cap;
    }
    memcpy(m->p + m->n, data, len);
    m->n += len;
    return CAIRO_STATUS_SUCCESS;
}

/* Find `needle` in the first n bytes of hay (which holds binary data). */
static const char *find(const char *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(hay + i, needle, k) == 0)
            return hay + i;
    return NULL;
}

static const char *find_last(const char *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    if (k > n)
        return NULL;
    for (size_t i = n - k + 1; i-- > 0;)
        if (memcmp(hay + i, needle, k) == 0)
            return hay + i;
    return NULL;
}

/*
 * XMP in the PDF: cairo 1.16 writes only the document information dictionary, so an
 * incremental update is appended (PDF 32000-1 7.5.6): a metadata stream, the catalog again with
 * /Metadata pointing at it, a cross-reference section for the two objects and a trailer with
 * /Prev. The original bytes stay untouched, so every reader that ignores the update still sees
 * cairo's file. Returns -1 (nothing appended) when cairo's output is not laid out as expected.
 */
static int pdf_xmp_update(const unsigned char *pdf, size_t n, const char *xmp, char **tail_out,
                          size_t *len_out)
{
    const char *p = (const char *)pdf;
    *tail_out = NULL;
    const char *sx = find_last(p, n, "startxref");
    const char *tr = find_last(p, n, "trailer");
    if (sx == NULL || tr == NULL || tr > sx)
        return -1;
    unsigned long prev = strtoul(sx + strlen("startxref"), NULL, 10);
    const char *size_at = find(tr, (size_t)(sx - tr), "/Size");
    const char *root_at = find(tr, (size_t)(sx - tr), "/Root");
    const char *info_at = find(tr, (size_t)(sx - tr), "/Info");
    if (size_at == NULL || root_at == NULL || prev == 0)
        return -1;
    unsigned long size = strtoul(size_at + 5, NULL, 10);
    unsigned long root = strtoul(root_at + 5, NULL, 10);
    unsigned long info = info_at ? strtoul(info_at + 5, NULL, 10) : 0;
    char head[48];
    snprintf(head, sizeof head, "\n%lu 0 obj", root);
    const char *cat = find(p, n, head);
    if (size == 0 || root == 0 || cat == NULL)
        return -1;
    const char *open = find(cat, n - (size_t)(cat - p), "<<");
    const char *end = find(cat, n - (size_t)(cat - p), "endobj");
    if (open == NULL || end == NULL || open > end)
        return -1;
    const char *close = find_last(open, (size_t)(end - open), ">>");
    if (close == NULL || find(open, (size_t)(close - open), "/Metadata") != NULL)
        return -1;
    size_t xl = strlen(xmp), body = (size_t)(close - open);
    size_t cap = xl + body + 512;
    char *t = malloc(cap);
    if (t == NULL)
        return -1;
    size_t k = 0, meta_off = n, cat_off, xref_off;
    k += (size_t)snprintf(t + k, cap - k,
                          "%lu 0 obj\n<< /Type /Metadata /Subtype /XML /Length %zu >>\nstream\n",
                          size, xl);
    memcpy(t + k, xmp, xl);
    k += xl;
    k += (size_t)snprintf(t + k, cap - k, "\nendstream\nendobj\n");
    cat_off = n + k;
    k += (size_t)snprintf(t + k, cap - k, "%lu 0 obj\n", root);
    memcpy(t + k, open, body);
    k += body;
    k += (size_t)snprintf(t + k, cap - k, "   /Metadata %lu 0 R\n>>\nendobj\n", size);
    xref_off = n + k;
    k += (size_t)snprintf(t + k, cap - k,
                          "xref\n0 1\n0000000000 65535 f \n%lu 1\n%010zu 00000 n \n%lu 1\n"
                          "%010zu 00000 n \n",
                          root, cat_off, size, meta_off);
    if (info)
        k += (size_t)snprintf(t + k, cap - k,
                              "trailer\n<< /Size %lu\n   /Root %lu 0 R\n   /Info %lu 0 R\n"
                              "   /Prev %lu\n>>\nstartxref\n%zu\n%%%%EOF\n",
                              size + 1, root, info, prev, xref_off);
    else
        k += (size_t)snprintf(t + k, cap - k,
                              "trailer\n<< /Size %lu\n   /Root %lu 0 R\n   /Prev %lu\n>>\n"
                              "startxref\n%zu\n%%%%EOF\n",
                              size + 1, root, prev, xref_off);
    if (k >= cap) {
        free(t);
        return -1;
    }
    *tail_out = t;
    *len_out = k;
    return 0;
}

tmesh_status render__write_vector(const render__figure *fig, const char *path, int pdf,
                                  tmesh_error *err)
{
    const render__frame *f = &fig->frame;
    double pt_per_px = 72.0 / fig->o->dpi;
    double wpt = f->w * pt_per_px, hpt = f->h * pt_per_px;
    mem_out m = {NULL, 0, 0};
    cairo_surface_t *s = pdf ? cairo_pdf_surface_create_for_stream(write_fn, &m, wpt, hpt)
                             : cairo_svg_surface_create_for_stream(write_fn, &m, wpt, hpt);
    char *xmp = NULL, *keywords = NULL;
    tmesh_status st = TMESH_OK;
    if (pdf) {
        cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR,
                                       "tracemesh " TMESH_VERSION_STRING);
        if (fig->o->title)
            cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, fig->o->title);
        char subject[128];
        snprintf(subject, sizeof subject, "tracemesh figure: view %s, style %s%s", fig->view_name,
                 fig->style_name, fig->o->draft ? ", DRAFT - not clinically reviewed" : "");
        cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_SUBJECT, subject);
        /* provenance as "key=value" keywords: cairo 1.16 writes no custom XMP stream */
        size_t need = 32;
        for (size_t i = 0; i < fig->o->n_meta; i++)
            need += strlen(fig->o->meta[i].key) + strlen(fig->o->meta[i].value) + 3;
        keywords = malloc(need);
        if (keywords == NULL) {
            st = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for PDF metadata");
            goto done;
        }
        size_t n = (size_t)snprintf(keywords, need, "draft=%s", fig->o->draft ? "true" : "false");
        for (size_t i = 0; i < fig->o->n_meta; i++)
            n += (size_t)snprintf(keywords + n, need - n, "; %s=%s", fig->o->meta[i].key,
                                  fig->o->meta[i].value);
        cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_KEYWORDS, keywords);
        /* a fixed date keeps equal figures byte-identical apart from cairo's own ids */
        cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATE_DATE, "2000-01-01T00:00:00Z");
    }
    cairo_t *cr = cairo_create(s);
    cairo_scale(cr, pt_per_px, pt_per_px);
    render__draw(cr, fig, 1);
    cairo_status_t cs = cairo_status(cr);
    cairo_destroy(cr);
    cairo_surface_finish(s);
    if (cs == CAIRO_STATUS_SUCCESS)
        cs = cairo_surface_status(s);
    if (cs != CAIRO_STATUS_SUCCESS) {
        st = tmesh_error_set(err, cs == CAIRO_STATUS_NO_MEMORY ? TMESH_E_NOMEM : TMESH_E_INTERNAL,
                             "%s: cairo failed: %s", path, cairo_status_to_string(cs));
        goto done;
    }
    if (pdf) {
        xmp = render__xmp(fig, 1);
        if (xmp == NULL) {
            st = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for PDF metadata");
            goto done;
        }
        char *tail = NULL;
        size_t tail_len = 0;
        if (pdf_xmp_update(m.p, m.n, xmp, &tail, &tail_len) != 0)
            tmesh_log(TMESH_LOG_WARN,
                      "%s: the PDF carries its provenance in the document "
                      "information only (no XMP stream could be added)",
                      path);
        const void *parts[2] = {m.p, tail};
        size_t lens[2] = {m.n, tail ? tail_len : 0};
        st = tmesh_fs_write_atomic_parts(path, 2, parts, lens, 0, err);
        free(tail);
    } else {
        /* <metadata> right after the opening <svg ...> tag */
        xmp = render__xmp(fig, 0);
        const char *svg = m.n ? (const char *)m.p : "";
        const char *open = m.n ? strstr(svg, "<svg") : NULL;
        const char *gt = open ? strchr(open, '>') : NULL;
        if (xmp == NULL) {
            st = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for SVG metadata");
            goto done;
        }
        if (gt == NULL || (size_t)(gt - svg) >= m.n) {
            st = tmesh_error_set(err, TMESH_E_INTERNAL, "%s: cairo wrote no <svg> element", path);
            goto done;
        }
        size_t head = (size_t)(gt - svg) + 1;
        const char *pre = "\n<metadata>\n", *post = "</metadata>";
        /* cairo numbers its surfaces per process ("surface172"): a fixed id keeps equal
         * figures byte-identical also when one process draws several */
        const char *sid = strstr(svg + head, "<g id=\"surface");
        size_t id_at = m.n, id_end = m.n;
        if (sid != NULL) {
            id_at = (size_t)(sid - svg) + strlen("<g id=\"");
            id_end = id_at + strlen("surface");
            while (id_end < m.n && svg[id_end] >= '0' && svg[id_end] <= '9')
                id_end++;
        }
        const void *parts[7] = {m.p, pre, xmp, post, m.p + head, "figure", m.p + id_end};
        size_t lens[7] = {head,         strlen(pre),  strlen(xmp),
                          strlen(post), id_at - head, sid ? strlen("figure") : 0,
                          m.n - id_end};
        st = tmesh_fs_write_atomic_parts(path, 7, parts, lens, 0, err);
    }
done:
    cairo_surface_destroy(s);
    free(m.p);
    free(xmp);
    free(keywords);
    return st;
}
