/*
 * The memory view: how a virtual address of the crashed machine becomes bytes
 * of the file. Two mechanisms, tried in this order:
 *   1. regions: VA-addressed blobs stored directly in the file (triage call
 *      stack and data blocks, minidump memory lists);
 *   2. paging: the page tables of the dump walked through its physical map.
 * The physical map is a sorted run list (full and range dumps) or a bitmap with
 * a rank index (bitmap and summary dumps): O(log n) or O(1) per page, never a
 * per-page table.
 */
#ifndef DS_MEM_MEMVIEW_H
#define DS_MEM_MEMVIEW_H

#include "io/bytes.h"

#define DS_PAGE_SIZE 0x1000u
#define DS_PAGE_SHIFT 12

typedef struct ds_run {
    uint64_t pfn, count, file_off;
} ds_run;

typedef enum ds_phys_kind { DS_PHYS_NONE = 0, DS_PHYS_RUNS, DS_PHYS_BITMAP } ds_phys_kind;

typedef struct ds_physmap {
    ds_phys_kind kind;
    ds_run *runs;
    size_t nruns, cap;
    const uint8_t *bitmap; /* in the file source's memory (lives as long as it) */
    uint64_t nbits, first_page;
    uint64_t *rank;        /* set bits before each 512-bit block */
    uint64_t npages;       /* pages the map says are stored */
    uint64_t npages_in_file; /* of those, pages whose bytes the file really holds */
} ds_physmap;

typedef struct ds_region {
    uint64_t va, size, file_off;
} ds_region;

typedef enum ds_paging {
    DS_PAGING_NONE = 0,
    DS_PAGING_X64,
    DS_PAGING_X86,
    DS_PAGING_PAE,
    DS_PAGING_ARM64
} ds_paging;

typedef enum ds_xlate {
    DS_XLATE_OK = 0,
    DS_XLATE_NOT_PRESENT, /* the page tables say the page is not in RAM */
    DS_XLATE_NOT_IN_DUMP  /* a table page or the page itself is not stored */
} ds_xlate;

typedef struct ds_memview {
    ds_bytes file;
    ds_physmap phys;
    ds_region *regions;
    size_t nregions, cap;
    ds_paging paging;
    uint64_t dtb;
} ds_memview;

void ds_mem_init(ds_memview *m, ds_bytes file);
void ds_mem_free(ds_memview *m);

/* Physical map builders. Return -1 on allocation failure. */
int ds_phys_add_run(ds_memview *m, uint64_t pfn, uint64_t count, uint64_t file_off);
/* Bitmap of nbits bits (caller checked it lies in the file). Returns pages set. */
int ds_phys_set_bitmap(ds_memview *m, const uint8_t *bitmap, uint64_t nbits,
                       uint64_t first_page, uint64_t *pages_set);
/* Sort runs; count pages whose data lies inside the file. */
void ds_phys_finish(ds_memview *m);
bool ds_phys_lookup(const ds_memview *m, uint64_t pfn, uint64_t *file_off);
size_t ds_phys_read(const ds_memview *m, uint64_t pa, void *buf, size_t len);

/* VA regions. Adds [va, va+size) backed by file_off, clipped to the file;
 * returns the bytes kept (less than size when the file is short), -1 on OOM. */
int64_t ds_mem_add_region(ds_memview *m, uint64_t va, uint64_t size, uint64_t file_off);
/* Sort and make regions disjoint (the earlier-added region wins on overlap). */
void ds_mem_finish_regions(ds_memview *m);

void ds_mem_set_paging(ds_memview *m, ds_paging p, uint64_t dtb);
ds_xlate ds_mem_translate(const ds_memview *m, uint64_t va, uint64_t *pa);
size_t ds_mem_read(const ds_memview *m, uint64_t va, void *buf, size_t len);

/* Convenience: whole-value reads; false unless every byte was present. */
bool ds_mem_u16(const ds_memview *m, uint64_t va, uint16_t *out);
bool ds_mem_u32(const ds_memview *m, uint64_t va, uint32_t *out);
bool ds_mem_u64(const ds_memview *m, uint64_t va, uint64_t *out);
/* A UNICODE_STRING at va (u16 Length in bytes, u16 MaximumLength, Buffer
 * at +ptr_size) as a new UTF-8 string; NULL when empty, longer than 2 KiB
 * or not in the dump. */
char *ds_mem_unicode_string(const ds_memview *m, uint64_t va, unsigned ptr_size);

/* Pointer-sized read: 4 or 8 bytes. */
bool ds_mem_ptr(const ds_memview *m, uint64_t va, unsigned ptr_size, uint64_t *out);

#endif
