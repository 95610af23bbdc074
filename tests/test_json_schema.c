/*
 * schema/dumpscan-report.schema.json against what ds_report_json() writes.
 *
 * 1. The validator (json_schema.c) on small documents that must pass or fail.
 * 2. The schema is strict: a real report with an extra, missing or malformed
 *    member fails.
 * 3. Every report the suite can make validates, pretty and compact: the bundled
 *    samples, every dump the generator writes (all arch/type combinations,
 *    gzip, truncated, scenarios, damaged lists), the shared corpus (skipped
 *    with a message when absent), and reports whose stacks, verdict, threads,
 *    minidump facts and module extras are filled in by the test itself, so
 *    every branch of json.c is rendered even before the pipeline fills them.
 * 4. man/dumpscan-json.5 names every member the schema has, and lists the
 *    top-level ones as .B entries.
 */
#include <dirent.h>
#include <jansson.h>
#include <unistd.h>

#include "analysis/bugcodes.h"
#include "check.h"
#include "core/dump.h"
#include "dsgen.h"
#include "dumpscan/dumpscan.h"
#include "json_schema.h"

#ifndef DS_SCHEMA_PATH
#define DS_SCHEMA_PATH DS_SOURCE_DIR "/schema/dumpscan-report.schema.json"
#endif

/* ------------------------------------------------------------ reporting */

typedef struct collect {
    char text[4096];
    size_t len;
} collect;

static void collect_report(void *ctx, const char *path, const char *msg)
{
    collect *c = ctx;
    if (c->len < sizeof c->text) {
        int n = snprintf(c->text + c->len, sizeof c->text - c->len, "%s: %s\n", path, msg);
        c->len = n < 0 ? c->len : c->len + (size_t)n;
    }
}

typedef struct printer {
    const char *what;
    unsigned shown;
} printer;

static void print_report(void *ctx, const char *path, const char *msg)
{
    printer *p = ctx;
    if (p->shown++ < 20)
        fprintf(stderr, "  %s: %s: %s\n", p->what, path, msg);
}

/* ------------------------------------------------- 1. validator unit tests */

static json_t *parse(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
    if (!j)
        fprintf(stderr, "bad JSON in test: %s: %s\n", text, e.text);
    return j;
}

/*
 * Validate doc against schema: expect exactly nerr violations; when want is
 * set, one of the reported "path: message" lines must contain it.
 */
static void expect(const char *schema, const char *doc, size_t nerr, const char *want)
{
    json_t *s = parse(schema), *d = parse(doc);
    char err[256];
    js_validator *v = s ? js_compile(s, err, sizeof err) : NULL;
    CHECK(v != NULL && d != NULL);
    if (v && d) {
        collect c = {"", 0};
        size_t n = js_validate(v, d, collect_report, &c);
        bool found = !want || strstr(c.text, want);
        if (n != nerr || !found) {
            check_failed++;
            fprintf(stderr, "validator: schema %s\n  doc %s\n  expected %zu error(s)%s%s, got "
                            "%zu:\n%s",
                    schema, doc, nerr, want ? " incl. " : "", want ? want : "", n, c.text);
        } else {
            check_passed++;
        }
    } else if (!v) {
        fprintf(stderr, "validator: schema %s does not compile: %s\n", schema, err);
    }
    js_free(v);
    json_decref(s);
    json_decref(d);
}

static void expect_bad_schema(const char *schema, const char *want)
{
    json_t *s = parse(schema);
    char err[256] = "";
    js_validator *v = s ? js_compile(s, err, sizeof err) : NULL;
    CHECK(v == NULL);
    if (!v && !strstr(err, want)) {
        check_failed++;
        fprintf(stderr, "validator: schema %s: error \"%s\" lacks \"%s\"\n", schema, err, want);
    }
    js_free(v);
    json_decref(s);
}

static void validator_unit(void)
{
    /* type, integer vs number, arrays of types */
    expect("{\"type\":\"integer\"}", "3", 0, NULL);
    expect("{\"type\":\"integer\"}", "3.0", 0, NULL);
    expect("{\"type\":\"integer\"}", "3.5", 1, "$: expected integer, got number");
    expect("{\"type\":\"integer\"}", "\"3\"", 1, "got string");
    expect("{\"type\":\"number\"}", "3", 0, NULL);
    expect("{\"type\":\"number\"}", "-3.5e2", 0, NULL);
    expect("{\"type\":\"number\"}", "true", 1, "expected number, got boolean");
    expect("{\"type\":[\"string\",\"null\"]}", "null", 0, NULL);
    expect("{\"type\":[\"string\",\"null\"]}", "\"x\"", 0, NULL);
    expect("{\"type\":[\"string\",\"null\"]}", "0", 1, "expected string|null, got integer");
    expect("{\"type\":\"boolean\"}", "0", 1, "got integer");
    expect("{\"type\":\"object\"}", "[]", 1, "expected object, got array");
    expect("{\"type\":\"array\"}", "{}", 1, "expected array, got object");

    /* properties, required, additionalProperties */
    const char *obj = "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"a\"],"
                      "\"properties\":{\"a\":{\"type\":\"integer\"},\"b\":{}}}";
    expect(obj, "{\"a\":1}", 0, NULL);
    expect(obj, "{\"a\":1,\"b\":[null]}", 0, NULL);
    expect(obj, "{}", 1, "$: missing required member \"a\"");
    expect(obj, "{\"a\":1,\"c\":2}", 1, "$.c: member not allowed");
    expect(obj, "{\"a\":1,\"c d\":2}", 1, "$[\"c d\"]: member not allowed");
    expect(obj, "{\"a\":\"1\",\"c\":2,\"e\":3}", 3, "$.a: expected integer, got string");
    expect(obj, "null", 1, "expected object, got null");
    const char *regs = "{\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\","
                       "\"pattern\":\"^0x[0-9a-f]+$\"}}";
    expect(regs, "{\"rax\":\"0x1\",\"anything\":\"0xff\"}", 0, NULL);
    expect(regs, "{\"rax\":1}", 1, "$.rax: expected string, got integer");
    expect(regs, "{\"rip\":\"0xG\"}", 1, "$.rip: \"0xG\" does not match pattern");
    /* object keywords ignore other types; a nullable object */
    expect("{\"type\":[\"object\",\"null\"],\"required\":[\"x\"]}", "null", 0, NULL);
    expect("{\"type\":[\"object\",\"null\"],\"required\":[\"x\"]}", "{}", 1, "missing required");
    expect("{\"required\":[\"x\"],\"minLength\":3,\"items\":false}", "7", 0, NULL);

    /* items, nesting, $ref and the paths of errors */
    const char *nested =
        "{\"$defs\":{\"frame\":{\"type\":\"object\",\"properties\":{\"trust\":{\"enum\":"
        "[\"context\",\"scan\"]}}},\"stack\":{\"type\":\"object\",\"properties\":{\"frames\":"
        "{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/frame\"}}}}},\"type\":\"object\","
        "\"properties\":{\"stacks\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/stack\"}}}}";
    expect(nested, "{\"stacks\":[{\"frames\":[{\"trust\":\"scan\"}]}]}", 0, NULL);
    expect(nested,
           "{\"stacks\":[{\"frames\":[{},{},{},{\"trust\":\"guess\"}]}]}", 1,
           "$.stacks[0].frames[3].trust: not in enum (\"guess\")");
    expect(nested, "{\"stacks\":[{\"frames\":{}}]}", 1, "$.stacks[0].frames: expected array");

    /* enum and const, including null and numbers by value */
    expect("{\"enum\":[\"read\",\"write\",null]}", "null", 0, NULL);
    expect("{\"enum\":[\"read\",\"write\",null]}", "\"write\"", 0, NULL);
    expect("{\"enum\":[\"read\",\"write\",null]}", "\"Write\"", 1, "not in enum");
    expect("{\"enum\":[\"read\",\"write\",null]}", "false", 1, "not in enum");
    expect("{\"enum\":[1,[2]]}", "[2]", 0, NULL);
    expect("{\"const\":1}", "1", 0, NULL);
    expect("{\"const\":1}", "1.0", 0, NULL);
    expect("{\"const\":1}", "2", 1, "not equal to const 1");
    expect("{\"const\":\"dumpscan\"}", "\"dumpscan2\"", 1, "not equal to const \"dumpscan\"");

    /* pattern: POSIX ERE, unanchored unless ^$ say so; only for strings */
    const char *hex = "{\"type\":\"string\",\"pattern\":\"^0x[0-9a-f]+$\"}";
    expect(hex, "\"0x0\"", 0, NULL);
    expect(hex, "\"0xfffff80415a01004\"", 0, NULL);
    expect(hex, "\"0xABC\"", 1, "does not match pattern ^0x[0-9a-f]+$");
    expect(hex, "\"0x\"", 1, "does not match");
    expect(hex, "\"ff\"", 1, "does not match");
    expect(hex, "\" 0x1\"", 1, "does not match");
    expect(hex, "\"0x1\\u0000\"", 1, "does not match");
    expect("{\"pattern\":\"b+\"}", "\"abbc\"", 0, NULL);
    expect("{\"pattern\":\"b+\"}", "\"ac\"", 1, "does not match");
    expect("{\"pattern\":\"b+\"}", "12", 0, NULL);
    expect("{\"pattern\":\"^[0-9]{4}-[0-9]{2}$\"}", "\"2024-03\"", 0, NULL);
    expect("{\"pattern\":\"^[0-9]{4}-[0-9]{2}$\"}", "\"2024-3\"", 1, "does not match");

    /* minimum / maximum, minLength / maxLength (code points), minItems / maxItems */
    expect("{\"type\":\"integer\",\"minimum\":0}", "0", 0, NULL);
    expect("{\"type\":\"integer\",\"minimum\":0}", "-1", 1, "-1 is below minimum 0");
    expect("{\"minimum\":0.5}", "0.25", 1, "below minimum");
    expect("{\"maximum\":10}", "11", 1, "above maximum 10");
    expect("{\"minimum\":0}", "\"-5\"", 0, NULL);
    expect("{\"type\":\"integer\",\"minimum\":0}", "9223372036854775807", 0, NULL);
    expect("{\"type\":\"integer\",\"minimum\":0}", "-9223372036854775807", 1, "below minimum");
    expect("{\"minLength\":1}", "\"\"", 1, "shorter than minLength 1");
    expect("{\"minLength\":1}", "\"x\"", 0, NULL);
    expect("{\"maxLength\":1}", "\"\\u00e9\"", 0, NULL);
    expect("{\"maxLength\":1}", "\"ab\"", 1, "longer than maxLength 1");
    expect("{\"minItems\":4,\"maxItems\":4}", "[1,2,3,4]", 0, NULL);
    expect("{\"minItems\":4,\"maxItems\":4}", "[1,2,3]", 1, "3 items, fewer than minItems 4");
    expect("{\"minItems\":4,\"maxItems\":4}", "[1,2,3,4,5]", 1, "more than maxItems 4");
    expect("{\"items\":{\"type\":\"string\"}}", "[\"a\",1,\"b\",2]", 2, "$[3]: expected string");

    /* combinators and boolean schemas */
    const char *one = "{\"oneOf\":[{\"type\":\"null\"},{\"type\":\"object\",\"required\":[\"f\"],"
                      "\"properties\":{\"f\":{\"const\":\"RSDS\"}}},{\"type\":\"object\","
                      "\"properties\":{\"f\":{\"const\":\"BpEL\"}}}]}";
    expect(one, "null", 0, NULL);
    expect(one, "{\"f\":\"BpEL\"}", 0, NULL);
    expect(one, "{\"f\":\"RSDS\"}", 0, NULL);
    const char *two = "{\"oneOf\":[{\"type\":\"integer\"},{\"minimum\":0}]}";
    expect(two, "5", 1, "$: matches 2 of the oneOf schemas, not exactly one");
    expect(two, "-1", 0, NULL);
    expect(two, "0.5", 0, NULL);
    expect(two, "-0.5", 1, "matches none of the oneOf schemas");
    expect(one, "{\"f\":\"NB10\"}", 1, "matches none of the oneOf schemas");
    expect(one, "{\"f\":\"NB10\"}", 1, "$.f: not equal to const \"BpEL\"");
    expect("{\"anyOf\":[{\"type\":\"integer\"},{\"type\":\"null\"}]}", "null", 0, NULL);
    expect("{\"anyOf\":[{\"type\":\"integer\"},{\"type\":\"null\"}]}", "\"s\"", 1,
           "matches none of the anyOf schemas");
    expect("{\"allOf\":[{\"minimum\":1},{\"maximum\":3}]}", "2", 0, NULL);
    expect("{\"allOf\":[{\"minimum\":1},{\"maximum\":3}]}", "4", 1, "above maximum 3");
    expect("{\"not\":{\"type\":\"null\"}}", "null", 1, "matches the schema under \"not\"");
    expect("{\"not\":{\"type\":\"null\"}}", "1", 0, NULL);
    expect("true", "{\"anything\":[1]}", 0, NULL);
    expect("false", "1", 1, "schema false");
    expect("{\"properties\":{\"x\":false}}", "{\"x\":1}", 1, "$.x: no value is allowed");
    /* a $ref cycle ends in an error, not a crash */
    expect("{\"$defs\":{\"a\":{\"$ref\":\"#/$defs/a\"}},\"$ref\":\"#/$defs/a\"}", "1", 1,
           "recursion");
    /* $ref next to other keywords: both apply */
    expect("{\"$defs\":{\"h\":{\"type\":\"string\"}},\"$ref\":\"#/$defs/h\",\"minLength\":2}",
           "\"a\"", 1, "shorter than minLength 2");

    /* schemas outside the subset are refused, never half-applied */
    expect_bad_schema("{\"minProperties\":1}", "keyword \"minProperties\" is not supported");
    expect_bad_schema("{\"properties\":{\"a\":{\"format\":\"date-time\"}}}",
                      "#/properties/a: keyword \"format\"");
    expect_bad_schema("{\"$ref\":\"#/definitions/x\"}", "$ref");
    expect_bad_schema("{\"$ref\":\"#/$defs/missing\",\"$defs\":{}}", "$ref");
    expect_bad_schema("{\"pattern\":\"(\"}", "pattern");
    expect_bad_schema("{\"type\":\"int\"}", "unknown type");
    expect_bad_schema("{\"type\":[]}", "type");
    expect_bad_schema("{\"items\":[{}]}", "must be an object or a boolean");
    expect_bad_schema("{\"required\":[1]}", "required[0]");
    expect_bad_schema("{\"minLength\":-1}", "non-negative");
    expect_bad_schema("{\"oneOf\":[]}", "non-empty");
    expect_bad_schema("{\"$defs\":{\"x\":{\"anyOf\":[{\"prefixItems\":[]}]}}}",
                      "#/$defs/x/anyOf/0: keyword \"prefixItems\"");
}

/* ------------------------------------------------------ the real schema */

static js_validator *schema_v;
static json_t *schema_json;
static unsigned docs_validated;

/* Validate one report text; returns its parsed form (caller decrefs) or NULL. */
static json_t *validate_text(const char *what, const char *text)
{
    CHECK(text != NULL);
    if (!text)
        return NULL;
    json_error_t e;
    json_t *doc = json_loads(text, 0, &e);
    CHECK(doc != NULL);
    if (!doc) {
        fprintf(stderr, "  %s: output is not JSON: %s (line %d)\n", what, e.text, e.line);
        return NULL;
    }
    printer p = {what, 0};
    size_t n = js_validate(schema_v, doc, print_report, &p);
    docs_validated++;
    CHECK(n == 0);
    if (n)
        fprintf(stderr, "  %s: %zu schema violation(s)\n", what, n);
    return doc;
}

/* Both renderings of an open dump validate and hold the same document. */
static void validate_dump(const char *what, const ds_dump *d)
{
    char name[600];
    char *pretty = ds_report_json(d, DS_JSON_PRETTY);
    char *compact = ds_report_json(d, 0);
    snprintf(name, sizeof name, "%s (pretty)", what);
    json_t *a = validate_text(name, pretty);
    snprintf(name, sizeof name, "%s (compact)", what);
    json_t *b = validate_text(name, compact);
    CHECK(a && b && json_equal(a, b));
    CHECK(compact && !strchr(compact, '\n'));
    json_decref(a);
    json_decref(b);
    ds_free(pretty);
    ds_free(compact);
}

static unsigned validate_file(const char *what, const char *path, const ds_open_options *opt,
                              bool must_open)
{
    ds_error err;
    ds_dump *d = ds_open(path, opt, &err);
    if (!d) {
        if (must_open) {
            check_failed++;
            fprintf(stderr, "  %s: cannot open: %s\n", what, err.text);
        }
        return 0;
    }
    validate_dump(what, d);
    ds_close(d);
    return 1;
}

static bool load_schema(void)
{
    json_error_t e;
    schema_json = json_load_file(DS_SCHEMA_PATH, 0, &e);
    CHECK(schema_json != NULL);
    if (!schema_json) {
        fprintf(stderr, "%s:%d: %s\n", DS_SCHEMA_PATH, e.line, e.text);
        return false;
    }
    char err[512];
    schema_v = js_compile(schema_json, err, sizeof err);
    CHECK(schema_v != NULL);
    if (!schema_v) {
        fprintf(stderr, "%s: %s\n", DS_SCHEMA_PATH, err);
        return false;
    }
    const json_t *draft = json_object_get(schema_json, "$schema");
    CHECK(json_is_string(draft) &&
          strcmp(json_string_value(draft), "https://json-schema.org/draft/2020-12/schema") == 0);
    return true;
}

/* -------------------------------------------------- 2. the schema is strict */

/* Validate a mutated copy of a real report; it must fail, naming want. */
static void expect_mutation_fails(const json_t *base, const char *label,
                                  void (*mutate)(json_t *), const char *want)
{
    json_t *doc = json_deep_copy(base);
    mutate(doc);
    collect c = {"", 0};
    size_t n = js_validate(schema_v, doc, collect_report, &c);
    if (n == 0 || !strstr(c.text, want)) {
        check_failed++;
        fprintf(stderr, "strictness: %s: expected an error with \"%s\", got %zu:\n%s", label,
                want, n, c.text);
    } else {
        check_passed++;
    }
    json_decref(doc);
}

static void mut_extra_root(json_t *d) { json_object_set_new(d, "undocumented", json_true()); }
static void mut_missing_kernel(json_t *d) { json_object_del(d, "kernel"); }
static void mut_upper_hex(json_t *d)
{
    json_object_set_new(json_array_get(json_object_get(d, "modules"), 0), "base",
                        json_string("0xFFFFF80412000000"));
}
static void mut_kind(json_t *d)
{
    json_object_set_new(json_object_get(d, "dump"), "kind", json_string("mini"));
}
static void mut_extra_module(json_t *d)
{
    json_object_set_new(json_array_get(json_object_get(d, "modules"), 1), "pdb_age",
                        json_integer(1));
}
static void mut_number_addr(json_t *d)
{
    json_object_set_new(json_object_get(d, "context"), "pc", json_integer(4096));
}
static void mut_omitted_null(json_t *d) { json_object_del(json_object_get(d, "os"), "csd_version"); }
static void mut_bugcheck_params(json_t *d)
{
    json_array_remove(json_object_get(json_object_get(d, "bugcheck"), "parameters"), 3);
}
static void mut_frame_trust(json_t *d)
{
    json_t *frame = json_pack("{s:s}", "trust", "guess");
    json_t *frames = json_array();
    for (int i = 0; i < 3; i++)
        json_array_append_new(frames, json_object());
    json_array_append_new(frames, frame);
    json_array_clear(json_object_get(d, "stacks")); /* so the bad one is stacks[0] */
    json_array_append_new(json_object_get(d, "stacks"),
                          json_pack("{s:s, s:s, s:n, s:n, s:o}", "kind", "faulting", "label",
                                    "x", "thread_id", "end_reason", "frames", frames));
}
static void mut_note_severity(json_t *d)
{
    json_array_clear(json_object_get(json_object_get(d, "integrity"), "notes"));
    json_array_append_new(json_object_get(json_object_get(d, "integrity"), "notes"),
                          json_pack("{s:s, s:s, s:s}", "severity", "fatal", "code", "x",
                                    "text", "y"));
}
static void mut_negative_size(json_t *d)
{
    json_object_set_new(json_object_get(d, "file"), "size", json_integer(-1));
}
static void mut_register(json_t *d)
{
    json_object_set_new(json_object_get(json_object_get(d, "context"), "registers"), "r99",
                        json_string("0x1"));
}

static void strictness(void)
{
    ds_error err;
    ds_dump *d = ds_open(DS_SOURCE_DIR "/testdata/samples/x64-triage.dmp", NULL, &err);
    CHECK(d != NULL);
    if (!d)
        return;
    char *text = ds_report_json(d, 0);
    json_t *base = validate_text("strictness base", text);
    ds_free(text);
    ds_close(d);
    if (!base)
        return;
    expect_mutation_fails(base, "extra top-level member", mut_extra_root,
                          "$.undocumented: member not allowed");
    expect_mutation_fails(base, "missing member", mut_missing_kernel,
                          "$: missing required member \"kernel\"");
    expect_mutation_fails(base, "upper-case hex", mut_upper_hex,
                          "$.modules[0].base: \"0xFFFFF80412000000\" does not match");
    expect_mutation_fails(base, "unknown dump kind", mut_kind, "$.dump.kind: not in enum");
    expect_mutation_fails(base, "extra module member", mut_extra_module,
                          "$.modules[1].pdb_age: member not allowed");
    expect_mutation_fails(base, "address as a number", mut_number_addr,
                          "$.context.pc: expected string, got integer");
    expect_mutation_fails(base, "null omitted", mut_omitted_null,
                          "$.os: missing required member \"csd_version\"");
    expect_mutation_fails(base, "three bug-check parameters", mut_bugcheck_params,
                          "$.bugcheck.parameters: 3 items, fewer than minItems 4");
    expect_mutation_fails(base, "frame trust", mut_frame_trust,
                          "$.stacks[0].frames[3].trust: not in enum");
    expect_mutation_fails(base, "note severity", mut_note_severity,
                          "$.integrity.notes[0].severity: not in enum");
    expect_mutation_fails(base, "negative size", mut_negative_size,
                          "$.file.size: -1 is below minimum 0");
    /* registers are built per architecture: any name is allowed, values are hex */
    json_t *ok = json_deep_copy(base);
    mut_register(ok);
    CHECK(js_validate(schema_v, ok, NULL, NULL) == 0);
    json_decref(ok);
    json_decref(base);
}

/* ------------------------------------------------------------ 3a. samples */

static void samples(void)
{
    const char *dir = DS_SOURCE_DIR "/testdata/samples";
    DIR *dp = opendir(dir);
    CHECK(dp != NULL);
    if (!dp)
        return;
    unsigned n = 0;
    struct dirent *de;
    while ((de = readdir(dp))) {
        size_t l = strlen(de->d_name);
        if (l < 5 || strcmp(de->d_name + l - 4, ".dmp") != 0)
            continue;
        char path[1024], what[1100];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        snprintf(what, sizeof what, "sample %s", de->d_name);
        n += validate_file(what, path, NULL, true);
    }
    closedir(dp);
    CHECK(n >= 7);
    printf("samples: %u dumps\n", n);
}

/* ---------------------------------------------------------- 3b. generator */

static char tmpdir[] = "/tmp/ds-schema-XXXXXX";

typedef struct combo {
    int arch;
    bool pae;
    uint32_t type;
} combo;

/* Every combination dsgen.h lists. */
static const combo combos[] = {
    {DS_ARCH_X64, false, 1},   {DS_ARCH_X64, false, 2},   {DS_ARCH_X64, false, 3},
    {DS_ARCH_X64, false, 4},   {DS_ARCH_X64, false, 5},   {DS_ARCH_X64, false, 6},
    {DS_ARCH_X64, false, 7},   {DS_ARCH_X64, false, 8},   {DS_ARCH_X64, false, 9},
    {DS_ARCH_X64, false, 10},  {DS_ARCH_X86, false, 1},   {DS_ARCH_X86, false, 2},
    {DS_ARCH_X86, false, 3},   {DS_ARCH_X86, false, 4},   {DS_ARCH_X86, false, 5},
    {DS_ARCH_X86, false, 6},   {DS_ARCH_X86, false, 7},   {DS_ARCH_X86, true, 1},
    {DS_ARCH_X86, true, 2},    {DS_ARCH_X86, true, 3},    {DS_ARCH_X86, true, 4},
    {DS_ARCH_X86, true, 5},    {DS_ARCH_X86, true, 6},    {DS_ARCH_X86, true, 7},
    {DS_ARCH_ARM64, false, 1}, {DS_ARCH_ARM64, false, 3}, {DS_ARCH_ARM64, false, 4},
    {DS_ARCH_ARM64, false, 5}, {DS_ARCH_ARM64, false, 6}, {DS_ARCH_ARM64, false, 7},
};

static const char *arch_label(const combo *k)
{
    return k->arch == DS_ARCH_X64 ? "x64" : k->arch == DS_ARCH_ARM64 ? "arm64"
                                          : k->pae                   ? "x86pae"
                                                                     : "x86";
}

/* Write the spec, open it, validate; returns false when nothing could be written. */
static bool gen_validate(gen_spec *s, const char *name, bool must_open)
{
    char path[256], err[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    if (gen_write(s, path, err, sizeof err) != 0) {
        check_failed++;
        fprintf(stderr, "  gen_write %s: %s\n", name, err);
        return false;
    }
    char what[300];
    snprintf(what, sizeof what, "generated %s", name);
    validate_file(what, path, NULL, must_open);
    unlink(path);
    return true;
}

static void generated(void)
{
    static const char *const scenarios[] = {"irql",   "pagefault", "kmode",   "manual",
                                            "ntcrash", "noimages", "nobroken"};
    unsigned before = docs_validated;
    for (size_t i = 0; i < sizeof combos / sizeof *combos; i++) {
        const combo *k = &combos[i];
        char name[128];
        gen_spec s;
        gen_spec_default(&s, k->arch, k->pae, k->type);
        snprintf(name, sizeof name, "%s-type%u.dmp", arch_label(k), k->type);
        gen_spec probe = s;
        if (!gen_validate(&probe, name, true))
            continue;

        /* gzip */
        gen_spec g = s;
        g.gzip = true;
        snprintf(name, sizeof name, "%s-type%u.dmp.gz", arch_label(k), k->type);
        gen_validate(&g, name, true);

        /* truncated at several depths: a partial report, still valid JSON */
        uint64_t cuts[] = {probe.out_file_size / 2, probe.out_file_size - 1, 0x2000, 0x1800,
                           100};
        for (size_t c = 0; c < sizeof cuts / sizeof *cuts; c++) {
            if (!cuts[c] || cuts[c] >= probe.out_file_size)
                continue;
            gen_spec t = s;
            t.truncate_at = cuts[c];
            snprintf(name, sizeof name, "%s-type%u-cut%llu.dmp", arch_label(k), k->type,
                     (unsigned long long)cuts[c]);
            gen_validate(&t, name, false);
        }

        /* scenarios and a reseeded layout */
        for (size_t sc = 0; sc < sizeof scenarios / sizeof *scenarios; sc++) {
            gen_spec v = s;
            if (gen_spec_scenario(&v, scenarios[sc]) != 0) {
                check_failed++;
                fprintf(stderr, "  unknown scenario %s\n", scenarios[sc]);
                continue;
            }
            snprintf(name, sizeof name, "%s-type%u-%s.dmp", arch_label(k), k->type,
                     scenarios[sc]);
            gen_validate(&v, name, true);
        }
        gen_spec r = s;
        gen_spec_seed(&r, 0x5eed + i);
        snprintf(name, sizeof name, "%s-type%u-seeded.dmp", arch_label(k), k->type);
        gen_validate(&r, name, true);
    }

    /* damaged lists */
    gen_spec s;
    gen_spec_default(&s, DS_ARCH_X64, false, 5);
    s.modlist_loop = true;
    gen_validate(&s, "x64-modlist-loop.dmp", true);
    gen_spec_default(&s, DS_ARCH_X86, true, 6);
    s.modlist_loop = true;
    gen_validate(&s, "x86pae-modlist-loop.dmp", true);
    gen_spec_default(&s, DS_ARCH_X64, false, 4);
    s.bad_triage_offsets = true;
    gen_validate(&s, "x64-bad-triage-offsets.dmp", true);
    gen_spec_default(&s, DS_ARCH_ARM64, false, 4);
    s.bad_triage_offsets = true;
    gen_validate(&s, "arm64-bad-triage-offsets.dmp", true);

    /* a memory buffer: file.path is null */
    gen_spec_default(&s, DS_ARCH_X64, false, 4);
    char path[256], err[256];
    snprintf(path, sizeof path, "%s/mem.dmp", tmpdir);
    if (gen_write(&s, path, err, sizeof err) == 0) {
        FILE *f = fopen(path, "rb");
        static unsigned char buf[1 << 20];
        size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
        if (f)
            fclose(f);
        CHECK(n > 0 && n < sizeof buf);
        ds_error e;
        ds_dump *d = ds_open_memory(buf, n, NULL, &e);
        CHECK(d != NULL);
        if (d) {
            char *text = ds_report_json(d, 0);
            json_t *doc = validate_text("generated memory buffer", text);
            CHECK(doc && json_is_null(json_object_get(json_object_get(doc, "file"), "path")));
            json_decref(doc);
            ds_free(text);
            ds_close(d);
        }
        unlink(path);
    }
    printf("generator: %u documents\n", docs_validated - before);
}

/* ----------------------------------------- 3c. model branches, filled in here */

/* Classes of application crashes: the class column of bugcodes/exceptions.txt. */
static size_t exception_classes(char cls[][32], size_t max)
{
    FILE *f = fopen(DS_SOURCE_DIR "/bugcodes/exceptions.txt", "r");
    CHECK(f != NULL);
    if (!f)
        return 0;
    char line[1024];
    size_t n = 0;
    while (fgets(line, sizeof line, f)) {
        char space[32], code[32], name[128], c[32];
        if (line[0] == '#' || sscanf(line, "%31s %31s %127s %31s", space, code, name, c) != 4)
            continue;
        bool seen = false;
        for (size_t i = 0; i < n; i++)
            seen = seen || strcmp(cls[i], c) == 0;
        if (!seen && n < max)
            snprintf(cls[n++], sizeof cls[0], "%s", c);
    }
    fclose(f);
    return n;
}

static void render_injected(const char *what, const ds_dump *d)
{
    char *text = ds_report_json(d, DS_JSON_PRETTY);
    json_t *doc = validate_text(what, text);
    json_decref(doc);
    ds_free(text);
}

/*
 * The pipeline does not fill every part of the model for every dump (stacks
 * and the verdict come from later stages; minidump-only facts never appear in
 * a kernel dump). Fill them here on an open dump, render, and put the
 * original model back before closing it.
 */
static void injected(void)
{
    ds_error err;
    ds_dump *d = ds_open(DS_SOURCE_DIR "/testdata/samples/x64-triage.dmp", NULL, &err);
    CHECK(d != NULL);
    if (!d)
        return;
    ds_crash *c = &d->crash;
    CHECK(c->nmodules >= 3);
    if (c->nmodules < 3) {
        ds_close(d);
        return;
    }
    const ds_crash saved = *c;
    unsigned before = docs_validated;

    /* modules: symbol-stage results, version resource, every CodeView form */
    ds_module mods[8];
    size_t nm = c->nmodules < 8 ? c->nmodules : 8;
    memcpy(mods, c->modules, nm * sizeof *mods);
    mods[0].image_file = "/symbols/ntoskrnl.exe/5F8A1C2D1046000/ntoskrnl.exe";
    mods[0].symbol_file = "/symbols/ntkrnlmp.pdb/DD4635D1DFAA498E8CF6BA70A896B4C81/ntkrnlmp.pdb";
    mods[0].file_version = "10.0.19041.1";
    mods[0].product_name = "Microsoft\xc2\xae Windows\xc2\xae Operating System";
    mods[0].company_name = "Microsoft Corporation";
    mods[0].file_description = "NT Kernel & System";
    mods[0].owner = "microsoft"; /* every owner and source */
    mods[0].owner_source = "version_resource";
    mods[1].owner = "microsoft";
    mods[1].owner_source = "inbox_list";
    mods[2].owner = "third_party";
    mods[2].owner_source = "version_resource";
    mods[1].symbol_problem = "PDB GUID mismatch";
    mods[1].has_cv = true;
    mods[1].cv.is_pdb70 = false;
    mods[1].cv.is_elf = false;
    snprintf(mods[1].cv.pdb_name, sizeof mods[1].cv.pdb_name, "hal.pdb");
    mods[2].has_cv = true;
    mods[2].cv.is_elf = true;
    mods[2].cv.build_id_len = 20;
    for (int i = 0; i < 20; i++)
        mods[2].cv.build_id[i] = (uint8_t)(0xA0 + i);
    c->modules = mods;
    c->nmodules = nm;

    /* stacks: every kind, trust and symbol source; in and outside modules */
    static const ds_trust trusts[] = {DS_TRUST_CONTEXT, DS_TRUST_UNWIND_INFO,
                                      DS_TRUST_FRAME_POINTER, DS_TRUST_SCAN_VALIDATED,
                                      DS_TRUST_SCAN, DS_TRUST_NONE, DS_TRUST_TRAP_FRAME};
    static const ds_symsrc srcs[] = {DS_SYM_PDB_FUNCTION, DS_SYM_PDB_PUBLIC, DS_SYM_EXPORT,
                                     DS_SYM_BREAKPAD, DS_SYM_ELF, DS_SYM_NONE};
    ds_frame frames[7];
    for (int i = 0; i < 7; i++) {
        int m = i == 5 ? -1 : i % 3;
        frames[i] = (ds_frame){
            .pc = (m >= 0 ? mods[m].base : 0x1000) + 0x1004 + 0x10u * (unsigned)i,
            .sp = 0xfffff80440105800u + 0x40u * (unsigned)i,
            .fp = 0,
            .trust = trusts[i],
            .module = {m >= 0 ? (uint64_t)m : 0, m >= 0},
            .function = srcs[i % 6] == DS_SYM_NONE ? NULL : "DsgWorker",
            .function_offset = 0x4,
            .symbol_source = srcs[i % 6],
            .exact = i % 2 == 0,
            .is_trap_frame = i == 2,
        };
    }
    /* source lines and inline frames: known, and with unknown parts */
    ds_inline_frame inl[2] = {{"Inner", "c:\\src\\inner.h", {12, true}},
                              {NULL, NULL, {0, false}}};
    frames[0].source_file = "c:\\src\\mydrv.c";
    frames[0].source_line = (ds_u64){58, true};
    frames[0].inlines = inl;
    frames[0].ninlines = 2;
    frames[5].source_file = "/src/elsewhere.c";
    frames[5].inlines = inl + 1;
    frames[5].ninlines = 1;
    ds_stack stacks[3] = {
        {DS_STACK_FAULTING, "faulting context", {0, false}, frames, 7, "reached stack base"},
        {DS_STACK_BUGCHECK, "bug-check CPU 0", {0, false}, frames + 1, 2, NULL},
        {DS_STACK_THREAD, NULL, {3060, true}, NULL, 0, "no context"},
    };
    c->stacks = stacks;
    c->nstacks = 3;

    /* threads with and without context and thread info */
    ds_thread threads[2];
    memset(threads, 0, sizeof threads);
    threads[0].id = 3060;
    threads[0].teb = 0x7ffdf000;
    threads[0].stack_base = 0x12f31c;
    threads[0].stack_size = 3300;
    threads[0].has_context = true;
    threads[0].context = c->context;
    threads[0].name = "main";
    threads[0].has_info = true;
    threads[0].dump_flags = 0x1;
    threads[0].start_address = (ds_u64){0x401000, true};
    threads[0].create_time = (ds_u64){0x01C7506B4F3D5A00ull, true};
    threads[1].id = 4544;
    c->threads = threads;
    c->nthreads = 2;
    c->crashing_thread = (ds_u64){3060, true};

    /* verdict: every crash class, confidence and access; with and without suspect */
    char *reasons[] = {"the faulting instruction is in mydrv.sys", "mydrv.sys is named"};
    char *caveats[] = {"the stack was partly scanned"};
    ds_suspect alts[2] = {
        {{1, true}, "hal.dll", NULL, 0, 20, "on the stack", "microsoft"},
        {{0, false}, "oldflt.sys", "OldDispatch", 0x30, 10, NULL, NULL},
    };
    ds_verdict *v = &c->verdict;
    memset(v, 0, sizeof *v);
    c->has_verdict = true;
    v->title = "SYSTEM_THREAD_EXCEPTION_NOT_HANDLED_M";
    v->description = "A system thread raised an exception nobody handled.";
    v->has_suspect = true;
    v->suspect = (ds_suspect){{2, true}, "mydrv.sys", "DsgWorker", 0x4, 100, "the fault is in it",
                              "third_party"};
    v->reasons = reasons;
    v->nreasons = 2;
    v->caveats = caveats;
    v->ncaveats = 1;
    v->alternates = alts;
    v->nalternates = 2;
    v->bucket = "driver_fault_mydrv.sys!DsgWorker";
    v->faulting_ip = "mydrv!DsgWorker+0x4";
    for (int i = 0; i < 4; i++) {
        v->param_role[i] = ds_param_role_name((ds_param_role)(i % DS_ROLE_COUNT_));
        v->param_meaning[i] = i == 3 ? NULL : "what it is";
    }
    static const char *const access[] = {"read", "write", "execute", "access", NULL};
    char what[128];
    for (int k = 0; k < DS_CLASS_COUNT_; k++) {
        v->crash_class = ds_crash_class_name((ds_crash_class)k);
        v->confidence = (ds_confidence)(k % 4);
        v->access = access[k % 5];
        v->faulting_address = (ds_u64){0xfffff80415a01004u, true};
        snprintf(what, sizeof what, "injected verdict class %s", v->crash_class);
        render_injected(what, d);
    }
    char cls[64][32];
    size_t ncls = exception_classes(cls, 64);
    CHECK(ncls >= 5);
    v->has_suspect = false;
    v->nalternates = 0;
    for (size_t k = 0; k < ncls; k++) {
        v->crash_class = cls[k];
        snprintf(what, sizeof what, "injected verdict application class %s", cls[k]);
        render_injected(what, d);
    }
    /* every parameter role, four at a time */
    v->crash_class = NULL; /* written as "unknown" */
    for (int r = 0; r < DS_ROLE_COUNT_; r += 4) {
        for (int i = 0; i < 4; i++)
            v->param_role[i] = r + i < DS_ROLE_COUNT_
                                   ? ds_param_role_name((ds_param_role)(r + i))
                                   : NULL;
        snprintf(what, sizeof what, "injected verdict roles %d..%d", r, r + 3);
        render_injected(what, d);
    }
    /* an empty verdict: every text unknown */
    memset(v, 0, sizeof *v);
    c->has_verdict = true;
    render_injected("injected empty verdict", d);

    /* the same model as a minidump: kernel null, minidump facts present */
    c->format = DS_FORMAT_MINIDUMP;
    c->has_kernel = false;
    c->has_mdmp = true;
    c->dump_kind = "minidump";
    ds_minidump_info *m = &c->mdmp;
    m->streams = 13;
    m->version = 0xa793;
    m->flags = 0x1826;
    m->has_system_info = true;
    m->platform_id = 0x8201;
    m->platform = "linux";
    m->processor_arch_raw = 9;
    m->cpu_info = (char *)"GenuineIntel family 6 model 13 stepping 8";
    m->build_string = (char *)"19041.1.amd64fre.vb_release.191206-1406";
    m->csd_version = "Service Pack 1";
    m->os_text = "Linux 3.13.0-53-generic #89-Ubuntu SMP x86_64";
    m->process_id = (ds_u64){3932, true};
    m->process_create_time = (ds_u64){1171480435, true};
    m->memory_ranges = 3;
    m->memory_bytes = 5884;
    m->handle_count = (ds_u64){42, true};
    m->breakpad_dump_thread = (ds_u64){4544, true};
    m->breakpad_requesting_thread = (ds_u64){3060, true};
    m->lsb_release = (char *)"Ubuntu 14.04 LTS";
    m->linux_maps_entries = (ds_u64){128, true};
    m->has_crashpad = true;
    m->crashpad_report_id = (char *)"01234567-89ab-cdef-0123-456789abcdef";
    m->crashpad_annotations = 3;
    for (unsigned i = 0; i < nm; i++)
        mods[i].flags = (mods[i].flags & ~(uint32_t)(DS_MOD_FROM_DRIVER_LIST)) |
                        DS_MOD_FROM_MINIDUMP;
    c->exception.thread_id = (ds_u64){3060, true};
    c->exception.nparams = 2;
    render_injected("injected minidump", d);
    c->mdmp.has_system_info = false;
    c->mdmp.platform = NULL;
    c->mdmp.has_crashpad = true;
    c->mdmp.crashpad_report_id = NULL;
    render_injected("injected minidump without system info", d);

    *c = saved;
    printf("injected: %u documents\n", docs_validated - before);
    ds_close(d);
}

/* -------------------------------------------------------------- 3d. corpus */

static void corpus(void)
{
    static const char *const dirs[] = {"kernel", "user", "bad"};
    char root[1024], syms[2200];
    if (!corpus_path("", root, sizeof root)) {
        printf("corpus: absent (%s), skipped; the rest ran\n", root);
        return;
    }
    char a[1024], b[1024];
    snprintf(syms, sizeof syms, "%s;%s", corpus_path("symbols", a, sizeof a) ? a : "",
             corpus_path("user/breakpad-symbols", b, sizeof b) ? b : "");
    ds_open_options with_symbols = {DS_OPEN_OPTIONS_INIT, .symbol_path = syms, .all_threads = true};
    ds_open_options bare = {DS_OPEN_OPTIONS_INIT, .no_symbols = true};
    unsigned files = 0, opened = 0;
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
        char dir[1200];
        if (!corpus_path(dirs[i], dir, sizeof dir))
            continue;
        DIR *dp = opendir(dir);
        if (!dp)
            continue;
        struct dirent *de;
        while ((de = readdir(dp))) {
            char path[2400], what[2500];
            struct stat st;
            snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
            if (de->d_name[0] == '.' || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
                continue;
            files++;
            bool must = strcmp(dirs[i], "bad") != 0;
            snprintf(what, sizeof what, "corpus %s/%s", dirs[i], de->d_name);
            opened += validate_file(what, path, &bare, must);
            snprintf(what, sizeof what, "corpus %s/%s with symbols, all threads", dirs[i],
                     de->d_name);
            validate_file(what, path, &with_symbols, must);
        }
        closedir(dp);
    }
    CHECK(files > 0);
    printf("corpus: %u files, %u opened\n", files, opened);
}

/* ------------------------------------------------------------ 4. man page */

static bool man_has(const char *man, const char *name)
{
    char a[160];
    snprintf(a, sizeof a, "\\fB%s\\fR", name);
    if (strstr(man, a))
        return true;
    /* ".B name" or ".B a, name, b" */
    for (const char *p = strstr(man, ".B "); p; p = strstr(p + 1, ".B ")) {
        const char *e = strchr(p + 3, '\n');
        size_t l = e ? (size_t)(e - (p + 3)) : strlen(p + 3);
        char line[512];
        snprintf(line, sizeof line, "%.*s", (int)(l < 511 ? l : 511), p + 3);
        for (char *tok = strtok(line, ", "); tok; tok = strtok(NULL, ", "))
            if (strcmp(tok, name) == 0)
                return true;
    }
    return false;
}

/* Every property name the schema declares, anywhere. */
static void schema_names(const json_t *s, json_t *names)
{
    if (json_is_array(s)) {
        size_t i;
        const json_t *e;
        json_array_foreach(s, i, e) {
            schema_names(e, names);
        }
        return;
    }
    if (!json_is_object(s))
        return;
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)s, key, val) {
        if (!strcmp(key, "properties")) {
            const char *k2;
            json_t *v2;
            json_object_foreach(val, k2, v2) {
                json_object_set_new(names, k2, json_true());
                schema_names(v2, names);
            }
        } else if (!strcmp(key, "enum") || !strcmp(key, "const") || !strcmp(key, "required")) {
            continue;
        } else {
            schema_names(val, names);
        }
    }
}

static void man_page(void)
{
    FILE *f = fopen(DS_SOURCE_DIR "/man/dumpscan-json.5", "r");
    CHECK(f != NULL);
    if (!f)
        return;
    static char man[1 << 17];
    size_t n = fread(man, 1, sizeof man - 1, f);
    fclose(f);
    man[n] = '\0';
    CHECK(strstr(man, "dumpscan-report.schema.json") != NULL);

    /* the top-level entries: ".B name" (or ".B a, b") under .SH MEMBERS */
    const char *sec = strstr(man, "\n.SH MEMBERS\n");
    CHECK(sec != NULL);
    if (!sec)
        return;
    const char *end = strstr(sec + 1, "\n.SH ");
    json_t *listed = json_object();
    for (const char *p = sec; p && (!end || p < end); p = strchr(p + 1, '\n')) {
        if (strncmp(p, "\n.B ", 4) != 0)
            continue;
        const char *e = strchr(p + 1, '\n');
        char line[256];
        snprintf(line, sizeof line, "%.*s", (int)((e ? e : p + strlen(p)) - (p + 4)), p + 4);
        for (char *tok = strtok(line, ", "); tok; tok = strtok(NULL, ", "))
            json_object_set_new(listed, tok, json_true());
    }
    const json_t *top = json_object_get(schema_json, "properties");
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)top, key, val) {
        if (!json_object_get(listed, key)) {
            check_failed++;
            fprintf(stderr, "man/dumpscan-json.5: no .B entry for top-level member \"%s\"\n",
                    key);
        } else {
            check_passed++;
        }
    }
    json_object_foreach(listed, key, val) {
        if (!json_object_get(top, key)) {
            check_failed++;
            fprintf(stderr, "man/dumpscan-json.5: .B entry \"%s\" is not in the schema\n", key);
        } else {
            check_passed++;
        }
    }
    json_decref(listed);

    /* every member at any depth is named in the page */
    json_t *names = json_object();
    schema_names(schema_json, names);
    unsigned missing = 0;
    json_object_foreach(names, key, val) {
        if (!man_has(man, key)) {
            missing++;
            fprintf(stderr, "man/dumpscan-json.5: member \"%s\" is not documented\n", key);
        }
    }
    CHECK(missing == 0);
    CHECK(json_object_size(names) > 150);
    printf("man page: %zu member names checked\n", json_object_size(names));
    json_decref(names);
}

/* -------------------------------------------------------------------- main */

int main(void)
{
    validator_unit();
    printf("validator: %d checks\n", check_passed + check_failed);
    if (!load_schema())
        return check_report("test_json_schema");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    strictness();
    samples();
    generated();
    injected();
    corpus();
    man_page();
    rmdir(tmpdir);
    printf("schema: %u documents validated\n", docs_validated);
    js_free(schema_v);
    json_decref(schema_json);
    return check_report("test_json_schema");
}
