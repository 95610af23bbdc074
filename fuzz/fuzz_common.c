#include <string.h>

#include "dumpscan/dumpscan.h"
#include "fuzz_common.h"

void fuzz_exercise(const uint8_t *data, size_t size)
{
    ds_error err;
    ds_dump *d = ds_open_memory(data, size, NULL, &err);
    if (!d)
        return;
    const ds_crash *c = ds_dump_crash(d);
    uint8_t buf[64];
    if (c->has_context) {
        ds_read(d, c->context.sp, buf, sizeof buf);
        ds_read(d, c->context.pc, buf, sizeof buf);
    }
    for (size_t i = 0; i < c->nmodules && i < 64; i++)
        ds_read(d, c->modules[i].base, buf, sizeof buf);
    ds_read(d, UINT64_MAX - 8, buf, sizeof buf); /* wraps the address space */
    ds_read_physical(d, 0, buf, sizeof buf);
    ds_free(ds_report_json(d, DS_JSON_PRETTY));
    ds_free(ds_report_text(d, DS_TEXT_VERBOSE));
    ds_close(d);
}

void fuzz_kernel_header(uint8_t *h, size_t hsize, int wide, uint32_t machine,
                        uint32_t dump_type)
{
    for (size_t i = 0; i + 4 <= hsize; i += 4)
        memcpy(h + i, "PAGE", 4);
    memcpy(h + 4, wide ? "DU64" : "DUMP", 4);
    uint32_t fields[2] = {machine, dump_type};
    memcpy(h + (wide ? 0x30 : 0x20), &fields[0], 4);
    memcpy(h + (wide ? 0xF98 : 0xF88), &fields[1], 4);
}
