/*
 * The MDMP reader over small minidumps built here with the writer in
 * testdata/gen/mdmp.h (its pieces, and its byte primitives for the hostile
 * layouts; doc/formats.md 8): x86, x64 and ARM64 dumps with threads, modules,
 * memory lists and an exception; a Memory64List with a hostile size; a
 * directory cut short; a stream past the end of the file; no SystemInfo
 * (arch from the context size); and the padded-count variant of the lists.
 */
#include "analysis/knowledge.h"
#include "check.h"
#include "dumpscan/dumpscan.h"
#include "mdmp.h"

/* ------------------------------------------------- what the dumps hold */

typedef struct arch_desc {
    const mdw_arch *w; /* layout of its CONTEXT, SystemInfo value */
    ds_arch arch;
} arch_desc;

static const arch_desc X86 = {&MDW_X86, DS_ARCH_X86};
static const arch_desc X64 = {&MDW_X64, DS_ARCH_X64};
static const arch_desc ARM64 = {&MDW_ARM64, DS_ARCH_ARM64};
/* Breakpad's MDRawContextARM64_Old: u64 flags, x0..sp, pc, then cpsr */
static const arch_desc ARM64_OLD = {&MDW_ARM64_OLD, DS_ARCH_ARM64};
#define OLD_CPSR 0x60000000u /* what mdw_context writes there */

#define STACK_VA 0x7000000ull
#define CODE_VA 0x400000ull
#define T1 0x111
#define T2 0x222

/* The module's path (check_long_names makes it long). */
static const char *app_path = "C:\\app\\app.exe";

/* Two threads with stacks and contexts, one module, code memory, an
 * exception on T2, MiscInfo, ThreadNames, ThreadInfoList, BreakpadInfo. */
static void build_full(mdw *m, const arch_desc *a, bool with_sysinfo, bool memory64)
{
    mdw_begin(m, 15, 1700000000);
    if (with_sysinfo)
        mdw_system_info(m, a->w->raw);

    /* stacks: 0x100 bytes each, byte i = i ^ thread */
    uint8_t stack[2][0x100];
    for (int t = 0; t < 2; t++)
        for (int i = 0; i < 0x100; i++)
            stack[t][i] = (uint8_t)(i ^ (t + 1));
    mdw_thread th[2];
    for (int t = 0; t < 2; t++)
        th[t] = (mdw_thread){.id = t ? T2 : T1,
                             .teb = 0x7ffde000ull + 0x1000ull * (unsigned)t,
                             .stack_va = STACK_VA + 0x1000ull * (unsigned)t,
                             .stack = stack[t], .stack_size = 0x100,
                             .ctx_size = a->w->ctx_size};
    th[0].ctx_rva = mdw_context(m, a->w, CODE_VA + 0x100, STACK_VA + 0x10);
    th[1].ctx_rva = mdw_context(m, a->w, CODE_VA + 0x200, STACK_VA + 0x1010);
    mdw_thread_list(m, th, 2);

    /* module with an RSDS record */
    uint8_t guid[16];
    for (int i = 0; i < 16; i++)
        guid[i] = (uint8_t)(0xA0 + i);
    mdw_module mod = {.base = CODE_VA, .size = 0x10000, .checksum = 0xABCD,
                      .time_date_stamp = 0x5F000000, .name = app_path};
    mod.cv_rva = mdw_codeview(m, guid, 3, "app.pdb", &mod.cv_size);
    mdw_module_list(m, &mod, 1);

    /* code memory: 0x300 bytes at CODE_VA, byte i = i * 7 */
    if (!memory64) {
        uint8_t code[0x300];
        for (int i = 0; i < 0x300; i++)
            code[i] = (uint8_t)(i * 7);
        mdw_range r = {CODE_VA, code, sizeof code};
        mdw_memory_list(m, &r, 1);
    }

    /* exception on T2 with its own context */
    uint32_t xctx = mdw_context(m, a->w, CODE_VA + 0x234, STACK_VA + 0x1020);
    const uint64_t xparams[2] = {1, 0xFFFFFFFF00000010ull};
    mdw_exception(m, T2, 0xC0000005, 0xFFFFFFFF00000000ull | (CODE_VA + 0x234), xparams, 2,
                  xctx, a->w->ctx_size);

    /* MiscInfo (24 bytes): pid + times */
    uint32_t mi = mdw_zero(m, 24);
    mdw_set32(m, mi, 24);
    mdw_set32(m, mi + 4, 0x3);
    mdw_set32(m, mi + 8, 4321);
    mdw_set32(m, mi + 12, 1699999000);
    mdw_stream(m, 15, mi, 24);

    /* ThreadNames: T1 "worker" */
    uint32_t tn = mdw_string(m, "worker");
    uint32_t nl = mdw_put32(m, 1);
    mdw_put32(m, T1);
    mdw_put64(m, tn);
    mdw_stream(m, 24, nl, mdw_here(m) - nl);

    /* ThreadInfoList: T2 start address and flags */
    uint32_t ti = mdw_zero(m, 12 + 64);
    mdw_set32(m, ti, 12);
    mdw_set32(m, ti + 4, 64);
    mdw_set32(m, ti + 8, 1);
    mdw_set32(m, ti + 12, T2);
    mdw_set32(m, ti + 12 + 4, 0x1);
    mdw_set64(m, ti + 12 + 0x10, 133000000000000000ull);
    mdw_set64(m, ti + 12 + 0x30, CODE_VA + 0x50);
    mdw_stream(m, 17, ti, 12 + 64);

    /* BreakpadInfo: both ids valid */
    uint32_t bp = mdw_put32(m, 3);
    mdw_put32(m, T1);
    mdw_put32(m, T2);
    mdw_stream(m, 0x47670001, bp, 12);

    /* UnloadedModuleList: one entry, 32-byte stride (larger than known) */
    uint32_t uname = mdw_string(m, "C:\\old\\gone.dll");
    uint32_t ul = mdw_zero(m, 12 + 32);
    mdw_set32(m, ul, 12);
    mdw_set32(m, ul + 4, 32);
    mdw_set32(m, ul + 8, 1);
    mdw_set64(m, ul + 12, 0x30000000);
    mdw_set32(m, ul + 12 + 8, 0x5000);
    mdw_set32(m, ul + 12 + 0x10, 0x12345678);
    mdw_set32(m, ul + 12 + 0x14, uname);
    mdw_stream(m, 14, ul, 12 + 32);

    /* HandleData: 3 descriptors of 40 bytes declared, 2 present */
    uint32_t hd = mdw_zero(m, 16 + 2 * 40);
    mdw_set32(m, hd, 16);
    mdw_set32(m, hd + 4, 40);
    mdw_set32(m, hd + 8, 3);
    mdw_stream(m, 12, hd, 16 + 2 * 40);

    /* CrashpadInfo with two simple annotations */
    uint32_t dict = mdw_put32(m, 2);
    mdw_zero(m, 16);
    uint32_t cp = mdw_zero(m, 52);
    mdw_set32(m, cp, 1);
    for (int i = 0; i < 16; i++)
        m->b[cp + 4 + i] = (uint8_t)(0x10 + i);
    mdw_set32(m, cp + 36, 4 + 16);
    mdw_set32(m, cp + 40, dict);
    mdw_stream(m, 0x43500001, cp, 52);

    if (memory64) {
        /* Memory64List: two ranges back to back, then a hostile third. */
        uint32_t l = mdw_zero(m, 16 + 3 * 16);
        uint32_t base = mdw_here(m);
        uint32_t d0 = mdw_zero(m, 0x200), d1 = mdw_zero(m, 0x100);
        for (int i = 0; i < 0x200; i++)
            m->b[d0 + i] = (uint8_t)(i * 7);
        for (int i = 0; i < 0x100; i++)
            m->b[d1 + i] = (uint8_t)(i * 7 + 0x200 * 7);
        mdw_set64(m, l, 3);
        mdw_set64(m, l + 8, base);
        mdw_set64(m, l + 16, CODE_VA);
        mdw_set64(m, l + 24, 0x200);
        mdw_set64(m, l + 32, CODE_VA + 0x200);
        mdw_set64(m, l + 40, 0x100);
        mdw_set64(m, l + 48, 0xdeadbeefcafeull);
        mdw_set64(m, l + 56, 0x4141414141414141ull);
        mdw_stream(m, 9, l, 16 + 3 * 16);
    }
}

static void close_mb(ds_dump *d, const uint8_t *copy)
{
    ds_close(d);
    free((void *)copy);
}

static bool has_note(const ds_crash *c, const char *code)
{
    for (size_t i = 0; i < c->nnotes; i++)
        if (strcmp(c->notes[i].code, code) == 0)
            return true;
    return false;
}

static const ds_thread *thread_by_id(const ds_crash *c, uint32_t id)
{
    for (size_t i = 0; i < c->nthreads; i++)
        if (c->threads[i].id == id)
            return &c->threads[i];
    return NULL;
}

static void render(const ds_dump *d)
{
    char *j = ds_report_json(d, 0), *t = ds_report_text(d, DS_TEXT_VERBOSE);
    CHECK(j && strstr(j, "\"threads\""));
    CHECK(t && strstr(t, "Threads ("));
    ds_free(j);
    ds_free(t);
}

/* The facts every build_full dump must yield. */
static void check_full(const arch_desc *a, bool with_sysinfo, bool memory64)
{
    fprintf(stderr, "-- arch %u sysinfo %d memory64 %d\n", a->w->raw, with_sysinfo, memory64);
    mdw m;
    build_full(&m, a, with_sysinfo, memory64);
    ds_error err;
    uint8_t *copy = malloc(m.len);
    memcpy(copy, m.b, m.len);
    ds_dump *d = ds_open_memory(copy, m.len, NULL, &err);
    CHECK(d != NULL);
    if (!d) {
        fprintf(stderr, "open: %s\n", err.text);
        free(copy);
        free(m.b);
        return;
    }
    const ds_crash *c = ds_dump_crash(d);
    bool x86 = a->arch == DS_ARCH_X86;
    CHECK_EQ_U64(c->format, DS_FORMAT_MINIDUMP);
    CHECK_EQ_U64(c->arch, a->arch);
    CHECK_EQ_U64(c->crash_time.value, (1700000000ull + 11644473600ull) * 10000000ull);
    if (with_sysinfo) {
        CHECK_KNOWN(c->os_major, 10);
        CHECK_KNOWN(c->os_build, 19041);
        CHECK_KNOWN(c->cpus, 4);
        CHECK_STR(c->mdmp.csd_version, "Service Pack 9");
        CHECK_STR(c->mdmp.platform, "windows_nt");
        if (a->w->raw == 0)
            CHECK_STR(c->mdmp.cpu_info, "GenuineIntel family 6 model 13 stepping 8");
    } else {
        CHECK(has_note(c, "arch_from_context"));
        CHECK(has_note(c, "system_info_missing"));
    }
    CHECK(c->damaged == (!with_sysinfo || memory64));

    /* exception: 32-bit dumps drop the upper halves */
    CHECK(c->has_exception);
    CHECK_EQ_U64(c->exception.code, 0xC0000005);
    CHECK_KNOWN(c->exception.thread_id, T2);
    CHECK_KNOWN(c->crashing_thread, T2);
    CHECK_EQ_U64(c->exception.address,
                 x86 ? CODE_VA + 0x234 : 0xFFFFFFFF00000000ull | (CODE_VA + 0x234));
    CHECK_EQ_U64(c->exception.params[1], x86 ? 0x10 : 0xFFFFFFFF00000010ull);
    CHECK(c->has_context);
    CHECK_EQ_U64(c->context.pc, CODE_VA + 0x234);
    CHECK_EQ_U64(c->context.sp, STACK_VA + 0x1020);

    /* threads */
    CHECK_EQ_U64(c->nthreads, 2);
    const ds_thread *t1 = thread_by_id(c, T1), *t2 = thread_by_id(c, T2);
    CHECK(t1 && t2);
    if (t1 && t2) {
        CHECK_STR(t1->name, "worker");
        CHECK(t2->name == NULL);
        CHECK(t1->has_context && t2->has_context);
        CHECK_EQ_U64(t1->context.pc, CODE_VA + 0x100);
        CHECK_EQ_U64(t2->context.sp, STACK_VA + 0x1010);
        CHECK_EQ_U64(t2->teb, 0x7ffdf000);
        CHECK_EQ_U64(t2->stack_base, STACK_VA + 0x1000);
        CHECK_EQ_U64(t2->stack_size, 0x100);
        CHECK(t2->has_info && t2->dump_flags == 1);
        CHECK(t2->start_address.known && t2->start_address.value == CODE_VA + 0x50);
        CHECK(!t1->has_info);
    }

    /* module */
    CHECK_EQ_U64(c->nmodules, 1);
    const ds_module *mod = ds_module_at(c, c->exception.address & 0xFFFFFFFF);
    CHECK(mod != NULL);
    if (mod) {
        CHECK_STR(mod->name, "app.exe");
        CHECK_STR(mod->path, "C:\\app\\app.exe");
        CHECK(mod->timestamp.known && mod->timestamp.value == 0x5F000000);
        CHECK(mod->checksum.known && mod->checksum.value == 0xABCD);
        CHECK(mod->has_cv && mod->cv.is_pdb70);
        CHECK_STR(mod->cv.pdb_name, "app.pdb");
        CHECK_EQ_U64(mod->cv.age, 3);
    }

    /* facts from the small streams */
    CHECK(c->mdmp.process_id.known && c->mdmp.process_id.value == 4321);
    CHECK(c->mdmp.process_create_time.known &&
          c->mdmp.process_create_time.value == 1699999000);
    CHECK(c->mdmp.breakpad_dump_thread.value == T1 && c->mdmp.breakpad_requesting_thread.value == T2);

    CHECK_EQ_U64(c->nunloaded, 1);
    if (c->nunloaded) {
        CHECK_STR(c->unloaded[0].name, "gone.dll");
        CHECK_EQ_U64(c->unloaded[0].base, 0x30000000);
        CHECK_EQ_U64(c->unloaded[0].size, 0x5000);
        CHECK(c->unloaded[0].flags & DS_MOD_UNLOADED);
        CHECK(c->unloaded[0].timestamp.known && c->unloaded[0].timestamp.value == 0x12345678);
    }
    CHECK(c->mdmp.handle_count.known && c->mdmp.handle_count.value == 2);
    CHECK(c->mdmp.has_crashpad);
    CHECK_STR(c->mdmp.crashpad_report_id, "13121110-1514-1716-1819-1a1b1c1d1e1f");
    CHECK_EQ_U64(c->mdmp.crashpad_annotations, 2);
    if (a->w->raw == 0x8003) {
        CHECK(c->context.valid >> 33 & 1);
        CHECK_EQ_U64(c->context.regs[33], OLD_CPSR);
    }

    /* memory: stacks and code, nothing in between */
    uint8_t b[0x400];
    CHECK_EQ_U64(ds_read(d, STACK_VA + 0x1000, b, 0x200), 0x100);
    CHECK_EQ_U64(b[5], 5 ^ 2);
    CHECK_EQ_U64(ds_read(d, STACK_VA + 0xFF, b, 4), 1);
    CHECK_EQ_U64(ds_read(d, STACK_VA + 0x100, b, 4), 0);
    CHECK_EQ_U64(ds_read(d, CODE_VA, b, sizeof b), 0x300);
    bool same = true;
    for (int i = 0; i < 0x300; i++)
        same = same && b[i] == (uint8_t)(i * 7);
    CHECK(same);
    CHECK_EQ_U64(ds_read(d, CODE_VA - 1, b, 4), 0);
    if (memory64) {
        CHECK(has_note(c, "memory_truncated"));
        CHECK_EQ_U64(ds_read(d, 0xdeadbeefcafeull, b, 8), 0);
        CHECK_EQ_U64(c->mdmp.memory_ranges, 3);
        CHECK_EQ_U64(c->mdmp.memory_bytes, 0x300);
    } else {
        CHECK_EQ_U64(c->mdmp.memory_ranges, 1);
    }
    render(d);
    close_mb(d, copy);
    free(m.b);
}

static void check_truncated_directory(void)
{
    fprintf(stderr, "-- directory cut\n");
    mdw m;
    build_full(&m, &X64, true, false);
    /* keep the header and two and a half directory entries */
    size_t cut = 32 + 12 * 2 + 6;
    uint8_t *copy = malloc(cut);
    memcpy(copy, m.b, cut);
    ds_error err;
    ds_dump *d = ds_open_memory(copy, cut, NULL, &err);
    CHECK(d != NULL);
    if (d) {
        const ds_crash *c = ds_dump_crash(d);
        CHECK(c->damaged);
        CHECK(has_note(c, "directory_truncated"));
        CHECK(has_note(c, "stream_outside_file")); /* the two entries read */
        CHECK_EQ_U64(c->nthreads, 0);
        render(d);
        ds_close(d);
    }
    free(copy);
    free(m.b);
}

static void check_stream_past_eof(void)
{
    fprintf(stderr, "-- stream past EOF\n");
    mdw m;
    build_full(&m, &X64, true, false);
    /* point the ModuleList (entry 2: SystemInfo, ThreadList, ModuleList) away */
    size_t e = 32 + 12 * 2;
    CHECK_EQ_U64(m.b[e], 4);
    mdw_set32(&m, e + 8, (uint32_t)m.len + 100);
    ds_error err;
    uint8_t *copy = malloc(m.len);
    memcpy(copy, m.b, m.len);
    ds_dump *d = ds_open_memory(copy, m.len, NULL, &err);
    CHECK(d != NULL);
    if (d) {
        const ds_crash *c = ds_dump_crash(d);
        CHECK(c->damaged);
        CHECK(has_note(c, "stream_outside_file"));
        CHECK_EQ_U64(c->nmodules, 0);
        CHECK(c->has_exception); /* the rest still reads */
        CHECK_EQ_U64(c->nthreads, 2);
        render(d);
        ds_close(d);
    }
    free(copy);
    free(m.b);
}

/* A stream that runs past EOF is cut to what is there and reported. */
static void check_stream_cut(void)
{
    fprintf(stderr, "-- stream cut by EOF\n");
    mdw m;
    mdw_begin(&m, 2, 0);
    mdw_system_info(&m, 9);
    uint32_t l = mdw_put32(&m, 2);
    uint32_t d0 = mdw_zero(&m, 16), d1 = mdw_zero(&m, 16);
    uint32_t data = mdw_zero(&m, 0x60);
    mdw_set64(&m, d0, 0x1000);
    mdw_set32(&m, d0 + 8, 0x20);
    mdw_set32(&m, d0 + 12, data);
    mdw_set64(&m, d1, 0x2000);
    mdw_set32(&m, d1 + 8, 0x40);
    mdw_set32(&m, d1 + 12, data + 0x20);
    mdw_stream(&m, 5, l, 4 + 32);
    ds_error err;
    size_t cut = m.len - 0x10; /* the second range loses 16 bytes */
    uint8_t *copy = malloc(cut);
    memcpy(copy, m.b, cut);
    ds_dump *d = ds_open_memory(copy, cut, NULL, &err);
    CHECK(d != NULL);
    if (d) {
        const ds_crash *c = ds_dump_crash(d);
        uint8_t b[0x40];
        CHECK(has_note(c, "memory_truncated"));
        CHECK_EQ_U64(ds_read(d, 0x1000, b, sizeof b), 0x20);
        CHECK_EQ_U64(ds_read(d, 0x2000, b, sizeof b), 0x30);
        CHECK_EQ_U64(c->mdmp.memory_bytes, 0x50);
        ds_close(d);
    }
    free(copy);
    free(m.b);
}

/* Lists whose count is padded to 8 bytes (DataSize = 8 + n * entry). */
static void check_padded_lists(void)
{
    fprintf(stderr, "-- padded lists\n");
    mdw m;
    mdw_begin(&m, 3, 0);
    mdw_system_info(&m, 0);
    uint32_t name = mdw_string(&m, "/usr/lib/libx.so");
    uint32_t cv = mdw_zero(&m, 4 + 20);
    mdw_set32(&m, cv, 0x4270454C); /* "LEpB" on disk */
    for (int i = 0; i < 20; i++)
        m.b[cv + 4 + i] = (uint8_t)(i + 1);
    uint32_t ml = mdw_put32(&m, 2);
    mdw_put32(&m, 0); /* padding */
    for (int i = 0; i < 2; i++) {
        uint32_t e = mdw_zero(&m, 108);
        mdw_set64(&m, e, 0x10000000ull * (unsigned)(i + 1));
        mdw_set32(&m, e + 8, 0x1000);
        mdw_set32(&m, e + 0x14, name);
        mdw_set32(&m, e + 0x4C, 24);
        mdw_set32(&m, e + 0x50, cv);
    }
    mdw_stream(&m, 4, ml, 8 + 2 * 108);
    uint32_t data = mdw_zero(&m, 8);
    memcpy(m.b + data, "ABCDEFGH", 8);
    uint32_t l = mdw_put32(&m, 1);
    mdw_put32(&m, 0);
    uint32_t dd = mdw_zero(&m, 16);
    mdw_set64(&m, dd, 0x5000);
    mdw_set32(&m, dd + 8, 8);
    mdw_set32(&m, dd + 12, data);
    mdw_stream(&m, 5, l, 8 + 16);
    ds_error err;
    uint8_t *copy = malloc(m.len);
    memcpy(copy, m.b, m.len);
    ds_dump *d = ds_open_memory(copy, m.len, NULL, &err);
    CHECK(d != NULL);
    if (d) {
        const ds_crash *c = ds_dump_crash(d);
        CHECK_EQ_U64(c->nmodules, 2);
        if (c->nmodules == 2) {
            CHECK_EQ_U64(c->modules[1].base, 0x20000000);
            CHECK_STR(c->modules[1].name, "libx.so");
            CHECK(c->modules[1].cv.is_elf);
            CHECK_EQ_U64(c->modules[1].cv.build_id_len, 20);
            CHECK_EQ_U64(c->modules[1].cv.build_id[19], 20);
        }
        char b[8];
        CHECK_EQ_U64(ds_read(d, 0x5000, b, 8), 8);
        CHECK(memcmp(b, "ABCDEFGH", 8) == 0);
        CHECK(!c->damaged);
        char *j = ds_report_json(d, 0);
        CHECK(j && strstr(j, "\"build_id\":\"0102030405060708090a0b0c0d0e0f1011121314\""));
        ds_free(j);
        ds_close(d);
    }
    free(copy);
    free(m.b);
}

/* Hostile counts: a list claiming 4 billion entries, a directory claiming
 * 4 billion streams; both bounded by the file. */
static void check_hostile_counts(void)
{
    fprintf(stderr, "-- hostile counts\n");
    mdw m;
    mdw_begin(&m, 3, 0);
    mdw_system_info(&m, 9);
    uint32_t tl = mdw_put32(&m, 0xFFFFFFFFu);
    mdw_zero(&m, 48);
    mdw_stream(&m, 3, tl, 0xFFFFFFF0u);
    uint32_t x = mdw_put32(&m, 0xFFFFFFFFu);
    mdw_stream(&m, 4, x, 4);
    mdw_set32(&m, 8, 0xFFFFFFFFu); /* NumberOfStreams */
    ds_error err;
    uint8_t *copy = malloc(m.len);
    memcpy(copy, m.b, m.len);
    ds_dump *d = ds_open_memory(copy, m.len, NULL, &err);
    CHECK(d != NULL);
    if (d) {
        const ds_crash *c = ds_dump_crash(d);
        CHECK(c->damaged);
        CHECK(has_note(c, "list_truncated"));
        CHECK(has_note(c, "stream_truncated"));
        CHECK(c->nthreads <= 1);
        CHECK_EQ_U64(c->nmodules, 0);
        render(d);
        ds_close(d);
    }
    free(copy);
    free(m.b);
}

static void check_too_short(void)
{
    fprintf(stderr, "-- too short\n");
    static const uint8_t tiny[12] = {'M', 'D', 'M', 'P', 0x93, 0xA7, 0, 0, 1, 0, 0, 0};
    ds_error err;
    ds_dump *d = ds_open_memory(tiny, sizeof tiny, NULL, &err);
    CHECK(d == NULL);
    CHECK(strstr(err.text, "minidump") != NULL);
    ds_close(d);
}


/*
 * Regression (issue 9.1): a non-Windows minidump whose exception code is not
 * in bugcodes/exceptions.txt made the application verdict read an unset
 * ds_exception_info. The lookup must clear its output for unknown codes, and
 * the whole report must come out for such dumps.
 */
/* Where the built dump's stream of this type starts (aborts when absent). */
static uint32_t stream_rva(const mdw *m, uint32_t type)
{
    for (uint32_t i = 0; i < m->nstreams; i++) {
        const uint8_t *e = m->b + 32 + 12 * i;
        if ((uint32_t)(e[0] | e[1] << 8 | e[2] << 16 | (uint32_t)e[3] << 24) == type)
            return e[8] | e[9] << 8 | e[10] << 16 | (uint32_t)e[11] << 24;
    }
    abort();
}

static void check_unknown_foreign_exception(void)
{
    ds_knowledge *k = ds_knowledge_load();
    CHECK(k != NULL);
    if (k) {
        ds_exception_info info;
        memset(&info, 0xA5, sizeof info); /* what an uninitialised stack might hold */
        CHECK(!ds_knowledge_exception(k, "linux", 0x99, &info));
        CHECK(info.name == NULL && info.cls == NULL && info.summary == NULL);
        memset(&info, 0xA5, sizeof info);
        CHECK(!ds_knowledge_exception(k, "mac", 0, &info));
        CHECK(info.cls == NULL);
        ds_knowledge_free(k);
    }
    static const struct { uint32_t platform, code; const char *label; } cases[] = {
        {0x8201, 0x99, "linux, unknown signal"},
        {0x8101, 0, "macOS, code 0"},
        {0x8000, 0x7fffffff, "unknown platform, unknown code"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        fprintf(stderr, "-- foreign exception: %s\n", cases[i].label);
        mdw m;
        build_full(&m, &X64, true, false);
        /* PlatformId in MINIDUMP_SYSTEM_INFO (+20), ExceptionCode (+8). */
        mdw_set32(&m, stream_rva(&m, 7) + 20, cases[i].platform);
        mdw_set32(&m, stream_rva(&m, 6) + 8, cases[i].code);
        ds_error err;
        uint8_t *copy = malloc(m.len);
        memcpy(copy, m.b, m.len);
        ds_dump *d = ds_open_memory(copy, m.len, NULL, &err);
        CHECK(d != NULL);
        if (d) {
            const ds_crash *c = ds_dump_crash(d);
            CHECK(c->has_exception);
            CHECK_STR(c->verdict.crash_class, "unknown");
            char *t = ds_report_text(d, DS_TEXT_VERBOSE), *j = ds_report_json(d, 0);
            CHECK(t && strstr(t, "EXCEPTION_0x"));
            CHECK(j != NULL);
            ds_free(t);
            ds_free(j);
            ds_close(d);
        }
        free(copy);
        free(m.b);
    }
}

/* A UTF-8 string as Crashpad writes one (u32 length, bytes, NUL). */
static uint32_t put_utf8(mdw *m, const char *s)
{
    uint32_t at = mdw_put32(m, (uint32_t)strlen(s));
    uint32_t b = mdw_zero(m, strlen(s) + 1);
    memcpy(m->b + b, s, strlen(s));
    return at;
}

/*
 * Item 7 of issue 11: a minidump from a given platform with a versioned
 * module, Breakpad's assertion record and Crashpad annotations of the
 * process and of the module. The OS is named for the platform (a macOS dump
 * is never "Windows NT 11.6").
 */
static void check_extras(uint32_t platform, uint32_t major, uint32_t minor, uint32_t build,
                         const char *csd, const char *os_name, const char *os_version)
{
    fprintf(stderr, "-- extras: %s\n", os_name);
    mdw m;
    mdw_begin(&m, 4, 1700000000);
    uint32_t si_csd = mdw_string(&m, csd);
    uint32_t si = mdw_zero(&m, 56);
    mdw_set16(&m, si, 9); /* amd64 */
    m.b[si + 6] = 2;
    m.b[si + 7] = 1;
    mdw_set32(&m, si + 8, major);
    mdw_set32(&m, si + 12, minor);
    mdw_set32(&m, si + 16, build);
    mdw_set32(&m, si + 20, platform);
    mdw_set32(&m, si + 24, si_csd);
    mdw_stream(&m, 7, si, 56);

    /* one module, version 1.2.3.4 in its VS_FIXEDFILEINFO */
    uint32_t name = mdw_string(&m, "/opt/app/libapp.so");
    uint32_t ml = mdw_put32(&m, 1);
    uint32_t e = mdw_zero(&m, 108);
    mdw_set64(&m, e, CODE_VA);
    mdw_set32(&m, e + 8, 0x10000);
    mdw_set32(&m, e + 0x14, name);
    mdw_set32(&m, e + 0x18, 0xFEEF04BD);
    mdw_set32(&m, e + 0x20, 0x00010002);
    mdw_set32(&m, e + 0x24, 0x00030004);
    mdw_stream(&m, 4, ml, mdw_here(&m) - ml);

    /* Breakpad assertion: an invalid parameter caught by the CRT */
    uint32_t as = mdw_zero(&m, 0x308);
    const char *x = "buffer != nullptr", *fn = "strcpy_s", *file = "string.c";
    for (size_t i = 0; x[i]; i++)
        mdw_set16(&m, as + 2 * i, (uint8_t)x[i]);
    for (size_t i = 0; fn[i]; i++)
        mdw_set16(&m, as + 0x100 + 2 * i, (uint8_t)fn[i]);
    for (size_t i = 0; file[i]; i++)
        mdw_set16(&m, as + 0x200 + 2 * i, (uint8_t)file[i]);
    mdw_set32(&m, as + 0x300, 42);
    mdw_set32(&m, as + 0x304, 1);
    mdw_stream(&m, 0x47670002, as, 0x308);

    /* Crashpad: one process annotation, and the module's list, simple and
     * string-object annotations (plus a non-string object, not shown) */
    uint32_t k1 = put_utf8(&m, "channel"), v1 = put_utf8(&m, "beta");
    uint32_t dict = mdw_put32(&m, 1);
    mdw_put32(&m, k1);
    mdw_put32(&m, v1);
    uint32_t lv = put_utf8(&m, "loaded late");
    uint32_t list = mdw_put32(&m, 1);
    mdw_put32(&m, lv);
    uint32_t k2 = put_utf8(&m, "gpu"), v2 = put_utf8(&m, "none");
    uint32_t mdict = mdw_put32(&m, 1);
    mdw_put32(&m, k2);
    mdw_put32(&m, v2);
    uint32_t on = put_utf8(&m, "url"), ov = put_utf8(&m, "https://example.invalid/");
    uint32_t bn = put_utf8(&m, "blob"), bv = put_utf8(&m, "xx");
    uint32_t objs = mdw_put32(&m, 2);
    mdw_put32(&m, on);
    mdw_put32(&m, 1); /* type 1: string, reserved 0 */
    mdw_put32(&m, ov);
    mdw_put32(&m, bn);
    mdw_put32(&m, 2); /* another type: not a string */
    mdw_put32(&m, bv);
    uint32_t mi = mdw_zero(&m, 28);
    mdw_set32(&m, mi, 1);
    mdw_set32(&m, mi + 4, 8);
    mdw_set32(&m, mi + 8, list);
    mdw_set32(&m, mi + 12, 12);
    mdw_set32(&m, mi + 16, mdict);
    mdw_set32(&m, mi + 20, 28);
    mdw_set32(&m, mi + 24, objs);
    uint32_t mlist = mdw_put32(&m, 1);
    mdw_put32(&m, 0); /* module index 0 */
    mdw_put32(&m, 28);
    mdw_put32(&m, mi);
    uint32_t cp = mdw_zero(&m, 52);
    mdw_set32(&m, cp + 36, 12);
    mdw_set32(&m, cp + 40, dict);
    mdw_set32(&m, cp + 44, 16);
    mdw_set32(&m, cp + 48, mlist);
    mdw_stream(&m, 0x43500001, cp, 52);

    ds_error err;
    ds_dump *d = ds_open_memory(m.b, m.len, NULL, &err);
    CHECK(d != NULL);
    if (d) {
        const ds_crash *c = ds_dump_crash(d);
        const ds_minidump_info *md = &c->mdmp;
        CHECK(c->nmodules == 1 && c->modules[0].file_version);
        if (c->nmodules == 1)
            CHECK_STR(c->modules[0].file_version, "1.2.3.4");
        CHECK(md->has_assertion);
        CHECK_STR(md->assert_expression, x);
        CHECK_STR(md->assert_function, fn);
        CHECK_STR(md->assert_file, file);
        CHECK_EQ_U64(md->assert_line, 42);
        CHECK_EQ_U64(md->assert_type, 1);
        CHECK_EQ_U64(md->nannotations, 4);
        if (md->nannotations == 4) {
            CHECK(md->annotations[0].module == NULL);
            CHECK_STR(md->annotations[0].key, "channel");
            CHECK_STR(md->annotations[0].value, "beta");
            CHECK_STR(md->annotations[1].module, "libapp.so");
            CHECK(md->annotations[1].key == NULL);
            CHECK_STR(md->annotations[1].value, "loaded late");
            CHECK_STR(md->annotations[2].key, "gpu");
            CHECK_STR(md->annotations[3].key, "url");
            CHECK_STR(md->annotations[3].value, "https://example.invalid/");
        }
        CHECK_STR(c->facts.os_name, os_name);
        CHECK_STR(c->facts.os_version, os_version);
        char *t = ds_report_text(d, 0), *j = ds_report_json(d, 0);
        char sys[160];
        snprintf(sys, sizeof sys, "System:       %s %s", os_name, os_version);
        CHECK(t && strstr(t, sys));
        CHECK(t && (strncmp(os_name, "Windows", 7) == 0 || !strstr(t, "Windows")));
        CHECK(t && strstr(t, "ASSERTION:     invalid parameter: buffer != nullptr in strcpy_s "
                             "at string.c:42\n"));
        CHECK(t && strstr(t, "  channel = beta\n"));
        CHECK(t && strstr(t, "  libapp.so: gpu = none\n"));
        CHECK(j && strstr(j, "\"type\":\"invalid_parameter\""));
        CHECK(j && strstr(j, "\"key\":\"url\""));
        ds_free(t);
        ds_free(j);
        ds_close(d);
    }
    free(m.b);
}

/* An access violation whose address is all ones (a general-protection
 * fault) is said to have no recorded address. */
static void check_gp_address(void)
{
    fprintf(stderr, "-- general-protection address\n");
    for (int gp = 0; gp < 2; gp++) {
        mdw m;
        build_full(&m, &X64, true, false);
        /* ExceptionInformation[1] of the EXCEPTION_RECORD64 at +8 */
        mdw_set64(&m, stream_rva(&m, 6) + 8 + 0x28, gp ? UINT64_MAX : 0x10);
        ds_error err;
        ds_dump *d = ds_open_memory(m.b, m.len, NULL, &err);
        CHECK(d != NULL);
        if (d) {
            const ds_verdict *v = &ds_dump_crash(d)->verdict;
            bool said = false;
            for (size_t i = 0; i < v->ncaveats; i++)
                said |= strstr(v->caveats[i], "general-protection fault") != NULL;
            CHECK(said == (gp == 1));
            ds_close(d);
        }
        free(m.b);
    }
}

/* A module name longer than the verdict's old fixed buffers (128 for a
 * candidate's name, 512 and 640 for its sentences): the suspect, its why and
 * the reasons name it whole (a Release build warned of the cut). */
static void check_long_names(void)
{
    fprintf(stderr, "-- long module name\n");
    char base[1001], path[1100];
    memset(base, 'a', 996);
    memcpy(base + 996, ".exe", 5);
    snprintf(path, sizeof path, "C:\\app\\%s", base);
    app_path = path;
    mdw m;
    build_full(&m, &X64, true, false);
    app_path = "C:\\app\\app.exe";
    /* ExceptionAddress (EXCEPTION_RECORD64 +0x10) inside the module */
    mdw_set64(&m, stream_rva(&m, MDW_EXCEPTION) + 8 + 0x10, CODE_VA + 0x234);
    ds_error err;
    ds_dump *d = ds_open_memory(m.b, m.len, NULL, &err);
    CHECK(d != NULL);
    if (d) {
        const ds_crash *c = ds_dump_crash(d);
        const ds_verdict *v = &c->verdict;
        CHECK(c->nmodules == 1 && strcmp(c->modules[0].name, base) == 0);
        CHECK(v->has_suspect);
        CHECK_STR(v->suspect.module_name, base); /* a name: not cut at 127 bytes either */
        CHECK(v->suspect.why && strstr(v->suspect.why, base) != NULL);
        bool whole = false;
        for (size_t i = 0; i < v->nreasons; i++)
            whole |= strstr(v->reasons[i], base) && strstr(v->reasons[i], "is in ") &&
                     strstr(v->reasons[i], "(exception address)");
        CHECK(whole);
        if (!whole)
            for (size_t i = 0; i < v->nreasons; i++)
                fprintf(stderr, "  reason: %.100s... (%zu bytes)\n", v->reasons[i],
                        strlen(v->reasons[i]));
        ds_close(d);
    }
    free(m.b);
}

/* The thread that wrote the dump (BreakpadInfo: T1) was running while its
 * registers and then its stack were captured: --all-threads does not walk
 * it, and a note says so; with the id marked invalid it is walked. */
static void check_dump_thread(void)
{
    for (int valid = 0; valid < 2; valid++) {
        mdw m;
        build_full(&m, &X64, true, false);
        if (!valid)
            mdw_set32(&m, stream_rva(&m, 0x47670001), 2); /* requesting thread only */
        ds_open_options o = {DS_OPEN_OPTIONS_INIT};
        o.all_threads = true;
        o.no_symbols = true;
        ds_error err;
        ds_dump *d = ds_open_memory(m.b, m.len, &o, &err);
        CHECK(d != NULL);
        if (d) {
            const ds_crash *c = ds_dump_crash(d);
            bool t1 = false, t2 = false;
            for (size_t i = 0; i < c->nstacks; i++) {
                t1 |= c->stacks[i].thread_id.known && c->stacks[i].thread_id.value == T1;
                t2 |= c->stacks[i].thread_id.known && c->stacks[i].thread_id.value == T2;
            }
            CHECK(t2); /* the crashing thread is always walked */
            CHECK(t1 == !valid);
            CHECK(has_note(c, "dump_thread_not_walked") == (bool)valid);
            ds_close(d);
        }
        free(m.b);
    }
}

int main(void)
{
    check_dump_thread();
    check_long_names();
    check_unknown_foreign_exception();
    check_gp_address();
    check_extras(0x8101, 11, 6, 0, "20G165", "macOS", "11.6.0 20G165");
    check_extras(0x8102, 15, 1, 0, "19B74", "iOS", "15.1.0 19B74");
    check_extras(0x8201, 0, 0, 0, "Linux 5.4.0-42-generic #46-Ubuntu SMP x86_64", "Linux",
                 "5.4.0-42-generic #46-Ubuntu SMP x86_64");
    check_extras(0x8203, 0, 0, 0, "Linux 4.14.116 #1 SMP PREEMPT aarch64", "Android",
                 "Linux 4.14.116 #1 SMP PREEMPT aarch64");
    check_extras(2, 10, 0, 22621, "", "Windows 11", "10.0.22621");
    check_full(&X86, true, false);
    check_full(&X64, true, false);
    check_full(&ARM64, true, false);
    check_full(&ARM64_OLD, true, false);
    check_full(&X64, true, true);
    check_full(&X86, false, false); /* arch from the 0x2CC context size */
    check_full(&ARM64, false, true);
    check_truncated_directory();
    check_stream_past_eof();
    check_stream_cut();
    check_padded_lists();
    check_hostile_counts();
    check_too_short();
    return check_report("test_minidump_synthetic");
}
