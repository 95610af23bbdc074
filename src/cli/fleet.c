/*
 * The batch's crash-database side (--db, --machine, --merge): which files need
 * no analysis, storing each analyzed one in its own short transaction (so a
 * reader never waits for an analysis and a killed run keeps every finished
 * row), and
 * reading rows back from databases and JSONL parts.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "fleet.h"
#include "say.h"

struct fleet {
    ds_db *db;
    ds_machine_rule *rule;
    bool reanalyze;
    pthread_mutex_t mu;
};

fleet *fleet_open(const batch_opts *o, bool read_only, bool *failed)
{
    *failed = false;
    /* the page names machines even without a rule: the default one */
    if (!o->db_path && !o->machine_rule && o->format != BATCH_HTML)
        return NULL;
    fleet *f = calloc(1, sizeof *f);
    ds_error err = {0};
    if (!f) {
        fputs("dumpscan: out of memory\n", stderr);
        *failed = true;
        return NULL;
    }
    pthread_mutex_init(&f->mu, NULL);
    f->reanalyze = o->reanalyze;
    f->rule = ds_machine_rule_parse(o->machine_rule, &err);
    if (f->rule && o->db_path)
        f->db = read_only ? ds_db_open_read(o->db_path, &err) : ds_db_open(o->db_path, &err);
    if (!f->rule || (o->db_path && !f->db)) {
        cli_say("%s%s%s", f->rule ? o->db_path : "--machine ",
                f->rule ? ": " : "", err.text);
        fleet_finish(f);
        *failed = true;
        return NULL;
    }
    return f;
}

static bool fill_stat(const char *path, fleet_file *ff)
{
    if (ff->have_stat)
        return true;
    /* a cabinet's member is known by its cabinet's size and time */
    char *cab = ff->cab_len ? strndup(path, ff->cab_len) : NULL;
    struct stat st;
    if ((cab || !ff->cab_len) && ds_path_stat(cab ? cab : path, &st) == 0) {
        ff->have_stat = true;
        ff->size = (uint64_t)st.st_size;
        ff->mtime = (int64_t)st.st_mtime;
    }
    free(cab);
    return ff->have_stat;
}

static bool fill_hash(const char *path, fleet_file *ff)
{
    ds_error err;
    if (!ff->have_hash && ds_file_head_hash(path, ff->hash, &err) == 0)
        ff->have_hash = true;
    return ff->have_hash;
}

int fleet_recall(fleet *f, const char *path, const char *machine, bool want_report,
                 bool by_content, fleet_file *ff, ds_row **row, char **report)
{
    *row = NULL;
    *report = NULL;
    if (!f || !f->db || f->reanalyze || !fill_stat(path, ff) ||
        (by_content && !fill_hash(path, ff)))
        return 0;
    /* No transaction of ours: a lookup reads in its own, and a hit by content
     * that records the new name writes in its own, so nothing is held while
     * a dump is analyzed. */
    pthread_mutex_lock(&f->mu);
    int rc = ds_db_find(f->db, path, ff->size, ff->mtime, by_content ? ff->hash : NULL,
                        machine, want_report ? DS_DB_WANT_REPORT : 0, row, want_report ? report : NULL);
    pthread_mutex_unlock(&f->mu);
    return rc;
}

int fleet_record(fleet *f, const ds_row *row, fleet_file *ff, const char *machine,
                 const char *report, char *why, size_t whylen)
{
    if (!f || !f->db)
        return 0;
    /* a file that cannot even be read has no identity to store it under */
    if (!fill_stat(row->path, ff) || !fill_hash(row->path, ff))
        return 0;
    ds_error err;
    /* One short transaction per analyzed dump, after its analysis: a reader
     * waits at most for one row's write, and a killed run keeps every row
     * it finished (WAL with synchronous=NORMAL makes a commit cheap). */
    pthread_mutex_lock(&f->mu);
    int rc = ds_db_begin(f->db, &err);
    if (rc == 0) {
        rc = ds_db_store(f->db, row, ff->hash, ff->mtime, machine, report, &err);
        if (rc == 0)
            rc = ds_db_commit(f->db, &err);
        else
            ds_db_rollback(f->db);
    }
    pthread_mutex_unlock(&f->mu);
    if (rc > 0) /* this row only: the batch goes on */
        snprintf(why, whylen, "%s", err.text);
    else if (rc < 0)
        cli_say("%s", err.text);
    return rc;
}

char *fleet_machine(const fleet *f, const char *path, const char *root)
{
    return f ? ds_machine_name(f->rule, path, root) : NULL;
}

int fleet_finish(fleet *f)
{
    if (!f)
        return 0;
    int rc = 0;
    ds_db_close(f->db);
    ds_machine_rule_free(f->rule);
    pthread_mutex_destroy(&f->mu);
    free(f);
    return rc;
}

/* ---------------------------------------------------------------- merge */

typedef struct load_ctx {
    fleet_add_fn add;
    void *ctx;
} load_ctx;

static int from_db(void *ctx, ds_db_entry *e)
{
    load_ctx *l = ctx;
    ds_row *r = e->row;
    e->row = NULL; /* ours now */
    return l->add(l->ctx, r, e->machine, e->report);
}

static bool is_sqlite(const char *path)
{
    /* a pipe or FIFO (a part streamed in) is never a database, and peeking
     * at it would eat the lines the JSONL reader needs (or block) */
    struct stat st;
    if (ds_path_stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return false;
    char head[16] = {0};
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return false;
    size_t n = fread(head, 1, sizeof head, fp);
    fclose(fp);
    return n == 16 && memcmp(head, "SQLite format 3", 16) == 0;
}

bool fleet_all_databases(char *const *parts, int nparts)
{
    for (int i = 0; i < nparts; i++)
        if (!is_sqlite(parts[i]))
            return false;
    return true;
}

static int load_jsonl(const fleet *f, const char *path, fleet_add_fn add, void *ctx)
{
    FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!fp) {
        cli_say("%s: %s", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned long no = 0;
    int rc = 0;
    while (rc == 0 && (len = getline(&line, &cap, fp)) >= 0) {
        no++;
        if (len > (1 << 28)) { /* far beyond any report: not a part */
            cli_say("%s:%lu: line too long", path, no);
            rc = -1;
            break;
        }
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (!len)
            continue;
        ds_error err;
        ds_row *r = ds_row_from_json(line, &err);
        if (!r) {
            cli_say("%s:%lu: %s", path, no, err.text);
            rc = -1;
            break;
        }
        char *m = r->failed ? NULL : fleet_machine(f, r->path, NULL);
        rc = add(ctx, r, m, line);
        free(m);
    }
    if (rc == 0 && ferror(fp)) {
        cli_say("%s: read error", path);
        rc = -1;
    }
    free(line);
    if (fp != stdin)
        fclose(fp);
    return rc;
}

int fleet_load(fleet *f, const batch_opts *o, char *const *parts, int nparts, fleet_add_fn add,
               void *ctx)
{
    load_ctx l = {add, ctx};
    ds_error err;
    for (int i = 0; i < nparts; i++) {
        bool db = is_sqlite(parts[i]);
        if (f && f->db) { /* merge into --db: database parts only */
            if (!db) {
                cli_say("%s: only databases merge into --db (JSONL parts "
                        "lack the file identity)", parts[i]);
                return -1;
            }
            if (ds_db_import(f->db, parts[i], &err) != 0) {
                cli_say("%s: %s", parts[i], err.text);
                return -1;
            }
            continue;
        }
        int rc;
        if (db) {
            ds_db *d = ds_db_open_read(parts[i], &err);
            rc = d ? ds_db_each(d, from_db, &l, &err) : -1;
            if (rc)
                cli_say("%s: %s", parts[i], err.text);
            ds_db_close(d);
        } else {
            rc = load_jsonl(f, parts[i], add, ctx);
        }
        if (rc)
            return -1;
    }
    (void)o;
    if (f && f->db && ds_db_each(f->db, from_db, &l, &err) != 0) {
        cli_say("%s", err.text);
        return -1;
    }
    return 0;
}
