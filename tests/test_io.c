/*
 * File input: the one opener (regular files only, never blocking) for dumps,
 * images and symbol files, and the dumpscan binary on FIFOs, devices,
 * directories and a pipe as /dev/stdin. alarm() turns a hang into a failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "dumpscan/dumpscan.h"
#include "image/image.h"
#include "io/file.h"
#include "io/source.h"
#include "symbols/breakpad.h"
#include "symbols/elf.h"
#include "symbols/pdb.h"

#ifndef DUMPSCAN_BIN
#error "DUMPSCAN_BIN must name the dumpscan binary (tests/CMakeLists.txt)"
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
    ds_error err = {{0}};
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

/* Run the CLI on path with stdin from in_fd (or /dev/null); exit status and
 * stderr in errbuf. */
static int run_cli(const char *path, int in_fd, char *errbuf, size_t len)
{
    int errp[2];
    if (pipe(errp) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        if (in_fd >= 0)
            dup2(in_fd, 0);
        dup2(errp[1], 2);
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        close(errp[0]);
        execl(DUMPSCAN_BIN, "dumpscan", path, (char *)NULL);
        _exit(127);
    }
    close(errp[1]);
    size_t got = 0;
    ssize_t n;
    while (got + 1 < len && (n = read(errp[0], errbuf + got, len - 1 - got)) > 0)
        got += (size_t)n;
    errbuf[got] = '\0';
    close(errp[0]);
    int st;
    if (waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
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
    ds_error err = {{0}};
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
    rmdir(dir);
    return check_report("test_io");
}
