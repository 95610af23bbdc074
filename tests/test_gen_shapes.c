/*
 * The generator's stack shapes (GEN_SHAPE_*) through the whole pipeline: the
 * faulting stack dumpscan walks from each generated dump against the frames
 * the generator wrote.
 *   X29_END (ARM64): the outermost record is {0, lr}: that lr is one more
 *     frame, then the walk ends (x29 = 0 without images, a zero return with
 *     them); the stale records above never become frames.
 *   STALE (x64): a stale return address in every frame's stack space: with
 *     unwind data the walk is exact; scanning, a stale word is never
 *     scan_validated (its direct call leads elsewhere) and every real frame
 *     is still found, in order.
 *   PC_ZERO: frame 0 called address 0: frame 1 is its return address, from
 *     [sp] (x64, x86) or lr (ARM64), then the chain.
 *   SAVED_CONTEXT: a CONTEXT record above the outermost frame adds no frame.
 * And a trap frame mid-stack (scenario irqltrap) found by scanning x64
 * memory without images.
 */
#include <unistd.h>

#include "check.h"
#include "dsgen.h"
#include "dumpscan/dumpscan.h"

static char tmpdir[] = "/tmp/ds-shapes-XXXXXX";

typedef struct result {
    gen_spec s;
    ds_dump *d;
    const ds_stack *st;
} result;

static uint32_t bugcheck_override; /* 0: the scenario's own */

static bool make(result *r, int arch, uint32_t type, const char *scenario, uint32_t shapes,
                 bool images)
{
    memset(r, 0, sizeof *r);
    gen_spec_default(&r->s, arch, false, type);
    if (gen_spec_scenario(&r->s, scenario) != 0) {
        CHECK(!"scenario");
        return false;
    }
    if (bugcheck_override) {
        r->s.bugcheck_code = bugcheck_override;
        memset(r->s.bugcheck_params, 0, sizeof r->s.bugcheck_params);
    }
    if (!images)
        for (size_t i = 0; i < r->s.nmodules; i++)
            r->s.modules[i].header_in_dump = false;
    r->s.shapes = shapes;
    char path[256], err[256];
    snprintf(path, sizeof path, "%s/shape.dmp", tmpdir);
    if (gen_write(&r->s, path, err, sizeof err) != 0) {
        fprintf(stderr, "gen_write: %s\n", err);
        CHECK(!"generator failed");
        return false;
    }
    ds_open_options o = {DS_OPEN_OPTIONS_INIT};
    o.no_symbols = true;
    ds_error e;
    r->d = ds_open(path, &o, &e);
    unlink(path);
    CHECK(r->d != NULL);
    if (!r->d)
        return false;
    const ds_crash *c = ds_dump_crash(r->d);
    /* the walk from the header context (frame 0 as written); a record the
     * bug check names (irqltrap's trap frame) has a walk of its own */
    for (size_t i = 0; i < c->nstacks && !r->st; i++)
        if (c->stacks[i].nframes && c->stacks[i].frames[0].pc == r->s.out_frame_pc[0] &&
            c->stacks[i].frames[0].sp == r->s.out_frame_sp[0])
            r->st = &c->stacks[i];
    CHECK(r->st != NULL);
    if (!r->st) {
        ds_close(r->d);
        r->d = NULL;
    }
    return r->st != NULL;
}

static void show(const char *label, const result *r)
{
    fprintf(stderr, "  %s: walked %zu frames (%s), wrote %zu\n", label, r->st->nframes,
            r->st->end_reason ? r->st->end_reason : "-", r->s.out_nframes);
    for (size_t i = 0; i < r->st->nframes; i++)
        fprintf(stderr, "    #%zu pc %016" PRIx64 " sp %016" PRIx64 " trust %d\n", i,
                r->st->frames[i].pc, r->st->frames[i].sp, (int)r->st->frames[i].trust);
    for (size_t i = 0; i < r->s.out_nframes; i++)
        fprintf(stderr, "    want #%zu pc %016" PRIx64 " sp %016" PRIx64 "\n", i,
                r->s.out_frame_pc[i], r->s.out_frame_sp[i]);
}

/* exactly the frames written */
static bool exact(const result *r)
{
    bool ok = r->st->nframes == r->s.out_nframes;
    for (size_t i = 0; ok && i < r->st->nframes; i++)
        ok = r->st->frames[i].pc == r->s.out_frame_pc[i] &&
             r->st->frames[i].sp == r->s.out_frame_sp[i];
    return ok;
}

static void x29_end(void)
{
    static const uint32_t types[] = {1, 4};
    for (size_t t = 0; t < 2; t++)
        for (int images = 0; images < 2; images++) {
            result r;
            if (!make(&r, DS_ARCH_ARM64, types[t], "tdr", GEN_SHAPE_X29_END, images))
                continue;
            bool ok = exact(&r);
            CHECK(ok);
            /* frame records only (no image, or triage without .pdata): the
             * architectural end */
            bool chain = !images || types[t] == 4;
            if (chain)
                CHECK(r.st->end_reason && strstr(r.st->end_reason, "x29 = 0"));
            if (!ok || getenv("DS_TEST_VERBOSE"))
                show("x29_end", &r);
            ds_close(r.d);
        }
}

static void stale(void)
{
    static const uint32_t types[] = {1, 4};
    for (size_t t = 0; t < 2; t++)
        for (int images = 0; images < 2; images++) {
            result r;
            if (!make(&r, DS_ARCH_X64, types[t], "tdr", GEN_SHAPE_STALE, images))
                continue;
            const ds_stack *st = r.st;
            uint64_t stale_pc = r.s.out_stale_pc;
            CHECK(stale_pc != 0);
            bool ok = true;
            if (images && types[t] == 1) {
                ok = exact(&r); /* unwind data never reads the stale words */
            } else {
                /* the real frames, in order, among the walked ones */
                size_t k = 0;
                for (size_t i = 0; i < st->nframes && k < r.s.out_nframes; i++)
                    if (st->frames[i].pc == r.s.out_frame_pc[k] &&
                        st->frames[i].sp == r.s.out_frame_sp[k])
                        k++;
                ok = k == r.s.out_nframes;
                for (size_t i = 1; i < st->nframes; i++)
                    if (st->frames[i].pc == stale_pc &&
                        st->frames[i].trust == DS_TRUST_SCAN_VALIDATED)
                        ok = false;
            }
            CHECK(ok);
            if (!ok || getenv("DS_TEST_VERBOSE"))
                show("stale", &r);
            ds_close(r.d);
        }
}

static void pc_zero(void)
{
    static const int arches[] = {DS_ARCH_X64, DS_ARCH_X86, DS_ARCH_ARM64};
    for (size_t a = 0; a < 3; a++) {
        result r;
        if (!make(&r, arches[a], 1, "tdr", GEN_SHAPE_PC_ZERO, true))
            continue;
        CHECK_EQ_U64(r.s.out_frame_pc[0], 0);
        bool ok = exact(&r);
        CHECK(ok);
        if (ok && r.st->nframes > 1)
            CHECK(r.st->frames[1].trust == DS_TRUST_SCAN_VALIDATED);
        if (!ok || getenv("DS_TEST_VERBOSE"))
            show("pc_zero", &r);
        ds_close(r.d);
    }
}

/* a CONTEXT record above the outermost frame: its code addresses are
 * registers, never frames (x64 without images walks by scanning) */
static void saved_context(void)
{
    static const int arches[] = {DS_ARCH_X64, DS_ARCH_X86};
    for (size_t a = 0; a < 2; a++) {
        result r;
        if (!make(&r, arches[a], 1, "tdr", GEN_SHAPE_SAVED_CONTEXT, false))
            continue;
        bool ok = exact(&r);
        CHECK(ok);
        if (!ok || getenv("DS_TEST_VERBOSE"))
            show("saved_context", &r);
        ds_close(r.d);
    }
}

/* trap frames mid-stack found while scanning: x64 without images (no
 * .pdata, so no machine-frame unwind code) */
static void trap_mid_stack(void)
{
    result r;
    if (!make(&r, DS_ARCH_X64, 1, "irqltrap", 0, false))
        return;
    bool ok = exact(&r);
    CHECK(ok);
    size_t traps = 0;
    for (size_t i = 1; i < r.st->nframes; i++)
        traps += r.st->frames[i].trust == DS_TRUST_TRAP_FRAME;
    CHECK_EQ_U64(traps, 1);
    if (!ok || traps != 1 || getenv("DS_TEST_VERBOSE"))
        show("trap_mid_stack", &r);
    ds_close(r.d);
    /* the verdict says how its stack evidence was found: a bug check whose
     * parameters name no record, so the header context's walk is the one */
    bugcheck_override = 0x133;
    if (make(&r, DS_ARCH_X64, 1, "irqltrap", 0, false)) {
        const ds_crash *c = ds_dump_crash(r.d);
        bool said = false;
        for (size_t i = 0; i < c->verdict.nreasons; i++) {
            if (getenv("DS_TEST_VERBOSE"))
                fprintf(stderr, "  reason: %s\n", c->verdict.reasons[i]);
            said |= strstr(c->verdict.reasons[i], "found by a trap frame") != NULL;
        }
        CHECK(said);
        ds_close(r.d);
    }
    bugcheck_override = 0;
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    saved_context();
    trap_mid_stack();
    x29_end();
    stale();
    pc_zero();
    rmdir(tmpdir);
    return check_report("test_gen_shapes");
}
