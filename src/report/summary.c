/*
 * dumpscan grouped summary of batch rows: per suspect module, bucket and bug
 * check, the count, share, first and last crash and machines; optionally only
 * crashes since a date, with the buckets that are new since then.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "report/jsonval.h"
#include "report/rowutil.h"
#include "report/safetext.h"
#include "report/strbuf.h"

/* --------------------------------------------------------------- summary */

/* Open-addressing table of indexes (slot value = index + 1, 0 = empty),
 * keyed by a 64-bit hash; the owner compares the real keys. */
typedef struct itab {
    uint32_t *slot;
    uint64_t *hash;
    size_t cap, n;
} itab;

static uint64_t fnv(const void *p, size_t len, uint64_t h)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < len; i++)
        h = (h ^ s[i]) * 0x100000001b3ull;
    return h;
}

static bool itab_grow(itab *t)
{
    if (t->n * 2 < t->cap)
        return true;
    size_t cap = t->cap ? t->cap * 2 : 64;
    uint32_t *slot = calloc(cap, sizeof *slot);
    uint64_t *hash = calloc(cap, sizeof *hash);
    if (!slot || !hash) {
        free(slot);
        free(hash);
        return false;
    }
    for (size_t i = 0; i < t->cap; i++)
        if (t->slot[i]) {
            size_t j = t->hash[i] & (cap - 1);
            while (slot[j])
                j = (j + 1) & (cap - 1);
            slot[j] = t->slot[i];
            hash[j] = t->hash[i];
        }
    free(t->slot);
    free(t->hash);
    t->slot = slot;
    t->hash = hash;
    t->cap = cap;
    return true;
}

static void itab_free(itab *t)
{
    free(t->slot);
    free(t->hash);
}

enum { G_MODULE, G_BUCKET, G_BUGCHECK, NKINDS };

typedef struct group {
    int kind;
    char *key;       /* module / bucket / "0x..." code; NULL = none */
    char *name;      /* bug check: its title */
    bool exception;  /* bug check: an exception code */
    uint64_t count;
    bool has_time;
    uint64_t first, last; /* FILETIME */
    bool has_any;
    uint64_t first_any;   /* earliest crash, counted or before --since (FILETIME) */
    char *first_path, *last_path;
    uint32_t *machines;   /* indexes into dirs */
    size_t nmachines, capm;
} group;

typedef struct failed_file {
    char *path, *error;
} failed_file;

struct ds_summary {
    uint64_t analyzed, failed, skipped;
    bool from_db;
    ds_i64 since;         /* Unix seconds: groups count crashes from then on */
    uint64_t before;      /* analyzed rows not counted: earlier, or of unknown time */
    group *groups;
    size_t ngroups, capg;
    itab gtab;            /* (kind, key) -> group */
    char **dirs;
    size_t ndirs, capd;
    itab dtab;            /* dir -> index */
    itab ptab;            /* (group, dir) seen */
    uint64_t *pairs;
    size_t npairs, capp;
    failed_file *fails;
    size_t nfails, capf;
    /* rows read from inside cabinets, and the cabinets they came from: files
     * seen count a cabinet once, however many dumps it holds */
    uint64_t cab_rows;
    itab ctab;            /* cabinet path -> index into cabs */
    char **cabs;
    size_t ncabs, capc;
};

ds_summary *ds_summary_new(void)
{
    return calloc(1, sizeof(ds_summary));
}

void ds_summary_free(ds_summary *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->ngroups; i++) {
        free(s->groups[i].key);
        free(s->groups[i].name);
        free(s->groups[i].first_path);
        free(s->groups[i].last_path);
        free(s->groups[i].machines);
    }
    free(s->groups);
    for (size_t i = 0; i < s->ndirs; i++)
        free(s->dirs[i]);
    free(s->dirs);
    for (size_t i = 0; i < s->nfails; i++) {
        free(s->fails[i].path);
        free(s->fails[i].error);
    }
    free(s->fails);
    for (size_t i = 0; i < s->ncabs; i++)
        free(s->cabs[i]);
    free(s->cabs);
    itab_free(&s->ctab);
    free(s->pairs);
    itab_free(&s->gtab);
    itab_free(&s->dtab);
    itab_free(&s->ptab);
    free(s);
}

void ds_summary_skipped(ds_summary *s, uint64_t n)
{
    s->skipped += n;
}

void ds_summary_from_database(ds_summary *s)
{
    s->from_db = true;
}

static bool grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t c = *cap ? *cap * 2 : 16;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * elem);
    if (!q)
        return false;
    *p = q;
    *cap = c;
    return true;
}

/* Index of string `str` (len bytes) in the set (t, *strs, *n), added if new;
 * -1 on OOM. */
static long str_index(itab *t, char ***strs, size_t *n, size_t *cap, const char *str,
                      size_t len)
{
    if (!itab_grow(t))
        return -1;
    uint64_t h = fnv(str, len, 0xcbf29ce484222325ull);
    size_t j = h & (t->cap - 1);
    for (; t->slot[j]; j = (j + 1) & (t->cap - 1)) {
        const char *d = (*strs)[t->slot[j] - 1];
        if (t->hash[j] == h && strlen(d) == len && memcmp(d, str, len) == 0)
            return (long)t->slot[j] - 1;
    }
    if (!grow((void **)strs, cap, *n + 1, sizeof **strs))
        return -1;
    char *copy = malloc(len + 1);
    if (!copy)
        return -1;
    memcpy(copy, str, len);
    copy[len] = '\0';
    (*strs)[*n] = copy;
    t->slot[j] = (uint32_t)++*n;
    t->hash[j] = h;
    t->n++;
    return (long)*n - 1;
}

/* Index of directory `dir` (len bytes), added if new; -1 on OOM. */
static long dir_index(ds_summary *s, const char *dir, size_t len)
{
    return str_index(&s->dtab, &s->dirs, &s->ndirs, &s->capd, dir, len);
}

/* The group for (kind, key), created if new; NULL on OOM. */
static group *group_for(ds_summary *s, int kind, const char *key)
{
    if (!itab_grow(&s->gtab))
        return NULL;
    uint64_t h = fnv(&kind, sizeof kind, 0xcbf29ce484222325ull);
    h = key ? fnv(key, strlen(key) + 1, h) : h ^ 0x5bd1e995u;
    size_t j = h & (s->gtab.cap - 1);
    for (; s->gtab.slot[j]; j = (j + 1) & (s->gtab.cap - 1)) {
        group *g = &s->groups[s->gtab.slot[j] - 1];
        if (s->gtab.hash[j] == h && g->kind == kind && cmp_str(g->key, key) == 0)
            return g;
    }
    if (!grow((void **)&s->groups, &s->capg, s->ngroups + 1, sizeof *s->groups))
        return NULL;
    group *g = &s->groups[s->ngroups];
    memset(g, 0, sizeof *g);
    g->kind = kind;
    if (key && !(g->key = ds_strdup(key)))
        return NULL;
    s->gtab.slot[j] = (uint32_t)++s->ngroups;
    s->gtab.hash[j] = h;
    s->gtab.n++;
    return g;
}

/* Record that group gi saw machine di; false on OOM. */
static bool add_machine(ds_summary *s, size_t gi, long di)
{
    if (!itab_grow(&s->ptab))
        return false;
    uint64_t key = (uint64_t)gi << 32 | (uint32_t)di;
    uint64_t h = fnv(&key, sizeof key, 0xcbf29ce484222325ull);
    size_t j = h & (s->ptab.cap - 1);
    for (; s->ptab.slot[j]; j = (j + 1) & (s->ptab.cap - 1))
        if (s->pairs[s->ptab.slot[j] - 1] == key)
            return true;
    group *g = &s->groups[gi];
    if (!grow((void **)&s->pairs, &s->capp, s->npairs + 1, sizeof *s->pairs) ||
        !grow((void **)&g->machines, &g->capm, g->nmachines + 1, sizeof *g->machines))
        return false;
    s->pairs[s->npairs] = key;
    s->ptab.slot[j] = (uint32_t)++s->npairs;
    s->ptab.hash[j] = h;
    s->ptab.n++;
    g->machines[g->nmachines++] = (uint32_t)di;
    return true;
}

static bool set_path(char **slot, const char *path)
{
    char *p = ds_strdup(path);
    if (!p)
        return false;
    free(*slot);
    *slot = p;
    return true;
}

void ds_summary_since(ds_summary *s, int64_t since)
{
    s->since.known = true;
    s->since.value = since;
}

int ds_summary_add(ds_summary *s, const ds_row *r)
{
    return ds_summary_add_as(s, r, NULL);
}

/* Note the earliest crash of a bucket, whether counted or not. */
static bool note_bucket_time(ds_summary *s, const ds_row *r, bool has_time)
{
    group *g = group_for(s, G_BUCKET, r->bucket);
    if (!g)
        return false;
    if (has_time && (!g->has_any || r->crash_time.value < g->first_any)) {
        g->first_any = r->crash_time.value;
        g->has_any = true;
    }
    return true;
}

int ds_summary_add_as(ds_summary *s, const ds_row *r, const char *machine)
{
    const char *path = r->path ? r->path : "";
    size_t cl = ds_row_cabinet_len(r);
    if (cl) { /* "cabinet:member": the cabinet is the file seen */
        if (str_index(&s->ctab, &s->cabs, &s->ncabs, &s->capc, path, cl) < 0)
            return -1;
        s->cab_rows++;
    }
    if (r->failed) {
        if (!grow((void **)&s->fails, &s->capf, s->nfails + 1, sizeof *s->fails))
            return -1;
        failed_file *f = &s->fails[s->nfails];
        f->path = ds_strdup(path);
        f->error = ds_strdup(r->error ? r->error : "unreadable");
        if (!f->path || !f->error) {
            free(f->path);
            free(f->error);
            return -1;
        }
        s->nfails++;
        s->failed++;
        return 0;
    }
    s->analyzed++;
    int64_t t;
    bool has_time = row_crash_unix(r, &t);
    if (!note_bucket_time(s, r, has_time))
        return -1;
    if (s->since.known && (!has_time || t < s->since.value)) {
        s->before++;
        return 0;
    }
    const char *slash = strrchr(path, '/');
    long di = machine ? dir_index(s, machine, strlen(machine))
              : slash ? dir_index(s, path, slash == path ? 1 : (size_t)(slash - path))
                      : dir_index(s, ".", 1);
    if (di < 0)
        return -1;
    char code[32];
    if (r->has_code)
        snprintf(code, sizeof code, "0x%x", r->code);
    const char *keys[NKINDS] = {ds_row_suspect_label(r), r->bucket,
                                r->has_code ? code : NULL};
    for (int k = 0; k < NKINDS; k++) {
        group *g = group_for(s, k, keys[k]);
        if (!g)
            return -1;
        size_t gi = (size_t)(g - s->groups);
        if (k == G_BUGCHECK && !g->name && r->title && !(g->name = ds_strdup(r->title)))
            return -1;
        g->exception = r->code_is_exception;
        g->count++;
        if (has_time) {
            uint64_t ft = r->crash_time.value;
            if (!g->has_time || ft < g->first ||
                (ft == g->first && strcmp(path, g->first_path) < 0)) {
                if (!set_path(&g->first_path, path))
                    return -1;
                g->first = ft;
            }
            if (!g->has_time || ft > g->last ||
                (ft == g->last && strcmp(path, g->last_path) > 0)) {
                if (!set_path(&g->last_path, path))
                    return -1;
                g->last = ft;
            }
            g->has_time = true;
        }
        if (!add_machine(s, gi, di))
            return -1;
    }
    return 0;
}

/* Groups of one kind, most crashes first, then by key (none last). qsort has
 * no context argument in C11: the summary being sorted is per thread. */
static _Thread_local const ds_summary *sort_ctx;

static int group_order(const void *a, const void *b)
{
    const group *x = &sort_ctx->groups[*(const size_t *)a];
    const group *y = &sort_ctx->groups[*(const size_t *)b];
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return cmp_str(x->key, y->key);
}

static int dir_order(const void *a, const void *b)
{
    return strcmp(sort_ctx->dirs[*(const uint32_t *)a], sort_ctx->dirs[*(const uint32_t *)b]);
}

/* Indexes of the groups of `kind`, sorted; each group's machine list is put
 * in name order too (its content does not change). */
static size_t *kind_order(const ds_summary *s, int kind, size_t *n)
{
    size_t *idx = malloc((s->ngroups ? s->ngroups : 1) * sizeof *idx);
    if (!idx)
        return NULL;
    *n = 0;
    for (size_t i = 0; i < s->ngroups; i++)
        if (s->groups[i].kind == kind && s->groups[i].count) /* 0: only before --since */
            idx[(*n)++] = i;
    sort_ctx = s;
    qsort(idx, *n, sizeof *idx, group_order);
    for (size_t i = 0; i < *n; i++) {
        group *g = &s->groups[idx[i]];
        if (g->nmachines)
            qsort(g->machines, g->nmachines, sizeof *g->machines, dir_order);
    }
    sort_ctx = NULL;
    return idx;
}

static const char *const kind_title[NKINDS] = {"suspected module", "bucket", "bug check"};
static const char *const kind_none[NKINDS] = {"(no suspect named)", "(no bucket)",
                                              "(no bug check or exception)"};

/* Is bucket group g new: its first crash ever at or after --since? */
static bool is_new(const ds_summary *s, const group *g)
{
    int64_t t;
    return s->since.known && g->kind == G_BUCKET && g->count && g->has_any &&
           ds_filetime_to_unix(g->first_any, &t) && t >= s->since.value;
}

static bool new_buckets_text(const ds_summary *s, ds_strbuf *b, const char *since)
{
    size_t n, shown = 0;
    size_t *idx = kind_order(s, G_BUCKET, &n);
    if (!idx)
        return false;
    ds_sb_printf(b, "\nNew buckets (first crash on or after %s):\n", since);
    for (size_t i = 0; i < n; i++) {
        const group *g = &s->groups[idx[i]];
        int64_t t;
        char first[24] = "";
        if (!is_new(s, g))
            continue;
        if (ds_filetime_to_unix(g->first_any, &t))
            short_time(t, first, sizeof first);
        ds_sb_printf(b, "  ");
        if (g->key)
            ds_sb_display(b, g->key);
        else
            ds_sb_printf(b, "%s", kind_none[G_BUCKET]);
        ds_sb_printf(b, ": %llu crash%s, first %s, %zu machine%s\n", (unsigned long long)g->count,
                     g->count == 1 ? "" : "es", first, g->nmachines,
                     g->nmachines == 1 ? "" : "s");
        shown++;
    }
    if (!shown)
        ds_sb_printf(b, "  (none)\n");
    free(idx);
    return true;
}

/* Files seen: a cabinet is one file however many dumps (rows) it holds. */
static uint64_t files_seen(const ds_summary *s)
{
    return s->analyzed + s->failed + s->skipped - s->cab_rows + s->ncabs;
}

char *ds_summary_text(const ds_summary *s)
{
    ds_strbuf b = {0};
    uint64_t seen = files_seen(s);
    char cabs[96] = "";
    if (s->ncabs)
        snprintf(cabs, sizeof cabs, " (%zu cabinet%s with %llu dump%s)", s->ncabs,
                 s->ncabs == 1 ? "" : "s", (unsigned long long)s->cab_rows,
                 s->cab_rows == 1 ? "" : "s");
    if (s->from_db)
        ds_sb_printf(&b, "%llu file%s in the database%s: %llu dump%s, %llu failed\n",
                     (unsigned long long)seen, seen == 1 ? "" : "s", cabs,
                     (unsigned long long)s->analyzed, s->analyzed == 1 ? "" : "s",
                     (unsigned long long)s->failed);
    else
        ds_sb_printf(&b, "%llu file%s seen%s: %llu analyzed, %llu failed, %llu skipped (not "
                     "dumps)\n", (unsigned long long)seen, seen == 1 ? "" : "s", cabs,
                     (unsigned long long)s->analyzed, (unsigned long long)s->failed,
                     (unsigned long long)s->skipped);
    uint64_t counted = s->analyzed - s->before;
    char since[24] = "";
    if (s->since.known) {
        short_time(s->since.value, since, sizeof since);
        ds_sb_printf(&b, "%llu crash%s since %s (%llu earlier or of unknown time not counted)\n",
                     (unsigned long long)counted, counted == 1 ? "" : "es", since,
                     (unsigned long long)s->before);
    }
    for (int k = 0; k < NKINDS && counted; k++) {
        size_t n;
        size_t *idx = kind_order(s, k, &n);
        if (!idx) {
            free(b.s);
            return NULL;
        }
        ds_sb_printf(&b, "\nBy %s:\n", kind_title[k]);
        for (size_t i = 0; i < n; i++) {
            const group *g = &s->groups[idx[i]];
            ds_sb_printf(&b, "  ");
            if (!g->key) {
                ds_sb_printf(&b, "%s", kind_none[k]);
            } else {
                ds_sb_display(&b, g->key);
                if (k == G_BUGCHECK && g->name) {
                    ds_sb_printf(&b, " ");
                    ds_sb_display(&b, g->name);
                }
            }
            unsigned pct = (unsigned)((g->count * 100 + counted / 2) / counted);
            ds_sb_printf(&b, ": %llu of %llu crash%s (%u%%)",
                         (unsigned long long)g->count, (unsigned long long)counted,
                         counted == 1 ? "" : "es", pct);
            int64_t t0, t1;
            char a[24], z[24];
            if (g->has_time && ds_filetime_to_unix(g->first, &t0) &&
                ds_filetime_to_unix(g->last, &t1)) {
                short_time(t0, a, sizeof a);
                short_time(t1, z, sizeof z);
                if (g->first == g->last)
                    ds_sb_printf(&b, " on %s", a);
                else
                    ds_sb_printf(&b, " since %s, last %s", a, z);
            }
            ds_sb_printf(&b, "\n      %zu machine%s:", g->nmachines,
                         g->nmachines == 1 ? "" : "s");
            /* as many names as fit in 100 columns, then "and N more" */
            size_t col = 20, m = 0;
            for (; m < g->nmachines; m++) {
                char *dn = ds_display_join(s->dirs[g->machines[m]], "", NULL);
                if (!dn) {
                    free(idx);
                    free(ds_sb_finish(&b));
                    return NULL;
                }
                size_t need = ds_display_width(dn) + 2 + (m + 1 < g->nmachines ? 16 : 0);
                if (m == 0 || col + need <= 100)
                    ds_sb_printf(&b, "%s %s", m ? "," : "", dn);
                free(dn);
                if (m > 0 && col + need > 100)
                    break;
                col += need - (m + 1 < g->nmachines ? 16 : 0);
            }
            if (m < g->nmachines)
                ds_sb_printf(&b, " and %zu more", g->nmachines - m);
            ds_sb_printf(&b, "\n");
        }
        free(idx);
    }
    if (s->since.known && !new_buckets_text(s, &b, since)) {
        free(b.s);
        return NULL;
    }
    if (s->nfails) {
        ds_sb_printf(&b, "\nFailed (%zu):\n", s->nfails);
        for (size_t i = 0; i < s->nfails; i++)
        {
            ds_sb_printf(&b, "  ");
            ds_sb_display(&b, s->fails[i].path);
            ds_sb_printf(&b, ": ");
            ds_sb_display(&b, s->fails[i].error);
            ds_sb_printf(&b, "\n");
        }
    }
    return ds_sb_finish(&b);
}

static json_t *groups_json(const ds_summary *s, int kind)
{
    size_t n;
    size_t *idx = kind_order(s, kind, &n);
    if (!idx)
        return NULL;
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        const group *g = &s->groups[idx[i]];
        json_t *o = json_object();
        if (kind == G_MODULE)
            json_object_set_new(o, "module", ds_json_str(g->key));
        else if (kind == G_BUCKET)
            json_object_set_new(o, "bucket", ds_json_str(g->key));
        else {
            json_object_set_new(o, "code", ds_json_str(g->key));
            json_object_set_new(o, "code_type", g->key ? json_string(g->exception ? "exception"
                                                                                 : "bugcheck")
                                                       : json_null());
            json_object_set_new(o, "name", ds_json_str(g->name));
        }
        json_object_set_new(o, "count", json_integer((json_int_t)g->count));
        json_object_set_new(o, "share",
                            json_real((double)g->count / (double)(s->analyzed - s->before)));
        json_object_set_new(o, "first_crash", ds_json_time(g->has_time, g->first));
        json_object_set_new(o, "last_crash", ds_json_time(g->has_time, g->last));
        json_object_set_new(o, "first_file", ds_json_path_or_null(g->first_path));
        json_object_set_new(o, "last_file", ds_json_path_or_null(g->last_path));
        json_t *m = json_array();
        for (size_t k = 0; k < g->nmachines; k++)
            json_array_append_new(m, ds_json_path(s->dirs[g->machines[k]]));
        json_object_set_new(o, "machines", m);
        json_array_append_new(a, o);
    }
    free(idx);
    return a;
}

/* "since", "counted" and "new_buckets" [{bucket, count, first_crash}]. */
static bool since_json(const ds_summary *s, json_t *root)
{
    size_t n;
    size_t *idx = kind_order(s, G_BUCKET, &n);
    if (!idx)
        return false;
    json_object_set_new(root, "since", ds_json_time(s->since.value >= 0, ds_unix_to_filetime(s->since.value)));
    json_object_set_new(root, "counted", json_integer((json_int_t)(s->analyzed - s->before)));
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        const group *g = &s->groups[idx[i]];
        if (is_new(s, g))
            json_array_append_new(a, json_pack("{s:o, s:I, s:o}", "bucket", ds_json_str(g->key),
                                               "count", (json_int_t)g->count, "first_crash",
                                               ds_json_time(true, g->first_any)));
    }
    json_object_set_new(root, "new_buckets", a);
    free(idx);
    return true;
}

char *ds_summary_json(const ds_summary *s, unsigned flags)
{
    json_t *root = json_object();
    json_object_set_new(root, "schema_version", json_integer(DS_JSON_SCHEMA_VERSION));
    json_object_set_new(root, "tool", json_pack("{s:s, s:s}", "name", "dumpscan", "version",
                                                DS_VERSION_STRING));
    json_object_set_new(
        root, "files",
        json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "seen", (json_int_t)files_seen(s),
                  "analyzed", (json_int_t)s->analyzed, "failed", (json_int_t)s->failed,
                  "skipped", (json_int_t)s->skipped, "cabinets", (json_int_t)s->ncabs,
                  "cabinet_dumps", (json_int_t)s->cab_rows));
    static const char *const keys[NKINDS] = {"by_suspect_module", "by_bucket", "by_bugcheck"};
    for (int k = 0; k < NKINDS; k++) {
        json_t *g = groups_json(s, k);
        if (!g) {
            json_decref(root);
            return NULL;
        }
        json_object_set_new(root, keys[k], g);
    }
    json_t *f = json_array();
    for (size_t i = 0; i < s->nfails; i++)
        json_array_append_new(f, json_pack("{s:o, s:o}", "path", ds_json_path(s->fails[i].path),
                                           "error", ds_json_path(s->fails[i].error)));
    json_object_set_new(root, "failed", f);
    if (s->since.known && !since_json(s, root)) {
        json_decref(root);
        return NULL;
    }
    size_t jf = JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(4) |
                (flags & DS_JSON_PRETTY ? JSON_INDENT(2) : JSON_COMPACT);
    char *out = json_dumps(root, jf);
    json_decref(root);
    return out;
}

