/*
 * Test helpers: a tiny PE builder (.text, .rdata, .pdata, optional extra
 * sections and an export directory; the headers come from the generator's
 * testdata/gen/pe_headers.h, so there is one PE writer) in file or mapped layout, and a
 * "world" of image views plus a crafted stack in a memory view, ready to be
 * an ds_unwind_env. Header-only: each test program is one C file.
 */
#ifndef DS_TESTS_PE_BUILDER_H
#define DS_TESTS_PE_BUILDER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image/image.h"
#include "pe_headers.h"
#include "mem/memview.h"
#include "unwind/unwind.h"

static inline void pb_put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8); }
static inline void pb_put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static inline void pb_put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

#define PB_MAX_SECTIONS PE_MAX_SECTIONS

typedef struct pb_section {
    char name[9];
    uint32_t rva, vsize;
    uint32_t raw_size;     /* 0: the data length rounded to 0x200 */
    uint32_t raw_ptr;      /* 0: placed after the previous section */
    uint32_t chars;
    const uint8_t *data;
    uint32_t data_len;
} pb_section;

typedef struct pb_image {
    uint16_t machine;      /* 0x8664, 0xAA64, 0x14C */
    uint64_t base;
    uint32_t size_of_image;
    pb_section sec[PB_MAX_SECTIONS];
    unsigned nsec;
    uint32_t dir_rva[16], dir_size[16];
} pb_image;

/* File layout (headers in the first 0x400 bytes, raw data 0x200-aligned).
 * Returns the file size; out must hold cap bytes. */
static inline size_t pb_write_file(const pb_image *im, uint8_t *out, size_t cap)
{
    memset(out, 0, cap);
    pe_headers h = {.machine = im->machine, .timestamp = 0x12345678,
                    .size_of_image = im->size_of_image, .base = im->base,
                    .nsec = im->nsec};
    h.characteristics = pe_default_characteristics(im->machine);
    memcpy(h.dir_rva, im->dir_rva, sizeof h.dir_rva);
    memcpy(h.dir_size, im->dir_size, sizeof h.dir_size);
    uint32_t raw = PE_HEADERS_SIZE;
    for (unsigned i = 0; i < im->nsec; i++) {
        const pb_section *s = &im->sec[i];
        pe_section_hdr *e = &h.sec[i];
        memcpy(e->name, s->name, sizeof e->name);
        e->rva = s->rva;
        e->vsize = s->vsize;
        e->raw_size = s->raw_size ? s->raw_size : (s->data_len + 0x1FF) & ~0x1FFu;
        e->raw_ptr = s->raw_ptr ? s->raw_ptr : raw;
        e->chars = s->chars;
        if (!s->raw_ptr)
            raw = e->raw_ptr + e->raw_size;
    }
    if (cap >= PE_HEADERS_SIZE)
        pe_write_headers(out, &h);
    size_t end = PE_HEADERS_SIZE;
    for (unsigned i = 0; i < im->nsec; i++) { /* data of the sections placed here */
        const pe_section_hdr *e = &h.sec[i];
        size_t n = im->sec[i].data_len < e->raw_size ? im->sec[i].data_len : e->raw_size;
        if (im->sec[i].raw_ptr)
            continue;
        if (n && (size_t)e->raw_ptr + n <= cap)
            memcpy(out + e->raw_ptr, im->sec[i].data, n);
        if ((size_t)e->raw_ptr + e->raw_size > end)
            end = (size_t)e->raw_ptr + e->raw_size;
    }
    return end < cap ? end : cap;
}

/* Mapped layout: RVA = offset. out must hold size_of_image bytes. */
static inline void pb_write_mapped(const pb_image *im, uint8_t *out)
{
    uint8_t *file = calloc(1, 0x10000);
    pb_write_file(im, file, 0x10000);
    memset(out, 0, im->size_of_image);
    memcpy(out, file, 0x400);
    for (unsigned i = 0; i < im->nsec; i++) {
        const pb_section *s = &im->sec[i];
        if (s->data_len && (uint64_t)s->rva + s->data_len <= im->size_of_image)
            memcpy(out + s->rva, s->data, s->data_len);
    }
    free(file);
}

/* ------------------------------------------------ a standard test image */

/* .text at 0x1000, .rdata at 0x2000, .pdata at 0x3000 (4 KiB each). */
typedef struct tpe {
    uint16_t machine;
    uint8_t text[0x1000];
    uint8_t rdata[0x1000];
    uint32_t rdata_len;
    uint8_t pdata[0x1000];
    uint32_t pdata_len;
    uint32_t export_rva, export_size;
    uint8_t *file;
    size_t file_len;
} tpe;

static inline void tpe_init(tpe *t, uint16_t machine)
{
    memset(t, 0, sizeof *t);
    t->machine = machine;
    memset(t->text, machine == 0xAA64 ? 0 : 0xCC, sizeof t->text);
    t->rdata_len = 0x10;
}

static inline void tpe_code(tpe *t, uint32_t rva, const void *bytes, size_t n)
{
    memcpy(t->text + (rva - 0x1000), bytes, n);
}

static inline void tpe_code32(tpe *t, uint32_t rva, const uint32_t *insns, size_t n)
{
    for (size_t i = 0; i < n; i++)
        pb_put32(t->text + (rva - 0x1000) + 4 * i, insns[i]);
}

/* Append bytes to .rdata (4-aligned); returns their RVA. */
static inline uint32_t tpe_rdata(tpe *t, const void *bytes, size_t n)
{
    t->rdata_len = (t->rdata_len + 3) & ~3u;
    uint32_t rva = 0x2000 + t->rdata_len;
    memcpy(t->rdata + t->rdata_len, bytes, n);
    t->rdata_len += (uint32_t)n;
    return rva;
}

static inline void tpe_pdata_x64(tpe *t, uint32_t begin, uint32_t end, uint32_t unwind)
{
    uint8_t *e = t->pdata + t->pdata_len;
    pb_put32(e, begin);
    pb_put32(e + 4, end);
    pb_put32(e + 8, unwind);
    t->pdata_len += 12;
}

static inline void tpe_pdata_arm64(tpe *t, uint32_t begin, uint32_t data)
{
    uint8_t *e = t->pdata + t->pdata_len;
    pb_put32(e, begin);
    pb_put32(e + 4, data);
    t->pdata_len += 8;
}

static inline pb_image tpe_layout(const tpe *t, uint64_t base)
{
    pb_image im;
    memset(&im, 0, sizeof im);
    im.machine = t->machine;
    im.base = base;
    im.size_of_image = 0x4000;
    im.sec[0] = (pb_section){".text", 0x1000, 0x1000, 0, 0, 0x60000020, t->text, 0x1000};
    im.sec[1] = (pb_section){".rdata", 0x2000, 0x1000, 0, 0, 0x40000040, t->rdata, 0x1000};
    im.sec[2] = (pb_section){".pdata", 0x3000, 0x1000, 0, 0, 0x40000040, t->pdata, 0x1000};
    im.nsec = 3;
    if (t->pdata_len) {
        im.dir_rva[3] = 0x3000;
        im.dir_size[3] = t->pdata_len;
    }
    im.dir_rva[0] = t->export_rva;
    im.dir_size[0] = t->export_size;
    return im;
}

/* Build the file and open it as an image view at base. */
__attribute__((unused)) static ds_image *tpe_open(tpe *t, uint64_t base)
{
    pb_image im = tpe_layout(t, base);
    free(t->file);
    t->file = calloc(1, 0x8000);
    t->file_len = pb_write_file(&im, t->file, 0x8000);
    ds_error e;
    return ds_image_from_memory(t->file, t->file_len, base, &e);
}

static inline void tpe_free(tpe *t)
{
    free(t->file);
    t->file = NULL;
}

/* ------------------------------------------------------------- a world */

#define TW_MAX_MODULES 4

typedef struct tworld {
    struct {
        uint64_t base, size;
        ds_image *im;
    } mod[TW_MAX_MODULES];
    unsigned nmod;
    uint8_t *stack;
    uint64_t stack_va;
    size_t stack_len;
    ds_memview mem;
    ds_unwind_env env;
} tworld;

static const ds_image *tw_image_at(void *ctx, uint64_t va, int *module)
{
    tworld *w = ctx;
    *module = -1;
    for (unsigned i = 0; i < w->nmod; i++)
        if (va >= w->mod[i].base && va - w->mod[i].base < w->mod[i].size) {
            *module = (int)i;
            return w->mod[i].im;
        }
    return NULL;
}

/* A stack of len bytes at va, all readable, bounds known. */
static inline void tw_init(tworld *w, ds_arch arch, uint64_t va, size_t len)
{
    memset(w, 0, sizeof *w);
    w->stack = calloc(1, len);
    w->stack_va = va;
    w->stack_len = len;
    ds_mem_init(&w->mem, (ds_bytes){.data = w->stack, .size = len});
    ds_mem_add_region(&w->mem, va, len, 0);
    ds_mem_finish_regions(&w->mem);
    w->env.arch = arch;
    w->env.mem = &w->mem;
    w->env.image_at = tw_image_at;
    w->env.ctx = w;
    w->env.stack_low = va;
    w->env.stack_high = va + len;
}

/* A module; im may be NULL (a module whose image is not available). */
static inline int tw_module(tworld *w, uint64_t base, uint64_t size, ds_image *im)
{
    w->mod[w->nmod].base = base;
    w->mod[w->nmod].size = size;
    w->mod[w->nmod].im = im;
    return (int)w->nmod++;
}

static inline void tw_put64(tworld *w, uint64_t va, uint64_t v) { pb_put64(w->stack + (va - w->stack_va), v); }
static inline void tw_put32(tworld *w, uint64_t va, uint32_t v) { pb_put32(w->stack + (va - w->stack_va), v); }

static inline void tw_free(tworld *w)
{
    for (unsigned i = 0; i < w->nmod; i++)
        ds_image_close(w->mod[i].im);
    ds_mem_free(&w->mem);
    free(w->stack);
}

/* A context with pc and sp (and fp) set, all registers marked valid. */
static inline ds_context tw_context(ds_arch arch, uint64_t pc, uint64_t sp, uint64_t fp)
{
    ds_context c;
    memset(&c, 0, sizeof c);
    c.arch = arch;
    unsigned ipc = arch == DS_ARCH_ARM64 ? 32 : 16, isp = arch == DS_ARCH_ARM64 ? 31 : 4;
    unsigned ifp = arch == DS_ARCH_ARM64 ? 29 : 5;
    c.regs[ipc] = c.pc = pc;
    c.regs[isp] = c.sp = sp;
    c.regs[ifp] = c.fp = fp;
    c.valid = (1ull << (ipc + 1)) - 1;
    return c;
}

#endif
