/*
 * The crash database (--db): SQLite, one row per distinct dump and one per
 * file name that led to it. A dump is known by its size and a hash of its
 * first 64 KiB, so a renamed or copied dump is recognised without analysis;
 * a file is known by path, size and mtime, so a re-run over a folder needs a
 * stat and one indexed lookup per file, not a read. Every row keeps the
 * analysis version that wrote it (DS_ANALYSIS_VERSION): an older one is
 * analyzed again. dumpscan(1), section DATABASE, describes the tables.
 *
 * Writes happen inside short transactions the caller opens and commits
 * (ds_db_begin / ds_db_commit), never across an analysis: a run killed
 * half-way keeps every committed row. WAL journal mode lets a reader look
 * while a batch writes; a reader's open (ds_db_open_read) writes nothing
 * unless the schema is older. Paths are stored in the path escape.
 */
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "io/cab.h"
#include "io/file.h"
#include "report/sqlite_lazy.h"
#include "io/source.h"
#include "model/model.h"
#include "report/rowrec.h"
#include "report/rowutil.h"
#include "report/safetext.h"

/* Schema steps: steps[v - 1] takes a database from version v - 1 to v. Never
 * edit a step once released; add one. */
static const char *const steps[] = {
    /* 1: dumps, the file names that led to them, buckets as views (so their
     * counts can never drift from the dumps). */
    "CREATE TABLE dumps("
    " id INTEGER PRIMARY KEY,"
    " size INTEGER NOT NULL, head_hash TEXT NOT NULL,"
    " path TEXT NOT NULL, machine TEXT NOT NULL,"
    " analysis_version INTEGER NOT NULL,"
    " recorded INTEGER NOT NULL, analyzed INTEGER NOT NULL,"
    " crash_time INTEGER, status TEXT NOT NULL, code INTEGER, title TEXT,"
    " suspect_module TEXT, suspect_version TEXT, confidence TEXT, class TEXT, bucket TEXT,"
    " row TEXT NOT NULL, UNIQUE(size, head_hash));"
    "CREATE TABLE files("
    " path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime INTEGER NOT NULL,"
    " dump_id INTEGER NOT NULL REFERENCES dumps(id));"
    "CREATE INDEX dumps_bucket ON dumps(bucket);"
    "CREATE INDEX dumps_crash_time ON dumps(crash_time);"
    "CREATE VIEW buckets AS SELECT bucket, count(*) AS count,"
    " min(crash_time) AS first_crash, max(crash_time) AS last_crash,"
    " min(recorded) AS first_seen, max(recorded) AS last_seen,"
    " count(DISTINCT machine) AS machines"
    " FROM dumps WHERE status = 'ok' GROUP BY bucket;"
    "CREATE VIEW bucket_machines AS SELECT DISTINCT bucket, machine FROM dumps"
    " WHERE status = 'ok';",
    /* 2: the --json report of a dump, zlib-compressed, kept when a run made it
     * (JSONL output), so a later JSONL run needs no analysis either. */
    "ALTER TABLE dumps ADD COLUMN report BLOB;",
    /* 3: the database counts files, as a run over a folder does: every file
     * name with the machine it came from; copies of one dump share its
     * analysis (dumps) but each counts. Buckets count files. */
    "ALTER TABLE files ADD COLUMN machine TEXT;"
    "INSERT INTO files(path, size, mtime, dump_id) SELECT path, size, 0, id FROM dumps d"
    " WHERE NOT EXISTS (SELECT 1 FROM files f WHERE f.dump_id = d.id)"
    " ON CONFLICT(path) DO NOTHING;"
    "DROP VIEW buckets; DROP VIEW bucket_machines;"
    "CREATE VIEW buckets AS SELECT d.bucket AS bucket, count(*) AS count,"
    " min(d.crash_time) AS first_crash, max(d.crash_time) AS last_crash,"
    " min(d.recorded) AS first_seen, max(d.recorded) AS last_seen,"
    " count(DISTINCT coalesce(f.machine, d.machine)) AS machines"
    " FROM files f JOIN dumps d ON d.id = f.dump_id WHERE d.status = 'ok' GROUP BY d.bucket;"
    "CREATE VIEW bucket_machines AS SELECT DISTINCT d.bucket AS bucket,"
    " coalesce(f.machine, d.machine) AS machine FROM files f JOIN dumps d ON d.id = f.dump_id"
    " WHERE d.status = 'ok';",
};

enum { LATEST = sizeof steps / sizeof steps[0], HEAD_BYTES = 64 * 1024 };

struct ds_db {
    sqlite3 *h;
    sqlite3_stmt *by_path, *by_content, *put_file, *find_dump, *insert_dump, *update_dump;
    int64_t now;
};

static int fail(ds_error *err, sqlite3 *h, const char *what)
{
    ds_set_error(err, h ? DS_E_IO : DS_E_NOMEM, "%s: %s", what,
                 h ? ds_sqlite->errmsg(h) : "out of memory");
    return -1;
}

static int schema_version(sqlite3 *h, int *v)
{
    sqlite3_stmt *st;
    *v = 0;
    if (ds_sqlite->prepare_v2(h,
                              "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                              "name = 'schema_version'",
                              -1, &st, NULL) != SQLITE_OK)
        return -1;
    bool has = ds_sqlite->step(st) == SQLITE_ROW && ds_sqlite->column_int(st, 0) > 0;
    ds_sqlite->finalize(st);
    if (!has)
        return 0;
    if (ds_sqlite->prepare_v2(h, "SELECT max(version) FROM schema_version", -1, &st, NULL) !=
        SQLITE_OK)
        return -1;
    if (ds_sqlite->step(st) == SQLITE_ROW)
        *v = ds_sqlite->column_int(st, 0);
    ds_sqlite->finalize(st);
    return 0;
}

/* Bring the schema from its version to `target`, one transaction a step. */
static int migrate(sqlite3 *h, int target, ds_error *err)
{
    int v;
    if (ds_sqlite->exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return fail(err, h, "cannot lock the database");
    if (schema_version(h, &v) != 0) {
        ds_sqlite->exec(h, "ROLLBACK", NULL, NULL, NULL);
        return fail(err, h, "cannot read the schema version");
    }
    if (v > LATEST) {
        ds_sqlite->exec(h, "ROLLBACK", NULL, NULL, NULL);
        ds_set_error(err, DS_E_UNSUPPORTED,
                 "database schema version %d is newer than this dumpscan knows (%d)", v,
                 LATEST);
        return -1;
    }
    int rc = 0;
    if (v == 0 && target > 0)
        rc = ds_sqlite->exec(h,
                             "CREATE TABLE schema_version(version INTEGER NOT NULL);"
                             "INSERT INTO schema_version VALUES (0);",
                             NULL, NULL, NULL);
    for (; rc == SQLITE_OK && v < target; v++) {
        char sql[80];
        snprintf(sql, sizeof sql, "UPDATE schema_version SET version = %d", v + 1);
        rc = ds_sqlite->exec(h, steps[v], NULL, NULL, NULL);
        if (rc == SQLITE_OK)
            rc = ds_sqlite->exec(h, sql, NULL, NULL, NULL);
    }
    if (rc != SQLITE_OK) {
        fail(err, h, "cannot update the database schema");
        ds_sqlite->exec(h, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    if (ds_sqlite->exec(h, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        return fail(err, h, "cannot update the database schema");
    return 0;
}

static const char *const stmt_sql[] = {
    /* by_path: a file already seen, unchanged */
    "SELECT d.row, d.analysis_version, d.report IS NOT NULL AND d.path = f.path, d.report"
    " FROM files f JOIN dumps d ON d.id = f.dump_id"
    " WHERE f.path = ?1 AND f.size = ?2 AND f.mtime = ?3",
    /* by_content: the same dump under another name */
    "SELECT id, row, analysis_version, report IS NOT NULL, report FROM dumps"
    " WHERE size = ?1 AND head_hash = ?2",
    "INSERT INTO files(path, size, mtime, dump_id, machine) VALUES (?1, ?2, ?3, ?4, ?5)"
    " ON CONFLICT(path) DO UPDATE SET size = ?2, mtime = ?3, dump_id = ?4, machine = ?5",
    "SELECT id FROM dumps WHERE size = ?1 AND head_hash = ?2",
    "INSERT INTO dumps(size, head_hash, path, machine, analysis_version, recorded, analyzed,"
    " crash_time, status, code, title, suspect_module, suspect_version, confidence, class,"
    " bucket, row, report) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
    " ?13, ?14, ?15, ?16, ?17)",
    /* a re-analysis keeps the machine and time first recorded, and the name
     * unless it stores a report (made from, and naming, this file) */
    "UPDATE dumps SET analysis_version = ?5, analyzed = ?6, crash_time = ?7, status = ?8,"
    " path = CASE WHEN ?17 IS NULL THEN path ELSE ?3 END," /* the name its report has */
    " code = ?9, title = ?10, suspect_module = ?11, suspect_version = ?12, confidence = ?13,"
    " class = ?14, bucket = ?15, row = ?16, report = coalesce(?17, report)"
    " WHERE size = ?1 AND head_hash = ?2",
};

int ds_db_create_at(const char *path, int version, ds_db **out, ds_error *err);

/* A reader's open: the file must exist; the schema is only checked, and
 * migrated (a write) only when it is older than this dumpscan's. */
static int open_read(ds_db *db, const char *path, ds_error *err)
{
    if (ds_sqlite->open_v2(path, &db->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL) !=
        SQLITE_OK)
        return fail(err, db->h, "cannot open the database");
    ds_sqlite->busy_timeout(db->h, 10000);
    int v;
    if (schema_version(db->h, &v) != 0)
        return fail(err, db->h, "not an SQLite database");
    if (v == 0) {
        ds_set_error(err, DS_E_CORRUPT, "not a dumpscan crash database");
        return -1;
    }
    return v == LATEST ? 0 : migrate(db->h, LATEST, err);
}

static int open_at(const char *path, int version, bool read, ds_db **out, ds_error *err)
{
    *out = NULL;
    if (!ds_sqlite_load()) { /* loaded now: only database runs need it */
        ds_set_error(err, DS_E_UNSUPPORTED, "the crash database needs SQLite (%s), which "
                     "cannot be loaded", DS_SQLITE3_SONAME);
        return -1;
    }
    ds_db *db = calloc(1, sizeof *db);
    if (!db)
        return fail(err, NULL, "cannot open the database");
    if (read) {
        if (open_read(db, path, err) != 0) {
            ds_db_close(db);
            return -1;
        }
        goto prepare;
    }
    if (ds_sqlite->open_v2(path, &db->h,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                           NULL) != SQLITE_OK) {
        fail(err, db->h, "cannot open the database");
        ds_db_close(db);
        return -1;
    }
    ds_sqlite->busy_timeout(db->h, 10000);
    /* WAL: readers do not block the writer; NORMAL sync is durable across a
     * killed process (the OS keeps the WAL), the case a batch job meets. */
    char *mode = NULL;
    sqlite3_stmt *st;
    if (ds_sqlite->prepare_v2(db->h, "PRAGMA journal_mode = WAL", -1, &st, NULL) == SQLITE_OK) {
        if (ds_sqlite->step(st) == SQLITE_ROW)
            mode = ds_strdup((const char *)ds_sqlite->column_text(st, 0));
        ds_sqlite->finalize(st);
    }
    bool wal = mode && strcmp(mode, "wal") == 0;
    free(mode);
    if (!wal || ds_sqlite->exec(db->h, "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON",
                                NULL, NULL, NULL) != SQLITE_OK) {
        fail(err, db->h,
             wal ? "cannot set up the database" : "not an SQLite database or cannot use WAL mode");
        ds_db_close(db);
        return -1;
    }
    if (migrate(db->h, version, err) != 0) {
        ds_db_close(db);
        return -1;
    }
prepare:
    if (version == LATEST) {
        sqlite3_stmt **slots[] = {&db->by_path,  &db->by_content,  &db->put_file,
                                  &db->find_dump, &db->insert_dump, &db->update_dump};
        for (size_t i = 0; i < sizeof slots / sizeof slots[0]; i++)
            if (ds_sqlite->prepare_v2(db->h, stmt_sql[i], -1, slots[i], NULL) != SQLITE_OK) {
                fail(err, db->h, "cannot prepare a statement");
                ds_db_close(db);
                return -1;
            }
    }
    db->now = (int64_t)time(NULL);
    *out = db;
    return 0;
}

int ds_db_create_at(const char *path, int version, ds_db **out, ds_error *err)
{
    return open_at(path, version, false, out, err);
}

ds_db *ds_db_open(const char *path, ds_error *err)
{
    ds_db *db;
    return open_at(path, LATEST, false, &db, err) == 0 ? db : NULL;
}

ds_db *ds_db_open_read(const char *path, ds_error *err)
{
    ds_db *db;
    return open_at(path, LATEST, true, &db, err) == 0 ? db : NULL;
}

int ds_db_schema_version(const ds_db *db)
{
    int v;
    return schema_version(db->h, &v) == 0 ? v : -1;
}

void ds_db_close(ds_db *db)
{
    if (!db)
        return;
    ds_sqlite->finalize(db->by_path);
    ds_sqlite->finalize(db->by_content);
    ds_sqlite->finalize(db->put_file);
    ds_sqlite->finalize(db->find_dump);
    ds_sqlite->finalize(db->insert_dump);
    ds_sqlite->finalize(db->update_dump);
    ds_sqlite->close(db->h);
    free(db);
}

int ds_db_begin(ds_db *db, ds_error *err)
{
    return ds_sqlite->exec(db->h, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK
               ? 0
               : fail(err, db->h, "cannot begin a transaction");
}

int ds_db_commit(ds_db *db, ds_error *err)
{
    return ds_sqlite->exec(db->h, "COMMIT", NULL, NULL, NULL) == SQLITE_OK
               ? 0
               : fail(err, db->h, "cannot commit");
}

void ds_db_rollback(ds_db *db)
{
    ds_sqlite->exec(db->h, "ROLLBACK", NULL, NULL, NULL);
}

/* ------------------------------------------------------------ identity */

static bool any_member(const uint8_t *head, size_t len)
{
    (void)head;
    (void)len;
    return true;
}

/* The first bytes of "archive.cab:MEMBER" (decoded, as ds_open reads them):
 * 0, 1 when path names no member of a cabinet, -1 with err when the member
 * cannot be read. */
static int member_head(const char *path, unsigned char *buf, size_t cap, size_t *got,
                       ds_error *err)
{
    char cab[4096];
    const char *member;
    if (!ds_cab_split_path(path, cab, sizeof cab, &member))
        return 1;
    ds_source s;
    char *chosen = NULL;
    if (ds_source_open_cab(&s, cab, member, any_member, &chosen, err) != 0)
        return -1;
    *got = ds_bytes_read(s.bytes, 0, buf, cap);
    ds_source_close(&s);
    free(chosen);
    return 0;
}

/* A file's stat; for "archive.cab:MEMBER", the cabinet's (what is on disk). */
static int file_or_cab_stat(const char *path, struct stat *st)
{
    char cab[4096];
    const char *member;
    if (ds_path_stat(path, st) == 0)
        return 0;
    int saved = errno;
    if (ds_cab_split_path(path, cab, sizeof cab, &member))
        return ds_path_stat(cab, st);
    errno = saved;
    return -1;
}

int ds_file_head_hash(const char *path, char hash[DS_HEAD_HASH_LEN + 1], ds_error *err)
{
    static _Thread_local unsigned char buf[HEAD_BYTES];
    size_t got = 0;
    /* the one opener: a file that became a FIFO or device is refused at
     * once instead of blocking the batch */
    ds_error open_err;
    int fd = ds_file_open(path, NULL, &open_err);
    if (fd < 0 && open_err.code == DS_E_NOT_REGULAR) {
        if (err)
            *err = open_err;
        return -1;
    }
    if (fd < 0) {
        /* a cabinet's member: the identity of the dump inside, as for a copy
         * of it outside the cabinet */
        int m = member_head(path, buf, sizeof buf, &got, err);
        if (m != 0) {
            if (m > 0 && err)
                *err = open_err;
            return -1;
        }
    }
    if (fd >= 0) {
        ssize_t r = ds_file_pread(fd, buf, sizeof buf, 0);
        int saved = errno;
        close(fd);
        if (r < 0) {
            ds_set_errno(err, saved);
            return -1;
        }
        got = (size_t)r;
    }
    /* Two independent 64-bit hashes over 8-byte words (an FNV-style one and
     * a multiply-rotate one), 128 bits together: a collision between two real
     * dumps of the same size is not a concern at fleet sizes. Never change
     * this: stored identities depend on it. */
    uint64_t a = 0xcbf29ce484222325ull, b = 0x9E3779B97F4A7C15ull ^ got;
    size_t i = 0;
    for (; i + 8 <= got; i += 8) {
        uint64_t w = 0;
        for (int k = 0; k < 8; k++)
            w |= (uint64_t)buf[i + k] << (8 * k);
        a = (a ^ w) * 0x100000001b3ull;
        b = (b + w) * 0xff51afd7ed558ccdull;
        b = b << 31 | b >> 33;
    }
    for (; i < got; i++) {
        a = (a ^ buf[i]) * 0x100000001b3ull;
        b = ((b + buf[i] + 1) * 0xff51afd7ed558ccdull);
        b = b << 31 | b >> 33;
    }
    a ^= a >> 29;
    snprintf(hash, DS_HEAD_HASH_LEN + 1, "%016llx%016llx", (unsigned long long)a,
             (unsigned long long)b);
    return 0;
}

/* -------------------------------------------------------------- lookups */

/* Paths and machine names are stored in the path escape (dumpscan-json(5),
 * PATHS): valid UTF-8 text for any file name. false on OOM. */
static bool bind_path(sqlite3_stmt *st, int i, const char *path)
{
    char *e = ds_path_escape(path ? path : "");
    bool ok = e && ds_sqlite->bind_text(st, i, e, -1, SQLITE_TRANSIENT) == SQLITE_OK;
    free(e);
    return ok;
}

static char *inflate_report(const void *blob, int len)
{
    if (!blob || len < 8)
        return NULL;
    const unsigned char *p = blob;
    uint64_t n = 0;
    for (int i = 0; i < 8; i++)
        n |= (uint64_t)p[i] << (8 * i);
    if (n > ((uint64_t)1 << 31))
        return NULL;
    char *out = malloc((size_t)n + 1);
    uLongf dl = (uLongf)n;
    if (!out || uncompress((Bytef *)out, &dl, p + 8, (uLong)len - 8) != Z_OK || dl != n) {
        free(out);
        return NULL;
    }
    out[n] = '\0';
    return out;
}

/* The row of a stored dump, under `path`; NULL if the record is bad or OOM. */
static ds_row *stored_row(sqlite3_stmt *st, int col, const char *path)
{
    const char *rec = (const char *)ds_sqlite->column_text(st, col);
    ds_row *r = rec ? ds_row_from_record(rec) : NULL;
    if (r && path) {
        char *p = ds_strdup(path);
        if (!p) {
            ds_row_free(r);
            return NULL;
        }
        free(r->path);
        r->path = p;
    }
    return r;
}

/* A file found by content under a new name: its other names with the same
 * size and mtime that no longer exist are this file before a rename, not
 * other files, and are forgotten (the database counts files). Best effort. */
static void forget_renamed(ds_db *db, int64_t id, uint64_t size, int64_t mtime,
                           const char *path)
{
    sqlite3_stmt *st;
    if (ds_sqlite->prepare_v2(db->h,
                              "SELECT path FROM files WHERE dump_id = ?1 AND size = ?2"
                              " AND mtime = ?3",
                              -1, &st, NULL) != SQLITE_OK)
        return;
    ds_sqlite->bind_int64(st, 1, id);
    ds_sqlite->bind_int64(st, 2, (sqlite3_int64)size);
    ds_sqlite->bind_int64(st, 3, mtime);
    char *gone[16];
    int n = 0;
    while (n < 16 && ds_sqlite->step(st) == SQLITE_ROW) {
        const char *e = (const char *)ds_sqlite->column_text(st, 0);
        char *raw = e ? ds_json_path_decode(e) : NULL;
        struct stat sb;
        if (raw && strcmp(raw, path) != 0 && file_or_cab_stat(raw, &sb) != 0 &&
            errno == ENOENT && (gone[n] = ds_strdup(e)) != NULL)
            n++;
        free(raw);
    }
    ds_sqlite->finalize(st);
    for (int i = 0; i < n; i++) {
        if (ds_sqlite->prepare_v2(db->h, "DELETE FROM files WHERE path = ?1", -1, &st, NULL) ==
            SQLITE_OK) {
            ds_sqlite->bind_text(st, 1, gone[i], -1, SQLITE_TRANSIENT);
            ds_sqlite->step(st);
            ds_sqlite->finalize(st);
        }
        free(gone[i]);
    }
}

int ds_db_find(ds_db *db, const char *path, uint64_t size, int64_t mtime,
               const char *head_hash, const char *machine, unsigned flags, ds_row **row,
               char **report)
{
    *row = NULL;
    if (report)
        *report = NULL;
    sqlite3_stmt *st = head_hash ? db->by_content : db->by_path;
    ds_sqlite->reset(st);
    int c = 0;
    if (head_hash) {
        ds_sqlite->bind_int64(st, 1, (sqlite3_int64)size);
        ds_sqlite->bind_text(st, 2, head_hash, -1, SQLITE_TRANSIENT);
        c = 1; /* column 0 is the dump id */
    } else {
        if (!bind_path(st, 1, path))
            return -1;
        ds_sqlite->bind_int64(st, 2, (sqlite3_int64)size);
        ds_sqlite->bind_int64(st, 3, mtime);
    }
    int rc = ds_sqlite->step(st);
    if (rc == SQLITE_DONE) {
        ds_sqlite->reset(st);
        return 0;
    }
    if (rc != SQLITE_ROW) {
        ds_sqlite->reset(st);
        return -1;
    }
    bool current = ds_sqlite->column_int(st, c + 1) >= DS_ANALYSIS_VERSION;
    bool has_report = ds_sqlite->column_int(st, c + 2) != 0;
    /* A stored report names the file it was made from: under another name
     * it would be wrong, so a renamed copy wanting one is analyzed again. */
    if (!current || ((flags & DS_DB_WANT_REPORT) && (!has_report || head_hash))) {
        ds_sqlite->reset(st);
        return 0;
    }
    int64_t id = head_hash ? ds_sqlite->column_int64(st, 0) : 0;
    *row = stored_row(st, c, path);
    if (*row && (*row)->mtime.known) /* this file's own time, not the analyzed copy's */
        (*row)->mtime.value = mtime;
    if (*row && report && has_report) {
        *report =
            inflate_report(ds_sqlite->column_blob(st, c + 3), ds_sqlite->column_bytes(st, c + 3));
        if (!*report) { /* a damaged blob: analyze again */
            ds_row_free(*row);
            *row = NULL;
        }
    }
    ds_sqlite->reset(st);
    if (!*row)
        return 0;
    if (head_hash) { /* remember this name for the next run */
        forget_renamed(db, id, size, mtime, path);
        sqlite3_stmt *f = db->put_file;
        ds_sqlite->reset(f);
        bool bound = bind_path(f, 1, path) && bind_path(f, 5, machine);
        ds_sqlite->bind_int64(f, 2, (sqlite3_int64)size);
        ds_sqlite->bind_int64(f, 3, mtime);
        ds_sqlite->bind_int64(f, 4, id);
        rc = bound ? ds_sqlite->step(f) : SQLITE_NOMEM;
        ds_sqlite->reset(f);
        if (rc != SQLITE_DONE) {
            ds_row_free(*row);
            *row = NULL;
            if (report) {
                free(*report);
                *report = NULL;
            }
            return -1;
        }
    }
    return 1;
}

/* ---------------------------------------------------------------- writes */

static void bind_opt_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        ds_sqlite->bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else
        ds_sqlite->bind_null(st, i);
}

/* Report text -> 8-byte length + zlib stream, in a malloc'd blob. */
static unsigned char *deflate_report(const char *text, size_t *len)
{
    size_t n = strlen(text);
    uLongf cap = compressBound((uLong)n);
    unsigned char *b = malloc(cap + 8);
    if (!b)
        return NULL;
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)((uint64_t)n >> (8 * i));
    if (compress2(b + 8, &cap, (const Bytef *)text, (uLong)n, 6) != Z_OK) {
        free(b);
        return NULL;
    }
    *len = cap + 8;
    return b;
}

/* The id of the dump with this identity, or -1. */
static int64_t dump_id(ds_db *db, uint64_t size, const char *head_hash)
{
    sqlite3_stmt *find = db->find_dump;
    ds_sqlite->reset(find);
    ds_sqlite->bind_int64(find, 1, (sqlite3_int64)size);
    ds_sqlite->bind_text(find, 2, head_hash, -1, SQLITE_TRANSIENT);
    int64_t id = ds_sqlite->step(find) == SQLITE_ROW ? ds_sqlite->column_int64(find, 0) : -1;
    ds_sqlite->reset(find);
    return id;
}

int ds_db_store(ds_db *db, const ds_row *r, const char *head_hash, int64_t mtime,
                const char *machine, const char *report, ds_error *err)
{
    char *rec = ds_row_record(r);
    size_t blen = 0;
    unsigned char *blob = report ? deflate_report(report, &blen) : NULL;
    if (!rec || (report && !blob)) {
        free(rec);
        free(blob);
        fail(err, NULL, "cannot store a row");
        return 1; /* this row; the next may well fit */
    }
    /* A file is known by what is on disk: for a cabinet's member, the
     * cabinet's size (with the member's head hash), so a member's row, which
     * names its member, is never served for a copy of the dump outside. */
    uint64_t fsize = r->file_size.value;
    struct stat cst;
    if (r->in_cab && r->path && file_or_cab_stat(r->path, &cst) == 0)
        fsize = (uint64_t)cst.st_size;
    bool exists = dump_id(db, fsize, head_hash) >= 0;
    sqlite3_stmt *st = exists ? db->update_dump : db->insert_dump;
    ds_sqlite->reset(st);
    ds_sqlite->clear_bindings(st);
    ds_sqlite->bind_int64(st, 1, (sqlite3_int64)fsize);
    ds_sqlite->bind_text(st, 2, head_hash, -1, SQLITE_TRANSIENT);
    bool bound = bind_path(st, 3, r->path) && (exists || bind_path(st, 4, machine));
    ds_sqlite->bind_int(st, 5, DS_ANALYSIS_VERSION);
    ds_sqlite->bind_int64(st, 6, db->now);
    int64_t ct;
    if (row_crash_unix(r, &ct))
        ds_sqlite->bind_int64(st, 7, ct);
    ds_sqlite->bind_text(st, 8, r->failed ? "failed" : "ok", -1, SQLITE_STATIC);
    if (r->has_code)
        ds_sqlite->bind_int64(st, 9, r->code);
    bind_opt_text(st, 10, r->title);
    bind_opt_text(st, 11, r->suspect_module);
    bind_opt_text(st, 12, r->file_version);
    bind_opt_text(st, 13, r->failed || !r->has_verdict ? NULL
                                                        : ds_confidence_name(r->confidence));
    bind_opt_text(st, 14, r->crash_class);
    bind_opt_text(st, 15, r->bucket);
    ds_sqlite->bind_text(st, 16, rec, -1, SQLITE_TRANSIENT);
    if (blob)
        ds_sqlite->bind_blob(st, 17, blob, (int)blen, SQLITE_TRANSIENT);
    int rc = bound ? ds_sqlite->step(st) : SQLITE_NOMEM;
    ds_sqlite->reset(st);
    free(rec);
    free(blob);
    if (!bound)
        return fail(err, NULL, "cannot store a dump"), 1;
    if (rc == SQLITE_TOOBIG || rc == SQLITE_CONSTRAINT || rc == SQLITE_MISMATCH)
        return fail(err, db->h, "cannot store a dump"), 1;
    if (rc != SQLITE_DONE)
        return fail(err, db->h, "cannot store a dump");
    int64_t id = dump_id(db, fsize, head_hash);
    if (id >= 0 && r->path)
        forget_renamed(db, id, fsize, mtime, r->path);
    sqlite3_stmt *f = db->put_file;
    ds_sqlite->reset(f);
    bound = bind_path(f, 1, r->path) && bind_path(f, 5, machine);
    ds_sqlite->bind_int64(f, 2, (sqlite3_int64)fsize);
    ds_sqlite->bind_int64(f, 3, mtime);
    ds_sqlite->bind_int64(f, 4, id);
    rc = !bound ? SQLITE_NOMEM : id >= 0 ? ds_sqlite->step(f) : SQLITE_ERROR;
    ds_sqlite->reset(f);
    return rc == SQLITE_DONE ? 0 : fail(err, db->h, "cannot store a file name");
}

/* ------------------------------------------------------------- reading */

int ds_db_each(ds_db *db, ds_db_row_fn fn, void *ctx, ds_error *err)
{
    /* One entry per file, as a run over the folders would count them;
     * copies share their dump's analysis. */
    sqlite3_stmt *st;
    if (ds_sqlite->prepare_v2(db->h,
                              "SELECT d.row, coalesce(f.machine, d.machine), d.report IS NOT NULL,"
                              " d.report, d.recorded, f.path, f.path = d.path, f.mtime FROM files f"
                              " JOIN dumps d ON d.id = f.dump_id ORDER BY f.rowid",
                              -1, &st, NULL) != SQLITE_OK)
        return fail(err, db->h, "cannot read the dumps");
    int rc, out = 0;
    while (out == 0 && (rc = ds_sqlite->step(st)) == SQLITE_ROW) {
        const char *fp = (const char *)ds_sqlite->column_text(st, 5);
        char *path = fp ? ds_json_path_decode(fp) : NULL;
        ds_row *r = path ? stored_row(st, 0, path) : NULL;
        free(path);
        if (r && r->mtime.known) /* each copy has its own time */
            r->mtime.value = ds_sqlite->column_int64(st, 7);
        if (!r) {
            ds_set_error(err, DS_E_CORRUPT, "a stored row cannot be read");
            out = -1;
            break;
        }
        /* a stored report names the file it was made from: only for it */
        char *rep =
            ds_sqlite->column_int(st, 2) && ds_sqlite->column_int(st, 6)
                ? inflate_report(ds_sqlite->column_blob(st, 3), ds_sqlite->column_bytes(st, 3))
                : NULL;
        const char *m = (const char *)ds_sqlite->column_text(st, 1);
        char *machine = m ? ds_json_path_decode(m) : NULL;
        ds_db_entry e = {r, machine, rep, ds_sqlite->column_int64(st, 4)};
        out = m && !machine ? -1 : fn(ctx, &e);
        free(rep);
        free(machine);
        ds_row_free(e.row);
        if (out)
            ds_set_error(err, DS_E_NOMEM, "out of memory");
    }
    if (out == 0 && rc != SQLITE_DONE)
        out = fail(err, db->h, "cannot read the dumps");
    ds_sqlite->finalize(st);
    return out;
}

int ds_db_import(ds_db *db, const char *other, ds_error *err)
{
    /* Bring the other database to this schema first (a no-op when current). */
    ds_db *o = ds_db_open_read(other, err);
    if (!o)
        return -1;
    ds_db_close(o);
    sqlite3_stmt *st;
    if (ds_sqlite->prepare_v2(db->h, "ATTACH ?1 AS part", -1, &st, NULL) != SQLITE_OK)
        return fail(err, db->h, "cannot attach the database");
    ds_sqlite->bind_text(st, 1, other, -1, SQLITE_TRANSIENT);
    int rc = ds_sqlite->step(st);
    ds_sqlite->finalize(st);
    if (rc != SQLITE_DONE)
        return fail(err, db->h, "cannot attach the database");
    /* A dump both know keeps the earliest record and the newest analysis. */
    static const char sql[] =
        "BEGIN IMMEDIATE;"
        "INSERT INTO dumps(size, head_hash, path, machine, analysis_version, recorded,"
        " analyzed, crash_time, status, code, title, suspect_module, suspect_version,"
        " confidence, class, bucket, row, report)"
        " SELECT size, head_hash, path, machine, analysis_version, recorded, analyzed,"
        " crash_time, status, code, title, suspect_module, suspect_version, confidence,"
        " class, bucket, row, report FROM part.dumps WHERE true"
        " ON CONFLICT(size, head_hash) DO UPDATE SET"
        "  recorded = min(recorded, excluded.recorded),"
        "  path = CASE WHEN excluded.recorded < recorded THEN excluded.path ELSE path END,"
        "  machine = CASE WHEN excluded.recorded < recorded THEN excluded.machine"
        "   ELSE machine END,"
        "  analysis_version = excluded.analysis_version, analyzed = excluded.analyzed,"
        "  crash_time = excluded.crash_time, status = excluded.status, code = excluded.code,"
        "  title = excluded.title, suspect_module = excluded.suspect_module,"
        "  suspect_version = excluded.suspect_version, confidence = excluded.confidence,"
        "  class = excluded.class, bucket = excluded.bucket, row = excluded.row,"
        "  report = coalesce(excluded.report, report)"
        "  WHERE excluded.analysis_version > analysis_version OR"
        "   (excluded.analysis_version = analysis_version AND excluded.analyzed > analyzed)"
        "   OR excluded.recorded < recorded;"
        "INSERT INTO files(path, size, mtime, dump_id, machine)"
        " SELECT f.path, f.size, f.mtime, d.id, f.machine FROM part.files f"
        " JOIN part.dumps pd ON pd.id = f.dump_id"
        " JOIN dumps d ON d.size = pd.size AND d.head_hash = pd.head_hash WHERE true"
        " ON CONFLICT(path) DO UPDATE SET size = excluded.size, mtime = excluded.mtime,"
        "  dump_id = excluded.dump_id, machine = excluded.machine;"
        "COMMIT;";
    rc = ds_sqlite->exec(db->h, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        fail(err, db->h, "cannot merge the database");
        ds_sqlite->exec(db->h, "ROLLBACK", NULL, NULL, NULL);
    }
    ds_sqlite->exec(db->h, "DETACH part", NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : -1;
}

/* ------------------------------------------------------------- machines */

struct ds_machine_rule {
    enum { M_TOP, M_PARENT, M_COMPONENT, M_REGEX } kind;
    int n;
    regex_t re;
};

ds_machine_rule *ds_machine_rule_parse(const char *spec, ds_error *err)
{
    ds_machine_rule *m = calloc(1, sizeof *m);
    if (!m) {
        ds_set_error(err, DS_E_NOMEM, "out of memory");
        return NULL;
    }
    if (!spec || strcmp(spec, "top") == 0) {
        m->kind = M_TOP;
    } else if (strcmp(spec, "parent") == 0) {
        m->kind = M_PARENT;
    } else if (strncmp(spec, "component:", 10) == 0) {
        char *end;
        long n = strtol(spec + 10, &end, 10);
        if (*end || end == spec + 10 || n == 0 || n > 1000 || n < -1000) {
            ds_set_error(err, DS_E_USAGE, "component:N wants N from 1 (first) or -1 "
                                                  "(the file's folder) and up");
            free(m);
            return NULL;
        }
        m->kind = M_COMPONENT;
        m->n = (int)n;
    } else if (strncmp(spec, "regex:", 6) == 0) {
        int rc = regcomp(&m->re, spec + 6, REG_EXTENDED);
        if (rc != 0) {
            char msg[200];
            regerror(rc, &m->re, msg, sizeof msg);
            ds_set_error(err, DS_E_USAGE, "regex: %s", msg);
            free(m);
            return NULL;
        }
        m->kind = M_REGEX;
    } else {
        ds_set_error(err, DS_E_USAGE,
                 "unknown machine rule '%s' (top, parent, component:N, regex:ERE)", spec);
        free(m);
        return NULL;
    }
    return m;
}

void ds_machine_rule_free(ds_machine_rule *m)
{
    if (!m)
        return;
    if (m->kind == M_REGEX)
        regfree(&m->re);
    free(m);
}

/* Component n of path (1-based from the start, -1 the last folder); into out. */
static bool component(const char *path, int n, char *out, size_t len)
{
    const char *c[256];
    size_t cl[256], k = 0;
    for (const char *p = path; *p && k < 256;) {
        while (*p == '/')
            p++;
        const char *e = strchr(p, '/');
        if (!e)
            break; /* the file name itself is no machine */
        if (e > p && !(e - p == 1 && *p == '.')) {
            c[k] = p;
            cl[k++] = (size_t)(e - p);
        }
        p = e;
    }
    long i = n > 0 ? n - 1 : (long)k + n;
    if (i < 0 || (size_t)i >= k)
        return false;
    snprintf(out, len, "%.*s", (int)cl[i], c[i]);
    return true;
}

char *ds_machine_name(const ds_machine_rule *m, const char *path, const char *root)
{
    char buf[512];
    const char *name = NULL;
    if (m && m->kind == M_REGEX) {
        regmatch_t g[2];
        if (regexec(&m->re, path, 2, g, 0) == 0) {
            int k = g[1].rm_so >= 0 ? 1 : 0;
            snprintf(buf, sizeof buf, "%.*s", (int)(g[k].rm_eo - g[k].rm_so), path + g[k].rm_so);
            name = buf[0] ? buf : NULL;
        }
    } else if (m && m->kind == M_COMPONENT) {
        name = component(path, m->n, buf, sizeof buf) ? buf : NULL;
    } else if (m && m->kind == M_PARENT) {
        name = component(path, -1, buf, sizeof buf) ? buf : NULL;
    } else {
        /* top: the first folder below the folder the walk started from; a
         * dump directly in it (or listed, or named) goes by its own folder */
        size_t rl = root ? strlen(root) : 0;
        while (rl > 1 && root[rl - 1] == '/')
            rl--;
        if (root && strncmp(path, root, rl) == 0 && path[rl] == '/') {
            const char *rest = path + rl;
            while (*rest == '/')
                rest++;
            const char *e = strchr(rest, '/');
            if (e) {
                snprintf(buf, sizeof buf, "%.*s", (int)(e - rest), rest);
                name = buf;
            }
        }
        /* else the file's folder, or the one above a Minidump folder (where
         * Windows writes them: HOST/Minidump/x.dmp is HOST's) */
        if (!name && component(path, -1, buf, sizeof buf)) {
            name = buf;
            if (strcasecmp(buf, "Minidump") == 0 && component(path, -2, buf, sizeof buf))
                name = buf;
        }
    }
    return ds_strdup(name ? name : ".");
}
