/*
 * Libraries that many runs never need, loaded on first use with dlopen().
 * Linking them normally makes every run pay for them at start-up: the dynamic
 * loader processes all of a library's relocations before main() (capstone
 * alone has about 81,000), even for `dumpscan --version` or a report that
 * never disassembles. bench/startup.sh measures the effect. Loaded through
 * this: capstone (unwind/capstone_lazy.c), SQLite (report/sqlite_lazy.h),
 * libelf and libdwarf (symbols/elf_lazy.h); libcurl too, by symbols/symsrv.c.
 *
 * A ds_lazylib is a process-wide handle by nature (dlopen's are); each one is
 * a static in the file that wraps that library, guarded by its own mutex, so
 * concurrent first uses from batch workers are safe.
 */
#ifndef DS_IO_LAZYLIB_H
#define DS_IO_LAZYLIB_H

#include <pthread.h>
#include <stdbool.h>

typedef struct ds_lazylib {
    const char *soname; /* e.g. "libcapstone.so.4", from the build */
    pthread_mutex_t lock;
    bool tried;
    void *handle; /* NULL when the library could not be loaded */
} ds_lazylib;

#define DS_LAZYLIB_INIT(soname) {(soname), PTHREAD_MUTEX_INITIALIZER, false, NULL}

/* The address of symbol name, loading the library the first time; NULL when
 * the library or the symbol is missing (the caller degrades, never crashes). */
void *ds_lazylib_sym(ds_lazylib *lib, const char *name);

#endif
