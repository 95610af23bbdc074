/*
 * Stacks of generated dumps: for every arch / DumpType whose memory holds the
 * images, the walk from the header context must give exactly the frames the
 * generator wrote, found by unwind data (x64, ARM64) or the EBP chain (x86).
 * Without images (scenario "noimages") the walk falls back to scanning or
 * frame pointers, says so in each frame's trust, and invents nothing.
 */
#include <unistd.h>

#include "check.h"
#include "core/dump.h"
#include "dsgen.h"
#include "dumpscan/dumpscan.h"
#include "image/image.h"
#include "unwind/unwind.h"

typedef struct combo {
    int arch;
    bool pae;
    uint32_t type;
} combo;

static const combo combos[] = {
    {DS_ARCH_X64, false, 1},   {DS_ARCH_X64, false, 2},  {DS_ARCH_X64, false, 4},
    {DS_ARCH_X64, false, 5},   {DS_ARCH_X64, false, 6},  {DS_ARCH_X64, false, 7},
    {DS_ARCH_X64, false, 8},   {DS_ARCH_X64, false, 9},  {DS_ARCH_X64, false, 10},
    {DS_ARCH_X86, false, 1},   {DS_ARCH_X86, false, 2},  {DS_ARCH_X86, false, 4},
    {DS_ARCH_X86, false, 5},   {DS_ARCH_X86, false, 6},  {DS_ARCH_X86, false, 7},
    {DS_ARCH_X86, true, 1},    {DS_ARCH_X86, true, 5},   {DS_ARCH_X86, true, 6},
    {DS_ARCH_ARM64, false, 1}, {DS_ARCH_ARM64, false, 4}, {DS_ARCH_ARM64, false, 5},
    {DS_ARCH_ARM64, false, 6}, {DS_ARCH_ARM64, false, 7},
};

static char tmpdir[] = "/tmp/ds-unwind-XXXXXX";

#define MAXMOD 64

typedef struct images {
    ds_dump *d;
    const ds_crash *c;
    ds_image *im[MAXMOD];
    bool tried[MAXMOD];
} images;

static const ds_image *image_at(void *ctx, uint64_t va, int *module)
{
    images *x = ctx;
    *module = -1;
    for (size_t i = 0; i < x->c->nmodules && i < MAXMOD; i++) {
        const ds_module *m = &x->c->modules[i];
        if (va >= m->base && va - m->base < m->size) {
            *module = (int)i;
            if (!x->tried[i]) {
                x->tried[i] = true;
                x->im[i] = ds_image_from_dump(m, &x->d->mem);
            }
            return x->im[i];
        }
    }
    return NULL;
}

static void close_images(images *x)
{
    for (size_t i = 0; i < MAXMOD; i++)
        ds_image_close(x->im[i]);
}

static const char *trust_name(ds_trust t)
{
    static const char *const n[] = {"none", "context", "unwind_info", "frame_pointer",
                                    "scan_validated", "scan"};
    return (unsigned)t < 6 ? n[t] : "?";
}

static void dump_frames(const ds_frame *f, size_t n, const char *why, const gen_spec *s)
{
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "    #%zu pc %016" PRIx64 " sp %016" PRIx64 " %s mod %d\n", i, f[i].pc,
                f[i].sp, trust_name(f[i].trust),
                f[i].module.known ? (int)f[i].module.value : -1);
    fprintf(stderr, "    end: %s\n    expected:\n", why ? why : "(null)");
    for (size_t i = 0; i < s->out_nframes; i++)
        fprintf(stderr, "    #%zu pc %016" PRIx64 " sp %016" PRIx64 "\n", i, s->out_frame_pc[i],
                s->out_frame_sp[i]);
}

static void run(const combo *k, const char *scenario)
{
    gen_spec s;
    gen_spec_default(&s, k->arch, k->pae, k->type);
    if (gen_spec_scenario(&s, scenario) != 0) {
        CHECK(!"unknown scenario");
        return;
    }
    char path[256], err[256], label[96];
    snprintf(label, sizeof label, "%s%s type %u %s", ds_arch_name(k->arch), k->pae ? " pae" : "",
             k->type, scenario);
    snprintf(path, sizeof path, "%s/u-%d-%d-%u-%s.dmp", tmpdir, k->arch, k->pae, k->type,
             scenario);
    if (gen_write(&s, path, err, sizeof err) != 0) {
        fprintf(stderr, "%s: gen_write: %s\n", label, err);
        CHECK(!"generator failed");
        return;
    }
    ds_error e;
    ds_dump *d = ds_open(path, NULL, &e);
    CHECK(d != NULL);
    if (!d) {
        unlink(path);
        return;
    }
    const ds_crash *c = ds_dump_crash(d);
    CHECK(c->has_context);
    images x = {.d = d, .c = c};
    ds_unwind_env env = {
        .arch = c->arch,
        .mem = &d->mem,
        .image_at = image_at,
        .ctx = &x,
        .stack_low = s.out_stack_low,
        .stack_high = s.out_stack_low + s.out_stack_size,
    };
    ds_frame *f = NULL;
    size_t n = 0;
    char *why = NULL;
    CHECK(ds_unwind_walk(&env, &c->context, &f, &n, &why) == 0);
    CHECK(why != NULL);

    bool triage = k->type == DS_DUMP_TRIAGE, noimg = strcmp(scenario, "noimages") == 0;
    size_t bad = n != s.out_nframes;
    for (size_t i = 0; i < n && i < s.out_nframes; i++)
        bad += f[i].pc != s.out_frame_pc[i] || f[i].sp != s.out_frame_sp[i];
    CHECK_EQ_U64(bad, 0);
    if (n)
        CHECK_EQ_U64(f[0].trust, DS_TRUST_CONTEXT);
    /* how each frame was found */
    size_t wrong_trust = 0;
    for (size_t i = 1; i < n; i++) {
        ds_trust t = f[i].trust;
        if (k->arch == DS_ARCH_X86 || (k->arch == DS_ARCH_ARM64 && (noimg || triage)))
            wrong_trust += t != DS_TRUST_FRAME_POINTER;
        else if (noimg)
            wrong_trust += t != DS_TRUST_SCAN; /* no code bytes: unvalidated */
        else if (triage) /* .pdata pages are not in a triage dump */
            wrong_trust += t != DS_TRUST_SCAN && t != DS_TRUST_SCAN_VALIDATED;
        else
            wrong_trust += t != DS_TRUST_UNWIND_INFO;
        wrong_trust += f[i].is_trap_frame;
    }
    CHECK_EQ_U64(wrong_trust, 0);
    /* x64 triage: the crashing module's code is in the dump, so the scan
     * validates the return address into it */
    if (k->arch == DS_ARCH_X64 && triage && !noimg && n > 1)
        CHECK_EQ_U64(f[1].trust, DS_TRUST_SCAN_VALIDATED);
    /* modules of the frames */
    size_t cm = s.crash_module, cl = s.caller_module;
    if (n == 5) {
        CHECK_KNOWN(f[0].module, cm);
        CHECK_KNOWN(f[1].module, cm);
        CHECK_KNOWN(f[2].module, cl);
        CHECK_KNOWN(f[3].module, 0);
    }
    if (noimg)
        for (size_t i = 0; i < c->nmodules && i < MAXMOD; i++)
            CHECK(x.im[i] == NULL);
    if (bad || wrong_trust || getenv("DS_TEST_VERBOSE")) {
        fprintf(stderr, "  %s:\n", label);
        dump_frames(f, n, why, &s);
    }

    /* the image views of the crashing module: .pdata and exports */
    if (!noimg && !triage && cm < c->nmodules) {
        const ds_module *m = &c->modules[cm];
        ds_image *im = ds_image_from_dump(m, &d->mem);
        CHECK(im != NULL);
        if (im) {
            uint32_t w = gen_func_rva(k->arch, 0);
            char name[64];
            uint32_t at = 0;
            CHECK(ds_image_export_lookup(im, w + 4, name, sizeof name, &at));
            CHECK_STR(name, "DsgWorker");
            CHECK_EQ_U64(at, w);
            CHECK(ds_image_export_lookup(im, gen_func_rva(k->arch, 2) + 1, name, sizeof name, &at));
            CHECK_STR(name, "DsgStart");
            CHECK(!ds_image_export_lookup(im, 0x10, name, sizeof name, &at));
            CHECK(ds_image_is_code(im, w));
            CHECK(!ds_image_is_code(im, 0x2000));
            if (k->arch == DS_ARCH_X64) {
                ds_runtime_function rf;
                CHECK(ds_image_function_entry(im, w + 3, &rf));
                CHECK_EQ_U64(rf.begin, w);
                CHECK_EQ_U64(rf.end, w + gen_func_size(k->arch, 0));
                CHECK(ds_image_function_lookup(im, 0x1010, &rf) == DS_IMAGE_ABSENT);
            } else if (k->arch == DS_ARCH_ARM64) {
                uint32_t b, data;
                CHECK(ds_image_arm64_entry(im, gen_func_rva(k->arch, 1) + 8, &b, &data));
                CHECK_EQ_U64(b, gen_func_rva(k->arch, 1));
                CHECK_EQ_U64(data & 3, 1);
            }
            ds_image_close(im);
        }
    }
    free(f);
    free(why);
    close_images(&x);
    ds_close(d);
    unlink(path);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    static const char *const scenarios[] = {"default", "ntcrash", "noimages"};
    for (size_t i = 0; i < sizeof combos / sizeof *combos; i++)
        for (size_t k = 0; k < 3; k++)
            run(&combos[i], scenarios[k]);
    rmdir(tmpdir);
    return check_report("test_unwind_synthetic");
}
