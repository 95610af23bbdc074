#include <string.h>

#include "mem/context.h"
#include "model/model.h"
#include "model/records.h"

static unsigned ptr_size(const ds_crash *c)
{
    return c->arch == DS_ARCH_X86 || c->arch == DS_ARCH_ARM ? 4 : 8;
}

bool ds_records_exception(ds_crash *c, const ds_memview *mem, uint64_t va, int param)
{
    uint8_t buf[0x98];
    size_t need = ds_exception_record_size(ptr_size(c));
    if (c->records.has_exception || !va || need > sizeof buf ||
        ds_mem_read(mem, va, buf, need) != need)
        return false;
    ds_exception e;
    ds_exception_decode(buf, ptr_size(c), &e);
    /* EXCEPTION_MAXIMUM_PARAMETERS is 15; a code of 0 is no exception. */
    if (e.code == 0 || e.nparams > 15)
        return false;
    c->records.exception = e;
    c->records.exception_va = va;
    c->records.exception_param = ds_known((uint64_t)param);
    return c->records.has_exception = true;
}

/* Keep a decoded context or trap frame in its slot of c->records. */
static bool keep(bool *has, ds_context *slot, uint64_t *slot_va, ds_u64 *slot_param,
                 const ds_context *x, uint64_t va, int param)
{
    *slot = *x;
    *slot_va = va;
    *slot_param = param > 0 ? ds_known((uint64_t)param) : (ds_u64){0, false};
    return *has = true;
}

bool ds_records_context(ds_crash *c, const ds_memview *mem, uint64_t va, int param)
{
    ds_fault_records *r = &c->records;
    ds_context x;
    if (r->has_context || !va || !ds_context_read(mem, c->arch, va, &x) || !x.pc)
        return false;
    return keep(&r->has_context, &r->context, &r->context_va, &r->context_param, &x, va, param);
}

bool ds_records_trap(ds_crash *c, const ds_memview *mem, uint64_t va, int param)
{
    ds_fault_records *r = &c->records;
    ds_context x;
    if (r->has_trap || !va || !ds_trap_frame_read(mem, c->arch, c->os_build, va, &x))
        return false;
    return keep(&r->has_trap, &r->trap, &r->trap_va, &r->trap_param, &x, va, param);
}

/* Where a KTRAP_FRAME keeps the interrupted pc and code segment, and the
 * most stack a page fault's trap frame can sit below the interrupted sp. */
typedef struct trap_layout {
    ds_arch arch;
    unsigned pc_off, cs_off, size;
} trap_layout;

static const trap_layout trap_layouts[] = {
    {DS_ARCH_X64, 0x168, 0x170, 0x190},
    {DS_ARCH_X86, 0x68, 0x6C, 0x74},
};

bool ds_records_find_trap(ds_crash *c, const ds_memview *mem, uint64_t ip, uint64_t lo,
                          uint64_t len)
{
    const trap_layout *l = NULL;
    for (size_t i = 0; i < sizeof trap_layouts / sizeof *trap_layouts; i++)
        if (trap_layouts[i].arch == c->arch)
            l = &trap_layouts[i];
    if (!l || c->records.has_trap || !ip || !lo)
        return false;
    unsigned p = ptr_size(c);
    uint8_t buf[0x8000];
    if (len > sizeof buf)
        len = sizeof buf;
    size_t got = ds_mem_read(mem, lo, buf, (size_t)len);
    for (size_t off = 0; off + l->size <= got; off += p) {
        uint64_t pc = p == 8 ? ds_le64(buf + off + l->pc_off) : ds_le32(buf + off + l->pc_off);
        uint16_t cs = ds_le16(buf + off + l->cs_off);
        /* a kernel code segment: ring 0 and not null */
        if (pc != ip || cs == 0 || (cs & 3) != 0)
            continue;
        ds_context x;
        uint64_t va = lo + off;
        if (!ds_trap_frame_read(mem, c->arch, c->os_build, va, &x) ||
            x.sp <= va || x.sp - va > 0x10000)
            continue;
        ds_fault_records *r = &c->records;
        return keep(&r->has_trap, &r->trap, &r->trap_va, &r->trap_param, &x, va, 0);
    }
    return false;
}
