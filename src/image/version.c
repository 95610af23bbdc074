/*
 * Version resources of PE images: the resource directory tree
 * (type RT_VERSION -> first name -> first language -> data entry), then
 * VS_VERSIONINFO: a VS_FIXEDFILEINFO with the numeric version and a
 * StringFileInfo block of UTF-16 key/value pairs. Every node is a
 * {wLength, wValueLength, wType, szKey, padding, Value, Children} record;
 * all lengths are checked against their parent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/image.h"
#include "io/bytes.h"

#define RT_VERSION 16
#define MAX_RESOURCE 0x10000 /* version resources are a few KiB */

/* First entry of a resource directory, or the one with this id. */
static bool dir_entry(const ds_image *im, uint32_t rsrc, uint32_t dir, int want_id,
                      uint32_t *target)
{
    uint8_t h[16];
    if (ds_image_read(im, rsrc + dir, h, 16) != 16)
        return false;
    unsigned n = ds_le16(h + 12) + ds_le16(h + 14);
    for (unsigned i = 0; i < n && i < 256; i++) {
        uint8_t e[8];
        if (ds_image_read(im, rsrc + dir + 16 + 8 * i, e, 8) != 8)
            return false;
        uint32_t name = ds_le32(e), off = ds_le32(e + 4);
        if (want_id >= 0 && ((name & 0x80000000u) || name != (uint32_t)want_id))
            continue;
        *target = off;
        return true;
    }
    return false;
}

static const uint8_t *align4(const uint8_t *base, const uint8_t *p)
{
    return base + ((size_t)(p - base) + 3) / 4 * 4;
}

/* The UTF-16 key of a node at p (bounded by end); returns past its NUL. */
static const uint8_t *node_key(const uint8_t *p, const uint8_t *end, char *key, size_t len)
{
    size_t n = 0;
    const uint8_t *q = p + 6;
    while (q + 2 <= end && ds_le16(q)) {
        if (n + 1 < len)
            key[n++] = (char)(ds_le16(q) < 0x80 ? ds_le16(q) : '?');
        q += 2;
    }
    key[n] = '\0';
    return q + 2;
}

static void take_string(ds_module *m, const char *key, const uint8_t *val, size_t chars)
{
    static const char *const keys[] = {"ProductName", "CompanyName", "FileDescription"};
    char **slots[] = {&m->product_name, &m->company_name, &m->file_description};
    for (size_t i = 0; i < 3; i++)
        if (strcmp(key, keys[i]) == 0 && !*slots[i]) {
            char *s = ds_utf16_to_utf8(val, chars);
            /* trailing blanks are common in these strings */
            size_t n = s ? strlen(s) : 0;
            while (n && s[n - 1] == ' ')
                s[--n] = '\0';
            *slots[i] = s;
        }
}

/* Walk String records inside a StringTable [p, end). */
static void strings(ds_module *m, const uint8_t *base, const uint8_t *p, const uint8_t *end)
{
    while (p + 6 <= end) {
        uint16_t len = ds_le16(p), vlen = ds_le16(p + 2);
        if (len < 6 || p + len > end)
            return;
        char key[64];
        const uint8_t *val = align4(base, node_key(p, p + len, key, sizeof key));
        if (val < p + len && vlen) {
            size_t avail = (size_t)(p + len - val) / 2;
            take_string(m, key, val, vlen < avail ? vlen : avail);
        }
        p = align4(base, p + len);
    }
}

static void children(ds_module *m, const uint8_t *base, const uint8_t *p, const uint8_t *end,
                     int depth)
{
    /* VS_VERSIONINFO > StringFileInfo > StringTable > String */
    while (depth < 3 && p + 6 <= end) {
        uint16_t len = ds_le16(p);
        if (len < 6 || p + len > end)
            return;
        char key[64];
        const uint8_t *kids = align4(base, node_key(p, p + len, key, sizeof key));
        if (depth == 0 && strcmp(key, "StringFileInfo") == 0)
            children(m, base, kids, p + len, 1);
        else if (depth == 1) /* a StringTable, keyed by language+codepage */
            strings(m, base, kids, p + len);
        p = align4(base, p + len);
    }
}

bool ds_image_version(const ds_image *im, ds_module *m)
{
    const ds_pe *pe = ds_image_pe(im);
    if (pe->ndirs <= 2 || !pe->dirs[2].rva)
        return false;
    uint32_t rsrc = pe->dirs[2].rva, a, b, c;
    if (!dir_entry(im, rsrc, 0, RT_VERSION, &a) || !(a & 0x80000000u) ||
        !dir_entry(im, rsrc, a & 0x7FFFFFFF, -1, &b) || !(b & 0x80000000u) ||
        !dir_entry(im, rsrc, b & 0x7FFFFFFF, -1, &c) || (c & 0x80000000u))
        return false;
    uint8_t de[16];
    if (ds_image_read(im, rsrc + c, de, 16) != 16)
        return false;
    uint32_t rva = ds_le32(de), size = ds_le32(de + 4);
    if (size < 0x5C || size > MAX_RESOURCE)
        return false;
    uint8_t *buf = malloc(size);
    if (!buf)
        return false;
    bool ok = false;
    size_t got = ds_image_read(im, rva, buf, size);
    if (got >= 0x5C && ds_le16(buf) <= got) {
        const uint8_t *end = buf + ds_le16(buf);
        char key[32];
        const uint8_t *fixed = align4(buf, node_key(buf, end, key, sizeof key));
        uint16_t vlen = ds_le16(buf + 2);
        if (strcmp(key, "VS_VERSION_INFO") == 0 && vlen >= 52 && fixed + 52 <= end &&
            ds_le32(fixed) == 0xFEEF04BDu) {
            uint32_t ms = ds_le32(fixed + 8), ls = ds_le32(fixed + 12);
            char v[48];
            snprintf(v, sizeof v, "%u.%u.%u.%u", ms >> 16, ms & 0xFFFF, ls >> 16, ls & 0xFFFF);
            if (!m->file_version)
                m->file_version = strdup(v);
            children(m, buf, align4(buf, fixed + vlen), end, 0);
            ok = true;
        }
    }
    free(buf);
    return ok;
}
