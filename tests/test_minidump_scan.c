/*
 * A user-mode minidump whose crashing function has no unwind data: the
 * caller can only be found by scanning the stack. The module's image is in
 * the dump's memory list, so candidates can be checked with capstone. On
 * the stack, above the real return address, lie a word pointing nowhere and
 * a code pointer that no CALL precedes: both must be rejected, and the real
 * return address (just after a CALL) taken as a validated scan frame.
 */
#include "check.h"
#include "dumpscan/dumpscan.h"
#include "mdmp.h"
#include "pe_builder.h"

/* only the PE layout helpers are used here */
#pragma GCC diagnostic ignored "-Wunused-function"

#define BASE 0x140000000ull
#define STACK 0x10000ull
#define SP (STACK + 0x100)

int main(void)
{
    /* the image: F calls G; G faults. No .pdata at all. */
    static tpe t;
    tpe_init(&t, 0x8664);
    static const uint8_t f[] = {0x53,                         /* push rbx */
                                0x48, 0x83, 0xEC, 0x20,       /* sub rsp, 20h */
                                0xE8, 0xF6, 0x00, 0x00, 0x00, /* call G (0x1100) */
                                0x48, 0x83, 0xC4, 0x20, 0x5B, 0xC3};
    static const uint8_t g[] = {0x8B, 0x00, 0xC3}; /* mov eax,[rax]; ret */
    tpe_code(&t, 0x1000, f, sizeof f);
    tpe_code(&t, 0x1100, g, sizeof g);
    const uint64_t ret = BASE + 0x100A; /* after the call */
    pb_image im = tpe_layout(&t, BASE);
    static uint8_t mapped[0x4000];
    pb_write_mapped(&im, mapped);

    static uint8_t stack[0x1000];
    uint64_t words[] = {0xdeadbeefdeadbeefull, BASE + 0x1100 /* G itself: no CALL before */,
                        ret};
    memcpy(stack + 0x100, words, sizeof words);

    mdw w;
    mdw_begin(&w, 5, 0);
    mdw_system_info(&w, MDW_X64.raw);
    uint32_t ctx = mdw_context(&w, &MDW_X64, BASE + 0x1100, SP);
    mdw_set32(&w, ctx + 0x30, 0x10001F); /* CONTEXT_AMD64 | FULL */
    mdw_thread th = {.id = 77, .stack_va = STACK, .stack = stack, .stack_size = sizeof stack,
                     .ctx_rva = ctx, .ctx_size = MDW_X64.ctx_size};
    mdw_thread_list(&w, &th, 1);
    mdw_module mod = {.base = BASE, .size = 0x4000, .name = "app.exe"};
    mdw_module_list(&w, &mod, 1);
    /* the stack again, and the image: candidates are checked against its code */
    mdw_range mem[2] = {{STACK, stack, sizeof stack}, {BASE, mapped, sizeof mapped}};
    mdw_memory_list(&w, mem, 2);
    const uint64_t params[2] = {0 /* read */, 0x10};
    mdw_exception(&w, 77, 0xC0000005, BASE + 0x1100, params, 2, ctx, MDW_X64.ctx_size);

    ds_open_options o = {DS_OPEN_OPTIONS_INIT};
    o.no_symbols = true;
    ds_error e;
    ds_dump *d = ds_open_memory(w.b, w.len, &o, &e);
    CHECK(d != NULL);
    if (d) {
        const ds_crash *c = ds_dump_crash(d);
        CHECK(c->nstacks >= 1);
        const ds_stack *st = c->nstacks ? &c->stacks[0] : NULL;
        CHECK(st && st->nframes >= 2);
        if (st && st->nframes >= 2) {
            CHECK_EQ_U64(st->frames[0].pc, BASE + 0x1100);
            CHECK_EQ_U64(st->frames[1].pc, ret);
            CHECK_EQ_U64(st->frames[1].sp, SP + 0x18);
            CHECK(st->frames[1].trust == DS_TRUST_SCAN_VALIDATED);
            for (size_t i = 1; i < st->nframes; i++) {
                CHECK(st->frames[i].pc != 0xdeadbeefdeadbeefull);
                if (i > 1)
                    CHECK(st->frames[i].pc != BASE + 0x1100);
            }
        }
        CHECK(c->has_verdict);
        CHECK_STR(c->verdict.suspect.module_name, "app.exe");
        CHECK(c->verdict.bucket &&
              strstr(c->verdict.bucket, "NULL_POINTER_READ_c0000005_app!") == c->verdict.bucket);
        if (check_failed) {
            char *text = ds_report_text(d, DS_TEXT_VERBOSE);
            fputs(text ? text : "", stderr);
            ds_free(text);
        }
        ds_close(d);
    }
    mdw_free(&w);
    tpe_free(&t);
    return check_report("test_minidump_scan");
}
