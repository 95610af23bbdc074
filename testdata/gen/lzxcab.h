/*
 * lzxcab: a small LZX encoder and cabinet writer, for tests only.
 *
 * Independent of the decoder in src/ (it never links src/): written from the
 * format description in doc/cab.md, and every cabinet it makes in the tests
 * is checked by Debian's cabextract first, so a shared misreading of the
 * format shows up as a cabextract failure rather than as agreement.
 *
 * One folder holds all members. The folder's data is cut into LZX blocks of
 * `block_size` bytes whose kinds cycle through `kinds` ('u' uncompressed,
 * 'v' verbatim, 'a' aligned offset); compressed blocks use greedy matching
 * with the three repeated offsets, matches reaching back across frames and
 * CFDATA blocks (never crossing a frame end). Each 32 KiB frame is one
 * CFDATA block.
 */
#ifndef LZXCAB_H
#define LZXCAB_H

#include <stddef.h>
#include <stdint.h>

typedef struct lzxcab_member {
    const char *name;
    const uint8_t *data;
    size_t len;
} lzxcab_member;

/* Deliberate damage, for hostile-input tests. */
enum {
    LZXCAB_OK = 0,
    LZXCAB_BAD_TREE,      /* the first block's main tree over-subscribes its code */
    LZXCAB_FAR_MATCH,     /* the first new-offset match reaches before the data */
    LZXCAB_BAD_BLOCKTYPE  /* the first block header says type 0 */
};

typedef struct lzxcab_opts {
    unsigned window_bits; /* 15..21 */
    const char *kinds;    /* block kinds cycled, e.g. "vau"; NULL: "v" */
    size_t block_size;    /* bytes per LZX block; 0: 100000 */
    uint32_t e8_size;     /* E8 translation size written in the header; 0: none */
    int damage;           /* LZXCAB_* */
} lzxcab_opts;

/* The cabinet's bytes (malloc'd, *len set), or NULL (out of memory, a
 * compressed frame over 65535 bytes, bad options). */
uint8_t *lzxcab_write(const lzxcab_member *m, size_t n, const lzxcab_opts *o, size_t *len);

/* A cabinet of one member `name` from an LZX stream made by hand: frame k is
 * stream[cuts[k-1]..cuts[k]) (cuts[-1] = 0), 32 KiB of output each but the
 * last (last_out bytes). For placements the encoder never makes. */
uint8_t *lzxcab_frames(const char *name, unsigned window_bits, const uint8_t *stream,
                       const size_t *cuts, size_t nframes, size_t last_out, size_t *len);

/* One cabinet with the folders of n cabinets made by lzxcab_write (each
 * keeping its members and window size), in order. */
uint8_t *lzxcab_join(uint8_t *const *cabs, const size_t *lens, size_t n, size_t *len);

#endif
