#include "symbols/srcloc.h"

/* Length of the valid UTF-8 sequence at p (1..4), 0 when it is not one. */
static size_t utf8_len(const unsigned char *p, size_t avail)
{
    unsigned c = p[0];
    size_t len;
    unsigned min;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4, min = 0x10000;
    else
        return 0;
    if (len > avail)
        return 0;
    unsigned v = c & (0x7F >> len);
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (p[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    return len;
}

void ds_srcloc_copy(char *dst, size_t cap, const char *s, size_t n)
{
    size_t w = 0;
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; s && i < n && p[i] && w + 1 < cap;) {
        if (p[i] >= 0x80) {
            size_t k = utf8_len(p + i, n - i);
            if (k && w + k < cap) {
                for (size_t j = 0; j < k; j++)
                    dst[w++] = (char)p[i + j];
                i += k;
                continue;
            }
            if (k) /* would not fit whole */
                break;
            dst[w++] = '?';
            i++;
            continue;
        }
        dst[w++] = p[i] < 0x20 || p[i] == 0x7F ? '?' : (char)p[i];
        i++;
    }
    if (cap)
        dst[w] = 0;
}

static void set_pos(ds_srcpos *p, const char *fn, size_t fn_len, const char *file,
                    size_t file_len, uint64_t line)
{
    ds_srcloc_copy(p->function, sizeof p->function, fn, fn_len);
    ds_srcloc_copy(p->file, sizeof p->file, file, file_len);
    p->line = line > UINT32_MAX ? UINT32_MAX : (uint32_t)line;
}

void ds_srcloc_build(ds_srcloc *out, const ds_srcinline *inl, size_t n, const char *file,
                     size_t file_len, uint64_t line)
{
    out->n = 0;
    size_t first = n > DS_SRCLOC_MAX ? n - DS_SRCLOC_MAX : 0;
    /* innermost first; each is placed by the call site of the one inside it */
    for (size_t k = n; k-- > first;) {
        const ds_srcinline *x = &inl[k];
        const char *name = x->name && x->name_len ? x->name : "";
        size_t name_len = x->name ? x->name_len : 0;
        if (k + 1 < n)
            set_pos(&out->pos[out->n++], name, name_len, inl[k + 1].call_file,
                    inl[k + 1].call_file_len, inl[k + 1].call_line);
        else
            set_pos(&out->pos[out->n++], name, name_len, file, file_len, line);
    }
    if (n)
        set_pos(&out->pos[out->n++], "", 0, inl[first].call_file, inl[first].call_file_len,
                inl[first].call_line);
    else
        set_pos(&out->pos[out->n++], "", 0, file, file_len, line);
}
