/*
 * Triage ("small memory") dumps, DumpType 4 (doc/formats.md 3). No page tables:
 * the memory view is built from the VA-addressed pieces the kernel copied
 * (call stack, data blocks, debugger data, data page); modules come from the
 * driver list and its string pool.
 */
#include <stdlib.h>

#include "mem/context.h"
#include "format/format.h"
#include "model/model.h"

#define NOTE(sev, code, ...)                                                         \
    do {                                                                             \
        if (ds_note_add(r->crash, sev, code, __VA_ARGS__) < 0)                       \
            return -1;                                                               \
    } while (0)

/* TRIAGE_DUMP64 / TRIAGE_DUMP32: the first 18 u32s agree, the rest moves. */
typedef struct triage_layout {
    uint8_t size, ptr;
    uint8_t top_of_stack, data_page_addr, data_page_off, data_page_size, kdbg_off,
        kdbg_size, blocks_off, blocks_count;
    /* DUMP_DRIVER_ENTRY: stride, and where LdrEntry fields land in it */
    uint8_t drv_stride, drv_base, drv_size, drv_checksum, drv_timestamp;
    /* unloaded drivers block */
    uint8_t unl_first, unl_stride, unl_name_len, unl_name, unl_start, unl_end;
} triage_layout;

static const triage_layout triage64 = {
    0x80, 8, 0x48, 0x60, 0x68, 0x6C, 0x70, 0x74, 0x78, 0x7C,
    0x90, 0x08 + 0x30, 0x08 + 0x40, 0x08 + 0x78, 0x08 + 0x80,
    0x08, 0x38, 0x00, 0x10, 0x28, 0x30,
};
/* 32-bit: no public sample exists; strides follow the x86 LDR entry and
 * UNICODE_STRING32 sizes (doc/formats.md 3.3-3.5), checked against the file. */
static const triage_layout triage32 = {
    0x68, 4, 0x48, 0x4C, 0x50, 0x54, 0x58, 0x5C, 0x60, 0x64,
    0x4C, 0x04 + 0x18, 0x04 + 0x20, 0x04 + 0x40, 0x04 + 0x44,
    0x04, 0x28, 0x00, 0x08, 0x20, 0x24,
};

enum {
    T_SIZE_OF_DUMP = 0x04, T_VALID_OFFSET = 0x08, T_CONTEXT = 0x0C, T_EXCEPTION = 0x10,
    T_UNLOADED = 0x18, T_PRCB = 0x1C, T_PROCESS = 0x20, T_THREAD = 0x24, T_CALLSTACK = 0x28, T_CALLSTACK_SIZE = 0x2C, T_DRIVERS = 0x30,
    T_DRIVER_COUNT = 0x34, T_STRINGS = 0x38, T_STRINGS_SIZE = 0x3C, T_BROKEN = 0x40,
    T_OPTIONS = 0x44,
};

#define MAX_NAME_CHARS 1024

char *ds_dump_string(ds_bytes file, uint64_t off, uint32_t max_chars)
{
    uint32_t n;
    if (!ds_get32(file, off, &n))
        return NULL;
    if (n > max_chars)
        n = max_chars;
    const uint8_t *p = ds_span(file, off + 4, 2ull * n);
    if (!p) { /* cut by the end of the file: keep what is there */
        uint64_t have = off + 4 < file.size ? (file.size - off - 4) / 2 : 0;
        n = (uint32_t)have;
        if (!(p = ds_span(file, off + 4, 2ull * n)))
            return NULL;
    }
    return ds_utf16_to_utf8(p, n);
}

static uint64_t tfield(const uint8_t *t, unsigned off, unsigned size)
{
    return size == 8 ? ds_le64(t + off) : ds_le32(t + off);
}

/* Context and exception: the triage header points at them (normally back
 * into the dump header, which the kernel reader decoded already). */
static void read_context(ds_reader *r, const triage_layout *tl, const uint8_t *t)
{
    ds_crash *c = r->crash;
    uint32_t off = ds_le32(t + T_CONTEXT);
    size_t need = ds_context_min_size(c->arch);
    const uint8_t *p = ds_span(r->file, off, need);
    if (p && off && need)
        c->has_context = ds_context_decode(c->arch, p, need, &c->context);
    off = ds_le32(t + T_EXCEPTION);
    size_t esz = ds_exception_record_size(tl->ptr);
    if (off && (p = ds_span(r->file, off, esz)) != NULL) {
        ds_exception_decode(p, tl->ptr, &c->exception);
        c->has_exception = true;
    }
}

static int read_drivers(ds_reader *r, const triage_layout *tl, const uint8_t *t)
{
    uint32_t off = ds_le32(t + T_DRIVERS), count = ds_le32(t + T_DRIVER_COUNT);
    r->crash->kernel.triage.driver_count = count;
    if (count == 0)
        return 0;
    uint64_t fit = off < r->file.size ? (r->file.size - off) / tl->drv_stride : 0;
    if (count > fit) {
        NOTE(DS_DAMAGE, "driver_list_truncated", "the driver list has %u entries but "
             "the file holds %llu", count, (unsigned long long)fit);
        count = (uint32_t)fit;
    }
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *e = ds_span(r->file, off + (uint64_t)i * tl->drv_stride,
                                   tl->drv_stride);
        if (!e)
            break; /* the file shrank or is beyond the read budget */
        ds_module *m = ds_module_add(r->crash, false);
        if (!m)
            return -1;
        m->flags |= DS_MOD_FROM_DRIVER_LIST;
        m->base = tfield(e, tl->drv_base, tl->ptr);
        m->size = ds_le32(e + tl->drv_size);
        m->checksum = ds_known(ds_le32(e + tl->drv_checksum));
        m->timestamp = ds_known(ds_le32(e + tl->drv_timestamp));
        char *path = ds_dump_string(r->file, ds_le32(e), MAX_NAME_CHARS);
        if (!path) {
            NOTE(DS_DAMAGE, "driver_name_missing", "driver %u: name string at 0x%x is "
                 "outside the file", i, ds_le32(e));
            continue;
        }
        ds_str_set(&m->name, ds_basename_dup(path));
        ds_str_set(&m->path, path);
    }
    return 0;
}

static int read_unloaded(ds_reader *r, const triage_layout *tl, const uint8_t *t)
{
    uint32_t off = ds_le32(t + T_UNLOADED), count;
    if (!off)
        return 0;
    if (!ds_get32(r->file, off, &count)) {
        NOTE(DS_DAMAGE, "unloaded_list_missing", "the unloaded-driver list at 0x%x is "
             "outside the file", off);
        return 0;
    }
    uint64_t base = (uint64_t)off + tl->unl_first;
    uint64_t fit = base < r->file.size ? (r->file.size - base) / tl->unl_stride : 0;
    if (count > fit) {
        NOTE(DS_DAMAGE, "unloaded_list_truncated", "the unloaded-driver list has %u "
             "entries but the file holds %llu", count, (unsigned long long)fit);
        count = (uint32_t)fit;
    }
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *e = ds_span(r->file, base + (uint64_t)i * tl->unl_stride,
                                   tl->unl_stride);
        if (!e)
            break;
        ds_module *m = ds_module_add(r->crash, true);
        if (!m)
            return -1;
        /* DriverName[12] is not NUL-terminated when full: length from Name. */
        unsigned chars = ds_le16(e + tl->unl_name_len) / 2;
        if (chars > 12)
            chars = 12;
        ds_str_set(&m->name, ds_utf16_to_utf8(e + tl->unl_name, chars));
        uint64_t start = tfield(e, tl->unl_start, tl->ptr);
        uint64_t end = tfield(e, tl->unl_end, tl->ptr);
        m->base = start;
        m->size = end > start ? end - start : 0;
    }
    return 0;
}

/* Map [va, va+size) -> file offset; report what the file cannot back. */
static int map_blob(ds_reader *r, const char *what, uint64_t va, uint64_t size,
                    uint64_t off)
{
    if (size == 0)
        return 0;
    int64_t kept = ds_mem_add_region(r->mem, va, size, off);
    if (kept < 0)
        return -1;
    if ((uint64_t)kept < size)
        NOTE(DS_DAMAGE, "blob_truncated", "%s: %llu of %llu bytes are in the file", what,
             (unsigned long long)kept, (unsigned long long)size);
    return 0;
}

static int read_blobs(ds_reader *r, const triage_layout *tl, const uint8_t *t)
{
    ds_triage_info *ti = &r->crash->kernel.triage;
    ti->stack_low = tfield(t, tl->top_of_stack, tl->ptr);
    ti->stack_size = ds_le32(t + T_CALLSTACK_SIZE);
    if (map_blob(r, "call stack", ti->stack_low, ti->stack_size,
                 ds_le32(t + T_CALLSTACK)) < 0)
        return -1;
    if (map_blob(r, "data page", tfield(t, tl->data_page_addr, tl->ptr),
                 ds_le32(t + tl->data_page_size), ds_le32(t + tl->data_page_off)) < 0)
        return -1;
    ds_u64 kdbg = r->crash->kernel.kd_debugger_data_block;
    if (kdbg.known && map_blob(r, "debugger data", kdbg.value, ds_le32(t + tl->kdbg_size),
                               ds_le32(t + tl->kdbg_off)) < 0)
        return -1;

    uint32_t off = ds_le32(t + tl->blocks_off), count = ds_le32(t + tl->blocks_count);
    /* 16-byte {u64 va, u32 off, u32 size} blocks; the 32-bit form is unsure
     * (doc/formats.md 3.7), so use 12 bytes only when that is what the data says. */
    unsigned stride = 16;
    uint32_t first_off;
    if (tl->ptr == 4 && count && ds_get32(r->file, (uint64_t)off + 4, &first_off) &&
        first_off == off + count * 12u)
        stride = 12;
    ti->data_blocks = count;
    uint64_t fit = off < r->file.size ? (r->file.size - off) / stride : 0;
    if (count > fit) {
        NOTE(DS_DAMAGE, "data_blocks_truncated", "the data-block table has %u entries "
             "but the file holds %llu", count, (unsigned long long)fit);
        count = (uint32_t)fit;
    }
    uint64_t lost = 0;
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *b = ds_span(r->file, off + (uint64_t)i * stride, stride);
        if (!b)
            break;
        uint64_t va = stride == 16 ? ds_le64(b) : ds_le32(b);
        unsigned o = stride == 16 ? 8 : 4;
        uint32_t size = ds_le32(b + o + 4);
        int64_t kept = ds_mem_add_region(r->mem, va, size, ds_le32(b + o));
        if (kept < 0)
            return -1;
        lost += size - (uint64_t)kept;
    }
    if (lost)
        NOTE(DS_DAMAGE, "blob_truncated", "data blocks: %llu bytes lie beyond the end of "
             "the file", (unsigned long long)lost);
    return 0;
}

/* "TRGD" at ValidOffset, then optional "DumpBlob" secondary data. */
static int read_trailer(ds_reader *r, const uint8_t *t)
{
    ds_triage_info *ti = &r->crash->kernel.triage;
    uint32_t marker;
    ti->size_of_dump = ds_le32(t + T_SIZE_OF_DUMP);
    ti->valid_marker = ds_get32(r->file, ds_le32(t + T_VALID_OFFSET), &marker) &&
                       marker == 0x44475254u;
    if (!ti->valid_marker)
        NOTE(DS_DAMAGE, "triage_marker_missing", "the triage validity marker (TRGD) is "
             "missing: the dump was not completely written or is damaged");
    if (ti->size_of_dump > r->file.size)
        NOTE(DS_DAMAGE, "file_truncated", "the file has %llu bytes but the triage header "
             "says %u", (unsigned long long)r->file.size, ti->size_of_dump);

    uint64_t at = ti->size_of_dump;
    const uint8_t *p = ds_span(r->file, at, 16);
    if (!p || memcmp(p, "DumpBlob", 8) != 0)
        return 0;
    uint64_t cur = at + ds_le32(p + 8);
    /* Every record advances by at least its 0x20-byte header: bounded. */
    while ((p = ds_span(r->file, cur, 0x20)) != NULL) {
        uint64_t hdr = ds_le32(p), len = ds_le32(p + 0x14), pre = ds_le32(p + 0x18),
                 post = ds_le32(p + 0x1C);
        if (hdr < 0x20)
            break;
        uint64_t next = cur + hdr + pre + len + post;
        if (next > r->file.size) {
            NOTE(DS_DAMAGE, "secondary_truncated", "secondary dump data record %u runs "
                 "past the end of the file", ti->secondary_blobs);
            break;
        }
        ti->secondary_blobs++;
        cur = next;
    }
    return 0;
}

/*
 * The KPRCB/EPROCESS/ETHREAD copies carry no size: each may extend at most
 * to the next piece of the triage dump that starts after it.
 */
static void note_blobs(ds_reader *r, const triage_layout *tl, const uint8_t *t)
{
    const unsigned fields[] = {T_CONTEXT,  T_EXCEPTION, 0x14 /* Mm */, T_UNLOADED,
                               T_PRCB,     T_PROCESS,   T_THREAD,      T_CALLSTACK,
                               T_DRIVERS,  T_STRINGS,   tl->kdbg_off,  tl->blocks_off,
                               tl->data_page_off};
    uint32_t off[3] = {ds_le32(t + T_PRCB), ds_le32(t + T_PROCESS), ds_le32(t + T_THREAD)};
    uint32_t room[3];
    for (int i = 0; i < 3; i++) {
        uint64_t next = r->file.size;
        for (size_t k = 0; k < sizeof fields / sizeof *fields; k++) {
            uint32_t o = ds_le32(t + fields[k]);
            if (o > off[i] && o < next)
                next = o;
        }
        room[i] = off[i] && off[i] < next ? (uint32_t)(next - off[i]) : 0;
    }
    r->blob_prcb.off = off[0], r->blob_prcb.room = room[0];
    r->blob_process.off = off[1], r->blob_process.room = room[1];
    r->blob_thread.off = off[2], r->blob_thread.room = room[2];
}

int ds_triage_read(ds_reader *r, const ds_klayout *l, const uint8_t *h)
{
    const triage_layout *tl = l->ptr == 8 ? &triage64 : &triage32;
    const uint8_t *t = ds_span(r->file, l->header_size, tl->size);
    if (!t) {
        NOTE(DS_DAMAGE, "triage_header_missing", "the file ends before the triage header");
        return 0;
    }
    ds_triage_info *ti = &r->crash->kernel.triage;
    r->crash->kernel.has_triage = true;
    ti->triage_options = ds_le32(t + T_OPTIONS);
    read_context(r, tl, t);
    note_blobs(r, tl, t);
    if (read_drivers(r, tl, t) < 0 || read_unloaded(r, tl, t) < 0 ||
        read_blobs(r, tl, t) < 0 || read_trailer(r, t) < 0)
        return -1;
    uint32_t broken = ds_le32(t + T_BROKEN);
    if (broken) {
        ti->broken_driver = ds_dump_string(r->file, broken, MAX_NAME_CHARS);
        if (!ti->broken_driver)
            NOTE(DS_DAMAGE, "broken_driver_missing", "the broken-driver name at 0x%x is "
                 "outside the file", broken);
    }
    return 0;
}
