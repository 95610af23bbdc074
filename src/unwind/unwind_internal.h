/* Shared pieces of the unwind stage: the walker, one step's result, and the
 * helpers every architecture uses (bounded stack reads, image lookups, the
 * call-site check). Internal to src/unwind/. */
#ifndef DS_UNWIND_INTERNAL_H
#define DS_UNWIND_INTERNAL_H

#include <capstone/capstone.h>

#include "unwind/unwind.h"

/* capstone's calls, through a library loaded on first use (capstone_lazy.c):
 * call these, never cs_open/cs_disasm/... directly (those are not linked). */
cs_err ds_cs_open(cs_arch arch, cs_mode mode, csh *handle);
cs_err ds_cs_option(csh handle, cs_opt_type type, size_t value);
size_t ds_cs_disasm(csh handle, const uint8_t *code, size_t size, uint64_t address,
                    size_t count, cs_insn **insn);
void ds_cs_free(cs_insn *insn, size_t count);
cs_err ds_cs_close(csh *handle);

/* ARM64 register numbers inside ds_context.regs (dumpscan.h). */
enum { A64_FP = 29, A64_LR = 30, A64_SP = 31, A64_PC = 32 };
/* x64 / x86 */
enum { X_SP = 4, X_BP = 5, X_PC = 16 };

typedef struct uw_walker {
    const ds_unwind_env *env;
    unsigned ptr;              /* pointer size: 4 or 8 */
    bool bounded;              /* stack_low/stack_high are known */
    uint64_t lo, hi;
    csh cs;                    /* capstone handle, opened on first use */
    int cs_state;              /* 0 not tried, 1 open, -1 unavailable */
} uw_walker;

/* The frame being unwound. */
typedef struct uw_state {
    ds_context ctx;
    bool exact_pc;   /* pc is where execution stopped (frame 0, after a trap),
                        not a return address */
    bool from_scan;  /* found by scanning: only pc and sp are trustworthy */
    bool first;      /* frame 0 */
    ds_trust trust;  /* how this frame was found */
} uw_state;

/* One step's outcome. */
typedef struct uw_result {
    ds_context next;
    ds_trust trust;
    bool trap;       /* a machine frame / context was unwound through */
    bool same_sp_ok; /* a leaf on a link-register arch: sp legitimately unchanged */
    bool from_scan;
    const char *end; /* set by a step that failed because the chain ended
                        (x29 = 0, a frame pointer out of the stack, a trap
                        from user mode): the walk stops instead of scanning */
} uw_result;

/* Per-arch step: true with *out filled, or false with *why saying what was
 * missing (the driver then scans). */
typedef bool (*uw_step_fn)(uw_walker *w, const uw_state *cur, uw_result *out,
                           const char **why);

bool uw_x64_step(uw_walker *w, const uw_state *cur, uw_result *out, const char **why);
bool uw_x86_step(uw_walker *w, const uw_state *cur, uw_result *out, const char **why);
bool uw_arm64_step(uw_walker *w, const uw_state *cur, uw_result *out, const char **why);
/* x64 rbp chain, for platforms that keep frame pointers (env->frame_pointers). */
bool uw_x64_fp_step(uw_walker *w, const uw_state *cur, uw_result *out, const char **why);

/* Scan the stack upward from cur->ctx.sp for a return address. */
bool uw_scan(uw_walker *w, const uw_state *cur, uw_result *out, const char **why);

/* ----------------------------------------------------------- helpers */

/* Stack reads: refused outside the known stack bounds. */
bool uw_read(const uw_walker *w, uint64_t va, void *buf, size_t len);
bool uw_read64(const uw_walker *w, uint64_t va, uint64_t *out);
bool uw_read32(const uw_walker *w, uint64_t va, uint32_t *out);
bool uw_read_ptr(const uw_walker *w, uint64_t va, uint64_t *out);
/* sp lies inside the known bounds (always true when they are unknown). */
bool uw_in_stack(const uw_walker *w, uint64_t va);

/* The image holding va and its RVA; NULL when no image. *module is the
 * module index or -1. */
const ds_image *uw_image(const uw_walker *w, uint64_t va, int *module, uint32_t *rva);

/* Is the instruction before a return address a call? */
typedef enum uw_call { UW_CALL_NO = 0, UW_CALL_YES, UW_CALL_UNKNOWN } uw_call;
uw_call uw_preceded_by_call(uw_walker *w, uint64_t ret);
/* The same; *target (may be NULL) receives a direct call's destination, 0
 * for an indirect call. */
uw_call uw_call_before(uw_walker *w, uint64_t ret, uint64_t *target);
/* va is known not to be code (a module's headers, data): env->not_code. */
bool uw_not_code(const uw_walker *w, uint64_t va);
size_t uw_code_read(const uw_walker *w, uint64_t va, void *buf, size_t len);

/* ARM64 return addresses may carry a pointer-authentication code in the
 * bits above the 48-bit VA: restore the canonical form. */
static inline uint64_t uw_strip_pac(uint64_t v)
{
    return (v & (1ull << 55)) ? v | 0xFFFF000000000000ull : v & 0x0000FFFFFFFFFFFFull;
}

/* Keep the format-blind pc/sp/fp copies in step with regs. */
void uw_sync(ds_context *c);

#endif
