/*
 * Shipped knowledge that is data, not code: the blame rules
 * (symbols/blame-rules.txt) and application exception codes
 * (bugcodes/exceptions.txt), embedded into the library at build time and
 * parsed into a ds_knowledge per analysis (no global state).
 */
#ifndef DS_ANALYSIS_KNOWLEDGE_H
#define DS_ANALYSIS_KNOWLEDGE_H

#include <stdbool.h>
#include <stdint.h>

#include "dumpscan/dumpscan.h"

typedef enum ds_rule_action {
    DS_RULE_NONE = 0, /* third-party code: fair game for blame */
    DS_RULE_IGNORE,   /* plumbing */
    DS_RULE_VICTIM,   /* usually reports someone else's fault */
    DS_RULE_CORE      /* the operating system itself */
} ds_rule_action;

typedef struct ds_knowledge ds_knowledge;

ds_knowledge *ds_knowledge_load(void); /* NULL only when out of memory */
void ds_knowledge_free(ds_knowledge *k);

/* The first rule matching this module label ("nt", "amdppm") and function
 * (NULL when unknown); *why gets the rule's comment. */
ds_rule_action ds_knowledge_rule(const ds_knowledge *k, const char *module,
                                 const char *function, const char **why);

typedef struct ds_exception_info {
    const char *name;    /* "ACCESS_VIOLATION" */
    const char *cls;     /* "invalid_pointer" */
    const char *summary;
} ds_exception_info;

/* space: "win", "fastfail", "linux", "mac". *out is always written: all NULL
 * when the code is unknown. */
bool ds_knowledge_exception(const ds_knowledge *k, const char *space, uint64_t code,
                            ds_exception_info *out);

/* Whether addr is made of a known fill pattern (bugcodes/address-patterns.txt)
 * plus a small offset; *what gets who writes that pattern. */
bool ds_knowledge_fill_pattern(const ds_knowledge *k, uint64_t addr, const char **what);

/* Whether a module file name ("amdppm.sys") is in the list of Windows inbox
 * modules (symbols/windows-inbox.txt); ASCII case-insensitive. */
bool ds_knowledge_inbox(const ds_knowledge *k, const char *file_name);

/*
 * Who ships a module (sets m->owner and m->owner_source, static strings): the
 * version resource's CompanyName when the image was read (it wins), else the
 * list of Windows inbox modules, else NULL (unknown). Never "third_party" without
 * a CompanyName that says so.
 */
void ds_knowledge_owner(const ds_knowledge *k, ds_module *m);

/* '*' glob, ASCII case-insensitive. */
bool ds_glob_match(const char *pattern, const char *text);

#endif
