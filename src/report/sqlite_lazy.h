/*
 * The SQLite calls the crash database (db.c) makes, through libsqlite3 loaded
 * on first use (io/lazylib.h): only --db and --merge of databases need it, and
 * linking it made every run, `dumpscan --version` included, pay its
 * relocations at start-up (bench/startup.sh).
 *
 * db.c calls ds_sqlite->NAME for sqlite3_NAME. ds_sqlite_load() must have
 * succeeded before any of them runs (ds_db_open and ds_db_open_read check it
 * first; every other call needs a ds_db they returned).
 */
#ifndef DS_REPORT_SQLITE_LAZY_H
#define DS_REPORT_SQLITE_LAZY_H

#include <sqlite3.h>
#include <stdbool.h>

#ifndef DS_SQLITE3_SONAME /* the build passes the SONAME it found */
#define DS_SQLITE3_SONAME "libsqlite3.so.0"
#endif

#define DS_SQLITE_CALLS(X)                                                                  \
    X(int, open_v2, (const char *, sqlite3 **, int, const char *))                         \
    X(int, close, (sqlite3 *))                                                              \
    X(int, busy_timeout, (sqlite3 *, int))                                                  \
    X(int, exec, (sqlite3 *, const char *, int (*)(void *, int, char **, char **), void *,  \
                  char **))                                                                 \
    X(const char *, errmsg, (sqlite3 *))                                                    \
    X(int, prepare_v2, (sqlite3 *, const char *, int, sqlite3_stmt **, const char **))      \
    X(int, step, (sqlite3_stmt *))                                                          \
    X(int, reset, (sqlite3_stmt *))                                                         \
    X(int, finalize, (sqlite3_stmt *))                                                      \
    X(int, clear_bindings, (sqlite3_stmt *))                                                \
    X(int, bind_int, (sqlite3_stmt *, int, int))                                            \
    X(int, bind_int64, (sqlite3_stmt *, int, sqlite3_int64))                                \
    X(int, bind_null, (sqlite3_stmt *, int))                                                \
    X(int, bind_text, (sqlite3_stmt *, int, const char *, int, void (*)(void *)))           \
    X(int, bind_blob, (sqlite3_stmt *, int, const void *, int, void (*)(void *)))           \
    X(int, column_int, (sqlite3_stmt *, int))                                               \
    X(sqlite3_int64, column_int64, (sqlite3_stmt *, int))                                   \
    X(const unsigned char *, column_text, (sqlite3_stmt *, int))                            \
    X(const void *, column_blob, (sqlite3_stmt *, int))                                     \
    X(int, column_bytes, (sqlite3_stmt *, int))

#define DS_SQLITE_FIELD(ret, name, args) ret(*name) args;
typedef struct ds_sqlite_api {
    DS_SQLITE_CALLS(DS_SQLITE_FIELD)
} ds_sqlite_api;
#undef DS_SQLITE_FIELD

/* Loads libsqlite3 the first time (thread-safe); false when it or one of the
 * calls above is missing. */
bool ds_sqlite_load(void);
/* The loaded calls; valid only after ds_sqlite_load() returned true. */
extern const ds_sqlite_api *const ds_sqlite;

#endif
