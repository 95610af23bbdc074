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
    /* A return address may sit just past its call's function: name the
     * module of the call. */
    uint64_t look = s->exact_pc || !f.pc ? f.pc : f.pc - 1;
    uw_image(w, look, &f.module, NULL);
    return f;
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
    if (a)
        normalize(&cur.ctx, a);

    frame_list out = {0};
    char *reason = NULL;
    ds_frame f0 = make_frame(&w, &cur, DS_TRUST_CONTEXT, false);
    if (!push_frame(&out, &f0))
        goto oom;
    unsigned max = env->max_frames ? env->max_frames : DEFAULT_MAX_FRAMES;
    if (max > HARD_MAX_FRAMES)
        max = HARD_MAX_FRAMES;

    if (!a) {
        reason = fmt("no unwinder for the %s architecture", ds_arch_name(env->arch));
        goto done;
    }
    if (cur.ctx.pc == 0) {
        reason = fmt("the context's pc is zero");
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
        /* External rules (Breakpad STACK CFI/WIN, DWARF CFI) come first: when
         * they exist they were written for exactly this code. */
        bool ok = false;
        if (env->rule_step &&
            env->rule_step(env->ctx, &cur.ctx, cur.exact_pc, &r.next)) {
            r.next.arch = env->arch;
            r.trust = DS_TRUST_UNWIND_INFO;
            ok = true;
        } else {
            memset(&r, 0, sizeof r);
            ok = a->step(&w, &cur, &r, &why);
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
        if (!ok) {
            const char *scan_why = NULL;
            memset(&r, 0, sizeof r);
            if (!uw_scan(&w, &cur, &r, &scan_why)) {
                reason = fmt("%s at pc 0x%" PRIx64 "; %s", why ? why : "no unwind method",
                             cur.ctx.pc, scan_why ? scan_why : "scan found nothing");
                break;
            }
            uw_sync(&r.next);
        }
        uw_state next;
        memset(&next, 0, sizeof next);
        next.ctx = r.next;
        next.exact_pc = r.trap;
        next.from_scan = r.from_scan;
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
        ds_frame f = make_frame(&w, &next, r.trust, r.trap);
        if (!push_frame(&out, &f))
            goto oom;
        cur = next;
    }

done:
    if (w.cs_state == 1)
        cs_close(&w.cs);
    if (!reason)
        goto oom_nocs;
    *frames = out.v;
    *nframes = out.n;
    *end_reason = reason;
    return 0;
oom:
    if (w.cs_state == 1)
        cs_close(&w.cs);
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
        cs_close(&w.cs);
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
