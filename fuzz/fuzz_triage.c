/* Triage dumps: a fixed x64 or x86 header, the input from the triage header
 * on (its offsets are file offsets, so they point into the input). */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int wide = !(data[0] & 1);
    size_t hsize = wide ? 0x2000 : 0x1000;
    uint8_t *file = malloc(hsize + size - 1);
    if (!file)
        return 0;
    fuzz_kernel_header(file, hsize, wide, wide ? 0x8664 : 0x14C, 4);
    memcpy(file + hsize, data + 1, size - 1);
    fuzz_exercise(file, hsize + size - 1);
    free(file);
    return 0;
}
