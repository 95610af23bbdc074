/* Messages on stderr (say.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "dumpscan/dumpscan.h"
#include "say.h"

void cli_say(const char *fmt, ...)
{
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *raw = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (raw)
        vsnprintf(raw, (size_t)n + 1, fmt, again);
    va_end(again);
    char *shown = ds_display_text(raw);
    free(raw);
    /* one fprintf: lines of several threads do not mix */
    fprintf(stderr, "dumpscan: %s\n", shown ? shown : "out of memory");
    ds_free(shown);
}
