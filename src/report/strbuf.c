#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "report/strbuf.h"

void ds_sb_printf(ds_strbuf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = b->cap - b->len;
        int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? room : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = true;
            return;
        }
        if (b->s && (size_t)n < room) {
            b->len += (size_t)n;
            return;
        }
        size_t ncap = b->cap ? b->cap * 2 : 4096;
        while (ncap < b->len + (size_t)n + 1)
            ncap *= 2;
        char *p = realloc(b->s, ncap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->s = p;
        b->cap = ncap;
    }
}

char *ds_sb_finish(ds_strbuf *b)
{
    if (b->oom || !b->s) {
        free(b->s);
        b->s = NULL;
        return b->oom ? NULL : calloc(1, 1);
    }
    return b->s;
}
