/* A tiny program whose DWARF test_elf_lines reads: lines_leaf is inlined
 * into lines_mid, inlined into lines_callee, which lines_outer calls. The
 * "@" comments mark the lines the test expects (it reads this file to find
 * their numbers). Built (never run) by tests/CMakeLists.txt, twice: with
 * the compiler's DWARF version and with DWARF 4. */
#include <stdio.h>

static inline __attribute__((always_inline)) void lines_leaf(volatile int *p)
{
    __asm__ volatile(".globl lines_marker\nlines_marker:"); *p += 42; /* @leaf */
}

static inline __attribute__((always_inline)) void lines_mid(volatile int *p)
{
    lines_leaf(p); /* @call_leaf */
    *p ^= 3;
}

__attribute__((noinline)) void lines_callee(volatile int *p)
{
    lines_mid(p); /* @call_mid */
    *p -= 1;
}

__attribute__((noinline)) int lines_outer(int x)
{
    volatile int v = x;
    lines_callee(&v); /* @call_callee */
    return v + 1;
}

int main(int argc, char **argv)
{
    (void)argv;
    printf("%d\n", lines_outer(argc));
    return 0;
}
