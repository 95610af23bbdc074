/*
 * Every corpus minidump with a Breakpad minidump_stackwalk output
 * (expected/NAME.breakpad-stackwalk.txt, the crashed thread) against our
 * crashing-thread stack, with the corpus symbols. Breakpad is a peer, not the
 * truth; the rules (issue 12):
 *   - the default stack (ds_stack_trusted_frames) has at most Breakpad's frame
 *     count plus two;
 *   - no frame lies inside a module's headers (module+0x40 and the like);
 *   - every frame Breakpad found by call frame info or frame pointer is among
 *     our default frames (same module, same offset).
 * Where we differ, the bytes decide, and the table below says which side is
 * right for each dump.
 */
#include "check.h"
#include "dumpscan/dumpscan.h"

#define MAX_BP 64

typedef struct bp_frame {
    char module[128];
    uint64_t offset;
    bool has_module;
    bool trusted; /* found by CFI or frame pointer */
} bp_frame;

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

/* Judged disagreements, dump by dump (bytes checked by hand):
 *  linux-x86_64, linux_null_dereference: Breakpad's frames 2-4 are stale
 *    words inside main's frame (the rbp chain from main, frame 1, leads
 *    straight to __libc_start_main with rbp = 0): we are right to omit them;
 *    the _start frame Breakpad scans after __libc_start_main is real but
 *    unprovable without CFI: the walk ends at the rbp chain's end.
 *  calc_win7_x64: Breakpad "simulates a return" from ntdll's frame 0; ntdll's
 *    image is not in the dump, so our frame 1 is the same word as a plain
 *    scan (shown with -v only).
 *  exec_av_on_stack: pc is on the stack (DEP); [sp] holds crashme's return
 *    address, which Breakpad skips: we show it (plain scan) before Breakpad's
 *    frame-pointer frames.
 *  linux_stacksmash: the same five frames, all plain scans but frame 0. */
static const char *const dumps[] = {
    "ascii_read_av", "calc_win7_x64",   "exec_av_on_stack",       "linux-x86_64",
    "linux_stacksmash", "linux_null_dereference", "minidump2",   "null_read_av",
    "stack_exhaustion", "write_av_non_null",
};

static void compare(const char *name, const char *dump, const char *expected, const char *syms)
{
    bp_frame bp[MAX_BP];
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
    /* Breakpad's file lists at most MAX_BP frames; a longer stack (stack
     * exhaustion) is compared on those */
    if (shown > nbp + 2 && nbp < MAX_BP) {
        fprintf(stderr, "  %s: %zu default frames, Breakpad %zu\n", name, shown, nbp);
        CHECK(!"more than Breakpad's frame count plus two");
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
        snprintf(rel, sizeof rel, "user/%s.dmp", dumps[i]);
        const char *dump = corpus_path(rel, dp, sizeof dp);
        snprintf(rel, sizeof rel, "expected/%s.breakpad-stackwalk.txt", dumps[i]);
        const char *exp = corpus_path(rel, ep, sizeof ep);
        CHECK(dump && exp);
        if (dump && exp) {
            compare(dumps[i], dump, exp, syms);
            done++;
        }
    }
    CHECK_EQ_U64(done, sizeof dumps / sizeof *dumps);
    return check_report("test_stack_breakpad");
}
