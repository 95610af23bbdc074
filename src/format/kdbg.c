/*
 * The kernel debugger data block (KDBG, doc/formats.md 9.2) is the map to the
 * rest of the kernel: from it we find every CPU's KPRCB, the context each CPU
 * saved when the system stopped, and which CPU crashed. Only a plain block is
 * used; an encoded one needs ntoskrnl symbols to decode (9.3).
 */
#include <stdlib.h>
#include <string.h>

#include "mem/context.h"
#include "format/format.h"
#include "model/model.h"

/* KDBG field offsets (the same on 32- and 64-bit: pointers stored as u64). */
enum {
    KDBG_TAG = 0x10, KDBG_SIZE = 0x14, KDBG_KERNBASE = 0x18, KDBG_PS_LOADED = 0x48,
    KDBG_PROCESSOR_BLOCK = 0x218, KDBG_KTHREAD_APC_PROCESS = 0x2A0,
    KDBG_SIZE_EPROCESS = 0x2A8, KDBG_SIZE_PRCB = 0x2B0, KDBG_PRCB_CURRENT_THREAD = 0x2B4,
    KDBG_SIZE_ETHREAD = 0x2C0, KDBG_PRCB_CONTEXT = 0x338, KDBG_NT_BUILD_LAB = 0x208,
    KDBG_MM_UNLOADED_DRIVERS = 0x220, KDBG_MM_LAST_UNLOADED_DRIVER = 0x228,
};

/* MI_UNLOADED_DRIVERS: the kernel keeps the last 50 unloaded drivers. */
#define MAX_UNLOADED 50

#define MAX_CPUS 2048 /* more than any Windows release supports */

typedef struct kdbg_facts {
    uint64_t processor_block;
    uint16_t prcb_context, prcb_thread, thread_process;
    uint16_t size_prcb, size_thread, size_process;
} kdbg_facts;

static uint64_t narrow(uint64_t v, unsigned ptr)
{
    return ptr == 4 ? v & 0xFFFFFFFFu : v; /* x86 stores sign-extended pointers */
}

static bool read_facts(ds_reader *r, uint64_t va, unsigned ptr, kdbg_facts *f)
{
    uint32_t size;
    uint64_t base, list;
    const ds_memview *m = r->mem;
    if (!ds_mem_u32(m, va + KDBG_SIZE, &size) || size < KDBG_PRCB_CONTEXT + 2)
        return false;
    if (ds_mem_u64(m, va + KDBG_KERNBASE, &base))
        r->crash->kernel.kernel_base = ds_known(narrow(base, ptr));
    ds_u64 hdr_list = r->crash->kernel.ps_loaded_module_list;
    if (ds_mem_u64(m, va + KDBG_PS_LOADED, &list) && hdr_list.known &&
        narrow(list, ptr) != hdr_list.value)
        ds_note_add(r->crash, DS_WARNING, "kdbg_mismatch",
                    "KDBG.PsLoadedModuleList 0x%llx differs from the header's 0x%llx",
                    (unsigned long long)narrow(list, ptr),
                    (unsigned long long)hdr_list.value);
    return ds_mem_u64(m, va + KDBG_PROCESSOR_BLOCK, &f->processor_block) &&
           ds_mem_u16(m, va + KDBG_PRCB_CONTEXT, &f->prcb_context) &&
           ds_mem_u16(m, va + KDBG_PRCB_CURRENT_THREAD, &f->prcb_thread) &&
           ds_mem_u16(m, va + KDBG_KTHREAD_APC_PROCESS, &f->thread_process) &&
           ds_mem_u16(m, va + KDBG_SIZE_PRCB, &f->size_prcb) &&
           ds_mem_u16(m, va + KDBG_SIZE_ETHREAD, &f->size_thread) &&
           ds_mem_u16(m, va + KDBG_SIZE_EPROCESS, &f->size_process);
}

/* Does the triage KPRCB copy equal the memory at this KPRCB's VA? */
static bool matches_prcb_blob(const ds_reader *r, uint64_t prcb, uint32_t size)
{
    uint8_t buf[0x200];
    uint32_t n = size < sizeof buf ? size : sizeof buf;
    if (r->blob_prcb.room < n || n == 0)
        return false;
    const uint8_t *blob = ds_span(r->file, r->blob_prcb.off, n);
    return blob && ds_mem_read(r->mem, prcb, buf, n) == n && memcmp(buf, blob, n) == 0;
}

static int find_cpus(ds_reader *r, unsigned ptr, const kdbg_facts *f)
{
    ds_crash *c = r->crash;
    ds_kernel_info *k = &c->kernel;
    uint32_t ncpu = c->cpus.value < MAX_CPUS ? (uint32_t)c->cpus.value : MAX_CPUS;
    k->processors = calloc(ncpu ? ncpu : 1, sizeof *k->processors);
    if (!k->processors)
        return -1;
    int by_blob = -1, by_sp = -1;
    for (uint32_t i = 0; i < ncpu; i++) {
        uint64_t prcb, ctx_va;
        if (!ds_mem_ptr(r->mem, narrow(f->processor_block, ptr) + (uint64_t)i * ptr, ptr,
                        &prcb) || prcb == 0)
            continue;
        ds_processor *p = &k->processors[k->nprocessors];
        p->index = i;
        p->prcb = prcb;
        uint64_t thread, process;
        if (ds_mem_ptr(r->mem, prcb + f->prcb_thread, ptr, &thread) && thread) {
            p->current_thread = ds_known(thread);
            if (ds_mem_ptr(r->mem, thread + f->thread_process, ptr, &process) && process)
                p->current_process = ds_known(process);
        }
        if (ds_mem_ptr(r->mem, prcb + f->prcb_context, ptr, &ctx_va))
            p->has_context = ds_context_read(r->mem, c->arch, ctx_va, &p->context);
        if (by_blob < 0 && matches_prcb_blob(r, prcb, f->size_prcb))
            by_blob = (int)k->nprocessors;
        if (by_sp < 0 && p->has_context && c->has_context && p->context.sp == c->context.sp)
            by_sp = (int)k->nprocessors;
        k->nprocessors++;
    }
    /* Evidence, strongest first: the triage KPRCB copy is the crashing CPU's;
     * a saved context equal to the header's; the only CPU we can see. */
    if (by_blob >= 0) {
        k->crashing_cpu = ds_known((uint64_t)by_blob);
        k->crashing_cpu_reason = "triage_prcb_copy";
    } else if (by_sp >= 0) {
        k->crashing_cpu = ds_known((uint64_t)by_sp);
        k->crashing_cpu_reason = "context_matches_header";
    } else if (k->nprocessors == 1) {
        k->crashing_cpu = ds_known(0);
        k->crashing_cpu_reason = "only_processor_found";
    }
    return 0;
}

/* Map a triage blob at va with at most want bytes (bounded by its room). */
static int map_blob(ds_reader *r, uint64_t va, uint32_t off, uint32_t room, uint32_t want)
{
    if (!va || !off || !room)
        return 0;
    return ds_mem_add_region(r->mem, va, want && want < room ? want : room, off) < 0 ? -1 : 0;
}

/* NtBuildLab ("19041.1.amd64fre.vb_release.191206-1406"): printable ASCII. */
static void read_build_lab(ds_reader *r, uint64_t kdbg, unsigned ptr)
{
    uint64_t va;
    char buf[96]; /* "19041.1.amd64fre.vb_release.191206-1406" is 39 */
    if (!ds_mem_u64(r->mem, kdbg + KDBG_NT_BUILD_LAB, &va) || !va)
        return;
    size_t got = ds_mem_read(r->mem, narrow(va, ptr), buf, sizeof buf - 1);
    size_t n = 0;
    while (n < got && buf[n] >= 0x20 && buf[n] < 0x7F)
        n++;
    if (n == 0 || n == got)
        return; /* no terminator in reach: not the string */
    ds_str_set(&r->crash->kernel.build_lab, ds_strfmt("%.*s", (int)n, buf));
}

/*
 * Unloaded drivers of kernel and complete dumps: KDBG.MmUnloadedDrivers
 * points to the kernel's pointer to its UNLOADED_DRIVERS array (Name
 * UNICODE_STRING, StartAddress, EndAddress, CurrentTime), and
 * MmLastUnloadedDriver to the index the next unload will use. Listed most
 * recent first. Triage dumps carry their own list (format/triage.c).
 */
static int read_unloaded(ds_reader *r, uint64_t kdbg, unsigned ptr)
{
    ds_crash *c = r->crash;
    uint64_t var, arr, last_va;
    uint32_t last;
    if (c->nunloaded || !ds_mem_u64(r->mem, kdbg + KDBG_MM_UNLOADED_DRIVERS, &var) || !var ||
        !ds_mem_u64(r->mem, kdbg + KDBG_MM_LAST_UNLOADED_DRIVER, &last_va) || !last_va ||
        !ds_mem_ptr(r->mem, narrow(var, ptr), ptr, &arr) || !arr ||
        !ds_mem_u32(r->mem, narrow(last_va, ptr), &last))
        return 0;
    unsigned entry = ptr == 8 ? 0x28 : 0x18;
    uint32_t n = last < MAX_UNLOADED ? last : MAX_UNLOADED;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = (last - 1 - k) % MAX_UNLOADED;
        uint64_t e = arr + (uint64_t)i * entry, start, end;
        if (!ds_mem_ptr(r->mem, e + 2 * ptr, ptr, &start) ||
            !ds_mem_ptr(r->mem, e + 3 * ptr, ptr, &end) || !start || end <= start ||
            end - start > 0x40000000u)
            continue;
        char *name = ds_mem_unicode_string(r->mem, e, ptr);
        if (!name)
            continue;
        ds_module *m = ds_module_add(c, true);
        if (!m) {
            free(name);
            return -1;
        }
        m->base = start;
        m->size = end - start;
        ds_str_set(&m->name, ds_basename_dup(name));
        ds_str_set(&m->path, name);
    }
    return 0;
}

int ds_kdbg_read(ds_reader *r, unsigned ptr)
{
    ds_crash *c = r->crash;
    ds_u64 va = c->kernel.kd_debugger_data_block;
    uint32_t tag;
    if (!va.known || va.value == 0)
        return 0;
    if (!ds_mem_u32(r->mem, va.value + KDBG_TAG, &tag))
        return ds_note_add(c, DS_INFO, "kdbg_missing",
                           "the debugger data block (KDBG) is not in the dump");
    if (tag != 0x4742444Bu) /* "KDBG" */
        return ds_note_add(c, DS_WARNING, "kdbg_encoded",
                           "the debugger data block is encoded or damaged; its fields "
                           "are not used");
    c->kernel.kdbg_plain = true;
    c->kernel.triage.kdbg_copy = c->kernel.has_triage;
    read_build_lab(r, va.value, ptr);
    if (!c->kernel.has_triage && read_unloaded(r, va.value, ptr) < 0)
        return -1;
    kdbg_facts f;
    if (!read_facts(r, va.value, ptr, &f))
        return ds_note_add(c, DS_INFO, "kdbg_short",
                           "the debugger data block is too short or partly missing");
    if (find_cpus(r, ptr, &f) < 0)
        return -1;
    ds_u64 cpu = c->kernel.crashing_cpu;
    if (cpu.known && c->kernel.has_triage) {
        const ds_processor *p = &c->kernel.processors[cpu.value];
        /* map_blob maps nothing at VA 0 (an unknown thread or process) */
        if (map_blob(r, p->prcb, r->blob_prcb.off, r->blob_prcb.room, f.size_prcb) < 0 ||
            map_blob(r, p->current_thread.value, r->blob_thread.off, r->blob_thread.room,
                     f.size_thread) < 0 ||
            map_blob(r, p->current_process.value, r->blob_process.off, r->blob_process.room,
                     f.size_process) < 0)
            return -1;
        ds_mem_finish_regions(r->mem);
    }
    return 0;
}
