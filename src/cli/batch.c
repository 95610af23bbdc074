/*
 * dumpscan batch triage (the CLI side): find the files, recognize dumps by
 * their signature, analyze them on a pool of threads, keep one small row per
 * file (never an open dump), sort and print. The rows, their renderings and
 * the summary are the library's (ds_row_*, ds_rows_table, ds_summary_*).
 *
 * JSONL output needs each dump's full report in sorted order; workers write
 * the reports to unlinked per-thread temporary files and the printer copies
 * them back in order, so memory holds rows only however many files there are.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "batch.h"
#include "fileset.h"
#include "fleet.h"
#include "progress.h"
#include "say.h"

int batch_format_parse(const char *s, batch_format *out)
{
    static const char *const names[] = {"table", "jsonl", "csv", "bsv-csv", "html"};
    for (unsigned i = 0; i < 5; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (batch_format)i;
            return 0;
        }
    return -1;
}

/* ------------------------------------------------------------ the files */

typedef enum { ST_PENDING = 0, ST_OK, ST_FAILED, ST_SKIPPED } item_state;

typedef struct item {
    char *path;
    char *walk_error;   /* found failing while walking (missing path, unreadable dir) */
    size_t cab_len;     /* a cabinet's member: path is "cabinet:member", cabinet this long */
    bool not_file;      /* a device, socket or FIFO inside a directory: a counted skip */
    ds_row *row;        /* OK and FAILED */
    item_state state;
    bool from_db;       /* recalled from the crash database, not analyzed */
    const char *root;   /* the folder walked to find it (an argument), or NULL */
    char *machine;      /* under --db / --machine */
    unsigned worker;    /* JSONL: whose temporary file holds the report */
    uint64_t json_off;
    size_t json_len;
} item;

/* Set of (device, inode): directories entered and files taken. */
typedef struct idset {
    struct ident {
        dev_t dev;
        ino_t ino;
        bool used;
    } *slot;
    size_t cap, n;
} idset;

static uint64_t id_hash(dev_t dev, ino_t ino)
{
    uint64_t h = (uint64_t)dev * 0x9E3779B97F4A7C15ull ^ (uint64_t)ino;
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ull;
    return h ^ (h >> 32);
}

/* 1 added, 0 already there, -1 OOM. */
static int idset_add(idset *s, dev_t dev, ino_t ino)
{
    if (s->n * 2 >= s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        struct ident *slot = calloc(cap, sizeof *slot);
        if (!slot)
            return -1;
        for (size_t i = 0; i < s->cap; i++)
            if (s->slot[i].used) {
                size_t j = id_hash(s->slot[i].dev, s->slot[i].ino) & (cap - 1);
                while (slot[j].used)
                    j = (j + 1) & (cap - 1);
                slot[j] = s->slot[i];
            }
        free(s->slot);
        s->slot = slot;
        s->cap = cap;
    }
    size_t j = id_hash(dev, ino) & (s->cap - 1);
    for (; s->slot[j].used; j = (j + 1) & (s->cap - 1))
        if (s->slot[j].dev == dev && s->slot[j].ino == ino)
            return 0;
    s->slot[j] = (struct ident){dev, ino, true};
    s->n++;
    return 1;
}

typedef struct walk {
    item *items;
    size_t n, cap;
    idset dirs, files;
    bool recursive;
    bool verbose;
    bool oom;
    const char *root;   /* the argument being walked */
} walk;

static void add_item(walk *w, const char *path, const char *walk_error)
{
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 256;
        item *p = realloc(w->items, cap * sizeof *p);
        if (!p) {
            w->oom = true;
            return;
        }
        w->items = p;
        w->cap = cap;
    }
    item *it = &w->items[w->n];
    memset(it, 0, sizeof *it);
    it->path = strdup(path);
    it->root = w->root;
    it->walk_error = walk_error ? strdup(walk_error) : NULL;
    if (!it->path || (walk_error && !it->walk_error)) {
        free(it->path);
        free(it->walk_error);
        w->oom = true;
        return;
    }
    w->n++;
}

/* A regular file: a cabinet counts as the dumps inside it, one row each
 * ("report.cab:MEMORY.DMP"); one without dumps is skipped like any file. */
static void add_file(walk *w, const char *path)
{
    char **names = NULL;
    ds_error err;
    long n = ds_cab_dumps(path, &names, &err);
    if (n <= 0) {
        ds_free_names(names, 0);
        add_item(w, path, n < 0 ? err.text : NULL);
        return;
    }
    for (long i = 0; i < n && !w->oom; i++) {
        char *p = malloc(strlen(path) + strlen(names[i]) + 2);
        if (!p) {
            w->oom = true;
            break;
        }
        sprintf(p, "%s:%s", path, names[i]);
        add_item(w, p, NULL);
        if (!w->oom)
            w->items[w->n - 1].cab_len = strlen(path);
        free(p);
    }
    ds_free_names(names, (size_t)n);
}

static char *join(const char *dir, const char *name)
{
    size_t dl = strlen(dir), nl = strlen(name);
    bool slash = dl && dir[dl - 1] == '/';
    char *p = malloc(dl + nl + 2);
    if (p) {
        memcpy(p, dir, dl);
        if (!slash)
            p[dl++] = '/';
        memcpy(p + dl, name, nl + 1);
    }
    return p;
}

static void walk_dir(walk *w, const char *dir);

/* A directory, regular file or something else met while walking; top: named
 * by the user or listed, so anything but a file or directory is an error row.
 * Inside directories, devices, sockets and FIFOs are counted skips. */
static void take(walk *w, const char *path, const struct stat *st, bool top)
{
    if (S_ISDIR(st->st_mode)) {
        if (!top && !w->recursive)
            return; /* subdirectories only with --recursive */
        int r = idset_add(&w->dirs, st->st_dev, st->st_ino);
        if (r < 0)
            w->oom = true;
        else if (r > 0)
            walk_dir(w, path); /* r == 0: entered before (a link loop) */
        return;
    }
    if (!S_ISREG(st->st_mode)) {
        add_item(w, path, top ? "not a regular file" : NULL);
        if (!top && !w->oom)
            w->items[w->n - 1].not_file = true;
        return;
    }
    int r = idset_add(&w->files, st->st_dev, st->st_ino);
    if (r < 0)
        w->oom = true;
    else if (r > 0)
        add_file(w, path); /* r == 0: the same file by another name */
}

/* A path named by the user or listed. */
static void walk_path(walk *w, const char *path)
{
    struct stat st;
    if (ds_path_stat(path, &st) != 0)
        add_item(w, path, strerror(errno)); /* say why it is not there */
    else
        take(w, path, &st, true);
}

static void dir_error(walk *w, const char *dir, int err)
{
    char msg[300];
    snprintf(msg, sizeof msg, "cannot read directory: %s", strerror(err));
    add_item(w, dir, msg);
}

typedef struct dir_entry {
    char *name;
    struct stat st;
    int err;      /* fstatat failed with this errno */
    bool link;    /* ... on a symbolic link (it leads nowhere or loops) */
} dir_entry;

static int entry_order(const void *a, const void *b)
{
    return strcmp(((const dir_entry *)a)->name, ((const dir_entry *)b)->name);
}

/* A directory's entries in name order, each looked at with fstatat relative
 * to the directory's descriptor, so no length limit applies to the paths
 * they make (ds_path_open reopens a directory deeper than PATH_MAX). The
 * directory is closed before descending: open descriptors do not grow with
 * depth, and the order does not depend on readdir. An entry that cannot be
 * looked at (a link that leads nowhere or loops, no permission) is an error
 * row: nothing met is dropped without a trace. */
static void walk_dir(walk *w, const char *dir)
{
    int fd = ds_path_open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        dir_error(w, dir, e);
        return;
    }
    dir_entry *ents = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    errno = 0;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 64;
            dir_entry *p = realloc(ents, nc * sizeof *p);
            if (!p || !(p[n].name = strdup(e->d_name))) {
                ents = p ? p : ents;
                w->oom = true;
                break;
            }
            ents = p;
            cap = nc;
        } else if (!(ents[n].name = strdup(e->d_name))) {
            w->oom = true;
            break;
        }
        n++;
        errno = 0;
    }
    int read_err = w->oom ? 0 : errno;
    if (n)
        qsort(ents, n, sizeof *ents, entry_order);
    for (size_t i = 0; i < n; i++) {
        dir_entry *x = &ents[i];
        x->err = fstatat(dirfd(d), x->name, &x->st, 0) != 0 ? errno : 0;
        struct stat lst;
        x->link = x->err && fstatat(dirfd(d), x->name, &lst, AT_SYMLINK_NOFOLLOW) == 0 &&
                  S_ISLNK(lst.st_mode);
    }
    closedir(d);
    if (read_err)
        dir_error(w, dir, read_err);
    for (size_t i = 0; i < n; i++) {
        char *path = w->oom ? NULL : join(dir, ents[i].name);
        if (!path) {
            w->oom = true;
        } else if (ents[i].err) {
            char msg[300];
            snprintf(msg, sizeof msg, "%s%s", ents[i].link ? "symbolic link: " : "",
                     strerror(ents[i].err));
            add_item(w, path, msg);
        } else {
            take(w, path, &ents[i].st, false);
        }
        free(path);
        free(ents[i].name);
    }
    free(ents);
}

/* ----------------------------------------------------------- the pool */

typedef struct pool {
    const batch_opts *o;
    item *items;
    size_t n;
    atomic_size_t next;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t done, nok, nfailed, nskipped;
    bool db_only; /* rows of the database alone: nothing was analyzed */
    bool fatal;
    char fatal_msg[256];
    size_t nfromdb;     /* of nok */
    size_t ncabs, ncab_rows; /* cabinets, and rows read from inside them */
    fleet *fleet;       /* --db / --machine, else NULL */
    ds_session *session; /* built once, shared read-only by the workers */
    bool jsonl;
    FILE **tmp;         /* per worker, JSONL only */
    unsigned ntmp;
    uint64_t *tmp_len;  /* bytes written to each */
} pool;

typedef struct worker {
    pool *p;
    unsigned id;
} worker;

static void set_fatal(pool *p, const char *msg)
{
    pthread_mutex_lock(&p->mu);
    if (!p->fatal)
        snprintf(p->fatal_msg, sizeof p->fatal_msg, "%s", msg);
    p->fatal = true;
    pthread_mutex_unlock(&p->mu);
}

/* Keep a report for later in the worker's temporary file. */
static void stash(pool *p, unsigned id, item *it, char *json)
{
    if (!json) {
        set_fatal(p, "out of memory");
        return;
    }
    size_t len = strlen(json);
    if (fwrite(json, 1, len, p->tmp[id]) != len) {
        set_fatal(p, "cannot write a temporary file");
    } else {
        it->worker = id;
        it->json_off = p->tmp_len[id];
        it->json_len = len;
        p->tmp_len[id] += len;
    }
    ds_free(json);
}

/* The stored analysis of this file, when the crash database has it. */
static bool recalled(pool *p, unsigned id, item *it, fleet_file *ff, bool by_content)
{
    ds_row *row;
    char *report;
    /* a member is known by name (its cabinet's size and time): by content
     * the database knows the dump inside, whose size is not known unopened */
    if (by_content && it->cab_len)
        return false;
    int rc = fleet_recall(p->fleet, it->path, it->machine, p->jsonl, by_content, ff, &row, &report);
    if (rc < 0)
        set_fatal(p, "cannot read the crash database");
    if (rc <= 0)
        return rc < 0;
    it->row = row;
    it->from_db = true;
    it->state = row->failed ? ST_FAILED : ST_OK;
    if (p->jsonl)
        stash(p, id, it, report ? report : ds_row_json(row, 0));
    else
        free(report);
    return true;
}

/* Store a fresh row. false when this row alone could not be stored: it
 * becomes a failed row saying why (a file name or a row the database refuses
 * must not stop the batch); a broken database stops it. */
static bool record(pool *p, item *it, const char *report, fleet_file *ff)
{
    char why[300];
    int rc = fleet_record(p->fleet, it->row, ff, it->machine, report, why, sizeof why);
    if (rc < 0)
        set_fatal(p, "cannot write the crash database");
    if (rc <= 0)
        return true;
    char msg[340];
    snprintf(msg, sizeof msg, "crash database: %s", why);
    ds_row *failed = ds_row_failed(it->row->path, it->row->in_cab, msg);
    if (!failed) {
        set_fatal(p, "out of memory");
        return true;
    }
    ds_row_free(it->row);
    it->row = failed;
    it->state = ST_FAILED;
    return false;
}

/* A test hook (HACKING.md): DUMPSCAN_TEST_HOLD=NAME:FILE holds the analysis
 * of the file whose name is NAME until FILE exists (at most a minute), so a
 * test can look at the crash database while a batch is mid-dump. */
static void test_hold(const char *path)
{
    const char *spec = getenv("DUMPSCAN_TEST_HOLD"), *colon = spec ? strchr(spec, ':') : NULL;
    const char *base = path ? strrchr(path, '/') : NULL;
    base = base ? base + 1 : path;
    if (!colon || !base || strlen(base) != (size_t)(colon - spec) ||
        strncmp(base, spec, (size_t)(colon - spec)) != 0)
        return;
    for (int i = 0; i < 6000 && access(colon + 1, F_OK) != 0; i++) {
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
}

static void analyze(pool *p, unsigned id, item *it)
{
    const char *error = it->walk_error;
    ds_error err;
    if (it->not_file) {
        it->state = ST_SKIPPED;
        if (p->o->verbose)
            cli_say("%s: skipped: not a regular file", it->path);
        return;
    }
    test_hold(it->path);
    fleet_file ff = {.cab_len = it->cab_len};
    if (p->fleet && !error && !(it->machine = fleet_machine(p->fleet, it->path, it->root))) {
        set_fatal(p, "out of memory");
        return;
    }
    if (!error) {
        ds_format fmt;
        bool gz;
        if (recalled(p, id, it, &ff, false))
            return;
        if (ds_detect_file(it->path, &fmt, &gz, &err) != 0) {
            error = err.text;
        } else if (fmt == DS_FORMAT_UNKNOWN) {
            it->state = ST_SKIPPED;
            if (p->o->verbose)
                cli_say("%s: skipped: not a dump", it->path);
            return;
        } else if (recalled(p, id, it, &ff, true)) {
            return;
        } else {
            ds_dump *d = ds_open_with(p->session, it->path, &err);
            if (!d) {
                error = err.text[0] ? err.text : "cannot be read as a dump";
            } else {
                it->row = ds_row_from_dump(d, NULL);
                char *json = it->row && p->jsonl ? ds_report_json(d, 0) : NULL;
                ds_close(d); /* rows only from here on */
                if (!it->row || (p->jsonl && !json)) {
                    ds_free(json);
                    set_fatal(p, "out of memory");
                    return;
                }
                it->state = ST_OK;
                if (!record(p, it, json, &ff)) {
                    ds_free(json);
                    json = p->jsonl ? ds_row_json(it->row, 0) : NULL;
                }
                if (p->jsonl)
                    stash(p, id, it, json);
                return;
            }
        }
    }
    /* a member's row says so, as an opened member's does (files seen count
     * its cabinet once) */
    it->row = ds_row_failed(it->path, it->cab_len ? it->path + it->cab_len + 1 : NULL, error);
    if (!it->row) {
        set_fatal(p, "out of memory");
        return;
    }
    it->state = ST_FAILED;
    if (!it->walk_error)
        (void)record(p, it, NULL, &ff);
    if (p->jsonl)
        stash(p, id, it, ds_row_json(it->row, 0));
}

static void *work(void *arg)
{
    worker *wk = arg;
    pool *p = wk->p;
    for (;;) {
        size_t i = atomic_fetch_add(&p->next, 1);
        if (i >= p->n)
            break;
        item *it = &p->items[i];
        analyze(p, wk->id, it);
        if (it->row) { /* the row has its own copy */
            free(it->path);
            it->path = NULL;
        }
        pthread_mutex_lock(&p->mu);
        p->done++;
        p->nok += it->state == ST_OK;
        p->nfailed += it->state == ST_FAILED;
        p->nskipped += it->state == ST_SKIPPED;
        p->nfromdb += it->from_db && it->state == ST_OK;
        if (p->done == p->n || p->fatal) /* the progress line wakes on its own */
            pthread_cond_signal(&p->cv);
        bool stop = p->fatal;
        pthread_mutex_unlock(&p->mu);
        if (stop)
            break;
    }
    return NULL;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void progress(const pool *p, double start, bool final)
{
    progress_counts c = {p->done, p->n, p->nfailed, p->nskipped};
    progress_draw(&c, now_seconds() - start, final);
}

/* Run the pool; false on a fatal error (message printed). */
static bool run_pool(pool *p, unsigned jobs, bool show_progress)
{
    worker *wk = calloc(jobs, sizeof *wk);
    pthread_t *th = calloc(jobs, sizeof *th);
    if (!wk || !th) {
        free(wk);
        free(th);
        fputs("dumpscan: out of memory\n", stderr);
        return false;
    }
    unsigned started = 0;
    for (unsigned i = 0; i < jobs; i++) {
        wk[i] = (worker){p, i};
        if (pthread_create(&th[i], NULL, work, &wk[i]) != 0)
            break;
        started++;
    }
    if (started == 0) /* no threads to be had: work here */
        work(&wk[0]);
    if (show_progress) {
        double start = now_seconds();
        pthread_mutex_lock(&p->mu);
        while (p->done < p->n && !p->fatal) {
            progress(p, start, false);
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 200 * 1000000L;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&p->cv, &p->mu, &ts);
        }
        progress(p, start, false); /* the last counts, drawn even for a short batch */
        pthread_mutex_unlock(&p->mu);
        progress(p, start, true);
    }
    for (unsigned i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    free(wk);
    free(th);
    if (p->fatal) {
        cli_say("%s", p->fatal_msg);
        return false;
    }
    return true;
}

/* Unlinked temporary file in $TMPDIR (or /tmp). */
static FILE *temp_file(void)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    char *tpl = join(dir, "dumpscan-XXXXXX");
    if (!tpl)
        return NULL;
    int fd = mkstemp(tpl);
    if (fd >= 0)
        unlink(tpl);
    free(tpl);
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, "w+");
    if (!f)
        close(fd);
    return f;
}

/* --------------------------------------------------------------- output */

static ds_row_sort sort_key;
static bool sort_reverse;

static int item_order(const void *a, const void *b)
{
    const item *x = *(const item *const *)a, *y = *(const item *const *)b;
    int c = ds_row_compare(x->row, y->row, sort_key);
    return sort_reverse ? -c : c;
}

/* Copy one stashed report to stdout. */
static bool copy_report(const pool *p, const item *it, char **buf, size_t *cap)
{
    if (it->json_len + 1 > *cap) {
        char *nb = realloc(*buf, it->json_len + 1);
        if (!nb)
            return false;
        *buf = nb;
        *cap = it->json_len + 1;
    }
    int fd = fileno(p->tmp[it->worker]);
    size_t got = 0;
    while (got < it->json_len) {
        ssize_t r = pread(fd, *buf + got, it->json_len - got, (off_t)(it->json_off + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        got += (size_t)r;
    }
    (*buf)[got] = '\n';
    return fwrite(*buf, 1, got + 1, stdout) == got + 1;
}

static unsigned table_width(void)
{
    struct winsize ws;
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 60)
        return ws.ws_col;
    return 100;
}

typedef struct cab_ref {
    const char *path;
    size_t len;
} cab_ref;

static int cab_order(const void *a, const void *b)
{
    const cab_ref *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->path, y->path, n);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* Rows read from inside cabinets and the distinct cabinets they came from
 * (from the rows' in_cab, so parts and databases count as a walk does).
 * false on OOM. */
static bool count_cabinets(pool *p, item *const *order, size_t n)
{
    cab_ref *refs = malloc((n ? n : 1) * sizeof *refs);
    if (!refs)
        return false;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const ds_row *r = order[i]->row;
        size_t cl = ds_row_cabinet_len(r);
        if (cl)
            refs[k++] = (cab_ref){r->path, cl};
    }
    qsort(refs, k, sizeof *refs, cab_order);
    p->ncab_rows = k;
    p->ncabs = 0;
    for (size_t i = 0; i < k; i++)
        p->ncabs += i == 0 || cab_order(&refs[i - 1], &refs[i]) != 0;
    free(refs);
    return true;
}

/* "N files seen (C cabinets with K dumps): A analyzed, D from the database, F
 * failed, S skipped (not dumps)"; a cabinet is one file seen, its dumps rows. */
static void accounting(FILE *f, const pool *p, const char *lead, const char *tail)
{
    size_t seen = p->n - p->ncab_rows + p->ncabs;
    char cabs[96] = "";
    if (p->ncabs)
        snprintf(cabs, sizeof cabs, " (%zu cabinet%s with %zu dump%s)", p->ncabs,
                 p->ncabs == 1 ? "" : "s", p->ncab_rows, p->ncab_rows == 1 ? "" : "s");
    if (p->db_only) {
        fprintf(f, "%s%zu file%s in the database%s: %zu dump%s, %zu failed\n", lead, seen,
                seen == 1 ? "" : "s", cabs, p->nok, p->nok == 1 ? "" : "s", p->nfailed);
        return;
    }
    fprintf(f, "%s%zu file%s seen%s: %zu analyzed, ", lead, seen, seen == 1 ? "" : "s", cabs,
            p->nok - p->nfromdb);
    if (p->o->db_path)
        fprintf(f, "%zu from the database, ", p->nfromdb);
    fprintf(f, "%zu failed, %zu skipped%s\n", p->nfailed, p->nskipped, tail);
}

static bool print_rows(const batch_opts *o, const pool *p, item **order, size_t n,
                       size_t skipped)
{
    bool ok = true;
    if (o->format == BATCH_TABLE) {
        const ds_row **rows = malloc((n ? n : 1) * sizeof *rows);
        if (!rows)
            return false;
        for (size_t i = 0; i < n; i++)
            rows[i] = order[i]->row;
        char *t = ds_rows_table(rows, n, table_width());
        free(rows);
        if (!t)
            return false;
        fputs(t, stdout);
        ds_free(t);
        accounting(stdout, p, "\n", " (not dumps)");
        return true;
    }
    if (o->format == BATCH_JSONL) {
        char *buf = NULL;
        size_t cap = 0;
        for (size_t i = 0; i < n && ok; i++)
            ok = copy_report(p, order[i], &buf, &cap);
        free(buf);
        return ok;
    }
    bool bsv = o->format == BATCH_BSV;
    int header = o->header >= 0 ? o->header : !bsv; /* BlueScreenView: none by default */
    if (header)
        fputs(bsv ? ds_row_bsv_header() : ds_row_csv_header(), stdout);
    for (size_t i = 0; i < n && ok; i++) {
        char *line = bsv ? ds_row_bsv(order[i]->row) : ds_row_csv(order[i]->row);
        ok = line && fputs(line, stdout) >= 0;
        ds_free(line);
    }
    return ok;
}

static bool print_summary(const batch_opts *o, const pool *p, item **order, size_t n,
                          size_t skipped)
{
    ds_summary *s = ds_summary_new();
    if (!s)
        return false;
    if (p->db_only)
        ds_summary_from_database(s);
    if (o->since.known)
        ds_summary_since(s, o->since.value);
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++)
        ok = ds_summary_add_as(s, order[i]->row, order[i]->machine) == 0;
    ds_summary_skipped(s, skipped);
    char *out = NULL;
    if (ok)
        out = o->format == BATCH_JSONL ? ds_summary_json(s, o->compact ? 0 : DS_JSON_PRETTY)
                                       : ds_summary_text(s);
    ds_summary_free(s);
    if (!out)
        return false;
    fputs(out, stdout);
    if (o->format == BATCH_JSONL)
        fputs("\n", stdout);
    ds_free(out);
    return true;
}

static bool print_html(const batch_opts *o, item **order, size_t n)
{
    const ds_row **rows = malloc((n ? n : 1) * sizeof *rows);
    const char **machines = malloc((n ? n : 1) * sizeof *machines);
    char *page = NULL;
    if (rows && machines) {
        for (size_t i = 0; i < n; i++) {
            rows[i] = order[i]->row;
            machines[i] = order[i]->machine;
        }
        ds_html_options ho = {.since = o->since};
        page = ds_rows_html(rows, machines, n, &ho);
    }
    free(rows);
    free(machines);
    bool ok = page && fputs(page, stdout) >= 0;
    ds_free(page);
    return ok;
}

/* ------------------------------------------------------------------ run */

static int walk_listed(void *ctx, const char *path)
{
    walk *w = ctx;
    walk_path(w, path);
    return w->oom ? -1 : 0;
}

/* Keep the files of this job's shard (walk errors too: each belongs to the
 * shard its path falls in, so exactly one job reports it). */
static void keep_shard(walk *w, unsigned index, unsigned count)
{
    size_t k = 0;
    for (size_t i = 0; i < w->n; i++) {
        if (fileset_in_shard(w->items[i].path, index, count)) {
            w->items[k++] = w->items[i];
        } else {
            free(w->items[i].path);
            free(w->items[i].walk_error);
        }
    }
    w->n = k;
}

/* --merge parts and --db without paths: rows read, not analyzed. */
typedef struct loader {
    walk *w;
    pool *p;
} loader;

static int add_loaded(void *ctx, ds_row *row, const char *machine, const char *report)
{
    loader *l = ctx;
    walk *w = l->w;
    add_item(w, row->path, NULL);
    if (w->oom) {
        ds_row_free(row);
        return -1;
    }
    item *it = &w->items[w->n - 1];
    free(it->path); /* the row has its own copy */
    it->path = NULL;
    it->row = row;
    it->from_db = true;
    it->state = row->failed ? ST_FAILED : ST_OK;
    if (machine && !(it->machine = strdup(machine)))
        return -1;
    l->p->n = w->n;
    l->p->nok += !row->failed;
    l->p->nfromdb += !row->failed && l->p->o->db_path; /* merged parts were analyzed */
    l->p->nfailed += row->failed;
    if (l->p->jsonl)
        stash(l->p, 0, it, report ? strdup(report) : ds_row_json(row, 0));
    return l->p->fatal ? -1 : 0;
}

static int item_path_order(const void *a, const void *b)
{
    const item *x = *(item *const *)a, *y = *(item *const *)b;
    int c = strcmp(x->row->path, y->row->path);
    return c ? c : (x > y) - (x < y);
}

/* --merge: a file in two parts (a part given twice, overlapping shards) is
 * counted once, the first part's row kept, with a warning. false on OOM. */
static bool drop_overlap(pool *p, item *items, size_t n)
{
    item **by = malloc((n ? n : 1) * sizeof *by);
    if (!by)
        return false;
    size_t k = 0, dropped = 0;
    for (size_t i = 0; i < n; i++)
        if (items[i].row)
            by[k++] = &items[i];
    qsort(by, k, sizeof *by, item_path_order);
    for (size_t i = 1; i < k; i++) {
        item *it = by[i];
        if (strcmp(it->row->path, by[i - 1]->row->path) != 0)
            continue;
        if (!dropped)
            cli_say("--merge: %s is in more than one part; counted once",
                    it->row->path);
        dropped++;
        p->nok -= !it->row->failed;
        p->nfromdb -= !it->row->failed && p->o->db_path;
        p->nfailed -= it->row->failed;
        p->n--;
        by[i] = by[i - 1]; /* compare the next against the kept row */
        ds_row_free(it->row);
        it->row = NULL;
    }
    if (dropped > 1)
        cli_say("--merge: %zu rows in all were of files already in another "
                "part", dropped);
    free(by);
    return true;
}

int batch_run(const batch_opts *o, char *const *paths, int npaths)
{
    walk w = {.recursive = o->recursive, .verbose = o->verbose};
    /* Rows come from the parts (--merge) or the database (--db, no paths). */
    bool load = o->merge || (o->db_path && npaths == 0 && !o->files_from);
    for (int i = 0; i < npaths && !w.oom && !load; i++) {
        w.root = paths[i];
        walk_path(&w, paths[i]);
    }
    w.root = NULL;
    bool list_failed = false;
    if (o->files_from && !w.oom && !load) {
        char err[300];
        if (fileset_read(o->files_from, o->list_nul, walk_listed, &w, err, sizeof err) != 0 &&
            !w.oom) {
            cli_say("--files-from %s", err);
            list_failed = true;
        }
    }
    if (o->shard_count > 1 && !w.oom)
        keep_shard(&w, o->shard_index, o->shard_count);
    free(w.dirs.slot);
    free(w.files.slot);
    int status = BATCH_EXIT_FATAL;
    pool p = {.o = o, .items = w.items, .n = w.n, .jsonl = o->format == BATCH_JSONL &&
                                                          !o->summary};
    atomic_init(&p.next, 0);
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    item **order = NULL;
    bool fleet_failed;
    /* rows from databases only (--db alone, or merged database parts) */
    p.db_only = load && (!o->merge || fleet_all_databases(paths, npaths));
    p.fleet = fleet_open(o, load && !o->merge, &fleet_failed);
    if (list_failed || fleet_failed)
        goto out;
    if (w.oom) {
        fputs("dumpscan: out of memory\n", stderr);
        goto out;
    }
    ds_error serr;
    if (!load && !(p.session = ds_session_new(&o->open, &serr))) {
        cli_say("%s", serr.text);
        goto out;
    }

    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned jobs = o->jobs > 0 ? (unsigned)o->jobs : cpus > 0 ? (unsigned)cpus : 1;
    if (jobs > 256)
        jobs = 256;
    if (jobs > w.n || load)
        jobs = w.n && !load ? (unsigned)w.n : 1;
    if (p.jsonl) {
        p.tmp = calloc(jobs, sizeof *p.tmp);
        p.tmp_len = calloc(jobs, sizeof *p.tmp_len);
        if (!p.tmp || !p.tmp_len) {
            fputs("dumpscan: out of memory\n", stderr);
            goto out;
        }
        for (; p.ntmp < jobs; p.ntmp++)
            if (!(p.tmp[p.ntmp] = temp_file())) {
                cli_say("cannot create a temporary file: %s",
                        strerror(errno));
                goto out;
            }
    }
    bool tty = isatty(STDERR_FILENO);
    if (load) {
        loader l = {&w, &p};
        if (fleet_load(p.fleet, o, paths, o->merge ? npaths : 0, add_loaded, &l) != 0) {
            if (w.oom || p.fatal)
                cli_say("%s", p.fatal ? p.fatal_msg : "out of memory");
            goto out;
        }
        p.items = w.items;
        if (o->merge && !drop_overlap(&p, w.items, w.n)) {
            fputs("dumpscan: out of memory\n", stderr);
            goto out;
        }
    } else if (!run_pool(&p, jobs, tty)) {
        goto out;
    }
    if (fleet_finish(p.fleet) != 0) {
        p.fleet = NULL;
        goto out;
    }
    p.fleet = NULL;
    for (unsigned i = 0; i < p.ntmp; i++)
        if (fflush(p.tmp[i]) != 0) {
            fputs("dumpscan: cannot write a temporary file\n", stderr);
            goto out;
        }

    /* Rows of analyzed and failed files, sorted; skipped files are counted. */
    order = malloc((w.n ? w.n : 1) * sizeof *order);
    if (!order) {
        fputs("dumpscan: out of memory\n", stderr);
        goto out;
    }
    size_t n = 0;
    for (size_t i = 0; i < w.n; i++)
        if (w.items[i].row)
            order[n++] = &w.items[i];
    sort_key = o->sort;
    sort_reverse = o->reverse;
    qsort(order, n, sizeof *order, item_order);
    if (!count_cabinets(&p, order, n)) {
        fputs("dumpscan: out of memory\n", stderr);
        goto out;
    }

    bool ok = o->format == BATCH_HTML ? print_html(o, order, n)
              : o->summary            ? print_summary(o, &p, order, n, p.nskipped)
                                      : print_rows(o, &p, order, n, p.nskipped);
    if (fflush(stdout) != 0 || ferror(stdout) || !ok) {
        fputs("dumpscan: cannot write the output\n", stderr);
        goto out;
    }
    /* with a database, what was analyzed and what was not is always said */
    if ((tty && o->format != BATCH_TABLE) ||
        (o->db_path && !load && (o->format != BATCH_TABLE || o->summary)))
        accounting(stderr, &p, "dumpscan: ", "");
    status = p.nfailed ? BATCH_EXIT_FAILED : BATCH_EXIT_OK;
out:
    free(order);
    for (size_t i = 0; i < w.n; i++) {
        free(w.items[i].path);
        free(w.items[i].walk_error);
        free(w.items[i].machine);
        ds_row_free(w.items[i].row);
    }
    free(w.items);
    fleet_finish(p.fleet);
    ds_session_free(p.session);
    for (unsigned i = 0; i < p.ntmp; i++)
        fclose(p.tmp[i]);
    free(p.tmp);
    free(p.tmp_len);
    pthread_mutex_destroy(&p.mu);
    pthread_cond_destroy(&p.cv);
    return status;
}
