/*
 * Symbol server downloads (doc/symbol-server.md). Files land in the cache
 * through a temporary file in the same folder and rename(), so a reader in
 * another thread or process sees either no file or the whole file. One lock
 * file per key folder serializes downloads of the same file; a ".missing"
 * marker remembers what the server does not have.
 *
 * Process-wide state (all behind one mutex): libcurl, loaded on first use,
 * and the servers that timed out or refused connections in this run, which
 * are not asked again (one stalled server must not cost a timeout per module).
 */
#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "io/cab.h"
#include "io/file.h"
#include "io/source.h"
#include "symbols/symsrv.h"

#define MAX_DEAD 32
#define PATH_CAP 4096

/* ------------------------------------------------------------ settings */

static uint64_t env_u64(const char *name, uint64_t def)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return def;
    char *end;
    unsigned long long n = strtoull(v, &end, 10);
    return *end ? def : (uint64_t)n;
}

typedef struct settings {
    long timeout;        /* seconds: connecting, and longest stall mid-transfer */
    uint64_t max_size;   /* bytes */
    unsigned retries;    /* after a server error (5xx) */
    uint64_t missing_ttl;/* seconds a ".missing" marker holds */
} settings;

static settings get_settings(void)
{
    settings s;
    s.timeout = (long)env_u64("DUMPSCAN_SYMBOL_TIMEOUT", 20);
    if (s.timeout < 1)
        s.timeout = 1;
    s.max_size = env_u64("DUMPSCAN_SYMBOL_MAX_SIZE", 2ull << 30);
    s.retries = (unsigned)env_u64("DUMPSCAN_SYMBOL_RETRIES", 2);
    if (s.retries > 10)
        s.retries = 10;
    s.missing_ttl = env_u64("DUMPSCAN_SYMBOL_MISSING_TTL", 86400);
    return s;
}

bool ds_symsrv_default_cache(char *buf, size_t cap)
{
    const char *v = getenv("DUMPSCAN_SYMBOL_CACHE");
    if (v && *v)
        return snprintf(buf, cap, "%s", v) < (int)cap;
    v = getenv("XDG_CACHE_HOME");
    if (v && *v)
        return snprintf(buf, cap, "%s/dumpscan/symbols", v) < (int)cap;
    v = getenv("HOME");
    if (v && *v)
        return snprintf(buf, cap, "%s/.cache/dumpscan/symbols", v) < (int)cap;
    return false;
}

int ds_mkdirs(const char *path)
{
    char p[PATH_CAP];
    if (snprintf(p, sizeof p, "%s", path) >= (int)sizeof p)
        return -1;
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST)
            return -1;
        *s = '/';
    }
    return mkdir(p, 0755) == 0 || errno == EEXIST ? 0 : -1;
}

/* ---------------------------------------------------- libcurl, lazily */

static struct {
    CURLcode (*global_init)(long);
    CURL *(*easy_init)(void);
    CURLcode (*setopt)(CURL *, CURLoption, ...);
    CURLcode (*perform)(CURL *);
    CURLcode (*getinfo)(CURL *, CURLINFO, ...);
    void (*cleanup)(CURL *);
    const char *(*strerror)(CURLcode);
    bool ok;
    char why[200];
} curl;

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t state_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char url[512];
    char why[160];
} dead[MAX_DEAD];
static size_t ndead;

static void load_curl(void)
{
    void *h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(curl.why, sizeof curl.why, "libcurl not available (%s)", dlerror());
        return;
    }
    *(void **)&curl.global_init = dlsym(h, "curl_global_init");
    *(void **)&curl.easy_init = dlsym(h, "curl_easy_init");
    *(void **)&curl.setopt = dlsym(h, "curl_easy_setopt");
    *(void **)&curl.perform = dlsym(h, "curl_easy_perform");
    *(void **)&curl.getinfo = dlsym(h, "curl_easy_getinfo");
    *(void **)&curl.cleanup = dlsym(h, "curl_easy_cleanup");
    *(void **)&curl.strerror = dlsym(h, "curl_easy_strerror");
    if (!curl.global_init || !curl.easy_init || !curl.setopt || !curl.perform ||
        !curl.getinfo || !curl.cleanup || !curl.strerror) {
        snprintf(curl.why, sizeof curl.why, "libcurl.so.4 lacks the easy interface");
        return;
    }
    if (curl.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(curl.why, sizeof curl.why, "libcurl failed to initialize");
        return;
    }
    curl.ok = true; /* the handle stays loaded for the life of the process */
}

static bool server_dead(const char *url, char *why, size_t cap)
{
    bool found = false;
    pthread_mutex_lock(&state_mu);
    for (size_t i = 0; i < ndead && !found; i++)
        if (strcmp(dead[i].url, url) == 0) {
            snprintf(why, cap, "%s: %s earlier in this run; not asked again", url,
                     dead[i].why);
            found = true;
        }
    pthread_mutex_unlock(&state_mu);
    return found;
}

static void mark_dead(const char *url, const char *why)
{
    pthread_mutex_lock(&state_mu);
    bool known = false;
    for (size_t i = 0; i < ndead; i++)
        known |= strcmp(dead[i].url, url) == 0;
    if (!known && ndead < MAX_DEAD) {
        snprintf(dead[ndead].url, sizeof dead[ndead].url, "%s", url);
        snprintf(dead[ndead].why, sizeof dead[ndead].why, "%s", why);
        ndead++;
    }
    pthread_mutex_unlock(&state_mu);
}

/* -------------------------------------------------------- one request */

typedef struct sink {
    int fd;            /* -1: discard */
    uint64_t got, limit;
    bool too_big, write_failed;
    const char *label; /* for the progress line */
    bool progress;     /* stderr is a terminal */
    int shown;         /* last percentage printed, -1 none */
} sink;

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
    sink *s = ctx;
    size_t len = size * n;
    if (s->got + len > s->limit) {
        s->too_big = true;
        return 0; /* aborts the transfer */
    }
    for (size_t w = 0; s->fd >= 0 && w < len;) {
        ssize_t r = write(s->fd, p + w, len - w);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            s->write_failed = true;
            return 0;
        }
        w += (size_t)r;
    }
    s->got += len;
    return len;
}

#define PROGRESS_MIN (4u << 20) /* smaller files download without a progress line */

static int on_progress(void *ctx, curl_off_t total, curl_off_t now, curl_off_t ut,
                       curl_off_t un)
{
    (void)ut, (void)un;
    sink *s = ctx;
    if (!s->progress || total < (curl_off_t)PROGRESS_MIN)
        return 0;
    int pct = (int)(now * 100 / total);
    if (pct / 5 != s->shown / 5 || (pct == 100 && s->shown != 100)) {
        s->shown = pct;
        fprintf(stderr, "\rdumpscan: downloading %s: %3d%% of %.1f MiB%s", s->label, pct,
                (double)total / (1 << 20), pct == 100 ? "\n" : "");
    }
    return 0;
}

typedef enum req_result { REQ_OK, REQ_ABSENT, REQ_RETRY, REQ_FAIL, REQ_DEAD } req_result;

/* GET url into fd (or nowhere). */
static req_result http_get(const char *url, int fd, const settings *cfg, const char *label,
                           char *why, size_t cap)
{
    CURL *h = curl.easy_init();
    if (!h) {
        snprintf(why, cap, "libcurl could not start a transfer");
        return REQ_FAIL;
    }
    sink s = {.fd = fd, .limit = cfg->max_size, .label = label,
              .progress = fd >= 0 && isatty(2), .shown = -1};
    char err[CURL_ERROR_SIZE] = "";
    curl.setopt(h, CURLOPT_URL, url);
    curl.setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl.setopt(h, CURLOPT_FAILONERROR, 1L);
    curl.setopt(h, CURLOPT_FOLLOWLOCATION, 1L); /* msdl redirects to a CDN */
    curl.setopt(h, CURLOPT_MAXREDIRS, 5L);
    curl.setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl.setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl.setopt(h, CURLOPT_CONNECTTIMEOUT, cfg->timeout);
    /* a transfer slower than 1 byte/s for the timeout is a stall */
    curl.setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl.setopt(h, CURLOPT_LOW_SPEED_TIME, cfg->timeout);
    curl.setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)cfg->max_size);
    curl.setopt(h, CURLOPT_USERAGENT, "dumpscan/" DS_VERSION_STRING);
    curl.setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl.setopt(h, CURLOPT_WRITEDATA, &s);
    curl.setopt(h, CURLOPT_ERRORBUFFER, err);
    curl.setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl.setopt(h, CURLOPT_XFERINFODATA, &s);
    curl.setopt(h, CURLOPT_NOPROGRESS, s.progress ? 0L : 1L);
    /* Certificates are checked (libcurl's default, never turned off here);
     * proxies come from http_proxy / https_proxy / no_proxy as usual. */
    CURLcode rc = curl.perform(h);
    long code = 0;
    curl.getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    curl.cleanup(h);
    if (s.progress && s.shown >= 0 && s.shown < 100)
        fputc('\n', stderr);
    if (rc == CURLE_OK && code == 200)
        return REQ_OK;
    if (rc == CURLE_OK || rc == CURLE_HTTP_RETURNED_ERROR) {
        if (code == 404 || code == 410)
            return REQ_ABSENT;
        snprintf(why, cap, "HTTP %ld", code);
        return code >= 500 || code == 429 ? REQ_RETRY : REQ_FAIL;
    }
    if (s.too_big || rc == CURLE_FILESIZE_EXCEEDED) {
        snprintf(why, cap, "larger than DUMPSCAN_SYMBOL_MAX_SIZE (%llu bytes)",
                 (unsigned long long)cfg->max_size);
        return REQ_FAIL;
    }
    if (s.write_failed) {
        snprintf(why, cap, "cannot write the cache: %s", strerror(errno));
        return REQ_FAIL;
    }
    snprintf(why, cap, "%s", err[0] ? err : curl.strerror(rc));
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
        return REQ_DEAD;
    default:
        return REQ_RETRY;
    }
}

/* GET with retries and backoff for server errors. */
static req_result get_retrying(const char *base, const char *url, int fd, const settings *cfg,
                               const char *label, char *why, size_t cap)
{
    req_result r = REQ_FAIL;
    for (unsigned attempt = 0; attempt <= cfg->retries; attempt++) {
        if (attempt) {
            struct timespec ts = {0, (long)(250000000L << (attempt - 1 < 2 ? attempt - 1 : 2))};
            nanosleep(&ts, NULL);
            if (fd >= 0 && (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0))
                return REQ_FAIL;
        }
        r = http_get(url, fd, cfg, label, why, cap);
        if (r != REQ_RETRY)
            break;
    }
    if (r == REQ_DEAD)
        mark_dead(base, why);
    return r == REQ_RETRY ? REQ_FAIL : r;
}

/* ------------------------------------------------------ cache writes */

static mode_t file_mode = 0644;
static pthread_once_t mode_once = PTHREAD_ONCE_INIT;

/* 0644 less the process umask, as open(O_CREAT, 0644) would give. The umask
 * is read from /proc (reading it with umask() means setting it, which would
 * race with other threads creating files); umask() is the fallback. */
static void read_umask(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    unsigned m = 0;
    bool got = false;
    while (f && !got && fgets(line, sizeof line, f))
        got = sscanf(line, "Umask: %o", &m) == 1;
    if (f)
        fclose(f);
    if (!got) {
        mode_t old = umask(022);
        umask(old);
        m = old;
    }
    file_mode = 0644 & ~(mode_t)m;
}

/* A temporary file in dir to be renamed over a cache file: mkstemp makes it
 * 0600, which would hide a shared cache's files from its other users. */
static int temp_in(const char *dir, char *path, size_t cap)
{
    if (snprintf(path, cap, "%s/.download-XXXXXX", dir) >= (int)cap)
        return -1;
    int fd = mkstemp(path);
    pthread_once(&mode_once, read_umask);
    if (fd >= 0 && fchmod(fd, file_mode) != 0) {
        close(fd);
        unlink(path);
        return -1;
    }
    return fd;
}

static bool exists(const char *path)
{
    struct stat st;
    return ds_path_stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* A fetched cabinet: its one member (or the member named like the file)
 * becomes dest. */
static bool uncab(const char *cabpath, const char *keydir, const char *name, const char *dest,
                  uint64_t limit, char *why, size_t cap)
{
    ds_source raw;
    ds_error err = {0};
    if (ds_source_open_file(&raw, cabpath, DS_SOURCE_WINDOWS, &err) != 0) {
        snprintf(why, cap, "%s", err.text);
        return false;
    }
    ds_cab *c = ds_cab_open(raw.bytes, &err);
    long i = !c ? -1 : ds_cab_count(c) == 1 ? 0 : ds_cab_find(c, name);
    bool ok = false;
    char tmp[PATH_CAP];
    int fd = i >= 0 ? temp_in(keydir, tmp, sizeof tmp) : -1;
    if (c && i < 0)
        ds_set_error(&err, DS_E_NOT_FOUND, "the cabinet holds no %s", name);
    if (fd >= 0) {
        ok = ds_cab_extract_fd(c, (size_t)i, fd, limit, &err) == 0;
        close(fd);
        ok = ok && rename(tmp, dest) == 0;
        if (!ok)
            unlink(tmp);
    }
    if (!ok)
        snprintf(why, cap, "compressed file: %.200s", err.text[0] ? err.text : strerror(errno));
    ds_cab_close(c);
    ds_source_close(&raw);
    return ok;
}

int ds_symsrv_copy(const char *src, const char *dest)
{
    if (exists(dest))
        return 0;
    char dir[PATH_CAP], tmp[PATH_CAP];
    if (snprintf(dir, sizeof dir, "%s", dest) >= (int)sizeof dir || !strrchr(dir, '/'))
        return -1;
    *strrchr(dir, '/') = '\0';
    int in = ds_file_open(src, NULL, NULL); /* never blocks on a FIFO in a store */
    int out = in >= 0 && ds_mkdirs(dir) == 0 ? temp_in(dir, tmp, sizeof tmp) : -1;
    bool ok = out >= 0;
    char buf[1 << 16];
    ssize_t n;
    while (ok && (n = read(in, buf, sizeof buf)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        ok = n > 0 && write(out, buf, (size_t)n) == n;
    }
    if (in >= 0)
        close(in);
    if (out >= 0) {
        ok = close(out) == 0 && ok && rename(tmp, dest) == 0;
        if (!ok)
            unlink(tmp);
    }
    return ok ? 0 : -1;
}

/* Is the server a two-tier store (index2.txt at its root)? Asked once per
 * server and run. */
static bool server_two_tier(const char *url, const settings *cfg)
{
    static struct {
        char url[512];
        bool yes;
    } known[MAX_DEAD];
    static size_t nknown;
    pthread_mutex_lock(&state_mu);
    for (size_t i = 0; i < nknown; i++)
        if (strcmp(known[i].url, url) == 0) {
            bool yes = known[i].yes;
            pthread_mutex_unlock(&state_mu);
            return yes;
        }
    pthread_mutex_unlock(&state_mu);
    char u[PATH_CAP], why[160];
    snprintf(u, sizeof u, "%s/index2.txt", url);
    bool yes = get_retrying(url, u, -1, cfg, "index2.txt", why, sizeof why) == REQ_OK;
    pthread_mutex_lock(&state_mu);
    if (nknown < MAX_DEAD) {
        snprintf(known[nknown].url, sizeof known[nknown].url, "%s", url);
        known[nknown++].yes = yes;
    }
    pthread_mutex_unlock(&state_mu);
    return yes;
}

/* Fetch one candidate (remote leaf) into dest; REQ_OK, REQ_ABSENT or failure. */
static req_result fetch_one(const char *url, const char *remote, const char *keydir,
                            const char *dest, const char *label, bool compressed,
                            const char *name, const settings *cfg, char *why, size_t cap)
{
    char tmp[PATH_CAP];
    int fd = temp_in(keydir, tmp, sizeof tmp);
    if (fd < 0) {
        snprintf(why, cap, "cannot write the cache %.150s: %s", keydir, strerror(errno));
        return REQ_FAIL;
    }
    req_result r = get_retrying(url, remote, fd, cfg, label, why, cap);
    close(fd);
    if (r == REQ_OK) {
        if (compressed)
            r = uncab(tmp, keydir, name, dest, cfg->max_size, why, cap) ? REQ_OK : REQ_FAIL;
        else if (rename(tmp, dest) != 0) {
            snprintf(why, cap, "cannot write the cache: %s", strerror(errno));
            r = REQ_FAIL;
        }
    }
    unlink(tmp); /* after a rename it names nothing */
    return r;
}

/* The key folder's lock, held by one thread or process at a time, which
 * removes it when done so that no .lock file stays in the cache. A waiter
 * that opened the file before it was removed holds a lock on a name that
 * is gone (its inode differs from the path's): it starts again. */
static int lock_key(const char *lock)
{
    for (;;) {
        int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0)
            return -1;
        struct stat held, now;
        if (flock(fd, LOCK_EX) != 0) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        if (fstat(fd, &held) == 0 && stat(lock, &now) == 0 && held.st_dev == now.st_dev &&
            held.st_ino == now.st_ino)
            return fd;
        close(fd);
    }
}

static void unlock_key(const char *lock, int fd)
{
    unlink(lock); /* while still held: see lock_key */
    flock(fd, LOCK_UN);
    close(fd);
}

static bool missing_fresh(const char *marker, uint64_t ttl)
{
    struct stat st;
    return stat(marker, &st) == 0 && (uint64_t)(time(NULL) - st.st_mtime) < ttl;
}

ds_fetch_status ds_symsrv_fetch(const char *url, const char *cache, bool cache_two_tier,
                                const char *name, const char *key, const char *leaf,
                                char *detail, size_t cap)
{
    detail[0] = '\0';
    settings cfg = get_settings();
    char keydir[PATH_CAP], dest[2 * PATH_CAP], ptr[2 * PATH_CAP], marker[2 * PATH_CAP];
    char lock[2 * PATH_CAP];
    char tier[3] = {name[0], name[1] ? name[1] : '\0', '\0'};
    int w = cache_two_tier ? snprintf(keydir, sizeof keydir, "%s/%s/%s/%s", cache, tier, name, key)
                           : snprintf(keydir, sizeof keydir, "%s/%s/%s", cache, name, key);
    if (w < 0 || w >= (int)sizeof keydir - 300) {
        snprintf(detail, cap, "cache path too long");
        return DS_FETCH_FAILED;
    }
    snprintf(dest, sizeof dest, "%s/%s", keydir, leaf);
    snprintf(ptr, sizeof ptr, "%s/file.ptr", keydir);
    snprintf(marker, sizeof marker, "%s/.%s.missing", keydir, leaf);
    snprintf(lock, sizeof lock, "%s/.lock", keydir);
    if (exists(dest) || exists(ptr))
        return DS_FETCH_OK;
    if (missing_fresh(marker, cfg.missing_ttl)) {
        snprintf(detail, cap, "%s: not on the server (remembered in the cache)", url);
        return DS_FETCH_MISSING;
    }
    if (server_dead(url, detail, cap))
        return DS_FETCH_FAILED;
    pthread_once(&curl_once, load_curl);
    if (!curl.ok) {
        snprintf(detail, cap, "%s", curl.why);
        return DS_FETCH_FAILED;
    }
    if (ds_mkdirs(keydir) != 0) {
        snprintf(detail, cap, "cannot create %s: %s", keydir, strerror(errno));
        return DS_FETCH_FAILED;
    }
    int lfd = lock_key(lock);
    if (lfd < 0) {
        snprintf(detail, cap, "cannot lock %s: %s", lock, strerror(errno));
        return DS_FETCH_FAILED;
    }
    ds_fetch_status st = DS_FETCH_FAILED;
    /* whoever held the lock before may have done the work */
    if (exists(dest) || exists(ptr)) {
        st = DS_FETCH_OK;
        goto out;
    }
    if (missing_fresh(marker, cfg.missing_ttl)) {
        snprintf(detail, cap, "%s: not on the server (remembered in the cache)", url);
        st = DS_FETCH_MISSING;
        goto out;
    }
    if (server_dead(url, detail, cap))
        goto out;
    char packed[300];
    snprintf(packed, sizeof packed, "%s", leaf);
    packed[strlen(packed) - 1] = '_';
    const struct {
        const char *leaf, *dest;
        bool compressed;
    } tries[] = {{leaf, dest, false}, {packed, dest, true}, {"file.ptr", ptr, false}};
    char why[256] = "";
    for (int layer = 0; layer < 2; layer++) {
        if (layer == 1 && !server_two_tier(url, &cfg))
            break;
        for (size_t t = 0; t < sizeof tries / sizeof *tries; t++) {
            char remote[PATH_CAP];
            w = layer == 0 ? snprintf(remote, sizeof remote, "%s/%s/%s/%s", url, name, key,
                                      tries[t].leaf)
                           : snprintf(remote, sizeof remote, "%s/%s/%s/%s/%s", url, tier, name,
                                      key, tries[t].leaf);
            if (w < 0 || w >= (int)sizeof remote)
                continue;
            req_result r = fetch_one(url, remote, keydir, tries[t].dest, leaf,
                                     tries[t].compressed, leaf, &cfg, why, sizeof why);
            if (r == REQ_OK) {
                st = DS_FETCH_OK;
                goto out;
            }
            if (r != REQ_ABSENT) {
                snprintf(detail, cap, "%s: %s", remote, why);
                goto out;
            }
        }
    }
    /* remember the absence; a failed write only costs a request next time */
    int mfd = open(marker, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (mfd >= 0)
        close(mfd);
    snprintf(detail, cap, "%s: not on the server", url);
    st = DS_FETCH_MISSING;
out:
    unlock_key(lock, lfd);
    return st;
}
