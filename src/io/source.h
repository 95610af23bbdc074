/*
 * Where a dump's bytes come from: a regular file, a caller's buffer, or a
 * gzip stream. Nothing is mapped, so a file that shrinks while it is read
 * (a dump still being written or rotated) makes reads come up short, never a
 * signal, and a dump of any size opens in a bounded address space:
 *
 *   - a file of up to DS_SOURCE_SMALL bytes is read whole with pread into a
 *     heap buffer (cheaper than mmap + munmap + page faults for the many small
 *     dumps of a batch);
 *   - a larger file keeps its first DS_SOURCE_HEAD bytes in memory (headers,
 *     directories); the format readers' other structures (bitmaps, run tables,
 *     streams) are fetched on demand into buffers of at most DS_SOURCE_FETCH_MAX
 *     bytes in all, and page contents are read with pread into the caller's
 *     buffer (ds_bytes_read), nothing kept.
 *
 * Images and symbol files (DS_SOURCE_WHOLE) are parsed as one buffer: read
 * whole, up to DS_SOURCE_WHOLE_MAX bytes.
 */
#ifndef DS_IO_SOURCE_H
#define DS_IO_SOURCE_H

#include <pthread.h>

#include "dumpscan/dumpscan.h"
#include "io/bytes.h"

#define DS_SOURCE_SMALL (32ull << 20)
#define DS_SOURCE_HEAD (4ull << 20)
#define DS_SOURCE_FETCH_MAX (128ull << 20)
#define DS_SOURCE_WHOLE_MAX (1ull << 30)

/* gzip input is read in place (io/gzindex.h): inflated once to build a
 * checkpoint index, never written to disk. Inflated data over this size is
 * refused; checkpoints start 1 MiB apart. */
#define DS_GUNZIP_LIMIT (64ull << 30)
#define DS_GZ_SPACING (1ull << 20)

/* The sizes above, as one value (tests and fuzzers use smaller ones). */
typedef struct ds_source_limits {
    uint64_t small, head, fetch_max, whole_max, gunzip_max, gz_spacing;
} ds_source_limits;

extern const ds_source_limits ds_source_defaults;

typedef enum ds_source_mode {
    DS_SOURCE_WINDOWS = 0, /* dumps: small files whole, large ones through windows */
    DS_SOURCE_WHOLE = 1    /* images, symbol files: always one buffer */
} ds_source_mode;

typedef struct ds_chunk ds_chunk;
struct ds_gz;

/* Bytes at off of a source that is not a file (a cabinet member decoded on
 * demand): fewer than len only at its end or where it is damaged. Called
 * from any thread: the reader serializes itself. */
typedef size_t (*ds_source_reader)(void *ctx, uint64_t off, void *buf, size_t len);

typedef struct ds_source {
    ds_bytes bytes;      /* what readers see; bytes.src points back here */
    uint8_t *own;        /* resident bytes we allocated (NULL for a caller's buffer) */
    int fd;              /* the file behind the view, when windows */
    bool windows;        /* bytes beyond the resident ones come from fd */
    struct ds_gz *gz;    /* ... or from this gzip index */
    ds_source_limits lim;
    ds_chunk *chunks;    /* ranges fetched beyond the resident bytes */
    uint64_t fetched;    /* their total size */
    pthread_mutex_t lock; /* chunks and reads beyond the resident bytes */
    bool compressed;     /* inflated from gzip */
    bool cab_mszip;      /* a cabinet member from an MSZIP folder */
    bool cab_lzx;        /* a cabinet member from an LZX folder */
    bool gz_truncated;   /* the gzip stream ended early or is damaged */
    bool shrank;         /* a read ended before the size seen at open */
    bool fetch_refused;  /* a range beyond the fetch budget was asked for */
    ds_source_reader reader; /* instead of fd, when set */
    void *reader_ctx;
    void (*reader_fini)(void *ctx); /* at close */
} ds_source;

/* The source must stay where it is until closed (bytes.src points to it). */
int ds_source_open_file(ds_source *s, const char *path, ds_source_mode mode, ds_error *err);
int ds_source_open_memory(ds_source *s, const void *data, size_t size, ds_error *err);
void ds_source_close(ds_source *s);
/* The same with other limits. */
int ds_source_open_file_with(ds_source *s, const char *path, ds_source_mode mode,
                             const ds_source_limits *lim, ds_error *err);
int ds_source_open_memory_with(ds_source *s, const void *data, size_t size,
                               const ds_source_limits *lim, ds_error *err);

/* size bytes served by read(ctx, ...) like a dump file: a small one is read
 * whole at open, a large one keeps its first DS_SOURCE_HEAD bytes and reads
 * the rest on demand. fini(ctx) runs at close (or at once when everything was
 * read, or on failure). A source shorter than size is marked shrank. */
int ds_source_open_reader(ds_source *s, uint64_t size, ds_source_reader read,
                          void (*fini)(void *ctx), void *ctx, ds_error *err);

/* Bytes the source holds in memory now (resident part, fetched ranges and
 * the gzip index). */
uint64_t ds_source_memory(ds_source *s);

/* Set err's code and printf its text (truncating); err may be NULL. The
 * text never names the caller's path (the caller prints that). */
void ds_set_error(ds_error *err, ds_errcode code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* An errno from open/stat/read as an error: the code it maps to, strerror. */
void ds_set_errno(ds_error *err, int errnum);

/* Empty text, DS_OK (entry points start with it). */
void ds_clear_error(ds_error *err);

#endif
