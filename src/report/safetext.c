/* Names from outside on a terminal and in JSON (report/safetext.h). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dumpscan/dumpscan.h"
#include "io/bytes.h"
#include "report/safetext.h"

/* Code points shown as escapes although they are well formed: C1 controls
 * and the bidirectional marks, embeddings, overrides and isolates (a name
 * holding them can make a table line read in another order). */
static const uint32_t hidden[][2] = {
    {0x80, 0x9F}, {0x200E, 0x200F}, {0x202A, 0x202E}, {0x2066, 0x2069},
};

/* Columns 0: combining marks, zero-width spaces and joiners, variation
 * selectors (Unicode's Mn/Me/Cf blocks most names meet). */
static const uint32_t zero_width[][2] = {
    {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x0610, 0x061A},
    {0x064B, 0x065F}, {0x0E31, 0x0E31}, {0x0E34, 0x0E3A}, {0x0E47, 0x0E4E},
    {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF}, {0x200B, 0x200D}, {0x20D0, 0x20FF},
    {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F}, {0xFEFF, 0xFEFF}, {0xE0100, 0xE01EF},
};

/* Columns 2: East Asian Wide and Fullwidth blocks and the emoji blocks. */
static const uint32_t wide[][2] = {
    {0x1100, 0x115F},   {0x231A, 0x231B},   {0x2329, 0x232A},   {0x23E9, 0x23EC},
    {0x2614, 0x2615},   {0x2648, 0x2653},   {0x26A1, 0x26A1},   {0x26AA, 0x26AB},
    {0x26BD, 0x26BE},   {0x26C4, 0x26C5},   {0x26D4, 0x26D4},   {0x26EA, 0x26EA},
    {0x26F2, 0x26F5},   {0x26FA, 0x26FD},   {0x2705, 0x2705},   {0x270A, 0x270B},
    {0x2728, 0x2728},   {0x274C, 0x274C},   {0x2753, 0x2757},   {0x2795, 0x2797},
    {0x2B1B, 0x2B1C},   {0x2B50, 0x2B55},   {0x2E80, 0x303E},   {0x3041, 0x33FF},
    {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},   {0xA960, 0xA97F},
    {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},   {0xFE10, 0xFE19},   {0xFE30, 0xFE6F},
    {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x16FE0, 0x16FE4}, {0x17000, 0x18CFF},
    {0x1B000, 0x1B2FF}, {0x1F004, 0x1F004}, {0x1F0CF, 0x1F0CF}, {0x1F18E, 0x1F18E},
    {0x1F191, 0x1F19A}, {0x1F200, 0x1F251}, {0x1F300, 0x1F320}, {0x1F32D, 0x1F335},
    {0x1F337, 0x1F37C}, {0x1F37E, 0x1F393}, {0x1F3A0, 0x1F3CA}, {0x1F3CF, 0x1F3D3},
    {0x1F3E0, 0x1F3F0}, {0x1F3F4, 0x1F3F4}, {0x1F3F8, 0x1F43E}, {0x1F440, 0x1F440},
    {0x1F442, 0x1F4FC}, {0x1F4FF, 0x1F53D}, {0x1F54B, 0x1F54E}, {0x1F550, 0x1F567},
    {0x1F57A, 0x1F57A}, {0x1F595, 0x1F596}, {0x1F5A4, 0x1F5A4}, {0x1F5FB, 0x1F64F},
    {0x1F680, 0x1F6C5}, {0x1F6CC, 0x1F6CC}, {0x1F6D0, 0x1F6D2}, {0x1F6D5, 0x1F6D7},
    {0x1F6EB, 0x1F6EC}, {0x1F6F4, 0x1F6FC}, {0x1F7E0, 0x1F7EB}, {0x1F90C, 0x1F93A},
    {0x1F93C, 0x1F945}, {0x1F947, 0x1F9FF}, {0x1FA70, 0x1FAFF}, {0x20000, 0x2FFFD},
    {0x30000, 0x3FFFD},
};

static bool in_ranges(const uint32_t (*r)[2], size_t n, uint32_t cp)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cp < r[mid][0])
            hi = mid;
        else if (cp > r[mid][1])
            lo = mid + 1;
        else
            return true;
    }
    return false;
}

#define IN(table, cp) in_ranges(table, sizeof table / sizeof table[0], cp)

static size_t cp_width(uint32_t cp)
{
    if (IN(zero_width, cp))
        return 0;
    return IN(wide, cp) ? 2 : 1;
}

void ds_sb_display(ds_strbuf *b, const char *s)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t len = strlen(s);
    for (size_t i = 0; i < len;) {
        uint32_t cp = 0;
        size_t n = ds_utf8_seq(p + i, len - i, &cp);
        if (n == 0) { /* not UTF-8: the byte */
            ds_sb_printf(b, "\\x%02X", p[i++]);
            continue;
        }
        if (cp == '\n' || cp == '\r' || cp == '\t' || cp == '\\')
            ds_sb_printf(b, "\\%c", cp == '\n' ? 'n' : cp == '\r' ? 'r' : cp == '\t' ? 't' : '\\');
        else if (cp < 0x20 || cp == 0x7F || IN(hidden, cp))
            for (size_t k = 0; k < n; k++)
                ds_sb_printf(b, "\\x%02X", p[i + k]);
        else
            ds_sb_printf(b, "%.*s", (int)n, (const char *)p + i);
        i += n;
    }
}

char *ds_display_join(const char *a, const char *sep, const char *b)
{
    ds_strbuf o = {0};
    ds_sb_display(&o, a);
    if (b) {
        ds_sb_printf(&o, "%s", sep);
        ds_sb_display(&o, b);
    }
    return ds_sb_finish(&o);
}

char *ds_display_text(const char *s)
{
    return s ? ds_display_join(s, "", NULL) : NULL;
}

/* The code point at s (well-formed UTF-8 expected; a stray byte counts as one
 * column so a caller's mistake cannot loop). Returns its length. */
static size_t next_char(const char *s, size_t len, size_t *width)
{
    uint32_t cp;
    size_t n = ds_utf8_seq((const uint8_t *)s, len, &cp);
    if (n == 0) {
        *width = 1;
        return 1;
    }
    *width = cp_width(cp);
    return n;
}

size_t ds_display_width(const char *s)
{
    size_t len = strlen(s), w = 0;
    for (size_t i = 0, cw; i < len; w += cw)
        i += next_char(s + i, len - i, &cw);
    return w;
}

size_t ds_display_head(const char *s, size_t cols, size_t *used)
{
    size_t len = strlen(s), w = 0, i = 0;
    while (i < len) {
        size_t cw, n = next_char(s + i, len - i, &cw);
        if (w + cw > cols)
            break;
        w += cw;
        i += n;
    }
    *used = w; /* zero-width marks after the last character came along */
    return i;
}

size_t ds_display_tail(const char *s, size_t cols, size_t *used)
{
    size_t len = strlen(s), w = 0, i = len;
    while (i > 0) {
        size_t start = i - 1; /* back to the start of the character */
        while (start > 0 && ((unsigned char)s[start] & 0xC0) == 0x80 && i - start < 4)
            start--;
        size_t cw, n = next_char(s + start, len - start, &cw);
        if (start + n != i) { /* not one character: step a single byte */
            start = i - 1;
            cw = 1;
        }
        if (w + cw > cols)
            break;
        w += cw;
        i = start;
    }
    /* a tail must not start with a combining mark cut from its base */
    while (i < len) {
        size_t cw, n = next_char(s + i, len - i, &cw);
        if (cw != 0)
            break;
        i += n;
    }
    *used = w;
    return i;
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

char *ds_path_escape(const char *path)
{
    const uint8_t *p = (const uint8_t *)path;
    size_t len = strlen(path);
    ds_strbuf b = {0};
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = ds_utf8_seq(p + i, len - i, &cp);
        if (n == 0)
            ds_sb_printf(&b, "%%%02X", p[i++]);
        else if (cp == '%' && i + 2 < len && is_hex(path[i + 1]) && is_hex(path[i + 2]))
            ds_sb_printf(&b, "%%25"), i++;
        else
            ds_sb_printf(&b, "%.*s", (int)n, path + i), i += n;
    }
    return ds_sb_finish(&b); /* "" for an empty path, NULL on OOM */
}

json_t *ds_json_path(const char *path)
{
    char *s = ds_path_escape(path);
    json_t *j = s ? json_string(s) : NULL;
    free(s);
    return j;
}

json_t *ds_json_path_or_null(const char *path)
{
    return path ? ds_json_path(path) : json_null();
}

char *ds_json_path_decode(const char *s)
{
    if (!s)
        return NULL;
    size_t len = strlen(s), o = 0;
    char *out = malloc(len + 1);
    if (!out)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '%' && i + 2 < len && is_hex(s[i + 1]) && is_hex(s[i + 2])) {
            char hex[3] = {s[i + 1], s[i + 2], '\0'};
            out[o++] = (char)strtoul(hex, NULL, 16);
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return out;
}
