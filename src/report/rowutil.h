/* Helpers the batch row renderings share (defined in rowutil.c, sort.c). */
#ifndef DS_REPORT_ROWUTIL_H
#define DS_REPORT_ROWUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "dumpscan/dumpscan.h"
#include "model/model.h"

/* Unix seconds -> UTC broken-down time; false when out of gmtime's range. */
bool unix_tm(int64_t t, struct tm *tm);
/* "2024-03-15T12:00:00Z" / "2024-03-15 12:00", or "" */
void iso_time(int64_t t, char *buf, size_t len);
void short_time(int64_t t, char *buf, size_t len);
/* The row's crash time in Unix seconds, when it has one. */
bool row_crash_unix(const ds_row *r, int64_t *t);
/* strcmp with NULL (unknown) after every value. */
int cmp_str(const char *a, const char *b);
/* "kernel64", "minidump", ... */
const char *format_name(ds_format f);

#endif
