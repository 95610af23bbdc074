/*
 * Symbol path and symbol-store lookups. Local folders (stores, downstream
 * caches, file shares that happen to be mounted) are searched first; only
 * when that fails are the http(s) servers of "srv*" entries asked, one by
 * one, through symbols/symsrv.c, which downloads into the entry's cache.
 * Every file found is opened and its identity checked before it is reported
 * as FOUND, because a store folder name is only a promise.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/pe.h"
#include "io/bytes.h"
#include "io/file.h"
#include "symbols/pdb.h"
#include "symbols/provider.h"
#include "symbols/store.h"
#include "symbols/symsrv.h"

#define MAX_ENTRIES 256
/* Store roots longer than this could not hold root/xx/name/KEY/name (two
 * 255-byte names) inside ds_store_result.path. */
#define MAX_ROOT 3000
#define HEADER_READ 4096   /* PE identity lives in the first page */
#define PTR_READ 4096      /* file.ptr holds one path */

typedef struct store_entry {
    char *dir;
    bool two_tier;         /* index2.txt at the root: root/xx/name/KEY/name */
    bool is_cache;         /* a download cache ("srv*" or "cache*" entries) */
} store_entry;

typedef struct server {
    char *url;             /* no trailing '/' */
    char *cache;           /* where its files are downloaded */
} server;

struct ds_symstore {
    store_entry *e;
    size_t n;
    server *srv;
    size_t nsrv;
    bool offline;
    char *default_cache;   /* from "cache*DIR", for later "srv*URL" entries */
    /* The local parts of each "srv*C1*C2*URL", in order (indexes into e):
     * as in WinDbg, a file found in C2 is copied into C1, and one
     * downloaded into C1 is copied into C2 too. */
    struct chain {
        size_t idx[8];
        size_t n;
    } *chains;
    size_t nchains;
    char **gone;           /* folders of the path that do not exist */
    size_t ngone;
};

/* ------------------------------------------------------------ names */

bool ds_symstore_name_ok(const char *name)
{
    if (!name || !*name)
        return false;
    size_t n = strlen(name);
    if (n > 255 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c < 0x20 || c == 0x7F || c == '/' || c == '\\' || c == ':')
            return false;
    }
    return true;
}

const char *ds_symstore_base_name(const char *path)
{
    if (!path)
        return "";
    const char *base = path;
    for (const char *p = path; *p; p++)
        if (*p == '\\' || *p == '/' || *p == ':')
            base = p + 1;
    return base;
}

/* ------------------------------------------------------ symbol path */

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* "C:\x", "C:/x" and "\\server\share": a Windows machine's folders, which
 * cannot exist here and must not be created as relative names. */
static bool windows_only(const char *p, size_t len)
{
    while (len && isspace((unsigned char)*p))
        p++, len--;
    return (len >= 2 && isalpha((unsigned char)p[0]) && p[1] == ':') ||
           (len >= 2 && p[0] == '\\' && p[1] == '\\');
}

/* Add one local folder: backslashes become '/', trailing separators go,
 * folders that do not exist (Windows drive paths on Linux, unmounted
 * shares) are skipped, duplicates are kept once. */
static int add_local(ds_symstore *s, const char *p, size_t len, bool is_cache, long *at)
{
    long dummy;
    if (!at)
        at = &dummy;
    *at = -1;
    while (len && isspace((unsigned char)*p))
        p++, len--;
    while (len && isspace((unsigned char)p[len - 1]))
        len--;
    if (!len || len > MAX_ROOT || s->n >= MAX_ENTRIES)
        return 0;
    char *d = malloc(len + 1);
    if (!d)
        return -1;
    for (size_t i = 0; i < len; i++)
        d[i] = p[i] == '\\' ? '/' : p[i];
    d[len] = '\0';
    while (len > 1 && d[len - 1] == '/')
        d[--len] = '\0';
    /* a download cache is made when a server will fill it */
    if (is_cache && !s->offline && memchr(d, '\0', len) == NULL && !windows_only(p, len))
        ds_mkdirs(d);
    bool there = memchr(d, '\0', len) == NULL && is_dir(d), keep = there;
    for (size_t i = 0; keep && i < s->n; i++)
        if (!(keep = strcmp(s->e[i].dir, d) != 0))
            *at = (long)i;
    for (size_t i = 0; !there && i < s->ngone; i++)
        there = strcmp(s->gone[i], d) == 0; /* named twice: listed once */
    if (!there) {
        /* kept to be reported: a lookup that found nothing says where it
         * looked, this folder included */
        char **v = realloc(s->gone, (s->ngone + 1) * sizeof *v);
        if (!v) {
            free(d);
            return -1;
        }
        s->gone = v;
        s->gone[s->ngone++] = d;
        return 0;
    }
    if (!keep) {
        free(d);
        return 0;
    }
    if (s->n % 16 == 0) {
        store_entry *v = realloc(s->e, (s->n + 16) * sizeof *v);
        if (!v) {
            free(d);
            return -1;
        }
        s->e = v;
    }
    char idx[MAX_ROOT + 16];
    snprintf(idx, sizeof idx, "%s/index2.txt", d);
    s->e[s->n].dir = d;
    s->e[s->n].two_tier = is_file(idx);
    s->e[s->n].is_cache = is_cache;
    *at = (long)s->n++;
    return 0;
}

static bool has_url(const char *p, size_t len)
{
    for (size_t i = 0; i + 3 <= len; i++)
        if (memcmp(p + i, "://", 3) == 0)
            return true;
    return false;
}

static bool is_http(const char *p, size_t len)
{
    return (len > 7 && strncasecmp(p, "http://", 7) == 0) ||
           (len > 8 && strncasecmp(p, "https://", 8) == 0);
}

static char *trimmed_dup(const char *p, size_t len)
{
    while (len && isspace((unsigned char)*p))
        p++, len--;
    while (len && (isspace((unsigned char)p[len - 1]) || p[len - 1] == '/'))
        len--;
    char *d = malloc(len + 1);
    if (d) {
        memcpy(d, p, len);
        d[len] = '\0';
    }
    return d;
}

/* The folder a server's downloads go to: the entry's first local part, else
 * the last "cache*DIR", else the default cache. NULL when there is none. */
static char *cache_for(ds_symstore *s, const char *first_local, size_t len)
{
    char def[MAX_ROOT];
    if (first_local && windows_only(first_local, len))
        first_local = NULL;
    char *c = first_local ? trimmed_dup(first_local, len)
              : s->default_cache ? strdup(s->default_cache)
              : ds_symsrv_default_cache(def, sizeof def) ? strdup(def) : NULL;
    for (char *p = c; p && *p; p++)
        if (*p == '\\')
            *p = '/';
    if (c && (!*c || strlen(c) >= MAX_ROOT)) {
        free(c);
        c = NULL;
    }
    return c;
}

static int add_server(ds_symstore *s, const char *url, size_t len, const char *first_local,
                      size_t local_len)
{
    char *cache = cache_for(s, first_local, local_len);
    if (!cache)
        return 0; /* nowhere to put downloads: the server cannot be used */
    /* downloads become local files: the cache is searched like a store */
    if (add_local(s, cache, strlen(cache), true, NULL) != 0) {
        free(cache);
        return -1;
    }
    if (s->offline) {
        free(cache);
        return 0;
    }
    char *u = trimmed_dup(url, len);
    server *v = u ? realloc(s->srv, (s->nsrv + 1) * sizeof *v) : NULL;
    if (!v) {
        free(u);
        free(cache);
        return -1;
    }
    s->srv = v;
    s->srv[s->nsrv++] = (server){u, cache};
    return 0;
}

/* "srv*CACHE*URL", "symsrv*DLL*CACHE*URL", "cache*DIR": every part that is
 * not a URL is a local store to read (a downstream cache, or a share used
 * as the upstream); an http(s) URL is a server whose files are downloaded
 * into the first local part, or the cache of an earlier "cache*DIR", or the
 * default cache. */
static int add_star_entry(ds_symstore *s, const char *p, size_t len)
{
    const char *star = memchr(p, '*', len);
    size_t kwlen = (size_t)(star - p);
    size_t skip;
    if ((kwlen == 3 && strncasecmp(p, "srv", 3) == 0) ||
        (kwlen == 5 && strncasecmp(p, "cache", 5) == 0))
        skip = 1;
    else if (kwlen == 6 && strncasecmp(p, "symsrv", 6) == 0)
        skip = 2; /* the symbol server DLL name */
    else
        return 0; /* unknown keyword: not something we can read */
    bool is_cache_kw = kwlen == 5;
    struct chain ch = {.n = 0};
    const char *first_local = NULL;
    size_t first_len = 0, part = 0, start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && p[i] != '*')
            continue;
        const char *e = p + start;
        size_t elen = i - start;
        int rc = 0;
        if (part < skip || !elen) {
            /* keyword, DLL name, or an empty part */
        } else if (is_http(e, elen) && !is_cache_kw) {
            rc = add_server(s, e, elen, first_local, first_len);
        } else if (!has_url(e, elen)) {
            if (!first_local)
                first_local = e, first_len = elen;
            long at;
            rc = add_local(s, e, elen, true, &at);
            if (rc == 0 && at >= 0 && ch.n < sizeof ch.idx / sizeof *ch.idx)
                ch.idx[ch.n++] = (size_t)at;
            if (rc == 0 && is_cache_kw) {
                free(s->default_cache);
                s->default_cache = trimmed_dup(e, elen);
                rc = s->default_cache ? 0 : -1;
            }
        }
        if (rc != 0)
            return -1;
        part++;
        start = i + 1;
    }
    if (ch.n > 1 && !is_cache_kw) {
        struct chain *v = realloc(s->chains, (s->nchains + 1) * sizeof *v);
        if (!v)
            return -1;
        s->chains = v;
        s->chains[s->nchains++] = ch;
    }
    return 0;
}

/* A ';'-free element without '*': POSIX-style lists use ':' between
 * folders, but "C:\x" and "C:/x" keep their drive colon. */
static int add_plain_entry(ds_symstore *s, const char *p, size_t len)
{
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && p[i] != ':')
            continue;
        if (i < len && i == start + 1 && isalpha((unsigned char)p[start]))
            continue; /* drive letter */
        if (add_local(s, p + start, i - start, false, NULL) != 0)
            return -1;
        start = i + 1;
    }
    return 0;
}

static int parse_path(ds_symstore *s, const char *path)
{
    const char *p = path;
    while (*p) {
        size_t len = strcspn(p, ";");
        int rc = memchr(p, '*', len) ? add_star_entry(s, p, len)
                                     : add_plain_entry(s, p, len);
        if (rc != 0)
            return rc;
        p += len;
        if (*p == ';')
            p++;
    }
    return 0;
}

ds_symstore *ds_symstore_open(const char *path, bool offline)
{
    ds_symstore *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->offline = offline;
    int rc = 0;
    if (path) {
        rc = parse_path(s, path);
    } else {
        /* dumpscan's own variable, when set (even empty), replaces the
         * debugger's: it is how a user keeps dumpscan local while WinDbg
         * keeps its server (doc/symbol-server.md). */
        const char *a = getenv("DUMPSCAN_SYMBOL_PATH"), *b = getenv("_NT_SYMBOL_PATH");
        if (a ? a : b)
            rc = parse_path(s, a ? a : b);
    }
    if (rc != 0) {
        ds_symstore_close(s);
        return NULL;
    }
    return s;
}

void ds_symstore_close(ds_symstore *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        free(s->e[i].dir);
    for (size_t i = 0; i < s->nsrv; i++) {
        free(s->srv[i].url);
        free(s->srv[i].cache);
    }
    for (size_t i = 0; i < s->ngone; i++)
        free(s->gone[i]);
    free(s->gone);
    free(s->chains);
    free(s->e);
    free(s->srv);
    free(s->default_cache);
    free(s);
}

size_t ds_symstore_entries(const ds_symstore *s)
{
    return s ? s->n : 0;
}

size_t ds_symstore_servers(const ds_symstore *s)
{
    return s ? s->nsrv : 0;
}

const char *ds_symstore_entry(const ds_symstore *s, size_t i)
{
    return s && i < s->n ? s->e[i].dir : NULL;
}

size_t ds_symstore_missing(const ds_symstore *s)
{
    return s ? s->ngone : 0;
}

const char *ds_symstore_missing_at(const ds_symstore *s, size_t i)
{
    return s && i < s->ngone ? s->gone[i] : NULL;
}

/* Every place of the path, existing or not, as "A, B, C" (cut with "..."). */
static void list_places(const ds_symstore *s, char *out, size_t cap)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; s && i < s->n + s->nsrv + s->ngone; i++) {
        const char *p = i < s->n ? s->e[i].dir
                        : i < s->n + s->nsrv ? s->srv[i - s->n].url
                                             : s->gone[i - s->n - s->nsrv];
        int w = snprintf(out + used, cap - used, "%s%s", used ? ", " : "", p);
        if (w < 0 || (size_t)w >= cap - used) {
            if (cap > 4)
                memcpy(out + cap - 4, "...", 4);
            return;
        }
        used += (size_t)w;
    }
}

/* ------------------------------------------------------------ search */

/* Identity check of one candidate: 1 match, 0 mismatch (detail set),
 * -1 unreadable (treated as absent). */
typedef int (*verify_fn)(const char *path, const void *ctx, char *detail, size_t cap);

typedef struct search {
    const ds_symstore *s;
    const char *names[2];      /* as given, lowercased (when different) */
    size_t nnames;
    const char *keys[3];       /* uppercase hex, lowercase hex, net_key's spelling */
    size_t nkeys;
    verify_fn verify;
    const void *ctx;
    bool store_layout;         /* name/KEY/name and file.ptr (not Breakpad) */
    const char *leaves[2];     /* Breakpad: file name in the key folder, per name */
    bool mismatch;
    const char *net_key;       /* the key a symbol server files it under */
    const char *only;          /* search just this folder (after a download) */
    bool by_ptr;               /* FOUND through a file.ptr */
    size_t found_at;           /* FOUND: the entry it lies in */
    ds_store_result *out;
} search;

/* Read a small file whole (NUL-terminated); -1 when unreadable. */
static ssize_t read_head(const char *path, char *buf, size_t cap)
{
    int fd = ds_file_open(path, NULL, NULL);
    if (fd < 0)
        return -1;
    size_t got = 0;
    while (got < cap - 1) {
        ssize_t n = read(fd, buf + got, cap - 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    buf[got] = '\0';
    return (ssize_t)got;
}

/* Try one file; true when the search is over (FOUND). */
static bool try_file(search *q, const char *path)
{
    if (!is_file(path))
        return false;
    char detail[sizeof q->out->detail] = "";
    int r = q->verify(path, q->ctx, detail, sizeof detail);
    if (r == 1) {
        q->out->status = DS_STORE_FOUND;
        snprintf(q->out->path, sizeof q->out->path, "%s", path);
        q->out->detail[0] = '\0';
        return true;
    }
    if (r == 0 && !q->mismatch) { /* report the first mismatch, keep looking */
        q->mismatch = true;
        snprintf(q->out->path, sizeof q->out->path, "%s", path);
        snprintf(q->out->detail, sizeof q->out->detail, "%s", detail);
    }
    return false;
}

/* file.ptr: one line naming the real file, optionally "PATH:"-prefixed
 * ("MSG:" lines explain why there is no file). Followed only to an existing
 * regular file; a relative path is taken from the key folder. */
static bool try_ptr(search *q, const char *keydir)
{
    char ptr[4096 + 16], buf[PTR_READ];
    if (snprintf(ptr, sizeof ptr, "%s/file.ptr", keydir) >= (int)sizeof ptr)
        return false;
    ssize_t n = read_head(ptr, buf, sizeof buf);
    if (n <= 0)
        return false;
    char *t = buf;
    size_t len = strcspn(t, "\r\n");
    t[len] = '\0';
    while (len && isspace((unsigned char)t[len - 1]))
        t[--len] = '\0';
    if (strncasecmp(t, "PATH:", 5) == 0)
        t += 5, len -= 5;
    else if (strncasecmp(t, "MSG:", 4) == 0)
        return false;
    if (!len)
        return false;
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)t[i] < 0x20 || t[i] == 0x7F)
            return false;
        if (t[i] == '\\')
            t[i] = '/';
    }
    char target[4096];
    int w = t[0] == '/' ? snprintf(target, sizeof target, "%s", t)
                        : snprintf(target, sizeof target, "%s/%s", keydir, t);
    if (w < 0 || w >= (int)sizeof target)
        return false;
    q->by_ptr = try_file(q, target);
    return q->by_ptr;
}

static bool search_local(search *q)
{
    char path[4096];
    for (size_t e = 0; q->s && e < q->s->n; e++) {
        const store_entry *ent = &q->s->e[e];
        if (q->only && strcmp(ent->dir, q->only) != 0)
            continue;
        snprintf(q->out->source, sizeof q->out->source, "%s", ent->dir);
        q->out->origin = ent->is_cache ? DS_FROM_CACHE : DS_FROM_STORE;
        q->found_at = e;
        for (size_t ni = 0; ni < q->nnames; ni++) {
            const char *name = q->names[ni];
            const char *leaf = q->leaves[ni] ? q->leaves[ni] : name;
            /* two-tier stores: root/xx/name/...; the plain layout is tried
             * as well, for stores converted half-way */
            char tier[3] = {name[0], name[1] ? name[1] : '\0', '\0'};
            for (int t = ent->two_tier && q->store_layout ? 0 : 1; t < 2; t++) {
                for (size_t k = 0; k < q->nkeys; k++) {
                    char keydir[4096];
                    int w = t == 0 ? snprintf(keydir, sizeof keydir, "%s/%s/%s/%s", ent->dir,
                                              tier, name, q->keys[k])
                                   : snprintf(keydir, sizeof keydir, "%s/%s/%s", ent->dir,
                                              name, q->keys[k]);
                    if (w < 0 || w >= (int)sizeof keydir)
                        continue;
                    if (!is_dir(keydir))
                        continue;
                    w = snprintf(path, sizeof path, "%s/%s", keydir, leaf);
                    if (w > 0 && w < (int)sizeof path && try_file(q, path))
                        return true;
                    if (q->store_layout && try_ptr(q, keydir))
                        return true;
                }
            }
            if (q->store_layout) { /* flat folder: the file directly in it */
                int w = snprintf(path, sizeof path, "%s/%s", ent->dir, name);
                if (w > 0 && w < (int)sizeof path && try_file(q, path))
                    return true;
            }
        }
    }
    q->out->source[0] = '\0';
    return false;
}

/* The stores of a "srv*C1*C2*URL" that should hold the file just found
 * get a copy, as WinDbg fills them: the ones before the store it was found
 * in, or, after a download (into C1), all the others. A file reached through
 * file.ptr stays where it lies. A failed copy costs only a later lookup. */
static void fill_chains(const search *q, bool downloaded)
{
    const ds_symstore *s = q->s;
    const char *root = s->e[q->found_at].dir, *path = q->out->path;
    size_t rl = strlen(root);
    if (q->by_ptr || strncmp(path, root, rl) != 0 || path[rl] != '/')
        return;
    for (size_t c = 0; c < s->nchains; c++) {
        const struct chain *ch = &s->chains[c];
        size_t k = 0;
        while (k < ch->n && ch->idx[k] != q->found_at)
            k++;
        for (size_t j = 0; k < ch->n && j < ch->n; j++) {
            char dest[4096 + 16];
            if (j != k && (j < k || downloaded) &&
                snprintf(dest, sizeof dest, "%s%s", s->e[ch->idx[j]].dir, path + rl) <
                    (int)sizeof dest)
                ds_symsrv_copy(path, dest);
        }
    }
}

/* Local folders first; then each server, downloading into its cache and
 * checking what came like any local file. */
static bool run_search(search *q)
{
    ds_store_result *o = q->out;
    o->status = DS_STORE_NOT_FOUND;
    o->path[0] = o->detail[0] = o->source[0] = o->server_detail[0] = o->searched[0] = '\0';
    o->origin = DS_FROM_STORE;
    snprintf(o->key, sizeof o->key, "%s", q->net_key ? q->net_key : q->keys[0]);
    /* what a server wrote is found under the server's spelling of the key */
    bool known = !q->net_key;
    for (size_t k = 0; k < q->nkeys; k++)
        known |= strcmp(q->keys[k], q->net_key ? q->net_key : "") == 0;
    if (!known && q->nkeys < 3)
        q->keys[q->nkeys++] = q->net_key;
    bool found = search_local(q);
    if (found)
        fill_chains(q, false);
    for (size_t i = 0; !found && q->net_key && q->s && i < q->s->nsrv; i++) {
        const server *sv = &q->s->srv[i];
        char idx[MAX_ROOT + 16], detail[sizeof o->server_detail];
        snprintf(idx, sizeof idx, "%s/index2.txt", sv->cache);
        const char *leaf = q->leaves[0] ? q->leaves[0] : q->names[0];
        ds_fetch_status st = ds_symsrv_fetch(sv->url, sv->cache, is_file(idx), q->names[0],
                                             q->net_key, leaf, detail, sizeof detail);
        if (st != DS_FETCH_OK) {
            if (!o->server_detail[0]) /* the first server's answer explains most */
                snprintf(o->server_detail, sizeof o->server_detail, "%s", detail);
            continue;
        }
        q->only = sv->cache;
        found = search_local(q);
        q->only = NULL;
        if (found) {
            /* only the pointer came from the server, not the file */
            o->origin = q->by_ptr ? DS_FROM_REDIRECT : DS_FROM_SERVER;
            fill_chains(q, true);
            snprintf(o->source, sizeof o->source, "%s", sv->url);
        }
    }
    if (!found && q->mismatch)
        o->status = DS_STORE_MISMATCH;
    if (!found)
        list_places(q->s, o->searched, sizeof o->searched);
    return found;
}

static void lower_copy(char *dst, const char *src, size_t cap)
{
    size_t i = 0;
    for (; src[i] && i + 1 < cap; i++)
        dst[i] = (char)tolower((unsigned char)src[i]);
    dst[i] = '\0';
}

/* Names to try: as given, then lowercased when that differs (stores made
 * on Windows keep whatever case the first uploader used). */
static void set_names(search *q, const char *name, char *lower, size_t cap)
{
    lower_copy(lower, name, cap);
    q->names[0] = name;
    q->nnames = 1;
    if (strcmp(lower, name) != 0)
        q->names[q->nnames++] = lower;
}

static ds_store_status bad_name(ds_store_result *out, const char *what)
{
    out->status = DS_STORE_BAD_NAME;
    out->path[0] = out->key[0] = out->source[0] = out->server_detail[0] = out->searched[0] = '\0';
    snprintf(out->detail, sizeof out->detail, "refused %s: not a plain file name", what);
    return DS_STORE_BAD_NAME;
}

/* ----------------------------------------------------------- images */

typedef struct image_id {
    uint32_t timestamp, size;
} image_id;

static int verify_image(const char *path, const void *ctx, char *detail, size_t cap)
{
    const image_id *want = ctx;
    uint8_t *buf = malloc(HEADER_READ);
    if (!buf)
        return -1;
    ssize_t n = read_head(path, (char *)buf, HEADER_READ);
    if (n < 0) {
        free(buf);
        return -1;
    }
    ds_pe pe;
    bool ok = ds_pe_parse(buf, (size_t)n, &pe);
    free(buf);
    if (!ok) {
        snprintf(detail, cap, "not a PE image");
        return 0;
    }
    if (pe.timestamp == want->timestamp && pe.size_of_image == want->size)
        return 1;
    snprintf(detail, cap, "timestamp %08x size %x, expected %08x %x", pe.timestamp,
             pe.size_of_image, want->timestamp, want->size);
    return 0;
}

ds_store_status ds_symstore_find_image(const ds_symstore *s, const char *name,
                                       uint32_t timestamp, uint32_t size_of_image,
                                       ds_store_result *out)
{
    if (!ds_symstore_name_ok(name))
        return bad_name(out, "image name");
    image_id id = {timestamp, size_of_image};
    char lower[256], ku[32], kl[32];
    snprintf(ku, sizeof ku, "%08X%X", timestamp, size_of_image);
    snprintf(kl, sizeof kl, "%08x%x", timestamp, size_of_image);
    char net[32]; /* symbol servers file images as %08X%x */
    snprintf(net, sizeof net, "%08X%x", timestamp, size_of_image);
    search q = {.s = s, .keys = {ku, kl}, .nkeys = 2, .verify = verify_image, .ctx = &id,
                .store_layout = true, .net_key = net, .out = out};
    set_names(&q, name, lower, sizeof lower);
    run_search(&q);
    return out->status;
}

/* ------------------------------------------------------------- PDBs */

/* The GUID as symbol stores spell it: Data1-3 as little-endian integers,
 * Data4 bytes in order, then the age in hex without padding. */
static void guid_key(char *dst, size_t cap, const uint8_t g[16], uint32_t age, bool upper)
{
    const char *f = upper ? "%08X%04X%04X%02X%02X%02X%02X%02X%02X%02X%02X%X"
                          : "%08x%04x%04x%02x%02x%02x%02x%02x%02x%02x%02x%x";
    snprintf(dst, cap, f, ds_le32(g), ds_le16(g + 4), ds_le16(g + 6), g[8], g[9], g[10],
             g[11], g[12], g[13], g[14], g[15], age);
}

static int verify_pdb(const char *path, const void *ctx, char *detail, size_t cap)
{
    ds_error err = {0};
    ds_symprov p = {.ops = &ds_symprov_pdb, .src = ds_pdb_open(path, &err)};
    if (!p.src) {
        snprintf(detail, cap, "not a readable PDB: %s", err.text);
        return 0;
    }
    bool ok = p.ops->identity(&p, ctx, detail, cap);
    ds_pdb_close(p.src);
    return ok;
}

ds_store_status ds_symstore_find_pdb(const ds_symstore *s, const char *pdb_name,
                                     const uint8_t guid[16], uint32_t age,
                                     ds_store_result *out)
{
    if (!ds_symstore_name_ok(pdb_name))
        return bad_name(out, "PDB name");
    ds_codeview id = {.is_pdb70 = true, .age = age};
    memcpy(id.guid, guid, sizeof id.guid);
    char lower[256], ku[48], kl[48];
    guid_key(ku, sizeof ku, guid, age, true);
    guid_key(kl, sizeof kl, guid, age, false);
    search q = {.s = s, .keys = {ku, kl}, .nkeys = 2, .verify = verify_pdb, .ctx = &id,
                .store_layout = true, .net_key = ku, .out = out};
    set_names(&q, pdb_name, lower, sizeof lower);
    run_search(&q);
    return out->status;
}

/* --------------------------------------------------------- Breakpad */

/* The first line of a .sym file: "MODULE os arch ID name". */
static int verify_breakpad(const char *path, const void *ctx, char *detail, size_t cap)
{
    const char *want = ctx;
    char line[1024];
    if (read_head(path, line, sizeof line) < 0)
        return -1;
    line[strcspn(line, "\r\n")] = '\0';
    char os[64], arch[64], id[128];
    if (sscanf(line, "MODULE %63s %63s %127s", os, arch, id) != 3) {
        snprintf(detail, cap, "not a Breakpad symbol file");
        return 0;
    }
    if (strcasecmp(id, want) == 0)
        return 1;
    snprintf(detail, cap, "module id %s, expected %s", id, want);
    return 0;
}

static ds_store_status find_breakpad(const ds_symstore *s, const char *module_name,
                                     const char *debug_id, bool ask_servers,
                                     ds_store_result *out)
{
    if (!ds_symstore_name_ok(module_name))
        return bad_name(out, "module name");
    if (!ds_symstore_name_ok(debug_id))
        return bad_name(out, "debug id");
    /* <name>/<ID>/<name without .pdb/.exe/.dll>.sym */
    char leaf[300], leaf_lower[300], lower[256], idu[256];
    size_t n = strlen(module_name);
    static const char *const strip[] = {".pdb", ".exe", ".dll"};
    for (size_t i = 0; i < 3; i++)
        if (n > 4 && strcasecmp(module_name + n - 4, strip[i]) == 0) {
            n -= 4;
            break;
        }
    snprintf(leaf, sizeof leaf, "%.*s.sym", (int)n, module_name);
    lower_copy(leaf_lower, leaf, sizeof leaf_lower);
    size_t k = 0;
    for (; debug_id[k] && k + 1 < sizeof idu; k++)
        idu[k] = (char)toupper((unsigned char)debug_id[k]);
    idu[k] = '\0';
    search q = {.s = s, .keys = {idu, debug_id}, .nkeys = strcmp(idu, debug_id) ? 2 : 1,
                .verify = verify_breakpad, .ctx = debug_id, .store_layout = false,
                .leaves = {leaf, leaf_lower}, .out = out};
    if (ask_servers)
        q.net_key = idu;
    set_names(&q, module_name, lower, sizeof lower);
    run_search(&q);
    return out->status;
}

ds_store_status ds_symstore_find_breakpad(const ds_symstore *s, const char *module_name,
                                          const char *debug_id, ds_store_result *out)
{
    return find_breakpad(s, module_name, debug_id, true, out);
}

ds_store_status ds_symstore_find_breakpad_local(const ds_symstore *s, const char *module_name,
                                                const char *debug_id, ds_store_result *out)
{
    return find_breakpad(s, module_name, debug_id, false, out);
}
