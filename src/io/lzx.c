/*
 * LZX decoder (doc/cab.md, "LZX"), written from the bit-stream description in
 * Microsoft's [MS-PATCH] "LZX DELTA Compression and Decompression" (the
 * cabinet variant: no reference data, block size always 24 bits).
 *
 * Bits come in 16-bit little-endian words, most significant bit first.
 * Huffman codes are canonical, at most 16 bits; a table over the first
 * FAST_BITS bits resolves short codes, longer ones are walked length by
 * length from the per-length counts.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "io/lzx.h"

enum { BLOCK_VERBATIM = 1, BLOCK_ALIGNED = 2, BLOCK_UNCOMPRESSED = 3 };

#define NUM_CHARS 256
#define MAX_SLOTS 50
#define MAIN_MAX (NUM_CHARS + 8 * MAX_SLOTS)
#define LENGTH_SYMS 249
#define ALIGNED_SYMS 8
#define PRETREE_SYMS 20
#define MAX_CODE 16
#define FAST_BITS 10
#define MIN_MATCH 2
#define E8_FRAMES 32768 /* translation covers the first 1 GiB of output */

typedef struct huff {
    uint16_t fast[1u << FAST_BITS]; /* symbol << 5 | length; 0: longer code */
    uint16_t count[MAX_CODE + 1];   /* codes of each length */
    uint16_t sorted[MAIN_MAX];      /* symbols by (length, symbol) */
    bool empty;                     /* no code at all: any use is an error */
} huff;

struct ds_lzx {
    /* everything up to `win` is plain data: a checkpoint is a memcpy */
    unsigned bits, nslots;
    uint32_t wsize;
    uint64_t total; /* bytes produced since the stream started */
    uint32_t r[3];  /* repeated offsets R0..R2 */
    bool header_done;
    uint32_t e8_size; /* E8 translation size, 0: no translation */
    int btype;
    uint32_t bremain, blen;
    bool pad_pending; /* an odd uncompressed block's pad byte is still to skip */
    uint8_t main_len[MAIN_MAX], length_len[LENGTH_SYMS], aligned_len[ALIGNED_SYMS];
    huff main, length, aligned;
    uint8_t *win;
};

/* Extra offset bits of every position slot: 0 for slots 0..3, then
 * (slot - 2) / 2 up to 17; and each slot's base formatted offset, the sum of
 * 2^bits of the slots before it. */
static const uint8_t slot_bits[MAX_SLOTS] = {
    0,  0,  0,  0,  1,  1,  2,  2,  3,  3,  4,  4,  5,  5,  6,  6,  7,
    7,  8,  8,  9,  9,  10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15,
    16, 16, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17};
static const uint32_t slot_base[MAX_SLOTS] = {
    0,       1,       2,       3,       4,       6,       8,       12,      16,      24,
    32,      48,      64,      96,      128,     192,     256,     384,     512,     768,
    1024,    1536,    2048,    3072,    4096,    6144,    8192,    12288,   16384,   24576,
    32768,   49152,   65536,   98304,   131072,  196608,  262144,  393216,  524288,  655360,
    786432,  917504,  1048576, 1179648, 1310720, 1441792, 1572864, 1703936, 1835008, 1966080};

/* Position slots of each window size 2^15..2^21. */
static const uint8_t slots_for_bits[] = {30, 32, 34, 36, 38, 42, 50};

size_t ds_lzx_footprint(unsigned window_bits)
{
    return sizeof(ds_lzx) + ((size_t)1 << window_bits);
}

ds_lzx *ds_lzx_new(unsigned window_bits)
{
    if (window_bits < DS_LZX_MIN_WINDOW_BITS || window_bits > DS_LZX_MAX_WINDOW_BITS)
        return NULL;
    ds_lzx *z = calloc(1, sizeof *z);
    if (!z)
        return NULL;
    z->bits = window_bits;
    z->wsize = 1u << window_bits;
    z->nslots = slots_for_bits[window_bits - DS_LZX_MIN_WINDOW_BITS];
    z->win = calloc(1, z->wsize);
    if (!z->win) {
        free(z);
        return NULL;
    }
    ds_lzx_reset(z);
    return z;
}

void ds_lzx_free(ds_lzx *z)
{
    if (z) {
        free(z->win);
        free(z);
    }
}

void ds_lzx_reset(ds_lzx *z)
{
    z->total = 0;
    z->r[0] = z->r[1] = z->r[2] = 1;
    z->header_done = false;
    z->e8_size = 0;
    z->btype = 0;
    z->bremain = z->blen = 0;
    z->pad_pending = false;
    memset(z->main_len, 0, sizeof z->main_len);
    memset(z->length_len, 0, sizeof z->length_len);
    memset(z->aligned_len, 0, sizeof z->aligned_len);
    z->main.empty = z->length.empty = z->aligned.empty = true;
}

unsigned ds_lzx_window_bits(const ds_lzx *z)
{
    return z->bits;
}

bool ds_lzx_copy(ds_lzx *dst, const ds_lzx *src)
{
    if (dst->bits != src->bits)
        return false;
    uint8_t *win = dst->win;
    memcpy(dst, src, sizeof *dst);
    dst->win = win;
    memcpy(dst->win, src->win, src->wsize);
    return true;
}

/* ------------------------------------------------------------ bits */

typedef struct bitin {
    const uint8_t *p;
    size_t n, pos;  /* pos runs past n: missing words read as zeros */
    uint64_t buf;   /* unread bits, left-aligned */
    unsigned cnt;
} bitin;

static void refill(bitin *b)
{
    while (b->cnt <= 48) {
        uint32_t w = 0;
        if (b->pos < b->n)
            w = b->p[b->pos];
        if (b->pos + 1 < b->n)
            w |= (uint32_t)b->p[b->pos + 1] << 8;
        b->pos += 2;
        b->buf |= (uint64_t)w << (48 - b->cnt);
        b->cnt += 16;
    }
}

static uint32_t getbits(bitin *b, unsigned n)
{
    if (n == 0)
        return 0;
    refill(b);
    uint32_t v = (uint32_t)(b->buf >> (64 - n));
    b->buf <<= n;
    b->cnt -= n;
    return v;
}

/* Whether more bits were taken than the block holds. */
static bool overread(const bitin *b)
{
    return b->pos * 8 - b->cnt > b->n * 8;
}

/* ----------------------------------------------------------- trees */

/* Build h from lens[0..n). false when the lengths over-subscribe the code
 * space; an incomplete code is accepted (its unused codes fail to decode). */
static bool huff_build(huff *h, const uint8_t *lens, unsigned n)
{
    memset(h->count, 0, sizeof h->count);
    for (unsigned s = 0; s < n; s++)
        h->count[lens[s]]++;
    h->count[0] = 0;
    int left = 1;
    for (unsigned l = 1; l <= MAX_CODE; l++) {
        left = left * 2 - h->count[l];
        if (left < 0)
            return false;
    }
    h->empty = left == 1 << MAX_CODE;
    uint16_t offs[MAX_CODE + 2];
    offs[1] = 0;
    for (unsigned l = 1; l <= MAX_CODE; l++)
        offs[l + 1] = (uint16_t)(offs[l] + h->count[l]);
    for (unsigned s = 0; s < n; s++)
        if (lens[s])
            h->sorted[offs[lens[s]]++] = (uint16_t)s;
    memset(h->fast, 0, sizeof h->fast);
    uint32_t code = 0;
    unsigned idx = 0;
    for (unsigned l = 1; l <= FAST_BITS; l++) {
        for (unsigned k = 0; k < h->count[l]; k++, code++, idx++) {
            uint32_t first = code << (FAST_BITS - l), span = 1u << (FAST_BITS - l);
            for (uint32_t e = 0; e < span; e++)
                h->fast[first + e] = (uint16_t)(h->sorted[idx] << 5 | l);
        }
        code <<= 1;
    }
    return true;
}

/* The next symbol, or -1 for a code the tree does not have. */
static int decode(bitin *b, const huff *h)
{
    refill(b);
    uint32_t peek = (uint32_t)(b->buf >> 48);
    uint16_t e = h->fast[peek >> (16 - FAST_BITS)];
    if (e) {
        b->buf <<= e & 31;
        b->cnt -= e & 31;
        return e >> 5;
    }
    /* walk the canonical code one length at a time */
    int32_t code = 0, first = 0, index = 0;
    for (unsigned l = 1; l <= MAX_CODE; l++) {
        code |= (int32_t)((peek >> (16 - l)) & 1);
        int32_t count = h->count[l];
        if (code - first < count) {
            b->buf <<= l;
            b->cnt -= l;
            return h->sorted[index + code - first];
        }
        index += count;
        first = (first + count) << 1;
        code <<= 1;
    }
    return -1;
}

/* Lengths lens[first..last) through a pretree, as deltas from their
 * previous values (runs of zeros, runs of one value). */
static const char *read_lengths(bitin *b, uint8_t *lens, unsigned first, unsigned last)
{
    uint8_t pl[PRETREE_SYMS];
    huff pre;
    for (unsigned i = 0; i < PRETREE_SYMS; i++)
        pl[i] = (uint8_t)getbits(b, 4);
    if (!huff_build(&pre, pl, PRETREE_SYMS))
        return "bad pretree";
    for (unsigned i = first; i < last;) {
        int z = decode(b, &pre);
        unsigned run = 1;
        uint8_t v;
        if (z < 0) {
            return "bad pretree code";
        } else if (z == 17) {
            run = 4 + getbits(b, 4), v = 0;
        } else if (z == 18) {
            run = 20 + getbits(b, 5), v = 0;
        } else if (z == 19) {
            run = 4 + getbits(b, 1);
            int d = decode(b, &pre);
            if (d < 0 || d > 16)
                return "bad pretree code";
            v = (uint8_t)((lens[i] + 17 - d) % 17);
        } else {
            v = (uint8_t)((lens[i] + 17 - z) % 17);
        }
        if (run > last - i)
            return "tree length run past its end";
        memset(lens + i, v, run);
        i += run;
        if (overread(b))
            return "truncated tree";
    }
    return NULL;
}

static const char *read_trees(ds_lzx *z, bitin *b, int type)
{
    if (type == BLOCK_ALIGNED) {
        for (unsigned i = 0; i < ALIGNED_SYMS; i++)
            z->aligned_len[i] = (uint8_t)getbits(b, 3);
        if (!huff_build(&z->aligned, z->aligned_len, ALIGNED_SYMS))
            return "bad aligned offset tree";
    }
    const char *why;
    unsigned nmain = NUM_CHARS + 8 * z->nslots;
    if ((why = read_lengths(b, z->main_len, 0, NUM_CHARS)) ||
        (why = read_lengths(b, z->main_len, NUM_CHARS, nmain)))
        return why;
    if (!huff_build(&z->main, z->main_len, nmain))
        return "bad main tree";
    if ((why = read_lengths(b, z->length_len, 0, LENGTH_SYMS)))
        return why;
    if (!huff_build(&z->length, z->length_len, LENGTH_SYMS))
        return "bad length tree";
    return NULL;
}

/* ---------------------------------------------------------- frames */

/* Undo the encoder's E8 translation on one frame of output. */
static void e8_undo(uint8_t *p, size_t len, uint64_t frame_start, uint32_t size)
{
    int64_t fs = (int32_t)size;
    for (size_t i = 0; i + 10 < len;) {
        if (p[i] != 0xE8) {
            i++;
            continue;
        }
        int64_t cur = (int64_t)(frame_start + i);
        int64_t abs = (int32_t)((uint32_t)p[i + 1] | (uint32_t)p[i + 2] << 8 |
                                (uint32_t)p[i + 3] << 16 | (uint32_t)p[i + 4] << 24);
        if (abs >= -cur && abs < fs) {
            uint32_t rel = (uint32_t)(abs >= 0 ? abs - cur : abs + fs);
            p[i + 1] = (uint8_t)rel;
            p[i + 2] = (uint8_t)(rel >> 8);
            p[i + 3] = (uint8_t)(rel >> 16);
            p[i + 4] = (uint8_t)(rel >> 24);
        }
        i += 5;
    }
}

/* A new block header; the stream is in bit mode. */
static const char *block_header(ds_lzx *z, bitin *b, size_t *bpos, bool *bytes)
{
    int type = (int)getbits(b, 3);
    uint32_t size = getbits(b, 8) << 16;
    size |= getbits(b, 16);
    if (overread(b))
        return "truncated block header";
    if (type == BLOCK_VERBATIM || type == BLOCK_ALIGNED) {
        const char *why = read_trees(z, b, type);
        if (why)
            return why;
    } else if (type == BLOCK_UNCOMPRESSED) {
        /* 1..16 bits of padding to the next 16-bit boundary */
        refill(b);
        unsigned drop = b->cnt % 16 ? b->cnt % 16 : 16;
        b->buf <<= drop;
        b->cnt -= drop;
        size_t at = b->pos - b->cnt / 8;
        if (at > b->n || b->n - at < 12)
            return "truncated uncompressed block header";
        for (int k = 0; k < 3; k++, at += 4)
            z->r[k] = (uint32_t)b->p[at] | (uint32_t)b->p[at + 1] << 8 |
                      (uint32_t)b->p[at + 2] << 16 | (uint32_t)b->p[at + 3] << 24;
        *bpos = at;
        *bytes = true;
    } else {
        return "invalid block type";
    }
    z->btype = type;
    z->bremain = z->blen = size;
    return NULL;
}

/* Decode `run` bytes of the current compressed block into the window. */
static const char *decode_run(ds_lzx *z, bitin *b, uint32_t run)
{
    const uint32_t mask = z->wsize - 1;
    uint32_t pos = (uint32_t)(z->total & mask);
    uint64_t total = z->total;
    bool aligned = z->btype == BLOCK_ALIGNED;
    while (run > 0) {
        int sym = decode(b, &z->main);
        if (sym < 0)
            return "bad main tree code";
        if (sym < NUM_CHARS) {
            z->win[pos] = (uint8_t)sym;
            pos = (pos + 1) & mask;
            total++;
            run--;
            continue;
        }
        sym -= NUM_CHARS;
        uint32_t len = (uint32_t)sym & 7;
        if (len == 7) {
            int extra = decode(b, &z->length);
            if (extra < 0)
                return "bad length tree code";
            len += (uint32_t)extra;
        }
        len += MIN_MATCH;
        unsigned slot = (unsigned)sym >> 3;
        uint32_t off;
        if (slot < 3) {
            off = z->r[slot];
            z->r[slot] = z->r[0];
            z->r[0] = off;
        } else {
            unsigned nb = slot_bits[slot];
            uint32_t v;
            if (aligned && nb >= 3) {
                v = getbits(b, nb - 3) << 3;
                int a = decode(b, &z->aligned);
                if (a < 0)
                    return "bad aligned offset code";
                v += (uint32_t)a;
            } else {
                v = getbits(b, nb);
            }
            off = slot_base[slot] - 2 + v;
            z->r[2] = z->r[1];
            z->r[1] = z->r[0];
            z->r[0] = off;
        }
        if (len > run)
            return "match runs past its block or frame";
        if (off == 0 || off > total || off > z->wsize)
            return "match offset before the start of the data";
        uint32_t src = (pos - off) & mask;
        for (uint32_t k = 0; k < len; k++) {
            z->win[pos] = z->win[src];
            pos = (pos + 1) & mask;
            src = (src + 1) & mask;
        }
        total += len;
        run -= len;
    }
    z->total = total;
    return overread(b) ? "truncated block" : NULL;
}

const char *ds_lzx_frame(ds_lzx *z, const uint8_t *in, size_t in_len, uint8_t *out,
                         size_t out_len)
{
    if (out_len == 0 || out_len > DS_LZX_FRAME)
        return "frame size not 1..32768";
    bitin b = {.p = in, .n = in_len};
    bool bytes = z->btype == BLOCK_UNCOMPRESSED && z->bremain > 0;
    size_t bpos = 0; /* input position while in an uncompressed block */
    if (z->pad_pending && z->bremain == 0) {
        b.pos = 1; /* the pad of an odd uncompressed block ended by the last frame */
        z->pad_pending = false;
    }
    if (!z->header_done) {
        if (getbits(&b, 1)) {
            uint32_t hi = getbits(&b, 16);
            z->e8_size = hi << 16 | getbits(&b, 16);
        }
        z->header_done = true;
    }
    const uint64_t start = z->total;
    const uint32_t mask = z->wsize - 1;
    uint32_t want = (uint32_t)out_len;
    while (want > 0) {
        const char *why;
        if (z->bremain == 0 && (why = block_header(z, &b, &bpos, &bytes)))
            return overread(&b) ? "truncated block" : why;
        uint32_t run = z->bremain < want ? z->bremain : want;
        if (bytes) {
            if (in_len - bpos < run)
                return "truncated uncompressed block";
            for (uint32_t k = 0; k < run;) {
                uint32_t at = (uint32_t)(z->total & mask), piece = z->wsize - at;
                if (piece > run - k)
                    piece = run - k;
                memcpy(z->win + at, in + bpos + k, piece);
                z->total += piece;
                k += piece;
            }
            bpos += run;
            if (z->bremain == run) {
                /* back to bits after the block (and its pad byte when odd) */
                if (z->blen & 1) {
                    if (bpos < in_len)
                        bpos++;
                    else
                        z->pad_pending = true;
                }
                b = (bitin){.p = in, .n = in_len, .pos = bpos};
                bytes = false;
            }
        } else if ((why = decode_run(z, &b, run))) {
            /* past the end of the input any error is the cut's doing */
            return overread(&b) ? "truncated block" : why;
        }
        z->bremain -= run;
        want -= run;
    }
    uint32_t at = (uint32_t)(start & mask), first = z->wsize - at;
    if (first > out_len)
        first = (uint32_t)out_len;
    memcpy(out, z->win + at, first);
    memcpy(out + first, z->win, out_len - first);
    if (z->e8_size && start / DS_LZX_FRAME < E8_FRAMES)
        e8_undo(out, out_len, start, z->e8_size);
    return NULL;
}
