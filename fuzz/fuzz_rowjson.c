/* Rows read back from outside: a JSONL line of a --merge part
 * (ds_row_from_json) and a crash database's row record (ds_row_from_record).
 * Whatever loads is rendered every way a batch renders a row, and a record
 * must survive a round trip. */
#include <stdlib.h>
#include <string.h>

#include "dumpscan/dumpscan.h"
#include "report/rowrec.h"

static void render(const ds_row *r)
{
    ds_free(ds_row_csv(r));
    ds_free(ds_row_bsv(r));
    ds_free(ds_row_json(r, 0));
    const ds_row *rows[1] = {r};
    const char *machines[1] = {"m"};
    ds_free(ds_rows_table(rows, 1, 100));
    ds_free(ds_rows_html(rows, machines, 1, NULL));
    ds_summary *s = ds_summary_new();
    if (s) {
        ds_summary_since(s, 1700000000);
        ds_summary_add_as(s, r, "m");
        ds_free(ds_summary_text(s));
        ds_free(ds_summary_json(s, 0));
        ds_summary_free(s);
    }
    char *rec = ds_row_record(r);
    ds_row *back = rec ? ds_row_from_record(rec) : NULL;
    char *rec2 = back ? ds_row_record(back) : NULL;
    if (rec && back && (!rec2 || strcmp(rec, rec2) != 0))
        abort(); /* a record must read back as itself */
    free(rec);
    free(rec2);
    ds_row_free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    ds_error err;
    ds_row *r = ds_row_from_json(text, &err);
    if (r)
        render(r);
    ds_row_free(r);
    r = ds_row_from_record(text);
    if (r)
        render(r);
    ds_row_free(r);
    free(text);
    return 0;
}
