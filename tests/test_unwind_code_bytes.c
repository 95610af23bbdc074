/*
 * Code bytes a dump holds without the module's image (a minidump keeps the
 * bytes around each thread's pc), doc/stacks.md "Trust levels":
 *   - a scanned word whose preceding bytes in the dump decode as a call is
 *     checked as with an image; bytes that are no call reject it;
 *   - a frame stopped at the end of a function (nop, int3, syscall, pop,
 *     add sp, then ret) is unwound by running that code forward: its caller
 *     is exact, not a guess from scanning, and the popped registers are the
 *     caller's. The calc_win7_x64 corpus dump's threads stop at such code
 *     (a syscall stub's ret, DbgBreakPoint's int3; ret).
 */
#include "check.h"
#include "pe_builder.h"
#include "unwind/unwind_internal.h"

#define SLO 0x10000ull
#define SLEN 0x1000u
#define S 0x10400ull
#define M 0x77600000ull /* a module without an image */
#define CODE (M + 0x1000)  /* 0x100 bytes of its code are in the dump */
#define CODELEN 0x100u

static tworld W;
static uint8_t *code;

/* The world's stack plus CODELEN bytes of M's code in the memory view. */
static void world(ds_arch arch)
{
    tw_init(&W, arch, SLO, SLEN);
    ds_mem_free(&W.mem);
    uint8_t *buf = calloc(1, SLEN + CODELEN);
    free(W.stack);
    W.stack = buf;
    code = buf + SLEN;
    memset(code, 0xCC, CODELEN);
    ds_mem_init(&W.mem, (ds_bytes){.data = buf, .size = SLEN + CODELEN});
    ds_mem_add_region(&W.mem, SLO, SLEN, 0);
    ds_mem_add_region(&W.mem, CODE, CODELEN, SLEN);
    ds_mem_finish_regions(&W.mem);
    tw_module(&W, M, 0x10000, NULL);
}

static void put(uint64_t va, const uint8_t *b, size_t n)
{
    memcpy(code + (va - CODE), b, n);
}

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

static size_t walk(const ds_context *c, ds_frame **f)
{
    size_t n = 0;
    char *why = NULL;
    CHECK(ds_unwind_walk(&W.env, c, f, &n, &why) == 0);
    free(why);
    return n;
}

static void x64(void)
{
    world(DS_ARCH_X64);
    /* CODE+0x00: mov r10, rcx; mov eax, 6; syscall; ret (a syscall stub) */
    static const uint8_t stub[] = {0x4C, 0x8B, 0xD1, 0xB8, 6, 0, 0, 0, 0x0F, 0x05, 0xC3};
    put(CODE, stub, sizeof stub);
    /* CODE+0x40: call CODE (5 bytes), the stub's caller */
    uint8_t call[5] = {0xE8};
    pb_put32(call + 1, (uint32_t)(CODE - (CODE + 0x45)));
    put(CODE + 0x40, call, 5);
    /* CODE+0x60: int3; ret (DbgBreakPoint) */
    static const uint8_t brk[] = {0xCC, 0xC3};
    put(CODE + 0x60, brk, 2);
    /* CODE+0x70: pop rbx; pop rbp; add rsp, 0x10; ret */
    static const uint8_t epi[] = {0x5B, 0x5D, 0x48, 0x83, 0xC4, 0x10, 0xC3};
    put(CODE + 0x70, epi, sizeof epi);
    /* CODE+0x80: mov rax, [rcx]; ret: not an epilog */
    static const uint8_t load[] = {0x48, 0x8B, 0x01, 0xC3};
    put(CODE + 0x80, load, sizeof load);

    /* the dump's bytes decide whether a word follows a call */
    CHECK(check_call(CODE + 0x45) == UW_CALL_YES);
    CHECK(check_call(CODE + 0x0B) == UW_CALL_NO);    /* after a ret */
    CHECK(check_call(M + 0x5000) == UW_CALL_UNKNOWN); /* bytes not in the dump */

    ds_frame *f;
    size_t n;
    /* stopped at the stub's ret: [sp] is its caller, exactly */
    tw_put64(&W, S, CODE + 0x45);
    ds_context c = tw_context(DS_ARCH_X64, CODE + 0x0A, S, 0);
    n = walk(&c, &f);
    CHECK(n >= 2);
    if (n >= 2) {
        CHECK_EQ_U64(f[1].pc, CODE + 0x45);
        CHECK_EQ_U64(f[1].sp, S + 8);
        CHECK_EQ_U64(f[1].trust, DS_TRUST_UNWIND_INFO);
    }
    free(f);
    /* stopped earlier in the stub (mov r10, rcx): nothing proves [sp], the
     * scan finds it and the dump's bytes validate the call */
    c = tw_context(DS_ARCH_X64, CODE, S, 0);
    n = walk(&c, &f);
    CHECK(n >= 2);
    if (n >= 2) {
        CHECK_EQ_U64(f[1].pc, CODE + 0x45);
        CHECK_EQ_U64(f[1].trust, DS_TRUST_SCAN_VALIDATED);
    }
    free(f);
    /* int3; ret */
    c = tw_context(DS_ARCH_X64, CODE + 0x60, S, 0);
    n = walk(&c, &f);
    CHECK(n >= 2 && f[1].pc == CODE + 0x45 && f[1].trust == DS_TRUST_UNWIND_INFO);
    free(f);
    /* pops and add rsp run forward: rbx, rbp come back, the ret is at +0x20 */
    memset(W.stack, 0, SLEN);
    tw_put64(&W, S, 0x1111);
    tw_put64(&W, S + 8, S + 0x200);
    tw_put64(&W, S + 0x20, CODE + 0x45);
    c = tw_context(DS_ARCH_X64, CODE + 0x70, S, 0);
    n = walk(&c, &f);
    CHECK(n >= 2);
    if (n >= 2) {
        CHECK_EQ_U64(f[1].pc, CODE + 0x45);
        CHECK_EQ_U64(f[1].sp, S + 0x28);
        CHECK_EQ_U64(f[1].fp, S + 0x200);
        CHECK_EQ_U64(f[1].trust, DS_TRUST_UNWIND_INFO);
    }
    free(f);
    /* not an epilog: no exact caller claimed */
    memset(W.stack, 0, SLEN);
    tw_put64(&W, S, CODE + 0x45);
    c = tw_context(DS_ARCH_X64, CODE + 0x80, S, 0);
    n = walk(&c, &f);
    CHECK(n >= 2 && f[1].trust != DS_TRUST_UNWIND_INFO);
    free(f);
    /* the ret would lead to a word that is no return address (zero, or
     * code not after a call): no frame from it */
    tw_put64(&W, S, CODE + 0x0B);
    c = tw_context(DS_ARCH_X64, CODE + 0x0A, S, 0);
    n = walk(&c, &f);
    for (size_t i = 1; i < n; i++)
        CHECK(f[i].pc != CODE + 0x0B);
    free(f);
    tw_free(&W);
}

static void x86(void)
{
    world(DS_ARCH_X86);
    /* CODE+0x00: call dword fs:[0C0h]; add esp, 4; ret 8 (a WOW64 stub) */
    static const uint8_t stub[] = {0x64, 0xFF, 0x15, 0xC0, 0, 0, 0, 0x83, 0xC4, 0x04, 0xC2, 8, 0};
    put(CODE, stub, sizeof stub);
    uint8_t call[5] = {0xE8};
    pb_put32(call + 1, (uint32_t)(CODE - (CODE + 0x45)));
    put(CODE + 0x40, call, 5);
    tw_put32(&W, S + 4, (uint32_t)(CODE + 0x45));
    ds_context c = tw_context(DS_ARCH_X86, CODE + 7, S, S + 0x300);
    ds_frame *f;
    size_t n = walk(&c, &f);
    CHECK(n >= 2);
    if (n >= 2) {
        CHECK_EQ_U64(f[1].pc, CODE + 0x45);
        CHECK_EQ_U64(f[1].sp, S + 4 + 4 + 8);
        CHECK_EQ_U64(f[1].fp, S + 0x300); /* ebp untouched by the epilog */
        CHECK_EQ_U64(f[1].trust, DS_TRUST_UNWIND_INFO);
    }
    free(f);
    /* the same stub where the word it returns to is zero (a WOW64 thread
     * whose 32-bit stack was not kept): no frame from it */
    tw_put32(&W, S + 4, 0);
    n = walk(&c, &f);
    CHECK(n == 1 || f[1].trust != DS_TRUST_UNWIND_INFO);
    free(f);
    tw_free(&W);
}

int main(void)
{
    x64();
    x86();
    return check_report("test_unwind_code_bytes");
}
