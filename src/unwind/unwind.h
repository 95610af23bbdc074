/*
 * Unwind stage: a register context + the memory view + image views -> an
 * honest list of frames, each saying how it was found (ds_trust). Format
 * blind: it never looks at the dump file, only at memory and images.
 */
#ifndef DS_UNWIND_UNWIND_H
#define DS_UNWIND_UNWIND_H

#include "dumpscan/dumpscan.h"
#include "image/image.h"
#include "mem/memview.h"
#include "symbols/pdb.h"

typedef struct ds_unwind_env {
    ds_arch arch;
    const ds_memview *mem;
    /* The image holding va (NULL when no image is available) and the index
     * of its module in the crash model (-1 when va is in no module). */
    const ds_image *(*image_at)(void *ctx, uint64_t va, int *module);
    /* x86 only, optional: FPO / FrameData for va. */
    bool (*fpo_at)(void *ctx, uint64_t va, ds_pdb_fpo *out);
    /* Optional: an external unwind rule for the frame at callee->pc (Breakpad
     * STACK CFI / STACK WIN, DWARF CFI). Fills *caller (pc, sp, fp and the
     * registers it recovers) and returns true when a rule applied; it is
     * tried before the image's own unwind data; its frames are trusted as
     * DS_TRUST_UNWIND_INFO. */
    bool (*rule_step)(void *ctx, const ds_context *callee, bool first_frame,
                      ds_context *caller);
    /* Optional: va is known not to be code: inside a module's headers or in
     * no executable section (section table from the dump, the image or the
     * symbol file). Scans and frame-pointer chains refuse such words. */
    bool (*not_code)(void *ctx, uint64_t va);
    /* Optional: start of the function holding va (symbols), for checking
     * that a scanned direct call leads to the callee's function. */
    bool (*function_at)(void *ctx, uint64_t va, uint64_t *start);
    void *ctx;
    /* The platform keeps frame-pointer chains (Linux, macOS): x64 follows
     * rbp when no unwind data applies, as Breakpad does. */
    bool frame_pointers;
    /* A kernel stack: scans also look for trap frames (KTRAP_FRAME). */
    bool kernel;
    /* The kernel's build: it selects the KTRAP_FRAME layout (mem/context.h);
     * unknown: only the registers every layout agrees on are read. */
    ds_u64 kernel_build;
    /* Contexts known to lie on this stack (a context record or trap frame
     * the bug check names): spliced into the walk where their sp falls. */
    const ds_context *splice;
    size_t nsplice;
    /* Known bounds of the stack being walked; 0/0 when unknown. The walk
     * and any scan never leave them when they are known. */
    uint64_t stack_low, stack_high;
    unsigned max_frames;      /* default 256 */
    unsigned max_scan_bytes;  /* how far one scan may look for a trap frame;
                                 default 8 KiB */
    unsigned scan_words;      /* stack words one scan may look at for a return
                                 address; default 40 (four times that for the
                                 caller of frame 0), as Breakpad */
    unsigned max_scanned_frames; /* frames a walk may find by scanning; default 64 */
} ds_unwind_env;

/*
 * Walk from start. On return *frames holds *nframes frames (frame 0 = the
 * context, trust DS_TRUST_CONTEXT), each with pc, sp, fp, trust, module and
 * is_trap_frame filled; function names are left NULL (symbolization is the
 * caller's). *end_reason says why the walk stopped. Returns -1 only when out
 * of memory. The caller frees *frames with free() and *end_reason with free().
 */
int ds_unwind_walk(const ds_unwind_env *env, const ds_context *start, ds_frame **frames,
                   size_t *nframes, char **end_reason);

/*
 * One step without scanning: the caller's registers from ctx, by image
 * unwind data (trust UNWIND_INFO) or frame pointers (FRAME_POINTER).
 * exact_pc: ctx->pc is where execution stopped (frame 0, a trap / context
 * record) rather than a return address. *trap: a machine frame or context
 * record was unwound through. false when no method applies.
 */
bool ds_unwind_step(const ds_unwind_env *env, const ds_context *ctx, bool exact_pc,
                    ds_context *caller, ds_trust *trust, bool *trap);

#endif
