/* The value tables shipped as data: NTSTATUS names and meanings
 * (bugcodes/ntstatus.txt) and fill patterns (bugcodes/address-patterns.txt). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/knowledge.h"
#include "analysis/ntstatus.h"
#include "check.h"

extern const char ds_ntstatus_text[];

/* Every data line parses, values are unique, names are STATUS_*. */
static void test_ntstatus_file(void)
{
    size_t lines = 0, bad = 0;
    uint32_t *seen = NULL;
    for (const char *l = ds_ntstatus_text; *l;) {
        const char *nl = strchr(l, '\n');
        size_t n = nl ? (size_t)(nl - l) : strlen(l);
        if (n && l[0] != '#') {
            lines++;
            uint32_t v = (uint32_t)strtoul(l, NULL, 16);
            ds_ntstatus_info st;
            if (!ds_ntstatus_lookup(v, &st) || strncmp(st.name, "STATUS_", 7) != 0 ||
                !st.meaning[0] || st.code != v)
                bad++;
            for (size_t i = 0; i + 1 < lines; i++)
                if (seen[i] == v)
                    bad++;
            uint32_t *s2 = realloc(seen, lines * sizeof *s2);
            if (!s2)
                break;
            seen = s2;
            seen[lines - 1] = v;
        }
        l = nl ? nl + 1 : l + n;
    }
    free(seen);
    printf("ntstatus: %zu codes\n", lines);
    CHECK(lines >= 300);
    CHECK_EQ_U64(bad, 0);
}

static void test_ntstatus_lookup(void)
{
    ds_ntstatus_info st;
    /* x64 sign-extends a status held in a bug-check parameter */
    CHECK(ds_ntstatus_lookup(0xffffffffc0000005ULL, &st));
    CHECK_STR(st.name, "STATUS_ACCESS_VIOLATION");
    CHECK_STR(st.tag, "");
    CHECK(ds_ntstatus_lookup(0xC0000005u, &st) && st.code == 0xC0000005u);
    CHECK(ds_ntstatus_lookup(0xC0000428u, &st));
    CHECK_STR(st.name, "STATUS_INVALID_IMAGE_HASH");
    CHECK_STR(st.tag, "code_integrity");
    CHECK(strstr(st.meaning, "catalog") != NULL);
    CHECK(ds_ntstatus_lookup(0xC000009Cu, &st));
    CHECK_STR(st.name, "STATUS_DEVICE_DATA_ERROR");
    CHECK_STR(st.tag, "device_io");
    CHECK(ds_ntstatus_lookup(0x80000003u, &st));
    CHECK_STR(st.name, "STATUS_BREAKPOINT");
    CHECK(ds_ntstatus_lookup(0, &st));
    CHECK_STR(st.name, "STATUS_SUCCESS");
    CHECK(!ds_ntstatus_lookup(0xC0DE1234u, &st));
    CHECK(st.name[0] == '\0');
    CHECK(!ds_ntstatus_lookup(0x00000001C0DE1234ULL, &st));
}

static void test_patterns(void)
{
    ds_knowledge *k = ds_knowledge_load();
    CHECK(k != NULL);
    if (!k)
        return;
    const char *what = NULL;
    CHECK(ds_knowledge_fill_pattern(k, 0xDEADBEEF, &what) && what && *what);
    CHECK(ds_knowledge_fill_pattern(k, 0xFEEEFEEEFEEEFEEEULL, NULL));
    CHECK(ds_knowledge_fill_pattern(k, 0xFFFFFFFFBAADF00DULL + 0x18, NULL)); /* a field */
    CHECK(ds_knowledge_fill_pattern(k, 0xCCCCCCCC + 0x10, NULL));
    CHECK(!ds_knowledge_fill_pattern(k, 0xCCCCCCCC + 0x1000, NULL));
    CHECK(!ds_knowledge_fill_pattern(k, 0xFFFFF80412345678ULL, NULL));
    CHECK(!ds_knowledge_fill_pattern(k, 0x12345678DEADBEEFULL, NULL));
    CHECK(!ds_knowledge_fill_pattern(k, 0, NULL));
    ds_knowledge_free(k);
}

static void check_owner(const ds_knowledge *k, const char *name, const char *company,
                        const char *owner, const char *source)
{
    ds_module m;
    memset(&m, 0, sizeof m);
    m.name = (char *)name;
    m.company_name = (char *)company;
    ds_knowledge_owner(k, &m);
    if (owner)
        CHECK_STR(m.owner, owner);
    else
        CHECK(m.owner == NULL); /* unknown */
    if (source)
        CHECK_STR(m.owner_source, source);
    else
        CHECK(m.owner_source == NULL);
}

static void test_owner(void)
{
    ds_knowledge *k = ds_knowledge_load();
    CHECK(k != NULL);
    if (!k)
        return;
    /* the inbox list, any case */
    check_owner(k, "amdppm.sys", NULL, "microsoft", "inbox_list");
    check_owner(k, "KBDHID.SYS", NULL, "microsoft", "inbox_list");
    check_owner(k, "pci.sys", NULL, "microsoft", "inbox_list");
    check_owner(k, "ntoskrnl.exe", NULL, "microsoft", "inbox_list");
    check_owner(k, "NETIO.SYS", NULL, "microsoft", "inbox_list");
    /* neither: unknown, never third-party */
    check_owner(k, "mydrv.sys", NULL, NULL, NULL);
    check_owner(k, "mydrv.sys", "", NULL, NULL);
    check_owner(k, "nvlddmkm.sys", NULL, NULL, NULL);
    /* the version resource wins over the list */
    check_owner(k, "mydrv.sys", "Contoso Ltd.", "third_party", "version_resource");
    check_owner(k, "pci.sys", "Fabrikam, Inc.", "third_party", "version_resource");
    check_owner(k, "mydrv.sys", "Microsoft Corporation", "microsoft", "version_resource");
    CHECK(!ds_knowledge_inbox(k, NULL));
    CHECK(!ds_knowledge_inbox(k, ""));
    CHECK(!ds_knowledge_inbox(k, "#"));
    ds_knowledge_free(k);
}

int main(void)
{
    test_owner();
    test_ntstatus_file();
    test_ntstatus_lookup();
    test_patterns();
    return check_report("test_knowledge_tables");
}
