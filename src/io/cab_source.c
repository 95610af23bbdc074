/*
 * Cabinets as dump sources: "dumpscan report.cab" and batch rows named
 * "report.cab:MEMORY.DMP" (doc/cab.md).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/cab.h"
#include "io/file.h"
#include "io/source.h"

/* 1: the file starts with "MSCF", 0: it does not, -1: unreadable. */
static int has_signature(const char *path, ds_error *err)
{
    int fd = ds_file_open(path, NULL, err);
    if (fd < 0)
        return -1;
    char head[4];
    ssize_t n = ds_file_pread(fd, head, sizeof head, 0);
    close(fd);
    return n == 4 && ds_cab_signature(head, 4);
}

bool ds_cab_split_path(const char *path, char *cab, size_t cap, const char **member)
{
    struct stat st;
    if (ds_path_stat(path, &st) == 0)
        return false; /* the whole name is a file (or folder) of its own */
    const char *colon = strrchr(path, ':');
    if (!colon || colon == path || !colon[1] || (size_t)(colon - path) >= cap)
        return false;
    memcpy(cab, path, (size_t)(colon - path));
    cab[colon - path] = '\0';
    ds_error err;
    bool ok = has_signature(cab, &err) == 1;
    if (ok)
        *member = colon + 1;
    return ok;
}

/* Map the archive and open the reader over it. */
static ds_cab *open_mapped(ds_source *raw, const char *path, ds_error *err)
{
    if (ds_source_open_file(raw, path, DS_SOURCE_WINDOWS, err) != 0)
        return NULL;
    ds_cab *c = NULL;
    if (raw->compressed)
        ds_set_error(err, DS_E_UNSUPPORTED, "gzip data, not a cabinet");
    else
        c = ds_cab_open(raw->bytes, err);
    if (!c)
        ds_source_close(raw);
    return c;
}

/* Whether member i is taken: 1 pick accepts its first bytes, 2 it cannot be
 * decoded (Quantum, damage at its start) and its name says dump, 3 it
 * cannot be decoded and its name says nothing, 0 it is not taken. An
 * undecodable member may well be the dump: it is listed so that opening it
 * reports why (a cabinet of Quantum dumps is an error naming the member, never
 * "no crash dump" - doc/cab.md). */
static int classify(ds_cab *c, size_t i, ds_cab_pick_fn pick)
{
    uint8_t head[16];
    ds_error e;
    int64_t n = ds_cab_read(c, i, 0, head, sizeof head, &e);
    if (n >= 0)
        return n > 0 && pick(head, (size_t)n);
    static const char *const exts[] = {".dmp", ".mdmp", ".hdmp"};
    const char *name = ds_cab_member_at(c, i)->name;
    size_t len = strlen(name);
    for (size_t k = 0; k < sizeof exts / sizeof *exts; k++) {
        size_t el = strlen(exts[k]);
        if (len > el && strcasecmp(name + len - el, exts[k]) == 0)
            return 2;
    }
    return 3;
}

/* The members taken, in archive order, into idx (room for every member):
 * those accepted or undecodable and named as dumps; when there is none, the
 * first undecodable member, so that the cabinet's error is reported. */
static size_t taken(ds_cab *c, ds_cab_pick_fn pick, size_t *idx)
{
    size_t n = 0;
    long other = -1;
    for (size_t i = 0; i < ds_cab_count(c); i++) {
        int k = classify(c, i, pick);
        if (k == 1 || k == 2)
            idx[n++] = i;
        else if (k == 3 && other < 0)
            other = (long)i;
    }
    if (n == 0 && other >= 0)
        idx[n++] = (size_t)other;
    return n;
}

void ds_cab_free_names(char **names, size_t n)
{
    for (size_t i = 0; names && i < n; i++)
        free(names[i]);
    free(names);
}

long ds_cab_list(const char *path, ds_cab_pick_fn pick, char ***names, ds_error *err)
{
    *names = NULL;
    int sig = has_signature(path, err);
    if (sig <= 0)
        return sig;
    ds_source raw;
    ds_cab *c = open_mapped(&raw, path, err);
    if (!c)
        return -1;
    size_t count = ds_cab_count(c), n = 0;
    char **v = calloc(count + 1, sizeof *v);
    size_t *idx = calloc(count + 1, sizeof *idx);
    size_t want = v && idx ? taken(c, pick, idx) : 0;
    for (size_t k = 0; v && k < want; k++) {
        if (!(v[n] = strdup(ds_cab_member_at(c, idx[k])->name))) {
            ds_cab_free_names(v, n);
            v = NULL;
        } else {
            n++;
        }
    }
    if (!idx) {
        ds_cab_free_names(v, n);
        v = NULL;
    }
    free(idx);
    ds_cab_close(c);
    ds_source_close(&raw);
    if (!v) {
        ds_set_error(err, DS_E_NOMEM, "out of memory");
        return -1;
    }
    *names = v;
    return (long)n;
}

/* A member served block by block: the archive's own source, its reader, and
 * a lock (a ds_cab decodes in place). */
typedef struct cab_reader {
    ds_source raw;
    ds_cab *cab;
    size_t member;
    pthread_mutex_t mu;
} cab_reader;

static size_t cab_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    cab_reader *r = ctx;
    ds_error e;
    pthread_mutex_lock(&r->mu);
    int64_t n = ds_cab_read(r->cab, r->member, off, buf, len, &e);
    pthread_mutex_unlock(&r->mu);
    return n > 0 ? (size_t)n : 0;
}

static void cab_fini(void *ctx)
{
    cab_reader *r = ctx;
    ds_cab_close(r->cab);
    ds_source_close(&r->raw);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

int ds_source_open_cab(ds_source *s, const char *path, const char *member,
                       ds_cab_pick_fn pick, char **chosen, ds_error *err)
{
    memset(s, 0, sizeof *s);
    *chosen = NULL;
    cab_reader *r = calloc(1, sizeof *r);
    if (!r) {
        ds_set_error(err, DS_E_NOMEM, "out of memory");
        return -1;
    }
    pthread_mutex_init(&r->mu, NULL);
    ds_cab *c = r->cab = open_mapped(&r->raw, path, err);
    long idx = -1;
    if (!c) {
        /* err says why */
    } else if (member) {
        idx = ds_cab_find(c, member);
        if (idx < 0)
            ds_set_error(err, DS_E_NOT_FOUND, "no such member in the cabinet");
    } else {
        size_t *all = calloc(ds_cab_count(c) + 1, sizeof *all);
        if (!all)
            ds_set_error(err, DS_E_NOMEM, "out of memory");
        else if (taken(c, pick, all) > 0)
            idx = (long)all[0];
        else
            ds_set_error(err, DS_E_NOT_A_DUMP, "the cabinet holds no crash dump");
        free(all);
    }
    uint8_t probe[8];
    /* an undecodable member (Quantum, damage at its start) fails here, named */
    if (idx >= 0 && ds_cab_read(c, (size_t)idx, 0, probe, sizeof probe, err) < 0)
        idx = -1;
    if (idx < 0 || !(*chosen = strdup(ds_cab_member_at(c, (size_t)idx)->name))) {
        if (idx >= 0)
            ds_set_error(err, DS_E_NOMEM, "out of memory");
        if (c) {
            ds_cab_close(c);
            ds_source_close(&r->raw);
        }
        pthread_mutex_destroy(&r->mu);
        free(r);
        return -1;
    }
    r->member = (size_t)idx;
    /* read now: a small member is decoded whole and its reader closed */
    bool mszip = ds_cab_compression(c, (size_t)idx) == DS_CAB_MSZIP;
    bool lzx = ds_cab_compression(c, (size_t)idx) == DS_CAB_LZX;
    if (ds_source_open_reader(s, ds_cab_member_at(c, (size_t)idx)->size, cab_read, cab_fini, r,
                              err) != 0) {
        free(*chosen);
        *chosen = NULL;
        return -1;
    }
    s->cab_mszip = mszip;
    s->cab_lzx = lzx;
    return 0;
}
