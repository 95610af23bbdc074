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
    CHECK_EQ_U64(r->exception_param, 3);
    CHECK_EQ_U64(r->exception_va, c->bugcheck.params[2]);
    CHECK_EQ_U64(r->exception.code, 0xC0000005);
    CHECK_EQ_U64(r->exception.address, c->bugcheck.params[1]);
    CHECK_EQ_U64(r->exception.nparams, 2);
    CHECK(c->has_exception && c->exception.code == 0x80000003);
    CHECK(r->has_context && r->context_param == 4 && r->context.pc == c->bugcheck.params[1]);
    CHECK_STR(c->verdict.access, "write");
    CHECK_EQ_U64(c->verdict.faulting_address, r->exception.params[1]);
    CHECK_STR(c->facts.process_name, "System");
    CHECK_STR(c->facts.os_name, "Windows 10");
    CHECK_STR(c->facts.os_product, "client");
    CHECK_STR(c->facts.bugcheck_str, "AV");
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
    return check_report("test_facts_corpus");
}
