/*
 * The walk's rules of evidence (issue 12), each on a crafted stack:
 * trap frames recognised while scanning (x64, x86) and user-mode trap frames
 * ending the walk; a context record spliced in where its sp lies; the end of
 * the ARM64 frame-record chain (x29 = 0) and of x64 rbp / x86 ebp chains;
 * pc = 0 and pc outside every module (caller from [sp] or lr); rbp chains on
 * platforms that keep frame pointers; a direct call elsewhere than the
 * callee's function is only a plain scan; words known not to be code (a
 * module's headers) are never return addresses.
 */
#include "check.h"
#include "pe_builder.h"
#include "unwind/unwind_internal.h"

#define B 0x140000000ull
#define B2 0x150000000ull /* a module without an image */
#define SLO 0x10000ull
#define SLEN 0x2000u
#define S 0x10400ull

static tworld W;

typedef struct walk {
    ds_frame *f;
    size_t n;
    char *why;
} walk;

static walk run(const ds_context *c)
{
    walk r = {0};
    CHECK(ds_unwind_walk(&W.env, c, &r.f, &r.n, &r.why) == 0);
    return r;
}

static void done(walk *r)
{
    free(r->f);
    free(r->why);
}

static void clear(void)
{
    memset(W.stack, 0, W.stack_len);
}

/* x64 module B: calls at 0x1000 (call 0x1100, returns to 0x1005) and 0x1020
 * (call rax, returns to 0x1022); .pdata over all of it with unsupported
 * unwind data, so every walk has to scan. */
static tpe X64;

static void x64_world(void)
{
    tpe_init(&X64, 0x8664);
    uint8_t e8[5] = {0xE8};
    pb_put32(e8 + 1, 0x1100 - 0x1005);
    tpe_code(&X64, 0x1000, e8, 5);
    static const uint8_t call_rax[] = {0xFF, 0xD0};
    tpe_code(&X64, 0x1020, call_rax, 2);
    static const uint8_t bad_info[4] = {3, 0, 0, 0};
    tpe_pdata_x64(&X64, 0x1000, 0x1400, tpe_rdata(&X64, bad_info, 4));
    tw_init(&W, DS_ARCH_X64, SLO, SLEN);
    tw_module(&W, B, 0x4000, tpe_open(&X64, B));
    tw_module(&W, B2, 0x10000, NULL);
    W.env.kernel = true;
}

/* ARM64 module B: nops with blr x8 at 0x1020 and 0x1040; module B2 has no
 * image. */
static void arm64_world(tpe *a)
{
    tpe_init(a, 0xAA64);
    uint32_t nop = 0xD503201F, blr = 0xD63F0100;
    for (uint32_t at = 0x1000; at < 0x1100; at += 4)
        tpe_code32(a, at, at == 0x1020 || at == 0x1040 ? &blr : &nop, 1);
    tw_init(&W, DS_ARCH_ARM64, SLO, SLEN);
    tw_module(&W, B, 0x4000, tpe_open(a, B));
    tw_module(&W, B2, 0x10000, NULL);
}

/* KTRAP_FRAME at t: the machine frame at +0x168 */
static void put_x64_trap(uint64_t t, uint64_t rip, uint16_t cs, uint32_t flags, uint64_t rsp,
                         uint16_t ss, uint64_t rbp)
{
    tw_put64(&W, t + 0x158, rbp);
    tw_put64(&W, t + 0x168, rip);
    tw_put64(&W, t + 0x170, cs);
    tw_put64(&W, t + 0x178, flags);
    tw_put64(&W, t + 0x180, rsp);
    tw_put64(&W, t + 0x188, ss);
}

static void x64_trap_frames(void)
{
    x64_world();
    uint64_t t = S + 0x100;
    ds_context c = tw_context(DS_ARCH_X64, B + 0x1300, S, 0);
    /* a kernel-mode trap: the walk goes on from the interrupted context, and
     * the stale return address above the trap frame is not a frame */
    clear();
    put_x64_trap(t, B + 0x1310, 0x10, 0x10246, t + 0x190, 0x18, 0);
    tw_put64(&W, t + 0x1a0, B + 0x1005);
    walk r = run(&c);
    CHECK(r.n >= 2);
    if (r.n >= 2) {
        CHECK_EQ_U64(r.f[1].pc, B + 0x1310);
        CHECK_EQ_U64(r.f[1].sp, t + 0x190);
        CHECK_EQ_U64(r.f[1].trust, DS_TRUST_TRAP_FRAME);
        CHECK(r.f[1].is_trap_frame);
        /* the interrupted rip is where execution stopped: symbols and lines
         * are looked up there, not one byte before */
        CHECK(r.f[0].pc_exact && r.f[1].pc_exact);
    }
    done(&r);
    /* a trap frame further than the return-address window (60 words after
     * a scanned frame) is still found */
    clear();
    tw_put64(&W, S + 0x10, B + 0x1022); /* frame 1, by scanning */
    uint64_t far = S + 0x18 + 60 * 8;
    put_x64_trap(far, B + 0x1310, 0x10, 0x246, far + 0x198, 0, 0);
    r = run(&c);
    CHECK(r.n >= 3);
    if (r.n >= 3) {
        CHECK_EQ_U64(r.f[1].pc, B + 0x1022);
        CHECK(!r.f[1].pc_exact); /* a return address */
        CHECK(r.f[2].pc_exact);
        CHECK_EQ_U64(r.f[2].sp, far + 0x198);
        CHECK_EQ_U64(r.f[2].trust, DS_TRUST_TRAP_FRAME);
    }
    done(&r);
    /* layout checks: a wrong selector, reserved flag bits, an rsp below the
     * frame or outside the stack, a rip in no module: no trap frame */
    static const struct {
        uint16_t cs, ss;
        uint32_t flags;
        uint64_t rsp_off, rip;
    } bad[] = {
        {0x08, 0x18, 0x246, 0x190, B + 0x1310},       /* not the x64 kernel CS */
        {0x10, 0x18, 0x244, 0x190, B + 0x1310},       /* bit 1 of EFLAGS clear */
        {0x10, 0x18, 0x8246, 0x190, B + 0x1310},      /* reserved bit 15 set */
        {0x10, 0x18, 0x246, 0x100, B + 0x1310},       /* rsp inside the frame */
        {0x10, 0x18, 0x246, 0x100000, B + 0x1310},    /* rsp out of the stack */
        {0x10, 0x18, 0x246, 0x190, 0x7000000000ull}, /* rip in no module */
        {0x10, 0x18, 0x246, 0x190, B + 0x2010},       /* rip in data */
        {0x10, 0x20, 0x246, 0x190, B + 0x1310},       /* not a kernel SS */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        clear();
        put_x64_trap(t, bad[i].rip, bad[i].cs, bad[i].flags, t + bad[i].rsp_off, bad[i].ss, 0);
        r = run(&c);
        bool trap = false;
        for (size_t k = 1; k < r.n; k++)
            trap |= r.f[k].trust == DS_TRUST_TRAP_FRAME;
        if (trap)
            fprintf(stderr, "  bad trap frame %zu accepted\n", i);
        CHECK(!trap);
        done(&r);
    }
    /* a user-mode stack holds no trap frames: the same bytes are data */
    W.env.kernel = false;
    clear();
    put_x64_trap(t, B + 0x1310, 0x10, 0x10246, t + 0x190, 0x18, 0);
    r = run(&c);
    for (size_t k = 1; k < r.n; k++)
        CHECK(r.f[k].trust != DS_TRUST_TRAP_FRAME);
    done(&r);
    W.env.kernel = true;
    /* a trap from user mode: the kernel stack ends there */
    clear();
    put_x64_trap(t, 0x7ff600001000ull, 0x33, 0x246, 0x5ff000, 0x2b, 0);
    r = run(&c);
    CHECK_EQ_U64(r.n, 1);
    CHECK(r.why && strstr(r.why, "user mode"));
    done(&r);
    tw_free(&W);
    tpe_free(&X64);
}

/* The context the walk continues from after an x86 trap frame: what the
 * frame at 0x80401310 was stepped from (rule_step sees every frame). */
static ds_context seen_after_trap;
static bool saw_trap_frame;

static bool capture_step(void *ctx, const ds_context *callee, bool first, ds_context *caller)
{
    (void)ctx, (void)first, (void)caller;
    if (callee->pc == 0x80401310u) {
        seen_after_trap = *callee;
        saw_trap_frame = true;
    }
    return false;
}

/* The walk reads a trap frame's Edx/Ecx/Eax where the kernel's build keeps
 * them (Windows 7 layout at 0x3C/0x40/0x44, Windows 8.1 and later 4 bytes
 * lower); with the build unknown it leaves them unknown. start reaches the
 * frame at t by scanning (trust trap_frame), or by its ebp pointing at it as
 * a trap handler's does (frame_pointer). */
static void x86_trap_layouts(uint64_t t, const ds_context *start, ds_trust trust)
{
    static const struct {
        ds_u64 build;
        uint32_t edx_off; /* 0: not read */
    } cases[] = {{{7601, true}, 0x3C}, {{9200, true}, 0x3C}, {{9600, true}, 0x38},
                 {{19041, true}, 0x38}, {{0, false}, 0}, {{9431, true}, 0}};
    for (uint32_t off = 0x34; off <= 0x48; off += 4)
        tw_put32(&W, t + off, 0x11110000u + off); /* every slot tells where it was read */
    W.env.rule_step = capture_step;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        W.env.kernel_build = cases[i].build;
        saw_trap_frame = false;
        walk r = run(start);
        CHECK(saw_trap_frame);
        CHECK(r.n >= 2 && r.f[1].trust == trust);
        uint32_t e = cases[i].edx_off;
        uint64_t regs = seen_after_trap.valid & 7; /* eax, ecx, edx */
        if (e) {
            CHECK_EQ_U64(regs, 7);
            CHECK_EQ_U64(seen_after_trap.regs[2], 0x11110000u + e);     /* edx */
            CHECK_EQ_U64(seen_after_trap.regs[1], 0x11110000u + e + 4); /* ecx */
            CHECK_EQ_U64(seen_after_trap.regs[0], 0x11110000u + e + 8); /* eax */
        } else {
            CHECK_EQ_U64(regs, 0);
        }
        CHECK_EQ_U64(seen_after_trap.regs[5], S + 0x300); /* ebp: the same in every layout */
        done(&r);
    }
    W.env.rule_step = NULL;
    W.env.kernel_build = (ds_u64){0, false};
}

static void x86_trap_frames(void)
{
    tpe t86;
    tpe_init(&t86, 0x014C);
    tw_init(&W, DS_ARCH_X86, SLO, SLEN);
    tw_module(&W, 0x80400000ull, 0x4000, tpe_open(&t86, 0x80400000ull));
    W.env.kernel = true;
    clear();
    uint64_t t = S + 0x40;
    tw_put32(&W, t + 0x08, 0xBADB0D00u);
    tw_put32(&W, t + 0x60, (uint32_t)(S + 0x300)); /* ebp */
    tw_put32(&W, t + 0x68, 0x80401310u);           /* eip */
    tw_put32(&W, t + 0x6C, 0x08);
    tw_put32(&W, t + 0x70, 0x202);
    ds_context c = tw_context(DS_ARCH_X86, 0x80401300u, S, 0);
    walk r = run(&c);
    CHECK(r.n >= 2);
    if (r.n >= 2) {
        CHECK_EQ_U64(r.f[1].pc, 0x80401310u);
        CHECK_EQ_U64(r.f[1].sp, t + 0x74); /* kernel trap: esp is the HardwareEsp slot */
        CHECK_EQ_U64(r.f[1].fp, S + 0x300);
        CHECK_EQ_U64(r.f[1].trust, DS_TRUST_TRAP_FRAME);
    }
    done(&r);
    x86_trap_layouts(t, &c, DS_TRUST_TRAP_FRAME);
    ds_context by_ebp = tw_context(DS_ARCH_X86, 0x80401300u, S, t);
    x86_trap_layouts(t, &by_ebp, DS_TRUST_FRAME_POINTER);
    /* without the DbgArgMark it is not a trap frame */
    tw_put32(&W, t + 0x08, 0);
    r = run(&c);
    CHECK_EQ_U64(r.n, 1);
    done(&r);
    tw_free(&W);
    tpe_free(&t86);
}

static void arm64_trap_frames(void)
{
    tpe a;
    arm64_world(&a);
    W.env.kernel = true;
    clear();
    uint64_t t = S + 0x40;
    tw_put64(&W, t + 0x90, 0x60000005);     /* SPSR: EL1h, AArch64, NZ flags */
    tw_put64(&W, t + 0x98, t + 0x160);      /* Sp */
    tw_put64(&W, t + 0x138, B + 0x1024);    /* Lr */
    tw_put64(&W, t + 0x140, t + 0x200);     /* Fp */
    tw_put64(&W, t + 0x148, B + 0x1010);    /* Pc */
    ds_context c = tw_context(DS_ARCH_ARM64, B2 + 0x100, S, 0);
    walk r = run(&c);
    CHECK(r.n >= 2);
    if (r.n < 2)
        fprintf(stderr, "  arm64 trap: %s\n", r.why);
    if (r.n >= 2) {
        CHECK_EQ_U64(r.f[1].pc, B + 0x1010);
        CHECK_EQ_U64(r.f[1].sp, t + 0x160);
        CHECK_EQ_U64(r.f[1].fp, t + 0x200);
        CHECK_EQ_U64(r.f[1].trust, DS_TRUST_TRAP_FRAME);
    }
    done(&r);
    /* AArch32 state (bit 4) or a misaligned Sp: not a trap frame */
    tw_put64(&W, t + 0x90, 0x60000015);
    r = run(&c);
    for (size_t k = 1; k < r.n; k++)
        CHECK(r.f[k].trust != DS_TRUST_TRAP_FRAME);
    done(&r);
    tw_put64(&W, t + 0x90, 0x60000005);
    tw_put64(&W, t + 0x98, t + 0x168);
    r = run(&c);
    for (size_t k = 1; k < r.n; k++)
        CHECK(r.f[k].trust != DS_TRUST_TRAP_FRAME);
    done(&r);
    /* from EL0: not taken (a zero SPSR is too common to end a walk on) */
    tw_put64(&W, t + 0x98, t + 0x160);
    tw_put64(&W, t + 0x90, 0x60000000);
    r = run(&c);
    for (size_t k = 1; k < r.n; k++)
        CHECK(r.f[k].trust != DS_TRUST_TRAP_FRAME);
    CHECK(!r.why || !strstr(r.why, "user mode"));
    done(&r);
    tw_free(&W);
    tpe_free(&a);
}

static void splice(void)
{
    x64_world();
    clear();
    /* nothing on the stack to scan: the context record named by the bug
     * check, whose sp lies further up, continues the walk */
    ds_context rec = tw_context(DS_ARCH_X64, B + 0x1320, S + 0x800, 0);
    W.env.splice = &rec;
    W.env.nsplice = 1;
    ds_context c = tw_context(DS_ARCH_X64, B + 0x1300, S, 0);
    walk r = run(&c);
    CHECK(r.n >= 2);
    if (r.n >= 2) {
        CHECK_EQ_U64(r.f[1].pc, B + 0x1320);
        CHECK_EQ_U64(r.f[1].sp, S + 0x800);
        CHECK_EQ_U64(r.f[1].trust, DS_TRUST_CONTEXT);
        CHECK(r.f[1].is_trap_frame);
    }
    done(&r);
    /* a scanned frame that would jump past it: the record comes first */
    tw_put64(&W, S + 0x10, B + 0x1022);
    rec.sp = S + 0x8;
    rec.regs[X_SP] = S + 0x8;
    r = run(&c);
    CHECK(r.n >= 2);
    if (r.n >= 2)
        CHECK_EQ_U64(r.f[1].sp, S + 0x8);
    done(&r);
    /* a record below the walk's start is not used */
    rec.sp = S - 0x100;
    rec.regs[X_SP] = S - 0x100;
    r = run(&c);
    for (size_t k = 0; k < r.n; k++)
        CHECK(r.f[k].pc != B + 0x1320);
    done(&r);
    W.env.splice = NULL;
    W.env.nsplice = 0;
    tw_free(&W);
    tpe_free(&X64);
}

/* frame 0 at address 0 or outside every module */
static void outside_modules(void)
{
    x64_world();
    clear();
    tw_put64(&W, S, B + 0x1022);
    ds_context c = tw_context(DS_ARCH_X64, 0, S, 0);
    walk r = run(&c);
    CHECK(r.n >= 2);
    if (r.n >= 2) {
        CHECK_EQ_U64(r.f[1].pc, B + 0x1022);
        CHECK_EQ_U64(r.f[1].sp, S + 8);
        CHECK_EQ_U64(r.f[1].trust, DS_TRUST_SCAN_VALIDATED);
    }
    done(&r);
    c = tw_context(DS_ARCH_X64, 0x7000000000ull, S, 0);
    r = run(&c);
    CHECK(r.n >= 2 && r.f[1].sp == S + 8);
    done(&r);
    tw_free(&W);
    tpe_free(&X64);

    tpe a;
    arm64_world(&a);
    clear();
    c = tw_context(DS_ARCH_ARM64, 0, S, 0);
    c.regs[A64_LR] = B + 0x1024;
    r = run(&c);
    CHECK(r.n >= 2);
    if (r.n >= 2) {
        CHECK_EQ_U64(r.f[1].pc, B + 0x1024);
        CHECK_EQ_U64(r.f[1].sp, S);
    }
    done(&r);
    tw_free(&W);
    tpe_free(&a);
}

/* ARM64: a frame record {0, lr} is the end of the chain */
static void arm64_chain_end(void)
{
    tpe a;
    arm64_world(&a);
    clear();
    tw_put64(&W, S + 0x10, S + 0x40);      /* record of frame 0's function */
    tw_put64(&W, S + 0x18, B + 0x1024);
    tw_put64(&W, S + 0x40, 0);             /* the last record: x29 = 0 */
    tw_put64(&W, S + 0x48, B + 0x1044);
    tw_put64(&W, S + 0x60, S + 0x80);      /* stale records above */
    tw_put64(&W, S + 0x68, B + 0x1024);
    ds_context c = tw_context(DS_ARCH_ARM64, B2 + 0x100, S, S + 0x10);
    walk r = run(&c);
    CHECK_EQ_U64(r.n, 3);
    if (r.n == 3) {
        CHECK_EQ_U64(r.f[1].pc, B + 0x1024);
        CHECK_EQ_U64(r.f[1].trust, DS_TRUST_FRAME_POINTER);
        CHECK_EQ_U64(r.f[2].pc, B + 0x1044);
        CHECK_EQ_U64(r.f[2].sp, S + 0x50);
        CHECK_EQ_U64(r.f[2].trust, DS_TRUST_FRAME_POINTER);
    }
    CHECK(r.why && strstr(r.why, "x29 = 0"));
    done(&r);
    tw_free(&W);
    tpe_free(&a);
}

static bool headers_not_code(void *ctx, uint64_t va)
{
    (void)ctx;
    return va >= B2 && va - B2 < 0x200;
}

/* x64 rbp chains where the platform keeps them, ended by rbp = 0 */
static void x64_frame_pointers(void)
{
    x64_world();
    clear();
    W.env.frame_pointers = true;
    tw_put64(&W, S + 0x08, B + 0x1005);    /* stale, below the chain */
    tw_put64(&W, S + 0x20, S + 0x60);
    tw_put64(&W, S + 0x28, B + 0x1022);
    tw_put64(&W, S + 0x60, 0);
    tw_put64(&W, S + 0x68, B2 + 0x300);
    tw_put64(&W, S + 0x78, B + 0x1022);    /* stale, after the chain's end */
    ds_context c = tw_context(DS_ARCH_X64, B2 + 0x100, S, S + 0x20);
    walk r = run(&c);
    CHECK_EQ_U64(r.n, 3);
    if (r.n == 3) {
        CHECK_EQ_U64(r.f[1].pc, B + 0x1022);
        CHECK_EQ_U64(r.f[1].sp, S + 0x30);
        CHECK_EQ_U64(r.f[1].trust, DS_TRUST_FRAME_POINTER);
        CHECK_EQ_U64(r.f[2].pc, B2 + 0x300);
        CHECK_EQ_U64(r.f[2].sp, S + 0x70);
        CHECK_EQ_U64(r.f[2].trust, DS_TRUST_FRAME_POINTER);
    }
    CHECK(r.why && strstr(r.why, "frame pointer is zero"));
    done(&r);
    /* a chain's return address that is not preceded by a call: no frame
     * pointer frame (the scan decides) */
    tw_put64(&W, S + 0x28, B + 0x1300);
    r = run(&c);
    CHECK(r.n < 2 || r.f[1].trust != DS_TRUST_FRAME_POINTER);
    done(&r);
    /* a return address inside a module's headers is refused, by chains and
     * by scans */
    W.env.not_code = headers_not_code;
    clear();
    tw_put64(&W, S + 0x20, S + 0x60);
    tw_put64(&W, S + 0x28, B2 + 0x40);
    tw_put64(&W, S + 0x38, B2 + 0x300);
    r = run(&c);
    for (size_t k = 1; k < r.n; k++)
        CHECK(r.f[k].pc != B2 + 0x40);
    CHECK(r.n >= 2 && r.f[1].pc == B2 + 0x300 && r.f[1].trust == DS_TRUST_SCAN);
    done(&r);
    W.env.not_code = NULL;
    W.env.frame_pointers = false;
    tw_free(&W);
    tpe_free(&X64);
}

/* functions of module B for the direct-call check */
static bool three_functions(void *ctx, uint64_t va, uint64_t *start)
{
    (void)ctx;
    if (va < B + 0x1000 || va >= B + 0x1400)
        return false;
    uint64_t rva = va - B;
    *start = B + (rva < 0x1100 ? 0x1000 : rva < 0x1200 ? 0x1100 : 0x1200);
    return true;
}

static void direct_call_target(void)
{
    x64_world();
    W.env.function_at = three_functions;
    clear();
    tw_put64(&W, S + 0x10, B + 0x1005); /* after call 0x1100 */
    /* the callee is in the function at 0x1100: validated */
    ds_context c = tw_context(DS_ARCH_X64, B + 0x1150, S, 0);
    walk r = run(&c);
    CHECK(r.n >= 2 && r.f[1].pc == B + 0x1005 && r.f[1].trust == DS_TRUST_SCAN_VALIDATED);
    done(&r);
    /* the callee is elsewhere (0x1200): a stale return address or a tail
     * call, only a plain scan */
    c = tw_context(DS_ARCH_X64, B + 0x1250, S, 0);
    r = run(&c);
    CHECK(r.n >= 2 && r.f[1].pc == B + 0x1005 && r.f[1].trust == DS_TRUST_SCAN);
    done(&r);
    /* an indirect call says nothing about its target: validated */
    tw_put64(&W, S + 0x10, B + 0x1022);
    r = run(&c);
    CHECK(r.n >= 2 && r.f[1].trust == DS_TRUST_SCAN_VALIDATED);
    done(&r);
    W.env.function_at = NULL;
    tw_free(&W);
    tpe_free(&X64);
}

/* x86: a zero or out-of-stack ebp after an ebp-chain frame ends the walk */
static void x86_chain_end(void)
{
    tpe t86;
    tpe_init(&t86, 0x014C);
    uint8_t e8[5] = {0xE8};
    pb_put32(e8 + 1, 0x1100 - 0x1005);
    tpe_code(&t86, 0x1000, e8, 5);
    tw_init(&W, DS_ARCH_X86, SLO, SLEN);
    tw_module(&W, 0x400000ull, 0x4000, tpe_open(&t86, 0x400000ull));
    clear();
    tw_put32(&W, S + 0x20, 0x7fff0000u);    /* caller's ebp: out of the stack */
    tw_put32(&W, S + 0x24, 0x401005u);
    tw_put32(&W, S + 0x40, 0x401005u);      /* stale */
    ds_context c = tw_context(DS_ARCH_X86, 0x401100u, S, S + 0x20);
    walk r = run(&c);
    CHECK_EQ_U64(r.n, 2);
    CHECK(r.why && strstr(r.why, "left the stack"));
    done(&r);
    tw_free(&W);
    tpe_free(&t86);
}

/* a CONTEXT record saved on the stack is registers, not return addresses */
static void saved_context(void)
{
    x64_world();
    clear();
    uint64_t rec = S + 0x20;
    tw_put64(&W, rec + 0x30, 0x0010001Fu);  /* ContextFlags: CONTEXT_AMD64 | ALL */
    tw_put64(&W, rec + 0x38, 0x10);         /* SegCs */
    tw_put64(&W, rec + 0x42 - 2, 0x180000); /* SegSs at 0x42 */
    tw_put64(&W, rec + 0x44, 0x246);        /* EFlags */
    tw_put64(&W, rec + 0x80, B + 0x1005);   /* Rcx: looks like a return address */
    tw_put64(&W, rec + 0xF8, B + 0x1022);   /* Rip */
    tw_put64(&W, rec + 0x4D0 + 8, B + 0x1022); /* the real one, past the record */
    ds_context c = tw_context(DS_ARCH_X64, B + 0x1150, S, 0);
    walk r = run(&c);
    CHECK(r.n >= 2);
    if (r.n >= 2)
        CHECK_EQ_U64(r.f[1].sp, rec + 0x4D0 + 16);
    done(&r);
    /* not a CONTEXT (wrong selector): its words are scanned as usual */
    tw_put64(&W, rec + 0x38, 0x77);
    r = run(&c);
    CHECK(r.n >= 2 && r.f[1].pc == B + 0x1005);
    done(&r);
    tw_free(&W);
    tpe_free(&X64);
}

int main(void)
{
    saved_context();
    x64_trap_frames();
    x86_trap_frames();
    arm64_trap_frames();
    splice();
    outside_modules();
    arm64_chain_end();
    x64_frame_pointers();
    direct_call_target();
    x86_chain_end();
    return check_report("test_unwind_rules");
}
