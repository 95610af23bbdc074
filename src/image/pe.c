#include <string.h>

#include "format/codeview.h"
#include "image/pe.h"
#include "io/bytes.h"

#define HEADER_READ 0x1000 /* headers of real images fit in the first page */

bool ds_pe_parse(const uint8_t *b, size_t len, ds_pe *out)
{
    memset(out, 0, sizeof *out);
    if (len < 0x40 || b[0] != 'M' || b[1] != 'Z')
        return false;
    uint32_t nt = ds_le32(b + 0x3C);
    if (!ds_in_bounds(nt, 0x18 + 0x60, len) || memcmp(b + nt, "PE\0\0", 4) != 0)
        return false;
    const uint8_t *fh = b + nt + 4, *oh = fh + 0x14;
    out->machine = ds_le16(fh);
    out->nsections = ds_le16(fh + 2);
    out->timestamp = ds_le32(fh + 4);
    uint16_t opt_size = ds_le16(fh + 0x10);
    out->characteristics = ds_le16(fh + 0x12);
    uint16_t magic = ds_le16(oh);
    if (magic != 0x10B && magic != 0x20B)
        return false;
    out->pe32plus = magic == 0x20B;
    out->entry_point = ds_le32(oh + 0x10);
    out->image_base = out->pe32plus ? ds_le64(oh + 0x18) : ds_le32(oh + 0x1C);
    out->size_of_image = ds_le32(oh + 0x38);
    out->size_of_headers = ds_le32(oh + 0x3C);
    out->checksum = ds_le32(oh + 0x40);
    uint32_t ndirs_off = out->pe32plus ? 0x6C : 0x5C, dirs_off = ndirs_off + 4;
    uint64_t oh_off = (uint64_t)nt + 0x18;
    if (opt_size >= ndirs_off + 4 && ds_in_bounds(oh_off + ndirs_off, 4, len)) {
        uint32_t n = ds_le32(oh + ndirs_off);
        if (n > 16)
            n = 16;
        /* Only directories inside both the optional header and the buffer. */
        while (n && (dirs_off + 8ull * n > opt_size ||
                     !ds_in_bounds(oh_off + dirs_off, 8ull * n, len)))
            n--;
        out->ndirs = n;
        for (uint32_t i = 0; i < n; i++) {
            out->dirs[i].rva = ds_le32(oh + dirs_off + 8 * i);
            out->dirs[i].size = ds_le32(oh + dirs_off + 8 * i + 4);
        }
    }
    out->section_table = (uint32_t)(oh_off + opt_size);
    return true;
}

bool ds_pe_read(ds_read_fn rd, void *ctx, uint64_t base, ds_pe *out)
{
    uint8_t buf[HEADER_READ];
    size_t got = rd(ctx, base, buf, sizeof buf);
    return ds_pe_parse(buf, got, out);
}

/* out is left untouched unless a record is found: a caller may already hold
 * one from elsewhere (a minidump's module list). */
bool ds_pe_codeview(ds_read_fn rd, void *ctx, uint64_t base, const ds_pe *pe,
                    ds_codeview *out)
{
    ds_codeview found;
    if (pe->ndirs <= DS_PE_DIR_DEBUG)
        return false;
    uint32_t rva = pe->dirs[DS_PE_DIR_DEBUG].rva, size = pe->dirs[DS_PE_DIR_DEBUG].size;
    if (!rva || size < 28 || rva >= pe->size_of_image)
        return false;
    uint32_t n = size / 28;
    if (n > 32) /* real images have a handful */
        n = 32;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t e[28];
        if (rd(ctx, base + rva + 28ull * i, e, sizeof e) != sizeof e)
            return false;
        if (ds_le32(e + 0x0C) != 2) /* IMAGE_DEBUG_TYPE_CODEVIEW */
            continue;
        uint32_t len = ds_le32(e + 0x10), at = ds_le32(e + 0x14);
        uint8_t rec[0x18 + 260];
        if (len > sizeof rec)
            len = sizeof rec;
        if (!at || at >= pe->size_of_image)
            continue;
        size_t got = rd(ctx, base + at, rec, len);
        if (ds_codeview_parse(rec, got, &found)) {
            *out = found;
            return true;
        }
    }
    return false;
}
