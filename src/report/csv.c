/*
 * Batch rows as CSV: dumpscan's columns and BlueScreenView's /scomma columns.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "report/rowutil.h"
#include "report/strbuf.h"


/* Append one field, quoted per RFC 4180 when it needs to be. */
static void csv_field(ds_strbuf *b, bool first, const char *s)
{
    if (!first)
        ds_sb_printf(b, ",");
    if (!s)
        return;
    if (!strpbrk(s, ",\"\r\n")) {
        ds_sb_printf(b, "%s", s);
        return;
    }
    ds_sb_printf(b, "\"");
    for (const char *p = s; *p; p++) {
        const char *q = strchr(p, '"');
        if (!q) {
            ds_sb_printf(b, "%s", p);
            break;
        }
        ds_sb_printf(b, "%.*s\"\"", (int)(q - p), p);
        p = q;
    }
    ds_sb_printf(b, "\"");
}

/* Column names (dumpscan(1), BATCH). */
const char *ds_row_csv_header(void)
{
    return "path,status,error,file_size,file_mtime,format,dump_kind,arch,os_version,cpus,"
           "crash_time,code_type,code,name,p1,p2,p3,p4,crash_address,suspect_module,"
           "suspect_function,suspect_address,confidence,class,bucket,damaged\r\n";
}

/* BlueScreenView 1.55's column names in its order (doc/peers.md 2). */
const char *ds_row_bsv_header(void)
{
    return "Dump File,Crash Time,Bug Check String,Bug Check Code,Parameter 1,Parameter 2,"
           "Parameter 3,Parameter 4,Caused By Driver,Caused By Address,File Description,"
           "Product Name,Company,File Version,Processor,Crash Address,Stack Address 1,"
           "Stack Address 2,Stack Address 3,Computer Name,Full Path,Processors Count,"
           "Major Version,Minor Version,Dump File Size,Dump File Time\r\n";
}

/* Cells of one row, in column order, as strings (NULL = empty). */
typedef struct cells {
    const char *v[26];
    char buf[26][96];
} cells;

static const char *cellf(cells *c, int i, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static const char *cellf(cells *c, int i, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->buf[i], sizeof c->buf[i], fmt, ap);
    va_end(ap);
    return c->v[i] = c->buf[i];
}

static char *cells_line(const cells *c, int n)
{
    ds_strbuf b = {0};
    for (int i = 0; i < n; i++)
        csv_field(&b, i == 0, c->v[i]);
    ds_sb_printf(&b, "\r\n");
    return ds_sb_finish(&b);
}

char *ds_row_csv(const ds_row *r)
{
    cells c;
    memset(c.v, 0, sizeof c.v);
    int64_t t;
    c.v[0] = r->path;
    c.v[1] = r->failed ? "failed" : "ok";
    c.v[2] = r->error;
    if (r->file_size.known)
        cellf(&c, 3, "%llu", (unsigned long long)r->file_size.value);
    if (r->mtime.known) {
        iso_time(r->mtime.value, c.buf[4], sizeof c.buf[4]);
        c.v[4] = c.buf[4];
    }
    if (!r->failed) {
        c.v[5] = format_name(r->format);
        c.v[6] = r->dump_kind;
        c.v[7] = ds_arch_name(r->arch);
        if (r->os_major.known && r->os_build.known)
            cellf(&c, 8, "%u.%u.%u", (unsigned)r->os_major.value, (unsigned)r->os_minor.value,
                  (unsigned)r->os_build.value);
        if (r->cpus.known)
            cellf(&c, 9, "%u", (unsigned)r->cpus.value);
        if (row_crash_unix(r, &t)) {
            iso_time(t, c.buf[10], sizeof c.buf[10]);
            c.v[10] = c.buf[10];
        }
        if (r->has_code) {
            c.v[11] = r->code_is_exception ? "exception" : "bugcheck";
            cellf(&c, 12, "0x%x", r->code);
            for (int i = 0; i < 4; i++)
                cellf(&c, 14 + i, "0x%llx", (unsigned long long)r->params[i]);
        }
        c.v[13] = r->title;
        if (r->has_pc) {
            if (r->pc_module && r->pc_offset.known)
                cellf(&c, 18, "%s+0x%llx", r->pc_module,
                      (unsigned long long)r->pc_offset.value);
            else
                cellf(&c, 18, "0x%llx", (unsigned long long)r->pc);
        }
        c.v[19] = r->suspect_module;
        if (r->suspect_function)
            cellf(&c, 20, "%s+0x%llx", r->suspect_function,
                  (unsigned long long)r->suspect_function_offset);
        if (r->suspect_module && r->suspect_offset.known)
            cellf(&c, 21, "%s+0x%llx", r->suspect_module,
                  (unsigned long long)r->suspect_offset.value);
        c.v[22] = r->has_verdict ? ds_confidence_name(r->confidence) : NULL;
        c.v[23] = r->crash_class;
        c.v[24] = r->bucket;
        c.v[25] = r->damaged ? "true" : "false";
    }
    return cells_line(&c, DS_CSV_COLUMNS);
}


/* BlueScreenView writes times in the Windows short date and long time of the
 * en-US locale: "3/15/2024 12:00:00 PM". Ours are UTC (the analysing machine's
 * zone says nothing about the crashed one). */
static void bsv_time(int64_t t, char *buf, size_t len)
{
    struct tm tm;
    if (!unix_tm(t, &tm)) {
        buf[0] = '\0';
        return;
    }
    int h = tm.tm_hour % 12;
    snprintf(buf, len, "%d/%d/%d %d:%02d:%02d %s", tm.tm_mon + 1, tm.tm_mday,
             tm.tm_year + 1900, h ? h : 12, tm.tm_min, tm.tm_sec,
             tm.tm_hour < 12 ? "AM" : "PM");
}

/* "1,234,567" as the en-US number format shows file sizes. */
static void grouped(uint64_t v, char *buf, size_t len)
{
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)v);
    size_t o = 0;
    for (int i = 0; i < n && o + 2 < len; i++) {
        if (i && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
}

/* Parameters as BlueScreenView prints them: 64-bit dumps "ffffffff`c0000005",
 * 32-bit dumps "c0000005". */
static void bsv_param(const ds_row *r, uint64_t v, char *buf, size_t len)
{
    if (r->arch == DS_ARCH_X86 || r->arch == DS_ARCH_ARM)
        snprintf(buf, len, "%08llx", (unsigned long long)(v & 0xFFFFFFFFu));
    else
        snprintf(buf, len, "%08llx`%08llx", (unsigned long long)(v >> 32),
                 (unsigned long long)(v & 0xFFFFFFFFu));
}

static const char *bsv_processor(ds_arch a)
{
    switch (a) {
    case DS_ARCH_X86: return "32-bit";
    case DS_ARCH_X64: return "x64";
    case DS_ARCH_ARM64: return "ARM64";
    case DS_ARCH_ARM: return "ARM";
    default: return NULL;
    }
}

char *ds_row_bsv(const ds_row *r)
{
    cells c;
    memset(c.v, 0, sizeof c.v);
    int64_t t;
    const char *slash = r->path ? strrchr(r->path, '/') : NULL;
    const char *bslash = r->path ? strrchr(r->path, '\\') : NULL;
    if (bslash && (!slash || bslash > slash))
        slash = bslash;
    c.v[0] = slash ? slash + 1 : r->path;
    if (!r->failed) {
        if (row_crash_unix(r, &t)) {
            bsv_time(t, c.buf[1], sizeof c.buf[1]);
            c.v[1] = c.buf[1];
        }
        c.v[2] = r->title;
        if (r->has_code) {
            cellf(&c, 3, "0x%08x", r->code);
            for (int i = 0; i < 4; i++) {
                bsv_param(r, r->params[i], c.buf[4 + i], sizeof c.buf[4 + i]);
                c.v[4 + i] = c.buf[4 + i];
            }
        }
        c.v[8] = r->suspect_module;
        if (r->suspect_module && r->suspect_offset.known)
            cellf(&c, 9, "%s+%llx", r->suspect_module, (unsigned long long)r->suspect_offset.value);
        c.v[10] = r->file_description;
        c.v[11] = r->product_name;
        c.v[12] = r->company_name;
        c.v[13] = r->file_version;
        c.v[14] = bsv_processor(r->arch);
        if (r->has_pc && r->pc_module && r->pc_offset.known)
            cellf(&c, 15, "%s+%llx", r->pc_module, (unsigned long long)r->pc_offset.value);
        for (int i = 0; i < 3; i++)
            if (r->stack_module[i] && r->stack_offset[i].known)
                cellf(&c, 16 + i, "%s+%llx", r->stack_module[i],
                      (unsigned long long)r->stack_offset[i].value);
        /* 19: Computer Name is not in the dump header: empty. */
        if (r->cpus.known)
            cellf(&c, 21, "%u", (unsigned)r->cpus.value);
        if (r->kernel_major.known)
            cellf(&c, 22, "%u", (unsigned)r->kernel_major.value);
        if (r->kernel_minor.known)
            cellf(&c, 23, "%u", (unsigned)r->kernel_minor.value);
    }
    c.v[20] = r->path;
    if (r->file_size.known) {
        grouped(r->file_size.value, c.buf[24], sizeof c.buf[24]);
        c.v[24] = c.buf[24];
    }
    if (r->mtime.known) {
        bsv_time(r->mtime.value, c.buf[25], sizeof c.buf[25]);
        c.v[25] = c.buf[25];
    }
    return cells_line(&c, DS_BSV_COLUMNS);
}
