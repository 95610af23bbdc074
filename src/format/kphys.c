/*
 * Where the physical pages of a kernel dump are (doc/formats.md 2): run lists for
 * full (1) and range (8, 9, 10) dumps, bitmaps for summary (2) and bitmap (5,
 * 6, 7) dumps. Each reader checks its metadata against the file and reports
 * what does not fit as a note, keeping whatever is still usable.
 */
#include "format/format.h"
#include "model/model.h"

#define NOTE(sev, code, ...)                                                         \
    do {                                                                             \
        if (ds_note_add(r->crash, sev, code, __VA_ARGS__) < 0)                       \
            return -1;                                                               \
    } while (0)

/* Add runs {pfn, count} stored back to back from first_page; shared by the
 * full and range layouts. Stops at a run that overflows. */
static int add_runs(ds_reader *r, const uint8_t *desc, uint64_t n, unsigned stride,
                    unsigned field, uint64_t first_page, uint64_t page_limit)
{
    uint64_t off = first_page, total = 0;
    for (uint64_t i = 0; i < n; i++) {
        const uint8_t *e = desc + i * stride;
        uint64_t pfn = field == 8 ? ds_le64(e) : ds_le32(e);
        uint64_t count = field == 8 ? ds_le64(e + field) : ds_le32(e + field);
        if (page_limit && total + count > page_limit)
            count = page_limit - total;
        if (count > (UINT64_MAX - off) / DS_PAGE_SIZE || pfn + count < pfn ||
            pfn > (UINT64_MAX >> DS_PAGE_SHIFT)) {
            NOTE(DS_DAMAGE, "bad_run", "memory run %llu is impossible (PFN 0x%llx, %llu "
                 "pages); later runs ignored", (unsigned long long)i,
                 (unsigned long long)pfn, (unsigned long long)count);
            break;
        }
        if (ds_phys_add_run(r->mem, pfn, count, off) < 0)
            return -1;
        off += count * DS_PAGE_SIZE;
        total += count;
        if (page_limit && total >= page_limit)
            break;
    }
    return 0;
}

int ds_kphys_full(ds_reader *r, const ds_klayout *l, const uint8_t *h)
{
    /* PHYSICAL_MEMORY_DESCRIPTOR: x64 {u32 runs, pad, u64 pages, {u64,u64}[]},
     * x86 {u32 runs, u32 pages, {u32,u32}[]}. The runs may not reach the
     * CONTEXT that follows: 43 runs on x64, 86 on x86. */
    const uint8_t *d = h + l->physmem;
    unsigned field = l->ptr, stride = 2 * field, runs_at = l->ptr == 8 ? 0x10 : 8;
    uint64_t max_runs = (uint64_t)(l->context - l->physmem - runs_at) / stride;
    uint32_t nruns = ds_le32(d);
    uint64_t npages = l->ptr == 8 ? ds_le64(d + 8) : ds_le32(d + 4);
    if (nruns == DS_PAGE_FILL32) {
        NOTE(DS_DAMAGE, "no_run_list", "complete dump without a memory run list");
        return 0;
    }
    if (nruns > max_runs) {
        NOTE(DS_DAMAGE, "bad_run_list", "memory run list claims %u runs (at most %llu "
             "fit); only %llu used", nruns, (unsigned long long)max_runs,
             (unsigned long long)max_runs);
        nruns = (uint32_t)max_runs;
    }
    size_t before = r->mem->phys.nruns;
    if (add_runs(r, d + runs_at, nruns, stride, field, l->header_size, 0) < 0)
        return -1;
    uint64_t sum = 0;
    for (size_t i = before; i < r->mem->phys.nruns; i++)
        sum += r->mem->phys.runs[i].count;
    if (sum != npages)
        NOTE(DS_WARNING, "run_page_count", "the run list holds %llu pages but says %llu",
             (unsigned long long)sum, (unsigned long long)npages);
    return 0;
}

/* Bitmap whose bit p says whether PFN p is stored; pages follow in PFN order. */
static int use_bitmap(ds_reader *r, uint64_t bitmap_off, uint64_t nbits,
                      uint64_t first_page, uint64_t claimed_pages)
{
    uint64_t nbytes = nbits / 8 + (nbits % 8 != 0);
    if (!ds_in_bounds(bitmap_off, nbytes, r->file.size)) {
        uint64_t have = bitmap_off < r->file.size ? r->file.size - bitmap_off : 0;
        NOTE(DS_DAMAGE, "bitmap_truncated", "the page bitmap needs %llu bytes but the "
             "file holds %llu of them", (unsigned long long)nbytes,
             (unsigned long long)have);
        nbits = have * 8;
    }
    if (first_page < bitmap_off + nbits / 8) {
        NOTE(DS_DAMAGE, "bad_first_page", "page data offset 0x%llx overlaps the bitmap",
             (unsigned long long)first_page);
        return 0;
    }
    const uint8_t *bitmap = ds_span(r->file, bitmap_off, nbits / 8 + (nbits % 8 != 0));
    if (!bitmap) {
        NOTE(DS_DAMAGE, "file_unreadable", "the page bitmap (%llu bytes at 0x%llx) could not "
             "be read: the file shrank, or it is beyond the read budget",
             (unsigned long long)nbytes, (unsigned long long)bitmap_off);
        return 0;
    }
    uint64_t set;
    if (ds_phys_set_bitmap(r->mem, bitmap, nbits, first_page, &set) < 0)
        return -1;
    if (set != claimed_pages)
        NOTE(DS_WARNING, "bitmap_page_count", "the bitmap marks %llu pages but the "
             "header says %llu", (unsigned long long)set,
             (unsigned long long)claimed_pages);
    return 0;
}

static bool has_magic(ds_bytes f, uint64_t off, const char *a, const char *b)
{
    const uint8_t *p = ds_span(f, off, 4);
    return p && (memcmp(p, a, 4) == 0 || (b && memcmp(p, b, 4) == 0));
}

int ds_kphys_bitmap(ds_reader *r, const ds_klayout *l, const uint8_t *h)
{
    uint64_t at = l->header_size;
    const uint8_t *b = ds_span(r->file, at, 0x38);
    if (!b) {
        NOTE(DS_DAMAGE, "no_bitmap_header", "the file ends before the page bitmap header");
        return 0;
    }
    if (!has_magic(r->file, at, "SDMP", "FDMP") || !has_magic(r->file, at + 4, "DUMP", NULL))
        NOTE(DS_WARNING, "bitmap_signature", "the bitmap header has no SDMP/FDMP DUMP "
             "signature; reading it anyway");
    return use_bitmap(r, at + 0x38, ds_le64(b + 0x30), ds_le64(b + 0x20), ds_le64(b + 0x28));
}

int ds_kphys_summary(ds_reader *r, const ds_klayout *l, const uint8_t *h)
{
    /* Legacy SUMMARY_DUMP (doc/formats.md 2.4): u32 fields; the bitmap follows
     * at +0x20 (x86) or +0x28 (x64, after an aligned reserved u64). */
    uint64_t at = l->header_size, bitmap_at = l->ptr == 8 ? 0x28 : 0x20;
    const uint8_t *b = ds_span(r->file, at, bitmap_at);
    if (!b) {
        NOTE(DS_DAMAGE, "no_bitmap_header", "the file ends before the summary header");
        return 0;
    }
    if (!has_magic(r->file, at, "SDMP", NULL) || !has_magic(r->file, at + 4, "DUMP", NULL))
        NOTE(DS_WARNING, "bitmap_signature", "the summary header has no SDMP DUMP "
             "signature; reading it anyway");
    return use_bitmap(r, at + bitmap_at, ds_le32(b + 0x10), ds_le32(b + 0x0C),
                      ds_le32(b + 0x14));
}

int ds_kphys_range(ds_reader *r, const ds_klayout *l, const uint8_t *h)
{
    /* RDMP (doc/formats.md 2.5), reverse-engineered by others: check everything. */
    uint64_t at = l->header_size;
    const uint8_t *b = ds_span(r->file, at, 0x30);
    if (!b || l->ptr != 8) {
        NOTE(DS_DAMAGE, "no_range_header", "no readable range-dump (RDMP) header");
        return 0;
    }
    if (ds_le32(b) != 0x40 || memcmp(b + 4, "RDMP", 4) || memcmp(b + 8, "DUMP", 4))
        NOTE(DS_WARNING, "range_signature", "the RDMP header signature is unexpected; "
             "reading it anyway");
    uint64_t meta = ds_le64(b + 0x10), first = ds_le64(b + 0x18);
    if (meta < 0x10 || first != 0x2020 + meta) {
        NOTE(DS_DAMAGE, "bad_range_header", "RDMP metadata size 0x%llx does not match "
             "first page offset 0x%llx", (unsigned long long)meta,
             (unsigned long long)first);
        return 0;
    }
    uint64_t n = (meta - 0x10) / 16, limit = 0;
    if (r->crash->kernel.dump_type.value == DS_DUMP_RANGE_FULL) {
        uint32_t claimed = ds_le32(b + 0x20);
        limit = ds_le64(b + 0x28);
        if (claimed < n)
            n = claimed;
    }
    uint64_t table = at + 0x30;
    if (!ds_in_bounds(table, n * 16, r->file.size) || n > r->file.size / 16) {
        uint64_t have = table < r->file.size ? (r->file.size - table) / 16 : 0;
        NOTE(DS_DAMAGE, "range_table_truncated", "the range table has %llu entries but "
             "the file holds %llu", (unsigned long long)n, (unsigned long long)have);
        n = have;
    }
    const uint8_t *desc = ds_span(r->file, table, n * 16);
    if (!desc) {
        NOTE(DS_DAMAGE, "file_unreadable", "the range table (%llu entries at 0x%llx) could "
             "not be read: the file shrank, or it is beyond the read budget",
             (unsigned long long)n, (unsigned long long)table);
        return 0;
    }
    return add_runs(r, desc, n, 16, 8, first, limit);
}
