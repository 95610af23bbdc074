/*
 * The progress line of a long batch on a terminal: files done of all, rate
 * and time left. Drawn on stderr only when stderr is a terminal, so logs and
 * pipes never receive carriage returns.
 */
#include <stdio.h>

#include "progress.h"

static void clock_text(double secs, char *buf, size_t len)
{
    if (!(secs >= 0) || secs > 359999) {
        snprintf(buf, len, "--:--");
        return;
    }
    unsigned long s = (unsigned long)(secs + 0.5);
    if (s >= 3600)
        snprintf(buf, len, "%lu:%02lu:%02lu", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(buf, len, "%lu:%02lu", s / 60, s % 60);
}

void progress_format(char *buf, size_t len, const progress_counts *c, double elapsed)
{
    double rate = elapsed > 0 ? (double)c->done / elapsed : 0;
    char eta[24], took[24];
    clock_text(rate > 0 ? (double)(c->total - c->done) / rate : -1, eta, sizeof eta);
    clock_text(elapsed, took, sizeof took);
    unsigned pct = c->total ? (unsigned)(c->done * 100 / c->total) : 100;
    snprintf(buf, len,
             "dumpscan: %zu/%zu files (%u%%), %.0f/s, %s elapsed, ETA %s; %zu failed, "
             "%zu skipped",
             c->done, c->total, pct, rate, took, eta, c->failed, c->skipped);
}

void progress_draw(const progress_counts *c, double elapsed, bool final)
{
    if (final) {
        fputs("\r\033[K", stderr);
    } else {
        char line[256];
        progress_format(line, sizeof line, c, elapsed);
        fprintf(stderr, "\r\033[K%s", line);
    }
    fflush(stderr);
}
