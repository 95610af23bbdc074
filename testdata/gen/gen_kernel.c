/*
 * The kernel "world" every dump type serializes: physical pages mapped by real
 * page tables, holding the module images, the loader list, the KDBG block, a
 * kernel stack whose frames agree with the images' unwind data, and the
 * "known" pattern region (4 KiB pages followed by a large page).
 */
#include "gen_internal.h"

#include <stdlib.h>

#define KDBG_SIZE 0x380

size_t kdbg_size(void) { return KDBG_SIZE; }

/* x86 KDBG pointers are stored sign-extended to 64 bits */
static uint64_t kptr(const gworld *w, uint64_t v)
{
    return w->is64 ? v : (uint64_t)(int64_t)(int32_t)(uint32_t)v;
}

static int pool_alloc(gworld *w, size_t size, size_t align, uint64_t *va)
{
    uint64_t p = align_up(w->pool_next, align);
    while (p + size > w->pool_mapped_end) {
        if (vm_alloc_map(&w->vm, w->pool_mapped_end, 1, GEN_MAP_DATA) != 0) return -1;
        w->pool_mapped_end += PG;
    }
    w->pool_next = p + size;
    *va = p;
    return 0;
}

/* UTF-16 string (with NUL) in pool; returns its VA and byte length without NUL */
static int pool_wstr(gworld *w, const char *s, uint64_t *va, uint16_t *len)
{
    size_t n = strlen(s);
    if (n > 0x7FFE / 2) return -1;
    uint8_t *tmp = malloc(2 * n + 2);
    if (!tmp) return -1;
    gen_utf16(tmp, s, n);
    put16(tmp + 2 * n, 0);
    int rc = pool_alloc(w, 2 * n + 2, 8, va);
    if (rc == 0) vm_write(&w->vm, *va, tmp, 2 * n + 2);
    free(tmp);
    *len = (uint16_t)(2 * n);
    return rc;
}

static void put_ptr(uint8_t *p, uint64_t v, bool is64)
{
    if (is64) put64(p, v);
    else put32(p, (uint32_t)v);
}

static void put_ustr(uint8_t *p, uint16_t len, uint64_t buf, bool is64)
{
    put16(p, len);
    put16(p + 2, (uint16_t)(len + 2));
    if (is64) put64(p + 8, buf);
    else put32(p + 4, (uint32_t)buf);
}

/* ------------------------------------------------------------ modules */

static int map_modules(gworld *w, char *err, size_t errlen)
{
    gen_spec *s = w->s;
    for (size_t i = 0; i < s->nmodules; i++) {
        gen_module *m = &s->modules[i];
        gen_image *img = &w->mod[i].img;
        if (pe_build(s, i, img, err, errlen) != 0) return -1;
        for (uint32_t off = 0; off < img->content_size; off += PG) {
            bool is_data_page = i == 0 && off == img->data_rva;
            if (!m->header_in_dump && !is_data_page) continue;
            uint64_t pfn = phys_alloc(&w->ph);
            uint8_t *pg = pfn ? phys_get(&w->ph, pfn) : NULL;
            if (!pg) goto oom;
            memcpy(pg, img->bytes + off, PG);
            int kind = off == img->text_rva ? GEN_MAP_CODE : GEN_MAP_DATA;
            if (vm_map(&w->vm, m->base + off, pfn, kind) != 0) {
                gen_seterr(err, errlen, "module %s: cannot map 0x%llx (overlap?)", m->name,
                           (unsigned long long)(m->base + off));
                return -1;
            }
        }
    }
    return 0;
oom:
    gen_seterr(err, errlen, "out of memory");
    return -1;
}

/* ---------------------------------------------------- loader list */

static int build_loader_list(gworld *w, char *err, size_t errlen)
{
    gen_spec *s = w->s;
    bool is64 = w->is64;
    size_t esz = is64 ? (w->old_kldr ? 0xE0 : 0xA0) : (w->old_kldr ? 0x78 : 0x5C);
    for (size_t i = 0; i < s->nmodules; i++)
        if (pool_alloc(w, esz, is64 ? 16 : 8, &w->mod[i].ldr_va) != 0) goto oom;

    size_t n = s->nmodules;
    uint64_t head = w->psloaded_va;
    for (size_t i = 0; i < n; i++) {
        const gen_module *m = &s->modules[i];
        const gen_image *img = &w->mod[i].img;
        uint8_t e[0xE0];
        memset(e, 0, sizeof e);
        uint64_t flink = i + 1 < n ? w->mod[i + 1].ldr_va : head;
        if (i + 1 == n && s->modlist_loop) flink = w->mod[n > 1 ? 1 : 0].ldr_va;
        uint64_t blink = i > 0 ? w->mod[i - 1].ldr_va : head;
        uint64_t full_va, base_va;
        uint16_t full_len, base_len;
        if (pool_wstr(w, m->path ? m->path : m->name, &full_va, &full_len) != 0 ||
            pool_wstr(w, m->name, &base_va, &base_len) != 0)
            goto oom;
        if (is64) {
            put64(e + 0x00, flink);
            put64(e + 0x08, blink);
            if (!w->old_kldr) {
                put64(e + 0x10, m->base + img->pdata_rva);
                put32(e + 0x18, img->pdata_size);
            }
            put64(e + 0x30, m->base);
            put64(e + 0x38, m->base + img->entry_rva);
            put32(e + 0x40, m->size);
            put_ustr(e + 0x48, full_len, full_va, true);
            put_ustr(e + 0x58, base_len, base_va, true);
            put32(e + 0x68, 0x09104000);
            put16(e + 0x6C, 1);
            put32(e + 0x78, m->checksum);
            if (w->old_kldr) {
                put32(e + 0x80, m->timestamp);
            } else {
                put32(e + 0x98, m->size);
                put32(e + 0x9C, m->timestamp);
            }
        } else {
            put32(e + 0x00, (uint32_t)flink);
            put32(e + 0x04, (uint32_t)blink);
            put32(e + 0x18, (uint32_t)m->base);
            put32(e + 0x1C, (uint32_t)(m->base + img->entry_rva));
            put32(e + 0x20, m->size);
            put_ustr(e + 0x24, full_len, full_va, false);
            put_ustr(e + 0x2C, base_len, base_va, false);
            put32(e + 0x34, 0x09104000);
            put16(e + 0x38, 1);
            put32(e + 0x40, m->checksum);
            put32(e + (w->old_kldr ? 0x44 : 0x58), m->timestamp);
        }
        if (!vm_write(&w->vm, w->mod[i].ldr_va, e, esz)) goto oom;
    }
    uint8_t h[16];
    put_ptr(h, w->mod[0].ldr_va, is64);
    put_ptr(h + (is64 ? 8 : 4), w->mod[n - 1].ldr_va, is64);
    if (!vm_write(&w->vm, head, h, is64 ? 16 : 8)) goto oom;
    return 0;
oom:
    gen_seterr(err, errlen, "out of memory building the loader list");
    return -1;
}

/* ------------------------------------------------------ kernel globals */

static int build_globals(gworld *w)
{
    bool is64 = w->is64;
    unsigned ps = is64 ? 8 : 4;
    uint64_t d = w->nt_data_va;
    w->psloaded_va = d;
    w->psactive_va = d + 2 * ps;
    w->pfndb_va = d + 4 * ps;
    uint64_t kdlist = d + 0x40;
    w->kdbg_va = d + 0x100;

    uint8_t b[16];
    /* empty process list: head points to itself */
    put_ptr(b, w->psactive_va, is64);
    put_ptr(b + ps, w->psactive_va, is64);
    if (!vm_write(&w->vm, w->psactive_va, b, 2 * ps)) return -1;
    put_ptr(b, w->L.pfn_array_va, is64);
    if (!vm_write(&w->vm, w->pfndb_va, b, ps)) return -1;
    put_ptr(b, w->kdbg_va, is64);
    put_ptr(b + ps, w->kdbg_va, is64);
    if (!vm_write(&w->vm, kdlist, b, 2 * ps)) return -1;

    const gen_spec *s = w->s;
    uint8_t k[KDBG_SIZE];
    memset(k, 0, sizeof k);
    put64(k + 0x00, kptr(w, kdlist));
    put64(k + 0x08, kptr(w, kdlist));
    memcpy(k + 0x10, "KDBG", 4);
    put32(k + 0x14, KDBG_SIZE);
    put64(k + 0x18, kptr(w, s->modules[0].base));
    put64(k + 0x20, kptr(w, s->modules[0].base + gen_func_rva(s->arch, 2)));
    uint16_t bits;
    if (s->arch == DS_ARCH_X86) bits = s->pae ? (uint16_t)(1 | (3 << 2)) : (uint16_t)(2 << 2);
    else bits = (uint16_t)(4 << 2);
    put16(k + 0x36, bits);
    put64(k + 0x48, kptr(w, w->psloaded_va));
    put64(k + 0x50, kptr(w, w->psactive_va));
    put64(k + 0xC0, kptr(w, w->pfndb_va));
    put16(k + 0x29E, is64 ? 0x28 : 0x18); /* OffsetKThreadInitialStack */
    put16(k + 0x2B4, is64 ? 0x08 : 0x04); /* OffsetPrcbCurrentThread */

    /* MmUnloadedDrivers (-> the kernel's pointer to its UNLOADED_DRIVERS
       array) and MmLastUnloadedDriver (the next index): unloaded[0] is the
       most recent, so it sits just below that index */
    uint64_t var = d + 0x500, last = d + 0x508, arr = d + 0x600, names = d + 0x800;
    unsigned ue = is64 ? 0x28 : 0x18;
    put64(k + 0x220, kptr(w, var));
    put64(k + 0x228, kptr(w, last));
    put_ptr(b, arr, is64);
    if (!vm_write(&w->vm, var, b, ps)) return -1;
    put32(b, (uint32_t)s->nunloaded);
    if (!vm_write(&w->vm, last, b, 4)) return -1;
    for (size_t i = 0; i < s->nunloaded && i < 8; i++) {
        const gen_unloaded *u = &s->unloaded[i];
        uint8_t e[0x28] = {0}, nm[0x40];
        size_t n = gen_utf16(nm, u->name ? u->name : "", 0x1F);
        uint64_t nva = names + i * 0x40;
        put16(e, (uint16_t)(2 * n));
        put16(e + 2, (uint16_t)(2 * n));
        put_ptr(e + ps, nva, is64);
        put_ptr(e + 2 * ps, u->start, is64);
        put_ptr(e + 3 * ps, u->end, is64);
        if (!vm_write(&w->vm, arr + (s->nunloaded - 1 - i) * ue, e, ue) ||
            !vm_write(&w->vm, nva, nm, 2 * n))
            return -1;
    }
    if (!vm_write(&w->vm, w->kdbg_va, k, sizeof k)) return -1;
    return 0;
}

/* CPU 0's KPRCB -> current KTHREAD -> EPROCESS, named by KDBG, for the
   reader's process facts (gen_spec.process_name). */
static int build_processor(gworld *w)
{
    gen_spec *s = w->s;
    s->out_process_va = 0;
    if (!s->process_name || !w->is64 || s->dump_type == DS_DUMP_TRIAGE) return 0;
    uint64_t block, prcb, thread, process;
    /* one KiProcessorBlock slot per CPU, all but CPU 0's left empty */
    if (pool_alloc(w, 8 * (s->cpus ? s->cpus : 1), 8, &block) != 0 || pool_alloc(w, 0x100, 16, &prcb) != 0 ||
        pool_alloc(w, 0x300, 16, &thread) != 0 || pool_alloc(w, 0x800, 16, &process) != 0)
        return -1;
    uint8_t b[16] = {0};
    put64(b, prcb);
    if (!vm_write(&w->vm, block, b, 8)) return -1;
    put64(b, thread);
    if (!vm_write(&w->vm, prcb + 0x08, b, 8)) return -1;   /* KPRCB.CurrentThread */
    put64(b, process);
    if (!vm_write(&w->vm, thread + 0x220, b, 8)) return -1; /* KTHREAD.ApcState.Process */
    size_t n = strlen(s->process_name);
    if (n > 15) n = 15;
    memcpy(b, s->process_name, n);
    memset(b + n, 0, sizeof b - n);
    uint32_t off = s->process_name_offset ? s->process_name_offset : 0x5A8;
    if (off > 0x800 - 15 || !vm_write(&w->vm, process + off, b, 15)) return -1;
    uint8_t k[8];
    put64(k, block);
    if (!vm_write(&w->vm, w->kdbg_va + 0x218, k, 8)) return -1; /* KiProcessorBlock */
    put16(k, 0x220);
    if (!vm_write(&w->vm, w->kdbg_va + 0x2A0, k, 2)) return -1; /* OffsetKThreadApcProcess */
    s->out_process_va = process;
    return 0;
}

/* ----------------------------------------------------------- context */

static void build_context(gworld *w, uint64_t ret0)
{
    const gen_spec *s = w->s;
    uint8_t *c = w->ctx;
    memset(c, 0, sizeof w->ctx);
    if (s->arch == DS_ARCH_X64) {
        w->ctx_len = 0x4D0;
        put32(c + 0x30, 0x0010001F);
        put32(c + 0x34, 0x1F80);
        put16(c + 0x38, 0x10);
        put16(c + 0x3A, 0x2B);
        put16(c + 0x3C, 0x2B);
        put16(c + 0x3E, 0x53);
        put16(c + 0x40, 0x2B);
        put16(c + 0x42, 0x18);
        put32(c + 0x44, 0x00010246);
        for (unsigned r = 0; r < 16; r++) /* plausible values, rcx = 0 (the null pointer) */
            put64(c + 0x78 + 8 * r, r == 1 ? 0 : 0xFFFFF80430000000ULL + 0x100 * r);
        put64(c + 0x98, s->ctx_sp);
        put64(c + 0xA0, s->ctx_fp);
        put64(c + 0xF8, s->ctx_pc);
        put16(c + 0x100, 0x027F);
        put32(c + 0x118, 0x1F80);
        put32(c + 0x11C, 0xFFFF);
    } else if (s->arch == DS_ARCH_X86) {
        w->ctx_len = 0x2CC;
        put32(c + 0x00, 0x0001001F);
        put32(c + 0x90, 0x30);
        put32(c + 0x94, 0x23);
        put32(c + 0x98, 0x23);
        put32(c + 0x9C, 0x85000100u); /* edi */
        put32(c + 0xA0, 0x85000200u); /* esi */
        put32(c + 0xA4, 0x85000300u); /* ebx */
        put32(c + 0xA8, 0x00000002u); /* edx */
        put32(c + 0xAC, 0);           /* ecx: the null pointer */
        put32(c + 0xB0, 0);           /* eax */
        put32(c + 0xB4, (uint32_t)s->ctx_fp);
        put32(c + 0xB8, (uint32_t)s->ctx_pc);
        put32(c + 0xBC, 0x08);
        put32(c + 0xC0, 0x00010246);
        put32(c + 0xC4, (uint32_t)s->ctx_sp);
        put32(c + 0xC8, 0x10);
    } else {
        w->ctx_len = 0x390;
        put32(c + 0x00, 0x00400003);
        put32(c + 0x04, 0x60000005);
        for (unsigned r = 1; r < 29; r++) put64(c + 8 + 8 * r, 0xFFFFF80430000000ULL + 0x100 * r);
        put64(c + 0x08, 0); /* x0: the null pointer */
        put64(c + 0xF0, s->ctx_fp);
        put64(c + 0xF8, ret0);
        put64(c + 0x100, s->ctx_sp);
        put64(c + 0x108, s->ctx_pc);
    }
}

/* ------------------------------------------------------------- stack */

static int finish_stack(gworld *w, uint64_t ret0);
static int build_chain_stack(gworld *w);

static int build_stack(gworld *w)
{
    gen_spec *s = w->s;
    if (s->nchain) return build_chain_stack(w);
    const gen_layout *L = &w->L;
    if (vm_alloc_map(&w->vm, L->stack_low, L->stack_size / PG, GEN_MAP_DATA) != 0) return -1;
    uint64_t high = L->stack_low + L->stack_size;
    uint64_t S = s->ctx_sp;
    if (S < L->stack_low + 0x1800 || S > high - 0x200 || S % 16)
        S = L->stack_low + L->sp_off;
    w->sp = S;

    size_t cm = s->crash_module < s->nmodules ? s->crash_module : s->nmodules - 1;
    size_t cl = s->caller_module < s->nmodules ? s->caller_module : 0;
    int a = s->arch;
    uint64_t ret[4] = {
        s->modules[cm].base + gen_func_rva(a, 1) + gen_return_offset(a, 1),
        s->modules[cl].base + gen_func_rva(a, 2) + gen_return_offset(a, 2),
        s->modules[0].base + gen_func_rva(a, 1) + gen_return_offset(a, 1),
        s->modules[0].base + gen_func_rva(a, 2) + gen_return_offset(a, 2),
    };
    s->out_frame_pc[0] = s->ctx_pc;
    s->out_frame_sp[0] = s->ctx_sp;
    uint8_t buf[0x100];
    memset(buf, 0, sizeof buf);
    if (a == DS_ARCH_X64) {
        /* frame sizes: Worker 0x30, Dispatch 0x30 (push rbx + 0x20 + ret), Start 0x30 */
        put64(buf + 0x28, ret[0]);
        put64(buf + 0x50, 0xFFFFF80430000300ULL); /* rbx saved by Dispatch */
        put64(buf + 0x58, ret[1]);
        put64(buf + 0x80, S + 0xE0);              /* rbp saved by Start (caller's rbp) */
        put64(buf + 0x88, ret[2]);
        put64(buf + 0xB0, 0xFFFFF80430000300ULL);
        put64(buf + 0xB8, ret[3]);
        put64(buf + 0xE0, 0);                     /* outermost: rbp 0, return 0 */
        put64(buf + 0xE8, 0);
        for (unsigned i = 0; i < 4; i++) {
            s->out_frame_pc[i + 1] = ret[i];
            s->out_frame_sp[i + 1] = S + 0x30 * (i + 1);
        }
    } else {
        /* x86: ebp chain, 16 bytes per frame; ARM64: fp/lr records, 16 bytes per frame */
        bool p64 = a == DS_ARCH_ARM64;
        unsigned ps = p64 ? 8 : 4;
        for (unsigned i = 0; i < 5; i++) {
            uint64_t next_fp = i < 4 ? S + 16 * (i + 1) : 0;
            put_ptr(buf + 16 * i, next_fp, p64);
            put_ptr(buf + 16 * i + ps, i < 4 ? ret[i] : 0, p64);
        }
        for (unsigned i = 0; i < 4; i++) {
            s->out_frame_pc[i + 1] = ret[i];
            s->out_frame_sp[i + 1] = S + 16 * i + (p64 ? 16 : 8);
        }
    }
    s->out_nframes = 5;
    if (!vm_write(&w->vm, S, buf, 0xF0)) return -1;
    return finish_stack(w, ret[0]);
}

/* A chain scenario's stack (gen_chain.c); the context always follows the chain. */
static int build_chain_stack(gworld *w)
{
    gen_spec *s = w->s;
    const gen_layout *L = &w->L;
    if (vm_alloc_map(&w->vm, L->stack_low, L->stack_size / PG, GEN_MAP_DATA) != 0) return -1;
    gchain c;
    if (chain_plan(s, &c, NULL, 0) != 0) return -1;
    s->ctx_pc = c.pc[0];
    s->ctx_sp = c.pos[0];
    s->ctx_fp = c.fp[0];
    w->sp = c.pos[0];
    if (chain_write(w, &c) != 0) return -1;
    w->sp = s->ctx_sp; /* GEN_SHAPE_PC_ZERO moves it to the pushed return address */
    return finish_stack(w, c.lr0);
}

/* The header context and the records bug check 0x7E's P3/P4 point at. */
static int finish_stack(gworld *w, uint64_t ret0)
{
    gen_spec *s = w->s;
    const gen_layout *L = &w->L;
    build_context(w, ret0);

    /* the exception and context records bug check 0x7E points at (P3, P4) */
    uint8_t *x = w->exrec;
    memset(x, 0, sizeof w->exrec);
    put32(x, 0xC0000005u);
    if (w->is64) {
        put64(x + 0x10, s->ctx_pc);
        put32(x + 0x18, 2);
        put64(x + 0x20, s->exception_info[0]);
        put64(x + 0x28, s->exception_info[1]);
        w->exrec_len = 0x98;
    } else {
        put32(x + 0x0C, (uint32_t)s->ctx_pc);
        put32(x + 0x10, 2);
        put32(x + 0x14, (uint32_t)s->exception_info[0]);
        put32(x + 0x18, (uint32_t)s->exception_info[1]);
        w->exrec_len = 0x50;
    }
    if (!vm_write(&w->vm, L->stack_low + L->exrec_off, x, w->exrec_len)) return -1;
    if (!vm_write(&w->vm, L->stack_low + L->ctxrec_off, w->ctx, w->ctx_len)) return -1;
    return 0;
}

/* ------------------------------------------------------ known region */

static int fill_pattern(gworld *w, uint64_t va, uint64_t pfn)
{
    uint8_t *pg = phys_get(&w->ph, pfn);
    if (!pg) return -1;
    for (unsigned j = 0; j < PG; j++) pg[j] = gen_pattern(va + j);
    return 0;
}

static int build_known(gworld *w)
{
    const gen_layout *L = &w->L;
    uint64_t kva = L->large_va - 2 * PG;
    for (unsigned i = 0; i < 2; i++) {
        uint64_t pfn = phys_alloc(&w->ph);
        if (!pfn || vm_map(&w->vm, kva + i * PG, pfn, GEN_MAP_DATA) != 0) return -1;
        if (fill_pattern(w, kva + i * PG, pfn) != 0) return -1;
    }
    if (vm_map_large(&w->vm, L->large_va, L->large_pa) != 0) return -1;
    for (unsigned i = 0; i < 2; i++) {
        uint64_t pfn = L->large_pa / PG + i;
        if (!phys_add(&w->ph, pfn)) return -1;
        if (fill_pattern(w, L->large_va + i * PG, pfn) != 0) return -1;
        if (vm_side_add(&w->vm, L->large_va + i * PG, pfn) != 0) return -1;
    }
    w->s->out_known_va = kva;
    w->s->out_known_len = 4 * PG;
    w->s->out_large_page_va = L->large_va;

    if (w->s->arch == DS_ARCH_X64) {
        /* transition PTE: bit0 = 0, bit10 = 0, bit11 = 1, protection 4 (RW) in 9..5 */
        uint64_t tpfn = phys_alloc(&w->ph);
        if (!tpfn || fill_pattern(w, L->trans_va, tpfn) != 0) return -1;
        if (vm_set_raw_pte(&w->vm, L->trans_va, tpfn * PG | 0x880) != 0) return -1;
        if (vm_side_add(&w->vm, L->trans_va, tpfn) != 0) return -1;
        /* prototype PTE: bit10 = 1 (and bit 11 set too, which must not make it a
           transition PTE); its "address" bits name a present page with data */
        uint64_t proto_va = L->trans_va + PG;
        uint64_t ppfn = phys_alloc(&w->ph);
        if (!ppfn || fill_pattern(w, proto_va, ppfn) != 0) return -1;
        if (vm_set_raw_pte(&w->vm, proto_va, ppfn * PG | 0xC80) != 0) return -1;
        w->s->out_transition_va = L->trans_va;
        w->s->out_prototype_va = proto_va;
    } else {
        w->s->out_transition_va = 0;
        w->s->out_prototype_va = 0;
    }
    return 0;
}

/* --------------------------------------------------------------- all */

static int check_spec(const gen_spec *s, char *err, size_t errlen)
{
    if (s->nmodules == 0 || s->nmodules > GEN_MAX_MODULES) {
        gen_seterr(err, errlen, "need 1..%d modules", GEN_MAX_MODULES);
        return -1;
    }
    if (s->nunloaded > GEN_MAX_UNLOADED) {
        gen_seterr(err, errlen, "at most %d unloaded drivers", GEN_MAX_UNLOADED);
        return -1;
    }
    gen_layout L;
    gen_get_layout(s->arch, s->pae, &L);
    for (size_t i = 0; i < s->nmodules; i++) {
        const gen_module *m = &s->modules[i];
        if (!m->name) {
            gen_seterr(err, errlen, "module %zu has no name", i);
            return -1;
        }
        if (m->base % PG || m->size == 0) {
            gen_seterr(err, errlen, "module %s: base must be page aligned, size > 0", m->name);
            return -1;
        }
        if (s->arch == DS_ARCH_X86 ? (m->base < 0x80000000u || m->base + m->size > 0xFFFFFFFFu)
                                   : (m->base < 0xFFFF800000000000ULL ||
                                      m->base + m->size < m->base)) {
            gen_seterr(err, errlen, "module %s: base is not a kernel address", m->name);
            return -1;
        }
        /* keep clear of the fixed regions */
        uint64_t lo = m->base, hi = m->base + m->size;
        uint64_t fixed[4][2] = {
            {L.pool_va, L.pool_va + 0x100000},
            {L.stack_low, L.stack_low + L.stack_size},
            {L.large_va - 2 * PG, L.large_va + L.large_size},
            {L.trans_va, L.trans_va + 2 * PG},
        };
        for (unsigned f = 0; f < 4; f++)
            if (fixed[f][0] && lo < fixed[f][1] && fixed[f][0] < hi) {
                gen_seterr(err, errlen, "module %s overlaps a generator region", m->name);
                return -1;
            }
        for (size_t j = 0; j < i; j++) {
            const gen_module *o = &s->modules[j];
            if (lo < o->base + o->size && o->base < hi) {
                gen_seterr(err, errlen, "modules %s and %s overlap", m->name, o->name);
                return -1;
            }
        }
    }
    return 0;
}

int world_build(gworld *w, gen_spec *s, char *err, size_t errlen)
{
    memset(w, 0, sizeof *w);
    w->s = s;
    w->is64 = gen_arch_is64(s->arch);
    w->old_kldr = s->build < 9200;
    gen_get_layout(s->arch, s->pae, &w->L);
    if (check_spec(s, err, errlen) != 0) return -1;
    if (s->nchain) {
        gchain c;
        if (chain_plan(s, &c, err, errlen) != 0) return -1;
    }
    if (vm_init(&w->vm, &w->ph, s->arch, s->pae) != 0) goto oom;
    if (map_modules(w, err, errlen) != 0) return -1;
    w->nt_data_va = s->modules[0].base + w->mod[0].img.data_rva;
    w->pool_next = w->pool_mapped_end = w->L.pool_va;
    if (build_globals(w) != 0) goto oom;
    if (build_loader_list(w, err, errlen) != 0) return -1;
    if (build_processor(w) != 0) goto oom;
    if (build_stack(w) != 0) goto oom;
    if (objects_build(w) != 0) goto oom;
    if (build_known(w) != 0) goto oom;
    if (w->vm.oom) goto oom;
    return 0;
oom:
    gen_seterr(err, errlen, "out of memory (or mapping conflict) building the kernel world");
    return -1;
}

void world_free(gworld *w)
{
    for (size_t i = 0; i < GEN_MAX_MODULES; i++) pe_free(&w->mod[i].img);
    vm_free(&w->vm);
    phys_free(&w->ph);
}
