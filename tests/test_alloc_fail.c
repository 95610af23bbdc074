/*
 * Every allocation the library makes can fail: for each bundled sample and a
 * synthetic minidump, run ds_open, both reports and the batch row (built,
 * and rendered as JSON and CSV) with allocation N failing, for N = 1, 2, ...
 * until a run makes fewer than N allocations. Each run must either succeed or
 * stop with a clean error (NULL and, from ds_open, a message); never crash
 * and never leak (AddressSanitizer/LeakSanitizer judge those at exit).
 * tests/alloc_fail.c counts and fails the allocations (-Wl,--wrap).
 */
#include "alloc_fail.h"
#include "check.h"
#include "dumpscan/dumpscan.h"
#include "mdmp.h"

#include <stdbool.h>

typedef struct outcome {
    bool opened, json, text, row, row_json, row_csv;
} outcome;

/* One full run over a file or (path NULL) a buffer. */
static outcome run(const char *path, const void *data, size_t size)
{
    outcome o = {0};
    ds_open_options opt = {DS_OPEN_OPTIONS_INIT};
    opt.offline = true;
    ds_error err = {0};
    ds_dump *d = path ? ds_open(path, &opt, &err) : ds_open_memory(data, size, &opt, &err);
    if (!d) {
        CHECK(err.text[0] != '\0'); /* a failure says why */
        CHECK(err.code == DS_E_NOMEM); /* and that it was memory (the input is good) */
        return o;
    }
    o.opened = true;
    char *j = ds_report_json(d, DS_JSON_PRETTY);
    char *t = ds_report_text(d, DS_TEXT_VERBOSE);
    ds_row *r = ds_row_from_dump(d, path ? path : "memory.dmp");
    o.json = j != NULL;
    o.text = t != NULL;
    o.row = r != NULL;
    if (r) {
        char *rj = ds_row_json(r, 0), *rc = ds_row_csv(r);
        o.row_json = rj != NULL;
        o.row_csv = rc != NULL;
        ds_free(rj);
        ds_free(rc);
        ds_row_free(r);
    }
    ds_free(j);
    ds_free(t);
    ds_close(d);
    return o;
}

static bool complete(outcome o)
{
    return o.opened && o.json && o.text && o.row && o.row_json && o.row_csv;
}

/* Fail allocation 1, 2, ... of the run; returns the number of allocations of
 * a run that fails none. */
static size_t fail_each(const char *name, const char *path, const void *data, size_t size)
{
    alloc_fail_arm(0);
    outcome clean = run(path, data, size);
    size_t total = alloc_fail_count();
    CHECK(complete(clean));
    size_t n = 1;
    for (;; n++) {
        alloc_fail_arm(n);
        outcome o = run(path, data, size);
        if (!alloc_fail_fired()) {
            CHECK(complete(o)); /* nothing failed: everything must work */
            break;
        }
        if (n > 4 * total + 1000) { /* a run that allocates more each time */
            CHECK(!"allocation count does not converge");
            break;
        }
    }
    alloc_fail_arm(0);
    printf("%s: %zu allocations, each failed once\n", name, n - 1);
    CHECK(n - 1 == total); /* the same work every run */
    return total;
}

/* A small x64 minidump: one thread with a stack and context, one module with
 * a CodeView record, code memory, an access violation. */
static void build_minidump(mdw *w)
{
    mdw_begin(w, 6, 1700000000);
    mdw_system_info(w, MDW_X64.raw);
    uint8_t stack[0x100];
    for (int i = 0; i < 0x100; i++)
        stack[i] = (uint8_t)i;
    uint32_t ctx = mdw_context(w, &MDW_X64, 0x400100, 0x7000010);
    mdw_thread t = {.id = 0x111, .teb = 0x7ffde000, .stack_va = 0x7000000, .stack = stack,
                    .stack_size = sizeof stack, .ctx_rva = ctx, .ctx_size = MDW_X64.ctx_size};
    mdw_thread_list(w, &t, 1);
    uint8_t guid[16];
    for (int i = 0; i < 16; i++)
        guid[i] = (uint8_t)(0xA0 + i);
    mdw_module m = {.base = 0x400000, .size = 0x10000, .checksum = 0xABCD,
                    .time_date_stamp = 0x5F000000, .name = "C:\\app\\app.exe",
                    .file_version_ms = 0x00010002, .file_version_ls = 0x00030004};
    m.cv_rva = mdw_codeview(w, guid, 3, "app.pdb", &m.cv_size);
    mdw_module_list(w, &m, 1);
    uint8_t code[0x300];
    for (int i = 0; i < 0x300; i++)
        code[i] = (uint8_t)(i * 7);
    mdw_range r = {0x400000, code, sizeof code};
    mdw_memory_list(w, &r, 1);
    uint64_t params[2] = {1, 0x10};
    uint32_t xctx = mdw_context(w, &MDW_X64, 0x400234, 0x7000020);
    mdw_exception(w, 0x111, 0xC0000005, 0x400234, params, 2, xctx, MDW_X64.ctx_size);
}

int main(void)
{
    static const char *samples[] = {"arm64-bitmap-full.dmp", "arm64-triage.dmp",
                                    "x64-bitmap-kernel.dmp", "x64-range-full.dmp",
                                    "x64-triage.dmp",        "x86-summary.dmp",
                                    "x86pae-full.dmp"};
    for (size_t i = 0; i < sizeof samples / sizeof *samples; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/testdata/samples/%s", DS_SOURCE_DIR, samples[i]);
        CHECK(fail_each(samples[i], path, NULL, 0) > 0);
    }
    mdw w;
    build_minidump(&w);
    CHECK(fail_each("synthetic minidump", NULL, w.b, w.len) > 0);
    mdw_free(&w);

    printf("%d passed, %d failed\n", check_passed, check_failed);
    return check_failed ? 1 : 0;
}
