/* The --wrap half of tests/alloc_fail.h. */
#include "alloc_fail.h"

#include <stdlib.h>
#include <string.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);

static size_t fail_at, counted;
static bool fired;

void alloc_fail_arm(size_t n)
{
    fail_at = n;
    counted = 0;
    fired = false;
}

size_t alloc_fail_count(void)
{
    return counted;
}

bool alloc_fail_fired(void)
{
    return fired;
}

/* True when this allocation is the one to fail. */
static bool next_fails(void)
{
    if (++counted != fail_at)
        return false;
    fired = true;
    return true;
}

void *__wrap_malloc(size_t n)
{
    return next_fails() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
    return next_fails() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
    return next_fails() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
    return next_fails() ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
    return next_fails() ? NULL : __real_strndup(s, n);
}
