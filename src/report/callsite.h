/* How a frame is written: "amdppm!WriteIoMemRawEx+0x70", shared by reports. */
#ifndef DS_REPORT_CALLSITE_H
#define DS_REPORT_CALLSITE_H

#include "dumpscan/dumpscan.h"

/* "module!function+0xoff", "module+0xoff" or "0xaddress". */
void ds_call_site(const ds_crash *c, const ds_frame *f, char *out, size_t len);
/* " [file @ line]" (WinDbg's form) or "" when the file is unknown. */
void ds_source_suffix(const char *file, ds_u64 line, char *out, size_t len);
/* "module!function" of inline frame k of f. */
void ds_inline_site(const ds_crash *c, const ds_frame *f, size_t k, char *out, size_t len);
const char *ds_trust_name(ds_trust t);
const char *ds_symsrc_name(ds_symsrc s);
const char *ds_stack_kind_name(ds_stack_kind k);

#endif
