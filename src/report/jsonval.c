/* The shared JSON values (jsonval.h). */
#include <stdio.h>

#include "report/jsonval.h"
#include "report/rowutil.h"

json_t *ds_json_hex(uint64_t v)
{
    char b[24];
    snprintf(b, sizeof b, "0x%llx", (unsigned long long)v);
    return json_string(b);
}

json_t *ds_json_opt_hex(ds_u64 v)
{
    return v.known ? ds_json_hex(v.value) : json_null();
}

json_t *ds_json_opt_int(ds_u64 v)
{
    return v.known ? json_integer((json_int_t)v.value) : json_null();
}

json_t *ds_json_str(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

json_t *ds_json_time(bool known, uint64_t ft)
{
    int64_t t;
    char buf[40];
    if (!known || !ds_filetime_to_unix(ft, &t))
        return json_null();
    iso_time(t, buf, sizeof buf);
    return buf[0] ? json_string(buf) : json_null();
}
