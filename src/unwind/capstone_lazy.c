/*
 * The five capstone calls the unwinder makes, through a library loaded on
 * first use (io/lazylib.h): most runs never validate a scanned frame, and
 * linking capstone would make all of them pay its relocations at start-up.
 * When libcapstone cannot be loaded, ds_cs_open fails and scanned frames stay
 * unvalidated, as with any other capstone error.
 */
#include "io/lazylib.h"
#include "unwind/unwind_internal.h"

#ifndef DS_CAPSTONE_SONAME
#define DS_CAPSTONE_SONAME "libcapstone.so.4"
#endif

static ds_lazylib capstone = DS_LAZYLIB_INIT(DS_CAPSTONE_SONAME);

/* dlsym returns an object pointer; POSIX guarantees it converts to a
 * function pointer, which a plain cast from void * does not say to C. */
#define LOOKUP(fn, name) \
    (*(void **)(&(fn)) = ds_lazylib_sym(&capstone, (name)), (fn) != NULL)

cs_err ds_cs_open(cs_arch arch, cs_mode mode, csh *handle)
{
    cs_err (*fn)(cs_arch, cs_mode, csh *);
    return LOOKUP(fn, "cs_open") ? fn(arch, mode, handle) : CS_ERR_MEM;
}

cs_err ds_cs_option(csh handle, cs_opt_type type, size_t value)
{
    cs_err (*fn)(csh, cs_opt_type, size_t);
    return LOOKUP(fn, "cs_option") ? fn(handle, type, value) : CS_ERR_OPTION;
}

size_t ds_cs_disasm(csh handle, const uint8_t *code, size_t size, uint64_t address,
                    size_t count, cs_insn **insn)
{
    size_t (*fn)(csh, const uint8_t *, size_t, uint64_t, size_t, cs_insn **);
    *insn = NULL;
    return LOOKUP(fn, "cs_disasm") ? fn(handle, code, size, address, count, insn) : 0;
}

void ds_cs_free(cs_insn *insn, size_t count)
{
    void (*fn)(cs_insn *, size_t);
    if (insn && LOOKUP(fn, "cs_free"))
        fn(insn, count);
}

cs_err ds_cs_close(csh *handle)
{
    cs_err (*fn)(csh *);
    return LOOKUP(fn, "cs_close") ? fn(handle) : CS_ERR_HANDLE;
}
