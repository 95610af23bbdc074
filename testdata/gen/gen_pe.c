/*
 * Small but valid PE images, laid out as mapped in memory (RVA = offset):
 *
 *   0x0000 headers (DOS header + stub, NT headers, section table)
 *   0x1000 .text   three functions: DsgWorker, DsgDispatch (calls Worker),
 *                  DsgStart (calls Dispatch), real x64 / x86 / ARM64 code
 *   0x2000 .rdata  debug directory + RSDS, export directory, x64 UNWIND_INFO
 *   0x3000 .pdata  RUNTIME_FUNCTIONs (x64: 12-byte entries; ARM64: packed 8-byte)
 *   ...    .data   kernel only (modules[0]): one page for kernel globals/KDBG
 *   ...    PAGE    if SizeOfImage is larger: the rest, never present in the dump
 */
#include "gen_internal.h"
#include "pe_headers.h"

#include <stdio.h>
#include <stdlib.h>

#define RD_DEBUG 0x000
#define RD_RSDS 0x020
#define RD_EXPORT 0x140
#define RD_UNWIND 0x300
#define PDB_MAX 255
#define MODNAME_MAX 63

uint32_t pe_min_size(int arch, bool kernel)
{
    uint32_t n = arch == DS_ARCH_X86 ? 3 : 4; /* headers, .text, .rdata, (.pdata) */
    return (n + (kernel ? 1 : 0)) * PG;
}

static bool name_is_dll(const char *n)
{
    size_t l = strlen(n);
    if (l < 4) return false;
    const char *e = n + l - 4;
    return e[0] == '.' && (e[1] | 0x20) == 'd' && (e[2] | 0x20) == 'l' && (e[3] | 0x20) == 'l';
}

/* ---------------------------------------------------------------- code */

static void code_x64(uint8_t *t)
{
    static const uint8_t f0[] = {0x48, 0x83, 0xEC, 0x28,  /* sub rsp,28h        */
                                 0x48, 0x8B, 0x01,        /* mov rax,[rcx]      */
                                 0x48, 0x83, 0xC4, 0x28,  /* add rsp,28h        */
                                 0xC3};                   /* ret                */
    static const uint8_t f1[] = {0x53,                    /* push rbx           */
                                 0x48, 0x83, 0xEC, 0x20,  /* sub rsp,20h        */
                                 0x48, 0x8B, 0xD9,        /* mov rbx,rcx        */
                                 0xE8, 0, 0, 0, 0,        /* call DsgWorker     */
                                 0x48, 0x83, 0xC4, 0x20,  /* add rsp,20h        */
                                 0x5B,                    /* pop rbx            */
                                 0xC3};
    static const uint8_t f2[] = {0x55,                    /* push rbp           */
                                 0x48, 0x83, 0xEC, 0x20,  /* sub rsp,20h        */
                                 0x48, 0x8D, 0x6C, 0x24, 0x20, /* lea rbp,[rsp+20h] */
                                 0xE8, 0, 0, 0, 0,        /* call DsgDispatch   */
                                 0x48, 0x83, 0xC4, 0x20,  /* add rsp,20h        */
                                 0x5D,                    /* pop rbp            */
                                 0xC3};
    memset(t, 0xCC, 0x60);
    memcpy(t + 0x00, f0, sizeof f0);
    memcpy(t + 0x20, f1, sizeof f1);
    memcpy(t + 0x40, f2, sizeof f2);
    put32(t + 0x29, (uint32_t)(0x00 - 0x2D)); /* call at 0x28, next insn 0x2D */
    put32(t + 0x4B, (uint32_t)(0x20 - 0x4F)); /* call at 0x4A, next insn 0x4F */
}

static void code_x86(uint8_t *t)
{
    static const uint8_t f0[] = {0x55, 0x8B, 0xEC,        /* push ebp; mov ebp,esp */
                                 0x8B, 0x01,              /* mov eax,[ecx]      */
                                 0x5D, 0xC3};             /* pop ebp; ret       */
    static const uint8_t f1[] = {0x55, 0x8B, 0xEC,        /* push ebp; mov ebp,esp */
                                 0x83, 0xEC, 0x08,        /* sub esp,8          */
                                 0xE8, 0, 0, 0, 0,        /* call               */
                                 0x8B, 0xE5, 0x5D, 0xC3}; /* mov esp,ebp; pop ebp; ret */
    memset(t, 0xCC, 0x30);
    memcpy(t + 0x00, f0, sizeof f0);
    memcpy(t + 0x10, f1, sizeof f1);
    memcpy(t + 0x20, f1, sizeof f1);
    put32(t + 0x17, (uint32_t)(0x00 - 0x1B)); /* DsgDispatch -> DsgWorker */
    put32(t + 0x27, (uint32_t)(0x10 - 0x2B)); /* DsgStart -> DsgDispatch */
}

static void code_arm64(uint8_t *t)
{
    static const uint32_t f0[5] = {0xA9BF7BFD,  /* stp x29,x30,[sp,#-16]! */
                                   0x910003FD,  /* mov x29,sp             */
                                   0xF9400000,  /* ldr x0,[x0]            */
                                   0xA8C17BFD,  /* ldp x29,x30,[sp],#16   */
                                   0xD65F03C0}; /* ret                    */
    memset(t, 0, 0x60);
    for (unsigned f = 0; f < 3; f++)
        for (unsigned i = 0; i < 5; i++) put32(t + 0x20 * f + 4 * i, f0[i]);
    /* bl: imm26 = (target - pc) / 4 */
    put32(t + 0x28, 0x94000000u | (((uint32_t)((int32_t)(0x00 - 0x28) / 4)) & 0x3FFFFFFu));
    put32(t + 0x48, 0x94000000u | (((uint32_t)((int32_t)(0x20 - 0x48) / 4)) & 0x3FFFFFFu));
}

/* Extra functions (gen_module.funcs): the classic shapes again at their own RVA,
   their call aimed at the module's DsgWorker (LEAF has none), plus the trap
   handler shape. Returns the function's length in bytes. */
static uint32_t code_extra(int arch, int kind, uint8_t *t, uint32_t rva)
{
    static const uint8_t trap64[] = {0x55,                               /* push rbp           */
                                     0x48, 0x81, 0xEC, 0x58, 0x01, 0, 0, /* sub rsp,158h       */
                                     0x48, 0x8D, 0xAC, 0x24, 0x80, 0, 0, 0, /* lea rbp,[rsp+80h] */
                                     0xE8, 0, 0, 0, 0,                   /* call               */
                                     0x48, 0x8D, 0xA5, 0xD8, 0, 0, 0,    /* lea rsp,[rbp+0D8h] */
                                     0x5D,                               /* pop rbp            */
                                     0x48, 0x83, 0xC4, 0x08,             /* add rsp,8          */
                                     0x48, 0xCF};                        /* iretq              */
    static const uint8_t trap86[] = {0x83, 0xEC, 0x64,                   /* sub esp,64h        */
                                     0x8B, 0xEC,                         /* mov ebp,esp        */
                                     0x6A, 0, 0x6A, 0, 0x6A, 0, 0x6A, 0, 0x6A, 0, /* push 0 x5 */
                                     0xE8, 0, 0, 0, 0,                   /* call               */
                                     0x8B, 0xE5, 0x83, 0xC4, 0x68,       /* mov esp,ebp; add esp,68h */
                                     0xCF};                              /* iretd              */
    uint8_t tmp[0x60];
    uint32_t len, call_end = 0;
    if (arch == DS_ARCH_X64) {
        code_x64(tmp);
        if (kind == GEN_FN_TRAP) { memcpy(t, trap64, sizeof trap64); len = sizeof trap64; call_end = 0x15; }
        else if (kind == GEN_FN_CALL) { memcpy(t, tmp + 0x20, 0x13); len = 0x13; call_end = 0x0D; }
        else if (kind == GEN_FN_FRAME) { memcpy(t, tmp + 0x40, 0x15); len = 0x15; call_end = 0x0F; }
        else { memcpy(t, tmp, 0x0C); len = 0x0C; }
        if (call_end) put32(t + call_end - 4, (uint32_t)(0x1000 - (rva + call_end)));
    } else if (arch == DS_ARCH_X86) {
        code_x86(tmp);
        if (kind == GEN_FN_TRAP) { memcpy(t, trap86, sizeof trap86); len = sizeof trap86; call_end = 0x14; }
        else if (kind == GEN_FN_LEAF) { memcpy(t, tmp, 0x07); len = 0x07; }
        else { memcpy(t, tmp + 0x10, 0x0F); len = 0x0F; call_end = 0x0B; }
        if (call_end) put32(t + call_end - 4, (uint32_t)(0x1000 - (rva + call_end)));
    } else {
        code_arm64(tmp);
        memcpy(t, tmp, 20);
        len = 20;
        if (kind != GEN_FN_LEAF) /* bl DsgWorker */
            put32(t + 8, 0x94000000u | (((uint32_t)((int32_t)(0x1000 - (int32_t)(rva + 8)) / 4)) &
                                        0x3FFFFFFu));
    }
    return len;
}

/* x64 UNWIND_INFO of the trap handler shape: PUSH_MACHFRAME (with error code),
   push rbp, sub rsp,158h, lea rbp,[rsp+80h] (frame register rbp, offset 0x80) */
static const uint8_t unwind_trap64[16] = {0x01, 16, 5, 0x85,
                                          16, 0x03,        /* SET_FPREG          */
                                          8, 0x01, 0x2B, 0, /* ALLOC_LARGE 0x158 */
                                          1, 0x50,         /* PUSH_NONVOL rbp    */
                                          0, 0x1A,         /* PUSH_MACHFRAME 1   */
                                          0, 0};
#define RD_UNWIND_TRAP (RD_UNWIND + 0x20)
#define RD_EXPORT_EXTRA 0x400

/* x64 UNWIND_INFO for the three functions; returns bytes written */
static uint32_t unwind_x64(uint8_t *u, uint32_t off[3])
{
    /* DsgWorker: sub rsp,28h (ends at 4) -> UWOP_ALLOC_SMALL (op 2), info (0x28-8)/8 = 4 */
    static const uint8_t w[] = {0x01, 4, 1, 0x00, 4, 0x42, 0, 0};
    /* DsgDispatch: push rbx (1), sub rsp,20h (5) -> codes descending by offset */
    static const uint8_t d[] = {0x01, 5, 2, 0x00, 5, 0x32, 1, 0x30};
    /* DsgStart: push rbp (1), sub rsp,20h (5), lea rbp,[rsp+20h] (10):
       FrameRegister 5 (rbp), FrameOffset 2 (x16 = 0x20); UWOP_SET_FPREG op 3 */
    static const uint8_t s[] = {0x01, 10, 3, 0x25, 10, 0x03, 5, 0x32, 1, 0x50, 0, 0};
    memcpy(u, w, sizeof w);
    off[0] = 0;
    memcpy(u + 8, d, sizeof d);
    off[1] = 8;
    memcpy(u + 16, s, sizeof s);
    off[2] = 16;
    return 16 + sizeof s;
}

/* ------------------------------------------------------------ builder */

typedef struct sect {
    const char *name;
    uint32_t rva, vsize, chars;
} sect;

int pe_build(const gen_spec *s, size_t modidx, gen_image *img, char *err, size_t errlen)
{
    const gen_module *m = &s->modules[modidx];
    bool kernel = modidx == 0;
    bool pe64 = gen_arch_is64(s->arch);
    memset(img, 0, sizeof *img);

    if (!m->name || !*m->name || strlen(m->name) > MODNAME_MAX) {
        gen_seterr(err, errlen, "module %zu: name missing or longer than %d", modidx,
                   MODNAME_MAX);
        return -1;
    }
    if (m->pdb_name && strlen(m->pdb_name) > PDB_MAX) {
        gen_seterr(err, errlen, "module %s: pdb_name too long", m->name);
        return -1;
    }
    uint32_t content = pe_min_size(s->arch, kernel);
    if (m->size < content || m->size % PG) {
        gen_seterr(err, errlen, "module %s: size 0x%x must be a page multiple >= 0x%x", m->name,
                   m->size, content);
        return -1;
    }
    img->bytes = calloc(1, content);
    if (!img->bytes) {
        gen_seterr(err, errlen, "out of memory");
        return -1;
    }
    img->content_size = content;
    img->text_rva = 0x1000;
    img->rdata_rva = 0x2000;
    img->pdata_rva = pe64 ? 0x3000 : 0;
    img->data_rva = kernel ? content - PG : 0;
    img->entry_rva = gen_func_rva(s->arch, 2);
    uint8_t *b = img->bytes;

    /* .text */
    uint32_t text_vsize;
    if (s->arch == DS_ARCH_X64) { code_x64(b + 0x1000); text_vsize = 0x55; }
    else if (s->arch == DS_ARCH_X86) { code_x86(b + 0x1000); text_vsize = 0x2F; }
    else { code_arm64(b + 0x1000); text_vsize = 0x54; }
    size_t nx = m->nfuncs;
    uint32_t xlen[GEN_MAX_FUNCS] = {0};
    if (nx > GEN_MAX_FUNCS) {
        gen_seterr(err, errlen, "module %s: more than %d extra functions", m->name, GEN_MAX_FUNCS);
        pe_free(img);
        return -1;
    }
    for (size_t j = 0; j < nx; j++) {
        const gen_func *f = &m->funcs[j];
        uint32_t rva = GEN_EXTRA_TEXT + GEN_EXTRA_STRIDE * (uint32_t)j;
        bool trap_ok = s->arch != DS_ARCH_ARM64;
        if (!f->name || !*f->name || strlen(f->name) > MODNAME_MAX || f->kind < GEN_FN_LEAF ||
            f->kind > (trap_ok ? GEN_FN_TRAP : GEN_FN_FRAME)) {
            gen_seterr(err, errlen, "module %s: extra function %zu invalid", m->name, j);
            pe_free(img);
            return -1;
        }
        memset(b + rva, s->arch == DS_ARCH_ARM64 ? 0 : 0xCC, GEN_EXTRA_STRIDE);
        xlen[j] = code_extra(s->arch, f->kind, b + rva, rva);
        text_vsize = rva + xlen[j] - 0x1000;
    }

    /* .rdata: debug directory + RSDS */
    uint8_t *rd = b + 0x2000;
    const char *pdb = m->pdb_name ? m->pdb_name : "";
    uint32_t rsds_len = 0x18 + (uint32_t)strlen(pdb) + 1;
    put32(rd + RD_DEBUG + 0x04, m->timestamp);
    put32(rd + RD_DEBUG + 0x0C, 2); /* IMAGE_DEBUG_TYPE_CODEVIEW */
    put32(rd + RD_DEBUG + 0x10, rsds_len);
    put32(rd + RD_DEBUG + 0x14, 0x2000 + RD_RSDS);
    put32(rd + RD_DEBUG + 0x18, 0x400 + 0x200 + RD_RSDS); /* file offset: .rdata raw at 0x600 */
    memcpy(rd + RD_RSDS, "RSDS", 4);
    memcpy(rd + RD_RSDS + 4, m->guid, 16);
    put32(rd + RD_RSDS + 0x14, m->age);
    memcpy(rd + RD_RSDS + 0x18, pdb, strlen(pdb) + 1);

    /* export directory: 3 functions, names sorted */
    uint32_t export_size, rdata_vsize, exr;
    if (nx == 0) {
        uint8_t *ex = rd + RD_EXPORT;
        exr = 0x2000 + RD_EXPORT;
        put32(ex + 0x04, m->timestamp);
        put32(ex + 0x0C, exr + 0x48);
        put32(ex + 0x10, 1);
        put32(ex + 0x14, 3);
        put32(ex + 0x18, 3);
        put32(ex + 0x1C, exr + 0x28);
        put32(ex + 0x20, exr + 0x34);
        put32(ex + 0x24, exr + 0x40);
        for (unsigned i = 0; i < 3; i++) put32(ex + 0x28 + 4 * i, gen_func_rva(s->arch, i));
        memcpy(ex + 0x48, m->name, strlen(m->name) + 1);
        static const unsigned sorted[3] = {1, 2, 0}; /* DsgDispatch < DsgStart < DsgWorker */
        uint32_t so = 0x88;
        for (unsigned k = 0; k < 3; k++) {
            const char *fn = gen_func_name(sorted[k]);
            put32(ex + 0x34 + 4 * k, exr + so);
            put16(ex + 0x40 + 2 * k, (uint16_t)sorted[k]);
            memcpy(ex + so, fn, strlen(fn) + 1);
            so += (uint32_t)strlen(fn) + 1;
        }
        export_size = so;
        rdata_vsize = RD_EXPORT + so;
    } else {
        /* the classic three and the extras, at RD_EXPORT_EXTRA (more room) */
        uint8_t *ex = rd + RD_EXPORT_EXTRA;
        exr = 0x2000 + RD_EXPORT_EXTRA;
        unsigned nf = 3 + (unsigned)nx;
        const char *names[3 + GEN_MAX_FUNCS];
        unsigned ord[3 + GEN_MAX_FUNCS];
        for (unsigned i = 0; i < nf; i++) {
            names[i] = i < 3 ? gen_func_name(i) : m->funcs[i - 3].name;
            ord[i] = i;
        }
        for (unsigned i = 1; i < nf; i++) /* insertion sort by name (strcmp order) */
            for (unsigned k = i; k > 0 && strcmp(names[ord[k - 1]], names[ord[k]]) > 0; k--) {
                unsigned t = ord[k];
                ord[k] = ord[k - 1];
                ord[k - 1] = t;
            }
        uint32_t funcs = 0x28, namep = funcs + 4 * nf, ords = namep + 4 * nf;
        uint32_t so = ords + 2 * nf;
        put32(ex + 0x04, m->timestamp);
        put32(ex + 0x0C, exr + so);
        memcpy(ex + so, m->name, strlen(m->name) + 1);
        so += (uint32_t)strlen(m->name) + 1;
        put32(ex + 0x10, 1);
        put32(ex + 0x14, nf);
        put32(ex + 0x18, nf);
        put32(ex + 0x1C, exr + funcs);
        put32(ex + 0x20, exr + namep);
        put32(ex + 0x24, exr + ords);
        for (unsigned i = 0; i < nf; i++)
            put32(ex + funcs + 4 * i, i < 3 ? gen_func_rva(s->arch, i)
                                            : GEN_EXTRA_TEXT + GEN_EXTRA_STRIDE * (i - 3));
        for (unsigned k = 0; k < nf; k++) {
            const char *fn = names[ord[k]];
            put32(ex + namep + 4 * k, exr + so);
            put16(ex + ords + 2 * k, (uint16_t)ord[k]);
            memcpy(ex + so, fn, strlen(fn) + 1);
            so += (uint32_t)strlen(fn) + 1;
        }
        export_size = so;
        rdata_vsize = RD_EXPORT_EXTRA + so;
    }

    /* unwind data and .pdata */
    if (s->arch == DS_ARCH_X64) {
        uint32_t uo[3];
        uint32_t ul = unwind_x64(rd + RD_UNWIND, uo);
        if (nx == 0) rdata_vsize = RD_UNWIND + ul;
        uint8_t *pd = b + 0x3000;
        for (unsigned i = 0; i < 3; i++) {
            uint32_t beg = gen_func_rva(s->arch, i);
            put32(pd + 12 * i, beg);
            put32(pd + 12 * i + 4, beg + gen_func_size(s->arch, i));
            put32(pd + 12 * i + 8, 0x2000 + RD_UNWIND + uo[i]);
        }
        img->pdata_size = 36;
        if (nx) memcpy(rd + RD_UNWIND_TRAP, unwind_trap64, sizeof unwind_trap64);
        for (size_t j = 0; j < nx; j++) {
            int k = m->funcs[j].kind;
            uint32_t beg = GEN_EXTRA_TEXT + GEN_EXTRA_STRIDE * (uint32_t)j;
            uint32_t u = k == GEN_FN_TRAP ? RD_UNWIND_TRAP : RD_UNWIND + uo[k];
            put32(pd + img->pdata_size, beg);
            put32(pd + img->pdata_size + 4, beg + xlen[j]);
            put32(pd + img->pdata_size + 8, 0x2000 + u);
            img->pdata_size += 12;
        }
    } else if (s->arch == DS_ARCH_ARM64) {
        /* packed: Flag 1, FunctionLength (insns), RegF 0, RegI 0, H 0, CR 3 (chained
           stp fp,lr / mov fp,sp), FrameSize 1 (x16 bytes) */
        uint8_t *pd = b + 0x3000;
        for (unsigned i = 0; i < 3 + nx; i++) {
            uint32_t beg = i < 3 ? gen_func_rva(s->arch, i)
                                 : GEN_EXTRA_TEXT + GEN_EXTRA_STRIDE * (i - 3);
            uint32_t len = (i < 3 ? gen_func_size(s->arch, i) : xlen[i - 3]) / 4;
            uint32_t packed = 1u | (len << 2) | (3u << 21) | (1u << 23);
            put32(pd + 8 * i, beg);
            put32(pd + 8 * i + 4, packed);
        }
        img->pdata_size = 8 * (3 + (uint32_t)nx);
    }

    /* sections, laid out in the file one after the other from 0x400 */
    pe_headers h = {.timestamp = m->timestamp, .entry_rva = img->entry_rva,
                    .checksum = m->checksum, .size_of_image = m->size, .base = m->base};
    h.machine = s->arch == DS_ARCH_X64 ? 0x8664 : s->arch == DS_ARCH_ARM64 ? 0xAA64 : 0x14C;
    h.characteristics = pe_default_characteristics(h.machine);
    if (name_is_dll(m->name))
        h.characteristics |= 0x2000;
    const sect sec[5] = {
        {".text", 0x1000, text_vsize, 0x60000020},
        {".rdata", 0x2000, rdata_vsize, 0x40000040},
        {pe64 ? ".pdata" : NULL, 0x3000, img->pdata_size, 0x40000040},
        {kernel ? ".data" : NULL, img->data_rva, PG, 0xC8000040},
        {m->size > content ? "PAGE" : NULL, content, m->size - content, 0x60000020},
    };
    uint32_t raw_ptr = PE_HEADERS_SIZE;
    for (unsigned i = 0; i < 5; i++) {
        if (!sec[i].name)
            continue;
        pe_section_hdr *e = &h.sec[h.nsec++];
        snprintf(e->name, sizeof e->name, "%s", sec[i].name);
        e->rva = sec[i].rva;
        e->vsize = sec[i].vsize;
        e->raw_size = (uint32_t)align_up(sec[i].vsize, 0x200);
        e->raw_ptr = raw_ptr;
        e->chars = sec[i].chars;
        raw_ptr += e->raw_size;
    }
    h.dir_rva[0] = exr;
    h.dir_size[0] = export_size;
    if (pe64) {
        h.dir_rva[3] = 0x3000;
        h.dir_size[3] = img->pdata_size;
    }
    h.dir_rva[6] = 0x2000 + RD_DEBUG;
    h.dir_size[6] = 28;
    pe_write_headers(b, &h);
    return 0;
}

void pe_free(gen_image *img)
{
    free(img->bytes);
    img->bytes = NULL;
}
