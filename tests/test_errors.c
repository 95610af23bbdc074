/*
 * ds_error: every way the public API fails sets a code a program can branch
 * on, and a message that never repeats the path (the caller prints
 * "PATH: message"). One case per code the public functions can return;
 * DS_E_NOMEM needs a failing allocator and DS_E_TOO_LARGE a gigabyte of
 * input, so those two are covered where that machinery lives (test_alloc_fail
 * for DS_E_NOMEM, test_gzip for the limit).
 */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "dumpscan/dumpscan.h"

static char dir[256];

static void path_of(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "%s/%s", dir, name);
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f) {
        CHECK(fwrite(data, 1, len, f) == len);
        fclose(f);
    }
}

/* The failure has the code, a message, and the message does not hold the
 * path nor the folder it lies in. */
static void expect(const char *what, const ds_error *err, ds_errcode code)
{
    if (err->code != code || !err->text[0] || strstr(err->text, dir))
        printf("  %s: code %s (want %s), text \"%s\"\n", what, ds_errcode_name(err->code),
               ds_errcode_name(code), err->text);
    CHECK(err->code == code);
    CHECK(err->text[0] != '\0');
    CHECK(strstr(err->text, dir) == NULL);
}

static void expect_open_fails(const char *name, const char *path, ds_errcode code)
{
    ds_error err = {.code = DS_OK};
    ds_dump *d = ds_open(path, NULL, &err);
    CHECK(d == NULL);
    ds_close(d);
    expect(name, &err, code);

    /* ds_detect_file reads the same file the same way (when it can fail). */
    if (code == DS_E_NOT_A_DUMP || code == DS_E_CORRUPT)
        return;
    ds_format fmt;
    bool gz;
    ds_error err2 = {.code = DS_OK};
    CHECK(ds_detect_file(path, &fmt, &gz, &err2) != 0);
    expect(name, &err2, code);
}

static void check_open(void)
{
    char p[512];

    path_of(p, sizeof p, "missing.dmp");
    expect_open_fails("missing file", p, DS_E_NOT_FOUND);

    path_of(p, sizeof p, "folder");
    CHECK(mkdir(p, 0700) == 0);
    expect_open_fails("directory", p, DS_E_NOT_REGULAR);

    /* Refused at once, not blocking for a writer. */
    path_of(p, sizeof p, "fifo");
    CHECK(mkfifo(p, 0600) == 0);
    expect_open_fails("FIFO", p, DS_E_NOT_REGULAR);
    /* the crash database's content hash opens it the same way (it blocked
     * for a writer before: the alarm ends the test then) */
    ds_error herr = {.code = DS_OK};
    char hash[DS_HEAD_HASH_LEN + 1];
    alarm(20);
    CHECK(ds_file_head_hash(p, hash, &herr) == -1);
    alarm(0);
    expect("head hash of a FIFO", &herr, DS_E_NOT_REGULAR);

    path_of(p, sizeof p, "text.txt");
    write_file(p, "hello, this is no crash dump\n", 29);
    expect_open_fails("not a dump", p, DS_E_NOT_A_DUMP);

    path_of(p, sizeof p, "empty.dmp");
    write_file(p, "", 0);
    expect_open_fails("empty file", p, DS_E_NOT_A_DUMP);

    /* A file where a folder should be. */
    path_of(p, sizeof p, "text.txt/inner.dmp");
    expect_open_fails("through a file", p, DS_E_NOT_FOUND);

    /* A minidump signature and version, then nothing: the header is cut. */
    static const unsigned char head[16] = {'M', 'D', 'M', 'P', 0x93, 0xA7, 0, 0};
    path_of(p, sizeof p, "cut.dmp");
    write_file(p, head, sizeof head);
    expect_open_fails("truncated header", p, DS_E_CORRUPT);

    /* Permission: meaningless for root, who reads anything. */
    if (geteuid() != 0) {
        path_of(p, sizeof p, "secret.dmp");
        write_file(p, head, sizeof head);
        CHECK(chmod(p, 0) == 0);
        expect_open_fails("unreadable", p, DS_E_IO);
    } else {
        printf("  (running as root: the permission case is not testable)\n");
    }

    ds_error err = {.code = DS_OK};
    CHECK(ds_open(NULL, NULL, &err) == NULL);
    expect("NULL path", &err, DS_E_USAGE);
    /* err may be NULL: the caller only learns that it failed. */
    CHECK(ds_open(NULL, NULL, NULL) == NULL);
}

static void check_memory(void)
{
    ds_error err = {.code = DS_OK};
    static const char junk[] = "junk junk junk junk junk junk junk";
    CHECK(ds_open_memory(junk, sizeof junk, NULL, &err) == NULL);
    expect("junk in memory", &err, DS_E_NOT_A_DUMP);

    static const unsigned char head[12] = {'M', 'D', 'M', 'P', 0x93, 0xA7, 0, 0};
    err.code = DS_OK;
    CHECK(ds_open_memory(head, sizeof head, NULL, &err) == NULL);
    expect("truncated header in memory", &err, DS_E_CORRUPT);

    err.code = DS_OK;
    CHECK(ds_open_memory(NULL, 100, NULL, &err) == NULL);
    expect("NULL buffer", &err, DS_E_USAGE);
}

static void check_others(void)
{
    ds_error err = {.code = DS_OK};
    CHECK(ds_row_from_json("this is not JSON", &err) == NULL);
    expect("row from junk", &err, DS_E_CORRUPT);

    err.code = DS_OK;
    CHECK(ds_row_from_json("{\"what\": 1}", &err) == NULL);
    expect("row from another JSON", &err, DS_E_CORRUPT);

    err.code = DS_OK;
    CHECK(ds_machine_rule_parse("sideways", &err) == NULL);
    expect("machine rule", &err, DS_E_USAGE);

    char p[512], hash[DS_HEAD_HASH_LEN + 1];
    path_of(p, sizeof p, "missing.dmp");
    err.code = DS_OK;
    CHECK(ds_file_head_hash(p, hash, &err) != 0);
    expect("hash of a missing file", &err, DS_E_NOT_FOUND);

    /* A database in a folder that does not exist. */
    path_of(p, sizeof p, "missing/crashes.db");
    err.code = DS_OK;
    CHECK(ds_db_open(p, &err) == NULL);
    expect("database", &err, DS_E_IO);

    /* A database from a newer dumpscan. */
    path_of(p, sizeof p, "newer.db");
    ds_db *db = ds_db_open(p, &err);
    CHECK(db != NULL);
    ds_db_close(db);
    sqlite3 *h = NULL;
    CHECK(sqlite3_open(p, &h) == SQLITE_OK);
    CHECK(sqlite3_exec(h, "INSERT INTO schema_version VALUES (9999)", NULL, NULL, NULL) ==
          SQLITE_OK);
    sqlite3_close(h);
    err.code = DS_OK;
    CHECK(ds_db_open(p, &err) == NULL);
    expect("newer database", &err, DS_E_UNSUPPORTED);
}

static void check_names(void)
{
    static const struct {
        ds_errcode code;
        const char *name;
    } names[] = {
        {DS_OK, "ok"},
        {DS_E_IO, "io"},
        {DS_E_NOT_FOUND, "not_found"},
        {DS_E_NOT_REGULAR, "not_regular"},
        {DS_E_NOT_A_DUMP, "not_a_dump"},
        {DS_E_TOO_LARGE, "too_large"},
        {DS_E_CORRUPT, "corrupt"},
        {DS_E_NOMEM, "nomem"},
        {DS_E_USAGE, "usage"},
        {DS_E_UNSUPPORTED, "unsupported"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        CHECK_STR(ds_errcode_name(names[i].code), names[i].name);
    CHECK_STR(ds_errcode_name((ds_errcode)1000), "unknown");
    CHECK_STR(ds_errcode_name((ds_errcode)-1), "unknown");
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/ds-err-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    check_open();
    check_memory();
    check_others();
    check_names();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
    return check_report("test_errors");
}
