/* Kernel dump header (PAGEDU64 / PAGEDUMP) and dispatch on DumpType. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem/context.h"
#include "format/format.h"
#include "model/model.h"

const ds_klayout ds_klayout64 = {
    .ptr = 8, .header_size = 0x2000, .dtb = 0x10, .pfn_db = 0x18, .ps_loaded = 0x20,
    .ps_active = 0x28, .machine = 0x30, .cpus = 0x34, .bugcheck = 0x38, .params = 0x40,
    .kdbg = 0x80, .physmem = 0x88, .context = 0x348, .context_max = 3000,
    .exception = 0xF00, .dump_type = 0xF98, .required = 0xFA0, .sys_time = 0xFA8,
    .comment = 0xFB0, .uptime = 0x1030, .minidump_fields = 0x1038, .secondary = 0x103C,
    .product = 0x1040, .suite = 0x1044, .writer = 0x1048, .kd_secondary = 0x104D,
    .attributes = 0x1050, .boot_id = 0x1054, .pae = 0,
};

const ds_klayout ds_klayout32 = {
    .ptr = 4, .header_size = 0x1000, .dtb = 0x10, .pfn_db = 0x14, .ps_loaded = 0x18,
    .ps_active = 0x1C, .machine = 0x20, .cpus = 0x24, .bugcheck = 0x28, .params = 0x2C,
    .kdbg = 0x60, .physmem = 0x64, .context = 0x320, .context_max = 1200,
    .exception = 0x7D0, .dump_type = 0xF88, .required = 0xFA0, .sys_time = 0xFC0,
    .comment = 0x820, .uptime = 0xFB8, .minidump_fields = 0xF8C, .secondary = 0xF90,
    .product = 0xF94, .suite = 0xF98, .writer = 0xF9C, .kd_secondary = 0x5D,
    .attributes = 0x8A0, .boot_id = 0x8A4, .pae = 0x5C,
};

/*
 * A header field of size 1..8 at off. Unknown when an aligned 4-byte word it
 * touches still holds the "PAGE" fill: the kernel never wrote it (it writes
 * a field whole, so a half-filled 8-byte field is no value either).
 */
static ds_u64 hfield(const uint8_t *h, uint32_t off, unsigned size)
{
    ds_u64 r = {0, true};
    for (unsigned i = 0; i < size; i++)
        r.value |= (uint64_t)h[off + i] << (8 * i);
    bool fill = false;
    for (uint32_t w = off & ~3u; w < off + size; w += 4)
        if (ds_le32(h + w) == DS_PAGE_FILL32)
            fill = true;
    if (fill) /* unknown: the value is 0, never the fill's bytes */
        r = (ds_u64){0, false};
    return r;
}

/* Build number -> NT version (facts from Windows release history). */
static const struct {
    uint32_t min_build;
    uint8_t major, minor;
} nt_versions[] = {
    {10240, 10, 0}, {9600, 6, 3}, {9200, 6, 2}, {7600, 6, 1},
    {6000, 6, 0},   {3790, 5, 2}, {2600, 5, 1}, {2195, 5, 0},
};

static void set_os_version(ds_crash *c, uint32_t build)
{
    if (build == 0) /* no Windows build is 0: the header was not filled in */
        return;
    c->os_build = ds_known(build);
    for (size_t i = 0; i < sizeof nt_versions / sizeof *nt_versions; i++)
        if (build >= nt_versions[i].min_build) {
            c->os_major = ds_known(nt_versions[i].major);
            c->os_minor = ds_known(nt_versions[i].minor);
            return;
        }
}

typedef int (*phys_reader)(ds_reader *, const ds_klayout *, const uint8_t *);

static const struct {
    uint32_t type;
    phys_reader read;
} phys_readers[] = {
    {DS_DUMP_FULL, ds_kphys_full},
    {DS_DUMP_SUMMARY, ds_kphys_summary},
    {DS_DUMP_HEADER, NULL},
    {DS_DUMP_TRIAGE, ds_triage_read},
    {DS_DUMP_BITMAP_FULL, ds_kphys_bitmap},
    {DS_DUMP_BITMAP_KERNEL, ds_kphys_bitmap},
    {DS_DUMP_AUTOMATIC, ds_kphys_bitmap},
    {DS_DUMP_RANGE_KERNEL, ds_kphys_range},
    {DS_DUMP_RANGE_KERNEL_USER, ds_kphys_range},
    {DS_DUMP_RANGE_FULL, ds_kphys_range},
};

static const char *const attribute_names[] = {
    "HiberCrash", "DumpDevicePowerOff", "InsufficientDumpfileSize",
    "KernelGeneratedTriageDump", "LiveDumpGeneratedDump", "DumpIsGeneratedOffline",
    "FilterDumpFile", "EarlyBootCrash", "EncryptedDumpData", "DecryptedDump",
};

static int read_header_facts(ds_reader *r, const ds_klayout *l, const uint8_t *h)
{
    ds_crash *c = r->crash;
    ds_kernel_info *k = &c->kernel;
    unsigned p = l->ptr;

    k->major_version = hfield(h, 0x08, 4);
    k->build = hfield(h, 0x0C, 4);
    k->build.value &= 0xFFFF;
    if (k->build.known)
        set_os_version(c, (uint32_t)k->build.value);
    k->directory_table_base = hfield(h, l->dtb, p);
    k->pfn_database = hfield(h, l->pfn_db, p);
    k->ps_loaded_module_list = hfield(h, l->ps_loaded, p);
    k->ps_active_process_head = hfield(h, l->ps_active, p);
    k->kd_debugger_data_block = hfield(h, l->kdbg, p);
    k->product_type = hfield(h, l->product, 4);
    k->suite_mask = hfield(h, l->suite, 4);
    k->writer_status = hfield(h, l->writer, 4);
    k->secondary_data_state = hfield(h, l->secondary, 4);
    k->attributes = hfield(h, l->attributes, 4);
    k->boot_id = hfield(h, l->boot_id, 4);
    k->mini_dump_fields = hfield(h, l->minidump_fields, 4);
    k->required_dump_space = hfield(h, l->required, 8);
    k->kd_secondary_version = hfield(h, l->kd_secondary, 1);
    if (l->pae)
        k->pae = h[l->pae] != 0 && hfield(h, l->pae, 1).known;
    ds_u64 comment = hfield(h, l->comment, 4);
    if (comment.known) {
        char *s = ds_strndup_field(h + l->comment, 128);
        if (!s)
            return -1;
        k->comment = s;
    }

    c->machine = (uint32_t)hfield(h, l->machine, 4).value; /* 0: unknown */
    c->arch = ds_arch_from_machine(c->machine);
    c->cpus = hfield(h, l->cpus, 4);
    c->crash_time = hfield(h, l->sys_time, 8);
    c->uptime = hfield(h, l->uptime, 8);

    ds_u64 code = hfield(h, l->bugcheck, 4);
    if (code.known) {
        c->has_bugcheck = true;
        c->bugcheck.code = (uint32_t)code.value;
        for (int i = 0; i < 4; i++) /* raw, as stored (the fill included) */
            c->bugcheck.params[i] = p == 8 ? ds_le64(h + l->params + i * p)
                                           : ds_le32(h + l->params + i * p);
    }

    /* Exception record and CONTEXT: present unless still the fill pattern. */
    if (hfield(h, l->exception, 4).known) {
        ds_exception_decode(h + l->exception, p, &c->exception);
        c->has_exception = true;
    }
    size_t ctx_flags_off = c->arch == DS_ARCH_X64 ? 0x30 : 0;
    if (c->arch != DS_ARCH_UNKNOWN && hfield(h, l->context + ctx_flags_off, 4).known)
        c->has_context = ds_context_decode(c->arch, h + l->context, l->context_max, &c->context);

    if (k->attributes.known) {
        for (unsigned b = 0; b < sizeof attribute_names / sizeof *attribute_names; b++)
            if (k->attributes.value >> b & 1)
                if (ds_note_add(c, DS_INFO, "dump_attribute", "dump attribute set: %s",
                                attribute_names[b]) < 0)
                    return -1;
        if (k->attributes.value & (1u << 8))
            if (ds_note_add(c, DS_DAMAGE, "encrypted",
                            "dump data is encrypted; memory pages cannot be read") < 0)
                return -1;
    }
    if (k->writer_status.known && k->writer_status.value != 0)
        if (ds_note_add(c, DS_WARNING, "writer_status",
                        "the dump writer reported status %u (%s)",
                        (unsigned)k->writer_status.value,
                        k->writer_status.value == 1   ? "no module list"
                        : k->writer_status.value == 2 ? "corrupt module list"
                                                      : "unknown") < 0)
            return -1;
    return 0;
}

static int check_sizes(ds_reader *r)
{
    ds_crash *c = r->crash;
    ds_kernel_info *k = &c->kernel;
    if (k->required_dump_space.known && c->kernel.dump_type.value != DS_DUMP_TRIAGE &&
        r->file.size < k->required_dump_space.value) {
        uint64_t need = k->required_dump_space.value;
        if (ds_note_add(c, DS_DAMAGE, "file_truncated",
                        "the file has %llu bytes but the header says the dump needs %llu "
                        "(%.1f%% present)",
                        (unsigned long long)r->file.size, (unsigned long long)need,
                        100.0 * (double)r->file.size / (double)need) < 0)
            return -1;
    }
    const ds_physmap *pm = &r->mem->phys;
    if (pm->npages_in_file < pm->npages)
        if (ds_note_add(c, DS_DAMAGE, "pages_missing",
                        "%llu of %llu memory pages the dump describes lie beyond the end "
                        "of the file",
                        (unsigned long long)(pm->npages - pm->npages_in_file),
                        (unsigned long long)pm->npages) < 0)
            return -1;
    k->physical_pages = pm->npages_in_file;
    return 0;
}

static ds_paging paging_for(const ds_crash *c)
{
    switch (c->arch) {
    case DS_ARCH_X64: return DS_PAGING_X64;
    case DS_ARCH_ARM64: return DS_PAGING_ARM64;
    case DS_ARCH_X86: return c->kernel.pae ? DS_PAGING_PAE : DS_PAGING_X86;
    default: return DS_PAGING_NONE;
    }
}

/* Every byte of the code and of the parameters' low halves printable ASCII:
 * tools such as DumpIt sign the header this way ("MATT", "MOON", "SOLS"). */
static bool bugcheck_is_text(const ds_bugcheck *b)
{
    uint32_t words[5] = {b->code};
    for (int i = 0; i < 4; i++) {
        if (b->params[i] >> 32)
            return false;
        words[i + 1] = (uint32_t)b->params[i];
    }
    for (int i = 0; i < 5; i++)
        for (int k = 0; k < 4; k++) {
            unsigned ch = words[i] >> (8 * k) & 0xFF;
            if (ch < 0x20 || ch > 0x7E)
                return false;
        }
    return true;
}

int ds_kernel_read(ds_reader *r, ds_error *err)
{
    ds_crash *c = r->crash;
    const uint8_t *sig = ds_span(r->file, 4, 4);
    bool wide = sig && memcmp(sig, "DU64", 4) == 0;
    const ds_klayout *l = wide ? &ds_klayout64 : &ds_klayout32;
    c->format = wide ? DS_FORMAT_KERNEL64 : DS_FORMAT_KERNEL32;
    c->has_kernel = true;

    /* Work on a copy pre-filled with "PAGE": a header cut short by truncation
     * then reads as "not written" instead of as garbage or out of bounds. */
    uint8_t *h = malloc(l->header_size);
    if (!h)
        return -1;
    for (uint32_t i = 0; i < l->header_size; i += 4)
        memcpy(h + i, "PAGE", 4);
    uint64_t have = ds_bytes_read(r->file, 0, h, l->header_size);
    int rc = -1;
    if (have < l->header_size &&
        ds_note_add(c, DS_DAMAGE, "header_truncated",
                    "the file ends inside the dump header (%llu of %u bytes)",
                    (unsigned long long)have, l->header_size) < 0)
        goto out;
    if (read_header_facts(r, l, h) < 0)
        goto out;
    if (c->arch == DS_ARCH_UNKNOWN &&
        ds_note_add(c, DS_DAMAGE, "unknown_machine",
                    "unsupported or corrupt machine type 0x%x", c->machine) < 0)
        goto out;

    c->kernel.dump_type = hfield(h, l->dump_type, 4);
    uint32_t dump_type = (uint32_t)c->kernel.dump_type.value;
    c->dump_kind = ds_dump_type_name(dump_type);
    bool handled = false;
    for (size_t i = 0; i < sizeof phys_readers / sizeof *phys_readers; i++) {
        if (phys_readers[i].type != dump_type)
            continue;
        handled = true;
        if (phys_readers[i].read && phys_readers[i].read(r, l, h) < 0)
            goto out;
    }
    char what[64] = "the DumpType was never written (it holds the \"PAGE\" fill)";
    if (c->kernel.dump_type.known)
        snprintf(what, sizeof what, "unknown DumpType %u", dump_type);
    if (!handled && ds_note_add(c, DS_DAMAGE, "unknown_dump_type",
                                "%s: only the header was read", what) < 0)
        goto out;

    ds_phys_finish(r->mem);
    ds_mem_finish_regions(r->mem);
    if (c->kernel.dump_type.value != DS_DUMP_TRIAGE && r->mem->phys.kind != DS_PHYS_NONE &&
        c->kernel.directory_table_base.known)
        ds_mem_set_paging(r->mem, paging_for(c), c->kernel.directory_table_base.value);
    c->kernel.highest_pfn = r->mem->phys.kind == DS_PHYS_BITMAP ? r->mem->phys.nbits : 0;
    for (size_t i = 0; i < r->mem->phys.nruns; i++) {
        const ds_run *run = &r->mem->phys.runs[i];
        if (run->pfn + run->count > c->kernel.highest_pfn)
            c->kernel.highest_pfn = run->pfn + run->count;
    }
    if (check_sizes(r) < 0 || ds_kdbg_read(r, l->ptr) < 0)
        goto out;
    if (c->kernel.dump_type.value != DS_DUMP_TRIAGE && r->mem->paging != DS_PAGING_NONE &&
        c->kernel.ps_loaded_module_list.known &&
        ds_kldr_walk(r, l->ptr, c->kernel.ps_loaded_module_list.value) < 0)
        goto out;
    if (c->has_bugcheck && bugcheck_is_text(&c->bugcheck) &&
        ds_note_add(c, DS_INFO, "bugcheck_text_marker",
                    "the bug-check fields hold text (\"%.4s\"), as memory acquisition "
                    "tools write them: this dump was not written by a crash",
                    (const char *)&c->bugcheck.code) < 0)
        goto out;
    if (c->has_bugcheck && c->bugcheck.code == 0 &&
        ds_note_add(c, DS_INFO, "no_bugcheck",
                    "bug-check code is 0: this dump was not written by a crash") < 0)
        goto out;
    rc = 0;
out:
    free(h);
    (void)err;
    return rc;
}
