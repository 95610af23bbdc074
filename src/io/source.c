#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "io/file.h"
#include "io/source.h"

void ds_set_error(ds_error *err, const char *fmt, ...)
{
    if (!err)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->text, sizeof err->text, fmt, ap);
    va_end(ap);
}

static bool is_gzip(const uint8_t *p, uint64_t n)
{
    return n >= 3 && p[0] == 0x1F && p[1] == 0x8B && p[2] == 8;
}

int ds_source_map_fd(ds_source *s, int fd, uint64_t size, ds_error *err)
{
    if (size == 0) { /* mmap refuses empty files; an empty view is still valid */
        s->bytes.data = (const uint8_t *)"";
        s->bytes.size = 0;
        return 0;
    }
    if (size > (uint64_t)SIZE_MAX) {
        ds_set_error(err, "file too large to map");
        return -1;
    }
    void *m = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) {
        ds_set_error(err, "cannot map file: %s", strerror(errno));
        return -1;
    }
    s->map = m;
    s->map_len = (size_t)size;
    s->bytes.data = m;
    s->bytes.size = size;
    return 0;
}

int ds_source_tmp_fd(ds_error *err)
{
    char tmpl[] = "/tmp/dumpscan-XXXXXX";
    const char *dir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/dumpscan-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(strlen(path) < sizeof path - 1 ? path : tmpl);
    if (fd < 0) {
        ds_set_error(err, "cannot create a temporary file: %s", strerror(errno));
        return -1;
    }
    unlink(strlen(path) < sizeof path - 1 ? path : tmpl);
    return fd;
}

/* Inflate every gzip member of in[] into an unlinked temporary file. */
static int gunzip_to_tmp(ds_source *s, const uint8_t *in, uint64_t inlen, ds_error *err)
{
    int fd = ds_source_tmp_fd(err);
    if (fd < 0)
        return -1;

    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 15 + 32) != Z_OK) {
        close(fd);
        ds_set_error(err, "zlib init failed");
        return -1;
    }
    static const size_t CHUNK = 1 << 18;
    uint8_t *out = malloc(CHUNK);
    uint64_t total = 0, consumed = 0;
    int rc = Z_OK, ret = -1;
    if (!out) {
        ds_set_error(err, "out of memory");
        goto done;
    }
    while (consumed < inlen) {
        uint64_t left = inlen - consumed;
        z.next_in = (Bytef *)(in + consumed);
        z.avail_in = left > UINT32_MAX ? UINT32_MAX : (uInt)left;
        uInt before = z.avail_in;
        z.next_out = out;
        z.avail_out = (uInt)CHUNK;
        rc = inflate(&z, Z_NO_FLUSH);
        consumed += before - z.avail_in;
        size_t got = CHUNK - z.avail_out;
        if (got) {
            total += got;
            if (total > DS_GUNZIP_LIMIT) {
                ds_set_error(err, "gzip data inflates beyond %llu bytes; refusing",
                             (unsigned long long)DS_GUNZIP_LIMIT);
                goto done;
            }
            if (write(fd, out, got) != (ssize_t)got) {
                ds_set_error(err, "cannot write temporary file: %s", strerror(errno));
                goto done;
            }
        }
        if (rc == Z_STREAM_END) {
            /* Concatenated members are legal gzip; trailing junk is ignored. */
            if (consumed < inlen && is_gzip(in + consumed, inlen - consumed)) {
                inflateReset(&z);
                continue;
            }
            break;
        }
        if (rc == Z_BUF_ERROR && z.avail_in == 0)
            break; /* input ended mid-stream: keep what we have */
        if (rc != Z_OK) {
            if (total == 0) {
                ds_set_error(err, "corrupt gzip data: %s", z.msg ? z.msg : "inflate failed");
                goto done;
            }
            break; /* damaged tail: what inflated so far is still a (truncated) dump */
        }
    }
    if (ds_source_map_fd(s, fd, total, err) == 0) {
        s->compressed = true;
        ret = 0;
    }
done:
    free(out);
    inflateEnd(&z);
    close(fd);
    return ret;
}

int ds_source_open_memory(ds_source *s, const void *data, size_t size, ds_error *err)
{
    memset(s, 0, sizeof *s);
    if (is_gzip(data, size))
        return gunzip_to_tmp(s, data, size, err);
    s->bytes.data = size ? data : (const uint8_t *)"";
    s->bytes.size = size;
    return 0;
}

int ds_source_open_file(ds_source *s, const char *path, ds_error *err)
{
    memset(s, 0, sizeof *s);
    uint64_t size;
    int fd = ds_file_open(path, &size, err);
    if (fd < 0)
        return -1;
    int rc = ds_source_map_fd(s, fd, size, err);
    close(fd);
    if (rc != 0)
        return rc;
    if (is_gzip(s->bytes.data, s->bytes.size)) {
        ds_source gz;
        memset(&gz, 0, sizeof gz);
        rc = gunzip_to_tmp(&gz, s->bytes.data, s->bytes.size, err);
        ds_source_close(s);
        if (rc != 0)
            return rc;
        *s = gz;
    }
    return 0;
}

void ds_source_close(ds_source *s)
{
    if (s->map)
        munmap(s->map, s->map_len);
    memset(s, 0, sizeof *s);
}
