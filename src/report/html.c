/*
 * The fleet page (--format html): one self-contained HTML file, inline CSS
 * and SVG charts, no script, no font or image from anywhere, so it can be
 * mailed to a vendor and read with JavaScript off. Every string that came
 * from a dump or a path is escaped. Sections: totals, buckets (suspect,
 * version, confidence), suspects, crashes per day of the top buckets, bug
 * checks, drivers with versions, new buckets, and every dump.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "report/rowutil.h"
#include "report/safetext.h"
#include "report/strbuf.h"

enum { TOP_BUCKETS = 5, CHART_BARS = 15, WINDOW_DAYS = 366 };

/* ----------------------------------------------------------- escaping */

/* Text from outside: first the display escape of the text table (report/
 * safetext.h: "\\xHH" for control characters and bytes that are not UTF-8),
 * so the page is valid UTF-8 and shows what a terminal would; then HTML's. */
static void esc(ds_strbuf *b, const char *s)
{
    static const char *const ent[256] = {['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;",
                                         ['"'] = "&quot;", ['\''] = "&#39;"};
    if (!s)
        return;
    ds_strbuf t = {0};
    ds_sb_display(&t, s);
    char *shown = ds_sb_finish(&t);
    if (!shown) {
        b->oom = true;
        return;
    }
    const char *run = shown, *p = shown;
    for (; *p; p++) {
        const char *e = ent[(unsigned char)*p];
        if (!e)
            continue;
        ds_sb_printf(b, "%.*s%s", (int)(p - run), run, e);
        run = p + 1;
    }
    ds_sb_printf(b, "%s", run);
    free(shown);
}

static void cell(ds_strbuf *b, const char *s)
{
    ds_sb_printf(b, "<td>");
    if (s && *s)
        esc(b, s);
    else
        ds_sb_printf(b, "<span class=\"u\">unknown</span>");
    ds_sb_printf(b, "</td>");
}

/* ------------------------------------------------------------ grouping */

typedef struct grp {
    char *key;        /* NULL: none */
    uint64_t count;
    bool has_time;
    int64_t first, last;
    /* the most frequent value of a second field in the group (suspect,
     * version, confidence), found by counting in a small list */
    char *top[3];
    size_t machines;
} grp;

typedef struct slot {
    const char *key;
    size_t row;
} slot;

static int slot_order(const void *a, const void *b)
{
    const slot *x = a, *y = b;
    int c = cmp_str(x->key, y->key);
    return c ? c : (x->row > y->row) - (x->row < y->row);
}

static int grp_order(const void *a, const void *b)
{
    const grp *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return cmp_str(x->key, y->key);
}

static int str_order(const void *a, const void *b)
{
    return cmp_str(*(const char *const *)a, *(const char *const *)b);
}

/* The most frequent of n strings (NULLs ignored), first by name on ties. */
static char *most_common(const char **v, size_t n)
{
    qsort(v, n, sizeof *v, str_order);
    const char *best = NULL;
    size_t bestn = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && cmp_str(v[j], v[i]) == 0)
            j++;
        if (v[i] && j - i > bestn) {
            best = v[i];
            bestn = j - i;
        }
        i = j;
    }
    return best ? ds_strdup(best) : NULL;
}

static size_t distinct(const char **v, size_t n)
{
    qsort(v, n, sizeof *v, str_order);
    size_t d = 0;
    for (size_t i = 0; i < n; i++)
        d += v[i] && (i == 0 || cmp_str(v[i], v[i - 1]) != 0);
    return d;
}

typedef const char *(*keyfn)(const ds_row *r, char *buf, size_t len);

static const char *key_bucket(const ds_row *r, char *buf, size_t len)
{
    return r->bucket;
}

static const char *key_suspect(const ds_row *r, char *buf, size_t len)
{
    return ds_row_suspect_label(r);
}

static const char *key_code(const ds_row *r, char *buf, size_t len)
{
    if (!r->has_code)
        return NULL;
    snprintf(buf, len, "0x%x%s%s", r->code, r->title ? " " : "", r->title ? r->title : "");
    return buf;
}

static const char *key_driver(const ds_row *r, char *buf, size_t len)
{
    const char *suspect = ds_row_suspect_label(r);
    if (!suspect)
        return NULL;
    snprintf(buf, len, "%s %s", suspect,
             r->file_version ? r->file_version : "(version unknown)");
    return buf;
}

static const char *conf_name(const ds_row *r)
{
    return r->has_verdict ? ds_confidence_name(r->confidence) : NULL;
}

static void free_groups(grp *g, size_t n)
{
    for (size_t i = 0; g && i < n; i++) {
        free(g[i].key);
        for (int f = 0; f < 3; f++)
            free(g[i].top[f]);
    }
    free(g);
}

/* Groups of the analyzed rows by key, most crashes first; NULL on OOM. */
static grp *group_rows(const ds_row *const *rows, const char *const *machines, size_t n,
                       keyfn key, size_t *ng)
{
    slot *s = malloc((n ? n : 1) * sizeof *s);
    char (*kb)[300] = malloc((n ? n : 1) * sizeof *kb);
    const char **tmp = malloc((n ? n : 1) * sizeof *tmp);
    grp *g = calloc(n ? n : 1, sizeof *g);
    size_t m = 0, k = 0;
    if (!s || !kb || !tmp || !g)
        goto oom;
    for (size_t i = 0; i < n; i++)
        if (!rows[i]->failed) {
            s[m].key = key(rows[i], kb[i], sizeof kb[i]);
            s[m++].row = i;
        }
    qsort(s, m, sizeof *s, slot_order);
    for (size_t i = 0; i < m;) {
        size_t j = i;
        while (j < m && cmp_str(s[j].key, s[i].key) == 0)
            j++;
        grp *x = &g[k++];
        if (s[i].key && !(x->key = ds_strdup(s[i].key)))
            goto oom;
        x->count = j - i;
        for (size_t q = i; q < j; q++) {
            int64_t t;
            if (row_crash_unix(rows[s[q].row], &t)) {
                if (!x->has_time || t < x->first)
                    x->first = t;
                if (!x->has_time || t > x->last)
                    x->last = t;
                x->has_time = true;
            }
        }
        for (int f = 0; f < 3; f++) {
            for (size_t q = i; q < j; q++) {
                const ds_row *r = rows[s[q].row];
                tmp[q - i] = f == 0 ? r->suspect_module : f == 1 ? r->file_version : conf_name(r);
            }
            x->top[f] = most_common(tmp, j - i);
        }
        for (size_t q = i; q < j; q++)
            tmp[q - i] = machines ? machines[s[q].row] : NULL;
        x->machines = distinct(tmp, j - i);
        i = j;
    }
    qsort(g, k, sizeof *g, grp_order);
    free(s);
    free(kb);
    free(tmp);
    *ng = k;
    return g;
oom:
    free(s);
    free(kb);
    free(tmp);
    free_groups(g, k);
    return NULL;
}

/* -------------------------------------------------------------- charts */

static const char *const palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                      "#8c564b", "#e377c2", "#17becf"};

static void day_text(int64_t t, char *buf, size_t len)
{
    char full[24];
    short_time(t, full, sizeof full);
    snprintf(buf, len, "%.10s", full);
}

/* Horizontal bars: one per group (the first CHART_BARS). */
static void bar_chart(ds_strbuf *b, const grp *g, size_t n, const char *none, const char *what)
{
    size_t shown = n < CHART_BARS ? n : CHART_BARS;
    if (!shown) {
        ds_sb_printf(b, "<p class=\"u\">No %s.</p>\n", what);
        return;
    }
    uint64_t max = g[0].count;
    unsigned h = (unsigned)shown * 22 + 10;
    ds_sb_printf(b, "<svg class=\"bars\" width=\"760\" height=\"%u\" viewBox=\"0 0 760 %u\" "
                    "role=\"img\" aria-label=\"%s\">\n", h, h, what);
    for (size_t i = 0; i < shown; i++) {
        unsigned y = (unsigned)i * 22 + 5;
        unsigned w = (unsigned)(g[i].count * 300 / (max ? max : 1));
        ds_sb_printf(b, "<text x=\"400\" y=\"%u\" text-anchor=\"end\">", y + 14);
        char label[64];
        const char *k = g[i].key ? g[i].key : none;
        snprintf(label, sizeof label, "%s", k);
        if (strlen(k) >= sizeof label - 1)
            memcpy(label + sizeof label - 4, "...", 4);
        esc(b, label);
        ds_sb_printf(b, "<title>");
        esc(b, k);
        ds_sb_printf(b, "</title></text><rect x=\"410\" y=\"%u\" width=\"%u\" height=\"16\" "
                        "fill=\"%s\"/><text x=\"%u\" y=\"%u\">%llu</text>\n",
                     y + 2, w ? w : 1, palette[0], 416 + w, y + 14,
                     (unsigned long long)g[i].count);
    }
    if (n > shown)
        ds_sb_printf(b, "<text x=\"410\" y=\"%u\" class=\"u\">and %zu more</text>\n", h - 2,
                     n - shown);
    ds_sb_printf(b, "</svg>\n");
}

static int cmp_day(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Which of the top buckets a row's crash is in (-1: none, no time), and
 * its day (Unix days, rounded down). */
static int charted(const ds_row *r, const grp *g, size_t top, int64_t *day)
{
    int64_t t;
    if (r->failed || !row_crash_unix(r, &t))
        return -1;
    *day = t / 86400 - (t % 86400 < 0);
    for (size_t k = 0; k < top; k++)
        if (cmp_str(r->bucket, g[k].key) == 0)
            return (int)k;
    return -1;
}

/* Crashes per day of the top buckets: one line each over the days. */
static void day_chart(ds_strbuf *b, const ds_row *const *rows, size_t n, const grp *g,
                      size_t ng)
{
    size_t top = ng < TOP_BUCKETS ? ng : TOP_BUCKETS;
    /* The window: a crash time far from the others (a clock at 1970, a
     * year 2099) must not squash the real ones into a line. The days of the
     * charted crashes, sorted: the window ends at the latest crash no more
     * than a year after the median and spans at most a year (WINDOW_DAYS);
     * crashes outside it are left out of the chart, and the page says so. */
    int64_t *dv = malloc((n ? n : 1) * sizeof *dv);
    if (!dv) {
        b->oom = true;
        return;
    }
    size_t nd = 0;
    for (size_t i = 0; i < n; i++)
        if (charted(rows[i], g, top, &dv[nd]) >= 0)
            nd++;
    if (!nd) {
        free(dv);
        ds_sb_printf(b, "<p class=\"u\">No crash times known.</p>\n");
        return;
    }
    qsort(dv, nd, sizeof *dv, cmp_day);
    int64_t median = dv[nd / 2], d1 = dv[0], d0;
    for (size_t i = 0; i < nd; i++)
        if (dv[i] <= median + WINDOW_DAYS)
            d1 = dv[i];
    d0 = d1;
    size_t outside = 0;
    for (size_t i = 0; i < nd; i++) {
        if (dv[i] > d1 || dv[i] < d1 - WINDOW_DAYS + 1)
            outside++;
        else if (dv[i] < d0)
            d0 = dv[i];
    }
    free(dv);
    size_t days = (size_t)(d1 - d0 + 1);
    uint32_t *cnt = calloc(days * top, sizeof *cnt);
    if (!cnt) {
        b->oom = true;
        return;
    }
    uint32_t max = 1;
    for (size_t i = 0; i < n; i++) {
        int64_t day;
        int k = charted(rows[i], g, top, &day);
        if (k < 0 || day < d0 || day > d1)
            continue;
        uint32_t *c = &cnt[(size_t)k * days + (size_t)(day - d0)];
        if (++*c > max)
            max = *c;
    }
    const unsigned W = 760, H = 220, L = 40, R = 10, T = 10, B = 30;
    ds_sb_printf(b, "<svg class=\"days\" width=\"%u\" height=\"%u\" viewBox=\"0 0 %u %u\" "
                    "role=\"img\" aria-label=\"crashes per day\">\n", W, H, W, H);
    ds_sb_printf(b, "<line x1=\"%u\" y1=\"%u\" x2=\"%u\" y2=\"%u\" class=\"axis\"/>"
                    "<line x1=\"%u\" y1=\"%u\" x2=\"%u\" y2=\"%u\" class=\"axis\"/>\n",
                 L, H - B, W - R, H - B, L, T, L, H - B);
    ds_sb_printf(b, "<text x=\"%u\" y=\"%u\" text-anchor=\"end\">%u</text>"
                    "<text x=\"%u\" y=\"%u\" text-anchor=\"end\">0</text>\n",
                 L - 4, T + 10, max, L - 4, H - B);
    char a[16], z[16];
    day_text(d0 * 86400, a, sizeof a);
    day_text(d1 * 86400, z, sizeof z);
    ds_sb_printf(b, "<text x=\"%u\" y=\"%u\">%s</text><text x=\"%u\" y=\"%u\" "
                    "text-anchor=\"end\">%s</text>\n", L, H - 10, a, W - R, H - 10, z);
    double dx = days > 1 ? (double)(W - L - R) / (double)(days - 1) : 0;
    for (size_t k = 0; k < top; k++) {
        const char *col = palette[k % 8];
        if (days == 1) { /* one day: a dot per bucket */
            double y = (H - B) - (double)cnt[k] * (H - B - T) / max;
            ds_sb_printf(b, "<circle cx=\"%u\" cy=\"%.1f\" r=\"4\" fill=\"%s\"/>\n",
                         (W + L) / 2, y, col);
            continue;
        }
        ds_sb_printf(b, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"",
                     col);
        for (size_t d = 0; d < days; d++)
            ds_sb_printf(b, "%.1f,%.1f ", L + dx * (double)d,
                         (H - B) - (double)cnt[k * days + d] * (H - B - T) / max);
        ds_sb_printf(b, "\"/>\n");
    }
    ds_sb_printf(b, "</svg>\n<ul class=\"legend\">\n");
    for (size_t k = 0; k < top; k++) {
        ds_sb_printf(b, "<li><span class=\"sw\" style=\"background:%s\"></span>",
                     palette[k % 8]);
        esc(b, g[k].key ? g[k].key : "(no bucket)");
        ds_sb_printf(b, " (%llu)</li>\n", (unsigned long long)g[k].count);
    }
    ds_sb_printf(b, "</ul>\n");
    if (outside)
        ds_sb_printf(b, "<p class=\"note\">The chart shows %s to %s: %zu crash%s of these "
                        "buckets far from the others (more than a year away) %s left out of "
                        "it; the table of every dump below lists them.</p>\n",
                     a, z, outside, outside == 1 ? "" : "es", outside == 1 ? "is" : "are");
    free(cnt);
}

/* ---------------------------------------------------------------- page */

static const char css[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em auto;max-width:1100px;"
    "padding:0 1em;color:#222;background:#fff}"
    "h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ccc}"
    "table{border-collapse:collapse;width:100%;font-size:13px}"
    "th,td{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top;"
    "overflow-wrap:anywhere}td.t{white-space:nowrap}"
    "th{background:#f2f2f2}tr:nth-child(even) td{background:#fafafa}"
    "td.n{text-align:right}.u{color:#888}.failed td{color:#a00}"
    "svg text{font:12px system-ui,sans-serif;fill:#222}.axis{stroke:#888}"
    ".legend{list-style:none;padding:0}.legend li{display:inline-block;margin-right:1.5em}"
    ".sw{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle}"
    ".conf-high{color:#060;font-weight:bold}.conf-medium{color:#850}.conf-low{color:#a00}"
    "code{font-size:12px}";

static void time_cell(ds_strbuf *b, bool known, int64_t t)
{
    char buf[24] = "";
    if (known)
        short_time(t, buf, sizeof buf);
    if (buf[0])
        ds_sb_printf(b, "<td class=\"t\">%s</td>", buf);
    else
        cell(b, NULL);
}

static void conf_cell(ds_strbuf *b, const char *conf)
{
    if (!conf) {
        cell(b, NULL);
        return;
    }
    ds_sb_printf(b, "<td class=\"conf-%s\">%s</td>", conf, conf);
}

static void group_table(ds_strbuf *b, const grp *g, size_t n, uint64_t total, const char *head,
                        const char *none, bool suspect_cols)
{
    ds_sb_printf(b, "<table>\n<tr><th>%s</th><th>crashes</th><th>share</th>", head);
    if (suspect_cols)
        ds_sb_printf(b, "<th>suspect</th><th>version</th>");
    else
        ds_sb_printf(b, "<th>version (most crashes)</th>");
    ds_sb_printf(b, "<th>confidence</th><th>first crash</th><th>last crash</th>"
                    "<th>machines</th></tr>\n");
    for (size_t i = 0; i < n; i++) {
        ds_sb_printf(b, "<tr>");
        if (g[i].key)
            cell(b, g[i].key);
        else
            ds_sb_printf(b, "<td class=\"u\">%s</td>", none);
        ds_sb_printf(b, "<td class=\"n\">%llu</td><td class=\"n\">%.1f%%</td>",
                     (unsigned long long)g[i].count,
                     total ? 100.0 * (double)g[i].count / (double)total : 0.0);
        if (suspect_cols)
            cell(b, g[i].top[0]);
        cell(b, g[i].top[1]);
        conf_cell(b, g[i].top[2]);
        time_cell(b, g[i].has_time, g[i].first);
        time_cell(b, g[i].has_time, g[i].last);
        ds_sb_printf(b, "<td class=\"n\">%zu</td></tr>\n", g[i].machines);
    }
    ds_sb_printf(b, "</table>\n");
}

static void dump_table(ds_strbuf *b, const ds_row *const *rows, const char *const *machines,
                       size_t n)
{
    ds_sb_printf(b, "<table id=\"dumps\">\n<tr><th>file</th><th>machine</th>"
                    "<th>crash time (UTC)</th><th>bug check</th><th>suspect</th>"
                    "<th>version</th><th>confidence</th><th>bucket</th></tr>\n");
    for (size_t i = 0; i < n; i++) {
        const ds_row *r = rows[i];
        ds_sb_printf(b, "<tr class=\"dump%s\">", r->failed ? " failed" : "");
        cell(b, r->path);
        cell(b, machines ? machines[i] : NULL);
        if (r->failed) {
            ds_sb_printf(b, "<td colspan=\"6\">cannot be read: ");
            esc(b, r->error);
            ds_sb_printf(b, "</td></tr>\n");
            continue;
        }
        int64_t t;
        bool known = row_crash_unix(r, &t);
        time_cell(b, known, t);
        char code[300];
        cell(b, key_code(r, code, sizeof code));
        char sus[300] = "";
        const char *suspect = ds_row_suspect_label(r);
        if (suspect)
            snprintf(sus, sizeof sus, "%s%s%s", suspect,
                     r->suspect_function ? "!" : "",
                     r->suspect_function ? r->suspect_function : "");
        cell(b, sus);
        cell(b, r->file_version);
        conf_cell(b, conf_name(r));
        cell(b, r->bucket);
        ds_sb_printf(b, "</tr>\n");
    }
    ds_sb_printf(b, "</table>\n");
}

/* Buckets whose first crash is at or after `since`. */
static void new_buckets(ds_strbuf *b, const grp *g, size_t n, int64_t since)
{
    char day[16];
    day_text(since, day, sizeof day);
    ds_sb_printf(b, "<p>Buckets whose first crash is on or after %s.</p>\n", day);
    size_t shown = 0;
    for (size_t i = 0; i < n; i++) {
        if (!g[i].has_time || g[i].first < since)
            continue;
        if (!shown++)
            ds_sb_printf(b, "<table>\n<tr><th>bucket</th><th>crashes</th><th>suspect</th>"
                            "<th>first crash</th><th>machines</th></tr>\n");
        ds_sb_printf(b, "<tr>");
        cell(b, g[i].key ? g[i].key : "(no bucket)");
        ds_sb_printf(b, "<td class=\"n\">%llu</td>", (unsigned long long)g[i].count);
        cell(b, g[i].top[0]);
        time_cell(b, true, g[i].first);
        ds_sb_printf(b, "<td class=\"n\">%zu</td></tr>\n", g[i].machines);
    }
    ds_sb_printf(b, shown ? "</table>\n" : "<p class=\"u\">None.</p>\n");
}

char *ds_rows_html(const ds_row *const *rows, const char *const *machines, size_t n,
                   const ds_html_options *o)
{
    ds_strbuf b = {0};
    size_t nb = 0, ns = 0, nc = 0, nd = 0;
    grp *gb = group_rows(rows, machines, n, key_bucket, &nb);
    grp *gs = gb ? group_rows(rows, machines, n, key_suspect, &ns) : NULL;
    grp *gc = gs ? group_rows(rows, machines, n, key_code, &nc) : NULL;
    grp *gd = gc ? group_rows(rows, machines, n, key_driver, &nd) : NULL;
    if (!gd)
        goto out;
    uint64_t ok = 0, failed = 0;
    bool any = false;
    int64_t t0 = 0, t1 = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t t;
        ok += !rows[i]->failed;
        failed += rows[i]->failed;
        if (row_crash_unix(rows[i], &t)) {
            if (!any || t < t0)
                t0 = t;
            if (!any || t > t1)
                t1 = t;
            any = true;
        }
    }
    const char *title = o && o->title ? o->title : "dumpscan crash report";
    ds_sb_printf(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                     "<title>");
    esc(&b, title);
    ds_sb_printf(&b, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>", css);
    esc(&b, title);
    ds_sb_printf(&b, "</h1>\n<p id=\"totals\">%llu dump%s: %llu analyzed, %llu could not be "
                     "read. Made by dumpscan %s.",
                 (unsigned long long)n, n == 1 ? "" : "s", (unsigned long long)ok,
                 (unsigned long long)failed, DS_VERSION_STRING);
    if (any) {
        char a[24], z[24];
        short_time(t0, a, sizeof a);
        short_time(t1, z, sizeof z);
        ds_sb_printf(&b, " Crashes from %s to %s (UTC).", a, z);
    }
    ds_sb_printf(&b, "</p>\n");

    ds_sb_printf(&b, "<h2 id=\"buckets\">Buckets</h2>\n");
    group_table(&b, gb, nb, ok, "bucket", "(no bucket)", true);
    ds_sb_printf(&b, "<h2 id=\"suspects\">Suspects</h2>\n");
    group_table(&b, gs, ns, ok, "suspect module", "(no suspect named)", false);
    ds_sb_printf(&b, "<h2 id=\"per-day\">Crashes per day, top buckets</h2>\n");
    day_chart(&b, rows, n, gb, nb);
    ds_sb_printf(&b, "<h2 id=\"bugchecks\">Bug checks</h2>\n");
    bar_chart(&b, gc, nc, "(no bug check)", "bug checks");
    ds_sb_printf(&b, "<h2 id=\"drivers\">Suspect drivers by version</h2>\n");
    bar_chart(&b, gd, nd, "(none)", "suspect drivers");
    ds_sb_printf(&b, "<h2 id=\"new\">New buckets</h2>\n");
    /* default: the last week of the data */
    int64_t since = o && o->since.known ? o->since.value : (any ? t1 - 7 * 86400 : 0);
    new_buckets(&b, gb, nb, since);
    ds_sb_printf(&b, "<h2 id=\"all\">Every dump</h2>\n");
    dump_table(&b, rows, machines, n);
    ds_sb_printf(&b, "</body>\n</html>\n");
out:
    free_groups(gb, nb);
    free_groups(gs, ns);
    free_groups(gc, nc);
    free_groups(gd, nd);
    if (!gd) {
        free(b.s);
        return NULL;
    }
    return ds_sb_finish(&b);
}
