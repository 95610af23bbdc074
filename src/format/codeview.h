#ifndef DS_FORMAT_CODEVIEW_H
#define DS_FORMAT_CODEVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dumpscan/dumpscan.h"

/* Decode a CodeView record already in memory. */
bool ds_codeview_parse(const uint8_t *p, size_t len, ds_codeview *out);

#endif
