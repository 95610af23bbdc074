#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "report/callsite.h"

void ds_call_site(const ds_crash *c, const ds_frame *f, char *out, size_t len)
{
    const ds_module *m = ds_crash_module(c, f->module);
    if (!m) {
        snprintf(out, len, "0x%" PRIx64, f->pc);
        return;
    }
    char mod[128];
    ds_module_label(m, mod, sizeof mod);
    if (f->function)
        snprintf(out, len, "%s!%s+0x%" PRIx64, mod, f->function, f->function_offset);
    else
        snprintf(out, len, "%s+0x%" PRIx64, mod, f->pc - m->base);
}

void ds_source_suffix(const char *file, ds_u64 line, char *out, size_t len)
{
    if (!file)
        snprintf(out, len, "%s", "");
    else if (line.known)
        snprintf(out, len, " [%s @ %" PRIu64 "]", file, line.value);
    else
        snprintf(out, len, " [%s]", file);
}

void ds_inline_site(const ds_crash *c, const ds_frame *f, size_t k, char *out, size_t len)
{
    const char *fn = f->inlines[k].function ? f->inlines[k].function : "unknown";
    const ds_module *m = ds_crash_module(c, f->module);
    if (!m) {
        snprintf(out, len, "%s", fn);
        return;
    }
    char mod[128];
    ds_module_label(m, mod, sizeof mod);
    snprintf(out, len, "%s!%s", mod, fn);
}

const char *ds_trust_name(ds_trust t)
{
    static const char *const n[] = {"none", "context", "unwind_info", "frame_pointer",
                                    "scan_validated", "scan", "trap_frame"};
    return (unsigned)t < sizeof n / sizeof *n ? n[t] : "none";
}

const char *ds_symsrc_name(ds_symsrc s)
{
    static const char *const n[] = {"none", "pdb_function", "pdb_public", "export",
                                    "breakpad", "elf"};
    return (unsigned)s < sizeof n / sizeof *n ? n[s] : "none";
}

const char *ds_stack_kind_name(ds_stack_kind k)
{
    static const char *const n[] = {"faulting", "bugcheck", "thread"};
    return (unsigned)k < sizeof n / sizeof *n ? n[k] : "thread";
}
