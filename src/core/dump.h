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

#endif
