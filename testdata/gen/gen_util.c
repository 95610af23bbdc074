/* Small helpers: growable byte buffer, UTF-16 conversion, error text. */
#include "gen_internal.h"

#include <stdio.h>
#include <stdlib.h>

bool gb_reserve(gbuf *b, size_t len)
{
    if (b->oom) return false;
    if (len <= b->len) return true;
    if (len > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < len) {
            if (cap > SIZE_MAX / 2) { b->oom = true; return false; }
            cap *= 2;
        }
        uint8_t *p = realloc(b->p, cap);
        if (!p) { b->oom = true; return false; }
        b->p = p;
        b->cap = cap;
    }
    memset(b->p + b->len, 0, len - b->len);
    b->len = len;
    return true;
}

void gb_put(gbuf *b, size_t off, const void *src, size_t n)
{
    if (n == 0) return;
    if (off > SIZE_MAX - n || !gb_reserve(b, off + n)) { b->oom = true; return; }
    memcpy(b->p + off, src, n);
}

void gb_fill(gbuf *b, size_t off, uint8_t v, size_t n)
{
    if (n == 0) return;
    if (off > SIZE_MAX - n || !gb_reserve(b, off + n)) { b->oom = true; return; }
    memset(b->p + off, v, n);
}

void gb_u8(gbuf *b, size_t off, uint8_t v) { gb_put(b, off, &v, 1); }

void gb_u16(gbuf *b, size_t off, uint16_t v)
{
    uint8_t t[2];
    put16(t, v);
    gb_put(b, off, t, 2);
}

void gb_u32(gbuf *b, size_t off, uint32_t v)
{
    uint8_t t[4];
    put32(t, v);
    gb_put(b, off, t, 4);
}

void gb_u64(gbuf *b, size_t off, uint64_t v)
{
    uint8_t t[8];
    put64(t, v);
    gb_put(b, off, t, 8);
}

void gb_ptr(gbuf *b, size_t off, uint64_t v, bool is64)
{
    if (is64) gb_u64(b, off, v);
    else gb_u32(b, off, (uint32_t)v);
}

void gb_free(gbuf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

size_t gen_utf16(uint8_t *dst, const char *s, size_t maxchars)
{
    size_t n = 0;
    for (; s && s[n] && n < maxchars; n++) put16(dst + 2 * n, (uint8_t)s[n]);
    return n;
}

void gen_seterr(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}
