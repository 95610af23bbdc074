/*
 * The MDMP reader: a valid header and a directory of stream types chosen by
 * the input, each stream's size and location inside the input, so mutations
 * reach every stream parser instead of dying at the signature.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

/* Streams worth reaching: lists, exception, system info, misc, extensions. */
static const uint32_t types[] = {3, 4, 5, 6, 7, 8, 9, 14, 15, 16, 17, 24,
                                 0x47670001, 0x47670005, 0x47670009, 0x43500001};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    unsigned n = data[0] % 12 + 1;
    size_t dir = 32, body = dir + 12u * n, total = body + size - 1;
    uint8_t *f = calloc(1, total);
    if (!f)
        return 0;
    uint32_t hdr[4] = {0x504D444Du, 0xA793u, n, (uint32_t)dir};
    memcpy(f, hdr, sizeof hdr);
    memcpy(f + body, data + 1, size - 1);
    /* stream i: its type from a table, its bytes a slice of the input */
    size_t slice = (size - 1) / n;
    for (unsigned i = 0; i < n; i++) {
        uint32_t e[3] = {types[(data[1 + (i % (size - 1))] + i) % 16], (uint32_t)slice,
                         (uint32_t)(body + i * slice)};
        memcpy(f + dir + 12u * i, e, sizeof e);
    }
    fuzz_exercise(f, total);
    free(f);
    return 0;
}
