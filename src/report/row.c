/*
 * Batch triage rows: the facts of one dump a fleet table needs, copied out of
 * the crash model. Their renderings: table.c (terminal table), csv.c
 * (dumpscan CSV, BlueScreenView /scomma CSV), rowjson.c (JSON lines),
 * summary.c (grouped summary); their order: sort.c.
 *
 * Rows hold no pointer into the dump, so the caller closes each dump as soon
 * as its row is built: a batch keeps rows only.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "model/model.h"
#include "report/rowutil.h"

/* Duplicate s into *out; false on OOM (NULL and "" give NULL). */
static bool dup_opt(char **out, const char *s)
{
    *out = NULL;
    if (!s || !*s)
        return true;
    return (*out = ds_strdup(s)) != NULL;
}

void ds_row_free(ds_row *r)
{
    if (!r)
        return;
    free(r->path);
    free(r->error);
    free(r->title);
    free(r->pc_module);
    free(r->suspect_module);
    free(r->suspect_function);
    free(r->file_version);
    free(r->product_name);
    free(r->company_name);
    free(r->file_description);
    for (int i = 0; i < 3; i++)
        free(r->stack_module[i]);
    free(r->crash_class);
    free(r->bucket);
    free(r->in_cab);
    free(r);
}

static void row_stat(ds_row *r)
{
    struct stat st;
    if (r->path && ds_path_stat(r->path, &st) == 0) {
        r->file_size = ds_known((uint64_t)st.st_size);
        r->mtime.known = true;
        r->mtime.value = (int64_t)st.st_mtime;
    }
}

const char *ds_row_suspect_label(const ds_row *r)
{
    if (!r->has_suspect)
        return NULL;
    return r->suspect_module ? r->suspect_module : DS_UNNAMED_MODULE;
}

size_t ds_row_cabinet_len(const ds_row *r)
{
    size_t plen = r->path ? strlen(r->path) : 0, mlen = r->in_cab ? strlen(r->in_cab) : 0;
    if (!r->in_cab || plen <= mlen + 1 || r->path[plen - mlen - 1] != ':' ||
        strcmp(r->path + plen - mlen, r->in_cab) != 0)
        return 0;
    return plen - mlen - 1;
}

ds_row *ds_row_failed(const char *path, const char *in_cab, const char *error)
{
    ds_row *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->failed = true;
    r->dump_kind = "unknown";
    r->path = ds_strdup(path ? path : "");
    r->error = ds_strdup(error && *error ? error : "unreadable");
    r->in_cab = ds_strdup(in_cab);
    if (!r->path || !r->error || (in_cab && !r->in_cab)) {
        ds_row_free(r);
        return NULL;
    }
    row_stat(r);
    return r;
}

/* The stack a crash table shows: the faulting one, else the bug-check one,
 * else for minidumps the crashing thread's. */
static const ds_stack *crash_stack(const ds_crash *c)
{
    const ds_stack *best = NULL;
    for (size_t i = 0; i < c->nstacks; i++) {
        const ds_stack *s = &c->stacks[i];
        if (s->kind == DS_STACK_FAULTING)
            return s;
        if (!best && (s->kind == DS_STACK_BUGCHECK ||
                      (s->kind == DS_STACK_THREAD && s->thread_id.known && c->crashing_thread.known &&
                       s->thread_id.value == c->crashing_thread.value)))
            best = s;
    }
    return best;
}

static bool fill_suspect(ds_row *r, const ds_crash *c)
{
    const ds_verdict *v = &c->verdict;
    if (!dup_opt(&r->title, v->title) || !dup_opt(&r->crash_class, v->crash_class) ||
        !dup_opt(&r->bucket, v->bucket))
        return false;
    r->confidence = v->confidence;
    if (!v->has_suspect)
        return true;
    r->has_suspect = true;
    const ds_suspect *s = &v->suspect;
    if (!dup_opt(&r->suspect_module, s->module_name) ||
        !dup_opt(&r->suspect_function, s->function))
        return false;
    r->suspect_function_offset = s->function_offset;
    const ds_module *m = ds_crash_module(c, s->module);
    if (!m)
        return true;
    if (!dup_opt(&r->file_version, m->file_version) ||
        !dup_opt(&r->product_name, m->product_name) ||
        !dup_opt(&r->company_name, m->company_name) ||
        !dup_opt(&r->file_description, m->file_description))
        return false;
    /* Caused-by address: the first frame in the suspect, else the pc. */
    for (size_t i = 0; i < c->nstacks && !r->suspect_offset.known; i++)
        for (size_t k = 0; k < c->stacks[i].nframes; k++) {
            const ds_frame *f = &c->stacks[i].frames[k];
            if (ds_crash_module(c, f->module) == m && f->pc >= m->base) {
                r->suspect_offset.known = true;
                r->suspect_offset.value = f->pc - m->base;
                break;
            }
        }
    if (!r->suspect_offset.known && c->has_context && c->context.pc >= m->base &&
        c->context.pc - m->base < m->size) {
        r->suspect_offset.known = true;
        r->suspect_offset.value = c->context.pc - m->base;
    }
    return true;
}

ds_row *ds_row_from_dump(const ds_dump *d, const char *path)
{
    if (!d)
        return NULL;
    const ds_crash *c = ds_dump_crash(d);
    ds_row *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->path = ds_strdup(path ? path : ds_dump_path(d) ? ds_dump_path(d) : "");
    if (!r->path)
        goto oom;
    r->file_size = ds_known(c->file_size);
    if (!dup_opt(&r->in_cab, c->file_in_cab))
        goto oom;
    if (path || ds_dump_path(d))
        row_stat(r);
    r->format = c->format;
    r->dump_kind = c->dump_kind ? c->dump_kind : "unknown";
    r->dump_type = c->kernel.dump_type;
    r->arch = c->arch;
    r->cpus = c->cpus;
    r->os_major = c->os_major;
    r->os_minor = c->os_minor;
    r->os_build = c->os_build;
    bool kernel = c->has_kernel;
    if (kernel) {
        r->kernel_major = c->kernel.major_version;
        r->kernel_minor = c->kernel.build;
    }
    r->crash_time = c->crash_time;
    r->compressed = c->compressed;
    r->damaged = c->damaged;
    if (c->has_bugcheck) {
        r->has_code = true;
        r->code = c->bugcheck.code;
        memcpy(r->params, c->bugcheck.params, sizeof r->params);
    } else if (c->has_mdmp && c->has_exception) {
        r->has_code = true;
        r->code_is_exception = true;
        r->code = c->exception.code;
        for (unsigned i = 0; i < 4 && i < c->exception.nparams && i < 15; i++)
            r->params[i] = c->exception.params[i];
    }
    if (c->has_context) {
        r->has_pc = true;
        r->pc = c->context.pc;
        const ds_module *m = ds_module_at(c, c->context.pc);
        if (m) {
            if (!dup_opt(&r->pc_module, m->name))
                goto oom;
            r->pc_offset = ds_known(c->context.pc - m->base);
        }
    }
    r->has_verdict = c->has_verdict;
    if (c->has_verdict && !fill_suspect(r, c))
        goto oom;
    /* BlueScreenView fills its three stack addresses for 32-bit crashes only. */
    const ds_stack *st = crash_stack(c);
    if (st && c->arch == DS_ARCH_X86)
        for (size_t i = 1; i < st->nframes && i <= 3; i++) {
            const ds_module *m = ds_crash_module(c, st->frames[i].module);
            if (m && st->frames[i].pc >= m->base) {
                if (!dup_opt(&r->stack_module[i - 1], m->name))
                    goto oom;
                r->stack_offset[i - 1] = ds_known(st->frames[i].pc - m->base);
            }
        }
    return r;
oom:
    ds_row_free(r);
    return NULL;
}
