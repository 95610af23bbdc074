/*
 * Fleet triage through the real dumpscan binary: --files-from lists (newline
 * and NUL), --shard I/N covering every file exactly once, the progress line
 * (absent when stderr is not a terminal, present on a pseudo-terminal).
 * The folder is a small fleet: HOST-k/Minidump/NNN.dmp over several days, with
 * different verdict scenarios, a file that is not a dump, and a name with
 * characters HTML and CSV must escape.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <unistd.h>

#include "check.h"
#include "dsgen.h"
#include "dumpscan/dumpscan.h"
#include "runcmd.h"

#ifndef DUMPSCAN_BIN
#error "DUMPSCAN_BIN must name the dumpscan binary (tests/CMakeLists.txt)"
#endif

static char root[256];
static unsigned ndumps;

/* FILETIME of 2024-03-01 00:00 UTC plus days and hours. */
static uint64_t day_time(unsigned day, unsigned hour)
{
    const uint64_t base = (1709251200ull + 11644473600ull) * 10000000ull;
    return base + ((uint64_t)day * 86400 + (uint64_t)hour * 3600) * 10000000ull;
}

static bool gen_dump(const char *rel, const char *scenario, uint64_t seed, uint64_t when)
{
    gen_spec s;
    gen_spec_default(&s, DS_ARCH_X64, false, 4);
    gen_spec_seed(&s, seed);
    if (scenario && gen_spec_scenario(&s, scenario) != 0)
        return false;
    s.system_time = when;
    char p[512], err[256];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    if (gen_write(&s, p, err, sizeof err) != 0) {
        fprintf(stderr, "gen %s: %s\n", rel, err);
        return false;
    }
    ndumps++;
    return true;
}

static bool build_fleet(void)
{
    static const char *const scen[] = {NULL, "irql", "pool", "unloaded", "watchdog"};
    char rel[512];
    for (unsigned h = 0; h < 4; h++) {
        snprintf(rel, sizeof rel, "%s/HOST-%u", root, h);
        mkdir(rel, 0755);
        snprintf(rel, sizeof rel, "%s/HOST-%u/Minidump", root, h);
        mkdir(rel, 0755);
        for (unsigned i = 0; i < 4; i++) {
            snprintf(rel, sizeof rel, "HOST-%u/Minidump/%02u%u.dmp", h, i, h);
            if (!gen_dump(rel, scen[(h + i) % 5], 100 + h * 10 + i, day_time(i * 2 + h % 2, h)))
                return false;
        }
    }
    /* names a shell, a CSV and a page must all quote */
    if (!gen_dump("HOST-1/Minidump/<b>&\"q'x.dmp", "pool", 7, day_time(9, 1)))
        return false;
    char p[512];
    snprintf(p, sizeof p, "%s/HOST-2/notes.txt", root);
    FILE *f = fopen(p, "w");
    if (!f)
        return false;
    fputs("not a dump\n", f);
    return fclose(f) == 0;
}

/* Lines of text, sorted, into a fresh string ("" for none). */
static int line_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *sorted_lines(const char *text)
{
    size_t n = count_of(text, "\n") + 1, k = 0;
    char *copy = strdup(text ? text : ""), **lines = calloc(n, sizeof *lines);
    char *out = calloc(1, strlen(copy) + 2);
    for (char *s = copy, *nl; s && *s; s = nl + 1) {
        lines[k++] = s;
        if (!(nl = strchr(s, '\n')))
            break;
        *nl = '\0';
    }
    qsort(lines, k, sizeof *lines, line_cmp);
    for (size_t i = 0; i < k; i++) {
        strcat(out, lines[i]);
        strcat(out, "\n");
    }
    free(lines);
    free(copy);
    return out;
}

static void check_files_from(void)
{
    char *all = NULL, *listed = NULL;
    /* newline list of every file found by find: the same rows as walking */
    CHECK(run_cmd(&all, "'%s' -r --format csv --no-header '%s'", DUMPSCAN_BIN, root) == 0);
    CHECK(run_cmd(&listed, "find '%s' -type f | '%s' --files-from - --format csv --no-header",
                  root, DUMPSCAN_BIN) == 0);
    CHECK(all && listed && count_of(all, "\n") == ndumps);
    CHECK(all && listed && strcmp(all, listed) == 0);
    free(listed);
    /* NUL-separated, detected, and with -0; a list file instead of stdin */
    char list[300];
    snprintf(list, sizeof list, "%s/list0", root);
    CHECK(run_cmd(&listed, "find '%s' -name '*.dmp' -print0 > '%s'", root, list) == 0);
    free(listed);
    CHECK(run_cmd(&listed, "'%s' --files-from '%s' --format csv --no-header", DUMPSCAN_BIN,
                  list) == 0);
    CHECK(all && listed && strcmp(all, listed) == 0);
    free(listed);
    CHECK(run_cmd(&listed, "'%s' -0 --files-from - --format csv --no-header < '%s'",
                  DUMPSCAN_BIN, list) == 0);
    CHECK(all && listed && strcmp(all, listed) == 0);
    free(listed);
    /* a listed file that is missing is a failed row, as on the command line */
    CHECK(run_cmd(&listed, "printf '%s/nope.dmp\\n' | '%s' --files-from - --format csv "
                  "--no-header", root, DUMPSCAN_BIN) == 3);
    CHECK(listed && count_of(listed, "nope.dmp") == 1);
    free(listed);
    /* an unreadable list is a fatal error */
    CHECK(run_cmd(&listed, "'%s' --files-from '%s/no-list' 2>&1", DUMPSCAN_BIN, root) == 1);
    CHECK(listed && strstr(listed, "--files-from") != NULL);
    free(listed);
    free(all);
}

static void check_shards(void)
{
    char *all = NULL, *part = NULL;
    CHECK(run_cmd(&all, "'%s' -r --format csv --no-header '%s'", DUMPSCAN_BIN, root) == 0);
    size_t total = 0;
    char *joined = calloc(1, all ? strlen(all) + 1 : 1);
    for (unsigned i = 0; i < 3; i++) {
        CHECK(run_cmd(&part, "'%s' -r --shard %u/3 --format csv --no-header '%s'",
                      DUMPSCAN_BIN, i, root) == 0);
        size_t n = part ? count_of(part, "\n") : 0;
        CHECK(n > 0 && n < ndumps); /* 17 files split three ways: none takes all */
        total += n;
        if (part && all && strlen(joined) + strlen(part) <= strlen(all))
            strcat(joined, part);
        free(part);
    }
    CHECK_EQ_U64(total, ndumps);
    char *a = sorted_lines(all), *b = sorted_lines(joined);
    CHECK(strcmp(a, b) == 0); /* every file exactly once */
    free(a);
    free(b);
    free(joined);
    free(all);
    static const char *const bad[] = {"3/3", "1", "-1/2", "1/0", "a/b", "1/2x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(run_cmd(&part, "'%s' --shard '%s' '%s' 2>/dev/null", DUMPSCAN_BIN, bad[i],
                      root) == 2);
        free(part);
    }
}

static void check_progress(void)
{
    char *out = NULL, err[300];
    snprintf(err, sizeof err, "%s/stderr.txt", root);
    /* not a terminal: nothing on stderr at all */
    CHECK(run_cmd(&out, "'%s' -r --format csv '%s' 2>'%s' >/dev/null", DUMPSCAN_BIN, root,
                  err) == 0);
    free(out);
    size_t len = 99;
    char *e = slurp(err, &len);
    CHECK(e && len == 0);
    free(e);
    if (access("/usr/bin/script", X_OK) != 0) {
        printf("test_fleet: no script(1): the terminal side of progress not tested\n");
        return;
    }
    /* on a pseudo-terminal: the line with count, rate and ETA, then erased */
    CHECK(run_cmd(&out, "script -qec \"'%s' -r --format csv '%s' >/dev/null\" /dev/null",
                  DUMPSCAN_BIN, root) == 0);
    CHECK(out && strstr(out, " files (100%)") != NULL);
    CHECK(out && strstr(out, "/s, ") != NULL && strstr(out, "ETA ") != NULL);
    CHECK(out && strstr(out, "\r\033[K") != NULL);
    free(out);
}

int main(void)
{
    snprintf(root, sizeof root, "%s/dsfleet-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR")
                                                                      : "/tmp");
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return 1;
    }
    CHECK(build_fleet());
    check_files_from();
    check_shards();
    check_progress();
    char *out = NULL;
    run_cmd(&out, "rm -rf '%s'", root);
    free(out);
    return check_report("test_fleet");
}
