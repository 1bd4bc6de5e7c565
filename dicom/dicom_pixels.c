/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stored pixels to physical values: BitsStored/HighBit masking, sign extension, MONOCHROME1,
 * and RescaleSlope/Intercept per frame (PS3.3 C.7.6.3.1, C.11.1.1.2). JPEG 2000 frames, which
 * DCMTK 3.6.7 cannot decode, are decoded here with OpenJPEG. Also the file reader that hashes
 * the stored bytes and unwraps gzip.
 */
#define _POSIX_C_SOURCE 200809L
#include "dicom_int.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openjpeg.h>

/* One stored sample as a signed integer, after masking to BitsStored and sign extension. */
static inline int64_t stored_value(uint32_t raw, const dcm_pixel_format *f)
{
    int shift = f->high_bit + 1 - f->bits_stored;
    if (shift < 0)
        shift = 0;
    uint32_t mask = f->bits_stored >= 32 ? 0xffffffffu : ((1u << f->bits_stored) - 1u);
    uint32_t v = (raw >> shift) & mask;
    int64_t s = v;
    if (f->pixel_representation == 1 && f->bits_stored < 64 &&
        (v & (1u << (f->bits_stored - 1))))
        s = (int64_t)v - ((int64_t)1 << f->bits_stored);
    if (f->invert) {
        /* MONOCHROME1: mirror the value inside the stored range (PS3.3 C.7.6.3.1.2). */
        int64_t lo = f->pixel_representation == 1 ? -((int64_t)1 << (f->bits_stored - 1)) : 0;
        int64_t hi = f->pixel_representation == 1 ? ((int64_t)1 << (f->bits_stored - 1)) - 1
                                                  : ((int64_t)1 << f->bits_stored) - 1;
        s = lo + hi - s;
    }
    return s;
}

/* The common case, 16-bit samples without inversion, as straight loops the compiler can
 * vectorise: mask, shift, sign-extend by xor-subtract, integer rescale, min/max for overflow. */
static int convert_u16_fast(const uint16_t *src, size_t n, const dcm_pixel_format *f,
                            double slope, double intercept, int16_t *out_i16, float *out_f32,
                            int *overflow)
{
    int shift = f->high_bit + 1 - f->bits_stored;
    if (f->bits_allocated != 16 || f->invert || shift < 0 || f->bits_stored < 1 ||
        f->bits_stored > 16)
        return 0;
    uint32_t mask = f->bits_stored >= 16 ? 0xffffu : ((1u << f->bits_stored) - 1u);
    int32_t sign = f->pixel_representation == 1 ? (int32_t)1 << (f->bits_stored - 1) : 0;
    if (out_i16 != NULL) {
        if (slope != floor(slope) || intercept != floor(intercept) || fabs(slope) > 16384 ||
            fabs(intercept) > 16777216)
            return 0;
        int32_t is = (int32_t)slope, ii = (int32_t)intercept;
        int32_t lo = INT32_MAX, hi = INT32_MIN;
        for (size_t i = 0; i < n; i++) {
            int32_t v = (int32_t)(((uint32_t)src[i] >> shift) & mask);
            v = (v ^ sign) - sign;
            v = v * is + ii;
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
            out_i16[i] = (int16_t)(v < INT16_MIN ? INT16_MIN : v > INT16_MAX ? INT16_MAX : v);
        }
        if (n > 0 && (lo < INT16_MIN || hi > INT16_MAX))
            *overflow = 1;
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        int32_t v = (int32_t)(((uint32_t)src[i] >> shift) & mask);
        v = (v ^ sign) - sign;
        out_f32[i] = (float)((double)v * slope + intercept);
    }
    return 1;
}

void tmesh_dicom__convert_frame(const void *native, const dcm_pixel_format *f, uint32_t frame,
                                double slope, double intercept, int16_t *out_i16, float *out_f32,
                                int *overflow)
{
    size_t n = (size_t)f->rows * (size_t)f->columns;
    size_t base = n * frame;
    if (f->bits_allocated == 16 &&
        convert_u16_fast((const uint16_t *)native + base, n, f, slope, intercept, out_i16,
                         out_f32, overflow))
        return;
    int integral = slope == floor(slope) && intercept == floor(intercept);
    for (size_t i = 0; i < n; i++) {
        uint32_t raw;
        switch (f->bits_allocated) {
        case 8: raw = ((const uint8_t *)native)[base + i]; break;
        case 32: raw = ((const uint32_t *)native)[base + i]; break;
        default: raw = ((const uint16_t *)native)[base + i]; break;
        }
        int64_t s = stored_value(raw, f);
        if (out_i16 != NULL) {
            if (integral) {
                int64_t v = s * (int64_t)slope + (int64_t)intercept;
                if (v < INT16_MIN || v > INT16_MAX) {
                    *overflow = 1;
                    v = v < INT16_MIN ? INT16_MIN : INT16_MAX;
                }
                out_i16[i] = (int16_t)v;
            } else {
                *overflow = 1;
                out_i16[i] = 0;
            }
        } else {
            out_f32[i] = (float)((double)s * slope + intercept);
        }
    }
}

tmesh_status tmesh_dicom__read_file(uint8_t **data_out, size_t *len_out, char *sha256_hex,
                                    const char *path, tmesh_error *err)
{
    uint8_t *raw = NULL;
    size_t len = 0;
    tmesh_status st = tmesh_fs_read_all(path, &raw, &len, err);
    if (st != TMESH_OK)
        return st;
    if (sha256_hex != NULL) {
        uint8_t d[32];
        tmesh_sha256_buf(raw, len, d);
        tmesh_sha256_hex(d, sha256_hex);
    }
    if (len >= 2 && raw[0] == 0x1f && raw[1] == 0x8b) {
        uint8_t *plain = NULL;
        size_t plen = 0;
        st = tmesh_gunzip(&plain, &plen, raw, len, 0, path, err);
        free(raw);
        if (st != TMESH_OK)
            return st;
        /* Keep one readable zero byte past the end (the bridge reads an even length). */
        uint8_t *padded = realloc(plain, plen + 1);
        if (padded == NULL) {
            free(plain);
            return tmesh_error_set(err, TMESH_E_NOMEM, "%s: out of memory", path);
        }
        padded[plen] = 0;
        *data_out = padded;
        *len_out = plen;
        return TMESH_OK;
    }
    *data_out = raw; /* tmesh_fs_read_all already keeps a zero byte past the end */
    *len_out = len;
    return TMESH_OK;
}

tmesh_status tmesh_dicom__hash_file(char *sha256_hex, const char *path, tmesh_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0)
            close(fd);
        return tmesh_error_set(err, TMESH_E_IO, "%s: cannot open: %s", path, strerror(errno));
    }
    uint8_t d[32];
    size_t len = (size_t)st.st_size;
    /* Mapped, the page cache is hashed in place: no copy of the file. */
    void *map = len ? mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
    close(fd);
    if (map == MAP_FAILED) {
        uint8_t *data = NULL;
        tmesh_status rs = tmesh_fs_read_all(path, &data, &len, err);
        if (rs != TMESH_OK)
            return rs;
        tmesh_sha256_buf(data, len, d);
        free(data);
    } else {
        tmesh_sha256_buf(map, len, d);
        munmap(map, len);
    }
    tmesh_sha256_hex(d, sha256_hex);
    return TMESH_OK;
}

/* ---- JPEG 2000 through OpenJPEG ---- */

typedef struct j2k_src {
    const uint8_t *data;
    size_t len, pos;
} j2k_src;

static OPJ_SIZE_T j2k_read(void *buf, OPJ_SIZE_T n, void *user)
{
    j2k_src *s = user;
    if (s->pos >= s->len)
        return (OPJ_SIZE_T)-1;
    size_t take = s->len - s->pos < n ? s->len - s->pos : n;
    memcpy(buf, s->data + s->pos, take);
    s->pos += take;
    return take;
}

static OPJ_OFF_T j2k_skip(OPJ_OFF_T n, void *user)
{
    j2k_src *s = user;
    if (n < 0 || (size_t)n > s->len - s->pos)
        n = (OPJ_OFF_T)(s->len - s->pos);
    s->pos += (size_t)n;
    return n;
}

static OPJ_BOOL j2k_seek(OPJ_OFF_T n, void *user)
{
    j2k_src *s = user;
    if (n < 0 || (size_t)n > s->len)
        return OPJ_FALSE;
    s->pos = (size_t)n;
    return OPJ_TRUE;
}

static void j2k_quiet(const char *msg, void *user)
{
    (void)msg;
    (void)user;
}

static void j2k_keep_error(const char *msg, void *user)
{
    char *dst = user;
    if (dst[0] == '\0') {
        snprintf(dst, 200, "%s", msg);
        size_t l = strlen(dst);
        while (l > 0 && (dst[l - 1] == '\n' || dst[l - 1] == ' '))
            dst[--l] = '\0';
    }
}

/* Decode one codestream into `out` (rows*columns samples of bits_allocated bits). */
static tmesh_status j2k_decode_one(const uint8_t *data, size_t len, const dcm_pixel_format *f,
                                   void *out, const char *name, uint32_t frame, tmesh_error *err)
{
    /* A JP2 file signature means a boxed file; DICOM should hold a raw codestream. */
    OPJ_CODEC_FORMAT fmt = (len >= 12 && memcmp(data + 4, "jP  ", 4) == 0) ? OPJ_CODEC_JP2
                                                                           : OPJ_CODEC_J2K;
    opj_codec_t *codec = opj_create_decompress(fmt);
    opj_stream_t *stream = opj_stream_default_create(OPJ_TRUE);
    opj_image_t *img = NULL;
    char why[200] = "";
    tmesh_status st = TMESH_OK;
    j2k_src src = {data, len, 0};
    if (codec == NULL || stream == NULL) {
        st = tmesh_error_set(err, TMESH_E_NOMEM, "%s: cannot start the JPEG 2000 decoder", name);
        goto done;
    }
    opj_set_info_handler(codec, j2k_quiet, NULL);
    opj_set_warning_handler(codec, j2k_quiet, NULL);
    opj_set_error_handler(codec, j2k_keep_error, why);
    opj_stream_set_user_data(stream, &src, NULL);
    opj_stream_set_user_data_length(stream, len);
    opj_stream_set_read_function(stream, j2k_read);
    opj_stream_set_skip_function(stream, j2k_skip);
    opj_stream_set_seek_function(stream, j2k_seek);
    opj_dparameters_t params;
    opj_set_default_decoder_parameters(&params);
    if (!opj_setup_decoder(codec, &params) || !opj_read_header(stream, codec, &img) ||
        !opj_decode(codec, stream, img) || !opj_end_decompress(codec, stream)) {
        st = tmesh_error_set(err, TMESH_E_DATA, "%s: frame %u: JPEG 2000 decoding failed%s%s",
                             name, frame + 1, why[0] ? ": " : "", why);
        goto done;
    }
    if (img->numcomps < 1 || img->comps[0].w != (OPJ_UINT32)f->columns ||
        img->comps[0].h != (OPJ_UINT32)f->rows || img->comps[0].data == NULL) {
        st = tmesh_error_set(err, TMESH_E_DATA,
                             "%s: frame %u: JPEG 2000 image is %ux%u, header says %dx%d", name,
                             frame + 1, img->numcomps ? img->comps[0].w : 0,
                             img->numcomps ? img->comps[0].h : 0, f->columns, f->rows);
        goto done;
    }
    size_t n = (size_t)f->rows * (size_t)f->columns;
    const OPJ_INT32 *c = img->comps[0].data;
    for (size_t i = 0; i < n; i++) {
        /* OpenJPEG returns sign-extended values; store them as the raw bit pattern. */
        uint32_t v = (uint32_t)c[i];
        if (f->bits_allocated == 8)
            ((uint8_t *)out)[i] = (uint8_t)v;
        else if (f->bits_allocated == 32)
            ((uint32_t *)out)[i] = v;
        else
            ((uint16_t *)out)[i] = (uint16_t)v;
    }
done:
    if (img)
        opj_image_destroy(img);
    if (stream)
        opj_stream_destroy(stream);
    if (codec)
        opj_destroy_codec(codec);
    return st;
}

/* Does fragment `i` start a new codestream (SOC + SIZ markers)? */
static int starts_codestream(const tmesh_dcm_pixels *px, size_t i)
{
    const uint8_t *d = px->fragments[i];
    return px->fragment_len[i] >= 4 && d[0] == 0xff && d[1] == 0x4f && d[2] == 0xff && d[3] == 0x51;
}

tmesh_status tmesh_dicom__decode_j2k(tmesh_dcm_pixels *px, const dcm_pixel_format *f,
                                     uint32_t n_frames, const char *name, tmesh_error *err)
{
    size_t bytes_per = f->bits_allocated == 8 ? 1 : f->bits_allocated == 32 ? 4 : 2;
    size_t frame_bytes = (size_t)f->rows * (size_t)f->columns * bytes_per;
    uint8_t *native = malloc(frame_bytes * n_frames + 1);
    if (native == NULL)
        return tmesh_error_set(err, TMESH_E_NOMEM, "%s: out of memory for decoded pixels", name);
    /* Frame boundaries (PS3.5 A.4): one fragment per frame when the counts match; otherwise
     * a new frame starts at each fragment that begins a codestream. */
    size_t *first = malloc((n_frames + 1) * sizeof *first);
    if (first == NULL) {
        free(native);
        return tmesh_error_set(err, TMESH_E_NOMEM, "%s: out of memory", name);
    }
    size_t found = 0;
    if (px->n_fragments == n_frames) {
        for (size_t i = 0; i < n_frames; i++)
            first[i] = i;
        found = n_frames;
    } else if (n_frames == 1) {
        first[0] = 0;
        found = 1;
    } else {
        for (size_t i = 0; i < px->n_fragments && found <= n_frames; i++)
            if (starts_codestream(px, i)) {
                if (found < n_frames)
                    first[found] = i;
                found++;
            }
    }
    if (found != n_frames) {
        free(first);
        free(native);
        return tmesh_error_set(err, TMESH_E_DATA,
                               "%s: %zu JPEG 2000 codestreams in %zu fragments for %u frames",
                               name, found, px->n_fragments, n_frames);
    }
    first[n_frames] = px->n_fragments;
    tmesh_status st = TMESH_OK;
    for (uint32_t fr = 0; fr < n_frames && st == TMESH_OK; fr++) {
        size_t a = first[fr], b = first[fr + 1], total = 0;
        for (size_t i = a; i < b; i++)
            total += px->fragment_len[i];
        uint8_t *cs = malloc(total ? total : 1);
        if (cs == NULL) {
            st = tmesh_error_set(err, TMESH_E_NOMEM, "%s: out of memory", name);
            break;
        }
        size_t at = 0;
        for (size_t i = a; i < b; i++) {
            memcpy(cs + at, px->fragments[i], px->fragment_len[i]);
            at += px->fragment_len[i];
        }
        st = j2k_decode_one(cs, total, f, native + fr * frame_bytes, name, fr, err);
        free(cs);
    }
    free(first);
    if (st != TMESH_OK) {
        free(native);
        return st;
    }
    free(px->native);
    px->native = native;
    px->samples = native;
    px->samples_len = frame_bytes * n_frames;
    return TMESH_OK;
}
