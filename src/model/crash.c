#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"

/*
 * Make room for element n of an array that only ever grows by one: capacity
 * is implicit (8, then powers of two), so reallocate exactly when n reaches it.
 */
static void *grow(void *arr, size_t n, size_t elem)
{
    if (n != 0 && (n < 8 || (n & (n - 1)) != 0))
        return arr;
    size_t cap = n < 8 ? 8 : n * 2;
    return realloc(arr, cap * elem);
}

char *ds_strdup(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

char *ds_vstrfmt(const char *fmt, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    char *p = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (p)
        vsnprintf(p, (size_t)n + 1, fmt, again);
    va_end(again);
    return p;
}

char *ds_strfmt(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = ds_vstrfmt(fmt, ap);
    va_end(ap);
    return p;
}

int ds_note_add(ds_crash *c, ds_severity sev, const char *code, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    ds_note *n = grow(c->notes, c->nnotes, sizeof *n);
    if (!n)
        return -1;
    c->notes = n;
    ds_note *slot = &n[c->nnotes];
    slot->severity = sev;
    slot->code = ds_strdup(code);
    slot->text = ds_strdup(buf);
    if (!slot->code || !slot->text) {
        free(slot->code);
        free(slot->text);
        return -1;
    }
    c->nnotes++;
    if (sev == DS_DAMAGE)
        c->damaged = true;
    return 0;
}

int ds_symbol_lookup_add(ds_crash *c, const ds_symbol_lookup *l)
{
    ds_symbol_lookup *v = grow(c->symbol_lookups, c->nsymbol_lookups, sizeof *v);
    if (!v)
        return -1;
    c->symbol_lookups = v;
    ds_symbol_lookup *d = &v[c->nsymbol_lookups];
    *d = *l;
    const char *src[] = {l->module, l->file, l->key, l->source, l->path, l->detail};
    char **own[] = {&d->module, &d->file, &d->key, &d->source, &d->path, &d->detail};
    bool ok = true;
    for (size_t i = 0; i < sizeof own / sizeof *own; i++) {
        *own[i] = ds_strdup(src[i]);
        ok = ok && (*own[i] || !src[i]);
    }
    if (!ok) {
        for (size_t i = 0; i < sizeof own / sizeof *own; i++)
            free(*own[i]);
        return -1;
    }
    c->nsymbol_lookups++;
    return 0;
}

bool ds_note_has(const ds_crash *c, const char *code)
{
    for (size_t i = 0; i < c->nnotes; i++)
        if (strcmp(c->notes[i].code, code) == 0)
            return true;
    return false;
}

ds_module *ds_module_add(ds_crash *c, bool unloaded)
{
    ds_module **arr = unloaded ? &c->unloaded : &c->modules;
    size_t *n = unloaded ? &c->nunloaded : &c->nmodules;
    ds_module *a = grow(*arr, *n, sizeof **arr);
    if (!a)
        return NULL;
    *arr = a;
    ds_module *m = &a[*n];
    memset(m, 0, sizeof *m);
    if (unloaded)
        m->flags |= DS_MOD_UNLOADED;
    (*n)++;
    return m;
}

void ds_str_set(char **slot, char *s)
{
    free(*slot);
    *slot = s;
}

ds_thread *ds_thread_add(ds_crash *c)
{
    ds_thread *a = grow(c->threads, c->nthreads, sizeof *a);
    if (!a)
        return NULL;
    c->threads = a;
    ds_thread *t = &a[c->nthreads++];
    memset(t, 0, sizeof *t);
    return t;
}

char *ds_basename_dup(const char *path)
{
    if (!path)
        return NULL; /* unknown stays unknown */
    const char *b = path;
    for (const char *p = path; *p; p++)
        if (*p == '\\' || *p == '/')
            b = p + 1;
    return ds_strdup(b);
}

static void free_modules(ds_module *m, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(m[i].name);
        free(m[i].path);
        free(m[i].image_file);
        free(m[i].symbol_file);
        free(m[i].symbol_problem);
        free(m[i].file_version);
        free(m[i].product_name);
        free(m[i].company_name);
        free(m[i].file_description);
    }
    free(m);
}

static void free_suspect(ds_suspect *s)
{
    free(s->module_name);
    free(s->function);
    free(s->why);
}

static void free_strings(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void free_verdict(ds_verdict *v)
{
    free(v->title);
    free(v->description);
    free_suspect(&v->suspect);
    free_strings(v->reasons, v->nreasons);
    free_strings(v->caveats, v->ncaveats);
    for (size_t i = 0; i < v->nalternates; i++)
        free_suspect(&v->alternates[i]);
    free(v->alternates);
    free(v->bucket);
    free(v->faulting_ip);
}

void ds_frame_free(ds_frame *f)
{
    free(f->function);
    free(f->source_file);
    for (size_t i = 0; i < f->ninlines; i++) {
        free(f->inlines[i].function);
        free(f->inlines[i].source_file);
    }
    free(f->inlines);
    f->function = f->source_file = NULL;
    f->inlines = NULL;
    f->ninlines = 0;
}

void ds_facts_clear(ds_facts *f)
{
    char *owned[] = {f->process_name, f->bugcheck_str, f->stack_command, f->failure_id_hash,
                     f->os_name, f->os_version};
    for (size_t i = 0; i < sizeof owned / sizeof *owned; i++)
        free(owned[i]);
    memset(f, 0, sizeof *f);
}

void ds_crash_free(ds_crash *c)
{
    free_verdict(&c->verdict);
    free_modules(c->modules, c->nmodules);
    free_modules(c->unloaded, c->nunloaded);
    for (size_t i = 0; i < c->nthreads; i++)
        free(c->threads[i].name);
    free(c->threads);
    for (size_t i = 0; i < c->nnotes; i++) {
        free(c->notes[i].code);
        free(c->notes[i].text);
    }
    free(c->notes);
    free(c->file_in_cab);
    for (size_t i = 0; i < c->nsymbol_lookups; i++) {
        ds_symbol_lookup *l = &c->symbol_lookups[i];
        free(l->module), free(l->file), free(l->key);
        free(l->source), free(l->path), free(l->detail);
    }
    free(c->symbol_lookups);
    for (size_t i = 0; i < c->nstacks; i++) {
        ds_stack *st = &c->stacks[i];
        for (size_t k = 0; k < st->nframes; k++)
            ds_frame_free(&st->frames[k]);
        free(st->frames);
        free(st->label);
        free(st->end_reason);
    }
    free(c->stacks);
    free(c->kernel.triage.broken_driver);
    free(c->kernel.processors);
    free(c->kernel.comment);
    free(c->kernel.build_lab);
    char *mdmp_strings[] = {c->mdmp.csd_version, c->mdmp.os_text, c->mdmp.cpu_info,
                            c->mdmp.build_string, c->mdmp.lsb_release,
                            c->mdmp.crashpad_report_id, c->mdmp.crashpad_client_id};
    for (size_t i = 0; i < sizeof mdmp_strings / sizeof *mdmp_strings; i++)
        free(mdmp_strings[i]);
    ds_facts_clear(&c->facts);
    for (size_t i = 0; i < c->mdmp.nannotations; i++) {
        free(c->mdmp.annotations[i].module);
        free(c->mdmp.annotations[i].key);
        free(c->mdmp.annotations[i].value);
    }
    free(c->mdmp.annotations);
    free(c->mdmp.assert_expression);
    free(c->mdmp.assert_function);
    free(c->mdmp.assert_file);
    memset(c, 0, sizeof *c);
}
