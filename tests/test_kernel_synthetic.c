/*
 * Every kernel dump family the generator writes, read back and compared fact
 * by fact with what it wrote; then the same dumps damaged on purpose.
 */
#include <unistd.h>

#include "check.h"
#include "dsgen.h"
#include "dumpscan/dumpscan.h"

typedef struct combo {
    int arch;
    bool pae;
    uint32_t type;
} combo;

static const combo combos[] = {
    {DS_ARCH_X64, false, 1},   {DS_ARCH_X64, false, 2},   {DS_ARCH_X64, false, 3},
    {DS_ARCH_X64, false, 4},   {DS_ARCH_X64, false, 5},   {DS_ARCH_X64, false, 6},
    {DS_ARCH_X64, false, 7},   {DS_ARCH_X64, false, 8},   {DS_ARCH_X64, false, 9},
    {DS_ARCH_X64, false, 10},  {DS_ARCH_X86, false, 1},   {DS_ARCH_X86, false, 2},
    {DS_ARCH_X86, false, 4},   {DS_ARCH_X86, false, 5},   {DS_ARCH_X86, false, 6},
    {DS_ARCH_X86, true, 1},    {DS_ARCH_X86, true, 2},    {DS_ARCH_X86, true, 4},
    {DS_ARCH_X86, true, 5},    {DS_ARCH_X86, true, 6},    {DS_ARCH_ARM64, false, 1},
    {DS_ARCH_ARM64, false, 4}, {DS_ARCH_ARM64, false, 5}, {DS_ARCH_ARM64, false, 6},
};

static char tmpdir[] = "/tmp/ds-test-XXXXXX";

static ds_dump *write_and_open(gen_spec *s, const char *name)
{
    char path[256], err[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    if (gen_write(s, path, err, sizeof err) != 0) {
        fprintf(stderr, "gen_write %s: %s\n", name, err);
        CHECK(!"generator failed");
        return NULL;
    }
    ds_error e;
    ds_dump *d = ds_open(path, NULL, &e);
    if (!d)
        fprintf(stderr, "ds_open %s: %s\n", name, e.text);
    return d;
}

static bool has_note(const ds_crash *c, const char *code)
{
    for (size_t i = 0; i < c->nnotes; i++)
        if (strcmp(c->notes[i].code, code) == 0)
            return true;
    return false;
}

static void print_notes(const ds_crash *c, const char *what)
{
    for (size_t i = 0; i < c->nnotes; i++)
        if (c->notes[i].severity != DS_INFO)
            fprintf(stderr, "  %s: note %s: %s\n", what, c->notes[i].code, c->notes[i].text);
}

static void check_memory(ds_dump *d, const gen_spec *s)
{
    static uint8_t buf[3 << 20];
    uint64_t len = s->out_known_len < sizeof buf ? s->out_known_len : sizeof buf;
    if (!len)
        return;
    CHECK_EQ_U64(ds_read(d, s->out_known_va, buf, len), len);
    size_t bad = 0;
    for (uint64_t i = 0; i < len; i++)
        bad += buf[i] != gen_pattern(s->out_known_va + i);
    CHECK_EQ_U64(bad, 0);
    if (s->out_transition_va) {
        CHECK_EQ_U64(ds_read(d, s->out_transition_va, buf, 16), 16);
        CHECK_EQ_U64(buf[5], gen_pattern(s->out_transition_va + 5));
    }
    if (s->out_prototype_va)
        CHECK_EQ_U64(ds_read(d, s->out_prototype_va, buf, 16), 0);
    /* the stack around the context is readable */
    CHECK_EQ_U64(ds_read(d, s->ctx_sp, buf, 64), 64);
}

static void check_facts(const combo *k, gen_spec *s, ds_dump *d, const char *name)
{
    const ds_crash *c = ds_dump_crash(d);
    unsigned ptr = k->arch == DS_ARCH_X86 ? 4 : 8;
    CHECK(c->format == (ptr == 8 ? DS_FORMAT_KERNEL64 : DS_FORMAT_KERNEL32));
    CHECK_KNOWN(c->kernel.dump_type, k->type);
    CHECK((int)c->arch == k->arch);
    CHECK_KNOWN(c->cpus, s->cpus);
    CHECK_KNOWN(c->kernel.build, s->build);
    CHECK_EQ_U64(c->bugcheck.code, s->bugcheck_code);
    for (int i = 0; i < 4; i++)
        CHECK_EQ_U64(c->bugcheck.params[i], s->bugcheck_params[i]);
    CHECK_EQ_U64(c->crash_time.value, s->system_time);
    CHECK_EQ_U64(c->uptime.value, s->uptime);
    CHECK_EQ_U64(c->kernel.product_type.value, s->product_type);
    CHECK_EQ_U64(c->kernel.suite_mask.value, s->suite_mask);
    CHECK_EQ_U64(c->kernel.directory_table_base.value, s->out_dtb);
    CHECK_EQ_U64(c->kernel.kd_debugger_data_block.value, s->out_kdbg_va);
    CHECK_EQ_U64(c->kernel.ps_loaded_module_list.value, s->out_ps_loaded_module_list);
    CHECK_EQ_U64(c->kernel.ps_active_process_head.value, s->out_ps_active_process_head);
    CHECK_EQ_U64(c->kernel.pfn_database.value, s->out_pfn_database);
    CHECK_EQ_U64(c->kernel.required_dump_space.value, s->out_required_dump_space);
    CHECK(!c->kernel.writer_status.known); /* left as the PAGE fill */
    CHECK(!c->kernel.attributes.known);
    if (k->arch == DS_ARCH_X86)
        CHECK(c->kernel.pae == k->pae);
    CHECK(c->has_context);
    CHECK_EQ_U64(c->context.pc, s->ctx_pc);
    CHECK_EQ_U64(c->context.sp, s->ctx_sp);
    CHECK_EQ_U64(c->context.fp, s->ctx_fp);
    CHECK(!c->damaged);
    if (c->damaged)
        print_notes(c, name);

    if (k->type == DS_DUMP_HEADER) {
        CHECK_EQ_U64(c->nmodules, 0);
        return;
    }
    CHECK_EQ_U64(c->kernel.physical_pages, s->out_physical_pages);
    if (k->type != DS_DUMP_TRIAGE)
        CHECK_EQ_U64(c->kernel.highest_pfn, s->out_highest_pfn);
    CHECK(c->kernel.kdbg_plain);
    CHECK_KNOWN(c->kernel.kernel_base, s->modules[0].base);

    CHECK_EQ_U64(c->nmodules, s->nmodules);
    for (size_t i = 0; i < s->nmodules && i < c->nmodules; i++) {
        const gen_module *g = &s->modules[i];
        const ds_module *m = &c->modules[i];
        CHECK_STR(m->name, g->name);
        CHECK_STR(m->path, g->path);
        CHECK_EQ_U64(m->base, g->base);
        CHECK_EQ_U64(m->size, g->size);
        bool header = (m->flags & DS_MOD_HEADER_IN_DUMP) != 0;
        /* triage dumps hold the header only where a data block covers it */
        if (k->type != DS_DUMP_TRIAGE)
            CHECK(header == g->header_in_dump);
        if (header || k->type == DS_DUMP_TRIAGE) {
            CHECK(m->timestamp.known);
            CHECK_EQ_U64(m->timestamp.value, g->timestamp);
        }
        if (header)
            CHECK_EQ_U64(m->image_size.value, g->size);
        /* A triage data block covers the header page only: the debug
         * directory lies elsewhere, so the PDB id is honestly unknown. */
        if (header && k->type != DS_DUMP_TRIAGE) {
            CHECK(m->has_cv && m->cv.is_pdb70);
            CHECK(memcmp(m->cv.guid, g->guid, 16) == 0);
            CHECK_EQ_U64(m->cv.age, g->age);
            CHECK_STR(m->cv.pdb_name, g->pdb_name);
        } else if (m->has_cv) { /* whatever is read must be right */
            CHECK(memcmp(m->cv.guid, g->guid, 16) == 0);
        }
    }
    if (k->type == DS_DUMP_TRIAGE) {
        const ds_triage_info *t = &c->kernel.triage;
        CHECK(c->kernel.has_triage && t->valid_marker && t->kdbg_copy);
        CHECK_EQ_U64(t->data_blocks, s->out_triage_data_blocks);
        CHECK_EQ_U64(t->stack_low, s->out_stack_low);
        CHECK_EQ_U64(t->stack_size, s->out_stack_size);
        CHECK_STR(t->broken_driver, s->broken_driver);
        CHECK(t->secondary_blobs > 0);
    }
    /* unloaded drivers: the triage list, or MmUnloadedDrivers through KDBG
       in every other dump that holds kernel memory */
    if (k->type != DS_DUMP_HEADER) {
        CHECK_EQ_U64(c->nunloaded, s->nunloaded);
        for (size_t i = 0; i < s->nunloaded && i < c->nunloaded; i++) {
            CHECK_STR(c->unloaded[i].name, s->unloaded[i].name);
            CHECK_EQ_U64(c->unloaded[i].base, s->unloaded[i].start);
            CHECK_EQ_U64(c->unloaded[i].base + c->unloaded[i].size, s->unloaded[i].end);
        }
    }
    check_memory(d, s);
}

static void families(void)
{
    for (size_t i = 0; i < sizeof combos / sizeof *combos; i++) {
        const combo *k = &combos[i];
        char name[64];
        snprintf(name, sizeof name, "%s%s-type%u.dmp", ds_arch_name((ds_arch)k->arch),
                 k->pae ? "pae" : "", k->type);
        gen_spec s;
        gen_spec_default(&s, k->arch, k->pae, k->type);
        ds_dump *d = write_and_open(&s, name);
        CHECK(d != NULL);
        if (!d)
            continue;
        int before = check_failed;
        check_facts(k, &s, d, name);
        if (check_failed != before)
            fprintf(stderr, "  (in %s)\n", name);
        /* JSON renders and names the kind */
        char *json = ds_report_json(d, 0);
        CHECK(json && strstr(json, ds_dump_type_name(k->type)));
        ds_free(json);
        ds_close(d);

        /* the same dump through gzip gives the same facts */
        s.gzip = true;
        snprintf(name + strlen(name), sizeof name - strlen(name), ".gz");
        d = write_and_open(&s, name);
        CHECK(d != NULL);
        if (d) {
            CHECK(ds_dump_crash(d)->compressed);
            check_facts(k, &s, d, name);
            ds_close(d);
        }
    }
}

static void damaged(void)
{
    /* truncated in the middle: a partial report, flagged */
    static const combo trunc[] = {{DS_ARCH_X64, false, 1}, {DS_ARCH_X64, false, 5},
                                  {DS_ARCH_X86, true, 6},  {DS_ARCH_X64, false, 4},
                                  {DS_ARCH_ARM64, false, 5}, {DS_ARCH_X64, false, 10}};
    for (size_t i = 0; i < sizeof trunc / sizeof *trunc; i++) {
        gen_spec s;
        gen_spec_default(&s, trunc[i].arch, trunc[i].pae, trunc[i].type);
        gen_spec probe = s;
        ds_dump *full = write_and_open(&probe, "probe.dmp");
        if (full)
            ds_close(full);
        uint64_t cuts[] = {probe.out_file_size / 2, probe.out_file_size - 1, 0x1800, 100};
        for (size_t k = 0; k < sizeof cuts / sizeof *cuts; k++) {
            s.truncate_at = cuts[k];
            ds_dump *d = write_and_open(&s, "trunc.dmp");
            CHECK(d != NULL);
            if (!d)
                continue;
            const ds_crash *c = ds_dump_crash(d);
            CHECK(c->damaged);
            CHECK(has_note(c, "file_truncated") || has_note(c, "header_truncated") ||
                  has_note(c, "triage_marker_missing") || has_note(c, "secondary_truncated"));
            if (!c->damaged)
                print_notes(c, "truncated");
            char *json = ds_report_json(d, 0);
            CHECK(json != NULL);
            ds_free(json);
            ds_close(d);
        }
    }

    /* a loader list that loops without returning to its head */
    gen_spec s;
    gen_spec_default(&s, DS_ARCH_X64, false, 5);
    s.modlist_loop = true;
    ds_dump *d = write_and_open(&s, "loop.dmp");
    CHECK(d != NULL);
    if (d) {
        const ds_crash *c = ds_dump_crash(d);
        CHECK(has_note(c, "module_list_loop"));
        CHECK_EQ_U64(c->nmodules, s.nmodules);
        ds_close(d);
    }

    /* triage offsets that point past the end of the file */
    gen_spec_default(&s, DS_ARCH_X64, false, 4);
    s.bad_triage_offsets = true;
    d = write_and_open(&s, "badoff.dmp");
    CHECK(d != NULL);
    if (d) {
        const ds_crash *c = ds_dump_crash(d);
        CHECK(c->damaged);
        CHECK(c->has_bugcheck && c->bugcheck.code == s.bugcheck_code);
        ds_close(d);
    }
}

static void cleanup(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    families();
    damaged();
    cleanup();
    return check_report("test_kernel_synthetic");
}
