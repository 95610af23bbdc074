/*
 * The crash model as JSON (schema documented in man/dumpscan-json.5).
 * Rules: names never change meaning; unknown facts are null, not omitted;
 * 64-bit addresses and values are "0x..." strings because JSON numbers lose
 * precision past 2^53; counts and small enumerations are numbers.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "analysis/ntstatus.h"
#include "model/model.h"
#include "report/callsite.h"
#include "report/jsonval.h"
#include "report/regnames.h"
#include "report/rowutil.h"
#include "report/safetext.h"

static const char *severity_name(ds_severity s)
{
    static const char *const n[] = {"info", "warning", "damage"};
    return (unsigned)s < 3 ? n[s] : "info";
}

static json_t *codeview_json(const ds_module *m)
{
    const ds_codeview *cv = &m->cv;
    if (!m->has_cv)
        return json_null();
    if (cv->is_elf) {
        char id[2 * sizeof cv->build_id + 1];
        for (unsigned i = 0; i < cv->build_id_len && i < sizeof cv->build_id; i++)
            snprintf(id + 2 * i, 3, "%02x", cv->build_id[i]);
        id[2 * (cv->build_id_len < sizeof cv->build_id ? cv->build_id_len
                                                       : sizeof cv->build_id)] = '\0';
        return json_pack("{s:s, s:s}", "format", "BpEL", "build_id", id);
    }
    char guid[40];
    ds_codeview_id(cv, false, guid, sizeof guid);
    return json_pack("{s:s, s:s, s:s, s:I}", "format", cv->is_pdb70 ? "RSDS" : "NB10",
                     "name", cv->pdb_name, "guid", guid, "age", (json_int_t)cv->age);
}

static const char *module_source(uint32_t f)
{
    if (f & DS_MOD_FROM_DRIVER_LIST)
        return "triage_driver_list";
    if (f & DS_MOD_FROM_LOADER_LIST)
        return "loaded_module_list";
    if (f & DS_MOD_FROM_MINIDUMP)
        return "minidump_module_list";
    return "unknown";
}

static json_t *module_json(const ds_module *m)
{
    json_t *o = json_object();
    json_object_set_new(o, "name", ds_json_str(m->name));
    json_object_set_new(o, "path", ds_json_str(m->path));
    json_object_set_new(o, "base", ds_json_hex(m->base));
    json_object_set_new(o, "size", ds_json_hex(m->size));
    json_object_set_new(o, "end", ds_json_hex(m->base + m->size));
    json_object_set_new(o, "owner", json_string(m->owner ? m->owner : "unknown"));
    json_object_set_new(o, "owner_source", ds_json_str(m->owner_source));
    if (m->flags & DS_MOD_UNLOADED)
        return o;
    json_object_set_new(o, "timestamp", ds_json_opt_hex(m->timestamp));
    json_object_set_new(o, "image_size", ds_json_opt_hex(m->image_size));
    json_object_set_new(o, "checksum", ds_json_opt_hex(m->checksum));
    json_object_set_new(o, "header_in_dump", json_boolean(m->flags & DS_MOD_HEADER_IN_DUMP));
    json_object_set_new(o, "source", json_string(module_source(m->flags)));
    json_object_set_new(o, "pdb", codeview_json(m));
    json_object_set_new(o, "image_file", ds_json_str(m->image_file));
    json_object_set_new(o, "symbol_file", ds_json_str(m->symbol_file));
    json_object_set_new(o, "symbol_problem", ds_json_str(m->symbol_problem));
    json_object_set_new(o, "file_version", ds_json_str(m->file_version));
    json_object_set_new(o, "product_name", ds_json_str(m->product_name));
    json_object_set_new(o, "company_name", ds_json_str(m->company_name));
    json_object_set_new(o, "file_description", ds_json_str(m->file_description));
    return o;
}

static json_t *modules_json(const ds_module *m, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, module_json(&m[i]));
    return a;
}

static json_t *hex_array(const uint64_t *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, ds_json_hex(v[i]));
    return a;
}

static json_t *context_json(const ds_crash *c, const ds_context *x, bool present)
{
    if (!present)
        return json_null();
    json_t *regs = json_object();
    for (unsigned i = 0; i < DS_MAX_REGS; i++) {
        const char *n = ds_reg_name(x->arch, i);
        if (n && (x->valid >> i & 1))
            json_object_set_new(regs, n, ds_json_hex(x->regs[i]));
    }
    const ds_module *m = ds_module_at(c, x->pc);
    return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o}", "arch", ds_arch_name(x->arch), "pc",
                     ds_json_hex(x->pc), "sp", ds_json_hex(x->sp), "fp", ds_json_hex(x->fp), "pc_module",
                     m ? ds_json_str(m->name) : json_null(), "registers", regs);
}

static json_t *triage_json(const ds_kernel_info *k)
{
    const ds_triage_info *t = &k->triage;
    if (!k->has_triage)
        return json_null();
    return json_pack("{s:I, s:b, s:I, s:I, s:o, s:I, s:o, s:o, s:I, s:b}", "size_of_dump",
                     (json_int_t)t->size_of_dump, "valid_marker", t->valid_marker,
                     "driver_count", (json_int_t)t->driver_count, "data_blocks",
                     (json_int_t)t->data_blocks, "stack_base", ds_json_hex(t->stack_low),
                     "stack_size", (json_int_t)t->stack_size, "triage_options",
                     ds_json_hex(t->triage_options), "broken_driver",
                     ds_json_str(t->broken_driver), "secondary_data_blobs",
                     (json_int_t)t->secondary_blobs, "kdbg_copy", t->kdbg_copy);
}

static json_t *processors_json(const ds_crash *c)
{
    json_t *a = json_array();
    for (size_t i = 0; i < c->kernel.nprocessors; i++) {
        const ds_processor *p = &c->kernel.processors[i];
        json_array_append_new(
            a, json_pack("{s:I, s:o, s:o, s:o, s:o}", "index", (json_int_t)p->index, "prcb",
                         ds_json_hex(p->prcb), "current_thread",
                         ds_json_opt_hex(p->current_thread), "current_process",
                         ds_json_opt_hex(p->current_process),
                         "context", context_json(c, &p->context, p->has_context)));
    }
    return a;
}

static json_t *kernel_json(const ds_crash *c)
{
    if (!c->has_kernel)
        return json_null();
    const ds_kernel_info *k = &c->kernel;
    json_t *o = json_object();
    json_object_set_new(o, "major_version", ds_json_opt_hex(k->major_version));
    uint64_t mv = k->major_version.value; /* 0 when unknown */
    json_object_set_new(o, "build_flavor", json_string(mv == 0xF   ? "free"
                                                       : mv == 0xC ? "checked"
                                                                   : "unknown"));
    json_object_set_new(o, "directory_table_base", ds_json_opt_hex(k->directory_table_base));
    json_object_set_new(o, "pfn_database", ds_json_opt_hex(k->pfn_database));
    json_object_set_new(o, "ps_loaded_module_list", ds_json_opt_hex(k->ps_loaded_module_list));
    json_object_set_new(o, "ps_active_process_head", ds_json_opt_hex(k->ps_active_process_head));
    json_object_set_new(o, "kd_debugger_data_block", ds_json_opt_hex(k->kd_debugger_data_block));
    json_object_set_new(o, "writer_status", ds_json_opt_int(k->writer_status));
    json_object_set_new(o, "secondary_data_state", ds_json_opt_hex(k->secondary_data_state));
    json_object_set_new(o, "attributes", ds_json_opt_hex(k->attributes));
    json_object_set_new(o, "boot_id", ds_json_opt_int(k->boot_id));
    json_object_set_new(o, "mini_dump_fields", ds_json_opt_hex(k->mini_dump_fields));
    json_object_set_new(o, "required_dump_space", ds_json_opt_int(k->required_dump_space));
    json_object_set_new(o, "kd_secondary_version", ds_json_opt_int(k->kd_secondary_version));
    json_object_set_new(o, "pae", c->arch == DS_ARCH_X86 ? json_boolean(k->pae) : json_null());
    json_object_set_new(o, "comment", ds_json_str(k->comment));
    json_object_set_new(o, "physical_pages", json_integer((json_int_t)k->physical_pages));
    json_object_set_new(o, "highest_pfn", json_integer((json_int_t)k->highest_pfn));
    json_object_set_new(o, "kdbg_plain", json_boolean(k->kdbg_plain));
    json_object_set_new(o, "kernel_base", ds_json_opt_hex(k->kernel_base));
    json_object_set_new(o, "processors", processors_json(c));
    json_object_set_new(o, "crashing_cpu",
                        k->crashing_cpu.known && k->crashing_cpu.value < k->nprocessors
                            ? json_integer(k->processors[k->crashing_cpu.value].index)
                            : json_null());
    json_object_set_new(o, "crashing_cpu_evidence", ds_json_str(k->crashing_cpu_reason));
    json_object_set_new(o, "triage", triage_json(k));
    return o;
}

static json_t *integrity_json(const ds_crash *c)
{
    json_t *notes = json_array();
    for (size_t i = 0; i < c->nnotes; i++)
        json_array_append_new(notes, json_pack("{s:s, s:s, s:s}", "severity",
                                               severity_name(c->notes[i].severity), "code",
                                               c->notes[i].code, "text", c->notes[i].text));
    return json_pack("{s:b, s:I, s:o, s:o}", "damaged", c->damaged, "file_size",
                     (json_int_t)c->file_size, "required_size",
                     c->kernel.required_dump_space.known
                         ? json_integer((json_int_t)c->kernel.required_dump_space.value)
                         : json_null(),
                     "notes", notes);
}

static json_t *os_json(const ds_crash *c)
{
    json_t *o = json_object();
    char ver[32];
    snprintf(ver, sizeof ver, "%u.%u", (unsigned)c->os_major.value, (unsigned)c->os_minor.value);
    json_object_set_new(o, "version", c->os_major.known ? json_string(ver) : json_null());
    json_object_set_new(o, "build", ds_json_opt_int(c->os_build));
    bool md = c->has_mdmp;
    json_object_set_new(o, "product_type",
                        ds_json_opt_int(md ? c->mdmp.product_type : c->kernel.product_type));
    json_object_set_new(o, "suite_mask", ds_json_opt_hex(md ? c->mdmp.suite_mask : c->kernel.suite_mask));
    json_object_set_new(o, "csd_version", ds_json_str(c->mdmp.csd_version));
    const ds_facts *f = &c->facts;
    json_object_set_new(o, "name", ds_json_str(f->os_name));
    json_object_set_new(o, "version_string", ds_json_str(f->os_version));
    json_object_set_new(o, "revision", ds_json_opt_int(f->os_revision));
    json_object_set_new(o, "product", ds_json_str(f->os_product));
    json_object_set_new(o, "build_lab", ds_json_str(c->kernel.build_lab));
    return o;
}

static json_t *assertion_json(const ds_minidump_info *m)
{
    static const char *const kinds[] = {"unknown", "invalid_parameter", "pure_virtual_call"};
    if (!m->has_assertion)
        return json_null();
    return json_pack("{s:o, s:o, s:o, s:I, s:s}", "expression",
                     ds_json_str(m->assert_expression), "function",
                     ds_json_str(m->assert_function), "file", ds_json_str(m->assert_file),
                     "line", (json_int_t)m->assert_line, "type",
                     m->assert_type < 3 ? kinds[m->assert_type] : "unknown");
}

static json_t *minidump_json(const ds_crash *c)
{
    if (c->has_kernel)
        return json_null();
    const ds_minidump_info *m = &c->mdmp;
    json_t *o = json_object();
    json_object_set_new(o, "streams", json_integer(m->streams));
    json_object_set_new(o, "version", ds_json_hex(m->version));
    json_object_set_new(o, "flags", ds_json_hex(m->flags));
    json_object_set_new(o, "platform_id", m->has_system_info ? ds_json_hex(m->platform_id) : json_null());
    json_object_set_new(o, "platform", json_string(m->platform ? m->platform : "unknown"));
    json_object_set_new(o, "processor_architecture",
                        m->has_system_info ? json_integer(m->processor_arch_raw) : json_null());
    json_object_set_new(o, "cpu_info", ds_json_str(m->cpu_info));
    json_object_set_new(o, "os_text", ds_json_str(m->os_text));
    json_object_set_new(o, "build_string", ds_json_str(m->build_string));
    json_object_set_new(o, "process_id", ds_json_opt_int(m->process_id));
    json_object_set_new(o, "process_create_time",
                        ds_json_time(m->process_create_time.known && m->process_create_time.value,
                                     ds_unix_to_filetime((int64_t)m->process_create_time.value)));
    json_object_set_new(o, "memory_ranges", json_integer(m->memory_ranges));
    json_object_set_new(o, "memory_bytes", json_integer((json_int_t)m->memory_bytes));
    json_object_set_new(o, "handle_count", ds_json_opt_int(m->handle_count));
    json_object_set_new(o, "breakpad_dump_thread_id", ds_json_opt_int(m->breakpad_dump_thread));
    json_object_set_new(o, "breakpad_requesting_thread_id",
                        ds_json_opt_int(m->breakpad_requesting_thread));
    json_object_set_new(o, "lsb_release", ds_json_str(m->lsb_release));
    json_object_set_new(o, "linux_maps_entries", ds_json_opt_int(m->linux_maps_entries));
    json_object_set_new(o, "assertion", assertion_json(m));
    json_t *ann = json_array();
    for (size_t i = 0; i < m->nannotations; i++)
        json_array_append_new(ann, json_pack("{s:o, s:o, s:o, s:s}", "module_index",
                                             ds_json_opt_int(m->annotations[i].module_index),
                                             "module",
                                             ds_json_str(m->annotations[i].module), "key",
                                             ds_json_str(m->annotations[i].key), "value",
                                             m->annotations[i].value));
    json_object_set_new(o, "annotations", ann);
    json_object_set_new(o, "crashpad",
                        m->has_crashpad ? json_pack("{s:o, s:o, s:I}", "report_id",
                                                ds_json_str(m->crashpad_report_id),
                                                "client_id",
                                                ds_json_str(m->crashpad_client_id),
                                                "simple_annotations",
                                                (json_int_t)m->crashpad_annotations)
                                    : json_null());
    return o;
}

static json_t *threads_json(const ds_crash *c)
{
    json_t *a = json_array();
    for (size_t i = 0; i < c->nthreads; i++) {
        const ds_thread *t = &c->threads[i];
        json_t *o = json_object();
        json_object_set_new(o, "id", json_integer(t->id));
        json_object_set_new(o, "name", ds_json_str(t->name));
        json_object_set_new(o, "crashing",
                            json_boolean(c->crashing_thread.known && t->id == c->crashing_thread.value));
        json_object_set_new(o, "teb", ds_json_hex(t->teb));
        json_object_set_new(o, "stack_base", t->stack_size ? ds_json_hex(t->stack_base) : json_null());
        json_object_set_new(o, "stack_size", json_integer((json_int_t)t->stack_size));
        json_object_set_new(o, "pc", t->has_context ? ds_json_hex(t->context.pc) : json_null());
        json_object_set_new(o, "sp", t->has_context ? ds_json_hex(t->context.sp) : json_null());
        const ds_module *m = t->has_context ? ds_module_at(c, t->context.pc) : NULL;
        json_object_set_new(o, "pc_module", m ? ds_json_str(m->name) : json_null());
        json_object_set_new(o, "suspend_count", json_integer(t->suspend_count));
        json_object_set_new(o, "start_address", ds_json_opt_hex(t->start_address));
        json_object_set_new(o, "create_time", ds_json_time(t->create_time.known, t->create_time.value));
        json_object_set_new(o, "dump_flags", t->has_info ? ds_json_hex(t->dump_flags) : json_null());
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *record_json(const ds_exception *e)
{
    unsigned n = e->nparams > 15 ? 15 : e->nparams;
    return json_pack("{s:o, s:o, s:o, s:o, s:I, s:o, s:o}", "code", ds_json_hex(e->code), "flags",
                     ds_json_hex(e->flags), "address", ds_json_hex(e->address), "record", ds_json_hex(e->record),
                     "number_parameters", (json_int_t)e->nparams, "parameters",
                     hex_array(e->params, n), "thread_id",
                     ds_json_opt_int(e->thread_id));
}

static json_t *exception_json(const ds_crash *c)
{
    return c->has_exception ? record_json(&c->exception) : json_null();
}

/* Where a fault record came from: its address and the parameter (null:
 * found on the stack). */
static json_t *record_origin(json_t *o, uint64_t va, ds_u64 param)
{
    json_object_set_new(o, "va", ds_json_hex(va));
    json_object_set_new(o, "parameter", ds_json_opt_int(param));
    return o;
}

/* The !analyze fields beside the verdict, under WinDbg's names in lower case. */
static json_t *facts_json(const ds_crash *c)
{
    const ds_facts *f = &c->facts;
    json_t *o = json_object();
    json_object_set_new(o, "process_name", ds_json_str(f->process_name));
    json_object_set_new(o, "process", ds_json_opt_hex(f->process));
    json_object_set_new(o, "current_irql", ds_json_opt_int(f->current_irql));
    json_object_set_new(o, "bugcheck_str", ds_json_str(f->bugcheck_str));
    json_object_set_new(o, "stack_command", ds_json_str(f->stack_command));
    json_object_set_new(o, "failure_id_hash", ds_json_str(f->failure_id_hash));
    json_object_set_new(o, "followup_name", ds_json_str(f->followup_name));
    return o;
}

static json_t *fault_records_json(const ds_crash *c)
{
    const ds_fault_records *r = &c->records;
    json_t *o = json_object();
    json_object_set_new(o, "exception_record",
                        r->has_exception
                            ? record_origin(json_pack("{s:o}", "exception",
                                                      record_json(&r->exception)),
                                            r->exception_va, r->exception_param)
                            : json_null());
    json_object_set_new(o, "context_record",
                        r->has_context
                            ? record_origin(json_pack("{s:o}", "context",
                                                      context_json(c, &r->context, true)),
                                            r->context_va, r->context_param)
                            : json_null());
    json_object_set_new(o, "trap_frame",
                        r->has_trap ? record_origin(json_pack("{s:o}", "context",
                                                              context_json(c, &r->trap, true)),
                                                    r->trap_va, r->trap_param)
                                    : json_null());
    return o;
}

static json_t *suspect_json(const ds_crash *c, const ds_suspect *s)
{
    return json_pack("{s:o, s:b, s:o, s:o, s:I, s:o, s:s}", "module",
                     ds_json_str(s->module_name), "loaded",
                     ds_crash_module(c, s->module) != NULL, "function",
                     ds_json_str(s->function), "function_offset",
                     s->function ? ds_json_hex(s->function_offset) : json_null(), "score",
                     (json_int_t)s->score, "why", ds_json_str(s->why), "owner",
                     s->owner ? s->owner : "unknown");
}

static json_t *strings_json(char *const *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

static json_t *verdict_core_json(const ds_crash *c)
{
    const ds_verdict *v = &c->verdict;
    if (!c->has_verdict)
        return json_null();
    json_t *alts = json_array();
    for (size_t i = 0; i < v->nalternates; i++)
        json_array_append_new(alts, suspect_json(c, &v->alternates[i]));
    json_t *params = json_array();
    for (int i = 0; i < 4; i++) {
        json_t *p = json_pack("{s:o, s:o}", "role", ds_json_str(v->param_role[i]), "meaning",
                              ds_json_str(v->param_meaning[i]));
        ds_ntstatus_info st;
        json_object_set_new(p, "status",
                            ds_bugcheck_param_status(c, (unsigned)i, &st)
                                ? json_pack("{s:s, s:s, s:s}", "name", st.name, "meaning",
                                            st.meaning, "tag", st.tag[0] ? st.tag : "none")
                                : json_null());
        json_array_append_new(params, p);
    }
    json_t *o = json_pack("{s:o, s:o, s:s, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
                     "title",
                     ds_json_str(v->title), "description", ds_json_str(v->description),
                     "class", v->crash_class ? v->crash_class : "unknown", "suspect",
                     v->has_suspect ? suspect_json(c, &v->suspect) : json_null(),
                     "confidence", ds_confidence_name(v->confidence), "reasons",
                     strings_json(v->reasons, v->nreasons), "caveats",
                     strings_json(v->caveats, v->ncaveats), "alternate_suspects", alts,
                     "bucket", ds_json_str(v->bucket), "faulting_ip",
                     ds_json_str(v->faulting_ip), "faulting_address",
                     v->access ? ds_json_opt_hex(v->faulting_address) : json_null(), "access",
                     ds_json_str(v->access), "parameters", params);
    json_object_set_new(o, "live_dump", json_boolean(v->live_dump));
    return o;
}

static json_t *verdict_json(const ds_crash *c)
{
    json_t *o = verdict_core_json(c);
    if (json_is_object(o))
        json_object_set_new(o, "inpage_status", ds_json_opt_hex(c->verdict.inpage_status));
    return o;
}

static json_t *frame_json(const ds_crash *c, const ds_stack *st, size_t i)
{
    const ds_frame *f = &st->frames[i];
    char site[768];
    ds_call_site(c, f, site, sizeof site);
    const ds_module *mod = ds_crash_module(c, f->module);
    json_t *o = json_object();
    json_object_set_new(o, "index", json_integer((json_int_t)i));
    json_object_set_new(o, "pc", ds_json_hex(f->pc));
    json_object_set_new(o, "sp", ds_json_hex(f->sp));
    json_object_set_new(o, "return_address",
                        i + 1 < st->nframes ? ds_json_hex(st->frames[i + 1].pc) : json_null());
    json_object_set_new(o, "module", mod ? ds_json_str(mod->name) : json_null());
    json_object_set_new(o, "module_offset", mod ? ds_json_hex(f->pc - mod->base) : json_null());
    json_object_set_new(o, "function", ds_json_str(f->function));
    json_object_set_new(o, "function_offset",
                        f->function ? ds_json_hex(f->function_offset) : json_null());
    json_object_set_new(o, "call_site", json_string(site));
    json_object_set_new(o, "symbol_source", json_string(ds_symsrc_name(f->symbol_source)));
    json_object_set_new(o, "exact", json_boolean(f->exact));
    json_object_set_new(o, "trust", json_string(ds_trust_name(f->trust)));
    json_object_set_new(o, "trap_frame", json_boolean(f->is_trap_frame));
    json_object_set_new(o, "file", ds_json_str(f->source_file));
    json_object_set_new(o, "line", ds_json_opt_int(f->source_line));
    json_t *inl = json_array();
    for (size_t k = 0; k < f->ninlines; k++) {
        const ds_inline_frame *x = &f->inlines[k];
        ds_inline_site(c, f, k, site, sizeof site);
        json_array_append_new(
            inl, json_pack("{s:o, s:s, s:o, s:o}", "function", ds_json_str(x->function),
                           "call_site", site, "file",
                           ds_json_str(x->source_file), "line", ds_json_opt_int(x->source_line)));
    }
    json_object_set_new(o, "inline_frames", inl);
    return o;
}

static json_t *stacks_json(const ds_crash *c)
{
    json_t *a = json_array();
    for (size_t i = 0; i < c->nstacks; i++) {
        const ds_stack *st = &c->stacks[i];
        json_t *frames = json_array();
        for (size_t k = 0; k < st->nframes; k++)
            json_array_append_new(frames, frame_json(c, st, k));
        json_array_append_new(
            a, json_pack("{s:s, s:s, s:o, s:o, s:I, s:o}", "kind", ds_stack_kind_name(st->kind),
                         "label", st->label ? st->label : "", "thread_id",
                         ds_json_opt_int(st->thread_id),
                         "end_reason", ds_json_str(st->end_reason), "trusted_frames",
                         (json_int_t)ds_stack_trusted_frames(st), "frames", frames));
    }
    return a;
}

char *ds_report_json(const ds_dump *d, unsigned flags)
{
    const ds_crash *c = ds_dump_crash(d);
    json_t *root = json_object();
    json_object_set_new(root, "schema_version", json_integer(DS_JSON_SCHEMA_VERSION));
    json_object_set_new(root, "tool", json_pack("{s:s, s:s}", "name", "dumpscan", "version",
                                                DS_VERSION_STRING));
    json_object_set_new(root, "file", json_pack("{s:o, s:I, s:b}", "path",
                                                ds_dump_path(d) && *ds_dump_path(d) ? ds_json_path(ds_dump_path(d))
                                                                    : json_null(),
                                                "size",
                                                (json_int_t)c->file_size, "compressed",
                                                c->compression != NULL));
    json_object_set_new(json_object_get(root, "file"), "compression",
                        c->compression ? json_string(c->compression) : json_null());
    json_object_set_new(json_object_get(root, "file"), "in_cab",
                        c->file_in_cab ? ds_json_path(c->file_in_cab) : json_null());
    json_object_set_new(root, "dump",
                        json_pack("{s:s, s:o, s:s, s:s, s:o, s:o}", "format",
                                  format_name(c->format), "type",
                                  c->has_mdmp ? json_integer(0)
                                  : ds_json_opt_int(c->kernel.dump_type),
                                  "kind", c->dump_kind, "arch", ds_arch_name(c->arch),
                                  "machine", ds_json_hex(c->machine), "cpus",
                                  ds_json_opt_int(c->cpus)));
    json_object_set_new(root, "os", os_json(c));
    json_object_set_new(root, "crash_time", ds_json_time(c->crash_time.known, c->crash_time.value));
    json_object_set_new(root, "uptime_seconds",
                        c->uptime.known ? json_integer((json_int_t)(c->uptime.value / 10000000))
                                        : json_null());
    json_object_set_new(root, "bugcheck",
                        c->has_bugcheck
                            ? json_pack("{s:o, s:o}", "code", ds_json_hex(c->bugcheck.code),
                                        "parameters", hex_array(c->bugcheck.params, 4))
                            : json_null());
    json_object_set_new(root, "exception", exception_json(c));
    json_object_set_new(root, "context", context_json(c, &c->context, c->has_context));
    json_object_set_new(root, "verdict", verdict_json(c));
    json_object_set_new(root, "fault_records", fault_records_json(c));
    json_object_set_new(root, "facts", facts_json(c));
    json_object_set_new(root, "stacks", stacks_json(c));
    json_object_set_new(root, "modules", modules_json(c->modules, c->nmodules));
    json_object_set_new(root, "unloaded_modules", modules_json(c->unloaded, c->nunloaded));
    json_object_set_new(root, "kernel", kernel_json(c));
    json_object_set_new(root, "minidump", minidump_json(c));
    json_object_set_new(root, "threads", threads_json(c));
    json_object_set_new(root, "integrity", integrity_json(c));
    json_t *looks = json_array();
    for (size_t i = 0; i < c->nsymbol_lookups; i++) {
        const ds_symbol_lookup *l = &c->symbol_lookups[i];
        json_array_append_new(
            looks, json_pack("{s:o, s:s, s:s, s:o, s:s, s:o, s:o, s:o, s:o}", "module",
                             ds_json_str(l->module), "kind", l->kind, "file", l->file, "key",
                             ds_json_str(l->key), "status", l->status, "origin",
                             ds_json_str(l->origin), "source", ds_json_str(l->source),
                             "path", ds_json_str(l->path), "detail", ds_json_str(l->detail)));
    }
    json_object_set_new(root, "symbol_lookups", looks);

    size_t jf = JSON_PRESERVE_ORDER | (flags & DS_JSON_PRETTY ? JSON_INDENT(2) : JSON_COMPACT);
    char *s = json_dumps(root, jf);
    json_decref(root);
    return s;
}
