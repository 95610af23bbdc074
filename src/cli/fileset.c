/*
 * Which files a batch looks at, beyond the folders it walks: a list read from
 * a file or stdin (--files-from), and the shard of them one job of N takes
 * (--shard I/N). The shard is a pure function of the path's bytes, so N jobs
 * started anywhere with the same inputs split the files exactly once between
 * them without talking to each other.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileset.h"

/* FNV-1a over the path, then a final mix so consecutive names spread. It is
 * part of the command's contract (documented in dumpscan(1)): never change it,
 * or jobs of different versions would overlap. */
uint64_t fileset_path_hash(const char *path)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (const unsigned char *p = (const unsigned char *)path; *p; p++)
        h = (h ^ *p) * 0x100000001b3ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    return h ^ (h >> 33);
}

bool fileset_in_shard(const char *path, unsigned index, unsigned count)
{
    return count <= 1 || fileset_path_hash(path) % count == index;
}

int fileset_shard_parse(const char *s, unsigned *index, unsigned *count)
{
    char *end;
    errno = 0;
    unsigned long i = strtoul(s, &end, 10);
    if (end == s || *end != '/' || errno)
        return -1;
    const char *ns = end + 1;
    unsigned long n = strtoul(ns, &end, 10);
    if (end == ns || *end || errno || n < 1 || n > 1000000 || i >= n || s[0] == '-' ||
        ns[0] == '-')
        return -1;
    *index = (unsigned)i;
    *count = (unsigned)n;
    return 0;
}

int fileset_read(const char *name, int nul, fileset_add_fn add, void *ctx, char *err,
                 size_t errlen)
{
    bool std = strcmp(name, "-") == 0;
    FILE *f = std ? stdin : fopen(name, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", name, strerror(errno));
        return -1;
    }
    /* The whole list first: whether it is NUL-separated is decided by
     * looking for a NUL anywhere in it (a path never holds one). */
    size_t len = 0, cap = 1 << 16;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += got;
        if (cap - len < 2) {
            char *nb = cap < ((size_t)1 << 40) ? realloc(buf, cap * 2) : NULL;
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    bool rerr = ferror(f);
    if (!std)
        fclose(f);
    if (!buf || rerr) {
        snprintf(err, errlen, "%s: %s", std ? "stdin" : name,
                 buf ? "read error" : "out of memory");
        free(buf);
        return -1;
    }
    buf[len] = '\0';
    char sep = nul > 0 ? '\0' : nul == 0 ? '\n' : memchr(buf, '\0', len) ? '\0' : '\n';
    int rc = 0;
    for (size_t i = 0; i < len && rc == 0;) {
        char *e = memchr(buf + i, sep, len - i);
        size_t end = e ? (size_t)(e - buf) : len;
        buf[end] = '\0';
        size_t n = end - i;
        if (sep == '\n' && n && buf[i + n - 1] == '\r') /* lists written on Windows */
            buf[i + --n] = '\0';
        if (n)
            rc = add(ctx, buf + i);
        i = end + 1;
    }
    free(buf);
    if (rc)
        snprintf(err, errlen, "out of memory");
    return rc;
}
