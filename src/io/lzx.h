/*
 * LZX decoder for cabinet folders (doc/cab.md, "LZX").
 *
 * A folder is one LZX stream cut into frames of 32 KiB of output, one frame
 * per CFDATA block; the bit stream restarts at each block (the encoder pads
 * every frame to 16 bits). What carries over from frame to frame is the
 * decoder's state: the window (2^15..2^21 bytes), the repeated offsets, the
 * previous tree lengths and the block being decoded. A ds_lzx holds exactly
 * that, so a copy of it (ds_lzx_copy) is a checkpoint to resume from.
 *
 * The input is hostile: every length, tree, offset and match is checked, a
 * frame never writes more than its stated size, and an error leaves the
 * state unusable (ds_lzx_reset or a copy from a checkpoint before reuse).
 */
#ifndef DS_IO_LZX_H
#define DS_IO_LZX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DS_LZX_FRAME 32768u
#define DS_LZX_MIN_WINDOW_BITS 15
#define DS_LZX_MAX_WINDOW_BITS 21

typedef struct ds_lzx ds_lzx;

/* A decoder for a window of 2^window_bits bytes (15..21), reset. NULL when
 * window_bits is out of range or memory runs out. */
ds_lzx *ds_lzx_new(unsigned window_bits);
void ds_lzx_free(ds_lzx *z);
/* Back to the start of a stream. */
void ds_lzx_reset(ds_lzx *z);
unsigned ds_lzx_window_bits(const ds_lzx *z);
/* Bytes a ds_lzx of this window holds (for memory budgets). */
size_t ds_lzx_footprint(unsigned window_bits);
/* Make dst a copy of src; false (dst unchanged) when their windows differ. */
bool ds_lzx_copy(ds_lzx *dst, const ds_lzx *src);

/* Decode the next frame: in/in_len is the frame's compressed bytes (one
 * CFDATA block), out receives out_len (1..DS_LZX_FRAME) bytes. NULL on
 * success, else a short reason (static text). */
const char *ds_lzx_frame(ds_lzx *z, const uint8_t *in, size_t in_len, uint8_t *out,
                         size_t out_len);

#endif
