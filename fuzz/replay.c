/*
 * Replays saved inputs through a libFuzzer harness without libFuzzer, so the
 * regular test build (gcc, ASan+UBSan) runs every crasher ever found as a
 * ctest. Arguments are files or folders (one level deep). A crash, leak or
 * UB report is the failure; exit 0 means every input ran clean.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Inputs bigger than this are not fuzzer findings: refuse, don't guess. */
#define REPLAY_MAX_INPUT (64u << 20)

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return 1;
    }
    uint8_t *buf = malloc(REPLAY_MAX_INPUT);
    size_t n = buf ? fread(buf, 1, REPLAY_MAX_INPUT, f) : 0;
    int extra = buf ? fgetc(f) : EOF;
    fclose(f);
    if (!buf || extra != EOF) {
        fprintf(stderr, "replay: %s: %s\n", path, buf ? "larger than 64 MiB" : "out of memory");
        free(buf);
        return 1;
    }
    /* A copy of exactly n bytes, so ASan sees reads past the input's end. */
    uint8_t *data = malloc(n ? n : 1);
    if (!data) {
        free(buf);
        return 1;
    }
    memcpy(data, buf, n);
    free(buf);
    fprintf(stderr, "replay: %s (%zu bytes)\n", path, n);
    LLVMFuzzerTestOneInput(data, n);
    free(data);
    return 0;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Files of a folder, in name order so a failure is reproducible. */
static int run_dir(const char *dir, unsigned *count)
{
    DIR *d = opendir(dir);
    if (!d)
        return 1;
    char **names = NULL;
    size_t n = 0, cap = 0;
    int bad = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **grown = realloc(names, cap * sizeof *names);
            if (!grown) {
                bad = 1;
                break;
            }
            names = grown;
        }
        size_t len = strlen(dir) + strlen(de->d_name) + 2;
        if ((names[n] = malloc(len)) == NULL) {
            bad = 1;
            break;
        }
        snprintf(names[n++], len, "%s/%s", dir, de->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp);
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (!bad && stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) {
            bad |= run_file(names[i]);
            (*count)++;
        }
        free(names[i]);
    }
    free(names);
    return bad;
}

int main(int argc, char **argv)
{
    unsigned count = 0;
    int bad = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0)
            continue; /* an absent folder (no findings yet, no corpus) */
        if (S_ISDIR(st.st_mode)) {
            bad |= run_dir(argv[i], &count);
        } else {
            bad |= run_file(argv[i]);
            count++;
        }
    }
    printf("replay: %u inputs, %s\n", count, bad ? "FAILED" : "all clean");
    return bad;
}
