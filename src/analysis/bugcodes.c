/* Lookups over the generated bug-check table (bugcodes_table.c, made from
 * the bugcodes/ .txt files by tools/bugcodes_gen.c at build time). */
#include <string.h>

#include "analysis/bugcodes.h"

#define DS_BUGCODE_M_BIT 0x10000000u

static const char *const role_names[] = {
#define DS_X_(id, str) str,
    DS_PARAM_ROLE_LIST(DS_X_)
#undef DS_X_
};

static const char *const class_names[] = {
#define DS_X_(id, str) str,
    DS_CRASH_CLASS_LIST(DS_X_)
#undef DS_X_
};

const char *ds_param_role_name(ds_param_role r)
{
    return (unsigned)r < DS_ROLE_COUNT_ ? role_names[r] : "?";
}

const char *ds_crash_class_name(ds_crash_class c)
{
    return (unsigned)c < DS_CLASS_COUNT_ ? class_names[c] : "?";
}

int ds_param_role_from_name(const char *name)
{
    for (int i = 0; name && i < DS_ROLE_COUNT_; i++)
        if (strcmp(name, role_names[i]) == 0)
            return i;
    return -1;
}

int ds_crash_class_from_name(const char *name)
{
    for (int i = 0; name && i < DS_CLASS_COUNT_; i++)
        if (strcmp(name, class_names[i]) == 0)
            return i;
    return -1;
}

size_t ds_bugcode_count(void)
{
    return ds_bugcode_table_len;
}

const ds_bugcode *ds_bugcode_at(size_t i)
{
    return i < ds_bugcode_table_len ? &ds_bugcode_table[i] : NULL;
}

const ds_bugcode *ds_bugcode_lookup(uint32_t code)
{
    size_t lo = 0, hi = ds_bugcode_table_len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint32_t c = ds_bugcode_table[mid].code;
        if (c == code)
            return &ds_bugcode_table[mid];
        if (c < code)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

void ds_bugcode_resolve(uint32_t code, const uint64_t params[4], ds_bugcode_view *out)
{
    memset(out, 0, sizeof *out);
    out->code = code;
    out->cls = DS_CLASS_UNKNOWN;
    for (int i = 0; i < 4; i++)
        out->params[i].role = DS_ROLE_UNKNOWN;

    const ds_bugcode *e = ds_bugcode_lookup(code);
    /* Windows reports some bug checks with bit 28 set (the "_M" variants,
     * e.g. 0x1000007E for 0x7E); describe an unlisted one by its base code. */
    if (!e && (code & 0xF0000000u) == DS_BUGCODE_M_BIT) {
        e = ds_bugcode_lookup(code & ~DS_BUGCODE_M_BIT);
        out->via_base_code = e != NULL;
    }
    if (!e)
        return;

    out->known = true;
    out->matched_code = e->code;
    out->entry = e;
    out->name = e->name;
    out->cls = e->cls;
    out->summary = e->summary;
    memcpy(out->params, e->params, sizeof out->params);

    if (!params)
        return;
    for (size_t i = 0; i < e->ncases; i++) {
        const ds_bugcode_case *k = &e->cases[i];
        if (k->param >= 4)
            continue;
        uint64_t v = params[k->param];
        /* NTSTATUS values arrive sign-extended on x64 (0xffffffffc0000005):
         * a status is its low 32 bits */
        ds_param_role r = e->params[k->param].role;
        if (r == DS_ROLE_EXCEPTION_CODE || r == DS_ROLE_STATUS)
            v = (uint32_t)v;
        if (v < k->lo || v > k->hi)
            continue;
        out->subcase = k;
        out->case_summary = k->summary;
        out->cls = k->cls;
        memcpy(out->params, k->params, sizeof out->params);
        return;
    }
}
