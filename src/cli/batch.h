/* dumpscan batch triage: walk directories, analyze in parallel, print rows. */
#ifndef DS_CLI_BATCH_H
#define DS_CLI_BATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "dumpscan/dumpscan.h"

typedef enum batch_format {
    BATCH_TABLE = 0,
    BATCH_JSONL,
    BATCH_CSV,
    BATCH_BSV,
    BATCH_HTML
} batch_format;

typedef struct batch_opts {
    ds_open_options open;
    int jobs;             /* 0: one per online CPU */
    bool recursive;
    batch_format format;
    bool summary;         /* the grouped summary instead of rows */
    ds_row_sort sort;
    bool reverse;
    int header;           /* CSV header line: -1 format default, 0 no, 1 yes */
    bool compact;         /* summary JSON on one line */
    bool verbose;         /* name skipped files and ignored entries on stderr */
    const char *files_from; /* --files-from: a list file, "-" for stdin, or NULL */
    int list_nul;         /* the list's separator: 1 NUL, 0 newline, -1 detect */
    unsigned shard_index, shard_count; /* --shard I/N; count 0 or 1: every file */
    const char *db_path;  /* --db: the crash database */
    const char *machine_rule; /* --machine (NULL: top) */
    bool reanalyze;       /* --reanalyze: analyze even dumps the database knows */
    ds_i64 since;         /* --since, Unix seconds */
    bool merge;           /* --merge: the paths are JSONL or database parts */
} batch_opts;

/* Batch exit codes (single-file codes stay 0/1/2). */
enum { BATCH_EXIT_OK = 0, BATCH_EXIT_FATAL = 1, BATCH_EXIT_USAGE = 2, BATCH_EXIT_FAILED = 3 };

/* "table", "jsonl", "csv", "bsv-csv", "html" -> 0, or -1. */
int batch_format_parse(const char *s, batch_format *out);

int batch_run(const batch_opts *o, char *const *paths, int npaths);

#endif
