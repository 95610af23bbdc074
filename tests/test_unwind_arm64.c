/*
 * ARM64 unwinding over crafted images: packed unwind data (Flag 1 and 2,
 * CR 0/1/2/3, RegI, RegF, H, small and large frames, partial prologs and
 * epilogs) and .xdata unwind codes (every code listed in the brief, end_c,
 * save_next, epilog scopes and the single-epilog form, machine frame and
 * context records), the leaf rule, the frame-record fallback, a loop.
 */
#include "check.h"
#include "pe_builder.h"

#define B 0x140000000ull
#define B2 0x150000000ull  /* a module without an image */
#define SLO 0x100000ull
#define SLEN 0x8000u
#define S 0x102000ull

enum { FP = 29, LR = 30, SP = 31, PC = 32 };

static tworld W;
static tpe T;

static uint32_t packed(unsigned flag, unsigned len, unsigned regf, unsigned regi, unsigned h,
                       unsigned cr, unsigned fs16)
{
    return flag | len << 2 | regf << 13 | regi << 16 | h << 20 | cr << 21 | fs16 << 23;
}

/* .xdata: header (function length in instructions, E, epilog count or
 * index), epilog scopes, codes padded to words. */
static uint32_t xdata(unsigned fl, bool e, unsigned epi, const uint32_t *scopes,
                      const uint8_t *codes, size_t ncodes)
{
    uint8_t b[256];
    memset(b, 0, sizeof b);
    unsigned cw = (unsigned)((ncodes + 3) / 4);
    pb_put32(b, fl | (unsigned)e << 21 | epi << 22 | cw << 27);
    size_t n = 4;
    if (!e)
        for (unsigned i = 0; i < epi; i++, n += 4)
            pb_put32(b + n, scopes[i]);
    memcpy(b + n, codes, ncodes);
    return tpe_rdata(&T, b, n + 4 * cw);
}

static ds_context ctx(uint64_t pc, uint64_t sp, uint64_t fp, uint64_t lr)
{
    ds_context c = tw_context(DS_ARCH_ARM64, pc, sp, fp);
    for (unsigned r = 0; r < 29; r++)
        c.regs[r] = 0xC0DE0000 + r;
    c.regs[LR] = lr;
    return c;
}

static bool step(const ds_context *c, bool exact, ds_context *n, ds_trust *trust, bool *trap)
{
    ds_trust t;
    bool tr;
    bool ok = ds_unwind_step(&W.env, c, exact, n, trust ? trust : &t, trap ? trap : &tr);
    return ok;
}

static void put(uint64_t va, uint64_t v) { tw_put64(&W, va, v); }
static void clear_stack(void) { memset(W.stack, 0, SLEN); }

/* Canonical packed frame (the document's layout) filled on the stack below
 * sp0 = sp_body + famsz. */
typedef struct pk {
    unsigned regf, regi, h, cr, fs16;
} pk;

static uint64_t fill_packed(const pk *p, uint64_t sp_body, uint64_t lr)
{
    unsigned famsz = p->fs16 * 16, intsz = p->regi * 8 + (p->cr == 1 ? 8 : 0);
    unsigned fpsz = p->regf ? (p->regf + 1) * 8 : 0;
    unsigned savsz = (intsz + fpsz + 64 * p->h + 15) & ~15u, locsz = famsz - savsz;
    uint64_t base = sp_body + locsz;
    for (unsigned i = 0; i < p->regi; i++)
        put(base + 8 * i, 0x1900 + i);
    if (p->cr == 1)
        put(base + intsz - 8, lr);
    if (p->cr >= 2) {
        put(sp_body, 0xF9F9);
        put(sp_body + 8, lr);
    }
    return sp_body + famsz;
}

static void check_packed(const char *what, pk p, uint32_t fn)
{
    uint32_t data = packed(1, 32, p.regf, p.regi, p.h, p.cr, p.fs16);
    /* rewrite this function's .pdata entry's data word */
    for (uint32_t i = 0; i < T.pdata_len; i += 8)
        if (ds_le32(T.pdata + i) == fn)
            pb_put32(T.pdata + i + 4, data);
    ds_image_close(W.mod[0].im);
    W.mod[0].im = tpe_open(&T, B);
    clear_stack();
    uint64_t lr = B + 0x1F04;
    uint64_t sp0 = fill_packed(&p, S, lr);
    /* CR 0 saves no lr: the context's lr is the return address */
    ds_context c = ctx(B + fn + 0x40, S, p.cr >= 2 ? S : 0xBAD0, p.cr == 0 ? lr : 0x11111);
    ds_context n;
    bool ok = step(&c, true, &n, NULL, NULL);
    CHECK(ok);
    size_t bad = !ok || n.sp != sp0 || n.pc != lr;
    for (unsigned i = 0; i < p.regi && ok; i++)
        bad += n.regs[19 + i] != 0x1900 + i;
    if (p.cr >= 2 && ok)
        bad += n.regs[FP] != 0xF9F9;
    if (bad)
        fprintf(stderr, "packed %s: sp %" PRIx64 " (want %" PRIx64 ") pc %" PRIx64 "\n", what,
                n.sp, sp0, n.pc);
    CHECK_EQ_U64(bad, 0);
}

int main(void)
{
    tpe_init(&T, 0xAA64);
    /* code: BL instructions before the return addresses the tests use */
    uint32_t bl = 0x94000000u;
    for (uint32_t a = 0x1000; a < 0x2000; a += 4)
        tpe_code32(&T, a, &(uint32_t){0xD503201F}, 1); /* nop everywhere */
    tpe_code32(&T, 0x1F00, &bl, 1); /* bl . ; return address 0x1F04 */

    /* packed functions, rewritten per case by check_packed */
    tpe_pdata_arm64(&T, 0x1000, packed(1, 32, 0, 2, 0, 3, 4));
    /* P1 at 0x1100: RegI 2, CR 3, 64-byte frame, 16 instructions */
    tpe_pdata_arm64(&T, 0x1100, packed(1, 16, 0, 2, 0, 3, 4));
    /* P5 at 0x1200: the same as a Flag 2 fragment */
    tpe_pdata_arm64(&T, 0x1200, packed(2, 16, 0, 2, 0, 3, 4));

    /* X1 at 0x1300: pac, save_r19r20_x, save_next, save_regp, save_reg,
       save_fregp, save_freg, save_fplr_x, set_fp, alloc_s, alloc_m */
    static const uint8_t x1[] = {0xC1, 0x00, 0x10, 0xE1, 0x83, 0xDC, 0x89, 0xD8,
                                 0x07, 0xD1, 0x86, 0xC9, 0x04, 0xE6, 0x2C, 0xFC, 0xE4};
    tpe_pdata_arm64(&T, 0x1300, xdata(0x40, false, 0, NULL, x1, sizeof x1));
    /* X2 at 0x1400: save_fregp_x, save_freg_x, save_regp_x, save_lrpair,
       save_reg_x, nop, alloc_s, save_fplr, add_fp, alloc_l */
    static const uint8_t x2[] = {0xE0, 0x01, 0x00, 0x00, 0xE2, 0x02, 0x42, 0x02, 0xE3, 0xD4,
                                 0x61, 0xD6, 0x42, 0xCC, 0x03, 0xDE, 0x41, 0xDA, 0x01, 0xE4};
    tpe_pdata_arm64(&T, 0x1400, xdata(0x40, false, 0, NULL, x2, sizeof x2));
    /* X3 at 0x1500: a fragment: save_regp 2,224; end_c; the host's prolog */
    static const uint8_t x3[] = {0xC8, 0x9C, 0xE5, 0xE1, 0xC8, 0x1E, 0x9F, 0xE4};
    tpe_pdata_arm64(&T, 0x1500, xdata(0x40, false, 0, NULL, x3, sizeof x3));
    /* X4 at 0x1600: the document's example 2, epilog scope at instruction 10
       (E = 0); X4b at 0x1640: the same with a single epilog (E = 1) */
    static const uint8_t x4[] = {0xE1, 0x91, 0x22, 0xE4};
    uint32_t scope = 10;
    tpe_pdata_arm64(&T, 0x1600, xdata(14, false, 1, &scope, x4, sizeof x4));
    tpe_pdata_arm64(&T, 0x1640, xdata(14, true, 0, NULL, x4, sizeof x4));
    /* X5 at 0x1700: machine frame; X6 at 0x1740: context record */
    static const uint8_t x5[] = {0xE9, 0xE4}, x6[] = {0xEA, 0xE4};
    tpe_pdata_arm64(&T, 0x1700, xdata(16, false, 0, NULL, x5, sizeof x5));
    tpe_pdata_arm64(&T, 0x1740, xdata(16, false, 0, NULL, x6, sizeof x6));
    /* X7 at 0x1780: .xdata outside the image (unreadable) */
    tpe_pdata_arm64(&T, 0x1780, 0x7000);
    /* X8 at 0x17C0: a reserved code */
    static const uint8_t x8[] = {0xF0, 0xE4};
    tpe_pdata_arm64(&T, 0x17C0, xdata(16, false, 0, NULL, x8, sizeof x8));
    /* 0x1F00..: no .pdata (leaves) */

    tw_init(&W, DS_ARCH_ARM64, SLO, SLEN);
    tw_module(&W, B, 0x4000, tpe_open(&T, B));
    tw_module(&W, B2, 0x10000, NULL);
    CHECK(W.mod[0].im != NULL);
    ds_context c, n;
    ds_trust trust;
    bool trap;
    uint64_t lr = B + 0x1F04;

    /* ---- packed forms, body */
    check_packed("regi2 cr3", (pk){0, 2, 0, 3, 4}, 0x1000);
    check_packed("regi3 cr1 regf2 (merged lr pair)", (pk){2, 3, 0, 1, 8}, 0x1000);
    check_packed("regi1 cr0 h", (pk){0, 1, 1, 0, 6}, 0x1000);
    check_packed("regi4 regf3 cr3", (pk){3, 4, 0, 3, 10}, 0x1000);
    check_packed("cr3 locsz 1280", (pk){0, 0, 0, 3, 80}, 0x1000);
    check_packed("cr3 locsz > 4080", (pk){0, 0, 0, 3, 496}, 0x1000);
    check_packed("cr0 locsz > 4080 regi2", (pk){0, 2, 0, 0, 400}, 0x1000);
    check_packed("cr1 regi0", (pk){0, 0, 0, 1, 2}, 0x1000);
    check_packed("cr0 regf1 (first fp pair predecrements)", (pk){1, 0, 0, 0, 4}, 0x1000);
    check_packed("cr2 (pac) regi2", (pk){0, 2, 0, 2, 4}, 0x1000);
    /* CR 0, no lr saved: the body returns through the context's lr */
    clear_stack();
    put(S + 48, 0x1900);
    put(S + 56, 0x1901);
    c = ctx(B + 0x1010, S, 0, lr);
    pb_put32(T.pdata + 4, packed(1, 32, 0, 2, 0, 0, 4));
    ds_image_close(W.mod[0].im);
    W.mod[0].im = tpe_open(&T, B);
    CHECK(step(&c, true, &n, &trust, NULL));
    CHECK_EQ_U64(trust, DS_TRUST_UNWIND_INFO);
    CHECK_EQ_U64(n.pc, lr);
    CHECK_EQ_U64(n.sp, S + 64);
    CHECK_EQ_U64(n.regs[19], 0x1900);

    /* ---- P1 at 0x1100 (RegI 2, CR 3, famsz 64): partial prolog and epilog */
    clear_stack();
    put(S, 0x1919);
    put(S + 8, 0x2020);
    c = ctx(B + 0x1104, S, 0xBAD, lr); /* after stp x19,x20,[sp,#-16]! */
    CHECK(step(&c, true, &n, NULL, NULL));
    CHECK_EQ_U64(n.sp, S + 16);
    CHECK_EQ_U64(n.pc, lr);
    CHECK_EQ_U64(n.regs[19], 0x1919);
    CHECK_EQ_U64(n.regs[FP], 0xBAD); /* not saved yet */
    clear_stack();
    put(S, 0xF1F1);
    put(S + 8, lr);
    put(S + 48, 0x1919);
    c = ctx(B + 0x1108, S, 0xBAD, 0x5555); /* before mov x29,sp: set_fp skipped */
    CHECK(step(&c, true, &n, NULL, NULL));
    CHECK_EQ_U64(n.sp, S + 64);
    CHECK_EQ_U64(n.pc, lr);
    CHECK_EQ_U64(n.regs[FP], 0xF1F1);
    CHECK_EQ_U64(n.regs[19], 0x1919);
    /* epilog: 13 ldp x29,lr; 14 ldp x19,x20; 15 ret */
    clear_stack();
    put(S, 0x1818);
    c = ctx(B + 0x1100 + 14 * 4, S, 0xF2F2, lr);
    CHECK(step(&c, true, &n, NULL, NULL));
    CHECK_EQ_U64(n.sp, S + 16);
    CHECK_EQ_U64(n.regs[19], 0x1818);
    CHECK_EQ_U64(n.regs[FP], 0xF2F2);
    CHECK_EQ_U64(n.pc, lr);
    c = ctx(B + 0x1100 + 15 * 4, S, 0xF2F2, lr);
    CHECK(step(&c, true, &n, NULL, NULL));
    CHECK_EQ_U64(n.sp, S);
    CHECK_EQ_U64(n.pc, lr);
    /* the same pc as a return address is the body */
    clear_stack();
    uint64_t sp0 = fill_packed(&(pk){0, 2, 0, 3, 4}, S, lr);
    c = ctx(B + 0x1100 + 15 * 4, S, S, 0);
    CHECK(step(&c, false, &n, NULL, NULL));
    CHECK_EQ_U64(n.sp, sp0);
    CHECK_EQ_U64(n.pc, lr);
    /* Flag 2: no prolog, offset 0 unwinds the whole frame */
    c = ctx(B + 0x1200, S, S, 0);
    CHECK(step(&c, true, &n, NULL, NULL));
    CHECK_EQ_U64(n.sp, sp0);
    CHECK_EQ_U64(n.pc, lr);

    /* ---- X1 */
    clear_stack();
    uint64_t top = S + 0x2000, A = top - 96, F = A - 32, body = F - 0x1100;
    for (unsigned i = 0; i < 7; i++)
        put(A + 8 * i, 0x1900 + i); /* x19..x25 */
    put(F, 0xF3F3);
    put(F + 8, 0x0045000140001F04ull); /* lr signed with a PAC */
    c = ctx(B + 0x1380, body, F, 0);
    CHECK(step(&c, true, &n, NULL, NULL));
    CHECK_EQ_U64(n.sp, top);
    CHECK_EQ_U64(n.pc, lr);
    CHECK_EQ_U64(n.regs[FP], 0xF3F3);
    for (unsigned i = 0; i < 7; i++)
        CHECK_EQ_U64(n.regs[19 + i], 0x1900 + i);
    /* X1 in its prolog after 3 instructions: pac, x19/x20, x21/x22 */
    c = ctx(B + 0x130C, A, 0xBAD, 0x0045000140001F04ull);
    CHECK(step(&c, true, &n, NULL, NULL));
    CHECK_EQ_U64(n.sp, top);
    CHECK_EQ_U64(n.pc, lr);
    CHECK_EQ_U64(n.regs[22], 0x1903);
    CHECK_EQ_U64(n.regs[23], 0xC0DE0000 + 23); /* not saved yet */

    /* ---- X2 */
    clear_stack();
    top = S + 0x2000;
    uint64_t A2 = top - 64, C2 = top - 80, D2 = top - 112;
    put(A2, 0x1919);
    put(A2 + 8, 0x2020);
    put(A2 + 16, 0x2121);
    put(A2 + 24, lr);
    put(C2, 0x2222);
    put(D2 + 16, 0xF4F4);
    put(D2 + 24, lr);
    c = ctx(B + 0x1480, D2 - 0x100000, D2 + 16, 0);
    CHECK(step(&c, true, &n, NULL, NULL));
    CHECK_EQ_U64(n.sp, top);
    CHECK_EQ_U64(n.pc, lr);
    CHECK_EQ_U64(n.regs[FP], 0xF4F4);
    CHECK_EQ_U64(n.regs[19], 0x1919);
    CHECK_EQ_U64(n.regs[20], 0x2020);
    CHECK_EQ_U64(n.regs[21], 0x2121);
    CHECK_EQ_U64(n.regs[22], 0x2222);

    /* ---- X3: end_c continues into the host's codes */
    clear_stack();
    put(S + 224, 0x2121);
    put(S + 232, 0x2222);
    put(S + 240, 0x1919);
    put(S + 248, 0x2020);
    put(S, 0xF5F5);
    put(S + 8, lr);
    c = ctx(B + 0x1520, S, S, 0);
    CHECK(step(&c, true, &n, NULL, NULL));
    CHECK_EQ_U64(n.sp, S + 256);
    CHECK_EQ_U64(n.pc, lr);
    CHECK_EQ_U64(n.regs[21], 0x2121);
    CHECK_EQ_U64(n.regs[22], 0x2222);
    CHECK_EQ_U64(n.regs[19], 0x1919);
    CHECK_EQ_U64(n.regs[FP], 0xF5F5);

    /* ---- X4: epilog scopes and the single-epilog header */
    for (int form = 0; form < 2; form++) {
        uint64_t fn = B + (form ? 0x1640 : 0x1600);
        clear_stack();
        put(S, 0x1919);
        put(S + 8, 0x2020);
        c = ctx(fn + 12 * 4, S, 0xF6F6, lr); /* before ldp x19,x20,[sp],#16 */
        CHECK(step(&c, true, &n, NULL, NULL));
        CHECK_EQ_U64(n.sp, S + 16);
        CHECK_EQ_U64(n.regs[19], 0x1919);
        CHECK_EQ_U64(n.regs[FP], 0xF6F6);
        CHECK_EQ_U64(n.pc, lr);
        c = ctx(fn + 13 * 4, S, 0xF6F6, lr); /* at ret */
        CHECK(step(&c, true, &n, NULL, NULL));
        CHECK_EQ_U64(n.sp, S);
        CHECK_EQ_U64(n.pc, lr);
        clear_stack();
        put(S, 0xF7F7);
        put(S + 8, lr);
        put(S + 0x90, 0x1919);
        c = ctx(fn + 11 * 4, S, 0xBAD, 0); /* after mov sp,fp */
        CHECK(step(&c, true, &n, NULL, NULL));
        CHECK_EQ_U64(n.sp, S + 0xA0);
        CHECK_EQ_U64(n.regs[FP], 0xF7F7);
        CHECK_EQ_U64(n.regs[19], 0x1919);
        CHECK_EQ_U64(n.pc, lr);
        c = ctx(fn + 5 * 4, S - 0x40, S, 0); /* body: sp from x29 */
        CHECK(step(&c, true, &n, NULL, NULL));
        CHECK_EQ_U64(n.sp, S + 0xA0);
        CHECK_EQ_U64(n.pc, lr);
        clear_stack();
        put(S, 0x1919);
        c = ctx(fn + 4, S, 0xBAD, lr); /* prolog: after stp x19,x20 */
        CHECK(step(&c, true, &n, NULL, NULL));
        CHECK_EQ_U64(n.sp, S + 16);
        CHECK_EQ_U64(n.regs[19], 0x1919);
        CHECK_EQ_U64(n.pc, lr);
    }

    /* ---- machine frame and context record */
    clear_stack();
    put(S, S + 0x400);
    put(S + 8, B + 0x1E00);
    c = ctx(B + 0x1710, S, 0, 0);
    CHECK(step(&c, true, &n, NULL, &trap));
    CHECK(trap);
    CHECK_EQ_U64(n.pc, B + 0x1E00);
    CHECK_EQ_U64(n.sp, S + 0x400);
    clear_stack();
    put(S + 8 + 8 * 19, 0x1999);
    put(S + 0xF0, 0xF8F8);
    put(S + 0xF8, 0x3030);
    put(S + 0x100, S + 0x800);
    put(S + 0x108, B + 0x1E04);
    c = ctx(B + 0x1750, S, 0, 0);
    CHECK(step(&c, true, &n, NULL, &trap));
    CHECK(trap);
    CHECK_EQ_U64(n.pc, B + 0x1E04);
    CHECK_EQ_U64(n.sp, S + 0x800);
    CHECK_EQ_U64(n.regs[19], 0x1999);
    CHECK_EQ_U64(n.regs[FP], 0xF8F8);
    CHECK_EQ_U64(n.regs[LR], 0x3030);

    /* ---- no usable unwind data: the frame record chain */
    clear_stack();
    put(S + 0x20, S + 0x40);
    put(S + 0x28, lr); /* preceded by a BL */
    c = ctx(B + 0x1790, S, S + 0x20, 0); /* .xdata unreadable */
    CHECK(step(&c, true, &n, &trust, NULL));
    CHECK_EQ_U64(trust, DS_TRUST_FRAME_POINTER);
    CHECK_EQ_U64(n.pc, lr);
    CHECK_EQ_U64(n.sp, S + 0x30);
    CHECK_EQ_U64(n.regs[FP], S + 0x40);
    c = ctx(B + 0x17D0, S, S + 0x20, 0); /* reserved code */
    CHECK(step(&c, true, &n, &trust, NULL));
    CHECK_EQ_U64(trust, DS_TRUST_FRAME_POINTER);
    c = ctx(B2 + 0x100, S, S + 0x20, 0); /* module without an image */
    CHECK(step(&c, true, &n, &trust, NULL));
    CHECK_EQ_U64(trust, DS_TRUST_FRAME_POINTER);
    put(S + 0x28, B + 0x1E08); /* after a nop, not a BL: not a return address */
    CHECK(!step(&c, true, &n, &trust, NULL));

    /* ---- leaf: no .pdata entry, frame 0 returns through lr */
    c = ctx(B + 0x1F10, S, 0, lr);
    CHECK(step(&c, true, &n, &trust, NULL));
    CHECK_EQ_U64(trust, DS_TRUST_UNWIND_INFO);
    CHECK_EQ_U64(n.pc, lr);
    CHECK_EQ_U64(n.sp, S);
    /* ... which a walk accepts with sp unchanged once, then a loop ends it */
    {
        ds_frame *f;
        size_t nf;
        char *why;
        c = ctx(B + 0x1F10, S, 0, B + 0x1F10);
        CHECK(ds_unwind_walk(&W.env, &c, &f, &nf, &why) == 0);
        CHECK_EQ_U64(nf, 1);
        CHECK(why && strstr(why, "loop"));
        free(f);
        free(why);
        /* a full walk: leaf -> frame record chain -> zero */
        clear_stack();
        put(S + 0x20, S + 0x40);
        put(S + 0x28, lr);
        c = ctx(B + 0x1F10, S, S + 0x20, lr);
        CHECK(ds_unwind_walk(&W.env, &c, &f, &nf, &why) == 0);
        CHECK_EQ_U64(nf, 3);
        if (nf == 3) {
            CHECK_EQ_U64(f[1].pc, lr);
            CHECK_EQ_U64(f[1].sp, S);
            CHECK_EQ_U64(f[1].trust, DS_TRUST_UNWIND_INFO);
            CHECK_EQ_U64(f[2].pc, lr);
            CHECK_EQ_U64(f[2].sp, S + 0x30);
            CHECK_EQ_U64(f[2].trust, DS_TRUST_FRAME_POINTER);
        }
        free(f);
        free(why);
    }

    tw_free(&W);
    tpe_free(&T);
    return check_report("test_unwind_arm64");
}
