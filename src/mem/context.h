/* CPU context records and trap frames: raw bytes, or memory-view addresses,
 * -> ds_context. In the memory stage because every stage above reads them:
 * the format readers (dump headers, minidump threads), the model's fault
 * records, and the unwinder (trap frames met on a stack). */
#ifndef DS_MEM_CONTEXT_H
#define DS_MEM_CONTEXT_H

#include "dumpscan/dumpscan.h"

/* Smallest buffer from which a context of this arch can be decoded. */
size_t ds_context_min_size(ds_arch arch);
/* Decode a CONTEXT; false if len is too small or the arch unknown. */
bool ds_context_decode(ds_arch arch, const uint8_t *p, size_t len, ds_context *out);

/* A CONTEXT in the crashed system's memory (a context record, a KPRCB's
 * saved context); false unless every needed byte was readable. */
struct ds_memview;
bool ds_context_read(const struct ds_memview *mem, ds_arch arch, uint64_t va,
                     ds_context *out);
/* The registers a KTRAP_FRAME at va saved (x64 and x86; what WinDbg's .trap
 * shows): pc, sp, fp and the fields every kernel entry path fills. The
 * layout depends on the kernel's build (x86: Edx, Ecx and Eax moved in
 * Windows 8.1); with the build unknown, or one no known layout covers, only
 * the registers every layout keeps in the same place are read, the rest are
 * left invalid (doc/formats.md 9.1). */
bool ds_trap_frame_read(const struct ds_memview *mem, ds_arch arch, ds_u64 build,
                        uint64_t va, ds_context *out);

/* EXCEPTION_RECORD64 (ptr_size 8, 0x98 bytes) or EXCEPTION_RECORD32 (4, 0x50). */
size_t ds_exception_record_size(unsigned ptr_size);
void ds_exception_decode(const uint8_t *p, unsigned ptr_size, ds_exception *out);

/* Architecture from an IMAGE_FILE_MACHINE_* value. */
ds_arch ds_arch_from_machine(uint32_t machine);

#endif
