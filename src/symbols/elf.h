/*
 * ELF modules of Linux minidumps (Breakpad / Crashpad): function names from
 * .symtab / .dynsym and caller registers from the DWARF CFI of .eh_frame and
 * .debug_frame (through libdwarf). The file is hostile: every failure, from
 * libelf or libdwarf, is a false return, never a crash.
 *
 * Addresses: an "rva" here is a link-time virtual address of the file, that
 * is address in the dump minus the load bias; the load bias is the module
 * base minus ds_elfsym_min_vaddr() (the lowest PT_LOAD p_vaddr).
 */
#ifndef DS_SYMBOLS_ELF_H
#define DS_SYMBOLS_ELF_H

#include "dumpscan/dumpscan.h"
#include "mem/memview.h"
#include "symbols/srcloc.h"

typedef struct ds_elfsym ds_elfsym;

/* Open an ELF file (any class / byte order libelf reads). NULL with *err
 * filled when the file is unreadable or not ELF, DS_E_UNSUPPORTED when
 * libelf or libdwarf cannot be loaded (the message names which). */
ds_elfsym *ds_elfsym_open(const char *path, ds_error *err);
void ds_elfsym_close(ds_elfsym *e);

/* The NT_GNU_BUILD_ID note: copies up to cap bytes, *len = its full length.
 * false when the file has none. */
bool ds_elfsym_build_id(const ds_elfsym *e, uint8_t *out, size_t cap, size_t *len);

/* Lowest p_vaddr of the PT_LOAD segments (0 when there are none). */
uint64_t ds_elfsym_min_vaddr(const ds_elfsym *e);

/* Is the file's address vaddr code? 1 inside an executable section (or,
 * without section headers, an executable segment past the headers), 0 not,
 * -1 when the file cannot say. */
int ds_elfsym_is_code(const ds_elfsym *e, uint64_t vaddr);

/* The STT_FUNC symbol holding rva: its name (truncated to len), start and
 * size (0 when the symbol table gives none: then it is the nearest symbol
 * below rva, not a proven bound). */
bool ds_elfsym_lookup(ds_elfsym *e, uint64_t rva, char *name, size_t len, uint64_t *start,
                      uint64_t *size);

/* One step of DWARF CFI: the caller of the frame whose pc lies at rva (the
 * instruction to look up: the pc itself for a context frame, the return
 * address - 1 for callers). callee->arch selects the register numbering
 * (x64, x86, arm64, arm). Fills caller->pc (the return address rule),
 * caller->sp (the CFA), fp and the registers the rules recover or that
 * the ABI keeps across calls. false when no FDE covers rva, a rule needs a
 * DWARF expression, a value is unreadable, or libdwarf reports an error. */
bool ds_elfsym_unwind(ds_elfsym *e, uint64_t rva, const ds_context *callee,
                      const ds_memview *mem, uint64_t load_bias, ds_context *caller);

/*
 * Source position of rva from the DWARF line tables (.debug_line, indexed
 * on first use) and the DW_TAG_inlined_subroutine DIEs holding it. False
 * when the file has no DWARF or no line row covers rva.
 */
bool ds_elfsym_source(ds_elfsym *e, uint64_t rva, ds_srcloc *out);

#endif
