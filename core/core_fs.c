/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * File helpers: whole-file reads, atomic writes (temporary file, fsync, rename, folder fsync)
 * and in-memory gunzip. Every error names the path and the system's reason.
 */
#define _POSIX_C_SOURCE 200809L
#include "core_int.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

tmesh_status tmesh_fs_read_all(const char *path, uint8_t **data_out, size_t *len_out,
                               tmesh_error *err)
{
    *data_out = NULL;
    *len_out = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return tmesh_error_set(err, errno == ENOENT ? TMESH_E_NOTFOUND : TMESH_E_IO,
                               "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int e = errno;
        close(fd);
        return tmesh_error_set(err, TMESH_E_IO, "%s: not a readable regular file%s%s", path,
                               S_ISREG(st.st_mode) ? ": " : "", S_ISREG(st.st_mode) ? strerror(e) : "");
    }
    size_t cap = (size_t)st.st_size;
    uint8_t *buf = malloc(cap + 1);
    if (buf == NULL) {
        close(fd);
        return tmesh_error_set(err, TMESH_E_NOMEM, "%s: out of memory for %zu bytes", path, cap);
    }
    size_t len = 0;
    for (;;) {
        if (len == cap) {
            /* The file grew since fstat: keep reading. */
            uint8_t *nb = realloc(buf, 2 * cap + 4097);
            if (nb == NULL) {
                free(buf);
                close(fd);
                return tmesh_error_set(err, TMESH_E_NOMEM, "%s: out of memory", path);
            }
            buf = nb;
            cap = 2 * cap + 4096;
        }
        ssize_t r = read(fd, buf + len, cap - len);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            free(buf);
            close(fd);
            return tmesh_error_set(err, TMESH_E_IO, "%s: read failed: %s", path, strerror(e));
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    close(fd);
    buf[len] = 0;
    *data_out = buf;
    *len_out = len;
    return TMESH_OK;
}

static int write_full(int fd, const uint8_t *p, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Stream `n` parts into `fd`, raw or as one gzip member (fixed header: no time, no name). */
static int write_parts(int fd, size_t n, const void *const *parts, const size_t *lens, int gzip)
{
    if (!gzip) {
        for (size_t i = 0; i < n; i++)
            if (write_full(fd, parts[i], lens[i]) != 0)
                return -1;
        return 0;
    }
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        errno = ENOMEM;
        return -1;
    }
    uint8_t out[1 << 16];
    int rc = 0;
    for (size_t i = 0; i <= n && rc == 0; i++) {
        const uint8_t *p = i < n ? parts[i] : NULL;
        size_t left = i < n ? lens[i] : 0;
        int flush = i < n ? Z_NO_FLUSH : Z_FINISH;
        do {
            size_t chunk = left > (1u << 30) ? (1u << 30) : left;
            zs.next_in = (Bytef *)p;
            zs.avail_in = (uInt)chunk;
            int zr;
            do {
                zs.next_out = out;
                zs.avail_out = sizeof out;
                zr = deflate(&zs, (chunk == left) ? flush : Z_NO_FLUSH);
                size_t have = sizeof out - zs.avail_out;
                if (have && write_full(fd, out, have) != 0) {
                    rc = -1;
                    break;
                }
            } while (zs.avail_out == 0 && rc == 0);
            (void)zr;
            p += chunk;
            left -= chunk;
        } while (left > 0 && rc == 0);
    }
    deflateEnd(&zs);
    return rc;
}

tmesh_status tmesh_fs_write_atomic_parts(const char *path, size_t n, const void *const *parts,
                                         const size_t *lens, int gzip, tmesh_error *err)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 32);
    char *dircopy = strdup(path);
    if (tmp == NULL || dircopy == NULL) {
        free(tmp);
        free(dircopy);
        return tmesh_error_set(err, TMESH_E_NOMEM, "%s: out of memory", path);
    }
    snprintf(tmp, plen + 32, "%s.tmp.%ld", path, (long)getpid());
    tmesh_status st = TMESH_OK;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        st = tmesh_error_set(err, TMESH_E_IO, "%s: cannot create: %s", path, strerror(errno));
        goto done;
    }
    if (write_parts(fd, n, parts, lens, gzip) != 0 || fsync(fd) != 0) {
        st = tmesh_error_set(err, TMESH_E_IO, "%s: write failed: %s", path, strerror(errno));
        close(fd);
        unlink(tmp);
        goto done;
    }
    if (close(fd) != 0) {
        st = tmesh_error_set(err, TMESH_E_IO, "%s: close failed: %s", path, strerror(errno));
        unlink(tmp);
        goto done;
    }
    if (rename(tmp, path) != 0) {
        st = tmesh_error_set(err, TMESH_E_IO, "%s: rename failed: %s", path, strerror(errno));
        unlink(tmp);
        goto done;
    }
    int dfd = open(dirname(dircopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd); /* best effort: some file systems refuse fsync on folders */
        close(dfd);
    }
done:
    free(tmp);
    free(dircopy);
    return st;
}

tmesh_status tmesh_fs_write_atomic(const char *path, const void *data, size_t len,
                                   tmesh_error *err)
{
    const void *parts[1] = {data};
    return tmesh_fs_write_atomic_parts(path, 1, parts, &len, 0, err);
}

tmesh_status tmesh_gunzip(uint8_t **out_data, size_t *out_len, const uint8_t *gz, size_t gz_len,
                          size_t max_len, const char *name, tmesh_error *err)
{
    *out_data = NULL;
    *out_len = 0;
    /* The gzip trailer holds the size modulo 2^32: a good first guess for the buffer. */
    size_t cap = gz_len * 4 + 1024;
    if (gz_len >= 4) {
        size_t isize = (size_t)gz[gz_len - 4] | (size_t)gz[gz_len - 3] << 8 |
                       (size_t)gz[gz_len - 2] << 16 | (size_t)gz[gz_len - 1] << 24;
        if (isize > 0 && isize < (size_t)1 << 31)
            cap = isize + 1;
    }
    if (max_len && cap > max_len + 1)
        cap = max_len + 1;
    uint8_t *buf = malloc(cap);
    if (buf == NULL)
        return tmesh_error_set(err, TMESH_E_NOMEM, "%s: out of memory for gunzip", name);
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 15 + 16) != Z_OK) {
        free(buf);
        return tmesh_error_set(err, TMESH_E_INTERNAL, "%s: zlib init failed", name);
    }
    zs.next_in = (Bytef *)gz;
    size_t in_left = gz_len;
    size_t len = 0;
    int rc = Z_OK;
    while (rc != Z_STREAM_END) {
        if (len == cap) {
            if (max_len && len > max_len)
                break;
            size_t ncap = cap * 2;
            uint8_t *nb = realloc(buf, ncap);
            if (nb == NULL) {
                inflateEnd(&zs);
                free(buf);
                return tmesh_error_set(err, TMESH_E_NOMEM, "%s: out of memory for gunzip", name);
            }
            buf = nb;
            cap = ncap;
        }
        zs.next_out = buf + len;
        size_t out_room = cap - len;
        zs.avail_out = out_room > 0x40000000u ? 0x40000000u : (uInt)out_room;
        size_t in_chunk = in_left > 0x40000000u ? 0x40000000u : in_left;
        zs.avail_in = (uInt)in_chunk;
        uInt before_out = zs.avail_out;
        rc = inflate(&zs, Z_NO_FLUSH);
        in_left -= in_chunk - zs.avail_in;
        len += before_out - zs.avail_out;
        if (rc == Z_STREAM_END)
            break;
        if (rc != Z_OK && rc != Z_BUF_ERROR) {
            inflateEnd(&zs);
            free(buf);
            return tmesh_error_set(err, TMESH_E_DATA, "%s: corrupt gzip data (%s)", name,
                                   zs.msg ? zs.msg : "inflate failed");
        }
        if (rc == Z_BUF_ERROR && in_left == 0 && len < cap) {
            inflateEnd(&zs);
            free(buf);
            return tmesh_error_set(err, TMESH_E_DATA, "%s: truncated gzip data", name);
        }
    }
    inflateEnd(&zs);
    if (max_len && len > max_len) {
        free(buf);
        return tmesh_error_set(err, TMESH_E_DATA, "%s: gzip content larger than %zu bytes", name,
                               max_len);
    }
    *out_data = buf;
    *out_len = len;
    return TMESH_OK;
}
