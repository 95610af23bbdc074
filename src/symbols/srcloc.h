/*
 * Where an address lies in the source: file and line, and the calls the
 * compiler inlined there. Filled by each symbol source (Breakpad .sym, PDB
 * C13 lines, DWARF) and turned into frame fields by the stacks stage.
 * Format facts and rules: doc/source-lines.md.
 */
#ifndef DS_SYMBOLS_SRCLOC_H
#define DS_SYMBOLS_SRCLOC_H

#include <stddef.h>
#include <stdint.h>

/* Deepest inline nesting kept: deeper (outer) levels are cut, the innermost
 * calls are the ones a reader of a crash needs. */
#define DS_SRCLOC_MAX 16

typedef struct ds_srcpos {
    char function[256]; /* "" for the physical function (named by the symbol lookup) */
    char file[260];     /* "" when unknown */
    uint32_t line;      /* 0 when unknown */
} ds_srcpos;

/*
 * pos[0] is the innermost position: the line of the instruction itself.
 * Each further entry is the caller of the one before it: pos[i].function
 * was inlined into pos[i + 1].function at pos[i + 1].file : line. The last
 * entry, pos[n - 1], is the physical function the address is in.
 */
typedef struct ds_srcloc {
    ds_srcpos pos[DS_SRCLOC_MAX + 1];
    size_t n;
} ds_srcloc;

/*
 * Copy n bytes of s (not necessarily NUL-terminated; a NUL ends it) into a
 * fixed field as printable UTF-8: control characters and bytes that are not
 * part of a valid UTF-8 sequence become '?', and a character is never cut
 * in two. Reports print these names and JSON needs valid UTF-8.
 */
void ds_srcloc_copy(char *dst, size_t cap, const char *s, size_t n);

/* One inlined call as a symbol source describes it: the inlined function
 * and where its caller called it (strings need not be NUL-terminated). */
typedef struct ds_srcinline {
    const char *name;
    size_t name_len;
    const char *call_file; /* NULL when unknown */
    size_t call_file_len;
    uint64_t call_line;
} ds_srcinline;

/*
 * Fill out from the inlined calls covering an address, outermost first
 * (inl[0] was inlined into the physical function), and the file and line
 * of the address itself (from the line table). An unnamed inline has an
 * empty name. Calls beyond DS_SRCLOC_MAX are dropped from the outside.
 */
void ds_srcloc_build(ds_srcloc *out, const ds_srcinline *inl, size_t n, const char *file,
                     size_t file_len, uint64_t line);

#endif
