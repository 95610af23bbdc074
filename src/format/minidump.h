/*
 * User-mode minidump (MDMP) reader, shared between minidump.c (header,
 * directory, single-record streams), minidump_lists.c (threads, modules,
 * memory) and minidump_ext.c (Breakpad and Crashpad extension streams).
 * Internal to src/format/.
 *
 * Layouts: doc/formats.md 8 (all structures 4-byte packed). Every offset from the
 * file is an RVA into the whole file; every stream is handed to its reader as
 * a ds_bytes already clipped to the file, so a reader can only see bytes that
 * exist.
 */
#ifndef DS_FORMAT_MINIDUMP_H
#define DS_FORMAT_MINIDUMP_H

#include "format/format.h"
#include "model/model.h"

#define MD_NOTE(m, sev, code, ...)                                                   \
    do {                                                                             \
        if (ds_note_add((m)->c, sev, code, __VA_ARGS__) < 0)                         \
            return -1;                                                               \
    } while (0)

/* Longest name taken from a MINIDUMP_STRING (UTF-16 units): paths are short. */
#define MD_MAX_NAME_CHARS 4096

/* State of one read, passed to every stream reader. */
typedef struct md_ctx {
    ds_reader *r;
    ds_crash *c;
    ds_bytes f;          /* the whole file */
    bool arm64_old;      /* Breakpad's pre-2018 ARM64 context (arch 0x8003) */
    bool arch_guessed;   /* arch inferred from a context size */
    bool may_guess_arch; /* no usable SystemInfo: infer the arch from contexts */
    bool have_thread_list;
    struct md_tid {
        uint32_t id, index;
    } *order;            /* threads sorted by id (built after the thread list) */
    size_t norder;
} md_ctx;

typedef int (*md_stream_fn)(md_ctx *m, ds_bytes s);

/*
 * MINIDUMP_STRING at rva (u32 byte length, UTF-16LE) as new UTF-8. *out is
 * NULL when the string is not in the file. Returns -1 only when out of memory.
 */
int md_string(md_ctx *m, uint64_t rva, char **out);

/*
 * Decode the CONTEXT at {size, rva} into out; *ok says whether it could be.
 * The arch comes from SystemInfo or, when that is missing or garbage, from
 * the context size. Returns -1 only when out of memory.
 */
int md_context(md_ctx *m, uint32_t size, uint32_t rva, ds_context *out, bool *ok);

/* Thread with this id, or NULL (after md_index_threads). */
ds_thread *md_thread_by_id(md_ctx *m, uint32_t id);
int md_index_threads(md_ctx *m);

/* Printable ASCII copy into dst (other bytes become '?'): JSON needs UTF-8. */
void md_copy_ascii(char *dst, size_t cap, const uint8_t *src, size_t n);

/* Breakpad and Crashpad extension streams (minidump_ext.c). */
int md_read_breakpad_info(md_ctx *m, ds_bytes s);
int md_read_proc_status(md_ctx *m, ds_bytes s);
int md_read_lsb_release(md_ctx *m, ds_bytes s);
int md_read_linux_maps(md_ctx *m, ds_bytes s);
int md_read_crashpad_info(md_ctx *m, ds_bytes s);
int md_read_assertion(md_ctx *m, ds_bytes s);

/* List streams (minidump_lists.c). */
int md_read_threads(md_ctx *m, ds_bytes s);
int md_read_threads_ex(md_ctx *m, ds_bytes s);
int md_read_thread_info(md_ctx *m, ds_bytes s);
int md_read_thread_names(md_ctx *m, ds_bytes s);
int md_read_modules(md_ctx *m, ds_bytes s);
int md_read_unloaded(md_ctx *m, ds_bytes s);
int md_read_memory(md_ctx *m, ds_bytes s);
int md_read_memory64(md_ctx *m, ds_bytes s);

#endif
