/*
 * Minidump extension streams of Breakpad (0x4767xxxx) and Crashpad
 * (0x4350xxxx): who asked for the dump, the Linux process and distribution
 * facts from /proc and /etc, and Crashpad's report identity. Only facts that
 * fit the crash model are kept; the texts themselves are not.
 */
#include <stdio.h>
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

/* Breakpad's MDRawBreakpadInfo: validity bits, then two thread ids. */
int md_read_breakpad_info(md_ctx *m, ds_bytes s)
{
    ds_minidump_info *md = &m->c->mdmp;
    if (s.size < 12) {
        MD_NOTE(m, DS_DAMAGE, "stream_too_short", "BreakpadInfo stream has %llu bytes",
                (unsigned long long)s.size);
        return 0;
    }
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
        md_copy_ascii(m->c->mdmp.lsb_release, sizeof m->c->mdmp.lsb_release, v, len);
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

static void format_uuid(char out[37], const uint8_t *u)
{
    bool zero = true;
    for (int i = 0; i < 16; i++)
        zero = zero && u[i] == 0;
    if (zero) {
        out[0] = '\0';
        return;
    }
    snprintf(out, 37, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", ds_le32(u),
             ds_le16(u + 4), ds_le16(u + 6), u[8], u[9], u[10], u[11], u[12], u[13], u[14],
             u[15]);
}

/* MinidumpCrashpadInfo: version, report and client UUIDs, then the simple
 * annotations dictionary (u32 count of {key, value} RVA pairs). */
int md_read_crashpad_info(md_ctx *m, ds_bytes s)
{
    ds_minidump_info *md = &m->c->mdmp;
    if (s.size < 36) {
        MD_NOTE(m, DS_DAMAGE, "stream_too_short", "CrashpadInfo stream has %llu bytes",
                (unsigned long long)s.size);
        return 0;
    }
    md->crashpad = true;
    format_uuid(md->crashpad_report_id, s.data + 4);
    format_uuid(md->crashpad_client_id, s.data + 20);
    uint32_t n;
    if (s.size >= 44 && ds_le32(s.data + 36) >= 4 &&
        ds_get32(m->f, ds_le32(s.data + 40), &n)) {
        uint64_t fit = (ds_le32(s.data + 36) - 4) / 8;
        md->crashpad_annotations = n < fit ? n : (uint32_t)fit;
    }
    return 0;
}
