/*
 * User-mode minidumps (MDMP, doc/formats.md 8): header, stream directory, and the
 * streams that hold one record (SystemInfo, MiscInfo, Exception, HandleData).
 * The list streams are in minidump_lists.c, the Breakpad and Crashpad
 * extension streams in minidump_ext.c.
 *
 * The directory is read first and only remembered; streams are then decoded
 * in a fixed order (table below) so that SystemInfo, which says how to read
 * the CPU contexts, comes before the threads and the exception whatever the
 * order of the directory. Only the first stream of each type is used: a
 * hostile directory repeating a big stream cannot multiply the work.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem/context.h"
#include "format/minidump.h"
#include "io/source.h"

#define MD_HEADER_SIZE 32
#define MD_DIR_ENTRY 12
/* Real dumps have tens of streams; past this the directory is garbage. */
#define MD_MAX_STREAMS 65536u


/* -------------------------------------------------------------- lookups */

/* ProcessorArchitecture values: Windows SDK, plus Breakpad's 0x8000 range. */
static const struct {
    uint16_t raw;
    ds_arch arch;      /* DS_ARCH_UNKNOWN: a real arch we do not decode */
    uint16_t machine;  /* IMAGE_FILE_MACHINE_* we report */
    const char *name;
} md_archs[] = {
    {0, DS_ARCH_X86, 0x014C, "x86"},
    {1, DS_ARCH_UNKNOWN, 0, "mips"},
    {2, DS_ARCH_UNKNOWN, 0, "alpha"},
    {3, DS_ARCH_UNKNOWN, 0, "ppc"},
    {4, DS_ARCH_UNKNOWN, 0, "shx"},
    {5, DS_ARCH_ARM, 0x01C4, "arm"},
    {6, DS_ARCH_UNKNOWN, 0, "ia64"},
    {7, DS_ARCH_UNKNOWN, 0, "alpha64"},
    {8, DS_ARCH_UNKNOWN, 0, "msil"},
    {9, DS_ARCH_X64, 0x8664, "amd64"},
    {10, DS_ARCH_X86, 0x014C, "x86 on win64"}, /* WOW64: 32-bit contexts */
    {12, DS_ARCH_ARM64, 0xAA64, "arm64"},
    {0x8001, DS_ARCH_UNKNOWN, 0, "sparc"},
    {0x8002, DS_ARCH_UNKNOWN, 0, "ppc64"},
    {0x8003, DS_ARCH_ARM64, 0xAA64, "arm64 (old Breakpad)"},
    {0x8004, DS_ARCH_UNKNOWN, 0, "mips64"},
    {0x8005, DS_ARCH_UNKNOWN, 0, "riscv"},
    {0x8006, DS_ARCH_UNKNOWN, 0, "riscv64"},
};

/* PlatformId: VER_PLATFORM_* below 0x8000, Breakpad's OS ids above. */
static const struct {
    uint32_t id;
    const char *name;
} md_platforms[] = {
    {0, "win32s"},      {1, "windows_9x"},  {2, "windows_nt"}, {3, "windows_ce"},
    {0x8000, "unix"},   {0x8101, "macos"},  {0x8102, "ios"},   {0x8201, "linux"},
    {0x8202, "solaris"}, {0x8203, "android"}, {0x8204, "ps3"}, {0x8205, "nacl"},
    {0x8206, "fuchsia"},
};

static bool platform_is_windows(uint32_t id)
{
    return id < 0x8000;
}

/*
 * Context sizes of each writer, used only when SystemInfo cannot say:
 * Windows CONTEXT x86 0x2CC, x64 0x4D0, ARM64 0x390, ARM 0x1A0; Breakpad ARM
 * (MDRawContextARM) 0x170 and pre-2018 ARM64 (MDRawContextARM64_Old) 0x31C.
 */
static const struct {
    uint32_t size;
    ds_arch arch;
    uint16_t machine;
    bool arm64_old;
} md_ctx_sizes[] = {
    {0x2CC, DS_ARCH_X86, 0x014C, false},  {0x4D0, DS_ARCH_X64, 0x8664, false},
    {0x390, DS_ARCH_ARM64, 0xAA64, false}, {0x31C, DS_ARCH_ARM64, 0xAA64, true},
    {0x1A0, DS_ARCH_ARM, 0x01C4, false},  {0x170, DS_ARCH_ARM, 0x01C4, false},
};

/* ------------------------------------------------------ shared helpers */

int md_string(md_ctx *m, uint64_t rva, char **out)
{
    *out = NULL;
    uint32_t bytes;
    /* RVA 0 is the header: writers use it for "no string". */
    if (rva == 0 || !ds_get32(m->f, rva, &bytes))
        return 0;
    uint64_t chars = bytes / 2; /* Length counts bytes (doc/formats.md 8.3) */
    uint64_t have = (m->f.size - rva - 4) / 2;
    if (chars > have)
        chars = have; /* cut by the end of the file: keep what is there */
    if (chars > MD_MAX_NAME_CHARS)
        chars = MD_MAX_NAME_CHARS;
    const uint8_t *p = ds_span(m->f, rva + 4, 2 * chars);
    if (!p)
        return 0; /* the file shrank, or the string is beyond the read budget */
    char *s = ds_utf16_to_utf8(p, (size_t)chars);
    if (!s)
        return -1;
    *out = s;
    return 0;
}

int md_context(md_ctx *m, uint32_t size, uint32_t rva, ds_context *out, bool *ok)
{
    ds_crash *c = m->c;
    *ok = false;
    memset(out, 0, sizeof *out);
    if (size == 0 || rva >= m->f.size)
        return 0;
    uint64_t len = size;
    if (len > m->f.size - rva)
        len = m->f.size - rva;
    if (c->arch == DS_ARCH_UNKNOWN && m->may_guess_arch) {
        for (size_t i = 0; i < sizeof md_ctx_sizes / sizeof *md_ctx_sizes; i++) {
            if (md_ctx_sizes[i].size != size)
                continue;
            c->arch = md_ctx_sizes[i].arch;
            c->machine = md_ctx_sizes[i].machine;
            m->arm64_old = md_ctx_sizes[i].arm64_old;
            m->arch_guessed = true;
            MD_NOTE(m, DS_WARNING, "arch_from_context",
                    "the CPU architecture (%s) was inferred from the size of a thread "
                    "context (0x%x bytes): no usable SystemInfo stream",
                    ds_arch_name(c->arch), size);
            break;
        }
    }
    const uint8_t *p = ds_span(m->f, rva, len);
    if (!p)
        return 0;
    *ok = ds_context_decode(c->arch, p, (size_t)len, out);
    /* Old Breakpad ARM64 (MDRawContextARM64_Old): a u64 ContextFlags with
     * bit 31 set comes first, so CPSR moved behind the PC (0x110); x0..sp and
     * pc sit where the Windows CONTEXT has them. The flags tell the layouts
     * apart better than the SystemInfo arch does. */
    bool old = m->arm64_old;
    if (*ok && c->arch == DS_ARCH_ARM64 && out->flags)
        old = (out->flags & 0x80000000u) != 0;
    if (*ok && c->arch == DS_ARCH_ARM64 && old)
        out->regs[33] = len >= 0x114 ? ds_le32(p + 0x110) : 0;
    return 0;
}

static int cmp_tid(const void *a, const void *b)
{
    const struct md_tid *x = a, *y = b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

int md_index_threads(md_ctx *m)
{
    free(m->order);
    m->order = NULL;
    m->norder = 0;
    if (m->c->nthreads == 0)
        return 0;
    m->order = malloc(m->c->nthreads * sizeof *m->order);
    if (!m->order)
        return -1;
    for (size_t i = 0; i < m->c->nthreads; i++)
        m->order[i] = (struct md_tid){m->c->threads[i].id, (uint32_t)i};
    m->norder = m->c->nthreads;
    qsort(m->order, m->norder, sizeof *m->order, cmp_tid);
    return 0;
}

ds_thread *md_thread_by_id(md_ctx *m, uint32_t id)
{
    size_t lo = 0, hi = m->norder;
    while (lo < hi) { /* first entry with this id: the earliest in the list */
        size_t mid = lo + (hi - lo) / 2;
        if (m->order[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < m->norder && m->order[lo].id == id)
        return &m->c->threads[m->order[lo].index];
    return NULL;
}

/* Copy a UTF-8 string into a fixed buffer without splitting a character. */
static void copy_utf8(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap) {
        n = cap - 1;
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* --------------------------------------------------- single-record streams */

static int read_system_info(md_ctx *m, ds_bytes s)
{
    ds_crash *c = m->c;
    ds_minidump_info *md = &c->mdmp;
    if (s.size < 0x18) {
        MD_NOTE(m, DS_DAMAGE, "stream_too_short",
                "SystemInfo stream has %llu bytes, fewer than its fixed part",
                (unsigned long long)s.size);
        return 0;
    }
    const uint8_t *p = s.data;
    uint16_t raw = ds_le16(p), level = ds_le16(p + 2), rev = ds_le16(p + 4);
    md->has_system_info = true;
    md->processor_arch_raw = raw;
    if (p[6]) /* no system has no processor: 0 was not filled in */
        c->cpus = ds_known(p[6]);
    /* Breakpad and Crashpad write 0.0.0 where the OS has no such numbers
     * (Linux: the release is in the CSD text): no version, not version 0 */
    uint32_t major = ds_le32(p + 0x08), minor = ds_le32(p + 0x0C), build = ds_le32(p + 0x10);
    if (major || minor || build) {
        c->os_major = ds_known(major);
        c->os_minor = ds_known(minor);
        c->os_build = ds_known(build);
    }
    md->platform_id = ds_le32(p + 0x14);
    for (size_t i = 0; i < sizeof md_platforms / sizeof *md_platforms; i++)
        if (md_platforms[i].id == md->platform_id)
            md->platform = md_platforms[i].name;
    bool windows = platform_is_windows(md->platform_id);
    if (windows)
        md->product_type = ds_known(p[7]);
    if (windows && s.size >= 0x1E)
        md->suite_mask = ds_known(ds_le16(p + 0x1C));

    size_t a = 0, na = sizeof md_archs / sizeof *md_archs;
    while (a < na && md_archs[a].raw != raw)
        a++;
    if (a == na) {
        m->may_guess_arch = true;
        MD_NOTE(m, DS_DAMAGE, "system_info_arch", "unknown processor architecture %u in "
                "SystemInfo", raw);
    } else if (md_archs[a].arch == DS_ARCH_UNKNOWN) {
        m->may_guess_arch = false;
        MD_NOTE(m, DS_WARNING, "unsupported_arch", "processor architecture %s (%u) is "
                "not supported: registers are not decoded", md_archs[a].name, raw);
    } else {
        c->arch = md_archs[a].arch;
        c->machine = md_archs[a].machine;
        m->arm64_old = raw == 0x8003;
        m->may_guess_arch = false;
    }

    /* x86 keeps the CPUID vendor string first in the Cpu union, and so does
     * Breakpad on amd64; Windows amd64 dumps have feature bits there instead,
     * so only twelve printable bytes count as a vendor. Family, model and
     * stepping are ProcessorLevel and the two bytes of ProcessorRevision. */
    if ((raw == 0 || raw == 9 || raw == 10) && s.size >= 0x2C) {
        char vendor[13] = "";
        bool printable = true;
        for (int i = 0; i < 12; i++)
            printable = printable && p[0x20 + i] >= 0x20 && p[0x20 + i] < 0x7F;
        if (printable)
            md_copy_ascii(vendor, sizeof vendor, p + 0x20, 12);
        ds_str_set(&md->cpu_info, ds_strfmt("%s%sfamily %u model %u stepping %u", vendor,
                                            vendor[0] ? " " : "", level, rev >> 8,
                                            rev & 0xFF));
        if (!md->cpu_info)
            return -1;
    }

    if (s.size >= 0x1C) {
        char *csd;
        if (md_string(m, ds_le32(p + 0x18), &csd) < 0)
            return -1;
        if (csd && !*csd) {
            free(csd);
            csd = NULL;
        }
        /* Breakpad and Crashpad put uname-like text there on other OSes. */
        if (windows)
            md->csd_version = csd;
        else
            md->os_text = csd;
    }
    return 0;
}

static int read_misc_info(md_ctx *m, ds_bytes s)
{
    ds_minidump_info *md = &m->c->mdmp;
    if (s.size < 8) {
        MD_NOTE(m, DS_DAMAGE, "stream_too_short", "MiscInfo stream has %llu bytes",
                (unsigned long long)s.size);
        return 0;
    }
    /* Members count only inside SizeOfInfo and the stream, and when their
     * Flags1 bit says they were written (doc/formats.md 8.5). */
    uint64_t size = ds_le32(s.data);
    if (size > s.size)
        size = s.size;
    uint32_t flags = ds_le32(s.data + 4);
    if ((flags & 0x1) && size >= 0x0C)
        md->process_id = ds_known(ds_le32(s.data + 0x08));
    if ((flags & 0x2) && size >= 0x10)
        md->process_create_time = ds_known(ds_le32(s.data + 0x0C));
    if ((flags & 0x100) && size >= 0xE8 + 520) {
        char *b = ds_utf16_to_utf8(s.data + 0xE8, 260);
        if (!b)
            return -1;
        char buf[128];
        copy_utf8(buf, sizeof buf, b);
        free(b);
        if (buf[0]) {
            ds_str_set(&md->build_string, ds_strdup(buf));
            if (!md->build_string)
                return -1;
        }
    }
    return 0;
}

static int read_exception(md_ctx *m, ds_bytes s)
{
    ds_crash *c = m->c;
    if (s.size < 0x08 + 0x98) {
        MD_NOTE(m, DS_DAMAGE, "stream_too_short", "Exception stream has %llu bytes, "
                "fewer than an exception record", (unsigned long long)s.size);
        return 0;
    }
    ds_exception *e = &c->exception;
    ds_exception_decode(s.data + 0x08, 8, e);
    e->thread_id = ds_known(ds_le32(s.data));
    c->has_exception = true;
    c->crashing_thread = e->thread_id;
    if (e->nparams > 15) {
        MD_NOTE(m, DS_WARNING, "exception_parameters", "the exception record claims %u "
                "parameters; at most 15 exist", e->nparams);
        e->nparams = 15;
    }

    if (s.size >= 0xA8) {
        bool ok;
        if (md_context(m, ds_le32(s.data + 0xA0), ds_le32(s.data + 0xA4), &c->context,
                       &ok) < 0)
            return -1;
        c->has_context = ok;
        if (!ok)
            MD_NOTE(m, DS_WARNING, "exception_context_missing",
                    "the exception's CPU context is not readable; using the crashing "
                    "thread's context if there is one");
    }
    /* A 32-bit process stores 64-bit fields whose upper halves are noise:
     * Breakpad's minidump_32bit_crash_addr.dmp has 0xffffffff00000045 in
     * ExceptionInformation[1] for a write to 0x45. */
    if (c->arch == DS_ARCH_X86 || c->arch == DS_ARCH_ARM) {
        e->address &= 0xFFFFFFFFu;
        e->record &= 0xFFFFFFFFu;
        for (unsigned i = 0; i < 15; i++)
            e->params[i] &= 0xFFFFFFFFu;
    }
    return 0;
}

static int read_handle_data(md_ctx *m, ds_bytes s)
{
    if (s.size < 12) {
        MD_NOTE(m, DS_DAMAGE, "stream_too_short", "HandleData stream has %llu bytes",
                (unsigned long long)s.size);
        return 0;
    }
    uint32_t hsize = ds_le32(s.data), dsize = ds_le32(s.data + 4), n = ds_le32(s.data + 8);
    if (hsize < 12 || hsize > s.size || dsize == 0) {
        MD_NOTE(m, DS_DAMAGE, "handle_data_corrupt", "HandleData header sizes %u/%u are "
                "not usable", hsize, dsize);
        return 0;
    }
    uint64_t fit = (s.size - hsize) / dsize;
    m->c->mdmp.handle_count = ds_known(n < fit ? n : fit);
    return 0;
}

/* ------------------------------------------------------------ directory */

typedef struct md_handler {
    uint32_t type;
    const char *name;
    md_stream_fn read;
} md_handler;

/* Decoding order; see the comment at the top of the file. */
static const md_handler md_handlers[] = {
    {7, "SystemInfo", read_system_info},
    {15, "MiscInfo", read_misc_info},
    {0x47670001, "BreakpadInfo", md_read_breakpad_info},
    {0x47670002, "AssertionInfo", md_read_assertion},
    {0x47670004, "LinuxProcStatus", md_read_proc_status},
    {0x47670005, "LinuxLsbRelease", md_read_lsb_release},
    {0x47670009, "LinuxMaps", md_read_linux_maps},
    {12, "HandleData", read_handle_data},
    {4, "ModuleList", md_read_modules},
    {14, "UnloadedModuleList", md_read_unloaded},
    {0x43500001, "CrashpadInfo", md_read_crashpad_info}, /* names its modules by index */
    {5, "MemoryList", md_read_memory},
    {9, "Memory64List", md_read_memory64},
    {3, "ThreadList", md_read_threads},
    {8, "ThreadExList", md_read_threads_ex},
    {17, "ThreadInfoList", md_read_thread_info},
    {24, "ThreadNames", md_read_thread_names},
    {6, "Exception", read_exception},
};
#define MD_NHANDLERS (sizeof md_handlers / sizeof *md_handlers)

typedef struct md_slot {
    bool present;
    uint32_t size, rva;
} md_slot;

static int read_directory(md_ctx *m, uint32_t count, uint32_t rva, md_slot *slots)
{
    if (count > MD_MAX_STREAMS) {
        MD_NOTE(m, DS_DAMAGE, "directory_too_large", "the header claims %u streams; only "
                "the first %u directory entries are read", count, MD_MAX_STREAMS);
        count = MD_MAX_STREAMS;
    }
    uint32_t dups = 0, unknown_outside = 0;
    for (uint32_t i = 0; i < count; i++) {
        uint64_t at = (uint64_t)rva + (uint64_t)MD_DIR_ENTRY * i;
        const uint8_t *e = ds_span(m->f, at, MD_DIR_ENTRY);
        if (!e) {
            if (i == 0)
                MD_NOTE(m, DS_DAMAGE, "directory_outside_file",
                        "the stream directory at 0x%x lies beyond the end of the file "
                        "(%llu bytes): no stream can be read",
                        rva, (unsigned long long)m->f.size);
            else
                MD_NOTE(m, DS_DAMAGE, "directory_truncated",
                        "the stream directory is cut short by the end of the file: %u of "
                        "%u entries read", i, count);
            break;
        }
        uint32_t type = ds_le32(e), size = ds_le32(e + 4), srva = ds_le32(e + 8);
        if (type == 0) /* UnusedStream: padding slots writers leave */
            continue;
        size_t h = 0;
        while (h < MD_NHANDLERS && md_handlers[h].type != type)
            h++;
        if (h == MD_NHANDLERS) {
            if (!ds_in_bounds(srva, size, m->f.size))
                unknown_outside++;
            continue;
        }
        if (slots[h].present) {
            dups++;
            continue;
        }
        slots[h] = (md_slot){true, size, srva};
    }
    if (dups)
        MD_NOTE(m, DS_WARNING, "duplicate_stream", "%u directory entries repeat a stream "
                "type already seen; only the first stream of each type is used", dups);
    if (unknown_outside)
        MD_NOTE(m, DS_DAMAGE, "stream_outside_file", "%u streams of types dumpscan does "
                "not read lie wholly or partly beyond the end of the file",
                unknown_outside);
    return 0;
}

static int read_streams(md_ctx *m, const md_slot *slots)
{
    for (size_t h = 0; h < MD_NHANDLERS; h++) {
        const md_slot *sl = &slots[h];
        if (!sl->present)
            continue;
        if (sl->size && sl->rva >= m->f.size) {
            MD_NOTE(m, DS_DAMAGE, "stream_outside_file", "the %s stream (0x%x bytes at "
                    "0x%x) lies beyond the end of the file (%llu bytes)",
                    md_handlers[h].name, sl->size, sl->rva, (unsigned long long)m->f.size);
            continue;
        }
        uint64_t len = sl->size;
        if (len && len > m->f.size - sl->rva) {
            len = m->f.size - sl->rva;
            MD_NOTE(m, DS_DAMAGE, "stream_truncated", "the %s stream is cut short by the "
                    "end of the file: %llu of %u bytes present", md_handlers[h].name,
                    (unsigned long long)len, sl->size);
        }
        const uint8_t *p = len ? ds_span(m->f, sl->rva, len) : m->f.data;
        if (!p) {
            MD_NOTE(m, DS_DAMAGE, "file_unreadable", "the %s stream (0x%llx bytes at 0x%x) "
                    "could not be read: the file shrank, or it is beyond the read budget",
                    md_handlers[h].name, (unsigned long long)len, sl->rva);
            continue;
        }
        ds_bytes s = {.data = p, .size = len};
        if (md_handlers[h].read(m, s) < 0)
            return -1;
    }
    return 0;
}

static bool slot_present(const md_slot *slots, uint32_t type)
{
    for (size_t h = 0; h < MD_NHANDLERS; h++)
        if (md_handlers[h].type == type)
            return slots[h].present;
    return false;
}

/* What a reader of the report needs to know about missing pieces, and the
 * crashing thread's context when the exception did not carry one. */
static int finish(md_ctx *m, const md_slot *slots)
{
    ds_crash *c = m->c;
    ds_minidump_info *md = &c->mdmp;
    if (!md->has_system_info)
        MD_NOTE(m, DS_DAMAGE, "system_info_missing", "no readable SystemInfo stream: the "
                "operating system is unknown");
    if (c->arch == DS_ARCH_UNKNOWN && !ds_note_has(c, "unsupported_arch"))
        MD_NOTE(m, DS_DAMAGE, "arch_unknown", "the CPU architecture is unknown: CPU "
                "contexts are not decoded");
    if (!slot_present(slots, 4))
        MD_NOTE(m, DS_WARNING, "module_list_missing", "no ModuleList stream: code "
                "addresses cannot be tied to modules");
    if (!slot_present(slots, 3) && !slot_present(slots, 8))
        MD_NOTE(m, DS_WARNING, "thread_list_missing", "no ThreadList stream");

    /* Without an exception, Breakpad still names the thread that asked for
     * the dump (for instance a handler that caught a signal). */
    if (!c->has_exception && md->breakpad_requesting_thread.known &&
        md->breakpad_requesting_thread.value)
        c->crashing_thread = md->breakpad_requesting_thread;
    if (!slot_present(slots, 6))
        MD_NOTE(m, DS_INFO, "no_exception", "no Exception stream: the dump was written "
                "on request, not by a crash");

    ds_u64 tid = c->crashing_thread;
    ds_thread *t = tid.known ? md_thread_by_id(m, (uint32_t)tid.value) : NULL;
    if (tid.known && !t && c->nthreads)
        MD_NOTE(m, DS_WARNING, "crashing_thread_missing", "the crashing thread 0x%x is "
                "not in the thread list", (unsigned)tid.value);
    if (!c->has_context && t && t->has_context) {
        c->context = t->context;
        c->has_context = true;
    }
    return 0;
}

int ds_minidump_read(ds_reader *r, ds_error *err)
{
    ds_crash *c = r->crash;
    if (r->file.size < MD_HEADER_SIZE) {
        ds_set_error(err, DS_E_CORRUPT, "file too short for a minidump header (%llu of %u bytes)",
                     (unsigned long long)r->file.size, MD_HEADER_SIZE);
        return -1;
    }
    const uint8_t *h = ds_span(r->file, 0, MD_HEADER_SIZE);
    c->format = DS_FORMAT_MINIDUMP;
    c->has_mdmp = true;
    c->dump_kind = "minidump";
    c->mdmp.version = ds_le32(h + 4);
    c->mdmp.streams = ds_le32(h + 8);
    c->mdmp.flags = ds_le64(h + 0x18);
    uint32_t stamp = ds_le32(h + 0x14); /* time_t */
    if (stamp)
        c->crash_time = ds_known(ds_unix_to_filetime(stamp));

    md_ctx m = {.r = r, .c = c, .f = r->file, .may_guess_arch = true};
    md_slot slots[MD_NHANDLERS];
    memset(slots, 0, sizeof slots);
    int rc = -1;
    if (read_directory(&m, c->mdmp.streams, ds_le32(h + 0x0C), slots) < 0 ||
        read_streams(&m, slots) < 0 || finish(&m, slots) < 0)
        goto out;
    ds_mem_finish_regions(r->mem);
    rc = 0;
out:
    free(m.order);
    return rc;
}
