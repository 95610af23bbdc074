/*
 * The MDMP reader over the shared corpus: every user-mode dump against the
 * facts in corpus/README.md and the peers' expectations in corpus/expected/
 * (minidump2.rust-minidump-tests.txt, minidump2.breakpad-dump.txt,
 * minidump_32bit_crash_addr.breakpad-unittests.txt, linux-x86_64.lldb.txt,
 * calc_win7_x64.radare2.txt / .rizin.txt, *.breakpad-exploitability.txt);
 * every file in corpus/bad/ must open with damage notes or fail with an
 * error, and so must every truncated copy of a good dump.
 */
#include <dirent.h>

#include "check.h"
#include "dumpscan/dumpscan.h"

typedef struct expect {
    const char *file;
    uint32_t code;
    uint64_t address;     /* ExceptionAddress */
    uint32_t thread;      /* exception thread id */
    uint32_t os_major, os_minor, os_build;
    uint32_t platform;
    ds_arch arch;
    size_t nmodules, nthreads;
    const char *module_at_address; /* full path, NULL: in no module */
    uint64_t module_base;
    uint64_t pc;
    const char *pc_module;         /* full path, NULL: in no module */
    unsigned nparams;
    uint64_t params[2];
    const char *csd;               /* CSD (Windows) or uname text (Linux) */
} expect;

#define CRASHME_D "D:\\crashme\\Debug\\crashme.exe"
#define CRASHME_R "D:\\crashme\\Release\\crashme.exe"

static const expect expects[] = {
    {"user/minidump2.dmp", 0xc0000005, 0x40429e, 3060, 5, 1, 2600, 2, DS_ARCH_X86, 13, 2,
     "c:\\test_app.exe", 0x400000, 0x40429e, "c:\\test_app.exe", 2, {1, 0x45},
     "Service Pack 2"},
    {"bad/minidump_32bit_crash_addr.dmp", 0xc0000005, 0x40429e, 3060, 5, 1, 2600, 2,
     DS_ARCH_X86, 13, 2, "c:\\test_app.exe", 0x400000, 0x40429e, "c:\\test_app.exe", 2,
     {1, 0x45}, "Service Pack 2"},
    {"user/ascii_read_av.dmp", 0xc0000005, 0xd6a6cd, 4204, 6, 1, 7600, 2, DS_ARCH_X86, 26,
     2, CRASHME_D, 0xd60000, 0xd6a6cd, CRASHME_D, 2, {0, 0x41414141}, NULL},
    {"user/null_read_av.dmp", 0xc0000005, 0x90a6cd, 1192, 6, 1, 7600, 2, DS_ARCH_X86, 26, 2,
     CRASHME_D, 0x900000, 0x90a6cd, CRASHME_D, 2, {0, 0}, NULL},
    {"user/write_av_non_null.dmp", 0xc0000005, 0xc11097, 10912, 6, 1, 7600, 2, DS_ARCH_X86,
     26, 2, CRASHME_R, 0xc10000, 0xc11097, CRASHME_R, 2, {1, 0x4e3c9}, NULL},
    {"user/exec_av_on_stack.dmp", 0xc0000005, 0x3df944, 6920, 6, 1, 7600, 2, DS_ARCH_X86,
     26, 2, NULL, 0, 0x3df944, NULL, 2, {8, 0x3df944}, NULL},
    {"user/stack_exhaustion.dmp", 0xc00000fd, 0xdea637, 5744, 6, 1, 7600, 2, DS_ARCH_X86,
     26, 2, CRASHME_D, 0xde0000, 0xdea637, CRASHME_D, 2, {0, 0x102000}, NULL},
    {"user/linux_null_dereference.dmp", 0xb, 0, 20520, 0, 0, 0, 0x8201, DS_ARCH_X64, 8, 1,
     NULL, 0, 0x401f26, "/usr/local/google/home/liuandrew/Documents/breakpad_test/driver",
     0, {0, 0},
     "Linux 3.13.0-53-generic #89-Ubuntu SMP Wed May 20 10:34:39 UTC 2015 x86_64"},
    {"user/linux_stacksmash.dmp", 0xb, 0, 14779, 0, 0, 0, 0x8201, DS_ARCH_X64, 8, 1, NULL,
     0, 0x7f8181ad8730, "/lib/x86_64-linux-gnu/libgcc_s.so.1", 0, {0, 0},
     "Linux 3.3.8-gcg-201305291443 #1 SMP Wed May 29 14:49:59 PDT 2013 x86_64"},
    {"user/linux-x86_64.dmp", 0xb, 0, 16001, 0, 0, 0, 0x8201, DS_ARCH_X64, 8, 1, NULL, 0,
     0x401dc6, "/usr/local/google/home/dvlahovski/projects/test_breakpad/a.out", 0, {0, 0},
     "Linux 3.13.0-91-generic #138-Ubuntu SMP Fri Jun 24 17:00:34 UTC 2016 x86_64"},
    {"user/calc_win7_x64.dmp", 0x80000003, 0x7776ae10, 1628, 6, 1, 7601, 2, DS_ARCH_X64, 28,
     5, "C:\\Windows\\System32\\ntdll.dll", 0x77720000, 0x7776ae10,
     "C:\\Windows\\System32\\ntdll.dll", 1, {0, 0}, "Service Pack 1"},
};

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc(n > 0 ? (size_t)n : 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

static const ds_thread *thread_by_id(const ds_crash *c, uint32_t id)
{
    for (size_t i = 0; i < c->nthreads; i++)
        if (c->threads[i].id == id)
            return &c->threads[i];
    return NULL;
}

/* Reports must render every model the reader makes. */
static void render(const ds_dump *d)
{
    char *j = ds_report_json(d, DS_JSON_PRETTY), *t = ds_report_text(d, DS_TEXT_VERBOSE);
    CHECK(j != NULL);
    CHECK(t != NULL);
    CHECK(j && strstr(j, "\"minidump\"") != NULL);
    ds_free(j);
    ds_free(t);
}

static void check_one(const expect *e, const ds_crash *c)
{
    fprintf(stderr, "-- %s\n", e->file);
    CHECK_EQ_U64(c->format, DS_FORMAT_MINIDUMP);
    CHECK_STR(c->dump_kind, "minidump");
    CHECK(!c->damaged);
    CHECK(c->has_exception);
    CHECK_EQ_U64(c->exception.code, e->code);
    CHECK_EQ_U64(c->exception.address, e->address);
    CHECK_KNOWN(c->exception.thread_id, e->thread);
    CHECK_KNOWN(c->crashing_thread, e->thread);
    CHECK_EQ_U64(c->exception.nparams, e->nparams);
    for (unsigned i = 0; i < e->nparams && i < 2; i++)
        CHECK_EQ_U64(c->exception.params[i], e->params[i]);
    if (e->os_major || e->os_minor || e->os_build) {
        CHECK_KNOWN(c->os_major, e->os_major);
        CHECK_KNOWN(c->os_minor, e->os_minor);
        CHECK_KNOWN(c->os_build, e->os_build);
    } else { /* Breakpad's 0.0.0 (Linux, macOS): no version numbers */
        CHECK(!c->os_major.known && !c->os_minor.known && !c->os_build.known);
    }
    CHECK_EQ_U64(c->mdmp.platform_id, e->platform);
    CHECK_EQ_U64(c->arch, e->arch);
    CHECK_EQ_U64(c->nmodules, e->nmodules);
    CHECK_EQ_U64(c->nthreads, e->nthreads);

    const ds_module *m = ds_module_at(c, e->address);
    if (e->module_at_address) {
        CHECK(m != NULL);
        if (m) {
            CHECK_STR(m->path, e->module_at_address);
            CHECK_EQ_U64(m->base, e->module_base);
            CHECK(m->flags & DS_MOD_FROM_MINIDUMP);
        }
    } else {
        CHECK(m == NULL);
    }
    CHECK(c->has_context);
    CHECK_EQ_U64(c->context.pc, e->pc);
    m = ds_module_at(c, c->context.pc);
    if (e->pc_module) {
        CHECK(m != NULL);
        if (m)
            CHECK_STR(m->path, e->pc_module);
    } else {
        CHECK(m == NULL);
    }
    const ds_thread *t = thread_by_id(c, e->thread);
    CHECK(t != NULL);
    if (e->csd) {
        CHECK_STR(e->platform == 2 ? c->mdmp.csd_version : c->mdmp.os_text, e->csd);
    } else {
        CHECK(c->mdmp.csd_version == NULL);
    }
}

/* rust-minidump's test_minidump.rs / test_processor.rs and breakpad's dump. */
static void minidump2_details(const ds_dump *d)
{
    const ds_crash *c = ds_dump_crash(d);
    CHECK_EQ_U64(c->mdmp.streams, 9);
    CHECK_EQ_U64(c->mdmp.version, 0x5128a793);
    CHECK(c->crash_time.known);
    char t[32];
    ds_format_filetime(c->crash_time.value, t, sizeof t);
    CHECK_STR(t, "2007-02-14 19:13:55");
    CHECK_STR(c->mdmp.cpu_info, "GenuineIntel family 6 model 13 stepping 8");
    CHECK_STR(c->mdmp.platform, "windows_nt");
    CHECK(c->mdmp.process_id.known && c->mdmp.process_id.value == 3932);
    CHECK(c->mdmp.process_create_time.known &&
          c->mdmp.process_create_time.value == 0x45d35f73);
    CHECK(c->mdmp.breakpad_dump_thread.known && c->mdmp.breakpad_dump_thread.value == 0x11c0);
    CHECK(c->mdmp.breakpad_requesting_thread.known &&
          c->mdmp.breakpad_requesting_thread.value == 0xbf4);
    CHECK_EQ_U64(c->context.sp, 0x12fe84);
    CHECK_EQ_U64(c->context.regs[16], 0x40429e); /* eip */

    static const char *const paths[13] = {
        "c:\\test_app.exe", "C:\\WINDOWS\\system32\\ntdll.dll",
        "C:\\WINDOWS\\system32\\kernel32.dll", "C:\\WINDOWS\\system32\\ole32.dll",
        "C:\\WINDOWS\\system32\\advapi32.dll", "C:\\WINDOWS\\system32\\rpcrt4.dll",
        "C:\\WINDOWS\\system32\\gdi32.dll", "C:\\WINDOWS\\system32\\user32.dll",
        "C:\\WINDOWS\\system32\\msvcrt.dll", "C:\\WINDOWS\\system32\\imm32.dll",
        "C:\\WINDOWS\\system32\\dbghelp.dll", "C:\\WINDOWS\\system32\\version.dll",
        "C:\\WINDOWS\\system32\\psapi.dll",
    };
    for (size_t i = 0; i < 13 && i < c->nmodules; i++)
        CHECK_STR(c->modules[i].path, paths[i]);
    if (c->nmodules == 13) {
        const ds_module *m0 = &c->modules[0], *m12 = &c->modules[12];
        CHECK_STR(m0->name, "test_app.exe");
        CHECK_EQ_U64(m0->base, 0x400000);
        CHECK_EQ_U64(m0->size, 0x2d000);
        /* code id 45D35F6C2d000 = timestamp + size */
        CHECK(m0->timestamp.known && m0->timestamp.value == 0x45d35f6c);
        CHECK(m0->has_cv && m0->cv.is_pdb70 && !m0->cv.is_elf);
        CHECK_STR(m0->cv.pdb_name, "c:\\test_app.pdb");
        CHECK_EQ_U64(m0->cv.age, 1); /* debug id 5A9832E5287241C1838ED98914E9B7FF1 */
        static const uint8_t g0[16] = {0xE5, 0x32, 0x98, 0x5A, 0x72, 0x28, 0xC1, 0x41,
                                       0x83, 0x8E, 0xD9, 0x89, 0x14, 0xE9, 0xB7, 0xFF};
        CHECK(memcmp(m0->cv.guid, g0, 16) == 0);
        CHECK_EQ_U64(m12->base, 0x76bf0000);
        CHECK_EQ_U64(m12->size, 0xb000);
        CHECK(m12->timestamp.known && m12->timestamp.value == 0x411096ca);
        CHECK_STR(m12->cv.pdb_name, "psapi.pdb");
        CHECK_EQ_U64(m12->cv.age, 2); /* debug id A5C3A1F9689F43D8AD228A09293889702 */
    }
    if (c->nthreads == 2) {
        const ds_thread *t0 = &c->threads[0];
        CHECK_EQ_U64(t0->id, 0xbf4);
        CHECK_EQ_U64(c->threads[1].id, 0x11c0);
        CHECK(t0->has_context);
        CHECK_EQ_U64(t0->context.pc, 0x7c90eb94);
        CHECK_EQ_U64(t0->context.sp, 0x12f320);
        CHECK_EQ_U64(t0->stack_base, 0x12f31c);
    }
    /* Stack memory through the memory view. */
    uint64_t v = 0;
    CHECK_EQ_U64(ds_read(d, 0x12f31c, &v, 8), 8);
    CHECK_EQ_U64(v, 0x7c90e9c000000000ull);
    CHECK_EQ_U64(ds_read(d, 0x12fff8, &v, 8), 8);
    CHECK_EQ_U64(v, 0x405443);
    uint8_t b[16];
    CHECK_EQ_U64(ds_read(d, 0x12fffc, b, sizeof b), 4); /* end of the stack */
}

/* lldb MinidumpParserTest.cpp. */
static void linux_x86_64_details(const ds_dump *d)
{
    const ds_crash *c = ds_dump_crash(d);
    static const char *const names[8] = {
        "/usr/local/google/home/dvlahovski/projects/test_breakpad/a.out",
        "/lib/x86_64-linux-gnu/libm-2.19.so",
        "/lib/x86_64-linux-gnu/libc-2.19.so",
        "/lib/x86_64-linux-gnu/libgcc_s.so.1",
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.19",
        "/lib/x86_64-linux-gnu/libpthread-2.19.so",
        "/lib/x86_64-linux-gnu/ld-2.19.so",
        "linux-gate.so",
    };
    for (size_t i = 0; i < 8 && i < c->nmodules; i++)
        CHECK_STR(c->modules[i].path, names[i]);
    CHECK_STR(c->mdmp.platform, "linux");
    CHECK(c->mdmp.process_id.known && c->mdmp.process_id.value == 16001);
    CHECK_STR(c->mdmp.lsb_release, "Ubuntu 14.04 LTS");
    CHECK(c->mdmp.linux_maps_entries.known);
    if (c->nmodules) {
        const ds_codeview *cv = &c->modules[0].cv;
        CHECK(c->modules[0].has_cv && cv->is_elf);
        CHECK_EQ_U64(cv->build_id_len, 20);
        CHECK_EQ_U64(cv->build_id[0], 0x47);
        CHECK_EQ_U64(cv->build_id[19], 0x50);
        CHECK(!c->modules[0].timestamp.known); /* ELF: no PE timestamp */
    }
    /* Registers of the only thread (0x4D0-byte AMD64 context). */
    CHECK(c->nthreads == 1 && c->threads[0].has_context);
    const ds_context *x = &c->context;
    static const uint64_t regs[18] = {
        0, 0x10, 0, 0, 0x7ffceb34a210, 0x7ffceb34a210, 0, 0x7ffceb349cf0, /* rax..rdi */
        0x7fe9bc1aa9c0, 0, 0x7fe9bc3f16a0, 0x246, 0x401c92, 0x7ffceb34a430, 0, 0,
        0x401dc6, 0x10206};
    for (unsigned i = 0; i < 18; i++)
        CHECK_EQ_U64(x->regs[i], regs[i]);
    CHECK_EQ_U64(x->flags, 0x10000b); /* AMD64 | CONTROL | INTEGER | FLOATING_POINT */
    /* Memory ranges: exactly 0x401d46 (256) and 0x7ffceb34a000 (12288). */
    uint8_t *buf = malloc(12288);
    CHECK_EQ_U64(ds_read(d, 0x401d46, buf, 128), 128);
    CHECK_EQ_U64(ds_read(d, 0x401d46, buf, 512), 256);
    CHECK_EQ_U64(ds_read(d, 0x7ffceb34a000, buf, 12288), 12288);
    CHECK_EQ_U64(ds_read(d, 0x7ffceb34a000, buf, 1024), 1024);
    CHECK_EQ_U64(ds_read(d, 0x500000, buf, 512), 0);
    CHECK_EQ_U64(ds_read(d, 0, buf, 1), 0);
    CHECK_EQ_U64(ds_read(d, 0x2a, buf, 1), 0);
    CHECK_EQ_U64(ds_read(d, 0x401d46 + 256, buf, 1), 0);
    CHECK_EQ_U64(ds_read(d, 0x7ffceb34a000 + 12288, buf, 1), 0);
    free(buf);
    CHECK_EQ_U64(c->mdmp.memory_ranges, 2);
}

/* radare2 / rizin test db: calc.exe module and 13 streams. */
static void calc_details(const ds_dump *d)
{
    const ds_crash *c = ds_dump_crash(d);
    CHECK_EQ_U64(c->mdmp.streams, 13);
    CHECK_EQ_U64(c->mdmp.flags, 0x40000);
    CHECK_KNOWN(c->cpus, 2);
    CHECK(c->mdmp.process_id.known && c->mdmp.process_id.value == 3368);
    CHECK(c->mdmp.product_type.known && c->mdmp.product_type.value == 1); /* Workstation */
    CHECK(c->nmodules > 0 && strcmp(c->modules[0].path, "C:\\Windows\\System32\\calc.exe") == 0);
    if (c->nmodules) {
        CHECK_EQ_U64(c->modules[0].base, 0xfffe0000);
        CHECK_EQ_U64(c->modules[0].size, 0xe3000);
        CHECK_STR(c->modules[0].cv.pdb_name, "calc.pdb");
    }
    CHECK_EQ_U64(c->mdmp.memory_ranges, 9); /* rizin "mdmp maps" lists nine */
    uint8_t b[0x100];
    CHECK_EQ_U64(ds_read(d, 0x7776ad90, b, sizeof b), 0x100);
    CHECK_EQ_U64(ds_read(d, 0x398f9b8, b, sizeof b), 0x100);
}

static bool note(const ds_crash *c, const char *code)
{
    for (size_t i = 0; i < c->nnotes; i++)
        if (strcmp(c->notes[i].code, code) == 0)
            return true;
    return false;
}

/* A bad file opens damaged or fails with a message; a hand-edited but
 * valid one (minidump_32bit_crash_addr) is checked against its facts. */
static void check_bad(const char *name, const char *path)
{
    fprintf(stderr, "-- bad/%s\n", name);
    ds_error err;
    ds_dump *d = ds_open(path, NULL, &err);
    if (!d) {
        CHECK(err.text[0] != '\0');
        return;
    }
    const ds_crash *c = ds_dump_crash(d);
    render(d);
    if (strcmp(name, "minidump_32bit_crash_addr.dmp") != 0) {
        CHECK(c->damaged);
    }
    if (strcmp(name, "fuzzed_npe_r_mdmp.c-364_1.mdmp") == 0)
        CHECK(note(c, "directory_outside_file"));
    if (strcmp(name, "fuzzed_npe_w_bin_mdmp.c-111_1.mdmp") == 0)
        CHECK(note(c, "directory_truncated"));
    if (strcmp(name, "mdmp_trunc_memory64.dmp") == 0) {
        uint8_t b[8];
        CHECK(note(c, "list_truncated"));
        CHECK_EQ_U64(ds_read(d, 0xdeadbeefcafeull, b, sizeof b), 0);
    }
    if (strcmp(name, "invalid-range.dmp") == 0 || strcmp(name, "invalid-record-count.dmp") == 0)
        CHECK(note(c, "stream_outside_file"));
    ds_close(d);
}

/* Every cut of a good dump opens damaged or fails; ASan sees over-reads
 * because each copy is exactly as long as the cut. */
static void check_truncations(const char *path)
{
    size_t len;
    unsigned char *all = slurp(path, &len);
    CHECK(all != NULL);
    if (!all)
        return;
    size_t step = len / 300 + 1;
    unsigned undetected = 0;
    for (size_t cut = 0; cut < len; cut += step) {
        unsigned char *copy = malloc(cut ? cut : 1);
        memcpy(copy, all, cut);
        ds_error err;
        ds_dump *d = ds_open_memory(copy, cut, NULL, &err);
        if (!d) {
            CHECK(err.text[0] != '\0');
        } else {
            if (!ds_dump_crash(d)->damaged)
                undetected++;
            char *j = ds_report_json(d, 0);
            CHECK(j != NULL);
            ds_free(j);
            ds_close(d);
        }
        free(copy);
    }
    if (undetected)
        fprintf(stderr, "%s: %u cuts not reported as damage\n", path, undetected);
    CHECK_EQ_U64(undetected, 0);
    free(all);
}

int main(void)
{
    char buf[1024];
    if (!corpus_path("user/minidump2.dmp", buf, sizeof buf))
        return CHECK_SKIP;

    for (size_t i = 0; i < sizeof expects / sizeof *expects; i++) {
        const expect *e = &expects[i];
        const char *path = corpus_path(e->file, buf, sizeof buf);
        CHECK(path != NULL);
        if (!path)
            continue;
        ds_error err;
        ds_dump *d = ds_open(path, NULL, &err);
        CHECK(d != NULL);
        if (!d) {
            fprintf(stderr, "%s: %s\n", e->file, err.text);
            continue;
        }
        check_one(e, ds_dump_crash(d));
        render(d);
        if (strcmp(e->file, "user/minidump2.dmp") == 0)
            minidump2_details(d);
        if (strcmp(e->file, "user/linux-x86_64.dmp") == 0)
            linux_x86_64_details(d);
        if (strcmp(e->file, "user/calc_win7_x64.dmp") == 0)
            calc_details(d);
        ds_close(d);
        if (strncmp(e->file, "user/", 5) == 0)
            check_truncations(path);
    }

    /* lldb's TruncatedMinidumps: cuts at 32, 100 and 20 KiB. */
    const char *lp = corpus_path("user/linux-x86_64.dmp", buf, sizeof buf);
    size_t len;
    unsigned char *all = lp ? slurp(lp, &len) : NULL;
    static const size_t cuts[] = {32, 100, 20 * 1024};
    for (size_t i = 0; all && i < sizeof cuts / sizeof *cuts; i++) {
        ds_error err;
        ds_dump *d = ds_open_memory(all, cuts[i], NULL, &err);
        CHECK(d == NULL || ds_dump_crash(d)->damaged);
        ds_close(d);
    }
    free(all);

    char dir[1024];
    if (corpus_path("bad", dir, sizeof dir)) {
        DIR *dp = opendir(dir);
        CHECK(dp != NULL);
        struct dirent *de;
        unsigned seen = 0;
        while (dp && (de = readdir(dp)) != NULL) {
            if (de->d_name[0] == '.')
                continue;
            char path[2048];
            snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
            check_bad(de->d_name, path);
            seen++;
        }
        if (dp)
            closedir(dp);
        CHECK(seen >= 6);
    }
    return check_report("test_minidump_corpus");
}
