/* Image stage: what the modules' own headers in the dump tell us. */
#ifndef DS_IMAGE_IMAGE_H
#define DS_IMAGE_IMAGE_H

#include "dumpscan/dumpscan.h"
#include "mem/memview.h"

/* Read each loaded module's PE header from the memory view when present:
 * TimeDateStamp, SizeOfImage, CheckSum, machine, CodeView. -1 on OOM. */
int ds_image_enrich(ds_crash *c, const ds_memview *mem);

/* --------------------------------------------------------- image views
 *
 * One module's image, either as mapped in the dump's memory (pages may be
 * missing: every read may come back short) or loaded from a PE file found on
 * the symbol path (sections placed at their RVAs, so the same RVA reads give
 * the same bytes). Used by the unwinder (code bytes, .pdata, unwind data)
 * and for naming (exports).
 */
#include "image/pe.h"

typedef struct ds_image ds_image;

/* The image at m->base in the dump; NULL if its PE header is not readable. */
ds_image *ds_image_from_dump(const ds_module *m, const ds_memview *mem);
/* A PE file mapped read-only, considered loaded at base. */
ds_image *ds_image_from_file(const char *path, uint64_t base, ds_error *err);
/* Same over a caller-owned buffer (tests, fuzzing). */
ds_image *ds_image_from_memory(const void *data, size_t size, uint64_t base, ds_error *err);
void ds_image_close(ds_image *im);

const ds_pe *ds_image_pe(const ds_image *im);
uint64_t ds_image_base(const ds_image *im);
bool ds_image_is_file(const ds_image *im);

/* Bytes at rva; returns how many were available. */
size_t ds_image_read(const ds_image *im, uint32_t rva, void *buf, size_t len);
/* rva lies in a section with IMAGE_SCN_MEM_EXECUTE. */
bool ds_image_is_code(const ds_image *im, uint32_t rva);

/* x64: the RUNTIME_FUNCTION containing rva (binary search over .pdata),
 * indirect entries (UnwindData bit 0) followed, bounded. */
typedef struct ds_runtime_function {
    uint32_t begin, end, unwind_info;
} ds_runtime_function;
bool ds_image_function_entry(const ds_image *im, uint32_t rva, ds_runtime_function *out);

/* ARM64: the .pdata entry (8 bytes) whose function contains rva: begin RVA
 * and the second word (packed unwind data when its low 2 bits are non-zero,
 * else the RVA of the .xdata record). */
bool ds_image_arm64_entry(const ds_image *im, uint32_t rva, uint32_t *begin,
                          uint32_t *data);

/* Nearest exported function at or below rva (forwarders skipped): name and
 * its rva. false when the image exports nothing below rva. */
bool ds_image_export_lookup(const ds_image *im, uint32_t rva, char *name, size_t len,
                            uint32_t *export_rva);

/* The version resource (RT_VERSION): numeric file version and the first
 * string table's ProductName, CompanyName, FileDescription. Strings are set
 * on m (owned by it); false when the image has no readable resource. */
bool ds_image_version(const ds_image *im, ds_module *m);

/* ----------------------------------------------- image views: additions */

/* Outcome of a table lookup where "not readable" must not be mistaken for
 * "not there": an x64 function without a .pdata entry is a leaf, but a
 * .pdata page missing from the dump says nothing about the function. */
typedef enum ds_image_lookup {
    DS_IMAGE_FOUND = 0,
    DS_IMAGE_ABSENT,     /* the table was read and has no entry for rva */
    DS_IMAGE_UNREADABLE  /* the table (or part of it) is not available */
} ds_image_lookup;

ds_image_lookup ds_image_function_lookup(const ds_image *im, uint32_t rva,
                                         ds_runtime_function *out);
ds_image_lookup ds_image_arm64_lookup(const ds_image *im, uint32_t rva, uint32_t *begin,
                                      uint32_t *data);
/* Bytes the image spans from its base (SizeOfImage, bounded). */
uint32_t ds_image_size(const ds_image *im);

#endif
