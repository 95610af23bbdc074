/* Format readers: file bytes -> crash model + memory view. Internal. */
#ifndef DS_FORMAT_FORMAT_H
#define DS_FORMAT_FORMAT_H

#include "dumpscan/dumpscan.h"
#include "io/bytes.h"
#include "mem/memview.h"

typedef struct ds_reader {
    ds_bytes file;
    ds_crash *crash;
    ds_memview *mem;
    uint32_t max_modules;
    /* Triage copies of the crashing CPU's KPRCB, EPROCESS and ETHREAD: file
     * offsets and the room before the next piece (0 when absent). Their VAs
     * are only known once KDBG has been read (ds_kdbg_read). */
    struct {
        uint32_t off, room;
    } blob_prcb, blob_process, blob_thread;
} ds_reader;

/*
 * Where each header field lives in DUMP_HEADER64 / DUMP_HEADER32
 * (doc/formats.md 1.2, 1.3). One table, two rows: no per-width code paths.
 */
typedef struct ds_klayout {
    unsigned ptr;          /* 8 or 4 */
    uint32_t header_size;  /* 0x2000 or 0x1000 */
    uint16_t dtb, pfn_db, ps_loaded, ps_active, machine, cpus, bugcheck, params,
        kdbg, physmem, context, context_max, exception, dump_type, required, sys_time,
        comment, uptime, minidump_fields, secondary, product, suite, writer,
        kd_secondary, attributes, boot_id, pae;
} ds_klayout;

extern const ds_klayout ds_klayout64, ds_klayout32;

/* Returns 0, or -1 when out of memory (damage is reported as notes). */
int ds_kernel_read(ds_reader *r, ds_error *err);
int ds_kphys_full(ds_reader *r, const ds_klayout *l, const uint8_t *hdr);
int ds_kphys_summary(ds_reader *r, const ds_klayout *l, const uint8_t *hdr);
int ds_kphys_bitmap(ds_reader *r, const ds_klayout *l, const uint8_t *hdr);
int ds_kphys_range(ds_reader *r, const ds_klayout *l, const uint8_t *hdr);
int ds_triage_read(ds_reader *r, const ds_klayout *l, const uint8_t *hdr);
/* Walk PsLoadedModuleList through the memory view. */
int ds_kldr_walk(ds_reader *r, unsigned ptr_size, uint64_t head);

/* KDBG: check it, then find the CPUs, their bug-check contexts and the
 * crashing CPU; map the triage blobs at their VAs. */
int ds_kdbg_read(ds_reader *r, unsigned ptr_size);

int ds_minidump_read(ds_reader *r, ds_error *err);

/* DUMP_STRING at a file offset (u32 length in UTF-16 units, then text). */
char *ds_dump_string(ds_bytes file, uint64_t off, uint32_t max_chars);

#endif
