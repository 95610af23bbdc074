/* File names from outside (issue 9 items 5 and 8): the input, cut at its
 * first NUL, is a path. Its terminal form must be well-formed UTF-8 without
 * control characters whose cuts stay within their columns; its JSON form
 * must exist and percent-decode to the exact bytes; every batch rendering of
 * a row with that path (and that error text) must hold no raw control
 * character. A violation aborts, so the fuzzer reports it. */
#include <stdlib.h>
#include <string.h>

#include "dumpscan/dumpscan.h"
#include "io/bytes.h"
#include "report/safetext.h"

static void must(bool ok)
{
    if (!ok)
        abort();
}

/* Well-formed UTF-8, and no C0 control or DEL. */
static bool clean(const char *s, bool allow_newlines)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t len = strlen(s);
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = ds_utf8_seq(p + i, len - i, &cp);
        if (n == 0 || cp == 0x7F || (cp < 0x20 && !(allow_newlines && cp == '\n')))
            return false;
        i += n;
    }
    return true;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

static void check_json(const char *name)
{
    json_t *j = ds_json_path(name);
    if (!j)
        return; /* out of memory */
    const char *s = json_string_value(j);
    must(s != NULL);
    size_t o = 0, len = strlen(s);
    char *dec = malloc(len + 1);
    must(dec != NULL);
    for (size_t i = 0; i < len; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < len && (hi = hexval(s[i + 1])) >= 0 &&
            (lo = hexval(s[i + 2])) >= 0) {
            dec[o++] = (char)(hi << 4 | lo);
            i += 2;
        } else {
            dec[o++] = s[i];
        }
    }
    dec[o] = '\0';
    must(strcmp(dec, name) == 0);
    free(dec);
    char *back = ds_json_path_decode(s);
    must(!back || strcmp(back, name) == 0);
    free(back);
    json_decref(j);
}

static void check_display(const char *name)
{
    ds_strbuf b = {0};
    ds_sb_display(&b, name);
    char *s = ds_sb_finish(&b);
    if (!s)
        return;
    must(clean(s, false));
    size_t w = ds_display_width(s), len = strlen(s);
    static const size_t cols[] = {0, 1, 2, 3, 5, 8, 13, 40};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        size_t used, n = ds_display_head(s, cols[i], &used);
        must(n <= len && used <= cols[i] && used <= w);
        size_t off = ds_display_tail(s, cols[i], &used);
        must(off <= len && used <= cols[i] && used <= w);
        must(clean(s + off, false));
        char *head = strndup(s, n);
        must(head && clean(head, false));
        free(head);
    }
    free(s);
}

static void check_batch(const char *name)
{
    ds_row *r = ds_row_failed(name, NULL, name);
    if (!r)
        return;
    static const unsigned widths[] = {0, 60, 100};
    for (size_t i = 0; i < sizeof widths / sizeof widths[0]; i++) {
        char *t = ds_rows_table((const ds_row *const *)&r, 1, widths[i]);
        must(!t || clean(t, true));
        ds_free(t);
    }
    char *js = ds_row_json(r, 0);
    must(js != NULL);
    json_t *j = json_loads(js, 0, NULL);
    must(json_is_string(json_object_get(json_object_get(j, "file"), "path")));
    json_decref(j);
    ds_free(js);
    ds_free(ds_row_csv(r));
    ds_summary *s = ds_summary_new();
    if (s && ds_summary_add(s, r) == 0) {
        char *t = ds_summary_text(s);
        must(!t || clean(t, true));
        ds_free(t);
        ds_free(ds_summary_json(s, 0));
    }
    ds_summary_free(s);
    ds_row_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0; /* names, not files */
    char *name = malloc(size + 1);
    if (!name)
        return 0;
    memcpy(name, data, size);
    name[size] = '\0';
    check_json(name);
    check_display(name);
    check_batch(name);
    free(name);
    return 0;
}
