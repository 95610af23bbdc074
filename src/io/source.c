#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/file.h"
#include "io/gzindex.h"
#include "io/source.h"

void ds_set_error(ds_error *err, ds_errcode code, const char *fmt, ...)
{
    if (!err)
        return;
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->text, sizeof err->text, fmt, ap);
    va_end(ap);
}

void ds_clear_error(ds_error *err)
{
    if (err) {
        err->text[0] = '\0';
        err->code = DS_OK;
    }
}

/* errno values that mean something more precise than "cannot read". */
static const struct {
    int errnum;
    ds_errcode code;
} errno_codes[] = {
    {ENOENT, DS_E_NOT_FOUND}, {ENOTDIR, DS_E_NOT_FOUND}, {ENOMEM, DS_E_NOMEM},
    {EISDIR, DS_E_NOT_REGULAR}, {EFBIG, DS_E_TOO_LARGE}, {EOVERFLOW, DS_E_TOO_LARGE},
    {ENAMETOOLONG, DS_E_USAGE},
};

void ds_set_errno(ds_error *err, int errnum)
{
    ds_errcode code = DS_E_IO;
    for (size_t i = 0; i < sizeof errno_codes / sizeof errno_codes[0]; i++)
        if (errno_codes[i].errnum == errnum)
            code = errno_codes[i].code;
    ds_set_error(err, code, "%s", strerror(errnum));
}

static const char *const errcode_names[] = {
    [DS_OK] = "ok",
    [DS_E_IO] = "io",
    [DS_E_NOT_FOUND] = "not_found",
    [DS_E_NOT_REGULAR] = "not_regular",
    [DS_E_NOT_A_DUMP] = "not_a_dump",
    [DS_E_TOO_LARGE] = "too_large",
    [DS_E_CORRUPT] = "corrupt",
    [DS_E_NOMEM] = "nomem",
    [DS_E_USAGE] = "usage",
    [DS_E_UNSUPPORTED] = "unsupported",
};

const char *ds_errcode_name(ds_errcode code)
{
    size_t i = (size_t)code;
    return i < sizeof errcode_names / sizeof errcode_names[0] && errcode_names[i]
               ? errcode_names[i]
               : "unknown";
}

static bool is_gzip(const uint8_t *p, uint64_t n)
{
    return n >= 3 && p[0] == 0x1F && p[1] == 0x8B && p[2] == 8;
}

const ds_source_limits ds_source_defaults = {
    .small = DS_SOURCE_SMALL,
    .head = DS_SOURCE_HEAD,
    .fetch_max = DS_SOURCE_FETCH_MAX,
    .whole_max = DS_SOURCE_WHOLE_MAX,
    .gunzip_max = DS_GUNZIP_LIMIT,
    .gz_spacing = DS_GZ_SPACING,
};

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
 * a short count means the file shrank (or the compressed file changed).
 * Caller holds no lock. */
static size_t read_backing(ds_source *s, uint64_t off, void *buf, size_t len)
{
    size_t got = 0;
    if (s->reader) {
        got = s->reader(s->reader_ctx, off, buf, len);
    } else if (s->gz) {
        got = ds_gz_read(s->gz, off, buf, len);
    } else if (s->windows) {
        ssize_t n = ds_file_pread(s->fd, buf, len, off);
        got = n > 0 ? (size_t)n : 0;
    }
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
    if (n > s->lim.fetch_max - s->fetched || !(c = malloc(sizeof *c + (size_t)n))) {
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

/* ------------------------------------------------------------ opening */

static void source_init(ds_source *s, const ds_source_limits *lim)
{
    memset(s, 0, sizeof *s);
    s->lim = *lim;
    pthread_mutex_init(&s->lock, NULL);
}

/* The view: resident bytes own[0..resident) of size in all. */
static void set_view(ds_source *s, uint8_t *own, uint64_t resident, uint64_t size)
{
    s->own = own;
    s->bytes = (ds_bytes){own ? own : (const uint8_t *)"", size, resident, s};
}

/* Inflate gzip input (a buffer, or fd: ours once this succeeds) into s. */
static int open_gzip(ds_source *s, const uint8_t *mem, int fd, uint64_t size,
                     ds_source_mode mode, ds_error *err)
{
    bool whole = mode == DS_SOURCE_WHOLE;
    ds_gz_input in = {.mem = mem, .fd = fd, .size = size};
    ds_gz_limits gl = {.keep_max = whole ? s->lim.whole_max : s->lim.small,
                       .head = s->lim.head,
                       .max_out = s->lim.gunzip_max,
                       .spacing = s->lim.gz_spacing,
                       .whole_only = whole};
    ds_gz_result r;
    if (ds_gz_open(&in, &gl, &r, err) != 0)
        return -1;
    s->compressed = true;
    s->gz_truncated = r.truncated;
    s->gz = r.index;
    set_view(s, r.data, r.resident, r.total);
    return 0;
}

int ds_source_open_memory_with(ds_source *s, const void *data, size_t size,
                               const ds_source_limits *lim, ds_error *err)
{
    source_init(s, lim);
    if (is_gzip(data, size)) {
        if (open_gzip(s, data, -1, size, DS_SOURCE_WINDOWS, err) != 0) {
            ds_source_close(s);
            return -1;
        }
        return 0;
    }
    s->bytes = (ds_bytes){size ? data : (const uint8_t *)"", size, size, NULL};
    return 0;
}

int ds_source_open_memory(ds_source *s, const void *data, size_t size, ds_error *err)
{
    return ds_source_open_memory_with(s, data, size, &ds_source_defaults, err);
}

/* Read fd (size bytes at open; ours to close or keep) into s. */
static int load_fd(ds_source *s, int fd, uint64_t size, ds_source_mode mode, ds_error *err)
{
    bool whole = size <= s->lim.small || mode == DS_SOURCE_WHOLE;
    if (whole && size > s->lim.whole_max) {
        ds_set_error(err, DS_E_TOO_LARGE, "file too large (%llu bytes, limit %llu)", (unsigned long long)size,
                     (unsigned long long)s->lim.whole_max);
        goto fail;
    }
    uint64_t want = whole ? size : s->lim.head;
    uint8_t *buf = malloc((size_t)want + 1);
    if (!buf) {
        ds_set_error(err, DS_E_NOMEM, "out of memory");
        goto fail;
    }
    ssize_t got = ds_file_pread(fd, buf, (size_t)want, 0);
    if (got < 0) {
        ds_set_error(err, DS_E_IO, "read error: %s", strerror(errno));
        free(buf);
        goto fail;
    }
    buf[got] = '\0'; /* text readers (Breakpad) may rely on a terminator */
    if (is_gzip(buf, (uint64_t)got)) {
        /* Read in place through fd: an index (large output) keeps it. */
        free(buf);
        if (open_gzip(s, NULL, fd, size, mode, err) != 0)
            goto fail;
        if (!s->gz)
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

int ds_source_open_file_with(ds_source *s, const char *path, ds_source_mode mode,
                             const ds_source_limits *lim, ds_error *err)
{
    source_init(s, lim);
    uint64_t size;
    int fd = ds_file_open(path, &size, err);
    if (fd < 0) {
        ds_source_close(s);
        return -1;
    }
    return load_fd(s, fd, size, mode, err);
}

int ds_source_open_file(ds_source *s, const char *path, ds_source_mode mode, ds_error *err)
{
    return ds_source_open_file_with(s, path, mode, &ds_source_defaults, err);
}

int ds_source_open_reader(ds_source *s, uint64_t size, ds_source_reader read,
                          void (*fini)(void *ctx), void *ctx, ds_error *err)
{
    source_init(s, &ds_source_defaults);
    uint64_t want = size <= s->lim.small ? size : s->lim.head;
    uint8_t *buf = malloc((size_t)want + 1);
    if (!buf) {
        ds_set_error(err, DS_E_NOMEM, "out of memory");
        fini(ctx);
        ds_source_close(s);
        return -1;
    }
    size_t got = want ? read(ctx, 0, buf, (size_t)want) : 0;
    buf[got] = '\0';
    if (got < want) { /* damaged or cut short: what was read is the file */
        s->shrank = true;
        size = got;
    }
    if (got == size) {
        fini(ctx);
    } else {
        s->reader = read;
        s->reader_ctx = ctx;
        s->reader_fini = fini;
    }
    set_view(s, buf, got, size);
    return 0;
}

uint64_t ds_source_memory(ds_source *s)
{
    pthread_mutex_lock(&s->lock);
    uint64_t n = (s->own ? s->bytes.resident : 0) + s->fetched;
    pthread_mutex_unlock(&s->lock);
    return n + (s->gz ? ds_gz_memory(s->gz) : 0);
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
    ds_gz_free(s->gz);
    if (s->reader_fini)
        s->reader_fini(s->reader_ctx);
    pthread_mutex_destroy(&s->lock);
    memset(s, 0, sizeof *s);
}
