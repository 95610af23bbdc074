/* JSON Schema subset validator: see json_schema.h for what it supports. */
#include "json_schema.h"

#include <regex.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JS_MAX_DEPTH 512 /* schema + instance recursion ($ref cycles end here) */

typedef struct js_regex {
    const json_t *node; /* the "pattern" string in the schema */
    regex_t re;
} js_regex;

struct js_validator {
    json_t *schema;
    js_regex *rx;
    size_t nrx, caprx;
};

/* ------------------------------------------------------------ schema check */

typedef struct js_cerr {
    char *buf;
    size_t len;
    bool failed;
} js_cerr;

static void cfail(js_cerr *e, const char *where, const char *fmt, ...)
{
    if (e->failed)
        return; /* keep the first problem */
    e->failed = true;
    int n = snprintf(e->buf, e->len, "%s: ", where);
    if (n < 0 || (size_t)n >= e->len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->buf + n, e->len - (size_t)n, fmt, ap);
    va_end(ap);
}

static const char *const type_names[] = {"null",   "boolean", "integer", "number",
                                         "string", "array",   "object"};

static bool is_type_name(const char *s)
{
    for (size_t i = 0; i < sizeof type_names / sizeof *type_names; i++)
        if (strcmp(s, type_names[i]) == 0)
            return true;
    return false;
}

static bool is_count(const json_t *j)
{
    return json_is_integer(j) && json_integer_value(j) >= 0;
}

static const json_t *resolve_ref(const json_t *root, const char *ref)
{
    static const char prefix[] = "#/$defs/";
    if (strncmp(ref, prefix, sizeof prefix - 1) != 0)
        return NULL;
    const json_t *defs = json_object_get(root, "$defs");
    return defs ? json_object_get(defs, ref + sizeof prefix - 1) : NULL;
}

static void compile_schema(js_validator *v, const json_t *s, const char *where, js_cerr *e,
                           int depth);

static void compile_sub(js_validator *v, const json_t *s, const char *where, const char *key,
                        js_cerr *e, int depth)
{
    char w[512];
    snprintf(w, sizeof w, "%s/%s", where, key);
    compile_schema(v, s, w, e, depth + 1);
}

static void compile_schema(js_validator *v, const json_t *s, const char *where, js_cerr *e,
                           int depth)
{
    if (e->failed)
        return;
    if (depth > 64) {
        cfail(e, where, "schema nested too deeply");
        return;
    }
    if (json_is_boolean(s))
        return;
    if (!json_is_object(s)) {
        cfail(e, where, "a schema must be an object or a boolean");
        return;
    }
    const char *key;
    const json_t *val;
    json_object_foreach((json_t *)s, key, val) {
        if (e->failed)
            return;
        if (!strcmp(key, "$schema") || !strcmp(key, "$id") || !strcmp(key, "$comment") ||
            !strcmp(key, "title") || !strcmp(key, "description") || !strcmp(key, "default") ||
            !strcmp(key, "examples") || !strcmp(key, "deprecated")) {
            continue;
        } else if (!strcmp(key, "$defs") || !strcmp(key, "properties")) {
            if (!json_is_object(val)) {
                cfail(e, where, "%s must be an object", key);
                return;
            }
            const char *k2;
            const json_t *v2;
            json_object_foreach((json_t *)val, k2, v2) {
                char w[512];
                snprintf(w, sizeof w, "%s/%s/%s", where, key, k2);
                compile_schema(v, v2, w, e, depth + 1);
            }
        } else if (!strcmp(key, "type")) {
            if (json_is_string(val)) {
                if (!is_type_name(json_string_value(val)))
                    cfail(e, where, "unknown type \"%s\"", json_string_value(val));
            } else if (json_is_array(val) && json_array_size(val) > 0) {
                size_t i;
                const json_t *t;
                json_array_foreach(val, i, t) {
                    if (!json_is_string(t) || !is_type_name(json_string_value(t)))
                        cfail(e, where, "type[%zu] is not a type name", i);
                }
            } else {
                cfail(e, where, "type must be a name or a non-empty array of names");
            }
        } else if (!strcmp(key, "required")) {
            size_t i;
            const json_t *t;
            if (!json_is_array(val))
                cfail(e, where, "required must be an array");
            json_array_foreach(val, i, t) {
                if (!json_is_string(t))
                    cfail(e, where, "required[%zu] is not a string", i);
            }
        } else if (!strcmp(key, "additionalProperties") || !strcmp(key, "items") ||
                   !strcmp(key, "not")) {
            compile_sub(v, val, where, key, e, depth);
        } else if (!strcmp(key, "allOf") || !strcmp(key, "anyOf") || !strcmp(key, "oneOf")) {
            if (!json_is_array(val) || json_array_size(val) == 0) {
                cfail(e, where, "%s must be a non-empty array", key);
                return;
            }
            size_t i;
            const json_t *t;
            json_array_foreach(val, i, t) {
                char k[64];
                snprintf(k, sizeof k, "%s/%zu", key, i);
                compile_sub(v, t, where, k, e, depth);
            }
        } else if (!strcmp(key, "enum")) {
            if (!json_is_array(val))
                cfail(e, where, "enum must be an array");
        } else if (!strcmp(key, "const")) {
            continue;
        } else if (!strcmp(key, "minimum") || !strcmp(key, "maximum")) {
            if (!json_is_number(val))
                cfail(e, where, "%s must be a number", key);
        } else if (!strcmp(key, "minLength") || !strcmp(key, "maxLength") ||
                   !strcmp(key, "minItems") || !strcmp(key, "maxItems")) {
            if (!is_count(val))
                cfail(e, where, "%s must be a non-negative integer", key);
        } else if (!strcmp(key, "pattern")) {
            if (!json_is_string(val)) {
                cfail(e, where, "pattern must be a string");
                return;
            }
            if (v->nrx == v->caprx) {
                size_t cap = v->caprx ? 2 * v->caprx : 16;
                js_regex *n = realloc(v->rx, cap * sizeof *n);
                if (!n) {
                    cfail(e, where, "out of memory");
                    return;
                }
                v->rx = n;
                v->caprx = cap;
            }
            js_regex *r = &v->rx[v->nrx];
            int rc = regcomp(&r->re, json_string_value(val), REG_EXTENDED | REG_NOSUB);
            if (rc != 0) {
                char msg[128];
                regerror(rc, &r->re, msg, sizeof msg);
                cfail(e, where, "pattern \"%s\": %s", json_string_value(val), msg);
                return;
            }
            r->node = val;
            v->nrx++;
        } else if (!strcmp(key, "$ref")) {
            if (!json_is_string(val) || !resolve_ref(v->schema, json_string_value(val)))
                cfail(e, where, "$ref must be \"#/$defs/NAME\" naming an existing definition");
        } else {
            cfail(e, where, "keyword \"%s\" is not supported by this validator", key);
        }
    }
}

js_validator *js_compile(json_t *schema, char *err, size_t errlen)
{
    js_validator *v = calloc(1, sizeof *v);
    if (!v) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    v->schema = json_incref(schema);
    js_cerr e = {err, errlen, false};
    if (errlen)
        err[0] = '\0';
    compile_schema(v, schema, "#", &e, 0);
    if (e.failed) {
        js_free(v);
        return NULL;
    }
    return v;
}

void js_free(js_validator *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->nrx; i++)
        regfree(&v->rx[i].re);
    free(v->rx);
    json_decref(v->schema);
    free(v);
}

/* -------------------------------------------------------------- validation */

typedef struct js_path {
    char buf[1024];
    size_t len;
} js_path;

typedef struct js_run {
    const js_validator *v;
    js_report_fn report; /* NULL: count only */
    void *ctx;
    js_path path;
} js_run;

static size_t path_push_key(js_path *p, const char *key)
{
    size_t old = p->len;
    bool ident = (*key >= 'A' && *key <= 'Z') || (*key >= 'a' && *key <= 'z') || *key == '_';
    for (const char *c = key; *c && ident; c++)
        ident = (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
                (*c >= '0' && *c <= '9') || *c == '_' || *c == '$';
    int n = ident ? snprintf(p->buf + old, sizeof p->buf - old, ".%s", key)
                  : snprintf(p->buf + old, sizeof p->buf - old, "[\"%s\"]", key);
    p->len = n < 0 ? old : old + (size_t)n < sizeof p->buf ? old + (size_t)n : sizeof p->buf - 1;
    return old;
}

static size_t path_push_index(js_path *p, size_t i)
{
    size_t old = p->len;
    int n = snprintf(p->buf + old, sizeof p->buf - old, "[%zu]", i);
    p->len = n < 0 ? old : old + (size_t)n < sizeof p->buf ? old + (size_t)n : sizeof p->buf - 1;
    return old;
}

static void path_pop(js_path *p, size_t old)
{
    p->len = old;
    p->buf[old] = '\0';
}

static size_t fail(js_run *r, const char *fmt, ...)
{
    if (r->report) {
        char msg[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        r->report(r->ctx, r->path.buf, msg);
    }
    return 1;
}

static const char *type_of(const json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT: return "object";
    case JSON_ARRAY: return "array";
    case JSON_STRING: return "string";
    case JSON_INTEGER: return "integer";
    case JSON_REAL: return "number";
    case JSON_TRUE:
    case JSON_FALSE: return "boolean";
    case JSON_NULL: return "null";
    }
    return "?";
}

static bool integral_real(const json_t *j)
{
    if (!json_is_real(j))
        return false;
    double d = json_real_value(j);
    return d >= -9.0e18 && d <= 9.0e18 && (double)(long long)d == d;
}

static bool has_type(const json_t *j, const char *t)
{
    if (!strcmp(t, "integer"))
        return json_is_integer(j) || integral_real(j);
    if (!strcmp(t, "number"))
        return json_is_number(j);
    return !strcmp(t, type_of(j));
}

/* Equality for enum/const: numbers compare by value (1 == 1.0), the rest as jansson does. */
static bool js_equal(const json_t *a, const json_t *b)
{
    if (json_is_integer(a) && json_is_integer(b))
        return json_integer_value(a) == json_integer_value(b);
    if (json_is_number(a) && json_is_number(b))
        return json_number_value(a) == json_number_value(b);
    return json_equal((json_t *)a, (json_t *)b);
}

/* -1 below, 0 equal, 1 above (a vs b, both numbers). */
static int num_cmp(const json_t *a, const json_t *b)
{
    if (json_is_integer(a) && json_is_integer(b)) {
        json_int_t x = json_integer_value(a), y = json_integer_value(b);
        return x < y ? -1 : x > y;
    }
    double x = json_number_value(a), y = json_number_value(b);
    return x < y ? -1 : x > y;
}

static size_t utf8_length(const char *s, size_t bytes)
{
    size_t n = 0;
    for (size_t i = 0; i < bytes; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

static const regex_t *regex_for(const js_validator *v, const json_t *node)
{
    for (size_t i = 0; i < v->nrx; i++)
        if (v->rx[i].node == node)
            return &v->rx[i].re;
    return NULL;
}

static size_t validate(js_run *r, const json_t *s, const json_t *inst, int depth);

/* Collects the first violation of a branch, for the anyOf/oneOf message. */
typedef struct js_first {
    char text[256];
    bool set;
} js_first;

static void first_report(void *ctx, const char *path, const char *msg)
{
    js_first *f = ctx;
    if (!f->set) {
        snprintf(f->text, sizeof f->text, "%s: %s", path, msg);
        f->set = true;
    }
}

/* Validate inst against a branch without reporting; the first violation goes to first. */
static size_t quiet(js_run *r, const json_t *s, const json_t *inst, int depth, js_first *first)
{
    js_run q = {r->v, first_report, first, r->path};
    first->set = false;
    first->text[0] = '\0';
    return validate(&q, s, inst, depth);
}

static size_t validate_combinator(js_run *r, const char *kw, const json_t *list,
                                  const json_t *inst, int depth)
{
    size_t n = json_array_size(list), matched = 0, errors = 0;
    char why[1024] = "";
    size_t wl = 0;
    for (size_t i = 0; i < n; i++) {
        js_first first;
        size_t e = quiet(r, json_array_get(list, i), inst, depth + 1, &first);
        if (e == 0) {
            matched++;
            continue;
        }
        if (!strcmp(kw, "allOf")) {
            errors += validate(r, json_array_get(list, i), inst, depth + 1);
            continue;
        }
        if (wl < sizeof why) {
            int k = snprintf(why + wl, sizeof why - wl, "%s[%zu] %s", wl ? "; " : "", i,
                             first.text);
            wl = k < 0 ? wl : wl + (size_t)k;
        }
    }
    if (!strcmp(kw, "allOf"))
        return errors;
    if (!strcmp(kw, "anyOf") && matched == 0)
        return fail(r, "matches none of the anyOf schemas (%s)", why);
    if (!strcmp(kw, "oneOf") && matched != 1)
        return matched ? fail(r, "matches %zu of the oneOf schemas, not exactly one", matched)
                       : fail(r, "matches none of the oneOf schemas (%s)", why);
    return 0;
}

static size_t validate_object(js_run *r, const json_t *s, const json_t *inst, int depth)
{
    size_t errors = 0;
    const json_t *props = json_object_get(s, "properties");
    const json_t *req = json_object_get(s, "required");
    const json_t *addl = json_object_get(s, "additionalProperties");
    size_t i;
    const json_t *name;
    json_array_foreach(req, i, name) {
        if (!json_object_get(inst, json_string_value(name)))
            errors += fail(r, "missing required member \"%s\"", json_string_value(name));
    }
    const char *key;
    const json_t *val;
    json_object_foreach((json_t *)inst, key, val) {
        const json_t *ps = props ? json_object_get(props, key) : NULL;
        size_t old = path_push_key(&r->path, key);
        if (ps)
            errors += validate(r, ps, val, depth + 1);
        else if (json_is_false(addl))
            errors += fail(r, "member not allowed (additionalProperties is false)");
        else if (addl && !json_is_true(addl))
            errors += validate(r, addl, val, depth + 1);
        path_pop(&r->path, old);
    }
    return errors;
}

static size_t validate(js_run *r, const json_t *s, const json_t *inst, int depth)
{
    if (depth > JS_MAX_DEPTH)
        return fail(r, "schema recursion deeper than %d ($ref cycle?)", JS_MAX_DEPTH);
    if (json_is_true(s))
        return 0;
    if (json_is_false(s))
        return fail(r, "no value is allowed here (schema false)");

    size_t errors = 0;
    const json_t *k;

    if ((k = json_object_get(s, "$ref")))
        errors += validate(r, resolve_ref(r->v->schema, json_string_value(k)), inst, depth + 1);

    if ((k = json_object_get(s, "type"))) {
        bool ok = false;
        char want[128] = "";
        if (json_is_string(k)) {
            ok = has_type(inst, json_string_value(k));
            snprintf(want, sizeof want, "%s", json_string_value(k));
        } else {
            size_t i;
            const json_t *t;
            json_array_foreach(k, i, t) {
                ok = ok || has_type(inst, json_string_value(t));
                size_t wl = strlen(want);
                snprintf(want + wl, sizeof want - wl, "%s%s", i ? "|" : "",
                         json_string_value(t));
            }
        }
        if (!ok)
            /* A value of the wrong type: the other keywords would only add noise. */
            return errors + fail(r, "expected %s, got %s", want, type_of(inst));
    }

    if ((k = json_object_get(s, "enum"))) {
        bool found = false;
        size_t i;
        const json_t *e;
        json_array_foreach(k, i, e) {
            found = found || js_equal(inst, e);
        }
        if (!found) {
            char *txt = json_dumps(inst, JSON_ENCODE_ANY | JSON_COMPACT);
            errors += fail(r, "not in enum (%s)", txt ? txt : "?");
            free(txt);
        }
    }
    if ((k = json_object_get(s, "const")) && !js_equal(inst, k)) {
        char *txt = json_dumps(k, JSON_ENCODE_ANY | JSON_COMPACT);
        errors += fail(r, "not equal to const %s", txt ? txt : "?");
        free(txt);
    }

    if (json_is_number(inst)) {
        if ((k = json_object_get(s, "minimum")) && num_cmp(inst, k) < 0)
            errors += fail(r, "%g is below minimum %g", json_number_value(inst),
                           json_number_value(k));
        if ((k = json_object_get(s, "maximum")) && num_cmp(inst, k) > 0)
            errors += fail(r, "%g is above maximum %g", json_number_value(inst),
                           json_number_value(k));
    }

    if (json_is_string(inst)) {
        const char *str = json_string_value(inst);
        size_t len = utf8_length(str, json_string_length(inst));
        if ((k = json_object_get(s, "minLength")) && len < (size_t)json_integer_value(k))
            errors += fail(r, "\"%s\" is shorter than minLength %lld", str,
                           (long long)json_integer_value(k));
        if ((k = json_object_get(s, "maxLength")) && len > (size_t)json_integer_value(k))
            errors += fail(r, "\"%s\" is longer than maxLength %lld", str,
                           (long long)json_integer_value(k));
        if ((k = json_object_get(s, "pattern"))) {
            const regex_t *re = regex_for(r->v, k);
            /* Strings with NUL bytes cannot be matched by regexec: they fail. */
            if (!re || strlen(str) != json_string_length(inst) ||
                regexec(re, str, 0, NULL, 0) != 0)
                errors += fail(r, "\"%s\" does not match pattern %s", str,
                               json_string_value(k));
        }
    }

    if (json_is_array(inst)) {
        size_t n = json_array_size(inst);
        if ((k = json_object_get(s, "minItems")) && n < (size_t)json_integer_value(k))
            errors += fail(r, "%zu items, fewer than minItems %lld", n,
                           (long long)json_integer_value(k));
        if ((k = json_object_get(s, "maxItems")) && n > (size_t)json_integer_value(k))
            errors += fail(r, "%zu items, more than maxItems %lld", n,
                           (long long)json_integer_value(k));
        if ((k = json_object_get(s, "items"))) {
            size_t i;
            const json_t *e;
            json_array_foreach(inst, i, e) {
                size_t old = path_push_index(&r->path, i);
                errors += validate(r, k, e, depth + 1);
                path_pop(&r->path, old);
            }
        }
    }

    if (json_is_object(inst))
        errors += validate_object(r, s, inst, depth);

    if ((k = json_object_get(s, "allOf")))
        errors += validate_combinator(r, "allOf", k, inst, depth);
    if ((k = json_object_get(s, "anyOf")))
        errors += validate_combinator(r, "anyOf", k, inst, depth);
    if ((k = json_object_get(s, "oneOf")))
        errors += validate_combinator(r, "oneOf", k, inst, depth);
    if ((k = json_object_get(s, "not"))) {
        js_first first;
        if (quiet(r, k, inst, depth + 1, &first) == 0)
            errors += fail(r, "matches the schema under \"not\"");
    }
    return errors;
}

size_t js_validate(const js_validator *v, const json_t *doc, js_report_fn report, void *ctx)
{
    js_run r = {v, report, ctx, {"$", 1}};
    return validate(&r, v->schema, doc, 0);
}
