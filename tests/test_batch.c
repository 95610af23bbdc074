/*
 * Batch triage: a temporary folder of mixed files (every kernel arch/DumpType
 * dsgen writes, a gzip dump, a user-mode minidump built here, files that are
 * not dumps, truncated and corrupt dumps, a symbolic-link loop, an unreadable
 * file, a subfolder) run through the real dumpscan binary in each batch mode.
 * Checks exact accounting (analyzed + failed + skipped = seen, each count as
 * expected), that every JSONL line equals `dumpscan --json --compact FILE`,
 * the same output at -j 1 and -j 2, CSV and BSV column counts and order, the
 * summary, exit codes; and the row/CSV/BSV/summary API directly.
 */
#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "check.h"
#include "dsgen.h"
#include "dumpscan/dumpscan.h"
#include "mdmp.h"
#include "runcmd.h"

#ifndef DUMPSCAN_BIN
#error "DUMPSCAN_BIN must name the dumpscan binary (tests/CMakeLists.txt)"
#endif

static char root[256];

/* ------------------------------------------------------------ utilities */

static void path_of(char *buf, size_t len, const char *rel)
{
    snprintf(buf, len, "%s/%s", root, rel);
}

static bool write_file(const char *rel, const void *data, size_t len)
{
    char p[512];
    path_of(p, sizeof p, rel);
    FILE *f = fopen(p, "wb");
    if (!f)
        return false;
    bool ok = fwrite(data, 1, len, f) == len;
    return fclose(f) == 0 && ok;
}

/* Run a shell command; stdout into *out (caller frees); the exit status. */
static int run(const char *cmd, char **out)
{
    FILE *p = popen(cmd, "r");
    if (!p) {
        *out = NULL;
        return -1;
    }
    *out = read_all(p, NULL);
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int run_fmt(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int run_fmt(char **out, const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    return run(cmd, out);
}

/* Split text into lines (in place); returns the count. */
static size_t split_lines(char *s, char **lines, size_t max)
{
    size_t n = 0;
    while (s && *s && n < max) {
        lines[n++] = s;
        char *nl = strchr(s, '\n');
        if (!nl)
            break;
        *nl = '\0';
        if (nl > s && nl[-1] == '\r')
            nl[-1] = '\0';
        s = nl + 1;
    }
    return n;
}

/* RFC 4180 fields of one record (no embedded line breaks in our data):
 * count, and the text of field `want` unquoted into buf. */
static int csv_fields(const char *line, int want, char *buf, size_t len)
{
    int field = 0;
    size_t o = 0;
    bool quoted = false;
    if (buf && len)
        buf[0] = '\0';
    for (const char *p = line;; p++) {
        char ch = *p;
        if (quoted) {
            if (ch == '\0')
                return -1; /* unterminated quote */
            if (ch == '"' && p[1] == '"') {
                ch = '"';
                p++;
            } else if (ch == '"') {
                quoted = false;
                continue;
            }
        } else if (ch == '"') {
            quoted = true;
            continue;
        } else if (ch == ',' || ch == '\0') {
            if (field == want && buf && len)
                buf[o < len ? o : len - 1] = '\0';
            field++;
            if (ch == '\0')
                return field;
            continue;
        }
        if (field == want && buf && o + 1 < len)
            buf[o++] = ch;
    }
}

static int display_width(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* ------------------------------------------------ the mixed folder */

typedef enum { EXP_ANALYZED, EXP_FAILED, EXP_SKIPPED } expect;

typedef struct entry {
    char rel[128];
    expect exp;
    bool nested; /* in sub/: only with --recursive */
} entry;

static entry entries[128];
static size_t nentries;

static void add(const char *rel, expect e)
{
    if (nentries >= sizeof entries / sizeof entries[0])
        abort();
    entry *x = &entries[nentries++];
    snprintf(x->rel, sizeof x->rel, "%s", rel);
    x->exp = e;
    x->nested = strncmp(rel, "sub/", 4) == 0;
}

/* What the library itself says about a file with a dump signature. */
static expect library_verdict(const char *rel)
{
    char p[512];
    path_of(p, sizeof p, rel);
    ds_format fmt;
    bool gz;
    ds_error err;
    if (ds_detect_file(p, &fmt, &gz, &err) != 0)
        return EXP_FAILED;
    if (fmt == DS_FORMAT_UNKNOWN)
        return EXP_SKIPPED;
    ds_dump *d = ds_open(p, NULL, &err);
    if (!d)
        return EXP_FAILED;
    ds_close(d);
    return EXP_ANALYZED;
}

static int gen(const char *rel, int arch, bool pae, uint32_t type, uint64_t seed,
               void (*tweak)(gen_spec *))
{
    gen_spec s;
    gen_spec_default(&s, arch, pae, type);
    gen_spec_seed(&s, seed);
    if (tweak)
        tweak(&s);
    char p[512], err[256];
    path_of(p, sizeof p, rel);
    if (gen_write(&s, p, err, sizeof err) != 0) {
        fprintf(stderr, "gen %s: %s\n", rel, err);
        return -1;
    }
    return 0;
}

static void tw_gzip(gen_spec *s) { s->gzip = true; }
static void tw_trunc(gen_spec *s) { s->truncate_at = 20000; }
static void tw_loop(gen_spec *s) { s->modlist_loop = true; }
static void tw_badtriage(gen_spec *s) { s->bad_triage_offsets = true; }
static void tw_irql(gen_spec *s)
{
    gen_spec_scenario(s, "irql");
}

/* A minimal x64 user-mode minidump: header, SystemInfo, Exception with its
 * context (testdata/gen/mdmp.h; doc/formats.md 8). */
static bool write_mdmp(const char *rel)
{
    mdw w;
    mdw_begin(&w, 2, 1710504000); /* 2024-03-15 12:00:00 UTC */
    uint32_t si = mdw_system_info(&w, MDW_X64.raw);
    mdw_set32(&w, si + 16, 19045); /* build */
    uint32_t ctx = mdw_context(&w, &MDW_X64, 0x7FF6A0001234ull, 0x7FFE0000ull);
    mdw_set32(&w, ctx + 0x30, 0x10001F); /* CONTEXT_AMD64 | FULL */
    const uint64_t params[2] = {1 /* write */, 0x10};
    mdw_exception(&w, 0x1234, 0xC0000005, 0x7FF6A0001234ull, params, 2, ctx,
                  MDW_X64.ctx_size);
    bool ok = write_file(rel, w.b, w.len);
    mdw_free(&w);
    return ok;
}

static bool copy_file(const char *from_rel, const char *to_rel)
{
    char p[512];
    path_of(p, sizeof p, from_rel);
    FILE *f = fopen(p, "rb");
    if (!f)
        return false;
    static uint8_t buf[1 << 22];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return n > 0 && write_file(to_rel, buf, n);
}

static bool build_folder(void)
{
    static const uint32_t x64_types[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    static const uint32_t x86_types[] = {1, 2, 3, 4, 5, 6, 7};
    static const uint32_t arm_types[] = {1, 3, 4, 5, 6, 7};
    char rel[128];
    uint64_t seed = 1;
    for (size_t i = 0; i < 10; i++) {
        snprintf(rel, sizeof rel, "x64-t%u.dmp", x64_types[i]);
        if (gen(rel, DS_ARCH_X64, false, x64_types[i], seed++, NULL))
            return false;
        add(rel, EXP_ANALYZED);
    }
    for (int pae = 0; pae < 2; pae++)
        for (size_t i = 0; i < 7; i++) {
            snprintf(rel, sizeof rel, "x86%s-t%u.dmp", pae ? "pae" : "", x86_types[i]);
            if (gen(rel, DS_ARCH_X86, pae, x86_types[i], seed++, NULL))
                return false;
            add(rel, EXP_ANALYZED);
        }
    for (size_t i = 0; i < 6; i++) {
        snprintf(rel, sizeof rel, "arm64-t%u.DMP", arm_types[i]);
        if (gen(rel, DS_ARCH_ARM64, false, arm_types[i], seed++, NULL))
            return false;
        add(rel, EXP_ANALYZED);
    }
    /* gzip, named without .gz: recognized by signature */
    if (gen("triage-gz.bin", DS_ARCH_X64, false, 4, seed++, tw_gzip))
        return false;
    add("triage-gz.bin", EXP_ANALYZED);
    /* user-mode minidump */
    if (!write_mdmp("app.mdmp"))
        return false;
    add("app.mdmp", EXP_ANALYZED);
    /* damaged but readable: truncated, looping module list, bad triage offsets */
    if (gen("trunc-t6.dmp", DS_ARCH_X64, false, 6, seed++, tw_trunc) ||
        gen("modloop-t1.dmp", DS_ARCH_X64, false, 1, seed++, tw_loop) ||
        gen("badtriage-t4.dmp", DS_ARCH_X64, false, 4, seed++, tw_badtriage))
        return false;
    add("trunc-t6.dmp", library_verdict("trunc-t6.dmp"));
    add("modloop-t1.dmp", library_verdict("modloop-t1.dmp"));
    add("badtriage-t4.dmp", library_verdict("badtriage-t4.dmp"));
    /* a kernel signature and nothing else, a minidump header cut short, a
     * gzip whose deflate data is garbage */
    if (!write_file("sigonly.dmp", "PAGEDU64\x01\x02", 10) ||
        !write_file("badgz.dmp.gz", "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xff\xff\xff\xff"
                                    "\xfe\xfd\xfc\xfb\xfa", 19))
        return false;
    /* (the library decides whether a bare signature is a damaged dump) */
    add("sigonly.dmp", library_verdict("sigonly.dmp"));
    add("badgz.dmp.gz", EXP_FAILED);
    if (!write_file("short.mdmp", "MDMP\x93\xa7\0\0\x05", 9))
        return false;
    add("short.mdmp", library_verdict("short.mdmp"));
    /* not dumps: text, empty, a PNG, a .dmp that is text, gzip of text */
    static const char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    if (!write_file("notes.txt", "machine list\n", 13) || !write_file("empty.dmp", "", 0) ||
        !write_file("image.png", png, sizeof png - 1) ||
        !write_file("fake.dmp", "PAGEDUMMY is not a dump\n", 24))
        return false;
    char p[512];
    path_of(p, sizeof p, "log.txt.gz");
    gzFile g = gzopen(p, "wb");
    if (!g || gzputs(g, "just a log file, long enough to be more than eight bytes\n") < 0)
        return false;
    gzclose(g);
    add("notes.txt", EXP_SKIPPED);
    add("empty.dmp", EXP_SKIPPED);
    add("image.png", EXP_SKIPPED);
    add("fake.dmp", EXP_SKIPPED);
    add("log.txt.gz", EXP_SKIPPED);
    /* unreadable file: a real dump with mode 000 (root still reads it) */
    if (!copy_file("x64-t4.dmp", "locked.dmp"))
        return false;
    path_of(p, sizeof p, "locked.dmp");
    chmod(p, 0);
    add("locked.dmp", access(p, R_OK) == 0 ? EXP_ANALYZED : EXP_FAILED);
    /* symbolic links: to a file here (the same file: counted once, under the
     * name met first in name order), a loop to itself (an error row: ELOOP,
     * never dropped), and in sub/ one back up (a directory loop, cut) */
    char l[512];
    path_of(l, sizeof l, "zz-same-as-t4.dmp");
    path_of(p, sizeof p, "selfloop");
    if (symlink("x64-t4.dmp", l) != 0 || symlink("selfloop", p) != 0)
        return false;
    add("selfloop", EXP_FAILED);
    path_of(p, sizeof p, "sub");
    if (mkdir(p, 0755) != 0)
        return false;
    path_of(p, sizeof p, "sub/up");
    if (symlink("..", p) != 0)
        return false;
    path_of(p, sizeof p, "sub/deeper");
    if (mkdir(p, 0755) != 0)
        return false;
    if (gen("sub/irql.dmp", DS_ARCH_X64, false, 4, seed++, tw_irql) ||
        gen("sub/deeper/x86.dmp", DS_ARCH_X86, true, 4, seed++, NULL) ||
        !write_file("sub/readme.txt", "hello\n", 6))
        return false;
    add("sub/irql.dmp", EXP_ANALYZED);
    add("sub/deeper/x86.dmp", EXP_ANALYZED);
    add("sub/readme.txt", EXP_SKIPPED);
    return true;
}

static void count_expected(bool recursive, unsigned *an, unsigned *fa, unsigned *sk)
{
    *an = *fa = *sk = 0;
    for (size_t i = 0; i < nentries; i++) {
        if (entries[i].nested && !recursive)
            continue;
        *an += entries[i].exp == EXP_ANALYZED;
        *fa += entries[i].exp == EXP_FAILED;
        *sk += entries[i].exp == EXP_SKIPPED;
    }
}

static const entry *find_entry(const char *path)
{
    size_t rl = strlen(root);
    if (strncmp(path, root, rl) != 0 || path[rl] != '/')
        return NULL;
    for (size_t i = 0; i < nentries; i++)
        if (strcmp(entries[i].rel, path + rl + 1) == 0)
            return &entries[i];
    return NULL;
}

/* ------------------------------------------------------------ the checks */

static void check_summary(bool recursive)
{
    char *out;
    int rc = run_fmt(&out, "%s --summary --json %s %s 2>/dev/null", DUMPSCAN_BIN,
                     recursive ? "-r" : "", root);
    unsigned an, fa, sk;
    count_expected(recursive, &an, &fa, &sk);
    CHECK_EQ_U64(rc, fa ? 3 : 0);
    json_error_t je;
    json_t *j = out ? json_loads(out, 0, &je) : NULL;
    CHECK(j != NULL);
    if (j) {
        json_t *f = json_object_get(j, "files");
        json_int_t seen = json_integer_value(json_object_get(f, "seen"));
        json_int_t a = json_integer_value(json_object_get(f, "analyzed"));
        json_int_t fl = json_integer_value(json_object_get(f, "failed"));
        json_int_t s = json_integer_value(json_object_get(f, "skipped"));
        CHECK_EQ_U64(a, an);
        CHECK_EQ_U64(fl, fa);
        CHECK_EQ_U64(s, sk);
        CHECK_EQ_U64(a + fl + s, seen);
        CHECK_EQ_U64(seen, an + fa + sk);
        /* each grouping covers every analyzed dump once */
        static const char *const groupings[] = {"by_suspect_module", "by_bucket",
                                                "by_bugcheck"};
        for (int g = 0; g < 3; g++) {
            json_t *arr = json_object_get(j, groupings[g]);
            json_int_t sum = 0;
            size_t i;
            json_t *v;
            json_array_foreach(arr, i, v) sum += json_integer_value(json_object_get(v, "count"));
            CHECK_EQ_U64(sum, an);
        }
        /* bug checks: 0xa only from sub/irql.dmp */
        json_t *bc = json_object_get(j, "by_bugcheck");
        size_t i;
        json_t *v;
        bool saw_a = false, saw_exc = false;
        json_array_foreach(bc, i, v)
        {
            const char *code = json_string_value(json_object_get(v, "code"));
            if (code && strcmp(code, "0xa") == 0) {
                saw_a = true;
                CHECK_EQ_U64(json_integer_value(json_object_get(v, "count")), 1);
                json_t *m = json_object_get(v, "machines");
                CHECK_EQ_U64(json_array_size(m), 1);
                const char *dir = json_string_value(json_array_get(m, 0));
                CHECK(dir && strstr(dir, "/sub") != NULL);
            }
            if (code && strcmp(code, "0xc0000005") == 0) {
                saw_exc = true;
                CHECK_STR(json_string_value(json_object_get(v, "code_type")), "exception");
                CHECK_STR(json_string_value(json_object_get(v, "first_crash")),
                          "2024-03-15T12:00:00Z");
            }
        }
        CHECK(saw_a == recursive);
        CHECK(saw_exc);
        CHECK_EQ_U64(json_array_size(json_object_get(j, "failed")), fa);
        json_decref(j);
    }
    free(out);

    /* the same summary as text */
    rc = run_fmt(&out, "%s --summary %s %s 2>/dev/null", DUMPSCAN_BIN, recursive ? "-r" : "",
                 root);
    char want[128];
    snprintf(want, sizeof want, "%u files seen: %u analyzed, %u failed, %u skipped", an + fa + sk,
             an, fa, sk);
    CHECK(out && strstr(out, want) != NULL);
    CHECK(out && strstr(out, "By bug check:") != NULL);
    free(out);
}

/* JSONL: one line per analyzed or failed file, each equal to the file's
 * single-file --json --compact report; identical at -j 1 and -j 2. */
static void check_jsonl(void)
{
    char *one, *two;
    int rc1 = run_fmt(&one, "%s -r -j 1 --format jsonl %s 2>/dev/null", DUMPSCAN_BIN, root);
    int rc2 = run_fmt(&two, "%s -r --jobs 2 --json %s 2>/dev/null", DUMPSCAN_BIN, root);
    unsigned an, fa, sk;
    count_expected(true, &an, &fa, &sk);
    CHECK_EQ_U64(rc1, fa ? 3 : 0);
    CHECK_EQ_U64(rc2, rc1);
    CHECK(one && two && strcmp(one, two) == 0);
    if (!one || !two) {
        free(one);
        free(two);
        return;
    }
    static char *lines[256];
    size_t n = split_lines(one, lines, 256);
    CHECK_EQ_U64(n, an + fa);
    unsigned ok = 0, failed = 0;
    char prev_time[40] = "";
    bool unknown_seen = false;
    for (size_t i = 0; i < n; i++) {
        json_error_t je;
        json_t *j = json_loads(lines[i], 0, &je);
        CHECK(j != NULL);
        if (!j)
            continue;
        const char *path = json_string_value(json_object_get(json_object_get(j, "file"), "path"));
        const entry *e = path ? find_entry(path) : NULL;
        CHECK(e != NULL);
        const char *status = json_string_value(json_object_get(j, "status"));
        if (status && strcmp(status, "failed") == 0) {
            failed++;
            CHECK(e && e->exp == EXP_FAILED);
            CHECK(json_string_value(json_object_get(j, "error")) != NULL);
            unknown_seen = true;
        } else {
            ok++;
            CHECK(e && e->exp == EXP_ANALYZED);
            /* the same bytes as analyzing the file alone */
            char *single;
            int rc = run_fmt(&single, "%s --json --compact '%s'", DUMPSCAN_BIN, path);
            CHECK_EQ_U64(rc, 0);
            if (single) {
                size_t l = strlen(single);
                if (l && single[l - 1] == '\n')
                    single[l - 1] = '\0';
                CHECK(strcmp(single, lines[i]) == 0);
            }
            free(single);
            /* sorted by crash time; unknown times after every known one */
            const char *t = json_string_value(json_object_get(j, "crash_time"));
            if (t) {
                CHECK(!unknown_seen);
                CHECK(strcmp(prev_time, t) <= 0);
                snprintf(prev_time, sizeof prev_time, "%s", t);
            } else {
                unknown_seen = true;
            }
        }
        json_decref(j);
    }
    CHECK_EQ_U64(ok, an);
    CHECK_EQ_U64(failed, fa);
    free(one);
    free(two);
}

static void check_csv(void)
{
    char *out;
    int rc = run_fmt(&out, "%s -r --format csv -j 2 %s 2>/dev/null", DUMPSCAN_BIN, root);
    unsigned an, fa, sk;
    count_expected(true, &an, &fa, &sk);
    CHECK_EQ_U64(rc, fa ? 3 : 0);
    static char *lines[256];
    size_t n = out ? split_lines(out, lines, 256) : 0;
    CHECK_EQ_U64(n, 1 + an + fa);
    if (n) {
        char hdr[600];
        snprintf(hdr, sizeof hdr, "%s", ds_row_csv_header());
        hdr[strcspn(hdr, "\r\n")] = '\0';
        CHECK_STR(lines[0], hdr);
        CHECK_EQ_U64(csv_fields(lines[0], -1, NULL, 0), DS_CSV_COLUMNS);
    }
    unsigned ok = 0, failed = 0;
    for (size_t i = 1; i < n; i++) {
        char status[16], path[512], kind[32];
        CHECK_EQ_U64(csv_fields(lines[i], 1, status, sizeof status), DS_CSV_COLUMNS);
        csv_fields(lines[i], 0, path, sizeof path);
        csv_fields(lines[i], 6, kind, sizeof kind);
        const entry *e = find_entry(path);
        CHECK(e != NULL);
        if (strcmp(status, "ok") == 0) {
            ok++;
            CHECK(e && e->exp == EXP_ANALYZED);
            if (e && strcmp(e->rel, "app.mdmp") == 0) {
                char code[32], type[32], p1[32];
                csv_fields(lines[i], 12, code, sizeof code);
                csv_fields(lines[i], 11, type, sizeof type);
                csv_fields(lines[i], 14, p1, sizeof p1);
                CHECK_STR(code, "0xc0000005");
                CHECK_STR(type, "exception");
                CHECK_STR(p1, "0x1");
                CHECK_STR(kind, "minidump");
            }
            if (e && strcmp(e->rel, "x64-t4.dmp") == 0)
                CHECK_STR(kind, "triage");
        } else {
            failed++;
            CHECK_STR(status, "failed");
            CHECK(e && e->exp == EXP_FAILED);
            char err[300];
            csv_fields(lines[i], 2, err, sizeof err);
            CHECK(err[0] != '\0');
        }
    }
    CHECK_EQ_U64(ok, an);
    CHECK_EQ_U64(failed, fa);
    free(out);

    /* --sort path: paths ascending; ~path: descending */
    rc = run_fmt(&out, "%s -r --format csv --no-header --sort ~path %s 2>/dev/null",
                 DUMPSCAN_BIN, root);
    n = out ? split_lines(out, lines, 256) : 0;
    CHECK_EQ_U64(n, an + fa);
    for (size_t i = 1; i < n; i++) {
        char a[512], b[512];
        csv_fields(lines[i - 1], 0, a, sizeof a);
        csv_fields(lines[i], 0, b, sizeof b);
        CHECK(strcmp(a, b) > 0);
    }
    free(out);
}

static void check_bsv(void)
{
    char *out;
    unsigned an, fa, sk;
    count_expected(true, &an, &fa, &sk);
    run_fmt(&out, "%s -r --format bsv-csv %s 2>/dev/null", DUMPSCAN_BIN, root);
    static char *lines[256];
    size_t n = out ? split_lines(out, lines, 256) : 0;
    CHECK_EQ_U64(n, an + fa); /* BlueScreenView writes no header by default */
    bool saw_t4 = false;
    for (size_t i = 0; i < n; i++) {
        char name[128], full[512];
        CHECK_EQ_U64(csv_fields(lines[i], 0, name, sizeof name), DS_BSV_COLUMNS);
        csv_fields(lines[i], 20, full, sizeof full);
        const char *slash = strrchr(full, '/');
        CHECK(slash && strcmp(slash + 1, name) == 0);
        if (strcmp(name, "x64-t4.dmp") == 0) {
            saw_t4 = true;
            char v[64];
            csv_fields(lines[i], 3, v, sizeof v);
            CHECK_STR(v, "0x1000007e");
            csv_fields(lines[i], 4, v, sizeof v);
            CHECK_STR(v, "ffffffff`c0000005");
            csv_fields(lines[i], 14, v, sizeof v);
            CHECK_STR(v, "x64");
            csv_fields(lines[i], 22, v, sizeof v);
            CHECK_STR(v, "15");
            csv_fields(lines[i], 23, v, sizeof v);
            CHECK_STR(v, "19041");
            csv_fields(lines[i], 15, v, sizeof v);
            CHECK(strncmp(v, "mydrv.sys+", 10) == 0);
            csv_fields(lines[i], 24, v, sizeof v);
            CHECK(strchr(v, ',') != NULL); /* "65,716": grouped digits, quoted */
        }
        if (strncmp(name, "x86-t", 5) == 0) {
            char v[64];
            csv_fields(lines[i], 14, v, sizeof v);
            CHECK_STR(v, "32-bit");
            csv_fields(lines[i], 4, v, sizeof v);
            CHECK_EQ_U64(strlen(v), 8);
        }
    }
    CHECK(saw_t4);
    free(out);
    run_fmt(&out, "%s -r --format bsv-csv --header %s 2>/dev/null", DUMPSCAN_BIN, root);
    n = out ? split_lines(out, lines, 256) : 0;
    CHECK_EQ_U64(n, 1 + an + fa);
    if (n) {
        CHECK(strncmp(lines[0], "Dump File,Crash Time,Bug Check String,Bug Check Code,", 53) ==
              0);
        CHECK_EQ_U64(csv_fields(lines[0], -1, NULL, 0), DS_BSV_COLUMNS);
    }
    free(out);
}

/* --merge of JSONL parts gives the rows one run gives: crash address,
 * suspect offset and the x86 stack addresses come from the reports' module
 * bases and frames (they were "+0" or empty before); only the file times,
 * which a report does not hold, differ. */
static void check_merge_rows(void)
{
    char *direct = NULL, *merged = NULL, *ignored = NULL;
    char part[600];
    snprintf(part, sizeof part, "%s.part.jsonl", root);
    run_fmt(&ignored, "%s -r --format jsonl %s > %s 2>/dev/null", DUMPSCAN_BIN, root, part);
    free(ignored);
    run_fmt(&direct, "%s -r --sort path --format bsv-csv %s 2>/dev/null", DUMPSCAN_BIN, root);
    run_fmt(&merged, "%s --merge --sort path --format bsv-csv %s 2>/dev/null", DUMPSCAN_BIN,
            part);
    unlink(part);
    static char *a[256], *b[256];
    size_t na = direct ? split_lines(direct, a, 256) : 0;
    size_t nb = merged ? split_lines(merged, b, 256) : 0;
    CHECK(na > 0 && na == nb);
    unsigned stacks = 0;
    for (size_t i = 0; i < na && i < nb; i++)
        for (int col = 0; col < 25; col++) { /* 25: the file's time */
            char va[512], vb[512];
            csv_fields(a[i], col, va, sizeof va);
            csv_fields(b[i], col, vb, sizeof vb);
            if (col == 24 && !vb[0]) /* a gzip file's size on disk: not in its report */
                continue;
            if (strcmp(va, vb) != 0) {
                fprintf(stderr, "merged row %zu column %d: \"%s\" != \"%s\"\n", i, col, vb, va);
                CHECK(false);
            }
            stacks += col == 16 && va[0];
        }
    CHECK(stacks > 0); /* the folder has x86 dumps with stack addresses */
    free(direct);
    free(merged);
}

static void check_table(void)
{
    char *out;
    unsigned an, fa, sk;
    count_expected(false, &an, &fa, &sk);
    int rc = run_fmt(&out, "%s %s 2>/dev/null", DUMPSCAN_BIN, root);
    CHECK_EQ_U64(rc, fa ? 3 : 0);
    static char *lines[256];
    size_t n = out ? split_lines(out, lines, 256) : 0;
    /* header, rows, blank, the accounting line */
    CHECK_EQ_U64(n, 1 + an + fa + 2);
    for (size_t i = 0; i < n; i++)
        CHECK(display_width(lines[i]) <= 100);
    if (n) {
        CHECK(strncmp(lines[0], "FILE", 4) == 0);
        char want[128];
        snprintf(want, sizeof want, "%u files seen: %u analyzed, %u failed, %u skipped",
                 an + fa + sk, an, fa, sk);
        CHECK(strstr(lines[n - 1], want) == lines[n - 1]);
    }
    size_t errors = 0;
    for (size_t i = 1; i + 2 < n; i++)
        errors += strstr(lines[i], "error: ") != NULL;
    CHECK_EQ_U64(errors, fa);
    free(out);
}

static void check_cli_edges(void)
{
    char *out;
    /* usage errors */
    CHECK_EQ_U64(run_fmt(&out, "%s --format nope %s 2>/dev/null", DUMPSCAN_BIN, root), 2);
    free(out);
    CHECK_EQ_U64(run_fmt(&out, "%s --jobs 0 %s 2>/dev/null", DUMPSCAN_BIN, root), 2);
    free(out);
    CHECK_EQ_U64(run_fmt(&out, "%s --sort color %s 2>/dev/null", DUMPSCAN_BIN, root), 2);
    free(out);
    /* a folder of good dumps only: 0; a missing path named: an error row, 3 */
    CHECK_EQ_U64(run_fmt(&out, "%s -r %s/sub/deeper 2>/dev/null", DUMPSCAN_BIN, root), 0);
    free(out);
    CHECK_EQ_U64(run_fmt(&out, "%s --format csv %s/sub/deeper %s/missing.dmp 2>/dev/null",
                         DUMPSCAN_BIN, root, root),
                 3);
    CHECK(out && strstr(out, "missing.dmp,failed,No such file or directory") != NULL);
    free(out);
    /* an empty folder: nothing seen, exit 0 */
    char p[512];
    path_of(p, sizeof p, "emptydir");
    CHECK(mkdir(p, 0755) == 0);
    CHECK_EQ_U64(run_fmt(&out, "%s %s 2>/dev/null", DUMPSCAN_BIN, p), 0);
    CHECK(out && strstr(out, "0 files seen: 0 analyzed, 0 failed, 0 skipped") != NULL);
    free(out);
    rmdir(p);
    /* single-file mode is unchanged: text, -j as --json, exit 1 for a non-dump */
    CHECK_EQ_U64(run_fmt(&out, "%s %s/x64-t4.dmp", DUMPSCAN_BIN, root), 0);
    CHECK(out && strstr(out, "BUGCHECK_CODE: 1000007e") != NULL);
    free(out);
    CHECK_EQ_U64(run_fmt(&out, "%s -j %s/x64-t4.dmp", DUMPSCAN_BIN, root), 0);
    CHECK(out && out[0] == '{');
    free(out);
    CHECK_EQ_U64(run_fmt(&out, "%s %s/notes.txt 2>/dev/null", DUMPSCAN_BIN, root), 1);
    free(out);
    /* two files, no batch option: two single-file reports, as before */
    CHECK_EQ_U64(run_fmt(&out, "%s --json --compact %s/x64-t4.dmp %s/app.mdmp", DUMPSCAN_BIN,
                         root, root),
                 0);
    static char *lines[8];
    CHECK_EQ_U64(out ? split_lines(out, lines, 8) : 0, 2);
    free(out);
}

/* The library side: rows, CSV quoting, BSV values, summary text. */
static void check_api(void)
{
    char p[512];
    path_of(p, sizeof p, "x86pae-t4.dmp");
    ds_error err;
    ds_dump *d = ds_open(p, NULL, &err);
    CHECK(d != NULL);
    if (!d)
        return;
    ds_row *r = ds_row_from_dump(d, NULL);
    ds_close(d); /* the row stands alone */
    CHECK(r != NULL);
    if (!r)
        return;
    CHECK_STR(r->path, p);
    CHECK(!r->failed && r->has_code && r->code == 0x1000007e);
    CHECK(r->arch == DS_ARCH_X86);
    CHECK(r->mtime.known && r->file_size.known && r->file_size.value > 0);
    char *line = ds_row_bsv(r);
    char v[64];
    CHECK(line && csv_fields(line, 4, v, sizeof v) == DS_BSV_COLUMNS);
    CHECK_STR(v, "c0000005");
    csv_fields(line, 14, v, sizeof v);
    CHECK_STR(v, "32-bit");
    csv_fields(line, 1, v, sizeof v); /* M/D/YYYY h:mm:ss AM|PM */
    CHECK(strstr(v, " AM") || strstr(v, " PM"));
    ds_free(line);
    line = ds_row_csv(r);
    CHECK(line && csv_fields(line, 0, NULL, 0) == DS_CSV_COLUMNS);
    CHECK(line && strlen(line) >= 2 && strcmp(line + strlen(line) - 2, "\r\n") == 0);
    ds_free(line);

    /* RFC 4180 quoting */
    ds_row *f = ds_row_failed("dir/a,\"b\".dmp", NULL, "bad \"header\"");
    CHECK(f != NULL);
    line = f ? ds_row_csv(f) : NULL;
    CHECK(line && strncmp(line, "\"dir/a,\"\"b\"\".dmp\",failed,\"bad \"\"header\"\"\",", 40) ==
                      0);
    char back[64];
    CHECK(line && csv_fields(line, 0, back, sizeof back) == DS_CSV_COLUMNS);
    CHECK_STR(back, "dir/a,\"b\".dmp");
    ds_free(line);

    /* a cabinet member that failed: the row owns a copy of the member name */
    char member[] = "WER.cab:mini.dmp";
    ds_row *fm = ds_row_failed(member, member + 8, "LZX");
    member[8] = 'X';
    CHECK(fm && fm->in_cab && strcmp(fm->in_cab, "mini.dmp") == 0);
    CHECK(fm && ds_row_cabinet_len(fm) == 7); /* "WER.cab" */
    CHECK(f && ds_row_cabinet_len(f) == 0);
    char *fj = fm ? ds_row_json(fm, 0) : NULL;
    CHECK(fj && strstr(fj, "\"in_cab\":\"mini.dmp\"") != NULL);
    ds_free(fj);
    ds_row_free(fm);

    /* summary: 2 of 3 in one directory */
    ds_summary *s = ds_summary_new();
    CHECK(s != NULL);
    /* group by the bare code: this row's verdict title would name 0x1000007e
     * for the 0xA copy below too */
    free(r->title);
    r->title = NULL;
    if (s) {
        CHECK(ds_summary_add(s, r) == 0);
        CHECK(ds_summary_add(s, r) == 0);
        char *rp = r->path;
        r->path = (char *)"elsewhere/other.dmp";
        r->code = 0xA;
        CHECK(ds_summary_add(s, r) == 0);
        r->path = rp;
        CHECK(ds_summary_add(s, f) == 0);
        ds_summary_skipped(s, 4);
        char *t = ds_summary_text(s);
        CHECK(t && strstr(t, "8 files seen: 3 analyzed, 1 failed, 4 skipped") != NULL);
        CHECK(t && strstr(t, "0x1000007e: 2 of 3 crashes (67%)") != NULL);
        CHECK(t && strstr(t, "0xa: 1 of 3 crashes (33%)") != NULL);
        CHECK(t && strstr(t, "\n      1 machine: elsewhere\n") != NULL);
        ds_free(t);
        t = ds_summary_json(s, 0);
        CHECK(t && strstr(t, "\"seen\":8") != NULL);
        ds_free(t);
        ds_summary_free(s);
    }

    /* table: error row, width honoured */
    const ds_row *rows[2] = {r, f};
    char *t = ds_rows_table(rows, 2, 80);
    static char *lines[8];
    size_t n = t ? split_lines(t, lines, 8) : 0;
    CHECK_EQ_U64(n, 3);
    for (size_t i = 0; i < n; i++)
        CHECK(display_width(lines[i]) <= 80);
    CHECK(n == 3 && strstr(lines[2], "error: bad") != NULL);
    ds_free(t);
    ds_row_free(f);
    ds_row_free(r);
}

static void cleanup(void)
{
    char p[512];
    path_of(p, sizeof p, "locked.dmp");
    chmod(p, 0644);
    char *out;
    run_fmt(&out, "rm -rf '%s'", root);
    free(out);
}

int main(void)
{
    snprintf(root, sizeof root, "%s/ds-batch-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return 1;
    }
    if (!build_folder()) {
        fprintf(stderr, "could not build the test folder in %s\n", root);
        cleanup();
        return 1;
    }
    unsigned an, fa, sk;
    count_expected(true, &an, &fa, &sk);
    printf("folder: %u analyzed, %u failed, %u skipped expected\n", an, fa, sk);
    CHECK(fa >= 2 && sk >= 6 && an >= 30);
    check_summary(true);
    check_summary(false);
    check_jsonl();
    check_csv();
    check_bsv();
    check_merge_rows();
    check_table();
    check_cli_edges();
    check_api();
    cleanup();
    return check_report("test_batch");
}
