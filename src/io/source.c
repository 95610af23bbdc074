#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* A range fetched beyond the resident bytes; lives until ds_source_close. */
struct ds_chunk {
    ds_chunk *next;
    uint64_t off, len;
    uint8_t data[];
};

/* Fetches are rounded out to this so neighbouring small reads share one. */
#define FETCH_ALIGN (64u << 10)

/* ------------------------------------------------------------ raw reads */

/* Bytes at off from the file behind the view (beyond the resident part);
 * a short count means the file shrank. Caller holds no lock. */
static size_t read_backing(ds_source *s, uint64_t off, void *buf, size_t len)
{
    ssize_t n = s->windows ? ds_file_pread(s->fd, buf, len, off) : 0;
    size_t got = n > 0 ? (size_t)n : 0;
    if (got < len) {
        pthread_mutex_lock(&s->lock);
        s->shrank = true;
        pthread_mutex_unlock(&s->lock);
    }
    return got;
}

size_t ds_bytes_read(ds_bytes b, uint64_t off, void *buf, size_t len)
{
    if (off >= b.size)
        return 0;
    if (len > b.size - off)
        len = (size_t)(b.size - off);
    uint64_t resident = b.src ? b.resident : b.size;
    size_t done = 0;
    if (off < resident) {
        done = len < resident - off ? len : (size_t)(resident - off);
        memcpy(buf, b.data + off, done);
    }
    if (done < len)
        done += read_backing(b.src, off + done, (uint8_t *)buf + done, len - done);
    return done;
}

const uint8_t *ds_source_span(ds_source *s, uint64_t off, uint64_t len)
{
    const uint8_t *out = NULL;
    pthread_mutex_lock(&s->lock);
    for (ds_chunk *c = s->chunks; c; c = c->next)
        if (off >= c->off && ds_in_bounds(off - c->off, len, c->len)) {
            out = c->data + (off - c->off);
            break;
        }
    if (out || s->shrank) {
        pthread_mutex_unlock(&s->lock);
        return out;
    }
    uint64_t start = off - off % FETCH_ALIGN, end = off + len;
    if (end % FETCH_ALIGN)
        end += FETCH_ALIGN - end % FETCH_ALIGN;
    if (end > s->bytes.size)
        end = s->bytes.size;
    uint64_t n = end - start;
    ds_chunk *c = NULL;
    if (n > DS_SOURCE_FETCH_MAX - s->fetched || !(c = malloc(sizeof *c + (size_t)n))) {
        s->fetch_refused = true;
        pthread_mutex_unlock(&s->lock);
        return NULL;
    }
    pthread_mutex_unlock(&s->lock);
    size_t got = read_backing(s, start, c->data, (size_t)n);
    pthread_mutex_lock(&s->lock);
    if (got < n) {
        free(c);
    } else {
        c->off = start;
        c->len = n;
        c->next = s->chunks;
        s->chunks = c;
        s->fetched += n;
        out = c->data + (off - start);
    }
    pthread_mutex_unlock(&s->lock);
    return out;
}

/* ------------------------------------------------------------ gzip */

/* Compressed input: a file read in pieces, or a caller's buffer. */
typedef struct gz_in {
    int fd;
    const uint8_t *mem;
    uint64_t size, pos;
    uint8_t buf[1 << 16];
} gz_in;

/* Point z at the next compressed bytes; false at the end of the input. */
static bool gz_feed(gz_in *in, z_stream *z)
{
    if (in->pos >= in->size)
        return false;
    uint64_t left = in->size - in->pos;
    if (in->mem) {
        z->next_in = (Bytef *)(in->mem + in->pos);
        z->avail_in = left > UINT32_MAX ? UINT32_MAX : (uInt)left;
    } else {
        ssize_t n = ds_file_pread(in->fd, in->buf, left < sizeof in->buf ? (size_t)left
                                                                            : sizeof in->buf,
                                  in->pos);
        if (n <= 0)
            return false; /* the compressed file shrank: what inflated stands */
        z->next_in = in->buf;
        z->avail_in = (uInt)n;
    }
    return true;
}

/* Inflated output: a heap buffer while it is small, then an unlinked
 * temporary file read through windows like a large dump. */
typedef struct gz_out {
    uint8_t *buf;
    size_t len, cap, keep_max;
    int fd;
    uint64_t total;
} gz_out;

int ds_source_tmp_fd(ds_error *err)
{
    char tmpl[] = "/tmp/dumpscan-XXXXXX";
    const char *dir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/dumpscan-XXXXXX", dir && *dir ? dir : "/tmp");
    char *use = strlen(path) < sizeof path - 1 ? path : tmpl;
    int fd = mkstemp(use);
    if (fd < 0) {
        ds_set_error(err, "cannot create a temporary file: %s", strerror(errno));
        return -1;
    }
    unlink(use);
    return fd;
}

static int gz_spill(gz_out *o, ds_error *err)
{
    o->fd = ds_source_tmp_fd(err);
    return o->fd < 0 ? -1 : 0;
}

static int gz_put(gz_out *o, const uint8_t *p, size_t n, ds_error *err)
{
    if (o->total + n > DS_GUNZIP_LIMIT) {
        ds_set_error(err, "gzip data inflates beyond %llu bytes; refusing",
                     (unsigned long long)DS_GUNZIP_LIMIT);
        return -1;
    }
    if (o->fd < 0 && o->len + n > o->keep_max) {
        if (gz_spill(o, err) != 0)
            return -1;
        if (o->len && write(o->fd, o->buf, o->len) != (ssize_t)o->len)
            goto write_error;
    }
    if (o->fd >= 0) {
        if (write(o->fd, p, n) != (ssize_t)n)
            goto write_error;
    } else {
        if (o->len + n > o->cap) {
            size_t cap = o->cap ? o->cap : 1 << 20;
            while (cap < o->len + n)
                cap *= 2;
            uint8_t *nb = realloc(o->buf, cap + 1);
            if (!nb) {
                ds_set_error(err, "out of memory");
                return -1;
            }
            o->buf = nb;
            o->cap = cap;
        }
        memcpy(o->buf + o->len, p, n);
        o->len += n;
    }
    o->total += n;
    return 0;
write_error:
    ds_set_error(err, "cannot write temporary file: %s", strerror(errno));
    return -1;
}

/* Inflate every gzip member of the input. */
static int gunzip(gz_in *in, gz_out *o, ds_error *err)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 15 + 32) != Z_OK) {
        ds_set_error(err, "zlib init failed");
        return -1;
    }
    enum { CHUNK = 1 << 18 };
    uint8_t *out = malloc(CHUNK);
    int ret = -1;
    if (!out) {
        ds_set_error(err, "out of memory");
        goto done;
    }
    for (;;) {
        if (z.avail_in == 0 && !gz_feed(in, &z))
            break; /* input ended mid-stream: keep what we have */
        uInt before = z.avail_in;
        z.next_out = out;
        z.avail_out = CHUNK;
        int rc = inflate(&z, Z_NO_FLUSH);
        in->pos += before - z.avail_in;
        size_t got = CHUNK - z.avail_out;
        if (got && gz_put(o, out, got, err) != 0)
            goto done;
        if (rc == Z_STREAM_END) {
            /* Concatenated members are legal gzip; trailing junk is ignored. */
            uint8_t sig[3];
            size_t have = z.avail_in < 3 ? z.avail_in : 3;
            memcpy(sig, z.next_in, have);
            if (have < 3 && in->fd >= 0)
                have += (size_t)ds_file_pread(in->fd, sig + have, 3 - have,
                                              in->pos + z.avail_in);
            if (!is_gzip(sig, have) || (in->mem && have < 3))
                break;
            inflateReset(&z);
            continue;
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR) {
            if (o->total == 0) {
                ds_set_error(err, "corrupt gzip data: %s", z.msg ? z.msg : "inflate failed");
                goto done;
            }
            break; /* damaged tail: what inflated so far is still a (truncated) dump */
        }
    }
    ret = 0;
done:
    free(out);
    inflateEnd(&z);
    return ret;
}

/* ------------------------------------------------------------ opening */

static void source_init(ds_source *s)
{
    memset(s, 0, sizeof *s);
    pthread_mutex_init(&s->lock, NULL);
}

/* The view: resident bytes own[0..resident) of size in all. */
static void set_view(ds_source *s, uint8_t *own, uint64_t resident, uint64_t size)
{
    s->own = own;
    s->bytes = (ds_bytes){own ? own : (const uint8_t *)"", size, resident, s};
}

/* Inflate a gzip input into s: in memory when small, else behind s->fd. */
static int open_gzip(ds_source *s, gz_in *in, ds_source_mode mode, ds_error *err)
{
    gz_out o = {.fd = -1, .keep_max = mode == DS_SOURCE_WHOLE ? DS_SOURCE_WHOLE_MAX
                                                              : DS_SOURCE_SMALL};
    if (gunzip(in, &o, err) != 0) {
        free(o.buf);
        if (o.fd >= 0)
            close(o.fd);
        return -1;
    }
    s->compressed = true;
    if (o.fd < 0) {
        set_view(s, o.buf, o.len, o.len);
        return 0;
    }
    free(o.buf);
    uint8_t *head = malloc(DS_SOURCE_HEAD);
    ssize_t got = head ? ds_file_pread(o.fd, head, DS_SOURCE_HEAD, 0) : -1;
    if (got != (ssize_t)DS_SOURCE_HEAD) {
        free(head);
        close(o.fd);
        ds_set_error(err, head ? "cannot read temporary file" : "out of memory");
        return -1;
    }
    s->fd = o.fd;
    s->windows = true;
    set_view(s, head, DS_SOURCE_HEAD, o.total);
    return 0;
}

int ds_source_open_memory(ds_source *s, const void *data, size_t size, ds_error *err)
{
    source_init(s);
    if (is_gzip(data, size)) {
        gz_in *in = calloc(1, sizeof *in);
        if (!in) {
            ds_set_error(err, "out of memory");
            return -1;
        }
        *in = (gz_in){.fd = -1, .mem = data, .size = size};
        int rc = open_gzip(s, in, DS_SOURCE_WINDOWS, err);
        free(in);
        if (rc != 0)
            ds_source_close(s);
        return rc;
    }
    s->bytes = (ds_bytes){size ? data : (const uint8_t *)"", size, size, NULL};
    return 0;
}

/* Read fd (size bytes at open; ours to close or keep) into s. */
static int load_fd(ds_source *s, int fd, uint64_t size, ds_source_mode mode, ds_error *err)
{
    bool whole = size <= DS_SOURCE_SMALL || mode == DS_SOURCE_WHOLE;
    if (whole && size > DS_SOURCE_WHOLE_MAX) {
        ds_set_error(err, "file too large (%llu bytes, limit %llu)", (unsigned long long)size,
                     (unsigned long long)DS_SOURCE_WHOLE_MAX);
        goto fail;
    }
    uint64_t want = whole ? size : DS_SOURCE_HEAD;
    uint8_t *buf = malloc((size_t)want + 1);
    if (!buf) {
        ds_set_error(err, "out of memory");
        goto fail;
    }
    ssize_t got = ds_file_pread(fd, buf, (size_t)want, 0);
    if (got < 0) {
        ds_set_error(err, "read error: %s", strerror(errno));
        free(buf);
        goto fail;
    }
    buf[got] = '\0'; /* text readers (Breakpad) may rely on a terminator */
    if (is_gzip(buf, (uint64_t)got)) {
        gz_in *in = calloc(1, sizeof *in);
        if (!in) {
            free(buf);
            ds_set_error(err, "out of memory");
            goto fail;
        }
        *in = whole ? (gz_in){.fd = -1, .mem = buf, .size = (uint64_t)got}
                    : (gz_in){.fd = fd, .size = size};
        int rc = open_gzip(s, in, mode, err);
        free(in);
        free(buf);
        if (rc != 0)
            goto fail;
        close(fd);
        return 0;
    }
    if ((uint64_t)got < want) { /* shrank since fstat: what was read is the file */
        s->shrank = true;
        size = (uint64_t)got;
    }
    if (whole || size == (uint64_t)got) {
        close(fd);
        set_view(s, buf, (uint64_t)got, (uint64_t)got);
    } else {
        s->fd = fd;
        s->windows = true;
        set_view(s, buf, (uint64_t)got, size);
    }
    return 0;
fail:
    close(fd);
    ds_source_close(s);
    return -1;
}

int ds_source_open_file(ds_source *s, const char *path, ds_source_mode mode, ds_error *err)
{
    source_init(s);
    uint64_t size;
    int fd = ds_file_open(path, &size, err);
    if (fd < 0) {
        ds_source_close(s);
        return -1;
    }
    return load_fd(s, fd, size, mode, err);
}

int ds_source_open_fd(ds_source *s, int fd, uint64_t size, ds_error *err)
{
    source_init(s);
    int own = dup(fd);
    if (own < 0) {
        ds_set_error(err, "%s", strerror(errno));
        ds_source_close(s);
        return -1;
    }
    return load_fd(s, own, size, DS_SOURCE_WINDOWS, err);
}

uint64_t ds_source_memory(ds_source *s)
{
    pthread_mutex_lock(&s->lock);
    uint64_t n = (s->own ? s->bytes.resident : 0) + s->fetched;
    pthread_mutex_unlock(&s->lock);
    return n;
}

void ds_source_close(ds_source *s)
{
    while (s->chunks) {
        ds_chunk *next = s->chunks->next;
        free(s->chunks);
        s->chunks = next;
    }
    free(s->own);
    if (s->windows)
        close(s->fd);
    pthread_mutex_destroy(&s->lock);
    memset(s, 0, sizeof *s);
}
