/* The batch's crash-database side: recall stored dumps, record new ones in
 * committed batches, name machines, and load rows from --merge parts. */
#ifndef DS_CLI_FLEET_H
#define DS_CLI_FLEET_H

#include "batch.h"

typedef struct fleet fleet;

/* What is known of one file: its stat, and its content hash once read. */
typedef struct fleet_file {
    size_t cab_len;     /* a cabinet's member: the cabinet's stat (path's first cab_len bytes) */
    bool have_stat, have_hash;
    uint64_t size;
    int64_t mtime;
    char hash[DS_HEAD_HASH_LEN + 1];
} fleet_file;

/* NULL when neither --db nor --machine is given; *failed on error (printed). */
fleet *fleet_open(const batch_opts *o, bool read_only, bool *failed);
/* A stored analysis of this file: by name when !by_content, else by content.
 * 1 with *row (and *report when want_report), 0 none, -1 database error. */
int fleet_recall(fleet *f, const char *path, const char *machine, bool want_report,
                 bool by_content, fleet_file *ff, ds_row **row, char **report);
/* Store a fresh analysis (report may be NULL); committed in batches. 0 or -1. */
int fleet_record(fleet *f, const ds_row *row, fleet_file *ff, const char *machine,
                 const char *report, char *why, size_t whylen);
/* The machine of a path under the --machine rule (root: the folder walked). */
char *fleet_machine(const fleet *f, const char *path, const char *root);
/* Commit what is pending and close; 0 or -1 (printed). */
int fleet_finish(fleet *f);

/* Rows from --merge parts (JSONL files or databases), or from --db itself when
 * parts is empty. add() takes ownership of row; report may be NULL. */
typedef int (*fleet_add_fn)(void *ctx, ds_row *row, const char *machine, const char *report);
/* Every part is a crash database (not JSONL). */
bool fleet_all_databases(char *const *parts, int nparts);
int fleet_load(fleet *f, const batch_opts *o, char *const *parts, int nparts, fleet_add_fn add,
               void *ctx);

#endif
