/*
 * Facts a dump does not give come out unknown, by the header's one rule for
 * optional values (ds_u64.known false, NULL strings, has_<group> false), and
 * never as 0, -1 or "": a minidump without SystemInfo or exception, one that
 * says 0 CPUs, a module whose name is outside the file, a kernel dump whose
 * DumpType was never written, a kernel dump without KDBG. The reports still
 * render them (JSON null, text "unknown" or nothing).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/verdict.h"
#include "check.h"
#include "dumpscan/dumpscan.h"
#include "mdmp.h"
#include "mem/memview.h"
#include "model/model.h"

static ds_dump *open_copy(const mdw *m, uint8_t **copy)
{
    ds_error err;
    *copy = malloc(m->len);
    memcpy(*copy, m->b, m->len);
    ds_dump *d = ds_open_memory(*copy, m->len, NULL, &err);
    if (!d)
        fprintf(stderr, "open: %s\n", err.text);
    return d;
}

/* Both renderings of a dump exist (no crash on the unknowns). */
static void renders(const ds_dump *d, const char *json_has)
{
    char *t = ds_report_text(d, DS_TEXT_VERBOSE), *j = ds_report_json(d, 0);
    CHECK(t != NULL && j != NULL);
    if (j && json_has && !strstr(j, json_has)) {
        fprintf(stderr, "JSON lacks %s\n", json_has);
        CHECK(false);
    }
    ds_free(t);
    ds_free(j);
}

/* A thread list and a module list only: no SystemInfo, no exception. */
static void minidump_without_system_info(void)
{
    fprintf(stderr, "-- minidump without SystemInfo\n");
    mdw m;
    mdw_begin(&m, 3, 0);
    uint8_t stack[0x100] = {0};
    mdw_thread t = {.id = 7, .stack_va = 0x5000, .stack = stack, .stack_size = sizeof stack};
    t.ctx_rva = mdw_context(&m, &MDW_X64, 0x10001000, 0x5010);
    t.ctx_size = MDW_X64.ctx_size;
    mdw_thread_list(&m, &t, 1);
    mdw_module mod = {.base = 0x10000000, .size = 0x4000, .name = "app.exe"};
    mdw_module_list(&m, &mod, 1);
    uint8_t *copy;
    ds_dump *d = open_copy(&m, &copy);
    CHECK(d != NULL);
    if (d) {
        const ds_crash *c = ds_dump_crash(d);
        CHECK(!c->mdmp.has_system_info);
        CHECK(!c->cpus.known && !c->os_major.known && !c->os_minor.known &&
              !c->os_build.known);
        CHECK(c->mdmp.platform == NULL && c->mdmp.cpu_info == NULL &&
              c->mdmp.csd_version == NULL && c->mdmp.build_string == NULL);
        CHECK(!c->crashing_thread.known); /* no exception: nobody crashed */
        CHECK(!c->kernel.dump_type.known && !c->kernel.crashing_cpu.known);
        CHECK(!c->has_exception && !c->exception.thread_id.known);
        CHECK(c->facts.os_name == NULL && c->facts.os_version == NULL &&
              !c->facts.os_revision.known && c->facts.bugcheck_str == NULL);
        CHECK(!c->facts.current_irql.known && !c->facts.process.known);
        CHECK(c->nmodules == 1 && c->modules[0].name && !c->modules[0].has_cv);
        renders(d, "\"cpus\":null");
        ds_close(d);
    }
    free(copy);
    mdw_free(&m);
}

/* SystemInfo that says 0 processors (nothing was filled in), and an
 * exception on thread 0, which is a thread id like any other. */
static void zero_is_unknown_or_a_value(void)
{
    fprintf(stderr, "-- 0 CPUs, thread id 0\n");
    mdw m;
    mdw_begin(&m, 3, 0);
    uint32_t si = mdw_system_info(&m, 9);
    m.b[si + 6] = 0; /* NumberOfProcessors */
    uint32_t ctx = mdw_context(&m, &MDW_X64, 0x10001000, 0x5010);
    mdw_exception(&m, 0, 0xC0000005, 0x10001000, NULL, 0, ctx, MDW_X64.ctx_size);
    uint8_t *copy;
    ds_dump *d = open_copy(&m, &copy);
    CHECK(d != NULL);
    if (d) {
        const ds_crash *c = ds_dump_crash(d);
        CHECK(c->mdmp.has_system_info);
        CHECK(!c->cpus.known);
        CHECK_KNOWN(c->os_build, 19041);
        CHECK_STR(c->mdmp.platform, "windows_nt");
        CHECK(c->mdmp.cpu_info != NULL);
        CHECK_KNOWN(c->exception.thread_id, 0);
        CHECK_KNOWN(c->crashing_thread, 0);
        CHECK(c->has_verdict && c->facts.bugcheck_str != NULL);
        /* the pc is in no module: the frame's module is unknown */
        CHECK(c->nstacks >= 1 && c->stacks[0].nframes >= 1);
        if (c->nstacks && c->stacks[0].nframes) {
            CHECK(!c->stacks[0].frames[0].module.known);
            CHECK(ds_crash_module(c, c->stacks[0].frames[0].module) == NULL);
            CHECK_KNOWN(c->stacks[0].thread_id, 0);
        }
        renders(d, "\"cpus\":null");
        ds_close(d);
    }
    free(copy);
    mdw_free(&m);
}

/* A module whose name string lies outside the file. */
static void module_name_unknown(void)
{
    fprintf(stderr, "-- module name outside the file\n");
    mdw m;
    mdw_begin(&m, 3, 0);
    mdw_system_info(&m, 9);
    /* b: a Breakpad ELF identity ("BpEL" as a u32: "LEpB" in the file),
     * whose symbol file is named after the module's path, which the dump
     * does not hold */
    static const uint8_t bpel[4 + 20] = {'L', 'E', 'p', 'B', 0x47, 0x11, 0x22, 0x33, 0x44};
    uint32_t cv = mdw_bytes(&m, bpel, sizeof bpel);
    mdw_module mods[2] = {{.base = 0x10000000, .size = 0x4000, .name = "a.dll"},
                          {.base = 0x20000000, .size = 0x4000, .name = "b.so",
                           .cv_rva = cv, .cv_size = sizeof bpel}};
    uint32_t list = mdw_module_list(&m, mods, 2);
    /* MINIDUMP_MODULE is 108 bytes after the count; ModuleNameRva at 0x14 */
    mdw_set32(&m, list + 4 + 108 + 0x14, 0x7FFFFFF0);
    uint32_t ctx = mdw_context(&m, &MDW_X64, 0x20001000, 0x5010);
    mdw_exception(&m, 9, 0xC0000005, 0x20001000, NULL, 0, ctx, MDW_X64.ctx_size);
    /* with a symbol path, so that the symbols stage looks the module up
     * (it read the missing path as a string and crashed before) */
    char store[] = "/tmp/ds_optval_XXXXXX";
    CHECK(mkdtemp(store) != NULL);
    ds_open_options o = {DS_OPEN_OPTIONS_INIT, .symbol_path = store, .offline = true};
    ds_error err;
    uint8_t *copy = malloc(m.len);
    memcpy(copy, m.b, m.len);
    ds_dump *d = ds_open_memory(copy, m.len, &o, &err);
    rmdir(store);
    CHECK(d != NULL);
    if (d) {
        const ds_crash *c = ds_dump_crash(d);
        CHECK(c->nmodules == 2);
        CHECK(c->nmodules == 2 && c->modules[1].has_cv && c->modules[1].cv.is_elf);
        if (c->nmodules == 2) {
            CHECK_STR(c->modules[0].name, "a.dll");
            CHECK(c->modules[1].name == NULL && c->modules[1].path == NULL);
            char label[32];
            ds_module_label(&c->modules[1], label, sizeof label);
            CHECK_STR(label, "unknown");
            CHECK(ds_module_at(c, 0x20001000) == &c->modules[1]);
        }
        renders(d, NULL);
        ds_row *r = ds_row_from_dump(d, "x.dmp");
        CHECK(r != NULL);
        if (r) {
            CHECK(r->has_pc && r->pc_module == NULL); /* a module, but no name to show */
            char *csv = ds_row_csv(r);
            CHECK(csv != NULL);
            ds_free(csv);
            ds_row_free(r);
        }
        ds_close(d);
    }
    free(copy);
    mdw_free(&m);
}

/* The bundled x64 triage sample with its DumpType left as the "PAGE" fill,
 * then with no KDBG. */
static void kernel_unknowns(void)
{
    fprintf(stderr, "-- kernel header fields never written\n");
    size_t len;
    uint8_t *b = check_slurp(DS_SOURCE_DIR "/testdata/samples/x64-triage.dmp", &len);
    CHECK(b != NULL && len > 0x2000);
    if (!b)
        return;
    ds_error err;
    ds_dump *d = ds_open_memory(b, len, NULL, &err);
    CHECK(d != NULL);
    if (d) { /* the sample as it is: the facts are known */
        const ds_crash *c = ds_dump_crash(d);
        CHECK_KNOWN(c->kernel.dump_type, DS_DUMP_TRIAGE);
        CHECK(c->cpus.known && c->os_build.known);
        CHECK(c->kernel.has_triage);
        ds_close(d);
    }
    uint8_t *copy = malloc(len);
    memcpy(copy, b, len);
    memcpy(copy + 0xF98, "PAGE", 4); /* DumpType (64-bit header) */
    memcpy(copy + 0x34, "PAGE", 4);  /* NumberProcessors */
    memcpy(copy + 0x08, "PAGE", 4);  /* MajorVersion */
    memcpy(copy + 0x0C, "PAGE", 4);  /* MinorVersion (the build) */
    d = ds_open_memory(copy, len, NULL, &err);
    CHECK(d != NULL);
    if (d) {
        const ds_crash *c = ds_dump_crash(d);
        CHECK(!c->kernel.dump_type.known);
        CHECK(!c->cpus.known);
        CHECK(!c->kernel.has_triage);
        CHECK(!c->kernel.crashing_cpu.known && c->kernel.crashing_cpu_reason == NULL);
        CHECK(c->kernel.nprocessors == 0 && !c->kernel.kernel_base.known);
        CHECK(c->kernel.build_lab == NULL);
        CHECK(!c->kernel.major_version.known && !c->kernel.build.known);
        CHECK(!c->os_build.known && !c->os_major.known);
        renders(d, "\"crashing_cpu\":null");
        ds_row *r = ds_row_from_dump(d, "y.dmp");
        CHECK(r && !r->dump_type.known && !r->cpus.known);
        CHECK(r && !r->kernel_major.known && !r->kernel_minor.known);
        ds_row_free(r);
        ds_close(d);
    }
    /* MachineImageType never written: the machine is 0, its unknown */
    memcpy(copy, b, len);
    memcpy(copy + 0x30, "PAGE", 4);
    d = ds_open_memory(copy, len, NULL, &err);
    CHECK(d != NULL);
    if (d) {
        const ds_crash *c = ds_dump_crash(d);
        CHECK(c->machine == 0 && c->arch == DS_ARCH_UNKNOWN);
        renders(d, "\"machine\":\"0x0\"");
        ds_close(d);
    }
    free(copy);
    free(b);
}

/* Evidence against a module whose name the dump does not hold stays with
 * that module: an unnamed unloaded driver is not merged with an unnamed
 * loaded one (their names compared equal, "" and "", before). */
static void unnamed_candidates(void)
{
    fprintf(stderr, "-- unnamed loaded and unloaded modules\n");
    ds_crash *c = calloc(1, sizeof *c);
    c->format = DS_FORMAT_KERNEL64;
    c->has_kernel = true;
    c->arch = DS_ARCH_X64;
    c->has_bugcheck = true;
    c->bugcheck.code = 0x7E;
    c->bugcheck.params[0] = 0xC0000005;
    c->bugcheck.params[1] = 0xfffff80011001000; /* in the loaded module without a name */
    c->bugcheck.params[3] = 0xffff0000;
    ds_module *nt = ds_module_add(c, false);
    nt->base = 0xfffff80000000000;
    nt->size = 0x100000;
    nt->name = strdup("ntoskrnl.exe");
    ds_module *m = ds_module_add(c, false);
    m->base = 0xfffff80011000000;
    m->size = 0x10000;
    ds_module *u = ds_module_add(c, true);
    u->base = 0xfffff80033000000;
    u->size = 0x10000;
    c->records.has_context = true;
    c->records.context.arch = DS_ARCH_X64;
    c->records.context.pc = 0xfffff80033000100; /* in the unloaded module without a name */
    c->records.context_va = 0xffff0000;
    c->records.context_param = (ds_u64){4, true};
    ds_memview mem;
    ds_mem_init(&mem, (ds_bytes){0});
    CHECK(ds_analysis_verdict(c, &mem) == 0);
    const ds_verdict *v = &c->verdict;
    CHECK(v->has_suspect && v->suspect.module_name == NULL);
    /* two candidates: the unloaded one (not loaded: index unknown) and the
     * loaded one (index 1), each with its own evidence */
    bool loaded_seen = v->suspect.module.known && v->suspect.module.value == 1;
    for (size_t i = 0; i < v->nalternates; i++) {
        CHECK(v->alternates[i].module_name == NULL);
        loaded_seen |= v->alternates[i].module.known && v->alternates[i].module.value == 1;
    }
    CHECK(v->nalternates >= 1 && loaded_seen);
    CHECK(!(v->suspect.module.known && v->suspect.score >= 140)); /* not 60 + 80 merged */
    for (size_t i = 0; i < v->nreasons; i++)
        CHECK(strstr(v->reasons[i], "(unnamed module)") || !strstr(v->reasons[i], " in  "));
    ds_mem_free(&mem);
    ds_crash_free(c);
    free(c);
}

int main(void)
{
    unnamed_candidates();
    minidump_without_system_info();
    zero_is_unknown_or_a_value();
    module_name_unknown();
    kernel_unknowns();
    return check_report("test_optional_values");
}
