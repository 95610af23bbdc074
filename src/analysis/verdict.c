/*
 * The verdict. Evidence is gathered from what the bug-check parameters *are*
 * (their roles in bugcodes/, never a per-code switch), the triage
 * broken-driver name, unloaded-driver ranges and the stacks, filtered by the
 * blame rules in symbols/blame-rules.txt. Each candidate module scores per
 * kind of evidence (the strongest item of each kind counts once), and the
 * confidence says how much and how independent the evidence is, capped by
 * what is known to mislead: memory corruption, victim modules, scan-only
 * stacks, damaged dumps.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model/model.h"
#include "analysis/bugcodes.h"
#include "analysis/knowledge.h"
#include "analysis/ntstatus.h"
#include "analysis/verdict.h"
#include "analysis/access.h"
#include "io/bytes.h"

/* Kinds of evidence, each counted once per candidate at its strongest. */
enum {
    EV_FAULT_IP,     /* the faulting instruction is in the module */
    EV_NAMED,        /* a parameter names the driver (name, base, object) */
    EV_BROKEN,       /* triage BrokenDriver */
    EV_UNLOADED,     /* an address lies in an unloaded driver's range */
    EV_CODE_PARAM,   /* a parameter points at the module's code (routine, caller) */
    EV_STACK_FIRST,  /* first frame outside the OS core and usual victims */
    EV_STACK_ANY,    /* present somewhere on a stack */
    EV_KINDS
};

#define MAX_CANDS 64

typedef struct cand {
    int module;       /* loaded module index, -1 otherwise */
    char *name;
    const char *function; /* a frame's, owned by the crash model */
    uint64_t function_offset;
    bool has_function;
    int kind_score[EV_KINDS];
    char *kind_why[EV_KINDS]; /* the sentence behind each kind's score */
    char *why;
    int why_score;
    ds_rule_action action;
} cand;

typedef struct vstate {
    ds_crash *c;
    const ds_memview *mem;
    const ds_knowledge *k;
    unsigned ptr;
    cand cands[MAX_CANDS];
    size_t ncands;
    char *said;           /* the last evidence sentence (evidence returns it) */
    bool oom;
    int cap;              /* highest confidence allowed */
    bool stack_scan_only; /* the stack behind the suspect was only scanned */
    bool have_fault_addr; /* a parameter is the address whose access failed */
    bool fault_in_record; /* ... or the exception record a parameter names holds it */
    unsigned fault_param; /* ... and which one (0-based) */
    bool no_blame;        /* the evidence says no module on the stack is the cause */
    bool have_irql;       /* a parameter is the IRQL of the failure */
    uint64_t irql;
    bool have_ip;         /* a parameter is the faulting instruction's address */
    uint64_t ip;
} vstate;

static int push_str(char ***v, size_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int push_str(char ***v, size_t *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = ds_vstrfmt(fmt, ap);
    va_end(ap);
    if (!text)
        return -1;
    for (size_t i = 0; i < *n; i++) /* the same sentence once is enough */
        if (strcmp((*v)[i], text) == 0) {
            free(text);
            return 0;
        }
    char **a = realloc(*v, (*n + 1) * sizeof *a);
    if (!a) {
        free(text);
        return -1;
    }
    *v = a;
    a[(*n)++] = text;
    return 0;
}

#define REASON(vs, ...) push_str(&(vs)->c->verdict.reasons, &(vs)->c->verdict.nreasons, __VA_ARGS__)
#define CAVEAT(vs, ...) push_str(&(vs)->c->verdict.caveats, &(vs)->c->verdict.ncaveats, __VA_ARGS__)

static void cap(vstate *v, ds_confidence most)
{
    if ((int)most < v->cap)
        v->cap = (int)most;
}

static ds_rule_action rule_for(const vstate *v, int module, const char *function)
{
    if (module < 0)
        return DS_RULE_NONE;
    char label[128];
    ds_module_label(&v->c->modules[module], label, sizeof label);
    return ds_knowledge_rule(v->k, label, function, NULL);
}

static cand *find_cand(vstate *v, int module, const char *name)
{
    for (size_t i = 0; i < v->ncands; i++) {
        cand *x = &v->cands[i];
        /* an unloaded module is found by name; one without a name (the dump
         * does not hold it) is a candidate of its own, never merged */
        if (module >= 0 ? x->module == module
                        : x->module < 0 && *name && strcasecmp(x->name, name) == 0)
            return x;
    }
    if (v->ncands == MAX_CANDS)
        return NULL;
    cand *x = &v->cands[v->ncands];
    memset(x, 0, sizeof *x);
    x->module = module;
    if (!(x->name = ds_strdup(module >= 0 ? ds_mod_name(&v->c->modules[module]) : name))) {
        v->oom = true;
        return NULL;
    }
    v->ncands++;
    x->action = rule_for(v, module, NULL);
    return x;
}

/* Replace *slot with a copy of text; false when memory ran out. */
static bool keep_text(char **slot, const char *text)
{
    char *copy = ds_strdup(text);
    if (!copy)
        return false;
    free(*slot);
    *slot = copy;
    return true;
}

/* Score one item of evidence, its sentence printf-formatted. Returns the
 * sentence (valid until the next call), NULL when memory ran out. */
static const char *evidence(vstate *v, int module, const char *name, int kind, int score,
                            const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static const char *evidence(vstate *v, int module, const char *name, int kind, int score,
                            const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *why = ds_vstrfmt(fmt, ap);
    va_end(ap);
    free(v->said);
    v->said = why;
    cand *x = why ? find_cand(v, module, name) : NULL;
    bool ok = why && !v->oom;
    if (x && score > x->kind_score[kind]) {
        ok = ok && keep_text(&x->kind_why[kind], why);
        x->kind_score[kind] = score;
    }
    if (x && score > x->why_score) {
        ok = ok && keep_text(&x->why, why);
        x->why_score = score;
    }
    if (!ok)
        v->oom = true;
    return ok ? why : NULL;
}

static int total(const cand *x)
{
    int t = 0;
    for (int k = 0; k < EV_KINDS; k++)
        t += x->kind_score[k];
    return t;
}

static int strong_kinds(const cand *x)
{
    int n = 0;
    for (int k = 0; k < EV_STACK_ANY; k++)
        n += x->kind_score[k] >= 30;
    return n;
}

/* --------------------------------------------------------- memory reads */

static bool read_ptr(const vstate *v, uint64_t va, uint64_t *out)
{
    return ds_mem_ptr(v->mem, va, v->ptr, out);
}

/* UNICODE_STRING at va -> UTF-8 in out. */
static bool read_ustr(const vstate *v, uint64_t va, char *out, size_t len)
{
    char *s = ds_mem_unicode_string(v->mem, va, v->ptr);
    if (s)
        snprintf(out, len, "%s", s);
    free(s);
    return s != NULL;
}

static int module_by_name(const ds_crash *c, const char *name, bool *unloaded)
{
    const char *base = strrchr(name, '\\');
    base = base ? base + 1 : name;
    *unloaded = false;
    if (!*base)
        return -1; /* no name: it would match the modules whose names are unknown */
    for (size_t i = 0; i < c->nmodules; i++)
        if (strcasecmp(ds_mod_name(&c->modules[i]), base) == 0)
            return (int)i;
    for (size_t i = 0; i < c->nunloaded; i++)
        if (strcasecmp(ds_mod_name(&c->unloaded[i]), base) == 0) {
            *unloaded = true;
            return -1;
        }
    return -1;
}

static const ds_module *unloaded_at(const ds_crash *c, uint64_t va)
{
    for (size_t i = 0; i < c->nunloaded; i++) {
        const ds_module *m = &c->unloaded[i];
        if (va >= m->base && va - m->base < m->size)
            return m;
    }
    return NULL;
}

/* A frame at exactly this pc, for its name. */
static const ds_frame *frame_at(const ds_crash *c, uint64_t pc)
{
    for (size_t s = 0; s < c->nstacks; s++)
        for (size_t i = 0; i < c->stacks[s].nframes; i++)
            if (c->stacks[s].frames[i].pc == pc)
                return &c->stacks[s].frames[i];
    return NULL;
}

static void describe_ip(const ds_crash *c, uint64_t ip, char *out, size_t len)
{
    const ds_module *m = ds_module_at(c, ip);
    const ds_frame *f = frame_at(c, ip);
    char label[128];
    if (!m) {
        snprintf(out, len, "0x%" PRIx64, ip);
        return;
    }
    ds_module_label(m, label, sizeof label);
    if (f && f->function)
        snprintf(out, len, "%s!%s+0x%" PRIx64, label, f->function, f->function_offset);
    else
        snprintf(out, len, "%s+0x%" PRIx64, label, ip - m->base);
}

/* ------------------------------------------------------------ ownership */

/* "a Microsoft inbox driver", "third-party (CompanyName \"Contoso\")", ... */
static void owner_words(const ds_module *m, char *out, size_t len)
{
    if (m && m->owner && strcmp(m->owner, "microsoft") == 0)
        snprintf(out, len, "%s", m->owner_source && strcmp(m->owner_source, "inbox_list") == 0
                                     ? "Microsoft inbox driver"
                                     : "Microsoft (version resource)");
    else if (m && m->owner && strcmp(m->owner, "third_party") == 0)
        snprintf(out, len, "third-party (CompanyName \"%.100s\")", m->company_name);
    else
        snprintf(out, len, "owner unknown");
}

/* ------------------------------------------------------------ evidence */

/* x64 and ARM64 (48-bit virtual addresses): bits 63..47 all equal. */
static bool non_canonical(uint64_t a)
{
    uint64_t top = a >> 47;
    return top != 0 && top != 0x1FFFF;
}

/* Below the kernel's half of the address space (x86 without /3GB). */
static bool user_address(const vstate *v, uint64_t a)
{
    return v->ptr == 8 ? a < 0x0000800000000000ULL : a < 0x80000000u;
}

/*
 * A faulting address no valid pointer has: not canonical, a fill pattern of
 * a heap or runtime (bugcodes/address-patterns.txt), or a user-mode address
 * touched at DISPATCH_LEVEL or above. The code that faulted then most likely
 * read a pointer out of memory someone else damaged or freed: lower the
 * confidence and say so, whatever the bug check.
 */
static int corrupt_address(vstate *v)
{
    if (!v->have_fault_addr)
        return 0;
    uint64_t a = v->c->verdict.faulting_address.value;
    const char *what = NULL;
    char why[400];
    ds_confidence most = DS_CONFIDENCE_LOW;
    const char *caveat = "the faulting address looks corrupt: the driver that crashed may be a "
                         "victim that used a pointer other code damaged or freed (the driver "
                         "that crashes is often not the one that corrupted memory; Driver "
                         "Verifier with special pool can catch the one that did)";
    bool wide = v->c->arch == DS_ARCH_X64 || v->c->arch == DS_ARCH_ARM64;
    if (wide && non_canonical(a))
        snprintf(why, sizeof why, "is not canonical (bits 63 to 47 disagree): no valid "
                 "pointer has this value");
    else if (ds_knowledge_fill_pattern(v->k, a, &what))
        snprintf(why, sizeof why, "is a fill pattern, %s", what);
    else if (a >= 0x10000 && user_address(v, a) && v->have_irql && v->irql >= 2) {
        snprintf(why, sizeof why, "is a user-mode address touched at IRQL %" PRIu64 ", where "
                 "no user memory may be touched: a stale or garbage pointer, or a user "
                 "buffer used without locking it", v->irql);
        most = DS_CONFIDENCE_MEDIUM;
        /* an IRQL/paging mistake of the code that ran, not a sign of corruption */
        caveat = "a user-mode address was touched at raised IRQL: user memory can be paged "
                 "out or belong to another process there, so the code that ran is the likely "
                 "culprit (a user buffer used without probing and locking it, or a stale "
                 "pointer), not a victim of memory corruption";
    } else
        return 0;
    cap(v, most);
    if (REASON(v, "the faulting address 0x%" PRIx64 " (%s P%u) %s", a,
               v->fault_in_record ? "from the exception record at" : "bug-check parameter",
               v->fault_param + 1, why) < 0)
        return -1;
    return CAVEAT(v, "%s", caveat);
}

static int fault_ip(vstate *v, uint64_t ip, const char *source)
{
    ds_crash *c = v->c;
    ds_verdict *vd = &c->verdict;
    char where[400];
    describe_ip(c, ip, where, sizeof where);
    if (!vd->faulting_ip && !(vd->faulting_ip = ds_strdup(where)))
        return -1;
    const ds_module *m = ds_module_at(c, ip);
    if (m) {
        int idx = (int)(m - c->modules);
        const ds_frame *f = frame_at(c, ip);
        ds_rule_action a = rule_for(v, idx, f ? f->function : NULL);
        /* A fault inside the OS or a usual victim is rarely the OS's own bug:
         * it still counts, but the stack decides who called it there. */
        if (!evidence(v, idx, NULL, EV_FAULT_IP, a == DS_RULE_NONE ? 60 : 20,
                      "the faulting instruction %s is in %s (%s)", where, ds_mod_display(m), source))
            return -1;
        if (a != DS_RULE_NONE)
            return REASON(v, "the fault happened inside %s, which is %s", ds_mod_display(m),
                          a == DS_RULE_VICTIM ? "a usual victim of other drivers' errors"
                                              : "part of the operating system");
        return 0;
    }
    const ds_module *u = unloaded_at(c, ip);
    if (u) {
        const char *why = evidence(v, -1, ds_mod_name(u), EV_UNLOADED, 80, "the faulting "
                                   "instruction 0x%" PRIx64 " lies where %s was loaded before "
                                   "it was unloaded (%s)", ip, ds_mod_display(u), source);
        return why ? REASON(v, "%s", why) : -1;
    }
    return CAVEAT(v, "the faulting instruction 0x%" PRIx64 " is in no loaded module: code ran "
                  "from corrupted memory, a stale pointer or an unloaded module", ip);
}

static int named_driver(vstate *v, const char *name, const char *how, int score)
{
    if (!*name)
        return 0; /* a module whose name the dump does not hold names nothing */
    bool unloaded;
    int idx = module_by_name(v->c, name, &unloaded);
    const char *why = evidence(v, idx, name, unloaded ? EV_UNLOADED : EV_NAMED, score,
                               "%s names %s", how, name);
    return why ? REASON(v, "%s", why) : -1;
}

/* DRIVER_OBJECT -> the driver's module (DriverStart) or name (DriverName). */
static int driver_object(vstate *v, uint64_t drv, const char *how, int score)
{
    uint64_t start;
    char name[256];
    unsigned start_off = v->ptr == 8 ? 0x18 : 0x0C, name_off = v->ptr == 8 ? 0x38 : 0x1C;
    if (read_ptr(v, drv + start_off, &start)) {
        const ds_module *m = ds_module_at(v->c, start);
        if (m)
            return named_driver(v, ds_mod_name(m), how, score);
    }
    if (read_ustr(v, drv + name_off, name, sizeof name)) {
        const char *slash = strrchr(name, '\\');
        char base[300];
        snprintf(base, sizeof base, "%.250s.sys", slash ? slash + 1 : name);
        return named_driver(v, base, how, score);
    }
    return 0;
}

static int device_object(vstate *v, uint64_t dev, const char *how, int score)
{
    uint64_t drv;
    return read_ptr(v, dev + 0x08, &drv) && drv ? driver_object(v, drv, how, score) : 0;
}

static int irp_owner(vstate *v, uint64_t irp, const char *how)
{
    /* IRP.Tail.Overlay.CurrentStackLocation -> IO_STACK_LOCATION.DeviceObject */
    uint64_t loc, dev;
    unsigned loc_off = v->ptr == 8 ? 0xB8 : 0x60, dev_off = v->ptr == 8 ? 0x28 : 0x14;
    if (read_ptr(v, irp + loc_off, &loc) && read_ptr(v, loc + dev_off, &dev) && dev)
        return device_object(v, dev, how, 80);
    return CAVEAT(v, "the IRP at 0x%" PRIx64 " is not readable in this dump, so its driver "
                  "cannot be named", irp);
}

/* The pc of a record parameter i named (decoded once into the model). */
static int record_pc(vstate *v, bool has, ds_u64 param, unsigned i, uint64_t pc,
                     const char *what)
{
    char how[64];
    if (!has || !param.known || param.value != i + 1 || !pc)
        return 0;
    snprintf(how, sizeof how, "%s (P%u)", what, i + 1);
    return fault_ip(v, pc, how);
}

/*
 * A parameter whose role is a code address (a worker routine, a callback, an
 * ISR, a verifier call site, 0x116's "pointer into the responsible driver")
 * names the module that owns that code. OS code and usual victims count for
 * little: the routine is then only where the check ran.
 */
static int code_param(vstate *v, unsigned i, uint64_t a)
{
    ds_crash *c = v->c;
    char what[256] = "", where[400];
    const char *meaning = c->verdict.param_meaning[i];
    if (meaning) { /* "The cancel routine." -> ", the cancel routine," */
        snprintf(what, sizeof what, ", %s", meaning);
        if (what[2] >= 'A' && what[2] <= 'Z' && !(what[3] >= 'A' && what[3] <= 'Z'))
            what[2] = (char)(what[2] - 'A' + 'a');
        size_t n = strlen(what);
        if (n && what[n - 1] == '.')
            what[--n] = '\0';
        snprintf(what + n, sizeof what - n, ",");
    }
    const ds_module *m = ds_module_at(c, a);
    if (m) {
        int idx = (int)(m - c->modules);
        const ds_frame *f = frame_at(c, a);
        ds_rule_action act = rule_for(v, idx, f ? f->function : NULL);
        describe_ip(c, a, where, sizeof where);
        return evidence(v, idx, NULL, EV_CODE_PARAM, act == DS_RULE_NONE ? 60 : 15,
                        "P%u%s points into %s (%s)", i + 1, what, ds_mod_display(m), where) ? 0 : -1;
    }
    const ds_module *u = unloaded_at(c, a);
    if (u) {
        const char *why = evidence(v, -1, ds_mod_name(u), EV_UNLOADED, 70, "P%u%s 0x%" PRIx64 " lies "
                                   "where %s was loaded before it was unloaded", i + 1, what, a,
                                   ds_mod_display(u));
        return why ? REASON(v, "%s", why) : -1;
    }
    return 0;
}

/*
 * A status parameter whose NTSTATUS is tagged in bugcodes/ntstatus.txt says
 * where to look: code integrity refused an image (the modules on the stack
 * only tried to load it), or a device failed the I/O.
 */
static int status_param(vstate *v, unsigned i, uint64_t val)
{
    ds_ntstatus_info st;
    if (!ds_ntstatus_lookup(val, &st) || !st.tag[0])
        return 0;
    if (REASON(v, "P%u is %s (0x%08X): %s", i + 1, st.name, st.code, st.meaning) < 0)
        return -1;
    if (strcmp(st.tag, "code_integrity") == 0) {
        v->no_blame = true;
        return CAVEAT(v, "%s points at code integrity, not at a module on the stack: find the "
                      "unsigned or modified driver, or its missing catalog (the "
                      "CodeIntegrity event log and setupapi logs name it)", st.name);
    }
    if (strcmp(st.tag, "device_io") == 0)
        return CAVEAT(v, "%s is a device I/O failure: check the disk or device, its cable or "
                      "controller and the storage drivers below the code that reported it",
                      st.name);
    return CAVEAT(v, "%s is a hardware error: check the hardware and firmware", st.name);
}

/* What each parameter's role lets us conclude. Data-driven: the roles come
 * from bugcodes/, this table only says what to do with a role. */
static int use_param(vstate *v, ds_param_role role, unsigned i, uint64_t val)
{
    ds_verdict *vd = &v->c->verdict;
    char how[64];
    snprintf(how, sizeof how, "bug-check parameter %u", i + 1);
    switch (role) {
    case DS_ROLE_FAULTING_IP:
        v->have_ip = val != 0; /* 0: "when known", and it was not */
        v->ip = val;
        return fault_ip(v, val, how);
    case DS_ROLE_EXCEPTION_RECORD:
        return record_pc(v, v->c->records.has_exception, v->c->records.exception_param, i,
                         v->c->records.exception.address, "exception record");
    case DS_ROLE_CONTEXT_RECORD:
        return record_pc(v, v->c->records.has_context, v->c->records.context_param, i,
                         v->c->records.context.pc, "context record");
    case DS_ROLE_TRAP_FRAME:
        return record_pc(v, v->c->records.has_trap, v->c->records.trap_param, i,
                         v->c->records.trap.pc, "trap frame");
    case DS_ROLE_STATUS:
    case DS_ROLE_EXCEPTION_CODE:
        return status_param(v, i, val);
    case DS_ROLE_CODE_ADDRESS:
        return code_param(v, i, val);
    case DS_ROLE_IRQL:
        v->have_irql = true;
        v->irql = val;
        return 0;
    case DS_ROLE_FAULTING_ADDRESS: {
        vd->faulting_address = ds_known(val);
        v->have_fault_addr = true;
        v->fault_param = i;
        const ds_module *u = unloaded_at(v->c, val);
        if (u) {
            const char *why = evidence(v, -1, ds_mod_name(u), EV_UNLOADED, 70, "the referenced "
                                       "address 0x%" PRIx64 " lies where %s was loaded before "
                                       "it was unloaded", val, ds_mod_display(u));
            return why ? REASON(v, "%s", why) : -1;
        }
        return 0;
    }
    case DS_ROLE_ACCESS_TYPE:
        /* bugcodes/access.txt: the encoding differs per code and build */
        vd->access = ds_access_bugcheck(v->c->bugcheck.code, true, val,
                                        (uint32_t)v->c->os_build.value, v->c->arch);
        return 0;
    case DS_ROLE_DRIVER_NAME_PTR: {
        char name[256];
        return read_ustr(v, val, name, sizeof name) ? named_driver(v, name, how, 70) : 0;
    }
    case DS_ROLE_DRIVER_BASE: {
        const ds_module *m = ds_module_at(v->c, val);
        return m ? named_driver(v, ds_mod_name(m), how, 70) : 0;
    }
    case DS_ROLE_DRIVER_OBJECT:
        return driver_object(v, val, how, 70);
    case DS_ROLE_DEVICE_OBJECT:
        /* often a bus driver's PDO: weaker than the driver holding an IRP */
        return device_object(v, val, how, 45);
    case DS_ROLE_IRP:
        return irp_owner(v, val, "the blocked IRP");
    default:
        return 0;
    }
}

/* Walk one stack from the top: skip plumbing, remember victims, credit the
 * first frame outside the OS core and the usual victims (whoever owns it),
 * and note every such module present. */
static int stack_evidence(vstate *v, const ds_stack *st, bool primary)
{
    ds_crash *c = v->c;
    bool first_done = false;
    const char *victim = NULL;
    for (size_t i = 0; i < st->nframes; i++) {
        const ds_frame *f = &st->frames[i];
        const ds_module *m = ds_crash_module(c, f->module);
        if (!m)
            continue;
        int mod = (int)f->module.value;
        ds_rule_action a = rule_for(v, mod, f->function);
        if (a == DS_RULE_IGNORE)
            continue;
        if (a == DS_RULE_VICTIM && !victim && !first_done)
            victim = ds_mod_display(m);
        if (a != DS_RULE_NONE)
            continue;
        char label[128];
        ds_module_label(m, label, sizeof label);
        /* heap strings: a C++ function name can be longer than any buffer */
        char *site = f->function ? ds_strfmt("%s!%s+0x%" PRIx64, label, f->function,
                                             f->function_offset)
                                 : ds_strfmt("%s+0x%" PRIx64, label, f->pc - m->base);
        if (!site)
            return -1;
        const char *why;
        if (!first_done) {
            first_done = true;
            bool scanned = f->trust == DS_TRUST_SCAN || f->trust == DS_TRUST_SCAN_VALIDATED;
            int score = !primary ? 25 : f->trust == DS_TRUST_SCAN ? 15
                                      : f->trust == DS_TRUST_SCAN_VALIDATED ? 30 : 50;
            char owner[160];
            owner_words(m, owner, sizeof owner);
            why = evidence(v, mod, NULL, EV_STACK_FIRST, score, "%s (%s) is the first "
                     "frame on the %s outside the OS core and the usual victims (frame %zu, "
                     "found by %s)", site, owner,
                     st->label ? st->label : "stack", i,
                     f->trust == DS_TRUST_CONTEXT ? "the context" :
                     f->trust == DS_TRUST_UNWIND_INFO ? "unwind data" :
                     f->trust == DS_TRUST_FRAME_POINTER ? "frame pointers" :
                     f->trust == DS_TRUST_SCAN_VALIDATED ? "a validated stack scan" :
                     f->trust == DS_TRUST_TRAP_FRAME ? "a trap frame on the stack" :
                     "an unvalidated stack scan");
            cand *x = why ? find_cand(v, mod, NULL) : NULL;
            if (x && !x->has_function && f->function) {
                x->function = f->function;
                x->function_offset = f->function_offset;
                x->has_function = true;
            }
            if (scanned && primary)
                v->stack_scan_only = true;
            if (why && victim && primary &&
                REASON(v, "%s, a usual victim, was called by %s", victim, ds_mod_display(m)) < 0)
                why = NULL;
        } else {
            why = evidence(v, mod, NULL, EV_STACK_ANY, 5, "%s is on the %s", site,
                           st->label ? st->label : "stack");
        }
        free(site);
        if (!why)
            return -1;
    }
    return 0;
}

/* ------------------------------------------------------------- verdicts */

/* The loaded module, or else the unloaded one, a candidate stands for. */
static const ds_module *cand_module(const ds_crash *c, const cand *x)
{
    if (x->module >= 0)
        return &c->modules[x->module];
    for (size_t i = 0; *x->name && i < c->nunloaded; i++)
        if (strcasecmp(ds_mod_name(&c->unloaded[i]), x->name) == 0)
            return &c->unloaded[i];
    return NULL;
}

static void set_suspect(ds_suspect *s, const vstate *v, const cand *x)
{
    const ds_module *m = cand_module(v->c, x);
    s->owner = m ? m->owner : NULL;
    if (x->module >= 0)
        s->module = ds_known((uint64_t)x->module);
    s->module_name = x->name[0] ? ds_strdup(x->name) : NULL; /* NULL: name unknown */
    s->score = total(x);
    s->why = ds_strdup(x->why);
    if (x->has_function) {
        s->function = ds_strdup(x->function);
        s->function_offset = x->function_offset;
    }
}

static int cmp_cand(const void *a, const void *b)
{
    int ta = total(a), tb = total(b);
    return tb - ta;
}

static int rank_and_decide(vstate *v, bool blame_allowed)
{
    ds_crash *c = v->c;
    ds_verdict *vd = &c->verdict;
    /* Stable for equal scores: insertion order is evidence order. */
    for (size_t i = 1; i < v->ncands; i++)
        for (size_t j = i; j > 0 && cmp_cand(&v->cands[j - 1], &v->cands[j]) > 0; j--) {
            cand t = v->cands[j];
            v->cands[j] = v->cands[j - 1];
            v->cands[j - 1] = t;
        }
    /* A third-party candidate outranks OS/victim code with any real evidence. */
    size_t top = 0;
    for (size_t i = 0; i < v->ncands; i++)
        if (v->cands[i].action == DS_RULE_NONE && total(&v->cands[i]) >= 15) {
            top = i;
            break;
        }
    if (!blame_allowed || v->ncands == 0) {
        vd->confidence = DS_CONFIDENCE_NONE;
        if (blame_allowed && CAVEAT(v, "no module could be tied to this crash") < 0)
            return -1;
        return 0;
    }
    const cand *x = &v->cands[top];
    vd->has_suspect = true;
    set_suspect(&vd->suspect, v, x);
    if (!vd->suspect.function && vd->faulting_ip && x->module >= 0) {
        const ds_frame *f = NULL;
        for (size_t s = 0; s < c->nstacks && !f; s++)
            for (size_t i = 0; i < c->stacks[s].nframes; i++)
                if (x->module >= 0 && c->stacks[s].frames[i].module.known &&
                    c->stacks[s].frames[i].module.value == (uint64_t)x->module &&
                    c->stacks[s].frames[i].function) {
                    f = &c->stacks[s].frames[i];
                    break;
                }
        if (f) {
            vd->suspect.function = ds_strdup(f->function);
            vd->suspect.function_offset = f->function_offset;
        }
    }
    int score = total(x);
    ds_confidence conf = score >= 100 && strong_kinds(x) >= 2 ? DS_CONFIDENCE_HIGH
                         : score >= 50                       ? DS_CONFIDENCE_MEDIUM
                                                             : DS_CONFIDENCE_LOW;
    if (x->action != DS_RULE_NONE) {
        cap(v, DS_CONFIDENCE_LOW);
        if (CAVEAT(v, "%s is %s; the real cause may be a driver that is not visible here",
                   x->name[0] ? x->name : DS_UNNAMED_MODULE, x->action == DS_RULE_VICTIM ? "a usual victim of other code"
                                                        : "part of the operating system") < 0)
            return -1;
    }
    if (v->stack_scan_only && x->kind_score[EV_FAULT_IP] == 0 && x->kind_score[EV_NAMED] == 0) {
        cap(v, DS_CONFIDENCE_MEDIUM);
        if (CAVEAT(v, "the stack behind this verdict was recovered by scanning, not unwinding") < 0)
            return -1;
    }
    if ((int)conf > v->cap)
        conf = (ds_confidence)v->cap;
    vd->confidence = conf;
    /* Every kind of evidence behind the suspect, strongest first. */
    bool used[EV_KINDS] = {false};
    for (int n = 0; n < EV_KINDS; n++) {
        int best = -1;
        for (int k = 0; k < EV_KINDS; k++)
            if (!used[k] && x->kind_score[k] > 0 && k != EV_STACK_ANY &&
                (best < 0 || x->kind_score[k] > x->kind_score[best]))
                best = k;
        if (best < 0)
            break;
        used[best] = true;
        if (REASON(v, "%s", x->kind_why[best]) < 0)
            return -1;
    }
    /* Who ships the suspect, and how that is known. */
    const ds_module *sm = cand_module(c, x);
    char owner[160];
    owner_words(sm, owner, sizeof owner);
    if (REASON(v, "%s: %s%s", x->name[0] ? x->name : DS_UNNAMED_MODULE, owner,
               !sm || !sm->owner_source ? " (no version resource was read, and it is not in "
                                          "the list of Windows inbox drivers)"
               : strcmp(sm->owner_source, "inbox_list") == 0
                   ? " (symbols/windows-inbox.txt; no version resource was read)"
                   : "") < 0)
        return -1;
    size_t nalt = 0;
    vd->alternates = calloc(v->ncands ? v->ncands : 1, sizeof *vd->alternates);
    if (!vd->alternates)
        return -1;
    for (size_t i = 0; i < v->ncands && nalt < 5; i++)
        if (i != top && total(&v->cands[i]) >= 5)
            set_suspect(&vd->alternates[nalt++], v, &v->cands[i]);
    vd->nalternates = nalt;
    return 0;
}

static void label_of(const ds_crash *c, const ds_suspect *s, char *out, size_t len)
{
    const ds_module *m = ds_crash_module(c, s->module);
    if (m) {
        ds_module_label(m, out, len);
        return;
    }
    snprintf(out, len, "%s", s->module_name ? s->module_name : "unknown");
    char *dot = strrchr(out, '.');
    if (dot && dot != out)
        *dot = '\0';
}

static int make_bucket(ds_crash *c, const char *prefix)
{
    ds_verdict *vd = &c->verdict;
    char buf[512], mod[128];
    if (vd->has_suspect) {
        label_of(c, &vd->suspect, mod, sizeof mod);
        snprintf(buf, sizeof buf, "%s_%s!%s", prefix, mod,
                 vd->suspect.function ? vd->suspect.function : "unknown_function");
    } else {
        snprintf(buf, sizeof buf, "%s_none!%s", prefix, vd->title ? vd->title : "unknown");
    }
    /* Buckets are identifiers: no spaces. */
    for (char *p = buf; *p; p++)
        if (*p == ' ')
            *p = '_';
    return (vd->bucket = ds_strdup(buf)) ? 0 : -1;
}

/* Access, target address and in-page status from an exception record
 * (bugcodes/access.txt). */
static int exception_access(vstate *v, const ds_exception *e)
{
    ds_verdict *vd = &v->c->verdict;
    int status;
    const char *a = ds_access_exception(e, &status);
    if (!a)
        return 0;
    vd->access = a;
    vd->faulting_address = ds_known(e->params[1]);
    if (status >= 0)
        vd->inpage_status = ds_known(e->params[status]);
    /* A general-protection fault (a non-canonical pointer, mostly) gives no
     * address: Windows records all ones, which is not where anything was */
    uint64_t none = v->ptr == 8 ? UINT64_MAX : UINT32_MAX;
    if (e->code == 0xC0000005u && e->params[1] == none)
        return CAVEAT(v, "the target address 0x%" PRIx64 " is what Windows records when a "
                      "general-protection fault gives no address (usually a non-canonical "
                      "pointer): the real address is not in the record; the faulting "
                      "instruction's operands tell it", e->params[1]);
    return 0;
}

static int kernel_verdict(vstate *v)
{
    ds_crash *c = v->c;
    ds_verdict *vd = &c->verdict;
    ds_bugcode_view bv;
    ds_bugcode_resolve(c->bugcheck.code, c->bugcheck.params, &bv);
    char title[64];
    snprintf(title, sizeof title, "BUGCHECK_0x%X", c->bugcheck.code);
    vd->title = ds_strdup(bv.name ? bv.name : title);
    vd->description = ds_strdup(bv.case_summary ? bv.case_summary : bv.summary);
    vd->crash_class = ds_crash_class_name(bv.cls);
    for (unsigned i = 0; i < 4; i++) {
        vd->param_role[i] = bv.known ? ds_param_role_name(bv.params[i].role) : NULL;
        vd->param_meaning[i] = bv.params[i].meaning;
    }
    if (!vd->title)
        return -1;
    if (!bv.known && CAVEAT(v, "bug check 0x%X is not in dumpscan's knowledge base",
                            c->bugcheck.code) < 0)
        return -1;

    bool blame = bv.cls != DS_CLASS_MANUAL && bv.cls != DS_CLASS_HARDWARE;
    ds_bugcode_live live = bv.entry ? bv.entry->live : DS_LIVE_NO;
    vd->live_dump = live == DS_LIVE_ALWAYS;
    if (live == DS_LIVE_ALWAYS &&
        REASON(v, "%s is a live dump code: Windows wrote this snapshot and kept running, so "
               "this is not a crash", vd->title) < 0)
        return -1;
    if (live == DS_LIVE_SOMETIMES &&
        CAVEAT(v, "%s is also used for live dumps: if this file came from LiveKernelReports, "
               "the system kept running", vd->title) < 0)
        return -1;
    bool has_target = false;
    for (unsigned i = 0; i < 4; i++) {
        if (bv.known && use_param(v, bv.params[i].role, i, c->bugcheck.params[i]) < 0)
            return -1;
        has_target |= bv.known && bv.params[i].role == DS_ROLE_FAULTING_ADDRESS;
    }
    /* a code whose access is its meaning (0xBE write, 0xFC execute) */
    if (!vd->access && has_target)
        vd->access = ds_access_bugcheck(c->bugcheck.code, false, 0,
                                        (uint32_t)c->os_build.value, c->arch);
    /* The address that failed is the instruction's own: the processor was
     * fetching code there (0xCE running an unloaded driver's code), whatever
     * the read/write parameter says (bugcodes/README.md, "Access types"). */
    if (v->have_fault_addr && v->have_ip && v->ip == vd->faulting_address.value)
        vd->access = "execute";
    /* the real exception (0x7E's P3): its access and address */
    if (c->records.has_exception && exception_access(v, &c->records.exception) < 0)
        return -1;
    if (!v->have_fault_addr && vd->access && c->records.has_exception &&
        c->records.exception_param.known && c->records.exception_param.value > 0) {
        /* 0x7E: the record's target address */
        v->have_fault_addr = v->fault_in_record = true;
        v->fault_param = (unsigned)c->records.exception_param.value - 1;
    }
    if (bv.known && corrupt_address(v) < 0)
        return -1;
    blame = blame && !v->no_blame;
    const char *broken = c->kernel.triage.broken_driver;
    if (broken && *broken) {
        bool unloaded;
        int idx = module_by_name(c, broken, &unloaded);
        if (!evidence(v, idx, broken, EV_BROKEN, 40, "the kernel recorded %s as the broken "
                      "driver", broken))
            return -1;
    }
    for (size_t s = 0; s < c->nstacks; s++)
        if (stack_evidence(v, &c->stacks[s], c->stacks[s].kind == DS_STACK_FAULTING ||
                                                  c->nstacks == 1) < 0)
            return -1;

    switch (bv.cls) { /* what the class itself tells about blame */
    case DS_CLASS_MANUAL:
        if (REASON(v, "%s is a crash that was asked for (keyboard, debugger or a tool): no "
                   "driver caused it", vd->title) < 0)
            return -1;
        break;
    case DS_CLASS_HARDWARE:
        if (REASON(v, "%s reports a hardware or firmware error: drivers on the stack were "
                   "running, not failing; check the hardware and firmware", vd->title) < 0)
            return -1;
        break;
    case DS_CLASS_MEMORY_CORRUPTION:
        cap(v, DS_CONFIDENCE_LOW);
        if (CAVEAT(v, "memory corruption is detected after the fact: the module named is "
                   "where it was noticed, which may not be who caused it (try Driver "
                   "Verifier with special pool)") < 0)
            return -1;
        break;
    default:
        break;
    }
    if (rank_and_decide(v, blame) < 0)
        return -1;
    return make_bucket(c, vd->crash_class);
}

/* ------------------------------------------------------- application */

static const char *platform_space(const ds_crash *c)
{
    uint32_t p = c->mdmp.platform_id;
    if (p == 0x8201 || p == 0x8203) /* Linux, Android */
        return "linux";
    if (p == 0x8101 || p == 0x8102) /* macOS, iOS */
        return "mac";
    return "win";
}

/* The application crash classes of bugcodes/exceptions.txt, as static
 * strings: the model outlives the parsed knowledge. */
static const char *user_class(const char *cls)
{
    static const char *const classes[] = {
        "invalid_pointer", "stack_overflow", "heap_corruption", "fast_fail",
        "abort", "breakpoint", "cpp_exception", "illegal_instruction",
        "arithmetic", "resource", "loader", "hang"};
    for (size_t i = 0; cls && i < sizeof classes / sizeof *classes; i++)
        if (strcmp(cls, classes[i]) == 0)
            return classes[i];
    return "unknown";
}

/*
 * Where an access violation's address lies: the crashing thread's stack
 * guard region (stack exhaustion), its stack, or an image. The stack bounds
 * come from the thread's TEB (NT_TIB StackBase/StackLimit) when that memory
 * is in the dump.
 */
static int where_is(vstate *v, uint64_t a)
{
    ds_crash *c = v->c;
    const ds_thread *t = NULL;
    for (size_t i = 0; i < c->nthreads; i++)
        if (c->crashing_thread.known && c->threads[i].id == c->crashing_thread.value)
            t = &c->threads[i];
    uint64_t base, limit;
    unsigned p = v->ptr;
    if (t && t->teb && read_ptr(v, t->teb + p, &base) && read_ptr(v, t->teb + 2 * p, &limit) &&
        limit < base) {
        /* the guard pages sit just below StackLimit */
        if (a < limit && limit - a <= 0x4000)
            return REASON(v, "address 0x%" PRIx64 " is in the guard region just below the "
                          "thread's stack (limit 0x%" PRIx64 "): the stack ran out",
                          a, limit);
        if (a >= limit && a < base)
            return REASON(v, "address 0x%" PRIx64 " is on the crashing thread's own stack", a);
    } else if (t && t->stack_size && a >= t->stack_base && a - t->stack_base < t->stack_size) {
        return REASON(v, "address 0x%" PRIx64 " is on the crashing thread's stack", a);
    }
    const ds_module *m = ds_module_at(c, a);
    if (m)
        return REASON(v, "address 0x%" PRIx64 " lies inside %s (+0x%" PRIx64 ")", a, ds_mod_display(m),
                      a - m->base);
    return 0;
}

static int user_verdict(vstate *v)
{
    ds_crash *c = v->c;
    ds_verdict *vd = &c->verdict;
    if (!c->has_exception) {
        vd->title = ds_strdup("NO_EXCEPTION");
        vd->crash_class = "unknown";
        if (!vd->title || CAVEAT(v, "the minidump holds no exception record: it may be a "
                                 "snapshot of a running process, not a crash") < 0)
            return -1;
    } else {
        const ds_exception *e = &c->exception;
        const char *space = platform_space(c);
        ds_exception_info info = {0};
        char title[64];
        bool known = ds_knowledge_exception(v->k, space, e->code, &info);
        snprintf(title, sizeof title, "EXCEPTION_0x%08X", e->code);
        vd->title = ds_strdup(known ? info.name : title);
        vd->crash_class = known ? user_class(info.cls) : "unknown";
        vd->description = ds_strdup(known ? info.summary : NULL);
        if (!vd->title)
            return -1;
        bool win = strcmp(space, "win") == 0;
        if (win && exception_access(v, e) < 0)
            return -1;
        if (!win && known && info.cls && strcmp(info.cls, "invalid_pointer") == 0) {
            vd->faulting_address = ds_known(e->address); /* si_addr / the Mach fault address */
            vd->access = "access";
        }
        if (win && e->code == 0xC0000409 && e->nparams >= 1) {
            ds_exception_info ff;
            if (ds_knowledge_exception(v->k, "fastfail", e->params[0], &ff) &&
                REASON(v, "fast fail %s: %s", ff.name, ff.summary) < 0)
                return -1;
        }
        if (strcmp(vd->crash_class, "heap_corruption") == 0) {
            cap(v, DS_CONFIDENCE_LOW);
            if (CAVEAT(v, "the heap noticed corruption made earlier, possibly by other code "
                       "(try Application Verifier / page heap)") < 0)
                return -1;
        }
        /* Where the instruction pointer was: the exception address on Windows,
         * the context pc elsewhere (si_addr is the data address). */
        uint64_t ip = win ? e->address : c->has_context ? c->context.pc : 0;
        if (vd->access && strcmp(vd->access, "execute") == 0) {
            const ds_module *m = ds_module_at(c, ip);
            if (!m && CAVEAT(v, "execution jumped to 0x%" PRIx64 ", which is in no module: "
                             "the code that jumped there (a corrupted return address or "
                             "function pointer) is at fault, not that memory", ip) < 0)
                return -1;
        }
        uint64_t fa = vd->faulting_address.value;
        bool has_fa = vd->access && vd->faulting_address.known;
        if (has_fa && fa < 0x10000 &&
            REASON(v, "the %s was of address 0x%" PRIx64 ", in the null page: a null pointer "
                   "(plus an offset) was used", vd->access, fa) < 0)
            return -1;
        if (has_fa && c->arch == DS_ARCH_X64 && non_canonical(fa) &&
            REASON(v, "address 0x%" PRIx64 " is not canonical: a garbage or freed pointer",
                   fa) < 0)
            return -1;
        if (has_fa && fa >= 0x10000 && where_is(v, fa) < 0)
            return -1;
        if (ip && fault_ip(v, ip, "exception address") < 0)
            return -1;
    }
    for (size_t s = 0; s < c->nstacks; s++)
        if (stack_evidence(v, &c->stacks[s], c->stacks[s].kind == DS_STACK_FAULTING) < 0)
            return -1;
    if (rank_and_decide(v, c->has_exception) < 0)
        return -1;
    /* WinDbg-like: NULL_POINTER_READ_c0000005_mod!func */
    char prefix[96];
    const char *access = vd->access;
    if (access && strcmp(access, "access") != 0 && c->has_exception)
        snprintf(prefix, sizeof prefix, "%s_POINTER_%s_%08x",
                 vd->faulting_address.value < 0x10000 ? "NULL" : "INVALID",
                 strcmp(access, "read") == 0 ? "READ" : strcmp(access, "write") == 0
                                                            ? "WRITE" : "EXECUTE",
                 c->exception.code);
    else
        snprintf(prefix, sizeof prefix, "%s_%08x", vd->title, c->exception.code);
    return make_bucket(c, prefix);
}

int ds_analysis_verdict(ds_crash *c, const ds_memview *mem)
{
    ds_knowledge *k = ds_knowledge_load();
    int rc = k ? ds_analysis_verdict_with(c, mem, k) : -1;
    ds_knowledge_free(k);
    return rc;
}

int ds_analysis_verdict_with(ds_crash *c, const ds_memview *mem, const ds_knowledge *k)
{
    vstate *v = calloc(1, sizeof *v);
    if (!v)
        return -1;
    v->c = c;
    v->mem = mem;
    v->ptr = c->arch == DS_ARCH_X86 || c->arch == DS_ARCH_ARM ? 4 : 8;
    v->cap = DS_CONFIDENCE_HIGH;
    v->k = k;
    int rc;
    for (size_t i = 0; i < c->nmodules; i++)
        ds_knowledge_owner(v->k, &c->modules[i]);
    for (size_t i = 0; i < c->nunloaded; i++)
        ds_knowledge_owner(v->k, &c->unloaded[i]);
    c->has_verdict = true;
    if (c->has_mdmp)
        rc = user_verdict(v);
    else if (c->has_bugcheck)
        rc = kernel_verdict(v);
    else
        rc = 0, c->has_verdict = false;
    if (rc == 0 && c->damaged) {
        if (c->verdict.confidence > DS_CONFIDENCE_MEDIUM)
            c->verdict.confidence = DS_CONFIDENCE_MEDIUM;
        rc = CAVEAT(v, "the dump is damaged; the verdict rests on what could be read");
    }
    for (size_t i = 0; i < v->ncands; i++) {
        free(v->cands[i].name);
        free(v->cands[i].why);
        for (int kind = 0; kind < EV_KINDS; kind++)
            free(v->cands[i].kind_why[kind]);
    }
    free(v->said);
    if (v->oom)
        rc = -1;
    free(v);
    return rc;
}
