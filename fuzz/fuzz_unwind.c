/* The unwinder over hostile images and stacks. Input: byte 0 picks the
 * architecture, byte 1 options (known stack bounds, FPO data, frame pointer
 * inside the stack), bytes 2-3 the image length L; then L bytes of PE image
 * (as a file), the rest is the stack. The context's registers come from the
 * stack bytes, with pc pulled into the image and sp into the stack. */
#include <stdlib.h>
#include <string.h>

#include "image/image.h"
#include "io/bytes.h"
#include "mem/memview.h"
#include "unwind/unwind.h"

#define STACK_VA 0x7F0000ull
#define NOIMG_OFF 0x1000000ull

typedef struct world {
    ds_image *im;
    uint64_t base, size;
    ds_pdb_fpo fpo;
    char program[72];
    bool use_fpo;
} world;

static const ds_image *image_at(void *ctx, uint64_t va, int *module)
{
    world *w = ctx;
    *module = -1;
    if (va >= w->base && va - w->base < w->size) {
        *module = 0;
        return w->im;
    }
    if (va >= w->base + NOIMG_OFF && va - (w->base + NOIMG_OFF) < 0x100000)
        *module = 1; /* a module whose image is not available */
    return NULL;
}

static bool fpo_at(void *ctx, uint64_t va, ds_pdb_fpo *out)
{
    world *w = ctx;
    if (!w->use_fpo || (va & 0x30) == 0x30)
        return false;
    *out = w->fpo;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    static const ds_arch arches[4] = {DS_ARCH_X64, DS_ARCH_X86, DS_ARCH_ARM64, DS_ARCH_X64};
    ds_arch arch = arches[data[0] & 3];
    uint8_t opt = data[1];
    size_t ilen = ds_le16(data + 2);
    if (ilen > size - 4)
        ilen = size - 4;
    const uint8_t *img = data + 4, *stack = img + ilen;
    size_t slen = size - 4 - ilen;
    if (slen > 0x10000)
        slen = 0x10000;

    world w;
    memset(&w, 0, sizeof w);
    w.base = arch == DS_ARCH_X86 ? 0x400000ull : 0x140000000ull;
    ds_error e;
    w.im = ds_image_from_memory(img, ilen, w.base, &e);
    w.size = w.im ? ds_image_size(w.im) : ilen;
    if (!w.size)
        w.size = 0x1000;
    w.use_fpo = opt & 2;
    if (slen >= 8) {
        w.fpo.locals_size = (uint32_t)stack[0] * 4;
        w.fpo.saved_regs_size = (uint32_t)(stack[1] & 7) * 4;
        w.fpo.params_size = (uint32_t)(stack[2] & 15) * 4;
        w.fpo.uses_bp = stack[3] & 1;
        if (stack[3] & 2) {
            size_t n = slen - 4 < sizeof w.program - 1 ? slen - 4 : sizeof w.program - 1;
            memcpy(w.program, stack + 4, n);
            w.fpo.program = w.program;
        } else if (stack[3] & 4) {
            w.fpo.program = "$T0 $ebp = $eip $T0 4 + ^ = $ebp $T0 ^ = $esp $T0 8 + =";
        }
    }

    /* the walk's rules (issue 12): kernel stacks (trap frames), frame-pointer
     * platforms, pc 0, a spliced context record; bit 6: the stack bytes also
     * stand for code of the module without an image (the bytes a minidump
     * keeps around a thread's pc), bit 7: pc in that module */
    uint8_t more = slen ? stack[slen - 1] : 0;
    ds_memview mem;
    ds_mem_init(&mem, (ds_bytes){.data = stack, .size = slen});
    if ((slen && ds_mem_add_region(&mem, STACK_VA, slen, 0) < 0) ||
        (slen && (more & 64) && ds_mem_add_region(&mem, w.base + NOIMG_OFF, slen, 0) < 0)) {
        ds_mem_free(&mem);
        ds_image_close(w.im);
        return 0;
    }
    ds_mem_finish_regions(&mem);

    ds_context c;
    memset(&c, 0, sizeof c);
    c.arch = arch;
    unsigned ipc = arch == DS_ARCH_ARM64 ? 32 : 16, isp = arch == DS_ARCH_ARM64 ? 31 : 4;
    unsigned ifp = arch == DS_ARCH_ARM64 ? 29 : 5;
    for (unsigned i = 0; i < DS_MAX_REGS; i++) {
        uint8_t b[8] = {0};
        for (unsigned k = 0; k < 8 && slen; k++)
            b[k] = stack[(8 * i + k) % slen];
        c.regs[i] = ds_le64(b);
    }
    uint64_t span = slen ? slen : 1;
    c.regs[ipc] = w.base + c.regs[ipc] % (w.size + 0x100);
    c.regs[isp] = STACK_VA + (c.regs[isp] % span & ~7ull);
    if (opt & 4)
        c.regs[ifp] = STACK_VA + (c.regs[ifp] % span & ~3ull);
    c.valid = ((1ull << DS_MAX_REGS) - 1) & ~((uint64_t)(opt & 0xF0) << 24);
    if (more & 128)
        c.regs[ipc] = w.base + NOIMG_OFF + c.regs[ipc] % span;
    if (more & 8)
        c.regs[ipc] = 0;
    c.pc = c.regs[ipc];
    c.sp = c.regs[isp];
    c.fp = c.regs[ifp];
    ds_context rec = c;
    rec.regs[isp] = rec.sp = STACK_VA + ((c.sp - STACK_VA + (uint64_t)more * 8) % span & ~7ull);
    rec.regs[ipc] = rec.pc = w.base + (uint64_t)more * 0x10 % (w.size + 0x100);

    ds_unwind_env env = {
        .arch = arch,
        .mem = &mem,
        .image_at = image_at,
        .fpo_at = fpo_at,
        .ctx = &w,
        .max_frames = 64,
        .max_scan_bytes = opt & 8 ? 256 : 0,
        .kernel = more & 1,
        /* x86 trap frames: the Windows 7 or the 8.1 layout, or build unknown */
        .kernel_build = {more & 16 ? 7601 : 19041, (more & 32) != 0},
        .frame_pointers = more & 2,
        .splice = more & 4 ? &rec : NULL,
        .nsplice = more & 4 ? 1 : 0,
    };
    if (opt & 1) {
        env.stack_low = STACK_VA;
        env.stack_high = STACK_VA + slen;
    }
    ds_frame *f;
    size_t n;
    char *why;
    if (ds_unwind_walk(&env, &c, &f, &n, &why) == 0) {
        free(f);
        free(why);
    }
    ds_context next;
    ds_trust t;
    bool trap;
    ds_unwind_step(&env, &c, true, &next, &t, &trap);
    ds_unwind_step(&env, &c, false, &next, &t, &trap);

    ds_mem_free(&mem);
    ds_image_close(w.im);
    return 0;
}
