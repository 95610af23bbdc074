/* PE images as mapped in memory (RVAs are offsets from the base). */
#ifndef DS_IMAGE_PE_H
#define DS_IMAGE_PE_H

#include "dumpscan/dumpscan.h"

/* Reads len bytes at addr; returns the bytes actually read. */
typedef size_t (*ds_read_fn)(void *ctx, uint64_t addr, void *buf, size_t len);

enum { DS_PE_DIR_EXPORT = 0, DS_PE_DIR_EXCEPTION = 3, DS_PE_DIR_DEBUG = 6 };

typedef struct ds_pe {
    bool pe32plus;
    uint16_t machine, nsections, characteristics;
    uint32_t timestamp, size_of_image, size_of_headers, checksum, entry_point;
    uint64_t image_base;
    uint32_t ndirs;
    struct {
        uint32_t rva, size;
    } dirs[16];
    uint32_t section_table; /* offset of the first IMAGE_SECTION_HEADER */
} ds_pe;

/* Parse DOS + NT headers from the first bytes of an image. */
bool ds_pe_parse(const uint8_t *buf, size_t len, ds_pe *out);
/* Read headers of the image mapped at base. */
bool ds_pe_read(ds_read_fn rd, void *ctx, uint64_t base, ds_pe *out);
/* CodeView record (RSDS / NB10) through the debug directory; out is only
 * written when one is found. */
bool ds_pe_codeview(ds_read_fn rd, void *ctx, uint64_t base, const ds_pe *pe,
                    ds_codeview *out);

#endif
