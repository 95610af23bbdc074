/*
 * Triage ("small memory") dump, DumpType 4: TRIAGE_DUMP64 at 0x2000 (x64 and
 * ARM64) or TRIAGE_DUMP32 at 0x1000 (x86), followed by the MM block, unloaded
 * drivers, PRCB/process/thread copies, the call stack, the KDBG copy, the
 * driver list, the DUMP_STRING pool, the data blocks, "TRGD", and a DumpBlob
 * secondary-data trailer. All "...Offset" fields are file offsets.
 */
#include "gen_internal.h"

#include <stdlib.h>

#define MINIDUMP_FIELDS 0xCFF

static size_t dump_string(gbuf *b, size_t off, const char *s)
{
    size_t n = strlen(s);
    gb_u32(b, off, (uint32_t)n);
    if (!gb_reserve(b, off + 4 + 2 * n + 2)) return off;
    gen_utf16(b->p + off + 4, s, n);
    put16(b->p + off + 4 + 2 * n, 0);
    return (size_t)align_up(off + 4 + 2 * n + 2, 8);
}

static const char *base_name(const char *p)
{
    const char *b = p;
    for (; *p; p++)
        if (*p == '\\' || *p == '/') b = p + 1;
    return b;
}

typedef struct tblock {
    uint64_t va;
    uint32_t size;
} tblock;

int write_triage_dump(gworld *w, gbuf *h, gout *o, char *err, size_t errlen)
{
    gen_spec *s = w->s;
    bool is64 = w->is64;
    size_t T = is64 ? 0x2000 : 0x1000;
    size_t off = T + (is64 ? 0x80 : 0x68);
    uint8_t *tmp = NULL;

    gb_u32(h, is64 ? 0x1038 : 0xF8C, MINIDUMP_FIELDS);

    /* MM block */
    size_t mm_off = off, mm_size = is64 ? 0x50 : 0x2C;
    gb_u32(h, mm_off, 1);
    gb_u32(h, mm_off + 4, (uint32_t)mm_size);
    gb_fill(h, mm_off + 8, 0, mm_size - 8);
    off = (size_t)align_up(mm_off + mm_size, 8);

    /* unloaded drivers */
    size_t unl_off = off;
    size_t ue = is64 ? 0x38 : 0x28, ustart = is64 ? 8 : 4;
    gb_u32(h, unl_off, (uint32_t)s->nunloaded);
    gb_u32(h, unl_off + 4, 0);
    for (size_t i = 0; i < s->nunloaded; i++) {
        const gen_unloaded *u = &s->unloaded[i];
        size_t e = unl_off + ustart + i * ue;
        const char *nm = u->name ? u->name : "";
        size_t n = strlen(nm);
        if (n > 0x7FFF) n = 0x7FFF;
        gb_fill(h, e, 0, ue);
        gb_u16(h, e, (uint16_t)(2 * n));
        gb_u16(h, e + 2, (uint16_t)(2 * n));
        size_t dn = e + (is64 ? 0x10 : 0x08);
        if (!gb_reserve(h, dn + 24)) goto oom;
        gen_utf16(h->p + dn, nm, 12);
        if (is64) {
            gb_u64(h, e + 0x28, u->start);
            gb_u64(h, e + 0x30, u->end);
        } else {
            gb_u32(h, e + 0x20, (uint32_t)u->start);
            gb_u32(h, e + 0x24, (uint32_t)u->end);
        }
    }
    off = (size_t)align_up(unl_off + ustart + s->nunloaded * ue, 8);

    /* PRCB, process, thread: raw structure copies with a few plausible fields */
    uint64_t thread_va = w->L.pool_va + 0x80000, process_va = w->L.pool_va + 0x90000;
    uint64_t stack_high = w->L.stack_low + w->L.stack_size;
    size_t prcb_off = off, prcb_size = is64 ? 0x600 : 0x400;
    gb_fill(h, prcb_off, 0, prcb_size);
    gb_ptr(h, prcb_off + (is64 ? 0x8 : 0x4), thread_va, is64);
    gb_u8(h, prcb_off + (is64 ? 0x24 : 0x3CC), 0); /* processor number 0 */
    off = prcb_off + prcb_size;

    size_t proc_off = off, proc_size = is64 ? 0x800 : 0x400;
    gb_fill(h, proc_off, 0, proc_size);
    gb_ptr(h, proc_off + (is64 ? 0x28 : 0x18), vm_dtb(&w->vm), is64);
    gb_ptr(h, proc_off + (is64 ? 0x440 : 0xB4), 4, is64);
    gb_put(h, proc_off + (is64 ? 0x5A8 : 0x17C), "System", 6);
    off = proc_off + proc_size;

    size_t thr_off = off, thr_size = is64 ? 0x800 : 0x400;
    gb_fill(h, thr_off, 0, thr_size);
    if (is64) {
        gb_u64(h, thr_off + 0x28, stack_high);
        gb_u64(h, thr_off + 0x30, w->L.stack_low);
        gb_u64(h, thr_off + 0x38, stack_high);
        gb_u64(h, thr_off + 0x58, w->sp);
        gb_u64(h, thr_off + 0x220, process_va);
    } else {
        gb_u32(h, thr_off + 0x18, (uint32_t)stack_high);
        gb_u32(h, thr_off + 0x1C, (uint32_t)w->L.stack_low);
        gb_u32(h, thr_off + 0x20, (uint32_t)stack_high);
        gb_u32(h, thr_off + 0x30, (uint32_t)w->sp);
        gb_u32(h, thr_off + 0x150, (uint32_t)process_va);
    }
    off = thr_off + thr_size;

    /* call stack: [TopOfStack = low end, +size) */
    size_t cs_off = off, cs_size = (size_t)w->L.stack_size;
    tmp = malloc(cs_size > kdbg_size() ? cs_size : kdbg_size());
    if (!tmp) goto oom;
    if (vm_read(&w->vm, w->L.stack_low, tmp, cs_size) != cs_size) goto inconsistent;
    gb_put(h, cs_off, tmp, cs_size);
    off = (size_t)align_up(cs_off + cs_size, 8);

    /* KDBG copy (plain) */
    size_t kd_off = off;
    if (vm_read(&w->vm, w->kdbg_va, tmp, kdbg_size()) != kdbg_size()) goto inconsistent;
    gb_put(h, kd_off, tmp, kdbg_size());
    off = (size_t)align_up(kd_off + kdbg_size(), 8);
    free(tmp);
    tmp = NULL;

    /* driver list, then the string pool it points into */
    size_t dl_off = off, de = is64 ? 0x90 : 0x4C;
    size_t sp_off = (size_t)align_up(dl_off + s->nmodules * de, 8);
    size_t so = sp_off;
    for (size_t i = 0; i < s->nmodules; i++) {
        const gen_module *m = &s->modules[i];
        const gen_image *img = &w->mod[i].img;
        size_t e = dl_off + i * de;
        gb_fill(h, e, 0, de);
        gb_u32(h, e, (uint32_t)so);
        so = dump_string(h, so, m->path ? m->path : m->name);
        if (is64) {
            size_t l = e + 8;
            gb_u64(h, l + 0x30, m->base);
            gb_u64(h, l + 0x38, m->base + img->entry_rva);
            gb_u32(h, l + 0x40, m->size);
            gb_u32(h, l + 0x68, 0x09104000);
            gb_u32(h, l + 0x78, m->checksum);
            gb_u32(h, l + 0x80, m->timestamp);
        } else {
            size_t l = e + 4;
            gb_u32(h, l + 0x18, (uint32_t)m->base);
            gb_u32(h, l + 0x1C, (uint32_t)(m->base + img->entry_rva));
            gb_u32(h, l + 0x20, m->size);
            gb_u32(h, l + 0x34, 0x09104000);
            gb_u32(h, l + 0x40, m->checksum);
            gb_u32(h, l + 0x44, m->timestamp);
        }
    }
    size_t broken_off = 0;
    if (s->broken_driver) {
        broken_off = so;
        so = dump_string(h, so, base_name(s->broken_driver));
    }
    size_t sp_size = so - sp_off;
    off = so;

    /* data blocks: the known region; the crashing module's header, .text and
       .rdata pages (CodeView, exports); the kernel's header and .rdata pages;
       the crashing module's loader entry (odd size) */
    tblock blk[10];
    size_t nb = 0;
    size_t cm = s->crash_module < s->nmodules ? s->crash_module : s->nmodules - 1;
    blk[nb++] = (tblock){s->out_known_va, (uint32_t)s->out_known_len};
    if (s->modules[cm].header_in_dump) {
        blk[nb++] = (tblock){s->modules[cm].base, PG};
        blk[nb++] = (tblock){s->modules[cm].base + w->mod[cm].img.text_rva, PG};
        blk[nb++] = (tblock){s->modules[cm].base + w->mod[cm].img.rdata_rva, PG};
    }
    if (cm != 0 && s->modules[0].header_in_dump) {
        blk[nb++] = (tblock){s->modules[0].base, PG};
        blk[nb++] = (tblock){s->modules[0].base + w->mod[0].img.rdata_rva, PG};
    }
    blk[nb++] = (tblock){w->mod[cm].ldr_va, is64 ? (w->old_kldr ? 0xE0 : 0xA0)
                                                 : (w->old_kldr ? 0x78 : 0x5C)};
    if (w->obj_mapped) /* the objects a bug-check parameter points at (IRP, WHEA record) */
        blk[nb++] = (tblock){w->L.obj_va, PG};
    size_t db_off = off;
    size_t data = db_off + nb * 16;
    for (size_t i = 0; i < nb; i++) {
        gb_u64(h, db_off + 16 * i, blk[i].va);
        gb_u32(h, db_off + 16 * i + 8, (uint32_t)data);
        gb_u32(h, db_off + 16 * i + 12, blk[i].size);
        if (!gb_reserve(h, data + blk[i].size)) goto oom;
        if (vm_read(&w->vm, blk[i].va, h->p + data, blk[i].size) != blk[i].size)
            goto inconsistent;
        data += blk[i].size;
    }
    s->out_triage_data_blocks = (uint32_t)nb;

    size_t valid_off = (size_t)align_up(data, 8);
    gb_fill(h, data, 0, valid_off - data);
    gb_put(h, valid_off, "TRGD", 4);
    size_t size_of_dump = valid_off + 4;

    /* secondary data: "DumpBlob" stream header + 2 tagged records */
    size_t b = size_of_dump;
    gb_put(h, b, "DumpBlob", 8);
    gb_u32(h, b + 8, 0x10);
    gb_u32(h, b + 12, s->build | 0xF0000000u);
    b += 16;
    static const uint8_t guid1[16] = {0x5a, 0x1f, 0x3c, 0x2b, 0x41, 0x9d, 0x4e, 0x11,
                                      0x8a, 0x77, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60};
    static const uint8_t guid2[16] = {0x6b, 0x2e, 0x4d, 0x3a, 0x52, 0x8c, 0x5f, 0x22,
                                      0x9b, 0x66, 0x21, 0x31, 0x41, 0x51, 0x61, 0x71};
    const struct { const uint8_t *g; uint32_t size, post; } rec[2] = {
        {guid1, 0x100, 0}, {guid2, 0x2C, 4}};
    for (unsigned r = 0; r < 2; r++) {
        gb_u32(h, b, 0x20);
        gb_put(h, b + 4, rec[r].g, 16);
        gb_u32(h, b + 20, rec[r].size);
        gb_u32(h, b + 24, 0);
        gb_u32(h, b + 28, rec[r].post);
        b += 0x20;
        for (uint32_t i = 0; i < rec[r].size; i++) gb_u8(h, b + i, (uint8_t)("dsgen-blob"[i % 10]));
        b += rec[r].size;
        gb_fill(h, b, 0, rec[r].post);
        b += rec[r].post;
    }
    size_t file_size = b;

    /* the triage header */
    uint32_t dlo = (uint32_t)dl_off, spo = (uint32_t)sp_off;
    if (s->bad_triage_offsets) {
        dlo = (uint32_t)(file_size + 0x10000);
        spo = (uint32_t)(file_size + 0x20000);
    }
    gb_u32(h, T + 0x00, 0);
    gb_u32(h, T + 0x04, (uint32_t)size_of_dump);
    gb_u32(h, T + 0x08, (uint32_t)valid_off);
    gb_u32(h, T + 0x0C, is64 ? 0x348 : 0x320);
    gb_u32(h, T + 0x10, is64 ? 0xF00 : 0x7D0);
    gb_u32(h, T + 0x14, (uint32_t)mm_off);
    gb_u32(h, T + 0x18, (uint32_t)unl_off);
    gb_u32(h, T + 0x1C, (uint32_t)prcb_off);
    gb_u32(h, T + 0x20, (uint32_t)proc_off);
    gb_u32(h, T + 0x24, (uint32_t)thr_off);
    gb_u32(h, T + 0x28, (uint32_t)cs_off);
    gb_u32(h, T + 0x2C, (uint32_t)cs_size);
    gb_u32(h, T + 0x30, dlo);
    gb_u32(h, T + 0x34, (uint32_t)s->nmodules);
    gb_u32(h, T + 0x38, spo);
    gb_u32(h, T + 0x3C, (uint32_t)sp_size);
    gb_u32(h, T + 0x40, (uint32_t)broken_off);
    gb_u32(h, T + 0x44, 0xFFFFFFFFu);
    if (is64) {
        gb_u64(h, T + 0x48, w->L.stack_low);
        gb_fill(h, T + 0x50, 0, 0x20); /* BStore (IA-64) and DataPage: none */
        gb_u32(h, T + 0x70, (uint32_t)kd_off);
        gb_u32(h, T + 0x74, (uint32_t)kdbg_size());
        gb_u32(h, T + 0x78, (uint32_t)db_off);
        gb_u32(h, T + 0x7C, (uint32_t)nb);
    } else {
        gb_u32(h, T + 0x48, (uint32_t)w->L.stack_low);
        gb_fill(h, T + 0x4C, 0, 12);
        gb_u32(h, T + 0x58, (uint32_t)kd_off);
        gb_u32(h, T + 0x5C, (uint32_t)kdbg_size());
        gb_u32(h, T + 0x60, (uint32_t)db_off);
        gb_u32(h, T + 0x64, (uint32_t)nb);
    }
    o->size = file_size;
    hdr_set_required(w, h, file_size);
    if (h->oom || h->len != file_size) goto oom;
    if (out_add(o, 0, h->p, h->len) != 0) goto oom;
    s->out_physical_pages = 0;
    s->out_highest_pfn = 0;
    return 0;
inconsistent:
    free(tmp);
    gen_seterr(err, errlen, "internal: triage source memory not mapped");
    return -1;
oom:
    free(tmp);
    gen_seterr(err, errlen, "out of memory");
    return -1;
}
