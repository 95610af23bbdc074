/* libsqlite3 loaded on first use: see sqlite_lazy.h. */
#include <pthread.h>

#include "io/lazylib.h"
#include "report/sqlite_lazy.h"

static ds_lazylib sqlite_lib = DS_LAZYLIB_INIT(DS_SQLITE3_SONAME);
static ds_sqlite_api api;
static bool loaded;
static pthread_once_t once = PTHREAD_ONCE_INIT;

const ds_sqlite_api *const ds_sqlite = &api;

/* dlsym returns an object pointer; POSIX guarantees it converts to a
 * function pointer, which a plain cast from void * does not say to C. */
#define DS_SQLITE_RESOLVE(ret, name, args) \
    ok = (*(void **)(&api.name) = ds_lazylib_sym(&sqlite_lib, "sqlite3_" #name)) != NULL && ok;

static void resolve(void)
{
    bool ok = true;
    DS_SQLITE_CALLS(DS_SQLITE_RESOLVE)
    loaded = ok;
}

bool ds_sqlite_load(void)
{
    pthread_once(&once, resolve);
    return loaded;
}
