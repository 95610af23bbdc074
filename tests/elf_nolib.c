/* ELF symbol files when libelf cannot be loaded: this program carries its
 * own copy of the ELF reader built to load a library that does not exist
 * (tests/CMakeLists.txt), as on a machine without libelf1. Opening a file
 * fails with DS_E_UNSUPPORTED naming the library, every time, and the
 * stacks stage says so as the module's symbol problem instead of crashing. */
#include "analysis/stacks.h"
#include "check.h"
#include "elf_testutil.h"
#include "model/model.h"
#include "symbols/elf.h"

#define STACK_VA 0x7ffd0000ull
#define BASE 0x555555554000ull

int main(void)
{
    for (int round = 0; round < 2; round++) { /* loaded once, refused each time */
        ds_error err = {0};
        ds_elfsym *e = ds_elfsym_open(ELF_SAMPLE, &err);
        CHECK(e == NULL);
        CHECK(err.code == DS_E_UNSUPPORTED);
        CHECK(strstr(err.text, "libelf (" ABSENT_SONAME ")") != NULL);
        ds_elfsym_close(e);
    }

    /* A Linux module whose file is on the symbol path (<dir>/elf_sample). */
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", ELF_SAMPLE);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    ds_context ctx = {.arch = DS_ARCH_X64, .pc = BASE + 0x1100, .sp = STACK_VA + 0x80};
    ctx.regs[16] = ctx.pc;
    ctx.regs[4] = ctx.sp;
    ctx.valid = 1u << 16 | 1u << 4;
    uint8_t id[20];
    memset(id, 0x5a, sizeof id); /* never compared: the file is not read */
    ds_crash *c = elf_test_crash("elf_sample", id, sizeof id, &ctx, BASE, STACK_VA, 256);

    uint8_t stack[256] = {0};
    ds_memview mem;
    ds_mem_init(&mem, (ds_bytes){.data = stack, .size = sizeof stack});
    ds_mem_add_region(&mem, STACK_VA, sizeof stack, 0);
    ds_mem_finish_regions(&mem);
    ds_open_options opt = {DS_OPEN_OPTIONS_INIT, .symbol_path = dir};
    CHECK(ds_analysis_stacks(c, &mem, &opt) == 0);
    const char *problem = c->modules[0].symbol_problem;
    CHECK(problem && strstr(problem, "ELF file unreadable: ") &&
          strstr(problem, "/elf_sample: ELF symbol files need libelf (" ABSENT_SONAME ")"));
    CHECK(c->modules[0].symbol_file == NULL);
    if (c->nstacks == 1 && c->stacks[0].nframes >= 1)
        CHECK(c->stacks[0].frames[0].symbol_source != DS_SYM_ELF);
    ds_mem_free(&mem);
    ds_crash_free(c);
    free(c);
    return check_report("elf_nolib");
}
