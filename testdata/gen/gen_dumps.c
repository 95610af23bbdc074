/*
 * Physical-memory layouts of the kernel dump types:
 *   1      run list in the header (PHYSICAL_MEMORY_DESCRIPTOR), pages after the header
 *   2      legacy SUMMARY_DUMP bitmap (SDMP), pages from HeaderSize
 *   3      header only
 *   5/6/7  bitmap header (FDMP for 5, SDMP otherwise), pages from FirstPage
 *   8/9/10 RDMP range list, pages from FirstPageOffset = 0x2020 + MetadataSize
 */
#include "gen_internal.h"

#include <stdlib.h>

static int add_run(gen_run **runs, size_t *n, size_t *cap, uint64_t base, uint64_t count)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 8;
        gen_run *r = realloc(*runs, c * sizeof *r);
        if (!r) return -1;
        *runs = r;
        *cap = c;
    }
    (*runs)[(*n)++] = (gen_run){base, count};
    return 0;
}

int phys_runs(gworld *w, bool full, gen_run **runs, size_t *nruns, char *err, size_t errlen)
{
    const gphys *ph = &w->ph;
    size_t n = 0, cap = 0;
    *runs = NULL;
    if (!full || w->s->phys_bytes == 0) {
        for (size_t i = 0; i < ph->n; i++) {
            uint64_t pfn = ph->v[i].pfn;
            if (n && (*runs)[n - 1].base + (*runs)[n - 1].count == pfn) (*runs)[n - 1].count++;
            else if (add_run(runs, &n, &cap, pfn, 1) != 0) goto oom;
        }
    } else {
        /* a PC-like map: low memory, a hole at 640K-1M, RAM to 3 GiB, PCI hole, RAM above 4 GiB */
        uint64_t total = w->s->phys_bytes / PG;
        uint64_t e1 = total < 0x9F ? total : 0x9F;
        uint64_t e2 = total < 0xC0000 ? total : 0xC0000;
        if (e1 > 1 && add_run(runs, &n, &cap, 1, e1 - 1) != 0) goto oom;
        if (e2 > 0x100 && add_run(runs, &n, &cap, 0x100, e2 - 0x100) != 0) goto oom;
        if (total > 0x100000 && add_run(runs, &n, &cap, 0x100000, total - 0x100000) != 0)
            goto oom;
        size_t r = 0;
        for (size_t i = 0; i < ph->n; i++) {
            uint64_t pfn = ph->v[i].pfn;
            while (r < n && (*runs)[r].base + (*runs)[r].count <= pfn) r++;
            if (r == n || pfn < (*runs)[r].base) {
                gen_seterr(err, errlen, "phys_bytes too small for PFN 0x%llx",
                           (unsigned long long)pfn);
                free(*runs);
                *runs = NULL;
                return -1;
            }
        }
    }
    *nruns = n;
    return 0;
oom:
    free(*runs);
    *runs = NULL;
    gen_seterr(err, errlen, "out of memory");
    return -1;
}

/* Page extents for a run/range walk: pages stored back to back from data_off. */
static int emit_runs(gworld *w, gout *o, const gen_run *runs, size_t nruns, uint64_t data_off)
{
    const gphys *ph = &w->ph;
    uint64_t prior = 0;
    size_t i = 0;
    for (size_t r = 0; r < nruns; r++) {
        uint64_t b = runs[r].base, e = b + runs[r].count;
        while (i < ph->n && ph->v[i].pfn < b) i++;
        for (; i < ph->n && ph->v[i].pfn < e; i++) {
            uint64_t off = data_off + (prior + ph->v[i].pfn - b) * PG;
            if (out_add(o, off, ph->v[i].data, PG) != 0) return -1;
        }
        prior += runs[r].count;
    }
    return 0;
}

static uint64_t bitmap_bits(gworld *w)
{
    if (w->s->phys_bytes) return w->s->phys_bytes / PG;
    uint64_t max = w->ph.n ? w->ph.v[w->ph.n - 1].pfn : 0;
    /* deliberately not a multiple of 8: the last bitmap byte is partial */
    return max + 1 + 3;
}

static void set_bits(gworld *w, uint8_t *bm)
{
    for (size_t i = 0; i < w->ph.n; i++) {
        uint64_t p = w->ph.v[i].pfn;
        bm[p / 8] |= (uint8_t)(1u << (p % 8));
    }
}

static int emit_present(gworld *w, gout *o, uint64_t first)
{
    for (size_t i = 0; i < w->ph.n; i++)
        if (out_add(o, first + i * PG, w->ph.v[i].data, PG) != 0) return -1;
    return 0;
}

int write_memory_dump(gworld *w, gbuf *h, gout *o, char *err, size_t errlen)
{
    gen_spec *s = w->s;
    uint64_t hsize = w->is64 ? 0x2000 : 0x1000;
    uint64_t npresent = w->ph.n;
    gen_run *runs = NULL;
    size_t nruns = 0;
    int rc = -1;

    switch (s->dump_type) {
    case DS_DUMP_FULL: {
        if (phys_runs(w, true, &runs, &nruns, err, errlen) != 0) return -1;
        uint64_t total = 0;
        for (size_t r = 0; r < nruns; r++) total += runs[r].count;
        if (nruns > (w->is64 ? 43u : 86u)) {
            gen_seterr(err, errlen, "too many runs");
            goto out;
        }
        if (w->is64) {
            gb_u32(h, 0x88, (uint32_t)nruns);
            gb_u32(h, 0x8C, 0);
            gb_u64(h, 0x90, total);
            for (size_t r = 0; r < nruns; r++) {
                gb_u64(h, 0x98 + 16 * r, runs[r].base);
                gb_u64(h, 0xA0 + 16 * r, runs[r].count);
            }
        } else {
            gb_u32(h, 0x64, (uint32_t)nruns);
            gb_u32(h, 0x68, (uint32_t)total);
            for (size_t r = 0; r < nruns; r++) {
                gb_u32(h, 0x6C + 8 * r, (uint32_t)runs[r].base);
                gb_u32(h, 0x70 + 8 * r, (uint32_t)runs[r].count);
            }
        }
        o->size = hsize + total * PG;
        hdr_set_required(w, h, o->size);
        if (h->oom || out_add(o, 0, h->p, h->len) != 0 || emit_runs(w, o, runs, nruns, hsize))
            goto oom;
        s->out_physical_pages = total;
        s->out_highest_pfn = runs[nruns - 1].base + runs[nruns - 1].count;
        break;
    }
    case DS_DUMP_HEADER:
        o->size = hsize;
        hdr_set_required(w, h, o->size);
        if (h->oom || out_add(o, 0, h->p, h->len) != 0) goto oom;
        s->out_physical_pages = 0;
        s->out_highest_pfn = 0;
        break;
    case DS_DUMP_SUMMARY: {
        uint64_t bits = bitmap_bits(w);
        uint64_t bm_off = w->is64 ? 0x28 : 0x20;
        uint64_t bm_bytes = align_up(bits, 32) / 8; /* RTL_BITMAP: whole u32 words */
        uint64_t first = align_up(hsize + bm_off + bm_bytes, PG);
        if (first > UINT32_MAX || bits > UINT32_MAX) {
            gen_seterr(err, errlen, "summary dump too large for its 32-bit fields");
            goto out;
        }
        if (!gb_reserve(h, (size_t)first)) goto oom;
        memcpy(h->p + hsize, "SDMP", 4);
        memcpy(h->p + hsize + 4, "DUMP", 4);
        gb_u32(h, hsize + 0x08, 1);                 /* DumpOptions: kernel VA */
        gb_u32(h, hsize + 0x0C, (uint32_t)first);   /* HeaderSize */
        gb_u32(h, hsize + 0x10, (uint32_t)bits);    /* BitmapSize */
        gb_u32(h, hsize + 0x14, (uint32_t)npresent);/* Pages */
        gb_u32(h, hsize + 0x18, (uint32_t)bits);    /* RTL_BITMAP.SizeOfBitMap */
        set_bits(w, h->p + hsize + bm_off);
        o->size = first + npresent * PG;
        hdr_set_required(w, h, o->size);
        if (h->oom || out_add(o, 0, h->p, h->len) != 0 || emit_present(w, o, first)) goto oom;
        s->out_physical_pages = npresent;
        s->out_highest_pfn = bits;
        break;
    }
    case DS_DUMP_BITMAP_FULL:
    case DS_DUMP_BITMAP_KERNEL:
    case DS_DUMP_AUTOMATIC: {
        uint64_t bits = bitmap_bits(w);
        uint64_t bm_bytes = (bits + 7) / 8;
        uint64_t first = align_up(hsize + 0x38 + bm_bytes, PG);
        if (!gb_reserve(h, (size_t)first)) goto oom;
        memcpy(h->p + hsize, s->dump_type == DS_DUMP_BITMAP_FULL ? "FDMP" : "SDMP", 4);
        memcpy(h->p + hsize + 4, "DUMP", 4);
        gb_u64(h, hsize + 0x20, first);
        gb_u64(h, hsize + 0x28, npresent);
        gb_u64(h, hsize + 0x30, bits);
        set_bits(w, h->p + hsize + 0x38);
        o->size = first + npresent * PG;
        hdr_set_required(w, h, o->size);
        if (h->oom || out_add(o, 0, h->p, h->len) != 0 || emit_present(w, o, first)) goto oom;
        s->out_physical_pages = npresent;
        s->out_highest_pfn = bits;
        break;
    }
    case DS_DUMP_RANGE_KERNEL:
    case DS_DUMP_RANGE_KERNEL_USER:
    case DS_DUMP_RANGE_FULL: {
        bool full = s->dump_type == DS_DUMP_RANGE_FULL;
        if (phys_runs(w, full, &runs, &nruns, err, errlen) != 0) return -1;
        uint64_t total = 0;
        for (size_t r = 0; r < nruns; r++) total += runs[r].count;
        uint64_t meta = 0x10 + 16 * (uint64_t)nruns;
        uint64_t first = 0x2020 + meta;
        if (!gb_reserve(h, (size_t)first)) goto oom;
        gb_u32(h, 0x2000, 0x40);
        memcpy(h->p + 0x2004, "RDMP", 4);
        memcpy(h->p + 0x2008, "DUMP", 4);
        gb_u32(h, 0x200C, 0);
        gb_u64(h, 0x2010, meta);
        gb_u64(h, 0x2018, first);
        if (full) {
            gb_u32(h, 0x2020, (uint32_t)nruns);
            gb_u16(h, 0x2024, 0);
            gb_u16(h, 0x2026, 0);
            gb_u64(h, 0x2028, total);
        } else {
            gb_u64(h, 0x2020, 0);
            gb_u64(h, 0x2028, 0);
        }
        for (size_t r = 0; r < nruns; r++) {
            gb_u64(h, 0x2030 + 16 * r, runs[r].base);
            gb_u64(h, 0x2038 + 16 * r, runs[r].count);
        }
        o->size = first + total * PG;
        hdr_set_required(w, h, o->size);
        if (h->oom || out_add(o, 0, h->p, h->len) != 0 || emit_runs(w, o, runs, nruns, first))
            goto oom;
        s->out_physical_pages = total;
        s->out_highest_pfn = runs[nruns - 1].base + runs[nruns - 1].count;
        break;
    }
    default:
        gen_seterr(err, errlen, "dump type %u is not a memory layout", s->dump_type);
        goto out;
    }
    rc = 0;
    goto out;
oom:
    gen_seterr(err, errlen, "out of memory");
out:
    free(runs);
    return rc;
}
