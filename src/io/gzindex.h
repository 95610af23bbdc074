/*
 * gzip read in place: inflated once while a checkpoint index is built, then
 * read at any offset by inflating from the nearest checkpoint. Nothing is
 * written to disk. A checkpoint is where a deflate block starts: its
 * compressed and inflated offsets, the bits of the compressed byte already
 * used, and the 32 KiB of output before it (deflate's window, which later
 * data may refer back to). zlib can resume there: raw inflate, the partial
 * byte given back with inflatePrime, the window with inflateSetDictionary.
 *
 * Memory is bounded whatever the inflated size: at most DS_GZ_MAX_POINTS
 * checkpoints of 32 KiB (their spacing doubles each time the cap is hit),
 * a cache of DS_GZ_CACHE bytes of recently inflated blocks, and zlib's own
 * state. README.md and dumpscan(1) state the bound.
 */
#ifndef DS_IO_GZINDEX_H
#define DS_IO_GZINDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dumpscan/dumpscan.h"

#define DS_GZ_MAX_POINTS 1024
#define DS_GZ_WINDOW 32768u
#define DS_GZ_CACHE (4u << 20)

typedef struct ds_gz ds_gz;

/* What to inflate: a caller's buffer (kept, not copied) or a file
 * descriptor (the index owns it once ds_gz_open succeeds). */
typedef struct ds_gz_input {
    const uint8_t *mem;
    int fd;
    uint64_t size;
} ds_gz_input;

typedef struct ds_gz_limits {
    uint64_t keep_max;  /* inflated size kept whole in memory (no index) */
    uint64_t head;      /* larger: bytes kept from the start */
    uint64_t max_out;   /* larger inflated sizes are refused */
    uint64_t spacing;   /* first checkpoint spacing (grows as needed) */
    bool whole_only;    /* refuse anything over keep_max */
} ds_gz_limits;

typedef struct ds_gz_result {
    uint8_t *data;     /* heap: all of the output, or its first `head` bytes */
    uint64_t resident; /* bytes in data */
    uint64_t total;    /* inflated size */
    bool truncated;    /* the stream ended early or is damaged past some point */
    ds_gz *index;      /* NULL when everything is resident */
} ds_gz_result;

/* Inflate every member of in once. 0, or -1 with err set (nothing inflated
 * from corrupt data, over max_out, out of memory). On success with an index,
 * in->fd belongs to it; otherwise the caller still closes it. */
int ds_gz_open(const ds_gz_input *in, const ds_gz_limits *lim, ds_gz_result *out,
               ds_error *err);

/* Bytes [off, off+len) of the inflated data; fewer at its end or when the
 * compressed input can no longer be read as it was (it changed). Thread-safe. */
size_t ds_gz_read(ds_gz *g, uint64_t off, void *buf, size_t len);

/* Memory the index holds: checkpoints, cache, buffers. */
uint64_t ds_gz_memory(ds_gz *g);

void ds_gz_free(ds_gz *g);

#endif
