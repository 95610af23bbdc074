/*
 * Breakpad .sym parsing, lookup and unwinding on small in-memory texts:
 * FUNC / line / PUBLIC lookups and their boundaries, nesting and overlap,
 * STACK CFI for x64 and ARM64, x86 STACK WIN with and without a program
 * string, and malformed input (garbage lines, bad and huge numbers, deep
 * expressions, division by zero, unreadable memory).
 */
#include "check.h"
#include "symbols/breakpad.h"

static ds_bpsym *open_text(const char *text)
{
    ds_error err;
    ds_bpsym *b = ds_bpsym_open_memory(text, strlen(text), &err);
    CHECK(b != NULL);
    return b;
}

/* A fake stack: 0x400 bytes at VA 0x7000 (x64/arm64) or 0x7000 (x86). */
#define STACK_VA 0x7000u
static uint8_t stack_bytes[0x400];
static ds_memview stack_mem;

static void stack_reset(void)
{
    memset(stack_bytes, 0, sizeof stack_bytes);
    ds_mem_free(&stack_mem);
    ds_mem_init(&stack_mem, (ds_bytes){.data = stack_bytes, .size = sizeof stack_bytes});
    ds_mem_add_region(&stack_mem, STACK_VA, sizeof stack_bytes, 0);
    ds_mem_finish_regions(&stack_mem);
}

static void put64(uint64_t va, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        stack_bytes[va - STACK_VA + i] = (uint8_t)(v >> (8 * i));
}

static void put32(uint64_t va, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        stack_bytes[va - STACK_VA + i] = (uint8_t)(v >> (8 * i));
}

static void set_reg(ds_context *c, int r, uint64_t v)
{
    c->regs[r] = v;
    c->valid |= 1ull << r;
}

/* ------------------------------------------------------------ symbols */

static const char sym_text[] =
    "MODULE windows x86_64 ABCDEF01234567891 test app.pdb\r\n"
    "INFO CODE_ID 5F8A1C2D1000 test.dll\r\n"
    "FILE 0 c:\\src\\a.c\r\n"
    "FILE 1 c:\\src\\b c.h\r\n"
    "FILE 1 c:\\src\\duplicate.h\r\n"
    "\r\n"
    "FUNC 1000 30 8 alpha(int)\r\n"
    "1000 10 10 0\r\n"
    "INLINE 0 12 0 0 1004 4\r\n"
    "1010 20 11 1\r\n"
    "FUNC m 1100 10 0 beta\n"
    "1100 8 20 0\n"
    "PUBLIC 1200 4 gamma\n"
    "PUBLIC m 1300 0 delta with spaces\n"
    "PUBLIC 1300 0 delta_duplicate\n"
    "FUNC 1280 10 0 eps\n"
    "this is a garbage line\n"
    "FUNC zz 10 0 bad_address\n"
    "FUNC 2000 10 0\n"
    "1000 10\n"
    "PUBLIC 11112222333344445 0 overflow\n"
    "FUNC 3000 100 0 outer\n"
    "FUNC 3010 10 0 inner\n"
    "FUNC 3010 10 0 inner_duplicate\n"
    "FUNC 3080 100 0 partial_overlap\n"
    "FUNC fffffffffffffff0 ffffffffffffffff 0 top\n"
    "STACK WIN 4 1000 30 1 0 8 0 0 0 1 $T0 $ebp =\n"
    "STACK WIN 3 1000 30 1 0 8 0 0 0 0 0\n"
    "STACK CFI 1234 .cfa: $rsp 8 +\n" /* a delta without its INIT */
    "STACK BOGUS 1 2 3\n"
    "INLINE_ORIGIN 0 inlined_thing\n"
    "FUNC 4000 10 0 last_no_newline";

static void test_lookup(void)
{
    ds_bpsym *b = open_text(sym_text);
    if (!b)
        return;
    const char *os, *arch, *id, *name;
    ds_bpsym_module(b, &os, &arch, &id, &name);
    CHECK_STR(os, "windows");
    CHECK_STR(arch, "x86_64");
    CHECK_STR(id, "ABCDEF01234567891");
    CHECK_STR(name, "test app.pdb");

    ds_bpsym_func f;
    CHECK(!ds_bpsym_lookup(b, 0xfff, &f));
    CHECK(ds_bpsym_lookup(b, 0x1000, &f));
    CHECK_STR(f.name, "alpha(int)");
    CHECK(f.is_function);
    CHECK_EQ_U64(f.address, 0x1000);
    CHECK_EQ_U64(f.size, 0x30);
    CHECK_STR(f.file, "c:\\src\\a.c");
    CHECK_EQ_U64(f.line, 10);
    CHECK(ds_bpsym_lookup(b, 0x102f, &f));
    CHECK_STR(f.file, "c:\\src\\b c.h"); /* the first FILE 1 wins */
    CHECK_EQ_U64(f.line, 11);
    uint64_t la = 0;
    CHECK(ds_bpsym_line_address(b, 0x1015, &la));
    CHECK_EQ_U64(la, 0x1010);
    CHECK(!ds_bpsym_line_address(b, 0x1108, &la)); /* beta's line covers 8 bytes */

    /* just past alpha: no PUBLIC below it */
    CHECK(!ds_bpsym_lookup(b, 0x1030, &f));
    CHECK(ds_bpsym_lookup(b, 0x1105, &f));
    CHECK_STR(f.name, "beta");
    CHECK_EQ_U64(f.line, 20);
    CHECK(ds_bpsym_lookup(b, 0x1108, &f));
    CHECK_STR(f.file, "");
    CHECK_EQ_U64(f.line, 0);
    CHECK(!ds_bpsym_lookup(b, 0x1110, &f));

    /* PUBLIC: nearest below, unless a FUNC starts in between */
    CHECK(ds_bpsym_lookup(b, 0x1250, &f));
    CHECK_STR(f.name, "gamma");
    CHECK(!f.is_function);
    CHECK_EQ_U64(f.address, 0x1200);
    CHECK_EQ_U64(f.size, 0);
    CHECK(ds_bpsym_lookup(b, 0x1285, &f));
    CHECK_STR(f.name, "eps");
    CHECK(!ds_bpsym_lookup(b, 0x12a0, &f)); /* past eps, gamma is below eps */
    CHECK(ds_bpsym_lookup(b, 0x1300, &f));
    CHECK_STR(f.name, "delta with spaces");
    CHECK(ds_bpsym_lookup(b, 0x2fff, &f));
    CHECK_STR(f.name, "delta with spaces");

    /* nesting: innermost wins; duplicates and partial overlaps dropped */
    CHECK(ds_bpsym_lookup(b, 0x3015, &f));
    CHECK_STR(f.name, "inner");
    CHECK(ds_bpsym_lookup(b, 0x3020, &f));
    CHECK_STR(f.name, "outer");
    CHECK(ds_bpsym_lookup(b, 0x3090, &f));
    CHECK_STR(f.name, "outer");
    /* partial_overlap was dropped; inner starts above delta: no name */
    CHECK(!ds_bpsym_lookup(b, 0x3150, &f));

    /* huge range saturates at the top of the address space */
    CHECK(ds_bpsym_lookup(b, 0xfffffffffffffff8ull, &f));
    CHECK_STR(f.name, "top");
    CHECK(ds_bpsym_lookup(b, 0x4005, &f));
    CHECK_STR(f.name, "last_no_newline");

    uint32_t ps = 0;
    CHECK(ds_bpsym_param_size(b, 0x1250, &ps));
    CHECK_EQ_U64(ps, 4);
    CHECK(ds_bpsym_param_size(b, 0x1000, &ps)); /* the STACK WIN record */
    CHECK_EQ_U64(ps, 8);
    CHECK(ds_bpsym_param_size(b, 0x1105, &ps)); /* the FUNC */
    CHECK_EQ_U64(ps, 0);
    CHECK(!ds_bpsym_param_size(b, 0x10, &ps));

    ds_bpsym_stats st;
    ds_bpsym_get_stats(b, &st);
    CHECK_EQ_U64(st.files, 3);
    CHECK_EQ_U64(st.line_records, 3);
    CHECK_EQ_U64(st.inlines, 1);
    CHECK_EQ_U64(st.win_framedata, 1);
    CHECK_EQ_U64(st.win_other, 1);
    /* garbage: text, FUNC zz, FUNC without name, short line record, 17-digit
     * PUBLIC, STACK BOGUS (a STACK CFI delta without INIT is kept, as Breakpad does) */
    CHECK_EQ_U64(st.garbage, 6);
    CHECK_EQ_U64(st.dropped, 3); /* inner_duplicate, partial_overlap, delta_duplicate */
    ds_bpsym_close(b);
}

static void test_open_edges(void)
{
    ds_error err;
    CHECK(ds_bpsym_open("/nonexistent/x.sym", &err) == NULL);
    CHECK(err.text[0] != 0);
    ds_bpsym *b = ds_bpsym_open_memory("", 0, &err);
    CHECK(b != NULL);
    if (b) {
        ds_bpsym_func f;
        const char *os;
        ds_bpsym_module(b, &os, NULL, NULL, NULL);
        CHECK_STR(os, "");
        CHECK(!ds_bpsym_lookup(b, 0, &f));
        ds_context c = {0}, out;
        CHECK(!ds_bpsym_unwind(b, 0, &c, NULL, &out));
        ds_bpsym_close(b);
    }
    /* binary junk with NUL bytes and lone CRs */
    static const uint8_t junk[] = {'F', 'U', 'N', 'C', ' ', '1', 0, '0', ' ', '\r', '\r',
                                   '\n', 0xff, 0xfe, '\n', 'P', 'U', 'B', 'L', 'I', 'C'};
    b = ds_bpsym_open_memory(junk, sizeof junk, &err);
    CHECK(b != NULL);
    if (b) {
        ds_bpsym_stats st;
        ds_bpsym_get_stats(b, &st);
        CHECK_EQ_U64(st.garbage, 3);
        ds_bpsym_close(b);
    }
    ds_bpsym_close(NULL);
}

/* --------------------------------------------------------- STACK CFI x64 */

static void test_cfi_x64(void)
{
    ds_bpsym *b = open_text("MODULE Linux x86_64 0 lib.so\n"
                            "STACK CFI INIT 1000 20 .cfa: $rsp 8 + .ra: .cfa 8 - ^\n"
                            "STACK CFI 1001 .cfa: $rsp 16 + $rbp: .cfa 16 - ^\n"
                            "STACK CFI 1004 .cfa: $rbp 16 +\n"
                            "STACK CFI INIT 2000 10 .cfa: $rsp 8 + .ra: .cfa -8 + ^ $rbx: .undef\n"
                            "STACK CFI INIT 3000 20 .cfa: $rsp 8 + .ra: .cfa 8 - ^\n"
                            "FUNC 3000 20 0 f\n"
                            "STACK CFI 3004 .cfa: $rsp 24 + .ra: $rsp ^\n"
                            "STACK CFI 3004 .cfa: $rsp 16 +\n");
    if (!b)
        return;
    stack_reset();
    put64(0x7108, 0x401235);  /* after push rbp: the return address */
    put64(0x7100, 0x7180);    /* ... and the saved rbp below it (the leaf's "return address") */
    put64(0x7188, 0x401236);  /* rbp frame: return address at rbp+8 */
    ds_context c = {0}, out;
    c.arch = DS_ARCH_X64;
    set_reg(&c, 4, 0x7100); /* rsp */
    set_reg(&c, 5, 0x7180); /* rbp */
    set_reg(&c, 3, 0xbbbb); /* rbx: callee-saved, carried */
    set_reg(&c, 0, 0xaaaa); /* rax: volatile, not carried */
    set_reg(&c, 16, 0x1000);

    /* leaf at its first instruction */
    CHECK(ds_bpsym_unwind(b, 0x1000, &c, &stack_mem, &out));
    CHECK_EQ_U64(out.sp, 0x7108);
    CHECK_EQ_U64(out.pc, 0x7180); /* [0x7100] */
    CHECK_EQ_U64(out.regs[16], out.pc);
    CHECK_EQ_U64(out.regs[4], out.sp);
    CHECK(out.valid >> 3 & 1);
    CHECK_EQ_U64(out.regs[3], 0xbbbb);
    CHECK(!(out.valid & 1));
    CHECK(out.arch == DS_ARCH_X64);

    /* after push rbp: the delta at 1001 applies, not the one at 1004 */
    CHECK(ds_bpsym_unwind(b, 0x1002, &c, &stack_mem, &out));
    CHECK_EQ_U64(out.sp, 0x7110);
    CHECK_EQ_U64(out.pc, 0x401235);
    CHECK_EQ_U64(out.regs[5], 0x7180); /* [cfa-16] */
    CHECK_EQ_U64(out.fp, 0x7180);

    /* rbp-based body */
    CHECK(ds_bpsym_unwind(b, 0x101f, &c, &stack_mem, &out));
    CHECK_EQ_U64(out.sp, 0x7190);
    CHECK_EQ_U64(out.pc, 0x401236);

    /* outside every INIT range */
    CHECK(!ds_bpsym_unwind(b, 0x1020, &c, &stack_mem, &out));
    CHECK(!ds_bpsym_unwind(b, 0xfff, &c, &stack_mem, &out));

    /* negative literal; .undef leaves rbx unknown instead of carrying it */
    CHECK(ds_bpsym_unwind(b, 0x2000, &c, &stack_mem, &out));
    CHECK_EQ_U64(out.pc, 0x7180);
    CHECK(!(out.valid >> 3 & 1));

    /* deltas are keyed by address wherever they stand; the last one for an
     * address replaces the earlier one entirely */
    CHECK(ds_bpsym_unwind(b, 0x3008, &c, &stack_mem, &out));
    CHECK_EQ_U64(out.sp, 0x7110);
    CHECK_EQ_U64(out.pc, 0x401235);

    /* rsp unknown: .cfa cannot be computed */
    ds_context bad = c;
    bad.valid &= ~(1ull << 4);
    CHECK(!ds_bpsym_unwind(b, 0x1000, &bad, &stack_mem, &out));
    /* return address in unreadable memory */
    bad = c;
    bad.regs[4] = 0x100000;
    CHECK(!ds_bpsym_unwind(b, 0x1000, &bad, &stack_mem, &out));
    /* no memory at all */
    CHECK(!ds_bpsym_unwind(b, 0x1000, &c, NULL, &out));
    ds_bpsym_close(b);
}

/* ------------------------------------------------------- STACK CFI arm64 */

static void test_cfi_arm64(void)
{
    ds_bpsym *b = open_text("MODULE Linux arm64 0 lib.so\n"
                            "STACK CFI INIT 2000 40 .cfa: sp 0 + .ra: x30\n"
                            "STACK CFI 2004 .cfa: sp 16 + x29: .cfa -16 + ^ .ra: .cfa -8 + ^\n"
                            "STACK CFI 2008 .cfa: $x29 16 +\n");
    if (!b)
        return;
    stack_reset();
    put64(0x7200, 0x7300);    /* saved x29 */
    put64(0x7208, 0x5000123); /* saved x30 */
    ds_context c = {0}, out;
    c.arch = DS_ARCH_ARM64;
    set_reg(&c, 31, 0x7200);    /* sp */
    set_reg(&c, 29, 0x7250);    /* fp */
    set_reg(&c, 30, 0x5000999); /* lr */
    set_reg(&c, 19, 0x1919);
    set_reg(&c, 32, 0x2000);

    CHECK(ds_bpsym_unwind(b, 0x2000, &c, &stack_mem, &out));
    CHECK_EQ_U64(out.pc, 0x5000999);
    CHECK_EQ_U64(out.regs[32], 0x5000999);
    CHECK_EQ_U64(out.sp, 0x7200);
    CHECK_EQ_U64(out.regs[31], 0x7200);
    CHECK_EQ_U64(out.fp, 0x7250); /* x29 callee-saved, carried */
    CHECK_EQ_U64(out.regs[19], 0x1919);

    CHECK(ds_bpsym_unwind(b, 0x2004, &c, &stack_mem, &out));
    CHECK_EQ_U64(out.sp, 0x7210);
    CHECK_EQ_U64(out.pc, 0x5000123);
    CHECK_EQ_U64(out.fp, 0x7300);

    c.regs[29] = 0x7200 - 16 + 0; /* fp such that fp+16 = 0x7200 */
    CHECK(ds_bpsym_unwind(b, 0x2010, &c, &stack_mem, &out));
    CHECK_EQ_U64(out.sp, 0x7200);

    /* arch unknown in the context: taken from the MODULE line */
    ds_context u = c;
    u.arch = DS_ARCH_UNKNOWN;
    CHECK(ds_bpsym_unwind(b, 0x2004, &u, &stack_mem, &out));
    CHECK(out.arch == DS_ARCH_ARM64);
    ds_bpsym_close(b);
}

/* ------------------------------------------------------- STACK WIN x86 */

enum { EAX = 0, EBX = 3, ESP = 4, EBP = 5, ESI = 6, EDI = 7, EIP = 16 };

static const char win_text[] =
    "MODULE windows x86 0 app.pdb\n"
    "FUNC 1000 100 c f_frame\n"
    "FUNC 2000 100 0 f_fpo\n"
    "PUBLIC 5000 10 p_public\n"
    /* standard ebp frame */
    "STACK WIN 4 1000 100 3 0 c 0 8 0 1 $T0 $ebp = $eip $T0 4 + ^ = $ebp $T0 ^ = "
    "$esp $T0 8 + = $L $T0 .cbSavedRegs - = $P $T0 8 + .cbParams + =\n"
    /* a nested, more specific record; "=" glued to the next token */
    "STACK WIN 4 1080 10 0 0 0 0 0 0 1 $T0 .raSearchStart = $eip $T0 ^ =$esp $T0 4 + =\n"
    /* FPO, no base pointer: 8 bytes locals, 4 saved */
    "STACK WIN 0 2000 80 0 0 4 4 8 0 0 0\n"
    /* FPO allocating a base pointer: 0xc saved registers */
    "STACK WIN 0 2080 80 0 0 0 c 4 0 0 1\n"
    /* FrameData preferred over FPO for the same range */
    "STACK WIN 0 3000 10 0 0 0 0 0 0 0 0\n"
    "STACK WIN 4 3000 10 0 0 0 0 0 0 1 $eip $esp ^ = $esp $esp 4 + = $ebx 7 =\n"
    /* failing programs */
    "STACK WIN 4 4000 10 0 0 0 0 0 0 1 $eip $esp 0 / = $esp $esp 4 + =\n"
    "STACK WIN 4 4010 10 0 0 0 0 0 0 1 $eip 1234 ^ = $esp $esp 4 + =\n"
    "STACK WIN 4 4020 10 0 0 0 0 0 0 1 $eip $esp ^ =\n"                 /* no $esp */
    "STACK WIN 4 4030 10 0 0 0 0 0 0 1 $eip $esp ^ = $esp $esp 4 + = 5\n" /* left on stack */
    "STACK WIN 4 4040 10 0 0 0 0 0 0 1 $eip $T9 = $esp $esp 4 + =\n"    /* undefined */
    "STACK WIN 4 4050 10 0 0 0 0 0 0 1 .cbParams 4 = $esp $esp 4 + =\n" /* assign to . */
    "STACK WIN 4 4060 10 0 0 0 0 0 0 1 $T0 $ebp 16 @ = $eip $T0 4 + ^ = $esp $T0 8 + =\n"
    "STACK WIN 4 4070 10 0 0 0 0 0 0 1 $T0 $ebp 12 @ = $eip $T0 4 + ^ = $esp $T0 8 + =\n";

static void x86_ctx(ds_context *c)
{
    memset(c, 0, sizeof *c);
    c->arch = DS_ARCH_X86;
    set_reg(c, ESP, 0x7100);
    set_reg(c, EBP, 0x7120);
    set_reg(c, EBX, 0xb0b0);
    set_reg(c, ESI, 0x5151);
    set_reg(c, EIP, 0x401000);
    c->pc = 0x401000, c->sp = 0x7100, c->fp = 0x7120;
}

/* code_check for the scanning tests: "code" is 0x400000..0x4fffff */
static int code_checks;
static bool fake_code(void *arg, uint64_t va, bool strict)
{
    (void)arg;
    (void)strict;
    code_checks++;
    return va >= 0x400000 && va < 0x500000;
}

static void test_win_x86(void)
{
    ds_bpsym *b = open_text(win_text);
    if (!b)
        return;
    stack_reset();
    ds_context c, out;
    ds_trust trust;
    x86_ctx(&c);

    /* ebp frame: eip = [ebp+4], ebp = [ebp], esp = ebp + 8 */
    put32(0x7120, 0x7160);
    put32(0x7124, 0x401111);
    CHECK(ds_bpsym_unwind(b, 0x1010, &c, &stack_mem, &out));
    CHECK_EQ_U64(out.pc, 0x401111);
    CHECK_EQ_U64(out.regs[EIP], 0x401111);
    CHECK_EQ_U64(out.sp, 0x7128);
    CHECK_EQ_U64(out.fp, 0x7160);
    CHECK_EQ_U64(out.regs[EBP], 0x7160);
    CHECK((out.valid & (1u << EIP | 1u << ESP | 1u << EBP)) == (1u << EIP | 1u << ESP | 1u << EBP));
    CHECK(!(out.valid >> EBX & 1)); /* the program did not assign it */
    CHECK(out.arch == DS_ARCH_X86);

    /* the nested record: .raSearchStart = esp + callee params + locals + saved */
    put32(0x7100, 0x402222);
    CHECK(ds_bpsym_unwind(b, 0x1085, &c, &stack_mem, &out));
    CHECK_EQ_U64(out.pc, 0x402222);
    CHECK_EQ_U64(out.sp, 0x7104);
    ds_bpsym_walk w = {0};
    w.callee_param_size = 8;
    put32(0x7108, 0x403333);
    CHECK(ds_bpsym_unwind_ex(b, 0x1085, &c, &stack_mem, &w, &out, &trust));
    CHECK_EQ_U64(out.pc, 0x403333);
    CHECK_EQ_U64(out.sp, 0x710c);
    CHECK(trust == DS_TRUST_UNWIND_INFO);

    /* FPO without base pointer: eip at esp + 8 + 4; ebp and ebx carried */
    put32(0x710c, 0x404444);
    CHECK(ds_bpsym_unwind(b, 0x2000, &c, &stack_mem, &out));
    CHECK_EQ_U64(out.pc, 0x404444);
    CHECK_EQ_U64(out.sp, 0x7110);
    CHECK_EQ_U64(out.regs[EBP], 0x7120);
    CHECK_EQ_U64(out.regs[EBX], 0xb0b0);
    CHECK(out.valid >> EBX & 1);
    CHECK(!(out.valid >> ESI & 1));

    /* FPO allocating a base pointer: ebp at esp + saved - 8 */
    put32(0x7110, 0x405555); /* eip at esp + 4 + 0xc */
    put32(0x7104, 0x7150);   /* ebp at esp + 0xc - 8 */
    CHECK(ds_bpsym_unwind(b, 0x2080, &c, &stack_mem, &out));
    CHECK_EQ_U64(out.pc, 0x405555);
    CHECK_EQ_U64(out.sp, 0x7114);
    CHECK_EQ_U64(out.regs[EBP], 0x7150);

    /* FrameData wins over FPO for the same range; assigned ebx is valid */
    put32(0x7100, 0x406666);
    CHECK(ds_bpsym_unwind(b, 0x3000, &c, &stack_mem, &out));
    CHECK_EQ_U64(out.pc, 0x406666);
    CHECK_EQ_U64(out.sp, 0x7104);
    CHECK_EQ_U64(out.regs[EBX], 7);
    CHECK(out.valid >> EBX & 1);

    /* failing programs, no scanning allowed */
    for (uint64_t rva = 0x4000; rva <= 0x4050; rva += 0x10)
        CHECK(!ds_bpsym_unwind(b, rva, &c, &stack_mem, &out));
    /* ... with scanning: the first word above esp that looks like code */
    put32(0x7100, 0x1234);
    put32(0x7104, 0x7777);
    put32(0x7108, 0x407777);
    memset(&w, 0, sizeof w);
    w.code_check = fake_code;
    CHECK(ds_bpsym_unwind_ex(b, 0x4000, &c, &stack_mem, &w, &out, &trust));
    CHECK_EQ_U64(out.pc, 0x407777);
    CHECK_EQ_U64(out.sp, 0x710c);
    CHECK(trust == DS_TRUST_SCAN);
    CHECK(code_checks > 0);

    /* the stack window limits what may be read */
    w.stack_lo = 0x7000;
    w.stack_hi = 0x7108;
    CHECK(!ds_bpsym_unwind_ex(b, 0x4000, &c, &stack_mem, &w, &out, &trust));

    /* align: ebp 0x7128 @ 16 = 0x7120, non-power-of-two fails */
    c.regs[EBP] = 0x7128;
    CHECK(ds_bpsym_unwind(b, 0x4060, &c, &stack_mem, &out));
    CHECK_EQ_U64(out.sp, 0x7128);
    CHECK(!ds_bpsym_unwind(b, 0x4070, &c, &stack_mem, &out));
    x86_ctx(&c);

    /* esp unknown */
    ds_context bad = c;
    bad.valid &= ~(1ull << ESP);
    CHECK(!ds_bpsym_unwind(b, 0x1010, &bad, &stack_mem, &out));

    /* parameter sizes for .cbCalleeParams */
    uint32_t ps;
    CHECK(ds_bpsym_param_size(b, 0x1010, &ps));
    CHECK_EQ_U64(ps, 0xc);
    CHECK(ds_bpsym_param_size(b, 0x2000, &ps));
    CHECK_EQ_U64(ps, 4);
    CHECK(ds_bpsym_param_size(b, 0x5004, &ps));
    CHECK_EQ_U64(ps, 0x10);

    /* a STACK WIN record does not apply to other architectures */
    c.arch = DS_ARCH_X64;
    CHECK(!ds_bpsym_unwind(b, 0x1010, &c, &stack_mem, &out));
    ds_bpsym_close(b);
}

/* ------------------------------------------------------- malformed CFI */

static void test_cfi_malformed(void)
{
    char deep[2048];
    size_t n = (size_t)snprintf(deep, sizeof deep, "MODULE Linux x86_64 0 x\n"
                                                   "STACK CFI INIT 1000 10 .cfa:");
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(deep + n, sizeof deep - n, " 1");
    for (int i = 0; i < 39; i++)
        n += (size_t)snprintf(deep + n, sizeof deep - n, " +");
    snprintf(deep + n, sizeof deep - n, " .ra: $rsp ^\n"
                                        "STACK CFI INIT 2000 10 .cfa: $rsp 8 + .ra: .cfa 0 / ^\n"
                                        "STACK CFI INIT 3000 10 .cfa: $rsp 8 + .ra: .cfa 0 %% ^\n"
                                        "STACK CFI INIT 4000 10 .cfa: $rsp 8 +\n"
                                        "STACK CFI INIT 5000 10 .cfa: $rsp 8 + .ra: $zz ^\n"
                                        "STACK CFI INIT 6000 10 $rsp 8 + .ra: $rsp ^\n"
                                        "STACK CFI INIT 7000 10 .cfa: $rsp 8 + .ra:\n"
                                        "STACK CFI INIT 8000 10 .cfa: $rsp + .ra: $rsp ^\n"
                                        "STACK CFI INIT 9000 10 .cfa: $rsp 99999999999999999999 + .ra: $rsp ^\n"
                                        "STACK CFI INIT a000 10 .cfa: $rsp 8 + .ra: .cfa 8 - ^ ^ ^\n"
                                        "STACK CFI INIT b000 10 .cfa: $rsp 8 + .ra: $rsp ^ $rsp\n"
                                        "STACK CFI INIT c000 10 .cfa: .cfa 8 + .ra: $rsp ^\n"
                                        "STACK CFI INIT d000 10 .cfa: $rsp 8 + .ra: $rsp ^\n"
                                        "STACK CFI d004 .cfa $rsp\n");
    ds_bpsym *b = open_text(deep);
    if (!b)
        return;
    stack_reset();
    put64(0x7100, 0x7200);
    put64(0x7200, 0x90000);
    ds_context c = {0}, out;
    c.arch = DS_ARCH_X64;
    set_reg(&c, 4, 0x7100);
    set_reg(&c, 16, 0x1000);
    CHECK(!ds_bpsym_unwind(b, 0x1000, &c, &stack_mem, &out)); /* stack too deep */
    CHECK(!ds_bpsym_unwind(b, 0x2000, &c, &stack_mem, &out)); /* division by zero */
    CHECK(!ds_bpsym_unwind(b, 0x3000, &c, &stack_mem, &out)); /* remainder by zero */
    CHECK(!ds_bpsym_unwind(b, 0x4000, &c, &stack_mem, &out)); /* no .ra */
    CHECK(!ds_bpsym_unwind(b, 0x5000, &c, &stack_mem, &out)); /* unknown register */
    CHECK(!ds_bpsym_unwind(b, 0x6000, &c, &stack_mem, &out)); /* expression before a name */
    CHECK(!ds_bpsym_unwind(b, 0x7000, &c, &stack_mem, &out)); /* empty expression */
    CHECK(!ds_bpsym_unwind(b, 0x8000, &c, &stack_mem, &out)); /* stack underflow */
    CHECK(!ds_bpsym_unwind(b, 0x9000, &c, &stack_mem, &out)); /* literal overflow */
    CHECK(!ds_bpsym_unwind(b, 0xa000, &c, &stack_mem, &out)); /* [0x90000] unreadable */
    CHECK(!ds_bpsym_unwind(b, 0xb000, &c, &stack_mem, &out)); /* two values left */
    CHECK(!ds_bpsym_unwind(b, 0xc000, &c, &stack_mem, &out)); /* .cfa uses itself */
    CHECK(ds_bpsym_unwind(b, 0xd000, &c, &stack_mem, &out));  /* delta not yet in force */
    CHECK_EQ_U64(out.pc, 0x7200);
    CHECK(!ds_bpsym_unwind(b, 0xd004, &c, &stack_mem, &out)); /* malformed delta */
    ds_bpsym_close(b);
}

/*
 * Source positions with inline frames: outer() inlines mid() at a.c:20 over
 * 2000-2020, mid() inlines leaf() at m.h:7 over 2008-2010; the line records
 * give the innermost position.
 */
static const char inline_text[] =
    "MODULE Linux x86_64 0 lib.so\n"
    "FILE 0 a.c\n"
    "FILE 1 m.h\n"
    "FILE 2 l.h\n"
    "INLINE_ORIGIN 0 mid\n"
    "INLINE_ORIGIN 1 leaf\n"
    "INLINE_ORIGIN 1 leaf_duplicate\n"
    "FUNC 2000 40 0 outer\n"
    "INLINE 0 20 0 0 2000 20\n"
    "INLINE 1 7 1 1 2030 4 2008 8\n" /* second range covers 2008 */
    "INLINE 1 9 1 5 2018 4\n"        /* origin 5 does not exist */
    "INLINE 0 x 0 0 2020 4\n"        /* malformed: ignored */
    "2000 8 5 1\n"
    "2008 8 3 2\n"
    "2010 8 6 1\n"
    "2018 8 8 1\n"
    "2020 20 30 0\n"
    "FUNC 3000 10 0 plain\n";

static void test_source_inline(void)
{
    ds_bpsym *b = open_text(inline_text);
    if (!b)
        return;
    ds_srcloc loc;
    /* two levels: leaf at l.h:3, inlined into mid at m.h:7, into outer at a.c:20 */
    CHECK(ds_bpsym_source(b, 0x200a, &loc));
    CHECK_EQ_U64(loc.n, 3);
    CHECK_STR(loc.pos[0].function, "leaf");
    CHECK_STR(loc.pos[0].file, "l.h");
    CHECK_EQ_U64(loc.pos[0].line, 3);
    CHECK_STR(loc.pos[1].function, "mid");
    CHECK_STR(loc.pos[1].file, "m.h");
    CHECK_EQ_U64(loc.pos[1].line, 7);
    CHECK_STR(loc.pos[2].function, "");
    CHECK_STR(loc.pos[2].file, "a.c");
    CHECK_EQ_U64(loc.pos[2].line, 20);
    /* one level: mid at m.h:6, in outer at a.c:20 */
    CHECK(ds_bpsym_source(b, 0x2010, &loc));
    CHECK_EQ_U64(loc.n, 2);
    CHECK_STR(loc.pos[0].function, "mid");
    CHECK_EQ_U64(loc.pos[0].line, 6);
    CHECK_EQ_U64(loc.pos[1].line, 20);
    /* an inline with an unknown origin is still a frame */
    CHECK(ds_bpsym_source(b, 0x2019, &loc));
    CHECK_EQ_U64(loc.n, 3);
    CHECK_STR(loc.pos[0].function, ""); /* unnamed: ds_inline_frame.function NULL */
    CHECK_STR(loc.pos[1].file, "m.h");
    CHECK_EQ_U64(loc.pos[1].line, 9);
    /* no inline: the line record */
    CHECK(ds_bpsym_source(b, 0x2025, &loc));
    CHECK_EQ_U64(loc.n, 1);
    CHECK_STR(loc.pos[0].file, "a.c");
    CHECK_EQ_U64(loc.pos[0].line, 30);
    /* a FUNC without lines, and no FUNC */
    CHECK(!ds_bpsym_source(b, 0x3004, &loc));
    CHECK(!ds_bpsym_source(b, 0x5000, &loc));
    ds_bpsym_close(b);

    /* names with control bytes and invalid UTF-8 come out printable */
    b = open_text("FILE 0 a\x01\xff\xc3\xa9.c\nFUNC 10 10 0 f\n10 10 4 0\n");
    if (!b)
        return;
    CHECK(ds_bpsym_source(b, 0x10, &loc));
    CHECK_STR(loc.pos[0].file, "a??\xc3\xa9.c");
    ds_bpsym_close(b);
}

int main(void)
{
    test_lookup();
    test_source_inline();
    test_open_edges();
    test_cfi_x64();
    test_cfi_arm64();
    test_win_x86();
    test_cfi_malformed();
    ds_mem_free(&stack_mem);
    return check_report("test_breakpad");
}
