/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Our own PNG writer (libpng): RGB pixels, the physical size as pHYs, one text chunk per
 * provenance entry (tEXt when the value is printable ASCII, else UTF-8 iTXt) and the XMP packet
 * as iTXt "XML:com.adobe.xmp". No tIME chunk and fixed compression settings, so the same pixels
 * and metadata always give the same bytes.
 */
#define _POSIX_C_SOURCE 200809L
#include "render_int.h"

#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

typedef struct mem_out {
    uint8_t *p;
    size_t n, cap;
    int failed;
} mem_out;

static void write_fn(png_structp png, png_bytep data, png_size_t len)
{
    mem_out *m = png_get_io_ptr(png);
    if (m->failed)
        return;
    if (m->n + len > m->cap) {
        size_t cap = m->cap ? m->cap : 65536;
        while (cap < m->n + len)
            cap *= 2;
        uint8_t *q = realloc(m->p, cap);
        if (q == NULL) {
            m->failed = 1;
            return;
        }
        m->p = q;
        m->cap = cap;
    }
    memcpy(m->p + m->n, data, len);
    m->n += len;
}

static void flush_fn(png_structp png)
{
    (void)png;
}

/* libpng reports through longjmp; the message is kept for tmesh_error */
typedef struct png_err_ctx {
    char msg[256];
} png_err_ctx;

static void error_fn(png_structp png, png_const_charp msg)
{
    png_err_ctx *c = png_get_error_ptr(png);
    strncpy(c->msg, msg, sizeof c->msg - 1);
    png_longjmp(png, 1);
}

static void warning_fn(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg; /* the library never prints */
}

static int printable_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return 0;
    return 1;
}

tmesh_status render__png_encode(uint8_t **out, size_t *len_out, const uint8_t *rgb, unsigned w,
                                unsigned h, const render__figure *fig, tmesh_error *err)
{
    *out = NULL;
    *len_out = 0;
    const tmesh_render_opts *o = fig->o;
    char *xmp = render__xmp(fig, 1);
    size_t n_text = o->n_meta + 3;
    png_text *text = calloc(n_text, sizeof *text);
    png_bytep *rows = malloc(h * sizeof *rows);
    mem_out m = {NULL, 0, 0, 0};
    png_err_ctx ectx;
    memset(&ectx, 0, sizeof ectx);
    if (xmp == NULL || text == NULL || rows == NULL) {
        free(xmp);
        free(text);
        free(rows);
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory encoding the PNG");
    }
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &ectx, error_fn, warning_fn);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (png == NULL || info == NULL) {
        png_destroy_write_struct(&png, &info);
        free(xmp);
        free(text);
        free(rows);
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory creating the PNG encoder");
    }
    volatile tmesh_status st = TMESH_OK;
    if (setjmp(png_jmpbuf(png))) {
        st = tmesh_error_set(err, TMESH_E_INTERNAL, "PNG encoding failed: %s", ectx.msg);
    } else {
        png_set_write_fn(png, &m, write_fn, flush_fn);
        png_set_IHDR(png, info, w, h, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
        png_set_compression_level(png, 6);
        png_uint_32 ppm = (png_uint_32)lround(o->dpi / 0.0254);
        png_set_pHYs(png, info, ppm, ppm, PNG_RESOLUTION_METER);
        size_t t = 0;
        text[t].compression = PNG_TEXT_COMPRESSION_NONE;
        text[t].key = "Software";
        text[t].text = "tracemesh " TMESH_VERSION_STRING;
        t++;
        if (o->title != NULL && o->title[0] != '\0') {
            text[t].compression =
                printable_ascii(o->title) ? PNG_TEXT_COMPRESSION_NONE : PNG_ITXT_COMPRESSION_NONE;
            text[t].key = "Title";
            text[t].text = (char *)o->title;
            t++;
        }
        for (size_t i = 0; i < o->n_meta; i++, t++) {
            text[t].compression = printable_ascii(o->meta[i].value) ? PNG_TEXT_COMPRESSION_NONE
                                                                    : PNG_ITXT_COMPRESSION_NONE;
            text[t].key = (char *)o->meta[i].key;
            text[t].text = (char *)o->meta[i].value;
        }
        text[t].compression = PNG_ITXT_COMPRESSION_NONE;
        text[t].key = "XML:com.adobe.xmp";
        text[t].text = xmp;
        text[t].lang = "";
        text[t].lang_key = "";
        t++;
        png_set_text(png, info, text, (int)t);
        for (unsigned y = 0; y < h; y++)
            rows[y] = (png_bytep)(rgb + (size_t)y * w * 3);
        png_set_rows(png, info, rows);
        png_write_png(png, info, PNG_TRANSFORM_IDENTITY, NULL);
    }
    png_destroy_write_struct(&png, &info);
    free(xmp);
    free(text);
    free(rows);
    if (st == TMESH_OK && m.failed)
        st = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory encoding the PNG");
    if (st != TMESH_OK) {
        free(m.p);
        return st;
    }
    *out = m.p;
    *len_out = m.n;
    return TMESH_OK;
}

/* ---- reading a PNG back (verify compares figures pixel by pixel) ---- */

typedef struct mem_in {
    const uint8_t *p;
    size_t n, off;
} mem_in;

static void read_fn(png_structp png, png_bytep data, png_size_t len)
{
    mem_in *m = png_get_io_ptr(png);
    if (len > m->n - m->off)
        png_error(png, "truncated PNG");
    memcpy(data, m->p + m->off, len);
    m->off += len;
}

tmesh_status tmesh_render_png_decode(uint8_t **rgb_out, unsigned *w_out, unsigned *h_out,
                                     const uint8_t *data, size_t len, tmesh_error *err)
{
    *rgb_out = NULL;
    *w_out = *h_out = 0;
    if (len < 8 || png_sig_cmp((png_const_bytep)data, 0, 8) != 0)
        return tmesh_error_set(err, TMESH_E_DATA, "not a PNG (no PNG signature)");
    png_err_ctx ectx;
    memset(&ectx, 0, sizeof ectx);
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ectx, error_fn, warning_fn);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (png == NULL || info == NULL) {
        png_destroy_read_struct(&png, &info, NULL);
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory creating the PNG decoder");
    }
    mem_in m = {data, len, 0};
    uint8_t *volatile rgb = NULL;
    png_bytep *volatile rows = NULL;
    volatile tmesh_status st = TMESH_OK;
    if (setjmp(png_jmpbuf(png))) {
        st = tmesh_error_set(err, TMESH_E_DATA, "cannot decode the PNG: %s", ectx.msg);
    } else {
        png_set_read_fn(png, &m, read_fn);
        png_read_info(png, info);
        png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
        int ct = png_get_color_type(png, info);
        /* to 8-bit RGB whatever was stored */
        png_set_strip_16(png);
        png_set_strip_alpha(png);
        png_set_packing(png);
        if (ct == PNG_COLOR_TYPE_PALETTE)
            png_set_palette_to_rgb(png);
        if (ct == PNG_COLOR_TYPE_GRAY || ct == PNG_COLOR_TYPE_GRAY_ALPHA)
            png_set_gray_to_rgb(png);
        if (png_get_valid(png, info, PNG_INFO_tRNS))
            png_set_tRNS_to_alpha(png);
        png_set_interlace_handling(png);
        png_read_update_info(png, info);
        if (w == 0 || h == 0 || w > 65536 || h > 65536 || png_get_rowbytes(png, info) != 3 * w) {
            st = tmesh_error_set(err, TMESH_E_DATA, "PNG of %ux%u pixels is not supported",
                                 (unsigned)w, (unsigned)h);
        } else {
            rgb = malloc((size_t)w * h * 3);
            rows = malloc(h * sizeof(png_bytep));
            if (rgb == NULL || rows == NULL) {
                st = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for a %ux%u PNG",
                                     (unsigned)w, (unsigned)h);
            } else {
                for (png_uint_32 y = 0; y < h; y++)
                    rows[y] = rgb + (size_t)y * w * 3;
                png_read_image(png, rows);
                *w_out = w;
                *h_out = h;
            }
        }
    }
    png_destroy_read_struct(&png, &info, NULL);
    free(rows);
    if (st != TMESH_OK) {
        free(rgb);
        *w_out = *h_out = 0;
        return st;
    }
    *rgb_out = rgb;
    return TMESH_OK;
}
