/*
 * bugcodes_gen: turns the bug-check knowledge base (the bugcodes/ .txt files) into a C
 * table for libdumpscan. Run by the build (see CMakeLists.txt):
 *
 *     bugcodes_gen [-o bugcodes_table.c] FILE...
 *
 * Without -o it only validates. Any error (malformed line, unknown field,
 * role or class, duplicate code, overlapping sub-cases, ...) is reported as
 * "file:line: error: ..." and makes the program exit 1 without writing the
 * output, so bad data fails the build. The format is described in
 * bugcodes/README.md.
 */
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/bugcodes_vocab.h"

#define MAX_TEXT 1000
#define MAX_ERRORS 50

typedef struct {
    const char *name, *ident;
} vocab;

static const vocab roles[] = {
#define X(id, str) {str, "DS_ROLE_" #id},
    DS_PARAM_ROLE_LIST(X)
#undef X
};
static const vocab classes[] = {
#define X(id, str) {str, "DS_CLASS_" #id},
    DS_CRASH_CLASS_LIST(X)
#undef X
};
#define NROLES (sizeof roles / sizeof roles[0])

/* live: the code marks a live dump (the system kept running), always or
 * only sometimes (the same code is also a real bug check). */
static const struct {
    const char *word, *ident;
} lives[] = {{"always", "DS_LIVE_ALWAYS"}, {"sometimes", "DS_LIVE_SOMETIMES"}};
#define NLIVES ((int)(sizeof lives / sizeof lives[0]))
#define NCLASSES (sizeof classes / sizeof classes[0])

typedef struct {
    bool set;
    int role;
    char *meaning; /* may be NULL */
} param;

typedef struct {
    int param; /* 0..3 */
    uint64_t lo, hi;
    int group;       /* index of the case: line this range came from */
    char *summary;   /* owned by the first range of the group */
    int cls;         /* -1: inherit */
    param p[4];      /* .set false: inherit; strings owned by the group's first range */
    const char *file;
    int line;
} kase;

typedef struct {
    uint32_t code;
    char *name, *summary;
    int cls;
    int live; /* -1 unset, else an index into lives[] */
    param p[4];
    kase *cases;
    size_t ncases, capcases;
    int ngroups;
    bool had_case; /* a case: line was seen, even a bad one */
    const char *file;
    int line;
} record;

static record *recs;
static size_t nrecs, caprecs;
static int nerrors;

static void error_at(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void error_at(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s:%d: error: ", file, line);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    if (++nerrors == MAX_ERRORS) {
        fprintf(stderr, "bugcodes_gen: too many errors, giving up\n");
        exit(1);
    }
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (!q) {
        fprintf(stderr, "bugcodes_gen: out of memory\n");
        exit(1);
    }
    return q;
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xrealloc(NULL, n), s, n);
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = 0;
    return s;
}

static int find_vocab(const vocab *v, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* Unsigned number: 0x-prefixed hex or decimal, the whole string. */
static bool parse_u64(const char *s, uint64_t *out)
{
    if (!*s || *s == '-' || *s == '+' || *s == ' ')
        return false;
    int base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
        if (!*s)
            return false;
    }
    for (const char *t = s; *t; t++) {
        bool ok = base == 16 ? ((*t >= '0' && *t <= '9') || (*t >= 'a' && *t <= 'f') ||
                                (*t >= 'A' && *t <= 'F'))
                             : (*t >= '0' && *t <= '9');
        if (!ok)
            return false;
    }
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, base);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

static bool check_text(const char *file, int line, const char *what, const char *s)
{
    if (!*s) {
        error_at(file, line, "empty %s", what);
        return false;
    }
    if (strlen(s) > MAX_TEXT) {
        error_at(file, line, "%s longer than %d characters", what, MAX_TEXT);
        return false;
    }
    for (const unsigned char *t = (const unsigned char *)s; *t; t++)
        if (*t < 0x20 || *t > 0x7E) {
            error_at(file, line, "%s contains a non-printable or non-ASCII byte 0x%02X", what,
                     *t);
            return false;
        }
    return true;
}

static bool parse_class(const char *file, int line, const char *v, int *out)
{
    int c = find_vocab(classes, NCLASSES, v);
    if (c < 0) {
        error_at(file, line, "unknown class \"%s\" (see bugcodes/README.md)", v);
        return false;
    }
    *out = c;
    return true;
}

/* "role" or "role | meaning" */
static bool parse_param(const char *file, int line, char *v, param *out)
{
    char *bar = strchr(v, '|');
    char *meaning = NULL;
    if (bar) {
        *bar = 0;
        meaning = trim(bar + 1);
        if (!check_text(file, line, "parameter meaning", meaning))
            return false;
    }
    char *role = trim(v);
    int r = find_vocab(roles, NROLES, role);
    if (r < 0) {
        error_at(file, line, "unknown parameter role \"%s\" (see bugcodes/README.md)", role);
        return false;
    }
    out->set = true;
    out->role = r;
    out->meaning = meaning ? xstrdup(meaning) : NULL;
    return true;
}

static void free_param(param *p)
{
    free(p->meaning);
    p->meaning = NULL;
}

static int param_index(const char *key)
{
    if (key[0] == 'p' && key[1] >= '1' && key[1] <= '4' && key[2] == 0)
        return key[1] - '1';
    return -1;
}

/* "pN=V[,V|LO..HI]... | summary": appends one kase per range. */
static kase *parse_case(const char *file, int line, record *r, char *v)
{
    char *bar = strchr(v, '|');
    if (!bar) {
        error_at(file, line, "case: needs \"pN=VALUE | summary\"");
        return NULL;
    }
    *bar = 0;
    char *summary = trim(bar + 1);
    char *key = trim(v);
    if (!check_text(file, line, "case summary", summary))
        return NULL;
    if (key[0] != 'p' || key[1] < '1' || key[1] > '4' || key[2] != '=') {
        error_at(file, line, "case key must look like p1=0x3 (got \"%s\")", key);
        return NULL;
    }
    int pi = key[1] - '1';
    char *list = key + 3;
    size_t first = r->ncases;
    int group = r->ngroups++;
    char *save = NULL;
    for (char *item = strtok_r(list, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        item = trim(item);
        uint64_t lo, hi;
        char *dots = strstr(item, "..");
        if (dots) {
            *dots = 0;
            if (!parse_u64(trim(item), &lo) || !parse_u64(trim(dots + 2), &hi) || lo > hi) {
                error_at(file, line, "bad case range in \"%s\"", key);
                goto fail;
            }
        } else {
            if (!parse_u64(item, &lo)) {
                error_at(file, line, "bad case value \"%s\"", item);
                goto fail;
            }
            hi = lo;
        }
        for (size_t i = 0; i < r->ncases; i++) {
            const kase *o = &r->cases[i];
            if (o->param == pi && lo <= o->hi && o->lo <= hi) {
                error_at(file, line, "case overlaps the case at line %d", o->line);
                goto fail;
            }
        }
        if (r->ncases == r->capcases) {
            r->capcases = r->capcases ? r->capcases * 2 : 8;
            r->cases = xrealloc(r->cases, r->capcases * sizeof *r->cases);
        }
        kase *k = &r->cases[r->ncases++];
        memset(k, 0, sizeof *k);
        k->param = pi;
        k->lo = lo;
        k->hi = hi;
        k->group = group;
        k->cls = -1;
        k->file = file;
        k->line = line;
    }
    if (r->ncases == first) {
        error_at(file, line, "case has no values");
        return NULL;
    }
    r->cases[first].summary = xstrdup(summary);
    return &r->cases[first];
fail:
    r->ncases = first;
    return NULL;
}

static void finish_record(record *r)
{
    if (!r)
        return;
    if (!r->name)
        error_at(r->file, r->line, "code 0x%08" PRIX32 " has no name:", r->code);
    if (r->cls < 0)
        error_at(r->file, r->line, "code 0x%08" PRIX32 " has no class:", r->code);
}

static void parse_file(const char *file)
{
    FILE *f = fopen(file, "r");
    if (!f) {
        fprintf(stderr, "%s: error: cannot open: %s\n", file, strerror(errno));
        nerrors++;
        return;
    }
    char *buf = NULL;
    size_t cap = 0;
    ssize_t len;
    int line = 0;
    record *cur = NULL;
    kase *curcase = NULL; /* first range of the open case group */
    size_t curcase_idx = 0;
    bool badcase = false; /* the open case: line was rejected; skip its body */
    bool badcode = false; /* the open code: line was rejected; skip its record */

    while ((len = getline(&buf, &cap, f)) >= 0) {
        line++;
        if (memchr(buf, 0, (size_t)len)) {
            error_at(file, line, "NUL byte in line");
            continue;
        }
        while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
            buf[--len] = 0;
        bool indented = buf[0] == ' ' || buf[0] == '\t';
        char *s = trim(buf);
        if (!*s || *s == '#')
            continue;
        char *colon = strchr(s, ':');
        char *k = s;
        size_t klen = colon ? (size_t)(colon - s) : 0;
        bool keyok = colon && klen > 0;
        for (size_t i = 0; keyok && i < klen; i++)
            if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= '0' && k[i] <= '9')))
                keyok = false;
        if (!keyok) {
            error_at(file, line, "expected \"key: value\"");
            continue;
        }
        *colon = 0;
        char *v = trim(colon + 1);
        int pi = param_index(k);
        if (badcode && strcmp(k, "code") != 0)
            continue;

        if (indented) {
            if (badcase)
                continue;
            if (!curcase) {
                error_at(file, line, "indented line outside a case: block");
                continue;
            }
            curcase = &cur->cases[curcase_idx]; /* cases may have moved */
            if (strcmp(k, "class") == 0) {
                if (curcase->cls >= 0)
                    error_at(file, line, "duplicate class: in case");
                else
                    parse_class(file, line, v, &curcase->cls);
            } else if (pi >= 0) {
                if (curcase->p[pi].set)
                    error_at(file, line, "duplicate %s: in case", k);
                else
                    parse_param(file, line, v, &curcase->p[pi]);
            } else {
                error_at(file, line, "\"%s:\" is not allowed in a case (class:, p1:..p4: are)",
                         k);
            }
            continue;
        }

        if (strcmp(k, "code") == 0) {
            finish_record(cur);
            curcase = NULL;
            badcase = false;
            badcode = false;
            uint64_t c;
            if (!parse_u64(v, &c) || c > 0xFFFFFFFFu) {
                error_at(file, line, "bad code \"%s\" (want a 32-bit number, e.g. 0x0000000A)",
                         v);
                cur = NULL;
                badcode = true;
                continue;
            }
            if (nrecs == caprecs) {
                caprecs = caprecs ? caprecs * 2 : 512;
                recs = xrealloc(recs, caprecs * sizeof *recs);
            }
            cur = &recs[nrecs++];
            memset(cur, 0, sizeof *cur);
            cur->code = (uint32_t)c;
            cur->cls = -1;
            cur->live = -1;
            cur->file = file;
            cur->line = line;
            continue;
        }
        if (!cur) {
            error_at(file, line, "\"%s:\" outside a record (a record starts with code:)", k);
            continue;
        }
        if (strcmp(k, "case") == 0) {
            size_t before = cur->ncases;
            cur->had_case = true;
            curcase = parse_case(file, line, cur, v);
            curcase_idx = before;
            badcase = curcase == NULL;
            continue;
        }
        if (cur->had_case) {
            error_at(file, line, "\"%s:\" after a case: (record fields come first; indent "
                                 "case fields)", k);
            continue;
        }
        if (strcmp(k, "name") == 0) {
            if (cur->name) {
                error_at(file, line, "duplicate name:");
                continue;
            }
            bool ok = *v != 0 && strlen(v) <= 100;
            for (const char *t = v; *t; t++)
                if (!((*t >= 'A' && *t <= 'Z') || (*t >= '0' && *t <= '9') || *t == '_'))
                    ok = false;
            if (!ok) {
                error_at(file, line, "bad name \"%s\" (want A-Z, 0-9 and _)", v);
                continue;
            }
            cur->name = xstrdup(v);
        } else if (strcmp(k, "class") == 0) {
            if (cur->cls >= 0)
                error_at(file, line, "duplicate class:");
            else
                parse_class(file, line, v, &cur->cls);
        } else if (strcmp(k, "live") == 0) {
            int l = -1;
            for (int j = 0; j < NLIVES; j++)
                if (strcmp(v, lives[j].word) == 0)
                    l = j;
            if (cur->live >= 0)
                error_at(file, line, "duplicate live:");
            else if (l < 0)
                error_at(file, line, "bad live: \"%s\" (want always or sometimes)", v);
            else
                cur->live = l;
        } else if (strcmp(k, "summary") == 0) {
            if (cur->summary)
                error_at(file, line, "duplicate summary:");
            else if (check_text(file, line, "summary", v))
                cur->summary = xstrdup(v);
        } else if (pi >= 0) {
            if (cur->p[pi].set)
                error_at(file, line, "duplicate %s:", k);
            else
                parse_param(file, line, v, &cur->p[pi]);
        } else {
            error_at(file, line, "unknown field \"%s:\"", k);
        }
    }
    finish_record(cur);
    free(buf);
    fclose(f);
}

/* ------------------------------------------------------------------ output */

static void put_str(FILE *o, const char *s)
{
    if (!s) {
        fputs("NULL", o);
        return;
    }
    fputc('"', o);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fprintf(o, "\\%c", *s);
        else if (*s == '?')
            fputs("\\?", o); /* no trigraphs */
        else
            fputc(*s, o);
    }
    fputc('"', o);
}

static void put_params(FILE *o, const param *p, const param *base)
{
    fputs("{", o);
    for (int i = 0; i < 4; i++) {
        const param *q = p[i].set ? &p[i] : base ? &base[i] : &p[i];
        fprintf(o, "%s{%s, ", i ? ", " : "", roles[q->set ? q->role : 0].ident);
        put_str(o, q->set ? q->meaning : NULL);
        fputs("}", o);
    }
    fputs("}", o);
}

static int cmp_rec(const void *a, const void *b)
{
    uint32_t x = ((const record *)a)->code, y = ((const record *)b)->code;
    if (x != y)
        return x < y ? -1 : 1;
    /* keep file order for duplicates so the report names the first one */
    const record *ra = a, *rb = b;
    int c = strcmp(ra->file, rb->file);
    return c ? c : (ra->line > rb->line) - (ra->line < rb->line);
}

static int write_output(const char *out)
{
    size_t n = strlen(out) + 8;
    char *tmp = xrealloc(NULL, n);
    snprintf(tmp, n, "%s.tmp", out);
    FILE *o = fopen(tmp, "w");
    if (!o) {
        fprintf(stderr, "%s: error: cannot create: %s\n", tmp, strerror(errno));
        free(tmp);
        return 1;
    }
    fputs("/* Generated by tools/bugcodes_gen from the bugcodes/ .txt files: do not edit.\n"
          " * Derived from Microsoft's bug check code reference\n"
          " * (https://learn.microsoft.com/windows-hardware/drivers/debugger/"
          "bug-check-code-reference2),\n"
          " * licensed CC BY 4.0; descriptions rewritten. */\n"
          "#include \"analysis/bugcodes.h\"\n\n",
          o);
    for (size_t i = 0; i < nrecs; i++) {
        const record *r = &recs[i];
        if (!r->ncases)
            continue;
        fprintf(o, "static const ds_bugcode_case cases_%08" PRIX32 "[] = {\n", r->code);
        for (size_t j = 0; j < r->ncases; j++) {
            const kase *k = &r->cases[j];
            const kase *g = k; /* group head holds the strings and overrides */
            while (g > r->cases && (g - 1)->group == k->group)
                g--;
            fprintf(o, "    {%d, 0x%" PRIX64 "u, 0x%" PRIX64 "u, ", k->param, k->lo, k->hi);
            put_str(o, g->summary);
            fprintf(o, ", %s, ", classes[g->cls >= 0 ? g->cls : r->cls].ident);
            put_params(o, g->p, r->p);
            fputs("},\n", o);
        }
        fputs("};\n", o);
    }
    fputs("\nconst ds_bugcode ds_bugcode_table[] = {\n", o);
    for (size_t i = 0; i < nrecs; i++) {
        const record *r = &recs[i];
        fprintf(o, "    {0x%08" PRIX32 "u, ", r->code);
        put_str(o, r->name);
        fprintf(o, ", %s,\n     ", classes[r->cls].ident);
        put_str(o, r->summary);
        fputs(",\n     ", o);
        put_params(o, r->p, NULL);
        if (r->ncases)
            fprintf(o, ",\n     cases_%08" PRIX32 ", %zu, ", r->code, r->ncases);
        else
            fputs(",\n     NULL, 0, ", o);
        fprintf(o, "%s},\n", r->live >= 0 ? lives[r->live].ident : "DS_LIVE_NO");
    }
    fprintf(o, "};\n\nconst size_t ds_bugcode_table_len = %zu;\n", nrecs);
    if (ferror(o) | fclose(o)) {
        fprintf(stderr, "%s: error: write failed\n", tmp);
        remove(tmp);
        free(tmp);
        return 1;
    }
    if (rename(tmp, out) != 0) {
        fprintf(stderr, "%s: error: cannot rename to %s: %s\n", tmp, out, strerror(errno));
        remove(tmp);
        free(tmp);
        return 1;
    }
    free(tmp);
    return 0;
}

static void free_all(void)
{
    for (size_t i = 0; i < nrecs; i++) {
        record *r = &recs[i];
        free(r->name);
        free(r->summary);
        for (int j = 0; j < 4; j++)
            free_param(&r->p[j]);
        for (size_t j = 0; j < r->ncases; j++) {
            free(r->cases[j].summary);
            for (int q = 0; q < 4; q++)
                free_param(&r->cases[j].p[q]);
        }
        free(r->cases);
    }
    free(recs);
}

int main(int argc, char **argv)
{
    const char *out = NULL;
    int nfiles = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
            out = argv[++i];
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "usage: bugcodes_gen [-o OUTPUT.c] FILE...\n");
            return 2;
        } else {
            parse_file(argv[i]);
            nfiles++;
        }
    }
    if (!nfiles) {
        fprintf(stderr, "usage: bugcodes_gen [-o OUTPUT.c] FILE...\n");
        return 2;
    }
    if (nrecs)
        qsort(recs, nrecs, sizeof *recs, cmp_rec);
    for (size_t i = 1; i < nrecs; i++)
        if (recs[i].code == recs[i - 1].code)
            error_at(recs[i].file, recs[i].line,
                     "duplicate code 0x%08" PRIX32 " (first at %s:%d)", recs[i].code,
                     recs[i - 1].file, recs[i - 1].line);
    if (!nerrors && !nrecs) {
        fprintf(stderr, "bugcodes_gen: error: no records\n");
        nerrors++;
    }
    int rc = 0;
    if (nerrors) {
        fprintf(stderr, "bugcodes_gen: %d error(s); nothing written\n", nerrors);
        rc = 1;
    } else if (out) {
        rc = write_output(out);
    }
    free_all();
    return rc;
}
