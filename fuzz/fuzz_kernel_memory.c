/*
 * Kernel header + physical map + page tables. The first bytes choose width,
 * machine, DumpType and the directory table base; the rest of the input is
 * the file from the end of the header on, so mutations land in run lists,
 * bitmaps, range tables and page-table pages instead of in the header.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

static const uint32_t types[] = {1, 2, 5, 6, 7, 8, 9, 10};
static const struct {
    int wide;
    uint32_t machine;
} arches[] = {{1, 0x8664}, {1, 0xAA64}, {0, 0x14C}, {0, 0x14C}};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 24)
        return 0;
    int a = data[0] & 3;
    uint32_t type = types[data[1] & 7];
    size_t hsize = arches[a].wide ? 0x2000 : 0x1000;
    uint8_t *file = malloc(hsize + size - 24);
    if (!file)
        return 0;
    fuzz_kernel_header(file, hsize, arches[a].wide, arches[a].machine, type);
    /* DTB, PsLoadedModuleList, run-list head: from the input */
    memcpy(file + 0x10, data + 2, arches[a].wide ? 8 : 4);
    memcpy(file + (arches[a].wide ? 0x20 : 0x18), data + 10, arches[a].wide ? 8 : 4);
    memcpy(file + (arches[a].wide ? 0x88 : 0x64), data + 18, 4);
    if (!arches[a].wide)
        file[0x5C] = a == 3; /* PAE */
    memcpy(file + hsize, data + 24, size - 24);
    fuzz_exercise(file, hsize + size - 24);
    free(file);
    return 0;
}
