/* Analysis stage: the verdict (what happened, who is to blame, how sure). */
#ifndef DS_ANALYSIS_VERDICT_H
#define DS_ANALYSIS_VERDICT_H

#include "dumpscan/dumpscan.h"
#include "mem/memview.h"

/* Fill c->verdict from the model, its stacks and memory. -1 on OOM. */
int ds_analysis_verdict(ds_crash *c, const ds_memview *mem);

#endif
