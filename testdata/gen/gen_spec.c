/* Spec defaults, scenarios, seeding and the per-arch layout constants. */
#include "gen_internal.h"

#include <string.h>

/* Top byte of a multiplicative hash: depends on every bit of va, so a read from
   the wrong page (or the wrong offset) never matches. */
uint8_t gen_pattern(uint64_t va) { return (uint8_t)((va * 0x9E3779B97F4A7C15ULL) >> 56); }

bool gen_arch_is64(int arch) { return arch == DS_ARCH_X64 || arch == DS_ARCH_ARM64; }

/* ------------------------------------------------ function templates */

static const char *const func_names[3] = {"DsgWorker", "DsgDispatch", "DsgStart"};

const char *gen_func_name(unsigned idx) { return idx < 3 ? func_names[idx] : NULL; }

uint32_t gen_func_rva(int arch, unsigned idx)
{
    if (idx > 2) return 0;
    if (arch == DS_ARCH_X86) return 0x1000 + 0x10 * idx;
    return 0x1000 + 0x20 * idx;
}

uint32_t gen_func_size(int arch, unsigned idx)
{
    static const uint32_t x64[3] = {0x0C, 0x13, 0x15};
    static const uint32_t x86[3] = {0x07, 0x0F, 0x0F};
    if (idx > 2) return 0;
    if (arch == DS_ARCH_X86) return x86[idx];
    if (arch == DS_ARCH_ARM64) return 20;
    return x64[idx];
}

uint32_t gen_fault_offset(int arch)
{
    return arch == DS_ARCH_X86 ? 3 : arch == DS_ARCH_ARM64 ? 8 : 4;
}

uint32_t gen_return_offset(int arch, unsigned idx)
{
    if (arch == DS_ARCH_X86) return 0x0B;
    if (arch == DS_ARCH_ARM64) return 0x0C;
    return idx == 1 ? 0x0D : 0x0F;
}

void gen_get_layout(int arch, bool pae, gen_layout *L)
{
    memset(L, 0, sizeof *L);
    L->stack_size = 0x3000;
    L->ctxrec_off = 0x1000;
    L->exrec_off = 0x1600;
    L->sp_off = 0x2800;
    L->large_pa = GEN_LARGE_PA;
    if (arch == DS_ARCH_X86) {
        L->pool_va = 0x85000000u;
        L->stack_low = 0x8A103000u;
        L->large_va = 0x86000000u;
        L->large_size = pae ? 0x200000u : 0x400000u;
        L->pfn_array_va = 0x84200000u;
    } else {
        L->pool_va = 0xFFFFF80430000000ULL;
        L->stack_low = 0xFFFFF80440103000ULL;
        L->large_va = 0xFFFFF80450000000ULL;
        L->large_size = 0x200000u;
        L->pfn_array_va = 0xFFFFFA8000000000ULL;
        if (arch == DS_ARCH_X64) L->trans_va = 0xFFFFF80460000000ULL;
    }
    L->obj_va = L->pool_va + 0xA0000u;
}

/* --------------------------------------------------------- defaults */

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static uint64_t hash_str(const char *s, uint64_t seed)
{
    uint64_t h = 0xCBF29CE484222325ULL ^ seed;
    for (; s && *s; s++) h = (h ^ (uint8_t)*s) * 0x100000001B3ULL;
    return h;
}

static void make_guid(uint8_t g[16], const char *name, uint64_t seed)
{
    uint64_t x = hash_str(name, seed);
    put64(g, splitmix(&x));
    put64(g + 8, splitmix(&x));
    g[7] = (uint8_t)((g[7] & 0x0F) | 0x40); /* looks like a version-4 GUID */
    g[8] = (uint8_t)((g[8] & 0x3F) | 0x80);
}

static void set_module(gen_module *m, const char *name, const char *path, uint64_t base,
                       uint32_t size, uint32_t ts, uint32_t ck, const char *pdb)
{
    m->name = name;
    m->path = path;
    m->base = base;
    m->size = size;
    m->timestamp = ts;
    m->checksum = ck;
    m->header_in_dump = true;
    make_guid(m->guid, name, 0);
    m->age = 1;
    m->pdb_name = pdb;
}

void gen_spec_update_context(gen_spec *s)
{
    if (s->nmodules == 0) return;
    gen_layout L;
    gen_get_layout(s->arch, s->pae, &L);
    size_t cm = s->crash_module < s->nmodules ? s->crash_module : s->nmodules - 1;
    bool is64 = gen_arch_is64(s->arch);
    uint64_t sp = L.stack_low + L.sp_off;
    s->ctx_pc = s->modules[cm].base + gen_func_rva(s->arch, 0) + gen_fault_offset(s->arch);
    s->ctx_sp = sp;
    /* x64: rbp was set up by the DsgStart frame two levels up (rsp there = sp+0x60,
       lea rbp,[rsp+0x20]); x86 and ARM64 keep a frame pointer in every frame */
    s->ctx_fp = s->arch == DS_ARCH_X64 ? sp + 0x80 : sp;
    uint64_t av = is64 ? 0xFFFFFFFFC0000005ULL : 0xC0000005u;
    uint64_t *p = s->bugcheck_params;
    /* chain scenarios: the context and the faulting frame come from the chain */
    uint64_t fpc = s->ctx_pc;
    bool unl = false;
    if (s->nchain) {
        gchain c;
        if (chain_plan(s, &c, NULL, 0) == 0) {
            s->ctx_pc = c.pc[0];
            s->ctx_sp = c.pos[0];
            s->ctx_fp = c.fp[0];
            fpc = c.pc[c.fault];
            unl = c.kind[c.fault] == GEN_FN_UNLOADED;
        }
    }
    switch (s->bugcheck_code) {
    case 0x7E: case 0x1000007E: case 0x8E: case 0x1000008E:
        p[0] = av; p[1] = fpc;
        p[2] = L.stack_low + L.exrec_off; p[3] = L.stack_low + L.ctxrec_off;
        break;
    case 0x1E: case 0x1000001E:
        p[0] = av; p[1] = fpc; p[2] = 0; p[3] = 0;
        break;
    case 0x0A: case 0xD1:
        if (unl) { p[0] = fpc; p[1] = 2; p[2] = 8; p[3] = fpc; } /* execute at the address */
        else { p[0] = 0; p[1] = 2; p[2] = 0; p[3] = fpc; }
        break;
    case 0x50: case 0x10000050:
        p[0] = L.pool_va + 0x00F00000u; p[1] = 0; p[2] = fpc; p[3] = 2;
        break;
    case 0xE2:
        p[0] = p[1] = p[2] = p[3] = 0;
        break;
    default:
        break;
    }
    if (!s->nchain) return;
    /* codes only the chain scenarios use */
    uint64_t blk = L.pool_va + 0x00C41230u; /* a pool block (not in the dump) */
    uint64_t nt_data = s->modules[0].base + pe_min_size(s->arch, true) - PG;
    switch (s->bugcheck_code) {
    case 0xCE: /* P1 referenced, P2 read, P3 the instruction, P4 reserved */
        p[0] = fpc; p[1] = 0; p[2] = fpc; p[3] = 0;
        break;
    case 0x19: /* 0x20: a pool block header size is corrupt */
        p[0] = 0x20; p[1] = blk; p[2] = blk + 0x90; p[3] = 0x04090009;
        break;
    case 0xC2: /* 7: freeing pool that is already free; P2 tag, P3 header, P4 block */
        p[0] = 7; p[1] = 0x52647750; /* 'PwdR' */ p[2] = 0x0A040005; p[3] = blk;
        break;
    case 0x9F: /* 3: PDO, nt!_TRIAGE_9F_POWER, the blocked IRP */
        p[0] = 3; p[1] = L.obj_va + OBJ_PDO; p[2] = L.obj_va + OBJ_TRIAGE9F;
        p[3] = L.obj_va + OBJ_IRP;
        break;
    case 0x133: /* P1 as set by the scenario: 0 single DPC, 1 cumulative */
        if (p[0] == 0) { p[1] = 0x501; p[2] = 0x500; p[3] = nt_data + 0x800; }
        else { p[0] = 1; p[1] = 0x1E00; p[2] = nt_data + 0x800; p[3] = 0; }
        break;
    case 0x124: /* P1 error source (as set); P2 the WHEA_ERROR_RECORD; for a machine
                   check (0) P3/P4 are MCi_STATUS high/low, otherwise reserved */
        p[1] = L.obj_va + OBJ_WHEA;
        if (p[0] == 0) { p[2] = 0xBE000000u; p[3] = 0x00800400u; }
        else { p[2] = 0; p[3] = 0; }
        break;
    default:
        break;
    }
}

void gen_spec_default(gen_spec *s, int arch, bool pae, uint32_t dump_type)
{
    memset(s, 0, sizeof *s);
    s->arch = arch;
    s->pae = arch == DS_ARCH_X86 && pae;
    s->dump_type = dump_type;
    s->build = arch == DS_ARCH_X86 ? 10240 : 19041;
    if (dump_type == DS_DUMP_SUMMARY) s->build = 7601; /* legacy layout: Windows 7 era */
    s->cpus = 4;
    s->product_type = 1;
    s->suite_mask = 0x110;
    s->bugcheck_code = 0x1000007E;
    s->system_time = 133549776000000000ULL; /* 2024-03-15 12:00:00 UTC */
    s->uptime = 80000000000ULL;             /* 2 h 13 min 20 s */
    s->broken_driver = "mydrv.sys";
    s->crash_module = 2;
    s->caller_module = 3;

    if (arch == DS_ARCH_X86) {
        set_module(&s->modules[0], "ntoskrnl.exe", "\\SystemRoot\\system32\\ntoskrnl.exe",
                   0x82400000u, 0x5E5000, 0x559F3C1A, 0x0055A2C1,
                   s->pae ? "ntkrpamp.pdb" : "ntkrnlmp.pdb");
        set_module(&s->modules[1], "hal.dll", "\\SystemRoot\\system32\\hal.dll", 0x82000000u,
                   0x37000, 0x559F3B77, 0x0003C3E5, "halmacpi.pdb");
        set_module(&s->modules[2], "mydrv.sys", "\\SystemRoot\\System32\\drivers\\mydrv.sys",
                   0x8F200000u, 0x8000, 0x65F0A1B2, 0x0000F00D,
                   "C:\\build\\mydrv\\Release\\mydrv.pdb");
        set_module(&s->modules[3], "Wdf01000.sys",
                   "\\SystemRoot\\System32\\drivers\\Wdf01000.sys", 0x8F000000u, 0xE3000,
                   0x559F3D04, 0x000E6A1F, "Wdf01000.pdb");
        s->unloaded[0] = (gen_unloaded){"oldflt.sys", 0x8F400000u, 0x8F409000u};
    } else {
        set_module(&s->modules[0], "ntoskrnl.exe", "\\SystemRoot\\system32\\ntoskrnl.exe",
                   0xFFFFF80412000000ULL, 0x1046000, 0x5F8A1C2D, 0x00A5938C, "ntkrnlmp.pdb");
        set_module(&s->modules[1], "hal.dll", "\\SystemRoot\\system32\\hal.dll",
                   0xFFFFF80411A00000ULL, 0x6000, 0x3A4B5C6D, 0x0000E0C2, "hal.pdb");
        set_module(&s->modules[2], "mydrv.sys", "\\SystemRoot\\System32\\drivers\\mydrv.sys",
                   0xFFFFF80415A00000ULL, 0x8000, 0x65F0A1B2, 0x0000F00D,
                   "C:\\build\\mydrv\\x64\\Release\\mydrv.pdb");
        set_module(&s->modules[3], "Wdf01000.sys",
                   "\\SystemRoot\\System32\\drivers\\Wdf01000.sys", 0xFFFFF80415800000ULL,
                   0xE3000, 0x8E0F0B4C, 0x000E6A1F, "Wdf01000.pdb");
        s->unloaded[0] = (gen_unloaded){"oldflt.sys", 0xFFFFF80419A00000ULL,
                                        0xFFFFF80419A09000ULL};
    }
    s->nmodules = 4;
    s->nunloaded = 1;
    gen_spec_update_context(s);
}

/* Header scenarios: the default crash (mydrv.sys faulting, its stack) under
 * another bug check whose parameters are set here; `mask` says which
 * parameters replace the ones gen_spec_update_context derives (bit 0 is P1).
 * Each is a case the verdict must get right from the parameters alone
 * (testdata/README.md, "Verdict scenarios"). */
static const struct {
    const char *name;
    uint32_t code;
    unsigned mask;
    uint64_t p[4];
    uint64_t exinfo[2]; /* the exception record's access and address (0x7E) */
} header_scenarios[] = {
    {"acpibios", 0xA5, 0xF, {0x2, 0, 0, 0}, {0, 0}},              /* firmware: no driver */
    {"acpifatal", 0xE0, 0xF, {0x10, 0x4, 0, 0}, {0, 0}},           /* firmware: no driver */
    {"iommu", 0x159, 0xF, {0x3000, 0xC0000001u, 0x1, 0x1AD000}, {0, 0}}, /* a driver */
    {"livedump", 0x1A8, 0xF, {0x1, 0, 0, 0}, {0, 0}},             /* the system kept running */
    {"noncanon", 0xD1, 0x1, {0x00F0FFFF12345678ULL, 0, 0, 0}, {0, 0}}, /* x64/ARM64 garbage */
    {"fillptr", 0xA, 0x1, {0xDEADBEEFu, 0, 0, 0}, {0, 0}},         /* a fill pattern */
    {"freedptr", 0xD1, 0x1, {0xFFFFFFFFFEEEFEEEULL, 0, 0, 0}, {0, 0}}, /* freed heap fill */
    {"userptr", 0xD1, 0x1, {0x7FF6A1230010ULL, 0, 0, 0}, {0, 0}},  /* user VA at DISPATCH */
    {"badimagehash", 0x5A, 0xF, {0x1, 0xFFFFC00012345000ULL, 0, 0xC0000428u}, {0, 0}},
    /* 0x7A: a kernel page could not be read back, the disk reported bad data */
    {"inpage", 0x7A, 0xF, {0xFFFFF6FB7DBED000ULL, 0xC000009Cu, 0x2A5B8860, 0xFFFFF80412345000ULL},
     {0, 0}},
    /* 0x7E whose exception record (P3) is a write to a freed-heap fill address */
    {"exrecptr", 0x1000007E, 0, {0, 0, 0, 0}, {1, 0xFEEEFEEEFEEEFEEEULL}},
};

int gen_spec_scenario(gen_spec *s, const char *name)
{
    for (size_t i = 0; name && i < sizeof header_scenarios / sizeof *header_scenarios; i++) {
        if (strcmp(name, header_scenarios[i].name) != 0) continue;
        s->bugcheck_code = header_scenarios[i].code;
        gen_spec_update_context(s);
        bool is64 = gen_arch_is64(s->arch);
        for (unsigned k = 0; k < 2; k++)
            s->exception_info[k] = is64 ? header_scenarios[i].exinfo[k]
                                        : (uint32_t)header_scenarios[i].exinfo[k];
        for (unsigned k = 0; k < 4; k++)
            if (header_scenarios[i].mask & (1u << k)) {
                uint64_t v = header_scenarios[i].p[k];
                s->bugcheck_params[k] = is64 ? v : (uint32_t)v;
            }
        return 0;
    }
    if (!name || !strcmp(name, "default")) {
        /* as is */
    } else if (!strcmp(name, "irql")) {
        s->bugcheck_code = 0xA;
    } else if (!strcmp(name, "pagefault")) {
        s->bugcheck_code = 0x50;
    } else if (!strcmp(name, "kmode")) {
        s->bugcheck_code = 0x1E;
    } else if (!strcmp(name, "manual")) {
        s->bugcheck_code = 0xE2;
        s->crash_module = 0;
        s->caller_module = 0;
        s->broken_driver = NULL;
    } else if (!strcmp(name, "ntcrash")) {
        s->crash_module = 0;
        s->caller_module = s->nmodules > 2 ? 2 : 0;
    } else if (!strcmp(name, "noimages")) {
        for (size_t i = 0; i < s->nmodules; i++) s->modules[i].header_in_dump = false;
    } else if (!strcmp(name, "nobroken")) {
        s->broken_driver = NULL;
    } else {
        int rc = gen_chain_scenario(s, name);
        if (rc != 0) return -1;
    }
    gen_spec_update_context(s);
    return 0;
}

const char *const *gen_scenario_names(void)
{
    static const char *const names[] = {
        "default", "irql", "pagefault", "kmode", "manual", "ntcrash", "noimages", "nobroken",
        "irqltrap", "pool", "poolcaller", "unloaded", "unloadedce", "power", "powernomem",
        "watchdog", "watchdogdpc", "whea", "manualkbd", "scanonly", "victim", "victimflt",
        "tdr", "tdrlive", "acpibios", "acpifatal", "iommu", "livedump", "noncanon", "fillptr", "freedptr",
        "userptr", "badimagehash", "exrecptr", "inpage", NULL};
    return names;
}

/* ------------------------------------------------------ chain helpers */

int gen_spec_add_module(gen_spec *s, const char *name, const char *path, uint64_t base,
                        uint32_t size, uint32_t timestamp, const char *pdb_name)
{
    if (!name || s->nmodules >= GEN_MAX_MODULES) return -1;
    gen_module *m = &s->modules[s->nmodules];
    memset(m, 0, sizeof *m);
    set_module(m, name, path, base, size, timestamp, (timestamp * 2654435761u) & 0xFFFFFu,
               pdb_name);
    return (int)s->nmodules++;
}

int gen_spec_add_func(gen_spec *s, size_t module, const char *name, int kind)
{
    if (module >= s->nmodules || !name) return -1;
    gen_module *m = &s->modules[module];
    for (size_t j = 0; j < m->nfuncs && j < GEN_MAX_FUNCS; j++)
        if (!strcmp(m->funcs[j].name, name)) return m->funcs[j].kind == kind ? (int)(3 + j) : -1;
    if (m->nfuncs >= GEN_MAX_FUNCS) return -1;
    m->funcs[m->nfuncs] = (gen_func){name, kind};
    return (int)(3 + m->nfuncs++);
}

int gen_spec_push_call(gen_spec *s, size_t module, int func)
{
    if (s->nchain >= GEN_MAX_FRAMES || module >= s->nmodules || func < 0) return -1;
    s->chain[s->nchain++] = (gen_call){(int)module, (unsigned)func, false, 0};
    return 0;
}

int gen_spec_push_unloaded(gen_spec *s, size_t unloaded_index, uint32_t rva)
{
    if (s->nchain >= GEN_MAX_FRAMES || unloaded_index >= s->nunloaded) return -1;
    s->chain[s->nchain++] = (gen_call){(int)unloaded_index, 0, true, rva};
    return 0;
}

void gen_spec_seed(gen_spec *s, uint64_t seed)
{
    uint64_t x = seed;
    s->system_time += (splitmix(&x) % (365ULL * 86400)) * 10000000ULL;
    s->uptime = (60 + splitmix(&x) % (30ULL * 86400)) * 10000000ULL;
    uint64_t r = splitmix(&x);
    uint64_t slide = s->arch == DS_ARCH_X86 ? (r % 256) * PG : (r % 32) * 0x200000ULL;
    for (size_t i = 0; i < s->nmodules && i < GEN_MAX_MODULES; i++) {
        gen_module *m = &s->modules[i];
        m->base += slide;
        m->timestamp ^= (uint32_t)splitmix(&x);
        m->checksum ^= (uint32_t)splitmix(&x) & 0xFFFFF;
        make_guid(m->guid, m->name, seed);
        m->age = 1 + (uint32_t)(splitmix(&x) % 4);
    }
    for (size_t i = 0; i < s->nunloaded && i < GEN_MAX_UNLOADED; i++) {
        s->unloaded[i].start += slide;
        s->unloaded[i].end += slide;
    }
    gen_spec_update_context(s);
}
