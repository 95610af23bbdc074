/*
 * x64 unwinding over crafted images: every UWOP, partial prologs, epilogs of
 * the first frame, version 2, chained and indirect entries, machine frames
 * (with and without error code), leaf functions, the pc-1 rule, and the
 * walk's limits.
 */
#include "check.h"
#include "pe_builder.h"

#define B 0x140000000ull  /* image base */
#define SLO 0x10000ull    /* stack */
#define SLEN 0x4000u
#define S 0x10800ull      /* a typical rsp */

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15, RIP };

/* UNWIND_INFO: header, codes (pairs of bytes), padding, tail (chain entry). */
static uint32_t uinfo(tpe *t, unsigned ver, unsigned flags, unsigned prolog, unsigned freg,
                      unsigned foff, const uint8_t *codes, unsigned nslots, const uint8_t *tail,
                      size_t tail_len)
{
    uint8_t b[256];
    memset(b, 0, sizeof b);
    b[0] = (uint8_t)(ver | flags << 3);
    b[1] = (uint8_t)prolog;
    b[2] = (uint8_t)nslots;
    b[3] = (uint8_t)(freg | foff << 4);
    if (nslots)
        memcpy(b + 4, codes, 2u * nslots);
    size_t n = 4 + 2u * ((nslots + 1) & ~1u);
    if (tail)
        memcpy(b + n, tail, tail_len);
    return tpe_rdata(t, b, n + tail_len);
}

static tworld W;

static bool step(uint64_t pc, uint64_t sp, bool exact, ds_context *out, bool *trap)
{
    ds_context c = tw_context(DS_ARCH_X64, pc, sp, 0);
    for (unsigned r = 0; r < 16; r++)
        if (r != RSP)
            c.regs[r] = 0xDEAD0000 + r;
    c.regs[RBP] = c.fp = 0;
    ds_trust t = DS_TRUST_NONE;
    bool tr = false;
    bool ok = ds_unwind_step(&W.env, &c, exact, out, &t, &tr);
    if (ok)
        CHECK_EQ_U64(t, DS_TRUST_UNWIND_INFO);
    if (trap)
        *trap = tr;
    return ok;
}

static bool step_ctx(ds_context *c, bool exact, ds_context *out)
{
    ds_trust t;
    bool tr;
    return ds_unwind_step(&W.env, c, exact, out, &t, &tr);
}

static void clear_stack(void) { memset(W.stack, 0, SLEN); }

int main(void)
{
    tpe t;
    tpe_init(&t, 0x8664);

    /* F1 0x1000: push rbx; push rsi; sub rsp,18h ... epilog at 0x1020 */
    static const uint8_t f1[] = {0x53, 0x56, 0x48, 0x83, 0xEC, 0x18};
    static const uint8_t f1_epi[] = {0x48, 0x83, 0xC4, 0x18, 0x5E, 0x5B, 0xC3};
    tpe_code(&t, 0x1000, f1, sizeof f1);
    tpe_code(&t, 0x1020, f1_epi, sizeof f1_epi);
    static const uint8_t c1[] = {6, 0x22, 2, 0x60, 1, 0x30};
    uint32_t u1 = uinfo(&t, 1, 0, 6, 0, 0, c1, 3, NULL, 0);
    tpe_pdata_x64(&t, 0x1000, 0x1040, u1);

    /* F2a 0x1100: ALLOC_LARGE u16 (0x30 * 8); F2b 0x1140: ALLOC_LARGE u32 (0x1008) */
    static const uint8_t c2a[] = {7, 0x01, 0x30, 0x00};
    tpe_pdata_x64(&t, 0x1100, 0x1140, uinfo(&t, 1, 0, 7, 0, 0, c2a, 2, NULL, 0));
    static const uint8_t c2b[] = {7, 0x11, 0x08, 0x10, 0x00, 0x00};
    tpe_pdata_x64(&t, 0x1140, 0x1180, uinfo(&t, 1, 0, 7, 0, 0, c2b, 3, NULL, 0));

    /* F3 0x1200: push rbp; sub rsp,40h; lea rbp,[rsp+20h]; saves of rbx, rsi,
       xmm6, xmm7 relative to the frame (rbp - 20h) */
    static const uint8_t c3[] = {
        26, 0x79, 0x30, 0x00, 0x00, 0x00, /* SAVE_XMM128_FAR xmm7, +0x30 */
        22, 0x68, 0x02, 0x00,             /* SAVE_XMM128 xmm6, +2*16 */
        18, 0x65, 0x18, 0x00, 0x00, 0x00, /* SAVE_NONVOL_FAR rsi, +0x18 */
        14, 0x34, 0x02, 0x00,             /* SAVE_NONVOL rbx, +2*8 */
        10, 0x03,                         /* SET_FPREG */
        5, 0x72,                          /* ALLOC_SMALL 0x40 */
        1, 0x50};                         /* PUSH_NONVOL rbp */
    tpe_pdata_x64(&t, 0x1200, 0x1280, uinfo(&t, 1, 0, 26, RBP, 2, c3, 13, NULL, 0));

    /* F4 0x1300: version 2 with an epilog descriptor, ALLOC_SMALL 0x20 */
    static const uint8_t c4[] = {5, 0x16, 0x00, 0x00, 4, 0x32};
    tpe_pdata_x64(&t, 0x1300, 0x1340, uinfo(&t, 2, 0, 4, 0, 0, c4, 3, NULL, 0));
    /* F4b 0x1340: EPILOG in a version 1 info is not valid; F4c 0x1380: version 3 */
    tpe_pdata_x64(&t, 0x1340, 0x1380, uinfo(&t, 1, 0, 4, 0, 0, c4, 3, NULL, 0));
    tpe_pdata_x64(&t, 0x1380, 0x13A0, uinfo(&t, 3, 0, 4, 0, 0, c4 + 4, 1, NULL, 0));
    /* F4d 0x13A0: ALLOC_LARGE with its extra slot missing */
    static const uint8_t c4d[] = {7, 0x01};
    tpe_pdata_x64(&t, 0x13A0, 0x13C0, uinfo(&t, 1, 0, 7, 0, 0, c4d, 1, NULL, 0));

    /* F5 0x1400: interrupt stub: PUSH_MACHFRAME then ALLOC_SMALL 0x10; F5b
       0x1440: machine frame with an error code */
    static const uint8_t c5[] = {4, 0x12, 0, 0x0A};
    tpe_pdata_x64(&t, 0x1400, 0x1440, uinfo(&t, 1, 0, 4, 0, 0, c5, 2, NULL, 0));
    static const uint8_t c5b[] = {0, 0x1A};
    tpe_pdata_x64(&t, 0x1440, 0x1480, uinfo(&t, 1, 0, 0, 0, 0, c5b, 1, NULL, 0));
    /* F7 0x14F0..0x1500: ALLOC_SMALL 0x20; F6 0x1500: push rbx */
    static const uint8_t c7[] = {4, 0x32};
    tpe_pdata_x64(&t, 0x14F0, 0x1500, uinfo(&t, 1, 0, 4, 0, 0, c7, 1, NULL, 0));
    static const uint8_t c6[] = {1, 0x30};
    tpe_pdata_x64(&t, 0x1500, 0x1520, uinfo(&t, 1, 0, 1, 0, 0, c6, 1, NULL, 0));

    /* F9 0x1580 (parent): push rbx; sub rsp,28h. F8 0x1600 (chained child):
       push rsi, then the parent's codes */
    static const uint8_t c9[] = {5, 0x42, 1, 0x30};
    uint32_t u9 = uinfo(&t, 1, 0, 5, 0, 0, c9, 2, NULL, 0);
    tpe_pdata_x64(&t, 0x1580, 0x15C0, u9);
    uint8_t chain[12];
    pb_put32(chain, 0x1580);
    pb_put32(chain + 4, 0x15C0);
    pb_put32(chain + 8, u9);
    static const uint8_t c8[] = {2, 0x60};
    tpe_pdata_x64(&t, 0x1600, 0x1620, uinfo(&t, 1, 4, 2, 0, 0, c8, 1, chain, 12));
    /* F8b 0x1620: a chain that points back at itself */
    uint32_t self = 0x2000 + ((t.rdata_len + 3) & ~3u);
    pb_put32(chain, 0x1620);
    pb_put32(chain + 4, 0x1640);
    pb_put32(chain + 8, self);
    CHECK_EQ_U64(uinfo(&t, 1, 4, 0, 0, 0, NULL, 0, chain, 12), self);
    tpe_pdata_x64(&t, 0x1620, 0x1640, self);

    /* F10 0x1700: indirect entry naming F1's entry; F10b 0x1740: names itself */
    tpe_pdata_x64(&t, 0x1700, 0x1720, 0x3000 | 1);
    tpe_pdata_x64(&t, 0x1740, 0x1760, (0x3000 + t.pdata_len) | 1);

    /* 0x1800: no entry (leaf) */

    /* F11 0x1900..0x1910: sub rsp,10h ... ending in a call; F12 0x1910: push rbx */
    static const uint8_t c11[] = {4, 0x12};
    tpe_pdata_x64(&t, 0x1900, 0x1910, uinfo(&t, 1, 0, 4, 0, 0, c11, 1, NULL, 0));
    tpe_pdata_x64(&t, 0x1910, 0x1920, uinfo(&t, 1, 0, 1, 0, 0, c6, 1, NULL, 0));

    /* F13 0x1A00: push rbp; mov rbp,rsp (SET_FPREG, offset 0); epilog at
       0x1A20: lea rsp,[rbp+10h]? no: lea rsp,[rbp+0]; pop rbp; ret */
    static const uint8_t c13[] = {4, 0x03, 1, 0x50};
    tpe_pdata_x64(&t, 0x1A00, 0x1A30, uinfo(&t, 1, 0, 4, RBP, 0, c13, 2, NULL, 0));
    static const uint8_t e13[] = {0x48, 0x8D, 0x65, 0x00, 0x5D, 0xC3};
    tpe_code(&t, 0x1A20, e13, sizeof e13);
    /* F14 0x1B00: push r12; epilog 0x1B10: pop r12; jmp 0x1000 (tail call) */
    static const uint8_t c14[] = {2, 0xC0};
    tpe_pdata_x64(&t, 0x1B00, 0x1B20, uinfo(&t, 1, 0, 2, 0, 0, c14, 1, NULL, 0));
    uint8_t e14[] = {0x41, 0x5C, 0xE9, 0, 0, 0, 0};
    pb_put32(e14 + 3, (uint32_t)(0x1000 - (0x1B10 + 7)));
    tpe_code(&t, 0x1B10, e14, sizeof e14);
    /* F15 0x1C00: sub rsp,10h; at 0x1C10 a pop and a jump back inside: not an epilog */
    tpe_pdata_x64(&t, 0x1C00, 0x1C20, uinfo(&t, 1, 0, 4, 0, 0, c11, 1, NULL, 0));
    static const uint8_t e15[] = {0x5B, 0xEB, 0xF0};
    tpe_code(&t, 0x1C10, e15, sizeof e15);

    ds_image *im = tpe_open(&t, B);
    CHECK(im != NULL);
    if (!im)
        return check_report("test_unwind_x64");
    tw_init(&W, DS_ARCH_X64, SLO, SLEN);
    tw_module(&W, B, 0x4000, im);
    ds_context n;
    bool trap;

    /* ---- PUSH_NONVOL + ALLOC_SMALL, body */
    tw_put64(&W, S + 0x18, 0x5151);
    tw_put64(&W, S + 0x20, 0xB0B0);
    tw_put64(&W, S + 0x28, B + 0x1234);
    CHECK(step(B + 0x1010, S, true, &n, NULL));
    CHECK_EQ_U64(n.pc, B + 0x1234);
    CHECK_EQ_U64(n.sp, S + 0x30);
    CHECK_EQ_U64(n.regs[RBX], 0xB0B0);
    CHECK_EQ_U64(n.regs[RSI], 0x5151);
    CHECK(n.valid >> RBX & 1);
    CHECK(!(n.valid >> RAX & 1)); /* volatile: unknown in the caller */
    /* same from a return address (pc-1 inside F1) */
    CHECK(step(B + 0x1010, S, false, &n, NULL));
    CHECK_EQ_U64(n.sp, S + 0x30);
    /* ---- epilog at the first frame: at pop rsi (after add rsp) */
    clear_stack();
    tw_put64(&W, S, 0x5152);
    tw_put64(&W, S + 8, 0xB0B1);
    tw_put64(&W, S + 16, B + 0x1235);
    CHECK(step(B + 0x1024, S, true, &n, NULL));
    CHECK_EQ_U64(n.pc, B + 0x1235);
    CHECK_EQ_U64(n.sp, S + 24);
    CHECK_EQ_U64(n.regs[RSI], 0x5152);
    CHECK_EQ_U64(n.regs[RBX], 0xB0B1);
    /* at the epilog's start: add rsp,18h emulated too */
    clear_stack();
    tw_put64(&W, S + 0x18, 1);
    tw_put64(&W, S + 0x20, 2);
    tw_put64(&W, S + 0x28, B + 0x1236);
    CHECK(step(B + 0x1020, S, true, &n, NULL));
    CHECK_EQ_U64(n.pc, B + 0x1236);
    CHECK_EQ_U64(n.sp, S + 0x30);
    /* at ret */
    clear_stack();
    tw_put64(&W, S, B + 0x1237);
    CHECK(step(B + 0x1026, S, true, &n, NULL));
    CHECK_EQ_U64(n.pc, B + 0x1237);
    CHECK_EQ_U64(n.sp, S + 8);
    /* a return address at the epilog does not emulate it: codes apply */
    clear_stack();
    tw_put64(&W, S + 0x28, B + 0x1238);
    CHECK(step(B + 0x1024, S, false, &n, NULL));
    CHECK_EQ_U64(n.pc, B + 0x1238);
    CHECK_EQ_U64(n.sp, S + 0x30);
    /* ---- partial prolog */
    clear_stack();
    tw_put64(&W, S, 0x5153);
    tw_put64(&W, S + 8, 0xB0B2);
    tw_put64(&W, S + 16, B + 0x1239);
    CHECK(step(B + 0x1002, S, true, &n, NULL)); /* both pushes done, no sub */
    CHECK_EQ_U64(n.pc, B + 0x1239);
    CHECK_EQ_U64(n.sp, S + 24);
    CHECK_EQ_U64(n.regs[RSI], 0x5153);
    CHECK_EQ_U64(n.regs[RBX], 0xB0B2);
    CHECK(step(B + 0x1001, S + 8, true, &n, NULL)); /* push rbx only */
    CHECK_EQ_U64(n.pc, B + 0x1239);
    CHECK_EQ_U64(n.regs[RBX], 0xB0B2);
    CHECK_EQ_U64(n.sp, S + 24);
    CHECK(step(B + 0x1000, S + 16, true, &n, NULL)); /* nothing done yet */
    CHECK_EQ_U64(n.pc, B + 0x1239);
    CHECK_EQ_U64(n.sp, S + 24);

    /* ---- ALLOC_LARGE, both forms */
    clear_stack();
    tw_put64(&W, S + 0x180, B + 0x1111);
    CHECK(step(B + 0x1110, S, true, &n, NULL));
    CHECK_EQ_U64(n.pc, B + 0x1111);
    CHECK_EQ_U64(n.sp, S + 0x188);
    tw_put64(&W, S + 0x1008, B + 0x1112);
    CHECK(step(B + 0x1150, S, true, &n, NULL));
    CHECK_EQ_U64(n.pc, B + 0x1112);
    CHECK_EQ_U64(n.sp, S + 0x1010);

    /* ---- frame register, SAVE_NONVOL(_FAR), SAVE_XMM128(_FAR) slots */
    clear_stack();
    uint64_t frame = S, rsp = S - 0x100; /* the body alloca'd below the frame */
    tw_put64(&W, frame + 0x10, 0xB0B3);
    tw_put64(&W, frame + 0x18, 0x5154);
    tw_put64(&W, frame + 0x40, 0xBBBB);
    tw_put64(&W, frame + 0x48, B + 0x1240);
    ds_context c = tw_context(DS_ARCH_X64, B + 0x1240, rsp, frame + 0x20);
    CHECK(step_ctx(&c, true, &n));
    CHECK_EQ_U64(n.pc, B + 0x1240);
    CHECK_EQ_U64(n.sp, frame + 0x50);
    CHECK_EQ_U64(n.regs[RBX], 0xB0B3);
    CHECK_EQ_U64(n.regs[RSI], 0x5154);
    CHECK_EQ_U64(n.regs[RBP], 0xBBBB);
    CHECK_EQ_U64(n.fp, 0xBBBB);
    /* in the prolog before SET_FPREG: rbp is still the caller's */
    clear_stack();
    tw_put64(&W, S + 0x40, 0xBBBC);
    tw_put64(&W, S + 0x48, B + 0x1241);
    c = tw_context(DS_ARCH_X64, B + 0x1205, S, 0xDEADBEEF);
    CHECK(step_ctx(&c, true, &n));
    CHECK_EQ_U64(n.pc, B + 0x1241);
    CHECK_EQ_U64(n.sp, S + 0x50);
    CHECK_EQ_U64(n.regs[RBP], 0xBBBC);

    /* ---- version 2: EPILOG descriptors are skipped */
    clear_stack();
    tw_put64(&W, S + 0x20, B + 0x1300);
    CHECK(step(B + 0x1310, S, true, &n, NULL));
    CHECK_EQ_U64(n.pc, B + 0x1300);
    CHECK_EQ_U64(n.sp, S + 0x28);
    CHECK(!step(B + 0x1350, S, true, &n, NULL)); /* op 6 in version 1 */
    CHECK(!step(B + 0x1390, S, true, &n, NULL)); /* version 3 */
    CHECK(!step(B + 0x13B0, S, true, &n, NULL)); /* truncated ALLOC_LARGE */

    /* ---- PUSH_MACHFRAME without and with error code */
    clear_stack();
    uint64_t m = S + 0x10, old = S + 0x200;
    tw_put64(&W, m, B + 0x1500); /* interrupted at F6's first byte */
    tw_put64(&W, m + 24, old);
    CHECK(step(B + 0x1410, S, true, &n, &trap));
    CHECK(trap);
    CHECK_EQ_U64(n.pc, B + 0x1500);
    CHECK_EQ_U64(n.sp, old);
    clear_stack();
    tw_put64(&W, S, 0x0E);       /* error code */
    tw_put64(&W, S + 8, B + 0x1501);
    tw_put64(&W, S + 32, old);
    CHECK(step(B + 0x1450, S, true, &n, &trap));
    CHECK(trap);
    CHECK_EQ_U64(n.pc, B + 0x1501);
    CHECK_EQ_U64(n.sp, old);
    /* walk through the machine frame: the next frame's pc is exact (F6 at
       offset 0, not F7 via pc-1) and the frame is marked a trap frame */
    clear_stack();
    tw_put64(&W, m, B + 0x1500);
    tw_put64(&W, m + 24, old);
    tw_put64(&W, old, B + 0x1010);
    tw_put64(&W, old + 8 + 0x28, 0);
    {
        c = tw_context(DS_ARCH_X64, B + 0x1410, S, 0);
        ds_frame *f;
        size_t nf;
        char *why;
        CHECK(ds_unwind_walk(&W.env, &c, &f, &nf, &why) == 0);
        CHECK(nf >= 3);
        if (nf >= 3) {
            CHECK(!f[0].is_trap_frame);
            CHECK(f[1].is_trap_frame);
            CHECK_EQ_U64(f[1].pc, B + 0x1500);
            CHECK_EQ_U64(f[1].sp, old);
            CHECK_EQ_U64(f[2].pc, B + 0x1010);
            CHECK_EQ_U64(f[2].sp, old + 8); /* F6 at offset 0: nothing pushed yet */
            CHECK(!f[2].is_trap_frame);
        }
        free(f);
        free(why);
    }

    /* ---- chained info: the child's push rsi, then the parent's codes */
    clear_stack();
    tw_put64(&W, S, 0x5155);
    tw_put64(&W, S + 0x30, 0xB0B4);
    tw_put64(&W, S + 0x38, B + 0x1602);
    CHECK(step(B + 0x1610, S, true, &n, NULL));
    CHECK_EQ_U64(n.pc, B + 0x1602);
    CHECK_EQ_U64(n.sp, S + 0x40);
    CHECK_EQ_U64(n.regs[RSI], 0x5155);
    CHECK_EQ_U64(n.regs[RBX], 0xB0B4);
    CHECK(!step(B + 0x1630, S, true, &n, NULL)); /* a chain cycle ends, bounded */

    /* ---- indirect entries */
    ds_runtime_function rf;
    CHECK(ds_image_function_entry(im, 0x1705, &rf));
    CHECK_EQ_U64(rf.begin, 0x1000);
    CHECK_EQ_U64(rf.unwind_info, u1);
    clear_stack();
    tw_put64(&W, S + 0x28, B + 0x1703);
    CHECK(step(B + 0x1705, S, true, &n, NULL));
    CHECK_EQ_U64(n.pc, B + 0x1703);
    CHECK_EQ_U64(n.sp, S + 0x30);
    CHECK(ds_image_function_lookup(im, 0x1745, &rf) == DS_IMAGE_UNREADABLE); /* loop */

    /* ---- leaf function: no .pdata entry */
    CHECK(ds_image_function_lookup(im, 0x1800, &rf) == DS_IMAGE_ABSENT);
    clear_stack();
    tw_put64(&W, S, B + 0x1801);
    CHECK(step(B + 0x1800, S, true, &n, NULL));
    CHECK_EQ_U64(n.pc, B + 0x1801);
    CHECK_EQ_U64(n.sp, S + 8);

    /* ---- a return address just past its function: pc-1 names the caller */
    clear_stack();
    tw_put64(&W, S, B + 0x1111);
    tw_put64(&W, S + 0x10, B + 0x1112);
    CHECK(step(B + 0x1910, S, false, &n, NULL));
    CHECK_EQ_U64(n.pc, B + 0x1112); /* F11: sub rsp,10h undone */
    CHECK_EQ_U64(n.sp, S + 0x18);
    CHECK(step(B + 0x1910, S, true, &n, NULL));
    CHECK_EQ_U64(n.pc, B + 0x1111); /* exact: F12 at offset 0 */
    CHECK_EQ_U64(n.sp, S + 8);

    /* ---- epilogs: lea rsp,[rbp]; pop rbp; ret */
    clear_stack();
    c = tw_context(DS_ARCH_X64, B + 0x1A20, S - 0x80, S + 0x20);
    tw_put64(&W, S + 0x20, 0xBBBD);
    tw_put64(&W, S + 0x28, B + 0x1A01);
    CHECK(step_ctx(&c, true, &n));
    CHECK_EQ_U64(n.pc, B + 0x1A01);
    CHECK_EQ_U64(n.sp, S + 0x30);
    CHECK_EQ_U64(n.regs[RBP], 0xBBBD);
    /* pop r12; jmp out of the function */
    clear_stack();
    tw_put64(&W, S, 0x1212);
    tw_put64(&W, S + 8, B + 0x1B01);
    CHECK(step(B + 0x1B10, S, true, &n, NULL));
    CHECK_EQ_U64(n.pc, B + 0x1B01);
    CHECK_EQ_U64(n.sp, S + 16);
    CHECK_EQ_U64(n.regs[R12], 0x1212);
    /* a jump back inside the function is not an epilog: the codes apply */
    clear_stack();
    tw_put64(&W, S, 0x7777);
    tw_put64(&W, S + 0x10, B + 0x1C01);
    CHECK(step(B + 0x1C10, S, true, &n, NULL));
    CHECK_EQ_U64(n.pc, B + 0x1C01);
    CHECK_EQ_U64(n.sp, S + 0x18);

    /* ---- the walk: two frames, then a zero return address */
    clear_stack();
    tw_put64(&W, S + 0x28, B + 0x1240);
    {
        uint64_t fr = S + 0x30 + 0x100; /* F3's frame; rsp there is S+0x30 */
        tw_put64(&W, fr + 0x40, 0);
        tw_put64(&W, fr + 0x48, 0);
        c = tw_context(DS_ARCH_X64, B + 0x1010, S, fr + 0x20);
        ds_frame *f;
        size_t nf;
        char *why;
        CHECK(ds_unwind_walk(&W.env, &c, &f, &nf, &why) == 0);
        CHECK_EQ_U64(nf, 2);
        if (nf == 2) {
            CHECK_EQ_U64(f[0].trust, DS_TRUST_CONTEXT);
            CHECK_EQ_U64(f[1].trust, DS_TRUST_UNWIND_INFO);
            CHECK_EQ_U64(f[1].pc, B + 0x1240);
            CHECK_EQ_U64(f[1].sp, S + 0x30);
            CHECK_EQ_U64(f[1].fp, fr + 0x20);
            CHECK_KNOWN(f[1].module, 0);
        }
        CHECK(why && strstr(why, "zero return address"));
        free(f);
        free(why);
        /* the frame limit */
        W.env.max_frames = 1;
        CHECK(ds_unwind_walk(&W.env, &c, &f, &nf, &why) == 0);
        CHECK_EQ_U64(nf, 1);
        CHECK(why && strstr(why, "frame limit"));
        free(f);
        free(why);
        W.env.max_frames = 0;
    }
    /* a machine frame sending sp down: not accepted, scan finds nothing */
    clear_stack();
    tw_put64(&W, S + 0x10, B + 0x1010);
    tw_put64(&W, S + 0x10 + 24, S - 0x100);
    {
        c = tw_context(DS_ARCH_X64, B + 0x1410, S, 0);
        ds_frame *f;
        size_t nf;
        char *why;
        CHECK(ds_unwind_walk(&W.env, &c, &f, &nf, &why) == 0);
        CHECK_EQ_U64(nf, 1);
        CHECK(why && strstr(why, "did not move the stack pointer up"));
        free(f);
        free(why);
        /* ... or out of the stack */
        tw_put64(&W, S + 0x10 + 24, SLO + SLEN + 0x1000);
        CHECK(ds_unwind_walk(&W.env, &c, &f, &nf, &why) == 0);
        CHECK_EQ_U64(nf, 1);
        CHECK(why && strstr(why, "left the known stack bounds"));
        free(f);
        free(why);
        /* pc 0 with no return address at [sp]: nothing to find */
        c = tw_context(DS_ARCH_X64, 0, S, 0);
        CHECK(ds_unwind_walk(&W.env, &c, &f, &nf, &why) == 0);
        CHECK_EQ_U64(nf, 1);
        free(f);
        free(why);
    }
    /* unsupported unwind data: the walk scans instead and says so */
    clear_stack();
    tw_put64(&W, S + 0x40, B + 0x1900); /* code, but after 0xCC padding, not a call */
    {
        c = tw_context(DS_ARCH_X64, B + 0x1390, S, 0);
        ds_frame *f;
        size_t nf;
        char *why;
        CHECK(ds_unwind_walk(&W.env, &c, &f, &nf, &why) == 0);
        CHECK_EQ_U64(nf, 1); /* the only code pointer is not a return address */
        CHECK(why && strstr(why, "unsupported UNWIND_INFO version"));
        free(f);
        free(why);
    }

    tw_free(&W);
    tpe_free(&t);
    return check_report("test_unwind_x64");
}
