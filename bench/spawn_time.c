/*
 * Wall time of starting a command, against /bin/true in the same run:
 *   spawn_time N CMD [ARGS...]
 * Runs /bin/true and CMD alternately N times each (paired, so a burst of
 * load on this shared machine hits both alike), output to /dev/null, and
 * prints the medians and their ratio. Numbers only; nothing is asserted.
 */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double run_once(char **argv)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    pid_t pid;
    int status = -1;
    if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ) == 0)
        waitpid(pid, &status, 0);
    clock_gettime(CLOCK_MONOTONIC, &b);
    posix_spawn_file_actions_destroy(&fa);
    if (status != 0)
        fprintf(stderr, "spawn_time: %s exited with status %d\n", argv[0], status);
    return (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
}

static int cmp(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: spawn_time N CMD [ARGS...]\n");
        return 2;
    }
    int n = atoi(argv[1]);
    if (n < 1 || n > 100000)
        return 2;
    double *t = malloc(sizeof *t * (size_t)n), *c = malloc(sizeof *c * (size_t)n);
    if (!t || !c)
        return 1;
    char *yard[] = {"/bin/true", NULL};
    for (int i = 0; i < n; i++) {
        t[i] = run_once(yard);
        c[i] = run_once(argv + 2);
    }
    qsort(t, (size_t)n, sizeof *t, cmp);
    qsort(c, (size_t)n, sizeof *c, cmp);
    double mt = t[n / 2], mc = c[n / 2];
    printf("%-40s median %7.3f ms   /bin/true %6.3f ms   ratio %5.2f\n", argv[2], mc, mt,
           mc / mt);
    free(t);
    free(c);
    return 0;
}
