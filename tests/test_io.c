/*
 * File input: the one opener (regular files only, never blocking) for dumps,
 * images and symbol files, and the dumpscan binary on FIFOs, devices,
 * directories and a pipe as /dev/stdin. alarm() turns a hang into a failure.
 * Large dumps: read through windows they give the same report as read whole,
 * a 64 GiB sparse dump opens in bounded memory (and in the CLI under
 * RLIMIT_AS), and a file that shrinks after open is a damage note, never a
 * signal.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "core/dump.h"
#include "model/model.h"
#include "dsgen.h"
#include "dumpscan/dumpscan.h"
#include "image/image.h"
#include "io/file.h"
#include "io/source.h"
#include "symbols/breakpad.h"
#include "symbols/elf.h"
#include "symbols/pdb.h"

#if !defined(DUMPSCAN_BIN) || !defined(DUMPSCAN_PLAIN_BIN)
#error "DUMPSCAN_BIN and DUMPSCAN_PLAIN_BIN must name dumpscan binaries (tests/CMakeLists.txt)"
#endif

static char dir[256];

static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "test_io: an open blocked (alarm fired)\n";
    if (write(2, msg, sizeof msg - 1) < 0) {
    }
    _exit(1);
}

/* Every opener refuses path with a message naming kind, not the path. */
static void check_refused(const char *path, const char *kind)
{
    ds_error err = {0};
    uint64_t size = 0;
    int fd = ds_file_open(path, &size, &err);
    CHECK(fd < 0);
    if (fd >= 0)
        close(fd);
    CHECK(strstr(err.text, kind) != NULL);
    CHECK(strstr(err.text, path) == NULL);

    memset(&err, 0, sizeof err);
    ds_dump *d = ds_open(path, NULL, &err);
    CHECK(d == NULL);
    ds_close(d);
    CHECK(strstr(err.text, kind) != NULL);
    CHECK(strstr(err.text, path) == NULL);

    ds_format fmt;
    bool gz;
    CHECK(ds_detect_file(path, &fmt, &gz, &err) < 0);
    ds_pdb *p = ds_pdb_open(path, &err);
    CHECK(p == NULL);
    ds_pdb_close(p);
    ds_bpsym *b = ds_bpsym_open(path, &err);
    CHECK(b == NULL);
    ds_bpsym_close(b);
    ds_elfsym *e = ds_elfsym_open(path, &err);
    CHECK(e == NULL);
    ds_elfsym_close(e);
    ds_image *im = ds_image_from_file(path, 0, &err);
    CHECK(im == NULL);
    ds_image_close(im);
}

/* Run a dumpscan binary on path with stdin from in_fd (or inherited), its
 * with one option opt (or NULL), its address space limited to as_limit bytes (0: no limit); exit status (128 +
 * signal when killed), stderr in errbuf, stdout in outbuf when given. */
static int run_bin(const char *bin, const char *opt, const char *path, int in_fd,
                   uint64_t as_limit, char *errbuf, size_t len, char *outbuf, size_t outlen)
{
    int errp[2], outp[2];
    if (pipe(errp) != 0 || pipe(outp) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        if (in_fd >= 0)
            dup2(in_fd, 0);
        dup2(errp[1], 2);
        dup2(outp[1], 1);
        close(errp[0]);
        close(outp[0]);
        if (as_limit) {
            struct rlimit rl = {as_limit, as_limit};
            if (setrlimit(RLIMIT_AS, &rl) != 0)
                _exit(126);
        }
        if (opt)
            execl(bin, "dumpscan", opt, path, (char *)NULL);
        else
            execl(bin, "dumpscan", path, (char *)NULL);
        _exit(127);
    }
    close(errp[1]);
    close(outp[1]);
    /* stdout first (bounded by outlen, the rest drained), then stderr: the
     * reports here are far smaller than a pipe buffer's worth of stderr. */
    size_t got = 0;
    ssize_t n;
    char sink[4096];
    while ((n = read(outp[0], outbuf && got + 1 < outlen ? outbuf + got : sink,
                     outbuf && got + 1 < outlen ? outlen - 1 - got : sizeof sink)) > 0)
        if (outbuf && got + 1 < outlen)
            got += (size_t)n;
    if (outbuf)
        outbuf[got] = '\0';
    close(outp[0]);
    got = 0;
    while (got + 1 < len && (n = read(errp[0], errbuf + got, len - 1 - got)) > 0)
        got += (size_t)n;
    errbuf[got] = '\0';
    close(errp[0]);
    int st;
    if (waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int run_cli(const char *path, int in_fd, char *errbuf, size_t len)
{
    return run_bin(DUMPSCAN_BIN, NULL, path, in_fd, 0, errbuf, len, NULL, 0);
}

static void check_cli_refuses(const char *path, int in_fd, const char *kind)
{
    char errbuf[1024];
    int rc = run_cli(path, in_fd, errbuf, sizeof errbuf);
    CHECK(rc != 0 && rc < 128);
    CHECK(strstr(errbuf, kind) != NULL);
    /* the CLI names the file once */
    const char *first = strstr(errbuf, path);
    CHECK(first && !strstr(first + 1, path));
    if (rc == 0 || !strstr(errbuf, kind))
        fprintf(stderr, "  %s -> %d: %s\n", path, rc, errbuf);
}

/* ------------------------------------------------------ large files */

/* A complete (DumpType 1) x64 dump describing phys bytes of RAM, sparse, as
 * dir/name (its path in path[len]). */
static bool make_full_dump(char *path, size_t len, const char *name, uint64_t phys,
                           gen_spec *s)
{
    snprintf(path, len, "%s/%s", dir, name);
    gen_spec_default(s, DS_ARCH_X64, false, 1);
    s->phys_bytes = phys;
    s->sparse_file = true;
    char gerr[256];
    if (gen_write(s, path, gerr, sizeof gerr) != 0) {
        fprintf(stderr, "gen_write: %s\n", gerr);
        CHECK(!"generator failed");
        return false;
    }
    return true;
}

/* The whole file in memory (for ds_open_memory). */
static uint8_t *slurp(const char *path, size_t *len)
{
    uint8_t *data;
    ds_error err;
    return ds_file_load(path, 1ull << 30, &data, len, &err) == 0 ? data : NULL;
}

/* Is path mapped into this process? (Windows mean: never.) */
static bool is_mapped(const char *path)
{
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        return false;
    char line[1024];
    bool hit = false;
    while (!hit && fgets(line, sizeof line, f))
        hit = strstr(line, path) != NULL;
    fclose(f);
    return hit;
}

/* A 64 MiB-RAM complete dump is larger than DS_SOURCE_SMALL, so ds_open reads
 * it through windows; ds_open_memory of the same bytes has it all resident.
 * Same report, byte for byte, and the windows kept memory bounded. */
static void check_windows_equal_whole(void)
{
    char path[512];
    gen_spec s;
    if (!make_full_dump(path, sizeof path, "full64m.dmp", 64ull << 20, &s))
        return;
    CHECK(s.out_file_size > DS_SOURCE_SMALL);
    ds_error err = {0};
    ds_dump *win = ds_open(path, NULL, &err);
    CHECK(win != NULL);
    size_t len = 0;
    uint8_t *data = slurp(path, &len);
    ds_dump *whole = data ? ds_open_memory(data, len, NULL, &err) : NULL;
    CHECK(whole != NULL);
    if (win && whole) {
        whole->path = strdup(path); /* the one difference: a buffer has no path */
        CHECK(win->src.fd >= 0);     /* really read through windows */
        CHECK(whole->src.bytes.src == NULL);
        CHECK(ds_source_memory(&win->src) <= DS_SOURCE_HEAD + DS_SOURCE_FETCH_MAX);
        CHECK(!is_mapped(path));
        char *a = ds_report_json(win, 0), *b = ds_report_json(whole, 0);
        CHECK(a && b && strcmp(a, b) == 0);
        if (a && b && strcmp(a, b) != 0) {
            FILE *fa = fopen("/tmp/io-win.json", "w"), *fb = fopen("/tmp/io-whole.json", "w");
            fputs(a, fa);
            fputs(b, fb);
            fclose(fa);
            fclose(fb);
        }
        CHECK(a && strstr(a, "\"kind\":\"full\"") != NULL);
        free(a);
        free(b);
        uint8_t buf[64];
        size_t n = ds_read(win, s.out_known_va, buf, sizeof buf);
        CHECK_EQ_U64(n, sizeof buf);
        bool same = true;
        for (size_t i = 0; i < n; i++)
            same &= buf[i] == gen_pattern(s.out_known_va + i);
        CHECK(same);
        CHECK(!ds_note_has(&win->crash, "file_shrank"));
    }
    ds_close(win);
    ds_close(whole);
    free(data);
    unlink(path);
}

/* 64 GiB of RAM in a sparse complete dump: the library opens it with a few
 * MiB resident, and the CLI analyses it inside 512 MiB of address space. */
static void check_huge_sparse(void)
{
    char path[512];
    gen_spec s;
    if (!make_full_dump(path, sizeof path, "full64g.dmp", 64ull << 30, &s))
        return;
    CHECK(s.out_file_size > (60ull << 30));
    ds_error err = {0};
    ds_dump *d = ds_open(path, NULL, &err);
    CHECK(d != NULL);
    if (d) {
        CHECK(ds_source_memory(&d->src) <= DS_SOURCE_HEAD + DS_SOURCE_FETCH_MAX);
        CHECK(!is_mapped(path));
        CHECK_EQ_U64(d->crash.bugcheck.code, s.bugcheck_code);
        CHECK(!d->crash.damaged);
        uint8_t b;
        CHECK(ds_read(d, s.out_known_va, &b, 1) == 1 && b == gen_pattern(s.out_known_va));
    }
    ds_close(d);

    static char out[1 << 16];
    char errbuf[1024];
    int rc = run_bin(DUMPSCAN_PLAIN_BIN, NULL, path, -1, 512ull << 20, errbuf, sizeof errbuf, out,
                     sizeof out);
    CHECK_EQ_U64(rc, 0);
    char want[64];
    snprintf(want, sizeof want, "BUGCHECK_CODE: %08x", s.bugcheck_code);
    CHECK(strstr(out, want) != NULL);
    CHECK(strstr(out, "full (DumpType 1)") != NULL);
    if (rc != 0 || !strstr(out, want))
        fprintf(stderr, "  under RLIMIT_AS: %d: %s\n%.400s\n", rc, errbuf, out);
    unlink(path);
}

/* Open a large dump, then cut the file (a dump rotated or still being
 * written): the pipeline finishes with a file_shrank damage note. */
static void check_shrinking(void)
{
    char path[512];
    static const uint64_t cuts[] = {0, 1 << 20, DS_SOURCE_HEAD + (1 << 20)};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        gen_spec s;
        if (!make_full_dump(path, sizeof path, "shrink.dmp", 1ull << 30, &s))
            return;
        ds_error err = {0};
        ds_dump *d = calloc(1, sizeof *d);
        CHECK(d && ds_source_open_file(&d->src, path, DS_SOURCE_WINDOWS, &err) == 0);
        CHECK(truncate(path, (off_t)cuts[i]) == 0);
        d = d ? ds_open_prepared(d, NULL, &err) : NULL;
        CHECK(d != NULL);
        if (d) {
            CHECK(ds_note_has(&d->crash, "file_shrank"));
            CHECK(d->crash.damaged);
            CHECK_EQ_U64(d->crash.file_size, s.out_file_size);
            char *text = ds_report_json(d, 0);
            CHECK(text && strstr(text, "\"file_shrank\""));
            free(text);
        }
        ds_close(d);
    }
    /* Cut before the open: just a truncated dump, and the same through the CLI. */
    char errbuf[1024];
    static char out[1 << 16];
    CHECK(truncate(path, DS_SOURCE_SMALL + 4096) == 0);
    int rc = run_bin(DUMPSCAN_BIN, "--json", path, -1, 0, errbuf, sizeof errbuf, out, sizeof out);
    CHECK(rc < 128);
    CHECK(strstr(out, "file_truncated") || strstr(out, "pages_missing"));
    unlink(path);
}

int main(void)
{
    signal(SIGALRM, on_alarm);
    signal(SIGPIPE, SIG_IGN);
    alarm(60);
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/ds-io-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }

    char fifo[512];
    snprintf(fifo, sizeof fifo, "%s/dump.fifo", dir);
    CHECK(mkfifo(fifo, 0600) == 0);
    check_refused(fifo, "FIFO");
    check_refused("/dev/zero", "character device");
    check_refused(dir, "directory");

    /* A pipe with a live writer that never writes: reading would wait for ever. */
    int p[2];
    CHECK(pipe(p) == 0);
    char piped[64];
    snprintf(piped, sizeof piped, "/dev/fd/%d", p[0]);
    check_refused(piped, "FIFO");

    check_cli_refuses(fifo, -1, "FIFO");
    check_cli_refuses("/dev/zero", -1, "character device");
    check_cli_refuses("/dev/stdin", p[0], "FIFO");
    close(p[0]);
    close(p[1]);

    /* A regular file still opens; a missing one says why, without its path. */
    char reg[512];
    snprintf(reg, sizeof reg, "%s/plain.bin", dir);
    FILE *f = fopen(reg, "wb");
    CHECK(f && fwrite("hello", 1, 5, f) == 5 && fclose(f) == 0);
    uint64_t size = 0;
    ds_error err = {0};
    int fd = ds_file_open(reg, &size, &err);
    CHECK(fd >= 0);
    CHECK_EQ_U64(size, 5);
    CHECK(fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC));
    if (fd >= 0)
        close(fd);
    uint8_t *data;
    size_t n;
    CHECK(ds_file_load(reg, 4, &data, &n, &err) < 0); /* over the limit */
    CHECK(ds_file_load(reg, 5, &data, &n, &err) == 0 && n == 5 && memcmp(data, "hello", 6) == 0);
    free(data);
    unlink(reg);
    CHECK(ds_file_open(reg, &size, &err) < 0);
    CHECK(strstr(err.text, "No such file") && !strstr(err.text, reg));

    unlink(fifo);
    check_windows_equal_whole();
    check_huge_sparse();
    check_shrinking();
    rmdir(dir);
    return check_report("test_io");
}
