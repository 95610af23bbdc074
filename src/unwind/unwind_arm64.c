/*
 * ARM64 virtual unwind from .pdata: packed unwind data (Flag 1 and 2) and
 * .xdata unwind codes, following Microsoft's "ARM64 exception handling"
 * document. Packed data is expanded into the unwind codes its canonical
 * prolog would have, so one interpreter handles both, including partial
 * prologs and epilogs of the first frame. Without unwind data: the leaf rule
 * (frame 0: pc = lr), else the frame-record chain (x29 -> {old x29, lr}).
 */
#include <string.h>

#include "unwind/unwind_internal.h"

#define MAX_CODE_BYTES 1024   /* 255 code words, plus the packed expansion */
#define MAX_SCOPES 4096       /* epilog scopes examined at most */
#define CTX_SIZE 0x390        /* ARM64 CONTEXT, restored by MSFT_OP_CONTEXT */

enum {
    OP_END = 0xE4,
    OP_END_C = 0xE5,
    OP_SET_FP = 0xE1,
    OP_NOP = 0xE3,
    OP_PAC = 0xFC
};

/* Registers a callee may clobber: unknown after unwinding a frame. */
static const uint64_t volatile_regs = (1ull << 19) - 1; /* x0-x18 */

/* Size in bytes of the unwind code starting with byte b. */
static unsigned code_len(uint8_t b)
{
    if (b < 0xC0)
        return 1;
    if (b < 0xE0)
        return 2;
    static const uint8_t tail[32] = {
        4, 1, 2, 1, 1, 1, 1, 3, /* E0-E7: alloc_l set_fp add_fp nop end end_c save_next any */
        1, 1, 1, 1, 1, 1, 1, 1, /* E8-EF: custom stack codes / reserved */
        1, 1, 1, 1, 1, 1, 1, 1, /* F0-F7: reserved */
        2, 3, 4, 5, 1, 1, 1, 1  /* F8-FB: reserved with operands; FC pac_sign_lr */
    };
    return tail[b - 0xE0];
}

/* Instructions described from byte index at up to the next end / end_c. */
static unsigned seq_len(const uint8_t *codes, size_t len, size_t at)
{
    unsigned n = 0;
    while (at < len && codes[at] != OP_END && codes[at] != OP_END_C && n < MAX_CODE_BYTES) {
        at += code_len(codes[at]);
        n++;
    }
    return n;
}

typedef struct a64_run {
    const uw_walker *w;
    ds_context *c;
    unsigned save_next;   /* pending save_next codes (they precede their base op) */
    bool pac;
    bool trap;            /* pc came from a machine frame / context record */
} a64_run;

static bool restore(a64_run *r, unsigned reg, uint64_t at)
{
    uint64_t v;
    if (!uw_read64(r->w, at, &v))
        return false;
    if (reg <= A64_LR) {
        r->c->regs[reg] = v;
        r->c->valid |= 1ull << reg;
    }
    return true;
}

/* A register pair at `at` plus the pairs pending save_next codes add. Only
 * integer registers hold values we track; pairs past x28 (or FP pairs) are
 * read over without effect. */
static bool restore_pairs(a64_run *r, bool fp_regs, unsigned first, uint64_t at)
{
    unsigned pairs = 1 + r->save_next;
    r->save_next = 0;
    for (unsigned k = 0; k < pairs; k++) {
        unsigned reg = first + 2 * k;
        if (fp_regs || (k > 0 && reg > 28))
            break; /* FP pairs: no tracked values */
        if (!restore(r, reg, at + 16ull * k) || !restore(r, reg + 1, at + 16ull * k + 8))
            return false;
    }
    return true;
}

static bool restore_context(a64_run *r)
{
    uint8_t b[CTX_SIZE];
    if (!uw_read(r->w, r->c->regs[A64_SP], b, 0x110))
        return false;
    for (unsigned i = 0; i <= A64_PC; i++) /* x0..x28, fp, lr, sp, pc at 0x08 */
        r->c->regs[i] = ds_le64(b + 8 + 8 * i);
    r->c->valid |= (1ull << (A64_PC + 1)) - 1;
    r->trap = true;
    return true;
}

/* Execute codes from byte index at, skipping `skip` codes first, until end. */
static bool exec_codes(a64_run *r, const uint8_t *codes, size_t len, size_t at, unsigned skip,
                       const char **why)
{
    ds_context *c = r->c;
    uint64_t *sp = &c->regs[A64_SP];
    for (; skip && at < len; skip--) {
        if (codes[at] == OP_END)
            return true;
        at += code_len(codes[at]);
    }
    for (unsigned guard = 0; guard < MAX_CODE_BYTES; guard++) {
        if (at >= len) {
            *why = "unwind codes end without an end code";
            return false;
        }
        uint8_t b0 = codes[at];
        unsigned n = code_len(b0);
        if (at + n > len) {
            *why = "truncated unwind code";
            return false;
        }
        uint8_t b1 = n > 1 ? codes[at + 1] : 0, b2 = n > 2 ? codes[at + 2] : 0;
        uint8_t b3 = n > 3 ? codes[at + 3] : 0;
        at += n;
        bool ok = true;
        if (b0 < 0x20) {                          /* alloc_s */
            *sp += 16ull * (b0 & 0x1F);
        } else if (b0 < 0x40) {                   /* save_r19r20_x */
            ok = restore_pairs(r, false, 19, *sp);
            *sp += 8ull * (b0 & 0x1F);
        } else if (b0 < 0x80) {                   /* save_fplr */
            uint64_t a = *sp + 8ull * (b0 & 0x3F);
            ok = restore(r, A64_FP, a) && restore(r, A64_LR, a + 8);
        } else if (b0 < 0xC0) {                   /* save_fplr_x */
            ok = restore(r, A64_FP, *sp) && restore(r, A64_LR, *sp + 8);
            *sp += 8ull * ((b0 & 0x3F) + 1);
        } else if (b0 < 0xC8) {                   /* alloc_m */
            *sp += 16ull * (((b0 & 7u) << 8) | b1);
        } else if (b0 < 0xD6) {                   /* save_regp(_x), save_reg(_x) */
            unsigned x, z;
            if (b0 < 0xD4) {
                x = ((b0 & 3u) << 2) | (b1 >> 6);
                z = b1 & 0x3F;
            } else {
                x = ((b0 & 1u) << 3) | (b1 >> 5);
                z = b1 & 0x1F;
            }
            if (b0 < 0xCC) {                      /* save_regp */
                ok = restore_pairs(r, false, 19 + x, *sp + 8ull * z);
            } else if (b0 < 0xD0) {               /* save_regp_x */
                ok = restore_pairs(r, false, 19 + x, *sp);
                *sp += 8ull * (z + 1);
            } else if (b0 < 0xD4) {               /* save_reg */
                ok = restore(r, 19 + x, *sp + 8ull * z);
            } else {                              /* save_reg_x */
                ok = restore(r, 19 + x, *sp);
                *sp += 8ull * (z + 1);
            }
        } else if (b0 < 0xD8) {                   /* save_lrpair */
            unsigned x = ((b0 & 1u) << 2) | (b1 >> 6);
            uint64_t a = *sp + 8ull * (b1 & 0x3F);
            ok = restore(r, 19 + 2 * x, a) && restore(r, A64_LR, a + 8);
        } else if (b0 < 0xDA) {                   /* save_fregp */
            r->save_next = 0;
        } else if (b0 < 0xDC) {                   /* save_fregp_x */
            r->save_next = 0;
            *sp += 8ull * ((b1 & 0x3F) + 1);
        } else if (b0 < 0xDE) {                   /* save_freg */
        } else if (b0 == 0xDE) {                  /* save_freg_x */
            *sp += 8ull * ((b1 & 0x1F) + 1);
        } else if (b0 == 0xDF) {
            *why = "SVE stack allocation (alloc_z) cannot be unwound";
            return false;
        } else if (b0 == 0xE0) {                  /* alloc_l */
            *sp += 16ull * (((uint64_t)b1 << 16) | ((uint64_t)b2 << 8) | b3);
        } else if (b0 == OP_SET_FP) {
            *sp = c->regs[A64_FP];
        } else if (b0 == 0xE2) {                  /* add_fp */
            *sp = c->regs[A64_FP] - 8ull * b1;
        } else if (b0 == OP_NOP || b0 == OP_END_C || b0 == 0xEC) {
            /* nothing; end_c continues into the parent's phantom prolog;
             * 0xEC (clear unwound-to-call) has no effect on values */
        } else if (b0 == OP_END) {
            return true;
        } else if (b0 == 0xE6) {                  /* save_next */
            r->save_next++;
        } else if (b0 == 0xE7) {                  /* save_any_reg (Windows 11) */
            bool pair = b1 & 0x40, pre = b1 & 0x20;
            unsigned reg = b1 & 0x1F, kind = b2 >> 6;
            uint64_t off = (b2 & 0x3Fu) * ((pair || pre || kind == 2) ? 16ull : 8ull);
            if ((b1 & 0x80) || kind == 3) {
                *why = "reserved save_any_reg form";
                return false;
            }
            uint64_t a = pre ? *sp : *sp + off;
            if (kind == 0)
                ok = restore(r, reg, a) && (!pair || reg + 1 > A64_LR || restore(r, reg + 1, a + 8));
            if (pre)
                *sp += off;
        } else if (b0 == 0xE9) {                  /* MSFT_OP_MACHINE_FRAME */
            uint64_t newsp, newpc;
            ok = uw_read64(r->w, *sp, &newsp) && uw_read64(r->w, *sp + 8, &newpc);
            if (ok) {
                c->regs[A64_PC] = newpc;
                *sp = newsp;
                r->trap = true;
                return true;
            }
        } else if (b0 == 0xEA) {                  /* MSFT_OP_CONTEXT */
            ok = restore_context(r);
            if (ok)
                return true;
        } else if (b0 == OP_PAC) {
            r->pac = true;
        } else {
            *why = b0 == 0xE8 ? "ARM64 trap-frame unwind code not supported"
                              : "reserved ARM64 unwind code";
            return false;
        }
        if (!ok) {
            *why = "stack memory needed by the unwind codes is not readable";
            return false;
        }
    }
    *why = "too many unwind codes";
    return false;
}

/* ------------------------------------------------ packed unwind data */

typedef struct code_list {
    uint8_t b[24][4];
    uint8_t n[24];
    unsigned count;
} code_list;

static void put(code_list *l, unsigned len, uint8_t b0, uint8_t b1)
{
    if (l->count < 24) {
        l->b[l->count][0] = b0;
        l->b[l->count][1] = b1;
        l->n[l->count] = (uint8_t)len;
        l->count++;
    }
}

static void put_alloc(code_list *l, unsigned bytes)
{
    unsigned u = bytes / 16;
    if (u < 32)
        put(l, 1, (uint8_t)u, 0);                                /* alloc_s */
    else
        put(l, 2, (uint8_t)(0xC0 | ((u >> 8) & 7)), (uint8_t)u); /* alloc_m */
}

/*
 * The canonical prolog a packed word stands for, as unwind codes in prolog
 * order (the document's steps 1-6). Returns false for forms that cannot
 * exist (Flag 3, a chained frame without room for {x29, lr}).
 */
static bool packed_prolog(uint32_t d, code_list *l)
{
    unsigned regf = (d >> 13) & 7, regi = (d >> 16) & 15, h = (d >> 20) & 1;
    unsigned cr = (d >> 21) & 3, famsz = ((d >> 23) & 0x1FF) * 16;
    unsigned intsz = regi * 8 + (cr == 1 ? 8 : 0);
    unsigned fpsz = regf ? (regf + 1) * 8 : 0;
    unsigned savsz = (intsz + fpsz + 8 * 8 * h + 15) & ~15u;
    if (famsz < savsz)
        return false;
    unsigned locsz = famsz - savsz;
    bool first = true; /* the first save also allocates the save area */
    bool chained = cr >= 2;
    memset(l, 0, sizeof *l);
    if (cr == 2)
        put(l, 1, OP_PAC, 0);
    unsigned zsav = savsz / 8 - 1;
    bool lr_done = false;
    for (unsigned i = 0; i + 1 < regi; i += 2) { /* stp x19+i, x20+i */
        if (first)
            put(l, 2, (uint8_t)(0xCC | (i >> 2)), (uint8_t)(((i & 3) << 6) | zsav));
        else
            put(l, 2, (uint8_t)(0xC8 | (i >> 2)), (uint8_t)(((i & 3) << 6) | i));
        first = false;
    }
    if (regi & 1) {
        unsigned last = regi - 1;
        if (cr == 1) { /* merged: stp x(19+last), lr */
            if (first)
                put_alloc(l, savsz); /* a pre-indexed reg/lr pair has no code */
            put(l, 2, (uint8_t)(0xD6 | ((last / 2) >> 2)),
                (uint8_t)((((last / 2) & 3) << 6) | last));
            lr_done = true;
        } else if (first) {
            put(l, 2, (uint8_t)(0xD4 | (last >> 3)), (uint8_t)(((last & 7) << 5) | (zsav & 0x1F)));
        } else {
            put(l, 2, (uint8_t)(0xD0 | (last >> 2)), (uint8_t)(((last & 3) << 6) | last));
        }
        first = false;
    }
    if (cr == 1 && !lr_done) { /* str lr: register 19 + 11 */
        if (first)
            put(l, 2, 0xD4 | 1, (uint8_t)((3u << 5) | (zsav & 0x1F)));
        else
            put(l, 2, 0xD0 | 2, (uint8_t)((3u << 6) | regi));
        first = false;
    }
    unsigned nf = regf ? regf + 1 : 0;
    for (unsigned j = 0; j + 1 < nf; j += 2) {
        if (first)
            put(l, 2, 0xDA, (uint8_t)zsav);
        else
            put(l, 2, (uint8_t)(0xD8 | (j >> 2)), (uint8_t)(((j & 3) << 6) | ((intsz + 8 * j) / 8)));
        first = false;
    }
    if (nf & 1)
        put(l, 2, (uint8_t)(0xDC | ((nf - 1) >> 2)),
            (uint8_t)((((nf - 1) & 3) << 6) | ((intsz + 8 * (nf - 1)) / 8)));
    if (first && savsz) /* only homed parameters: their stores are nops */
        locsz += savsz;
    if (h)
        for (int k = 0; k < 4; k++)
            put(l, 1, OP_NOP, 0);
    if (chained) {
        if (locsz < 16)
            return false;
        if (locsz <= 512) {
            put(l, 1, (uint8_t)(0x80 | (locsz / 8 - 1)), 0); /* save_fplr_x */
        } else {
            if (locsz > 4080) {
                put_alloc(l, 4080);
                put_alloc(l, locsz - 4080);
            } else {
                put_alloc(l, locsz);
            }
            put(l, 1, 0x40, 0); /* save_fplr 0 */
        }
        put(l, 1, OP_SET_FP, 0);
    } else if (locsz > 4080) {
        put_alloc(l, 4080);
        put_alloc(l, locsz - 4080);
    } else if (locsz) {
        put_alloc(l, locsz);
    }
    return true;
}

/* codes = prolog codes in unwind order + end, then the epilog's (the same
 * minus set_fp and the homing nops) + end. *epi = the epilog's index. */
static size_t packed_codes(const code_list *l, uint8_t *codes, size_t *epi)
{
    size_t n = 0;
    for (unsigned k = l->count; k-- > 0;)
        for (unsigned i = 0; i < l->n[k]; i++)
            codes[n++] = l->b[k][i];
    codes[n++] = OP_END;
    *epi = n;
    for (unsigned k = l->count; k-- > 0;) {
        if (l->b[k][0] == OP_SET_FP || l->b[k][0] == OP_NOP)
            continue;
        for (unsigned i = 0; i < l->n[k]; i++)
            codes[n++] = l->b[k][i];
    }
    codes[n++] = OP_END;
    return n;
}

/* ------------------------------------------------------------ a frame */

typedef struct a64_fn {
    uint8_t codes[MAX_CODE_BYTES + 16];
    size_t len;
    uint32_t length;       /* function length in instructions */
    bool has_prolog;       /* false: Flag 2 fragments */
    bool single_epilog;    /* E: one epilog at the end, codes from epi_index */
    size_t epi_index;
    uint32_t nscopes, scopes_rva;
} a64_fn;

static bool load_fn(const ds_image *im, uint32_t data, a64_fn *f, const char **why)
{
    memset(f, 0, sizeof *f);
    unsigned flag = data & 3;
    if (flag == 1 || flag == 2) {
        code_list l;
        if (!packed_prolog(data, &l)) {
            *why = "invalid packed unwind data";
            return false;
        }
        f->len = packed_codes(&l, f->codes, &f->epi_index);
        f->length = (data >> 2) & 0x7FF;
        f->has_prolog = flag == 1;
        f->single_epilog = flag == 1;
        return true;
    }
    if (flag == 3) {
        *why = "reserved .pdata flag";
        return false;
    }
    uint8_t h[8];
    size_t got = ds_image_read(im, data, h, 8);
    if (got < 4) {
        *why = ".xdata not readable";
        return false;
    }
    uint32_t w0 = ds_le32(h);
    f->length = w0 & 0x3FFFF;
    if ((w0 >> 18) & 3) {
        *why = "unknown .xdata version";
        return false;
    }
    bool e = (w0 >> 21) & 1;
    uint32_t epi = (w0 >> 22) & 31, words = (w0 >> 27) & 31, hdr = 4;
    if (!epi && !words) {
        if (got < 8) {
            *why = ".xdata not readable";
            return false;
        }
        uint32_t w1 = ds_le32(h + 4);
        epi = w1 & 0xFFFF;
        words = (w1 >> 16) & 0xFF;
        hdr = 8;
    }
    f->has_prolog = true;
    f->single_epilog = e;
    f->epi_index = e ? epi : 0;
    f->nscopes = e ? 0 : epi;
    f->scopes_rva = data + hdr;
    uint64_t codes_at = (uint64_t)data + hdr + (e ? 0 : 4ull * epi);
    f->len = 4u * words; /* <= 1020 */
    if (codes_at + f->len > UINT32_MAX || ds_image_read(im, (uint32_t)codes_at, f->codes, f->len) != f->len) {
        *why = "unwind codes not readable";
        return false;
    }
    return true;
}

/* Where to start in the codes for an exact pc at instruction off. */
static void start_point(const ds_image *im, const a64_fn *f, uint32_t off, size_t *at,
                        unsigned *skip)
{
    *at = 0;
    *skip = 0;
    if (!f->has_prolog && !f->single_epilog && !f->nscopes)
        return;
    unsigned plen = f->has_prolog ? seq_len(f->codes, f->len, 0) : 0;
    if (off < plen) { /* undo only the prolog steps already run */
        *skip = plen - off;
        return;
    }
    if (f->single_epilog) {
        if (f->epi_index >= f->len)
            return;
        unsigned elen = seq_len(f->codes, f->len, f->epi_index);
        if (f->length >= elen + 1 && off >= f->length - (elen + 1) && off < f->length) {
            *at = f->epi_index;
            *skip = off - (f->length - (elen + 1));
        }
        return;
    }
    uint32_t n = f->nscopes < MAX_SCOPES ? f->nscopes : MAX_SCOPES;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t b[4];
        if (ds_image_read(im, f->scopes_rva + 4 * i, b, 4) != 4)
            return;
        uint32_t s = ds_le32(b), start = s & 0x3FFFF, idx = s >> 22;
        if (start > off)
            return; /* scopes are sorted by start */
        if (idx >= f->len)
            continue;
        unsigned elen = seq_len(f->codes, f->len, idx);
        if (off - start < elen + 1) {
            *at = idx;
            *skip = off - start;
            return;
        }
    }
}

static bool unwind_data(const uw_walker *w, const ds_image *im, uint32_t begin, uint32_t data,
                        const uw_state *cur, ds_context *c, bool *trap, const char **why)
{
    a64_fn f;
    if (!load_fn(im, data, &f, why))
        return false;
    size_t at = 0;
    unsigned skip = 0;
    uint64_t fstart = ds_image_base(im) + begin;
    if (cur->exact_pc && cur->ctx.pc >= fstart && cur->ctx.pc - fstart < 4ull * f.length)
        start_point(im, &f, (uint32_t)((cur->ctx.pc - fstart) / 4), &at, &skip);
    a64_run r = {.w = w, .c = c};
    if (!exec_codes(&r, f.codes, f.len, at, skip, why))
        return false;
    *trap = r.trap;
    if (r.trap) {
        c->regs[A64_PC] = uw_strip_pac(c->regs[A64_PC]);
        return true;
    }
    if (!(c->valid >> A64_LR & 1)) {
        *why = "return address (lr) unknown";
        return false;
    }
    c->regs[A64_PC] = uw_strip_pac(c->regs[A64_LR]);
    c->valid &= ~(1ull << A64_LR); /* lr of the caller is not known */
    return true;
}

/* Frame-record chain: {old x29, lr} at x29. */
static bool frame_chain(uw_walker *w, const uw_state *cur, ds_context *c, const char **why)
{
    uint64_t fp = cur->ctx.regs[A64_FP];
    uint64_t oldfp, lr;
    if (!fp || (fp & 7) || fp < cur->ctx.sp || !uw_read64(w, fp, &oldfp) ||
        !uw_read64(w, fp + 8, &lr)) {
        *why = *why ? *why : "no usable frame record (x29)";
        return false;
    }
    lr = uw_strip_pac(lr);
    if (lr && uw_preceded_by_call(w, lr) == UW_CALL_NO) {
        *why = *why ? *why : "frame record's lr is not a return address";
        return false;
    }
    c->regs[A64_FP] = oldfp;
    c->regs[A64_PC] = lr;
    c->regs[A64_SP] = fp + 16;
    c->valid |= 1ull << A64_FP;
    c->valid &= ~(1ull << A64_LR);
    return true;
}

bool uw_arm64_step(uw_walker *w, const uw_state *cur, uw_result *out, const char **why)
{
    ds_context c = cur->ctx;
    c.valid &= ~volatile_regs;
    *why = NULL;
    if (!cur->from_scan) { /* after a scan sp is approximate: frame records only */
        uint64_t pc = cur->ctx.pc;
        uint64_t look = cur->exact_pc ? pc : pc - 4;
        int mod;
        uint32_t rva, begin, data;
        const ds_image *im = uw_image(w, look, &mod, &rva);
        if (!im) {
            *why = mod >= 0 ? "no image of the module" : "pc outside every module";
        } else {
            ds_image_lookup lk = ds_image_arm64_lookup(im, rva, &begin, &data);
            if (lk == DS_IMAGE_FOUND) {
                bool trap = false;
                if (unwind_data(w, im, begin, data, cur, &c, &trap, why)) {
                    out->next = c;
                    out->trust = DS_TRUST_UNWIND_INFO;
                    out->trap = trap;
                    /* stopped at the final ret: only lr is left to use */
                    out->same_sp_ok = cur->exact_pc && !trap;
                    return true;
                }
                c = cur->ctx;
                c.valid &= ~volatile_regs;
            } else if (lk == DS_IMAGE_ABSENT && cur->exact_pc &&
                       (cur->ctx.valid >> A64_LR & 1)) {
                /* No .pdata entry: a leaf, still returning through lr. */
                c.regs[A64_PC] = uw_strip_pac(cur->ctx.regs[A64_LR]);
                c.valid &= ~(1ull << A64_LR);
                out->next = c;
                out->trust = DS_TRUST_UNWIND_INFO;
                out->same_sp_ok = true;
                return true;
            } else {
                *why = lk == DS_IMAGE_UNREADABLE ? ".pdata not readable"
                                                 : "no .pdata entry for a caller";
            }
        }
    }
    /* A frame reached by unwinding (not scanning) whose x29 is 0: the
     * record it came from was {0, lr}, the architectural end of the chain. */
    if (!cur->first && !cur->from_scan && (cur->ctx.valid >> A64_FP & 1) &&
        cur->ctx.regs[A64_FP] == 0 &&
        (cur->trust == DS_TRUST_FRAME_POINTER || cur->trust == DS_TRUST_UNWIND_INFO)) {
        out->end = "the frame-record chain ended (x29 = 0)";
        return false;
    }
    if (!frame_chain(w, cur, &c, why))
        return false;
    out->next = c;
    out->trust = DS_TRUST_FRAME_POINTER;
    return true;
}
