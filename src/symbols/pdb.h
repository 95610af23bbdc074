/*
 * PDB (MSF 7.0) reader: mapped, queried by address, never parsed whole.
 * Opening reads the superblock, the stream directory, the PDB info stream
 * (GUID, age) and the DBI header; lookups touch only the streams they need
 * (section headers, section contributions to find the module, that module's
 * symbols; the publics address map for public symbols).
 */
#ifndef DS_SYMBOLS_PDB_H
#define DS_SYMBOLS_PDB_H

#include "dumpscan/dumpscan.h"
#include "symbols/srcloc.h"

typedef struct ds_pdb ds_pdb;

ds_pdb *ds_pdb_open(const char *path, ds_error *err);
/* Same over a caller-owned buffer (fuzzing, tests). */
ds_pdb *ds_pdb_open_memory(const void *data, size_t size, ds_error *err);
void ds_pdb_close(ds_pdb *p);

/* GUID (as stored, zero before VC70 PDBs) and the age an image's RSDS
 * record names: the DBI header's age, or the info stream's when the PDB has
 * no DBI. The info stream's own age grows when the PDB is rewritten after
 * the link, so it is often larger (ds_pdb_info_age). */
void ds_pdb_identity(const ds_pdb *p, uint8_t guid[16], uint32_t *age);
bool ds_pdb_has_guid(const ds_pdb *p);      /* info stream version >= VC70 */
uint32_t ds_pdb_info_age(const ds_pdb *p);  /* age in the PDB info stream */
uint16_t ds_pdb_machine(const ds_pdb *p);   /* DBI machine (IMAGE_FILE_MACHINE_*), 0 if unknown */

/* name + (rva asked - symbol rva) is the usual "function+offset". For
 * images rearranged after the link (OMAP, e.g. BBT-optimized system DLLs)
 * the offset is taken in the original layout, as debuggers print it, and
 * rva is the asked rva minus that offset rather than the moved entry. */
typedef struct ds_pdb_symbol {
    char name[512];     /* UTF-8; control characters replaced by '?' */
    uint32_t rva;       /* start of the symbol */
    uint32_t length;    /* function length; 0 when unknown (public symbol) */
    bool is_function;   /* from S_GPROC32/S_LPROC32 (exact bounds) */
} ds_pdb_symbol;

/* The function containing rva (procedure symbol, bounds checked), else the
 * nearest public symbol at or below rva. false when neither. */
bool ds_pdb_lookup(ds_pdb *p, uint32_t rva, ds_pdb_symbol *out);

/*
 * Source position of rva from the C13 line information of the module that
 * holds it (DEBUG_S_LINES, file names through DEBUG_S_FILECHKSMS and
 * /names), with the calls inlined there (S_INLINESITE binary annotations,
 * DEBUG_S_INLINEELINES, names from the IPI stream). Read per module on
 * first use. False when the module has no line for rva.
 */
bool ds_pdb_source(ds_pdb *p, uint32_t rva, ds_srcloc *out);

/* x86 frame data (FPO_DATA or the newer FrameData) covering rva. */
typedef struct ds_pdb_fpo {
    uint32_t rva_start, code_size;
    uint32_t locals_size;   /* bytes */
    uint32_t params_size;   /* bytes */
    uint32_t saved_regs_size;
    uint32_t prolog_size;
    bool uses_bp;           /* function sets up EBP */
    const char *program;    /* FrameData program string, or NULL */
} ds_pdb_fpo;
/* program points into the ds_pdb and stays valid until the next
 * ds_pdb_fpo_lookup or ds_pdb_close. A ds_pdb caches lookup state: use one
 * from one thread at a time. */
bool ds_pdb_fpo_lookup(ds_pdb *p, uint32_t rva, ds_pdb_fpo *out);

#endif
