/*
 * PDB lookup benchmark: time to open a PDB and answer the first lookup,
 * the cost per lookup over N random RVAs (cold pass, then the same RVAs
 * again with the module cache warm), the cost of source-line lookups
 * (C13 lines and inline sites, read per module on first use) over the same
 * RVAs, and the peak RSS. Prints numbers only; the name lookups of the same
 * run are the yardstick for the source lookups.
 * Usage: pdb_lookup PDB [N] [RVA_LIMIT]   (defaults: 100000, 0x100000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "symbols/pdb.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s PDB [N] [RVA_LIMIT]\n", argv[0]);
        return 2;
    }
    long n = argc > 2 ? strtol(argv[2], NULL, 0) : 100000;
    unsigned long limit = argc > 3 ? strtoul(argv[3], NULL, 0) : 0x100000;
    if (n < 1 || limit < 0x1001) {
        fprintf(stderr, "bad N or RVA_LIMIT\n");
        return 2;
    }
    uint32_t *rvas = malloc(sizeof *rvas * (size_t)n);
    if (!rvas)
        return 1;
    uint64_t x = 0x2545F4914F6CDD1Dull;
    for (long i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        rvas[i] = 0x1000 + (uint32_t)(x % (limit - 0x1000));
    }

    ds_error err;
    ds_pdb_symbol s;
    double t0 = now_ms();
    ds_pdb *p = ds_pdb_open(argv[1], &err);
    if (!p) {
        fprintf(stderr, "%s: %s\n", argv[1], err.text);
        return 1;
    }
    bool first = ds_pdb_lookup(p, rvas[0], &s);
    double t1 = now_ms();
    printf("pdb:                   %s\n", argv[1]);
    printf("open + first lookup:   %.3f ms (%s)\n", t1 - t0, first ? s.name : "no symbol");

    for (int pass = 0; pass < 2; pass++) {
        long hits = 0, funcs = 0;
        double a = now_ms();
        for (long i = 0; i < n; i++)
            if (ds_pdb_lookup(p, rvas[i], &s)) {
                hits++;
                funcs += s.is_function;
            }
        double b = now_ms();
        printf("%s pass, %ld RVAs: %.3f us/lookup, %ld hits (%ld procedures)\n",
               pass ? "warm" : "cold", n, (b - a) * 1e3 / (double)n, hits, funcs);
    }
    long fpo = 0;
    double a = now_ms();
    for (long i = 0; i < n; i++) {
        ds_pdb_fpo f;
        fpo += ds_pdb_fpo_lookup(p, rvas[i], &f);
    }
    double b = now_ms();
    printf("fpo lookups:           %.3f us/lookup, %ld hits\n", (b - a) * 1e3 / (double)n, fpo);
    for (int pass = 0; pass < 2; pass++) {
        long lines = 0, inl = 0;
        a = now_ms();
        for (long i = 0; i < n; i++) {
            ds_srcloc loc;
            if (ds_pdb_source(p, rvas[i], &loc)) {
                lines++;
                inl += loc.n > 1;
            }
        }
        b = now_ms();
        printf("source %s pass:      %.3f us/lookup, %ld with a line (%ld inlined)\n",
               pass ? "warm" : "cold", (b - a) * 1e3 / (double)n, lines, inl);
    }
    ds_pdb_close(p);
    free(rvas);

    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak RSS:              %ld KiB\n", ru.ru_maxrss);
    return 0;
}
