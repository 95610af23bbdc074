/* Register names per architecture, in ds_context.regs order. */
#ifndef DS_REPORT_REGNAMES_H
#define DS_REPORT_REGNAMES_H

#include "dumpscan/dumpscan.h"

/* Name of regs[i] for arch, or NULL for an unused slot. */
const char *ds_reg_name(ds_arch arch, unsigned i);

#endif
