/*
 * The triage_x64 corpus dump, walked from its faulting context (amdppm) with
 * and without ../shared/corpus/symbols. rizin's own test expects a 36-frame
 * backtrace (expected/triage_x64.rizin.txt); its frames 8-23 are amdppm and
 * Wdf01000, whose images and amdppm's PDB are in the store: those must come
 * out the same (return address and stack pointer, in order), with amdppm's
 * names from the PDB. ntoskrnl's image is not in the store, so nt frames may
 * only come from scanning, and must say so. Then the verdict (issue 4 bars).
 */
#include "check.h"
#include "dumpscan/dumpscan.h"

typedef struct rz_frame {
    uint64_t pc, sp;
    char module[512], function[512]; /* as long as the symbol read: never cut */
    uint64_t offset;
} rz_frame;

/* Lines like "8  0xfffff8048b58334c sp: 0xffff850429892120  40   [??]  pdb.amdppm.WriteIoMemRawEx+112" */
static size_t load_rizin(const char *path, rz_frame *out, size_t max)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    size_t n = 0;
    if (!f)
        return 0;
    while (n < max && fgets(line, sizeof line, f)) {
        unsigned idx;
        unsigned long long pc, sp;
        char sym[512] = "";
        if (sscanf(line, "%u 0x%llx sp: 0x%llx %*u [??] %511s", &idx, &pc, &sp, sym) < 3)
            continue;
        rz_frame *r = &out[n++];
        memset(r, 0, sizeof *r);
        r->pc = pc;
        r->sp = sp;
        /* pdb.<module>.<function>+<decimal> */
        if (strncmp(sym, "pdb.", 4) == 0) {
            char *mod = sym + 4, *dot = strchr(mod, '.');
            if (dot) {
                *dot = '\0';
                snprintf(r->module, sizeof r->module, "%s", mod);
                char *fn = dot + 1, *plus = strrchr(fn, '+');
                if (plus) {
                    *plus = '\0';
                    r->offset = strtoull(plus + 1, NULL, 10);
                }
                snprintf(r->function, sizeof r->function, "%s", fn);
            }
        }
    }
    fclose(f);
    return n;
}

static const ds_stack *stack_of(const ds_crash *c, ds_stack_kind kind)
{
    for (size_t i = 0; i < c->nstacks; i++)
        if (c->stacks[i].kind == kind)
            return &c->stacks[i];
    return NULL;
}

static bool is_module(const ds_crash *c, const ds_frame *f, const char *name)
{
    const ds_module *m = ds_crash_module(c, f->module);
    return m && m->name && strcmp(m->name, name) == 0;
}

static void walk(const char *dump, const char *symbols, const rz_frame *rz, size_t nrz)
{
    ds_open_options o = {DS_OPEN_OPTIONS_INIT};
    o.symbol_path = symbols;
    o.no_symbols = symbols == NULL;
    ds_error err;
    ds_dump *d = ds_open(dump, &o, &err);
    CHECK(d != NULL);
    if (!d)
        return;
    const ds_crash *c = ds_dump_crash(d);
    const ds_stack *st = stack_of(c, DS_STACK_FAULTING);
    CHECK(st != NULL);
    if (!st) {
        ds_close(d);
        return;
    }
    /* rizin frames 8..24 (amdppm x6, Wdf01000 x10, then nt!IofCallDriver,
     * found by Wdf01000's unwind data) are our frames 0..16 */
    CHECK(st->nframes >= 17);
    if (symbols && st->nframes >= 17 && nrz > 24) {
        CHECK_EQ_U64(st->frames[16].pc, rz[24].pc);
        CHECK_EQ_U64(st->frames[16].sp, rz[24].sp);
        CHECK(is_module(c, &st->frames[16], "ntoskrnl.exe"));
    }
    CHECK(st->frames[0].trust == DS_TRUST_CONTEXT);
    size_t same = 0;
    for (size_t i = 0; i < 16 && i < st->nframes && 8 + i < nrz; i++) {
        const ds_frame *f = &st->frames[i];
        const rz_frame *r = &rz[8 + i];
        bool ok = f->pc == r->pc && f->sp == r->sp;
        same += ok;
        if (!ok)
            fprintf(stderr, "  frame %zu: pc %" PRIx64 " sp %" PRIx64 ", rizin pc %" PRIx64
                    " sp %" PRIx64 "\n", i, f->pc, f->sp, r->pc, r->sp);
        if (symbols) {
            /* with the store, every one of these comes from unwind data */
            if (i > 0)
                CHECK(f->trust == DS_TRUST_UNWIND_INFO);
            if (strcmp(r->module, "amdppm") == 0) {
                CHECK(is_module(c, f, "amdppm.sys"));
                CHECK_STR(f->function, r->function);
                CHECK_EQ_U64(f->function_offset, r->offset);
                CHECK(f->symbol_source == DS_SYM_PDB_FUNCTION ||
                      f->symbol_source == DS_SYM_PDB_PUBLIC);
            } else {
                CHECK(is_module(c, f, "Wdf01000.sys"));
            }
        }
    }
    if (symbols)
        CHECK_EQ_U64(same, 16);
    else
        CHECK(same >= 1); /* at least the context frame; the rest is honest scanning */
    /* no invented frames: everything past the context says how it was found.
     * A frame is found by unwinding its callee; nt's image is nowhere, so a
     * frame whose callee is in nt can only come from scanning. */
    for (size_t i = 1; i < st->nframes; i++) {
        const ds_frame *f = &st->frames[i];
        CHECK(f->trust != DS_TRUST_NONE && f->trust != DS_TRUST_CONTEXT);
        if (is_module(c, &st->frames[i - 1], "ntoskrnl.exe"))
            CHECK(f->trust == DS_TRUST_SCAN || f->trust == DS_TRUST_SCAN_VALIDATED);
        if (!symbols && f->symbol_source == DS_SYM_PDB_FUNCTION)
            CHECK(!"a PDB name without a symbol path");
    }

    /* The bug-check stack (CPU 0, from KeBugCheckEx) goes through the
     * KTRAP_FRAME nt's fault handler built (Rip/Rsp = the P4 context's) to
     * WriteIoMemRawEx+0x70 and WriteGenAddrEx+0x6b: no stale amdppm return
     * address above the trap frame (RegisterSubspace+0x28, 0xfffff8048b5a2e2c)
     * may stand in for them (issue 12). */
    const ds_stack *bc = stack_of(c, DS_STACK_BUGCHECK);
    CHECK(bc != NULL);
    size_t at = 0;
    for (size_t i = 1; bc && i < bc->nframes; i++) {
        const ds_frame *f = &bc->frames[i];
        if (symbols) /* without amdppm's image the frames above it are plain scans */
            CHECK(f->pc != 0xfffff8048b5a2e2cull);
        if (!at && f->pc == 0xfffff8048b58334cull && f->sp == 0xffff850429892120ull)
            at = i;
    }
    CHECK(at > 0);
    if (bc && at > 0) {
        const ds_frame *t = &bc->frames[at];
        CHECK(t->is_trap_frame);
        CHECK(t->trust == DS_TRUST_TRAP_FRAME || t->trust == DS_TRUST_CONTEXT);
        CHECK(at + 1 < bc->nframes);
        if (symbols && at + 1 < bc->nframes) {
            CHECK_EQ_U64(bc->frames[at + 1].pc, 0xfffff8048b58313full);
            CHECK_EQ_U64(bc->frames[at + 1].sp, 0xffff850429892150ull);
            if (symbols) {
                CHECK_STR(t->function, "WriteIoMemRawEx");
                CHECK_EQ_U64(t->function_offset, 0x70);
                CHECK_STR(bc->frames[at + 1].function, "WriteGenAddrEx");
                CHECK_EQ_U64(bc->frames[at + 1].function_offset, 0x6b);
            }
        }
        /* the frames before it can only come from scanning (no image or
         * .pdata for nt), and the trap frame is the last one trusted
         * without symbols, the first after it with them */
        for (size_t i = 1; i < at; i++)
            CHECK(bc->frames[i].trust == DS_TRUST_SCAN ||
                  bc->frames[i].trust == DS_TRUST_SCAN_VALIDATED);
        CHECK(ds_stack_trusted_frames(bc) >= at + 1);
        if (symbols)
            CHECK(ds_stack_trusted_frames(bc) >= at + 17);
    }

    /* the verdict (issue 4 bars) */
    const ds_verdict *v = &c->verdict;
    CHECK(c->has_verdict);
    CHECK_STR(v->title, "SYSTEM_THREAD_EXCEPTION_NOT_HANDLED_M");
    CHECK(v->has_suspect);
    CHECK_STR(v->suspect.module_name, "amdppm.sys");
    CHECK(v->confidence >= DS_CONFIDENCE_MEDIUM);
    CHECK(v->nreasons > 0);
    if (symbols) {
        CHECK_STR(v->suspect.function, "WriteIoMemRawEx");
        CHECK_EQ_U64(v->suspect.function_offset, 0x70);
        CHECK_STR(v->bucket, "driver_fault_amdppm!WriteIoMemRawEx");
    }
    char *text = ds_report_text(d, 0);
    CHECK(text && strstr(text, "MODULE_NAME:   amdppm"));
    CHECK(text && strstr(text, "IMAGE_NAME:    amdppm.sys"));
    if (symbols)
        CHECK(text && strstr(text, "SYMBOL_NAME:   amdppm!WriteIoMemRawEx+70"));
    if (check_failed)
        fputs(text ? text : "", stderr);
    ds_free(text);
    ds_close(d);
}

/*
 * minidump2 through the whole pipeline with the Breakpad symbols: the frames
 * of expected/minidump2.breakpad-stackwalk.txt (thread 0): CrashFunction,
 * main, __tmainCRTStartup, kernel32 BaseProcessStart, with Breakpad's
 * eip/esp values.
 */
static void minidump2(const char *dump, const char *symbols)
{
    static const struct {
        uint64_t pc, sp;
        const char *function;
    } want[] = {
        {0x0040429e, 0x0012fe84, "`anonymous namespace'::CrashFunction"},
        {0x00404200, 0x0012fe90, "main"},
        {0x004053ec, 0x0012ff78, "__tmainCRTStartup"},
        {0x7c816fd7, 0x0012ffc8, "BaseProcessStart"},
    };
    ds_open_options o = {DS_OPEN_OPTIONS_INIT};
    o.symbol_path = symbols;
    ds_error err;
    ds_dump *d = ds_open(dump, &o, &err);
    CHECK(d != NULL);
    if (!d)
        return;
    const ds_crash *c = ds_dump_crash(d);
    const ds_stack *st = stack_of(c, DS_STACK_FAULTING);
    CHECK(st && st->nframes == 4);
    for (size_t i = 0; st && i < 4 && i < st->nframes; i++) {
        CHECK_EQ_U64(st->frames[i].pc, want[i].pc);
        CHECK_EQ_U64(st->frames[i].sp, want[i].sp);
        CHECK_STR(st->frames[i].function, want[i].function);
        CHECK(st->frames[i].symbol_source == DS_SYM_BREAKPAD);
    }
    CHECK(c->has_verdict && c->verdict.has_suspect);
    CHECK_STR(c->verdict.suspect.module_name, "test_app.exe");
    CHECK(c->verdict.bucket &&
          strstr(c->verdict.bucket, "NULL_POINTER_WRITE_c0000005_test_app!") == c->verdict.bucket);
    ds_close(d);
}

int main(void)
{
    char a[4096], e[4096], s[4096];
    const char *dump = corpus_path("kernel/triage_x64.dmp", a, sizeof a);
    const char *exp = corpus_path("expected/triage_x64.rizin.txt", e, sizeof e);
    const char *sym = corpus_path("symbols", s, sizeof s);
    if (!dump || !exp || !sym) {
        printf("test_stack_corpus: shared corpus not found; skipped\n");
        return CHECK_SKIP;
    }
    rz_frame rz[64];
    size_t nrz = load_rizin(exp, rz, 64);
    CHECK_EQ_U64(nrz, 37);
    walk(dump, sym, rz, nrz);
    walk(dump, NULL, rz, nrz);
    char m[4096], b[4096];
    const char *md2 = corpus_path("user/minidump2.dmp", m, sizeof m);
    const char *bps = corpus_path("user/breakpad-symbols", b, sizeof b);
    if (md2 && bps)
        minidump2(md2, bps);
    return check_report("test_stack_corpus");
}
