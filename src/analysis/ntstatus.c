/* NTSTATUS lookups over the embedded bugcodes/ntstatus.txt: a few hundred
 * short lines, scanned on demand (a report asks a handful of times), so
 * there is no table to build, own or free. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/ntstatus.h"
#include "dumpscan/dumpscan.h"

extern const char ds_ntstatus_text[];

/* Copy the run [s, e) without surrounding blanks into out. */
static void copy_trimmed(const char *s, const char *e, char *out, size_t len)
{
    while (s < e && (*s == ' ' || *s == '\t'))
        s++;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
        e--;
    size_t n = (size_t)(e - s) < len - 1 ? (size_t)(e - s) : len - 1;
    memcpy(out, s, n);
    out[n] = '\0';
}

/* The next blank-separated word of [*s, e) into out. */
static void word(const char **s, const char *e, char *out, size_t len)
{
    const char *p = *s;
    while (p < e && (*p == ' ' || *p == '\t'))
        p++;
    const char *w = p;
    while (p < e && *p != ' ' && *p != '\t')
        p++;
    copy_trimmed(w, p, out, len);
    *s = p;
}

bool ds_ntstatus_lookup(uint64_t value, ds_ntstatus_info *out)
{
    uint32_t want = (uint32_t)value;
    memset(out, 0, sizeof *out);
    for (const char *line = ds_ntstatus_text; *line;) {
        const char *nl = strchr(line, '\n');
        const char *end = nl ? nl : line + strlen(line);
        if (line[0] == '0' && (line[1] == 'x' || line[1] == 'X')) {
            char *after;
            unsigned long v = strtoul(line, &after, 16);
            const char *bar = memchr(line, '|', (size_t)(end - line));
            if ((uint32_t)v == want && v <= 0xFFFFFFFFul && bar && after < bar) {
                const char *p = after;
                out->code = want;
                word(&p, bar, out->name, sizeof out->name);
                word(&p, bar, out->tag, sizeof out->tag);
                if (strcmp(out->tag, "-") == 0)
                    out->tag[0] = '\0';
                copy_trimmed(bar + 1, end, out->meaning, sizeof out->meaning);
                return out->name[0] != '\0';
            }
        }
        line = nl ? nl + 1 : end;
    }
    return false;
}

bool ds_bugcheck_param_status(const ds_crash *c, unsigned i, ds_ntstatus_info *out)
{
    const char *role = i < 4 && c->has_bugcheck && c->has_verdict
                           ? c->verdict.param_role[i] : NULL;
    if (!role || (strcmp(role, "status") != 0 && strcmp(role, "exception_code") != 0))
        return false;
    return ds_ntstatus_lookup(c->bugcheck.params[i], out);
}
