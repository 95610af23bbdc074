/*
 * x64 virtual unwind from .pdata / UNWIND_INFO (doc/formats.md 7.5-7.6):
 * leaf functions, partial prologs, epilogs of the first frame, every UWOP,
 * chained infos and machine frames.
 */
#include <string.h>

#include "unwind/unwind_internal.h"

#define MAX_CHAIN 32      /* chained UNWIND_INFOs followed at most */
#define EPILOG_BYTES 64   /* an epilog sequence is read at most this far */

enum {
    UWOP_PUSH_NONVOL = 0,
    UWOP_ALLOC_LARGE,
    UWOP_ALLOC_SMALL,
    UWOP_SET_FPREG,
    UWOP_SAVE_NONVOL,
    UWOP_SAVE_NONVOL_FAR,
    UWOP_EPILOG,
    UWOP_SPARE_CODE,
    UWOP_SAVE_XMM128,
    UWOP_SAVE_XMM128_FAR,
    UWOP_PUSH_MACHFRAME
};

enum { UNW_FLAG_CHAININFO = 0x4 };

/* Slots (2-byte units) each op occupies; 0 = not a valid op. ALLOC_LARGE
 * takes one more with OpInfo 1; EPILOG exists in version 2 only. */
static const uint8_t op_slots[16] = {1, 2, 1, 1, 2, 3, 2, 0, 2, 3, 1, 0, 0, 0, 0, 0};

/* Volatile registers: unknown after unwinding a frame. */
static const uint64_t volatile_regs = 1u << 0 | 1u << 1 | 1u << 2 | 1u << 8 | 1u << 9 |
                                      1u << 10 | 1u << 11;

static unsigned slots_of(unsigned op, unsigned info, unsigned version)
{
    if (op == UWOP_ALLOC_LARGE)
        return info == 0 ? 2 : info == 1 ? 3 : 0;
    if (op == UWOP_EPILOG && version < 2)
        return 0;
    return op_slots[op];
}

static bool pop(const uw_walker *w, ds_context *c, uint64_t *v)
{
    if (!uw_read64(w, c->regs[X_SP], v))
        return false;
    c->regs[X_SP] += 8;
    return true;
}

static void set_reg(ds_context *c, unsigned r, uint64_t v)
{
    c->regs[r] = v;
    c->valid |= 1ull << r;
}

/*
 * Epilog check (first frame and frames after a trap only): if the code at
 * pc is a legal epilog tail - [add rsp,imm | lea rsp,[reg+disp]] pop* then
 * ret / jmp out of the function - emulate it.
 */
static bool try_epilog(const uw_walker *w, const ds_image *im, uint32_t rva,
                       const ds_runtime_function *rf, ds_context *c)
{
    uint8_t b[EPILOG_BYTES];
    size_t n = ds_image_read(im, rva, b, sizeof b);
    size_t p = 0;
    /* First pass: recognise the whole sequence before touching the context. */
    int adj_kind = 0; /* 1 add, 2 lea */
    int64_t disp = 0;
    unsigned lea_base = 0;
    if (n >= 4 && (b[0] & 0xF8) == 0x48) {
        unsigned rex = b[0];
        if (rex == 0x48 && b[1] == 0x83 && b[2] == 0xC4) {
            adj_kind = 1, disp = (int8_t)b[3], p = 4;
        } else if (rex == 0x48 && n >= 7 && b[1] == 0x81 && b[2] == 0xC4) {
            adj_kind = 1, disp = (int32_t)ds_le32(b + 3), p = 7;
        } else if ((rex == 0x48 || rex == 0x49) && b[1] == 0x8D && ((b[2] >> 3) & 7) == 4) {
            unsigned mod = b[2] >> 6, rm = b[2] & 7;
            size_t q = 3;
            if (rm == 4) { /* SIB: only [base] without index */
                if (n < 4 || (b[3] & 0x38) != 0x20)
                    return false;
                rm = b[3] & 7;
                q = 4;
            }
            if (mod == 1 && n >= q + 1) {
                disp = (int8_t)b[q], p = q + 1;
            } else if (mod == 2 && n >= q + 4) {
                disp = (int32_t)ds_le32(b + q), p = q + 4;
            } else {
                return false;
            }
            adj_kind = 2;
            lea_base = rm | ((rex & 1) ? 8 : 0);
        }
    }
    size_t pops_at = p;
    unsigned npops = 0;
    while (p < n && npops < 16) {
        if (b[p] >= 0x58 && b[p] <= 0x5F) {
            p += 1;
        } else if (b[p] == 0x41 && p + 1 < n && b[p + 1] >= 0x58 && b[p + 1] <= 0x5F) {
            p += 2;
        } else {
            break;
        }
        npops++;
    }
    if (p >= n)
        return false;
    uint64_t extra = 0; /* ret imm16 */
    uint64_t fbegin = ds_image_base(im) + rf->begin, fend = ds_image_base(im) + rf->end;
    uint64_t here = ds_image_base(im) + rva + p;
    if (b[p] == 0xC3 || (b[p] == 0xF3 && p + 1 < n && b[p + 1] == 0xC3)) {
        /* ret */
    } else if (b[p] == 0xC2 && p + 2 < n) {
        extra = ds_le16(b + p + 1);
    } else if (b[p] == 0xE9 && p + 4 < n) {
        uint64_t t = here + 5 + (uint64_t)(int64_t)(int32_t)ds_le32(b + p + 1);
        if (t >= fbegin && t < fend)
            return false; /* a jump inside the function is not an epilog */
    } else if (b[p] == 0xEB && p + 1 < n) {
        uint64_t t = here + 2 + (uint64_t)(int64_t)(int8_t)b[p + 1];
        if (t >= fbegin && t < fend)
            return false;
    } else if ((b[p] == 0xFF && p + 1 < n && b[p + 1] == 0x25) ||
               ((b[p] & 0xF0) == 0x40 && p + 2 < n && b[p + 1] == 0xFF && b[p + 2] == 0x25)) {
        /* jmp [rip+disp32]: an indirect tail call */
    } else {
        return false;
    }
    /* Second pass: emulate. */
    ds_context t = *c;
    if (adj_kind == 1)
        t.regs[X_SP] += (uint64_t)disp;
    else if (adj_kind == 2)
        t.regs[X_SP] = t.regs[lea_base] + (uint64_t)disp;
    for (size_t q = pops_at; q < pops_at + 32 && npops; npops--) {
        unsigned r = b[q] == 0x41 ? 8u + (unsigned)(b[q + 1] - 0x58) : (unsigned)(b[q] - 0x58);
        q += b[q] == 0x41 ? 2 : 1;
        uint64_t v;
        if (!pop(w, &t, &v))
            return false;
        if (r != X_SP)
            set_reg(&t, r, v);
    }
    uint64_t ret;
    if (!pop(w, &t, &ret))
        return false;
    t.regs[X_SP] += extra;
    set_reg(&t, X_PC, ret);
    *c = t;
    return true;
}

/* Undo one UNWIND_INFO (and its chain). */
static bool apply_info(const uw_walker *w, const ds_image *im, ds_runtime_function rf,
                       uint64_t pc, ds_context *c, bool *machframe, const char **why)
{
    uint64_t base = ds_image_base(im);
    uint64_t frame = c->regs[X_SP]; /* RSP when unwinding of this frame starts */
    for (unsigned depth = 0;; depth++) {
        if (depth == MAX_CHAIN) {
            *why = "chained unwind info too deep";
            return false;
        }
        uint8_t h[4];
        if (ds_image_read(im, rf.unwind_info, h, 4) != 4) {
            *why = "UNWIND_INFO not readable";
            return false;
        }
        unsigned version = h[0] & 7, flags = h[0] >> 3, prolog = h[1], count = h[2];
        unsigned freg = h[3] & 15, foff = h[3] >> 4;
        if (version != 1 && version != 2) {
            *why = "unsupported UNWIND_INFO version";
            return false;
        }
        uint8_t codes[2 * 256];
        if (count && ds_image_read(im, rf.unwind_info + 4, codes, 2u * count) != 2u * count) {
            *why = "unwind codes not readable";
            return false;
        }
        uint64_t off = pc - (base + rf.begin); /* huge when pc is before begin */
        bool in_prolog = pc >= base + rf.begin && off < prolog;

        /* The frame register is the base of SAVE_* offsets once SET_FPREG
         * has run; in a prolog before it, RSP still is. */
        if (freg) {
            for (unsigned i = 0; i < count;) {
                unsigned op = codes[2 * i + 1] & 15, info = codes[2 * i + 1] >> 4;
                unsigned s = slots_of(op, info, version);
                if (!s)
                    break;
                if (op == UWOP_SET_FPREG && (!in_prolog || codes[2 * i] <= off))
                    frame = c->regs[freg] - 16ull * foff;
                i += s;
            }
        }

        for (unsigned i = 0; i < count;) {
            unsigned coff = codes[2 * i], op = codes[2 * i + 1] & 15, info = codes[2 * i + 1] >> 4;
            unsigned s = slots_of(op, info, version);
            if (!s || i + s > count) {
                *why = "corrupt unwind code";
                return false;
            }
            const uint8_t *x = codes + 2 * (i + 1); /* the op's extra slots */
            i += s;
            if (op == UWOP_EPILOG || (in_prolog && coff > off))
                continue; /* epilog descriptors; prolog steps not yet run */
            uint64_t v;
            switch (op) {
            case UWOP_PUSH_NONVOL:
                if (!pop(w, c, &v))
                    goto unreadable;
                if (info != X_SP)
                    set_reg(c, info, v);
                break;
            case UWOP_ALLOC_LARGE:
                c->regs[X_SP] += info == 0 ? 8ull * ds_le16(x) : ds_le32(x);
                break;
            case UWOP_ALLOC_SMALL:
                c->regs[X_SP] += 8ull * info + 8;
                break;
            case UWOP_SET_FPREG:
                if (!freg) {
                    *why = "SET_FPREG without a frame register";
                    return false;
                }
                c->regs[X_SP] = c->regs[freg] - 16ull * foff;
                break;
            case UWOP_SAVE_NONVOL:
            case UWOP_SAVE_NONVOL_FAR: {
                uint64_t at = frame + (op == UWOP_SAVE_NONVOL ? 8ull * ds_le16(x) : ds_le32(x));
                if (!uw_read64(w, at, &v))
                    goto unreadable;
                if (info != X_SP)
                    set_reg(c, info, v);
                break;
            }
            case UWOP_SAVE_XMM128:
            case UWOP_SAVE_XMM128_FAR:
                break; /* slots consumed; XMM values are not tracked */
            case UWOP_PUSH_MACHFRAME: {
                uint64_t rip, rsp;
                uint64_t m = c->regs[X_SP] + (info ? 8 : 0); /* error code first */
                if (info > 1) {
                    *why = "corrupt PUSH_MACHFRAME";
                    return false;
                }
                if (!uw_read64(w, m, &rip) || !uw_read64(w, m + 24, &rsp))
                    goto unreadable;
                set_reg(c, X_PC, rip);
                c->regs[X_SP] = rsp;
                *machframe = true;
                return true; /* nothing after it in unwind order */
            }
            default:
                *why = "unknown unwind op";
                return false;
            }
        }
        if (!(flags & UNW_FLAG_CHAININFO))
            return true;
        uint8_t e[12];
        uint32_t at = rf.unwind_info + 4 + 2u * ((count + 1) & ~1u);
        if (ds_image_read(im, at, e, 12) != 12) {
            *why = "chained RUNTIME_FUNCTION not readable";
            return false;
        }
        rf.begin = ds_le32(e);
        rf.end = ds_le32(e + 4);
        rf.unwind_info = ds_le32(e + 8) & ~1u;
    }
unreadable:
    *why = "stack memory needed by the unwind codes is not readable";
    return false;
}

bool uw_x64_step(uw_walker *w, const uw_state *cur, uw_result *out, const char **why)
{
    uint64_t pc = cur->ctx.pc;
    uint64_t look = cur->exact_pc ? pc : pc - 1;
    int mod;
    uint32_t rva;
    const ds_image *im = uw_image(w, look, &mod, &rva);
    if (!im) {
        *why = mod >= 0 ? "no image of the module" : "pc outside every module";
        return false;
    }
    ds_runtime_function rf;
    ds_image_lookup lk = ds_image_function_lookup(im, rva, &rf);
    if (lk == DS_IMAGE_UNREADABLE) {
        *why = ".pdata not readable";
        return false;
    }
    ds_context c = cur->ctx;
    c.valid &= ~volatile_regs;
    out->trust = DS_TRUST_UNWIND_INFO;
    if (lk == DS_IMAGE_ABSENT) {
        /* No entry means a leaf function only when the image has .pdata at
         * all; an image without unwind data says nothing, and the scan
         * must decide. Even for a leaf, [RSP] has to lead back into code:
         * otherwise it is not a return address and no frame is invented. */
        const ds_pe *pe = ds_image_pe(im);
        if (pe->ndirs <= DS_PE_DIR_EXCEPTION || pe->dirs[DS_PE_DIR_EXCEPTION].size == 0) {
            *why = "the image has no unwind data (.pdata)";
            return false;
        }
        uint64_t ret;
        if (!pop(w, &c, &ret)) {
            *why = "return address not readable";
            return false;
        }
        int rmod;
        uint32_t rrva;
        const ds_image *rim = uw_image(w, ret, &rmod, &rrva);
        if (rmod < 0 || (rim && !ds_image_is_code(rim, rrva))) {
            *why = "a leaf function's return address does not point into code";
            return false;
        }
        set_reg(&c, X_PC, ret);
        out->next = c;
        return true;
    }
    if (cur->exact_pc) {
        uint8_t h[2];
        uint32_t prolog = 0;
        if (ds_image_read(im, rf.unwind_info, h, 2) == 2)
            prolog = h[1];
        uint64_t off = pc - (ds_image_base(im) + rf.begin);
        bool in_prolog = pc >= ds_image_base(im) + rf.begin && off < prolog;
        if (!in_prolog && try_epilog(w, im, (uint32_t)(pc - ds_image_base(im)), &rf, &c)) {
            out->next = c;
            return true;
        }
    }
    bool machframe = false;
    if (!apply_info(w, im, rf, pc, &c, &machframe, why))
        return false;
    if (machframe) {
        out->trap = true;
    } else {
        uint64_t ret;
        if (!pop(w, &c, &ret)) {
            *why = "return address not readable";
            return false;
        }
        set_reg(&c, X_PC, ret);
    }
    out->next = c;
    return true;
}

/* The rbp chain of Linux and macOS code: [rbp] the caller's rbp, [rbp+8]
 * the return address, the caller's rsp rbp+16. The return address must be
 * preceded by a call (as a scanned one) and the chain must climb the stack;
 * a zero or out-of-stack rbp after a frame-pointer frame ends the chain. */
bool uw_x64_fp_step(uw_walker *w, const uw_state *cur, uw_result *out, const char **why)
{
    uint64_t rbp = cur->ctx.regs[X_BP];
    bool chained = cur->trust == DS_TRUST_FRAME_POINTER;
    if (!(cur->ctx.valid >> X_BP & 1) || (rbp & 7) || rbp < cur->ctx.sp ||
        !uw_in_stack(w, rbp)) {
        if (chained)
            out->end = rbp ? "the frame pointer left the stack (end of the rbp chain)"
                           : "the frame pointer is zero (end of the rbp chain)";
        *why = "no usable frame pointer (rbp)";
        return false;
    }
    uint64_t old, ret;
    if (!uw_read64(w, rbp, &old) || !uw_read64(w, rbp + 8, &ret)) {
        *why = "frame at rbp not readable";
        return false;
    }
    if ((old && old < rbp + 16) || uw_preceded_by_call(w, ret) == UW_CALL_NO) {
        *why = "rbp chain's return address is not preceded by a call";
        return false;
    }
    ds_context c = cur->ctx;
    c.valid &= ~volatile_regs;
    set_reg(&c, X_BP, old);
    set_reg(&c, X_PC, ret);
    set_reg(&c, X_SP, rbp + 16);
    out->next = c;
    out->trust = DS_TRUST_FRAME_POINTER;
    return true;
}
