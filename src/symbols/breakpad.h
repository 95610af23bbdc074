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
#include "symbols/srcloc.h"

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

/*
 * Source position of rva inside its FUNC: the line record covering it and
 * the INLINE records (nest levels 0, 1, ... as long as each covers rva),
 * named by INLINE_ORIGIN and placed by their call-site file and line. False
 * when no FUNC covers rva or it has neither a line nor an inline there.
 */
bool ds_bpsym_source(ds_bpsym *b, uint64_t rva, ds_srcloc *out);

/* ------------------------------------------------------------ additions */

/* What indexing found (counts of records kept and of lines skipped). */
typedef struct ds_bpsym_stats {
    size_t lines;     /* lines in the file */
    size_t files, funcs, publics, line_records, inlines;
    size_t cfi_init, cfi_delta, win_fpo, win_framedata, win_other;
    size_t garbage;   /* lines that are no record (or a malformed one): skipped */
    size_t dropped;   /* well-formed ranges dropped: duplicate or partial overlap */
} ds_bpsym_stats;

void ds_bpsym_get_stats(const ds_bpsym *b, ds_bpsym_stats *out);

/*
 * Start of the line record covering rva inside its FUNC (Breakpad prints a
 * frame as "file : line + (pc - line_address)"). False when there is none.
 */
bool ds_bpsym_line_address(ds_bpsym *b, uint64_t rva, uint64_t *line_address);

/*
 * Bytes of stack parameters of the function at rva, as Breakpad's x86 walker
 * uses it for the next frame's .cbCalleeParams: the STACK WIN record covering
 * rva (FrameData, then FPO), else the FUNC, else the nearest PUBLIC.
 */
bool ds_bpsym_param_size(ds_bpsym *b, uint64_t rva, uint32_t *size);

/*
 * Walk state Breakpad's x86 STACK WIN evaluation depends on. rva passed to
 * the unwind functions is that of the frame's instruction: the pc for the
 * context frame, the return address - 1 for every caller frame.
 */
typedef struct ds_bpsym_walk {
    /* .cbCalleeParams: ds_bpsym_param_size of the frame below this one
     * (the callee of the frame being unwound); 0 for the context frame. */
    uint32_t callee_param_size;
    bool context_frame;          /* unwinding frame 0 (the register context) */
    /* When stack_hi > stack_lo, memory reads of STACK WIN evaluation are
     * limited to [stack_lo, stack_hi): Breakpad reads only the thread's stack. */
    uint64_t stack_lo, stack_hi;
    /*
     * Return-address plausibility for Breakpad's stack scans; NULL disables
     * scanning. strict = false: is va inside a loaded module? strict = true:
     * also, when that module has symbols, does a FUNC/PUBLIC cover it?
     */
    bool (*code_check)(void *arg, uint64_t va, bool strict);
    void *arg;
} ds_bpsym_walk;

/*
 * ds_bpsym_unwind with walk state (opt may be NULL: defaults as above, no
 * scanning). trust (may be NULL) receives DS_TRUST_UNWIND_INFO, or
 * DS_TRUST_SCAN when STACK WIN evaluation had to fall back to a stack scan.
 */
bool ds_bpsym_unwind_ex(ds_bpsym *b, uint64_t rva, const ds_context *callee,
                        const ds_memview *mem, const ds_bpsym_walk *opt,
                        ds_context *caller, ds_trust *trust);

#endif
