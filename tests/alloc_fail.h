/*
 * Fault injection for tests: the test executable links with
 *   -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup,--wrap=strndup
 * so every allocation the statically linked library makes goes through
 * tests/alloc_fail.c, which can fail the Nth one (counting from 1).
 * Allocations inside shared libraries (jansson, zlib, capstone, libc itself)
 * are not counted: only dumpscan's own error paths are exercised.
 */
#ifndef DS_TESTS_ALLOC_FAIL_H
#define DS_TESTS_ALLOC_FAIL_H

#include <stdbool.h>
#include <stddef.h>

/* Start counting from zero; fail allocation number n (0: never fail). */
void alloc_fail_arm(size_t n);
/* Allocations counted since the last alloc_fail_arm. */
size_t alloc_fail_count(void);
/* Whether the armed allocation was reached (and so failed). */
bool alloc_fail_fired(void);

#endif
