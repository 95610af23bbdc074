/* Growing string for building reports. On OOM it stops growing and remembers. */
#ifndef DS_REPORT_STRBUF_H
#define DS_REPORT_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct ds_strbuf {
    char *s;
    size_t len, cap;
    bool oom;
} ds_strbuf;

void ds_sb_printf(ds_strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The string (caller frees), or NULL if memory ran out. */
char *ds_sb_finish(ds_strbuf *b);

#endif
