/*
 * mdmp: a small writer of user-mode minidumps (MDMP) for tests, independent
 * of dumpscan's reader (it never links src/). Two levels:
 *   - bytes: a growing little-endian buffer (mdw_zero, mdw_put*, mdw_set*),
 *     for tests that need a hostile or unusual layout;
 *   - pieces: header and directory, strings, contexts, system info, thread,
 *     module (with CodeView RSDS), memory and exception streams.
 * Every function returns the RVA of what it wrote; the directory entry of a
 * stream is added by the stream functions (or by mdw_stream for hand-made
 * ones). Out of memory aborts: this is test code.
 */
#ifndef DSGEN_MDMP_H
#define DSGEN_MDMP_H

#include <stddef.h>
#include <stdint.h>

typedef struct mdw {
    uint8_t *b;
    size_t len, cap;
    uint32_t maxstreams, nstreams;
} mdw;

/* Stream types (MINIDUMP_STREAM_TYPE). */
enum {
    MDW_THREAD_LIST = 3,
    MDW_MODULE_LIST = 4,
    MDW_MEMORY_LIST = 5,
    MDW_EXCEPTION = 6,
    MDW_SYSTEM_INFO = 7,
    MDW_MEMORY64_LIST = 9,
    MDW_UNLOADED_MODULE_LIST = 14,
    MDW_MISC_INFO = 15,
    MDW_THREAD_INFO_LIST = 17,
    MDW_THREAD_NAME_LIST = 24,
    MDW_BREAKPAD_INFO = 0x47670001
};

/* ProcessorArchitecture values and their CONTEXT layouts. */
typedef struct mdw_arch {
    uint16_t raw;      /* SystemInfo ProcessorArchitecture */
    uint32_t ctx_size; /* CONTEXT bytes */
    uint16_t pc_off, sp_off, pc_size;
} mdw_arch;
extern const mdw_arch MDW_X86, MDW_X64, MDW_ARM64;
/* Breakpad's old ARM64 context (architecture 0x8003): flags 0x80000006, cpsr at 0x110. */
extern const mdw_arch MDW_ARM64_OLD;

/* ------------------------------------------------------------ bytes */
uint32_t mdw_here(const mdw *w);
uint32_t mdw_zero(mdw *w, size_t n);            /* n zero bytes */
uint32_t mdw_bytes(mdw *w, const void *p, size_t n);
uint32_t mdw_put32(mdw *w, uint32_t v);
uint32_t mdw_put64(mdw *w, uint64_t v);
void mdw_set16(mdw *w, size_t off, uint16_t v);
void mdw_set32(mdw *w, size_t off, uint32_t v);
void mdw_set64(mdw *w, size_t off, uint64_t v);
void mdw_free(mdw *w);

/* ----------------------------------------------------------- pieces */
/* Header with room for maxstreams directory entries. */
void mdw_begin(mdw *w, uint32_t maxstreams, uint32_t time_date_stamp);
/* A directory entry for a stream already written at [rva, rva+size). */
void mdw_stream(mdw *w, uint32_t type, uint32_t rva, uint32_t size);
/* MINIDUMP_STRING (UTF-16LE from ASCII), NUL-terminated. */
uint32_t mdw_string(mdw *w, const char *s);
/* A CONTEXT of a's layout with only pc and sp set. */
uint32_t mdw_context(mdw *w, const mdw_arch *a, uint64_t pc, uint64_t sp);
/* SystemInfo stream: Windows 10.0.19041, 4 CPUs, "GenuineIntel". */
uint32_t mdw_system_info(mdw *w, uint16_t arch_raw);
/* A CodeView RSDS record (guid 16 bytes, age, pdb name); returns its rva,
 * its size in *size. */
uint32_t mdw_codeview(mdw *w, const uint8_t guid[16], uint32_t age, const char *pdb,
                      uint32_t *size);

typedef struct mdw_thread {
    uint32_t id;
    uint64_t teb, stack_va;
    const void *stack; /* stack bytes (may be NULL: zeros) */
    uint32_t stack_size;
    uint32_t ctx_rva, ctx_size; /* from mdw_context */
} mdw_thread;
uint32_t mdw_thread_list(mdw *w, const mdw_thread *t, uint32_t n);

typedef struct mdw_module {
    uint64_t base;
    uint32_t size, checksum, time_date_stamp;
    const char *name;
    uint32_t cv_rva, cv_size; /* from mdw_codeview, or 0 */
    uint32_t file_version_ms, file_version_ls; /* 0: no VS_FIXEDFILEINFO */
} mdw_module;
uint32_t mdw_module_list(mdw *w, const mdw_module *m, uint32_t n);

typedef struct mdw_range {
    uint64_t va;
    const void *data; /* NULL: zeros */
    uint32_t size;
} mdw_range;
/* MemoryListStream (descriptors, then the bytes). */
uint32_t mdw_memory_list(mdw *w, const mdw_range *r, uint32_t n);
/* Memory64ListStream (one base rva, the bytes after the descriptors). */
uint32_t mdw_memory64_list(mdw *w, const mdw_range *r, uint32_t n);
/* ExceptionStream for thread tid: code, address, up to 15 parameters. */
uint32_t mdw_exception(mdw *w, uint32_t tid, uint32_t code, uint64_t address,
                       const uint64_t *params, uint32_t nparams, uint32_t ctx_rva,
                       uint32_t ctx_size);

#endif
