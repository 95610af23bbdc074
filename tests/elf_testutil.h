/* Test helpers for real ELF files, independent of ds_elfsym: read a file,
 * find a symbol through libelf, and the file bytes at an address; a crash
 * model with an ELF file as its module. */
#ifndef DS_TESTS_ELF_TESTUTIL_H
#define DS_TESTS_ELF_TESTUTIL_H

#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"

static inline uint8_t *slurp(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = n > 0 ? malloc((size_t)n) : NULL;
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *size = b ? (size_t)n : 0;
    return b;
}

/* The value and size of symbol want in .symtab, and a pointer to n bytes
 * of the file at that address (NULL when a PROGBITS section does not hold
 * them). */
static inline bool find_sym(uint8_t *file, size_t size, const char *want, uint64_t *addr,
                            uint64_t *len, size_t n, const uint8_t **code)
{
    (void)elf_version(EV_CURRENT);
    Elf *elf = elf_memory((char *)file, size);
    bool found = false;
    Elf_Scn *scn = NULL;
    while (elf && !found && (scn = elf_nextscn(elf, scn)) != NULL) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
            continue;
        Elf_Data *d = elf_getdata(scn, NULL);
        GElf_Sym s;
        for (int i = 0; d && gelf_getsym(d, i, &s); i++) {
            const char *nm = elf_strptr(elf, sh.sh_link, s.st_name);
            if (nm && strcmp(nm, want) == 0) {
                *addr = s.st_value;
                *len = s.st_size;
                found = true;
                break;
            }
        }
    }
    *code = NULL;
    scn = NULL;
    while (found && elf && (scn = elf_nextscn(elf, scn)) != NULL) {
        GElf_Shdr sh;
        if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_PROGBITS && *addr >= sh.sh_addr &&
            *addr - sh.sh_addr + n <= sh.sh_size &&
            sh.sh_offset + (*addr - sh.sh_addr) + n <= size)
            *code = file + sh.sh_offset + (*addr - sh.sh_addr);
    }
    if (elf)
        elf_end(elf);
    return found;
}

/* A minidump-like crash model for a walk: one Linux module, name (its path
 * /opt/app/<name>) with that build id loaded at base, and one thread in
 * context ctx whose stack is stack_size bytes at stack_va. */
static inline ds_crash *elf_test_crash(const char *name, const uint8_t *build_id, size_t idlen,
                                       const ds_context *ctx, uint64_t base, uint64_t stack_va,
                                       uint64_t stack_size)
{
    ds_crash *c = calloc(1, sizeof *c);
    if (!c)
        abort(); /* a test out of memory has nothing left to check */
    c->format = DS_FORMAT_MINIDUMP;
    c->has_mdmp = true;
    c->arch = DS_ARCH_X64;
    ds_module *m = ds_module_add(c, false);
    char path[512];
    snprintf(path, sizeof path, "/opt/app/%s", name);
    ds_str_set(&m->name, strdup(name));
    ds_str_set(&m->path, strdup(path));
    m->base = base;
    m->size = 0x100000;
    m->has_cv = m->cv.is_elf = true;
    memcpy(m->cv.build_id, build_id, idlen);
    m->cv.build_id_len = (uint8_t)idlen;
    m->flags = DS_MOD_FROM_MINIDUMP;
    ds_thread *t = ds_thread_add(c);
    t->id = 1;
    t->stack_base = stack_va;
    t->stack_size = stack_size;
    t->context = *ctx;
    t->has_context = true;
    c->crashing_thread = (ds_u64){1, true};
    c->has_context = true;
    c->context = *ctx;
    return c;
}

#endif
