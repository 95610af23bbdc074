/*
 * Stack scanning, the last resort: a stack word is taken as a return address
 * only when it points into a module and, when the module's code bytes are
 * available, the instruction just before it is a call (checked with
 * capstone). Without code bytes a candidate is kept but marked unvalidated
 * (DS_TRUST_SCAN); a word not preceded by a call is rejected.
 */
#include <string.h>

#include "unwind/unwind_internal.h"

#define DEFAULT_SCAN_BYTES 8192u
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
    if (cs_open(arch, mode, &w->cs) != CS_ERR_OK)
        return false;
    if (cs_option(w->cs, CS_OPT_DETAIL, CS_OPT_ON) != CS_ERR_OK) {
        cs_close(&w->cs);
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

/* Decode bytes as one instruction at addr: a call of exactly len bytes? */
static bool is_call(uw_walker *w, const uint8_t *b, size_t len, uint64_t addr)
{
    bool arm = w->env->arch == DS_ARCH_ARM64;
    if (arm) {
        /* BLRAA/BLRAB/BLRAAZ/BLRABZ (pointer authentication): older
         * capstone releases do not decode them. */
        uint32_t insn = ds_le32(b);
        if ((insn & 0xFEFFF800u) == 0xD63F0800u)
            return true;
    }
    cs_insn *insn = NULL;
    size_t n = cs_disasm(w->cs, b, len, addr, 1, &insn);
    bool ok = false;
    if (n == 1 && insn->size == len) {
        bool call = false;
        int64_t target = 0;
        bool direct = false;
        if (arm) {
            call = insn->id == ARM64_INS_BL || insn->id == ARM64_INS_BLR;
            if (call && insn->detail && insn->detail->arm64.op_count >= 1 &&
                insn->detail->arm64.operands[0].type == ARM64_OP_IMM) {
                direct = true;
                target = insn->detail->arm64.operands[0].imm;
            }
        } else {
            call = insn->id == X86_INS_CALL || insn->id == X86_INS_LCALL;
            if (call && insn->id == X86_INS_CALL && insn->detail &&
                insn->detail->x86.op_count == 1 &&
                insn->detail->x86.operands[0].type == X86_OP_IMM) {
                direct = true;
                target = insn->detail->x86.operands[0].imm;
            }
        }
        ok = call && (!direct || target_ok(w, (uint64_t)target));
    }
    if (n)
        cs_free(insn, n);
    return ok;
}

uw_call uw_preceded_by_call(uw_walker *w, uint64_t ret)
{
    static const uint8_t x86_lengths[] = {2, 3, 4, 5, 6, 7};
    static const uint8_t arm_lengths[] = {4};
    if (ret == 0)
        return UW_CALL_NO;
    int mod;
    uint32_t rva;
    const ds_image *im = uw_image(w, ret - 1, &mod, &rva);
    if (mod < 0)
        return UW_CALL_NO; /* not inside any module: not a return address */
    if (!im)
        return UW_CALL_UNKNOWN;
    if (!ds_image_is_code(im, rva))
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
        if (end < L || !ds_image_is_code(im, end - (uint32_t)L))
            continue;
        if (ds_image_read(im, end - (uint32_t)L, b, L) != L) {
            unreadable = true;
            continue;
        }
        if (is_call(w, b, L, ret - L))
            return UW_CALL_YES;
    }
    /* Some lengths could not be read: one of them might have been a call. */
    return unreadable ? UW_CALL_UNKNOWN : UW_CALL_NO;
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
    uint64_t window = env->max_scan_bytes ? env->max_scan_bytes : DEFAULT_SCAN_BYTES;
    uint64_t end = at + window < at ? UINT64_MAX : at + window;
    if (w->bounded && end > w->hi)
        end = w->hi;
    if (w->bounded && at < w->lo) {
        *why = "stack pointer below the known stack";
        return false;
    }
    uint8_t buf[SCAN_CHUNK];
    while (at < end && end - at >= ptr) {
        size_t want = end - at < SCAN_CHUNK ? (size_t)(end - at) : SCAN_CHUNK;
        want -= want % ptr;
        size_t got = ds_mem_read(env->mem, at, buf, want);
        got -= got % ptr;
        for (size_t off = 0; off < got; off += ptr) {
            uint64_t v = ptr == 8 ? ds_le64(buf + off) : ds_le32(buf + off);
            if (arm) {
                v = uw_strip_pac(v);
                if (v & 3)
                    continue;
            }
            if (v == 0)
                continue;
            uw_call c = uw_preceded_by_call(w, v);
            if (c == UW_CALL_NO)
                continue;
            uint64_t slot = at + off;
            ds_context n = cur->ctx;
            if (arm) {
                /* A saved lr sits in a frame record {fp, lr}: the word below
                 * it is the caller's frame pointer when it points further up. */
                uint64_t fp = 0;
                n.regs[A64_FP] = 0;
                n.valid &= ~(1ull << A64_FP);
                if (slot >= 8 && uw_read64(w, slot - 8, &fp) && fp > slot &&
                    uw_in_stack(w, fp)) {
                    n.regs[A64_FP] = fp;
                    n.valid |= 1ull << A64_FP;
                }
                n.regs[A64_PC] = v;
                n.regs[A64_SP] = slot + 8;
                n.valid &= ~(1ull << A64_LR);
            } else {
                n.regs[X_PC] = v;
                n.regs[X_SP] = slot + ptr;
            }
            out->next = n;
            out->trust = c == UW_CALL_YES ? DS_TRUST_SCAN_VALIDATED : DS_TRUST_SCAN;
            out->from_scan = true;
            return true;
        }
        if (got < want) {
            *why = "stack scan stopped at unreadable stack memory";
            return false;
        }
        at += want;
    }
    *why = w->bounded && end == w->hi ? "stack scan found no return address up to the stack end"
                                      : "stack scan found no return address in its window";
    return false;
}
