/*
 * Breakpad .sym internals shared by the indexer (breakpad.c) and the
 * expression evaluator / unwinder (breakpad_eval.c). Not a public header.
 *
 * The text stays mapped; every record keeps offsets into it. Ranged records
 * (FUNC, STACK CFI INIT, STACK WIN) start with a bp_span so one routine sorts
 * them, drops duplicates and partial overlaps, and links each range to the
 * innermost range containing it: a lookup is a binary search plus a walk up
 * that chain (Breakpad's "most specific range wins").
 */
#ifndef DS_SYMBOLS_BREAKPAD_PRIV_H
#define DS_SYMBOLS_BREAKPAD_PRIV_H

#include "io/source.h"
#include "symbols/breakpad.h"

#define BP_NONE ((size_t)-1)

typedef struct bp_str {
    const char *p;
    size_t n;
} bp_str;

typedef struct bp_span {
    uint64_t start, end; /* [start, end), end saturated at UINT64_MAX */
    size_t parent;       /* enclosing kept range, BP_NONE at top level */
    size_t order;        /* position in the file: first record wins ties */
} bp_span;

typedef struct bp_func {
    bp_span s;
    uint32_t param;
    size_t name_off, name_len;
    size_t lines_off, lines_end; /* text holding its line records */
} bp_func;

typedef struct bp_public {
    uint64_t addr;
    uint32_t param;
    size_t order;
    size_t name_off, name_len;
} bp_public;

/* A numbered name: FILE (a source file) or INLINE_ORIGIN (an inlined function). */
typedef struct bp_file {
    uint64_t num;
    size_t order;
    size_t name_off, name_len;
} bp_file;

typedef struct bp_cfi_delta {
    uint64_t addr;
    size_t order;
    size_t rules_off, rules_len;
} bp_cfi_delta;

typedef struct bp_cfi {
    bp_span s;
    size_t rules_off, rules_len;
} bp_cfi;

typedef struct bp_win {
    bp_span s;
    uint32_t type; /* 0 FPO, 4 FrameData */
    uint32_t prologue, epilogue, param, saved_regs, locals, max_stack;
    bool has_program;
    bool allocates_bp;
    size_t prog_off, prog_len;
} bp_win;

struct ds_bpsym {
    ds_source src; /* ds_bpsym_open: the mapped (or inflated) file */
    char *copy;    /* ds_bpsym_open_memory: our copy of the caller's bytes */
    const char *text;
    size_t size;

    char os[32], arch[32], id[80], name[260];
    ds_arch arch_id;

    bp_func *funcs;
    size_t nfuncs;
    bp_public *pubs;
    size_t npubs;
    bp_file *files; /* sorted by number, one per number (the first in the file) */
    size_t nfiles;
    bp_file *origins; /* INLINE_ORIGIN records, sorted like files */
    size_t norigins;
    bp_cfi *cfis;
    size_t ncfis;
    bp_cfi_delta *deltas; /* sorted by address, one per address */
    size_t ndeltas;
    bp_win *win4, *win0;
    size_t nwin4, nwin0;

    ds_bpsym_stats stats;
};

static inline bp_str bp_text(const ds_bpsym *b, size_t off, size_t len)
{
    return (bp_str){b->text + off, len};
}

/* Tokens: runs of non-blank bytes. */
bool bp_next_token(bp_str *s, bp_str *tok);
bool bp_tok_eq(bp_str t, const char *lit);

/* Lookups (breakpad.c). */
const bp_win *bp_find_win(const ds_bpsym *b, uint64_t rva);
const bp_cfi *bp_find_cfi(const ds_bpsym *b, uint64_t rva);
/* Index of the first STACK CFI delta at or above addr (ndeltas if none). */
size_t bp_first_delta(const ds_bpsym *b, uint64_t addr);

#endif
