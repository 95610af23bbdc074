/*
 * The one FILETIME conversion (model/lookup.c) and the shared JSON values
 * (report/jsonval.h): the epoch, the 1970..9999 range, the round trip, and
 * the rule that NULL, "" and unknown are all null.
 */
#include "check.h"
#include "model/model.h"
#include "report/jsonval.h"

/* 2024-03-15T12:00:00Z */
#define T2024 1710504000ll

static int json_is(json_t *j, const char *want)
{
    bool ok = want ? json_is_string(j) && strcmp(json_string_value(j), want) == 0
                   : json_is_null(j);
    json_decref(j);
    return ok;
}

int main(void)
{
    int64_t t = -1;
    CHECK_EQ_U64(ds_unix_to_filetime(0), 116444736000000000ull);
    CHECK(ds_filetime_to_unix(ds_unix_to_filetime(T2024), &t) && t == T2024);
    /* Sub-second ticks are dropped, not rounded. */
    CHECK(ds_filetime_to_unix(ds_unix_to_filetime(T2024) + 9999999, &t) && t == T2024);
    CHECK(ds_filetime_to_unix(116444736000000000ull, &t) && t == 0);
    CHECK(!ds_filetime_to_unix(0, &t));                          /* unset */
    CHECK(!ds_filetime_to_unix(116444736000000000ull - 10000000, &t)); /* 1969 */
    CHECK(ds_filetime_to_unix(ds_unix_to_filetime(253402300799ll), &t)); /* 9999-12-31 */
    CHECK(!ds_filetime_to_unix(ds_unix_to_filetime(253402300800ll), &t)); /* 10000 */
    CHECK(!ds_filetime_to_unix(UINT64_MAX, &t));

    char b[32];
    ds_format_filetime(ds_unix_to_filetime(T2024), b, sizeof b);
    CHECK_STR(b, "2024-03-15 12:00:00");
    ds_format_filetime(0, b, sizeof b);
    CHECK_STR(b, "invalid");
    ds_format_filetime(UINT64_MAX, b, sizeof b);
    CHECK_STR(b, "invalid");

    CHECK(json_is(ds_json_time(true, ds_unix_to_filetime(T2024)), "2024-03-15T12:00:00Z"));
    CHECK(json_is(ds_json_time(false, ds_unix_to_filetime(T2024)), NULL));
    CHECK(json_is(ds_json_time(true, 0), NULL));
    CHECK(json_is(ds_json_time(true, UINT64_MAX), NULL));

    CHECK(json_is(ds_json_str("mydrv.sys"), "mydrv.sys"));
    CHECK(json_is(ds_json_str(""), NULL));
    CHECK(json_is(ds_json_str(NULL), NULL));
    CHECK(json_is(ds_json_hex(0xfffff80415a01008ull), "0xfffff80415a01008"));
    CHECK(json_is(ds_json_opt_hex(ds_known(0)), "0x0"));
    CHECK(json_is(ds_json_opt_hex((ds_u64){0, false}), NULL));
    json_t *n = ds_json_opt_int(ds_known(42));
    CHECK(json_is_integer(n) && json_integer_value(n) == 42);
    json_decref(n);
    CHECK(json_is(ds_json_opt_int((ds_u64){42, false}), NULL));
    return check_report("test_filetime");
}
