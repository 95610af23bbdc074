/*
 * Minidump extension streams of Breakpad (0x4767xxxx) and Crashpad
 * (0x4350xxxx): who asked for the dump, the Linux process and distribution
 * facts from /proc and /etc, Breakpad's assertion record, and Crashpad's
 * report identity and annotations (process-wide and per module).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/minidump.h"

/* Printable ASCII copy (other bytes become '?'): JSON needs valid UTF-8. */
void md_copy_ascii(char *dst, size_t cap, const uint8_t *src, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < cap; i++)
        dst[k++] = src[i] >= 0x20 && src[i] < 0x7F ? (char)src[i] : '?';
    dst[k] = '\0';
}

/* A stream shorter than its fixed part: noted as damage, then ignored. */
static bool too_short(md_ctx *m, ds_bytes s, uint64_t need, const char *name)
{
    if (s.size >= need)
        return false;
    MD_NOTE(m, DS_DAMAGE, "stream_too_short", "%s stream has %llu bytes", name,
            (unsigned long long)s.size);
    return true;
}

/* Breakpad's MDRawBreakpadInfo: validity bits, then two thread ids. */
int md_read_breakpad_info(md_ctx *m, ds_bytes s)
{
    ds_minidump_info *md = &m->c->mdmp;
    if (too_short(m, s, 12, "BreakpadInfo"))
        return 0;
    uint32_t valid = ds_le32(s.data);
    if (valid & 0x1)
        md->breakpad_dump_thread = ds_known(ds_le32(s.data + 4));
    if (valid & 0x2)
        md->breakpad_requesting_thread = ds_known(ds_le32(s.data + 8));
    return 0;
}

/* Value of "key" at the start of a line of text, up to the end of the line. */
static const uint8_t *text_value(ds_bytes s, const char *key, size_t *len)
{
    size_t kl = strlen(key);
    for (uint64_t at = 0; at < s.size;) {
        const uint8_t *line = s.data + at;
        const uint8_t *nl = memchr(line, '\n', (size_t)(s.size - at));
        size_t ll = nl ? (size_t)(nl - line) : (size_t)(s.size - at);
        if (ll >= kl && memcmp(line, key, kl) == 0) {
            *len = ll - kl;
            return line + kl;
        }
        at += ll + 1;
    }
    return NULL;
}

/* /proc/PID/status: the pid when MiscInfo (Windows-only) did not give it. */
int md_read_proc_status(md_ctx *m, ds_bytes s)
{
    size_t len;
    const uint8_t *v = text_value(s, "Pid:", &len);
    if (!v || m->c->mdmp.process_id.known)
        return 0;
    uint64_t pid = 0;
    size_t i = 0, digits = 0;
    while (i < len && (v[i] == ' ' || v[i] == '\t'))
        i++;
    for (; i < len && v[i] >= '0' && v[i] <= '9' && digits < 10; i++, digits++)
        pid = pid * 10 + (uint64_t)(v[i] - '0');
    if (digits)
        m->c->mdmp.process_id = ds_known(pid);
    return 0;
}

/* /etc/lsb-release (or os-release): the distribution's own description. */
int md_read_lsb_release(md_ctx *m, ds_bytes s)
{
    static const char *const keys[] = {"DISTRIB_DESCRIPTION=", "PRETTY_NAME="};
    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
        size_t len;
        const uint8_t *v = text_value(s, keys[k], &len);
        if (!v)
            continue;
        if (len >= 2 && v[0] == '"' && v[len - 1] == '"') {
            v++;
            len -= 2;
        }
        char buf[128];
        md_copy_ascii(buf, sizeof buf, v, len);
        if (buf[0]) {
            ds_str_set(&m->c->mdmp.lsb_release, ds_strdup(buf));
            if (!m->c->mdmp.lsb_release)
                return -1;
        }
        return 0;
    }
    return 0;
}

/* /proc/PID/maps: only the number of mappings is kept. */
int md_read_linux_maps(md_ctx *m, ds_bytes s)
{
    uint64_t lines = 0;
    for (uint64_t at = 0; at < s.size;) {
        const uint8_t *nl = memchr(s.data + at, '\n', (size_t)(s.size - at));
        lines++;
        at = nl ? (uint64_t)(nl - s.data) + 1 : s.size;
    }
    m->c->mdmp.linux_maps_entries = ds_known(lines);
    return 0;
}

/* A UUID as text; NULL when all zero (not set) or out of memory. */
static char *format_uuid(const uint8_t *u)
{
    bool zero = true;
    for (int i = 0; i < 16; i++)
        zero = zero && u[i] == 0;
    if (zero)
        return NULL;
    return ds_strfmt("%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", ds_le32(u),
             ds_le16(u + 4), ds_le16(u + 6), u[8], u[9], u[10], u[11], u[12], u[13], u[14],
             u[15]);
}

/* Breakpad's MDRawAssertionInfo: expression, function and file as 128
 * UTF-16 units each, then the line and the kind (1 invalid parameter,
 * 2 pure virtual call). An all-empty record says nothing. */
int md_read_assertion(md_ctx *m, ds_bytes s)
{
    ds_minidump_info *md = &m->c->mdmp;
    if (too_short(m, s, 0x308, "AssertionInfo") || md->has_assertion)
        return 0;
    char *x = ds_utf16_to_utf8(s.data, 128), *f = ds_utf16_to_utf8(s.data + 0x100, 128),
         *file = ds_utf16_to_utf8(s.data + 0x200, 128);
    if (!x || !f || !file) {
        free(x), free(f), free(file);
        return -1;
    }
    uint32_t line = ds_le32(s.data + 0x300), type = ds_le32(s.data + 0x304);
    if (!*x && !*f && !*file && !line && !type) {
        free(x), free(f), free(file);
        return 0;
    }
    md->has_assertion = true;
    md->assert_expression = x;
    md->assert_function = f;
    md->assert_file = file;
    md->assert_line = line;
    md->assert_type = type;
    return 0;
}

/* Caps on what one dump may make us keep: annotations are small texts. */
enum { MAX_ANNOTATIONS = 1024, MAX_ANNOTATION_TEXT = 4096, MAX_CRASHPAD_MODULES = 4096 };

/* MinidumpUTF8String at rva (u32 length, bytes) as a new string; NULL when
 * rva is 0 or the string is outside the file (the entry is then skipped). */
static char *utf8_at(md_ctx *m, uint32_t rva, bool *oom)
{
    uint32_t n;
    const uint8_t *p;
    if (!rva)
        return NULL;
    if (!ds_get32(m->f, rva, &n) || !(p = ds_span(m->f, (uint64_t)rva + 4,
                                                   n < MAX_ANNOTATION_TEXT ? n : MAX_ANNOTATION_TEXT)))
        return NULL;
    size_t len = n < MAX_ANNOTATION_TEXT ? n : MAX_ANNOTATION_TEXT;
    /* JSON needs valid UTF-8: keep well-formed sequences, '?' for the rest */
    char *out = malloc(len + 1);
    if (!out) {
        *oom = true;
        return NULL;
    }
    size_t k = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t q = ds_utf8_seq(p + i, len - i, &cp);
        if (q == 0 || cp == 0 || (cp < 0x20 && cp != '\t')) {
            out[k++] = '?';
            i++;
            continue;
        }
        memcpy(out + k, p + i, q);
        k += q, i += q;
    }
    out[k] = '\0';
    return out;
}

/* module: the index of the module it belongs to; unknown for the process's. */
static int add_annotation(md_ctx *m, ds_u64 module, uint32_t key_rva, uint32_t value_rva,
                          bool list)
{
    ds_minidump_info *md = &m->c->mdmp;
    if (md->nannotations >= MAX_ANNOTATIONS)
        return 0;
    bool oom = false;
    char *key = list ? NULL : utf8_at(m, key_rva, &oom);
    char *value = utf8_at(m, value_rva, &oom);
    const ds_module *of = ds_crash_module(m->c, module);
    const char *name = of ? of->name : NULL;
    char *mod = ds_strdup(name);
    if (oom || (name && !mod) || (!list && !key) || !value) {
        free(key), free(value), free(mod);
        return oom || (name && !mod) ? -1 : 0; /* an entry outside the file: skipped */
    }
    ds_annotation *a = realloc(md->annotations, (md->nannotations + 1) * sizeof *a);
    if (!a) {
        free(key), free(value), free(mod);
        return -1;
    }
    md->annotations = a;
    a[md->nannotations++] = (ds_annotation){module, mod, key, value};
    return 0;
}

/* The entries of a counted list a LOCATION_DESCRIPTOR describes (u32 count,
 * then entries of `entry` bytes): the first entry and how many lie inside
 * both the descriptor and the file (0 when none). */
static uint32_t list_at(md_ctx *m, const uint8_t *loc, unsigned entry, const uint8_t **first)
{
    uint32_t size = ds_le32(loc), rva = ds_le32(loc + 4), n;
    const uint8_t *p;
    /* the bytes ds_span gives, not f.data + rva: past the resident head of
     * a large file only the span is in memory */
    if (size < 4 || !ds_get32(m->f, rva, &n) || !(p = ds_span(m->f, rva, size)))
        return 0;
    *first = p + 4;
    uint32_t fit = (size - 4) / entry;
    return n < fit ? n : fit;
}

/* A MinidumpSimpleStringDictionary (u32 count, {key RVA, value RVA}...) or a
 * MinidumpRVAList of strings (u32 count, RVA...) described by a location. */
static int read_strings(md_ctx *m, const uint8_t *loc, ds_u64 module, bool list)
{
    unsigned entry = list ? 4 : 8;
    const uint8_t *first;
    uint32_t n = list_at(m, loc, entry, &first);
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *e = first + (uint64_t)i * entry;
        if (add_annotation(m, module, list ? 0 : ds_le32(e), ds_le32(e + (list ? 0 : 4)),
                           list) < 0)
            return -1;
    }
    return 0;
}

/* A MinidumpAnnotationList: {name RVA, u16 type, u16 reserved, value RVA}
 * where the value is a MinidumpByteArray; string annotations (type 1) only. */
static int read_annotation_objects(md_ctx *m, const uint8_t *loc, ds_u64 module)
{
    const uint8_t *first;
    uint32_t n = list_at(m, loc, 12, &first);
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *e = first + (uint64_t)i * 12;
        if (ds_le16(e + 4) == 1 && add_annotation(m, module, ds_le32(e), ds_le32(e + 8), false) < 0)
            return -1;
    }
    return 0;
}

/* MinidumpModuleCrashpadInfoList: {module index, location} links to each
 * module's list annotations, simple annotations and annotation objects. */
static int read_module_annotations(md_ctx *m, const uint8_t *loc)
{
    const uint8_t *first;
    uint32_t n = list_at(m, loc, 12, &first);
    for (uint32_t i = 0; i < n && i < MAX_CRASHPAD_MODULES; i++) {
        const uint8_t *link = first + (uint64_t)i * 12;
        uint32_t idx = ds_le32(link), isize = ds_le32(link + 4), irva = ds_le32(link + 8);
        const uint8_t *info = isize >= 28 ? ds_span(m->f, irva, 28) : NULL;
        if (!info)
            continue;
        ds_u64 module = ds_known(idx); /* its name is looked up when one is kept */
        if (read_strings(m, info + 4, module, true) < 0 ||
            read_strings(m, info + 12, module, false) < 0 ||
            read_annotation_objects(m, info + 20, module) < 0)
            return -1;
    }
    return 0;
}

/* MinidumpCrashpadInfo: version, report and client UUIDs, then the simple
 * annotations dictionary (u32 count of {key, value} RVA pairs). */
int md_read_crashpad_info(md_ctx *m, ds_bytes s)
{
    ds_minidump_info *md = &m->c->mdmp;
    if (too_short(m, s, 36, "CrashpadInfo"))
        return 0;
    md->has_crashpad = true;
    md->crashpad_report_id = format_uuid(s.data + 4);
    md->crashpad_client_id = format_uuid(s.data + 20);
    uint32_t n;
    if (s.size >= 44 && ds_le32(s.data + 36) >= 4 &&
        ds_get32(m->f, ds_le32(s.data + 40), &n)) {
        uint64_t fit = (ds_le32(s.data + 36) - 4) / 8;
        md->crashpad_annotations = n < fit ? n : (uint32_t)fit;
    }
    if (s.size >= 44 && read_strings(m, s.data + 36, (ds_u64){0, false}, false) < 0)
        return -1;
    if (s.size >= 52 && read_module_annotations(m, s.data + 44) < 0)
        return -1;
    return 0;
}
