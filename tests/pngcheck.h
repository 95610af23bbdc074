/* Is a PNG screenshot blank? Decodes 8-bit RGB/RGBA PNGs (what Chromium
 * writes) with zlib and counts the pixels that differ from the first one. */
#ifndef DS_TESTS_PNGCHECK_H
#define DS_TESTS_PNGCHECK_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static uint32_t png_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int png_paeth(int a, int b, int c)
{
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* Pixels differing from the top-left one, or -1 when not a PNG we read. */
static long png_distinct_pixels(const unsigned char *f, size_t len, uint32_t *w_out,
                                uint32_t *h_out)
{
    if (len < 33 || memcmp(f, "\x89PNG\r\n\x1a\n", 8) != 0 || memcmp(f + 12, "IHDR", 4) != 0)
        return -1;
    uint32_t w = png_be32(f + 16), h = png_be32(f + 20);
    int depth = f[24], ctype = f[25];
    unsigned bpp = ctype == 6 ? 4 : ctype == 2 ? 3 : 0;
    if (depth != 8 || !bpp || f[28] != 0 || w == 0 || h == 0 || w > 20000 || h > 20000)
        return -1;
    unsigned char *z = malloc(len);
    size_t zl = 0;
    for (size_t o = 8; z && o + 12 <= len;) {
        uint32_t n = png_be32(f + o);
        if (n > len - o - 12)
            break;
        if (memcmp(f + o + 4, "IDAT", 4) == 0) {
            memcpy(z + zl, f + o + 8, n);
            zl += n;
        }
        o += 12 + (size_t)n;
    }
    size_t stride = (size_t)w * bpp, raw_len = (stride + 1) * h;
    unsigned char *raw = malloc(raw_len);
    uLongf got = (uLongf)raw_len;
    long distinct = -1;
    if (z && raw && uncompress(raw, &got, z, (uLong)zl) == Z_OK && got == raw_len) {
        unsigned char *prev = NULL;
        for (uint32_t y = 0; y < h; y++) {
            unsigned char *row = raw + y * (stride + 1) + 1;
            int ft = row[-1];
            for (size_t x = 0; x < stride; x++) {
                int a = x >= bpp ? row[x - bpp] : 0, b = prev ? prev[x] : 0;
                int c = prev && x >= bpp ? prev[x - bpp] : 0;
                int add = ft == 1 ? a : ft == 2 ? b : ft == 3 ? (a + b) / 2
                        : ft == 4 ? png_paeth(a, b, c) : 0;
                row[x] = (unsigned char)(row[x] + add);
            }
            prev = row;
        }
        distinct = 0;
        const unsigned char *p0 = raw + 1;
        for (uint32_t y = 0; y < h; y++)
            for (uint32_t x = 0; x < w; x++)
                distinct += memcmp(raw + y * (stride + 1) + 1 + (size_t)x * bpp, p0, 3) != 0;
    }
    free(z);
    free(raw);
    *w_out = w;
    *h_out = h;
    return distinct;
}

#endif
