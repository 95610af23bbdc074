/*
 * One interface for every symbol source of a module (doc/stacks.md,
 * "Symbol providers"): a PDB, a Breakpad .sym file, an ELF file (symtab,
 * DWARF lines and CFI), and the export table of the image. Each source
 * answers the same three questions:
 *
 *   identity     does this opened source belong to the module?
 *   lookup       which function holds a module offset, and (source) its
 *                file, line and inline frames;
 *   unwind       the caller's registers from the callee's (optional).
 *
 * The walker keeps one list per module in precedence order and asks the
 * list, not the sources; sources are opened on first use by the list's
 * owner, so which files are read stays the owner's decision.
 */
#ifndef DS_SYMBOLS_PROVIDER_H
#define DS_SYMBOLS_PROVIDER_H

#include "dumpscan/dumpscan.h"
#include "mem/memview.h"
#include "symbols/srcloc.h"

typedef struct ds_symprov ds_symprov;

/* A symbol found for a module offset. */
typedef struct ds_symhit {
    char name[512];
    uint64_t start;            /* module offset of the symbol's first byte */
    bool function;             /* a function with real bounds (PDB procedure,
                                  Breakpad FUNC, ELF symbol with a size) */
    ds_symsrc source;     /* what the report says named the frame */
} ds_symhit;

/* One unwind step asked of a source. */
typedef struct ds_symstep {
    const ds_context *callee;
    bool first;                /* frame 0: pc is where execution stopped,
                                  not a return address */
    const ds_memview *mem;
    uint64_t stack_lo, stack_hi; /* bounds of the stack; 0/0 unknown */
    uint32_t callee_params;    /* in: Breakpad .cbCalleeParams of the frame
                                  below (0 for frame 0) */
    uint32_t params;           /* out: the same for this frame (0 unless a
                                  Breakpad rule applied) */
    /* Return-address plausibility for Breakpad's scans (ds_bpsym_walk). */
    bool (*code_check)(void *arg, uint64_t va, bool strict);
    void *arg;
} ds_symstep;

typedef struct ds_symprov_ops {
    const char *name; /* "pdb", "breakpad", "elf", "exports" */
    /* Does the opened source belong to the module with this CodeView /
     * build id? On false, *detail says what the source holds. NULL: the
     * symbol store checked the file before it was opened. */
    bool (*identity)(const ds_symprov *p, const ds_codeview *cv, char *detail, size_t cap);
    /* The symbol holding module offset off. */
    bool (*lookup)(const ds_symprov *p, uint64_t off, ds_symhit *out);
    /* Source line and inline frames at off; NULL: the source has none. */
    bool (*source)(const ds_symprov *p, uint64_t off, ds_srcloc *out);
    /* The caller of st->callee by the source's own rules; NULL: no rules. */
    bool (*unwind)(const ds_symprov *p, ds_symstep *st, ds_context *caller);
} ds_symprov_ops;

extern const ds_symprov_ops ds_symprov_pdb;      /* src: ds_pdb * */
extern const ds_symprov_ops ds_symprov_breakpad; /* src: ds_bpsym * */
extern const ds_symprov_ops ds_symprov_elf;      /* src: ds_elfsym * */
extern const ds_symprov_ops ds_symprov_exports;  /* src: const ds_image * */

struct ds_symprov {
    const ds_symprov_ops *ops;
    void *src;      /* the opened source; NULL when the module has none */
    uint64_t base;  /* module base */
    uint64_t bias;  /* ELF: module base - lowest PT_LOAD vaddr; else 0 */
};

/* A module's sources in precedence order. open(ctx, k) opens items[k] on
 * first use (fills src, base, bias; leaves src NULL when there is none). */
typedef struct ds_symprov_list {
    ds_symprov *items;
    size_t n;
    void (*open)(void *ctx, size_t k);
    void *ctx;
} ds_symprov_list;

/* The first source among items[from, to) whose lookup names off, and only
 * a function with real bounds when functions_only. *which: its index. */
bool ds_symprov_find(const ds_symprov_list *l, size_t from, size_t to, uint64_t off,
                     bool functions_only, ds_symhit *out, size_t *which);

/* The first source that has unwind rules for the module decides the step
 * (a later one is not asked when it fails: rules written for this code
 * that do not apply mean the step is not known). Sources without rules are
 * not opened. st->params is set. */
bool ds_symprov_unwind(const ds_symprov_list *l, ds_symstep *st, ds_context *caller);

/* Source line and inline frames of off from p, when p has them. */
bool ds_symprov_source(const ds_symprov *p, uint64_t off, ds_srcloc *out);

#endif
