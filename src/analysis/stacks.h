/* Processor stage: the stacks of the crash model (ds_crash.stacks). */
#ifndef DS_ANALYSIS_STACKS_H
#define DS_ANALYSIS_STACKS_H

#include "dumpscan/dumpscan.h"
#include "mem/memview.h"

/* Find images and symbols for the modules that need them, walk the
 * interesting contexts and name every frame. -1 only when out of memory. */
int ds_analysis_stacks(ds_crash *c, const ds_memview *mem, const ds_open_options *opt);

#endif
