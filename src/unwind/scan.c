/*
 * Stack scanning, the last resort. A stack word is taken as a return address
 * only when it points into executable code of a module (never its headers)
 * and, when the module's code bytes are available, the instruction just
 * before it is a call (checked with capstone). It is DS_TRUST_SCAN_VALIDATED
 * when that call is indirect or, for a direct call, when its target is the
 * function holding the callee's frame (or a jump thunk to it); a direct call
 * elsewhere (a stale return address, or a tail call) and a word whose code
 * is not available stay plain DS_TRUST_SCAN. A word not preceded by a call
 * is rejected.
 *
 * Bounds (doc/stacks.md): a scan looks at scan_words stack words (40, as
 * Breakpad's kRASearchWords; four times that for the caller of frame 0).
 * Trap frames are looked for further, up to max_scan_bytes: their layout
 * (selectors, flags, a pc in code, an sp above the frame inside the stack)
 * is strong evidence on its own.
 */
#include <string.h>

#include "mem/context.h"
#include "unwind/unwind_internal.h"

#define DEFAULT_SCAN_BYTES 8192u
#define DEFAULT_SCAN_WORDS 40u
#define CONTEXT_SCAN_FACTOR 4u
/* Without function bounds, how far past a direct call's target the callee's
 * pc may lie for the call to count as validated. */
#define UNKNOWN_FUNCTION_SPAN 0x4000u
#define SCAN_CHUNK 512u

static bool open_capstone(uw_walker *w)
{
    if (w->cs_state)
        return w->cs_state == 1;
    w->cs_state = -1;
    cs_arch arch;
    cs_mode mode;
    switch (w->env->arch) {
    case DS_ARCH_X64: arch = CS_ARCH_X86; mode = CS_MODE_64; break;
    case DS_ARCH_X86: arch = CS_ARCH_X86; mode = CS_MODE_32; break;
    case DS_ARCH_ARM64: arch = CS_ARCH_ARM64; mode = CS_MODE_ARM; break;
    default: return false;
    }
    if (ds_cs_open(arch, mode, &w->cs) != CS_ERR_OK)
        return false;
    if (ds_cs_option(w->cs, CS_OPT_DETAIL, CS_OPT_ON) != CS_ERR_OK) {
        ds_cs_close(&w->cs);
        return false;
    }
    w->cs_state = 1;
    return true;
}

/* A call target, when the instruction names one, must be code of some
 * module (checked as far as the images allow). */
static bool target_ok(uw_walker *w, uint64_t target)
{
    int mod;
    uint32_t rva;
    const ds_image *im = uw_image(w, target, &mod, &rva);
    if (mod < 0)
        return false;
    return !im || ds_image_is_code(im, rva);
}

/* Decode bytes as one instruction at addr: a call of exactly len bytes?
 * *target receives a direct call's destination, 0 for an indirect call. */
static bool is_call(uw_walker *w, const uint8_t *b, size_t len, uint64_t addr,
                    uint64_t *target)
{
    bool arm = w->env->arch == DS_ARCH_ARM64;
    *target = 0;
    if (arm) {
        /* BLRAA/BLRAB/BLRAAZ/BLRABZ (pointer authentication): older
         * capstone releases do not decode them. */
        uint32_t insn = ds_le32(b);
        if ((insn & 0xFEFFF800u) == 0xD63F0800u)
            return true;
    }
    cs_insn *insn = NULL;
    size_t n = ds_cs_disasm(w->cs, b, len, addr, 1, &insn);
    bool ok = false;
    if (n == 1 && insn->size == len) {
        bool call = false;
        int64_t to = 0;
        bool direct = false;
        if (arm) {
            call = insn->id == ARM64_INS_BL || insn->id == ARM64_INS_BLR;
            if (call && insn->detail && insn->detail->arm64.op_count >= 1 &&
                insn->detail->arm64.operands[0].type == ARM64_OP_IMM) {
                direct = true;
                to = insn->detail->arm64.operands[0].imm;
            }
        } else {
            call = insn->id == X86_INS_CALL || insn->id == X86_INS_LCALL;
            if (call && insn->id == X86_INS_CALL && insn->detail &&
                insn->detail->x86.op_count == 1 &&
                insn->detail->x86.operands[0].type == X86_OP_IMM) {
                direct = true;
                to = insn->detail->x86.operands[0].imm;
            }
        }
        if (w->ptr == 4)
            to &= 0xFFFFFFFF;
        ok = call && (!direct || target_ok(w, (uint64_t)to));
        if (ok && direct)
            *target = (uint64_t)to;
    }
    if (n)
        ds_cs_free(insn, n);
    return ok;
}

uw_call uw_call_before(uw_walker *w, uint64_t ret, uint64_t *target)
{
    static const uint8_t x86_lengths[] = {2, 3, 4, 5, 6, 7};
    static const uint8_t arm_lengths[] = {4};
    uint64_t dummy;
    if (!target)
        target = &dummy;
    *target = 0;
    if (ret == 0)
        return UW_CALL_NO;
    int mod;
    uint32_t rva = 0;
    const ds_image *im = uw_image(w, ret - 1, &mod, &rva);
    if (mod < 0)
        return UW_CALL_NO; /* not inside any module: not a return address */
    if (uw_not_code(w, ret - 1))
        return UW_CALL_NO;
    if (im && !ds_image_is_code(im, rva))
        return UW_CALL_NO;
    if (!open_capstone(w))
        return UW_CALL_UNKNOWN;
    bool arm = w->env->arch == DS_ARCH_ARM64;
    const uint8_t *lens = arm ? arm_lengths : x86_lengths;
    size_t nlens = arm ? sizeof arm_lengths : sizeof x86_lengths;
    uint32_t end = rva + 1; /* rva of ret */
    bool unreadable = false;
    for (size_t i = 0; i < nlens; i++) {
        uint8_t b[8];
        size_t L = lens[i];
        /* A call lies inside executable code: a length reaching out of it
         * is impossible, not unknown. */
        if (im && (end < L || !ds_image_is_code(im, end - (uint32_t)L)))
            continue;
        if (uw_code_read(w, ret - L, b, L) != L) {
            unreadable = true;
            continue;
        }
        if (is_call(w, b, L, ret - L, target))
            return UW_CALL_YES;
    }
    /* Some lengths could not be read: one of them might have been a call. */
    return unreadable ? UW_CALL_UNKNOWN : UW_CALL_NO;
}

uw_call uw_preceded_by_call(uw_walker *w, uint64_t ret)
{
    return uw_call_before(w, ret, NULL);
}

/* Start of the function holding va: the caller's callback (symbols), else
 * the image's .pdata. 0 when unknown. */
static uint64_t function_start(uw_walker *w, uint64_t va)
{
    const ds_unwind_env *env = w->env;
    uint64_t begin = 0;
    if (env->function_at && env->function_at(env->ctx, va, &begin))
        return begin;
    int mod;
    uint32_t rva;
    const ds_image *im = uw_image(w, va, &mod, &rva);
    if (!im)
        return 0;
    if (env->arch == DS_ARCH_X64) {
        ds_runtime_function rf;
        if (ds_image_function_entry(im, rva, &rf))
            return ds_image_base(im) + rf.begin;
    } else if (env->arch == DS_ARCH_ARM64) {
        uint32_t b, data;
        if (ds_image_arm64_entry(im, rva, &b, &data))
            return ds_image_base(im) + b;
    }
    return 0;
}

/* Does an exported function start in (from, to]? Then to is not in the
 * function that starts at from. */
static bool export_between(uw_walker *w, uint64_t from, uint64_t to)
{
    int mod;
    uint32_t rva;
    const ds_image *im = uw_image(w, to, &mod, &rva);
    char name[8];
    uint32_t at;
    if (!im || !ds_image_export_lookup(im, rva, name, sizeof name, &at))
        return false;
    return ds_image_base(im) + at > from;
}

/* Is the code at va a jump (an import thunk, a PLT entry)? */
static bool is_jump_at(uw_walker *w, uint64_t va)
{
    int mod;
    uint32_t rva;
    const ds_image *im = uw_image(w, va, &mod, &rva);
    uint8_t b[16];
    size_t got = im ? ds_image_read(im, rva, b, sizeof b) : 0;
    if (!got || !open_capstone(w))
        return false;
    cs_insn *insn = NULL;
    size_t n = ds_cs_disasm(w->cs, b, got, va, 2, &insn);
    bool jmp = false;
    for (size_t i = 0; i < n && !jmp; i++) {
        unsigned id = insn[i].id;
        /* a thunk jumps to a fixed place or through a memory slot (IAT,
         * GOT); a jump through a register is a dispatcher, not a thunk */
        if (w->env->arch == DS_ARCH_ARM64) {
            jmp = id == ARM64_INS_B && insn[i].detail && insn[i].detail->arm64.op_count == 1 &&
                  insn[i].detail->arm64.operands[0].type == ARM64_OP_IMM;
        } else {
            jmp = id == X86_INS_JMP && insn[i].detail && insn[i].detail->x86.op_count == 1 &&
                  insn[i].detail->x86.operands[0].type != X86_OP_REG;
        }
        /* endbr64 / bti and the like may come first: one more instruction */
        if (i == 0 && !jmp && insn[i].size > 4)
            break;
    }
    if (n)
        ds_cs_free(insn, n);
    return jmp;
}

/* How much a scanned return address can be trusted: DS_TRUST_NONE when it
 * is not one at all. cur is the frame it would return from. */
static ds_trust grade(uw_walker *w, const uw_state *cur, uint64_t ret)
{
    uint64_t target = 0;
    uw_call c = uw_call_before(w, ret, &target);
    if (c == UW_CALL_NO)
        return DS_TRUST_NONE;
    if (c == UW_CALL_UNKNOWN)
        return DS_TRUST_SCAN;
    if (!target)
        return DS_TRUST_SCAN_VALIDATED; /* indirect: nothing more to check */
    uint64_t callee = cur->exact_pc ? cur->ctx.pc : cur->ctx.pc - 1;
    uint64_t fn = function_start(w, callee);
    if (fn) {
        if (function_start(w, target) == fn || target == fn)
            return DS_TRUST_SCAN_VALIDATED;
    } else if (target <= callee && callee - target < UNKNOWN_FUNCTION_SPAN &&
               !export_between(w, target, callee)) {
        /* the callee's bounds are unknown: its pc must at least lie a
         * plausible function length past the call's target, with no
         * exported function starting in between */
        return DS_TRUST_SCAN_VALIDATED;
    }
    return is_jump_at(w, target) ? DS_TRUST_SCAN_VALIDATED : DS_TRUST_SCAN;
}

/* ------------------------------------------------------- trap frames */

/* An interrupted pc: inside a module, and code as far as we can tell. */
static bool code_of_module(uw_walker *w, uint64_t pc)
{
    int mod;
    uint32_t rva;
    const ds_image *im = uw_image(w, pc, &mod, &rva);
    return mod >= 0 && !uw_not_code(w, pc) && (!im || ds_image_is_code(im, rva));
}

/* x64 KTRAP_FRAME (0x190 bytes) at base: the machine frame the CPU pushed
 * (Rip 0x168, SegCs 0x170, EFlags 0x178, Rsp 0x180, SegSs 0x188) must look
 * like one. Returns 1 for a kernel-mode trap, 2 for a trap from user mode,
 * 0 for no trap frame. */
static int x64_trap_at(uw_walker *w, uint64_t base)
{
    uint8_t m[0x28];
    if (!uw_read(w, base + 0x168, m, sizeof m))
        return 0;
    uint64_t rip = ds_le64(m), rsp = ds_le64(m + 0x18);
    uint16_t cs = (uint16_t)ds_le16(m + 8), ss = (uint16_t)ds_le16(m + 0x20);
    uint32_t fl = ds_le32(m + 0x10);
    /* EFLAGS: bit 1 always set; bits 3, 5, 15 and 22-31 always clear */
    if (!(fl & 2) || (fl & 0xFFC08028u))
        return 0;
    if (cs == 0x33 || cs == 0x23)
        return (ss == 0x2B) ? 2 : 0;
    if (cs != 0x10 || (ss != 0x18 && ss != 0))
        return 0;
    /* the CPU pushed the frame below the interrupted rsp */
    if (rsp < base + 0x190 || !uw_in_stack(w, rsp) || (rsp & 7))
        return 0;
    return code_of_module(w, rip) ? 1 : 0;
}

/* x86 KTRAP_FRAME (0x8C bytes) at base: DbgArgMark 0xBADB0D00 at +8, a code
 * selector at +0x6C, flags at +0x70, Eip in code. */
static int x86_trap_at(uw_walker *w, uint64_t base)
{
    uint32_t mark, cs, fl, eip;
    if (!uw_read32(w, base + 8, &mark) || mark != 0xBADB0D00u || !uw_read32(w, base + 0x6C, &cs) ||
        !uw_read32(w, base + 0x70, &fl) || !uw_read32(w, base + 0x68, &eip))
        return 0;
    if (!(fl & 2) || (fl & 0xFFC08028u))
        return 0;
    cs &= 0xFFFF;
    if (cs == 0x1B)
        return 2;
    if (cs != 0x08)
        return 0;
    return code_of_module(w, eip) ? 1 : 0;
}

/* ARM64 KTRAP_FRAME (0x150 bytes, doc/stacks.md): Spsr 0x90 (u32), Sp 0x98,
 * X0-X18 from 0xA0, Lr 0x138, Fp 0x140, Pc 0x148. SPSR must say AArch64
 * (bit 4 clear) at EL1 (EL1t or EL1h); Sp must lie above the frame
 * inside the stack, 16-byte aligned; Pc in a module's code. */
static int arm64_trap_at(uw_walker *w, uint64_t base, ds_context *out)
{
    uint32_t spsr;
    uint64_t sp, pc;
    if (!uw_read32(w, base + 0x90, &spsr) || !uw_read64(w, base + 0x98, &sp) ||
        !uw_read64(w, base + 0x148, &pc))
        return 0;
    /* EL0 (user) traps are not reported: a zero SPSR is too common a
     * stack word to end a walk on */
    unsigned mode = spsr & 0x1F;
    if ((mode != 4 && mode != 5) || (spsr & 0x0FFFFC00u) || (sp & 15) || (pc & 3) ||
        sp < base + 0x150 || !uw_in_stack(w, sp) || !code_of_module(w, pc))
        return 0;
    ds_context c;
    memset(&c, 0, sizeof c);
    c.arch = DS_ARCH_ARM64;
    for (unsigned r = 0; r <= 18; r++)
        if (uw_read64(w, base + 0xA0 + 8 * r, &c.regs[r]))
            c.valid |= 1ull << r;
    static const struct {
        uint8_t reg;
        uint16_t off;
    } named[] = {{A64_LR, 0x138}, {A64_FP, 0x140}};
    for (size_t i = 0; i < sizeof named / sizeof *named; i++)
        if (uw_read64(w, base + named[i].off, &c.regs[named[i].reg]))
            c.valid |= 1ull << named[i].reg;
    c.regs[A64_SP] = sp;
    c.regs[A64_PC] = pc;
    c.valid |= 1ull << A64_SP | 1ull << A64_PC;
    uw_sync(&c);
    *out = c;
    return 1;
}

/* A kernel trap frame at base: the interrupted context into *out. */
static int trap_at(uw_walker *w, uint64_t base, ds_context *out)
{
    int k = 0;
    if (w->env->arch == DS_ARCH_X64)
        k = x64_trap_at(w, base);
    else if (w->env->arch == DS_ARCH_X86)
        k = x86_trap_at(w, base);
    else if (w->env->arch == DS_ARCH_ARM64)
        return arm64_trap_at(w, base, out);
    if (k == 1 &&
        !ds_trap_frame_read(w->env->mem, w->env->arch, w->env->kernel_build, base, out))
        return 0;
    return k;
}

/* ------------------------------------------------ saved register blocks */

/* A CONTEXT record saved on the stack (RtlCaptureContext, exception
 * dispatch, invalid-parameter reports) holds code addresses that are
 * registers, not return addresses. Recognised by its flags word and
 * selectors; the scan skips over it. Offsets per arch: doc/stacks.md. */
typedef struct ctx_layout {
    ds_arch arch;
    uint16_t flags_off;
    uint32_t flags_mask, flags_arch; /* (flags & mask) == arch bit */
    uint16_t cs_off, ss_off, fl_off; /* 0xFFFF: not in this layout */
    uint16_t cs[3], ss[3];
    uint32_t size;
} ctx_layout;

static const ctx_layout ctx_layouts[] = {
    {DS_ARCH_X64, 0x30, 0xFFF00000u, 0x00100000u, 0x38, 0x42, 0x44, {0x10, 0x33, 0x23},
     {0x18, 0x2B, 0}, 0x4D0},
    {DS_ARCH_X86, 0x00, 0xFFFF0000u, 0x00010000u, 0xBC, 0xC8, 0xC0, {0x08, 0x1B, 0x1B},
     {0x10, 0x23, 0x23}, 0x2CC},
    {DS_ARCH_ARM64, 0x00, 0xFFC00000u, 0x00400000u, 0xFFFF, 0xFFFF, 0x04, {0}, {0}, 0x390},
};

static bool one_of(uint16_t v, const uint16_t *set)
{
    return v == set[0] || v == set[1] || v == set[2];
}

/* Bytes of a CONTEXT record starting at va, 0 when none is there. */
static uint32_t context_at(uw_walker *w, uint64_t va)
{
    for (size_t i = 0; i < sizeof ctx_layouts / sizeof *ctx_layouts; i++) {
        const ctx_layout *L = &ctx_layouts[i];
        if (L->arch != w->env->arch)
            continue;
        uint32_t flags, fl;
        if (!uw_read32(w, va + L->flags_off, &flags) || (flags & L->flags_mask) != L->flags_arch ||
            !uw_read32(w, va + L->fl_off, &fl))
            return 0;
        if (L->arch == DS_ARCH_ARM64) {
            /* CPSR: AArch64 state (bit 4 clear), EL0t, EL1t or EL1h */
            unsigned m = fl & 0x1F;
            return m == 0 || m == 4 || m == 5 ? L->size : 0;
        }
        uint8_t sel[2];
        uint8_t ss[2];
        if (!uw_read(w, va + L->cs_off, sel, 2) || !uw_read(w, va + L->ss_off, ss, 2))
            return 0;
        if (!(fl & 2) || (fl & 0xFFC08028u) || !one_of(ds_le16(sel), L->cs) ||
            !one_of(ds_le16(ss), L->ss))
            return 0;
        return L->size;
    }
    return 0;
}

/* ------------------------------------------------------------ the scan */

static uint64_t sat_add(uint64_t a, uint64_t b)
{
    return a + b < a ? UINT64_MAX : a + b;
}

static void scanned_frame(uw_walker *w, const uw_state *cur, uint64_t slot, uint64_t v,
                          uw_result *out)
{
    bool arm = w->env->arch == DS_ARCH_ARM64;
    ds_context n = cur->ctx;
    if (arm) {
        /* A saved lr sits in a frame record {fp, lr}: the word below
         * it is the caller's frame pointer when it points further up. */
        uint64_t fp = 0;
        n.regs[A64_FP] = 0;
        n.valid &= ~(1ull << A64_FP);
        if (slot >= 8 && uw_read64(w, slot - 8, &fp) && fp > slot && uw_in_stack(w, fp)) {
            n.regs[A64_FP] = fp;
            n.valid |= 1ull << A64_FP;
        }
        n.regs[A64_PC] = v;
        n.regs[A64_SP] = slot + 8;
        n.valid &= ~(1ull << A64_LR);
    } else {
        n.regs[X_PC] = v;
        n.regs[X_SP] = slot + w->ptr;
        /* rbp/ebp: only what a pushed frame pointer right below the
         * return address says; anything else is unknown */
        uint64_t bp = 0;
        n.valid &= ~(1ull << X_BP);
        n.regs[X_BP] = 0;
        if (cur->ctx.regs[X_BP] == slot - w->ptr && uw_read_ptr(w, slot - w->ptr, &bp) &&
            bp > slot) {
            n.regs[X_BP] = bp;
            n.valid |= 1ull << X_BP;
        } else if (cur->ctx.regs[X_BP] > slot && uw_in_stack(w, cur->ctx.regs[X_BP])) {
            n.regs[X_BP] = cur->ctx.regs[X_BP];
            n.valid |= 1ull << X_BP;
        }
    }
    out->next = n;
    out->from_scan = true;
}

bool uw_scan(uw_walker *w, const uw_state *cur, uw_result *out, const char **why)
{
    const ds_unwind_env *env = w->env;
    unsigned ptr = w->ptr;
    bool arm = env->arch == DS_ARCH_ARM64;
    uint64_t sp = cur->ctx.sp;
    uint64_t at = (sp + ptr - 1) & ~(uint64_t)(ptr - 1);
    if (at < sp) {
        *why = "stack pointer at the top of the address space";
        return false;
    }
    if (w->bounded && at < w->lo) {
        *why = "stack pointer below the known stack";
        return false;
    }
    uint64_t words = env->scan_words ? env->scan_words : DEFAULT_SCAN_WORDS;
    if (cur->first)
        words *= CONTEXT_SCAN_FACTOR;
    uint64_t bytes = env->max_scan_bytes ? env->max_scan_bytes : DEFAULT_SCAN_BYTES;
    /* return addresses within words; trap frames within the byte window */
    /* kernel stacks only: a user stack holds no trap frames */
    bool traps = env->kernel;
    uint64_t ra_end = sat_add(at, words * ptr < bytes ? words * ptr : bytes);
    uint64_t end = traps ? sat_add(at, bytes) : ra_end;
    if (w->bounded && end > w->hi)
        end = w->hi;
    if (w->bounded && ra_end > w->hi)
        ra_end = w->hi;
    uint8_t buf[SCAN_CHUNK];
    uint64_t skip_to = 0; /* end of a saved CONTEXT met on the way */
    while (at < end && end - at >= ptr) {
        size_t want = end - at < SCAN_CHUNK ? (size_t)(end - at) : SCAN_CHUNK;
        want -= want % ptr;
        size_t got = ds_mem_read(env->mem, at, buf, want);
        got -= got % ptr;
        for (size_t off = 0; off < got; off += ptr) {
            uint64_t slot = at + off;
            if (traps) {
                ds_context tc;
                int k = trap_at(w, slot, &tc);
                if (k == 2) {
                    out->end = "reached the trap frame of an entry from user mode";
                    return false;
                }
                if (k == 1 && tc.sp > cur->ctx.sp) {
                    tc.arch = env->arch;
                    out->next = tc;
                    out->trust = DS_TRUST_TRAP_FRAME;
                    out->trap = true;
                    return true;
                }
            }
            if (slot >= ra_end || slot < skip_to)
                continue;
            uint32_t block = context_at(w, slot);
            if (block) {
                skip_to = slot + block;
                continue;
            }
            uint64_t v = ptr == 8 ? ds_le64(buf + off) : ds_le32(buf + off);
            if (arm) {
                v = uw_strip_pac(v);
                if (v & 3)
                    continue;
            }
            if (v == 0)
                continue;
            ds_trust t = grade(w, cur, v);
            if (t == DS_TRUST_NONE)
                continue;
            scanned_frame(w, cur, slot, v, out);
            out->trust = t;
            return true;
        }
        if (got < want) {
            if (at + got >= ra_end) {
                *why = "stack scan found no return address in its window";
                return false;
            }
            *why = "stack scan stopped at unreadable stack memory";
            return false;
        }
        at += want;
    }
    *why = w->bounded && ra_end == w->hi ? "stack scan found no return address up to the stack end"
                                         : "stack scan found no return address in its window";
    return false;
}
