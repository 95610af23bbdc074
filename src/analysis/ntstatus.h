/*
 * NTSTATUS names and one-line meanings (bugcodes/ntstatus.txt, embedded at
 * build time). Looked up on the low 32 bits: a status held in a 64-bit
 * bug-check parameter is often sign-extended (0xffffffffc0000005).
 */
#ifndef DS_ANALYSIS_NTSTATUS_H
#define DS_ANALYSIS_NTSTATUS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct ds_ntstatus_info {
    uint32_t code;
    char name[80];     /* "STATUS_INVALID_IMAGE_HASH" */
    char tag[24];      /* "" or "code_integrity", "device_io", "hardware" */
    char meaning[256]; /* one line, our words */
} ds_ntstatus_info;

/* false when the code is not in the table (out is then zeroed). */
bool ds_ntstatus_lookup(uint64_t value, ds_ntstatus_info *out);

struct ds_crash;
/* Bug-check parameter i (0-based) when the verdict gives it a status or
 * exception-code role and its value is a known NTSTATUS. */
bool ds_bugcheck_param_status(const struct ds_crash *c, unsigned i, ds_ntstatus_info *out);

#endif
