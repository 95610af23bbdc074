/* The human report. Short by default: what the dump is and what it says. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "analysis/ntstatus.h"
#include "model/model.h"
#include "report/callsite.h"
#include "report/regnames.h"
#include "report/safetext.h"
#include "report/strbuf.h"

static void where(ds_strbuf *b, const ds_crash *c, uint64_t va)
{
    const ds_module *m = ds_module_at(c, va);
    if (m)
        ds_sb_printf(b, " (%s+0x%" PRIx64 ")", ds_mod_display(m), va - m->base);
}

/* Address columns as wide as the dump's pointers. */
static int addr_width(const ds_crash *c)
{
    return c->arch == DS_ARCH_X86 || c->arch == DS_ARCH_ARM ? 8 : 16;
}

static void header_lines(ds_strbuf *b, const ds_dump *d)
{
    const ds_crash *c = ds_dump_crash(d);
    char t[32];
    /* names from outside are shown with their control characters escaped */
    ds_sb_printf(b, "File:         ");
    ds_sb_display(b, ds_dump_path(d) ? ds_dump_path(d) : "(memory)");
    ds_sb_printf(b, "%s\n", c->compressed ? " (gzip)" : "");
    if (c->file_in_cab) {
        ds_sb_printf(b, "FILE_IN_CAB:  ");
        ds_sb_display(b, c->file_in_cab);
        ds_sb_printf(b, "\n");
    }
    if (c->has_mdmp) {
        ds_sb_printf(b, "Dump:         user-mode minidump (MDMP), %u streams\n",
                     c->mdmp.streams);
        const ds_minidump_info *m = &c->mdmp;
        if (m->os_text || m->csd_version || m->lsb_release)
            ds_sb_printf(b, "OS:           %s%s%s%s%s\n", m->platform ? m->platform : "unknown",
                         m->os_text || m->csd_version ? ", " : "",
                         m->os_text ? m->os_text : m->csd_version ? m->csd_version : "",
                         m->lsb_release ? ", " : "", m->lsb_release ? m->lsb_release : "");
        if (m->process_id.known)
            ds_sb_printf(b, "Process:      pid %" PRIu64 "\n", m->process_id.value);
    } else {
        /* the file's signature, a fact to print (not a branch) */
        static const char *const signatures[] = {"?", "PAGEDUMP", "PAGEDU64", "MDMP"};
        char dump_type[16] = "unknown";
        if (c->kernel.dump_type.known)
            snprintf(dump_type, sizeof dump_type, "%u", (unsigned)c->kernel.dump_type.value);
        ds_sb_printf(b, "Dump:         kernel %s (DumpType %s), %s\n", c->dump_kind,
                     dump_type, signatures[(unsigned)c->format < 4 ? c->format : 0]);
    }
    ds_sb_printf(b, "System:       ");
    const ds_facts *f = &c->facts;
    if (f->os_name) /* the OS as named by the analysis (all platforms) */
        ds_sb_printf(b, "%s%s%s%s%s%s, ", f->os_name, f->os_version ? " " : "",
                     f->os_version ? f->os_version : "", f->os_product ? " (" : "",
                     f->os_product ? f->os_product : "", f->os_product ? ")" : "");
    else if (c->os_build.known)
        ds_sb_printf(b, "build %" PRIu64 ", ", c->os_build.value);
    ds_sb_printf(b, "%s", ds_arch_name(c->arch));
    if (c->cpus.known)
        ds_sb_printf(b, ", %" PRIu64 " CPU%s", c->cpus.value, c->cpus.value == 1 ? "" : "s");
    if (c->has_kernel && c->arch == DS_ARCH_X86)
        ds_sb_printf(b, ", %s", c->kernel.pae ? "PAE" : "non-PAE");
    ds_sb_printf(b, "\n");
    if (c->crash_time.known && c->crash_time.value) {
        ds_format_filetime(c->crash_time.value, t, sizeof t);
        ds_sb_printf(b, "Crash time:   %s UTC\n", t);
    } else {
        ds_sb_printf(b, "Crash time:   unknown\n");
    }
    if (c->uptime.known) {
        uint64_t s = c->uptime.value / 10000000;
        ds_sb_printf(b, "Uptime:       %" PRIu64 "d %02u:%02u:%02u\n", s / 86400,
                     (unsigned)(s / 3600 % 24), (unsigned)(s / 60 % 60), (unsigned)(s % 60));
    }
}

/* "NAME:" and the padding to the value column (at least one space). */
static void field(ds_strbuf *b, const char *name)
{
    size_t n = strlen(name);
    ds_sb_printf(b, "%s:%*s", name, n < 14 ? (int)(14 - n) : 1, "");
}

/* "NAME:  value", only when the value is known (not NULL or empty). */
static void text_field(ds_strbuf *b, const char *name, const char *value)
{
    if (!value || !*value)
        return;
    field(b, name);
    ds_sb_printf(b, "%s\n", value);
}

/* "<va> -- (.cmd 0x<va>)" as WinDbg prints a record's address, then where
 * the record came from: a bug-check parameter or the stack. */
static void record_head(ds_strbuf *b, const ds_crash *c, const char *name, const char *cmd,
                        uint64_t va, ds_u64 param)
{
    field(b, name);
    ds_sb_printf(b, "%0*" PRIx64 " -- (%s 0x%" PRIx64 ") ", addr_width(c), va, cmd, va);
    if (param.known)
        ds_sb_printf(b, "from P%" PRIu64, param.value);
    else
        ds_sb_printf(b, "found on the stack");
}

static void context_tail(ds_strbuf *b, const ds_crash *c, const ds_context *x)
{
    ds_sb_printf(b, "pc %" PRIx64, x->pc);
    where(b, c, x->pc);
    ds_sb_printf(b, ", sp %" PRIx64 "\n", x->sp);
}

static void exception_line(ds_strbuf *b, const ds_crash *c, const char *name,
                           const ds_exception *e)
{
    field(b, name);
    ds_sb_printf(b, "code %08x at %" PRIx64, e->code, e->address);
    where(b, c, e->address);
    if (e->nparams)
        ds_sb_printf(b, ", parameters");
    for (unsigned i = 0; i < e->nparams && i < 4; i++)
        ds_sb_printf(b, " %" PRIx64, e->params[i]);
}

/* A kernel dump header's exception is the bug check's own breakpoint, not
 * the crash: it is shown only with -v, and said to be what it is. */
static void header_exception(ds_strbuf *b, const ds_crash *c)
{
    exception_line(b, c, "HEADER_EXCEPTION", &c->exception);
    ds_sb_printf(b, " (the dump header's record%s)\n",
                 c->exception.code == 0x80000003 ? ": the bug-check call's own breakpoint" : "");
}

/* Breakpad's assertion record and Crashpad's annotations. */
static void minidump_extras(ds_strbuf *b, const ds_crash *c)
{
    const ds_minidump_info *m = &c->mdmp;
    if (m->has_assertion) {
        static const char *const kinds[] = {"assertion", "invalid parameter",
                                            "pure virtual call"};
        field(b, "ASSERTION");
        ds_sb_printf(b, "%s", m->assert_type < 3 ? kinds[m->assert_type] : "assertion");
        if (m->assert_expression && *m->assert_expression)
            ds_sb_printf(b, ": %s", m->assert_expression);
        if (m->assert_function && *m->assert_function)
            ds_sb_printf(b, " in %s", m->assert_function);
        if (m->assert_file && *m->assert_file)
            ds_sb_printf(b, " at %s:%u", m->assert_file, m->assert_line);
        ds_sb_printf(b, "\n");
    }
    if (m->nannotations)
        ds_sb_printf(b, "ANNOTATIONS:\n");
    for (size_t i = 0; i < m->nannotations; i++) {
        const ds_annotation *a = &m->annotations[i];
        char who[64] = ""; /* the process's annotations say no module */
        if (a->module_index.known && !a->module && ds_crash_module(c, a->module_index))
            snprintf(who, sizeof who, DS_UNNAMED_MODULE ": ");
        else if (a->module_index.known && !a->module)
            snprintf(who, sizeof who, "module #%" PRIu64 " (not in the module list): ",
                     a->module_index.value);
        ds_sb_printf(b, "  %s%s%s%s%s%s\n", who, a->module ? a->module : "",
                     a->module ? ": " : "", a->key ? a->key : "", a->key ? " = " : "", a->value);
    }
}

static void crash_lines(ds_strbuf *b, const ds_crash *c, bool verbose)
{
    if (c->has_bugcheck) {
        ds_sb_printf(b, "BUGCHECK_CODE: %x\n", c->bugcheck.code);
        for (int i = 0; i < 4; i++) {
            const char *m = c->has_verdict ? c->verdict.param_meaning[i] : NULL;
            ds_sb_printf(b, "BUGCHECK_P%d:   %-16" PRIx64 "%s%s\n", i + 1, c->bugcheck.params[i],
                         m ? "  " : "", m ? m : "");
        }
        /* status parameters by name (bugcodes/ntstatus.txt) */
        for (unsigned i = 0; i < 4; i++) {
            ds_ntstatus_info st;
            if (ds_bugcheck_param_status(c, i, &st))
                ds_sb_printf(b, "BUGCHECK_P%u_STR: %s  %s\n", i + 1, st.name, st.meaning);
        }
    }
    const ds_fault_records *r = &c->records;
    bool minidump = c->has_mdmp;
    if (r->has_exception) {
        record_head(b, c, "EXCEPTION_RECORD", ".exr", r->exception_va, r->exception_param);
        ds_sb_printf(b, "\n");
        exception_line(b, c, "EXCEPTION", &r->exception);
        ds_sb_printf(b, "\n");
    } else if (c->has_exception && minidump) {
        exception_line(b, c, "EXCEPTION", &c->exception);
        ds_sb_printf(b, "\n");
    }
    if (c->has_exception && !minidump && verbose)
        header_exception(b, c);
    if (minidump)
        minidump_extras(b, c);
    if (r->has_context) {
        record_head(b, c, "CONTEXT", ".cxr", r->context_va, r->context_param);
        ds_sb_printf(b, ": ");
        context_tail(b, c, &r->context);
    }
    if (r->has_trap) {
        record_head(b, c, "TRAP_FRAME", ".trap", r->trap_va, r->trap_param);
        ds_sb_printf(b, ": ");
        context_tail(b, c, &r->trap);
    }
    if (c->has_context && (!r->has_context || verbose)) {
        field(b, r->has_context ? "HEADER_CONTEXT" : "CONTEXT");
        context_tail(b, c, &c->context);
    }
    ds_u64 cpu = c->kernel.crashing_cpu;
    if (cpu.known && cpu.value < c->kernel.nprocessors &&
        c->kernel.processors[cpu.value].has_context) {
        const ds_processor *p = &c->kernel.processors[cpu.value];
        ds_sb_printf(b, "CPU_CONTEXT:   CPU %u at bug check: pc %" PRIx64, p->index,
                     p->context.pc);
        where(b, c, p->context.pc);
        ds_sb_printf(b, ", sp %" PRIx64 "\n", p->context.sp);
    }
}

static void list_lines(ds_strbuf *b, const char *title, char *const *v, size_t n)
{
    if (!n)
        return;
    ds_sb_printf(b, "%s\n", title);
    for (size_t i = 0; i < n; i++)
        ds_sb_printf(b, "  - %s\n", v[i]);
}

/* The !analyze-style verdict block, using WinDbg's field names where we
 * compute the same thing and BLAME_* for what is ours. */
static void verdict_lines(ds_strbuf *b, const ds_crash *c)
{
    const ds_verdict *v = &c->verdict;
    if (!c->has_verdict)
        return;
    ds_sb_printf(b, "\n%s (%s)\n", v->title ? v->title : "unknown", v->crash_class);
    if (v->description)
        ds_sb_printf(b, "  %s\n", v->description);
    if (v->live_dump)
        ds_sb_printf(b, "LIVE_DUMP:     yes (the system kept running: a snapshot, not a crash)\n");
    const ds_facts *f = &c->facts;
    text_field(b, "BUGCHECK_STR", f->bugcheck_str);
    text_field(b, "PROCESS_NAME", f->process_name);
    if (f->current_irql.known) {
        field(b, "CURRENT_IRQL");
        ds_sb_printf(b, "%" PRIu64 "\n", f->current_irql.value);
    }
    /* the real exception: 0x7E's P3 record, or a minidump's */
    const ds_exception *e = c->records.has_exception ? &c->records.exception
                            : c->has_mdmp && c->has_exception ? &c->exception
                                                                                   : NULL;
    if (e) {
        ds_ntstatus_info st;
        field(b, "EXCEPTION_CODE_STR");
        ds_sb_printf(b, "%08x", e->code);
        if (ds_ntstatus_lookup(e->code, &st))
            ds_sb_printf(b, " (%s)", st.name);
        ds_sb_printf(b, "\n");
        for (unsigned i = 0; i < 2 && i < e->nparams; i++) {
            char name[32];
            snprintf(name, sizeof name, "EXCEPTION_PARAMETER%u", i + 1);
            field(b, name);
            ds_sb_printf(b, "%0*" PRIx64 "\n", addr_width(c), e->params[i]);
        }
    }
    /* WinDbg's READ_ADDRESS / WRITE_ADDRESS / EXECUTE_ADDRESS; "access"
     * (a platform that does not say which) keeps our own name */
    static const char *const access_fields[][2] = {
        {"read", "READ_ADDRESS"}, {"write", "WRITE_ADDRESS"}, {"execute", "EXECUTE_ADDRESS"},
        {"access", "ACCESS_ADDRESS"}};
    for (size_t i = 0; v->access && v->faulting_address.known &&
                       i < sizeof access_fields / sizeof *access_fields; i++)
        if (strcmp(v->access, access_fields[i][0]) == 0) {
            field(b, access_fields[i][1]);
            ds_sb_printf(b, "%0*" PRIx64 "\n", addr_width(c), v->faulting_address.value);
        }
    if (v->inpage_status.known) {
        ds_ntstatus_info st;
        field(b, "INPAGE_STATUS");
        ds_sb_printf(b, "%08" PRIx64, v->inpage_status.value);
        if (ds_ntstatus_lookup(v->inpage_status.value, &st))
            ds_sb_printf(b, " (%s: %s)", st.name, st.meaning);
        ds_sb_printf(b, "\n");
    }
    if (v->faulting_ip)
        ds_sb_printf(b, "FAULTING_IP:   %s\n", v->faulting_ip);
    if (v->has_suspect) {
        const ds_suspect *s = &v->suspect;
        char label[128];
        const ds_module *m = ds_crash_module(c, s->module);
        if (m)
            ds_module_label(m, label, sizeof label);
        else
            snprintf(label, sizeof label, "%s", s->module_name ? s->module_name : "unknown");
        if (s->function)
            ds_sb_printf(b, "SYMBOL_NAME:   %s!%s+%" PRIx64 "\n", label, s->function,
                         s->function_offset);
        else
            ds_sb_printf(b, "SYMBOL_NAME:   %s!unknown_function\n", label);
        ds_sb_printf(b, "MODULE_NAME:   %s\n", label);
        ds_sb_printf(b, "IMAGE_NAME:    %s%s\n", s->module_name ? s->module_name : "unknown",
                     m ? "" : " (unloaded)");
        /* who ships it (the analysis stage's owner: version resource, inbox list) */
        const ds_module *om = m;
        bool ms = s->owner && !strcmp(s->owner, "microsoft");
        ds_sb_printf(b, "MODULE_OWNER:  %s\n",
                     ms && om && om->owner_source && !strcmp(om->owner_source, "inbox_list")
                         ? "Microsoft (inbox driver)"
                     : ms ? "Microsoft"
                     : s->owner && !strcmp(s->owner, "third_party") ? "third-party"
                                                                    : "unknown");
        if (m && m->file_version) /* like WinDbg: no line when the version is unknown */
            ds_sb_printf(b, "IMAGE_VERSION: %s\n", m->file_version);
        if (m && m->timestamp.known)
            ds_sb_printf(b, "IMAGE_TIMESTAMP: %08" PRIx64 "\n", m->timestamp.value);
        if (m && (m->company_name || m->file_description))
            ds_sb_printf(b, "IMAGE_DESCRIPTION: %s%s%s\n",
                         m->file_description ? m->file_description : "",
                         m->company_name && m->file_description ? ", " : "",
                         m->company_name ? m->company_name : "");
    } else {
        ds_sb_printf(b, "MODULE_NAME:   none (no driver is blamed)\n");
    }
    if (v->bucket)
        ds_sb_printf(b, "FAILURE_BUCKET_ID: %s\n", v->bucket);
    text_field(b, "FAILURE_ID_HASH", f->failure_id_hash);
    text_field(b, "FOLLOWUP_NAME", f->followup_name);
    text_field(b, "STACK_COMMAND", f->stack_command);
    text_field(b, "OSNAME", f->os_name);
    text_field(b, "OS_VERSION", f->os_version);
    text_field(b, "PRODUCT_TYPE", f->os_product);
    ds_sb_printf(b, "BLAME_CONFIDENCE: %s\n", ds_confidence_name(v->confidence));
    list_lines(b, "BLAME_REASONS:", v->reasons, v->nreasons);
    list_lines(b, "CAVEATS:", v->caveats, v->ncaveats);
    if (v->nalternates) {
        ds_sb_printf(b, "ALTERNATE_SUSPECTS:\n");
        for (size_t i = 0; i < v->nalternates; i++)
            ds_sb_printf(b, "  - %s (score %d): %s\n",
                         v->alternates[i].module_name ? v->alternates[i].module_name
                                                      : DS_UNNAMED_MODULE,
                         v->alternates[i].score,
                         v->alternates[i].why ? v->alternates[i].why : "");
    }
}

static void register_lines(ds_strbuf *b, const ds_crash *c)
{
    if (!c->has_context)
        return;
    unsigned col = 0;
    ds_sb_printf(b, "\nRegisters:\n");
    for (unsigned i = 0; i < DS_MAX_REGS; i++) {
        const char *n = ds_reg_name(c->context.arch, i);
        if (!n || !(c->context.valid >> i & 1))
            continue;
        ds_sb_printf(b, "  %-6s %016" PRIx64 "%s", n, c->context.regs[i],
                     ++col % 3 == 0 ? "\n" : "");
    }
    if (col % 3)
        ds_sb_printf(b, "\n");
}

static void integrity_lines(ds_strbuf *b, const ds_crash *c, bool verbose)
{
    static const char *const sev[] = {"info", "warning", "DAMAGE"};
    /* the word depends on the dump, not on -v: info notes (shown with -v)
     * leave an undamaged dump "ok"; a warning makes it "usable" */
    size_t warnings = 0;
    for (size_t i = 0; i < c->nnotes; i++)
        if (c->notes[i].severity != DS_INFO)
            warnings++;
    ds_sb_printf(b, "DUMP_INTEGRITY: %s\n",
                 c->damaged ? "damaged (partial report)" : warnings ? "usable" : "ok");
    for (size_t i = 0; i < c->nnotes; i++)
        if (verbose || c->notes[i].severity != DS_INFO)
            ds_sb_printf(b, "  %-7s %s\n", sev[c->notes[i].severity], c->notes[i].text);
}


static void module_lines(ds_strbuf *b, const ds_crash *c, bool verbose)
{
    int w = addr_width(c);
    ds_sb_printf(b, "\nModules (%zu):\n", c->nmodules);
    ds_sb_printf(b, "  %-*s   %-*s   %-8s %-24s %s\n", w, "start", w, "end", "stamp", "name",
                 "pdb");
    for (size_t i = 0; i < c->nmodules; i++) {
        const ds_module *m = &c->modules[i];
        char stamp[12] = "unknown";
        if (m->timestamp.known)
            snprintf(stamp, sizeof stamp, "%08x", (unsigned)m->timestamp.value);
        ds_sb_printf(b, "  %0*" PRIx64 "   %0*" PRIx64 "   %-8s %-24s %s\n", w, m->base,
                     w, m->base + m->size, stamp, ds_mod_display(m),
                     m->has_cv ? m->cv.pdb_name : "");
        if (verbose && (m->file_version || m->company_name || m->image_file ||
                        m->symbol_file || m->symbol_problem))
            ds_sb_printf(b, "      version %s%s%s%s%s%s%s%s%s\n",
                         m->file_version ? m->file_version : "unknown",
                         m->company_name ? ", " : "", m->company_name ? m->company_name : "",
                         m->image_file ? "; image " : "", m->image_file ? m->image_file : "",
                         m->symbol_file ? "; symbols " : "",
                         m->symbol_file ? m->symbol_file : "",
                         m->symbol_problem ? "; " : "",
                         m->symbol_problem ? m->symbol_problem : "");
    }
    if (c->nunloaded) {
        ds_sb_printf(b, "\nUnloaded modules (%zu):\n", c->nunloaded);
        for (size_t i = 0; i < c->nunloaded; i++)
            ds_sb_printf(b, "  %0*" PRIx64 "   %0*" PRIx64 "   %s\n", w,
                         c->unloaded[i].base, w, c->unloaded[i].base + c->unloaded[i].size,
                         ds_mod_display(&c->unloaded[i]));
    }
}

static void thread_lines(ds_strbuf *b, const ds_crash *c)
{
    if (c->has_kernel && !c->nthreads)
        return;
    ds_sb_printf(b, "\nThreads (%zu):\n", c->nthreads);
    for (size_t i = 0; i < c->nthreads; i++) {
        const ds_thread *t = &c->threads[i];
        ds_sb_printf(b, "  %c %-8u", c->crashing_thread.known && t->id == c->crashing_thread.value
                                         ? '*' : ' ', t->id);
        if (t->has_context) {
            ds_sb_printf(b, " pc %016" PRIx64, t->context.pc);
            where(b, c, t->context.pc);
        } else {
            ds_sb_printf(b, " pc unknown");
        }
        if (t->name)
            ds_sb_printf(b, " \"%s\"", t->name);
        ds_sb_printf(b, "\n");
    }
}

static void stack_lines(ds_strbuf *b, const ds_crash *c, const ds_stack *st, bool verbose)
{
    /* plain-scan frames after the last trustworthy one: only with -v */
    size_t shown = verbose ? st->nframes : ds_stack_trusted_frames(st);
    int w = addr_width(c);
    ds_sb_printf(b, "\nSTACK_TEXT (%s):\n", st->label ? st->label : "stack");
    ds_sb_printf(b, "  # %-*s   %-*s   %-52s %s\n", w, "Child-SP", w, "RetAddr", "Call Site",
                 "found by");
    for (size_t i = 0; i < shown; i++) {
        const ds_frame *f = &st->frames[i];
        char site[768], ret[24] = "", srcs[600];
        for (size_t k = 0; k < f->ninlines; k++) { /* innermost first, as debuggers show them */
            ds_inline_site(c, f, k, site, sizeof site);
            ds_source_suffix(f->inlines[k].source_file, f->inlines[k].source_line, srcs,
                             sizeof srcs);
            strncat(site, srcs, sizeof site - strlen(site) - 1);
            ds_sb_printf(b, "    %-*s   %-*s   %-52s inline\n", w, "(inline)", w, "", site);
        }
        ds_call_site(c, f, site, sizeof site);
        ds_source_suffix(f->source_file, f->source_line, srcs, sizeof srcs);
        strncat(site, srcs, sizeof site - strlen(site) - 1);
        if (i + 1 < st->nframes)
            snprintf(ret, sizeof ret, "%0*" PRIx64, w, st->frames[i + 1].pc);
        const char *src = f->symbol_source == DS_SYM_EXPORT ? " (name from exports)" : "";
        ds_sb_printf(b, " %02zu %0*" PRIx64 "   %-*s   %-52s %s%s%s\n", i, w, f->sp, w, ret,
                     site, ds_trust_name(f->trust),
                     f->is_trap_frame && f->trust != DS_TRUST_TRAP_FRAME ? ", trap frame" : "",
                     src);
    }
    if (shown < st->nframes)
        ds_sb_printf(b, "  (%zu more frame%s found by plain stack scanning, unvalidated: -v shows %s)\n",
                     st->nframes - shown, st->nframes - shown > 1 ? "s" : "",
                     st->nframes - shown > 1 ? "them" : "it");
    if (st->end_reason)
        ds_sb_printf(b, "  (walk ended: %s)\n", st->end_reason);
}

/* Where each symbol file came from, then what is missing (all of it with -v). */
static void symbol_lines(ds_strbuf *b, const ds_crash *c, bool verbose)
{
    size_t found = 0, shown = 0;
    for (size_t i = 0; i < c->nsymbol_lookups; i++)
        found += strcmp(c->symbol_lookups[i].status, "found") == 0;
    if (!c->nsymbol_lookups)
        return;
    ds_sb_printf(b, "\nSymbol files (%zu found, %zu not):\n", found,
                 c->nsymbol_lookups - found);
    for (size_t i = 0; i < c->nsymbol_lookups; i++) {
        const ds_symbol_lookup *l = &c->symbol_lookups[i];
        if (strcmp(l->status, "found") != 0)
            continue;
        bool server = strcmp(l->origin, "server") == 0;
        if (strcmp(l->origin, "redirect") == 0) /* nothing was downloaded but file.ptr */
            ds_sb_printf(b, "  %-22s %-8s %-34s redirected by file.ptr to %s (from %s)\n",
                         l->file, l->kind, l->key ? l->key : "", l->path ? l->path : "",
                         l->source ? l->source : "");
        else
            ds_sb_printf(b, "  %-22s %-8s %-34s %s %s -> %s\n", l->file, l->kind,
                         l->key ? l->key : "", server ? "downloaded from" : l->origin,
                         l->source ? l->source : "", l->path ? l->path : "");
    }
    if (found == c->nsymbol_lookups)
        return;
    ds_sb_printf(b, "SYMBOL_PROBLEMS:\n");
    for (size_t i = 0; i < c->nsymbol_lookups; i++) {
        const ds_symbol_lookup *l = &c->symbol_lookups[i];
        if (strcmp(l->status, "found") == 0)
            continue;
        if (!verbose && shown == 10) {
            ds_sb_printf(b, "  (%zu more with -v)\n", c->nsymbol_lookups - found - shown);
            break;
        }
        shown++;
        ds_sb_printf(b, "  %-22s %-8s %-34s %s%s%s\n", l->file, l->kind, l->key ? l->key : "",
                     l->status, l->detail ? ": " : "", l->detail ? l->detail : "");
    }
}

char *ds_report_text(const ds_dump *d, unsigned flags)
{
    const ds_crash *c = ds_dump_crash(d);
    bool verbose = flags & DS_TEXT_VERBOSE;
    ds_strbuf b = {0};
    header_lines(&b, d);
    ds_sb_printf(&b, "\n");
    crash_lines(&b, c, verbose);
    verdict_lines(&b, c);
    integrity_lines(&b, c, verbose);
    if (c->kernel.has_triage && c->kernel.triage.broken_driver)
        ds_sb_printf(&b, "BROKEN_DRIVER: %s\n", c->kernel.triage.broken_driver);
    /* Short by default: the first stack; -v shows all of them. */
    for (size_t i = 0; i < c->nstacks && (verbose || i == 0); i++)
        stack_lines(&b, c, &c->stacks[i], verbose);
    if (!verbose && c->nstacks > 1)
        ds_sb_printf(&b, "  (%zu more stack%s with -v)\n", c->nstacks - 1,
                     c->nstacks > 2 ? "s" : "");
    if (verbose)
        register_lines(&b, c);
    thread_lines(&b, c);
    module_lines(&b, c, verbose);
    symbol_lines(&b, c, verbose);
    return ds_sb_finish(&b);
}
