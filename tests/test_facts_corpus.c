/*
 * The real triage dump of the corpus (kernel/triage_x64.dmp, a 0x1000007E in
 * amdppm.sys on Windows 10 19041): its report shows the exception record P3
 * names (not the header's breakpoint), the access and its address under
 * WinDbg's field name, PROCESS_NAME from the EPROCESS copy, and the OS
 * name. Skipped (77) when the corpus is absent.
 */
#include "check.h"
#include "dumpscan/dumpscan.h"

static bool has(const char *text, const char *needle)
{
    bool r = text && strstr(text, needle);
    if (!r)
        fprintf(stderr, "report lacks \"%s\"\n", needle);
    return r;
}

/*
 * Module versions of the user-mode corpus dumps against Breakpad's
 * minidump_stackwalk ("Loaded modules:" lines: "0xBASE - 0xEND  name
 * version ...", "???" for none). Returns how many dumps were compared.
 */
static int module_versions(void)
{
    static const char *const names[] = {"calc_win7_x64", "minidump2", "ascii_read_av",
                                        "linux-x86_64", "null_read_av"};
    int compared = 0;
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char rel[128], dbuf[1024], ebuf[1024];
        snprintf(rel, sizeof rel, "user/%s.dmp", names[i]);
        const char *dp = corpus_path(rel, dbuf, sizeof dbuf);
        snprintf(rel, sizeof rel, "expected/%s.breakpad-stackwalk.txt", names[i]);
        const char *ep = corpus_path(rel, ebuf, sizeof ebuf);
        FILE *f = ep ? fopen(ep, "r") : NULL;
        ds_error e;
        ds_dump *d = dp && f ? ds_open(dp, NULL, &e) : NULL;
        if (!d) {
            if (f)
                fclose(f);
            continue;
        }
        const ds_crash *c = ds_dump_crash(d);
        char line[1024];
        bool in = false;
        int seen = 0;
        while (fgets(line, sizeof line, f)) {
            if (strncmp(line, "Loaded modules:", 15) == 0) {
                in = true;
                continue;
            }
            unsigned long long base, end;
            char mod[256], ver[64];
            if (!in || sscanf(line, "0x%llx - 0x%llx %255s %63s", &base, &end, mod, ver) != 4)
                continue;
            for (size_t k = 0; k < c->nmodules; k++) {
                const ds_module *m = &c->modules[k];
                if (m->base != base)
                    continue;
                seen++;
                if (strcmp(ver, "???") == 0)
                    CHECK(m->file_version == NULL);
                else
                    CHECK_STR(m->file_version, ver);
            }
        }
        fclose(f);
        CHECK(seen > 0);
        compared++;
        ds_close(d);
    }
    return compared;
}

int main(void)
{
    char buf[1024];
    const char *path = corpus_path("kernel/triage_x64.dmp", buf, sizeof buf);
    if (!path)
        return 77;
    ds_error e;
    ds_dump *d = ds_open(path, NULL, &e);
    CHECK(d != NULL);
    if (!d)
        return check_report("test_facts_corpus");
    const ds_crash *c = ds_dump_crash(d);
    const ds_fault_records *r = &c->records;
    /* P3's record: an access violation at P2, not 80000003 in KeBugCheckEx */
    CHECK(r->has_exception);
    CHECK_KNOWN(r->exception_param, 3);
    CHECK_EQ_U64(r->exception_va, c->bugcheck.params[2]);
    CHECK_EQ_U64(r->exception.code, 0xC0000005);
    CHECK_EQ_U64(r->exception.address, c->bugcheck.params[1]);
    CHECK_EQ_U64(r->exception.nparams, 2);
    CHECK(c->has_exception && c->exception.code == 0x80000003);
    CHECK(r->has_context && r->context_param.known && r->context_param.value == 4 && r->context.pc == c->bugcheck.params[1]);
    CHECK_STR(c->verdict.access, "write");
    CHECK_KNOWN(c->verdict.faulting_address, r->exception.params[1]);
    CHECK_STR(c->facts.process_name, "System");
    CHECK_STR(c->facts.os_name, "Windows 10");
    CHECK_STR(c->facts.os_product, "client");
    CHECK_STR(c->facts.bugcheck_str, "AV");
    /* [1] = all ones: a general-protection fault, no address recorded */
    bool gp = false;
    for (size_t i = 0; i < c->verdict.ncaveats; i++)
        gp |= strstr(c->verdict.caveats[i], "general-protection fault") != NULL;
    CHECK(gp);
    char *t = ds_report_text(d, 0);
    CHECK(has(t, "EXCEPTION_RECORD: ffff850429891ee8 -- (.exr 0xffff850429891ee8) from P3\n"));
    CHECK(has(t, "EXCEPTION:     code c0000005 at fffff8048b58334c (amdppm.sys+0x334c)"));
    CHECK(has(t, "WRITE_ADDRESS: ffffffffffffffff\n"));
    CHECK(has(t, "PROCESS_NAME:  System\n"));
    CHECK(has(t, "OSNAME:        Windows 10\n"));
    CHECK(has(t, "STACK_COMMAND: .cxr 0xffff850429891720 ; kb\n"));
    CHECK(t && !strstr(t, "80000003"));
    ds_free(t);
    t = ds_report_json(d, 0);
    CHECK(has(t, "\"process_name\":\"System\""));
    CHECK(has(t, "\"name\":\"Windows 10\""));
    ds_free(t);
    ds_close(d);
    CHECK(module_versions() >= 3);
    return check_report("test_facts_corpus");
}
