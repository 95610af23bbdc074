/* A tiny program whose DWARF test_elf_lines reads: lines_leaf is inlined
 * into lines_mid, inlined into lines_callee, which lines_outer calls;
 * lines_leaf2 is inlined into lines_split, whose code is split in two. The
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

/* lines_split has a cold part (lines_split.cold): its addresses are a
 * range list (DW_AT_ranges), not a low/high pc pair. */
static inline __attribute__((always_inline)) void lines_leaf2(volatile int *p)
{
    __asm__ volatile(".globl lines_marker2\nlines_marker2:"); *p += 7; /* @leaf2 */
}

static inline __attribute__((always_inline)) void lines_leaf3(volatile int *p)
{
    *p *= 3;
}

__attribute__((noinline, cold)) void lines_cold(volatile int *p)
{
    *p = 0;
}

__attribute__((noinline)) int lines_split(volatile int *p, int x)
{
    if (__builtin_expect(x == 12345, 0)) {
        lines_cold(p);
        lines_leaf3(p + 1);
        lines_cold(p + 2);
    }
    lines_leaf2(p); /* @call_leaf2 */
    return *p;
}

int main(int argc, char **argv)
{
    volatile int a[4] = {0};
    (void)argv;
    printf("%d %d\n", lines_outer(argc), lines_split(a, argc));
    return 0;
}
