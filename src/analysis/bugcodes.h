/*
 * The bug-check knowledge base: what each Windows bug-check code is called,
 * what its four parameters mean and which *role* each plays (faulting
 * address, exception record, IRP, ...), and a coarse crash class.
 *
 * The table is data (the bugcodes/ .txt files), turned into C at build time by
 * tools/bugcodes_gen.c; this header is the only way in. Later analysis is
 * driven by the roles, never by per-code switch statements.
 */
#ifndef DS_ANALYSIS_BUGCODES_H
#define DS_ANALYSIS_BUGCODES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis/bugcodes_vocab.h"

/* What a bug-check parameter is (see bugcodes/README.md for each role). */
typedef enum ds_param_role {
#define DS_X_(id, str) DS_ROLE_##id,
    DS_PARAM_ROLE_LIST(DS_X_)
#undef DS_X_
    DS_ROLE_COUNT_
} ds_param_role;

/* Coarse kind of crash (see bugcodes/README.md). */
typedef enum ds_crash_class {
#define DS_X_(id, str) DS_CLASS_##id,
    DS_CRASH_CLASS_LIST(DS_X_)
#undef DS_X_
    DS_CLASS_COUNT_
} ds_crash_class;

typedef struct ds_bugcode_param {
    ds_param_role role;
    const char *meaning; /* our words; NULL when nothing is recorded */
} ds_bugcode_param;

/* A sub-case: applies when parameter `param` (0-based: 0 is P1) lies in
 * [lo, hi]. Its class and params are complete (the generator copies what
 * the case does not override from the code's own entry). */
typedef struct ds_bugcode_case {
    uint8_t param;
    uint64_t lo, hi;
    const char *summary;
    ds_crash_class cls;
    ds_bugcode_param params[4];
} ds_bugcode_case;

/* Whether a code marks a live dump: a snapshot taken while the system kept
 * running (Microsoft's kernel live dump code reference), not a crash. */
typedef enum ds_bugcode_live {
    DS_LIVE_NO = 0,
    DS_LIVE_ALWAYS,   /* used only for live dumps */
    DS_LIVE_SOMETIMES /* used for live dumps and for real bug checks */
} ds_bugcode_live;

typedef struct ds_bugcode {
    uint32_t code;
    const char *name;    /* e.g. "IRQL_NOT_LESS_OR_EQUAL" */
    ds_crash_class cls;
    const char *summary; /* NULL when none is recorded */
    ds_bugcode_param params[4];
    const ds_bugcode_case *cases; /* tried in order; first match wins */
    size_t ncases;
    ds_bugcode_live live;
} ds_bugcode;

/* The description of one concrete bug check (code + parameters). */
typedef struct ds_bugcode_view {
    uint32_t code;          /* as asked */
    bool known;             /* false: nothing below but code/cls/params */
    bool via_base_code;     /* 0x1000xxxx not listed: described as code & ~0x10000000 */
    uint32_t matched_code;  /* the table entry used (0 when !known) */
    const ds_bugcode *entry;
    const char *name;       /* NULL when !known */
    ds_crash_class cls;     /* the sub-case's class when one matched */
    const char *summary;    /* the code's summary (may be NULL) */
    const ds_bugcode_case *subcase; /* matched sub-case, or NULL */
    const char *case_summary;       /* subcase->summary, or NULL */
    ds_bugcode_param params[4];     /* the sub-case's when one matched */
} ds_bugcode_view;

/* The generated table, sorted by code, codes unique. */
extern const ds_bugcode ds_bugcode_table[];
extern const size_t ds_bugcode_table_len;

size_t ds_bugcode_count(void);
const ds_bugcode *ds_bugcode_at(size_t i); /* NULL past the end */

/* Exact lookup (binary search); NULL if the code is not listed. */
const ds_bugcode *ds_bugcode_lookup(uint32_t code);

/* The description for this code with these parameters (params may be NULL:
 * then no sub-case applies). Unlisted 0x1000xxxx codes fall back to the code
 * without bit 28 and set via_base_code. Unknown codes give known == false,
 * class unknown and unknown roles. Never fails. */
void ds_bugcode_resolve(uint32_t code, const uint64_t params[4], ds_bugcode_view *out);

const char *ds_param_role_name(ds_param_role r);   /* "faulting_address"; "?" if invalid */
const char *ds_crash_class_name(ds_crash_class c); /* "driver_fault"; "?" if invalid */
/* Reverse mappings; -1 when the name is not in the vocabulary. */
int ds_param_role_from_name(const char *name);
int ds_crash_class_from_name(const char *name);

#endif
