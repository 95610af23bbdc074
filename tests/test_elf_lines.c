/* ELF modules: source lines and inlined calls from DWARF, over a real ELF
 * file (tests/data/elf_lines.c) built here twice, with the compiler's
 * DWARF version and with DWARF 4. The expected lines come from the "@"
 * markers of the source, the addresses from the symbol table and the call
 * instruction's bytes (x86-64), not from the DWARF being tested. */
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

/* Line number of the source line holding marker ("@leaf" ...). */
static unsigned marker_line(const char *marker)
{
    FILE *f = fopen(ELF_LINES_SOURCE, "r");
    char line[512];
    unsigned n = 0, found = 0;
    while (f && fgets(line, sizeof line, f)) {
        n++;
        char want[64];
        snprintf(want, sizeof want, "/* %s */", marker);
        if (strstr(line, want))
            found = n;
    }
    if (f)
        fclose(f);
    CHECK(found != 0);
    return found;
}

static bool ends_with(const char *s, const char *tail)
{
    size_t a = s ? strlen(s) : 0, b = strlen(tail);
    return a >= b && strcmp(s + a - b, tail) == 0;
}

static void check_file(const char *path)
{
    printf("%s\n", path);
    size_t size = 0;
    uint8_t *file = slurp(path, &size);
    CHECK(file != NULL);
    if (!file)
        return;
    unsigned l_leaf = marker_line("@leaf"), l_call_leaf = marker_line("@call_leaf"),
             l_call_mid = marker_line("@call_mid"), l_call_callee = marker_line("@call_callee");
    uint64_t marker = 0, callee = 0, outer = 0, mlen, clen, olen;
    const uint8_t *mcode, *ccode, *ocode;
    CHECK(find_sym(file, size, "lines_marker", &marker, &mlen, 0, &mcode));
    CHECK(find_sym(file, size, "lines_callee", &callee, &clen, 0, &ccode));
    CHECK(find_sym(file, size, "lines_outer", &outer, &olen, 0, &ocode));
    /* the whole of lines_outer, to find its call */
    CHECK(find_sym(file, size, "lines_outer", &outer, &olen, olen, &ocode));

    ds_error err;
    ds_elfsym *e = ds_elfsym_open(path, &err);
    CHECK(e != NULL);
    if (!e) {
        free(file);
        return;
    }
    /* the marker: lines_leaf inlined into lines_mid inlined into lines_callee */
    ds_srcloc loc;
    CHECK(ds_elfsym_source(e, marker, &loc));
    for (size_t i = 0; i < loc.n; i++)
        printf("  %zu %s %s:%u\n", i, loc.pos[i].function, loc.pos[i].file, loc.pos[i].line);
    CHECK_EQ_U64(loc.n, 3);
    if (loc.n == 3) {
        CHECK_STR(loc.pos[0].function, "lines_leaf");
        CHECK(ends_with(loc.pos[0].file, "/elf_lines.c"));
        CHECK_EQ_U64(loc.pos[0].line, l_leaf);
        CHECK_STR(loc.pos[1].function, "lines_mid");
        CHECK(ends_with(loc.pos[1].file, "/elf_lines.c"));
        CHECK_EQ_U64(loc.pos[1].line, l_call_leaf);
        CHECK_STR(loc.pos[2].function, "");
        CHECK_EQ_U64(loc.pos[2].line, l_call_mid);
    }
    /* a function whose addresses are a range list (hot and cold parts) */
    uint64_t marker2 = 0, m2len;
    const uint8_t *m2code;
    CHECK(find_sym(file, size, "lines_marker2", &marker2, &m2len, 0, &m2code));
    CHECK(ds_elfsym_source(e, marker2, &loc));
    CHECK_EQ_U64(loc.n, 2);
    if (loc.n == 2) {
        CHECK_STR(loc.pos[0].function, "lines_leaf2");
        CHECK_EQ_U64(loc.pos[0].line, marker_line("@leaf2"));
        CHECK_EQ_U64(loc.pos[1].line, marker_line("@call_leaf2"));
    }
    /* no line row below the first code address, nor far above it */
    CHECK(!ds_elfsym_source(e, 0, &loc));
    CHECK(!ds_elfsym_source(e, UINT64_MAX, &loc));

#if defined(__x86_64__)
    /* the return address after "call lines_callee" in lines_outer */
    uint64_t ret = 0;
    for (uint64_t i = 0; ocode && i + 5 <= olen; i++) {
        int32_t rel;
        memcpy(&rel, ocode + i + 1, 4);
        if (ocode[i] == 0xE8 && outer + i + 5 + (uint64_t)(int64_t)rel == callee)
            ret = outer + i + 5;
    }
    CHECK(ret != 0);
    /* at the return address minus one: the call's line, no inline */
    CHECK(ds_elfsym_source(e, ret - 1, &loc));
    CHECK_EQ_U64(loc.n, 1);
    CHECK_EQ_U64(loc.pos[0].line, l_call_callee);

    /* through the stacks stage: frame 0 at the marker, frame 1 in lines_outer */
    uint8_t stack[256];
    memset(stack, 0, sizeof stack);
    uint64_t bias = BASE - ds_elfsym_min_vaddr(e);
    uint64_t rsp = STACK_VA + 0x80, ra = bias + ret;
    memcpy(stack + (rsp - STACK_VA), &ra, 8);
    ds_memview m;
    ds_mem_init(&m, (ds_bytes){.data = stack, .size = sizeof stack});
    ds_mem_add_region(&m, STACK_VA, sizeof stack, 0);
    ds_mem_finish_regions(&m);
    ds_context c;
    memset(&c, 0, sizeof c);
    c.arch = DS_ARCH_X64;
    c.regs[16] = c.pc = bias + marker;
    c.regs[4] = c.sp = rsp;
    c.valid = 0x3FFFF;

    uint8_t id[32];
    size_t idlen = 0;
    CHECK(ds_elfsym_build_id(e, id, sizeof id, &idlen) && idlen <= sizeof id);
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    ds_crash *cr = elf_test_crash(base, id, idlen, &c, BASE, STACK_VA, sizeof stack);
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    if (strrchr(dir, '/'))
        *strrchr(dir, '/') = '\0';
    ds_open_options opt = {DS_OPEN_OPTIONS_INIT, .symbol_path = dir};
    CHECK(ds_analysis_stacks(cr, &m, &opt) == 0);
    const ds_frame *fr = cr->nstacks == 1 ? cr->stacks[0].frames : NULL;
    CHECK(fr && cr->stacks[0].nframes >= 2);
    if (fr && cr->stacks[0].nframes >= 2) {
        CHECK_STR(fr[0].function, "lines_callee");
        CHECK(ends_with(fr[0].source_file, "/elf_lines.c"));
        CHECK_KNOWN(fr[0].source_line, l_call_mid);
        CHECK_EQ_U64(fr[0].ninlines, 2);
        if (fr[0].ninlines == 2) {
            CHECK_STR(fr[0].inlines[0].function, "lines_leaf");
            CHECK_KNOWN(fr[0].inlines[0].source_line, l_leaf);
            CHECK_STR(fr[0].inlines[1].function, "lines_mid");
            CHECK_KNOWN(fr[0].inlines[1].source_line, l_call_leaf);
        }
        CHECK_EQ_U64(fr[1].pc, ra);
        CHECK_STR(fr[1].function, "lines_outer");
        CHECK_KNOWN(fr[1].source_line, l_call_callee); /* looked up at ra - 1 */
        CHECK_EQ_U64(fr[1].ninlines, 0);
    }
    ds_crash_free(cr);
    free(cr);
    ds_mem_free(&m);
#endif
    ds_elfsym_close(e);

    /* a section header pointing past the end of the file: libdwarf is not
     * given it, lookups are false, nothing crashes */
    char tmp[] = "/tmp/ds_elf_lines_XXXXXX";
    int fd = mkstemp(tmp);
    CHECK(fd >= 0);
    Elf64_Ehdr eh;
    memcpy(&eh, file, sizeof eh);
    bool patched = false;
    for (unsigned i = 1; fd >= 0 && i < eh.e_shnum && eh.e_shoff + (i + 1ull) * 64 <= size; i++) {
        Elf64_Shdr sh;
        memcpy(&sh, file + eh.e_shoff + i * 64ull, sizeof sh);
        if (sh.sh_type == SHT_PROGBITS && !patched) {
            sh.sh_size = size * 4;
            memcpy(file + eh.e_shoff + i * 64ull, &sh, sizeof sh);
            patched = true;
        }
    }
    CHECK(patched);
    if (fd >= 0) {
        CHECK(write(fd, file, size) == (ssize_t)size);
        close(fd);
        ds_elfsym *bad = ds_elfsym_open(tmp, &err);
        if (bad) {
            CHECK(!ds_elfsym_source(bad, marker, &loc));
            ds_elfsym_close(bad);
        }
        unlink(tmp);
    }
    free(file);
}

/* Regression: a .debug_rnglists unit longer than its section made libdwarf
 * 20210528 free a buffer twice; the file is now refused before libdwarf. */
static void bad_rnglists(const char *path)
{
    size_t size = 0;
    uint8_t *file = slurp(path, &size);
    Elf *elf = file ? elf_memory((char *)file, size) : NULL;
    size_t shstrndx = 0, at = 0;
    Elf_Scn *scn = NULL;
    while (elf && elf_getshdrstrndx(elf, &shstrndx) == 0 && (scn = elf_nextscn(elf, scn))) {
        GElf_Shdr sh;
        const char *n = gelf_getshdr(scn, &sh) ? elf_strptr(elf, shstrndx, sh.sh_name) : NULL;
        if (n && strcmp(n, ".debug_rnglists") == 0 && sh.sh_size >= 4 &&
            sh.sh_offset + 4 <= size)
            at = sh.sh_offset;
    }
    if (elf)
        elf_end(elf);
    if (!at) {
        printf("no .debug_rnglists in %s (DWARF 4 compiler?): skipped\n", path);
        free(file);
        return;
    }
    memcpy(file + at, "\x00\x04\x00\x08", 4);
    char tmp[] = "/tmp/ds_elf_rng_XXXXXX";
    int fd = mkstemp(tmp);
    CHECK(fd >= 0);
    if (fd >= 0) {
        CHECK(write(fd, file, size) == (ssize_t)size);
        close(fd);
        ds_error err;
        ds_elfsym *e = ds_elfsym_open(tmp, &err);
        CHECK(e != NULL); /* names and the build id still work */
        ds_srcloc loc;
        CHECK(e && !ds_elfsym_source(e, 0x1000, &loc));
        ds_elfsym_close(e);
        unlink(tmp);
    }
    free(file);
}

int main(void)
{
    check_file(ELF_LINES);
    check_file(ELF_LINES4);
    bad_rnglists(ELF_LINES);
    return check_report("test_elf_lines");
}
