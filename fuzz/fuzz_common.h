/* Shared by the harnesses: open bytes as a dump and use every public reader. */
#ifndef DS_FUZZ_COMMON_H
#define DS_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

/* Open data as a dump, render both reports, read memory at the addresses the
 * model names. Crashes, leaks and UB are the findings. */
void fuzz_exercise(const uint8_t *data, size_t size);

/* A kernel header template: "PAGE"-filled, signature, machine, DumpType. */
void fuzz_kernel_header(uint8_t *h, size_t hsize, int wide, uint32_t machine,
                        uint32_t dump_type);

#endif
