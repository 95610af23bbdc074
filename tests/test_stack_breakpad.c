/*
 * Every corpus minidump with a Breakpad minidump_stackwalk output
 * (expected/NAME.breakpad-stackwalk.txt, the crashed thread) against our
 * crashing-thread stack, with the corpus symbols; and minidump2 against
 * rust-minidump without symbols (rust_minidump()). Breakpad is a peer, not the
 * truth: where we differ, the bytes of the dump decided which side is right
 * (doc/peers.md 3.1 has the table), and the expectations below say frame by
 * frame which of Breakpad's frames we must have, in which order, at the same
 * pc and sp, which frames only we have, and how many frames the default
 * (trusted) view shows. Besides:
 *   - no frame lies inside a module's headers (module+0x40 and the like);
 *   - every frame Breakpad found by call frame info or frame pointer is among
 *     our default frames (same module, same offset).
 */
#include "check.h"
#include "dumpscan/dumpscan.h"

#define MAX_BP 512 /* stack_exhaustion: 246 frames */

typedef struct bp_frame {
    char module[128];
    uint64_t offset;
    bool has_module;
    bool trusted; /* found by CFI or frame pointer */
    uint64_t pc, sp; /* the eip/rip and esp/rsp lines; 0 when absent */
} bp_frame;

/* A register "name = 0x..." in a Breakpad register line. */
static bool bp_reg(const char *line, const char *name, uint64_t *v)
{
    char key[16];
    snprintf(key, sizeof key, " %s = 0x", name);
    const char *p = strstr(line, key);
    if (!p)
        return false;
    *v = strtoull(p + strlen(key), NULL, 16);
    return true;
}

/* The crashed thread's frames: " 0  crashme.exe + 0xa6cd" or
 * " 1  test_app.exe!main [test_app.cc : 65 + 0x5]" (offset then unknown here:
 * those frames carry function names, matched by module only), then
 * "    Found by: ..." lines. */
static size_t load_breakpad(const char *path, bp_frame *out, size_t max)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char line[1024];
    size_t n = 0;
    bool in = false;
    while (fgets(line, sizeof line, f)) {
        if (strstr(line, "(crashed)")) {
            in = true;
            continue;
        }
        if (!in)
            continue;
        if (strncmp(line, "Thread ", 7) == 0)
            break;
        unsigned idx;
        char mod[128];
        unsigned long long off;
        if (strstr(line, "Found by:") && n > 0) {
            out[n - 1].trusted = strstr(line, "call frame info") ||
                                 strstr(line, "previous frame's frame pointer");
            continue;
        }
        if (strstr(line, " = 0x") && n > 0) {
            bp_frame *p = &out[n - 1];
            if (!bp_reg(line, "eip", &p->pc))
                bp_reg(line, "rip", &p->pc);
            if (!bp_reg(line, "esp", &p->sp))
                bp_reg(line, "rsp", &p->sp);
            continue;
        }
        if (n >= max)
            continue;
        bp_frame *b = &out[n];
        memset(b, 0, sizeof *b);
        if (strchr(line, '!') && sscanf(line, " %u %127[^!]!", &idx, mod) == 2) {
            snprintf(b->module, sizeof b->module, "%s", mod);
            b->offset = UINT64_MAX; /* named frame */
            b->has_module = true;
            n++;
        } else if (sscanf(line, " %u %127s + 0x%llx", &idx, mod, &off) == 3) {
            snprintf(b->module, sizeof b->module, "%s", mod);
            b->offset = off;
            b->has_module = true;
            n++;
        } else if (sscanf(line, " %u 0x%llx", &idx, &off) == 2) {
            b->offset = off;
            n++;
        }
    }
    fclose(f);
    return n;
}

static const char *base_name(const char *p)
{
    const char *s = p;
    for (const char *q = p; *q; q++)
        if (*q == '/' || *q == '\\')
            s = q + 1;
    return s;
}

static bool same_frame(const ds_crash *c, const ds_frame *f, const bp_frame *b)
{
    if (!b->has_module)
        return !f->module.known && f->pc == b->offset;
    if (!f->module.known)
        return false;
    const ds_module *m = ds_crash_module(c, f->module);
    if (strcmp(base_name(m->name), b->module) != 0)
        return false;
    return b->offset == UINT64_MAX || f->pc - m->base == b->offset;
}

/*
 * Judged frame by frame (bytes checked by hand; doc/peers.md 3.1). frames:
 * our whole stack (plain scans included) as Breakpad's frame numbers in our
 * order, "+" for a frame only we have; "all" for exactly Breakpad's frames.
 * shown: our default (trusted) frame count.
 *  calc_win7_x64: the same four frames. Frame 0 stops at DbgBreakPoint's
 *    "int3; ret" (code bytes in the dump), so frame 1 is proven by running it
 *    forward (Breakpad: "simulating a return from leaf function"); frames 2-3
 *    (the usual BaseThreadInitThunk / RtlUserThreadStart) have no code bytes
 *    and stay plain scans, shown with -v only.
 *  exec_av_on_stack: pc is on the stack (DEP); the call that got there left
 *    crashme1+0x10ae at [sp], and ebp still frames that function: a real
 *    frame Breakpad skips (its frame-pointer step from frame 0 goes straight
 *    to the caller of the function that made the call). Ours is "+".
 *  linux-x86_64, linux_null_dereference: Breakpad rejects main's rbp link
 *    (the caller's rbp is 0, below the last one) and scans; its frames 2-4
 *    and 6-9 are words inside main's and __libc_start_main's frames. Two of
 *    them are disproved by the code bytes the dump holds: a.out+0x1d7d and
 *    +0x1dce (driver+0x1edd and +0x1f2e) follow a jmp and a ret, function
 *    starts, not return addresses. Frame 5 (__libc_start_main, found by our
 *    rbp chain) is real. Breakpad's last frame (a.out+0x1cbb / driver+0x1e1d
 *    at the sp __libc_start_main's 0xb8-byte frame ends at) is very likely
 *    _start, but neither code nor CFI is in the dump to prove it: we end at
 *    the rbp chain's end (rbp = 0) and lose it.
 *  linux_stacksmash: the same five frames, all plain scans but frame 0.
 *  the rest: exactly Breakpad's frames.
 */
typedef struct expectation {
    const char *name, *frames;
    size_t shown;
} expectation;

static const expectation dumps[] = {
    {"ascii_read_av", "all", 6},
    {"calc_win7_x64", "all", 2},
    {"exec_av_on_stack", "0 + 1 2 3", 5},
    {"linux-x86_64", "0 1 5", 3},
    {"linux_stacksmash", "all", 1},
    {"linux_null_dereference", "0 1 5", 3},
    {"minidump2", "all", 4},
    {"null_read_av", "all", 6},
    {"stack_exhaustion", "all", 246},
    {"write_av_non_null", "all", 4},
};

/* Our frame f is Breakpad's frame b: same pc, and the same sp when
 * Breakpad prints one (frame 0's sp is the context's). */
static bool same_place(const ds_frame *f, const bp_frame *b)
{
    return b->pc && f->pc == b->pc && (!b->sp || f->sp == b->sp);
}

static void compare(const expectation *x, const char *dump, const char *expected,
                    const char *syms)
{
    const char *name = x->name;
    static bp_frame bp[MAX_BP];
    size_t nbp = load_breakpad(expected, bp, MAX_BP);
    CHECK(nbp > 0);
    ds_open_options o = {DS_OPEN_OPTIONS_INIT};
    o.symbol_path = syms;
    ds_error err;
    ds_dump *d = ds_open(dump, &o, &err);
    CHECK(d != NULL);
    if (!d || !nbp)
        return;
    const ds_crash *c = ds_dump_crash(d);
    const ds_stack *st = NULL;
    for (size_t i = 0; i < c->nstacks && !st; i++)
        if (c->stacks[i].kind == DS_STACK_FAULTING)
            st = &c->stacks[i];
    CHECK(st != NULL);
    if (!st) {
        ds_close(d);
        return;
    }
    size_t shown = ds_stack_trusted_frames(st);
    CHECK_EQ_U64(shown, x->shown);
    /* the whole stack, frame by frame */
    static int map[MAX_BP * 2];
    size_t nmap = 0;
    if (strcmp(x->frames, "all") == 0) {
        for (size_t k = 0; k < nbp; k++)
            map[nmap++] = (int)k;
    } else {
        for (const char *p = x->frames; *p && nmap < MAX_BP * 2;) {
            if (*p == ' ') {
                p++;
            } else if (*p == '+') {
                map[nmap++] = -1;
                p++;
            } else {
                char *end;
                map[nmap++] = (int)strtol(p, &end, 10);
                p = end;
            }
        }
    }
    if (st->nframes != nmap)
        fprintf(stderr, "  %s: %zu frames, expected %zu\n", name, st->nframes, nmap);
    CHECK_EQ_U64(st->nframes, nmap);
    for (size_t i = 0; i < nmap && i < st->nframes; i++) {
        const ds_frame *f = &st->frames[i];
        if (map[i] < 0) {
            /* ours alone: never Breakpad's frame at the same place */
            for (size_t k = 0; k < nbp; k++)
                CHECK(!same_place(f, &bp[k]));
            continue;
        }
        CHECK((size_t)map[i] < nbp);
        if ((size_t)map[i] >= nbp)
            continue;
        const bp_frame *b = &bp[map[i]];
        if (!same_place(f, b) || !same_frame(c, f, b)) {
            fprintf(stderr, "  %s: frame %zu pc %" PRIx64 " sp %" PRIx64
                    ", Breakpad's %d pc %" PRIx64 " sp %" PRIx64 "\n",
                    name, i, f->pc, f->sp, map[i], b->pc, b->sp);
            CHECK(!"a frame differs from Breakpad's");
        }
    }
    for (size_t i = 1; i < st->nframes; i++) {
        const ds_frame *f = &st->frames[i];
        if (ds_crash_module(c, f->module) && f->pc - ds_crash_module(c, f->module)->base < 0x100) {
            fprintf(stderr, "  %s: frame %zu inside a module's headers\n", name, i);
            CHECK(!"a frame inside a module's headers");
        }
    }
    for (size_t k = 0; k < nbp; k++) {
        if (!bp[k].trusted)
            continue;
        bool found = false;
        for (size_t i = 0; i < shown && !found; i++)
            found = same_frame(c, &st->frames[i], &bp[k]);
        if (!found) {
            fprintf(stderr, "  %s: Breakpad's frame %zu (%s + 0x%" PRIx64 ") is missing\n", name,
                    k, bp[k].module, bp[k].offset);
            CHECK(!"a frame Breakpad found by CFI or frame pointer is missing");
        }
    }
    ds_close(d);
}

/* rust-minidump without symbols (expected/minidump2.rust-minidump-human.txt,
 * the same text layout as Breakpad's): four frames by frame pointer. Ours
 * without symbols must be exactly those, found the same way. */
static void rust_minidump(void)
{
    char dp[4096], ep[4096];
    const char *dump = corpus_path("user/minidump2.dmp", dp, sizeof dp);
    const char *exp = corpus_path("expected/minidump2.rust-minidump-human.txt", ep, sizeof ep);
    CHECK(dump && exp);
    if (!dump || !exp)
        return;
    static bp_frame rm[MAX_BP];
    size_t n = load_breakpad(exp, rm, MAX_BP);
    CHECK_EQ_U64(n, 4);
    ds_open_options o = {DS_OPEN_OPTIONS_INIT};
    o.no_symbols = true;
    ds_error err;
    ds_dump *d = ds_open(dump, &o, &err);
    CHECK(d != NULL);
    if (!d)
        return;
    const ds_crash *c = ds_dump_crash(d);
    const ds_stack *st = c->nstacks ? &c->stacks[0] : NULL;
    CHECK(st && st->kind == DS_STACK_FAULTING && st->nframes == n);
    for (size_t i = 0; st && i < n && i < st->nframes; i++) {
        CHECK(same_place(&st->frames[i], &rm[i]));
        CHECK(rm[i].trusted == (i > 0));
        CHECK_EQ_U64(st->frames[i].trust, i ? DS_TRUST_FRAME_POINTER : DS_TRUST_CONTEXT);
    }
    ds_close(d);
}

int main(void)
{
    char syms[8192], a[4096], b[4096];
    const char *bps = corpus_path("user/breakpad-symbols", a, sizeof a);
    const char *pdbs = corpus_path("symbols", b, sizeof b);
    if (!bps || !pdbs) {
        printf("test_stack_breakpad: shared corpus not found; skipped\n");
        return CHECK_SKIP;
    }
    snprintf(syms, sizeof syms, "%s;%s", bps, pdbs);
    size_t done = 0;
    for (size_t i = 0; i < sizeof dumps / sizeof *dumps; i++) {
        char rel[256], dp[4096], ep[4096];
        snprintf(rel, sizeof rel, "user/%s.dmp", dumps[i].name);
        const char *dump = corpus_path(rel, dp, sizeof dp);
        snprintf(rel, sizeof rel, "expected/%s.breakpad-stackwalk.txt", dumps[i].name);
        const char *exp = corpus_path(rel, ep, sizeof ep);
        CHECK(dump && exp);
        if (dump && exp) {
            compare(&dumps[i], dump, exp, syms);
            done++;
        }
    }
    CHECK_EQ_U64(done, sizeof dumps / sizeof *dumps);
    rust_minidump();
    return check_report("test_stack_breakpad");
}
