/* Load-on-first-use libraries (see lazylib.h). */
#include <dlfcn.h>

#include "io/lazylib.h"

void *ds_lazylib_sym(ds_lazylib *lib, const char *name)
{
    pthread_mutex_lock(&lib->lock);
    if (!lib->tried) {
        lib->tried = true;
        /* RTLD_LOCAL: its symbols serve only the wrappers asking for them. */
        lib->handle = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
    }
    void *handle = lib->handle;
    pthread_mutex_unlock(&lib->lock);
    return handle ? dlsym(handle, name) : NULL;
}
