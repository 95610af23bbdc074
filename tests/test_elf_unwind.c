/* ELF modules: symbols and DWARF CFI of a real ELF file (tests/data/
 * elf_sample.c, built with frame pointers). The expected frames come from
 * ABI facts, not from the CFI itself: at a function's first instruction the
 * return address is at [rsp] and the caller's sp is rsp + 8; after
 * "push rbp; mov rbp, rsp" the CFA is rbp + 16, the return address sits at
 * CFA - 8 and the saved rbp at CFA - 16. */
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include "analysis/stacks.h"
#include "check.h"
#include "elf_testutil.h"
#include "model/model.h"
#include "symbols/elf.h"

#define STACK_VA 0x7ffd0000ull
#define BASE 0x555555554000ull

static void spit(const char *path, const uint8_t *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return;
    fwrite(b, 1, n, f);
    fclose(f);
}

/* Independent of ds_elfsym: the symbol's value, and its first code bytes. */
static bool find_func(uint8_t *file, size_t size, const char *want, uint64_t *addr,
                      uint8_t *code, size_t ncode)
{
    uint64_t len;
    const uint8_t *at;
    if (!find_sym(file, size, want, addr, &len, ncode, &at) || !at)
        return false;
    memcpy(code, at, ncode);
    return true;
}

static void put64(uint8_t *stack, uint64_t va, uint64_t v)
{
    memcpy(stack + (va - STACK_VA), &v, 8);
}

static void x64_context(ds_context *c, uint64_t pc, uint64_t sp, uint64_t bp)
{
    memset(c, 0, sizeof *c);
    c->arch = DS_ARCH_X64;
    c->regs[16] = c->pc = pc;
    c->regs[4] = c->sp = sp;
    c->regs[5] = c->fp = bp;
    c->regs[3] = 0x1234; /* rbx: callee-saved */
    c->regs[0] = 0x5678; /* rax: not preserved */
    c->valid = 0x3FFFF;
}

/* Section header i of a 64-bit little-endian ELF (the sample's own kind). */
static uint8_t *shdr_at(uint8_t *b, size_t size, size_t i)
{
    uint64_t shoff;
    memcpy(&shoff, b + 0x28, 8);
    uint16_t entsize = (uint16_t)(b[0x3A] | b[0x3B] << 8);
    uint64_t at = shoff + i * entsize;
    return entsize == 64 && at + 64 <= size ? b + at : NULL;
}

/* Index of the section called name, or 0. */
static size_t find_section(const uint8_t *file, size_t size, const char *name)
{
    Elf *elf = elf_memory((char *)file, size);
    size_t strndx, found = 0;
    Elf_Scn *scn = NULL;
    while (elf && elf_getshdrstrndx(elf, &strndx) == 0 && (scn = elf_nextscn(elf, scn))) {
        GElf_Shdr sh;
        const char *n = gelf_getshdr(scn, &sh) ? elf_strptr(elf, strndx, sh.sh_name) : NULL;
        if (n && strcmp(n, name) == 0) {
            found = elf_ndxscn(scn);
            break;
        }
    }
    if (elf)
        elf_end(elf);
    return found;
}

/*
 * Regression (issue 9.9): a section table that lies must not reach libdwarf,
 * which trusted it and asked malloc for the claimed inflated size (1.6 TiB).
 * Each variant must still open (symbols come from libelf) and fail the CFI
 * step cleanly; the sane file keeps working.
 */
static void section_bombs(const uint8_t *file, size_t size, uint64_t g_addr)
{
    size_t ndx = find_section(file, size, ".eh_frame");
    CHECK(ndx != 0);
    char path[] = "/tmp/ds_elf_bomb_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || ndx == 0)
        return;
    close(fd);
    uint8_t stack[256] = {0};
    ds_memview m;
    ds_mem_init(&m, (ds_bytes){.data = stack, .size = sizeof stack});
    ds_mem_add_region(&m, STACK_VA, sizeof stack, 0);
    ds_mem_finish_regions(&m);
    for (int variant = 0; variant < 5; variant++) {
        uint8_t *b = malloc(size);
        memcpy(b, file, size);
        /* the last variant lies about the symbol table instead */
        uint8_t *sh = shdr_at(b, size, variant == 4 ? find_section(file, size, ".symtab") : ndx);
        CHECK(sh != NULL);
        if (!sh) {
            free(b);
            break;
        }
        uint64_t off, len, flags;
        memcpy(&off, sh + 0x18, 8);
        memcpy(&len, sh + 0x20, 8);
        memcpy(&flags, sh + 0x08, 8);
        if (variant == 0) { /* SHF_COMPRESSED, zlib, "inflates" to 1.6 TiB */
            flags |= 0x800;
            uint8_t chdr[24] = {1, 0, 0, 0, 0, 0, 0, 0};
            uint64_t claimed = 0x19000000000ull, align = 8;
            memcpy(chdr + 8, &claimed, 8);
            memcpy(chdr + 16, &align, 8);
            memcpy(b + off, chdr, sizeof chdr);
            memcpy(sh + 0x08, &flags, 8);
        } else if (variant == 1) { /* offset + size wraps around to 0x10 */
            len = 0x19000000000ull;
            off = 0 - len + 0x10;
            memcpy(sh + 0x18, &off, 8);
            memcpy(sh + 0x20, &len, 8);
        } else if (variant == 2) { /* a size the file cannot hold */
            len = 0xFFFFFFFFFFFF0000ull;
            memcpy(sh + 0x20, &len, 8);
        } else if (variant == 3) { /* a section header entry size libdwarf would misread */
            b[0x3A] = 65;
        } else { /* .symtab offset + size wraps */
            len = 0x19000000000ull;
            off = 0 - len + 0x10;
            memcpy(sh + 0x18, &off, 8);
            memcpy(sh + 0x20, &len, 8);
        }
        spit(path, b, size);
        free(b);
        ds_error err;
        ds_elfsym *e = ds_elfsym_open(path, &err);
        if (e) {
            ds_context c, out;
            x64_context(&c, g_addr, STACK_VA + 0x80, STACK_VA + 0x80);
            CHECK(!ds_elfsym_unwind(e, g_addr, &c, &m, 0, &out));
            ds_elfsym_close(e);
        }
    }
    unlink(path);
    ds_mem_free(&m);
}

static void hostile(const uint8_t *file, size_t size, uint64_t g_addr)
{
    char path[] = "/tmp/ds_elf_test_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return;
    close(fd);
    uint8_t stack[256] = {0};
    ds_memview m;
    ds_mem_init(&m, (ds_bytes){.data = stack, .size = sizeof stack});
    ds_mem_add_region(&m, STACK_VA, sizeof stack, 0);
    ds_mem_finish_regions(&m);
    ds_context c, out;
    x64_context(&c, g_addr, STACK_VA + 0x80, STACK_VA + 0x80);
    size_t cuts[] = {0, 16, 64, size / 4, size / 2, size * 3 / 4, size - 64, size - 1};
    uint32_t seed = 12345;
    for (int round = 0; round < 8 + 16; round++) {
        uint8_t *b = malloc(size);
        memcpy(b, file, size);
        size_t n = size;
        if (round < 8) {
            n = cuts[round];
        } else {
            /* corrupt bytes: first pure noise after the ident, then sprinkles */
            size_t from = round == 8 ? 16 : 0, count = round == 8 ? size : (size_t)(64 + round * 32);
            for (size_t k = 0; k < count && k < size; k++) {
                seed = seed * 1103515245u + 12345u;
                size_t at = round == 8 ? from + k : (seed >> 8) % size;
                if (at < size)
                    b[at] = (uint8_t)(seed >> 16);
            }
        }
        spit(path, b, n);
        ds_error err;
        ds_elfsym *e = ds_elfsym_open(path, &err);
        if (e) {
            char name[64];
            uint64_t st, sz;
            uint8_t id[32];
            size_t idl;
            ds_elfsym_build_id(e, id, sizeof id, &idl);
            ds_elfsym_lookup(e, g_addr, name, sizeof name, &st, &sz);
            for (uint64_t d = 0; d < 16; d++) {
                c.pc = c.regs[16] = g_addr + d;
                ds_elfsym_unwind(e, g_addr + d, &c, &m, 0, &out);
            }
            ds_elfsym_close(e);
        }
        free(b);
    }
    ds_mem_free(&m);
    unlink(path);
    CHECK(1); /* reached: nothing crashed */
}

int main(void)
{
    elf_version(EV_CURRENT);
    size_t size;
    uint8_t *file = slurp(ELF_SAMPLE, &size);
    CHECK(file != NULL);
    if (!file)
        return check_report("test_elf_unwind");
    uint64_t f_addr = 0, g_addr = 0;
    uint8_t f_code[16], g_code[16];
    CHECK(find_func(file, size, "elf_sample_f", &f_addr, f_code, sizeof f_code));
    CHECK(find_func(file, size, "elf_sample_g", &g_addr, g_code, sizeof g_code));

    ds_error err;
    ds_elfsym *e = ds_elfsym_open(ELF_SAMPLE, &err);
    CHECK(e != NULL);
    if (!e)
        return check_report("test_elf_unwind");
    uint8_t id[32];
    size_t idlen = 0;
    CHECK(ds_elfsym_build_id(e, id, sizeof id, &idlen));
    CHECK(idlen >= 8 && idlen <= 32);

    /* symbols */
    char name[128];
    uint64_t start = 0, fsize = 0;
    CHECK(ds_elfsym_lookup(e, g_addr, name, sizeof name, &start, &fsize));
    CHECK_STR(name, "elf_sample_g");
    CHECK_EQ_U64(start, g_addr);
    CHECK(fsize > 0);
    CHECK(ds_elfsym_lookup(e, f_addr + 3, name, sizeof name, &start, &fsize));
    CHECK_STR(name, "elf_sample_f");
    CHECK_EQ_U64(start, f_addr);
    CHECK(!ds_elfsym_lookup(e, 0, name, sizeof name, &start, &fsize));

    /* a hostile name buffer size */
    char tiny[4];
    CHECK(ds_elfsym_lookup(e, g_addr, tiny, sizeof tiny, NULL, NULL));
    CHECK_STR(tiny, "elf");

#if defined(__x86_64__)
    uint64_t bias = BASE - ds_elfsym_min_vaddr(e);
    uint64_t ra = bias + f_addr + 9; /* some address inside f */
    uint8_t stack[256] = {0};
    ds_memview m;
    ds_mem_init(&m, (ds_bytes){.data = stack, .size = sizeof stack});
    ds_mem_add_region(&m, STACK_VA, sizeof stack, 0);
    ds_mem_finish_regions(&m);
    ds_context c, out;

    /* 1. g's first instruction: [rsp] = return address, caller sp = rsp + 8 */
    uint64_t rsp = STACK_VA + 0x80;
    put64(stack, rsp, ra);
    x64_context(&c, bias + g_addr, rsp, 0xdead0000);
    CHECK(ds_elfsym_unwind(e, g_addr, &c, &m, bias, &out));
    CHECK_EQ_U64(out.pc, ra);
    CHECK_EQ_U64(out.sp, rsp + 8);
    CHECK_EQ_U64(out.regs[16], ra);
    CHECK_EQ_U64(out.regs[4], rsp + 8);
    CHECK_EQ_U64(out.regs[5], 0xdead0000); /* rbp untouched yet */
    CHECK_EQ_U64(out.regs[3], 0x1234);
    CHECK(!(out.valid >> 0 & 1)); /* rax is not preserved across calls */

    /* 2. after "push rbp; mov rbp, rsp" (optionally after endbr64) */
    size_t skip = 0;
    if (memcmp(g_code, "\xf3\x0f\x1e\xfa", 4) == 0)
        skip = 4;
    bool prologue = memcmp(g_code + skip, "\x55\x48\x89\xe5", 4) == 0;
    CHECK(prologue);
    if (prologue) {
        uint64_t off = skip + 4, cfa = STACK_VA + 0x90, saved_bp = STACK_VA + 0xC0;
        memset(stack, 0, sizeof stack);
        put64(stack, cfa - 8, ra);
        put64(stack, cfa - 16, saved_bp);
        x64_context(&c, bias + g_addr + off, cfa - 16, cfa - 16);
        CHECK(ds_elfsym_unwind(e, g_addr + off, &c, &m, bias, &out));
        CHECK_EQ_U64(out.pc, ra);
        CHECK_EQ_U64(out.sp, cfa);
        CHECK_EQ_U64(out.regs[5], saved_bp);
        CHECK_EQ_U64(out.fp, saved_bp);
        CHECK_EQ_U64(out.regs[3], 0x1234);

        /* the same frame through the stacks stage: names and the step */
        char dir[4096];
        snprintf(dir, sizeof dir, "%s", ELF_SAMPLE);
        char *slash = strrchr(dir, '/');
        if (slash)
            *slash = '\0';
        ds_open_options opt = {DS_OPEN_OPTIONS_INIT, .symbol_path = dir};
        ds_crash *cr = elf_test_crash("elf_sample", id, idlen, &c, BASE, STACK_VA, 256);
        CHECK(ds_analysis_stacks(cr, &m, &opt) == 0);
        CHECK(cr->nstacks == 1);
        if (cr->nstacks == 1 && cr->stacks[0].nframes >= 2) {
            const ds_frame *fr = cr->stacks[0].frames;
            CHECK_STR(fr[0].function, "elf_sample_g");
            CHECK(fr[0].symbol_source == DS_SYM_ELF);
            CHECK_EQ_U64(fr[0].function_offset, off);
            CHECK(fr[0].exact);
            CHECK_EQ_U64(fr[1].pc, ra);
            CHECK_EQ_U64(fr[1].sp, cfa);
            CHECK(fr[1].trust == DS_TRUST_UNWIND_INFO);
            CHECK_STR(fr[1].function, "elf_sample_f");
            CHECK_EQ_U64(fr[1].function_offset, 9);
        } else {
            CHECK(!"two frames");
        }
        CHECK(cr->modules[0].symbol_file != NULL);
        CHECK(cr->modules[0].symbol_problem == NULL);
        ds_crash_free(cr);
        free(cr);

        /* a build-id mismatch: reported, not used */
        uint8_t wrong[32];
        memcpy(wrong, id, idlen);
        wrong[0] ^= 0xFF;
        cr = elf_test_crash("elf_sample", wrong, idlen, &c, BASE, STACK_VA, 256);
        CHECK(ds_analysis_stacks(cr, &m, &opt) == 0);
        CHECK(cr->modules[0].symbol_file == NULL);
        CHECK(cr->modules[0].symbol_problem &&
              strstr(cr->modules[0].symbol_problem, "does not match"));
        if (cr->nstacks == 1 && cr->stacks[0].nframes >= 1)
            CHECK(cr->stacks[0].frames[0].symbol_source != DS_SYM_ELF);
        ds_crash_free(cr);
        free(cr);
    }

    /* no FDE: false */
    CHECK(!ds_elfsym_unwind(e, 0, &c, &m, bias, &out));
    /* an unknown architecture: false */
    c.arch = DS_ARCH_UNKNOWN;
    CHECK(!ds_elfsym_unwind(e, g_addr, &c, &m, bias, &out));
    ds_mem_free(&m);
#else
    printf("test_elf_unwind: CFI frame checks are written for x86-64; skipped here\n");
#endif
    ds_elfsym_close(e);

    /* a module whose file is not ELF, and a missing file */
    CHECK(ds_elfsym_open("/nonexistent/elf_sample", &err) == NULL);

    hostile(file, size, g_addr);
    section_bombs(file, size, g_addr);
    free(file);
    return check_report("test_elf_unwind");
}
