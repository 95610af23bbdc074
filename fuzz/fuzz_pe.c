/* Image views over hostile bytes: the same input as a PE file and as an
 * image mapped in dump memory; reads, code checks, .pdata (x64 and ARM64)
 * and export lookups at many RVAs, some of them taken from the input. */
#include <stdlib.h>
#include <string.h>

#include "image/image.h"
#include "io/bytes.h"
#include "mem/memview.h"

#define BASE 0x140000000ull

static void exercise(const ds_image *im, const uint8_t *data, size_t size)
{
    const ds_pe *pe = ds_image_pe(im);
    uint32_t rvas[96];
    size_t n = 0;
    for (uint32_t i = 0; i < pe->ndirs && n < 16; i++) {
        rvas[n++] = pe->dirs[i].rva;
        rvas[n++] = pe->dirs[i].rva + pe->dirs[i].size;
    }
    for (size_t i = 0; i + 4 <= size && n < 64; i += 4 + (size / 64))
        rvas[n++] = ds_le32(data + i);
    for (uint32_t r = 0; n < 96; r += 0x400, n++)
        rvas[n] = r + (uint32_t)n;
    uint8_t buf[0x200];
    char name[64];
    for (size_t i = 0; i < n; i++) {
        uint32_t rva = rvas[i], b, d, at;
        ds_image_read(im, rva, buf, 1 + (rva & 0x1FF));
        ds_image_is_code(im, rva);
        ds_runtime_function rf;
        ds_image_function_lookup(im, rva, &rf);
        ds_image_function_entry(im, rva, &rf);
        ds_image_arm64_lookup(im, rva, &b, &d);
        ds_image_export_lookup(im, rva, name, (rva & 1) ? 3 : sizeof name, &at);
    }
    ds_image_size(im);
    ds_image_base(im);
    ds_image_is_file(im);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ds_error e;
    ds_image *im = ds_image_from_memory(data, size, BASE, &e);
    if (im) {
        exercise(im, data, size);
        ds_image_close(im);
    }
    ds_memview mem;
    ds_mem_init(&mem, (ds_bytes){.data = data, .size = size});
    if (ds_mem_add_region(&mem, BASE, size, 0) < 0) {
        ds_mem_free(&mem);
        return 0;
    }
    ds_mem_finish_regions(&mem);
    ds_module m = {.base = BASE, .size = size & 1 ? size : 0x100000, .name = "", .path = ""};
    im = ds_image_from_dump(&m, &mem);
    if (im) {
        exercise(im, data, size);
        ds_image_close(im);
    }
    ds_mem_free(&mem);
    return 0;
}
