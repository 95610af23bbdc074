/*
 * Row records: every field of a ds_row as one flat JSON object, and back.
 * The crash database stores a dump's row this way, so a dump read from the
 * database renders exactly as when it was analyzed. The fields are a table
 * (name, type, where in the struct); a field added to ds_row is one line here.
 * Reading is strict about types and lenient about absence: a missing field
 * keeps its zero value, so records written before a field existed still load.
 * Strings are written in the path escape of dumpscan-json(5), PATHS (any
 * bytes, including a file name that is not UTF-8, become valid JSON text);
 * such records carry "pct":true, and records without it (written before) hold
 * their strings literally.
 */
#include <errno.h>
#include <jansson.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/source.h"
#include "model/model.h"
#include "report/jsonval.h"
#include "report/rowrec.h"
#include "report/safetext.h"

/* F_OPT32 / F_OPT64: a ds_u64 (of 32-bit range / written in hex), written
 * only when known (as a string is only when not NULL and a bool only when
 * true). */
typedef enum { F_STR, F_BOOL, F_U32, F_U64, F_I64, F_INT, F_OPT32, F_OPT64 } ftype;

typedef struct field {
    const char *name;
    ftype type;
    size_t off;
} field;

#define FLD(name, type) {#name, type, offsetof(ds_row, name)}
#define FLDN(key, type, member) {key, type, offsetof(ds_row, member)}

static const field fields[] = {
    FLD(path, F_STR), FLD(failed, F_BOOL), FLD(error, F_STR), FLD(file_size, F_OPT64),
    FLDN("has_mtime", F_BOOL, mtime.known), FLDN("mtime", F_I64, mtime.value),
    FLD(format, F_INT), FLD(dump_type, F_OPT32), FLD(arch, F_INT), FLD(cpus, F_OPT32),
    FLD(os_major, F_OPT32), FLD(os_minor, F_OPT32), FLD(os_build, F_OPT32),
    FLD(kernel_major, F_OPT32), FLD(kernel_minor, F_OPT32),
    FLDN("crash_time_known", F_BOOL, crash_time.known),
    FLDN("crash_time", F_U64, crash_time.value), FLD(compressed, F_BOOL),
    FLD(damaged, F_BOOL), FLD(has_code, F_BOOL), FLD(code_is_exception, F_BOOL),
    FLD(code, F_U32), FLDN("p1", F_U64, params[0]), FLDN("p2", F_U64, params[1]),
    FLDN("p3", F_U64, params[2]), FLDN("p4", F_U64, params[3]), FLD(has_verdict, F_BOOL),
    FLD(title, F_STR), FLD(has_pc, F_BOOL), FLD(pc, F_U64), FLD(pc_module, F_STR),
    FLD(pc_offset, F_OPT64), FLD(has_suspect, F_BOOL), FLD(suspect_module, F_STR), FLD(suspect_function, F_STR),
    FLD(suspect_function_offset, F_U64), FLDN("has_suspect_offset", F_BOOL, suspect_offset.known),
    FLDN("suspect_offset", F_U64, suspect_offset.value), FLD(file_version, F_STR), FLD(product_name, F_STR),
    FLD(company_name, F_STR), FLD(file_description, F_STR),
    FLDN("stack_module1", F_STR, stack_module[0]), FLDN("stack_module2", F_STR, stack_module[1]),
    FLDN("stack_module3", F_STR, stack_module[2]),
    FLDN("stack_offset1", F_OPT64, stack_offset[0]),
    FLDN("stack_offset2", F_OPT64, stack_offset[1]),
    FLDN("stack_offset3", F_OPT64, stack_offset[2]), FLD(confidence, F_INT),
    FLD(crash_class, F_STR), FLD(bucket, F_STR), FLD(in_cab, F_STR),
};

enum { NFIELDS = sizeof fields / sizeof fields[0] };

/* Marks a record whose strings are path-escaped (ds_json_path). */
#define PCT_KEY "pct"

static bool hex_text(const char *s, uint64_t *v);

static bool u64_from(json_t *j, uint64_t *v)
{
    return hex_text(json_string_value(j), v);
}

char *ds_row_record(const ds_row *r)
{
    json_t *o = json_object();
    if (!o || json_object_set_new(o, PCT_KEY, json_true()) != 0) {
        json_decref(o);
        return NULL;
    }
    for (size_t i = 0; i < NFIELDS; i++) {
        const field *f = &fields[i];
        const char *p = (const char *)r + f->off;
        json_t *v = NULL;
        switch (f->type) {
        case F_STR: {
            const char *s = *(char *const *)p;
            if (!s)
                continue; /* absent is NULL */
            v = ds_json_path(s);
            break;
        }
        case F_BOOL:
            if (!*(const bool *)p)
                continue;
            v = json_true();
            break;
        case F_U32: v = json_integer(*(const uint32_t *)p); break;
        case F_INT: v = json_integer(*(const int *)p); break;
        case F_I64: v = json_integer((json_int_t) * (const int64_t *)p); break;
        case F_U64: v = ds_json_hex(*(const uint64_t *)p); break;
        case F_OPT32:
        case F_OPT64: {
            const ds_u64 *u = (const ds_u64 *)p;
            if (!u->known)
                continue;
            v = f->type == F_OPT32 ? json_integer((json_int_t)u->value) : ds_json_hex(u->value);
            break;
        }
        }
        if (!v || json_object_set_new(o, f->name, v) != 0) {
            json_decref(o);
            return NULL;
        }
    }
    char *out = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return out;
}

/* Reading a record: a flat JSON object of strings, integers and booleans, by
 * a small parser of its own, since a re-run over a folder reads every row back
 * and a general JSON library spent most of that time building trees. Anything
 * else (nesting, bad escapes, NUL) fails the record. */
typedef struct cursor {
    const char *p;
} cursor;

static void skip_ws(cursor *c)
{
    while (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')
        c->p++;
}

static int hex4(const char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char ch = p[i];
        int d = ch >= '0' && ch <= '9'   ? ch - '0'
                : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                         : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* A JSON string at c->p (after skip_ws) into a new C string; NULL if bad. */
static char *json_text(cursor *c)
{
    if (*c->p != '"')
        return NULL;
    const char *s = ++c->p;
    size_t n = 0;
    while (s[n] && s[n] != '"')
        n += s[n] == '\\' && s[n + 1] ? 2 : 1;
    if (s[n] != '"')
        return NULL;
    char *out = malloc(n + 1), *o = out; /* escapes never grow the text */
    if (!out)
        return NULL;
    for (const char *p = s; p < s + n;) {
        if (*p != '\\') {
            if ((unsigned char)*p < 0x20)
                goto bad;
            *o++ = *p++;
            continue;
        }
        char e = p[1];
        p += 2;
        static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
        const char *k = e ? strchr(from, e) : NULL;
        if (k) {
            *o++ = to[k - from];
            continue;
        }
        if (e != 'u' || p + 4 > s + n)
            goto bad;
        long cp = hex4(p);
        p += 4;
        if (cp >= 0xD800 && cp < 0xDC00) { /* a surrogate pair */
            int lo = p + 6 <= s + n && p[0] == '\\' && p[1] == 'u' ? hex4(p + 2) : -1;
            if (lo < 0xDC00 || lo > 0xDFFF)
                goto bad;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            p += 6;
        } else if (cp <= 0 || (cp >= 0xDC00 && cp <= 0xDFFF)) {
            goto bad; /* \u0000 cannot live in a C string; a lone low surrogate */
        }
        if (cp < 0x80) {
            *o++ = (char)cp;
        } else if (cp < 0x800) {
            *o++ = (char)(0xC0 | cp >> 6);
            *o++ = (char)(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            *o++ = (char)(0xE0 | cp >> 12);
            *o++ = (char)(0x80 | (cp >> 6 & 0x3F));
            *o++ = (char)(0x80 | (cp & 0x3F));
        } else {
            *o++ = (char)(0xF0 | cp >> 18);
            *o++ = (char)(0x80 | (cp >> 12 & 0x3F));
            *o++ = (char)(0x80 | (cp >> 6 & 0x3F));
            *o++ = (char)(0x80 | (cp & 0x3F));
        }
    }
    *o = '\0';
    c->p = s + n + 1;
    return out;
bad:
    free(out);
    return NULL;
}

/* "0x..." (at most 16 digits) -> value. */
static bool hex_text(const char *s, uint64_t *v)
{
    if (!s || s[0] != '0' || s[1] != 'x' || !s[2] || strlen(s + 2) > 16)
        return false;
    char *end;
    unsigned long long x = strtoull(s + 2, &end, 16);
    if (*end)
        return false;
    *v = x;
    return true;
}

/* One value for field f (NULL: a key this version does not know: skipped). */
static bool record_value(cursor *c, const field *f, ds_row *r)
{
    char *p = f ? (char *)r + f->off : NULL;
    if (*c->p == '"') {
        char *t = json_text(c);
        if (!t)
            return false;
        bool ok = true;
        if (f && f->type == F_STR) {
            free(*(char **)p);
            *(char **)p = t;
            return true;
        }
        if (f && f->type == F_OPT64) {
            ok = hex_text(t, &((ds_u64 *)p)->value);
            ((ds_u64 *)p)->known = ok;
        } else if (f) {
            ok = f->type == F_U64 && hex_text(t, (uint64_t *)p);
        }
        free(t);
        return ok;
    }
    if (strncmp(c->p, "true", 4) == 0 || strncmp(c->p, "false", 5) == 0) {
        bool v = *c->p == 't';
        c->p += v ? 4 : 5;
        if (f && f->type != F_BOOL)
            return false;
        if (f)
            *(bool *)p = v;
        return true;
    }
    if (strncmp(c->p, "null", 4) == 0) {
        c->p += 4;
        return !f || f->type == F_STR; /* a string's absence */
    }
    if (*c->p != '-' && (*c->p < '0' || *c->p > '9'))
        return false;
    char *end;
    errno = 0;
    long long v = strtoll(c->p, &end, 10);
    if (errno || *end == '.' || *end == 'e' || *end == 'E')
        return false;
    c->p = end;
    if (!f)
        return true;
    switch (f->type) {
    case F_U32:
    case F_OPT32:
        if (v < 0 || v > 0xFFFFFFFFll)
            return false;
        if (f->type == F_U32)
            *(uint32_t *)p = (uint32_t)v;
        else
            *(ds_u64 *)p = ds_known((uint64_t)v);
        return true;
    case F_INT:
        if (v < 0 || v >= 1000)
            return false;
        *(int *)p = (int)v;
        return true;
    case F_I64: *(int64_t *)p = v; return true;
    default: return false;
    }
}

ds_row *ds_row_from_record(const char *text)
{
    ds_row *r = calloc(1, sizeof *r);
    if (!r || !text)
        goto bad;
    cursor c = {text};
    skip_ws(&c);
    if (*c.p++ != '{')
        goto bad;
    skip_ws(&c);
    bool pct = false;
    if (*c.p == '}') {
        c.p++;
    } else {
        for (;;) {
            char *key = json_text(&c);
            if (!key)
                goto bad;
            const field *f = NULL;
            for (size_t i = 0; i < NFIELDS && !f; i++)
                if (strcmp(fields[i].name, key) == 0)
                    f = &fields[i];
            bool is_pct = strcmp(key, PCT_KEY) == 0;
            free(key);
            skip_ws(&c);
            if (*c.p++ != ':')
                goto bad;
            skip_ws(&c);
            if (is_pct && strncmp(c.p, "true", 4) == 0)
                pct = true;
            if (!record_value(&c, f, r))
                goto bad;
            skip_ws(&c);
            if (*c.p == ',') {
                c.p++;
                skip_ws(&c);
                continue;
            }
            if (*c.p++ != '}')
                goto bad;
            break;
        }
    }
    skip_ws(&c);
    if (*c.p)
        goto bad;
    for (size_t i = 0; pct && i < NFIELDS; i++) {
        char **slot = (char **)((char *)r + fields[i].off);
        if (fields[i].type != F_STR || !*slot)
            continue;
        char *raw = ds_json_path_decode(*slot);
        if (!raw)
            goto bad;
        free(*slot);
        *slot = raw;
    }
    if (!r->path && !(r->path = ds_strdup("")))
        goto bad;
    /* enums from outside: anything unknown reads as unknown */
    if ((unsigned)r->format > DS_FORMAT_MINIDUMP)
        r->format = DS_FORMAT_UNKNOWN;
    if ((unsigned)r->arch > DS_ARCH_ARM)
        r->arch = DS_ARCH_UNKNOWN;
    if ((unsigned)r->confidence > DS_CONFIDENCE_HIGH)
        r->confidence = DS_CONFIDENCE_NONE;
    r->has_suspect = r->has_suspect || r->suspect_module; /* records before the flag */
    r->dump_kind = r->failed || r->format == DS_FORMAT_UNKNOWN ? "unknown"
                   : r->format == DS_FORMAT_MINIDUMP          ? "minidump"
                                       : ds_dump_type_name((uint32_t)r->dump_type.value);
    return r;
bad:
    ds_row_free(r);
    return NULL;
}

/* ------------------------------------------- rows from JSONL batch lines */

static const char *jstr(json_t *o, const char *a, const char *b)
{
    json_t *v = json_object_get(o, a);
    if (b)
        v = json_object_get(v, b);
    return json_string_value(v);
}

static bool jhex(json_t *v, uint64_t *out)
{
    return u64_from(v, out);
}

static bool dup_field(char **slot, const char *s)
{
    return !s || (*slot = ds_strdup(s)) != NULL;
}

/* A path (or error text) as JSON writes it: percent-escaped (ds_json_path). */
static bool dup_path(char **slot, const char *s)
{
    return !s || (*slot = ds_json_path_decode(s)) != NULL;
}

/* "2024-03-15T12:00:00Z" -> Unix seconds */
static bool iso_unix(const char *s, int64_t *out)
{
    struct tm tm = {0};
    char z = 0;
    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                     &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &z) != 7 || z != 'Z')
        return false;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t t = timegm(&tm);
    if (t < 0)
        return false;
    *out = (int64_t)t;
    return true;
}

static int name_index(const char *s, const char *const *names, int n)
{
    for (int i = 0; s && i < n; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return 0;
}

/* A row from a --json report (what batch JSONL holds for a dump). */
static bool row_offsets(ds_row *r, json_t *o);

static bool row_from_report(ds_row *r, json_t *o)
{
    static const char *const formats[] = {"unknown", "kernel32", "kernel64", "minidump"};
    static const char *const confs[] = {"none", "low", "medium", "high"};
    json_t *file = json_object_get(o, "file"), *dump = json_object_get(o, "dump");
    json_t *verdict = json_object_get(o, "verdict"), *ctx = json_object_get(o, "context");
    if (!json_is_object(file) || !json_is_object(dump))
        return false;
    if (!dup_path(&r->path, jstr(file, "path", NULL)) ||
        !dup_path(&r->in_cab, jstr(file, "in_cab", NULL)))
        return false;
    r->compressed = json_is_true(json_object_get(file, "compressed"));
    /* a report's size is of the bytes read: the file's own only when they
     * were not inflated (a gzip file or a cabinet member's is unknown) */
    json_t *size = json_object_get(file, "size");
    if (!r->compressed && json_is_integer(size) && json_integer_value(size) >= 0)
        r->file_size = ds_known((uint64_t)json_integer_value(size));
    r->format = (ds_format)name_index(jstr(dump, "format", NULL), formats, 4);
    json_int_t type = json_integer_value(json_object_get(dump, "type"));
    if (type > 0 && type <= 0xFFFFFFFF) /* 0: a minidump's (no kernel DumpType) */
        r->dump_type = ds_known((uint64_t)type);
    for (int a = 0; a <= DS_ARCH_ARM; a++)
        if (jstr(dump, "arch", NULL) && strcmp(jstr(dump, "arch", NULL), ds_arch_name(a)) == 0)
            r->arch = (ds_arch)a;
    json_t *cpus = json_object_get(dump, "cpus");
    if (json_is_integer(cpus) && json_integer_value(cpus) > 0 &&
        json_integer_value(cpus) <= 0xFFFFFFFF)
        r->cpus = ds_known((uint64_t)json_integer_value(cpus));
    const char *ver = jstr(o, "os", "version");
    unsigned major, minor;
    if (ver && sscanf(ver, "%u.%u", &major, &minor) == 2) {
        r->os_major = ds_known(major);
        r->os_minor = ds_known(minor);
    }
    json_t *build = json_object_get(json_object_get(o, "os"), "build");
    if (json_is_integer(build) && json_integer_value(build) > 0 &&
        json_integer_value(build) <= 0xFFFFFFFF)
        r->os_build = ds_known((uint64_t)json_integer_value(build));
    /* kernel dumps: the header's MajorVersion, and its MinorVersion, which is
     * the build */
    json_t *kernel = json_object_get(o, "kernel");
    uint64_t kmajor;
    if (json_is_object(kernel) && jhex(json_object_get(kernel, "major_version"), &kmajor)) {
        r->kernel_major = ds_known(kmajor);
        r->kernel_minor = r->os_build;
    }
    int64_t ct;
    if (iso_unix(jstr(o, "crash_time", NULL), &ct))
        r->crash_time = ds_known(ds_unix_to_filetime(ct));
    json_t *bc = json_object_get(o, "bugcheck"), *ex = json_object_get(o, "exception");
    json_t *code_src = json_is_object(bc) ? bc
                       : r->format == DS_FORMAT_MINIDUMP && json_is_object(ex) ? ex
                                                                             : NULL;
    uint64_t v;
    if (code_src && jhex(json_object_get(code_src, "code"), &v)) {
        r->has_code = true;
        r->code_is_exception = code_src == ex;
        r->code = (uint32_t)v;
        json_t *ps = json_object_get(code_src, "parameters");
        for (size_t i = 0; i < 4 && i < json_array_size(ps); i++)
            jhex(json_array_get(ps, i), &r->params[i]);
    }
    if (json_is_object(ctx) && jhex(json_object_get(ctx, "pc"), &r->pc)) {
        r->has_pc = true;
        if (!dup_field(&r->pc_module, jstr(ctx, "pc_module", NULL)))
            return false;
    }
    json_t *integ = json_object_get(o, "integrity");
    r->damaged = json_is_true(json_object_get(integ, "damaged"));
    if (!json_is_object(verdict))
        return row_offsets(r, o);
    r->has_verdict = true;
    r->confidence = (ds_confidence)name_index(jstr(verdict, "confidence", NULL), confs, 4);
    const char *mod = jstr(verdict, "suspect", "module");
    r->has_suspect = json_is_object(json_object_get(verdict, "suspect"));
    if (!dup_field(&r->title, jstr(verdict, "title", NULL)) ||
        !dup_field(&r->crash_class, jstr(verdict, "class", NULL)) ||
        !dup_field(&r->bucket, jstr(verdict, "bucket", NULL)) ||
        !dup_field(&r->suspect_module, mod) ||
        !dup_field(&r->suspect_function, jstr(verdict, "suspect", "function")))
        return false;
    jhex(json_object_get(json_object_get(verdict, "suspect"), "function_offset"),
         &r->suspect_function_offset);
    json_t *mods = json_object_get(o, "modules");
    for (size_t i = 0; mod && i < json_array_size(mods); i++) {
        json_t *m = json_array_get(mods, i);
        if (!jstr(m, "name", NULL) || strcmp(jstr(m, "name", NULL), mod) != 0)
            continue;
        if (!dup_field(&r->file_version, jstr(m, "file_version", NULL)) ||
            !dup_field(&r->product_name, jstr(m, "product_name", NULL)) ||
            !dup_field(&r->company_name, jstr(m, "company_name", NULL)) ||
            !dup_field(&r->file_description, jstr(m, "file_description", NULL)))
            return false;
        break;
    }
    return row_offsets(r, o);
}

/* The offsets a row keeps, as ds_row_from_dump computes them, from what the
 * report lists: the pc's offset in its module (modules[].base/end), the
 * suspect's first frame (else the pc) and, for x86, frames 1..3 of the crash
 * stack (the faulting stack, else the bug-check or crashing thread's). */
static bool row_offsets(ds_row *r, json_t *o)
{
    json_t *mods = json_object_get(o, "modules"), *stacks = json_object_get(o, "stacks");
    for (size_t i = 0; r->has_pc && r->pc_module && i < json_array_size(mods); i++) {
        json_t *m = json_array_get(mods, i);
        uint64_t base, end;
        const char *name = jstr(m, "name", NULL);
        if (name && strcmp(name, r->pc_module) == 0 && jhex(json_object_get(m, "base"), &base) &&
            jhex(json_object_get(m, "end"), &end) && r->pc >= base && r->pc < end) {
            r->pc_offset = ds_known(r->pc - base);
            break;
        }
    }
    uint64_t off;
    for (size_t s = 0; r->suspect_module && !r->suspect_offset.known &&
                       s < json_array_size(stacks); s++) {
        json_t *frames = json_object_get(json_array_get(stacks, s), "frames");
        for (size_t k = 0; k < json_array_size(frames); k++) {
            json_t *f = json_array_get(frames, k);
            const char *mod = jstr(f, "module", NULL);
            if (mod && strcmp(mod, r->suspect_module) == 0 &&
                jhex(json_object_get(f, "module_offset"), &off)) {
                r->suspect_offset = ds_known(off);
                break;
            }
        }
    }
    if (r->suspect_module && !r->suspect_offset.known && r->pc_module &&
        strcmp(r->pc_module, r->suspect_module) == 0)
        r->suspect_offset = r->pc_offset;
    if (r->arch != DS_ARCH_X86)
        return true;
    json_t *threads = json_object_get(o, "threads");
    json_int_t crashing = -1;
    for (size_t i = 0; i < json_array_size(threads); i++)
        if (json_is_true(json_object_get(json_array_get(threads, i), "crashing")))
            crashing = json_integer_value(json_object_get(json_array_get(threads, i), "id"));
    json_t *st = NULL;
    for (size_t s = 0; s < json_array_size(stacks); s++) {
        json_t *x = json_array_get(stacks, s);
        const char *kind = jstr(x, "kind", NULL);
        if (kind && strcmp(kind, "faulting") == 0) {
            st = x;
            break;
        }
        json_t *tid = json_object_get(x, "thread_id");
        if (!st && kind && (strcmp(kind, "bugcheck") == 0 ||
                            (strcmp(kind, "thread") == 0 && json_is_integer(tid) &&
                             json_integer_value(tid) == crashing)))
            st = x;
    }
    json_t *frames = json_object_get(st, "frames");
    for (size_t i = 1; i <= 3 && i < json_array_size(frames); i++) {
        json_t *f = json_array_get(frames, i);
        if (!jhex(json_object_get(f, "module_offset"), &off))
            continue; /* in no module */
        if (!dup_field(&r->stack_module[i - 1], jstr(f, "module", NULL)))
            return false;
        r->stack_offset[i - 1] = ds_known(off);
    }
    return true;
}

/* A row from ds_row_json (what batch JSONL holds for a failed file). */
static bool row_from_row_json(ds_row *r, json_t *o)
{
    json_t *file = json_object_get(o, "file");
    r->failed = true;
    r->dump_kind = "unknown";
    if (!dup_path(&r->path, jstr(file, "path", NULL)) ||
        !dup_path(&r->in_cab, jstr(file, "in_cab", NULL)) ||
        !dup_path(&r->error, jstr(o, "error", NULL)))
        return false;
    json_t *size = json_object_get(file, "size");
    if (json_is_integer(size) && json_integer_value(size) >= 0)
        r->file_size = ds_known((uint64_t)json_integer_value(size));
    if (iso_unix(jstr(file, "mtime", NULL), &r->mtime.value))
        r->mtime.known = true;
    return true;
}

ds_row *ds_row_from_json(const char *line, ds_error *err)
{
    json_error_t je;
    json_t *o = json_loads(line, 0, &je);
    if (!json_is_object(o)) {
        ds_set_error(err, DS_E_CORRUPT, "not a JSON object: %s", o ? "" : je.text);
        json_decref(o);
        return NULL;
    }
    ds_row *r = calloc(1, sizeof *r);
    const char *status = jstr(o, "status", NULL);
    bool ok = r && (status && strcmp(status, "failed") == 0 ? row_from_row_json(r, o)
                                                             : row_from_report(r, o));
    json_decref(o);
    if (ok && !r->path)
        ok = (r->path = ds_strdup("")) != NULL;
    if (!ok) {
        ds_set_error(err, DS_E_CORRUPT, "not a dumpscan report or row");
        ds_row_free(r);
        return NULL;
    }
    if (!r->failed)
        r->dump_kind = r->format == DS_FORMAT_MINIDUMP ? "minidump"
                       : r->format == DS_FORMAT_UNKNOWN ? "unknown"
                                                        : ds_dump_type_name((uint32_t)r->dump_type.value);
    return r;
}
