/*
 * Batch triage rows: the facts of one dump a fleet table needs, copied out of
 * the crash model, and their renderings (terminal table, dumpscan CSV,
 * BlueScreenView /scomma CSV); the grouped summary is in summary.c.
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
#include "report/rowutil.h"
#include "report/safetext.h"
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
bool filetime_to_unix(uint64_t ft, int64_t *out)
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
void iso_time(int64_t t, char *buf, size_t len)
{
    struct tm tm;
    if (!unix_tm(t, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
        buf[0] = '\0';
}

/* "2024-03-15 12:00" (the table), or "" */
void short_time(int64_t t, char *buf, size_t len)
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

bool row_crash_unix(const ds_row *r, int64_t *t)
{
    return !r->failed && r->crash_time.known && filetime_to_unix(r->crash_time.value, t);
}

const char *format_name(ds_format f)
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
    if (r->path && ds_path_stat(r->path, &st) == 0) {
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
    const ds_crash *c = ds_dump_crash(d);
    ds_row *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->path = ds_strdup(path ? path : ds_dump_path(d) ? ds_dump_path(d) : "");
    if (!r->path)
        goto oom;
    r->file_size = c->file_size;
    if (path || ds_dump_path(d))
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
int cmp_str(const char *a, const char *b)
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

enum { COL_FILE, COL_TIME, COL_BUG, COL_SUSPECT, COL_CONF, COL_BUCKET, NCOLS };

static const char *const col_head[NCOLS] = {"FILE",    "CRASH TIME (UTC)", "BUG CHECK",
                                            "SUSPECT", "CONF",             "BUCKET"};
/* Narrowest a shrinkable column gets; 0 = never shortened. */
static const size_t col_min[NCOLS] = {12, 0, 14, 10, 0, 10};

/* Cell texts of one row, escaped for a terminal, into v (caller frees each
 * with cells_free); a failed row has its path and "error: reason" only.
 * false on OOM. */
static bool table_cells(const ds_row *r, char **v)
{
    for (int i = 0; i < NCOLS; i++)
        v[i] = NULL;
    v[COL_FILE] = ds_display_join(r->path ? r->path : "", "", NULL);
    if (r->failed) {
        v[COL_TIME] = ds_display_join("error: ", "", r->error ? r->error : "unreadable");
        return v[COL_FILE] && v[COL_TIME];
    }
    char t[40] = "unknown", code[16];
    int64_t ut;
    if (row_crash_unix(r, &ut))
        short_time(ut, t, sizeof t);
    v[COL_TIME] = ds_display_join(t, "", NULL);
    snprintf(code, sizeof code, "0x%x", r->code);
    v[COL_BUG] = r->has_code ? ds_display_join(code, " ", r->title)
                             : ds_display_join(r->title ? r->title : "-", "", NULL);
    v[COL_SUSPECT] = r->suspect_module
                         ? ds_display_join(r->suspect_module, "!", r->suspect_function)
                         : ds_display_join("-", "", NULL);
    v[COL_CONF] = ds_display_join(r->has_verdict ? ds_confidence_name(r->confidence) : "-", "",
                               NULL);
    v[COL_BUCKET] = ds_display_join(r->bucket ? r->bucket : "-", "", NULL);
    for (int i = 0; i < NCOLS; i++)
        if (!v[i])
            return false;
    return true;
}

static void cells_free(char **v)
{
    for (int i = 0; i < NCOLS; i++) {
        free(v[i]);
        v[i] = NULL;
    }
}

/* Write s (terminal-safe) in exactly w columns (pad, or shorten with '~');
 * the file column keeps its end (the file name), the others their start.
 * Cuts fall between characters; a wide character that does not fit leaves a
 * space. */
static void put_cell(ds_strbuf *b, const char *s, size_t w, bool keep_end, bool last)
{
    size_t used = ds_display_width(s);
    if (used <= w) {
        ds_sb_printf(b, "%s", s);
    } else if (w == 0) {
        return;
    } else if (keep_end) {
        size_t off = ds_display_tail(s, w - 1, &used);
        ds_sb_printf(b, "~%s", s + off);
        used++;
    } else {
        size_t n = ds_display_head(s, w - 1, &used);
        ds_sb_printf(b, "%.*s~", (int)n, s);
        used++;
    }
    if (!last && used < w)
        ds_sb_printf(b, "%*s", (int)(w - used), "");
}

char *ds_rows_table(const ds_row *const *rows, size_t n, unsigned width)
{
    size_t w[NCOLS];
    for (int i = 0; i < NCOLS; i++)
        w[i] = strlen(col_head[i]);
    char *v[NCOLS];
    for (size_t k = 0; k < n; k++) {
        if (!table_cells(rows[k], v)) {
            cells_free(v);
            return NULL;
        }
        int upto = rows[k]->failed ? 1 : NCOLS; /* the reason spans the rest */
        for (int i = 0; i < upto; i++) {
            size_t cw = ds_display_width(v[i]);
            if (cw > w[i])
                w[i] = cw;
        }
        cells_free(v);
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
        if (!table_cells(r, v)) {
            cells_free(v);
            free(ds_sb_finish(&b));
            return NULL;
        }
        put_cell(&b, v[COL_FILE], w[COL_FILE], true, false);
        ds_sb_printf(&b, "  ");
        if (r->failed) {
            size_t rest = total > w[COL_FILE] + sep ? total - w[COL_FILE] - sep : 20;
            put_cell(&b, v[COL_TIME], rest, false, true);
            ds_sb_printf(&b, "\n");
        } else {
            for (int i = 1; i < NCOLS; i++) {
                put_cell(&b, v[i], w[i], false, i == NCOLS - 1);
                ds_sb_printf(&b, "%s", i == NCOLS - 1 ? "\n" : "  ");
            }
        }
        cells_free(v);
    }
    return ds_sb_finish(&b);
}

/* ------------------------------------------------------------ row JSON */

json_t *iso_json(bool known, uint64_t ft)
{
    int64_t t;
    char buf[40];
    if (!known || !filetime_to_unix(ft, &t))
        return json_null();
    iso_time(t, buf, sizeof buf);
    return buf[0] ? json_string(buf) : json_null();
}

json_t *opt_str(const char *s)
{
    return s ? json_string(s) : json_null();
}

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
                        json_pack("{s:o, s:I, s:o}", "path", ds_json_path(r->path ? r->path : ""),
                                  "size",
                                  (json_int_t)r->file_size, "mtime",
                                  mt[0] ? json_string(mt) : json_null()));
    json_object_set_new(root, "status", json_string(r->failed ? "failed" : "ok"));
    json_object_set_new(root, "error", ds_json_path_or_null(r->error));
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
