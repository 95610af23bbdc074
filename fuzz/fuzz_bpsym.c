/* Breakpad .sym files: the input is the text. Index it, look up names around
 * every record boundary and at addresses taken from the input, and unwind a
 * synthetic context of every architecture over a memory view made of the
 * input's own bytes (so rules dereference attacker-chosen values). */
#include <string.h>

#include "symbols/breakpad_priv.h"

#define MEM_VA 0x10000u

static bool fake_code(void *arg, uint64_t va, bool strict)
{
    ds_bpsym *b = arg;
    if (va < 0x400000 || va >= 0x500000)
        return false;
    ds_bpsym_func f;
    return !strict || ds_bpsym_lookup(b, va - 0x400000, &f) || (va & 1);
}

static void probe(ds_bpsym *b, uint64_t rva, const ds_memview *m, const uint8_t *data,
                  size_t size, unsigned salt)
{
    ds_bpsym_func f;
    uint64_t la;
    uint32_t ps;
    ds_bpsym_lookup(b, rva, &f);
    ds_bpsym_line_address(b, rva, &la);
    ds_bpsym_param_size(b, rva, &ps);
    ds_srcloc loc;
    ds_bpsym_source(b, rva, &loc);

    static const ds_arch arches[] = {DS_ARCH_X86, DS_ARCH_X64, DS_ARCH_ARM64, DS_ARCH_ARM,
                                     DS_ARCH_UNKNOWN};
    ds_arch a = arches[salt % 5];
    ds_context c;
    memset(&c, 0, sizeof c);
    c.arch = a;
    uint64_t sp = MEM_VA + (size ? (salt * 8u) % (size / 2 + 1) : 0);
    for (int r = 0; r < DS_MAX_REGS; r++) {
        uint64_t v = 0;
        if (size >= 8)
            memcpy(&v, data + ((size_t)r * 8 + salt) % (size - 7), 8);
        c.regs[r] = (r & 1) ? MEM_VA + (v % (size + 16)) : v;
    }
    c.valid = salt & 8 ? ~0ull >> (64 - DS_MAX_REGS) : 0x3FFFFull ^ (1ull << (salt % 18));
    int spi = a == DS_ARCH_ARM64 ? 31 : a == DS_ARCH_ARM ? 13 : 4;
    c.regs[spi] = sp;
    c.sp = sp;
    ds_context out;
    ds_bpsym_unwind(b, rva, &c, m, &out);

    ds_bpsym_walk w;
    memset(&w, 0, sizeof w);
    w.callee_param_size = salt * 4;
    w.context_frame = salt & 1;
    if (salt & 2) {
        w.stack_lo = MEM_VA;
        w.stack_hi = MEM_VA + size;
    }
    w.code_check = salt & 4 ? fake_code : NULL;
    w.arg = b;
    ds_trust t;
    ds_bpsym_unwind_ex(b, rva, &c, m, &w, &out, &t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ds_error err;
    ds_bpsym *b = ds_bpsym_open_memory(data, size, &err);
    if (!b)
        return 0;
    const char *os, *arch, *id, *name;
    ds_bpsym_module(b, &os, &arch, &id, &name);
    ds_bpsym_stats st;
    ds_bpsym_get_stats(b, &st);

    ds_memview m;
    ds_mem_init(&m, (ds_bytes){.data = data, .size = size});
    ds_mem_add_region(&m, MEM_VA, size, 0);
    ds_mem_finish_regions(&m);

    unsigned salt = 0;
    /* around the boundaries of the first records of every kind */
    const bp_span *spans[4];
    size_t counts[4] = {b->nfuncs, b->ncfis, b->nwin4, b->nwin0};
    size_t sizes[4] = {sizeof *b->funcs, sizeof *b->cfis, sizeof *b->win4, sizeof *b->win0};
    spans[0] = b->nfuncs ? &b->funcs[0].s : NULL;
    spans[1] = b->ncfis ? &b->cfis[0].s : NULL;
    spans[2] = b->nwin4 ? &b->win4[0].s : NULL;
    spans[3] = b->nwin0 ? &b->win0[0].s : NULL;
    for (int k = 0; k < 4; k++)
        for (size_t i = 0; i < counts[k] && i < 64; i++) {
            const bp_span *s = (const bp_span *)((const char *)spans[k] + i * sizes[k]);
            uint64_t at[4] = {s->start, s->start - 1, s->end - 1, s->end};
            for (int j = 0; j < 4; j++)
                probe(b, at[j], &m, data, size, salt++);
            probe(b, s->start + (s->end - s->start) / 2, &m, data, size, salt++);
        }
    for (size_t i = 0; i < b->npubs && i < 32; i++)
        probe(b, b->pubs[i].addr, &m, data, size, salt++);
    /* addresses from the input itself, and a few fixed ones */
    for (size_t off = 0; off + 8 <= size && off < 256; off += 8) {
        uint64_t v;
        memcpy(&v, data + off, 8);
        probe(b, v, &m, data, size, salt++);
    }
    static const uint64_t fixed[] = {0, 1, 0x1000, 0xffffffff, UINT64_MAX};
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        probe(b, fixed[i], &m, data, size, salt++);

    ds_mem_free(&m);
    ds_bpsym_close(b);
    return 0;
}
