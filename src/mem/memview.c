#include <stdlib.h>
#include <string.h>

#include "mem/memview.h"

void ds_mem_init(ds_memview *m, ds_bytes file)
{
    memset(m, 0, sizeof *m);
    m->file = file;
}

void ds_mem_free(ds_memview *m)
{
    free(m->phys.runs);
    free(m->phys.rank);
    free(m->regions);
    memset(m, 0, sizeof *m);
}

/* ------------------------------------------------------------ physical */

int ds_phys_add_run(ds_memview *m, uint64_t pfn, uint64_t count, uint64_t file_off)
{
    ds_physmap *p = &m->phys;
    if (count == 0)
        return 0;
    if (p->nruns == p->cap) {
        size_t ncap = p->cap ? p->cap * 2 : 16;
        ds_run *n = realloc(p->runs, ncap * sizeof *n);
        if (!n)
            return -1;
        p->runs = n;
        p->cap = ncap;
    }
    p->runs[p->nruns++] = (ds_run){pfn, count, file_off};
    p->kind = DS_PHYS_RUNS;
    p->npages += count;
    return 0;
}

static int cmp_run(const void *a, const void *b)
{
    const ds_run *x = a, *y = b;
    return x->pfn < y->pfn ? -1 : x->pfn > y->pfn;
}

/* Bits of the bitmap word holding PFNs [64*w, 64*w+63], safe at the tail. */
static uint64_t bitmap_word(const ds_physmap *p, uint64_t w)
{
    uint64_t nbytes = (p->nbits + 7) / 8, off = w * 8;
    uint64_t v = 0;
    if (off + 8 <= nbytes)
        v = ds_le64(p->bitmap + off);
    else
        for (uint64_t i = 0; off + i < nbytes; i++)
            v |= (uint64_t)p->bitmap[off + i] << (8 * i);
    uint64_t valid = p->nbits - w * 64; /* bits of this word inside the map */
    if (valid < 64)
        v &= (1ull << valid) - 1;
    return v;
}

#define RANK_WORDS 8 /* one rank entry per 512 bits */

int ds_phys_set_bitmap(ds_memview *m, const uint8_t *bitmap, uint64_t nbits,
                       uint64_t first_page, uint64_t *pages_set)
{
    ds_physmap *p = &m->phys;
    uint64_t nwords = (nbits + 63) / 64;
    uint64_t nblocks = (nwords + RANK_WORDS - 1) / RANK_WORDS;
    p->bitmap = bitmap;
    p->nbits = nbits;
    p->first_page = first_page;
    p->rank = malloc((nblocks ? nblocks : 1) * sizeof *p->rank);
    if (!p->rank)
        return -1;
    uint64_t total = 0;
    for (uint64_t b = 0; b < nblocks; b++) {
        p->rank[b] = total;
        for (uint64_t w = b * RANK_WORDS; w < nwords && w < (b + 1) * RANK_WORDS; w++)
            total += (uint64_t)__builtin_popcountll(bitmap_word(p, w));
    }
    p->kind = DS_PHYS_BITMAP;
    p->npages = total;
    *pages_set = total;
    return 0;
}

void ds_phys_finish(ds_memview *m)
{
    ds_physmap *p = &m->phys;
    uint64_t fsize = m->file.size;
    if (p->kind == DS_PHYS_RUNS) {
        if (p->nruns > 1)
            qsort(p->runs, p->nruns, sizeof *p->runs, cmp_run);
        p->npages_in_file = 0;
        for (size_t i = 0; i < p->nruns; i++) {
            const ds_run *r = &p->runs[i];
            if (r->file_off >= fsize)
                continue;
            uint64_t avail = (fsize - r->file_off) / DS_PAGE_SIZE;
            p->npages_in_file += avail < r->count ? avail : r->count;
        }
    } else if (p->kind == DS_PHYS_BITMAP) {
        uint64_t avail = p->first_page < fsize ? (fsize - p->first_page) / DS_PAGE_SIZE : 0;
        p->npages_in_file = avail < p->npages ? avail : p->npages;
    }
}

bool ds_phys_lookup(const ds_memview *m, uint64_t pfn, uint64_t *file_off)
{
    const ds_physmap *p = &m->phys;
    uint64_t off;
    if (p->kind == DS_PHYS_RUNS) {
        size_t lo = 0, hi = p->nruns;
        while (lo < hi) { /* last run with run.pfn <= pfn */
            size_t mid = lo + (hi - lo) / 2;
            if (p->runs[mid].pfn <= pfn)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == 0)
            return false;
        const ds_run *r = &p->runs[lo - 1];
        if (pfn - r->pfn >= r->count)
            return false;
        off = r->file_off + (pfn - r->pfn) * DS_PAGE_SIZE;
    } else if (p->kind == DS_PHYS_BITMAP) {
        if (pfn >= p->nbits)
            return false;
        uint64_t w = pfn / 64, bit = pfn % 64;
        uint64_t word = bitmap_word(p, w);
        if (!(word >> bit & 1))
            return false;
        uint64_t rank = p->rank[w / RANK_WORDS];
        for (uint64_t i = (w / RANK_WORDS) * RANK_WORDS; i < w; i++)
            rank += (uint64_t)__builtin_popcountll(bitmap_word(p, i));
        rank += (uint64_t)__builtin_popcountll(word & ((1ull << bit) - 1));
        off = p->first_page + rank * DS_PAGE_SIZE;
    } else {
        return false;
    }
    /* A page the map promises but the (truncated) file lacks is not present. */
    if (off >= m->file.size)
        return false;
    *file_off = off;
    return true;
}

size_t ds_phys_read(const ds_memview *m, uint64_t pa, void *buf, size_t len)
{
    uint8_t *out = buf;
    size_t done = 0;
    while (done < len) {
        uint64_t addr = pa + done, off;
        if (addr < pa) /* wrapped */
            break;
        if (!ds_phys_lookup(m, addr >> DS_PAGE_SHIFT, &off))
            break;
        uint64_t in_page = addr & (DS_PAGE_SIZE - 1);
        uint64_t chunk = DS_PAGE_SIZE - in_page;
        if (chunk > len - done)
            chunk = len - done;
        /* Page contents come through a read, not a pointer: a file read
         * through windows keeps none of them, and a file that shrank (or was
         * truncated to start with) just comes up short. */
        size_t got = ds_bytes_read(m->file, off + in_page, out + done, (size_t)chunk);
        done += got;
        if (got < chunk)
            break;
    }
    return done;
}

/* -------------------------------------------------------------- regions */

int64_t ds_mem_add_region(ds_memview *m, uint64_t va, uint64_t size, uint64_t file_off)
{
    if (file_off >= m->file.size || size == 0)
        return 0;
    if (size > m->file.size - file_off)
        size = m->file.size - file_off;
    if (va + size < va) /* wraps the address space */
        size = UINT64_MAX - va + 1;
    if (size == 0)
        return 0;
    if (m->nregions == m->cap) {
        size_t ncap = m->cap ? m->cap * 2 : 32;
        ds_region *n = realloc(m->regions, ncap * sizeof *n);
        if (!n)
            return -1;
        m->regions = n;
        m->cap = ncap;
    }
    m->regions[m->nregions++] = (ds_region){va, size, file_off};
    return (int64_t)size;
}

static int cmp_region(const void *a, const void *b)
{
    const ds_region *x = a, *y = b;
    if (x->va != y->va)
        return x->va < y->va ? -1 : 1;
    return 0;
}

void ds_mem_finish_regions(ds_memview *m)
{
    /* qsort is not stable; on equal starts either copy serves (same VA). */
    if (m->nregions > 1)
        qsort(m->regions, m->nregions, sizeof *m->regions, cmp_region);
    size_t out = 0;
    uint64_t end = 0;
    bool have_end = false;
    for (size_t i = 0; i < m->nregions; i++) {
        ds_region r = m->regions[i];
        uint64_t rend = r.va + r.size; /* may be 0 when it reaches 2^64 */
        if (have_end) {
            if (end == 0) /* previous region reached the top of the space */
                continue;
            if (r.va < end) {
                uint64_t cut = end - r.va;
                if (cut >= r.size)
                    continue;
                r.va += cut;
                r.file_off += cut;
                r.size -= cut;
            }
        }
        m->regions[out++] = r;
        end = rend;
        have_end = true;
    }
    m->nregions = out;
}

static const ds_region *find_region(const ds_memview *m, uint64_t va)
{
    size_t lo = 0, hi = m->nregions;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->regions[mid].va <= va)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    const ds_region *r = &m->regions[lo - 1];
    return va - r->va < r->size ? r : NULL;
}

/* --------------------------------------------------------------- paging */

void ds_mem_set_paging(ds_memview *m, ds_paging p, uint64_t dtb)
{
    m->paging = p;
    m->dtb = dtb;
}

static bool phys_u64(const ds_memview *m, uint64_t pa, uint64_t *v)
{
    uint8_t b[8];
    if (ds_phys_read(m, pa, b, 8) != 8)
        return false;
    *v = ds_le64(b);
    return true;
}

static bool phys_u32(const ds_memview *m, uint64_t pa, uint32_t *v)
{
    uint8_t b[4];
    if (ds_phys_read(m, pa, b, 4) != 4)
        return false;
    *v = ds_le32(b);
    return true;
}

#define X64_ADDR_MASK 0x000FFFFFFFFFF000ull
#define X64_TRANSITION_MASK 0x0000FFFFFFFFF000ull

/*
 * A Windows x64/PAE entry is usable when valid, or when it is a transition
 * entry (bit 11 set, prototype bit 10 clear): the page is still in RAM. Bit 10
 * is tested first so a prototype PTE is never misread as transition.
 */
static bool x64_entry_usable(uint64_t e, uint64_t *next)
{
    if (e & 1) {
        *next = e & X64_ADDR_MASK;
        return true;
    }
    if (!(e & (1ull << 10)) && (e & (1ull << 11))) {
        *next = e & X64_TRANSITION_MASK;
        return true;
    }
    return false;
}

static ds_xlate xlate_x64(const ds_memview *m, uint64_t va, uint64_t *pa)
{
    /* Canonical form: bits 63..47 all equal. */
    uint64_t top = va >> 47;
    if (top != 0 && top != 0x1FFFF)
        return DS_XLATE_NOT_PRESENT;
    uint64_t table = m->dtb & X64_ADDR_MASK, e, next;
    static const unsigned shifts[4] = {39, 30, 21, 12};
    for (int level = 0; level < 4; level++) {
        uint64_t idx = (va >> shifts[level]) & 0x1FF;
        if (!phys_u64(m, table + idx * 8, &e))
            return DS_XLATE_NOT_IN_DUMP;
        if (!x64_entry_usable(e, &next))
            return DS_XLATE_NOT_PRESENT;
        if ((e & 1) && (e & 0x80) && (level == 1 || level == 2)) {
            /* Large page: bit 12 is PAT, not address, hence the wider masks. */
            uint64_t mask = level == 1 ? 0x000FFFFFC0000000ull : 0x000FFFFFFFE00000ull;
            uint64_t span = level == 1 ? 0x3FFFFFFFull : 0x1FFFFFull;
            *pa = (e & mask) | (va & span);
            return DS_XLATE_OK;
        }
        table = next;
    }
    *pa = table | (va & 0xFFF);
    return DS_XLATE_OK;
}

static ds_xlate xlate_pae(const ds_memview *m, uint64_t va, uint64_t *pa)
{
    if (va > 0xFFFFFFFFull)
        return DS_XLATE_NOT_PRESENT;
    uint64_t e, next;
    if (!phys_u64(m, (m->dtb & 0xFFFFFFE0ull) + ((va >> 30) & 3) * 8, &e))
        return DS_XLATE_NOT_IN_DUMP;
    if (!(e & 1))
        return DS_XLATE_NOT_PRESENT;
    uint64_t pd = e & X64_ADDR_MASK;
    if (!phys_u64(m, pd + ((va >> 21) & 0x1FF) * 8, &e))
        return DS_XLATE_NOT_IN_DUMP;
    if (!x64_entry_usable(e, &next))
        return DS_XLATE_NOT_PRESENT;
    if ((e & 1) && (e & 0x80)) {
        *pa = (e & 0x000FFFFFFFE00000ull) | (va & 0x1FFFFF);
        return DS_XLATE_OK;
    }
    if (!phys_u64(m, next + ((va >> 12) & 0x1FF) * 8, &e))
        return DS_XLATE_NOT_IN_DUMP;
    if (!x64_entry_usable(e, &next))
        return DS_XLATE_NOT_PRESENT;
    *pa = next | (va & 0xFFF);
    return DS_XLATE_OK;
}

/* x86 non-PAE software PTEs use the same transition/prototype bits. */
static bool x86_entry_usable(uint32_t e, uint64_t *next)
{
    if ((e & 1) || (!(e & (1u << 10)) && (e & (1u << 11)))) {
        *next = e & 0xFFFFF000u;
        return true;
    }
    return false;
}

static ds_xlate xlate_x86(const ds_memview *m, uint64_t va, uint64_t *pa)
{
    if (va > 0xFFFFFFFFull)
        return DS_XLATE_NOT_PRESENT;
    uint32_t e;
    uint64_t next;
    if (!phys_u32(m, (m->dtb & 0xFFFFF000u) + ((va >> 22) & 0x3FF) * 4, &e))
        return DS_XLATE_NOT_IN_DUMP;
    if (!x86_entry_usable(e, &next))
        return DS_XLATE_NOT_PRESENT;
    if ((e & 1) && (e & 0x80)) {
        *pa = (e & 0xFFC00000u) | (va & 0x3FFFFF);
        return DS_XLATE_OK;
    }
    if (!phys_u32(m, next + ((va >> 12) & 0x3FF) * 4, &e))
        return DS_XLATE_NOT_IN_DUMP;
    if (!x86_entry_usable(e, &next))
        return DS_XLATE_NOT_PRESENT;
    *pa = next | (va & 0xFFF);
    return DS_XLATE_OK;
}

/*
 * ARM64, 4 KiB granule, 48-bit VA, 4 levels. Descriptor bit 0 = valid; at
 * levels 0-2 bit 1 set = table, clear = block (1 GiB at level 1, 2 MiB at
 * level 2); at level 3 bit 1 must be set (page). Invalid descriptors are not
 * followed: Windows' ARM64 software PTE formats are not documented enough.
 */
static ds_xlate xlate_arm64(const ds_memview *m, uint64_t va, uint64_t *pa)
{
    uint64_t top = va >> 48;
    if (top != 0 && top != 0xFFFF)
        return DS_XLATE_NOT_PRESENT;
    const uint64_t oa = 0x0000FFFFFFFFF000ull;
    uint64_t table = m->dtb & oa, e;
    static const unsigned shifts[4] = {39, 30, 21, 12};
    for (int level = 0; level < 4; level++) {
        if (!phys_u64(m, table + ((va >> shifts[level]) & 0x1FF) * 8, &e))
            return DS_XLATE_NOT_IN_DUMP;
        if (!(e & 1))
            return DS_XLATE_NOT_PRESENT;
        bool is_table = (e & 2) != 0;
        if (level == 3) {
            if (!is_table)
                return DS_XLATE_NOT_PRESENT;
            *pa = (e & oa) | (va & 0xFFF);
            return DS_XLATE_OK;
        }
        if (!is_table) {
            if (level == 0)
                return DS_XLATE_NOT_PRESENT;
            uint64_t span = (1ull << shifts[level]) - 1;
            *pa = (e & oa & ~span) | (va & span);
            return DS_XLATE_OK;
        }
        table = e & oa;
    }
    return DS_XLATE_NOT_PRESENT;
}

ds_xlate ds_mem_translate(const ds_memview *m, uint64_t va, uint64_t *pa)
{
    switch (m->paging) {
    case DS_PAGING_X64: return xlate_x64(m, va, pa);
    case DS_PAGING_PAE: return xlate_pae(m, va, pa);
    case DS_PAGING_X86: return xlate_x86(m, va, pa);
    case DS_PAGING_ARM64: return xlate_arm64(m, va, pa);
    default: return DS_XLATE_NOT_IN_DUMP;
    }
}

size_t ds_mem_read(const ds_memview *m, uint64_t va, void *buf, size_t len)
{
    uint8_t *out = buf;
    size_t done = 0;
    while (done < len) {
        uint64_t addr = va + done;
        if (addr < va) /* wrapped past the top of the address space */
            break;
        const ds_region *r = find_region(m, addr);
        if (r) {
            uint64_t chunk = r->size - (addr - r->va);
            if (chunk > len - done)
                chunk = len - done;
            size_t got = ds_bytes_read(m->file, r->file_off + (addr - r->va), out + done,
                                       (size_t)chunk);
            done += got;
            if (got < chunk)
                break;
            continue;
        }
        uint64_t pa;
        if (m->paging == DS_PAGING_NONE || ds_mem_translate(m, addr, &pa) != DS_XLATE_OK)
            break;
        uint64_t chunk = DS_PAGE_SIZE - (addr & (DS_PAGE_SIZE - 1));
        if (chunk > len - done)
            chunk = len - done;
        size_t got = ds_phys_read(m, pa, out + done, chunk);
        done += got;
        if (got < chunk)
            break;
    }
    return done;
}

bool ds_mem_u16(const ds_memview *m, uint64_t va, uint16_t *out)
{
    uint8_t b[2];
    if (ds_mem_read(m, va, b, 2) != 2)
        return false;
    *out = ds_le16(b);
    return true;
}

bool ds_mem_u32(const ds_memview *m, uint64_t va, uint32_t *out)
{
    uint8_t b[4];
    if (ds_mem_read(m, va, b, 4) != 4)
        return false;
    *out = ds_le32(b);
    return true;
}

bool ds_mem_u64(const ds_memview *m, uint64_t va, uint64_t *out)
{
    uint8_t b[8];
    if (ds_mem_read(m, va, b, 8) != 8)
        return false;
    *out = ds_le64(b);
    return true;
}

bool ds_mem_ptr(const ds_memview *m, uint64_t va, unsigned ptr_size, uint64_t *out)
{
    if (ptr_size == 8)
        return ds_mem_u64(m, va, out);
    uint32_t v;
    if (!ds_mem_u32(m, va, &v))
        return false;
    *out = v;
    return true;
}

#define MAX_USTR_BYTES 2048 /* module and driver names; a longer one is suspect */

char *ds_mem_unicode_string(const ds_memview *m, uint64_t va, unsigned ptr_size)
{
    uint16_t len;
    uint64_t buf;
    uint8_t tmp[MAX_USTR_BYTES];
    if (!ds_mem_u16(m, va, &len) || !ds_mem_ptr(m, va + ptr_size, ptr_size, &buf))
        return NULL;
    len &= ~1u;
    if (len == 0 || len > sizeof tmp || ds_mem_read(m, buf, tmp, len) != len)
        return NULL;
    return ds_utf16_to_utf8(tmp, len / 2);
}
