/* Processor stage: the stacks of the crash model (ds_crash.stacks). */
#ifndef DS_ANALYSIS_STACKS_H
#define DS_ANALYSIS_STACKS_H

#include "dumpscan/dumpscan.h"
#include "mem/memview.h"
#include "symbols/store.h"

/* Find images and symbols for the modules that need them, walk the
 * interesting contexts and name every frame. -1 only when out of memory.
 * Opens the symbol path of opt for this one dump. */
int ds_analysis_stacks(ds_crash *c, const ds_memview *mem, const ds_open_options *opt);

/* The same with a symbol store opened once for many dumps (only read here,
 * so several threads may share it); NULL: no symbols. opt->symbol_path and
 * opt->no_symbols are not looked at. */
int ds_analysis_stacks_with(ds_crash *c, const ds_memview *mem, const ds_open_options *opt,
                            const ds_symstore *store);

#endif
