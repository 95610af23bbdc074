/*
 * x86 unwinding: FPO / FrameData from the PDB when the caller provides it
 * (trust UNWIND_INFO), else the EBP chain (trust FRAME_POINTER) with a
 * look at the code of frame 0 for the moments the chain is not yet (or no
 * longer) set up: at `push ebp`, right after it, at `pop ebp; ret`, at `ret`.
 * A return address from the chain must be preceded by a call when the code
 * is readable; otherwise the step fails and the driver scans.
 */
#include <stdlib.h>
#include <string.h>

#include "mem/context.h"
#include "unwind/unwind_internal.h"

enum { EAX = 0, ECX, EDX, EBX, ESP, EBP, ESI, EDI };

static const uint64_t volatile_regs = 1u << EAX | 1u << ECX | 1u << EDX;

static void set_reg(ds_context *c, unsigned r, uint64_t v)
{
    c->regs[r] = v & 0xFFFFFFFFu;
    c->valid |= 1ull << r;
}

static bool ret_plausible(uw_walker *w, uint64_t ret)
{
    int mod;
    if (ret == 0)
        return true; /* the end of the chain, reported by the driver */
    uw_image(w, ret - 1, &mod, NULL);
    return mod >= 0 && uw_preceded_by_call(w, ret) != UW_CALL_NO;
}

/* ------------------------------------------------ FrameData programs */

#define PROG_MAX_TOKENS 512
#define PROG_MAX_VARS 32
#define PROG_STACK 32

typedef struct prog_var {
    char name[16];
    uint32_t v;
    bool set, assigned;
} prog_var;

typedef struct prog {
    prog_var vars[PROG_MAX_VARS];
    unsigned nvars;
} prog;

static prog_var *var(prog *p, const char *name, size_t len, bool create)
{
    if (len == 0 || len >= sizeof p->vars[0].name)
        return NULL;
    for (unsigned i = 0; i < p->nvars; i++)
        if (strlen(p->vars[i].name) == len && memcmp(p->vars[i].name, name, len) == 0)
            return &p->vars[i];
    if (!create || p->nvars == PROG_MAX_VARS)
        return NULL;
    prog_var *v = &p->vars[p->nvars++];
    memset(v, 0, sizeof *v);
    memcpy(v->name, name, len);
    return v;
}

static void preset(prog *p, const char *name, uint32_t value)
{
    prog_var *v = var(p, name, strlen(name), true);
    if (v) {
        v->v = value;
        v->set = true;
    }
}

typedef struct slot {
    prog_var *name; /* a variable reference, or NULL for a value */
    uint32_t v;
} slot;

static bool value_of(const slot *s, uint32_t *out)
{
    if (s->name) {
        if (!s->name->set)
            return false;
        *out = s->name->v;
    } else {
        *out = s->v;
    }
    return true;
}

/* Evaluate a postfix FrameData program ("$T0 .raSearch = $eip $T0 ^ = ..."). */
static bool run_program(uw_walker *w, const char *text, prog *p)
{
    slot st[PROG_STACK];
    unsigned sp = 0, ntok = 0;
    const char *s = text;
    while (*s) {
        while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
            s++;
        if (!*s)
            break;
        const char *t = s;
        while (*s && *s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            s++;
        size_t len = (size_t)(s - t);
        if (++ntok > PROG_MAX_TOKENS)
            return false;
        if (len == 1 && strchr("+-*/%@^=", *t)) {
            uint32_t a, b;
            if (*t == '^') {
                if (sp < 1 || !value_of(&st[sp - 1], &a))
                    return false;
                uint32_t m;
                if (!uw_read32(w, a, &m))
                    return false;
                st[sp - 1] = (slot){NULL, m};
                continue;
            }
            if (sp < 2 || !value_of(&st[sp - 1], &b))
                return false;
            if (*t == '=') {
                if (!st[sp - 2].name)
                    return false;
                st[sp - 2].name->v = b;
                st[sp - 2].name->set = st[sp - 2].name->assigned = true;
                sp -= 2;
                continue;
            }
            if (!value_of(&st[sp - 2], &a))
                return false;
            uint32_t r;
            switch (*t) {
            case '+': r = a + b; break;
            case '-': r = a - b; break;
            case '*': r = a * b; break;
            case '/': if (!b) return false; r = a / b; break;
            case '%': if (!b) return false; r = a % b; break;
            default: r = b ? a & ~(b - 1) : a; break; /* '@': align down */
            }
            sp -= 2;
            st[sp++] = (slot){NULL, r};
            continue;
        }
        if (sp == PROG_STACK)
            return false;
        if ((*t >= '0' && *t <= '9') || (*t == '-' && len > 1)) {
            char num[24];
            if (len >= sizeof num)
                return false;
            memcpy(num, t, len);
            num[len] = '\0';
            char *end;
            bool hex = len > 2 && num[0] == '0' && (num[1] | 0x20) == 'x';
            long long v = strtoll(num, &end, hex ? 16 : 10);
            if (*end)
                return false;
            st[sp++] = (slot){NULL, (uint32_t)v};
            continue;
        }
        prog_var *v = var(p, t, len, true);
        if (!v)
            return false;
        st[sp++] = (slot){v, 0};
    }
    return true;
}

static bool fpo_step(uw_walker *w, const uw_state *cur, const ds_pdb_fpo *fpo, ds_context *c)
{
    uint32_t esp = (uint32_t)cur->ctx.regs[ESP];
    uint32_t search = esp + fpo->locals_size + fpo->saved_regs_size;
    if (fpo->program) {
        static const char *const names[8] = {"$eax", "$ecx", "$edx", "$ebx",
                                             "$esp", "$ebp", "$esi", "$edi"};
        prog p;
        memset(&p, 0, sizeof p);
        for (unsigned r = 0; r < 8; r++)
            if (r == ESP || (cur->ctx.valid >> r & 1))
                preset(&p, names[r], (uint32_t)cur->ctx.regs[r]);
        preset(&p, "$eip", (uint32_t)cur->ctx.pc);
        preset(&p, ".raSearch", search);
        preset(&p, ".raSearchStart", search);
        preset(&p, ".cbSavedRegs", fpo->saved_regs_size);
        preset(&p, ".cbLocals", fpo->locals_size);
        preset(&p, ".cbParams", fpo->params_size);
        if (!run_program(w, fpo->program, &p))
            return false;
        prog_var *eip = var(&p, "$eip", 4, false), *nesp = var(&p, "$esp", 4, false);
        if (!eip || !eip->assigned || !nesp || !nesp->assigned)
            return false;
        for (unsigned r = 0; r < 8; r++) {
            prog_var *v = var(&p, names[r], strlen(names[r]), false);
            if (v && v->assigned)
                set_reg(c, r, v->v);
        }
        set_reg(c, X_PC, eip->v);
        return true;
    }
    /* Classic FPO without a frame pointer: locals and saved registers sit
     * between esp and the return address. */
    uint32_t ret;
    if (!uw_read32(w, search, &ret))
        return false;
    set_reg(c, X_PC, ret);
    set_reg(c, ESP, (uint64_t)search + 4);
    return true;
}

/* ------------------------------------------------------------- steps */

/* Frame 0 only: the code at pc says the EBP frame is not (or no longer) there. */
static bool code_step(uw_walker *w, const uw_state *cur, ds_context *c)
{
    int mod;
    uint32_t rva;
    const ds_image *im = uw_image(w, cur->ctx.pc, &mod, &rva);
    uint8_t b[3], prev = 0;
    if (!im || ds_image_read(im, rva, b, 3) != 3)
        return false;
    bool have_prev = rva > 0 && ds_image_read(im, rva - 1, &prev, 1) == 1;
    uint64_t esp = cur->ctx.regs[ESP];
    uint32_t ret, ebp;
    unsigned popped; /* bytes popped before the return address */
    uint32_t extra = 0;
    if (b[0] == 0x55 || (b[0] == 0x8B && b[1] == 0xFF)) { /* push ebp / hot-patch nop */
        popped = 0;
    } else if (b[0] == 0xC3) {
        popped = 0;
    } else if (b[0] == 0xC2) {
        popped = 0;
        extra = ds_le16(b + 1);
    } else if (b[0] == 0x5D && (b[1] == 0xC3 || b[1] == 0xC2)) {
        popped = 4;
        if (b[1] == 0xC2 && ds_image_read(im, rva + 2, b, 2) == 2)
            extra = ds_le16(b);
    } else if (have_prev && prev == 0x55 &&
               ((b[0] == 0x8B && b[1] == 0xEC) || (b[0] == 0x89 && b[1] == 0xE5))) {
        popped = 4; /* ebp pushed, not yet moved */
    } else {
        return false;
    }
    if (popped && !uw_read32(w, esp, &ebp))
        return false;
    if (!uw_read32(w, esp + popped, &ret) || !ret_plausible(w, ret))
        return false;
    if (popped)
        set_reg(c, EBP, ebp);
    set_reg(c, X_PC, ret);
    set_reg(c, ESP, esp + popped + 4 + extra);
    return true;
}

/*
 * Kernel trap handlers (KiTrap0E, KiInterruptTemplate, ...) point ebp at the
 * KTRAP_FRAME they build, whose DbgArgMark (+0x08) holds 0xBADB0D00. The
 * frame "returns" to the interrupted code: its registers are what
 * ds_trap_frame_read finds there for the kernel's build (doc/formats.md 9.1);
 * the frame up to EFlags must lie on the stack.
 */
static bool trap_step(uw_walker *w, uint64_t tf, ds_context *c)
{
    uint32_t mark, flags;
    return uw_read32(w, tf + 0x08, &mark) && mark == 0xBADB0D00u &&
           uw_read32(w, tf + 0x70, &flags) &&
           ds_trap_frame_read(w->env->mem, DS_ARCH_X86, w->env->kernel_build, tf, c);
}

static bool ebp_step(uw_walker *w, const uw_state *cur, ds_context *c, uw_result *out,
                     const char **why)
{
    uint64_t ebp = cur->ctx.regs[EBP], esp = cur->ctx.regs[ESP];
    uint32_t old, ret;
    if (!ebp || (ebp & 3) || ebp < esp || !uw_in_stack(w, ebp)) {
        /* after a frame-pointer frame, a zero or out-of-stack ebp is where
         * the chain ends, not a reason to scan */
        if (cur->trust == DS_TRUST_FRAME_POINTER && w->bounded && (!ebp || !uw_in_stack(w, ebp)))
            out->end = ebp ? "the frame pointer left the stack (end of the ebp chain)"
                           : "the frame pointer is zero (end of the ebp chain)";
        *why = "no usable frame pointer (ebp)";
        return false;
    }
    if (!uw_read32(w, ebp, &old) || !uw_read32(w, ebp + 4, &ret)) {
        *why = "frame at ebp not readable";
        return false;
    }
    if (!ret_plausible(w, ret)) {
        *why = "ebp chain's return address is not preceded by a call";
        return false;
    }
    set_reg(c, EBP, old);
    set_reg(c, X_PC, ret);
    set_reg(c, ESP, ebp + 8);
    return true;
}

bool uw_x86_step(uw_walker *w, const uw_state *cur, uw_result *out, const char **why)
{
    ds_context c = cur->ctx;
    c.valid &= ~volatile_regs;
    uint64_t look = cur->exact_pc ? cur->ctx.pc : cur->ctx.pc - 1;
    const ds_unwind_env *env = w->env;
    ds_pdb_fpo fpo;
    if (env->fpo_at && env->fpo_at(env->ctx, look, &fpo) && (fpo.program || !fpo.uses_bp)) {
        if (fpo_step(w, cur, &fpo, &c)) {
            out->next = c;
            out->trust = DS_TRUST_UNWIND_INFO;
            return true;
        }
        c = cur->ctx;
        c.valid &= ~volatile_regs;
    }
    if (cur->first && code_step(w, cur, &c)) {
        out->next = c;
        out->trust = DS_TRUST_FRAME_POINTER;
        return true;
    }
    uint64_t ebp = cur->ctx.regs[EBP];
    if (ebp && !(ebp & 3) && ebp >= cur->ctx.regs[ESP] && trap_step(w, ebp, &c)) {
        out->next = c;
        out->trust = DS_TRUST_FRAME_POINTER;
        out->trap = true; /* the next pc is exact: it was interrupted, not called */
        return true;
    }
    c = cur->ctx;
    c.valid &= ~volatile_regs;
    if (!ebp_step(w, cur, &c, out, why))
        return false;
    out->next = c;
    out->trust = DS_TRUST_FRAME_POINTER;
    return true;
}
