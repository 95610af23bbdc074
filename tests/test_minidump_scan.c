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
#include "pe_builder.h"

/* only the PE layout helpers are used here */
#pragma GCC diagnostic ignored "-Wunused-function"

#define BASE 0x140000000ull
#define STACK 0x10000ull
#define SP (STACK + 0x100)

typedef struct buf {
    uint8_t *p;
    size_t n, cap;
} buf;

static uint32_t put(buf *b, const void *d, size_t n)
{
    while (b->n + n + 8 > b->cap) {
        b->cap = b->cap ? b->cap * 2 : 4096;
        b->p = realloc(b->p, b->cap);
    }
    uint32_t at = (uint32_t)b->n;
    memcpy(b->p + b->n, d, n);
    b->n += n;
    while (b->n & 3)
        b->p[b->n++] = 0;
    return at;
}

static uint32_t zero(buf *b, size_t n)
{
    uint8_t *z = calloc(1, n);
    uint32_t at = put(b, z, n);
    free(z);
    return at;
}

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

    static uint8_t ctx[0x4D0];
    pb_put32(ctx + 0x30, 0x10001F);
    pb_put64(ctx + 0x98, SP);
    pb_put64(ctx + 0xF8, BASE + 0x1100);

    buf b = {0};
    zero(&b, 32 + 12 * 5); /* header + directory, filled below */
    /* MINIDUMP_STRING: u32 length in bytes, UTF-16LE, NUL */
    static const char ascii[] = "app.exe";
    uint8_t str[4 + 2 * sizeof ascii] = {0};
    pb_put32(str, 2 * (sizeof ascii - 1));
    for (size_t i = 0; i + 1 < sizeof ascii; i++)
        str[4 + 2 * i] = (uint8_t)ascii[i];
    uint32_t name = put(&b, str, sizeof str);
    uint32_t ctx_rva = put(&b, ctx, sizeof ctx);
    uint32_t stack_rva = put(&b, stack, sizeof stack);
    uint32_t image_rva = put(&b, mapped, sizeof mapped);

    uint8_t si[56] = {0};
    pb_put16(si, 9);     /* AMD64 */
    si[6] = 2;           /* CPUs */
    pb_put32(si + 8, 10);
    pb_put32(si + 0x10, 19041);
    pb_put32(si + 0x14, 2);
    uint32_t si_rva = put(&b, si, sizeof si);

    uint8_t tl[4 + 48] = {0};
    pb_put32(tl, 1);
    pb_put32(tl + 4, 77);                 /* thread id */
    pb_put64(tl + 4 + 0x18, STACK);       /* stack memory */
    pb_put32(tl + 4 + 0x20, sizeof stack);
    pb_put32(tl + 4 + 0x24, stack_rva);
    pb_put32(tl + 4 + 0x28, sizeof ctx);
    pb_put32(tl + 4 + 0x2C, ctx_rva);
    uint32_t tl_rva = put(&b, tl, sizeof tl);

    uint8_t ml[4 + 108] = {0};
    pb_put32(ml, 1);
    pb_put64(ml + 4, BASE);
    pb_put32(ml + 4 + 8, 0x4000);
    pb_put32(ml + 4 + 0x14, name);
    uint32_t ml_rva = put(&b, ml, sizeof ml);

    uint8_t mem[4 + 16 * 2] = {0};
    pb_put32(mem, 2);
    pb_put64(mem + 4, STACK);
    pb_put32(mem + 4 + 8, sizeof stack);
    pb_put32(mem + 4 + 12, stack_rva);
    pb_put64(mem + 20, BASE);
    pb_put32(mem + 20 + 8, sizeof mapped);
    pb_put32(mem + 20 + 12, image_rva);
    uint32_t mem_rva = put(&b, mem, sizeof mem);

    uint8_t ex[168] = {0};
    pb_put32(ex, 77);
    pb_put32(ex + 8, 0xC0000005);
    pb_put64(ex + 0x18, BASE + 0x1100);
    pb_put32(ex + 0x20, 2);
    pb_put64(ex + 0x28, 0);   /* read */
    pb_put64(ex + 0x30, 0x10);
    pb_put32(ex + 0xA0, sizeof ctx);
    pb_put32(ex + 0xA4, ctx_rva);
    uint32_t ex_rva = put(&b, ex, sizeof ex);

    pb_put32(b.p, 0x504D444D);
    pb_put32(b.p + 4, 0xA793);
    pb_put32(b.p + 8, 5);
    pb_put32(b.p + 12, 32);
    const uint32_t dir[5][3] = {{7, sizeof si, si_rva},   {3, sizeof tl, tl_rva},
                                {4, sizeof ml, ml_rva},   {5, sizeof mem, mem_rva},
                                {6, sizeof ex, ex_rva}};
    for (int i = 0; i < 5; i++)
        for (int k = 0; k < 3; k++)
            pb_put32(b.p + 32 + 12 * i + 4 * k, dir[i][k]);

    ds_open_options o = {DS_OPEN_OPTIONS_INIT};
    o.no_symbols = true;
    ds_error e;
    ds_dump *d = ds_open_memory(b.p, b.n, &o, &e);
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
        CHECK(c->verdict.present);
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
    free(b.p);
    tpe_free(&t);
    return check_report("test_minidump_scan");
}
