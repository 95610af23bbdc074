/* The gzip path: hostile deflate data behind a gzip magic, and valid gzip
 * of hostile dumps. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] & 1) { /* raw bytes after a gzip magic */
        uint8_t *f = malloc(size + 2);
        if (!f)
            return 0;
        f[0] = 0x1F, f[1] = 0x8B, f[2] = 8;
        memcpy(f + 3, data + 1, size - 1);
        fuzz_exercise(f, size + 2);
        free(f);
        return 0;
    }
    /* compress the rest as a real gzip member */
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return 0;
    uLong cap = deflateBound(&z, size) + 32;
    uint8_t *out = malloc(cap);
    if (out) {
        z.next_in = (Bytef *)(data + 1);
        z.avail_in = (uInt)(size - 1);
        z.next_out = out;
        z.avail_out = (uInt)cap;
        if (deflate(&z, Z_FINISH) == Z_STREAM_END)
            fuzz_exercise(out, cap - z.avail_out);
        free(out);
    }
    deflateEnd(&z);
    return 0;
}
