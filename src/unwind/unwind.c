/*
 * The walk: frame 0 is the context; each further frame comes from the
 * architecture's unwinder (image unwind data, else frame pointers) or, when
 * that fails, from a stack scan. Hard limits: a frame count, a scan window,
 * the stack bounds; the stack pointer must grow, and a repeated (pc, sp)
 * ends the walk.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unwind/unwind_internal.h"

#define DEFAULT_MAX_FRAMES 256u
#define HARD_MAX_FRAMES 65536u
#define DEFAULT_MAX_SCANNED 64u
#define MAX_SPLICE 16u

/* ----------------------------------------------------------- helpers */

bool uw_in_stack(const uw_walker *w, uint64_t va)
{
    return !w->bounded || (va >= w->lo && va <= w->hi);
}

bool uw_read(const uw_walker *w, uint64_t va, void *buf, size_t len)
{
    if (!w->env->mem || va + len < va)
        return false;
    if (w->bounded && (va < w->lo || va + len > w->hi))
        return false;
    return ds_mem_read(w->env->mem, va, buf, len) == len;
}

bool uw_read64(const uw_walker *w, uint64_t va, uint64_t *out)
{
    uint8_t b[8];
    if (!uw_read(w, va, b, 8))
        return false;
    *out = ds_le64(b);
    return true;
}

bool uw_read32(const uw_walker *w, uint64_t va, uint32_t *out)
{
    uint8_t b[4];
    if (!uw_read(w, va, b, 4))
        return false;
    *out = ds_le32(b);
    return true;
}

bool uw_read_ptr(const uw_walker *w, uint64_t va, uint64_t *out)
{
    if (w->ptr == 8)
        return uw_read64(w, va, out);
    uint32_t v;
    if (!uw_read32(w, va, &v))
        return false;
    *out = v;
    return true;
}

bool uw_not_code(const uw_walker *w, uint64_t va)
{
    return w->env->not_code && w->env->not_code(w->env->ctx, va);
}

const ds_image *uw_image(const uw_walker *w, uint64_t va, int *module, uint32_t *rva)
{
    int mod = -1;
    const ds_image *im = NULL;
    if (w->env->image_at)
        im = w->env->image_at(w->env->ctx, va, &mod);
    if (module)
        *module = mod;
    if (!im)
        return NULL;
    uint64_t base = ds_image_base(im);
    if (va < base || va - base >= ds_image_size(im))
        return NULL;
    if (rva)
        *rva = (uint32_t)(va - base);
    return im;
}

/* A module's code bytes: from its image when there is one, else from the
 * dump's memory (minidumps keep the bytes around each thread's pc). */
size_t uw_code_read(const uw_walker *w, uint64_t va, void *buf, size_t len)
{
    uint32_t rva;
    const ds_image *im = uw_image(w, va, NULL, &rva);
    if (im && ds_image_read(im, rva, buf, len) == len)
        return len;
    if (!w->env->mem || va + len < va)
        return 0;
    return ds_mem_read(w->env->mem, va, buf, len);
}

typedef struct arch_regs {
    ds_arch arch;
    unsigned pc, sp, fp, ptr;
    uw_step_fn step;
} arch_regs;

static const arch_regs arch_table[] = {
    {DS_ARCH_X64, X_PC, X_SP, X_BP, 8, uw_x64_step},
    {DS_ARCH_X86, X_PC, X_SP, X_BP, 4, uw_x86_step},
    {DS_ARCH_ARM64, A64_PC, A64_SP, A64_FP, 8, uw_arm64_step},
};

static const arch_regs *arch_info(ds_arch a)
{
    for (size_t i = 0; i < sizeof arch_table / sizeof *arch_table; i++)
        if (arch_table[i].arch == a)
            return &arch_table[i];
    return NULL;
}

void uw_sync(ds_context *c)
{
    const arch_regs *a = arch_info(c->arch);
    if (!a)
        return;
    c->pc = c->regs[a->pc];
    c->sp = c->regs[a->sp];
    c->fp = c->regs[a->fp];
}

/* regs are authoritative when valid, else the pc/sp/fp copies */
static void normalize(ds_context *c, const arch_regs *a)
{
    if (!(c->valid >> a->pc & 1))
        c->regs[a->pc] = c->pc;
    if (!(c->valid >> a->sp & 1))
        c->regs[a->sp] = c->sp;
    if (!(c->valid >> a->fp & 1))
        c->regs[a->fp] = c->fp;
    c->valid |= 1ull << a->pc | 1ull << a->sp;
    uw_sync(c);
}

/* ------------------------------------------------------------ the walk */

typedef struct frame_list {
    ds_frame *v;
    size_t n, cap;
} frame_list;

static bool push_frame(frame_list *l, const ds_frame *f)
{
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 16;
        ds_frame *p = realloc(l->v, ncap * sizeof *p);
        if (!p)
            return false;
        l->v = p;
        l->cap = ncap;
    }
    l->v[l->n++] = *f;
    return true;
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
    char buf[384];
    va_list ap;
    va_start(ap, f);
    vsnprintf(buf, sizeof buf, f, ap);
    va_end(ap);
    return strdup(buf);
}

static ds_frame make_frame(const uw_walker *w, const uw_state *s, ds_trust trust, bool trap)
{
    ds_frame f;
    memset(&f, 0, sizeof f);
    f.pc = s->ctx.pc;
    f.sp = s->ctx.sp;
    f.fp = s->ctx.fp;
    f.trust = trust;
    f.is_trap_frame = trap;
    f.pc_exact = s->exact_pc;
    /* A return address may sit just past its call's function: name the
     * module of the call. */
    uint64_t look = s->exact_pc || !f.pc ? f.pc : f.pc - 1;
    int mod;
    uw_image(w, look, &mod, NULL);
    if (mod >= 0)
        f.module = (ds_u64){(uint64_t)mod, true};
    return f;
}

/* Frame 0 stopped outside every module (pc = 0: a call through a null
 * pointer; pc in no module: a call into freed or foreign memory). The call
 * left its return address at [sp] (x86/x64) or in lr (ARM64): take it when
 * the code before it is a call, or could be one. */
static bool outside_return(uw_walker *w, const uw_state *cur, uw_result *r)
{
    int mod;
    uw_image(w, cur->ctx.pc, &mod, NULL);
    if (mod >= 0)
        return false;
    ds_context n = cur->ctx;
    uint64_t ret;
    if (w->env->arch == DS_ARCH_ARM64) {
        if (!(cur->ctx.valid >> A64_LR & 1))
            return false;
        ret = uw_strip_pac(cur->ctx.regs[A64_LR]);
        n.regs[A64_PC] = ret;
        n.valid &= ~(1ull << A64_LR);
        r->same_sp_ok = true;
    } else {
        if (!uw_read_ptr(w, cur->ctx.sp, &ret))
            return false;
        n.regs[X_PC] = ret;
        n.regs[X_SP] = cur->ctx.sp + w->ptr;
    }
    uw_call c = uw_preceded_by_call(w, ret);
    if (c == UW_CALL_NO)
        return false;
    r->next = n;
    r->trust = c == UW_CALL_YES ? DS_TRUST_SCAN_VALIDATED : DS_TRUST_SCAN;
    return true;
}

/* x86 / x64, a frame whose pc is where execution stopped (frame 0, a trap
 * frame, a context record): when the code from pc on is nothing but the end
 * of a function - nop, int3, syscall, pop reg, add sp imm, then ret - running
 * it forward gives the caller exactly, whatever the function's unwind data
 * (absent here, or FPO data describing the body, not the epilog). The code
 * bytes come from the image or the dump (doc/stacks.md, "Trust levels"). */
#define RET_AHEAD_BYTES 32u
#define RET_AHEAD_INSNS 8u

static bool ret_ahead(uw_walker *w, const uw_state *cur, uw_result *r)
{
    ds_arch arch = w->env->arch;
    if (!cur->exact_pc || (arch != DS_ARCH_X64 && arch != DS_ARCH_X86))
        return false;
    bool x64 = arch == DS_ARCH_X64;
    uint8_t b[RET_AHEAD_BYTES];
    size_t n = uw_code_read(w, cur->ctx.pc, b, sizeof b);
    ds_context c = cur->ctx;
    size_t p = 0;
    for (unsigned k = 0; k < RET_AHEAD_INSNS && p < n; k++) {
        size_t left = n - p;
        const uint8_t *q = b + p;
        unsigned reg = 16;
        uint64_t add = 0;
        size_t len = 0;
        bool ret_here = q[0] == 0xC3 || (q[0] == 0xC2 && left >= 3) ||
                        (left >= 2 && q[0] == 0xF3 && q[1] == 0xC3);
        if (ret_here) {
            len = 0; /* below */
        } else if (q[0] == 0x90 || (q[0] == 0xCC && k == 0)) {
            len = 1; /* int3 only where execution stopped (a breakpoint) */
        } else if (x64 && left >= 2 && q[0] == 0x0F && q[1] == 0x05) {
            len = 2; /* syscall returns to the next instruction, rsp kept */
        } else if (q[0] >= 0x58 && q[0] <= 0x5F) {
            reg = q[0] - 0x58u, len = 1;
        } else if (x64 && left >= 2 && q[0] == 0x41 && q[1] >= 0x58 && q[1] <= 0x5F) {
            reg = 8u + (q[1] - 0x58u), len = 2;
        } else {
            /* add sp, imm8 / imm32 (REX.W on x64) */
            size_t o = x64 ? 1 : 0;
            if (x64 && q[0] != 0x48)
                return false;
            if (left >= o + 3 && q[o] == 0x83 && q[o + 1] == 0xC4 && !(q[o + 2] & 0x80)) {
                add = q[o + 2], len = o + 3;
            } else if (left >= o + 6 && q[o] == 0x81 && q[o + 1] == 0xC4 &&
                       ds_le32(q + o + 2) < 0x100000u) {
                add = ds_le32(q + o + 2), len = o + 6;
            } else {
                return false;
            }
        }
        if (!len) {
            uint64_t ret;
            if (!uw_read_ptr(w, c.regs[X_SP], &ret))
                return false;
            uint64_t extra = q[0] == 0xC2 ? ds_le16(q + 1) : 0;
            /* the word it returns to must be a return address */
            if (ret == 0 || uw_preceded_by_call(w, ret) == UW_CALL_NO)
                return false;
            c.regs[X_SP] += w->ptr + extra;
            c.regs[X_PC] = ret;
            c.valid |= 1ull << X_PC | 1ull << X_SP;
            memset(r, 0, sizeof *r);
            r->next = c;
            r->trust = DS_TRUST_UNWIND_INFO;
            return true;
        }
        if (reg < 16) {
            uint64_t v;
            if (reg == X_SP || !uw_read_ptr(w, c.regs[X_SP], &v))
                return false;
            c.regs[reg] = v;
            c.valid |= 1ull << reg;
            c.regs[X_SP] += w->ptr;
        }
        c.regs[X_SP] += add;
        p += len;
    }
    return false;
}

/* The known context to splice in before a step that leads from cur to a
 * frame at next_sp (UINT64_MAX: the walk would end): the lowest one whose
 * sp lies above cur and not above next_sp. -1 when none. */
static int splice_at(const uw_walker *w, const uw_state *cur, uint64_t next_sp, uint64_t next_pc,
                     const bool *used)
{
    const ds_unwind_env *env = w->env;
    int best = -1;
    for (size_t i = 0; i < env->nsplice && i < MAX_SPLICE; i++) {
        const ds_context *s = &env->splice[i];
        if (used[i] || s->sp <= cur->ctx.sp || s->sp > next_sp || !uw_in_stack(w, s->sp))
            continue;
        if (s->sp == next_sp && s->pc == next_pc)
            continue; /* the walk finds it by itself */
        if (best < 0 || s->sp < env->splice[best].sp)
            best = (int)i;
    }
    return best;
}

/* The walk continues from known context i: trust "context", exact pc. */
static void take_splice(const ds_unwind_env *env, const arch_regs *a, size_t i, bool *used,
                        uw_result *r)
{
    used[i] = true;
    memset(r, 0, sizeof *r);
    r->next = env->splice[i];
    r->next.arch = env->arch;
    normalize(&r->next, a);
    r->trust = DS_TRUST_CONTEXT;
    r->trap = true;
}

int ds_unwind_walk(const ds_unwind_env *env, const ds_context *start, ds_frame **frames,
                   size_t *nframes, char **end_reason)
{
    *frames = NULL;
    *nframes = 0;
    *end_reason = NULL;
    uw_walker w;
    memset(&w, 0, sizeof w);
    w.env = env;
    const arch_regs *a = arch_info(env->arch);
    w.ptr = a ? a->ptr : 8;
    w.bounded = env->stack_high > env->stack_low;
    w.lo = env->stack_low;
    w.hi = env->stack_high;

    uw_state cur;
    memset(&cur, 0, sizeof cur);
    cur.ctx = *start;
    cur.ctx.arch = env->arch;
    cur.exact_pc = true;
    cur.first = true;
    cur.trust = DS_TRUST_CONTEXT;
    if (a)
        normalize(&cur.ctx, a);

    frame_list out = {0};
    char *reason = NULL;
    bool used[MAX_SPLICE] = {false};
    /* the walk's own start is not spliced in again */
    for (size_t i = 0; i < env->nsplice && i < MAX_SPLICE; i++)
        used[i] = env->splice[i].sp == start->sp && env->splice[i].pc == start->pc;
    ds_frame f0 = make_frame(&w, &cur, DS_TRUST_CONTEXT, false);
    if (!push_frame(&out, &f0))
        goto oom;
    unsigned max = env->max_frames ? env->max_frames : DEFAULT_MAX_FRAMES;
    if (max > HARD_MAX_FRAMES)
        max = HARD_MAX_FRAMES;
    unsigned max_scanned = env->max_scanned_frames ? env->max_scanned_frames : DEFAULT_MAX_SCANNED;
    unsigned scanned = 0;

    if (!a) {
        reason = fmt("no unwinder for the %s architecture", ds_arch_name(env->arch));
        goto done;
    }
    if (w.bounded && !uw_in_stack(&w, cur.ctx.sp)) {
        reason = fmt("the context's sp 0x%" PRIx64 " is outside the known stack", cur.ctx.sp);
        goto done;
    }

    for (;;) {
        if (out.n >= max) {
            reason = fmt("stopped at the frame limit (%u frames)", max);
            break;
        }
        uw_result r;
        memset(&r, 0, sizeof r);
        const char *why = NULL;
        bool ok = false;
        if (cur.first && outside_return(&w, &cur, &r)) {
            ok = true;
        } else if (env->rule_step &&
                   env->rule_step(env->ctx, &cur.ctx, cur.exact_pc, &r.next)) {
            /* External rules (Breakpad STACK CFI/WIN, DWARF CFI) come first:
             * when they exist they were written for exactly this code. */
            r.next.arch = env->arch;
            r.trust = DS_TRUST_UNWIND_INFO;
            ok = true;
        } else if (ret_ahead(&w, &cur, &r)) {
            ok = true;
        } else {
            memset(&r, 0, sizeof r);
            ok = a->step(&w, &cur, &r, &why);
            if (!ok && !r.end && env->frame_pointers && env->arch == DS_ARCH_X64) {
                const char *fp_why = NULL;
                ok = uw_x64_fp_step(&w, &cur, &r, &fp_why);
            }
        }
        if (ok) {
            uw_sync(&r.next);
            if (r.next.pc == 0) {
                reason = fmt("reached a zero return address (end of the call chain)");
                break;
            }
            bool grew = r.next.sp > cur.ctx.sp || (r.same_sp_ok && r.next.sp == cur.ctx.sp);
            if (!grew) {
                ok = false;
                why = "unwinding did not move the stack pointer up";
            } else if (!uw_in_stack(&w, r.next.sp)) {
                reason = fmt("left the known stack bounds (sp 0x%" PRIx64 ")", r.next.sp);
                break;
            }
        }
        /* a context record or trap frame the step would jump over */
        int sp_i = ok ? splice_at(&w, &cur, r.next.sp, r.next.pc, used) : -1;
        if (sp_i >= 0) {
            take_splice(env, a, (size_t)sp_i, used, &r);
            ok = true;
        }
        if (!ok && r.end) {
            reason = fmt("%s at pc 0x%" PRIx64, r.end, cur.ctx.pc);
            break;
        }
        if (!ok) {
            const char *scan_why = NULL;
            if (scanned >= max_scanned) {
                reason = fmt("%s at pc 0x%" PRIx64 "; stopped at the scan limit (%u scanned frames)",
                             why ? why : "no unwind method", cur.ctx.pc, max_scanned);
                break;
            }
            memset(&r, 0, sizeof r);
            bool found = uw_scan(&w, &cur, &r, &scan_why);
            if (found)
                uw_sync(&r.next);
            /* a known context above: the walk goes on from there */
            sp_i = splice_at(&w, &cur, found ? r.next.sp : UINT64_MAX, found ? r.next.pc : 0, used);
            if (sp_i >= 0) {
                take_splice(env, a, (size_t)sp_i, used, &r);
            } else if (!found) {
                if (r.end)
                    reason = fmt("%s (scanning from pc 0x%" PRIx64 ")", r.end, cur.ctx.pc);
                else
                    reason = fmt("%s at pc 0x%" PRIx64 "; %s", why ? why : "no unwind method",
                                 cur.ctx.pc, scan_why ? scan_why : "scan found nothing");
                break;
            }
            uw_sync(&r.next);
            if (r.from_scan)
                scanned++;
        }
        uw_state next;
        memset(&next, 0, sizeof next);
        next.ctx = r.next;
        next.exact_pc = r.trap;
        next.from_scan = r.from_scan;
        next.trust = r.trust;
        /* sp never decreases along the walk: a repeated (pc, sp) can only be
         * among the last frames, those with this same sp */
        bool loop = false;
        for (size_t i = out.n; i-- > 0 && out.v[i].sp >= next.ctx.sp && !loop;)
            if (out.v[i].pc == next.ctx.pc && out.v[i].sp == next.ctx.sp) {
                reason = fmt("loop detected (frame %zu repeats pc and sp)", i);
                loop = true;
            }
        if (loop)
            break;
        for (size_t i = 0; i < env->nsplice && i < MAX_SPLICE; i++)
            if (env->splice[i].sp == next.ctx.sp && env->splice[i].pc == next.ctx.pc)
                used[i] = true;
        ds_frame f = make_frame(&w, &next, r.trust, r.trap);
        if (!push_frame(&out, &f))
            goto oom;
        cur = next;
    }

done:
    if (w.cs_state == 1)
        ds_cs_close(&w.cs);
    if (!reason)
        goto oom_nocs;
    *frames = out.v;
    *nframes = out.n;
    *end_reason = reason;
    return 0;
oom:
    if (w.cs_state == 1)
        ds_cs_close(&w.cs);
oom_nocs:
    free(out.v);
    free(reason);
    return -1;
}

bool ds_unwind_step(const ds_unwind_env *env, const ds_context *ctx, bool exact_pc,
                    ds_context *caller, ds_trust *trust, bool *trap)
{
    const arch_regs *a = arch_info(env->arch);
    if (!a)
        return false;
    uw_walker w;
    memset(&w, 0, sizeof w);
    w.env = env;
    w.ptr = a->ptr;
    w.bounded = env->stack_high > env->stack_low;
    w.lo = env->stack_low;
    w.hi = env->stack_high;
    uw_state cur;
    memset(&cur, 0, sizeof cur);
    cur.ctx = *ctx;
    cur.ctx.arch = env->arch;
    normalize(&cur.ctx, a);
    cur.exact_pc = exact_pc;
    cur.first = exact_pc;
    uw_result r;
    memset(&r, 0, sizeof r);
    const char *why = NULL;
    bool ok = a->step(&w, &cur, &r, &why);
    if (w.cs_state == 1)
        ds_cs_close(&w.cs);
    if (!ok)
        return false;
    uw_sync(&r.next);
    *caller = r.next;
    if (trust)
        *trust = r.trust;
    if (trap)
        *trap = r.trap;
    return true;
}
