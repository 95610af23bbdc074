/*
 * Unlucky and hostile file system situations, run through the real dumpscan
 * binary (issue 9): output that cannot be written, and (added with each fix)
 * names that are not UTF-8 or hold control characters, trees deeper than
 * PATH_MAX, names that turn into FIFOs. Each check fails without its fix.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "dsgen.h"
#include "dumpscan/dumpscan.h"
#include "runcmd.h"

#ifndef DUMPSCAN_BIN
#error "DUMPSCAN_BIN must name the dumpscan binary (tests/CMakeLists.txt)"
#endif

static char root[256];

/* Run a shell command; stdout and stderr into *out / *err (caller frees,
 * either may be NULL); the exit status, -1 if it did not exit. */
static int run(char **out, char **err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int run(char **out, char **err, const char *fmt, ...)
{
    char of[300], ef[300];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    size_t cap = (size_t)n + 2 * sizeof of + 32;
    char *cmd = malloc((size_t)n + 1), *full = malloc(cap);
    if (!cmd || !full) {
        free(cmd);
        free(full);
        return -1;
    }
    va_start(ap, fmt);
    vsnprintf(cmd, (size_t)n + 1, fmt, ap);
    va_end(ap);
    snprintf(of, sizeof of, "%s/.out", root);
    snprintf(ef, sizeof ef, "%s/.err", root);
    snprintf(full, cap, "(%s) >'%s' 2>'%s'", cmd, of, ef);
    int st = system(full);
    free(cmd);
    free(full);
    if (out)
        *out = slurp(of, NULL);
    if (err)
        *err = slurp(ef, NULL);
    return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static size_t count_overlapping(const char *s, const char *what)
{
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, what)) != NULL; p++)
        n++;
    return n;
}

static int gen_dump(const char *path, uint64_t seed)
{
    gen_spec s;
    gen_spec_default(&s, DS_ARCH_X64, false, 4 /* triage */);
    gen_spec_seed(&s, seed);
    char err[256];
    if (gen_write(&s, path, err, sizeof err) != 0) {
        fprintf(stderr, "gen %s: %s\n", path, err);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------- item 7: write errors */

static void check_write_errors(void)
{
    char dump[300], dir[300];
    snprintf(dump, sizeof dump, "%s/one.dmp", root);
    snprintf(dir, sizeof dir, "%s/w", root);
    if (gen_dump(dump, 7) != 0 || mkdir(dir, 0755) != 0) {
        CHECK(!"could not build the write-error inputs");
        return;
    }
    char sub[320];
    snprintf(sub, sizeof sub, "%s/one.dmp", dir);
    CHECK(link(dump, sub) == 0);
    /* the same commands succeed into a file: the failure below is the write */
    static const char *const modes[] = {"", "--json", "--json --compact", "-v", "--help",
                                        "--version"};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        char *out, *err;
        int rc = run(&out, &err, "'%s' %s '%s'", DUMPSCAN_BIN, modes[i], dump);
        CHECK(rc == 0 && out && strlen(out) > 0);
        free(out);
        free(err);
        rc = run(NULL, &err, "'%s' %s '%s' >/dev/full", DUMPSCAN_BIN, modes[i], dump);
        if (rc != 1 || !err || !strstr(err, "cannot write the output"))
            fprintf(stderr, "mode '%s' into /dev/full: exit %d, stderr: %s\n", modes[i], rc,
                    err ? err : "(none)");
        CHECK(rc == 1);
        CHECK(err && strstr(err, "cannot write the output"));
        free(err);
    }
    /* batch: every format and the summary */
    static const char *const bmodes[] = {"", "--format jsonl", "--format csv",
                                         "--format bsv-csv", "--summary", "--summary --json"};
    for (size_t i = 0; i < sizeof bmodes / sizeof bmodes[0]; i++) {
        char *err;
        int rc = run(NULL, &err, "'%s' %s '%s' >/dev/full", DUMPSCAN_BIN, bmodes[i], dir);
        CHECK(rc == 1);
        CHECK(err && strstr(err, "cannot write the output"));
        /* one message, not one per layer */
        CHECK(err && count_overlapping(err, "cannot write") == 1);
        free(err);
    }
}

/* --------------------------------- items 5 and 8: names from outside */

/* Terminal columns as a test sees them: only the scripts used below. */
static size_t test_width(const char *s)
{
    size_t w = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t cp = *p;
        size_t n = 1;
        if (*p >= 0xF0) {
            cp = (uint32_t)(p[0] & 7) << 18 | (uint32_t)(p[1] & 63) << 12 |
                 (uint32_t)(p[2] & 63) << 6 | (p[3] & 63);
            n = 4;
        } else if (*p >= 0xE0) {
            cp = (uint32_t)(p[0] & 15) << 12 | (uint32_t)(p[1] & 63) << 6 | (p[2] & 63);
            n = 3;
        } else if (*p >= 0xC0) {
            cp = (uint32_t)(p[0] & 31) << 6 | (p[1] & 63);
            n = 2;
        }
        if (cp >= 0x300 && cp <= 0x36F)
            ; /* combining */
        else if ((cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3040 && cp <= 0x30FF) ||
                 (cp >= 0x1F300 && cp <= 0x1FAFF))
            w += 2;
        else
            w++;
        p += n;
    }
    return w;
}

static bool has_raw_control(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p < 0x20 && *p != '\n') || *p == 0x7F)
            return true;
    return false;
}

static bool valid_utf8(const char *s)
{
    json_t *j = json_string(s); /* jansson checks UTF-8 */
    json_decref(j);
    return j != NULL;
}

/* Percent-decoding as any URL library does it: every %HH to its byte. */
static void percent_decode(const char *in, char *out, size_t len)
{
    size_t o = 0;
    for (const char *p = in; *p && o + 1 < len; p++) {
        unsigned v;
        if (p[0] == '%' && p[1] && p[2] && sscanf(p + 1, "%2x", &v) == 1 &&
            strchr("0123456789abcdefABCDEF", p[1]) && strchr("0123456789abcdefABCDEF", p[2])) {
            out[o++] = (char)v;
            p += 2;
        } else {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
}

/* Names a fleet share can hold. */
static const char *const odd_names[] = {
    "new\nline.dmp",          "tab\there.dmp",        "esc\033[31mred.dmp",
    "cr\rreturn.dmp",         "del\177.dmp",          "bad\377byte.dmp",
    "cut\xe4\xb8.dmp",         "\xe4\xb8\xad\xe6\x96\x87\xe5\x90\x8d\xe5\xad\x97.dmp",
    "emoji\xf0\x9f\x92\xa5\xf0\x9f\x94\xa5.dmp", "cafe\xcc\x81.dmp", "100%41.dmp",
    "pct%.dmp",               "back\\slash.dmp",     "bidi\xe2\x80\xae" "exe.dmp",
    "c1\xc2\x85.dmp",
};
enum { NODD = sizeof odd_names / sizeof odd_names[0] };

static void check_table_api(void)
{
    char dump[300];
    snprintf(dump, sizeof dump, "%s/one.dmp", root);
    ds_error err;
    ds_dump *d = ds_open(dump, NULL, &err);
    CHECK(d != NULL);
    if (!d)
        return;
    ds_row *rows[NODD + 2];
    size_t n = 0;
    for (size_t i = 0; i < NODD; i++)
        rows[n++] = ds_row_from_dump(d, odd_names[i]);
    /* a long CJK name: cut between characters */
    rows[n++] = ds_row_from_dump(d, "\xe6\xbc\xa2\xe5\xad\x97\xe6\xbc\xa2\xe5\xad\x97"
                                    "\xe6\xbc\xa2\xe5\xad\x97\xe6\xbc\xa2\xe5\xad\x97"
                                    "\xe6\xbc\xa2\xe5\xad\x97\xe6\xbc\xa2\xe5\xad\x97.dmp");
    rows[n++] = ds_row_failed("fail\nname\377.dmp", NULL, "bad\033thing");
    ds_close(d);
    for (size_t i = 0; i < n; i++)
        CHECK(rows[i] != NULL);
    static const unsigned widths[] = {0, 200, 100, 72, 60};
    for (size_t wi = 0; wi < sizeof widths / sizeof widths[0]; wi++) {
        char *t = ds_rows_table((const ds_row *const *)rows, n, widths[wi]);
        CHECK(t != NULL);
        if (!t)
            continue;
        CHECK(!has_raw_control(t));
        CHECK(valid_utf8(t));
        /* one line per row plus the header */
        size_t lines = 0;
        for (const char *p = t; *p; p++)
            lines += *p == '\n';
        CHECK_EQ_U64(lines, n + 1);
        /* every line: the crash time starts in the header's column */
        char *save = NULL, *copy = strdup(t);
        size_t col = 0, k = 0;
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save), k++) {
            /* (below about 76 columns every column is at its narrowest) */
            if (widths[wi] >= 100)
                CHECK(test_width(line) <= widths[wi]);
            char *at = k == 0 ? strstr(line, "CRASH TIME") : strstr(line, "  20");
            if (k == 0) {
                CHECK(at != NULL);
                col = at ? test_width("") + (size_t)0 : 0;
                if (at) {
                    *at = '\0';
                    col = test_width(line);
                }
                continue;
            }
            if (strstr(line, "  error: ")) { /* the failed row */
                at = strstr(line, "  error: ");
                *at = '\0';
                CHECK_EQ_U64(test_width(line) + 2, col);
                continue;
            }
            CHECK(at != NULL);
            if (at) {
                *at = '\0';
                if (test_width(line) + 2 != col)
                    fprintf(stderr, "width %u row %zu: file cell '%s' ends at %zu, not %zu\n",
                            widths[wi], k, line, test_width(line) + 2, col);
                CHECK_EQ_U64(test_width(line) + 2, col);
            }
        }
        free(copy);
        if (wi == 1) { /* wide enough for every name: the documented escapes */
            CHECK(strstr(t, "new\\nline.dmp") != NULL);
            CHECK(strstr(t, "tab\\there.dmp") != NULL);
            CHECK(strstr(t, "esc\\x1B[31mred.dmp") != NULL);
            CHECK(strstr(t, "cr\\rreturn.dmp") != NULL);
            CHECK(strstr(t, "del\\x7F.dmp") != NULL);
            CHECK(strstr(t, "bad\\xFFbyte.dmp") != NULL);
            CHECK(strstr(t, "cut\\xE4\\xB8.dmp") != NULL);
            CHECK(strstr(t, "back\\\\slash.dmp") != NULL);
            CHECK(strstr(t, "bidi\\xE2\\x80\\xAEexe.dmp") != NULL);
            CHECK(strstr(t, "c1\\xC2\\x85.dmp") != NULL);
            CHECK(strstr(t, "emoji\xf0\x9f\x92\xa5\xf0\x9f\x94\xa5.dmp") != NULL);
            CHECK(strstr(t, "fail\\nname\\xFF.dmp ") != NULL);
            CHECK(strstr(t, "  error: bad\\x1Bthing\n") != NULL);
        }
        ds_free(t);
    }
    /* the summary names failed files the same way */
    ds_summary *s = ds_summary_new();
    for (size_t i = 0; s && i < n; i++)
        CHECK(ds_summary_add(s, rows[i]) == 0);
    char *st = s ? ds_summary_text(s) : NULL;
    CHECK(st && !has_raw_control(st) && valid_utf8(st));
    CHECK(st && strstr(st, "fail\\nname\\xFF.dmp: bad\\x1Bthing"));
    ds_free(st);
    char *sj = s ? ds_summary_json(s, 0) : NULL;
    json_t *j = sj ? json_loads(sj, 0, NULL) : NULL;
    CHECK(j != NULL);
    json_t *f0 = json_array_get(json_object_get(j, "failed"), 0);
    const char *fp = json_string_value(json_object_get(f0, "path"));
    char dec[256];
    CHECK(fp != NULL);
    if (fp) {
        percent_decode(fp, dec, sizeof dec);
        CHECK_STR(dec, "fail\nname\377.dmp");
    }
    json_decref(j);
    ds_free(sj);
    ds_summary_free(s);
    /* every row's JSON keeps its path, reversibly */
    for (size_t i = 0; i < n; i++) {
        char *rj = rows[i] ? ds_row_json(rows[i], 0) : NULL;
        json_t *o = rj ? json_loads(rj, 0, NULL) : NULL;
        const char *p = json_string_value(json_object_get(json_object_get(o, "file"), "path"));
        CHECK(p != NULL);
        if (p) {
            percent_decode(p, dec, sizeof dec);
            CHECK_STR(dec, rows[i]->path);
        }
        json_decref(o);
        ds_free(rj);
        ds_row_free(rows[i]);
    }
}

/* The same names as real files through the CLI: table, JSONL, CSV, --json. */
static void check_odd_names_cli(void)
{
    char dir[300], p[400];
    snprintf(dir, sizeof dir, "%s/odd", root);
    CHECK(mkdir(dir, 0755) == 0);
    for (size_t i = 0; i < NODD; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, odd_names[i]);
        CHECK(gen_dump(p, 100 + i) == 0);
    }
    char *out, *err;
    int rc = run(&out, &err, "'%s' -j 2 '%s'", DUMPSCAN_BIN, dir);
    CHECK(rc == 0);
    CHECK(out && !has_raw_control(out) && valid_utf8(out));
    size_t lines = 0;
    for (const char *q = out; q && *q; q++)
        lines += *q == '\n';
    CHECK_EQ_U64(lines, NODD + 3); /* header, rows, blank, counts */
    CHECK(out && strstr(out, "new\\nline.dmp"));
    free(out);
    free(err);

    /* JSONL: every line has file.path, and decoding it names a real file */
    rc = run(&out, &err, "'%s' --format jsonl '%s'", DUMPSCAN_BIN, dir);
    CHECK(rc == 0);
    bool seen[NODD] = {0};
    size_t nl = 0;
    for (char *save = NULL, *line = out ? strtok_r(out, "\n", &save) : NULL; line;
         line = strtok_r(NULL, "\n", &save), nl++) {
        json_t *o = json_loads(line, 0, NULL);
        const char *fp = json_string_value(json_object_get(json_object_get(o, "file"), "path"));
        CHECK(fp != NULL);
        char dec[400];
        if (fp) {
            percent_decode(fp, dec, sizeof dec);
            const char *base = strrchr(dec, '/');
            for (size_t i = 0; base && i < NODD; i++)
                if (strcmp(base + 1, odd_names[i]) == 0)
                    seen[i] = true;
        }
        json_decref(o);
    }
    CHECK_EQ_U64(nl, NODD);
    for (size_t i = 0; i < NODD; i++)
        CHECK(seen[i]);
    free(out);
    free(err);

    /* --merge reads the JSONL back: the names are the files' bytes again */
    char part[400];
    snprintf(part, sizeof part, "%s/part.jsonl", root);
    rc = run(NULL, NULL, "'%s' --format jsonl '%s' >'%s'", DUMPSCAN_BIN, dir, part);
    CHECK(rc == 0);
    rc = run(&out, &err, "'%s' --merge --format csv '%s'", DUMPSCAN_BIN, part);
    CHECK(rc == 0);
    for (size_t i = 0; i < NODD; i++) {
        char want[300];
        snprintf(want, sizeof want, "/%s", odd_names[i]);
        if (!out || !strstr(out, want))
            fprintf(stderr, "merged CSV lacks %s\n", odd_names[i]);
        CHECK(out && strstr(out, want));
    }
    CHECK(out && !strstr(out, "%2541") && !strstr(out, "%FF"));
    free(out);
    free(err);

    /* single file --json: the 0xff name */
    rc = run(&out, &err, "'%s' --json --compact '%s/bad'\"$(printf '\\377')\"'byte.dmp'",
             DUMPSCAN_BIN, dir);
    CHECK(rc == 0);
    json_t *o = out ? json_loads(out, 0, NULL) : NULL;
    const char *fp = json_string_value(json_object_get(json_object_get(o, "file"), "path"));
    CHECK(fp && strstr(fp, "/bad%FFbyte.dmp"));
    json_decref(o);
    free(out);
    free(err);
    /* the text report names the file with the same escapes as the table */
    rc = run(&out, &err, "'%s' '%s/esc'\"$(printf '\\033')\"'[31mred.dmp'", DUMPSCAN_BIN, dir);
    CHECK(rc == 0 && out && !has_raw_control(out));
    CHECK(out && strstr(out, "/esc\\x1B[31mred.dmp\n"));
    free(out);
    free(err);
    /* "%41" written so that it decodes to itself */
    rc = run(&out, &err, "'%s' --json --compact '%s/100%%41.dmp'", DUMPSCAN_BIN, dir);
    o = out ? json_loads(out, 0, NULL) : NULL;
    fp = json_string_value(json_object_get(json_object_get(o, "file"), "path"));
    CHECK(rc == 0 && fp && strstr(fp, "/100%2541.dmp"));
    json_decref(o);
    free(out);
    free(err);
}

/* Messages on stderr that name a file use the text report's escapes: a name
 * holding ESC and a newline reaches the terminal as "\x1B" and "\n". */
static bool one_escaped_line(const char *err, const char *want)
{
    bool ok = err && !has_raw_control(err) && count_of(err, "\n") == 1 && strstr(err, want);
    if (!ok)
        fprintf(stderr, "stderr %s, wanted one line holding %s\n", err ? err : "(none)", want);
    return ok;
}

static void check_odd_names_stderr(void)
{
    char *shown = ds_display_text("a\033[2Jb\nc\\");
    CHECK_STR(shown, "a\\x1B[2Jb\\nc\\\\");
    ds_free(shown);
    CHECK(ds_display_text(NULL) == NULL);
    char dir[300], p[400];
    snprintf(dir, sizeof dir, "%s/errs", root);
    CHECK(mkdir(dir, 0755) == 0);
    snprintf(p, sizeof p, "%s/esc\033[31m\nnot.txt", dir);
    FILE *f = fopen(p, "w");
    CHECK(f != NULL);
    if (f) {
        fputs("not a dump\n", f);
        fclose(f);
    }
    const char *name = "\"$(printf 'esc\\033[31m\\nnot.txt')\"";
    char *out, *err;
    /* batch, -v: the skipped file is named */
    int rc = run(&out, &err, "'%s' -v '%s'", DUMPSCAN_BIN, dir);
    CHECK(rc == 0);
    CHECK(one_escaped_line(err, "/esc\\x1B[31m\\nnot.txt: skipped: not a dump"));
    free(out);
    free(err);
    /* one file that is not a dump */
    rc = run(&out, &err, "'%s' '%s/'%s", DUMPSCAN_BIN, dir, name);
    CHECK(rc != 0);
    CHECK(one_escaped_line(err, "/esc\\x1B[31m\\nnot.txt: "));
    free(out);
    free(err);
    /* --merge of a part that is not there */
    rc = run(&out, &err, "'%s' --merge '%s/gone-'%s", DUMPSCAN_BIN, dir, name);
    CHECK(rc != 0);
    CHECK(one_escaped_line(err, "/gone-esc\\x1B[31m\\nnot.txt: "));
    free(out);
    free(err);
}

/* ------------------------- item 4, item 3 (batch), exact accounting */

/* Counts of a --summary --json run: seen, analyzed, failed, skipped. */
static bool summary_counts(const char *args, int *rc, long long c[4])
{
    char *out, *err;
    *rc = run(&out, &err, "'%s' --summary --json %s", DUMPSCAN_BIN, args);
    json_t *j = out ? json_loads(out, 0, NULL) : NULL;
    json_t *f = json_object_get(j, "files");
    static const char *const k[4] = {"seen", "analyzed", "failed", "skipped"};
    for (int i = 0; i < 4; i++)
        c[i] = json_integer_value(json_object_get(f, k[i]));
    bool ok = f != NULL;
    if (!ok)
        fprintf(stderr, "summary %s: exit %d, %s\n", args, *rc, err ? err : "");
    json_decref(j);
    free(out);
    free(err);
    return ok;
}

/* A tree deeper than PATH_MAX (made with mkdirat, as no path reaches its
 * bottom), a dump and a text file at the bottom. */
static void check_deep_tree(void)
{
    char top[300];
    snprintf(top, sizeof top, "%s/deep", root);
    CHECK(mkdir(top, 0755) == 0);
    int fd = open(top, O_RDONLY | O_DIRECTORY);
    CHECK(fd >= 0);
    const char *comp = "level-of-a-tree-deeper-than-path-max-0123456789";
    size_t levels = PATH_MAX / strlen(comp) + 8;
    size_t plen = strlen(top) + levels * (strlen(comp) + 1) + 32;
    char *path = malloc(plen);
    snprintf(path, plen, "%s", top);
    for (size_t i = 0; fd >= 0 && i < levels; i++) {
        CHECK(mkdirat(fd, comp, 0755) == 0);
        int next = openat(fd, comp, O_RDONLY | O_DIRECTORY);
        close(fd);
        fd = next;
        strcat(path, "/");
        strcat(path, comp);
    }
    CHECK(fd >= 0 && strlen(path) > PATH_MAX);
    char made[300];
    snprintf(made, sizeof made, "%s/made.dmp", root);
    CHECK(gen_dump(made, 44) == 0);
    CHECK(renameat(AT_FDCWD, made, fd, "bottom.dmp") == 0);
    int tf = openat(fd, "notes.txt", O_WRONLY | O_CREAT, 0644);
    CHECK(tf >= 0 && write(tf, "not a dump\n", 11) == 11);
    close(tf);
    close(fd);

    /* before: ENAMETOOLONG from stat() was taken for a broken link, no row */
    long long c[4];
    int rc;
    char args[400];
    snprintf(args, sizeof args, "-r '%s'", top);
    CHECK(summary_counts(args, &rc, c));
    CHECK(rc == 0);
    CHECK(c[0] == 2 && c[1] == 1 && c[2] == 0 && c[3] == 1);
    /* the row names the whole path, with the file's size */
    char *out, *err;
    rc = run(&out, &err, "'%s' -r --format csv '%s'", DUMPSCAN_BIN, top);
    CHECK(rc == 0);
    char *want = malloc(plen);
    snprintf(want, plen, "%s/bottom.dmp,ok,,", path);
    CHECK(out && strstr(out, want));
    const char *at = out ? strstr(out, want) : NULL;
    CHECK(at && strncmp(at + strlen(want), "0,", 2) != 0); /* the size, from fstatat */
    free(out);
    free(err);
    /* a folder named by a path longer than PATH_MAX is a batch, too */
    rc = run(&out, &err, "'%s' '%s'", DUMPSCAN_BIN, path);
    CHECK(rc == 0 && out && strstr(out, "bottom.dmp  ") && strstr(out, "2 files seen: 1 analyzed"));
    free(out);
    free(err);
    /* one file named by a path longer than PATH_MAX: the full report */
    rc = run(&out, &err, "'%s' --json --compact '%s/bottom.dmp'", DUMPSCAN_BIN, path);
    json_t *j = out ? json_loads(out, 0, NULL) : NULL;
    const char *fp = json_string_value(json_object_get(json_object_get(j, "file"), "path"));
    CHECK(rc == 0 && fp && strlen(fp) > PATH_MAX);
    CHECK(json_integer_value(json_object_get(json_object_get(j, "file"), "size")) > 0);
    json_decref(j);
    free(out);
    free(err);
    free(want);
    free(path);
}

/* Inside a directory: a link that leads nowhere and one that loops are error
 * rows; a FIFO and a device are counted skips. */
static void check_entries(void)
{
    char dir[300], p[400];
    snprintf(dir, sizeof dir, "%s/ent", root);
    CHECK(mkdir(dir, 0755) == 0);
    snprintf(p, sizeof p, "%s/a.dmp", dir);
    CHECK(gen_dump(p, 45) == 0);
    snprintf(p, sizeof p, "%s/dangling.dmp", dir);
    CHECK(symlink("no-such-file.dmp", p) == 0);
    snprintf(p, sizeof p, "%s/loop.dmp", dir);
    CHECK(symlink("loop.dmp", p) == 0);
    snprintf(p, sizeof p, "%s/fifo.dmp", dir);
    CHECK(mkfifo(p, 0644) == 0);
    snprintf(p, sizeof p, "%s/null.dmp", dir);
    CHECK(symlink("/dev/null", p) == 0);
    long long c[4];
    int rc;
    char args[400];
    snprintf(args, sizeof args, "'%s'", dir);
    CHECK(summary_counts(args, &rc, c));
    CHECK(rc == 3);
    CHECK(c[0] == 5 && c[1] == 1 && c[2] == 2 && c[3] == 2);
    char *out, *err;
    rc = run(&out, &err, "'%s' --format csv '%s'", DUMPSCAN_BIN, dir);
    CHECK(rc == 3);
    CHECK(out && strstr(out, "/dangling.dmp,failed,symbolic link: No such file or directory"));
    CHECK(out && strstr(out, "/loop.dmp,failed,symbolic link: Too many levels of symbolic links"));
    free(out);
    free(err);
    /* named on the command line, the same are error rows */
    rc = run(&out, &err, "'%s' --format csv '%s/fifo.dmp' '%s/null.dmp' '%s/a.dmp'",
             DUMPSCAN_BIN, dir, dir, dir);
    CHECK(rc == 3);
    CHECK(out && strstr(out, "/fifo.dmp,failed,not a regular file"));
    CHECK(out && strstr(out, "/null.dmp,failed,not a regular file"));
    CHECK(out && strstr(out, "/a.dmp,ok,"));
    free(out);
    free(err);
    /* a directory that cannot be read (root reads everything: not here) */
    if (geteuid() != 0) {
        snprintf(p, sizeof p, "%s/locked", dir);
        CHECK(mkdir(p, 0) == 0);
        snprintf(args, sizeof args, "-r '%s'", dir);
        CHECK(summary_counts(args, &rc, c));
        CHECK(rc == 3 && c[2] == 3);
        chmod(p, 0755);
        rmdir(p);
    }
}

/* A name that is a regular file when the walk meets it and a FIFO (then a
 * device) when a worker opens it: an error row at once, never a hang. The
 * swap happens while dumpscan waits, after walking its arguments, to open
 * its --files-from list, which is a FIFO this test opens only then. */
static void check_fifo_race(void)
{
    static const char *const swaps[] = {"fifo", "device"};
    for (int k = 0; k < 2; k++) {
        char dir[300], dump[400], list[400], res[400], cmd[2400];
        snprintf(dir, sizeof dir, "%s/race%d", root, k);
        CHECK(mkdir(dir, 0755) == 0);
        snprintf(dump, sizeof dump, "%s/a.dmp", dir);
        snprintf(list, sizeof list, "%s/list", dir);
        snprintf(res, sizeof res, "%s/out.csv", dir);
        CHECK(gen_dump(dump, 46) == 0 && mkfifo(list, 0644) == 0);
        snprintf(cmd, sizeof cmd,
                 "timeout 60 '%s' --format csv --files-from '%s' '%s' >'%s' 2>/dev/null; "
                 "echo $? >>'%s'", DUMPSCAN_BIN, list, dump, res, res);
        pid_t pid = fork();
        if (pid == 0) {
            execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
            _exit(127);
        }
        /* returns once dumpscan opens the list: its arguments are walked */
        int lfd = open(list, O_WRONLY);
        CHECK(lfd >= 0);
        CHECK(unlink(dump) == 0);
        if (k == 0)
            CHECK(mkfifo(dump, 0644) == 0);
        else
            CHECK(symlink("/dev/zero", dump) == 0);
        close(lfd); /* an empty list */
        int st;
        CHECK(waitpid(pid, &st, 0) == pid);
        char *out = slurp(res, NULL);
        if (!out || !strstr(out, "a.dmp,failed,"))
            fprintf(stderr, "%s swap: %s\n", swaps[k], out ? out : "(no output)");
        /* one error row naming what the file had become; exit 3, not 124 */
        CHECK(out && strstr(out, "/a.dmp,failed,not a regular file (a "));
        CHECK(out && strstr(out, k == 0 ? "FIFO" : "character device"));
        size_t len = out ? strlen(out) : 0;
        CHECK(len > 2 && strcmp(out + len - 2, "3\n") == 0);
        free(out);
    }
}

/* ------------------------------------------------------------------ main */

static void cleanup(void)
{
    char *out;
    run(&out, NULL, "chmod -R u+rwx '%s' 2>/dev/null; rm -rf '%s'", root, root);
    free(out);
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(root, sizeof root, "%s/ds-hostile-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return 1;
    }
    check_write_errors();
    check_table_api();
    check_odd_names_cli();
    check_odd_names_stderr();
    check_deep_tree();
    check_entries();
    check_fifo_race();
    cleanup();
    return check_report("test_hostile_files");
}
