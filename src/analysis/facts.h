/* Analysis stage: the !analyze facts beside the verdict (ds_crash.facts). */
#ifndef DS_ANALYSIS_FACTS_H
#define DS_ANALYSIS_FACTS_H

#include "dumpscan/dumpscan.h"
#include "mem/memview.h"

/* Fill c->facts from the model, its records, stacks, verdict and memory.
 * Runs after the verdict. Never fails. */
void ds_analysis_facts(ds_crash *c, const ds_memview *mem);

/* FOLLOWUP_NAME for the verdict's suspect (see ds_facts); NULL when none. */
const char *ds_followup_name(const ds_crash *c);

/* The offset of STRUCT.FIELD for this arch and build from
 * symbols/kernel-offsets.txt; false when no line covers it. */
bool ds_kernel_offset(const char *field, ds_arch arch, uint32_t build, uint32_t *off);

#endif
