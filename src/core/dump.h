/* The opened dump. Internal: reports read it, the public API hides it. */
#ifndef DS_CORE_DUMP_H
#define DS_CORE_DUMP_H

#include "dumpscan/dumpscan.h"
#include "io/source.h"
#include "mem/memview.h"

struct ds_dump {
    ds_source src;
    ds_crash crash;
    ds_memview mem;
    char *path; /* as given to ds_open; NULL for memory buffers */
};

/* Runs the pipeline over d->src, already opened (ds_open's second half;
 * tests change the file in between). Frees d and returns NULL on error. */
ds_dump *ds_open_prepared(ds_dump *d, const ds_open_options *opt, ds_error *err);

/* The same with a session's shared parts (ds_open_with's second half). */
ds_dump *ds_open_prepared_with(ds_dump *d, const ds_session *s, ds_error *err);

#endif
