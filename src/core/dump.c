/* ds_open and friends: run the pipeline stages in order over one file. */
#include <stdlib.h>
#include <string.h>

#include "analysis/facts.h"
#include "analysis/knowledge.h"
#include "analysis/stacks.h"
#include "analysis/verdict.h"
#include "format/format.h"
#include "image/image.h"
#include "io/cab.h"
#include "io/source.h"
#include "model/model.h"

#include "core/dump.h"

ds_format ds_detect(const void *head, size_t len, bool *gzip)
{
    const uint8_t *p = head;
    if (gzip)
        *gzip = len >= 3 && p[0] == 0x1F && p[1] == 0x8B && p[2] == 8;
    if (len >= 8 && memcmp(p, "PAGEDU64", 8) == 0)
        return DS_FORMAT_KERNEL64;
    if (len >= 8 && memcmp(p, "PAGEDUMP", 8) == 0)
        return DS_FORMAT_KERNEL32;
    if (len >= 8 && memcmp(p, "MDMP", 4) == 0 && ds_le16(p + 4) == 0xA793)
        return DS_FORMAT_MINIDUMP;
    return DS_FORMAT_UNKNOWN;
}

static bool is_dump_head(const uint8_t *head, size_t len)
{
    return ds_detect(head, len, NULL) != DS_FORMAT_UNKNOWN;
}

long ds_cab_dumps(const char *path, char ***names, ds_error *err)
{
    ds_clear_error(err);
    return ds_cab_list(path, is_dump_head, names, err);
}

void ds_free_names(char **names, size_t n)
{
    ds_cab_free_names(names, n);
}

/* A file, a cabinet (its first dump) or "archive.cab:MEMBER". */
static int open_path(ds_dump *d, const char *path, ds_error *err)
{
    char cab[4096];
    const char *member = NULL;
    if (ds_cab_split_path(path, cab, sizeof cab, &member))
        return ds_source_open_cab(&d->src, cab, member, is_dump_head, &d->crash.file_in_cab,
                                  err);
    if (ds_source_open_file(&d->src, path, DS_SOURCE_WINDOWS, err) != 0)
        return -1;
    ds_bytes f = d->src.bytes;
    if (d->src.compressed || !ds_cab_signature(f.data, f.src ? f.resident : f.size))
        return 0;
    ds_source_close(&d->src);
    return ds_source_open_cab(&d->src, path, NULL, is_dump_head, &d->crash.file_in_cab, err);
}

/* What reading the file itself went through: it shrank while open (a dump
 * still being written or rotated), or structures lay beyond the read budget
 * (io/source.h). Noted once each; reads past the end just came up short. */
static int note_reads(ds_dump *d)
{
    ds_crash *c = &d->crash;
    if (d->src.shrank && !ds_note_has(c, "file_shrank") &&
        ds_note_add(c, DS_DAMAGE, "file_shrank", "the file became shorter while it was "
                    "read (still being written, or replaced): it had %llu bytes when "
                    "opened; what lies past its new end was not read",
                    (unsigned long long)c->file_size) < 0)
        return -1;
    if (d->src.gz_truncated && !ds_note_has(c, "gzip_truncated") &&
        ds_note_add(c, DS_DAMAGE, "gzip_truncated", "the gzip stream ends early or is "
                    "damaged: %llu bytes were inflated from it",
                    (unsigned long long)c->file_size) < 0)
        return -1;
    if (d->src.fetch_refused && !ds_note_has(c, "read_budget") &&
        ds_note_add(c, DS_WARNING, "read_budget", "structures of the dump beyond its first "
                    "%llu MiB needed more than the %llu MiB read budget; some were not read",
                    DS_SOURCE_HEAD >> 20, DS_SOURCE_FETCH_MAX >> 20) < 0)
        return -1;
    return 0;
}

/* The caller's options as far as its .size covers them, defaults for the
 * rest (see ds_open_options in the header for why). */
static ds_open_options resolve_options(const ds_open_options *opt)
{
    ds_open_options o = {DS_OPEN_OPTIONS_INIT};
    if (opt && opt->size > sizeof o.size) {
        memcpy(&o, opt, opt->size < sizeof o ? opt->size : sizeof o);
        o.size = sizeof o;
    }
    if (!o.max_modules)
        o.max_modules = 4096;
    return o;
}

/* What every dump of a batch shares; immutable once built (header). */
struct ds_session {
    ds_open_options opt; /* resolved; symbol_path points to our copy */
    char *symbol_path;
    ds_knowledge *k;     /* blame rules, exception names, fill patterns, inbox list */
    ds_symstore *store;  /* the symbol path parsed; NULL without symbols */
};

ds_session *ds_session_new(const ds_open_options *opt, ds_error *err)
{
    ds_clear_error(err);
    ds_session *s = calloc(1, sizeof *s);
    if (!s)
        goto oom;
    s->opt = resolve_options(opt);
    if (s->opt.symbol_path && !(s->symbol_path = strdup(s->opt.symbol_path)))
        goto oom;
    s->opt.symbol_path = s->symbol_path;
    if (!(s->k = ds_knowledge_load()))
        goto oom;
    /* The environment's symbol path is read here, once for the session. */
    if (!s->opt.no_symbols && !s->opt.no_unwind &&
        !(s->store = ds_symstore_open(s->opt.symbol_path, s->opt.offline)))
        goto oom;
    return s;
oom:
    ds_session_free(s);
    ds_set_error(err, DS_E_NOMEM, "out of memory");
    return NULL;
}

void ds_session_free(ds_session *s)
{
    if (!s)
        return;
    ds_symstore_close(s->store);
    ds_knowledge_free(s->k);
    free(s->symbol_path);
    free(s);
}

ds_dump *ds_open_prepared(ds_dump *d, const ds_open_options *opt, ds_error *err)
{
    ds_session *s = ds_session_new(opt, err);
    if (!s) {
        ds_close(d);
        return NULL;
    }
    d = ds_open_prepared_with(d, s, err);
    ds_session_free(s);
    return d;
}

ds_dump *ds_open_prepared_with(ds_dump *d, const ds_session *s, ds_error *err)
{
    const ds_open_options *opt = &s->opt;
    ds_bytes f = d->src.bytes;
    ds_crash *c = &d->crash;
    c->file_size = f.size;
    c->compressed = d->src.compressed;
    c->compression = d->src.compressed ? "gzip" : d->src.cab_mszip ? "mszip"
                    : d->src.cab_lzx   ? "lzx"
                                       : NULL;
    ds_mem_init(&d->mem, f);

    ds_format fmt = ds_detect(f.data, f.src ? f.resident : f.size, NULL);
    if (fmt == DS_FORMAT_UNKNOWN) {
        ds_set_error(err, DS_E_NOT_A_DUMP, "not a crash dump (no PAGEDU64, PAGEDUMP or MDMP signature)");
        ds_close(d);
        return NULL;
    }
    ds_reader r = {.file = f, .crash = c, .mem = &d->mem,
                   .max_modules = opt->max_modules};
    int rc = fmt == DS_FORMAT_MINIDUMP ? ds_minidump_read(&r, err) : ds_kernel_read(&r, err);
    if (rc == 0)
        rc = note_reads(d);
    if (rc == 0)
        rc = ds_image_enrich(c, &d->mem);
    if (rc == 0)
        rc = ds_analysis_stacks_with(c, &d->mem, opt, s->store);
    if (rc == 0)
        rc = note_reads(d);
    if (rc == 0)
        rc = ds_analysis_verdict_with(c, &d->mem, s->k);
    if (rc == 0)
        ds_analysis_facts(c, &d->mem);
    if (rc == 0)
        rc = note_reads(d);
    if (rc != 0) {
        if (err && !err->code)
            ds_set_error(err, DS_E_NOMEM, "out of memory");
        ds_close(d);
        return NULL;
    }
    if (!c->dump_kind)
        c->dump_kind = "unknown";
    return d;
}

ds_dump *ds_open(const char *path, const ds_open_options *opt, ds_error *err)
{
    ds_session *s = ds_session_new(opt, err);
    ds_dump *d = s ? ds_open_with(s, path, err) : NULL;
    ds_session_free(s);
    return d;
}

ds_dump *ds_open_with(const ds_session *s, const char *path, ds_error *err)
{
    ds_clear_error(err);
    if (!s) {
        ds_set_error(err, DS_E_USAGE, "no session given");
        return NULL;
    }
    if (!path || !*path) {
        ds_set_error(err, DS_E_USAGE, "no path given");
        return NULL;
    }
    ds_dump *d = calloc(1, sizeof *d);
    if (!d) {
        ds_set_error(err, DS_E_NOMEM, "out of memory");
        return NULL;
    }
    if (open_path(d, path, err) != 0) {
        free(d);
        return NULL;
    }
    d->path = strdup(path);
    return ds_open_prepared_with(d, s, err);
}

ds_dump *ds_open_memory(const void *data, size_t size, const ds_open_options *opt,
                        ds_error *err)
{
    ds_session *s = ds_session_new(opt, err);
    ds_dump *d = s ? ds_open_memory_with(s, data, size, err) : NULL;
    ds_session_free(s);
    return d;
}

ds_dump *ds_open_memory_with(const ds_session *s, const void *data, size_t size,
                             ds_error *err)
{
    ds_clear_error(err);
    if (!s) {
        ds_set_error(err, DS_E_USAGE, "no session given");
        return NULL;
    }
    if (!data && size) {
        ds_set_error(err, DS_E_USAGE, "no buffer given");
        return NULL;
    }
    ds_dump *d = calloc(1, sizeof *d);
    if (!d) {
        ds_set_error(err, DS_E_NOMEM, "out of memory");
        return NULL;
    }
    if (ds_source_open_memory(&d->src, data, size, err) != 0) {
        free(d);
        return NULL;
    }
    return ds_open_prepared_with(d, s, err);
}

void ds_close(ds_dump *d)
{
    if (!d)
        return;
    ds_crash_free(&d->crash);
    ds_mem_free(&d->mem);
    ds_source_close(&d->src);
    free(d->path);
    free(d);
}

const ds_crash *ds_dump_crash(const ds_dump *d)
{
    return &d->crash;
}

size_t ds_read(const ds_dump *d, uint64_t va, void *buf, size_t len)
{
    return ds_mem_read(&d->mem, va, buf, len);
}

size_t ds_read_physical(const ds_dump *d, uint64_t pa, void *buf, size_t len)
{
    return ds_phys_read(&d->mem, pa, buf, len);
}

const char *ds_dump_path(const ds_dump *d)
{
    return d ? d->path : NULL;
}

const char *ds_version(void)
{
    return DS_VERSION_STRING; /* compiled into the library, not the caller */
}

void ds_free(void *p)
{
    free(p);
}
