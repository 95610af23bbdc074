/*
 * The order of batch rows (--sort).
 */
#include <string.h>

#include "report/rowutil.h"

int ds_row_sort_parse(const char *name, ds_row_sort *out)
{
    static const char *const names[] = {"time",     "path",   "mtime", "size",
                                        "bugcheck", "module", "bucket"};
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
        if (name && strcmp(name, names[i]) == 0) {
            *out = (ds_row_sort)i;
            return 0;
        }
    return -1;
}

static int cmp_u64(uint64_t a, uint64_t b)
{
    return a < b ? -1 : a > b;
}

static int cmp_i64(int64_t a, int64_t b)
{
    return a < b ? -1 : a > b;
}

/* Strings with NULL (unknown) after every value. */
int cmp_str(const char *a, const char *b)
{
    if (!a || !b)
        return (a == NULL) - (b == NULL);
    return strcmp(a, b);
}

int ds_row_compare(const ds_row *a, const ds_row *b, ds_row_sort key)
{
    int c = 0;
    switch (key) {
    case DS_SORT_TIME: {
        int64_t ta = 0, tb = 0;
        bool ka = row_crash_unix(a, &ta), kb = row_crash_unix(b, &tb);
        c = ka && kb ? cmp_u64(a->crash_time.value, b->crash_time.value) : (int)kb - (int)ka;
        break;
    }
    case DS_SORT_MTIME:
        c = a->mtime.known && b->mtime.known ? cmp_i64(a->mtime.value, b->mtime.value)
                                         : (int)b->mtime.known - (int)a->mtime.known;
        break;
    case DS_SORT_SIZE:
        c = a->file_size.known && b->file_size.known
                ? cmp_u64(a->file_size.value, b->file_size.value)
                : (int)b->file_size.known - (int)a->file_size.known; /* unknown last */
        break;
    case DS_SORT_BUGCHECK:
        c = a->has_code && b->has_code ? cmp_u64(a->code, b->code)
                                       : (int)b->has_code - (int)a->has_code;
        if (!c)
            c = cmp_str(a->title, b->title);
        break;
    case DS_SORT_MODULE:
        c = cmp_str(a->suspect_module, b->suspect_module);
        break;
    case DS_SORT_BUCKET:
        c = cmp_str(a->bucket, b->bucket);
        break;
    case DS_SORT_PATH:
        break;
    }
    if (!c)
        c = strcmp(a->path ? a->path : "", b->path ? b->path : "");
    return c;
}
