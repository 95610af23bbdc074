/* Internal pieces of the dump generator. Not part of the dsgen.h API. */
#ifndef DSGEN_INTERNAL_H
#define DSGEN_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dsgen.h"

#define PG 0x1000u

/* ------------------------------------------------------- little endian */

static inline void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t get64(const uint8_t *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}
static inline uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }

/* ------------------------------------------------------ growable buffer */

typedef struct gbuf {
    uint8_t *p;
    size_t len, cap;
    bool oom;
} gbuf;

bool gb_reserve(gbuf *b, size_t len);                 /* len >= len, zero filled */
void gb_put(gbuf *b, size_t off, const void *src, size_t n);
void gb_fill(gbuf *b, size_t off, uint8_t v, size_t n);
void gb_u8(gbuf *b, size_t off, uint8_t v);
void gb_u16(gbuf *b, size_t off, uint16_t v);
void gb_u32(gbuf *b, size_t off, uint32_t v);
void gb_u64(gbuf *b, size_t off, uint64_t v);
void gb_ptr(gbuf *b, size_t off, uint64_t v, bool is64); /* u64 or u32 */
void gb_free(gbuf *b);

/* UTF-16LE copy of an ASCII/UTF-8 (ASCII subset) string; returns chars written. */
size_t gen_utf16(uint8_t *dst, const char *s, size_t maxchars);

void gen_seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* -------------------------------------------------- per-arch VA layout */

typedef struct gen_layout {
    uint64_t pool_va;      /* loader entries + name strings */
    uint64_t stack_low;    /* kernel stack, stack_size bytes, all mapped */
    uint64_t stack_size;
    uint64_t large_va;     /* large page (2 MiB, or 4 MiB on non-PAE x86) */
    uint64_t large_size;
    uint64_t large_pa;
    uint64_t trans_va;     /* x64: transition PTE page; proto = trans_va + PG */
    uint64_t exrec_off, ctxrec_off; /* offsets from stack_low of the records */
    uint64_t sp_off;       /* offset from stack_low of the crash sp */
    uint64_t pfn_array_va; /* value of MmPfnDatabase (not mapped) */
    uint64_t obj_va;       /* scenario objects page (GEN_OBJ_*), inside the pool region */
} gen_layout;

void gen_get_layout(int arch, bool pae, gen_layout *L);
bool gen_arch_is64(int arch);
uint32_t gen_fault_offset(int arch);      /* offset of the faulting insn in DsgWorker */
uint32_t gen_return_offset(int arch, unsigned idx); /* return address offset inside fn idx */

/* ------------------------------------------------------- call chains */

/* Where the code of extra function j (index 3 + j) starts, and the offsets the
   stack builder needs for a function of a given kind. */
#define GEN_EXTRA_TEXT 0x1080u
#define GEN_EXTRA_STRIDE 0x40u
uint32_t gen_kind_return_offset(int arch, int kind); /* after the call instruction */
int gen_func_kind(const gen_spec *s, size_t module, unsigned idx); /* -1 if none */

/* Offsets inside the object page (same for every arch). */
#define OBJ_IRP 0x000u
#define OBJ_PDO 0x200u
#define OBJ_FDO 0x400u
#define OBJ_PDO_DRV 0x600u
#define OBJ_FDO_DRV 0x800u
#define OBJ_TRIAGE9F 0xA00u
#define OBJ_STRINGS 0xB00u
#define OBJ_WHEA 0xC00u

typedef struct gchain {
    size_t n;
    int kind[GEN_MAX_FRAMES];
    uint64_t pc[GEN_MAX_FRAMES];  /* exact pc (frame 0, interrupted frames) or return address */
    uint64_t pos[GEN_MAX_FRAMES]; /* sp in the frame (x64: after the prologue) */
    uint64_t fp[GEN_MAX_FRAMES];  /* rbp / ebp / x29 while the frame runs */
    uint64_t lr0;                 /* ARM64: x30 of the context */
    size_t fault;                 /* the frame where execution stopped */
} gchain;

/* The chain scenarios (gen_scenarios.c): 0 applied, -1 failed (spec unchanged),
   1 not a chain scenario name. */
int gen_chain_scenario(gen_spec *s, const char *name);

/* Plan a chain (no memory written); err may be NULL. */
int chain_plan(const gen_spec *s, gchain *c, char *err, size_t errlen);
/* The fault frame's pc and whether it lies in an unloaded range (classic: ctx_pc). */
uint64_t chain_fault_pc(const gen_spec *s, bool *unloaded);

/* ------------------------------------------------------- physical pages */

typedef struct gpage {
    uint64_t pfn;
    uint8_t *data;
} gpage;

typedef struct gphys {
    gpage *v;       /* sorted by pfn */
    size_t n, cap;
    uint64_t next_low; /* next PFN the low-cluster allocator hands out */
} gphys;

#define GEN_LOW_PFN 0x1000u   /* 16 MiB: tables, images, pool, stack */
#define GEN_LARGE_PA 0x2000000u /* 32 MiB: 4 MiB aligned large page */

uint8_t *phys_get(const gphys *ph, uint64_t pfn);
uint8_t *phys_add(gphys *ph, uint64_t pfn);   /* existing or new zero page; NULL on OOM */
uint64_t phys_alloc(gphys *ph);               /* new low page; 0 on OOM */
void phys_free(gphys *ph);

/* ------------------------------------------------------ virtual memory */

typedef struct gvmap {
    uint64_t va;   /* page-aligned */
    uint64_t pfn;
} gvmap;

enum { GEN_MAP_DATA = 0, GEN_MAP_CODE = 1 };

typedef struct gvm {
    int arch;
    bool pae;
    gphys *ph;
    uint64_t top_pfn;   /* PML4 / L0 / PD (x86) / page holding the PDPT (PAE) */
    uint32_t top_off;   /* PAE: PDPT offset inside its page (32-byte aligned) */
    gvmap *m;           /* side map of 4 KiB pages for the generator's own reads */
    size_t n, cap;
    bool oom;
} gvm;

int vm_init(gvm *vm, gphys *ph, int arch, bool pae);
uint64_t vm_dtb(const gvm *vm);
int vm_map(gvm *vm, uint64_t va, uint64_t pfn, int kind);
int vm_map_large(gvm *vm, uint64_t va, uint64_t pa);
int vm_set_raw_pte(gvm *vm, uint64_t va, uint64_t raw);
int vm_side_add(gvm *vm, uint64_t va, uint64_t pfn); /* generator-only view */
int vm_alloc_map(gvm *vm, uint64_t va, size_t npages, int kind);
bool vm_write(gvm *vm, uint64_t va, const void *src, size_t n);
size_t vm_read(const gvm *vm, uint64_t va, void *dst, size_t n);
bool vm_mapped(const gvm *vm, uint64_t va);
void vm_free(gvm *vm);

/* ------------------------------------------------------------ PE images */

typedef struct gen_image {
    uint8_t *bytes;        /* content_size bytes, RVA-addressed */
    uint32_t content_size; /* mapped part (page multiple) */
    uint32_t text_rva, rdata_rva, pdata_rva, data_rva; /* pdata_rva 0 on x86 */
    uint32_t pdata_size;
    uint32_t entry_rva;
} gen_image;

int pe_build(const gen_spec *s, size_t modidx, gen_image *img, char *err, size_t errlen);
void pe_free(gen_image *img);
uint32_t pe_min_size(int arch, bool kernel);

/* --------------------------------------------------------- the world */

typedef struct gmodinfo {
    gen_image img;
    uint64_t ldr_va;
} gmodinfo;

typedef struct gworld {
    gen_spec *s;
    bool is64;
    gen_layout L;
    gphys ph;
    gvm vm;
    gmodinfo mod[GEN_MAX_MODULES];
    uint64_t nt_data_va;
    uint64_t psloaded_va, psactive_va, pfndb_va, kdbg_va;
    uint64_t pool_next, pool_mapped_end;
    uint64_t sp;
    uint8_t ctx[0x4D0];    /* CONTEXT as written in the header */
    size_t ctx_len;
    uint8_t exrec[0x98];   /* EXCEPTION_RECORD written on the stack */
    size_t exrec_len;
    bool old_kldr;         /* build < 9200: Win7/XP LDR_DATA_TABLE_ENTRY layout */
    bool obj_mapped;       /* the object page holds scenario objects */
} gworld;

int chain_write(gworld *w, const gchain *c);  /* stack slots and trap frames */
int objects_build(gworld *w);                 /* GEN_OBJ_* on the object page */

int world_build(gworld *w, gen_spec *s, char *err, size_t errlen);
void world_free(gworld *w);
size_t kdbg_size(void);

/* ---------------------------------------------------------- output */

typedef struct gextent {
    uint64_t off;
    const uint8_t *data;
    size_t len;
} gextent;

typedef struct gout {
    gextent *e;     /* ascending, non-overlapping; gaps read as zero */
    size_t n, cap;
    uint64_t size;  /* full logical file size */
} gout;

int out_add(gout *o, uint64_t off, const uint8_t *data, size_t len);
int out_emit(const gout *o, const gen_spec *s, const char *path, uint64_t *written,
             char *err, size_t errlen);
void out_free(gout *o);

/* ------------------------------------------------------ dump writers */

void hdr_build(gworld *w, gbuf *h);               /* common header fields */
void hdr_set_required(gworld *w, gbuf *h, uint64_t size);

typedef struct gen_run { uint64_t base, count; } gen_run;

/* Physical runs for full/complete layouts (type 1/10), and compact present ranges. */
int phys_runs(gworld *w, bool full, gen_run **runs, size_t *nruns, char *err, size_t errlen);

int write_memory_dump(gworld *w, gbuf *h, gout *o, char *err, size_t errlen);
int write_triage_dump(gworld *w, gbuf *h, gout *o, char *err, size_t errlen);

#endif
