/*
 * ELF symbols internals shared by elf.c (symbols, DWARF CFI) and
 * elf_lines.c (DWARF line tables and inlined subroutines). Not public.
 */
#ifndef DS_SYMBOLS_ELF_PRIV_H
#define DS_SYMBOLS_ELF_PRIV_H

#include <dwarf.h>

#include "symbols/elf_lazy.h" /* libelf and libdwarf, loaded on first use */

#include "symbols/elf.h"

#define MAX_FILE_SIZE (1024ull * 1024 * 1024) /* refuse larger files */
#define MAX_FUNCS 8000000u
#define RULE_TABLE_SIZE 128 /* DWARF columns tracked; all ABIs used fit */
#define MAX_BUILD_ID 64

#ifndef NT_GNU_BUILD_ID
#define NT_GNU_BUILD_ID 3
#endif

typedef struct elf_func {
    uint64_t start, size;
    size_t name; /* offset into names */
} elf_func;

typedef struct frame_list {
    Dwarf_Cie *cies;
    Dwarf_Signed ncies;
    Dwarf_Fde *fdes;
    Dwarf_Signed nfdes;
} frame_list;

typedef struct elf_line {
    uint64_t addr;
    uint32_t line;
    uint32_t file;  /* index into files */
    uint32_t cu;    /* index into cus */
    bool end;       /* end of a sequence: no code from addr on */
    size_t order;   /* position in the tables: ties keep it */
} elf_line;

typedef struct elf_cu {
    Dwarf_Off die;       /* offset of its DIE in .debug_info */
    uint64_t base;       /* DW_AT_low_pc: base of DWARF 2-4 range lists */
    uint32_t file_base;  /* its first entry in files */
    uint32_t nfiles;
    uint16_t line_version; /* DWARF version of its line table */
} elf_cu;

struct ds_elfsym {
    char *path;
    char *data; /* private copy of the file, owned; libelf reads it */
    size_t size;
    Elf *elf;
    uint8_t build_id[MAX_BUILD_ID];
    size_t build_id_len; /* full length of the note (may exceed the copy) */
    bool has_build_id;
    uint64_t min_vaddr;
    elf_func *funcs;
    size_t nfuncs;
    char *names;
    size_t names_len, names_cap;
    /* DWARF CFI, opened on first use */
    bool dwarf_unsafe; /* the section table failed sections_sane() */
    bool dwarf_tried;
    int fd;
    Dwarf_Debug dbg;
    frame_list eh, debug;
    /* DWARF line table of every CU, indexed on first use (elf_lines.c) */
    bool lines_tried;
    elf_line *lines; /* sorted by address */
    size_t nlines;
    elf_cu *cus;
    size_t ncus;
    size_t *files; /* offsets into names of each CU's file names */
    size_t nfiles;
};

/* Open libdwarf on the file once (after checking every section lies inside
 * it); false when there is no usable DWARF. */
bool elf_open_dwarf(ds_elfsym *e);

/* Add a NUL-terminated copy of s to e->names; false when out of memory. */
bool elf_add_name(ds_elfsym *e, const char *s, size_t *off);

/* Free the line index (before dwarf_finish). */
void elf_lines_free(ds_elfsym *e);

#endif
