/*
 * The headers of a small PE image (DOS header and stub, NT headers, section
 * table), shared by the generator's modules (gen_pe.c) and the tests' image
 * builder (tests/pe_builder.h). Independent of dumpscan's src/.
 */
#ifndef DSGEN_PE_HEADERS_H
#define DSGEN_PE_HEADERS_H

#include <stdint.h>

#define PE_MAX_SECTIONS 8
#define PE_HEADERS_SIZE 0x400 /* SizeOfHeaders: the headers fit in it */

typedef struct pe_section_hdr {
    char name[9];
    uint32_t rva, vsize;
    uint32_t raw_size, raw_ptr; /* in the file */
    uint32_t chars;
} pe_section_hdr;

typedef struct pe_headers {
    uint16_t machine;         /* 0x8664, 0xAA64 (PE32+) or 0x14C (PE32) */
    uint16_t characteristics; /* 0x22 (PE32+) or 0x102 (PE32), | 0x2000 for a DLL */
    uint32_t timestamp, entry_rva, checksum, size_of_image;
    uint64_t base;
    pe_section_hdr sec[PE_MAX_SECTIONS];
    unsigned nsec;
    uint32_t dir_rva[16], dir_size[16];
} pe_headers;

/* Write the headers into out[0, PE_HEADERS_SIZE). SizeOfCode and
 * SizeOfInitializedData come from the sections; the rest of the optional
 * header is fixed (linker 14.29, native subsystem, 4 KiB pages). */
void pe_write_headers(uint8_t *out, const pe_headers *h);

/* Characteristics of an executable image of this machine's width. */
uint16_t pe_default_characteristics(uint16_t machine);

#endif
