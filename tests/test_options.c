/*
 * ds_open_options can grow without breaking the ABI (header: ds_open_options):
 * the library reads only the members the caller's .size covers. NULL and a
 * zero struct mean the defaults; an older, smaller struct is read no further
 * than its size (the buffers below are exactly that size, so AddressSanitizer
 * would catch a read past it); a newer, larger one is accepted.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dumpscan/dumpscan.h"

static const char *sample = DS_SOURCE_DIR "/testdata/samples/x64-bitmap-kernel.dmp"; /* modules from a loader list, which max_modules bounds */

static char *report(const ds_open_options *o)
{
    ds_error err;
    ds_dump *d = ds_open(sample, o, &err);
    CHECK(d != NULL);
    char *j = d ? ds_report_json(d, 0) : NULL;
    ds_close(d);
    return j;
}

static size_t modules(const ds_open_options *o)
{
    ds_error err;
    ds_dump *d = ds_open(sample, o, &err);
    CHECK(d != NULL);
    size_t n = d ? ds_dump_crash(d)->nmodules : 0;
    ds_close(d);
    return n;
}

/* An older header's struct: the first n bytes only, on the heap. */
static ds_open_options *cut(size_t n)
{
    ds_open_options *o = malloc(n);
    CHECK(o != NULL);
    if (o) {
        memset(o, 0, n);
        /* bytes, not o->size: the struct is deliberately shorter than its type */
        memcpy((char *)o + offsetof(ds_open_options, size), &n, sizeof n);
    }
    return o;
}

int main(void)
{
    /* No symbol server or store of the environment may change the reports. */
    setenv("DUMPSCAN_SYMBOL_PATH", "", 1);
    unsetenv("_NT_SYMBOL_PATH");

    char *defaults = report(NULL);
    CHECK(defaults != NULL);

    /* A zero struct: defaults, whatever else it says (size 0 covers nothing). */
    ds_open_options zero = {.no_unwind = true, .max_modules = 1};
    char *z = report(&zero);
    CHECK(z && defaults && strcmp(z, defaults) == 0);

    /* The same members with a size: read, and they change the report. */
    ds_open_options full = {DS_OPEN_OPTIONS_INIT, .no_unwind = true, .max_modules = 1};
    char *f = report(&full);
    CHECK(f && defaults && strcmp(f, defaults) != 0);
    size_t all = modules(NULL);
    CHECK(all > 1);
    CHECK(modules(&full) == 1);
    ds_open_options init = {DS_OPEN_OPTIONS_INIT};
    char *i = report(&init);
    CHECK(i && defaults && strcmp(i, defaults) == 0);

    /* An older header whose struct ended after max_modules: it is read (one
     * module), and nothing past its size is. */
    ds_open_options *old = cut(offsetof(ds_open_options, symbol_path));
    if (old) {
        old->max_modules = 1;
        CHECK(modules(old) == 1);
        free(old);
    }
    /* One that ended before no_symbols: no_unwind and the rest are defaults. */
    ds_open_options *mid = cut(offsetof(ds_open_options, no_symbols));
    if (mid) {
        char *m = report(mid);
        CHECK(m && defaults && strcmp(m, defaults) == 0);
        free(m);
        free(mid);
    }

    /* A newer header's larger struct: known members read, the rest ignored. */
    size_t newer = sizeof(ds_open_options) + 64;
    unsigned char *big = malloc(newer);
    CHECK(big != NULL);
    if (big) {
        memset(big, 0xA5, newer);
        ds_open_options known = {.size = newer, .no_unwind = true, .max_modules = 1};
        memcpy(big, &known, sizeof known);
        char *b = report((const ds_open_options *)big);
        CHECK(b && f && strcmp(b, f) == 0);
        free(b);
        free(big);
    }

    free(defaults);
    free(z);
    free(f);
    free(i);
    return check_report("test_options");
}
