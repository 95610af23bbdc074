/* ELF files of Linux modules: the input is the file. Open it (through a
 * temporary file: libdwarf reads a descriptor), read the build id, look up
 * names and source lines around every address the input names, and unwind synthetic contexts
 * of every architecture over a memory view made of the input's own bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "symbols/elf.h"

#define MEM_VA 0x10000u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/fuzz_elf_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 0;
    size_t done = 0;
    while (done < size) {
        ssize_t n = write(fd, data + done, size - done);
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    close(fd);
    ds_error err;
    ds_elfsym *e = ds_elfsym_open(path, &err);
    if (!e) {
        unlink(path);
        return 0;
    }
    uint8_t id[32];
    size_t idlen;
    ds_elfsym_build_id(e, id, sizeof id, &idlen);
    ds_elfsym_min_vaddr(e);

    ds_memview m;
    ds_mem_init(&m, (ds_bytes){.data = data, .size = size});
    ds_mem_add_region(&m, MEM_VA, size, 0);
    ds_mem_finish_regions(&m);

    static const ds_arch arches[] = {DS_ARCH_X64, DS_ARCH_X86, DS_ARCH_ARM64, DS_ARCH_ARM,
                                     DS_ARCH_UNKNOWN};
    unsigned salt = 0;
    for (size_t off = 0; off + 8 <= size && off < 512; off += 8, salt++) {
        uint64_t rva;
        memcpy(&rva, data + off, 8);
        if (salt & 1)
            rva &= 0xFFFFF; /* small addresses hit real FDEs more often */
        char name[64];
        uint64_t start, fsize;
        ds_elfsym_lookup(e, rva, name, sizeof name, &start, &fsize);
        ds_srcloc loc;
        if (salt % 4 == 0 || start)
            ds_elfsym_source(e, rva, &loc);
        ds_elfsym_source(e, start, &loc);
        ds_context c, out;
        memset(&c, 0, sizeof c);
        c.arch = arches[salt % 5];
        for (int r = 0; r < DS_MAX_REGS; r++)
            c.regs[r] = MEM_VA + ((rva >> (r % 8)) + (uint64_t)r * 8) % (size + 16);
        c.valid = salt & 2 ? ~0ull >> (64 - DS_MAX_REGS) : 0x3FFFFull;
        c.sp = MEM_VA + (salt * 8u) % (size + 1);
        c.pc = rva;
        ds_elfsym_unwind(e, rva, &c, &m, 0, &out);
    }
    ds_mem_free(&m);
    ds_elfsym_close(e);
    unlink(path);
    return 0;
}
