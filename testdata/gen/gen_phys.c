/*
 * Sparse physical memory and genuine page tables for x64 (4-level), x86
 * (2-level, 4-byte entries), x86 PAE (PDPT + 2 levels) and ARM64 (4 KiB
 * granule, 4 levels, 48-bit VA). Only the pages that hold something exist.
 */
#include "gen_internal.h"

#include <stdlib.h>

/* ------------------------------------------------------------- pages */

static size_t phys_find(const gphys *ph, uint64_t pfn, bool *found)
{
    size_t lo = 0, hi = ph->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ph->v[mid].pfn < pfn) lo = mid + 1;
        else hi = mid;
    }
    *found = lo < ph->n && ph->v[lo].pfn == pfn;
    return lo;
}

uint8_t *phys_get(const gphys *ph, uint64_t pfn)
{
    bool found;
    size_t i = phys_find(ph, pfn, &found);
    return found ? ph->v[i].data : NULL;
}

uint8_t *phys_add(gphys *ph, uint64_t pfn)
{
    bool found;
    size_t i = phys_find(ph, pfn, &found);
    if (found) return ph->v[i].data;
    if (ph->n == ph->cap) {
        size_t cap = ph->cap ? ph->cap * 2 : 64;
        gpage *v = realloc(ph->v, cap * sizeof *v);
        if (!v) return NULL;
        ph->v = v;
        ph->cap = cap;
    }
    uint8_t *data = calloc(1, PG);
    if (!data) return NULL;
    memmove(ph->v + i + 1, ph->v + i, (ph->n - i) * sizeof *ph->v);
    ph->v[i].pfn = pfn;
    ph->v[i].data = data;
    ph->n++;
    return data;
}

uint64_t phys_alloc(gphys *ph)
{
    if (ph->next_low == 0) ph->next_low = GEN_LOW_PFN;
    uint64_t pfn = ph->next_low;
    while (phys_get(ph, pfn)) pfn++;
    if (!phys_add(ph, pfn)) return 0;
    ph->next_low = pfn + 1;
    return pfn;
}

void phys_free(gphys *ph)
{
    for (size_t i = 0; i < ph->n; i++) free(ph->v[i].data);
    free(ph->v);
    memset(ph, 0, sizeof *ph);
}

/* ------------------------------------------------------ paging levels */

typedef struct lvl {
    unsigned shift, bits, esize;
} lvl;

static int vm_levels(const gvm *vm, lvl *L)
{
    if (vm->arch == DS_ARCH_X86 && !vm->pae) {
        L[0] = (lvl){22, 10, 4};
        L[1] = (lvl){12, 10, 4};
        return 2;
    }
    if (vm->arch == DS_ARCH_X86) {
        L[0] = (lvl){30, 2, 8};
        L[1] = (lvl){21, 9, 8};
        L[2] = (lvl){12, 9, 8};
        return 3;
    }
    L[0] = (lvl){39, 9, 8};
    L[1] = (lvl){30, 9, 8};
    L[2] = (lvl){21, 9, 8};
    L[3] = (lvl){12, 9, 8};
    return 4;
}

#define NX (1ULL << 63)
#define A64_AF (1ULL << 10)
#define A64_SH (3ULL << 8)
#define A64_RO (1ULL << 7)
#define A64_PXN (1ULL << 53)
#define A64_UXN (1ULL << 54)

static uint64_t table_val(const gvm *vm, int level, uint64_t pa)
{
    switch (vm->arch) {
    case DS_ARCH_ARM64: return pa | 3;
    case DS_ARCH_X86: return (vm->pae && level == 0) ? (pa | 1) : (pa | 0x63);
    default: return pa | 0x63;
    }
}

static uint64_t table_addr(const gvm *vm, uint64_t e)
{
    switch (vm->arch) {
    case DS_ARCH_ARM64: return e & 0x0000FFFFFFFFF000ULL;
    case DS_ARCH_X86: return vm->pae ? (e & 0x000FFFFFFFFFF000ULL) : (e & 0xFFFFF000ULL);
    default: return e & 0x000FFFFFFFFFF000ULL;
    }
}

static uint64_t leaf_val(const gvm *vm, uint64_t pa, int kind)
{
    bool code = kind == GEN_MAP_CODE;
    switch (vm->arch) {
    case DS_ARCH_ARM64:
        return pa | 3 | A64_AF | A64_SH | A64_UXN | (code ? A64_RO : A64_PXN);
    case DS_ARCH_X86:
        if (code) return pa | 0x121;
        return vm->pae ? (pa | 0x163 | NX) : (pa | 0x163);
    default:
        /* valid kernel PTE as Windows writes them: P RW A D G + software Write bit 11 */
        return code ? (pa | 0x121) : (pa | 0x963 | NX);
    }
}

static uint64_t large_val(const gvm *vm, uint64_t pa)
{
    switch (vm->arch) {
    case DS_ARCH_ARM64: return pa | 1 | A64_AF | A64_SH | A64_PXN | A64_UXN;
    case DS_ARCH_X86: return vm->pae ? (pa | 0x1E3 | NX) : (pa | 0x1E3);
    default:
        /* PS + PAT (bit 12, not an address bit in a large PDE) + NX */
        return pa | 0x9E3 | 0x1000 | NX;
    }
}

static bool is_large(const gvm *vm, uint64_t e)
{
    if (vm->arch == DS_ARCH_ARM64) return (e & 3) == 1;
    return (e & 0x80) != 0;
}

static uint64_t rd_entry(const uint8_t *p, unsigned esize)
{
    return esize == 8 ? get64(p) : get32(p);
}

static void wr_entry(uint8_t *p, unsigned esize, uint64_t v)
{
    if (esize == 8) put64(p, v);
    else put32(p, (uint32_t)v);
}

/* Pointer to the entry for va at level `target`, creating the tables above. */
static uint8_t *vm_slot(gvm *vm, uint64_t va, int target, unsigned *esize)
{
    lvl L[4];
    int n = vm_levels(vm, L);
    if (target >= n) return NULL;
    uint64_t table_pa = vm->top_pfn * PG + vm->top_off;
    for (int i = 0;; i++) {
        uint8_t *page = phys_get(vm->ph, table_pa / PG);
        if (!page) return NULL;
        uint64_t idx = (va >> L[i].shift) & ((1ULL << L[i].bits) - 1);
        uint8_t *e = page + (table_pa % PG) + idx * L[i].esize;
        if (i == target) {
            *esize = L[i].esize;
            return e;
        }
        uint64_t v = rd_entry(e, L[i].esize);
        if (v == 0) {
            uint64_t pfn = phys_alloc(vm->ph);
            if (!pfn) { vm->oom = true; return NULL; }
            v = table_val(vm, i, pfn * PG);
            /* the allocation may have moved nothing (pages are separate blocks) */
            wr_entry(e, L[i].esize, v);
        } else if (is_large(vm, v) && !(vm->pae && i == 0)) {
            return NULL; /* already mapped by a large page */
        }
        table_pa = table_addr(vm, v);
    }
}

int vm_init(gvm *vm, gphys *ph, int arch, bool pae)
{
    memset(vm, 0, sizeof *vm);
    vm->arch = arch;
    vm->pae = arch == DS_ARCH_X86 && pae;
    vm->ph = ph;
    vm->top_pfn = phys_alloc(ph);
    if (!vm->top_pfn) return -1;
    /* PAE: the PDPT is 32-byte aligned, not page aligned; put it off the page start */
    vm->top_off = vm->pae ? 0x20 : 0;
    return 0;
}

uint64_t vm_dtb(const gvm *vm) { return vm->top_pfn * PG + vm->top_off; }

static size_t side_find(const gvm *vm, uint64_t va, bool *found)
{
    size_t lo = 0, hi = vm->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (vm->m[mid].va < va) lo = mid + 1;
        else hi = mid;
    }
    *found = lo < vm->n && vm->m[lo].va == va;
    return lo;
}

int vm_side_add(gvm *vm, uint64_t va, uint64_t pfn)
{
    bool found;
    va &= ~(uint64_t)(PG - 1);
    size_t i = side_find(vm, va, &found);
    if (found) return -1;
    if (vm->n == vm->cap) {
        size_t cap = vm->cap ? vm->cap * 2 : 64;
        gvmap *m = realloc(vm->m, cap * sizeof *m);
        if (!m) { vm->oom = true; return -1; }
        vm->m = m;
        vm->cap = cap;
    }
    memmove(vm->m + i + 1, vm->m + i, (vm->n - i) * sizeof *vm->m);
    vm->m[i].va = va;
    vm->m[i].pfn = pfn;
    vm->n++;
    return 0;
}

int vm_map(gvm *vm, uint64_t va, uint64_t pfn, int kind)
{
    lvl L[4];
    int n = vm_levels(vm, L);
    unsigned es;
    uint8_t *e = vm_slot(vm, va, n - 1, &es);
    if (!e || rd_entry(e, es) != 0) return -1;
    wr_entry(e, es, leaf_val(vm, pfn * PG, kind));
    return vm_side_add(vm, va, pfn);
}

int vm_map_large(gvm *vm, uint64_t va, uint64_t pa)
{
    lvl L[4];
    int n = vm_levels(vm, L);
    unsigned es;
    uint8_t *e = vm_slot(vm, va, n - 2, &es);
    if (!e || rd_entry(e, es) != 0) return -1;
    wr_entry(e, es, large_val(vm, pa));
    return 0;
}

int vm_set_raw_pte(gvm *vm, uint64_t va, uint64_t raw)
{
    lvl L[4];
    int n = vm_levels(vm, L);
    unsigned es;
    uint8_t *e = vm_slot(vm, va, n - 1, &es);
    if (!e || rd_entry(e, es) != 0) return -1;
    wr_entry(e, es, raw);
    return 0;
}

int vm_alloc_map(gvm *vm, uint64_t va, size_t npages, int kind)
{
    for (size_t i = 0; i < npages; i++) {
        uint64_t pfn = phys_alloc(vm->ph);
        if (!pfn) { vm->oom = true; return -1; }
        if (vm_map(vm, va + i * PG, pfn, kind) != 0) return -1;
    }
    return 0;
}

static uint8_t *side_page(const gvm *vm, uint64_t va)
{
    bool found;
    size_t i = side_find(vm, va & ~(uint64_t)(PG - 1), &found);
    return found ? phys_get(vm->ph, vm->m[i].pfn) : NULL;
}

bool vm_mapped(const gvm *vm, uint64_t va) { return side_page(vm, va) != NULL; }

bool vm_write(gvm *vm, uint64_t va, const void *src, size_t n)
{
    const uint8_t *s = src;
    while (n) {
        uint8_t *page = side_page(vm, va);
        if (!page) return false;
        size_t off = (size_t)(va % PG);
        size_t k = PG - off < n ? PG - off : n;
        memcpy(page + off, s, k);
        s += k;
        va += k;
        n -= k;
    }
    return true;
}

size_t vm_read(const gvm *vm, uint64_t va, void *dst, size_t n)
{
    uint8_t *d = dst;
    size_t done = 0;
    while (n) {
        uint8_t *page = side_page(vm, va);
        if (!page) break;
        size_t off = (size_t)(va % PG);
        size_t k = PG - off < n ? PG - off : n;
        memcpy(d + done, page + off, k);
        done += k;
        va += k;
        n -= k;
    }
    return done;
}

void vm_free(gvm *vm)
{
    free(vm->m);
    vm->m = NULL;
    vm->n = vm->cap = 0;
}
