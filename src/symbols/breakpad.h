/*
 * Breakpad text symbol files (.sym): MODULE, FILE, FUNC, line records,
 * PUBLIC, STACK CFI INIT / STACK CFI, STACK WIN. Many crash-reporting setups
 * already keep these, so they are both a symbol source and an unwind source.
 * The file is mapped and indexed once (sorted arrays of offsets into it);
 * records are parsed on lookup.
 */
#ifndef DS_SYMBOLS_BREAKPAD_H
#define DS_SYMBOLS_BREAKPAD_H

#include "dumpscan/dumpscan.h"
#include "mem/memview.h"

typedef struct ds_bpsym ds_bpsym;

ds_bpsym *ds_bpsym_open(const char *path, ds_error *err);
ds_bpsym *ds_bpsym_open_memory(const void *data, size_t size, ds_error *err);
void ds_bpsym_close(ds_bpsym *b);

/* MODULE line: os, arch, debug id, debug name ("" when absent). */
void ds_bpsym_module(const ds_bpsym *b, const char **os, const char **arch,
                     const char **id, const char **name);

typedef struct ds_bpsym_func {
    char name[512];
    uint64_t address, size; /* module-relative; size 0 for PUBLIC */
    bool is_function;       /* FUNC (exact bounds) rather than PUBLIC */
    char file[512];         /* source file of the line record at the address, "" if none */
    uint32_t line;          /* 0 if none */
} ds_bpsym_func;

/* The FUNC containing rva, else the nearest PUBLIC at or below it. */
bool ds_bpsym_lookup(ds_bpsym *b, uint64_t rva, ds_bpsym_func *out);

/*
 * Recover the caller's registers for the frame whose pc is module base +
 * rva, with the STACK CFI rules (all arches) or STACK WIN program/FPO data
 * (x86) covering rva. callee holds the frame's registers; memory reads go
 * through mem. Returns true and fills caller (pc, sp, fp, regs and valid)
 * when a record applied and every value it needed was readable.
 */
bool ds_bpsym_unwind(ds_bpsym *b, uint64_t rva, const ds_context *callee,
                     const ds_memview *mem, ds_context *caller);

#endif
