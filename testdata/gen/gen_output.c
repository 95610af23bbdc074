/*
 * Writing a dump image described as extents (gaps are zero): a plain file, a
 * sparse file (only extents written, then ftruncate), or a gzip stream. The
 * truncate_at corruption cuts the logical (uncompressed) image.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pwrite, ftruncate */
#endif
#include "gen_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

static const uint8_t zeros[65536];

int out_add(gout *o, uint64_t off, const uint8_t *data, size_t len)
{
    if (o->n && off < o->e[o->n - 1].off + o->e[o->n - 1].len) return -1; /* must ascend */
    if (o->n == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 64;
        gextent *e = realloc(o->e, cap * sizeof *e);
        if (!e) return -1;
        o->e = e;
        o->cap = cap;
    }
    o->e[o->n++] = (gextent){off, data, len};
    return 0;
}

void out_free(gout *o)
{
    free(o->e);
    memset(o, 0, sizeof *o);
}

typedef struct sink {
    int fd;
    gzFile gz;
    uint64_t pos;
} sink;

static int sink_write(sink *k, const uint8_t *p, uint64_t n)
{
    while (n) {
        size_t c = n > (1u << 20) ? (1u << 20) : (size_t)n;
        if (k->gz) {
            int r = gzwrite(k->gz, p, (unsigned)c);
            if (r <= 0) return -1;
            c = (size_t)r;
        } else {
            ssize_t r = write(k->fd, p, c);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) return -1;
            c = (size_t)r;
        }
        p += c;
        n -= c;
        k->pos += c;
    }
    return 0;
}

static int sink_zeros(sink *k, uint64_t n)
{
    while (n) {
        uint64_t c = n > sizeof zeros ? sizeof zeros : n;
        if (sink_write(k, zeros, c) != 0) return -1;
        n -= c;
    }
    return 0;
}

static int pwrite_all(int fd, const uint8_t *p, size_t n, uint64_t off)
{
    while (n) {
        ssize_t r = pwrite(fd, p, n, (off_t)off);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        p += r;
        n -= (size_t)r;
        off += (uint64_t)r;
    }
    return 0;
}

int out_emit(const gout *o, const gen_spec *s, const char *path, uint64_t *written,
             char *err, size_t errlen)
{
    uint64_t size = o->size;
    if (s->truncate_at && s->truncate_at < size) size = s->truncate_at;
    sink k = {.fd = -1};
    int rc = -1;

    if (s->gzip) {
        k.gz = gzopen(path, "wb6");
        if (!k.gz) {
            gen_seterr(err, errlen, "cannot create %s", path);
            return -1;
        }
    } else {
        k.fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (k.fd < 0) {
            gen_seterr(err, errlen, "cannot create %s: %s", path, strerror(errno));
            return -1;
        }
    }

    bool sparse = s->sparse_file && !s->gzip;
    for (size_t i = 0; i < o->n; i++) {
        const gextent *e = &o->e[i];
        if (e->off >= size) break;
        uint64_t len = e->len;
        if (e->off + len > size) len = size - e->off;
        if (sparse) {
            if (pwrite_all(k.fd, e->data, (size_t)len, e->off) != 0) goto io;
        } else {
            if (sink_zeros(&k, e->off - k.pos) != 0) goto io;
            if (sink_write(&k, e->data, len) != 0) goto io;
        }
    }
    if (sparse) {
        if (ftruncate(k.fd, (off_t)size) != 0) goto io;
    } else if (sink_zeros(&k, size - k.pos) != 0) {
        goto io;
    }
    rc = 0;
    *written = size;
io:
    if (rc != 0) gen_seterr(err, errlen, "write to %s failed", path);
    if (k.gz) {
        if (gzclose(k.gz) != Z_OK && rc == 0) {
            gen_seterr(err, errlen, "gzip close of %s failed", path);
            rc = -1;
        }
    } else if (k.fd >= 0) {
        if (close(k.fd) != 0 && rc == 0) {
            gen_seterr(err, errlen, "close of %s failed", path);
            rc = -1;
        }
    }
    if (rc != 0) unlink(path);
    return rc;
}
