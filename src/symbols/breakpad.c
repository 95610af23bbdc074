/*
 * Breakpad text symbol files: indexing and name lookup.
 *
 * One pass over the lines builds arrays of records (offsets into the text);
 * they are then sorted once. Memory is O(records). Lines that are not a
 * record, or a malformed one, are counted and skipped. Numbers are hex except
 * FILE numbers and the line/file fields of line records (decimal).
 */
#include <stdlib.h>
#include <string.h>

#include "symbols/breakpad_priv.h"

/* ------------------------------------------------------------ tokens */

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

bool bp_next_token(bp_str *s, bp_str *tok)
{
    size_t i = 0;
    while (i < s->n && is_blank(s->p[i]))
        i++;
    if (i == s->n) {
        s->p += i;
        s->n = 0;
        return false;
    }
    size_t j = i;
    while (j < s->n && !is_blank(s->p[j]))
        j++;
    tok->p = s->p + i;
    tok->n = j - i;
    s->p += j;
    s->n -= j;
    return true;
}

bool bp_tok_eq(bp_str t, const char *lit)
{
    size_t n = strlen(lit);
    return t.n == n && memcmp(t.p, lit, n) == 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Hex number (optional 0x); false on anything else or on overflow. */
static bool parse_hex(bp_str t, uint64_t *out)
{
    size_t i = 0;
    if (t.n > 2 && t.p[0] == '0' && (t.p[1] == 'x' || t.p[1] == 'X'))
        i = 2;
    if (i == t.n)
        return false;
    uint64_t v = 0;
    for (; i < t.n; i++) {
        int d = hexval(t.p[i]);
        if (d < 0 || v > (UINT64_MAX >> 4))
            return false;
        v = (v << 4) | (uint64_t)d;
    }
    *out = v;
    return true;
}

static bool parse_dec(bp_str t, uint64_t *out)
{
    if (t.n == 0)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < t.n; i++) {
        if (t.p[i] < '0' || t.p[i] > '9')
            return false;
        uint64_t d = (uint64_t)(t.p[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

static bool tok_hex(bp_str *s, uint64_t *v)
{
    bp_str t;
    return bp_next_token(s, &t) && parse_hex(t, v);
}

static bool tok_hex32(bp_str *s, uint32_t *v)
{
    uint64_t x;
    if (!tok_hex(s, &x) || x > UINT32_MAX)
        return false;
    *v = (uint32_t)x;
    return true;
}

/* The rest of the line after leading blanks (names may hold spaces). */
static bp_str rest(bp_str s)
{
    while (s.n && is_blank(s.p[0]))
        s.p++, s.n--;
    while (s.n && is_blank(s.p[s.n - 1]))
        s.n--;
    return s;
}

static uint64_t span_end(uint64_t start, uint64_t size)
{
    return size > UINT64_MAX - start ? UINT64_MAX : start + size;
}

/* ------------------------------------------------------- growable arrays */

static bool grow(void **arr, size_t *cap, size_t n, size_t elsize)
{
    if (n < *cap)
        return true;
    size_t ncap = *cap ? *cap * 2 : 64;
    if (ncap > SIZE_MAX / elsize)
        return false;
    void *p = realloc(*arr, ncap * elsize);
    if (!p)
        return false;
    *arr = p;
    *cap = ncap;
    return true;
}

#define PUSH(b, field, count, cap, val)                                           \
    (grow((void **)&(b)->field, &(cap), (b)->count, sizeof *(b)->field)           \
         ? ((b)->field[(b)->count++] = (val), true)                               \
         : false)

/* --------------------------------------------------------- range nesting */

static int cmp_span(const void *a, const void *b)
{
    const bp_span *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->end != y->end) /* outer (longer) range first */
        return x->end > y->end ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/*
 * Sort ranges (each element begins with a bp_span), keep a laminar family
 * (ranges nested or disjoint) and link each to its innermost parent. A range
 * equal to an earlier one or partially overlapping one is dropped, as
 * Breakpad's range maps refuse them. Returns the kept count; -1 on OOM.
 */
static long nest_ranges(void *arr, size_t n, size_t elsize, size_t *dropped)
{
    if (n == 0)
        return 0;
    qsort(arr, n, elsize, cmp_span);
    size_t *stack = malloc(n * sizeof *stack);
    if (!stack)
        return -1;
    size_t depth = 0, w = 0;
    char *base = arr;
    for (size_t i = 0; i < n; i++) {
        bp_span *s = (bp_span *)(base + i * elsize);
        if (s->end <= s->start) { /* empty */
            (*dropped)++;
            continue;
        }
        while (depth) {
            const bp_span *top = (const bp_span *)(base + stack[depth - 1] * elsize);
            if (top->end <= s->start)
                depth--;
            else
                break;
        }
        if (depth) {
            const bp_span *top = (const bp_span *)(base + stack[depth - 1] * elsize);
            if (s->end > top->end || (s->start == top->start && s->end == top->end)) {
                (*dropped)++;
                continue;
            }
        }
        s->parent = depth ? stack[depth - 1] : BP_NONE;
        if (w != i)
            memcpy(base + w * elsize, s, elsize);
        stack[depth++] = w++;
    }
    free(stack);
    return (long)w;
}

/* Innermost kept range containing rva. */
static const void *find_range(const void *arr, size_t n, size_t elsize, uint64_t rva)
{
    const char *base = arr;
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (((const bp_span *)(base + mid * elsize))->start <= rva)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    size_t i = lo - 1;
    /* The parent chain is strictly shorter than n: bounded. */
    while (i != BP_NONE) {
        const bp_span *s = (const bp_span *)(base + i * elsize);
        if (rva < s->end)
            return s;
        i = s->parent;
    }
    return NULL;
}

/* Last element with key <= rva in an array sorted by a uint64 first field. */
static size_t last_at_or_below(const void *arr, size_t n, size_t elsize, uint64_t rva)
{
    const char *base = arr;
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint64_t k;
        memcpy(&k, base + mid * elsize, sizeof k);
        if (k <= rva)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo == 0 ? BP_NONE : lo - 1;
}

static int cmp_public(const void *a, const void *b)
{
    const bp_public *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static int cmp_delta(const void *a, const void *b)
{
    const bp_cfi_delta *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static int cmp_file(const void *a, const void *b)
{
    const bp_file *x = a, *y = b;
    if (x->num != y->num)
        return x->num < y->num ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Sort numbered names and keep the first of each number. */
static void sort_numbered(bp_file *v, size_t *n)
{
    if (*n == 0)
        return;
    qsort(v, *n, sizeof *v, cmp_file);
    size_t w = 1;
    for (size_t i = 1; i < *n; i++)
        if (v[i].num != v[w - 1].num)
            v[w++] = v[i];
    *n = w;
}

/* ------------------------------------------------------------- indexing */

typedef struct builder {
    size_t cap_funcs, cap_pubs, cap_files, cap_cfis, cap_deltas, cap_win4, cap_win0;
    size_t cap_origins;
    size_t cur_func; /* FUNC receiving line records, BP_NONE if none */
    bool module_seen;
} builder;

static void copy_field(char *dst, size_t cap, bp_str s)
{
    size_t n = s.n < cap - 1 ? s.n : cap - 1;
    memcpy(dst, s.p, n);
    dst[n] = 0;
    /* a NUL byte inside the field ends it */
}

static ds_arch arch_from_name(const char *a)
{
    if (!strcmp(a, "x86") || !strcmp(a, "i386") || !strcmp(a, "i686"))
        return DS_ARCH_X86;
    if (!strcmp(a, "x86_64") || !strcmp(a, "amd64") || !strcmp(a, "x64"))
        return DS_ARCH_X64;
    if (!strcmp(a, "arm64") || !strcmp(a, "aarch64") || !strncmp(a, "arm64", 5))
        return DS_ARCH_ARM64;
    if (!strncmp(a, "arm", 3))
        return DS_ARCH_ARM;
    return DS_ARCH_UNKNOWN;
}

static bool is_line_record(bp_str first)
{
    uint64_t v;
    return parse_hex(first, &v);
}

/* One line. Returns -1 on OOM, 0 otherwise (garbage is counted, not fatal). */
static int index_line(ds_bpsym *b, builder *bl, bp_str line)
{
    bp_str s = line, t;
    ds_bpsym_stats *st = &b->stats;
    if (!bp_next_token(&s, &t))
        return 0; /* blank */

    if (bp_tok_eq(t, "FUNC") || bp_tok_eq(t, "PUBLIC")) {
        bool func = t.p[0] == 'F';
        bl->cur_func = BP_NONE; /* line records after a malformed FUNC are garbage */
        bp_str save = s, m;
        if (bp_next_token(&s, &m) && !bp_tok_eq(m, "m"))
            s = save;
        uint64_t addr, size = 0;
        uint32_t param;
        bp_str name;
        if (!tok_hex(&s, &addr) || (func && !tok_hex(&s, &size)) || !tok_hex32(&s, &param))
            goto garbage;
        name = rest(s);
        if (func) {
            if (name.n == 0)
                goto garbage;
            bp_func f = {{addr, span_end(addr, size), BP_NONE, st->funcs}, param,
                         (size_t)(name.p - b->text), name.n,
                         (size_t)(line.p + line.n - b->text), (size_t)(line.p + line.n - b->text)};
            if (!PUSH(b, funcs, nfuncs, bl->cap_funcs, f))
                return -1;
            bl->cur_func = b->nfuncs - 1;
            st->funcs++;
        } else {
            bp_public p = {addr, param, st->publics, (size_t)(name.p - b->text), name.n};
            if (!PUSH(b, pubs, npubs, bl->cap_pubs, p))
                return -1;
            st->publics++;
        }
        return 0;
    }
    if (bp_tok_eq(t, "STACK")) {
        bl->cur_func = BP_NONE;
        if (!bp_next_token(&s, &t))
            goto garbage;
        if (bp_tok_eq(t, "CFI")) {
            bp_str save = s, k;
            bool init = bp_next_token(&s, &k) && bp_tok_eq(k, "INIT");
            if (!init)
                s = save;
            uint64_t addr, size = 0;
            if (!tok_hex(&s, &addr) || (init && !tok_hex(&s, &size)))
                goto garbage;
            bp_str rules = rest(s);
            if (rules.n == 0)
                goto garbage;
            size_t roff = (size_t)(rules.p - b->text);
            if (init) {
                bp_cfi c = {{addr, span_end(addr, size), BP_NONE, st->cfi_init}, roff, rules.n};
                if (!PUSH(b, cfis, ncfis, bl->cap_cfis, c))
                    return -1;
                st->cfi_init++;
            } else {
                /* Keyed by address, wherever it stands (as Breakpad does). */
                bp_cfi_delta d = {addr, st->cfi_delta, roff, rules.n};
                if (!PUSH(b, deltas, ndeltas, bl->cap_deltas, d))
                    return -1;
                st->cfi_delta++;
            }
            return 0;
        }
        if (bp_tok_eq(t, "WIN")) {
            uint32_t type, prologue, epilogue, param, saved, locals, maxstack;
            uint64_t rva, size, has_prog;
            if (!tok_hex32(&s, &type) || !tok_hex(&s, &rva) || !tok_hex(&s, &size) ||
                !tok_hex32(&s, &prologue) || !tok_hex32(&s, &epilogue) ||
                !tok_hex32(&s, &param) || !tok_hex32(&s, &saved) || !tok_hex32(&s, &locals) ||
                !tok_hex32(&s, &maxstack) || !tok_hex(&s, &has_prog))
                goto garbage;
            bp_win w = {{rva, span_end(rva, size), BP_NONE, 0}, type, prologue, epilogue,
                        param, saved, locals, maxstack, has_prog != 0, false, 0, 0};
            if (w.has_program) {
                bp_str prog = rest(s);
                if (prog.n == 0)
                    goto garbage;
                w.prog_off = (size_t)(prog.p - b->text);
                w.prog_len = prog.n;
            } else {
                uint64_t abp;
                bp_str r = rest(s);
                if (!tok_hex(&r, &abp))
                    goto garbage;
                w.allocates_bp = abp != 0;
            }
            if (type == 4) {
                w.s.order = st->win_framedata++;
                if (!PUSH(b, win4, nwin4, bl->cap_win4, w))
                    return -1;
            } else if (type == 0) {
                w.s.order = st->win_fpo++;
                if (!PUSH(b, win0, nwin0, bl->cap_win0, w))
                    return -1;
            } else {
                st->win_other++; /* TRAP, TSS, STANDARD: Breakpad does not walk with them */
            }
            return 0;
        }
        goto garbage;
    }
    bool is_file = bp_tok_eq(t, "FILE");
    if (is_file || bp_tok_eq(t, "INLINE_ORIGIN")) {
        bl->cur_func = BP_NONE;
        uint64_t num;
        if (!bp_next_token(&s, &t) || !parse_dec(t, &num))
            goto garbage;
        bp_str name = rest(s);
        bp_file f = {num, is_file ? b->nfiles : b->norigins, (size_t)(name.p - b->text),
                     name.n};
        if (is_file ? !PUSH(b, files, nfiles, bl->cap_files, f)
                    : !PUSH(b, origins, norigins, bl->cap_origins, f))
            return -1;
        st->files += is_file;
        return 0;
    }
    if (bp_tok_eq(t, "MODULE")) {
        bl->cur_func = BP_NONE;
        bp_str os, arch, id;
        if (!bp_next_token(&s, &os) || !bp_next_token(&s, &arch) || !bp_next_token(&s, &id))
            goto garbage;
        if (!bl->module_seen) {
            bl->module_seen = true;
            copy_field(b->os, sizeof b->os, os);
            copy_field(b->arch, sizeof b->arch, arch);
            copy_field(b->id, sizeof b->id, id);
            copy_field(b->name, sizeof b->name, rest(s));
            b->arch_id = arch_from_name(b->arch);
        }
        return 0;
    }
    if (bp_tok_eq(t, "INLINE")) {
        st->inlines++;
        if (bl->cur_func != BP_NONE)
            b->funcs[bl->cur_func].lines_end = (size_t)(line.p + line.n - b->text);
        return 0;
    }
    if (bp_tok_eq(t, "INFO"))
        return 0;
    if (is_line_record(t)) {
        /* address size line filenum: validated again on lookup */
        uint64_t size, ln, fn;
        bp_str u;
        if (bl->cur_func == BP_NONE || !tok_hex(&s, &size) || !bp_next_token(&s, &u) ||
            !parse_dec(u, &ln) || !bp_next_token(&s, &u) || !parse_dec(u, &fn) ||
            bp_next_token(&s, &u))
            goto garbage;
        b->funcs[bl->cur_func].lines_end = (size_t)(line.p + line.n - b->text);
        st->line_records++;
        return 0;
    }
garbage:
    st->garbage++;
    return 0;
}

static int build_index(ds_bpsym *b, ds_error *err)
{
    builder bl;
    memset(&bl, 0, sizeof bl);
    bl.cur_func = BP_NONE;
    size_t off = 0;
    while (off < b->size) {
        const char *p = b->text + off;
        const char *nl = memchr(p, '\n', b->size - off);
        size_t len = nl ? (size_t)(nl - p) : b->size - off;
        b->stats.lines++;
        if (index_line(b, &bl, (bp_str){p, len}) != 0) {
            ds_set_error(err, DS_E_NOMEM, "breakpad symbols: out of memory");
            return -1;
        }
        off += len + (nl ? 1 : 0);
    }

    /* The FUNC line-record ranges were set before sorting: they move along. */
    long k;
    if ((k = nest_ranges(b->funcs, b->nfuncs, sizeof *b->funcs, &b->stats.dropped)) < 0)
        goto oom;
    b->nfuncs = (size_t)k;
    if ((k = nest_ranges(b->cfis, b->ncfis, sizeof *b->cfis, &b->stats.dropped)) < 0)
        goto oom;
    b->ncfis = (size_t)k;
    if ((k = nest_ranges(b->win4, b->nwin4, sizeof *b->win4, &b->stats.dropped)) < 0)
        goto oom;
    b->nwin4 = (size_t)k;
    if ((k = nest_ranges(b->win0, b->nwin0, sizeof *b->win0, &b->stats.dropped)) < 0)
        goto oom;
    b->nwin0 = (size_t)k;

    if (b->npubs) {
        qsort(b->pubs, b->npubs, sizeof *b->pubs, cmp_public);
        size_t w = 1;
        for (size_t i = 1; i < b->npubs; i++)
            if (b->pubs[i].addr != b->pubs[w - 1].addr)
                b->pubs[w++] = b->pubs[i];
        b->stats.dropped += b->npubs - w;
        b->npubs = w;
    }
    if (b->ndeltas) {
        /* one rule set per address: the last in the file wins */
        qsort(b->deltas, b->ndeltas, sizeof *b->deltas, cmp_delta);
        size_t w = 0;
        for (size_t i = 0; i < b->ndeltas; i++) {
            if (w && b->deltas[w - 1].addr == b->deltas[i].addr)
                w--;
            b->deltas[w++] = b->deltas[i];
        }
        b->stats.dropped += b->ndeltas - w;
        b->ndeltas = w;
    }
    sort_numbered(b->files, &b->nfiles);
    sort_numbered(b->origins, &b->norigins);
    return 0;
oom:
    ds_set_error(err, DS_E_NOMEM, "breakpad symbols: out of memory");
    return -1;
}

/* ---------------------------------------------------------- open / close */

static ds_bpsym *finish_open(ds_bpsym *b, ds_error *err)
{
    if (build_index(b, err) != 0) {
        ds_bpsym_close(b);
        return NULL;
    }
    return b;
}

ds_bpsym *ds_bpsym_open(const char *path, ds_error *err)
{
    ds_bpsym *b = calloc(1, sizeof *b);
    if (!b) {
        ds_set_error(err, DS_E_NOMEM, "out of memory");
        return NULL;
    }
    if (ds_source_open_file(&b->src, path, DS_SOURCE_WHOLE, err) != 0) {
        free(b);
        return NULL;
    }
    b->text = (const char *)b->src.bytes.data;
    b->size = (size_t)b->src.bytes.size;
    return finish_open(b, err);
}

ds_bpsym *ds_bpsym_open_memory(const void *data, size_t size, ds_error *err)
{
    ds_bpsym *b = calloc(1, sizeof *b);
    if (!b || !(b->copy = malloc(size ? size : 1))) {
        free(b);
        ds_set_error(err, DS_E_NOMEM, "out of memory");
        return NULL;
    }
    if (size)
        memcpy(b->copy, data, size);
    b->text = b->copy;
    b->size = size;
    return finish_open(b, err);
}

void ds_bpsym_close(ds_bpsym *b)
{
    if (!b)
        return;
    free(b->funcs);
    free(b->pubs);
    free(b->files);
    free(b->origins);
    free(b->cfis);
    free(b->deltas);
    free(b->win4);
    free(b->win0);
    free(b->copy);
    ds_source_close(&b->src);
    free(b);
}

void ds_bpsym_module(const ds_bpsym *b, const char **os, const char **arch,
                     const char **id, const char **name)
{
    if (os)
        *os = b->os;
    if (arch)
        *arch = b->arch;
    if (id)
        *id = b->id;
    if (name)
        *name = b->name;
}

void ds_bpsym_get_stats(const ds_bpsym *b, ds_bpsym_stats *out)
{
    *out = b->stats;
}

/* ---------------------------------------------------------------- lookup */

static const bp_func *find_func(const ds_bpsym *b, uint64_t rva)
{
    return find_range(b->funcs, b->nfuncs, sizeof *b->funcs, rva);
}

const bp_win *bp_find_win(const ds_bpsym *b, uint64_t rva)
{
    const bp_win *w = find_range(b->win4, b->nwin4, sizeof *b->win4, rva);
    return w ? w : find_range(b->win0, b->nwin0, sizeof *b->win0, rva);
}

size_t bp_first_delta(const ds_bpsym *b, uint64_t addr)
{
    size_t lo = 0, hi = b->ndeltas;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (b->deltas[mid].addr < addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

const bp_cfi *bp_find_cfi(const ds_bpsym *b, uint64_t rva)
{
    return find_range(b->cfis, b->ncfis, sizeof *b->cfis, rva);
}

/*
 * The nearest PUBLIC at or below rva, unless a FUNC starts between it and
 * rva (then rva lies past that function's end and the PUBLIC is not its
 * name: Breakpad's rule).
 */
static const bp_public *find_public(const ds_bpsym *b, uint64_t rva)
{
    size_t i = last_at_or_below(b->pubs, b->npubs, sizeof *b->pubs, rva);
    if (i == BP_NONE)
        return NULL;
    size_t f = last_at_or_below(b->funcs, b->nfuncs, sizeof *b->funcs, rva);
    if (f != BP_NONE && b->pubs[i].addr <= b->funcs[f].s.start)
        return NULL;
    return &b->pubs[i];
}

/* An INLINE record covering the address being looked up. */
typedef struct bp_inline_hit {
    bool set;
    uint64_t call_line, call_file, origin;
} bp_inline_hit;

/* INLINE nest call_line call_file origin [address size]+ : true when one
 * of its ranges covers rva (then *level and *hit are filled). */
static bool inline_covers(bp_str s, uint64_t rva, uint64_t *level, bp_inline_hit *hit)
{
    bp_str t;
    uint64_t lv, cl, cf, org, a, sz;
    if (!bp_next_token(&s, &t) || !parse_dec(t, &lv) || !bp_next_token(&s, &t) ||
        !parse_dec(t, &cl) || !bp_next_token(&s, &t) || !parse_dec(t, &cf) ||
        !bp_next_token(&s, &t) || !parse_dec(t, &org))
        return false;
    while (tok_hex(&s, &a)) {
        if (!tok_hex(&s, &sz))
            return false;
        if (rva >= a && rva < span_end(a, sz)) {
            *level = lv;
            *hit = (bp_inline_hit){true, cl, cf, org};
            return true;
        }
    }
    return false;
}

/*
 * The records of f at rva: the first line record covering it (true when
 * there is one) and, when inl is not NULL, the first INLINE record of each
 * nest level below DS_SRCLOC_MAX covering it.
 */
static bool scan_func(const ds_bpsym *b, const bp_func *f, uint64_t rva, uint64_t *addr,
                      uint64_t *line, uint64_t *filenum, bp_inline_hit *inl)
{
    bool found = false;
    size_t off = f->lines_off;
    while (off < f->lines_end && (!found || inl)) {
        const char *p = b->text + off;
        const char *nl = memchr(p, '\n', f->lines_end - off);
        size_t len = nl ? (size_t)(nl - p) : f->lines_end - off;
        off += len + (nl ? 1 : 0);
        bp_str s = {p, len}, t;
        uint64_t a, sz, ln, fn;
        if (!bp_next_token(&s, &t))
            continue;
        if (bp_tok_eq(t, "INLINE")) {
            bp_inline_hit h;
            uint64_t lv;
            if (inl && inline_covers(s, rva, &lv, &h) && lv < DS_SRCLOC_MAX && !inl[lv].set)
                inl[lv] = h;
            continue;
        }
        if (found || !parse_hex(t, &a) || !tok_hex(&s, &sz) || !bp_next_token(&s, &t) ||
            !parse_dec(t, &ln) || !bp_next_token(&s, &t) || !parse_dec(t, &fn) ||
            bp_next_token(&s, &t))
            continue; /* garbage */
        if (rva >= a && rva < span_end(a, sz)) {
            *addr = a;
            *line = ln;
            *filenum = fn;
            found = true;
        }
    }
    return found;
}

static bool find_line(const ds_bpsym *b, const bp_func *f, uint64_t rva, uint64_t *addr,
                      uint64_t *line, uint64_t *filenum)
{
    return scan_func(b, f, rva, addr, line, filenum, NULL);
}

static const bp_file *find_numbered(const bp_file *v, size_t n, uint64_t num)
{
    size_t i = last_at_or_below(v, n, sizeof *v, num);
    return i != BP_NONE && v[i].num == num ? &v[i] : NULL;
}

static const bp_file *find_file(const ds_bpsym *b, uint64_t num)
{
    return find_numbered(b->files, b->nfiles, num);
}

bool ds_bpsym_lookup(ds_bpsym *b, uint64_t rva, ds_bpsym_func *out)
{
    memset(out, 0, sizeof *out);
    const bp_func *f = find_func(b, rva);
    if (f) {
        copy_field(out->name, sizeof out->name, bp_text(b, f->name_off, f->name_len));
        out->address = f->s.start;
        out->size = f->s.end - f->s.start;
        out->is_function = true;
        uint64_t la, ln, fn;
        if (find_line(b, f, rva, &la, &ln, &fn)) {
            out->line = ln > UINT32_MAX ? UINT32_MAX : (uint32_t)ln;
            const bp_file *file = find_file(b, fn);
            if (file)
                copy_field(out->file, sizeof out->file,
                           bp_text(b, file->name_off, file->name_len));
        }
        return true;
    }
    const bp_public *p = find_public(b, rva);
    if (!p)
        return false;
    copy_field(out->name, sizeof out->name, bp_text(b, p->name_off, p->name_len));
    out->address = p->addr;
    return true;
}

bool ds_bpsym_line_address(ds_bpsym *b, uint64_t rva, uint64_t *line_address)
{
    const bp_func *f = find_func(b, rva);
    uint64_t ln, fn;
    return f && find_line(b, f, rva, line_address, &ln, &fn);
}

bool ds_bpsym_param_size(ds_bpsym *b, uint64_t rva, uint32_t *size)
{
    const bp_win *w = bp_find_win(b, rva);
    if (w) {
        *size = w->param;
        return true;
    }
    const bp_func *f = find_func(b, rva);
    if (f) {
        *size = f->param;
        return true;
    }
    const bp_public *p = find_public(b, rva);
    if (p) {
        *size = p->param;
        return true;
    }
    return false;
}

bool ds_bpsym_source(ds_bpsym *b, uint64_t rva, ds_srcloc *out)
{
    out->n = 0;
    const bp_func *f = find_func(b, rva);
    if (!f)
        return false;
    bp_inline_hit hit[DS_SRCLOC_MAX];
    memset(hit, 0, sizeof hit);
    uint64_t la, ln = 0, fn = 0;
    bool have_line = scan_func(b, f, rva, &la, &ln, &fn, hit);
    ds_srcinline inl[DS_SRCLOC_MAX];
    size_t depth = 0; /* levels 0 .. depth-1 all cover rva */
    for (; depth < DS_SRCLOC_MAX && hit[depth].set; depth++) {
        const bp_file *o = find_numbered(b->origins, b->norigins, hit[depth].origin);
        const bp_file *cf = find_file(b, hit[depth].call_file);
        inl[depth] = (ds_srcinline){o ? b->text + o->name_off : NULL, o ? o->name_len : 0,
                                    cf ? b->text + cf->name_off : NULL,
                                    cf ? cf->name_len : 0, hit[depth].call_line};
    }
    if (!have_line && depth == 0)
        return false;
    const bp_file *file = have_line ? find_file(b, fn) : NULL;
    ds_srcloc_build(out, inl, depth, file ? b->text + file->name_off : NULL,
                    file ? file->name_len : 0, ln);
    return true;
}
