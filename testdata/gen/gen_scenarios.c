/*
 * The verdict scenarios: realistic crashes built as call chains, each with a
 * known right answer (testdata/README.md, "Verdict scenarios"). Every new
 * module is placed after the highest existing module or unloaded range, so a
 * seed applied before the scenario slides them along with the rest.
 */
#include "gen_internal.h"

typedef struct sb {
    gen_spec *s;
    int err;
} sb;

static uint64_t next_base(const gen_spec *s)
{
    uint64_t step = s->arch == DS_ARCH_X86 ? 0x100000u : 0x200000u, hi = 0;
    for (size_t i = 0; i < s->nmodules; i++)
        if (s->modules[i].base + s->modules[i].size > hi) hi = s->modules[i].base + s->modules[i].size;
    for (size_t i = 0; i < s->nunloaded; i++)
        if (s->unloaded[i].end > hi) hi = s->unloaded[i].end;
    return align_up(hi, step);
}

static int mod(sb *b, const char *name, const char *path, uint32_t size, uint32_t ts,
               const char *pdb)
{
    int m = gen_spec_add_module(b->s, name, path, next_base(b->s), size, ts, pdb);
    if (m < 0) b->err = -1;
    return m < 0 ? 0 : m;
}

/* push frame: function `name` of module m, added with `kind` if missing */
static void F(sb *b, int m, const char *name, int kind)
{
    int f = gen_spec_add_func(b->s, (size_t)m, name, kind);
    if (f < 0 || gen_spec_push_call(b->s, (size_t)m, f) != 0) b->err = -1;
}

static int find_module(const gen_spec *s, const char *name)
{
    for (size_t i = 0; i < s->nmodules; i++)
        if (s->modules[i].name && !strcmp(s->modules[i].name, name)) return (int)i;
    return 0;
}

/* nt!KeBugCheckEx <- nt!KiBugCheckDispatch <- nt!KiPageFault (x64), nt!KeBugCheckEx <-
   nt!KiTrap0E (x86): the trap frame holds the faulting state. ARM64: nothing, the
   context is the faulting frame itself. */
static void pagefault_prefix(sb *b)
{
    if (b->s->arch == DS_ARCH_X64) {
        F(b, 0, "KeBugCheckEx", GEN_FN_CALL);
        F(b, 0, "KiBugCheckDispatch", GEN_FN_CALL);
        F(b, 0, "KiPageFault", GEN_FN_TRAP);
    } else if (b->s->arch == DS_ARCH_X86) {
        F(b, 0, "KeBugCheckEx", GEN_FN_CALL);
        F(b, 0, "KiTrap0E", GEN_FN_TRAP);
    }
}

static void dpc_tail(sb *b)
{
    F(b, 0, "KiExecuteAllDpcs", GEN_FN_CALL);
    F(b, 0, "KiRetireDpcList", GEN_FN_FRAME);
    F(b, 0, "KiIdleLoop", GEN_FN_FRAME);
}

#define DRV(n) "\\SystemRoot\\System32\\drivers\\" n

static void sc_irqltrap(sb *b)
{
    gen_spec *s = b->s;
    int d = mod(b, "fabnic.sys", DRV("fabnic.sys"), 0x2C000, 0x6512A0F3,
                "D:\\fabrikam\\nic\\objfre\\fabnic.pdb");
    s->bugcheck_code = 0xD1;
    pagefault_prefix(b);
    F(b, d, "FabRxIndicate", GEN_FN_LEAF);
    F(b, d, "FabRxDpc", GEN_FN_CALL);
    dpc_tail(b);
    s->crash_module = (size_t)d;
    s->broken_driver = "fabnic.sys";
}

static void sc_pool(sb *b)
{
    gen_spec *s = b->s;
    int d = mod(b, "tailspinflt.sys", DRV("tailspinflt.sys"), 0x1A000, 0x63E4C1A8,
                "C:\\tailspin\\flt\\Release\\tailspinflt.pdb");
    s->bugcheck_code = 0x19;
    F(b, 0, "KeBugCheckEx", GEN_FN_CALL);
    F(b, 0, "ExFreeHeapPool", GEN_FN_CALL);
    F(b, 0, "ExFreePoolWithTag", GEN_FN_CALL);
    F(b, d, "TsfFreeStreamContext", GEN_FN_CALL);
    F(b, d, "TsfPostCleanup", GEN_FN_FRAME);
    F(b, 0, "IofCallDriver", GEN_FN_CALL);
    F(b, 0, "PspSystemThreadStartup", GEN_FN_FRAME);
    s->crash_module = 0;
    s->broken_driver = NULL;
}

static void sc_poolcaller(sb *b)
{
    gen_spec *s = b->s;
    int d = mod(b, "prosewdisk.sys", DRV("prosewdisk.sys"), 0x15000, 0x64A70E52,
                "C:\\proseware\\disk\\Release\\prosewdisk.pdb");
    s->bugcheck_code = 0xC2;
    F(b, 0, "KeBugCheckEx", GEN_FN_CALL);
    F(b, 0, "ExFreePoolWithTag", GEN_FN_CALL);
    F(b, d, "PwdCompleteRequest", GEN_FN_CALL);
    F(b, d, "PwdDispatchReadWrite", GEN_FN_FRAME);
    F(b, 0, "IofCallDriver", GEN_FN_CALL);
    F(b, 0, "PspSystemThreadStartup", GEN_FN_FRAME);
    s->crash_module = 0;
    s->broken_driver = NULL;
}

static void sc_unloaded(sb *b, uint32_t code)
{
    gen_spec *s = b->s;
    if (s->nunloaded >= GEN_MAX_UNLOADED) {
        b->err = -1;
        return;
    }
    uint64_t start = next_base(s);
    size_t u = s->nunloaded++;
    /* the triage copy of an unloaded driver's name holds 12 characters */
    s->unloaded[u] = (gen_unloaded){"woodvpn.sys", start, start + 0x11000};
    s->bugcheck_code = code;
    pagefault_prefix(b);
    if (gen_spec_push_unloaded(s, u, 0x2D40) != 0) b->err = -1;
    dpc_tail(b);
    s->crash_module = 0;
    s->broken_driver = NULL;
}

static void sc_power(sb *b, bool absent)
{
    gen_spec *s = b->s;
    int p = mod(b, "pci.sys", DRV("pci.sys"), 0x33000, 0x8B2F0C4E, "pci.pdb");
    int f = mod(b, "contosowl.sys", DRV("contosowl.sys"), 0x9F000, 0x65C3B7D0,
                "C:\\contoso\\wlan\\x64\\Release\\contosowl.pdb");
    s->bugcheck_code = 0x9F;
    s->objects = GEN_OBJ_POWER;
    s->objects_absent = absent;
    s->power_pdo_module = (size_t)p;
    s->power_fdo_module = (size_t)f;
    F(b, 0, "KeBugCheckEx", GEN_FN_CALL);
    F(b, 0, "PopIrpWatchdogBugcheck", GEN_FN_CALL);
    F(b, 0, "PopIrpWatchdog", GEN_FN_FRAME);
    F(b, 0, "KiProcessExpiredTimerList", GEN_FN_CALL);
    F(b, 0, "KiRetireDpcList", GEN_FN_FRAME);
    F(b, 0, "KiIdleLoop", GEN_FN_FRAME);
    s->crash_module = 0;
    s->broken_driver = NULL;
}

static void sc_watchdog(sb *b, bool single)
{
    gen_spec *s = b->s;
    int d = single ? mod(b, "northwindbt.sys", DRV("northwindbt.sys"), 0x1C000, 0x6602D93B,
                         "C:\\northwind\\bt\\Release\\northwindbt.pdb")
                   : mod(b, "adatumwlan.sys", DRV("adatumwlan.sys"), 0x2E000, 0x65A19F27,
                         "C:\\adatum\\wlan\\Release\\adatumwlan.pdb");
    int hal = find_module(s, "hal.dll");
    s->bugcheck_code = 0x133;
    s->bugcheck_params[0] = single ? 0 : 1;
    if (s->arch == DS_ARCH_X64) {
        F(b, 0, "KeBugCheckEx", GEN_FN_CALL);
        F(b, 0, "KeAccumulateTicks", GEN_FN_CALL);
        F(b, 0, "KeClockInterruptNotify", GEN_FN_CALL);
        F(b, hal, "HalpTimerClockInterrupt", GEN_FN_CALL);
        F(b, 0, "KiInterruptDispatchNoLockNoEtw", GEN_FN_TRAP);
    } else if (s->arch == DS_ARCH_X86) {
        F(b, 0, "KeBugCheckEx", GEN_FN_CALL);
        F(b, 0, "KeAccumulateTicks", GEN_FN_CALL);
        F(b, 0, "KeUpdateRunTime", GEN_FN_CALL);
        F(b, hal, "HalpClockInterrupt", GEN_FN_TRAP);
    }
    F(b, d, single ? "NwbWaitForControllerIdle" : "AwlWaitForHwIdle", GEN_FN_LEAF);
    F(b, d, single ? "NwbEventDpc" : "AwlInterruptDpc", GEN_FN_CALL);
    dpc_tail(b);
    s->crash_module = (size_t)d;
    s->broken_driver = NULL;
}

static void sc_whea(sb *b)
{
    gen_spec *s = b->s;
    int ps = mod(b, "PSHED.dll", "\\SystemRoot\\system32\\PSHED.dll", 0x1B000, 0x7C1E2A5D,
                 "pshed.pdb");
    int d = mod(b, "contosoraid.sys", DRV("contosoraid.sys"), 0x4A000, 0x64F8E013,
                "C:\\contoso\\raid\\Release\\contosoraid.pdb");
    int hal = find_module(s, "hal.dll");
    s->bugcheck_code = 0x124;
    s->objects = GEN_OBJ_WHEA;
    F(b, 0, "KeBugCheckEx", GEN_FN_CALL);
    F(b, hal, "HalBugCheckSystem", GEN_FN_CALL);
    F(b, ps, "PshedBugCheckSystem", GEN_FN_CALL);
    F(b, 0, "WheaReportHwError", GEN_FN_CALL);
    if (s->arch == DS_ARCH_ARM64) {
        /* the driver reports its device's fatal error (error source 0x10) */
        s->bugcheck_params[0] = 0x10;
        F(b, d, "CrdReportFatalDeviceError", GEN_FN_CALL);
        F(b, d, "CrdStartIo", GEN_FN_FRAME);
    } else {
        /* a machine check interrupted the driver */
        s->bugcheck_params[0] = 0;
        F(b, hal, "HalpMcaReportError", GEN_FN_CALL);
        F(b, 0, "KiMcheckAbort", GEN_FN_TRAP);
        F(b, d, "CrdPollCompletion", GEN_FN_LEAF);
        F(b, d, "CrdStartIo", GEN_FN_CALL);
    }
    F(b, 0, "IofCallDriver", GEN_FN_CALL);
    F(b, 0, "PspSystemThreadStartup", GEN_FN_FRAME);
    s->crash_module = (size_t)d;
    s->broken_driver = NULL;
}

static void sc_manualkbd(sb *b)
{
    gen_spec *s = b->s;
    int k = mod(b, "kbdhid.sys", DRV("kbdhid.sys"), 0xB000, 0x9A5C4B27, "kbdhid.pdb");
    int h = mod(b, "HIDCLASS.SYS", DRV("HIDCLASS.SYS"), 0x1F000, 0x1D3E8F60, "hidclass.pdb");
    s->bugcheck_code = 0xE2;
    F(b, 0, "KeBugCheckEx", GEN_FN_CALL);
    F(b, k, "KbdHidProcessCrashDump", GEN_FN_CALL);
    F(b, k, "KbdHid_InsertCodesIntoQueue", GEN_FN_CALL);
    F(b, k, "KbdHid_ReadComplete", GEN_FN_FRAME);
    F(b, 0, "IopfCompleteRequest", GEN_FN_CALL);
    F(b, h, "HidpDistributeInterruptReport", GEN_FN_CALL);
    F(b, h, "HidpInterruptReadComplete", GEN_FN_FRAME);
    F(b, 0, "KiRetireDpcList", GEN_FN_FRAME);
    s->crash_module = (size_t)k;
    s->broken_driver = NULL;
}

static void sc_scanonly(sb *b)
{
    gen_spec *s = b->s;
    int d = mod(b, "litwaredrv.sys", DRV("litwaredrv.sys"), 0x13000, 0x62D1F4A9,
                "C:\\litware\\drv\\Release\\litwaredrv.pdb");
    s->bugcheck_code = 0x1E;
    F(b, 0, "RtlCopyMemory", GEN_FN_LEAF);
    F(b, d, "LwdCopyUserBuffer", GEN_FN_CALL);
    F(b, d, "LwdDeviceControl", GEN_FN_FRAME);
    F(b, 0, "IofCallDriver", GEN_FN_CALL);
    F(b, 0, "NtDeviceIoControlFile", GEN_FN_FRAME);
    for (size_t i = 0; i < s->nmodules; i++) s->modules[i].header_in_dump = false;
    s->no_frame_chain = true;
    s->crash_module = 0;
    s->broken_driver = NULL;
}

static void sc_victim(sb *b)
{
    gen_spec *s = b->s;
    int n = mod(b, "NETIO.SYS", DRV("NETIO.SYS"), 0x8A000, 0x2A6B3C91, "netio.pdb");
    int f = mod(b, "acmefw.sys", DRV("acmefw.sys"), 0x24000, 0x65E90B44,
                "C:\\acme\\fw\\x64\\Release\\acmefw.pdb");
    s->bugcheck_code = 0xD1;
    pagefault_prefix(b);
    F(b, n, "NetioDereferenceNetBufferList", GEN_FN_LEAF);
    F(b, f, "AcmeFwClassifyInbound", GEN_FN_CALL);
    F(b, n, "ProcessCallout", GEN_FN_FRAME);
    F(b, n, "KfdClassify", GEN_FN_CALL);
    dpc_tail(b);
    s->crash_module = (size_t)n;
    s->broken_driver = "NETIO.SYS";
}

static void sc_victimflt(sb *b)
{
    gen_spec *s = b->s;
    int m = mod(b, "fltmgr.sys", DRV("fltmgr.sys"), 0x76000, 0x3F1B7E22, "fltMgr.pdb");
    int a = mod(b, "avfilter.sys", DRV("avfilter.sys"), 0x31000, 0x6611C2E8,
                "C:\\woodgrove\\av\\Release\\avfilter.pdb");
    s->bugcheck_code = 0x1000007E;
    F(b, m, "FltReleaseContext", GEN_FN_LEAF);
    F(b, a, "AvfPreCreate", GEN_FN_CALL);
    F(b, m, "FltpPerformPreCallbacks", GEN_FN_FRAME);
    F(b, m, "FltpCreate", GEN_FN_CALL);
    F(b, 0, "IofCallDriver", GEN_FN_CALL);
    F(b, 0, "NtCreateFile", GEN_FN_FRAME);
    s->crash_module = (size_t)m;
    s->broken_driver = "fltmgr.sys";
}

/* Video TDR: only the graphics kernel is on the stack; P2 points into the
 * display driver responsible (0x116 a bug check, 0x117 a live dump). */
static void sc_tdr(sb *b, bool live)
{
    gen_spec *s = b->s;
    int g = mod(b, "dxgkrnl.sys", DRV("dxgkrnl.sys"), 0x3C0000, 0x1B8D2F44, "dxgkrnl.pdb");
    int d = mod(b, "contosogpu.sys", DRV("contosogpu.sys"), 0x2A0000, 0x66A1C3E9,
                "C:\\contoso\\gpu\\x64\\Release\\contosogpu.pdb");
    bool is64 = gen_arch_is64(s->arch);
    s->bugcheck_code = live ? 0x117 : 0x116;
    s->bugcheck_params[0] = s->modules[0].base + 0x1F00000u; /* TDR context (not in the dump) */
    s->bugcheck_params[1] = s->modules[d].base + gen_func_rva(s->arch, 1) + 0x10;
    s->bugcheck_params[2] = live ? 0 : is64 ? 0xFFFFFFFFC000009AULL : 0xC000009Au;
    s->bugcheck_params[3] = 4;
    F(b, 0, "KeBugCheckEx", GEN_FN_CALL);
    F(b, g, "TdrBugcheckOnTimeout", GEN_FN_CALL);
    F(b, g, "TdrResetFromTimeoutWorkItem", GEN_FN_FRAME);
    F(b, 0, "ExpWorkerThread", GEN_FN_CALL);
    F(b, 0, "PspSystemThreadStartup", GEN_FN_FRAME);
    s->crash_module = 0;
    s->broken_driver = NULL;
}

int gen_chain_scenario(gen_spec *s, const char *name)
{
    static const char *const known[] = {"irqltrap", "pool", "poolcaller", "unloaded",
                                        "unloadedce", "power", "powernomem", "watchdog",
                                        "watchdogdpc", "whea", "manualkbd", "scanonly",
                                        "victim", "victimflt", "tdr", "tdrlive"};
    bool found = false;
    for (size_t i = 0; i < sizeof known / sizeof *known; i++) found |= !strcmp(name, known[i]);
    if (!found) return 1;
    if (s->nchain || s->nmodules < 2) return -1; /* one chain scenario per spec */
    gen_spec save = *s;
    sb b = {s, 0};
    if (!strcmp(name, "irqltrap")) sc_irqltrap(&b);
    else if (!strcmp(name, "pool")) sc_pool(&b);
    else if (!strcmp(name, "poolcaller")) sc_poolcaller(&b);
    else if (!strcmp(name, "unloaded")) sc_unloaded(&b, 0xD1);
    else if (!strcmp(name, "unloadedce")) sc_unloaded(&b, 0xCE);
    else if (!strcmp(name, "power")) sc_power(&b, false);
    else if (!strcmp(name, "powernomem")) sc_power(&b, true);
    else if (!strcmp(name, "watchdog")) sc_watchdog(&b, false);
    else if (!strcmp(name, "watchdogdpc")) sc_watchdog(&b, true);
    else if (!strcmp(name, "whea")) sc_whea(&b);
    else if (!strcmp(name, "manualkbd")) sc_manualkbd(&b);
    else if (!strcmp(name, "scanonly")) sc_scanonly(&b);
    else if (!strcmp(name, "victim")) sc_victim(&b);
    else if (!strcmp(name, "tdr")) sc_tdr(&b, false);
    else if (!strcmp(name, "tdrlive")) sc_tdr(&b, true);
    else sc_victimflt(&b);
    gchain c;
    if (b.err || chain_plan(s, &c, NULL, 0) != 0) {
        *s = save;
        return -1;
    }
    return 0;
}
