/*
 * x86 unwinding: the EBP chain, frame 0 before the frame is set up or after
 * it is torn down (push ebp, mov ebp,esp, pop ebp; ret, ret), a broken chain
 * falling back to a validated scan, and FPO / FrameData from the caller.
 */
#include "check.h"
#include "pe_builder.h"

#define B 0x400000ull
#define SLO 0x10000ull
#define SLEN 0x1000u
#define S 0x10400ull

enum { EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI };

static tworld W;

static ds_context ctx(uint64_t pc, uint64_t sp, uint64_t fp)
{
    return tw_context(DS_ARCH_X86, pc, sp, fp);
}

static void put(uint64_t va, uint32_t v) { tw_put32(&W, va, v); }
static void clear_stack(void) { memset(W.stack, 0, SLEN); }

/* FPO data handed out by the test for F_C (0x1100..0x1120). */
static ds_pdb_fpo fpo_data;
static bool fpo_on;

static bool fpo_at(void *ctx_, uint64_t va, ds_pdb_fpo *out)
{
    (void)ctx_;
    if (!fpo_on || va < B + 0x1100 || va >= B + 0x1120)
        return false;
    *out = fpo_data;
    return true;
}

static bool walk(ds_context c, ds_frame **f, size_t *n, char **why)
{
    return ds_unwind_walk(&W.env, &c, f, n, why) == 0;
}

static void done(ds_frame *f, char *why)
{
    free(f);
    free(why);
}

static uint32_t rel(uint32_t from, uint32_t to) { return to - (from + 5); }

int main(void)
{
    tpe t;
    tpe_init(&t, 0x14C);
    /* F_A 0x1000: push ebp; mov ebp,esp; ...; call F_B at 0x1010 (ret 0x1015) */
    uint8_t fa[] = {0x55, 0x8B, 0xEC};
    tpe_code(&t, 0x1000, fa, sizeof fa);
    uint8_t call[5] = {0xE8};
    pb_put32(call + 1, rel(0x1010, 0x1040));
    tpe_code(&t, 0x1010, call, 5);
    /* F_B 0x1040: push ebp; mov ebp,esp; sub esp,8 ... epilogs at 0x1060 */
    uint8_t fb[] = {0x55, 0x8B, 0xEC, 0x83, 0xEC, 0x08};
    tpe_code(&t, 0x1040, fb, sizeof fb);
    uint8_t epi[] = {0x8B, 0xE5, 0x5D, 0xC3};
    tpe_code(&t, 0x1060, epi, sizeof epi);
    /* F_C 0x1100: an FPO function; call at 0x1110 (ret 0x1115) */
    pb_put32(call + 1, rel(0x1110, 0x1040));
    tpe_code(&t, 0x1110, call, 5);

    tw_init(&W, DS_ARCH_X86, SLO, SLEN);
    tw_module(&W, B, 0x4000, tpe_open(&t, B));
    CHECK(W.mod[0].im != NULL);
    ds_frame *f;
    size_t n;
    char *why;

    /* ---- the EBP chain */
    clear_stack();
    put(S + 0x10, S + 0x30);
    put(S + 0x14, B + 0x1015);
    CHECK(walk(ctx(B + 0x1046, S, S + 0x10), &f, &n, &why));
    CHECK_EQ_U64(n, 2);
    if (n == 2) {
        CHECK_EQ_U64(f[1].pc, B + 0x1015);
        CHECK_EQ_U64(f[1].sp, S + 0x18);
        CHECK_EQ_U64(f[1].fp, S + 0x30);
        CHECK_EQ_U64(f[1].trust, DS_TRUST_FRAME_POINTER);
        CHECK_KNOWN(f[1].module, 0);
    }
    CHECK(why && strstr(why, "zero return address"));
    done(f, why);

    /* ---- frame 0 at push ebp: the return address is at esp */
    clear_stack();
    put(S, B + 0x1015);
    CHECK(walk(ctx(B + 0x1040, S, S + 0x30), &f, &n, &why));
    CHECK(n >= 2);
    if (n >= 2) {
        CHECK_EQ_U64(f[1].pc, B + 0x1015);
        CHECK_EQ_U64(f[1].sp, S + 4);
        CHECK_EQ_U64(f[1].fp, S + 0x30);
    }
    done(f, why);
    /* after push ebp, before mov ebp,esp */
    clear_stack();
    put(S, S + 0x30);
    put(S + 4, B + 0x1015);
    CHECK(walk(ctx(B + 0x1041, S, 0x12345678), &f, &n, &why));
    CHECK(n >= 2);
    if (n >= 2) {
        CHECK_EQ_U64(f[1].pc, B + 0x1015);
        CHECK_EQ_U64(f[1].sp, S + 8);
        CHECK_EQ_U64(f[1].fp, S + 0x30);
    }
    done(f, why);
    /* at pop ebp; ret */
    CHECK(walk(ctx(B + 0x1062, S, 0x12345678), &f, &n, &why));
    CHECK(n >= 2 && f[1].pc == B + 0x1015 && f[1].sp == S + 8 && f[1].fp == S + 0x30);
    done(f, why);
    /* at ret */
    clear_stack();
    put(S, B + 0x1015);
    CHECK(walk(ctx(B + 0x1063, S, S + 0x30), &f, &n, &why));
    CHECK(n >= 2 && f[1].pc == B + 0x1015 && f[1].sp == S + 4);
    done(f, why);

    /* ---- a broken chain: [ebp+4] is code but not after a call -> scan */
    clear_stack();
    put(S + 0x10, S + 0x40);
    put(S + 0x14, B + 0x1040); /* function start, 0xCC before it */
    put(S + 0x20, B + 0x1040);
    put(S + 0x24, B + 0x1115); /* a real return address */
    CHECK(walk(ctx(B + 0x1046, S, S + 0x10), &f, &n, &why));
    CHECK(n >= 2);
    if (n >= 2) {
        CHECK_EQ_U64(f[1].pc, B + 0x1115);
        CHECK_EQ_U64(f[1].sp, S + 0x28);
        CHECK_EQ_U64(f[1].trust, DS_TRUST_SCAN_VALIDATED);
    }
    done(f, why);

    /* ---- FPO: locals 8, saved registers 4, no frame pointer */
    W.env.fpo_at = fpo_at;
    fpo_on = true;
    memset(&fpo_data, 0, sizeof fpo_data);
    fpo_data.rva_start = 0x1100;
    fpo_data.code_size = 0x20;
    fpo_data.locals_size = 8;
    fpo_data.saved_regs_size = 4;
    clear_stack();
    put(S + 12, B + 0x1015);
    CHECK(walk(ctx(B + 0x1108, S, 0x7777), &f, &n, &why));
    CHECK(n >= 2);
    if (n >= 2) {
        CHECK_EQ_U64(f[1].pc, B + 0x1015);
        CHECK_EQ_U64(f[1].sp, S + 16);
        CHECK_EQ_U64(f[1].fp, 0x7777); /* ebp untouched by an FPO frame */
        CHECK_EQ_U64(f[1].trust, DS_TRUST_UNWIND_INFO);
    }
    done(f, why);
    /* a FrameData program using .raSearch */
    fpo_data.program = "$T0 .raSearch = $eip $T0 ^ = $esp $T0 4 + =";
    CHECK(walk(ctx(B + 0x1108, S, 0x7777), &f, &n, &why));
    CHECK(n >= 2 && f[1].pc == B + 0x1015 && f[1].sp == S + 16 &&
          f[1].trust == DS_TRUST_UNWIND_INFO);
    done(f, why);
    /* a FrameData program for an EBP frame, restoring ebp and ebx */
    clear_stack();
    put(S + 0x20, S + 0x40);
    put(S + 0x24, B + 0x1015);
    put(S + 0x1C, 0xB0B0);
    fpo_data.program = "$T0 $ebp = $eip $T0 4 + ^ = $ebx $T0 4 - ^ = $ebp $T0 ^ = "
                       "$esp $T0 8 + =";
    {
        ds_context c = ctx(B + 0x1108, S, S + 0x20), nx;
        ds_trust tr;
        bool trap;
        CHECK(ds_unwind_step(&W.env, &c, true, &nx, &tr, &trap));
        CHECK_EQ_U64(tr, DS_TRUST_UNWIND_INFO);
        CHECK_EQ_U64(nx.pc, B + 0x1015);
        CHECK_EQ_U64(nx.sp, S + 0x28);
        CHECK_EQ_U64(nx.fp, S + 0x40);
        CHECK_EQ_U64(nx.regs[EBX], 0xB0B0);
        /* a malformed program: FPO gives up, the EBP chain still works */
        fpo_data.program = "$T0 $ebp = = + ^";
        CHECK(ds_unwind_step(&W.env, &c, true, &nx, &tr, &trap));
        CHECK_EQ_U64(tr, DS_TRUST_FRAME_POINTER);
        CHECK_EQ_U64(nx.pc, B + 0x1015);
        fpo_data.program = "$T0 1 0 / =";
        CHECK(ds_unwind_step(&W.env, &c, true, &nx, &tr, &trap));
        CHECK_EQ_U64(tr, DS_TRUST_FRAME_POINTER);
    }
    fpo_on = false;

    tw_free(&W);
    tpe_free(&t);
    return check_report("test_unwind_x86");
}
