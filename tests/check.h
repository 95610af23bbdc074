/*
 * Minimal test harness: CHECK-style assertions that count instead of abort,
 * and a closing line "N passed, N failed" that CI reads. A test program
 * returns 77 (ctest's skip code) when its input, such as the shared corpus,
 * is absent.
 */
#ifndef DS_TESTS_CHECK_H
#define DS_TESTS_CHECK_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int check_passed, check_failed;

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (cond)                                                                    \
            check_passed++;                                                          \
        else {                                                                       \
            check_failed++;                                                          \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                            \
    } while (0)

/* A ds_u64 / ds_i64 that is known and equals b. */
#define CHECK_KNOWN(a, b)                                                            \
    do {                                                                             \
        bool k_ = (a).known;                                                         \
        uint64_t a_ = (uint64_t)(a).value, b_ = (uint64_t)(b);                       \
        if (k_ && a_ == b_)                                                          \
            check_passed++;                                                          \
        else {                                                                       \
            check_failed++;                                                          \
            fprintf(stderr, "%s:%d: %s == %s failed: %s0x%" PRIx64 " != 0x%" PRIx64 "\n", \
                    __FILE__, __LINE__, #a, #b, k_ ? "" : "unknown ", a_, b_);       \
        }                                                                            \
    } while (0)

#define CHECK_EQ_U64(a, b)                                                           \
    do {                                                                             \
        uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);                             \
        if (a_ == b_)                                                                \
            check_passed++;                                                          \
        else {                                                                       \
            check_failed++;                                                          \
            fprintf(stderr, "%s:%d: %s == %s failed: 0x%" PRIx64 " != 0x%" PRIx64 "\n", \
                    __FILE__, __LINE__, #a, #b, a_, b_);                             \
        }                                                                            \
    } while (0)

#define CHECK_STR(a, b)                                                              \
    do {                                                                             \
        const char *a_ = (a), *b_ = (b);                                             \
        if (a_ && b_ && strcmp(a_, b_) == 0)                                         \
            check_passed++;                                                          \
        else {                                                                       \
            check_failed++;                                                          \
            fprintf(stderr, "%s:%d: %s == %s failed: \"%s\" != \"%s\"\n", __FILE__,  \
                    __LINE__, #a, #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)");       \
        }                                                                            \
    } while (0)

/* Path of a file in the shared corpus, or NULL when the corpus is absent. */
static inline const char *corpus_path(const char *rel, char *buf, size_t len)
{
    const char *root = getenv("DS_CORPUS");
    if (!root || !*root)
        root = DS_CORPUS_DIR; /* set by tests/CMakeLists.txt */
    snprintf(buf, len, "%s/%s", root, rel);
    struct stat st;
    return stat(buf, &st) == 0 ? buf : NULL;
}

#define CHECK_SKIP 77

/* A whole file in a new buffer (NULL when unreadable or empty). */
static inline uint8_t *check_slurp(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    uint8_t *b = NULL;
    long n = -1;
    if (f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0)
        b = malloc((size_t)n);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    if (f)
        fclose(f);
    *size = b ? (size_t)n : 0;
    return b;
}

/* Print the closing line and return the process status. */
static inline int check_report(const char *name)
{
    printf("%s: %d passed, %d failed\n", name, check_passed, check_failed);
    return check_failed ? 1 : 0;
}

#endif
