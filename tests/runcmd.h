/* Running the dumpscan binary from a test: a shell command's stdout and exit
 * status, and small file helpers. */
#ifndef DS_TESTS_RUNCMD_H
#define DS_TESTS_RUNCMD_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

/* All of a stream into a NUL-terminated buffer (caller frees); NULL on OOM. */
__attribute__((unused)) static char *read_all(FILE *f, size_t *len)
{
    size_t cap = 1 << 16, n = 0, got;
    char *b = malloc(cap);
    while (b && (got = fread(b + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n < 4096) {
            char *nb = realloc(b, cap * 2);
            if (!nb) {
                free(b);
                return NULL;
            }
            b = nb;
            cap *= 2;
        }
    }
    if (b)
        b[n] = '\0';
    if (len)
        *len = n;
    return b;
}

/* Run a shell command; its stdout into *out (caller frees); exit status or -1. */
static int run_cmd(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

__attribute__((unused)) static int run_cmd(char **out, const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    FILE *p = popen(cmd, "r");
    *out = p ? read_all(p, NULL) : NULL;
    if (!p)
        return -1;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Whole file into a NUL-terminated buffer (caller frees), NULL if unreadable. */
__attribute__((unused)) static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *b = read_all(f, len);
    fclose(f);
    return b;
}

/* Number of times needle occurs in hay. */
__attribute__((unused)) static size_t count_of(const char *hay, const char *needle)
{
    size_t n = 0, l = strlen(needle);
    for (const char *p = hay; p && (p = strstr(p, needle)) != NULL; p += l)
        n++;
    return n;
}

#endif
