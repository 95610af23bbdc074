/* Where the dump's bytes come from: a mapped file, a caller's buffer, or a
 * gzip stream inflated into an unlinked temporary file and mapped. */
#ifndef DS_IO_SOURCE_H
#define DS_IO_SOURCE_H

#include "dumpscan/dumpscan.h"
#include "io/bytes.h"

typedef struct ds_source {
    ds_bytes bytes;   /* what readers see */
    void *map;        /* munmap on close, or NULL */
    size_t map_len;
    bool compressed;  /* inflated from gzip */
} ds_source;

/* Largest inflated size accepted from a .gz (a bomb must not fill the disk). */
#define DS_GUNZIP_LIMIT (256ull << 30)

int ds_source_open_file(ds_source *s, const char *path, ds_error *err);
int ds_source_open_memory(ds_source *s, const void *data, size_t size, ds_error *err);
void ds_source_close(ds_source *s);
/* An unlinked temporary file in $TMPDIR (or /tmp), or -1 with err set. */
int ds_source_tmp_fd(ds_error *err);
/* Map size bytes of fd as the source's bytes (fd may be closed afterwards). */
int ds_source_map_fd(ds_source *s, int fd, uint64_t size, ds_error *err);

/* printf into err->text (truncating). */
void ds_set_error(ds_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
