/* The cabinet reader: hostile headers, tables and MSZIP blocks. Every member
 * is read forward, then backward (the checkpoint path), then extracted. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "io/cab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ds_error err;
    ds_cab *c = ds_cab_open((ds_bytes){.data = data, .size = size}, &err);
    if (!c)
        return 0;
    static uint8_t buf[70000];
    int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    for (size_t i = 0; i < ds_cab_count(c) && i < 8; i++) {
        const ds_cab_member *m = ds_cab_member_at(c, i);
        (void)ds_cab_compression(c, i);
        (void)ds_cab_find(c, m->name);
        uint64_t lim = m->size < (1u << 22) ? m->size : (1u << 22);
        for (uint64_t off = 0; off < lim; off += sizeof buf)
            if (ds_cab_read(c, i, off, buf, sizeof buf, &err) <= 0)
                break;
        for (uint64_t off = lim; off > 0; off = off > 40000 ? off - 40000 : 0)
            if (ds_cab_read(c, i, off - 1, buf, 3, &err) < 0)
                break;
        if (devnull >= 0)
            (void)ds_cab_extract_fd(c, i, devnull, 1u << 22, &err);
    }
    if (devnull >= 0)
        close(devnull);
    ds_cab_close(c);
    return 0;
}
