/*
 * The facts a kernel engineer acts on (issue 11): the records the bug-check
 * parameters name, decoded into the crash model once (exception record of
 * 0x7E, context record, trap frame by parameter or found on the stack), and
 * the access type and target address of every bug check that has one,
 * decoded through bugcodes/access.txt per Windows build and architecture.
 * Synthetic dumps from the generator with the header parameters set to each
 * case; the data table itself is checked against the knowledge base.
 */
#include <stdlib.h>
#include <unistd.h>

#include "analysis/access.h"
#include "analysis/bugcodes.h"
#include "analysis/facts.h"
#include "io/md5.h"
#include "check.h"
#include "dsgen.h"
#include "dumpscan/dumpscan.h"

static char tmpdir[] = "/tmp/ds-fault-facts-XXXXXX";

/* ------------------------------------------------------------ the table */

static void table_checks(void)
{
    CHECK_EQ_U64(ds_access_validate(), 0);
    /* every bug check (or sub-case) with an access_type parameter has a rule */
    for (size_t i = 0; i < ds_bugcode_count(); i++) {
        const ds_bugcode *b = ds_bugcode_at(i);
        bool has = false;
        for (int p = 0; p < 4; p++)
            has |= b->params[p].role == DS_ROLE_ACCESS_TYPE;
        for (size_t k = 0; k < b->ncases; k++)
            for (int p = 0; p < 4; p++)
                has |= b->cases[k].params[p].role == DS_ROLE_ACCESS_TYPE;
        if (has && !ds_access_known_bugcheck(b->code)) {
            fprintf(stderr, "bug check 0x%X has an access_type parameter but no rule\n",
                    b->code);
            CHECK(!"access rule missing");
        }
    }
    const ds_arch X64 = DS_ARCH_X64, X86 = DS_ARCH_X86, A64 = DS_ARCH_ARM64;
    /* 0xA P3: bit 0 write, bit 3 execute */
    CHECK_STR(ds_access_bugcheck(0xA, true, 0, 19041, X64), "read");
    CHECK_STR(ds_access_bugcheck(0xA, true, 1, 19041, X64), "write");
    CHECK_STR(ds_access_bugcheck(0xA, true, 8, 19041, X64), "execute");
    CHECK_STR(ds_access_bugcheck(0xA, true, 9, 19041, X64), "execute");
    /* 0xD1 P3: 2 and 8 are both execute */
    CHECK_STR(ds_access_bugcheck(0xD1, true, 1, 19041, X64), "write");
    CHECK_STR(ds_access_bugcheck(0xD1, true, 2, 19041, X64), "execute");
    CHECK_STR(ds_access_bugcheck(0xD1, true, 8, 19041, X64), "execute");
    CHECK(ds_access_bugcheck(0xD1, true, 5, 19041, X64) == NULL);
    /* 0x50 P2: 0/2/0x10 since build 10240 on x64 and x86; 0/1/8 before and on ARM */
    CHECK_STR(ds_access_bugcheck(0x50, true, 0, 19041, X64), "read");
    CHECK_STR(ds_access_bugcheck(0x50, true, 2, 19041, X64), "write");
    CHECK_STR(ds_access_bugcheck(0x50, true, 0x10, 19041, X86), "execute");
    CHECK(ds_access_bugcheck(0x50, true, 1, 19041, X64) == NULL);
    CHECK_STR(ds_access_bugcheck(0x50, true, 1, 7601, X64), "write");
    CHECK_STR(ds_access_bugcheck(0x50, true, 8, 9600, X86), "execute");
    CHECK_STR(ds_access_bugcheck(0x50, true, 1, 19041, A64), "write");
    CHECK_STR(ds_access_bugcheck(0x10000050, true, 2, 22621, X64), "write");
    /* 0x1E access-violation sub-case P3 */
    CHECK_STR(ds_access_bugcheck(0x1E, true, 1, 19041, X64), "write");
    CHECK_STR(ds_access_bugcheck(0x1E, true, 8, 19041, X64), "execute");
    /* codes whose access is their meaning */
    CHECK_STR(ds_access_bugcheck(0xBE, false, 0, 19041, X64), "write");
    CHECK_STR(ds_access_bugcheck(0xFC, false, 0, 19041, X64), "execute");
    CHECK(ds_access_bugcheck(0xD1, false, 0, 19041, X64) == NULL);
    /* the 0/1 codes */
    static const uint32_t zero_one[] = {0xC5, 0xC6, 0xCC, 0xCD, 0xCE, 0xCF, 0xD0,
                                        0xD3, 0xD4, 0xD5, 0xD6, 0xDB};
    for (size_t i = 0; i < sizeof zero_one / sizeof *zero_one; i++) {
        CHECK_STR(ds_access_bugcheck(zero_one[i], true, 0, 19041, X64), "read");
        CHECK_STR(ds_access_bugcheck(zero_one[i], true, 1, 19041, X64), "write");
    }
    /* exception records: [0] 0/1/8; in-page errors keep their NTSTATUS in [2] */
    ds_exception e = {.code = 0xC0000005, .nparams = 2, .params = {8, 0x1234}};
    int st;
    CHECK_STR(ds_access_exception(&e, &st), "execute");
    CHECK(st == -1);
    e.code = 0xC0000006;
    e.nparams = 3;
    e.params[0] = 0;
    e.params[2] = 0xC000009C;
    CHECK_STR(ds_access_exception(&e, &st), "read");
    CHECK(st == 2);
    e.code = 0x80000003;
    CHECK(ds_access_exception(&e, &st) == NULL);
    /* NTSTATUS sub-cases compare the low 32 bits (x64 sign-extends P1) */
    uint64_t p[4] = {0xFFFFFFFFC0000005ull, 0xFFFFF80415A01004ull, 1, 0x1234};
    ds_bugcode_view v;
    ds_bugcode_resolve(0x1E, p, &v);
    CHECK(v.subcase != NULL);
    CHECK_EQ_U64(v.params[2].role, DS_ROLE_ACCESS_TYPE);
    CHECK_EQ_U64(v.params[3].role, DS_ROLE_FAULTING_ADDRESS);
}

/* MD5 (RFC 1321 test vectors and the padding edges) and the offsets table. */
static void md5_and_offsets(void)
{
    static const struct {
        const char *in;
        size_t repeat;
        const char *hex;
    } v[] = {{"", 1, "d41d8cd98f00b204e9800998ecf8427e"},
             {"abc", 1, "900150983cd24fb0d6963f7d28e17f72"},
             {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
              "8215ef0796a20bcaaae116d3876c664a"},
             {"a", 55, "ef1772b6dff9a122358552954ad0df65"},
             {"a", 56, "3b0c8ac703f828b04c6c197006d17218"},
             {"a", 64, "014842d480b571495a4a0363793f7367"}};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        char in[128] = "", hex[33];
        for (size_t k = 0; k < v[i].repeat; k++)
            strcat(in, v[i].in);
        uint8_t d[16];
        ds_md5(in, strlen(in), d);
        for (int k = 0; k < 16; k++)
            snprintf(hex + 2 * k, 3, "%02x", d[k]);
        CHECK_STR(hex, v[i].hex);
    }
    uint32_t off = 0;
    CHECK(ds_kernel_offset("EPROCESS.ImageFileName", DS_ARCH_X64, 19041, &off));
    CHECK_EQ_U64(off, 0x5a8);
    CHECK(ds_kernel_offset("EPROCESS.ImageFileName", DS_ARCH_X64, 26100, &off));
    CHECK_EQ_U64(off, 0x338);
    CHECK(ds_kernel_offset("EPROCESS.ImageFileName", DS_ARCH_X64, 17763, &off));
    CHECK_EQ_U64(off, 0x450);
    /* a build no line covers gives nothing, never a guess */
    CHECK(!ds_kernel_offset("EPROCESS.ImageFileName", DS_ARCH_X86, 10240, &off));
    CHECK(!ds_kernel_offset("EPROCESS.ImageFileName", DS_ARCH_X64, 30000, &off));
    CHECK(!ds_kernel_offset("EPROCESS.Nothing", DS_ARCH_X64, 19041, &off));
}

/* FOLLOWUP_NAME: the vendor of a third-party suspect, else MachineOwner. */
static void followup_checks(void)
{
    ds_module mod;
    memset(&mod, 0, sizeof mod);
    ds_crash c;
    memset(&c, 0, sizeof c);
    c.modules = &mod;
    c.nmodules = 1;
    CHECK(ds_followup_name(&c) == NULL); /* no verdict */
    c.has_verdict = true;
    CHECK(ds_followup_name(&c) == NULL); /* no suspect */
    c.verdict.has_suspect = true;
    c.verdict.suspect.module = (ds_u64){0, true};
    mod.owner = "third_party";
    mod.company_name = (char *)"Contoso Ltd.";
    CHECK_STR(ds_followup_name(&c), "Contoso Ltd.");
    mod.owner = "microsoft";
    mod.company_name = (char *)"Microsoft Corporation";
    CHECK_STR(ds_followup_name(&c), "MachineOwner");
    mod.owner = NULL; /* unknown */
    mod.company_name = NULL;
    CHECK_STR(ds_followup_name(&c), "MachineOwner");
    c.verdict.suspect.module = (ds_u64){0, false}; /* an unloaded driver */
    CHECK_STR(ds_followup_name(&c), "MachineOwner");
}

/* ------------------------------------------------------ synthetic dumps */

typedef void (*tweak_fn)(gen_spec *s);

static ds_dump *open_case(int arch, uint32_t type, const char *scenario, tweak_fn tweak,
                          gen_spec *s, const char *name)
{
    char path[256], err[256];
    gen_spec_default(s, arch, false, type);
    if (scenario && gen_spec_scenario(s, scenario) != 0) {
        CHECK(!"unknown scenario");
        return NULL;
    }
    if (tweak)
        tweak(s);
    snprintf(path, sizeof path, "%s/%s.dmp", tmpdir, name);
    if (gen_write(s, path, err, sizeof err) != 0) {
        fprintf(stderr, "%s: %s\n", name, err);
        CHECK(!"gen_write failed");
        return NULL;
    }
    ds_error e;
    ds_dump *d = ds_open(path, NULL, &e);
    unlink(path);
    if (!d) {
        fprintf(stderr, "%s: %s\n", name, e.text);
        CHECK(!"ds_open failed");
    }
    return d;
}

static bool has_text(ds_dump *d, unsigned flags, const char *needle)
{
    char *t = ds_report_text(d, flags);
    bool r = t && strstr(t, needle);
    if (!r)
        fprintf(stderr, "report lacks \"%s\":\n%s\n", needle, t ? t : "(null)");
    ds_free(t);
    return r;
}

static bool lacks_text(ds_dump *d, unsigned flags, const char *needle)
{
    char *t = ds_report_text(d, flags);
    bool r = t && !strstr(t, needle);
    ds_free(t);
    return r;
}

/* DUMP_INTEGRITY's word belongs to the dump, not to -v: a dump whose notes
 * are all informational (here: no symbol path) is "ok" both ways, and -v
 * lists the notes under it. */
static void integrity_word_case(void)
{
    gen_spec s;
    unsetenv("DUMPSCAN_SYMBOL_PATH"); /* the info note: no symbol path */
    unsetenv("_NT_SYMBOL_PATH");
    ds_dump *d = open_case(DS_ARCH_X64, 4, NULL, NULL, &s, "integrity-word");
    if (!d)
        return;
    const ds_crash *c = ds_dump_crash(d);
    size_t info = 0, other = 0;
    for (size_t i = 0; i < c->nnotes; i++)
        c->notes[i].severity == DS_INFO ? info++ : other++;
    CHECK(info > 0 && other == 0 && !c->damaged);
    CHECK(has_text(d, 0, "DUMP_INTEGRITY: ok\n"));
    CHECK(has_text(d, DS_TEXT_VERBOSE, "DUMP_INTEGRITY: ok\n  info "));
    ds_close(d);
}

/* 0x7E's P3 is the real exception, not the header's breakpoint. */
static void victimflt_case(int arch)
{
    gen_spec s;
    ds_dump *d = open_case(arch, 4, "victimflt", NULL, &s, "victimflt");
    if (!d)
        return;
    const ds_crash *c = ds_dump_crash(d);
    const ds_fault_records *r = &c->records;
    CHECK(r->has_exception);
    CHECK_KNOWN(r->exception_param, 3);
    CHECK_EQ_U64(r->exception_va, s.bugcheck_params[2]);
    CHECK_EQ_U64(r->exception.code, 0xC0000005);
    CHECK_EQ_U64(r->exception.address, s.bugcheck_params[1]);
    CHECK_EQ_U64(r->exception.nparams, 2);
    CHECK(r->has_context);
    CHECK_KNOWN(r->context_param, 4);
    CHECK_EQ_U64(r->context.pc, s.bugcheck_params[1]);
    CHECK(c->has_exception && c->exception.code == 0x80000003); /* the header's */
    CHECK_STR(c->verdict.access, "read");
    CHECK_KNOWN(c->verdict.faulting_address, 0);
    char want[96];
    snprintf(want, sizeof want, "code c0000005 at %" PRIx64, s.bugcheck_params[1]);
    CHECK(has_text(d, 0, want));
    CHECK(has_text(d, 0, "EXCEPTION_RECORD:"));
    CHECK(has_text(d, 0, "from P3"));
    CHECK(lacks_text(d, 0, "80000003"));
    CHECK(has_text(d, 0, arch == DS_ARCH_X64 || arch == DS_ARCH_ARM64
                             ? "READ_ADDRESS:  0000000000000000\n"
                             : "READ_ADDRESS:  00000000\n"));
    CHECK(has_text(d, DS_TEXT_VERBOSE, "HEADER_EXCEPTION: code 80000003"));
    CHECK(has_text(d, DS_TEXT_VERBOSE, "own breakpoint"));
    /* the !analyze facts */
    const ds_facts *f = &c->facts;
    CHECK_STR(f->bugcheck_str, "AV");
    char cmd[64];
    snprintf(cmd, sizeof cmd, ".cxr 0x%" PRIx64 " ; kb", s.bugcheck_params[3]);
    CHECK_STR(f->stack_command, cmd);
    CHECK_STR(f->followup_name, "MachineOwner");
    uint8_t md[16];
    char hash[40];
    ds_md5(c->verdict.bucket, strlen(c->verdict.bucket), md);
    snprintf(hash, sizeof hash, "{%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
             "%02x%02x%02x%02x%02x%02x}", md[0], md[1], md[2], md[3], md[4], md[5], md[6],
             md[7], md[8], md[9], md[10], md[11], md[12], md[13], md[14], md[15]);
    CHECK_STR(f->failure_id_hash, hash);
    CHECK(has_text(d, 0, "EXCEPTION_CODE_STR: c0000005 (STATUS_ACCESS_VIOLATION)\n"));
    CHECK(has_text(d, 0, "EXCEPTION_PARAMETER1: "));
    CHECK(has_text(d, 0, "BUGCHECK_STR:  AV\n"));
    CHECK(has_text(d, 0, "FAILURE_ID_HASH: {"));
    ds_close(d);
}

/* 0xD1 names no record: the trap frame of the page fault is on the stack. */
static void irqltrap_case(int arch)
{
    gen_spec s;
    ds_dump *d = open_case(arch, 4, "irqltrap", NULL, &s, "irqltrap");
    if (!d)
        return;
    const ds_crash *c = ds_dump_crash(d);
    const ds_fault_records *r = &c->records;
    CHECK(r->has_trap);
    CHECK(!r->trap_param.known); /* found on the stack */
    CHECK_EQ_U64(r->trap.pc, s.bugcheck_params[3]);
    CHECK(!r->has_exception && !r->has_context);
    CHECK(c->nstacks > 0 && c->stacks[0].nframes > 0 &&
          c->stacks[0].frames[0].pc == s.bugcheck_params[3]);
    CHECK(has_text(d, 0, "TRAP_FRAME:"));
    CHECK(has_text(d, 0, "found on the stack"));
    CHECK_KNOWN(c->facts.current_irql, 2);
    CHECK_STR(c->facts.bugcheck_str, "0xD1");
    char cmd[64];
    snprintf(cmd, sizeof cmd, ".trap 0x%" PRIx64 " ; kb", r->trap_va);
    CHECK_STR(c->facts.stack_command, cmd);
    CHECK(has_text(d, 0, "CURRENT_IRQL:  2\n"));
    ds_close(d);
}

static const char *g_pname;
static uint32_t g_poff, g_pbuild;

static void set_process(gen_spec *s)
{
    s->process_name = g_pname;
    s->process_name_offset = g_poff;
    s->build = g_pbuild;
}

/* PROCESS_NAME: read at the build's offset, shown only when it is a name. */
static void process_case(uint32_t type, const char *name, uint32_t off, uint32_t build,
                         const char *want)
{
    g_pname = name;
    g_poff = off;
    g_pbuild = build;
    gen_spec s;
    ds_dump *d = open_case(DS_ARCH_X64, type, NULL, set_process, &s, "process");
    if (!d)
        return;
    const ds_crash *c = ds_dump_crash(d);
    CHECK(s.out_process_va != 0);
    if (want) {
        CHECK_STR(c->facts.process_name, want);
        CHECK_KNOWN(c->facts.process, s.out_process_va);
        char line[64];
        snprintf(line, sizeof line, "PROCESS_NAME:  %s\n", want);
        CHECK(has_text(d, 0, line));
    } else {
        if (c->facts.process_name)
            fprintf(stderr, "PROCESS_NAME \"%s\" shown for build %u\n",
                    c->facts.process_name, build);
        CHECK(c->facts.process_name == NULL && !c->facts.process.known);
        CHECK(lacks_text(d, 0, "PROCESS_NAME"));
    }
    ds_close(d);
}

static uint32_t g_os_build, g_os_product;

static void set_os(gen_spec *s)
{
    s->build = g_os_build;
    s->product_type = g_os_product;
}

/* OSNAME from version, build and product type. */
static void os_case(uint32_t build, uint32_t product, const char *name, const char *product_s)
{
    g_os_build = build;
    g_os_product = product;
    gen_spec s;
    ds_dump *d = open_case(DS_ARCH_X64, 1, NULL, set_os, &s, "os");
    if (!d)
        return;
    const ds_facts *f = &ds_dump_crash(d)->facts;
    CHECK_STR(f->os_name, name);
    if (product_s)
        CHECK_STR(f->os_product, product_s);
    else
        CHECK(f->os_product == NULL);
    char want[64];
    snprintf(want, sizeof want, "OSNAME:        %s\n", name);
    CHECK(has_text(d, 0, want));
    ds_close(d);
}

static uint64_t g_p[4];
static uint32_t g_code, g_build;
static bool g_set[4];
static int g_ip_index = -1; /* access_case: this parameter is set to the address too */

static void set_params(gen_spec *s)
{
    if (g_code)
        s->bugcheck_code = g_code;
    gen_spec_update_context(s);
    for (int i = 0; i < 4; i++)
        if (g_set[i])
            s->bugcheck_params[i] = g_p[i];
    if (g_build)
        s->build = g_build;
}

/* One bug check with its parameters set: the access and the address. */
static void access_case(int arch, uint32_t code, uint32_t build, int pi, uint64_t pv,
                        int ai, uint64_t addr, const char *want)
{
    memset(g_set, 0, sizeof g_set);
    g_code = code;
    g_build = build;
    if (pi >= 0) {
        g_p[pi] = pv;
        g_set[pi] = true;
    }
    if (ai >= 0) {
        g_p[ai] = addr;
        g_set[ai] = true;
    }
    if (g_ip_index >= 0) {
        g_p[g_ip_index] = addr;
        g_set[g_ip_index] = true;
    }
    gen_spec s;
    char name[64];
    snprintf(name, sizeof name, "access-%x-%" PRIx64 "-%d", code, pv, g_ip_index);
    ds_dump *d = open_case(arch, 4, NULL, set_params, &s, name);
    if (!d)
        return;
    const ds_crash *c = ds_dump_crash(d);
    if (!c->verdict.access || strcmp(c->verdict.access, want) != 0)
        fprintf(stderr, "bug check 0x%X P%d=0x%" PRIx64 " build %u: access %s, want %s\n",
                code, pi + 1, pv, build, c->verdict.access ? c->verdict.access : "(null)",
                want);
    CHECK_STR(c->verdict.access, want);
    if (ai >= 0) {
        CHECK_KNOWN(c->verdict.faulting_address, addr);
        char line[64];
        snprintf(line, sizeof line, "%s_ADDRESS:%*s%016" PRIx64 "\n",
                 strcmp(want, "read") == 0 ? "READ" : strcmp(want, "write") == 0 ? "WRITE"
                                                                                 : "EXECUTE",
                 strcmp(want, "execute") == 0 ? 1 : strcmp(want, "read") == 0 ? 2 : 1, "",
                 addr);
        CHECK(has_text(d, 0, line));
    }
    ds_close(d);
}

/* 0x1A8: a black-screen live dump someone asked for (hotkey, power button
 * hold ...): a snapshot, not a driver's crash, so nobody is blamed. */
static void blackscreen_case(uint64_t source, const char *meaning)
{
    memset(g_set, 0, sizeof g_set);
    g_code = 0x1A8;
    g_build = 19041;
    g_p[0] = source;
    g_set[0] = true;
    gen_spec s;
    char name[64];
    snprintf(name, sizeof name, "blackscreen-%" PRIx64, source);
    ds_dump *d = open_case(DS_ARCH_X64, 4, NULL, set_params, &s, name);
    if (!d)
        return;
    const ds_crash *c = ds_dump_crash(d);
    CHECK_STR(c->verdict.title, "VIDEO_DXGKRNL_BLACK_SCREEN_LIVEDUMP");
    CHECK_STR(c->verdict.crash_class, "manual");
    CHECK(c->verdict.live_dump);
    CHECK(!c->verdict.has_suspect);
    CHECK(c->verdict.confidence == DS_CONFIDENCE_NONE);
    CHECK(c->verdict.param_meaning[0] && strstr(c->verdict.param_meaning[0], meaning));
    CHECK(c->verdict.description && strstr(c->verdict.description, "black screen"));
    ds_close(d);
}

/* WinDbg leaves IMAGE_VERSION out when it has no version resource; so do we
 * (the generator's drivers carry none), rather than printing "unknown". */
static void image_version_case(void)
{
    gen_spec s;
    ds_dump *d = open_case(DS_ARCH_X64, 4, NULL, NULL, &s, "image-version");
    if (!d)
        return;
    const ds_crash *c = ds_dump_crash(d);
    CHECK(c->verdict.has_suspect);
    CHECK(has_text(d, 0, "IMAGE_NAME:"));
    CHECK(lacks_text(d, 0, "IMAGE_VERSION"));
    ds_close(d);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    table_checks();
    md5_and_offsets();
    followup_checks();
    process_case(1, "System", 0x5A8, 19041, "System");
    process_case(5, "svchost.exe", 0x5A8, 22621, "svchost.exe");
    process_case(1, "System", 0x450, 17763, "System");
    process_case(1, "System", 0x5A8, 17763, NULL);       /* not where 17763 keeps it */
    process_case(1, "System", 0x5A8, 30000, NULL);       /* a build no line covers */
    process_case(1, "\x01\x02garbage", 0x5A8, 19041, NULL); /* not a name */
    process_case(1, "ABCDEFGHIJKLMNOP", 0x5A8, 19041, NULL);   /* no terminator */
    os_case(19041, 1, "Windows 10", "client");
    os_case(22621, 1, "Windows 11", "client");
    os_case(17763, 3, "Windows Server 2019", "server");
    os_case(20348, 2, "Windows Server 2022", "domain_controller");
    os_case(19041, 7, "Windows NT 10.0", NULL); /* a product type that is none of the three */
    integrity_word_case();
    victimflt_case(DS_ARCH_X64);
    victimflt_case(DS_ARCH_X86);
    victimflt_case(DS_ARCH_ARM64);
    irqltrap_case(DS_ARCH_X64);
    irqltrap_case(DS_ARCH_X86);
    const int X64 = DS_ARCH_X64, A64 = DS_ARCH_ARM64;
    const uint64_t va = 0xFFFFF80430F00040ull;
    access_case(X64, 0xA, 0, 2, 1, 0, va, "write");
    access_case(X64, 0xA, 0, 2, 8, 0, va, "execute");
    access_case(X64, 0xD1, 0, 2, 2, 0, va, "execute");
    access_case(X64, 0xD1, 0, 2, 1, 0, va, "write");
    access_case(X64, 0x50, 19041, 1, 2, 0, va, "write");
    access_case(X64, 0x50, 19041, 1, 0x10, 0, va, "execute");
    access_case(X64, 0x50, 19041, 1, 0, 0, va, "read");
    access_case(X64, 0x50, 7601, 1, 1, 0, va, "write");
    access_case(A64, 0x50, 19041, 1, 1, 0, va, "write");
    access_case(X64, 0x1E, 0, 2, 1, 3, va, "write");
    access_case(X64, 0x1E, 0, 2, 8, 3, va, "execute");
    access_case(X64, 0xBE, 0, -1, 0, 0, va, "write");
    access_case(X64, 0xFC, 0, -1, 0, 0, va, "execute");
    access_case(X64, 0xD5, 0, 1, 1, 0, va, "write");
    access_case(X64, 0xD6, 0, 1, 0, 0, va, "read");
    /* every other bug check with an access parameter, as Microsoft's pages
     * number them: 0/1 in P2 or (with the IRQL in P2) in P3 */
    static const struct { uint32_t code; int pi; } rw[] = {
        {0xC5, 2}, {0xC6, 1}, {0xCC, 1}, {0xCD, 1}, {0xCE, 1}, {0xCF, 1},
        {0xD0, 2}, {0xD3, 2}, {0xD4, 2}, {0xDB, 2},
    };
    for (size_t i = 0; i < sizeof rw / sizeof rw[0]; i++) {
        access_case(X64, rw[i].code, 19041, rw[i].pi, 0, 0, va, "read");
        access_case(X64, rw[i].code, 19041, rw[i].pi, 1, 0, va, "write");
    }
    /* the referenced address is the faulting instruction's: execute, even
     * with P2 = 0 (0xCE running an unloaded driver's code) */
    g_ip_index = 2;
    access_case(X64, 0xCE, 19041, 1, 0, 0, va, "execute");
    access_case(X64, 0xD5, 19041, 1, 1, 0, va, "execute");
    g_ip_index = 3;
    access_case(X64, 0xD0, 19041, 2, 0, 0, va, "execute");
    g_ip_index = -1;
    blackscreen_case(0x1, "hotkey");
    blackscreen_case(0x8, "power button");
    blackscreen_case(0xA, "mode set");
    image_version_case();
    rmdir(tmpdir);
    return check_report("test_fault_facts");
}
