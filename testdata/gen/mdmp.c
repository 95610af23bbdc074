/* The minidump writer of mdmp.h. Layouts: MINIDUMP_HEADER (32 bytes),
 * MINIDUMP_DIRECTORY (12), MINIDUMP_THREAD (48), MINIDUMP_MODULE (108),
 * MINIDUMP_MEMORY_DESCRIPTOR (16), MINIDUMP_EXCEPTION_STREAM (0xA8),
 * MINIDUMP_SYSTEM_INFO (56); doc/formats.md 8. */
#include "mdmp.h"

#include "gen_internal.h"

#include <stdlib.h>
#include <string.h>

const mdw_arch MDW_X86 = {0, 0x2CC, 0xB8, 0xC4, 4};
const mdw_arch MDW_X64 = {9, 0x4D0, 0xF8, 0x98, 8};
const mdw_arch MDW_ARM64 = {12, 0x390, 0x108, 0x100, 8};
const mdw_arch MDW_ARM64_OLD = {0x8003, 0x31C, 0x108, 0x100, 8};

uint32_t mdw_here(const mdw *w)
{
    return (uint32_t)w->len;
}

uint32_t mdw_zero(mdw *w, size_t n)
{
    if (w->len + n > w->cap) {
        size_t cap = w->cap ? w->cap : 4096;
        while (cap < w->len + n)
            cap *= 2;
        uint8_t *b = realloc(w->b, cap);
        if (!b)
            abort();
        w->b = b;
        w->cap = cap;
    }
    uint32_t at = (uint32_t)w->len;
    memset(w->b + at, 0, n);
    w->len += n;
    return at;
}

uint32_t mdw_bytes(mdw *w, const void *p, size_t n)
{
    uint32_t at = mdw_zero(w, n);
    if (p && n)
        memcpy(w->b + at, p, n);
    return at;
}

void mdw_set16(mdw *w, size_t off, uint16_t v)
{
    put16(w->b + off, v);
}

void mdw_set32(mdw *w, size_t off, uint32_t v)
{
    put32(w->b + off, v);
}

void mdw_set64(mdw *w, size_t off, uint64_t v)
{
    put64(w->b + off, v);
}

uint32_t mdw_put32(mdw *w, uint32_t v)
{
    uint32_t at = mdw_zero(w, 4);
    mdw_set32(w, at, v);
    return at;
}

uint32_t mdw_put64(mdw *w, uint64_t v)
{
    uint32_t at = mdw_zero(w, 8);
    mdw_set64(w, at, v);
    return at;
}

void mdw_free(mdw *w)
{
    free(w->b);
    memset(w, 0, sizeof *w);
}

void mdw_begin(mdw *w, uint32_t maxstreams, uint32_t time_date_stamp)
{
    memset(w, 0, sizeof *w);
    w->maxstreams = maxstreams;
    mdw_zero(w, 32 + 12 * (size_t)maxstreams);
    memcpy(w->b, "MDMP", 4);
    mdw_set32(w, 4, 0xA793);
    mdw_set32(w, 8, maxstreams);
    mdw_set32(w, 12, 32);
    mdw_set32(w, 20, time_date_stamp);
}

void mdw_stream(mdw *w, uint32_t type, uint32_t rva, uint32_t size)
{
    if (w->nstreams >= w->maxstreams)
        abort(); /* the test asked for too few directory entries */
    size_t e = 32 + 12 * (size_t)w->nstreams++;
    mdw_set32(w, e, type);
    mdw_set32(w, e + 4, size);
    mdw_set32(w, e + 8, rva);
}

uint32_t mdw_string(mdw *w, const char *s)
{
    size_t n = strlen(s);
    uint32_t at = mdw_put32(w, (uint32_t)(2 * n));
    for (size_t i = 0; i < n; i++)
        mdw_set16(w, mdw_zero(w, 2), (uint8_t)s[i]);
    mdw_zero(w, 2);
    return at;
}

uint32_t mdw_context(mdw *w, const mdw_arch *a, uint64_t pc, uint64_t sp)
{
    uint32_t at = mdw_zero(w, a->ctx_size);
    if (a->raw == 0x8003) {
        mdw_set64(w, at, 0x80000006ull); /* MD_CONTEXT_ARM64_FULL_OLD */
        mdw_set32(w, at + 0x110, 0x60000000u);
    }
    if (a->pc_size == 4) {
        mdw_set32(w, at + a->pc_off, (uint32_t)pc);
        mdw_set32(w, at + a->sp_off, (uint32_t)sp);
    } else {
        mdw_set64(w, at + a->pc_off, pc);
        mdw_set64(w, at + a->sp_off, sp);
    }
    return at;
}

uint32_t mdw_system_info(mdw *w, uint16_t arch_raw)
{
    uint32_t csd = mdw_string(w, "Service Pack 9");
    uint32_t at = mdw_zero(w, 56);
    mdw_set16(w, at, arch_raw);
    mdw_set16(w, at + 2, 6);      /* level */
    mdw_set16(w, at + 4, 0x0D08); /* model 13 stepping 8 */
    w->b[at + 6] = 4;             /* CPUs */
    w->b[at + 7] = 1;             /* workstation */
    mdw_set32(w, at + 8, 10);
    mdw_set32(w, at + 12, 0);
    mdw_set32(w, at + 16, 19041);
    mdw_set32(w, at + 20, 2); /* VER_PLATFORM_WIN32_NT */
    mdw_set32(w, at + 24, csd);
    memcpy(w->b + at + 0x20, "GenuineIntel", 12);
    mdw_stream(w, MDW_SYSTEM_INFO, at, 56);
    return at;
}

uint32_t mdw_codeview(mdw *w, const uint8_t guid[16], uint32_t age, const char *pdb,
                      uint32_t *size)
{
    uint32_t at = mdw_bytes(w, "RSDS", 4);
    mdw_bytes(w, guid, 16);
    mdw_put32(w, age);
    mdw_bytes(w, pdb, strlen(pdb) + 1);
    *size = mdw_here(w) - at;
    return at;
}

/* Room for the rvas of n pieces written before their list. */
static uint32_t *rva_array(uint32_t n)
{
    uint32_t *a = calloc(n ? n : 1, sizeof *a);
    if (!a)
        abort();
    return a;
}

uint32_t mdw_thread_list(mdw *w, const mdw_thread *t, uint32_t n)
{
    uint32_t *stack = rva_array(n);
    for (uint32_t i = 0; i < n; i++)
        stack[i] = mdw_bytes(w, t[i].stack, t[i].stack_size);
    uint32_t at = mdw_put32(w, n);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t e = mdw_zero(w, 48);
        mdw_set32(w, e, t[i].id);
        mdw_set64(w, e + 0x10, t[i].teb);
        mdw_set64(w, e + 0x18, t[i].stack_va);
        mdw_set32(w, e + 0x20, t[i].stack_size);
        mdw_set32(w, e + 0x24, stack[i]);
        mdw_set32(w, e + 0x28, t[i].ctx_size);
        mdw_set32(w, e + 0x2C, t[i].ctx_rva);
    }
    free(stack);
    mdw_stream(w, MDW_THREAD_LIST, at, mdw_here(w) - at);
    return at;
}

uint32_t mdw_module_list(mdw *w, const mdw_module *m, uint32_t n)
{
    uint32_t *name = rva_array(n);
    for (uint32_t i = 0; i < n; i++)
        name[i] = mdw_string(w, m[i].name);
    uint32_t at = mdw_put32(w, n);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t e = mdw_zero(w, 108);
        mdw_set64(w, e, m[i].base);
        mdw_set32(w, e + 8, m[i].size);
        mdw_set32(w, e + 0x0C, m[i].checksum);
        mdw_set32(w, e + 0x10, m[i].time_date_stamp);
        mdw_set32(w, e + 0x14, name[i]);
        if (m[i].file_version_ms || m[i].file_version_ls) {
            mdw_set32(w, e + 0x18, 0xFEEF04BD); /* VS_FIXEDFILEINFO signature */
            mdw_set32(w, e + 0x1C, 0x00010000);
            mdw_set32(w, e + 0x20, m[i].file_version_ms);
            mdw_set32(w, e + 0x24, m[i].file_version_ls);
        }
        mdw_set32(w, e + 0x4C, m[i].cv_size);
        mdw_set32(w, e + 0x50, m[i].cv_rva);
    }
    free(name);
    mdw_stream(w, MDW_MODULE_LIST, at, mdw_here(w) - at);
    return at;
}

uint32_t mdw_memory_list(mdw *w, const mdw_range *r, uint32_t n)
{
    uint32_t at = mdw_put32(w, n);
    uint32_t desc = mdw_zero(w, 16 * (size_t)n);
    uint32_t end = mdw_here(w);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t data = mdw_bytes(w, r[i].data, r[i].size);
        mdw_set64(w, desc + 16 * i, r[i].va);
        mdw_set32(w, desc + 16 * i + 8, r[i].size);
        mdw_set32(w, desc + 16 * i + 12, data);
    }
    mdw_stream(w, MDW_MEMORY_LIST, at, end - at);
    return at;
}

uint32_t mdw_memory64_list(mdw *w, const mdw_range *r, uint32_t n)
{
    uint32_t at = mdw_zero(w, 16 + 16 * (size_t)n);
    mdw_set64(w, at, n);
    mdw_set64(w, at + 8, mdw_here(w));
    for (uint32_t i = 0; i < n; i++) {
        mdw_bytes(w, r[i].data, r[i].size);
        mdw_set64(w, at + 16 + 16 * i, r[i].va);
        mdw_set64(w, at + 24 + 16 * i, r[i].size);
    }
    mdw_stream(w, MDW_MEMORY64_LIST, at, 16 + 16 * n);
    return at;
}

uint32_t mdw_exception(mdw *w, uint32_t tid, uint32_t code, uint64_t address,
                       const uint64_t *params, uint32_t nparams, uint32_t ctx_rva,
                       uint32_t ctx_size)
{
    if (nparams > 15)
        abort();
    uint32_t x = mdw_zero(w, 0xA8);
    mdw_set32(w, x, tid);
    mdw_set32(w, x + 0x08, code);
    mdw_set64(w, x + 0x18, address);
    mdw_set32(w, x + 0x20, nparams);
    for (uint32_t i = 0; i < nparams; i++)
        mdw_set64(w, x + 0x28 + 8 * i, params[i]);
    mdw_set32(w, x + 0xA0, ctx_size);
    mdw_set32(w, x + 0xA4, ctx_rva);
    mdw_stream(w, MDW_EXCEPTION, x, 0xA8);
    return x;
}
