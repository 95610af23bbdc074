/*
 * DWARF source-line benchmark: open an ELF file, time the first source
 * lookup (it indexes .debug_line of every unit), then N lookups at random
 * addresses of its functions (line rows by binary search, inline chains by
 * walking the unit's DIEs), cold and warm, next to the same number of
 * symbol-table name lookups as the yardstick. Prints numbers only.
 * Usage: elf_lines_bench ELF [N]   (default 100000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "symbols/elf.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s ELF [N]\n", argv[0]);
        return 2;
    }
    long n = argc > 2 ? strtol(argv[2], NULL, 0) : 100000;
    if (n < 1) {
        fprintf(stderr, "bad N\n");
        return 2;
    }
    ds_error err;
    double t0 = now_ms();
    ds_elfsym *e = ds_elfsym_open(argv[1], &err);
    if (!e) {
        fprintf(stderr, "%s: %s\n", argv[1], err.text);
        return 1;
    }
    /* addresses inside the file's functions: from main's neighbourhood up */
    uint64_t lo = ds_elfsym_min_vaddr(e), span = 0x400000;
    uint64_t *va = malloc(sizeof *va * (size_t)n);
    if (!va)
        return 1;
    uint64_t x = 0x2545F4914F6CDD1Dull;
    for (long i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        va[i] = lo + x % span;
    }
    ds_srcloc loc;
    double t1 = now_ms();
    bool first = ds_elfsym_source(e, va[0], &loc);
    double t2 = now_ms();
    printf("elf:                   %s\n", argv[1]);
    printf("open:                  %.3f ms\n", t1 - t0);
    printf("first source lookup:   %.3f ms (index of every unit's lines; %s)\n", t2 - t1,
           first ? "a line" : "no line");
    char name[256];
    uint64_t start, size;
    long names = 0;
    double a = now_ms();
    for (long i = 0; i < n; i++)
        names += ds_elfsym_lookup(e, va[i], name, sizeof name, &start, &size);
    double b = now_ms();
    printf("name lookups:          %.3f us/lookup, %ld hits\n", (b - a) * 1e3 / (double)n, names);
    for (int pass = 0; pass < 2; pass++) {
        long lines = 0, inl = 0;
        a = now_ms();
        for (long i = 0; i < n; i++)
            if (ds_elfsym_source(e, va[i], &loc)) {
                lines++;
                inl += loc.n > 1;
            }
        b = now_ms();
        printf("source %s pass:      %.3f us/lookup, %ld with a line (%ld inlined)\n",
               pass ? "warm" : "cold", (b - a) * 1e3 / (double)n, lines, inl);
    }
    ds_elfsym_close(e);
    free(va);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak RSS:              %ld KiB\n", ru.ru_maxrss);
    return 0;
}
