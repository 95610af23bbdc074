/*
 * The fault records of the crash model (ds_crash.records): exception record,
 * context record and trap frame, read from the crashed system's memory once,
 * so that the stack walk, the verdict and the reports all use the same
 * decoded values and never read them again themselves.
 */
#ifndef DS_MODEL_RECORDS_H
#define DS_MODEL_RECORDS_H

#include "dumpscan/dumpscan.h"
#include "mem/memview.h"

/* Decode the record at va that bug-check parameter `param` (1..4) names
 * into c->records. False (and nothing stored) when a byte of it is not in
 * the dump or it cannot be such a record; the first record of a kind wins. */
bool ds_records_exception(ds_crash *c, const ds_memview *mem, uint64_t va, int param);
bool ds_records_context(ds_crash *c, const ds_memview *mem, uint64_t va, int param);
bool ds_records_trap(ds_crash *c, const ds_memview *mem, uint64_t va, int param);

/*
 * The trap frame of a page fault taken in kernel mode, found on the stack
 * (x64 and x86): a KTRAP_FRAME in [lo, lo + len) whose saved instruction
 * pointer is ip, whose code segment is a kernel one and whose saved stack
 * pointer lies just above it. Stored with param 0. False when none is found.
 */
bool ds_records_find_trap(ds_crash *c, const ds_memview *mem, uint64_t ip, uint64_t lo,
                          uint64_t len);

#endif
