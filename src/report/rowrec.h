/* Row records: a whole ds_row as one compact JSON object and back (the crash
 * database's storage of a row; see rowrec.c). */
#ifndef DS_REPORT_ROWREC_H
#define DS_REPORT_ROWREC_H

#include "dumpscan/dumpscan.h"

/* malloc'd compact JSON (free), NULL on OOM. */
char *ds_row_record(const ds_row *r);
/* The row, or NULL for text that is not a valid record (or OOM). */
ds_row *ds_row_from_record(const char *text);

#endif
