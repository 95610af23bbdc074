/* Small public lookups over the crash model. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "model/model.h"

const char *ds_arch_name(ds_arch a)
{
    static const char *const names[] = {"unknown", "x86", "x64", "arm64", "arm"};
    return (unsigned)a < sizeof names / sizeof *names ? names[a] : "unknown";
}

const char *ds_confidence_name(ds_confidence c)
{
    static const char *const names[] = {"none", "low", "medium", "high"};
    return (unsigned)c < 4 ? names[c] : "none";
}

/* Indexed by DumpType; names are ours, stable, and used in JSON. */
static const char *const dump_type_names[] = {
    "unknown",            /* 0 */
    "full",               /* 1 complete, run-list layout */
    "summary",            /* 2 kernel, legacy bitmap layout */
    "header_only",        /* 3 */
    "triage",             /* 4 small memory dump */
    "bitmap_full",        /* 5 complete / active, bitmap layout */
    "bitmap_kernel",      /* 6 kernel / automatic / live kernel */
    "automatic",          /* 7 */
    "range_kernel",       /* 8 dbgeng .dump /k */
    "range_kernel_user",  /* 9 dbgeng .dump /ka */
    "range_full",         /* 10 dbgeng .dump /f */
};

const char *ds_dump_type_name(uint32_t t)
{
    return t < sizeof dump_type_names / sizeof *dump_type_names ? dump_type_names[t]
                                                                 : "unknown";
}

size_t ds_stack_trusted_frames(const ds_stack *s)
{
    size_t n = s ? s->nframes : 0;
    while (n > 1 && s->frames[n - 1].trust == DS_TRUST_SCAN)
        n--;
    return n;
}

const ds_module *ds_crash_module(const ds_crash *c, ds_u64 index)
{
    return index.known && index.value < c->nmodules ? &c->modules[index.value] : NULL;
}

const ds_module *ds_module_at(const ds_crash *c, uint64_t va)
{
    for (size_t i = 0; i < c->nmodules; i++) {
        const ds_module *m = &c->modules[i];
        if (va >= m->base && va - m->base < m->size)
            return m;
    }
    return NULL;
}

/* 11644473600 s between 1601-01-01 and 1970-01-01. */
#define FILETIME_UNIX_EPOCH 11644473600ull

bool ds_filetime_to_unix(uint64_t ft, int64_t *out)
{
    uint64_t secs = ft / 10000000ull;
    if (ft == 0 || secs < FILETIME_UNIX_EPOCH ||
        secs - FILETIME_UNIX_EPOCH > 253402300799ull) /* past 9999 */
        return false;
    *out = (int64_t)(secs - FILETIME_UNIX_EPOCH);
    return true;
}

uint64_t ds_unix_to_filetime(int64_t t)
{
    return ((uint64_t)t + FILETIME_UNIX_EPOCH) * 10000000ull;
}

void ds_format_filetime(uint64_t ft, char *buf, size_t len)
{
    int64_t secs;
    if (!ds_filetime_to_unix(ft, &secs)) {
        snprintf(buf, len, "invalid");
        return;
    }
    time_t t = (time_t)secs;
    struct tm tm;
    if (!gmtime_r(&t, &tm)) {
        snprintf(buf, len, "invalid");
        return;
    }
    strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
}

/* Kernel and HAL image names as WinDbg abbreviates them. */
static const struct {
    const char *image, *label;
} aliases[] = {
    {"ntoskrnl.exe", "nt"}, {"ntkrnlmp.exe", "nt"}, {"ntkrnlpa.exe", "nt"},
    {"ntkrpamp.exe", "nt"}, {"hal.dll", "hal"},     {"halmacpi.dll", "hal"},
    {"halaacpi.dll", "hal"},
};

void ds_module_label(const ds_module *m, char *out, size_t len)
{
    for (size_t i = 0; i < sizeof aliases / sizeof *aliases; i++)
        if (strcasecmp(ds_mod_name(m), aliases[i].image) == 0) {
            snprintf(out, len, "%s", aliases[i].label);
            return;
        }
    snprintf(out, len, "%s", ds_mod_name(m)[0] ? ds_mod_name(m) : "unknown");
    char *dot = strrchr(out, '.');
    if (dot && dot != out)
        *dot = '\0';
}


void ds_codeview_id(const ds_codeview *cv, bool with_age, char *out, size_t len)
{
    const uint8_t *g = cv->guid;
    int n;
    if (cv->is_pdb70) /* Data1..3 are little-endian integers, Data4 bytes */
        n = snprintf(out, len,
                     "%02X%02X%02X%02X%02X%02X%02X%02X%02X%02X%02X%02X%02X%02X%02X%02X",
                     g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10],
                     g[11], g[12], g[13], g[14], g[15]);
    else /* NB10: the signature */
        n = snprintf(out, len, "%02X%02X%02X%02X", g[3], g[2], g[1], g[0]);
    if (with_age && n >= 0 && (size_t)n < len)
        snprintf(out + n, len - (size_t)n, "%X", cv->age);
}
