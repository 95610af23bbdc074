/*
 * Stacks for the crash model. For each context worth walking (the faulting
 * context, the crashing CPU at bug-check time, minidump threads) run the
 * unwinder with images and symbols found on demand, then name each frame.
 *
 * Images: a file from the symbol path (complete, identity-checked) is
 * preferred over the image in the dump (pages may be missing). Names and
 * external unwind rules come from each module's symbol providers
 * (symbols/provider.h), asked in precedence order: a PDB function with its
 * bounds or public, a Breakpad FUNC/PUBLIC, an ELF symbol, the nearest
 * export (flagged as such); else just module+offset (doc/stacks.md).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analysis/bugcodes.h"
#include "analysis/stacks.h"
#include "image/image.h"
#include "model/model.h"
#include "model/records.h"
#include "symbols/breakpad.h"
#include "symbols/elf.h"
#include "symbols/pdb.h"
#include "symbols/provider.h"
#include "symbols/srcloc.h"
#include "symbols/store.h"
#include "unwind/unwind.h"

/* A module's symbol sources in precedence order (doc/stacks.md): the
 * first that names an address names the frame, the first with unwind
 * rules decides a rule step. */
enum { SRC_PDB, SRC_BREAKPAD, SRC_ELF, SRC_EXPORTS, SRC_N };

typedef struct modsym {
    bool tried_image, tried_pdb, tried_bp, tried_elf;
    ds_image *image;
    ds_pdb *pdb;
    ds_bpsym *bp;
    ds_elfsym *elf;   /* ELF module of a Linux minidump, from the symbol path */
    uint64_t elf_bias; /* module base - lowest PT_LOAD vaddr */
    ds_symprov src[SRC_N]; /* the above behind one interface */
} modsym;

typedef struct walker {
    ds_crash *c;
    const ds_memview *mem;
    const ds_symstore *store; /* NULL without a symbol path */
    bool log_lookups;   /* a symbol path is set: record every lookup */
    bool oom;
    modsym *mods;
    uint64_t lo, hi;          /* bounds of the stack being walked */
    uint32_t bp_callee_params; /* Breakpad .cbCalleeParams for the next step */
    ds_context splice[4];      /* context records / trap frames the bug check names */
    size_t nsplice;
    bool frame_pointers;       /* Linux / macOS user code keeps rbp chains */
} walker;

static void set_problem(ds_module *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_problem(ds_module *m, const char *fmt, ...)
{
    if (m->symbol_problem)
        return; /* the first problem found is the one that mattered */
    va_list ap;
    va_start(ap, fmt);
    m->symbol_problem = ds_vstrfmt(fmt, ap); /* whole: a path may be long */
    va_end(ap);
}

/* Say in the report which file was looked for and where it came from. */
static void record(walker *w, const ds_module *m, const char *kind, const char *file,
                   ds_store_status st, const ds_store_result *r)
{
    if (!w->log_lookups)
        return;
    static const char *const status[] = {"found", "missing", "mismatch", "refused"};
    static const char *const origin[] = {"store", "cache", "server", "redirect"};
    bool found = st == DS_STORE_FOUND;
    /* missing: where it was looked for, and what a server said */
    char missing[sizeof r->searched + sizeof r->server_detail + 32];
    snprintf(missing, sizeof missing, "searched %s%s%s", r->searched,
             r->server_detail[0] ? "; " : "", r->server_detail);
    const char *why = st == DS_STORE_MISMATCH || st == DS_STORE_BAD_NAME ? r->detail
                      : !found && r->searched[0] ? missing
                      : !found && r->server_detail[0] ? r->server_detail : NULL;
    /* the strings are copied by ds_symbol_lookup_add */
    ds_symbol_lookup l = {.module = m->name, .kind = kind, .file = (char *)file,
                          .key = r->key[0] ? (char *)r->key : NULL, .status = status[st],
                          .origin = found ? origin[r->origin] : NULL,
                          .source = found && r->source[0] ? (char *)r->source : NULL,
                          .path = r->path[0] ? (char *)r->path : NULL, .detail = (char *)why};
    if (ds_symbol_lookup_add(w->c, &l) != 0)
        w->oom = true;
}

static int module_index(const ds_crash *c, uint64_t va)
{
    const ds_module *m = ds_module_at(c, va);
    return m ? (int)(m - c->modules) : -1;
}

/* ds_read_fn over an image view, for ds_pe_codeview. */
static size_t image_reader(void *ctx, uint64_t addr, void *buf, size_t len)
{
    const ds_image *im = ctx;
    uint64_t rva = addr - ds_image_base(im);
    return rva > UINT32_MAX ? 0 : ds_image_read(im, (uint32_t)rva, buf, len);
}

static const ds_image *load_image(walker *w, int i)
{
    modsym *s = &w->mods[i];
    ds_module *m = &w->c->modules[i];
    if (s->tried_image)
        return s->image;
    s->tried_image = true;
    uint32_t size = m->image_size.known ? (uint32_t)m->image_size.value : (uint32_t)m->size;
    if (w->store && m->timestamp.known && ds_mod_name(m)[0]) { /* a refused name is recorded */
        ds_store_result r;
        ds_store_status st =
            ds_symstore_find_image(w->store, ds_mod_name(m), (uint32_t)m->timestamp.value, size, &r);
        record(w, m, "image", ds_mod_name(m), st, &r);
        if (st == DS_STORE_FOUND) {
            ds_error err;
            s->image = ds_image_from_file(r.path, m->base, &err);
            if (s->image)
                m->image_file = ds_strdup(r.path);
        } else if (st == DS_STORE_MISMATCH) {
            set_problem(m, "image on the symbol path does not match: %s", r.detail);
        }
    }
    if (!s->image)
        s->image = ds_image_from_dump(m, w->mem);
    if (s->image)
        ds_image_version(s->image, m);
    else if (!m->cv.is_elf) /* ELF modules: see load_elf */
        set_problem(m, "image not in the dump and not found on the symbol path");
    /* Triage dumps carry no CodeView: the image file does. */
    if (s->image && !m->has_cv) {
        const ds_pe *pe = ds_image_pe(s->image);
        m->has_cv = ds_pe_codeview(image_reader, s->image, m->base, pe, &m->cv);
    }
    return s->image;
}

static const ds_image *image_at(void *ctx, uint64_t va, int *module)
{
    walker *w = ctx;
    *module = module_index(w->c, va);
    return *module >= 0 ? load_image(w, *module) : NULL;
}

static ds_pdb *load_pdb(walker *w, int i)
{
    modsym *s = &w->mods[i];
    ds_module *m = &w->c->modules[i];
    if (s->tried_pdb)
        return s->pdb;
    s->tried_pdb = true;
    load_image(w, i); /* may supply the CodeView record */
    if (!w->store || !m->has_cv || !m->cv.is_pdb70)
        return NULL;
    char *base = ds_basename_dup(m->cv.pdb_name);
    if (!base)
        return NULL;
    ds_store_result r;
    ds_store_status st = ds_symstore_find_pdb(w->store, base, m->cv.guid, m->cv.age, &r);
    record(w, m, "pdb", base, st, &r);
    if (st == DS_STORE_FOUND) {
        ds_error err;
        s->pdb = ds_pdb_open(r.path, &err);
        if (s->pdb)
            m->symbol_file = ds_strdup(r.path);
        else
            set_problem(m, "PDB unreadable: %s: %s", r.path, err.text);
    } else if (st == DS_STORE_MISMATCH) {
        set_problem(m, "PDB on the symbol path does not match: %s", r.detail);
    } else if (st == DS_STORE_BAD_NAME) {
        set_problem(m, "PDB name refused: %s", base);
    }
    free(base);
    return s->pdb;
}

static ds_bpsym *load_breakpad(walker *w, int i)
{
    modsym *s = &w->mods[i];
    ds_module *m = &w->c->modules[i];
    if (s->tried_bp)
        return s->bp;
    s->tried_bp = true;
    if (!w->store || !m->has_cv)
        return NULL;
    char id[64];
    char *name;
    if (m->cv.is_elf) {
        /* Breakpad's ELF id: the first 16 build-id bytes read as a GUID, age 0. */
        ds_codeview tmp = {.is_pdb70 = true};
        size_t n = m->cv.build_id_len < 16 ? m->cv.build_id_len : 16;
        memcpy(tmp.guid, m->cv.build_id, n);
        ds_codeview_id(&tmp, true, id, sizeof id);
        name = ds_basename_dup(m->path);
    } else {
        ds_codeview_id(&m->cv, true, id, sizeof id);
        name = ds_basename_dup(m->cv.pdb_name);
    }
    if (!name)
        return NULL;
    ds_store_result r;
    /* servers are asked for a .sym only when no PDB names the module */
    bool have_pdb = !m->cv.is_elf && load_pdb(w, i) != NULL;
    if (ds_symstore_name_ok(name) &&
        (have_pdb ? ds_symstore_find_breakpad_local(w->store, name, id, &r)
                  : ds_symstore_find_breakpad(w->store, name, id, &r)) == DS_STORE_FOUND) {
        record(w, m, "breakpad", name, DS_STORE_FOUND, &r);
        ds_error err;
        s->bp = ds_bpsym_open(r.path, &err);
        if (s->bp && !m->symbol_file)
            m->symbol_file = ds_strdup(r.path);
    }
    free(name);
    return s->bp;
}

/* ---------------------------------------------------- ELF modules */

static bool regular_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Try one candidate file: true when its build id is the module's. A
 * mismatch is remembered in *detail (the first one only); a file that
 * cannot be read for want of libelf or libdwarf is the module's problem. */
static ds_elfsym *try_elf(ds_module *m, const char *path, char *detail, size_t len)
{
    if (!regular_file(path))
        return NULL;
    ds_error err;
    ds_elfsym *e = ds_elfsym_open(path, &err);
    if (!e && err.code == DS_E_UNSUPPORTED)
        set_problem(m, "ELF file unreadable: %s: %s", path, err.text);
    if (!e)
        return NULL;
    ds_symprov p = {.ops = &ds_symprov_elf, .src = e};
    char why[128];
    if (p.ops->identity(&p, &m->cv, why, sizeof why))
        return e;
    if (!*detail)
        snprintf(detail, len, "%s has %s", path, why);
    ds_elfsym_close(e);
    return NULL;
}

/* The ELF file of a Linux module: <folder>/<base name of its path> or
 * <folder>/.build-id/xx/rest.debug, accepted only with the module's build id. */
static ds_elfsym *load_elf(walker *w, int i)
{
    modsym *s = &w->mods[i];
    ds_module *m = &w->c->modules[i];
    if (s->tried_elf)
        return s->elf;
    s->tried_elf = true;
    if (!w->store || !m->has_cv || !m->cv.is_elf || !m->cv.build_id_len ||
        m->cv.build_id_len > sizeof m->cv.build_id)
        return NULL;
    const char *base = ds_symstore_base_name(m->path);
    bool base_ok = base && *base && ds_symstore_name_ok(base);
    char idpath[96];
    int k = snprintf(idpath, sizeof idpath, ".build-id/%02x/", m->cv.build_id[0]);
    for (size_t j = 1; j < m->cv.build_id_len && k > 0 && (size_t)k + 3 < sizeof idpath; j++)
        k += snprintf(idpath + k, sizeof idpath - (size_t)k, "%02x", m->cv.build_id[j]);
    snprintf(idpath + k, sizeof idpath - (size_t)k, ".debug");
    char detail[512] = "";
    char path[4096];
    for (size_t f = 0; !s->elf && f < ds_symstore_entries(w->store); f++) {
        const char *dir = ds_symstore_entry(w->store, f);
        if (base_ok && snprintf(path, sizeof path, "%s/%s", dir, base) < (int)sizeof path)
            s->elf = try_elf(m, path, detail, sizeof detail);
        if (!s->elf && snprintf(path, sizeof path, "%s/%s", dir, idpath) < (int)sizeof path)
            s->elf = try_elf(m, path, detail, sizeof detail);
    }
    if (s->elf) {
        s->elf_bias = m->base - ds_elfsym_min_vaddr(s->elf);
        if (!m->image_file)
            m->image_file = ds_strdup(path);
        if (!m->symbol_file)
            m->symbol_file = ds_strdup(path);
    } else if (*detail) {
        set_problem(m, "ELF file on the symbol path does not match: %s", detail);
    }
    return s->elf;
}

/* ------------------------------------------------ symbol providers */

static const ds_symprov_ops *const source_ops[SRC_N] = {
    [SRC_PDB] = &ds_symprov_pdb, [SRC_BREAKPAD] = &ds_symprov_breakpad,
    [SRC_ELF] = &ds_symprov_elf, [SRC_EXPORTS] = &ds_symprov_exports};

typedef struct modref {
    walker *w;
    int i;
} modref;

/* ds_symprov_list.open: the loaders above, which record each lookup and
 * the module's files and problems for the report. */
static void open_source(void *ctx, size_t k)
{
    const modref *r = ctx;
    modsym *s = &r->w->mods[r->i];
    ds_symprov *p = &s->src[k];
    switch (k) {
    case SRC_PDB: p->src = load_pdb(r->w, r->i); break;
    case SRC_BREAKPAD: p->src = load_breakpad(r->w, r->i); break;
    case SRC_ELF: p->src = load_elf(r->w, r->i); break;
    default: p->src = (void *)load_image(r->w, r->i); break;
    }
    p->base = r->w->c->modules[r->i].base;
    p->bias = k == SRC_ELF ? s->elf_bias : 0;
}

static ds_symprov_list sources(walker *w, int i, modref *r)
{
    *r = (modref){w, i};
    return (ds_symprov_list){.items = w->mods[i].src, .n = SRC_N, .open = open_source, .ctx = r};
}

static bool fpo_at(void *ctx, uint64_t va, ds_pdb_fpo *out)
{
    walker *w = ctx;
    int i = module_index(w->c, va);
    ds_pdb *p = i >= 0 ? load_pdb(w, i) : NULL;
    return p && ds_pdb_fpo_lookup(p, (uint32_t)(va - w->c->modules[i].base), out);
}

static bool code_check(void *ctx, uint64_t va, bool strict)
{
    walker *w = ctx;
    int i = module_index(w->c, va);
    if (i < 0)
        return false;
    if (!strict)
        return true;
    ds_bpsym *b = load_breakpad(w, i);
    ds_bpsym_func f;
    return !b || ds_bpsym_lookup(b, va - w->c->modules[i].base, &f);
}

/* Breakpad STACK CFI / WIN, else DWARF CFI of the module's ELF file. */
static bool rule_step(void *ctx, const ds_context *callee, bool first, ds_context *caller)
{
    walker *w = ctx;
    int i = module_index(w->c, callee->pc);
    if (i < 0) {
        w->bp_callee_params = 0;
        return false;
    }
    modref r;
    ds_symprov_list l = sources(w, i, &r);
    ds_symstep st = {.callee = callee, .first = first, .mem = w->mem, .stack_lo = w->lo,
                     .stack_hi = w->hi, .callee_params = w->bp_callee_params,
                     .code_check = code_check, .arg = w};
    bool ok = ds_symprov_unwind(&l, &st, caller);
    w->bp_callee_params = st.params;
    return ok;
}

/* ------------------------------------------------ code or not code */

/* Without an image, ELF file or symbol file, a module's first bytes are
 * still known not to be code: its headers. The smallest header each file
 * kind can have (doc/stacks.md): ELF64 header + one program header, ELF32
 * the same, PE headers (SizeOfHeaders rounded to the least FileAlignment). */
static const struct {
    bool elf;
    unsigned ptr;
    uint32_t bytes;
} min_headers[] = {{true, 8, 64 + 56}, {true, 4, 52 + 32}, {false, 8, 0x200}, {false, 4, 0x200}};

static bool not_code(void *ctx, uint64_t va)
{
    walker *w = ctx;
    int i = module_index(w->c, va);
    if (i < 0)
        return false; /* outside every module: the unwinder's own test */
    const ds_module *m = &w->c->modules[i];
    uint64_t rva = va - m->base;
    const ds_image *im = load_image(w, i);
    if (im)
        return rva > UINT32_MAX || !ds_image_is_code(im, (uint32_t)rva);
    ds_elfsym *e = load_elf(w, i);
    if (e) {
        int k = ds_elfsym_is_code(e, va - w->mods[i].elf_bias);
        if (k >= 0)
            return k == 0;
    }
    ds_bpsym *b = load_breakpad(w, i);
    ds_bpsym_func f;
    if (b && !ds_bpsym_lookup(b, rva, &f))
        return true; /* below every FUNC and PUBLIC of the module */
    bool elf = m->cv.is_elf || w->frame_pointers;
    unsigned ptr = w->c->arch == DS_ARCH_X86 ? 4 : 8;
    for (size_t k = 0; k < sizeof min_headers / sizeof *min_headers; k++)
        if (min_headers[k].elf == elf && min_headers[k].ptr == ptr)
            return rva < min_headers[k].bytes;
    return false;
}

/* Start of the function holding va, from the symbols with real bounds. */
static bool function_at(void *ctx, uint64_t va, uint64_t *start)
{
    walker *w = ctx;
    int i = module_index(w->c, va);
    if (i < 0)
        return false;
    modref r;
    ds_symprov_list l = sources(w, i, &r);
    ds_symhit h;
    uint64_t base = w->c->modules[i].base;
    /* exports bound no function: not asked */
    if (!ds_symprov_find(&l, SRC_PDB, SRC_EXPORTS, va - base, true, &h, NULL))
        return false;
    *start = base + h.start;
    return true;
}

/* ------------------------------------------------------------- naming */

/* The thread of a stack that is not a thread's (kernel contexts, records). */
static const ds_u64 NO_THREAD = {0, false};

static char *dup_or_null(const char *s)
{
    return *s ? ds_strdup(s) : NULL;
}

/* Source line and inline frames at module offset probe, from the source
 * that named the frame (its function is the physical one of the lines). */
static void add_source(ds_frame *f, const ds_symprov *p, uint64_t probe)
{
    ds_srcloc loc;
    loc.n = 0;
    if (!ds_symprov_source(p, probe, &loc) || loc.n == 0)
        return;
    const ds_srcpos *phys = &loc.pos[loc.n - 1];
    f->source_file = dup_or_null(phys->file);
    if (phys->line)
        f->source_line = ds_known(phys->line);
    if (loc.n < 2 || !(f->inlines = calloc(loc.n - 1, sizeof *f->inlines)))
        return;
    for (size_t i = 0; i + 1 < loc.n; i++) {
        ds_inline_frame *x = &f->inlines[f->ninlines];
        x->function = dup_or_null(loc.pos[i].function); /* NULL: unnamed */
        x->source_file = dup_or_null(loc.pos[i].file);
        if (loc.pos[i].line)
            x->source_line = ds_known(loc.pos[i].line);
        f->ninlines++;
    }
}

static void name_frame(walker *w, ds_frame *f, bool exact)
{
    const ds_module *m = ds_crash_module(w->c, f->module);
    if (!m)
        return;
    uint64_t rva = f->pc - m->base;
    /* A return address may be the first byte after the call's function. */
    uint64_t probe = exact || rva == 0 ? rva : rva - 1;
    modref r;
    ds_symprov_list l = sources(w, (int)f->module.value, &r);
    ds_symhit h;
    size_t k;
    if (!ds_symprov_find(&l, SRC_PDB, SRC_BREAKPAD, probe, false, &h, &k)) {
        /* Without a PDB name every other source is opened, hit or not:
         * opening one names its file in the report. */
        for (size_t j = SRC_BREAKPAD; j < SRC_N; j++)
            open_source(&r, j);
        if (!ds_symprov_find(&l, SRC_BREAKPAD, SRC_N, probe, false, &h, &k))
            return;
    }
    f->symbol_source = h.source;
    f->exact = h.function;
    f->function = ds_strdup(h.name);
    f->function_offset = rva - h.start;
    add_source(f, &l.items[k], probe);
}

/* --------------------------------------------------------- the walks */

static int add_stack(walker *w, ds_stack_kind kind, const char *label, ds_u64 tid,
                     const ds_context *start, uint64_t lo, uint64_t hi)
{
    ds_crash *c = w->c;
    ds_unwind_env env = {
        .arch = c->arch, .mem = w->mem, .image_at = image_at, .fpo_at = fpo_at,
        .rule_step = rule_step, .not_code = not_code, .function_at = function_at, .ctx = w,
        .frame_pointers = w->frame_pointers, .kernel = c->has_kernel, .splice = w->splice, .nsplice = w->nsplice,
        .kernel_build = c->os_build,
        .stack_low = lo, .stack_high = hi, .max_frames = 256, .max_scan_bytes = 8192,
    };
    ds_frame *frames = NULL;
    size_t n = 0;
    char *why = NULL;
    w->lo = lo;
    w->hi = hi;
    w->bp_callee_params = 0;
    if (ds_unwind_walk(&env, start, &frames, &n, &why) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        name_frame(w, &frames[i], i == 0 || frames[i].pc_exact);
    ds_stack *a = realloc(c->stacks, (c->nstacks + 1) * sizeof *a);
    if (!a) {
        for (size_t i = 0; i < n; i++)
            ds_frame_free(&frames[i]); /* name_frame gave them names */
        free(frames);
        free(why);
        return -1;
    }
    c->stacks = a;
    ds_stack *s = &a[c->nstacks++];
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->label = ds_strdup(label);
    s->thread_id = tid;
    s->frames = frames;
    s->nframes = n;
    s->end_reason = why;
    return 0;
}

static bool same_start(const ds_crash *c, const ds_context *x)
{
    for (size_t i = 0; i < c->nstacks; i++)
        if (c->stacks[i].nframes && c->stacks[i].frames[0].pc == x->pc &&
            c->stacks[i].frames[0].sp == x->sp)
            return true;
    return false;
}

/* The stack range a context lives in, when the dump tells us. */
static void stack_bounds(const ds_crash *c, const ds_context *x, uint64_t *lo, uint64_t *hi)
{
    *lo = *hi = 0;
    const ds_triage_info *t = &c->kernel.triage;
    if (c->kernel.has_triage && x->sp >= t->stack_low && x->sp - t->stack_low < t->stack_size) {
        *lo = t->stack_low;
        *hi = t->stack_low + t->stack_size;
        return;
    }
    for (size_t i = 0; i < c->nthreads; i++) {
        const ds_thread *th = &c->threads[i];
        if (th->stack_size && x->sp >= th->stack_base && x->sp - th->stack_base < th->stack_size) {
            *lo = th->stack_base;
            *hi = th->stack_base + th->stack_size;
            return;
        }
    }
}

static int walk(walker *w, ds_stack_kind kind, const char *label, ds_u64 tid,
                const ds_context *x)
{
    /* pc 0 with a stack pointer is a call through a null pointer: walked */
    if ((!x->pc && !x->sp) || same_start(w->c, x))
        return 0;
    uint64_t lo, hi;
    stack_bounds(w->c, x, &lo, &hi);
    return add_stack(w, kind, label, tid, x, lo, hi);
}

/* The context a page fault's trap frame is searched from: the crashing CPU
 * at bug check, else the dump header's. */
static const ds_context *bugcheck_context(const ds_crash *c)
{
    ds_u64 cpu = c->kernel.crashing_cpu;
    if (cpu.known && cpu.value < c->kernel.nprocessors &&
        c->kernel.processors[cpu.value].has_context)
        return &c->kernel.processors[cpu.value].context;
    return c->has_context ? &c->context : NULL;
}

/*
 * Decode the records the bug-check parameters name (their roles in
 * bugcodes/) into c->records, once. A bug check that names the faulting
 * instruction but no record of its own (0xA, 0xD1, 0x50 ...) had a page
 * fault: its trap frame is looked for on the bug-check stack, as WinDbg's
 * TRAP_FRAME is.
 */
static void decode_records(walker *w, const ds_bugcode_view *bv)
{
    ds_crash *c = w->c;
    uint64_t ip = 0;
    bool named = false;
    for (unsigned i = 0; i < 4; i++) {
        uint64_t va = c->bugcheck.params[i];
        switch (bv->params[i].role) {
        case DS_ROLE_EXCEPTION_RECORD:
            named = true;
            ds_records_exception(c, w->mem, va, (int)i + 1);
            break;
        case DS_ROLE_CONTEXT_RECORD:
            named = true;
            ds_records_context(c, w->mem, va, (int)i + 1);
            break;
        case DS_ROLE_TRAP_FRAME:
            named = true;
            ds_records_trap(c, w->mem, va, (int)i + 1);
            break;
        case DS_ROLE_FAULTING_IP:
            if (!ip)
                ip = va;
            break;
        default:
            break;
        }
    }
    const ds_context *x = bugcheck_context(c);
    if (named || !ip || !x)
        return;
    uint64_t lo, hi;
    stack_bounds(c, x, &lo, &hi);
    if (!hi || x->sp > lo)
        lo = x->sp; /* the frames above the bug-check call only */
    ds_records_find_trap(c, w->mem, ip, lo, hi > lo ? hi - lo : 0x8000);
}

/* Walks that start where a bug-check parameter says the fault happened. */
static int record_walks(walker *w)
{
    ds_crash *c = w->c;
    if (!c->has_bugcheck)
        return 0;
    ds_bugcode_view bv;
    ds_bugcode_resolve(c->bugcheck.code, c->bugcheck.params, &bv);
    if (!bv.known)
        return 0;
    decode_records(w, &bv);
    const ds_fault_records *r = &c->records;
    char label[64];
    /* both are spliced into the other walks where their sp lies */
    if (r->has_context)
        w->splice[w->nsplice++] = r->context;
    if (r->has_trap)
        w->splice[w->nsplice++] = r->trap;
    if (r->has_context) {
        snprintf(label, sizeof label, "context record (P%u)", (unsigned)r->context_param.value);
        if (walk(w, DS_STACK_FAULTING, label, NO_THREAD, &r->context) < 0)
            return -1;
    }
    if (r->has_trap) {
        if (r->trap_param.known)
            snprintf(label, sizeof label, "trap frame (P%u)", (unsigned)r->trap_param.value);
        else
            snprintf(label, sizeof label, "trap frame (found on the stack)");
        if (walk(w, DS_STACK_FAULTING, label, NO_THREAD, &r->trap) < 0)
            return -1;
    }
    return 0;
}

static bool has_kind(const ds_crash *c, ds_stack_kind k)
{
    for (size_t i = 0; i < c->nstacks; i++)
        if (c->stacks[i].kind == k)
            return true;
    return false;
}

static int kernel_walks(walker *w)
{
    ds_crash *c = w->c;
    char label[64];
    /* .cxr / .trap first: the fault as it happened. Then the header's
     * context: the fault itself in triage dumps, usually the bug-check call
     * otherwise. Then the crashing CPU at bug check. Equal starts are
     * walked once. */
    if (record_walks(w) < 0)
        return -1;
    bool faulting = !has_kind(c, DS_STACK_FAULTING);
    if (c->has_context &&
        walk(w, faulting ? DS_STACK_FAULTING : DS_STACK_BUGCHECK,
             faulting ? "faulting context" : "dump header context", NO_THREAD,
             &c->context) < 0)
        return -1;
    ds_u64 cpu = c->kernel.crashing_cpu;
    if (cpu.known && cpu.value < c->kernel.nprocessors &&
        c->kernel.processors[cpu.value].has_context) {
        const ds_processor *p = &c->kernel.processors[cpu.value];
        snprintf(label, sizeof label, "bug-check context, CPU %u", p->index);
        if (walk(w, DS_STACK_BUGCHECK, label, NO_THREAD, &p->context) < 0)
            return -1;
    }
    return 0;
}

static int thread_walks(walker *w, bool all)
{
    ds_crash *c = w->c;
    char label[64];
    ds_u64 crashing = c->crashing_thread;
    if (c->has_context) {
        if (crashing.known)
            snprintf(label, sizeof label, "crashing thread %u", (unsigned)crashing.value);
        else
            snprintf(label, sizeof label, "crashing thread (id unknown)");
        if (walk(w, DS_STACK_FAULTING, label, crashing, &c->context) < 0)
            return -1;
    }
    /* The thread that wrote the dump was running while it did: its
     * registers and its stack memory come from different moments, so a
     * walk of it finds stale words (Breakpad and rust-minidump skip it too;
     * doc/stacks.md "Threads not walked"). */
    ds_u64 writer = c->has_mdmp ? c->mdmp.breakpad_dump_thread : (ds_u64){0, false};
    for (size_t i = 0; all && i < c->nthreads; i++) {
        const ds_thread *t = &c->threads[i];
        if (!t->has_context || (crashing.known && t->id == crashing.value))
            continue;
        if (writer.known && t->id == writer.value) {
            if (ds_note_add(c, DS_INFO, "dump_thread_not_walked",
                            "thread %u wrote the dump (Breakpad info): not walked, its "
                            "registers and stack memory were captured at different moments",
                            t->id) < 0)
                return -1;
            continue;
        }
        snprintf(label, sizeof label, "thread %u", t->id);
        if (walk(w, DS_STACK_THREAD, label, ds_known(t->id), &t->context) < 0)
            return -1;
    }
    return 0;
}

int ds_analysis_stacks(ds_crash *c, const ds_memview *mem, const ds_open_options *opt)
{
    if (opt && opt->no_unwind)
        return 0;
    ds_symstore *store = NULL;
    if (!(opt && opt->no_symbols)) {
        store = ds_symstore_open(opt ? opt->symbol_path : NULL, opt && opt->offline);
        if (!store)
            return -1;
    }
    int rc = ds_analysis_stacks_with(c, mem, opt, store);
    ds_symstore_close(store);
    return rc;
}

int ds_analysis_stacks_with(ds_crash *c, const ds_memview *mem, const ds_open_options *opt,
                            const ds_symstore *store)
{
    if (opt && opt->no_unwind)
        return 0;
    walker w = {.c = c, .mem = mem, .store = store};
    /* Platforms whose code keeps frame pointers (Breakpad follows them on
     * every platform but Windows). */
    const char *plat = c->has_mdmp ? c->mdmp.platform : NULL;
    w.frame_pointers = plat && (strcmp(plat, "linux") == 0 || strcmp(plat, "macos") == 0 ||
                                strcmp(plat, "ios") == 0 || strcmp(plat, "android") == 0);
    if (w.store)
        w.log_lookups = ds_symstore_entries(w.store) + ds_symstore_servers(w.store) +
                            ds_symstore_missing(w.store) > 0;
    w.mods = calloc(c->nmodules ? c->nmodules : 1, sizeof *w.mods);
    int rc = -1;
    if (!w.mods)
        goto out;
    for (size_t i = 0; i < c->nmodules; i++)
        for (size_t k = 0; k < SRC_N; k++)
            w.mods[i].src[k].ops = source_ops[k];
    if (w.store && !w.log_lookups &&
        ds_note_add(c, DS_INFO, "no_symbol_path",
                    "no symbol path: frames are named from the dump's own images only") < 0)
        goto out;
    /* said once here; each lookup that found nothing lists the folder */
    for (size_t i = 0; w.store && i < ds_symstore_missing(w.store); i++)
        if (ds_note_add(c, DS_WARNING, "symbol_folder_missing",
                        "symbol path folder %s does not exist: not searched",
                        ds_symstore_missing_at(w.store, i)) < 0)
            goto out;
    rc = c->has_mdmp ? thread_walks(&w, opt && opt->all_threads)
                                          : kernel_walks(&w);
    /* Versions and identities for the module list, not only for frames. */
    for (size_t i = 0; rc == 0 && i < c->nmodules; i++)
        load_image(&w, (int)i);
    if (w.oom)
        rc = -1;
out:
    for (size_t i = 0; w.mods && i < c->nmodules; i++) {
        ds_image_close(w.mods[i].image);
        ds_pdb_close(w.mods[i].pdb);
        ds_bpsym_close(w.mods[i].bp);
        ds_elfsym_close(w.mods[i].elf);
    }
    free(w.mods);
    return rc;
}
