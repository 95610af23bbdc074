/*
 * Fleet triage through the real dumpscan binary: --files-from lists (newline
 * and NUL), --shard I/N covering every file exactly once, the progress line
 * (absent when stderr is not a terminal, present on a pseudo-terminal), the
 * crash database (--db: recall by name and by content, re-analysis, schema
 * migration, WAL, a run killed half-way), --since and new buckets, machine
 * rules, the HTML page (escaping; rendered by headless Chromium when there is
 * one) and --merge of shards equal to one run byte for byte.
 * The folder is a small fleet: HOST-k/Minidump/NNN.dmp over several days, with
 * different verdict scenarios, a file that is not a dump, and a name with
 * characters HTML and CSV must escape.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "dsgen.h"
#include "dumpscan/dumpscan.h"
#include "pngcheck.h"
#include "report/rowrec.h"
#include "runcmd.h"

/* Internal (src/report/db.c): a database at an older schema version. */
int ds_db_create_at(const char *path, int version, ds_db **out, ds_error *err);

#ifndef DUMPSCAN_BIN
#error "DUMPSCAN_BIN must name the dumpscan binary (tests/CMakeLists.txt)"
#endif

static char root[200];    /* the fleet: only dumps and one text file */
static char scratch[220]; /* what the test writes besides */
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
    snprintf(p, sizeof p, "%s%s%s", rel[0] == '/' ? "" : root, rel[0] == '/' ? "" : "/", rel);
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
    snprintf(list, sizeof list, "%s/list0", scratch);
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
    snprintf(err, sizeof err, "%s/stderr.txt", scratch);
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

/* ------------------------------------------------------ the database */

static long long sql_int(const char *db, const char *sql)
{
    sqlite3 *h;
    long long v = -1;
    if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        sqlite3_stmt *st;
        sqlite3_busy_timeout(h, 5000);
        if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK) {
            if (sqlite3_step(st) == SQLITE_ROW)
                v = sqlite3_column_int64(st, 0);
            sqlite3_finalize(st);
        }
    }
    sqlite3_close(h);
    return v;
}

static bool sql_exec(const char *db, const char *sql)
{
    sqlite3 *h;
    bool ok = sqlite3_open(db, &h) == SQLITE_OK &&
              sqlite3_exec(h, sql, NULL, NULL, NULL) == SQLITE_OK;
    sqlite3_close(h);
    return ok;
}

/* The last non-empty line of text (in place). */
static const char *last_line(char *text)
{
    if (!text)
        return "";
    size_t n = strlen(text);
    while (n && text[n - 1] == '\n')
        text[--n] = '\0';
    char *nl = strrchr(text, '\n');
    return nl ? nl + 1 : text;
}

static void check_db(void)
{
    char db[300], *out = NULL, *plain = NULL, *again = NULL, want[200];
    snprintf(db, sizeof db, "%s/crash.db", scratch);
    unsigned n = ndumps;
    /* first run analyzes everything; the second nothing, with the same rows */
    CHECK(run_cmd(&plain, "'%s' -r --format csv '%s'", DUMPSCAN_BIN, root) == 0);
    CHECK(run_cmd(&out, "'%s' -r --db '%s' '%s'", DUMPSCAN_BIN, db, root) == 0);
    snprintf(want, sizeof want, "%u files seen: %u analyzed, 0 from the database, 0 failed, "
             "1 skipped (not dumps)", n + 1, n);
    CHECK_STR(last_line(out), want);
    free(out);
    CHECK(run_cmd(&out, "'%s' -r --db '%s' '%s'", DUMPSCAN_BIN, db, root) == 0);
    snprintf(want, sizeof want, "%u files seen: 0 analyzed, %u from the database, 0 failed, "
             "1 skipped (not dumps)", n + 1, n);
    CHECK_STR(last_line(out), want);
    free(out);
    CHECK(run_cmd(&again, "'%s' -r --db '%s' --format csv '%s' 2>/dev/null", DUMPSCAN_BIN, db,
                  root) == 0);
    CHECK(plain && again && strcmp(plain, again) == 0); /* stored rows render the same */
    free(again);
    CHECK(sql_int(db, "SELECT count(*) FROM dumps") == (long long)n);
    CHECK(sql_int(db, "SELECT count(*) FROM files") == (long long)n);
    CHECK(sql_int(db, "SELECT version FROM schema_version") == 3);
    CHECK(sql_int(db, "SELECT sum(count) FROM buckets") == (long long)n);
    CHECK(sql_int(db, "SELECT count(DISTINCT machine) FROM dumps") == 4); /* HOST-0..3 */
    sqlite3 *h;
    if (sqlite3_open(db, &h) == SQLITE_OK) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(h, "PRAGMA journal_mode", -1, &st, NULL) == SQLITE_OK) {
            CHECK(sqlite3_step(st) == SQLITE_ROW &&
                  strcmp((const char *)sqlite3_column_text(st, 0), "wal") == 0);
            sqlite3_finalize(st);
        }
        sqlite3_close(h);
    }

    /* a renamed dump and a copy are recognised by content, not analyzed */
    char a[400], b[400];
    snprintf(a, sizeof a, "%s/HOST-3/Minidump/003.dmp", root);
    snprintf(b, sizeof b, "%s/HOST-3/Minidump/renamed.dmp", root);
    CHECK(rename(a, b) == 0);
    CHECK(run_cmd(&out, "cp '%s' '%s/HOST-0/copy.dmp'", b, root) == 0);
    free(out);
    CHECK(run_cmd(&out, "'%s' -r --db '%s' --format csv '%s' 2>&1 >/dev/null", DUMPSCAN_BIN,
                  db, root) == 0);
    snprintf(want, sizeof want, "dumpscan: %u files seen: 0 analyzed, %u from the database, "
             "0 failed, 1 skipped", n + 2, n + 1);
    CHECK_STR(last_line(out), want);
    free(out);
    CHECK(sql_int(db, "SELECT count(*) FROM dumps") == (long long)n);
    CHECK(sql_int(db, "SELECT count(*) FROM files WHERE path LIKE '%renamed.dmp'") == 1);

    CHECK(rename(b, a) == 0);
    /* the copy stays: the database, like the folder, counts it as a file */
    ndumps++;
    n++;

    /* JSONL wants the full report: stored by the first JSONL run, then recalled */
    char *direct = NULL;
    CHECK(run_cmd(&direct, "'%s' -r --format jsonl '%s'", DUMPSCAN_BIN, root) == 0);
    CHECK(run_cmd(&out, "'%s' -r --db '%s' --format jsonl '%s' 2>&1 >/dev/null", DUMPSCAN_BIN,
                  db, root) == 0);
    CHECK(out && strstr(out, " 0 from the database") != NULL);
    free(out);
    CHECK(run_cmd(&out, "'%s' -r --db '%s' --format jsonl '%s' 2>/dev/null", DUMPSCAN_BIN, db,
                  root) == 0);
    CHECK(direct && out && strcmp(direct, out) == 0);
    free(out);
    free(direct);

    /* --reanalyze, and rows of an older analysis version */
    CHECK(run_cmd(&out, "'%s' -r --db '%s' --reanalyze --format csv '%s' 2>&1 >/dev/null",
                  DUMPSCAN_BIN, db, root) == 0);
    CHECK(out && strstr(out, " 0 from the database") != NULL);
    free(out);
    CHECK(sql_exec(db, "UPDATE dumps SET analysis_version = 0 WHERE id IN "
                       "(SELECT id FROM dumps ORDER BY id LIMIT 3)"));
    CHECK(run_cmd(&out, "'%s' -r --db '%s' --format csv '%s' 2>&1 >/dev/null", DUMPSCAN_BIN,
                  db, root) == 0);
    CHECK(out && strstr(out, ": 3 analyzed,") != NULL);
    free(out);
    CHECK(sql_int(db, "SELECT count(*) FROM dumps WHERE analysis_version = 0") == 0);

    /* no paths: the database itself */
    CHECK(run_cmd(&out, "'%s' --db '%s' --format csv --no-header", DUMPSCAN_BIN, db) == 0);
    CHECK(out && count_of(out, "\n") == n);
    free(out);
    free(plain);
}

static void check_migration(void)
{
    char db[300], *out = NULL;
    snprintf(db, sizeof db, "%s/old.db", scratch);
    ds_db *d = NULL;
    ds_error err;
    CHECK(ds_db_create_at(db, 1, &d, &err) == 0);
    CHECK(d && ds_db_schema_version(d) == 1);
    ds_db_close(d);
    CHECK(sql_int(db, "SELECT count(*) FROM pragma_table_info('dumps') WHERE name = 'report'")
          == 0);
    /* a version-1 row, as version 1 wrote it */
    CHECK(sql_exec(db, "INSERT INTO dumps(size, head_hash, path, machine, analysis_version,"
                       " recorded, analyzed, crash_time, status, bucket, row) VALUES (1, 'h',"
                       " '/x/old.dmp', 'old', 1, 1, 1, 1709251200, 'ok', 'old_bucket',"
                       " '{\"path\":\"/x/old.dmp\",\"format\":2,\"bucket\":\"old_bucket\"}')"));
    d = ds_db_open(db, &err);
    CHECK(d && ds_db_schema_version(d) == 3);
    ds_db_close(d);
    CHECK(sql_int(db, "SELECT count(*) FROM pragma_table_info('dumps') WHERE name = 'report'")
          == 1);
    CHECK(sql_int(db, "SELECT count(*) FROM dumps WHERE bucket = 'old_bucket'") == 1);
    CHECK(run_cmd(&out, "'%s' --db '%s' --summary", DUMPSCAN_BIN, db) == 0);
    CHECK(out && strstr(out, "old_bucket: 1 of 1 crash") != NULL);
    free(out);
    /* a newer schema is refused, not damaged */
    CHECK(sql_exec(db, "UPDATE schema_version SET version = 99"));
    CHECK(ds_db_open(db, &err) == NULL && strstr(err.text, "newer") != NULL);
    CHECK(run_cmd(&out, "'%s' --db '%s' --summary 2>&1", DUMPSCAN_BIN, db) == 1);
    free(out);
    CHECK(sql_int(db, "SELECT version FROM schema_version") == 99);
    /* not a database at all */
    char junk[300];
    snprintf(junk, sizeof junk, "%s/HOST-2/notes.txt", root);
    CHECK(ds_db_open(junk, &err) == NULL);
}

/* Kill a run half-way (SIGKILL once the database holds a committed dump),
 * then run again: nothing committed is lost, the rest is analyzed, and the
 * rows are those of a clean run. */
static void check_killed_run(void)
{
    char dir[300], db[300], *out = NULL, *clean = NULL;
    snprintf(dir, sizeof dir, "%s/many", scratch);
    snprintf(db, sizeof db, "%s/kill.db", scratch);
    mkdir(dir, 0755);
    enum { MANY = 400 };
    for (unsigned i = 0; i < MANY; i++) {
        char rel[400];
        snprintf(rel, sizeof rel, "%s/%03u.dmp", dir, i);
        if (!gen_dump(rel, NULL, 1000 + i, day_time(i % 30, i % 24)))
            break;
        ndumps--; /* not part of the fleet the other checks count */
    }
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        execl(DUMPSCAN_BIN, "dumpscan", "-j", "1", "--db", db, "--format", "csv", dir,
              (char *)NULL);
        _exit(127);
    }
    CHECK(pid > 0);
    long long at_kill = -1;
    for (int i = 0; i < 20000 && pid > 0; i++) { /* up to ~100 s */
        long long c = sql_int(db, "SELECT count(*) FROM dumps");
        if (c > 0) {
            kill(pid, SIGKILL);
            at_kill = c;
            break;
        }
        struct timespec ts = {0, 5000000};
        nanosleep(&ts, NULL);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    bool killed = WIFSIGNALED(st);
    long long kept = sql_int(db, "SELECT count(*) FROM dumps");
    CHECK(at_kill > 0 && kept >= at_kill); /* what was committed is still there */
    if (!killed || kept >= MANY)
        printf("test_fleet: the run finished before it could be killed; resumption only "
               "checked as a re-run\n");
    else
        printf("test_fleet: killed with %lld of %d dumps committed\n", kept, MANY);
    CHECK(run_cmd(&out, "'%s' --db '%s' --format csv '%s' 2>&1 >/dev/null", DUMPSCAN_BIN, db,
                  dir) == 0);
    char want[200];
    snprintf(want, sizeof want, "dumpscan: %d files seen: %lld analyzed, %lld from the "
             "database, 0 failed, 0 skipped", MANY, MANY - kept, kept);
    CHECK_STR(last_line(out), want);
    free(out);
    CHECK(sql_int(db, "SELECT count(*) FROM dumps") == MANY);
    CHECK(run_cmd(&clean, "'%s' --format csv '%s'", DUMPSCAN_BIN, dir) == 0);
    CHECK(run_cmd(&out, "'%s' --db '%s' --format csv '%s' 2>/dev/null", DUMPSCAN_BIN, db,
                  dir) == 0);
    CHECK(clean && out && strcmp(clean, out) == 0);
    free(out);
    free(clean);
    run_cmd(&out, "rm -rf '%s'", dir);
    free(out);
}

static void check_since_and_machines(void)
{
    char db[300], *out = NULL;
    snprintf(db, sizeof db, "%s/crash.db", scratch);
    /* Days 0..7 hold the fleet; the pool scenario's bucket first crashes on
     * day 9 (the odd file name), so it alone is new since day 8. */
    CHECK(run_cmd(&out, "'%s' --db '%s' --summary --since 2024-03-09", DUMPSCAN_BIN, db) == 0);
    CHECK(out && strstr(out, "1 crash since 2024-03-09 00:00") != NULL);
    CHECK(out && strstr(out, "New buckets (first crash on or after 2024-03-09 00:00):\n  (none)")
                     != NULL); /* the pool bucket crashed before too */
    free(out);
    CHECK(run_cmd(&out, "'%s' --db '%s' --summary --since 2024-03-01", DUMPSCAN_BIN, db) == 0);
    CHECK(out && strstr(out, "New buckets (first crash on or after 2024-03-01 00:00):\n  (none)")
                     == NULL); /* everything is new since the first day */
    free(out);
    CHECK(run_cmd(&out, "'%s' --db '%s' --summary --json --compact --since 2024-03-04",
                  DUMPSCAN_BIN, db) == 0);
    json_error_t je;
    json_t *j = out ? json_loads(out, 0, &je) : NULL;
    CHECK(j && json_is_array(json_object_get(j, "new_buckets")));
    CHECK(j && json_integer_value(json_object_get(j, "counted")) > 0);
    /* every new bucket's first crash is on or after the date */
    for (size_t i = 0; j && i < json_array_size(json_object_get(j, "new_buckets")); i++) {
        const char *t = json_string_value(json_object_get(
            json_array_get(json_object_get(j, "new_buckets"), i), "first_crash"));
        CHECK(t && strcmp(t, "2024-03-04") > 0);
    }
    json_decref(j);
    free(out);
    CHECK(run_cmd(&out, "'%s' --since yesterday '%s' 2>&1", DUMPSCAN_BIN, root) == 2);
    free(out);
    /* machine rules: top (default) names HOST-k; a regex names what it captures */
    CHECK(run_cmd(&out, "'%s' -r --machine 'regex:HOST-([0-9])' --summary '%s'", DUMPSCAN_BIN,
                  root) == 0);
    CHECK(out && strstr(out, "machines: 0, 1") != NULL);
    free(out);
    CHECK(run_cmd(&out, "'%s' -r --machine component:-1 --summary '%s'", DUMPSCAN_BIN, root) ==
          0);
    CHECK(out && strstr(out, "1 machine: Minidump") != NULL);
    free(out);
    CHECK(run_cmd(&out, "'%s' -r --summary --files-from - --machine top < /dev/null '%s'",
                  DUMPSCAN_BIN, root) == 0);
    CHECK(out && strstr(out, "HOST-0") != NULL && strstr(out, "/Minidump") == NULL);
    free(out);
    CHECK(run_cmd(&out, "'%s' --machine 'regex:(' '%s' 2>&1", DUMPSCAN_BIN, root) == 2);
    free(out);
    CHECK(run_cmd(&out, "'%s' --machine nonsense '%s' 2>&1", DUMPSCAN_BIN, root) == 2);
    free(out);
}

/* Row records (the database's row column): every field round-trips, escapes
 * decode, and malformed records are refused rather than half-read. */
static void check_records(void)
{
    ds_row r = {0};
    r.path = "C:\\dumps\\\"odd\"\n\xc3\xa9\xf0\x9f\x98\x80.dmp";
    r.format = DS_FORMAT_KERNEL64;
    r.dump_type = (ds_u64){4, true};
    r.mtime.known = true;
    r.mtime.value = -5;
    r.crash_time.known = true;
    r.crash_time.value = 0xFFFFFFFFFFFFFFFFull;
    r.has_code = true;
    r.code = 0x1000007e;
    r.params[3] = 0x8000000000000001ull;
    r.bucket = "b\x01\x7f";
    r.confidence = DS_CONFIDENCE_HIGH;
    char *rec = ds_row_record(&r);
    ds_row *back = rec ? ds_row_from_record(rec) : NULL;
    CHECK(back != NULL);
    if (back) {
        CHECK_STR(back->path, r.path);
        CHECK_STR(back->bucket, r.bucket);
        CHECK(back->mtime.value == -5 && back->mtime.known);
        CHECK_EQ_U64(back->crash_time.value, r.crash_time.value);
        CHECK_EQ_U64(back->params[3], r.params[3]);
        CHECK_EQ_U64(back->code, r.code);
        CHECK(back->confidence == DS_CONFIDENCE_HIGH && back->format == DS_FORMAT_KERNEL64);
        CHECK_STR(back->dump_kind, "triage");
        char *rec2 = ds_row_record(back);
        CHECK(rec2 && strcmp(rec, rec2) == 0);
        free(rec2);
    }
    ds_row_free(back);
    free(rec);
    /* escapes written by hand, a key from a later version, null strings */
    back = ds_row_from_record(" { \"path\" : \"a\\u00e9\\ud83d\\ude00\\t\\/\" , "
                              "\"later\": 12, \"title\": null, \"p1\": \"0xFF\"}");
    CHECK(back && strcmp(back->path, "a\xc3\xa9\xf0\x9f\x98\x80\t/") == 0 &&
          back->title == NULL && back->params[0] == 0xff);
    ds_row_free(back);
    static const char *const bad[] = {
        "", "[]", "{", "{\"path\":\"x\"", "{\"path\":\"x\"} x", "{\"path\":1}",
        "{\"code\":\"1\"}", "{\"code\":-1}", "{\"code\":4294967296}", "{\"p1\":\"ff\"}",
        "{\"p1\":\"0x11112222333344445\"}", "{\"failed\":1}", "{\"later\":{}}",
        "{\"path\":\"\\u0000\"}", "{\"path\":\"\\udc00\"}", "{\"path\":\"\\ud800x\"}",
        "{\"path\":\"\\q\"}", "{\"path\":\"a\nb\"}", "{\"mtime\":1.5}", "{\"path\":\"x\",}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ds_row *x = ds_row_from_record(bad[i]);
        CHECK(x == NULL);
        if (x)
            fprintf(stderr, "accepted bad record %zu: %s\n", i, bad[i]);
        ds_row_free(x);
    }
}

/* ------------------------------------------------------------ the page */

static void check_html_text(const char *page, unsigned rows)
{
    CHECK(page && strncmp(page, "<!DOCTYPE html>", 15) == 0);
    CHECK(page && count_of(page, "<tr class=\"dump") == rows);
    /* the odd name escaped, never raw */
    CHECK(page && strstr(page, "&lt;b&gt;&amp;&quot;q&#39;x.dmp") != NULL);
    CHECK(page && strstr(page, "<b>&") == NULL);
    /* self-contained: no script, nothing fetched */
    CHECK(page && strstr(page, "<script") == NULL && strstr(page, "http://") == NULL &&
          strstr(page, "https://") == NULL && strstr(page, "url(") == NULL &&
          strstr(page, "@import") == NULL);
    CHECK(page && count_of(page, "<svg") == 3);
    CHECK(page && strstr(page, "id=\"new\"") != NULL && strstr(page, "id=\"buckets\"") != NULL);
}

static const char *chromium(void)
{
    static const char *const where[] = {"/usr/bin/chromium", "/usr/bin/chromium-browser",
                                        "/usr/bin/google-chrome"};
    for (size_t i = 0; i < sizeof where / sizeof where[0]; i++)
        if (access(where[i], X_OK) == 0)
            return where[i];
    return NULL;
}

static void check_browser(const char *html, unsigned rows)
{
    const char *bin = chromium();
    if (!bin) {
        printf("test_fleet: no Chromium (apt-get install chromium): the page was not "
               "rendered in a browser\n");
        return;
    }
    char prof[300], png[300], dom[300], log[300], *out = NULL;
    snprintf(prof, sizeof prof, "%s/chromium-profile-XXXXXX", scratch);
    CHECK(mkdtemp(prof) != NULL);
    snprintf(png, sizeof png, "%s/page.png", scratch);
    snprintf(dom, sizeof dom, "%s/page.dom", scratch);
    snprintf(log, sizeof log, "%s/chromium.log", scratch);
    static const char flags[] =
        "--headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
        "--disable-background-networking --disable-component-update --disable-sync "
        "--enable-logging=stderr --v=0 --window-size=1200,1600";
    int rc = run_cmd(&out, "timeout 120 '%s' %s --user-data-dir='%s' --screenshot='%s' "
                     "'file://%s' >/dev/null 2>'%s'", bin, flags, prof, png, html, log);
    free(out);
    CHECK(rc == 0);
    size_t len = 0;
    unsigned char *img = (unsigned char *)slurp(png, &len);
    uint32_t w = 0, h = 0;
    long distinct = img ? png_distinct_pixels(img, len, &w, &h) : -1;
    CHECK(w == 1200 && h == 1600);
    CHECK(distinct > (long)(w * h / 100)); /* not blank: text, tables and charts drawn */
    free(img);
    char *errs = slurp(log, NULL);
    CHECK(errs && strstr(errs, "CONSOLE") == NULL && strstr(errs, "Uncaught") == NULL);
    if (errs && strstr(errs, "CONSOLE"))
        fprintf(stderr, "%s\n", errs);
    free(errs);
    rc = run_cmd(&out, "timeout 120 '%s' %s --user-data-dir='%s' --dump-dom 'file://%s' "
                 "2>'%s'", bin, flags, prof, html, log);
    CHECK(rc == 0);
    CHECK(out && count_of(out, "<tr class=\"dump") == rows);
    CHECK(out && strstr(out, "&lt;b&gt;&amp;\"q'x.dmp") != NULL); /* as text, not markup */
    free(out);
    errs = slurp(log, NULL);
    CHECK(errs && strstr(errs, "CONSOLE") == NULL);
    free(errs);
}

static void check_html(void)
{
    char html[300], db[300], *out = NULL;
    snprintf(html, sizeof html, "%s/page.html", scratch);
    snprintf(db, sizeof db, "%s/crash.db", scratch);
    CHECK(run_cmd(&out, "'%s' -r --format html '%s' > '%s'", DUMPSCAN_BIN, root, html) == 0);
    free(out);
    char *page = slurp(html, NULL);
    check_html_text(page, ndumps);
    /* machines by the default rule: HOST-k */
    CHECK(page && strstr(page, "<td>HOST-3</td>") != NULL);
    free(page);
    /* from the database: the same page */
    CHECK(run_cmd(&out, "'%s' --db '%s' --format html", DUMPSCAN_BIN, db) == 0);
    check_html_text(out, ndumps);
    free(out);
    check_browser(html, ndumps);
}

/* Names that are not UTF-8 or hold control characters: the page shows them
 * with the text table's escapes (\xHH) and stays valid UTF-8. */
static void check_html_odd_names(void)
{
    char dir[300], a[400], b[400], *out = NULL;
    snprintf(dir, sizeof dir, "%s/oddpage", scratch);
    mkdir(dir, 0755);
    snprintf(a, sizeof a, "%s/bad\xff.dmp", dir);
    snprintf(b, sizeof b, "%s/ctl\x01x.dmp", dir);
    CHECK(gen_dump(a, NULL, 701, day_time(2, 1)) && gen_dump(b, "irql", 702, day_time(2, 2)));
    ndumps -= 2;
    CHECK(run_cmd(&out, "'%s' --format html '%s'", DUMPSCAN_BIN, dir) == 0);
    json_t *j = out ? json_string(out) : NULL; /* jansson checks UTF-8 */
    CHECK(j != NULL);
    json_decref(j);
    CHECK(out && strstr(out, "bad\\xFF.dmp") != NULL);
    CHECK(out && strstr(out, "ctl\\x01x.dmp") != NULL);
    CHECK(out && strstr(out, "\xEF\xBF\xBD") == NULL); /* no U+FFFD stand-ins */
    free(out);
    run_cmd(&out, "rm -rf '%s'", dir);
    free(out);
}

/* ------------------------------------------------------------- merging */

static void check_merge(void)
{
    char list[300], *one = NULL, *merged = NULL, *out = NULL;
    snprintf(list, sizeof list, "%s/dumps.list", scratch);
    CHECK(run_cmd(&out, "find '%s' -name '*.dmp' -path '*HOST*' > '%s'", root, list) == 0);
    free(out);
    for (unsigned i = 0; i < 3; i++) {
        CHECK(run_cmd(&out, "'%s' --files-from '%s' --shard %u/3 --format jsonl > '%s/part%u"
                      ".jsonl'", DUMPSCAN_BIN, list, i, scratch, i) == 0);
        free(out);
        CHECK(run_cmd(&out, "'%s' --files-from '%s' --shard %u/3 --db '%s/part%u.db' "
                      "--format csv >/dev/null 2>&1", DUMPSCAN_BIN, list, i, scratch, i) == 0);
        free(out);
    }
    static const char *const modes[] = {"--summary", "--summary --json", "--format html",
                                        "--format csv"};
    for (size_t m = 0; m < 4; m++) {
        CHECK(run_cmd(&one, "'%s' --files-from '%s' %s", DUMPSCAN_BIN, list, modes[m]) == 0);
        CHECK(run_cmd(&merged, "'%s' --merge %s '%s/part0.jsonl' '%s/part1.jsonl' "
                      "'%s/part2.jsonl'", DUMPSCAN_BIN, modes[m], scratch, scratch, scratch) == 0);
        if (m < 3) { /* CSV has the mtime, which JSONL does not carry */
            CHECK(one && merged && strcmp(one, merged) == 0);
            if (one && merged && strcmp(one, merged) != 0)
                fprintf(stderr, "merge %s differs:\n%s\n---\n%s\n", modes[m], one, merged);
        } else {
            CHECK(one && merged && count_of(one, "\n") == count_of(merged, "\n"));
        }
        free(one);
        free(merged);
    }
    /* the table's accounting: merged rows count as analyzed, as in one run */
    CHECK(run_cmd(&merged, "'%s' --merge '%s/part0.jsonl' '%s/part1.jsonl' '%s/part2.jsonl'",
                  DUMPSCAN_BIN, scratch, scratch, scratch) == 0);
    char want[100];
    snprintf(want, sizeof want, "%u files seen: %u analyzed, 0 failed, 0 skipped (not dumps)",
             ndumps, ndumps);
    CHECK_STR(last_line(merged), want);
    free(merged);
    /* a part streamed through a pipe: never taken for a database (the peek
     * ate its first line before) */
    char *piped = NULL;
    CHECK(run_cmd(&piped, "cat '%s/part0.jsonl' '%s/part1.jsonl' '%s/part2.jsonl' | '%s' "
                  "--merge /dev/stdin", scratch, scratch, scratch, DUMPSCAN_BIN) == 0);
    CHECK(piped && strcmp(last_line(piped), want) == 0);
    free(piped);
    /* databases: merged into one, the same as one run into one database */
    CHECK(run_cmd(&out, "'%s' --files-from '%s' --db '%s/one.db' --format csv >/dev/null "
                  "2>&1", DUMPSCAN_BIN, list, scratch) == 0);
    free(out);
    CHECK(run_cmd(&out, "'%s' --db '%s/merged.db' --merge '%s/part0.db' '%s/part1.db' "
                  "'%s/part2.db' --format csv >/dev/null", DUMPSCAN_BIN, scratch, scratch,
                  scratch, scratch) == 0);
    free(out);
    for (size_t m = 0; m < 4; m++) {
        CHECK(run_cmd(&one, "'%s' --db '%s/one.db' %s", DUMPSCAN_BIN, scratch, modes[m]) == 0);
        CHECK(run_cmd(&merged, "'%s' --db '%s/merged.db' %s", DUMPSCAN_BIN, scratch,
                      modes[m]) == 0);
        CHECK(one && merged && strcmp(one, merged) == 0);
        free(one);
        free(merged);
        /* and database parts merged without a database */
        CHECK(run_cmd(&one, "'%s' --db '%s/one.db' %s", DUMPSCAN_BIN, scratch, modes[m]) == 0);
        CHECK(run_cmd(&merged, "'%s' --merge %s '%s/part0.db' '%s/part1.db' '%s/part2.db'",
                      DUMPSCAN_BIN, modes[m], scratch, scratch, scratch) == 0);
        CHECK(one && merged && strcmp(one, merged) == 0);
        free(one);
        free(merged);
    }
    /* a part given twice (or overlapping parts): each file counted once, said */
    const char *kinds[] = {"jsonl", "db"};
    for (int k = 0; k < 2; k++) {
        CHECK(run_cmd(&one, "'%s' --merge --format csv '%s/part0.%s' 2>/dev/null",
                      DUMPSCAN_BIN, scratch, kinds[k]) == 0);
        CHECK(run_cmd(&merged, "'%s' --merge --format csv '%s/part0.%s' '%s/part0.%s' "
                      "2>/dev/null", DUMPSCAN_BIN, scratch, kinds[k], scratch, kinds[k]) == 0);
        CHECK(one && merged && strcmp(one, merged) == 0);
        free(one);
        free(merged);
        CHECK(run_cmd(&out, "'%s' --merge --summary '%s/part0.%s' '%s/part0.%s' 2>&1 "
                      ">/dev/null", DUMPSCAN_BIN, scratch, kinds[k], scratch, kinds[k]) == 0);
        CHECK(out && strstr(out, "is in more than one part; counted once") != NULL);
        free(out);
    }
    /* JSONL parts do not merge into a database; a bad part is an error */
    CHECK(run_cmd(&out, "'%s' --db '%s/x.db' --merge '%s/part0.jsonl' 2>&1", DUMPSCAN_BIN,
                  scratch, scratch) == 1);
    free(out);
    CHECK(run_cmd(&out, "'%s' --merge --summary '%s' 2>&1", DUMPSCAN_BIN, list) == 1);
    CHECK(out && strstr(out, "dumps.list:1:") != NULL);
    free(out);
}

/* Names that are not UTF-8, or hold a literal "%HH", go into the database in
 * the path escape and come back as the same bytes; one such name never stops
 * the batch (it used to abort it: "cannot store a row: out of memory"). */
static void check_odd_names(void)
{
    char dir[300], db[300], *out = NULL, *plain = NULL, want[200];
    snprintf(dir, sizeof dir, "%s/odd", scratch);
    snprintf(db, sizeof db, "%s/odd.db", scratch);
    mkdir(dir, 0755);
    char a[400], b[400], c[400];
    snprintf(a, sizeof a, "%s/bad\xff\xfe.dmp", dir);
    snprintf(b, sizeof b, "%s/pct%%41.dmp", dir);
    snprintf(c, sizeof c, "%s/plain.dmp", dir);
    CHECK(gen_dump(a, NULL, 501, day_time(1, 1)) && gen_dump(b, "irql", 502, day_time(1, 2)) &&
          gen_dump(c, "pool", 503, day_time(1, 3)));
    ndumps -= 3; /* not part of the fleet the other checks count */
    CHECK(run_cmd(&plain, "'%s' --format csv '%s'", DUMPSCAN_BIN, dir) == 0);
    CHECK(run_cmd(&out, "'%s' --db '%s' --format csv '%s' 2>&1 >/dev/null", DUMPSCAN_BIN, db,
                  dir) == 0);
    CHECK_STR(last_line(out), "dumpscan: 3 files seen: 3 analyzed, 0 from the database, "
                              "0 failed, 0 skipped");
    free(out);
    CHECK(sql_int(db, "SELECT count(*) FROM files") == 3);
    CHECK(sql_int(db, "SELECT count(*) FROM files WHERE path LIKE '%/bad%FF%FE.dmp'") == 1);
    CHECK(sql_int(db, "SELECT count(*) FROM files WHERE path LIKE '%/pct%2541.dmp'") == 1);
    /* a re-run finds every name again, and stored rows give the same bytes */
    CHECK(run_cmd(&out, "'%s' --db '%s' --format csv '%s' 2>&1 >/dev/null", DUMPSCAN_BIN, db,
                  dir) == 0);
    snprintf(want, sizeof want, "dumpscan: 3 files seen: 0 analyzed, 3 from the database, "
             "0 failed, 0 skipped");
    CHECK_STR(last_line(out), want);
    free(out);
    CHECK(run_cmd(&out, "'%s' --db '%s' --format csv '%s' 2>/dev/null", DUMPSCAN_BIN, db,
                  dir) == 0);
    CHECK(plain && out && strcmp(plain, out) == 0);
    free(out);
    CHECK(run_cmd(&out, "'%s' --db '%s' --format csv", DUMPSCAN_BIN, db) == 0);
    CHECK(plain && out && strcmp(plain, out) == 0);
    free(out);
    free(plain);
    run_cmd(&out, "rm -rf '%s' '%s'", dir, db);
    free(out);
}

/* While a batch is in the middle of a dump (held by DUMPSCAN_TEST_HOLD), the
 * rows it finished are committed, a report from the database runs, and a
 * kill -9 keeps them. */
static void check_reader_during_writer(void)
{
    char dir[300], db[300], go[300], hold[400], *out = NULL;
    snprintf(dir, sizeof dir, "%s/held", scratch);
    snprintf(db, sizeof db, "%s/held.db", scratch);
    snprintf(go, sizeof go, "%s/held.go", scratch);
    mkdir(dir, 0755);
    for (unsigned i = 0; i < 3; i++) {
        char p[400];
        snprintf(p, sizeof p, "%s/%u.dmp", dir, i);
        CHECK(gen_dump(p, NULL, 600 + i, day_time(i, 0)));
        ndumps--;
    }
    snprintf(hold, sizeof hold, "DUMPSCAN_TEST_HOLD=2.dmp:%s", go);
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        putenv(hold);
        execl(DUMPSCAN_BIN, "dumpscan", "-j", "1", "--db", db, "--format", "csv", dir,
              (char *)NULL);
        _exit(127);
    }
    CHECK(pid > 0);
    long long c = -1;
    for (int i = 0; i < 3000 && c < 2; i++) { /* up to ~30 s; the hold lasts 60 */
        c = sql_int(db, "SELECT count(*) FROM dumps");
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
    CHECK(c == 2); /* both dumps before the held one are committed */
    CHECK(waitpid(pid, NULL, WNOHANG) == 0); /* still held */
    CHECK(run_cmd(&out, "'%s' --db '%s' --summary 2>&1", DUMPSCAN_BIN, db) == 0);
    CHECK(out && strstr(out, "locked") == NULL);
    free(out);
    CHECK(run_cmd(&out, "'%s' --db '%s' --format csv --no-header", DUMPSCAN_BIN, db) == 0);
    CHECK(out && count_of(out, "\n") == 2);
    free(out);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    CHECK(sql_int(db, "SELECT count(*) FROM dumps") == 2);
    run_cmd(&out, "rm -rf '%s' '%s' '%s'", dir, db, go);
    free(out);
}

/* One rule for counting: every file counts, copies too (the database shares
 * their analysis). A run over the folder, a report from the database alone
 * and a merge of database shards give the same summary. */
static void check_counts_agree(void)
{
    char dir[300], *out = NULL, *folder = NULL, *alone = NULL, *merged = NULL;
    snprintf(dir, sizeof dir, "%s/copies", scratch);
    mkdir(dir, 0755);
    char p[400];
    for (unsigned i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%u.dmp", dir, i);
        CHECK(gen_dump(p, i ? "irql" : NULL, 800 + i, day_time(i, 5)));
        ndumps--;
    }
    CHECK(run_cmd(&out, "cp '%s/0.dmp' '%s/copy-a.dmp' && cp '%s/1.dmp' '%s/copy-b.dmp' && "
                  "echo no > '%s/note.txt'", dir, dir, dir, dir, dir) == 0);
    free(out);
    CHECK(run_cmd(&folder, "'%s' --db '%s/c.db' --summary '%s' 2>/dev/null", DUMPSCAN_BIN,
                  scratch, dir) == 0);
    CHECK(run_cmd(&alone, "'%s' --db '%s/c.db' --summary", DUMPSCAN_BIN, scratch) == 0);
    for (int k = 0; k < 2; k++) {
        CHECK(run_cmd(&out, "'%s' --shard %d/2 --db '%s/c%d.db' --summary '%s' >/dev/null "
                      "2>&1", DUMPSCAN_BIN, k, scratch, k, dir) == 0);
        free(out);
    }
    CHECK(run_cmd(&merged, "'%s' --merge --summary '%s/c0.db' '%s/c1.db'", DUMPSCAN_BIN,
                  scratch, scratch) == 0);
    CHECK(folder && strncmp(folder, "6 files seen: 5 analyzed, 0 failed, 1 skipped", 45) == 0);
    CHECK(alone && strncmp(alone, "5 files in the database: 5 dumps, 0 failed\n", 43) == 0);
    CHECK(merged && strncmp(merged, "5 files in the database: 5 dumps, 0 failed\n", 43) == 0);
    /* below the first line, word for word the same */
    const char *f1 = folder ? strchr(folder, '\n') : NULL, *a1 = alone ? strchr(alone, '\n') : NULL,
               *m1 = merged ? strchr(merged, '\n') : NULL;
    CHECK(f1 && a1 && m1 && strcmp(f1, a1) == 0 && strcmp(a1, m1) == 0);
    free(folder);
    free(alone);
    free(merged);
    run_cmd(&out, "rm -rf '%s' '%s/c.db'* '%s/c0.db'* '%s/c1.db'*", dir, scratch, scratch,
            scratch);
    free(out);
}

/* One crash at 1970 among March 2024 ones: the chart keeps to the dense
 * range and says what it left out; the table still lists every dump. */
static void check_chart_window(void)
{
    char dir[300], p[400], *out = NULL;
    snprintf(dir, sizeof dir, "%s/outlier", scratch);
    mkdir(dir, 0755);
    for (unsigned i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s/%u.dmp", dir, i);
        CHECK(gen_dump(p, NULL, 900 + i, day_time(i, 3)));
        ndumps--;
    }
    snprintf(p, sizeof p, "%s/old.dmp", dir);
    CHECK(gen_dump(p, NULL, 950, (86400ull * 2 + 11644473600ull) * 10000000ull));
    ndumps--;
    CHECK(run_cmd(&out, "'%s' --format html '%s'", DUMPSCAN_BIN, dir) == 0);
    CHECK(out && strstr(out, "The chart shows 2024-03-01 to 2024-03-04: 1 crash ") != NULL);
    CHECK(out && count_of(out, "<tr class=\"dump") == 5);
    CHECK(out && strstr(out, "1970-01-03") != NULL); /* in the table */
    free(out);
    run_cmd(&out, "rm -rf '%s'", dir);
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
    snprintf(scratch, sizeof scratch, "%s-work", root);
    if (mkdir(scratch, 0700) != 0) {
        perror("mkdir");
        return 1;
    }
    CHECK(build_fleet());
    check_files_from();
    check_shards();
    check_progress();
    check_records();
    check_db();
    check_odd_names();
    check_counts_agree();
    check_reader_during_writer();
    check_migration();
    check_since_and_machines();
    check_html();
    check_html_odd_names();
    check_chart_window();
    check_merge();
    check_killed_run();
    char *out = NULL;
    run_cmd(&out, "rm -rf '%s' '%s'", root, scratch);
    free(out);
    return check_report("test_fleet");
}
