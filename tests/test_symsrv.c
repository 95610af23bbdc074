/*
 * Symbol servers, against a local HTTP server (tests/data/symsrv_server.py on
 * 127.0.0.1, an ephemeral port, started and stopped here) that logs every
 * request. Synthetic store: a plain image, one compressed as a cabinet
 * (gcab -z, and LZX from testdata/gen/lzxcab.c), a file.ptr, a mismatching
 * image, a Breakpad .sym, missing files.
 * Checked: what is found and where it lands in the cache (Microsoft's
 * layout, same bytes), that a second lookup asks nothing (cache and negative
 * cache), --offline and a path without servers ask nothing, threads and
 * processes wanting the same file download it once, a stalled server times
 * out and is not asked again, and names from a dump never leave the cache.
 * With the corpus: the real triage dump's symbols come from the server
 * (amdppm.pdb compressed, Wdf01000.sys through file.ptr), the report says so,
 * and four batch workers download each file once.
 */
#include <poll.h>
#include <pthread.h>
#include <pty.h>
#include <stdarg.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "dumpscan/dumpscan.h"
#include "lzxcab.h"
#include "pe_builder.h"
#include "symbols/store.h"

#ifndef DUMPSCAN_BIN
#error "DUMPSCAN_BIN must name the dumpscan binary (tests/CMakeLists.txt)"
#endif

static char dir[64];

static const char *at(const char *rel)
{
    static char buf[16][1024];
    static int k;
    k = (k + 1) % 16;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, rel);
    return buf[k];
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = snprintf(cmd, sizeof cmd, "cd %s && ", dir);
    vsnprintf(cmd + n, sizeof cmd - (size_t)n, fmt, ap);
    va_end(ap);
    return system(cmd);
}

static void write_bytes(const char *rel, const void *p, size_t n)
{
    char d[1024];
    snprintf(d, sizeof d, "%s", at(rel));
    *strrchr(d, '/') = '\0';
    sh("mkdir -p '%s'", d);
    FILE *f = fopen(at(rel), "wb");
    CHECK(f && fwrite(p, 1, n, f) == n);
    if (f)
        fclose(f);
}

/* A PE header with this identity. */
static void write_pe(const char *rel, uint32_t stamp, uint32_t size)
{
    pb_image im = {.machine = 0x8664, .base = 0x140000000, .size_of_image = size};
    uint8_t b[1024];
    size_t n = pb_write_file(&im, b, sizeof b);
    pb_put32(b + 0x88, stamp);
    write_bytes(rel, b, n);
}

/* ------------------------------------------------------------ server */

typedef struct server {
    pid_t pid;
    char url[64];
    char log[256];
} server;

static bool start_server(server *s, const char *root, const char *tag, const char *mode)
{
    char port[256], pidf[256];
    snprintf(port, sizeof port, "%s/%s.port", dir, tag);
    snprintf(pidf, sizeof pidf, "%s/%s.pid", dir, tag);
    snprintf(s->log, sizeof s->log, "%s/%s.log", dir, tag);
    fclose(fopen(s->log, "w"));
    if (sh("python3 %s/tests/data/symsrv_server.py '%s' '%s' '%s' %s --lifetime 300 "
           ">/dev/null 2>&1 & echo $! > '%s'",
           DS_SOURCE_DIR, root, port, s->log, mode, pidf) != 0)
        return false;
    for (int i = 0; i < 200; i++) { /* up to 10 s for python to start */
        FILE *f = fopen(port, "r");
        int p = 0;
        if (f) {
            bool ok = fscanf(f, "%d", &p) == 1;
            fclose(f);
            if (ok && p > 0) {
                snprintf(s->url, sizeof s->url, "http://127.0.0.1:%d", p);
                f = fopen(pidf, "r");
                ok = f && fscanf(f, "%d", &s->pid) == 1;
                if (f)
                    fclose(f);
                return ok;
            }
        }
        struct timespec ts = {0, 50000000};
        nanosleep(&ts, NULL);
    }
    return false;
}

static void stop_server(server *s)
{
    if (s->pid > 0)
        kill(s->pid, SIGKILL);
    s->pid = 0;
}

/* Requests in the server's log whose line contains what. */
static int requests(const server *s, const char *what)
{
    FILE *f = fopen(s->log, "r");
    char line[2048];
    int n = 0;
    while (f && fgets(line, sizeof line, f))
        n += strstr(line, what) != NULL;
    if (f)
        fclose(f);
    return n;
}

static bool same_file(const char *a, const char *b)
{
    size_t na, nb;
    uint8_t *pa = check_slurp(a, &na), *pb = check_slurp(b, &nb);
    bool same = pa && pb && na == nb && memcmp(pa, pb, na) == 0;
    free(pa);
    free(pb);
    return same;
}

/* --------------------------------------------------------- synthetic */

static ds_store_status image(const char *name, uint32_t stamp, uint32_t size,
                             ds_store_result *r, bool offline);

/* stderr of a child looking name up, its stderr a terminal or a pipe. */
static char *child_stderr(bool tty, const char *name, uint32_t stamp, uint32_t size)
{
    int fd = -1, p[2] = {-1, -1};
    pid_t pid;
    if (tty) {
        pid = forkpty(&fd, NULL, NULL, NULL);
    } else {
        if (pipe(p) != 0)
            return NULL;
        pid = fork();
        fd = p[0];
    }
    if (pid == 0) {
        if (!tty)
            dup2(p[1], 2);
        ds_store_result r;
        _exit(image(name, stamp, size, &r, false) == DS_STORE_FOUND ? 0 : 1);
    }
    if (p[1] >= 0)
        close(p[1]);
    static char out[8192];
    size_t n = 0;
    for (;;) { /* until the child closes its end (EIO on a pty) */
        struct pollfd pf = {fd, POLLIN, 0};
        if (poll(&pf, 1, 30000) <= 0)
            break;
        ssize_t k = read(fd, out + n, sizeof out - 1 - n);
        if (k <= 0)
            break;
        n += (size_t)k;
    }
    out[n] = '\0';
    close(fd);
    int status = -1;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    return out;
}

static char spec[1024];

static ds_store_status image(const char *name, uint32_t stamp, uint32_t size,
                             ds_store_result *r, bool offline)
{
    ds_symstore *s = ds_symstore_open(spec, offline);
    ds_store_status st = ds_symstore_find_image(s, name, stamp, size, r);
    ds_symstore_close(s);
    return st;
}

static void *thread_lookup(void *arg)
{
    ds_store_result r;
    *(ds_store_status *)arg = image("conc.sys", 0x44444444, 0xd000, &r, false);
    return NULL;
}

static void synthetic(void)
{
    write_pe("srv/plain.sys/5F8A1C2D3000/plain.sys", 0x5F8A1C2D, 0x3000);
    write_pe("srv/mixed.sys/ABCDEF011a000/mixed.sys", 0xABCDEF01, 0x1a000);
    write_pe("src/packed.sys", 0x11111111, 0xa000);
    CHECK(sh("mkdir -p srv/packed.sys/11111111a000 && cd src && "
             "gcab -c -z ../srv/packed.sys/11111111a000/packed.sy_ packed.sys") == 0);
    /* the same, LZX-compressed (the test encoder, testdata/gen/lzxcab.c) */
    write_pe("src/lzxpk.sys", 0x66666666, 0x9000);
    size_t pn, cn;
    uint8_t *pe = check_slurp(at("src/lzxpk.sys"), &pn);
    lzxcab_member pm = {"lzxpk.sys", pe, pn};
    lzxcab_opts po = {.window_bits = 16, .kinds = "av", .e8_size = 0x9000};
    uint8_t *pcab = pe ? lzxcab_write(&pm, 1, &po, &cn) : NULL;
    CHECK(pcab && sh("mkdir -p srv/lzxpk.sys/666666669000") == 0);
    if (pcab)
        write_bytes("srv/lzxpk.sys/666666669000/lzxpk.sy_", pcab, cn);
    free(pcab);
    free(pe);
    write_pe("elsewhere/real.sys", 0x22222222, 0xb000);
    char ptr[512];
    snprintf(ptr, sizeof ptr, "PATH:%s\n", at("elsewhere/real.sys"));
    write_bytes("srv/ptr.sys/22222222b000/file.ptr", ptr, strlen(ptr));
    write_pe("srv/bad.sys/33333333c000/bad.sys", 0x33333334, 0xc000);
    write_pe("srv/conc.sys/44444444d000/conc.sys", 0x44444444, 0xd000);
    write_pe("srv/fork.sys/55555555e000/fork.sys", 0x55555555, 0xe000);
    write_pe("srv/big.sys/777777771000/big.sys", 0x77777777, 0x1000);
    const char *sym = "MODULE windows x86_64 0123456789ABCDEF0123456789ABCDEF1 bp.pdb\n"
                      "FUNC 1000 10 0 BpFunction\n";
    write_bytes("srv/bp.pdb/0123456789ABCDEF0123456789ABCDEF1/bp.sym", sym, strlen(sym));
    server sv;
    CHECK(start_server(&sv, at("srv"), "main", ""));
    if (!sv.pid)
        return;
    snprintf(spec, sizeof spec, "srv*%s*%s", at("cache"), sv.url);
    ds_store_result r;

    /* plain: downloaded into CACHE/name/KEY/name, same bytes, readable as
     * the umask allows (0644 & ~027 here), not mkstemp's 0600 */
    mode_t um = umask(027);
    CHECK(image("plain.sys", 0x5F8A1C2D, 0x3000, &r, false) == DS_STORE_FOUND);
    umask(um);
    CHECK_STR(r.path, at("cache/plain.sys/5F8A1C2D3000/plain.sys"));
    struct stat fst;
    CHECK(stat(r.path, &fst) == 0 && (fst.st_mode & 0777) == 0640);
    CHECK(r.origin == DS_FROM_SERVER && strcmp(r.source, sv.url) == 0);
    CHECK(same_file(r.path, at("srv/plain.sys/5F8A1C2D3000/plain.sys")));
    /* symstore's key spelling, %08X%x */
    CHECK(image("mixed.sys", 0xABCDEF01, 0x1a000, &r, false) == DS_STORE_FOUND);
    CHECK_STR(r.path, at("cache/mixed.sys/ABCDEF011a000/mixed.sys"));
    CHECK(requests(&sv, "/mixed.sys/") == 1);
    /* compressed: name.sy_ decoded into name.sys */
    CHECK(image("packed.sys", 0x11111111, 0xa000, &r, false) == DS_STORE_FOUND);
    CHECK_STR(r.path, at("cache/packed.sys/11111111a000/packed.sys"));
    CHECK(same_file(r.path, at("src/packed.sys")));
    /* (the umask is read once per process: the first download's) */
    CHECK(stat(r.path, &fst) == 0 && (fst.st_mode & 0777) == 0640);
    CHECK(requests(&sv, "/packed.sys/11111111a000/packed.sys 404") == 1);
    CHECK(requests(&sv, "/packed.sys/11111111a000/packed.sy_ 200") == 1);
    CHECK(image("lzxpk.sys", 0x66666666, 0x9000, &r, false) == DS_STORE_FOUND);
    CHECK(same_file(r.path, at("src/lzxpk.sys")));
    CHECK(requests(&sv, "/lzxpk.sys/666666669000/lzxpk.sy_ 200") == 1);
    /* file.ptr: kept in the cache, followed to the real file */
    CHECK(image("ptr.sys", 0x22222222, 0xb000, &r, false) == DS_STORE_FOUND);
    CHECK_STR(r.path, at("elsewhere/real.sys"));
    CHECK(r.origin == DS_FROM_REDIRECT && strcmp(r.source, sv.url) == 0); /* not downloaded */
    CHECK(access(at("cache/ptr.sys/22222222b000/file.ptr"), F_OK) == 0);
    /* the server's file has another identity */
    CHECK(image("bad.sys", 0x33333333, 0xc000, &r, false) == DS_STORE_MISMATCH);
    CHECK(strstr(r.detail, "timestamp 33333334") != NULL);
    /* missing: all three names asked, then remembered */
    CHECK(image("none.sys", 0x66666666, 0xf000, &r, false) == DS_STORE_NOT_FOUND);
    CHECK(strstr(r.server_detail, "not on the server") != NULL);
    CHECK(requests(&sv, "/none.sys/") == 3);
    CHECK(access(at("cache/none.sys/66666666f000/.none.sys.missing"), F_OK) == 0);
    /* Breakpad: name.pdb/ID/name.sym */
    ds_symstore *s = ds_symstore_open(spec, false);
    CHECK(ds_symstore_find_breakpad(s, "bp.pdb", "0123456789ABCDEF0123456789ABCDEF1", &r) ==
          DS_STORE_FOUND);
    CHECK_STR(r.path, at("cache/bp.pdb/0123456789ABCDEF0123456789ABCDEF1/bp.sym"));
    /* a name from a dump that would leave the cache is never asked for */
    int before = requests(&sv, "GET");
    CHECK(ds_symstore_find_image(s, "..", 1, 2, &r) == DS_STORE_BAD_NAME);
    CHECK(ds_symstore_find_image(s, "../../x.sys", 1, 2, &r) == DS_STORE_BAD_NAME);
    CHECK(ds_symstore_find_image(s, "..\\..\\x.sys", 1, 2, &r) == DS_STORE_BAD_NAME);
    CHECK(ds_symstore_find_pdb(s, "a/../../b.pdb", (const uint8_t *)"0123456789abcdef", 1,
                               &r) == DS_STORE_BAD_NAME);
    CHECK(requests(&sv, "GET") == before);
    CHECK(sh("test -z \"$(find %s -name x.sys)\"", dir) == 0);
    ds_symstore_close(s);

    /* second run: everything from the cache, nothing asked */
    before = requests(&sv, "GET");
    CHECK(image("plain.sys", 0x5F8A1C2D, 0x3000, &r, false) == DS_STORE_FOUND);
    CHECK(r.origin == DS_FROM_CACHE && strcmp(r.source, at("cache")) == 0);
    CHECK(image("packed.sys", 0x11111111, 0xa000, &r, false) == DS_STORE_FOUND);
    CHECK(image("ptr.sys", 0x22222222, 0xb000, &r, false) == DS_STORE_FOUND);
    CHECK(image("none.sys", 0x66666666, 0xf000, &r, false) == DS_STORE_NOT_FOUND);
    CHECK(strstr(r.server_detail, "remembered") != NULL);
    CHECK(requests(&sv, "GET") == before);
    /* --offline and a path without a server: no request at all */
    CHECK(image("fork.sys", 0x55555555, 0xe000, &r, true) == DS_STORE_NOT_FOUND);
    snprintf(spec, sizeof spec, "%s;cache*%s", at("cache"), at("cache2"));
    CHECK(image("fork.sys", 0x55555555, 0xe000, &r, false) == DS_STORE_NOT_FOUND);
    CHECK(requests(&sv, "GET") == before);
    snprintf(spec, sizeof spec, "srv*%s*%s", at("cache"), sv.url);

    /* four threads, then three processes, want the same file: one download */
    pthread_t t[4];
    ds_store_status st[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, thread_lookup, &st[i]);
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        CHECK(st[i] == DS_STORE_FOUND);
    }
    CHECK(requests(&sv, "/conc.sys/") == 1);
    pid_t kids[3];
    for (int i = 0; i < 3; i++) {
        kids[i] = fork();
        if (kids[i] == 0)
            _exit(image("fork.sys", 0x55555555, 0xe000, &r, false) == DS_STORE_FOUND ? 0 : 1);
    }
    for (int i = 0; i < 3; i++) {
        int status = -1;
        waitpid(kids[i], &status, 0);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    CHECK(requests(&sv, "/fork.sys/") == 1);
    CHECK(sh("test -z \"$(find cache -name '.download-*')\"") == 0); /* no temporaries left */
    CHECK(sh("test -z \"$(find cache -name '.lock')\"") == 0);       /* nor locks */

    /* a large file: a progress line on a terminal, nothing on a pipe */
    uint8_t *huge = calloc(1, 5u << 20);
    pb_image him = {.machine = 0x8664, .base = 0x140000000, .size_of_image = 0x600000};
    pb_write_file(&him, huge, 1024);
    pb_put32(huge + 0x88, 0x99999999);
    write_bytes("srv/huge.sys/99999999600000/huge.sys", huge, 5u << 20);
    write_bytes("srv/quiet.sys/99999999600000/quiet.sys", huge, 5u << 20);
    free(huge);
    char *err = child_stderr(true, "huge.sys", 0x99999999, 0x600000);
    CHECK(err && strstr(err, "downloading huge.sys") && strstr(err, "100%"));
    err = child_stderr(false, "quiet.sys", 0x99999999, 0x600000);
    CHECK(err && err[0] == '\0');
    CHECK(same_file(at("cache/quiet.sys/99999999600000/quiet.sys"),
                    at("srv/quiet.sys/99999999600000/quiet.sys")));

    /* the rest of WinDbg's grammar: cache*DIR for a later srv*URL, srv*URL
     * into the default cache, symsrv*DLL*CACHE*URL; a Windows-only cache
     * path is never created here (the default cache is used) */
    snprintf(spec, sizeof spec, "cache*%s;srv*%s", at("cacheA"), sv.url);
    CHECK(image("plain.sys", 0x5F8A1C2D, 0x3000, &r, false) == DS_STORE_FOUND);
    CHECK_STR(r.path, at("cacheA/plain.sys/5F8A1C2D3000/plain.sys"));
    setenv("DUMPSCAN_SYMBOL_CACHE", at("cacheB"), 1);
    snprintf(spec, sizeof spec, "srv*%s", sv.url);
    CHECK(image("plain.sys", 0x5F8A1C2D, 0x3000, &r, false) == DS_STORE_FOUND);
    CHECK_STR(r.path, at("cacheB/plain.sys/5F8A1C2D3000/plain.sys"));
    snprintf(spec, sizeof spec, "symsrv*symsrv.dll*%s*%s", at("cacheC"), sv.url);
    CHECK(image("plain.sys", 0x5F8A1C2D, 0x3000, &r, false) == DS_STORE_FOUND);
    CHECK_STR(r.path, at("cacheC/plain.sys/5F8A1C2D3000/plain.sys"));
    snprintf(spec, sizeof spec, "srv*C:\\symbols*%s", sv.url);
    CHECK(image("mixed.sys", 0xABCDEF01, 0x1a000, &r, false) == DS_STORE_FOUND);
    CHECK_STR(r.path, at("cacheB/mixed.sys/ABCDEF011a000/mixed.sys"));
    CHECK(access("C:\\symbols", F_OK) != 0 && access("C:", F_OK) != 0);
    unsetenv("DUMPSCAN_SYMBOL_CACHE");
    snprintf(spec, sizeof spec, "srv*%s*%s", at("cache"), sv.url);

    /* srv*C1*C2*URL fills every downstream store as WinDbg does: a download
     * lands in C1 and is copied into C2; a file found in C2 is copied into
     * C1 (even --offline: nothing is asked of the server) */
    snprintf(spec, sizeof spec, "srv*%s*%s*%s", at("down1"), at("down2"), sv.url);
    CHECK(image("mixed.sys", 0xABCDEF01, 0x1a000, &r, false) == DS_STORE_FOUND);
    CHECK_STR(r.path, at("down1/mixed.sys/ABCDEF011a000/mixed.sys"));
    CHECK(same_file(at("down2/mixed.sys/ABCDEF011a000/mixed.sys"),
                    at("srv/mixed.sys/ABCDEF011a000/mixed.sys")));
    write_pe("down4/only2.sys/12121212a000/only2.sys", 0x12121212, 0xa000);
    CHECK(sh("mkdir -p down3") == 0);
    snprintf(spec, sizeof spec, "srv*%s*%s*%s", at("down3"), at("down4"), sv.url);
    before = requests(&sv, "GET");
    CHECK(image("only2.sys", 0x12121212, 0xa000, &r, true) == DS_STORE_FOUND);
    CHECK_STR(r.path, at("down4/only2.sys/12121212a000/only2.sys"));
    CHECK(same_file(at("down3/only2.sys/12121212a000/only2.sys"), r.path));
    CHECK(requests(&sv, "GET") == before);
    CHECK(image("only2.sys", 0x12121212, 0xa000, &r, true) == DS_STORE_FOUND);
    CHECK_STR(r.path, at("down3/only2.sys/12121212a000/only2.sys")); /* now from C1 */
    CHECK(sh("test -z \"$(find down1 down2 down3 -name '.download-*')\"") == 0);
    snprintf(spec, sizeof spec, "srv*%s*%s", at("cache"), sv.url);

    /* a file over the size limit is refused, nothing kept */
    setenv("DUMPSCAN_SYMBOL_MAX_SIZE", "100", 1);
    CHECK(image("big.sys", 0x77777777, 0x1000, &r, false) == DS_STORE_NOT_FOUND);
    CHECK(strstr(r.server_detail, "DUMPSCAN_SYMBOL_MAX_SIZE") != NULL);
    CHECK(access(at("cache/big.sys/777777771000/big.sys"), F_OK) != 0);
    unsetenv("DUMPSCAN_SYMBOL_MAX_SIZE");
    stop_server(&sv);

    /* a two-tier server (index2.txt), a flaky one (503 first: retried) */
    write_bytes("srv2/index2.txt", "", 0);
    write_pe("srv2/ti/tier.sys/88888888a000/tier.sys", 0x88888888, 0xa000);
    server two;
    CHECK(start_server(&two, at("srv2"), "two", "--flaky"));
    snprintf(spec, sizeof spec, "srv*%s*%s", at("cache"), two.url);
    CHECK(image("tier.sys", 0x88888888, 0xa000, &r, false) == DS_STORE_FOUND);
    CHECK_STR(r.path, at("cache/tier.sys/88888888a000/tier.sys"));
    CHECK(requests(&two, "/ti/tier.sys/88888888a000/tier.sys 503") == 1);
    CHECK(requests(&two, "/ti/tier.sys/88888888a000/tier.sys 200") == 1);
    CHECK(requests(&two, "/index2.txt 200") == 1);
    stop_server(&two);

    /* a server that stalls: the timeout, then not asked again this run */
    server slow;
    CHECK(start_server(&slow, at("srv"), "slow", "--stall"));
    snprintf(spec, sizeof spec, "srv*%s*%s", at("cache3"), slow.url);
    setenv("DUMPSCAN_SYMBOL_TIMEOUT", "1", 1);
    CHECK(image("plain.sys", 0x5F8A1C2D, 0x3000, &r, false) == DS_STORE_NOT_FOUND);
    CHECK(strstr(r.server_detail, slow.url) != NULL);
    CHECK(image("packed.sys", 0x11111111, 0xa000, &r, false) == DS_STORE_NOT_FOUND);
    CHECK(strstr(r.server_detail, "not asked again") != NULL);
    CHECK(requests(&slow, "GET") == 1);
    CHECK(access(at("cache3/plain.sys/5F8A1C2D3000/plain.sys"), F_OK) != 0);
    CHECK(sh("test -z \"$(find cache3 -name '.download-*')\"") == 0);
    stop_server(&slow);
}

/* ------------------------------------------------------------ corpus */

static char *capture(const char *cmd)
{
    char full[4096];
    snprintf(full, sizeof full, "cd %s && %s", dir, cmd);
    FILE *p = popen(full, "r");
    size_t cap = 1 << 20, n = 0, got;
    char *buf = malloc(cap);
    while (p && buf && n + 1 < cap && (got = fread(buf + n, 1, cap - n - 1, p)) > 0)
        n += got;
    if (p)
        pclose(p);
    if (buf)
        buf[n] = '\0';
    return buf;
}

/* The STACK_TEXT block of a report. */
static char *stack_text(const char *r)
{
    const char *a = r ? strstr(r, "STACK_TEXT") : NULL;
    const char *b = a ? strstr(a, "\n\n") : NULL;
    return a && b ? strndup(a, (size_t)(b - a)) : NULL;
}

static void corpus(void)
{
    char syms[512], dump[512];
    if (!corpus_path("symbols", syms, sizeof syms) ||
        !corpus_path("kernel/triage_x64.dmp", dump, sizeof dump)) {
        fprintf(stderr, "corpus absent: triage dump over a server skipped\n");
        return;
    }
    const char *pdbkey = "amdppm.pdb/1C19FDDB27BB3399D9B45973EFEAFCF31";
    /* the server files images under symstore's canonical key, %08X%x */
    CHECK(sh("mkdir -p store/%s store/amdppm.sys/C9C030003b000 ptrdst && "
             "cd %s/%s && gcab -c -z %s/store/%s/amdppm.pd_ amdppm.pdb", pdbkey, syms,
             pdbkey, dir, pdbkey) == 0);
    CHECK(sh("cp %s/amdppm.sys/c9c030003b000/amdppm.sys store/amdppm.sys/C9C030003b000/ && "
             "cp %s/Wdf01000.sys/a9a9d36ed1000/Wdf01000.sys ptrdst/ && "
             "mkdir -p store/Wdf01000.sys/A9A9D36Ed1000 && "
             "echo \"PATH:%s/ptrdst/Wdf01000.sys\" > store/Wdf01000.sys/A9A9D36Ed1000/file.ptr",
             syms, syms, dir) == 0);
    server sv;
    CHECK(start_server(&sv, at("store"), "corpus", ""));
    if (!sv.pid)
        return;
    unsetenv("DUMPSCAN_SYMBOL_TIMEOUT");
    char cmd[2048];
    snprintf(cmd, sizeof cmd, DUMPSCAN_BIN " -y 'srv*%s*%s' %s", at("dlcache"), sv.url, dump);
    char *first = capture(cmd);
    CHECK(first && strstr(first, "downloaded from"));
    char redir[700];
    snprintf(redir, sizeof redir, "redirected by file.ptr to %s (from %s)",
             at("ptrdst/Wdf01000.sys"), sv.url);
    CHECK(first && strstr(first, redir));
    CHECK(first && strstr(first, "amdppm.pdb") && strstr(first, "SYMBOL_PROBLEMS:"));
    CHECK(access(at("dlcache/amdppm.pdb/1C19FDDB27BB3399D9B45973EFEAFCF31/amdppm.pdb"),
                 F_OK) == 0);
    char orig[600];
    snprintf(orig, sizeof orig, "%s/%s/amdppm.pdb", syms, pdbkey);
    CHECK(same_file(at("dlcache/amdppm.pdb/1C19FDDB27BB3399D9B45973EFEAFCF31/amdppm.pdb"),
                    orig));
    /* the stack is the one the local corpus store gives */
    snprintf(cmd, sizeof cmd, DUMPSCAN_BIN " -y '%s' %s", syms, dump);
    char *local = capture(cmd);
    char *s1 = stack_text(first), *s2 = stack_text(local);
    CHECK(s1 && s2 && strcmp(s1, s2) == 0);
    CHECK(s1 && strstr(s1, "amdppm!"));
    free(s1), free(s2), free(local);
    /* second run: from the cache, no request */
    int before = requests(&sv, "GET");
    snprintf(cmd, sizeof cmd, DUMPSCAN_BIN " --json -y 'srv*%s*%s' %s", at("dlcache"), sv.url,
             dump);
    char *json = capture(cmd);
    CHECK(json && strstr(json, "\"origin\": \"cache\"") && !strstr(json, "\"origin\": \"server\""));
    CHECK(requests(&sv, "GET") == before);
    free(json);
    free(first);

    /* batch: four copies, four workers, an empty cache: one download each */
    CHECK(sh("mkdir -p fleet && for i in 1 2 3 4; do cp %s fleet/d$i.dmp; done", dump) == 0);
    snprintf(cmd, sizeof cmd, DUMPSCAN_BIN " -j 4 -y 'srv*%s*%s' fleet", at("dlcache4"), sv.url);
    char *rows = capture(cmd);
    CHECK(rows && strstr(rows, "4 files seen: 4 analyzed"));
    free(rows);
    CHECK(requests(&sv, "/amdppm.pdb/1C19FDDB27BB3399D9B45973EFEAFCF31/amdppm.pd_") == 2);
    CHECK(requests(&sv, "/amdppm.sys/C9C030003b000/amdppm.sys") == 2);
    CHECK(requests(&sv, "/Wdf01000.sys/A9A9D36Ed1000/file.ptr") == 2);
    stop_server(&sv);

    /* a stalled server: the report still comes out */
    server slow;
    CHECK(start_server(&slow, at("store"), "slow2", "--stall"));
    setenv("DUMPSCAN_SYMBOL_TIMEOUT", "1", 1);
    snprintf(cmd, sizeof cmd, DUMPSCAN_BIN " -y 'srv*%s*%s' %s", at("dlcache5"), slow.url, dump);
    char *out = capture(cmd);
    CHECK(out && strstr(out, "BUGCHECK_CODE:") && strstr(out, "SYMBOL_PROBLEMS:") &&
          strstr(out, "not asked again"));
    free(out);
    CHECK(requests(&slow, "GET") == 1);
    stop_server(&slow);
}

/* Folders of the path that do not exist (a typo, a cache --offline never
 * made): every module looked for is still listed as missing, naming the
 * places searched, and the report says once that the folder does not exist. */
static void missing_folders(void)
{
    const char *dump = DS_SOURCE_DIR "/testdata/samples/x64-triage.dmp";
    char cmd[4096];
    snprintf(cmd, sizeof cmd, DUMPSCAN_BIN " -y %s %s", at("no/such/dir"), dump);
    char *out = capture(cmd);
    char want[1024];
    snprintf(want, sizeof want, "ntoskrnl.exe           image    5F8A1C2D1046000"
             "                    missing: searched %s\n", at("no/such/dir"));
    CHECK(out && strstr(out, "SYMBOL_PROBLEMS:") && strstr(out, want));
    snprintf(want, sizeof want, "symbol path folder %s does not exist", at("no/such/dir"));
    const char *once = out ? strstr(out, want) : NULL;
    CHECK(once && !strstr(once + 1, want));
    free(out);
    snprintf(cmd, sizeof cmd, DUMPSCAN_BIN " --json --compact --offline -y 'srv*%s*http://127.0.0.1:9' %s",
             at("notyet"), dump);
    out = capture(cmd);
    snprintf(want, sizeof want, "searched %s", at("notyet"));
    CHECK(out && strstr(out, "\"symbol_lookups\":[{") && strstr(out, "\"status\":\"missing\"") &&
          strstr(out, want) && strstr(out, "symbol_folder_missing"));
    CHECK(access(at("notyet"), F_OK) != 0); /* --offline creates nothing */
    free(out);
}

int main(void)
{
    if (system("python3 -c 'import http.server' >/dev/null 2>&1") != 0 ||
        system("gcab --version >/dev/null 2>&1") != 0) {
        fprintf(stderr, "python3 or gcab missing: skipped\n");
        return CHECK_SKIP;
    }
    unsetenv("http_proxy"), unsetenv("HTTP_PROXY"), unsetenv("ALL_PROXY"), unsetenv("all_proxy");
    snprintf(dir, sizeof dir, "/tmp/ds-symsrv-XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    synthetic();
    missing_folders();
    corpus();
    sh("cd / && rm -rf %s", dir);
    return check_report("test_symsrv");
}
