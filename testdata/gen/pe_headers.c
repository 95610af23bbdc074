/* The PE header writer of pe_headers.h. Layouts: IMAGE_DOS_HEADER,
 * IMAGE_FILE_HEADER, IMAGE_OPTIONAL_HEADER32/64, IMAGE_SECTION_HEADER as the
 * PE/COFF specification gives them. */
#include "pe_headers.h"

#include "gen_internal.h"

#include <stdbool.h>
#include <string.h>

uint16_t pe_default_characteristics(uint16_t machine)
{
    return machine == 0x14C ? 0x0102 : 0x0022;
}

void pe_write_headers(uint8_t *out, const pe_headers *h)
{
    bool pe64 = h->machine != 0x14C;
    memset(out, 0, PE_HEADERS_SIZE);

    /* DOS header and stub */
    static const uint8_t stub[] = {0x0E, 0x1F, 0xBA, 0x0E, 0x00, 0xB4, 0x09, 0xCD,
                                   0x21, 0xB8, 0x01, 0x4C, 0xCD, 0x21};
    static const char stubmsg[] = "This program cannot be run in DOS mode.\r\r\n$";
    put16(out + 0x00, 0x5A4D);
    put16(out + 0x02, 0x90);
    put16(out + 0x04, 3);
    put16(out + 0x08, 4);
    put16(out + 0x0C, 0xFFFF);
    put16(out + 0x10, 0xB8);
    put16(out + 0x18, 0x40);
    put32(out + 0x3C, 0x80);
    memcpy(out + 0x40, stub, sizeof stub);
    memcpy(out + 0x40 + sizeof stub, stubmsg, sizeof stubmsg - 1);

    /* NT headers */
    uint8_t *nt = out + 0x80;
    uint16_t opt_size = pe64 ? 0xF0 : 0xE0;
    memcpy(nt, "PE\0\0", 4);
    put16(nt + 4, h->machine);
    put16(nt + 6, (uint16_t)h->nsec);
    put32(nt + 8, h->timestamp);
    put16(nt + 0x14, opt_size);
    put16(nt + 0x16, h->characteristics);

    uint32_t size_code = 0, size_init = 0;
    uint8_t *sh = nt + 0x18 + opt_size;
    for (unsigned i = 0; i < h->nsec && i < PE_MAX_SECTIONS; i++) {
        const pe_section_hdr *s = &h->sec[i];
        uint8_t *e = sh + 40 * i;
        memcpy(e, s->name, strnlen(s->name, 8));
        put32(e + 0x08, s->vsize);
        put32(e + 0x0C, s->rva);
        put32(e + 0x10, s->raw_size);
        put32(e + 0x14, s->raw_ptr);
        put32(e + 0x24, s->chars);
        if (s->chars & 0x20)
            size_code += s->raw_size;
        else
            size_init += s->raw_size;
    }

    uint8_t *oh = nt + 0x18;
    put16(oh + 0x00, pe64 ? 0x20B : 0x10B);
    oh[0x02] = 14;
    oh[0x03] = 29;
    put32(oh + 0x04, size_code);
    put32(oh + 0x08, size_init);
    put32(oh + 0x10, h->entry_rva);
    put32(oh + 0x14, 0x1000);
    if (pe64) {
        put64(oh + 0x18, h->base);
    } else {
        put32(oh + 0x18, 0x2000);
        put32(oh + 0x1C, (uint32_t)h->base);
    }
    put32(oh + 0x20, 0x1000);
    put32(oh + 0x24, 0x200);
    put16(oh + 0x28, 10);
    put16(oh + 0x2C, 10);
    put16(oh + 0x30, 10);
    put32(oh + 0x38, h->size_of_image);
    put32(oh + 0x3C, PE_HEADERS_SIZE);
    put32(oh + 0x40, h->checksum);
    put16(oh + 0x44, 1); /* IMAGE_SUBSYSTEM_NATIVE */
    put16(oh + 0x46, pe64 ? 0x0160 : 0x0140);
    uint8_t *dd;
    if (pe64) {
        put64(oh + 0x48, 0x40000);
        put64(oh + 0x50, 0x1000);
        put64(oh + 0x58, 0x100000);
        put64(oh + 0x60, 0x1000);
        put32(oh + 0x6C, 16);
        dd = oh + 0x70;
    } else {
        put32(oh + 0x48, 0x40000);
        put32(oh + 0x4C, 0x1000);
        put32(oh + 0x50, 0x100000);
        put32(oh + 0x54, 0x1000);
        put32(oh + 0x5C, 16);
        dd = oh + 0x60;
    }
    for (int i = 0; i < 16; i++) {
        put32(dd + 8 * i, h->dir_rva[i]);
        put32(dd + 8 * i + 4, h->dir_size[i]);
    }
}
