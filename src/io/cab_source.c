/*
 * Cabinets as dump sources: "dumpscan report.cab" and batch rows named
 * "report.cab:MEMORY.DMP" (doc/cab.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
        ds_set_error(err, "%s: gzip data, not a cabinet", path);
    else
        c = ds_cab_open(raw->bytes, err);
    if (!c)
        ds_source_close(raw);
    return c;
}

static bool accepts(ds_cab *c, size_t i, ds_cab_pick_fn pick)
{
    uint8_t head[16];
    ds_error e;
    int64_t n = ds_cab_read(c, i, 0, head, sizeof head, &e);
    return n > 0 && pick(head, (size_t)n);
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
    size_t n = 0;
    char **v = calloc(ds_cab_count(c) + 1, sizeof *v);
    for (size_t i = 0; v && i < ds_cab_count(c); i++) {
        if (!accepts(c, i, pick))
            continue;
        if (!(v[n] = strdup(ds_cab_member_at(c, i)->name))) {
            ds_cab_free_names(v, n);
            v = NULL;
        } else {
            n++;
        }
    }
    ds_cab_close(c);
    ds_source_close(&raw);
    if (!v) {
        ds_set_error(err, "out of memory");
        return -1;
    }
    *names = v;
    return (long)n;
}

int ds_source_open_cab(ds_source *s, const char *path, const char *member,
                       ds_cab_pick_fn pick, char **chosen, ds_error *err)
{
    memset(s, 0, sizeof *s);
    *chosen = NULL;
    ds_source raw;
    ds_cab *c = open_mapped(&raw, path, err);
    if (!c)
        return -1;
    long idx = -1;
    if (member) {
        idx = ds_cab_find(c, member);
        if (idx < 0)
            ds_set_error(err, "%s: the cabinet holds no member %s", path, member);
    } else {
        for (size_t i = 0; idx < 0 && i < ds_cab_count(c); i++)
            if (accepts(c, i, pick))
                idx = (long)i;
        if (idx < 0)
            ds_set_error(err, "%s: the cabinet holds no crash dump", path);
    }
    int rc = -1, fd = idx >= 0 ? ds_source_tmp_fd(err) : -1;
    if (fd >= 0 && ds_cab_extract_fd(c, (size_t)idx, fd, DS_GUNZIP_LIMIT, err) == 0 &&
        ds_source_open_fd(s, fd, ds_cab_member_at(c, (size_t)idx)->size, err) == 0) {
        *chosen = strdup(ds_cab_member_at(c, (size_t)idx)->name);
        rc = *chosen ? 0 : -1;
        if (rc != 0) {
            ds_set_error(err, "out of memory");
            ds_source_close(s);
        }
    }
    if (fd >= 0)
        close(fd);
    ds_cab_close(c);
    ds_source_close(&raw);
    return rc;
}
