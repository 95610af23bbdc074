/*
 * LZX cabinet reading (src/io/lzx.c through src/io/cab.c): a dump-like
 * folder of MIB MiB (zero pages, repeated pages, text, noise) written by the
 * test encoder (testdata/gen/lzxcab.c) with windows of 2^16 and 2^21, then
 *   - a sequential read of the member (MiB/s),
 *   - N random 4 KiB reads (ms per read: backward jumps resume from the
 *     nearest checkpoint, doc/cab.md),
 * against two yardsticks in the same run: cabextract testing the same
 * cabinet (an independent LZX decoder), and dumpscan reading the same data
 * from a gcab MSZIP cabinet. Prints numbers only, and the peak RSS.
 * Usage: cab_lzx [MIB] [N] [DIR]   (defaults: 64, 200, /tmp)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "io/cab.h"
#include "lzxcab.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static uint8_t *make_data(size_t n)
{
    uint8_t *p = calloc(1, n);
    uint32_t x = 7;
    for (size_t page = 0; p && page < n / 4096; page++) {
        uint8_t *q = p + page * 4096;
        x = x * 1103515245u + 12345u;
        switch ((x >> 24) % 4) {
        case 0: /* zero page */
            break;
        case 1: /* a copy of an earlier page */
            if (page)
                memcpy(q, p + ((x >> 4) % page) * 4096, 4096);
            break;
        case 2: /* text */
            for (size_t i = 0; i < 4096; i++)
                q[i] = "nt!KiPageFault+0x42 driver.sys "[(i + (x >> 8)) % 31];
            break;
        default: /* noise */
            for (size_t i = 0; i < 4096; i++) {
                x = x * 1103515245u + 12345u;
                q[i] = (uint8_t)(x >> 23);
            }
        }
    }
    return p;
}

/* Sequential MiB/s and ms per random 4 KiB read of member 0 of path. */
static void read_cab(const char *label, const char *path, size_t n, int reads)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    fseek(f, 0, SEEK_END);
    size_t len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *file = malloc(len), *buf = malloc(1 << 20);
    if (!file || !buf || fread(file, 1, len, f) != len) {
        fclose(f);
        free(file);
        free(buf);
        return;
    }
    fclose(f);
    ds_error err;
    ds_cab *c = ds_cab_open((ds_bytes){.data = file, .size = len}, &err);
    if (c) {
        double t0 = now_ms();
        size_t done = 0;
        for (int64_t got; done < n && (got = ds_cab_read(c, 0, done, buf, 1 << 20, &err)) > 0;)
            done += (size_t)got;
        double t1 = now_ms();
        uint32_t x = 3;
        for (int k = 0; k < reads; k++) {
            x = x * 1103515245u + 12345u;
            (void)ds_cab_read(c, 0, ((uint64_t)x * 4096) % n, buf, 4096, &err);
        }
        double t2 = now_ms();
        printf("%-28s %7.1f MiB/s sequential (%zu of %zu bytes), %7.2f ms per random 4 KiB read\n",
               label, (double)done / (1 << 20) / ((t1 - t0) / 1e3), done, n,
               (t2 - t1) / reads);
        ds_cab_close(c);
    } else {
        printf("%-28s cannot open: %s\n", label, err.text);
    }
    free(file);
    free(buf);
}

static void yardstick(const char *label, const char *cmd, size_t n)
{
    double t0 = now_ms();
    int rc = system(cmd);
    double t = now_ms() - t0;
    if (rc == 0)
        printf("%-28s %7.1f MiB/s\n", label, (double)n / (1 << 20) / (t / 1e3));
    else
        printf("%-28s not available\n", label);
}

int main(int argc, char **argv)
{
    size_t mib = argc > 1 ? strtoul(argv[1], NULL, 0) : 64;
    int reads = argc > 2 ? atoi(argv[2]) : 200;
    const char *dir = argc > 3 ? argv[3] : "/tmp";
    if (mib < 1 || mib > 1024 || reads < 1) {
        fprintf(stderr, "usage: %s [MIB 1..1024] [N] [DIR]\n", argv[0]);
        return 2;
    }
    size_t n = mib << 20;
    uint8_t *data = make_data(n);
    if (!data)
        return 1;
    char path[512], cmd[1200];
    static const unsigned bits[] = {16, 21};
    for (size_t i = 0; i < 2; i++) {
        lzxcab_member m = {"data.bin", data, n};
        lzxcab_opts o = {.window_bits = bits[i], .kinds = "av", .block_size = 1 << 20};
        size_t len;
        uint8_t *cab = lzxcab_write(&m, 1, &o, &len);
        snprintf(path, sizeof path, "%s/ds-bench-lzx%u.cab", dir, bits[i]);
        FILE *f = cab ? fopen(path, "wb") : NULL;
        if (!f || fwrite(cab, 1, len, f) != len) {
            fprintf(stderr, "cannot write %s\n", path);
            return 1;
        }
        fclose(f);
        free(cab);
        char label[64];
        snprintf(label, sizeof label, "dumpscan LZX 2^%u", bits[i]);
        read_cab(label, path, n, reads);
        snprintf(label, sizeof label, "cabextract -t LZX 2^%u", bits[i]);
        snprintf(cmd, sizeof cmd, "cabextract -q -t %s >/dev/null 2>&1", path);
        yardstick(label, cmd, n);
        remove(path);
    }
    snprintf(path, sizeof path, "%s/data.bin", dir);
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(data, 1, n, f);
        fclose(f);
        snprintf(cmd, sizeof cmd, "cd %s && rm -f ds-bench-z.cab && gcab -c -z ds-bench-z.cab data.bin "
                 ">/dev/null 2>&1", dir);
        if (system(cmd) == 0) {
            snprintf(path, sizeof path, "%s/ds-bench-z.cab", dir);
            read_cab("dumpscan MSZIP (yardstick)", path, n, reads);
            remove(path);
        }
        snprintf(path, sizeof path, "%s/data.bin", dir);
        remove(path);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak RSS %.1f MiB (the data and one cabinet in memory included)\n", ru.ru_maxrss / 1024.0);
    free(data);
    return 0;
}
