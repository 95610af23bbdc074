/*
 * Access types as data (bugcodes/access.txt): what kind of memory access a
 * bug check's access_type parameter or an exception's ExceptionInformation[0]
 * describes, per code and, where Microsoft documents a change, per Windows
 * build and architecture.
 */
#ifndef DS_ANALYSIS_ACCESS_H
#define DS_ANALYSIS_ACCESS_H

#include <stdbool.h>
#include <stdint.h>

#include "dumpscan/dumpscan.h"

/* Whether bugcodes/access.txt has a rule for this bug check (bit 28 ignored). */
bool ds_access_known_bugcheck(uint32_t code);

/* The access a bug check describes: "read", "write", "execute" (static), or
 * NULL when no rule applies or the value matches none of the rule's values.
 * has_value false: only a fixed=ACCESS rule can answer. */
const char *ds_access_bugcheck(uint32_t code, bool has_value, uint64_t value,
                               uint32_t build, ds_arch arch);

/* The access an exception record describes (from ExceptionInformation[0]),
 * or NULL. *status_index is set to the element holding an in-page error's
 * NTSTATUS, or -1. */
const char *ds_access_exception(const ds_exception *e, int *status_index);

/* Check the data file: 0 when every line parses, else the number of the
 * first malformed line (for tests). */
int ds_access_validate(void);

#endif
