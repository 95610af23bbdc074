/*
 * Minidump list streams (doc/formats.md 8.4): threads, modules, memory ranges.
 * Every count from the file is cut to what its stream can hold before any
 * entry is read, so allocation is bounded by the file size. Damage that
 * repeats per entry (a stack cut short, a missing name) is counted and
 * reported once per stream.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/minidump.h"
#include "format/codeview.h"

#define MD_THREAD 48       /* MINIDUMP_THREAD */
#define MD_THREAD_EX 64    /* MINIDUMP_THREAD_EX (adds BackingStore) */
#define MD_MODULE 108      /* MINIDUMP_MODULE */
#define MD_MEMORY 16       /* MINIDUMP_MEMORY_DESCRIPTOR */
#define MD_MEMORY64 16     /* MINIDUMP_MEMORY_DESCRIPTOR64 */
#define MD_THREAD_NAME 12  /* {u32 ThreadId, u64 RvaOfThreadName}, 4-packed */
#define MD_UNLOADED_MIN 24 /* MINIDUMP_UNLOADED_MODULE up to ModuleNameRva */
#define MD_THREAD_INFO_MIN 0x38 /* MINIDUMP_THREAD_INFO up to StartAddress */

/* Breakpad/Crashpad ELF build id: the C constant 'BpEL', so the file holds
 * the bytes "LEpB" (checked on the corpus Linux dumps). */
#define BPEL_SIGNATURE 0x4270454Cu

/*
 * "u32 count, then entries": where the first entry starts and how many the
 * stream holds. Some writers pad the count to 8 bytes for alignment; the
 * stream size then says so (it is exactly 8 + count * entry).
 */
static int list_span(md_ctx *m, ds_bytes s, uint32_t entry, const char *what,
                     uint64_t *first, uint32_t *count)
{
    *first = 4;
    *count = 0;
    uint32_t n;
    if (!ds_get32(s, 0, &n)) {
        MD_NOTE(m, DS_DAMAGE, "stream_too_short", "the %s stream has no entry count",
                what);
        return 0;
    }
    if (s.size == 8 + (uint64_t)n * entry)
        *first = 8;
    uint64_t fit = (s.size - *first) / entry;
    if (n > fit) {
        MD_NOTE(m, DS_DAMAGE, "list_truncated", "the %s stream declares %u entries but "
                "holds %llu", what, n, (unsigned long long)fit);
        n = (uint32_t)fit;
    }
    *count = n;
    return 0;
}

/*
 * "{SizeOfHeader, SizeOfEntry, NumberOfEntries}, then entries" (unloaded
 * modules, thread info): the recorded sizes are used, so newer and larger
 * entries still read; entries smaller than min_entry are not usable.
 */
static int table_span(md_ctx *m, ds_bytes s, uint32_t min_entry, const char *what,
                      uint64_t *first, uint32_t *stride, uint32_t *count)
{
    *count = 0;
    if (s.size < 12) {
        MD_NOTE(m, DS_DAMAGE, "stream_too_short", "the %s stream has %llu bytes, fewer "
                "than its header", what, (unsigned long long)s.size);
        return 0;
    }
    uint32_t hsize = ds_le32(s.data), esize = ds_le32(s.data + 4), n = ds_le32(s.data + 8);
    if (hsize < 12 || hsize > s.size || esize < min_entry) {
        MD_NOTE(m, DS_DAMAGE, "list_corrupt", "the %s stream's header (size %u, entry "
                "size %u) is not usable", what, hsize, esize);
        return 0;
    }
    uint64_t fit = (s.size - hsize) / esize;
    if (n > fit) {
        MD_NOTE(m, DS_DAMAGE, "list_truncated", "the %s stream declares %u entries but "
                "holds %llu", what, n, (unsigned long long)fit);
        n = (uint32_t)fit;
    }
    *first = hsize;
    *stride = esize;
    *count = n;
    return 0;
}

/* ------------------------------------------------------------- threads */

static int read_thread_list(md_ctx *m, ds_bytes s, uint32_t stride, const char *what)
{
    uint64_t first;
    uint32_t n;
    if (list_span(m, s, stride, what, &first, &n) < 0)
        return -1;
    uint32_t short_stacks = 0, no_context = 0;
    uint64_t stack_missing = 0;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *e = s.data + first + (uint64_t)i * stride;
        ds_thread *t = ds_thread_add(m->c);
        if (!t)
            return -1;
        t->id = ds_le32(e);
        t->suspend_count = ds_le32(e + 0x04);
        t->teb = ds_le64(e + 0x10);
        /* Stack: MINIDUMP_MEMORY_DESCRIPTOR {Start u64, DataSize u32, Rva u32}. */
        t->stack_base = ds_le64(e + 0x18);
        t->stack_size = ds_le32(e + 0x20);
        if (t->stack_size) {
            int64_t kept = ds_mem_add_region(m->r->mem, t->stack_base, t->stack_size,
                                             ds_le32(e + 0x24));
            if (kept < 0)
                return -1;
            if ((uint64_t)kept < t->stack_size) {
                short_stacks++;
                stack_missing += t->stack_size - (uint64_t)kept;
            }
        }
        bool ok;
        if (md_context(m, ds_le32(e + 0x28), ds_le32(e + 0x2C), &t->context, &ok) < 0)
            return -1;
        t->has_context = ok;
        if (!ok)
            no_context++;
    }
    if (short_stacks)
        MD_NOTE(m, DS_DAMAGE, "stack_truncated", "%u thread stacks are cut short by the "
                "end of the file (%llu bytes missing)", short_stacks,
                (unsigned long long)stack_missing);
    if (no_context)
        MD_NOTE(m, DS_WARNING, "thread_context_missing", "%u of %u threads have no "
                "readable CPU context", no_context, n);
    m->have_thread_list = true;
    return md_index_threads(m);
}

int md_read_threads(md_ctx *m, ds_bytes s)
{
    return read_thread_list(m, s, MD_THREAD, "ThreadList");
}

int md_read_threads_ex(md_ctx *m, ds_bytes s)
{
    if (m->have_thread_list) /* the same threads again, with IA-64 extras */
        return 0;
    return read_thread_list(m, s, MD_THREAD_EX, "ThreadExList");
}

int md_read_thread_info(md_ctx *m, ds_bytes s)
{
    uint64_t first;
    uint32_t stride = 0, n;
    if (table_span(m, s, MD_THREAD_INFO_MIN, "ThreadInfoList", &first, &stride, &n) < 0)
        return -1;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *e = s.data + first + (uint64_t)i * stride;
        ds_thread *t = md_thread_by_id(m, ds_le32(e));
        if (!t)
            continue; /* information about a thread the list does not have */
        t->has_info = true;
        t->dump_flags = ds_le32(e + 0x04);
        uint64_t created = ds_le64(e + 0x10);
        if (created)
            t->create_time = ds_known(created);
        t->start_address = ds_known(ds_le64(e + 0x30));
    }
    return 0;
}

int md_read_thread_names(md_ctx *m, ds_bytes s)
{
    uint64_t first;
    uint32_t n, missing = 0;
    if (list_span(m, s, MD_THREAD_NAME, "ThreadNames", &first, &n) < 0)
        return -1;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *e = s.data + first + (uint64_t)i * MD_THREAD_NAME;
        ds_thread *t = md_thread_by_id(m, ds_le32(e));
        if (!t)
            continue;
        char *name;
        if (md_string(m, ds_le64(e + 4), &name) < 0)
            return -1;
        if (!name) {
            missing++;
            continue;
        }
        free(t->name);
        t->name = name;
    }
    if (missing)
        MD_NOTE(m, DS_DAMAGE, "thread_name_missing", "%u thread names point outside "
                "the file", missing);
    return 0;
}

/* ------------------------------------------------------------- modules */

/* CvRecord: RSDS / NB10 as in PE images, or Breakpad's "BpEL" + build id. */
static void module_codeview(md_ctx *m, uint32_t size, uint32_t rva, ds_module *mod)
{
    ds_codeview *cv = &mod->cv;
    memset(cv, 0, sizeof *cv);
    mod->has_cv = false;
    if (size == 0 || rva >= m->f.size)
        return;
    uint64_t len = size;
    if (len > m->f.size - rva)
        len = m->f.size - rva;
    if (len > 4096) /* a signature, an id and a path */
        len = 4096;
    const uint8_t *p = ds_span(m->f, rva, len);
    if (!p)
        return;
    if (len > 4 && ds_le32(p) == BPEL_SIGNATURE) {
        uint64_t n = len - 4;
        if (n > sizeof cv->build_id)
            n = sizeof cv->build_id;
        memcpy(cv->build_id, p + 4, (size_t)n);
        cv->build_id_len = (uint8_t)n;
        cv->is_elf = true;
        mod->has_cv = true;
        return;
    }
    mod->has_cv = ds_codeview_parse(p, (size_t)len, cv);
}

/* Base, size, checksum, timestamp, name: the first 24 bytes of both
 * MINIDUMP_MODULE and MINIDUMP_UNLOADED_MODULE. Returns the number of names
 * missing (0 or 1), or -1 when out of memory. */
static int module_common(md_ctx *m, const uint8_t *e, ds_module *mod)
{
    /* Non-Windows writers leave checksum and timestamp 0: unknown there. */
    bool windows = m->c->mdmp.platform_id < 0x8000;
    mod->base = ds_le64(e);
    mod->size = ds_le32(e + 0x08);
    uint32_t checksum = ds_le32(e + 0x0C), stamp = ds_le32(e + 0x10);
    if (windows || checksum)
        mod->checksum = ds_known(checksum);
    if (windows || stamp)
        mod->timestamp = ds_known(stamp);
    char *path;
    if (md_string(m, ds_le32(e + 0x14), &path) < 0)
        return -1;
    if (!path)
        return 1;
    char *base = ds_basename_dup(path);
    if (!base) {
        free(path);
        return -1;
    }
    ds_str_set(&mod->name, base);
    ds_str_set(&mod->path, path);
    return 0;
}

/* MINIDUMP_MODULE.VersionInfo, a VS_FIXEDFILEINFO: the file version when
 * its signature is right and the version is not all zero (writers leave it
 * zero when the image had no version resource). */
static int module_version(const uint8_t *e, ds_module *mod)
{
    const uint8_t *v = e + 0x18;
    uint32_t ms = ds_le32(v + 8), ls = ds_le32(v + 12);
    if (ds_le32(v) != 0xFEEF04BDu || (ms == 0 && ls == 0))
        return 0;
    char buf[48];
    snprintf(buf, sizeof buf, "%u.%u.%u.%u", ms >> 16, ms & 0xFFFF, ls >> 16, ls & 0xFFFF);
    free(mod->file_version);
    return (mod->file_version = ds_strdup(buf)) ? 0 : -1;
}

int md_read_modules(md_ctx *m, ds_bytes s)
{
    uint64_t first;
    uint32_t n, nameless = 0;
    if (list_span(m, s, MD_MODULE, "ModuleList", &first, &n) < 0)
        return -1;
    if (n > m->r->max_modules) {
        MD_NOTE(m, DS_WARNING, "module_list_capped", "the module list has %u entries; "
                "only the first %u are read", n, m->r->max_modules);
        n = m->r->max_modules;
    }
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *e = s.data + first + (uint64_t)i * MD_MODULE;
        ds_module *mod = ds_module_add(m->c, false);
        if (!mod)
            return -1;
        mod->flags |= DS_MOD_FROM_MINIDUMP;
        int rc = module_common(m, e, mod);
        if (rc < 0)
            return -1;
        nameless += (uint32_t)rc;
        module_codeview(m, ds_le32(e + 0x4C), ds_le32(e + 0x50), mod);
        if (module_version(e, mod) < 0)
            return -1;
    }
    if (nameless)
        MD_NOTE(m, DS_DAMAGE, "module_name_missing", "%u module names point outside the "
                "file", nameless);
    return 0;
}

int md_read_unloaded(md_ctx *m, ds_bytes s)
{
    uint64_t first;
    uint32_t stride = 0, n, nameless = 0;
    if (table_span(m, s, MD_UNLOADED_MIN, "UnloadedModuleList", &first, &stride, &n) < 0)
        return -1;
    if (n > m->r->max_modules)
        n = m->r->max_modules; /* a history, not needed whole */
    for (uint32_t i = 0; i < n; i++) {
        ds_module *mod = ds_module_add(m->c, true);
        if (!mod)
            return -1;
        mod->flags |= DS_MOD_FROM_MINIDUMP;
        int rc = module_common(m, s.data + first + (uint64_t)i * stride, mod);
        if (rc < 0)
            return -1;
        nameless += (uint32_t)rc;
    }
    if (nameless)
        MD_NOTE(m, DS_DAMAGE, "module_name_missing", "%u unloaded-module names point "
                "outside the file", nameless);
    return 0;
}

/* -------------------------------------------------------------- memory */

static int memory_note(md_ctx *m, const char *what, uint32_t cut, uint64_t missing)
{
    if (cut)
        MD_NOTE(m, DS_DAMAGE, "memory_truncated", "%s: %u memory ranges are cut short by "
                "the end of the file (%llu bytes missing)", what, cut,
                (unsigned long long)missing);
    return 0;
}

int md_read_memory(md_ctx *m, ds_bytes s)
{
    uint64_t first;
    uint32_t n, cut = 0;
    uint64_t missing = 0;
    if (list_span(m, s, MD_MEMORY, "MemoryList", &first, &n) < 0)
        return -1;
    ds_minidump_info *md = &m->c->mdmp;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *e = s.data + first + (uint64_t)i * MD_MEMORY;
        uint64_t va = ds_le64(e);
        uint32_t size = ds_le32(e + 8);
        int64_t kept = ds_mem_add_region(m->r->mem, va, size, ds_le32(e + 12));
        if (kept < 0)
            return -1;
        md->memory_ranges++;
        md->memory_bytes += (uint64_t)kept;
        if ((uint64_t)kept < size) {
            cut++;
            missing += size - (uint64_t)kept;
        }
    }
    return memory_note(m, "MemoryList", cut, missing);
}

/*
 * Memory64List (full-memory dumps): {u64 count, u64 BaseRva}, then {Start,
 * DataSize} pairs whose bytes follow each other from BaseRva. The running
 * offset saturates, so a hostile DataSize (the corpus has 0x4141414141414141)
 * only makes the following ranges absent.
 */
int md_read_memory64(md_ctx *m, ds_bytes s)
{
    if (s.size < 16) {
        MD_NOTE(m, DS_DAMAGE, "stream_too_short", "the Memory64List stream has %llu "
                "bytes, fewer than its header", (unsigned long long)s.size);
        return 0;
    }
    uint64_t n = ds_le64(s.data), rva = ds_le64(s.data + 8);
    uint64_t fit = (s.size - 16) / MD_MEMORY64;
    if (n > fit) {
        MD_NOTE(m, DS_DAMAGE, "list_truncated", "the Memory64List stream declares %llu "
                "ranges but holds %llu", (unsigned long long)n, (unsigned long long)fit);
        n = fit;
    }
    ds_minidump_info *md = &m->c->mdmp;
    uint32_t cut = 0;
    uint64_t missing = 0;
    for (uint64_t i = 0; i < n; i++) {
        const uint8_t *e = s.data + 16 + i * MD_MEMORY64;
        uint64_t va = ds_le64(e), size = ds_le64(e + 8);
        int64_t kept = ds_mem_add_region(m->r->mem, va, size, rva);
        if (kept < 0)
            return -1;
        md->memory_ranges++;
        md->memory_bytes += (uint64_t)kept;
        if ((uint64_t)kept < size) {
            cut++;
            missing = size - (uint64_t)kept > UINT64_MAX - missing
                          ? UINT64_MAX
                          : missing + (size - (uint64_t)kept);
        }
        rva = size > UINT64_MAX - rva ? UINT64_MAX : rva + size;
    }
    return memory_note(m, "Memory64List", cut, missing);
}
