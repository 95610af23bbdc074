/* Progress line of a batch on a terminal (count, rate, ETA). */
#ifndef DS_CLI_PROGRESS_H
#define DS_CLI_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct progress_counts {
    size_t done, total, failed, skipped;
} progress_counts;

/* "dumpscan: 120/400 files (30%), 60/s, 0:02 elapsed, ETA 0:05; 1 failed, ..." */
void progress_format(char *buf, size_t len, const progress_counts *c, double elapsed);
/* Redraw the line on stderr, or erase it when final. */
void progress_draw(const progress_counts *c, double elapsed, bool final);

#endif
