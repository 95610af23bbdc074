/*
 * Row records: every field of a ds_row as one flat JSON object, and back.
 * The crash database stores a dump's row this way, so a dump read from the
 * database renders exactly as when it was analyzed. The fields are a table
 * (name, type, where in the struct); a field added to ds_row is one line here.
 * Reading is strict about types and lenient about absence: a missing field
 * keeps its zero value, so records written before a field existed still load.
 */
#include <jansson.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model/model.h"
#include "report/rowrec.h"
#include "report/safetext.h"

typedef enum { F_STR, F_BOOL, F_U32, F_U64, F_I64, F_INT } ftype;

typedef struct field {
    const char *name;
    ftype type;
    size_t off;
} field;

#define FLD(name, type) {#name, type, offsetof(ds_row, name)}
#define FLDN(key, type, member) {key, type, offsetof(ds_row, member)}

static const field fields[] = {
    FLD(path, F_STR), FLD(failed, F_BOOL), FLD(error, F_STR), FLD(file_size, F_U64),
    FLD(has_mtime, F_BOOL), FLD(mtime, F_I64), FLD(format, F_INT), FLD(dump_type, F_U32),
    FLD(arch, F_INT), FLD(cpus, F_U32), FLD(os_major, F_U32), FLD(os_minor, F_U32),
    FLD(os_build, F_U32), FLD(kernel_major, F_U32), FLD(kernel_minor, F_U32),
    FLDN("crash_time_known", F_BOOL, crash_time.known),
    FLDN("crash_time", F_U64, crash_time.value), FLD(compressed, F_BOOL),
    FLD(damaged, F_BOOL), FLD(has_code, F_BOOL), FLD(code_is_exception, F_BOOL),
    FLD(code, F_U32), FLDN("p1", F_U64, params[0]), FLDN("p2", F_U64, params[1]),
    FLDN("p3", F_U64, params[2]), FLDN("p4", F_U64, params[3]), FLD(has_verdict, F_BOOL),
    FLD(title, F_STR), FLD(has_pc, F_BOOL), FLD(pc, F_U64), FLD(pc_module, F_STR),
    FLD(pc_offset, F_U64), FLD(suspect_module, F_STR), FLD(suspect_function, F_STR),
    FLD(suspect_function_offset, F_U64), FLD(has_suspect_offset, F_BOOL),
    FLD(suspect_offset, F_U64), FLD(file_version, F_STR), FLD(product_name, F_STR),
    FLD(company_name, F_STR), FLD(file_description, F_STR),
    FLDN("stack_module1", F_STR, stack_module[0]), FLDN("stack_module2", F_STR, stack_module[1]),
    FLDN("stack_module3", F_STR, stack_module[2]),
    FLDN("stack_offset1", F_U64, stack_offset[0]), FLDN("stack_offset2", F_U64, stack_offset[1]),
    FLDN("stack_offset3", F_U64, stack_offset[2]), FLD(confidence, F_INT),
    FLD(crash_class, F_STR), FLD(bucket, F_STR),
};

enum { NFIELDS = sizeof fields / sizeof fields[0] };

/* 64-bit values as hex strings: JSON integers stop at 2^63 in jansson. */
static json_t *u64_json(uint64_t v)
{
    char b[24];
    snprintf(b, sizeof b, "0x%llx", (unsigned long long)v);
    return json_string(b);
}

static bool u64_from(json_t *j, uint64_t *v)
{
    const char *s = json_string_value(j);
    if (!s || s[0] != '0' || s[1] != 'x' || !s[2])
        return false;
    char *end;
    unsigned long long x = strtoull(s + 2, &end, 16);
    if (*end || strlen(s + 2) > 16)
        return false;
    *v = x;
    return true;
}

char *ds_row_record(const ds_row *r)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    for (size_t i = 0; i < NFIELDS; i++) {
        const field *f = &fields[i];
        const char *p = (const char *)r + f->off;
        json_t *v = NULL;
        switch (f->type) {
        case F_STR: {
            const char *s = *(char *const *)p;
            if (!s)
                continue; /* absent is NULL */
            v = json_string(s);
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
        case F_U64: v = u64_json(*(const uint64_t *)p); break;
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

ds_row *ds_row_from_record(const char *text)
{
    json_t *o = json_loads(text, 0, NULL);
    if (!json_is_object(o)) {
        json_decref(o);
        return NULL;
    }
    ds_row *r = calloc(1, sizeof *r);
    bool ok = r != NULL;
    for (size_t i = 0; i < NFIELDS && ok; i++) {
        const field *f = &fields[i];
        char *p = (char *)r + f->off;
        json_t *v = json_object_get(o, f->name);
        if (!v)
            continue;
        switch (f->type) {
        case F_STR:
            ok = json_is_string(v) && (*(char **)p = ds_strdup(json_string_value(v)));
            break;
        case F_BOOL: ok = json_is_boolean(v) && (*(bool *)p = json_is_true(v), true); break;
        case F_U32:
            ok = json_is_integer(v) && json_integer_value(v) >= 0 &&
                 json_integer_value(v) <= 0xFFFFFFFFll;
            if (ok)
                *(uint32_t *)p = (uint32_t)json_integer_value(v);
            break;
        case F_INT:
            ok = json_is_integer(v) && json_integer_value(v) >= 0 &&
                 json_integer_value(v) < 1000;
            if (ok)
                *(int *)p = (int)json_integer_value(v);
            break;
        case F_I64:
            ok = json_is_integer(v);
            if (ok)
                *(int64_t *)p = json_integer_value(v);
            break;
        case F_U64: ok = u64_from(v, (uint64_t *)p); break;
        }
    }
    json_decref(o);
    if (ok && !r->path)
        ok = (r->path = ds_strdup("")) != NULL;
    if (!ok) {
        ds_row_free(r);
        return NULL;
    }
    /* enums from outside: anything unknown reads as unknown */
    if ((unsigned)r->format > DS_FORMAT_MINIDUMP)
        r->format = DS_FORMAT_UNKNOWN;
    if ((unsigned)r->arch > DS_ARCH_ARM)
        r->arch = DS_ARCH_UNKNOWN;
    if ((unsigned)r->confidence > DS_CONFIDENCE_HIGH)
        r->confidence = DS_CONFIDENCE_NONE;
    r->dump_kind = r->failed || r->format == DS_FORMAT_UNKNOWN ? "unknown"
                   : r->format == DS_FORMAT_MINIDUMP          ? "minidump"
                                                               : ds_dump_type_name(r->dump_type);
    return r;
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

/* "2024-03-15T12:00:00Z" -> FILETIME */
static bool iso_filetime(const char *s, uint64_t *ft)
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
    *ft = ((uint64_t)t + 11644473600ull) * 10000000ull;
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
static bool row_from_report(ds_row *r, json_t *o)
{
    static const char *const formats[] = {"unknown", "kernel32", "kernel64", "minidump"};
    static const char *const confs[] = {"none", "low", "medium", "high"};
    json_t *file = json_object_get(o, "file"), *dump = json_object_get(o, "dump");
    json_t *verdict = json_object_get(o, "verdict"), *ctx = json_object_get(o, "context");
    if (!json_is_object(file) || !json_is_object(dump))
        return false;
    if (!dup_path(&r->path, jstr(file, "path", NULL)))
        return false;
    r->file_size = (uint64_t)json_integer_value(json_object_get(file, "size"));
    r->compressed = json_is_true(json_object_get(file, "compressed"));
    r->format = (ds_format)name_index(jstr(dump, "format", NULL), formats, 4);
    r->dump_type = (uint32_t)json_integer_value(json_object_get(dump, "type"));
    for (int a = 0; a <= DS_ARCH_ARM; a++)
        if (jstr(dump, "arch", NULL) && strcmp(jstr(dump, "arch", NULL), ds_arch_name(a)) == 0)
            r->arch = (ds_arch)a;
    r->cpus = (uint32_t)json_integer_value(json_object_get(dump, "cpus"));
    const char *ver = jstr(o, "os", "version");
    if (ver)
        sscanf(ver, "%u.%u", &r->os_major, &r->os_minor);
    r->os_build = (uint32_t)json_integer_value(json_object_get(json_object_get(o, "os"),
                                                               "build"));
    r->crash_time.known = iso_filetime(jstr(o, "crash_time", NULL), &r->crash_time.value);
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
        return true;
    r->has_verdict = true;
    r->confidence = (ds_confidence)name_index(jstr(verdict, "confidence", NULL), confs, 4);
    const char *mod = jstr(verdict, "suspect", "module");
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
    return true;
}

/* A row from ds_row_json (what batch JSONL holds for a failed file). */
static bool row_from_row_json(ds_row *r, json_t *o)
{
    json_t *file = json_object_get(o, "file");
    r->failed = true;
    r->dump_kind = "unknown";
    if (!dup_path(&r->path, jstr(file, "path", NULL)) ||
        !dup_path(&r->error, jstr(o, "error", NULL)))
        return false;
    r->file_size = (uint64_t)json_integer_value(json_object_get(file, "size"));
    uint64_t ft;
    if (iso_filetime(jstr(file, "mtime", NULL), &ft)) {
        r->has_mtime = true;
        r->mtime = (int64_t)(ft / 10000000ull - 11644473600ull);
    }
    return true;
}

ds_row *ds_row_from_json(const char *line, ds_error *err)
{
    json_error_t je;
    json_t *o = json_loads(line, 0, &je);
    if (!json_is_object(o)) {
        snprintf(err->text, sizeof err->text, "not a JSON object: %s", o ? "" : je.text);
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
        snprintf(err->text, sizeof err->text, "not a dumpscan report or row");
        ds_row_free(r);
        return NULL;
    }
    if (!r->failed)
        r->dump_kind = r->format == DS_FORMAT_MINIDUMP ? "minidump"
                       : r->format == DS_FORMAT_UNKNOWN ? "unknown"
                                                        : ds_dump_type_name(r->dump_type);
    return r;
}
