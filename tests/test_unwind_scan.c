/*
 * Stack scanning: a word is a return address only when the code before it
 * decodes as a call ending exactly there (x64/x86: calls of every usual
 * length; ARM64: BL / BLR / BLRA*), a direct call's target is code of some
 * module, and the word points into executable code. Without code bytes a
 * candidate is kept as an unvalidated DS_TRUST_SCAN frame.
 */
#include "check.h"
#include "pe_builder.h"
#include "unwind/unwind_internal.h"

#define B 0x140000000ull
#define B2 0x150000000ull  /* a module without an image */
#define SLO 0x10000ull
#define SLEN 0x1000u
#define S 0x10400ull

static tworld W;

static uw_call check_call(uint64_t ret)
{
    uw_walker w;
    memset(&w, 0, sizeof w);
    w.env = &W.env;
    w.ptr = W.env.arch == DS_ARCH_X86 ? 4 : 8;
    uw_call c = uw_preceded_by_call(&w, ret);
    if (w.cs_state == 1)
        ds_cs_close(&w.cs);
    return c;
}

static void x64(void)
{
    tpe t;
    tpe_init(&t, 0x8664);
    uint8_t e8[5] = {0xE8};
    pb_put32(e8 + 1, 0x1100 - 0x1005);                   /* call 0x1100 */
    tpe_code(&t, 0x1000, e8, 5);
    static const uint8_t call_rax[] = {0xFF, 0xD0};       /* call rax */
    tpe_code(&t, 0x1020, call_rax, 2);
    static const uint8_t call_r8[] = {0x41, 0xFF, 0xD0};  /* call r8 */
    tpe_code(&t, 0x1030, call_r8, 3);
    static const uint8_t call_rip[] = {0xFF, 0x15, 0x10, 0x00, 0x00, 0x00}; /* call [rip+10h] */
    tpe_code(&t, 0x1050, call_rip, 6);
    static const uint8_t call_sib[] = {0xFF, 0x94, 0x24, 0x80, 0x00, 0x00, 0x00}; /* call [rsp+80h] */
    tpe_code(&t, 0x1070, call_sib, 7);
    static const uint8_t call_disp8[] = {0xFF, 0x54, 0x24, 0x20}; /* call [rsp+20h] */
    tpe_code(&t, 0x1090, call_disp8, 4);
    uint8_t far[5] = {0xE8};
    pb_put32(far + 1, 0x70000000u);                       /* target in no module */
    tpe_code(&t, 0x10C0, far, 5);
    uint8_t data_tgt[5] = {0xE8};
    pb_put32(data_tgt + 1, 0x2000 - 0x10E5);              /* target in .rdata */
    tpe_code(&t, 0x10E0, data_tgt, 5);
    static const uint8_t jmp[] = {0xE9, 0x00, 0x00, 0x00, 0x00}; /* jmp, not a call */
    tpe_code(&t, 0x1180, jmp, 5);
    /* .pdata with an unsupported UNWIND_INFO over all of it: unwinding
       fails, the walk must scan */
    static const uint8_t bad_info[4] = {3, 0, 0, 0};
    tpe_pdata_x64(&t, 0x1000, 0x1400, tpe_rdata(&t, bad_info, 4));

    tw_init(&W, DS_ARCH_X64, SLO, SLEN);
    tw_module(&W, B, 0x4000, tpe_open(&t, B));
    tw_module(&W, B2, 0x10000, NULL);
    CHECK(W.mod[0].im != NULL);

    CHECK(check_call(B + 0x1005) == UW_CALL_YES);
    CHECK(check_call(B + 0x1022) == UW_CALL_YES);
    CHECK(check_call(B + 0x1033) == UW_CALL_YES);
    CHECK(check_call(B + 0x1056) == UW_CALL_YES);
    CHECK(check_call(B + 0x1077) == UW_CALL_YES);
    CHECK(check_call(B + 0x1094) == UW_CALL_YES);
    CHECK(check_call(B + 0x10C5) == UW_CALL_NO);  /* direct call out of every module */
    CHECK(check_call(B + 0x10E5) == UW_CALL_NO);  /* direct call into data */
    CHECK(check_call(B + 0x1185) == UW_CALL_NO);  /* after a jmp */
    CHECK(check_call(B + 0x1200) == UW_CALL_NO);  /* after int3 padding */
    CHECK(check_call(B + 0x1004) == UW_CALL_NO);  /* inside the call */
    CHECK(check_call(B + 0x2010) == UW_CALL_NO);  /* not code */
    CHECK(check_call(B2 + 0x100) == UW_CALL_UNKNOWN); /* no image: cannot check */
    CHECK(check_call(0x7000000000ull) == UW_CALL_NO); /* no module */

    /* the walk: junk below, the real return address above */
    memset(W.stack, 0, SLEN);
    tw_put64(&W, S, 0x1234);
    tw_put64(&W, S + 0x08, B + 0x1200);      /* code, not after a call */
    tw_put64(&W, S + 0x10, B + 0x2010);      /* data */
    tw_put64(&W, S + 0x18, B + 0x10C5);      /* call to nowhere */
    tw_put64(&W, S + 0x20, S + 0x100);       /* a stack address */
    tw_put64(&W, S + 0x28, B + 0x1005);      /* valid */
    tw_put64(&W, S + 0x38, B2 + 0x200);      /* no image: unvalidated */
    ds_context c = tw_context(DS_ARCH_X64, B + 0x1300, S, 0);
    ds_frame *f;
    size_t n;
    char *why;
    CHECK(ds_unwind_walk(&W.env, &c, &f, &n, &why) == 0);
    CHECK_EQ_U64(n, 3);
    if (n == 3) {
        CHECK_EQ_U64(f[1].pc, B + 0x1005);
        CHECK_EQ_U64(f[1].sp, S + 0x30);
        CHECK_EQ_U64(f[1].trust, DS_TRUST_SCAN_VALIDATED);
        CHECK_KNOWN(f[1].module, 0);
        CHECK_EQ_U64(f[2].pc, B2 + 0x200);
        CHECK_EQ_U64(f[2].sp, S + 0x40);
        CHECK_EQ_U64(f[2].trust, DS_TRUST_SCAN);
        CHECK_KNOWN(f[2].module, 1);
    }
    /* 40 words after a scanned frame: nothing more in that window */
    CHECK(why && strstr(why, "window"));
    free(f);
    free(why);
    /* words per frame: a return address 41 words above a scanned frame is
     * out of reach, 40 words above it is found (Breakpad's bound) */
    tw_put64(&W, S + 0x40 + 40 * 8, B + 0x1094);
    CHECK(ds_unwind_walk(&W.env, &c, &f, &n, &why) == 0);
    CHECK_EQ_U64(n, 3);
    free(f);
    free(why);
    tw_put64(&W, S + 0x40 + 40 * 8, 0);
    tw_put64(&W, S + 0x40 + 39 * 8, B + 0x1094);
    CHECK(ds_unwind_walk(&W.env, &c, &f, &n, &why) == 0);
    CHECK_EQ_U64(n, 4);
    if (n == 4)
        CHECK_EQ_U64(f[3].sp, S + 0x40 + 40 * 8);
    free(f);
    free(why);
    tw_put64(&W, S + 0x40 + 39 * 8, 0);
    /* frame 0's caller may be four times further: 160 words */
    {
        ds_context c0 = tw_context(DS_ARCH_X64, B + 0x1300, S + 0x600, 0);
        tw_put64(&W, S + 0x600 + 159 * 8, B + 0x1094);
        CHECK(ds_unwind_walk(&W.env, &c0, &f, &n, &why) == 0);
        CHECK(n >= 2);
        if (n >= 2)
            CHECK_EQ_U64(f[1].sp, S + 0x600 + 160 * 8);
        free(f);
        free(why);
        tw_put64(&W, S + 0x600 + 159 * 8, 0);
    }
    /* the scan window bounds the search */
    W.env.max_scan_bytes = 0x20;
    CHECK(ds_unwind_walk(&W.env, &c, &f, &n, &why) == 0);
    CHECK_EQ_U64(n, 1);
    CHECK(why && strstr(why, "window"));
    free(f);
    free(why);
    W.env.max_scan_bytes = 0;
    /* unknown stack bounds: the scan still stops at unreadable memory */
    W.env.stack_low = W.env.stack_high = 0;
    W.env.scan_words = 1000;
    memset(W.stack, 0, SLEN);
    CHECK(ds_unwind_walk(&W.env, &c, &f, &n, &why) == 0);
    CHECK_EQ_U64(n, 1);
    CHECK(why && strstr(why, "unreadable"));
    free(f);
    free(why);
    W.env.scan_words = 0;
    tw_free(&W);
    tpe_free(&t);
}

static void arm64(void)
{
    tpe t;
    tpe_init(&t, 0xAA64);
    uint32_t nop = 0xD503201F;
    for (uint32_t a = 0x1000; a < 0x1100; a += 4)
        tpe_code32(&t, a, &nop, 1);
    uint32_t bl = 0x94000000u | ((0x1080 - 0x1000) / 4); /* bl 0x1080 */
    tpe_code32(&t, 0x1000, &bl, 1);
    uint32_t blr = 0xD63F0100;                           /* blr x8 */
    tpe_code32(&t, 0x1020, &blr, 1);
    uint32_t blraa = 0xD73F0800 | (8u << 5) | 9u;        /* blraa x8, x9 */
    tpe_code32(&t, 0x1030, &blraa, 1);
    uint32_t b = 0x14000000u | 4;                         /* b: not a call */
    tpe_code32(&t, 0x1040, &b, 1);

    tw_init(&W, DS_ARCH_ARM64, SLO, SLEN);
    tw_module(&W, B, 0x4000, tpe_open(&t, B));
    tw_module(&W, B2, 0x10000, NULL);
    CHECK(check_call(B + 0x1004) == UW_CALL_YES);
    CHECK(check_call(B + 0x1024) == UW_CALL_YES);
    CHECK(check_call(B + 0x1034) == UW_CALL_YES);
    CHECK(check_call(B + 0x1044) == UW_CALL_NO);
    CHECK(check_call(B + 0x1014) == UW_CALL_NO);

    memset(W.stack, 0, SLEN);
    tw_put64(&W, S, B + 0x1014);          /* after a nop */
    tw_put64(&W, S + 8, B + 0x1003);      /* misaligned */
    tw_put64(&W, S + 0x10, S + 0x40);     /* a frame record's fp ... */
    tw_put64(&W, S + 0x18, 0x0012000140001024ull); /* ... and its PAC-signed lr */
    tw_put64(&W, S + 0x40, 0);
    tw_put64(&W, S + 0x48, 0);
    ds_context c = tw_context(DS_ARCH_ARM64, B2 + 0x100, S, 0);
    ds_frame *f;
    size_t n;
    char *why;
    CHECK(ds_unwind_walk(&W.env, &c, &f, &n, &why) == 0);
    CHECK(n >= 2);
    if (n >= 2) {
        CHECK_EQ_U64(f[1].pc, B + 0x1024);
        CHECK_EQ_U64(f[1].sp, S + 0x20);
        CHECK_EQ_U64(f[1].fp, S + 0x40); /* taken from the record below the lr */
        CHECK_EQ_U64(f[1].trust, DS_TRUST_SCAN_VALIDATED);
    }
    free(f);
    free(why);
    tw_free(&W);
    tpe_free(&t);
}

int main(void)
{
    x64();
    arm64();
    return check_report("test_unwind_scan");
}
