/* The JSON values the reports share (report JSON, batch rows, summaries, row
 * records), so that one fact is written one way everywhere. The rule
 * (dumpscan-json(5)): an unknown fact is null, never omitted; a string that
 * is NULL or "" is unknown; 64-bit values are "0x..." strings, since JSON
 * numbers lose precision past 2^53 (and jansson's integers stop at 2^63).
 * Each returns a new reference, NULL on OOM (json_object_set_new takes it). */
#ifndef DS_REPORT_JSONVAL_H
#define DS_REPORT_JSONVAL_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "dumpscan/dumpscan.h"

/* "0x1a2b" */
json_t *ds_json_hex(uint64_t v);
/* "0x1a2b", or null when unknown. */
json_t *ds_json_opt_hex(ds_u64 v);
/* A number, or null when unknown. */
json_t *ds_json_opt_int(ds_u64 v);
/* The string, or null for NULL and "". */
json_t *ds_json_str(const char *s);
/* A FILETIME as "2024-03-15T12:00:00Z" (UTC), or null when unknown, 0 or
 * outside 1970..9999. */
json_t *ds_json_time(bool known, uint64_t ft);

#endif
