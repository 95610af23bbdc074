/*
 * DUMP_HEADER64 ("PAGEDU64", 0x2000 bytes) and DUMP_HEADER32 ("PAGEDUMP",
 * 0x1000 bytes). The whole header is pre-filled with "PAGE"; only the fields
 * the kernel knows are written. WriterStatus, SecondaryDataState, Attributes,
 * BootId, VersionUser and the exception information stay as the fill.
 */
#include "gen_internal.h"

#define DEFAULT_COMMENT "dsgen synthetic crash dump"

void hdr_build(gworld *w, gbuf *h)
{
    const gen_spec *s = w->s;
    size_t hsize = w->is64 ? 0x2000 : 0x1000;
    if (!gb_reserve(h, hsize)) return;
    for (size_t i = 0; i < hsize; i += 4) memcpy(h->p + i, "PAGE", 4);

    const char *comment = s->comment ? s->comment : DEFAULT_COMMENT;
    size_t clen = strlen(comment);
    if (clen > 127) clen = 127;

    if (w->is64) {
        memcpy(h->p + 4, "DU64", 4);
        gb_u32(h, 0x008, 0xF);
        gb_u32(h, 0x00C, s->build);
        gb_u64(h, 0x010, vm_dtb(&w->vm));
        gb_u64(h, 0x018, w->pfndb_va);
        gb_u64(h, 0x020, w->psloaded_va);
        gb_u64(h, 0x028, w->psactive_va);
        gb_u32(h, 0x030, s->arch == DS_ARCH_ARM64 ? 0xAA64 : 0x8664);
        gb_u32(h, 0x034, s->cpus);
        gb_u32(h, 0x038, s->bugcheck_code);
        for (unsigned i = 0; i < 4; i++) gb_u64(h, 0x040 + 8 * i, s->bugcheck_params[i]);
        gb_u64(h, 0x080, w->kdbg_va);
        gb_put(h, 0x348, w->ctx, w->ctx_len);
        /* EXCEPTION_RECORD64: a breakpoint at the context pc, no parameters */
        gb_u32(h, 0xF00, 0x80000003u);
        gb_u32(h, 0xF04, 1);
        gb_u64(h, 0xF08, 0);
        gb_u64(h, 0xF10, s->ctx_pc);
        gb_u32(h, 0xF18, 0);
        gb_u32(h, 0xF98, s->dump_type);
        gb_u64(h, 0xFA8, s->system_time);
        gb_fill(h, 0xFB0, 0, 128);
        gb_put(h, 0xFB0, comment, clen);
        gb_u64(h, 0x1030, s->uptime);
        gb_u32(h, 0x1040, s->product_type);
        gb_u32(h, 0x1044, s->suite_mask);
    } else {
        memcpy(h->p + 4, "DUMP", 4);
        gb_u32(h, 0x008, 0xF);
        gb_u32(h, 0x00C, s->build);
        gb_u32(h, 0x010, (uint32_t)vm_dtb(&w->vm));
        gb_u32(h, 0x014, (uint32_t)w->pfndb_va);
        gb_u32(h, 0x018, (uint32_t)w->psloaded_va);
        gb_u32(h, 0x01C, (uint32_t)w->psactive_va);
        gb_u32(h, 0x020, 0x14C);
        gb_u32(h, 0x024, s->cpus);
        gb_u32(h, 0x028, s->bugcheck_code);
        for (unsigned i = 0; i < 4; i++)
            gb_u32(h, 0x02C + 4 * i, (uint32_t)s->bugcheck_params[i]);
        gb_u8(h, 0x05C, s->pae ? 1 : 0);
        gb_u32(h, 0x060, (uint32_t)w->kdbg_va);
        gb_put(h, 0x320, w->ctx, w->ctx_len);
        gb_u32(h, 0x7D0, 0x80000003u);
        gb_u32(h, 0x7D4, 1);
        gb_u32(h, 0x7D8, 0);
        gb_u32(h, 0x7DC, (uint32_t)s->ctx_pc);
        gb_u32(h, 0x7E0, 0);
        gb_fill(h, 0x820, 0, 128);
        gb_put(h, 0x820, comment, clen);
        gb_u32(h, 0xF88, s->dump_type);
        gb_u32(h, 0xF94, s->product_type);
        gb_u32(h, 0xF98, s->suite_mask);
        gb_u64(h, 0xFB8, s->uptime);
        gb_u64(h, 0xFC0, s->system_time);
    }
}

void hdr_set_required(gworld *w, gbuf *h, uint64_t size)
{
    (void)w; /* RequiredDumpSpace is at 0xFA0 in both header layouts */
    gb_u64(h, 0xFA0, size);
}
