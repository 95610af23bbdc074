/* Analysis stage: the verdict (what happened, who is to blame, how sure). */
#ifndef DS_ANALYSIS_VERDICT_H
#define DS_ANALYSIS_VERDICT_H

#include "dumpscan/dumpscan.h"
#include "analysis/knowledge.h"
#include "mem/memview.h"

/* Fill c->verdict from the model, its stacks and memory. -1 on OOM.
 * Loads the knowledge base for this one dump. */
int ds_analysis_verdict(ds_crash *c, const ds_memview *mem);

/* The same with a knowledge base loaded once for many dumps (only read, so
 * several threads may share it). */
int ds_analysis_verdict_with(ds_crash *c, const ds_memview *mem, const ds_knowledge *k);

#endif
