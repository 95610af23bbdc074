/*
 * Breakpad .sym unwinding: the postfix evaluator, STACK CFI rules (every
 * architecture) and x86 STACK WIN records (FrameData program strings and
 * FPO frame sizes), with the walk semantics of Breakpad's x86 stack walker
 * (.raSearchStart, the three-word alignment scan, return-address and %ebp
 * recovery scans). Everything is bounded: expression length, evaluation stack
 * depth, variable count, scan lengths.
 */
#include <stdlib.h>
#include <string.h>

#include "symbols/breakpad_priv.h"

#define BP_EXPR_MAX 4096   /* bytes of one expression / program string */
#define BP_STACK_MAX 32    /* evaluation stack depth */
#define BP_VARS_MAX 64     /* dictionary entries */
#define BP_RULES_MAX 64    /* distinct registers in one CFI rule set */
#define BP_RA_SEARCH_WORDS 40u /* Breakpad's scan length (x4 for the context frame) */
#define BP_FP_SEARCH_MAX 1024u /* words examined when recovering %ebp */

/* ------------------------------------------------------------ registers */

typedef struct arch_regs {
    unsigned bytes; /* pointer size */
    int pc, sp, fp;
    uint64_t callee_saves; /* carried to the caller when no rule names them */
} arch_regs;

static bool arch_info(ds_arch a, arch_regs *r)
{
    switch (a) {
    case DS_ARCH_X86:
        *r = (arch_regs){4, 16, 4, 5, (1u << 3) | (1u << 5) | (1u << 6) | (1u << 7)};
        return true;
    case DS_ARCH_X64:
        *r = (arch_regs){8, 16, 4, 5, (1u << 3) | (1u << 5) | (0xFull << 12)};
        return true;
    case DS_ARCH_ARM64:
        *r = (arch_regs){8, 32, 31, 29, 0x7FFull << 19};
        return true;
    case DS_ARCH_ARM:
        *r = (arch_regs){4, 15, 13, 11, 0xFFull << 4};
        return true;
    default:
        return false;
    }
}

static bool name_is(bp_str s, const char *lit)
{
    return bp_tok_eq(s, lit);
}

/* Small decimal suffix ("x12" -> 12), -1 if not one. */
static int small_num(const char *p, size_t n)
{
    if (n == 0 || n > 2)
        return -1;
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    if (n == 2 && p[0] == '0')
        return -1;
    return v;
}

/* Register index (ds_context numbering) of a rule/variable name, -1 if none.
 * A leading '$' is optional for every architecture. */
static int reg_index(ds_arch a, bp_str s)
{
    if (s.n && s.p[0] == '$')
        s.p++, s.n--;
    static const char *const x86[] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
    static const char *const x64[] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi"};
    switch (a) {
    case DS_ARCH_X86:
        for (int i = 0; i < 8; i++)
            if (name_is(s, x86[i]))
                return i;
        if (name_is(s, "eip"))
            return 16;
        if (name_is(s, "efl") || name_is(s, "eflags"))
            return 17;
        return -1;
    case DS_ARCH_X64:
        for (int i = 0; i < 8; i++)
            if (name_is(s, x64[i]))
                return i;
        if (name_is(s, "rip"))
            return 16;
        if (s.n >= 2 && s.p[0] == 'r') {
            int v = small_num(s.p + 1, s.n - 1);
            if (v >= 8 && v <= 15)
                return v;
        }
        return -1;
    case DS_ARCH_ARM64:
        if (name_is(s, "fp"))
            return 29;
        if (name_is(s, "lr"))
            return 30;
        if (name_is(s, "sp"))
            return 31;
        if (name_is(s, "pc"))
            return 32;
        if (s.n >= 2 && s.p[0] == 'x') {
            int v = small_num(s.p + 1, s.n - 1);
            if (v >= 0 && v <= 30)
                return v;
        }
        return -1;
    case DS_ARCH_ARM:
        if (name_is(s, "sp"))
            return 13;
        if (name_is(s, "lr"))
            return 14;
        if (name_is(s, "pc"))
            return 15;
        if (s.n >= 2 && s.p[0] == 'r') {
            int v = small_num(s.p + 1, s.n - 1);
            if (v >= 0 && v <= 15)
                return v;
        }
        return -1;
    default:
        return -1;
    }
}

/* ------------------------------------------------------------ evaluator */

typedef struct bp_var {
    bp_str name;
    uint64_t v;
    bool assigned; /* set by the program ("=") rather than given */
} bp_var;

typedef struct bp_item {
    bool is_id;
    bp_str id;
    uint64_t v;
} bp_item;

typedef struct bp_eval {
    uint64_t mask;
    unsigned bytes;
    const ds_memview *mem;
    uint64_t lo, hi; /* readable window when hi > lo */
    bp_var vars[BP_VARS_MAX];
    size_t nvars;
    /* CFI: callee registers resolve names the dictionary does not hold */
    const ds_context *regs;
    ds_arch arch;
    bp_item stack[BP_STACK_MAX];
    size_t depth;
} bp_eval;

static void eval_init(bp_eval *e, unsigned bytes, const ds_memview *mem, const ds_bpsym_walk *o)
{
    memset(e, 0, sizeof *e);
    e->bytes = bytes;
    e->mask = bytes == 4 ? UINT32_MAX : UINT64_MAX;
    e->mem = mem;
    if (o && o->stack_hi > o->stack_lo) {
        e->lo = o->stack_lo;
        e->hi = o->stack_hi;
    }
}

static bool eval_read(const bp_eval *e, uint64_t addr, uint64_t *out)
{
    if (!e->mem)
        return false;
    if (e->hi > e->lo && (addr < e->lo || addr >= e->hi || e->hi - addr < e->bytes))
        return false;
    if (e->bytes == 4) {
        uint32_t v;
        if (!ds_mem_u32(e->mem, addr, &v))
            return false;
        *out = v;
        return true;
    }
    return ds_mem_u64(e->mem, addr, out);
}

static bp_var *var_find(bp_eval *e, bp_str name)
{
    for (size_t i = 0; i < e->nvars; i++)
        if (e->vars[i].name.n == name.n && memcmp(e->vars[i].name.p, name.p, name.n) == 0)
            return &e->vars[i];
    return NULL;
}

static bool var_set(bp_eval *e, bp_str name, uint64_t v, bool assigned)
{
    bp_var *x = var_find(e, name);
    if (!x) {
        if (e->nvars == BP_VARS_MAX)
            return false;
        x = &e->vars[e->nvars++];
        x->name = name;
        x->assigned = false;
    }
    x->v = v & e->mask;
    x->assigned |= assigned;
    return true;
}

static bool var_lit(bp_eval *e, const char *lit, uint64_t v)
{
    return var_set(e, (bp_str){lit, strlen(lit)}, v, false);
}

static bool var_get(bp_eval *e, const char *lit, uint64_t *v, bool *assigned)
{
    bp_var *x = var_find(e, (bp_str){lit, strlen(lit)});
    if (!x)
        return false;
    *v = x->v;
    if (assigned)
        *assigned = x->assigned;
    return true;
}

static bool resolve(bp_eval *e, const bp_item *it, uint64_t *v)
{
    if (!it->is_id) {
        *v = it->v;
        return true;
    }
    bp_var *x = var_find(e, it->id);
    if (x) {
        *v = x->v;
        return true;
    }
    if (e->regs) {
        int r = reg_index(e->arch, it->id);
        if (r >= 0 && r < DS_MAX_REGS && (e->regs->valid >> r & 1)) {
            *v = e->regs->regs[r] & e->mask;
            return true;
        }
    }
    return false;
}

static bool push(bp_eval *e, bp_item it)
{
    if (e->depth == BP_STACK_MAX)
        return false;
    e->stack[e->depth++] = it;
    return true;
}

static bool pop_value(bp_eval *e, uint64_t *v)
{
    if (e->depth == 0)
        return false;
    return resolve(e, &e->stack[--e->depth], v);
}

/* Decimal literal, optionally negative (wraps like the unsigned C++ parse). */
static bool parse_literal(bp_str t, uint64_t mask, uint64_t *out)
{
    bool neg = t.n > 1 && t.p[0] == '-';
    size_t i = neg ? 1 : 0;
    if (i == t.n)
        return false;
    uint64_t v = 0;
    for (; i < t.n; i++) {
        if (t.p[i] < '0' || t.p[i] > '9')
            return false;
        uint64_t d = (uint64_t)(t.p[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (v > mask)
        return false;
    *out = (neg ? 0 - v : v) & mask;
    return true;
}

static bool looks_numeric(bp_str t)
{
    char c = t.p[0];
    return (c >= '0' && c <= '9') || (c == '-' && t.n > 1 && t.p[1] >= '0' && t.p[1] <= '9');
}

static bool eval_token(bp_eval *e, bp_str t, bool statement)
{
    if (t.n == 1 && t.p[0] && strchr("+-*/%@", t.p[0])) {
        uint64_t b, a, r;
        if (!pop_value(e, &b) || !pop_value(e, &a))
            return false;
        switch (t.p[0]) {
        case '+': r = a + b; break;
        case '-': r = a - b; break;
        case '*': r = a * b; break;
        case '/':
            if (b == 0)
                return false;
            r = a / b;
            break;
        case '%':
            if (b == 0)
                return false;
            r = a % b;
            break;
        default: /* '@': align down to a power of two */
            if (b == 0 || (b & (b - 1)))
                return false;
            r = a & ~(b - 1);
            break;
        }
        return push(e, (bp_item){false, {0, 0}, r & e->mask});
    }
    if (t.n == 1 && t.p[0] == '^') {
        uint64_t a, v;
        if (!pop_value(e, &a) || !eval_read(e, a, &v))
            return false;
        return push(e, (bp_item){false, {0, 0}, v & e->mask});
    }
    if (t.n == 1 && t.p[0] == '=') {
        uint64_t v;
        if (!statement || !pop_value(e, &v) || e->depth == 0)
            return false;
        bp_item target = e->stack[--e->depth];
        if (!target.is_id || target.id.p[0] != '$')
            return false;
        return var_set(e, target.id, v, true);
    }
    if (looks_numeric(t)) {
        uint64_t v;
        return parse_literal(t, e->mask, &v) && push(e, (bp_item){false, {0, 0}, v});
    }
    return push(e, (bp_item){true, t, 0});
}

/*
 * Run expr. statement: a STACK WIN program ("=" allowed, the stack must end
 * empty). Otherwise a CFI expression whose single result goes to *result.
 * The dictionary keeps whatever was assigned before a failure, as Breakpad's.
 */
static bool eval_run(bp_eval *e, bp_str expr, bool statement, uint64_t *result)
{
    e->depth = 0;
    if (expr.n > BP_EXPR_MAX)
        return false;
    bp_str s = expr, t;
    while (bp_next_token(&s, &t)) {
        /* MSVC sometimes glues "=" to the next token: "=$eip" */
        if (statement && t.n > 1 && t.p[0] == '=') {
            if (!eval_token(e, (bp_str){t.p, 1}, true))
                return false;
            t.p++, t.n--;
        }
        if (!eval_token(e, t, statement))
            return false;
    }
    if (statement)
        return e->depth == 0;
    if (e->depth != 1)
        return false;
    return pop_value(e, result);
}

/* ------------------------------------------------------------ STACK CFI */

typedef struct bp_rule {
    bp_str name, expr;
} bp_rule;

typedef struct bp_rules {
    bp_rule r[BP_RULES_MAX];
    size_t n;
} bp_rules;

static bool rules_put(bp_rules *R, bp_str name, bp_str expr)
{
    for (size_t i = 0; i < R->n; i++)
        if (R->r[i].name.n == name.n && memcmp(R->r[i].name.p, name.p, name.n) == 0) {
            R->r[i].expr = expr; /* a later record overrides */
            return true;
        }
    if (R->n == BP_RULES_MAX)
        return false;
    R->r[R->n++] = (bp_rule){name, expr};
    return true;
}

/* "NAME: expr NAME: expr ..." merged into R. */
static bool parse_rules(bp_str text, bp_rules *R)
{
    bp_str s = text, t, name = {0, 0}, expr = {0, 0};
    bool have = false;
    while (bp_next_token(&s, &t)) {
        if (t.n >= 2 && t.p[t.n - 1] == ':') {
            if (have && (expr.n == 0 || !rules_put(R, name, expr)))
                return false;
            name = (bp_str){t.p, t.n - 1};
            expr = (bp_str){0, 0};
            have = true;
            continue;
        }
        if (!have)
            return false;
        if (expr.n == 0)
            expr = t;
        else
            expr.n = (size_t)(t.p + t.n - expr.p);
    }
    return have && expr.n != 0 && rules_put(R, name, expr);
}

static const bp_rule *rule_get(const bp_rules *R, const char *name)
{
    for (size_t i = 0; i < R->n; i++)
        if (bp_tok_eq(R->r[i].name, name))
            return &R->r[i];
    return NULL;
}

static void set_mirrors(ds_context *c, const arch_regs *ar)
{
    c->pc = c->regs[ar->pc];
    c->sp = c->regs[ar->sp];
    c->fp = c->regs[ar->fp];
}

static bool cfi_unwind(const ds_bpsym *b, const bp_cfi *c, uint64_t rva, ds_arch arch,
                       const ds_context *callee, const ds_memview *mem,
                       const ds_bpsym_walk *o, ds_context *caller)
{
    arch_regs ar;
    if (!arch_info(arch, &ar))
        return false;
    bp_rules *R = malloc(sizeof *R);
    if (!R)
        return false;
    R->n = 0;
    bool ok = parse_rules(bp_text(b, c->rules_off, c->rules_len), R);
    /* then every delta from the start of the range up to rva, by address */
    for (size_t i = bp_first_delta(b, c->s.start); ok && i < b->ndeltas && b->deltas[i].addr <= rva;
         i++)
        ok = parse_rules(bp_text(b, b->deltas[i].rules_off, b->deltas[i].rules_len), R);
    const bp_rule *rcfa = ok ? rule_get(R, ".cfa") : NULL;
    const bp_rule *rra = ok ? rule_get(R, ".ra") : NULL;
    bp_eval *e = rcfa && rra ? malloc(sizeof *e) : NULL;
    uint64_t cfa, ra;
    ok = false;
    if (e) {
        eval_init(e, ar.bytes, mem, o);
        e->regs = callee;
        e->arch = arch;
        ok = eval_run(e, rcfa->expr, false, &cfa) && var_lit(e, ".cfa", cfa) &&
             eval_run(e, rra->expr, false, &ra);
    }
    if (ok) {
        ds_context out;
        memset(&out, 0, sizeof out);
        out.arch = arch;
        uint64_t ruled = 0; /* registers with a rule: never carried over */
        for (size_t i = 0; i < R->n; i++) {
            const bp_rule *r = &R->r[i];
            int idx = reg_index(arch, r->name);
            uint64_t v;
            if (idx < 0 || r == rcfa || r == rra)
                continue;
            ruled |= 1ull << idx;
            /* a rule that fails (.undef, unreadable memory) leaves it unknown */
            if (eval_run(e, r->expr, false, &v)) {
                out.regs[idx] = v;
                out.valid |= 1ull << idx;
            }
        }
        if (!(out.valid >> ar.sp & 1)) {
            out.regs[ar.sp] = cfa;
            out.valid |= 1ull << ar.sp;
        }
        if (!(out.valid >> ar.pc & 1)) {
            out.regs[ar.pc] = ra;
            out.valid |= 1ull << ar.pc;
        }
        uint64_t carry = ar.callee_saves & callee->valid & ~out.valid & ~ruled;
        for (int r = 0; r < DS_MAX_REGS; r++)
            if (carry >> r & 1)
                out.regs[r] = callee->regs[r];
        out.valid |= carry;
        set_mirrors(&out, &ar);
        *caller = out;
    }
    free(e);
    free(R);
    return ok;
}

/* ------------------------------------------------------------ STACK WIN */

enum { X86_EBX = 3, X86_ESP = 4, X86_EBP = 5, X86_ESI = 6, X86_EDI = 7, X86_EIP = 16 };

/*
 * Breakpad's return-address scan: words at start, start+4, ... (words + 1 of
 * them) inside the readable window; the first that passes the strict check.
 */
static bool scan_ra(const bp_eval *e, const ds_bpsym_walk *o, uint32_t start, unsigned words,
                    uint32_t *loc, uint32_t *ip)
{
    if (!o || !o->code_check)
        return false;
    for (unsigned i = 0; i <= words; i++) {
        uint64_t a = (uint64_t)start + 4ull * i, v;
        if (a > UINT32_MAX || !eval_read(e, a, &v))
            break;
        if (o->code_check(o->arg, v, true)) {
            *loc = (uint32_t)a;
            *ip = (uint32_t)v;
            return true;
        }
    }
    return false;
}

static bool win_unwind(const ds_bpsym *b, const bp_win *w, const ds_context *callee,
                       const ds_memview *mem, const ds_bpsym_walk *o, ds_context *caller,
                       ds_trust *trust)
{
    if (!(callee->valid >> X86_ESP & 1))
        return false;
    bp_eval *e = malloc(sizeof *e);
    if (!e)
        return false;
    eval_init(e, 4, mem, o);
    uint32_t esp = (uint32_t)callee->regs[X86_ESP];
    uint32_t callee_params = o ? o->callee_param_size : 0;
    bool context_frame = o && o->context_frame;
    bool ok = var_lit(e, "$esp", esp);
    if (callee->valid >> X86_EBP & 1)
        ok = ok && var_lit(e, "$ebp", callee->regs[X86_EBP]);
    if (callee->valid >> X86_EBX & 1)
        ok = ok && var_lit(e, "$ebx", callee->regs[X86_EBX]);
    if (callee->valid >> X86_ESI & 1)
        ok = ok && var_lit(e, "$esi", callee->regs[X86_ESI]);
    if (callee->valid >> X86_EDI & 1)
        ok = ok && var_lit(e, "$edi", callee->regs[X86_EDI]);
    ok = ok && var_lit(e, ".cbCalleeParams", callee_params) &&
         var_lit(e, ".cbSavedRegs", w->saved_regs) && var_lit(e, ".cbLocals", w->locals);

    /* Where the return address should be: above the callee's arguments, the
     * saved registers and the locals. A few words further when the stack was
     * aligned; one more when the context frame is an FPO system call whose
     * own return address is still on the stack. */
    uint32_t ra_start = esp + callee_params + w->locals + w->saved_regs;
    uint32_t ra_old = ra_start, loc, found;
    if (scan_ra(e, o, ra_start, 3, &loc, &found)) {
        ra_start = loc;
        if (context_frame && w->type == 0 && ra_old == ra_start &&
            (callee->valid >> X86_EIP & 1) && found == (uint32_t)callee->regs[X86_EIP]) {
            ra_start += 4;
            if (scan_ra(e, o, ra_start, 3, &loc, &found))
                ra_start = loc;
        }
    }
    ok = ok && var_lit(e, ".cbParams", w->param);

    bp_str prog = w->has_program ? bp_text(b, w->prog_off, w->prog_len) : (bp_str){0, 0};
    bool recover_ebp = w->has_program || w->allocates_bp;
    /* An aligned stack (operator @) loses %esp: only %ebp locates the frame. */
    if (w->has_program && (callee->valid >> X86_EBP & 1) && memchr(prog.p, '@', prog.n))
        ra_start = (uint32_t)callee->regs[X86_EBP] + 4;
    ok = ok && var_lit(e, ".raSearch", ra_start) && var_lit(e, ".raSearchStart", ra_start);
    if (!ok) {
        free(e);
        return false;
    }

    bool eval_ok;
    if (w->has_program) {
        uint64_t dummy;
        eval_ok = eval_run(e, prog, true, &dummy);
    } else {
        /* FPO: eip at .raSearchStart, esp just above it; with a base pointer
         * allocated, the caller's ebp sits in the saved-register area. */
        uint64_t v;
        eval_ok = eval_read(e, ra_start, &v) && var_set(e, (bp_str){"$eip", 4}, v, true);
        if (eval_ok && w->allocates_bp)
            eval_ok = eval_read(e, (uint32_t)(esp + callee_params + w->saved_regs - 8), &v) &&
                      var_set(e, (bp_str){"$ebp", 4}, v, true);
        if (eval_ok)
            eval_ok = var_set(e, (bp_str){"$esp", 4}, (uint32_t)(ra_start + 4), true);
        if (eval_ok && (callee->valid >> X86_EBX & 1))
            eval_ok = var_set(e, (bp_str){"$ebx", 4}, callee->regs[X86_EBX], true);
    }
    uint64_t eip = 0, nesp = 0, ebp = 0;
    bool eip_set = false, esp_set = false;
    if (eval_ok) {
        var_get(e, "$eip", &eip, &eip_set);
        var_get(e, "$esp", &nesp, &esp_set);
    }
    ds_trust t = DS_TRUST_UNWIND_INFO;
    if (!eval_ok || !eip_set || !esp_set) {
        /* The record did not give eip and esp: scan from the callee's esp. */
        if (!scan_ra(e, o, esp, context_frame ? 4 * BP_RA_SEARCH_WORDS : BP_RA_SEARCH_WORDS,
                     &loc, &found)) {
            free(e);
            return false;
        }
        eip = found;
        nesp = (uint32_t)(loc + 4);
        var_set(e, (bp_str){"$eip", 4}, eip, true);
        var_set(e, (bp_str){"$esp", 4}, nesp, true);
        t = DS_TRUST_SCAN;
    }
    bool have_ebp = var_get(e, "$ebp", &ebp, NULL);

    if (eip != 0 || ebp != 0) {
        uint32_t offset = 0;
        if (o && o->code_check && !o->code_check(o->arg, eip, false)) {
            /* Not a code address: look one word above .raSearchStart. */
            uint32_t start = ra_start + 4;
            if (scan_ra(e, o, start, context_frame ? 4 * BP_RA_SEARCH_WORDS : BP_RA_SEARCH_WORDS,
                        &loc, &found)) {
                eip = found;
                nesp = (uint32_t)(loc + 4);
                offset = loc - start;
                t = DS_TRUST_SCAN;
            }
        }
        if (recover_ebp) {
            /* A recovered ebp must point into readable memory; otherwise take
             * the highest word of the saved-register area that does. Frames
             * skipped by a scan also make ebp suspect. */
            uint64_t probe;
            bool skipped = t != DS_TRUST_UNWIND_INFO && ebp <= (uint64_t)ra_start + offset;
            if (skipped || !eval_read(e, (uint32_t)ebp, &probe)) {
                uint64_t end = (uint32_t)(esp + callee_params);
                uint64_t top = end + (uint64_t)w->saved_regs + offset;
                for (unsigned n = 0; n < BP_FP_SEARCH_MAX && top >= end && top <= UINT32_MAX;
                     n++, top -= 4) {
                    uint64_t cand;
                    if (!eval_read(e, top, &cand))
                        break;
                    if (eval_read(e, cand, &probe)) {
                        ebp = cand;
                        have_ebp = true;
                        break;
                    }
                    if (top < 4)
                        break;
                }
            }
        }
    }

    ds_context out;
    memset(&out, 0, sizeof out);
    out.arch = DS_ARCH_X86;
    out.regs[X86_EIP] = eip & UINT32_MAX;
    out.regs[X86_ESP] = nesp & UINT32_MAX;
    out.valid = 1ull << X86_EIP | 1ull << X86_ESP;
    if (have_ebp) {
        out.regs[X86_EBP] = ebp & UINT32_MAX;
        out.valid |= 1ull << X86_EBP;
    }
    static const struct { const char *name; int idx; } nv[] = {
        {"$ebx", X86_EBX}, {"$esi", X86_ESI}, {"$edi", X86_EDI}};
    for (size_t i = 0; i < 3; i++) {
        uint64_t v;
        bool assigned = false;
        if (var_get(e, nv[i].name, &v, &assigned) && assigned) {
            out.regs[nv[i].idx] = v;
            out.valid |= 1ull << nv[i].idx;
        }
    }
    arch_regs ar;
    arch_info(DS_ARCH_X86, &ar);
    set_mirrors(&out, &ar);
    *caller = out;
    if (trust)
        *trust = t;
    free(e);
    return true;
}

/* ---------------------------------------------------------------- entry */

bool ds_bpsym_unwind_ex(ds_bpsym *b, uint64_t rva, const ds_context *callee,
                        const ds_memview *mem, const ds_bpsym_walk *opt,
                        ds_context *caller, ds_trust *trust)
{
    if (!b || !callee || !caller)
        return false;
    ds_arch arch = callee->arch != DS_ARCH_UNKNOWN ? callee->arch : b->arch_id;
    if (arch == DS_ARCH_X86) {
        const bp_win *w = bp_find_win(b, rva);
        if (w && win_unwind(b, w, callee, mem, opt, caller, trust))
            return true;
    }
    const bp_cfi *c = bp_find_cfi(b, rva);
    if (c && cfi_unwind(b, c, rva, arch, callee, mem, opt, caller)) {
        if (trust)
            *trust = DS_TRUST_UNWIND_INFO;
        return true;
    }
    return false;
}

bool ds_bpsym_unwind(ds_bpsym *b, uint64_t rva, const ds_context *callee,
                     const ds_memview *mem, ds_context *caller)
{
    return ds_bpsym_unwind_ex(b, rva, callee, mem, NULL, caller, NULL);
}
