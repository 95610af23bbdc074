/* A tiny program whose ELF file test_elf_unwind reads: two functions with
 * frame pointers, elf_sample_f calling elf_sample_g, so .symtab and
 * .eh_frame describe both. Built (never run) by tests/CMakeLists.txt. */
#include <stdio.h>

__attribute__((noinline)) int elf_sample_g(volatile int *p)
{
    volatile int local[4] = {1, 2, 3, 4};
    return *p + local[*p & 3];
}

__attribute__((noinline)) int elf_sample_f(int x)
{
    volatile int v = x;
    return elf_sample_g(&v) + 1;
}

int main(int argc, char **argv)
{
    (void)argv;
    printf("%d\n", elf_sample_f(argc));
    return 0;
}
