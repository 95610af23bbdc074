#include <string.h>

#include "mem/context.h"
#include "io/bytes.h"
#include "mem/memview.h"

/* A run of registers stored back to back: regs[first..first+count) at off. */
typedef struct reg_run {
    uint8_t first, count, size;
    uint16_t off;
} reg_run;

typedef struct ctx_layout {
    ds_arch arch;
    uint16_t min_size;
    uint8_t pc, sp, fp;
    reg_run runs[12];
} ctx_layout;

/* Offsets: doc/formats.md 4.1 (x64), 4.2 (x86), 4.3 (ARM64), 4.4 (ARM). */
static const ctx_layout layouts[] = {
    {DS_ARCH_X64, 0x100, 16, 4, 5,
     {{0, 16, 8, 0x78}, {16, 1, 8, 0xF8}, {17, 1, 4, 0x44}}},
    {DS_ARCH_X86, 0xCC, 16, 4, 5,
     {{0, 1, 4, 0xB0}, {1, 1, 4, 0xAC}, {2, 1, 4, 0xA8}, {3, 1, 4, 0xA4},
      {4, 1, 4, 0xC4}, {5, 1, 4, 0xB4}, {6, 1, 4, 0xA0}, {7, 1, 4, 0x9C},
      {16, 1, 4, 0xB8}, {17, 1, 4, 0xC0}}},
    {DS_ARCH_ARM64, 0x110, 32, 31, 29, {{0, 33, 8, 0x08}, {33, 1, 4, 0x04}}},
    {DS_ARCH_ARM, 0x48, 15, 13, 11, {{0, 16, 4, 0x04}, {16, 1, 4, 0x44}}},
};

static const ctx_layout *layout_for(ds_arch arch)
{
    for (size_t i = 0; i < sizeof layouts / sizeof *layouts; i++)
        if (layouts[i].arch == arch)
            return &layouts[i];
    return NULL;
}

size_t ds_context_min_size(ds_arch arch)
{
    const ctx_layout *l = layout_for(arch);
    return l ? l->min_size : 0;
}

bool ds_context_decode(ds_arch arch, const uint8_t *p, size_t len, ds_context *out)
{
    const ctx_layout *l = layout_for(arch);
    memset(out, 0, sizeof *out);
    if (!l || !p || len < l->min_size)
        return false;
    out->arch = arch;
    /* ARM64 and ARM keep ContextFlags at 0 too. */
    out->flags = ds_le32(p + (arch == DS_ARCH_X64 ? 0x30 : 0));
    for (size_t i = 0; i < sizeof l->runs / sizeof *l->runs && l->runs[i].count; i++) {
        const reg_run *r = &l->runs[i];
        for (unsigned k = 0; k < r->count; k++) {
            const uint8_t *q = p + r->off + (size_t)k * r->size;
            out->regs[r->first + k] = r->size == 8 ? ds_le64(q) : ds_le32(q);
            out->valid |= 1ull << (r->first + k);
        }
    }
    out->pc = out->regs[l->pc];
    out->sp = out->regs[l->sp];
    out->fp = out->regs[l->fp];
    return true;
}

size_t ds_exception_record_size(unsigned ptr_size)
{
    return ptr_size == 8 ? 0x98 : 0x50;
}

void ds_exception_decode(const uint8_t *p, unsigned ptr_size, ds_exception *out)
{
    /* Pointer-sized fields follow the two u32s; 64-bit pads NumberParameters. */
    bool wide = ptr_size == 8;
    memset(out, 0, sizeof *out);
    out->code = ds_le32(p);
    out->flags = ds_le32(p + 4);
    size_t info;
    if (wide) {
        out->record = ds_le64(p + 0x08);
        out->address = ds_le64(p + 0x10);
        out->nparams = ds_le32(p + 0x18);
        info = 0x20;
    } else {
        out->record = ds_le32(p + 0x08);
        out->address = ds_le32(p + 0x0C);
        out->nparams = ds_le32(p + 0x10);
        info = 0x14;
    }
    for (unsigned i = 0; i < 15; i++)
        out->params[i] = wide ? ds_le64(p + info + 8 * i) : ds_le32(p + info + 4 * i);
}

ds_arch ds_arch_from_machine(uint32_t machine)
{
    switch (machine) {
    case 0x014C: return DS_ARCH_X86;
    case 0x8664: return DS_ARCH_X64;
    case 0xAA64: return DS_ARCH_ARM64;
    case 0x01C4: return DS_ARCH_ARM;
    default: return DS_ARCH_UNKNOWN;
    }
}

bool ds_context_read(const ds_memview *mem, ds_arch arch, uint64_t va, ds_context *out)
{
    uint8_t buf[0x4D0]; /* the largest CONTEXT prefix any arch needs */
    size_t need = ds_context_min_size(arch);
    return need && need <= sizeof buf && ds_mem_read(mem, va, buf, need) == need &&
           ds_context_decode(arch, buf, need, out);
}

/* KTRAP_FRAME layouts (doc/formats.md 9.1): where each register dumpscan
 * reads is saved, per architecture and range of kernel builds (public
 * symbols of each release). Only the fields every entry path fills; the rest
 * stay invalid. x86 esp is not here: it depends on the trap's mode (below). */
typedef struct trap_layout {
    ds_arch arch;
    uint32_t first_build, last_build;
    uint8_t nregs;
    struct {
        uint8_t reg;
        uint16_t off;
    } regs[13];
} trap_layout;

static const trap_layout trap_layouts[] = {
    {DS_ARCH_X64, 0, UINT32_MAX, 13,
     {{16, 0x168}, {4, 0x180}, {5, 0x158}, {0, 0x30}, {1, 0x38}, {2, 0x40}, {8, 0x48},
      {9, 0x50}, {10, 0x58}, {11, 0x60}, {3, 0x140}, {7, 0x148}, {6, 0x150}}},
    /* NT 3.10 to Windows 8 (6.2, build 9200): DbgArgPointer at 0x0C */
    {DS_ARCH_X86, 0, 9200, 8,
     {{16, 0x68}, {5, 0x60}, {0, 0x44}, {1, 0x40}, {2, 0x3C}, {3, 0x5C}, {6, 0x58},
      {7, 0x54}}},
    /* Windows 8.1 (6.3, build 9600) and later: DbgArgPointer gone, Edx, Ecx
     * and Eax 4 bytes lower. Builds 9201-9599 (8.1 pre-releases only) are in
     * neither row: no public symbols of them were found. */
    {DS_ARCH_X86, 9600, UINT32_MAX, 8,
     {{16, 0x68}, {5, 0x60}, {0, 0x40}, {1, 0x3C}, {2, 0x38}, {3, 0x5C}, {6, 0x58},
      {7, 0x54}}},
};

/* The layout of arch whose builds hold build; NULL when the build is unknown
 * or no row covers it. */
static const trap_layout *trap_layout_for(ds_arch arch, ds_u64 build)
{
    for (size_t i = 0; build.known && i < sizeof trap_layouts / sizeof *trap_layouts; i++) {
        const trap_layout *l = &trap_layouts[i];
        if (l->arch == arch && build.value >= l->first_build && build.value <= l->last_build)
            return l;
    }
    return NULL;
}

/* Every layout of arch saves reg at off: safe to read whatever the build. */
static bool trap_reg_agreed(ds_arch arch, uint8_t reg, uint16_t off)
{
    for (size_t i = 0; i < sizeof trap_layouts / sizeof *trap_layouts; i++) {
        const trap_layout *l = &trap_layouts[i];
        if (l->arch != arch)
            continue;
        bool same = false;
        for (unsigned k = 0; k < l->nregs; k++)
            same |= l->regs[k].reg == reg && l->regs[k].off == off;
        if (!same)
            return false;
    }
    return true;
}

/* Registers from a KTRAP_FRAME: what WinDbg's .trap shows. */
bool ds_trap_frame_read(const ds_memview *mem, ds_arch arch, ds_u64 build, uint64_t va,
                        ds_context *x)
{
    bool wide = arch == DS_ARCH_X64;
    if (!wide && arch != DS_ARCH_X86)
        return false;
    const trap_layout *l = trap_layout_for(arch, build);
    bool sure = l != NULL;
    for (size_t i = 0; !l && i < sizeof trap_layouts / sizeof *trap_layouts; i++)
        if (trap_layouts[i].arch == arch)
            l = &trap_layouts[i];
    memset(x, 0, sizeof *x);
    x->arch = arch;
    for (unsigned i = 0; i < l->nregs; i++) {
        uint8_t reg = l->regs[i].reg;
        uint16_t off = l->regs[i].off;
        uint64_t v;
        if (!sure && !trap_reg_agreed(arch, reg, off))
            continue;
        if (!ds_mem_ptr(mem, va + off, wide ? 8 : 4, &v))
            return false;
        x->regs[reg] = v;
        x->valid |= 1ull << reg;
    }
    if (!wide) {
        /* The CPU pushes SS:ESP only on a privilege change: for a kernel-mode
         * trap the interrupted esp is where HardwareEsp would be. */
        uint32_t cs, flags;
        uint64_t esp;
        if (!ds_mem_u32(mem, va + 0x6C, &cs) || !ds_mem_u32(mem, va + 0x70, &flags))
            return false;
        bool kernel = (cs & 1) == 0 && !(flags & 0x20000);
        if (kernel)
            esp = va + 0x74;
        else if (!ds_mem_ptr(mem, va + 0x74, 4, &esp))
            return false;
        x->regs[4] = esp;
        x->valid |= 1ull << 4;
    }
    x->pc = x->regs[16];
    x->sp = x->regs[4];
    x->fp = x->regs[5];
    return x->pc != 0;
}

