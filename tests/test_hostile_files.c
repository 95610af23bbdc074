/*
 * Unlucky and hostile file system situations, run through the real dumpscan
 * binary (issue 9): output that cannot be written, and (added with each fix)
 * names that are not UTF-8 or hold control characters, trees deeper than
 * PATH_MAX, names that turn into FIFOs. Each check fails without its fix.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "dsgen.h"
#include "dumpscan/dumpscan.h"

#ifndef DUMPSCAN_BIN
#error "DUMPSCAN_BIN must name the dumpscan binary (tests/CMakeLists.txt)"
#endif

static char root[256];

/* Run a shell command; stdout and stderr into *out / *err (caller frees,
 * either may be NULL); the exit status, -1 if it did not exit. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, len = 0, n;
    char *b = malloc(cap);
    while (b && (n = fread(b + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len < 4096) {
            char *nb = realloc(b, cap * 2);
            if (!nb) {
                free(b);
                b = NULL;
                break;
            }
            b = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (b)
        b[len] = '\0';
    return b;
}

static int run(char **out, char **err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int run(char **out, char **err, const char *fmt, ...)
{
    char cmd[4096], full[4800], of[300], ef[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    snprintf(of, sizeof of, "%s/.out", root);
    snprintf(ef, sizeof ef, "%s/.err", root);
    snprintf(full, sizeof full, "(%s) >'%s' 2>'%s'", cmd, of, ef);
    int st = system(full);
    if (out)
        *out = slurp(of);
    if (err)
        *err = slurp(ef);
    return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static size_t count_of(const char *s, const char *what)
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
        CHECK(err && count_of(err, "cannot write") == 1);
        free(err);
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
    cleanup();
    return check_report("test_hostile_files");
}
