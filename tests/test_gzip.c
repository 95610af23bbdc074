/*
 * gzip read in place (io/gzindex.c): random reads through the checkpoint
 * index equal the plain bytes (one member and several, checkpoints thinned
 * by the cap); a gzip'd dump gives the same --json report as the plain dump,
 * small (inflated whole) and large (through the index); a gzip bomb opens
 * with no usable $TMPDIR (nothing is written), in bounded memory, and is
 * refused over the size limit; a truncated gzip gives a partial report with gzip_truncated.
 */
#include <fcntl.h>
#include <jansson.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "check.h"
#include "core/dump.h"
#include "dsgen.h"
#include "dumpscan/dumpscan.h"
#include "io/file.h"
#include "io/gzindex.h"
#include "io/source.h"
#include "model/model.h"

#ifndef DUMPSCAN_PLAIN_BIN
#error "DUMPSCAN_PLAIN_BIN must name a dumpscan binary (tests/CMakeLists.txt)"
#endif

static char dir[256], tmpdir[300];

/* gzip members of data, split at the given offsets (0 = one member). */
static uint8_t *gzip_members(const uint8_t *data, size_t len, const size_t *cuts,
                             size_t ncuts, int level, size_t *outlen)
{
    size_t cap = len + len / 100 + 1024 * (ncuts + 2), used = 0;
    uint8_t *out = malloc(cap);
    size_t from = 0;
    for (size_t i = 0; out && i <= ncuts; i++) {
        size_t to = i < ncuts ? cuts[i] : len;
        z_stream z;
        memset(&z, 0, sizeof z);
        if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            break;
        z.next_in = (Bytef *)(data + from);
        z.avail_in = (uInt)(to - from);
        z.next_out = out + used;
        z.avail_out = (uInt)(cap - used);
        int rc = deflate(&z, Z_FINISH);
        used = cap - z.avail_out;
        deflateEnd(&z);
        if (rc != Z_STREAM_END) {
            free(out);
            return NULL;
        }
        from = to;
    }
    *outlen = used;
    return out;
}

static bool write_all(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return false;
    bool ok = fwrite(p, 1, n, f) == n;
    return fclose(f) == 0 && ok;
}

/* Text-like data with back-references of every distance (so a resumed
 * stream really needs its window), and runs of zeros. */
static uint8_t *make_data(size_t n)
{
    uint8_t *d = malloc(n);
    uint64_t x = 88172645463325252ull;
    for (size_t i = 0; d && i < n;) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t run = 1 + x % 300;
        if (run > n - i)
            run = n - i;
        if (i > 40000 && x % 3 == 0) { /* copy from up to ~32 KiB back */
            size_t back = 1 + (x >> 20) % 32000;
            for (size_t k = 0; k < run; k++, i++)
                d[i] = d[i - back];
        } else if (x % 7 == 0) {
            memset(d + i, 0, run);
            i += run;
        } else {
            for (size_t k = 0; k < run; k++, i++)
                d[i] = (uint8_t)('a' + (x >> (k % 50)) % 26);
        }
    }
    return d;
}

static void check_random_reads(void)
{
    const size_t n = 24u << 20;
    uint8_t *plain = make_data(n);
    size_t cuts[] = {7777777, 7777778, 15000001};
    for (int variant = 0; variant < 2; variant++) {
        size_t zlen = 0;
        uint8_t *gz = gzip_members(plain, n, cuts, variant ? 3 : 0, 1, &zlen);
        CHECK(gz != NULL);
        if (!gz)
            continue;
        /* small limits: an index with checkpoints every 8 KiB at first, so
         * the 1024 cap is hit and spacing doubles */
        ds_source_limits lim = ds_source_defaults;
        lim.small = 1 << 20;
        lim.head = 64 << 10;
        lim.gz_spacing = 8 << 10;
        ds_source s;
        ds_error err = {0};
        CHECK(ds_source_open_memory_with(&s, gz, zlen, &lim, &err) == 0);
        CHECK(s.gz != NULL && s.compressed && !s.gz_truncated);
        CHECK_EQ_U64(s.bytes.size, n);
        CHECK_EQ_U64(s.bytes.resident, lim.head);
        CHECK(ds_source_memory(&s) <= lim.head + DS_GZ_MAX_POINTS * (DS_GZ_WINDOW + 64) +
                                           DS_GZ_CACHE + (1 << 20));
        static uint8_t buf[70000];
        uint64_t x = 12345 + (uint64_t)variant;
        int bad = 0;
        for (int i = 0; i < 400; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            uint64_t off = i < 100 ? (uint64_t)(n - 1 - (size_t)i * 240000) % n /* descending */
                                   : x % n;
            if (i % 50 == 0 && variant)
                off = cuts[(i / 50) % 3] - 100; /* across member boundaries */
            size_t len = 1 + (size_t)((x >> 32) % sizeof buf);
            size_t want = n - off < len ? (size_t)(n - off) : len;
            size_t got = ds_bytes_read(s.bytes, off, buf, len);
            if (got != want || memcmp(buf, plain + off, want) != 0)
                bad++;
        }
        CHECK_EQ_U64(bad, 0);
        /* reads past the end come up short, never beyond */
        CHECK_EQ_U64(ds_bytes_read(s.bytes, n - 10, buf, 100), 10);
        CHECK_EQ_U64(ds_bytes_read(s.bytes, n, buf, 100), 0);
        ds_source_close(&s);
        free(gz);
    }
    free(plain);
}

/* --json of a file through the library, with path and compression set
 * aside (the only things that may differ). */
static json_t *report_of(const char *path)
{
    ds_error err = {0};
    ds_dump *d = ds_open(path, NULL, &err);
    if (!d) {
        fprintf(stderr, "  %s: %s\n", path, err.text);
        return NULL;
    }
    char *text = ds_report_json(d, 0);
    ds_close(d);
    json_t *j = text ? json_loads(text, 0, NULL) : NULL;
    free(text);
    json_t *file = json_object_get(j, "file");
    json_object_del(file, "path");
    json_object_del(file, "compressed");
    json_object_del(file, "compression");
    return j;
}

static void check_same_report(const char *name, uint32_t type, uint64_t phys)
{
    char plain[512], gz[512];
    snprintf(plain, sizeof plain, "%s/%s.dmp", dir, name);
    snprintf(gz, sizeof gz, "%s/%s.dmp.gz", dir, name);
    gen_spec s;
    gen_spec_default(&s, DS_ARCH_X64, false, type);
    s.phys_bytes = phys;
    char gerr[256];
    CHECK(gen_write(&s, plain, gerr, sizeof gerr) == 0);
    uint8_t *data;
    size_t len, zlen = 0;
    CHECK(ds_file_load(plain, 1ull << 30, &data, &len, NULL) == 0);
    size_t cut = len / 3;
    uint8_t *z = gzip_members(data, len, &cut, 1, 1, &zlen);
    CHECK(z && write_all(gz, z, zlen));
    json_t *a = report_of(plain), *b = report_of(gz);
    CHECK(a && b && json_equal(a, b));
    if (a && b && !json_equal(a, b))
        fprintf(stderr, "  %s: reports differ\n", name);

    /* Cut the compressed file: a partial report that says so. */
    CHECK(write_all(gz, z, zlen / 2));
    ds_error err = {0};
    ds_dump *d = ds_open(gz, NULL, &err);
    CHECK(d || strstr(err.text, "gzip"));
    if (d) {
        CHECK(ds_note_has(&d->crash, "gzip_truncated"));
        CHECK(d->crash.damaged);
    }
    ds_close(d);
    json_decref(a);
    json_decref(b);
    free(z);
    free(data);
    unlink(plain);
    unlink(gz);
}

/* 1 GiB of zeros in about 1 MB of gzip. */
static bool make_bomb(const char *path)
{
    gzFile g = gzopen(path, "wb1");
    if (!g)
        return false;
    static uint8_t zeros[1 << 20];
    bool ok = true;
    for (int i = 0; ok && i < 1024; i++)
        ok = gzwrite(g, zeros, sizeof zeros) == (int)sizeof zeros;
    return gzclose(g) == Z_OK && ok;
}

static void check_bomb(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/bomb.dmp.gz", dir);
    CHECK(make_bomb(path));
    /* $TMPDIR names a folder that does not exist: a temporary file (even an
     * unlinked one, invisible in a listing) could not be made at all. */
    setenv("TMPDIR", tmpdir, 1);

    /* Bounded memory, nothing on disk. */
    ds_source s;
    ds_error err = {0};
    CHECK(ds_source_open_file(&s, path, DS_SOURCE_WINDOWS, &err) == 0);
    CHECK_EQ_U64(s.bytes.size, 1ull << 30);
    CHECK(ds_source_memory(&s) <= DS_SOURCE_HEAD + DS_GZ_MAX_POINTS * (DS_GZ_WINDOW + 64) +
                                      DS_GZ_CACHE + (1 << 20));
    uint8_t b = 1;
    CHECK(ds_bytes_read(s.bytes, (1ull << 30) - 1, &b, 1) == 1 && b == 0);
    ds_source_close(&s);

    /* Over the limit: refused as such. */
    ds_source_limits lim = ds_source_defaults;
    lim.gunzip_max = 256ull << 20;
    CHECK(ds_source_open_file_with(&s, path, DS_SOURCE_WINDOWS, &lim, &err) != 0);
    CHECK(strstr(err.text, "limit") != NULL);
    CHECK(err.code == DS_E_TOO_LARGE);

    /* The CLI: a clear error, inside 512 MiB of address space. */
    pid_t pid = fork();
    if (pid == 0) {
        struct rlimit rl = {512ull << 20, 512ull << 20};
        setrlimit(RLIMIT_AS, &rl);
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        execl(DUMPSCAN_PLAIN_BIN, "dumpscan", path, (char *)NULL);
        _exit(127);
    }
    int st = 0;
    CHECK(waitpid(pid, &st, 0) == pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) != 0 && WEXITSTATUS(st) != 127); /* not a dump */
    unlink(path);
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/ds-gz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(tmpdir, sizeof tmpdir, "%s/no-such-folder", dir);

    check_random_reads();
    check_same_report("triage", 4, 0);        /* inflated whole */
    check_same_report("full", 1, 64ull << 20); /* through the index */
    check_bomb();

    rmdir(dir);
    return check_report("test_gzip");
}
