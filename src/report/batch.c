/*
 * Batch triage rows: the facts of one dump a fleet table needs, copied out of
 * the crash model, and their renderings (terminal table, dumpscan CSV,
 * BlueScreenView /scomma CSV) plus the grouped summary.
 *
 * Rows hold no pointer into the dump, so the caller closes each dump as soon
 * as its row is built: a batch keeps rows only.
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "model/model.h"
#include "core/dump.h"
#include "report/strbuf.h"

/* ----------------------------------------------------------------- helpers */

/* Duplicate s into *out; false on OOM (NULL and "" give NULL). */
static bool dup_opt(char **out, const char *s)
{
    *out = NULL;
    if (!s || !*s)
        return true;
    return (*out = ds_strdup(s)) != NULL;
}

/* FILETIME -> Unix seconds; false when out of the range gmtime handles. */
static bool filetime_to_unix(uint64_t ft, int64_t *out)
{
    const uint64_t epoch_diff = 11644473600ull;
    uint64_t secs = ft / 10000000ull;
    if (ft == 0 || secs < epoch_diff || secs - epoch_diff > 253402300799ull)
        return false;
    *out = (int64_t)(secs - epoch_diff);
    return true;
}

static bool unix_tm(int64_t t, struct tm *tm)
{
    if (t < 0 || t > 253402300799ll)
        return false;
    time_t tt = (time_t)t;
    return gmtime_r(&tt, tm) != NULL;
}

/* "2024-03-15T12:00:00Z", or "" */
static void iso_time(int64_t t, char *buf, size_t len)
{
    struct tm tm;
    if (!unix_tm(t, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
        buf[0] = '\0';
}

/* "2024-03-15 12:00" (the table), or "" */
static void short_time(int64_t t, char *buf, size_t len)
{
    struct tm tm;
    if (!unix_tm(t, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M", &tm))
        buf[0] = '\0';
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

static bool row_crash_unix(const ds_row *r, int64_t *t)
{
    return !r->failed && r->crash_time.known && filetime_to_unix(r->crash_time.value, t);
}

static const char *format_name(ds_format f)
{
    static const char *const n[] = {"unknown", "kernel32", "kernel64", "minidump"};
    return (unsigned)f < 4 ? n[f] : "unknown";
}

/* ------------------------------------------------------------------- rows */

void ds_row_free(ds_row *r)
{
    if (!r)
        return;
    free(r->path);
    free(r->error);
    free(r->title);
    free(r->pc_module);
    free(r->suspect_module);
    free(r->suspect_function);
    free(r->file_version);
    free(r->product_name);
    free(r->company_name);
    free(r->file_description);
    for (int i = 0; i < 3; i++)
        free(r->stack_module[i]);
    free(r->crash_class);
    free(r->bucket);
    free(r);
}

static void row_stat(ds_row *r)
{
    struct stat st;
    if (r->path && stat(r->path, &st) == 0) {
        r->file_size = (uint64_t)st.st_size;
        r->has_mtime = true;
        r->mtime = (int64_t)st.st_mtime;
    }
}

ds_row *ds_row_failed(const char *path, const char *error)
{
    ds_row *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->failed = true;
    r->dump_kind = "unknown";
    r->path = ds_strdup(path ? path : "");
    r->error = ds_strdup(error && *error ? error : "unreadable");
    if (!r->path || !r->error) {
        ds_row_free(r);
        return NULL;
    }
    row_stat(r);
    return r;
}

static const ds_module *loaded(const ds_crash *c, int idx)
{
    return idx >= 0 && (size_t)idx < c->nmodules ? &c->modules[idx] : NULL;
}

/* The stack a crash table shows: the faulting one, else the bug-check one,
 * else for minidumps the crashing thread's. */
static const ds_stack *crash_stack(const ds_crash *c)
{
    const ds_stack *best = NULL;
    for (size_t i = 0; i < c->nstacks; i++) {
        const ds_stack *s = &c->stacks[i];
        if (s->kind == DS_STACK_FAULTING)
            return s;
        if (!best && (s->kind == DS_STACK_BUGCHECK ||
                      (s->kind == DS_STACK_THREAD && s->thread_id == c->crashing_thread)))
            best = s;
    }
    return best;
}

static bool fill_suspect(ds_row *r, const ds_crash *c)
{
    const ds_verdict *v = &c->verdict;
    if (!dup_opt(&r->title, v->title) || !dup_opt(&r->crash_class, v->crash_class) ||
        !dup_opt(&r->bucket, v->bucket))
        return false;
    r->confidence = v->confidence;
    if (!v->has_suspect)
        return true;
    const ds_suspect *s = &v->suspect;
    if (!dup_opt(&r->suspect_module, s->module_name) ||
        !dup_opt(&r->suspect_function, s->function))
        return false;
    r->suspect_function_offset = s->function_offset;
    const ds_module *m = loaded(c, s->module);
    if (!m)
        return true;
    if (!dup_opt(&r->file_version, m->file_version) ||
        !dup_opt(&r->product_name, m->product_name) ||
        !dup_opt(&r->company_name, m->company_name) ||
        !dup_opt(&r->file_description, m->file_description))
        return false;
    /* Caused-by address: the first frame in the suspect, else the pc. */
    for (size_t i = 0; i < c->nstacks && !r->has_suspect_offset; i++)
        for (size_t k = 0; k < c->stacks[i].nframes; k++) {
            const ds_frame *f = &c->stacks[i].frames[k];
            if (f->module == s->module && f->pc >= m->base) {
                r->has_suspect_offset = true;
                r->suspect_offset = f->pc - m->base;
                break;
            }
        }
    if (!r->has_suspect_offset && c->has_context && c->context.pc >= m->base &&
        c->context.pc - m->base < m->size) {
        r->has_suspect_offset = true;
        r->suspect_offset = c->context.pc - m->base;
    }
    return true;
}

ds_row *ds_row_from_dump(const ds_dump *d, const char *path)
{
    if (!d)
        return NULL;
    const ds_crash *c = &d->crash;
    ds_row *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->path = ds_strdup(path ? path : d->path ? d->path : "");
    if (!r->path)
        goto oom;
    r->file_size = c->file_size;
    if (path || d->path)
        row_stat(r);
    r->format = c->format;
    r->dump_kind = c->dump_kind ? c->dump_kind : "unknown";
    r->dump_type = c->dump_type;
    r->arch = c->arch;
    r->cpus = c->cpus;
    r->os_major = c->os_major;
    r->os_minor = c->os_minor;
    r->os_build = c->os_build;
    bool kernel = c->format == DS_FORMAT_KERNEL32 || c->format == DS_FORMAT_KERNEL64;
    if (kernel) {
        r->kernel_major = c->kernel.major_version;
        r->kernel_minor = c->kernel.build;
    }
    r->crash_time = c->crash_time;
    r->compressed = c->compressed;
    r->damaged = c->damaged;
    if (c->has_bugcheck) {
        r->has_code = true;
        r->code = c->bugcheck.code;
        memcpy(r->params, c->bugcheck.params, sizeof r->params);
    } else if (c->format == DS_FORMAT_MINIDUMP && c->has_exception) {
        r->has_code = true;
        r->code_is_exception = true;
        r->code = c->exception.code;
        for (unsigned i = 0; i < 4 && i < c->exception.nparams && i < 15; i++)
            r->params[i] = c->exception.params[i];
    }
    if (c->has_context) {
        r->has_pc = true;
        r->pc = c->context.pc;
        const ds_module *m = ds_module_at(c, c->context.pc);
        if (m) {
            if (!dup_opt(&r->pc_module, m->name))
                goto oom;
            r->pc_offset = c->context.pc - m->base;
        }
    }
    r->has_verdict = c->verdict.present;
    if (c->verdict.present && !fill_suspect(r, c))
        goto oom;
    /* BlueScreenView fills its three stack addresses for 32-bit crashes only. */
    const ds_stack *st = crash_stack(c);
    if (st && c->arch == DS_ARCH_X86)
        for (size_t i = 1; i < st->nframes && i <= 3; i++) {
            const ds_module *m = loaded(c, st->frames[i].module);
            if (m && st->frames[i].pc >= m->base) {
                if (!dup_opt(&r->stack_module[i - 1], m->name))
                    goto oom;
                r->stack_offset[i - 1] = st->frames[i].pc - m->base;
            }
        }
    return r;
oom:
    ds_row_free(r);
    return NULL;
}

/* -------------------------------------------------------------- ordering */

int ds_row_sort_parse(const char *name, ds_row_sort *out)
{
    static const char *const names[] = {"time",     "path",   "mtime", "size",
                                        "bugcheck", "module", "bucket"};
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
        if (name && strcmp(name, names[i]) == 0) {
            *out = (ds_row_sort)i;
            return 0;
        }
    return -1;
}

static int cmp_u64(uint64_t a, uint64_t b)
{
    return a < b ? -1 : a > b;
}

static int cmp_i64(int64_t a, int64_t b)
{
    return a < b ? -1 : a > b;
}

/* Strings with NULL (unknown) after every value. */
static int cmp_str(const char *a, const char *b)
{
    if (!a || !b)
        return (a == NULL) - (b == NULL);
    return strcmp(a, b);
}

int ds_row_compare(const ds_row *a, const ds_row *b, ds_row_sort key)
{
    int c = 0;
    switch (key) {
    case DS_SORT_TIME: {
        int64_t ta = 0, tb = 0;
        bool ka = row_crash_unix(a, &ta), kb = row_crash_unix(b, &tb);
        c = ka && kb ? cmp_u64(a->crash_time.value, b->crash_time.value) : (int)kb - (int)ka;
        break;
    }
    case DS_SORT_MTIME:
        c = a->has_mtime && b->has_mtime ? cmp_i64(a->mtime, b->mtime)
                                         : (int)b->has_mtime - (int)a->has_mtime;
        break;
    case DS_SORT_SIZE:
        c = cmp_u64(a->file_size, b->file_size);
        break;
    case DS_SORT_BUGCHECK:
        c = a->has_code && b->has_code ? cmp_u64(a->code, b->code)
                                       : (int)b->has_code - (int)a->has_code;
        if (!c)
            c = cmp_str(a->title, b->title);
        break;
    case DS_SORT_MODULE:
        c = cmp_str(a->suspect_module, b->suspect_module);
        break;
    case DS_SORT_BUCKET:
        c = cmp_str(a->bucket, b->bucket);
        break;
    case DS_SORT_PATH:
        break;
    }
    if (!c)
        c = strcmp(a->path ? a->path : "", b->path ? b->path : "");
    return c;
}

/* ------------------------------------------------------------------- CSV */

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

/* BlueScreenView 1.55's column names in its order (anchors.md 2.1). */
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
    cellf(&c, 3, "%llu", (unsigned long long)r->file_size);
    if (r->has_mtime) {
        iso_time(r->mtime, c.buf[4], sizeof c.buf[4]);
        c.v[4] = c.buf[4];
    }
    if (!r->failed) {
        c.v[5] = format_name(r->format);
        c.v[6] = r->dump_kind;
        c.v[7] = ds_arch_name(r->arch);
        if (r->os_major || r->os_build)
            cellf(&c, 8, "%u.%u.%u", r->os_major, r->os_minor, r->os_build);
        if (r->cpus)
            cellf(&c, 9, "%u", r->cpus);
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
            if (r->pc_module)
                cellf(&c, 18, "%s+0x%llx", r->pc_module, (unsigned long long)r->pc_offset);
            else
                cellf(&c, 18, "0x%llx", (unsigned long long)r->pc);
        }
        c.v[19] = r->suspect_module;
        if (r->suspect_function)
            cellf(&c, 20, "%s+0x%llx", r->suspect_function,
                  (unsigned long long)r->suspect_function_offset);
        if (r->suspect_module && r->has_suspect_offset)
            cellf(&c, 21, "%s+0x%llx", r->suspect_module,
                  (unsigned long long)r->suspect_offset);
        c.v[22] = r->has_verdict ? ds_confidence_name(r->confidence) : NULL;
        c.v[23] = r->crash_class;
        c.v[24] = r->bucket;
        c.v[25] = r->damaged ? "true" : "false";
    }
    return cells_line(&c, DS_CSV_COLUMNS);
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
        if (r->suspect_module && r->has_suspect_offset)
            cellf(&c, 9, "%s+%llx", r->suspect_module, (unsigned long long)r->suspect_offset);
        c.v[10] = r->file_description;
        c.v[11] = r->product_name;
        c.v[12] = r->company_name;
        c.v[13] = r->file_version;
        c.v[14] = bsv_processor(r->arch);
        if (r->has_pc && r->pc_module)
            cellf(&c, 15, "%s+%llx", r->pc_module, (unsigned long long)r->pc_offset);
        for (int i = 0; i < 3; i++)
            if (r->stack_module[i])
                cellf(&c, 16 + i, "%s+%llx", r->stack_module[i],
                      (unsigned long long)r->stack_offset[i]);
        /* 19: Computer Name is not in the dump header: empty. */
        if (r->cpus)
            cellf(&c, 21, "%u", r->cpus);
        if (r->kernel_major)
            cellf(&c, 22, "%u", r->kernel_major);
        if (r->kernel_minor)
            cellf(&c, 23, "%u", r->kernel_minor);
    }
    c.v[20] = r->path;
    grouped(r->file_size, c.buf[24], sizeof c.buf[24]);
    c.v[24] = c.buf[24];
    if (r->has_mtime) {
        bsv_time(r->mtime, c.buf[25], sizeof c.buf[25]);
        c.v[25] = c.buf[25];
    }
    return cells_line(&c, DS_BSV_COLUMNS);
}

/* ----------------------------------------------------------------- table */

/* Display columns of UTF-8 text (code points; no wide-character tables). */
static size_t text_width(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Byte offset where the last `cols` code points of s start. */
static size_t tail_start(const char *s, size_t cols)
{
    size_t len = strlen(s), w = 0, i = len;
    while (i > 0 && w < cols) {
        i--;
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            w++;
    }
    return i;
}

/* Byte length of the first `cols` code points of s. */
static size_t head_len(const char *s, size_t cols)
{
    size_t i = 0, w = 0;
    while (s[i]) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            if (w == cols)
                break;
            w++;
        }
        i++;
    }
    return i;
}

enum { COL_FILE, COL_TIME, COL_BUG, COL_SUSPECT, COL_CONF, COL_BUCKET, NCOLS };

static const char *const col_head[NCOLS] = {"FILE",    "CRASH TIME (UTC)", "BUG CHECK",
                                            "SUSPECT", "CONF",             "BUCKET"};
/* Narrowest a shrinkable column gets; 0 = never shortened. */
static const size_t col_min[NCOLS] = {12, 0, 14, 10, 0, 10};

/* Cell texts of one row into buf (NUL-separated), pointers in v. */
static void table_cells(const ds_row *r, char (*buf)[160], const char **v)
{
    for (int i = 0; i < NCOLS; i++) {
        buf[i][0] = '\0';
        v[i] = buf[i];
    }
    v[COL_FILE] = r->path ? r->path : "";
    if (r->failed)
        return;
    int64_t t;
    if (row_crash_unix(r, &t))
        short_time(t, buf[COL_TIME], sizeof buf[COL_TIME]);
    else
        snprintf(buf[COL_TIME], sizeof buf[COL_TIME], "unknown");
    if (r->has_code)
        snprintf(buf[COL_BUG], sizeof buf[COL_BUG], "0x%x%s%s", r->code, r->title ? " " : "",
                 r->title ? r->title : "");
    else
        snprintf(buf[COL_BUG], sizeof buf[COL_BUG], "%s", r->title ? r->title : "-");
    if (r->suspect_module && r->suspect_function)
        snprintf(buf[COL_SUSPECT], sizeof buf[COL_SUSPECT], "%s!%s", r->suspect_module,
                 r->suspect_function);
    else
        snprintf(buf[COL_SUSPECT], sizeof buf[COL_SUSPECT], "%s",
                 r->suspect_module ? r->suspect_module : "-");
    snprintf(buf[COL_CONF], sizeof buf[COL_CONF], "%s",
             r->has_verdict ? ds_confidence_name(r->confidence) : "-");
    snprintf(buf[COL_BUCKET], sizeof buf[COL_BUCKET], "%s", r->bucket ? r->bucket : "-");
}

/* Write s in exactly w columns (pad, or shorten with '~'); the file column
 * keeps its end (the file name), the others their start. */
static void put_cell(ds_strbuf *b, const char *s, size_t w, bool keep_end, bool last)
{
    size_t sw = text_width(s);
    if (sw <= w) {
        ds_sb_printf(b, "%s", s);
        if (!last)
            ds_sb_printf(b, "%*s", (int)(w - sw), "");
        return;
    }
    if (w == 0)
        return;
    if (keep_end)
        ds_sb_printf(b, "~%s", s + tail_start(s, w - 1));
    else
        ds_sb_printf(b, "%.*s~", (int)head_len(s, w - 1), s);
}

char *ds_rows_table(const ds_row *const *rows, size_t n, unsigned width)
{
    size_t w[NCOLS];
    for (int i = 0; i < NCOLS; i++)
        w[i] = strlen(col_head[i]);
    char buf[NCOLS][160];
    const char *v[NCOLS];
    for (size_t k = 0; k < n; k++) {
        table_cells(rows[k], buf, v);
        int upto = rows[k]->failed ? 1 : NCOLS;
        for (int i = 0; i < upto; i++) {
            size_t cw = text_width(v[i]);
            if (cw > w[i])
                w[i] = cw;
        }
    }
    /* Fit: take a column at a time from the widest shrinkable column. */
    size_t sep = 2, total = sep * (NCOLS - 1);
    for (int i = 0; i < NCOLS; i++)
        total += w[i];
    while (width && total > width) {
        int best = -1;
        for (int i = 0; i < NCOLS; i++)
            if (col_min[i] && w[i] > col_min[i] && (best < 0 || w[i] > w[best]))
                best = i;
        if (best < 0)
            break;
        w[best]--;
        total--;
    }

    ds_strbuf b = {0};
    for (int i = 0; i < NCOLS; i++) {
        put_cell(&b, col_head[i], w[i], false, i == NCOLS - 1);
        ds_sb_printf(&b, "%s", i == NCOLS - 1 ? "\n" : "  ");
    }
    for (size_t k = 0; k < n; k++) {
        const ds_row *r = rows[k];
        table_cells(r, buf, v);
        put_cell(&b, v[COL_FILE], w[COL_FILE], true, false);
        ds_sb_printf(&b, "  ");
        if (r->failed) {
            /* The reason spans the rest of the line. */
            char msg[300];
            snprintf(msg, sizeof msg, "error: %s", r->error ? r->error : "unreadable");
            size_t rest = total > w[COL_FILE] + sep ? total - w[COL_FILE] - sep : 20;
            put_cell(&b, msg, rest, false, true);
            ds_sb_printf(&b, "\n");
            continue;
        }
        for (int i = 1; i < NCOLS; i++) {
            put_cell(&b, v[i], w[i], false, i == NCOLS - 1);
            ds_sb_printf(&b, "%s", i == NCOLS - 1 ? "\n" : "  ");
        }
    }
    return ds_sb_finish(&b);
}

/* --------------------------------------------------------------- summary */

/* Open-addressing table of indexes (slot value = index + 1, 0 = empty),
 * keyed by a 64-bit hash; the owner compares the real keys. */
typedef struct itab {
    uint32_t *slot;
    uint64_t *hash;
    size_t cap, n;
} itab;

static uint64_t fnv(const void *p, size_t len, uint64_t h)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < len; i++)
        h = (h ^ s[i]) * 0x100000001b3ull;
    return h;
}

static bool itab_grow(itab *t)
{
    if (t->n * 2 < t->cap)
        return true;
    size_t cap = t->cap ? t->cap * 2 : 64;
    uint32_t *slot = calloc(cap, sizeof *slot);
    uint64_t *hash = calloc(cap, sizeof *hash);
    if (!slot || !hash) {
        free(slot);
        free(hash);
        return false;
    }
    for (size_t i = 0; i < t->cap; i++)
        if (t->slot[i]) {
            size_t j = t->hash[i] & (cap - 1);
            while (slot[j])
                j = (j + 1) & (cap - 1);
            slot[j] = t->slot[i];
            hash[j] = t->hash[i];
        }
    free(t->slot);
    free(t->hash);
    t->slot = slot;
    t->hash = hash;
    t->cap = cap;
    return true;
}

static void itab_free(itab *t)
{
    free(t->slot);
    free(t->hash);
}

enum { G_MODULE, G_BUCKET, G_BUGCHECK, NKINDS };

typedef struct group {
    int kind;
    char *key;       /* module / bucket / "0x..." code; NULL = none */
    char *name;      /* bug check: its title */
    bool exception;  /* bug check: an exception code */
    uint64_t count;
    bool has_time;
    uint64_t first, last; /* FILETIME */
    char *first_path, *last_path;
    uint32_t *machines;   /* indexes into dirs */
    size_t nmachines, capm;
} group;

typedef struct failed_file {
    char *path, *error;
} failed_file;

struct ds_summary {
    uint64_t analyzed, failed, skipped;
    group *groups;
    size_t ngroups, capg;
    itab gtab;            /* (kind, key) -> group */
    char **dirs;
    size_t ndirs, capd;
    itab dtab;            /* dir -> index */
    itab ptab;            /* (group, dir) seen */
    uint64_t *pairs;
    size_t npairs, capp;
    failed_file *fails;
    size_t nfails, capf;
};

ds_summary *ds_summary_new(void)
{
    return calloc(1, sizeof(ds_summary));
}

void ds_summary_free(ds_summary *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->ngroups; i++) {
        free(s->groups[i].key);
        free(s->groups[i].name);
        free(s->groups[i].first_path);
        free(s->groups[i].last_path);
        free(s->groups[i].machines);
    }
    free(s->groups);
    for (size_t i = 0; i < s->ndirs; i++)
        free(s->dirs[i]);
    free(s->dirs);
    for (size_t i = 0; i < s->nfails; i++) {
        free(s->fails[i].path);
        free(s->fails[i].error);
    }
    free(s->fails);
    free(s->pairs);
    itab_free(&s->gtab);
    itab_free(&s->dtab);
    itab_free(&s->ptab);
    free(s);
}

void ds_summary_skipped(ds_summary *s, uint64_t n)
{
    s->skipped += n;
}

static bool grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t c = *cap ? *cap * 2 : 16;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * elem);
    if (!q)
        return false;
    *p = q;
    *cap = c;
    return true;
}

/* Index of directory `dir` (len bytes), added if new; -1 on OOM. */
static long dir_index(ds_summary *s, const char *dir, size_t len)
{
    if (!itab_grow(&s->dtab))
        return -1;
    uint64_t h = fnv(dir, len, 0xcbf29ce484222325ull);
    size_t j = h & (s->dtab.cap - 1);
    for (; s->dtab.slot[j]; j = (j + 1) & (s->dtab.cap - 1)) {
        const char *d = s->dirs[s->dtab.slot[j] - 1];
        if (s->dtab.hash[j] == h && strlen(d) == len && memcmp(d, dir, len) == 0)
            return (long)s->dtab.slot[j] - 1;
    }
    if (!grow((void **)&s->dirs, &s->capd, s->ndirs + 1, sizeof *s->dirs))
        return -1;
    char *copy = malloc(len + 1);
    if (!copy)
        return -1;
    memcpy(copy, dir, len);
    copy[len] = '\0';
    s->dirs[s->ndirs] = copy;
    s->dtab.slot[j] = (uint32_t)++s->ndirs;
    s->dtab.hash[j] = h;
    s->dtab.n++;
    return (long)s->ndirs - 1;
}

/* The group for (kind, key), created if new; NULL on OOM. */
static group *group_for(ds_summary *s, int kind, const char *key)
{
    if (!itab_grow(&s->gtab))
        return NULL;
    uint64_t h = fnv(&kind, sizeof kind, 0xcbf29ce484222325ull);
    h = key ? fnv(key, strlen(key) + 1, h) : h ^ 0x5bd1e995u;
    size_t j = h & (s->gtab.cap - 1);
    for (; s->gtab.slot[j]; j = (j + 1) & (s->gtab.cap - 1)) {
        group *g = &s->groups[s->gtab.slot[j] - 1];
        if (s->gtab.hash[j] == h && g->kind == kind && cmp_str(g->key, key) == 0)
            return g;
    }
    if (!grow((void **)&s->groups, &s->capg, s->ngroups + 1, sizeof *s->groups))
        return NULL;
    group *g = &s->groups[s->ngroups];
    memset(g, 0, sizeof *g);
    g->kind = kind;
    if (key && !(g->key = ds_strdup(key)))
        return NULL;
    s->gtab.slot[j] = (uint32_t)++s->ngroups;
    s->gtab.hash[j] = h;
    s->gtab.n++;
    return g;
}

/* Record that group gi saw machine di; false on OOM. */
static bool add_machine(ds_summary *s, size_t gi, long di)
{
    if (!itab_grow(&s->ptab))
        return false;
    uint64_t key = (uint64_t)gi << 32 | (uint32_t)di;
    uint64_t h = fnv(&key, sizeof key, 0xcbf29ce484222325ull);
    size_t j = h & (s->ptab.cap - 1);
    for (; s->ptab.slot[j]; j = (j + 1) & (s->ptab.cap - 1))
        if (s->pairs[s->ptab.slot[j] - 1] == key)
            return true;
    group *g = &s->groups[gi];
    if (!grow((void **)&s->pairs, &s->capp, s->npairs + 1, sizeof *s->pairs) ||
        !grow((void **)&g->machines, &g->capm, g->nmachines + 1, sizeof *g->machines))
        return false;
    s->pairs[s->npairs] = key;
    s->ptab.slot[j] = (uint32_t)++s->npairs;
    s->ptab.hash[j] = h;
    s->ptab.n++;
    g->machines[g->nmachines++] = (uint32_t)di;
    return true;
}

static bool set_path(char **slot, const char *path)
{
    char *p = ds_strdup(path);
    if (!p)
        return false;
    free(*slot);
    *slot = p;
    return true;
}

int ds_summary_add(ds_summary *s, const ds_row *r)
{
    const char *path = r->path ? r->path : "";
    if (r->failed) {
        if (!grow((void **)&s->fails, &s->capf, s->nfails + 1, sizeof *s->fails))
            return -1;
        failed_file *f = &s->fails[s->nfails];
        f->path = ds_strdup(path);
        f->error = ds_strdup(r->error ? r->error : "unreadable");
        if (!f->path || !f->error) {
            free(f->path);
            free(f->error);
            return -1;
        }
        s->nfails++;
        s->failed++;
        return 0;
    }
    s->analyzed++;
    const char *slash = strrchr(path, '/');
    long di = slash ? dir_index(s, path, slash == path ? 1 : (size_t)(slash - path))
                    : dir_index(s, ".", 1);
    if (di < 0)
        return -1;
    char code[32];
    if (r->has_code)
        snprintf(code, sizeof code, "0x%x", r->code);
    const char *keys[NKINDS] = {r->suspect_module, r->bucket, r->has_code ? code : NULL};
    int64_t t;
    bool has_time = row_crash_unix(r, &t);
    for (int k = 0; k < NKINDS; k++) {
        group *g = group_for(s, k, keys[k]);
        if (!g)
            return -1;
        size_t gi = (size_t)(g - s->groups);
        if (k == G_BUGCHECK && !g->name && r->title && !(g->name = ds_strdup(r->title)))
            return -1;
        g->exception = r->code_is_exception;
        g->count++;
        if (has_time) {
            uint64_t ft = r->crash_time.value;
            if (!g->has_time || ft < g->first ||
                (ft == g->first && strcmp(path, g->first_path) < 0)) {
                if (!set_path(&g->first_path, path))
                    return -1;
                g->first = ft;
            }
            if (!g->has_time || ft > g->last ||
                (ft == g->last && strcmp(path, g->last_path) > 0)) {
                if (!set_path(&g->last_path, path))
                    return -1;
                g->last = ft;
            }
            g->has_time = true;
        }
        if (!add_machine(s, gi, di))
            return -1;
    }
    return 0;
}

/* Groups of one kind, most crashes first, then by key (none last). qsort has
 * no context argument in C11: the summary being sorted is per thread. */
static _Thread_local const ds_summary *sort_ctx;

static int group_order(const void *a, const void *b)
{
    const group *x = &sort_ctx->groups[*(const size_t *)a];
    const group *y = &sort_ctx->groups[*(const size_t *)b];
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return cmp_str(x->key, y->key);
}

static int dir_order(const void *a, const void *b)
{
    return strcmp(sort_ctx->dirs[*(const uint32_t *)a], sort_ctx->dirs[*(const uint32_t *)b]);
}

/* Indexes of the groups of `kind`, sorted; each group's machine list is put
 * in name order too (its content does not change). */
static size_t *kind_order(const ds_summary *s, int kind, size_t *n)
{
    size_t *idx = malloc((s->ngroups ? s->ngroups : 1) * sizeof *idx);
    if (!idx)
        return NULL;
    *n = 0;
    for (size_t i = 0; i < s->ngroups; i++)
        if (s->groups[i].kind == kind)
            idx[(*n)++] = i;
    sort_ctx = s;
    qsort(idx, *n, sizeof *idx, group_order);
    for (size_t i = 0; i < *n; i++) {
        group *g = &s->groups[idx[i]];
        if (g->nmachines)
            qsort(g->machines, g->nmachines, sizeof *g->machines, dir_order);
    }
    sort_ctx = NULL;
    return idx;
}

static const char *const kind_title[NKINDS] = {"suspected module", "bucket", "bug check"};
static const char *const kind_none[NKINDS] = {"(no suspect named)", "(no bucket)",
                                              "(no bug check or exception)"};

char *ds_summary_text(const ds_summary *s)
{
    ds_strbuf b = {0};
    uint64_t seen = s->analyzed + s->failed + s->skipped;
    ds_sb_printf(&b, "%llu file%s seen: %llu analyzed, %llu failed, %llu skipped (not dumps)\n",
                 (unsigned long long)seen, seen == 1 ? "" : "s",
                 (unsigned long long)s->analyzed, (unsigned long long)s->failed,
                 (unsigned long long)s->skipped);
    for (int k = 0; k < NKINDS && s->analyzed; k++) {
        size_t n;
        size_t *idx = kind_order(s, k, &n);
        if (!idx) {
            free(b.s);
            return NULL;
        }
        ds_sb_printf(&b, "\nBy %s:\n", kind_title[k]);
        for (size_t i = 0; i < n; i++) {
            const group *g = &s->groups[idx[i]];
            char label[512];
            if (!g->key)
                snprintf(label, sizeof label, "%s", kind_none[k]);
            else if (k == G_BUGCHECK && g->name)
                snprintf(label, sizeof label, "%s %s", g->key, g->name);
            else
                snprintf(label, sizeof label, "%s", g->key);
            unsigned pct = (unsigned)((g->count * 100 + s->analyzed / 2) / s->analyzed);
            ds_sb_printf(&b, "  %s: %llu of %llu crash%s (%u%%)", label,
                         (unsigned long long)g->count, (unsigned long long)s->analyzed,
                         s->analyzed == 1 ? "" : "es", pct);
            int64_t t0, t1;
            char a[24], z[24];
            if (g->has_time && filetime_to_unix(g->first, &t0) &&
                filetime_to_unix(g->last, &t1)) {
                short_time(t0, a, sizeof a);
                short_time(t1, z, sizeof z);
                if (g->first == g->last)
                    ds_sb_printf(&b, " on %s", a);
                else
                    ds_sb_printf(&b, " since %s, last %s", a, z);
            }
            ds_sb_printf(&b, "\n      %zu machine%s:", g->nmachines,
                         g->nmachines == 1 ? "" : "s");
            /* as many names as fit in 100 columns, then "and N more" */
            size_t col = 20, m = 0;
            for (; m < g->nmachines; m++) {
                const char *dn = s->dirs[g->machines[m]];
                size_t need = text_width(dn) + 2 + (m + 1 < g->nmachines ? 16 : 0);
                if (m > 0 && col + need > 100)
                    break;
                ds_sb_printf(&b, "%s %s", m ? "," : "", dn);
                col += need - (m + 1 < g->nmachines ? 16 : 0);
            }
            if (m < g->nmachines)
                ds_sb_printf(&b, " and %zu more", g->nmachines - m);
            ds_sb_printf(&b, "\n");
        }
        free(idx);
    }
    if (s->nfails) {
        ds_sb_printf(&b, "\nFailed (%zu):\n", s->nfails);
        for (size_t i = 0; i < s->nfails; i++)
            ds_sb_printf(&b, "  %s: %s\n", s->fails[i].path, s->fails[i].error);
    }
    return ds_sb_finish(&b);
}

static json_t *iso_json(bool known, uint64_t ft)
{
    int64_t t;
    char buf[40];
    if (!known || !filetime_to_unix(ft, &t))
        return json_null();
    iso_time(t, buf, sizeof buf);
    return buf[0] ? json_string(buf) : json_null();
}

static json_t *opt_str(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *groups_json(const ds_summary *s, int kind)
{
    size_t n;
    size_t *idx = kind_order(s, kind, &n);
    if (!idx)
        return NULL;
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        const group *g = &s->groups[idx[i]];
        json_t *o = json_object();
        if (kind == G_MODULE)
            json_object_set_new(o, "module", opt_str(g->key));
        else if (kind == G_BUCKET)
            json_object_set_new(o, "bucket", opt_str(g->key));
        else {
            json_object_set_new(o, "code", opt_str(g->key));
            json_object_set_new(o, "code_type", g->key ? json_string(g->exception ? "exception"
                                                                                 : "bugcheck")
                                                       : json_null());
            json_object_set_new(o, "name", opt_str(g->name));
        }
        json_object_set_new(o, "count", json_integer((json_int_t)g->count));
        json_object_set_new(o, "share", json_real((double)g->count / (double)s->analyzed));
        json_object_set_new(o, "first_crash", iso_json(g->has_time, g->first));
        json_object_set_new(o, "last_crash", iso_json(g->has_time, g->last));
        json_object_set_new(o, "first_file", opt_str(g->first_path));
        json_object_set_new(o, "last_file", opt_str(g->last_path));
        json_t *m = json_array();
        for (size_t k = 0; k < g->nmachines; k++)
            json_array_append_new(m, json_string(s->dirs[g->machines[k]]));
        json_object_set_new(o, "machines", m);
        json_array_append_new(a, o);
    }
    free(idx);
    return a;
}

char *ds_summary_json(const ds_summary *s, unsigned flags)
{
    json_t *root = json_object();
    json_object_set_new(root, "schema_version", json_integer(DS_JSON_SCHEMA_VERSION));
    json_object_set_new(root, "tool", json_pack("{s:s, s:s}", "name", "dumpscan", "version",
                                                DS_VERSION_STRING));
    json_object_set_new(
        root, "files",
        json_pack("{s:I, s:I, s:I, s:I}", "seen",
                  (json_int_t)(s->analyzed + s->failed + s->skipped), "analyzed",
                  (json_int_t)s->analyzed, "failed", (json_int_t)s->failed, "skipped",
                  (json_int_t)s->skipped));
    static const char *const keys[NKINDS] = {"by_suspect_module", "by_bucket", "by_bugcheck"};
    for (int k = 0; k < NKINDS; k++) {
        json_t *g = groups_json(s, k);
        if (!g) {
            json_decref(root);
            return NULL;
        }
        json_object_set_new(root, keys[k], g);
    }
    json_t *f = json_array();
    for (size_t i = 0; i < s->nfails; i++)
        json_array_append_new(f, json_pack("{s:s, s:s}", "path", s->fails[i].path, "error",
                                           s->fails[i].error));
    json_object_set_new(root, "failed", f);
    size_t jf = JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(4) |
                (flags & DS_JSON_PRETTY ? JSON_INDENT(2) : JSON_COMPACT);
    char *out = json_dumps(root, jf);
    json_decref(root);
    return out;
}

/* ------------------------------------------------------------ row JSON */

static json_t *hex_json(uint64_t v)
{
    char b[24];
    snprintf(b, sizeof b, "0x%llx", (unsigned long long)v);
    return json_string(b);
}

char *ds_row_json(const ds_row *r, unsigned flags)
{
    json_t *root = json_object();
    char mt[40] = "";
    if (r->has_mtime)
        iso_time(r->mtime, mt, sizeof mt);
    json_object_set_new(root, "schema_version", json_integer(DS_JSON_SCHEMA_VERSION));
    json_object_set_new(root, "tool", json_pack("{s:s, s:s}", "name", "dumpscan", "version",
                                                DS_VERSION_STRING));
    json_object_set_new(root, "file",
                        json_pack("{s:s, s:I, s:o}", "path", r->path ? r->path : "", "size",
                                  (json_int_t)r->file_size, "mtime",
                                  mt[0] ? json_string(mt) : json_null()));
    json_object_set_new(root, "status", json_string(r->failed ? "failed" : "ok"));
    json_object_set_new(root, "error", opt_str(r->error));
    if (!r->failed) {
        json_object_set_new(root, "format", json_string(format_name(r->format)));
        json_object_set_new(root, "dump_kind", json_string(r->dump_kind));
        json_object_set_new(root, "arch", json_string(ds_arch_name(r->arch)));
        json_object_set_new(root, "crash_time", iso_json(r->crash_time.known,
                                                         r->crash_time.value));
        json_object_set_new(root, "code_type",
                            r->has_code ? json_string(r->code_is_exception ? "exception"
                                                                           : "bugcheck")
                                        : json_null());
        json_object_set_new(root, "code", r->has_code ? hex_json(r->code) : json_null());
        json_object_set_new(root, "name", opt_str(r->title));
        json_object_set_new(root, "suspect_module", opt_str(r->suspect_module));
        json_object_set_new(root, "suspect_function", opt_str(r->suspect_function));
        json_object_set_new(root, "confidence",
                            r->has_verdict ? json_string(ds_confidence_name(r->confidence))
                                           : json_null());
        json_object_set_new(root, "class", opt_str(r->crash_class));
        json_object_set_new(root, "bucket", opt_str(r->bucket));
        json_object_set_new(root, "damaged", json_boolean(r->damaged));
    }
    size_t jf = JSON_PRESERVE_ORDER | (flags & DS_JSON_PRETTY ? JSON_INDENT(2) : JSON_COMPACT);
    char *out = json_dumps(root, jf);
    json_decref(root);
    return out;
}
