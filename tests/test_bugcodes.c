/* The bug-check knowledge base: the generated table (bugcodes/codes-*.txt),
 * lookups, sub-case resolution, and the generator's validation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analysis/bugcodes.h"
#include "check.h"

static bool fully_described(const ds_bugcode_param *p)
{
    for (int i = 0; i < 4; i++) {
        if (p[i].role == DS_ROLE_UNKNOWN)
            return false;
        if (p[i].role != DS_ROLE_RESERVED && (!p[i].meaning || !*p[i].meaning))
            return false;
    }
    return true;
}

static void test_table(void)
{
    size_t n = ds_bugcode_count();
    CHECK(n >= 370);
    CHECK(ds_bugcode_at(n) == NULL);
    size_t full = 0, with_cases = 0, ncases = 0;
    for (size_t i = 0; i < n; i++) {
        const ds_bugcode *b = ds_bugcode_at(i);
        if (i > 0)
            CHECK(ds_bugcode_at(i - 1)->code < b->code); /* sorted, unique */
        CHECK(b->name && *b->name);
        CHECK((unsigned)b->cls < DS_CLASS_COUNT_);
        CHECK(ds_bugcode_lookup(b->code) == b);
        for (int j = 0; j < 4; j++)
            CHECK((unsigned)b->params[j].role < DS_ROLE_COUNT_);
        if (fully_described(b->params))
            full++;
        if (b->ncases) {
            with_cases++;
            ncases += b->ncases;
            for (size_t k = 0; k < b->ncases; k++) {
                CHECK(b->cases[k].param < 4);
                CHECK(b->cases[k].lo <= b->cases[k].hi);
                CHECK(b->cases[k].summary != NULL);
            }
        }
    }
    printf("bug codes: %zu, fully described: %zu, with sub-cases: %zu (%zu case ranges)\n", n,
           full, with_cases, ncases);
    CHECK(full >= 100);
    CHECK(ds_bugcode_lookup(0x12345678u) == NULL);
    CHECK(ds_bugcode_lookup(0) == NULL);
}

static void test_vocab(void)
{
    CHECK_STR(ds_param_role_name(DS_ROLE_FAULTING_ADDRESS), "faulting_address");
    CHECK_STR(ds_param_role_name(DS_ROLE_DRIVER_NAME_PTR), "driver_name_ptr");
    CHECK_STR(ds_param_role_name((ds_param_role)999), "?");
    CHECK_STR(ds_crash_class_name(DS_CLASS_HANG_WATCHDOG), "hang_watchdog");
    CHECK_STR(ds_crash_class_name((ds_crash_class)-1), "?");
    CHECK(ds_param_role_from_name("irp") == DS_ROLE_IRP);
    CHECK(ds_param_role_from_name("nope") == -1);
    CHECK(ds_crash_class_from_name("integrity_security") == DS_CLASS_INTEGRITY_SECURITY);
    for (int i = 0; i < DS_ROLE_COUNT_; i++)
        CHECK(ds_param_role_from_name(ds_param_role_name((ds_param_role)i)) == i);
    for (int i = 0; i < DS_CLASS_COUNT_; i++)
        CHECK(ds_crash_class_from_name(ds_crash_class_name((ds_crash_class)i)) == i);
}

static void check_roles(const ds_bugcode_param *p, ds_param_role a, ds_param_role b,
                        ds_param_role c, ds_param_role d)
{
    CHECK_EQ_U64(p[0].role, a);
    CHECK_EQ_U64(p[1].role, b);
    CHECK_EQ_U64(p[2].role, c);
    CHECK_EQ_U64(p[3].role, d);
}

static void test_facts(void)
{
    const ds_bugcode *b = ds_bugcode_lookup(0xA);
    CHECK(b != NULL);
    if (b) {
        CHECK_STR(b->name, "IRQL_NOT_LESS_OR_EQUAL");
        check_roles(b->params, DS_ROLE_FAULTING_ADDRESS, DS_ROLE_IRQL, DS_ROLE_ACCESS_TYPE,
                    DS_ROLE_FAULTING_IP);
    }
    b = ds_bugcode_lookup(0xD1);
    CHECK(b != NULL);
    if (b) {
        CHECK_STR(b->name, "DRIVER_IRQL_NOT_LESS_OR_EQUAL");
        CHECK_EQ_U64(b->cls, DS_CLASS_DRIVER_FAULT);
        check_roles(b->params, DS_ROLE_FAULTING_ADDRESS, DS_ROLE_IRQL, DS_ROLE_ACCESS_TYPE,
                    DS_ROLE_FAULTING_IP);
    }

    ds_bugcode_view v;
    uint64_t p7e[4] = {0xC0000005, 0xfffff80415a01004, 0xfffff80440104600, 0xfffff80440104000};
    ds_bugcode_resolve(0x1000007E, p7e, &v);
    CHECK(v.known);
    CHECK(!v.via_base_code);
    CHECK_EQ_U64(v.matched_code, 0x1000007E);
    CHECK_STR(v.name, "SYSTEM_THREAD_EXCEPTION_NOT_HANDLED_M");
    check_roles(v.params, DS_ROLE_EXCEPTION_CODE, DS_ROLE_FAULTING_IP, DS_ROLE_EXCEPTION_RECORD,
                DS_ROLE_CONTEXT_RECORD);

    /* An unlisted _M variant falls back to the base code and says so. */
    uint64_t pa[4] = {0x10, 2, 0, 0xfffff80412345678};
    ds_bugcode_resolve(0x1000000A, pa, &v);
    CHECK(v.known);
    CHECK(v.via_base_code);
    CHECK_EQ_U64(v.code, 0x1000000A);
    CHECK_EQ_U64(v.matched_code, 0xA);
    CHECK_STR(v.name, "IRQL_NOT_LESS_OR_EQUAL");
    CHECK_EQ_U64(v.params[0].role, DS_ROLE_FAULTING_ADDRESS);

    /* 0x9F: sub-case 3 is a blocked IRP, class power. */
    uint64_t p9f[4] = {3, 0xffffe00012340000, 0xfffff80012345678, 0xffffe00099990000};
    ds_bugcode_resolve(0x9F, p9f, &v);
    CHECK(v.known && v.subcase != NULL);
    CHECK_EQ_U64(v.cls, DS_CLASS_POWER);
    CHECK_EQ_U64(v.params[0].role, DS_ROLE_SUBCODE);
    CHECK_EQ_U64(v.params[1].role, DS_ROLE_DEVICE_OBJECT);
    CHECK_EQ_U64(v.params[3].role, DS_ROLE_IRP);
    CHECK(v.case_summary != NULL && v.params[3].meaning != NULL);
    /* 0x9F sub-case 4 is a PnP lock time-out: the roles change. */
    p9f[0] = 4;
    ds_bugcode_resolve(0x9F, p9f, &v);
    CHECK_EQ_U64(v.params[1].role, DS_ROLE_TIMEOUT);
    CHECK_EQ_U64(v.params[2].role, DS_ROLE_THREAD);
    /* An undocumented sub-code keeps the code's own description. */
    p9f[0] = 0x77;
    ds_bugcode_resolve(0x9F, p9f, &v);
    CHECK(v.subcase == NULL && v.case_summary == NULL);
    CHECK_EQ_U64(v.cls, DS_CLASS_POWER);
    CHECK_EQ_U64(v.params[3].role, DS_ROLE_UNKNOWN);

    /* 0x133: P1 = 0 single DPC vs 1 cumulative. */
    uint64_t p133[4] = {0, 0x501, 0x500, 0xfffff803648fa320};
    ds_bugcode_resolve(0x133, p133, &v);
    CHECK_EQ_U64(v.cls, DS_CLASS_HANG_WATCHDOG);
    CHECK(v.subcase != NULL);
    check_roles(v.params, DS_ROLE_SUBCODE, DS_ROLE_TIMEOUT, DS_ROLE_TIMEOUT, DS_ROLE_ADDRESS);
    p133[0] = 1;
    ds_bugcode_resolve(0x133, p133, &v);
    CHECK(v.subcase != NULL);
    check_roles(v.params, DS_ROLE_SUBCODE, DS_ROLE_TIMEOUT, DS_ROLE_ADDRESS, DS_ROLE_RESERVED);

    uint64_t p124[4] = {0, 0xffffc0012345000, 0xbe000000, 0x800400};
    ds_bugcode_resolve(0x124, p124, &v);
    CHECK_EQ_U64(v.cls, DS_CLASS_HARDWARE);
    CHECK_EQ_U64(v.params[1].role, DS_ROLE_WHEA_RECORD);
    CHECK_EQ_U64(ds_bugcode_lookup(0x124)->cls, DS_CLASS_HARDWARE);

    /* 0x1E access violation: P3/P4 become access type and address. */
    uint64_t p1e[4] = {0xC0000005, 0xfffff80412340000, 1, 0x28};
    ds_bugcode_resolve(0x1E, p1e, &v);
    CHECK_EQ_U64(v.params[2].role, DS_ROLE_ACCESS_TYPE);
    CHECK_EQ_U64(v.params[3].role, DS_ROLE_FAULTING_ADDRESS);

    /* 0xC4 by P1, 0x1A by P1, 0x139 by the fast-fail code. */
    uint64_t pc4[4] = {0x62, 0xffffe00011112222, 0, 5};
    ds_bugcode_resolve(0xC4, pc4, &v);
    CHECK_EQ_U64(v.params[1].role, DS_ROLE_DRIVER_NAME_PTR);
    uint64_t p1a[4] = {0x41792, 0xffff800000001000, 0x12345, 0};
    ds_bugcode_resolve(0x1A, p1a, &v);
    CHECK_EQ_U64(v.params[1].role, DS_ROLE_PTE);
    uint64_t p139[4] = {3, 0xfffff80012340000, 0xfffff80012340800, 0};
    ds_bugcode_resolve(0x139, p139, &v);
    CHECK(v.subcase != NULL);
    CHECK_EQ_U64(v.cls, DS_CLASS_MEMORY_CORRUPTION);
    CHECK_EQ_U64(v.params[1].role, DS_ROLE_TRAP_FRAME);
    CHECK_EQ_U64(v.params[2].role, DS_ROLE_EXCEPTION_RECORD);

    CHECK_EQ_U64(ds_bugcode_lookup(0xE2)->cls, DS_CLASS_MANUAL);
    CHECK_STR(ds_bugcode_lookup(0xDEADDEAD)->name, "MANUALLY_INITIATED_CRASH1");
    ds_bugcode_resolve(0xDEADDEAD, NULL, &v);
    CHECK(v.known && !v.via_base_code);
    CHECK_EQ_U64(v.cls, DS_CLASS_MANUAL);
    CHECK_EQ_U64(ds_bugcode_lookup(0x161)->cls, DS_CLASS_MANUAL);
    CHECK_EQ_U64(ds_bugcode_lookup(0x109)->cls, DS_CLASS_INTEGRITY_SECURITY);
    CHECK_EQ_U64(ds_bugcode_lookup(0xC0000221)->cls, DS_CLASS_INTEGRITY_SECURITY);
    CHECK_EQ_U64(ds_bugcode_lookup(0x7B)->cls, DS_CLASS_BOOT);
    CHECK_EQ_U64(ds_bugcode_lookup(0x24)->cls, DS_CLASS_FILE_SYSTEM);
    CHECK_EQ_U64(ds_bugcode_lookup(0xEF)->cls, DS_CLASS_SYSTEM_PROCESS);
    CHECK_EQ_U64(ds_bugcode_lookup(0x8E)->params[2].role, DS_ROLE_TRAP_FRAME);
    CHECK_EQ_U64(ds_bugcode_lookup(0xEA)->params[2].role, DS_ROLE_DRIVER_NAME_PTR);

    /* Unknown codes: never fails, says unknown. */
    ds_bugcode_resolve(0x7777, p1e, &v);
    CHECK(!v.known && !v.via_base_code && v.name == NULL && v.entry == NULL);
    CHECK_EQ_U64(v.cls, DS_CLASS_UNKNOWN);
    CHECK_EQ_U64(v.params[0].role, DS_ROLE_UNKNOWN);
    ds_bugcode_resolve(0x10007777, NULL, &v); /* bit 28, base unknown too */
    CHECK(!v.known && !v.via_base_code);
    ds_bugcode_resolve(0x3000007E, NULL, &v); /* not an _M variant */
    CHECK(!v.known);
}

/* Facts corrected against Microsoft's bug-check reference (issue 11): each
 * line here failed before the correction. */
static void test_corrections(void)
{
    /* A driver is at fault, not the hardware. */
    static const uint32_t driver_codes[] = {0x159, 0x1DC, 0x1E9, 0x40, 0xDA, 0xDC, 0xFD};
    for (size_t i = 0; i < sizeof driver_codes / sizeof *driver_codes; i++) {
        const ds_bugcode *b = ds_bugcode_lookup(driver_codes[i]);
        CHECK(b != NULL && b->cls == DS_CLASS_DRIVER_FAULT);
        CHECK(b != NULL && b->summary != NULL);
    }
    /* 0xEB: a deadlocked file-system stack, not corruption. */
    CHECK_EQ_U64(ds_bugcode_lookup(0xEB)->cls, DS_CLASS_FILE_SYSTEM);
    CHECK_EQ_U64(ds_bugcode_lookup(0xEB)->params[3].role, DS_ROLE_STATUS);
    CHECK_EQ_U64(ds_bugcode_lookup(0xFD)->params[3].role, DS_ROLE_STATUS);
    CHECK_EQ_U64(ds_bugcode_lookup(0x1E9)->params[0].role, DS_ROLE_DEVICE_OBJECT);
    /* Firmware errors: the class that blames no driver. */
    CHECK_EQ_U64(ds_bugcode_lookup(0xE0)->cls, DS_CLASS_HARDWARE);
    CHECK_EQ_U64(ds_bugcode_lookup(0xA5)->cls, DS_CLASS_HARDWARE);
    ds_bugcode_view v;
    uint64_t pa5[4] = {0x2, 0xffffe00011112222, 0, 0};
    ds_bugcode_resolve(0xA5, pa5, &v);
    CHECK_EQ_U64(v.cls, DS_CLASS_HARDWARE);

    /* 0xC4/0xB8: pages still mapped at IoFreeMdl; P4 is reserved. */
    uint64_t pc4[4] = {0xB8, 0xffffe00011112222, 0x8, 0};
    ds_bugcode_resolve(0xC4, pc4, &v);
    CHECK(v.subcase != NULL && v.subcase->lo == 0xB8 && v.subcase->hi == 0xB8);
    CHECK_EQ_U64(v.params[3].role, DS_ROLE_RESERVED);
    pc4[0] = 0xB2; /* its neighbours keep "the offending flag" in P4 */
    ds_bugcode_resolve(0xC4, pc4, &v);
    CHECK_EQ_U64(v.params[3].role, DS_ROLE_VALUE);
    /* 0x1A/0x8888, 0x8889: corrupt structures; P4 is not "the values that differ". */
    uint64_t p1a[4] = {0x8888, 0, 0, 0};
    ds_bugcode_resolve(0x1A, p1a, &v);
    CHECK(v.subcase != NULL && v.params[3].role == DS_ROLE_UNKNOWN);
    p1a[0] = 0x8889;
    ds_bugcode_resolve(0x1A, p1a, &v);
    CHECK(v.subcase != NULL && v.params[3].role == DS_ROLE_UNKNOWN);
    p1a[0] = 0x8886;
    ds_bugcode_resolve(0x1A, p1a, &v);
    CHECK_EQ_U64(v.params[3].role, DS_ROLE_VALUE);
    /* 0xD7 P1 is the address asked to be unmapped, not a failed access. */
    CHECK_EQ_U64(ds_bugcode_lookup(0xD7)->params[0].role, DS_ROLE_ADDRESS);

    /* Code addresses found in Microsoft's pages (blame evidence by role). */
    CHECK_EQ_U64(ds_bugcode_lookup(0x11B)->params[1].role, DS_ROLE_CODE_ADDRESS);
    CHECK_EQ_U64(ds_bugcode_lookup(0x141)->params[1].role, DS_ROLE_CODE_ADDRESS);
    CHECK_EQ_U64(ds_bugcode_lookup(0x19A)->params[0].role, DS_ROLE_CODE_ADDRESS);
    CHECK_EQ_U64(ds_bugcode_lookup(0x1A0)->params[3].role, DS_ROLE_CODE_ADDRESS);
    CHECK_EQ_U64(ds_bugcode_lookup(0x1D6)->params[0].role, DS_ROLE_CODE_ADDRESS);
    static const struct {
        uint32_t code;
        uint64_t p1;
        unsigned param;
    } code_cases[] = {{0xC4, 0x110, 1}, {0xC9, 0x12, 1}, {0xC9, 0x11, 1}, {0x10D, 0xF, 1},
                      {0xA0, 0x900, 1}};
    for (size_t i = 0; i < sizeof code_cases / sizeof *code_cases; i++) {
        uint64_t p[4] = {code_cases[i].p1, 0xfffff80412340000, 2, 2};
        ds_bugcode_resolve(code_cases[i].code, p, &v);
        CHECK(v.subcase != NULL);
        CHECK_EQ_U64(v.params[code_cases[i].param].role, DS_ROLE_CODE_ADDRESS);
    }
    /* 0x1EA: a driver touched PCI config space directly; 0xF2: the ISR's driver */
    CHECK_EQ_U64(ds_bugcode_lookup(0x1EA)->cls, DS_CLASS_DRIVER_FAULT);
    CHECK_EQ_U64(ds_bugcode_lookup(0x1EA)->params[3].role, DS_ROLE_FAULTING_IP);
    CHECK_EQ_U64(ds_bugcode_lookup(0xF2)->cls, DS_CLASS_DRIVER_FAULT);
    /* 0xC9/0x8 is about IoBuildAsynchronousFsdRequest, not an exception in a dispatch routine */
    uint64_t pc9[4] = {0x8, 0, 3, 0xC0000005};
    ds_bugcode_resolve(0xC9, pc9, &v);
    CHECK(v.case_summary && strstr(v.case_summary, "IoBuildAsynchronousFsdRequest"));

    /* Live dumps: the system kept running. */
    static const uint32_t live[] = {0xAB, 0x117, 0x141, 0x15E, 0x161, 0x175, 0x187,
                                    0x193, 0x1A8, 0x1B8, 0x1C4, 0x1F5, 0x21C8};
    for (size_t i = 0; i < sizeof live / sizeof *live; i++)
        CHECK(ds_bugcode_lookup(live[i]) && ds_bugcode_lookup(live[i])->live == DS_LIVE_ALWAYS);
    CHECK_EQ_U64(ds_bugcode_lookup(0x124)->live, DS_LIVE_SOMETIMES);
    CHECK_EQ_U64(ds_bugcode_lookup(0x144)->live, DS_LIVE_SOMETIMES);
    CHECK_EQ_U64(ds_bugcode_lookup(0x116)->live, DS_LIVE_NO);
    CHECK_EQ_U64(ds_bugcode_lookup(0x1A2)->live, DS_LIVE_NO); /* the _BUGCHECK twin */
    /* every code named *LIVEDUMP / *LIVE_DUMP is marked */
    for (size_t i = 0; i < ds_bugcode_count(); i++) {
        const ds_bugcode *b = ds_bugcode_at(i);
        if (strstr(b->name, "LIVEDUMP") || strstr(b->name, "LIVE_DUMP"))
            CHECK(b->live == DS_LIVE_ALWAYS);
    }
}

/* ------------------------------------------------------ generator rejects */

#ifdef DS_BUGCODES_GEN
static char tmpdir[] = "/tmp/ds_bugcodes_XXXXXX";

/* Run the generator on one file with this content; its exit status, and
 * whether stderr mentioned "want" (e.g. "file:3:"). */
static int run_gen(const char *content, const char *want)
{
    char in[256], out[256], err[256], cmd[1024];
    snprintf(in, sizeof in, "%s/in.txt", tmpdir);
    snprintf(out, sizeof out, "%s/out.c", tmpdir);
    snprintf(err, sizeof err, "%s/err.txt", tmpdir);
    FILE *f = fopen(in, "w");
    if (!f)
        return -1;
    fputs(content, f);
    fclose(f);
    remove(out);
    snprintf(cmd, sizeof cmd, "'%s' -o '%s' '%s' 2>'%s'", DS_BUGCODES_GEN, out, in, err);
    int st = system(cmd);
    int rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    if (want) {
        char buf[4096] = {0};
        f = fopen(err, "r");
        if (f) {
            size_t n = fread(buf, 1, sizeof buf - 1, f);
            buf[n] = 0;
            fclose(f);
        }
        if (!strstr(buf, want)) {
            fprintf(stderr, "generator stderr lacks \"%s\":\n%s", want, buf);
            return -2;
        }
    }
    if (rc != 0 && access(out, F_OK) == 0)
        return -3; /* wrote output despite the error */
    return rc;
}

#define GOOD "code: 0x0A\nname: IRQL_NOT_LESS_OR_EQUAL\nclass: driver_fault\n"

static void test_generator(void)
{
    if (!mkdtemp(tmpdir)) {
        CHECK(!"mkdtemp");
        return;
    }
    CHECK_EQ_U64(run_gen(GOOD "p1: faulting_address | The address.\np4: reserved\n"
                              "case: p1=1,2..3 | Cases.\n    class: power\n"
                              "    p2: irp | An IRP with \"quotes\", a \\ and ?\?=.\n",
                         NULL),
                 0);
    /* duplicate code, across records */
    CHECK_EQ_U64(run_gen(GOOD "\n" GOOD, "duplicate code"), 1);
    /* unknown role, unknown class, unknown field */
    CHECK_EQ_U64(run_gen(GOOD "p1: wild_pointer | x\n", "in.txt:4:"), 1);
    CHECK_EQ_U64(run_gen("code: 0xA\nname: X\nclass: crashy\n", "unknown class"), 1);
    CHECK_EQ_U64(run_gen(GOOD "colour: blue\n", "unknown field"), 1);
    /* malformed lines */
    CHECK_EQ_U64(run_gen(GOOD "this is not a field\n", "in.txt:4:"), 1);
    CHECK_EQ_U64(run_gen("code: 0xZZ\nname: X\nclass: manual\n", "bad code"), 1);
    CHECK_EQ_U64(run_gen("code: 0x100000000\nname: X\nclass: manual\n", "bad code"), 1);
    CHECK_EQ_U64(run_gen("name: X\n", "outside a record"), 1);
    CHECK_EQ_U64(run_gen("code: 1\nclass: manual\n", "no name"), 1);
    CHECK_EQ_U64(run_gen("code: 1\nname: X\n", "no class"), 1);
    CHECK_EQ_U64(run_gen("code: 1\nname: lower_case\nclass: manual\n", "bad name"), 1);
    CHECK_EQ_U64(run_gen(GOOD "p1: irql | one\np1: irql | two\n", "duplicate p1"), 1);
    CHECK_EQ_U64(run_gen(GOOD "summary: caf\xc3\xa9\n", "non-ASCII"), 1);
    CHECK_EQ_U64(run_gen(GOOD "p1: irql |\n", "empty parameter meaning"), 1);
    /* cases: bad key, overlap, field order, indentation */
    CHECK_EQ_U64(run_gen(GOOD "case: p5=1 | x\n", "case key"), 1);
    CHECK_EQ_U64(run_gen(GOOD "case: p1=1 | x\ncase: p1=0..2 | y\n", "overlaps"), 1);
    CHECK_EQ_U64(run_gen(GOOD "case: p1=3..1 | x\n", "bad case range"), 1);
    CHECK_EQ_U64(run_gen(GOOD "case: p1=1\n", "case:"), 1);
    CHECK_EQ_U64(run_gen(GOOD "case: p1=1 | x\np2: irql | late\n", "after a case"), 1);
    CHECK_EQ_U64(run_gen(GOOD "    p2: irql | stray\n", "outside a case"), 1);
    CHECK_EQ_U64(run_gen(GOOD "case: p1=1 | x\n    name: Y\n", "not allowed in a case"), 1);
    CHECK_EQ_U64(run_gen("# only a comment\n", "no records"), 1);
    /* live: always | sometimes, once */
    CHECK_EQ_U64(run_gen(GOOD "live: always\n", NULL), 0);
    CHECK_EQ_U64(run_gen(GOOD "live: maybe\n", "bad live"), 1);
    CHECK_EQ_U64(run_gen(GOOD "live: always\nlive: sometimes\n", "duplicate live"), 1);

    char path[300];
    const char *names[] = {"in.txt", "out.c", "err.txt"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", tmpdir, names[i]);
        remove(path);
    }
    rmdir(tmpdir);
}
#endif

int main(void)
{
    test_table();
    test_vocab();
    test_facts();
    test_corrections();
#ifdef DS_BUGCODES_GEN
    test_generator();
#else
    printf("generator path not configured: generator checks skipped\n");
#endif
    return check_report("test_bugcodes");
}
