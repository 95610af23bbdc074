/*
 * The verdict scenario suite: synthetic crashes from the generator, each with
 * the answer a kernel engineer would give (testdata/README.md, "Verdict
 * scenarios", says why for each). For every row the dump is written, opened
 * with the default options, checked for the facts the generator put in it
 * (bug check, modules, the IRP chain of 0x9F, the unloaded range ...), and
 * then the verdict is held to the row: crash class, the suspect (or no driver
 * blamed), the confidence range and the bucket. Some rules hold for every row:
 * a usual victim (NETIO.SYS, fltmgr.sys) is never the suspect when a
 * third-party module is below it, pool corruption is never high confidence,
 * hardware and manual crashes blame no driver, the bucket starts with
 * "<class>_". A failing row prints one line with what the engine produced.
 */
#include <ctype.h>
#include <unistd.h>

#include "check.h"
#include "dsgen.h"
#include "dumpscan/dumpscan.h"

enum { NONE = DS_CONFIDENCE_NONE, LOW = DS_CONFIDENCE_LOW, MED = DS_CONFIDENCE_MEDIUM,
       HIGH = DS_CONFIDENCE_HIGH };
enum { X64 = DS_ARCH_X64, X86 = DS_ARCH_X86, A64 = DS_ARCH_ARM64 };

typedef struct row {
    int arch;
    bool pae;
    uint32_t type;
    const char *scenario;
    const char *cls;     /* ds_verdict.crash_class */
    const char *suspect; /* module name, NULL: no driver blamed */
    int cmin, cmax;      /* allowed ds_confidence range */
    const char *bucket;  /* expected bucket prefix (compared without case) */
    bool may_be_none;    /* the evidence is weak enough that naming no one is also right */
} row;

/* clang-format off */
static const row rows[] = {
    /* fault directly in a third-party driver: the faulting instruction is in it */
    {X64, false, 4, "default",     "driver_fault", "mydrv.sys",       MED, HIGH, "driver_fault_mydrv", false},
    {X86, false, 5, "default",     "driver_fault", "mydrv.sys",       MED, HIGH, "driver_fault_mydrv", false},
    {A64, false, 6, "pagefault",   "driver_fault", "mydrv.sys",       MED, HIGH, "driver_fault_mydrv", false},
    {X64, false, 6, "kmode",       "driver_fault", "mydrv.sys",       MED, HIGH, "driver_fault_mydrv", false},
    {X86, true,  1, "irql",        "driver_fault", "mydrv.sys",       MED, HIGH, "driver_fault_mydrv", false},
    /* IRQL fault with the trap frame on the stack (context = nt!KeBugCheckEx) */
    {X64, false, 6, "irqltrap",    "driver_fault", "fabnic.sys",      MED, HIGH, "driver_fault_fabnic", false},
    {X64, false, 4, "irqltrap",    "driver_fault", "fabnic.sys",      MED, HIGH, "driver_fault_fabnic", false},
    {X64, false, 1, "irqltrap",    "driver_fault", "fabnic.sys",      MED, HIGH, "driver_fault_fabnic", false},
    {X86, false, 4, "irqltrap",    "driver_fault", "fabnic.sys",      MED, HIGH, "driver_fault_fabnic", false},
    {X86, true,  6, "irqltrap",    "driver_fault", "fabnic.sys",      MED, HIGH, "driver_fault_fabnic", false},
    {A64, false, 5, "irqltrap",    "driver_fault", "fabnic.sys",      MED, HIGH, "driver_fault_fabnic", false},
    /* fault in nt called from a third-party driver */
    {X64, false, 1, "ntcrash",     "driver_fault", "mydrv.sys",       LOW, MED,  "driver_fault_mydrv", false},
    {A64, false, 4, "ntcrash",     "driver_fault", "mydrv.sys",       LOW, MED,  "driver_fault_mydrv", false},
    {X86, true,  5, "ntcrash",     "driver_fault", "mydrv.sys",       LOW, MED,  "driver_fault_mydrv", false},
    /* pool corruption detected by nt: the driver below is a lead, not a certainty */
    {X64, false, 5, "pool",        "memory_corruption", "tailspinflt.sys", LOW, LOW, "memory_corruption_", true},
    {X86, true,  4, "pool",        "memory_corruption", "tailspinflt.sys", LOW, LOW, "memory_corruption_", true},
    {A64, false, 6, "pool",        "memory_corruption", "tailspinflt.sys", LOW, LOW, "memory_corruption_", true},
    {X86, false, 1, "pool",        "memory_corruption", "tailspinflt.sys", LOW, LOW, "memory_corruption_", true},
    /* double free: BAD_POOL_CALLER names the caller of ExFreePoolWithTag */
    {X64, false, 6, "poolcaller",  "driver_fault", "prosewdisk.sys",  MED, HIGH, "driver_fault_prosewdisk", false},
    {A64, false, 5, "poolcaller",  "driver_fault", "prosewdisk.sys",  MED, HIGH, "driver_fault_prosewdisk", false},
    /* access in an unloaded driver's former range (triage: the unloaded list) */
    {X64, false, 4, "unloaded",    "driver_fault", "woodvpn.sys",     MED, HIGH, "driver_fault_woodvpn", false},
    {X86, false, 4, "unloaded",    "driver_fault", "woodvpn.sys",     MED, HIGH, "driver_fault_woodvpn", false},
    {A64, false, 4, "unloaded",    "driver_fault", "woodvpn.sys",     MED, HIGH, "driver_fault_woodvpn", false},
    {X64, false, 4, "unloadedce",  "driver_fault", "woodvpn.sys",     MED, HIGH, "driver_fault_woodvpn", false},
    {X86, true,  4, "unloadedce",  "driver_fault", "woodvpn.sys",     MED, HIGH, "driver_fault_woodvpn", false},
    /* DRIVER_POWER_STATE_FAILURE 3: the driver holding the IRP (not the PDO's) */
    {X64, false, 6, "power",       "power", "contosowl.sys",          MED, HIGH, "power_contosowl", false},
    {X64, false, 4, "power",       "power", "contosowl.sys",          MED, HIGH, "power_contosowl", false},
    {X86, true,  5, "power",       "power", "contosowl.sys",          MED, HIGH, "power_contosowl", false},
    {X86, false, 1, "power",       "power", "contosowl.sys",          MED, HIGH, "power_contosowl", false},
    {A64, false, 1, "power",       "power", "contosowl.sys",          MED, HIGH, "power_contosowl", false},
    /* ... and when the IRP is not in the dump, nothing names the driver */
    {X64, false, 6, "powernomem",  "power", NULL,                     NONE, NONE, "power_", false},
    {X86, false, 4, "powernomem",  "power", NULL,                     NONE, NONE, "power_", false},
    /* watchdogs: the DPC routine interrupted on the stack */
    {X64, false, 6, "watchdog",    "hang_watchdog", "adatumwlan.sys", LOW, MED,  "hang_watchdog_adatumwlan", false},
    {X86, false, 5, "watchdog",    "hang_watchdog", "adatumwlan.sys", LOW, MED,  "hang_watchdog_adatumwlan", false},
    {A64, false, 4, "watchdog",    "hang_watchdog", "adatumwlan.sys", LOW, MED,  "hang_watchdog_adatumwlan", false},
    {X64, false, 6, "watchdogdpc", "hang_watchdog", "northwindbt.sys", MED, HIGH, "hang_watchdog_northwindbt", false},
    {X86, true,  6, "watchdogdpc", "hang_watchdog", "northwindbt.sys", MED, HIGH, "hang_watchdog_northwindbt", false},
    /* WHEA: hardware, no driver blamed although drivers are on the stack */
    {X64, false, 6, "whea",        "hardware", NULL,                  NONE, NONE, "hardware_", false},
    {X86, true,  4, "whea",        "hardware", NULL,                  NONE, NONE, "hardware_", false},
    {A64, false, 5, "whea",        "hardware", NULL,                  NONE, NONE, "hardware_", false},
    {X64, false, 4, "whea",        "hardware", NULL,                  NONE, NONE, "hardware_", false},
    /* manual crash: nobody to blame, keyboard drivers on the stack or not */
    {X64, false, 4, "manual",      "manual", NULL,                    NONE, NONE, "manual_", false},
    {X86, false, 6, "manual",      "manual", NULL,                    NONE, NONE, "manual_", false},
    {X64, false, 6, "manualkbd",   "manual", NULL,                    NONE, NONE, "manual_", false},
    {A64, false, 4, "manualkbd",   "manual", NULL,                    NONE, NONE, "manual_", false},
    {X86, true,  5, "manualkbd",   "manual", NULL,                    NONE, NONE, "manual_", false},
    /* scan-only stack: the driver is only found by scanning, so low confidence */
    {X64, false, 4, "scanonly",    "driver_fault", "litwaredrv.sys",  LOW, LOW,  "driver_fault_litwaredrv", false},
    {X64, false, 6, "scanonly",    "driver_fault", "litwaredrv.sys",  LOW, LOW,  "driver_fault_litwaredrv", false},
    {X86, false, 5, "scanonly",    "driver_fault", "litwaredrv.sys",  LOW, LOW,  "driver_fault_litwaredrv", false},
    {A64, false, 4, "scanonly",    "driver_fault", "litwaredrv.sys",  LOW, LOW,  "driver_fault_litwaredrv", false},
    /* victim module over a third-party callout / minifilter */
    {X64, false, 6, "victim",      "driver_fault", "acmefw.sys",      LOW, MED,  "driver_fault_acmefw", false},
    {X64, false, 4, "victim",      "driver_fault", "acmefw.sys",      LOW, MED,  "driver_fault_acmefw", false},
    {X86, true,  4, "victim",      "driver_fault", "acmefw.sys",      LOW, MED,  "driver_fault_acmefw", false},
    {A64, false, 6, "victim",      "driver_fault", "acmefw.sys",      LOW, MED,  "driver_fault_acmefw", false},
    {X64, false, 5, "victimflt",   "driver_fault", "avfilter.sys",    LOW, MED,  "driver_fault_avfilter", false},
    {X86, false, 6, "victimflt",   "driver_fault", "avfilter.sys",    LOW, MED,  "driver_fault_avfilter", false},
    {A64, false, 1, "victimflt",   "driver_fault", "avfilter.sys",    LOW, MED,  "driver_fault_avfilter", false},
    /* header scenarios: the default mydrv crash under another bug check */
    /* ACPI firmware errors: no driver is blamed, mydrv on the stack or not */
    {X64, false, 4, "acpibios",    "hardware", NULL,                  NONE, NONE, "hardware_", false},
    {X86, true,  6, "acpibios",    "hardware", NULL,                  NONE, NONE, "hardware_", false},
    {A64, false, 5, "acpifatal",   "hardware", NULL,                  NONE, NONE, "hardware_", false},
    {X64, false, 6, "acpifatal",   "hardware", NULL,                  NONE, NONE, "hardware_", false},
    /* an IOMMU fault against a freed address space: the driver, not the hardware */
    {X64, false, 4, "iommu",       "driver_fault", "mydrv.sys",       MED, HIGH, "driver_fault_mydrv", false},
    {A64, false, 6, "iommu",       "driver_fault", "mydrv.sys",       MED, HIGH, "driver_fault_mydrv", false},
    /* a live dump: the stack is still evidence, but the system kept running */
    /* 0x1A8 P1 = 1: a black-screen dump someone asked for with the hotkey */
    {X64, false, 6, "livedump",    "manual", NULL,                    NONE, NONE, "manual_", true},
    {X86, false, 4, "livedump",    "manual", NULL,                    NONE, NONE, "manual_", true},
    /* the faulting address looks corrupt: the faulting driver may be a victim */
    {X64, false, 4, "noncanon",    "driver_fault", "mydrv.sys",       LOW, LOW,  "driver_fault_mydrv", false},
    {A64, false, 6, "noncanon",    "driver_fault", "mydrv.sys",       LOW, LOW,  "driver_fault_mydrv", false},
    {X64, false, 6, "fillptr",     "driver_fault", "mydrv.sys",       LOW, LOW,  "driver_fault_mydrv", false},
    {X86, true,  4, "fillptr",     "driver_fault", "mydrv.sys",       LOW, LOW,  "driver_fault_mydrv", false},
    {X64, false, 1, "freedptr",    "driver_fault", "mydrv.sys",       LOW, LOW,  "driver_fault_mydrv", false},
    {X86, false, 6, "freedptr",    "driver_fault", "mydrv.sys",       LOW, LOW,  "driver_fault_mydrv", false},
    {X64, false, 4, "userptr",     "driver_fault", "mydrv.sys",       LOW, MED,  "driver_fault_mydrv", false},
    /* video TDR: only dxgkrnl on the stack; P2 points into the responsible driver */
    {X64, false, 4, "tdr",         "driver_fault", "contosogpu.sys",  MED, HIGH, "driver_fault_contosogpu", false},
    {X86, false, 6, "tdr",         "driver_fault", "contosogpu.sys",  MED, HIGH, "driver_fault_contosogpu", false},
    {A64, false, 5, "tdr",         "driver_fault", "contosogpu.sys",  MED, HIGH, "driver_fault_contosogpu", false},
    {X64, false, 6, "tdrlive",     "hang_watchdog", "contosogpu.sys", MED, HIGH, "hang_watchdog_contosogpu", false},
    /* 0x7E whose exception record says the write went to freed-heap fill */
    {X64, false, 4, "exrecptr",    "driver_fault", "mydrv.sys",       LOW, LOW,  "driver_fault_mydrv", false},
    {X86, false, 5, "exrecptr",    "driver_fault", "mydrv.sys",       LOW, LOW,  "driver_fault_mydrv", false},
    /* 0x7A with STATUS_DEVICE_DATA_ERROR: the disk, not a driver */
    {X64, false, 6, "inpage",      "hardware", NULL,                  NONE, NONE, "hardware_", false},
    {X86, true,  1, "inpage",      "hardware", NULL,                  NONE, NONE, "hardware_", false},
    /* 0x5A with STATUS_INVALID_IMAGE_HASH: code integrity, not a module on the stack */
    {X64, false, 4, "badimagehash", "system_process", NULL,           NONE, NONE, "system_process_", false},
    {X86, false, 6, "badimagehash", "system_process", NULL,           NONE, NONE, "system_process_", false},
};
/* clang-format on */

static const char *const victims[] = {"NETIO.SYS", "fltmgr.sys"};

static char tmpdir[] = "/tmp/ds-scenarios-XXXXXX";

static bool starts_nocase(const char *s, const char *prefix)
{
    for (; *prefix; s++, prefix++)
        if (!*s || tolower((unsigned char)*s) != tolower((unsigned char)*prefix))
            return false;
    return true;
}

static bool eq_nocase(const char *a, const char *b)
{
    return a && b && strlen(a) == strlen(b) && starts_nocase(a, b);
}

static const char *conf_name(int c)
{
    return ds_confidence_name((ds_confidence)c);
}

static void row_label(const row *r, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s/t%u/%s", ds_arch_name((ds_arch)r->arch), r->pae ? "pae" : "",
             r->type, r->scenario);
}

static uint64_t read_ptr(ds_dump *d, uint64_t va, bool is64, bool *ok)
{
    uint8_t b[8] = {0};
    size_t n = is64 ? 8 : 4;
    if (ds_read(d, va, b, n) != n) {
        *ok = false;
        return 0;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v |= (uint64_t)b[i] << (8 * i);
    return v;
}

static const ds_module *module_named(const ds_module *m, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (eq_nocase(m[i].name, name))
            return &m[i];
    return NULL;
}

/* ---------------------------------------------------- the generator's facts */

/* What the dump must hold for the row's answer to be reachable at all; these
 * hold before any verdict engine exists. Returns false on a failure. */
static bool check_dump(const row *r, const gen_spec *s, ds_dump *d, const char *label)
{
    int before = check_failed;
    const ds_crash *c = ds_dump_crash(d);
    bool is64 = r->arch != X86;
    CHECK(c->has_bugcheck && c->bugcheck.code == s->bugcheck_code);
    for (int i = 0; i < 4; i++)
        CHECK_EQ_U64(c->bugcheck.params[i], s->bugcheck_params[i]);
    CHECK(!c->damaged);
    CHECK_EQ_U64(c->nmodules, s->nmodules);
    CHECK(c->has_context && c->context.pc == s->ctx_pc && c->context.sp == s->ctx_sp);

    /* the expected suspect exists where the row says it does */
    if (r->suspect) {
        const ds_module *m = module_named(c->modules, c->nmodules, r->suspect);
        const ds_module *u = module_named(c->unloaded, c->nunloaded, r->suspect);
        CHECK(m != NULL || u != NULL);
        if (!m && u) { /* an unloaded driver: the faulting address lies in its range */
            uint64_t fa = c->bugcheck.params[0];
            CHECK(fa >= u->base && fa - u->base < u->size);
            CHECK(ds_module_at(c, fa) == NULL);
        }
    }

    /* 0x9F/3: P4 (IRP) -> CurrentStackLocation -> DeviceObject -> DriverObject */
    if (!strcmp(r->scenario, "power") || !strcmp(r->scenario, "powernomem")) {
        uint64_t irp = c->bugcheck.params[3];
        bool ok = true;
        uint64_t loc = read_ptr(d, irp + (is64 ? 0xB8 : 0x60), is64, &ok);
        uint64_t dev = read_ptr(d, loc + (is64 ? 0x28 : 0x14), is64, &ok);
        uint64_t drv = read_ptr(d, dev + 0x08, is64, &ok);
        uint64_t start = read_ptr(d, drv + (is64 ? 0x18 : 0x0C), is64, &ok);
        uint64_t pdo_drv = read_ptr(d, c->bugcheck.params[1] + 0x08, is64, &ok);
        uint64_t pdo_start = read_ptr(d, pdo_drv + (is64 ? 0x18 : 0x0C), is64, &ok);
        if (!strcmp(r->scenario, "powernomem")) {
            uint8_t b;
            CHECK_EQ_U64(ds_read(d, irp, &b, 1), 0);
        } else {
            CHECK(ok);
            const ds_module *m = module_named(c->modules, c->nmodules, r->suspect);
            CHECK(m && start == m->base);
            const ds_module *pci = module_named(c->modules, c->nmodules, "pci.sys");
            CHECK(pci && pdo_start == pci->base); /* the PDO belongs to the bus driver */
            /* DriverName: "\Driver\contosowl" */
            uint64_t un = drv + (is64 ? 0x38 : 0x1C);
            uint8_t len[2] = {0};
            uint64_t buf = read_ptr(d, un + (is64 ? 8 : 4), is64, &ok);
            CHECK(ds_read(d, un, len, 2) == 2);
            char name[64] = {0};
            uint8_t w[128];
            size_t n = (size_t)(len[0] | len[1] << 8) / 2;
            if (n < sizeof name && ds_read(d, buf, w, 2 * n) == 2 * n)
                for (size_t i = 0; i < n; i++)
                    name[i] = (char)w[2 * i];
            CHECK_STR(name, "\\Driver\\contosowl");
        }
    }
    if (!strcmp(r->scenario, "whea")) {
        char sig[4] = {0};
        CHECK(ds_read(d, c->bugcheck.params[1], sig, 4) == 4 && memcmp(sig, "CPER", 4) == 0);
    }
    if (check_failed != before)
        fprintf(stderr, "  (dump facts of %s)\n", label);
    return check_failed == before;
}

/* ------------------------------------------------------------- the verdict */

static void print_result(const row *r, const ds_crash *c, const char *label, const char *what)
{
    const ds_verdict *v = &c->verdict;
    fprintf(stderr,
            "  FAIL %-26s want %s/%s/%s..%s | got present=%d class=%s suspect=%s conf=%s "
            "bucket=%s  [%s]\n",
            label, r->cls, r->suspect ? r->suspect : "-", conf_name(r->cmin), conf_name(r->cmax),
            c->has_verdict, v->crash_class ? v->crash_class : "(null)",
            v->has_suspect && v->suspect.module_name ? v->suspect.module_name : "-",
            conf_name(v->confidence), v->bucket ? v->bucket : "(null)", what);
    /* the stack the engine saw, module!function per frame */
    if (c->nstacks) {
        const ds_stack *st = &c->stacks[0];
        fprintf(stderr, "       stack %s:", st->label ? st->label : "?");
        for (size_t i = 0; i < st->nframes && i < 12; i++) {
            const ds_frame *f = &st->frames[i];
            const ds_module *fm = ds_crash_module(c, f->module);
            const char *mn = fm && fm->name ? fm->name : "?";
            fprintf(stderr, " %s!%s%s", mn, f->function ? f->function : "?",
                    f->is_trap_frame ? "[trap]" : "");
        }
        fprintf(stderr, "\n");
    }
}

static bool check_verdict(const row *r, const ds_crash *c, const char *label)
{
    const ds_verdict *v = &c->verdict;
    char why[160] = "";
#define FAILV(...)                                  \
    do {                                            \
        check_failed++;                             \
        snprintf(why, sizeof why, __VA_ARGS__);     \
        print_result(r, c, label, why);             \
        return false;                               \
    } while (0)

    if (!c->has_verdict)
        FAILV("no verdict");
    if (!v->crash_class || strcmp(v->crash_class, r->cls) != 0)
        FAILV("class");
    if (!v->bucket || !starts_nocase(v->bucket, r->cls) || v->bucket[strlen(r->cls)] != '_')
        FAILV("bucket does not start with <class>_");
    if (v->has_suspect && !v->suspect.module_name)
        FAILV("suspect without a name");
    const char *got = v->has_suspect ? v->suspect.module_name : NULL;
    /* rules for every row */
    for (size_t i = 0; got && i < sizeof victims / sizeof *victims; i++)
        if (eq_nocase(got, victims[i]))
            FAILV("a usual victim is the suspect");
    if (!strcmp(r->cls, "memory_corruption") && v->confidence == DS_CONFIDENCE_HIGH)
        FAILV("pool corruption with high confidence");
    if ((!strcmp(r->cls, "hardware") || !strcmp(r->cls, "manual")) && v->has_suspect)
        FAILV("a driver is blamed for a hardware/manual crash");
    if (!v->has_suspect && v->confidence != DS_CONFIDENCE_NONE)
        FAILV("a confidence without a suspect");
    /* the row's answer */
    bool none_ok = r->may_be_none && !got;
    if (!none_ok) {
        if (!r->suspect && got)
            FAILV("a driver is blamed");
        if (r->suspect && !eq_nocase(got, r->suspect))
            FAILV("suspect");
        if ((int)v->confidence < r->cmin || (int)v->confidence > r->cmax)
            FAILV("confidence");
        if (!starts_nocase(v->bucket, r->bucket))
            FAILV("bucket prefix");
    }
    /* the suspect's module index agrees with its name (unknown: not loaded) */
    if (got) {
        ds_u64 mi = v->suspect.module;
        const ds_module *sm = ds_crash_module(c, mi);
        if (mi.known && (!sm || !sm->name || !eq_nocase(sm->name, got)))
            FAILV("suspect.module does not name the suspect");
        if (!mi.known && module_named(c->modules, c->nmodules, got))
            FAILV("suspect.module is unknown for a loaded module");
    }
    /* ownership: Windows' own modules are Microsoft inbox drivers, the made-up
     * vendors' are unknown (no image, so no CompanyName); nothing is called
     * third-party without a CompanyName that says so */
    static const char *const inbox[] = {"ntoskrnl.exe", "hal.dll", "pci.sys", "kbdhid.sys",
                                        "HIDCLASS.SYS", "NETIO.SYS", "fltmgr.sys",
                                        "Wdf01000.sys", "dxgkrnl.sys", "PSHED.dll"};
    for (size_t i = 0; i < c->nmodules; i++) {
        bool ms = false;
        for (size_t k = 0; k < sizeof inbox / sizeof *inbox; k++)
            ms |= eq_nocase(c->modules[i].name, inbox[k]);
        if (ms ? !c->modules[i].owner || strcmp(c->modules[i].owner, "microsoft")
               : c->modules[i].owner != NULL) /* NULL: unknown */
            FAILV("owner of %s is %s", c->modules[i].name,
                  c->modules[i].owner ? c->modules[i].owner : "(null)");
    }
    for (size_t i = 0; i < v->nreasons; i++)
        if (strstr(v->reasons[i], "third-party"))
            FAILV("a reason says third-party: %s", v->reasons[i]);
    if (got) {
        char want[160];
        snprintf(want, sizeof want, "%s: owner unknown", got);
        bool said = false;
        for (size_t i = 0; i < v->nreasons; i++)
            said |= strncmp(v->reasons[i], want, strlen(want)) == 0;
        if (!said || v->suspect.owner)
            FAILV("the suspect's owner is not stated as unknown");
    }
    /* the scenario's own facts */
    static const char *const corrupt[] = {"noncanon", "fillptr", "freedptr", "exrecptr"};
    bool want_live = !strcmp(r->scenario, "livedump") || !strcmp(r->scenario, "tdrlive");
    if (v->live_dump != want_live)
        FAILV("live_dump is %d", v->live_dump);
    bool want_caveat = false;
    for (size_t i = 0; i < sizeof corrupt / sizeof *corrupt; i++)
        want_caveat |= !strcmp(r->scenario, corrupt[i]);
    bool caveat = false;
    for (size_t i = 0; i < v->ncaveats; i++)
        caveat |= strstr(v->caveats[i], "faulting address looks corrupt") != NULL;
    if (caveat != want_caveat)
        FAILV("corrupt-address caveat is %d", caveat);
    /* a user address at raised IRQL is an IRQL/paging error, not corruption */
    bool user_irql = false;
    for (size_t i = 0; i < v->ncaveats; i++)
        user_irql |= strstr(v->caveats[i], "user-mode address was touched at raised IRQL") != NULL;
    if (user_irql != !strcmp(r->scenario, "userptr"))
        FAILV("user-address-at-raised-IRQL caveat is %d", user_irql);
    bool p2 = false; /* the TDR verdict rests on P2 */
    for (size_t i = 0; i < v->nreasons; i++)
        p2 |= strstr(v->reasons[i], "P2, an address inside the responsible display driver "
                                    "module, points into contosogpu.sys") != NULL;
    if (p2 != (strncmp(r->scenario, "tdr", 3) == 0))
        FAILV("P2 reason is %d", p2);
    bool io = false, live_maybe = false;
    for (size_t i = 0; i < v->ncaveats; i++) {
        io |= strstr(v->caveats[i], "STATUS_DEVICE_DATA_ERROR is a device I/O failure") != NULL;
        live_maybe |= strstr(v->caveats[i], "is also used for live dumps") != NULL;
    }
    if (io != !strcmp(r->scenario, "inpage"))
        FAILV("device I/O caveat is %d", io);
    if (live_maybe != !strcmp(r->scenario, "whea")) /* 0x124: live dump or bug check */
        FAILV("live-dump-sometimes caveat is %d", live_maybe);
    bool ci = false;
    for (size_t i = 0; i < v->ncaveats; i++)
        ci |= strstr(v->caveats[i], "STATUS_INVALID_IMAGE_HASH points at code integrity") != NULL;
    if (ci != !strcmp(r->scenario, "badimagehash"))
        FAILV("code-integrity caveat is %d", ci);
#undef FAILV
    check_passed++;
    return true;
}

/* ------------------------------------------------------------------ run */

static void self_check(void)
{
    /* the table itself: every row's bucket prefix starts with its class */
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        const row *r = &rows[i];
        CHECK(starts_nocase(r->bucket, r->cls) && r->bucket[strlen(r->cls)] == '_');
        CHECK(r->suspect ? r->cmin >= LOW : r->cmin == NONE && r->cmax == NONE);
        CHECK(r->cmin <= r->cmax);
    }
    CHECK(sizeof rows / sizeof *rows >= 25);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    self_check();
    size_t nrows = sizeof rows / sizeof *rows, verdict_ok = 0;
    for (size_t i = 0; i < nrows; i++) {
        const row *r = &rows[i];
        char label[96], path[256], err[256];
        row_label(r, label, sizeof label);
        gen_spec s;
        gen_spec_default(&s, r->arch, r->pae, r->type);
        if (gen_spec_scenario(&s, r->scenario) != 0) {
            fprintf(stderr, "%s: unknown scenario\n", label);
            CHECK(!"unknown scenario");
            continue;
        }
        snprintf(path, sizeof path, "%s/%zu-%s.dmp", tmpdir, i, r->scenario);
        if (gen_write(&s, path, err, sizeof err) != 0) {
            fprintf(stderr, "%s: gen_write: %s\n", label, err);
            CHECK(!"generator failed");
            continue;
        }
        ds_open_options opt = {DS_OPEN_OPTIONS_INIT};
        ds_error e;
        ds_dump *d = ds_open(path, &opt, &e);
        if (!d) {
            fprintf(stderr, "%s: ds_open: %s\n", label, e.text);
            CHECK(!"ds_open failed");
            unlink(path);
            continue;
        }
        check_dump(r, &s, d, label);
        verdict_ok += check_verdict(r, ds_dump_crash(d), label);
        ds_close(d);
        unlink(path);
    }
    printf("test_scenarios: %zu of %zu scenario verdicts right\n", verdict_ok, nrows);
    rmdir(tmpdir);
    return check_report("test_scenarios");
}
