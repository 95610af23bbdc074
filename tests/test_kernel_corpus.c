/*
 * Real kernel dumps from ../shared/corpus: every header, triage-header and
 * register fact that rizin's own test expects (read from its expectation
 * file, not restated here), plus the facts corpus/README.md records.
 */
#include "check.h"
#include "dumpscan/dumpscan.h"

#include <ctype.h>

/* "  Name : 0x1234" or "name = 0x1234" lines of an expected file. */
typedef struct fact {
    char name[64];
    uint64_t value;
} fact;

static size_t load_facts(const char *path, fact *out, size_t max)
{
    FILE *f = fopen(path, "r");
    char line[512];
    size_t n = 0;
    if (!f)
        return 0;
    while (n < max && fgets(line, sizeof line, f)) {
        char name[64];
        unsigned long long v;
        if (sscanf(line, " %63[A-Za-z0-9_] : 0x%llx", name, &v) == 2 ||
            sscanf(line, " %63[a-z0-9] = 0x%llx", name, &v) == 2) {
            snprintf(out[n].name, sizeof out[n].name, "%s", name);
            out[n++].value = v;
        }
    }
    fclose(f);
    return n;
}

static const fact *find(const fact *f, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(f[i].name, name) == 0)
            return &f[i];
    return NULL;
}

/* Compare a model value with the expected fact of that name, if listed. */
#define EXPECT(name, val)                                                            \
    do {                                                                             \
        const fact *e_ = find(facts, nfacts, name);                                  \
        CHECK(e_ != NULL);                                                           \
        if (e_)                                                                      \
            CHECK_EQ_U64(val, e_->value);                                            \
    } while (0)

static const ds_module *module_named(const ds_crash *c, const char *name)
{
    for (size_t i = 0; i < c->nmodules; i++)
        if (strcmp(c->modules[i].name, name) == 0)
            return &c->modules[i];
    return NULL;
}

static void triage_x64(const char *dump, const char *expected)
{
    fact facts[128];
    size_t nfacts = load_facts(expected, facts, 128);
    CHECK(nfacts > 40);
    ds_error err;
    ds_dump *d = ds_open(dump, NULL, &err);
    CHECK(d != NULL);
    if (!d)
        return;
    const ds_crash *c = ds_dump_crash(d);
    const ds_kernel_info *k = &c->kernel;

    /* DUMP_HEADER64 as rizin prints it */
    EXPECT("MajorVersion", k->major_version.value);
    EXPECT("MinorVersion", k->build.value);
    EXPECT("DirectoryTableBase", k->directory_table_base.value);
    EXPECT("PfnDataBase", k->pfn_database.value);
    EXPECT("PsLoadedModuleList", k->ps_loaded_module_list.value);
    EXPECT("PsActiveProcessHead", k->ps_active_process_head.value);
    EXPECT("MachineImageType", c->machine);
    EXPECT("NumberProcessors", c->cpus.value);
    EXPECT("BugCheckCode", c->bugcheck.code);
    EXPECT("BugCheckParameter1", c->bugcheck.params[0]);
    EXPECT("BugCheckParameter2", c->bugcheck.params[1]);
    EXPECT("BugCheckParameter3", c->bugcheck.params[2]);
    EXPECT("BugCheckParameter4", c->bugcheck.params[3]);
    EXPECT("KdDebuggerDataBlock", k->kd_debugger_data_block.value);
    EXPECT("ProductType", k->product_type.value);
    EXPECT("SuiteMask", k->suite_mask.value);
    /* rizin prints the raw fill; we must call it unknown, never a value */
    EXPECT("SecondaryDataState", 0x45474150u);
    CHECK(!k->secondary_data_state.known);

    /* TRIAGE_DUMP64 */
    EXPECT("SizeOfDump", k->triage.size_of_dump);
    EXPECT("DriverCount", k->triage.driver_count);
    EXPECT("DriverCount", c->nmodules);
    EXPECT("TopOfStack", k->triage.stack_low);
    EXPECT("SizeOfCallStack", k->triage.stack_size);
    EXPECT("DataBlocksCount", k->triage.data_blocks);
    EXPECT("TriageOptions", k->triage.triage_options);
    CHECK(k->triage.valid_marker);
    CHECK(k->triage.kdbg_copy);
    CHECK(k->kdbg_plain);

    /* rizin's `dr`: the crashing CPU's registers at bug-check time */
    CHECK(k->crashing_cpu.known);
    if (k->crashing_cpu.known) {
        const ds_processor *p = &k->processors[k->crashing_cpu.value];
        static const char *const regs[] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp",
                                           "rsi", "rdi", "r8",  "r9",  "r10", "r11",
                                           "r12", "r13", "r14", "r15"};
        CHECK(p->has_context);
        for (unsigned i = 0; i < 16; i++)
            EXPECT(regs[i], p->context.regs[i]);
        EXPECT("rip", p->context.pc);
        EXPECT("rflags", p->context.regs[17]);
        CHECK_EQ_U64(p->index, 0);
    }
    CHECK_EQ_U64(k->nprocessors, 16);

    /* corpus/README.md decoded facts */
    CHECK_KNOWN(c->kernel.dump_type, DS_DUMP_TRIAGE);
    CHECK_STR(c->dump_kind, "triage");
    CHECK(c->arch == DS_ARCH_X64);
    char t[32];
    ds_format_filetime(c->crash_time.value, t, sizeof t);
    CHECK_STR(t, "2021-02-21 01:38:22");
    CHECK(c->has_context);
    CHECK_EQ_U64(c->context.pc, 0xfffff8048b58334cull);
    CHECK_EQ_U64(c->context.sp, 0xffff850429892120ull);
    CHECK(c->has_exception);
    CHECK_EQ_U64(c->exception.code, 0x80000003u);
    CHECK_EQ_U64(c->exception.address, 0xfffff8047bdf5a80ull);
    CHECK(!c->damaged);

    /* the driver list: every entry named, sized, and where README says */
    size_t named = 0;
    for (size_t i = 0; i < c->nmodules; i++) {
        const ds_module *m = &c->modules[i];
        named += m->name[0] != '\0' && m->size > 0 && (m->size & 0xFFF) == 0 &&
                 (m->base >> 47) == 0x1FFFF && m->timestamp.known;
    }
    CHECK_EQ_U64(named, 151);
    const ds_module *nt = module_named(c, "ntoskrnl.exe");
    CHECK(nt != NULL);
    if (nt) {
        CHECK_EQ_U64(nt->base, 0xFFFFF8047BA00000ull);
        CHECK_EQ_U64(nt->size, 0x1046000);
        CHECK_EQ_U64(nt->timestamp.value, 0x0D8333E6);
        CHECK_EQ_U64(nt->checksum.value, 0xA5938C);
        CHECK_STR(nt->path, "\\SystemRoot\\system32\\ntoskrnl.exe");
        CHECK_KNOWN(k->kernel_base, nt->base);
    }
    const ds_module *amd = ds_module_at(c, c->bugcheck.params[1]);
    CHECK(amd != NULL);
    if (amd) { /* symbols/amdppm.sys/c9c030003b000: the store key */
        CHECK_STR(amd->name, "amdppm.sys");
        CHECK_EQ_U64(amd->timestamp.value, 0xc9c03000u);
        CHECK_EQ_U64(amd->size, 0x3b000);
    }
    const ds_module *wdf = module_named(c, "Wdf01000.sys");
    CHECK(wdf && wdf->timestamp.value == 0xa9a9d36e && wdf->size == 0xd1000);
    CHECK_EQ_U64(c->nunloaded, 4);
    if (c->nunloaded == 4) {
        CHECK_STR(c->unloaded[0].name, "dam.sys");
        CHECK_STR(c->unloaded[1].name, "WdBoot.sys");
        CHECK_STR(c->unloaded[2].name, "hwpolicy.sys");
        CHECK_STR(c->unloaded[3].name, "mcupdate.dll");
    }

    /* the memory view: the stack copy and data blocks read by VA */
    uint8_t buf[16];
    CHECK_EQ_U64(ds_read(d, c->context.sp, buf, 16), 16);
    CHECK_EQ_U64(ds_read(d, k->triage.stack_low + k->triage.stack_size - 8, buf, 16), 8);
    CHECK_EQ_U64(ds_read(d, k->kd_debugger_data_block.value + 0x10, buf, 4), 4);
    CHECK(memcmp(buf, "KDBG", 4) == 0);
    CHECK_EQ_U64(ds_read(d, 0x1000, buf, 16), 0); /* user space: not in a triage dump */
    ds_close(d);
}

static void full_header_truncated(const char *dump)
{
    ds_error err;
    ds_dump *d = ds_open(dump, NULL, &err);
    CHECK(d != NULL); /* truncated is a report, not an error */
    if (!d)
        return;
    const ds_crash *c = ds_dump_crash(d);
    CHECK_KNOWN(c->kernel.dump_type, DS_DUMP_FULL);
    CHECK(c->arch == DS_ARCH_X64);
    CHECK_KNOWN(c->kernel.build, 19045);
    CHECK_KNOWN(c->cpus, 4);
    CHECK_EQ_U64(c->bugcheck.code, 0x5454414d);
    CHECK_EQ_U64(c->bugcheck.params[0], 0x4e4f4f4d);
    CHECK_EQ_U64(c->bugcheck.params[1], 0x534c4f53);
    CHECK_EQ_U64(c->kernel.required_dump_space.value, 0x7fe88000);
    char t[32];
    ds_format_filetime(c->crash_time.value, t, sizeof t);
    CHECK_STR(t, "2024-10-12 12:57:59");
    CHECK(c->damaged);
    bool truncated = false, marker = false;
    for (size_t i = 0; i < c->nnotes; i++) {
        truncated |= strcmp(c->notes[i].code, "file_truncated") == 0;
        marker |= strcmp(c->notes[i].code, "bugcheck_text_marker") == 0;
    }
    CHECK(truncated);
    CHECK(marker);
    char *json = ds_report_json(d, 0);
    CHECK(json && strstr(json, "\"file_truncated\""));
    ds_free(json);
    ds_close(d);
}

/*
 * Microsoft ships amdppm.sys, the suspect of the real triage dump: without
 * its image the inbox list says so; with the image from the corpus symbol
 * store its version resource does. Never "third-party".
 */
static void owner(const char *dump, const char *symbols, const char *source, const char *said)
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
    const ds_module *amd = module_named(c, "amdppm.sys");
    CHECK(amd && amd->owner && strcmp(amd->owner, "microsoft") == 0);
    CHECK(amd && amd->owner_source && strcmp(amd->owner_source, source) == 0);
    const ds_verdict *v = &c->verdict;
    CHECK(v->has_suspect && v->suspect.module_name &&
          strcmp(v->suspect.module_name, "amdppm.sys") == 0);
    CHECK(v->suspect.owner && strcmp(v->suspect.owner, "microsoft") == 0);
    bool stated = false;
    for (size_t i = 0; i < v->nreasons; i++) {
        CHECK(strstr(v->reasons[i], "third-party") == NULL);
        stated |= strncmp(v->reasons[i], said, strlen(said)) == 0;
    }
    CHECK(stated);
    ds_close(d);
}

int main(void)
{
    char a[4096], b[4096], e[4096];
    const char *triage = corpus_path("kernel/triage_x64.dmp", a, sizeof a);
    const char *expected = corpus_path("expected/triage_x64.rizin.txt", e, sizeof e);
    const char *full = corpus_path("kernel/full_header_truncated.dmp", b, sizeof b);
    if (!triage || !expected || !full) {
        printf("test_kernel_corpus: shared corpus not found; skipped\n");
        return CHECK_SKIP;
    }
    triage_x64(triage, expected);
    char s[4096];
    const char *symbols = corpus_path("symbols", s, sizeof s);
    owner(triage, NULL, "inbox_list", "amdppm.sys: Microsoft inbox driver");
    if (symbols)
        owner(triage, symbols, "version_resource", "amdppm.sys: Microsoft (version resource)");
    full_header_truncated(full);
    return check_report("test_kernel_corpus");
}
