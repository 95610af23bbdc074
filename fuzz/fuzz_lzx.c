/* The LZX decoder alone (src/io/lzx.c). Input: one byte choosing the window
 * (2^15..2^21), then frames, each a 16-bit compressed size, a 16-bit output
 * size (1..32768) and the compressed bytes. From the second frame on, a copy
 * of the state (a checkpoint) decodes the frame too and must agree. */
#include <stdlib.h>
#include <string.h>

#include "io/lzx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    ds_lzx *z = ds_lzx_new(DS_LZX_MIN_WINDOW_BITS + data[0] % 7);
    ds_lzx *cp = ds_lzx_new(DS_LZX_MIN_WINDOW_BITS + data[0] % 7);
    static uint8_t out[DS_LZX_FRAME], out2[DS_LZX_FRAME];
    size_t pos = 1;
    for (int frame = 0; z && cp && frame < 64 && size - pos >= 4; frame++) {
        size_t clen = (size_t)data[pos] | (size_t)data[pos + 1] << 8;
        size_t ulen = 1 + (((size_t)data[pos + 2] | (size_t)data[pos + 3] << 8) % DS_LZX_FRAME);
        pos += 4;
        if (clen > size - pos)
            clen = size - pos;
        if (frame > 0)
            ds_lzx_copy(cp, z);
        const char *why = ds_lzx_frame(z, data + pos, clen, out, ulen);
        if (frame > 0) {
            const char *why2 = ds_lzx_frame(cp, data + pos, clen, out2, ulen);
            if ((why == NULL) != (why2 == NULL) || (!why && memcmp(out, out2, ulen) != 0))
                abort(); /* a checkpoint must decode exactly like the original */
        }
        if (why)
            break;
        pos += clen;
    }
    ds_lzx_free(z);
    ds_lzx_free(cp);
    return 0;
}
