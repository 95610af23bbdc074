/*
 * Breakpad .sym files as symbol and unwind source, over the shared corpus:
 * walk the crashing thread of user/minidump2.dmp (x86, Windows XP) with the
 * .sym files in user/breakpad-symbols/ exactly as Breakpad's x86 stack walker
 * does (STACK WIN first, then STACK CFI, then the frame-pointer fallback;
 * return-address lookups at pc - 1 for caller frames; .cbCalleeParams from
 * the frame below), and compare frame by frame with Breakpad's own output:
 *   expected/minidump2.breakpad-stackwalk.txt    registers, "Found by"
 *   expected/minidump2.breakpad-stackwalk-m.txt  module, function, file, line, offset
 * Both files are parsed here; nothing of them is copied into the test.
 */
#include <ctype.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "core/dump.h"
#include "dumpscan/dumpscan.h"
#include "symbols/breakpad.h"

#define MAX_FRAMES 64

/* ----------------------------------------------------- symbol supplier */

typedef struct walker {
    const ds_crash *c;
    const ds_memview *mem;
    ds_bpsym *syms[64];
    bool tried[64];
    int opened;
} walker;

static int module_for(const walker *w, uint64_t va)
{
    for (size_t i = 0; i < w->c->nmodules; i++) {
        const ds_module *m = &w->c->modules[i];
        if (va >= m->base && va - m->base < m->size)
            return (int)i;
    }
    return -1;
}

/* breakpad-symbols/<debug file>/<GUID><age>/<debug file without .pdb>.sym */
static ds_bpsym *sym_for(walker *w, int mod)
{
    if (mod < 0 || mod >= 64)
        return NULL;
    if (w->tried[mod])
        return w->syms[mod];
    w->tried[mod] = true;
    const ds_codeview *cv = &w->c->modules[mod].cv;
    if (!w->c->modules[mod].has_cv || !cv->is_pdb70)
        return NULL;
    const char *base = cv->pdb_name;
    for (const char *p = cv->pdb_name; *p; p++)
        if (*p == '\\' || *p == '/')
            base = p + 1;
    if (!*base || strstr(base, ".."))
        return NULL;
    char stem[260];
    snprintf(stem, sizeof stem, "%s", base);
    size_t n = strlen(stem);
    if (n > 4 && !strcasecmp(stem + n - 4, ".pdb"))
        stem[n - 4] = 0;
    const uint8_t *g = cv->guid;
    char rel[1024], buf[1200];
    snprintf(rel, sizeof rel,
             "user/breakpad-symbols/%s/%08X%04X%04X%02X%02X%02X%02X%02X%02X%02X%02X%X/%s.sym",
             base, (unsigned)(g[0] | g[1] << 8 | g[2] << 16 | (unsigned)g[3] << 24),
             (unsigned)(g[4] | g[5] << 8), (unsigned)(g[6] | g[7] << 8), g[8], g[9], g[10],
             g[11], g[12], g[13], g[14], g[15], cv->age, stem);
    const char *path = corpus_path(rel, buf, sizeof buf);
    if (!path)
        return NULL;
    ds_error err;
    w->syms[mod] = ds_bpsym_open(path, &err);
    CHECK(w->syms[mod] != NULL);
    if (w->syms[mod])
        w->opened++;
    return w->syms[mod];
}

/* Breakpad's InstructionAddressSeemsValid (strict) / module membership. */
static bool code_check(void *arg, uint64_t va, bool strict)
{
    walker *w = arg;
    int mod = module_for(w, va);
    if (mod < 0)
        return false;
    if (!strict)
        return true;
    ds_bpsym *s = sym_for(w, mod);
    ds_bpsym_func f;
    return !s || ds_bpsym_lookup(s, va - w->c->modules[mod].base, &f);
}

/* --------------------------------------------------------------- walk */

typedef struct frame {
    ds_context ctx;
    ds_trust trust;
    int module;
    bool has_param;
    uint32_t param;
    bool named, has_file;
    ds_bpsym_func fn;
    uint64_t offset; /* as Breakpad prints it */
} frame;

/* The frame-pointer fallback (no STACK record): eip at ebp+4, ebp at ebp. */
static bool unwind_ebp(const walker *w, const ds_context *callee, ds_context *caller)
{
    uint32_t ebp = (uint32_t)callee->regs[5], eip, nebp;
    if (!ds_mem_u32(w->mem, ebp + 4ull, &eip) || !ds_mem_u32(w->mem, ebp, &nebp))
        return false;
    memset(caller, 0, sizeof *caller);
    caller->arch = DS_ARCH_X86;
    caller->regs[16] = eip;
    caller->regs[4] = ebp + 8ull;
    caller->regs[5] = nebp;
    caller->valid = 1u << 16 | 1u << 4 | 1u << 5;
    caller->pc = eip, caller->sp = ebp + 8ull, caller->fp = nebp;
    return true;
}

static size_t walk(walker *w, const ds_context *start, uint64_t stack_lo, uint64_t stack_hi,
                   frame *f)
{
    size_t n = 0;
    f[0].ctx = *start;
    f[0].trust = DS_TRUST_CONTEXT;
    for (;;) {
        frame *cur = &f[n];
        uint64_t pc = cur->ctx.pc;
        uint64_t instr = n == 0 ? pc : pc - 1;
        cur->module = module_for(w, instr);
        ds_bpsym *s = sym_for(w, cur->module);
        uint64_t base = cur->module >= 0 ? w->c->modules[cur->module].base : 0;
        cur->offset = pc - base;
        if (s) {
            uint64_t rva = instr - base, la;
            cur->named = ds_bpsym_lookup(s, rva, &cur->fn);
            cur->has_file = cur->named && cur->fn.file[0];
            if (cur->has_file && ds_bpsym_line_address(s, rva, &la))
                cur->offset = pc - base - la;
            else if (cur->named)
                cur->offset = pc - base - cur->fn.address;
            cur->has_param = ds_bpsym_param_size(s, rva, &cur->param);
        }
        n++;
        if (n == MAX_FRAMES)
            break;

        ds_bpsym_walk opt = {0};
        opt.callee_param_size = n >= 2 && f[n - 2].has_param ? f[n - 2].param : 0;
        opt.context_frame = n == 1;
        opt.stack_lo = stack_lo;
        opt.stack_hi = stack_hi;
        opt.code_check = code_check;
        opt.arg = w;
        ds_context caller;
        ds_trust trust = DS_TRUST_NONE;
        if (!(s && ds_bpsym_unwind_ex(s, instr - base, &cur->ctx, w->mem, &opt, &caller,
                                      &trust))) {
            if (!unwind_ebp(w, &cur->ctx, &caller))
                break;
            trust = DS_TRUST_FRAME_POINTER;
        }
        /* Breakpad's end of walk: pc below 4 KiB, sp not increasing */
        if (caller.pc < 0x1000 || caller.sp < cur->ctx.sp || (n > 1 && caller.sp == cur->ctx.sp)) {
            printf("walk ends after frame %zu: caller pc %llx sp %llx (trust %d)\n", n - 1,
                   (unsigned long long)caller.pc, (unsigned long long)caller.sp, trust);
            break;
        }
        f[n].ctx = caller;
        f[n].trust = trust;
    }
    return n;
}

/* ------------------------------------------------- the expected output */

typedef struct exp_frame {
    char module[128], function[512], file[512];
    unsigned line;
    uint64_t offset;
    uint64_t eip, esp, ebp;
    bool has_esp, has_ebp;
    ds_trust trust;
} exp_frame;

static char *read_text(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (s && fread(s, 1, (size_t)n, fp) != (size_t)n) {
        free(s);
        s = NULL;
    }
    if (s)
        s[n] = 0;
    fclose(fp);
    return s;
}

/* -m: "0|N|module|function|file|line|offset" lines of the crashed thread. */
static size_t parse_machine(char *text, exp_frame *e, size_t max, unsigned *crashed)
{
    size_t n = 0;
    *crashed = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (!strncmp(line, "Crash|", 6)) {
            char *last = strrchr(line, '|');
            *crashed = (unsigned)strtoul(last + 1, NULL, 10);
            continue;
        }
        if (!isdigit((unsigned char)line[0]))
            continue;
        char *field[7] = {0};
        int nf = 0;
        char *p = line;
        while (nf < 7) {
            field[nf++] = p;
            char *bar = strchr(p, '|');
            if (!bar)
                break;
            *bar = 0;
            p = bar + 1;
        }
        if (nf != 7 || strtoul(field[0], NULL, 10) != *crashed || n == max)
            continue;
        if (strtoul(field[1], NULL, 10) != n)
            continue;
        snprintf(e[n].module, sizeof e[n].module, "%s", field[2]);
        snprintf(e[n].function, sizeof e[n].function, "%s", field[3]);
        snprintf(e[n].file, sizeof e[n].file, "%s", field[4]);
        e[n].line = (unsigned)strtoul(field[5], NULL, 10);
        e[n].offset = strtoull(field[6], NULL, 16);
        n++;
    }
    return n;
}

static bool reg_value(const char *line, const char *name, uint64_t *v)
{
    char key[16];
    snprintf(key, sizeof key, "%s = 0x", name);
    const char *p = strstr(line, key);
    if (!p)
        return false;
    *v = strtoull(p + strlen(key), NULL, 16);
    return true;
}

/* Text: per frame of "Thread N (crashed)", the registers and "Found by". */
static size_t parse_text(char *text, exp_frame *e, size_t max)
{
    size_t n = 0;
    bool in = false;
    int cur = -1;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (!strncmp(line, "Thread ", 7)) {
            in = strstr(line, "(crashed)") != NULL;
            continue;
        }
        if (!in)
            continue;
        if (!strncmp(line, "Loaded modules", 14))
            break;
        const char *p = line;
        while (*p == ' ')
            p++;
        if (isdigit((unsigned char)*p) && p - line <= 3) {
            unsigned k = (unsigned)strtoul(p, NULL, 10);
            if (k != n || n == max)
                break;
            cur = (int)n++;
            continue;
        }
        if (cur < 0)
            continue;
        uint64_t v;
        if (reg_value(line, "eip", &v))
            e[cur].eip = v;
        if (reg_value(line, "esp", &v))
            e[cur].esp = v, e[cur].has_esp = true;
        if (reg_value(line, "ebp", &v))
            e[cur].ebp = v, e[cur].has_ebp = true;
        if ((p = strstr(line, "Found by: "))) {
            p += 10;
            e[cur].trust = !strncmp(p, "given as instruction pointer", 28) ? DS_TRUST_CONTEXT
                         : !strcmp(p, "call frame info")                   ? DS_TRUST_UNWIND_INFO
                         : !strncmp(p, "call frame info with scanning", 29) ? DS_TRUST_SCAN
                         : !strncmp(p, "stack scanning", 14)                ? DS_TRUST_SCAN
                         : !strncmp(p, "previous frame's frame pointer", 30)
                             ? DS_TRUST_FRAME_POINTER
                             : DS_TRUST_NONE;
        }
    }
    return n;
}

/*
 * An inline frame end to end: a copy of test_app.sym (in a temporary store,
 * never in the repository) where CrashFunction inlines "InlinedStore" at
 * c:\\test_app.cc:57 over the crashing line. Frame 0 must show the inline
 * row first, at Breakpad's line 58, and the physical frame at the call site.
 */
static void inline_pipeline(const char *dmp, const char *sdir)
{
    static const char rel[] = "test_app.pdb/5A9832E5287241C1838ED98914E9B7FF1";
    static const char func[] = "FUNC 4290 18 0 `anonymous namespace'::CrashFunction\n";
    char src[2048], dir[] = "/tmp/ds-bpinline-XXXXXX", path[2048];
    snprintf(src, sizeof src, "%s/%s/test_app.sym", sdir, rel);
    char *text = read_text(src);
    char *at = text ? strstr(text, func) : NULL;
    CHECK(at != NULL);
    if (!at || !mkdtemp(dir)) {
        free(text);
        return;
    }
    snprintf(path, sizeof path, "%s/test_app.pdb", dir);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/%s/test_app.sym", dir, rel);
    FILE *fp = fopen(path, "wb");
    CHECK(fp != NULL);
    if (fp) {
        size_t head = (size_t)(at - text) + strlen(func);
        fwrite(text, 1, head, fp);
        fputs("INLINE 0 57 178 900 429b 9\n", fp);
        fputs(text + head, fp);
        fputs("\nINLINE_ORIGIN 900 InlinedStore\n", fp);
        fclose(fp);
    }
    free(text);

    ds_open_options o = {DS_OPEN_OPTIONS_INIT};
    o.symbol_path = dir;
    ds_error err;
    ds_dump *d = ds_open(dmp, &o, &err);
    CHECK(d != NULL);
    if (d) {
        const ds_crash *c = ds_dump_crash(d);
        const ds_frame *f = c->nstacks && c->stacks[0].nframes ? &c->stacks[0].frames[0] : NULL;
        CHECK(f && f->ninlines == 1);
        if (f && f->ninlines == 1) {
            CHECK_STR(f->inlines[0].function, "InlinedStore");
            CHECK_STR(f->inlines[0].source_file, "c:\\test_app.cc");
            CHECK_KNOWN(f->inlines[0].source_line, 58);
            CHECK_KNOWN(f->source_line, 57);
        }
        char *t = ds_report_text(d, 0);
        const char *row = t ? strstr(t, "(inline)") : NULL;
        CHECK(row && strstr(row, "test_app!InlinedStore [c:\\test_app.cc @ 58]"));
        const char *phys = t ? strstr(t, "CrashFunction+0xe [c:\\test_app.cc @ 57]") : NULL;
        CHECK(row && phys && row < phys); /* the inline row comes first */
        ds_free(t);
        char *j = ds_report_json(d, 0);
        CHECK(j && strstr(j, "\"inline_frames\":[{\"function\":\"InlinedStore\""));
        ds_free(j);
        ds_close(d);
    }
    unlink(path);
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    rmdir(path);
    snprintf(path, sizeof path, "%s/test_app.pdb", dir);
    rmdir(path);
    rmdir(dir);
}

int main(void)
{
    char b1[1024], b2[1024], b3[1024], b4[1024];
    const char *dmp = corpus_path("user/minidump2.dmp", b1, sizeof b1);
    const char *txt = corpus_path("expected/minidump2.breakpad-stackwalk.txt", b2, sizeof b2);
    const char *mtx = corpus_path("expected/minidump2.breakpad-stackwalk-m.txt", b3, sizeof b3);
    const char *sdir = corpus_path("user/breakpad-symbols", b4, sizeof b4);
    if (!dmp || !txt || !mtx || !sdir) {
        printf("test_breakpad_corpus: corpus absent, skipped\n");
        return CHECK_SKIP;
    }

    exp_frame exp[MAX_FRAMES];
    memset(exp, 0, sizeof exp);
    char *t1 = read_text(mtx), *t2 = read_text(txt);
    CHECK(t1 && t2);
    if (!t1 || !t2)
        return check_report("test_breakpad_corpus");
    unsigned crashed;
    size_t nm = parse_machine(t1, exp, MAX_FRAMES, &crashed);
    size_t nt = parse_text(t2, exp, MAX_FRAMES);
    free(t1);
    free(t2);
    CHECK(nm == 4); /* the expected walk has four frames */
    CHECK_EQ_U64(nt, nm);

    ds_open_options oo = {DS_OPEN_OPTIONS_INIT};
    oo.no_symbols = true;
    oo.no_unwind = true;
    ds_error err;
    ds_dump *d = ds_open(dmp, &oo, &err);
    CHECK(d != NULL);
    if (!d)
        return check_report("test_breakpad_corpus");
    const ds_crash *c = ds_dump_crash(d);
    CHECK(c->has_context);
    CHECK(c->context.arch == DS_ARCH_X86);

    uint64_t lo = 0, hi = 0;
    for (size_t i = 0; i < c->nthreads; i++)
        if (c->crashing_thread.known && c->threads[i].id == c->crashing_thread.value) {
            lo = c->threads[i].stack_base;
            hi = lo + c->threads[i].stack_size;
        }
    CHECK(hi > lo);

    walker w = {0};
    w.c = c;
    w.mem = &d->mem;
    frame *f = calloc(MAX_FRAMES, sizeof *f);
    size_t n = walk(&w, &c->context, lo, hi, f);
    CHECK_EQ_U64(w.opened, 2); /* test_app.sym and kernel32.sym */

    CHECK_EQ_U64(n, nm);
    for (size_t i = 0; i < n; i++) {
        const frame *g = &f[i];
        const char *mod = g->module >= 0 ? c->modules[g->module].name : "";
        printf("%2zu  %s!%s [%s : %u + 0x%llx]  eip %08llx esp %08llx ebp %08llx  trust %d\n",
               i, mod, g->named ? g->fn.name : "?", g->fn.file, g->fn.line,
               (unsigned long long)g->offset, (unsigned long long)g->ctx.regs[16],
               (unsigned long long)g->ctx.regs[4], (unsigned long long)g->ctx.regs[5],
               g->trust);
        if (i >= nm)
            continue;
        const exp_frame *e = &exp[i];
        CHECK_STR(mod, e->module);
        CHECK_STR(g->named ? g->fn.name : "", e->function);
        CHECK_STR(g->fn.file, e->file);
        CHECK_EQ_U64(g->fn.line, e->line);
        CHECK_EQ_U64(g->offset, e->offset);
        CHECK_EQ_U64(g->ctx.pc, e->eip);
        if (e->has_esp)
            CHECK_EQ_U64(g->ctx.sp, e->esp);
        if (e->has_ebp)
            CHECK_EQ_U64(g->ctx.regs[5], e->ebp);
        CHECK_EQ_U64(g->trust, e->trust);
    }

    for (size_t i = 0; i < 64; i++)
        ds_bpsym_close(w.syms[i]);
    free(f);
    ds_close(d);

    /* The whole pipeline with the .sym files on the symbol path: every frame
     * carries Breakpad's file and line (callers looked up at pc - 1), and the
     * text report prints them WinDbg's way. */
    ds_open_options full = {DS_OPEN_OPTIONS_INIT};
    full.symbol_path = sdir;
    d = ds_open(dmp, &full, &err);
    CHECK(d != NULL);
    if (!d)
        return check_report("test_breakpad_corpus");
    c = ds_dump_crash(d);
    CHECK(c->nstacks >= 1);
    const ds_stack *st = c->nstacks ? &c->stacks[0] : NULL;
    CHECK(st && st->nframes >= nm);
    for (size_t i = 0; st && i < nm && i < st->nframes; i++) {
        const ds_frame *fr = &st->frames[i];
        printf("pipeline %zu: %s [%s @ %u]\n", i, fr->function ? fr->function : "?",
               fr->source_file ? fr->source_file : "-", (unsigned)fr->source_line.value);
        CHECK_STR(fr->source_file ? fr->source_file : "", exp[i].file);
        if (exp[i].line)
            CHECK_KNOWN(fr->source_line, exp[i].line);
        else
            CHECK(!fr->source_line.known);
        CHECK_EQ_U64(fr->ninlines, 0); /* no INLINE records in these files */
    }
    char *text = ds_report_text(d, 0);
    CHECK(text && strstr(text, "CrashFunction+0xe [c:\\test_app.cc @ 58]"));
    CHECK(text && strstr(text, "test_app!main+0x50 [c:\\test_app.cc @ 65]"));
    ds_free(text);
    ds_close(d);
    inline_pipeline(dmp, sdir);
    return check_report("test_breakpad_corpus");
}
