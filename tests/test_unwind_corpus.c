/*
 * Real dumps from the shared corpus: minidump2.dmp (x86, Windows XP) has a
 * stack rust-minidump walks by frame pointers; our walk must give the same
 * frames (expected/minidump2.rust-minidump-human.txt). Other dumps are
 * walked for robustness (sanitizers) and printed with DS_TEST_VERBOSE.
 */
#include "check.h"
#include "core/dump.h"
#include "dumpscan/dumpscan.h"
#include "image/image.h"
#include "unwind/unwind.h"

#define MAXMOD 256

typedef struct images {
    ds_dump *d;
    const ds_crash *c;
    ds_image *im[MAXMOD];
    bool tried[MAXMOD];
} images;

static const ds_image *image_at(void *ctx, uint64_t va, int *module)
{
    images *x = ctx;
    const ds_module *m = ds_module_at(x->c, va);
    *module = -1;
    if (!m)
        return NULL;
    size_t i = (size_t)(m - x->c->modules);
    *module = (int)i;
    if (i >= MAXMOD)
        return NULL;
    if (!x->tried[i]) {
        x->tried[i] = true;
        x->im[i] = ds_image_from_dump(m, &x->d->mem);
    }
    return x->im[i];
}

/* Walk the crashing thread (or the dump's context); returns frames. */
static size_t walk(const char *rel, ds_frame **f, char **why)
{
    char path[1024];
    *f = NULL;
    *why = NULL;
    if (!corpus_path(rel, path, sizeof path))
        return 0;
    ds_error e;
    ds_dump *d = ds_open(path, NULL, &e);
    CHECK(d != NULL);
    if (!d)
        return 0;
    const ds_crash *c = ds_dump_crash(d);
    images x = {.d = d, .c = c};
    ds_unwind_env env = {.arch = c->arch, .mem = &d->mem, .image_at = image_at, .ctx = &x};
    const ds_context *start = c->has_context ? &c->context : NULL;
    for (size_t i = 0; i < c->nthreads; i++)
        if (c->crashing_thread.known && c->threads[i].id == c->crashing_thread.value) {
            /* the exception's context when there is one, else the thread's */
            if (!start && c->threads[i].has_context)
                start = &c->threads[i].context;
            env.stack_low = c->threads[i].stack_base;
            env.stack_high = c->threads[i].stack_base + c->threads[i].stack_size;
        }
    size_t n = 0;
    if (start) {
        CHECK(ds_unwind_walk(&env, start, f, &n, why) == 0);
        if (getenv("DS_TEST_VERBOSE")) {
            fprintf(stderr, "%s:\n", rel);
            for (size_t i = 0; i < n; i++) {
                const ds_frame *fr = &(*f)[i];
                fprintf(stderr, "  #%zu pc %" PRIx64 " sp %" PRIx64 " trust %d %s\n", i, fr->pc,
                        fr->sp, fr->trust,
                        ds_crash_module(c, fr->module) ? ds_crash_module(c, fr->module)->name : "?");
            }
            fprintf(stderr, "  end: %s\n", *why ? *why : "");
        }
    }
    for (size_t i = 0; i < MAXMOD; i++)
        ds_image_close(x.im[i]);
    ds_close(d);
    return n;
}

int main(void)
{
    char probe[1024];
    if (!corpus_path("user/minidump2.dmp", probe, sizeof probe))
        return CHECK_SKIP;
    ds_frame *f;
    char *why;
    size_t n = walk("user/minidump2.dmp", &f, &why);
    static const uint64_t pc[] = {0x0040429e, 0x00404200, 0x004053ec, 0x7c816fd7};
    static const uint64_t sp[] = {0x0012fe84, 0x0012fe90, 0x0012ff78, 0x0012ffc8};
    CHECK(n >= 4);
    for (size_t i = 0; i < 4 && i < n; i++) {
        CHECK_EQ_U64(f[i].pc, pc[i]);
        CHECK_EQ_U64(f[i].sp, sp[i]);
        if (i)
            CHECK_EQ_U64(f[i].trust, DS_TRUST_FRAME_POINTER);
    }
    free(f);
    free(why);
    static const char *const others[] = {
        "user/calc_win7_x64.dmp", "user/ascii_read_av.dmp", "user/exec_av_on_stack.dmp",
        "user/null_read_av.dmp", "user/stack_exhaustion.dmp", "user/write_av_non_null.dmp",
        "kernel/triage_x64.dmp", "kernel/full_header_truncated.dmp"};
    for (size_t i = 0; i < sizeof others / sizeof *others; i++) {
        walk(others[i], &f, &why);
        free(f);
        free(why);
    }
    return check_report("test_unwind_corpus");
}
