/*
 * Little-endian field access with bounds checks. Every size or offset taken
 * from a dump goes through ds_span() before it is dereferenced: the file is
 * hostile until proven otherwise.
 */
#ifndef DS_IO_BYTES_H
#define DS_IO_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint16_t ds_le16(const void *p)
{
    const uint8_t *b = p;
    return (uint16_t)(b[0] | (b[1] << 8));
}

static inline uint32_t ds_le32(const void *p)
{
    const uint8_t *b = p;
    return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) |
           ((uint32_t)b[3] << 24);
}

static inline uint64_t ds_le64(const void *p)
{
    const uint8_t *b = p;
    return (uint64_t)ds_le32(b) | ((uint64_t)ds_le32(b + 4) << 32);
}

/* True when [off, off+len) lies inside a buffer of size total (no overflow). */
static inline bool ds_in_bounds(uint64_t off, uint64_t len, uint64_t total)
{
    return off <= total && len <= total - off;
}

/*
 * A read-only view of bytes: a buffer, or a dump file of any size. For a
 * file (src set) only the first `resident` bytes are in memory; ds_span()
 * fetches a range beyond them into a buffer that lives as long as the file's
 * source (bounded in total: NULL once the budget is spent or the file has
 * shrunk). Views made from a pointer ({p, n}) have src NULL: all resident.
 * Accessors return false / NULL instead of reading outside the view.
 */
struct ds_source;
typedef struct ds_bytes {
    const uint8_t *data;
    uint64_t size;
    uint64_t resident;       /* with src: bytes of data[] in memory */
    struct ds_source *src;   /* NULL: data holds all size bytes */
} ds_bytes;

/* [off, off+len) of a file view beyond its resident bytes (io/source.c). */
const uint8_t *ds_source_span(struct ds_source *s, uint64_t off, uint64_t len);

static inline const uint8_t *ds_span(ds_bytes b, uint64_t off, uint64_t len)
{
    if (!ds_in_bounds(off, len, b.size))
        return NULL;
    if (b.src && !ds_in_bounds(off, len, b.resident))
        return ds_source_span(b.src, off, len);
    return b.data + off;
}

/* Copy up to len bytes at off into buf (page contents: nothing is kept);
 * returns the bytes copied, fewer at the end of the view or of a file that
 * shrank. */
size_t ds_bytes_read(ds_bytes b, uint64_t off, void *buf, size_t len);

static inline bool ds_get32(ds_bytes b, uint64_t off, uint32_t *out)
{
    const uint8_t *p = ds_span(b, off, 4);
    if (p)
        *out = ds_le32(p);
    return p != NULL;
}

static inline bool ds_get64(ds_bytes b, uint64_t off, uint64_t *out)
{
    const uint8_t *p = ds_span(b, off, 8);
    if (p)
        *out = ds_le64(p);
    return p != NULL;
}

/* Kernel headers are pre-filled with "PAGE": such a field was never written. */
#define DS_PAGE_FILL32 0x45474150u
#define DS_PAGE_FILL64 0x4547415045474150ull

/*
 * UTF-16LE (nchars code units) to a new NUL-terminated UTF-8 string; invalid
 * sequences become U+FFFD; stops at the first NUL. NULL only when out of memory.
 */
char *ds_utf16_to_utf8(const uint8_t *p, size_t nchars);

/* Copy of an ASCII/UTF-8 field of at most max bytes (stops at NUL). */
char *ds_strndup_field(const uint8_t *p, size_t max);

/*
 * Length (1-4) of the well-formed UTF-8 sequence at s[0..len), with its code
 * point in *cp; 0 when s does not start one (overlong forms, surrogates, code
 * points past U+10FFFF and cut sequences are not well formed).
 */
size_t ds_utf8_seq(const uint8_t *s, size_t len, uint32_t *cp);

#endif
