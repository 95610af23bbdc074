/* Identifying a file by its first bytes (batch triage sorts dumps from the
 * rest of a folder this way, without opening each file as a dump). */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "dumpscan/dumpscan.h"
#include "io/cab.h"
#include "io/file.h"
#include "io/source.h"

/* A cabinet member: its first bytes, decoded from the first block. */
static int detect_in_cab(const char *cab, const char *member, ds_format *fmt, ds_error *err)
{
    ds_source raw;
    if (ds_source_open_file(&raw, cab, DS_SOURCE_WINDOWS, err) != 0)
        return -1;
    ds_cab *c = ds_cab_open(raw.bytes, err);
    long i = c ? ds_cab_find(c, member) : -1;
    uint8_t head[8];
    int64_t n = i >= 0 ? ds_cab_read(c, (size_t)i, 0, head, sizeof head, err) : -1;
    if (c && i < 0)
        ds_set_error(err, DS_E_NOT_FOUND, "no such member in the cabinet");
    if (n >= 0)
        *fmt = ds_detect(head, (size_t)n, NULL);
    ds_cab_close(c);
    ds_source_close(&raw);
    return n >= 0 ? 0 : -1;
}

int ds_detect_file(const char *path, ds_format *fmt, bool *gzip, ds_error *err)
{
    *fmt = DS_FORMAT_UNKNOWN;
    *gzip = false;
    ds_clear_error(err);
    char cab[4096];
    const char *member;
    if (ds_cab_split_path(path, cab, sizeof cab, &member))
        return detect_in_cab(cab, member, fmt, err);
    int fd = ds_file_open(path, NULL, err);
    if (fd < 0)
        return -1;
    unsigned char head[8];
    ssize_t n = ds_file_pread(fd, head, sizeof head, 0);
    if (n < 0) {
        ds_set_errno(err, errno);
        close(fd);
        return -1;
    }
    *fmt = ds_detect(head, (size_t)n, gzip);
    if (!*gzip) {
        close(fd);
        return 0;
    }
    /* gzip: the signature is in the first inflated bytes (pread left the
     * file offset at 0). */
    gzFile g = gzdopen(fd, "rb");
    if (!g) {
        close(fd);
        ds_set_error(err, DS_E_NOMEM, "out of memory");
        return -1;
    }
    int got = 0;
    while (got < (int)sizeof head) {
        int r = gzread(g, head + got, (unsigned)(sizeof head - (size_t)got));
        if (r <= 0) {
            int code = Z_OK;
            if (r < 0 || (gzerror(g, &code), code != Z_OK && code != Z_BUF_ERROR)) {
                ds_set_error(err, DS_E_CORRUPT, "gzip stream is corrupt");
                gzclose(g);
                return -1;
            }
            break;
        }
        got += r;
    }
    gzclose(g);
    *fmt = ds_detect(head, (size_t)got, NULL);
    return 0;
}
