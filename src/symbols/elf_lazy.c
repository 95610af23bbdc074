/* libelf and libdwarf loaded on first use: see elf_lazy.h. */
#include <pthread.h>

#include "io/lazylib.h"
#include "symbols/elf_lazy.h"

static ds_lazylib libelf = DS_LAZYLIB_INIT(DS_LIBELF_SONAME);
static ds_lazylib libdwarf = DS_LAZYLIB_INIT(DS_LIBDWARF_SONAME);
static ds_elflibs_api api;
static const char *why = "not tried";
static pthread_once_t once = PTHREAD_ONCE_INIT;

const ds_elflibs_api *const ds_elflibs = &api;

/* dlsym returns an object pointer; POSIX guarantees it converts to a
 * function pointer, which a plain cast from void * does not say to C. */
#define DS_LIBELF_RESOLVE(ret, name, args) \
    elf_ok = (*(void **)(&api.name) = ds_lazylib_sym(&libelf, #name)) != NULL && elf_ok;
#define DS_LIBDWARF_RESOLVE(ret, name, args) \
    dwarf_ok = (*(void **)(&api.name) = ds_lazylib_sym(&libdwarf, #name)) != NULL && dwarf_ok;

static void resolve(void)
{
    bool elf_ok = true, dwarf_ok = true;
    DS_LIBELF_CALLS(DS_LIBELF_RESOLVE)
    DS_LIBDWARF_CALLS(DS_LIBDWARF_RESOLVE)
    if (!elf_ok)
        why = "ELF symbol files need libelf (" DS_LIBELF_SONAME "), which cannot be loaded";
    else if (!dwarf_ok)
        why = "ELF symbol files need libdwarf (" DS_LIBDWARF_SONAME "), which cannot be loaded";
    else if (api.elf_version(EV_CURRENT) == EV_NONE)
        why = "libelf (" DS_LIBELF_SONAME ") does not read this ELF version";
    else
        why = NULL;
}

const char *ds_elflibs_load(void)
{
    pthread_once(&once, resolve);
    return why;
}
