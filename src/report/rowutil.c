/*
 * Time, name and ordering helpers the batch row renderings share (rowutil.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "report/rowutil.h"

bool unix_tm(int64_t t, struct tm *tm)
{
    if (t < 0 || t > 253402300799ll)
        return false;
    time_t tt = (time_t)t;
    return gmtime_r(&tt, tm) != NULL;
}

/* "2024-03-15T12:00:00Z", or "" */
void iso_time(int64_t t, char *buf, size_t len)
{
    struct tm tm;
    if (!unix_tm(t, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
        buf[0] = '\0';
}

/* "2024-03-15 12:00" (the table), or "" */
void short_time(int64_t t, char *buf, size_t len)
{
    struct tm tm;
    if (!unix_tm(t, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M", &tm))
        buf[0] = '\0';
}

bool row_crash_unix(const ds_row *r, int64_t *t)
{
    return !r->failed && r->crash_time.known && ds_filetime_to_unix(r->crash_time.value, t);
}

const char *format_name(ds_format f)
{
    static const char *const n[] = {"unknown", "kernel32", "kernel64", "minidump"};
    return (unsigned)f < 4 ? n[f] : "unknown";
}
