/*
 * Batch rows as a terminal table fitted to a width.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/rowutil.h"
#include "report/safetext.h"
#include "report/strbuf.h"

enum { COL_FILE, COL_TIME, COL_BUG, COL_SUSPECT, COL_CONF, COL_BUCKET, NCOLS };

static const char *const col_head[NCOLS] = {"FILE",    "CRASH TIME (UTC)", "BUG CHECK",
                                            "SUSPECT", "CONF",             "BUCKET"};
/* Narrowest a shrinkable column gets; 0 = never shortened. */
static const size_t col_min[NCOLS] = {12, 0, 14, 10, 0, 10};

/* Cell texts of one row, escaped for a terminal, into v (caller frees each
 * with cells_free); a failed row has its path and "error: reason" only.
 * false on OOM. */
static bool table_cells(const ds_row *r, char **v)
{
    for (int i = 0; i < NCOLS; i++)
        v[i] = NULL;
    v[COL_FILE] = ds_display_join(r->path ? r->path : "", "", NULL);
    if (r->failed) {
        v[COL_TIME] = ds_display_join("error: ", "", r->error ? r->error : "unreadable");
        return v[COL_FILE] && v[COL_TIME];
    }
    char t[40] = "unknown", code[16];
    int64_t ut;
    if (row_crash_unix(r, &ut))
        short_time(ut, t, sizeof t);
    v[COL_TIME] = ds_display_join(t, "", NULL);
    snprintf(code, sizeof code, "0x%x", r->code);
    v[COL_BUG] = r->has_code ? ds_display_join(code, " ", r->title)
                             : ds_display_join(r->title ? r->title : "-", "", NULL);
    const char *suspect = ds_row_suspect_label(r);
    v[COL_SUSPECT] = suspect ? ds_display_join(suspect, "!", r->suspect_function)
                             : ds_display_join("-", "", NULL);
    v[COL_CONF] = ds_display_join(r->has_verdict ? ds_confidence_name(r->confidence) : "-", "",
                               NULL);
    v[COL_BUCKET] = ds_display_join(r->bucket ? r->bucket : "-", "", NULL);
    for (int i = 0; i < NCOLS; i++)
        if (!v[i])
            return false;
    return true;
}

static void cells_free(char **v)
{
    for (int i = 0; i < NCOLS; i++) {
        free(v[i]);
        v[i] = NULL;
    }
}

/* Write s (terminal-safe) in exactly w columns (pad, or shorten with '~');
 * the file column keeps its end (the file name), the others their start.
 * Cuts fall between characters; a wide character that does not fit leaves a
 * space. */
static void put_cell(ds_strbuf *b, const char *s, size_t w, bool keep_end, bool last)
{
    size_t used = ds_display_width(s);
    if (used <= w) {
        ds_sb_printf(b, "%s", s);
    } else if (w == 0) {
        return;
    } else if (keep_end) {
        size_t off = ds_display_tail(s, w - 1, &used);
        ds_sb_printf(b, "~%s", s + off);
        used++;
    } else {
        size_t n = ds_display_head(s, w - 1, &used);
        ds_sb_printf(b, "%.*s~", (int)n, s);
        used++;
    }
    if (!last && used < w)
        ds_sb_printf(b, "%*s", (int)(w - used), "");
}

char *ds_rows_table(const ds_row *const *rows, size_t n, unsigned width)
{
    size_t w[NCOLS];
    for (int i = 0; i < NCOLS; i++)
        w[i] = strlen(col_head[i]);
    char *v[NCOLS];
    for (size_t k = 0; k < n; k++) {
        if (!table_cells(rows[k], v)) {
            cells_free(v);
            return NULL;
        }
        int upto = rows[k]->failed ? 1 : NCOLS; /* the reason spans the rest */
        for (int i = 0; i < upto; i++) {
            size_t cw = ds_display_width(v[i]);
            if (cw > w[i])
                w[i] = cw;
        }
        cells_free(v);
    }
    /* Fit: take a column at a time from the widest shrinkable column. */
    size_t sep = 2, total = sep * (NCOLS - 1);
    for (int i = 0; i < NCOLS; i++)
        total += w[i];
    while (width && total > width) {
        int best = -1;
        for (int i = 0; i < NCOLS; i++)
            if (col_min[i] && w[i] > col_min[i] && (best < 0 || w[i] > w[best]))
                best = i;
        if (best < 0)
            break;
        w[best]--;
        total--;
    }

    ds_strbuf b = {0};
    for (int i = 0; i < NCOLS; i++) {
        put_cell(&b, col_head[i], w[i], false, i == NCOLS - 1);
        ds_sb_printf(&b, "%s", i == NCOLS - 1 ? "\n" : "  ");
    }
    for (size_t k = 0; k < n; k++) {
        const ds_row *r = rows[k];
        if (!table_cells(r, v)) {
            cells_free(v);
            free(ds_sb_finish(&b));
            return NULL;
        }
        put_cell(&b, v[COL_FILE], w[COL_FILE], true, false);
        ds_sb_printf(&b, "  ");
        if (r->failed) {
            size_t rest = total > w[COL_FILE] + sep ? total - w[COL_FILE] - sep : 20;
            put_cell(&b, v[COL_TIME], rest, false, true);
            ds_sb_printf(&b, "\n");
        } else {
            for (int i = 1; i < NCOLS; i++) {
                put_cell(&b, v[i], w[i], false, i == NCOLS - 1);
                ds_sb_printf(&b, "%s", i == NCOLS - 1 ? "\n" : "  ");
            }
        }
        cells_free(v);
    }
    return ds_sb_finish(&b);
}
