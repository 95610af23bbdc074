/* The gzip path: hostile deflate data behind a gzip magic, and valid gzip
 * of hostile dumps. Each input is also read through the checkpoint index
 * (io/gzindex.c) with tiny limits, which must give exactly the bytes that
 * inflating it whole gives. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "fuzz_common.h"
#include "io/source.h"

static void check_index(const uint8_t *gz, size_t n)
{
    ds_source_limits whole_lim = ds_source_defaults, tiny = ds_source_defaults;
    whole_lim.small = whole_lim.gunzip_max = tiny.gunzip_max = 64u << 20;
    tiny.small = 4096; /* index beyond 4 KiB, 1 KiB resident, points 1 KiB apart */
    tiny.head = 1024;
    tiny.gz_spacing = 1024;
    ds_source whole, idx;
    ds_error err;
    int a = ds_source_open_memory_with(&whole, gz, n, &whole_lim, &err);
    int b = ds_source_open_memory_with(&idx, gz, n, &tiny, &err);
    if (a != b)
        abort();
    if (a != 0)
        return;
    uint64_t size = whole.bytes.size;
    if (idx.bytes.size != size || whole.gz_truncated != idx.gz_truncated)
        abort();
    static uint8_t buf[3001];
    for (int pass = 0; pass < 2; pass++) { /* forwards, then backwards */
        for (uint64_t k = 0; k * 3001 < size; k++) {
            uint64_t end = size - k * 3001;
            uint64_t off = !pass ? k * 3001 : end > sizeof buf ? end - sizeof buf : 0;
            size_t got = ds_bytes_read(idx.bytes, off, buf, sizeof buf);
            size_t want = size - off < sizeof buf ? (size_t)(size - off) : sizeof buf;
            if (got != want || memcmp(buf, whole.bytes.data + off, want) != 0)
                abort();
        }
    }
    ds_source_close(&idx);
    ds_source_close(&whole);
}

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
        check_index(f, size + 2);
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
        if (deflate(&z, Z_FINISH) == Z_STREAM_END) {
            fuzz_exercise(out, cap - z.avail_out);
            check_index(out, cap - z.avail_out);
        }
        free(out);
    }
    deflateEnd(&z);
    return 0;
}
